#define G_LOG_DOMAIN "trawl-uri"

#include "config.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-uri.h"

static const char * const media_extensions[] = {
  ".mp4", ".webm", ".mkv", ".mov", ".m4v", ".flv", ".mp3", ".m4a", ".m3u8",
};

static const struct {
  const char *type;
  const char *extension;
} content_types[] = {
  { "video/mp4", ".mp4" },
  { "video/webm", ".webm" },
  { "video/x-matroska", ".mkv" },
  { "video/quicktime", ".mov" },
  { "video/x-m4v", ".m4v" },
  { "video/x-flv", ".flv" },
  { "video/mp2t", ".ts" },
  { "audio/mpeg", ".mp3" },
  { "audio/mp4", ".m4a" },
  { "audio/x-m4a", ".m4a" },
};

static gboolean
is_host (const char *host)
{
  return host != NULL && *host != '\0' &&
         strspn (host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789.-_:%") == strlen (host);
}

/* Only http and https are ever fetched, and never with credentials in the
 * URL: a page must not be able to point Trawl at local files or leak
 * passwords into logs and file names. */
gboolean
trawl_uri_is_fetchable (const char  *url,
                        GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  /* Path, query and fragment stay escaped: "%D6%D0" (GBK, common on
   * Chinese sites) is a fine URL even though it is not UTF-8. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY |
                          G_URI_FLAGS_ENCODED_FRAGMENT, NULL);
  /* The messages do not repeat the URL: whoever shows one shows it
   * beside the URL, and it may be long or carry a password. */
  if (strstr (url, "://") == NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                           _("Not a web address: it needs http:// or https:// in front"));
      return FALSE;
    }
  if (uri == NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, _("Not a valid URL"));
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                   _("Only http and https addresses are fetched, not %s:"), scheme);
      return FALSE;
    }

  if (!is_host (g_uri_get_host (uri)))
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                           _("The address has no valid host"));
      return FALSE;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                           _("Refusing to fetch a URL with credentials in it"));
      return FALSE;
    }

  return TRUE;
}

/**
 * trawl_proxy_parse:
 * @text: what a user gave as the proxy: `none`, `host:port` (an HTTP proxy,
 *   as curl reads it), or an http, https, socks, socks4, socks4a or socks5
 *   URL with a port
 *
 * The one check of a proxy setting, for trawl-cli, the queue and the app's
 * Preferences: anything else is refused with a reason, because a proxy that
 * silently becomes a direct connection can unmask someone who relies on it.
 *
 * Returns: (transfer full): `none`, or the proxy as a normalised URL
 *   (`http://127.0.0.1:9050`); %NULL with @error set if @text is not one
 */
char *
trawl_proxy_parse (const char  *text,
                   GError     **error)
{
  static const char * const schemes[] = {
    "http", "https", "socks", "socks4", "socks4a", "socks5",
  };
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  const char *path;
  gboolean known = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (g_ascii_strcasecmp (text, "none") == 0 || g_ascii_strcasecmp (text, "direct") == 0)
    return g_strdup ("none");

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      {
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_PROXY,
                     _("“%s” is not a proxy address: it contains a space or a control "
                       "character"), text);
        return NULL;
      }

  url = strstr (text, "://") != NULL ? g_strdup (text) : g_strconcat ("http://", text, NULL);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  path = uri != NULL ? g_uri_get_path (uri) : NULL;
  if (uri == NULL || !is_host (g_uri_get_host (uri)) || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL || (*path != '\0' && strcmp (path, "/") != 0))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_PROXY,
                   _("“%s” is not a proxy address; use host:port, a URL such as "
                     "socks5://127.0.0.1:9050, or none"), text);
      return NULL;
    }

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    known = known || strcmp (scheme, schemes[i]) == 0;
  if (!known)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_PROXY,
                   _("“%s” is not a kind of proxy Trawl can use; use http, https, socks, "
                     "socks4, socks4a or socks5"), g_uri_get_scheme (uri));
      return NULL;
    }

  /* Proxies have no usual port to fall back on. */
  if (g_uri_get_port (uri) <= 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_PROXY,
                   _("The proxy address “%s” has no port, as in 127.0.0.1:8080"), text);
      return NULL;
    }

  {
    g_autoptr(GUri) clean = g_uri_build (G_URI_FLAGS_NONE, scheme, g_uri_get_userinfo (uri),
                                         g_uri_get_host (uri), g_uri_get_port (uri), "",
                                         NULL, NULL);
    return g_uri_to_string (clean);
  }
}

/**
 * trawl_inet_address_is_local:
 *
 * Loopback, link-local, private (RFC 1918, ULA, the old site-local), the
 * carrier-grade NAT space (100.64.0.0/10, often the operator's or a VPN's
 * own network) or "this network" (0.0.0.0/8, ::): an address of the
 * machine or its network, which a board on the internet has no business
 * sending Trawl to. IPv4 addresses inside IPv6 ones (::ffff:a.b.c.d,
 * ::a.b.c.d, NAT64's 64:ff9b::a.b.c.d, 6to4's 2002:aabb:ccdd::) are judged
 * as IPv4; NAT64's local-use prefix 64:ff9b:1::/48 is local.
 */
gboolean
trawl_inet_address_is_local (GInetAddress *address)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const guint8 v4_compatible[12] = { 0 };
  static const guint8 nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };
  const guint8 *bytes;
  const guint8 *embedded = NULL;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      if (memcmp (bytes, v4_mapped, 12) == 0 || memcmp (bytes, v4_compatible, 12) == 0 ||
          memcmp (bytes, nat64, 12) == 0)
        embedded = bytes + 12;
      else if (bytes[0] == 0x20 && bytes[1] == 0x02)
        embedded = bytes + 2;
      if (embedded != NULL)
        {
          g_autoptr(GInetAddress) v4 = g_inet_address_new_from_bytes (embedded,
                                                                      G_SOCKET_FAMILY_IPV4);
          return trawl_inet_address_is_local (v4);
        }
      if ((bytes[0] & 0xfe) == 0xfc || memcmp (bytes, nat64_local, 6) == 0)
        return TRUE;
    }
  else if (bytes[0] == 0 || (bytes[0] == 100 && (bytes[1] & 0xc0) == 64))
    return TRUE;

  return g_inet_address_get_is_loopback (address) || g_inet_address_get_is_link_local (address) ||
         g_inet_address_get_is_site_local (address) || g_inet_address_get_is_any (address);
}

/**
 * trawl_host_is_local:
 * @host: a URL's host, as GUri gives it (IPv6 without brackets)
 *
 * Whether @host names the machine or its network without asking DNS:
 * `localhost` and its subdomains (RFC 6761), or a local address written in
 * any form the resolver reads, `127.1` and `2130706433` included. A name
 * that resolves to a local address is only seen once connected.
 */
gboolean
trawl_host_is_local (const char *host)
{
  g_autofree char *name = NULL;
  g_autoptr(GInetAddress) address = NULL;
  struct in_addr v4;
  char *end;

  g_return_val_if_fail (host != NULL, FALSE);

  name = g_ascii_strdown (host, -1);
  end = name + strlen (name);
  if (end > name && end[-1] == '.')
    end[-1] = '\0';
  if (strcmp (name, "localhost") == 0 || g_str_has_suffix (name, ".localhost"))
    return TRUE;

  /* An IPv6 zone ("fe80::1%eth0") is only ever link-local. */
  if (strchr (name, ':') != NULL && strchr (name, '%') != NULL)
    *strchr (name, '%') = '\0';

  address = g_inet_address_new_from_string (name);
  if (address == NULL && inet_aton (name, &v4) != 0)
    address = g_inet_address_new_from_bytes ((const guint8 *) &v4.s_addr, G_SOCKET_FAMILY_IPV4);

  return address != NULL && trawl_inet_address_is_local (address);
}

/* Resolves @reference against @base (a page URL or its <base href>) and
 * returns it only if it may be fetched. */
char *
trawl_uri_resolve (const char  *base,
                   const char  *reference,
                   GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *resolved = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (reference != NULL, NULL);

  trimmed = g_strstrip (g_strdup (reference));
  if (*trimmed == '\0')
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, _("The link is empty"));
      return NULL;
    }

  resolved = g_uri_resolve_relative (base, trimmed, G_URI_FLAGS_ENCODED, error);
  if (resolved == NULL)
    return NULL;

  /* Normalise (lower-case scheme and host, no fragment) so the same
   * link written two ways is recognised as one. */
  uri = g_uri_parse (resolved, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, error);
  if (uri == NULL)
    return NULL;

  if (g_uri_get_host (uri) != NULL)
    {
      g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
      GUri *clean = g_uri_build (g_uri_get_flags (uri), g_uri_get_scheme (uri),
                                 g_uri_get_userinfo (uri), host,
                                 g_uri_get_port (uri), g_uri_get_path (uri),
                                 g_uri_get_query (uri), NULL);
      g_uri_unref (uri);
      uri = clean;
    }

  g_clear_pointer (&resolved, g_free);
  resolved = g_uri_to_string (uri);

  if (!trawl_uri_is_fetchable (resolved, error))
    return NULL;

  return g_steal_pointer (&resolved);
}

const char *
trawl_uri_media_extension (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;
  const char *dot;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return NULL;

  path = g_uri_get_path (uri);
  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, '/') != NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (media_extensions); i++)
    if (g_ascii_strcasecmp (dot, media_extensions[i]) == 0)
      return media_extensions[i];

  return NULL;
}

const char *
trawl_content_type_extension (const char *content_type)
{
  if (content_type == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    if (g_ascii_strncasecmp (content_type, content_types[i].type,
                             strlen (content_types[i].type)) == 0)
      return content_types[i].extension;

  return NULL;
}

/* A response of one of these types where a video was expected is an error
 * page or a login wall, never the video. */
gboolean
trawl_content_type_is_page (const char *content_type)
{
  static const char * const pages[] = {
    "text/html", "application/xhtml", "text/plain", "application/json", "text/xml",
    "application/xml",
  };

  if (content_type == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    if (g_ascii_strncasecmp (content_type, pages[i], strlen (pages[i])) == 0)
      return TRUE;

  return FALSE;
}

char *
trawl_uri_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  return g_ascii_strdown (g_uri_get_host (uri), -1);
}

/* A title for a bare media link: its file name, unescaped, without the
 * extension ("first%20clip.mp4" -> "first clip"). */
char *
trawl_uri_file_title (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base = NULL;
  g_autofree char *unescaped = NULL;
  char *dot;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return g_strdup (url);

  base = g_path_get_basename (g_uri_get_path (uri));
  unescaped = g_uri_unescape_string (base, NULL);
  if (unescaped == NULL)
    unescaped = g_strdup (base);
  dot = strrchr (unescaped, '.');
  if (dot != NULL && dot != unescaped)
    *dot = '\0';

  return g_steal_pointer (&unescaped);
}
