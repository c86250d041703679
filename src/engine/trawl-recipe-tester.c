#define G_LOG_DOMAIN "trawl-recipe-tester"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "trawl-board-private.h"
#include "trawl-client-private.h"
#include "trawl-error.h"
#include "trawl-html-private.h"
#include "trawl-item-private.h"
#include "trawl-recipe-tester.h"
#include "trawl-resolver-private.h"
#include "trawl-suggest-private.h"
#include "trawl-uri.h"

/* What the recipe editor and trawl-cli --try-recipe show: a recipe run on
 * a board's first page, its next page and one item, without a queue and
 * without downloading. Pages are kept by URL, so a run after each edit
 * fetches nothing again; API answers and the media check are asked anew. */

/* The last look for the first page's videos, kept while the recipe's way
 * to them and the items are the same (an edit of the title or the list's
 * other keys looks for nothing again). */
typedef struct
{
  char  *key;
  guint  checked;
  guint  resolved;
  char  *miss_title;
  char  *miss_reason;
} Checked;

struct _TrawlRecipeTester
{
  GObject      parent_instance;
  TrawlClient *client;
  GHashTable  *pages;   /* URL → TrawlResponse */
  Checked      last;
};

G_DEFINE_FINAL_TYPE (TrawlRecipeTester, trawl_recipe_tester, G_TYPE_OBJECT)

static void
trawl_try_item_free (TrawlTryItem *item)
{
  g_free (item->title);
  g_free (item->url);
  g_free (item->thumbnail);
  g_free (item);
}

void
trawl_try_result_free (TrawlTryResult *result)
{
  g_free (result->list_url);
  g_free (result->list_text);
  g_free (result->list_note);
  g_clear_pointer (&result->items, g_ptr_array_unref);
  g_free (result->next_url);
  g_free (result->next_error);
  g_free (result->detail_url);
  g_free (result->detail_error);
  g_free (result->strategy);
  g_free (result->reasons);
  g_free (result->media_url);
  g_free (result->media_type);
  g_free (result->media_error);
  g_free (result->miss_title);
  g_free (result->miss_reason);
  g_free (result);
}

static void
trawl_recipe_tester_finalize (GObject *object)
{
  TrawlRecipeTester *self = (TrawlRecipeTester *) object;

  g_clear_object (&self->client);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_free (self->last.key);
  g_free (self->last.miss_title);
  g_free (self->last.miss_reason);

  G_OBJECT_CLASS (trawl_recipe_tester_parent_class)->finalize (object);
}

static void
trawl_recipe_tester_class_init (TrawlRecipeTesterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_recipe_tester_finalize;
}

static void
trawl_recipe_tester_init (TrawlRecipeTester *self)
{
  self->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) _trawl_response_free);
}

TrawlRecipeTester *
trawl_recipe_tester_new (TrawlClient *client)
{
  TrawlRecipeTester *self;

  g_return_val_if_fail (TRAWL_IS_CLIENT (client), NULL);

  self = g_object_new (TRAWL_TYPE_RECIPE_TESTER, NULL);
  self->client = g_object_ref (client);
  return self;
}

typedef struct
{
  TrawlRecipeTester *tester;
  TrawlRecipe       *recipe;     /* NULL when suggesting */
  TrawlBoard        *board;
  guint              item;
  TrawlTryResult    *result;
  GHashTable        *vars;
  TrawlDetailPage   *detail;
  char              *detail_text;
  guint              strategy;   /* next to try */
  GString           *reasons;
  GString           *suggestion;
  char              *current;    /* the URL being fetched */
  guint              checking;   /* other items whose video is being looked for */
  char              *check_key;
  void             (*then) (GTask *task);  /* after the worker thread */
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->tester);
  g_clear_object (&run->recipe);
  g_clear_object (&run->board);
  g_clear_pointer (&run->result, trawl_try_result_free);
  g_clear_pointer (&run->vars, g_hash_table_unref);
  g_clear_pointer (&run->detail, _trawl_detail_page_free);
  g_free (run->detail_text);
  if (run->reasons != NULL)
    g_string_free (run->reasons, TRUE);
  if (run->suggestion != NULL)
    g_string_free (run->suggestion, TRUE);
  g_free (run->current);
  g_free (run->check_key);
  g_free (run);
}

/* Fetches @url, or takes it from the pages already fetched. */
static void
fetch_page (GTask               *task,
            const char          *url,
            const char          *referer,
            const char          *what,
            GAsyncReadyCallback  callback)
{
  Run *run = g_task_get_task_data (task);
  TrawlResponse *cached = g_hash_table_lookup (run->tester->pages, url);

  g_free (run->current);
  run->current = g_strdup (url);
  if (cached != NULL)
    {
      callback (NULL, NULL, task);
      return;
    }

  _trawl_client_fetch_async (run->tester->client, run->board, url, referer, NULL, NULL,
                             what, SOUP_MESSAGE_PRIORITY_HIGH,
                             g_task_get_cancellable (task), callback, task);
}

/* The page @fetch_page brought, kept for the next run; NULL with @error. */
static TrawlResponse *
fetched_page (GTask         *task,
              GAsyncResult  *result,
              GError       **error)
{
  Run *run = g_task_get_task_data (task);
  TrawlResponse *response;

  if (result == NULL)
    return g_hash_table_lookup (run->tester->pages, run->current);

  response = _trawl_client_fetch_finish (run->tester->client, result, error);
  if (response == NULL)
    return NULL;
  g_hash_table_replace (run->tester->pages, g_strdup (run->current), response);
  return response;
}

static char *
decode (TrawlResponse *response,
        gsize         *length)
{
  if (response->body == NULL)
    {
      *length = 0;
      return g_strdup ("");
    }
  return _trawl_decode_page (response->body, response->content_type, length);
}

static void
return_result (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  Checked *last = &run->tester->last;

  if (run->check_key != NULL && run->checking == 0 && !g_task_had_error (task))
    {
      g_free (last->key);
      last->key = g_steal_pointer (&run->check_key);
      last->checked = run->result->checked;
      last->resolved = run->result->resolved;
      g_free (last->miss_title);
      last->miss_title = g_strdup (run->result->miss_title);
      g_free (last->miss_reason);
      last->miss_reason = g_strdup (run->result->miss_reason);
    }
  g_task_return_pointer (task, g_steal_pointer (&run->result),
                         (GDestroyNotify) trawl_try_result_free);
  g_object_unref (task);
}

/* How many items of the first page are checked: enough to see a recipe
 * that finds some videos and not others (two forms of video page). */
#define MAX_CHECKED 6

static void
tester_check_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  TrawlItem *item = TRAWL_ITEM (object);
  g_autoptr(GError) error = NULL;

  g_assert (G_IS_TASK (task));

  if (_trawl_resolve_finish (item, result, &error))
    run->result->resolved++;
  else if (run->result->miss_title == NULL &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      run->result->miss_title = g_strdup (trawl_item_get_title (item) != NULL
                                          ? trawl_item_get_title (item)
                                          : trawl_item_get_page_url (item));
      run->result->miss_reason = g_strdup (error->message);
    }

  if (--run->checking == 0)
    return_result (task);
}

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

/* What decides whether the first page's videos are found: how the recipe
 * finds a video on a page, and which pages. */
static char *
check_key (Run *run)
{
  TrawlRecipe *recipe = run->recipe;
  GString *key = g_string_new (NULL);

  g_string_append_printf (key, "%u|%s|%s|", run->item,
                          recipe->item_id != NULL ? g_regex_get_pattern (recipe->item_id) : "",
                          recipe->detail_title_xpath != NULL ? recipe->detail_title_xpath : "");
  for (guint i = 0; i < recipe->strategies->len; i++)
    {
      TrawlStrategy *strategy = g_ptr_array_index (recipe->strategies, i);
      g_autofree char *headers = g_strjoinv ("\n", strategy->api_header_values);
      g_autofree char *names = g_strjoinv ("\n", strategy->api_header_names);

      g_string_append_printf (key, "[%s|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s]", strategy->name,
                              strategy->kind,
                              strategy->regex != NULL ? g_regex_get_pattern (strategy->regex) : "",
                              or_empty (strategy->xpath), or_empty (strategy->api_url),
                              or_empty (strategy->json_path),
                              or_empty (strategy->api_check_path),
                              or_empty (strategy->api_check_value),
                              or_empty (strategy->rewrite), or_empty (strategy->rewrite_to),
                              names, headers);
    }
  for (guint i = 0; i < MIN (run->result->items->len, MAX_CHECKED); i++)
    g_string_append_printf (key, "|%s", ((TrawlTryItem *) g_ptr_array_index (run->result->items,
                                                                            i))->url);
  return g_string_free (key, FALSE);
}

/* The chosen item was followed to its media; the first page's other items
 * are resolved as the queue would, all at once under the client's limits,
 * to count those a video is found for. */
static void
finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  guint n = run->result->items->len;

  if (run->recipe == NULL || n <= 1 || g_task_return_error_if_cancelled (task))
    {
      if (!g_task_had_error (task))
        return_result (task);
      else
        g_object_unref (task);
      return;
    }

  run->check_key = check_key (run);
  if (g_strcmp0 (run->check_key, run->tester->last.key) == 0)
    {
      run->result->checked = run->tester->last.checked;
      run->result->resolved = run->tester->last.resolved;
      run->result->miss_title = g_strdup (run->tester->last.miss_title);
      run->result->miss_reason = g_strdup (run->tester->last.miss_reason);
      g_clear_pointer (&run->check_key, g_free);
      return_result (task);
      return;
    }

  run->result->checked = 1;
  run->result->resolved = run->result->media_url != NULL ? 1 : 0;
  if (run->result->media_url == NULL)
    {
      TrawlTryItem *chosen = g_ptr_array_index (run->result->items, MIN (run->item, n - 1));

      run->result->miss_title = g_strdup (chosen->title != NULL ? chosen->title : chosen->url);
      run->result->miss_reason = g_strdup (run->result->detail_error != NULL
                                           ? run->result->detail_error
                                           : run->result->media_error);
    }

  for (guint i = 0; i < MIN (n, MAX_CHECKED); i++)
    {
      TrawlTryItem *other = g_ptr_array_index (run->result->items, i);
      g_autoptr(TrawlItem) item = NULL;
      g_autofree char *id = NULL;

      if (i == MIN (run->item, n - 1))
        continue;
      id = trawl_recipe_get_item_id (run->recipe, other->url);
      item = _trawl_item_new (run->board, other->url, other->title, id);
      run->result->checked++;
      run->checking++;
      _trawl_resolve_async (run->tester->client, item, run->recipe,
                            g_task_get_cancellable (task), tester_check_cb, task);
    }

  if (run->checking == 0)
    return_result (task);
}

static void check_media_with (GTask      *task,
                              const char *method);

/* The size a ranged answer gives for the whole file: "bytes 0-0/1234". */
static goffset
ranged_total (SoupMessageHeaders *headers)
{
  goffset start, end, total = -1;

  if (!soup_message_headers_get_content_range (headers, &start, &end, &total))
    return -1;
  return total;
}

static void
tester_head_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  SoupMessage *message = SOUP_MESSAGE (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = _trawl_client_send_finish (message, result, &error);
  guint status = soup_message_get_status (message);
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  gboolean head = g_str_equal (soup_message_get_method (message), SOUP_METHOD_HEAD);

  g_assert (G_IS_TASK (task));

  /* Many servers refuse HEAD (405, 501, or a 403 of their own): the first
   * byte asked for says as much. */
  if (head && stream != NULL && status >= 400)
    {
      g_input_stream_close (stream, NULL, NULL);
      check_media_with (task, SOUP_METHOD_GET);
      return;
    }

  if (stream == NULL)
    run->result->media_error = g_strdup (error->message);
  else if (status >= 400)
    run->result->media_error = g_strdup_printf (_("The server answered %u %s"), status,
                                                soup_message_get_reason_phrase (message));
  else
    {
      const char *type = soup_message_headers_get_content_type (headers, NULL);
      goffset length = status == SOUP_STATUS_PARTIAL_CONTENT
                       ? ranged_total (headers)
                       : soup_message_headers_get_content_length (headers);

      run->result->media_type = g_strdup (type);
      run->result->media_size = length > 0 ? length : -1;
    }
  if (stream != NULL)
    g_input_stream_close (stream, NULL, NULL);

  finish (task);
}

/* A HEAD for the media's type and size, or the first byte of it. */
static void
check_media_with (GTask      *task,
                  const char *method)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;

  message = _trawl_client_new_message (run->tester->client, run->result->media_url, run->board,
                                       run->result->detail_url);
  soup_message_set_method (message, method);
  if (g_str_equal (method, SOUP_METHOD_GET))
    soup_message_headers_set_range (soup_message_get_request_headers (message), 0, 0);
  _trawl_client_send_async (run->tester->client, run->board, message,
                            g_task_get_cancellable (task), tester_head_cb, task);
}

static void
check_media (GTask      *task,
             const char *media_url)
{
  Run *run = g_task_get_task_data (task);

  run->result->media_url = g_strdup (media_url);
  check_media_with (task, SOUP_METHOD_HEAD);
}

static void
found_media (GTask      *task,
             const char *strategy,
             const char *url)
{
  Run *run = g_task_get_task_data (task);

  run->result->strategy = g_strdup (strategy);
  if (run->reasons->len > 0)
    run->result->reasons = g_strdup (run->reasons->str);
  check_media (task, url);
}

static void try_strategies (GTask *task);

static void
tester_api_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  TrawlStrategy *strategy = g_ptr_array_index (run->recipe->strategies, run->strategy - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (run->tester->client, result,
                                                                  &error);
  g_autofree char *url = NULL;
  g_autofree char *reason = NULL;

  g_assert (G_IS_TASK (task));

  if (response == NULL)
    _trawl_add_reason (run->reasons, strategy->name, error->message);
  else if (response->is_media)
    _trawl_add_reason (run->reasons, strategy->name, _("the API did not answer with JSON"));
  else if ((url = _trawl_strategy_api_answer (strategy, run->vars, response->body,
                                              response->url, &reason)) == NULL)
    _trawl_add_reason (run->reasons, strategy->name, reason);
  else
    {
      found_media (task, strategy->name, url);
      return;
    }

  try_strategies (task);
}

/* The recipe's strategies in order, as the resolver tries them, noting
 * why each that finds nothing does not. */
static void
try_strategies (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  while (run->strategy < run->recipe->strategies->len)
    {
      TrawlStrategy *strategy = g_ptr_array_index (run->recipe->strategies, run->strategy);
      const char *found = g_ptr_array_index (run->detail->found, run->strategy);
      g_autofree char *url = NULL;
      g_autofree char *reason = NULL;
      g_auto(GStrv) values = NULL;

      run->strategy++;
      if (strategy->kind == TRAWL_STRATEGY_API)
        {
          url = _trawl_strategy_api_request (strategy, run->vars, run->result->detail_url,
                                             &values, &reason);
          if (url == NULL)
            {
              _trawl_add_reason (run->reasons, strategy->name, reason);
              continue;
            }
          _trawl_client_fetch_async (run->tester->client, run->board, url,
                                     run->result->detail_url, strategy->api_header_names, values,
                                     _("video API"), SOUP_MESSAGE_PRIORITY_HIGH,
                                     g_task_get_cancellable (task), tester_api_cb, task);
          return;
        }

      if (*found == '\0')
        {
          _trawl_add_reason (run->reasons, strategy->name, _("no match on the page"));
          continue;
        }
      url = _trawl_strategy_finish_url (strategy, run->vars, found, run->result->detail_url, NULL,
                                        &reason);
      if (url != NULL)
        {
          found_media (task, strategy->name, url);
          return;
        }
      _trawl_add_reason (run->reasons, strategy->name, reason);
    }

  if (run->detail->generic_media->len > 0)
    {
      found_media (task, "generic", g_ptr_array_index (run->detail->generic_media, 0));
      return;
    }

  run->result->reasons = g_strdup (run->reasons->str);
  run->result->media_error = run->reasons->len > 0
    ? g_strdup_printf (_("No video found on the page (%s)"), run->reasons->str)
    : g_strdup (_("No video found on the page"));
  finish (task);
}

static void
detail_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Run *run = task_data;
  TrawlResponse *response = g_hash_table_lookup (run->tester->pages, run->current);

  run->detail = _trawl_extract_detail (run->recipe, response->body, response->content_type,
                                       response->url);
  g_task_return_boolean (task, TRUE);
}

static void
tester_worker_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  g_assert (G_IS_TASK (task));
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  run->then (task);
}

/* Runs @function on a worker thread (parsing a page), then @then. */
static void
run_in_thread (GTask           *task,
               GTaskThreadFunc  function,
               void           (*then) (GTask *task))
{
  GTask *worker = g_task_new (NULL, g_task_get_cancellable (task), tester_worker_cb, task);
  Run *run = g_task_get_task_data (task);

  run->then = then;
  g_task_set_task_data (worker, run, NULL);
  g_task_run_in_thread (worker, function);
  g_object_unref (worker);
}

static void
tester_detail_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  TrawlResponse *response = fetched_page (task, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL)
    {
      run->result->detail_error = g_strdup (error->message);
      finish (task);
      return;
    }
  if (response->is_media)
    {
      found_media (task, "link", response->url);
      return;
    }

  g_free (run->result->detail_url);
  run->result->detail_url = g_strdup (response->url);
  g_hash_table_insert (run->vars, g_strdup ("page"), g_strdup (response->url));
  run_in_thread (task, detail_thread, try_strategies);
}

static void
follow_item (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  TrawlTryItem *item;
  g_autofree char *id = NULL;

  if (run->result->items->len == 0)
    {
      finish (task);
      return;
    }

  item = g_ptr_array_index (run->result->items, MIN (run->item, run->result->items->len - 1));
  run->result->detail_url = g_strdup (item->url);
  g_hash_table_insert (run->vars, g_strdup ("page"), g_strdup (item->url));
  id = trawl_recipe_get_item_id (run->recipe, item->url);
  if (id != NULL)
    g_hash_table_insert (run->vars, g_strdup ("id"), g_steal_pointer (&id));

  if (trawl_uri_media_extension (item->url) != NULL)
    {
      found_media (task, "link", item->url);
      return;
    }
  fetch_page (task, item->url, run->result->list_url,
              /* Translators: %s in “The server refused the %s request” */
              _("video page"), tester_detail_cb);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Run *run = task_data;
  TrawlResponse *response = g_hash_table_lookup (run->tester->pages, run->current);
  g_autoptr(TrawlListPage) page = NULL;
  gsize length;

  page = _trawl_extract_list (run->recipe, response->body, response->content_type,
                              response->url);

  if (run->result->list_text == NULL)
    {
      run->result->list_text = decode (response, &length);
      for (guint i = 0; i < page->items->len; i++)
        {
          TrawlFound *found = g_ptr_array_index (page->items, i);
          TrawlTryItem *item = g_new0 (TrawlTryItem, 1);

          item->title = g_strdup (found->title);
          item->url = g_strdup (found->url);
          item->thumbnail = g_strdup (found->thumbnail);
          item->duration = found->duration;
          item->line = found->line;
          g_ptr_array_add (run->result->items, item);
        }
      run->result->next_url = g_strdup (page->next_url);
      if (page->items->len == 0)
        run->result->list_note = _trawl_extract_list_why_none (run->recipe, response->body,
                                                               response->content_type,
                                                               response->url);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* The next page: how many of its items the first did not have. */
  run->result->next_items = 0;
  for (guint i = 0; i < page->items->len; i++)
    {
      TrawlFound *found = g_ptr_array_index (page->items, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < run->result->items->len && !seen; j++)
        seen = g_str_equal (((TrawlTryItem *) g_ptr_array_index (run->result->items, j))->url,
                            found->url);
      if (!seen)
        run->result->next_items++;
    }
  g_task_return_boolean (task, TRUE);
}

static void
tester_next_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  TrawlResponse *response = fetched_page (task, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL || response->is_media)
    {
      run->result->next_error = response == NULL ? g_strdup (error->message)
                                                 : g_strdup (_("The next page is a video file"));
      follow_item (task);
      return;
    }
  run_in_thread (task, list_thread, follow_item);
}

/* The second page's URL as the crawler makes it. */
static char *
next_url (Run *run)
{
  TrawlRecipe *recipe = run->recipe;
  g_autofree char *relative = NULL;

  if (run->result->next_url != NULL)
    return g_strdup (run->result->next_url);
  if (recipe->page_url == NULL)
    return NULL;

  g_hash_table_insert (run->vars, g_strdup ("start"),
                       g_strdup_printf ("%u", recipe->page_start >= 0
                                              ? (guint) recipe->page_start
                                              : run->result->items->len));
  relative = _trawl_template_expand (recipe->page_url, run->vars, NULL, FALSE);
  return relative != NULL ? trawl_uri_resolve (trawl_board_get_url (run->board), relative, NULL)
                          : NULL;
}

static void
after_list (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *next = next_url (run);

  g_free (run->result->next_url);
  run->result->next_url = g_strdup (next);
  if (next != NULL && g_str_equal (next, run->result->list_url))
    run->result->next_error = g_strdup (_("it is this page again, so the board ends here"));
  if (next == NULL || g_str_equal (next, run->result->list_url))
    {
      follow_item (task);
      return;
    }
  fetch_page (task, next, run->result->list_url,
              /* Translators: %s in “The server refused the %s request” */
              _("board page"), tester_next_cb);
}


static void tester_list_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data);

static GTask *
new_run (TrawlRecipeTester   *self,
         TrawlRecipe         *recipe,
         const char          *url,
         gpointer             source_tag,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);

  g_task_set_source_tag (task, source_tag);
  run->tester = g_object_ref (self);
  g_set_object (&run->recipe, recipe);
  run->board = _trawl_board_new (url, recipe != NULL ? trawl_recipe_get_name (recipe) : NULL,
                                 NULL);
  run->vars = _trawl_recipe_board_vars (recipe, url);
  run->reasons = g_string_new (NULL);
  run->result = g_new0 (TrawlTryResult, 1);
  run->result->items = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_try_item_free);
  run->result->next_items = -1;
  run->result->media_size = -1;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  return task;
}

/**
 * trawl_recipe_tester_run_async:
 * @recipe: the recipe to try
 * @url: a board it should read
 * @item: which item of the first page to follow to its media (from 0; the
 *   last one when there are fewer)
 *
 * Runs @recipe on @url: the first list page, the next page, and item
 * @item's detail page down to a HEAD request for its media. Whatever a
 * step finds wrong is in the result (next_error, detail_error,
 * media_error, reasons); only a first page that cannot be fetched fails.
 */
void
trawl_recipe_tester_run_async (TrawlRecipeTester   *self,
                               TrawlRecipe         *recipe,
                               const char          *url,
                               guint                item,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TRAWL_IS_RECIPE_TESTER (self));
  g_return_if_fail (TRAWL_IS_RECIPE (recipe));
  g_return_if_fail (url != NULL);

  task = new_run (self, recipe, url, trawl_recipe_tester_run_async, cancellable, callback,
                  user_data);
  ((Run *) g_task_get_task_data (task))->item = item;
  fetch_page (task, url, NULL,
              /* Translators: %s in “The server refused the %s request” */
              _("board page"), tester_list_cb);
}

TrawlTryResult *
trawl_recipe_tester_run_finish (TrawlRecipeTester  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
suggest_detail_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Run *run = task_data;
  TrawlResponse *response = g_hash_table_lookup (run->tester->pages, run->current);
  gsize length;
  g_autofree char *text = decode (response, &length);
  g_autofree char *media = _trawl_suggest_detail (text, length, response->url);

  g_string_append (run->suggestion, media);
  g_task_return_boolean (task, TRUE);
}

static void
return_suggestion (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  g_task_return_pointer (task, g_string_free (g_steal_pointer (&run->suggestion), FALSE), g_free);
  g_object_unref (task);
}

static void
tester_suggest_detail_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  TrawlResponse *response = fetched_page (task, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL || response->is_media)
    {
      /* The items are the media (or their page cannot be read): any
       * strategy will do, the list's links are used as they are. */
      g_string_append_printf (run->suggestion, "\n[Media page]\n# %s\nXPath=//video/@src\n",
                              response == NULL ? error->message
                                               : "The items link to the video files");
      return_suggestion (task);
      return;
    }
  run_in_thread (task, suggest_detail_thread, return_suggestion);
}

static void
suggest_list_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  Run *run = task_data;
  TrawlResponse *response = g_hash_table_lookup (run->tester->pages, run->current);
  gsize length;
  g_autofree char *text = decode (response, &length);
  g_autoptr(TrawlListSuggestion) list =
    _trawl_suggest_list (text, length, response->url, trawl_board_get_url (run->board));

  if (list == NULL)
    {
      g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NO_ITEMS,
                               _("No list of links was found on %s"), response->url);
      return;
    }

  g_string_printf (run->suggestion, "# Suggested by Trawl from %s: %u items on the first page.\n",
                   response->url, list->items);
  g_string_append (run->suggestion, list->text->str);
  run->result->detail_url = g_steal_pointer (&list->first_link);
  g_task_return_boolean (task, TRUE);
}

static void
after_suggest_list (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->result->detail_url == NULL)
    {
      /* Every recipe needs one; the player's is the likeliest. */
      g_string_append (run->suggestion,
                       "\n[Media video]\nXPath=//video/@src | //video/source/@src\n");
      return_suggestion (task);
      return;
    }
  fetch_page (task, run->result->detail_url, run->result->list_url,
              /* Translators: %s in “The server refused the %s request” */
              _("video page"), tester_suggest_detail_cb);
}

/* The board's first page: for a run or for a suggestion. */
static void
tester_list_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  TrawlResponse *response = fetched_page (task, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL || response->is_media)
    {
      if (response != NULL)
        error = g_error_new (TRAWL_ERROR, TRAWL_ERROR_NO_ITEMS,
                             _("%s is a video file, not a list of videos"), response->url);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  run->result->list_url = g_strdup (response->url);
  if (run->suggestion != NULL)
    run_in_thread (task, suggest_list_thread, after_suggest_list);
  else
    run_in_thread (task, list_thread, after_list);
}

/**
 * trawl_recipe_tester_suggest_async:
 * @url: a board no recipe reads yet
 *
 * Suggests a recipe for @url from its first list page and the first
 * item's detail page: the text of a .recipe file, to be checked and
 * edited. Fails only when the page cannot be fetched or shows no list.
 */
void
trawl_recipe_tester_suggest_async (TrawlRecipeTester   *self,
                                   const char          *url,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TRAWL_IS_RECIPE_TESTER (self));
  g_return_if_fail (url != NULL);

  task = new_run (self, NULL, url, trawl_recipe_tester_suggest_async, cancellable, callback,
                  user_data);
  ((Run *) g_task_get_task_data (task))->suggestion = g_string_new (NULL);
  fetch_page (task, url, NULL,
              /* Translators: %s in “The server refused the %s request” */
              _("board page"), tester_list_cb);
}

char *
trawl_recipe_tester_suggest_finish (TrawlRecipeTester  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * trawl_recipe_tester_fetch_cover_async:
 * @board_url: the board the cover was found on
 * @url: the cover image
 *
 * Fetches a cover a run found, as the board's pages are fetched, behind
 * them; only an image of at most 4 MiB is returned.
 */
void
trawl_recipe_tester_fetch_cover_async (TrawlRecipeTester   *self,
                                       const char          *board_url,
                                       const char          *url,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(TrawlBoard) board = NULL;

  g_return_if_fail (TRAWL_IS_RECIPE_TESTER (self));
  g_return_if_fail (board_url != NULL);
  g_return_if_fail (url != NULL);

  board = _trawl_board_new (board_url, NULL, NULL);
  _trawl_client_fetch_image_async (self->client, board, url, board_url, cancellable, callback,
                                   user_data);
}

/* Returns: (transfer full): the image file's bytes, or %NULL */
GBytes *
trawl_recipe_tester_fetch_cover_finish (TrawlRecipeTester  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_TESTER (self), NULL);
  return _trawl_client_fetch_image_finish (self->client, result, error);
}
