#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Preloaded into trawl-cli by /cli/fsync-fails and /cli/part-space.
 *
 * Without TRAWL_PART_SPACE: fsync() and fdatasync() of a .part file fail
 * with EIO, as on a failing disk or a network file system that lost the
 * data. A download must then fail, never be called done.
 *
 * With TRAWL_PART_SPACE=N: a .part file cannot grow past N bytes, its
 * writes failing with ENOSPC there, as on a disk that fills up between
 * the free-space check and the write. */

int fsync (int fd);
int fdatasync (int fd);
ssize_t write (int fd, const void *data, size_t length);
ssize_t pwrite (int fd, const void *data, size_t length, off_t at);

static int
is_part (int fd)
{
  char link[64];
  char path[4096];
  ssize_t n;

  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink (link, path, sizeof path - 1);
  if (n < 0)
    return 0;
  path[n] = '\0';
  return n > 5 && strcmp (path + n - 5, ".part") == 0;
}

/* The room a .part has, or -1 for as much as it wants. */
static off_t
part_space (void)
{
  const char *space = getenv ("TRAWL_PART_SPACE");

  return space != NULL ? (off_t) atoll (space) : -1;
}

int
fsync (int fd)
{
  if (part_space () < 0 && is_part (fd))
    {
      errno = EIO;
      return -1;
    }
  return syncfs (fd) < 0 ? -1 : 0;
}

int
fdatasync (int fd)
{
  return fsync (fd);
}

/* How much of a write of @length at @at a .part has room for; -1 with
 * errno set when none. (Built with 64-bit offsets, pwrite() here is
 * pwrite64(), the one Trawl calls.) */
static ssize_t
room (int     fd,
      off_t   at,
      size_t  length)
{
  off_t space = part_space ();

  if (space < 0 || !is_part (fd))
    return (ssize_t) length;
  if (at >= space)
    {
      errno = ENOSPC;
      return -1;
    }
  return (ssize_t) ((off_t) length < space - at ? (off_t) length : space - at);
}

ssize_t
write (int         fd,
       const void *data,
       size_t      length)
{
  static ssize_t (*real_write) (int, const void *, size_t);
  ssize_t allowed = part_space () < 0 ? (ssize_t) length :
                    room (fd, lseek (fd, 0, SEEK_CUR), length);

  if (real_write == NULL)
    real_write = (ssize_t (*) (int, const void *, size_t)) dlsym (RTLD_NEXT, "write");
  return allowed < 0 ? -1 : real_write (fd, data, (size_t) allowed);
}

ssize_t
pwrite (int         fd,
        const void *data,
        size_t      length,
        off_t       at)
{
  static ssize_t (*real_pwrite) (int, const void *, size_t, off_t);
  ssize_t allowed = room (fd, at, length);

  if (real_pwrite == NULL)
    real_pwrite = (ssize_t (*) (int, const void *, size_t, off_t)) dlsym (RTLD_NEXT, "pwrite64");
  return allowed < 0 ? -1 : real_pwrite (fd, data, (size_t) allowed, at);
}
