#define G_LOG_DOMAIN "trawl-policy"

#include "config.h"

#include "trawl-policy-private.h"

/* The bucket holds a quarter of a second of the rate, so a pause does
 * not turn into a burst. */
#define BURST_FRACTION 4
/* A limited download waits until it may read this long a slice of the
 * rate (clamped below): a read of a few bytes every millisecond would
 * cost a core and starve the main loop. */
#define SLICE_FRACTION 20
#define MIN_SLICE 4096
#define MAX_SLICE (64 * 1024)
#define MIN_WAIT_MS 10
/* The state is written this long after a change, and the main loop spends
 * at most one part in SAVE_SHARE of its time writing it. */
#define SAVE_DELAY_MS 200
#define SAVE_SHARE 50
#define MAX_SAVE_DELAY_MS (10 * 1000)

void
_trawl_token_bucket_set_rate (TrawlTokenBucket *bucket,
                              guint64           rate)
{
  if (bucket->rate == rate)
    return;

  bucket->rate = rate;
  bucket->tokens = 0;
  bucket->time_us = 0;
}

/**
 * _trawl_token_bucket_take:
 * @now_us: the monotonic clock
 * @wanted: bytes the caller could read now
 * @wait_ms: (out): with 0 returned, how long to wait before asking again
 *
 * Returns: how many bytes may be read now: 0, or at least a slice
 *   (unless @wanted is smaller)
 */
gsize
_trawl_token_bucket_take (TrawlTokenBucket *bucket,
                          gint64            now_us,
                          gsize             wanted,
                          guint            *wait_ms)
{
  double capacity;
  double slice;
  gsize granted;

  *wait_ms = 0;
  if (bucket->rate == 0)
    return wanted;

  slice = CLAMP ((double) bucket->rate / SLICE_FRACTION, MIN_SLICE, MAX_SLICE);
  slice = MIN (slice, (double) wanted);
  capacity = MAX ((double) bucket->rate / BURST_FRACTION, slice);

  if (bucket->time_us == 0 || now_us < bucket->time_us)
    bucket->time_us = now_us;
  bucket->tokens = MIN (capacity, bucket->tokens + (double) (now_us - bucket->time_us) *
                                                     (double) bucket->rate / G_USEC_PER_SEC);
  bucket->time_us = now_us;

  if (bucket->tokens < slice)
    {
      double needed = slice - bucket->tokens;

      *wait_ms = (guint) MAX (MIN_WAIT_MS, needed * 1000 / (double) bucket->rate + 1);
      return 0;
    }

  granted = (gsize) MIN ((double) wanted, bucket->tokens);
  bucket->tokens -= granted;

  return granted;
}

gboolean
_trawl_too_slow (guint64 bytes,
                 guint   seconds)
{
  return bytes < (guint64) TRAWL_MIN_SPEED * seconds;
}

/* A read returns what has arrived, often less than it was granted: the
 * rest goes back, or the limit would be undershot. */
void
_trawl_token_bucket_give_back (TrawlTokenBucket *bucket,
                               gsize             unused)
{
  if (bucket->rate == 0)
    return;
  bucket->tokens = MIN (bucket->tokens + (double) unused,
                        MAX ((double) bucket->rate / BURST_FRACTION, MIN_SLICE));
}

/* Writing the state costs the main loop time in proportion to the queue,
 * at every change: a small queue is written 200 ms after a change, a big
 * one as much later as keeps that cost to 2% of the main loop (a board of
 * 10,000 items: about 0.7 s). */
guint
_trawl_save_delay_ms (gint64 last_cost_us)
{
  gint64 delay_ms = MAX (last_cost_us, 0) * SAVE_SHARE / 1000;

  return (guint) CLAMP (delay_ms, SAVE_DELAY_MS, MAX_SAVE_DELAY_MS);
}
