#define G_LOG_DOMAIN "trawl-proxy-resolver"

#include "config.h"

#include "trawl-proxy-resolver-private.h"
#include "trawl-uri.h"

/* The queue's proxy setting as GIO asks for it. A setting that is not a
 * proxy is kept as its error and fails every connection with it, where
 * GSimpleProxyResolver would warn and connect directly. */

struct _TrawlProxyResolver
{
  GObject  parent_instance;

  char    *proxy;  /* "direct://" or a proxy URL, NULL when refused */
  GError  *error;
};

static void trawl_proxy_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlProxyResolver, trawl_proxy_resolver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                      trawl_proxy_resolver_iface_init))

static gboolean
trawl_proxy_resolver_is_supported (GProxyResolver *resolver)
{
  return TRUE;
}

static char **
trawl_proxy_resolver_lookup (GProxyResolver  *resolver,
                             const char      *uri,
                             GCancellable    *cancellable,
                             GError         **error)
{
  TrawlProxyResolver *self = TRAWL_PROXY_RESOLVER (resolver);
  char **proxies;

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }

  proxies = g_new0 (char *, 2);
  proxies[0] = g_strdup (self->proxy);
  return proxies;
}

static void
trawl_proxy_resolver_lookup_async (GProxyResolver      *resolver,
                                   const char          *uri,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  char **proxies;

  g_task_set_source_tag (task, trawl_proxy_resolver_lookup_async);
  proxies = trawl_proxy_resolver_lookup (resolver, uri, cancellable, &error);
  if (proxies == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, proxies, (GDestroyNotify) g_strfreev);
}

static char **
trawl_proxy_resolver_lookup_finish (GProxyResolver  *resolver,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, resolver), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
trawl_proxy_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = trawl_proxy_resolver_is_supported;
  iface->lookup = trawl_proxy_resolver_lookup;
  iface->lookup_async = trawl_proxy_resolver_lookup_async;
  iface->lookup_finish = trawl_proxy_resolver_lookup_finish;
}

static void
trawl_proxy_resolver_finalize (GObject *object)
{
  TrawlProxyResolver *self = TRAWL_PROXY_RESOLVER (object);

  g_free (self->proxy);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (trawl_proxy_resolver_parent_class)->finalize (object);
}

static void
trawl_proxy_resolver_class_init (TrawlProxyResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_proxy_resolver_finalize;
}

static void
trawl_proxy_resolver_init (TrawlProxyResolver *self)
{
}

/**
 * _trawl_proxy_resolver_new:
 * @setting: the queue's "proxy": `none`, or what trawl_proxy_parse() accepts
 *
 * Returns: (transfer full): a resolver sending every connection through the
 *   proxy, directly for `none`, or nowhere (with the reason) when @setting
 *   is not a proxy
 */
GProxyResolver *
_trawl_proxy_resolver_new (const char *setting)
{
  TrawlProxyResolver *self = g_object_new (TRAWL_TYPE_PROXY_RESOLVER, NULL);
  g_autofree char *proxy = trawl_proxy_parse (setting, &self->error);

  if (g_strcmp0 (proxy, "none") == 0)
    self->proxy = g_strdup ("direct://");
  else
    self->proxy = g_steal_pointer (&proxy);

  return G_PROXY_RESOLVER (self);
}
