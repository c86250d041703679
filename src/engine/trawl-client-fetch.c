#define G_LOG_DOMAIN "trawl-client"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "trawl-client-private.h"
#include "trawl-error.h"
#include "trawl-hls-playlist-private.h"
#include "trawl-http-private.h"
#include "trawl-uri.h"

/* Pages are read in pieces of this size, into memory. */
#define PAGE_READ_SIZE (64 * 1024)

void
_trawl_response_free (TrawlResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->content_type);
  g_free (response->url);
  g_free (response);
}

typedef struct
{
  TrawlClient  *client;
  TrawlBoard   *board;
  SoupMessage  *message;
  GInputStream *stream;
  char         *url;
  char         *referer;
  GStrv         header_names;
  GStrv         header_values;
  char         *what;
  SoupMessagePriority priority;
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
  g_clear_object (&fetch->client);
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
fetch_fail (GTask  *task,
            GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);
  guint delay;

  if (fetch->too_slow && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = _trawl_deadline_error (fetch->deadline.seconds);
    }
  fetch->too_slow = FALSE;
  fetch_forget_attempt (fetch);

  if (!g_task_return_error_if_cancelled (task) &&
      _trawl_client_should_retry (fetch->client, fetch->attempt, error, fetch->message, &delay))
    {
      g_debug ("Retrying %s in %u ms: %s", fetch->url, delay, error->message);
      g_error_free (error);
      _trawl_task_again_later (task, delay, fetch_start);
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

  g_assert (G_IS_TASK (task));

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
  /* An HLS playlist is a video to download (its body says so whatever
   * its label); the body is kept for whoever reads the playlist. */
  response->is_media = _trawl_hls_is_playlist_type (response->content_type) ||
                       _trawl_hls_looks_like (g_bytes_get_data (response->body, NULL),
                                              g_bytes_get_size (response->body));
  response->url = g_uri_to_string (soup_message_get_uri (fetch->message));
  g_task_return_pointer (task, response, (GDestroyNotify) _trawl_response_free);
  g_object_unref (task);
}

static gboolean
is_media_type (const char *content_type)
{
  return content_type != NULL && !_trawl_hls_is_playlist_type (content_type) &&
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
  GInputStream *stream = _trawl_client_send_finish (SOUP_MESSAGE (object), result, &error);
  const char *content_type;
  guint status;

  g_assert (G_IS_TASK (task));

  if (stream == NULL)
    {
      fetch_fail (task, error);
      return;
    }

  g_clear_object (&fetch->stream);
  fetch->stream = stream;

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
      response->url = g_uri_to_string (soup_message_get_uri (fetch->message));
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
  fetch->message = _trawl_client_new_message (fetch->client, fetch->url, fetch->board,
                                              fetch->referer);
  soup_message_set_priority (fetch->message, fetch->priority);

  for (guint i = 0; fetch->header_names != NULL && fetch->header_names[i] != NULL; i++)
    soup_message_headers_replace (soup_message_get_request_headers (fetch->message),
                                  fetch->header_names[i], fetch->header_values[i]);

  /* Its own cancellable, which the caller's and the deadline both trip. */
  fetch_forget_attempt (fetch);
  fetch->cancellable = _trawl_attempt_begin (fetch->caller, &fetch->cancel_id);
  _trawl_deadline_start (&fetch->deadline, fetch->message,
                         _trawl_client_get_timeout (fetch->client), fetch_too_slow_cb, fetch);
  _trawl_client_send_async (fetch->client, fetch->board, fetch->message, fetch->cancellable,
                            fetch_send_cb, task);
}

/**
 * _trawl_client_fetch_async:
 * @board: the board the page is for
 * @what: what the page is, for messages ("board page", "video page")
 * @priority: its place among the requests waiting for a connection: a
 *   board's list pages are its critical path, and go first
 *
 * Fetches a page into memory (bounded by TRAWL_MAX_PAGE_SIZE), retrying
 * transient failures with backoff. A response that is a video or audio
 * file is not read: it comes back with is_media set.
 */
void
_trawl_client_fetch_async (TrawlClient         *self,
                           TrawlBoard          *board,
                           const char          *url,
                           const char          *referer,
                           GStrv                header_names,
                           GStrv                header_values,
                           const char          *what,
                           SoupMessagePriority  priority,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, _trawl_client_fetch_async);
  fetch->client = g_object_ref (self);
  fetch->board = g_object_ref (board);
  fetch->url = g_strdup (url);
  fetch->referer = g_strdup (referer);
  fetch->header_names = g_strdupv (header_names);
  fetch->header_values = g_strdupv (header_values);
  fetch->what = g_strdup (what);
  fetch->priority = priority;
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
_trawl_client_fetch_finish (TrawlClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A cover is small: anything bigger is not one. */
#define MAX_IMAGE_SIZE (4 * 1024 * 1024)

static void
fetch_image_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TrawlResponse) response = NULL;
  GError *error = NULL;

  response = _trawl_client_fetch_finish (TRAWL_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (response->body == NULL || response->content_type == NULL ||
      !g_str_has_prefix (response->content_type, "image/"))
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                             _("The cover image is not an image"));
  else if (g_bytes_get_size (response->body) > MAX_IMAGE_SIZE)
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_TOO_LARGE,
                             _("The cover image is too large"));
  else
    g_task_return_pointer (task, g_bytes_ref (response->body), (GDestroyNotify) g_bytes_unref);
}

/**
 * _trawl_client_fetch_image_async:
 *
 * Fetches a cover image at @url as @board's pages are fetched (its proxy,
 * headers and address rules, @referer), behind every other request
 * waiting for a connection; only an image of at most 4 MiB is returned.
 */
void
_trawl_client_fetch_image_async (TrawlClient         *self,
                                 TrawlBoard          *board,
                                 const char          *url,
                                 const char          *referer,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, _trawl_client_fetch_image_async);
  _trawl_client_fetch_async (self, board, url, referer, NULL, NULL,
                             /* Translators: %s in “The server refused the %s request” */
                             _("cover image"), SOUP_MESSAGE_PRIORITY_VERY_LOW, cancellable,
                             fetch_image_cb, task);
}

/* Returns: (transfer full): the image file's bytes, or %NULL */
GBytes *
_trawl_client_fetch_image_finish (TrawlClient   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
