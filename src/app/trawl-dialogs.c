#define G_LOG_DOMAIN "trawl-dialogs"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-client.h"
#include "trawl-dialogs.h"
#include "trawl-format.h"
#include "trawl-window.h"

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

/* The keyboard goes back where it was once the dialog is answered (the
 * window does not give it back to a row of its list by itself). */
static void
give_focus_back (AdwMessageDialog *dialog,
                 GtkRoot          *root)
{
  GtkWidget *focus = GTK_IS_ROOT (root) ? gtk_root_get_focus (root) : NULL;
  GWeakRef *was;

  if (focus == NULL)
    return;

  was = g_new0 (GWeakRef, 1);
  g_weak_ref_init (was, focus);
  g_signal_connect_data (dialog, "response", G_CALLBACK (refocus_cb), was, free_weak_ref,
                         G_CONNECT_AFTER);
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

  trawl_fix_button_names (GTK_WIDGET (dialog));
  give_focus_back (dialog, root);
  return dialog;
}

/* What the headers dialog saves to. */
typedef struct
{
  TrawlQueue *queue;
  TrawlBoard *board;
  GtkEditable *cookie;
  GtkEditable *user_agent;
} HeadersDialog;

static void
headers_dialog_free (gpointer  user_data,
                     GClosure *closure)
{
  HeadersDialog *data = user_data;

  g_object_unref (data->queue);
  g_object_unref (data->board);
  g_free (data);
}

/* The value of the board's header @name, or "". */
static char *
find_header (TrawlBoard *board,
             const char *name)
{
  const char * const *headers = trawl_board_get_headers (board);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_autofree char *found = NULL;
      char *value = NULL;

      if (trawl_parse_header (headers[i], &found, &value, NULL) &&
          g_ascii_strcasecmp (found, name) == 0)
        return value;
      g_free (value);
    }
  return g_strdup ("");
}

static void
headers_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     HeadersDialog    *data)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) headers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *user_agent = NULL;
  GtkWindow *window;

  if (!g_str_equal (response, "save"))
    return;

  cookie = g_strstrip (g_strdup (gtk_editable_get_text (data->cookie)));
  user_agent = g_strstrip (g_strdup (gtk_editable_get_text (data->user_agent)));
  if (*cookie != '\0')
    {
      g_autofree char *header = g_strconcat ("Cookie: ", cookie, NULL);

      g_strv_builder_add (builder, header);
    }
  if (*user_agent != '\0')
    {
      g_autofree char *header = g_strconcat ("User-Agent: ", user_agent, NULL);

      g_strv_builder_add (builder, header);
    }
  headers = g_strv_builder_end (builder);

  window = gtk_window_get_transient_for (GTK_WINDOW (dialog));
  if (!trawl_queue_set_board_headers (data->queue, data->board, (const char * const *) headers,
                                      &error))
    {
      if (TRAWL_IS_WINDOW (window))
        trawl_window_show_toast (TRAWL_WINDOW (window), error->message);
      return;
    }

  /* What failed, perhaps for want of them, is tried again with them. */
  if (trawl_board_get_state (data->board) == TRAWL_BOARD_FAILED ||
      trawl_board_get_n_failed (data->board) > 0)
    trawl_queue_retry_board (data->queue, data->board);
}

/**
 * trawl_headers_dialog_new:
 *
 * The cookie and the User-Agent a board's requests carry, for boards
 * behind a sign-in: copied from the browser where the user is signed in.
 * Saving tries again what failed.
 */
AdwMessageDialog *
trawl_headers_dialog_new (GtkWidget  *widget,
                          TrawlQueue *queue,
                          TrawlBoard *board)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  HeadersDialog *data = g_new0 (HeadersDialog, 1);
  AdwMessageDialog *dialog;
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *cookie = adw_entry_row_new ();
  GtkWidget *user_agent = adw_entry_row_new ();

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Cookies and User-Agent"),
    _("For a board behind a sign-in: copy the Cookie header of a request to the site from "
      "your browser's developer tools, where you are signed in. The cookie goes to this "
      "board's own site only.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (cookie), _("Cookie"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (user_agent), _("User-Agent"));
  {
    g_autofree char *value = find_header (board, "Cookie");
    g_autofree char *agent = find_header (board, "User-Agent");

    gtk_editable_set_text (GTK_EDITABLE (cookie), value);
    gtk_editable_set_text (GTK_EDITABLE (user_agent), agent);
  }
  gtk_list_box_append (GTK_LIST_BOX (list), cookie);
  gtk_list_box_append (GTK_LIST_BOX (list), user_agent);
  adw_message_dialog_set_extra_child (dialog, list);

  data->queue = g_object_ref (queue);
  data->board = g_object_ref (board);
  data->cookie = GTK_EDITABLE (cookie);
  data->user_agent = GTK_EDITABLE (user_agent);
  g_signal_connect_data (dialog, "response", G_CALLBACK (headers_response_cb), data,
                         headers_dialog_free, 0);
  trawl_fix_button_names (GTK_WIDGET (dialog));
  give_focus_back (dialog, root);
  return dialog;
}
