#define G_LOG_DOMAIN "trawl-segment"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "trawl-client-private.h"
#include "trawl-error.h"
#include "trawl-http-private.h"
#include "trawl-item-private.h"
#include "trawl-segment-private.h"
#include "trawl-transfer-private.h"
#include "trawl-util-private.h"

/* A segment reads its range into one buffer while the other is written at
 * its place in the .part on a worker thread (pwrite: the transfer's own
 * connection writes the same file at its own offset). Two buffers are all
 * the memory a connection uses. */

#define BUFFER_SIZE (128 * 1024)
/* The most a read that writes what it reads brings (see start_read()). */
#define DIRECT_MAX (1024 * 1024)
/* A slow connection still reaches the disk (and the progress) often. */
#define FLUSH_MS 100

struct _TrawlSegment
{
  TrawlSegmentContext context;   /* strings and objects owned */
  GCancellable  *cancellable;    /* this segment's; the caller's trips it */
  gulong         cancel_id;

  guint64        start;          /* where this request's body is written from */
  guint64        asked;          /* where this request's range begins */
  guint64        start_first;    /* where the first request's body was written from */
  guint64        end;            /* exclusive; the transfer may bring it closer */
  guint64        received;       /* the next byte the network gives */
  guint64        written;        /* everything before it is in the .part */
  guint64        slice_end;      /* where this answer ends (some servers cap them) */
  gint64         started_us;     /* monotonic, when it started */
  gint64         progress_us;    /* monotonic, when bytes last came (or it started) */

  SoupMessage   *message;
  GInputStream  *input;
  guint8        *fill;           /* read into: [received - filled, received) */
  gsize          filled;
  guint8        *out;            /* being written: [written, written + writing_size) */
  gsize          writing_size;
  gboolean       reading;
  gboolean       direct;         /* the read out writes what it reads */
  gboolean       writing;
  gboolean       waiting;        /* for the speed limit */
  gsize          granted;
  gboolean       flush;
  guint          flush_source;

  /* The bytes before start come first in the answer: compared with the
   * .part's (a resumed range: they are there), or kept as the seam (a
   * fresh range: another connection writes them, and the transfer
   * compares once it has). */
  guint8        *verify;         /* the .part's bytes before start, or the seam */
  gsize          verify_left;
  gsize          verify_size;
  gboolean       keep_seam;

  gboolean       answered;       /* the server sent the range */
  gboolean       stopping;
  gboolean       cancelling;     /* in _trawl_segment_cancel() or _start(): see
                                  * report_done() */
  TrawlSegmentOutcome outcome;
  GError        *error;
  TrawlDeadline  deadline;
};

static void pump (TrawlSegment *self);
static GError *disk_error (GError *error);
static void stop (TrawlSegment *self, TrawlSegmentOutcome outcome, GError *error);
static void send_request (TrawlSegment *self);

static void
segment_free (TrawlSegment *self)
{
  g_clear_object (&self->context.client);
  g_clear_object (&self->context.item);
  g_free ((char *) self->context.url);
  g_free ((char *) self->context.validator);
  _trawl_attempt_end (&self->cancellable, self->context.cancellable, &self->cancel_id);
  g_clear_object (&self->context.cancellable);
  g_clear_object (&self->message);
  g_clear_object (&self->input);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  _trawl_deadline_stop (&self->deadline);
  g_free (self->fill);
  g_free (self->out);
  g_free (self->verify);
  g_clear_error (&self->error);
}

static TrawlSegment *
segment_ref (TrawlSegment *self)
{
  return g_rc_box_acquire (self);
}

void
_trawl_segment_unref (TrawlSegment *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) segment_free);
}

guint64
_trawl_segment_get_written (TrawlSegment *self)
{
  return self->written;
}

/* The next byte the network gives, or past a read that is out and writes
 * what it reads: nothing before it can be taken by another connection. */
guint64
_trawl_segment_get_received (TrawlSegment *self)
{
  return self->direct ? MIN (self->received + self->granted, self->end) : self->received;
}

guint64
_trawl_segment_get_end (TrawlSegment *self)
{
  return self->end;
}

/* Whether the server sent its range (not refused, not dropped). */
gboolean
_trawl_segment_has_answered (TrawlSegment *self)
{
  return self->answered;
}

/* Whether it was answered and has brought no byte since it started. */
gboolean
_trawl_segment_brought_nothing (TrawlSegment *self)
{
  return self->answered && self->progress_us == self->started_us;
}

/* Whether the server sent a status line, whatever it said (a refusal as
 * much as the range): it is up and speaking HTTP. */
gboolean
_trawl_segment_got_status (TrawlSegment *self)
{
  return self->message != NULL && soup_message_get_status (self->message) != SOUP_STATUS_NONE;
}

/* Brings the end closer: another connection takes what is after it.
 * Never before what was already received. */
void
_trawl_segment_set_end (TrawlSegment *self,
                        guint64       end)
{
  self->end = CLAMP (end, _trawl_segment_get_received (self), self->end);
}

/* The bytes the server sent just before the segment's start, once all of
 * them came, or NULL. */
GBytes *
_trawl_segment_get_seam (TrawlSegment *self,
                         guint64      *end)
{
  if (!self->keep_seam || self->verify_size == 0 || self->verify_left > 0)
    return NULL;
  *end = self->start_first;
  return g_bytes_new (self->verify, self->verify_size);
}

/* Whether it started fresh, keeping a seam (rather than resuming a range,
 * comparing what is before it). */
gboolean
_trawl_segment_keeps_seam (TrawlSegment *self)
{
  return self->keep_seam;
}

/* Where it began writing. */
guint64
_trawl_segment_get_first (TrawlSegment *self)
{
  return self->start_first;
}

/* How long it has been at work, in µs. */
gint64
_trawl_segment_get_age (TrawlSegment *self)
{
  return g_get_monotonic_time () - self->started_us;
}

/* When bytes last came (monotonic µs), or when it started. */
gint64
_trawl_segment_get_progress_time (TrawlSegment *self)
{
  return self->progress_us;
}

TrawlSegmentOutcome
_trawl_segment_get_outcome (TrawlSegment  *self,
                            const GError **error)
{
  if (error != NULL)
    *error = self->error;
  return self->outcome;
}

void
_trawl_segment_cancel (TrawlSegment *self)
{
  self->cancelling = TRUE;
  stop (self, TRAWL_SEGMENT_CANCELLED, NULL);
  self->cancelling = FALSE;
}

static void
close_input (TrawlSegment *self)
{
  /* A read that is out holds the stream: it closes with its last
   * reference, let go on this thread when the read is back. */
  if (self->input != NULL && !self->reading)
    g_input_stream_close_async (self->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->input);
  _trawl_deadline_stop (&self->deadline);
}

/* Ends the segment once nothing is in flight: what was received before a
 * network error is written first, nothing after a disk error. */
static void
stop (TrawlSegment        *self,
      TrawlSegmentOutcome  outcome,
      GError              *error)
{
  if (self->stopping)
    {
      g_clear_error (&error);
      pump (self);
      return;
    }
  self->stopping = TRUE;
  /* Paused, stopped by the transfer, or the session went away: nothing
   * the server did. */
  if (g_cancellable_is_cancelled (self->context.cancellable) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    outcome = TRAWL_SEGMENT_CANCELLED;
  self->outcome = outcome;
  self->error = error;
  if (outcome != TRAWL_SEGMENT_FAILED && outcome != TRAWL_SEGMENT_REFUSED &&
      outcome != TRAWL_SEGMENT_NO_RANGES && outcome != TRAWL_SEGMENT_CANCELLED)
    self->filled = 0;
  g_cancellable_cancel (self->cancellable);
  close_input (self);
  pump (self);
}

static gboolean
report_done_cb (gpointer user_data);

static void
report_done (TrawlSegment *self)
{
  TrawlSegmentFunc done = self->context.done;

  /* Never from within _trawl_segment_cancel(): its caller is walking its
   * segments, and the news may end the whole download (found by a
   * review: the transfer was used after it was freed). The segment stays
   * running until then. */
  if (self->cancelling)
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, report_done_cb, segment_ref (self),
                       (GDestroyNotify) _trawl_segment_unref);
      return;
    }
  g_clear_handle_id (&self->flush_source, g_source_remove);
  self->context.done = NULL;
  if (self->outcome == TRAWL_SEGMENT_RUNNING)
    self->outcome = TRAWL_SEGMENT_DONE;
  if (done != NULL)
    done (self, self->context.user_data);
}

static gboolean
report_done_cb (gpointer user_data)
{
  report_done (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  int      fd;
  guint8  *data;
  gsize    size;
  guint64  offset;
} Write;

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Write *write = task_data;
  GError *error = NULL;

  if (!_trawl_fd_write_all (write->fd, write->data, write->size, (gint64) write->offset, NULL,
                            &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  TrawlSegment *self = user_data;
  GError *error = NULL;

  self->writing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->filled = 0;
      stop (self, TRAWL_SEGMENT_FAILED, disk_error (error));
      _trawl_segment_unref (self);
      return;
    }

  self->written += self->writing_size;
  self->writing_size = 0;
  if (self->context.progress != NULL)
    self->context.progress (self, self->context.user_data);
  pump (self);
  _trawl_segment_unref (self);
}

static void
start_write (TrawlSegment *self)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, write_cb, segment_ref (self));
  Write *write = g_new0 (Write, 1);
  guint8 *swap = self->out;

  g_clear_handle_id (&self->flush_source, g_source_remove);
  self->flush = FALSE;
  self->out = self->fill;
  self->fill = swap != NULL ? swap : g_malloc (BUFFER_SIZE);
  self->writing_size = self->filled;
  self->filled = 0;
  self->writing = TRUE;

  write->fd = self->context.fd;
  write->data = self->out;
  write->size = self->writing_size;
  write->offset = self->written;
  g_task_set_task_data (task, write, g_free);
  g_task_run_in_thread (task, write_thread);
}

/* Takes in what a read of self->granted bytes into the fill buffer gave
 * (@n, or -1 with @error). Returns FALSE when the segment stopped. */
static gboolean
took_bytes (TrawlSegment *self,
            gssize        n,
            GError       *error)
{
  gsize checked;

  if ((gsize) MAX (n, 0) < self->granted)
    _trawl_client_give_back_bytes (self->context.client, self->granted - MAX (n, 0));
  if (n < 0 || (n == 0 && self->received < MIN (self->end, self->slice_end)))
    {
      if (error == NULL)
        error = g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                             _("The download ended early (%" PRIu64 " of %" PRId64 " bytes)"),
                             self->received, (gint64) self->context.total);
      /* A connection dropped before any of the range came: the server
       * does not want several. */
      stop (self, self->received == self->start ? TRAWL_SEGMENT_REFUSED : TRAWL_SEGMENT_FAILED,
            error);
      return FALSE;
    }
  self->deadline.bytes += (guint64) n;
  if (n > 0)
    self->progress_us = g_get_monotonic_time ();

  /* The first bytes are the end of what is already in the .part. */
  checked = MIN ((gsize) n, self->verify_left);
  if (checked > 0 && self->keep_seam)
    memcpy (self->verify + self->verify_size - self->verify_left, self->fill + self->filled,
            checked);
  if (checked > 0)
    {
      if (!self->keep_seam &&
          memcmp (self->fill + self->filled, self->verify + self->verify_size - self->verify_left,
                  checked) != 0)
        {
          stop (self, TRAWL_SEGMENT_CHANGED,
                g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                     _("The partial download is not the file on the server now; "
                                       "starting over")));
          return FALSE;
        }
      self->verify_left -= checked;
      memmove (self->fill + self->filled, self->fill + self->filled + checked, n - checked);
      n -= (gssize) checked;
    }
  /* The end came closer while this read was out: what is past it is
   * another connection's. */
  n = (gssize) MIN ((guint64) n, self->end - MIN (self->received, self->end));

  self->filled += (gsize) n;
  self->received += (guint64) n;
  return TRUE;
}

static GError *
disk_error (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    {
      g_clear_error (&error);
      error = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
                                   _("No space left on the disk; the partial download is "
                                     "kept and resumes when there is room"));
    }
  return error;
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TrawlSegment *self = user_data;
  GError *error = NULL;
  TrawlBodyRead body;
  gboolean ok;

  self->reading = FALSE;
  ok = _trawl_read_body_finish (result, &body, &error);
  if (self->direct)
    {
      /* Written by the reading thread, in the range it held. */
      self->direct = FALSE;
      if ((gsize) body.got < self->granted)
        _trawl_client_give_back_bytes (self->context.client, self->granted - body.got);
      self->granted = 0;
      self->received += body.got;
      self->written += body.written;
      self->deadline.bytes += body.got;
      if (body.got > 0)
        self->progress_us = g_get_monotonic_time ();
      if (body.written > 0 && self->context.progress != NULL)
        self->context.progress (self, self->context.user_data);
      if (body.write_error != NULL)
        {
          g_clear_error (&error);
          stop (self, TRAWL_SEGMENT_FAILED, disk_error (body.write_error));
          _trawl_segment_unref (self);
          return;
        }
      body.got = 0;
    }
  if (body.got > 0)
    {
      if (!took_bytes (self, (gssize) body.got, NULL))
        {
          g_clear_error (&error);
          _trawl_segment_unref (self);
          return;
        }
      self->granted = 0;
    }
  if (!ok)
    took_bytes (self, -1, error);  /* stops the segment */
  else if (!body.eof || took_bytes (self, 0, NULL))
    pump (self);
  _trawl_segment_unref (self);
}

static void
rate_wait_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TrawlSegment *self = user_data;
  GError *error = NULL;

  self->waiting = FALSE;
  self->deadline.waiting = FALSE;
  if (!_trawl_sleep_finish (result, &error))
    stop (self, TRAWL_SEGMENT_CANCELLED, error);
  else
    pump (self);
  _trawl_segment_unref (self);
}

/* How much the next read may bring. */
static gsize
wanted_bytes (TrawlSegment *self,
              gsize         room)
{
  guint64 until = MIN (self->end, self->slice_end);

  /* The network's position is before received while lead bytes come. */
  guint64 position = self->received - self->verify_left;

  return (gsize) MIN ((guint64) room, until - MIN (position, until));
}

/* Once the lead bytes are in and the buffers are empty, the reading
 * thread writes what it reads at its place, as the transfer's does (see
 * _trawl_read_body_async()); get_received() then counts the read out as
 * this connection's, so that no other connection is given those bytes
 * meanwhile. */
static gboolean
settled (TrawlSegment *self)
{
  return self->verify_left == 0 && !self->stopping;
}

static void
start_read (TrawlSegment *self)
{
  gboolean direct = settled (self) && self->filled == 0 && !self->writing;
  gsize wanted;
  guint wait_ms = 0;

  if (self->fill == NULL)
    self->fill = g_malloc (BUFFER_SIZE);
  wanted = wanted_bytes (self, direct ? DIRECT_MAX : BUFFER_SIZE - self->filled);
  if (wanted == 0)
    return;

  self->granted = _trawl_client_take_bytes (self->context.client, wanted, &wait_ms);
  if (self->granted == 0)
    {
      self->waiting = TRUE;
      self->deadline.waiting = TRUE;
      self->deadline.waited = TRUE;
      _trawl_sleep_async (wait_ms, self->cancellable, rate_wait_cb, segment_ref (self));
      return;
    }
  self->reading = TRUE;
  self->direct = direct;
  _trawl_read_body_async (self->message, self->input, self->fill + self->filled, self->granted,
                          direct ? self->context.fd : -1, direct ? (gint64) self->written : -1,
                          FALSE, NULL, NULL, self->cancellable, read_cb, segment_ref (self));
}

static gboolean
flush_cb (gpointer user_data)
{
  TrawlSegment *self = user_data;

  self->flush_source = 0;
  self->flush = TRUE;
  pump (self);
  return G_SOURCE_REMOVE;
}

/* One read and one write at a time: the write takes the filled buffer
 * when it is full, when the range is all received, or when its bytes
 * have waited long enough; the read fills the other. */
static void
pump (TrawlSegment *self)
{
  guint64 until = MIN (self->end, self->slice_end);
  gboolean received_all = self->received - self->verify_left >= until;

  /* Never while a read is out: it is filling that buffer. */
  if (!self->writing && !self->reading && self->filled > 0 &&
      (self->filled == BUFFER_SIZE || received_all || self->flush || self->stopping ||
       settled (self)))
    start_write (self);
  else if (!self->writing && self->filled > 0 && self->flush_source == 0 && !self->stopping)
    self->flush_source = g_timeout_add (FLUSH_MS, flush_cb, self);

  /* A write being out does not stop reading: it writes the other
   * buffer. */
  if (self->reading || self->waiting)
    return;

  if (self->stopping)
    {
      if (!self->writing)
        report_done (self);
      return;
    }
  if (self->written >= self->end && self->verify_left == 0)
    {
      close_input (self);
      report_done (self);
      return;
    }
  if (received_all)
    {
      /* This answer ended where the server caps them: the next one. */
      if (self->filled == 0 && !self->writing)
        {
          close_input (self);
          self->start = self->received;
          send_request (self);
        }
      return;
    }
  /* Settled, the next read waits for the buffers to be written: it then
   * writes itself. */
  if (self->input != NULL && self->filled < BUFFER_SIZE &&
      !(settled (self) && (self->filled > 0 || self->writing)))
    start_read (self);
}

static gboolean
too_slow_cb (gpointer user_data)
{
  TrawlSegment *self = user_data;

  stop (self, TRAWL_SEGMENT_FAILED, _trawl_deadline_error (self->deadline.seconds));
  return G_SOURCE_REMOVE;
}

/* Whether the answer is the range asked for, of the same file; when it
 * is not, the segment stops with what that means. */
static gboolean
accept_answer (TrawlSegment *self)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (self->message);
  guint status = soup_message_get_status (self->message);
  const char *validator = _trawl_response_validator (self->message);
  gint64 start, end, total;
  GError *error = NULL;
  gboolean other_file = validator != NULL && self->context.validator != NULL &&
                        g_strcmp0 (validator, self->context.validator) != 0;

  _trawl_parse_content_range (soup_message_headers_get_one (headers, "Content-Range"), &start,
                              &end, &total);
  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      guint64 asked = self->asked;

      if (other_file || (total >= 0 && (guint64) total != self->context.total))
        stop (self, TRAWL_SEGMENT_CHANGED,
              g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The video changed on the server; starting over")));
      else if (start < 0 || (guint64) start != asked || total < 0)
        /* No Content-Range, or not the one asked for: whatever the bytes
         * are, they cannot be placed. */
        stop (self, TRAWL_SEGMENT_NO_RANGES,
              g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The server sent the wrong part of the file")));
      else
        {
          self->slice_end = (guint64) end + 1;
          self->answered = TRUE;
          return TRUE;
        }
      return FALSE;
    }

  if (status == SOUP_STATUS_OK)
    {
      goffset length = soup_message_headers_get_content_length (headers);

      /* The whole file again: another one, or a server that sends ranges
       * on one connection only. */
      if (other_file || (length > 0 && (guint64) length != self->context.total))
        stop (self, TRAWL_SEGMENT_CHANGED,
              g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The video changed on the server; starting over")));
      else
        stop (self, TRAWL_SEGMENT_NO_RANGES,
              g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The server ignored the range asked for")));
      return FALSE;
    }

  /* Translators: %s in “The server refused the %s request” */
  _trawl_set_http_error (&error, self->message, _("video"));
  /* Any other error for a range of the file another connection is
   * receiving (403, 429, 503, but also 404 or 500 from servers that say
   * no that way): the server does not want several connections. */
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    stop (self, TRAWL_SEGMENT_CHANGED, error);
  else
    stop (self, TRAWL_SEGMENT_REFUSED, error);
  return FALSE;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TrawlSegment *self = user_data;
  GError *error = NULL;

  self->input = _trawl_client_send_finish (self->message, result, &error);
  if (self->input == NULL)
    {
      if (g_cancellable_is_cancelled (self->context.cancellable))
        stop (self, TRAWL_SEGMENT_CANCELLED, error);
      else if (self->stopping)
        stop (self, self->outcome, error);
      else
        stop (self, self->answered ? TRAWL_SEGMENT_FAILED : TRAWL_SEGMENT_REFUSED, error);
    }
  else if (accept_answer (self))
    pump (self);
  _trawl_segment_unref (self);
}

static void
send_request (TrawlSegment *self)
{
  TrawlItem *item = self->context.item;
  SoupMessageHeaders *headers;

  g_clear_object (&self->message);
  self->message = _trawl_client_new_message (self->context.client, self->context.url,
                                             trawl_item_get_board (item),
                                             trawl_item_get_page_url (item));
  if (self->message == NULL)
    {
      stop (self, TRAWL_SEGMENT_FAILED,
            g_error_new (TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL, _("“%s” is not a valid URL"),
                         self->context.url));
      return;
    }
  /* Byte ranges must be those of the file itself. */
  soup_message_disable_feature (self->message, SOUP_TYPE_CONTENT_DECODER);
  headers = soup_message_get_request_headers (self->message);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");
  self->asked = self->start - self->verify_left;
  soup_message_headers_set_range (headers, (goffset) self->asked, (goffset) self->end - 1);
  if (self->context.validator != NULL)
    soup_message_headers_replace (headers, "If-Range", self->context.validator);
  /* Pages and the videos' first connections go first. */
  soup_message_set_priority (self->message, SOUP_MESSAGE_PRIORITY_LOW);

  self->slice_end = G_MAXUINT64;
  _trawl_deadline_start (&self->deadline, self->message,
                         _trawl_client_get_timeout (self->context.client), too_slow_cb, self);
  _trawl_client_send_async (self->context.client, trawl_item_get_board (item), self->message,
                            self->cancellable, send_cb, segment_ref (self));
}

/**
 * _trawl_segment_start:
 * @start: the first byte to fetch
 * @end: where to stop (exclusive)
 * @lead: how many bytes before @start are fetched too; with @end equal
 *   to @start, only they are (a check that writes nothing)
 * @seam: %FALSE: the lead is compared with the .part's (they must be
 *   there), proving the server's file is the one the .part holds; %TRUE:
 *   it is kept (_trawl_segment_get_seam()), for the transfer to compare
 *   with what another connection writes there
 *
 * Fetches [@start, @end) of the transfer's video into its .part. The
 * context's done function is called once, after the last write.
 */
TrawlSegment *
_trawl_segment_start (const TrawlSegmentContext *context,
                      guint64                    start,
                      guint64                    end,
                      gsize                      lead,
                      gboolean                   seam)
{
  TrawlSegment *self = g_rc_box_new0 (TrawlSegment);

  g_return_val_if_fail ((start < end || (start == end && lead > 0)) && end <= context->total,
                        NULL);

  self->context = *context;
  self->context.client = g_object_ref (context->client);
  self->context.item = g_object_ref (context->item);
  self->context.url = g_strdup (context->url);
  self->context.validator = g_strdup (context->validator);
  if (context->cancellable != NULL)
    self->context.cancellable = g_object_ref (context->cancellable);
  self->cancellable = _trawl_attempt_begin (self->context.cancellable, &self->cancel_id);
  self->start = self->received = self->written = self->start_first = start;
  self->end = end;
  self->started_us = self->progress_us = g_get_monotonic_time ();
  self->slice_end = G_MAXUINT64;

  lead = (gsize) MIN ((guint64) lead, start);
  if (lead > 0)
    {
      self->verify = g_malloc (lead);
      self->keep_seam = seam;
      self->verify_size = self->verify_left = lead;
      if (!seam &&
          pread (context->fd, self->verify, lead, (off_t) (start - lead)) != (gssize) lead)
        {
          /* The .part lacks bytes it was said to hold: it cannot be
           * trusted. Said on an idle, as the caller has no segment yet. */
          self->cancelling = TRUE;
          stop (self, TRAWL_SEGMENT_CHANGED,
                g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                     _("The partial download is shorter than it should be; "
                                       "starting over")));
          self->cancelling = FALSE;
          return self;
        }
    }

  send_request (self);
  return self;
}
