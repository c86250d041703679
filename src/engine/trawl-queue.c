#define G_LOG_DOMAIN "trawl-queue"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "trawl-backend-private.h"
#include "trawl-board-private.h"
#include "trawl-client-private.h"
#include "trawl-crawler-private.h"
#include "trawl-error.h"
#include "trawl-item-private.h"
#include "trawl-part-private.h"
#include "trawl-paths-private.h"
#include "trawl-policy-private.h"
#include "trawl-queue-private.h"
#include "trawl-resolver-private.h"
#include "trawl-state-counts-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

#define DEFAULT_JOBS 4
#define TICK_MS 250

struct _TrawlQueue
{
  GObject         parent_instance;

  GPtrArray      *items;
  TrawlStateCounts counts;         /* of items */
  GListStore     *boards;
  TrawlRecipeSet *recipes;
  TrawlArchive   *archive;
  TrawlClient    *client;
  TrawlPaths     *paths;
  TrawlBackend   *backend;     /* NULL until asked for: the local one */
  GHashTable     *crawls;          /* TrawlBoard -> its crawl's GCancellable */

  guint           jobs;
  guint           max_pages;
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
  guint           tick_source;
  gboolean        busy;
  gboolean        shut_down;
};

static void trawl_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlQueue, trawl_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      trawl_queue_list_model_init))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_BACKEND,
  PROP_JOBS,
  PROP_MAX_PAGES,
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

/* Work in flight holds no reference to the queue, so that dropping the
 * queue really stops it: a callback gets the queue back only while it is
 * alive. */
static GWeakRef *
queue_weak_ref (TrawlQueue *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static TrawlQueue *
queue_from_weak_ref (gpointer user_data)
{
  GWeakRef *ref = user_data;
  TrawlQueue *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

/* Stops every crawl, resolve and download; their callbacks still come. */
static void
cancel_all (TrawlQueue *self)
{
  GHashTableIter iter;
  gpointer cancellable;

  g_hash_table_iter_init (&iter, self->crawls);
  while (g_hash_table_iter_next (&iter, NULL, &cancellable))
    g_cancellable_cancel (cancellable);
  for (guint i = 0; i < self->items->len; i++)
    g_cancellable_cancel (_trawl_item_get_cancellable (g_ptr_array_index (self->items, i)));
}

static void
trawl_queue_dispose (GObject *object)
{
  TrawlQueue *self = (TrawlQueue *)object;

  cancel_all (self);
  for (guint i = 0; i < self->items->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->items, i), self);
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
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (trawl_queue_parent_class)->dispose (object);
}

static void
trawl_queue_finalize (GObject *object)
{
  TrawlQueue *self = (TrawlQueue *)object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->boards);
  g_clear_object (&self->recipes);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->crawls, g_hash_table_unref);
  g_clear_object (&self->paths);
  g_clear_object (&self->backend);
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
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_BACKEND:
      g_value_set_object (value, trawl_queue_get_backend (self));
      break;
    case PROP_JOBS:
      g_value_set_uint (value, self->jobs);
      break;
    case PROP_MAX_PAGES:
      g_value_set_uint (value, self->max_pages);
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

static void
trawl_queue_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TrawlQueue *self = TRAWL_QUEUE (object);
  gboolean changed = FALSE;

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      if (self->client == NULL)
        self->client = trawl_client_new ();
      /* More resolves may run at once. */
      g_signal_connect_swapped (self->client, "notify::per-host", G_CALLBACK (schedule), self);
      return;
    case PROP_BACKEND:
      trawl_queue_set_backend (self, g_value_get_object (value));
      return;
    case PROP_JOBS:
      changed = _trawl_set_uint (&self->jobs, g_value_get_uint (value));
      break;
    case PROP_MAX_PAGES:
      changed = _trawl_set_uint (&self->max_pages, g_value_get_uint (value));
      break;
    case PROP_DOWNLOAD:
      changed = _trawl_set_boolean (&self->download, g_value_get_boolean (value));
      break;
    case PROP_REVIEW:
      changed = _trawl_set_boolean (&self->review, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

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

  object_class->dispose = trawl_queue_dispose;
  object_class->finalize = trawl_queue_finalize;
  object_class->get_property = trawl_queue_get_property;
  object_class->set_property = trawl_queue_set_property;

  /* Everything HTTP: the session, its settings, retries, the speed limit. */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, TRAWL_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Where the videos are downloaded (this computer unless set). */
  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL, TRAWL_TYPE_BACKEND, flags);
  /* Downloads at once. */
  properties[PROP_JOBS] =
    g_param_spec_uint ("jobs", NULL, NULL, 1, 64, DEFAULT_JOBS, flags | G_PARAM_CONSTRUCT);
  /* List pages read per board at most; 0: as many as the recipe says. */
  properties[PROP_MAX_PAGES] =
    g_param_spec_uint ("max-pages", NULL, NULL, 0, 100000, 0, flags | G_PARAM_CONSTRUCT);
  /* FALSE: boards are listed and resolved, nothing is downloaded. */
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
  self->active = g_hash_table_new (NULL, NULL);
  self->crawls = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->paths = _trawl_paths_new ();
  g_queue_init (&self->resolve_queue);
  g_queue_init (&self->download_queue);
}

/**
 * trawl_queue_new:
 * @client: (nullable): what the queue's pages and downloads are fetched
 *   with, or %NULL for a client with the default settings
 */
TrawlQueue *
trawl_queue_new (TrawlClient *client)
{
  g_return_val_if_fail (client == NULL || TRAWL_IS_CLIENT (client), NULL);
  return g_object_new (TRAWL_TYPE_QUEUE, "client", client, NULL);
}

/**
 * trawl_queue_get_backend:
 *
 * Returns: (transfer none): where the queue's videos are downloaded
 */
TrawlBackend *
trawl_queue_get_backend (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);

  if (self->backend == NULL)
    self->backend = _trawl_local_backend_new (self->client, self->paths);
  return self->backend;
}

/**
 * trawl_queue_set_backend:
 * @backend: (nullable): where videos are downloaded from now on, or
 *   %NULL for this computer
 *
 * Downloads already running go on where they are.
 */
void
trawl_queue_set_backend (TrawlQueue   *self,
                         TrawlBackend *backend)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (backend == NULL || TRAWL_IS_BACKEND (backend));

  if (backend == NULL && self->backend != NULL && TRAWL_IS_LOCAL_BACKEND (self->backend))
    return;
  if (!g_set_object (&self->backend, backend))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}

/**
 * trawl_queue_get_client:
 *
 * Returns: (transfer none): the client the queue fetches with; its
 *   settings (proxy, speed limit, tries…) apply to what starts next
 */
TrawlClient *
trawl_queue_get_client (TrawlQueue *self)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  return self->client;
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
static gboolean is_saving (TrawlQueue *self);

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

static void
update_busy (TrawlQueue *self)
{
  gboolean busy = self->crawling > 0 || self->resolving > 0 || self->downloading > 0 ||
                  !g_queue_is_empty (&self->resolve_queue) ||
                  (self->download && !g_queue_is_empty (&self->download_queue)) ||
                  (self->archive != NULL && trawl_archive_is_saving (self->archive)) ||
                  is_saving (self);

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
  if (state != TRAWL_ITEM_FAILED)
    _trawl_item_set_failure (item, TRAWL_FAILURE_NONE);
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
  _trawl_item_set_failure (item, _trawl_failure_from_error (error));
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

/* A download on its way: the backend that runs it (the queue's may be
 * changed meanwhile) and the queue, held weakly. */
typedef struct
{
  GWeakRef      queue;
  TrawlBackend *backend;
} Started;

static void
queue_backend_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Started *started = user_data;
  g_autoptr(TrawlQueue) self = g_weak_ref_get (&started->queue);
  g_autoptr(TrawlBackend) backend = started->backend;
  TrawlItem *item = TRAWL_ITEM (object);
  g_autoptr(GError) error = NULL;
  gboolean ok = trawl_backend_download_finish (backend, item, result, &error);

  g_weak_ref_clear (&started->queue);
  g_free (started);

  if (self == NULL)
    return;

  g_hash_table_remove (self->active, item);
  self->downloading--;
  _trawl_item_flush_progress (item, g_get_monotonic_time ());

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  /* The file is complete and in place: done, also when a pause (and a
   * resume) came after the last byte; paused, it would be fetched again. */
  if (ok && (trawl_item_get_state (item) == TRAWL_ITEM_DOWNLOADING ||
             trawl_item_get_state (item) == TRAWL_ITEM_PAUSED ||
             trawl_item_get_state (item) == TRAWL_ITEM_QUEUED))
    {
      g_autofree char *key = _trawl_item_archive_key (item);

      _trawl_item_set_error (item, NULL);
      set_state (self, item, TRAWL_ITEM_DONE);
      if (self->archive != NULL && key != NULL)
        trawl_archive_add (self->archive, key);
    }
  else if (trawl_item_get_state (item) == TRAWL_ITEM_DOWNLOADING)
    fail_item (self, item, error);
  else
    enqueue (self, item);

  schedule (self);
}

static void
start_transfer (TrawlQueue *self,
                TrawlItem  *item)
{
  Started *started;

  self->downloading++;
  g_hash_table_add (self->active, item);
  set_state (self, item, TRAWL_ITEM_DOWNLOADING);
  started = g_new0 (Started, 1);
  g_weak_ref_init (&started->queue, self);
  started->backend = g_object_ref (trawl_queue_get_backend (self));
  trawl_backend_download_async (started->backend, item, _trawl_item_get_cancellable (item),
                                queue_backend_cb, started);

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

  _trawl_paths_release (self->paths, item);
  removed = g_ptr_array_steal_index (self->items, position);
  g_signal_handlers_disconnect_by_data (item, self);
  _trawl_state_counts_remove (&self->counts, trawl_item_get_state (item));
  _trawl_board_remove_item (trawl_item_get_board (item), item);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  _trawl_queue_save_later (self);
}

static void
queue_resolve_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TrawlQueue) self = queue_from_weak_ref (user_data);
  TrawlItem *item = TRAWL_ITEM (object);
  g_autoptr(GError) error = NULL;
  gboolean ok = _trawl_resolve_finish (item, result, &error);

  if (self == NULL)
    return;

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
          !_trawl_board_get_again (trawl_item_get_board (item)) &&
          trawl_archive_contains (self->archive, key))
        {
          _trawl_board_add_skipped (trawl_item_get_board (item));
          remove_from_model (self, item);
        }
      else
        {
          _trawl_paths_reserve (self->paths, item, NULL);
          set_state (self, item, TRAWL_ITEM_QUEUED);
          enqueue (self, item);
        }
    }

  schedule (self);
}

static TrawlRecipe *
board_recipe (TrawlQueue *self,
              TrawlBoard *board)
{
  if (trawl_board_get_recipe (board) == NULL)
    return NULL;
  return trawl_recipe_set_lookup (trawl_queue_get_recipes (self), trawl_board_get_recipe (board));
}

static void
start_resolve (TrawlQueue *self,
               TrawlItem  *item)
{
  self->resolving++;
  g_hash_table_add (self->active, item);
  set_state (self, item, TRAWL_ITEM_RESOLVING);
  _trawl_resolve_async (self->client, item, board_recipe (self, trawl_item_get_board (item)),
                        _trawl_item_get_cancellable (item), queue_resolve_cb,
                        queue_weak_ref (self));
}

static void
schedule (TrawlQueue *self)
{
  guint resolves = trawl_client_get_per_host (self->client);

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  /* Detail pages share the per-host connections with the downloads; more
   * resolves than that would only wait inside the session. While a board
   * is crawled one connection is kept for its list pages, the critical
   * path of a long board (they also go first among requests waiting for
   * a connection, and their parsing before the detail pages'). */
  if (self->crawling > 0 && resolves > 1)
    resolves--;
  while (self->resolving < resolves && !g_queue_is_empty (&self->resolve_queue))
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
item_note_cb (TrawlQueue *self,
              const char *note,
              TrawlItem  *item)
{
  g_assert (TRAWL_IS_ITEM (item));
  g_signal_emit (self, signals[ITEM_NOTE], 0, item, note);
}

static void
append_item (TrawlQueue *self,
             TrawlItem  *item)
{
  g_ptr_array_add (self->items, g_object_ref (item));
  _trawl_state_counts_add (&self->counts, trawl_item_get_state (item));
  _trawl_board_add_item (trawl_item_get_board (item), item);
  /* Plain handlers, let go in remove_from_model() and dispose():
   * g_signal_connect_object() would add a closure to the queue's own list
   * for each, grown one by one, which costs a board of n items n² copies. */
  g_signal_connect_swapped (item, "notify::selected", G_CALLBACK (item_selected_cb), self);
  g_signal_connect_swapped (item, "note", G_CALLBACK (item_note_cb), self);
  /* A remote download's id is what finds it again after a restart. */
  g_signal_connect_swapped (item, "notify::remote-id", G_CALLBACK (_trawl_queue_save_later), self);
  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* What a crawl found: appended, and queued for resolving or, when the
 * list entry is itself a media file, for downloading. */
static void
queue_found_cb (TrawlItem *item,
                gpointer   user_data)
{
  TrawlQueue *self = user_data;

  g_assert (TRAWL_IS_QUEUE (self));
  g_assert (TRAWL_IS_ITEM (item));

  append_item (self, item);
  _trawl_queue_save_later (self);

  if (trawl_item_get_media_url (item) != NULL)
    {
      _trawl_paths_reserve (self->paths, item, NULL);
      set_state (self, item, TRAWL_ITEM_QUEUED);
    }

  enqueue (self, item);
  schedule (self);
}

static void
queue_crawl_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TrawlQueue) self = queue_from_weak_ref (user_data);
  TrawlBoard *board = TRAWL_BOARD (object);
  g_autoptr(GError) error = NULL;
  gboolean ok = _trawl_crawl_finish (board, result, &error);

  if (self == NULL)
    return;

  self->crawling--;

  if (self->shut_down)
    {
      update_busy (self);
      return;
    }

  if (ok)
    _trawl_board_set_state (board, TRAWL_BOARD_DONE);
  else
    {
      /* The kind first: the error's notification shows it. */
      _trawl_board_set_failure (board, _trawl_failure_from_error (error));
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
  return trawl_queue_add_board_full (self, url, recipe, output_dir, TRAWL_ADD_BOARD_NONE, error);
}

/**
 * trawl_queue_add_board_full:
 * @output_dir: where this board's files go, or, with
 *   %TRAWL_ADD_BOARD_OWN_FOLDER, where the board's own folder is made
 *
 * As trawl_queue_add_board(). A board's own folder is named after its
 * title (else its site and the last part of its address), never one that
 * holds another board's videos, and made only when its first video starts:
 * a board that fails, or whose videos were all downloaded before, leaves
 * no folder behind.
 */
TrawlBoard *
trawl_queue_add_board_full (TrawlQueue          *self,
                            const char          *url,
                            const char          *recipe,
                            const char          *output_dir,
                            TrawlAddBoardFlags   flags,
                            GError             **error)
{
  g_autoptr(TrawlBoard) board = NULL;
  TrawlRecipe *found = NULL;
  g_autofree char *absolute = NULL;
  gboolean own_folder = (flags & TRAWL_ADD_BOARD_OWN_FOLDER) != 0;

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

  /* A relative folder is taken from the working folder. */
  absolute = g_canonicalize_filename (output_dir, NULL);

  if (!check_output_dir (absolute, error))
    return NULL;

  board = _trawl_board_new (url, found != NULL ? trawl_recipe_get_name (found) : NULL,
                            own_folder ? NULL : absolute);
  if (own_folder)
    _trawl_board_set_parent_dir (board, absolute);
  _trawl_board_set_review (board, self->review);
  g_list_store_append (self->boards, board);
  _trawl_queue_crawl (self, board);
  _trawl_queue_save_later (self);

  return board;
}

/* Starts (or, for a restored board, restarts) the crawl of @board; items
 * the queue already has for it are not added twice. */
void
_trawl_queue_crawl (TrawlQueue *self,
                    TrawlBoard *board)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  /* Cancelled with the queue, or alone when the board is removed. */
  g_hash_table_replace (self->crawls, board, g_object_ref (cancellable));

  _trawl_board_set_state (board, TRAWL_BOARD_CRAWLING);
  self->crawling++;
  _trawl_crawl_async (self->client, board, board_recipe (self, board), self->archive,
                      self->max_pages, queue_found_cb, self, cancellable, queue_crawl_cb,
                      queue_weak_ref (self));
  update_busy (self);
}

/* Puts back an item read from the state file, in the state it had. */
void
_trawl_queue_restore_item (TrawlQueue *self,
                           TrawlItem  *item)
{
  _trawl_paths_keep (self->paths, item);
  append_item (self, item);
  enqueue (self, item);
}

void
_trawl_queue_restore_board (TrawlQueue *self,
                            TrawlBoard *board)
{
  _trawl_paths_keep_folder (self->paths, board);
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

  /* Out of the list before its items go: whoever watches the boards must
   * not take the last items' going for the board finishing. */
  g_object_ref (board);
  g_list_store_remove (self->boards, position);
  if (g_hash_table_lookup (self->crawls, board) != NULL)
    g_cancellable_cancel (g_hash_table_lookup (self->crawls, board));
  g_hash_table_remove (self->crawls, board);
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (board)); i > 0; i--)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i - 1);

      if (item != NULL)
        trawl_queue_remove (self, item);
    }
  g_object_unref (board);

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

  part = _trawl_part_name (trawl_item_get_path (item));
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
  _trawl_paths_release (self->paths, item);
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
  cancel_all (self);
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
 * trawl_queue_has_board:
 *
 * Returns: whether @board is in the queue (a board removed is not)
 */
gboolean
trawl_queue_has_board (TrawlQueue *self,
                       TrawlBoard *board)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (TRAWL_IS_BOARD (board), FALSE);

  return g_list_store_find (self->boards, board, NULL);
}

/**
 * trawl_queue_put_back_board:
 * @board: a board trawl_queue_remove_board() removed
 * @items: (element-type TrawlItem): its items as they were, all finished
 *
 * Undoes the removal of a board that had nothing left to do: it is
 * listed again at @position with its items, and nothing is fetched.
 */
void
trawl_queue_put_back_board (TrawlQueue *self,
                            TrawlBoard *board,
                            guint       position,
                            GPtrArray  *items)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));
  g_return_if_fail (!trawl_queue_has_board (self, board));

  for (guint i = 0; i < items->len; i++)
    g_return_if_fail (trawl_item_is_finished (g_ptr_array_index (items, i)));

  position = MIN (position, g_list_model_get_n_items (G_LIST_MODEL (self->boards)));
  g_list_store_insert (self->boards, position, board);
  for (guint i = 0; i < items->len; i++)
    _trawl_queue_restore_item (self, g_ptr_array_index (items, i));
  _trawl_queue_save_later (self);
}

typedef void (*ItemAction) (TrawlQueue *self,
                            TrawlItem  *item);

static void
for_board_items (TrawlQueue *self,
                 TrawlBoard *board,
                 ItemAction  action)
{
  /* A copy: an action may change the board's list. */
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (board), i));
  for (guint i = 0; i < items->len; i++)
    action (self, g_ptr_array_index (items, i));
}

void
trawl_queue_pause_board (TrawlQueue *self,
                         TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  for_board_items (self, board, trawl_queue_pause);
}

void
trawl_queue_resume_board (TrawlQueue *self,
                          TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  for_board_items (self, board, trawl_queue_resume);
}

static void
retry_if_failed (TrawlQueue *self,
                 TrawlItem  *item)
{
  if (trawl_item_get_state (item) == TRAWL_ITEM_FAILED)
    trawl_queue_retry (self, item);
}

/* Lists @board again from its first page; the items it has stay. */
static void
recrawl (TrawlQueue *self,
         TrawlBoard *board)
{
  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING)
    return;

  /* Read with the generic extractor, it may have a recipe by now (the
   * user added one after it failed for the want of one). */
  if (trawl_board_get_recipe (board) == NULL)
    {
      TrawlRecipe *found = trawl_recipe_set_match (trawl_queue_get_recipes (self),
                                                   trawl_board_get_url (board));

      if (found != NULL)
        _trawl_board_set_recipe (board, trawl_recipe_get_name (found));
    }
  _trawl_board_restart (board);
  _trawl_queue_crawl (self, board);
  _trawl_queue_save_later (self);
}

/**
 * trawl_queue_read_board_with:
 * @recipe: (nullable): the name of the recipe to read @board with, or
 *   %NULL for the generic extractor (whatever recipe its address matches)
 *
 * Lists @board again from its first page with @recipe, and retries its
 * failed videos, which the new recipe may find. The choice is kept with
 * the board. Videos it already has stay.
 *
 * Returns: %FALSE with @error while the board is being listed, or when
 *   there is no such recipe
 */
gboolean
trawl_queue_read_board_with (TrawlQueue  *self,
                             TrawlBoard  *board,
                             const char  *recipe,
                             GError     **error)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (TRAWL_IS_BOARD (board), FALSE);

  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                           _("The board is still being listed; try again once it is done"));
      return FALSE;
    }
  if (recipe != NULL && trawl_recipe_set_lookup (trawl_queue_get_recipes (self), recipe) == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, _("There is no recipe named “%s”"),
                   recipe);
      return FALSE;
    }

  /* "": the generic extractor by choice, not a recipe to look for again. */
  _trawl_board_set_recipe (board, recipe != NULL ? recipe : "");
  for_board_items (self, board, retry_if_failed);
  recrawl (self, board);
  schedule (self);
  return TRUE;
}

/**
 * trawl_queue_retry_board:
 *
 * Retries the failed items of @board and, when its listing failed or
 * stopped part-way, lists it again.
 */
void
trawl_queue_retry_board (TrawlQueue *self,
                         TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  for_board_items (self, board, retry_if_failed);
  if (trawl_board_get_state (board) == TRAWL_BOARD_FAILED ||
      trawl_board_get_error (board) != NULL)
    recrawl (self, board);
  schedule (self);
}

/**
 * trawl_queue_download_again:
 *
 * Downloads a finished (done, failed or cancelled) @item once more,
 * whatever the archive says: a done video whose file is still there and
 * still this video's is found done again without a byte fetched.
 */
void
trawl_queue_download_again (TrawlQueue *self,
                            TrawlItem  *item)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  if (!trawl_item_is_finished (item) || !g_ptr_array_find (self->items, item, NULL))
    return;

  _trawl_item_renew_cancellable (item);
  _trawl_item_set_error (item, NULL);
  _trawl_item_set_tries (item, 0);
  _trawl_paths_release (self->paths, item);
  if (trawl_item_get_media_url (item) != NULL)
    {
      _trawl_paths_reserve (self->paths, item, NULL);
      set_state (self, item, TRAWL_ITEM_QUEUED);
    }
  else
    set_state (self, item, TRAWL_ITEM_PENDING);
  enqueue (self, item);
  schedule (self);
}

static void
download_again_if_done (TrawlQueue *self,
                        TrawlItem  *item)
{
  if (trawl_item_get_state (item) == TRAWL_ITEM_DONE)
    trawl_queue_download_again (self, item);
  else
    retry_if_failed (self, item);
}

/**
 * trawl_queue_download_board_again:
 *
 * Downloads @board once more: its items in the list, and those skipped
 * because the archive records them (the board is listed again, heeding
 * no archive). The archive keeps one entry per video.
 */
void
trawl_queue_download_board_again (TrawlQueue *self,
                                  TrawlBoard *board)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  _trawl_board_set_again (board, TRUE);
  for_board_items (self, board, download_again_if_done);
  recrawl (self, board);
  schedule (self);
}

static void
queue_save_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TrawlQueue) self = queue_from_weak_ref (user_data);
  g_autoptr(GError) error = NULL;

  if (!_trawl_queue_save_finish (result, &error))
    g_warning ("Could not save the queue: %s", error->message);
  if (self == NULL)
    return;

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
  _trawl_queue_save_async (self, self->state_file, queue_save_cb, queue_weak_ref (self));
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

static gboolean
is_saving (TrawlQueue *self)
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

/* A cover image is small; anything bigger is not one. */
/**
 * trawl_queue_fetch_thumbnail_async:
 *
 * Fetches the cover image the board's list showed for @item, as its pages
 * are fetched (the board's proxy, headers and address rules, the item's
 * page as Referer), behind every other request waiting for a connection.
 */
void
trawl_queue_fetch_thumbnail_async (TrawlQueue          *self,
                                   TrawlItem           *item,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TRAWL_IS_QUEUE (self));
  g_return_if_fail (TRAWL_IS_ITEM (item));

  /* The client's task, not the queue's: nothing in flight holds the
   * queue. */
  if (trawl_item_get_thumbnail (item) == NULL || trawl_item_get_board (item) == NULL)
    {
      g_task_report_new_error (self->client, callback, user_data,
                               _trawl_client_fetch_image_async, TRAWL_ERROR,
                               TRAWL_ERROR_NO_MEDIA, _("The video has no cover image"));
      return;
    }

  _trawl_client_fetch_image_async (self->client, trawl_item_get_board (item),
                                   trawl_item_get_thumbnail (item),
                                   trawl_item_get_page_url (item), cancellable, callback,
                                   user_data);
}

/**
 * trawl_queue_fetch_thumbnail_finish:
 *
 * Returns: (transfer full): the image file's bytes, or %NULL
 */
GBytes *
trawl_queue_fetch_thumbnail_finish (TrawlQueue    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), NULL);
  return _trawl_client_fetch_image_finish (self->client, result, error);
}

/**
 * trawl_queue_set_board_headers:
 * @headers: (nullable): "Name: value" headers, such as "Cookie: …" or
 *   "User-Agent: …", or %NULL for none
 *
 * Sets the headers @board's requests carry from now on (credentials to
 * the board's own site only); they are kept with the queue.
 *
 * Returns: whether every header was one
 */
gboolean
trawl_queue_set_board_headers (TrawlQueue          *self,
                               TrawlBoard          *board,
                               const char * const  *headers,
                               GError             **error)
{
  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (TRAWL_IS_BOARD (board), FALSE);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (!trawl_parse_header (headers[i], NULL, NULL, error))
      return FALSE;

  _trawl_board_set_headers (board, headers);
  _trawl_queue_save_later (self);
  return TRUE;
}
