#define G_LOG_DOMAIN "trawl-archive"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "trawl-archive.h"
#include "trawl-util-private.h"

#define HEADER "# Trawl download archive: one finished item per line\n"
/* How long a save waits for another writer's lock, and how often it looks. */
#define LOCK_WAIT_MS (10 * 1000)
#define LOCK_POLL_MS 50
/* The longest a save waits after the one before (see archive_save_cb). */
#define MAX_SAVE_PAUSE_MS 1000

struct _TrawlArchive
{
  GObject     parent_instance;

  char       *path;
  GHashTable *keys;
  GPtrArray  *order;   /* keys in the order they were added, for a stable file */
  gboolean    saving;
  gboolean    dirty;
  GError     *save_error;  /* of the last save, if it failed */
};

G_DEFINE_FINAL_TYPE (TrawlArchive, trawl_archive, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SAVING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
trawl_archive_finalize (GObject *object)
{
  TrawlArchive *self = (TrawlArchive *)object;

  g_free (self->path);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);

  g_clear_error (&self->save_error);
  G_OBJECT_CLASS (trawl_archive_parent_class)->finalize (object);
}

static void
trawl_archive_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TrawlArchive *self = TRAWL_ARCHIVE (object);

  switch (prop_id)
    {
    case PROP_SAVING:
      g_value_set_boolean (value, trawl_archive_is_saving (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_archive_class_init (TrawlArchiveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = trawl_archive_finalize;
  object_class->get_property = trawl_archive_get_property;

  properties[PROP_SAVING] =
    g_param_spec_boolean ("saving", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
trawl_archive_init (TrawlArchive *self)
{
  self->keys = g_hash_table_new (g_str_hash, g_str_equal);
  self->order = g_ptr_array_new_with_free_func (g_free);
}

static void
remember (TrawlArchive *self,
          const char   *key)
{
  char *copy;

  if (g_hash_table_contains (self->keys, key))
    return;

  copy = g_strdup (key);
  g_ptr_array_add (self->order, copy);
  g_hash_table_add (self->keys, copy);
}

/* An entry or a comment: text a person could have written. A NUL byte,
 * invalid UTF-8 or a control character is something else (a torn disk
 * block, another program's data). */
static gboolean
line_is_text (const char *line,
              gsize       length)
{
  const char *end = line + length;

  if (memchr (line, '\0', length) != NULL || !g_utf8_validate_len (line, length, NULL))
    return FALSE;

  for (const char *p = line; p < end; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

typedef struct
{
  guint bad;        /* lines that are neither entries nor comments */
  guint first_bad;  /* the line number of the first of them */
} ParseReport;

/* Adds the entries of @contents to @keys. The last line counts without its
 * newline too: the archive is only ever replaced whole, and a person who
 * adds a line by hand may not end it. */
static void
parse (const char  *contents,
       gsize        length,
       GPtrArray   *keys,
       ParseReport *report)
{
  const char *line = contents;
  const char *end = contents + length;
  guint number = 0;

  while (line < end)
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *first = line;
      const char *last = newline != NULL ? newline : end;

      number++;
      line = last + 1;
      while (first < last && g_ascii_isspace (*first))
        first++;
      while (last > first && g_ascii_isspace (last[-1]))
        last--;

      if (!line_is_text (first, last - first))
        {
          if (report->bad++ == 0)
            report->first_bad = number;
        }
      else if (first < last && *first != '#')
        g_ptr_array_add (keys, g_strndup (first, last - first));
    }
}

/**
 * trawl_archive_new:
 * @path: the archive file; it need not exist yet
 *
 * Returns: (transfer full): the archive, or %NULL if the file exists but
 *   cannot be read
 */
TrawlArchive *
trawl_archive_new (const char  *path,
                   GError     **error)
{
  g_autoptr(TrawlArchive) self = g_object_new (TRAWL_TYPE_ARCHIVE, NULL);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *contents = NULL;
  ParseReport report = { 0 };
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);

  /* Only a regular file: a FIFO would hang, /dev/zero never ends, and a
   * device must never be replaced by the first save. */
  if (!_trawl_read_regular_file (path, TRAWL_MAX_STATE_SIZE, &contents, &length, error))
    return NULL;
  if (contents == NULL)
    return g_steal_pointer (&self);

  parse (contents, length, keys, &report);
  for (guint i = 0; i < keys->len; i++)
    remember (self, g_ptr_array_index (keys, i));

  /* Saving keeps them as they are, so nothing is lost by reading on. */
  if (report.bad > 0)
    g_warning ("%s: skipped %u lines that are not entries (the first is line %u); "
               "they stay in the file", path, report.bad, report.first_bad);

  return g_steal_pointer (&self);
}

const char *
trawl_archive_get_path (TrawlArchive *self)
{
  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), NULL);
  return self->path;
}

gboolean
trawl_archive_contains (TrawlArchive *self,
                        const char   *key)
{
  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), FALSE);
  return key != NULL && g_hash_table_contains (self->keys, key);
}

/**
 * trawl_archive_key:
 * @recipe: (nullable): the recipe that found the item
 * @id: (nullable): the item's id in that recipe
 * @media_url: (nullable): the video's URL
 *
 * What the archive remembers an item by: its recipe and id when it has
 * them (known before the detail page is fetched), else its media URL.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if there is none yet
 */
char *
trawl_archive_key (const char *recipe,
                   const char *id,
                   const char *media_url)
{
  if (recipe != NULL && id != NULL)
    return g_strdup_printf ("%s %s", recipe, id);

  if (media_url != NULL)
    return g_strdup_printf ("url %s", media_url);

  return NULL;
}

guint
trawl_archive_get_size (TrawlArchive *self)
{
  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), 0);
  return self->order->len;
}

gboolean
trawl_archive_is_saving (TrawlArchive *self)
{
  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), FALSE);
  return self->saving || self->dirty;
}

/* Takes the lock beside the archive (the archive itself is replaced by a
 * rename, so it cannot carry the lock): one writer at a time, across
 * processes. Returns the locked descriptor, or -1. */
static int
lock_archive (const char  *path,
              GError     **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd;

  if (!_trawl_make_parent (path, error))
    return -1;

  fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);

  /* Other writers hold it for a moment; one that holds it for long (a
   * hung process, or someone's flock) must not hold this process forever:
   * the save fails after a while, and says why. This runs on a worker. */
  for (guint waited = 0; fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) != 0; waited++)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          close (fd);
          fd = -1;
          break;
        }
      if (waited * LOCK_POLL_MS >= LOCK_WAIT_MS)
        {
          close (fd);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("Another process has held %s for %u seconds"), lock_path,
                       LOCK_WAIT_MS / 1000);
          return -1;
        }
      g_usleep (LOCK_POLL_MS * 1000);
    }

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not lock %s: %s"), lock_path, g_strerror (saved));
    }

  return fd;
}

/* Writes what is on disk now, then the entries of @keys it lacks, under
 * the lock: other processes' entries stay, whatever they added since this
 * one read the file. The entries on disk that are not in @keys (other
 * processes') go to @foreign. */
static gboolean
merge_and_write (const char  *path,
                 GStrv        keys,
                 GPtrArray   *foreign,
                 GError     **error)
{
  g_autoptr(GPtrArray) on_disk = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *contents = NULL;
  g_autofree char *target = NULL;
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GBytes) bytes = NULL;
  ParseReport report = { 0 };
  GString *text;
  gsize length = 0;
  gboolean ok;
  int lock;

  /* A link stays a link; the file it names is the one to lock and replace. */
  target = _trawl_resolve_links (path, error);
  if (target == NULL || !_trawl_is_regular_or_absent (target, error))
    return FALSE;
  lock = lock_archive (target, error);
  if (lock < 0)
    return FALSE;

  if (!_trawl_read_regular_file (target, TRAWL_MAX_STATE_SIZE, &contents, &length, error))
    {
      close (lock);
      return FALSE;
    }

  /* What is on disk stays as it is, bad lines too; ours follow it. */
  if (contents != NULL)
    parse (contents, length, on_disk, &report);
  text = g_string_new_len (contents, contents != NULL ? length : 0);
  if (text->len == 0)
    g_string_append (text, HEADER);
  else if (text->str[text->len - 1] != '\n')
    g_string_append_c (text, '\n');

  /* What is left in @known afterwards is other processes'. */
  for (guint i = 0; i < on_disk->len; i++)
    g_hash_table_add (known, g_ptr_array_index (on_disk, i));
  for (guint i = 0; keys[i] != NULL; i++)
    if (!g_hash_table_remove (known, keys[i]))
      g_string_append_printf (text, "%s\n", keys[i]);

  bytes = g_string_free_to_bytes (text);
  ok = _trawl_write_file (target, bytes, 0644, error);
  close (lock);

  /* Only what is new to this process goes back to the main thread. */
  for (guint i = 0; i < on_disk->len; i++)
    if (g_hash_table_remove (known, g_ptr_array_index (on_disk, i)))
      g_ptr_array_add (foreign, g_strdup (g_ptr_array_index (on_disk, i)));

  return ok;
}

typedef struct
{
  char      *path;
  GStrv      keys;      /* the archive's own strings, not copied */
  GPtrArray *foreign;   /* entries on disk the archive did not have */
  gint64     took_us;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->path);
  g_free (job->keys);
  g_ptr_array_unref (job->foreign);
  g_free (job);
}

/* A snapshot of the entries for a worker. The strings are shared, not
 * copied: the archive never changes nor frees one while it lives, and a
 * save holds the archive. Copying them all at every save cost the main
 * loop more, for a big archive, than the rest of a download. */
static SaveJob *
save_job_new (TrawlArchive *self)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->path = g_strdup (self->path);
  job->keys = g_new (char *, self->order->len + 1);
  if (self->order->len > 0)
    memcpy (job->keys, self->order->pdata, self->order->len * sizeof (char *));
  job->keys[self->order->len] = NULL;
  job->foreign = g_ptr_array_new_with_free_func (g_free);

  return job;
}

/* What other processes recorded counts here too from now on. */
static void
learn (TrawlArchive *self,
       SaveJob      *job)
{
  for (guint i = 0; i < job->foreign->len; i++)
    remember (self, g_ptr_array_index (job->foreign, i));
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = merge_and_write (job->path, job->keys, job->foreign, &error);

  job->took_us = g_get_monotonic_time () - start;
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveJob, save_job_free)

static void start_save (TrawlArchive *self);

static gboolean
archive_save_again_cb (gpointer user_data)
{
  start_save (user_data);
  return G_SOURCE_REMOVE;
}

static void
archive_save_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TrawlArchive *self = TRAWL_ARCHIVE (object);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      learn (self, job);
      g_clear_error (&self->save_error);
    }
  else
    {
      g_debug ("Could not save the download archive %s: %s", self->path, error->message);
      g_clear_error (&self->save_error);
      self->save_error = g_steal_pointer (&error);
    }

  self->saving = FALSE;
  /* After a failure the next addition tries again (every save writes all
   * entries); chaining saves now would only wait out the same lock. */
  if (self->save_error != NULL)
    self->dirty = FALSE;
  if (self->dirty)
    {
      /* Every save rewrites every entry: the next one waits as long as this
       * one took, so a stream of finished videos keeps a worker busy half
       * the time at most, not all of it (and a big board's main loop with
       * it). Additions meanwhile wait for it, still "saving". */
      self->saving = TRUE;
      g_timeout_add_full (G_PRIORITY_DEFAULT,
                          (guint) MIN (job->took_us / 1000, MAX_SAVE_PAUSE_MS),
                          archive_save_again_cb, g_object_ref (self), g_object_unref);
    }
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
}

/* One write at a time on a worker; additions made meanwhile are written
 * by the next one, so a burst of finished items costs a couple of writes. */
static void
start_save (TrawlArchive *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, archive_save_cb, NULL);

  self->dirty = FALSE;
  self->saving = TRUE;
  g_task_set_source_tag (task, start_save);
  g_task_set_task_data (task, save_job_new (self), (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

/**
 * trawl_archive_get_error:
 *
 * Returns: (nullable): why the last save failed, or %NULL if it did not:
 *   videos finished since the last good save would be fetched again
 */
const GError *
trawl_archive_get_error (TrawlArchive *self)
{
  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), NULL);
  return self->save_error;
}

void
trawl_archive_add (TrawlArchive *self,
                   const char   *key)
{
  gboolean was_saving;

  g_return_if_fail (TRAWL_IS_ARCHIVE (self));
  g_return_if_fail (key != NULL);

  if (g_hash_table_contains (self->keys, key))
    return;

  remember (self, key);
  was_saving = trawl_archive_is_saving (self);
  self->dirty = TRUE;
  if (!self->saving)
    start_save (self);
  if (!was_saving)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
}

/* Writes the archive now, on the calling thread. */
gboolean
trawl_archive_save (TrawlArchive  *self,
                    GError       **error)
{
  g_autoptr(SaveJob) job = NULL;

  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (!self->saving, FALSE);

  job = save_job_new (self);
  self->dirty = FALSE;
  if (!merge_and_write (job->path, job->keys, job->foreign, error))
    return FALSE;

  learn (self, job);
  return TRUE;
}
