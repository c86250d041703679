#define G_LOG_DOMAIN "trawl-resolver"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-html-private.h"
#include "trawl-client-private.h"
#include "trawl-item-private.h"
#include "trawl-resolver-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

/* Finding an item's media URL: fetch its detail page, then try the
 * recipe's strategies in order (page regex, XPath, JSON API), then what
 * any page may show (<video>, og:video, JSON-LD, media links). */

typedef struct
{
  TrawlClient     *client;
  TrawlItem       *item;
  TrawlRecipe     *recipe;
  GHashTable      *vars;
  TrawlDetailPage *page;
  char            *page_url;
  guint            index;     /* next strategy */
  GString         *reasons;   /* why each strategy came up empty */
} Resolve;

static void
resolve_free (Resolve *resolve)
{
  g_clear_object (&resolve->client);
  g_clear_object (&resolve->item);
  g_clear_object (&resolve->recipe);
  g_clear_pointer (&resolve->vars, g_hash_table_unref);
  g_clear_pointer (&resolve->page, _trawl_detail_page_free);
  g_free (resolve->page_url);
  if (resolve->reasons != NULL)
    g_string_free (resolve->reasons, TRUE);
  g_free (resolve);
}

/* "classic: no match on the page; api: …": why each strategy found nothing. */
void
_trawl_add_reason (GString    *reasons,
                   const char *strategy,
                   const char *reason)
{
  if (reasons->len > 0)
    g_string_append (reasons, "; ");
  g_string_append_printf (reasons, "%s: %s", strategy, reason);
}

static void
succeed (GTask      *task,
         const char *media_url)
{
  Resolve *resolve = g_task_get_task_data (task);

  _trawl_item_set_media_url (resolve->item, media_url);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Applies the strategy's Rewrite, then checks that what came out may be
 * fetched. Returns NULL with a reason otherwise. */
char *
_trawl_strategy_finish_url (TrawlStrategy  *strategy,
                            GHashTable     *vars,
                            const char     *found,
                            const char     *base,
                            JsonNode       *json,
                            char          **reason)
{
  g_autofree char *url = g_strdup (found);
  g_autoptr(GError) error = NULL;
  char *resolved;

  if (strategy->rewrite != NULL)
    {
      g_autofree char *pattern = NULL;
      g_autofree char *replacement = NULL;
      g_autoptr(GRegex) regex = NULL;

      pattern = _trawl_template_expand (strategy->rewrite, vars, json, TRUE);
      replacement = _trawl_template_expand (strategy->rewrite_to, vars, json, FALSE);
      if (pattern == NULL || replacement == NULL)
        {
          *reason = g_strdup (_("the rewrite needs a value the page did not give"));
          return NULL;
        }

      regex = g_regex_new (pattern, 0, 0, NULL);
      if (regex != NULL)
        {
          char *rewritten = g_regex_replace_literal (regex, url, -1, 0, replacement, 0, NULL);

          if (rewritten != NULL)
            {
              g_free (url);
              url = rewritten;
            }
        }
    }

  resolved = trawl_uri_resolve (base, url, &error);
  if (resolved == NULL)
    *reason = g_strdup (error->message);

  return resolved;
}

/* The request of an Api strategy for the page at @page_url: its URL and
 * its header values, or NULL with a reason. */
char *
_trawl_strategy_api_request (TrawlStrategy  *strategy,
                             GHashTable     *vars,
                             const char     *page_url,
                             GStrv          *header_values,
                             char          **reason)
{
  g_autofree char *relative = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  g_autoptr(GError) error = NULL;
  char *url;

  relative = _trawl_template_expand (strategy->api_url, vars, NULL, FALSE);
  if (relative == NULL)
    {
      *reason = g_strdup (_("the API URL needs a value this item does not have"));
      return NULL;
    }

  url = trawl_uri_resolve (page_url, relative, &error);
  if (url == NULL)
    {
      *reason = g_strdup (error->message);
      return NULL;
    }

  for (guint i = 0; strategy->api_header_names[i] != NULL; i++)
    {
      char *value = _trawl_template_expand (strategy->api_header_values[i], vars, NULL, FALSE);

      g_ptr_array_add (values, value != NULL ? value : g_strdup (""));
    }

  *header_values = (GStrv) g_ptr_array_steal (values, NULL);
  return url;
}

/* The media URL in an Api strategy's answer @body (fetched from @url), or
 * NULL with a reason. */
char *
_trawl_strategy_api_answer (TrawlStrategy  *strategy,
                            GHashTable     *vars,
                            GBytes         *body,
                            const char     *url,
                            char          **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *found = NULL;
  gsize size;
  const char *data = g_bytes_get_data (body, &size);
  JsonNode *root;

  if (!_trawl_json_parse (parser, data, size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL)
    {
      *reason = g_strdup (_("the API did not answer with JSON"));
      return NULL;
    }

  if (strategy->api_check_path != NULL)
    {
      g_autofree char *value = _trawl_json_lookup (root, strategy->api_check_path);

      if (g_strcmp0 (value, strategy->api_check_value) != 0)
        {
          *reason = g_strdup_printf (_("the API answered %s=%s"), strategy->api_check_path,
                                     value != NULL ? value : _("nothing"));
          return NULL;
        }
    }

  found = _trawl_json_lookup (root, strategy->json_path);
  if (found == NULL || *found == '\0')
    {
      *reason = g_strdup_printf (_("the API answer has no %s"), strategy->json_path);
      return NULL;
    }

  return _trawl_strategy_finish_url (strategy, vars, found, url, root, reason);
}

static void try_next (GTask *task);

static void
resolver_api_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Resolve *resolve = g_task_get_task_data (task);
  TrawlStrategy *strategy = g_ptr_array_index (resolve->recipe->strategies, resolve->index - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (resolve->client, result, &error);
  g_autofree char *url = NULL;
  g_autofree char *reason = NULL;

  g_assert (G_IS_TASK (task));

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (response == NULL)
    _trawl_add_reason (resolve->reasons, strategy->name, error->message);
  else if (response->is_media)
    _trawl_add_reason (resolve->reasons, strategy->name, _("the API did not answer with JSON"));
  else if ((url = _trawl_strategy_api_answer (strategy, resolve->vars, response->body,
                                              response->url, &reason)) == NULL)
    _trawl_add_reason (resolve->reasons, strategy->name, reason);
  else
    {
      succeed (task, url);
      return;
    }

  try_next (task);
}

static void
try_api (GTask         *task,
         TrawlStrategy *strategy)
{
  Resolve *resolve = g_task_get_task_data (task);
  g_autofree char *url = NULL;
  g_autofree char *reason = NULL;
  g_auto(GStrv) values = NULL;

  url = _trawl_strategy_api_request (strategy, resolve->vars, resolve->page_url, &values,
                                     &reason);
  if (url == NULL)
    {
      _trawl_add_reason (resolve->reasons, strategy->name, reason);
      try_next (task);
      return;
    }

  _trawl_client_fetch_async (resolve->client, trawl_item_get_board (resolve->item), url,
                             resolve->page_url, strategy->api_header_names, values,
                             /* Translators: %s in “The server refused the %s request” */
                             _("video API"), SOUP_MESSAGE_PRIORITY_HIGH,
                             g_task_get_cancellable (task), resolver_api_cb,
                             task);
}

static void
try_next (GTask *task)
{
  Resolve *resolve = g_task_get_task_data (task);

  while (resolve->recipe != NULL && resolve->index < resolve->recipe->strategies->len)
    {
      TrawlStrategy *strategy = g_ptr_array_index (resolve->recipe->strategies, resolve->index);
      const char *found = g_ptr_array_index (resolve->page->found, resolve->index);
      g_autofree char *url = NULL;
      g_autofree char *reason = NULL;

      resolve->index++;

      if (strategy->kind == TRAWL_STRATEGY_API)
        {
          try_api (task, strategy);
          return;
        }

      if (*found == '\0')
        {
          _trawl_add_reason (resolve->reasons, strategy->name, _("no match on the page"));
          continue;
        }

      url = _trawl_strategy_finish_url (strategy, resolve->vars, found, resolve->page_url, NULL,
                                        &reason);
      if (url != NULL)
        {
          succeed (task, url);
          return;
        }
      _trawl_add_reason (resolve->reasons, strategy->name, reason);
    }

  if (resolve->page->generic_media->len > 0)
    {
      succeed (task, g_ptr_array_index (resolve->page->generic_media, 0));
      return;
    }

  if (resolve->reasons->len > 0)
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NO_MEDIA,
                             _("No video found on the page (%s)"), resolve->reasons->str);
  else
    g_task_return_new_error (task, TRAWL_ERROR, TRAWL_ERROR_NO_MEDIA,
                             _("No video found on the page"));
  g_object_unref (task);
}

static void
resolver_detail_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Resolve *resolve = g_task_get_task_data (task);
  const char *title;

  g_assert (G_IS_TASK (task));

  resolve->page = _trawl_extract_detail_finish (result, NULL);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  title = trawl_item_get_title (resolve->item);
  if ((title == NULL || *title == '\0') && resolve->page->title != NULL)
    _trawl_item_set_title (resolve->item, resolve->page->title);

  try_next (task);
}

static void
resolver_page_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Resolve *resolve = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(TrawlResponse) response = _trawl_client_fetch_finish (resolve->client, result, &error);

  g_assert (G_IS_TASK (task));

  if (response == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (response->is_media)
    {
      succeed (task, response->url);
      return;
    }

  g_free (resolve->page_url);
  resolve->page_url = g_strdup (response->url);
  _trawl_extract_detail_async (resolve->recipe, response->body, response->content_type,
                               response->url, g_task_get_cancellable (task), resolver_detail_cb,
                               task);
}

/**
 * _trawl_resolve_async:
 * @client: what fetches the pages
 * @item: the item whose media URL is wanted; it is set on success
 * @recipe: (nullable): the recipe of the item's board
 *
 * Finds the media URL of @item.
 */
void
_trawl_resolve_async (TrawlClient         *client,
                      TrawlItem           *item,
                      TrawlRecipe         *recipe,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (item, cancellable, callback, user_data);
  Resolve *resolve = g_new0 (Resolve, 1);
  TrawlBoard *board = trawl_item_get_board (item);

  g_task_set_source_tag (task, _trawl_resolve_async);
  resolve->client = g_object_ref (client);
  resolve->item = g_object_ref (item);
  resolve->page_url = g_strdup (trawl_item_get_page_url (item));
  resolve->reasons = g_string_new (NULL);
  g_set_object (&resolve->recipe, recipe);
  resolve->vars = _trawl_recipe_board_vars (resolve->recipe, trawl_board_get_url (board));
  g_hash_table_insert (resolve->vars, g_strdup ("page"), g_strdup (resolve->page_url));
  if (trawl_item_get_id (item) != NULL)
    g_hash_table_insert (resolve->vars, g_strdup ("id"), g_strdup (trawl_item_get_id (item)));
  g_task_set_task_data (task, resolve, (GDestroyNotify) resolve_free);

  _trawl_client_fetch_async (client, board, resolve->page_url, trawl_board_get_url (board),
                             NULL, NULL,
                             /* Translators: %s in “The server refused the %s request” */
                             _("video page"), SOUP_MESSAGE_PRIORITY_HIGH, cancellable,
                             resolver_page_cb, task);
}

gboolean
_trawl_resolve_finish (TrawlItem     *item,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, item), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
