#pragma once

#include <gtk/gtk.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_BOARD_HEADER (trawl_board_header_get_type ())

G_DECLARE_FINAL_TYPE (TrawlBoardHeader, trawl_board_header, TRAWL, BOARD_HEADER, GtkWidget)

GtkWidget  *trawl_board_header_new       (TrawlQueue       *queue);
TrawlBoard *trawl_board_header_get_board (TrawlBoardHeader *self);
void        trawl_board_header_set_board (TrawlBoardHeader *self,
                                          TrawlBoard       *board);
void        trawl_board_header_popup_menu (TrawlBoardHeader *self);

G_END_DECLS
