#pragma once

#include <adwaita.h>

#include "trawl-recipe-set.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_PREFERENCES_WINDOW (trawl_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (TrawlPreferencesWindow, trawl_preferences_window, TRAWL, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWindow *trawl_preferences_window_new      (GSettings *settings);
char      *trawl_preferences_download_folder (GSettings *settings);
void       trawl_preferences_window_set_recipes (TrawlPreferencesWindow *self,
                                                 TrawlRecipeSet         *recipes);

G_END_DECLS
