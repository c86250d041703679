#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "trawl-archive.h"
#include "trawl-test-utils.h"

static void
test_roundtrip (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "sub", "archive.txt", NULL);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(TrawlArchive) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  archive = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trawl_archive_get_size (archive), ==, 0);
  g_assert_false (trawl_archive_contains (archive, "pearvideo 1"));

  trawl_archive_add (archive, "pearvideo 1");
  trawl_archive_add (archive, "pearvideo 2");
  trawl_archive_add (archive, "pearvideo 1");
  g_assert_true (trawl_archive_contains (archive, "pearvideo 2"));
  g_assert_cmpuint (trawl_archive_get_size (archive), ==, 2);

  /* Written on a worker; wait for the file, not for time. */
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==,
                   "# Trawl download archive: one finished item per line\n"
                   "pearvideo 1\npearvideo 2\n");

  again = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_archive_contains (again, "pearvideo 1"));
  g_assert_true (trawl_archive_contains (again, "pearvideo 2"));
  g_assert_cmpuint (trawl_archive_get_size (again), ==, 2);

  trawl_test_rm_rf (dir);
}

/* The last line counts without its newline (found by the hostile review:
 * a line added by hand was ignored, then dropped by the next save). */
static void
test_last_line (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "archive.txt", NULL);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_set_contents (path, "# comment\nurl http://a/1.mp4\n\npearvideo 7\npearvideo 8", -1,
                       &error);
  g_assert_no_error (error);

  archive = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_archive_contains (archive, "url http://a/1.mp4"));
  g_assert_true (trawl_archive_contains (archive, "pearvideo 7"));
  g_assert_true (trawl_archive_contains (archive, "pearvideo 8"));
  g_assert_false (trawl_archive_contains (archive, "# comment"));

  trawl_archive_add (archive, "pearvideo 9");
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==,
                   "# comment\nurl http://a/1.mp4\n\npearvideo 7\npearvideo 8\npearvideo 9\n");

  trawl_test_rm_rf (dir);
}

/* Only a regular file is an archive (found by the hostile review: a FIFO
 * hung, /dev/zero ate memory, and a device node was replaced by the first
 * save, with a .lock beside it). */
static void
test_not_regular (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *link = g_build_filename (dir, "zero", NULL);
  g_autofree char *device = g_build_filename (dir, "null", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_null (trawl_archive_new (fifo, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);

  g_assert_cmpint (symlink ("/dev/zero", link), ==, 0);
  g_assert_null (trawl_archive_new (link, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);

  /* A device node of our own (as root): refused, and left a device. */
  if (mknod (device, S_IFCHR | 0666, makedev (1, 3)) == 0)
    {
      g_autofree char *lock = g_strconcat (device, ".lock", NULL);

      g_assert_null (trawl_archive_new (device, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
      g_assert_cmpint (g_lstat (device, &st), ==, 0);
      g_assert_true (S_ISCHR (st.st_mode));
      g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
    }

  trawl_test_rm_rf (dir);
}

/* A NUL byte, invalid UTF-8 or a control character makes a line bad: it
 * is skipped with one warning, the entries after it still count, and a
 * save keeps it as it was. */
#define BAD_LINES                                          \
  "# Trawl download archive: one finished item per line\n" \
  "pearvideo 1\n"                                          \
  "bad\0line\n"                                            \
  "pearvideo 2\n"                                          \
  "\xff\xfe not UTF-8\n"                                   \
  "pearvideo 3\n"                                          \
  "bell \a\n"                                              \
  "pearvideo 4\n"

static void
test_bad_lines (void)
{
  static const char original[] = BAD_LINES;
  static const char saved[] = BAD_LINES "pearvideo 5\n";
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "archive.txt", NULL);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_file_set_contents (path, original, sizeof original - 1, &error);
  g_assert_no_error (error);

  g_test_expect_message ("trawl-archive", G_LOG_LEVEL_WARNING,
                         "*3 lines that are not entries*line 3*");
  archive = trawl_archive_new (path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (trawl_archive_get_size (archive), ==, 4);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *key = g_strdup_printf ("pearvideo %u", i);

      g_assert_true (trawl_archive_contains (archive, key));
    }

  trawl_archive_add (archive, "pearvideo 5");
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, saved, sizeof saved - 1);

  trawl_test_rm_rf (dir);
}

/* A linked archive (kept in a synced folder, say) stays a link: the file
 * it points to is the one replaced, with the lock beside it. */
static void
test_symlink (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *link = g_build_filename (dir, "archive.txt", NULL);
  g_autofree char *target = g_build_filename (dir, "synced", "archive.txt", NULL);
  g_autofree char *lock = g_strconcat (target, ".lock", NULL);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  /* Dangling at first: the save makes the file the link names. */
  g_assert_cmpint (symlink ("synced/archive.txt", link), ==, 0);
  archive = trawl_archive_new (link, &error);
  g_assert_no_error (error);
  trawl_archive_add (archive, "pearvideo 1");
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));
  trawl_archive_add (archive, "pearvideo 2");
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));

  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (lock, G_FILE_TEST_IS_REGULAR));
  /* A private archive stays private (third review: saves made it 0644). */
  {
    GStatBuf st;

    g_assert_cmpint (g_chmod (target, 0600), ==, 0);
    trawl_archive_add (archive, "pearvideo 3");
    TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));
    g_assert_cmpint (g_stat (target, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  g_file_get_contents (target, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==,
                   "# Trawl download archive: one finished item per line\n"
                   "pearvideo 1\npearvideo 2\npearvideo 3\n");

  trawl_test_rm_rf (dir);
}

static gboolean
both_saved (TrawlArchive *a,
            TrawlArchive *b)
{
  return !trawl_archive_is_saving (a) && !trawl_archive_is_saving (b);
}

/* Two processes with one archive: each save merges with what is on disk,
 * so neither loses the other's entries. */
static void
test_two_writers (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "archive.txt", NULL);
  g_autoptr(TrawlArchive) first = NULL;
  g_autoptr(TrawlArchive) second = NULL;
  g_autoptr(TrawlArchive) reloaded = NULL;
  g_autoptr(GError) error = NULL;

  first = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  second = trawl_archive_new (path, &error);
  g_assert_no_error (error);

  trawl_archive_add (first, "pearvideo 1");
  TRAWL_WAIT_UNTIL (both_saved (first, second));
  trawl_archive_add (second, "url http://a/2.mp4");
  TRAWL_WAIT_UNTIL (both_saved (first, second));
  trawl_archive_add (first, "pearvideo 3");
  trawl_archive_add (second, "pearvideo 4");
  TRAWL_WAIT_UNTIL (both_saved (first, second));

  /* The synchronous save at quitting merges too. */
  trawl_archive_add (second, "pearvideo 5");
  TRAWL_WAIT_UNTIL (both_saved (first, second));
  g_assert_true (trawl_archive_save (first, &error));
  g_assert_no_error (error);

  reloaded = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trawl_archive_get_size (reloaded), ==, 5);
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *key = i == 2 ? g_strdup ("url http://a/2.mp4")
                                    : g_strdup_printf ("pearvideo %u", i);

      g_assert_true (trawl_archive_contains (reloaded, key));
    }

  trawl_test_rm_rf (dir);
}

static void
test_unreadable (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;

  /* A folder where the file should be: an error, not an empty archive
   * that would then overwrite something. */
  archive = trawl_archive_new (dir, &error);
  g_assert_null (archive);
  g_assert_nonnull (error);

  trawl_test_rm_rf (dir);
}

/* A lock held for long (a hung process, someone's flock) does not hold
 * the saver forever: the save fails after a while and says why (found by
 * the second hostile review: trawl-cli waited, deaf to Ctrl+C). */
static void
test_held_lock (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "archive.txt", NULL);
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  g_autoptr(TrawlArchive) archive = trawl_archive_new (path, NULL);
  int lock = open (lock_path, O_RDWR | O_CREAT, 0600);

  g_assert_cmpint (lock, >=, 0);
  g_assert_cmpint (flock (lock, LOCK_EX), ==, 0);
  trawl_archive_add (archive, "pearvideo 1");
  /* Added while the first save waits: no second wait is chained to it
   * (that doubled the time before a Ctrl+C was heard). */
  trawl_archive_add (archive, "pearvideo 2");
  TRAWL_WAIT_UNTIL (trawl_archive_get_error (archive) != NULL);
  g_assert_false (trawl_archive_is_saving (archive));
  g_assert_error (trawl_archive_get_error (archive), G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (trawl_archive_get_error (archive)->message, "Another process"));
  close (lock);

  /* The next save, once the lock is free, writes it all. */
  trawl_archive_add (archive, "pearvideo 3");
  TRAWL_WAIT_UNTIL (!trawl_archive_is_saving (archive));
  g_assert_null (trawl_archive_get_error (archive));
  {
    g_autoptr(TrawlArchive) reread = trawl_archive_new (path, NULL);

    g_assert_true (trawl_archive_contains (reread, "pearvideo 1"));
    g_assert_true (trawl_archive_contains (reread, "pearvideo 2"));
    g_assert_true (trawl_archive_contains (reread, "pearvideo 3"));
  }

  trawl_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/archive/roundtrip", test_roundtrip);
  g_test_add_func ("/archive/last-line", test_last_line);
  g_test_add_func ("/archive/not-regular", test_not_regular);
  g_test_add_func ("/archive/unreadable", test_unreadable);
  g_test_add_func ("/archive/two-writers", test_two_writers);
  g_test_add_func ("/archive/bad-lines", test_bad_lines);
  g_test_add_func ("/archive/symlink", test_symlink);
  g_test_add_func ("/archive/held-lock", test_held_lock);

  return g_test_run ();
}
