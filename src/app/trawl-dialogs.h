#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

AdwMessageDialog *trawl_remove_dialog_new (GtkWidget  *widget,
                                           const char *heading,
                                           const char *body);

G_END_DECLS
