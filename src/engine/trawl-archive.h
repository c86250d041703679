#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_ARCHIVE (trawl_archive_get_type ())

G_DECLARE_FINAL_TYPE (TrawlArchive, trawl_archive, TRAWL, ARCHIVE, GObject)

TrawlArchive *trawl_archive_new       (const char    *path,
                                       GError       **error);
const char   *trawl_archive_get_path  (TrawlArchive  *self);
gboolean      trawl_archive_contains  (TrawlArchive  *self,
                                       const char    *key);
void          trawl_archive_add       (TrawlArchive  *self,
                                       const char    *key);
guint         trawl_archive_get_size  (TrawlArchive  *self);
char         *trawl_archive_key       (const char    *recipe,
                                       const char    *id,
                                       const char    *media_url);
gboolean      trawl_archive_is_saving (TrawlArchive  *self);
const GError *trawl_archive_get_error (TrawlArchive  *self);
gboolean      trawl_archive_save      (TrawlArchive  *self,
                                       GError       **error);

G_END_DECLS
