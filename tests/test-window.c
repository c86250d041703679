#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "trawl-board-header.h"
#include "trawl-test-utils.h"
#include "trawl-ui-test-utils.h"

/* The window as a person uses it with the keyboard, the pointer and the
 * boards' menus (issue 14), under Xvfb against the board server: key
 * presses go through the X server, never straight to an action. */

/* The list row (GtkListItem's widget) that holds @item's row, focused and
 * selected as a click would leave it. */
static void
focus_row (TrawlUiFixture *f,
           TrawlItem      *item)
{
  TrawlItemRow *row;
  GtkWidget *list_row;

  TRAWL_WAIT_UNTIL ((row = trawl_ui_find_row (GTK_WIDGET (f->window), item)) != NULL);
  list_row = gtk_widget_get_parent (GTK_WIDGET (row));
  g_assert_true (gtk_widget_grab_focus (list_row));
  g_assert_true (gtk_widget_activate_action (list_row, "listitem.select", "(bb)", FALSE, FALSE));
}

/* One video stalls half-way, so it stays downloading until the test says. */
static TrawlItem *
paste_with_stalled_video (TrawlUiFixture *f)
{
  TrawlItem *item;
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;

  trawl_board_server_set_items (f->server, 3);
  trawl_board_server_set_video_size (f->server, 1024 * 1024);
  trawl_board_server_add_fault (f->server, 0, TRAWL_FAULT_STALL, 256 * 1024, 1);
  trawl_ui_paste_board (f);
  TRAWL_WAIT_UNTIL ((item = trawl_test_find_item (f->queue, 0)) != NULL);
  path = trawl_ui_video_path (f, 0);
  part = g_strconcat (path, ".part", NULL);
  TRAWL_WAIT_UNTIL (trawl_test_file_size (part) >= 256 * 1024);

  return item;
}

/* Space pauses and resumes the selected video and Delete then removes it,
 * as the README and the shortcuts window say: the list view took Space
 * for itself and unselected the row, so Delete did nothing after it. */
static void
test_space_and_delete (TrawlUiFixture *f,
                       gconstpointer   data)
{
  g_autoptr(TrawlItem) item = g_object_ref (paste_with_stalled_video (f));

  focus_row (f, item);
  trawl_ui_press_key (f, GDK_KEY_space, 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);
  trawl_ui_press_key (f, GDK_KEY_space, 0);
  g_assert_cmpint (trawl_item_get_state (item), !=, TRAWL_ITEM_PAUSED);
  trawl_ui_press_key (f, GDK_KEY_space, 0);
  g_assert_cmpint (trawl_item_get_state (item), ==, TRAWL_ITEM_PAUSED);

  trawl_ui_press_key (f, GDK_KEY_Delete, 0);
  g_assert_null (trawl_test_find_item (f->queue, 0));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, TrawlUiFixture, NULL, trawl_ui_fixture_setup, func, \
              trawl_ui_fixture_teardown)

  ADD ("/window/keys/space-and-delete", test_space_and_delete);

  return g_test_run ();
}
