#define G_LOG_DOMAIN "trawl-thumbnails"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "trawl-thumbnails.h"

/* The cover images of the rows on screen: asked for by the rows as they
 * are bound, fetched a few at a time behind the crawl's and the videos'
 * requests, made small, kept on disk by their address and in memory for
 * the rows that come back. A cover that cannot be had is not asked for
 * again in this run; the row keeps its placeholder. */

/* Twice the size shown, for a display scaled by 2. */
#define WIDTH 128
#define HEIGHT 72
/* Covers fetched at once: the crawl and the videos come first. */
#define MAX_IN_FLIGHT 2
/* Rows scrolled past leave their wish behind; the newest come first and
 * the oldest are forgotten (a row asks again when it is back). */
#define MAX_WANTED 64
/* About 37 KiB each. */
#define MAX_KEPT 256

struct _TrawlThumbnails
{
  GObject       parent_instance;

  TrawlQueue   *queue;
  char         *cache_dir;
  GCancellable *cancellable;
  GHashTable   *kept;      /* address -> GdkTexture */
  GQueue        kept_order;  /* addresses, the oldest first */
  GHashTable   *asked;     /* addresses wanted or on their way */
  GHashTable   *failed;    /* addresses not to ask for again */
  GQueue        wanted;    /* TrawlItem, the newest first */
  guint         in_flight;
  guint         n_fetched;
};

G_DEFINE_FINAL_TYPE (TrawlThumbnails, trawl_thumbnails, G_TYPE_OBJECT)

enum {
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void pump (TrawlThumbnails *self);

static char *
cache_path (TrawlThumbnails *self,
            const char      *url)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  g_autofree char *name = g_strconcat (hash, ".png", NULL);

  return g_build_filename (self->cache_dir, name, NULL);
}

static void
keep (TrawlThumbnails *self,
      const char      *url,
      GdkTexture      *texture)
{
  char *key;

  if (g_hash_table_contains (self->kept, url))
    return;

  key = g_strdup (url);
  g_hash_table_insert (self->kept, key, g_object_ref (texture));
  g_queue_push_tail (&self->kept_order, key);
  while (g_queue_get_length (&self->kept_order) > MAX_KEPT)
    {
      g_autofree char *oldest = g_queue_pop_head (&self->kept_order);

      g_hash_table_remove (self->kept, oldest);
    }
}

/* A load's work, in a worker thread: the cached file, or the fetched
 * bytes made small and cached. */
typedef struct
{
  char   *url;
  char   *path;
  GBytes *bytes;  /* NULL: only the cache is read */
} Load;

static void
load_free (Load *load)
{
  g_free (load->url);
  g_free (load->path);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *temporary = NULL;
  g_autofree char *dir = NULL;
  GError *error = NULL;

  if (load->bytes == NULL)
    {
      GdkTexture *texture = gdk_texture_new_from_filename (load->path, &error);

      if (texture == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, texture, g_object_unref);
      return;
    }

  stream = g_memory_input_stream_new_from_bytes (load->bytes);
  pixbuf = gdk_pixbuf_new_from_stream_at_scale (stream, WIDTH, HEIGHT, TRUE, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Written whole or not at all: another window may read it. */
  temporary = g_strconcat (load->path, ".new", NULL);
  dir = g_path_get_dirname (load->path);
  if (g_mkdir_with_parents (dir, 0700) == 0 &&
      gdk_pixbuf_save (pixbuf, temporary, "png", NULL, NULL))
    g_rename (temporary, load->path);
  else
    g_unlink (temporary);

  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

/* One cover on its way: the item asks for it. The request holds neither
 * the thumbnails nor the queue: a window closed is gone at once. */
typedef struct
{
  GWeakRef      self;
  GCancellable *cancellable;
  TrawlItem    *item;
} Request;

static Request *
request_new (TrawlThumbnails *self,
             TrawlItem       *item)
{
  Request *request = g_new0 (Request, 1);

  g_weak_ref_init (&request->self, self);
  request->cancellable = g_object_ref (self->cancellable);
  request->item = g_object_ref (item);
  return request;
}

static void
request_free (Request *request)
{
  g_weak_ref_clear (&request->self);
  g_object_unref (request->cancellable);
  g_object_unref (request->item);
  g_free (request);
}

/* The thumbnails the request is for, or NULL when they are gone. */
static TrawlThumbnails *
request_get_self (Request *request)
{
  if (g_cancellable_is_cancelled (request->cancellable))
    return NULL;
  return g_weak_ref_get (&request->self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void load_async (TrawlThumbnails *self,
                        Request         *request,
                        GBytes          *bytes);

/* The end of a request: the rows hear of the cover, or it is not asked
 * for again. */
static void
settle (TrawlThumbnails *self,
        const char      *url,
        GdkTexture      *texture)
{
  self->in_flight--;
  g_hash_table_remove (self->asked, url);
  if (texture != NULL)
    {
      keep (self, url, texture);
      g_signal_emit (self, signals[READY], 0, url);
    }
  else
    g_hash_table_add (self->failed, g_strdup (url));
  pump (self);
}

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(TrawlThumbnails) self = request_get_self (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (self == NULL)
    return;
  bytes = trawl_queue_fetch_thumbnail_finish (self->queue, result, &error);
  if (bytes == NULL)
    {
      g_debug ("No cover for %s: %s", trawl_item_get_title (request->item), error->message);
      settle (self, trawl_item_get_thumbnail (request->item), NULL);
      return;
    }
  self->n_fetched++;
  load_async (self, g_steal_pointer (&request), bytes);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(TrawlThumbnails) self = request_get_self (request);
  Load *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);

  if (self == NULL)
    return;

  if (texture == NULL && load->bytes == NULL)
    {
      TrawlItem *item = request->item;

      /* Not on disk yet: fetched. */
      trawl_queue_fetch_thumbnail_async (self->queue, item, self->cancellable, fetched_cb,
                                         g_steal_pointer (&request));
      return;
    }
  settle (self, load->url, texture);
}

/* Reads the cover from the disk (@bytes NULL), or makes it from @bytes. */
static void
load_async (TrawlThumbnails *self,
            Request         *request,
            GBytes          *bytes)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, loaded_cb, request);
  Load *load = g_new0 (Load, 1);

  load->url = g_strdup (trawl_item_get_thumbnail (request->item));
  load->path = cache_path (self, load->url);
  load->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

static void
pump (TrawlThumbnails *self)
{
  while (self->in_flight < MAX_IN_FLIGHT && !g_queue_is_empty (&self->wanted))
    {
      g_autoptr(TrawlItem) item = g_queue_pop_head (&self->wanted);

      self->in_flight++;
      load_async (self, request_new (self, item), NULL);
    }
}

/**
 * trawl_thumbnails_lookup:
 *
 * Returns: (transfer none) (nullable): @item's cover, or %NULL while it is
 *   on its way ("ready" says when it comes) or when there is none
 */
GdkPaintable *
trawl_thumbnails_lookup (TrawlThumbnails *self,
                         TrawlItem       *item)
{
  const char *url;
  GdkTexture *texture;

  g_return_val_if_fail (TRAWL_IS_THUMBNAILS (self), NULL);
  g_return_val_if_fail (TRAWL_IS_ITEM (item), NULL);

  url = trawl_item_get_thumbnail (item);
  if (url == NULL || g_hash_table_contains (self->failed, url))
    return NULL;

  texture = g_hash_table_lookup (self->kept, url);
  if (texture != NULL)
    return GDK_PAINTABLE (texture);

  if (!g_hash_table_contains (self->asked, url))
    {
      g_hash_table_add (self->asked, g_strdup (url));
      g_queue_push_head (&self->wanted, g_object_ref (item));
      while (g_queue_get_length (&self->wanted) > MAX_WANTED)
        {
          g_autoptr(TrawlItem) forgotten = g_queue_pop_tail (&self->wanted);

          g_hash_table_remove (self->asked, trawl_item_get_thumbnail (forgotten));
        }
      pump (self);
    }
  return NULL;
}

/* How many covers were fetched from their sites (not the disk). */
guint
trawl_thumbnails_get_n_fetched (TrawlThumbnails *self)
{
  g_return_val_if_fail (TRAWL_IS_THUMBNAILS (self), 0);
  return self->n_fetched;
}

static void
trawl_thumbnails_dispose (GObject *object)
{
  TrawlThumbnails *self = (TrawlThumbnails *)object;

  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->wanted, g_object_unref);
  g_clear_object (&self->queue);

  G_OBJECT_CLASS (trawl_thumbnails_parent_class)->dispose (object);
}

static void
trawl_thumbnails_finalize (GObject *object)
{
  TrawlThumbnails *self = (TrawlThumbnails *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->kept, g_hash_table_unref);
  g_queue_clear_full (&self->kept_order, g_free);
  g_clear_pointer (&self->asked, g_hash_table_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);
  g_free (self->cache_dir);

  G_OBJECT_CLASS (trawl_thumbnails_parent_class)->finalize (object);
}

static void
trawl_thumbnails_class_init (TrawlThumbnailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = trawl_thumbnails_dispose;
  object_class->finalize = trawl_thumbnails_finalize;

  /**
   * TrawlThumbnails::ready:
   * @url: the cover's address
   *
   * A cover asked for has come: rows showing an item with @url look again.
   */
  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
trawl_thumbnails_init (TrawlThumbnails *self)
{
  self->cancellable = g_cancellable_new ();
  /* The queue of the oldest kept owns the keys. */
  self->kept = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TrawlThumbnails *
trawl_thumbnails_new (TrawlQueue *queue,
                      const char *cache_dir)
{
  TrawlThumbnails *self = g_object_new (TRAWL_TYPE_THUMBNAILS, NULL);

  self->queue = g_object_ref (queue);
  self->cache_dir = g_strdup (cache_dir);
  return self;
}
