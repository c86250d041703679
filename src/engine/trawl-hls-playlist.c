#define G_LOG_DOMAIN "trawl-hls"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-hls-playlist-private.h"
#include <glib/gi18n-lib.h>
#include "trawl-uri.h"

/* An HLS playlist (RFC 8216) read into what a download needs: the
 * variants of a master playlist, or the segments of a media playlist with
 * their byte ranges, keys and initialisation sections. What cannot be
 * saved as a plain file (DRM, SAMPLE-AES) is refused here, with the
 * reason, before anything is fetched. */

/* More than any real video has (a 10-hour stream of 2 s segments). */
#define MAX_SEGMENTS 100000

gboolean
_trawl_hls_is_playlist_type (const char *content_type)
{
  static const char * const types[] = {
    "application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl",
    "audio/x-mpegurl",
  };

  if (content_type == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strncasecmp (content_type, types[i], strlen (types[i])) == 0)
      return TRUE;
  return FALSE;
}

/* A body that starts as a playlist does, whatever it was labelled. */
gboolean
_trawl_hls_looks_like (const guint8 *data,
                       gsize         length)
{
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  while (length > 0 && g_ascii_isspace (*data))
    {
      data++;
      length--;
    }
  return length >= 7 && memcmp (data, "#EXTM3U", 7) == 0;
}

static void
variant_clear (TrawlHlsVariant *variant)
{
  g_free (variant->url);
  g_free (variant->audio);
  g_free (variant->codecs);
}

static void
rendition_clear (TrawlHlsRendition *rendition)
{
  g_free (rendition->group);
  g_free (rendition->url);
}

static void
key_clear (TrawlHlsKey *key)
{
  g_free (key->url);
}

static void
map_clear (TrawlHlsMap *map)
{
  g_free (map->url);
}

static void
segment_clear (TrawlHlsSegment *segment)
{
  g_free (segment->url);
}

void
_trawl_hls_playlist_free (TrawlHlsPlaylist *playlist)
{
  if (playlist == NULL)
    return;
  g_array_unref (playlist->variants);
  g_array_unref (playlist->renditions);
  g_array_unref (playlist->segments);
  g_array_unref (playlist->keys);
  g_array_unref (playlist->maps);
  g_free (playlist);
}

static TrawlHlsPlaylist *
playlist_new (void)
{
  TrawlHlsPlaylist *playlist = g_new0 (TrawlHlsPlaylist, 1);

#define NEW_ARRAY(field, type, clear) \
  playlist->field = g_array_new (FALSE, TRUE, sizeof (type)); \
  g_array_set_clear_func (playlist->field, (GDestroyNotify) clear)
  NEW_ARRAY (variants, TrawlHlsVariant, variant_clear);
  NEW_ARRAY (renditions, TrawlHlsRendition, rendition_clear);
  NEW_ARRAY (segments, TrawlHlsSegment, segment_clear);
  NEW_ARRAY (keys, TrawlHlsKey, key_clear);
  NEW_ARRAY (maps, TrawlHlsMap, map_clear);
#undef NEW_ARRAY
  return playlist;
}

/* An attribute list (NAME=VALUE,NAME="quoted, value",…) as a table of
 * upper-case names to values without their quotes. */
static GHashTable *
parse_attributes (const char *text)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = text;

  while (*p != '\0')
    {
      const char *name = p;
      const char *equals;
      char *value;

      while (*p == ' ' || *p == ',')
        p++;
      name = p;
      equals = strchr (p, '=');
      if (equals == NULL)
        break;
      p = equals + 1;
      if (*p == '"')
        {
          const char *end = strchr (p + 1, '"');

          if (end == NULL)
            break;
          value = g_strndup (p + 1, end - p - 1);
          p = end + 1;
        }
      else
        {
          const char *end = strchr (p, ',');

          if (end == NULL)
            end = p + strlen (p);
          value = g_strndup (p, end - p);
          p = end;
        }
      g_hash_table_replace (attributes, g_ascii_strup (name, equals - name), value);
      while (*p != '\0' && *p != ',')
        p++;
    }
  return attributes;
}

/* "LENGTH[@OFFSET]"; without an offset, the range follows @previous_end. */
static gboolean
parse_byte_range (const char *text,
                  gint64      previous_end,
                  gint64     *offset,
                  gint64     *length)
{
  guint64 value;
  const char *at = strchr (text, '@');
  g_autofree char *count = g_strndup (text, at != NULL ? (gsize) (at - text) : strlen (text));

  if (!g_ascii_string_to_unsigned (g_strstrip (count), 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *length = (gint64) value;
  if (at == NULL)
    {
      if (previous_end < 0)
        return FALSE;
      *offset = previous_end;
      return TRUE;
    }
  {
    g_autofree char *start = g_strstrip (g_strdup (at + 1));

    if (!g_ascii_string_to_unsigned (start, 10, 0, G_MAXINT64 - *length, &value, NULL))
      return FALSE;
  }
  *offset = (gint64) value;
  return TRUE;
}

static gboolean
parse_iv (const char *text,
          guint8      iv[16])
{
  if (text == NULL || (g_ascii_strncasecmp (text, "0x", 2) != 0) || strlen (text + 2) != 32)
    return FALSE;
  for (guint i = 0; i < 16; i++)
    {
      int high = g_ascii_xdigit_value (text[2 + 2 * i]);
      int low = g_ascii_xdigit_value (text[3 + 2 * i]);

      if (high < 0 || low < 0)
        return FALSE;
      iv[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

typedef struct
{
  TrawlHlsPlaylist *playlist;
  const char       *base;
  int               key;           /* the key in force, or -1 */
  int               map;
  guint64           sequence;
  double            duration;      /* of the next segment (EXTINF) */
  gboolean          has_range;
  gint64            range_offset;
  gint64            range_length;
  char             *range_url;     /* the URL the last range was of */
  gint64            range_end;     /* where it ended */
  GHashTable       *stream_inf;    /* waiting for its URI line */
} Parser;

static gboolean
parse_key (Parser     *parser,
           const char *value,
           GError    **error)
{
  g_autoptr(GHashTable) attributes = parse_attributes (value);
  const char *method = g_hash_table_lookup (attributes, "METHOD");
  const char *format = g_hash_table_lookup (attributes, "KEYFORMAT");
  const char *uri = g_hash_table_lookup (attributes, "URI");
  TrawlHlsKey key = { 0 };

  if (g_strcmp0 (method, "NONE") == 0)
    {
      parser->key = -1;
      return TRUE;
    }
  if (g_strcmp0 (method, "AES-128") != 0 ||
      (format != NULL && g_strcmp0 (format, "identity") != 0))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                   _("The stream is encrypted with %s (%s), which Trawl cannot save: only "
                     "AES-128 with a plain key can be"),
                   method != NULL ? method : "?", format != NULL ? format : "identity");
      return FALSE;
    }
  key.url = uri != NULL ? trawl_uri_resolve (parser->base, uri, NULL) : NULL;
  if (key.url == NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("The stream's playlist names no usable key address"));
      return FALSE;
    }
  if (g_hash_table_contains (attributes, "IV"))
    {
      key.has_iv = parse_iv (g_hash_table_lookup (attributes, "IV"), key.iv);
      if (!key.has_iv)
        {
          g_free (key.url);
          g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                               _("The stream's playlist has an invalid key IV"));
          return FALSE;
        }
    }
  g_array_append_val (parser->playlist->keys, key);
  parser->key = (int) parser->playlist->keys->len - 1;
  return TRUE;
}

static gboolean
parse_map (Parser     *parser,
           const char *value,
           GError    **error)
{
  g_autoptr(GHashTable) attributes = parse_attributes (value);
  const char *uri = g_hash_table_lookup (attributes, "URI");
  const char *range = g_hash_table_lookup (attributes, "BYTERANGE");
  TrawlHlsMap map = { NULL, -1, -1 };

  map.url = uri != NULL ? trawl_uri_resolve (parser->base, uri, NULL) : NULL;
  /* A section's range without an offset starts at the beginning. */
  if (map.url == NULL ||
      (range != NULL && (!parse_byte_range (range, 0, &map.offset, &map.length))))
    {
      g_free (map.url);
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("The stream's playlist has an invalid EXT-X-MAP"));
      return FALSE;
    }
  /* The same section named again (before each segment, as some
   * packagers do) is the same section: written once. */
  if (parser->map >= 0)
    {
      const TrawlHlsMap *last = &g_array_index (parser->playlist->maps, TrawlHlsMap, parser->map);

      if (g_str_equal (last->url, map.url) && last->offset == map.offset &&
          last->length == map.length)
        {
          g_free (map.url);
          return TRUE;
        }
    }
  g_array_append_val (parser->playlist->maps, map);
  parser->map = (int) parser->playlist->maps->len - 1;
  return TRUE;
}

static void
add_variant (Parser     *parser,
             const char *url)
{
  TrawlHlsVariant variant = { 0 };
  const char *average = g_hash_table_lookup (parser->stream_inf, "AVERAGE-BANDWIDTH");
  const char *bandwidth = g_hash_table_lookup (parser->stream_inf, "BANDWIDTH");
  const char *resolution = g_hash_table_lookup (parser->stream_inf, "RESOLUTION");

  variant.url = g_strdup (url);
  variant.bandwidth = g_ascii_strtoull (average != NULL ? average : bandwidth != NULL ? bandwidth
                                                                                   : "0",
                                        NULL, 10);
  if (resolution != NULL && strchr (resolution, 'x') != NULL)
    variant.height = (guint) g_ascii_strtoull (strchr (resolution, 'x') + 1, NULL, 10);
  variant.audio = g_strdup (g_hash_table_lookup (parser->stream_inf, "AUDIO"));
  variant.codecs = g_strdup (g_hash_table_lookup (parser->stream_inf, "CODECS"));
  g_array_append_val (parser->playlist->variants, variant);
  g_clear_pointer (&parser->stream_inf, g_hash_table_unref);
}

static gboolean
add_segment (Parser     *parser,
             const char *url,
             GError    **error)
{
  TrawlHlsSegment segment = { 0 };

  if (parser->playlist->segments->len >= MAX_SEGMENTS)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                   _("The stream has more than %u segments"), MAX_SEGMENTS);
      return FALSE;
    }
  segment.url = g_strdup (url);
  segment.offset = -1;
  segment.length = -1;
  if (parser->has_range)
    {
      segment.offset = parser->range_offset;
      segment.length = parser->range_length;
      g_free (parser->range_url);
      parser->range_url = g_strdup (url);
      parser->range_end = segment.offset + segment.length;
    }
  segment.key = parser->key;
  segment.map = parser->map;
  segment.sequence = parser->sequence++;
  segment.duration = parser->duration;
  parser->playlist->duration += parser->duration;
  g_array_append_val (parser->playlist->segments, segment);
  parser->has_range = FALSE;
  parser->duration = 0;
  return TRUE;
}

/* One line that starts with "#EXT". */
static gboolean
parse_tag (Parser     *parser,
           const char *line,
           GError    **error)
{
  const char *colon = strchr (line, ':');
  const char *value = colon != NULL ? colon + 1 : "";

#define IS(tag) (g_str_has_prefix (line, tag) && (line[strlen (tag)] == ':' || \
                                                  line[strlen (tag)] == '\0'))
  if (IS ("#EXT-X-STREAM-INF"))
    {
      g_clear_pointer (&parser->stream_inf, g_hash_table_unref);
      parser->stream_inf = parse_attributes (value);
      parser->playlist->master = TRUE;
    }
  else if (IS ("#EXT-X-MEDIA"))
    {
      g_autoptr(GHashTable) attributes = parse_attributes (value);
      TrawlHlsRendition rendition = { 0 };
      const char *uri = g_hash_table_lookup (attributes, "URI");

      parser->playlist->master = TRUE;
      if (g_strcmp0 (g_hash_table_lookup (attributes, "TYPE"), "AUDIO") == 0)
        {
          rendition.group = g_strdup (g_hash_table_lookup (attributes, "GROUP-ID"));
          rendition.url = uri != NULL ? trawl_uri_resolve (parser->base, uri, NULL) : NULL;
          g_array_append_val (parser->playlist->renditions, rendition);
        }
    }
  else if (IS ("#EXT-X-MEDIA-SEQUENCE"))
    parser->sequence = g_ascii_strtoull (value, NULL, 10);
  else if (IS ("#EXTINF"))
    parser->duration = g_ascii_strtod (value, NULL);
  else if (IS ("#EXT-X-BYTERANGE"))
    {
      parser->has_range = parse_byte_range (value, parser->range_end, &parser->range_offset,
                                            &parser->range_length);
      if (!parser->has_range)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                       _("The stream's playlist has an invalid byte range (%s)"), value);
          return FALSE;
        }
    }
  else if (IS ("#EXT-X-KEY"))
    return parse_key (parser, value, error);
  else if (IS ("#EXT-X-MAP"))
    return parse_map (parser, value, error);
  else if (IS ("#EXT-X-ENDLIST"))
    parser->playlist->ended = TRUE;
  else if (IS ("#EXT-X-I-FRAMES-ONLY"))
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("The playlist holds only key frames (a preview), not the video"));
      return FALSE;
    }
#undef IS
  return TRUE;
}

/* A byte range without an offset follows the previous one only when it
 * is of the same resource. */
static void
check_range_continuity (Parser     *parser,
                        const char *url)
{
  if (parser->range_url != NULL && g_strcmp0 (parser->range_url, url) != 0)
    parser->range_end = -1;
}

/**
 * _trawl_hls_parse:
 * @base_url: the playlist's own URL (after redirects): what its URIs are
 *   relative to
 *
 * Returns: the playlist, or %NULL with a reason a user can read
 */
TrawlHlsPlaylist *
_trawl_hls_parse (const char  *text,
                  gsize        length,
                  const char  *base_url,
                  GError     **error)
{
  g_autoptr(TrawlHlsPlaylist) playlist = playlist_new ();
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  Parser parser = { 0 };
  gboolean ok = TRUE;

  if (!_trawl_hls_looks_like ((const guint8 *) text, length) ||
      memchr (text, '\0', length) != NULL || !g_utf8_validate (text, length, NULL))
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("The stream's playlist is not an HLS playlist"));
      return NULL;
    }

  /* A byte-order mark is no part of the first line. */
  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    {
      text += 3;
      length -= 3;
    }
  copy = g_strndup (text, length);
  lines = g_strsplit_set (copy, "\r\n", -1);
  parser.playlist = playlist;
  parser.base = base_url;
  parser.key = -1;
  parser.map = -1;
  parser.range_end = -1;

  for (guint i = 0; ok && lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || (line[0] == '#' && !g_str_has_prefix (line, "#EXT")))
        continue;
      if (line[0] == '#')
        {
          ok = parse_tag (&parser, line, error);
          continue;
        }
      {
        g_autofree char *url = trawl_uri_resolve (base_url, line, NULL);

        /* A part left out would make a file that looks whole and is not. */
        if (url == NULL)
          {
            gsize shown_length = MIN (strlen (line), 200);
            g_autofree char *shown = g_utf8_make_valid (line, (gssize) shown_length);

            g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                         _("The stream's playlist names a part Trawl will not fetch (%s)"),
                         shown);
            ok = FALSE;
            break;
          }
        if (parser.stream_inf != NULL)
          add_variant (&parser, url);
        else
          {
            check_range_continuity (&parser, url);
            ok = add_segment (&parser, url, error);
          }
      }
    }
  g_clear_pointer (&parser.stream_inf, g_hash_table_unref);
  g_free (parser.range_url);
  if (!ok)
    return NULL;

  if (playlist->master ? playlist->variants->len == 0 : playlist->segments->len == 0)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("The stream's playlist lists nothing to download"));
      return NULL;
    }
  return g_steal_pointer (&playlist);
}

/* Whether the sound of @variant comes with it, rather than in a separate
 * rendition that would have to be muxed in. */
static gboolean
variant_has_audio (const TrawlHlsPlaylist *playlist,
                   const TrawlHlsVariant  *variant)
{
  static const char * const audio_codecs[] = { "mp4a", "ac-3", "ec-3", "mp3", "opus" };

  if (variant->audio != NULL)
    for (guint i = 0; i < playlist->renditions->len; i++)
      {
        const TrawlHlsRendition *rendition = &g_array_index (playlist->renditions,
                                                             TrawlHlsRendition, i);

        if (g_strcmp0 (rendition->group, variant->audio) == 0 && rendition->url != NULL)
          return FALSE;
      }
  if (variant->codecs == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (audio_codecs); i++)
    if (strstr (variant->codecs, audio_codecs[i]) != NULL)
      return TRUE;
  return FALSE;
}

/**
 * _trawl_hls_choose_variant:
 * @max_height: the highest resolution wanted (lines), or 0 for any
 * @note: (out): set when a better variant was passed over for its sound
 *
 * Chooses the variant with the most bits per second that carries its own
 * sound (a separate audio rendition would need muxing, which Trawl does
 * not do) and is no taller than @max_height (the smallest if all are).
 */
const TrawlHlsVariant *
_trawl_hls_choose_variant (const TrawlHlsPlaylist  *playlist,
                           guint                    max_height,
                           char                   **note,
                           GError                 **error)
{
  const TrawlHlsVariant *best = NULL;
  const TrawlHlsVariant *best_any = NULL;
  guint smallest = G_MAXUINT;

  for (guint i = 0; i < playlist->variants->len; i++)
    {
      const TrawlHlsVariant *variant = &g_array_index (playlist->variants, TrawlHlsVariant, i);

      if (variant->height > 0)
        smallest = MIN (smallest, variant->height);
    }
  /* Every variant taller than the cap: the smallest one. */
  if (max_height > 0 && smallest != G_MAXUINT && smallest > max_height)
    max_height = smallest;

  for (guint i = 0; i < playlist->variants->len; i++)
    {
      const TrawlHlsVariant *variant = &g_array_index (playlist->variants, TrawlHlsVariant, i);

      if (max_height > 0 && variant->height > max_height)
        continue;
      if (best_any == NULL || variant->bandwidth > best_any->bandwidth)
        best_any = variant;
      if (variant_has_audio (playlist, variant) &&
          (best == NULL || variant->bandwidth > best->bandwidth))
        best = variant;
    }

  if (best == NULL)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_STREAM,
                           _("Every version of this stream keeps its sound in a separate "
                             "track, which Trawl cannot join to the picture"));
      return NULL;
    }
  if (best != best_any && note != NULL)
    *note = g_strdup_printf (_("A better version (%" PRIu64 " kbit/s) keeps its sound apart; "
                               "saved the best one with sound (%" PRIu64 " kbit/s)"),
                             best_any->bandwidth / 1000, best->bandwidth / 1000);
  return best;
}
