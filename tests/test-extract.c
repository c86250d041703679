#include "config.h"

#include <string.h>

#include "trawl-html-private.h"
#include "trawl-resolver-private.h"
#include "trawl-recipe-private.h"
#include "trawl-recipe-set.h"
#include "trawl-test-utils.h"

static TrawlRecipe *
pearvideo (void)
{
  g_autoptr(TrawlRecipeSet) set = trawl_recipe_set_new ();

  g_assert_true (trawl_recipe_set_load_builtin (set, NULL));
  return g_object_ref (trawl_recipe_set_lookup (set, "pearvideo"));
}

static TrawlFound *
found (TrawlListPage *page,
       guint          i)
{
  g_assert_cmpuint (i, <, page->items->len);
  return g_ptr_array_index (page->items, i);
}

static void
test_list (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  g_autoptr(GBytes) body = trawl_test_fixture ("pear-list.html");
  g_autoptr(TrawlListPage) page =
    _trawl_extract_list (recipe, body, "text/html", "https://www.pearvideo.com/category_5");

  g_assert_cmpuint (page->items->len, ==, 3);
  g_assert_cmpstr (found (page, 0)->url, ==, "https://www.pearvideo.com/video_1301572");
  g_assert_cmpstr (found (page, 0)->title, ==, "两个月亏损超千亿， 这家公司怎么了？");
  g_assert_cmpstr (found (page, 0)->id, ==, "1301572");
  g_assert_cmpstr (found (page, 1)->title, ==, "A & B: \"quoted\" title");
  g_assert_cmpstr (found (page, 2)->url, ==, "https://www.pearvideo.com/video_1301566");
  g_assert_cmpstr (found (page, 2)->id, ==, "1301566");
  g_assert_false (found (page, 0)->is_media);
  g_assert_cmpstr (page->title, ==, "财富_梨视频官网-Pear Video");

  /* The cover and the length, where the list shows them. */
  g_assert_cmpstr (found (page, 0)->thumbnail, ==,
                   "https://image1.pearvideo.com/cont/20200914/11.png");
  g_assert_cmpuint (found (page, 0)->duration, ==, 2 * 60 + 13);
  g_assert_null (found (page, 1)->thumbnail);
  g_assert_cmpuint (found (page, 1)->duration, ==, 52);
  g_assert_null (found (page, 2)->thumbnail);
  g_assert_cmpuint (found (page, 2)->duration, ==, 0);
}

/* Cover images as pages write them, and lengths as lists show them. */
static void
test_list_previews (void)
{
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(TrawlListPage) page = NULL;
  static const char html[] =
    "<html><body><ul>"
    "<li><a href='v1'>a</a><img src='/i/1.jpg'><span>1:02:03</span></li>"
    "<li><a href='v2'>b</a><div style=\"background: url('//cdn.example/2.jpg') center\"></div>"
    "<span>75</span></li>"
    "<li><a href='v3'>c</a><div style='background-image: url(\"javascript:alert(1)\")'></div>"
    "<span>5:61</span></li>"
    "<li><a href='v4'>d</a><img src='data:image/png;base64,AAAA'><span>live</span></li>"
    "</ul></body></html>";

  recipe = trawl_recipe_new_from_data ("[Recipe]\nName=t\n[List]\nItems=//li\nLink=a/@href\n"
                                       "Title=a\nThumbnail=(img/@src | div/@style)[1]\n"
                                       "Duration=span\n[Media m]\nRegex=(x)\n", -1, "t.recipe",
                                       &error);
  g_assert_no_error (error);
  body = g_bytes_new_static (html, sizeof html - 1);
  page = _trawl_extract_list (recipe, body, "text/html", "https://site.example/board/");
  g_assert_cmpuint (page->items->len, ==, 4);
  g_assert_cmpstr (found (page, 0)->thumbnail, ==, "https://site.example/i/1.jpg");
  g_assert_cmpuint (found (page, 0)->duration, ==, 3723);
  g_assert_cmpstr (found (page, 1)->thumbnail, ==, "https://cdn.example/2.jpg");
  g_assert_cmpuint (found (page, 1)->duration, ==, 75);
  g_assert_null (found (page, 2)->thumbnail);
  g_assert_cmpuint (found (page, 2)->duration, ==, 0);
  g_assert_null (found (page, 3)->thumbnail);
  g_assert_cmpuint (found (page, 3)->duration, ==, 0);
}

static void
test_loading_fragment (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  g_autoptr(GBytes) body = trawl_test_fixture ("pear-loading.html");
  /* Fragments come without any charset; UTF-8 is assumed. */
  g_autoptr(TrawlListPage) page =
    _trawl_extract_list (recipe, body, NULL,
                         "https://www.pearvideo.com/category_loading.jsp"
                         "?reqType=5&categoryId=5&start=12");

  g_assert_cmpuint (page->items->len, ==, 2);
  g_assert_cmpstr (found (page, 0)->url, ==, "https://www.pearvideo.com/video_1301500");
  g_assert_cmpstr (found (page, 0)->title, ==, "加载的第一条");
  g_assert_cmpstr (found (page, 1)->id, ==, "1301499");
}

static void
test_detail_classic (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  g_autoptr(GBytes) body = trawl_test_fixture ("pear-detail-classic.html");
  g_autoptr(TrawlDetailPage) page =
    _trawl_extract_detail (recipe, body, "text/html; charset=utf-8",
                           "https://www.pearvideo.com/video_1301572");

  g_assert_cmpuint (page->found->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (page->found, 0), ==,
                   "https://video.pearvideo.com/mp4/adshort/20190311/"
                   "cont-1301572-13671549_adpkg-ad_hd.mp4");
  g_assert_cmpstr (g_ptr_array_index (page->found, 1), ==, "");
  g_assert_cmpstr (page->title, ==, "两个月亏损超千亿，这家公司怎么了？");
}

/* Values are taken as written (docs/recipes.md): a regex's \s is any space,
 * not the key file's escape for one blank, and \\ stays two characters. */
static void
test_values_as_written (void)
{
  const char *text =
    "[Recipe]\nName=raw\n"
    "[List]\nItems=//li\nLink=a/@href\n"
    "[Media tab]\nRegex=src:\\s\"(.*?)\"\n"
    "[Media slash]\nRegex=file=\\\\\"(.*?)\\\\\"\n";
  const char *tab_page = "<html><body><script>x = {src:\t\"/v/tab.mp4\"}</script></body></html>";
  const char *slash_page = "<html><body><script>y = \"file=\\\"/v/slash.mp4\\\"\"</script>"
                           "</body></html>";
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlRecipe) recipe = trawl_recipe_new_from_data (text, -1, "raw.recipe", &error);
  g_autoptr(GBytes) tab = g_bytes_new_static (tab_page, strlen (tab_page));
  g_autoptr(GBytes) slash = g_bytes_new_static (slash_page, strlen (slash_page));
  g_autoptr(TrawlDetailPage) first = NULL;
  g_autoptr(TrawlDetailPage) second = NULL;

  g_assert_no_error (error);
  first = _trawl_extract_detail (recipe, tab, "text/html", "http://example.com/watch/1");
  g_assert_cmpstr (g_ptr_array_index (first->found, 0), ==, "http://example.com/v/tab.mp4");
  second = _trawl_extract_detail (recipe, slash, "text/html", "http://example.com/watch/1");
  g_assert_cmpstr (g_ptr_array_index (second->found, 1), ==, "http://example.com/v/slash.mp4");
}

static void
test_detail_api (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  g_autoptr(GBytes) body = trawl_test_fixture ("pear-detail-api.html");
  g_autoptr(GBytes) json = trawl_test_fixture ("videoStatus.json");
  g_autoptr(TrawlDetailPage) page =
    _trawl_extract_detail (recipe, body, "text/html", "https://www.pearvideo.com/video_1697094");
  g_autoptr(GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  TrawlStrategy *api = g_ptr_array_index (recipe->strategies, 1);
  g_auto(GStrv) headers = NULL;
  g_autofree char *request = NULL;
  g_autofree char *real = NULL;
  g_autofree char *reason = NULL;

  /* No srcUrl on the page: the classic strategy finds nothing. */
  g_assert_cmpstr (g_ptr_array_index (page->found, 0), ==, "");
  g_assert_cmpuint (page->generic_media->len, ==, 0);

  /* The recipe's API strategy: its request, and a recorded answer. */
  g_assert_cmpint (api->kind, ==, TRAWL_STRATEGY_API);
  g_hash_table_insert (vars, "id", "1697094");
  g_hash_table_insert (vars, "page", "https://www.pearvideo.com/video_1697094");
  request = _trawl_strategy_api_request (api, vars, "https://www.pearvideo.com/video_1697094",
                                         &headers, &reason);
  g_assert_true (g_str_has_prefix (
    request, "https://www.pearvideo.com/videoStatus.jsp?contId=1697094&mrd=0."));
  g_assert_cmpstr (api->api_header_names[0], ==, "Referer");
  g_assert_cmpstr (headers[0], ==, "https://www.pearvideo.com/video_1697094");

  real = _trawl_strategy_api_answer (api, vars, json, request, &reason);
  g_assert_null (reason);
  g_assert_cmpstr (real, ==,
                   "https://video.pearvideo.com/mp4/short/20200914/cont-1697094-15383386-hd.mp4");
}

/* json-glib recurses per level: a page or an API answer nested 100,000
 * deep is refused before it is parsed, not a crash. */
static void
test_deep_json (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  TrawlStrategy *api = g_ptr_array_index (recipe->strategies, 1);
  g_autoptr(GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) html = g_string_new ("<html><head><script type=\"application/ld+json\">");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(TrawlDetailPage) page = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *deep = g_strnfill (100000, '[');

  g_string_append (html, deep);
  g_string_append (html, "</script></head><body></body></html>");
  body = g_bytes_new (html->str, html->len);
  page = _trawl_extract_detail (NULL, body, "text/html", "https://example.org/watch/1");
  g_assert_cmpuint (page->generic_media->len, ==, 0);

  answer = g_bytes_new (deep, strlen (deep));
  g_assert_null (_trawl_strategy_api_answer (api, vars, answer, "https://example.org/api",
                                             &reason));
  g_assert_cmpstr (reason, ==, "the API did not answer with JSON");
}

static void
test_generic (void)
{
  struct {
    const char *fixture;
    const char *url;
    const char *media;
    const char *title;
  } cases[] = {
    { "generic-video.html", "https://example.org/watch/1",
      "https://cdn.example.org/media/clips/one.webm", "A page with a player" },
    { "generic-og.html", "https://example.org/watch/2", "https://videos.example.org/og.mp4",
      "Open Graph clip" },
    { "generic-jsonld.html", "https://example.org/watch/3", "https://example.org/v/jsonld.mp4",
      "JSON-LD clip" },
    { "generic-hls-script.html", "https://example.org/watch/4",
      "https://cdn.example.org/v/7/master.m3u8?token=a1&x=2", "Stream in a script" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = trawl_test_fixture (cases[i].fixture);
      g_autoptr(TrawlDetailPage) page = _trawl_extract_detail (NULL, body, "text/html",
                                                               cases[i].url);

      g_assert_cmpuint (page->generic_media->len, >=, 1);
      g_assert_cmpstr (g_ptr_array_index (page->generic_media, 0), ==, cases[i].media);
      g_assert_cmpstr (page->title, ==, cases[i].title);
    }
}

static void
test_generic_links (void)
{
  g_autoptr(GBytes) body = trawl_test_fixture ("generic-links.html");
  g_autoptr(TrawlListPage) page = _trawl_extract_list (NULL, body, "text/html",
                                                       "http://files.example.org/videos/");

  /* Two media links (one repeated, one file: link refused); the page's
   * other links are navigation. */
  g_assert_false (page->has_own_media);
  g_assert_cmpuint (page->items->len, ==, 2);
  g_assert_cmpstr (found (page, 0)->url, ==, "http://files.example.org/videos/first%20clip.mp4");
  g_assert_cmpstr (found (page, 0)->title, ==, "first clip.mp4");
  g_assert_true (found (page, 0)->is_media);
  g_assert_cmpstr (found (page, 1)->title, ==, "second");
  g_assert_cmpuint (page->links->len, ==, 0);
}

static void
test_charsets (void)
{
  g_autoptr(TrawlRecipe) recipe = pearvideo ();
  g_autoptr(GBytes) gbk = trawl_test_fixture ("gbk-list.html");
  g_autoptr(TrawlListPage) page = NULL;
  g_autofree char *text = NULL;
  const char *claims_gbk = "<meta charset=\"gbk\"><p>中文</p>";
  g_autoptr(GBytes) utf8 = g_bytes_new_static (claims_gbk, strlen (claims_gbk));

  /* No charset in the header: the meta tag says GB2312 (read as GB18030). */
  page = _trawl_extract_list (recipe, gbk, "text/html", "http://example.org/category_1");
  g_assert_cmpuint (page->items->len, ==, 1);
  g_assert_cmpstr (found (page, 0)->title, ==, "中文标题：测试");
  g_assert_cmpstr (page->title, ==, "梨视频GBK页面");

  /* The header wins over the page's own claim. */
  text = _trawl_decode_page (utf8, "text/html; charset=UTF-8", NULL);
  g_assert_nonnull (strstr (text, "中文"));
  g_clear_pointer (&text, g_free);

  /* Invalid bytes never make invalid UTF-8. */
  {
    g_autoptr(GBytes) junk = g_bytes_new_static ("a\xff\xfe" "b", 4);
    text = _trawl_decode_page (junk, NULL, NULL);
    g_assert_true (g_utf8_validate (text, -1, NULL));
  }
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/extract/list", test_list);
  g_test_add_func ("/extract/list-previews", test_list_previews);
  g_test_add_func ("/extract/loading-fragment", test_loading_fragment);
  g_test_add_func ("/extract/detail-classic", test_detail_classic);
  g_test_add_func ("/extract/detail-api", test_detail_api);
  g_test_add_func ("/extract/values-as-written", test_values_as_written);
  g_test_add_func ("/extract/deep-json", test_deep_json);
  g_test_add_func ("/extract/generic", test_generic);
  g_test_add_func ("/extract/generic-links", test_generic_links);
  g_test_add_func ("/extract/charsets", test_charsets);

  return g_test_run ();
}
