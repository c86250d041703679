#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* g_set_str() arrived in GLib 2.76; Debian 12 has 2.74. */
static inline gboolean
_trawl_set_str (char       **field,
                const char  *value)
{
  if (*field == value || g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Property setters that tell whether the value changed. */
static inline gboolean
_trawl_set_uint (guint *field,
                 guint  value)
{
  if (*field == value)
    return FALSE;
  *field = value;
  return TRUE;
}

static inline gboolean
_trawl_set_boolean (gboolean *field,
                    gboolean  value)
{
  if (*field == value)
    return FALSE;
  *field = value;
  return TRUE;
}

char    *_trawl_resolve_links     (const char          *path,
                                   GError             **error);
gboolean _trawl_make_parent       (const char          *path,
                                   GError             **error);
char    *_trawl_printable         (const char          *text);
char    *_trawl_fd_get_xattr      (int                  fd,
                                   const char          *name);
gboolean _trawl_fd_write_all      (int                  fd,
                                   const guint8        *data,
                                   gsize                length,
                                   gint64               at,
                                   gsize               *written,
                                   GError             **error);
gboolean _trawl_is_http_token     (const char          *text);
gboolean _trawl_is_http_value     (const char          *text);
gboolean _trawl_is_remote_id      (const char          *text);

/* State files (the archive, the saved queue) are never larger than this;
 * what a user gives (recipes, cookies) is far smaller. */
#define TRAWL_MAX_STATE_SIZE (256 * 1024 * 1024)
#define TRAWL_MAX_INPUT_SIZE (16 * 1024 * 1024)

gboolean _trawl_is_regular_or_absent (const char       *path,
                                      GError          **error);
gboolean _trawl_read_regular_file (const char          *path,
                                   gsize                max,
                                   char               **contents,
                                   gsize               *length,
                                   GError             **error);
gboolean _trawl_write_file        (const char          *path,
                                   GBytes              *contents,
                                   int                  mode,
                                   GError             **error);
void     _trawl_write_file_async  (gpointer             source_object,
                                   const char          *path,
                                   GBytes              *contents,
                                   int                  mode,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean _trawl_write_file_finish (GAsyncResult        *result,
                                   GError             **error);
gsize    _trawl_json_literal_end  (const char          *text,
                                   gsize                length,
                                   gsize                start);
gboolean _trawl_json_parse        (JsonParser          *parser,
                                   const char          *data,
                                   gsize                length,
                                   GError             **error);

G_END_DECLS
