#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "trawl-html-private.h"
#include "trawl-recipe-set.h"
#include "trawl-suggest-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Any bytes as a list page and as a detail page, with the pear-video recipe
 * and with the generic extractor, under each charset path; and as the pages
 * a recipe is suggested from, whose suggestion must load. */
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

  {
    gsize length;
    g_autofree char *text = _trawl_decode_page (body, "text/html", &length);
    TrawlListSuggestion *list = _trawl_suggest_list (text, length, "http://example.org/board/",
                                                     "http://example.org/board/");
    g_autofree char *media = _trawl_suggest_detail (text, length, "http://example.org/watch/1");

    if (list != NULL)
      {
        g_autofree char *recipe_text = g_strconcat (list->text->str, media, NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(TrawlRecipe) suggested = trawl_recipe_new_from_data (recipe_text, -1,
                                                                       "suggested", &error);

        /* A suggestion is always a recipe Trawl can load. */
        if (suggested == NULL)
          {
            fprintf (stderr, "%s\n%s\n", error->message, recipe_text);
            abort ();
          }
        _trawl_list_suggestion_free (list);
      }
  }

  return 0;
}
