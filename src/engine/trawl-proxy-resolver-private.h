#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_PROXY_RESOLVER (trawl_proxy_resolver_get_type ())

G_DECLARE_FINAL_TYPE (TrawlProxyResolver, trawl_proxy_resolver, TRAWL, PROXY_RESOLVER, GObject)

GProxyResolver *_trawl_proxy_resolver_new (const char *setting);

G_END_DECLS
