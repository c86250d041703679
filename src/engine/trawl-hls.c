#define G_LOG_DOMAIN "trawl-hls"

#include "config.h"

#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trawl-board.h"
#include "trawl-client-private.h"
#include "trawl-error.h"
#include "trawl-hls-private.h"
#include "trawl-http-private.h"
#include <glib/gi18n-lib.h>
#include "trawl-item-private.h"
#include "trawl-part-private.h"
#include "trawl-transfer-private.h"

/* An HLS video saved as one file: the playlist fetched (the best variant
 * of a master playlist), its segments fetched several at a time, each
 * decrypted where the playlist says AES-128, and written in order into
 * NAME.part (MPEG-TS segments as NAME.ts; fMP4, with its initialisation
 * sections, as NAME.mp4). The .part carries the SHA-256 of the segment
 * list (see playlist_identity()) and how many segments it holds, so a
 * resume (after a pause, a crash or kill -9) goes on at the first missing
 * segment, and another version of the stream starts over. Memory is
 * bounded by the segments in flight. */

/* No real segment is near this (ten seconds of 4K at 50 Mbit/s are
 * 60 MiB); a server that sends more is refused. */
#define MAX_SEGMENT_SIZE (256 * 1024 * 1024)
/* Segments fetched ahead of the one to write next wait (their reads
 * parked) once this much is held in memory: memory stays bounded by it
 * and by the segment being written, whatever the segments' sizes. */
#define AHEAD_BUDGET (32 * 1024 * 1024)
#define READ_SIZE (64 * 1024)
/* Segments fetched at once, at most (the per-host limit bounds it too). */
#define MAX_IN_FLIGHT 8

typedef struct _Hls Hls;

/* One resource fetched whole into memory: a segment, a key or an
 * initialisation section. */
typedef struct
{
  Hls          *hls;
  char         *url;
  const char   *what;      /* for messages: "stream segment", "stream key" */
  gint64        offset;    /* -1: no range */
  gint64        length;
  guint         attempt;
  SoupMessage  *message;
  GInputStream *input;
  GByteArray   *body;
  gsize         granted;
  gboolean      whole;     /* a 200 to a range request: the slice is cut out */
  guint         segment;   /* its index, or G_MAXUINT for a key or a section */
  /* A body whose length was not announced is confirmed, as a file's is:
   * a range past its end must be refused with that length, or (a server
   * without ranges) a second whole read must be as long. */
  gint64        unconfirmed;  /* the length read, or -1 */
  GByteArray   *kept;         /* that body, while the confirmation runs */
  gboolean      confirming;   /* the request out is the range past the end */
  GCancellable *caller;       /* the stream's (a Get may outlive the stream's data) */
  GCancellable *cancellable;  /* this attempt's: the stream's and the deadline trip it */
  gulong        cancel_id;
  TrawlDeadline deadline;
  gboolean      too_slow;
} Get;

struct _Hls
{
  TrawlClient      *client;
  TrawlPaths       *paths;
  TrawlItem        *item;
  GCancellable     *cancellable;
  TrawlHlsPlaylist *playlist;
  char             *playlist_url;
  gboolean          fmp4;

  int               fd;
  GOutputStream    *output;
  char             *part_path;
  TrawlPartIdentity identity;

  GHashTable       *keys;      /* key URL -> GBytes, fetched */
  GPtrArray        *maps;      /* GBytes or NULL, by map index */
  gboolean         *map_asked;
  GPtrArray        *bodies;    /* GBytes or NULL, by segment index: fetched, not written */
  guint             next_fetch;  /* the next segment to start */
  guint             next_write;  /* the next segment to write */
  guint             running;
  guint             aux_running; /* keys and maps */
  gboolean          writing;
  int               written_map; /* the initialisation section last written */
  guint64           written;
  gint64            announced;   /* the file's length where the playlist gives it, or -1 */
  gboolean          already_there; /* finished by an earlier run */
  guint64           bytes_fetched;
  guint64           held;        /* bytes of segments in memory, fetched or arriving */
  GPtrArray        *parked;      /* GTask of segment reads waiting for the budget */
  GError           *failure;
};

static void hls_pump (GTask *task);

static void
hls_free (Hls *hls)
{
  g_clear_object (&hls->client);
  g_clear_object (&hls->paths);
  g_clear_object (&hls->item);
  g_clear_object (&hls->cancellable);
  g_clear_pointer (&hls->playlist, _trawl_hls_playlist_free);
  g_free (hls->playlist_url);
  g_clear_object (&hls->output);
  if (hls->fd >= 0)
    close (hls->fd);
  g_free (hls->part_path);
  _trawl_part_identity_clear (&hls->identity);
  g_clear_pointer (&hls->keys, g_hash_table_unref);
  g_clear_pointer (&hls->maps, g_ptr_array_unref);
  g_free (hls->map_asked);
  g_clear_pointer (&hls->bodies, g_ptr_array_unref);
  g_clear_pointer (&hls->parked, g_ptr_array_unref);
  g_clear_error (&hls->failure);
  g_free (hls);
}

/* ---- Fetching one resource ---------------------------------------- */

static void
get_forget_attempt (Get *get)
{
  _trawl_deadline_stop (&get->deadline);
  _trawl_attempt_end (&get->cancellable, get->caller, &get->cancel_id);
}

static void
get_free (Get *get)
{
  get_forget_attempt (get);
  g_clear_object (&get->caller);
  g_clear_pointer (&get->kept, g_byte_array_unref);
  g_free (get->url);
  g_clear_object (&get->message);
  g_clear_object (&get->input);
  g_clear_pointer (&get->body, g_byte_array_unref);
  g_free (get);
}

static void get_start (GTask *task);
static void get_read (GTask *task);

static void
get_failed (GTask  *task,
            GError *error)
{
  Get *get = g_task_get_task_data (task);
  guint delay = 0;

  if (get->too_slow && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = _trawl_deadline_error (get->deadline.seconds);
    }
  get->too_slow = FALSE;
  get_forget_attempt (get);
  g_clear_object (&get->input);
  /* What this try brought is dropped (a retry starts over). */
  if (get->segment != G_MAXUINT && get->body != NULL)
    get->hls->held -= MIN (get->hls->held, get->body->len);
  if (get->segment != G_MAXUINT && get->kept != NULL)
    get->hls->held -= MIN (get->hls->held, get->kept->len);
  g_clear_pointer (&get->body, g_byte_array_unref);
  g_clear_pointer (&get->kept, g_byte_array_unref);
  get->unconfirmed = -1;
  get->confirming = FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      _trawl_client_should_retry (get->hls->client, get->attempt, error, get->message, &delay))
    {
      g_debug ("Retrying %s in %u ms: %s", get->url, delay, error->message);
      g_error_free (error);
      _trawl_task_again_later (task, delay, get_start);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
get_return (GTask *task)
{
  Get *get = g_task_get_task_data (task);
  GBytes *bytes = g_byte_array_free_to_bytes (g_steal_pointer (&get->body));

  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

/* Returns whether the body's end is proven (announced, or confirmed);
 * otherwise the confirmation has begun. */
static gboolean
get_confirmed (GTask *task)
{
  Get *get = g_task_get_task_data (task);
  SoupEncoding encoding = soup_message_headers_get_encoding (
    soup_message_get_response_headers (get->message));

  if (get->offset >= 0 || encoding == SOUP_ENCODING_CONTENT_LENGTH)
    return TRUE;
  if (get->unconfirmed >= 0)
    {
      /* A second whole read (the server sends no ranges): the same length. */
      if ((gint64) get->body->len == get->unconfirmed)
        return TRUE;
      get_failed (task, g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                             _("The server does not say how long a part of "
                                               "the stream is, and its answers do not agree")));
      return FALSE;
    }
  get->unconfirmed = (gint64) get->body->len;
  get->kept = g_steal_pointer (&get->body);
  get->confirming = TRUE;
  get->attempt--;  /* confirming is not retrying */
  get_start (task);
  return FALSE;
}

static void
get_done (GTask *task)
{
  Get *get = g_task_get_task_data (task);

  g_clear_object (&get->input);
  if (get->whole)
    {
      if ((guint64) get->body->len < (guint64) (get->offset + get->length))
        {
          get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                         _("A part of the stream ended early (%u of %" PRId64
                                           " bytes)"),
                                         get->body->len, get->offset + get->length));
          return;
        }
      if (get->segment != G_MAXUINT)
        get->hls->held -= MIN (get->hls->held, get->body->len - (guint64) get->length);
      g_byte_array_remove_range (get->body, 0, (guint) get->offset);
      g_byte_array_set_size (get->body, (guint) get->length);
    }
  else if (get->offset >= 0 && (gint64) get->body->len != get->length)
    {
      get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                     _("A part of the stream ended early (%u of %" PRId64
                                       " bytes)"),
                                     get->body->len, get->length));
      return;
    }
  if (get_confirmed (task))
    get_return (task);
}

static void
get_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Get *get = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result,
                                                              &error);
  gsize size;

  g_assert (G_IS_TASK (task));

  if (chunk == NULL)
    {
      _trawl_client_give_back_bytes (get->hls->client, get->granted);
      get_failed (task, error);
      return;
    }
  size = g_bytes_get_size (chunk);
  if (size < get->granted)
    _trawl_client_give_back_bytes (get->hls->client, get->granted - size);
  if (size == 0)
    {
      get_done (task);
      return;
    }
  if (get->body->len + size > MAX_SEGMENT_SIZE)
    {
      get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TOO_LARGE,
                                     _("A part of the stream is larger than %u MiB"),
                                     MAX_SEGMENT_SIZE / (1024 * 1024)));
      return;
    }
  g_byte_array_append (get->body, g_bytes_get_data (chunk, NULL), (guint) size);
  get->hls->bytes_fetched += size;
  if (get->segment != G_MAXUINT)
    get->hls->held += size;
  get->deadline.bytes += size;
  get_read (task);
}

static void
get_wait_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Get *get = g_task_get_task_data (task);
  GError *error = NULL;

  get->deadline.waiting = FALSE;
  if (!_trawl_sleep_finish (result, &error))
    {
      get_failed (task, error);
      return;
    }
  get_read (task);
}

/* Reads on within the speed limit, which the segments share with every
 * other download. */
static void
get_read (GTask *task)
{
  Get *get = g_task_get_task_data (task);
  Hls *hls = get->hls;
  guint wait_ms = 0;

  /* Far enough ahead: wait until the segments before it are written
   * (the one to write next never waits). */
  if (get->segment != G_MAXUINT && get->segment != hls->next_write &&
      hls->held > AHEAD_BUDGET && !g_cancellable_is_cancelled (get->cancellable))
    {
      get->deadline.waiting = TRUE;
      get->deadline.waited = TRUE;
      g_ptr_array_add (hls->parked, task);
      return;
    }
  get->deadline.waiting = FALSE;
  get->granted = _trawl_client_take_bytes (get->hls->client, READ_SIZE, &wait_ms);
  if (get->granted == 0)
    {
      get->deadline.waiting = TRUE;
      get->deadline.waited = TRUE;
      _trawl_sleep_async (wait_ms, get->cancellable, get_wait_cb, task);
      return;
    }
  g_input_stream_read_bytes_async (get->input, get->granted, G_PRIORITY_DEFAULT,
                                   get->cancellable, get_read_cb, task);
}

static void
get_send_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Get *get = g_task_get_task_data (task);
  GError *error = NULL;
  guint status;

  g_assert (G_IS_TASK (task));

  get->input = _trawl_client_send_finish (get->message, result, &error);
  if (get->input == NULL)
    {
      get_failed (task, error);
      return;
    }
  status = soup_message_get_status (get->message);
  if (get->confirming)
    {
      gint64 start, end, total;

      get->confirming = FALSE;
      _trawl_parse_content_range (soup_message_headers_get_one (
                                    soup_message_get_response_headers (get->message),
                                    "Content-Range"), &start, &end, &total);
      /* Nothing past the end, and the end where the body ended: whole. */
      if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && total == get->unconfirmed)
        {
          g_clear_object (&get->input);
          get->body = g_steal_pointer (&get->kept);
          get_forget_attempt (get);
          get_return (task);
          return;
        }
      if (status == SOUP_STATUS_PARTIAL_CONTENT ||
          status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
        {
          get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TRUNCATED,
                                         _("A part of the stream ended early (%u of %" PRId64
                                           " bytes)"),
                                         get->kept->len, total));
          return;
        }
      /* No ranges: read again, and the two lengths must agree. */
      if (get->segment != G_MAXUINT)
        get->hls->held -= MIN (get->hls->held, get->kept->len);
      g_clear_pointer (&get->kept, g_byte_array_unref);
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      _trawl_set_http_error (&error, get->message, get->what);
      get_failed (task, error);
      return;
    }
  if (soup_message_headers_get_encoding (soup_message_get_response_headers (get->message)) ==
        SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (soup_message_get_response_headers (get->message)) >
        MAX_SEGMENT_SIZE)
    {
      get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_TOO_LARGE,
                                     _("A part of the stream is larger than %u MiB"),
                                     MAX_SEGMENT_SIZE / (1024 * 1024)));
      return;
    }
  get->whole = get->offset >= 0 && status != SOUP_STATUS_PARTIAL_CONTENT;
  if (get->offset >= 0 && !get->whole)
    {
      gint64 start, end, total;

      /* A part of the resource other than the one asked for is no use. */
      _trawl_parse_content_range (soup_message_headers_get_one (
                                    soup_message_get_response_headers (get->message),
                                    "Content-Range"), &start, &end, &total);
      if (start != get->offset)
        {
          get_failed (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_HTTP,
                                         _("The server sent another part of the stream than "
                                           "the one asked for (from byte %" PRId64 ", not %"
                                           PRId64 ")"), start, get->offset));
          return;
        }
    }
  g_clear_pointer (&get->body, g_byte_array_unref);
  get->body = g_byte_array_new ();
  get_read (task);
}

static gboolean
get_too_slow_cb (gpointer user_data)
{
  Get *get = user_data;

  get->too_slow = TRUE;
  g_cancellable_cancel (get->cancellable);
  return G_SOURCE_REMOVE;
}

static void
get_start (GTask *task)
{
  Get *get = g_task_get_task_data (task);
  Hls *hls = get->hls;

  get->attempt++;
  g_clear_object (&get->message);
  get->message = _trawl_client_new_message (hls->client, get->url,
                                            trawl_item_get_board (hls->item),
                                            trawl_item_get_page_url (hls->item));
  soup_message_set_priority (get->message, SOUP_MESSAGE_PRIORITY_NORMAL);
  soup_message_disable_feature (get->message, SOUP_TYPE_CONTENT_DECODER);
  soup_message_headers_replace (soup_message_get_request_headers (get->message),
                                "Accept-Encoding", "identity");
  if (get->confirming)
    soup_message_headers_set_range (soup_message_get_request_headers (get->message),
                                    get->unconfirmed, -1);
  else if (get->offset >= 0)
    soup_message_headers_set_range (soup_message_get_request_headers (get->message),
                                    get->offset, get->offset + get->length - 1);
  /* Progress, not only activity: a segment that drips a byte now and
   * then is retried like a stalled one. */
  get_forget_attempt (get);
  get->cancellable = _trawl_attempt_begin (get->caller, &get->cancel_id);
  _trawl_deadline_start (&get->deadline, get->message, _trawl_client_get_timeout (hls->client),
                         get_too_slow_cb, get);
  _trawl_client_send_async (hls->client, trawl_item_get_board (hls->item), get->message,
                            get->cancellable, get_send_cb, task);
}

static void
get_async (Hls                 *hls,
           const char          *what,
           guint                segment,
           const char          *url,
           gint64               offset,
           gint64               length,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, hls->cancellable, callback, user_data);
  Get *get = g_new0 (Get, 1);

  get->hls = hls;
  get->caller = g_object_ref (hls->cancellable);
  get->unconfirmed = -1;
  get->what = what;
  get->segment = segment;
  get->url = g_strdup (url);
  get->offset = offset;
  get->length = length;
  g_task_set_task_data (task, get, (GDestroyNotify) get_free);
  get_start (task);
}

/* ---- Decrypting ------------------------------------------------------ */

/* AES-128-CBC through GnuTLS, the padding (PKCS#7) taken off. */
static GBytes *
decrypt (GBytes  *data,
         GBytes  *key,
         const guint8 iv[16],
         GError **error)
{
  gsize length = g_bytes_get_size (data);
  g_autofree guint8 *plain = g_memdup2 (g_bytes_get_data (data, NULL), length);
  gnutls_cipher_hd_t cipher;
  gnutls_datum_t key_datum = { (unsigned char *) g_bytes_get_data (key, NULL), 16 };
  gnutls_datum_t iv_datum = { (unsigned char *) iv, 16 };
  guint pad;

  if (length == 0 || length % 16 != 0 ||
      gnutls_cipher_init (&cipher, GNUTLS_CIPHER_AES_128_CBC, &key_datum, &iv_datum) < 0)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("A segment of the stream cannot be decrypted (its length is not "
                             "that of AES blocks)"));
      return NULL;
    }
  gnutls_cipher_decrypt (cipher, plain, length);
  gnutls_cipher_deinit (cipher);

  pad = plain[length - 1];
  for (guint i = 1; pad >= 1 && pad <= 16 && i <= pad; i++)
    if (plain[length - i] != pad)
      pad = 0;
  if (pad < 1 || pad > 16)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("A segment of the stream does not decrypt with its key (the key "
                             "or the segment is wrong)"));
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&plain), length - pad);
}

/* ---- Keys and initialisation sections ---------------------------------- */

typedef struct
{
  GTask *task;
  char  *key_url;   /* or NULL: a map */
  guint  map;
} Aux;

/* The parked reads look again (after a write, or to stop). */
static void
unpark (Hls *hls)
{
  g_autoptr(GPtrArray) parked = g_steal_pointer (&hls->parked);

  hls->parked = g_ptr_array_new ();
  for (guint i = 0; i < parked->len; i++)
    get_read (g_ptr_array_index (parked, i));
}

static void
hls_fail (GTask  *task,
          GError *error)
{
  Hls *hls = g_task_get_task_data (task);

  if (hls->failure == NULL)
    {
      hls->failure = error;
      /* The other fetches stop too; the task returns once all have. */
      g_cancellable_cancel (hls->cancellable);
    }
  else
    g_error_free (error);
  unpark (hls);
  hls_pump (task);
}

static void
aux_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Aux *aux = user_data;
  GTask *task = aux->task;
  Hls *hls = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes = g_task_propagate_pointer (G_TASK (result), &error);

  hls->aux_running--;
  if (bytes == NULL)
    hls_fail (task, error);
  else if (aux->key_url != NULL && g_bytes_get_size (bytes) != 16)
    {
      g_bytes_unref (bytes);
      hls_fail (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_STREAM,
                                   _("The stream's key is not an AES-128 key (%s)"),
                                   aux->key_url));
    }
  else
    {
      if (aux->key_url != NULL)
        g_hash_table_replace (hls->keys, g_strdup (aux->key_url), bytes);
      else
        g_ptr_array_index (hls->maps, aux->map) = bytes;
      hls_pump (task);
    }
  g_free (aux->key_url);
  g_free (aux);
}

/* Starts fetching what segment @index needs before it can be written;
 * returns whether it has it all. */
static gboolean
needs_ready (GTask *task,
             guint  index)
{
  Hls *hls = g_task_get_task_data (task);
  const TrawlHlsSegment *segment = &g_array_index (hls->playlist->segments, TrawlHlsSegment,
                                                   index);
  gboolean ready = TRUE;

  if (segment->key >= 0)
    {
      const char *url = g_array_index (hls->playlist->keys, TrawlHlsKey, segment->key).url;

      if (!g_hash_table_contains (hls->keys, url))
        {
          ready = FALSE;
          if (hls->failure == NULL)
            {
              Aux *aux = g_new0 (Aux, 1);

              aux->task = task;
              aux->key_url = g_strdup (url);
              /* Asked for once: a placeholder until it comes. */
              g_hash_table_replace (hls->keys, g_strdup (url), NULL);
              hls->aux_running++;
              /* Translators: %s in “The server refused the %s request” */
              get_async (hls, _("stream key"), G_MAXUINT, url, -1, -1, aux_cb, aux);
            }
        }
      else if (g_hash_table_lookup (hls->keys, url) == NULL)
        ready = FALSE;
    }
  if (segment->map >= 0 && segment->map != hls->written_map &&
      g_ptr_array_index (hls->maps, segment->map) == NULL)
    {
      const TrawlHlsMap *map = &g_array_index (hls->playlist->maps, TrawlHlsMap, segment->map);

      ready = FALSE;
      if (hls->failure == NULL && !hls->map_asked[segment->map])
        {
          Aux *aux = g_new0 (Aux, 1);

          aux->task = task;
          aux->map = (guint) segment->map;
          hls->map_asked[segment->map] = TRUE;
          hls->aux_running++;
          /* Translators: %s in “The server refused the %s request” */
          get_async (hls, _("stream segment"), G_MAXUINT, map->url, map->offset, map->length,
                     aux_cb, aux);
        }
    }
  return ready;
}

/* ---- Segments ------------------------------------------------------- */

typedef struct
{
  GTask *task;
  guint  index;
} SegmentFetch;

static void
segment_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  SegmentFetch *fetch = user_data;
  GTask *task = fetch->task;
  Hls *hls = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes = g_task_propagate_pointer (G_TASK (result), &error);

  hls->running--;
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _("Segment %u of %u: "), fetch->index + 1,
                        hls->playlist->segments->len);
      hls_fail (task, error);
    }
  else
    {
      g_ptr_array_index (hls->bodies, fetch->index) = bytes;
      hls_pump (task);
    }
  g_free (fetch);
}

static void
progress (Hls *hls)
{
  guint count = hls->playlist->segments->len;
  gint64 total = -1;

  if (hls->announced >= 0)
    {
      _trawl_item_set_progress (hls->item, hls->written, hls->announced);
      return;
    }
  /* By segments: what the written ones took, for all of them. */
  if (hls->next_write > 0)
    total = (gint64) (hls->written * count / hls->next_write);
  if (hls->next_write == count)
    total = (gint64) hls->written;
  _trawl_item_set_progress (hls->item, hls->written, total);
}

static void
save_progress (Hls *hls)
{
  g_free (hls->identity.holes);
  hls->identity.holes = g_strdup_printf ("%u:%" G_GUINT64_FORMAT, hls->next_write,
                                         hls->written);
  _trawl_part_write_holes (hls->fd, hls->part_path, &hls->identity);
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Hls *hls = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "writing"));

  hls->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, &error))
    {
      hls_fail (task, error);
      return;
    }
  hls->written += written;
  if (index != G_MAXUINT)
    {
      hls->held -= MIN (hls->held, GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task),
                                                                         "fetched")));
      /* A segment: counted only once it is all there, so a resume never
       * starts after a half-written one. */
      hls->next_write = index + 1;
      save_progress (hls);
      progress (hls);
    }
  unpark (hls);
  hls_pump (task);
}

static void
write_bytes (GTask  *task,
             GBytes *bytes,
             guint   segment)
{
  Hls *hls = g_task_get_task_data (task);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  hls->writing = TRUE;
  g_object_set_data (G_OBJECT (task), "writing", GUINT_TO_POINTER (segment));
  g_object_set_data_full (G_OBJECT (task), "buffer", g_bytes_ref (bytes),
                          (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (hls->output, data, size, G_PRIORITY_DEFAULT, NULL, write_cb,
                                   task);
}

static gboolean
ts_packets (const guint8 *data,
            gsize         length)
{
  if (length == 0 || length % 188 != 0)
    return FALSE;
  for (gsize at = 0; at < length; at += 188)
    if (data[at] != 0x47)
      return FALSE;
  return TRUE;
}

/* AAC in ADTS frames, each with its sync word and its length, end to end. */
static gboolean
adts_frames (const guint8 *data,
             gsize         length)
{
  gsize at = 0;

  if (length == 0)
    return FALSE;
  while (at < length)
    {
      gsize frame;

      if (length - at < 7 || data[at] != 0xFF || (data[at + 1] & 0xF6) != 0xF0)
        return FALSE;
      frame = (gsize) (data[at + 3] & 0x03) << 11 | (gsize) data[at + 4] << 3 |
              data[at + 5] >> 5;
      if (frame < 7 || frame > length - at)
        return FALSE;
      at += frame;
    }
  return TRUE;
}

static gboolean
mp4_boxes (const guint8 *data,
           gsize         length)
{
  gsize at = 0;

  while (at + 8 <= length)
    {
      guint64 size = (guint64) data[at] << 24 | data[at + 1] << 16 | data[at + 2] << 8 |
                     data[at + 3];

      for (guint i = 4; i < 8; i++)
        if (!g_ascii_isalnum (data[at + i]) && data[at + i] != ' ')
          return FALSE;
      if (size == 1 && at + 16 <= length)
        {
          size = 0;
          for (guint i = 8; i < 16; i++)
            size = size << 8 | data[at + i];
        }
      else if (size == 0)
        size = length - at;
      if (size < 8 || size > length - at)
        return FALSE;
      at += size;
    }
  return length > 0 && at == length;
}

/* What a part of a stream must look like: whole MPEG-TS packets (188
 * bytes, each starting with its sync byte), whole MP4 boxes, or packed
 * audio (ADTS frames, after an ID3 tag with the stream's time). A web
 * page, a message, a playlist or a segment cut short is none of them. */
static gboolean
looks_like_media (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (length >= 10 && memcmp (data, "ID3", 3) == 0)
    {
      gsize tag = 10;

      if (data[3] < 2 || data[3] > 4 || data[4] == 0xFF || (data[6] | data[7] | data[8] |
                                                             data[9]) & 0x80)
        return FALSE;
      tag += (gsize) data[6] << 21 | (gsize) data[7] << 14 | (gsize) data[8] << 7 | data[9];
      if (data[5] & 0x10)
        tag += 10;
      if (tag >= length)
        return FALSE;
      return ts_packets (data + tag, length - tag) || adts_frames (data + tag, length - tag);
    }
  if (length > 0 && data[0] == 0x47)
    return ts_packets (data, length);
  if (length > 0 && data[0] == 0xFF)
    return adts_frames (data, length);
  return mp4_boxes (data, length);
}

static void
not_media (GTask *task,
           guint  index)
{
  Hls *hls = g_task_get_task_data (task);

  hls_fail (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_NOT_MEDIA,
                               _("Segment %u of %u is not a piece of the video (a web page, "
                                 "text, or cut short)"),
                               index + 1, hls->playlist->segments->len));
}

/* Writes the next segment if it is here (its initialisation section
 * first when that changed), decrypted. Returns whether a write began. */
static gboolean
write_next (GTask *task)
{
  Hls *hls = g_task_get_task_data (task);
  const TrawlHlsSegment *segment;
  GBytes *body;
  g_autoptr(GBytes) plain = NULL;
  GError *error = NULL;

  if (hls->next_write >= hls->playlist->segments->len)
    return FALSE;
  segment = &g_array_index (hls->playlist->segments, TrawlHlsSegment, hls->next_write);
  body = g_ptr_array_index (hls->bodies, hls->next_write);
  if (body == NULL || !needs_ready (task, hls->next_write))
    return FALSE;

  if (segment->map >= 0 && segment->map != hls->written_map)
    {
      GBytes *section = g_ptr_array_index (hls->maps, segment->map);

      if (!looks_like_media (section))
        {
          not_media (task, hls->next_write);
          return TRUE;
        }
      hls->written_map = segment->map;
      write_bytes (task, section, G_MAXUINT);
      return TRUE;
    }

  if (segment->key >= 0)
    {
      const TrawlHlsKey *key = &g_array_index (hls->playlist->keys, TrawlHlsKey, segment->key);
      guint8 iv[16] = { 0 };

      if (key->has_iv)
        memcpy (iv, key->iv, 16);
      else
        for (guint i = 0; i < 8; i++)
          iv[15 - i] = (guint8) (segment->sequence >> (8 * i));
      plain = decrypt (body, g_hash_table_lookup (hls->keys, key->url), iv, &error);
      if (plain == NULL)
        {
          hls_fail (task, error);
          return TRUE;
        }
    }
  else
    plain = g_bytes_ref (body);
  if (!looks_like_media (plain))
    {
      not_media (task, hls->next_write);
      return TRUE;
    }

  g_object_set_data (G_OBJECT (task), "fetched", GSIZE_TO_POINTER (g_bytes_get_size (body)));
  g_ptr_array_index (hls->bodies, hls->next_write) = NULL;
  g_bytes_unref (body);
  write_bytes (task, plain, hls->next_write);
  return TRUE;
}

static gboolean
may_start_segment (Hls *hls)
{
  const TrawlHlsSegment *segment;
  g_autoptr(GUri) uri = NULL;
  guint per_host = trawl_client_get_per_host (hls->client);
  guint limit = CLAMP (trawl_client_get_split (hls->client), 1, MAX_IN_FLIGHT);

  if (hls->failure != NULL || hls->next_fetch >= hls->playlist->segments->len ||
      hls->running >= limit)
    return FALSE;
  /* Fetched segments wait for the one before them: never more of them
   * in memory than could be in flight. */
  if (hls->next_fetch >= hls->next_write + 2 * limit)
    return FALSE;
  if (hls->running == 0)
    return TRUE;
  segment = &g_array_index (hls->playlist->segments, TrawlHlsSegment, hls->next_fetch);
  uri = g_uri_parse (segment->url, G_URI_FLAGS_ENCODED, NULL);
  return uri != NULL && _trawl_client_get_in_flight (hls->client, uri) < per_host;
}

/* ---- Finishing ------------------------------------------------------ */

typedef struct
{
  int   fd;
  char *part;
  char *path;
} Finish;

static void
finish_free (Finish *finish)
{
  g_free (finish->part);
  g_free (finish->path);
  g_free (finish);
}

static void
finish_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Finish *finish = task_data;
  GError *error = NULL;

  if (!_trawl_part_commit (finish->fd, finish->part, finish->path, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void finish_async (GTask *task);

static void
finish_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Hls *hls = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          /* Someone made a file of that name meanwhile: another name. */
          g_clear_error (&error);
          _trawl_paths_move_aside (hls->paths, hls->item);
          finish_async (task);
          return;
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
finish_async (GTask *task)
{
  Hls *hls = g_task_get_task_data (task);
  GTask *worker = g_task_new (NULL, NULL, finish_cb, task);
  Finish *finish = g_new0 (Finish, 1);

  finish->fd = hls->fd;
  finish->part = g_strdup (hls->part_path);
  finish->path = g_strdup (trawl_item_get_path (hls->item));
  g_task_set_task_data (worker, finish, (GDestroyNotify) finish_free);
  g_task_run_in_thread (worker, finish_thread);
  g_object_unref (worker);
}

/* Keeps segments coming and going to the disk in order; ends the task
 * once all are written, or once nothing is in flight after a failure. */
static void
hls_pump (GTask *task)
{
  Hls *hls = g_task_get_task_data (task);
  guint count = hls->playlist->segments->len;

  if (hls->failure != NULL)
    {
      if (hls->running == 0 && hls->aux_running == 0 && !hls->writing)
        {
          _trawl_item_set_connections (hls->item, 0);
          g_task_return_error (task, g_steal_pointer (&hls->failure));
          g_object_unref (task);
        }
      return;
    }

  if (!hls->writing && write_next (task))
    return;

  while (may_start_segment (hls))
    {
      const TrawlHlsSegment *segment = &g_array_index (hls->playlist->segments, TrawlHlsSegment,
                                                       hls->next_fetch);
      SegmentFetch *fetch = g_new0 (SegmentFetch, 1);

      fetch->task = task;
      fetch->index = hls->next_fetch++;
      hls->running++;
      /* Translators: %s in “The server refused the %s request” */
      get_async (hls, _("stream segment"), fetch->index, segment->url, segment->offset,
                 segment->length, segment_cb, fetch);
    }
  /* What the segment to write next needs, asked for early. */
  if (hls->next_write < count)
    needs_ready (task, hls->next_write);
  _trawl_item_set_connections (hls->item, MAX (hls->running, 1));

  if (hls->next_write == count && !hls->writing && hls->running == 0 && hls->aux_running == 0)
    {
      /* The finished file says what it is: a later run finds it done. */
      g_clear_pointer (&hls->identity.holes, g_free);
      hls->identity.size = (gint64) hls->written;
      _trawl_part_write_identity (hls->fd, hls->part_path, &hls->identity);
      progress (hls);
      _trawl_item_set_connections (hls->item, 0);
      finish_async (task);
    }
}

/* ---- Starting: the playlist, the .part ------------------------------- */

static void
append_place (GString    *canon,
              const char *url)
{
  const char *query = strpbrk (url, "?#");

  /* Without its query: CDNs sign segment addresses with tokens that
   * change at every fetch of the playlist, the segments do not. */
  g_string_append_len (canon, url, query != NULL ? query - url : (gssize) strlen (url));
}

/* What identifies the stream across runs: each segment's place, range,
 * length in time, key and initialisation section, as SHA-256. */
static void
playlist_identity (Hls *hls)
{
  g_autoptr(GString) canon = g_string_new (NULL);
  g_autofree char *sum = NULL;

  for (guint i = 0; i < hls->playlist->segments->len; i++)
    {
      const TrawlHlsSegment *segment = &g_array_index (hls->playlist->segments,
                                                       TrawlHlsSegment, i);

      append_place (canon, segment->url);
      g_string_append_printf (canon, " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %.3f %"
                              G_GUINT64_FORMAT, segment->offset, segment->length,
                              segment->duration, segment->sequence);
      if (segment->key >= 0)
        {
          const TrawlHlsKey *key = &g_array_index (hls->playlist->keys, TrawlHlsKey,
                                                   segment->key);

          g_string_append_c (canon, ' ');
          append_place (canon, key->url);
          for (guint j = 0; key->has_iv && j < 16; j++)
            g_string_append_printf (canon, "%02x", key->iv[j]);
        }
      if (segment->map >= 0)
        {
          const TrawlHlsMap *map = &g_array_index (hls->playlist->maps, TrawlHlsMap,
                                                   segment->map);

          g_string_append_c (canon, ' ');
          append_place (canon, map->url);
          g_string_append_printf (canon, " %" G_GINT64_FORMAT, map->offset);
        }
      g_string_append_c (canon, '\n');
    }
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canon->str, (gssize) canon->len);
  g_free (hls->identity.validator);
  hls->identity.validator = g_strconcat ("hls:", sum, NULL);
}

/* The .part: resumed at the first segment it does not hold when it holds
 * this very playlist's, otherwise emptied and labelled. */
static gboolean
open_part (Hls     *hls,
           GError **error)
{
  g_autofree char *key = _trawl_item_archive_key (hls->item);
  g_autofree char *validator = g_strdup (hls->identity.validator);
  TrawlPartIdentity found = { 0 };
  guint64 segments = 0;
  guint64 bytes = 0;
  struct stat st;

  _trawl_paths_reserve (hls->paths, hls->item, hls->fmp4 ? ".mp4" : ".ts");
  if (!_trawl_paths_make_folder (trawl_item_get_board (hls->item), error))
    return FALSE;
  for (guint i = 0; hls->fd < 0; i++)
    {
      g_autoptr(GError) local_error = NULL;

      /* Finished by an earlier run that ended before noting it. */
      if (_trawl_part_is_finished (trawl_item_get_path (hls->item), key))
        {
          hls->already_there = TRUE;
          return TRUE;
        }
      g_clear_pointer (&hls->part_path, g_free);
      hls->part_path = _trawl_part_name (trawl_item_get_path (hls->item));
      hls->fd = _trawl_part_open (hls->part_path, NULL, &local_error);
      if (hls->fd >= 0)
        break;
      /* Another process writes it, or it is a link or a folder: another
       * name, as for a file. */
      if (i >= 8 || (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BUSY) &&
                     !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      _trawl_paths_move_aside (hls->paths, hls->item);
    }

  if (_trawl_part_read_identity (hls->fd, hls->part_path, &found) &&
      g_strcmp0 (found.source, key) == 0 && g_strcmp0 (found.validator, validator) == 0 &&
      found.holes != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (found.holes, ":", 2);

      if (g_strv_length (fields) != 2 ||
          !g_ascii_string_to_unsigned (fields[0], 10, 0, hls->playlist->segments->len,
                                       &segments, NULL) ||
          !g_ascii_string_to_unsigned (fields[1], 10, 0, G_MAXINT64, &bytes, NULL))
        segments = bytes = 0;
    }
  _trawl_part_identity_clear (&found);
  /* Shorter than its record says (cut by hand, or a file system that
   * lost its end): nothing in it can be trusted. */
  if (fstat (hls->fd, &st) != 0 || (guint64) st.st_size < bytes)
    segments = bytes = 0;

  /* What a crash left after the last whole segment goes. */
  if (ftruncate (hls->fd, (off_t) bytes) != 0 || lseek (hls->fd, (off_t) bytes, SEEK_SET) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      return FALSE;
    }
  hls->next_fetch = hls->next_write = (guint) segments;
  hls->written = bytes;
  /* A resumed fMP4 has its initialisation section already. */
  if (segments > 0)
    hls->written_map = g_array_index (hls->playlist->segments, TrawlHlsSegment,
                                      segments - 1).map;
  hls->identity.source = g_strdup (key);
  hls->identity.size = -1;
  g_free (hls->identity.holes);
  hls->identity.holes = g_strdup_printf ("%u:%" G_GUINT64_FORMAT, hls->next_write,
                                         hls->written);
  _trawl_part_write_identity (hls->fd, hls->part_path, &hls->identity);
  hls->output = g_unix_output_stream_new (hls->fd, FALSE);
  if (segments > 0)
    {
      g_autofree char *note = g_strdup_printf (_("Resumed at segment %u of %u"),
                                               (guint) segments + 1,
                                               hls->playlist->segments->len);
      _trawl_item_note (hls->item, note);
    }
  return TRUE;
}

/* The joined file's length when every part of it comes as a byte range
 * and none is encrypted (padding makes a decrypted length unknown). */
static gint64
announced_length (const TrawlHlsPlaylist *playlist)
{
  gint64 total = 0;
  int map = -1;

  for (guint i = 0; i < playlist->segments->len; i++)
    {
      const TrawlHlsSegment *segment = &g_array_index (playlist->segments, TrawlHlsSegment, i);

      if (segment->offset < 0 || segment->key >= 0)
        return -1;
      if (segment->map >= 0 && segment->map != map)
        {
          const TrawlHlsMap *section = &g_array_index (playlist->maps, TrawlHlsMap,
                                                       segment->map);

          if (section->offset < 0)
            return -1;
          total += section->length;
          map = segment->map;
        }
      total += segment->length;
    }
  return total;
}

static gboolean
media_playlist_ready (GTask   *task,
                      GError **error)
{
  Hls *hls = g_task_get_task_data (task);

  if (!hls->playlist->ended)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("This is a live stream (its playlist has no end); Trawl saves "
                             "only whole videos"));
      return FALSE;
    }
  hls->fmp4 = hls->playlist->maps->len > 0;
  hls->announced = announced_length (hls->playlist);
  hls->maps = g_ptr_array_new_full (hls->playlist->maps->len, (GDestroyNotify) g_bytes_unref);
  g_ptr_array_set_size (hls->maps, (gint) hls->playlist->maps->len);
  hls->map_asked = g_new0 (gboolean, hls->playlist->maps->len + 1);
  hls->bodies = g_ptr_array_new_full (hls->playlist->segments->len,
                                      (GDestroyNotify) g_bytes_unref);
  g_ptr_array_set_size (hls->bodies, (gint) hls->playlist->segments->len);
  return open_part (hls, error);
}

static void fetch_playlist (GTask *task, const char *url);

static void
playlist_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Hls *hls = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (TRAWL_CLIENT (object), result,
                                                                  &error);
  g_autoptr(TrawlHlsPlaylist) playlist = NULL;
  gconstpointer text;
  gsize length = 0;

  g_assert (G_IS_TASK (task));

  if (response == NULL || response->body == NULL)
    {
      if (error == NULL)
        error = g_error_new (TRAWL_ERROR, TRAWL_ERROR_STREAM,
                             _("The stream's playlist is a video file, not a playlist"));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  text = g_bytes_get_data (response->body, &length);
  playlist = _trawl_hls_parse (text, length, response->url, &error);
  if (playlist == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (playlist->master)
    {
      g_autofree char *note = NULL;
      const TrawlHlsVariant *variant;

      if (hls->playlist_url != NULL)
        {
          g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                                   _("The stream's variant is a list of variants again"));
          g_object_unref (task);
          return;
        }
      variant = _trawl_hls_choose_variant (playlist,
                                           trawl_client_get_max_height (hls->client), &note,
                                           &error);
      if (variant == NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      if (note != NULL)
        _trawl_item_note (hls->item, note);
      hls->playlist_url = g_strdup (variant->url);
      fetch_playlist (task, variant->url);
      return;
    }

  g_free (hls->playlist_url);
  hls->playlist_url = g_strdup (response->url);
  hls->playlist = g_steal_pointer (&playlist);
  playlist_identity (hls);
  if (!media_playlist_ready (task, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (hls->already_there)
    {
      struct stat st;

      if (stat (trawl_item_get_path (hls->item), &st) == 0)
        _trawl_item_set_progress (hls->item, (guint64) st.st_size, st.st_size);
      _trawl_item_note (hls->item, _("Found finished by an earlier run"));
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  progress (hls);
  hls_pump (task);
}

static void
fetch_playlist (GTask      *task,
                const char *url)
{
  Hls *hls = g_task_get_task_data (task);

  /* Translators: %s in “The server refused the %s request” */
  _trawl_client_fetch_async (hls->client, trawl_item_get_board (hls->item), url,
                             trawl_item_get_page_url (hls->item), NULL, NULL, _("playlist"),
                             SOUP_MESSAGE_PRIORITY_HIGH, hls->cancellable, playlist_cb, task);
}

/**
 * _trawl_hls_async:
 * @item: an item whose media URL is an HLS playlist, with a reserved path
 *
 * Downloads the stream into one file (its extension made .ts or .mp4 by
 * what the segments are), resuming what a .part of the same playlist
 * holds. Succeeds only once every segment is written and the file is in
 * place.
 */
void
_trawl_hls_async (TrawlClient         *client,
                  TrawlPaths          *paths,
                  TrawlItem           *item,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (item, cancellable, callback, user_data);
  Hls *hls = g_new0 (Hls, 1);

  g_task_set_source_tag (task, _trawl_hls_async);
  /* A file renamed into place is done, whatever came meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  hls->client = g_object_ref (client);
  hls->paths = g_object_ref (paths);
  hls->item = g_object_ref (item);
  hls->cancellable = g_cancellable_new ();
  hls->fd = -1;
  hls->written_map = -1;
  hls->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_bytes_unref);
  hls->parked = g_ptr_array_new ();
  g_task_set_task_data (task, hls, (GDestroyNotify) hls_free);
  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                             hls->cancellable, G_CONNECT_SWAPPED);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    g_cancellable_cancel (hls->cancellable);

  fetch_playlist (task, trawl_item_get_media_url (item));
}

gboolean
_trawl_hls_finish (TrawlItem     *item,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, item), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
