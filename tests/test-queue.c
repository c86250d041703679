#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "trawl-board-server.h"
#include "trawl-error.h"
#include "trawl-queue-private.h"
#include "trawl-test-utils.h"

/* End to end: a real SoupServer on loopback, real files, the engine's own
 * main loop. Concurrency is read from the server's in-flight counts; every
 * wait runs the main loop until a condition holds. */

typedef struct
{
  TrawlBoardServer *server;
  TrawlQueue       *queue;
  char             *dir;
  char             *url;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = trawl_board_server_new ();
  g_assert_true (trawl_board_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  f->url = trawl_board_server_get_url (f->server);
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
  g_free (f->url);
}

static TrawlBoard *
add_board (Fixture    *f,
           TrawlQueue *queue)
{
  g_autoptr(GError) error = NULL;
  TrawlBoard *board = trawl_queue_add_board (queue, f->url, "pearvideo", f->dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (board);
  return board;
}

static TrawlItem *
item_at (TrawlQueue *queue,
         guint       position)
{
  g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (queue), position);

  g_assert_nonnull (item);
  return item;  /* the queue keeps it alive */
}

static guint
index_of (TrawlItem *item)
{
  guint64 id = g_ascii_strtoull (trawl_item_get_id (item), NULL, 10);

  return (guint) ((id - trawl_board_server_item_id (0)) / 7);
}

static void
assert_item_file (TrawlItem *item,
                  guint64    size)
{
  trawl_test_assert_video (trawl_item_get_path (item),
                           trawl_board_server_item_id (index_of (item)), size);
}

static void
assert_all_files (Fixture *f,
                  guint    expected_items,
                  guint64  size)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  guint files = 0;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, expected_items);

  for (guint i = 0; i < expected_items; i++)
    {
      TrawlItem *item = item_at (f->queue, i);
      guint index = index_of (item);
      g_autofree char *title = trawl_board_server_item_title (f->server, index);
      g_autofree char *name = g_path_get_basename (trawl_item_get_path (item));
      g_autofree char *expected_name = g_strconcat (title, ".mp4", NULL);

      g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
      g_assert_cmpstr (name, ==, expected_name);
      assert_item_file (item, size);
      g_assert_cmpuint (trawl_item_get_bytes (item), ==, size);
      g_assert_cmpint (trawl_item_get_total (item), ==, (gint64) size);
    }

  /* Nothing else in the folder: no stray .part files. */
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_assert_cmpuint (files, ==, expected_items);
}

static void
run_board (Fixture        *f,
           TrawlBoardForm  form)
{
  TrawlBoard *board;

  /* 50 items at 20 a page: three pages, then the empty answer. */
  trawl_board_server_set_form (f->server, form);
  trawl_board_server_set_page_size (f->server, 20);
  trawl_board_server_set_video_size (f->server, 200 * 1024);

  board = add_board (f, f->queue);
  g_assert_true (trawl_queue_is_busy (f->queue));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpint (trawl_board_get_state (board), ==, TRAWL_BOARD_DONE);
  g_assert_cmpuint (trawl_board_get_found (board), ==, 50);
  g_assert_cmpuint (trawl_board_get_pages (board), ==, 3);
  g_assert_cmpstr (trawl_board_get_title (board), ==, "财富_梨视频官网");
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_LIST), ==, 1);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_LOADING), ==, 3);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_DETAIL), ==, 50);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 50);
  assert_all_files (f, 50, 200 * 1024);
}

static void
test_classic (Fixture       *f,
              gconstpointer  data)
{
  run_board (f, TRAWL_BOARD_FORM_CLASSIC);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_API), ==, 0);
}

static void
test_api (Fixture       *f,
          gconstpointer  data)
{
  run_board (f, TRAWL_BOARD_FORM_API);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_API), ==, 50);
}

static void
test_mixed (Fixture       *f,
            gconstpointer  data)
{
  run_board (f, TRAWL_BOARD_FORM_MIXED);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_API), ==, 25);
}

/* Api-Header-… keys are optional: a recipe without any still resolves
 * (the detail page is the Referer anyway). */
static void
test_api_without_headers (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "recipes",
                                                 "pearvideo.recipe", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) edited = NULL;
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new ();
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  edited = g_string_new (text);
  g_assert_cmpuint (g_string_replace (edited, "Api-Header-Referer={page}\n", "", 0), ==, 1);
  recipe = trawl_recipe_new_from_data (edited->str, -1, "api.recipe", &error);
  g_assert_no_error (error);
  trawl_recipe_set_add (set, recipe);
  trawl_queue_set_recipes (f->queue, set);

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_form (f->server, TRAWL_BOARD_FORM_API);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 3);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_API), ==, 3);
}

static void
test_concurrency (Fixture       *f,
                  gconstpointer  data)
{
  g_object_set (f->queue, "jobs", 4, NULL);
  g_object_set (trawl_queue_get_client (f->queue), "per-host", 6, NULL);
  trawl_board_server_set_items (f->server, 30);
  trawl_board_server_hold_videos (f->server, TRUE);
  /* Each detail page stays in flight a moment, so that on a loaded machine
   * they do not all come and go before the videos are held. */
  trawl_board_server_set_latency (f->server, 20);

  add_board (f, f->queue);

  /* Video answers are held back, so the downloads pile up to the limit... */
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 4);
  /* ...and stay there while detail pages keep flowing on the other two
   * connections, until every item is resolved. */
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_QUEUED) == 26);
  g_assert_cmpuint (trawl_board_server_get_videos_in_flight (f->server), ==, 4);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DOWNLOADING), ==, 4);

  trawl_board_server_hold_videos (f->server, FALSE);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (trawl_board_server_get_max_videos_in_flight (f->server), ==, 4);
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), <=, 6);
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), >=, 5);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 30);
  g_assert_cmpuint (trawl_board_server_get_in_flight (f->server), ==, 0);
}

static void
test_per_host (Fixture       *f,
               gconstpointer  data)
{
  /* Fewer connections than jobs: the host limit wins. */
  g_object_set (f->queue, "jobs", 8, NULL);
  g_object_set (trawl_queue_get_client (f->queue), "per-host", 2, NULL);
  trawl_board_server_set_items (f->server, 20);
  trawl_board_server_hold_videos (f->server, TRUE);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 2);
  trawl_board_server_hold_videos (f->server, FALSE);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), ==, 2);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 20);
}

static void
test_resume_after_failure (Fixture       *f,
                           gconstpointer  data)
{
  TrawlItem *item;
  g_autofree char *part = NULL;
  guint64 served;

  /* One try only: the reset leaves a .part behind and the item fails. */
  g_object_set (trawl_queue_get_client (f->queue), "max-tries", 1, NULL);
  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_RESET, 300 * 1024, 1);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  item = trawl_test_item (f->queue, 1);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  g_assert_nonnull (trawl_item_get_error (item));
  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);
  g_assert_cmpint (trawl_test_file_size (part), >, 0);
  g_assert_cmpint (trawl_test_file_size (part), <=, 300 * 1024);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 2);

  /* Retrying continues from the .part with a Range request that fetches
   * its last 64 KiB again, to check they are the same file. */
  trawl_board_server_reset_counters (f->server);
  {
    gint64 had = trawl_test_file_size (part);

    trawl_queue_retry (f->queue, item);
    TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
    served = trawl_board_server_get_video_bytes (f->server);
    g_assert_cmpuint (served, ==, 1024 * 1024 - had + MIN (had, 64 * 1024));
  }

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  assert_item_file (item, 1024 * 1024);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static gboolean
part_has (TrawlItem *item,
          gint64     bytes)
{
  g_autofree char *part = NULL;

  if (trawl_item_get_path (item) == NULL)
    return FALSE;
  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);
  return trawl_test_file_size (part) >= bytes;
}

static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, 2 * 1024 * 1024);
  /* The server stops sending item 0 after 512 KiB: a stalled download. */
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 512 * 1024, 1);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 2);
  item = trawl_test_item (f->queue, 0);
  TRAWL_WAIT_UNTIL (part_has (item, 512 * 1024));

  trawl_queue_pause (f->queue, item);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) == 1);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);

  /* Paused means no bytes move. */
  trawl_board_server_reset_counters (f->server);
  g_assert_true (part_has (item, 512 * 1024));

  trawl_queue_resume (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  /* The rest, and the last 64 KiB of the .part again to compare. */
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), ==,
                    2 * 1024 * 1024 - 512 * 1024 + 64 * 1024);
  assert_item_file (item, 2 * 1024 * 1024);
}

typedef struct
{
  TrawlQueue *queue;
  TrawlItem  *item;
  gboolean    paused;
} PauseAtEnd;

/* Runs at every turn of the main loop, before whatever else is ready at
 * the same priority: pauses the item as soon as its file has its name. */
static gboolean
pause_at_end_cb (gpointer user_data)
{
  PauseAtEnd *at_end = user_data;
  const char *path = trawl_item_get_path (at_end->item);

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return G_SOURCE_CONTINUE;
  trawl_queue_pause (at_end->queue, at_end->item);
  at_end->paused = TRUE;
  return G_SOURCE_REMOVE;
}

/* A pause that comes when the file is complete and renamed, but before
 * the transfer has said so, must not leave a finished video "paused"
 * (a resume would then save it again as " (2)"). */
static void
test_pause_at_the_end (Fixture       *f,
                       gconstpointer  data)
{
  PauseAtEnd at_end = { 0 };
  g_autoptr(GDir) dir = NULL;
  guint files = 0;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 256 * 1024);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 1);
  at_end.queue = f->queue;
  at_end.item = trawl_test_item (f->queue, 0);
  g_idle_add_full (G_PRIORITY_DEFAULT, pause_at_end_cb, &at_end, NULL);

  TRAWL_WAIT_UNTIL (at_end.paused && !trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (at_end.item), ==, TRAWL_ITEM_DONE);
  assert_item_file (at_end.item, 256 * 1024);

  /* Resuming has nothing to do: no second copy. */
  trawl_queue_resume (f->queue, at_end.item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  dir = g_dir_open (f->dir, 0, NULL);
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_assert_cmpuint (files, ==, 1);
}

static void
count_note_cb (TrawlItem  *item,
               const char *note,
               GString    *notes)
{
  g_string_append_printf (notes, "%s\n", note);
}

/* A file that takes the video's name while it downloads is never
 * replaced: the video takes another name, and says so. */
static void
test_name_taken_meanwhile (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GString) notes = g_string_new (NULL);
  g_autofree char *taken = NULL;
  g_autofree char *contents = NULL;
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_hold_videos (f->server, TRUE);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 1);
  item = trawl_test_item (f->queue, 0);
  g_signal_connect (item, "note", G_CALLBACK (count_note_cb), notes);
  taken = g_strdup (trawl_item_get_path (item));
  g_assert_true (g_file_set_contents (taken, "mine", -1, NULL));
  trawl_board_server_hold_videos (f->server, FALSE);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpstr (trawl_item_get_path (item), !=, taken);
  assert_item_file (item, 64 * 1024);
  g_assert_true (g_file_get_contents (taken, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  g_assert_nonnull (strstr (notes->str, "already exists; saving as"));
}

static void
test_resume_next_run (Fixture       *f,
                      gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 4);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 2, TRAWL_FAULT_STALL, 256 * 1024, 1);

  /* The first run is dropped mid-download, as a crash would leave it. */
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 4);
  item = trawl_test_item (f->queue, 2);
  TRAWL_WAIT_UNTIL (part_has (item, 256 * 1024) &&
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) == 3);
  trawl_test_drop_queue (&f->queue);

  /* A new run of the same board finds the .part and continues it. */
  trawl_board_server_reset_counters (f->server);
  f->queue = trawl_test_new_queue ();
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) > 0 &&
                    !trawl_queue_is_busy (f->queue));

  /* Without an archive the three finished videos are fetched again under
   * new names; the interrupted one is resumed, not restarted. */
  item = trawl_test_item (f->queue, 2);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_true (g_str_has_suffix (trawl_item_get_path (item), "第3集：梨视频测试视频.mp4"));
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  assert_item_file (item, 1024 * 1024);
}

static void
test_range_ignored (Fixture       *f,
                    gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_set_range (f->server, FALSE);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_RESET, 400 * 1024, 1);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  /* The retry's Range was answered with the whole file: started over
   * cleanly, no byte twice. */
  item = item_at (f->queue, 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_item_get_tries (item), ==, 2);
  assert_item_file (item, 1024 * 1024);
}

static void
test_changed_file (Fixture       *f,
                   gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 256 * 1024, 1);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 1);
  item = item_at (f->queue, 0);
  TRAWL_WAIT_UNTIL (part_has (item, 256 * 1024));
  trawl_queue_pause (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  /* The file changes on the server: If-Range no longer matches, so the
   * server sends all of it and the download starts over. */
  trawl_board_server_set_version (f->server, 2);
  trawl_board_server_reset_counters (f->server);
  trawl_queue_resume (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), ==, 1024 * 1024);
  assert_item_file (item, 1024 * 1024);
}

static void
test_retry_then_fail (Fixture       *f,
                      gconstpointer  data)
{
  TrawlItem *flaky;
  TrawlItem *gone;
  TrawlItem *limited;

  g_object_set (trawl_queue_get_client (f->queue), "max-tries", 4, NULL);
  trawl_board_server_set_items (f->server, 12);
  trawl_board_server_add_fault (f->server, 3, TRAWL_FAULT_STATUS, 503, 2);
  trawl_board_server_add_fault (f->server, 5, TRAWL_FAULT_STATUS, 404, 0);
  trawl_board_server_add_fault (f->server, 7, TRAWL_FAULT_RETRY_AFTER, 1, 1);
  trawl_board_server_add_fault (f->server, 9, TRAWL_FAULT_STATUS, 500, 0);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  flaky = trawl_test_item (f->queue, 3);
  g_assert_cmpint (trawl_item_get_state (flaky), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_item_get_tries (flaky), ==, 3);
  assert_item_file (flaky, 64 * 1024);

  /* A 404 will not change by asking again: one try, a clear reason. */
  gone = trawl_test_item (f->queue, 5);
  g_assert_cmpint (trawl_item_get_state (gone), ==, TRAWL_ITEM_FAILED);
  g_assert_cmpuint (trawl_item_get_tries (gone), ==, 1);
  g_assert_cmpstr (trawl_item_get_error (gone), ==,
                   "The video is gone from the server (404 Not Found)");

  limited = trawl_test_item (f->queue, 7);
  g_assert_cmpint (trawl_item_get_state (limited), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_item_get_tries (limited), ==, 2);

  /* A server error that does not pass: every try used, then failed. */
  {
    TrawlItem *broken = trawl_test_item (f->queue, 9);

    g_assert_cmpint (trawl_item_get_state (broken), ==, TRAWL_ITEM_FAILED);
    g_assert_cmpuint (trawl_item_get_tries (broken), ==, 4);
    g_assert_nonnull (strstr (trawl_item_get_error (broken), "500"));
  }

  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 10);

  /* The fault is cleared; retrying the failed ones recovers them. */
  trawl_board_server_clear_faults (f->server);
  trawl_queue_retry_failed (f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 12);
  assert_item_file (gone, 64 * 1024);
}

static void
test_not_media (Fixture       *f,
                gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_HTML, 0, 0);
  trawl_board_server_add_fault (f->server, 2, TRAWL_FAULT_DETAIL_STATUS, 403, 0);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  item = trawl_test_item (f->queue, 1);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  g_assert_cmpstr (trawl_item_get_error (item), ==,
                   "The server sent a web page (text/html) instead of the video");
  g_assert_false (g_file_test (trawl_item_get_path (item), G_FILE_TEST_EXISTS));

  item = trawl_test_item (f->queue, 2);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  g_assert_cmpstr (trawl_item_get_error (item), ==,
                   "The server refused the video page request (403 Forbidden)");
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 1);
}

static void
test_archive (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "archive", "archive.txt", NULL);
  g_autofree char *out = g_build_filename (f->dir, "videos", NULL);
  g_autoptr(TrawlArchive) archive = trawl_archive_new (path, NULL);
  g_autoptr(TrawlArchive) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  TrawlBoard *board;

  trawl_board_server_set_items (f->server, 15);
  trawl_queue_set_archive (f->queue, archive);
  board = trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 15);
  g_assert_cmpuint (trawl_archive_get_size (archive), ==, 15);

  /* A second run, with the archive as read back from disk, skips every
   * item before its detail page. */
  trawl_test_drop_queue (&f->queue);
  trawl_board_server_reset_counters (f->server);
  reloaded = trawl_archive_new (path, &error);
  g_assert_no_error (error);
  f->queue = trawl_test_new_queue ();
  trawl_queue_set_archive (f->queue, reloaded);
  board = trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
  g_assert_cmpuint (trawl_board_get_skipped (board), ==, 15);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_DETAIL), ==, 0);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 0);
}

static void
test_hostile_titles (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "inside", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint files = 0;

  trawl_board_server_set_items (f->server, 10);
  trawl_board_server_set_hostile (f->server, TRUE);
  trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 10);

  /* Every file is directly inside the chosen folder, with a sane name. */
  for (guint i = 0; i < 10; i++)
    {
      TrawlItem *item = item_at (f->queue, i);
      g_autofree char *parent = g_path_get_dirname (trawl_item_get_path (item));

      g_assert_cmpstr (parent, ==, out);
    }

  dir = g_dir_open (out, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      files++;
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_cmpint (name[0], !=, '.');
      g_assert_null (strchr (name, '\\'));
      g_assert_true (g_str_has_suffix (name, ".mp4"));
    }
  g_assert_cmpuint (files, ==, 10);

  /* The parent folder holds only what the test made. */
  g_clear_pointer (&dir, g_dir_close);
  dir = g_dir_open (f->dir, 0, NULL);
  files = 0;
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_assert_cmpuint (files, ==, 1);
}

static void
test_generic_board (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *base = trawl_board_server_get_base_url (f->server);
  g_autofree char *url = g_strconcat (base, "/plain/", NULL);
  g_autoptr(GError) error = NULL;
  TrawlBoard *board;

  /* No recipe matches: links are followed, pages with a player kept. */
  trawl_board_server_set_items (f->server, 6);
  board = trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  g_assert_null (trawl_board_get_recipe (board));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpint (trawl_board_get_state (board), ==, TRAWL_BOARD_DONE);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 6);
  /* Its one page, whose links led to the videos ("on 0 pages" before). */
  g_assert_cmpuint (trawl_board_get_pages (board), ==, 1);
  g_assert_cmpuint (trawl_board_get_found (board), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      TrawlItem *item = item_at (f->queue, i);
      g_autofree char *name = g_path_get_basename (trawl_item_get_path (item));
      g_autofree char *expected = g_strdup_printf ("Plain clip %u.mp4", i + 1);

      /* In the order of their links on the page. */
      g_assert_cmpstr (name, ==, expected);
    }
}

/* Items known by their media URL from the start (a generic board of
 * links to the files) are skipped by the archive on the next run, like
 * those found through their pages. */
static void
test_generic_archive (Fixture       *f,
                      gconstpointer  data)
{
  const char *paths[] = { "/plain/files", "/plain/" };
  g_autofree char *base = trawl_board_server_get_base_url (f->server);
  g_autoptr(GError) error = NULL;

  /* Both boards show the same files: one archive each. */
  trawl_board_server_set_items (f->server, 4);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = g_strconcat (base, paths[i], NULL);
      g_autofree char *name = g_strdup_printf ("board%u", i);
      g_autofree char *out = g_build_filename (f->dir, name, NULL);
      g_autofree char *archive_path = g_build_filename (out, "archive.txt", NULL);

      for (guint run = 0; run < 2; run++)
        {
          g_autoptr(TrawlArchive) archive = trawl_archive_new (archive_path, &error);
          TrawlBoard *board;

          g_assert_no_error (error);
          trawl_test_drop_queue (&f->queue);
          f->queue = trawl_test_new_queue ();
          trawl_queue_set_archive (f->queue, archive);
          trawl_board_server_reset_counters (f->server);
          board = trawl_queue_add_board (f->queue, url, NULL, out, &error);
          g_assert_no_error (error);
          TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

          g_assert_cmpint (trawl_board_get_state (board), ==, TRAWL_BOARD_DONE);
          g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==,
                            run == 0 ? 4 : 0);
          g_assert_cmpuint (trawl_board_get_skipped (board), ==, run == 0 ? 0 : 4);
          g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==,
                            run == 0 ? 4 : 0);
        }
    }
}

static void
test_direct_media (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *base = trawl_board_server_get_base_url (f->server);
  g_autofree char *url = g_strdup_printf ("%s/mp4/short/20231010/cont-%u-%u-hd.mp4", base,
                                          trawl_board_server_item_id (0),
                                          15000000 + trawl_board_server_item_id (0) % 1000000);
  g_autoptr(GError) error = NULL;
  TrawlItem *item;

  trawl_queue_add_board (f->queue, url, NULL, f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 1);
  item = item_at (f->queue, 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_DETAIL), ==, 0);
  g_assert_null (trawl_item_get_id (item));
  trawl_test_assert_video (trawl_item_get_path (item), trawl_board_server_item_id (0), 64 * 1024);
}

static void
test_list_only (Fixture       *f,
                gconstpointer  data)
{
  g_object_set (f->queue, "download", FALSE, NULL);
  trawl_board_server_set_items (f->server, 14);
  trawl_board_server_set_gbk (f->server, TRUE);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_QUEUED), ==, 14);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 0);
  for (guint i = 0; i < 14; i++)
    {
      TrawlItem *item = item_at (f->queue, i);
      g_autofree char *title = trawl_board_server_item_title (f->server, index_of (item));

      /* GBK pages (meta tag) and fragments (header charset) both decode. */
      g_assert_cmpstr (trawl_item_get_title (item), ==, title);
      g_assert_true (g_str_has_prefix (trawl_item_get_media_url (item), "http://127.0.0.1:"));
      g_assert_nonnull (strstr (trawl_item_get_media_url (item), "/cont-"));
    }
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "a-file", NULL);
  TrawlBoard *board;

  board = trawl_queue_add_board (f->queue, "file:///etc/passwd", NULL, f->dir, &error);
  g_assert_null (board);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL);
  g_clear_error (&error);

  board = trawl_queue_add_board (f->queue, f->url, "no-such-recipe", f->dir, &error);
  g_assert_null (board);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE);
  g_clear_error (&error);

  g_file_set_contents (file, "", 0, NULL);
  board = trawl_queue_add_board (f->queue, f->url, "pearvideo", file, &error);
  g_assert_null (board);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* A board with no items fails with a reason. */
  trawl_board_server_set_items (f->server, 0);
  board = trawl_queue_add_board (f->queue, f->url, "pearvideo", f->dir, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_board_get_state (board), ==, TRAWL_BOARD_FAILED);
  g_assert_nonnull (strstr (trawl_board_get_error (board), "No videos found"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
}

static void
count_selected_cb (TrawlQueue *queue,
                   TrawlItem  *item,
                   guint      *heard)
{
  (*heard)++;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  TrawlItem *item;
  g_autofree char *part = NULL;
  guint heard = 0;

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 256 * 1024, 1);

  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->queue)) == 2);
  item = trawl_test_item (f->queue, 0);
  TRAWL_WAIT_UNTIL (part_has (item, 256 * 1024));
  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);

  trawl_queue_cancel (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_CANCELLED);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (trawl_item_get_path (item), G_FILE_TEST_EXISTS));

  /* An item let go (the window keeps one for its undo) no longer speaks
   * to the queue. */
  g_object_ref (item);
  trawl_queue_remove (f->queue, item);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 1);
  g_signal_connect (f->queue, "item-selected-changed", G_CALLBACK (count_selected_cb), &heard);
  trawl_item_set_selected (item, !trawl_item_get_selected (item));
  g_assert_cmpuint (heard, ==, 0);
  g_object_unref (item);
}

static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *cookies = g_build_filename (f->dir, "cookies.txt", NULL);
  g_autofree char *out = g_build_filename (f->dir, "videos", NULL);
  const char *extra[] = { "X-Trawl-Test: yes", "Accept-Language: zh-CN", NULL };
  g_autoptr(GError) error = NULL;

  /* A Netscape cookies.txt, as browsers' export extensions write it. */
  g_file_set_contents (cookies,
                       "# Netscape HTTP Cookie File\n"
                       "127.0.0.1\tFALSE\t/\tFALSE\t0\tPEAR_UUID\tabc-123\n", -1, &error);
  g_assert_no_error (error);

  g_object_set (trawl_queue_get_client (f->queue),
                "user-agent", "TrawlTest/1.0",
                "headers", extra,
                "cookies-file", cookies,
                "proxy", "none",
                NULL);
  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_form (f->server, TRAWL_BOARD_FORM_API);
  trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 2);

  for (TrawlRequestKind kind = TRAWL_REQUEST_LIST; kind <= TRAWL_REQUEST_VIDEO; kind++)
    {
      g_assert_cmpstr (trawl_board_server_get_last_header (f->server, kind, "User-Agent"), ==,
                       "TrawlTest/1.0");
      g_assert_cmpstr (trawl_board_server_get_last_header (f->server, kind, "X-Trawl-Test"), ==,
                       "yes");
      g_assert_cmpstr (trawl_board_server_get_last_header (f->server, kind, "Cookie"), ==,
                       "PEAR_UUID=abc-123");
    }

  /* Detail pages come from the board, videos from their detail page. */
  g_assert_cmpstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_DETAIL, "Referer"),
                   ==, f->url);
  g_assert_true (g_str_has_prefix (
    trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO, "Referer"), f->url) ||
    strstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO, "Referer"),
            "/video_") != NULL);
  g_assert_cmpstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO,
                                                       "Accept-Encoding"), ==, "identity");
}

static gboolean
file_contains (const char *path,
               const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

static void
test_restore (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", "queue.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "videos", NULL);
  g_autoptr(GError) error = NULL;
  TrawlItem *stalled;
  TrawlItem *paused;

  trawl_board_server_set_items (f->server, 6);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_STALL, 256 * 1024, 1);
  trawl_board_server_add_fault (f->server, 2, TRAWL_FAULT_STALL, 256 * 1024, 1);

  trawl_queue_set_state_file (f->queue, state);
  trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) == 4);
  stalled = trawl_test_item (f->queue, 1);
  paused = trawl_test_item (f->queue, 2);
  TRAWL_WAIT_UNTIL (part_has (stalled, 256 * 1024) && part_has (paused, 256 * 1024));
  trawl_queue_pause (f->queue, paused);

  /* The state reaches the disk by itself; then the process "dies". */
  TRAWL_WAIT_UNTIL (file_contains (state, "\"paused\"") && file_contains (state, "\"done\""));
  trawl_test_drop_queue (&f->queue);

  trawl_board_server_reset_counters (f->server);
  f->queue = trawl_test_new_queue ();
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 6);
  paused = trawl_test_item (f->queue, 2);
  g_assert_cmpint (trawl_item_get_state (paused), ==, TRAWL_ITEM_PAUSED);
  /* What the list showed of it: "02:12" and its cover. */
  g_assert_cmpuint (trawl_item_get_duration (paused), ==, 2 * 60 + 12);
  g_assert_true (g_str_has_prefix (trawl_item_get_thumbnail (paused), f->url) ||
                 g_str_has_prefix (trawl_item_get_thumbnail (paused), "http://127.0.0.1"));
  g_assert_true (g_str_has_suffix (trawl_item_get_thumbnail (paused), ".png"));
  g_assert_cmpuint (trawl_item_get_bytes (paused), ==, 256 * 1024);
  g_assert_cmpuint (trawl_item_get_bytes (trawl_test_item (f->queue, 0)),
                    ==, 1024 * 1024);

  /* The interrupted download resumes by itself; the paused one waits. */
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  stalled = trawl_test_item (f->queue, 1);
  g_assert_cmpint (trawl_item_get_state (stalled), ==, TRAWL_ITEM_DONE);
  g_assert_cmpint (trawl_item_get_state (paused), ==, TRAWL_ITEM_PAUSED);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 5);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_DETAIL), ==, 0);

  trawl_queue_resume (f->queue, paused);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 6);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 2);
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), ==,
                    2 * (768 + 64) * 1024);
  for (guint i = 0; i < 6; i++)
    assert_item_file (item_at (f->queue, i), 1024 * 1024);
}

static void
test_restore_crawling (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "videos", NULL);
  g_autoptr(GError) error = NULL;

  /* The crawl is cut short after the first page... */
  trawl_board_server_set_items (f->server, 30);
  trawl_board_server_set_page_size (f->server, 10);
  g_object_set (f->queue, "max-pages", 1, NULL);
  trawl_queue_set_state_file (f->queue, state);
  trawl_queue_add_board (f->queue, f->url, "pearvideo", out, &error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 10);
  trawl_test_drop_queue (&f->queue);

  /* ...as a crash mid-crawl would leave it. */
  {
    g_autofree char *contents = NULL;
    g_autoptr(GString) edited = NULL;

    g_file_get_contents (state, &contents, NULL, &error);
    g_assert_no_error (error);
    edited = g_string_new (contents);
    g_assert_cmpuint (g_string_replace (edited, "\"state\":\"done\",\"pages\"",
                                        "\"state\":\"crawling\",\"pages\"", 1), ==, 1);
    g_file_set_contents (state, edited->str, -1, &error);
    g_assert_no_error (error);
  }

  /* Restored, the board is crawled again to its end; the ten items it
   * had are not added twice. */
  f->queue = trawl_test_new_queue ();
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 30);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 30);
}

/* The one file in @dir moved aside since @seen was filled; adds it there. */
static char *
new_bad_file (const char *dir,
              GHashTable *seen)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      if (!g_str_has_prefix (name, "queue.json.bad-") || g_hash_table_contains (seen, name))
        continue;
      g_assert_null (found);
      found = g_build_filename (dir, name, NULL);
      g_hash_table_add (seen, g_strdup (name));
    }

  g_assert_nonnull (found);
  return found;
}

/* A saved queue that is damaged, hostile or from another version is
 * refused whole, with a reason and where it went: it is moved aside (never
 * over an earlier one) so the next save cannot overwrite it, and nothing
 * of it is trusted, not even for a moment. */
static void
test_restore_bad (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *state_dir = g_build_filename (f->dir, "state", NULL);
  g_autofree char *state = g_build_filename (state_dir, "queue.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "videos", NULL);
  g_autofree char *deep = g_strnfill (100000, '[');
  g_autofree char *board = g_strdup_printf ("{\"url\":\"%s\",\"output-dir\":\"%s\"}",
                                            f->url, out);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  struct {
    const char *boards;   /* NULL: @items is the whole file */
    const char *items;
    const char *reason;
  } cases[] = {
    { NULL, deep, "nested more than 64 levels deep" },
    { NULL, "", "it is empty" },
    { NULL, " \n", "it is empty" },
    { NULL, "{\"version\":1,\"boards\":[", "could not be used" },
    { NULL, "[1,2]", "not in a format this version understands" },
    { NULL, "{\"version\":2,\"boards\":[],\"items\":[]}",
      "not in a format this version understands" },
    { NULL, "{\"version\":1,\"boards\":5,\"items\":[]}", "“boards” is not a list" },
    { "[7]", "[]", "board 1 is not an object" },
    { "[{\"output-dir\":\"/tmp\"}]", "[]", "board 1: “url” is missing" },
    { "[{\"url\":\"http://127.0.0.1/\"}]", "[]", "board 1: “output-dir” is missing" },
    { "[{\"url\":\"file:///etc/passwd\",\"output-dir\":\"/tmp\"}]", "[]", "board 1:" },
    { "[{\"url\":\"http://127.0.0.1/\",\"output-dir\":\"videos\"}]", "[]",
      "board 1: the folder “videos” is not a canonical absolute path" },
    { "[{\"url\":\"http://127.0.0.1/\",\"output-dir\":\"/tmp/../tmp\"}]", "[]",
      "is not a canonical absolute path" },
    { "[{\"url\":\"http://127.0.0.1/\",\"parent-dir\":\"/tmp\",\"output-dir\":\"/etc\"}]",
      "[]", "board 1: the folder “/etc” is not directly in “/tmp”" },
    { "[{\"url\":\"http://127.0.0.1/\",\"parent-dir\":\"tmp\"}]", "[]",
      "board 1: the folder “tmp” is not a canonical absolute path" },
    { "[{\"url\":\"http://127.0.0.1/\",\"output-dir\":\"/tmp\",\"pages\":\"many\"}]",
      "[]", "board 1: “pages” is not a number" },
    { "[{\"url\":\"http://127.0.0.1/\",\"output-dir\":\"/tmp\",\"state\":\"gone\"}]",
      "[]", "board 1: “gone” is not a state" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"path\":\"video.mp4\"}]",
      "item 1: “video.mp4” is not a file directly in its board’s folder" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"path\":\"/etc/passwd\"}]",
      "item 1: “/etc/passwd” is not a file directly in its board’s folder" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"path\":\"OUT/../x.mp4\"}]",
      "is not a file directly in its board’s folder" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/1\",\"path\":\"OUT/a.mp4\"},"
               "{\"board\":0,\"page\":\"http://127.0.0.1/2\",\"path\":\"OUT/a.mp4\"}]",
      "item 2: “OUT/a.mp4” is also the file of item 1" },
    { "BOARD", "[{\"board\":3,\"page\":\"http://127.0.0.1/v\"}]",
      "item 1: there is no board 3" },
    { "BOARD", "[{\"board\":0}]", "item 1: “page” is missing" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"state\":\"exploded\"}]",
      "item 1: “exploded” is not a state" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"selected\":\"yes\"}]",
      "item 1: “selected” is not true or false" },
    { "BOARD", "[{\"board\":0,\"page\":\"http://127.0.0.1/v\",\"media\":\"file:///x\"}]",
      "item 1:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GString) reason = g_string_new (cases[i].reason);
      g_autofree char *written = NULL;
      g_autofree char *moved = NULL;
      g_autoptr(GString) json = NULL;
      g_autoptr(GError) error = NULL;

      json = g_string_new (cases[i].boards == NULL ? cases[i].items : "{\"version\":1,\"boards\":");
      if (cases[i].boards != NULL)
        g_string_append_printf (json, "%s,\"items\":%s}", cases[i].boards, cases[i].items);
      /* OUT first: the folders put in may hold "OUT" themselves (a
       * temporary folder named trawl-test-OUT3Y3 once failed this). */
      g_string_replace (json, "OUT", out, 0);
      g_string_replace (json, "BOARD", "[BOARD]", 0);
      g_string_replace (json, "BOARD", board, 0);
      text = g_strdup (json->str);
      g_mkdir_with_parents (state_dir, 0700);
      g_file_set_contents (state, text, -1, &error);
      g_assert_no_error (error);

      trawl_test_drop_queue (&f->queue);
      f->queue = trawl_test_new_queue ();
      trawl_queue_set_state_file (f->queue, state);
      g_assert_false (trawl_queue_restore (f->queue, &error));

      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_BAD_STATE);
      g_test_message ("%s", error->message);
      g_string_replace (reason, "OUT", out, 0);
      if (strstr (error->message, reason->str) == NULL)
        g_error ("Case %u: “%s” does not say “%s”", i, error->message, reason->str);
      g_assert_null (strchr (error->message, '\n'));

      /* Nothing of it was taken, and it is kept beside, as it was: one
       * more file each time, none over another. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
      g_assert_cmpuint (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)), ==, 0);
      g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
      moved = new_bad_file (state_dir, seen);
      g_assert_nonnull (strstr (error->message, moved));
      g_clear_error (&error);
      g_file_get_contents (moved, &written, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (written, ==, text);
    }
}

static void
test_review (Fixture       *f,
             gconstpointer  data)
{
  TrawlBoard *board;
  TrawlItem *skipped;

  g_object_set (f->queue, "review", TRUE, NULL);
  trawl_board_server_set_items (f->server, 5);
  board = add_board (f, f->queue);
  g_assert_true (trawl_board_get_review (board));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  /* Found and resolved, nothing downloaded until confirmed. */
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_QUEUED), ==, 5);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 0);

  skipped = trawl_test_item (f->queue, 3);
  trawl_item_set_selected (skipped, FALSE);
  trawl_queue_confirm_board (f->queue, board);
  g_assert_false (trawl_board_get_review (board));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 4);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 4);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 4);
}

/* What a board lists and counts, checked against a walk of the queue (how
 * the counts were taken before boards kept them): the same items in the
 * same order, and every count. */
static void
assert_board_items (TrawlQueue *queue,
                    TrawlBoard *board)
{
  GListModel *items = G_LIST_MODEL (queue);
  GListModel *listed = G_LIST_MODEL (board);
  guint in_state[TRAWL_ITEM_CANCELLED + 1] = { 0 };
  guint position = 0, done = 0, failed = 0, active = 0, selected = 0;
  guint d, fl, a;

  g_assert_true (g_list_model_get_item_type (listed) == TRAWL_TYPE_ITEM);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);
      g_autoptr(TrawlItem) same = NULL;
      TrawlItemState state = trawl_item_get_state (item);

      in_state[state]++;
      if (trawl_item_get_board (item) != board)
        continue;

      same = g_list_model_get_item (listed, position++);
      g_assert_true (same == item);
      done += state == TRAWL_ITEM_DONE;
      failed += state == TRAWL_ITEM_FAILED;
      active += !trawl_item_is_finished (item);
      selected += trawl_item_get_selected (item) && !trawl_item_is_finished (item);
    }
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, position);
  g_assert_null (g_list_model_get_item (listed, position));

  for (TrawlItemState state = TRAWL_ITEM_PENDING; state <= TRAWL_ITEM_CANCELLED; state++)
    g_assert_cmpuint (trawl_queue_count_state (queue, state), ==, in_state[state]);
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, done);
  g_assert_cmpuint (trawl_board_get_n_failed (board), ==, failed);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, active);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, selected);
  trawl_queue_get_board_counts (queue, board, &d, &fl, &a);
  g_assert_cmpuint (d, ==, done);
  g_assert_cmpuint (fl, ==, failed);
  g_assert_cmpuint (a, ==, active);
}

/* Follows a board through its signals alone: a copy kept by items-changed,
 * and at every notify of a count, the count against the board's list. */
typedef struct
{
  GPtrArray *copy;
  guint      notified;
} Watch;

static void
watch_items_changed_cb (GListModel *board,
                        guint       position,
                        guint       removed,
                        guint       added,
                        Watch      *watch)
{
  g_assert_cmpuint (position + removed, <=, watch->copy->len);
  g_ptr_array_remove_range (watch->copy, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (watch->copy, position + i, g_list_model_get_item (board, position + i));
}

static void
watch_notify_cb (TrawlBoard *board,
                 GParamSpec *pspec,
                 Watch      *watch)
{
  guint done = 0, failed = 0, active = 0, selected = 0;

  if (!g_str_has_prefix (g_param_spec_get_name (pspec), "n-"))
    return;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i);

      done += trawl_item_get_state (item) == TRAWL_ITEM_DONE;
      failed += trawl_item_get_state (item) == TRAWL_ITEM_FAILED;
      active += !trawl_item_is_finished (item);
      selected += trawl_item_get_selected (item) && !trawl_item_is_finished (item);
    }
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, done);
  g_assert_cmpuint (trawl_board_get_n_failed (board), ==, failed);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, active);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, selected);
  watch->notified++;
}

static Watch *
watch_board (TrawlBoard *board)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->copy = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    g_ptr_array_add (watch->copy, g_list_model_get_item (G_LIST_MODEL (board), i));
  g_signal_connect (board, "items-changed", G_CALLBACK (watch_items_changed_cb), watch);
  g_signal_connect (board, "notify", G_CALLBACK (watch_notify_cb), watch);
  return watch;
}

static void
unwatch_board (TrawlBoard *board,
               Watch      *watch)
{
  g_assert_cmpuint (watch->copy->len, ==, g_list_model_get_n_items (G_LIST_MODEL (board)));
  for (guint i = 0; i < watch->copy->len; i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i);
      g_assert_true (g_ptr_array_index (watch->copy, i) == item);
    }
  g_signal_handlers_disconnect_by_data (board, watch);
  g_ptr_array_unref (watch->copy);
  g_free (watch);
}

/* Every way an item changes state, one at a time, with the board's list and
 * counts and the queue's counts checked after each. */
static void
test_board_items_transitions (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(TrawlBoard) board = NULL;
  Watch *watch;
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 8);
  trawl_board_server_set_page_size (f->server, 3);
  trawl_board_server_set_video_size (f->server, 64 * 1024);
  trawl_board_server_add_fault (f->server, 5, TRAWL_FAULT_STATUS, 404, 100);
  g_object_set (f->queue, "download", FALSE, NULL);

  board = g_object_ref (add_board (f, f->queue));
  watch = watch_board (board);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 0);

  /* Found and resolved, waiting to download. */
  TRAWL_WAIT_UNTIL (trawl_board_get_state (board) == TRAWL_BOARD_DONE &&
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_QUEUED) == 8);
  assert_board_items (f->queue, board);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 8);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, 8);
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(TrawlItem) listed = g_list_model_get_item (G_LIST_MODEL (board), i);
      g_assert_true (listed == item_at (f->queue, i));
    }

  item = item_at (f->queue, 4);
  trawl_queue_pause (f->queue, item);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);
  assert_board_items (f->queue, board);
  trawl_queue_resume (f->queue, item);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_QUEUED);
  assert_board_items (f->queue, board);

  item = item_at (f->queue, 7);
  trawl_queue_cancel (f->queue, item);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_CANCELLED);
  assert_board_items (f->queue, board);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, 7);

  /* Four downloads held by the server, the others waiting behind them. */
  trawl_board_server_hold_videos (f->server, TRUE);
  g_object_set (f->queue, "download", TRUE, NULL);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DOWNLOADING) == 4);
  assert_board_items (f->queue, board);

  trawl_board_server_hold_videos (f->server, FALSE);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, 6);
  g_assert_cmpuint (trawl_board_get_n_failed (board), ==, 1);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, 0);
  assert_board_items (f->queue, board);

  /* Removed from the queue, an item leaves its board; a retry of it
   * afterwards counts nowhere. */
  g_object_ref (item);
  trawl_queue_remove (f->queue, item);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 7);
  assert_board_items (f->queue, board);
  trawl_queue_retry (f->queue, item);
  assert_board_items (f->queue, board);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_board_items (f->queue, board);
  g_object_unref (item);

  /* Retried, the failed one finishes after all. */
  trawl_board_server_clear_faults (f->server);
  trawl_queue_retry (f->queue, trawl_test_item (f->queue, 5));
  assert_board_items (f->queue, board);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, 1);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, 7);
  assert_board_items (f->queue, board);

  trawl_queue_remove_board (f->queue, board);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 0);
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, 0);
  assert_board_items (f->queue, board);
  g_assert_cmpuint (watch->notified, >, 0);
  unwatch_board (board, watch);
}

/* Two boards at once: each lists only its own, and goes alone. */
static void
test_board_items_two_boards (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(TrawlBoardServer) other = trawl_board_server_new ();
  g_autofree char *other_url = NULL;
  g_autofree char *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autoptr(GError) error = NULL;
  TrawlBoard *first, *second;
  Watch *watch;

  g_assert_true (trawl_board_server_start (other, 0, &error));
  other_url = trawl_board_server_get_url (other);
  trawl_board_server_set_items (f->server, 7);
  trawl_board_server_set_page_size (f->server, 2);
  trawl_board_server_set_items (other, 5);
  trawl_board_server_set_page_size (other, 2);

  first = add_board (f, f->queue);
  second = trawl_queue_add_board (f->queue, other_url, "pearvideo", other_dir, &error);
  g_assert_no_error (error);
  watch = watch_board (second);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 12);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (first)), ==, 7);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (second)), ==, 5);
  assert_board_items (f->queue, first);
  assert_board_items (f->queue, second);
  g_assert_cmpuint (trawl_board_get_n_done (first), ==, 7);
  g_assert_cmpuint (trawl_board_get_n_done (second), ==, 5);

  trawl_queue_remove_board (f->queue, first);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 5);
  assert_board_items (f->queue, second);
  unwatch_board (second, watch);
}

/* Under review: the board counts what "Download N videos" would start as
 * the selection changes, and confirming leaves it only the chosen ones. */
static void
test_board_items_review (Fixture       *f,
                         gconstpointer  data)
{
  TrawlBoard *board;
  Watch *watch;

  g_object_set (f->queue, "review", TRUE, NULL);
  trawl_board_server_set_items (f->server, 6);
  board = add_board (f, f->queue);
  watch = watch_board (board);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 6);
  assert_board_items (f->queue, board);

  trawl_item_set_selected (trawl_test_item (f->queue, 1), FALSE);
  trawl_item_set_selected (trawl_test_item (f->queue, 4), FALSE);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 4);
  trawl_item_set_selected (trawl_test_item (f->queue, 4), TRUE);
  trawl_item_set_selected (trawl_test_item (f->queue, 4), TRUE);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 5);
  trawl_item_set_selected (trawl_test_item (f->queue, 2), FALSE);
  assert_board_items (f->queue, board);

  trawl_queue_confirm_board (f->queue, board);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 4);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 4);
  assert_board_items (f->queue, board);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, 4);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 0);
  assert_board_items (f->queue, board);
  unwatch_board (board, watch);
}

/* Restored from the state file, a board lists its items in their order,
 * in the states they had, and counts them. */
static void
test_board_items_restore (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  TrawlBoard *board;

  trawl_board_server_set_items (f->server, 10);
  trawl_board_server_set_page_size (f->server, 4);
  trawl_board_server_set_hostile (f->server, TRUE);
  trawl_board_server_add_fault (f->server, 3, TRAWL_FAULT_STATUS, 404, 100);
  trawl_board_server_add_fault (f->server, 6, TRAWL_FAULT_STALL, 16 * 1024, 100);
  trawl_queue_set_state_file (f->queue, state);
  board = add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) == 8 &&
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 1 &&
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_DOWNLOADING) == 1);
  trawl_queue_pause (f->queue, trawl_test_item (f->queue, 6));
  trawl_item_set_selected (trawl_test_item (f->queue, 6), FALSE);
  assert_board_items (f->queue, board);
  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (titles, g_strdup (trawl_item_get_title (item_at (f->queue, i))));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  trawl_test_drop_queue (&f->queue);

  f->queue = trawl_test_new_queue ();
  g_object_set (f->queue, "download", FALSE, NULL);
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_no_error (error);
  board = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);
  g_object_unref (board);  /* the queue keeps it */

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (board)), ==, 10);
  g_assert_cmpuint (trawl_board_get_n_done (board), ==, 8);
  g_assert_cmpuint (trawl_board_get_n_failed (board), ==, 1);
  g_assert_cmpuint (trawl_board_get_n_active (board), ==, 1);
  g_assert_cmpuint (trawl_board_get_n_selected (board), ==, 0);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_PAUSED), ==, 1);
  assert_board_items (f->queue, board);
  /* The hostile titles (quotes, backslashes, control characters) came back
   * as they were written. */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpstr (trawl_item_get_title (item_at (f->queue, i)), ==,
                     g_ptr_array_index (titles, i));

  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  assert_board_items (f->queue, board);
}

static void
test_parse_rate (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (trawl_parse_rate ("500K", NULL), ==, 500 * 1024);
  g_assert_cmpuint (trawl_parse_rate ("1.5M", NULL), ==, 1536 * 1024);
  g_assert_cmpuint (trawl_parse_rate ("2m", NULL), ==, 2 * 1024 * 1024);
  g_assert_cmpuint (trawl_parse_rate ("100", NULL), ==, 100);
  g_assert_cmpuint (trawl_parse_rate ("10KB", NULL), ==, 10 * 1024);
  g_assert_cmpuint (trawl_parse_rate ("fast", &error), ==, 0);
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_cmpuint (trawl_parse_rate ("-5K", NULL), ==, 0);
  g_assert_cmpuint (trawl_parse_rate ("5X", NULL), ==, 0);
  g_assert_cmpuint (trawl_parse_rate ("nan", NULL), ==, 0);
  g_assert_cmpuint (trawl_parse_rate ("1e400", NULL), ==, 0);
  g_assert_cmpuint (trawl_parse_rate ("inf", NULL), ==, 0);
}

/* Found by the hostile review of issue 11 (F02): more downloads than
 * connections to the host. A request waiting in the session for a free
 * connection is not a stalled server: the timeout counts from when it is
 * sent. Each video comes in 64 KiB pieces four times a second and takes
 * three timeouts; the second waits that long for the connection. */
static void
test_waiting_is_not_stalling (Fixture       *f,
                              gconstpointer  data)
{
  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, 768 * 1024);
  trawl_board_server_set_video_rate (f->server, 256 * 1024);
  g_object_set (f->queue, "jobs", 2, NULL);
  g_object_set (trawl_queue_get_client (f->queue), "per-host", 1, "timeout", 1, "max-tries", 1,
                NULL);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));

  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 2);
  g_assert_cmpuint (trawl_board_server_get_max_in_flight (f->server), ==, 1);
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (_trawl_queue_save_finish (result, NULL));
  *done = TRUE;
}

/* Pausing a download whose request waits for its answer: the download
 * winds down and the queue is idle (found by the helper of issue 11: the
 * transfer dropped its task without returning it, and the queue counted
 * it as running for ever); resuming it then finishes it. */
static void
test_pause_waiting_request (Fixture       *f,
                            gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_hold_videos (f->server, TRUE);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 1);
  item = trawl_test_item (f->queue, 0);
  trawl_queue_pause (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);

  trawl_board_server_hold_videos (f->server, FALSE);
  trawl_queue_resume (f->queue, item);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
}

/* Found by the hostile review of issue 11 (F15): quitting saves the state
 * at once while a background save of an older state is still on its
 * worker (a slow fsync); the older one must not land last and bring back
 * an item the user had just removed. */
static void
test_final_save_wins (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  trawl_board_server_set_items (f->server, 3);
  add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  trawl_queue_set_state_file (f->queue, state);

  /* A background save of the three items, held on its worker… */
  _trawl_queue_hold_saves (TRUE);
  _trawl_queue_save_async (f->queue, state, save_done_cb, &done);
  /* …the user removes one and quits: the final save is written… */
  trawl_queue_remove (f->queue, trawl_test_item (f->queue, 1));
  g_assert_true (trawl_queue_save (f->queue, &error));
  g_assert_no_error (error);
  /* …and then the background one finishes. */
  _trawl_queue_hold_saves (FALSE);
  TRAWL_WAIT_UNTIL (done);

  trawl_test_drop_queue (&f->queue);
  f->queue = trawl_test_new_queue ();
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 2);
}

/* Dropping the last reference to a busy queue, without a shutdown, ends
 * it at once and stops everything it had started: crawls, detail pages
 * and downloads no longer hold it alive. */
static void
test_dispose_cancels (Fixture       *f,
                      gconstpointer  data)
{
  TrawlQueue *weak = f->queue;
  TrawlClient *client = trawl_queue_get_client (f->queue);
  TrawlItem *first;
  TrawlItem *second;
  g_autofree char *part = NULL;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 64 * 1024, 1);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_STALL, 64 * 1024, 1);
  trawl_board_server_add_fault (f->server, 2, TRAWL_FAULT_DETAIL_STALL, 0, 1);
  add_board (f, f->queue);

  /* Two downloads and a detail page in flight. */
  TRAWL_WAIT_UNTIL (trawl_test_find_item (f->queue, 0) != NULL &&
                    trawl_test_find_item (f->queue, 1) != NULL &&
                    part_has (trawl_test_find_item (f->queue, 0), 64 * 1024) &&
                    part_has (trawl_test_find_item (f->queue, 1), 64 * 1024) &&
                    trawl_board_server_get_in_flight (f->server) == 3);
  first = g_object_ref (trawl_test_item (f->queue, 0));
  second = g_object_ref (trawl_test_item (f->queue, 1));
  g_assert_cmpuint (trawl_board_server_get_videos_in_flight (f->server), ==, 2);

  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &client);
  g_clear_object (&f->queue);
  g_assert_null (weak);

  /* Every operation ends (each holds the client until then), and what
   * was downloaded stays for the next run. That the connections close is
   * /integrity/dispose-closes. */
  TRAWL_WAIT_UNTIL (client == NULL);
  part = g_strconcat (trawl_item_get_path (first), ".part", NULL);
  g_assert_cmpint (trawl_test_file_size (part), ==, 64 * 1024);
  g_assert_true (part_has (second, 64 * 1024));
  g_object_unref (first);
  g_object_unref (second);
}

/* The queue of a new run, restored from @state; its first board. */
static TrawlBoard *
restart_with_state (Fixture    *f,
                    const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlBoard) board = NULL;

  trawl_test_drop_queue (&f->queue);
  f->queue = trawl_test_new_queue ();
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_no_error (error);
  board = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);
  g_assert_nonnull (board);
  return board;  /* the queue keeps it alive */
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  g_assert_nonnull (dir);
  return g_dir_read_name (dir) == NULL;
}

/* A board's own folder: named after its title, never a symlink or a
 * folder that is not the board's, marked with the board's address, kept
 * across a restart, and found again when the board is added again. */
static void
test_own_folder (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autofree char *out = g_build_filename (f->dir, "Downloads", NULL);
  g_autofree char *elsewhere = g_build_filename (f->dir, "elsewhere", NULL);
  g_autofree char *link = g_build_filename (out, "财富_梨视频官网", NULL);
  g_autofree char *users = g_build_filename (out, "财富_梨视频官网 (2)", NULL);
  g_autofree char *expected = g_build_filename (out, "财富_梨视频官网 (3)", NULL);
  g_autoptr(GError) error = NULL;
  char origin[512];
  ssize_t n;
  TrawlBoard *board;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 64 * 1024);
  g_assert_cmpint (g_mkdir_with_parents (users, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (elsewhere, 0755), ==, 0);
  g_assert_cmpint (symlink (elsewhere, link), ==, 0);

  trawl_queue_set_state_file (f->queue, state);
  board = trawl_queue_add_board_full (f->queue, f->url, "pearvideo", out,
                                      TRAWL_ADD_BOARD_OWN_FOLDER, &error);
  g_assert_no_error (error);
  g_assert_null (trawl_board_get_output_dir (board));
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE), ==, 3);
  g_assert_cmpstr (trawl_board_get_output_dir (board), ==, expected);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *dir = g_path_get_dirname (trawl_item_get_path (item_at (f->queue, i)));

      g_assert_cmpstr (dir, ==, expected);
      assert_item_file (item_at (f->queue, i), 64 * 1024);
    }
  g_assert_true (dir_is_empty (elsewhere));
  g_assert_true (dir_is_empty (users));

  n = getxattr (expected, "user.xdg.origin.url", origin, sizeof origin - 1);
  if (n < 0 && errno == ENOTSUP)
    {
      g_test_skip ("the file system keeps no extended attributes");
      return;
    }
  g_assert_cmpint (n, >, 0);
  origin[n] = '\0';
  g_assert_cmpstr (origin, ==, f->url);

  /* Kept across a restart. */
  TRAWL_WAIT_UNTIL (file_contains (state, "\"parent-dir\""));
  board = restart_with_state (f, state);
  g_assert_cmpstr (trawl_board_get_output_dir (board), ==, expected);

  /* Removed, then added again in a new run: the same folder. */
  trawl_queue_remove_board (f->queue, board);
  trawl_test_drop_queue (&f->queue);
  f->queue = trawl_test_new_queue ();
  board = trawl_queue_add_board_full (f->queue, f->url, "pearvideo", out,
                                      TRAWL_ADD_BOARD_OWN_FOLDER, &error);
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpstr (trawl_board_get_output_dir (board), ==, expected);
  g_assert_false (g_file_test (link, G_FILE_TEST_IS_DIR) &&
                  !g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (dir_is_empty (elsewhere));
}

/* A board's own headers (a login's cookie, a browser's User-Agent) go
 * with its requests from the moment they are set, over the client's, are
 * checked, and are kept across a restart. */
static void
test_board_headers (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  const char *headers[] = { "Cookie: session=abc", "User-Agent: MyBrowser/1.0", NULL };
  const char *bad[] = { "Cookie: ok", "no colon here", NULL };
  g_autoptr(GError) error = NULL;
  TrawlBoard *board;

  trawl_board_server_set_items (f->server, 2);
  trawl_queue_set_state_file (f->queue, state);
  board = add_board (f, f->queue);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_null (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_LIST, "cookie"));

  g_assert_false (trawl_queue_set_board_headers (f->queue, board, bad, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (trawl_board_get_headers (board));

  g_assert_true (trawl_queue_set_board_headers (f->queue, board, headers, &error));
  g_assert_no_error (error);
  trawl_queue_download_board_again (f->queue, board);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_LIST, "cookie"),
                   ==, "session=abc");
  g_assert_cmpstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_LIST,
                                                       "user-agent"), ==, "MyBrowser/1.0");

  /* Kept across a restart. */
  TRAWL_WAIT_UNTIL (file_contains (state, "session=abc"));
  board = restart_with_state (f, state);
  g_assert_cmpstrv (trawl_board_get_headers (board), headers);
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/queue/board/classic", test_classic);
  ADD ("/queue/board/api", test_api);
  ADD ("/queue/board/mixed", test_mixed);
  ADD ("/queue/board/api-without-headers", test_api_without_headers);
  ADD ("/queue/concurrency/jobs", test_concurrency);
  ADD ("/queue/concurrency/per-host", test_per_host);
  ADD ("/queue/resume/after-failure", test_resume_after_failure);
  ADD ("/queue/resume/pause", test_pause_resume);
  ADD ("/queue/resume/pause-at-the-end", test_pause_at_the_end);
  ADD ("/queue/resume/next-run", test_resume_next_run);
  ADD ("/queue/name-taken-meanwhile", test_name_taken_meanwhile);
  ADD ("/queue/resume/range-ignored", test_range_ignored);
  ADD ("/queue/resume/changed-file", test_changed_file);
  ADD ("/queue/retry", test_retry_then_fail);
  ADD ("/queue/not-media", test_not_media);
  ADD ("/queue/archive", test_archive);
  ADD ("/queue/hostile-titles", test_hostile_titles);
  ADD ("/queue/generic-board", test_generic_board);
  ADD ("/queue/generic-archive", test_generic_archive);
  ADD ("/queue/direct-media", test_direct_media);
  ADD ("/queue/list-only", test_list_only);
  ADD ("/queue/bad-input", test_bad_input);
  ADD ("/queue/cancel", test_cancel);
  ADD ("/queue/settings", test_settings);
  ADD ("/queue/restore/downloads", test_restore);
  ADD ("/queue/restore/crawling", test_restore_crawling);
  ADD ("/queue/restore/bad", test_restore_bad);
  ADD ("/queue/own-folder", test_own_folder);
  ADD ("/queue/board-headers", test_board_headers);
  ADD ("/queue/review", test_review);
  ADD ("/queue/dispose-cancels", test_dispose_cancels);
  ADD ("/queue/final-save-wins", test_final_save_wins);
  ADD ("/queue/pause-waiting-request", test_pause_waiting_request);
  ADD ("/queue/waiting-is-not-stalling", test_waiting_is_not_stalling);
  ADD ("/queue/board-items/transitions", test_board_items_transitions);
  ADD ("/queue/board-items/two-boards", test_board_items_two_boards);
  ADD ("/queue/board-items/review", test_board_items_review);
  ADD ("/queue/board-items/restore", test_board_items_restore);
  g_test_add_func ("/queue/parse-rate", test_parse_rate);

  return g_test_run ();
}
