#include "config.h"

#include <gtk/gtk.h>

#include "trawl-application.h"
#include "trawl-board-server.h"
#include "trawl-session.h"
#include "trawl-test-utils.h"
#include "trawl-ui-test-utils.h"

/* What the desktop hears while videos download, on a session bus of the
 * test's own (GTestDBus): a stand-in GNOME session manager records the
 * inhibitions GtkApplication asks it for (in a thread of its own: GTK
 * waits for its answers), and the launcher's signals are caught as a dock
 * would. */

#define SM_XML                                                           \
  "<node><interface name='org.gnome.SessionManager'>"                    \
  "<method name='Inhibit'><arg type='s' direction='in'/>"                \
  "<arg type='u' direction='in'/><arg type='s' direction='in'/>"         \
  "<arg type='u' direction='in'/><arg type='u' direction='out'/></method>" \
  "<method name='Uninhibit'><arg type='u' direction='in'/></method>"     \
  "<method name='IsInhibited'><arg type='u' direction='in'/>"            \
  "<arg type='b' direction='out'/></method>"                             \
  "</interface></node>"

/* GTK's flag for suspending. */
#define INHIBIT_SUSPEND 4

typedef struct
{
  GTestDBus        *bus;
  GDBusConnection  *connection;
  GThread          *thread;
  GMainContext     *sm_context;
  GMainLoop        *sm_loop;
  GMutex            lock;         /* the session manager's records */
  gboolean          owned;
  guint             inhibitions;  /* asked for and not let go */
  guint             inhibit_flags;
  char             *inhibit_reason;
  guint             next_cookie;
  guint             launcher_updates;
  double            progress;
  gboolean          progress_visible;
  char             *launcher_uri;
} Desktop;

static void
sm_method_cb (GDBusConnection       *connection,
              const char            *sender,
              const char            *path,
              const char            *interface,
              const char            *method,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation,
              gpointer               user_data)
{
  Desktop *desktop = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&desktop->lock);

  if (g_str_equal (method, "Inhibit"))
    {
      g_free (desktop->inhibit_reason);
      g_variant_get (parameters, "(susu)", NULL, NULL, &desktop->inhibit_reason,
                     &desktop->inhibit_flags);
      desktop->inhibitions++;
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)", ++desktop->next_cookie));
    }
  else if (g_str_equal (method, "Uninhibit"))
    {
      g_assert_cmpuint (desktop->inhibitions, >, 0);
      desktop->inhibitions--;
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
}

static void
launcher_cb (GDBusConnection *connection,
             const char      *sender,
             const char      *path,
             const char      *interface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  Desktop *desktop = user_data;
  g_autoptr(GVariant) properties = NULL;

  g_free (desktop->launcher_uri);
  g_variant_get (parameters, "(s@a{sv})", &desktop->launcher_uri, &properties);
  g_variant_lookup (properties, "progress", "d", &desktop->progress);
  g_variant_lookup (properties, "progress-visible", "b", &desktop->progress_visible);
  desktop->launcher_updates++;
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Desktop *desktop = user_data;

  g_mutex_lock (&desktop->lock);
  desktop->owned = TRUE;
  g_mutex_unlock (&desktop->lock);
}

static gpointer
session_manager_thread (gpointer user_data)
{
  static const GDBusInterfaceVTable vtable = { sm_method_cb, NULL, NULL, { 0 } };
  Desktop *desktop = user_data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (SM_XML, NULL);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint owner;

  g_main_context_push_thread_default (desktop->sm_context);
  connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (desktop->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (connection, "/org/gnome/SessionManager",
                                     info->interfaces[0], &vtable, desktop, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (connection, "org.gnome.SessionManager",
                                        G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired_cb, NULL,
                                        desktop, NULL);
  g_main_loop_run (desktop->sm_loop);
  g_bus_unown_name (owner);
  g_main_context_pop_thread_default (desktop->sm_context);
  return NULL;
}

static gboolean
is_owned (Desktop *desktop)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&desktop->lock);

  return desktop->owned;
}

/* The session manager's count of inhibitions, and their flags. */
static guint
inhibitions (Desktop *desktop,
             guint   *flags)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&desktop->lock);

  if (flags != NULL)
    *flags = desktop->inhibit_flags;
  return desktop->inhibitions;
}

static void
desktop_up (Desktop *desktop)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&desktop->lock);
  desktop->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (desktop->bus);
  desktop->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  desktop->sm_context = g_main_context_new ();
  desktop->sm_loop = g_main_loop_new (desktop->sm_context, FALSE);
  desktop->thread = g_thread_new ("session-manager", session_manager_thread, desktop);
  TRAWL_WAIT_UNTIL (is_owned (desktop));

  g_dbus_connection_signal_subscribe (desktop->connection, NULL,
                                      "com.canonical.Unity.LauncherEntry", "Update", NULL, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, launcher_cb, desktop, NULL);
}

static void
desktop_down (Desktop *desktop)
{
  g_main_loop_quit (desktop->sm_loop);
  g_thread_join (desktop->thread);
  g_main_loop_unref (desktop->sm_loop);
  g_main_context_unref (desktop->sm_context);
  g_clear_object (&desktop->connection);
  /* Not g_test_dbus_down(), nor the last unref, which calls it: a
   * registered GtkApplication keeps the bus's connection for the life of
   * the process, and it would wait for it in vain. */
  g_test_dbus_stop (desktop->bus);
  g_free (desktop->inhibit_reason);
  g_free (desktop->launcher_uri);
  g_mutex_clear (&desktop->lock);
}

/* While videos download the computer stays awake and the launcher shows
 * how far they have come; when they stop, or the preference is turned
 * off, the session hears so. */
static void
test_session (void)
{
  Desktop desktop = { 0 };
  g_autoptr(TrawlBoardServer) server = trawl_board_server_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GtkApplication) application = NULL;
  g_autoptr(TrawlSession) session = NULL;
  g_autoptr(TrawlQueue) queue = NULL;
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  guint flags = 0;

  desktop_up (&desktop);
  application = gtk_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);

  g_assert_true (trawl_board_server_start (server, 0, &error));
  url = trawl_board_server_get_url (server);
  trawl_board_server_set_items (server, 3);
  trawl_board_server_set_video_size (server, 1024 * 1024);
  /* One video stalls half-way: downloading, and known to be a quarter done. */
  trawl_board_server_add_fault (server, 0, TRAWL_FAULT_STALL, 256 * 1024, 1);
  queue = trawl_application_create_queue (settings, data_dir, &error);
  g_assert_no_error (error);
  trawl_ui_add_mirror_recipe (queue);
  session = trawl_session_new (application, queue, settings);
  g_assert_cmpuint (inhibitions (&desktop, NULL), ==, 0);

  g_assert_nonnull (trawl_queue_add_board (queue, url, NULL, dir, &error));
  TRAWL_WAIT_UNTIL (inhibitions (&desktop, &flags) == 1 && desktop.progress_visible &&
                    desktop.progress > 0 && desktop.progress < 1);
  g_assert_cmpuint (flags & INHIBIT_SUSPEND, ==, INHIBIT_SUSPEND);
  g_mutex_lock (&desktop.lock);
  g_assert_cmpstr (desktop.inhibit_reason, ==, "Downloading videos");
  g_mutex_unlock (&desktop.lock);
  g_assert_cmpstr (desktop.launcher_uri, ==, "application://" APP_ID ".desktop");

  /* Turned off while it downloads: let go at once; on again: asked again. */
  g_settings_set_boolean (settings, "prevent-suspend", FALSE);
  TRAWL_WAIT_UNTIL (inhibitions (&desktop, NULL) == 0);
  g_settings_set_boolean (settings, "prevent-suspend", TRUE);
  TRAWL_WAIT_UNTIL (inhibitions (&desktop, NULL) == 1);

  /* Nothing downloads any more. */
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (queue, TRAWL_ITEM_DONE) == 2);
  trawl_queue_pause_all (queue);
  TRAWL_WAIT_UNTIL (inhibitions (&desktop, NULL) == 0 && !desktop.progress_visible);

  g_clear_object (&session);
  trawl_application_stop_queue (queue);
  trawl_test_drop_queue (&queue);
  g_settings_reset (settings, "prevent-suspend");
  g_clear_object (&application);
  trawl_test_rm_rf (dir);
  desktop_down (&desktop);
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  gtk_init ();

  g_test_add_func ("/session/inhibit-and-launcher", test_session);

  return g_test_run ();
}
