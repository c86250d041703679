#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trawl-board-server.h"
#include "trawl-client-private.h"
#include "trawl-part-private.h"
#include "trawl-queue.h"
#include "trawl-test-utils.h"

/* One video over several connections, against the board server with a
 * per-connection rate (as CDNs throttle): the connections it opens are
 * counted by the server, never timed; every file is checked byte for byte;
 * servers that refuse a second connection must not make a download fail;
 * and a split download stopped or killed resumes each range where it
 * stopped. */

#define MiB (1024 * 1024)
#define SIZE (16 * MiB)
/* Slow enough per connection that a download is still running when its
 * first connection has shown it can be split. */
#define RATE (8 * MiB)
/* A resumed download fetches its holes again and at most this much more:
 * 64 KiB before each to compare, and what a server sent past the end of a
 * range another connection took over before it saw the connection close. */
#define SLACK (2 * MiB)
/* The same after a kill, when the second run, at full speed, splits the
 * holes again and again: each range another connection takes over has
 * had the server write ahead into the socket buffers (megabytes on
 * loopback). Seen 2.1 MiB under LeakSanitizer. The file is killed with
 * more than this and 2 MiB on disk, so a run that fetched it all again
 * still fails. */
#define KILL_SLACK (4 * MiB)

typedef struct
{
  TrawlBoardServer *server;
  TrawlQueue       *queue;
  char             *dir;
  char             *url;
} Fixture;

static TrawlQueue *
new_queue (guint per_host,
           guint jobs)
{
  TrawlQueue *queue = trawl_test_new_queue ();

  g_object_set (trawl_queue_get_client (queue), "per-host", per_host, "split", 8,
                "min-split-size", (guint64) MiB, NULL);
  g_object_set (queue, "jobs", jobs, NULL);
  return queue;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = trawl_board_server_new ();
  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, SIZE);
  trawl_board_server_set_video_rate (f->server, RATE);
  g_assert_true (trawl_board_server_start (f->server, 0, &error));
  f->url = trawl_board_server_get_url (f->server);
  f->dir = trawl_test_make_tmpdir ();
  f->queue = new_queue (4, 4);
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
  g_free (f->url);
}

static void
add (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  trawl_queue_add_board (f->queue, f->url, "pearvideo", f->dir, &error);
  g_assert_no_error (error);
}

static void
assert_done (Fixture *f,
             guint    index)
{
  TrawlItem *item = trawl_test_item (f->queue, index);

  g_assert_cmpstr (trawl_item_get_error (item), ==, NULL);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  trawl_test_assert_video (trawl_item_get_path (item), trawl_board_server_item_id (index),
                           trawl_test_file_size (trawl_item_get_path (item)));
  g_assert_cmpint (trawl_test_file_size (trawl_item_get_path (item)), ==,
                   trawl_item_get_total (item));
}

/* Tracks the most connections an item said it used. */
static void
connections_cb (TrawlItem  *item,
                GParamSpec *pspec,
                guint      *most)
{
  *most = MAX (*most, trawl_item_get_connections (item));
}

/* Downloads the board; returns the most connections its first video
 * said it used. */
static guint
run_counting_connections (Fixture *f)
{
  guint most = 0;

  add (f);
  TRAWL_WAIT_UNTIL (trawl_test_find_item (f->queue, 0) != NULL);
  g_signal_connect (trawl_test_find_item (f->queue, 0), "notify::connections",
                    G_CALLBACK (connections_cb), &most);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
  return most;
}

static void
test_connections (Fixture       *f,
                  gconstpointer  data)
{
  guint most = run_counting_connections (f);
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);

  g_assert_cmpint (trawl_item_get_total (trawl_test_item (f->queue, 0)), ==, SIZE);
  /* Split, within the per-host limit: the list and detail pages are done,
   * so the video may have every connection. */
  g_assert_cmpuint (trawl_board_server_get_max_streams_per_video (f->server), >=, 3);
  g_assert_cmpuint (trawl_board_server_get_max_streams_per_video (f->server), <=, 4);
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), <=, 4);
  g_assert_cmpuint (most, >=, 3);
  g_assert_cmpuint (most, <=, 4);
  g_assert_cmpuint (trawl_item_get_connections (trawl_test_item (f->queue, 0)), ==, 0);
  /* Nothing was fetched twice but the ends a connection stopped at. */
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <, SIZE + 4 * MiB);
  /* ... and the host is known to throttle each connection. */
  g_assert_true (_trawl_client_get_host_throttles (trawl_queue_get_client (f->queue), uri));
}

/* A server that sends the first megabyte of each answer at once and only
 * then throttles it (as nginx's limit_rate does): the connection is split
 * once it slows down, also while its read waits for the server's next
 * chunk. */
static void
test_burst (Fixture       *f,
            gconstpointer  data)
{
  g_object_set (trawl_queue_get_client (f->queue), "min-split-size", (guint64) 256 * 1024,
                NULL);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_burst (f->server, MiB);
  trawl_board_server_set_video_rate (f->server, 256 * 1024);

  /* Counted by the client: each new connection's range comes at once. */
  g_assert_cmpuint (run_counting_connections (f), >=, 3);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), >=, 2);
}

/* The user's own speed limit makes every connection slow: that is no
 * reason to open more, unless the host was found throttling each
 * connection before (@data): then its next video is split at once,
 * without first measuring its connection. */
static void
test_own_limit (Fixture       *f,
                gconstpointer  data)
{
  gboolean known = GPOINTER_TO_INT (data);
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);
  TrawlClient *client = trawl_queue_get_client (f->queue);
  guint most;

  if (known)
    _trawl_client_set_host_throttles (client, uri);
  /* Slow enough that a read waits longer than a window for the limit
   * (found by a review: at 3 MiB/s and less the window after the wait
   * looked slow). */
  g_object_set (client, "limit-rate", (guint64) 2 * MiB, NULL);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, 0);
  /* Counted by the client: the server has written each answer into the
   * socket long before the client has read it. */
  most = run_counting_connections (f);
  if (known)
    {
      g_assert_cmpuint (most, >=, 3);
      g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), >=, 2);
    }
  else
    {
      g_assert_cmpuint (most, ==, 1);
      g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 0);
    }
}

/* Slow connections: bytes arrive a chunk at a time, a read waits long
 * enough for the flush timer to write what came before it (into the
 * buffer the read is not filling). */
static void
test_slow_connections (Fixture       *f,
                       gconstpointer  data)
{
  g_object_set (trawl_queue_get_client (f->queue), "min-split-size", (guint64) 256 * 1024,
                NULL);
  trawl_board_server_set_video_size (f->server, 2 * MiB);
  trawl_board_server_set_video_rate (f->server, 256 * 1024);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  assert_done (f, 0);
  g_assert_cmpuint (trawl_board_server_get_max_streams_per_video (f->server), >=, 3);
}

static void
test_split_off (Fixture       *f,
                gconstpointer  data)
{
  g_object_set (trawl_queue_get_client (f->queue), "split", 1, NULL);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  assert_done (f, 0);
  g_assert_cmpuint (trawl_board_server_get_max_streams_per_video (f->server), ==, 1);
}

/* Many videos, few connections: pages, videos and their segments
 * together never exceed the per-host limit, and spare connections still
 * go to splitting. */
static void
test_per_host_bound (Fixture       *f,
                     gconstpointer  data)
{
  trawl_test_drop_queue (&f->queue);
  f->queue = new_queue (3, 2);
  trawl_board_server_set_items (f->server, 5);
  trawl_board_server_set_video_size (f->server, 6 * MiB);
  trawl_board_server_set_latency (f->server, 20);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  for (guint i = 0; i < 5; i++)
    assert_done (f, i);
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), <=, 3);
  g_assert_cmpuint (trawl_board_server_get_max_streams_per_video (f->server), >=, 2);
}

typedef struct
{
  TrawlParallel parallel;
  guint         status;
  guint         linger_ms;  /* see trawl_board_server_set_close_linger() */
} Refusal;

static const Refusal refuse_403 = { TRAWL_PARALLEL_REFUSE, 403 };
static const Refusal refuse_429 = { TRAWL_PARALLEL_REFUSE, 429 };
static const Refusal refuse_503 = { TRAWL_PARALLEL_REFUSE, 503 };
/* Any other error for a range while the first connection is sending the
 * same file (found by a review: 404 failed the video, and crashed). */
static const Refusal refuse_404 = { TRAWL_PARALLEL_REFUSE, 404 };
static const Refusal refuse_500 = { TRAWL_PARALLEL_REFUSE, 500 };
/* The same from a server that notices a closed connection late: once the
 * host is down to one connection, the next range must not be asked for
 * while the last one is still closing (found by a review: the 404 came
 * back alone and failed the video). */
static const Refusal refuse_403_late_close = { TRAWL_PARALLEL_REFUSE, 403, 100 };
static const Refusal refuse_404_late_close = { TRAWL_PARALLEL_REFUSE, 404, 100 };
static const Refusal ignore_range = { TRAWL_PARALLEL_IGNORE, 0 };
static const Refusal drop_connection = { TRAWL_PARALLEL_DROP, 0 };

/* A server that will not send a video over two connections: the download
 * finishes on one, the host gets fewer from then on, and the next video
 * from it is not split at all. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  const Refusal *refusal = data;
  guint refused;

  trawl_test_drop_queue (&f->queue);
  f->queue = new_queue (4, 1);
  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, 8 * MiB);
  trawl_board_server_set_parallel (f->server, refusal->parallel, refusal->status);
  trawl_board_server_set_close_linger (f->server, refusal->linger_ms);
  add (f);
  TRAWL_WAIT_UNTIL (trawl_test_find_item (f->queue, 0) != NULL &&
                    (trawl_item_get_state (trawl_test_find_item (f->queue, 0)) ==
                     TRAWL_ITEM_DONE ||
                     trawl_item_get_state (trawl_test_find_item (f->queue, 0)) ==
                     TRAWL_ITEM_FAILED));
  assert_done (f, 0);
  refused = trawl_board_server_get_parallel_refused (f->server);
  g_assert_cmpuint (refused, >=, 1);
  /* At most the first burst (three connections beside the first; libsoup
   * tries a request again once when a connection it reused is closed):
   * once refused, the host is asked for fewer. */
  g_assert_cmpuint (refused, <=, 6);
  assert_done (f, 0);
  g_assert_cmpuint (trawl_item_get_tries (trawl_test_item (f->queue, 0)), <=, 1);

  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 1);
  g_assert_cmpuint (trawl_board_server_get_parallel_refused (f->server), ==, refused);
}

/* A host that refused is remembered in the queue's state: the next run
 * asks it for one connection per video. */
static void
test_refusal_remembered (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);

  trawl_board_server_set_parallel (f->server, TRAWL_PARALLEL_REFUSE, 503);
  trawl_queue_set_state_file (f->queue, state);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
  g_assert_cmpuint (_trawl_client_get_host_split (trawl_queue_get_client (f->queue), uri), <, 4);
  g_assert_true (trawl_queue_save (f->queue, &error));
  g_assert_no_error (error);
  trawl_test_drop_queue (&f->queue);

  f->queue = new_queue (4, 4);
  g_assert_cmpuint (_trawl_client_get_host_split (trawl_queue_get_client (f->queue), uri), ==, 8);
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_trawl_client_get_host_split (trawl_queue_get_client (f->queue), uri), <, 4);
}

/* Servers whose second connection does not agree with the first: the
 * download ends, right, on one connection, after a bounded number of
 * restarts (found by a review: an ETag per connection restarted it for
 * ever, another file's bytes under the same ETag made a spliced file
 * "done", a dripping second connection was retried for ever). */
static const Refusal other_etag = { TRAWL_PARALLEL_OTHER_ETAG, 0 };
static const Refusal other_bytes = { TRAWL_PARALLEL_OTHER_BYTES, 0 };
static const Refusal drip = { TRAWL_PARALLEL_DRIP, 0 };
/* Each extra connection reset after 100,000 bytes (found by a review: the
 * tries ran out at once, and stopping the other connections used the
 * download after it was freed). */
static const Refusal cut = { TRAWL_PARALLEL_CUT, 0 };

static void
test_disagreeing (Fixture       *f,
                  gconstpointer  data)
{
  const Refusal *refusal = data;
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);

  g_object_set (trawl_queue_get_client (f->queue), "timeout", 2, NULL);
  trawl_board_server_set_parallel (f->server, refusal->parallel, 0);
  /* Dripping connections are taken over by the first one when it reaches
   * them; it steps the host down when they brought nothing for a second
   * (sooner, a connection may still be being made on a real network):
   * the first connection's range takes that long here. */
  if (refusal->parallel == TRAWL_PARALLEL_DRIP)
    trawl_board_server_set_video_rate (f->server, RATE / 4);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  assert_done (f, 0);
  g_assert_cmpuint (_trawl_client_get_host_split (trawl_queue_get_client (f->queue), uri), <, 4);
}

/* The ranges still missing, as the .part says. */
static char *
read_holes (const char *part)
{
  char buffer[4096];
  ssize_t n = getxattr (part, "user.trawl.holes", buffer, sizeof buffer - 1);

  if (n < 0)
    return NULL;
  buffer[n] = '\0';
  return g_strdup (buffer);
}

static guint64
missing_bytes (const char *holes)
{
  g_autoptr(GArray) ranges = _trawl_part_parse_holes (holes, SIZE, NULL);
  guint64 missing = 0;

  g_assert_nonnull (ranges);
  for (guint i = 0; i < ranges->len; i++)
    {
      TrawlRange *range = &g_array_index (ranges, TrawlRange, i);

      missing += range->end - range->start;
    }
  return missing;
}

/* Whether the holes are several (the seams after them aside). */
static gboolean
several_holes (const char *holes)
{
  const char *comma = strchr (holes, ',');

  return comma != NULL && comma < holes + strcspn (holes, ";");
}

/* Whether the .part of item 0 holds several ranges, and a good part of
 * the file. */
static gboolean
split_and_under_way (Fixture *f)
{
  TrawlItem *item = trawl_test_find_item (f->queue, 0);
  g_autofree char *part = NULL;
  g_autofree char *holes = NULL;

  if (item == NULL || trawl_item_get_path (item) == NULL)
    return FALSE;
  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);
  holes = read_holes (part);
  return holes != NULL && several_holes (holes) && missing_bytes (holes) < SIZE - 4 * MiB;
}

/* Starts the board and drops the queue once the video is split and well
 * under way (a pause: the holes are saved). Returns the video's path. */
static char *
stop_half_way (Fixture *f)
{
  char *path;

  add (f);
  TRAWL_WAIT_UNTIL (split_and_under_way (f));
  path = g_strdup (trawl_item_get_path (trawl_test_item (f->queue, 0)));
  trawl_test_drop_queue (&f->queue);
  return path;
}

/* Stopped half way (see stop_half_way()), then a new queue for the same
 * board, nothing added yet. */
static void
stop_half_way_then (Fixture *f)
{
  g_autofree char *path = stop_half_way (f);

  trawl_board_server_reset_counters (f->server);
  f->queue = new_queue (4, 4);
}

/* A new queue for the same board, as after a restart, run to its end. */
/* The disk fills while several connections write, each from its reading
 * thread: the video fails saying so and keeps what it has; with room
 * again, it ends byte-identical. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *small = g_build_filename (f->dir, "small", NULL);
  g_autofree char *filler = g_build_filename (small, "filler", NULL);
  g_autofree char *url = g_strdup (f->url);
  g_autofree char *zeros = g_malloc0 (MiB);
  guint most = 0;
  TrawlItem *item;

  g_mkdir_with_parents (small, 0755);
  if (!trawl_test_mount ("tmpfs", small, "size=24m"))
    return;

  trawl_queue_add_board (f->queue, url, "pearvideo", small, NULL);
  TRAWL_WAIT_UNTIL (trawl_test_find_item (f->queue, 0) != NULL);
  item = trawl_test_find_item (f->queue, 0);
  g_signal_connect (item, "notify::connections", G_CALLBACK (connections_cb), &most);
  /* Split and under way (the free space was checked at its start): the
   * disk fills. */
  TRAWL_WAIT_UNTIL (most >= 2 && trawl_item_get_bytes (item) >= 2 * MiB);
  {
    int fd = g_open (filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

    g_assert_cmpint (fd, >=, 0);
    while (write (fd, zeros, MiB) > 0)
      ;
    g_assert_cmpint (errno, ==, ENOSPC);
    close (fd);
  }
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  g_assert_nonnull (strstr (trawl_item_get_error (item), "No space left"));
  trawl_test_drop_queue (&f->queue);

  g_assert_cmpint (g_unlink (filler), ==, 0);
  f->queue = new_queue (4, 4);
  trawl_queue_add_board (f->queue, url, "pearvideo", small, NULL);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
  trawl_test_drop_queue (&f->queue);
  g_assert_true (trawl_test_run_quiet ((const char *[]) { "umount", small, NULL }));
}

static void
run_again (Fixture *f)
{
  trawl_board_server_reset_counters (f->server);
  f->queue = new_queue (4, 4);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
}

/* Paused half way (the queue dropped): the holes are saved, and a new
 * queue fetches only them, byte-identical in the end. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  g_autofree char *holes = NULL;
  guint64 missing;

  path = stop_half_way (f);
  part = g_strconcat (path, ".part", NULL);
  holes = read_holes (part);
  g_assert_nonnull (holes);
  missing = missing_bytes (holes);

  run_again (f);
  /* Each hole again, with 64 KiB before it to compare, and what the
   * server had sent past the end of a range another connection took
   * over: far less than the whole video. */
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, missing);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <=, missing + SLACK);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), >=, 2);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

/* Resumed at once against a server that allows one connection per
 * video and notices closed ones late: the first run's connections still
 * count there, so even the one range asked for alone is refused (with a
 * 404, which for a whole video would mean it is gone). Retried after a
 * pause (longer than the server's lateness, as the default second is
 * for nginx), it ends right. */
static void
test_resume_strict (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = NULL;

  trawl_board_server_set_close_linger (f->server, 100);
  path = stop_half_way (f);
  trawl_board_server_set_parallel (f->server, TRAWL_PARALLEL_REFUSE, 404);
  trawl_board_server_reset_counters (f->server);
  f->queue = new_queue (4, 4);
  g_object_set (trawl_queue_get_client (f->queue), "retry-delay", 200, NULL);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
  g_assert_cmpuint (trawl_board_server_get_parallel_refused (f->server), >=, 1);
}

/* The same on a file system without extended attributes: the holes live
 * in the sidecar, written whole. */
static void
test_resume_sidecar (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *holes = NULL;
  guint64 missing;

  _trawl_part_set_xattrs (FALSE);
  add (f);
  TRAWL_WAIT_UNTIL (trawl_test_find_item (f->queue, 0) != NULL &&
                    trawl_item_get_connections (trawl_test_find_item (f->queue, 0)) >= 2 &&
                    trawl_item_get_bytes (trawl_test_find_item (f->queue, 0)) > 4 * MiB);
  path = g_strdup (trawl_item_get_path (trawl_test_item (f->queue, 0)));
  trawl_test_drop_queue (&f->queue);
  sidecar = g_strconcat (path, ".part.trawl", NULL);
  g_assert_true (g_key_file_load_from_file (file, sidecar, 0, NULL));
  holes = g_key_file_get_string (file, "Part", "Holes", NULL);
  g_assert_nonnull (holes);
  missing = missing_bytes (holes);
  g_assert_cmpuint (missing, <, SIZE - 4 * MiB);

  run_again (f);
  _trawl_part_set_xattrs (TRUE);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <=, missing + SLACK);
  g_assert_false (g_file_test (sidecar, G_FILE_TEST_EXISTS));
}

/* The file changed on the server while the split download was stopped:
 * the resumed ranges see it (another ETag) and it starts over, whole. */
static void
test_changed (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = stop_half_way (f);

  trawl_board_server_set_version (f->server, 2);
  run_again (f);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, SIZE);
}

/* A split .part whose identity was lost (copied without its attributes,
 * its sidecar deleted) or cannot be read: it may be full of holes, so it
 * is fetched whole (found by a review: it was finished as if contiguous,
 * with zeros inside). */
static void
test_identity_lost (Fixture       *f,
                    gconstpointer  data)
{
  const char *attribute = data;
  g_autofree char *path = stop_half_way (f);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  if (g_str_equal (attribute, "user.trawl.size"))
    g_assert_cmpint (setxattr (part, attribute, "abc", 3, 0), ==, 0);
  else
    g_assert_cmpint (removexattr (part, attribute), ==, 0);
  run_again (f);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, SIZE);
}

/* Resumed against a server that no longer sends ranges (found by a
 * review: the download failed for good), or that caps each answer below
 * the 64 KiB compared before a range (the same request was sent for
 * ever). */
static void
test_resume_no_ranges (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = stop_half_way (f);

  trawl_board_server_set_range (f->server, FALSE);
  run_again (f);
}

static void
test_resume_capped (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = stop_half_way (f);

  trawl_board_server_set_answer_cap (f->server, 32 * 1024);
  trawl_board_server_set_video_rate (f->server, 0);
  run_again (f);
}

/* Holes that cannot be a list of ranges, or seams out of order or
 * outside the file: nothing in the .part is trusted, the video is
 * fetched whole. */
static void
test_garbage_holes (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  const char *garbage = data;

  path = stop_half_way (f);
  part = g_strconcat (path, ".part", NULL);
  g_assert_cmpint (setxattr (part, "user.trawl.holes", garbage, strlen (garbage), 0), ==, 0);

  run_again (f);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, SIZE);
}

/* Holes that say more is in the .part than its length holds (found by a
 * review: the comparison before the last hole was skipped, so zeros
 * past the end were taken for the video). */
static void
test_holes_past_end (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  g_autofree char *holes = g_strdup_printf ("%d-%d", SIZE - 1, SIZE);

  path = stop_half_way (f);
  part = g_strconcat (path, ".part", NULL);
  g_assert_cmpint (trawl_test_file_size (part), <, SIZE - 1);
  g_assert_cmpint (setxattr (part, "user.trawl.holes", holes, strlen (holes), 0), ==, 0);

  run_again (f);
}

/* A stale backend behind a balancer answers one extra connection with
 * another file's bytes (same length, same ETag), and fast: that range is
 * written whole, and the download stopped, before the seams between the
 * connections were compared. Resumed, every range agrees with the bytes
 * before it, so only that seam shows the splice (found by a review: the
 * spliced file was reported done). It ends right. */
static void
test_seam_after_pause (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = NULL;

  trawl_board_server_set_parallel (f->server, TRAWL_PARALLEL_OTHER_FIRST, 0);
  path = stop_half_way (f);
  trawl_board_server_set_parallel (f->server, TRAWL_PARALLEL_ALLOW, 0);
  run_again (f);
}

/* Every range written, one seam not yet compared (a run killed just
 * before it was): one request across it, and nothing more when both
 * sides are the server's file; the whole file again, on one connection,
 * when the bytes after it are another file's. */
static void
test_seam_only (Fixture       *f,
                gconstpointer  data)
{
  gboolean spliced = GPOINTER_TO_INT (data);
  guint id = trawl_board_server_item_id (0);
  g_autofree guint8 *bytes = g_malloc (SIZE);
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  g_autofree char *seams = g_strdup_printf (";%d", SIZE / 2);
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);
  int fd;

  path = stop_half_way (f);
  part = g_strconcat (path, ".part", NULL);
  trawl_board_server_fill (id, 0, bytes, SIZE / 2);
  trawl_board_server_fill (spliced ? id + 1 : id, SIZE / 2, bytes + SIZE / 2, SIZE / 2);
  /* Written in place: the .part keeps its attributes. */
  fd = g_open (part, O_WRONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, SIZE, 0), ==, SIZE);
  close (fd);
  g_assert_cmpint (setxattr (part, "user.trawl.holes", seams, strlen (seams), 0), ==, 0);

  run_again (f);
  if (spliced)
    {
      g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, SIZE);
      g_assert_cmpuint (_trawl_client_get_host_split (trawl_queue_get_client (f->queue), uri),
                        ==, 1);
    }
  else
    {
      /* The one request across the seam, nothing fetched again (the
       * bytes count what the first run's answers still sent too). */
      g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 1);
      g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <, MiB);
    }
}

/* Stops the board half way (see stop_half_way()); returns its video's
 * .part, and the holes it then says (@holes). */
static char *
stopped_part (Fixture  *f,
              char    **holes)
{
  g_autofree char *path = stop_half_way (f);
  char *part = g_strconcat (path, ".part", NULL);

  *holes = read_holes (part);
  return part;
}

/* The board added again, its video's .part (@part) stopped half way, to
 * a server the caller made fail it: the video fails with @why in its
 * reason, and the .part is as it was, holes and bytes. */
static void
fails_keeping_part (Fixture    *f,
                    const char *part,
                    const char *why)
{
  g_autofree char *holes = read_holes (part);
  g_autofree char *sum = trawl_test_file_sha256 (part);
  g_autofree char *holes_after = NULL;
  g_autofree char *sum_after = NULL;
  TrawlItem *item;

  f->queue = new_queue (4, 4);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  item = trawl_test_item (f->queue, 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  g_assert_nonnull (strstr (trawl_item_get_error (item), why));
  holes_after = read_holes (part);
  g_assert_cmpstr (holes_after, ==, holes);
  sum_after = trawl_test_file_sha256 (part);
  g_assert_cmpstr (sum_after, ==, sum);
  trawl_test_drop_queue (&f->queue);
}

/* The server right again: the video ends, fetching only its @holes. */
static void
finishes_holes_only (Fixture    *f,
                     const char *holes)
{
  trawl_board_server_clear_faults (f->server);
  run_again (f);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <=,
                    missing_bytes (holes) + SLACK);
}

/* Servers that send the whole file but break every range asked for
 * (refused with a status, a 206 without Content-Range or with the wrong
 * one, or cut after a third), met by a download being split, or by a
 * split download resumed (then no connection reads the whole file): it
 * ends right, never failing because of splitting (found by a review:
 * these failed after 15 to 21 s of tries).
 *
 * Extra connections answered with the range's headers and then silence,
 * with no timeout to end them: the first connection reads on through
 * the ranges they never brought, and the video ends, fetching nothing
 * twice (found by a review: it waited for three timeouts, 93 s, then
 * fetched it all again). The same when only every other one is silent,
 * also resumed (no first connection then): the others go on, and a
 * silent one's range goes to another connection (found by the next
 * review: 96 s). */
typedef struct
{
  TrawlRangeFault fault;
  guint           status;
  gboolean        resumed;
} BrokenRanges;

static void
test_broken_ranges (Fixture       *f,
                    gconstpointer  data)
{
  const BrokenRanges *broken = data;
  gboolean silent = broken->fault == TRAWL_RANGE_FAULT_SILENT ||
                    broken->fault == TRAWL_RANGE_FAULT_SILENT_ALTERNATE;

  if (broken->resumed)
    stop_half_way_then (f);
  if (silent)
    g_object_set (trawl_queue_get_client (f->queue), "timeout", 3600, NULL);
  trawl_board_server_set_range_fault (f->server, broken->fault, broken->status);
  add (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_done (f, 0);
  g_assert_cmpuint (trawl_board_server_get_range_faults (f->server), >=, 1);
  if (silent)
    g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <, SIZE + SLACK);
}

static const BrokenRanges ranges_429 = { TRAWL_RANGE_FAULT_STATUS, 429, FALSE };
static const BrokenRanges ranges_403 = { TRAWL_RANGE_FAULT_STATUS, 403, FALSE };
static const BrokenRanges ranges_no_content_range = { TRAWL_RANGE_FAULT_NO_CONTENT_RANGE, 0,
                                                     FALSE };
static const BrokenRanges ranges_wrong_start = { TRAWL_RANGE_FAULT_WRONG_START, 0, FALSE };
static const BrokenRanges ranges_cut = { TRAWL_RANGE_FAULT_CUT_THIRD, 0, FALSE };
static const BrokenRanges resumed_429 = { TRAWL_RANGE_FAULT_STATUS, 429, TRUE };
static const BrokenRanges resumed_404 = { TRAWL_RANGE_FAULT_STATUS, 404, TRUE };
static const BrokenRanges resumed_no_content_range = { TRAWL_RANGE_FAULT_NO_CONTENT_RANGE, 0,
                                                       TRUE };
static const BrokenRanges resumed_wrong_start = { TRAWL_RANGE_FAULT_WRONG_START, 0, TRUE };
static const BrokenRanges resumed_cut = { TRAWL_RANGE_FAULT_CUT_THIRD, 0, TRUE };
static const BrokenRanges ranges_silent = { TRAWL_RANGE_FAULT_SILENT, 0, FALSE };
static const BrokenRanges ranges_silent_alternate = { TRAWL_RANGE_FAULT_SILENT_ALTERNATE, 0,
                                                     FALSE };
static const BrokenRanges resumed_silent_alternate = { TRAWL_RANGE_FAULT_SILENT_ALTERNATE, 0,
                                                      TRUE };

/* The same server, resumed, failing the whole file too (it is down): the
 * video fails, but the .part is as it was, holes and all (it used to be
 * emptied before a start over was sent), and once the server is back
 * only the holes are fetched. */
static void
test_broken_ranges_then_down (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *holes = NULL;
  g_autofree char *part = stopped_part (f, &holes);

  trawl_board_server_set_range_fault (f->server, TRAWL_RANGE_FAULT_STATUS, 429);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STATUS, 503, 0);
  trawl_board_server_reset_counters (f->server);
  fails_keeping_part (f, part, "503");
  /* It did start over: a request from the start was sent. */
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), >,
                    trawl_board_server_get_range_faults (f->server));
  trawl_board_server_set_range_fault (f->server, TRAWL_RANGE_FAULT_NONE, 0);
  finishes_holes_only (f, holes);
}

/* Resumed against a server that answers with a web page (a 200, "down
 * for maintenance"): the video fails saying so, and the .part is as it
 * was (found by a review: it was emptied as soon as the 200 came, then
 * removed); once the server is back only the holes are fetched. */
static void
test_web_page_keeps_part (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *holes = NULL;
  g_autofree char *part = stopped_part (f, &holes);

  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_HTML, 0, 0);
  fails_keeping_part (f, part, "web page");
  finishes_holes_only (f, holes);
}

/* Resumed against a server that answers with the video's first 4 KiB
 * alone, under its own ETag (it contradicts itself): the video fails
 * saying so, the .part is kept as it was (found by a review: 12 bytes
 * replaced it and were reported done), and is finished once the server
 * is right. */
static void
test_short_same_tag (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *holes = NULL;
  g_autofree char *part = stopped_part (f, &holes);

  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_SHORT_SAME_TAG, 4096, 0);
  fails_keeping_part (f, part, "under the tag");
  finishes_holes_only (f, holes);
}

/* A gap punched into the .part where its holes say the bytes are (from
 * outside, or data lost in a crash): not trusted, fetched again (found by
 * a review: a punched 1 MiB was finished as zeros). */
static void
test_punched_gap (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *holes = NULL;
  g_autofree char *part = stopped_part (f, &holes);
  g_autoptr(GArray) ranges = _trawl_part_parse_holes (holes, SIZE, NULL);
  int fd = g_open (part, O_WRONLY | O_CLOEXEC, 0);

  /* Bytes the first connection wrote, away from the 64 KiB compared
   * before the first hole (which lies at 1.75 MiB under the sanitizers,
   * later without). */
  g_assert_cmpuint (g_array_index (ranges, TrawlRange, 0).start, >=, MiB / 2);
  g_assert_cmpint (fd, >=, 0);
  if (fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, MiB / 8, MiB / 4) != 0)
    {
      close (fd);
      g_test_skip ("The file system cannot punch holes");
      return;
    }
  close (fd);
  run_again (f);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, SIZE);
}

/* A .part longer than the file it says it holds (not written by Trawl):
 * not trusted, fetched again (found by a review: every run failed with
 * "The download ended early (40000000 of 25165824 bytes)"). */
static void
test_part_too_long (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = stop_half_way (f);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  g_assert_cmpint (truncate (part, SIZE + MiB), ==, 0);
  run_again (f);
}

typedef struct
{
  gboolean  done;
  int       status;
} Run;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  run->status = g_subprocess_get_if_exited (G_SUBPROCESS (object))
                  ? g_subprocess_get_exit_status (G_SUBPROCESS (object))
                  : 128 + g_subprocess_get_term_sig (G_SUBPROCESS (object));
  run->done = TRUE;
}

static GSubprocess *
spawn_cli (Fixture *f,
           Run     *run)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                              G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, g_getenv ("TRAWL_CLI"),
                              "-o", f->dir, "--no-archive", "--recipe", "pearvideo",
                              "--per-host", "4", "--min-split-size", "1M", f->url, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (process, NULL, wait_cb, run);
  return process;
}

/* Whether a .part in the folder has holes, several, and a good part of
 * the file; its path then. */
static char *
killable_part (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".part"))
      {
        g_autofree char *part = g_build_filename (f->dir, name, NULL);
        g_autofree char *holes = read_holes (part);

        if (holes != NULL && several_holes (holes) &&
            missing_bytes (holes) < SIZE - KILL_SLACK - 2 * MiB)
          return g_steal_pointer (&part);
      }
  return NULL;
}

/* trawl-cli killed while four connections write the .part: run again,
 * each range resumes where its bytes stop, and the file is the video.
 * With a stale backend that sent one connection another file (see
 * test_seam_after_pause()): the seam saved with the holes shows it, and
 * the file is the video all the same. */
static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  TrawlParallel parallel = GPOINTER_TO_INT (data);
  Run first = { 0 }, second = { 0 };
  g_autoptr(GSubprocess) one = NULL;
  g_autoptr(GSubprocess) two = NULL;
  g_autofree char *part = NULL;
  g_autofree char *holes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;
  guint64 missing;

  trawl_board_server_set_parallel (f->server, parallel, 0);
  one = spawn_cli (f, &first);
  TRAWL_WAIT_UNTIL ((part = killable_part (f)) != NULL || first.done);
  g_assert_false (first.done);
  g_subprocess_send_signal (one, SIGKILL);
  TRAWL_WAIT_UNTIL (first.done);
  g_assert_cmpint (first.status, ==, 128 + SIGKILL);
  holes = read_holes (part);
  missing = missing_bytes (holes);

  trawl_board_server_reset_counters (f->server);
  trawl_board_server_set_video_rate (f->server, 0);
  trawl_board_server_set_parallel (f->server, TRAWL_PARALLEL_ALLOW, 0);
  two = spawn_cli (f, &second);
  TRAWL_WAIT_UNTIL (second.done);
  g_assert_cmpint (second.status, ==, 0);

  path = g_strndup (part, strlen (part) - strlen (".part"));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  expected = trawl_board_server_checksum (trawl_board_server_item_id (0), SIZE);
  actual = trawl_test_file_sha256 (path);
  g_assert_cmpstr (actual, ==, expected);
  if (parallel == TRAWL_PARALLEL_ALLOW)
    {
      g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), >=, missing);
      g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <=, missing + KILL_SLACK);
    }
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/split/connections", test_connections, NULL);
  ADD ("/split/off", test_split_off, NULL);
  ADD ("/split/slow-connections", test_slow_connections, NULL);
  ADD ("/split/burst", test_burst, NULL);
  ADD ("/split/own-limit", test_own_limit, GINT_TO_POINTER (FALSE));
  ADD ("/split/own-limit/known-throttling-host", test_own_limit, GINT_TO_POINTER (TRUE));
  ADD ("/split/per-host-bound", test_per_host_bound, NULL);
  ADD ("/split/refused/403", test_refused, &refuse_403);
  ADD ("/split/refused/429", test_refused, &refuse_429);
  ADD ("/split/refused/503", test_refused, &refuse_503);
  ADD ("/split/refused/404", test_refused, &refuse_404);
  ADD ("/split/refused/500", test_refused, &refuse_500);
  ADD ("/split/refused/403/late-close", test_refused, &refuse_403_late_close);
  ADD ("/split/refused/404/late-close", test_refused, &refuse_404_late_close);
  ADD ("/split/broken-ranges/429", test_broken_ranges, &ranges_429);
  ADD ("/split/broken-ranges/403", test_broken_ranges, &ranges_403);
  ADD ("/split/broken-ranges/no-content-range", test_broken_ranges, &ranges_no_content_range);
  ADD ("/split/broken-ranges/wrong-start", test_broken_ranges, &ranges_wrong_start);
  ADD ("/split/broken-ranges/cut", test_broken_ranges, &ranges_cut);
  ADD ("/split/broken-ranges/resumed/429", test_broken_ranges, &resumed_429);
  ADD ("/split/broken-ranges/resumed/404", test_broken_ranges, &resumed_404);
  ADD ("/split/broken-ranges/resumed/no-content-range", test_broken_ranges,
       &resumed_no_content_range);
  ADD ("/split/broken-ranges/resumed/wrong-start", test_broken_ranges, &resumed_wrong_start);
  ADD ("/split/broken-ranges/resumed/cut", test_broken_ranges, &resumed_cut);
  ADD ("/split/broken-ranges/resumed/then-down", test_broken_ranges_then_down, NULL);
  ADD ("/split/broken-ranges/silent", test_broken_ranges, &ranges_silent);
  ADD ("/split/broken-ranges/silent/every-other", test_broken_ranges, &ranges_silent_alternate);
  ADD ("/split/broken-ranges/resumed/silent/every-other", test_broken_ranges,
       &resumed_silent_alternate);
  ADD ("/split/resume/web-page", test_web_page_keeps_part, NULL);
  ADD ("/split/seam-after-pause", test_seam_after_pause, NULL);
  ADD ("/split/seam-only", test_seam_only, GINT_TO_POINTER (FALSE));
  ADD ("/split/seam-only/spliced", test_seam_only, GINT_TO_POINTER (TRUE));
  ADD ("/split/refused/ignored-range", test_refused, &ignore_range);
  ADD ("/split/refused/dropped", test_refused, &drop_connection);
  ADD ("/split/disagreeing/other-etag", test_disagreeing, &other_etag);
  ADD ("/split/disagreeing/other-bytes", test_disagreeing, &other_bytes);
  ADD ("/split/disagreeing/drip", test_disagreeing, &drip);
  ADD ("/split/disagreeing/cut", test_disagreeing, &cut);
  ADD ("/split/refusal-remembered", test_refusal_remembered, NULL);
  ADD ("/split/resume", test_resume, NULL);
  ADD ("/split/resume-strict", test_resume_strict, NULL);
  ADD ("/split/resume-sidecar", test_resume_sidecar, NULL);
  ADD ("/split/changed", test_changed, NULL);
  ADD ("/split/garbage-holes", test_garbage_holes, "9-5,1-2,x");
  ADD ("/split/garbage-holes/seams-out-of-order", test_garbage_holes, "1-2;900,800");
  ADD ("/split/garbage-holes/seam-past-end", test_garbage_holes, ";1,16777216");
  ADD ("/split/garbage-holes/nothing", test_garbage_holes, ";");
  ADD ("/split/part-too-long", test_part_too_long, NULL);
  ADD ("/split/punched-gap", test_punched_gap, NULL);
  ADD ("/split/resume/short-same-tag", test_short_same_tag, NULL);
  ADD ("/split/holes-past-end", test_holes_past_end, NULL);
  ADD ("/split/identity-lost/source", test_identity_lost, "user.trawl.source");
  ADD ("/split/identity-lost/size", test_identity_lost, "user.trawl.size");
  ADD ("/split/identity-lost/holes", test_identity_lost, "user.trawl.holes");
  ADD ("/split/resume-no-ranges", test_resume_no_ranges, NULL);
  ADD ("/split/resume-capped", test_resume_capped, NULL);
  ADD ("/split/kill", test_kill, GINT_TO_POINTER (TRAWL_PARALLEL_ALLOW));
  ADD ("/split/kill/stale-backend", test_kill, GINT_TO_POINTER (TRAWL_PARALLEL_OTHER_FIRST));
  ADD ("/split/disk-full", test_disk_full, NULL);
#undef ADD

  return g_test_run ();
}
