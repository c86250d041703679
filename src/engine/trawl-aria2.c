#define G_LOG_DOMAIN "trawl-aria2"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <libsoup/soup.h>

#include "trawl-aria2.h"
#include "trawl-board-private.h"
#include "trawl-client-private.h"
#include "trawl-error.h"
#include "trawl-item-private.h"
#include "trawl-hls-playlist-private.h"
#include "trawl-http-private.h"
#include "trawl-policy-private.h"
#include "trawl-proxy-resolver-private.h"
#include "trawl-transfer-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

/* aria2 over JSON-RPC as a download backend: each resolved video is handed
 * to aria2 with aria2.addUri (its headers, name and folder), followed by
 * its GID, which the item keeps (and the queue saves), so that a restart
 * of either side finds it again. Calls go by HTTP POST; aria2's WebSocket
 * only tells when a download stops, so that the answer comes at once.
 * Progress is asked for all downloads in one system.multicall, twice a
 * second at most. */

#define POLL_MS 500
#define RECONNECT_BASE_MS 1000
#define RPC_TIMEOUT_S 30
/* An answer for a few hundred downloads is a few hundred KiB. */
#define MAX_ANSWER (8 * 1024 * 1024)
/* However slowly it comes. */
#define CALL_TIMEOUT_S 60
#define BAD_POLLS 10

/* Wrong secret, or not aria2 at all: nothing is sent again. */
#define FAULT_UNAUTHORIZED "Unauthorized"

typedef enum
{
  LINK_IDLE,
  LINK_CONNECTING,
  LINK_UP,
  LINK_DOWN,
  LINK_REFUSED,
} Link;

typedef enum
{
  PHASE_WAITING,   /* for aria2 to answer */
  PHASE_ASKING,    /* a call about it is out (addUri, tellStatus) */
  PHASE_TRACKING,  /* aria2 has it; polls follow it */
} Phase;

struct _TrawlAria2
{
  GObject                  parent_instance;

  TrawlClient             *client;
  char                    *address;  /* as the user gave it */
  GUri                    *rpc_uri;  /* http(s) */
  GUri                    *ws_uri;   /* ws(s) */
  char                    *secret;
  char                    *dir;      /* the user's remote folder, or aria2's own */
  SoupSession             *session;
  SoupWebsocketConnection *websocket;
  GCancellable            *cancellable;

  Link                     link;
  GError                  *refusal;  /* with LINK_REFUSED */
  guint                    reconnects;
  guint                    reconnect_source;
  guint64                  next_id;

  GList                   *downloads;  /* of Download, in the order they came */
  GHashTable              *our_pauses; /* GIDs paused by a pause in Trawl */
  GHashTable              *known;      /* aria2's downloads when connected: path → GID */
  guint                    poll_source;
  gboolean                 polling;
  guint                    bad_polls;  /* answers in a row that were not aria2's */
  gint64                   polled_at;
};

typedef struct
{
  TrawlAria2   *aria2;
  TrawlItem    *item;
  GTask        *task;        /* until it returns */
  GSource      *cancel_source;
  Phase         phase;
  gboolean      cancelled;   /* while a call was out: acted on when it is back */
  gboolean      said_paused; /* paused in aria2 by someone else, and said so */
  gboolean      seen;        /* a status of aria2's came since it started */
  char         *dir;         /* where aria2 saves it, and its name there */
  char         *out;
  char         *url;         /* the video's address once probed: after redirects */
  SoupMessage  *probe;       /* the first bytes asked for here, to check them */
  GInputStream *probe_stream;
  guint8       *probe_bytes;
  guint         probe_tries;
  guint         probe_source;
  GError       *end_error;   /* how it ended, while its result is removed */
} Download;

static void backend_iface_init (TrawlBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlAria2, trawl_aria2, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TRAWL_TYPE_BACKEND, backend_iface_init))

static void connect_link (TrawlAria2 *self);
static void poll_soon (TrawlAria2 *self);
static void download_go (Download *download);
static void download_ask_status (Download *download);
static char *take_known (TrawlAria2 *self,
                         const char *dir,
                         const char *out);

static void
trawl_aria2_dispose (GObject *object)
{
  TrawlAria2 *self = TRAWL_ARIA2 (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (self->websocket != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->websocket, self);
      if (soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&self->websocket);
    }
  G_OBJECT_CLASS (trawl_aria2_parent_class)->dispose (object);
}

static void
trawl_aria2_finalize (GObject *object)
{
  TrawlAria2 *self = TRAWL_ARIA2 (object);

  g_assert (self->downloads == NULL);
  g_clear_object (&self->client);
  g_free (self->address);
  g_clear_pointer (&self->rpc_uri, g_uri_unref);
  g_clear_pointer (&self->ws_uri, g_uri_unref);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->dir);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->refusal);
  g_clear_pointer (&self->our_pauses, g_hash_table_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  G_OBJECT_CLASS (trawl_aria2_parent_class)->finalize (object);
}

static void
trawl_aria2_class_init (TrawlAria2Class *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = trawl_aria2_dispose;
  object_class->finalize = trawl_aria2_finalize;
}

static void
trawl_aria2_init (TrawlAria2 *self)
{
  self->cancellable = g_cancellable_new ();
  self->link = LINK_IDLE;
  self->our_pauses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* A member that is a string, or @fallback: what aria2 sends is checked
 * like anything else from the network. */
static const char *
string_member (JsonObject *object,
               const char *name,
               const char *fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

/* The host as a person would name it in a sentence. */
static const char *
host_of (TrawlAria2 *self)
{
  return g_uri_get_host (self->rpc_uri);
}

/* ---- One call ---------------------------------------------------------- */

static GQuark
fault_quark (void)
{
  return g_quark_from_static_string ("trawl-aria2-fault");
}

/* Whether @error is aria2 saying it does not know a GID. */
static gboolean
is_unknown_gid (const GError *error)
{
  return error->domain == fault_quark () && strstr (error->message, "is not found") != NULL;
}

/* Worth asking again later: not aria2's own refusal, not a certificate
 * that will not be trusted by waiting. */
static gboolean
is_unreachable (const GError *error)
{
  if (g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_SERVER))
    return TRUE;
  return error->domain != fault_quark () && error->domain != TRAWL_ERROR &&
         error->domain != G_TLS_ERROR &&
         !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static char *
call_body (TrawlAria2 *self,
           const char *method,
           JsonArray  *params)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *id = g_strdup_printf ("trawl-%" G_GUINT64_FORMAT, ++self->next_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "jsonrpc");
  json_builder_add_string_value (builder, "2.0");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "params");
  json_builder_add_value (builder, json_node_init_array (json_node_alloc (), params));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* The parameters of a call to aria2: the secret first. */
static JsonArray *
params_new (TrawlAria2 *self)
{
  JsonArray *params = json_array_new ();

  if (self->secret != NULL)
    {
      g_autofree char *token = g_strconcat ("token:", self->secret, NULL);
      json_array_add_string_element (params, token);
    }
  return params;
}

/* aria2's "error" member as a GError, in aria2's own words. */
static GError *
fault_error (JsonObject *fault)
{
  const char *message = string_member (fault, "message", NULL);

  return g_error_new_literal (fault_quark (), 1,
                              message != NULL && *message != '\0' ? message : "error");
}

/* One call on its way: its answer is bounded in size and in time, as
 * anything from the network is. */
typedef struct
{
  SoupMessage  *message;
  GCancellable *cancellable;   /* its own: trips on the backend's or the time */
  gulong        cancel_id;
  guint         timeout_source;
  GInputStream *stream;
  GByteArray   *answer;
  gboolean      too_slow;
} Call;

static void
call_free (Call *call)
{
  g_clear_handle_id (&call->timeout_source, g_source_remove);
  g_clear_object (&call->message);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->answer, g_byte_array_unref);
  g_free (call);
}

static gboolean
call_timeout_cb (gpointer user_data)
{
  Call *call = user_data;

  call->timeout_source = 0;
  call->too_slow = TRUE;
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

/* The whole answer is in: what it says. */
static void
call_answered (GTask *task)
{
  TrawlAria2 *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessage *message = call->message;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status = soup_message_get_status (message);
  JsonObject *answer;

  if (call->answer->len == 0 ||
      !_trawl_json_parse (parser, (const char *) call->answer->data, call->answer->len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      if (status == SOUP_STATUS_UNAUTHORIZED)
        g_task_return_error (task, g_error_new_literal (fault_quark (), 1, FAULT_UNAUTHORIZED));
      else if (SOUP_STATUS_IS_SERVER_ERROR (status))
        /* A proxy in front of aria2 that cannot reach it (502, 503, 504):
         * asked again later, as when aria2 is down. */
        g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_SERVER, "%u %s", status,
                                 soup_message_get_reason_phrase (message));
      else
        g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                                 _("%s does not answer as aria2 does (%u %s)"), self->address,
                                 status, soup_message_get_reason_phrase (message));
      return;
    }

  answer = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (answer, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "error")))
    g_task_return_error (task, fault_error (json_object_get_object_member (answer, "error")));
  else if (json_object_has_member (answer, "result"))
    g_task_return_pointer (task, json_node_copy (json_object_get_member (answer, "result")),
                           (GDestroyNotify) json_node_unref);
  else
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                             _("%s does not answer as aria2 does"), self->address);
}

/* Ends the call: its answer, or why there is none. */
static void
call_done (GTask  *task,
           GError *error)
{
  TrawlAria2 *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  g_cancellable_disconnect (self->cancellable, call->cancel_id);
  call->cancel_id = 0;
  g_clear_handle_id (&call->timeout_source, g_source_remove);
  if (call->stream != NULL)
    g_input_stream_close (call->stream, NULL, NULL);
  if (error != NULL && call->too_slow)
    {
      g_error_free (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("no answer within %u s"), CALL_TIMEOUT_S);
    }
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    call_answered (task);
  g_object_unref (task);
}

static void
call_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  TrawlAria2 *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result,
                                                              &error);

  if (bytes == NULL)
    {
      call_done (task, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      call_done (task, NULL);
      return;
    }
  g_byte_array_append (call->answer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (call->answer->len > MAX_ANSWER)
    {
      call_done (task, g_error_new (TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                                    _("%s does not answer as aria2 does (an answer of over "
                                      "%u MiB)"), self->address, MAX_ANSWER / (1024 * 1024)));
      return;
    }
  g_input_stream_read_bytes_async (call->stream, 64 * 1024, G_PRIORITY_DEFAULT,
                                   call->cancellable, call_read_cb, task);
}

static void
call_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (call->stream == NULL)
    {
      call_done (task, error);
      return;
    }
  g_input_stream_read_bytes_async (call->stream, 64 * 1024, G_PRIORITY_DEFAULT,
                                   call->cancellable, call_read_cb, task);
}

static void
call_cancelled_cb (GCancellable *cancellable,
                   GCancellable *own)
{
  g_cancellable_cancel (own);
}

/* Calls @method with the secret and @params (taken). */
static void
call_async (TrawlAria2          *self,
            const char          *method,
            JsonArray           *params,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, self->cancellable, callback, user_data);
  g_autofree char *body = call_body (self, method, params);
  g_autoptr(GBytes) bytes = NULL;
  Call *call = g_new0 (Call, 1);
  gsize length = strlen (body);

  g_task_set_source_tag (task, call_async);
  json_array_unref (params);
  bytes = g_bytes_new_take (g_steal_pointer (&body), length);
  call->message = soup_message_new_from_uri (SOUP_METHOD_POST, self->rpc_uri);
  call->cancellable = g_cancellable_new ();
  call->answer = g_byte_array_new ();
  soup_message_set_request_body_from_bytes (call->message, "application/json", bytes);
  call->cancel_id = g_cancellable_connect (self->cancellable, G_CALLBACK (call_cancelled_cb),
                                           g_object_ref (call->cancellable), g_object_unref);
  call->timeout_source = g_timeout_add_seconds (CALL_TIMEOUT_S, call_timeout_cb, call);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  soup_session_send_async (self->session, call->message, G_PRIORITY_DEFAULT, call->cancellable,
                           call_sent_cb, task);
}

static JsonNode *
call_finish (TrawlAria2    *self,
             GAsyncResult  *result,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A call whose answer nobody waits for (a pause, forgetting a result). */
static void
call_ignored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = call_finish (TRAWL_ARIA2 (object), result, &error);

  if (node == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("%s: %s", (const char *) user_data, error->message);
}

static void
call_on_gid (TrawlAria2 *self,
             const char *method,
             const char *gid)
{
  JsonArray *params = params_new (self);

  json_array_add_string_element (params, gid);
  call_async (self, method, params, call_ignored_cb, (gpointer) method);
}

static void
removed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree char *gid = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = call_finish (TRAWL_ARIA2 (object), result, &error);

  if (node != NULL)
    call_on_gid (TRAWL_ARIA2 (object), "aria2.removeDownloadResult", gid);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("aria2.forceRemove: %s", error->message);
}

/* Removes @gid, then its result once it is one (calls on two connections
 * could overtake each other). */
static void
remove_gid (TrawlAria2 *self,
            const char *gid)
{
  JsonArray *params = params_new (self);

  json_array_add_string_element (params, gid);
  call_async (self, "aria2.forceRemove", params, removed_cb, g_strdup (gid));
}

/* ---- Downloads --------------------------------------------------------- */

static void
download_free (Download *download)
{
  g_assert (download->task == NULL);
  g_clear_handle_id (&download->probe_source, g_source_remove);
  g_clear_object (&download->probe);
  g_clear_object (&download->probe_stream);
  g_free (download->probe_bytes);
  g_free (download->url);
  g_clear_error (&download->end_error);
  g_clear_object (&download->item);
  g_clear_object (&download->aria2);
  g_free (download->dir);
  g_free (download->out);
  g_free (download);
}

/* Ends the download's task: with @error, or as done when it is NULL. */
static void
download_return (Download *download,
                 GError   *error)
{
  TrawlAria2 *self = download->aria2;
  g_autoptr(GTask) task = g_steal_pointer (&download->task);

  g_assert (task != NULL);
  self->downloads = g_list_remove (self->downloads, download);
  if (download->cancel_source != NULL)
    {
      g_source_destroy (download->cancel_source);
      g_clear_pointer (&download->cancel_source, g_source_unref);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static GError *
remote_error (const char *format,
              ...) G_GNUC_PRINTF (1, 2);

static GError *
remote_error (const char *format,
              ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_REMOTE, message);
}

/* aria2 saves the bytes of one address: a stream's playlist would be
 * saved as the video. */
static GError *
hls_refused (void)
{
  return g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_STREAM,
                              _("aria2 cannot save HLS streams; download this board on this "
                                "computer"));
}

/* What a failed call means for a video, in the user's words. */
static GError *
user_error (TrawlAria2   *self,
            const GError *error)
{
  if (error->domain == fault_quark () && g_strcmp0 (error->message, FAULT_UNAUTHORIZED) == 0)
    return remote_error (_("aria2 at %s refused the secret"), host_of (self));
  if (error->domain == fault_quark ())
    return remote_error (_("aria2 refused the download: %s"), error->message);
  if (error->domain == G_TLS_ERROR)
    return remote_error (_("The certificate of aria2 at %s is not trusted (%s)"), host_of (self),
                         error->message);
  return g_error_copy (error);
}

/* What the pause, cancel or shutdown that came means for aria2's copy. */
static void
download_act_on_cancel (Download *download)
{
  TrawlAria2 *self = download->aria2;
  const char *gid = _trawl_item_get_remote_id (download->item);
  TrawlItemState state = trawl_item_get_state (download->item);

  if (gid != NULL && state == TRAWL_ITEM_PAUSED)
    {
      g_hash_table_add (self->our_pauses, g_strdup (gid));
      call_on_gid (self, "aria2.forcePause", gid);
    }
  else if (gid != NULL && state == TRAWL_ITEM_CANCELLED)
    {
      g_hash_table_remove (self->our_pauses, gid);
      remove_gid (self, gid);
      _trawl_item_set_remote_id (download->item, NULL);
    }
  /* Otherwise the queue is shutting down: aria2 goes on with it, and the
   * next run finds it by its GID. */
  download_return (download, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  _("Operation was cancelled")));
}

static gboolean
download_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  Download *download = user_data;

  g_clear_pointer (&download->cancel_source, g_source_unref);
  if (download->phase == PHASE_ASKING)
    download->cancelled = TRUE;
  else
    download_act_on_cancel (download);
  return G_SOURCE_REMOVE;
}

static gint64
member_int (JsonObject *status,
            const char *name)
{
  const char *text = string_member (status, name, NULL);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return -1;
  return (gint64) value;
}

/* The file aria2 says it wrote, or NULL. */
static const char *
status_path (JsonObject *status)
{
  JsonArray *files;
  JsonNode *first;

  if (!json_object_has_member (status, "files") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (status, "files")))
    return NULL;
  files = json_object_get_array_member (status, "files");
  if (json_array_get_length (files) != 1)
    return NULL;
  first = json_array_get_element (files, 0);
  if (!JSON_NODE_HOLDS_OBJECT (first))
    return NULL;
  return string_member (json_node_get_object (first), "path", NULL);
}

/* Whether two paths name one file, however written ("dir//name"). */
static gboolean
same_path (const char *a,
           const char *b)
{
  g_autofree char *one = NULL;
  g_autofree char *other = NULL;

  if (a == NULL || b == NULL || !g_path_is_absolute (a) || !g_path_is_absolute (b))
    return g_strcmp0 (a, b) == 0;
  one = g_canonicalize_filename (a, NULL);
  other = g_canonicalize_filename (b, NULL);
  return g_str_equal (one, other);
}

/* Done only when aria2 has every byte it was told of, in the file it was
 * asked to write. */
static GError *
check_complete (Download   *download,
                JsonObject *status)
{
  gint64 total = member_int (status, "totalLength");
  gint64 completed = member_int (status, "completedLength");
  const char *path = status_path (status);
  g_autofree char *expected = g_build_filename (download->dir, download->out, NULL);

  if (total <= 0 || completed != total)
    {
      g_autofree char *have = g_strdup_printf ("%" G_GINT64_FORMAT, completed);
      g_autofree char *of = g_strdup_printf ("%" G_GINT64_FORMAT, total);

      /* Translators: bytes that aria2 has, and the video's length. */
      return remote_error (_("aria2 says it finished with %s of %s bytes"), have, of);
    }
  if (download->dir != NULL && !same_path (path, expected))
    return remote_error (_("aria2 saved it as %s, not %s"), path ? path : "?", expected);
  _trawl_item_set_progress (download->item, (guint64) completed, total);
  return NULL;
}

/* Why aria2 failed a download (its exit status codes), in the user's
 * words and as the kind of failure the window names. aria2's own message
 * is said only for codes not named here: it is often no more than
 * "Download aborted.", or a paragraph of advice. */
static GError *
download_error (gint64      code,
                const char *message)
{
  TrawlError kind = TRAWL_ERROR_REMOTE;
  const char *words;

  switch (code)
    {
    case 3:
      kind = TRAWL_ERROR_GONE;
      words = _("the site has no such video");
      break;
    case 9:
      kind = TRAWL_ERROR_NO_SPACE;
      words = _("its disk is full");
      break;
    case 13:
      words = _("a file of that name is already in its folder");
      break;
    case 15:
    case 16:
    case 17:
    case 18:
      words = _("it cannot write in its folder");
      break;
    case 2:
    case 5:
    case 6:
    case 19:
      words = _("it cannot reach the site");
      break;
    case 22:
    case 24:
      kind = TRAWL_ERROR_HTTP;
      words = _("the site refused it");
      break;
    case 29:
      kind = TRAWL_ERROR_SERVER;
      words = _("the site had a problem");
      break;
    default:
      {
        /* aria2's own words, then: its first line, cut. */
        g_autofree char *line = g_strndup (message != NULL ? message : "?", 120);

        line[strcspn (line, "\r\n")] = '\0';
        return g_error_new (TRAWL_ERROR, kind, _("aria2 could not download it: %s (error %d)"),
                            line, (int) code);
      }
    }
  return g_error_new (TRAWL_ERROR, kind, _("aria2 could not download it: %s (error %d)"), words,
                      (int) code);
}

static void
result_forgotten_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Download *download = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = call_finish (TRAWL_ARIA2 (object), result, &error);

  download->phase = PHASE_WAITING;
  download_return (download, g_steal_pointer (&download->end_error));
}

/* The download ended in aria2 (@error, or done): its result is removed
 * from aria2's list first, so that a run that ends now leaves none. */
static void
download_end (Download *download,
              GError   *error)
{
  TrawlAria2 *self = download->aria2;
  JsonArray *params = params_new (self);

  json_array_add_string_element (params, _trawl_item_get_remote_id (download->item));
  _trawl_item_set_remote_id (download->item, NULL);
  download->end_error = error;
  download->phase = PHASE_ASKING;
  call_async (self, "aria2.removeDownloadResult", params, result_forgotten_cb, download);
}

/* Follows one status of @download's GID: progress, or its end. */
static void
download_status (Download   *download,
                 JsonObject *status)
{
  TrawlAria2 *self = download->aria2;
  const char *gid = _trawl_item_get_remote_id (download->item);
  const char *state = string_member (status, "status", "");
  gint64 total = member_int (status, "totalLength");
  gint64 completed = member_int (status, "completedLength");
  gint64 connections = member_int (status, "connections");

  if (download->dir == NULL)
    {
      const char *path = status_path (status);

      if (path != NULL && *path != '\0')
        {
          download->dir = g_path_get_dirname (path);
          download->out = g_path_get_basename (path);
        }
    }

  if (completed >= 0)
    _trawl_item_set_progress (download->item, (guint64) completed, total > 0 ? total : -1);
  _trawl_item_set_connections (download->item, connections > 0 ? (guint) connections : 0);

  if (g_str_equal (state, "complete"))
    download_end (download, check_complete (download, status));
  else if (g_str_equal (state, "error"))
    download_end (download, download_error (member_int (status, "errorCode"),
                                            string_member (status, "errorMessage", NULL)));
  else if (g_str_equal (state, "removed"))
    download_end (download, remote_error (_("The download was removed in aria2")));
  else if (!g_str_equal (state, "active") && !g_str_equal (state, "waiting") &&
           !g_str_equal (state, "paused"))
    {
      g_autofree char *shown = g_strndup (state, 24);

      g_strcanon (shown, "abcdefghijklmnopqrstuvwxyz", '?');
      download_end (download, remote_error (_("aria2 says the download is “%s”, which Trawl "
                                              "does not know"), shown));
    }
  else
    {
      /* Paused when Trawl starts (or resumes) it, or by a pause of
       * Trawl's that this resume overtook: running again. Paused by
       * someone else later (AriaNg, aria2's own tools): theirs to resume,
       * and said so. */
      gboolean paused = g_str_equal (state, "paused");

      /* Both asked: a first sight also ends a pause of Trawl's. */
      if (paused && (g_hash_table_remove (self->our_pauses, gid) | !download->seen))
        call_on_gid (self, "aria2.unpause", gid);
      else if (paused && !download->said_paused)
        {
          download->said_paused = TRUE;
          _trawl_item_note (download->item, _("Paused in aria2; it goes on when resumed there"));
        }
      else if (!paused)
        download->said_paused = FALSE;
      download->seen = TRUE;
      download->phase = PHASE_TRACKING;
      poll_soon (self);
    }
}

/* aria2 no longer knows the GID (it was restarted without its session, or
 * its results were purged): never done unverified. */
static void
download_forgotten (Download *download)
{
  /* A file of the full length proves nothing: aria2 allocates it before
   * the first byte, and a control file not yet written is no proof
   * either (the fresh-eyes review had one "done" that was mostly zeros). */
  _trawl_item_set_remote_id (download->item, NULL);
  download_return (download,
                   remote_error (_("aria2 no longer knows this download, so whether it "
                                   "finished is not known; downloading it again hands it to "
                                   "aria2 anew")));
}

static void
download_asked_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Download *download = user_data;
  TrawlAria2 *self = TRAWL_ARIA2 (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = call_finish (self, result, &error);

  download->phase = PHASE_WAITING;
  if (answer != NULL && JSON_NODE_HOLDS_VALUE (answer) &&
      json_node_get_value_type (answer) == G_TYPE_STRING)
    {
      /* addUri: the new download's GID. */
      const char *gid = json_node_get_string (answer);

      if (!_trawl_is_remote_id (gid))
        {
          download_return (download, remote_error (_("aria2 gave the download no usable id")));
          return;
        }
      _trawl_item_set_remote_id (download->item, gid);
      download->phase = PHASE_TRACKING;
      if (download->cancelled)
        download_act_on_cancel (download);
      else
        poll_soon (self);
      return;
    }

  if (download->cancelled)
    {
      download_act_on_cancel (download);
      return;
    }
  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
    {
      download_status (download, json_node_get_object (answer));
      return;
    }
  if (error != NULL && is_unknown_gid (error))
    {
      download_forgotten (download);
      return;
    }
  if (error != NULL && is_unreachable (error))
    {
      /* Asked again once aria2 is back. */
      self->link = LINK_DOWN;
      connect_link (self);
      return;
    }
  download_return (download, error != NULL ? user_error (self, error)
                                           : remote_error (_("aria2 gave an answer Trawl "
                                                             "does not understand")));
}

static void
add_option (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_header_options (TrawlAria2  *self,
                    TrawlItem   *item,
                    const char  *url,
                    JsonBuilder *builder)
{
  g_autoptr(SoupMessage) message = _trawl_client_new_message (
    self->client, url, trawl_item_get_board (item), trawl_item_get_page_url (item));
  g_autofree char *cookies = _trawl_client_get_cookies (self->client, url);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  json_builder_set_member_name (builder, "header");
  json_builder_begin_array (builder);
  if (cookies != NULL)
    {
      g_autofree char *line = g_strconcat ("Cookie: ", cookies, NULL);
      json_builder_add_string_value (builder, line);
    }
  soup_message_headers_iter_init (&iter, soup_message_get_request_headers (message));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "User-Agent") != 0 && g_ascii_strcasecmp (name, "Referer") != 0)
      {
        g_autofree char *line = g_strdup_printf ("%s: %s", name, value);
        json_builder_add_string_value (builder, line);
      }
  json_builder_end_array (builder);

  value = soup_message_headers_get_one (soup_message_get_request_headers (message), "User-Agent");
  if (value != NULL)
    add_option (builder, "user-agent", value);
  value = soup_message_headers_get_one (soup_message_get_request_headers (message), "Referer");
  if (value != NULL)
    add_option (builder, "referer", value);
}

/* Where aria2 saves @download: the remote folder, then the board's own
 * folder under it as it would be here, and the name reserved here. */
static void
download_place (Download *download)
{
  TrawlAria2 *self = download->aria2;
  TrawlBoard *board = trawl_item_get_board (download->item);
  const char *path = trawl_item_get_path (download->item);
  const char *base = _trawl_board_get_parent_dir (board) != NULL
                     ? _trawl_board_get_parent_dir (board) : trawl_board_get_output_dir (board);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *sub = NULL;

  if (base != NULL && g_str_has_prefix (dir, base) && dir[strlen (base)] == G_DIR_SEPARATOR)
    sub = g_strdup (dir + strlen (base) + 1);
  g_clear_pointer (&download->dir, g_free);
  g_clear_pointer (&download->out, g_free);
  download->out = g_path_get_basename (path);
  if (self->dir != NULL)
    download->dir = sub != NULL ? g_build_filename (self->dir, sub, NULL) : g_strdup (self->dir);
}

/* The client's tries, idle timeout and speed limit, as aria2's options;
 * the speed limit bounds each video there (aria2's own limit for all its
 * downloads is aria2's user's to set). */
static void
add_limits (TrawlAria2  *self,
            JsonBuilder *builder)
{
  guint64 rate = 0;
  guint tries = 0;
  guint timeout = 0;
  g_autofree char *rate_text = NULL;
  g_autofree char *tries_text = NULL;
  g_autofree char *timeout_text = NULL;

  g_object_get (self->client, "limit-rate", &rate, "max-tries", &tries, "timeout", &timeout,
                NULL);
  if (rate > 0)
    {
      rate_text = g_strdup_printf ("%" G_GUINT64_FORMAT, rate);
      add_option (builder, "max-download-limit", rate_text);
    }
  tries_text = g_strdup_printf ("%u", tries);
  add_option (builder, "max-tries", tries_text);
  if (timeout > 0)
    {
      timeout_text = g_strdup_printf ("%u", MIN (timeout, 600));
      add_option (builder, "timeout", timeout_text);
    }
}

static void
download_hand_over (Download *download)
{
  TrawlAria2 *self = download->aria2;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) options = NULL;
  JsonArray *params = params_new (self);
  JsonArray *uris = json_array_new ();
  guint split = MAX (1, trawl_client_get_split (self->client));
  g_autofree char *split_text = g_strdup_printf ("%u", split);
  g_autofree char *conns_text = g_strdup_printf ("%u", CLAMP (MIN (split,
                                                  trawl_client_get_per_host (self->client)),
                                                  1, 16));
  /* aria2 takes 1M to 1024M. */
  g_autofree char *min_split = g_strdup_printf (
    "%" G_GUINT64_FORMAT "M",
    CLAMP (_trawl_client_get_min_split_size (self->client) / (1024 * 1024), 1, 1024));

  download_place (download);
  json_builder_begin_object (builder);
  if (download->dir != NULL)
    add_option (builder, "dir", download->dir);
  add_option (builder, "out", download->out);
  add_header_options (self, download->item, download->url, builder);
  add_option (builder, "split", split_text);
  add_option (builder, "max-connection-per-server", conns_text);
  add_option (builder, "min-split-size", min_split);
  add_limits (self, builder);
  /* Never another name, never over another file: a name taken in aria2's
   * folder fails with aria2's reason. */
  add_option (builder, "auto-file-renaming", "false");
  add_option (builder, "allow-overwrite", "false");
  json_builder_end_object (builder);
  options = json_builder_get_root (builder);

  json_array_add_string_element (uris, download->url);
  json_array_add_array_element (params, uris);
  json_array_add_element (params, g_steal_pointer (&options));
  download->phase = PHASE_ASKING;
  call_async (self, "aria2.addUri", params, download_asked_cb, download);
}

/* ---- The probe: the video's first bytes, fetched here ------------------ */

#define PROBE_BYTES 4096

static void download_probe (Download *download);

static gboolean
probe_again_cb (gpointer user_data)
{
  Download *download = user_data;

  download->probe_source = 0;
  download_probe (download);
  return G_SOURCE_REMOVE;
}

/* Ends the probe with @error: tried again later when it may pass. */
static void
probe_failed (Download *download,
              GError   *error)
{
  guint delay_ms = 0;

  if (download->cancelled)
    {
      g_error_free (error);
      download->phase = PHASE_WAITING;
      download_act_on_cancel (download);
      return;
    }
  if (_trawl_client_should_retry (download->aria2->client, download->probe_tries, error,
                                  download->probe, &delay_ms))
    {
      _trawl_item_note_retry (download->item, error);
      g_error_free (error);
      download->probe_source = g_timeout_add (delay_ms, probe_again_cb, download);
      return;
    }
  download_return (download, error);
}

static void
probe_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Download *download = user_data;
  const char *content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (download->probe), NULL);
  GError *error = NULL;
  gsize length = 0;

  g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &length, &error);
  /* Only the start was wanted: the connection is not kept. */
  g_input_stream_close (G_INPUT_STREAM (object), NULL, NULL);
  g_clear_object (&download->probe_stream);
  if (error != NULL)
    {
      probe_failed (download, error);
      return;
    }
  if (download->cancelled)
    {
      download->phase = PHASE_WAITING;
      download_act_on_cancel (download);
      return;
    }
  download->phase = PHASE_WAITING;
  if (_trawl_hls_looks_like (download->probe_bytes, length))
    {
      download_return (download, hls_refused ());
      return;
    }
  if (!_trawl_check_media_start (download->probe_bytes, length, content_type, &error))
    {
      download_return (download, error);
      return;
    }
  /* aria2 goes straight where the redirects led, with the headers (and
   * credentials, or none) for that address. */
  download->url = g_uri_to_string (soup_message_get_uri (download->probe));
  g_clear_object (&download->probe);
  download_hand_over (download);
}

static void
probe_sent_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Download *download = user_data;
  GError *error = NULL;
  g_autoptr(GInputStream) stream = _trawl_client_send_finish (SOUP_MESSAGE (object), result,
                                                              &error);
  guint status = soup_message_get_status (download->probe);
  const char *content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (download->probe), NULL);

  if (stream == NULL)
    {
      probe_failed (download, error);
      return;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_input_stream_close (stream, NULL, NULL);
      _trawl_set_http_error (&error, download->probe, _("video"));
      probe_failed (download, error);
      return;
    }
  if (_trawl_hls_is_playlist_type (content_type))
    {
      g_input_stream_close (stream, NULL, NULL);
      download->phase = PHASE_WAITING;
      download_return (download, hls_refused ());
      return;
    }
  download->probe_stream = g_steal_pointer (&stream);
  if (download->probe_bytes == NULL)
    download->probe_bytes = g_malloc (PROBE_BYTES);
  g_input_stream_read_all_async (download->probe_stream, download->probe_bytes, PROBE_BYTES,
                                 G_PRIORITY_DEFAULT, g_task_get_cancellable (download->task),
                                 probe_read_cb, download);
}

/* What aria2 would fetch is checked here first, as a download here checks
 * it: a web page, a message or a stream is never handed over to be
 * "done". */
static void
download_probe (Download *download)
{
  TrawlAria2 *self = download->aria2;
  TrawlItem *item = download->item;
  SoupMessageHeaders *headers;

  g_clear_object (&download->probe);
  download->probe = _trawl_client_new_message (self->client, trawl_item_get_media_url (item),
                                               trawl_item_get_board (item),
                                               trawl_item_get_page_url (item));
  if (download->probe == NULL)
    {
      download_return (download, g_error_new (TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                                              _("“%s” is not a valid URL"),
                                              trawl_item_get_media_url (item)));
      return;
    }
  download->probe_tries++;
  download->phase = PHASE_ASKING;
  headers = soup_message_get_request_headers (download->probe);
  soup_message_disable_feature (download->probe, SOUP_TYPE_CONTENT_DECODER);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");
  soup_message_headers_set_range (headers, 0, PROBE_BYTES - 1);
  _trawl_client_send_async (self->client, trawl_item_get_board (item), download->probe,
                            g_task_get_cancellable (download->task), probe_sent_cb, download);
}

static void
download_add (Download *download)
{
  g_autofree char *gid = NULL;

  download_place (download);
  gid = take_known (download->aria2, download->dir, download->out);
  if (gid != NULL)
    {
      /* Its file is aria2's already: followed, not handed over twice. */
      _trawl_item_set_remote_id (download->item, gid);
      download_ask_status (download);
    }
  else if (download->url != NULL)
    download_hand_over (download);
  else
    download_probe (download);
}

static void
download_ask_status (Download *download)
{
  TrawlAria2 *self = download->aria2;
  JsonArray *params = params_new (self);

  json_array_add_string_element (params, _trawl_item_get_remote_id (download->item));
  download->phase = PHASE_ASKING;
  call_async (self, "aria2.tellStatus", params, download_asked_cb, download);
}

/* With aria2 answering: hand the video over, or find it again. */
static void
download_go (Download *download)
{
  if (_trawl_item_get_remote_id (download->item) != NULL)
    {
      if (download->dir == NULL)
        download_place (download);
      download_ask_status (download);
    }
  else
    download_add (download);
}

/* ---- Following every download: polls and the WebSocket ----------------- */

static JsonArray *
status_keys (void)
{
  const char *keys[] = { "gid", "status", "totalLength", "completedLength", "connections",
                         "errorCode", "errorMessage", "files" };
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    json_array_add_string_element (array, keys[i]);
  return array;
}

static Download *
find_download (TrawlAria2 *self,
               const char *gid)
{
  for (GList *l = self->downloads; l != NULL; l = l->next)
    {
      Download *download = l->data;

      if (download->phase == PHASE_TRACKING &&
          g_strcmp0 (_trawl_item_get_remote_id (download->item), gid) == 0)
        return download;
    }
  return NULL;
}

static void
poll_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TrawlAria2 *self = TRAWL_ARIA2 (object);
  g_auto(GStrv) gids = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = call_finish (self, result, &error);
  JsonArray *results;

  self->polling = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL || !JSON_NODE_HOLDS_ARRAY (answer))
    {
      if (error != NULL && is_unreachable (error))
        {
          self->link = LINK_DOWN;
          connect_link (self);
          return;
        }
      /* Garbage for five seconds: it is not aria2 that answers. */
      if (++self->bad_polls >= BAD_POLLS)
        {
          GList *downloads = g_list_copy (self->downloads);

          for (GList *l = downloads; l != NULL; l = l->next)
            if (((Download *) l->data)->phase == PHASE_TRACKING)
              download_return (l->data, error != NULL
                                        ? user_error (self, error)
                                        : remote_error (_("%s does not answer as aria2 does"),
                                                        self->address));
          g_list_free (downloads);
          self->bad_polls = 0;
        }
      poll_soon (self);
      return;
    }

  self->bad_polls = 0;
  results = json_node_get_array (answer);
  for (guint i = 0; gids[i] != NULL && i < json_array_get_length (results); i++)
    {
      JsonNode *node = json_array_get_element (results, i);
      Download *download = find_download (self, gids[i]);

      if (download == NULL)
        continue;
      /* Each answer of a multicall is [result], or a fault object. */
      if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 1 &&
          JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (node), 0)))
        download_status (download,
                         json_array_get_object_element (json_node_get_array (node), 0));
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autoptr(GError) fault = fault_error (json_node_get_object (node));

          if (is_unknown_gid (fault))
            download_forgotten (download);
          else
            download_return (download, user_error (self, fault));
        }
    }
  poll_soon (self);
}

static void
poll_now (TrawlAria2 *self)
{
  g_autoptr(GPtrArray) gids = g_ptr_array_new_with_free_func (g_free);
  JsonArray *params;
  JsonArray *calls;

  for (GList *l = self->downloads; l != NULL; l = l->next)
    {
      Download *download = l->data;

      if (download->phase == PHASE_TRACKING)
        g_ptr_array_add (gids, g_strdup (_trawl_item_get_remote_id (download->item)));
    }
  if (gids->len == 0 || self->link != LINK_UP)
    return;

  /* system.multicall takes no secret of its own: each call carries it. */
  params = json_array_new ();
  calls = json_array_new ();
  for (guint i = 0; i < gids->len; i++)
    {
      JsonObject *call = json_object_new ();
      JsonArray *call_params = params_new (self);

      json_array_add_string_element (call_params, g_ptr_array_index (gids, i));
      json_array_add_array_element (call_params, status_keys ());
      json_object_set_string_member (call, "methodName", "aria2.tellStatus");
      json_object_set_array_member (call, "params", call_params);
      json_array_add_object_element (calls, call);
    }
  json_array_add_array_element (params, calls);
  g_ptr_array_add (gids, NULL);

  self->polling = TRUE;
  self->polled_at = g_get_monotonic_time ();
  call_async (self, "system.multicall", params, poll_cb,
              g_ptr_array_free (g_steal_pointer (&gids), FALSE));
}

static gboolean
poll_timeout_cb (gpointer user_data)
{
  TrawlAria2 *self = user_data;

  self->poll_source = 0;
  poll_now (self);
  return G_SOURCE_REMOVE;
}

/* Polls at once if the last poll is POLL_MS old, else when it is. */
static void
poll_soon (TrawlAria2 *self)
{
  gint64 wait_ms;

  /* A poll on its way calls this again when its answer is in. */
  if (self->polling || self->poll_source != 0 || self->link != LINK_UP)
    return;
  wait_ms = POLL_MS - (g_get_monotonic_time () - self->polled_at) / 1000;
  self->poll_source = g_timeout_add (CLAMP (wait_ms, 0, POLL_MS), poll_timeout_cb, self);
}

static void
websocket_message_cb (SoupWebsocketConnection *connection,
                      int                      type,
                      GBytes                  *message,
                      TrawlAria2              *self)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object;
  const char *method;

  /* A poll is on its way already: nothing to learn (and a flood of
   * messages costs no more than reading them). */
  if (self->poll_source != 0 || self->polling)
    return;
  parser = json_parser_new ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT || g_bytes_get_size (message) == 0 ||
      !_trawl_json_parse (parser, g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                          NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  method = string_member (object, "method", "");
  /* A download started, paused, stopped, finished or failed: ask now
   * (within the poll's rate) rather than at the next tick. */
  if (g_str_has_prefix (method, "aria2.onDownload"))
    poll_soon (self);
}

static void
websocket_closed_cb (SoupWebsocketConnection *connection,
                     TrawlAria2              *self)
{
  g_signal_handlers_disconnect_by_data (connection, self);
  g_clear_object (&self->websocket);
  /* Lost with the link; polls still follow every download. */
}

static void
websocket_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection =
    soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  g_autoptr(TrawlAria2) self = g_weak_ref_get (user_data);

  g_weak_ref_clear (user_data);
  g_free (user_data);
  if (connection == NULL)
    {
      /* Polls alone, then: a proxy in between may not pass WebSockets. */
      g_debug ("No WebSocket: %s", error->message);
      return;
    }
  if (self == NULL || self->websocket != NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_object_unref (connection);
      return;
    }
  self->websocket = connection;
  g_signal_connect (connection, "message", G_CALLBACK (websocket_message_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (websocket_closed_cb), self);
}

static void
open_websocket (TrawlAria2 *self)
{
  g_autoptr(SoupMessage) message = NULL;
  GWeakRef *ref;

  if (self->websocket != NULL)
    return;
  message = soup_message_new_from_uri (SOUP_METHOD_GET, self->ws_uri);
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, websocket_cb, ref);
}

/* ---- The link to aria2: connecting, losing it, refusals ---------------- */

static gboolean
reconnect_cb (gpointer user_data)
{
  TrawlAria2 *self = user_data;

  self->reconnect_source = 0;
  connect_link (self);
  return G_SOURCE_REMOVE;
}

static void
link_lost (TrawlAria2   *self,
           const GError *error)
{
  guint delay = _trawl_backoff_ms (RECONNECT_BASE_MS, self->reconnects++, 0, g_random_int ());
  g_autofree char *note = NULL;

  /* A few seconds between tries once it is clearly down, no more: a
   * restarted aria2 is found again quickly. */
  delay = MIN (delay, 15000);
  self->link = LINK_DOWN;
  note = g_strdup_printf (_("Cannot reach aria2 at %s (%s); trying again in %u s"),
                          host_of (self), error->message, MAX (1, delay / 1000));
  for (GList *l = self->downloads; l != NULL; l = l->next)
    {
      Download *download = l->data;
      g_autoptr(GError) waiting = g_error_new_literal (TRAWL_ERROR, TRAWL_ERROR_REMOTE, note);

      _trawl_item_note (download->item, note);
      /* The row shows it in place of a progress that stands still: no
       * connection, trying again (cleared when aria2 answers). */
      _trawl_item_note_retry (download->item, waiting);
      _trawl_item_set_connections (download->item, 0);
      if (download->phase != PHASE_ASKING)
        download->phase = PHASE_WAITING;
    }
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  self->reconnect_source = g_timeout_add (delay, reconnect_cb, self);
}

static void
link_refused (TrawlAria2 *self,
              GError     *error)
{
  GList *downloads = g_list_copy (self->downloads);

  self->link = LINK_REFUSED;
  g_clear_error (&self->refusal);
  self->refusal = error;
  for (GList *l = downloads; l != NULL; l = l->next)
    {
      Download *download = l->data;

      if (download->phase != PHASE_ASKING)
        download_return (download, g_error_copy (error));
    }
  g_list_free (downloads);
}

/* Whether a download aria2 has can be taken up for its file: running or
 * done, not failed or removed. */
static gboolean
is_adoptable (const char *status)
{
  return g_strcmp0 (status, "active") == 0 || g_strcmp0 (status, "waiting") == 0 ||
         g_strcmp0 (status, "paused") == 0 || g_strcmp0 (status, "complete") == 0;
}

static void
add_known (TrawlAria2 *self,
           JsonNode   *list)
{
  JsonArray *array;

  /* A multicall's answer: [[download…]], or a fault. */
  if (!JSON_NODE_HOLDS_ARRAY (list) || json_array_get_length (json_node_get_array (list)) != 1 ||
      !JSON_NODE_HOLDS_ARRAY (json_array_get_element (json_node_get_array (list), 0)))
    return;
  array = json_array_get_array_element (json_node_get_array (list), 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *status = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *gid = status != NULL ? string_member (status, "gid", NULL) : NULL;
      const char *path = status != NULL ? status_path (status) : NULL;

      if (gid == NULL || !_trawl_is_remote_id (gid) || path == NULL || !g_path_is_absolute (path) ||
          !is_adoptable (string_member (status, "status", NULL)))
        continue;
      g_hash_table_replace (self->known, g_canonicalize_filename (path, NULL), g_strdup (gid));
    }
}

/* A download for @path that aria2 has already (a run of Trawl that ended
 * without its state, such as trawl-cli stopped by Ctrl+C): its GID, taken
 * once. */
static char *
take_known (TrawlAria2 *self,
            const char *dir,
            const char *out)
{
  g_autofree char *path = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *key = NULL;
  char *gid = NULL;

  if (dir == NULL || !g_path_is_absolute (dir))
    return NULL;
  path = g_build_filename (dir, out, NULL);
  canonical = g_canonicalize_filename (path, NULL);
  if (!g_hash_table_steal_extended (self->known, canonical, (gpointer *) &key, (gpointer *) &gid))
    return NULL;
  return gid;
}

static void link_go (TrawlAria2 *self);

static void
known_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  TrawlAria2 *self = TRAWL_ARIA2 (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = call_finish (self, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer != NULL && JSON_NODE_HOLDS_ARRAY (answer))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (answer)); i++)
      add_known (self, json_array_get_element (json_node_get_array (answer), i));
  link_go (self);
}

/* What aria2 has (running, waiting, paused, stopped), by file. */
static void
link_up (TrawlAria2 *self)
{
  const char *methods[] = { "aria2.tellActive", "aria2.tellWaiting", "aria2.tellStopped" };
  JsonArray *params = json_array_new ();
  JsonArray *calls = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      JsonObject *call = json_object_new ();
      JsonArray *call_params = params_new (self);
      JsonArray *keys = json_array_new ();

      if (i > 0)
        {
          json_array_add_int_element (call_params, 0);
          json_array_add_int_element (call_params, 1000);
        }
      json_array_add_string_element (keys, "gid");
      json_array_add_string_element (keys, "status");
      json_array_add_string_element (keys, "files");
      json_array_add_array_element (call_params, keys);
      json_object_set_string_member (call, "methodName", methods[i]);
      json_object_set_array_member (call, "params", call_params);
      json_array_add_object_element (calls, call);
    }
  json_array_add_array_element (params, calls);
  g_hash_table_remove_all (self->known);
  call_async (self, "system.multicall", params, known_cb, NULL);
}

static void
link_go (TrawlAria2 *self)
{
  GList *downloads = g_list_copy (self->downloads);

  self->link = LINK_UP;
  self->reconnects = 0;
  open_websocket (self);
  for (GList *l = downloads; l != NULL; l = l->next)
    {
      Download *download = l->data;

      /* Those followed before are asked about again by GID: aria2 may
       * have been restarted meanwhile. */
      _trawl_item_set_failure (download->item, TRAWL_FAILURE_NONE);
      _trawl_item_set_error (download->item, NULL);
      if (download->phase != PHASE_ASKING)
        download_go (download);
    }
  g_list_free (downloads);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  TrawlAria2 *self = TRAWL_ARIA2 (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = call_finish (self, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
    {
      if (self->dir == NULL)
        {
          const char *dir = string_member (
            json_node_get_object (answer), "dir", NULL);

          self->dir = dir != NULL && *dir != '\0' ? g_strdup (dir) : NULL;
        }
      link_up (self);
    }
  else if (error != NULL && is_unreachable (error))
    link_lost (self, error);
  else
    link_refused (self, error != NULL ? user_error (self, error)
                                      : remote_error (_("%s does not answer as aria2 does"),
                                                      self->address));
}

/* Asks for aria2's folder: an answer proves the address and the secret. */
static void
connect_link (TrawlAria2 *self)
{
  if (self->link == LINK_CONNECTING || self->link == LINK_UP || self->link == LINK_REFUSED ||
      self->reconnect_source != 0)
    return;
  self->link = LINK_CONNECTING;
  call_async (self, "aria2.getGlobalOption", params_new (self), connect_cb, NULL);
}

/* ---- The backend ------------------------------------------------------- */

static char *
aria2_get_name (TrawlBackend *backend)
{
  TrawlAria2 *self = TRAWL_ARIA2 (backend);

  return g_strdup_printf (_("aria2 at %s"), host_of (self));
}

static void
aria2_download_async (TrawlBackend        *backend,
                      TrawlItem           *item,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  TrawlAria2 *self = TRAWL_ARIA2 (backend);
  GTask *task = g_task_new (item, cancellable, callback, user_data);
  Download *download;

  g_task_set_source_tag (task, aria2_download_async);
  g_task_set_check_cancellable (task, FALSE);

  if (g_strcmp0 (trawl_uri_media_extension (trawl_item_get_media_url (item)), ".m3u8") == 0)
    {
      g_task_return_error (task, hls_refused ());
      g_object_unref (task);
      return;
    }
  if (self->link == LINK_REFUSED)
    {
      g_task_return_error (task, g_error_copy (self->refusal));
      g_object_unref (task);
      return;
    }

  download = g_new0 (Download, 1);
  download->aria2 = g_object_ref (self);
  download->item = g_object_ref (item);
  download->task = task;
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);
  self->downloads = g_list_append (self->downloads, download);
  if (cancellable != NULL)
    {
      download->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (download->cancel_source, G_SOURCE_FUNC (download_cancelled_cb),
                             download, NULL);
      g_source_attach (download->cancel_source, g_main_context_get_thread_default ());
    }

  if (self->link == LINK_UP)
    download_go (download);
  else
    {
      /* Said only while aria2 is known to be away, not while its first
       * answer is on its way. */
      if (self->link == LINK_DOWN)
        {
          g_autofree char *note = g_strdup_printf (_("Waiting for aria2 at %s"), host_of (self));

          _trawl_item_note (item, note);
        }
      connect_link (self);
    }
}

static gboolean
aria2_download_finish (TrawlBackend  *backend,
                       TrawlItem     *item,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, item), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
backend_iface_init (TrawlBackendInterface *iface)
{
  iface->get_name = aria2_get_name;
  iface->download_async = aria2_download_async;
  iface->download_finish = aria2_download_finish;
}

/* ---- Public ------------------------------------------------------------ */

static gboolean
set_address (TrawlAria2  *self,
             const char  *address,
             GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (address, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  gboolean tls;
  const char *path;

  if (scheme == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0 &&
       g_strcmp0 (scheme, "ws") != 0 && g_strcmp0 (scheme, "wss") != 0) ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                   _("“%s” is not an aria2 address: write it as "
                     "http://HOST:6800/jsonrpc (or https, ws, wss)"), address);
      return FALSE;
    }
  tls = g_str_equal (scheme, "https") || g_str_equal (scheme, "wss");
  path = *g_uri_get_path (uri) != '\0' && !g_str_equal (g_uri_get_path (uri), "/")
         ? g_uri_get_path (uri) : "/jsonrpc";
  self->rpc_uri = g_uri_build (G_URI_FLAGS_NONE, tls ? "https" : "http", NULL,
                               g_uri_get_host (uri), g_uri_get_port (uri), path, NULL, NULL);
  self->ws_uri = g_uri_build (G_URI_FLAGS_NONE, tls ? "wss" : "ws", NULL,
                              g_uri_get_host (uri), g_uri_get_port (uri), path, NULL, NULL);
  self->address = g_strdup (address);
  return TRUE;
}

/**
 * trawl_aria2_new:
 * @client: whose CA file, cookies and headers the downloads use
 * @address: aria2's RPC address: http(s)://HOST:PORT/jsonrpc or ws(s)://…
 * @secret: (nullable): aria2's `--rpc-secret`
 * @dir: (nullable): the folder on aria2's machine to save in, or %NULL
 *   for aria2's own `--dir`
 *
 * Returns: (transfer full) (nullable): the backend, or %NULL with @error
 *   when @address is not one
 */
TrawlAria2 *
trawl_aria2_new (TrawlClient  *client,
                 const char   *address,
                 const char   *secret,
                 const char   *dir,
                 GError      **error)
{
  g_autoptr(TrawlAria2) self = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *proxy = NULL;

  g_return_val_if_fail (TRAWL_IS_CLIENT (client), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (TRAWL_TYPE_ARIA2, NULL);
  if (!set_address (self, address, error))
    return NULL;
  self->client = g_object_ref (client);
  self->secret = secret != NULL && *secret != '\0' ? g_strdup (secret) : NULL;
  self->dir = dir != NULL && *dir != '\0' ? g_strdup (dir) : NULL;
  self->session = soup_session_new_with_options ("timeout", RPC_TIMEOUT_S, "idle-timeout", 60,
                                                 NULL);
  g_object_get (client, "ca-file", &ca_file, "proxy", &proxy, NULL);
  /* The user's proxy setting applies to aria2's address as to the sites
   * (none means none, whatever the environment says). */
  if (proxy != NULL)
    {
      g_autoptr(GProxyResolver) resolver = _trawl_proxy_resolver_new (proxy);

      soup_session_set_proxy_resolver (self->session, resolver);
    }
  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, error);

      if (database == NULL)
        return NULL;
      soup_session_set_tls_database (self->session, database);
    }
  return g_steal_pointer (&self);
}

const char *
trawl_aria2_get_address (TrawlAria2 *self)
{
  g_return_val_if_fail (TRAWL_IS_ARIA2 (self), NULL);
  return self->address;
}

/**
 * trawl_aria2_is_exposed:
 *
 * Returns: whether the secret and the addresses travel in the clear over
 *   a network (http or ws to a host that is not this computer)
 */
gboolean
trawl_aria2_is_exposed (TrawlAria2 *self)
{
  const char *host;
  GInetAddress *inet;
  gboolean loopback;

  g_return_val_if_fail (TRAWL_IS_ARIA2 (self), FALSE);

  if (g_str_equal (g_uri_get_scheme (self->rpc_uri), "https"))
    return FALSE;
  host = g_uri_get_host (self->rpc_uri);
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return FALSE;
  inet = g_inet_address_new_from_string (host);
  loopback = inet != NULL && g_inet_address_get_is_loopback (inet);
  g_clear_object (&inet);
  return !loopback;
}

static void
version_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TrawlAria2 *self = TRAWL_ARIA2 (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = call_finish (self, result, &error);
  const char *version = NULL;

  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
    version = string_member (json_node_get_object (answer),
                                                          "version", NULL);
  if (version != NULL)
    {
      /* Shown as it is: only what a version is written with. */
      g_autofree char *shown = g_strndup (version, 32);

      g_strcanon (shown, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-~",
                  '?');
      g_task_return_pointer (task, g_steal_pointer (&shown), g_free);
    }
  else if (error != NULL && is_unreachable (error))
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                             _("Cannot reach aria2 at %s: %s"), self->address, error->message);
  else if (error != NULL && error->domain == fault_quark () &&
           g_strcmp0 (error->message, FAULT_UNAUTHORIZED) != 0)
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                             _("%s answered with an error: %s"), self->address, error->message);
  else if (error != NULL)
    g_task_return_error (task, user_error (self, error));
  else
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_REMOTE,
                             _("%s does not answer as aria2 does"), self->address);
}

/**
 * trawl_aria2_get_version_async:
 *
 * Asks aria2 for its version: the test of the address and the secret.
 */
void
trawl_aria2_get_version_async (TrawlAria2          *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TRAWL_IS_ARIA2 (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, trawl_aria2_get_version_async);
  call_async (self, "aria2.getVersion", params_new (self), version_cb, task);
}

/**
 * trawl_aria2_get_version_finish:
 *
 * Returns: (transfer full) (nullable): aria2's version, or %NULL with
 *   the reason in the user's words
 */
char *
trawl_aria2_get_version_finish (TrawlAria2    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
