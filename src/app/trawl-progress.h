#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How far a set of videos has come, all together: the window's summary,
 * a board's heading, the launcher. */
typedef struct
{
  guint64 bytes;        /* of the videos whose size is known, done ones included */
  guint64 total;
  double  speed;        /* bytes a second, of those downloading */
  guint   unknown;      /* videos still to come whose size is not known yet */
  guint   downloading;
} TrawlProgress;

void    trawl_progress_add_items (TrawlProgress       *self,
                                  GListModel          *items);
double  trawl_progress_fraction  (const TrawlProgress *self);
char   *trawl_progress_text      (const TrawlProgress *self);

G_END_DECLS
