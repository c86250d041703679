#pragma once

#include <gio/gio.h>

#include "trawl-client.h"
#include "trawl-hls-playlist-private.h"
#include "trawl-item.h"
#include "trawl-paths-private.h"

G_BEGIN_DECLS

/* HLS: a video served as a playlist (.m3u8) of short segments, fetched,
 * decrypted and joined into one file. */

void              _trawl_hls_async             (TrawlClient       *client,
                                                TrawlPaths        *paths,
                                                TrawlItem         *item,
                                                GCancellable      *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer           user_data);
gboolean          _trawl_hls_finish            (TrawlItem         *item,
                                                GAsyncResult      *result,
                                                GError           **error);

G_END_DECLS
