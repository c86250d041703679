#define G_LOG_DOMAIN "trawl-progress"

#include "config.h"

#include "trawl-format.h"
#include "trawl-item.h"
#include "trawl-progress.h"

/* Adds the videos of @items (TrawlItem); failed and cancelled ones count
 * for nothing. */
void
trawl_progress_add_items (TrawlProgress *self,
                          GListModel    *items)
{
  guint n = g_list_model_get_n_items (items);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);
      TrawlItemState state = trawl_item_get_state (item);
      gint64 total = trawl_item_get_total (item);
      guint64 bytes = trawl_item_get_bytes (item);

      if (state == TRAWL_ITEM_FAILED || state == TRAWL_ITEM_CANCELLED)
        continue;

      if (state == TRAWL_ITEM_DOWNLOADING)
        {
          self->downloading++;
          self->speed += trawl_item_get_speed (item);
        }

      if (state == TRAWL_ITEM_DONE)
        {
          self->bytes += bytes;
          self->total += MAX ((guint64) MAX (total, 0), bytes);
        }
      else if (total > 0)
        {
          self->bytes += MIN (bytes, (guint64) total);
          self->total += (guint64) total;
        }
      else
        self->unknown++;
    }
}

/* From 0 to 1, or -1 when nothing is known. */
double
trawl_progress_fraction (const TrawlProgress *self)
{
  if (self->total == 0)
    return -1;
  return (double) self->bytes / (double) self->total;
}

/* "45 MB of 120 MB · 3.2 MB/s · 2 min left": the whole is given, and the
 * time left, only when every video still to come has a known size. NULL
 * while nothing downloads, or nothing of it is known yet (no "0 bytes"
 * while the downloads only connect). */
char *
trawl_progress_text (const TrawlProgress *self)
{
  if (self->downloading == 0 || (self->bytes == 0 && self->total == 0))
    return NULL;
  return trawl_format_progress (self->bytes, self->unknown == 0 ? (gint64) self->total : -1,
                                self->speed);
}
