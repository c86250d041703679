#include "config.h"

#include <stdint.h>

#include "trawl-recipe.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A recipe file, however broken: loaded, or refused with a message that
 * names the file. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlRecipe) recipe = NULL;

  recipe = trawl_recipe_new_from_data ((const char *) data, size, "fuzz.recipe", &error);
  if (recipe == NULL)
    {
      if (error == NULL || !g_str_has_prefix (error->message, "fuzz.recipe"))
        abort ();
      return 0;
    }

  trawl_recipe_matches (recipe, "https://www.pearvideo.com/category_5");
  g_free (trawl_recipe_get_item_id (recipe, "https://www.pearvideo.com/video_1301572"));
  return 0;
}
