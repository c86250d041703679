#define G_LOG_DOMAIN "trawl-policy"

#include "config.h"

#include <libsoup/soup.h>

#include "trawl-error.h"
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

/**
 * _trawl_backoff_ms:
 * @base_ms: the delay after the first try
 * @attempt: the tries made so far (1 after the first)
 * @retry_after_s: what the server asked for (Retry-After), or 0
 * @random: any 32-bit random number, which spreads the delay
 *
 * Exponential backoff with jitter (between 3/4 and 5/4 of the doubled
 * delay), so that many items failing together do not retry together; a
 * server asking for longer wins, up to TRAWL_MAX_RETRY_AFTER_S.
 *
 * Returns: how long to wait before the next try, in milliseconds
 */
guint
_trawl_backoff_ms (guint   base_ms,
                   guint   attempt,
                   guint   retry_after_s,
                   guint32 random)
{
  guint64 delay = base_ms;
  guint64 asked = (guint64) MIN (retry_after_s, TRAWL_MAX_RETRY_AFTER_S) * 1000;

  for (guint i = 1; i < attempt && delay < TRAWL_MAX_RETRY_DELAY_MS; i++)
    delay *= 2;
  delay = MIN (delay, TRAWL_MAX_RETRY_DELAY_MS);
  delay = delay * 3 / 4 + random % (delay / 2 + 1);

  return (guint) MAX (delay, asked);
}

/**
 * _trawl_retry_after_parse:
 * @value: (nullable): a Retry-After header: seconds, or an HTTP date
 * @now: the time a date is counted from
 *
 * Returns: the seconds the server asks to wait, or 0 for none (absent,
 *   not understood, or a date already past)
 */
guint
_trawl_retry_after_parse (const char *value,
                          GDateTime  *now)
{
  guint64 seconds;
  g_autoptr(GDateTime) when = NULL;

  if (value == NULL)
    return 0;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &seconds, NULL))
    return (guint) seconds;

  when = soup_date_time_new_from_http_string (value);
  if (when != NULL && g_date_time_compare (when, now) > 0)
    return (guint) MIN (g_date_time_difference (when, now) / G_USEC_PER_SEC + 1, G_MAXUINT);

  return 0;
}

/* Statuses that may pass if asked again; a 404 or 403 will not. */
gboolean
_trawl_status_is_transient (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429 ||
         (status >= 500 && status != SOUP_STATUS_NOT_IMPLEMENTED &&
          status != SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED);
}

/* Worth another try: the network or the server failed in a way that may
 * pass. A cancellation never is. */
gboolean
_trawl_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain == TRAWL_ERROR)
    return error->code == TRAWL_ERROR_TRUNCATED || error->code == TRAWL_ERROR_SERVER;

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_BROKEN_PIPE:
        case G_IO_ERROR_PARTIAL_INPUT:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_NOT_CONNECTED:
        case G_IO_ERROR_FAILED:
          return TRUE;
        default:
          return FALSE;
        }
    }

  if (error->domain == G_RESOLVER_ERROR)
    return error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;

  if (error->domain == SOUP_SESSION_ERROR)
    return error->code == SOUP_SESSION_ERROR_PARSING || error->code == SOUP_SESSION_ERROR_ENCODING;

  return FALSE;
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
