#define G_LOG_DOMAIN "trawl-item-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "trawl-dialogs.h"
#include "trawl-format.h"
#include "trawl-item-row.h"
#include "trawl-open.h"

/* One video in the list: its title, state, progress and the buttons that
 * fit its state. It shows the item's properties and changes nothing but
 * through the queue's functions. */

struct _TrawlItemRow
{
  GtkWidget       parent_instance;

  TrawlQueue     *queue;
  TrawlItem      *item;
  GSignalGroup   *item_signals;
  GSignalGroup   *board_signals;
  GBindingGroup  *item_bindings;

  GtkCheckButton *select_check;
  GtkImage       *state_icon;
  GtkWidget      *thumbnail_frame;
  GtkPicture     *thumbnail_picture;
  GtkLabel       *duration_label;
  TrawlThumbnails *thumbnails;
  GtkLabel       *title_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress_bar;
  GtkButton      *pause_button;
  GtkButton      *resume_button;
  GtkButton      *retry_button;
  GtkButton      *open_button;
  GtkButton      *folder_button;
  GtkButton      *cancel_button;
  GtkButton      *remove_button;
  GMenuModel     *row_menu;
  GtkPopover     *menu;
  GtkButton      *details_button;
  GtkPopover     *details;
  GtkLabel       *details_label;
};

G_DEFINE_FINAL_TYPE (TrawlItemRow, trawl_item_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_QUEUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
state_icon_name (TrawlItemState state)
{
  switch (state)
    {
    case TRAWL_ITEM_PENDING:
    case TRAWL_ITEM_QUEUED:
      return "content-loading-symbolic";
    case TRAWL_ITEM_RESOLVING:
      return "edit-find-symbolic";
    case TRAWL_ITEM_DOWNLOADING:
      return "folder-download-symbolic";
    case TRAWL_ITEM_PAUSED:
      return "media-playback-pause-symbolic";
    case TRAWL_ITEM_DONE:
      return "emblem-ok-symbolic";
    case TRAWL_ITEM_FAILED:
      return "dialog-error-symbolic";
    case TRAWL_ITEM_CANCELLED:
    default:
      return "process-stop-symbolic";
    }
}

static const char *
state_words (TrawlItemState state)
{
  switch (state)
    {
    case TRAWL_ITEM_PENDING:
      return _("Waiting");
    case TRAWL_ITEM_RESOLVING:
      return _("Finding the video");
    case TRAWL_ITEM_QUEUED:
      return _("Waiting to download");
    case TRAWL_ITEM_DOWNLOADING:
      return _("Downloading");
    case TRAWL_ITEM_PAUSED:
      return _("Paused");
    case TRAWL_ITEM_DONE:
      return _("Done");
    case TRAWL_ITEM_FAILED:
      return _("Failed");
    case TRAWL_ITEM_CANCELLED:
    default:
      return _("Cancelled");
    }
}

static char *
status_text (TrawlItem *item)
{
  TrawlItemState state = trawl_item_get_state (item);
  guint64 bytes = trawl_item_get_bytes (item);
  gint64 total = trawl_item_get_total (item);
  TrawlBoard *board = trawl_item_get_board (item);

  switch (state)
    {
    case TRAWL_ITEM_DOWNLOADING:
      if (bytes == 0 && trawl_item_get_speed (item) == 0)
        {
          /* The kind is kept only while this download tries again. */
          if (trawl_item_get_failure (item) != TRAWL_FAILURE_NONE)
            {
              const char *why = trawl_failure_words (trawl_item_get_failure (item));

              /* The exact message is in the Details popover. */
              if (why == NULL)
                return g_strdup (_("Trying again…"));
              /* Translators: the reason the last try failed follows */
              return g_strdup_printf (_("Trying again · %s"), why);
            }
          return g_strdup (_("Connecting…"));
        }
      {
        g_autofree char *progress = trawl_format_progress (bytes, total,
                                                           trawl_item_get_speed (item));
        guint connections = trawl_item_get_connections (item);

        /* Part-way, with no connection, trying again (aria2 away): why,
         * rather than a speed that stands still. */
        if (connections == 0 && trawl_item_get_failure (item) != TRAWL_FAILURE_NONE &&
            trawl_item_get_error (item) != NULL)
          {
            g_autofree char *kept = trawl_format_progress (bytes, total, 0);
            const char *why = trawl_failure_words (trawl_item_get_failure (item));

            return g_strdup_printf ("%s · %s", why != NULL ? why : trawl_item_get_error (item),
                                    kept);
          }
        if (connections < 2)
          return g_steal_pointer (&progress);
        /* Translators: a video downloaded over several connections at once */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u connection",
                                             "%s · %u connections", connections),
                                progress, connections);
      }

    case TRAWL_ITEM_PAUSED:
      if (bytes > 0)
        {
          g_autofree char *progress = trawl_format_progress (bytes, total, 0);
          return g_strdup_printf ("%s · %s", state_words (state), progress);
        }
      return g_strdup (state_words (state));

    case TRAWL_ITEM_QUEUED:
      if (board != NULL && trawl_board_get_review (board))
        return g_strdup (_("Found · choose whether to download it"));
      /* Resumed, waiting for its turn: what it has stays in sight. */
      if (bytes > 0)
        {
          g_autofree char *progress = trawl_format_progress (bytes, total, 0);
          return g_strdup_printf ("%s · %s", state_words (state), progress);
        }
      return g_strdup (state_words (state));

    case TRAWL_ITEM_DONE:
      {
        g_autofree char *size = g_format_size (bytes);
        return g_strdup_printf ("%s · %s", state_words (state), size);
      }

    case TRAWL_ITEM_FAILED:
      if (trawl_failure_words (trawl_item_get_failure (item)) != NULL)
        return g_strdup (trawl_failure_words (trawl_item_get_failure (item)));
      return g_strdup (trawl_item_get_error (item) != NULL ? trawl_item_get_error (item)
                                                            : state_words (state));

    case TRAWL_ITEM_PENDING:
    case TRAWL_ITEM_RESOLVING:
    case TRAWL_ITEM_CANCELLED:
    default:
      return g_strdup (state_words (state));
    }
}

static void
update (TrawlItemRow *self)
{
  TrawlItem *item = self->item;
  TrawlItemState state;
  const char *title;
  g_autofree char *status = NULL;
  g_autofree char *description = NULL;
  gint64 total;
  gboolean review;
  gboolean on_disk;

  if (item == NULL)
    return;

  state = trawl_item_get_state (item);
  total = trawl_item_get_total (item);
  review = trawl_item_get_board (item) != NULL &&
           trawl_board_get_review (trawl_item_get_board (item));

  title = trawl_item_get_title (item);
  if (title == NULL || *title == '\0')
    title = trawl_item_get_page_url (item);
  gtk_label_set_label (self->title_label, title);

  status = status_text (item);
  gtk_label_set_label (self->status_label, status);
  if (state == TRAWL_ITEM_FAILED)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "trawl-status-error");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "trawl-status-error");
    }

  /* Progress notifies a few times a second; the icon relays the list out
   * only when the state really changed. */
  if (g_strcmp0 (gtk_image_get_icon_name (self->state_icon), state_icon_name (state)) != 0)
    gtk_image_set_from_icon_name (self->state_icon, state_icon_name (state));
  if (!gtk_widget_has_css_class (GTK_WIDGET (self->state_icon), trawl_item_state_to_string (state)))
    gtk_widget_set_css_classes (GTK_WIDGET (self->state_icon),
                                (const char *[]) { "trawl-state-icon",
                                                   trawl_item_state_to_string (state), NULL });

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          state == TRAWL_ITEM_DOWNLOADING || state == TRAWL_ITEM_PAUSED ||
                          (state == TRAWL_ITEM_QUEUED && trawl_item_get_bytes (item) > 0));
  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   CLAMP ((double) trawl_item_get_bytes (item) / total, 0, 1));
  else if (state == TRAWL_ITEM_DOWNLOADING && trawl_item_get_bytes (item) > 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, 0);

  gtk_widget_set_visible (GTK_WIDGET (self->select_check), review);

  /* A video downloaded on another machine (aria2), or deleted since,
   * has nothing here to open. */
  on_disk = state == TRAWL_ITEM_DONE && trawl_item_get_path (item) != NULL &&
            g_file_test (trawl_item_get_path (item), G_FILE_TEST_EXISTS);

  gtk_widget_set_visible (GTK_WIDGET (self->pause_button),
                          !review && !trawl_item_is_finished (item) &&
                          state != TRAWL_ITEM_PAUSED);
  gtk_widget_set_visible (GTK_WIDGET (self->resume_button), state == TRAWL_ITEM_PAUSED);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button),
                          state == TRAWL_ITEM_FAILED || state == TRAWL_ITEM_CANCELLED);
  gtk_widget_set_visible (GTK_WIDGET (self->open_button), on_disk);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_button), on_disk);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button),
                          !review && !trawl_item_is_finished (item));
  gtk_widget_set_visible (GTK_WIDGET (self->remove_button), trawl_item_is_finished (item));
  gtk_widget_set_visible (GTK_WIDGET (self->details_button),
                          state == TRAWL_ITEM_FAILED && trawl_item_get_error (item) != NULL);

  /* The menu offers what the buttons do, and what has no button. */
  {
    struct { const char *action; gboolean enabled; } actions[] = {
      { "item.pause", !review && !trawl_item_is_finished (item) && state != TRAWL_ITEM_PAUSED },
      { "item.resume", state == TRAWL_ITEM_PAUSED },
      { "item.retry", state == TRAWL_ITEM_FAILED || state == TRAWL_ITEM_CANCELLED },
      { "item.download-again", state == TRAWL_ITEM_DONE },
      { "item.open", on_disk },
      { "item.show-in-folder", on_disk },
      { "item.cancel", !review && !trawl_item_is_finished (item) },
      { "item.remove", TRUE },
      { "item.details", state == TRAWL_ITEM_FAILED && trawl_item_get_error (item) != NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
      gtk_widget_action_set_enabled (GTK_WIDGET (self), actions[i].action, actions[i].enabled);
  }

  /* Translators: the title of a video, then its state and progress */
  description = g_strdup_printf (_("%s, %s"), title, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
  /* The list's own row is what a screen reader lands on: it reads as
   * the video, not as an unnamed list item. */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                    -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_words (state),
                                  -1);
}

/* The title, the state, and the status's full text (the reason of a
 * failure, or where a finished video is), as the item is when the pointer
 * rests on them. Asked for rather than set at every change: in GTK 4.8
 * setting a tooltip asks the X server where the pointer is, and rows change
 * all the time. */
static gboolean
query_tooltip_cb (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip,
                  TrawlItemRow *self)
{
  TrawlItem *item = self->item;
  TrawlItemState state;
  g_autofree char *text = NULL;

  if (item == NULL)
    return FALSE;

  state = trawl_item_get_state (item);
  if (widget == GTK_WIDGET (self->title_label))
    text = g_strdup (gtk_label_get_label (self->title_label));
  else if (widget == GTK_WIDGET (self->state_icon))
    text = g_strdup (state_words (state));
  else if (state == TRAWL_ITEM_FAILED)
    text = g_strdup (trawl_item_get_error (item) != NULL ? trawl_item_get_error (item)
                                                          : state_words (state));
  else if (state == TRAWL_ITEM_DONE && trawl_item_get_path (item) != NULL &&
           g_file_test (trawl_item_get_path (item), G_FILE_TEST_EXISTS))
    /* Not a path on this computer for a video aria2 downloaded. */
    text = g_strdup (trawl_item_get_path (item));

  if (text == NULL || *text == '\0')
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
item_notify_cb (TrawlItemRow *self,
                GParamSpec   *pspec,
                TrawlItem    *item)
{
  update (self);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_queue_pause (self->queue, self->item);
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_queue_resume (self->queue, self->item);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_queue_retry (self->queue, self->item);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_queue_cancel (self->queue, self->item);
}

/* Whether @item has part of itself on disk. Its bytes read 0 for a
 * moment after a resume, while the download reopens its .part. */
static gboolean
has_started (TrawlItem *item)
{
  g_autofree char *part = NULL;

  if (trawl_item_get_bytes (item) > 0)
    return TRUE;
  if (trawl_item_get_path (item) == NULL)
    return FALSE;
  part = g_strconcat (trawl_item_get_path (item), ".part", NULL);
  return g_file_test (part, G_FILE_TEST_EXISTS);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TrawlQueue       *queue)
{
  TrawlItem *item = g_object_get_data (G_OBJECT (dialog), "trawl-item");

  if (g_str_equal (response, "remove"))
    trawl_queue_remove (queue, item);
}

/**
 * trawl_item_row_remove:
 * @widget: a widget of the window @item is shown in
 *
 * Removes @item from the list; a video that has downloaded part of itself
 * loses that, so the user is asked first.
 */
void
trawl_item_row_remove (GtkWidget  *widget,
                       TrawlQueue *queue,
                       TrawlItem  *item)
{
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  g_autofree char *size = NULL;
  g_autofree char *body = NULL;

  if (trawl_item_is_finished (item) || !has_started (item))
    {
      trawl_queue_remove (queue, item);
      return;
    }

  heading = g_strdup_printf (_("Remove “%s”?"), trawl_item_get_title (item) != NULL
                                                  ? trawl_item_get_title (item)
                                                  : trawl_item_get_page_url (item));
  size = g_format_size (trawl_item_get_bytes (item));
  if (trawl_item_get_bytes (item) > 0)
    /* Translators: the size of what a video downloaded so far */
    body = g_strdup_printf (_("It stops, and what it downloaded so far (%s) is deleted."), size);
  else
    body = g_strdup (_("It stops, and what it downloaded so far is deleted."));
  dialog = trawl_remove_dialog_new (widget, heading, body);
  g_object_set_data_full (G_OBJECT (dialog), "trawl-item", g_object_ref (item), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), queue, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_item_row_remove (widget, self->queue, self->item);
}

static void
download_again_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    trawl_queue_download_again (self->queue, self->item);
}

/* The detail of a failure (the server's status, the error of the
 * system), under its words. */
static void
details_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item == NULL || trawl_item_get_error (self->item) == NULL)
    return;

  gtk_label_set_label (self->details_label, trawl_item_get_error (self->item));
  gtk_popover_popup (self->details);
  /* Selectable, to copy it, but not selected: it is there to be read. */
  gtk_label_select_region (self->details_label, 0, 0);
}

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                            trawl_item_get_page_url (self->item));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL && trawl_item_get_path (self->item) != NULL)
    trawl_open_file (widget, trawl_item_get_path (self->item));
}

static void
show_in_folder_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (widget);

  if (self->item != NULL && trawl_item_get_path (self->item) != NULL)
    trawl_show_in_folder (widget, trawl_item_get_path (self->item));
}

static void
row_right_click_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    TrawlItemRow    *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  trawl_item_row_popup_menu (self, x, y);
}

/* The keyboard goes back to the row the menu was opened on. */
static void
menu_closed_cb (TrawlItemRow *self)
{
  GtkWidget *list_row = gtk_widget_get_parent (GTK_WIDGET (self));

  if (list_row != NULL && gtk_widget_get_focusable (list_row))
    gtk_widget_grab_focus (list_row);
}

static void
trawl_item_row_dispose (GObject *object)
{
  TrawlItemRow *self = (TrawlItemRow *)object;

  if (self->item_bindings != NULL)
    g_binding_group_set_source (self->item_bindings, NULL);
  g_clear_object (&self->item_bindings);
  g_clear_object (&self->item_signals);
  g_clear_object (&self->board_signals);
  g_clear_object (&self->item);
  g_clear_object (&self->queue);
  if (self->thumbnails != NULL)
    g_signal_handlers_disconnect_by_data (self->thumbnails, self);
  g_clear_object (&self->thumbnails);
  /* Parented to its button by hand, so unparented by hand. */
  if (self->details != NULL && gtk_widget_get_parent (GTK_WIDGET (self->details)) != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->details));
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_ITEM_ROW);
  /* The template's unnamed boxes are children too. */
  while (gtk_widget_get_first_child (GTK_WIDGET (self)) != NULL)
    gtk_widget_unparent (gtk_widget_get_first_child (GTK_WIDGET (self)));

  G_OBJECT_CLASS (trawl_item_row_parent_class)->dispose (object);
}

static void
trawl_item_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_QUEUE:
      g_value_set_object (value, self->queue);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_item_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TrawlItemRow *self = TRAWL_ITEM_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      trawl_item_row_set_item (self, g_value_get_object (value));
      break;
    case PROP_QUEUE:
      g_set_object (&self->queue, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_item_row_class_init (TrawlItemRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = trawl_item_row_dispose;
  object_class->get_property = trawl_item_row_get_property;
  object_class->set_property = trawl_item_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, TRAWL_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUEUE] =
    g_param_spec_object ("queue", NULL, NULL, TRAWL_TYPE_QUEUE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/trawl/Trawl/trawl-item-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, select_check);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, thumbnail_frame);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, thumbnail_picture);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, duration_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, open_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, folder_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, row_menu);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, details_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, details);
  gtk_widget_class_bind_template_child (widget_class, TrawlItemRow, details_label);

  gtk_widget_class_install_action (widget_class, "item.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "item.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "item.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "item.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "item.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "item.download-again", NULL,
                                   download_again_action);
  gtk_widget_class_install_action (widget_class, "item.copy-address", NULL, copy_address_action);
  gtk_widget_class_install_action (widget_class, "item.details", NULL, details_action);
  gtk_widget_class_install_action (widget_class, "item.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "item.show-in-folder", NULL,
                                   show_in_folder_action);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
trawl_item_row_init (TrawlItemRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Progress reaches the item a few times a second (the queue's tick), so
   * redrawing on every notify stays cheap. */
  self->item_signals = g_signal_group_new (TRAWL_TYPE_ITEM);
  g_signal_group_connect_object (self->item_signals, "notify", G_CALLBACK (item_notify_cb), self,
                                 G_CONNECT_SWAPPED);
  self->board_signals = g_signal_group_new (TRAWL_TYPE_BOARD);
  g_signal_group_connect_object (self->board_signals, "notify::review",
                                 G_CALLBACK (item_notify_cb), self, G_CONNECT_SWAPPED);

  {
    GtkWidget *tipped[] = { GTK_WIDGET (self->title_label), GTK_WIDGET (self->status_label),
                            GTK_WIDGET (self->state_icon) };

    for (guint i = 0; i < G_N_ELEMENTS (tipped); i++)
      {
        gtk_widget_set_has_tooltip (tipped[i], TRUE);
        g_signal_connect (tipped[i], "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
      }
  }

  self->menu = GTK_POPOVER (gtk_popover_menu_new_from_model (G_MENU_MODEL (self->row_menu)));
  gtk_popover_set_has_arrow (self->menu, FALSE);
  gtk_widget_set_halign (GTK_WIDGET (self->menu), GTK_ALIGN_START);
  gtk_widget_set_parent (GTK_WIDGET (self->menu), GTK_WIDGET (self));
  g_signal_connect_object (self->menu, "closed", G_CALLBACK (menu_closed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_set_parent (GTK_WIDGET (self->details), GTK_WIDGET (self->details_button));

  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (row_right_click_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  }

  self->item_bindings = g_binding_group_new ();
  g_binding_group_bind (self->item_bindings, "selected", self->select_check, "active",
                        G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
}

GtkWidget *
trawl_item_row_new (TrawlQueue *queue)
{
  return g_object_new (TRAWL_TYPE_ITEM_ROW, "queue", queue, NULL);
}

TrawlItem *
trawl_item_row_get_item (TrawlItemRow *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM_ROW (self), NULL);
  return self->item;
}

/* "3:24", "1:02:03" */
static char *
format_duration (guint seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);
}

/* The cover, once it has come; a placeholder until then. */
static void
update_thumbnail (TrawlItemRow *self)
{
  TrawlItem *item = self->item;
  guint duration = item != NULL ? trawl_item_get_duration (item) : 0;
  gboolean shown = item != NULL && self->thumbnails != NULL &&
                   trawl_item_get_thumbnail (item) != NULL;

  gtk_widget_set_visible (self->thumbnail_frame, shown);
  if (!shown)
    {
      gtk_picture_set_paintable (self->thumbnail_picture, NULL);
      return;
    }

  gtk_picture_set_paintable (self->thumbnail_picture,
                             trawl_thumbnails_lookup (self->thumbnails, item));
  gtk_widget_set_visible (GTK_WIDGET (self->duration_label), duration > 0);
  if (duration > 0)
    {
      g_autofree char *text = format_duration (duration);

      gtk_label_set_label (self->duration_label, text);
    }
}

static void
thumbnail_ready_cb (TrawlItemRow *self,
                    const char   *url)
{
  if (self->item != NULL && g_strcmp0 (trawl_item_get_thumbnail (self->item), url) == 0)
    update_thumbnail (self);
}

/**
 * trawl_item_row_set_thumbnails:
 * @thumbnails: (nullable): where covers come from, or %NULL to show none
 */
void
trawl_item_row_set_thumbnails (TrawlItemRow    *self,
                               TrawlThumbnails *thumbnails)
{
  g_return_if_fail (TRAWL_IS_ITEM_ROW (self));

  if (self->thumbnails == thumbnails)
    return;

  if (self->thumbnails != NULL)
    g_signal_handlers_disconnect_by_data (self->thumbnails, self);
  g_set_object (&self->thumbnails, thumbnails);
  if (thumbnails != NULL)
    g_signal_connect_object (thumbnails, "ready", G_CALLBACK (thumbnail_ready_cb), self,
                             G_CONNECT_SWAPPED);
  update_thumbnail (self);
}

void
trawl_item_row_set_item (TrawlItemRow *self,
                         TrawlItem    *item)
{
  g_return_if_fail (TRAWL_IS_ITEM_ROW (self));

  if (!g_set_object (&self->item, item))
    return;

  g_signal_group_set_target (self->item_signals, item);
  g_signal_group_set_target (self->board_signals, item ? trawl_item_get_board (item) : NULL);
  g_binding_group_set_source (self->item_bindings, item);
  if (item != NULL)
    gtk_progress_bar_set_fraction (self->progress_bar, 0);
  update (self);
  update_thumbnail (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

/**
 * trawl_item_row_popup_menu:
 * @x: where to point, in the row's coordinates, or -1 for its start
 *
 * Opens the row's menu, as a right click or the Menu key does.
 */
void
trawl_item_row_popup_menu (TrawlItemRow *self,
                           double        x,
                           double        y)
{
  g_return_if_fail (TRAWL_IS_ITEM_ROW (self));

  if (self->item == NULL)
    return;

  /* At the pointer; from the keyboard, below the row. */
  if (x >= 0)
    gtk_popover_set_pointing_to (self->menu, &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  else
    gtk_popover_set_pointing_to (self->menu, NULL);
  gtk_popover_popup (self->menu);
}
