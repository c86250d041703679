#pragma once

#include <gtk/gtk.h>

#include "trawl-queue.h"
#include "trawl-thumbnails.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_ITEM_ROW (trawl_item_row_get_type ())

G_DECLARE_FINAL_TYPE (TrawlItemRow, trawl_item_row, TRAWL, ITEM_ROW, GtkWidget)

GtkWidget *trawl_item_row_new      (TrawlQueue   *queue);
TrawlItem *trawl_item_row_get_item (TrawlItemRow *self);
void       trawl_item_row_set_item (TrawlItemRow *self,
                                    TrawlItem    *item);
void       trawl_item_row_remove   (GtkWidget    *widget,
                                    TrawlQueue   *queue,
                                    TrawlItem    *item);
void       trawl_item_row_set_thumbnails (TrawlItemRow    *self,
                                          TrawlThumbnails *thumbnails);
void       trawl_item_row_popup_menu (TrawlItemRow *self,
                                      double        x,
                                      double        y);

G_END_DECLS
