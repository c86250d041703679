#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest file name (in bytes) most file systems accept. */
#define TRAWL_FILENAME_MAX 255

char *trawl_filename_from_title (const char *title,
                                 const char *extension);
char *trawl_filename_numbered   (const char *name,
                                 guint       number);

G_END_DECLS
