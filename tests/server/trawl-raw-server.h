#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A hostile HTTP server on loopback whose every byte is the test's: it
 * reads a request's head and answers with exactly what the handler put
 * in the reply, optionally a few bytes at a time, then closes (or keeps
 * the connection open and says nothing more). */

typedef struct
{
  GByteArray *bytes;       /* what to send, status line and headers included */
  guint       drip_bytes;  /* send this many bytes a second; 0: all at once */
  gboolean    hang;        /* after sending, keep the connection open, silent */
} TrawlRawReply;

#define TRAWL_TYPE_RAW_SERVER (trawl_raw_server_get_type ())

G_DECLARE_FINAL_TYPE (TrawlRawServer, trawl_raw_server, TRAWL, RAW_SERVER, GObject)

/* @path is the request's path (query included); @request its whole head. */
typedef void (*TrawlRawHandler) (TrawlRawServer *server,
                                 const char     *path,
                                 const char     *request,
                                 TrawlRawReply  *reply,
                                 gpointer        user_data);

TrawlRawServer *trawl_raw_server_new          (TrawlRawHandler  handler,
                                               gpointer         user_data);
char           *trawl_raw_server_get_url      (TrawlRawServer  *self,
                                               const char      *path);
guint           trawl_raw_server_get_requests (TrawlRawServer  *self);
guint           trawl_raw_server_get_in_flight (TrawlRawServer *self);
guint           trawl_raw_server_get_open     (TrawlRawServer  *self);

/* Helpers for handlers: a status line and headers, then a body. */
void            trawl_raw_reply_head          (TrawlRawReply   *reply,
                                               const char      *status_line,
                                               const char      *headers);
void            trawl_raw_reply_append        (TrawlRawReply   *reply,
                                               const void      *data,
                                               gsize            length);
/* The value of header @name in @request, or NULL (a new string). */
char           *trawl_raw_request_header      (const char      *request,
                                               const char      *name);

G_END_DECLS
