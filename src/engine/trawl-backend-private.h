#pragma once

#include "trawl-backend.h"
#include "trawl-client.h"
#include "trawl-paths-private.h"

G_BEGIN_DECLS

/* The local backend: this computer's own transfer (and HLS) workers. */
#define TRAWL_TYPE_LOCAL_BACKEND (_trawl_local_backend_get_type ())

G_DECLARE_FINAL_TYPE (TrawlLocalBackend, _trawl_local_backend, TRAWL, LOCAL_BACKEND, GObject)

TrawlBackend *_trawl_local_backend_new (TrawlClient *client,
                                        TrawlPaths  *paths);

G_END_DECLS
