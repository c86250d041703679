#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean    trawl_uri_is_fetchable      (const char  *url,
                                         GError     **error);
char       *trawl_proxy_parse           (const char  *text,
                                         GError     **error);
char       *trawl_uri_resolve           (const char  *base,
                                         const char  *reference,
                                         GError     **error);
const char *trawl_uri_media_extension   (const char  *url);
const char *trawl_content_type_extension (const char *content_type);
gboolean    trawl_content_type_is_page  (const char  *content_type);
char       *trawl_uri_host              (const char  *url);
char       *trawl_uri_file_title        (const char  *url);
gboolean    trawl_inet_address_is_local (GInetAddress *address);
gboolean    trawl_host_is_local         (const char  *host);

G_END_DECLS
