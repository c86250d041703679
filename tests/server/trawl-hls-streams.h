#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* HLS streams served by the board server under /hls/KIND/: "ts", "fmp4",
 * "maps" (a section that changes), "html", "cut" and "drip" (the second
 * segment a web page, cut short, or dripping the first time), "bom" (a
 * byte-order mark first), "fileuri" (a segment at a file: address),
 * "range-lie" (every range answered from byte 0), "nolength" and
 * "nolength-range" (the second segment sent without its length, cut the
 * first time; with ranges answered, or not),
 * "range" (fMP4 by byte ranges of one file), "aes" (AES-128, a key change
 * and IVs both given and from the sequence number), "master" (three
 * variants), and the refused "live", "sample-aes" and "apart" (sound only
 * in a separate rendition). Each has index.m3u8; "stream" is the same
 * playlist labelled text/plain. */

typedef struct _TrawlHlsStreams TrawlHlsStreams;

typedef struct
{
  guint       status;
  const char *content_type;
  GBytes     *body;
  gsize       range_start;  /* for a 206 */
  gsize       range_total;
  gboolean    hold;         /* never answered while the hold lasts */
  gboolean    drip;         /* sent a byte at a time, slowly */
  gboolean    no_length;    /* sent chunked, its length not said */
} TrawlHlsAnswer;

TrawlHlsStreams *trawl_hls_streams_new            (const char       *fixtures,
                                                   GError          **error);
void             trawl_hls_streams_free           (TrawlHlsStreams  *streams);
void             trawl_hls_streams_set_fail_once  (TrawlHlsStreams  *streams,
                                                   gboolean          fail_once);
void             trawl_hls_streams_set_token      (TrawlHlsStreams  *streams,
                                                   guint             token);
void             trawl_hls_streams_set_changed    (TrawlHlsStreams  *streams,
                                                   gboolean          changed);
void             trawl_hls_streams_hold_from      (TrawlHlsStreams  *streams,
                                                   guint             segment);
guint            trawl_hls_streams_get_requests   (TrawlHlsStreams  *streams,
                                                   const char       *path);
void             trawl_hls_streams_reset_requests (TrawlHlsStreams  *streams);
guint            trawl_hls_streams_n_fragments    (TrawlHlsStreams  *streams);
GBytes          *trawl_hls_streams_expected       (TrawlHlsStreams  *streams,
                                                   const char       *kind);
TrawlHlsAnswer  *trawl_hls_streams_answer         (TrawlHlsStreams  *streams,
                                                   const char       *path,
                                                   const char       *range);
void             trawl_hls_answer_free            (TrawlHlsAnswer   *answer);

G_END_DECLS
