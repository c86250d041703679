#include "config.h"

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

static void
test_torn_line (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "archive.txt", NULL);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "# comment\nurl http://a/1.mp4\n\npearvideo 7\npearvideo 8", -1,
                       &error);
  g_assert_no_error (error);

  archive = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_archive_contains (archive, "url http://a/1.mp4"));
  g_assert_true (trawl_archive_contains (archive, "pearvideo 7"));
  g_assert_false (trawl_archive_contains (archive, "pearvideo 8"));
  g_assert_false (trawl_archive_contains (archive, "# comment"));

  g_assert_true (trawl_archive_save (archive, &error));
  g_assert_no_error (error);

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

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/archive/roundtrip", test_roundtrip);
  g_test_add_func ("/archive/torn-line", test_torn_line);
  g_test_add_func ("/archive/unreadable", test_unreadable);
  g_test_add_func ("/archive/two-writers", test_two_writers);

  return g_test_run ();
}
