#define G_LOG_DOMAIN "trawl-raw-server"

#include "config.h"

#include <string.h>

#include "trawl-raw-server.h"

#define MAX_HEAD (64 * 1024)

struct _TrawlRawServer
{
  GObject          parent_instance;

  GSocketService  *service;
  guint16          port;
  TrawlRawHandler  handler;
  gpointer         user_data;
  GPtrArray       *connections;  /* kept until the server goes */
  GCancellable    *cancellable;
  guint            requests;
  guint            in_flight;
  guint            open;         /* connections the client has not closed */
};

G_DEFINE_FINAL_TYPE (TrawlRawServer, trawl_raw_server, G_TYPE_OBJECT)

typedef struct
{
  TrawlRawServer    *server;
  GSocketConnection *connection;
  GByteArray        *head;
  guint8             buffer[4096];
  TrawlRawReply      reply;
  gsize              sent;
  guint              drip_source;
} Connection;

static void
connection_free (Connection *c)
{
  g_clear_handle_id (&c->drip_source, g_source_remove);
  g_clear_pointer (&c->head, g_byte_array_unref);
  g_clear_pointer (&c->reply.bytes, g_byte_array_unref);
  g_clear_object (&c->connection);
  g_clear_object (&c->server);
  g_free (c);
}

/* A hanging connection, watched until the client closes it. */
typedef struct
{
  TrawlRawServer    *server;       /* unowned: the cancellable says when it is gone */
  GCancellable      *cancellable;
  GSocketConnection *connection;
  guint8             buffer[256];
} Watch;

static void
raw_watch_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Watch *w = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n > 0)
    {
      g_input_stream_read_async (G_INPUT_STREAM (object), w->buffer, sizeof w->buffer,
                                 G_PRIORITY_DEFAULT, w->cancellable, raw_watch_cb, w);
      return;
    }

  if (!g_cancellable_is_cancelled (w->cancellable))
    w->server->open--;
  g_io_stream_close (G_IO_STREAM (w->connection), NULL, NULL);
  g_object_unref (w->connection);
  g_object_unref (w->cancellable);
  g_free (w);
}

static void
connection_done (Connection *c)
{
  c->server->in_flight--;
  if (!c->reply.hang)
    {
      c->server->open--;
      g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
    }
  else
    {
      Watch *w = g_new0 (Watch, 1);

      w->server = c->server;
      w->cancellable = g_object_ref (c->server->cancellable);
      w->connection = g_object_ref (c->connection);
      g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (w->connection)),
                                 w->buffer, sizeof w->buffer, G_PRIORITY_DEFAULT,
                                 w->cancellable, raw_watch_cb, w);
    }
  connection_free (c);
}

static void send_some (Connection *c);

static void
raw_write_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connection *c = user_data;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, NULL))
    {
      c->reply.hang = FALSE;
      connection_done (c);
      return;
    }

  c->sent += written;
  if (c->sent >= c->reply.bytes->len)
    connection_done (c);
  else if (c->reply.drip_bytes == 0)
    send_some (c);
}

static gboolean
raw_drip_cb (gpointer user_data)
{
  Connection *c = user_data;

  c->drip_source = 0;
  send_some (c);
  return G_SOURCE_REMOVE;
}

static void
send_some (Connection *c)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c->connection));
  gsize length = c->reply.bytes->len - c->sent;

  if (c->reply.drip_bytes > 0)
    {
      length = MIN (length, c->reply.drip_bytes);
      /* The next drip a second later, whatever the write takes. */
      if (c->sent + length < c->reply.bytes->len)
        c->drip_source = g_timeout_add (1000, raw_drip_cb, c);
    }

  if (length == 0)
    {
      connection_done (c);
      return;
    }

  g_output_stream_write_all_async (out, c->reply.bytes->data + c->sent, length,
                                   G_PRIORITY_DEFAULT, c->server->cancellable, raw_write_cb, c);
}

static void
answer (Connection *c)
{
  g_autofree char *head = g_strndup ((const char *) c->head->data, c->head->len);
  g_autofree char *path = NULL;
  const char *start = strchr (head, ' ');
  const char *end = start != NULL ? strchr (start + 1, ' ') : NULL;

  path = start != NULL && end != NULL ? g_strndup (start + 1, end - start - 1) : g_strdup ("/");
  c->server->requests++;
  c->reply.bytes = g_byte_array_new ();
  c->server->handler (c->server, path, head, &c->reply, c->server->user_data);
  send_some (c);
}

static void
raw_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Connection *c = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n <= 0 || c->head->len + n > MAX_HEAD)
    {
      connection_done (c);
      return;
    }

  g_byte_array_append (c->head, c->buffer, n);
  if (g_strstr_len ((const char *) c->head->data, c->head->len, "\r\n\r\n") != NULL)
    {
      answer (c);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (object), c->buffer, sizeof c->buffer,
                             G_PRIORITY_DEFAULT, c->server->cancellable, raw_read_cb, c);
}

static gboolean
raw_incoming_cb (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source,
                 gpointer           user_data)
{
  TrawlRawServer *self = user_data;
  Connection *c = g_new0 (Connection, 1);

  c->server = g_object_ref (self);
  c->connection = g_object_ref (connection);
  c->head = g_byte_array_new ();
  g_ptr_array_add (self->connections, g_object_ref (connection));
  self->in_flight++;
  self->open++;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             c->buffer, sizeof c->buffer, G_PRIORITY_DEFAULT,
                             self->cancellable, raw_read_cb, c);
  return TRUE;
}

static void
close_connection (gpointer data)
{
  g_io_stream_close (data, NULL, NULL);
  g_object_unref (data);
}

static void
trawl_raw_server_dispose (GObject *object)
{
  TrawlRawServer *self = TRAWL_RAW_SERVER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  g_clear_object (&self->service);
  g_clear_pointer (&self->connections, g_ptr_array_unref);

  G_OBJECT_CLASS (trawl_raw_server_parent_class)->dispose (object);
}

static void
trawl_raw_server_finalize (GObject *object)
{
  TrawlRawServer *self = TRAWL_RAW_SERVER (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (trawl_raw_server_parent_class)->finalize (object);
}

static void
trawl_raw_server_class_init (TrawlRawServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = trawl_raw_server_dispose;
  object_class->finalize = trawl_raw_server_finalize;
}

static void
trawl_raw_server_init (TrawlRawServer *self)
{
  self->connections = g_ptr_array_new_with_free_func (close_connection);
  self->cancellable = g_cancellable_new ();
}

/**
 * trawl_raw_server_new:
 *
 * Starts listening on a free loopback port at once.
 */
TrawlRawServer *
trawl_raw_server_new (TrawlRawHandler handler,
                      gpointer        user_data)
{
  TrawlRawServer *self = g_object_new (TRAWL_TYPE_RAW_SERVER, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  self->handler = handler;
  self->user_data = user_data;
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &bound, &error))
    g_error ("Cannot listen on loopback: %s", error->message);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "incoming", G_CALLBACK (raw_incoming_cb), self);
  g_socket_service_start (self->service);

  return self;
}

char *
trawl_raw_server_get_url (TrawlRawServer *self,
                          const char     *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

guint
trawl_raw_server_get_requests (TrawlRawServer *self)
{
  return self->requests;
}

/* Connections the client has not closed yet (a hanging answer stays open
 * until the client gives up on it). */
guint
trawl_raw_server_get_open (TrawlRawServer *self)
{
  return self->open;
}

guint
trawl_raw_server_get_in_flight (TrawlRawServer *self)
{
  return self->in_flight;
}

void
trawl_raw_reply_head (TrawlRawReply *reply,
                      const char    *status_line,
                      const char    *headers)
{
  g_autofree char *head = g_strdup_printf ("%s\r\n%s\r\n", status_line, headers);

  g_byte_array_append (reply->bytes, (const guint8 *) head, strlen (head));
}

void
trawl_raw_reply_append (TrawlRawReply *reply,
                        const void    *data,
                        gsize          length)
{
  g_byte_array_append (reply->bytes, data, length);
}

char *
trawl_raw_request_header (const char *request,
                          const char *name)
{
  g_auto(GStrv) lines = g_strsplit (request, "\r\n", -1);
  gsize length = strlen (name);

  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, length) == 0 && lines[i][length] == ':')
      return g_strstrip (g_strdup (lines[i] + length + 1));

  return NULL;
}
