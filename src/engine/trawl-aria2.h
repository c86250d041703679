#pragma once

#include <gio/gio.h>

#include "trawl-backend.h"
#include "trawl-client.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_ARIA2 (trawl_aria2_get_type ())

G_DECLARE_FINAL_TYPE (TrawlAria2, trawl_aria2, TRAWL, ARIA2, GObject)

TrawlAria2 *trawl_aria2_new                (TrawlClient          *client,
                                            const char           *address,
                                            const char           *secret,
                                            const char           *dir,
                                            GError              **error);
const char *trawl_aria2_get_address        (TrawlAria2           *self);
gboolean    trawl_aria2_is_exposed         (TrawlAria2           *self);
void        trawl_aria2_get_version_async  (TrawlAria2           *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
char       *trawl_aria2_get_version_finish (TrawlAria2           *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
