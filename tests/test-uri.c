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
  g_assert_false (trawl_uri_is_fetchable ("http://user:secret@example.com/v.mp4", NULL));
  g_assert_false (trawl_uri_is_fetchable ("http://exa%00mple.com/v.mp4", NULL));

  /* Escapes that are not UTF-8 (GBK, on Chinese sites) are a fine URL
   * (found by the second hostile review: such links were dropped). */
  g_assert_true (trawl_uri_is_fetchable ("http://example.com/s?q=%D6%D0%CE%C4&x=1", NULL));
  g_assert_true (trawl_uri_is_fetchable ("http://example.com/%D6%D0.mp4#%CE", NULL));
  {
    g_autofree char *url = trawl_uri_resolve ("http://example.com/list?q=%D6%D0",
                                              "video_1.mp4?t=%CE%C4", NULL);

    g_assert_cmpstr (url, ==, "http://example.com/video_1.mp4?t=%CE%C4");
  }
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

static void
test_local (void)
{
  struct {
    const char *host;
    gboolean    local;
  } cases[] = {
    { "127.0.0.1", TRUE }, { "127.255.0.9", TRUE }, { "0.0.0.0", TRUE }, { "0.1.2.3", TRUE },
    { "10.1.2.3", TRUE }, { "172.16.0.1", TRUE }, { "172.31.255.255", TRUE },
    { "192.168.1.1", TRUE }, { "169.254.169.254", TRUE },
    { "::1", TRUE }, { "::", TRUE }, { "fe80::1", TRUE }, { "fe80::1%eth0", TRUE },
    { "febf::1", TRUE }, { "fc00::1", TRUE }, { "fd12:3456::1", TRUE },
    { "::ffff:127.0.0.1", TRUE }, { "::ffff:7f00:1", TRUE }, { "::ffff:10.0.0.1", TRUE },
    { "::ffff:192.168.0.1", TRUE }, { "::127.0.0.1", TRUE },
    /* Forms getaddrinfo() reads as IPv4, as a URL may spell them. */
    { "127.1", TRUE }, { "2130706433", TRUE }, { "0x7f000001", TRUE }, { "0177.0.0.1", TRUE },
    { "localhost", TRUE }, { "LOCALHOST", TRUE }, { "localhost.", TRUE },
    { "db.localhost", TRUE },
    { "8.8.8.8", FALSE }, { "172.32.0.1", FALSE }, { "172.15.255.255", FALSE },
    { "192.169.0.1", FALSE }, { "169.253.0.1", FALSE }, { "11.0.0.1", FALSE },
    { "2001:db8::1", FALSE }, { "2606:4700::1111", FALSE }, { "fec0::1", TRUE },
    { "::ffff:8.8.8.8", FALSE }, { "example.com", FALSE }, { "localhost.example.com", FALSE },
    { "127.example.com", FALSE }, { "", FALSE },
    /* Carrier-grade NAT, and IPv4 inside NAT64 and 6to4 addresses. */
    { "100.64.0.1", TRUE }, { "100.127.255.254", TRUE }, { "100.63.255.255", FALSE },
    { "100.128.0.1", FALSE }, { "64:ff9b::7f00:1", TRUE }, { "64:ff9b::10.0.0.1", TRUE },
    { "64:ff9b::8.8.8.8", FALSE }, { "64:ff9b:1::8.8.8.8", TRUE }, { "2002:7f00:1::", TRUE },
    { "2002:c0a8:101::1", TRUE }, { "2002:808:808::1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (trawl_host_is_local (cases[i].host) != cases[i].local)
      g_error ("“%s” should%s be local", cases[i].host, cases[i].local ? "" : " not");

  {
    g_autoptr(GInetAddress) mapped = g_inet_address_new_from_string ("::ffff:127.0.0.1");
    g_autoptr(GInetAddress) public = g_inet_address_new_from_string ("93.184.216.34");

    g_assert_true (trawl_inet_address_is_local (mapped));
    g_assert_false (trawl_inet_address_is_local (public));
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
  g_test_add_func ("/uri/local", test_local);

  return g_test_run ();
}
