#define G_LOG_DOMAIN "trawl-transfer"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <inttypes.h>

#include "trawl-error.h"
#include "trawl-queue-private.h"
#include "trawl-uri.h"

/* One download: NAME.part is written from the network in large chunks and
 * renamed to NAME only when the byte count is right. An existing .part is
 * continued with a Range request (guarded by If-Range), so a pause, a
 * retry, a crash or Ctrl+C loses at most what was in flight.
 *
 * A ring buffer sits between the network and the disk: reads fill it while
 * earlier bytes are written out (file writes run on GIO's worker threads),
 * so neither side waits for the other. It is all the memory a download
 * uses, whatever the size of the file. */

#define RING_SIZE (4 * 1024 * 1024)
/* Writes are batched to at least this much... */
#define MIN_WRITE (1024 * 1024)
/* ...unless the oldest unwritten byte is this old: a slow download still
 * reaches the disk (and the progress bar) often. */
#define FLUSH_MS 100
#define VALIDATOR_ATTRIBUTE "xattr::trawl.validator"

typedef struct
{
  TrawlQueue        *queue;
  TrawlItem         *item;
  SoupMessage       *message;
  GInputStream      *input;
  GFileOutputStream *output;
  GFile             *part;
  guint64            offset;
  gint64             total;
  guint              attempt;
  gboolean           from_zero;  /* the next attempt must not resume */

  /* The read/write pump of one attempt. */
  guint8            *ring;
  guint64            head;       /* bytes read into the ring so far */
  guint64            tail;       /* bytes written out of it */
  gboolean           reading;
  gboolean           writing;
  gboolean           waiting;    /* for the speed limit */
  gboolean           flush;      /* the flush timer fired: write what there is */
  guint              flush_source;
  gboolean           eof;
  GError            *failure;    /* the first error, while other work winds down */
  gboolean           write_failed;
  GCancellable      *cancellable;  /* this attempt's; cancelled on failure too */
  GCancellable      *task_cancellable;
  gulong             cancel_id;
} Transfer;

static void
forget_cancellable (Transfer *transfer)
{
  if (transfer->cancel_id != 0)
    g_cancellable_disconnect (transfer->task_cancellable, transfer->cancel_id);
  transfer->cancel_id = 0;
  g_clear_object (&transfer->cancellable);
}

static void
cancel_attempt (GCancellable *task_cancellable,
                GCancellable *attempt_cancellable)
{
  g_cancellable_cancel (attempt_cancellable);
}

static void
transfer_free (Transfer *transfer)
{
  g_clear_object (&transfer->queue);
  g_clear_object (&transfer->item);
  g_clear_object (&transfer->message);
  g_clear_object (&transfer->input);
  g_clear_object (&transfer->output);
  g_clear_object (&transfer->part);
  forget_cancellable (transfer);
  g_clear_object (&transfer->task_cancellable);
  g_clear_error (&transfer->failure);
  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  g_free (transfer->ring);
  g_free (transfer);
}

static void start_attempt (GTask *task);
static void pump (GTask *task);

static void
close_streams (Transfer *transfer)
{
  /* Closing is fire and forget: the data that reached the .part stays
   * there for the next attempt whatever happens to the close. */
  if (transfer->input != NULL)
    g_input_stream_close_async (transfer->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (transfer->output != NULL)
    g_output_stream_close (G_OUTPUT_STREAM (transfer->output), NULL, NULL);
  g_clear_object (&transfer->input);
  g_clear_object (&transfer->output);
}

static void
retry_cb (GObject      *object,
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

  start_attempt (task);
}

static void
attempt_failed (GTask  *task,
                GError *error)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint retry_after = 0;

  if (transfer->message != NULL)
    retry_after = _trawl_retry_after_seconds (transfer->message);
  close_streams (transfer);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      _trawl_error_is_transient (error) &&
      transfer->attempt < _trawl_queue_get_max_tries (transfer->queue))
    {
      guint delay = _trawl_queue_retry_delay_ms (transfer->queue, transfer->attempt, retry_after);

      g_debug ("Retrying %s in %u ms: %s", trawl_item_get_media_url (transfer->item), delay,
               error->message);
      _trawl_item_set_error (transfer->item, error->message);
      g_error_free (error);
      _trawl_sleep_async (delay, g_task_get_cancellable (task), retry_cb, task);
      return;
    }

  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
finish_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  const char *path = trawl_item_get_path (transfer->item);

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    {
      g_clear_object (&transfer->output);
      attempt_failed (task, error);
      return;
    }
  g_clear_object (&transfer->output);

  if (g_rename (g_file_peek_path (transfer->part), path) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Could not rename the finished download to %s: %s"), path,
                               g_strerror (saved));
      g_object_unref (task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
complete (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  if (transfer->total >= 0 && transfer->offset != (guint64) transfer->total)
    {
      attempt_failed (task,
                      g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The download ended early (%" PRIu64 " of %" PRId64 " bytes)"),
                                   transfer->offset, transfer->total));
      return;
    }

  _trawl_item_set_progress (transfer->item, transfer->offset, (gint64) transfer->offset);
  g_input_stream_close_async (transfer->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&transfer->input);
  g_output_stream_close_async (G_OUTPUT_STREAM (transfer->output), G_PRIORITY_DEFAULT,
                               g_task_get_cancellable (task), finish_cb, task);
}

static GError *
write_error (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    {
      GError *full = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
                                          _("No space left on the disk; the partial download is "
                                            "kept and resumes when there is room"));
      g_error_free (error);
      return full;
    }

  return error;
}

/* An error while the other buffer is still busy: stop that too, and fail
 * the attempt once nothing is in flight. */
static void
fail_op (GTask    *task,
         GError   *error,
         gboolean  writing)
{
  Transfer *transfer = g_task_get_task_data (task);

  if (transfer->failure == NULL)
    transfer->failure = error;
  else
    g_error_free (error);

  /* A disk error stops the reading too; a network error still lets what
   * was received reach the .part, so the next attempt starts after it. */
  if (writing)
    {
      transfer->write_failed = TRUE;
      g_cancellable_cancel (transfer->cancellable);
    }
  pump (task);
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;

  transfer->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, &error))
    {
      fail_op (task, write_error (error), TRUE);
      return;
    }

  transfer->tail += written;
  transfer->offset += written;
  _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
  pump (task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  transfer->reading = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      fail_op (task, error, FALSE);
      return;
    }

  if (n == 0)
    transfer->eof = TRUE;
  transfer->head += n;
  pump (task);
}

static void
rate_wait_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;

  transfer->waiting = FALSE;
  if (!_trawl_sleep_finish (result, &error))
    {
      fail_op (task, error, FALSE);
      return;
    }

  pump (task);
}

static gboolean
flush_cb (gpointer user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);

  transfer->flush_source = 0;
  transfer->flush = TRUE;
  pump (task);

  return G_SOURCE_REMOVE;
}

static void
start_write (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 used = transfer->head - transfer->tail;
  gsize position = transfer->tail % RING_SIZE;
  gsize length = MIN (used, RING_SIZE - position);

  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  transfer->flush = FALSE;
  transfer->writing = TRUE;
  g_output_stream_write_all_async (G_OUTPUT_STREAM (transfer->output),
                                   transfer->ring + position, length, G_PRIORITY_DEFAULT,
                                   transfer->cancellable, write_cb, task);
}

static void
start_read (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 used = transfer->head - transfer->tail;
  gsize position = transfer->head % RING_SIZE;
  gsize space = MIN (RING_SIZE - used, RING_SIZE - position);
  guint wait_ms = 0;
  gsize granted;

  granted = _trawl_queue_take_bytes (transfer->queue, space, &wait_ms);
  if (granted == 0)
    {
      transfer->waiting = TRUE;
      _trawl_sleep_async (wait_ms, transfer->cancellable, rate_wait_cb, task);
      return;
    }

  transfer->reading = TRUE;
  g_input_stream_read_async (transfer->input, transfer->ring + position, granted,
                             G_PRIORITY_DEFAULT, transfer->cancellable, read_cb, task);
}

/* Keeps a read and a write going: the write takes the oldest bytes of the
 * ring once there are enough of them (or they have waited long enough),
 * the read fills the free space. The attempt completes when the body has
 * ended and the ring is empty, or fails once nothing is in flight. */
static void
pump (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 used = transfer->head - transfer->tail;
  gboolean busy;

  if (!transfer->writing && used > 0 && !transfer->write_failed &&
      (used >= MIN_WRITE || transfer->eof || transfer->flush || transfer->failure != NULL))
    start_write (task);
  else if (!transfer->writing && used > 0 && transfer->flush_source == 0 &&
           transfer->failure == NULL)
    transfer->flush_source = g_timeout_add (FLUSH_MS, flush_cb, task);

  busy = transfer->reading || transfer->writing || transfer->waiting;

  if (transfer->failure != NULL)
    {
      /* What was received before a network error is kept; after a disk
       * error nothing more can be. */
      if (!busy && (used == 0 || transfer->write_failed))
        {
          g_clear_handle_id (&transfer->flush_source, g_source_remove);
          attempt_failed (task, g_steal_pointer (&transfer->failure));
        }
      return;
    }

  if (transfer->eof)
    {
      if (!busy && used == 0)
        complete (task);
      return;
    }

  if (!transfer->reading && !transfer->waiting && used < RING_SIZE)
    start_read (task);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  const char *validator = _trawl_item_get_validator (transfer->item);

  transfer->output = g_file_append_to_finish (G_FILE (object), result, &error);
  if (transfer->output == NULL)
    {
      attempt_failed (task, write_error (error));
      return;
    }

  /* Starting over: the .part is emptied in place (the stream appends, so
   * everything written next lands from byte 0). */
  if (transfer->offset == 0 &&
      !g_seekable_truncate (G_SEEKABLE (transfer->output), 0, NULL, &error))
    {
      attempt_failed (task, error);
      return;
    }

  /* Remembered on the file itself so a later run can still send If-Range;
   * file systems without user xattrs simply resume unguarded. */
  if (validator != NULL)
    g_file_set_attribute_string (transfer->part, VALIDATOR_ATTRIBUTE, validator,
                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
  pump (task);
}

static gboolean
check_free_space (Transfer  *transfer,
                  GError   **error)
{
  g_autoptr(GFile) dir = g_file_get_parent (transfer->part);
  g_autoptr(GFileInfo) info = NULL;
  guint64 needed;
  guint64 free_bytes;

  if (transfer->total < 0 || (guint64) transfer->total <= transfer->offset)
    return TRUE;

  info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return TRUE;

  needed = (guint64) transfer->total - transfer->offset;
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (needed <= free_bytes)
    return TRUE;

  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
               _("Not enough free space: the video needs %" PRIu64 " MB more, the disk "
                 "has %" PRIu64 " MB"), needed / 1000000, free_bytes / 1000000);
  return FALSE;
}

/* The URL did not say what the file is, but the server does: give the
 * file the right extension while nothing has been written yet. */
static void
fix_extension (Transfer   *transfer,
               const char *content_type)
{
  const char *extension = trawl_content_type_extension (content_type);
  const char *path = trawl_item_get_path (transfer->item);
  GError *error = NULL;

  if (extension == NULL || trawl_uri_media_extension (trawl_item_get_media_url (transfer->item)) ||
      g_str_has_suffix (path, extension) || transfer->offset > 0)
    return;

  if (!_trawl_queue_reserve_path (transfer->queue, transfer->item, extension, &error))
    {
      g_clear_error (&error);
      return;
    }

  g_clear_object (&transfer->part);
  {
    g_autofree char *part = g_strconcat (trawl_item_get_path (transfer->item), ".part", NULL);
    transfer->part = g_file_new_for_path (part);
  }
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  GError *error = NULL;
  const char *content_type;
  const char *validator;
  guint status;
  goffset start, end, total;

  transfer->input = _trawl_send_finish (transfer->message, result, &error);
  if (transfer->input == NULL)
    {
      attempt_failed (task, _trawl_explain_error (error));
      return;
    }

  {
    g_autofree char *final_url = g_uri_to_string (soup_message_get_uri (transfer->message));

    if (!trawl_uri_is_fetchable (final_url, &error))
      {
        close_streams (transfer);
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
  }

  headers = soup_message_get_response_headers (transfer->message);
  status = soup_message_get_status (transfer->message);

  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && transfer->offset > 0)
    {
      /* Asked for bytes past the end: either the .part is already whole
       * (a run stopped between the last write and the rename) or the file
       * on the server changed; the Content-Range says which. */
      close_streams (transfer);
      if (soup_message_headers_get_content_range (headers, &start, &end, &total) &&
          total == (goffset) transfer->offset)
        {
          transfer->total = total;
          g_file_append_to_async (transfer->part, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT,
                                  g_task_get_cancellable (task), open_cb, task);
          transfer->input = g_memory_input_stream_new ();
          return;
        }
      transfer->from_zero = TRUE;
      start_attempt (task);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* Translators: %s in “The server refused the %s request” */
      _trawl_set_http_error (&error, transfer->message, _("video"));
      attempt_failed (task, error);
      return;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (trawl_content_type_is_page (content_type))
    {
      close_streams (transfer);
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                               _("The server sent a web page (%s) instead of the video"),
                               content_type);
      g_object_unref (task);
      return;
    }

  if (status == SOUP_STATUS_PARTIAL_CONTENT &&
      soup_message_headers_get_content_range (headers, &start, &end, &total) &&
      start == (goffset) transfer->offset)
    {
      transfer->total = total >= 0 ? total : -1;
    }
  else
    {
      /* A 200 (Range ignored, or the file changed under If-Range) or a 206
       * for other bytes than asked: start the file over, cleanly. */
      if (status == SOUP_STATUS_PARTIAL_CONTENT)
        {
          close_streams (transfer);
          transfer->from_zero = TRUE;
          attempt_failed (task,
                          g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                               _("The server sent the wrong part of the file")));
          return;
        }
      transfer->offset = 0;
      transfer->total = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                          ? soup_message_headers_get_content_length (headers)
                          : -1;
    }

  validator = soup_message_headers_get_one (headers, "ETag");
  if (validator == NULL || g_str_has_prefix (validator, "W/"))
    validator = soup_message_headers_get_one (headers, "Last-Modified");
  _trawl_item_set_validator (transfer->item, validator);

  fix_extension (transfer, content_type);

  if (!check_free_space (transfer, &error))
    {
      close_streams (transfer);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_file_append_to_async (transfer->part, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT,
                          g_task_get_cancellable (task), open_cb, task);
}

static void
start_attempt (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  GStatBuf st;

  transfer->attempt++;
  _trawl_item_set_tries (transfer->item, transfer->attempt);

  /* A fresh pump, with its own cancellable that the task's (a pause or
   * cancel) also trips. */
  forget_cancellable (transfer);
  transfer->cancellable = g_cancellable_new ();
  if (transfer->task_cancellable != NULL)
    transfer->cancel_id = g_cancellable_connect (transfer->task_cancellable,
                                                 G_CALLBACK (cancel_attempt),
                                                 g_object_ref (transfer->cancellable),
                                                 g_object_unref);
  if (transfer->ring == NULL)
    transfer->ring = g_malloc (RING_SIZE);
  transfer->head = transfer->tail = 0;
  transfer->reading = transfer->writing = FALSE;
  transfer->flush = FALSE;
  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  transfer->waiting = FALSE;
  transfer->write_failed = FALSE;
  transfer->eof = FALSE;

  g_clear_object (&transfer->part);
  {
    g_autofree char *part = g_strconcat (trawl_item_get_path (transfer->item), ".part", NULL);
    transfer->part = g_file_new_for_path (part);
  }

  transfer->offset = 0;
  if (!transfer->from_zero && g_stat (g_file_peek_path (transfer->part), &st) == 0 &&
      S_ISREG (st.st_mode))
    transfer->offset = (guint64) st.st_size;
  transfer->from_zero = FALSE;

  /* A .part from an earlier run carries the validator it was started with. */
  if (transfer->offset > 0 && _trawl_item_get_validator (transfer->item) == NULL)
    {
      g_autoptr(GFileInfo) info = g_file_query_info (transfer->part, VALIDATOR_ATTRIBUTE,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);
      if (info != NULL && g_file_info_has_attribute (info, VALIDATOR_ATTRIBUTE))
        _trawl_item_set_validator (transfer->item,
                                   g_file_info_get_attribute_string (info, VALIDATOR_ATTRIBUTE));
    }

  g_clear_object (&transfer->message);
  transfer->message = soup_message_new (SOUP_METHOD_GET, trawl_item_get_media_url (transfer->item));
  if (transfer->message == NULL)
    {
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                               _("“%s” is not a valid URL"),
                               trawl_item_get_media_url (transfer->item));
      g_object_unref (task);
      return;
    }

  _trawl_queue_prepare_message (transfer->queue, transfer->message,
                                trawl_item_get_page_url (transfer->item));
  /* Byte ranges and lengths must be those of the file itself. */
  soup_message_disable_feature (transfer->message, SOUP_TYPE_CONTENT_DECODER);

  headers = soup_message_get_request_headers (transfer->message);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");
  if (transfer->offset > 0)
    {
      soup_message_headers_set_range (headers, (goffset) transfer->offset, -1);
      if (_trawl_item_get_validator (transfer->item) != NULL)
        soup_message_headers_replace (headers, "If-Range",
                                      _trawl_item_get_validator (transfer->item));
    }

  _trawl_send_async (transfer->queue, trawl_item_get_board (transfer->item), transfer->message,
                     g_task_get_cancellable (task), send_cb, task);
}

void
_trawl_transfer_async (TrawlQueue          *queue,
                       TrawlItem           *item,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (queue, cancellable, callback, user_data);
  Transfer *transfer = g_new0 (Transfer, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, _trawl_transfer_async);
  transfer->queue = g_object_ref (queue);
  transfer->item = g_object_ref (item);
  transfer->total = -1;
  transfer->task_cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, transfer, (GDestroyNotify) transfer_free);

  if (!trawl_uri_is_fetchable (trawl_item_get_media_url (item), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  start_attempt (task);
}

gboolean
_trawl_transfer_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
