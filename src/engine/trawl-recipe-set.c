#define G_LOG_DOMAIN "trawl-recipe-set"

#include "config.h"

#include "trawl-error.h"
#include "trawl-recipe-set.h"
#include "trawl-recipes.h"

#define BUILTIN_PATH "/io/github/trawl/Trawl/recipes"

struct _TrawlRecipeSet
{
  GObject    parent_instance;
  GPtrArray *recipes;  /* in load order; a later one with the same name replaces */
};

G_DEFINE_FINAL_TYPE (TrawlRecipeSet, trawl_recipe_set, G_TYPE_OBJECT)

static void
trawl_recipe_set_finalize (GObject *object)
{
  TrawlRecipeSet *self = (TrawlRecipeSet *)object;

  g_clear_pointer (&self->recipes, g_ptr_array_unref);

  G_OBJECT_CLASS (trawl_recipe_set_parent_class)->finalize (object);
}

static void
trawl_recipe_set_class_init (TrawlRecipeSetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_recipe_set_finalize;
}

static void
trawl_recipe_set_init (TrawlRecipeSet *self)
{
  self->recipes = g_ptr_array_new_with_free_func (g_object_unref);
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
  g_autofree char *user_dir = g_build_filename (g_get_user_data_dir (), "trawl", "recipes", NULL);
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
    g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, problems->str);

  return self;
}

void
trawl_recipe_set_add (TrawlRecipeSet *self,
                      TrawlRecipe    *recipe)
{
  g_return_if_fail (TRAWL_IS_RECIPE_SET (self));
  g_return_if_fail (TRAWL_IS_RECIPE (recipe));

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

gboolean
trawl_recipe_set_load_builtin (TrawlRecipeSet  *self,
                               GError         **error)
{
  g_auto(GStrv) children = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);

  g_return_val_if_fail (TRAWL_IS_RECIPE_SET (self), FALSE);

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
      trawl_recipe_set_add (self, recipe);
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
      trawl_recipe_set_add (self, recipe);
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
