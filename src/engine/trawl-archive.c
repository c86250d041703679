#define G_LOG_DOMAIN "trawl-archive"

#include "config.h"

#include <string.h>

#include "trawl-archive.h"
#include "trawl-util-private.h"

#define HEADER "# Trawl download archive: one finished item per line\n"

struct _TrawlArchive
{
  GObject     parent_instance;

  char       *path;
  GHashTable *keys;
  GPtrArray  *order;   /* keys in the order they were added, for a stable file */
  gboolean    saving;
  gboolean    dirty;
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
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  for (char *line = contents, *next; line != NULL && *line; line = next)
    {
      next = strchr (line, '\n');
      /* A line without its newline is the torn end of an older,
       * non-atomic writer; it does not count. */
      if (next == NULL)
        break;
      *next++ = '\0';
      g_strstrip (line);
      if (*line != '\0' && *line != '#')
        remember (self, line);
    }

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

static GBytes *
serialize (TrawlArchive *self)
{
  GString *text = g_string_new (HEADER);

  for (guint i = 0; i < self->order->len; i++)
    {
      g_string_append (text, g_ptr_array_index (self->order, i));
      g_string_append_c (text, '\n');
    }

  return g_string_free_to_bytes (text);
}

static void start_save (TrawlArchive *self);

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TrawlArchive *self = TRAWL_ARCHIVE (object);
  g_autoptr(GError) error = NULL;

  if (!_trawl_write_file_finish (result, &error))
    g_warning ("Could not save the download archive %s: %s", self->path, error->message);

  self->saving = FALSE;
  if (self->dirty)
    start_save (self);
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
}

/* One write at a time on a worker; additions made meanwhile are written
 * by the next one, so a burst of finished items costs a couple of writes. */
static void
start_save (TrawlArchive *self)
{
  g_autoptr(GBytes) contents = serialize (self);

  self->dirty = FALSE;
  self->saving = TRUE;
  _trawl_write_file_async (self, self->path, contents, 0644, save_cb, NULL);
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
  g_autoptr(GBytes) contents = NULL;

  g_return_val_if_fail (TRAWL_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (!self->saving, FALSE);

  contents = serialize (self);
  self->dirty = FALSE;

  return _trawl_write_file (self->path, contents, 0644, error);
}
