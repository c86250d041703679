#pragma once

#include <adwaita.h>

#include "trawl-queue.h"
#include "trawl-recipe-editor.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_WINDOW (trawl_window_get_type ())

G_DECLARE_FINAL_TYPE (TrawlWindow, trawl_window, TRAWL, WINDOW, AdwApplicationWindow)

TrawlWindow *trawl_window_new             (GtkApplication *application,
                                           TrawlQueue     *queue,
                                           GSettings      *settings);
TrawlQueue  *trawl_window_get_queue       (TrawlWindow    *self);
TrawlBoard  *trawl_window_add_board       (TrawlWindow    *self,
                                           const char     *text,
                                           const char     *recipe);
void         trawl_window_show_toast      (TrawlWindow    *self,
                                           const char     *message);
GtkListView *trawl_window_get_list_view   (TrawlWindow    *self);
char        *trawl_window_get_summary     (TrawlWindow    *self);
TrawlRecipeEditor *trawl_window_edit_recipe (TrawlWindow  *self,
                                           TrawlBoard     *board);
void         trawl_window_open_recipe     (TrawlWindow    *self,
                                           GFile          *file);

G_END_DECLS
