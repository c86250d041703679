#pragma once

#include <adwaita.h>

#include "trawl-queue.h"

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

G_END_DECLS
