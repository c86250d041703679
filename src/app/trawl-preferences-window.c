#define G_LOG_DOMAIN "trawl-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "trawl-aria2.h"
#include "trawl-open.h"
#include "trawl-preferences-window.h"
#include "trawl-remote.h"
#include "trawl-uri.h"

/* Every control is bound to its GSettings key; the application applies
 * the keys to the engine, so nothing here talks to the queue. The proxy
 * address is the exception to the binding: it is written only once it is
 * a proxy, so a typo is shown as one instead of being applied. */

struct _TrawlPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GtkFileChooserNative *chooser;

  AdwActionRow         *folder_row;
  GtkSwitch            *folder_per_board_switch;
  GtkSwitch            *awake_switch;
  GtkSwitch            *thumbnails_switch;
  GtkSwitch            *ask_switch;
  GtkSwitch            *notify_switch;
  GtkSpinButton        *jobs_spin;
  GtkSpinButton        *per_host_spin;
  GtkSpinButton        *split_spin;
  GtkSpinButton        *speed_spin;
  AdwEntryRow          *user_agent_row;
  AdwComboRow          *proxy_row;
  AdwComboRow          *quality_row;
  AdwEntryRow          *proxy_url_row;
  GtkLabel             *proxy_error_label;
  AdwComboRow          *download_on_row;
  AdwEntryRow          *aria2_address_row;
  AdwPasswordEntryRow  *aria2_secret_row;
  AdwEntryRow          *aria2_dir_row;
  AdwActionRow         *aria2_test_row;
  GtkButton            *aria2_test_button;
  GtkLabel             *aria2_message_label;
  GCancellable         *cancellable;  /* keyring and aria2 calls */
  TrawlRecipeSet       *recipes;
  GtkListBox           *recipes_list;
  GtkLabel             *recipes_problem_label;
};

G_DEFINE_FINAL_TYPE (TrawlPreferencesWindow, trawl_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * trawl_preferences_download_folder:
 *
 * The folder downloads go to: the one chosen in Preferences, else the
 * user's Downloads folder, else "Downloads" in the home folder (where no
 * XDG user folders are set up).
 *
 * Returns: (transfer full): the folder's path
 */
char *
trawl_preferences_download_folder (GSettings *settings)
{
  g_autofree char *folder = g_settings_get_string (settings, "download-folder");
  const char *downloads;

  if (*folder != '\0')
    return g_steal_pointer (&folder);

  downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  if (downloads != NULL)
    return g_strdup (downloads);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

static void
update_folder (TrawlPreferencesWindow *self)
{
  g_autofree char *folder = trawl_preferences_download_folder (self->settings);

  adw_action_row_set_subtitle (self->folder_row, folder);
}

static void
update_proxy (TrawlPreferencesWindow *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->proxy_url_row),
                            g_settings_get_enum (self->settings, "proxy-mode") == 2);
}

static void
show_proxy_error (TrawlPreferencesWindow *self,
                  const GError           *error)
{
  gtk_widget_set_visible (GTK_WIDGET (self->proxy_error_label), error != NULL);
  gtk_label_set_text (self->proxy_error_label, error != NULL ? error->message : "");
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->proxy_url_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->proxy_url_row), "error");
}

/* Empty means no custom proxy yet: the application keeps the system's. */
static char *
parse_proxy_url (const char  *text,
                 GError     **error)
{
  return *text != '\0' ? trawl_proxy_parse (text, error) : g_strdup ("");
}

static void
proxy_url_apply_cb (TrawlPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->proxy_url_row));
  g_autoptr(GError) error = NULL;
  g_autofree char *proxy = parse_proxy_url (text, &error);

  if (proxy == NULL)
    {
      show_proxy_error (self, error);
      return;
    }

  g_settings_set_string (self->settings, "proxy-url", proxy);
  show_proxy_error (self, NULL);
}

static void
proxy_url_changed_cb (TrawlPreferencesWindow *self)
{
  show_proxy_error (self, NULL);
}

/* The key as it is, and what is wrong with it if it was set elsewhere. */
static void
update_proxy_url (TrawlPreferencesWindow *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "proxy-url");
  g_autoptr(GError) error = NULL;
  g_autofree char *proxy = NULL;

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->proxy_url_row)), url) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->proxy_url_row), url);
  proxy = parse_proxy_url (url, &error);
  show_proxy_error (self, error);
}

static void
chooser_response_cb (TrawlPreferencesWindow *self,
                     int                     response,
                     GtkNativeDialog        *dialog)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "download-folder", path);
    }

  g_clear_object (&self->chooser);
}

static void
choose_folder_cb (TrawlPreferencesWindow *self)
{
  if (self->chooser != NULL)
    return;

  /* Native, so that inside a Flatpak the portal grants the chosen folder. */
  self->chooser = gtk_file_chooser_native_new (_("Download Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static gboolean
proxy_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, g_str_equal (nick, "none") ? 1 : g_str_equal (nick, "custom") ? 2 : 0);
  return TRUE;
}

static GVariant *
proxy_set_mapping (const GValue       *value,
                   const GVariantType *type,
                   gpointer            user_data)
{
  const char *nicks[] = { "system", "none", "custom" };
  guint selected = g_value_get_uint (value);

  return g_variant_new_string (nicks[MIN (selected, 2)]);
}

/* ---- Download On: this computer or aria2 ------------------------------ */

static gboolean
download_on_get_mapping (GValue   *value,
                         GVariant *variant,
                         gpointer  user_data)
{
  g_value_set_uint (value, g_str_equal (g_variant_get_string (variant, NULL), "aria2") ? 1 : 0);
  return TRUE;
}

static GVariant *
download_on_set_mapping (const GValue       *value,
                         const GVariantType *type,
                         gpointer            user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "aria2" : "this-computer");
}

/* One line under the group: what is wrong (red), or a warning. */
static void
show_aria2_message (TrawlPreferencesWindow *self,
                    const char             *message,
                    gboolean                is_error)
{
  gtk_widget_set_visible (GTK_WIDGET (self->aria2_message_label), message != NULL);
  gtk_label_set_text (self->aria2_message_label, message != NULL ? message : "");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->aria2_message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->aria2_message_label), "error");
}

/* The backend the rows describe now, or NULL with why not. */
static TrawlAria2 *
aria2_from_rows (TrawlPreferencesWindow  *self,
                 GError                 **error)
{
  g_autoptr(TrawlClient) client = trawl_client_new ();
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->aria2_address_row));
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->aria2_secret_row));
  const char *dir = gtk_editable_get_text (GTK_EDITABLE (self->aria2_dir_row));

  return trawl_aria2_new (client, address, secret, dir, error);
}

/* The address as it is: its mistake, or the warning that it is not
 * encrypted. */
static void
check_aria2_address (TrawlPreferencesWindow *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->aria2_address_row));
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->aria2_address_row), "error");
  if (g_settings_get_enum (self->settings, "download-on") == 0)
    {
      show_aria2_message (self, NULL, FALSE);
      return;
    }
  if (*address == '\0')
    {
      show_aria2_message (self, _("Videos are downloaded on this computer until aria2’s "
                                  "address is set"), FALSE);
      return;
    }
  aria2 = aria2_from_rows (self, &error);
  if (aria2 == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->aria2_address_row), "error");
      show_aria2_message (self, error->message, TRUE);
    }
  else if (trawl_aria2_is_exposed (aria2))
    show_aria2_message (self, _("This address is not encrypted: the secret and every video’s "
                                "address and cookies cross the network as they are. Use "
                                "https or wss, or a tunnel."), FALSE);
  else
    show_aria2_message (self, NULL, FALSE);
}

static void
update_download_on (TrawlPreferencesWindow *self)
{
  gboolean aria2 = g_settings_get_enum (self->settings, "download-on") == 1;

  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_address_row), aria2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_secret_row), aria2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_dir_row), aria2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_test_row), aria2);
  check_aria2_address (self);
}

static void
aria2_address_changed_cb (TrawlPreferencesWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->aria2_address_row), "error");
}

static void
secret_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = trawl_remote_lookup_secret_finish (result, &error);
  TrawlPreferencesWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TRAWL_PREFERENCES_WINDOW (user_data);
  if (secret != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->aria2_secret_row), secret);
}

/* The secret kept for the address, shown hidden. */
static void
load_secret (TrawlPreferencesWindow *self)
{
  g_autofree char *address = g_settings_get_string (self->settings, "aria2-address");

  gtk_editable_set_text (GTK_EDITABLE (self->aria2_secret_row), "");
  if (*address != '\0')
    trawl_remote_lookup_secret_async (address, self->cancellable, secret_loaded_cb, self);
}

static void aria2_secret_apply_cb (TrawlPreferencesWindow *self);

static void
aria2_address_apply_cb (TrawlPreferencesWindow *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->aria2_address_row));
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = NULL;

  if (*address != '\0' && (aria2 = aria2_from_rows (self, &error)) == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->aria2_address_row), "error");
      show_aria2_message (self, error->message, TRUE);
      return;
    }
  g_settings_set_string (self->settings, "aria2-address", address);
  /* A secret typed already is kept for this address; else the one kept
   * for it, if any, is shown. */
  if (*gtk_editable_get_text (GTK_EDITABLE (self->aria2_secret_row)) != '\0')
    aria2_secret_apply_cb (self);
  else
    load_secret (self);
}

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TrawlPreferencesWindow *self;

  if (!trawl_remote_store_secret_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TRAWL_PREFERENCES_WINDOW (user_data);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The keyring could not keep the secret, so "
                                                    "Trawl uses it only until it quits (%s)"),
                                                  error->message);

      show_aria2_message (self, message, TRUE);
    }
  else
    {
      show_aria2_message (self, NULL, FALSE);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (
        *gtk_editable_get_text (GTK_EDITABLE (self->aria2_secret_row)) != '\0'
          ? _("Secret kept in the keyring") : _("Secret removed from the keyring")));
    }
  /* Whoever follows the address (the backend) reads the secret again. */
  g_signal_emit_by_name (self->settings, "changed::aria2-address",
                         g_intern_static_string ("aria2-address"));
}

static void
aria2_secret_apply_cb (TrawlPreferencesWindow *self)
{
  g_autofree char *address = g_settings_get_string (self->settings, "aria2-address");

  if (*address == '\0')
    {
      show_aria2_message (self, _("Set aria2’s address first: the secret is kept for it"),
                          TRUE);
      return;
    }
  trawl_remote_store_secret_async (address,
                                   gtk_editable_get_text (GTK_EDITABLE (self->aria2_secret_row)),
                                   self->cancellable, secret_stored_cb, self);
}

static void
aria2_dir_apply_cb (TrawlPreferencesWindow *self)
{
  g_autofree char *dir = g_strstrip (g_strdup (gtk_editable_get_text (
                                       GTK_EDITABLE (self->aria2_dir_row))));

  g_settings_set_string (self->settings, "aria2-dir", dir);
}

static void
aria2_tested_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = trawl_aria2_get_version_finish (TRAWL_ARIA2 (object), result,
                                                             &error);
  TrawlPreferencesWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TRAWL_PREFERENCES_WINDOW (user_data);
  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_test_button), TRUE);
  if (version != NULL)
    {
      /* Translators: the connection test's result, "Connected to aria2 1.36.0" */
      g_autofree char *text = g_strdup_printf (_("Connected to aria2 %s"), version);

      adw_action_row_set_subtitle (self->aria2_test_row, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->aria2_test_row), "error");
    }
  else
    {
      adw_action_row_set_subtitle (self->aria2_test_row, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->aria2_test_row), "error");
    }
}

/* Asks aria2 for its version with the address and secret as typed. */
static void
aria2_test_cb (TrawlPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = aria2_from_rows (self, &error);
  g_autofree char *address = g_settings_get_string (self->settings, "aria2-address");
  g_autofree char *dir = g_settings_get_string (self->settings, "aria2-dir");

  /* What is tested is what is used: the rows as typed are saved first. */
  if (aria2 != NULL &&
      g_strcmp0 (address, gtk_editable_get_text (GTK_EDITABLE (self->aria2_address_row))) != 0)
    aria2_address_apply_cb (self);
  if (g_strcmp0 (dir, gtk_editable_get_text (GTK_EDITABLE (self->aria2_dir_row))) != 0)
    aria2_dir_apply_cb (self);

  if (aria2 == NULL)
    {
      adw_action_row_set_subtitle (self->aria2_test_row, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->aria2_test_row), "error");
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->aria2_test_button), FALSE);
  adw_action_row_set_subtitle (self->aria2_test_row, _("Testing…"));
  trawl_aria2_get_version_async (aria2, self->cancellable, aria2_tested_cb, self);
}

/* The quality row's choices, as the lines of the tallest picture. */
static const guint quality_heights[] = { 0, 2160, 1080, 720, 480, 360 };

static gboolean
quality_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  guint height = g_variant_get_uint32 (variant);
  guint selected = 0;

  /* A height set elsewhere (gsettings) shows as the choice it allows. */
  for (guint i = 1; height > 0 && i < G_N_ELEMENTS (quality_heights); i++)
    if (quality_heights[i] >= height)
      selected = i;
  g_value_set_uint (value, selected);
  return TRUE;
}

static GVariant *
quality_set_mapping (const GValue       *value,
                     const GVariantType *type,
                     gpointer            user_data)
{
  guint selected = MIN (g_value_get_uint (value), G_N_ELEMENTS (quality_heights) - 1);

  return g_variant_new_uint32 (quality_heights[selected]);
}

static const char *
source_words (TrawlRecipe *recipe)
{
  switch (trawl_recipe_get_source (recipe))
    {
    case TRAWL_RECIPE_SOURCE_BUILTIN:
      /* Translators: where a recipe comes from */
      return _("Built in");
    case TRAWL_RECIPE_SOURCE_SYSTEM:
      /* Translators: where a recipe comes from */
      return _("Installed for everyone");
    case TRAWL_RECIPE_SOURCE_USER:
      /* Translators: where a recipe comes from */
      return _("Yours");
    case TRAWL_RECIPE_SOURCE_OTHER:
    default:
      return trawl_recipe_get_origin (recipe);
    }
}

/* Removed, with a way back: the text is kept until the toast goes. */
static void
undo_remove_cb (AdwToast *toast,
                gpointer  user_data)
{
  TrawlPreferencesWindow *self = g_object_get_data (G_OBJECT (toast), "trawl-window");
  const char *text = g_object_get_data (G_OBJECT (toast), "trawl-text");
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (self != NULL && self->recipes != NULL &&
      (name = trawl_recipe_set_save_user (self->recipes, text, &error)) == NULL)
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (error->message));
}

static void
remove_recipe_cb (GtkButton              *button,
                  TrawlPreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "trawl-recipe");
  TrawlRecipe *recipe = trawl_recipe_set_lookup (self->recipes, name);
  g_autofree char *text = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GError) error = NULL;
  AdwToast *toast;

  if (recipe == NULL)
    return;
  g_file_get_contents (trawl_recipe_get_origin (recipe), &text, NULL, NULL);
  title = g_strdup (trawl_recipe_get_title (recipe));
  if (!trawl_recipe_set_remove_user (self->recipes, name, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }

  toast = adw_toast_new_format (_("Removed “%s”"), title);
  if (text != NULL)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      g_object_set_data_full (G_OBJECT (toast), "trawl-text", g_steal_pointer (&text), g_free);
      g_object_set_data (G_OBJECT (toast), "trawl-window", self);
      g_signal_connect (toast, "button-clicked", G_CALLBACK (undo_remove_cb), NULL);
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static GtkWidget *
create_recipe_row (gpointer item,
                   gpointer user_data)
{
  TrawlPreferencesWindow *self = user_data;
  TrawlRecipe *recipe = item;
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = g_strdup_printf ("%s · %s", trawl_recipe_get_name (recipe),
                                               source_words (recipe));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), trawl_recipe_get_title (recipe));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  if (trawl_recipe_get_source (recipe) == TRAWL_RECIPE_SOURCE_USER)
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
      /* Translators: the button that removes the user's recipe %s */
      g_autofree char *label = g_strdup_printf (_("Remove %s"), trawl_recipe_get_title (recipe));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Remove"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data_full (G_OBJECT (button), "trawl-recipe",
                              g_strdup (trawl_recipe_get_name (recipe)), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (remove_recipe_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
update_recipe_problems (TrawlPreferencesWindow *self)
{
  const char *problems = trawl_recipe_set_get_problems (self->recipes);

  gtk_label_set_label (self->recipes_problem_label, problems != NULL ? problems : "");
  gtk_widget_set_visible (GTK_WIDGET (self->recipes_problem_label), problems != NULL);
}

static void
open_recipes_folder_cb (TrawlPreferencesWindow *self)
{
  g_autofree char *folder = trawl_recipe_set_get_user_folder ();

  g_mkdir_with_parents (folder, 0700);
  trawl_open_file (GTK_WIDGET (self), folder);
}

/**
 * trawl_preferences_window_set_recipes:
 *
 * The Recipes page lists @recipes (followed as they change) with where
 * each comes from, and lets the user remove their own.
 */
void
trawl_preferences_window_set_recipes (TrawlPreferencesWindow *self,
                                      TrawlRecipeSet         *recipes)
{
  g_return_if_fail (TRAWL_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (TRAWL_IS_RECIPE_SET (recipes));

  g_set_object (&self->recipes, recipes);
  gtk_list_box_bind_model (self->recipes_list, G_LIST_MODEL (recipes), create_recipe_row, self,
                           NULL);
  g_signal_connect_object (recipes, "items-changed", G_CALLBACK (update_recipe_problems), self,
                           G_CONNECT_SWAPPED);
  update_recipe_problems (self);
}

static void
trawl_preferences_window_constructed (GObject *object)
{
  TrawlPreferencesWindow *self = (TrawlPreferencesWindow *)object;

  G_OBJECT_CLASS (trawl_preferences_window_parent_class)->constructed (object);

  g_settings_bind (self->settings, "prevent-suspend", self->awake_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "show-thumbnails", self->thumbnails_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "folder-per-board", self->folder_per_board_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "ask-before-download", self->ask_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notify-finished", self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "jobs", gtk_spin_button_get_adjustment (self->jobs_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "per-host",
                   gtk_spin_button_get_adjustment (self->per_host_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "split", gtk_spin_button_get_adjustment (self->split_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "speed-limit",
                   gtk_spin_button_get_adjustment (self->speed_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "user-agent", self->user_agent_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "max-height", self->quality_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, quality_get_mapping,
                                quality_set_mapping, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "proxy-mode", self->proxy_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, proxy_get_mapping, proxy_set_mapping,
                                NULL, NULL);

  g_settings_bind_with_mapping (self->settings, "download-on", self->download_on_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, download_on_get_mapping,
                                download_on_set_mapping, NULL, NULL);
  g_settings_bind (self->settings, "aria2-address", self->aria2_address_row, "text",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "aria2-dir", self->aria2_dir_row, "text",
                   G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::download-on",
                           G_CALLBACK (update_download_on), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::aria2-address",
                           G_CALLBACK (check_aria2_address), self, G_CONNECT_SWAPPED);
  update_download_on (self);
  load_secret (self);

  g_signal_connect_object (self->settings, "changed::download-folder",
                           G_CALLBACK (update_folder), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::proxy-mode", G_CALLBACK (update_proxy), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::proxy-url", G_CALLBACK (update_proxy_url),
                           self, G_CONNECT_SWAPPED);
  update_folder (self);
  update_proxy (self);
  update_proxy_url (self);
}

static void
trawl_preferences_window_dispose (GObject *object)
{
  TrawlPreferencesWindow *self = (TrawlPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  /* The set outlives the window: its rows must not be made for a window
   * that is gone (found by the fresh-eyes review: criticals once closed). */
  if (self->recipes_list != NULL)
    gtk_list_box_bind_model (self->recipes_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (trawl_preferences_window_parent_class)->dispose (object);
}

static void
trawl_preferences_window_finalize (GObject *object)
{
  TrawlPreferencesWindow *self = (TrawlPreferencesWindow *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->recipes);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (trawl_preferences_window_parent_class)->finalize (object);
}

static void
trawl_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  TrawlPreferencesWindow *self = TRAWL_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_preferences_window_class_init (TrawlPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = trawl_preferences_window_constructed;
  object_class->dispose = trawl_preferences_window_dispose;
  object_class->finalize = trawl_preferences_window_finalize;
  object_class->set_property = trawl_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/trawl/Trawl/trawl-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, awake_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, thumbnails_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow,
                                        folder_per_board_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, ask_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, jobs_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, per_host_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, split_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, quality_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, speed_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, user_agent_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, proxy_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, proxy_url_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, proxy_error_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, recipes_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow,
                                        recipes_problem_label);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_recipes_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, proxy_url_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, proxy_url_changed_cb);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, download_on_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, aria2_address_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, aria2_secret_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, aria2_dir_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, aria2_test_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow, aria2_test_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlPreferencesWindow,
                                        aria2_message_label);
  gtk_widget_class_bind_template_callback (widget_class, aria2_address_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, aria2_address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, aria2_secret_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, aria2_dir_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, aria2_test_cb);
}

static void
trawl_preferences_window_init (TrawlPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
trawl_preferences_window_new (GSettings *settings)
{
  return g_object_new (TRAWL_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
}
