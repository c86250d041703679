#define G_LOG_DOMAIN "trawl-format"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-format.h"

/* "9 s left", "3 min left", "2 h 5 min left" */
char *
trawl_format_time_left (double seconds)
{
  guint64 s = (guint64) (seconds + 0.5);

  if (s < 60)
    return g_strdup_printf (_("%u s left"), (guint) s);
  if (s < 3600)
    return g_strdup_printf (_("%u min left"), (guint) ((s + 30) / 60));
  return g_strdup_printf (_("%u h %u min left"), (guint) (s / 3600), (guint) (s / 60 % 60));
}

/* "12.3 MB of 40.1 MB · 3.2 MB/s · 9 s left", with the parts that are known. */
char *
trawl_format_progress (guint64 bytes,
                       gint64  total,
                       double  speed)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *have = g_format_size (bytes);

  if (total > 0)
    {
      g_autofree char *of = g_format_size ((guint64) total);
      /* Translators: "12.3 MB of 40.1 MB" */
      g_string_append_printf (text, _("%s of %s"), have, of);
    }
  else
    g_string_append (text, have);

  /* Less than a byte a second is no speed: never "0 bytes/s". */
  if (speed >= 1)
    {
      g_autofree char *rate = g_format_size ((guint64) speed);

      /* Translators: a download speed, "3.2 MB/s" */
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%s/s"), rate);

      if (total > 0 && (guint64) total > bytes)
        {
          g_autofree char *left = trawl_format_time_left (((guint64) total - bytes) / speed);

          g_string_append (text, " · ");
          g_string_append (text, left);
        }
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * trawl_failure_words:
 *
 * Why a video or a board failed, in a user's words and today's language.
 *
 * Returns: (nullable): the words, or %NULL when only the message says it
 */
const char *
trawl_failure_words (TrawlFailure failure)
{
  switch (failure)
    {
    case TRAWL_FAILURE_UNREACHABLE:
      return _("The site could not be reached");
    case TRAWL_FAILURE_TIMED_OUT:
      return _("The site stopped answering");
    case TRAWL_FAILURE_CUT_OFF:
      return _("The download was cut off");
    case TRAWL_FAILURE_REFUSED:
      return _("The site refused to give this video");
    case TRAWL_FAILURE_SERVER:
      return _("The site had a problem; try again later");
    case TRAWL_FAILURE_NOT_MEDIA:
      return _("The site sent a web page instead of the video");
    case TRAWL_FAILURE_NO_MEDIA:
      return _("The video could not be found on its page");
    case TRAWL_FAILURE_STREAM:
      return _("This stream cannot be saved");
    case TRAWL_FAILURE_DISK_FULL:
      return _("The disk is full");
    case TRAWL_FAILURE_DISK:
      return _("The file could not be written");
    case TRAWL_FAILURE_UNSAFE:
      return _("Trawl does not follow this address");
    case TRAWL_FAILURE_GONE:
      return _("The video is no longer on the site");
    case TRAWL_FAILURE_NO_VIDEOS:
      return _("No videos were found on this page; the site needs a recipe");
    case TRAWL_FAILURE_NONE:
    case TRAWL_FAILURE_OTHER:
    default:
      return NULL;
    }
}

/* Setting a tooltip makes GTK 4.8 ask the display where the pointer is, a
 * round trip to the X server: rows updated at every change of their item
 * only set it when it changes. */
void
trawl_set_tooltip_text (GtkWidget  *widget,
                        const char *text)
{
  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/**
 * trawl_fix_button_names:
 * @widget: a window, or any widget holding buttons
 *
 * GTK 4.8 reads a button with a mnemonic label to a screen reader as its
 * label with the underscore, then the label again ("_Retry Failed Retry
 * Failed"): each button with a label of its own under @widget is named by
 * its label's text alone.
 */
void
trawl_fix_button_names (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    trawl_fix_button_names (child);

  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL &&
      GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (widget))))
    {
      GtkLabel *label = GTK_LABEL (gtk_button_get_child (GTK_BUTTON (widget)));

      gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget),
                                     GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gtk_label_get_text (label), -1);
    }
}
