#include "config.h"

#include <stdint.h>

#include "trawl-html-private.h"
#include "trawl-resolver-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Where the pages are and what they are (one of them is a JSON answer). */
static const char *fixtures[] = {
  "pear-list.html", "pear-loading.html", "gbk-list.html", "pear-detail-classic.html",
  "pear-detail-api.html", "generic-video.html", "generic-og.html", "generic-jsonld.html",
  "generic-links.html", "videoStatus.json",
};
static const char *page_url = "https://www.pearvideo.com/video_1697094";
static const char *board_url = "https://www.pearvideo.com/category_5";

static GBytes *pages[G_N_ELEMENTS (fixtures)];

static void
load_fixtures (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = g_build_filename (TRAWL_FIXTURES_DIR, fixtures[i], NULL);
      g_autoptr(GError) error = NULL;
      char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        g_error ("%s", error->message);
      pages[i] = g_bytes_new_take (contents, length);
    }
}

/* Every strategy of @recipe on one detail page, as the resolver runs it,
 * with each fixture as the answer of an Api strategy. */
static void
run_strategies (TrawlRecipe *recipe,
                GHashTable  *vars,
                GBytes      *body)
{
  g_autoptr(TrawlDetailPage) page = _trawl_extract_detail (recipe, body, "text/html",
                                                           page_url);

  g_assert (page->found->len == recipe->strategies->len);
  for (guint i = 0; i < recipe->strategies->len; i++)
    {
      TrawlStrategy *strategy = g_ptr_array_index (recipe->strategies, i);
      g_autofree char *reason = NULL;
      g_autofree char *url = NULL;
      g_auto(GStrv) values = NULL;

      if (strategy->kind != TRAWL_STRATEGY_API)
        {
          url = _trawl_strategy_finish_url (strategy, vars, g_ptr_array_index (page->found, i),
                                            page_url, NULL, &reason);
          g_assert ((url == NULL) != (reason == NULL));
          continue;
        }

      url = _trawl_strategy_api_request (strategy, vars, page_url, &values, &reason);
      g_assert ((url == NULL) != (reason == NULL));
      if (url == NULL)
        continue;
      g_assert (g_strv_length (values) == g_strv_length (strategy->api_header_names));

      for (guint j = 0; j < G_N_ELEMENTS (pages); j++)
        {
          g_autofree char *media = NULL;
          g_autofree char *why = NULL;

          media = _trawl_strategy_api_answer (strategy, vars, pages[j], url, &why);
          g_assert ((media == NULL) != (why == NULL));
        }
    }
}

/* Any recipe a user may write: loaded, then every part of it run on the
 * saved pages as the crawler and the resolver would, without a network.
 * Nothing may crash; what fails, fails with a reason. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autoptr(GHashTable) vars = NULL;

  if (pages[0] == NULL)
    load_fixtures ();

  recipe = trawl_recipe_new_from_data ((const char *) data, size, "fuzz.recipe", NULL);
  if (recipe == NULL)
    return 0;

  trawl_recipe_matches (recipe, board_url);
  vars = _trawl_recipe_board_vars (recipe, board_url);
  g_hash_table_insert (vars, g_strdup ("page"), g_strdup (page_url));
  g_hash_table_insert (vars, g_strdup ("start"), g_strdup ("12"));
  g_free (trawl_recipe_get_item_id (recipe, page_url));
  if (recipe->page_url != NULL)
    g_free (_trawl_template_expand (recipe->page_url, vars, NULL, FALSE));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(TrawlListPage) list = _trawl_extract_list (recipe, pages[i], "text/html",
                                                           board_url);

      for (guint j = 0; j < list->items->len; j++)
        {
          TrawlFound *found = g_ptr_array_index (list->items, j);

          if (found->id != NULL)
            g_hash_table_replace (vars, g_strdup ("id"), g_strdup (found->id));
        }
      run_strategies (recipe, vars, pages[i]);
    }

  return 0;
}
