#define G_LOG_DOMAIN "trawl-ui-test"

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <string.h>
#include <X11/extensions/XTest.h>

#include "trawl-application.h"
#include "trawl-item-row.h"
#include "trawl-test-utils.h"
#include "trawl-ui-test-utils.h"

/* The window under Xvfb against the board server on loopback: what every
 * UI test sets up, finds and waits for. */

/* The built-in pear-video recipe under @name, for the addresses @match
 * matches. */
void
trawl_ui_add_recipe_for (TrawlQueue *queue,
                         const char *name,
                         const char *match)
{
  const char *builtin = "/io/github/trawl/Trawl/recipes/pearvideo.recipe";
  g_autoptr(GBytes) data = g_resources_lookup_data (builtin, 0, NULL);
  g_autoptr(GString) text = NULL;
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name_line = g_strconcat ("Name=", name, NULL);
  g_autofree char *match_line = g_strconcat ("Match=", match, NULL);

  if (data == NULL)
    {
      /* Registered on first use. */
      trawl_recipe_set_load_builtin (trawl_queue_get_recipes (queue), NULL);
      data = g_resources_lookup_data (builtin, 0, NULL);
    }
  g_assert_nonnull (data);

  text = g_string_new_len (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  g_assert_cmpuint (g_string_replace (text, "Name=pearvideo", name_line, 1), ==, 1);
  g_assert_cmpuint (g_string_replace (text, "Match=^(www\\.)?pearvideo\\.com/", match_line, 1),
                    ==, 1);
  recipe = trawl_recipe_new_from_data (text->str, text->len, "mirror.recipe", &error);
  g_assert_no_error (error);
  trawl_recipe_set_add (trawl_queue_get_recipes (queue), recipe);
}

/* The built-in pear-video recipe, answering for the loopback board too. */
void
trawl_ui_add_mirror_recipe (TrawlQueue *queue)
{
  trawl_ui_add_recipe_for (queue, "pearvideo-mirror", "^127\\.0\\.0\\.1:\\d+/");
}

void
trawl_ui_show_window (TrawlUiFixture *f)
{
  trawl_ui_add_mirror_recipe (f->queue);
  f->window = trawl_window_new (NULL, f->queue, f->settings);
  gtk_window_present (GTK_WINDOW (f->window));
  TRAWL_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
}

void
trawl_ui_open_window (TrawlUiFixture *f)
{
  g_autoptr(GError) error = NULL;

  f->queue = trawl_application_create_queue (f->settings, f->data_dir, &error);
  g_assert_no_error (error);
  trawl_ui_show_window (f);
}

/* Quitting as the app does it: the engine stops and saves, the window goes. */
void
trawl_ui_close_window (TrawlUiFixture *f)
{
  TrawlWindow *window = f->window;

  trawl_application_stop_queue (f->queue);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  TRAWL_WAIT_UNTIL (window == NULL);
  trawl_test_drop_queue (&f->queue);
}

void
trawl_ui_fixture_setup (TrawlUiFixture *f,
                        gconstpointer   data)
{
  g_autoptr(GError) error = NULL;

  f->server = trawl_board_server_new ();
  trawl_board_server_set_items (f->server, 12);
  trawl_board_server_set_page_size (f->server, 6);
  g_assert_true (trawl_board_server_start (f->server, 0, &error));
  f->url = trawl_board_server_get_url (f->server);

  f->dir = trawl_test_make_tmpdir ();
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  f->downloads = g_build_filename (f->dir, "Downloads", NULL);

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "download-folder", f->downloads);
  g_settings_set_boolean (f->settings, "folder-per-board", FALSE);

  trawl_ui_open_window (f);
  g_object_set (trawl_queue_get_client (f->queue), "retry-delay", 10, NULL);
}

void
trawl_ui_fixture_teardown (TrawlUiFixture *f,
                           gconstpointer   data)
{
  if (f->window != NULL)
    trawl_ui_close_window (f);
  g_clear_object (&f->server);
  g_settings_reset (f->settings, "download-folder");
  g_settings_reset (f->settings, "folder-per-board");
  g_settings_reset (f->settings, "jobs");
  g_clear_object (&f->settings);
  trawl_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->downloads);
  g_free (f->url);
}

static void
painted_cb (GdkFrameClock *clock,
            guint         *frames)
{
  (*frames)++;
}

/* Until the window has drawn itself as it is now. */
void
trawl_ui_wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint frames = 0;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted_cb), &frames);
  /* Each frame asked for: a window where nothing moves draws no other. */
  gtk_widget_queue_draw (widget);
  TRAWL_WAIT_UNTIL (frames >= 1);
  gtk_widget_queue_draw (widget);
  TRAWL_WAIT_UNTIL (frames >= 2);
  g_signal_handler_disconnect (clock, handler);
}

void
trawl_ui_screenshot (TrawlUiFixture *f,
                     const char     *name)
{
  trawl_ui_screenshot_widget (GTK_WIDGET (f->window), name);
}

/* A window as drawn, into the build folder's screenshots/NAME. */
void
trawl_ui_screenshot_widget (GtkWidget  *widget,
                            const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *folder = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  int width, height;

  trawl_ui_wait_for_frame (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_test_build_filename (G_TEST_BUILT, "screenshots", name, NULL);
  folder = g_path_get_dirname (file);
  g_mkdir_with_parents (folder, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, file));
}

guint
trawl_ui_count_state (TrawlQueue     *queue,
                      TrawlItemState  state)
{
  return trawl_queue_count_state (queue, state);
}

guint
trawl_ui_rows_in_view (TrawlUiFixture *f)
{
  GtkListView *view = trawl_window_get_list_view (f->window);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (view));

  return g_list_model_get_n_items (model);
}

/* The first widget under @widget (itself included) that passes @test. */
GtkWidget *
trawl_ui_find_widget (GtkWidget         *widget,
                      TrawlUiWidgetTest  test,
                      gconstpointer      data)
{
  if (test (widget, data))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = trawl_ui_find_widget (child, test, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
trawl_ui_is_row_of (GtkWidget     *widget,
                    gconstpointer  item)
{
  return TRAWL_IS_ITEM_ROW (widget) &&
         trawl_item_row_get_item (TRAWL_ITEM_ROW (widget)) == item;
}

/* A label whose text has @text in it. */
gboolean
trawl_ui_is_label_with (GtkWidget     *widget,
                        gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), text) != NULL;
}

/* The row widget the list view shows for @item, if it is on screen. */
TrawlItemRow *
trawl_ui_find_row (GtkWidget *widget,
                   TrawlItem *item)
{
  return (TrawlItemRow *) trawl_ui_find_widget (widget, trawl_ui_is_row_of, item);
}

void
trawl_ui_paste_board (TrawlUiFixture *f)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->window));

  gdk_clipboard_set_text (clipboard, f->url);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.paste-board", NULL));
  TRAWL_WAIT_UNTIL (g_list_model_get_n_items (trawl_queue_get_boards (f->queue)) == 1);
}

char *
trawl_ui_video_path (TrawlUiFixture *f,
                     guint           index)
{
  g_autofree char *title = trawl_board_server_item_title (f->server, index);
  g_autofree char *name = g_strconcat (title, ".mp4", NULL);

  return g_build_filename (f->downloads, name, NULL);
}

/* The presses of the key that reach the window (by its key code: with
 * Shift, Tab arrives as ISO_Left_Tab). Not the releases: GTK
 * drops the release of a key whose press removed the focused widget. */
typedef struct
{
  guint keycode;
  guint pressed;
} KeySeen;

static gboolean
key_seen_cb (GtkEventControllerLegacy *controller,
             GdkEvent                 *event,
             KeySeen                  *seen)
{
  if (gdk_event_get_event_type (event) == GDK_KEY_PRESS &&
      gdk_key_event_get_keycode (event) == seen->keycode)
    seen->pressed++;
  return GDK_EVENT_PROPAGATE;
}

/* A key pressed and released on the X server (XTest), as a person's
 * keyboard does: it reaches the window through the same path, whichever
 * widget has the focus. Returns once the window has handled the press. */
void
trawl_ui_press_key (TrawlUiFixture  *f,
                    guint            keyval,
                    GdkModifierType  modifiers)
{
  GtkWidget *window = GTK_WIDGET (f->window);
  GdkDisplay *display = gtk_widget_get_display (window);
  Display *xdisplay = gdk_x11_display_get_xdisplay (display);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GtkEventController *controller = gtk_event_controller_legacy_new ();
  KeySeen seen = { 0, 0 };
  KeyCode mods[2] = { 0, 0 };
  KeyCode code = XKeysymToKeycode (xdisplay, keyval);

  g_assert_cmpuint (code, !=, 0);
  seen.keycode = code;
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (key_seen_cb), &seen);
  gtk_widget_add_controller (window, controller);

  /* No window manager under Xvfb: the test gives the window the focus. */
  XSetInputFocus (xdisplay, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  TRAWL_WAIT_UNTIL (gtk_window_is_active (GTK_WINDOW (window)));

  if (modifiers & GDK_CONTROL_MASK)
    mods[0] = XKeysymToKeycode (xdisplay, XK_Control_L);
  if (modifiers & GDK_SHIFT_MASK)
    mods[1] = XKeysymToKeycode (xdisplay, XK_Shift_L);
  for (guint i = 0; i < G_N_ELEMENTS (mods); i++)
    if (mods[i] != 0)
      XTestFakeKeyEvent (xdisplay, mods[i], True, CurrentTime);
  XTestFakeKeyEvent (xdisplay, code, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay, code, False, CurrentTime);
  for (guint i = G_N_ELEMENTS (mods); i > 0; i--)
    if (mods[i - 1] != 0)
      XTestFakeKeyEvent (xdisplay, mods[i - 1], False, CurrentTime);
  XFlush (xdisplay);

  /* The press is handled, and what it does done, within the iteration
   * that dispatches it. */
  TRAWL_WAIT_UNTIL (seen.pressed > 0);
  gtk_widget_remove_controller (window, controller);
}

/* The shown window of @type (a dialog, the recipe editor), if any. */
gpointer
trawl_ui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

gboolean
trawl_ui_is_button_labelled (GtkWidget     *widget,
                             gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)),
                                              label) == 0;
}

/* The shown question's button, clicked as a person would (it answers and
 * closes). */
void
trawl_ui_answer_dialog (const char *label)
{
  AdwMessageDialog *dialog;
  GtkWidget *button;

  TRAWL_WAIT_UNTIL ((dialog = trawl_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL);
  button = trawl_ui_find_widget (GTK_WIDGET (dialog), trawl_ui_is_button_labelled, label);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  TRAWL_WAIT_UNTIL (trawl_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL);
}

/* No key of @settings holds @text (a secret that belongs in the keyring). */
void
trawl_ui_assert_not_in_settings (GSettings  *settings,
                                 const char *text)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *printed = g_variant_print (value, FALSE);

      g_assert_null (strstr (printed, text));
    }
}
