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
  assert_broken ("not a key file", "broken.recipe:1: a line is a [Group]");
  /* What a key file would take without a word, or say without a line
   * (found by the fresh-eyes review). */
  assert_broken ("[Recipe]\nName=x\nstray words\n", "broken.recipe:3: a line is a [Group]");
  assert_broken ("[Recipe]\nName=x\n[Lsit]\nItems=//li\nLink=a/@href\n",
                 "broken.recipe:3: unknown group [Lsit]");
  assert_broken ("[Recipe]\nName=x\n\n[List]\nItems=//li\nItems=//p\n",
                 "broken.recipe:6: Items appears twice");
  assert_broken ("[Recipe]\nName=x\n[List]\nItems=//li\n[List]\nLink=a/@href\n",
                 "broken.recipe:5: [List] appears twice");
  assert_broken ("[Recipe]\nName=x\nTitle=a\xff\n", "broken.recipe:3: the line is not UTF-8");
  assert_broken ("[Recipe]\nMatc=^x\nName=x\n[List]\nItems=//li\nLink=a/@href\n"
                 "[Media]\nRegex=(.*)\n", "broken.recipe:2: Matc is no key of [Recipe]");
  {
    const char nul[] = "[Recipe]\nName=x\0y\n";
    g_autoptr(GError) error = NULL;

    g_assert_null (trawl_recipe_new_from_data (nul, sizeof nul - 1, "nul.recipe", &error));
    g_assert_true (g_str_has_prefix (error->message, "nul.recipe:2: the file has a NUL byte"));
  }
  /* A byte order mark, as some editors write, is no mistake. */
  {
    g_autofree char *bom = g_strconcat ("\xef\xbb\xbf", good, NULL);
    g_autoptr(TrawlRecipe) with_bom = trawl_recipe_new_from_data (bom, -1, "bom.recipe", NULL);

    g_assert_nonnull (with_bom);
  }
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

static const char *user_recipe =
  "[Recipe]\nName=pearvideo\nTitle=My Pear\nMatch=^mine\\.example/\n"
  "[List]\nItems=//li\nLink=a/@href\n[Media a]\nXPath=//video/@src\n";

/* Saved by the editor: in the user's folder, used at once over the
 * built-in one of the same name; removed: the built-in one is back. Each
 * recipe says where it comes from. */
static void
test_save_remove (void)
{
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new_default (NULL);
  g_autofree char *folder = trawl_recipe_set_get_user_folder ();
  g_autofree char *path = g_build_filename (folder, "pearvideo.recipe", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *saved = NULL;
  TrawlRecipe *recipe;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (set));

  g_assert_cmpuint (n, >, 0);
  recipe = trawl_recipe_set_lookup (set, "pearvideo");
  g_assert_cmpint (trawl_recipe_get_source (recipe), ==, TRAWL_RECIPE_SOURCE_BUILTIN);

  /* A broken recipe writes nothing. */
  g_assert_null (trawl_recipe_set_save_user (set, "[Recipe]\nName=x\n", &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE);
  g_clear_error (&error);
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));

  name = trawl_recipe_set_save_user (set, user_recipe, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "pearvideo");
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, user_recipe);
  recipe = trawl_recipe_set_lookup (set, "pearvideo");
  g_assert_cmpstr (trawl_recipe_get_title (recipe), ==, "My Pear");
  g_assert_cmpint (trawl_recipe_get_source (recipe), ==, TRAWL_RECIPE_SOURCE_USER);
  g_assert_cmpstr (trawl_recipe_get_origin (recipe), ==, path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, n);

  /* Only the user's own can be removed. */
  g_assert_false (trawl_recipe_set_remove_user (set, "nosuch", &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE);
  g_clear_error (&error);
  g_assert_true (trawl_recipe_set_remove_user (set, "pearvideo", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  recipe = trawl_recipe_set_lookup (set, "pearvideo");
  g_assert_cmpint (trawl_recipe_get_source (recipe), ==, TRAWL_RECIPE_SOURCE_BUILTIN);
  g_assert_false (trawl_recipe_set_remove_user (set, "pearvideo", NULL));
}

static void
count_changes_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *changes)
{
  (*changes)++;
}

/* A recipe written into the user's folder by anyone (another Trawl, an
 * editor) is picked up without a restart; one deleted is gone. */
static void
test_watch (void)
{
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new_default (NULL);
  g_autofree char *folder = trawl_recipe_set_get_user_folder ();
  g_autofree char *path = NULL;
  guint changes = 0;
  const char *text = "[Recipe]\nName=watched\nMatch=^watched\\.example/\n"
                     "[List]\nItems=//li\nLink=a/@href\n[Media a]\nXPath=//video/@src\n";

  trawl_recipe_set_watch (set);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_signal_connect (set, "items-changed", G_CALLBACK (count_changes_cb), &changes);
  g_assert_null (trawl_recipe_set_match (set, "https://watched.example/list"));

  path = g_build_filename (folder, "watched.recipe", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  TRAWL_WAIT_UNTIL (trawl_recipe_set_match (set, "https://watched.example/list") != NULL);
  g_assert_cmpuint (changes, >=, 1);

  /* A broken file is reported, the others stay. */
  g_assert_true (g_file_set_contents (path, "[Recipe]\nName=watched\n", -1, NULL));
  TRAWL_WAIT_UNTIL (trawl_recipe_set_get_problems (set) != NULL);
  g_assert_nonnull (strstr (trawl_recipe_set_get_problems (set), "watched.recipe"));
  g_assert_nonnull (trawl_recipe_set_lookup (set, "pearvideo"));

  g_assert_cmpint (g_unlink (path), ==, 0);
  TRAWL_WAIT_UNTIL (trawl_recipe_set_get_problems (set) == NULL);
  g_assert_null (trawl_recipe_set_lookup (set, "watched"));
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
  g_test_add_func ("/recipe/save-remove", test_save_remove);
  g_test_add_func ("/recipe/watch", test_watch);

  return g_test_run ();
}
