#define G_LOG_DOMAIN "trawl-part"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trawl-part-private.h"
#include "trawl-util-private.h"

#define XATTR_SOURCE "user.trawl.source"
#define XATTR_SIZE "user.trawl.size"
#define XATTR_VALIDATOR "user.trawl.validator"
#define XATTR_HOLES "user.trawl.holes"
#define SIDECAR_SUFFIX ".trawl"
#define SIDECAR_GROUP "Part"

static gboolean use_xattrs = TRUE;

void
_trawl_part_set_xattrs (gboolean use)
{
  use_xattrs = use;
}

/* Where the file @path is written until it is complete. */
char *
_trawl_part_name (const char *path)
{
  return g_strconcat (path, ".part", NULL);
}

void
_trawl_part_identity_clear (TrawlPartIdentity *identity)
{
  g_clear_pointer (&identity->source, g_free);
  g_clear_pointer (&identity->validator, g_free);
  g_clear_pointer (&identity->holes, g_free);
  identity->size = -1;
}

/* Locks @fd for this process; closes it and returns -1 when another
 * process writes it. */
static int
lock_part (int          fd,
           const char  *path,
           GError     **error)
{
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_basename (path);

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     _("Another download is writing %s"), name);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot lock %s: %s"),
                     name, g_strerror (saved));
      return -1;
    }
  return fd;
}

/**
 * _trawl_part_open:
 * @path: a .part file, created if it does not exist
 * @created: (out) (optional): whether it was made now, empty
 *
 * Opens @path for writing without following a symlink, refuses anything
 * but a regular file (a FIFO would hang the download, a device or a link
 * would write outside the folder), and locks it for this process.
 *
 * Returns: the file descriptor, or -1 with G_IO_ERROR_BUSY when another
 *   process is writing it, G_IO_ERROR_NOT_REGULAR_FILE, or another error
 */
int
_trawl_part_open (const char  *path,
                  gboolean    *created,
                  GError     **error)
{
  struct stat st;
  int fd;

  /* Made here: a regular file, and nothing else can be at the name. */
  fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (created != NULL)
    *created = fd >= 0;
  if (fd >= 0)
    return lock_part (fd, path, error);

  /* O_NONBLOCK: opening a FIFO must not wait for a reader. */
  fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_basename (path);

      if (saved == ELOOP || saved == ENXIO || saved == EISDIR)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                     _("%s is not a regular file"), name);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot open %s: %s"),
                     name, g_strerror (saved));
      return -1;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_autofree char *name = g_filename_display_basename (path);

      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("%s is not a regular file"), name);
      return -1;
    }

  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  return lock_part (fd, path, error);
}

static char *
sidecar_path (const char *path)
{
  return g_strconcat (path, SIDECAR_SUFFIX, NULL);
}

static GKeyFile *
read_sidecar (const char *path)
{
  g_autofree char *sidecar = sidecar_path (path);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  int fd = open (sidecar, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size < 65536)
    {
      gssize n;

      contents = g_malloc (st.st_size + 1);
      n = read (fd, contents, st.st_size);
      length = n > 0 ? (gsize) n : 0;
      contents[length] = '\0';
    }
  close (fd);

  if (contents == NULL || !g_key_file_load_from_data (file, contents, length, 0, NULL))
    return NULL;
  return g_steal_pointer (&file);
}

/* Reads what the .part says of itself: from its extended attributes, or
 * from NAME.part.trawl beside it on file systems without them. */
gboolean
_trawl_part_read_identity (int                fd,
                           const char        *path,
                           TrawlPartIdentity *identity)
{
  g_autofree char *size = NULL;

  _trawl_part_identity_clear (identity);

  if (use_xattrs)
    identity->source = _trawl_fd_get_xattr (fd, XATTR_SOURCE);
  if (identity->source != NULL)
    {
      size = _trawl_fd_get_xattr (fd, XATTR_SIZE);
      identity->validator = _trawl_fd_get_xattr (fd, XATTR_VALIDATOR);
      identity->holes = _trawl_fd_get_xattr (fd, XATTR_HOLES);
    }
  else
    {
      g_autoptr(GKeyFile) file = read_sidecar (path);

      if (file == NULL)
        return FALSE;
      identity->source = g_key_file_get_string (file, SIDECAR_GROUP, "Source", NULL);
      size = g_key_file_get_string (file, SIDECAR_GROUP, "Size", NULL);
      identity->validator = g_key_file_get_string (file, SIDECAR_GROUP, "Validator", NULL);
      identity->holes = g_key_file_get_string (file, SIDECAR_GROUP, "Holes", NULL);
    }

  if (size != NULL && !g_ascii_string_to_signed (size, 10, -1, G_MAXINT64, &identity->size,
                                                 NULL))
    identity->size = -1;

  return identity->source != NULL;
}

static gboolean
set_xattr (int         fd,
           const char *name,
           const char *value)
{
  if (value == NULL)
    return fremovexattr (fd, name) == 0 || errno == ENODATA;
  return fsetxattr (fd, name, value, strlen (value), 0) == 0;
}

static gboolean
write_sidecar (const char              *path,
               const TrawlPartIdentity *identity)
{
  g_autofree char *sidecar = sidecar_path (path);
  g_autofree char *temporary = g_strconcat (sidecar, ".new", NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length;
  int fd;

  g_key_file_set_string (file, SIDECAR_GROUP, "Source", identity->source);
  g_key_file_set_int64 (file, SIDECAR_GROUP, "Size", identity->size);
  if (identity->validator != NULL)
    g_key_file_set_string (file, SIDECAR_GROUP, "Validator", identity->validator);
  if (identity->holes != NULL)
    g_key_file_set_string (file, SIDECAR_GROUP, "Holes", identity->holes);
  contents = g_key_file_to_data (file, &length, NULL);

  /* Written beside it and renamed over it: a split download's holes must
   * never be half written (a torn list would take missing bytes for
   * written ones). Never through a link. */
  g_unlink (temporary);
  fd = open (temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
             0644);
  if (fd < 0)
    return FALSE;
  if (write (fd, contents, length) != (gssize) length || close (fd) != 0 ||
      g_rename (temporary, sidecar) != 0)
    {
      g_debug ("Could not write %s", sidecar);
      g_unlink (temporary);
      return FALSE;
    }
  return TRUE;
}

gboolean
_trawl_part_write_identity (int                      fd,
                            const char              *path,
                            const TrawlPartIdentity *identity)
{
  g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT, identity->size);

  g_return_val_if_fail (identity->source != NULL, FALSE);

  if (use_xattrs && set_xattr (fd, XATTR_SOURCE, identity->source) &&
      set_xattr (fd, XATTR_SIZE, size) && set_xattr (fd, XATTR_VALIDATOR, identity->validator) &&
      set_xattr (fd, XATTR_HOLES, identity->holes))
    return TRUE;

  /* Half of it in attributes would be read without the rest: the
   * sidecar says it all. */
  if (use_xattrs)
    fremovexattr (fd, XATTR_SOURCE);
  return write_sidecar (path, identity);
}

/* Only the holes changed: one attribute (replaced whole, never torn), or
 * the sidecar written again. Returns FALSE when neither could be. */
gboolean
_trawl_part_write_holes (int                      fd,
                         const char              *path,
                         const TrawlPartIdentity *identity)
{
  g_autofree char *sidecar = sidecar_path (path);

  if (use_xattrs && !g_file_test (sidecar, G_FILE_TEST_EXISTS) &&
      set_xattr (fd, XATTR_HOLES, identity->holes))
    return TRUE;
  return _trawl_part_write_identity (fd, path, identity);
}

/* The positions listed after the holes (";P,P"): in order, each inside
 * the file. Returns FALSE when @text is not such a list. */
static gboolean
parse_seams (const char *text,
             guint64     size,
             GArray     *seams)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      guint64 position;

      if (size < 2 || !g_ascii_string_to_unsigned (items[i], 10, 1, size - 1, &position, NULL) ||
          (seams->len > 0 && position <= g_array_index (seams, guint64, seams->len - 1)))
        return FALSE;
      g_array_append_val (seams, position);
    }
  return TRUE;
}

/**
 * _trawl_part_parse_holes:
 * @text: what _trawl_part_format_holes() wrote
 * @size: the .part's announced length
 * @seams: (out) (optional): the seams not yet compared, guint64 positions
 *
 * The holes of a split download's .part: ranges in order, none empty,
 * none touching or overlapping another, all inside the file; then, after
 * a ";", the seams (where one connection's bytes meet another's) not yet
 * compared with the server's bytes across them. A download whose ranges
 * are all written may still have seams to compare.
 *
 * Returns: the holes (perhaps none), or NULL when @text is not such a
 *   list (the .part cannot be trusted then)
 */
GArray *
_trawl_part_parse_holes (const char  *text,
                         guint64      size,
                         GArray     **seams)
{
  g_autoptr(GArray) holes = g_array_new (FALSE, FALSE, sizeof (TrawlRange));
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_auto(GStrv) parts = g_strsplit (text, ";", 3);
  g_auto(GStrv) items = NULL;
  guint64 last_end = 0;

  if (parts[0] == NULL || g_strv_length (parts) > 2 ||
      (parts[1] != NULL && !parse_seams (parts[1], size, positions)))
    return NULL;
  items = *parts[0] != '\0' ? g_strsplit (parts[0], ",", -1) : g_new0 (char *, 1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) ends = g_strsplit (items[i], "-", 3);
      TrawlRange range;

      if (g_strv_length (ends) != 2 ||
          !g_ascii_string_to_unsigned (ends[0], 10, 0, size, &range.start, NULL) ||
          !g_ascii_string_to_unsigned (ends[1], 10, 0, size, &range.end, NULL) ||
          range.end <= range.start || (i > 0 && range.start <= last_end))
        return NULL;
      last_end = range.end;
      g_array_append_val (holes, range);
    }
  if (holes->len == 0 && positions->len == 0)
    return NULL;
  if (seams != NULL)
    *seams = g_steal_pointer (&positions);
  return g_steal_pointer (&holes);
}

/* The holes, then the seams not yet compared (see
 * _trawl_part_parse_holes()); NULL when there is neither. */
char *
_trawl_part_format_holes (const TrawlRange *ranges,
                          guint             n,
                          const guint64    *seams,
                          guint             n_seams)
{
  GString *text;

  if (n == 0 && n_seams == 0)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                            i > 0 ? "," : "", ranges[i].start, ranges[i].end);
  for (guint i = 0; i < n_seams; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i > 0 ? "," : ";", seams[i]);
  return g_string_free (text, FALSE);
}

/* The .part is gone (renamed or deleted): so is its sidecar. */
void
_trawl_part_forget (const char *path)
{
  g_autofree char *sidecar = sidecar_path (path);

  g_unlink (sidecar);
}

/* Nothing of any kind (a file, a dangling link, a FIFO) is at @path. */
gboolean
_trawl_path_is_free (const char *path)
{
  GStatBuf st;

  return g_lstat (path, &st) != 0 && errno == ENOENT;
}

/* The finished download could not have its name (G_IO_ERROR_EXISTS when
 * the name is taken). */
static void
set_rename_error (GError     **error,
                  const char  *final_path,
                  int          saved)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               _("Could not rename the finished download to %s: %s"), final_path,
               g_strerror (saved));
}

/* Whether @path is, as a name, the file @fd is open on. */
static gboolean
is_same_file (int         fd,
              const char *path)
{
  struct stat ours, there;

  return fstat (fd, &ours) == 0 && lstat (path, &there) == 0 && ours.st_dev == there.st_dev &&
         ours.st_ino == there.st_ino;
}

/* Gives the file @fd is open on the name @final_path, never replacing
 * anything, and only that file: the .part's name may meanwhile be
 * another file (moved aside and replaced by a link, or deleted and made
 * again by another run), and renaming the name would call that "done".
 * The file is linked by its descriptor (/proc/self/fd), then its .part
 * name let go if it is still this file. */
static gboolean
publish (int          fd,
         const char  *part_path,
         const char  *final_path,
         GError     **error)
{
  g_autofree char *self = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *name = g_path_get_basename (part_path);
  struct stat st;
  int saved;

  if (linkat (AT_FDCWD, self, AT_FDCWD, final_path, AT_SYMLINK_FOLLOW) == 0)
    {
      if (is_same_file (fd, part_path))
        {
          g_unlink (part_path);
          _trawl_part_forget (part_path);
        }
      return TRUE;
    }
  saved = errno;
  if (saved == EEXIST)
    {
      set_rename_error (error, final_path, saved);
      return FALSE;
    }
  if (fstat (fd, &st) == 0 && st.st_nlink == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("%s was deleted by another program while it was written; download "
                     "it again"), name);
      return FALSE;
    }
  /* No /proc, or a file system without hard links: the name, once it is
   * seen to be this file. */
  if (!is_same_file (fd, part_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s was replaced by another program while it was written; download "
                     "it again"), name);
      return FALSE;
    }
  return _trawl_part_rename (part_path, final_path, error);
}

/**
 * _trawl_part_commit:
 * @synced: (out) (optional): whether the data reached the disk (a failure
 *   after that is the name's)
 *
 * On a worker thread, once the last byte is written: the data reaches the
 * disk before the name says "done", the name never replaces anything,
 * and it is given to the file that was written (see publish()).
 */
gboolean
_trawl_part_commit (int          fd,
                    const char  *part_path,
                    const char  *final_path,
                    gboolean    *synced,
                    GError     **error)
{
  if (synced != NULL)
    *synced = FALSE;
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int saved = errno;

      g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           g_strerror (saved));
      return FALSE;
    }
  if (synced != NULL)
    *synced = TRUE;
  return publish (fd, part_path, final_path, error);
}

/**
 * _trawl_part_is_finished:
 * @source: the archive key of a video
 *
 * Whether @path is that video, finished: a regular file (not a link)
 * whose identity, kept from its .part, names @source, with the length
 * the server announced and nothing missing. A run that was killed before
 * its archive was saved finds its videos done this way, rather than
 * fetching them again as " (2)". Its .part, left as a second name of the
 * file by a run killed between the two steps of publish(), goes.
 */
gboolean
_trawl_part_is_finished (const char *path,
                         const char *source)
{
  TrawlPartIdentity identity = { NULL, -1, NULL, NULL };
  struct stat st;
  gboolean same;
  int fd;

  if (source == NULL)
    return FALSE;
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  same = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size > 0 &&
         _trawl_part_read_identity (fd, path, &identity) &&
         g_strcmp0 (identity.source, source) == 0 && identity.size == st.st_size &&
         (identity.holes == NULL || *identity.holes == '\0');
  _trawl_part_identity_clear (&identity);
  close (fd);
  if (same && st.st_nlink > 1)
    {
      g_autofree char *part = _trawl_part_name (path);
      struct stat part_st;

      if (lstat (part, &part_st) == 0 && part_st.st_dev == st.st_dev &&
          part_st.st_ino == st.st_ino)
        {
          g_unlink (part);
          _trawl_part_forget (part);
        }
    }
  return same;
}

/**
 * _trawl_part_rename:
 *
 * Gives the finished .part its final name, never replacing anything that
 * is there (another process's video, or a link someone put there).
 *
 * Returns: %FALSE with G_IO_ERROR_EXISTS when @final_path is taken
 */
gboolean
_trawl_part_rename (const char  *part_path,
                    const char  *final_path,
                    GError     **error)
{
  int saved;

  if (renameat2 (AT_FDCWD, part_path, AT_FDCWD, final_path, RENAME_NOREPLACE) == 0)
    {
      _trawl_part_forget (part_path);
      return TRUE;
    }
  saved = errno;

  /* File systems without RENAME_NOREPLACE: a hard link fails the same way
   * on an existing name. */
  if (saved == EINVAL || saved == ENOSYS)
    {
      if (link (part_path, final_path) == 0)
        {
          g_unlink (part_path);
          _trawl_part_forget (part_path);
          return TRUE;
        }
      saved = errno;
    }

  set_rename_error (error, final_path, saved);
  return FALSE;
}
