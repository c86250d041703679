#pragma once

#include <libsoup/soup.h>

#include "trawl-hls-streams.h"

G_BEGIN_DECLS

typedef enum
{
  TRAWL_BOARD_FORM_CLASSIC,  /* srcUrl="…",vdoUrl= in an inline script */
  TRAWL_BOARD_FORM_API,      /* videoStatus.jsp JSON API with Referer */
  TRAWL_BOARD_FORM_MIXED,    /* even items classic, odd items API */
} TrawlBoardForm;

typedef enum
{
  TRAWL_FAULT_RESET,         /* close the connection after arg bytes of the answer */
  TRAWL_FAULT_STATUS,        /* answer the video request with status arg */
  TRAWL_FAULT_RETRY_AFTER,   /* 429 with Retry-After: arg seconds */
  TRAWL_FAULT_STALL,         /* send arg bytes, then nothing until freed */
  TRAWL_FAULT_HTML,          /* a 200 text/html error page instead of the video */
  TRAWL_FAULT_DETAIL_STATUS, /* answer the detail page with status arg */
  TRAWL_FAULT_DETAIL_STALL,  /* never answer the detail page */
  TRAWL_FAULT_API_GARBAGE,   /* answer the JSON API with something that is not JSON */
  TRAWL_FAULT_REDIRECT,      /* 302 to the same video on another host name (localhost) */
  TRAWL_FAULT_SHORT_SAME_TAG,/* a 200 of the video's first arg bytes, under its own ETag */
} TrawlFault;

typedef enum
{
  TRAWL_REQUEST_LIST,
  TRAWL_REQUEST_LOADING,
  TRAWL_REQUEST_DETAIL,
  TRAWL_REQUEST_API,
  TRAWL_REQUEST_VIDEO,
  TRAWL_REQUEST_THUMBNAIL,
  TRAWL_REQUEST_OTHER,
  TRAWL_N_REQUEST_KINDS
} TrawlRequestKind;

/* What the server does with a request for a video while another request
 * for the same video is being answered (several connections per file). */
typedef enum
{
  TRAWL_PARALLEL_ALLOW,      /* answer it like any other */
  TRAWL_PARALLEL_REFUSE,     /* answer with a status (403, 429, 503…) */
  TRAWL_PARALLEL_IGNORE,     /* ignore its Range: the whole file, 200 */
  TRAWL_PARALLEL_DROP,       /* close the connection without an answer */
  TRAWL_PARALLEL_OTHER_ETAG, /* the range, under another ETag (servers behind a balancer) */
  TRAWL_PARALLEL_OTHER_BYTES,/* the range of another file, same ETag and length */
  TRAWL_PARALLEL_DRIP,       /* the range at 64 bytes a second */
  TRAWL_PARALLEL_CUT,        /* the range, reset after its first 100,000 bytes */
  TRAWL_PARALLEL_OTHER_FIRST,/* the first such request only: another file's range, same
                              * ETag and length, at full speed (one stale backend) */
} TrawlParallel;

/* What the server does with every request for a video that asks for a
 * range (the first request of a download asks for none), whatever else
 * is being answered: servers that send the whole file but break ranges. */
typedef enum
{
  TRAWL_RANGE_FAULT_NONE,
  TRAWL_RANGE_FAULT_STATUS,           /* answer with a status (429, 403…) */
  TRAWL_RANGE_FAULT_NO_CONTENT_RANGE, /* 206 with the range's bytes, no Content-Range */
  TRAWL_RANGE_FAULT_WRONG_START,      /* 206 with the range's bytes, its start + 1 said */
  TRAWL_RANGE_FAULT_CUT_THIRD,        /* the range, reset after a third of it */
  TRAWL_RANGE_FAULT_SILENT,           /* 206 headers, then nothing at all */
  TRAWL_RANGE_FAULT_SILENT_ALTERNATE, /* the same for every other such request */
} TrawlRangeFault;

#define TRAWL_TYPE_BOARD_SERVER (trawl_board_server_get_type ())

G_DECLARE_FINAL_TYPE (TrawlBoardServer, trawl_board_server, TRAWL, BOARD_SERVER, GObject)

TrawlBoardServer *trawl_board_server_new            (void);
gboolean          trawl_board_server_start          (TrawlBoardServer *self,
                                                     guint             port,
                                                     GError          **error);
gboolean          trawl_board_server_start_tls      (TrawlBoardServer *self,
                                                     GTlsCertificate  *certificate,
                                                     GError          **error);
void              trawl_board_server_set_endless    (TrawlBoardServer *self,
                                                     gboolean          endless);
char             *trawl_board_server_get_url        (TrawlBoardServer *self);
char             *trawl_board_server_get_base_url   (TrawlBoardServer *self);

void              trawl_board_server_set_items      (TrawlBoardServer *self,
                                                     guint             items);
void              trawl_board_server_set_page_size  (TrawlBoardServer *self,
                                                     guint             page_size);
void              trawl_board_server_set_form       (TrawlBoardServer *self,
                                                     TrawlBoardForm    form);
void              trawl_board_server_set_video_size (TrawlBoardServer *self,
                                                     guint64           size);
void              trawl_board_server_set_latency    (TrawlBoardServer *self,
                                                     guint             ms);
void              trawl_board_server_set_range      (TrawlBoardServer *self,
                                                     gboolean          supported);
void              trawl_board_server_set_video_referer (TrawlBoardServer *self,
                                                       gboolean          required);
void              trawl_board_server_set_refuse_head (TrawlBoardServer *self,
                                                      gboolean          refuse);
void              trawl_board_server_set_hostile    (TrawlBoardServer *self,
                                                     gboolean          hostile);
void              trawl_board_server_set_gbk        (TrawlBoardServer *self,
                                                     gboolean          gbk);
void              trawl_board_server_set_version    (TrawlBoardServer *self,
                                                     guint             version);
void              trawl_board_server_set_titles     (TrawlBoardServer *self,
                                                     const char * const *titles);
void              trawl_board_server_set_video_rate (TrawlBoardServer *self,
                                                     guint64           bytes_per_second);
void              trawl_board_server_set_video_burst (TrawlBoardServer *self,
                                                      guint64           bytes);
void              trawl_board_server_hold_videos    (TrawlBoardServer *self,
                                                     gboolean          hold);
void              trawl_board_server_hold_thumbnails (TrawlBoardServer *self,
                                                     gboolean          hold);
void              trawl_board_server_set_range_fault (TrawlBoardServer *self,
                                                      TrawlRangeFault   fault,
                                                      guint             status);
guint             trawl_board_server_get_range_faults (TrawlBoardServer *self);
void              trawl_board_server_set_close_linger (TrawlBoardServer *self,
                                                       guint             ms);
void              trawl_board_server_set_parallel   (TrawlBoardServer *self,
                                                     TrawlParallel     parallel,
                                                     guint             status);
guint             trawl_board_server_get_max_streams_per_video (TrawlBoardServer *self);
void              trawl_board_server_set_answer_cap (TrawlBoardServer *self,
                                                     guint64           bytes);
guint             trawl_board_server_get_parallel_refused (TrawlBoardServer *self);
void              trawl_board_server_add_fault      (TrawlBoardServer *self,
                                                     guint             index,
                                                     TrawlFault        fault,
                                                     guint             arg,
                                                     guint             times);
void              trawl_board_server_clear_faults   (TrawlBoardServer *self);

guint             trawl_board_server_get_in_flight       (TrawlBoardServer *self);
guint             trawl_board_server_get_max_in_flight   (TrawlBoardServer *self);
guint             trawl_board_server_get_videos_in_flight (TrawlBoardServer *self);
guint             trawl_board_server_get_max_videos_in_flight (TrawlBoardServer *self);
guint             trawl_board_server_get_requests   (TrawlBoardServer *self,
                                                     TrawlRequestKind  kind);
guint             trawl_board_server_get_range_requests (TrawlBoardServer *self);
guint64           trawl_board_server_get_video_bytes (TrawlBoardServer *self);
void              trawl_board_server_reset_counters (TrawlBoardServer *self);
const char       *trawl_board_server_get_last_header (TrawlBoardServer *self,
                                                     TrawlRequestKind  kind,
                                                     const char       *name);

gboolean          trawl_board_server_set_hls        (TrawlBoardServer *self,
                                                     const char       *fixtures,
                                                     GError          **error);
TrawlHlsStreams  *trawl_board_server_get_hls        (TrawlBoardServer *self);

guint             trawl_board_server_item_id        (guint             index);
char             *trawl_board_server_item_title     (TrawlBoardServer *self,
                                                     guint             index);
void              trawl_board_server_fill           (guint             id,
                                                     guint64           offset,
                                                     guint8           *buffer,
                                                     gsize             length);
char             *trawl_board_server_checksum       (guint             id,
                                                     guint64           size);

G_END_DECLS
