#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Helpers of one HTTP request, below the client: a try's cancellable,
 * the minimum-speed deadline, errors in a user's words. */

typedef struct
{
  guint       source;
  guint       seconds;
  guint64     bytes;    /* received in this period */
  gboolean    waiting;  /* for the speed limit, now */
  gboolean    waited;   /* for the speed limit, in this period */
  GSourceFunc expired;
  gpointer    data;
  SoupMessage *message;  /* the deadline starts when it is sent */
  gulong      starting_handler;
} TrawlDeadline;

GCancellable  *_trawl_attempt_begin            (GCancellable  *caller,
                                                gulong        *handler);
void           _trawl_attempt_end              (GCancellable **attempt,
                                                GCancellable  *caller,
                                                gulong        *handler);
void           _trawl_deadline_start           (TrawlDeadline *deadline,
                                                SoupMessage   *message,
                                                guint          seconds,
                                                GSourceFunc    expired,
                                                gpointer       data);
void           _trawl_deadline_stop            (TrawlDeadline *deadline);
GError        *_trawl_deadline_error           (guint          seconds);

SoupCookieJar *_trawl_cookie_jar_new_from_file (const char    *path,
                                                GError       **error);
void           _trawl_sleep_async              (guint          ms,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean       _trawl_sleep_finish             (GAsyncResult  *result,
                                                GError       **error);
/* What one _trawl_read_body_async() brought. */
typedef struct
{
  gsize     got;          /* bytes read */
  gsize     written;      /* of them, written to the fd */
  gboolean  eof;          /* the body ended */
  GError   *write_error;  /* the write that stopped it */
  gboolean  then_ran;     /* the read's @then took the body */
} TrawlBodyRead;

/* Called on the reading thread with all of a body that ended within the
 * read (and not at all otherwise): TRUE when it dealt with it. */
typedef gboolean (*TrawlBodyThen) (const guint8 *data,
                                   gsize         length,
                                   gpointer      user_data);

void           _trawl_read_body_async          (SoupMessage   *message,
                                                GInputStream  *input,
                                                guint8        *buffer,
                                                gsize          size,
                                                int            fd,
                                                gint64         at,
                                                gboolean       to_end,
                                                TrawlBodyThen  then,
                                                gpointer       then_data,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
void           _trawl_read_body_set_max_threads (guint        max);
gboolean       _trawl_read_body_finish         (GAsyncResult  *result,
                                                TrawlBodyRead *body,
                                                GError       **error);
typedef void (*TrawlTaskFunc) (GTask *task);

void           _trawl_task_again_later         (GTask         *task,
                                                guint          ms,
                                                TrawlTaskFunc  again);
GError        *_trawl_explain_error            (GError        *error);
void           _trawl_set_http_error           (GError       **error,
                                                SoupMessage   *message,
                                                const char    *what);
guint          _trawl_retry_after_seconds      (SoupMessage   *message);
const char    *_trawl_response_validator       (SoupMessage   *message);

G_END_DECLS
