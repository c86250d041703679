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

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  trawl_i18n_init ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/i18n/chinese", test_chinese);

  return g_test_run ();
}
