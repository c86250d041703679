#pragma once

#include "trawl-client.h"

G_BEGIN_DECLS

int trawl_cli_try_recipe     (TrawlClient *client,
                              const char  *file,
                              const char  *url);
int trawl_cli_suggest_recipe (TrawlClient *client,
                              const char  *url);

G_END_DECLS
