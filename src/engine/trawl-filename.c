#define G_LOG_DOMAIN "trawl-filename"

#include "config.h"

#include <string.h>

#include "trawl-filename.h"

/* Room kept free in every name for any counter (" (4294967295)") and the
 * .part's sidecar (".part.trawl", where a file system has no xattrs). */
#define RESERVED_BYTES (sizeof " (4294967295)" - 1 + sizeof ".part.trawl" - 1)

static gboolean
is_dropped_char (gunichar c)
{
  /* Bidirectional overrides and invisible marks let a title disguise its
   * extension ("cod\u202Eexe.mp4"), so they never reach a file name. */
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
      c == 0x200E || c == 0x200F || c == 0x061C || c == 0xFEFF ||
      (c >= 0x200B && c <= 0x200D))
    return TRUE;

  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_replaced_char (gunichar c)
{
  /* Path separators, and what Windows file systems refuse, so a folder
   * copied to a USB stick keeps its names. */
  return c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
         c == '<' || c == '>' || c == '|';
}

static gboolean
is_reserved_name (const char *name)
{
  static const char * const reserved[] = {
    "CON", "PRN", "AUX", "NUL",
    "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
    "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
  };
  gsize stem = strcspn (name, ".");

  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (strlen (reserved[i]) == stem && g_ascii_strncasecmp (name, reserved[i], stem) == 0)
      return TRUE;

  return FALSE;
}

static void
trim_spaces_and_dots (GString *s)
{
  gsize start = 0;

  while (start < s->len && (s->str[start] == ' ' || s->str[start] == '.'))
    start++;
  g_string_erase (s, 0, start);

  while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
    g_string_truncate (s, s->len - 1);
}

/* Cuts @s to at most @max bytes without splitting a character. */
static void
truncate_utf8 (GString *s,
               gsize    max)
{
  const char *end;

  if (s->len <= max)
    return;

  end = s->str + max;
  while (end > s->str && (*end & 0xC0) == 0x80)
    end--;
  g_string_truncate (s, end - s->str);
}

/**
 * trawl_filename_from_title:
 * @title: (nullable): a title taken from a web page, in any state
 * @extension: (nullable): the extension with its dot, such as ".mp4", or ""
 *   for none
 *
 * Makes a single safe path component out of text a web page chose: valid
 * UTF-8 (CJK kept as it is), no separators, control or format characters,
 * no leading dot, no reserved device name, and short enough that the name
 * with a " (N)" counter and ".part" still fits in 255 bytes.
 *
 * Returns: (transfer full): the file name
 */
char *
trawl_filename_from_title (const char *title,
                           const char *extension)
{
  g_autofree char *valid = NULL;
  g_autofree char *normal = NULL;
  g_autoptr(GString) name = g_string_new (NULL);
  gboolean last_space = TRUE;
  gsize limit;

  /* "" asks for no extension (a folder name); anything odd gets .mp4. */
  if (extension == NULL || (*extension != '\0' && *extension != '.') || strlen (extension) > 16 ||
      strpbrk (extension, "/\\") != NULL)
    extension = ".mp4";

  valid = g_utf8_make_valid (title != NULL ? title : "", -1);
  normal = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);

  for (const char *p = normal; p != NULL && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || c == '\t' || c == '\n' || c == '\r')
        {
          if (!last_space)
            g_string_append_c (name, ' ');
          last_space = TRUE;
          continue;
        }

      if (is_dropped_char (c))
        continue;

      if (is_replaced_char (c))
        g_string_append_c (name, '_');
      else
        g_string_append_unichar (name, c);
      last_space = FALSE;
    }

  trim_spaces_and_dots (name);

  /* One byte more for the "_" a reserved name gets (found by fuzz-filename). */
  limit = TRAWL_FILENAME_MAX - strlen (extension) - RESERVED_BYTES - 1;
  truncate_utf8 (name, limit);
  trim_spaces_and_dots (name);

  if (name->len == 0)
    g_string_assign (name, "video");

  if (is_reserved_name (name->str))
    g_string_prepend_c (name, '_');

  g_string_append (name, extension);

  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* "title.mp4", 3 -> "title (3).mp4" */
char *
trawl_filename_numbered (const char *name,
                         guint       number)
{
  const char *dot;

  g_return_val_if_fail (name != NULL, NULL);

  if (number < 2)
    return g_strdup (name);

  dot = strrchr (name, '.');
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, number);

  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, number, dot);
}
