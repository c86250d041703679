#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

char *trawl_format_time_left (double  seconds);
char *trawl_format_progress  (guint64 bytes,
                              gint64  total,
                              double  speed);
void  trawl_set_tooltip_text (GtkWidget  *widget,
                              const char *text);

G_END_DECLS
