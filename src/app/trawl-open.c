#define G_LOG_DOMAIN "trawl-open"

#include "config.h"

#include "trawl-open.h"

/* Opening a finished video and showing it in its folder. gtk_show_uri()
 * goes through the OpenURI portal inside a Flatpak sandbox; ShowItems is
 * the file manager's own D-Bus interface (reachable from the sandbox with
 * --talk-name=org.freedesktop.FileManager1), with opening the folder as the
 * fallback. GtkFileLauncher would do both, but needs GTK 4.10. */

static GtkWindow *
window_of (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

void
trawl_open_file (GtkWidget  *widget,
                 const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  if (uri != NULL)
    gtk_show_uri (window_of (widget), uri, GDK_CURRENT_TIME);
}

/* A web page, in the user's browser. */
void
trawl_open_uri (GtkWidget  *widget,
                const char *uri)
{
  gtk_show_uri (window_of (widget), uri, GDK_CURRENT_TIME);
}

typedef struct
{
  GtkWidget *widget;
  char      *folder_uri;
} ShowItems;

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShowItems *show = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_debug ("No file manager to show the file: %s", error->message);
      gtk_show_uri (window_of (show->widget), show->folder_uri, GDK_CURRENT_TIME);
    }

  g_object_unref (show->widget);
  g_free (show->folder_uri);
  g_free (show);
}

void
trawl_show_in_folder (GtkWidget  *widget,
                      const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  GDBusConnection *bus = g_application_get_dbus_connection (g_application_get_default ());
  ShowItems *show;

  if (uri == NULL)
    return;

  show = g_new0 (ShowItems, 1);
  show->widget = g_object_ref (widget);
  show->folder_uri = g_filename_to_uri (folder, NULL, NULL);

  if (bus == NULL)
    {
      gtk_show_uri (window_of (widget), show->folder_uri, GDK_CURRENT_TIME);
      g_object_unref (show->widget);
      g_free (show->folder_uri);
      g_free (show);
      return;
    }

  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", (const char *[]) { uri, NULL }, ""),
                          NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, show_items_cb, show);
}
