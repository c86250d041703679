#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Preloaded into trawl-cli by /cli/fsync-fails: fsync() and fdatasync()
 * of a .part file fail with EIO, as on a failing disk or a network file
 * system that lost the data. A download must then fail, never be called
 * done. */

int fsync (int fd);
int fdatasync (int fd);

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

int
fsync (int fd)
{
  if (is_part (fd))
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
