#define G_LOG_DOMAIN "trawl-session"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "trawl-progress.h"
#include "trawl-session.h"

/* How often the launcher hears of the progress, at most. */
#define TICK_MS 1000

struct _TrawlSession
{
  GObject         parent_instance;

  GtkApplication *application;  /* unowned: the application owns this */
  TrawlQueue     *queue;
  GSettings      *settings;
  guint           tick_source;
  guint           inhibit_cookie;
  double          told_fraction;  /* what the launcher was last told, or -1 */
  gboolean        told_visible;
};

G_DEFINE_FINAL_TYPE (TrawlSession, trawl_session, G_TYPE_OBJECT)

/* The launcher's entry is found by the application's desktop file. */
static void
tell_launcher (TrawlSession *self,
               double        fraction,
               gboolean      visible)
{
  GDBusConnection *connection =
    g_application_get_dbus_connection (G_APPLICATION (self->application));
  g_autofree char *uri = NULL;
  GVariantBuilder properties;

  if (connection == NULL || (visible == self->told_visible &&
                             (!visible || fabs (fraction - self->told_fraction) < 0.005)))
    return;

  self->told_fraction = fraction;
  self->told_visible = visible;
  uri = g_strdup_printf ("application://%s.desktop",
                         g_application_get_application_id (G_APPLICATION (self->application)));
  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&properties, "{sv}", "progress", g_variant_new_double (fraction));
  g_variant_builder_add (&properties, "{sv}", "progress-visible", g_variant_new_boolean (visible));
  g_dbus_connection_emit_signal (connection, NULL, "/io/github/trawl/Trawl/LauncherEntry",
                                 "com.canonical.Unity.LauncherEntry", "Update",
                                 g_variant_new ("(sa{sv})", uri, &properties), NULL);
}

/* Asks the session not to suspend while videos download, if the user
 * wants it, and lets go when they stop. */
static void
update_inhibit (TrawlSession *self,
                gboolean      downloading)
{
  gboolean wanted = downloading && g_settings_get_boolean (self->settings, "prevent-suspend");

  if (wanted && self->inhibit_cookie == 0)
    self->inhibit_cookie = gtk_application_inhibit (self->application, NULL,
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("Downloading videos"));
  else if (!wanted && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (self->application, self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

/* Tells the launcher and the session how things are. */
static void
update (TrawlSession *self)
{
  TrawlProgress progress = { 0 };
  gboolean downloading = trawl_queue_count_state (self->queue, TRAWL_ITEM_DOWNLOADING) > 0;
  double fraction;

  if (downloading)
    trawl_progress_add_items (&progress, G_LIST_MODEL (self->queue));
  fraction = trawl_progress_fraction (&progress);
  tell_launcher (self, MAX (fraction, 0), downloading && fraction >= 0);
  update_inhibit (self, downloading);
}

static gboolean
tick_cb (gpointer user_data)
{
  update (user_data);
  return G_SOURCE_CONTINUE;
}

/* Told every second while the queue is busy, and once when it stops. */
static void
busy_cb (TrawlSession *self)
{
  if (!trawl_queue_is_busy (self->queue))
    g_clear_handle_id (&self->tick_source, g_source_remove);
  else if (self->tick_source == 0)
    self->tick_source = g_timeout_add (TICK_MS, tick_cb, self);
  update (self);
}

static void
prevent_suspend_cb (TrawlSession *self)
{
  update_inhibit (self, trawl_queue_count_state (self->queue, TRAWL_ITEM_DOWNLOADING) > 0);
}

static void
trawl_session_dispose (GObject *object)
{
  TrawlSession *self = (TrawlSession *)object;

  g_clear_handle_id (&self->tick_source, g_source_remove);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->inhibit_cookie != 0)
    gtk_application_uninhibit (self->application, self->inhibit_cookie);
  self->inhibit_cookie = 0;
  tell_launcher (self, 0, FALSE);
  g_clear_object (&self->queue);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (trawl_session_parent_class)->dispose (object);
}

static void
trawl_session_class_init (TrawlSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = trawl_session_dispose;
}

static void
trawl_session_init (TrawlSession *self)
{
  self->told_fraction = -1;
}

TrawlSession *
trawl_session_new (GtkApplication *application,
                   TrawlQueue     *queue,
                   GSettings      *settings)
{
  TrawlSession *self = g_object_new (TRAWL_TYPE_SESSION, NULL);

  self->application = application;
  self->queue = g_object_ref (queue);
  self->settings = g_object_ref (settings);
  g_signal_connect_object (queue, "notify::busy", G_CALLBACK (busy_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::prevent-suspend", G_CALLBACK (prevent_suspend_cb),
                           self, G_CONNECT_SWAPPED);
  busy_cb (self);

  return self;
}
