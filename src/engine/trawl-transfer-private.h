#pragma once

#include "trawl-client.h"
#include "trawl-item.h"
#include "trawl-paths-private.h"

G_BEGIN_DECLS

void      _trawl_transfer_async      (TrawlClient   *client,
                                      TrawlPaths    *paths,
                                      TrawlItem     *item,
                                      GCancellable  *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer       user_data);
gboolean  _trawl_transfer_finish     (TrawlItem     *item,
                                      GAsyncResult  *result,
                                      GError       **error);
gboolean  _trawl_check_media_start   (const guint8  *data,
                                      gsize          length,
                                      const char    *content_type,
                                      GError       **error);
gboolean  _trawl_parse_content_range (const char    *value,
                                      gint64        *start,
                                      gint64        *end,
                                      gint64        *total);

G_END_DECLS
