#define G_LOG_DOMAIN "trawl-board-header"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-board-header.h"
#include "trawl-dialogs.h"
#include "trawl-format.h"
#include "trawl-open.h"
#include "trawl-progress.h"
#include "trawl-window.h"

/* The heading above a board's videos: its title, what the crawl found,
 * whether it is still looking, the board's menu, and — when the user
 * reviews boards before downloading — the button that starts the chosen
 * videos. */

struct _TrawlBoardHeader
{
  GtkWidget     parent_instance;

  TrawlQueue   *queue;
  TrawlBoard   *board;
  GSignalGroup *board_signals;

  GtkLabel     *title_label;
  GtkLabel     *subtitle_label;
  GtkSpinner   *spinner;
  GtkMenuButton *menu_button;
  GtkButton    *download_button;
  GtkButton    *teach_button;
  GtkMenuButton *recipe_button;
  GtkLabel     *recipe_label;
  GMenu        *read_with_menu;
  guint         tick_source;  /* while videos are at work: the progress */
  guint         soon_source;  /* counts changed: the line, said again shortly */
};

/* How often a board at work says how far it has come. */
#define TICK_SECONDS 1
/* Counts change with every video found, started or finished: the line is
 * said again this soon after, once for all of them (on a board of 10,000
 * the line once per change, each summing the board's progress, was most
 * of the window's time). */
#define SOON_MS 100

G_DEFINE_FINAL_TYPE (TrawlBoardHeader, trawl_board_header, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_QUEUE,
  PROP_RECIPE_CHOICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
board_subtitle (TrawlBoard *board)
{
  guint found = trawl_board_get_found (board);
  guint pages = trawl_board_get_pages (board);
  guint skipped = trawl_board_get_skipped (board);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *progress = NULL;
  const char *tail;

  /* Why, in a user's words and today's language; the message of the
   * moment is the line's tooltip. */
  if (trawl_board_get_state (board) == TRAWL_BOARD_FAILED)
    {
      const char *words = trawl_failure_words (trawl_board_get_failure (board));

      return g_strdup (words != NULL ? words : trawl_board_get_error (board));
    }

  /* Before its first page: nothing found yet is no news. */
  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING && pages == 0 && found == 0)
    return g_strdup (_("Looking for videos…"));

  /* Translators: "found 37 videos on 3 pages" */
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "found %u video", "found %u videos",
                                             found), found);
  g_string_append_c (text, ' ');
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "on %u page", "on %u pages", pages),
                          pages);
  if (skipped > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u downloaded before",
                                                 "%u downloaded before", skipped), skipped);
    }
  /* Then "looking for more…", or why it was listed only in part (a later
   * page failed); the board's progress while its videos are at work
   * ("45 MB of 120 MB · 3.2 MB/s · 2 min left"); else its address. */
  if (trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING)
    tail = _("looking for more…");
  else
    tail = trawl_board_get_error (board);
  if (trawl_board_get_n_active (board) > 0)
    {
      TrawlProgress all = { 0 };

      trawl_progress_add_items (&all, G_LIST_MODEL (board));
      progress = trawl_progress_text (&all);
    }
  else if (tail == NULL)
    tail = trawl_board_get_url (board);

  if (tail != NULL)
    {
      g_string_append (text, " · ");
      g_string_append (text, tail);
    }
  if (progress != NULL)
    {
      g_string_append (text, " · ");
      g_string_append (text, progress);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The menu offers what the board's items' states allow. */
static void
update_actions (TrawlBoardHeader *self)
{
  TrawlBoard *board = self->board;
  guint active = trawl_board_get_n_active (board);
  guint failed = trawl_board_get_n_failed (board);
  guint paused = trawl_board_count_state (board, TRAWL_ITEM_PAUSED);
  gboolean review = trawl_board_get_review (board);
  gboolean crawling = trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING;
  gboolean listing_failed = !crawling && trawl_board_get_error (board) != NULL;
  guint downloaded = trawl_board_get_n_done (board) + trawl_board_get_skipped (board);
  const char *folder = trawl_board_get_output_dir (board);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.select-all", review);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.select-none", review);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.pause", !review && active > paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.resume", !review && paused > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.retry",
                                 !review && (failed > 0 || listing_failed));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.download-again",
                                 !review && active == 0 && !crawling && downloaded > 0);
  /* A board's own folder is made when its first video starts. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.read-with",
                                 trawl_board_get_state (self->board) != TRAWL_BOARD_CRAWLING);
  {
    const char *name = trawl_board_get_recipe (self->board);
    gboolean own = name != NULL && *name != '\0' &&
                   trawl_recipe_set_lookup (trawl_queue_get_recipes (self->queue), name) != NULL;

    gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.edit-recipe", !own);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.edit-own-recipe", own);
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.open-folder",
                                 folder != NULL && g_file_test (folder, G_FILE_TEST_IS_DIR));
}

static void
header_right_click_cb (GtkGestureClick  *gesture,
                       int               n_press,
                       double            x,
                       double            y,
                       TrawlBoardHeader *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_menu_button_popup (self->menu_button);
}

/* A pause changes no count the board notifies: asked again as the menu
 * opens. */
static void
menu_shown_cb (TrawlBoardHeader *self)
{
  /* Its tooltip would cover the menu's first item. */
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->menu_button), FALSE);
  if (self->board != NULL)
    update_actions (self);
}

static void
menu_closed_cb (TrawlBoardHeader *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->menu_button), TRUE);
}

/* The recipe that reads the board, as the heading names it. */
static char *
recipe_title (TrawlBoardHeader *self)
{
  const char *name = trawl_board_get_recipe (self->board);
  TrawlRecipe *recipe;

  if (name == NULL || *name == '\0')
    return g_strdup (_("Generic"));
  recipe = trawl_recipe_set_lookup (trawl_queue_get_recipes (self->queue), name);
  if (recipe == NULL)
    /* Translators: a recipe the board was read with that is gone now */
    return g_strdup_printf (_("%s (removed)"), name);
  return g_strdup (trawl_recipe_get_title (recipe));
}

/* Generic, then every recipe: any of them can be forced on a board (a
 * mirror, a saved copy, a site that changed its addresses). */
static void
fill_read_with (TrawlBoardHeader *self,
                GMenu            *menu)
{
  GListModel *recipes = G_LIST_MODEL (trawl_queue_get_recipes (self->queue));

  g_menu_remove_all (menu);
  g_menu_append (menu, _("Generic (no recipe)"), "board.read-with::");
  for (guint i = 0; i < g_list_model_get_n_items (recipes); i++)
    {
      g_autoptr(TrawlRecipe) recipe = g_list_model_get_item (recipes, i);
      g_autoptr(GString) label = g_string_new (trawl_recipe_get_title (recipe));
      g_autoptr(GMenuItem) item = NULL;

      /* A menu takes "_" for a mnemonic: "财富_梨视频" keeps its own. */
      g_string_replace (label, "_", "__", 0);
      item = g_menu_item_new (label->str, NULL);

      g_menu_item_set_action_and_target (item, "board.read-with", "s",
                                         trawl_recipe_get_name (recipe));
      g_menu_append_item (menu, item);
    }
}

static void
recipe_popup_cb (GtkMenuButton    *button,
                 TrawlBoardHeader *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) choices = g_menu_new ();
  g_autoptr(GMenu) teach = g_menu_new ();

  if (self->board == NULL)
    return;
  update_actions (self);
  fill_read_with (self, choices);
  g_menu_append_section (menu, _("Read With"), G_MENU_MODEL (choices));
  g_menu_append (teach, _("Teach Trawl This Site…"), "board.edit-recipe");
  g_menu_append (teach, _("Edit Recipe…"), "board.edit-own-recipe");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (teach));
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
update (TrawlBoardHeader *self)
{
  TrawlBoard *board = self->board;
  g_autofree char *subtitle = NULL;
  const char *title;
  gboolean crawling;
  gboolean failed;

  if (board == NULL)
    return;

  title = trawl_board_get_title (board);
  if (title == NULL || *title == '\0')
    title = trawl_board_get_url (board);
  gtk_label_set_label (self->title_label, title);
  trawl_set_tooltip_text (GTK_WIDGET (self->title_label), trawl_board_get_url (board));

  subtitle = board_subtitle (board);
  gtk_label_set_label (self->subtitle_label, subtitle);
  /* Read by a screen reader on the list's row, as the video rows are. */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    {
      /* Translators: a board's title, then what was found on it */
      g_autofree char *description = g_strdup_printf (_("%s, %s"), title, subtitle);

      gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                      -1);
    }
  /* A narrow window cuts the line; the whole of it, the reason of a board
   * read only in part included, is a hover away, and a failed board's
   * exact message. */
  trawl_set_tooltip_text (GTK_WIDGET (self->subtitle_label),
                          trawl_board_get_state (board) == TRAWL_BOARD_FAILED
                            ? trawl_board_get_error (board) : subtitle);
  /* Failed, or read only in part: the line says why, and looks it. */
  failed = trawl_board_get_state (board) == TRAWL_BOARD_FAILED ||
           (trawl_board_get_state (board) == TRAWL_BOARD_DONE &&
            trawl_board_get_error (board) != NULL);
  if (failed)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->subtitle_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->subtitle_label), "trawl-status-error");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->subtitle_label), "dim-label");
      gtk_widget_remove_css_class (GTK_WIDGET (self->subtitle_label), "trawl-status-error");
    }

  update_actions (self);

  {
    g_autofree char *recipe = recipe_title (self);
    /* Translators: which recipe reads a board: "Recipe: Pear Video" */
    g_autofree char *name = g_strdup_printf (_("Recipe: %s"), recipe);

    gtk_label_set_label (self->recipe_label, recipe);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->recipe_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
  /* A board where nothing was found without a recipe: the way on. */
  gtk_widget_set_visible (GTK_WIDGET (self->teach_button),
                          trawl_board_get_state (board) == TRAWL_BOARD_FAILED &&
                          trawl_board_get_failure (board) == TRAWL_FAILURE_NO_VIDEOS);

  crawling = trawl_board_get_state (board) == TRAWL_BOARD_CRAWLING;
  gtk_spinner_set_spinning (self->spinner, crawling);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), crawling);

  gtk_widget_set_visible (GTK_WIDGET (self->download_button), trawl_board_get_review (board));
  if (trawl_board_get_review (board))
    {
      guint n = trawl_board_get_n_selected (board);
      g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Download %u Video",
                                                             "Download %u Videos", n), n);

      gtk_button_set_label (self->download_button, label);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "board.download", n > 0);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  TrawlBoardHeader *self = user_data;

  update (self);
  if (self->board != NULL && trawl_board_get_n_active (self->board) > 0)
    return G_SOURCE_CONTINUE;
  self->tick_source = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
soon_cb (gpointer user_data)
{
  TrawlBoardHeader *self = user_data;

  self->soon_source = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

static void
update_soon (TrawlBoardHeader *self)
{
  if (self->soon_source == 0)
    self->soon_source = g_timeout_add (SOON_MS, soon_cb, self);
}

/* The progress is said again every second while the board's videos are at
 * work, and once more when they stop. */
static void
update_tick (TrawlBoardHeader *self)
{
  if (self->tick_source == 0 && self->board != NULL && trawl_board_get_n_active (self->board) > 0)
    self->tick_source = g_timeout_add_seconds (TICK_SECONDS, tick_cb, self);
}

static void
board_notify_cb (TrawlBoardHeader *self,
                 GParamSpec       *pspec)
{
  const char *name = g_param_spec_get_name (pspec);

  /* Counts of the items' states change all the time and are not shown,
   * but decide what the menu offers; the selected ones count only under
   * review. */
  if (g_str_equal (name, "n-done") || g_str_equal (name, "n-failed"))
    {
      update_actions (self);
      return;
    }
  /* The line has the board's progress while videos are at work; the
   * menu follows at once (pause and resume). */
  if (g_str_equal (name, "n-active"))
    {
      update_tick (self);
      update_actions (self);
    }
  if (g_str_equal (name, "n-selected") && !trawl_board_get_review (self->board))
    return;
  if (g_str_equal (name, "recipe"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECIPE_CHOICE]);

  /* (A tick under review is the user's: the button says it at once.) */
  if (g_str_equal (name, "n-active") || g_str_equal (name, "found") ||
      g_str_equal (name, "pages") || g_str_equal (name, "skipped"))
    update_soon (self);
  else
    update (self);
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    trawl_queue_confirm_board (self->queue, self->board);
}

#define BOARD_ACTION(name, call)                                  \
  static void                                                     \
  name##_action (GtkWidget  *widget,                              \
                 const char *action_name,                         \
                 GVariant   *parameter)                           \
  {                                                               \
    TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);         \
                                                                  \
    if (self->board != NULL)                                      \
      call (self->queue, self->board);                            \
  }

BOARD_ACTION (pause, trawl_queue_pause_board)
BOARD_ACTION (resume, trawl_queue_resume_board)
BOARD_ACTION (retry, trawl_queue_retry_board)
BOARD_ACTION (download_again, trawl_queue_download_board_again)

/* Under review: every video the board lists ticked, or none. */
static void
select_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);
  gboolean all = g_str_equal (action_name, "board.select-all");
  GListModel *items = G_LIST_MODEL (self->board);

  if (self->board == NULL)
    return;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);

      trawl_item_set_selected (item, all);
    }
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    trawl_open_file (widget, trawl_board_get_output_dir (self->board));
}

static void
headers_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    gtk_window_present (GTK_WINDOW (trawl_headers_dialog_new (widget, self->queue, self->board)));
}

static void
open_in_browser_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    trawl_open_uri (widget, trawl_board_get_url (self->board));
}

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), trawl_board_get_url (self->board));
}

/* The window opens the editor: on a suggestion, or on the recipe. */
static void
edit_recipe_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    gtk_widget_activate_action (widget, "win.edit-recipe", "s", trawl_board_get_url (self->board));
}

static void
menu_popup_fill_cb (TrawlBoardHeader *self)
{
  if (self->board != NULL)
    fill_read_with (self, self->read_with_menu);
}

/* board.read-with: the board is read again with the recipe chosen. */
static void
set_recipe_choice (TrawlBoardHeader *self,
                   const char       *choice)
{
  const char *current = trawl_board_get_recipe (self->board);
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  if (g_strcmp0 (current != NULL ? current : "", choice) == 0)
    return;
  if (trawl_queue_read_board_with (self->queue, self->board, *choice != '\0' ? choice : NULL,
                                   &error))
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (TRAWL_IS_WINDOW (root))
    trawl_window_show_toast (TRAWL_WINDOW (root), error->message);
}

/* The window removes it, with a way back. */
static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (widget);

  if (self->board != NULL)
    gtk_widget_activate_action (widget, "win.remove-board", "s", trawl_board_get_url (self->board));
}

static void
trawl_board_header_dispose (GObject *object)
{
  TrawlBoardHeader *self = (TrawlBoardHeader *)object;

  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->soon_source, g_source_remove);
  g_clear_object (&self->board_signals);
  g_clear_object (&self->board);
  g_clear_object (&self->queue);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_BOARD_HEADER);
  while (gtk_widget_get_first_child (GTK_WIDGET (self)) != NULL)
    gtk_widget_unparent (gtk_widget_get_first_child (GTK_WIDGET (self)));

  G_OBJECT_CLASS (trawl_board_header_parent_class)->dispose (object);
}

static void
recipes_changed_cb (TrawlBoardHeader *self)
{
  if (self->board == NULL)
    return;
  update (self);
  fill_read_with (self, self->read_with_menu);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECIPE_CHOICE]);
}

static void
trawl_board_header_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (object);

  switch (prop_id)
    {
    case PROP_QUEUE:
      g_set_object (&self->queue, g_value_get_object (value));
      /* A recipe removed or renamed: the heading names the one in use. */
      if (self->queue != NULL)
        g_signal_connect_object (trawl_queue_get_recipes (self->queue), "items-changed",
                                 G_CALLBACK (recipes_changed_cb), self, G_CONNECT_SWAPPED);
      break;
    case PROP_RECIPE_CHOICE:
      if (self->board != NULL && g_value_get_string (value) != NULL)
        set_recipe_choice (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_board_header_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TrawlBoardHeader *self = TRAWL_BOARD_HEADER (object);
  const char *recipe = self->board != NULL ? trawl_board_get_recipe (self->board) : NULL;

  switch (prop_id)
    {
    case PROP_RECIPE_CHOICE:
      g_value_set_string (value, recipe != NULL ? recipe : "");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_board_header_class_init (TrawlBoardHeaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = trawl_board_header_dispose;
  object_class->set_property = trawl_board_header_set_property;
  object_class->get_property = trawl_board_header_get_property;

  properties[PROP_QUEUE] =
    g_param_spec_object ("queue", NULL, NULL, TRAWL_TYPE_QUEUE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The recipe the board is read with, "" for generic: board.read-with. */
  properties[PROP_RECIPE_CHOICE] =
    g_param_spec_string ("recipe-choice", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/trawl/Trawl/trawl-board-header.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, title_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, spinner);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, download_button);

  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, menu_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, teach_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, recipe_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, recipe_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlBoardHeader, read_with_menu);

  gtk_widget_class_install_action (widget_class, "board.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "board.select-all", NULL, select_action);
  gtk_widget_class_install_action (widget_class, "board.select-none", NULL, select_action);
  gtk_widget_class_install_action (widget_class, "board.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "board.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "board.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "board.download-again", NULL,
                                   download_again_action);
  gtk_widget_class_install_action (widget_class, "board.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "board.headers", NULL, headers_action);
  gtk_widget_class_install_action (widget_class, "board.open-in-browser", NULL,
                                   open_in_browser_action);
  gtk_widget_class_install_action (widget_class, "board.copy-address", NULL,
                                   copy_address_action);
  gtk_widget_class_install_action (widget_class, "board.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "board.edit-recipe", NULL, edit_recipe_action);
  gtk_widget_class_install_action (widget_class, "board.edit-own-recipe", NULL,
                                   edit_recipe_action);
  gtk_widget_class_install_property_action (widget_class, "board.read-with", "recipe-choice");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
trawl_board_header_init (TrawlBoardHeader *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (gtk_menu_button_get_popover (self->menu_button), "show",
                           G_CALLBACK (menu_shown_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_menu_button_get_popover (self->menu_button), "closed",
                           G_CALLBACK (menu_closed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_menu_button_get_popover (self->menu_button), "show",
                           G_CALLBACK (menu_popup_fill_cb), self, G_CONNECT_SWAPPED);
  gtk_menu_button_set_create_popup_func (self->recipe_button,
                                         (GtkMenuButtonCreatePopupFunc) recipe_popup_cb, self,
                                         NULL);

  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (header_right_click_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  }

  /* The board counts what the header shows, the "Download N videos" of
   * the rows' check boxes included. */
  self->board_signals = g_signal_group_new (TRAWL_TYPE_BOARD);
  g_signal_group_connect_object (self->board_signals, "notify", G_CALLBACK (board_notify_cb),
                                 self, G_CONNECT_SWAPPED);
}

GtkWidget *
trawl_board_header_new (TrawlQueue *queue)
{
  return g_object_new (TRAWL_TYPE_BOARD_HEADER, "queue", queue, NULL);
}

TrawlBoard *
trawl_board_header_get_board (TrawlBoardHeader *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD_HEADER (self), NULL);
  return self->board;
}

void
trawl_board_header_set_board (TrawlBoardHeader *self,
                              TrawlBoard       *board)
{
  g_return_if_fail (TRAWL_IS_BOARD_HEADER (self));

  if (!g_set_object (&self->board, board))
    return;

  g_signal_group_set_target (self->board_signals, board);
  if (board != NULL)
    fill_read_with (self, self->read_with_menu);
  update (self);
  update_tick (self);
}

/* The board's menu, as its button opens it (the Menu key, a right click). */
void
trawl_board_header_popup_menu (TrawlBoardHeader *self)
{
  g_return_if_fail (TRAWL_IS_BOARD_HEADER (self));

  gtk_menu_button_popup (self->menu_button);
}
