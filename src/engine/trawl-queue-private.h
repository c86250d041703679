#pragma once

#include "trawl-board-private.h"
#include "trawl-item-private.h"
#include "trawl-queue.h"

G_BEGIN_DECLS

/* Between the queue's two files: trawl-queue.c schedules, and
 * trawl-queue-state.c saves and restores. */

void           _trawl_queue_crawl            (TrawlQueue    *self,
                                              TrawlBoard    *board);
void           _trawl_queue_restore_item     (TrawlQueue    *self,
                                              TrawlItem     *item);
void           _trawl_queue_restore_board    (TrawlQueue    *self,
                                              TrawlBoard    *board);
void           _trawl_queue_schedule         (TrawlQueue    *self);
void           _trawl_queue_save_later       (TrawlQueue    *self);

/* trawl-queue-state.c */
void           _trawl_queue_save_async       (TrawlQueue    *self,
                                              const char    *path,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_queue_save_finish      (GAsyncResult  *result,
                                              GError       **error);
void           _trawl_queue_hold_saves       (gboolean       hold);

G_END_DECLS
