#include "config.h"

#include "trawl-error.h"
#include "trawl-uri.h"
#include "trawl-test-utils.h"

static void
test_resolve (void)
{
  struct {
    const char *base;
    const char *ref;
    const char *expected;
  } cases[] = {
    { "https://www.pearvideo.com/category_5", "video_1301572",
      "https://www.pearvideo.com/video_1301572" },
    { "https://www.pearvideo.com/category_5", "  /video_1#comments ",
      "https://www.pearvideo.com/video_1" },
    { "http://example.com/a/b/page.html", "../c.mp4", "http://example.com/a/c.mp4" },
    { "http://example.com/a/", "//cdn.example.com/v.mp4", "http://cdn.example.com/v.mp4" },
    { "http://example.com/", "HTTPS://Example.COM/x", "https://example.com/x" },
    { "http://example.com/", "category_loading.jsp?reqType=5&categoryId=5&start=12",
      "http://example.com/category_loading.jsp?reqType=5&categoryId=5&start=12" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = trawl_uri_resolve (cases[i].base, cases[i].ref, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, cases[i].expected);
    }
}

static void
test_refused (void)
{
  const char *refs[] = {
    "file:///etc/passwd",
    "data:video/mp4;base64,AAAA",
    "javascript:alert(1)",
    "ftp://example.com/v.mp4",
    "http://user:secret@example.com/v.mp4",
    "https://not a host/",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = trawl_uri_resolve ("http://example.com/", refs[i], &error);

      g_assert_null (url);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_UNSAFE_URL);
    }

  g_assert_false (trawl_uri_is_fetchable ("file:///etc/passwd", NULL));
  g_assert_true (trawl_uri_is_fetchable ("https://example.com/", NULL));
}

static void
test_media (void)
{
  g_assert_cmpstr (trawl_uri_media_extension ("http://a/b/c-hd.mp4"), ==, ".mp4");
  g_assert_cmpstr (trawl_uri_media_extension ("http://a/b/c.WEBM?x=1"), ==, ".webm");
  g_assert_null (trawl_uri_media_extension ("http://a/b.mp4/c"));
  g_assert_null (trawl_uri_media_extension ("http://a/video_1"));
  g_assert_cmpstr (trawl_content_type_extension ("video/webm; codecs=vp9"), ==, ".webm");
  g_assert_null (trawl_content_type_extension ("text/html"));
  g_assert_true (trawl_content_type_is_page ("text/html; charset=utf-8"));
  g_assert_false (trawl_content_type_is_page ("video/mp4"));
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/uri/resolve", test_resolve);
  g_test_add_func ("/uri/refused", test_refused);
  g_test_add_func ("/uri/media", test_media);

  return g_test_run ();
}
