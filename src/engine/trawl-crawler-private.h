#pragma once

#include "trawl-archive.h"
#include "trawl-board.h"
#include "trawl-client.h"
#include "trawl-item.h"
#include "trawl-recipe-private.h"

G_BEGIN_DECLS

/* What a crawl found: an item of the board, not yet in any queue. */
typedef void (*TrawlFoundFunc) (TrawlItem *item,
                                gpointer   user_data);

void      _trawl_crawl_async  (TrawlClient   *client,
                               TrawlBoard    *board,
                               TrawlRecipe   *recipe,
                               TrawlArchive  *archive,
                               guint          max_pages,
                               TrawlFoundFunc found,
                               gpointer       found_data,
                               GCancellable  *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer       user_data);
gboolean  _trawl_crawl_finish (TrawlBoard    *board,
                               GAsyncResult  *result,
                               GError       **error);

G_END_DECLS
