#pragma once

#include <gio/gio.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

void      trawl_remote_follow               (TrawlQueue          *queue,
                                             GSettings           *settings);
void      trawl_remote_store_secret_async   (const char          *address,
                                             const char          *secret,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  trawl_remote_store_secret_finish  (GAsyncResult        *result,
                                             GError             **error);
void      trawl_remote_lookup_secret_async  (const char          *address,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *trawl_remote_lookup_secret_finish (GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
