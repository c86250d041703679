#define G_LOG_DOMAIN "trawl-util"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-util-private.h"

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

/* Temporary file, fsync, rename: a crash leaves the old file or the new
 * one, never half of one. */
gboolean
_trawl_write_file (const char  *path,
                   GBytes      *contents,
                   int          mode,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gsize size;
  const char *data = g_bytes_get_data (contents, &size);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  return g_file_set_contents_full (path, data != NULL ? data : "", size,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   mode, error);
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
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
