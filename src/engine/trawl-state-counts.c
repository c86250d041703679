#define G_LOG_DOMAIN "trawl-state-counts"

#include "config.h"

#include "trawl-state-counts-private.h"

void
_trawl_state_counts_add (TrawlStateCounts *counts,
                         TrawlItemState    state)
{
  g_assert ((guint) state < TRAWL_N_ITEM_STATES);

  counts->in_state[state]++;
}

void
_trawl_state_counts_remove (TrawlStateCounts *counts,
                            TrawlItemState    state)
{
  g_assert ((guint) state < TRAWL_N_ITEM_STATES);
  g_assert (counts->in_state[state] > 0);

  counts->in_state[state]--;
}

/* An item counted in @from is now in @to. */
void
_trawl_state_counts_move (TrawlStateCounts *counts,
                          TrawlItemState    from,
                          TrawlItemState    to)
{
  _trawl_state_counts_remove (counts, from);
  _trawl_state_counts_add (counts, to);
}

guint
_trawl_state_counts_get (const TrawlStateCounts *counts,
                         TrawlItemState          state)
{
  if ((guint) state >= TRAWL_N_ITEM_STATES)
    return 0;

  return counts->in_state[state];
}

/* Items neither done, failed nor cancelled: waiting, running or paused. */
guint
_trawl_state_counts_unfinished (const TrawlStateCounts *counts)
{
  return counts->in_state[TRAWL_ITEM_PENDING] + counts->in_state[TRAWL_ITEM_RESOLVING] +
         counts->in_state[TRAWL_ITEM_QUEUED] + counts->in_state[TRAWL_ITEM_DOWNLOADING] +
         counts->in_state[TRAWL_ITEM_PAUSED];
}
