#pragma once

#include <json-glib/json-glib.h>

#include "trawl-client.h"
#include "trawl-item.h"
#include "trawl-recipe-private.h"

G_BEGIN_DECLS

/* The pure steps of a strategy, which the fuzzer runs. */
char     *_trawl_strategy_finish_url  (TrawlStrategy *strategy,
                                       GHashTable    *vars,
                                       const char    *found,
                                       const char    *base,
                                       JsonNode      *json,
                                       char         **reason);
char     *_trawl_strategy_api_request (TrawlStrategy *strategy,
                                       GHashTable    *vars,
                                       const char    *page_url,
                                       GStrv         *header_values,
                                       char         **reason);
char     *_trawl_strategy_api_answer  (TrawlStrategy *strategy,
                                       GHashTable    *vars,
                                       GBytes        *body,
                                       const char    *url,
                                       char         **reason);

void      _trawl_add_reason           (GString       *reasons,
                                       const char    *strategy,
                                       const char    *reason);
void      _trawl_resolve_async        (TrawlClient   *client,
                                       TrawlItem     *item,
                                       TrawlRecipe   *recipe,
                                       GCancellable  *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer       user_data);
gboolean  _trawl_resolve_finish       (TrawlItem     *item,
                                       GAsyncResult  *result,
                                       GError       **error);

G_END_DECLS
