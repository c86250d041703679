#define G_LOG_DOMAIN "trawl-client"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "trawl-board-private.h"
#include "trawl-board.h"
#include "trawl-client-private.h"
#include "trawl-enums.h"
#include "trawl-error.h"
#include "trawl-http-private.h"
#include "trawl-policy-private.h"
#include "trawl-proxy-resolver-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

#define DEFAULT_PER_HOST 6
#define DEFAULT_MAX_TRIES 5
#define DEFAULT_RETRY_DELAY_MS 1000
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_SPLIT 8
#define DEFAULT_MIN_SPLIT_SIZE (4 * 1024 * 1024)
#define DEFAULT_USER_AGENT \
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
  "Chrome/124.0.0.0 Safari/537.36"

/* Everything HTTP: one SoupSession and the settings it is built from,
 * how requests are made and sent, when a failed one is tried again, and
 * the speed limit shared by all downloads. Pages and downloads get the
 * client when they start and never see who scheduled them. */
struct _TrawlClient
{
  GObject          parent_instance;

  SoupSession     *session;        /* built on first use, dropped when a setting changes */
  guint            per_host;
  guint            max_tries;
  guint            retry_delay_ms;
  guint            timeout;
  guint64          limit_rate;
  char            *user_agent;
  char            *proxy;
  char            *cookies_file;
  char            *ca_file;
  GStrv            headers;
  TrawlAllowLocal  allow_local;
  TrawlTokenBucket bucket;
  guint            split;
  guint64          min_split_size;
  guint            max_height;
  GHashTable      *in_flight;      /* "host:port" -> requests sent and not finished */
  GHashTable      *host_split;     /* "host:port" -> connections per video it allows */
  GHashTable      *host_throttles; /* "host:port": each connection was found slow */
};

G_DEFINE_FINAL_TYPE (TrawlClient, trawl_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PER_HOST,
  PROP_MAX_TRIES,
  PROP_RETRY_DELAY,
  PROP_TIMEOUT,
  PROP_LIMIT_RATE,
  PROP_USER_AGENT,
  PROP_PROXY,
  PROP_COOKIES_FILE,
  PROP_CA_FILE,
  PROP_HEADERS,
  PROP_ALLOW_LOCAL,
  PROP_SPLIT,
  PROP_MIN_SPLIT_SIZE,
  PROP_MAX_HEIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
trawl_client_dispose (GObject *object)
{
  TrawlClient *self = (TrawlClient *)object;

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (trawl_client_parent_class)->dispose (object);
}

static void
trawl_client_finalize (GObject *object)
{
  TrawlClient *self = (TrawlClient *)object;

  g_free (self->user_agent);
  g_free (self->proxy);
  g_free (self->cookies_file);
  g_free (self->ca_file);
  g_strfreev (self->headers);
  g_hash_table_unref (self->in_flight);
  g_hash_table_unref (self->host_split);
  g_hash_table_unref (self->host_throttles);

  G_OBJECT_CLASS (trawl_client_parent_class)->finalize (object);
}

static void
trawl_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TrawlClient *self = TRAWL_CLIENT (object);

  switch (prop_id)
    {
    case PROP_PER_HOST:
      g_value_set_uint (value, self->per_host);
      break;
    case PROP_MAX_TRIES:
      g_value_set_uint (value, self->max_tries);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay_ms);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_LIMIT_RATE:
      g_value_set_uint64 (value, self->limit_rate);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;
    case PROP_PROXY:
      g_value_set_string (value, self->proxy);
      break;
    case PROP_COOKIES_FILE:
      g_value_set_string (value, self->cookies_file);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_HEADERS:
      g_value_set_boxed (value, self->headers);
      break;
    case PROP_ALLOW_LOCAL:
      g_value_set_enum (value, self->allow_local);
      break;
    case PROP_SPLIT:
      g_value_set_uint (value, self->split);
      break;
    case PROP_MIN_SPLIT_SIZE:
      g_value_set_uint64 (value, self->min_split_size);
      break;
    case PROP_MAX_HEIGHT:
      g_value_set_uint (value, self->max_height);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Files are read when the session is built, maybe after the working
 * folder changed, and the TLS backend takes absolute paths only: a
 * relative one is made absolute now. */
static gboolean
set_path (char         **field,
          const GValue  *value)
{
  const char *path = g_value_get_string (value);
  g_autofree char *absolute = NULL;

  if (path != NULL && *path != '\0')
    absolute = g_canonicalize_filename (path, NULL);
  return _trawl_set_str (field, absolute);
}

static gboolean
set_headers (TrawlClient  *self,
             const GValue *value)
{
  const char * const *headers = g_value_get_boxed (value);
  const char * const *old = (const char * const *) self->headers;

  if (old == headers || (old != NULL && headers != NULL && g_strv_equal (old, headers)))
    return FALSE;

  /* Bad ones are never sent: _trawl_client_new_message() skips them. */
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!trawl_parse_header (headers[i], NULL, NULL, &error))
        g_warning (_("Not sending it: %s"), error->message);
    }
  g_strfreev (self->headers);
  self->headers = g_strdupv ((GStrv) headers);
  return TRUE;
}

static gboolean
set_user_agent (TrawlClient  *self,
                const GValue *value)
{
  const char *agent = g_value_get_string (value);

  /* A line break would add headers to every request (trawl-cli refuses
   * such a value before it gets here). */
  if (agent != NULL && !_trawl_is_http_value (agent))
    {
      g_warning ("Ignoring a User-Agent with a line break or a control character");
      agent = NULL;
    }
  return _trawl_set_str (&self->user_agent, agent != NULL ? agent : DEFAULT_USER_AGENT);
}

static void
trawl_client_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TrawlClient *self = TRAWL_CLIENT (object);
  gboolean changed = FALSE;
  gboolean new_session = FALSE;

  switch (prop_id)
    {
    case PROP_PER_HOST:
      changed = new_session = _trawl_set_uint (&self->per_host, g_value_get_uint (value));
      break;
    case PROP_MAX_TRIES:
      changed = _trawl_set_uint (&self->max_tries, g_value_get_uint (value));
      break;
    case PROP_RETRY_DELAY:
      changed = _trawl_set_uint (&self->retry_delay_ms, g_value_get_uint (value));
      break;
    case PROP_TIMEOUT:
      changed = new_session = _trawl_set_uint (&self->timeout, g_value_get_uint (value));
      break;
    case PROP_LIMIT_RATE:
      changed = self->limit_rate != g_value_get_uint64 (value);
      self->limit_rate = g_value_get_uint64 (value);
      _trawl_token_bucket_set_rate (&self->bucket, self->limit_rate);
      break;
    case PROP_USER_AGENT:
      /* Set on each message, as the headers are: no new session. */
      changed = set_user_agent (self, value);
      break;
    case PROP_PROXY:
      changed = new_session = _trawl_set_str (&self->proxy, g_value_get_string (value));
      break;
    case PROP_COOKIES_FILE:
      changed = new_session = set_path (&self->cookies_file, value);
      break;
    case PROP_CA_FILE:
      changed = new_session = set_path (&self->ca_file, value);
      break;
    case PROP_HEADERS:
      changed = set_headers (self, value);
      break;
    case PROP_ALLOW_LOCAL:
      changed = self->allow_local != (TrawlAllowLocal) g_value_get_enum (value);
      self->allow_local = g_value_get_enum (value);
      break;
    case PROP_MAX_HEIGHT:
      changed = _trawl_set_uint (&self->max_height, g_value_get_uint (value));
      break;
    case PROP_SPLIT:
      changed = _trawl_set_uint (&self->split, g_value_get_uint (value));
      break;
    case PROP_MIN_SPLIT_SIZE:
      changed = self->min_split_size != g_value_get_uint64 (value);
      self->min_split_size = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  /* SoupSession fixes these at construction; requests already running
   * keep the old session (they hold a reference), new ones get a new one. */
  if (new_session)
    g_clear_object (&self->session);

  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

static void
trawl_client_class_init (TrawlClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* libsoup 3.2 reads HTTP/2 DATA frames into memory as fast as they
   * come, however slowly the body is read: four 128 MiB videos from an
   * HTTP/2 server peaked at 436 MiB. HTTP/1.1 is read only as the ring
   * buffer asks. Per-message control is private in 3.2, so this is the
   * library's own process-wide switch, set before any session exists. */
  g_setenv ("SOUP_FORCE_HTTP1", "1", FALSE);

  object_class->dispose = trawl_client_dispose;
  object_class->finalize = trawl_client_finalize;
  object_class->get_property = trawl_client_get_property;
  object_class->set_property = trawl_client_set_property;

  /* Connections to one host, and so requests to it at once (HTTP/1.1). */
  properties[PROP_PER_HOST] =
    g_param_spec_uint ("per-host", NULL, NULL, 1, 64, DEFAULT_PER_HOST, flags | G_PARAM_CONSTRUCT);
  properties[PROP_MAX_TRIES] =
    g_param_spec_uint ("max-tries", NULL, NULL, 1, 100, DEFAULT_MAX_TRIES,
                       flags | G_PARAM_CONSTRUCT);
  /* The first backoff, in milliseconds; it doubles with every try. */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, 600000, DEFAULT_RETRY_DELAY_MS,
                       flags | G_PARAM_CONSTRUCT);
  /* Seconds without progress (less than TRAWL_MIN_SPEED a second) before
   * a try fails. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, DEFAULT_TIMEOUT_S,
                       flags | G_PARAM_CONSTRUCT);
  /* Bytes per second for all downloads together; 0: no limit. */
  properties[PROP_LIMIT_RATE] =
    g_param_spec_uint64 ("limit-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags | G_PARAM_CONSTRUCT);
  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL, DEFAULT_USER_AGENT, flags | G_PARAM_CONSTRUCT);
  /* NULL: the system's proxy; see trawl_proxy_parse() for the others. */
  properties[PROP_PROXY] = g_param_spec_string ("proxy", NULL, NULL, NULL, flags);
  properties[PROP_COOKIES_FILE] = g_param_spec_string ("cookies-file", NULL, NULL, NULL, flags);
  /* Certificates signed by this CA are trusted, instead of the system's
   * (for self-hosted boards); certificate errors are never ignored. */
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, NULL, flags);
  /* Extra request headers, "Name: value", sent with every request. */
  properties[PROP_HEADERS] = g_param_spec_boxed ("headers", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_ALLOW_LOCAL] =
    g_param_spec_enum ("allow-local", NULL, NULL, TRAWL_TYPE_ALLOW_LOCAL, TRAWL_ALLOW_LOCAL_AUTO,
                       flags);
  /* Connections one video may be downloaded over, when the server allows
   * ranges and the per-host limit leaves some spare (1: never split). */
  properties[PROP_SPLIT] =
    g_param_spec_uint ("split", NULL, NULL, 1, 16, DEFAULT_SPLIT, flags | G_PARAM_CONSTRUCT);
  /* No connection is opened for less than this much of a video. */
  /* A stream (HLS) offered in several resolutions: the tallest no taller
   * than this many lines (0: the best, whatever its size). */
  properties[PROP_MAX_HEIGHT] =
    g_param_spec_uint ("max-height", NULL, NULL, 0, G_MAXUINT16, 0, flags);

  properties[PROP_MIN_SPLIT_SIZE] =
    g_param_spec_uint64 ("min-split-size", NULL, NULL, 64 * 1024, G_MAXINT64,
                         DEFAULT_MIN_SPLIT_SIZE, flags | G_PARAM_CONSTRUCT);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
trawl_client_init (TrawlClient *self)
{
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->host_split = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->host_throttles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TrawlClient *
trawl_client_new (void)
{
  return g_object_new (TRAWL_TYPE_CLIENT, NULL);
}

guint
trawl_client_get_per_host (TrawlClient *self)
{
  g_return_val_if_fail (TRAWL_IS_CLIENT (self), 0);
  return self->per_host;
}

guint
trawl_client_get_max_tries (TrawlClient *self)
{
  g_return_val_if_fail (TRAWL_IS_CLIENT (self), 0);
  return self->max_tries;
}

guint
trawl_client_get_split (TrawlClient *self)
{
  g_return_val_if_fail (TRAWL_IS_CLIENT (self), 1);
  return self->split;
}

guint
trawl_client_get_max_height (TrawlClient *self)
{
  g_return_val_if_fail (TRAWL_IS_CLIENT (self), 0);
  return self->max_height;
}

guint64
_trawl_client_get_min_split_size (TrawlClient *self)
{
  return self->min_split_size;
}

/* "host:port" of @uri, the key of the per-host tables. */
static char *
host_key (GUri *uri)
{
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

/* Requests to @uri's host sent and not finished: those on a connection
 * and those waiting for one. */
guint
_trawl_client_get_in_flight (TrawlClient *self,
                             GUri        *uri)
{
  g_autofree char *key = host_key (uri);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->in_flight, key));
}

/* Connections one video from @uri's host may use: the client's split,
 * less after the host refused several. */
guint
_trawl_client_get_host_split (TrawlClient *self,
                              GUri        *uri)
{
  g_autofree char *key = host_key (uri);
  gpointer value;

  if (g_hash_table_lookup_extended (self->host_split, key, NULL, &value))
    return MIN (self->split, GPOINTER_TO_UINT (value));
  return self->split;
}

/* @uri's host refused a video's connection beyond the first (an answer
 * that ignores the range, a 403/429/503, a dropped connection): from
 * now on it gets half as many, down to one, for as long as the client
 * lives. */
void
_trawl_client_step_down (TrawlClient *self,
                         GUri        *uri,
                         guint        had)
{
  guint now = _trawl_client_get_host_split (self, uri);
  guint next = MAX (MIN (now, had) / 2, 1);

  if (next >= now)
    return;
  g_debug ("%s allows %u connections per video", g_uri_get_host (uri), next);
  g_hash_table_insert (self->host_split, host_key (uri), GUINT_TO_POINTER (next));
}

/* A connection to @uri's host was slow while this machine had CPU to
 * spare: the host throttles each connection (as CDNs do), so its next
 * videos are split as soon as they can be, without each first measuring
 * its own connection. Kept for as long as the client lives: a host that
 * throttled once most likely still does, and splitting a download from
 * a host that no longer throttles only costs a few connections. */
void
_trawl_client_set_host_throttles (TrawlClient *self,
                                  GUri        *uri)
{
  g_hash_table_add (self->host_throttles, host_key (uri));
}

gboolean
_trawl_client_get_host_throttles (TrawlClient *self,
                                  GUri        *uri)
{
  g_autofree char *key = host_key (uri);

  return g_hash_table_contains (self->host_throttles, key);
}

/* What hosts allow, for the queue state: "host:port" -> connections. */
GHashTable *
_trawl_client_get_host_splits (TrawlClient *self)
{
  return self->host_split;
}

void
_trawl_client_set_host_split (TrawlClient *self,
                              const char  *host_port,
                              guint        split)
{
  g_hash_table_insert (self->host_split, g_strdup (host_port),
                       GUINT_TO_POINTER (CLAMP (split, 1, 16)));
}

/* The table is shared, not the client: a message may finish after the
 * client is gone (a session dropped for a new setting ends later). */
typedef struct
{
  GHashTable  *in_flight;
  char        *key;
  gboolean     done;
} Flight;

static void
flight_free (gpointer data,
             GClosure *closure)
{
  Flight *flight = data;

  g_hash_table_unref (flight->in_flight);
  g_free (flight->key);
  g_free (flight);
}

static void
flight_finished_cb (SoupMessage *message,
                    Flight      *flight)
{
  guint n;

  if (flight->done)
    return;
  flight->done = TRUE;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (flight->in_flight, flight->key));
  if (n <= 1)
    g_hash_table_remove (flight->in_flight, flight->key);
  else
    g_hash_table_insert (flight->in_flight, g_strdup (flight->key), GUINT_TO_POINTER (n - 1));
}

/* Counts @message among its host's requests until it finishes, however
 * it ends (the session's abort in dispose finishes the rest). */
static void
flight_begin (TrawlClient *self,
              SoupMessage *message)
{
  Flight *flight = g_new0 (Flight, 1);
  guint n;

  flight->in_flight = g_hash_table_ref (self->in_flight);
  flight->key = host_key (soup_message_get_uri (message));
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->in_flight, flight->key));
  g_hash_table_insert (self->in_flight, g_strdup (flight->key), GUINT_TO_POINTER (n + 1));
  g_signal_connect_data (message, "finished", G_CALLBACK (flight_finished_cb), flight,
                         flight_free, 0);
}

guint
_trawl_client_get_timeout (TrawlClient *self)
{
  return self->timeout;
}

static SoupSession *
get_session (TrawlClient *self)
{
  if (self->session != NULL)
    return self->session;

  /* One connection carries one request at a time (HTTP/1.1), so the
   * per-host connection limit is the per-host request limit. */
  /* No "user-agent": every message has its own, which a board may set
   * (libsoup would write the session's over it). */
  self->session = soup_session_new_with_options ("max-conns-per-host", (int) self->per_host,
                                                 "max-conns", (int) MAX (self->per_host * 8, 64),
                                                 "timeout", self->timeout,
                                                 "idle-timeout", 60,
                                                 NULL);
  /* NULL is the system's proxy; a value that is not a proxy makes every
   * request fail with the reason, never connect directly. */
  if (self->proxy != NULL)
    {
      g_autoptr(GProxyResolver) resolver = _trawl_proxy_resolver_new (self->proxy);
      soup_session_set_proxy_resolver (self->session, resolver);
    }
  if (self->ca_file != NULL && *self->ca_file != '\0')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->ca_file, &error);

      if (database != NULL)
        soup_session_set_tls_database (self->session, database);
      else
        g_warning ("Cannot read the CA file: %s", error->message);
    }
  if (self->cookies_file != NULL && *self->cookies_file != '\0')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SoupCookieJar) jar = _trawl_cookie_jar_new_from_file (self->cookies_file, &error);

      if (jar != NULL)
        soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (jar));
      else
        g_warning ("Cannot read the cookies file: %s", error->message);
    }

  return self->session;
}

/* Headers that prove who the user is: the user's extra ones of these go
 * to the board's own site only, never to a host a board links to. */
static gboolean
is_credential (const char *name)
{
  const char *words[] = { "auth", "cookie", "token", "key", "secret", "session", "password",
                          "credential" };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* The port a URL reaches, its scheme's when it names none: URLs parsed
 * with and without scheme normalisation compare alike. */
static int
effective_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_uri_get_port (uri);
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
}

/* Whether @uri is on the board's own origin: same scheme, host and port. */
static gboolean
is_board_origin (const char *board_url,
                 GUri       *uri)
{
  g_autoptr(GUri) board = board_url != NULL ? g_uri_parse (board_url, SOUP_HTTP_URI_FLAGS, NULL)
                                            : NULL;

  return board != NULL && uri != NULL && g_uri_get_host (board) != NULL &&
         g_uri_get_host (uri) != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (board), g_uri_get_scheme (uri)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (board), g_uri_get_host (uri)) == 0 &&
         effective_port (board) == effective_port (uri);
}

/**
 * _trawl_client_new_message:
 * @board_url: the URL of the board the request is for
 * @referer: (nullable): the page the request is made from
 *
 * The one request constructor: a GET of @url with the user's extra
 * headers; those that carry credentials only when @url is on the board's
 * own site (scheme, host and port).
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when @url
 *   is not a URL libsoup can ask for
 */
SoupMessage *
_trawl_client_new_message (TrawlClient *self,
                           const char  *url,
                           TrawlBoard  *board,
                           const char  *referer)
{
  SoupMessage *message = soup_message_new (SOUP_METHOD_GET, url);
  SoupMessageHeaders *headers;
  const char * const *lists[2];
  gboolean own_site;

  if (message == NULL)
    return NULL;

  own_site = is_board_origin (trawl_board_get_url (board), soup_message_get_uri (message));

  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "User-Agent", self->user_agent);
  if (referer != NULL)
    soup_message_headers_replace (headers, "Referer", referer);

  /* Everyone's, then the board's own (its cookies, its User-Agent), which
   * win. Bad ones were refused with a warning when they were set. */
  lists[0] = (const char * const *) self->headers;
  lists[1] = trawl_board_get_headers (board);
  for (guint list = 0; list < G_N_ELEMENTS (lists); list++)
    for (guint i = 0; lists[list] != NULL && lists[list][i] != NULL; i++)
      {
        g_autofree char *name = NULL;
        g_autofree char *value = NULL;

        if (trawl_parse_header (lists[list][i], &name, &value, NULL) &&
            (own_site || !is_credential (name)))
          soup_message_headers_replace (headers, name, value);
      }

  return message;
}

/**
 * _trawl_client_get_cookies:
 *
 * Returns: (transfer full) (nullable): the Cookie header the user's
 *   cookies file gives @url, for a download another program makes
 */
char *
_trawl_client_get_cookies (TrawlClient *self,
                           const char  *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupSessionFeature *jar;

  if (uri == NULL)
    return NULL;
  jar = soup_session_get_feature (get_session (self), SOUP_TYPE_COOKIE_JAR);
  return jar != NULL ? soup_cookie_jar_get_cookies (SOUP_COOKIE_JAR (jar), uri, TRUE) : NULL;
}

/**
 * _trawl_client_should_retry:
 * @attempt: the tries made so far
 * @error: why the last one failed
 * @message: (nullable): its message, for the server's Retry-After
 * @delay_ms: (out): how long to wait before the next try
 *
 * The one retry decision, for pages and downloads alike.
 *
 * Returns: whether to try again
 */
gboolean
_trawl_client_should_retry (TrawlClient  *self,
                            guint         attempt,
                            const GError *error,
                            SoupMessage  *message,
                            guint        *delay_ms)
{
  guint retry_after = message != NULL ? _trawl_retry_after_seconds (message) : 0;

  *delay_ms = 0;
  if (!_trawl_error_is_transient (error) || attempt >= self->max_tries)
    return FALSE;

  *delay_ms = _trawl_backoff_ms (self->retry_delay_ms, attempt, retry_after, g_random_int ());
  return TRUE;
}

/* The speed limit shared by all downloads: how many of @wanted bytes may
 * be read now, or 0 and how long to wait. */
gsize
_trawl_client_take_bytes (TrawlClient *self,
                          gsize        wanted,
                          guint       *wait_ms)
{
  return _trawl_token_bucket_take (&self->bucket, g_get_monotonic_time (), wanted, wait_ms);
}

void
_trawl_client_give_back_bytes (TrawlClient *self,
                               gsize        unused)
{
  _trawl_token_bucket_give_back (&self->bucket, unused);
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
  _trawl_attempt_end (&send->cancellable, send->caller, &send->caller_handler);
  g_clear_signal_handler (&send->headers_handler, send->message);
  g_clear_signal_handler (&send->address_handler, send->message);
  g_clear_object (&send->caller);
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
      address != NULL && is_board_origin (trawl_board_get_url (send->board), uri))
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
collect_credential (const char *name,
                    const char *value,
                    gpointer    user_data)
{
  GPtrArray *names = user_data;

  if (is_credential (name))
    g_ptr_array_add (names, g_strdup (name));
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
  if (target == NULL || g_uri_get_host (target) == NULL)
    return;

  /* Refused before libsoup follows it: a user name or password would be
   * sent (through a proxy, in the request line). */
  if (g_uri_get_userinfo (target) != NULL)
    {
      g_autofree char *place = board_place (send);

      send_refuse (send, g_error_new (TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL,
                                      _("The board at %s redirected to an address with a user "
                                        "name or password in it; refused"), place));
      return;
    }

  /* The user's credentials do not follow a redirect off the board's site. */
  if (!is_board_origin (trawl_board_get_url (send->board), target))
    {
      SoupMessageHeaders *request = soup_message_get_request_headers (message);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      soup_message_headers_foreach (request, collect_credential, names);
      for (guint i = 0; i < names->len; i++)
        soup_message_headers_remove (request, g_ptr_array_index (names, i));
    }

  if (send_allows (send, target, NULL))
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
client_send_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Send *send = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (object), result,
                                                             &error);
  g_autofree char *final_url = NULL;

  g_assert (G_IS_TASK (task));

  if (send->refusal != NULL && !g_cancellable_is_cancelled (send->caller))
    {
      g_clear_error (&error);
      error = g_steal_pointer (&send->refusal);
    }
  else if (stream != NULL)
    {
      /* Redirects may lead anywhere; where they ended must still be a
       * place Trawl fetches from. */
      final_url = g_uri_to_string (soup_message_get_uri (send->message));
      trawl_uri_is_fetchable (final_url, &error);
    }

  if (error != NULL)
    {
      if (stream != NULL)
        g_input_stream_close (stream, NULL, NULL);
      g_task_return_error (task, _trawl_explain_error (error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&stream), g_object_unref);
}

/**
 * _trawl_client_send_async:
 * @board: the board the request is made for
 *
 * soup_session_send_async() on the client's session, for pages and videos
 * alike, refusing what @board may not reach (see TrawlAllowLocal) before it
 * is asked for, with the reason. Where redirects ended is checked again
 * (trawl_uri_is_fetchable()), and certificate errors are explained.
 */
void
_trawl_client_send_async (TrawlClient         *self,
                          TrawlBoard          *board,
                          SoupMessage         *message,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (message, NULL, callback, user_data);
  Send *send = g_new0 (Send, 1);

  g_task_set_source_tag (task, _trawl_client_send_async);
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);
  send->board = g_object_ref (board);
  send->message = g_object_ref (message);
  send->allow = self->allow_local;
  send->caller = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  send->cancellable = _trawl_attempt_begin (cancellable, &send->caller_handler);

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
  flight_begin (self, message);
  soup_session_send_async (get_session (self), message, G_PRIORITY_DEFAULT,
                           send->cancellable, client_send_done_cb, task);
}

GInputStream *
_trawl_client_send_finish (SoupMessage   *message,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, message), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
/**
 * trawl_parse_rate:
 * @text: bytes per second, with an optional K, M or G suffix (powers of
 *   1024, as in curl and wget): "500K", "1.5M"
 *
 * Returns: the rate in bytes per second, or 0 with @error set
 */
guint64
trawl_parse_rate (const char  *text,
                  GError     **error)
{
  char *end = NULL;
  double value;
  double scale = 1;

  g_return_val_if_fail (text != NULL, 0);

  value = g_ascii_strtod (text, &end);
  if (end == text || !isfinite (value) || value <= 0)
    goto invalid;

  switch (g_ascii_toupper (*end))
    {
    case 'K':
      scale = 1024;
      end++;
      break;
    case 'M':
      scale = 1024 * 1024;
      end++;
      break;
    case 'G':
      scale = 1024.0 * 1024 * 1024;
      end++;
      break;
    default:
      break;
    }

  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0' || value * scale < 1 || value * scale > (double) G_MAXINT64)
    goto invalid;

  return (guint64) (value * scale);

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a rate; use bytes per second such as 500K or 2M"), text);
  return 0;
}

/**
 * trawl_check_cookies_file:
 * @path: a Netscape cookies.txt
 *
 * Whether @path can be used as the queue's "cookies-file": a regular file
 * of a sane size (its lines are checked when it is read). Lets a caller
 * refuse it before anything is fetched without it.
 */
gboolean
trawl_check_cookies_file (const char  *path,
                          GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!_trawl_read_regular_file (path, TRAWL_MAX_INPUT_SIZE, &contents, &length, error))
    return FALSE;
  if (contents == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s does not exist"), path);
      return FALSE;
    }
  return TRUE;
}

/* Headers a download depends on: a fixed Range or length would break every
 * resume and every check of a finished file. */
static gboolean
is_own_header (const char *name)
{
  const char *own[] = { "Range", "If-Range", "Content-Length", "Transfer-Encoding", "Host",
                        "Connection", "Accept-Encoding" };

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    if (g_ascii_strcasecmp (name, own[i]) == 0)
      return TRUE;
  return FALSE;
}

/**
 * trawl_parse_header:
 * @text: an extra request header as a user writes it, `Name: value`
 * @name: (out) (optional): the name
 * @value: (out) (optional): the value, without the blanks around it
 *
 * The name must be an HTTP token and the value free of line breaks and
 * other control characters (a tab is fine): libsoup refuses anything else
 * on every request, and a line break would smuggle in another header.
 *
 * Returns: %TRUE if @text is a header, or %FALSE with @error set
 */
gboolean
trawl_parse_header (const char  *text,
                    char       **name,
                    char       **value,
                    GError     **error)
{
  const char *colon;
  g_autofree char *n = NULL;
  g_autofree char *v = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  colon = strchr (text, ':');
  if (colon == NULL || colon == text)
    {
      g_autofree char *shown = g_strescape (text, NULL);

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The header “%s” is not of the form “Name: value”"), shown);
      return FALSE;
    }

  n = g_strndup (text, colon - text);
  v = g_strdup (colon + 1);
  g_strstrip (v);
  if (!_trawl_is_http_token (n))
    {
      g_autofree char *shown = g_strescape (n, NULL);

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The header name “%s” has a space or another character a name "
                     "cannot have"), shown);
      return FALSE;
    }
  if (is_own_header (n))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The header “%s” is set by Trawl itself"), n);
      return FALSE;
    }
  if (!_trawl_is_http_value (v))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The value of the header “%s” has a line break or another control "
                     "character"), n);
      return FALSE;
    }

  if (name != NULL)
    *name = g_steal_pointer (&n);
  if (value != NULL)
    *value = g_steal_pointer (&v);
  return TRUE;
}
