#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * TrawlRecipeSource:
 * @TRAWL_RECIPE_SOURCE_BUILTIN: compiled into Trawl
 * @TRAWL_RECIPE_SOURCE_SYSTEM: installed for everyone (the system folder)
 * @TRAWL_RECIPE_SOURCE_USER: the user's own (their recipes folder)
 * @TRAWL_RECIPE_SOURCE_OTHER: another folder (trawl-cli --recipes) or none
 */
typedef enum
{
  TRAWL_RECIPE_SOURCE_OTHER,
  TRAWL_RECIPE_SOURCE_BUILTIN,
  TRAWL_RECIPE_SOURCE_SYSTEM,
  TRAWL_RECIPE_SOURCE_USER,
} TrawlRecipeSource;

#define TRAWL_TYPE_RECIPE (trawl_recipe_get_type ())

G_DECLARE_FINAL_TYPE (TrawlRecipe, trawl_recipe, TRAWL, RECIPE, GObject)

TrawlRecipe *trawl_recipe_new_from_data  (const char  *data,
                                          gsize        length,
                                          const char  *origin,
                                          GError     **error);
TrawlRecipe *trawl_recipe_new_from_file  (const char  *path,
                                          GError     **error);
const char  *trawl_recipe_get_name       (TrawlRecipe *self);
const char  *trawl_recipe_get_title      (TrawlRecipe *self);
const char  *trawl_recipe_get_origin     (TrawlRecipe *self);
TrawlRecipeSource trawl_recipe_get_source (TrawlRecipe *self);
gboolean     trawl_recipe_matches        (TrawlRecipe *self,
                                          const char  *url);
char        *trawl_recipe_get_item_id    (TrawlRecipe *self,
                                          const char  *detail_url);

G_END_DECLS
