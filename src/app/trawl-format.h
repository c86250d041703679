#pragma once

#include <gtk/gtk.h>

#include "trawl-item.h"

G_BEGIN_DECLS

char *trawl_format_time_left (double  seconds);
char *trawl_format_progress  (guint64 bytes,
                              gint64  total,
                              double  speed);
const char *trawl_failure_words (TrawlFailure failure);
void  trawl_set_tooltip_text (GtkWidget  *widget,
                              const char *text);

void  trawl_fix_button_names (GtkWidget  *widget);

G_END_DECLS
