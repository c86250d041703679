#define G_LOG_DOMAIN "trawl-queue"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "trawl-enums.h"
#include "trawl-error.h"
#include "trawl-filename.h"
#include "trawl-part-private.h"
#include "trawl-policy-private.h"
#include "trawl-proxy-resolver-private.h"
#include "trawl-queue-private.h"
#include "trawl-state-counts-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

#define DEFAULT_JOBS 4
#define DEFAULT_PER_HOST 6
#define DEFAULT_MAX_TRIES 5
#define DEFAULT_RETRY_DELAY_MS 1000
#define DEFAULT_TIMEOUT_S 30
#define MAX_RETRY_DELAY_MS (60 * 1000)
#define MAX_RETRY_AFTER_S 300
#define TICK_MS 250
#define DEFAULT_USER_AGENT \
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
  "Chrome/124.0.0.0 Safari/537.36"

struct _TrawlQueue
{
  GObject         parent_instance;

  GPtrArray      *items;
  TrawlStateCounts counts;         /* of items */
  GListStore     *boards;
  TrawlRecipeSet *recipes;
  TrawlArchive   *archive;
  SoupSession    *session;
  GCancellable   *cancellable;

  guint           jobs;
  guint           per_host;
  guint           max_tries;
  guint           retry_delay_ms;
  guint           timeout;
  guint           max_pages;
  guint64         limit_rate;
  char           *user_agent;
  char           *proxy;
  char           *cookies_file;
  char           *ca_file;
  GStrv           headers;
  TrawlAllowLocal allow_local;
  gboolean        download;
  gboolean        review;
  char           *state_file;
  guint           save_source;
  gint64          save_cost_us;    /* of the last serialisation */
  gint64          save_due;        /* when save_source fires */
  gboolean        saving;
  gboolean        save_again;

  GQueue          resolve_queue;   /* of owned TrawlItem, PENDING */
  GQueue          download_queue;  /* of owned TrawlItem, QUEUED */
  GHashTable     *active;          /* TrawlItem -> TRUE while resolving or transferring */
  guint           resolving;
  guint           downloading;
  guint           crawling;
  GHashTable     *reserved;        /* path -> TrawlItem (unowned), or the queue: blocked */
  GHashTable     *name_counters;   /* folder/base -> next number to try */
  guint           tick_source;
  gboolean        busy;
  gboolean        shut_down;

  TrawlTokenBucket bucket;
};

static void trawl_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlQueue, trawl_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      trawl_queue_list_model_init))

enum {
  PROP_0,
  PROP_JOBS,
  PROP_PER_HOST,
  PROP_MAX_TRIES,
  PROP_RETRY_DELAY,
  PROP_TIMEOUT,
  PROP_MAX_PAGES,
  PROP_LIMIT_RATE,
  PROP_USER_AGENT,
  PROP_PROXY,
  PROP_COOKIES_FILE,
  PROP_CA_FILE,
  PROP_HEADERS,
  PROP_ALLOW_LOCAL,
  PROP_DOWNLOAD,
  PROP_REVIEW,
  PROP_BUSY,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  ITEM_STATE_CHANGED,
  ITEM_SELECTED_CHANGED,
  ITEM_NOTE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule (TrawlQueue *self);

static GType
trawl_queue_get_item_type (GListModel *model)
{
  return TRAWL_TYPE_ITEM;
}

static guint
trawl_queue_get_n_items (GListModel *model)
{
  return TRAWL_QUEUE (model)->items->len;
}

static gpointer
trawl_queue_get_item (GListModel *model,
                      guint       position)
{
  TrawlQueue *self = TRAWL_QUEUE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
trawl_queue_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = trawl_queue_get_item_type;
  iface->get_n_items = trawl_queue_get_n_items;
  iface->get_item = trawl_queue_get_item;
}

static void
trawl_queue_dispose (GObject *object)
{
  TrawlQueue *self = (TrawlQueue *)object;

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->items->len; i++)
    g_cancellable_cancel (_trawl_item_get_cancellable (g_ptr_array_index (self->items, i)));
  /* Boards hold their items, which hold their board. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->boards)); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (G_LIST_MODEL (self->boards), i);
      _trawl_board_remove_all_items (board);
    }
  g_queue_clear_full (&self->resolve_queue, g_object_unref);
  g_queue_clear_full (&self->download_queue, g_object_unref);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->archive != NULL)
    g_signal_handlers_disconnect_by_data (self->archive, self);
  g_clear_object (&self->archive);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (trawl_queue_parent_class)->dispose (object);
}

static void
trawl_queue_finalize (GObject *object)
{
  TrawlQueue *self = (TrawlQueue *)object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->boards);
  g_clear_object (&self->recipes);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->reserved, g_hash_table_unref);
  g_clear_pointer (&self->name_counters, g_hash_table_unref);
  g_free (self->user_agent);
  g_free (self->proxy);
  g_free (self->cookies_file);
  g_free (self->ca_file);
  g_strfreev (self->headers);
  g_free (self->state_file);

  G_OBJECT_CLASS (trawl_queue_parent_class)->finalize (object);
}

static void
trawl_queue_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TrawlQueue *self = TRAWL_QUEUE (object);

  switch (prop_id)
    {
    case PROP_JOBS:
      g_value_set_uint (value, self->jobs);
      break;
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
    case PROP_MAX_PAGES:
      g_value_set_uint (value, self->max_pages);
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
    case PROP_DOWNLOAD:
      g_value_set_boolean (value, self->download);
      break;
    case PROP_REVIEW:
      g_value_set_boolean (value, self->review);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
set_uint (TrawlQueue   *self,
          guint        *field,
          const GValue *value)
{
  guint v = g_value_get_uint (value);

  if (*field == v)
    return FALSE;
  *field = v;
  return TRUE;
}

static void
trawl_queue_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  gboolean changed = FALSE;
  gboolean new_session = FALSE;

  switch (prop_id)
    {
    case PROP_JOBS:
      changed = set_uint (self, &self->jobs, value);
      break;
    case PROP_PER_HOST:
      changed = new_session = set_uint (self, &self->per_host, value);
      break;
    case PROP_MAX_TRIES:
      changed = set_uint (self, &self->max_tries, value);
      break;
    case PROP_RETRY_DELAY:
      changed = set_uint (self, &self->retry_delay_ms, value);
      break;
    case PROP_TIMEOUT:
      changed = new_session = set_uint (self, &self->timeout, value);
      break;
    case PROP_MAX_PAGES:
      changed = set_uint (self, &self->max_pages, value);
      break;
    case PROP_LIMIT_RATE:
      if (self->limit_rate != g_value_get_uint64 (value))
        {
          self->limit_rate = g_value_get_uint64 (value);
          _trawl_token_bucket_set_rate (&self->bucket, self->limit_rate);
          changed = TRUE;
        }
      break;
    case PROP_USER_AGENT:
      {
        const char *agent = g_value_get_string (value);

        /* A line break would add headers to every request (trawl-cli
         * refuses such a value before it gets here). */
        if (agent != NULL && !_trawl_is_http_value (agent))
          {
            g_warning ("Ignoring a User-Agent with a line break or a control character");
            agent = NULL;
          }
        changed = new_session = _trawl_set_str (&self->user_agent,
                                                agent != NULL ? agent : DEFAULT_USER_AGENT);
      }
      break;
    case PROP_PROXY:
      changed = new_session = _trawl_set_str (&self->proxy, g_value_get_string (value));
      break;
    case PROP_COOKIES_FILE:
      changed = new_session = _trawl_set_str (&self->cookies_file, g_value_get_string (value));
      break;
    case PROP_CA_FILE:
      changed = new_session = _trawl_set_str (&self->ca_file, g_value_get_string (value));
      break;
    case PROP_HEADERS:
      g_strfreev (self->headers);
      self->headers = g_value_dup_boxed (value);
      for (guint i = 0; self->headers != NULL && self->headers[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;

          if (!trawl_parse_header (self->headers[i], NULL, NULL, &error))
            g_warning (_("Not sending it: %s"), error->message);
        }
      changed = TRUE;
      break;
    case PROP_ALLOW_LOCAL:
      if (self->allow_local != (TrawlAllowLocal) g_value_get_enum (value))
        {
          self->allow_local = g_value_get_enum (value);
          changed = TRUE;
        }
      break;
    case PROP_DOWNLOAD:
      if (self->download != g_value_get_boolean (value))
        {
          self->download = g_value_get_boolean (value);
          changed = TRUE;
        }
      break;
    case PROP_REVIEW:
      if (self->review != g_value_get_boolean (value))
        {
          self->review = g_value_get_boolean (value);
          changed = TRUE;
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  /* SoupSession fixes these at construction; requests already running
   * keep the old session, new ones get a new one. */
  if (new_session)
    g_clear_object (&self->session);

  if (changed)
    {
      g_object_notify_by_pspec (object, pspec);
      schedule (self);
    }
}

static void
trawl_queue_class_init (TrawlQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* libsoup 3.2 reads HTTP/2 DATA frames into memory as fast as they
   * come, however slowly the body is read: four 128 MiB videos from an
   * HTTP/2 server peaked at 436 MiB. HTTP/1.1 is read only as the ring
   * buffer asks. Per-message control is private in 3.2, so this is the
   * library's own process-wide switch, set before any session exists. */
  g_setenv ("SOUP_FORCE_HTTP1", "1", FALSE);

  object_class->dispose = trawl_queue_dispose;
  object_class->finalize = trawl_queue_finalize;
  object_class->get_property = trawl_queue_get_property;
  object_class->set_property = trawl_queue_set_property;

  properties[PROP_JOBS] =
    g_param_spec_uint ("jobs", NULL, NULL, 1, 64, DEFAULT_JOBS, flags | G_PARAM_CONSTRUCT);
  properties[PROP_PER_HOST] =
    g_param_spec_uint ("per-host", NULL, NULL, 1, 64, DEFAULT_PER_HOST, flags | G_PARAM_CONSTRUCT);
  properties[PROP_MAX_TRIES] =
    g_param_spec_uint ("max-tries", NULL, NULL, 1, 100, DEFAULT_MAX_TRIES,
                       flags | G_PARAM_CONSTRUCT);
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, 600000, DEFAULT_RETRY_DELAY_MS,
                       flags | G_PARAM_CONSTRUCT);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, DEFAULT_TIMEOUT_S,
                       flags | G_PARAM_CONSTRUCT);
  properties[PROP_MAX_PAGES] =
    g_param_spec_uint ("max-pages", NULL, NULL, 0, 100000, 0, flags | G_PARAM_CONSTRUCT);
  properties[PROP_LIMIT_RATE] =
    g_param_spec_uint64 ("limit-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags | G_PARAM_CONSTRUCT);
  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL, DEFAULT_USER_AGENT, flags | G_PARAM_CONSTRUCT);
  properties[PROP_PROXY] = g_param_spec_string ("proxy", NULL, NULL, NULL, flags);
  properties[PROP_COOKIES_FILE] = g_param_spec_string ("cookies-file", NULL, NULL, NULL, flags);
  /* Certificates signed by this CA are trusted, instead of the system's
   * (for self-hosted boards); certificate errors are never ignored. */
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, NULL, flags);
  properties[PROP_HEADERS] = g_param_spec_boxed ("headers", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_ALLOW_LOCAL] =
    g_param_spec_enum ("allow-local", NULL, NULL, TRAWL_TYPE_ALLOW_LOCAL, TRAWL_ALLOW_LOCAL_AUTO,
                       flags);
  properties[PROP_DOWNLOAD] =
    g_param_spec_boolean ("download", NULL, NULL, TRUE, flags | G_PARAM_CONSTRUCT);
  /* Boards added while set wait for trawl_queue_confirm_board(). */
  properties[PROP_REVIEW] =
    g_param_spec_boolean ("review", NULL, NULL, FALSE, flags);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TrawlQueue::item-state-changed:
   *
   * Emitted after any item of the queue changed state, so a front end can
   * report it without connecting to every item.
   */
  signals[ITEM_STATE_CHANGED] =
    g_signal_new ("item-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, TRAWL_TYPE_ITEM);

  /**
   * TrawlQueue::item-note:
   * @item: the item
   * @note: one line for the user, such as why the item's file got
   *   another name
   */
  signals[ITEM_NOTE] =
    g_signal_new ("item-note", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TRAWL_TYPE_ITEM, G_TYPE_STRING);

  /**
   * TrawlQueue::item-selected-changed:
   *
   * Emitted when an item's "selected" changes (boards under review).
   */
  signals[ITEM_SELECTED_CHANGED] =
    g_signal_new ("item-selected-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, TRAWL_TYPE_ITEM);
}

static void
trawl_queue_init (TrawlQueue *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->boards = g_list_store_new (TRAWL_TYPE_BOARD);
  self->cancellable = g_cancellable_new ();
  self->active = g_hash_table_new (NULL, NULL);
  self->reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->name_counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->resolve_queue);
  g_queue_init (&self->download_queue);
}

TrawlQueue *
trawl_queue_new (void)
{
  return g_object_new (TRAWL_TYPE_QUEUE, NULL);
}

GListModel *
trawl_queue_get_boards (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  return G_LIST_MODEL (self->boards);
}

TrawlRecipeSet *
trawl_queue_get_recipes (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);

  if (self->recipes == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->recipes = trawl_recipe_set_new_default (&error);
      if (error != NULL)
        g_warning ("%s", error->message);
    }

  return self->recipes;
}

void
trawl_queue_set_recipes (TrawlQueue     *self,
                         TrawlRecipeSet *recipes)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_set_object (&self->recipes, recipes);
}

TrawlArchive *
trawl_queue_get_archive (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  return self->archive;
}

static void update_busy (TrawlQueue *self);

void
trawl_queue_set_archive (TrawlQueue   *self,
                         TrawlArchive *archive)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  if (self->archive == archive)
    return;

  if (self->archive != NULL)
    g_signal_handlers_disconnect_by_data (self->archive, self);
  g_set_object (&self->archive, archive);
  if (archive != NULL)
    g_signal_connect_swapped (archive, "notify::saving", G_CALLBACK (update_busy), self);
}

gboolean
trawl_queue_is_busy (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  return self->busy;
}

/* How many items are in @state. */
guint
trawl_queue_count_state (TrawlQueue     *self,
                         TrawlItemState  state)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), 0);

  return _trawl_state_counts_get (&self->counts, state);
}

guint
trawl_queue_get_jobs (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), 0);
  return self->jobs;
}

guint
trawl_queue_get_per_host (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), 0);
  return self->per_host;
}

SoupSession *
_trawl_queue_get_session (TrawlQueue *self)
{
  if (self->session == NULL)
    {
      /* One connection carries one request at a time (HTTP/1.1), so the
       * per-host connection limit is the per-host request limit. */
      int max_conns = (int) MAX (self->per_host * 8, 64);

      self->session = soup_session_new_with_options ("user-agent", self->user_agent,
                                                     "max-conns-per-host", (int) self->per_host,
                                                     "max-conns", max_conns,
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
          g_autoptr(SoupCookieJar) jar = _trawl_cookie_jar_new_from_file (self->cookies_file,
                                                                          &error);

          if (jar != NULL)
            soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (jar));
          else
            g_warning ("Cannot read the cookies file: %s", error->message);
        }
    }

  return self->session;
}

void
_trawl_queue_prepare_message (TrawlQueue  *self,
                              SoupMessage *message,
                              const char  *referer)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  if (referer != NULL)
    soup_message_headers_replace (headers, "Referer", referer);

  /* Bad ones were refused with a warning when they were set. */
  for (guint i = 0; self->headers != NULL && self->headers[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (trawl_parse_header (self->headers[i], &name, &value, NULL))
        soup_message_headers_replace (headers, name, value);
    }
}

TrawlAllowLocal
_trawl_queue_get_allow_local (TrawlQueue *self)
{
  return self->allow_local;
}

guint
_trawl_queue_get_max_tries (TrawlQueue *self)
{
  return self->max_tries;
}

guint
_trawl_queue_get_max_pages (TrawlQueue *self)
{
  return self->max_pages;
}

/* Exponential backoff with jitter, so many items failing together do not
 * retry together; a server's Retry-After wins when it asks for longer. */
guint
_trawl_queue_retry_delay_ms (TrawlQueue *self,
                             guint       attempt,
                             guint       retry_after_s)
{
  guint64 delay = self->retry_delay_ms;
  guint64 asked = (guint64) MIN (retry_after_s, MAX_RETRY_AFTER_S) * 1000;

  for (guint i = 1; i < attempt && delay < MAX_RETRY_DELAY_MS; i++)
    delay *= 2;
  delay = MIN (delay, MAX_RETRY_DELAY_MS);
  delay = delay * 3 / 4 + g_random_int_range (0, (gint32) (delay / 2) + 1);

  return (guint) MAX (delay, asked);
}

/* A token bucket shared by all downloads: returns how many of @wanted
 * bytes may be read now, or 0 and how long to wait. */
gsize
_trawl_queue_take_bytes (TrawlQueue *self,
                         gsize       wanted,
                         guint      *wait_ms)
{
  return _trawl_token_bucket_take (&self->bucket, g_get_monotonic_time (), wanted, wait_ms);
}

void
_trawl_queue_give_back_bytes (TrawlQueue *self,
                              gsize       unused)
{
  _trawl_token_bucket_give_back (&self->bucket, unused);
}

guint
_trawl_queue_get_timeout (TrawlQueue *self)
{
  return self->timeout;
}

static void
update_busy (TrawlQueue *self)
{
  gboolean busy = self->crawling > 0 || self->resolving > 0 || self->downloading > 0 ||
                  !g_queue_is_empty (&self->resolve_queue) ||
                  (self->download && !g_queue_is_empty (&self->download_queue)) ||
                  (self->archive != NULL && trawl_archive_is_saving (self->archive)) ||
                  _trawl_queue_is_saving (self);

  if (busy == self->busy)
    return;

  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static gboolean
tick (gpointer user_data)
{
  TrawlQueue *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->active);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    _trawl_item_flush_progress (key, now);

  if (self->downloading == 0)
    {
      self->tick_source = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
set_state (TrawlQueue     *self,
           TrawlItem      *item,
           TrawlItemState  state)
{
  TrawlItemState old_state = trawl_item_get_state (item);
  TrawlBoard *board = trawl_item_get_board (item);

  if (old_state == state)
    return;

  _trawl_item_set_state (item, state);
  /* Counted while in the queue, which is while in its board. */
  if (_trawl_board_has_item (board, item))
    {
      _trawl_state_counts_move (&self->counts, old_state, state);
      _trawl_board_item_state_changed (board, item, old_state);
    }
  g_signal_emit (self, signals[ITEM_STATE_CHANGED], 0, item);
  _trawl_queue_save_later (self);
}

static void
fail_item (TrawlQueue   *self,
           TrawlItem    *item,
           const GError *error)
{
  _trawl_item_set_error (item, error->message);
  set_state (self, item, TRAWL_ITEM_FAILED);
}

static void
enqueue (TrawlQueue *self,
         TrawlItem  *item)
{
  /* An item whose resolve or transfer is still winding down is queued by
   * its callback, so two transfers never write one .part file. */
  if (g_hash_table_contains (self->active, item))
    return;

  if (trawl_item_get_state (item) == TRAWL_ITEM_PENDING)
    g_queue_push_tail (&self->resolve_queue, g_object_ref (item));
  else if (trawl_item_get_state (item) == TRAWL_ITEM_QUEUED &&
           !trawl_board_get_review (trawl_item_get_board (item)))
    g_queue_push_tail (&self->download_queue, g_object_ref (item));
}

static void
transfer_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  g_autoptr(TrawlItem) item = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = _trawl_transfer_finish (result, &error);

  g_hash_table_remove (self->active, item);
  self->downloading--;
  _trawl_item_flush_progress (item, g_get_monotonic_time ());

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  if (trawl_item_get_state (item) == TRAWL_ITEM_DOWNLOADING)
    {
      if (ok)
        {
          g_autofree char *key = _trawl_item_archive_key (item);

          _trawl_item_set_error (item, NULL);
          set_state (self, item, TRAWL_ITEM_DONE);
          if (self->archive != NULL && key != NULL)
            trawl_archive_add (self->archive, key);
        }
      else
        fail_item (self, item, error);
    }
  else
    enqueue (self, item);

  schedule (self);
}

static void
start_transfer (TrawlQueue *self,
                TrawlItem  *item)
{
  self->downloading++;
  g_hash_table_add (self->active, item);
  set_state (self, item, TRAWL_ITEM_DOWNLOADING);
  _trawl_transfer_async (self, item, _trawl_item_get_cancellable (item), transfer_cb,
                         g_object_ref (item));

  if (self->tick_source == 0)
    self->tick_source = g_timeout_add (TICK_MS, tick, self);
}

static void
remove_from_model (TrawlQueue *self,
                   TrawlItem  *item)
{
  g_autoptr(TrawlItem) removed = NULL;
  guint position;

  if (!g_ptr_array_find (self->items, item, &position))
    return;

  _trawl_queue_release_path (self, item);
  removed = g_ptr_array_steal_index (self->items, position);
  _trawl_state_counts_remove (&self->counts, trawl_item_get_state (item));
  _trawl_board_remove_item (trawl_item_get_board (item), item);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  _trawl_queue_save_later (self);
}

static void
resolve_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  g_autoptr(TrawlItem) item = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = _trawl_resolve_finish (result, &error);

  g_hash_table_remove (self->active, item);
  self->resolving--;

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  if (trawl_item_get_state (item) != TRAWL_ITEM_RESOLVING)
    {
      enqueue (self, item);
    }
  else if (!ok)
    {
      fail_item (self, item, error);
    }
  else
    {
      g_autofree char *key = _trawl_item_archive_key (item);

      /* Items known only by their media URL can be checked against the
       * archive now, and no earlier. */
      if (self->archive != NULL && trawl_item_get_id (item) == NULL &&
          trawl_archive_contains (self->archive, key))
        {
          _trawl_board_add_skipped (trawl_item_get_board (item));
          remove_from_model (self, item);
        }
      else if (!_trawl_queue_reserve_path (self, item, NULL, &error))
        {
          fail_item (self, item, error);
        }
      else
        {
          set_state (self, item, TRAWL_ITEM_QUEUED);
          enqueue (self, item);
        }
    }

  schedule (self);
}

static void
start_resolve (TrawlQueue *self,
               TrawlItem  *item)
{
  self->resolving++;
  g_hash_table_add (self->active, item);
  set_state (self, item, TRAWL_ITEM_RESOLVING);
  _trawl_resolve_async (self, item, _trawl_item_get_cancellable (item), resolve_cb,
                        g_object_ref (item));
}

static void
schedule (TrawlQueue *self)
{
  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  /* Detail pages share the per-host connections with the downloads; more
   * resolves than that would only wait inside the session. */
  while (self->resolving < self->per_host && !g_queue_is_empty (&self->resolve_queue))
    {
      g_autoptr(TrawlItem) item = g_queue_pop_head (&self->resolve_queue);

      if (trawl_item_get_state (item) == TRAWL_ITEM_PENDING &&
          !g_hash_table_contains (self->active, item))
        start_resolve (self, item);
    }

  while (self->download && self->downloading < self->jobs &&
         !g_queue_is_empty (&self->download_queue))
    {
      g_autoptr(TrawlItem) item = g_queue_pop_head (&self->download_queue);

      if (trawl_item_get_state (item) == TRAWL_ITEM_QUEUED &&
          !g_hash_table_contains (self->active, item))
        start_transfer (self, item);
    }

  update_busy (self);
}

static void
item_selected_cb (TrawlQueue *self,
                  GParamSpec *pspec,
                  TrawlItem  *item)
{
  _trawl_board_item_selected_changed (trawl_item_get_board (item), item);
  g_signal_emit (self, signals[ITEM_SELECTED_CHANGED], 0, item);
  _trawl_queue_save_later (self);
}

static void
append_item (TrawlQueue *self,
             TrawlItem  *item)
{
  g_ptr_array_add (self->items, g_object_ref (item));
  _trawl_state_counts_add (&self->counts, trawl_item_get_state (item));
  _trawl_board_add_item (trawl_item_get_board (item), item);
  g_signal_connect_object (item, "notify::selected", G_CALLBACK (item_selected_cb), self,
                           G_CONNECT_SWAPPED);
  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
_trawl_queue_add_item (TrawlQueue *self,
                       TrawlItem  *item)
{
  g_autoptr(GError) error = NULL;

  append_item (self, item);
  _trawl_queue_save_later (self);

  /* A list entry that is itself a media file needs no resolving. */
  if (trawl_item_get_media_url (item) != NULL)
    {
      if (!_trawl_queue_reserve_path (self, item, NULL, &error))
        fail_item (self, item, error);
      else
        set_state (self, item, TRAWL_ITEM_QUEUED);
    }

  enqueue (self, item);
  schedule (self);
}

static void
crawl_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  g_autoptr(TrawlBoard) board = user_data;
  g_autoptr(GError) error = NULL;

  self->crawling--;

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  if (_trawl_crawl_finish (result, &error))
    _trawl_board_set_state (board, TRAWL_BOARD_DONE);
  else
    {
      _trawl_board_set_error (board, error->message);
      _trawl_board_set_state (board, TRAWL_BOARD_FAILED);
    }

  _trawl_queue_save_later (self);
  schedule (self);
}

static gboolean
check_output_dir (const char  *dir,
                  GError     **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the download folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  if (access (dir, W_OK | X_OK) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot write to the download folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  return TRUE;
}

/**
 * trawl_queue_add_board:
 * @url: a board (list page) URL, a single video page, or a media file
 * @recipe: (nullable): a recipe name to use whatever the URL, or %NULL to
 *   pick one by URL (or the generic extractor when none matches)
 * @output_dir: where this board's files go
 *
 * Starts crawling; items are added to the queue as they are found.
 *
 * Returns: (transfer none): the board, or %NULL if the URL may not be
 *   fetched, the recipe does not exist, or the folder cannot be written
 */
TrawlBoard *
trawl_queue_add_board (TrawlQueue  *self,
                       const char  *url,
                       const char  *recipe,
                       const char  *output_dir,
                       GError     **error)
{
  g_autoptr(TrawlBoard) board = NULL;
  TrawlRecipe *found = NULL;
  g_autofree char *absolute = NULL;

  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (output_dir != NULL, NULL);

  if (!trawl_uri_is_fetchable (url, error))
    return NULL;

  if (recipe != NULL)
    {
      found = trawl_recipe_set_lookup (trawl_queue_get_recipes (self), recipe);
      if (found == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, _("There is no recipe named “%s”"),
                       recipe);
          return NULL;
        }
    }
  else
    found = trawl_recipe_set_match (trawl_queue_get_recipes (self), url);

  if (g_path_is_absolute (output_dir))
    absolute = g_canonicalize_filename (output_dir, NULL);
  else
    absolute = g_canonicalize_filename (output_dir, g_get_current_dir ());

  if (!check_output_dir (absolute, error))
    return NULL;

  board = _trawl_board_new (url, found != NULL ? trawl_recipe_get_name (found) : NULL, absolute);
  _trawl_board_set_review (board, self->review);
  g_list_store_append (self->boards, board);
  _trawl_queue_crawl (self, board);
  _trawl_queue_save_later (self);

  return board;
}

static void
cancel_board_crawl (GCancellable *queue_cancellable,
                    GCancellable *board_cancellable)
{
  g_cancellable_cancel (board_cancellable);
}

/* Starts (or, for a restored board, restarts) the crawl of @board; items
 * the queue already has for it are not added twice. */
void
_trawl_queue_crawl (TrawlQueue *self,
                    TrawlBoard *board)
{
  TrawlRecipe *recipe = NULL;
  GCancellable *cancellable = g_cancellable_new ();

  if (trawl_board_get_recipe (board) != NULL)
    recipe = trawl_recipe_set_lookup (trawl_queue_get_recipes (self),
                                      trawl_board_get_recipe (board));

  /* Cancelled with the queue, or alone when the board is removed. */
  g_cancellable_connect (self->cancellable, G_CALLBACK (cancel_board_crawl),
                         g_object_ref (cancellable), g_object_unref);
  g_object_set_data_full (G_OBJECT (board), "trawl-crawl-cancellable", cancellable,
                          g_object_unref);

  _trawl_board_set_state (board, TRAWL_BOARD_CRAWLING);
  self->crawling++;
  _trawl_crawl_async (self, board, recipe, cancellable, crawl_cb, g_object_ref (board));
  update_busy (self);
}

/* Puts back an item read from the state file, in the state it had. */
void
_trawl_queue_restore_item (TrawlQueue *self,
                           TrawlItem  *item)
{
  const char *path = trawl_item_get_path (item);

  if (path != NULL)
    g_hash_table_insert (self->reserved, g_strdup (path), item);

  append_item (self, item);
  enqueue (self, item);
}

void
_trawl_queue_restore_board (TrawlQueue *self,
                            TrawlBoard *board)
{
  g_list_store_append (self->boards, board);
}

/**
 * trawl_queue_remove_board:
 *
 * Stops the crawl of @board, cancels its unfinished items and removes the
 * board and all its items from the queue. Finished files stay on disk.
 */
void
trawl_queue_remove_board (TrawlQueue *self,
                          TrawlBoard *board)
{
  guint position;

  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  if (!g_list_store_find (self->boards, board, &position))
    return;

  g_cancellable_cancel (g_object_get_data (G_OBJECT (board), "trawl-crawl-cancellable"));
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (board)); i > 0; i--)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i - 1);

      if (item != NULL)
        trawl_queue_remove (self, item);
    }

  g_list_store_remove (self->boards, position);
  _trawl_queue_save_later (self);
  schedule (self);
}

/**
 * trawl_queue_confirm_board:
 * @board: a board under review
 *
 * Ends the review of @board: its selected items download, the others are
 * removed from the queue.
 */
void
trawl_queue_confirm_board (TrawlQueue *self,
                           TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  if (!trawl_board_get_review (board))
    return;

  _trawl_board_set_review (board, FALSE);

  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (board)); i > 0; i--)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i - 1);

      if (item != NULL && !trawl_item_get_selected (item))
        trawl_queue_remove (self, item);
    }

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i);

      if (trawl_item_get_state (item) == TRAWL_ITEM_QUEUED)
        enqueue (self, item);
    }

  _trawl_queue_save_later (self);
  schedule (self);
}

/**
 * trawl_queue_get_board_counts:
 * @done: (out) (optional): items of @board downloaded
 * @failed: (out) (optional): items of @board that failed
 * @active: (out) (optional): items of @board not finished yet
 */
void
trawl_queue_get_board_counts (TrawlQueue *self,
                              TrawlBoard *board,
                              guint      *done,
                              guint      *failed,
                              guint      *active)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  if (done != NULL)
    *done = trawl_board_get_n_done (board);
  if (failed != NULL)
    *failed = trawl_board_get_n_failed (board);
  if (active != NULL)
    *active = trawl_board_get_n_active (board);
}

void
_trawl_queue_release_path (TrawlQueue *self,
                           TrawlItem  *item)
{
  const char *path = trawl_item_get_path (item);

  if (path != NULL && g_hash_table_lookup (self->reserved, path) == item)
    g_hash_table_remove (self->reserved, path);
}

/* The first free name among @base, "@base (2)", "@base (3)"…, starting
 * where the last search for @base in this folder stopped, so that a board
 * of thousands of same-titled videos is named in linear time. */
static char *
reserve_numbered (TrawlQueue *self,
                  const char *dir,
                  const char *base,
                  guint       first)
{
  g_autofree char *key = g_build_filename (dir, base, NULL);
  guint n = MAX (first, GPOINTER_TO_UINT (g_hash_table_lookup (self->name_counters, key)));

  for (;; n++)
    {
      g_autofree char *name = trawl_filename_numbered (base, n);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_hash_table_contains (self->reserved, path) || !_trawl_path_is_free (path))
        continue;

      g_hash_table_insert (self->name_counters, g_steal_pointer (&key), GUINT_TO_POINTER (n + 1));
      return g_steal_pointer (&path);
    }
}

/* Picks the item's file name: its title made safe; when another item or a
 * finished file has it, the title with the item's id (stable across runs),
 * then " (2)", " (3)"… A leftover .part of the same name is taken over,
 * which is what resumes an interrupted run; the transfer checks that it
 * really is this video's. */
gboolean
_trawl_queue_reserve_path (TrawlQueue  *self,
                           TrawlItem   *item,
                           const char  *extension,
                           GError     **error)
{
  const char *dir = trawl_board_get_output_dir (trawl_item_get_board (item));
  const char *title = trawl_item_get_title (item);
  const char *id = trawl_item_get_id (item);
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;

  if (extension == NULL && trawl_item_get_media_url (item) != NULL)
    extension = trawl_uri_media_extension (trawl_item_get_media_url (item));

  if (title == NULL || *title == '\0')
    title = id;

  _trawl_queue_release_path (self, item);
  base = trawl_filename_from_title (title, extension);
  {
    g_autofree char *first = g_build_filename (dir, base, NULL);

    if (!g_hash_table_contains (self->reserved, first) && _trawl_path_is_free (first))
      path = g_steal_pointer (&first);
  }
  if (path == NULL && id != NULL && g_strcmp0 (title, id) != 0)
    {
      g_autofree char *with_id = g_strdup_printf ("%s (%s)", title, id);
      g_autofree char *id_base = trawl_filename_from_title (with_id, extension);

      path = reserve_numbered (self, dir, id_base, 1);
    }
  if (path == NULL)
    path = reserve_numbered (self, dir, base, 2);

  g_hash_table_insert (self->reserved, g_strdup (path), item);
  _trawl_item_set_path (item, path);
  return TRUE;
}

/* Something the user should know of an item that is not a failure; it
 * stays in the item's error line until the item finishes. */
void
_trawl_queue_note (TrawlQueue *self,
                   TrawlItem  *item,
                   const char *note)
{
  _trawl_item_set_error (item, note);
  g_signal_emit (self, signals[ITEM_NOTE], 0, item, note);
}

/* @path cannot be used in this run (another process writes it, it is not
 * a regular file, or its .part is another video's): no item gets it. */
void
_trawl_queue_block_path (TrawlQueue *self,
                         const char *path)
{
  g_hash_table_insert (self->reserved, g_strdup (path), self);
}

void
trawl_queue_pause (TrawlQueue *self,
                   TrawlItem  *item)
{
  TrawlItemState state;

  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  state = trawl_item_get_state (item);
  if (state != TRAWL_ITEM_PENDING && state != TRAWL_ITEM_RESOLVING &&
      state != TRAWL_ITEM_QUEUED && state != TRAWL_ITEM_DOWNLOADING)
    return;

  set_state (self, item, TRAWL_ITEM_PAUSED);
  g_cancellable_cancel (_trawl_item_get_cancellable (item));
  schedule (self);
}

void
trawl_queue_resume (TrawlQueue *self,
                    TrawlItem  *item)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  if (trawl_item_get_state (item) != TRAWL_ITEM_PAUSED)
    return;

  _trawl_item_renew_cancellable (item);
  set_state (self, item,
             trawl_item_get_path (item) != NULL ? TRAWL_ITEM_QUEUED : TRAWL_ITEM_PENDING);
  enqueue (self, item);
  schedule (self);
}

void
trawl_queue_retry (TrawlQueue *self,
                   TrawlItem  *item)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  if (trawl_item_get_state (item) != TRAWL_ITEM_FAILED &&
      trawl_item_get_state (item) != TRAWL_ITEM_CANCELLED)
    return;

  _trawl_item_renew_cancellable (item);
  _trawl_item_set_error (item, NULL);
  _trawl_item_set_tries (item, 0);
  set_state (self, item,
             trawl_item_get_path (item) != NULL ? TRAWL_ITEM_QUEUED : TRAWL_ITEM_PENDING);
  enqueue (self, item);
  schedule (self);
}

static void
delete_part (TrawlItem *item)
{
  g_autofree char *part = NULL;

  if (trawl_item_get_path (item) == NULL)
    return;

  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);
  if (g_unlink (part) != 0 && errno != ENOENT)
    g_warning ("Could not remove %s: %s", part, g_strerror (errno));
  _trawl_part_forget (part);
}

/* Stops the item for good and removes its partial file. */
void
trawl_queue_cancel (TrawlQueue *self,
                    TrawlItem  *item)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  if (trawl_item_is_finished (item))
    return;

  set_state (self, item, TRAWL_ITEM_CANCELLED);
  g_cancellable_cancel (_trawl_item_get_cancellable (item));
  /* The transfer (if any) closes its stream on cancellation; unlinking
   * an open file is fine on POSIX and the data is gone either way. */
  delete_part (item);
  _trawl_queue_release_path (self, item);
  schedule (self);
}

void
trawl_queue_remove (TrawlQueue *self,
                    TrawlItem  *item)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  if (!trawl_item_is_finished (item))
    trawl_queue_cancel (self, item);
  remove_from_model (self, item);
  schedule (self);
}

/**
 * trawl_queue_shutdown:
 *
 * Stops every crawl, resolve and download at once, leaving states and
 * .part files as they are (as an exit or a crash would), so that the
 * queue can be dropped. The queue is not busy once the cancelled
 * operations have wound down on the main loop.
 */
void
trawl_queue_shutdown (TrawlQueue *self)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  self->shut_down = TRUE;
  g_clear_handle_id (&self->save_source, g_source_remove);
  g_queue_clear_full (&self->resolve_queue, g_object_unref);
  g_queue_clear_full (&self->download_queue, g_object_unref);
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->items->len; i++)
    g_cancellable_cancel (_trawl_item_get_cancellable (g_ptr_array_index (self->items, i)));
  update_busy (self);
}

void
trawl_queue_pause_all (TrawlQueue *self)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    trawl_queue_pause (self, g_ptr_array_index (self->items, i));
}

void
trawl_queue_resume_all (TrawlQueue *self)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    trawl_queue_resume (self, g_ptr_array_index (self->items, i));
}

void
trawl_queue_retry_failed (TrawlQueue *self)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    if (trawl_item_get_state (g_ptr_array_index (self->items, i)) == TRAWL_ITEM_FAILED)
      trawl_queue_retry (self, g_ptr_array_index (self->items, i));
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

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  g_autoptr(GError) error = NULL;

  if (!_trawl_queue_save_finish (result, &error))
    g_warning ("Could not save the queue to %s: %s", self->state_file, error->message);

  self->saving = FALSE;
  if (self->save_again)
    _trawl_queue_save_later (self);
  update_busy (self);
}

static gboolean
save_now (gpointer user_data)
{
  TrawlQueue *self = user_data;
  gint64 start = g_get_monotonic_time ();

  self->save_source = 0;
  self->save_again = FALSE;
  self->saving = TRUE;
  _trawl_queue_save_async (self, self->state_file, save_cb, NULL);
  self->save_cost_us = g_get_monotonic_time () - start;

  return G_SOURCE_REMOVE;
}

/* State changes come in bursts (a page of items found, a batch of
 * downloads finishing): they are written together, a moment later, by a
 * worker, one write at a time. */
void
_trawl_queue_save_later (TrawlQueue *self)
{
  gboolean idle;
  guint delay_ms;
  gint64 due;

  if (self->state_file == NULL || self->shut_down)
    return;

  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }

  /* A big queue is written less often, unless nothing else runs any more:
   * then its state need not wait. */
  idle = self->crawling == 0 && self->resolving == 0 && self->downloading == 0 &&
         g_queue_is_empty (&self->resolve_queue) && g_queue_is_empty (&self->download_queue);
  delay_ms = _trawl_save_delay_ms (idle ? 0 : self->save_cost_us);
  due = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  if (self->save_source != 0 && self->save_due <= due)
    return;

  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (delay_ms, save_now, self);
  self->save_due = due;
}

gboolean
_trawl_queue_is_saving (TrawlQueue *self)
{
  return self->saving || self->save_source != 0;
}

/**
 * trawl_queue_set_state_file:
 * @path: (nullable): where the queue keeps its state, or %NULL for none
 *
 * From now on every change of the queue's boards and items is written to
 * @path (atomically, a moment after it happens), so
 * trawl_queue_restore() can bring the queue back after a restart or a
 * crash.
 */
void
trawl_queue_set_state_file (TrawlQueue *self,
                            const char *path)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));

  _trawl_set_str (&self->state_file, path);
}

const char *
trawl_queue_get_state_file (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  return self->state_file;
}

void
_trawl_queue_schedule (TrawlQueue *self)
{
  schedule (self);
}
