#include "config.h"

#include <stdint.h>
#include <string.h>

#include "trawl-filename.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Any title makes one safe path component. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *title = g_strndup ((const char *) data, size);
  g_autofree char *name = trawl_filename_from_title (title, ".mp4");
  g_autofree char *numbered = trawl_filename_numbered (name, G_MAXUINT);

  if (!g_utf8_validate (name, -1, NULL) || strchr (name, '/') != NULL ||
      strchr (name, '\\') != NULL || name[0] == '.' || name[0] == '\0' ||
      strcmp (name, ".mp4") == 0 || !g_str_has_suffix (name, ".mp4") ||
      strlen (numbered) + strlen (".part.trawl") > TRAWL_FILENAME_MAX)
    abort ();

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)) || g_utf8_get_char (p) == 0x202E)
      abort ();

  return 0;
}
