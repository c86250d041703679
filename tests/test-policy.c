#include "config.h"

#include <libsoup/soup.h>

#include "trawl-board-private.h"
#include "trawl-error.h"
#include "trawl-http-private.h"
#include "trawl-item-private.h"
#include "trawl-paths-private.h"
#include "trawl-policy-private.h"
#include "trawl-test-utils.h"

/* The engine's policies as pure functions: no network, no sleeping, the
 * clock and the randomness passed in. */

static void
test_backoff (void)
{
  /* Doubling from the base, spread between 3/4 and 5/4 of it. */
  g_assert_cmpuint (_trawl_backoff_ms (1000, 1, 0, 0), ==, 750);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 1, 0, 500), ==, 1250);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 1, 0, 501), ==, 750);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 2, 0, 0), ==, 1500);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 3, 0, 0), ==, 3000);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 4, 0, 1000), ==, 7000);

  /* Never beyond a minute (and its jitter), however many tries. */
  for (guint attempt = 1; attempt < 100; attempt++)
    for (guint32 r = 0; r < 1u << 31; r += 1u << 27)
      {
        guint d = _trawl_backoff_ms (1000, attempt, 0, r);

        g_assert_cmpuint (d, >=, MIN (750u << MIN (attempt - 1, 10), 45000));
        g_assert_cmpuint (d, <=, TRAWL_MAX_RETRY_DELAY_MS * 5 / 4);
      }

  /* Randomness spreads many items that failed together. */
  {
    g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

    for (guint32 r = 0; r < 100; r++)
      g_hash_table_add (seen, GUINT_TO_POINTER (_trawl_backoff_ms (1000, 3, 0, r * 7919)));
    g_assert_cmpuint (g_hash_table_size (seen), >, 50);
  }

  /* A server asking for longer wins, up to five minutes. */
  g_assert_cmpuint (_trawl_backoff_ms (1000, 1, 30, 0), ==, 30000);
  g_assert_cmpuint (_trawl_backoff_ms (1000, 1, 86400, 0), ==, TRAWL_MAX_RETRY_AFTER_S * 1000);
  g_assert_cmpuint (_trawl_backoff_ms (10000, 1, 1, 0), ==, 7500);
  g_assert_cmpuint (_trawl_backoff_ms (0, 5, 0, 12345), ==, 0);
}

static void
test_retry_after (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 27, 12, 0, 0);

  g_assert_cmpuint (_trawl_retry_after_parse (NULL, now), ==, 0);
  g_assert_cmpuint (_trawl_retry_after_parse ("120", now), ==, 120);
  g_assert_cmpuint (_trawl_retry_after_parse ("0", now), ==, 0);
  g_assert_cmpuint (_trawl_retry_after_parse ("-5", now), ==, 0);
  g_assert_cmpuint (_trawl_retry_after_parse ("soon", now), ==, 0);
  g_assert_cmpuint (_trawl_retry_after_parse ("99999999999999999999", now), ==, 0);
  /* A date: the seconds until then, rounded up; a date past is none. */
  g_assert_cmpuint (_trawl_retry_after_parse ("Fri, 27 Nov 2026 12:01:00 GMT", now), ==, 61);
  g_assert_cmpuint (_trawl_retry_after_parse ("Fri, 27 Nov 2026 11:00:00 GMT", now), ==, 0);
}

static void
test_classification (void)
{
  struct { GQuark domain; int code; gboolean transient; } cases[] = {
    { G_IO_ERROR, G_IO_ERROR_TIMED_OUT, TRUE },
    { G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, TRUE },
    { G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, TRUE },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, FALSE },
    { G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, FALSE },
    { G_IO_ERROR, G_IO_ERROR_NO_SPACE, FALSE },
    { G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE, TRUE },
    { G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, FALSE },
    { G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, FALSE },
    { TRAWL_ERROR, TRAWL_ERROR_TRUNCATED, TRUE },
    { TRAWL_ERROR, TRAWL_ERROR_SERVER, TRUE },
    { TRAWL_ERROR, TRAWL_ERROR_HTTP, FALSE },
    { TRAWL_ERROR, TRAWL_ERROR_GONE, FALSE },
    { TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, FALSE },
    { TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA, FALSE },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING, TRUE },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS, FALSE },
  };
  guint transient[] = { 408, 429, 500, 502, 503, 504, 599 };
  guint lasting[] = { 200, 301, 400, 401, 403, 404, 410, 416, 501, 505 };

  g_assert_false (_trawl_error_is_transient (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain, cases[i].code, "x");

      g_test_message ("%s %d", g_quark_to_string (cases[i].domain), cases[i].code);
      g_assert_cmpint (_trawl_error_is_transient (error), ==, cases[i].transient);
    }
  for (guint i = 0; i < G_N_ELEMENTS (transient); i++)
    g_assert_true (_trawl_status_is_transient (transient[i]));
  for (guint i = 0; i < G_N_ELEMENTS (lasting); i++)
    g_assert_false (_trawl_status_is_transient (lasting[i]));
}

static void
test_too_slow (void)
{
  g_assert_true (_trawl_too_slow (0, 30));
  g_assert_true (_trawl_too_slow ((guint64) TRAWL_MIN_SPEED * 30 - 1, 30));
  g_assert_false (_trawl_too_slow ((guint64) TRAWL_MIN_SPEED * 30, 30));
  g_assert_false (_trawl_too_slow (G_MAXUINT64, 1));
}

static TrawlItem *
new_item (TrawlBoard *board,
          const char *title,
          const char *id)
{
  TrawlItem *item = _trawl_item_new (board, "http://example.com/v", title, id);

  _trawl_item_set_media_url (item, "http://example.com/v.mp4");
  return item;
}

static void
assert_name (TrawlItem  *item,
             const char *name)
{
  g_autofree char *base = g_path_get_basename (trawl_item_get_path (item));

  g_assert_cmpstr (base, ==, name);
}

/* Names another item has, files already there, blocked and released
 * names. */
static void
test_paths (void)
{
  g_autoptr(TrawlPaths) reserved = _trawl_paths_new ();
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autoptr(TrawlBoard) board = _trawl_board_new ("http://example.com/", "pearvideo", dir);
  g_autoptr(TrawlItem) a = new_item (board, "Title", "1");
  g_autoptr(TrawlItem) b = new_item (board, "Title", "42");
  g_autoptr(TrawlItem) c = new_item (board, "Title", NULL);
  g_autoptr(TrawlItem) d = new_item (board, "Title", "42");
  g_autoptr(TrawlItem) e = new_item (board, "Other", NULL);
  g_autofree char *title = g_build_filename (dir, "Title.mp4", NULL);
  g_autofree char *other = g_build_filename (dir, "Other.mp4", NULL);

  _trawl_paths_reserve (reserved, a, NULL);
  assert_name (a, "Title.mp4");
  _trawl_paths_reserve (reserved, b, NULL);
  assert_name (b, "Title (42).mp4");
  _trawl_paths_reserve (reserved, c, NULL);
  assert_name (c, "Title (2).mp4");

  /* Reserving again lets go of the old name. */
  _trawl_paths_reserve (reserved, a, ".webm");
  assert_name (a, "Title.webm");
  _trawl_paths_reserve (reserved, c, NULL);
  assert_name (c, "Title.mp4");

  /* Blocked: nobody gets it again, not even the item that had it. */
  _trawl_paths_block (reserved, title);
  _trawl_paths_reserve (reserved, c, NULL);
  assert_name (c, "Title (3).mp4");

  /* Released, it is free again; kept (restored), it is not. */
  _trawl_paths_release (reserved, a);
  _trawl_paths_reserve (reserved, d, ".webm");
  assert_name (d, "Title.webm");
  _trawl_paths_release (reserved, d);
  _trawl_paths_keep (reserved, a);
  _trawl_paths_reserve (reserved, d, ".webm");
  assert_name (d, "Title (42).webm");

  /* A finished file is never a free name. */
  g_assert_true (g_file_set_contents (other, "x", 1, NULL));
  _trawl_paths_reserve (reserved, e, NULL);
  assert_name (e, "Other (2).mp4");
  trawl_test_rm_rf (dir);
}

/* Name reservation: many videos of one title each get one name, once,
 * in linear time. */
static void
test_same_titles (void)
{
  g_autoptr(TrawlPaths) reserved = _trawl_paths_new ();
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autoptr(TrawlBoard) board = _trawl_board_new ("http://example.com/", "pearvideo", dir);
  g_autoptr(GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  /* 12,000 videos with one title: each named, once, the id making most
   * names; and as many without ids, numbered. */
  for (guint i = 0; i < 24000; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u", 1000000 + i);
      TrawlItem *item = _trawl_item_new (board, "http://example.com/v", "同一个标题",
                                         i < 12000 ? id : NULL);

      g_ptr_array_add (items, item);
      _trawl_paths_reserve (reserved, item, NULL);
      g_assert_true (g_hash_table_add (paths, g_strdup (trawl_item_get_path (item))));
    }
  g_assert_cmpuint (g_hash_table_size (paths), ==, 24000);
  trawl_test_rm_rf (dir);
}

/* The speed limit. */
static void
test_token_bucket (void)
{
  TrawlTokenBucket bucket = { 0 };
  gint64 now = 1000000;
  guint64 granted = 0;
  guint reads = 0;

  /* A reader that always wants 4 MiB, under a 1 MB/s limit, for ten
   * seconds of a clock that moves only by the waits it is told. */
  _trawl_token_bucket_set_rate (&bucket, 1000000);
  while (now < 11000000)
    {
      guint wait_ms = 0;
      gsize n = _trawl_token_bucket_take (&bucket, now, 4 * 1024 * 1024, &wait_ms);

      if (n == 0)
        {
          g_assert_cmpuint (wait_ms, >=, 10);
          now += wait_ms * 1000;
          continue;
        }
      g_assert_cmpuint (n, >=, 4096);
      granted += n;
      reads++;
    }

  /* The rate is kept, in reads of a sensible size: at most about twenty a
   * second, not thousands. */
  g_assert_cmpuint (granted, >=, 9500000);
  g_assert_cmpuint (granted, <=, 10500000);
  g_assert_cmpuint (reads, <=, 10 * 25);

  /* A network that returns a third of each grant: the rest goes back, and
   * the rate is still reached. */
  _trawl_token_bucket_set_rate (&bucket, 0);
  _trawl_token_bucket_set_rate (&bucket, 1000000);
  granted = 0;
  for (gint64 end = now + 10000000; now < end;)
    {
      guint wait_ms = 0;
      gsize n = _trawl_token_bucket_take (&bucket, now, 4 * 1024 * 1024, &wait_ms);

      if (n == 0)
        {
          now += wait_ms * 1000;
          continue;
        }
      granted += n / 3;
      _trawl_token_bucket_give_back (&bucket, n - n / 3);
      now += 1000;
    }
  g_assert_cmpuint (granted, >=, 9500000);
  g_assert_cmpuint (granted, <=, 10500000);

  /* No limit: everything at once. */
  _trawl_token_bucket_set_rate (&bucket, 0);
  {
    guint wait_ms = 1;

    g_assert_cmpuint (_trawl_token_bucket_take (&bucket, now, 12345, &wait_ms), ==, 12345);
    g_assert_cmpuint (wait_ms, ==, 0);
  }
}

/* The state file is written 200 ms after a change, later for a queue whose
 * state takes long to write: 2% of the main loop at most, 10 s at most. */
static void
test_save_delay (void)
{
  g_assert_cmpuint (_trawl_save_delay_ms (0), ==, 200);
  g_assert_cmpuint (_trawl_save_delay_ms (-5), ==, 200);
  g_assert_cmpuint (_trawl_save_delay_ms (1000), ==, 200);
  g_assert_cmpuint (_trawl_save_delay_ms (13000), ==, 650);
  g_assert_cmpuint (_trawl_save_delay_ms (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC), ==, 10000);
}

static void
slept_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  guint *ended = user_data;

  _trawl_sleep_finish (result, NULL);
  (*ended)++;
}

/* A retry's backoff that ends as its caller cancels (both ready in one
 * main loop iteration) ends once: it returned twice, a critical the
 * window's cover fetches met when a window closed. */
static void
test_sleep_cancel_race (void)
{
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      guint ended = 0;

      _trawl_sleep_async (0, cancellable, slept_cb, &ended);
      g_cancellable_cancel (cancellable);
      TRAWL_WAIT_UNTIL (ended == 1);
      /* Nothing else comes. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpuint (ended, ==, 1);
    }
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/policy/backoff", test_backoff);
  g_test_add_func ("/policy/sleep-cancel-race", test_sleep_cancel_race);
  g_test_add_func ("/policy/retry-after", test_retry_after);
  g_test_add_func ("/policy/classification", test_classification);
  g_test_add_func ("/policy/too-slow", test_too_slow);
  g_test_add_func ("/policy/token-bucket", test_token_bucket);
  g_test_add_func ("/policy/paths", test_paths);
  g_test_add_func ("/policy/same-titles", test_same_titles);
  g_test_add_func ("/policy/save-delay", test_save_delay);

  return g_test_run ();
}
