#define G_LOG_DOMAIN "trawl-dialogs"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-dialogs.h"

static void
free_weak_ref (gpointer  data,
               GClosure *closure)
{
  GWeakRef *ref = data;

  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
refocus_cb (AdwMessageDialog *dialog,
            const char       *response,
            GWeakRef         *was)
{
  g_autoptr(GtkWidget) focus = g_weak_ref_get (was);

  if (focus != NULL && gtk_widget_get_root (focus) != NULL)
    gtk_widget_grab_focus (focus);
}

/**
 * trawl_remove_dialog_new:
 * @widget: a widget of the window the dialog belongs to
 *
 * A question before something is removed for good: Keep, the default
 * (and Escape), or Remove, styled as destructive. Its "response" says
 * "remove" or "cancel".
 */
AdwMessageDialog *
trawl_remove_dialog_new (GtkWidget  *widget,
                         const char *heading,
                         const char *body)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Keep"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  /* The keyboard goes back where it was once answered (the window does
   * not give it back to a row of its list by itself). */
  {
    GtkWidget *focus = GTK_IS_ROOT (root) ? gtk_root_get_focus (root) : NULL;

    if (focus != NULL)
      {
        GWeakRef *was = g_new0 (GWeakRef, 1);

        g_weak_ref_init (was, focus);
        g_signal_connect_data (dialog, "response", G_CALLBACK (refocus_cb), was,
                               free_weak_ref, G_CONNECT_AFTER);
      }
  }

  return dialog;
}
