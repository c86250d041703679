#pragma once

#include <gio/gio.h>

#include "trawl-recipe.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_RECIPE_SET (trawl_recipe_set_get_type ())

G_DECLARE_FINAL_TYPE (TrawlRecipeSet, trawl_recipe_set, TRAWL, RECIPE_SET, GObject)

TrawlRecipeSet *trawl_recipe_set_new            (void);
TrawlRecipeSet *trawl_recipe_set_new_default    (GError         **error);
void            trawl_recipe_set_add            (TrawlRecipeSet  *self,
                                                 TrawlRecipe     *recipe);
gboolean        trawl_recipe_set_load_builtin   (TrawlRecipeSet  *self,
                                                 GError         **error);
gboolean        trawl_recipe_set_load_directory (TrawlRecipeSet  *self,
                                                 const char      *path,
                                                 GError         **error);
TrawlRecipe    *trawl_recipe_set_lookup         (TrawlRecipeSet  *self,
                                                 const char      *name);
TrawlRecipe    *trawl_recipe_set_match          (TrawlRecipeSet  *self,
                                                 const char      *url);
GStrv           trawl_recipe_set_list_names     (TrawlRecipeSet  *self);

char           *trawl_recipe_set_get_user_folder (void);
gboolean        trawl_recipe_set_reload         (TrawlRecipeSet  *self,
                                                 GError         **error);
void            trawl_recipe_set_watch          (TrawlRecipeSet  *self);
const char     *trawl_recipe_set_get_problems   (TrawlRecipeSet  *self);
char           *trawl_recipe_set_save_user      (TrawlRecipeSet  *self,
                                                 const char      *text,
                                                 GError         **error);
gboolean        trawl_recipe_set_remove_user    (TrawlRecipeSet  *self,
                                                 const char      *name,
                                                 GError         **error);

G_END_DECLS
