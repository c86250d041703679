#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "trawl-aria2.h"
#include "trawl-board-server.h"
#include "trawl-queue.h"
#include "trawl-test-utils.h"

/* aria2 as the download backend: a real `aria2c --enable-rpc` on loopback,
 * with its own folder, downloads the videos of boards that Trawl reads.
 * Every video must land in aria2's folder byte for byte, sent with the
 * Referer the site needs; a pause must stop aria2's transfer and a resume
 * restart it; aria2 (or Trawl) stopped mid-board must be found again; a
 * wrong secret and an address where nothing listens must say so. */

#define MiB (1024 * 1024)
#define SECRET "trawl-test-secret"

typedef struct
{
  TrawlBoardServer *server;
  TrawlQueue       *queue;
  GSubprocess      *aria2c;
  guint             port;
  char             *address;
  char             *dir;      /* Trawl's own folder: must stay empty */
  char             *remote;   /* aria2's --dir */
  char             *session;
  char             *url;
  guint             notes_lost;
} Fixture;

static guint
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static void
version_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  char **version = user_data;
  g_autoptr(GError) error = NULL;

  *version = trawl_aria2_get_version_finish (TRAWL_ARIA2 (object), result, &error);
  if (*version == NULL)
    *version = g_strconcat ("!", error->message, NULL);
}

/* What aria2 at @address says when asked for its version: the version, or
 * "!" and the reason. */
static char *
ask_version (const char *address,
             const char *secret)
{
  g_autoptr(TrawlClient) client = trawl_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = trawl_aria2_new (client, address, secret, NULL, &error);
  char *version = NULL;

  g_assert_no_error (error);
  trawl_aria2_get_version_async (aria2, NULL, version_cb, &version);
  TRAWL_WAIT_UNTIL (version != NULL);
  return version;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts aria2c on the fixture's port, taking up its saved session, and
 * waits until it answers. */
static void
start_aria2c (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  /* A test that fails leaves no aria2 behind. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (args, g_strdup ("aria2c"));
  g_ptr_array_add (args, g_strdup ("--no-conf"));
  g_ptr_array_add (args, g_strdup ("--enable-rpc"));
  g_ptr_array_add (args, g_strdup_printf ("--rpc-listen-port=%u", f->port));
  g_ptr_array_add (args, g_strdup ("--rpc-secret=" SECRET));
  g_ptr_array_add (args, g_strdup_printf ("--dir=%s", f->remote));
  g_ptr_array_add (args, g_strdup_printf ("--save-session=%s", f->session));
  if (g_file_test (f->session, G_FILE_TEST_EXISTS))
    g_ptr_array_add (args, g_strdup_printf ("--input-file=%s", f->session));
  g_ptr_array_add (args, g_strdup ("--quiet"));
  g_ptr_array_add (args, NULL);

  f->aria2c = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata,
                                            &error);
  g_assert_no_error (error);

  /* Asked until it listens: a refused connection comes back at once. */
  for (gint64 deadline = g_get_monotonic_time () + TRAWL_TEST_TIMEOUT_S * G_USEC_PER_SEC;;)
    {
      g_autofree char *version = ask_version (f->address, SECRET);

      if (version[0] != '!')
        break;
      if (g_subprocess_get_identifier (f->aria2c) == NULL ||
          g_get_monotonic_time () > deadline)
        g_error ("aria2c does not answer: %s", version + 1);
    }
}

static void
stop_aria2c (Fixture *f)
{
  if (f->aria2c == NULL)
    return;
  /* SIGTERM: aria2 saves its session and leaves. */
  g_subprocess_send_signal (f->aria2c, SIGTERM);
  g_assert_true (g_subprocess_wait (f->aria2c, NULL, NULL));
  g_clear_object (&f->aria2c);
}

static void
item_note_cb (TrawlQueue *queue,
              TrawlItem  *item,
              const char *note,
              Fixture    *f)
{
  if (strstr (note, "Cannot reach aria2") != NULL)
    f->notes_lost++;
}

static TrawlQueue *
new_queue (Fixture    *f,
           const char *secret)
{
  TrawlQueue *queue = trawl_test_new_queue ();
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_build_filename (f->remote, "videos", NULL);
  g_autoptr(TrawlAria2) aria2 = trawl_aria2_new (trawl_queue_get_client (queue), f->address,
                                                 secret, folder, &error);

  g_assert_no_error (error);
  g_object_set (trawl_queue_get_client (queue), "allow-local", TRAWL_ALLOW_LOCAL_ALWAYS, NULL);
  trawl_queue_set_backend (queue, TRAWL_BACKEND (aria2));
  g_signal_connect (queue, "item-note", G_CALLBACK (item_note_cb), f);
  return queue;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = trawl_board_server_new ();
  trawl_board_server_set_form (f->server, TRAWL_BOARD_FORM_API);
  trawl_board_server_set_video_referer (f->server, TRUE);
  g_assert_true (trawl_board_server_start (f->server, 0, &error));
  f->url = trawl_board_server_get_url (f->server);
  f->dir = trawl_test_make_tmpdir ();
  f->remote = trawl_test_make_tmpdir ();
  f->session = g_build_filename (f->remote, "session.txt", NULL);
  f->port = free_port ();
  f->address = g_strdup_printf ("http://127.0.0.1:%u/jsonrpc", f->port);
  if (data == NULL)
    start_aria2c (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->queue != NULL)
    trawl_test_drop_queue (&f->queue);
  stop_aria2c (f);
  g_clear_object (&f->server);
  trawl_test_rm_rf (f->dir);
  trawl_test_rm_rf (f->remote);
  g_free (f->dir);
  g_free (f->remote);
  g_free (f->session);
  g_free (f->address);
  g_free (f->url);
}

/* The video of the board server's item @index, where aria2 saved it. */
static void
assert_remote_video (Fixture *f,
                     guint    index,
                     guint64  size)
{
  TrawlItem *item = trawl_test_item (f->queue, index);
  g_autofree char *name = g_path_get_basename (trawl_item_get_path (item));
  g_autofree char *path = g_build_filename (f->remote, "videos", name, NULL);

  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DONE);
  trawl_test_assert_video (path, trawl_board_server_item_id (index), size);
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir == NULL || g_dir_read_name (dir) == NULL;
}

static void
add_board (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  trawl_queue_add_board (f->queue, f->url, "pearvideo", f->dir, &error);
  g_assert_no_error (error);
}

/* Every video of a board through aria2: in aria2's folder, byte for byte,
 * fetched with the detail page as Referer (the server refuses it
 * otherwise), and nothing written in Trawl's own folder. */
static void
test_board (Fixture       *f,
            gconstpointer  data)
{
  trawl_board_server_set_items (f->server, 8);
  trawl_board_server_set_video_size (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);

  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 8);
  for (guint i = 0; i < 8; i++)
    assert_remote_video (f, i, MiB);
  g_assert_true (dir_is_empty (f->dir));
  /* The client's User-Agent, not aria2's own. */
  g_assert_nonnull (strstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO,
                                                                "user-agent"),
                            "Mozilla"));
}

/* A pause stops aria2's transfer (the server sees no video request left),
 * a resume starts it again, and the file is whole. */
static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);

  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 0)) != NULL &&
                    trawl_item_get_bytes (item) > 0);
  trawl_queue_pause (f->queue, item);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 0 &&
                    !trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);
  g_assert_cmpuint (trawl_item_get_bytes (item), <, 4 * MiB);

  trawl_board_server_set_video_rate (f->server, 0);
  trawl_queue_resume (f->queue, item);
  TRAWL_WAIT_UNTIL (trawl_item_is_finished (item));
  assert_remote_video (f, 0, 4 * MiB);
}

/* aria2 stopped mid-board (its session saved) and started again: Trawl
 * says it lost aria2, reconnects, and finds every download by its GID. */
static void
test_aria2_restart (Fixture       *f,
                    gconstpointer  data)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 4);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);

  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 0)) != NULL &&
                    trawl_item_get_bytes (item) > 0);
  stop_aria2c (f);
  TRAWL_WAIT_UNTIL (f->notes_lost > 0);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED), ==, 0);

  trawl_board_server_set_video_rate (f->server, 0);
  start_aria2c (f);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 4);
  for (guint i = 0; i < 4; i++)
    assert_remote_video (f, i, 4 * MiB);
}

/* Trawl stopped mid-board while aria2 goes on: the next Trawl, from its
 * saved queue, finds the downloads by their GIDs and hands none over
 * twice (a second addUri of a name would fail: aria2 never overwrites). */
static void
test_trawl_restart (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->dir, "queue.json", NULL);
  g_autoptr(GError) error = NULL;
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, 2 * MiB);
  f->queue = new_queue (f, SECRET);
  trawl_queue_set_state_file (f->queue, state);
  add_board (f);

  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 2)) != NULL &&
                    trawl_item_get_bytes (item) > 0);
  g_assert_true (trawl_queue_save (f->queue, &error));
  g_assert_no_error (error);
  trawl_test_drop_queue (&f->queue);

  trawl_board_server_set_video_rate (f->server, 0);
  f->queue = new_queue (f, SECRET);
  trawl_queue_set_state_file (f->queue, state);
  g_assert_true (trawl_queue_restore (f->queue, &error));
  g_assert_no_error (error);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 3);
  for (guint i = 0; i < 3; i++)
    assert_remote_video (f, i, 4 * MiB);
  /* Each video was asked of the server by one download only. */
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), <=, 3 * 4 * MiB + MiB);
}

/* A wrong secret fails each video with that reason, and the version
 * check says it too. */
static void
test_wrong_secret (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *version = ask_version (f->address, "not-the-secret");

  g_assert_cmpstr (version, ==, "!aria2 at 127.0.0.1 refused the secret");

  trawl_board_server_set_items (f->server, 2);
  f->queue = new_queue (f, "not-the-secret");
  add_board (f);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 2);
  g_assert_cmpstr (trawl_item_get_error (trawl_test_item (f->queue, 0)), ==,
                   "aria2 at 127.0.0.1 refused the secret");
  g_assert_true (dir_is_empty (f->remote));
}

/* Nothing listens yet: the videos wait, saying so, and none fails; once
 * aria2 is there they are downloaded. */
static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *version = ask_version (f->address, SECRET);
  g_autofree char *expected = g_strdup_printf ("!Cannot reach aria2 at %s: ", f->address);

  g_assert_true (g_str_has_prefix (version, expected));

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  TRAWL_WAIT_UNTIL (f->notes_lost >= 2);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED), ==, 0);

  start_aria2c (f);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 2);
  assert_remote_video (f, 0, MiB);
  assert_remote_video (f, 1, MiB);
}

typedef struct
{
  int      status;
  char    *err;
  gboolean done;
} Run;

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, NULL, &run->err, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static int
run_cli (Fixture     *f,
         Run         *run,
         const char  *secret_file,
         const char  *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *folder = g_build_filename (f->remote, "videos", NULL);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, g_getenv ("TRAWL_CLI"), "-o", f->dir, "--no-archive",
                              "--allow-local", "--recipe", "pearvideo", "--aria2", address,
                              "--aria2-secret-file", secret_file, "--aria2-dir", folder, f->url,
                              NULL);
  g_assert_no_error (error);
  /* The board server answers from this main context. */
  run->done = FALSE;
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, run);
  TRAWL_WAIT_UNTIL (run->done);
  g_assert_true (g_subprocess_wait (process, NULL, NULL));
  run->status = g_subprocess_get_exit_status (process);
  return run->status;
}

/* trawl-cli --aria2: the board lands in aria2's folder; a wrong secret and
 * an address where nothing listens stop it at once with their reason. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (f->remote, "secret", NULL);
  g_autofree char *wrong = g_strconcat (secret, "-wrong", NULL);
  g_autofree char *nowhere = g_strdup_printf ("http://127.0.0.1:%u/jsonrpc", free_port ());
  Run run = { 0 };

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, MiB);
  g_assert_true (g_file_set_contents (secret, SECRET "\n", -1, NULL));
  g_assert_true (g_file_set_contents (wrong, "nope\n", -1, NULL));

  g_assert_cmpint (run_cli (f, &run, wrong, f->address), ==, 2);
  g_assert_nonnull (strstr (run.err, "aria2 at 127.0.0.1 refused the secret"));
  g_free (run.err);

  g_assert_cmpint (run_cli (f, &run, secret, nowhere), ==, 2);
  g_assert_nonnull (strstr (run.err, "Cannot reach aria2 at http://127.0.0.1:"));
  g_free (run.err);

  if (run_cli (f, &run, secret, f->address) != 0)
    g_error ("trawl-cli --aria2 failed: %s", run.err);
  g_free (run.err);
  g_unlink (secret);
  g_unlink (wrong);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = trawl_board_server_item_title (f->server, i);
      g_autofree char *name = g_strconcat (title, ".mp4", NULL);
      g_autofree char *path = g_build_filename (f->remote, "videos", name, NULL);

      trawl_test_assert_video (path, trawl_board_server_item_id (i), MiB);
    }
  g_assert_true (dir_is_empty (f->dir));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/aria2/board", test_board, NULL);
  ADD ("/aria2/pause-resume", test_pause_resume, NULL);
  ADD ("/aria2/aria2-restart", test_aria2_restart, NULL);
  ADD ("/aria2/trawl-restart", test_trawl_restart, NULL);
  ADD ("/aria2/wrong-secret", test_wrong_secret, NULL);
  ADD ("/aria2/unreachable", test_unreachable, "not started");
  ADD ("/aria2/cli", test_cli, NULL);

  return g_test_run ();
}
