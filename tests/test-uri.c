#include "config.h"

#include <string.h>

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

static void
test_proxy (void)
{
  struct {
    const char *text;
    const char *expected;  /* NULL: refused */
  } cases[] = {
    { "127.0.0.1:9050", "http://127.0.0.1:9050" },
    { "proxy.example.com:3128", "http://proxy.example.com:3128" },
    { "[::1]:8080", "http://[::1]:8080" },
    { "SOCKS5://127.0.0.1:9050", "socks5://127.0.0.1:9050" },
    { "socks://127.0.0.1:1080/", "socks://127.0.0.1:1080" },
    { "socks4://h:1", "socks4://h:1" },
    { "socks4a://h:1", "socks4a://h:1" },
    { "https://user:pw@h:443", "https://user:pw@h:443" },
    { "none", "none" },
    { "Direct", "none" },
    { "127.0.0.1:9050 ", NULL },
    { " 127.0.0.1:9050", NULL },
    { "127.0.0.1:9050\n", NULL },
    { "127.0.0.1", NULL },
    { "http://127.0.0.1", NULL },
    { "ftp://127.0.0.1:21", NULL },
    { "file:///tmp/socket", NULL },
    { "socks5://", NULL },
    { "http://[::1", NULL },
    { "http://127.0.0.1:9050/path", NULL },
    { "http://127.0.0.1:9050?x=1", NULL },
    { "http://127.0.0.1:99999", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *proxy = trawl_proxy_parse (cases[i].text, &error);

      g_assert_cmpstr (proxy, ==, cases[i].expected);
      if (cases[i].expected == NULL)
        {
          g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_PROXY);
          g_assert_nonnull (strstr (error->message, "proxy"));
        }
      else
        g_assert_no_error (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/uri/resolve", test_resolve);
  g_test_add_func ("/uri/refused", test_refused);
  g_test_add_func ("/uri/media", test_media);
  g_test_add_func ("/uri/proxy", test_proxy);

  return g_test_run ();
}
