#include "config.h"

#include <stdint.h>

#include "trawl-html-private.h"
#include "trawl-recipe-set.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Any bytes as a list page and as a detail page, with the pear-video recipe
 * and with the generic extractor, under each charset path. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static TrawlRecipe *recipe;
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  const char *types[] = { "text/html", "text/html; charset=gbk", NULL };

  if (recipe == NULL)
    {
      TrawlRecipeSet *set = trawl_recipe_set_new ();

      trawl_recipe_set_load_builtin (set, NULL);
      recipe = g_object_ref (trawl_recipe_set_lookup (set, "pearvideo"));
      g_object_unref (set);
    }

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      _trawl_list_page_free (_trawl_extract_list (recipe, body, types[i],
                                                  "https://www.pearvideo.com/category_5"));
      _trawl_list_page_free (_trawl_extract_list (NULL, body, types[i],
                                                  "http://example.org/board/"));
      _trawl_detail_page_free (_trawl_extract_detail (recipe, body, types[i],
                                                      "https://www.pearvideo.com/video_1"));
      _trawl_detail_page_free (_trawl_extract_detail (NULL, body, types[i],
                                                      "http://example.org/watch/1"));
    }

  return 0;
}
