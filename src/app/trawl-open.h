#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void trawl_open_file      (GtkWidget  *widget,
                           const char *path);
void trawl_show_in_folder (GtkWidget  *widget,
                           const char *path);
void trawl_open_uri       (GtkWidget  *widget,
                           const char *uri);

G_END_DECLS
