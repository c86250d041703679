#define G_LOG_DOMAIN "trawl-application"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-application.h"
#include "trawl-remote.h"
#include "trawl-board-server.h"
#include "trawl-preferences-window.h"
#include "trawl-recipe-editor.h"
#include "trawl-session.h"
#include "trawl-window.h"

struct _TrawlApplication
{
  AdwApplication    parent_instance;

  GSettings        *settings;
  TrawlQueue       *queue;
  TrawlSession     *session;
  TrawlBoardServer *demo_server;
  gboolean          demo;
  gboolean          paste;
  GHashTable       *notified;  /* boards whose finish was announced */
  gboolean          forgot_demo;  /* the first window says the demo's boards went */
  GError           *restore_error;  /* why the saved queue was not taken; the first
                                     * window tells it */
};

G_DEFINE_FINAL_TYPE (TrawlApplication, trawl_application, ADW_TYPE_APPLICATION)

/* Titles for the offline demo board: real-looking, some long, so that the
 * window shows how it copes with them. */
static const char * const demo_titles[] = {
  "成都大熊猫基地迎来今年第一只熊猫宝宝",
  "Morning market in Hangzhou: 5 minutes of street food",
  "两个月亏损超千亿，这家公司怎么了？专家解读背后的原因以及对普通投资者的影响和未来走势预测",
  "航拍黄河壶口瀑布：秋汛过后水量大增，场面壮观",
  "外卖小哥雨中送餐摔倒，顾客的举动暖心了",
  "How a 70-year-old noodle shop keeps its broth recipe",
  "高铁上的“移动办公室”：乘客的一天",
  "直击台风“海葵”登陆现场",
  NULL
};

static void
apply_proxy (TrawlClient *client,
             const char  *key,
             GSettings   *settings)
{
  g_autofree char *url = g_settings_get_string (settings, "proxy-url");

  switch (g_settings_get_enum (settings, "proxy-mode"))
    {
    case 1:
      g_object_set (client, "proxy", "none", NULL);
      break;
    case 2:
      g_object_set (client, "proxy", *url != '\0' ? url : NULL, NULL);
      break;
    case 0:
    default:
      g_object_set (client, "proxy", NULL, NULL);
      break;
    }
}

static gboolean
kib_to_bytes (GValue   *value,
              GVariant *variant,
              gpointer  user_data)
{
  g_value_set_uint64 (value, (guint64) g_variant_get_uint32 (variant) * 1024);
  return TRUE;
}

/* An empty User-Agent is the default one. */
static gboolean
empty_to_null (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  const char *text = g_variant_get_string (variant, NULL);

  g_value_set_string (value, *text != '\0' ? text : NULL);
  return TRUE;
}

/* The HTTP client as the preferences say, following them from now on. */
static TrawlClient *
create_client (GSettings *settings)
{
  TrawlClient *client = trawl_client_new ();

  g_settings_bind (settings, "per-host", client, "per-host", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "split", client, "split", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "max-height", client, "max-height", G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (settings, "speed-limit", client, "limit-rate",
                                G_SETTINGS_BIND_GET, kib_to_bytes, NULL, NULL, NULL);
  g_settings_bind_with_mapping (settings, "user-agent", client, "user-agent",
                                G_SETTINGS_BIND_GET, empty_to_null, NULL, NULL, NULL);
  /* Two keys make one proxy setting. */
  apply_proxy (client, NULL, settings);
  g_signal_connect_object (settings, "changed::proxy-mode", G_CALLBACK (apply_proxy), client,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::proxy-url", G_CALLBACK (apply_proxy), client,
                           G_CONNECT_SWAPPED);
  return client;
}

/**
 * trawl_application_create_queue:
 * @settings: the application's settings, followed from now on
 * @data_dir: where the queue state and the download archive live
 * @restore_error: (out) (optional): why the saved queue could not be
 *   brought back (it was moved aside and the queue starts empty)
 *
 * The engine as the app runs it, brought back as it was at the last exit
 * (or crash). The UI tests build their queue with this too.
 *
 * Returns: (transfer full): the queue
 */
TrawlQueue *
trawl_application_create_queue (GSettings   *settings,
                                const char  *data_dir,
                                GError     **restore_error)
{
  g_autoptr(TrawlClient) client = create_client (settings);
  TrawlQueue *queue = trawl_queue_new (client);
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *archive_path = g_build_filename (data_dir, "archive.txt", NULL);
  g_autofree char *state_path = g_build_filename (data_dir, "queue.json", NULL);

  g_settings_bind (settings, "jobs", queue, "jobs", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "ask-before-download", queue, "review", G_SETTINGS_BIND_GET);

  archive = trawl_archive_new (archive_path, &error);
  if (archive == NULL)
    {
      g_warning ("%s", error->message);
      g_clear_error (&error);
    }
  trawl_queue_set_archive (queue, archive);

  trawl_queue_set_state_file (queue, state_path);
  /* Before the restore, which starts what was running. */
  trawl_remote_follow (queue, settings);
  trawl_queue_restore (queue, restore_error);

  return queue;
}

/**
 * trawl_application_stop_queue:
 *
 * What quitting does to the engine: downloads stop where they are (their
 * .part files stay) and are saved as unfinished, so the next start
 * resumes them; the archive reaches the disk.
 */
void
trawl_application_stop_queue (TrawlQueue *queue)
{
  g_autoptr(GError) error = NULL;
  TrawlArchive *archive = trawl_queue_get_archive (queue);

  trawl_queue_shutdown (queue);
  if (!trawl_queue_save (queue, &error))
    g_warning ("Could not save the queue: %s", error->message);
  while (archive != NULL && trawl_archive_is_saving (archive))
    g_main_context_iteration (NULL, TRUE);
}

static void
check_board_finished (TrawlApplication *self,
                      TrawlBoard       *board)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  guint done, failed, active;
  const char *title;

  /* A board removed is not finished, whatever its last items did. */
  if (board == NULL || self->queue == NULL || !trawl_queue_has_board (self->queue, board))
    return;

  done = trawl_board_get_n_done (board);
  failed = trawl_board_get_n_failed (board);
  active = trawl_board_get_n_active (board);
  /* Retried or downloaded again: it finishes once more. */
  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING || active > 0)
    g_hash_table_remove (self->notified, board);
  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING || active > 0 ||
      done + failed == 0 || g_hash_table_contains (self->notified, board))
    return;

  g_hash_table_add (self->notified, g_object_ref (board));
  /* Without a session bus there is nobody to show a notification. */
  if (!g_settings_get_boolean (self->settings, "notify-finished") ||
      g_application_get_dbus_connection (G_APPLICATION (self)) == NULL)
    return;

  title = trawl_board_get_title (board) ? trawl_board_get_title (board)
                                        : trawl_board_get_url (board);
  if (failed == 0)
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u video downloaded",
                                         "%u videos downloaded", done), done);
  else
    /* Translators: "34 videos downloaded, 2 failed" */
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u video downloaded, %u failed",
                                         "%u videos downloaded, %u failed", done), done, failed);

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.activate");
  id = g_strdup_printf ("board-%p", (gpointer) board);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
board_state_cb (TrawlApplication *self,
                GParamSpec       *pspec,
                TrawlBoard       *board)
{
  check_board_finished (self, board);
}

static void
application_boards_changed_cb (TrawlApplication *self,
                               guint             position,
                               guint             removed,
                               guint             added,
                               GListModel       *boards)
{
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, position + i);

      /* A board is finished when its crawl is and its last item is. */
      g_signal_connect_object (board, "notify::state", G_CALLBACK (board_state_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (board, "notify::n-active", G_CALLBACK (board_state_cb), self,
                               G_CONNECT_SWAPPED);
    }
}

static TrawlWindow *
get_window (TrawlApplication *self)
{
  TrawlWindow *created;

  /* The main window, wherever the focus is (a recipe editor). */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TRAWL_IS_WINDOW (l->data))
      return TRAWL_WINDOW (l->data);

  created = trawl_window_new (GTK_APPLICATION (self), self->queue, self->settings);
  if (self->restore_error != NULL)
    {
      trawl_window_show_toast (created, self->restore_error->message);
      g_clear_error (&self->restore_error);
    }
  else if (self->forgot_demo)
    trawl_window_show_toast (created, _("The demo board is gone: “trawl --demo” shows it again"));
  self->forgot_demo = FALSE;

  return created;
}

/* A board of the demo: the pear-video recipe forced on a loopback board
 * (a real pear-video board is on its own site). */
static gboolean
is_demo_board (TrawlBoard *board)
{
  const char *url = trawl_board_get_url (board);

  return g_strcmp0 (trawl_board_get_recipe (board), "pearvideo") == 0 &&
         g_str_has_prefix (url, "http://127.0.0.1:") && g_str_has_suffix (url, "/category_5");
}

/**
 * trawl_application_forget_demo_boards:
 *
 * Removes the boards of earlier demos: their server lived in the process
 * that showed them, so they cannot be read again.
 *
 * Returns: how many were removed
 */
guint
trawl_application_forget_demo_boards (TrawlQueue *queue)
{
  GListModel *boards = trawl_queue_get_boards (queue);
  guint removed = 0;

  for (guint i = g_list_model_get_n_items (boards); i > 0; i--)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i - 1);

      if (is_demo_board (board))
        {
          trawl_queue_remove_board (queue, board);
          removed++;
        }
    }
  return removed;
}

static void
start_demo (TrawlApplication *self,
            TrawlWindow      *window)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (self->demo_server != NULL)
    return;

  /* The demo board lives in this process, on loopback: the whole flow
   * works without a network. */
  self->demo_server = trawl_board_server_new ();
  trawl_board_server_set_items (self->demo_server, 24);
  trawl_board_server_set_page_size (self->demo_server, 8);
  trawl_board_server_set_video_size (self->demo_server, 6 * 1024 * 1024);
  trawl_board_server_set_video_rate (self->demo_server, 1536 * 1024);
  trawl_board_server_set_latency (self->demo_server, 150);
  trawl_board_server_set_titles (self->demo_server, demo_titles);
  if (!trawl_board_server_start (self->demo_server, 0, &error))
    {
      trawl_window_show_toast (window, error->message);
      return;
    }

  /* Each start serves the demo on another port: the boards of earlier
   * demos go, or every start would add one more (helper's review). */
  trawl_application_forget_demo_boards (self->queue);

  url = trawl_board_server_get_url (self->demo_server);
  trawl_window_add_board (window, url, "pearvideo");
}

static void
trawl_application_activate (GApplication *app)
{
  TrawlApplication *self = TRAWL_APPLICATION (app);
  TrawlWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));

  if (self->demo)
    start_demo (self, window);


  /* The desktop file's "New Board from Clipboard". */
  if (self->paste)
    {
      self->paste = FALSE;
      gtk_widget_activate_action (GTK_WIDGET (window), "win.paste-board", NULL);
    }
}

static void
trawl_application_open (GApplication  *app,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  TrawlApplication *self = TRAWL_APPLICATION (app);
  TrawlWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autofree char *name = g_file_get_basename (files[i]);

      /* A recipe from the file manager opens in the editor. */
      if (g_file_is_native (files[i]) && name != NULL && g_str_has_suffix (name, ".recipe"))
        trawl_window_open_recipe (window, files[i]);
      else
        trawl_window_add_board (window, uri, NULL);
    }
}

static int
trawl_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  TrawlApplication *self = TRAWL_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("trawl %s\n", PACKAGE_VERSION);
      return 0;
    }

  self->demo = g_variant_dict_contains (options, "demo");
  self->paste = g_variant_dict_contains (options, "paste");

  return G_APPLICATION_CLASS (trawl_application_parent_class)->handle_local_options (app, options);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  TrawlApplication *self = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  gboolean editing = FALSE;

  /* Recipe editors first: one with unsaved work asks, and stays. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (TRAWL_IS_RECIPE_EDITOR (l->data))
      {
        /* Asked about unsaved work, it goes on quitting once answered. */
        g_object_set_data (l->data, "trawl-quitting", GINT_TO_POINTER (TRUE));
        gtk_window_close (l->data);
      }
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    editing |= TRAWL_IS_RECIPE_EDITOR (l->data) && gtk_widget_get_visible (l->data);
  if (editing)
    return;

  /* Closing asks first when downloads run; the application ends with its
   * last window. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TRAWL_IS_WINDOW (l->data))
      {
        gtk_window_close (l->data);
        return;
      }
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  TrawlApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *preferences = trawl_preferences_window_new (self->settings);

  trawl_preferences_window_set_recipes (TRAWL_PREFERENCES_WINDOW (preferences),
                                        trawl_queue_get_recipes (self->queue));
  gtk_window_set_transient_for (preferences, window);
  gtk_window_present (preferences);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  TrawlApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The Trawl developers"), NULL };

  adw_show_about_window (window,
                         "application-name", _("Trawl"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Trawl developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Download every video of a video site's board"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", TRAWL_HOMEPAGE_URL,
                         "issue-url", TRAWL_ISSUES_URL,
                         NULL);
}

static void
activate_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
  { "activate", activate_action },
};

static void
trawl_application_startup (GApplication *app)
{
  TrawlApplication *self = TRAWL_APPLICATION (app);
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "trawl", NULL);

  G_APPLICATION_CLASS (trawl_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  self->queue = trawl_application_create_queue (self->settings, data_dir, &self->restore_error);
  if (self->restore_error != NULL)
    g_message ("%s", self->restore_error->message);
  /* Restored from a run with --demo, whose server is gone: they would fail
   * with "Connection refused". */
  if (!self->demo)
    self->forgot_demo = trawl_application_forget_demo_boards (self->queue) > 0;

  /* A recipe saved by the editor, or by hand, is used at once. */
  trawl_recipe_set_watch (trawl_queue_get_recipes (self->queue));

  self->session = trawl_session_new (GTK_APPLICATION (self), self->queue, self->settings);
  g_signal_connect_object (trawl_queue_get_boards (self->queue), "items-changed",
                           G_CALLBACK (application_boards_changed_cb), self, G_CONNECT_SWAPPED);

  /* Boards restored from the last run are watched like new ones. */
  application_boards_changed_cb (self, 0, 0,
                                 g_list_model_get_n_items (trawl_queue_get_boards (self->queue)),
                                 trawl_queue_get_boards (self->queue));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
}

static void
trawl_application_shutdown (GApplication *app)
{
  TrawlApplication *self = TRAWL_APPLICATION (app);

  g_clear_object (&self->session);
  trawl_application_stop_queue (self->queue);

  G_APPLICATION_CLASS (trawl_application_parent_class)->shutdown (app);
}

static void
trawl_application_dispose (GObject *object)
{
  TrawlApplication *self = (TrawlApplication *)object;

  g_clear_object (&self->queue);
  g_clear_object (&self->settings);
  g_clear_object (&self->demo_server);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_clear_error (&self->restore_error);

  G_OBJECT_CLASS (trawl_application_parent_class)->dispose (object);
}

static void
trawl_application_class_init (TrawlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = trawl_application_dispose;
  app_class->startup = trawl_application_startup;
  app_class->shutdown = trawl_application_shutdown;
  app_class->activate = trawl_application_activate;
  app_class->open = trawl_application_open;
  app_class->handle_local_options = trawl_application_handle_local_options;
}

static void
trawl_application_init (TrawlApplication *self)
{
  const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Show a demo board served on this computer, without a network"), NULL },
    { "paste", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Add the address on the clipboard as a new board"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  self->notified = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[BOARD-URL…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Download every video of a video site's board."));
}

TrawlApplication *
trawl_application_new (void)
{
  return g_object_new (TRAWL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/trawl/Trawl",
                       NULL);
}

TrawlQueue *
trawl_application_get_queue (TrawlApplication *self)
{
  g_return_val_if_fail (TRAWL_IS_APPLICATION (self), NULL);
  return self->queue;
}

GSettings *
trawl_application_get_settings (TrawlApplication *self)
{
  g_return_val_if_fail (TRAWL_IS_APPLICATION (self), NULL);
  return self->settings;
}
