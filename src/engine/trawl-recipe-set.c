#define G_LOG_DOMAIN "trawl-recipe-set"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "trawl-error.h"
#include "trawl-recipe-private.h"
#include "trawl-recipe-set.h"
#include "trawl-recipes.h"

#define BUILTIN_PATH "/io/github/trawl/Trawl/recipes"

/* What a set was loaded from, in order, so that it can load it again. */
#define LOAD_BUILTIN ""

struct _TrawlRecipeSet
{
  GObject    parent_instance;
  GPtrArray *recipes;  /* in load order; a later one with the same name replaces */
  GPtrArray *loads;    /* folders, or LOAD_BUILTIN */
  GPtrArray *added;    /* recipes added one by one, added again after a reload */
  GPtrArray *monitors; /* of GFileMonitor, once watched */
  guint      reload_source;
  char      *problems;
};

static void trawl_recipe_set_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlRecipeSet, trawl_recipe_set, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      trawl_recipe_set_list_model_init))

static GType
trawl_recipe_set_get_item_type (GListModel *model)
{
  return TRAWL_TYPE_RECIPE;
}

static guint
trawl_recipe_set_get_n_items (GListModel *model)
{
  return TRAWL_RECIPE_SET (model)->recipes->len;
}

static gpointer
trawl_recipe_set_get_item (GListModel *model,
                           guint       position)
{
  TrawlRecipeSet *self = TRAWL_RECIPE_SET (model);

  if (position >= self->recipes->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->recipes, position));
}

static void
trawl_recipe_set_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = trawl_recipe_set_get_item_type;
  iface->get_n_items = trawl_recipe_set_get_n_items;
  iface->get_item = trawl_recipe_set_get_item;
}

static void
trawl_recipe_set_dispose (GObject *object)
{
  TrawlRecipeSet *self = (TrawlRecipeSet *)object;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->monitors != NULL)
    {
      for (guint i = 0; i < self->monitors->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->monitors, i), self);
      g_clear_pointer (&self->monitors, g_ptr_array_unref);
    }

  G_OBJECT_CLASS (trawl_recipe_set_parent_class)->dispose (object);
}

static void
trawl_recipe_set_finalize (GObject *object)
{
  TrawlRecipeSet *self = (TrawlRecipeSet *)object;

  g_clear_pointer (&self->recipes, g_ptr_array_unref);
  g_clear_pointer (&self->loads, g_ptr_array_unref);
  g_clear_pointer (&self->added, g_ptr_array_unref);
  g_free (self->problems);

  G_OBJECT_CLASS (trawl_recipe_set_parent_class)->finalize (object);
}

static void
trawl_recipe_set_class_init (TrawlRecipeSetClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = trawl_recipe_set_dispose;
  G_OBJECT_CLASS (klass)->finalize = trawl_recipe_set_finalize;
}

static void
trawl_recipe_set_init (TrawlRecipeSet *self)
{
  self->recipes = g_ptr_array_new_with_free_func (g_object_unref);
  self->loads = g_ptr_array_new_with_free_func (g_free);
  self->added = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Problems with several files are reported together, one per line. */
static void
append_problem (GString    *problems,
                const char *message)
{
  if (problems->len > 0)
    g_string_append_c (problems, '\n');
  g_string_append (problems, message);
}

TrawlRecipeSet *
trawl_recipe_set_new (void)
{
  return g_object_new (TRAWL_TYPE_RECIPE_SET, NULL);
}

/**
 * trawl_recipe_set_new_default:
 *
 * The built-in recipes, then those installed system-wide, then the user's
 * own ($XDG_DATA_HOME/trawl/recipes), each overriding the last by name.
 * A broken file is reported in @error but does not stop the others loading.
 *
 * Returns: (transfer full): the set, never %NULL
 */
TrawlRecipeSet *
trawl_recipe_set_new_default (GError **error)
{
  TrawlRecipeSet *self = trawl_recipe_set_new ();
  g_autofree char *user_dir = trawl_recipe_set_get_user_folder ();
  g_autoptr(GString) problems = g_string_new (NULL);
  const char *dirs[] = { TRAWL_RECIPEDIR, user_dir };
  g_autoptr(GError) local_error = NULL;

  if (!trawl_recipe_set_load_builtin (self, &local_error))
    {
      append_problem (problems, local_error->message);
      g_clear_error (&local_error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      if (!trawl_recipe_set_load_directory (self, dirs[i], &local_error))
        {
          append_problem (problems, local_error->message);
          g_clear_error (&local_error);
        }
    }

  if (problems->len > 0)
    {
      self->problems = g_strdup (problems->str);
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, problems->str);
    }

  return self;
}

/**
 * trawl_recipe_set_get_user_folder:
 *
 * Returns: (transfer full): where the user's recipes live,
 *   $XDG_DATA_HOME/trawl/recipes (in the Flatpak, the app's own data folder)
 */
char *
trawl_recipe_set_get_user_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "trawl", "recipes", NULL);
}

static void
add_loaded (TrawlRecipeSet *self,
            TrawlRecipe    *recipe)
{
  for (guint i = 0; i < self->recipes->len; i++)
    {
      TrawlRecipe *other = g_ptr_array_index (self->recipes, i);

      if (g_str_equal (trawl_recipe_get_name (other), trawl_recipe_get_name (recipe)))
        {
          g_ptr_array_remove_index (self->recipes, i);
          break;
        }
    }

  g_ptr_array_add (self->recipes, g_object_ref (recipe));
}

/**
 * trawl_recipe_set_add:
 *
 * Adds @recipe, replacing any of the same name; it stays after a reload.
 */
void
trawl_recipe_set_add (TrawlRecipeSet *self,
                      TrawlRecipe    *recipe)
{
  guint before;

  g_return_if_fail (TRAWL_IS_RECIPE_SET (self));
  g_return_if_fail (TRAWL_IS_RECIPE (recipe));

  before = self->recipes->len;
  add_loaded (self, recipe);
  g_ptr_array_add (self->added, g_object_ref (recipe));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, before, self->recipes->len);
}

gboolean
trawl_recipe_set_load_builtin (TrawlRecipeSet  *self,
                               GError         **error)
{
  g_auto(GStrv) children = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), FALSE);

  g_ptr_array_add (self->loads, g_strdup (LOAD_BUILTIN));
  {
    static gsize registered;

    if (g_once_init_enter (&registered))
      {
        trawl_recipes_register_resource ();
        g_once_init_leave (&registered, 1);
      }
  }

  children = g_resources_enumerate_children (BUILTIN_PATH, 0, NULL);
  for (guint i = 0; children != NULL && children[i] != NULL; i++)
    {
      g_autofree char *path = g_build_path ("/", BUILTIN_PATH, children[i], NULL);
      g_autofree char *origin = g_strconcat ("resource://", path, NULL);
      g_autoptr(GBytes) bytes = g_resources_lookup_data (path, 0, NULL);
      g_autoptr(TrawlRecipe) recipe = NULL;
      g_autoptr(GError) local_error = NULL;
      gsize size;
      const char *data;

      if (bytes == NULL || !g_str_has_suffix (children[i], ".recipe"))
        continue;

      data = g_bytes_get_data (bytes, &size);
      recipe = trawl_recipe_new_from_data (data, size, origin, &local_error);
      if (recipe == NULL)
        {
          append_problem (problems, local_error->message);
          continue;
        }
      _trawl_recipe_set_source (recipe, TRAWL_RECIPE_SOURCE_BUILTIN);
      add_loaded (self, recipe);
    }

  if (problems->len > 0)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, problems->str);
      return FALSE;
    }

  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static TrawlRecipeSource
folder_source (const char *path)
{
  g_autofree char *user = trawl_recipe_set_get_user_folder ();

  if (g_strcmp0 (path, user) == 0)
    return TRAWL_RECIPE_SOURCE_USER;
  if (g_strcmp0 (path, TRAWL_RECIPEDIR) == 0)
    return TRAWL_RECIPE_SOURCE_SYSTEM;
  return TRAWL_RECIPE_SOURCE_OTHER;
}

/**
 * trawl_recipe_set_load_directory:
 *
 * Loads every *.recipe file of @path, in name order. A missing folder is
 * not an error; each broken file is named in @error (one per line) while
 * the good ones still load.
 *
 * Returns: %FALSE if any file could not be loaded
 */
gboolean
trawl_recipe_set_load_directory (TrawlRecipeSet  *self,
                                 const char      *path,
                                 GError         **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_ptr_array_add (self->loads, g_strdup (path));
  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      /* No folder (or a file in the way of its parent) means no recipes. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
          g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".recipe"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      g_autoptr(TrawlRecipe) recipe = trawl_recipe_new_from_file (file, &local_error);

      if (recipe == NULL)
        {
          append_problem (problems, local_error->message);
          g_clear_error (&local_error);
          continue;
        }
      _trawl_recipe_set_source (recipe, folder_source (path));
      add_loaded (self, recipe);
    }

  if (problems->len > 0)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, problems->str);
      return FALSE;
    }

  return TRUE;
}

TrawlRecipe *
trawl_recipe_set_lookup (TrawlRecipeSet *self,
                         const char     *name)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->recipes->len; i++)
    {
      TrawlRecipe *recipe = g_ptr_array_index (self->recipes, i);

      if (g_str_equal (trawl_recipe_get_name (recipe), name))
        return recipe;
    }

  return NULL;
}

/* The most recently loaded matching recipe wins, so a user's recipe for a
 * site takes over from the built-in one. */
TrawlRecipe *
trawl_recipe_set_match (TrawlRecipeSet *self,
                        const char     *url)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  for (guint i = self->recipes->len; i > 0; i--)
    {
      TrawlRecipe *recipe = g_ptr_array_index (self->recipes, i - 1);

      if (trawl_recipe_matches (recipe, url))
        return recipe;
    }

  return NULL;
}

GStrv
trawl_recipe_set_list_names (TrawlRecipeSet *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), NULL);

  for (guint i = 0; i < self->recipes->len; i++)
    g_strv_builder_add (builder, trawl_recipe_get_name (g_ptr_array_index (self->recipes, i)));

  return g_strv_builder_end (builder);
}

/**
 * trawl_recipe_set_reload:
 *
 * Loads again what the set was loaded from (built-in recipes and folders,
 * in the same order), then the recipes added one by one. The set says its
 * items changed.
 *
 * Returns: %FALSE with every broken file named in @error, as loading does
 */
gboolean
trawl_recipe_set_reload (TrawlRecipeSet  *self,
                         GError         **error)
{
  g_autoptr(GPtrArray) loads = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  guint before;

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), FALSE);

  before = self->recipes->len;
  loads = g_steal_pointer (&self->loads);
  self->loads = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_set_size (self->recipes, 0);

  for (guint i = 0; i < loads->len; i++)
    {
      const char *load = g_ptr_array_index (loads, i);
      g_autoptr(GError) local_error = NULL;
      gboolean ok = *load == '\0' ? trawl_recipe_set_load_builtin (self, &local_error)
                                   : trawl_recipe_set_load_directory (self, load, &local_error);

      if (!ok)
        append_problem (problems, local_error->message);
    }
  for (guint i = 0; i < self->added->len; i++)
    add_loaded (self, g_ptr_array_index (self->added, i));

  g_free (self->problems);
  self->problems = problems->len > 0 ? g_strdup (problems->str) : NULL;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, before, self->recipes->len);

  if (self->problems != NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, self->problems);
      return FALSE;
    }
  return TRUE;
}

/* What could not be loaded the last time, one file per line, or NULL. */
const char *
trawl_recipe_set_get_problems (TrawlRecipeSet *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), NULL);
  return self->problems;
}

static gboolean
reload_cb (gpointer user_data)
{
  TrawlRecipeSet *self = user_data;
  g_autoptr(GError) error = NULL;

  self->reload_source = 0;
  if (!trawl_recipe_set_reload (self, &error))
    g_message ("%s", error->message);
  return G_SOURCE_REMOVE;
}

/* An editor writes a file in several steps: one reload once it is quiet. */
static void
folder_changed_cb (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event,
                   TrawlRecipeSet    *self)
{
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_source = g_timeout_add (100, reload_cb, self);
}

/**
 * trawl_recipe_set_watch:
 *
 * Reloads the set whenever a recipe is added to, changed in or removed from
 * one of its folders, so a recipe saved by the editor or by hand is used at
 * once. The user's folder is made if it is missing, so that it can be
 * watched.
 */
void
trawl_recipe_set_watch (TrawlRecipeSet *self)
{
  g_autofree char *user = trawl_recipe_set_get_user_folder ();

  g_return_if_fail (TRAWL_IS_RECIPE_SET (self));

  if (self->monitors != NULL)
    return;
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->loads->len; i++)
    {
      const char *load = g_ptr_array_index (self->loads, i);
      g_autoptr(GFile) folder = NULL;
      g_autoptr(GError) error = NULL;
      GFileMonitor *monitor;

      if (*load == '\0')
        continue;
      if (g_str_equal (load, user))
        g_mkdir_with_parents (load, 0700);
      folder = g_file_new_for_path (load);
      monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (monitor == NULL)
        {
          g_debug ("Not watching %s: %s", load, error->message);
          continue;
        }
      g_signal_connect (monitor, "changed", G_CALLBACK (folder_changed_cb), self);
      g_ptr_array_add (self->monitors, monitor);
    }
}

/**
 * trawl_recipe_set_save_user:
 * @text: a recipe, in the key-file format
 *
 * Saves @text in the user's recipes folder, atomically, as NAME.recipe
 * (or over the user's file that already holds a recipe of that name), and
 * reloads the set so it is used at once. Nothing is written when @text is
 * not a valid recipe.
 *
 * Returns: (transfer full): the recipe's name, or %NULL with @error
 */
char *
trawl_recipe_set_save_user (TrawlRecipeSet  *self,
                            const char      *text,
                            GError         **error)
{
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autofree char *folder = trawl_recipe_set_get_user_folder ();
  g_autofree char *path = NULL;
  g_autofree char *file = NULL;
  TrawlRecipe *existing;

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  recipe = trawl_recipe_new_from_data (text, -1, "recipe", error);
  if (recipe == NULL)
    return NULL;

  existing = trawl_recipe_set_lookup (self, trawl_recipe_get_name (recipe));
  if (existing != NULL && trawl_recipe_get_source (existing) == TRAWL_RECIPE_SOURCE_USER)
    path = g_strdup (trawl_recipe_get_origin (existing));
  else
    {
      file = g_strconcat (trawl_recipe_get_name (recipe), ".recipe", NULL);
      path = g_build_filename (folder, file, NULL);
    }

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("The recipes folder %s could not be made: %s"), folder, g_strerror (saved));
      return NULL;
    }
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return NULL;

  trawl_recipe_set_reload (self, NULL);
  return g_strdup (trawl_recipe_get_name (recipe));
}

/**
 * trawl_recipe_set_remove_user:
 *
 * Deletes the user's recipe @name (its file) and reloads the set; a
 * built-in or system recipe of the same name is used again.
 *
 * Returns: %FALSE with @error when @name is no user recipe or its file
 *   cannot be deleted
 */
gboolean
trawl_recipe_set_remove_user (TrawlRecipeSet  *self,
                              const char      *name,
                              GError         **error)
{
  TrawlRecipe *recipe;

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  recipe = trawl_recipe_set_lookup (self, name);
  if (recipe == NULL || trawl_recipe_get_source (recipe) != TRAWL_RECIPE_SOURCE_USER)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, _("There is no recipe of yours "
                                                            "named “%s”"), name);
      return FALSE;
    }

  if (g_unlink (trawl_recipe_get_origin (recipe)) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s could not be deleted: %s"), trawl_recipe_get_origin (recipe),
                   g_strerror (saved));
      return FALSE;
    }

  trawl_recipe_set_reload (self, NULL);
  return TRUE;
}
