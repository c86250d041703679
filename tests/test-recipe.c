#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-recipe-private.h"
#include "trawl-recipe-set.h"
#include "trawl-test-utils.h"

static TrawlRecipe *
builtin (const char *name)
{
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (trawl_recipe_set_load_builtin (set, &error));
  g_assert_no_error (error);
  g_assert_nonnull (trawl_recipe_set_lookup (set, name));

  return g_object_ref (trawl_recipe_set_lookup (set, name));
}

static void
test_pearvideo (void)
{
  g_autoptr(TrawlRecipe) recipe = builtin ("pearvideo");
  g_autoptr(GHashTable) vars = NULL;
  g_autofree char *id = NULL;

  g_assert_true (trawl_recipe_matches (recipe, "https://www.pearvideo.com/category_5"));
  g_assert_true (trawl_recipe_matches (recipe, "http://pearvideo.com/category_31"));
  g_assert_true (trawl_recipe_matches (recipe, "HTTPS://WWW.PEARVIDEO.COM/category_5"));
  g_assert_false (trawl_recipe_matches (recipe, "https://www.pearvideo.com/video_1301572"));
  g_assert_false (trawl_recipe_matches (recipe, "https://example.com/pearvideo.com/category_5"));

  vars = _trawl_recipe_board_vars (recipe, "https://www.pearvideo.com/category_31");
  g_assert_cmpstr (g_hash_table_lookup (vars, "category"), ==, "31");
  g_clear_pointer (&vars, g_hash_table_unref);

  /* A mirror used with --recipe still yields the category. */
  vars = _trawl_recipe_board_vars (recipe, "http://127.0.0.1:8080/category_5");
  g_assert_cmpstr (g_hash_table_lookup (vars, "category"), ==, "5");

  id = trawl_recipe_get_item_id (recipe, "https://www.pearvideo.com/video_1301572");
  g_assert_cmpstr (id, ==, "1301572");

  g_assert_cmpuint (recipe->strategies->len, ==, 2);
  g_assert_nonnull (recipe->page_url);
  g_assert_cmpint (recipe->page_step, ==, -1);
}

static const char *good =
  "[Recipe]\nName=good\nMatch=^example\\.org/\n\n"
  "[List]\nItems=//li\nLink=./a/@href\n\n"
  "[Media 1]\nRegex=file: \"(.*?)\"\n";

static void
assert_broken (const char *text,
               const char *expected_prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlRecipe) recipe = trawl_recipe_new_from_data (text, -1, "broken.recipe", &error);

  g_assert_null (recipe);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE);
  if (!g_str_has_prefix (error->message, expected_prefix))
    g_error ("“%s” does not start with “%s”", error->message, expected_prefix);
}

static void
test_broken (void)
{
  g_autoptr(TrawlRecipe) recipe = trawl_recipe_new_from_data (good, -1, "good.recipe", NULL);

  g_assert_nonnull (recipe);

  assert_broken ("[Recipe]\nName=x\nMatch=(unclosed\n[List]\nItems=//li\nLink=a/@href\n"
                 "[Media]\nRegex=(.*)\n",
                 "broken.recipe:3: Match is not a valid regular expression");
  assert_broken ("[Recipe]\nName=x\n\n[List]\nItems=//*[\nLink=a/@href\n[Media]\nRegex=(.*)\n",
                 "broken.recipe:5: Items is not a valid XPath");
  assert_broken ("[Recipe]\nName=x\n[List]\nItems=//li\nLink=a/@href\n[Media]\nRegex=no group\n",
                 "broken.recipe:7: Regex needs a group");
  assert_broken ("[Recipe]\nName=x\n[List]\nItems=//li\nLink=a/@href\n", "broken.recipe: a recipe "
                 "needs at least one");
  assert_broken ("[Recipe]\nName=../x\n", "broken.recipe:2: Name may only use");
  assert_broken ("not a key file", "broken.recipe: ");
  assert_broken ("[Recipe]\nName=x\n[List]\nItems=//li\nLink=a/@href\n[Media]\nApi=x?id={id}\n",
                 "broken.recipe:7: Api needs a Json key");
  assert_broken ("[Recipe]\nName=x\n[List]\nItems=//li\nLink=a/@href\n[Media]\nRegex=(.*)\n"
                 "Rewrite=([\nRewrite-To=y\n", "broken.recipe:8: Rewrite is not a valid");
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_directory (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *override = NULL;
  TrawlRecipe *pear;

  g_assert_true (trawl_recipe_set_load_builtin (set, NULL));
  write_file (dir, "a-good.recipe", good);
  write_file (dir, "b-broken.recipe", "[Recipe]\nName=broken\nMatch=(\n");
  override = g_strdup_printf ("[Recipe]\nName=pearvideo\nTitle=Mine\nMatch=^mirror\\.example/\n"
                              "[List]\nItems=//li\nLink=a/@href\n[Media]\nRegex=src=\"(.*?)\"\n");
  write_file (dir, "c-pear.recipe", override);
  write_file (dir, "ignored.txt", "not a recipe");

  g_assert_false (trawl_recipe_set_load_directory (set, dir, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE);
  g_assert_nonnull (strstr (error->message, "b-broken.recipe:3"));

  g_assert_nonnull (trawl_recipe_set_lookup (set, "good"));
  g_assert_null (trawl_recipe_set_lookup (set, "broken"));
  pear = trawl_recipe_set_lookup (set, "pearvideo");
  g_assert_cmpstr (trawl_recipe_get_title (pear), ==, "Mine");
  g_assert_true (trawl_recipe_set_match (set, "https://mirror.example/x") == pear);
  g_assert_null (trawl_recipe_set_match (set, "https://www.pearvideo.com/category_5"));
  g_assert_true (trawl_recipe_set_match (set, "https://example.org/") ==
                 trawl_recipe_set_lookup (set, "good"));

  /* A missing folder is no error. */
  g_clear_error (&error);
  g_assert_true (trawl_recipe_set_load_directory (set, "/nonexistent/trawl", &error));
  g_assert_no_error (error);

  trawl_test_rm_rf (dir);
}

/* Found by the hostile review: a FIFO in the recipes folder hung every
 * start, and a link to /dev/zero ate gigabytes. Both are reported; the
 * good recipe loads. */
static void
test_not_regular (void)
{
  g_autofree char *dir = trawl_test_make_tmpdir ();
  g_autofree char *fifo = g_build_filename (dir, "b-fifo.recipe", NULL);
  g_autofree char *zero = g_build_filename (dir, "c-zero.recipe", NULL);
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new ();
  g_autoptr(GError) error = NULL;

  write_file (dir, "a-good.recipe", good);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);

  g_assert_false (trawl_recipe_set_load_directory (set, dir, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "b-fifo.recipe is not a regular file"));
  g_assert_nonnull (strstr (error->message, "c-zero.recipe is not a regular file"));
  g_assert_nonnull (trawl_recipe_set_lookup (set, "good"));

  trawl_test_rm_rf (dir);
}

static void
test_template (void)
{
  g_autoptr(GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;
  g_autofree char *random = NULL;

  g_hash_table_insert (vars, "id", "1697094");
  g_hash_table_insert (vars, "page", "https://www.pearvideo.com/video_1697094");
  g_assert_true (json_parser_load_from_data (parser,
    "{\"systemTime\":\"1600084010187\",\"list\":[{\"u\":\"first\"},{\"u\":\"second\"}],"
    "\"n\":42,\"dot\":\"a.b\"}", -1, NULL));

  a = _trawl_template_expand ("videoStatus.jsp?contId={id}", vars, NULL, FALSE);
  g_assert_cmpstr (a, ==, "videoStatus.jsp?contId=1697094");
  b = _trawl_template_expand ("{json:systemTime}-{json:list.1.u}-{json:n}",
                              vars, json_parser_get_root (parser), FALSE);
  g_assert_cmpstr (b, ==, "1600084010187-second-42");
  c = _trawl_template_expand ("x{missing}", vars, NULL, FALSE);
  g_assert_null (c);
  d = _trawl_template_expand ("{json:dot}", vars, json_parser_get_root (parser), TRUE);
  g_assert_cmpstr (d, ==, "a\\.b");
  e = _trawl_template_expand ("no braces", vars, NULL, FALSE);
  g_assert_cmpstr (e, ==, "no braces");
  random = _trawl_template_expand ("{random}", vars, NULL, FALSE);
  g_assert_true (g_str_has_prefix (random, "0."));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/recipe/pearvideo", test_pearvideo);
  g_test_add_func ("/recipe/broken", test_broken);
  g_test_add_func ("/recipe/directory", test_directory);
  g_test_add_func ("/recipe/not-regular", test_not_regular);
  g_test_add_func ("/recipe/template", test_template);

  return g_test_run ();
}
