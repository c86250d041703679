#include "config.h"

#include <string.h>

#include "trawl-filename.h"
#include "trawl-util-private.h"
#include "trawl-test-utils.h"

static void
assert_safe (const char *name)
{
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpuint (strlen (name), <=,
                    TRAWL_FILENAME_MAX - strlen (" (4294967295)") - strlen (".part.trawl"));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_cmpint (name[0], !=, '.');
  g_assert_cmpint (name[0], !=, ' ');
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false (g_unichar_iscntrl (c));
      g_assert_cmpuint (c, !=, 0x202E);
    }
}

static void
test_cjk_kept (void)
{
  g_autofree char *name = trawl_filename_from_title ("第1集：梨视频测试视频", ".mp4");

  g_assert_cmpstr (name, ==, "第1集：梨视频测试视频.mp4");
}

static void
test_hostile (void)
{
  const char *titles[] = {
    "../../../../etc/passwd",
    "a/b\\c:d*e?f\"g<h>i|j",
    "...",
    ".hidden",
    "tab\there\nnewline\x01\x7f" "control",
    "evil\xE2\x80\xAE" "4pm.exe",
    "\xff\xfe invalid \xc3\x28 utf8",
    "",
    "   ",
    " . . ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autofree char *name = trawl_filename_from_title (titles[i], ".mp4");

      assert_safe (name);
      g_assert_true (g_str_has_suffix (name, ".mp4"));
      g_assert_cmpstr (name, !=, ".mp4");
    }

  {
    g_autofree char *name = trawl_filename_from_title ("../../../../etc/passwd", ".mp4");
    g_assert_cmpstr (name, ==, "_.._.._.._etc_passwd.mp4");
  }
  {
    g_autofree char *name = trawl_filename_from_title ("evil\xE2\x80\xAE" "4pm.exe", ".mp4");
    g_assert_cmpstr (name, ==, "evil4pm.exe.mp4");
  }
  {
    g_autofree char *name = trawl_filename_from_title ("", ".mp4");
    g_assert_cmpstr (name, ==, "video.mp4");
  }
}

static void
test_reserved (void)
{
  const char *names[] = { "CON", "con", "nul.txt", "COM1", "lpt9" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = trawl_filename_from_title (names[i], ".mp4");

      g_assert_cmpint (name[0], ==, '_');
    }

  {
    g_autofree char *name = trawl_filename_from_title ("CONSOLE", ".mp4");
    g_assert_cmpstr (name, ==, "CONSOLE.mp4");
  }
}

static void
test_long (void)
{
  g_autoptr(GString) title = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *numbered = NULL;

  /* 10 KB of three-byte characters: the cut must fall between them. */
  for (guint i = 0; i < 3500; i++)
    g_string_append (title, "视");
  name = trawl_filename_from_title (title->str, ".webm");

  assert_safe (name);
  g_assert_true (g_str_has_suffix (name, ".webm"));
  numbered = trawl_filename_numbered (name, G_MAXUINT);
  g_assert_cmpuint (strlen (numbered) + strlen (".part.trawl"), <=, TRAWL_FILENAME_MAX);
}

static void
test_extension (void)
{
  g_autofree char *a = trawl_filename_from_title ("x", NULL);
  g_autofree char *b = trawl_filename_from_title ("x", "/etc");
  g_autofree char *c = trawl_filename_from_title ("x", ".mkv");

  g_assert_cmpstr (a, ==, "x.mp4");
  g_assert_cmpstr (b, ==, "x.mp4");
  g_assert_cmpstr (c, ==, "x.mkv");

  {
    g_autofree char *folder = trawl_filename_from_title ("127.0.0.1 category_5/..", "");
    g_assert_cmpstr (folder, ==, "127.0.0.1 category_5_");
  }
}

/* Found by fuzz-filename: a reserved name at the length limit got its "_"
 * after the cut, one byte too many for the counter and ".part". */
static void
test_reserved_long (void)
{
  g_autoptr(GString) title = g_string_new ("CON.");
  g_autofree char *name = NULL;
  g_autofree char *numbered = NULL;

  for (guint i = 0; i < 300; i++)
    g_string_append_c (title, 'x');
  name = trawl_filename_from_title (title->str, ".mp4");
  numbered = trawl_filename_numbered (name, G_MAXUINT);

  g_assert_cmpint (name[0], ==, '_');
  g_assert_cmpuint (strlen (numbered) + strlen (".part.trawl"), <=, TRAWL_FILENAME_MAX);
}

static void
test_numbered (void)
{
  g_autofree char *one = trawl_filename_numbered ("title.mp4", 1);
  g_autofree char *two = trawl_filename_numbered ("title.mp4", 2);
  g_autofree char *three = trawl_filename_numbered ("a.b.mp4", 3);

  g_assert_cmpstr (one, ==, "title.mp4");
  g_assert_cmpstr (two, ==, "title (2).mp4");
  g_assert_cmpstr (three, ==, "a.b (3).mp4");
}

/* Text a server chose, made safe to show on a terminal. */
static void
test_printable (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "Forbidden", "Forbidden" },
    { "视频不存在", "视频不存在" },
    { "\x1b]0;pwned\x07" "Forbidden", "\\x1b]0;pwned\\x07Forbidden" },
    { "a\r\nb\tc", "a\\x0d\\x0ab\\x09c" },
    { "del\x7f" " c1\xc2\x9b", "del\\x7f c1\\x9b" },
    { "evil\xe2\x80\xaegpj.exe", "evil\\u202egpj.exe" },
    { "bad \xff byte", "bad \xef\xbf\xbd byte" },
    { "", "" },
  };

  g_assert_null (_trawl_printable (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = _trawl_printable (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_true (g_utf8_validate (out, -1, NULL));
    }
}

int
main (int   argc,
      char *argv[])
{
  trawl_test_init (&argc, &argv);

  g_test_add_func ("/filename/cjk", test_cjk_kept);
  g_test_add_func ("/filename/printable", test_printable);
  g_test_add_func ("/filename/hostile", test_hostile);
  g_test_add_func ("/filename/reserved", test_reserved);
  g_test_add_func ("/filename/long", test_long);
  g_test_add_func ("/filename/extension", test_extension);
  g_test_add_func ("/filename/numbered", test_numbered);
  g_test_add_func ("/filename/reserved-long", test_reserved_long);

  return g_test_run ();
}
