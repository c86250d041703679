#pragma once

#include "trawl-item.h"

G_BEGIN_DECLS

#define TRAWL_N_ITEM_STATES (TRAWL_ITEM_CANCELLED + 1)

/* How many items are in each state. The queue keeps one for all its items
 * and each board one for its own; they move along as an item changes
 * state, so no count walks a list. */
typedef struct
{
  guint in_state[TRAWL_N_ITEM_STATES];
} TrawlStateCounts;

void  _trawl_state_counts_add        (TrawlStateCounts       *counts,
                                      TrawlItemState          state);
void  _trawl_state_counts_remove     (TrawlStateCounts       *counts,
                                      TrawlItemState          state);
void  _trawl_state_counts_move       (TrawlStateCounts       *counts,
                                      TrawlItemState          from,
                                      TrawlItemState          to);
guint _trawl_state_counts_get        (const TrawlStateCounts *counts,
                                      TrawlItemState          state);
guint _trawl_state_counts_unfinished (const TrawlStateCounts *counts);

G_END_DECLS
