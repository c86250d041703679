#pragma once

#include <gtk/gtk.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_THUMBNAILS (trawl_thumbnails_get_type ())

G_DECLARE_FINAL_TYPE (TrawlThumbnails, trawl_thumbnails, TRAWL, THUMBNAILS, GObject)

TrawlThumbnails *trawl_thumbnails_new    (TrawlQueue      *queue,
                                          const char      *cache_dir);
GdkPaintable    *trawl_thumbnails_lookup (TrawlThumbnails *self,
                                          TrawlItem       *item);
guint            trawl_thumbnails_get_n_fetched (TrawlThumbnails *self);

G_END_DECLS
