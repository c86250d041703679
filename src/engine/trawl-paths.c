#define G_LOG_DOMAIN "trawl-paths"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trawl-board-private.h"
#include "trawl-filename.h"
#include "trawl-item-private.h"
#include "trawl-part-private.h"
#include "trawl-paths-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

struct _TrawlPaths
{
  GObject     parent_instance;

  GHashTable *reserved;       /* path -> TrawlItem (unowned), or the paths object: blocked */
  GHashTable *name_counters;  /* folder/base -> next number to try */
  GHashTable *folders;        /* a board's own folder -> that board's URL */
};

/* The freedesktop.org attribute for where a file came from: on a board's
 * own folder, the board's address. */
#define XATTR_ORIGIN "user.xdg.origin.url"

/* Long enough for a title, short enough to read in a file manager. */
#define FOLDER_NAME_CHARS 64

G_DEFINE_FINAL_TYPE (TrawlPaths, _trawl_paths, G_TYPE_OBJECT)

static void
trawl_paths_finalize (GObject *object)
{
  TrawlPaths *self = (TrawlPaths *)object;

  g_clear_pointer (&self->reserved, g_hash_table_unref);
  g_clear_pointer (&self->name_counters, g_hash_table_unref);
  g_clear_pointer (&self->folders, g_hash_table_unref);

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
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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

/* Whether the folder @path may be @board's: no other board of this run has
 * it, and on disk it does not exist yet or is marked as @board's. */
static gboolean
folder_is_free (TrawlPaths *self,
                const char *path,
                TrawlBoard *board)
{
  const char *owner = g_hash_table_lookup (self->folders, path);
  g_autofree char *origin = NULL;
  int fd;

  if (owner != NULL)
    return g_str_equal (owner, trawl_board_get_url (board));

  /* Nothing there is free; a symlink (ELOOP) or a file (ENOTDIR) is not. */
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT;

  origin = _trawl_fd_get_xattr (fd, XATTR_ORIGIN);
  close (fd);
  return g_strcmp0 (origin, trawl_board_get_url (board)) == 0;
}

/* "Board title", else "example.com videos": the site and the last part
 * of the board's address. */
static char *
folder_name (TrawlBoard *board)
{
  const char *title = trawl_board_get_title (board);
  g_autofree char *name = NULL;
  g_autofree char *safe = NULL;
  g_autofree char *shorter = NULL;
  g_autoptr(GUri) uri = NULL;

  if (title != NULL && *title != '\0')
    name = g_strdup (title);
  else if ((uri = g_uri_parse (trawl_board_get_url (board), G_URI_FLAGS_NONE, NULL)) != NULL &&
           g_uri_get_host (uri) != NULL)
    {
      const char *host = g_uri_get_host (uri);
      g_autofree char *last = g_path_get_basename (g_uri_get_path (uri));

      if (g_str_has_prefix (host, "www."))
        host += 4;
      if (g_str_equal (last, "/") || g_str_equal (last, "."))
        name = g_strdup (host);
      else
        name = g_strdup_printf ("%s %s", host, last);
    }
  else
    name = g_strdup (trawl_board_get_url (board));

  /* Made valid text first, then shortened, then made safe again: the cut
   * may leave a space or a dot at the end. */
  safe = trawl_filename_from_title (name, "");
  shorter = g_utf8_substring (safe, 0, MIN (g_utf8_strlen (safe, -1), FOLDER_NAME_CHARS));
  return trawl_filename_from_title (shorter, "");
}

/* The folder @board's videos go to, named now if it has a folder of its
 * own that has no name yet. */
static const char *
board_folder (TrawlPaths *self,
              TrawlBoard *board)
{
  const char *parent = _trawl_board_get_parent_dir (board);
  g_autofree char *name = NULL;

  if (trawl_board_get_output_dir (board) != NULL || parent == NULL)
    return trawl_board_get_output_dir (board);

  name = folder_name (board);
  for (guint n = 1;; n++)
    {
      /* Not trawl_filename_numbered(): "example.com videos" has no extension. */
      g_autofree char *numbered = n == 1 ? g_strdup (name) : g_strdup_printf ("%s (%u)", name, n);
      g_autofree char *path = g_build_filename (parent, numbered, NULL);

      if (folder_is_free (self, path, board))
        {
          _trawl_board_set_output_dir (board, path);
          g_hash_table_replace (self->folders, g_steal_pointer (&path),
                                g_strdup (trawl_board_get_url (board)));
          return trawl_board_get_output_dir (board);
        }
    }
}

/**
 * _trawl_paths_keep_folder:
 *
 * Keeps the folder a restored @board had, if it has one of its own, from
 * other boards of this run.
 */
void
_trawl_paths_keep_folder (TrawlPaths *self,
                          TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_PATHS (self));

  if (_trawl_board_get_parent_dir (board) != NULL && trawl_board_get_output_dir (board) != NULL)
    g_hash_table_replace (self->folders, g_strdup (trawl_board_get_output_dir (board)),
                          g_strdup (trawl_board_get_url (board)));
}

/**
 * _trawl_paths_make_folder:
 *
 * Makes the folder of @board's own before a video is written to it, marked
 * with the board's address so that the board finds it again; a symlink or
 * anything else at its name is refused.
 */
gboolean
_trawl_paths_make_folder (TrawlBoard  *board,
                          GError     **error)
{
  const char *parent = _trawl_board_get_parent_dir (board);
  const char *dir = trawl_board_get_output_dir (board);
  g_autofree char *origin = NULL;
  int fd, saved;

  if (parent == NULL || dir == NULL)
    return TRUE;

  if (g_mkdir_with_parents (parent, 0755) != 0 || (g_mkdir (dir, 0755) != 0 && errno != EEXIST))
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the download folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot use the download folder %s: %s"), dir,
                   saved == ENOTDIR || saved == ELOOP ? _("it is not a folder")
                                                      : g_strerror (saved));
      return FALSE;
    }

  /* Where the file system keeps no attributes, the folder is still used;
   * it is only not recognised in a later run. */
  origin = _trawl_fd_get_xattr (fd, XATTR_ORIGIN);
  if (origin == NULL)
    fsetxattr (fd, XATTR_ORIGIN, trawl_board_get_url (board), strlen (trawl_board_get_url (board)),
               0);
  close (fd);
  return TRUE;
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
  const char *dir = board_folder (self, trawl_item_get_board (item));
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
