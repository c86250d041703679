#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "trawl-board-server.h"
#include "trawl-client.h"
#include "trawl-error.h"
#include "trawl-hls-private.h"
#include "trawl-part-private.h"
#include "trawl-queue.h"
#include "trawl-test-utils.h"

/* HLS end to end: the board server's streams (made from real H.264/AAC,
 * tests/fixtures/hls) downloaded by the queue, compared byte for byte
 * with the decrypted segments joined, and checked by GStreamer's
 * discoverer where it is installed. The parser on its own first. */

typedef struct
{
  TrawlBoardServer *server;
  TrawlQueue       *queue;
  char             *dir;
  char             *base;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fixtures = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", NULL);

  f->server = trawl_board_server_new ();
  g_assert_true (trawl_board_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  g_assert_true (trawl_board_server_set_hls (f->server, fixtures, &error));
  g_assert_no_error (error);
  f->base = trawl_board_server_get_base_url (f->server);
  f->dir = trawl_test_make_tmpdir ();
  f->queue = trawl_test_new_queue ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->queue != NULL)
    trawl_test_drop_queue (&f->queue);
  g_clear_object (&f->server);
  trawl_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->base);
}

static void
note_cb (TrawlItem  *item,
         const char *note,
         GString    *notes)
{
  g_string_append_printf (notes, "%s\n", note);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GString    *notes)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (model, i);

      g_signal_connect (item, "note", G_CALLBACK (note_cb), notes);
    }
}

static TrawlItem *
download (Fixture    *f,
          const char *path)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlItem) item = NULL;

  trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 1 &&
                    !trawl_queue_is_busy (f->queue));
  item = g_list_model_get_item (G_LIST_MODEL (f->queue), 0);
  return item;  /* the queue keeps it alive */
}

static void
assert_file (const char *path,
             GBytes     *expected)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, g_bytes_get_size (expected));
  g_assert_true (memcmp (contents, g_bytes_get_data (expected, NULL), length) == 0);
}

/* The joined file plays: GStreamer finds its streams and its length. */
static void
assert_plays (const char *path,
              double      seconds)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { g_getenv ("TRAWL_GST_DISCOVERER"), path, NULL };
  const char *duration;
  guint hours, minutes;
  double secs;
  int status;

  g_assert_nonnull (argv[0]);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "video #"));
  g_assert_nonnull (strstr (out, "audio #"));
  duration = strstr (out, "Duration: ");
  g_assert_nonnull (duration);
  g_assert_cmpint (sscanf (duration, "Duration: %u:%u:%lf", &hours, &minutes, &secs), ==, 3);
  g_assert_cmpfloat_with_epsilon (hours * 3600 + minutes * 60 + secs, seconds, 0.1);
}

static void
test_kind (Fixture    *f,
           const char *kind,
           const char *extension)
{
  g_autofree char *path = g_strdup_printf ("/hls/%s/index.m3u8", kind);
  TrawlItem *item = download (f, path);
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (trawl_board_server_get_hls (f->server),
                                                           kind);

  g_assert_cmpstr (trawl_item_get_error (item), ==, NULL);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_true (g_str_has_suffix (trawl_item_get_path (item), extension));
  assert_file (trawl_item_get_path (item), expected);
  assert_plays (trawl_item_get_path (item), 3.0);
  g_assert_cmpint (trawl_item_get_total (item), ==, (gint64) g_bytes_get_size (expected));
}

static void
test_ts (Fixture *f, gconstpointer data)
{
  test_kind (f, "ts", ".ts");
}

static void
test_fmp4 (Fixture *f, gconstpointer data)
{
  test_kind (f, "fmp4", ".mp4");
}

/* Every part a byte range: the length is known from the playlist, and
 * shown while the download runs (slowed by the speed limit, which the
 * segments obey as a file does). */
static void
test_byte_ranges (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (trawl_board_server_get_hls (f->server),
                                                           "range");
  g_autofree char *url = g_strconcat (f->base, "/hls/range/index.m3u8", NULL);
  gint64 size = (gint64) g_bytes_get_size (expected);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlItem) item = NULL;

  g_object_set (trawl_queue_get_client (f->queue), "limit-rate", (guint64) 4 * 1024, NULL);
  trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 1);
  item = g_list_model_get_item (G_LIST_MODEL (f->queue), 0);
  TRAWL_WAIT_UNTIL (trawl_item_get_total (item) == size || trawl_item_is_finished (item));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DOWNLOADING);
  g_assert_cmpuint (trawl_item_get_bytes (item), <, (guint64) size);
  g_object_set (trawl_queue_get_client (f->queue), "limit-rate", (guint64) 0, NULL);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
  assert_plays (trawl_item_get_path (item), 3.0);
}

/* A section that changes mid-stream is written again before the
 * fragments that use it, and each is fetched once. */
static void
test_changing_map (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  TrawlItem *item = download (f, "/hls/maps/index.m3u8");
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (streams, "maps");

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "maps/init.mp4"), ==, 1);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "maps/init-b.mp4"), ==, 1);
}

/* Paused after two segments and resumed: on from the third. */
static void
test_pause_resume (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  g_autofree char *url = g_strconcat (f->base, "/hls/ts/index.m3u8", NULL);
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (streams, "ts");
  g_autofree char *part = g_build_filename (f->dir, "index.ts.part", NULL);
  g_autofree char *seg0 = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", "seg0.ts",
                                                 NULL);
  g_autofree char *seg1 = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", "seg1.ts",
                                                 NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlItem) item = NULL;

  trawl_hls_streams_hold_from (streams, 2);
  trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (trawl_test_file_size (part) ==
                    trawl_test_file_size (seg0) + trawl_test_file_size (seg1));
  item = g_list_model_get_item (G_LIST_MODEL (f->queue), 0);
  trawl_queue_pause (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);

  trawl_hls_streams_hold_from (streams, G_MAXUINT);
  trawl_queue_resume (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "ts/seg-0.ts"), ==, 1);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "ts/seg-1.ts"), ==, 1);
}

static void
test_aes (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);

  test_kind (f, "aes", ".ts");
  /* Each key fetched once, though two segments use the first. */
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "aes/key-a"), ==, 1);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "aes/key-b"), ==, 1);
}

/* Labelled text/plain: only the first bytes say it is a playlist. */
static void
test_sniffed (Fixture *f, gconstpointer data)
{
  TrawlItem *item = download (f, "/hls/ts/stream");
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (trawl_board_server_get_hls (f->server),
                                                           "ts");

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
}

static void
test_master (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  g_autoptr(GString) notes = g_string_new (NULL);
  gulong handler = g_signal_connect (f->queue, "items-changed", G_CALLBACK (items_changed_cb),
                                     notes);
  TrawlItem *item = download (f, "/hls/master/index.m3u8");
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (streams, "ts");

  g_signal_handler_disconnect (f->queue, handler);

  /* 640x480 keeps its sound apart: the 320x240 one with sound, said so. */
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "live/index.m3u8"), ==, 0);
  g_assert_nonnull (strstr (notes->str, "sound apart"));
}

static void
test_max_height (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  TrawlItem *item;
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (streams, "fmp4");

  g_object_set (trawl_queue_get_client (f->queue), "max-height", 200, NULL);
  item = download (f, "/hls/master/index.m3u8");
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_true (g_str_has_suffix (trawl_item_get_path (item), ".mp4"));
  assert_file (trawl_item_get_path (item), expected);
}

static void assert_refused (Fixture *f, const char *path, const char *reason);

static void
assert_refused (Fixture    *f,
                const char *path,
                const char *reason)
{
  TrawlItem *item = download (f, path);
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  if (strstr (trawl_item_get_error (item), reason) == NULL)
    g_error ("“%s” does not say “%s”", trawl_item_get_error (item), reason);
  /* One line, and nothing left behind. */
  g_assert_null (strchr (trawl_item_get_error (item), '\n'));
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (f->dir, name, NULL);

      g_assert_true (g_file_test (sub, G_FILE_TEST_IS_DIR));
    }
}

static void
test_live_refused (Fixture *f, gconstpointer data)
{
  assert_refused (f, "/hls/live/index.m3u8", "live stream");
}

static void
test_sample_aes_refused (Fixture *f, gconstpointer data)
{
  assert_refused (f, "/hls/sample-aes/index.m3u8", "SAMPLE-AES");
}

static void
test_audio_apart_refused (Fixture *f, gconstpointer data)
{
  assert_refused (f, "/hls/apart/index.m3u8", "separate track");
}

static void
test_retry_segment (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);

  trawl_hls_streams_set_fail_once (streams, TRUE);
  test_kind (f, "fmp4", ".mp4");
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "fmp4/frag-3.m4s"), ==, 2);
}

/* Fails with @reason in one line; what was written before stays in the
 * .part for a later run, nothing has the final name. */
static void
assert_failed_kept (Fixture    *f,
                    const char *path,
                    const char *reason)
{
  TrawlItem *item = download (f, path);

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  if (strstr (trawl_item_get_error (item), reason) == NULL)
    g_error ("“%s” does not say “%s”", trawl_item_get_error (item), reason);
  g_assert_null (strchr (trawl_item_get_error (item), '\n'));
  g_assert_false (g_file_test (trawl_item_get_path (item), G_FILE_TEST_EXISTS));
}

/* Parts that are not what they claim fail the video with the reason,
 * and nothing is left that looks done. */
static void
test_bad_segment_html (Fixture *f, gconstpointer data)
{
  assert_failed_kept (f, "/hls/html/index.m3u8", "Segment 2 of 3 is not a piece of the video");
}

static void
test_bad_segment_id3_text (Fixture *f, gconstpointer data)
{
  assert_failed_kept (f, "/hls/id3text/index.m3u8", "Segment 2 of 3 is not a piece of the video");
}

static void
test_bad_segment_cut (Fixture *f, gconstpointer data)
{
  assert_failed_kept (f, "/hls/cut/index.m3u8", "Segment 2 of 3 is not a piece of the video");
}

static void
test_range_lie (Fixture *f, gconstpointer data)
{
  assert_failed_kept (f, "/hls/range-lie/index.m3u8", "another part of the stream");
}

static void
test_file_uri (Fixture *f, gconstpointer data)
{
  assert_refused (f, "/hls/fileuri/index.m3u8", "will not fetch (file:///etc/passwd)");
}

/* A part sent without its length, cut where a TS packet ends (so that it
 * looks whole): confirmed as a file's end is, refetched when short. From
 * a server without ranges: read again, the lengths compared. */
static void
test_no_length (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);

  test_kind (f, "nolength", ".ts");
  /* Cut, read again (disagrees), then whole and whole again. */
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "nolength/seg-1.ts"), ==, 4);
}

/* From a server with ranges: a range past the end must be refused with
 * the length read, which the cut first answer is not. */
static void
test_no_length_range (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);

  test_kind (f, "nolength-range", ".ts");
  /* Cut (the range past it brings data), then whole (the range past it
   * is refused). */
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "nolength-range/seg-1.ts"), ==, 4);
}

/* A playlist that starts with a byte-order mark is read as any other. */
static void
test_bom (Fixture *f, gconstpointer data)
{
  TrawlItem *item = download (f, "/hls/bom/index.m3u8");
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (trawl_board_server_get_hls (f->server),
                                                           "ts");

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  assert_file (trawl_item_get_path (item), expected);
}

/* A segment that drips a byte now and then is retried like a stalled
 * one, never waited on for ever. */
static void
test_drip (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);

  g_object_set (trawl_queue_get_client (f->queue), "timeout", 1, NULL);
  test_kind (f, "drip", ".ts");
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "drip/seg-1.ts"), ==, 2);
}

/* A .part that is a link is never written through: another name. */
static void
test_part_is_link (Fixture *f, gconstpointer data)
{
  g_autofree char *link = g_build_filename (f->dir, "index.ts.part", NULL);
  g_autofree char *target = g_build_filename (f->dir, "target", NULL);
  TrawlItem *item;

  g_assert_cmpint (symlink (target, link), ==, 0);
  item = download (f, "/hls/ts/index.m3u8");
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_true (g_str_has_suffix (trawl_item_get_path (item), "index (2).ts"));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

/* Downloaded again with no archive (or after the archive was lost): the
 * finished file is found done, nothing is fetched, no " (2)". */
static void
test_found_finished (Fixture *f, gconstpointer data)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  TrawlItem *item = download (f, "/hls/fmp4/index.m3u8");
  g_autofree char *first = g_strdup (trawl_item_get_path (item));

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  trawl_test_drop_queue (&f->queue);
  f->queue = trawl_test_new_queue ();
  trawl_hls_streams_reset_requests (streams);
  item = download (f, "/hls/fmp4/index.m3u8");
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpstr (trawl_item_get_path (item), ==, first);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "fmp4/frag-1.m4s"), ==, 0);
}

/* Segments come several at a time, but never more to one host than the
 * per-host limit allows (counted by the server). */
static void
test_per_host (Fixture *f, gconstpointer data)
{
  g_object_set (trawl_queue_get_client (f->queue), "per-host", 2, "split", 8, NULL);
  trawl_board_server_reset_counters (f->server);
  test_kind (f, "fmp4", ".mp4");
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), <=, 2);
}

/* From a board page whose players load the streams (generic extractor). */
static void
test_board (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strconcat (f->base, "/hls/board", NULL);
  g_autoptr(GError) error = NULL;

  trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 5 &&
                    !trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 5);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

typedef enum
{
  SAME,      /* the same playlist */
  TOKEN,     /* segment addresses signed anew, the same segments */
  CHANGED,   /* another version of the stream */
  SHORTENED, /* the .part cut shorter than its record says */
} SecondRun;

/* How many whole segments the .part's record says it holds. */
static guint
recorded_segments (const char *part)
{
  TrawlPartIdentity identity = { 0 };
  guint64 segments = 0;
  int fd = open (part, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return 0;
  if (_trawl_part_read_identity (fd, part, &identity) && identity.holes != NULL)
    {
      g_autofree char *count = g_strndup (identity.holes, strcspn (identity.holes, ":"));

      g_ascii_string_to_unsigned (count, 10, 0, G_MAXUINT, &segments, NULL);
    }
  _trawl_part_identity_clear (&identity);
  close (fd);
  return (guint) segments;
}

/* kill -9 after two segments, then a second run with the playlist as
 * @second says; the file is right either way. */
static void
kill_and_rerun (Fixture   *f,
                SecondRun  second)
{
  TrawlHlsStreams *streams = trawl_board_server_get_hls (f->server);
  g_autofree char *url = g_strconcat (f->base, "/hls/ts/index.m3u8", NULL);
  g_autoptr(GBytes) expected = trawl_hls_streams_expected (streams, "ts");
  g_autofree char *part = NULL;
  g_autofree char *file = NULL;
  g_autofree char *seg0 = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", "seg0.ts",
                                                 NULL);
  g_autofree char *seg1 = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", "seg1.ts",
                                                 NULL);
  gint64 two = trawl_test_file_size (seg0) + trawl_test_file_size (seg1);
  const char *argv[] = { g_getenv ("TRAWL_CLI"), "-q", "--no-archive", "-o", f->dir, url, NULL };
  g_autoptr(GSubprocess) cli = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  guint again = second == CHANGED || second == SHORTENED ? 1 : 0;

  trawl_test_drop_queue (&f->queue);
  trawl_hls_streams_hold_from (streams, 2);
  cli = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  file = g_build_filename (f->dir, "index.ts", NULL);
  part = g_strconcat (file, ".part", NULL);
  /* Killed once the .part's own record counts the two segments: their
   * bytes land first, and a kill between the two rightly fetches the
   * second again (seen in a fresh Debian 12 chroot under LSan). */
  TRAWL_WAIT_UNTIL (trawl_test_file_size (part) == two && recorded_segments (part) == 2);
  g_subprocess_send_signal (cli, SIGKILL);
  g_subprocess_wait (cli, NULL, NULL);

  if (second == SHORTENED)
    g_assert_cmpint (truncate (part, 1000), ==, 0);
  trawl_hls_streams_hold_from (streams, G_MAXUINT);
  trawl_hls_streams_reset_requests (streams);
  trawl_hls_streams_set_token (streams, second == TOKEN ? 42 : 0);
  trawl_hls_streams_set_changed (streams, second == CHANGED);
  g_clear_object (&cli);
  cli = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  /* The server answers from this main loop: wait without blocking it. */
  g_subprocess_wait_check_async (cli, NULL, wait_cb, &result);
  TRAWL_WAIT_UNTIL (result != NULL);
  g_subprocess_wait_check_finish (cli, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  assert_file (file, expected);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "ts/seg-0.ts"), ==, again);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "ts/seg-1.ts"), ==, again);
  g_assert_cmpuint (trawl_hls_streams_get_requests (streams, "ts/seg-2.ts"), ==, 1);
}

/* The next run fetches only the third segment. */
static void
test_resume_after_kill (Fixture *f, gconstpointer data)
{
  kill_and_rerun (f, SAME);
}

/* A CDN that signs segment addresses anew each time is the same stream. */
static void
test_resume_new_tokens (Fixture *f, gconstpointer data)
{
  kill_and_rerun (f, TOKEN);
}

/* A .part shorter than its record (cut by hand, or a file system that
 * lost its end) is not trusted: over from the first segment, never a
 * file with a hole of zeros. */
static void
test_resume_shortened (Fixture *f, gconstpointer data)
{
  kill_and_rerun (f, SHORTENED);
}

/* Another version of the stream: over from the first segment. */
static void
test_changed_playlist (Fixture *f, gconstpointer data)
{
  kill_and_rerun (f, CHANGED);
}

/* ---- The parser on its own ---- */

static void
test_parse_media (void)
{
  static const char text[] =
    "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n"
    "#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"100@0\"\n"
    "#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x0000000000000000000000000000000A\n"
    "#EXTINF:2.5,\n#EXT-X-BYTERANGE:50@100\nall.mp4\n"
    "#EXT-X-DISCONTINUITY\n"
    "#EXTINF:2.5,\n#EXT-X-BYTERANGE:60\nall.mp4\n"
    "#EXT-X-KEY:METHOD=NONE\n"
    "#EXTINF:1,\nhttp://other.example/x.ts\n#EXT-X-ENDLIST\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlHlsPlaylist) list = _trawl_hls_parse (text, strlen (text),
                                                       "http://example.org/v/p.m3u8", &error);
  const TrawlHlsSegment *s;

  g_assert_no_error (error);
  g_assert_false (list->master);
  g_assert_true (list->ended);
  g_assert_cmpuint (list->segments->len, ==, 3);
  g_assert_cmpfloat_with_epsilon (list->duration, 6.0, 0.001);
  s = &g_array_index (list->segments, TrawlHlsSegment, 0);
  g_assert_cmpstr (s->url, ==, "http://example.org/v/all.mp4");
  g_assert_cmpint (s->offset, ==, 100);
  g_assert_cmpint (s->length, ==, 50);
  g_assert_cmpint (s->key, ==, 0);
  g_assert_cmpint (s->map, ==, 0);
  g_assert_cmpuint (s->sequence, ==, 7);
  s = &g_array_index (list->segments, TrawlHlsSegment, 1);
  g_assert_cmpint (s->offset, ==, 150);  /* follows the last range */
  g_assert_cmpint (s->length, ==, 60);
  s = &g_array_index (list->segments, TrawlHlsSegment, 2);
  g_assert_cmpint (s->key, ==, -1);
  g_assert_cmpint (s->offset, ==, -1);
  g_assert_cmpstr (s->url, ==, "http://other.example/x.ts");
  g_assert_true (g_array_index (list->keys, TrawlHlsKey, 0).has_iv);
  g_assert_cmpuint (g_array_index (list->keys, TrawlHlsKey, 0).iv[15], ==, 10);
  g_assert_cmpint (g_array_index (list->maps, TrawlHlsMap, 0).length, ==, 100);
}

static void
test_parse_refusals (void)
{
  static const struct { const char *text; const char *reason; } cases[] = {
    { "<html>", "not an HLS playlist" },
    { "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:1,\na.ts\n", "SAMPLE-AES" },
    { "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",KEYFORMAT=\"com.apple.streamingkeydelivery\""
      "\n#EXTINF:1,\na.ts\n", "streamingkeydelivery" },
    { "#EXTM3U\n#EXT-X-BYTERANGE:100\na.ts\n", "byte range" },
    { "#EXTM3U\n#EXT-X-ENDLIST\n", "nothing to download" },
    { "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x12\n", "IV" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlHlsPlaylist) list = _trawl_hls_parse (cases[i].text, strlen (cases[i].text),
                                                           "http://example.org/p.m3u8", &error);

      g_assert_null (list);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_STREAM);
      g_assert_nonnull (strstr (error->message, cases[i].reason));
    }
}

static void
test_parse_variants (void)
{
  static const char text[] =
    "\xEF\xBB\xBF#EXTM3U\r\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=5000000,AVERAGE-BANDWIDTH=1000000,RESOLUTION=1920x1080\r\n"
    "hd.m3u8\r\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"\r\n"
    "mid.m3u8\r\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f\"\r\n"
    "silent.m3u8\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlHlsPlaylist) list = _trawl_hls_parse (text, strlen (text),
                                                       "https://cdn.example/a/b.m3u8", &error);
  const TrawlHlsVariant *chosen;
  g_autofree char *note = NULL;

  g_assert_no_error (error);
  g_assert_true (list->master);
  g_assert_cmpuint (list->variants->len, ==, 3);
  /* AVERAGE-BANDWIDTH counts: 2 Mbit/s beats 1 Mbit/s on average. */
  chosen = _trawl_hls_choose_variant (list, 0, &note, &error);
  g_assert_cmpstr (chosen->url, ==, "https://cdn.example/a/mid.m3u8");
  /* The silent one (video codec only) was better, but has no sound. */
  g_assert_nonnull (note);
  chosen = _trawl_hls_choose_variant (list, 480, NULL, &error);
  g_assert_cmpstr (chosen->url, ==, "https://cdn.example/a/mid.m3u8");
  g_assert_true (_trawl_hls_looks_like ((const guint8 *) text, strlen (text)));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/hls/parse/media", test_parse_media);
  g_test_add_func ("/hls/parse/refusals", test_parse_refusals);
  g_test_add_func ("/hls/parse/variants", test_parse_variants);
  ADD ("/hls/ts", test_ts);
  ADD ("/hls/fmp4", test_fmp4);
  ADD ("/hls/byte-ranges", test_byte_ranges);
  ADD ("/hls/aes-128", test_aes);
  ADD ("/hls/changing-map", test_changing_map);
  ADD ("/hls/pause-resume", test_pause_resume);
  ADD ("/hls/sniffed", test_sniffed);
  ADD ("/hls/master", test_master);
  ADD ("/hls/max-height", test_max_height);
  ADD ("/hls/refused/live", test_live_refused);
  ADD ("/hls/refused/sample-aes", test_sample_aes_refused);
  ADD ("/hls/refused/audio-apart", test_audio_apart_refused);
  ADD ("/hls/retry-segment", test_retry_segment);
  ADD ("/hls/board", test_board);
  ADD ("/hls/per-host", test_per_host);
  ADD ("/hls/bad-segment/html", test_bad_segment_html);
  ADD ("/hls/bad-segment/cut", test_bad_segment_cut);
  ADD ("/hls/bad-segment/id3-text", test_bad_segment_id3_text);
  ADD ("/hls/bad-segment/range-lie", test_range_lie);
  ADD ("/hls/bad-segment/file-uri", test_file_uri);
  ADD ("/hls/bom", test_bom);
  ADD ("/hls/no-length", test_no_length);
  ADD ("/hls/no-length-range", test_no_length_range);
  ADD ("/hls/drip", test_drip);
  ADD ("/hls/resume-after-kill", test_resume_after_kill);
  ADD ("/hls/resume-new-tokens", test_resume_new_tokens);
  ADD ("/hls/changed-playlist", test_changed_playlist);
  ADD ("/hls/resume-shortened", test_resume_shortened);
  ADD ("/hls/part-is-link", test_part_is_link);
  ADD ("/hls/found-finished", test_found_finished);

  return g_test_run ();
}
