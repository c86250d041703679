#pragma once

#include <libsoup/soup.h>

#include "trawl-board.h"
#include "trawl-client.h"

G_BEGIN_DECLS

/* Pages (list, detail, API) bigger than this are refused: no real board
 * page is near it, and memory must stay bounded whatever a server sends. */
#define TRAWL_MAX_PAGE_SIZE (32 * 1024 * 1024)

typedef struct
{
  GBytes *body;          /* NULL when the URL turned out to be a media file
                          * (kept for an HLS playlist, which is media too) */
  char   *content_type;
  char   *url;           /* after redirects */
  gboolean is_media;
} TrawlResponse;

void           _trawl_response_free           (TrawlResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlResponse, _trawl_response_free)

SoupMessage   *_trawl_client_new_message      (TrawlClient   *self,
                                               const char    *url,
                                               TrawlBoard    *board,
                                               const char    *referer);
guint          _trawl_client_get_timeout      (TrawlClient   *self);
char          *_trawl_client_get_cookies      (TrawlClient   *self,
                                               const char    *url);
guint64        _trawl_client_get_min_split_size (TrawlClient *self);
guint          _trawl_client_get_in_flight    (TrawlClient   *self,
                                               GUri          *uri);
guint          _trawl_client_get_host_split   (TrawlClient   *self,
                                               GUri          *uri);
void           _trawl_client_step_down        (TrawlClient   *self,
                                               GUri          *uri,
                                               guint          had);
GHashTable    *_trawl_client_get_host_splits  (TrawlClient   *self);
void           _trawl_client_set_host_throttles (TrawlClient *self,
                                                 GUri        *uri);
gboolean       _trawl_client_get_host_throttles (TrawlClient *self,
                                                 GUri        *uri);
void           _trawl_client_set_host_split   (TrawlClient   *self,
                                               const char    *host_port,
                                               guint          split);
gboolean       _trawl_client_should_retry     (TrawlClient   *self,
                                               guint          attempt,
                                               const GError  *error,
                                               SoupMessage   *message,
                                               guint         *delay_ms);
gsize          _trawl_client_take_bytes       (TrawlClient   *self,
                                               gsize          wanted,
                                               guint         *wait_ms);
void           _trawl_client_give_back_bytes  (TrawlClient   *self,
                                               gsize          unused);

void           _trawl_client_send_async       (TrawlClient   *self,
                                               TrawlBoard    *board,
                                               SoupMessage   *message,
                                               GCancellable  *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer       user_data);
GInputStream  *_trawl_client_send_finish      (SoupMessage   *message,
                                               GAsyncResult  *result,
                                               GError       **error);

/* trawl-client-fetch.c */
void           _trawl_client_fetch_async      (TrawlClient   *self,
                                               TrawlBoard    *board,
                                               const char    *url,
                                               const char    *referer,
                                               GStrv          header_names,
                                               GStrv          header_values,
                                               const char    *what,
                                               SoupMessagePriority priority,
                                               GCancellable  *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer       user_data);
TrawlResponse *_trawl_client_fetch_finish     (TrawlClient   *self,
                                               GAsyncResult  *result,
                                               GError       **error);
void           _trawl_client_fetch_image_async (TrawlClient  *self,
                                               TrawlBoard    *board,
                                               const char    *url,
                                               const char    *referer,
                                               GCancellable  *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer       user_data);
GBytes        *_trawl_client_fetch_image_finish (TrawlClient *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
