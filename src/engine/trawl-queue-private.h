#pragma once

#include <libsoup/soup.h>

#include "trawl-board-private.h"
#include "trawl-item-private.h"
#include "trawl-queue.h"
#include "trawl-recipe-private.h"

G_BEGIN_DECLS

/* Pages (list, detail, API) bigger than this are refused: no real board
 * page is near it, and memory must stay bounded whatever a server sends. */
#define TRAWL_MAX_PAGE_SIZE (32 * 1024 * 1024)

typedef struct
{
  GBytes *body;          /* NULL when the URL turned out to be a media file */
  char   *content_type;
  char   *url;           /* after redirects */
  gboolean is_media;
} TrawlResponse;

void           _trawl_response_free          (TrawlResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlResponse, _trawl_response_free)

SoupSession   *_trawl_queue_get_session      (TrawlQueue    *self);
void           _trawl_queue_prepare_message  (TrawlQueue    *self,
                                              SoupMessage   *message,
                                              const char    *referer);
guint          _trawl_queue_get_max_tries    (TrawlQueue    *self);
TrawlAllowLocal _trawl_queue_get_allow_local (TrawlQueue    *self);
guint          _trawl_queue_get_max_pages    (TrawlQueue    *self);
guint          _trawl_queue_retry_delay_ms   (TrawlQueue    *self,
                                              guint          attempt,
                                              guint          retry_after_s);
gsize          _trawl_queue_take_bytes       (TrawlQueue    *self,
                                              gsize          wanted,
                                              guint         *wait_ms);

void           _trawl_queue_give_back_bytes  (TrawlQueue    *self,
                                              gsize          unused);

void           _trawl_queue_add_item         (TrawlQueue    *self,
                                              TrawlItem     *item);
void           _trawl_queue_crawl_finished   (TrawlQueue    *self,
                                              TrawlBoard    *board);
gboolean       _trawl_queue_reserve_path     (TrawlQueue    *self,
                                              TrawlItem     *item,
                                              const char    *extension,
                                              GError       **error);
void           _trawl_queue_release_path     (TrawlQueue    *self,
                                              TrawlItem     *item);
void           _trawl_queue_block_path       (TrawlQueue    *self,
                                              const char    *path);
void           _trawl_queue_note             (TrawlQueue    *self,
                                              TrawlItem     *item,
                                              const char    *note);
guint          _trawl_queue_get_timeout      (TrawlQueue    *self);

void           _trawl_queue_crawl            (TrawlQueue    *self,
                                              TrawlBoard    *board);
void           _trawl_queue_restore_item     (TrawlQueue    *self,
                                              TrawlItem     *item);
void           _trawl_queue_restore_board    (TrawlQueue    *self,
                                              TrawlBoard    *board);
void           _trawl_queue_save_later       (TrawlQueue    *self);
void           _trawl_queue_schedule         (TrawlQueue    *self);
gboolean       _trawl_queue_is_saving        (TrawlQueue    *self);

/* trawl-queue-state.c */
void           _trawl_queue_save_async       (TrawlQueue    *self,
                                              const char    *path,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_queue_save_finish      (GAsyncResult  *result,
                                              GError       **error);

/* trawl-http.c */
typedef struct
{
  guint       source;
  guint       seconds;
  guint64     bytes;    /* received in this period */
  gboolean    waiting;  /* for the speed limit, now */
  gboolean    waited;   /* for the speed limit, in this period */
  GSourceFunc expired;
  gpointer    data;
} TrawlDeadline;

GCancellable  *_trawl_attempt_begin          (GCancellable  *caller,
                                              gulong        *handler);
void           _trawl_attempt_end            (GCancellable **attempt,
                                              GCancellable  *caller,
                                              gulong        *handler);
void           _trawl_deadline_start         (TrawlDeadline *deadline,
                                              guint          seconds,
                                              GSourceFunc    expired,
                                              gpointer       data);
void           _trawl_deadline_stop          (TrawlDeadline *deadline);
GError        *_trawl_deadline_error         (guint          seconds);

SoupCookieJar *_trawl_cookie_jar_new_from_file (const char    *path,
                                                GError       **error);
void           _trawl_sleep_async            (guint          ms,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_sleep_finish           (GAsyncResult  *result,
                                              GError       **error);
gboolean       _trawl_error_is_transient     (const GError  *error);
GError        *_trawl_explain_error          (GError        *error);
void           _trawl_set_http_error         (GError       **error,
                                              SoupMessage   *message,
                                              const char    *what);
guint          _trawl_retry_after_seconds    (SoupMessage   *message);
void           _trawl_send_async             (TrawlQueue    *queue,
                                              TrawlBoard    *board,
                                              SoupMessage   *message,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
GInputStream  *_trawl_send_finish            (SoupMessage   *message,
                                              GAsyncResult  *result,
                                              GError       **error);
void           _trawl_fetch_async            (TrawlQueue    *queue,
                                              TrawlBoard    *board,
                                              const char    *url,
                                              const char    *referer,
                                              GStrv          header_names,
                                              GStrv          header_values,
                                              const char    *what,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
TrawlResponse *_trawl_fetch_finish           (GAsyncResult  *result,
                                              GError       **error);

/* trawl-crawler.c */
void           _trawl_crawl_async            (TrawlQueue    *queue,
                                              TrawlBoard    *board,
                                              TrawlRecipe   *recipe,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_crawl_finish           (GAsyncResult  *result,
                                              GError       **error);

/* trawl-resolver.c; the pure steps of a strategy, which the fuzzer runs */
char          *_trawl_strategy_finish_url    (TrawlStrategy *strategy,
                                              GHashTable    *vars,
                                              const char    *found,
                                              const char    *base,
                                              JsonNode      *json,
                                              char         **reason);
char          *_trawl_strategy_api_request   (TrawlStrategy *strategy,
                                              GHashTable    *vars,
                                              const char    *page_url,
                                              GStrv         *header_values,
                                              char         **reason);
char          *_trawl_strategy_api_answer    (TrawlStrategy *strategy,
                                              GHashTable    *vars,
                                              GBytes        *body,
                                              const char    *url,
                                              char         **reason);
void           _trawl_resolve_async          (TrawlQueue    *queue,
                                              TrawlItem     *item,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_resolve_finish         (GAsyncResult  *result,
                                              GError       **error);

/* trawl-transfer.c */
void           _trawl_transfer_async         (TrawlQueue    *queue,
                                              TrawlItem     *item,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean       _trawl_transfer_finish        (GAsyncResult  *result,
                                              GError       **error);
gboolean       _trawl_parse_content_range    (const char    *value,
                                              gint64        *start,
                                              gint64        *end,
                                              gint64        *total);

G_END_DECLS
