#pragma once

#include <adwaita.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

AdwMessageDialog *trawl_remove_dialog_new (GtkWidget  *widget,
                                           const char *heading,
                                           const char *body);

AdwMessageDialog *trawl_headers_dialog_new (GtkWidget  *widget,
                                            TrawlQueue *queue,
                                            TrawlBoard *board);

G_END_DECLS
