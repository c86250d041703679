#define G_LOG_DOMAIN "trawl-util"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trawl-util-private.h"

/**
 * _trawl_printable:
 * @text: (nullable): text a server chose (a reason phrase, a header, a
 *   title), on its way to a terminal or a label
 *
 * Valid UTF-8 in which every control character (C0, DEL, C1) and every
 * character that reorders text (bidi embeddings, overrides, isolates) is
 * written as an escape (`\x1b`, `\u202e`): a hostile server cannot set a
 * terminal's title, clear its screen, forge lines or flip text around.
 *
 * Returns: (transfer full) (nullable): the text to show, or %NULL for %NULL
 */
char *
_trawl_printable (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        g_string_append_printf (out, "\\x%02x", c);
      else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
               c == 0x200e || c == 0x200f || c == 0x061c)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* A header or cookie name (RFC 9110 token): what libsoup accepts, and
 * nothing that could end the name early. */
gboolean
_trawl_is_http_token (const char *text)
{
  return text != NULL && *text != '\0' &&
         strspn (text, "!#$%&'*+-.^_`|~0123456789"
                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen (text);
}

/* A header value: no control character but a tab, so no line break that
 * would start another header. */
gboolean
_trawl_is_http_value (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) && *p != '\t')
      return FALSE;
  return TRUE;
}

/* An aria2 GID as aria2 writes it: 16 hexadecimal digits. */
gboolean
_trawl_is_remote_id (const char *text)
{
  gsize length = 0;

  for (; text[length] != '\0'; length++)
    if (!g_ascii_isxdigit (text[length]))
      return FALSE;
  return length == 16;
}

/* Creates the folder @path is to go in, if it is not there yet. */
gboolean
_trawl_make_parent (const char  *path,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  return TRUE;
}

/* The file a chain of symbolic links at @path ends in; it need not exist.
 * Returns NULL for a loop. */
char *
_trawl_resolve_links (const char  *path,
                      GError     **error)
{
  g_autofree char *current = g_strdup (path);

  /* As many hops as Linux follows. */
  for (guint hops = 0; hops <= 40; hops++)
    {
      g_autofree char *target = g_file_read_link (current, NULL);
      g_autofree char *parent = NULL;
      g_autofree char *real_parent = NULL;

      if (target == NULL)
        return g_steal_pointer (&current);

      /* Relative to the link's folder as the kernel sees it, whatever
       * links lead to that folder. */
      parent = g_path_get_dirname (current);
      real_parent = realpath (parent, NULL);
      g_free (current);
      current = g_canonicalize_filename (target, real_parent != NULL ? real_parent : parent);
    }

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP, _("Could not write %s: %s"), path,
               g_strerror (ELOOP));
  return NULL;
}

/* Temporary file, fsync, rename: a crash leaves the old file or the new
 * one, never half of one. A symbolic link stays one: the file it names is
 * replaced, in that file's folder. */
gboolean
_trawl_write_file (const char  *path,
                   GBytes      *contents,
                   int          mode,
                   GError     **error)
{
  gsize size;
  const char *data = g_bytes_get_data (contents, &size);
  g_autofree char *target = _trawl_resolve_links (path, error);

  if (target == NULL || !_trawl_is_regular_or_absent (target, error) ||
      !_trawl_make_parent (target, error))
    return FALSE;

  /* A file that is there keeps its permissions (an archive kept private). */
  {
    GStatBuf st;

    if (g_stat (target, &st) == 0)
      mode = st.st_mode & 0777;
  }

  return g_file_set_contents_full (target, data != NULL ? data : "", size,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   mode, error);
}

/* Nothing at @path (after its links), or a regular file: what a state
 * file may be replaced over. */
gboolean
_trawl_is_regular_or_absent (const char  *path,
                             GError     **error)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || S_ISREG (st.st_mode))
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
               _("%s is not a regular file"), path);
  return FALSE;
}

/* Reads a file Trawl keeps or is given (the archive, the saved queue, a
 * recipe, cookies.txt): @contents is NULL when there is none. Refuses
 * anything but a regular file of at most @max bytes, without blocking on
 * a FIFO (nor reading /dev/zero without end). */
gboolean
_trawl_read_regular_file (const char  *path,
                          gsize        max,
                          char       **contents,
                          gsize       *length,
                          GError     **error)
{
  g_autofree char *target = _trawl_resolve_links (path, error);
  GStatBuf st;
  int fd;

  *contents = NULL;
  *length = 0;
  if (target == NULL)
    return FALSE;

  fd = g_open (target, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot read %s: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("%s is not a regular file"), path);
      return FALSE;
    }
  if ((guint64) st.st_size > max)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s is larger than %u MiB; refusing to read it"), path,
                   (guint) (max / (1024 * 1024)));
      return FALSE;
    }

  /* Read, not mapped: a file truncated meanwhile must not be a SIGBUS. */
  *contents = g_malloc ((gsize) st.st_size + 1);
  while (*length < (gsize) st.st_size)
    {
      gssize n = read (fd, *contents + *length, (gsize) st.st_size - *length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      *length += (gsize) n;
    }
  close (fd);
  (*contents)[*length] = '\0';
  return TRUE;
}

typedef struct
{
  char   *path;
  GBytes *contents;
  int     mode;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_free (job->path);
  g_bytes_unref (job->contents);
  g_free (job);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;

  if (_trawl_write_file (job->path, job->contents, job->mode, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* _trawl_write_file() on a worker, so the main loop never waits on fsync. */
void
_trawl_write_file_async (gpointer             source_object,
                         const char          *path,
                         GBytes              *contents,
                         int                  mode,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, NULL, callback, user_data);
  WriteJob *job = g_new0 (WriteJob, 1);

  job->path = g_strdup (path);
  job->contents = g_bytes_ref (contents);
  job->mode = mode;
  g_task_set_source_tag (task, _trawl_write_file_async);
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
_trawl_write_file_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, _trawl_write_file_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* How deep the JSON Trawl reads (API answers, JSON-LD, the saved queue)
 * may nest: json-glib recurses per level, and a few hundred thousand
 * brackets overflow the stack. No real document comes near it. */
#define MAX_JSON_DEPTH 64

static gboolean
json_too_deep (const char *data,
               gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (in_string)
        {
          if (data[i] == '\\')
            i++;
          else if (data[i] == '"')
            in_string = FALSE;
        }
      else if (data[i] == '"')
        in_string = TRUE;
      else if (data[i] == '[' || data[i] == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return TRUE;
        }
      else if ((data[i] == ']' || data[i] == '}') && depth > 0)
        depth--;
    }

  return FALSE;
}

/* json_parser_load_from_data() that refuses what would crash it, and
 * takes a document without a value (empty, blanks) for the error it is. */
gboolean
_trawl_json_parse (JsonParser  *parser,
                   const char  *data,
                   gsize        length,
                   GError     **error)
{
  if (json_too_deep (data, length))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                   _("it is nested more than %d levels deep"), MAX_JSON_DEPTH);
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, data, length, error))
    {
      /* json-glib names the text "<data>"; the position is what helps. */
      if (error != NULL && g_str_has_prefix ((*error)->message, "<data>:"))
        memmove ((*error)->message, (*error)->message + strlen ("<data>:"),
                 strlen ((*error)->message) - strlen ("<data>:") + 1);
      return FALSE;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("it is empty"));
      return FALSE;
    }

  return TRUE;
}

/* Writes all @length bytes of @data to @fd: at @at, or at the fd's
 * position when @at is -1. *@written counts what reached the file, also
 * when a write then failed. */
gboolean
_trawl_fd_write_all (int            fd,
                     const guint8  *data,
                     gsize          length,
                     gint64         at,
                     gsize         *written,
                     GError       **error)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = at < 0 ? write (fd, data + done, length - done) :
                 pwrite (fd, data + done, length - done, (off_t) at + (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : ENOSPC;

          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved),
                               g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
      if (written != NULL)
        *written += (gsize) n;
    }
  return TRUE;
}

/* The extended attribute @name of the open file @fd as text, or NULL when
 * it has none (or the file system keeps none). */
char *
_trawl_fd_get_xattr (int         fd,
                     const char *name)
{
  char buffer[4096];
  ssize_t n = fgetxattr (fd, name, buffer, sizeof buffer - 1);

  if (n < 0)
    return NULL;
  buffer[n] = '\0';
  return g_strdup (buffer);
}

/**
 * _trawl_json_literal_end:
 * @text: text holding a JSON (or JavaScript) literal at @start
 * @start: where its opening '{' or '[' is
 *
 * Where the literal ends, found by counting brackets outside strings: the
 * JSON a page assigns in a script, whatever follows it.
 *
 * Returns: the offset just past its closing bracket, or 0 when it is not
 *   closed
 */
gsize
_trawl_json_literal_end (const char *text,
                         gsize       length,
                         gsize       start)
{
  gsize depth = 0;
  char quote = 0;

  for (gsize i = start; i < length; i++)
    {
      char c = text[i];

      if (quote != 0)
        {
          if (c == '\\')
            i++;
          else if (c == quote)
            quote = 0;
          continue;
        }
      if (c == '"' || c == '\'')
        quote = c;
      else if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && depth > 0 && --depth == 0)
        return i + 1;
    }

  return 0;
}
