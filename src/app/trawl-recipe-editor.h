#pragma once

#include <adwaita.h>

#include "trawl-queue.h"
#include "trawl-recipe-tester.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_RECIPE_EDITOR (trawl_recipe_editor_get_type ())

G_DECLARE_FINAL_TYPE (TrawlRecipeEditor, trawl_recipe_editor, TRAWL, RECIPE_EDITOR, AdwWindow)

TrawlRecipeEditor    *trawl_recipe_editor_new        (GtkWindow         *parent,
                                                      TrawlQueue        *queue);
void                  trawl_recipe_editor_set_board  (TrawlRecipeEditor *self,
                                                      TrawlBoard        *board);
void                  trawl_recipe_editor_set_url    (TrawlRecipeEditor *self,
                                                      const char        *url);
void                  trawl_recipe_editor_set_text   (TrawlRecipeEditor *self,
                                                      const char        *text,
                                                      gboolean           saved);
char                 *trawl_recipe_editor_get_text   (TrawlRecipeEditor *self);
gboolean              trawl_recipe_editor_load_file  (TrawlRecipeEditor *self,
                                                      GFile             *file,
                                                      GError           **error);
void                  trawl_recipe_editor_suggest    (TrawlRecipeEditor *self);
const TrawlTryResult *trawl_recipe_editor_get_result (TrawlRecipeEditor *self);
gboolean              trawl_recipe_editor_is_busy    (TrawlRecipeEditor *self);

G_END_DECLS
