#define G_LOG_DOMAIN "trawl-backend"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "trawl-backend-private.h"
#include "trawl-transfer-private.h"

G_DEFINE_INTERFACE (TrawlBackend, trawl_backend, G_TYPE_OBJECT)

static void
trawl_backend_default_init (TrawlBackendInterface *iface)
{
}

/**
 * trawl_backend_get_name:
 *
 * Returns: (transfer full): where this backend saves videos, in a few words
 */
char *
trawl_backend_get_name (TrawlBackend *self)
{
  g_return_val_if_fail (TRAWL_IS_BACKEND (self), NULL);

  return TRAWL_BACKEND_GET_IFACE (self)->get_name (self);
}

void
trawl_backend_download_async (TrawlBackend        *self,
                              TrawlItem           *item,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TRAWL_IS_BACKEND (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  TRAWL_BACKEND_GET_IFACE (self)->download_async (self, item, cancellable, callback, user_data);
}

gboolean
trawl_backend_download_finish (TrawlBackend  *self,
                               TrawlItem     *item,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (TRAWL_IS_BACKEND (self), FALSE);

  return TRAWL_BACKEND_GET_IFACE (self)->download_finish (self, item, result, error);
}

struct _TrawlLocalBackend
{
  GObject      parent_instance;

  TrawlClient *client;
  TrawlPaths  *paths;
};

static void local_backend_iface_init (TrawlBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlLocalBackend, _trawl_local_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TRAWL_TYPE_BACKEND,
                                                      local_backend_iface_init))

static void
trawl_local_backend_finalize (GObject *object)
{
  TrawlLocalBackend *self = TRAWL_LOCAL_BACKEND (object);

  g_clear_object (&self->client);
  g_clear_object (&self->paths);
  G_OBJECT_CLASS (_trawl_local_backend_parent_class)->finalize (object);
}

static void
_trawl_local_backend_class_init (TrawlLocalBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_local_backend_finalize;
}

static void
_trawl_local_backend_init (TrawlLocalBackend *self)
{
}

static char *
local_backend_get_name (TrawlBackend *backend)
{
  return g_strdup (_("this computer"));
}

static void
local_backend_download_async (TrawlBackend        *backend,
                              TrawlItem           *item,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  TrawlLocalBackend *self = TRAWL_LOCAL_BACKEND (backend);

  _trawl_transfer_async (self->client, self->paths, item, cancellable, callback, user_data);
}

static gboolean
local_backend_download_finish (TrawlBackend  *backend,
                               TrawlItem     *item,
                               GAsyncResult  *result,
                               GError       **error)
{
  return _trawl_transfer_finish (item, result, error);
}

static void
local_backend_iface_init (TrawlBackendInterface *iface)
{
  iface->get_name = local_backend_get_name;
  iface->download_async = local_backend_download_async;
  iface->download_finish = local_backend_download_finish;
}

TrawlBackend *
_trawl_local_backend_new (TrawlClient *client,
                          TrawlPaths  *paths)
{
  TrawlLocalBackend *self = g_object_new (TRAWL_TYPE_LOCAL_BACKEND, NULL);

  self->client = g_object_ref (client);
  self->paths = g_object_ref (paths);
  return TRAWL_BACKEND (self);
}
