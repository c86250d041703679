#pragma once

#include <adwaita.h>

#include "trawl-board-server.h"
#include "trawl-item-row.h"
#include "trawl-queue.h"
#include "trawl-window.h"

G_BEGIN_DECLS

/* A window on its own queue, a board server with 12 videos on pages of 6,
 * and downloads into a folder of the test's own. */
typedef struct
{
  TrawlBoardServer *server;
  GSettings        *settings;
  TrawlQueue       *queue;
  TrawlWindow      *window;
  char             *dir;
  char             *data_dir;
  char             *downloads;
  char             *url;
} TrawlUiFixture;

typedef gboolean (*TrawlUiWidgetTest) (GtkWidget     *widget,
                                       gconstpointer  data);

void          trawl_ui_fixture_setup     (TrawlUiFixture    *f,
                                          gconstpointer      data);
void          trawl_ui_fixture_teardown  (TrawlUiFixture    *f,
                                          gconstpointer      data);
void          trawl_ui_add_mirror_recipe (TrawlQueue        *queue);
void          trawl_ui_add_recipe_for    (TrawlQueue        *queue,
                                          const char        *name,
                                          const char        *match);
void          trawl_ui_show_window       (TrawlUiFixture    *f);
void          trawl_ui_open_window       (TrawlUiFixture    *f);
void          trawl_ui_close_window      (TrawlUiFixture    *f);
void          trawl_ui_wait_for_frame    (GtkWidget         *widget);
void          trawl_ui_screenshot        (TrawlUiFixture    *f,
                                          const char        *name);
void          trawl_ui_screenshot_widget (GtkWidget         *widget,
                                          const char        *name);
guint         trawl_ui_count_state       (TrawlQueue        *queue,
                                          TrawlItemState     state);
guint         trawl_ui_rows_in_view      (TrawlUiFixture    *f);
GtkWidget    *trawl_ui_find_widget       (GtkWidget         *widget,
                                          TrawlUiWidgetTest  test,
                                          gconstpointer      data);
gboolean      trawl_ui_is_row_of         (GtkWidget         *widget,
                                          gconstpointer      item);
gboolean      trawl_ui_is_label_with     (GtkWidget         *widget,
                                          gconstpointer      text);
TrawlItemRow *trawl_ui_find_row          (GtkWidget         *widget,
                                          TrawlItem         *item);
void          trawl_ui_paste_board       (TrawlUiFixture    *f);
char         *trawl_ui_video_path        (TrawlUiFixture    *f,
                                          guint              index);
gpointer      trawl_ui_find_toplevel     (GType              type);
gboolean      trawl_ui_is_button_labelled (GtkWidget        *widget,
                                          gconstpointer      label);
void          trawl_ui_answer_dialog     (const char        *label);
void          trawl_ui_assert_not_in_settings (GSettings   *settings,
                                               const char  *text);
void          trawl_ui_press_key         (TrawlUiFixture    *f,
                                          guint              keyval,
                                          GdkModifierType    modifiers);

G_END_DECLS
