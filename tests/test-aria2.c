#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

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
  guint             notes_paused;
  gboolean          tls;
} Fixture;

/* Starts aria2c on the fixture's port, taking up its saved session, and
 * waits until it answers. */
static void
start_aria2c (Fixture *f)
{
  f->aria2c = trawl_test_start_aria2c (f->port, SECRET, f->remote, f->session, f->tls);
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
  if (strstr (note, "Paused in aria2") != NULL)
    f->notes_paused++;
}

/* A queue downloading with aria2 into @folder, or "videos" in its own
 * (over TLS trusting @ca_file, if given). */
static TrawlQueue *
new_queue_full (Fixture    *f,
                const char *secret,
                const char *ca_file,
                const char *folder)
{
  TrawlQueue *queue = trawl_test_new_queue ();
  g_autoptr(GError) error = NULL;
  g_autofree char *videos = g_build_filename (f->remote, "videos", NULL);
  g_autoptr(TrawlAria2) aria2 = NULL;

  if (folder == NULL)
    folder = videos;

  g_object_set (trawl_queue_get_client (queue), "allow-local", TRAWL_ALLOW_LOCAL_ALWAYS,
                "ca-file", ca_file, NULL);
  aria2 = trawl_aria2_new (trawl_queue_get_client (queue), f->address, secret, folder, &error);
  g_assert_no_error (error);
  trawl_queue_set_backend (queue, TRAWL_BACKEND (aria2));
  g_signal_connect (queue, "item-note", G_CALLBACK (item_note_cb), f);
  return queue;
}

static TrawlQueue *
new_queue (Fixture    *f,
           const char *secret)
{
  return new_queue_full (f, secret, NULL, NULL);
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
  f->port = trawl_test_free_port ();
  f->tls = g_strcmp0 (data, "tls") == 0;
  f->address = g_strdup_printf ("%s://127.0.0.1:%u/jsonrpc", f->tls ? "https" : "http", f->port);
  if (g_strcmp0 (data, "not started") != 0)
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

/* Until every one of the @n videos is done or failed. */
static void
wait_finished (Fixture *f,
               guint    n)
{
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == n);
}

static void
add_board (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  trawl_queue_add_board (f->queue, f->url, "pearvideo", f->dir, &error);
  g_assert_no_error (error);
}

/* One 4 MiB video, sent at 1 MiB/s, handed to aria2 and under way. */
static TrawlItem *
start_slow_video (Fixture *f)
{
  TrawlItem *item;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 0)) != NULL &&
                    trawl_item_get_bytes (item) > 0);
  return item;
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

  wait_finished (f, 8);
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
  TrawlItem *item = start_slow_video (f);

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
  /* What the row shows instead of a progress standing still. */
  g_assert_cmpuint (trawl_item_get_connections (item), ==, 0);
  g_assert_cmpint (trawl_item_get_failure (item), !=, TRAWL_FAILURE_NONE);
  g_assert_true (g_str_has_prefix (trawl_item_get_error (item), "Cannot reach aria2 at "));

  trawl_board_server_set_video_rate (f->server, 0);
  start_aria2c (f);
  wait_finished (f, 4);
  for (guint i = 0; i < 4; i++)
    assert_remote_video (f, i, 4 * MiB);
  g_assert_null (trawl_item_get_error (item));
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
  wait_finished (f, 3);
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
  g_autofree char *version = trawl_test_aria2_version (f->address, "not-the-secret", NULL);

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
  g_autofree char *version = trawl_test_aria2_version (f->address, SECRET, NULL);
  g_autofree char *expected = g_strdup_printf ("!Cannot reach aria2 at %s: ", f->address);

  g_assert_true (g_str_has_prefix (version, expected));

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  TRAWL_WAIT_UNTIL (f->notes_lost >= 2);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED), ==, 0);

  start_aria2c (f);
  wait_finished (f, 2);
  assert_remote_video (f, 0, MiB);
  assert_remote_video (f, 1, MiB);
}

/* Calls aria2 as another tool would (AriaNg): @method on @gid; its
 * answer. */
static char *
call_aria2 (Fixture    *f,
            const char *method,
            const char *gid)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, f->address);
  g_autofree char *argument = gid != NULL ? g_strdup_printf (",\"%s\"", gid)
                                          : g_strdup (strstr (method, "Stopped") ? ",0,1000" : "");
  g_autofree char *body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":\"t\",\"method\":\"%s\","
                                           "\"params\":[\"token:" SECRET "\"%s]}",
                                           method, argument);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

static gboolean
aria2_forgot (Fixture    *f,
              const char *gid)
{
  g_autofree char *answer = call_aria2 (f, "aria2.tellStatus", gid);

  return strstr (answer, "is not found") != NULL;
}

/* Cancelled in Trawl: gone from aria2 too, its result as well. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  TrawlItem *item = start_slow_video (f);
  g_autofree char *gid = NULL;

  g_object_get (item, "remote-id", &gid, NULL);
  trawl_queue_cancel (f->queue, item);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 0 &&
                    !trawl_queue_is_busy (f->queue));
  TRAWL_WAIT_UNTIL (aria2_forgot (f, gid));
  g_clear_pointer (&gid, g_free);
  g_object_get (item, "remote-id", &gid, NULL);
  g_assert_null (gid);
}

/* Paused in aria2 by another tool: Trawl says so and leaves it paused
 * (no video request reaches the server), and it finishes once resumed
 * there. */
static void
test_paused_elsewhere (Fixture       *f,
                       gconstpointer  data)
{
  TrawlItem *item = start_slow_video (f);
  g_autofree char *gid = NULL;

  g_object_get (item, "remote-id", &gid, NULL);
  g_assert_nonnull (gid);
  g_free (call_aria2 (f, "aria2.forcePause", gid));
  TRAWL_WAIT_UNTIL (f->notes_paused == 1 &&
                    trawl_board_server_get_videos_in_flight (f->server) == 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_DOWNLOADING);

  trawl_board_server_set_video_rate (f->server, 0);
  g_free (call_aria2 (f, "aria2.unpause", gid));
  TRAWL_WAIT_UNTIL (trawl_item_is_finished (item));
  assert_remote_video (f, 0, 4 * MiB);
}

/* aria2 over TLS: with its CA given (--ca-file) the board lands; without,
 * each video fails saying the certificate is not trusted, at once. */
static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *ca = g_test_build_filename (G_TEST_DIST, "fixtures", "tls", "ca.pem", NULL);

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 2);
  g_assert_true (g_str_has_prefix (trawl_item_get_error (trawl_test_item (f->queue, 0)),
                                   "The certificate of aria2 at 127.0.0.1 is not trusted"));
  g_assert_cmpuint (f->notes_lost, ==, 0);
  trawl_test_drop_queue (&f->queue);

  f->queue = new_queue_full (f, SECRET, ca, NULL);
  add_board (f);
  wait_finished (f, 2);
  assert_remote_video (f, 0, MiB);
  assert_remote_video (f, 1, MiB);
}

/* A folder aria2 cannot write in: each video fails with aria2's reason,
 * on one line. */
static void
test_refused_dir (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->remote, "a-file", NULL);
  g_autofree char *under = g_build_filename (file, "videos", NULL);
  const char *reason;

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  trawl_board_server_set_items (f->server, 1);
  f->queue = new_queue_full (f, SECRET, NULL, under);
  add_board (f);
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED) == 1);
  reason = trawl_item_get_error (trawl_test_item (f->queue, 0));
  g_assert_true (g_str_has_prefix (reason, "aria2 could not download it: it cannot write in its "
                                           "folder (error 18)"));
  g_assert_null (strchr (reason, '\n'));
}

/* What aria2 would fetch is checked here first: a web page where a video
 * should be, and an HLS stream known only by its Content-Type, fail with
 * their reasons and are never handed over; the other videos land. */
static void
test_not_video (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *fixtures = g_test_build_filename (G_TEST_DIST, "fixtures", "hls", NULL);
  g_autofree char *base = NULL;
  g_autofree char *stream = NULL;
  g_autoptr(GError) error = NULL;
  TrawlItem *page;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, MiB);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_HTML, 0, 0);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  wait_finished (f, 3);
  assert_remote_video (f, 0, MiB);
  assert_remote_video (f, 2, MiB);
  page = trawl_test_item (f->queue, 1);
  g_assert_cmpint (trawl_item_get_state (page), ==, TRAWL_ITEM_FAILED);
  g_assert_true (g_str_has_prefix (trawl_item_get_error (page), "The server sent a web page"));

  g_assert_true (trawl_board_server_set_hls (f->server, fixtures, &error));
  g_assert_no_error (error);
  base = trawl_board_server_get_base_url (f->server);
  stream = g_strconcat (base, "/hls/ts/stream", NULL);
  trawl_queue_add_board (f->queue, stream, NULL, f->dir, &error);
  g_assert_no_error (error);
  wait_finished (f, 4);
  {
    g_autoptr(TrawlItem) playlist = g_list_model_get_item (G_LIST_MODEL (f->queue), 3);

    g_assert_cmpstr (trawl_item_get_error (playlist), ==,
                     "aria2 cannot save HLS streams; download this board on this computer");
  }
  /* Only the two videos are in aria2's folder. */
  {
    g_autofree char *folder = g_build_filename (f->remote, "videos", NULL);
    g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
    guint files = 0;

    while (dir != NULL && g_dir_read_name (dir) != NULL)
      files++;
    g_assert_cmpuint (files, ==, 2);
  }
}

/* A video that redirects to another host: aria2 is sent where the
 * redirect leads, without the credentials meant for the board's site. */
static void
test_redirect_credentials (Fixture       *f,
                           gconstpointer  data)
{
  const char *headers[] = { "Cookie: session=BOARD-ONLY", NULL };

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, MiB);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_REDIRECT, 0, 1);
  f->queue = new_queue (f, SECRET);
  g_object_set (trawl_queue_get_client (f->queue), "headers", headers, NULL);
  add_board (f);
  wait_finished (f, 1);
  assert_remote_video (f, 0, MiB);
  /* The last video request is aria2's, to localhost. */
  g_assert_cmpstr (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO, "host"),
                   !=, NULL);
  g_assert_true (g_str_has_prefix (trawl_board_server_get_last_header (
                                     f->server, TRAWL_REQUEST_VIDEO, "host"), "localhost:"));
  g_assert_null (trawl_board_server_get_last_header (f->server, TRAWL_REQUEST_VIDEO, "cookie"));
}

/* A server that answers aria2's address as a hostile one would. */
static void
fake_aria2_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  const char *mode = user_data;

  if (g_str_equal (mode, "deep") || g_str_equal (mode, "huge"))
    {
      gsize length = g_str_equal (mode, "deep") ? 200000 : 9 * MiB;
      char *body = g_malloc (length);

      memset (body, '[', length);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, length);
    }
  else if (g_str_equal (mode, "empty"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "", 0);
    }
  else
    soup_server_message_set_status (msg, 502, NULL);
}

static char *
start_fake_aria2 (SoupServer *server,
                  const char *mode)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *address;

  soup_server_add_handler (server, NULL, fake_aria2_cb, (gpointer) mode, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  address = g_strdup_printf ("http://127.0.0.1:%d/jsonrpc", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return address;
}

/* Answers no aria2 gives: nested beyond measure, endless, empty. Each is a
 * reason in one line, never a crash, unbounded memory or a critical. */
static void
test_hostile_answers (Fixture       *f,
                      gconstpointer  data)
{
  struct { const char *mode; const char *reason; } cases[] = {
    { "deep", "does not answer as aria2 does (200 OK)" },
    { "huge", "does not answer as aria2 does (an answer of over 8 MiB)" },
    { "empty", "does not answer as aria2 does (200 OK)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
      g_autofree char *address = start_fake_aria2 (server, cases[i].mode);
      g_autofree char *version = trawl_test_aria2_version (address, SECRET, NULL);

      g_assert_true (g_str_has_prefix (version, "!"));
      g_assert_nonnull (strstr (version, cases[i].reason));
      g_assert_null (strchr (version, '\n'));
    }
}

/* A proxy in front of aria2 answering 502 (aria2 restarting behind it):
 * the videos wait, saying so, and none fails. */
static void
test_proxy_502 (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);

  g_free (f->address);
  f->address = start_fake_aria2 (server, "502");
  trawl_board_server_set_items (f->server, 2);
  f->queue = new_queue (f, SECRET);
  add_board (f);
  TRAWL_WAIT_UNTIL (f->notes_lost >= 2);
  g_assert_cmpuint (trawl_queue_count_state (f->queue, TRAWL_ITEM_FAILED), ==, 0);
}

/* aria2's folder written with a trailing slash ("/srv/videos/"): the file
 * aria2 names is the one asked for. */
static void
test_dir_slash (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (f->remote, "videos", NULL);
  g_autofree char *slashed = g_strconcat (folder, "/", NULL);

  trawl_board_server_set_items (f->server, 2);
  trawl_board_server_set_video_size (f->server, MiB);
  f->queue = new_queue_full (f, SECRET, NULL, slashed);
  add_board (f);
  wait_finished (f, 2);
  assert_remote_video (f, 0, MiB);
  assert_remote_video (f, 1, MiB);
}

/* The speed limit, tries and idle timeout reach aria2 as its options. */
static void
test_limits (Fixture       *f,
             gconstpointer  data)
{
  TrawlItem *item;
  g_autofree char *gid = NULL;
  g_autofree char *options = NULL;

  trawl_board_server_set_items (f->server, 1);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, MiB);
  f->queue = new_queue (f, SECRET);
  g_object_set (trawl_queue_get_client (f->queue), "limit-rate", (guint64) 3 * MiB,
                "max-tries", 7, "timeout", 17, NULL);
  add_board (f);
  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 0)) != NULL &&
                    trawl_item_get_bytes (item) > 0);
  g_object_get (item, "remote-id", &gid, NULL);
  options = call_aria2 (f, "aria2.getOption", gid);
  g_assert_nonnull (strstr (options, "\"max-download-limit\":\"3145728\""));
  g_assert_nonnull (strstr (options, "\"max-tries\":\"7\""));
  g_assert_nonnull (strstr (options, "\"timeout\":\"17\""));
  trawl_board_server_set_video_rate (f->server, 0);
  wait_finished (f, 1);
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

static GSubprocess *
spawn_cli (Fixture     *f,
           Run         *run,
           const char  *secret_file,
           const char  *address)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_build_filename (f->remote, "videos", NULL);
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, g_getenv ("TRAWL_CLI"), "-o", f->dir, "--no-archive",
                              "--allow-local", "--recipe", "pearvideo", "--aria2", address,
                              "--aria2-secret-file", secret_file, "--aria2-dir", folder, f->url,
                              NULL);
  g_assert_no_error (error);
  /* The board server answers from this main context. */
  run->done = FALSE;
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, run);
  return process;
}

static int
wait_cli (GSubprocess *process,
          Run         *run)
{
  TRAWL_WAIT_UNTIL (run->done);
  g_assert_true (g_subprocess_wait (process, NULL, NULL));
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                     : 128 + g_subprocess_get_term_sig (process);
  return run->status;
}

static int
run_cli (Fixture     *f,
         Run         *run,
         const char  *secret_file,
         const char  *address)
{
  g_autoptr(GSubprocess) process = spawn_cli (f, run, secret_file, address);

  return wait_cli (process, run);
}

/* Whether aria2 has a download of the board's running. */
static gboolean
aria2_busy (Fixture *f)
{
  g_autofree char *answer = call_aria2 (f, "aria2.tellActive", NULL);

  return strstr (answer, "\"gid\"") != NULL;
}

/* trawl-cli stopped by Ctrl+C while aria2 downloads, then run again: it
 * finds aria2's downloads by their files (it keeps no state), every
 * video is done, and no finished result is left in aria2's list. */
static void
test_cli_rerun (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (f->remote, "secret", NULL);
  g_autoptr(GSubprocess) first = NULL;
  g_autofree char *stopped = NULL;
  Run run = { 0 };

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 4 * MiB);
  trawl_board_server_set_video_rate (f->server, MiB);
  g_assert_true (g_file_set_contents (secret, SECRET "\n", -1, NULL));

  first = spawn_cli (f, &run, secret, f->address);
  TRAWL_WAIT_UNTIL (aria2_busy (f));
  g_subprocess_send_signal (first, SIGINT);
  g_assert_cmpint (wait_cli (first, &run), ==, 130);
  g_clear_pointer (&run.err, g_free);

  trawl_board_server_set_video_rate (f->server, 0);
  if (run_cli (f, &run, secret, f->address) != 0)
    g_error ("the second run failed: %s", run.err);
  g_free (run.err);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = trawl_board_server_item_title (f->server, i);
      g_autofree char *name = g_strconcat (title, ".mp4", NULL);
      g_autofree char *path = g_build_filename (f->remote, "videos", name, NULL);

      trawl_test_assert_video (path, trawl_board_server_item_id (i), 4 * MiB);
    }
  stopped = call_aria2 (f, "aria2.tellStopped", NULL);
  g_assert_nonnull (strstr (stopped, "\"result\":[]"));
}

/* trawl-cli --aria2: the board lands in aria2's folder; a wrong secret and
 * an address where nothing listens stop it at once with their reason. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (f->remote, "secret", NULL);
  g_autofree char *wrong = g_strconcat (secret, "-wrong", NULL);
  g_autofree char *nowhere = g_strdup_printf ("http://127.0.0.1:%u/jsonrpc",
                                              trawl_test_free_port ());
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
  ADD ("/aria2/paused-elsewhere", test_paused_elsewhere, NULL);
  ADD ("/aria2/cancel", test_cancel, NULL);
  ADD ("/aria2/tls", test_tls, "tls");
  ADD ("/aria2/refused-dir", test_refused_dir, NULL);
  ADD ("/aria2/not-video", test_not_video, NULL);
  ADD ("/aria2/redirect-credentials", test_redirect_credentials, NULL);
  ADD ("/aria2/hostile-answers", test_hostile_answers, "not started");
  ADD ("/aria2/proxy-502", test_proxy_502, "not started");
  ADD ("/aria2/dir-slash", test_dir_slash, NULL);
  ADD ("/aria2/limits", test_limits, NULL);
  ADD ("/aria2/cli-rerun", test_cli_rerun, NULL);

  return g_test_run ();
}
