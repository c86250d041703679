#include "config.h"

#include <stdint.h>
#include <string.h>

#include "trawl-uri.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* "base\nreference": whatever resolves must be an http(s) URL without
 * credentials. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  char *newline = strchr (text, '\n');
  const char *base = "https://www.pearvideo.com/category_5";
  const char *reference = text;
  g_autofree char *url = NULL;

  if (newline != NULL)
    {
      *newline = '\0';
      base = text;
      reference = newline + 1;
    }

  url = trawl_uri_resolve (base, reference, NULL);
  if (url != NULL)
    {
      if (!trawl_uri_is_fetchable (url, NULL))
        abort ();
      if (g_ascii_strncasecmp (url, "http://", 7) != 0 &&
          g_ascii_strncasecmp (url, "https://", 8) != 0)
        abort ();
      trawl_uri_media_extension (url);
    }

  trawl_uri_is_fetchable (text, NULL);
  return 0;
}
