#define G_LOG_DOMAIN "trawl-crawler"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-html-private.h"
#include "trawl-board-private.h"
#include "trawl-client-private.h"
#include "trawl-crawler-private.h"
#include "trawl-item-private.h"
#include "trawl-uri.h"

/* Generic mode: how many candidate pages are probed at once. */
#define PROBES_IN_FLIGHT 4

typedef struct
{
  TrawlClient *client;
  TrawlBoard  *board;
  TrawlRecipe *recipe;
  TrawlArchive *archive;
  TrawlFoundFunc found;
  gpointer     found_data;
  GCancellable *cancellable;
  GHashTable  *vars;
  GHashTable  *seen;       /* item ids or URLs this crawl found */
  GHashTable  *known;      /* those the queue had before it started */
  GHashTable  *visited;    /* page URLs already fetched */
  guint        pages;
  guint        max_pages;
  guint        offset;     /* Page-Url {start} of the next page */
  char        *current;    /* URL of the page being fetched */

  /* generic mode */
  GPtrArray   *probes;     /* links still to probe */
  GPtrArray   *probed;     /* per link: NULL until probed, then a Probed */
  guint        next_probe;
  guint        next_found; /* the first link whose item was not passed on */
  guint        probing;
} Crawl;

/* What probing a link found: a video (its address and title) or none. */
typedef struct
{
  char *media_url;
  char *title;
} Probed;

static void
probed_free (Probed *probed)
{
  g_free (probed->media_url);
  g_free (probed->title);
  g_free (probed);
}

static void
crawl_free (Crawl *crawl)
{
  g_clear_object (&crawl->client);
  g_clear_object (&crawl->board);
  g_clear_object (&crawl->recipe);
  g_clear_object (&crawl->archive);
  g_clear_object (&crawl->cancellable);
  g_clear_pointer (&crawl->vars, g_hash_table_unref);
  g_clear_pointer (&crawl->seen, g_hash_table_unref);
  g_clear_pointer (&crawl->known, g_hash_table_unref);
  g_clear_pointer (&crawl->visited, g_hash_table_unref);
  g_clear_pointer (&crawl->probes, g_ptr_array_unref);
  g_clear_pointer (&crawl->probed, g_ptr_array_unref);
  g_free (crawl->current);
  g_free (crawl);
}

static void fetch_page (GTask *task, const char *url);

/* Whether a run before finished @item, by the key it was recorded with:
 * its recipe and id, or its media URL when it is known from the list.
 * Items known by neither are looked up once resolved. A board the user
 * asked to download again skips nothing. */
static gboolean
archived (Crawl     *crawl,
          TrawlItem *item)
{
  g_autofree char *key = _trawl_item_archive_key (item);

  return crawl->archive != NULL && key != NULL && !_trawl_board_get_again (crawl->board) &&
         trawl_archive_contains (crawl->archive, key);
}

/* Hands a new item to whoever started the crawl; never once the crawl
 * is cancelled, so that the receiver may be gone by then. */
static void
found (Crawl     *crawl,
       TrawlItem *item)
{
  if (g_cancellable_is_cancelled (crawl->cancellable))
    return;

  _trawl_board_add_found (crawl->board, 1);
  crawl->found (item, crawl->found_data);
}

static void
add_media_item (Crawl      *crawl,
                const char *page_url,
                const char *media_url,
                const char *title)
{
  g_autoptr(TrawlItem) item = NULL;

  if (g_hash_table_contains (crawl->seen, media_url))
    return;
  g_hash_table_add (crawl->seen, g_strdup (media_url));
  if (g_hash_table_contains (crawl->known, media_url))
    return;

  item = _trawl_item_new (crawl->board, page_url, title, NULL);
  _trawl_item_set_media_url (item, media_url);
  if (archived (crawl, item))
    {
      _trawl_board_add_skipped (crawl->board);
      return;
    }

  found (crawl, item);
}

static void
finish (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void probe_next (GTask *task);

typedef struct
{
  GTask *task;
  char  *url;
  guint  index;  /* in crawl->probes */
} Probe;

/* Items are passed on in the order of their links on the page, whatever
 * order their probes end in (helper's review: "Clip 3, 2, 4, 1"). */
static void
probe_settle (Probe      *probe,
              const char *media_url,
              const char *title)
{
  Crawl *crawl = g_task_get_task_data (probe->task);
  Probed *probed = g_new0 (Probed, 1);

  probed->media_url = g_strdup (media_url);
  probed->title = g_strdup (title);
  g_ptr_array_index (crawl->probed, probe->index) = probed;

  while (crawl->next_found < crawl->probed->len &&
         g_ptr_array_index (crawl->probed, crawl->next_found) != NULL)
    {
      Probed *next = g_ptr_array_index (crawl->probed, crawl->next_found);

      if (next->media_url != NULL)
        add_media_item (crawl, g_ptr_array_index (crawl->probes, crawl->next_found),
                        next->media_url, next->title);
      crawl->next_found++;
    }
}

static void
probe_done (Probe *probe)
{
  GTask *task = probe->task;
  Crawl *crawl = g_task_get_task_data (task);

  crawl->probing--;
  g_free (probe->url);
  g_free (probe);
  probe_next (task);
}

static void
crawler_probe_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(TrawlDetailPage) page = _trawl_extract_detail_finish (result, NULL);

  g_assert (G_IS_TASK (probe->task));

  if (page != NULL && page->generic_media->len > 0 &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (probe->task)))
    probe_settle (probe, g_ptr_array_index (page->generic_media, 0), page->title);
  else
    probe_settle (probe, NULL, NULL);

  probe_done (probe);
}

static void
crawler_probe_fetch_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Probe *probe = user_data;
  Crawl *crawl = g_task_get_task_data (probe->task);
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (crawl->client, result, NULL);

  g_assert (G_IS_TASK (probe->task));

  /* A link that fails is just not a video page. */
  if (response == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (probe->task)))
    {
      probe_settle (probe, NULL, NULL);
      probe_done (probe);
      return;
    }

  if (response->is_media)
    {
      g_autofree char *title = trawl_uri_file_title (response->url);

      probe_settle (probe, response->url, title);
      probe_done (probe);
      return;
    }

  _trawl_extract_detail_async (NULL, response->body, response->content_type, response->url,
                               g_task_get_cancellable (probe->task), crawler_probe_cb, probe);
}

static void
probe_start (GTask *task,
             guint  index)
{
  Crawl *crawl = g_task_get_task_data (task);
  Probe *probe = g_new0 (Probe, 1);
  const char *url = g_ptr_array_index (crawl->probes, index);

  probe->task = task;
  probe->url = g_strdup (url);
  probe->index = index;
  crawl->probing++;
  _trawl_client_fetch_async (crawl->client, crawl->board, url,
                             trawl_board_get_url (crawl->board), NULL, NULL,
                             /* Translators: %s in “The server refused the %s request” */
                             _("linked page"), SOUP_MESSAGE_PRIORITY_VERY_HIGH,
                             g_task_get_cancellable (task),
                             crawler_probe_fetch_cb, probe);
}

/* Generic mode: follow each same-site link and keep those whose page
 * carries a video. Items appear as their pages are probed. */
static void
probe_next (GTask *task)
{
  Crawl *crawl = g_task_get_task_data (task);

  while (crawl->probing < PROBES_IN_FLIGHT && crawl->next_probe < crawl->probes->len &&
         !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    probe_start (task, crawl->next_probe++);

  if (crawl->probing > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (trawl_board_get_found (crawl->board) == 0 && trawl_board_get_skipped (crawl->board) == 0)
    {
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NO_ITEMS,
                               _("No videos found on %s or the pages it links to; "
                                 "the page needs a recipe"),
                               trawl_board_get_url (crawl->board));
      g_object_unref (task);
      return;
    }

  finish (task);
}

static char *
next_page_url (Crawl         *crawl,
               TrawlListPage *page)
{
  g_autofree char *relative = NULL;

  if (page->next_url != NULL)
    return g_strdup (page->next_url);

  if (crawl->recipe == NULL || crawl->recipe->page_url == NULL)
    return NULL;

  g_hash_table_insert (crawl->vars, g_strdup ("start"), g_strdup_printf ("%u", crawl->offset));
  relative = _trawl_template_expand (crawl->recipe->page_url, crawl->vars, NULL, FALSE);
  if (relative == NULL)
    {
      g_warning ("Recipe %s: Page-Url uses a variable the board URL %s does not provide",
                 trawl_recipe_get_name (crawl->recipe), trawl_board_get_url (crawl->board));
      return NULL;
    }

  return trawl_uri_resolve (trawl_board_get_url (crawl->board), relative, NULL);
}

/* Items of a list page that this crawl had not seen: the new ones are
 * found, those of the archive skipped. Returns how many were not seen
 * before (a page with none ends the board). */
static guint
add_entries (Crawl         *crawl,
             TrawlListPage *page)
{
  guint fresh = 0;

  for (guint i = 0; i < page->items->len; i++)
    {
      TrawlFound *entry = g_ptr_array_index (page->items, i);
      const char *key = entry->id != NULL ? entry->id : entry->url;
      g_autoptr(TrawlItem) item = NULL;

      if (g_hash_table_contains (crawl->seen, key))
        continue;
      g_hash_table_add (crawl->seen, g_strdup (key));
      fresh++;

      if (g_hash_table_contains (crawl->known, key))
        continue;

      item = _trawl_item_new (crawl->board, entry->url, entry->title, entry->id);
      _trawl_item_set_preview (item, entry->thumbnail, entry->duration);
      if (entry->is_media)
        _trawl_item_set_media_url (item, entry->url);
      if (archived (crawl, item))
        {
          _trawl_board_add_skipped (crawl->board);
          continue;
        }

      found (crawl, item);
    }

  return fresh;
}

static void
crawler_list_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Crawl *crawl = g_task_get_task_data (task);
  g_autoptr(TrawlListPage) page = _trawl_extract_list_finish (result, NULL);
  g_autofree char *next = NULL;
  guint fresh;

  g_assert (G_IS_TASK (task));

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  crawl->pages++;
  /* The empty answer that ends the board is not one of its pages; a page
   * of links that may lead to videos (no recipe) is. */
  if (page->items->len > 0 || (crawl->recipe == NULL && page->links->len > 0))
    _trawl_board_add_page (crawl->board);
  if (trawl_board_get_title (crawl->board) == NULL && page->title != NULL)
    _trawl_board_set_title (crawl->board, page->title);

  fresh = add_entries (crawl, page);

  if (crawl->recipe == NULL)
    {
      if (crawl->pages == 1 && page->has_own_media)
        {
          /* The "board" is a single video page. */
          g_autoptr(TrawlItem) item = _trawl_item_new (crawl->board, crawl->current,
                                                       page->title, NULL);
          found (crawl, item);
          finish (task);
          return;
        }

      if (page->items->len == 0 && page->links->len > 0)
        {
          crawl->probes = g_ptr_array_ref (page->links);
          crawl->probed = g_ptr_array_new_with_free_func ((GDestroyNotify) probed_free);
          g_ptr_array_set_size (crawl->probed, crawl->probes->len);
          probe_next (task);
          return;
        }
    }

  if (crawl->pages == 1 && page->items->len == 0)
    {
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NO_ITEMS,
                               crawl->recipe != NULL
                                 ? _("No videos found on %s with the recipe “%s”")
                                 : _("No videos found on %s; the page needs a recipe"),
                               trawl_board_get_url (crawl->board),
                               crawl->recipe ? trawl_recipe_get_name (crawl->recipe) : "");
      g_object_unref (task);
      return;
    }

  /* A page with nothing new is the end of the board, whatever its
   * pagination claims: loading endpoints often repeat their last page. */
  if (fresh == 0 || crawl->pages >= crawl->max_pages)
    {
      finish (task);
      return;
    }

  if (crawl->recipe != NULL)
    {
      if (crawl->pages == 1)
        crawl->offset = crawl->recipe->page_start >= 0 ? (guint) crawl->recipe->page_start
                                                       : page->items->len;
      else
        crawl->offset += crawl->recipe->page_step >= 0 ? (guint) crawl->recipe->page_step
                                                       : page->items->len;
    }

  next = next_page_url (crawl, page);
  if (next == NULL || g_hash_table_contains (crawl->visited, next))
    {
      finish (task);
      return;
    }

  fetch_page (task, next);
}

static void
crawler_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Crawl *crawl = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (crawl->client, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL)
    {
      /* A later page failing ends the board with what was found, and the
       * board says it was not read to its end; the first one failing is
       * the board failing. */
      if (crawl->pages > 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *why = g_strdup_printf (ngettext ("Only %u page was read: %s",
                                                            "Only %u pages were read: %s",
                                                            crawl->pages),
                                                  crawl->pages, error->message);

          _trawl_board_set_error (crawl->board, why);
          g_error_free (error);
          finish (task);
          return;
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (response->is_media)
    {
      g_autofree char *title = trawl_uri_file_title (response->url);

      if (crawl->pages == 0)
        add_media_item (crawl, crawl->current, response->url, title);
      finish (task);
      return;
    }

  _trawl_extract_list_async (crawl->recipe, response->body, response->content_type,
                             response->url, g_task_get_cancellable (task), crawler_list_cb, task);
}

static void
fetch_page (GTask      *task,
            const char *url)
{
  Crawl *crawl = g_task_get_task_data (task);
  const char *referer;

  g_hash_table_add (crawl->visited, g_strdup (url));
  g_free (crawl->current);
  crawl->current = g_strdup (url);

  /* Later pages are asked for as the board's own script would. */
  referer = crawl->pages > 0 ? trawl_board_get_url (crawl->board) : NULL;
  /* Translators: %s in “The server refused the %s request” */
  _trawl_client_fetch_async (crawl->client, crawl->board, url, referer, NULL, NULL,
                             _("board page"), SOUP_MESSAGE_PRIORITY_VERY_HIGH,
                             g_task_get_cancellable (task), crawler_page_cb, task);
}

/**
 * _trawl_crawl_async:
 * @client: what fetches the pages
 * @board: the board to list
 * @recipe: (nullable): its recipe, or %NULL for the generic extractor
 * @archive: (nullable): items recorded there are skipped
 * @max_pages: list pages to read at most; 0: as many as the recipe says
 * @found: called with each new item, never after @cancellable fires
 *
 * Lists @board page by page; the items @board already lists (a restored
 * board) are not found again.
 */
void
_trawl_crawl_async (TrawlClient         *client,
                    TrawlBoard          *board,
                    TrawlRecipe         *recipe,
                    TrawlArchive        *archive,
                    guint                max_pages,
                    TrawlFoundFunc       found_func,
                    gpointer             found_data,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (board, cancellable, callback, user_data);
  Crawl *crawl = g_new0 (Crawl, 1);
  const char *url = trawl_board_get_url (board);

  g_task_set_source_tag (task, _trawl_crawl_async);
  crawl->client = g_object_ref (client);
  crawl->board = g_object_ref (board);
  crawl->recipe = recipe != NULL ? g_object_ref (recipe) : NULL;
  crawl->archive = archive != NULL ? g_object_ref (archive) : NULL;
  crawl->found = found_func;
  crawl->found_data = found_data;
  crawl->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  crawl->vars = _trawl_recipe_board_vars (recipe, url);
  crawl->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  crawl->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  crawl->visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  crawl->max_pages = max_pages;
  if (crawl->max_pages == 0)
    crawl->max_pages = recipe != NULL ? recipe->max_pages : 1;
  g_task_set_task_data (task, crawl, (GDestroyNotify) crawl_free);

  /* A board crawled again (after a restart) keeps the items it has. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (board), i);

      g_hash_table_add (crawl->known, g_strdup (trawl_item_get_id (item) != NULL
                                                  ? trawl_item_get_id (item)
                                                  : trawl_item_get_page_url (item)));
      if (trawl_item_get_media_url (item) != NULL)
        g_hash_table_add (crawl->known, g_strdup (trawl_item_get_media_url (item)));
    }

  /* A link straight to a video needs no page at all. */
  if (trawl_uri_media_extension (url) != NULL)
    {
      g_autofree char *title = trawl_uri_file_title (url);

      crawl->current = g_strdup (url);
      add_media_item (crawl, url, url, title);
      finish (task);
      return;
    }

  fetch_page (task, url);
}

gboolean
_trawl_crawl_finish (TrawlBoard    *board,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, board), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
