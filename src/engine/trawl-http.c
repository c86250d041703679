#define G_LOG_DOMAIN "trawl-http"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <unistd.h>

#include "trawl-error.h"
#include "trawl-http-private.h"
#include "trawl-policy-private.h"
#include "trawl-util-private.h"

/* Certificate errors in words a user can act on. */
GError *
_trawl_explain_error (GError *error)
{
  GError *explained;

  if (error == NULL || error->domain != G_TLS_ERROR)
    return error;

  explained = g_error_new (G_TLS_ERROR, error->code,
                           _("The site’s certificate is not trusted (%s); for a self-hosted "
                             "board, trust its CA with --ca-file"), error->message);
  g_error_free (error);
  return explained;
}

/* A message a user can act on: "The server refused the video request
 * (403 Forbidden)". Statuses that may pass get TRAWL_ERROR_SERVER. */
void
_trawl_set_http_error (GError      **error,
                       SoupMessage  *message,
                       const char   *what)
{
  guint status = soup_message_get_status (message);
  const char *reason = soup_message_get_reason_phrase (message);

  if (reason == NULL || *reason == '\0')
    reason = soup_status_get_phrase (status);

  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_GONE,
                 /* Translators: here and in the next three, %s is what was asked
                  * for (“video”, “video page”…), then come the HTTP status and
                  * its reason, such as 404 Not Found. */
                 _("The %s is gone from the server (%u %s)"), what, status, reason);
  else if (status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_HTTP,
                 _("The server refused the %s request (%u %s)"), what, status, reason);
  else if (_trawl_status_is_transient (status))
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_SERVER,
                 _("The server failed to send the %s (%u %s)"), what, status, reason);
  else
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_HTTP,
                 _("The server answered the %s request with %u %s"), what, status, reason);
}

/* What an answer says its file is, for If-Range and for comparing two
 * answers: a strong ETag, else Last-Modified, else NULL. */
const char *
_trawl_response_validator (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *validator = soup_message_headers_get_one (headers, "ETag");

  if (validator == NULL || g_str_has_prefix (validator, "W/"))
    validator = soup_message_headers_get_one (headers, "Last-Modified");
  return validator;
}

guint
_trawl_retry_after_seconds (SoupMessage *message)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return _trawl_retry_after_parse (
    soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After"),
    now);
}

/* A cookies.txt line that would be sent raw: a line break in the Cookie
 * header, or a ";" that adds a cookie the file did not have. */
static gboolean
is_cookie (GStrv fields)
{
  return _trawl_is_http_token (fields[5]) && _trawl_is_http_value (fields[6]) &&
         strpbrk (fields[6], ";\t") == NULL && _trawl_is_http_value (fields[0]) &&
         strpbrk (fields[0], "; \t") == NULL && _trawl_is_http_value (fields[2]) &&
         strpbrk (fields[2], ";\t") == NULL;
}

/**
 * _trawl_cookie_jar_new_from_file:
 * @path: a Netscape cookies.txt, as browsers and their extensions export
 *
 * Unlike SoupCookieJarText, keeps session cookies (written with an expiry
 * of 0), which is what most exported login cookies are. Lines that are not
 * cookies are left out, with one warning for the file.
 *
 * Returns: (transfer full): an in-memory jar, or %NULL if @path cannot be read
 */
SoupCookieJar *
_trawl_cookie_jar_new_from_file (const char  *path,
                                 GError     **error)
{
  g_autoptr(SoupCookieJar) jar = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint skipped = 0;
  guint first_skipped = 0;
  guint i = 0;

  if (!_trawl_read_regular_file (path, TRAWL_MAX_INPUT_SIZE, &contents, &length, error))
    return NULL;
  if (contents == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s does not exist"), path);
      return NULL;
    }

  jar = soup_cookie_jar_new ();
  for (gsize start = 0; start < length; i++)
    {
      const char *newline = memchr (contents + start, '\n', length - start);
      gsize end = newline != NULL ? (gsize) (newline - contents) : length;
      g_autofree char *text = g_strndup (contents + start, end - start);
      /* A NUL byte would end the line early and hide what follows it. */
      gboolean has_nul = memchr (contents + start, '\0', end - start) != NULL;
      char *line = g_strchomp (text);
      gboolean http_only = FALSE;
      g_auto(GStrv) fields = NULL;
      guint64 expires = 0;
      int max_age = -1;
      SoupCookie *cookie;

      start = end + 1;
      if (has_nul)
        {
          if (skipped++ == 0)
            first_skipped = i + 1;
          continue;
        }

      if (g_str_has_prefix (line, "#HttpOnly_"))
        {
          http_only = TRUE;
          line += strlen ("#HttpOnly_");
        }
      else if (*line == '#' || *line == '\0')
        continue;

      /* domain, subdomains, path, secure, expires, name, value */
      fields = g_strsplit (line, "\t", 7);
      if (g_strv_length (fields) != 7 || !is_cookie (fields))
        {
          if (skipped++ == 0)
            first_skipped = i + 1;
          continue;
        }

      expires = g_ascii_strtoull (fields[4], NULL, 10);
      if (expires != 0)
        {
          if ((gint64) expires <= now)
            continue;
          max_age = (int) MIN ((gint64) expires - now, G_MAXINT);
        }

      cookie = soup_cookie_new (fields[5], fields[6], fields[0], fields[2], max_age);
      soup_cookie_set_secure (cookie, g_ascii_strcasecmp (fields[3], "TRUE") == 0);
      soup_cookie_set_http_only (cookie, http_only);
      soup_cookie_jar_add_cookie (jar, cookie);
    }

  if (skipped > 0)
    g_warning (ngettext ("%s: left out %u line that is not a cookie (line %u)",
                         "%s: left out %u lines that are not cookies (the first is line %u)",
                         skipped),
               path, skipped, first_skipped);

  return g_steal_pointer (&jar);
}

typedef struct
{
  GSource *timeout;
  GSource *cancelled;
} Sleep;

static void
sleep_free (Sleep *sleep)
{
  if (sleep->timeout != NULL)
    g_source_destroy (sleep->timeout);
  if (sleep->cancelled != NULL)
    g_source_destroy (sleep->cancelled);
  g_clear_pointer (&sleep->timeout, g_source_unref);
  g_clear_pointer (&sleep->cancelled, g_source_unref);
  g_free (sleep);
}

/* The one of the two sources that fires first ends the sleep and takes
 * the other away: both may be ready in one main loop iteration (a backoff
 * that ends as the caller cancels), and a task returns once. */
static gboolean
sleep_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Sleep *sleep = g_task_get_task_data (task);

  if (sleep->cancelled != NULL)
    g_source_destroy (sleep->cancelled);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Sleep *sleep = g_task_get_task_data (task);

  g_source_destroy (sleep->timeout);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Reading a body on a thread of its own. The main thread used to read
 * every connection itself: the copy out of the socket and the TLS
 * decryption of all downloads were one core's work, however many cores
 * there were (wget2 reads on one thread per download). Here a read waits
 * for the first bytes on a pool thread, then takes whatever else the
 * connection already holds, and the main thread wakes once per chunk.
 *
 * Given a file, the thread also writes what it reads, a small window at
 * a time: the bytes go to the disk while they are still in the core's
 * cache. Through a large buffer, written later by another thread, each
 * byte went to memory and back twice, and the two copies (socket to
 * buffer, buffer to page cache) took 3.5 times the CPU wget2's do.
 *
 * libsoup allows it over HTTP/1 (an HTTP/2 body is one stream of a
 * connection the session's thread reads: it is read here, on the
 * caller's context): only the message's own I/O touches the body stream
 * while the caller reads it, and the end of the body only marks the
 * message's state (it is closed later, from the main thread). Newer
 * libsoup (3.4) also emits SoupMessage::got-body-data from the reading
 * thread; Trawl connects nothing to it. The stream
 * is kept pending for the whole read, so that nothing else reads or
 * closes it meanwhile, and it is let go on the main thread (its last
 * reference closes it, which must not happen on a pool thread). */
#define WRITE_WINDOW (128 * 1024)
/* How long a read waits for the rest of a body that ends within it. */
#define TO_END_US (100 * 1000)

typedef struct
{
  GInputStream  *input;
  guint8        *buffer;
  gsize          size;
  int            fd;
  gint64         at;            /* where in the file, or -1: at the fd's position */
  gboolean       to_end;        /* the body ends within size: read until it does */
  TrawlBodyThen  then;
  gpointer       then_data;
  TrawlBodyRead  result;
  GError        *error;
} ReadBody;

static void
read_body_free (ReadBody *read)
{
  g_clear_object (&read->input);
  g_clear_error (&read->error);
  g_clear_error (&read->result.write_error);
  g_free (read);
}

/* Writes what the last read put at @data, after what earlier reads did. */
static gboolean
read_body_write (ReadBody     *read,
                 const guint8 *data,
                 gsize         length)
{
  return _trawl_fd_write_all (read->fd, data, length,
                              read->at < 0 ? -1 : read->at + (gint64) read->result.written,
                              &read->result.written, &read->result.write_error);
}

/* One read that waits for bytes (or the end, or an error). */
static gssize
read_body_wait (ReadBody     *read,
                guint8       *into,
                gsize         size,
                GCancellable *cancellable)
{
  gssize n;

  if (cancellable != NULL)
    g_cancellable_push_current (cancellable);
  n = G_INPUT_STREAM_GET_CLASS (read->input)->read_fn (read->input, into, size, cancellable,
                                                       &read->error);
  if (cancellable != NULL)
    g_cancellable_pop_current (cancellable);
  return n;
}

static void
read_body_run (GTask *task)
{
  ReadBody *read = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  gboolean pollable = G_IS_POLLABLE_INPUT_STREAM (read->input) &&
                      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (read->input));
  /* Where each read goes: on along the buffer, or the same window again
   * when it is written at once. */
  gsize window = read->fd >= 0 ? MIN (read->size, WRITE_WINDOW) : read->size;
  guint8 *into = read->buffer;
  gint64 started = g_get_monotonic_time ();
  gssize n = read_body_wait (read, into, window, cancellable);

  while (n > 0)
    {
      read->result.got += (gsize) n;
      if (read->fd >= 0 && !read_body_write (read, into, (gsize) n))
        break;
      if (read->fd < 0)
        into += n;
      if (read->result.got == read->size || (!pollable && !read->to_end))
        break;
      /* A body that ends within the read is waited for to its end: one
       * trip to this thread for a small file, not one per packet. For a
       * while only: the caller must see a slow body's progress. */
      if (read->to_end && g_get_monotonic_time () - started < TO_END_US)
        {
          n = read_body_wait (read, into, MIN (window, read->size - read->result.got),
                              cancellable);
          continue;
        }
      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (read->input), into,
                                                    MIN (window,
                                                         read->size - read->result.got),
                                                    cancellable, &read->error);
      if (n < 0 && g_error_matches (read->error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_clear_error (&read->error);
    }
  read->result.eof = n == 0;
  g_input_stream_clear_pending (read->input);
  if (read->then != NULL && read->result.eof && read->error == NULL && read->fd < 0)
    read->result.then_ran = read->then (read->buffer, read->result.got, read->then_data);
}

/* The reading threads: one per read that is out (at most read_max at
 * once), made as needed and kept for the next reads. */
static GMutex read_lock;
static GAsyncQueue *read_jobs;
static guint read_idle;     /* threads waiting for a job that none was promised */
static guint read_busy;     /* reads being made on threads */
static guint read_max = 256;

static gpointer
read_body_thread (gpointer data)
{
  GTask *task = data;

  for (;;)
    {
      read_body_run (task);
      /* Free before the caller hears of it: its next read finds this
       * thread waiting rather than making another. */
      g_mutex_lock (&read_lock);
      read_busy--;
      read_idle++;
      g_mutex_unlock (&read_lock);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      task = g_async_queue_pop (read_jobs);
    }
  return NULL;
}

/* Hands @task to a thread; FALSE when there is none to be had (a job
 * waiting in the queue could wait behind reads of silent servers for
 * as long as their timeouts). */
static gboolean
read_body_dispatch (GTask *task)
{
  gboolean handed = TRUE;

  g_mutex_lock (&read_lock);
  if (read_jobs == NULL)
    read_jobs = g_async_queue_new ();
  if (read_busy >= read_max)
    handed = FALSE;
  else if (read_idle > 0)
    {
      read_idle--;
      g_async_queue_push (read_jobs, task);
    }
  else
    {
      GThread *thread = g_thread_try_new ("trawl-read", read_body_thread, task, NULL);

      handed = thread != NULL;
      if (handed)
        g_thread_unref (thread);
    }
  if (handed)
    read_busy++;
  g_mutex_unlock (&read_lock);
  return handed;
}

/* Without a thread: one read on the caller's main context, as GIO does it
 * (a pollable stream is read when it is ready), written there too. */
static void
read_body_here_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  ReadBody *read = g_task_get_task_data (task);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &read->error);

  if (n > 0)
    {
      read->result.got = (gsize) n;
      if (read->fd >= 0)
        read_body_write (read, read->buffer, (gsize) n);
    }
  read->result.eof = n == 0;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
read_body_here (GTask *task)
{
  ReadBody *read = g_task_get_task_data (task);

  g_input_stream_clear_pending (read->input);
  g_input_stream_read_async (read->input, read->buffer,
                             read->fd >= 0 ? MIN (read->size, WRITE_WINDOW) : read->size,
                             G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                             read_body_here_cb, task);
}

/* For the tests: how many reads may be out on threads at once. */
void
_trawl_read_body_set_max_threads (guint max)
{
  g_mutex_lock (&read_lock);
  read_max = max;
  g_mutex_unlock (&read_lock);
}

/* Reads up to @size bytes of @input into @buffer: at least one unless the
 * body ended or the read failed. With @fd (not -1), each read is written
 * there at once, at @at (or at the fd's position if @at is -1), and
 * @buffer is only a window of MIN (@size, 128 KiB) bytes: what it holds
 * afterwards is not to be used. @input is not to be read
 * or closed until the callback; @buffer (and @fd) are the pool thread's
 * until then. Without @fd, @then (if not NULL) is given a body that ended
 * within the read, on the reading thread, and @then_data is its until the
 * callback; a read made on the caller's context (HTTP/2, or no thread to
 * be had) never calls it. */
void
_trawl_read_body_async (SoupMessage         *message,
                        GInputStream        *input,
                        guint8              *buffer,
                        gsize                size,
                        int                  fd,
                        gint64               at,
                        gboolean             to_end,
                        TrawlBodyThen        then,
                        gpointer             then_data,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ReadBody *read = g_new0 (ReadBody, 1);
  GError *error = NULL;

  g_return_if_fail (size > 0);

  g_task_set_source_tag (task, _trawl_read_body_async);
  /* What came before a cancellation is still the caller's. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, read, (GDestroyNotify) read_body_free);
  if (!g_input_stream_set_pending (input, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  read->input = g_object_ref (input);
  read->buffer = buffer;
  read->size = size;
  read->fd = fd;
  read->at = at;
  read->to_end = to_end;
  read->then = then;
  read->then_data = then_data;
  /* As many threads as reads: each waits on its own connection (a slow
   * server must not hold up another download's read, nor GIO's own pool
   * that the file writes use). */
  if ((message != NULL && soup_message_get_http_version (message) == SOUP_HTTP_2_0) ||
      !read_body_dispatch (task))
    read_body_here (task);
}

/* What came, even when the read then failed (*@result; its write_error
 * is the caller's to free), and the read's error. Returns FALSE on a
 * read error. */
gboolean
_trawl_read_body_finish (GAsyncResult   *result,
                         TrawlBodyRead  *body,
                         GError        **error)
{
  ReadBody *read;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  read = g_task_get_task_data (G_TASK (result));
  /* Here, not on the pool thread: see above. */
  g_clear_object (&read->input);
  *body = read->result;
  read->result.write_error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (read->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&read->error));
      return FALSE;
    }
  return TRUE;
}

/* Waits @ms, or less if @cancellable fires first: a paused item must not
 * sit out its retry backoff before it lets go. */
void
_trawl_sleep_async (guint                ms,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sleep *sleep = g_new0 (Sleep, 1);

  g_task_set_source_tag (task, _trawl_sleep_async);
  g_task_set_task_data (task, sleep, (GDestroyNotify) sleep_free);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  sleep->timeout = g_timeout_source_new (ms);
  g_source_set_callback (sleep->timeout, sleep_timeout_cb, task, NULL);
  g_source_attach (sleep->timeout, g_main_context_get_thread_default ());

  if (cancellable != NULL)
    {
      sleep->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (sleep->cancelled, G_SOURCE_FUNC (sleep_cancelled_cb), task, NULL);
      g_source_attach (sleep->cancelled, g_main_context_get_thread_default ());
    }
}

gboolean
_trawl_sleep_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  GTask         *task;
  TrawlTaskFunc  again;
} Later;

static void
again_later_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Later *later = user_data;
  GTask *task = later->task;
  TrawlTaskFunc again = later->again;
  GError *error = NULL;

  g_free (later);
  g_assert (G_IS_TASK (task));

  if (!_trawl_sleep_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  again (task);
}

/**
 * _trawl_task_again_later:
 * @task: (transfer full): an operation between two tries
 * @again: what starts the next try, given @task back
 *
 * Waits @ms (a retry's backoff), then calls @again; if @task's cancellable
 * fires first, @task returns the cancellation instead.
 */
void
_trawl_task_again_later (GTask         *task,
                         guint          ms,
                         TrawlTaskFunc  again)
{
  Later *later = g_new0 (Later, 1);

  later->task = task;
  later->again = again;
  _trawl_sleep_async (ms, g_task_get_cancellable (task), again_later_cb, later);
}

static void
attempt_caller_cancelled_cb (GCancellable *caller,
                             GCancellable *attempt)
{
  g_cancellable_cancel (attempt);
}

/**
 * _trawl_attempt_begin:
 * @caller: (nullable): the cancellable of the whole operation
 * @handler: (out): what _trawl_attempt_end() disconnects
 *
 * One try of a request gets its own cancellable, so that a deadline or a
 * failure can stop that try alone; cancelling @caller (a pause) stops it
 * too.
 *
 * Returns: (transfer full): the try's cancellable
 */
GCancellable *
_trawl_attempt_begin (GCancellable *caller,
                      gulong       *handler)
{
  GCancellable *attempt = g_cancellable_new ();

  *handler = 0;
  if (caller != NULL)
    *handler = g_cancellable_connect (caller, G_CALLBACK (attempt_caller_cancelled_cb),
                                      g_object_ref (attempt), g_object_unref);
  return attempt;
}

void
_trawl_attempt_end (GCancellable **attempt,
                    GCancellable  *caller,
                    gulong        *handler)
{
  if (*handler != 0)
    g_cancellable_disconnect (caller, *handler);
  *handler = 0;
  g_clear_object (attempt);
}

static gboolean
deadline_cb (gpointer user_data)
{
  TrawlDeadline *deadline = user_data;

  if (deadline->waiting || deadline->waited ||
      !_trawl_too_slow (deadline->bytes, deadline->seconds))
    {
      deadline->bytes = 0;
      deadline->waited = FALSE;
      return G_SOURCE_CONTINUE;
    }

  deadline->source = 0;
  deadline->expired (deadline->data);
  return G_SOURCE_REMOVE;
}

static void
deadline_starting_cb (TrawlDeadline *deadline)
{
  g_clear_handle_id (&deadline->source, g_source_remove);
  deadline->bytes = 0;
  deadline->waiting = FALSE;
  deadline->waited = FALSE;
  deadline->source = g_timeout_add_seconds (deadline->seconds, deadline_cb, deadline);
}

/**
 * _trawl_deadline_start:
 * @message: the request it times, which has not been sent yet
 * @seconds: the timeout
 * @expired: called once when a whole period of @seconds brought fewer
 *   than TRAWL_MIN_SPEED bytes a second (periods spent waiting for the
 *   speed limit aside)
 *
 * Progress, not only activity: a server that sends a byte now and then
 * never trips libsoup's idle timeout. The caller counts what arrives in
 * @deadline->bytes, and sets @deadline->waiting while it waits for the
 * speed limit (and @deadline->waited when it starts to).
 *
 * The clock starts when @message goes out on a connection (and again
 * after a redirect): a request that waits in the session for a free
 * connection (more requests than the per-host limit) is not a stalled
 * server. Connecting is timed by libsoup's own timeout.
 */
void
_trawl_deadline_start (TrawlDeadline *deadline,
                       SoupMessage   *message,
                       guint          seconds,
                       GSourceFunc    expired,
                       gpointer       data)
{
  _trawl_deadline_stop (deadline);
  deadline->seconds = seconds;
  deadline->bytes = 0;
  deadline->waiting = FALSE;
  deadline->waited = FALSE;
  deadline->expired = expired;
  deadline->data = data;
  deadline->message = g_object_ref (message);
  deadline->starting_handler = g_signal_connect_swapped (message, "starting",
                                                         G_CALLBACK (deadline_starting_cb),
                                                         deadline);
}

void
_trawl_deadline_stop (TrawlDeadline *deadline)
{
  g_clear_handle_id (&deadline->source, g_source_remove);
  if (deadline->message != NULL)
    g_clear_signal_handler (&deadline->starting_handler, deadline->message);
  g_clear_object (&deadline->message);
}

GError *
_trawl_deadline_error (guint seconds)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                      _("The server timed out: it sent less than %u bytes a second for %u "
                        "seconds"), TRAWL_MIN_SPEED, seconds);
}

