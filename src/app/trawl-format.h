#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *trawl_format_time_left (double  seconds);
char *trawl_format_progress  (guint64 bytes,
                              gint64  total,
                              double  speed);

G_END_DECLS
