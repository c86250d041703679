#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Pure policies with the clock passed in, tested without a network or a
 * sleep. */

typedef struct
{
  guint64 rate;    /* bytes per second; 0: no limit */
  double  tokens;
  gint64  time_us; /* when tokens were counted; 0: never */
} TrawlTokenBucket;

void   _trawl_token_bucket_set_rate (TrawlTokenBucket *bucket,
                                     guint64           rate);
gsize  _trawl_token_bucket_take     (TrawlTokenBucket *bucket,
                                     gint64            now_us,
                                     gsize             wanted,
                                     guint            *wait_ms);

void   _trawl_token_bucket_give_back (TrawlTokenBucket *bucket,
                                      gsize             unused);

/* Below this many bytes a second for a whole timeout, an attempt has
 * stalled even if a byte trickles in now and then. */
#define TRAWL_MIN_SPEED 1024

gboolean _trawl_too_slow            (guint64           bytes,
                                     guint             seconds);

/* Retries: the longest a backoff grows to, and the longest a server may
 * ask to wait with Retry-After. */
#define TRAWL_MAX_RETRY_DELAY_MS (60 * 1000)
#define TRAWL_MAX_RETRY_AFTER_S 300

guint    _trawl_backoff_ms          (guint             base_ms,
                                     guint             attempt,
                                     guint             retry_after_s,
                                     guint32           random);
guint    _trawl_retry_after_parse   (const char       *value,
                                     GDateTime        *now);
gboolean _trawl_status_is_transient (guint             status);
gboolean _trawl_error_is_transient  (const GError     *error);

/* How long after a change the queue's state is written, given what writing
 * it took last time (it grows with the queue). */
guint    _trawl_save_delay_ms       (gint64            last_cost_us);

G_END_DECLS
