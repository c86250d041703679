#define G_LOG_DOMAIN "trawl-recipe"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "trawl-error.h"
#include "trawl-recipe-private.h"
#include "trawl-util-private.h"
#include "trawl-xml-private.h"

#define DEFAULT_MAX_PAGES 100

G_DEFINE_FINAL_TYPE (TrawlRecipe, trawl_recipe, G_TYPE_OBJECT)

static void
trawl_strategy_free (gpointer data)
{
  TrawlStrategy *strategy = data;

  g_free (strategy->name);
  g_clear_pointer (&strategy->regex, g_regex_unref);
  g_free (strategy->xpath);
  g_free (strategy->api_url);
  g_strfreev (strategy->api_header_names);
  g_strfreev (strategy->api_header_values);
  g_free (strategy->api_check_path);
  g_free (strategy->api_check_value);
  g_free (strategy->json_path);
  g_free (strategy->rewrite);
  g_free (strategy->rewrite_to);
  g_free (strategy);
}

static void
trawl_recipe_finalize (GObject *object)
{
  TrawlRecipe *self = (TrawlRecipe *)object;

  g_free (self->name);
  g_free (self->title);
  g_free (self->origin);
  g_clear_pointer (&self->match, g_regex_unref);
  g_clear_pointer (&self->board_vars, g_regex_unref);
  g_clear_pointer (&self->item_id, g_regex_unref);
  g_free (self->items_xpath);
  g_free (self->link_xpath);
  g_free (self->title_xpath);
  g_free (self->thumbnail_xpath);
  g_free (self->duration_xpath);
  g_free (self->next_xpath);
  g_free (self->page_url);
  g_clear_pointer (&self->json_source, g_regex_unref);
  g_free (self->json_items);
  g_free (self->json_link);
  g_free (self->json_title);
  g_free (self->json_thumbnail);
  g_free (self->json_duration);
  g_free (self->detail_title_xpath);
  g_clear_pointer (&self->strategies, g_ptr_array_unref);

  G_OBJECT_CLASS (trawl_recipe_parent_class)->finalize (object);
}

static void
trawl_recipe_class_init (TrawlRecipeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = trawl_recipe_finalize;
}

static void
trawl_recipe_init (TrawlRecipe *self)
{
  self->strategies = g_ptr_array_new_with_free_func (trawl_strategy_free);
  self->max_pages = DEFAULT_MAX_PAGES;
}

/* GKeyFile forgets line numbers, so find the key again in the text to point
 * the user at the right line. */
static guint
find_line (const char *data,
           const char *group,
           const char *key)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  g_autofree char *header = g_strdup_printf ("[%s]", group);
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      while (*line == ' ' || *line == '\t')
        line++;

      if (*line == '[')
        {
          in_group = g_str_has_prefix (line, header);
          if (in_group && key == NULL)
            return i + 1;
          continue;
        }

      if (in_group && key != NULL && g_str_has_prefix (line, key))
        {
          const char *rest = line + strlen (key);

          while (*rest == ' ' || *rest == '\t')
            rest++;
          if (*rest == '=')
            return i + 1;
        }
    }

  return 0;
}

typedef struct
{
  GKeyFile   *keyfile;
  const char *data;
  const char *origin;
} Loader;

static gboolean
fail (Loader      *loader,
      const char  *group,
      const char  *key,
      GError     **error,
      const char  *format,
      ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (Loader      *loader,
      const char  *group,
      const char  *key,
      GError     **error,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;
  guint line = find_line (loader->data, group, key);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (line > 0)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, "%s:%u: %s",
                 loader->origin, line, message);
  else
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, "%s: %s", loader->origin, message);

  return FALSE;
}

static char *
get_string (Loader     *loader,
            const char *group,
            const char *key)
{
  /* The raw value: GKeyFile's own escapes would turn a regex's \s into a
   * blank and \\ into one backslash, and the format promises none. */
  g_autofree char *value = g_key_file_get_value (loader->keyfile, group, key, NULL);

  if (value == NULL)
    return NULL;

  g_strstrip (value);
  if (*value == '\0')
    return NULL;

  return g_steal_pointer (&value);
}

static gboolean
get_regex (Loader      *loader,
           const char  *group,
           const char  *key,
           gboolean     caseless,
           GRegex     **out,
           GError     **error)
{
  g_autofree char *pattern = get_string (loader, group, key);
  g_autoptr(GError) local_error = NULL;

  *out = NULL;
  if (pattern == NULL)
    return TRUE;

  *out = g_regex_new (pattern, G_REGEX_OPTIMIZE | (caseless ? G_REGEX_CASELESS : 0), 0,
                      &local_error);
  if (*out == NULL)
    return fail (loader, group, key, error, _("%s is not a valid regular expression: %s"), key,
                 local_error->message);

  return TRUE;
}

static gboolean
get_xpath (Loader      *loader,
           const char  *group,
           const char  *key,
           char       **out,
           GError     **error)
{
  xmlXPathCompExprPtr compiled;

  *out = get_string (loader, group, key);
  if (*out == NULL)
    return TRUE;

  _trawl_xml_init ();
  xmlResetLastError ();
  compiled = xmlXPathCompile ((const xmlChar *) *out);
  if (compiled == NULL)
    {
      const xmlError *last = xmlGetLastError ();

      g_clear_pointer (out, g_free);
      /* libxml2 says where in the expression it gave up (int1, from 0). */
      if (last != NULL && last->domain == XML_FROM_XPATH && last->message != NULL)
        {
          g_autofree char *why = g_strstrip (g_strdup (last->message));

          return fail (loader, group, key, error,
                       _("%s is not a valid XPath expression (at character %d: %s)"), key,
                       last->int1 + 1, why);
        }
      return fail (loader, group, key, error, _("%s is not a valid XPath expression"), key);
    }
  xmlXPathFreeCompExpr (compiled);

  return TRUE;
}

static gboolean
get_offset (Loader      *loader,
            const char  *group,
            const char  *key,
            int          fallback,
            int         *out,
            GError     **error)
{
  g_autofree char *value = get_string (loader, group, key);
  guint64 number;

  *out = fallback;
  if (value == NULL)
    return TRUE;

  if (g_strcmp0 (value, "auto") == 0)
    {
      *out = -1;
      return TRUE;
    }

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT, &number, NULL))
    return fail (loader, group, key, error, _("%s must be a number or “auto”"), key);

  *out = (int) number;
  return TRUE;
}

static gboolean
load_strategy (TrawlRecipe  *self,
               Loader       *loader,
               const char   *group,
               GError      **error)
{
  /* Room for one: GLib 2.74 steals an empty array with none as NULL, and
   * the header vectors must be empty lists, never NULL. */
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  g_autoptr(GPtrArray) values = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  g_auto(GStrv) keys = NULL;
  TrawlStrategy *strategy = g_new0 (TrawlStrategy, 1);
  g_autoptr(GRegex) rewrite_check = NULL;
  guint kinds = 0;

  strategy->name = g_strstrip (g_strdup (group + strlen ("Media")));
  if (*strategy->name == '\0')
    {
      g_free (strategy->name);
      strategy->name = g_strdup_printf ("%u", self->strategies->len + 1);
    }
  g_ptr_array_add (self->strategies, strategy);

  if (!get_regex (loader, group, "Regex", FALSE, &strategy->regex, error) ||
      !get_xpath (loader, group, "XPath", &strategy->xpath, error))
    return FALSE;

  strategy->api_url = get_string (loader, group, "Api");
  strategy->json_path = get_string (loader, group, "Json");
  strategy->rewrite = get_string (loader, group, "Rewrite");
  strategy->rewrite_to = get_string (loader, group, "Rewrite-To");

  if (strategy->regex != NULL)
    {
      kinds++;
      strategy->kind = TRAWL_STRATEGY_REGEX;
      if (g_regex_get_capture_count (strategy->regex) < 1)
        return fail (loader, group, "Regex", error,
                     _("Regex needs a group around the URL, such as srcUrl=\"(.*?)\""));
    }
  if (strategy->xpath != NULL)
    {
      kinds++;
      strategy->kind = TRAWL_STRATEGY_XPATH;
    }
  if (strategy->api_url != NULL)
    {
      kinds++;
      strategy->kind = TRAWL_STRATEGY_API;
      if (strategy->json_path == NULL)
        return fail (loader, group, "Api", error,
                     _("Api needs a Json key saying where the URL is"));
    }

  if (kinds != 1)
    return fail (loader, group, NULL, error,
                 _("[%s] must have exactly one of Regex, XPath or Api"), group);

  if ((strategy->rewrite == NULL) != (strategy->rewrite_to == NULL))
    return fail (loader, group, strategy->rewrite ? "Rewrite" : "Rewrite-To", error,
                 _("Rewrite and Rewrite-To go together"));

  /* The rewrite pattern may contain {variables}; check what it would be
   * with placeholders so a broken pattern is reported at load time. */
  if (strategy->rewrite != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GRegex) placeholder = g_regex_new ("\\{[^{}]+\\}", 0, 0, NULL);
      g_autofree char *probe = g_regex_replace_literal (placeholder, strategy->rewrite, -1, 0,
                                                        "x", 0, NULL);

      rewrite_check = g_regex_new (probe, 0, 0, &local_error);
      if (rewrite_check == NULL)
        return fail (loader, group, "Rewrite", error,
                     _("Rewrite is not a valid regular expression: %s"), local_error->message);
    }

  {
    g_autofree char *check = get_string (loader, group, "Api-Check");

    if (check != NULL)
      {
        char *eq = strchr (check, '=');

        if (eq == NULL)
          return fail (loader, group, "Api-Check", error, _("Api-Check must look like key=value"));
        *eq = '\0';
        strategy->api_check_path = g_strstrip (g_strdup (check));
        strategy->api_check_value = g_strstrip (g_strdup (eq + 1));
      }
  }

  keys = g_key_file_get_keys (loader->keyfile, group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (g_str_has_prefix (keys[i], "Api-Header-") && keys[i][strlen ("Api-Header-")] != '\0')
        {
          g_ptr_array_add (names, g_strdup (keys[i] + strlen ("Api-Header-")));
          g_ptr_array_add (values, get_string (loader, group, keys[i]));
          if (g_ptr_array_index (values, values->len - 1) == NULL)
            g_ptr_array_index (values, values->len - 1) = g_strdup ("");
        }
    }
  strategy->api_header_names = (GStrv) g_ptr_array_steal (names, NULL);
  strategy->api_header_values = (GStrv) g_ptr_array_steal (values, NULL);

  return TRUE;
}

/* A typo in a key name would be a silent no-op: every key is one Trawl
 * knows. */
static gboolean
check_keys (Loader      *loader,
            const char  *group,
            GError     **error)
{
  static const char * const recipe_keys[] = {
    "Name", "Title", "Match", "Board-Vars", "Item-Id", NULL
  };
  static const char * const list_keys[] = {
    "Items", "Link", "Title", "Thumbnail", "Duration", "Next", "Page-Url", "Page-Start",
    "Page-Step", "Max-Pages", "Json-Source", "Json-Items", "Json-Link", "Json-Title",
    "Json-Thumbnail", "Json-Duration", NULL
  };
  static const char * const detail_keys[] = { "Title", NULL };
  static const char * const media_keys[] = {
    "Regex", "XPath", "Api", "Json", "Api-Check", "Rewrite", "Rewrite-To", NULL
  };
  const char * const *known = g_str_equal (group, "Recipe") ? recipe_keys
                              : g_str_equal (group, "List") ? list_keys
                              : g_str_equal (group, "Detail") ? detail_keys : media_keys;
  g_auto(GStrv) keys = g_key_file_get_keys (loader->keyfile, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *bare = g_strdup (keys[i]);

      /* Title[zh_CN]: a translation of a known key. */
      if (strchr (bare, '[') != NULL)
        *strchr (bare, '[') = '\0';
      if (g_strv_contains (known, bare) ||
          (known == media_keys && g_str_has_prefix (bare, "Api-Header-")))
        continue;
      return fail (loader, group, keys[i], error, _("%s is no key of [%s] (see docs/recipes.md)"),
                   keys[i], group);
    }

  return TRUE;
}

static gboolean
load (TrawlRecipe  *self,
      Loader       *loader,
      GError      **error)
{
  g_auto(GStrv) groups = NULL;

  /* A misspelt group first: it is why the right one seems missing. */
  groups = g_key_file_get_groups (loader->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (!(g_str_has_prefix (groups[i], "Media") &&
          (groups[i][5] == '\0' || groups[i][5] == ' ')) &&
        !g_str_equal (groups[i], "Recipe") && !g_str_equal (groups[i], "List") &&
        !g_str_equal (groups[i], "Detail"))
      return fail (loader, groups[i], NULL, error, _("unknown group [%s]"), groups[i]);
  g_clear_pointer (&groups, g_strfreev);

  if (!g_key_file_has_group (loader->keyfile, "Recipe"))
    return fail (loader, NULL, NULL, error, _("missing the [Recipe] group"));

  self->name = get_string (loader, "Recipe", "Name");
  if (self->name == NULL)
    return fail (loader, "Recipe", NULL, error, _("[Recipe] needs a Name"));
  for (const char *p = self->name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return fail (loader, "Recipe", "Name", error,
                   _("Name may only use letters, digits, “-”, “_” and “.”"));

  self->title = get_string (loader, "Recipe", "Title");
  if (self->title == NULL)
    self->title = g_strdup (self->name);

  if (!get_regex (loader, "Recipe", "Match", TRUE, &self->match, error) ||
      !get_regex (loader, "Recipe", "Board-Vars", FALSE, &self->board_vars, error) ||
      !get_regex (loader, "Recipe", "Item-Id", FALSE, &self->item_id, error))
    return FALSE;

  if (self->item_id != NULL && g_regex_get_capture_count (self->item_id) < 1)
    return fail (loader, "Recipe", "Item-Id", error, _("Item-Id needs a group around the id"));

  if (!get_xpath (loader, "List", "Items", &self->items_xpath, error) ||
      !get_xpath (loader, "List", "Link", &self->link_xpath, error) ||
      !get_xpath (loader, "List", "Title", &self->title_xpath, error) ||
      !get_xpath (loader, "List", "Thumbnail", &self->thumbnail_xpath, error) ||
      !get_xpath (loader, "List", "Duration", &self->duration_xpath, error) ||
      !get_xpath (loader, "List", "Next", &self->next_xpath, error) ||
      !get_xpath (loader, "Detail", "Title", &self->detail_title_xpath, error))
    return FALSE;

  if (!get_regex (loader, "List", "Json-Source", FALSE, &self->json_source, error))
    return FALSE;
  self->json_items = get_string (loader, "List", "Json-Items");
  self->json_link = get_string (loader, "List", "Json-Link");
  self->json_title = get_string (loader, "List", "Json-Title");
  self->json_thumbnail = get_string (loader, "List", "Json-Thumbnail");
  self->json_duration = get_string (loader, "List", "Json-Duration");

  if (self->json_items != NULL)
    {
      if (self->json_link == NULL)
        return fail (loader, "List", "Json-Items", error,
                     _("Json-Items needs a Json-Link saying where each item’s link is"));
      if (self->items_xpath != NULL)
        return fail (loader, "List", "Items", error,
                     _("[List] has Items or Json-Items, not both"));
    }
  else if (self->json_source != NULL || self->json_link != NULL)
    return fail (loader, "List", self->json_source != NULL ? "Json-Source" : "Json-Link", error,
                 _("Json-Source and Json-Link need Json-Items"));
  else if (self->items_xpath == NULL || self->link_xpath == NULL)
    return fail (loader, "List", NULL, error, _("[List] needs Items and Link"));

  self->page_url = get_string (loader, "List", "Page-Url");
  if (!get_offset (loader, "List", "Page-Start", -1, &self->page_start, error) ||
      !get_offset (loader, "List", "Page-Step", -1, &self->page_step, error))
    return FALSE;

  if (g_key_file_has_key (loader->keyfile, "List", "Max-Pages", NULL))
    {
      g_autofree char *value = get_string (loader, "List", "Max-Pages");
      guint64 number;

      if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 100000, &number, NULL))
        return fail (loader, "List", "Max-Pages", error, _("Max-Pages must be a number from 1"));
      self->max_pages = (guint) number;
    }

  groups = g_key_file_get_groups (loader->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if ((g_str_equal (groups[i], "Recipe") || g_str_equal (groups[i], "List") ||
           g_str_equal (groups[i], "Detail") ||
           (g_str_has_prefix (groups[i], "Media") &&
            (groups[i][5] == '\0' || groups[i][5] == ' '))) &&
          !check_keys (loader, groups[i], error))
        return FALSE;
      if (g_str_has_prefix (groups[i], "Media") &&
          (groups[i][5] == '\0' || groups[i][5] == ' '))
        {
          if (!load_strategy (self, loader, groups[i], error))
            return FALSE;
        }
      else if (!g_str_equal (groups[i], "Recipe") && !g_str_equal (groups[i], "List") &&
               !g_str_equal (groups[i], "Detail"))
        {
          return fail (loader, groups[i], NULL, error, _("unknown group [%s]"), groups[i]);
        }
    }

  if (self->strategies->len == 0)
    return fail (loader, NULL, NULL, error, _("a recipe needs at least one [Media …] group"));

  return TRUE;
}

/* What GKeyFile would take without a word, or report without a line:
 * caught here with the line, as a person sees the file. */
static gboolean
check_lines (const char  *data,
             gsize        length,
             const char  *text,
             const char  *origin,
             GError     **error)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *bad;

  /* @data as read, @text the same ended by a NUL (the first, if any). */
  if (memchr (data, '\0', length) != NULL)
    {
      guint line = 1;

      for (const char *p = text; *p != '\0'; p++)
        line += *p == '\n';
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                   _("%s:%u: the file has a NUL byte; it is no text"), origin, line);
      return FALSE;
    }
  if (!g_utf8_validate (data, length, &bad))
    {
      guint line = 1;

      for (const char *p = data; p < bad; p++)
        line += *p == '\n';
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                   _("%s:%u: the line is not UTF-8 text"), origin, line);
      return FALSE;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_autofree char *key = NULL;
      const char *eq;

      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '[')
        {
          if (!g_hash_table_add (groups, g_strdup (line)))
            {
              g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                           _("%s:%u: %s appears twice; each group appears once"), origin, i + 1,
                           line);
              return FALSE;
            }
          g_hash_table_remove_all (keys);
          continue;
        }
      eq = strchr (line, '=');
      if (eq == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                       _("%s:%u: a line is a [Group], Key=value or a # comment"), origin, i + 1);
          return FALSE;
        }
      key = g_strstrip (g_strndup (line, eq - line));
      if (!g_hash_table_add (keys, g_strdup (key)))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE,
                       _("%s:%u: %s appears twice in its group"), origin, i + 1, key);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * trawl_recipe_new_from_data:
 * @data: the recipe, in the key-file format documented in docs/recipes.md
 * @length: the length of @data, or -1
 * @origin: where @data came from, for error messages
 *
 * Returns: (transfer full): the recipe, or %NULL with an error naming
 *   @origin and the line at fault
 */
TrawlRecipe *
trawl_recipe_new_from_data (const char  *data,
                            gsize        length,
                            const char  *origin,
                            GError     **error)
{
  g_autoptr(TrawlRecipe) self = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  Loader loader;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  if (length == (gsize) -1)
    length = strlen (data);
  /* Some editors start a UTF-8 file with a byte order mark. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  text = g_strndup (data, length);
  if (!check_lines (data, length, text, origin, error))
    return NULL;

  if (!g_key_file_load_from_data (keyfile, text, -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, "%s: %s", origin, local_error->message);
      return NULL;
    }

  self = g_object_new (TRAWL_TYPE_RECIPE, NULL);
  self->origin = g_strdup (origin);
  loader.keyfile = keyfile;
  loader.data = text;
  loader.origin = origin;

  if (!load (self, &loader, error))
    return NULL;

  return g_steal_pointer (&self);
}

TrawlRecipe *
trawl_recipe_new_from_file (const char  *path,
                            GError     **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  /* A FIFO or /dev/zero in a recipes folder must not hang every start. */
  if (!_trawl_read_regular_file (path, TRAWL_MAX_INPUT_SIZE, &data, &length, error))
    return NULL;
  if (data == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s does not exist"), path);
      return NULL;
    }

  return trawl_recipe_new_from_data (data, length, path, error);
}

const char *
trawl_recipe_get_name (TrawlRecipe *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE (self), NULL);
  return self->name;
}

const char *
trawl_recipe_get_title (TrawlRecipe *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE (self), NULL);
  return self->title;
}

const char *
trawl_recipe_get_origin (TrawlRecipe *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE (self), NULL);
  return self->origin;
}

TrawlRecipeSource
trawl_recipe_get_source (TrawlRecipe *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE (self), TRAWL_RECIPE_SOURCE_OTHER);
  return self->source;
}

/* Set by the recipe set that loads it, before anyone else sees it. */
void
_trawl_recipe_set_source (TrawlRecipe       *self,
                          TrawlRecipeSource  source)
{
  self->source = source;
}

/* Match is tried on the URL without its scheme, so one recipe covers
 * http and https (and "//host/..." in the recipe is not needed). */
static const char *
skip_scheme (const char *url)
{
  const char *sep = strstr (url, "://");

  return sep != NULL ? sep + 3 : url;
}

gboolean
trawl_recipe_matches (TrawlRecipe *self,
                      const char  *url)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (self->match == NULL)
    return FALSE;

  return g_regex_match (self->match, skip_scheme (url), 0, NULL);
}

char *
trawl_recipe_get_item_id (TrawlRecipe *self,
                          const char  *detail_url)
{
  g_autoptr(GMatchInfo) info = NULL;
  char *id;

  g_return_val_if_fail (TRAWL_IS_RECIPE (self), NULL);

  if (self->item_id == NULL || detail_url == NULL)
    return NULL;

  if (!g_regex_match (self->item_id, detail_url, 0, &info))
    return NULL;

  id = g_match_info_fetch_named (info, "id");
  if (id == NULL || *id == '\0')
    {
      g_free (id);
      id = g_match_info_fetch (info, 1);
    }

  return id;
}

static void
add_named_groups (GHashTable *vars,
                  GRegex     *regex,
                  const char *subject)
{
  g_autoptr(GMatchInfo) info = NULL;
  g_autoptr(GRegex) names = NULL;
  const char *pattern;
  g_autoptr(GMatchInfo) name_info = NULL;

  if (regex == NULL || !g_regex_match (regex, subject, 0, &info))
    return;

  /* GRegex has no API to list group names; read them from the pattern. */
  pattern = g_regex_get_pattern (regex);
  names = g_regex_new ("\\(\\?P?<([A-Za-z_][A-Za-z0-9_]*)>", 0, 0, NULL);
  g_regex_match (names, pattern, 0, &name_info);
  while (g_match_info_matches (name_info))
    {
      g_autofree char *name = g_match_info_fetch (name_info, 1);
      char *value = g_match_info_fetch_named (info, name);

      if (value != NULL && *value != '\0')
        g_hash_table_insert (vars, g_steal_pointer (&name), value);
      else
        g_free (value);

      g_match_info_next (name_info, NULL);
    }
}

/* The variables a board URL gives to templates: named groups of Match and
 * of Board-Vars, plus {board} itself. */
GHashTable *
_trawl_recipe_board_vars (TrawlRecipe *self,
                          const char  *board_url)
{
  GHashTable *vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (vars, g_strdup ("board"), g_strdup (board_url));
  if (self != NULL)
    {
      add_named_groups (vars, self->match, skip_scheme (board_url));
      add_named_groups (vars, self->board_vars, board_url);
    }

  return vars;
}

/* The node at the dotted @path under @root ("." is @root itself), or NULL. */
JsonNode *
_trawl_json_find (JsonNode   *root,
                  const char *path)
{
  g_auto(GStrv) parts = NULL;
  JsonNode *node = root;

  if (root == NULL || path == NULL)
    return NULL;
  if (g_str_equal (path, "."))
    return root;

  parts = g_strsplit (path, ".", -1);
  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      guint64 index;

      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node) &&
               g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &index, NULL) &&
               index < json_array_get_length (json_node_get_array (node)))
        node = json_array_get_element (json_node_get_array (node), index);
      else
        node = NULL;
    }

  return node;
}

/* A string, number or boolean as text; NULL for anything else. */
char *
_trawl_json_node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

char *
_trawl_json_lookup (JsonNode   *root,
                    const char *path)
{
  return _trawl_json_node_string (_trawl_json_find (root, path));
}

/**
 * _trawl_template_expand:
 * @template: text with {name} placeholders
 * @vars: values by name
 * @json: (nullable): an API answer for {json:path}
 * @regex_escape: whether values are escaped for use inside a regex
 *
 * {random} is a fresh random fraction, as the pear-video client sends in
 * its "mrd" parameter. An unknown placeholder makes the expansion fail, so
 * a recipe never requests a URL with a hole in it.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL if a variable is missing
 */
char *
_trawl_template_expand (const char *template,
                        GHashTable *vars,
                        JsonNode   *json,
                        gboolean    regex_escape)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = template;

  while (*p)
    {
      const char *open = strchr (p, '{');
      const char *close;
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (open == NULL || (close = strchr (open, '}')) == NULL)
        {
          g_string_append (out, p);
          break;
        }

      g_string_append_len (out, p, open - p);
      name = g_strndup (open + 1, close - open - 1);

      if (g_str_equal (name, "random"))
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];
          value = g_strdup (g_ascii_dtostr (buffer, sizeof buffer, g_random_double ()));
        }
      else if (g_str_has_prefix (name, "json:"))
        value = _trawl_json_lookup (json, name + 5);
      else if (vars != NULL && g_hash_table_contains (vars, name))
        value = g_strdup (g_hash_table_lookup (vars, name));

      if (value == NULL)
        return NULL;

      if (regex_escape)
        {
          g_autofree char *escaped = g_regex_escape_string (value, -1);
          g_string_append (out, escaped);
        }
      else
        g_string_append (out, value);

      p = close + 1;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
