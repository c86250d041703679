#pragma once

#include <json-glib/json-glib.h>

#include "trawl-recipe.h"

G_BEGIN_DECLS

typedef enum
{
  TRAWL_STRATEGY_REGEX,
  TRAWL_STRATEGY_XPATH,
  TRAWL_STRATEGY_API,
} TrawlStrategyKind;

typedef struct
{
  char              *name;
  TrawlStrategyKind  kind;
  GRegex            *regex;
  char              *xpath;
  char              *api_url;
  GStrv              api_header_names;   /* never NULL; may be empty */
  GStrv              api_header_values;
  char              *api_check_path;
  char              *api_check_value;
  char              *json_path;
  char              *rewrite;
  char              *rewrite_to;
} TrawlStrategy;

/* Immutable once loaded, so the parsing workers may read it from any thread. */
struct _TrawlRecipe
{
  GObject     parent_instance;

  char       *name;
  char       *title;
  char       *origin;
  TrawlRecipeSource source;

  GRegex     *match;
  GRegex     *board_vars;
  GRegex     *item_id;

  char       *items_xpath;
  char       *link_xpath;
  char       *title_xpath;
  char       *thumbnail_xpath;
  char       *duration_xpath;
  char       *next_xpath;
  char       *page_url;
  GRegex     *json_source;    /* group 1 is the JSON text of the list; none: the page is JSON */
  char       *json_items;     /* dotted path to the array of items; "." the root */
  char       *json_link;
  char       *json_title;
  char       *json_thumbnail;
  char       *json_duration;
  int         page_start;  /* -1: the number of items on the first page */
  int         page_step;   /* -1: the number of items on the last page */
  guint       max_pages;

  char       *detail_title_xpath;
  GPtrArray  *strategies;  /* of TrawlStrategy */
};

void        _trawl_recipe_set_source  (TrawlRecipe *self,
                                      TrawlRecipeSource source);
GHashTable *_trawl_recipe_board_vars (TrawlRecipe *self,
                                      const char  *board_url);
char       *_trawl_template_expand   (const char  *template,
                                      GHashTable  *vars,
                                      JsonNode    *json,
                                      gboolean     regex_escape);
char       *_trawl_json_lookup       (JsonNode    *root,
                                      const char  *path);
JsonNode   *_trawl_json_find         (JsonNode    *root,
                                      const char  *path);
char       *_trawl_json_node_string  (JsonNode    *node);

G_END_DECLS
