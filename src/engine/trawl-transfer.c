#define G_LOG_DOMAIN "trawl-transfer"

#include "config.h"

#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "trawl-error.h"
#include "trawl-part-private.h"
#include "trawl-policy-private.h"
#include "trawl-client-private.h"
#include "trawl-hls-private.h"
#include "trawl-http-private.h"
#include "trawl-item-private.h"
#include "trawl-paths-private.h"
#include "trawl-segment-private.h"
#include "trawl-transfer-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

/* One download: NAME.part is written from the network in large chunks and
 * renamed to NAME only when it is provably whole and provably this video.
 *
 * - The .part is opened without following links, only as a regular file,
 *   and locked while it is written; a name another process writes, or
 *   whose .part is another video's, is given up for the next free one.
 * - An existing .part is continued with a Range request that starts a
 *   little before its end: those bytes must match what the file holds,
 *   or the download starts over (a validator alone is not trusted, and
 *   many servers send none).
 * - A body whose length was not announced is confirmed before it counts
 *   as done: a Range request at its end must be refused with the same
 *   length (a 416 with the total N), or a full read must give the same length
 *   twice. A chunked body cut at a chunk boundary looks whole otherwise.
 * - The first bytes decide whether the server sent a page, not the type.
 * - An attempt that receives less than TRAWL_MIN_SPEED bytes a second for
 *   the whole timeout fails like a stall, headers included.
 *
 * A ring buffer sits between the network and the disk: reads fill it while
 * earlier bytes are written out (file writes run on GIO's worker threads),
 * so neither side waits for the other. It is all the memory a download
 * uses, whatever the size of the file. */

#define RING_SIZE (1024 * 1024)
/* Writes are batched to at least this much... */
#define MIN_WRITE (256 * 1024)
/* ...unless the oldest unwritten byte is this old: a slow download still
 * reaches the disk (and the progress bar) often. */
#define FLUSH_MS 100
/* How much of a .part is fetched again and compared when resuming. */
#define OVERLAP (64 * 1024)
/* Enough of the start of a body to tell text (a page, a message) from a
 * video. */
#define SNIFF_BYTES 4096
/* Names tried before a download gives up finding a usable one. */
#define MAX_RENAMES 64
/* How often a download looks for spare connections to split over. */
#define SPLIT_TICK_MS 200
/* How often a split download's map of missing ranges is saved. */
#define SAVE_HOLES_MS 250
/* A connection is split once it has been slower than SPLIT_BELOW for a
 * window of this long: a server that throttles each connection (CDNs send
 * a few MB/s each) gains from more of them, a fast one only costs more
 * CPU (TLS, more writes) for nothing. The speed is the last window's, not
 * the average since the body began: servers often send the first
 * megabytes of each answer at full speed and only then throttle it
 * (nginx's limit_rate allows a second's worth at once), and an average
 * would stay above SPLIT_BELOW long after the connection has slowed
 * down. */
#define SPLIT_WINDOW_US (20 * 1000)
/* A fresh connection also fetches this much before its range, compared at
 * the end with what the connection before it wrote there: connections
 * that got different files (servers behind a balancer) are caught. */
#define SEAM (4 * 1024)
/* A connection that failed after bringing this much starts the count of
 * tries again. */
#define PROGRESS_RESETS_TRIES (256 * 1024)
/* An extra connection that brought nothing of its range in this long,
 * while the first one read up to it, makes the host step down. */
#define IDLE_NEIGHBOUR_US (1000 * 1000)
/* An extra connection that brought nothing in this long, while others of
 * the same video brought bytes after its last, is stuck: another
 * connection takes its range. Once one was, a connection left alone that
 * was answered and brought nothing at all is stuck too, after twice as
 * long each time until bytes come again (a server that is only slow to
 * start still gets its bytes through, well before the timeout). */
#define STUCK_US (2 * 1000 * 1000)
#define LONE_STUCK_DOUBLINGS 4
#define SPLIT_BELOW (64.0 * 1024 * 1024)
/* ... and only while this process has used less than half of the
 * machine's cores in that time: when it uses more, the downloads are
 * bound by this machine's CPU, not by the server, and more
 * connections only share the same CPU more thinly (HTTPS, 4 × 128 MiB on
 * two cores on loopback: 2.42 s split, 2.05 s not). */
#define SPLIT_BUSY_BELOW 0.5

typedef struct _Finish Finish;

typedef struct
{
  TrawlClient       *client;
  TrawlPaths        *paths;
  TrawlItem         *item;
  SoupMessage       *message;
  GInputStream      *input;
  GOutputStream     *output;     /* over fd; the fd stays ours */
  int                fd;         /* the locked .part, or -1 */
  char              *part_path;
  TrawlPartIdentity  identity;   /* what the .part says of itself */
  guint64            offset;     /* bytes in the .part */
  gint64             total;
  guint              attempt;
  gboolean           from_zero;  /* the .part must not be resumed: emptied once an
                                  * answer from the start is taken */
  gboolean           part_to_empty; /* that answer came: the .part is emptied once
                                     * its first bytes are a video (see sniff()) */
  gboolean           confirming; /* this request checks that nothing is left */
  gint64             unconfirmed; /* a length read without a confirmation, or -1 */
  gint64             probed_at;  /* where the last end probe was sent, or -1 */
  char              *bad_length; /* Content-Length values that are not one length */
  gint64             announced;  /* the response's Content-Length, even beside chunked */
  gboolean           total_from_part; /* the length is the one the .part was started with */
  gint64             slice_end;  /* where the 206 being read ends (exclusive), or -1 */
  gboolean           sliced;     /* the server answers in slices: go on where one ended */

  /* The read/write pump of one attempt. */
  guint8            *ring;
  guint64            head;       /* bytes read into the ring so far */
  guint64            tail;       /* bytes written out of it */
  guint8            *overlap;    /* the end of the .part, to compare */
  gsize              overlap_size;
  gsize              granted;    /* by the speed limit, for the read in flight */
  gsize              verify_left; /* bytes of the body still to compare with it */
  gboolean           sniffing;   /* nothing written until the start is looked at */
  gboolean           reading;
  gboolean           direct;     /* the read out writes what it reads */
  gboolean           writing;
  gboolean           waiting;    /* for the speed limit */
  gboolean           flush;      /* the flush timer fired: write what there is */
  guint              flush_source;
  gboolean           eof;
  GError            *failure;    /* the first error, while other work winds down */
  gboolean           write_failed;
  gboolean           renamed;    /* the last write's worker gave the file its name */
  Finish            *whole;      /* a small body's end, for the reading thread (whole_body()) */
  gboolean           playlist;   /* the body is an HLS playlist: see hand_over_to_hls() */
  GCancellable      *cancellable;  /* this attempt's; cancelled on failure too */
  GCancellable      *task_cancellable;
  gulong             cancel_id;

  TrawlDeadline      deadline;   /* progress, not only activity */

  /* Split over several connections: this one (the first, which found the
   * file and its length) reads up to primary_end, segments read the rest;
   * what nobody reads now waits in the pool. See "Several connections". */
  gboolean           split;
  gboolean           ranges_ok;  /* the answer says the server sends ranges */
  /* This connection's speed, measured over windows of SPLIT_WINDOW_US. */
  gint64             window_started;  /* µs */
  gint64             window_cpu;      /* process_cpu_ns() then */
  guint64            window_received; /* the body's bytes received by then */
  gboolean           window_limited;  /* the speed limit held a read back */
  gboolean           host_throttles;  /* see _trawl_client_set_host_throttles() */
  guint64            reached;      /* the furthest any try got, or G_MAXUINT64 before one */
  guint64            primary_end;
  gboolean           primary_busy;
  gboolean           primary_overran; /* a read brought bytes past primary_end */
  gint64             progress_us;  /* when any connection last brought bytes */
  GPtrArray         *segments;   /* TrawlSegment, running */
  GArray            *pool;       /* TrawlRange, in order */
  char              *segment_url;
  GUri              *segment_uri;
  guint              split_failures; /* tries in a row that brought nothing */
  gboolean           split_sleeping;
  gboolean           stuck_seen;   /* a connection of this video was stuck (split_unstick()) */
  guint              lone_stuck;   /* ... and this many while alone */
  gboolean           redo;       /* the file changed: over from zero once all stopped */
  guint              restarts;   /* over from zero, for a change a connection saw */
  GPtrArray         *seams;      /* Seam */
  GError            *split_error;
  guint              tick_source;
  guint              save_source;
} Transfer;

/* Lets go of the .part: an empty one this transfer created is removed,
 * anything with data stays for the next attempt or run. */
static void
release_part (Transfer *transfer)
{
  struct stat st;

  if (transfer->fd < 0)
    return;

  g_clear_object (&transfer->output);
  if (fstat (transfer->fd, &st) == 0 && st.st_size == 0 && transfer->part_path != NULL)
    {
      g_unlink (transfer->part_path);
      _trawl_part_forget (transfer->part_path);
    }
  close (transfer->fd);
  transfer->fd = -1;
}

/* ---- A stream rather than a file ---------------------------------------
 * The media URL turned out to be an HLS playlist (by its name, its
 * Content-Type, its first bytes, or a .part that holds a stream): the
 * stream downloader takes the item over, and its result is this task's. */

static void
transfer_hls_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  g_assert (G_IS_TASK (task));

  if (!_trawl_hls_finish (TRAWL_ITEM (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void close_input (Transfer *transfer);

static void
hand_over_to_hls (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  close_input (transfer);
  g_clear_handle_id (&transfer->tick_source, g_source_remove);
  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  _trawl_deadline_stop (&transfer->deadline);
  release_part (transfer);
  _trawl_hls_async (transfer->client, transfer->paths, transfer->item,
                    transfer->task_cancellable, transfer_hls_cb, task);
}


/* Rings let go while other downloads run are kept for the next one: a
 * fresh ring is a fresh mapping, faulted in page by page as the body
 * arrives, then unmapped (a TLB flush on every core), once per file. The
 * last download to end lets them all go, so nothing stays held while the
 * queue is idle. */
#define SPARE_RINGS 4

static GMutex rings_lock;
static GPtrArray *spare_rings;
static guint transfers_alive;

static void
rings_transfer_born (void)
{
  g_mutex_lock (&rings_lock);
  transfers_alive++;
  g_mutex_unlock (&rings_lock);
}

static guint8 *
ring_take (void)
{
  guint8 *ring = NULL;

  g_mutex_lock (&rings_lock);
  if (spare_rings != NULL && spare_rings->len > 0)
    ring = g_ptr_array_steal_index_fast (spare_rings, spare_rings->len - 1);
  g_mutex_unlock (&rings_lock);
  return ring != NULL ? ring : g_malloc (RING_SIZE);
}

/* A transfer ends, with its ring (or NULL). */
static void
rings_transfer_died (guint8 *ring)
{
  g_autoptr(GPtrArray) drop = NULL;

  g_mutex_lock (&rings_lock);
  if (spare_rings == NULL)
    spare_rings = g_ptr_array_new_with_free_func (g_free);
  if (ring != NULL && spare_rings->len < SPARE_RINGS)
    g_ptr_array_add (spare_rings, g_steal_pointer (&ring));
  if (--transfers_alive == 0)
    drop = g_steal_pointer (&spare_rings);  /* freed out of the lock */
  g_mutex_unlock (&rings_lock);
  g_free (ring);
}

static void finish_free (Finish *finish);

static void
transfer_free (Transfer *transfer)
{
  g_clear_handle_id (&transfer->tick_source, g_source_remove);
  g_clear_handle_id (&transfer->save_source, g_source_remove);
  g_clear_pointer (&transfer->segments, g_ptr_array_unref);
  g_clear_pointer (&transfer->pool, g_array_unref);
  g_clear_pointer (&transfer->seams, g_ptr_array_unref);
  g_free (transfer->segment_url);
  g_clear_pointer (&transfer->segment_uri, g_uri_unref);
  g_clear_error (&transfer->split_error);
  _trawl_item_set_connections (transfer->item, 0);
  release_part (transfer);
  g_clear_object (&transfer->client);
  g_clear_object (&transfer->paths);
  g_clear_object (&transfer->item);
  g_clear_object (&transfer->message);
  g_clear_object (&transfer->input);
  g_free (transfer->part_path);
  g_free (transfer->bad_length);
  _trawl_part_identity_clear (&transfer->identity);
  _trawl_attempt_end (&transfer->cancellable, transfer->task_cancellable, &transfer->cancel_id);
  g_clear_object (&transfer->task_cancellable);
  g_clear_error (&transfer->failure);
  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  _trawl_deadline_stop (&transfer->deadline);
  g_clear_pointer (&transfer->whole, finish_free);
  rings_transfer_died (g_steal_pointer (&transfer->ring));
  g_free (transfer->overlap);
  g_free (transfer);
}

static void start_attempt (GTask *task);
static void pump (GTask *task);

/* Where this connection's bytes end: those written, then those in the
 * ring. */
static guint64
received_end (Transfer *transfer)
{
  return transfer->offset + (transfer->head - transfer->tail);
}

static void
close_input (Transfer *transfer)
{
  /* Fire and forget: what reached the .part stays there whatever happens
   * to the connection. */
  if (transfer->input != NULL && !transfer->reading)
    g_input_stream_close_async (transfer->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&transfer->input);
  _trawl_deadline_stop (&transfer->deadline);
}

static void
return_error (GTask  *task,
              GError *error)
{
  close_input (g_task_get_task_data (task));
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void primary_stopped (GTask *task, GError *error);

static void
attempt_failed (GTask  *task,
                GError *error)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint delay;

  if (transfer->playlist)
    {
      g_error_free (error);
      hand_over_to_hls (task);
      return;
    }
  if (transfer->split)
    {
      primary_stopped (task, error);
      return;
    }
  close_input (transfer);
  /* After a failure, the next try checks the end of the .part again. */
  transfer->sliced = FALSE;
  /* A try that got much further than any before counts as the first
   * again: a server that drops every connection after some megabytes is
   * still progress, not a reason to give up (nor to wait ever longer).
   * Bytes fetched again from the start are not. */
  if (transfer->reached != G_MAXUINT64 &&
      transfer->offset >= transfer->reached + PROGRESS_RESETS_TRIES)
    transfer->attempt = 1;
  if (transfer->reached != G_MAXUINT64)
    transfer->reached = MAX (transfer->reached, transfer->offset);

  if (_trawl_client_should_retry (transfer->client, transfer->attempt, error, transfer->message,
                                  &delay))
    {
      g_debug ("Retrying %s in %u ms: %s", trawl_item_get_media_url (transfer->item), delay,
               error->message);
      _trawl_item_note_retry (transfer->item, error);
      g_error_free (error);
      _trawl_task_again_later (task, delay, start_attempt);
      return;
    }

  g_task_return_error (task, error);
  g_object_unref (task);
}

/* Starts the next request at once, without counting a try: the last one
 * told us something (the file changed, the end must be confirmed). */
static void
again (GTask    *task,
       gboolean  from_zero)
{
  Transfer *transfer = g_task_get_task_data (task);

  close_input (transfer);
  transfer->from_zero = transfer->from_zero || from_zero;
  transfer->attempt--;
  start_attempt (task);
}

static char *
display_name (const char *path)
{
  return g_filename_display_basename (path);
}

/* Opens the item's .part, moving the item to another name while this one
 * cannot be used: a finished file or anything else is there, another
 * process writes the .part, or the .part holds another video. */
static gboolean
open_part (Transfer  *transfer,
           GError   **error)
{
  g_autofree char *key = _trawl_item_archive_key (transfer->item);

  if (!_trawl_paths_make_folder (trawl_item_get_board (transfer->item), error))
    return FALSE;

  for (guint i = 0; i < MAX_RENAMES; i++)
    {
      g_autofree char *path = g_strdup (trawl_item_get_path (transfer->item));
      g_autofree char *part = _trawl_part_name (path);
      g_autofree char *why = NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean created = FALSE;
      int fd = -1;

      if (!_trawl_path_is_free (path))
        why = g_strdup_printf (_("%s already exists"), trawl_item_get_title (transfer->item));
      else if ((fd = _trawl_part_open (part, &created, &local_error)) < 0)
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BUSY) &&
              !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          why = g_strdup (local_error->message);
        }
      /* A .part made now says nothing yet (a sidecar left beside it by
       * another is not its own). */
      else if (created)
        _trawl_part_identity_clear (&transfer->identity);
      else if (_trawl_part_read_identity (fd, part, &transfer->identity) &&
               g_strcmp0 (transfer->identity.source, key) != 0)
        {
          g_autofree char *name = display_name (part);

          why = g_strdup_printf (_("%s holds another video"), name);
          close (fd);
          _trawl_part_identity_clear (&transfer->identity);
        }

      if (why == NULL)
        {
          transfer->fd = fd;
          g_free (transfer->part_path);
          transfer->part_path = g_steal_pointer (&part);
          if (transfer->identity.validator != NULL &&
              _trawl_item_get_validator (transfer->item) == NULL)
            _trawl_item_set_validator (transfer->item, transfer->identity.validator);
          return TRUE;
        }

      _trawl_paths_block (transfer->paths, path);
      _trawl_paths_reserve (transfer->paths, transfer->item, NULL);
      {
        g_autofree char *name = display_name (trawl_item_get_path (transfer->item));
        g_autofree char *note = g_strdup_printf (_("%s; saving as %s"), why, name);

        _trawl_item_note (transfer->item, note);
      }
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("No usable file name for %s"),
               trawl_item_get_title (transfer->item));
  return FALSE;
}

/* What a worker does at the end: the last bytes written (when the last
 * write is also the end, see start_write()), then fsync and rename. */
struct _Finish
{
  int           fd;
  char         *part;
  char         *path;
  const guint8 *data;         /* in the ring, which outlives the task */
  gsize         length;
  gsize         written;
  GError       *write_error;
  GError       *rename_error;
  /* A small body that the reading thread finishes (whole_body()): */
  gsize         expected;     /* its length */
  char         *content_type;
  TrawlPartIdentity identity; /* what the .part says once emptied */
};

static void
finish_free (Finish *finish)
{
  g_free (finish->part);
  g_free (finish->path);
  g_clear_error (&finish->write_error);
  g_clear_error (&finish->rename_error);
  g_free (finish->content_type);
  _trawl_part_identity_clear (&finish->identity);
  g_free (finish);
}

static Finish *
finish_new (Transfer *transfer)
{
  Finish *finish = g_new0 (Finish, 1);

  finish->fd = transfer->fd;
  finish->part = g_strdup (transfer->part_path);
  finish->path = g_strdup (trawl_item_get_path (transfer->item));
  return finish;
}

/* Off the main thread: the data reaches the disk before the name says
 * "done". Without data to write, a failure is *@error; after it, it is the
 * write's or the rename's. */
static gboolean
finish_run (Finish  *finish,
            GError **error)
{
  GError *local_error = NULL;
  gboolean synced;

  if (finish->length > 0 &&
      !_trawl_fd_write_all (finish->fd, finish->data, finish->length, -1, &finish->written,
                            &finish->write_error))
    return FALSE;

  if (!_trawl_part_commit (finish->fd, finish->part, finish->path, &synced, &local_error))
    {
      if (finish->length == 0)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      /* After the last write: an unsynced file is a failed write; a name
       * taken meanwhile is left to finish_async(), which finds another. */
      if (synced)
        finish->rename_error = local_error;
      else
        finish->write_error = local_error;
      return FALSE;
    }
  return TRUE;
}

static void
finish_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  gboolean ok = finish_run (task_data, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, ok);
}

/* The .part is gone (renamed); closing the fd lets go of the lock. */
static void
finished (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  g_clear_object (&transfer->output);
  close (transfer->fd);
  transfer->fd = -1;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void finish_async (GTask *task);

static void
transfer_finish_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;

  g_assert (G_IS_TASK (task));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Someone made a file of that name meanwhile: never replace it. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_clear_error (&error);
          _trawl_paths_move_aside (transfer->paths, transfer->item);
          finish_async (task);
          return;
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  finished (task);
}

static void
finish_async (GTask *task)
{
  GTask *worker = g_task_new (NULL, NULL, transfer_finish_cb, task);

  g_task_set_task_data (worker, finish_new (g_task_get_task_data (task)),
                        (GDestroyNotify) finish_free);
  g_task_run_in_thread (worker, finish_thread);
  g_object_unref (worker);
}

static void
probe_end (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  transfer->confirming = TRUE;
  transfer->probed_at = (gint64) transfer->offset;
  again (task, FALSE);
}

/* The end could not be confirmed by a probe: the whole body is read again
 * (a try like any other), and two reads of one length confirm it. Returns
 * FALSE, having failed the download, when the tries are used up. */
static gboolean
count_reread (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  gboolean first = transfer->unconfirmed < 0;

  transfer->unconfirmed = (gint64) transfer->offset;
  /* The first read again is the confirmation, not a retry: only answers
   * that disagree use up tries. */
  if (first)
    return TRUE;
  if (transfer->attempt >= trawl_client_get_max_tries (transfer->client))
    {
      return_error (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                               _("The server does not say how long the video "
                                                 "is, and its answers do not agree")));
      return FALSE;
    }
  transfer->attempt++;
  _trawl_item_set_tries (transfer->item, transfer->attempt);
  return TRUE;
}

/* Several connections
 *
 * A video whose length is known, from a server that sends ranges, is
 * fetched over several connections when the per-host limit leaves some
 * spare: the first connection reads on up to primary_end, and segments
 * (trawl-segment.c) take the ranges after it, each writing at its place
 * in the same .part. When a connection finishes, the largest range still
 * being read is halved and a new connection takes its second half, as
 * long as both halves are at least the minimum split size.
 *
 * The ranges still missing are kept with the .part (its holes) and saved
 * often, never ahead of the data: after a crash or kill -9 each range
 * resumes where its bytes stop, proving with the bytes before it that the
 * server's file is still the one in the .part.
 *
 * A server that will not send a second range at once (it answers with
 * the whole file, 403/429/503, or drops the connection) makes the host's
 * connections per video halve, down to one, for as long as the client
 * lives; the range goes back to the pool and the download goes on. */

static void split_dispatch (GTask *task);

/* Where a connection's range begins after bytes another connection
 * writes: the two must be of the same file. Compared once both sides are
 * written, with the bytes the server sent just before the range (@bytes);
 * or, when only the position was saved with the holes (a download
 * stopped or killed before), with one request across it. Saved with the
 * holes from the moment the connection starts, so that no .part ever
 * holds both sides without saying the seam is still to be compared. */
typedef struct
{
  guint64       end;
  GBytes       *bytes;  /* or NULL */
  TrawlSegment *check;  /* the request across it, while out */
} Seam;

static void
seam_free (Seam *seam)
{
  g_clear_pointer (&seam->bytes, g_bytes_unref);
  g_free (seam);
}

/* The seam at @end, or the one @check is the request across. */
static Seam *
seam_find (Transfer     *transfer,
           guint64       end,
           TrawlSegment *check)
{
  for (guint i = 0; i < transfer->seams->len; i++)
    {
      Seam *seam = g_ptr_array_index (transfer->seams, i);

      if (check != NULL ? seam->check == check : seam->end == end)
        return seam;
    }
  return NULL;
}

/* The seam at @end, kept in order. */
static void
seam_add (Transfer *transfer,
          guint64   end)
{
  Seam *seam;
  guint i = 0;

  if (end == 0 || seam_find (transfer, end, NULL) != NULL)
    return;
  while (i < transfer->seams->len && ((Seam *) g_ptr_array_index (transfer->seams, i))->end < end)
    i++;
  seam = g_new0 (Seam, 1);
  seam->end = end;
  g_ptr_array_insert (transfer->seams, (gint) i, seam);
}

static guint
split_running (Transfer *transfer)
{
  return transfer->segments->len + (transfer->primary_busy ? 1 : 0);
}

static void
pool_add (Transfer *transfer,
          guint64   start,
          guint64   end)
{
  TrawlRange range = { start, end };
  guint i = 0;

  if (start >= end)
    return;
  while (i < transfer->pool->len && g_array_index (transfer->pool, TrawlRange, i).start < start)
    i++;
  g_array_insert_val (transfer->pool, i, range);
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const TrawlRange *x = a;
  const TrawlRange *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* What is missing from the .part: the pool, and from each connection what
 * it has not written yet. In order, touching ranges joined. */
static GArray *
split_holes (Transfer *transfer)
{
  GArray *holes = g_array_new (FALSE, FALSE, sizeof (TrawlRange));
  guint n = 0;

  g_array_append_vals (holes, transfer->pool->data, transfer->pool->len);
  if (transfer->primary_busy && transfer->offset < transfer->primary_end)
    {
      TrawlRange range = { transfer->offset, transfer->primary_end };

      g_array_append_val (holes, range);
    }
  for (guint i = 0; i < transfer->segments->len; i++)
    {
      TrawlSegment *segment = g_ptr_array_index (transfer->segments, i);
      TrawlRange range = { _trawl_segment_get_written (segment), _trawl_segment_get_end (segment) };

      if (range.start < range.end)
        g_array_append_val (holes, range);
    }
  g_array_sort (holes, compare_ranges);
  for (guint i = 0; i < holes->len; i++)
    {
      TrawlRange *range = &g_array_index (holes, TrawlRange, i);
      TrawlRange *last = n > 0 ? &g_array_index (holes, TrawlRange, n - 1) : NULL;

      if (last != NULL && range->start <= last->end)
        last->end = MAX (last->end, range->end);
      else
        g_array_index (holes, TrawlRange, n++) = *range;
    }
  g_array_set_size (holes, n);
  return holes;
}

/* The holes and the seams still to compare, with the .part. */
static gboolean
split_save (Transfer *transfer)
{
  g_autoptr(GArray) holes = split_holes (transfer);
  g_autoptr(GArray) seams = g_array_sized_new (FALSE, FALSE, sizeof (guint64),
                                               transfer->seams->len);

  for (guint i = 0; i < transfer->seams->len; i++)
    g_array_append_val (seams, ((Seam *) g_ptr_array_index (transfer->seams, i))->end);
  g_clear_handle_id (&transfer->save_source, g_source_remove);
  g_free (transfer->identity.holes);
  transfer->identity.holes = _trawl_part_format_holes ((TrawlRange *) holes->data, holes->len,
                                                       (guint64 *) seams->data, seams->len);
  return _trawl_part_write_holes (transfer->fd, transfer->part_path, &transfer->identity);
}

static gboolean
split_save_cb (gpointer user_data)
{
  Transfer *transfer = user_data;

  transfer->save_source = 0;
  split_save (transfer);
  return G_SOURCE_REMOVE;
}

/* Bytes reached the .part: the progress, and soon the saved holes. */
static void
split_progress (Transfer *transfer)
{
  g_autoptr(GArray) holes = split_holes (transfer);
  guint64 missing = 0;

  for (guint i = 0; i < holes->len; i++)
    {
      TrawlRange *range = &g_array_index (holes, TrawlRange, i);

      missing += range->end - range->start;
    }
  _trawl_item_set_progress (transfer->item, (guint64) transfer->total - missing, transfer->total);
  if (transfer->save_source == 0)
    transfer->save_source = g_timeout_add (SAVE_HOLES_MS, split_save_cb, transfer);
}

static void
split_stop_all (Transfer *transfer)
{
  for (guint i = 0; i < transfer->segments->len; i++)
    _trawl_segment_cancel (g_ptr_array_index (transfer->segments, i));
  if (transfer->primary_busy && transfer->cancellable != NULL)
    g_cancellable_cancel (transfer->cancellable);
}

/* The download cannot go on (a disk error, tries used up): every
 * connection stops, and the task fails once they have. */
static void
split_fail (Transfer *transfer,
            GError   *error)
{
  if (transfer->split_error == NULL)
    transfer->split_error = error;
  else
    g_error_free (error);
  split_stop_all (transfer);
}

/* A connection saw another file than the .part holds (@why): every
 * connection stops, and the download starts over from zero, a try like
 * any other. @one_connection: the host sends different files on
 * different connections, so it gets one from now on. */
static void
split_redo (Transfer     *transfer,
            const GError *why,
            gboolean      one_connection)
{
  if (one_connection)
    _trawl_client_step_down (transfer->client, transfer->segment_uri, 1);
  if (transfer->redo || transfer->split_error != NULL)
    return;
  if (++transfer->restarts >= trawl_client_get_max_tries (transfer->client))
    {
      split_fail (transfer, g_error_copy (why));
      return;
    }
  transfer->redo = TRUE;
  _trawl_item_note_retry (transfer->item, why);
  split_stop_all (transfer);
}

/* The seams whose bytes this run received, against the bytes the
 * connection before each wrote there (those that agree are done with);
 * FALSE (and a restart) on a difference. */
static gboolean
split_check_seams (Transfer *transfer)
{
  for (guint i = 0; i < transfer->seams->len;)
    {
      Seam *seam = g_ptr_array_index (transfer->seams, i);
      g_autofree guint8 *there = NULL;
      gsize size;

      if (seam->bytes == NULL)
        {
          i++;
          continue;
        }
      size = g_bytes_get_size (seam->bytes);
      there = g_malloc (size);
      if (pread (transfer->fd, there, size, (off_t) (seam->end - size)) != (gssize) size ||
          memcmp (there, g_bytes_get_data (seam->bytes, NULL), size) != 0)
        {
          g_autoptr(GError) why =
            g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                 _("The server sent different files on different connections; "
                                   "starting over on one"));

          g_ptr_array_set_size (transfer->seams, 0);
          split_redo (transfer, why, TRUE);
          return FALSE;
        }
      g_ptr_array_remove_index (transfer->seams, i);
    }
  return TRUE;
}

static void split_start_segment (GTask *task, guint64 start, guint64 end, gsize lead,
                                 gboolean seam);
static gboolean split_may_start (Transfer *transfer);

/* The seams only saved (a run before this one received their bytes): one
 * request across each, both sides compared with the .part. Returns
 * whether any is out. */
static gboolean
split_check_across (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  gboolean out = FALSE;

  for (guint i = 0; i < transfer->seams->len; i++)
    {
      Seam *seam = g_ptr_array_index (transfer->seams, i);
      guint64 from = seam->end - MIN (seam->end, (guint64) SEAM);
      guint64 to = MIN (seam->end + SEAM, (guint64) transfer->total);

      out = out || seam->check != NULL;
      if (seam->bytes != NULL || seam->check != NULL)
        continue;
      if (!split_may_start (transfer))
        break;
      split_start_segment (task, to, to, (gsize) (to - from), FALSE);
      seam->check = g_ptr_array_index (transfer->segments, transfer->segments->len - 1);
      out = TRUE;
    }
  return out;
}

/* Everything wound down: returns TRUE when the task was ended (done,
 * failed, paused) or started over. */
static gboolean
split_settle (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  struct stat st;

  if (split_running (transfer) > 0 || transfer->split_sleeping)
    return FALSE;

  _trawl_item_set_connections (transfer->item, 0);
  split_save (transfer);
  if (transfer->split_error != NULL)
    {
      return_error (task, g_steal_pointer (&transfer->split_error));
      return TRUE;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return TRUE;
    }
  if (transfer->redo)
    {
      /* The holes stay with the .part until it is emptied (see
       * accept_from_zero()). */
      transfer->redo = FALSE;
      transfer->split = FALSE;
      g_array_set_size (transfer->pool, 0);
      g_ptr_array_set_size (transfer->seams, 0);
      g_clear_handle_id (&transfer->tick_source, g_source_remove);
      again (task, TRUE);
      return TRUE;
    }
  if (transfer->pool->len > 0)
    return FALSE;
  if (!split_check_seams (transfer))
    return split_settle (task);
  if (split_check_across (task))
    return FALSE;
  /* Every seam agreed: the .part says it is whole. */
  split_save (transfer);

  if (fstat (transfer->fd, &st) != 0 || st.st_size != transfer->total)
    {
      return_error (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                       _("The download ended early (%" PRIu64 " of %" PRId64
                                         " bytes)"), (guint64) st.st_size, transfer->total));
      return TRUE;
    }
  g_clear_handle_id (&transfer->tick_source, g_source_remove);
  transfer->offset = (guint64) transfer->total;
  _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
  finish_async (task);
  return TRUE;
}

static void
split_sleep_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);

  transfer->split_sleeping = FALSE;
  _trawl_sleep_finish (result, NULL);
  split_dispatch (task);
}

/* How a connection that was alone failed (see split_failed()). */
typedef enum
{
  SPLIT_BROKE,      /* no answer, or it broke before one */
  SPLIT_ANSWERED,   /* the server sent the range, then it broke */
  SPLIT_REFUSED,    /* the server said no to the range: a status */
} SplitFailure;

/* A connection failed with @error: the download goes on (after a pause
 * when nothing else runs) until the tries are used up. @progressed: it
 * brought enough, so the tries start again.
 *
 * A server that is up but will not send the ranges (it answers them
 * with a status, or cuts each short) does not fail the video: it starts
 * over on one connection, from the start, which such servers send (the
 * first connection had the file from them). The .part is emptied only
 * once that answer comes (see accept_from_zero()). A status is tried
 * once more first, whatever it is (a 403 or 404 as much as a 503): it
 * may be the host's answer to a connection still closing on its side. */
static void
split_failed (GTask        *task,
              GError       *error,
              gboolean      progressed,
              SplitFailure  how)
{
  Transfer *transfer = g_task_get_task_data (task);
  GError passing = { TRAWL_ERROR, TRAWL_ERROR_SERVER, (char *) "" };
  guint delay = 0;

  transfer->split_failures = progressed ? 1 : transfer->split_failures + 1;
  _trawl_item_set_tries (transfer->item, transfer->split_failures);
  if ((how == SPLIT_REFUSED && transfer->split_failures > 2) ||
      (how == SPLIT_ANSWERED && !_trawl_client_should_retry (transfer->client,
                                                             transfer->split_failures, error,
                                                             NULL, &delay)))
    {
      g_autoptr(GError) why = error;

      split_redo (transfer, why, TRUE);
      return;
    }
  if (!_trawl_client_should_retry (transfer->client, transfer->split_failures,
                                   how == SPLIT_REFUSED ? &passing : error, NULL, &delay))
    {
      split_fail (transfer, error);
      return;
    }
  /* It brought enough: the server works, only cuts. Again at once (found
   * by a review: a server that cut every answer in half took 35 s where
   * one connection took 9, pausing longer each time). */
  if (progressed)
    delay = 0;
  g_debug ("Retrying part of %s in %u ms: %s", trawl_item_get_media_url (transfer->item), delay,
           error->message);
  _trawl_item_note_retry (transfer->item, error);
  g_error_free (error);
  if (split_running (transfer) == 0 && !transfer->split_sleeping)
    {
      transfer->split_sleeping = TRUE;
      _trawl_sleep_async (delay, transfer->task_cancellable, split_sleep_cb, task);
    }
}

static void
segment_progress_cb (TrawlSegment *segment,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);

  transfer->progress_us = MAX (transfer->progress_us, _trawl_segment_get_progress_time (segment));
  /* Bytes came after all: a connection left alone is again given the
   * shortest wait (see STUCK_US). */
  transfer->lone_stuck = 0;
  split_progress (transfer);
}

static void
segment_done_cb (TrawlSegment *segment,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  const GError *error = NULL;
  TrawlSegmentOutcome outcome = _trawl_segment_get_outcome (segment, &error);
  guint had = split_running (transfer);
  guint64 written = _trawl_segment_get_written (segment);
  guint64 end = _trawl_segment_get_end (segment);
  gboolean answered = _trawl_segment_has_answered (segment);
  guint64 first = _trawl_segment_get_first (segment);
  /* Enough to count: PROGRESS_RESETS_TRIES, or a quarter of its range (a
   * server that cuts each answer short still gets it all, in ever fewer
   * bytes per try). */
  gboolean progressed = written > first &&
                        written - first >= MIN ((guint64) PROGRESS_RESETS_TRIES,
                                                (end - first) / 4);
  guint64 seam_end = 0;
  GBytes *seam_bytes = _trawl_segment_get_seam (segment, &seam_end);
  Seam *across = seam_find (transfer, 0, segment);
  Seam *seam = across != NULL ? across : seam_find (transfer, first, NULL);
  gboolean checked_across = across != NULL;

  /* Whatever stopped it, what it did not write is missing still. */
  pool_add (transfer, written, end);
  g_ptr_array_remove_fast (transfer->segments, segment);
  if (checked_across)
    {
      seam->check = NULL;
      g_clear_pointer (&seam_bytes, g_bytes_unref);
    }
  if (checked_across && outcome == TRAWL_SEGMENT_DONE)
    g_ptr_array_remove (transfer->seams, seam);
  else if (seam != NULL && _trawl_segment_keeps_seam (segment) && written == first)
    g_ptr_array_remove (transfer->seams, seam);  /* nothing of its own was written after it */
  else if (seam != NULL && seam_bytes != NULL)
    {
      g_clear_pointer (&seam->bytes, g_bytes_unref);
      seam->bytes = g_steal_pointer (&seam_bytes);
    }
  g_clear_pointer (&seam_bytes, g_bytes_unref);

  switch (outcome)
    {
    case TRAWL_SEGMENT_REFUSED:
      g_debug ("%s refused one of %u connections: %s", g_uri_get_host (transfer->segment_uri),
               had, error != NULL ? error->message : "");
      _trawl_client_step_down (transfer->client, transfer->segment_uri, had);
      /* With other connections at work, a refusal costs no try. */
      if (had <= 1)
        split_failed (task, g_error_copy (error), progressed,
                      _trawl_segment_got_status (segment) ? SPLIT_REFUSED : SPLIT_BROKE);
      break;
    case TRAWL_SEGMENT_NO_RANGES:
      /* It sends the whole file when asked for a part: one connection,
       * and with no other at work, over from zero (as a download whose
       * server ignores ranges does). */
      _trawl_client_step_down (transfer->client, transfer->segment_uri, 1);
      if (had <= 1)
        split_redo (transfer, error, TRUE);
      break;
    case TRAWL_SEGMENT_CHANGED:
      /* A fresh connection that finds another file than the first one
       * did, or a seam whose sides each agreed with the bytes before them
       * but not with each other: the host's connections do not agree. */
      split_redo (transfer, error, _trawl_segment_keeps_seam (segment) || checked_across);
      break;
    case TRAWL_SEGMENT_FAILED:
      if (g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_NO_SPACE))
        split_fail (transfer, g_error_copy (error));
      else if (had > 1)
        /* Slow, cut or broken on one of several connections: the host
         * does not want that many (found by a review: extra connections
         * reset after 100 KB used up the tries in milliseconds and failed
         * the video); fewer, and no try counted. */
        _trawl_client_step_down (transfer->client, transfer->segment_uri, had);
      else
        split_failed (task, g_error_copy (error), progressed,
                      answered ? SPLIT_ANSWERED : SPLIT_BROKE);
      break;
    case TRAWL_SEGMENT_CANCELLED:
      /* Not by the user, nor by the transfer taking its range over
       * (nothing is left to it), but the session going away: counted as
       * a try, never a loop. */
      if (transfer->split_error == NULL && !transfer->redo && written < end &&
          !g_cancellable_is_cancelled (transfer->task_cancellable))
        split_failed (task, error != NULL ? g_error_copy (error)
                                          : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                 g_dgettext ("glib20",
                                                                   "Operation was cancelled")),
                      answered, SPLIT_BROKE);
      break;
    case TRAWL_SEGMENT_DONE:
    case TRAWL_SEGMENT_RUNNING:
    default:
      break;
    }
  split_progress (transfer);
  split_dispatch (task);
}

/* Bytes before @start that are in the .part: the segment that resumes
 * there compares them with the server's. */
static gsize
split_verify_size (Transfer *transfer,
                   guint64   start)
{
  g_autoptr(GArray) holes = split_holes (transfer);
  guint64 before = 0;

  for (guint i = 0; i < holes->len; i++)
    {
      TrawlRange *range = &g_array_index (holes, TrawlRange, i);

      if (range->end <= start)
        before = range->end;
      else if (range->start < start)
        return 0;  /* inside a hole: nothing before it is written */
    }
  return (gsize) MIN ((guint64) OVERLAP, start - before);
}

/* A connection for [@start, @end): @lead bytes before it compared with
 * the .part's (a resumed range), or kept as its seam (@seam). */
static void
split_start_segment (GTask    *task,
                     guint64   start,
                     guint64   end,
                     gsize     lead,
                     gboolean  seam)
{
  Transfer *transfer = g_task_get_task_data (task);
  TrawlSegmentContext context = {
    .client = transfer->client,
    .item = transfer->item,
    .url = transfer->segment_url,
    .fd = transfer->fd,
    .total = (guint64) transfer->total,
    .validator = _trawl_item_get_validator (transfer->item),
    .cancellable = transfer->task_cancellable,
    .progress = segment_progress_cb,
    .done = segment_done_cb,
    .user_data = task,
  };

  g_debug ("%s: connection %u for %" PRIu64 "-%" PRIu64, trawl_item_get_title (transfer->item),
           transfer->segments->len + 2, start, end);
  if (seam && lead > 0)
    seam_add (transfer, start);
  g_ptr_array_add (transfer->segments, _trawl_segment_start (&context, start, end, lead, seam));
}

/* Where this connection's bytes may reach: those received (see
 * received_end()), and all that a direct read out may still write (see
 * start_read()). Another connection's range starts no sooner. */
static guint64
primary_reach (Transfer *transfer)
{
  return received_end (transfer) + (transfer->direct ? transfer->granted : 0);
}

/* Spare connections to the video's host, within the per-host limit that
 * bounds pages, videos and segments together. */
static guint
split_spare (Transfer *transfer)
{
  guint per_host = trawl_client_get_per_host (transfer->client);
  guint busy = _trawl_client_get_in_flight (transfer->client, transfer->segment_uri);

  return per_host > busy ? per_host - busy : 0;
}

/* Whether one more connection may start for this video: the first
 * always, others within the connections per video the client and the
 * host allow, and the per-host limit. */
static gboolean
split_may_start (Transfer *transfer)
{
  guint limit = MIN (trawl_client_get_split (transfer->client),
                     _trawl_client_get_host_split (transfer->client, transfer->segment_uri));

  return split_running (transfer) == 0 ||
         (split_running (transfer) < limit && split_spare (transfer) > 0);
}

/* Halves the largest range a connection is reading, for a new one. */
static gboolean
split_steal (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 min_size = _trawl_client_get_min_split_size (transfer->client);
  TrawlSegment *largest = NULL;
  guint64 from = 0, end = 0, point;

  if (transfer->primary_busy && !transfer->eof)
    {
      from = primary_reach (transfer);
      end = MAX (transfer->primary_end, from);
    }
  for (guint i = 0; i < transfer->segments->len; i++)
    {
      TrawlSegment *segment = g_ptr_array_index (transfer->segments, i);
      guint64 received = _trawl_segment_get_received (segment);

      if (_trawl_segment_get_end (segment) - received > end - from)
        {
          largest = segment;
          from = received;
          end = _trawl_segment_get_end (segment);
        }
    }
  if (end < from + 2 * min_size)
    return FALSE;

  point = from + (end - from) / 2;
  if (largest != NULL)
    _trawl_segment_set_end (largest, point);
  else
    transfer->primary_end = point;
  split_start_segment (task, point, end, SEAM, TRUE);
  return TRUE;
}

/* The first split: what is left after this connection's read position
 * in equal parts, as many as the video and the spare connections allow
 * and none under the minimum size (halving alone would leave parts of
 * just under twice the minimum unsplit). */
static void
split_initial (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 min_size = _trawl_client_get_min_split_size (transfer->client);
  guint64 from = primary_reach (transfer);
  guint64 left = (guint64) transfer->total - MIN ((guint64) transfer->total, from);
  guint n = MIN (trawl_client_get_split (transfer->client),
                 _trawl_client_get_host_split (transfer->client, transfer->segment_uri));
  guint64 piece;

  n = (guint) MIN ((guint64) MIN (n, split_spare (transfer) + 1), left / min_size);
  if (n < 2)
    return;
  piece = left / n;
  transfer->primary_end = from + piece;
  for (guint i = 1; i < n; i++)
    split_start_segment (task, from + i * piece,
                         i + 1 < n ? from + (i + 1) * piece : (guint64) transfer->total, SEAM,
                         TRUE);
}

/* Gives missing ranges to connections, as many as the video and the host
 * allow; settles the task once nothing runs. */
static void
split_dispatch (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  if (transfer->split_error != NULL || transfer->redo ||
      g_cancellable_is_cancelled (transfer->task_cancellable))
    {
      split_settle (task);
      return;
    }

  while (transfer->pool->len > 0 && !transfer->split_sleeping && split_may_start (transfer))
    {
      TrawlRange range = g_array_index (transfer->pool, TrawlRange, 0);

      g_array_remove_index (transfer->pool, 0);
      gsize verify = split_verify_size (transfer, range.start);

      /* Nothing written before it (its neighbour is still at work): a
       * seam instead. */
      split_start_segment (task, range.start, range.end, verify > 0 ? verify : SEAM,
                           verify == 0);
    }
  while (transfer->pool->len == 0 && split_running (transfer) > 0 &&
         split_may_start (transfer) && split_steal (task))
    ;

  _trawl_item_set_connections (transfer->item, split_running (transfer));
  if (split_running (transfer) == 0)
    split_settle (task);
}

static gboolean
split_tick_cb (gpointer user_data);

/* This connection's range ended (or failed, @error): what it did not
 * write goes back to the pool. */
static void
primary_stopped (GTask  *task,
                 GError *error)
{
  Transfer *transfer = g_task_get_task_data (task);
  gboolean progressed = transfer->offset > 0;

  close_input (transfer);
  transfer->primary_busy = FALSE;
  pool_add (transfer, transfer->offset, transfer->primary_end);
  if (error != NULL)
    {
      if (transfer->write_failed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        split_fail (transfer, error);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_error_free (error);
      else
        split_failed (task, error, progressed, SPLIT_BROKE);
    }
  split_progress (transfer);
  split_dispatch (task);
}

/* The first connection is reading the body: if the file can be split and
 * connections are spare, the download becomes a split one. */
/* The CPU time of the whole process, over the cores it has: how busy
 * this machine is with the downloads (each read on a thread of its
 * own). */
static gint64
process_cpu_ns (void)
{
  struct timespec now;

  static guint cores;

  if (cores == 0)
    cores = g_get_num_processors ();  /* reads a file each time */
  if (clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now) != 0)
    return 0;
  return ((gint64) now.tv_sec * 1000000000 + now.tv_nsec) / cores;
}

/* Starts a new window of this connection's speed, and looks again
 * whether its host is known to throttle. */
static void
window_start (Transfer *transfer)
{
  transfer->window_started = g_get_monotonic_time ();
  transfer->window_cpu = process_cpu_ns ();
  transfer->window_received = received_end (transfer);
  transfer->window_limited = FALSE;
  /* Another download may have found the host throttling meanwhile. */
  transfer->host_throttles =
    _trawl_client_get_host_throttles (transfer->client, soup_message_get_uri (transfer->message));
}

/* Whether the window that has just ended found this connection slower
 * than SPLIT_BELOW, while the process used less than SPLIT_BUSY_BELOW of
 * the machine and the speed limit held no read back: the server, not
 * this machine or the user's limit, held it back. FALSE until a window
 * ends. */
static gboolean
connection_slow (Transfer *transfer)
{
  gint64 elapsed = g_get_monotonic_time () - transfer->window_started;
  guint64 received = received_end (transfer);
  gboolean slow;

  if (elapsed < SPLIT_WINDOW_US)
    return FALSE;
  slow = !transfer->window_limited && !transfer->waiting &&
         (received - transfer->window_received) * (double) G_USEC_PER_SEC / elapsed <
         SPLIT_BELOW &&
         (process_cpu_ns () - transfer->window_cpu) / 1000.0 < SPLIT_BUSY_BELOW * elapsed;
  window_start (transfer);
  return slow;
}

/* The range right after this connection's, or 0: one waiting in the
 * pool (taken out of it), or one a connection has received nothing of
 * yet (taken from it: it stops). */
static guint64
primary_next (Transfer *transfer,
              guint64   answer_end)
{
  for (guint i = 0; i < transfer->pool->len; i++)
    {
      TrawlRange next = g_array_index (transfer->pool, TrawlRange, i);

      if (next.start == transfer->primary_end && next.end <= answer_end)
        {
          g_array_remove_index (transfer->pool, i);
          return next.end;
        }
    }
  for (guint i = 0; i < transfer->segments->len; i++)
    {
      TrawlSegment *segment = g_ptr_array_index (transfer->segments, i);
      guint64 end = _trawl_segment_get_end (segment);

      if (_trawl_segment_get_first (segment) == transfer->primary_end &&
          _trawl_segment_get_received (segment) == transfer->primary_end && end <= answer_end)
        {
          /* Nothing in a second while this connection brought its range:
           * the host does not serve several well. */
          if (_trawl_segment_get_age (segment) >= IDLE_NEIGHBOUR_US)
            _trawl_client_step_down (transfer->client, transfer->segment_uri,
                                     split_running (transfer));
          _trawl_segment_set_end (segment, transfer->primary_end);
          _trawl_segment_cancel (segment);
          return end;
        }
    }
  return 0;
}

/* This connection's range is all read and its answer goes on: the range
 * after it is read on it too when it waits in the pool or its connection
 * has brought nothing yet, rather than on a new connection. Cheaper, a
 * server that allows one connection could refuse the new one while this
 * one is still closing, and one that never sends the extra connections'
 * bytes is not waited for (found by a review: a host stepped down to one
 * connection answered the next range with 404 and the video failed;
 * extra connections answered with headers and silence held the video
 * for three timeouts). Not after a read brought bytes past the end (they
 * were dropped: the answer is ahead of the range). Returns whether the
 * range grew. */
static gboolean
primary_extend (Transfer *transfer)
{
  guint64 answer_end = transfer->slice_end >= 0 ? (guint64) transfer->slice_end
                                                : (guint64) transfer->total;
  gboolean grew = FALSE;
  guint64 next;

  while (!transfer->primary_overran && (next = primary_next (transfer, answer_end)) > 0)
    {
      transfer->primary_end = next;
      grew = TRUE;
    }
  return grew;
}

static void
maybe_split (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 min_size = _trawl_client_get_min_split_size (transfer->client);
  g_autoptr(GUri) uri = NULL;

  if (transfer->split || !transfer->ranges_ok || transfer->input == NULL ||
      transfer->eof || transfer->sniffing || transfer->verify_left > 0 || transfer->confirming ||
      transfer->total_from_part || transfer->total <= 0 || transfer->failure != NULL ||
      trawl_client_get_split (transfer->client) < 2 ||
      (guint64) transfer->total < primary_reach (transfer) + 2 * min_size)
    return;

  /* A host known to throttle each connection: split at once. */
  if (!transfer->host_throttles && !connection_slow (transfer))
    return;

  uri = soup_uri_copy (soup_message_get_uri (transfer->message), SOUP_URI_NONE);
  if (_trawl_client_get_host_split (transfer->client, uri) < 2)
    return;
  if (!transfer->host_throttles)
    _trawl_client_set_host_throttles (transfer->client, uri);
  g_clear_pointer (&transfer->segment_uri, g_uri_unref);
  transfer->segment_uri = g_uri_ref (uri);
  if (split_spare (transfer) == 0)
    return;

  g_free (transfer->segment_url);
  transfer->segment_url = g_uri_to_string (uri);
  transfer->split = TRUE;
  transfer->primary_busy = TRUE;
  transfer->primary_end = (guint64) transfer->total;
  transfer->split_failures = 0;
  /* The holes are saved before any other connection writes a byte: from
   * now on the file's length says nothing of what it holds. Where they
   * cannot be, the download is not split. */
  if (!split_save (transfer))
    {
      transfer->split = FALSE;
      transfer->primary_busy = FALSE;
      _trawl_client_step_down (transfer->client, transfer->segment_uri, 1);
      return;
    }
  split_initial (task);
  split_dispatch (task);
  g_clear_handle_id (&transfer->tick_source, g_source_remove);
  transfer->tick_source = g_timeout_add (SPLIT_TICK_MS, split_tick_cb, task);
}

/* Extra connections that stopped bringing bytes while the others of this
 * video went on (found by a review: a server that answered every other
 * range with headers and silence held the video for three timeouts):
 * each stops, its range goes back to the pool for another connection,
 * and the host gets fewer. A stall of every connection is the network's
 * or the server's, left to the timeout. */
static void
split_unstick (Transfer *transfer)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < transfer->segments->len; i++)
    {
      TrawlSegment *segment = g_ptr_array_index (transfer->segments, i);
      gint64 last = _trawl_segment_get_progress_time (segment);
      guint64 from = _trawl_segment_get_received (segment);
      guint64 end = _trawl_segment_get_end (segment);
      gboolean silent = _trawl_segment_brought_nothing (segment);
      gboolean others_went_on = transfer->progress_us > last;
      gboolean silent_alone =
        transfer->stuck_seen && silent &&
        now - last >= STUCK_US << MIN (transfer->lone_stuck, LONE_STUCK_DOUBLINGS);

      /* (A check across a seam has no range of its own, only the bytes
       * around it: silent, it is asked again.) */
      if (now - last < STUCK_US || (from >= end && !silent) ||
          (!others_went_on && !silent_alone))
        continue;
      transfer->stuck_seen = TRUE;
      if (!others_went_on)
        transfer->lone_stuck++;
      g_debug ("%s: the connection for %" PRIu64 "-%" PRIu64 " is stuck",
               trawl_item_get_title (transfer->item), from, end);
      _trawl_client_step_down (transfer->client, transfer->segment_uri,
                               split_running (transfer));
      _trawl_segment_set_end (segment, from);
      pool_add (transfer, from, end);
      _trawl_segment_cancel (segment);
    }
}

static gboolean
split_tick_cb (gpointer user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);

  if (transfer->split)
    {
      split_unstick (transfer);
      if (split_running (transfer) > 0)
        split_dispatch (task);
    }
  else
    maybe_split (task);
  return G_SOURCE_CONTINUE;
}

/* Whether every range the file system keeps unwritten in the .part (of
 * @size bytes) lies in one of @holes (NULL: there are none, as in a
 * one-connection .part). A gap where the list says bytes are was made
 * from outside, or by a crash (found by a review: a punched 1 MiB was
 * finished as zeros). A file system that stores runs of zeros as holes
 * makes a good .part look so: it is fetched again, which costs time,
 * never a wrong file. */
static gboolean
gaps_in_holes (int      fd,
               off_t    size,
               GArray  *holes)
{
  off_t at = 0;

  while (at < size)
    {
      off_t gap = lseek (fd, at, SEEK_HOLE);
      off_t data;
      gboolean listed = FALSE;

      if (gap < 0 || gap >= size)
        return TRUE;
      data = lseek (fd, gap, SEEK_DATA);
      if (data < 0 || data > size)
        data = size;
      for (guint i = 0; holes != NULL && i < holes->len && !listed; i++)
        {
          TrawlRange *range = &g_array_index (holes, TrawlRange, i);

          listed = range->start <= (guint64) gap && (guint64) data <= range->end;
        }
      if (!listed)
        return FALSE;
      at = data;
    }
  return TRUE;
}

/* Whether the .part is as long as @holes say: every byte outside them
 * must be in it. Connections only ever write forward from where they
 * began, so a written byte never lies past the file's end; a list that
 * says otherwise was not written by Trawl, and the comparison before a
 * hole past the end could not be made. Nor is a .part longer than its
 * file Trawl's (found by a review: it failed every run as "ended
 * early"), nor one with gaps outside its holes. */
static gboolean
holes_fit (Transfer *transfer,
           GArray   *holes)
{
  guint64 present_end = (guint64) transfer->identity.size;
  struct stat st;

  if (holes->len > 0)
    {
      TrawlRange *last = &g_array_index (holes, TrawlRange, holes->len - 1);

      if (last->end >= present_end)
        present_end = last->start;
    }
  return fstat (transfer->fd, &st) == 0 && (guint64) st.st_size >= present_end &&
         st.st_size <= transfer->identity.size && gaps_in_holes (transfer->fd, st.st_size, holes);
}

/* A .part saved with holes: each of them is fetched again (the download
 * is a split one from the start). Returns FALSE when there are none. */
static gboolean
resume_split (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  g_autoptr(GArray) holes = NULL;
  g_autoptr(GArray) seams = NULL;
  g_autofree char *key = _trawl_item_archive_key (transfer->item);

  if (transfer->identity.holes == NULL)
    return FALSE;
  if (transfer->identity.size <= 0 || g_strcmp0 (transfer->identity.source, key) != 0)
    {
      /* Holes of a length that cannot be read: nothing in the .part can
       * be trusted. */
      transfer->from_zero = TRUE;
      return FALSE;
    }
  holes = _trawl_part_parse_holes (transfer->identity.holes, (guint64) transfer->identity.size,
                                   &seams);
  if (holes == NULL || !holes_fit (transfer, holes))
    {
      /* Not a list that can be trusted: nothing in the .part can be. */
      transfer->from_zero = TRUE;
      return FALSE;
    }

  transfer->split = TRUE;
  transfer->total = transfer->identity.size;
  transfer->primary_busy = FALSE;
  transfer->primary_end = 0;
  transfer->offset = 0;
  g_array_set_size (transfer->pool, 0);
  g_array_append_vals (transfer->pool, holes->data, holes->len);
  g_ptr_array_set_size (transfer->seams, 0);
  for (guint i = 0; i < seams->len; i++)
    seam_add (transfer, g_array_index (seams, guint64, i));
  g_free (transfer->segment_url);
  transfer->segment_url = g_strdup (trawl_item_get_media_url (transfer->item));
  g_clear_pointer (&transfer->segment_uri, g_uri_unref);
  transfer->segment_uri = g_uri_parse (transfer->segment_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (transfer->segment_uri == NULL)
    return FALSE;
  if (transfer->tick_source == 0)
    transfer->tick_source = g_timeout_add (SPLIT_TICK_MS, split_tick_cb, task);
  split_progress (transfer);
  split_dispatch (task);
  return TRUE;
}

static void
complete (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);

  if (transfer->split)
    {
      primary_stopped (task, NULL);
      return;
    }
  close_input (transfer);
  if (transfer->total_from_part && transfer->verify_left == 0 &&
      transfer->offset != (guint64) transfer->total)
    {
      g_autofree char *name = display_name (transfer->part_path);

      attempt_failed (task,
                      g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The server announced %" PRId64 " bytes before and no length "
                                     "now, and sent %" PRIu64 "; if the video changed, delete %s "
                                     "to start over"),
                                   transfer->total, transfer->offset, name));
      return;
    }
  /* A whole slice of a server that answers ranges in slices (some CDNs
   * cap each answer): the next one is asked for at once, without a try
   * counted, from where this one ended. */
  if (transfer->verify_left == 0 && transfer->total >= 0 &&
      transfer->offset < (guint64) transfer->total && transfer->slice_end > 0 &&
      transfer->offset == (guint64) transfer->slice_end)
    {
      transfer->sliced = TRUE;
      again (task, FALSE);
      return;
    }
  if (transfer->verify_left > 0 ||
      (transfer->total >= 0 && transfer->offset != (guint64) transfer->total))
    {
      attempt_failed (task,
                      g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                   _("The download ended early (%" PRIu64 " of %" PRId64 " bytes)"),
                                   transfer->offset, transfer->total));
      return;
    }

  if (transfer->offset == 0)
    {
      return_error (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                                               _("The server sent an empty file")));
      return;
    }

  /* No length was announced: only a confirmation makes it whole. A
   * probe that brought nothing and no length proves nothing either. */
  if (transfer->total < 0 && transfer->unconfirmed != (gint64) transfer->offset)
    {
      if (transfer->probed_at != (gint64) transfer->offset)
        probe_end (task);
      else if (count_reread (task))
        again (task, TRUE);
      return;
    }

  _trawl_item_set_progress (transfer->item, transfer->offset, (gint64) transfer->offset);
  if (transfer->renamed)
    finished (task);
  else
    finish_async (task);
}

/* A full disk in words a user can act on; that a partial download is
 * kept is said only when there is one (an empty .part is removed). */
static GError *
write_error (Transfer *transfer,
             GError   *error)
{
  GError *full;
  struct stat st;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return error;

  g_error_free (error);
  if (fstat (transfer->fd, &st) == 0 && st.st_size > 0)
    full = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
                                _("No space left on the disk; the partial download is kept "
                                  "and resumes when there is room"));
  else
    full = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
                                _("No space left on the disk"));
  return full;
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
transfer_write_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;

  g_assert (G_IS_TASK (task));

  transfer->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, &error))
    {
      fail_op (task, write_error (transfer, error), TRUE);
      return;
    }

  transfer->tail += written;
  transfer->offset += written;
  if (transfer->split)
    split_progress (transfer);
  else
    {
      _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
      maybe_split (task);
    }
  pump (task);
}

/* The first bytes of the containers a video (or its sound) comes in,
 * strict enough that no text matches: a box size before an MP4 box type,
 * two sync bytes of a transport stream, a version after a tag. */
static gboolean
is_media_signature (const guint8 *data,
                    gsize         length)
{
  const char *boxes[] = { "ftyp", "styp", "moov", "moof", "mdat", "free", "skip", "wide",
                          "pnot", "uuid", "sidx", "emsg", "prft" };
  static const guint8 asf[] = { 0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11 };

  /* MP4 and its kin: a first box of less than 16 MiB (or of size 1, with
   * a 64-bit size) of a known type; one of the types text could spell
   * ("free", "skip"…) must be followed by another box's type where the
   * window reaches it. */
  if (length >= 8 && data[0] == 0 && (data[1] | data[2] | data[3]) != 0)
    for (guint i = 0; i < G_N_ELEMENTS (boxes); i++)
      if (memcmp (data + 4, boxes[i], 4) == 0)
        {
          gsize size = (gsize) data[1] << 16 | (gsize) data[2] << 8 | data[3];
          gboolean strong = i < 4;  /* ftyp, styp, moov, moof */

          if (strong || size == 1)
            return TRUE;
          if (size < 8)
            return FALSE;
          /* A box bigger than the window (a zero-filled free box): no
           * second header to see. */
          if (size + 8 > length)
            return TRUE;
          return g_ascii_isalnum (data[size + 4]) && g_ascii_isalnum (data[size + 5]) &&
                 g_ascii_isalnum (data[size + 6]) && g_ascii_isalnum (data[size + 7]);
        }
  /* YUV4MPEG2, and raw H.264/H.265: an Annex B start code, then the NAL
   * units a stream begins with (delimiter, SEI, parameter sets). */
  if ((length >= 10 && memcmp (data, "YUV4MPEG2 ", 10) == 0) ||
      (length >= 5 && memcmp (data, "\0\0\0\x01", 4) == 0 &&
       strchr ("\x09\x06\x67\x27\x47\x40\x42\x44\x46", data[4]) != NULL && data[4] != 0))
    return TRUE;
  if (length >= 4 && (memcmp (data, "\x1a\x45\xdf\xa3", 4) == 0 ||  /* Matroska, WebM */
                      memcmp (data, "FLV\x01", 4) == 0 || memcmp (data, "fLaC", 4) == 0 ||
                      memcmp (data, "\0\0\x01\xba", 4) == 0 ||  /* MPEG program stream */
                      memcmp (data, "\0\0\x01\xb3", 4) == 0))
    return TRUE;
  if (length >= 12 && memcmp (data, "RIFF", 4) == 0 &&
      (memcmp (data + 8, "AVI ", 4) == 0 || memcmp (data + 8, "WAVE", 4) == 0))
    return TRUE;
  if (length >= 5 && memcmp (data, "OggS", 4) == 0 && data[4] == 0)
    return TRUE;
  if (length >= sizeof asf && memcmp (data, asf, sizeof asf) == 0)
    return TRUE;
  /* MPEG transport stream: a sync byte every 188 (or 192, or 204) bytes
   * through the whole window, packet headers that say "not scrambled",
   * and not every header the same (lines of text that begin with a G can
   * repeat at that step; a stream's packets count up, or are stuffing). */
  for (gsize start = 0; start <= 4; start += 4)
    for (gsize packet = 188; packet <= 204; packet += packet == 188 ? 4 : 12)
      {
        gboolean synced = length > start + 2 * packet;
        gboolean varied = FALSE;

        for (gsize at = start; synced && at + 3 < length; at += packet)
          {
            synced = data[at] == 0x47 && (data[at + 3] & 0xC0) == 0;
            if (at > start && memcmp (data + at + 1, data + start + 1, 3) != 0)
              varied = TRUE;
          }
        if (synced && (varied || ((data[start + 1] & 0x1F) == 0x1F && data[start + 2] == 0xFF)))
          return TRUE;
      }
  /* MP3 or AAC: an ID3v2 tag, or a frame sync (FF FE and FF FF are the
   * UTF-16 byte-order mark and padding, not audio). */
  return (length >= 5 && memcmp (data, "ID3", 3) == 0 && data[3] >= 2 && data[3] <= 4 &&
          data[4] != 0xFF) ||
         (length >= 2 && data[0] == 0xFF && (data[1] & 0xE0) == 0xE0 && data[1] < 0xFE);
}

/* Compressed data (gzip, zlib, zstd, bzip2, xz): a page sent compressed
 * without saying so. No video container begins like these. Returns the
 * format's name, or NULL. */
static const char *
compressed_data (const guint8 *data,
                 gsize         length)
{
  if (length < 4)
    return NULL;
  if (data[0] == 0x1F && data[1] == 0x8B)
    return "gzip";
  if (data[0] == 0x78 && (data[1] == 0x01 || data[1] == 0x5E || data[1] == 0x9C ||
                          data[1] == 0xDA))
    return "zlib";
  if (memcmp (data, "\x28\xb5\x2f\xfd", 4) == 0)
    return "zstd";
  if (memcmp (data, "BZh", 3) == 0)
    return "bzip2";
  if (length >= 6 && memcmp (data, "\xfd\x37\x7a\x58\x5a\x00", 6) == 0)
    return "xz";
  return NULL;
}

/* UTF-16 text in one script (Latin, Greek, Cyrillic, Hebrew, Arabic…),
 * with or without a byte-order mark: the high bytes of its code units
 * take a handful of values, and the code points are printable. */
static gboolean
is_utf16_text (const guint8 *data,
               gsize         length)
{
  for (guint high = 0; high < 2; high++)
    {
      gboolean seen[256] = { FALSE };
      guint distinct = 0;
      gsize units = length / 2;
      gsize printable = 0;

      for (gsize i = 0; i + 1 < length && distinct <= 4; i += 2)
        {
          guint8 hi = data[i + high];

          if (!seen[hi])
            {
              seen[hi] = TRUE;
              distinct++;
            }
        }
      /* Most bodies (a video's bytes) end it here, before the costlier
       * look at each character. */
      if (distinct > 4)
        continue;
      for (gsize i = 0; i + 1 < length; i += 2)
        {
          gunichar c = (gunichar) data[i + high] << 8 | data[i + 1 - high];

          if (g_unichar_isprint (c) || g_unichar_isspace (c) || c == 0xFEFF)
            printable++;
        }
      if (units >= 4 && distinct <= 4 && printable * 10 >= units * 9)
        return TRUE;
    }
  return FALSE;
}

/* Text in any encoding has hardly a control byte, where other bytes have
 * one in nine. NULs (padding) are left out of the count, and so are the
 * escape and backspace of coloured or overstruck terminal text; a few
 * stray ones do not make a message binary. */
static gboolean
is_text (const guint8 *data,
         gsize         length)
{
  gsize control = 0;
  gsize counted = 0;

  if (is_utf16_text (data, length))
    return TRUE;

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == 0)
        continue;
      counted++;
      if (data[i] < 0x20 && !g_ascii_isspace (data[i]) && data[i] != 0x1B && data[i] != 0x08)
        control++;
    }
  return control * 20 <= counted + 19;
}

/* A copy of @data, lower case, without NULs (UTF-16, or padding). */
static char *
plain_lower (const guint8 *data,
             gsize         length)
{
  char *plain = g_malloc (length + 1);
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    if (data[i] != 0)
      plain[n++] = g_ascii_tolower (data[i]);
  plain[n] = '\0';
  return plain;
}

/* Markup: a page (an error, a login, a captcha), whatever surrounds it. */
static gboolean
has_markup (const char *plain)
{
  const char *tags[] = { "<html", "<!doctype", "<head", "<body", "<?xml", "<script" };

  for (guint t = 0; t < G_N_ELEMENTS (tags); t++)
    if (strstr (plain, tags[t]) != NULL)
      return TRUE;
  return FALSE;
}

/* Starts like markup or JSON (after a byte-order mark and spaces). */
static gboolean
starts_like_page (const char *plain)
{
  const char *p = plain;

  if (g_str_has_prefix (p, "\xef\xbb\xbf"))
    p += 3;
  else if (g_str_has_prefix (p, "\xff\xfe") || g_str_has_prefix (p, "\xfe\xff"))
    p += 2;
  while (g_ascii_isspace (*p))
    p++;
  return *p == '{' || *p == '[' ||
         (*p == '<' && (g_ascii_isalpha (p[1]) || p[1] == '!' || p[1] == '?'));
}

typedef enum
{
  BODY_MEDIA,
  BODY_PAGE,
  BODY_MESSAGE,
  BODY_COMPRESSED,
  BODY_IMAGE,
} BodyKind;

/* A picture (a "video removed" placeholder of an image host): PNG, JPEG,
 * GIF or WebP. Returns its format's name, or NULL. */
static const char *
image_data (const guint8 *data,
            gsize         length)
{
  if (length >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "PNG";
  if (length >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
    return "JPEG";
  if (length >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return "GIF";
  if (length >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return "WebP";
  return NULL;
}

/* What the first bytes of a body that should be a video are: a known
 * container first; then markup anywhere, compressed data, a body the
 * server calls a page (HTML, JSON, XML), and text (a page if it starts
 * like one, else a message); bytes that are none of these are taken for a
 * video in a format not listed. */
static BodyKind
classify_body (const guint8 *data,
               gsize         length,
               const char   *content_type)
{
  g_autofree char *plain = NULL;

  if (is_media_signature (data, length))
    return BODY_MEDIA;

  plain = plain_lower (data, length);
  if (has_markup (plain))
    return BODY_PAGE;
  if (compressed_data (data, length) != NULL)
    return BODY_COMPRESSED;
  if (image_data (data, length) != NULL)
    return BODY_IMAGE;
  if (content_type != NULL && trawl_content_type_is_page (content_type) &&
      g_ascii_strcasecmp (content_type, "text/plain") != 0)
    return BODY_PAGE;
  if (!is_text (data, length))
    return BODY_MEDIA;
  return starts_like_page (plain) ? BODY_PAGE : BODY_MESSAGE;
}

/* The first line of a text body, to show: printable characters only (a
 * server's escape sequences must not rewrite the terminal); a placeholder
 * where it is not UTF-8. */
static char *
first_line (const guint8 *data,
            gsize         length)
{
  g_autofree char *text = NULL;
  GString *shown;
  gsize i = 0;

  if (is_utf16_text (data, length))
    return g_strdup (_("text in UTF-16"));
  /* Up to a NUL, if there is one, after leading NULs and blank lines. */
  while (i < length && (data[i] == 0 || g_ascii_isspace (data[i])))
    i++;
  text = g_strndup ((const char *) data + i, length - i);
  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup (_("text in another encoding"));

  shown = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && *p != '\n' && *p != '\r'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isprint (c) || c == ' ')
        g_string_append_unichar (shown, c);
      if (g_utf8_strlen (shown->str, -1) >= 120)
        break;
    }
  g_strstrip (shown->str);
  if (*shown->str == '\0')
    {
      g_string_free (shown, TRUE);
      return g_strdup (_("nothing readable"));
    }
  return g_string_free (shown, FALSE);
}

/* Once enough of the body is in (or all of it), looks at its start: only
 * a video is written; a page, a message or compressed data fails the
 * attempt before a byte of it is, whatever the Content-Type said. */
/**
 * _trawl_check_media_start:
 * @data: the first bytes of an answer (up to SNIFF_BYTES)
 * @content_type: (nullable): the answer's Content-Type
 *
 * Whether an answer that starts so is a video (or sound) file; %FALSE
 * with %TRAWL_ERROR_NOT_MEDIA saying what it is instead. HLS playlists are
 * the caller's to look for first.
 */
gboolean
_trawl_check_media_start (const guint8  *data,
                          gsize          length,
                          const char    *content_type,
                          GError       **error)
{
  g_autofree char *text = NULL;

  switch (classify_body (data, length, content_type))
    {
    case BODY_MEDIA:
      return TRUE;
    case BODY_PAGE:
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                   _("The server sent a web page (%s) instead of the video"),
                   content_type != NULL ? content_type : "?");
      return FALSE;
    case BODY_IMAGE:
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                   _("The server sent an image (%s) instead of the video"),
                   image_data (data, length));
      return FALSE;
    case BODY_COMPRESSED:
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                   _("The server sent compressed data (%s) instead of the video"),
                   compressed_data (data, length));
      return FALSE;
    case BODY_MESSAGE:
    default:
      text = first_line (data, length);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                   _("The server sent a message instead of the video: “%s”"), text);
      return FALSE;
    }
}

/* What the .part is, for whoever continues it: this answer's video (its
 * holes are left as they are). */
static void
answer_identity (Transfer          *transfer,
                 TrawlPartIdentity *identity)
{
  g_free (identity->source);
  identity->source = _trawl_item_archive_key (transfer->item);
  identity->size = transfer->total;
  g_free (identity->validator);
  identity->validator = g_strdup (_trawl_item_get_validator (transfer->item));
}

static void
set_identity (Transfer *transfer)
{
  answer_identity (transfer, &transfer->identity);
  _trawl_part_write_identity (transfer->fd, transfer->part_path, &transfer->identity);
}

/* The answer from the start is the video: the .part starts over, then
 * says what it now holds. Emptied before its holes go: an empty .part
 * under a list of holes is not trusted (see holes_fit()), a full one
 * without them would be. */
static gboolean
empty_part (Transfer *transfer)
{
  transfer->part_to_empty = FALSE;
  if (ftruncate (transfer->fd, 0) != 0)
    {
      int saved = errno;

      transfer->failure = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved), "%s",
                                       g_strerror (saved));
      transfer->write_failed = TRUE;
      g_cancellable_cancel (transfer->cancellable);
      return FALSE;
    }
  g_clear_pointer (&transfer->identity.holes, g_free);
  set_identity (transfer);
  transfer->from_zero = FALSE;
  return TRUE;
}

static void
sniff (Transfer *transfer)
{
  gsize used = transfer->head - transfer->tail;
  gsize length = MIN (used, SNIFF_BYTES);
  const guint8 *start = transfer->ring + transfer->tail % RING_SIZE;
  const char *content_type;

  if (used < SNIFF_BYTES && !transfer->eof)
    return;

  transfer->sniffing = FALSE;
  if (length == 0)
    {
      if (transfer->part_to_empty)
        empty_part (transfer);
      return;
    }

  if (_trawl_hls_looks_like (start, length))
    {
      /* Taken over once nothing is in flight (attempt_failed()). */
      transfer->playlist = TRUE;
      transfer->failure = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_STREAM, "HLS");
      transfer->write_failed = TRUE;
      g_cancellable_cancel (transfer->cancellable);
      return;
    }

  content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (transfer->message), NULL);
  /* The ring wraps only far beyond SNIFF_BYTES: the start is contiguous. */
  if (_trawl_check_media_start (start, length, content_type, &transfer->failure))
    {
      if (transfer->part_to_empty)
        empty_part (transfer);
      return;
    }

  transfer->write_failed = TRUE;
  g_cancellable_cancel (transfer->cancellable);
}

/* The first bytes of a resumed body are the end of the .part again: they
 * must be the same, or this is not the file the .part was started from.
 * Compared, not written, they leave the ring at once. Returns how many of
 * the @n bytes just read were compared, or -1 on a difference. */
static gssize
verify (Transfer *transfer,
        gsize     n)
{
  gsize checked = MIN (n, transfer->verify_left);
  gsize start = transfer->overlap_size - transfer->verify_left;

  if (memcmp (transfer->ring + transfer->head % RING_SIZE, transfer->overlap + start,
              checked) != 0)
    return -1;

  transfer->verify_left -= checked;
  transfer->head += checked;
  transfer->tail += checked;
  return (gssize) checked;
}

/* Takes in the @n bytes a read put at the head of the ring (0: the body
 * ended). Returns FALSE when they failed the attempt. */
static gboolean
took_bytes (GTask  *task,
            gssize  n)
{
  Transfer *transfer = g_task_get_task_data (task);

  if ((gsize) n < transfer->granted)
    _trawl_client_give_back_bytes (transfer->client, transfer->granted - n);
  transfer->deadline.bytes += n;
  if (n > 0)
    transfer->progress_us = g_get_monotonic_time ();
  if (n == 0)
    transfer->eof = TRUE;

  if (n > 0 && transfer->verify_left > 0)
    {
      gssize checked = verify (transfer, n);

      if (checked < 0)
        {
          transfer->from_zero = TRUE;
          fail_op (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                              _("The partial download is not the file on the "
                                                "server now; starting over")),
                   TRUE);
          return FALSE;
        }
      n -= checked;
    }
  /* Split: the end came closer while this read was out, and what is
   * past it is another connection's. */
  if (transfer->split)
    {
      gssize kept = (gssize) MIN ((guint64) n, transfer->primary_end -
                                  MIN (transfer->primary_end, received_end (transfer)));

      transfer->primary_overran = transfer->primary_overran || kept < n;
      n = kept;
    }

  transfer->head += n;
  return TRUE;
}

static void
last_written (GTask  *task,
              Finish *finish)
{
  Transfer *transfer = g_task_get_task_data (task);

  transfer->tail += finish->written;
  transfer->offset += finish->written;
  if (finish->write_error != NULL)
    {
      fail_op (task, write_error (transfer, g_steal_pointer (&finish->write_error)), TRUE);
      return;
    }
  /* Renamed, or not (someone took the name meanwhile): complete() goes
   * on from there. */
  transfer->renamed = finish->rename_error == NULL;
  _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
  pump (task);
}

/* A small body: what the reading thread made of it, when it took it
 * (see whole_body()). */
static void
whole_body_done (GTask  *task,
                 Finish *whole)
{
  Transfer *transfer = g_task_get_task_data (task);

  /* As sniff() and empty_part() would have left it. */
  transfer->sniffing = FALSE;
  if (whole->identity.source != NULL)
    {
      _trawl_part_identity_clear (&transfer->identity);
      transfer->identity = whole->identity;
      memset (&whole->identity, 0, sizeof whole->identity);
      transfer->part_to_empty = FALSE;
      transfer->from_zero = FALSE;
    }
  last_written (task, whole);
}

/* On the reading thread: a small body read whole is looked at, written,
 * synced and renamed there, as sniff(), empty_part() and last_write()
 * would do, so that a small file costs one trip to a thread, not two.
 * Anything else (a page, a body of another length) is left to them. */
static gboolean
whole_body_then (const guint8 *data,
                 gsize         length,
                 gpointer      user_data)
{
  Finish *whole = user_data;
  gsize start = MIN (length, SNIFF_BYTES);

  if (length != whole->expected || _trawl_hls_looks_like (data, start) ||
      classify_body (data, start, whole->content_type) != BODY_MEDIA)
    return FALSE;

  /* Emptied, then said to be this video, before its bytes are written. */
  if (ftruncate (whole->fd, 0) != 0)
    {
      int saved = errno;

      _trawl_part_identity_clear (&whole->identity);
      whole->write_error = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved), "%s",
                                        g_strerror (saved));
      return TRUE;
    }
  _trawl_part_write_identity (whole->fd, whole->part, &whole->identity);
  whole->data = data;
  whole->length = length;
  finish_run (whole, NULL);
  return TRUE;
}

/* The reading thread may finish the body the next read brings: it is
 * the first read of an answer from the start that ends within it. */
static Finish *
whole_body (Transfer *transfer,
            gsize     length)
{
  Finish *whole;

  if (!transfer->sniffing || !transfer->part_to_empty || transfer->split ||
      transfer->verify_left > 0 || transfer->head != transfer->tail || transfer->writing ||
      transfer->failure != NULL || length == 0)
    return NULL;

  whole = finish_new (transfer);
  whole->expected = length;
  whole->content_type = g_strdup (soup_message_headers_get_content_type (
    soup_message_get_response_headers (transfer->message), NULL));
  answer_identity (transfer, &whole->identity);
  return whole;
}

static void
transfer_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  TrawlBodyRead body;
  Finish *whole;
  gboolean ok;

  g_assert (G_IS_TASK (task));

  transfer->reading = FALSE;
  transfer->direct = FALSE;
  ok = _trawl_read_body_finish (result, &body, &error);
  whole = g_steal_pointer (&transfer->whole);
  if (body.then_ran)
    {
      /* Read, looked at, written and renamed on the reading thread. */
      took_bytes (task, (gssize) body.got);
      transfer->granted = 0;
      took_bytes (task, 0);
      whole_body_done (task, whole);
      finish_free (whole);
      return;
    }
  g_clear_pointer (&whole, finish_free);
  if (body.got > 0 || (ok && body.eof))
    {
      if (!took_bytes (task, (gssize) body.got))
        {
          g_clear_error (&error);
          g_clear_error (&body.write_error);
          return;
        }
      transfer->granted = 0;
    }
  else
    _trawl_client_give_back_bytes (transfer->client, transfer->granted);
  if (body.written > 0)
    {
      /* Written by the reading thread (see start_read()); the download
       * may have been split meanwhile. */
      transfer->tail += body.written;
      transfer->offset += body.written;
      if (transfer->split)
        split_progress (transfer);
      else
        _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
    }
  if (body.write_error != NULL)
    {
      g_clear_error (&error);
      fail_op (task, write_error (transfer, body.write_error), TRUE);
      return;
    }
  if (body.got > 0 && body.eof && ok && !took_bytes (task, 0))
    return;
  if (!ok)
    {
      /* What came is looked at first: it is kept for the next try only
       * once it is known to be the video. */
      if (transfer->sniffing && body.got > 0)
        sniff (transfer);
      fail_op (task, error, FALSE);
      return;
    }
  /* Also right after the first bytes were looked at, for a host known
   * to throttle. */
  if (body.got > 0)
    maybe_split (task);
  pump (task);
}

static void
transfer_rate_wait_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;

  g_assert (G_IS_TASK (task));

  transfer->waiting = FALSE;
  transfer->deadline.waiting = FALSE;
  /* A wait may last longer than a window: each window it touched was
   * held back. */
  transfer->window_limited = TRUE;
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

/* Whether the ring holds all of the body that is still to be written:
 * its announced length is reached and nothing is left to compare. */
static gboolean
body_in_ring (Transfer *transfer)
{
  return !transfer->split && transfer->total >= 0 && transfer->verify_left == 0 &&
         received_end (transfer) == (guint64) transfer->total;
}

static void
last_write_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);

  transfer->writing = FALSE;
  last_written (task, g_task_get_task_data (G_TASK (result)));
}

/* The end of a body the ring holds whole, written by the worker that
 * then syncs and renames: one trip to a thread for a small file rather
 * than two (a third of the time a 256 KiB file took was such trips). */
static void
last_write (GTask *task,
            gsize  position,
            gsize  length)
{
  Transfer *transfer = g_task_get_task_data (task);
  GTask *worker = g_task_new (NULL, NULL, last_write_cb, task);
  Finish *finish = finish_new (transfer);

  finish->data = transfer->ring + position;
  finish->length = length;
  g_task_set_task_data (worker, finish, (GDestroyNotify) finish_free);
  g_task_run_in_thread (worker, finish_thread);
  g_object_unref (worker);
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
  if (transfer->eof && transfer->failure == NULL && length == used && body_in_ring (transfer))
    {
      last_write (task, position, length);
      return;
    }
  /* Made when first needed: GLib asks the kernel whether a file can be
   * polled when it is made, and most downloads never write through it. */
  if (transfer->output == NULL)
    transfer->output = g_unix_output_stream_new (transfer->fd, FALSE);
  g_output_stream_write_all_async (transfer->output, transfer->ring + position, length,
                                   G_PRIORITY_DEFAULT, transfer->cancellable, transfer_write_cb,
                                   task);
}

/* The free space at the head of the ring, up to its end (and to this
 * connection's end in a split download). */
static gsize
ring_space (Transfer *transfer)
{
  guint64 used = transfer->head - transfer->tail;
  gsize position = transfer->head % RING_SIZE;
  gsize space = MIN (RING_SIZE - used, RING_SIZE - position);

  if (transfer->split)
    space = (gsize) MIN ((guint64) space, transfer->primary_end - (transfer->offset + used));
  return space;
}

/* The most one read brings: the main thread wakes at least this often
 * while a fast download runs, and the disk gets the first of it while
 * the rest is read... */
#define READ_CHUNK (256 * 1024)

/* ... unless the reading thread writes too: then the main thread only
 * counts, once per ring's worth. That is while nothing is to be looked at
 * before it is written (the first bytes, the overlap), the ring is empty
 * (the file's position is where the read's bytes go) and one connection
 * writes (a split download's end moves while a read is out). */
static gboolean
settled (Transfer *transfer)
{
  return !transfer->sniffing && transfer->verify_left == 0 && !transfer->split &&
         !transfer->confirming && !transfer->write_failed && transfer->failure == NULL;
}

static gboolean
can_write_directly (Transfer *transfer)
{
  return settled (transfer) && !transfer->writing && transfer->head == transfer->tail;
}

static void
start_read (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  gboolean direct = can_write_directly (transfer);
  gsize position = direct ? 0 : transfer->head % RING_SIZE;
  gsize space = direct ? RING_SIZE : ring_space (transfer);
  guint64 in = received_end (transfer);
  guint64 left = transfer->total >= 0 ? (guint64) transfer->total -
                                        MIN ((guint64) transfer->total, in) : G_MAXUINT64;
  guint wait_ms = 0;
  gsize granted;
  gboolean to_end = FALSE;

  /* A body that ends within this read is asked for a byte more, and read
   * to its end: the read then sees the end as well, and the last write
   * can be the one that syncs and renames (a small file: one trip to a
   * thread to read it, one to write it). */
  if (!transfer->split && transfer->verify_left == 0 && left < space)
    {
      space = (gsize) left + 1;
      to_end = TRUE;
    }
  else if (!direct)
    space = MIN (space, READ_CHUNK);
  if (space == 0)
    return;  /* the split's end is reached: pump() closes the answer */
  granted = _trawl_client_take_bytes (transfer->client, space, &wait_ms);
  if (granted == 0)
    {
      transfer->window_limited = TRUE;
      transfer->waiting = TRUE;
      transfer->deadline.waiting = TRUE;
      transfer->deadline.waited = TRUE;
      _trawl_sleep_async (wait_ms, transfer->cancellable, transfer_rate_wait_cb, task);
      return;
    }
  transfer->reading = TRUE;
  transfer->direct = direct;
  transfer->granted = granted;
  to_end = to_end && granted == space;
  if (to_end && !direct)
    transfer->whole = whole_body (transfer, granted - 1);
  _trawl_read_body_async (transfer->message, transfer->input, transfer->ring + position, granted,
                          direct ? transfer->fd : -1, -1, to_end,
                          transfer->whole != NULL ? whole_body_then : NULL, transfer->whole,
                          transfer->cancellable, transfer_read_cb, task);
}

/* Keeps a read and a write going: the write takes the oldest bytes of the
 * ring once there are enough of them (or they have waited long enough),
 * the read fills the free space. The attempt completes when the body has
 * ended and the ring is empty, or fails once nothing is in flight. */
static void
pump (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  guint64 used;
  gboolean busy;

  if (transfer->sniffing && transfer->failure == NULL)
    sniff (transfer);
  used = transfer->head - transfer->tail;

  /* Split: this connection's range is all read; the rest of the answer
   * is not needed (closing it drops the connection). Before the write
   * below, so that the range's last bytes are written at once, not at
   * the flush timer. */
  if (transfer->split && !transfer->eof && !transfer->reading && !transfer->waiting &&
      transfer->failure == NULL && transfer->offset + used >= transfer->primary_end &&
      !primary_extend (transfer))
    {
      transfer->eof = TRUE;
      close_input (transfer);
    }

  /* Settled, the ring is emptied at once for the reading thread to write
   * (see can_write_directly()). */
  /* All of the body but its end is in the ring: the write waits for the
   * end, to be the last (see last_write()), unless the ring is too full to
   * read it. */
  if (!transfer->writing && used > 0 && !transfer->write_failed && !transfer->sniffing &&
      (used >= MIN_WRITE || transfer->eof || transfer->flush || transfer->failure != NULL ||
       settled (transfer)) &&
      (transfer->eof || transfer->failure != NULL || !body_in_ring (transfer) ||
       ring_space (transfer) == 0))
    start_write (task);
  else if (!transfer->writing && used > 0 && transfer->flush_source == 0 &&
           transfer->failure == NULL)
    transfer->flush_source = g_timeout_add (FLUSH_MS, flush_cb, task);

  busy = transfer->reading || transfer->writing || transfer->waiting;

  if (transfer->failure != NULL)
    {
      /* What was received before a network error is kept; after a disk
       * error nothing more can be. */
      if (!busy && (used == 0 || transfer->write_failed || transfer->sniffing))
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

  if (!transfer->reading && !transfer->waiting && used < RING_SIZE &&
      (!settled (transfer) || used == 0 || body_in_ring (transfer)))
    start_read (task);
}

static gboolean
transfer_too_slow_cb (gpointer user_data)
{
  Transfer *transfer = user_data;

  if (transfer->failure == NULL)
    transfer->failure = _trawl_deadline_error (transfer->deadline.seconds);
  g_cancellable_cancel (transfer->cancellable);
  return G_SOURCE_REMOVE;
}

/* "bytes START-END/TOTAL", with a star for an unknown total, or in a 416
 * a star for the range ("bytes STAR/TOTAL"), a form libsoup 3.2 refuses.
 * Missing parts are -1. */
gboolean
_trawl_parse_content_range (const char *value,
                            gint64     *start,
                            gint64     *end,
                            gint64     *total)
{
  g_auto(GStrv) halves = NULL;

  *start = *end = *total = -1;
  if (value == NULL || !g_str_has_prefix (value, "bytes "))
    return FALSE;

  halves = g_strsplit (value + strlen ("bytes "), "/", 2);
  if (g_strv_length (halves) != 2)
    return FALSE;

  g_strstrip (halves[0]);
  g_strstrip (halves[1]);
  if (strcmp (halves[1], "*") != 0 &&
      !g_ascii_string_to_signed (halves[1], 10, 0, G_MAXINT64, total, NULL))
    return FALSE;

  if (strcmp (halves[0], "*") == 0)
    return *total >= 0;

  {
    g_auto(GStrv) range = g_strsplit (halves[0], "-", 2);

    if (g_strv_length (range) != 2 ||
        !g_ascii_string_to_signed (range[0], 10, 0, G_MAXINT64, start, NULL) ||
        !g_ascii_string_to_signed (range[1], 10, *start, G_MAXINT64, end, NULL) ||
        (*total >= 0 && *end >= *total))
      {
        *start = *end = *total = -1;
        return FALSE;
      }
  }

  return TRUE;
}

static gboolean
check_free_space (Transfer  *transfer,
                  GError   **error)
{
  struct statvfs fs;
  guint64 needed;
  guint64 free_bytes;

  if (transfer->total < 0 || (guint64) transfer->total <= transfer->offset)
    return TRUE;

  /* Asked of the open .part, as the writes will be: once per file, and
   * without GIO's file and attribute objects. Some file systems (ramfs,
   * some FUSE ones) say 0 of 0: they know no free space, and the writes
   * will tell. */
  if (fstatvfs (transfer->fd, &fs) != 0 || fs.f_blocks == 0)
    return TRUE;

  needed = (guint64) transfer->total - transfer->offset;
  free_bytes = (guint64) fs.f_bavail * fs.f_frsize;
  if (needed <= free_bytes)
    return TRUE;

  {
    g_autofree char *need = g_format_size (needed);
    g_autofree char *have = g_format_size (free_bytes);

    /* "needs 1.0 MB more, the disk has 1.0 MB" says nothing: to the byte
     * then (found by a review). */
    if (g_str_equal (need, have))
      {
        g_free (need);
        g_free (have);
        need = g_format_size_full (needed, G_FORMAT_SIZE_LONG_FORMAT);
        have = g_format_size_full (free_bytes, G_FORMAT_SIZE_LONG_FORMAT);
      }
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NO_SPACE,
                 _("Not enough free space: the video needs %s more, the disk has %s"), need,
                 have);
  }
  return FALSE;
}

/* The URL did not say what the file is, but the server does: the file
 * gets the right extension before anything is written. If a .part of
 * that name is already this video's (an earlier run got this far), the
 * download continues that one instead. Returns FALSE when it does. */
static gboolean
fix_extension (GTask      *task,
               const char *content_type)
{
  Transfer *transfer = g_task_get_task_data (task);
  const char *extension = trawl_content_type_extension (content_type);
  const char *path = trawl_item_get_path (transfer->item);
  g_autoptr(GError) error = NULL;
  struct stat st;

  if (extension == NULL || trawl_uri_media_extension (trawl_item_get_media_url (transfer->item)) ||
      g_str_has_suffix (path, extension) || transfer->offset > 0)
    return TRUE;

  release_part (transfer);
  _trawl_paths_reserve (transfer->paths, transfer->item, extension);
  if (!open_part (transfer, &error))
    {
      return_error (task, g_steal_pointer (&error));
      return FALSE;
    }

  {
    g_autofree char *name = display_name (trawl_item_get_path (transfer->item));
    g_autofree char *note = g_strdup_printf (_("The server sends %s: saving as %s"), content_type,
                                             name);

    _trawl_item_note (transfer->item, note);
  }

  if (fstat (transfer->fd, &st) == 0 && st.st_size > 0)
    {
      again (task, FALSE);
      return FALSE;
    }

  return TRUE;
}

/* Content-Encoding names a compression: anything but identity and the
 * no-op values servers send ("", "none", "binary"), in a list or not. */
static gboolean
is_compressed (const char *encoding)
{
  g_auto(GStrv) codings = g_strsplit (encoding, ",", -1);

  for (guint i = 0; codings[i] != NULL; i++)
    {
      const char *coding = g_strstrip (codings[i]);

      if (*coding != '\0' && g_ascii_strcasecmp (coding, "identity") != 0 &&
          g_ascii_strcasecmp (coding, "none") != 0 && g_ascii_strcasecmp (coding, "binary") != 0)
        return TRUE;
    }
  return FALSE;
}

/* Decides what the response is to this download, or restarts or fails
 * the attempt. Returns FALSE when it did the latter. */
/* What no video answer may carry: a compressed body (asked for identity;
 * its lengths and ranges are the compressed stream's, and the bytes are
 * not the video) or a length that is not one number. */
static gboolean
check_headers (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (transfer->message);
  const char *encoding = soup_message_headers_get_one (headers, "Content-Encoding");

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (transfer->message)))
    return TRUE;

  if (encoding != NULL && is_compressed (encoding))
    {
      return_error (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                                       _("The server sent the video compressed (%s), which "
                                         "cannot be checked or resumed"), encoding));
      return FALSE;
    }

  if (transfer->bad_length != NULL)
    {
      return_error (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_HTTP,
                                       _("The server sent an invalid length (%s)"),
                                       transfer->bad_length));
      return FALSE;
    }

  return TRUE;
}

/* A 206 for a resume: the part asked for, of the file the .part holds. */
static gboolean
accept_partial (GTask  *task,
                gint64  start,
                gint64  end,
                gint64  total)
{
  Transfer *transfer = g_task_get_task_data (task);
  gint64 asked = (gint64) (transfer->offset - transfer->verify_left);

  if (start != asked)
    {
      transfer->from_zero = TRUE;
      attempt_failed (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                                 _("The server sent the wrong part of the file")));
      return FALSE;
    }
  /* Another length than the .part was started with, or shorter than it:
   * another file. */
  if (total >= 0 && ((transfer->identity.size >= 0 && total != transfer->identity.size) ||
                     (guint64) total < transfer->offset))
    {
      again (task, TRUE);
      return FALSE;
    }
  transfer->total = total;
  transfer->slice_end = end >= 0 ? end + 1 : -1;
  return TRUE;
}

/* The body is the whole file, from its first byte: the .part starts over.
 * @whole_answer: a 200, whose length (when not said now but said before
 * for this .part) is the earlier one. */
static gboolean
accept_from_zero (GTask    *task,
                  gint64    total,
                  gint64    end,
                  gboolean  whole_answer)
{
  Transfer *transfer = g_task_get_task_data (task);
  const char *validator = _trawl_response_validator (transfer->message);
  struct stat st;

  /* The .part's own strong tag with another length: the server
   * contradicts itself (found by a review: 12 bytes under the tag of a
   * 25 MB video replaced its .part and were reported done). Unless the
   * .part, in one piece, holds exactly the length now said: the answer
   * it came from was cut there, so the length that answer announced was
   * the wrong one (found by the next review: such a video failed on
   * every run). */
  if (validator != NULL && validator[0] == '"' &&
      g_strcmp0 (validator, transfer->identity.validator) == 0 &&
      transfer->identity.size >= 0 && total >= 0 && total != transfer->identity.size &&
      !(transfer->identity.holes == NULL && fstat (transfer->fd, &st) == 0 &&
        st.st_size == total))
    {
      attempt_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_SERVER,
                                         _("The server sent %" PRId64 " bytes under the tag of "
                                           "the %" PRId64 "-byte video; the partial download "
                                           "is kept"), total, transfer->identity.size));
      return FALSE;
    }

  transfer->slice_end = end >= 0 ? end + 1 : -1;
  transfer->sliced = FALSE;
  transfer->offset = 0;
  transfer->verify_left = 0;
  transfer->total = total;
  /* A length the .part was started with, unless it is not trusted. */
  transfer->total_from_part = total < 0 && whole_answer && !transfer->from_zero &&
                              transfer->identity.size >= 0;
  if (transfer->total_from_part)
    transfer->total = transfer->identity.size;
  if (transfer->total == 0)
    {
      return_error (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                                               _("The server sent an empty file")));
      return FALSE;
    }
  /* Not yet emptied: an answer that is not the video (a maintenance page
   * in place of a resumed range) must not cost the .part (see
   * empty_part()). */
  transfer->part_to_empty = TRUE;
  transfer->sniffing = TRUE;
  return TRUE;
}

/* Whether the answer is a body to write: TRUE, or FALSE when it was
 * dealt with otherwise (the download completes, starts over, is retried
 * or fails). */
static gboolean
accept_response (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (transfer->message);
  guint status = soup_message_get_status (transfer->message);
  gint64 start, end, total;
  GError *error = NULL;

  _trawl_parse_content_range (soup_message_headers_get_one (headers, "Content-Range"),
                              &start, &end, &total);

  if (!check_headers (task))
    return FALSE;

  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && transfer->offset > 0)
    {
      /* Nothing at or past our end: whole if the server says that is its
       * length, otherwise the file changed (or cannot be told): over. */
      if (start < 0 && total == (gint64) transfer->offset)
        {
          transfer->total = total;
          transfer->verify_left = 0;
          complete (task);
          return FALSE;
        }
      if (!transfer->confirming || count_reread (task))
        again (task, TRUE);
      return FALSE;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* Translators: %s in “The server refused the %s request” */
      _trawl_set_http_error (&error, transfer->message, _("video"));
      attempt_failed (task, error);
      return FALSE;
    }

  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      if (transfer->offset == 0 && start == 0)
        return accept_from_zero (task, total, end, FALSE);
      return accept_partial (task, start, end, total);
    }

  /* A 200: Range ignored, the file changed under If-Range, or a download
   * from the start. */
  if (transfer->confirming && transfer->announced == (gint64) transfer->offset)
    {
      transfer->total = transfer->announced;
      complete (task);
      return FALSE;
    }
  if (transfer->confirming && !count_reread (task))
    return FALSE;

  return accept_from_zero (task, transfer->announced, -1, status == SOUP_STATUS_OK);
}

/* The response is the video (from where the .part ends, or from the
 * start): says what the .part is and puts the file where the body goes. */
static void
start_body (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (transfer->message);
  GError *error = NULL;

  _trawl_item_set_validator (transfer->item, _trawl_response_validator (transfer->message));

  if (transfer->offset == 0 &&
      !fix_extension (task, soup_message_headers_get_content_type (headers, NULL)))
    return;

  if (!check_free_space (transfer, &error))
    {
      return_error (task, error);
      return;
    }

  /* Over from the start, the .part keeps saying what it holds until it
   * is emptied (see empty_part()). */
  if (!transfer->part_to_empty)
    set_identity (transfer);

  if (lseek (transfer->fd, (off_t) transfer->offset, SEEK_SET) < 0)
    {
      int saved = errno;

      attempt_failed (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved), "%s",
                                         g_strerror (saved)));
      return;
    }

  /* A server that sends ranges says so, or has just sent one. */
  transfer->ranges_ok =
    soup_message_get_status (transfer->message) == SOUP_STATUS_PARTIAL_CONTENT ||
    soup_message_headers_header_contains (headers, "Accept-Ranges", "bytes");
  /* Unsplit, the connection's speed is looked at each window, also
   * while a read waits for a server that sends in bursts. */
  g_clear_handle_id (&transfer->tick_source, g_source_remove);
  transfer->tick_source = g_timeout_add (transfer->split ? SPLIT_TICK_MS : SPLIT_WINDOW_US / 1000,
                                         split_tick_cb, task);
  window_start (transfer);
  if (transfer->reached == G_MAXUINT64)
    transfer->reached = transfer->offset;
  _trawl_item_set_connections (transfer->item, 1);

  _trawl_item_set_progress (transfer->item, transfer->offset, transfer->total);
  pump (task);
}

static void
transfer_send_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;

  g_assert (G_IS_TASK (task));

  transfer->input = _trawl_client_send_finish (transfer->message, result, &error);
  if (transfer->input == NULL)
    {
      /* Paused or cancelled: the task returns that (g_task_had_error()
       * would say so too, without returning it, and the caller would
       * wait for ever). */
      if (g_task_return_error_if_cancelled (task))
        {
          g_error_free (error);
          g_object_unref (task);
          return;
        }
      /* The deadline cancelled it: say that, not "cancelled". */
      if (transfer->failure != NULL)
        {
          g_clear_error (&error);
          error = g_steal_pointer (&transfer->failure);
        }
      attempt_failed (task, error);
      return;
    }

  if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (transfer->message)) &&
      _trawl_hls_is_playlist_type (soup_message_headers_get_content_type (
        soup_message_get_response_headers (transfer->message), NULL)))
    {
      hand_over_to_hls (task);
      return;
    }
  if (!accept_response (task))
    return;
  transfer->confirming = FALSE;
  start_body (task);
}

/* A Content-Length that is not a number (-5, garbage) is taken out before
 * libsoup reads the body by it; the download then fails with the reason. */
typedef struct
{
  GString *values;
  guint    count;
} Lengths;

static void
collect_length (const char *name,
                const char *value,
                gpointer    user_data)
{
  Lengths *lengths = user_data;

  if (g_ascii_strcasecmp (name, "Content-Length") != 0)
    return;
  if (lengths->count++ > 0)
    g_string_append (lengths->values, ", ");
  g_string_append (lengths->values, value);
}

/* What the response says its length is. Content-Length values that are
 * not one number (-5, garbage, two different ones) are no length: they
 * are taken out before libsoup reads the body by one of them, and the
 * download fails with the reason. A length beside chunked encoding is
 * kept as what the body must come to. */
static void
transfer_got_headers_cb (SoupMessage *message,
                         Transfer    *transfer)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  Lengths lengths = { g_string_new (NULL), 0 };
  g_auto(GStrv) values = NULL;
  guint64 length = 0;
  gboolean good = TRUE;

  g_clear_pointer (&transfer->bad_length, g_free);
  transfer->announced = -1;
  soup_message_headers_foreach (headers, collect_length, &lengths);
  values = g_strsplit (lengths.values->str, ",", -1);
  for (guint i = 0; lengths.count > 0 && values[i] != NULL; i++)
    {
      guint64 one;

      g_strstrip (values[i]);
      if (!g_ascii_string_to_unsigned (values[i], 10, 0, G_MAXINT64, &one, NULL) ||
          (i > 0 && one != length))
        good = FALSE;
      length = one;
    }

  if (lengths.count > 0 && good)
    transfer->announced = (gint64) length;
  else if (lengths.count > 0)
    {
      transfer->bad_length = g_strdup (lengths.values->str);
      soup_message_headers_remove (headers, "Content-Length");
    }
  g_string_free (lengths.values, TRUE);
}

/* The end of the .part, to compare with the start of a resumed body. */
static gboolean
read_overlap (Transfer *transfer)
{
  transfer->overlap_size = (gsize) MIN (transfer->offset, OVERLAP);
  if (transfer->overlap == NULL)
    transfer->overlap = g_malloc (OVERLAP);

  return pread (transfer->fd, transfer->overlap, transfer->overlap_size,
                (off_t) (transfer->offset - transfer->overlap_size)) ==
         (gssize) transfer->overlap_size;
}

static void
prepare_request (Transfer *transfer)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (transfer->message);

  /* Byte ranges and lengths must be those of the file itself. */
  soup_message_disable_feature (transfer->message, SOUP_TYPE_CONTENT_DECODER);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");

  transfer->verify_left = 0;
  if (transfer->confirming)
    {
      soup_message_headers_set_range (headers, (goffset) transfer->offset, -1);
      return;
    }
  if (transfer->offset == 0)
    return;

  /* The next slice of a file this transfer is reading now: If-Range says
   * whether it is still the same file, so the end of the .part need not
   * be fetched again (without a validator, it is). */
  if (transfer->sliced && _trawl_item_get_validator (transfer->item) != NULL)
    {
      soup_message_headers_set_range (headers, (goffset) transfer->offset, -1);
      soup_message_headers_replace (headers, "If-Range",
                                    _trawl_item_get_validator (transfer->item));
      return;
    }

  if (!read_overlap (transfer))
    {
      transfer->offset = 0;
      return;
    }
  transfer->verify_left = transfer->overlap_size;
  soup_message_headers_set_range (headers, (goffset) (transfer->offset - transfer->verify_left),
                                  -1);
  if (_trawl_item_get_validator (transfer->item) != NULL)
    soup_message_headers_replace (headers, "If-Range", _trawl_item_get_validator (transfer->item));
}

static void
start_attempt (GTask *task)
{
  Transfer *transfer = g_task_get_task_data (task);
  GError *error = NULL;
  struct stat st;

  transfer->attempt++;
  _trawl_item_set_tries (transfer->item, transfer->attempt);

  /* A fresh pump, with its own cancellable that the task's (a pause or
   * cancel) also trips. */
  _trawl_attempt_end (&transfer->cancellable, transfer->task_cancellable, &transfer->cancel_id);
  transfer->cancellable = _trawl_attempt_begin (transfer->task_cancellable, &transfer->cancel_id);
  if (transfer->ring == NULL)
    transfer->ring = ring_take ();
  transfer->head = transfer->tail = 0;
  transfer->reading = transfer->writing = FALSE;
  transfer->flush = FALSE;
  g_clear_handle_id (&transfer->flush_source, g_source_remove);
  transfer->waiting = FALSE;
  transfer->write_failed = FALSE;
  transfer->eof = FALSE;
  transfer->sniffing = FALSE;
  transfer->part_to_empty = FALSE;
  g_clear_error (&transfer->failure);

  if (transfer->fd < 0 && !open_part (transfer, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_str_has_prefix (transfer->identity.validator ? transfer->identity.validator : "", "hls:"))
    {
      hand_over_to_hls (task);
      return;
    }

  /* A .part with bytes but nothing said of them (its attributes or
   * sidecar lost: copied, deleted) cannot be trusted: it may be a split
   * download's, full of holes up to its length. Nor can one whose list
   * of holes alone is gone while the file system shows gaps in it (found
   * by a review: the gaps were kept as zeros and the video reported
   * done). */
  if (fstat (transfer->fd, &st) != 0)
    st.st_size = 0;
  if (!transfer->split && st.st_size > 0 &&
      (transfer->identity.source == NULL ||
       (transfer->identity.holes == NULL && !gaps_in_holes (transfer->fd, st.st_size, NULL))))
    transfer->from_zero = TRUE;
  /* A split download saved with holes goes on where each range stopped. */
  if (!transfer->split && !transfer->from_zero && resume_split (task))
    return;

  /* Over from zero: the .part stays as it is until the server's answer
   * from the start is taken (see accept_from_zero()), so that a server
   * that fails then loses nothing of it. */
  transfer->offset = transfer->from_zero ? 0 : (guint64) st.st_size;

  g_clear_object (&transfer->message);
  transfer->message = _trawl_client_new_message (
    transfer->client, trawl_item_get_media_url (transfer->item),
    trawl_item_get_board (transfer->item), trawl_item_get_page_url (transfer->item));
  if (transfer->message == NULL)
    {
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                               _("“%s” is not a valid URL"),
                               trawl_item_get_media_url (transfer->item));
      g_object_unref (task);
      return;
    }
  prepare_request (transfer);
  g_signal_connect (transfer->message, "got-headers", G_CALLBACK (transfer_got_headers_cb),
                    transfer);

  _trawl_deadline_start (&transfer->deadline, transfer->message,
                         _trawl_client_get_timeout (transfer->client),
                         transfer_too_slow_cb, transfer);

  _trawl_client_send_async (transfer->client, trawl_item_get_board (transfer->item),
                            transfer->message, transfer->cancellable, transfer_send_cb, task);
}

/* The video is in its place already, finished by an earlier run that
 * ended (killed, or its archive lost) before it was noted. */
static gboolean
already_there (TrawlItem *item)
{
  g_autofree char *key = _trawl_item_archive_key (item);
  const char *path = trawl_item_get_path (item);
  struct stat st;

  if (path == NULL || !_trawl_part_is_finished (path, key) || stat (path, &st) != 0)
    return FALSE;
  _trawl_item_set_progress (item, (guint64) st.st_size, st.st_size);
  _trawl_item_note (item, _("Found finished by an earlier run"));
  return TRUE;
}

/**
 * _trawl_transfer_async:
 * @client: what sends the requests
 * @paths: where the item's file name is reserved; a name that cannot be
 *   used is blocked there and another one taken
 * @item: a resolved item with a reserved path
 *
 * Downloads @item's media into its path, through NAME.part, resuming
 * what is there when it is provably the same video; succeeds only once
 * the file is provably complete and renamed into place.
 */
void
_trawl_transfer_async (TrawlClient         *client,
                       TrawlPaths          *paths,
                       TrawlItem           *item,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (item, cancellable, callback, user_data);
  Transfer *transfer = g_new0 (Transfer, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, _trawl_transfer_async);
  /* A file renamed into place is done, even if a pause came meanwhile;
   * every other way out of a cancelled attempt returns its own error. */
  g_task_set_check_cancellable (task, FALSE);
  transfer->client = g_object_ref (client);
  transfer->paths = g_object_ref (paths);
  transfer->item = g_object_ref (item);
  transfer->fd = -1;
  transfer->total = -1;
  transfer->unconfirmed = -1;
  transfer->reached = G_MAXUINT64;
  transfer->probed_at = -1;
  transfer->announced = -1;
  transfer->slice_end = -1;
  transfer->identity.size = -1;
  transfer->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) _trawl_segment_unref);
  transfer->pool = g_array_new (FALSE, FALSE, sizeof (TrawlRange));
  transfer->seams = g_ptr_array_new_with_free_func ((GDestroyNotify) seam_free);
  transfer->task_cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, transfer, (GDestroyNotify) transfer_free);
  rings_transfer_born ();

  if (!trawl_uri_is_fetchable (trawl_item_get_media_url (item), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (g_strcmp0 (trawl_uri_media_extension (trawl_item_get_media_url (item)), ".m3u8") == 0)
    {
      hand_over_to_hls (task);
      return;
    }
  if (already_there (item))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  start_attempt (task);
}

gboolean
_trawl_transfer_finish (TrawlItem     *item,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, item), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
