#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "trawl-application.h"
#include "trawl-aria2.h"
#include "trawl-batch-model.h"
#include "trawl-board-header.h"
#include "trawl-board-private.h"
#include "trawl-board-server.h"
#include "trawl-error.h"
#include "trawl-item-row.h"
#include "trawl-preferences-window.h"
#include "trawl-recipe-editor.h"
#include "trawl-test-utils.h"
#include "trawl-ui-test-utils.h"
#include "trawl-window.h"

/* The window under Xvfb, driven through the actions a person uses (paste,
 * the row buttons' actions, the preferences' controls), against the board
 * server on loopback. Screenshots are saved in the build folder. */

static void
test_empty (TrawlUiFixture *f,
            gconstpointer   data)
{
  GtkWidget *stack = gtk_widget_get_first_child (GTK_WIDGET (f->window));

  g_assert_nonnull (stack);
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 0);
  trawl_ui_screenshot (f, "empty.png");

  /* Nothing to paste but text that is not an address: a toast, no board. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), "not a url at all");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.paste-board", NULL);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)), ==, 0);
}

static gboolean
some_progress (TrawlUiFixture *f)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->queue)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (f->queue), i);

      if (trawl_item_get_state (item) == TRAWL_ITEM_DOWNLOADING &&
          trawl_item_get_bytes (item) > 0 &&
          (gint64) trawl_item_get_bytes (item) < trawl_item_get_total (item))
        return TRUE;
    }

  return FALSE;
}

static void
test_board (TrawlUiFixture *f,
            gconstpointer   data)
{
  TrawlItem *item;
  TrawlItemRow *row;
  guint64 before;
  g_autofree char *summary = NULL;

  /* Slow videos, so progress is seen on its way. */
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_set_video_rate (f->server, 1024 * 1024);
  trawl_ui_paste_board (f);

  /* One header and the board's twelve videos, as the crawl finds them. */
  TRAWL_WAIT_UNTIL (trawl_ui_rows_in_view (f) == 13);
  TRAWL_WAIT_UNTIL (some_progress (f));

  /* Progress rises, and the row on screen shows it. */
  item = NULL;
  for (guint i = 0; i < 12 && item == NULL; i++)
    if (trawl_item_get_state (trawl_test_find_item (f->queue, i)) == TRAWL_ITEM_DOWNLOADING)
      item = trawl_test_find_item (f->queue, i);
  g_assert_nonnull (item);
  g_object_ref (item);
  before = trawl_item_get_bytes (item);
  TRAWL_WAIT_UNTIL (trawl_item_get_bytes (item) > before ||
                    trawl_item_get_state (item) == TRAWL_ITEM_DONE);
  row = trawl_ui_find_row (GTK_WIDGET (f->window), item);
  g_assert_nonnull (row);
  TRAWL_WAIT_UNTIL (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE) >= 1 &&
                    trawl_ui_count_state (f->queue, TRAWL_ITEM_DOWNLOADING) >= 1);
  trawl_ui_screenshot (f, "downloading.png");

  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE), ==, 12);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *path = trawl_ui_video_path (f, i);
      trawl_test_assert_video (path, trawl_board_server_item_id (i), 1024 * 1024);
    }

  summary = trawl_window_get_summary (f->window);
  g_assert_cmpstr (summary, ==, "12 of 12 done");
  trawl_ui_screenshot (f, "finished.png");
  g_object_unref (item);

  /* The same board again is refused, with a toast. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.add-board", "s", f->url);
  g_assert_cmpuint (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)), ==, 1);

  /* Clear finished empties the list. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.clear-finished", NULL);
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 0);
}

static void
test_pause_resume (TrawlUiFixture *f,
                   gconstpointer   data)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  TrawlItemRow *row;
  TrawlItem *item;
  gint64 paused_at;

  trawl_board_server_set_items (f->server, 4);
  trawl_board_server_set_video_size (f->server, 2 * 1024 * 1024);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 512 * 1024, 1);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (trawl_ui_rows_in_view (f) == 5 && trawl_test_find_item (f->queue, 0) != NULL);
  item = trawl_test_find_item (f->queue, 0);
  path = trawl_ui_video_path (f, 0);
  part = g_strconcat (path, ".part", NULL);
  TRAWL_WAIT_UNTIL (trawl_test_file_size (part) >= 512 * 1024);

  /* The pause button of the row. */
  row = trawl_ui_find_row (GTK_WIDGET (f->window), item);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "item.pause", NULL));
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);

  /* No byte more while the others finish. */
  TRAWL_WAIT_UNTIL (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE) == 3 &&
                    !trawl_queue_is_busy (f->queue));
  paused_at = trawl_test_file_size (part);
  g_assert_cmpint (paused_at, ==, 512 * 1024);
  trawl_ui_screenshot (f, "paused.png");

  trawl_board_server_reset_counters (f->server);
  row = trawl_ui_find_row (GTK_WIDGET (f->window), item);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "item.resume", NULL));
  TRAWL_WAIT_UNTIL (trawl_item_get_state (item) == TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  /* The rest, and the last 64 KiB of the .part again to compare. */
  g_assert_cmpuint (trawl_board_server_get_video_bytes (f->server), ==,
                    2 * 1024 * 1024 - paused_at + 64 * 1024);
  trawl_test_assert_video (path, trawl_board_server_item_id (0), 2 * 1024 * 1024);
}

static void
test_retry (TrawlUiFixture *f,
            gconstpointer   data)
{
  TrawlItemRow *row;
  TrawlItem *item;

  g_object_set (trawl_queue_get_client (f->queue), "max-tries", 2, NULL);
  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_add_fault (f->server, 1, TRAWL_FAULT_STATUS, 503, 0);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue) && trawl_ui_rows_in_view (f) == 4);

  item = trawl_test_find_item (f->queue, 1);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_FAILED);
  row = trawl_ui_find_row (GTK_WIDGET (f->window), item);
  g_assert_nonnull (row);
  trawl_ui_screenshot (f, "failed.png");

  /* The row says why in one line, in a user's words; the detail is a
   * click away (issue 14, defect 5: it showed the detail itself). */
  {
    GtkWidget *words = trawl_ui_find_widget (GTK_WIDGET (row), trawl_ui_is_label_with,
                                             "The site had a problem; try again later");
    GtkWidget *detail;

    g_assert_nonnull (words);
    g_assert_cmpint (trawl_item_get_failure (item), ==, TRAWL_FAILURE_SERVER);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "item.details", NULL));
    detail = trawl_ui_find_widget (GTK_WIDGET (row), trawl_ui_is_label_with,
                                   "The server failed to send the video (503 Service Unavailable)");
    g_assert_nonnull (detail);
    TRAWL_WAIT_UNTIL (gtk_widget_get_mapped (detail));
    gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (detail, GTK_TYPE_POPOVER)));
  }

  /* The server recovers; the row's retry button brings the video. */
  trawl_board_server_clear_faults (f->server);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "item.retry", NULL));
  TRAWL_WAIT_UNTIL (trawl_item_get_state (item) == TRAWL_ITEM_DONE);
  {
    g_autofree char *path = trawl_ui_video_path (f, 1);
    trawl_test_assert_video (path, trawl_board_server_item_id (1), 64 * 1024);
  }
}

static void
test_restart (TrawlUiFixture *f,
              gconstpointer   data)
{
  trawl_board_server_set_items (f->server, 6);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 2, TRAWL_FAULT_STALL, 256 * 1024, 1);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE) == 5);
  {
    g_autofree char *path = trawl_ui_video_path (f, 2);
    g_autofree char *part = g_strconcat (path, ".part", NULL);
    TRAWL_WAIT_UNTIL (trawl_test_file_size (part) >= 256 * 1024);
  }
  trawl_queue_pause (f->queue, trawl_test_find_item (f->queue, 4));

  /* Quit and start again. */
  trawl_ui_close_window (f);
  trawl_board_server_reset_counters (f->server);
  trawl_ui_open_window (f);

  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 7);
  g_assert_cmpint (trawl_item_get_state (trawl_test_find_item (f->queue, 0)), ==, TRAWL_ITEM_DONE);
  g_assert_cmpint (trawl_item_get_state (trawl_test_find_item (f->queue, 4)), ==, TRAWL_ITEM_DONE);

  /* The interrupted one continues from its .part. */
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_item_get_state (trawl_test_find_item (f->queue, 2)), ==, TRAWL_ITEM_DONE);
  g_assert_cmpuint (trawl_board_server_get_range_requests (f->server), ==, 1);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_DETAIL), ==, 0);
  {
    g_autofree char *path = trawl_ui_video_path (f, 2);
    trawl_test_assert_video (path, trawl_board_server_item_id (2), 1024 * 1024);
  }
}

/* A saved queue that cannot be used: the app starts empty, told why and
 * where the file went (the application shows it in its first window). */
static void
test_bad_queue (TrawlUiFixture *f,
                gconstpointer   data)
{
  g_autofree char *state = g_build_filename (f->data_dir, "queue.json", NULL);
  g_autoptr(GError) error = NULL;

  trawl_ui_close_window (f);
  g_mkdir_with_parents (f->data_dir, 0700);
  g_file_set_contents (state, "{\"version\":1,\"boards\":[{\"url\":7}]}", -1, &error);
  g_assert_no_error (error);

  f->queue = trawl_application_create_queue (f->settings, f->data_dir, &error);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_BAD_STATE);
  g_assert_nonnull (strstr (error->message, "board 1: “url” is not text"));
  g_assert_nonnull (strstr (error->message, "queue.json.bad-"));
  g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));

  trawl_ui_show_window (f);
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 0);
}

static gboolean
is_spin_button (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_SPIN_BUTTON (widget);
}

static void
test_preferences (TrawlUiFixture *f,
                  gconstpointer   data)
{
  g_autoptr(GtkWindow) preferences = NULL;
  GtkSpinButton *jobs = NULL;

  preferences = g_object_ref_sink (trawl_preferences_window_new (f->settings));
  gtk_window_set_transient_for (preferences, GTK_WINDOW (f->window));
  gtk_window_present (preferences);
  TRAWL_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (preferences)));

  /* The first spin button is "Simultaneous Downloads". */
  jobs = (GtkSpinButton *) trawl_ui_find_widget (GTK_WIDGET (preferences), is_spin_button, NULL);
  g_assert_nonnull (jobs);
  g_assert_cmpfloat (gtk_spin_button_get_value (jobs), ==, 4);

  gtk_spin_button_set_value (jobs, 2);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "jobs"), ==, 2);
  g_assert_cmpuint (trawl_queue_get_jobs (f->queue), ==, 2);
  gtk_window_destroy (preferences);

  /* The engine really runs two at a time now. */
  trawl_board_server_set_items (f->server, 8);
  trawl_board_server_hold_videos (f->server, TRUE);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (trawl_board_server_get_videos_in_flight (f->server) == 2 &&
                    trawl_ui_count_state (f->queue, TRAWL_ITEM_QUEUED) == 6);
  trawl_board_server_hold_videos (f->server, FALSE);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_board_server_get_max_videos_in_flight (f->server), ==, 2);
  g_assert_cmpuint (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE), ==, 8);
}

static gboolean
is_proxy_url_row (GtkWidget     *widget,
                  gconstpointer  data)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)),
                           "Proxy Address");
}

static gboolean
is_error_label (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error");
}

/* What the apply button (or Enter) does with what was typed. */
static void
apply_text (GtkWidget  *row,
            const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static char *
queue_proxy (TrawlUiFixture *f)
{
  char *proxy = NULL;

  g_object_get (trawl_queue_get_client (f->queue), "proxy", &proxy, NULL);
  return proxy;
}

/* A proxy address that is not one is shown as an error and not applied;
 * one set behind the window's back fails the board, never goes direct. */
static void
test_proxy (TrawlUiFixture *f,
            gconstpointer   data)
{
  g_autoptr(GtkWindow) preferences = NULL;
  g_autofree char *proxy = NULL;
  g_autofree char *url = NULL;
  GtkWidget *row;
  GtkWidget *label;
  TrawlBoard *board;

  g_settings_set_string (f->settings, "proxy-mode", "custom");
  preferences = g_object_ref_sink (trawl_preferences_window_new (f->settings));
  gtk_window_present (preferences);
  TRAWL_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (preferences)));
  row = trawl_ui_find_widget (GTK_WIDGET (preferences), is_proxy_url_row, NULL);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_sensitive (row));

  apply_text (row, "127.0.0.1:9050 ");
  url = g_settings_get_string (f->settings, "proxy-url");
  g_assert_cmpstr (url, ==, "");
  label = trawl_ui_find_widget (GTK_WIDGET (preferences), is_error_label, NULL);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "not a proxy address"));
  g_assert_null (queue_proxy (f));

  apply_text (row, "127.0.0.1:9050");
  g_clear_pointer (&url, g_free);
  url = g_settings_get_string (f->settings, "proxy-url");
  g_assert_cmpstr (url, ==, "http://127.0.0.1:9050");
  g_assert_false (gtk_widget_get_visible (label));
  proxy = queue_proxy (f);
  g_assert_cmpstr (proxy, ==, "http://127.0.0.1:9050");

  g_settings_set_string (f->settings, "proxy-url", "ftp://127.0.0.1:21");
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "ftp://127.0.0.1:21");
  gtk_window_destroy (preferences);

  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  board = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);
  g_assert_cmpint (trawl_board_get_state (board), ==, TRAWL_BOARD_FAILED);
  g_assert_nonnull (strstr (trawl_board_get_error (board), "proxy"));
  g_object_unref (board);
  g_assert_cmpuint (trawl_test_count_requests (f->server), ==, 0);

  g_settings_reset (f->settings, "proxy-url");
  g_settings_reset (f->settings, "proxy-mode");
}

static gboolean
is_board_header (GtkWidget     *widget,
                 gconstpointer  data)
{
  return TRAWL_IS_BOARD_HEADER (widget);
}

/* The label of the board header's "Download N Videos" button. */
static const char *
download_label (TrawlUiFixture *f)
{
  GtkWidget *header = trawl_ui_find_widget (GTK_WIDGET (f->window), is_board_header, NULL);
  GtkWidget *button = header != NULL ? gtk_widget_get_last_child (header) : NULL;

  g_assert_true (GTK_IS_BUTTON (button));
  return gtk_button_get_label (GTK_BUTTON (button));
}

/* A board read only in part says why in its header, styled as a problem,
 * and the whole line is in its tooltip for a narrow window (found by the
 * fresh-eyes review of issue 11). */
static void
test_partly_read (TrawlUiFixture *f,
                  gconstpointer   data)
{
  g_autoptr(TrawlBoard) board = NULL;
  GtkWidget *label;

  trawl_board_server_set_items (f->server, 2);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  board = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);
  _trawl_board_set_error (board, "Only 1 page was read: The server failed (500)");
  label = trawl_ui_find_widget (GTK_WIDGET (f->window), trawl_ui_is_label_with,
                                "Only 1 page was read");
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (label, "trawl-status-error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (label), ==,
                   gtk_label_get_label (GTK_LABEL (label)));
  trawl_ui_screenshot (f, "partly-read.png");
}

static void
test_review (TrawlUiFixture *f,
             gconstpointer   data)
{
  TrawlBoard *board;

  g_settings_set_boolean (f->settings, "ask-before-download", TRUE);
  trawl_board_server_set_items (f->server, 5);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue) &&
                    trawl_ui_count_state (f->queue, TRAWL_ITEM_QUEUED) == 5);
  g_assert_cmpuint (trawl_board_server_get_requests (f->server, TRAWL_REQUEST_VIDEO), ==, 0);
  g_assert_cmpstr (download_label (f), ==, "Download 5 Videos");

  /* Untick one, then "Download 4 Videos". */
  {
    TrawlItemRow *row = trawl_ui_find_row (GTK_WIDGET (f->window),
                                           trawl_test_find_item (f->queue, 0));
    GtkWidget *check = gtk_widget_get_first_child (GTK_WIDGET (row));

    g_assert_true (GTK_IS_CHECK_BUTTON (check));
    g_assert_true (gtk_widget_get_visible (check));
    gtk_check_button_set_active (GTK_CHECK_BUTTON (check), FALSE);
    g_assert_false (trawl_item_get_selected (trawl_test_find_item (f->queue, 0)));
  }
  g_assert_cmpstr (download_label (f), ==, "Download 4 Videos");
  trawl_ui_screenshot (f, "review.png");

  board = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);
  trawl_queue_confirm_board (f->queue, board);
  g_object_unref (board);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpuint (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE), ==, 4);
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 5);
  g_settings_reset (f->settings, "ask-before-download");
}

static void
test_dark (TrawlUiFixture *f,
           gconstpointer   data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  trawl_board_server_set_hostile (f->server, TRUE);
  trawl_board_server_set_items (f->server, 8);
  trawl_board_server_add_fault (f->server, 3, TRAWL_FAULT_HTML, 0, 0);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_true (adw_style_manager_get_dark (style));
  trawl_ui_screenshot (f, "dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  g_assert_cmpuint (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE), ==, 7);
}

typedef struct
{
  TrawlUiFixture          *f;
  TrawlApplication *app;
  gboolean          quit_asked;
} QuitRun;

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }

  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = find_button (child, label);

      if (button != NULL)
        return button;
    }

  return NULL;
}

/* Runs inside the application's own main loop, as a person would: a board,
 * downloads on their way, Ctrl+Q, "Pause and Quit". */
static gboolean
pause_and_quit_cb (gpointer user_data)
{
  QuitRun *run = user_data;
  TrawlUiFixture *f = run->f;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  TrawlQueue *queue = trawl_application_get_queue (run->app);
  AdwMessageDialog *dialog;
  GtkWidget *button;

  g_assert_true (TRAWL_IS_WINDOW (window));
  trawl_ui_add_mirror_recipe (queue);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-board", "s",
                                             f->url));
  TRAWL_WAIT_UNTIL (trawl_queue_count_state (queue, TRAWL_ITEM_DOWNLOADING) >= 2 &&
                    trawl_board_server_get_videos_in_flight (f->server) >= 2 &&
                    trawl_board_server_get_video_bytes (f->server) > 0);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  TRAWL_WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  button = find_button (GTK_WIDGET (dialog), "_Pause and Quit");
  g_assert_nonnull (button);
  run->quit_asked = TRUE;
  /* As Enter on the focused button does. */
  gtk_widget_activate (button);

  return G_SOURCE_REMOVE;
}

static void
app_activate_cb (GApplication *app,
                 QuitRun      *run)
{
  g_idle_add (pause_and_quit_cb, run);
}

/* The whole way out of the application while videos are downloading, as
 * main() goes: warnings and criticals are fatal in a test, so an object
 * used on the way after it was freed (GObject's checks see a freed
 * instance) fails it, and so does ASan in our own code. */
static void
test_pause_and_quit (TrawlUiFixture *f,
                     gconstpointer   data)
{
  QuitRun run = { f, NULL, FALSE };
  g_autofree char *app_data = g_build_filename (g_get_user_data_dir (), "trawl", NULL);
  g_autofree char *state = g_build_filename (app_data, "queue.json", NULL);
  TrawlQueue *queue;
  int status;

  trawl_ui_close_window (f);
  trawl_board_server_set_items (f->server, 6);
  trawl_board_server_set_video_size (f->server, 4 * 1024 * 1024);
  trawl_board_server_set_video_rate (f->server, 256 * 1024);

  run.app = trawl_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (run.app, "activate", G_CALLBACK (app_activate_cb), &run);
  status = g_application_run (G_APPLICATION (run.app), 0, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.quit_asked);

  /* The downloads were stopped where they were, and saved to resume. */
  queue = trawl_application_get_queue (run.app);
  g_assert_cmpuint (trawl_queue_count_state (queue, TRAWL_ITEM_DONE), <, 6);
  g_assert_cmpuint (trawl_queue_count_state (queue, TRAWL_ITEM_DOWNLOADING), >=, 2);
  g_assert_true (g_file_test (state, G_FILE_TEST_EXISTS));

  /* What main() does next; then everything the app held goes. */
  g_object_add_weak_pointer (G_OBJECT (queue), (gpointer *) &queue);
  g_clear_object (&run.app);
  TRAWL_WAIT_UNTIL (queue == NULL);
  trawl_test_rm_rf (app_data);
}

/* The list is one section per board: the board's header, then the board's
 * items, in the queue's order, whatever else the queue holds. Items the
 * crawl just added may not be shown yet (they reach the list view a page at
 * a time), unless @all. */
static void
assert_sections (TrawlUiFixture *f,
                 gboolean        all)
{
  GtkListView *view = trawl_window_get_list_view (f->window);
  GListModel *rows = G_LIST_MODEL (gtk_list_view_get_model (view));
  GListModel *boards = trawl_queue_get_boards (f->queue);
  GListModel *items = G_LIST_MODEL (f->queue);
  guint row = 0;

  for (guint b = 0; b < g_list_model_get_n_items (boards); b++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, b);
      g_autoptr(GObject) header = g_list_model_get_item (rows, row++);
      guint next = row;

      g_assert_true (header == G_OBJECT (board));
      for (guint i = 0; i < g_list_model_get_n_items (items); i++)
        {
          g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);
          g_autoptr(GObject) shown = NULL;

          if (trawl_item_get_board (item) != board)
            continue;
          shown = g_list_model_get_item (rows, row);
          if (!all && !TRAWL_IS_ITEM (shown))
            break;
          g_assert_true (shown == G_OBJECT (item));
          row++;
        }
      g_assert_cmpuint (row - next, <=, g_list_model_get_n_items (G_LIST_MODEL (board)));
    }
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, row);
}

static void
sections_changed_cb (GListModel     *rows,
                     guint           position,
                     guint           removed,
                     guint           added,
                     TrawlUiFixture *f)
{
  assert_sections (f, FALSE);
}

static void
test_sections (TrawlUiFixture *f,
               gconstpointer   data)
{
  g_autoptr(TrawlBoardServer) other = trawl_board_server_new ();
  g_autofree char *other_url = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *rows = G_LIST_MODEL (gtk_list_view_get_model (trawl_window_get_list_view (
                                     f->window)));
  TrawlBoard *first, *second;

  g_assert_true (trawl_board_server_start (other, 0, &error));
  other_url = trawl_board_server_get_url (other);
  trawl_board_server_set_items (other, 9);
  trawl_board_server_set_page_size (other, 2);
  /* Both servers give their items the same ids under one recipe: with the
   * archive, a page of the second board listed after the first board's
   * videos were done would be skipped as downloaded before (it timed out
   * so in a loaded fresh Debian 12 run). */
  trawl_queue_set_archive (f->queue, NULL);

  /* Checked at every change of the list, while both boards are crawled
   * and their items change state. */
  g_signal_connect (rows, "items-changed", G_CALLBACK (sections_changed_cb), f);
  first = trawl_window_add_board (f->window, f->url, NULL);
  second = trawl_window_add_board (f->window, other_url, NULL);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue) && trawl_ui_rows_in_view (f) == 1 + 12 + 1 + 9);
  assert_sections (f, TRUE);

  {
    /* Both servers give their items the same ids. */
    g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (first), 3);

    trawl_queue_remove (f->queue, item);
  }
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 1 + 11 + 1 + 9);
  trawl_queue_remove_board (f->queue, first);
  g_assert_cmpuint (trawl_ui_rows_in_view (f), ==, 1 + 9);
  assert_sections (f, TRUE);
  g_signal_handlers_disconnect_by_data (rows, f);
}

/* A copy of a model kept from its items-changed alone. */
static void
mirror_changed_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   GPtrArray  *mirror)
{
  g_assert_cmpuint (position + removed, <=, mirror->len);
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, position + i, g_list_model_get_item (model, position + i));
}

static void
count_changes_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *changes)
{
  (*changes)++;
}

/* @batch shows the first items of @store, in order, as its mirror says. */
static void
assert_batch (GListModel *batch,
              GListStore *store,
              GPtrArray  *mirror,
              gboolean    all)
{
  guint n = g_list_model_get_n_items (batch);

  g_assert_cmpuint (mirror->len, ==, n);
  g_assert_cmpuint (n, <=, g_list_model_get_n_items (G_LIST_MODEL (store)));
  if (all)
    g_assert_cmpuint (n, ==, g_list_model_get_n_items (G_LIST_MODEL (store)));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) shown = g_list_model_get_item (batch, i);
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_assert_true (shown == item);
      g_assert_true (g_ptr_array_index (mirror, i) == item);
    }
  g_assert_null (g_list_model_get_item (batch, n));
}

static void
flush_batch (GListModel *batch,
             GListStore *store)
{
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (batch) ==
                    g_list_model_get_n_items (G_LIST_MODEL (store)));
}

/* Additions at the end reach the list together; every other change at once,
 * whatever is still to be shown. */
static void
test_batch_model (void)
{
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GListModel) batch = NULL;
  guint changes = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
      g_list_store_append (store, item);
      g_ptr_array_add (mirror, g_object_ref (item));
    }
  batch = trawl_batch_model_new (G_LIST_MODEL (store));
  g_signal_connect (batch, "items-changed", G_CALLBACK (mirror_changed_cb), mirror);
  assert_batch (batch, store, mirror, TRUE);

  /* Five added one by one: shown together, in one change. */
  g_signal_connect (batch, "items-changed", G_CALLBACK (count_changes_cb), &changes);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
      g_list_store_append (store, item);
    }
  assert_batch (batch, store, mirror, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (batch), ==, 3);
  flush_batch (batch, store);
  assert_batch (batch, store, mirror, TRUE);
  g_assert_cmpuint (changes, ==, 1);

  /* With two more waiting: a removal among those shown, one among those
   * waiting, and one across both. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
      g_list_store_append (store, item);
    }
  g_list_store_remove (store, 1);
  assert_batch (batch, store, mirror, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (batch), ==, 7);
  g_list_store_remove (store, 8);
  assert_batch (batch, store, mirror, FALSE);
  g_list_store_splice (store, 5, 3, NULL, 0);
  assert_batch (batch, store, mirror, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (batch), ==, 5);
  flush_batch (batch, store);
  assert_batch (batch, store, mirror, TRUE);

  /* An insertion among those shown passes at once. */
  {
    g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
    g_list_store_insert (store, 2, item);
  }
  assert_batch (batch, store, mirror, TRUE);
  g_list_store_remove_all (store);
  assert_batch (batch, store, mirror, TRUE);
}

static gboolean
is_folder_row (GtkWidget     *widget,
               gconstpointer  data)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_str_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)),
                      "Download Folder");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The folders in @dir, sorted. */
static char *
list_folders (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv ("|", (char **) names->pdata);
}

/* Boards that end alike on two sites get a folder each, named after the
 * board's title; a board that fails leaves no folder behind; without a
 * folder set, Preferences shows the one files go to. */
static void
test_board_folders (TrawlUiFixture *f,
                    gconstpointer   data)
{
  g_autoptr(TrawlBoardServer) other = trawl_board_server_new ();
  g_autoptr(GtkWindow) preferences = NULL;
  g_autofree char *other_url = NULL;
  g_autofree char *folders = NULL;
  g_autofree char *dead = NULL;
  g_autoptr(GError) error = NULL;
  TrawlBoard *first, *second, *failed, *fallback;
  GtkWidget *row;

  g_assert_true (trawl_board_server_start (other, 0, &error));
  other_url = trawl_board_server_get_url (other);
  trawl_board_server_set_items (other, 3);
  g_settings_set_boolean (f->settings, "folder-per-board", TRUE);
  /* Both servers are read by one recipe and give the same ids: to the
   * archive, they are one site. */
  trawl_queue_set_archive (f->queue, NULL);

  first = trawl_window_add_board (f->window, f->url, NULL);
  second = trawl_window_add_board (f->window, other_url, NULL);

  /* Port 9 on loopback: nothing listens there. */
  dead = g_strdup ("http://127.0.0.1:9/category_5");
  failed = trawl_window_add_board (f->window, dead, NULL);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_nonnull (failed);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
  g_assert_cmpint (trawl_board_get_state (failed), ==, TRAWL_BOARD_FAILED);
  g_assert_cmpuint (trawl_board_get_n_done (first), ==, 12);
  g_assert_cmpuint (trawl_board_get_n_done (second), ==, 3);

  folders = list_folders (f->downloads);
  g_assert_cmpstr (folders, ==, "财富_梨视频官网|财富_梨视频官网 (2)");
  {
    g_autofree char *one = g_build_filename (f->downloads, "财富_梨视频官网", NULL);
    g_autofree char *two = g_build_filename (f->downloads, "财富_梨视频官网 (2)", NULL);

    /* Whichever board names its first video first takes the first name. */
    const char *a = trawl_board_get_output_dir (first);
    const char *b = trawl_board_get_output_dir (second);

    g_assert_true ((g_strcmp0 (a, one) == 0 && g_strcmp0 (b, two) == 0) ||
                   (g_strcmp0 (a, two) == 0 && g_strcmp0 (b, one) == 0));
  }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (second), i);
      g_autofree char *dir = g_path_get_dirname (trawl_item_get_path (item));

      g_assert_cmpstr (dir, ==, trawl_board_get_output_dir (second));
      g_assert_true (g_file_test (trawl_item_get_path (item), G_FILE_TEST_IS_REGULAR));
    }

  /* No folder set and no XDG download folder (the tests' home has none):
   * Preferences names the folder the files go to. */
  g_settings_set_string (f->settings, "download-folder", "");
  g_settings_set_boolean (f->settings, "folder-per-board", FALSE);
  fallback = trawl_window_add_board (f->window, "http://127.0.0.1:9/other", NULL);
  g_assert_nonnull (fallback);
  preferences = g_object_ref_sink (trawl_preferences_window_new (f->settings));
  row = trawl_ui_find_widget (GTK_WIDGET (preferences), is_folder_row, NULL);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   trawl_board_get_output_dir (fallback));
  gtk_window_destroy (preferences);
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
}

/* The demo's boards, restored without --demo, are gone rather than failing
 * with "Connection refused" (their server lived in the run that showed
 * them); other boards on loopback stay. */
static void
test_demo_boards_forgotten (TrawlUiFixture *f,
                            gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  TrawlBoard *mine;

  mine = trawl_window_add_board (f->window, f->url, NULL);
  g_assert_nonnull (mine);
  /* What a demo board looks like: the pear-video recipe on loopback. */
  g_assert_nonnull (trawl_queue_add_board (f->queue, "http://127.0.0.1:9/category_5", "pearvideo",
                                           f->downloads, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (trawl_application_forget_demo_boards (f->queue), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)), ==, 1);
  {
    g_autoptr(TrawlBoard) left = g_list_model_get_item (trawl_queue_get_boards (f->queue), 0);

    g_assert_true (left == mine);
  }
  TRAWL_WAIT_UNTIL (!trawl_queue_is_busy (f->queue));
}

/* Ctrl+Q with a recipe not saved: the editor asks, and once its work is
 * discarded the application goes on quitting (found by the fresh-eyes
 * review: it stopped there, the main window open). */
static gboolean
quit_with_editor_cb (gpointer user_data)
{
  QuitRun *run = user_data;
  GtkWindow *window = NULL;
  TrawlRecipeEditor *editor;
  AdwMessageDialog *dialog;
  GtkWidget *button;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (run->app)); l != NULL;
       l = l->next)
    if (TRAWL_IS_WINDOW (l->data))
      window = l->data;
  g_assert_nonnull (window);
  editor = trawl_window_edit_recipe (TRAWL_WINDOW (window), NULL);
  trawl_recipe_editor_set_text (editor, "[Recipe]\nName=unsaved\n", FALSE);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  TRAWL_WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  button = find_button (GTK_WIDGET (dialog), "_Discard");
  g_assert_nonnull (button);
  run->quit_asked = TRUE;
  gtk_widget_activate (button);
  return G_SOURCE_REMOVE;
}

static gboolean
quit_too_late_cb (gpointer user_data)
{
  g_error ("The application did not quit");
  return G_SOURCE_REMOVE;
}

static void
app_activate_editor_cb (GApplication *app,
                        QuitRun      *run)
{
  g_idle_add (quit_with_editor_cb, run);
}

static void
test_quit_with_editor (TrawlUiFixture *f,
                       gconstpointer   data)
{
  QuitRun run = { f, NULL, FALSE };
  guint guard;
  int status;

  trawl_ui_close_window (f);
  run.app = trawl_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (run.app, "activate", G_CALLBACK (app_activate_editor_cb), &run);
  guard = g_timeout_add_seconds (TRAWL_TEST_TIMEOUT_S, quit_too_late_cb, NULL);
  status = g_application_run (G_APPLICATION (run.app), 0, NULL);
  g_source_remove (guard);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.quit_asked);
  g_object_unref (run.app);
}

static gboolean
is_icon_button (GtkWidget     *widget,
                gconstpointer  icon)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon) == 0;
}

static gboolean
is_action_row_titled (GtkWidget     *widget,
                      gconstpointer  title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_entry_row_titled (GtkWidget     *widget,
                     gconstpointer  title)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

/* Types @text in the row titled @title, then sends @signal ("apply", the
 * apply button; "entry-activated", Enter), if any. */
static void
set_row (GtkWindow  *window,
         const char *title,
         const char *text,
         const char *signal)
{
  GtkWidget *row = trawl_ui_find_widget (GTK_WIDGET (window), is_entry_row_titled, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  if (signal != NULL)
    g_signal_emit_by_name (row, signal);
}

/* Download On → aria2 in Preferences, as typed there: a real aria2c that
 * wants a secret downloads every video of the board into its own folder,
 * nothing lands in this computer's, the summary names aria2, Test
 * Connection shows aria2's version, and the secret is in no setting. The
 * test has no keyring: the secret serves until the run ends. */
static void
test_aria2 (TrawlUiFixture *f,
            gconstpointer   data)
{
  g_autofree char *remote = g_build_filename (f->dir, "remote", NULL);
  g_autofree char *videos = g_build_filename (remote, "videos", NULL);
  g_autofree char *address = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GSubprocess) aria2c = NULL;
  g_autoptr(GtkWindow) preferences = NULL;
  GtkWidget *test_row;
  GtkWidget *button;
  guint port = trawl_test_free_port ();

  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  g_assert_cmpint (g_mkdir_with_parents (remote, 0700), ==, 0);
  aria2c = trawl_test_start_aria2c (port, "app secret", remote, NULL, FALSE);
  address = g_strdup_printf ("http://127.0.0.1:%u/jsonrpc", port);

  preferences = g_object_ref_sink (trawl_preferences_window_new (f->settings));
  gtk_window_set_default_size (preferences, 560, 1000);
  gtk_window_present (preferences);
  trawl_ui_wait_for_frame (GTK_WIDGET (preferences));
  g_settings_set_string (f->settings, "download-on", "aria2");
  /* As typed: the address and the secret, each with Enter (the address
   * again after the secret must not lose it); the folder left unsaved,
   * for Test Connection to save. */
  set_row (preferences, "aria2 Address (http://host:6800/jsonrpc)", address, "entry-activated");
  set_row (preferences, "Secret (aria2’s --rpc-secret)", "app secret", "entry-activated");
  {
    g_autofree char *saved = g_settings_get_string (f->settings, "aria2-address");

    g_assert_cmpstr (saved, ==, address);
  }
  set_row (preferences, "aria2 Address (http://host:6800/jsonrpc)", address, "apply");
  set_row (preferences, "Folder on aria2’s Machine (empty for aria2’s own)", videos, NULL);
  test_row = trawl_ui_find_widget (GTK_WIDGET (preferences), is_action_row_titled, "Connection");
  g_assert_nonnull (test_row);
  button = trawl_ui_find_widget (test_row, trawl_ui_is_button_labelled, "_Test Connection");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  gtk_widget_activate (button);
  TRAWL_WAIT_UNTIL (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (test_row)),
                                      "Connected to aria2 1."));
  {
    g_autofree char *dir = g_settings_get_string (f->settings, "aria2-dir");

    g_assert_cmpstr (dir, ==, videos);
  }
  /* With the secret typed (kept by the keyring, or for this run where
   * there is none, as here), the queue's aria2 is the right one. */
  TRAWL_WAIT_UNTIL (TRAWL_IS_ARIA2 (trawl_queue_get_backend (f->queue)));
  /* The group in view: the page scrolled to its end. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (test_row, GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment =
      gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  }
  trawl_ui_wait_for_frame (GTK_WIDGET (preferences));
  trawl_ui_screenshot_widget (GTK_WIDGET (preferences), "preferences-aria2.png");
  gtk_window_destroy (preferences);

  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL (trawl_ui_count_state (f->queue, TRAWL_ITEM_DONE) +
                    trawl_ui_count_state (f->queue, TRAWL_ITEM_FAILED) == 12);
  summary = trawl_window_get_summary (f->window);
  g_assert_nonnull (strstr (summary, "via aria2 at 127.0.0.1"));
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *local = trawl_ui_video_path (f, i);
      g_autofree char *name = g_path_get_basename (local);
      g_autofree char *path = g_build_filename (videos, name, NULL);

      g_assert_cmpint (trawl_item_get_state (trawl_test_item (f->queue, i)), ==,
                       TRAWL_ITEM_DONE);
      trawl_test_assert_video (path, trawl_board_server_item_id (i), 1024 * 1024);
      g_assert_false (g_file_test (local, G_FILE_TEST_EXISTS));
    }
  trawl_ui_screenshot (f, "aria2.png");
  trawl_ui_assert_not_in_settings (f->settings, "app secret");
  /* Nothing here to open: the videos are on aria2's machine. */
  {
    TrawlItemRow *row = trawl_ui_find_row (GTK_WIDGET (f->window), trawl_test_item (f->queue, 0));
    GtkWidget *open;

    g_assert_nonnull (row);
    open = trawl_ui_find_widget (GTK_WIDGET (row), is_icon_button, "video-x-generic-symbolic");
    g_assert_nonnull (open);
    g_assert_false (gtk_widget_get_visible (open));
  }

  g_settings_reset (f->settings, "download-on");
  g_settings_reset (f->settings, "aria2-address");
  g_settings_reset (f->settings, "aria2-dir");
  g_subprocess_send_signal (aria2c, SIGTERM);
  g_assert_true (g_subprocess_wait (aria2c, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, TrawlUiFixture, NULL, trawl_ui_fixture_setup, func, trawl_ui_fixture_teardown)

  ADD ("/app/empty", test_empty);
  ADD ("/app/board", test_board);
  ADD ("/app/pause-resume", test_pause_resume);
  ADD ("/app/retry", test_retry);
  ADD ("/app/restart", test_restart);
  ADD ("/app/bad-queue", test_bad_queue);
  ADD ("/app/preferences", test_preferences);
  ADD ("/app/proxy", test_proxy);
  ADD ("/app/review", test_review);
  ADD ("/app/sections", test_sections);
  ADD ("/app/board-folders", test_board_folders);
  ADD ("/app/demo-boards-forgotten", test_demo_boards_forgotten);
  g_test_add_func ("/app/batch-model", test_batch_model);
  ADD ("/app/dark", test_dark);
  ADD ("/app/partly-read", test_partly_read);
  ADD ("/app/pause-and-quit", test_pause_and_quit);
  ADD ("/app/quit-with-editor", test_quit_with_editor);
  ADD ("/app/aria2", test_aria2);

  return g_test_run ();
}
