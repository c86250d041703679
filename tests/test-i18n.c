#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "trawl-application.h"
#include "trawl-i18n.h"
#include "trawl-test-utils.h"
#include "trawl-window.h"

/* Under LANG=zh_CN.UTF-8 the window speaks Chinese (the translation built
 * in this build folder). */

static AdwStatusPage *
find_status_page (GtkWidget *widget)
{
  if (ADW_IS_STATUS_PAGE (widget))
    return ADW_STATUS_PAGE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *page = find_status_page (child);

      if (page != NULL)
        return page;
    }

  return NULL;
}

static void
test_chinese (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(TrawlQueue) queue = trawl_application_create_queue (settings, dir, NULL);
  const char *messages = setlocale (LC_MESSAGES, NULL);
  TrawlWindow *window;
  AdwStatusPage *page;

  if (messages == NULL || !g_str_has_prefix (messages, "zh_CN"))
    g_error ("The zh_CN.UTF-8 locale is missing (build-aux/deps.sh generates it); "
             "LC_MESSAGES is %s", messages ? messages : "unset");

  g_assert_cmpstr (_("Paste a Board"), ==, "粘贴一个列表");

  window = trawl_window_new (NULL, queue, settings);
  gtk_window_present (GTK_WINDOW (window));
  page = find_status_page (GTK_WIDGET (window));
  g_assert_nonnull (page);
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "粘贴一个列表");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Trawl");

  trawl_application_stop_queue (queue);
  gtk_window_destroy (GTK_WINDOW (window));
  trawl_test_rm_rf (dir);
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;

  return FALSE;
}

/* A video or a board that failed in an English session reads in Chinese
 * after a restart: the queue keeps why it failed as a kind, not as the
 * words of the moment (issue 14, defect 7; boards: helper's review). */
static void
test_failure_restored (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "queue.json", NULL);
  g_autofree char *json = g_strdup_printf (
    "{\"version\":1,\"boards\":[{\"url\":\"http://127.0.0.1:9/category_5\","
    "\"output-dir\":\"%s\",\"title\":\"Board\",\"state\":\"done\",\"pages\":1,"
    "\"found\":1,\"skipped\":0,\"review\":false},"
    "{\"url\":\"http://127.0.0.1:9/other\",\"output-dir\":\"%s\",\"state\":\"failed\","
    "\"error\":\"Cannot reach 127.0.0.1: Connection refused\",\"failure\":\"unreachable\"}],"
    "\"items\":[{\"board\":0,"
    "\"page\":\"http://127.0.0.1:9/video_1\",\"title\":\"Video\",\"state\":\"failed\","
    "\"error\":\"The server failed to send the video (503 Service Unavailable)\","
    "\"failure\":\"server\",\"total\":-1,\"selected\":true}]}", dir, dir);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(TrawlQueue) queue = NULL;
  g_autoptr(GError) error = NULL;
  TrawlWindow *window;

  g_assert_true (g_file_set_contents (state, json, -1, NULL));
  queue = trawl_application_create_queue (settings, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queue)), ==, 1);

  window = trawl_window_new (NULL, queue, settings);
  gtk_window_present (GTK_WINDOW (window));
  TRAWL_WAIT_UNTIL (has_label (GTK_WIDGET (window), "该网站出了问题，请稍后再试"));
  /* A board whose listing failed, too. */
  TRAWL_WAIT_UNTIL (has_label (GTK_WIDGET (window), _("The site could not be reached")));
  g_assert_cmpstr (_("The site could not be reached"), !=, "The site could not be reached");

  trawl_application_stop_queue (queue);
  gtk_window_destroy (GTK_WINDOW (window));
  trawl_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  trawl_i18n_init ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/i18n/chinese", test_chinese);
  g_test_add_func ("/i18n/failure-restored", test_failure_restored);

  return g_test_run ();
}
