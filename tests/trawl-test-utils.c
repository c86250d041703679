#define G_LOG_DOMAIN "trawl-test"

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "trawl-aria2.h"
#include "trawl-board-server.h"
#include "trawl-test-utils.h"

static gboolean
wake_up (gpointer user_data)
{
  /* Only there so that g_main_context_iteration() returns now and then
   * and the deadline is looked at; no test waits on it. */
  return G_SOURCE_CONTINUE;
}

static void
init (int      *argc,
      char   ***argv,
      gboolean  isolate)
{
  setlocale (LC_ALL, "");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Isolated XDG dirs hide the desktop's proxy settings schema, and every
   * request of a test goes to loopback anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  if (isolate)
    g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  else
    g_test_init (argc, argv, NULL);
  g_timeout_add_seconds (1, wake_up, NULL);
}

/* Every XDG folder a fresh temporary one, per test. */
void
trawl_test_init (int    *argc,
                 char ***argv)
{
  init (argc, argv, TRUE);
}

/* UI tests keep the system's data folders (icon theme, fonts); their own
 * files go to folders they make, their settings to memory. */
void
trawl_test_init_ui (int    *argc,
                    char ***argv)
{
  g_autofree char *home = g_dir_make_tmp ("trawl-home-XXXXXX", NULL);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  init (argc, argv, FALSE);
}

char *
trawl_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("trawl-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* Runs @argv, its output hidden; TRUE when it ran and succeeded. */
gboolean
trawl_test_run_quiet (const char * const *argv)
{
  int status = 0;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

/* Mounts a file system of @type on @dir, or marks the test skipped (not
 * root, or a sandbox that does not allow it) and returns FALSE. */
gboolean
trawl_test_mount (const char *type,
                  const char *dir,
                  const char *options)
{
  if (getuid () != 0)
    {
      g_test_skip ("mounting a file system needs root; skipped");
      return FALSE;
    }
  if (!trawl_test_run_quiet ((const char *[]) { "mount", "-t", type, "-o", options, type, dir,
                                                NULL }))
    {
      g_test_skip ("this sandbox does not allow mounting a file system; skipped");
      return FALSE;
    }
  return TRUE;
}

void
trawl_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            trawl_test_rm_rf (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

char *
trawl_test_file_sha256 (const char *path)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;

  file = g_mapped_file_new (path, FALSE, &error);
  if (file == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (file),
                                      g_mapped_file_get_length (file));
}

gint64
trawl_test_file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

char *
trawl_test_fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
}

GBytes *
trawl_test_fixture (const char *name)
{
  g_autofree char *path = trawl_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (data, length);
}

/* The file at @path holds exactly video @id of the board server, and no
 * .part of it is left beside it. */
void
trawl_test_assert_video (const char *path,
                         guint       id,
                         guint64     size)
{
  g_autofree char *expected = trawl_board_server_checksum (id, size);
  g_autofree char *actual = trawl_test_file_sha256 (path);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  g_assert_cmpstr (actual, ==, expected);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

/* Stops and drops the queue, which must be gone at once, then waits
 * until its cancelled operations have run through. */
void
trawl_test_drop_queue (TrawlQueue **queue)
{
  TrawlQueue *weak = *queue;
  TrawlClient *client = trawl_queue_get_client (*queue);

  trawl_queue_shutdown (*queue);
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &client);
  g_clear_object (queue);
  /* Nothing in flight holds the queue: dropping it is the end of it. */
  g_assert_null (weak);
  /* What was in flight (each holds the client) winds down by itself. */
  TRAWL_WAIT_UNTIL (client == NULL);
}

/* A queue that retries after 10 ms and gives up on a silent connection
 * after 10 s, so that tests of faults finish quickly. */
TrawlQueue *
trawl_test_new_queue (void)
{
  g_autoptr(TrawlClient) client = g_object_new (TRAWL_TYPE_CLIENT, "retry-delay", 10,
                                                "timeout", 10, NULL);

  return trawl_queue_new (client);
}

/* The queue's item for the board server's item at INDEX, or NULL while the
 * queue has none (the queue keeps it alive). */
TrawlItem *
trawl_test_find_item (TrawlQueue *queue,
                      guint       index)
{
  g_autofree char *id = g_strdup_printf ("%u", trawl_board_server_item_id (index));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);

      if (g_strcmp0 (trawl_item_get_id (item), id) == 0)
        return item;
    }

  return NULL;
}

/* The same, failing the test when the queue has no such item. */
TrawlItem *
trawl_test_item (TrawlQueue *queue,
                 guint       index)
{
  TrawlItem *item = trawl_test_find_item (queue, index);

  if (item == NULL)
    g_error ("The queue has no item for the server's item %u", index);
  return item;
}

/* Every request the server has answered, of any kind. */
guint
trawl_test_count_requests (TrawlBoardServer *server)
{
  guint n = 0;

  for (guint kind = 0; kind < TRAWL_N_REQUEST_KINDS; kind++)
    n += trawl_board_server_get_requests (server, kind);
  return n;
}

/* A port nothing listens on (at the moment of asking). */
guint
trawl_test_free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static void
aria2_version_cb (GObject      *object,
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
char *
trawl_test_aria2_version (const char *address,
                          const char *secret,
                          const char *ca_file)
{
  g_autoptr(TrawlClient) client = g_object_new (TRAWL_TYPE_CLIENT, "ca-file", ca_file, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = trawl_aria2_new (client, address, secret, NULL, &error);
  char *version = NULL;

  g_assert_no_error (error);
  trawl_aria2_get_version_async (aria2, NULL, aria2_version_cb, &version);
  TRAWL_WAIT_UNTIL (version != NULL);
  return version;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A real aria2c answering JSON-RPC on @port (with @secret, if any), saving
 * in @dir, keeping its session in @session and taking it up if it is
 * there; over TLS with the test certificate when @tls. Returned once it
 * answers. */
GSubprocess *
trawl_test_start_aria2c (guint       port,
                         const char *secret,
                         const char *dir,
                         const char *session,
                         gboolean    tls)
{
  g_autofree char *certificate = g_test_build_filename (G_TEST_DIST, "fixtures", "tls",
                                                        "server-with-key.pem", NULL);
  g_autofree char *ca = g_test_build_filename (G_TEST_DIST, "fixtures", "tls", "ca.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *address = g_strdup_printf ("%s://127.0.0.1:%u/jsonrpc",
                                              tls ? "https" : "http", port);
  GSubprocess *aria2c;

  /* A test that fails leaves no aria2 behind. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (args, g_strdup ("aria2c"));
  g_ptr_array_add (args, g_strdup ("--no-conf"));
  g_ptr_array_add (args, g_strdup ("--enable-rpc"));
  g_ptr_array_add (args, g_strdup_printf ("--rpc-listen-port=%u", port));
  if (secret != NULL)
    g_ptr_array_add (args, g_strdup_printf ("--rpc-secret=%s", secret));
  g_ptr_array_add (args, g_strdup_printf ("--dir=%s", dir));
  if (session != NULL)
    {
      g_ptr_array_add (args, g_strdup_printf ("--save-session=%s", session));
      if (g_file_test (session, G_FILE_TEST_EXISTS))
        g_ptr_array_add (args, g_strdup_printf ("--input-file=%s", session));
    }
  if (tls)
    {
      g_ptr_array_add (args, g_strdup ("--rpc-secure=true"));
      g_ptr_array_add (args, g_strdup_printf ("--rpc-certificate=%s", certificate));
      g_ptr_array_add (args, g_strdup_printf ("--rpc-private-key=%s", certificate));
    }
  g_ptr_array_add (args, g_strdup ("--quiet"));
  g_ptr_array_add (args, NULL);

  aria2c = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);

  /* Asked until it listens: a refused connection comes back at once. */
  for (gint64 deadline = g_get_monotonic_time () + TRAWL_TEST_TIMEOUT_S * G_USEC_PER_SEC;;)
    {
      g_autofree char *version = trawl_test_aria2_version (address, secret, tls ? ca : NULL);

      if (version[0] != '!')
        break;
      if (g_subprocess_get_identifier (aria2c) == NULL || g_get_monotonic_time () > deadline)
        g_error ("aria2c does not answer: %s", version + 1);
    }
  return aria2c;
}
