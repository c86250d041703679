#pragma once

#include <gtk/gtk.h>

#include "trawl-queue.h"

G_BEGIN_DECLS

/* What the desktop is told while videos download: the progress on the
 * launcher (the Unity launcher API, which docks and KDE show), and that
 * the computer should not suspend (a preference). */

#define TRAWL_TYPE_SESSION (trawl_session_get_type ())

G_DECLARE_FINAL_TYPE (TrawlSession, trawl_session, TRAWL, SESSION, GObject)

TrawlSession *trawl_session_new (GtkApplication *application,
                                 TrawlQueue     *queue,
                                 GSettings      *settings);

G_END_DECLS
