#define G_LOG_DOMAIN "trawl-http"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-policy-private.h"
#include "trawl-queue-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

#define PAGE_READ_SIZE (64 * 1024)

void
_trawl_response_free (TrawlResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->content_type);
  g_free (response->url);
  g_free (response);
}

/* Worth another try: the network or the server failed in a way that may
 * pass. A 404 or 403 will not change by asking again. */
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

static gboolean
status_is_transient (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429 ||
         (status >= 500 && status != SOUP_STATUS_NOT_IMPLEMENTED &&
          status != SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED);
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
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_HTTP,
                 /* Translators: here and in the next three, %s is what was asked
                  * for (“video”, “video page”…), then come the HTTP status and
                  * its reason, such as 404 Not Found. */
                 _("The %s is gone from the server (%u %s)"), what, status, reason);
  else if (status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_HTTP,
                 _("The server refused the %s request (%u %s)"), what, status, reason);
  else if (status_is_transient (status))
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_SERVER,
                 _("The server failed to send the %s (%u %s)"), what, status, reason);
  else
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_HTTP,
                 _("The server answered the %s request with %u %s"), what, status, reason);
}

guint
_trawl_retry_after_seconds (SoupMessage *message)
{
  const char *value;
  guint64 seconds;

  value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                        "Retry-After");
  if (value == NULL)
    return 0;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &seconds, NULL))
    return (guint) seconds;

  {
    g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    if (when != NULL && g_date_time_compare (when, now) > 0)
      return (guint) (g_date_time_difference (when, now) / G_USEC_PER_SEC) + 1;
  }

  return 0;
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

static gboolean
sleep_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  GTask *task = user_data;

  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
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

/* Sending a request for a board, with the rule that a board on the internet
 * cannot lead Trawl to this machine or its network (see TrawlAllowLocal).
 * Every address is looked at before a byte of the request is written: the
 * URL's host when it is an address, a redirect's target when the response
 * headers arrive (libsoup would follow it after the body), and where the
 * connection really went (a name can resolve anywhere) once connected; a
 * refusal cancels the request on its own GCancellable, so the caller's is
 * left alone. Through a proxy only the URL can be judged: the proxy
 * resolves the names. */
typedef struct
{
  TrawlBoard      *board;
  SoupMessage     *message;
  TrawlAllowLocal  allow;
  GCancellable    *cancellable;  /* libsoup's: the caller's, and refusals */
  GCancellable    *caller;
  gulong           caller_handler;
  gulong           headers_handler;
  gulong           address_handler;
  GError          *refusal;
} Send;

static void
send_free (Send *send)
{
  if (send->caller != NULL)
    g_cancellable_disconnect (send->caller, send->caller_handler);
  g_clear_signal_handler (&send->headers_handler, send->message);
  g_clear_signal_handler (&send->address_handler, send->message);
  g_clear_object (&send->caller);
  g_clear_object (&send->cancellable);
  g_clear_object (&send->message);
  g_clear_object (&send->board);
  g_clear_error (&send->refusal);
  g_free (send);
}

static char *
uri_host_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf (strchr (g_uri_get_host (uri), ':') != NULL ? "[%s]:%d" : "%s:%d",
                            g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup (g_uri_get_host (uri));
}

static gboolean
is_board_host (Send *send,
               GUri *uri)
{
  g_autoptr(GUri) board = g_uri_parse (trawl_board_get_url (send->board), G_URI_FLAGS_ENCODED,
                                       NULL);

  return board != NULL && g_ascii_strcasecmp (g_uri_get_host (board), g_uri_get_host (uri)) == 0 &&
         g_uri_get_port (board) == g_uri_get_port (uri) &&
         g_ascii_strcasecmp (g_uri_get_scheme (board), g_uri_get_scheme (uri)) == 0;
}

/* Whether the request may go to @uri, at @address once connected (NULL
 * before). The first connection to the board's own host tells where a
 * board with a host name is. */
static gboolean
send_allows (Send         *send,
             GUri         *uri,
             GInetAddress *address)
{
  TrawlBoardNetwork network = _trawl_board_get_network (send->board);
  gboolean local;

  if (send->allow == TRAWL_ALLOW_LOCAL_ALWAYS ||
      (send->allow == TRAWL_ALLOW_LOCAL_AUTO && network == TRAWL_BOARD_NETWORK_LOCAL))
    return TRUE;

  local = address != NULL ? trawl_inet_address_is_local (address)
                          : trawl_host_is_local (g_uri_get_host (uri));
  if (send->allow == TRAWL_ALLOW_LOCAL_AUTO && network == TRAWL_BOARD_NETWORK_UNKNOWN &&
      address != NULL && is_board_host (send, uri))
    {
      _trawl_board_set_network (send->board, local ? TRAWL_BOARD_NETWORK_LOCAL
                                                   : TRAWL_BOARD_NETWORK_PUBLIC);
      return TRUE;
    }

  if (!local)
    return TRUE;

  /* Whatever the rule, the address the user gave is theirs to fetch. */
  {
    g_autoptr(GUri) board = g_uri_parse (trawl_board_get_url (send->board), SOUP_HTTP_URI_FLAGS,
                                         NULL);
    return board != NULL && soup_uri_equal (board, uri);
  }
}

static void
send_refuse (Send   *send,
             GError *refusal)
{
  if (send->refusal == NULL)
    send->refusal = refusal;
  else
    g_error_free (refusal);
  g_cancellable_cancel (send->cancellable);
}

static char *
board_place (Send *send)
{
  g_autoptr(GUri) board = g_uri_parse (trawl_board_get_url (send->board), G_URI_FLAGS_ENCODED,
                                       NULL);

  return board != NULL ? uri_host_port (board) : g_strdup (trawl_board_get_url (send->board));
}

static void
send_got_headers_cb (SoupMessage *message,
                     Send        *send)
{
  const char *location;
  g_autoptr(GUri) target = NULL;

  g_assert (SOUP_IS_MESSAGE (message));

  location = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                           "Location");
  if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (message)) || location == NULL)
    return;

  /* One libsoup cannot follow fails there, with its own reason. */
  target = g_uri_parse_relative (soup_message_get_uri (message), location,
                                 G_URI_FLAGS_ENCODED, NULL);
  if (target == NULL || g_uri_get_host (target) == NULL || send_allows (send, target, NULL))
    return;

  {
    g_autofree char *place = board_place (send);
    g_autofree char *where = uri_host_port (target);

    send_refuse (send, g_error_new (TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                                    _("The board at %s redirected to a local address (%s); "
                                      "refused"), place, where));
  }
}

static void
send_remote_address_cb (SoupMessage *message,
                        GParamSpec  *pspec,
                        Send        *send)
{
  GSocketAddress *remote = soup_message_get_remote_address (message);
  GInetAddress *address;
  GUri *uri = soup_message_get_uri (message);

  g_assert (SOUP_IS_MESSAGE (message));

  if (remote == NULL || G_IS_PROXY_ADDRESS (remote) || !G_IS_INET_SOCKET_ADDRESS (remote))
    return;

  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (send_allows (send, uri, address))
    return;

  {
    g_autofree char *place = board_place (send);
    g_autofree char *shown = g_inet_address_to_string (address);

    send_refuse (send, g_error_new (TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                                    _("The board at %s led to %s, which is a local address (%s); "
                                      "refused"), place, g_uri_get_host (uri), shown));
  }
}

static void
send_caller_cancelled_cb (GCancellable *caller,
                          GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Send *send = g_task_get_task_data (task);
  GError *error = NULL;
  GInputStream *stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);

  g_assert (G_IS_TASK (task));

  if (send->refusal != NULL && !g_cancellable_is_cancelled (send->caller))
    {
      if (stream != NULL)
        g_input_stream_close (stream, NULL, NULL);
      g_clear_object (&stream);
      g_clear_error (&error);
      g_task_return_error (task, g_steal_pointer (&send->refusal));
    }
  else if (stream == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

/**
 * _trawl_send_async:
 * @board: the board the request is made for
 *
 * soup_session_send_async() on the queue's session, for pages and videos
 * alike, refusing what @board may not reach (see TrawlAllowLocal) before it
 * is asked for, with the reason.
 */
void
_trawl_send_async (TrawlQueue          *queue,
                   TrawlBoard          *board,
                   SoupMessage         *message,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (message, NULL, callback, user_data);
  Send *send = g_new0 (Send, 1);

  g_task_set_source_tag (task, _trawl_send_async);
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);
  send->board = g_object_ref (board);
  send->message = g_object_ref (message);
  send->allow = _trawl_queue_get_allow_local (queue);
  send->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      send->caller = g_object_ref (cancellable);
      send->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (send_caller_cancelled_cb),
                                                    send->cancellable, NULL);
    }

  if (!send_allows (send, soup_message_get_uri (message), NULL))
    {
      g_autofree char *place = board_place (send);
      g_autofree char *where = uri_host_port (soup_message_get_uri (message));

      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                               _("The board at %s links to a local address (%s); refused"),
                               place, where);
      g_object_unref (task);
      return;
    }

  send->headers_handler = g_signal_connect (message, "got-headers",
                                            G_CALLBACK (send_got_headers_cb), send);
  send->address_handler = g_signal_connect (message, "notify::remote-address",
                                            G_CALLBACK (send_remote_address_cb), send);
  soup_session_send_async (_trawl_queue_get_session (queue), message, G_PRIORITY_DEFAULT,
                           send->cancellable, send_done_cb, task);
}

GInputStream *
_trawl_send_finish (SoupMessage   *message,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, message), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
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

/**
 * _trawl_deadline_start:
 * @seconds: the timeout
 * @expired: called once when a whole period of @seconds brought fewer
 *   than TRAWL_MIN_SPEED bytes a second (periods spent waiting for the
 *   speed limit aside)
 *
 * Progress, not only activity: a server that sends a byte now and then
 * never trips libsoup's idle timeout. The caller counts what arrives in
 * @deadline->bytes, and sets @deadline->waiting while it waits for the
 * speed limit (and @deadline->waited when it starts to).
 */
void
_trawl_deadline_start (TrawlDeadline *deadline,
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
  deadline->source = g_timeout_add_seconds (seconds, deadline_cb, deadline);
}

void
_trawl_deadline_stop (TrawlDeadline *deadline)
{
  g_clear_handle_id (&deadline->source, g_source_remove);
}

GError *
_trawl_deadline_error (guint seconds)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                      _("The server timed out: it sent less than %u bytes a second for %u "
                        "seconds"), TRAWL_MIN_SPEED, seconds);
}

typedef struct
{
  TrawlQueue   *queue;
  TrawlBoard   *board;
  SoupMessage  *message;
  GInputStream *stream;
  char         *url;
  char         *referer;
  GStrv         header_names;
  GStrv         header_values;
  char         *what;
  GByteArray   *body;
  guint         attempt;
  GCancellable *caller;
  GCancellable *cancellable;   /* this attempt's; the deadline trips it */
  gulong        cancel_id;
  TrawlDeadline deadline;
  gboolean      too_slow;
} Fetch;

static void
fetch_forget_attempt (Fetch *fetch)
{
  _trawl_deadline_stop (&fetch->deadline);
  _trawl_attempt_end (&fetch->cancellable, fetch->caller, &fetch->cancel_id);
}

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->queue);
  g_clear_object (&fetch->board);
  g_clear_object (&fetch->message);
  g_clear_object (&fetch->stream);
  g_free (fetch->url);
  g_free (fetch->referer);
  g_strfreev (fetch->header_names);
  g_strfreev (fetch->header_values);
  g_free (fetch->what);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  fetch_forget_attempt (fetch);
  g_clear_object (&fetch->caller);
  g_free (fetch);
}

static void fetch_start (GTask *task);

static void
fetch_retry_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!_trawl_sleep_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  fetch_start (task);
}

static void
fetch_fail (GTask  *task,
            GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);
  guint retry_after = fetch->message != NULL ? _trawl_retry_after_seconds (fetch->message) : 0;
  gboolean transient;

  if (fetch->too_slow && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = _trawl_deadline_error (fetch->deadline.seconds);
    }
  fetch->too_slow = FALSE;
  fetch_forget_attempt (fetch);
  transient = _trawl_error_is_transient (error);

  if (transient && !g_task_return_error_if_cancelled (task) &&
      fetch->attempt < _trawl_queue_get_max_tries (fetch->queue))
    {
      guint delay = _trawl_queue_retry_delay_ms (fetch->queue, fetch->attempt, retry_after);

      g_debug ("Retrying %s in %u ms: %s", fetch->url, delay, error->message);
      g_error_free (error);
      _trawl_sleep_async (delay, g_task_get_cancellable (task), fetch_retry_cb, task);
      return;
    }

  if (!g_task_had_error (task))
    g_task_return_error (task, error);
  else
    g_error_free (error);
  g_object_unref (task);
}

static void
fetch_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result,
                                                              &error);
  TrawlResponse *response;
  goffset expected;

  if (chunk == NULL)
    {
      fetch_fail (task, error);
      return;
    }

  fetch->deadline.bytes += g_bytes_get_size (chunk);
  if (g_bytes_get_size (chunk) > 0)
    {
      if (fetch->body->len + g_bytes_get_size (chunk) > TRAWL_MAX_PAGE_SIZE)
        {
          g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_TOO_LARGE,
                                   _("The %s is larger than %u MiB; refusing to read it"),
                                   fetch->what, TRAWL_MAX_PAGE_SIZE / (1024 * 1024));
          g_object_unref (task);
          return;
        }
      g_byte_array_append (fetch->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      g_input_stream_read_bytes_async (fetch->stream, PAGE_READ_SIZE, G_PRIORITY_DEFAULT,
                                       fetch->cancellable, fetch_read_cb, task);
      return;
    }

  expected = soup_message_headers_get_content_length (
    soup_message_get_response_headers (fetch->message));
  if (soup_message_headers_get_encoding (soup_message_get_response_headers (fetch->message)) ==
      SOUP_ENCODING_CONTENT_LENGTH &&
      !soup_message_headers_get_one (soup_message_get_response_headers (fetch->message),
                                     "Content-Encoding") &&
      (goffset) fetch->body->len < expected)
    {
      fetch_fail (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                     _("The %s ended early (%u of %" PRId64 " bytes)"),
                                     fetch->what, fetch->body->len, expected));
      return;
    }

  fetch_forget_attempt (fetch);
  response = g_new0 (TrawlResponse, 1);
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&fetch->body));
  response->content_type = g_strdup (soup_message_headers_get_one (
    soup_message_get_response_headers (fetch->message), "Content-Type"));
  response->url = g_uri_to_string (soup_message_get_uri (fetch->message));
  g_task_return_pointer (task, response, (GDestroyNotify) _trawl_response_free);
  g_object_unref (task);
}

static gboolean
is_media_type (const char *content_type)
{
  return content_type != NULL &&
         (g_ascii_strncasecmp (content_type, "video/", 6) == 0 ||
          g_ascii_strncasecmp (content_type, "audio/", 6) == 0);
}

static void
fetch_send_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  GInputStream *stream = _trawl_send_finish (SOUP_MESSAGE (object), result, &error);
  guint status;

  error = _trawl_explain_error (error);
  const char *content_type;
  g_autofree char *final_url = NULL;

  if (stream == NULL)
    {
      fetch_fail (task, error);
      return;
    }

  g_clear_object (&fetch->stream);
  fetch->stream = stream;

  final_url = g_uri_to_string (soup_message_get_uri (fetch->message));
  if (!trawl_uri_is_fetchable (final_url, &error))
    {
      fetch_fail (task, error);
      return;
    }

  status = soup_message_get_status (fetch->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      _trawl_set_http_error (&error, fetch->message, fetch->what);
      fetch_fail (task, error);
      return;
    }

  content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (fetch->message), NULL);
  if (is_media_type (content_type))
    {
      TrawlResponse *response = g_new0 (TrawlResponse, 1);

      /* A board or detail URL that is the video itself: leave the body to
       * the download, which streams it to disk. */
      response->is_media = TRUE;
      response->content_type = g_strdup (content_type);
      response->url = g_steal_pointer (&final_url);
      g_input_stream_close_async (fetch->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_pointer (task, response, (GDestroyNotify) _trawl_response_free);
      g_object_unref (task);
      return;
    }

  g_clear_pointer (&fetch->body, g_byte_array_unref);
  fetch->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (fetch->stream, PAGE_READ_SIZE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, fetch_read_cb, task);
}

static gboolean
fetch_too_slow_cb (gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->too_slow = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  return G_SOURCE_REMOVE;
}

static void
fetch_start (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);

  fetch->attempt++;

  g_clear_object (&fetch->message);
  fetch->message = soup_message_new (SOUP_METHOD_GET, fetch->url);
  _trawl_queue_prepare_message (fetch->queue, fetch->message, fetch->referer);
  soup_message_set_priority (fetch->message, SOUP_MESSAGE_PRIORITY_HIGH);

  for (guint i = 0; fetch->header_names != NULL && fetch->header_names[i] != NULL; i++)
    soup_message_headers_replace (soup_message_get_request_headers (fetch->message),
                                  fetch->header_names[i], fetch->header_values[i]);

  /* Its own cancellable, which the caller's and the deadline both trip. */
  fetch_forget_attempt (fetch);
  fetch->cancellable = _trawl_attempt_begin (fetch->caller, &fetch->cancel_id);
  _trawl_deadline_start (&fetch->deadline, _trawl_queue_get_timeout (fetch->queue),
                         fetch_too_slow_cb, fetch);
  _trawl_send_async (fetch->queue, fetch->board, fetch->message, fetch->cancellable,
                     fetch_send_cb, task);
}

/**
 * _trawl_fetch_async:
 * @board: the board the page is for
 * @what: what the page is, for messages ("board page", "video page")
 *
 * Fetches a page into memory (bounded by TRAWL_MAX_PAGE_SIZE), retrying
 * transient failures with backoff. A response that is a video or audio
 * file is not read: it comes back with is_media set.
 */
void
_trawl_fetch_async (TrawlQueue          *queue,
                    TrawlBoard          *board,
                    const char          *url,
                    const char          *referer,
                    GStrv                header_names,
                    GStrv                header_values,
                    const char          *what,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (queue, cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, _trawl_fetch_async);
  fetch->queue = g_object_ref (queue);
  fetch->board = g_object_ref (board);
  fetch->url = g_strdup (url);
  fetch->referer = g_strdup (referer);
  fetch->header_names = g_strdupv (header_names);
  fetch->header_values = g_strdupv (header_values);
  fetch->what = g_strdup (what);
  fetch->caller = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  if (!trawl_uri_is_fetchable (url, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  fetch_start (task);
}

TrawlResponse *
_trawl_fetch_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
