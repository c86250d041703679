#define G_LOG_DOMAIN "trawl-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "trawl-aria2.h"
#include "trawl-batch-model.h"
#include "trawl-board-header.h"
#include "trawl-dialogs.h"
#include "trawl-format.h"
#include "trawl-item-row.h"
#include "trawl-preferences-window.h"
#include "trawl-progress.h"
#include "trawl-recipe-editor.h"
#include "trawl-uri.h"
#include "trawl-window.h"

/* The main window: a URL entry in the header bar and one list view of
 * every board and its videos: one section per board, its header then the
 * board's own list of items; the window keeps no copy of any download
 * state. */

#define SUMMARY_MS 500
/* At most this often for changes: each new text relays the window out,
 * which in GTK 4.8 asks the X server about the monitor several times. */
#define CHANGED_MS 100
/* Below this width the header keeps its room for the address box. */
#define NARROW_WIDTH 560
/* How long a board just added is followed as rows arrive above it. */
#define FOLLOW_MS 3000

struct _TrawlWindow
{
  AdwApplicationWindow  parent_instance;

  TrawlQueue           *queue;
  GSettings            *settings;
  GListStore           *sections;     /* one per board, in the boards' order */
  GtkFilterListModel   *shown;        /* the sections with something to show */
  GtkCustomFilter      *item_filter;  /* none while everything is shown */
  GtkCustomFilter      *section_filter;
  char                 *filter;       /* "all", "active", "failed" or "done" */
  char                 *search_key;   /* the search, casefolded, or NULL */
  GtkSingleSelection   *selection;
  TrawlThumbnails      *thumbnails;   /* NULL when covers are not shown */
  gboolean              narrow;       /* below NARROW_WIDTH: titles before covers */
  guint                 summary_source;
  guint                 changed_source;
  gint64                changed_at;

  GtkEntry             *url_entry;
  GtkSearchBar         *search_bar;
  GtkEditable          *search_entry;
  GtkWidget            *search_button;
  GtkRevealer          *filter_revealer;
  GtkLabel             *all_count;
  GtkLabel             *active_count;
  GtkLabel             *failed_count;
  GtkLabel             *done_count;
  GtkWidget            *pause_all_button;
  GtkWidget            *resume_all_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkListView          *list_view;
  GtkRevealer          *summary_revealer;
  GtkLabel             *summary_label;
  GtkProgressBar       *overall_progress;

  TrawlBoard           *followed;     /* scrolled to as rows arrive above it */
  gint64                follow_until;
  guint                 follow_source;
  gboolean              focus_selected; /* the keyboard goes to the new board */
  gboolean              tabbing;        /* the last key pressed was Tab */
  AdwToast             *last_toast;   /* the last message shown, until it goes */

  /* The board last removed with nothing left to do, until its toast goes. */
  TrawlBoard           *removed_board;
  AdwToast             *removed_toast;
  GPtrArray            *removed_items;
  guint                 removed_position;
};

G_DEFINE_FINAL_TYPE (TrawlWindow, trawl_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_QUEUE,
  PROP_SETTINGS,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A board's section: its header, then the board's items (those the crawl
 * finds reach the list view a page at a time). */
static GListModel *
section_new (TrawlWindow *self,
             TrawlBoard  *board)
{
  g_autoptr(GListStore) parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GListStore) header = g_list_store_new (TRAWL_TYPE_BOARD);
  g_autoptr(GtkFilterListModel) filtered = NULL;
  g_autoptr(GListModel) items = NULL;
  GListModel *section;

  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (board)),
                                        g_object_ref (GTK_FILTER (self->item_filter)));
  items = trawl_batch_model_new (G_LIST_MODEL (filtered));
  g_list_store_append (header, board);
  g_list_store_append (parts, header);
  g_list_store_append (parts, items);

  section = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&parts))));
  /* For the sections' filter and the board's position in the list. */
  g_object_set_data_full (G_OBJECT (section), "trawl-board", g_object_ref (board),
                          g_object_unref);
  g_object_set_data_full (G_OBJECT (section), "trawl-items", g_steal_pointer (&filtered),
                          g_object_unref);
  return section;
}

static gboolean
is_filtering (TrawlWindow *self)
{
  return !g_str_equal (self->filter, "all") || self->search_key != NULL;
}

static void
update_page (TrawlWindow *self)
{
  gboolean any = g_list_model_get_n_items (trawl_queue_get_boards (self->queue)) > 0;
  gboolean none_shown = g_list_model_get_n_items (G_LIST_MODEL (self->shown)) == 0;

  gtk_stack_set_visible_child_name (self->stack, !any ? "empty"
                                                 : none_shown && is_filtering (self) ? "no-match"
                                                 : "list");
  gtk_revealer_set_reveal_child (self->summary_revealer, any);
  gtk_revealer_set_reveal_child (self->filter_revealer, any);
}

static gboolean
matches_search (TrawlWindow *self,
                const char  *text)
{
  g_autofree char *folded = g_utf8_casefold (text != NULL ? text : "", -1);
  g_autofree char *key = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);

  return key != NULL && strstr (key, self->search_key) != NULL;
}

/* The filter and the search: an item shows when its state is of the
 * filter's kind and its title, or its board's, holds the search, in any
 * case. */
static gboolean
item_shown (gpointer object,
            gpointer user_data)
{
  TrawlWindow *self = user_data;
  TrawlItem *item = object;
  TrawlItemState state = trawl_item_get_state (item);
  gboolean shown;

  if (g_str_equal (self->filter, "active"))
    shown = !trawl_item_is_finished (item);
  else if (g_str_equal (self->filter, "failed"))
    shown = state == TRAWL_ITEM_FAILED;
  else if (g_str_equal (self->filter, "done"))
    shown = state == TRAWL_ITEM_DONE;
  else
    shown = TRUE;

  /* The video's title, or its board's. */
  if (shown && self->search_key != NULL)
    shown = matches_search (self, trawl_item_get_title (item)) ||
            matches_search (self, trawl_board_get_title (trawl_item_get_board (item)));

  return shown;
}

/* A board's heading shows while it has items to show, or, under Failed,
 * when the board itself could not be listed. */
static gboolean
section_shown (gpointer object,
               gpointer user_data)
{
  TrawlWindow *self = user_data;
  TrawlBoard *board = g_object_get_data (object, "trawl-board");
  GListModel *items = g_object_get_data (object, "trawl-items");

  if (!is_filtering (self) || g_list_model_get_n_items (items) > 0)
    return TRUE;

  return self->search_key == NULL && g_str_equal (self->filter, "failed") &&
         trawl_board_get_state (board) == TRAWL_BOARD_FAILED;
}

/* Asks every item and board again: the filter or the search changed, or
 * items changed state under a filter. */
static void
refilter (TrawlWindow *self)
{
  if (is_filtering (self))
    {
      gtk_custom_filter_set_filter_func (self->item_filter, item_shown, self, NULL);
      gtk_custom_filter_set_filter_func (self->section_filter, section_shown, self, NULL);
    }
  else
    {
      /* Without a function a filter matches everything, and the filter
       * models pass their models through untouched. */
      gtk_custom_filter_set_filter_func (self->item_filter, NULL, NULL, NULL);
      gtk_custom_filter_set_filter_func (self->section_filter, NULL, NULL, NULL);
    }
  update_page (self);
}

static void
search_changed_cb (TrawlWindow *self)
{
  const char *text = gtk_editable_get_text (self->search_entry);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search_key, g_free);
  if (*stripped != '\0')
    {
      g_autofree char *folded = g_utf8_casefold (stripped, -1);

      self->search_key = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
    }
  refilter (self);
  /* The first match in view, wherever the list was. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", 0);
}

/* A search put away is a search no more. */
static void
search_mode_cb (TrawlWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (self->search_entry, "");
}

static void
set_filter (TrawlWindow *self,
            const char  *filter)
{
  if (filter == NULL || (!g_str_equal (filter, "all") && !g_str_equal (filter, "active") &&
                         !g_str_equal (filter, "failed") && !g_str_equal (filter, "done")))
    filter = "all";
  if (self->filter != NULL && g_str_equal (self->filter, filter))
    return;

  g_free (self->filter);
  self->filter = g_strdup (filter);
  if (self->item_filter != NULL)
    refilter (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

static void
show_all_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  set_filter (self, "all");
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
boards_changed_cb (TrawlWindow *self,
                   guint        position,
                   guint        removed,
                   guint        added,
                   GListModel  *boards)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, position + i);
      g_ptr_array_add (fresh, section_new (self, board));
    }

  g_list_store_splice (self->sections, position, removed, fresh->pdata, fresh->len);
  update_page (self);
}

/* How many items are in each state (the queue keeps the counts), and
 * how far they have come all together: the summary and the actions'
 * sensitivity. */
typedef struct
{
  guint         n_items;
  guint         in_state[TRAWL_ITEM_CANCELLED + 1];
  guint         failed_boards;  /* whose listing failed */
  TrawlProgress progress;
} Tally;

static guint
count_failed_boards (TrawlWindow *self)
{
  GListModel *boards = trawl_queue_get_boards (self->queue);
  guint failed = 0;

  for (guint i = 0; i < g_list_model_get_n_items (boards); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i);

      failed += trawl_board_get_state (board) == TRAWL_BOARD_FAILED;
    }

  return failed;
}

static void
tally_items (TrawlWindow *self,
             Tally       *tally)
{
  memset (tally, 0, sizeof *tally);
  tally->n_items = g_list_model_get_n_items (G_LIST_MODEL (self->queue));
  for (guint state = 0; state < G_N_ELEMENTS (tally->in_state); state++)
    tally->in_state[state] = trawl_queue_count_state (self->queue, state);
  tally->failed_boards = count_failed_boards (self);

  /* A walk over every item, twice a second: 2,000 items take 0.1 ms. */
  if (tally->in_state[TRAWL_ITEM_DOWNLOADING] > 0)
    trawl_progress_add_items (&tally->progress, G_LIST_MODEL (self->queue));
}

static char *
summary_text (TrawlWindow *self,
              const Tally *tally)
{
  TrawlBackend *backend = trawl_queue_get_backend (self->queue);
  guint done = tally->in_state[TRAWL_ITEM_DONE];
  guint failed = tally->in_state[TRAWL_ITEM_FAILED];
  guint active = tally->in_state[TRAWL_ITEM_DOWNLOADING];
  guint paused = tally->in_state[TRAWL_ITEM_PAUSED];
  g_autoptr(GString) text = g_string_new (NULL);

  /* Translators: "3 of 36 done" */
  g_string_append_printf (text, _("%u of %u done"), done, tally->n_items);
  if (failed > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed",
                                                 failed), failed);
    }
  if (tally->failed_boards > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u board failed",
                                                 "%u boards failed", tally->failed_boards),
                              tally->failed_boards);
    }
  if (active > 0)
    {
      /* "45 MB of 120 MB · 3.2 MB/s · 2 min left", once any of it is known. */
      g_autofree char *progress = trawl_progress_text (&tally->progress);

      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u downloading",
                                                 "%u downloading", active), active);
      if (progress != NULL)
        {
          g_string_append (text, " · ");
          g_string_append (text, progress);
        }
    }
  if (paused > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u paused", "%u paused",
                                                 paused), paused);
    }
  /* Downloads on another machine: the window looks the same otherwise. */
  if (TRAWL_IS_ARIA2 (backend))
    {
      g_autofree char *name = trawl_backend_get_name (backend);

      g_string_append (text, " · ");
      /* Translators: where the videos are downloaded, "via aria2 at nas.local" */
      g_string_append_printf (text, _("via %s"), name);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
trawl_window_get_summary (TrawlWindow *self)
{
  Tally tally;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);

  tally_items (self, &tally);
  return summary_text (self, &tally);
}

static void
update_summary (TrawlWindow *self,
                const Tally *tally)
{
  g_autofree char *summary = summary_text (self, tally);
  double fraction = trawl_progress_fraction (&tally->progress);

  gtk_label_set_label (self->summary_label, summary);
  /* A narrow window cuts the line: the whole of it is a hover away. */
  trawl_set_tooltip_text (GTK_WIDGET (self->summary_label), summary);
  gtk_widget_set_visible (GTK_WIDGET (self->overall_progress),
                          tally->progress.downloading > 0 && fraction >= 0);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->overall_progress, fraction);
}

/* The count on a filter's button, and what a screen reader says of the
 * button: "Show failed, 5 videos" (@spoken, with the count's %u). */
static void
set_count (GtkLabel   *label,
           const char *spoken,
           guint       count)
{
  g_autofree char *text = g_strdup_printf ("%u", count);
  g_autofree char *said = g_strdup_printf (spoken, count);
  GtkWidget *button = gtk_widget_get_ancestor (GTK_WIDGET (label), GTK_TYPE_TOGGLE_BUTTON);

  if (g_str_equal (gtk_label_get_label (label), text))
    return;
  gtk_label_set_label (label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, said,
                                  -1);
}

/* The filters' counts. */
static void
update_counts (TrawlWindow *self,
               const Tally *tally)
{
  guint done = tally->in_state[TRAWL_ITEM_DONE];
  guint failed = tally->in_state[TRAWL_ITEM_FAILED];
  guint cancelled = tally->in_state[TRAWL_ITEM_CANCELLED];
  guint active = tally->n_items - done - failed - cancelled;

  set_count (self->all_count, g_dngettext (GETTEXT_PACKAGE, "Show all, %u video",
                                           "Show all, %u videos", tally->n_items),
             tally->n_items);
  set_count (self->active_count, g_dngettext (GETTEXT_PACKAGE, "Show active, %u video",
                                              "Show active, %u videos", active),
             active);
  /* The Failed filter shows boards whose listing failed too. */
  set_count (self->failed_count, g_dngettext (GETTEXT_PACKAGE, "Show failed, %u video or board",
                                              "Show failed, %u videos and boards",
                                              failed + tally->failed_boards),
             failed + tally->failed_boards);
  set_count (self->done_count, g_dngettext (GETTEXT_PACKAGE, "Show done, %u video",
                                            "Show done, %u videos", done),
             done);
}

static gboolean
summary_tick (gpointer user_data)
{
  TrawlWindow *self = user_data;
  Tally tally;

  tally_items (self, &tally);
  update_summary (self, &tally);

  if (!trawl_queue_is_busy (self->queue))
    {
      self->summary_source = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* The summary is redrawn twice a second while anything runs, and at
 * once when something changes state: once for all the changes of a main
 * loop iteration (a page of found items, a batch of finished downloads),
 * and in a stream of changes ten times a second. */
static gboolean
queue_changed_idle (gpointer user_data)
{
  TrawlWindow *self = user_data;
  Tally tally;

  self->changed_source = 0;
  self->changed_at = g_get_monotonic_time ();

  tally_items (self, &tally);
  update_summary (self, &tally);
  update_counts (self, &tally);
  /* Items that changed state may leave the filter or join it. */
  if (is_filtering (self))
    refilter (self);
  if (self->summary_source == 0 && trawl_queue_is_busy (self->queue))
    self->summary_source = g_timeout_add (SUMMARY_MS, summary_tick, self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pause-all",
                                 tally.in_state[TRAWL_ITEM_PENDING] +
                                 tally.in_state[TRAWL_ITEM_RESOLVING] +
                                 tally.in_state[TRAWL_ITEM_QUEUED] +
                                 tally.in_state[TRAWL_ITEM_DOWNLOADING] > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume-all",
                                 tally.in_state[TRAWL_ITEM_PAUSED] > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-failed",
                                 tally.in_state[TRAWL_ITEM_FAILED] > 0 ||
                                 tally.failed_boards > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished",
                                 tally.in_state[TRAWL_ITEM_DONE] +
                                 tally.in_state[TRAWL_ITEM_CANCELLED] > 0);

  return G_SOURCE_REMOVE;
}

static void
queue_changed_cb (TrawlWindow *self)
{
  gint64 wait_us = self->changed_at + CHANGED_MS * 1000 - g_get_monotonic_time ();

  if (self->changed_source != 0)
    return;

  if (wait_us <= 0)
    self->changed_source = g_idle_add_full (G_PRIORITY_DEFAULT, queue_changed_idle, self, NULL);
  else
    self->changed_source = g_timeout_add ((guint) (wait_us / 1000) + 1, queue_changed_idle, self);
}

static TrawlBoard *
find_board (TrawlWindow *self,
            const char  *url)
{
  GListModel *boards = trawl_queue_get_boards (self->queue);

  for (guint i = 0; i < g_list_model_get_n_items (boards); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i);

      if (g_str_equal (trawl_board_get_url (board), url))
        return board;
    }

  return NULL;
}

static guint board_position (TrawlWindow *self,
                             TrawlBoard  *board);

/* Rows still arriving above a board just scrolled to push it down: the
 * list follows it for a moment. */
static gboolean
follow_idle (gpointer user_data)
{
  TrawlWindow *self = user_data;

  self->follow_source = 0;
  guint position = self->followed != NULL ? board_position (self, self->followed) : G_MAXUINT;

  /* Only the scrolling: the selection is the user's once they act. */
  if (position != G_MAXUINT && g_get_monotonic_time () < self->follow_until)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                                position);
  else
    g_clear_object (&self->followed);

  return G_SOURCE_REMOVE;
}

/* Where a row's covers come from: none in a narrow window, where the
 * titles need the room. */
static TrawlThumbnails *
row_thumbnails (TrawlWindow *self)
{
  return self->narrow ? NULL : self->thumbnails;
}

/* The rows on screen now; the others as they are bound. */
static void
update_row_thumbnails (TrawlWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && TRAWL_IS_ITEM_ROW (row))
        trawl_item_row_set_thumbnails (TRAWL_ITEM_ROW (row), row_thumbnails (self));
    }
}

/* Covers are fetched for the rows on screen, unless the user said no. */
static void
show_thumbnails_cb (TrawlWindow *self)
{
  gboolean show = g_settings_get_boolean (self->settings, "show-thumbnails");

  if (show == (self->thumbnails != NULL))
    return;

  if (show)
    {
      g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "trawl", "thumbnails",
                                                 NULL);

      self->thumbnails = trawl_thumbnails_new (self->queue, cache);
    }
  else
    g_clear_object (&self->thumbnails);

  update_row_thumbnails (self);
}

/* Not from within the change: the list view has not seen it yet. */
static void
rows_changed_cb (TrawlWindow *self)
{
  if (self->followed != NULL && self->follow_source == 0)
    self->follow_source = g_idle_add (follow_idle, self);
}

/* The position of @board's heading in the list, or G_MAXUINT when it is
 * not shown. */
static guint
board_position (TrawlWindow *self,
                TrawlBoard  *board)
{
  GListModel *shown = G_LIST_MODEL (self->shown);
  guint position = 0;

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(GListModel) section = g_list_model_get_item (shown, i);

      if (g_object_get_data (G_OBJECT (section), "trawl-board") == board)
        return position;
      position += g_list_model_get_n_items (section);
    }

  return G_MAXUINT;
}

/* Selects @board's heading and scrolls the list to it; the list then
 * follows it for a moment, until the user does something. */
static void
scroll_to_board (TrawlWindow *self,
                 TrawlBoard  *board)
{
  guint position = board_position (self, board);

  /* Hidden by the filter or the search: everything is shown again. */
  if (position == G_MAXUINT && is_filtering (self))
    {
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      set_filter (self, "all");
      position = board_position (self, board);
    }
  if (position == G_MAXUINT)
    return;

  g_set_object (&self->followed, board);
  self->follow_until = g_get_monotonic_time () + FOLLOW_MS * 1000;
  gtk_single_selection_set_selected (self->selection, position);
  self->focus_selected = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}
void
trawl_window_show_toast (TrawlWindow *self,
                         const char  *message)
{
  AdwToast *toast;

  g_return_if_fail (TRAWL_IS_WINDOW (self));

  /* A new message replaces the last one at once: libadwaita 1.2 queues
   * toasts, and the second "not an address" would wait five seconds. */
  if (self->last_toast != NULL)
    adw_toast_dismiss (self->last_toast);
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Whether @text (an address typed without its scheme) starts with a
 * host name a person would type: one with a dot, localhost, or an IPv6
 * literal in brackets. */
static gboolean
looks_like_host (const char *text)
{
  gsize length = strcspn (text, "/?#");
  g_autofree char *host = g_strndup (text, length);
  char *port = host[0] == '[' ? NULL : strrchr (host, ':');

  if (port != NULL)
    *port = '\0';
  if (host[0] == '[')
    return strchr (host, ']') != NULL;
  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         (strchr (host, '.') != NULL && host[0] != '.' && strchr (host, ' ') == NULL);
}

/**
 * trawl_window_add_board:
 * @text: what the user pasted or typed
 * @recipe: (nullable): a recipe to force, or %NULL to pick by URL
 *
 * Returns: (transfer none) (nullable): the new board, or %NULL (the user is
 *   told why in a toast)
 */
TrawlBoard *
trawl_window_add_board (TrawlWindow *self,
                        const char  *text,
                        const char  *recipe)
{
  g_autofree char *url = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GError) error = NULL;
  TrawlBoard *board;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);

  url = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*url == '\0')
    return NULL;

  /* A bare "www.example.com/…" is what many people copy; a word without
   * a dot ("asdf") is no address, whatever a scheme in front would make
   * of it. */
  if (strstr (url, "://") == NULL)
    {
      char *with_scheme = g_strconcat ("https://", url, NULL);
      g_free (url);
      url = with_scheme;
      if (!looks_like_host (url + strlen ("https://")))
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a web address Trawl can read"),
                                                      text);
          trawl_window_show_toast (self, message);
          return NULL;
        }
    }

  if (!trawl_uri_is_fetchable (url, &error))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a web address Trawl can read"),
                                                  text);
      trawl_window_show_toast (self, message);
      return NULL;
    }

  board = find_board (self, url);
  if (board != NULL)
    {
      /* Pasted again after it failed: the user wants it tried again. */
      if (trawl_board_get_state (board) != TRAWL_BOARD_CRAWLING &&
          (trawl_board_get_error (board) != NULL || trawl_board_get_n_failed (board) > 0))
        {
          trawl_queue_retry_board (self->queue, board);
          trawl_window_show_toast (self, _("Trying the board again"));
        }
      else
        trawl_window_show_toast (self, _("This board is already in the list"));
      scroll_to_board (self, board);
      return NULL;
    }

  folder = trawl_preferences_download_folder (self->settings);
  board = trawl_queue_add_board_full (self->queue, url, recipe, folder,
                                      g_settings_get_boolean (self->settings, "folder-per-board")
                                        ? TRAWL_ADD_BOARD_OWN_FOLDER : TRAWL_ADD_BOARD_NONE,
                                      &error);
  if (board == NULL)
    {
      trawl_window_show_toast (self, error->message);
      return NULL;
    }

  /* Wherever the list was scrolled, the new board shows. */
  scroll_to_board (self, board);
  return board;
}

static void
add_board_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);

  if (trawl_window_add_board (self, g_variant_get_string (parameter, NULL), NULL) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->url_entry), "");
}

static void
url_entry_activate_cb (TrawlWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));

  gtk_widget_activate_action (GTK_WIDGET (self), "win.add-board", "s", text);
}

static void
url_entry_icon_release_cb (TrawlWindow          *self,
                           GtkEntryIconPosition  position)
{
  if (position == GTK_ENTRY_ICON_SECONDARY)
    url_entry_activate_cb (self);
}

static void add_pasted (TrawlWindow *self,
                        const char  *text);

static void
paste_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TrawlWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);

  if (text == NULL)
    {
      trawl_window_show_toast (self, _("There is no address on the clipboard"));
      return;
    }

  add_pasted (self, text);
}

/* Several lines pasted at once: one board each. */
static void
add_pasted (TrawlWindow *self,
            const char  *text)
{
  g_auto(GStrv) lines = g_strsplit_set (text, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      gtk_widget_activate_action (GTK_WIDGET (self), "win.add-board", "s", lines[i]);
}

static gboolean
is_addresses (const char *text)
{
  g_auto(GStrv) lines = g_strsplit_set (text, "\r\n", -1);
  gboolean any = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line == '\0')
        continue;
      if (strstr (line, "://") == NULL && !looks_like_host (line))
        return FALSE;
      any = TRUE;
    }

  return any;
}

static void
entry_paste_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TrawlWindow) self = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);

  if (text == NULL)
    return;
  if (is_addresses (text))
    add_pasted (self, text);
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->url_entry), text);
      gtk_editable_set_position (GTK_EDITABLE (self->url_entry), -1);
    }
}

/* Ctrl+V in the empty address box adds the copied board at once, as the
 * empty page says (the box has the keyboard at start); other text, or
 * text added to what is typed, is pasted as text. */
static gboolean
entry_paste_shortcut_cb (GtkWidget *widget,
                         GVariant  *args,
                         gpointer   user_data)
{
  TrawlWindow *self = TRAWL_WINDOW (user_data);

  if (*gtk_editable_get_text (GTK_EDITABLE (self->url_entry)) != '\0')
    return FALSE;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, entry_paste_cb,
                                 g_object_ref (self));
  return TRUE;
}

static void
paste_board_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, paste_cb,
                                 g_object_ref (widget));
}

static void
focus_entry_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

static void
pause_all_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  trawl_queue_pause_all (TRAWL_WINDOW (widget)->queue);
}

static void
resume_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  trawl_queue_resume_all (TRAWL_WINDOW (widget)->queue);
}

/* The failed videos, and the boards whose listing failed. */
static void
retry_failed_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  GListModel *boards = trawl_queue_get_boards (self->queue);

  trawl_queue_retry_failed (self->queue);
  for (guint i = 0; i < g_list_model_get_n_items (boards); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i);

      if (trawl_board_get_state (board) == TRAWL_BOARD_FAILED)
        trawl_queue_retry_board (self->queue, board);
    }
}

static void
clear_finished_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  GListModel *items = G_LIST_MODEL (self->queue);
  GListModel *boards = trawl_queue_get_boards (self->queue);

  for (guint i = g_list_model_get_n_items (items); i > 0; i--)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i - 1);

      if (trawl_item_get_state (item) == TRAWL_ITEM_DONE ||
          trawl_item_get_state (item) == TRAWL_ITEM_CANCELLED)
        trawl_queue_remove (self->queue, item);
    }

  /* Boards with nothing left to show go too; one whose listing failed
   * is not finished, and stays to be retried (helper's review). */
  for (guint i = g_list_model_get_n_items (boards); i > 0; i--)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i - 1);
      guint done, failed, active;

      trawl_queue_get_board_counts (self->queue, board, &done, &failed, &active);
      if (trawl_board_get_state (board) != TRAWL_BOARD_CRAWLING && failed + active == 0 &&
          trawl_board_get_error (board) == NULL)
        trawl_queue_remove_board (self->queue, board);
    }
}

/* What the list's keys act on: the row with the keyboard focus, as the
 * focus ring shows it, else the selected one. After a row is removed
 * the focus moves to the next row while nothing is selected (fresh-eyes
 * review: Delete and Menu then did nothing). */
static gpointer
key_target (TrawlWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (gtk_widget_get_parent (w) == GTK_WIDGET (self->list_view))
      {
        GtkWidget *child = gtk_widget_get_first_child (w);

        if (TRAWL_IS_ITEM_ROW (child))
          return trawl_item_row_get_item (TRAWL_ITEM_ROW (child));
        if (TRAWL_IS_BOARD_HEADER (child))
          return trawl_board_header_get_board (TRAWL_BOARD_HEADER (child));
        break;
      }

  return gtk_single_selection_get_selected_item (self->selection);
}

static TrawlItem *
selected_item (TrawlWindow *self)
{
  gpointer selected = key_target (self);

  return TRAWL_IS_ITEM (selected) ? selected : NULL;
}

static void
toggle_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  TrawlItem *item = selected_item (self);
  gpointer selected = key_target (self);

  /* On a heading: the whole board, paused while any of it runs. */
  if (TRAWL_IS_BOARD (selected))
    {
      TrawlBoard *board = selected;

      if (trawl_board_get_n_active (board) > trawl_board_count_state (board, TRAWL_ITEM_PAUSED))
        trawl_queue_pause_board (self->queue, board);
      else
        trawl_queue_resume_board (self->queue, board);
      return;
    }

  if (item == NULL)
    return;

  if (trawl_item_get_state (item) == TRAWL_ITEM_PAUSED)
    trawl_queue_resume (self->queue, item);
  else
    trawl_queue_pause (self->queue, item);
}

static void
forget_removed (TrawlWindow *self)
{
  g_clear_object (&self->removed_board);
  g_clear_pointer (&self->removed_items, g_ptr_array_unref);
}

static void
removed_toast_dismissed_cb (AdwToast    *toast,
                            TrawlWindow *self)
{
  if (g_object_get_data (G_OBJECT (toast), "trawl-board") == self->removed_board)
    forget_removed (self);
}

static void
undo_remove_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);

  if (self->removed_board == NULL)
    return;

  trawl_queue_put_back_board (self->queue, self->removed_board, self->removed_position,
                              self->removed_items);
  forget_removed (self);
}

static const char *
board_name (TrawlBoard *board)
{
  const char *title = trawl_board_get_title (board);

  return title != NULL && *title != '\0' ? title : trawl_board_get_url (board);
}

/* Removes @board at once; with nothing left to do, it can come back. */
static void
remove_board_now (TrawlWindow *self,
                  TrawlBoard  *board)
{
  g_autoptr(TrawlBoard) kept = g_object_ref (board);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *message = NULL;
  gboolean undoable = trawl_board_get_state (board) != TRAWL_BOARD_CRAWLING &&
                      trawl_board_get_n_active (board) == 0;
  AdwToast *toast;
  guint position = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (board)); i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (board), i));
  g_list_store_find (G_LIST_STORE (trawl_queue_get_boards (self->queue)), board, &position);
  trawl_queue_remove_board (self->queue, board);

  /* Translators: a board was removed from the list; its title follows */
  message = g_strdup_printf (_("“%s” removed"), board_name (kept));
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  if (undoable)
    {
      /* One Undo at a time: the last toast's would put back this board. */
      if (self->removed_toast != NULL)
        adw_toast_dismiss (self->removed_toast);
      forget_removed (self);
      g_set_weak_pointer (&self->removed_toast, toast);
      self->removed_board = g_steal_pointer (&kept);
      self->removed_items = g_steal_pointer (&items);
      self->removed_position = position;
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "win.undo-remove");
      g_object_set_data (G_OBJECT (toast), "trawl-board", self->removed_board);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (removed_toast_dismissed_cb), self,
                               0);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
remove_board_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          TrawlWindow      *self)
{
  TrawlBoard *board = g_object_get_data (G_OBJECT (dialog), "trawl-board");

  if (g_str_equal (response, "remove") && trawl_queue_has_board (self->queue, board))
    remove_board_now (self, board);
}

/* A board still at work is removed only once the user says so: its
 * unfinished downloads stop and their partial files go. */
static void
remove_board (TrawlWindow *self,
              TrawlBoard  *board)
{
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  guint active = trawl_board_get_n_active (board);

  if (trawl_board_get_state (board) != TRAWL_BOARD_CRAWLING && active == 0)
    {
      remove_board_now (self, board);
      return;
    }

  heading = g_strdup_printf (_("Remove “%s”?"), board_name (board));
  if (active > 0)
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u video is not downloaded yet: it stops, and what "
                                         "it downloaded so far is deleted. Videos already "
                                         "downloaded stay in their folder.",
                                         "%u videos are not downloaded yet: they stop, and "
                                         "what they downloaded so far is deleted. Videos "
                                         "already downloaded stay in their folder.",
                                         active), active);
  else
    body = g_strdup (_("Trawl is still looking for its videos. Videos already downloaded stay "
                       "in their folder."));
  dialog = trawl_remove_dialog_new (GTK_WIDGET (self), heading, body);
  g_object_set_data_full (G_OBJECT (dialog), "trawl-board", g_object_ref (board), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_board_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_board_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  TrawlBoard *board = find_board (self, g_variant_get_string (parameter, NULL));

  if (board != NULL)
    remove_board (self, board);
}

/* The recipe's own text, as its file (or the built-in resource) holds it. */
static char *
recipe_text (TrawlRecipe *recipe)
{
  const char *origin = trawl_recipe_get_origin (recipe);
  g_autoptr(GFile) file = g_str_has_prefix (origin, "resource://") ? g_file_new_for_uri (origin)
                                                                    : g_file_new_for_path (origin);
  char *data = NULL;

  if (!g_file_load_contents (file, NULL, &data, NULL, NULL, NULL))
    return NULL;
  return data;
}

/**
 * trawl_window_edit_recipe:
 * @board: (nullable): the board to teach, or %NULL for a new recipe
 *
 * Opens the recipe editor: on the recipe that reads @board, or, when none
 * does, on a recipe suggested from its pages; blank without a board.
 *
 * Returns: (transfer none): the editor
 */
TrawlRecipeEditor *
trawl_window_edit_recipe (TrawlWindow *self,
                          TrawlBoard  *board)
{
  TrawlRecipeEditor *editor;
  TrawlRecipe *recipe = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);

  editor = trawl_recipe_editor_new (GTK_WINDOW (self), self->queue);
  if (board != NULL && trawl_board_get_recipe (board) != NULL)
    recipe = trawl_recipe_set_lookup (trawl_queue_get_recipes (self->queue),
                                      trawl_board_get_recipe (board));
  if (recipe != NULL)
    text = recipe_text (recipe);
  /* As it is: nothing to save until it is changed (saving a built-in one
   * makes it the user's). */
  if (text != NULL)
    trawl_recipe_editor_set_text (editor, text, TRUE);
  if (board != NULL)
    trawl_recipe_editor_set_board (editor, board);
  if (board != NULL && text == NULL)
    trawl_recipe_editor_suggest (editor);
  gtk_window_present (GTK_WINDOW (editor));
  return editor;
}

static void
edit_recipe_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  const char *url = g_variant_get_string (parameter, NULL);
  TrawlBoard *board = *url != '\0' ? find_board (self, url) : NULL;

  trawl_window_edit_recipe (self, board);
}

/**
 * trawl_window_open_recipe:
 *
 * Opens the recipe file @file in the editor (a file opened from the file
 * manager, or dropped on the window).
 */
void
trawl_window_open_recipe (TrawlWindow *self,
                          GFile       *file)
{
  TrawlRecipeEditor *editor;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TRAWL_IS_WINDOW (self));

  editor = trawl_recipe_editor_new (GTK_WINDOW (self), self->queue);
  if (!trawl_recipe_editor_load_file (editor, file, &error))
    {
      trawl_window_show_toast (self, error->message);
      gtk_window_destroy (GTK_WINDOW (editor));
      return;
    }
  gtk_window_present (GTK_WINDOW (editor));
}

static gboolean
is_recipe_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  return name != NULL && g_str_has_suffix (name, ".recipe");
}

static void
remove_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  TrawlItem *item = selected_item (self);
  gpointer selected = key_target (self);

  if (item != NULL)
    trawl_item_row_remove (widget, self->queue, item);
  else if (TRAWL_IS_BOARD (selected))
    remove_board (self, selected);
}

static gboolean
is_selected_row (GtkWidget *widget,
                 gpointer   selected)
{
  return (TRAWL_IS_ITEM_ROW (widget) &&
          trawl_item_row_get_item (TRAWL_ITEM_ROW (widget)) == selected) ||
         (TRAWL_IS_BOARD_HEADER (widget) &&
          trawl_board_header_get_board (TRAWL_BOARD_HEADER (widget)) == selected);
}

/* The widget that shows @selected, among the list's rows on screen. */
static GtkWidget *
row_widget (TrawlWindow *self,
            gpointer     selected)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);

      if (child != NULL && is_selected_row (child, selected))
        return child;
    }

  return NULL;
}

static void
row_menu_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TrawlWindow *self = TRAWL_WINDOW (widget);
  gpointer selected = key_target (self);
  GtkWidget *row = selected != NULL ? row_widget (self, selected) : NULL;

  if (TRAWL_IS_ITEM_ROW (row))
    trawl_item_row_popup_menu (TRAWL_ITEM_ROW (row), -1, -1);
  else if (TRAWL_IS_BOARD_HEADER (row))
    trawl_board_header_popup_menu (TRAWL_BOARD_HEADER (row));
}

/* Tab into the list lands on the board just added and selected, not on
 * the row the list last had the focus on, wherever that is now. Only
 * Tab: a click chose its row. */
static gboolean
focus_selected_idle (gpointer user_data)
{
  g_autoptr(TrawlWindow) self = user_data;
  gpointer selected = gtk_single_selection_get_selected_item (self->selection);
  GtkWidget *row = selected != NULL ? row_widget (self, selected) : NULL;

  if (row != NULL)
    gtk_widget_grab_focus (gtk_widget_get_parent (row));

  return G_SOURCE_REMOVE;
}

/* After GTK's own focus change, which goes to the list's last row. */
static void
list_focus_enter_cb (TrawlWindow *self)
{
  if (!self->focus_selected || !self->tabbing)
    return;
  self->focus_selected = FALSE;
  g_idle_add (focus_selected_idle, g_object_ref (self));
}

/* The user acts: the list no longer follows a new board for them. */
static void
pointer_pressed_cb (TrawlWindow *self)
{
  self->focus_selected = FALSE;
  g_clear_object (&self->followed);
}

static gboolean
key_pressed_cb (TrawlWindow     *self,
                guint            keyval,
                guint            keycode,
                GdkModifierType  state)
{
  self->tabbing = keyval == GDK_KEY_Tab || keyval == GDK_KEY_ISO_Left_Tab ||
                  keyval == GDK_KEY_KP_Tab;
  if (!self->tabbing)
    g_clear_object (&self->followed);
  return GDK_EVENT_PROPAGATE;
}

/* GTK 4.8's list view moves Tab from row to row: 500 presses past a long
 * board. Tab leaves the list instead; the arrows move within it. */
static gboolean
list_tab_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  TrawlWindow *self = TRAWL_WINDOW (user_data);
  GtkDirectionType direction = g_variant_get_boolean (args) ? GTK_DIR_TAB_BACKWARD
                                                            : GTK_DIR_TAB_FORWARD;
  gboolean moved;

  gtk_widget_set_can_focus (GTK_WIDGET (self->list_view), FALSE);
  moved = gtk_widget_child_focus (GTK_WIDGET (self), direction);
  gtk_widget_set_can_focus (GTK_WIDGET (self->list_view), TRUE);

  return moved;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TrawlWindow              *self)
{
}

/* A row shows a board's header or a video; the widget is kept when the
 * recycled row shows the same kind of thing again. */
static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             TrawlWindow              *self)
{
  gpointer object = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);

  if (TRAWL_IS_BOARD (object))
    {
      if (!TRAWL_IS_BOARD_HEADER (child))
        {
          child = trawl_board_header_new (self->queue);
          gtk_list_item_set_child (list_item, child);
        }
      trawl_board_header_set_board (TRAWL_BOARD_HEADER (child), object);
      gtk_list_item_set_activatable (list_item, FALSE);
    }
  else
    {
      if (!TRAWL_IS_ITEM_ROW (child))
        {
          child = trawl_item_row_new (self->queue);
          gtk_list_item_set_child (list_item, child);
        }
      trawl_item_row_set_thumbnails (TRAWL_ITEM_ROW (child), row_thumbnails (self));
      trawl_item_row_set_item (TRAWL_ITEM_ROW (child), object);
    }
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               TrawlWindow              *self)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);

  if (TRAWL_IS_ITEM_ROW (child))
    trawl_item_row_set_item (TRAWL_ITEM_ROW (child), NULL);
  else if (TRAWL_IS_BOARD_HEADER (child))
    trawl_board_header_set_board (TRAWL_BOARD_HEADER (child), NULL);
}

static gboolean
drop_cb (TrawlWindow  *self,
         const GValue *value,
         double        x,
         double        y)
{
  const char *text;
  g_auto(GStrv) lines = NULL;
  gboolean any = FALSE;

  /* Files: recipes open in the editor, anything else is a board. */
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = gdk_file_list_get_files (g_value_get_boxed (value)); l != NULL;
           l = l->next)
        {
          g_autofree char *uri = NULL;

          if (is_recipe_file (l->data))
            {
              trawl_window_open_recipe (self, l->data);
              any = TRUE;
              continue;
            }
          uri = g_file_get_uri (l->data);
          any |= trawl_window_add_board (self, uri, NULL) != NULL;
        }
      return any;
    }

  if (!G_VALUE_HOLDS_STRING (value))
    return FALSE;

  text = g_value_get_string (value);
  lines = g_strsplit_set (text != NULL ? text : "", "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* text/uri-list comments start with '#'. */
      if (*g_strstrip (lines[i]) == '\0' || lines[i][0] == '#')
        continue;
      any |= trawl_window_add_board (self, lines[i], NULL) != NULL;
    }

  return any;
}

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TrawlWindow      *self)
{
  if (g_str_equal (response, "quit"))
    {
      /* The dialog is still alive while it emits this (it holds itself),
       * and GTK keeps its transient parent without a reference, only
       * dropping the link in the dialog's dispose: closing the window
       * under it would have that dispose disconnect from a freed window. */
      gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
      gtk_window_destroy (GTK_WINDOW (dialog));

      /* The application pauses (shuts the queue down) and saves before it
       * goes; the downloads resume at the next start. */
      g_object_set_data (G_OBJECT (self), "trawl-confirmed-close", GINT_TO_POINTER (TRUE));
      gtk_window_close (GTK_WINDOW (self));
    }
}

static gboolean
trawl_window_close_request (GtkWindow *window)
{
  TrawlWindow *self = TRAWL_WINDOW (window);
  guint active;
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }

  if (g_object_get_data (G_OBJECT (self), "trawl-confirmed-close") != NULL)
    return GTK_WINDOW_CLASS (trawl_window_parent_class)->close_request (window);

  active = trawl_queue_count_state (self->queue, TRAWL_ITEM_DOWNLOADING);
  if (active == 0)
    return GTK_WINDOW_CLASS (trawl_window_parent_class)->close_request (window);

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u video is still downloading. It will continue from "
                                       "where it stopped the next time Trawl starts.",
                                       "%u videos are still downloading. They will continue from "
                                       "where they stopped the next time Trawl starts.",
                                       active), active);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Stop Downloading?"), body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Downloading"),
                                    "quit", _("_Pause and Quit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "quit", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

static void
trawl_window_constructed (GObject *object)
{
  TrawlWindow *self = (TrawlWindow *)object;
  g_autoptr(GtkFlattenListModel) flat = NULL;
  GtkListItemFactory *factory;
  GListModel *boards;

  G_OBJECT_CLASS (trawl_window_parent_class)->constructed (object);

  g_assert (self->queue != NULL);
  g_assert (self->settings != NULL);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->settings, "changed::show-thumbnails",
                           G_CALLBACK (show_thumbnails_cb), self, G_CONNECT_SWAPPED);
  show_thumbnails_cb (self);
  self->item_filter = gtk_custom_filter_new (NULL, NULL, NULL);
  self->section_filter = gtk_custom_filter_new (NULL, NULL, NULL);
  self->sections = g_list_store_new (G_TYPE_LIST_MODEL);
  self->shown = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->sections)),
                                           g_object_ref (GTK_FILTER (self->section_filter)));
  flat = gtk_flatten_list_model_new (g_object_ref (G_LIST_MODEL (self->shown)));
  g_signal_connect_object (flat, "items-changed", G_CALLBACK (rows_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_steal_pointer (&flat)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  boards = trawl_queue_get_boards (self->queue);
  g_signal_connect_object (boards, "items-changed", G_CALLBACK (boards_changed_cb), self,
                           G_CONNECT_SWAPPED);
  boards_changed_cb (self, 0, 0, g_list_model_get_n_items (boards), boards);

  g_signal_connect_object (self->queue, "item-state-changed", G_CALLBACK (queue_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "items-changed", G_CALLBACK (queue_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "notify::busy", G_CALLBACK (queue_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "notify::backend", G_CALLBACK (queue_changed_cb), self,
                           G_CONNECT_SWAPPED);
  queue_changed_idle (self);
}

static void
trawl_window_dispose (GObject *object)
{
  TrawlWindow *self = (TrawlWindow *)object;

  /* The queue may outlive the window (it winds down after it closes). */
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      g_signal_handlers_disconnect_by_data (trawl_queue_get_boards (self->queue), self);
    }
  g_clear_handle_id (&self->summary_source, g_source_remove);
  g_clear_handle_id (&self->changed_source, g_source_remove);
  g_clear_handle_id (&self->follow_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);
  g_clear_object (&self->sections);
  g_clear_object (&self->item_filter);
  g_clear_object (&self->section_filter);
  g_clear_object (&self->thumbnails);
  forget_removed (self);
  g_clear_object (&self->followed);
  g_clear_weak_pointer (&self->last_toast);
  g_clear_weak_pointer (&self->removed_toast);

  G_OBJECT_CLASS (trawl_window_parent_class)->dispose (object);
}

static void
trawl_window_finalize (GObject *object)
{
  TrawlWindow *self = (TrawlWindow *)object;

  g_clear_object (&self->queue);
  g_clear_object (&self->settings);
  g_free (self->filter);
  g_free (self->search_key);

  G_OBJECT_CLASS (trawl_window_parent_class)->finalize (object);
}

static void
trawl_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TrawlWindow *self = TRAWL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_QUEUE:
      g_value_set_object (value, self->queue);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_FILTER:
      g_value_set_string (value, self->filter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TrawlWindow *self = TRAWL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_QUEUE:
      self->queue = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_FILTER:
      set_filter (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_window_class_init (TrawlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = trawl_window_constructed;
  object_class->dispose = trawl_window_dispose;
  object_class->finalize = trawl_window_finalize;
  object_class->get_property = trawl_window_get_property;
  object_class->set_property = trawl_window_set_property;
  window_class->close_request = trawl_window_close_request;

  properties[PROP_QUEUE] =
    g_param_spec_object ("queue", NULL, NULL, TRAWL_TYPE_QUEUE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Which items the list shows: "all", "active", "failed" or "done". */
  properties[PROP_FILTER] =
    g_param_spec_string ("filter", NULL, NULL, "all",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/trawl/Trawl/trawl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, url_entry);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, filter_revealer);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, all_count);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, active_count);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, failed_count);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, done_count);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, pause_all_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, resume_all_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, summary_revealer);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, overall_progress);
  gtk_widget_class_bind_template_callback (widget_class, url_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, url_entry_icon_release_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.add-board", "s", add_board_action);
  gtk_widget_class_install_action (widget_class, "win.paste-board", NULL, paste_board_action);
  gtk_widget_class_install_action (widget_class, "win.focus-entry", NULL, focus_entry_action);
  gtk_widget_class_install_action (widget_class, "win.pause-all", NULL, pause_all_action);
  gtk_widget_class_install_action (widget_class, "win.resume-all", NULL, resume_all_action);
  gtk_widget_class_install_action (widget_class, "win.retry-failed", NULL, retry_failed_action);
  gtk_widget_class_install_action (widget_class, "win.clear-finished", NULL,
                                   clear_finished_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-selected", NULL,
                                   toggle_selected_action);
  gtk_widget_class_install_action (widget_class, "win.remove-selected", NULL,
                                   remove_selected_action);
  gtk_widget_class_install_action (widget_class, "win.remove-board", "s", remove_board_action);
  gtk_widget_class_install_action (widget_class, "win.edit-recipe", "s", edit_recipe_action);
  gtk_widget_class_install_action (widget_class, "win.undo-remove", NULL, undo_remove_action);
  gtk_widget_class_install_action (widget_class, "win.row-menu", NULL, row_menu_action);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter");
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-all", NULL, show_all_action);

  /* Window-wide keys that text fields need for themselves (Ctrl+V) are
   * bound in the bubble phase, so a focused entry gets them first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.focus-entry", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.pause-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.resume-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.retry-failed", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
}

/* A narrow window gives the address box the room of Pause All, Resume
 * All and Search, which stay in the main menu and on their keys, and the
 * titles the room of the covers. */
static void
width_changed_cb (TrawlWindow *self)
{
  int width, height;

  /* GTK 4.8 wants both. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  gtk_widget_set_visible (self->pause_all_button, width >= NARROW_WIDTH);
  gtk_widget_set_visible (self->resume_all_button, width >= NARROW_WIDTH);
  gtk_widget_set_visible (self->search_button, width >= NARROW_WIDTH);
  if (self->narrow != (width < NARROW_WIDTH))
    {
      self->narrow = width < NARROW_WIDTH;
      update_row_thumbnails (self);
    }
}

static void
add_shortcut (GtkEventController *controller,
              GtkShortcutTrigger *trigger,
              GtkShortcutAction  *action,
              GVariant           *arguments)
{
  GtkShortcut *shortcut = gtk_shortcut_new (trigger, action);

  if (arguments != NULL)
    gtk_shortcut_set_arguments (shortcut, arguments);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
}

static void
load_style (void)
{
  static gsize loaded;

  /* Loaded here rather than by AdwApplication, so that a window made
   * without the application (the UI tests) looks the same. */
  if (g_once_init_enter (&loaded))
    {
      GtkCssProvider *provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (provider, "/io/github/trawl/Trawl/trawl.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_object_unref (provider);
      g_once_init_leave (&loaded, 1);
    }
}

static void
trawl_window_init (TrawlWindow *self)
{
  GtkEventController *shortcuts;
  GtkDropTarget *drop;

  self->filter = g_strdup ("all");
  load_style ();
  gtk_widget_init_template (GTK_WIDGET (self));

  trawl_fix_button_names (GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_cb), self, G_CONNECT_SWAPPED);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_BUBBLE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v, GDK_CONTROL_MASK),
                      gtk_named_action_new ("win.paste-board")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_v, GDK_CONTROL_MASK),
                gtk_callback_action_new (entry_paste_shortcut_cb, self, NULL), NULL);
  gtk_widget_add_controller (GTK_WIDGET (self->url_entry), shortcuts);

  /* The list's keys act on the selected row. Taken before the list view
   * sees them: it would use Space to unselect the row, and Tab to go to
   * the next row. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_space, 0),
                gtk_named_action_new ("win.toggle-selected"), NULL);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                gtk_named_action_new ("win.remove-selected"), NULL);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                gtk_named_action_new ("win.row-menu"), NULL);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK),
                gtk_named_action_new ("win.row-menu"), NULL);
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_Tab, 0),
                gtk_callback_action_new (list_tab_cb, self, NULL), g_variant_new_boolean (FALSE));
  add_shortcut (shortcuts, gtk_keyval_trigger_new (GDK_KEY_ISO_Left_Tab, GDK_SHIFT_MASK),
                gtk_callback_action_new (list_tab_cb, self, NULL), g_variant_new_boolean (TRUE));
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), shortcuts);

  {
    GtkEventController *focus = gtk_event_controller_focus_new ();
    GtkGesture *click = gtk_gesture_click_new ();
    GtkEventController *keys;

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect_swapped (click, "pressed", G_CALLBACK (pointer_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

    keys = gtk_event_controller_key_new ();
    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), keys);

    g_signal_connect_swapped (focus, "enter", G_CALLBACK (list_focus_enter_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), focus);
  }

  g_signal_connect (self, "notify::default-width", G_CALLBACK (width_changed_cb), NULL);

  /* A link dragged from a browser arrives as text (text/uri-list). */
  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, (GType[]) { GDK_TYPE_FILE_LIST, G_TYPE_STRING }, 2);
  g_signal_connect_swapped (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

TrawlWindow *
trawl_window_new (GtkApplication *application,
                  TrawlQueue     *queue,
                  GSettings      *settings)
{
  return g_object_new (TRAWL_TYPE_WINDOW,
                       "application", application,
                       "queue", queue,
                       "settings", settings,
                       NULL);
}

TrawlQueue *
trawl_window_get_queue (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->queue;
}

GtkListView *
trawl_window_get_list_view (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->list_view;
}
