#pragma once

#include <gio/gio.h>

#include "trawl-item.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_BACKEND (trawl_backend_get_type ())

G_DECLARE_INTERFACE (TrawlBackend, trawl_backend, TRAWL, BACKEND, GObject)

/**
 * TrawlBackendInterface:
 * @get_name: a few words that name where videos are saved, for the
 *   window's summary ("this computer", "aria2 on nas.local")
 * @download_async: saves a resolved @item (its media URL, Referer and
 *   reserved name); a cancellation while the item is paused pauses the
 *   download, while it is cancelled removes it, and otherwise (the queue
 *   shutting down) leaves it as it is
 * @download_finish: whether the video is provably complete
 *
 * Where the videos are downloaded, once the queue has found and resolved
 * them: crawling and resolving always run on this computer.
 */
struct _TrawlBackendInterface
{
  GTypeInterface parent_iface;

  char *   (*get_name)        (TrawlBackend         *self);
  void     (*download_async)  (TrawlBackend         *self,
                               TrawlItem            *item,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*download_finish) (TrawlBackend         *self,
                               TrawlItem            *item,
                               GAsyncResult         *result,
                               GError              **error);
};

char     *trawl_backend_get_name        (TrawlBackend         *self);
void      trawl_backend_download_async  (TrawlBackend         *self,
                                         TrawlItem            *item,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  trawl_backend_download_finish (TrawlBackend         *self,
                                         TrawlItem            *item,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
