#define G_LOG_DOMAIN "trawl-paths"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-board.h"
#include "trawl-filename.h"
#include "trawl-item-private.h"
#include "trawl-part-private.h"
#include "trawl-paths-private.h"
#include "trawl-uri.h"

struct _TrawlPaths
{
  GObject     parent_instance;

  GHashTable *reserved;       /* path -> TrawlItem (unowned), or the paths object: blocked */
  GHashTable *name_counters;  /* folder/base -> next number to try */
};

G_DEFINE_FINAL_TYPE (TrawlPaths, _trawl_paths, G_TYPE_OBJECT)

static void
trawl_paths_finalize (GObject *object)
{
  TrawlPaths *self = (TrawlPaths *)object;

  g_clear_pointer (&self->reserved, g_hash_table_unref);
  g_clear_pointer (&self->name_counters, g_hash_table_unref);

  G_OBJECT_CLASS (_trawl_paths_parent_class)->finalize (object);
}

static void
_trawl_paths_class_init (TrawlPathsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_paths_finalize;
}

static void
_trawl_paths_init (TrawlPaths *self)
{
  self->reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->name_counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TrawlPaths *
_trawl_paths_new (void)
{
  return g_object_new (TRAWL_TYPE_PATHS, NULL);
}

/* Taken by another item of this run, or by a file that is not @source's
 * finished video (which is kept, and found done by the transfer). */
static gboolean
is_taken (TrawlPaths *self,
          const char *path,
          const char *source)
{
  return g_hash_table_contains (self->reserved, path) ||
         (!_trawl_path_is_free (path) && !_trawl_part_is_finished (path, source));
}

/* The first free name among @base, "@base (2)", "@base (3)"…, starting
 * where the last search for @base in this folder stopped, so that a board
 * of thousands of same-titled videos is named in linear time. */
static char *
reserve_numbered (TrawlPaths *self,
                  const char *dir,
                  const char *base,
                  guint       first,
                  const char *source)
{
  g_autofree char *key = g_build_filename (dir, base, NULL);
  guint n = MAX (first, GPOINTER_TO_UINT (g_hash_table_lookup (self->name_counters, key)));

  for (;; n++)
    {
      g_autofree char *name = trawl_filename_numbered (base, n);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (is_taken (self, path, source))
        continue;

      g_hash_table_insert (self->name_counters, g_steal_pointer (&key), GUINT_TO_POINTER (n + 1));
      return g_steal_pointer (&path);
    }
}

/**
 * _trawl_paths_reserve:
 * @extension: (nullable): the file's extension, or %NULL for the one of
 *   its media URL
 *
 * Picks the item's file name: its title made safe; when another item or a
 * finished file has it, the title with the item's id (stable across runs),
 * then " (2)", " (3)"… A leftover .part of the same name is taken over,
 * which is what resumes an interrupted run; the transfer checks that it
 * really is this video's.
 */
void
_trawl_paths_reserve (TrawlPaths *self,
                      TrawlItem  *item,
                      const char *extension)
{
  const char *dir = trawl_board_get_output_dir (trawl_item_get_board (item));
  const char *title = trawl_item_get_title (item);
  const char *id = trawl_item_get_id (item);
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  g_autofree char *source = NULL;

  g_return_if_fail (TRAWL_IS_PATHS (self));

  if (extension == NULL && trawl_item_get_media_url (item) != NULL)
    extension = trawl_uri_media_extension (trawl_item_get_media_url (item));

  if (title == NULL || *title == '\0')
    title = id;

  _trawl_paths_release (self, item);
  source = _trawl_item_archive_key (item);
  base = trawl_filename_from_title (title, extension);
  path = g_build_filename (dir, base, NULL);
  if (is_taken (self, path, source))
    g_clear_pointer (&path, g_free);

  if (path == NULL && id != NULL && g_strcmp0 (title, id) != 0)
    {
      g_autofree char *with_id = g_strdup_printf ("%s (%s)", title, id);
      g_autofree char *id_base = trawl_filename_from_title (with_id, extension);

      path = reserve_numbered (self, dir, id_base, 1, source);
    }
  if (path == NULL)
    path = reserve_numbered (self, dir, base, 2, source);

  g_hash_table_insert (self->reserved, g_strdup (path), item);
  _trawl_item_set_path (item, path);
}

/* Keeps the name @item already has (an item restored from the state
 * file), so that no other item gets it. */
void
_trawl_paths_keep (TrawlPaths *self,
                   TrawlItem  *item)
{
  const char *path = trawl_item_get_path (item);

  g_return_if_fail (TRAWL_IS_PATHS (self));

  if (path != NULL)
    g_hash_table_insert (self->reserved, g_strdup (path), item);
}

void
_trawl_paths_release (TrawlPaths *self,
                      TrawlItem  *item)
{
  const char *path = trawl_item_get_path (item);

  g_return_if_fail (TRAWL_IS_PATHS (self));

  if (path != NULL && g_hash_table_lookup (self->reserved, path) == item)
    g_hash_table_remove (self->reserved, path);
}

/* @path cannot be used in this run (another process writes it, it is not
 * a regular file, or its .part is another video's): no item gets it. */
void
_trawl_paths_block (TrawlPaths *self,
                    const char *path)
{
  g_return_if_fail (TRAWL_IS_PATHS (self));

  g_hash_table_insert (self->reserved, g_strdup (path), self);
}

/**
 * _trawl_paths_move_aside:
 *
 * @item's name was taken while it downloaded (by another process, or a
 * link someone put there): it gets another, and the item says why.
 */
void
_trawl_paths_move_aside (TrawlPaths *self,
                         TrawlItem  *item)
{
  g_autofree char *why = g_strdup_printf (_("%s already exists"), trawl_item_get_title (item));
  g_autofree char *name = NULL;
  g_autofree char *note = NULL;
  g_autofree char *base = NULL;
  const char *extension;

  g_return_if_fail (TRAWL_IS_PATHS (self));

  /* The kind of file it is stays (a stream's .ts, a type the server
   * named), whatever the address ends with. */
  base = g_path_get_basename (trawl_item_get_path (item));
  extension = strrchr (base, '.');
  _trawl_paths_block (self, trawl_item_get_path (item));
  _trawl_paths_reserve (self, item, extension);
  name = g_filename_display_basename (trawl_item_get_path (item));
  note = g_strdup_printf (_("%s; saving as %s"), why, name);
  _trawl_item_note (item, note);
}
