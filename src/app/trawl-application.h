#pragma once

#include <adwaita.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_APPLICATION (trawl_application_get_type ())

G_DECLARE_FINAL_TYPE (TrawlApplication, trawl_application, TRAWL, APPLICATION, AdwApplication)

TrawlApplication *trawl_application_new          (void);
TrawlQueue       *trawl_application_get_queue    (TrawlApplication *self);
GSettings        *trawl_application_get_settings (TrawlApplication *self);
TrawlQueue       *trawl_application_create_queue (GSettings      *settings,
                                                  const char     *data_dir,
                                                  GError        **restore_error);
void              trawl_application_stop_queue   (TrawlQueue     *queue);
guint             trawl_application_forget_demo_boards (TrawlQueue *queue);

G_END_DECLS
