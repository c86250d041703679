#pragma once

#include "trawl-client.h"
#include "trawl-item.h"

G_BEGIN_DECLS

/* One more connection for a video being downloaded: a Range request for
 * part of it, written with positioned writes into the .part the transfer
 * holds. The transfer decides the ranges; a segment only fetches one and
 * says how it went. */

typedef enum
{
  TRAWL_SEGMENT_RUNNING,
  TRAWL_SEGMENT_DONE,       /* the range is written */
  TRAWL_SEGMENT_REFUSED,    /* the server would not send it on another connection */
  TRAWL_SEGMENT_NO_RANGES,  /* the server sent the whole file, or a part it did not say
                             * or not the one asked for: it does not send ranges */
  TRAWL_SEGMENT_CHANGED,    /* the server's file is not the one in the .part */
  TRAWL_SEGMENT_FAILED,     /* like a failed try of a download */
  TRAWL_SEGMENT_CANCELLED,
} TrawlSegmentOutcome;

typedef struct _TrawlSegment TrawlSegment;
typedef void (*TrawlSegmentFunc) (TrawlSegment *segment,
                                  gpointer      user_data);

typedef struct
{
  TrawlClient *client;
  TrawlItem   *item;
  const char  *url;        /* where the first connection's redirects ended */
  int          fd;         /* the .part, open and locked by the transfer */
  guint64      total;      /* the file's length */
  const char  *validator;  /* what the first answer said the file is, or NULL */
  GCancellable *cancellable;
  TrawlSegmentFunc progress;  /* bytes reached the .part */
  TrawlSegmentFunc done;      /* once, when it ends however it ends */
  gpointer     user_data;
} TrawlSegmentContext;

TrawlSegment       *_trawl_segment_start        (const TrawlSegmentContext *context,
                                                 guint64        start,
                                                 guint64        end,
                                                 gsize          lead,
                                                 gboolean       seam);
void                _trawl_segment_cancel       (TrawlSegment  *segment);
void                _trawl_segment_unref        (TrawlSegment  *segment);
guint64             _trawl_segment_get_written  (TrawlSegment  *segment);
guint64             _trawl_segment_get_received (TrawlSegment  *segment);
guint64             _trawl_segment_get_end      (TrawlSegment  *segment);
void                _trawl_segment_set_end      (TrawlSegment  *segment,
                                                 guint64        end);
gboolean            _trawl_segment_has_answered (TrawlSegment  *segment);
gboolean            _trawl_segment_brought_nothing (TrawlSegment *segment);
gboolean            _trawl_segment_got_status   (TrawlSegment  *segment);
GBytes             *_trawl_segment_get_seam     (TrawlSegment  *segment,
                                                 guint64       *end);
gboolean            _trawl_segment_keeps_seam   (TrawlSegment  *segment);
guint64             _trawl_segment_get_first    (TrawlSegment  *segment);
gint64              _trawl_segment_get_age      (TrawlSegment  *segment);
gint64              _trawl_segment_get_progress_time (TrawlSegment *segment);
TrawlSegmentOutcome _trawl_segment_get_outcome  (TrawlSegment  *segment,
                                                 const GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlSegment, _trawl_segment_unref)

G_END_DECLS
