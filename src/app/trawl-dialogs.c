#define G_LOG_DOMAIN "trawl-dialogs"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-dialogs.h"

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

  return dialog;
}
