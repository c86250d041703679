#include "config.h"

#include <stdint.h>
#include <string.h>

#include "trawl-hls-playlist-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Any playlist text: parsed or refused with a reason, never a crash; what
 * a parsed one holds is consistent (every index in range, every range
 * with a length, every URL fetchable), and a variant is chosen from a
 * master one or a reason given. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlHlsPlaylist) list = _trawl_hls_parse ((const char *) data, size,
                                                       "https://cdn.example/v/p.m3u8", &error);

  if (list == NULL)
    {
      if (error == NULL || error->message[0] == '\0')
        abort ();
      return 0;
    }
  for (guint i = 0; i < list->segments->len; i++)
    {
      const TrawlHlsSegment *segment = &g_array_index (list->segments, TrawlHlsSegment, i);

      if (segment->url == NULL || segment->key >= (int) list->keys->len ||
          segment->map >= (int) list->maps->len ||
          (segment->offset >= 0 && segment->length <= 0))
        abort ();
    }
  if (list->master)
    {
      g_autoptr(GError) choice_error = NULL;
      g_autofree char *note = NULL;

      if (_trawl_hls_choose_variant (list, 720, &note, &choice_error) == NULL &&
          choice_error == NULL)
        abort ();
    }
  return 0;
}
