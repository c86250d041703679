#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "trawl-application.h"
#include "trawl-aria2.h"
#include "trawl-board-server.h"
#include "trawl-preferences-window.h"
#include "trawl-remote.h"
#include "trawl-test-utils.h"
#include "trawl-ui-test-utils.h"

/* The aria2 secret goes through the user's keyring: a real
 * gnome-keyring-daemon, unlocked, on a session bus of the test's own
 * (GTestDBus). The secret typed in Preferences must reach the keyring, be
 * what the queue's aria2 backend uses (a real aria2c that wants it
 * downloads the board), come back into Preferences, and be nowhere in
 * GSettings or the queue's file. */

#define SECRET "s3cret with spaces ☃"

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* gnome-keyring-daemon with a login keyring of its own, unlocked. */
static GSubprocess *
start_keyring (const char *home)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *runtime = g_build_filename (home, "run", NULL);
  g_autoptr(GError) error = NULL;
  GSubprocess *daemon;
  GOutputStream *input;

  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  daemon = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TRAWL_KEYRING_DAEMON"),
                                        "--unlock", "--components=secrets", "--foreground",
                                        NULL);
  g_assert_no_error (error);
  /* The login keyring's password, then the end of it. */
  input = g_subprocess_get_stdin_pipe (daemon);
  g_assert_true (g_output_stream_write_all (input, "test", 4, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (input, NULL, &error));
  g_assert_no_error (error);
  return daemon;
}

static gboolean
is_password_row (GtkWidget     *widget,
                 gconstpointer  data)
{
  return ADW_IS_PASSWORD_ENTRY_ROW (widget);
}

static void
looked_up_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **secret = user_data;
  g_autoptr(GError) error = NULL;

  *secret = trawl_remote_lookup_secret_finish (result, &error);
  if (*secret == NULL)
    *secret = g_strdup ("");
}

static char *
keyring_secret (const char *address)
{
  char *secret = NULL;

  trawl_remote_lookup_secret_async (address, NULL, looked_up_cb, &secret);
  TRAWL_WAIT_UNTIL (secret != NULL);
  return secret;
}

static GtkWindow *
open_preferences (GSettings *settings)
{
  GtkWindow *preferences = g_object_ref_sink (trawl_preferences_window_new (settings));

  gtk_window_present (preferences);
  trawl_ui_wait_for_frame (GTK_WIDGET (preferences));
  return preferences;
}

static void
test_keyring (void)
{
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(TrawlBoardServer) server = trawl_board_server_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *home = g_build_filename (dir, "home", NULL);
  g_autofree char *remote = g_build_filename (dir, "remote", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *state = g_build_filename (data_dir, "queue.json", NULL);
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GSubprocess) aria2c = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(TrawlQueue) queue = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *preferences;
  GtkWidget *row;
  gboolean appeared = FALSE;
  guint port = trawl_test_free_port ();
  guint watch;

  g_test_dbus_up (bus);
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (remote, 0700), ==, 0);
  daemon = start_keyring (home);
  watch = g_bus_watch_name_on_connection (connection, "org.freedesktop.secrets",
                                          G_BUS_NAME_WATCHER_FLAGS_NONE, name_appeared_cb, NULL,
                                          &appeared, NULL);
  TRAWL_WAIT_UNTIL (appeared);
  g_bus_unwatch_name (watch);

  aria2c = trawl_test_start_aria2c (port, SECRET, remote, NULL, FALSE);
  address = g_strdup_printf ("http://127.0.0.1:%u/jsonrpc", port);
  trawl_board_server_set_items (server, 3);
  g_assert_true (trawl_board_server_start (server, 0, &error));
  url = trawl_board_server_get_url (server);

  /* Typed in Preferences: kept in the keyring. */
  g_settings_set_string (settings, "download-on", "aria2");
  g_settings_set_string (settings, "aria2-address", address);
  g_settings_set_string (settings, "aria2-dir", remote);
  preferences = open_preferences (settings);
  row = trawl_ui_find_widget (GTK_WIDGET (preferences), is_password_row, NULL);
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), SECRET);
  g_signal_emit_by_name (row, "apply");
  for (;;)
    {
      g_free (stored);
      stored = keyring_secret (address);
      if (g_str_equal (stored, SECRET))
        break;
      g_main_context_iteration (NULL, FALSE);
    }
  gtk_window_destroy (preferences);
  g_object_unref (preferences);

  /* What the queue's aria2 is given: aria2 downloads with it. */
  queue = trawl_application_create_queue (settings, data_dir, &error);
  g_assert_no_error (error);
  g_object_set (trawl_queue_get_client (queue), "allow-local", TRAWL_ALLOW_LOCAL_ALWAYS, NULL);
  trawl_ui_add_mirror_recipe (queue);
  TRAWL_WAIT_UNTIL (TRAWL_IS_ARIA2 (trawl_queue_get_backend (queue)));
  g_assert_nonnull (trawl_queue_add_board (queue, url, NULL, dir, &error));
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (queue, TRAWL_ITEM_DONE) +
                    trawl_queue_count_state (queue, TRAWL_ITEM_FAILED) == 3);
  for (guint i = 0; i < 3; i++)
    {
      TrawlItem *item = trawl_test_item (queue, i);
      g_autofree char *name = g_path_get_basename (trawl_item_get_path (item));
      g_autofree char *path = g_build_filename (remote, name, NULL);

      g_assert_cmpstr (trawl_item_get_error (item), ==, NULL);
      trawl_test_assert_video (path, trawl_board_server_item_id (i), 64 * 1024);
    }

  /* Nowhere else. */
  g_assert_true (trawl_queue_save (queue, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (state, &saved, NULL, &error));
  g_assert_null (strstr (saved, "s3cret"));
  trawl_ui_assert_not_in_settings (settings, "s3cret");

  /* Preferences opened again show it (hidden), from the keyring. */
  preferences = open_preferences (settings);
  row = trawl_ui_find_widget (GTK_WIDGET (preferences), is_password_row, NULL);
  TRAWL_WAIT_UNTIL (g_str_equal (gtk_editable_get_text (GTK_EDITABLE (row)), SECRET));
  gtk_window_destroy (preferences);
  g_object_unref (preferences);

  trawl_application_stop_queue (queue);
  trawl_test_drop_queue (&queue);
  g_settings_reset (settings, "download-on");
  g_settings_reset (settings, "aria2-address");
  g_settings_reset (settings, "aria2-dir");
  g_subprocess_send_signal (aria2c, SIGTERM);
  g_subprocess_send_signal (daemon, SIGTERM);
  g_assert_true (g_subprocess_wait (aria2c, NULL, NULL));
  g_assert_true (g_subprocess_wait (daemon, NULL, NULL));
  trawl_test_rm_rf (dir);
  /* Not g_test_dbus_down(), nor the last unref, which calls it: libsecret
   * keeps its connection to the bus for the life of the process, and it
   * would wait for it in vain. */
  g_test_dbus_stop (bus);
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/keyring/aria2-secret", test_keyring);

  return g_test_run ();
}
