#define G_LOG_DOMAIN "trawl-uri"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-uri.h"

static const char * const media_extensions[] = {
  ".mp4", ".webm", ".mkv", ".mov", ".m4v", ".flv", ".mp3", ".m4a",
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
  { "audio/mpeg", ".mp3" },
  { "audio/mp4", ".m4a" },
  { "audio/x-m4a", ".m4a" },
};

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

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, _("“%s” is not a valid URL"), url);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                   _("Refusing to fetch a %s: URL; only http and https are allowed"), scheme);
      return FALSE;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      strspn (g_uri_get_host (uri), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789.-_:%") != strlen (g_uri_get_host (uri)))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, _("“%s” has no valid host"), url);
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
