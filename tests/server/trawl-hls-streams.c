#define G_LOG_DOMAIN "trawl-board-server"

#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "trawl-hls-streams.h"

/* HLS streams for the board server, made from real media (the fixtures in
 * tests/fixtures/hls, see make.sh there): MPEG-TS segments, fMP4 cut into
 * an initialisation section and fragments, the same fMP4 as one file read
 * by byte ranges, AES-128 with a key change, a master playlist, and the
 * streams Trawl must refuse (live, SAMPLE-AES, sound only apart). */

#define N_TS 3
#define SEQUENCE 5   /* the AES stream's first media sequence number */

struct _TrawlHlsStreams
{
  GBytes     *ts[N_TS];
  GBytes     *fmp4;        /* init + fragments, one file */
  GArray     *cuts;        /* offsets in fmp4: init end, then each fragment's end */
  GHashTable *requests;    /* path -> count */
  gboolean    fail_once;
  GHashTable *failed;      /* paths failed once already */
  guint       hold_from;   /* segments from this index are held (G_MAXUINT: none) */
  guint       token;       /* 0, or a ?token=N on every segment address (a signing CDN) */
  gboolean    changed;     /* the segments last longer: another version of the stream */
};

static const guint8 key_a[16] = "0123456789abcdef";
static const guint8 key_b[16] = "fedcba9876543210";
static const guint8 iv_a[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static GBytes *
load (const char  *dir,
      const char  *name,
      GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (contents, length);
}

/* The top-level boxes of the fragmented MP4: where the initialisation
 * section (ftyp, moov) ends, and where each moof+mdat pair does. */
static GArray *
cut_fragments (GBytes *mp4)
{
  GArray *cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize length;
  const guint8 *data = g_bytes_get_data (mp4, &length);
  gsize at = 0;
  gboolean in_init = TRUE;

  while (at + 8 <= length)
    {
      guint32 size = (guint32) data[at] << 24 | data[at + 1] << 16 | data[at + 2] << 8 |
                     data[at + 3];

      if (size < 8 || at + size > length)
        break;
      if (in_init && memcmp (data + at + 4, "moof", 4) == 0)
        {
          g_array_append_val (cuts, at);
          in_init = FALSE;
        }
      at += size;
      if (memcmp (data + at - size + 4, "mdat", 4) == 0)
        g_array_append_val (cuts, at);
    }
  return cuts;
}

TrawlHlsStreams *
trawl_hls_streams_new (const char  *fixtures,
                       GError     **error)
{
  TrawlHlsStreams *streams = g_new0 (TrawlHlsStreams, 1);

  streams->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  streams->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  streams->hold_from = G_MAXUINT;
  for (guint i = 0; i < N_TS; i++)
    {
      g_autofree char *name = g_strdup_printf ("seg%u.ts", i);

      if ((streams->ts[i] = load (fixtures, name, error)) == NULL)
        {
          trawl_hls_streams_free (streams);
          return NULL;
        }
    }
  if ((streams->fmp4 = load (fixtures, "fragmented.mp4", error)) == NULL)
    {
      trawl_hls_streams_free (streams);
      return NULL;
    }
  streams->cuts = cut_fragments (streams->fmp4);
  return streams;
}

void
trawl_hls_streams_free (TrawlHlsStreams *streams)
{
  for (guint i = 0; i < N_TS; i++)
    g_clear_pointer (&streams->ts[i], g_bytes_unref);
  g_clear_pointer (&streams->fmp4, g_bytes_unref);
  g_clear_pointer (&streams->cuts, g_array_unref);
  g_hash_table_unref (streams->requests);
  g_hash_table_unref (streams->failed);
  g_free (streams);
}

void
trawl_hls_streams_set_fail_once (TrawlHlsStreams *streams,
                                 gboolean         fail_once)
{
  streams->fail_once = fail_once;
}

void
trawl_hls_streams_set_token (TrawlHlsStreams *streams,
                             guint            token)
{
  streams->token = token;
}

void
trawl_hls_streams_set_changed (TrawlHlsStreams *streams,
                               gboolean         changed)
{
  streams->changed = changed;
}

void
trawl_hls_streams_hold_from (TrawlHlsStreams *streams,
                             guint            segment)
{
  streams->hold_from = segment;
}

guint
trawl_hls_streams_get_requests (TrawlHlsStreams *streams,
                                const char      *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (streams->requests, path));
}

void
trawl_hls_streams_reset_requests (TrawlHlsStreams *streams)
{
  g_hash_table_remove_all (streams->requests);
}

guint
trawl_hls_streams_n_fragments (TrawlHlsStreams *streams)
{
  return streams->cuts->len - 1;
}

static GBytes *
fragment (TrawlHlsStreams *streams,
          guint            index)   /* 0: the init section */
{
  gsize start = index == 0 ? 0 : g_array_index (streams->cuts, gsize, index - 1);
  gsize end = g_array_index (streams->cuts, gsize, index);

  return g_bytes_new_from_bytes (streams->fmp4, start, end - start);
}

/* What a player would save: the segments decrypted and joined. */
GBytes *
trawl_hls_streams_expected (TrawlHlsStreams *streams,
                            const char      *kind)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  if (g_str_equal (kind, "fmp4") || g_str_equal (kind, "range"))
    return g_bytes_ref (streams->fmp4);
  if (g_str_equal (kind, "maps"))
    {
      /* The section again where the playlist names another one. */
      for (guint i = 0; i <= trawl_hls_streams_n_fragments (streams); i++)
        {
          g_autoptr(GBytes) part = fragment (streams, i);

          if (i == 4)
            {
              g_autoptr(GBytes) init = fragment (streams, 0);

              g_byte_array_append (all, g_bytes_get_data (init, NULL),
                                   (guint) g_bytes_get_size (init));
            }
          g_byte_array_append (all, g_bytes_get_data (part, NULL),
                               (guint) g_bytes_get_size (part));
        }
      return g_byte_array_free_to_bytes (g_steal_pointer (&all));
    }
  for (guint i = 0; i < N_TS; i++)
    g_byte_array_append (all, g_bytes_get_data (streams->ts[i], NULL),
                         (guint) g_bytes_get_size (streams->ts[i]));
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static GBytes *
encrypt (GBytes       *plain,
         const guint8  key[16],
         const guint8  iv[16])
{
  gsize length = g_bytes_get_size (plain);
  gsize padded = (length / 16 + 1) * 16;
  guint8 *data = g_malloc (padded);
  gnutls_cipher_hd_t cipher;
  gnutls_datum_t key_datum = { (unsigned char *) key, 16 };
  gnutls_datum_t iv_datum = { (unsigned char *) iv, 16 };

  memcpy (data, g_bytes_get_data (plain, NULL), length);
  memset (data + length, (int) (padded - length), padded - length);
  g_assert (gnutls_cipher_init (&cipher, GNUTLS_CIPHER_AES_128_CBC, &key_datum, &iv_datum) == 0);
  gnutls_cipher_encrypt (cipher, data, padded);
  gnutls_cipher_deinit (cipher);
  return g_bytes_new_take (data, padded);
}

static char *
media_playlist (TrawlHlsStreams *streams,
                const char      *kind)
{
  GString *text = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n");

  if (g_str_equal (kind, "fmp4") || g_str_equal (kind, "maps"))
    {
      g_string_append (text, "#EXT-X-MAP:URI=\"init.mp4\"\n");
      for (guint i = 1; i <= trawl_hls_streams_n_fragments (streams); i++)
        {
          if (g_str_equal (kind, "maps") && i == 4)
            g_string_append (text, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-b.mp4\"\n");
          g_string_append_printf (text, "#EXTINF:0.5,\nfrag-%u.m4s\n", i);
        }
    }
  else if (g_str_equal (kind, "range") || g_str_equal (kind, "range-lie"))
    {
      gsize init_end = g_array_index (streams->cuts, gsize, 0);

      g_string_append_printf (text, "#EXT-X-MAP:URI=\"all.mp4\",BYTERANGE=\"%zu@0\"\n",
                              init_end);
      for (guint i = 1; i <= trawl_hls_streams_n_fragments (streams); i++)
        {
          gsize start = g_array_index (streams->cuts, gsize, i - 1);
          gsize end = g_array_index (streams->cuts, gsize, i);

          /* Every other range without its offset: it follows the last. */
          if (i % 2 == 1)
            g_string_append_printf (text, "#EXTINF:0.5,\n#EXT-X-BYTERANGE:%zu@%zu\nall.mp4\n",
                                    end - start, start);
          else
            g_string_append_printf (text, "#EXTINF:0.5,\n#EXT-X-BYTERANGE:%zu\nall.mp4\n",
                                    end - start);
        }
    }
  else
    {
      if (g_str_equal (kind, "fileuri"))
        g_string_append (text, "#EXTINF:1.0,\nfile:///etc/passwd\n");
      if (g_str_equal (kind, "aes"))
        g_string_append_printf (text, "#EXT-X-MEDIA-SEQUENCE:%u\n", SEQUENCE);
      for (guint i = 0; i < N_TS; i++)
        {
          if (g_str_equal (kind, "aes") && i == 0)
            g_string_append (text, "#EXT-X-KEY:METHOD=AES-128,URI=\"key-a\","
                                   "IV=0x000102030405060708090a0b0c0d0e0f\n");
          if (g_str_equal (kind, "aes") && i == 2)
            g_string_append (text, "#EXT-X-KEY:METHOD=AES-128,URI=\"/hls/aes/key-b\"\n");
          if (g_str_equal (kind, "sample-aes") && i == 0)
            g_string_append (text, "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"key-a\"\n");
          g_string_append_printf (text, "#EXTINF:%s,\nseg-%u.ts", streams->changed ? "1.5" : "1.0",
                                  i);
          if (streams->token > 0)
            g_string_append_printf (text, "?token=%u", streams->token);
          g_string_append_c (text, '\n');
        }
    }
  if (!g_str_equal (kind, "live"))
    g_string_append (text, "#EXT-X-ENDLIST\n");
  if (g_str_equal (kind, "bom"))
    g_string_prepend (text, "\xEF\xBB\xBF");
  return g_string_free (text, FALSE);
}

static char *
master_playlist (const char *kind)
{
  if (g_str_equal (kind, "apart"))
    return g_strdup ("#EXTM3U\n"
                     "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"en\",URI=\"../ts/a.m3u8\"\n"
                     "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x240,AUDIO=\"aac\"\n"
                     "../ts/index.m3u8\n");
  /* The tallest keeps its sound apart: the next one with sound wins,
   * unless a height cap leaves only the smallest. */
  return g_strdup ("#EXTM3U\n"
                   "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"en\",URI=\"../ts/a.m3u8\"\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x480,AUDIO=\"aac\"\n"
                   "../live/index.m3u8\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,"
                   "RESOLUTION=320x240,CODECS=\"avc1.64000d,mp4a.40.2\"\n"
                   "../ts/index.m3u8\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x120\n"
                   "../fmp4/index.m3u8\n");
}

/* The body of a segment @name of stream @kind, or NULL; *@index says which. */
static GBytes *
segment (TrawlHlsStreams *streams,
         const char      *kind,
         const char      *name,
         guint           *index)
{
  guint64 n;

  if (g_str_has_prefix (name, "seg-") && g_str_has_suffix (name, ".ts"))
    {
      g_autofree char *digits = g_strndup (name + 4, strlen (name) - 7);

      if (!g_ascii_string_to_unsigned (digits, 10, 0, N_TS - 1, &n, NULL))
        return NULL;
      *index = (guint) n;
      if (g_str_equal (kind, "aes"))
        {
          guint8 iv[16] = { 0 };

          if (n < 2)
            return encrypt (streams->ts[n], key_a, iv_a);
          iv[15] = (guint8) (SEQUENCE + n);
          return encrypt (streams->ts[n], key_b, iv);
        }
      return g_bytes_ref (streams->ts[n]);
    }
  if ((g_str_equal (kind, "fmp4") || g_str_equal (kind, "maps")) &&
      (g_str_equal (name, "init.mp4") || g_str_equal (name, "init-b.mp4")))
    {
      *index = G_MAXUINT;
      return fragment (streams, 0);
    }
  if ((g_str_equal (kind, "fmp4") || g_str_equal (kind, "maps")) &&
      g_str_has_prefix (name, "frag-") &&
      g_str_has_suffix (name, ".m4s"))
    {
      g_autofree char *digits = g_strndup (name + 5, strlen (name) - 9);

      if (!g_ascii_string_to_unsigned (digits, 10, 1, trawl_hls_streams_n_fragments (streams),
                                       &n, NULL))
        return NULL;
      *index = (guint) n - 1;
      return fragment (streams, (guint) n);
    }
  return NULL;
}

/* "bytes=A-B" of a body of @length, or FALSE. */
static gboolean
parse_range (const char *range,
             gsize       length,
             gsize      *start,
             gsize      *end)
{
  guint64 a, b;
  g_auto(GStrv) ends = NULL;

  if (range == NULL || !g_str_has_prefix (range, "bytes="))
    return FALSE;
  ends = g_strsplit (range + 6, "-", 2);
  if (g_strv_length (ends) != 2 ||
      !g_ascii_string_to_unsigned (ends[0], 10, 0, length - 1, &a, NULL) ||
      !g_ascii_string_to_unsigned (ends[1], 10, a, G_MAXUINT64, &b, NULL))
    return FALSE;
  *start = (gsize) a;
  *end = (gsize) MIN (b + 1, length);
  return TRUE;
}

/**
 * trawl_hls_streams_answer:
 * @path: the request's path under /hls/: KIND/NAME
 *
 * Returns: the answer, or %NULL for a 404
 */
TrawlHlsAnswer *
trawl_hls_streams_answer (TrawlHlsStreams *streams,
                          const char      *path,
                          const char      *range)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", 3);
  TrawlHlsAnswer *answer = g_new0 (TrawlHlsAnswer, 1);
  const char *kind;
  const char *name;
  guint index = G_MAXUINT;
  guint count;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (streams->requests, path)) + 1;
  g_hash_table_replace (streams->requests, g_strdup (path), GUINT_TO_POINTER (count));
  answer->status = 200;
  if (g_strv_length (parts) != 2)
    {
      answer->status = 404;
      return answer;
    }
  kind = parts[0];
  name = parts[1];

  if (g_str_equal (name, "index.m3u8") || g_str_equal (name, "stream"))
    {
      gboolean master = g_str_equal (kind, "master") || g_str_equal (kind, "apart");
      char *text = master ? master_playlist (kind) : media_playlist (streams, kind);

      answer->body = g_bytes_new_take (text, strlen (text));
      /* "stream" is labelled as text: only its first bytes say what it is. */
      answer->content_type = g_str_equal (name, "stream") ? "text/plain"
                                                          : "application/vnd.apple.mpegurl";
      return answer;
    }
  answer->content_type = "application/octet-stream";
  if (g_str_equal (kind, "aes") && g_str_equal (name, "key-a"))
    answer->body = g_bytes_new_static (key_a, 16);
  else if (g_str_equal (kind, "aes") && g_str_equal (name, "key-b"))
    answer->body = g_bytes_new_static (key_b, 16);
  else if ((g_str_equal (kind, "range") || g_str_equal (kind, "range-lie")) &&
           g_str_equal (name, "all.mp4"))
    {
      gsize start, end;

      answer->content_type = "video/mp4";
      if (parse_range (range, g_bytes_get_size (streams->fmp4), &start, &end))
        {
          /* A server that answers every range from the start. */
          if (g_str_equal (kind, "range-lie"))
            {
              end -= start;
              start = 0;
            }
          answer->status = 206;
          answer->body = g_bytes_new_from_bytes (streams->fmp4, start, end - start);
          answer->range_start = start;
          answer->range_total = g_bytes_get_size (streams->fmp4);
        }
      else
        answer->body = g_bytes_ref (streams->fmp4);
    }
  else if ((answer->body = segment (streams, kind, name, &index)) != NULL)
    {
      answer->content_type = g_str_has_suffix (name, ".ts") ? "video/mp2t" : "video/mp4";
      if (index == 1 && (g_str_equal (kind, "html") || g_str_equal (kind, "id3text")))
        {
          static const char page[] = "<!DOCTYPE html><html><body>Please log in</body></html>";
          /* Text that starts as packed audio would. */
          static const char id3[] = "ID3 is not here. <html>Please log in</html>";

          g_bytes_unref (answer->body);
          answer->body = g_str_equal (kind, "html") ? g_bytes_new_static (page, sizeof page - 1)
                                                    : g_bytes_new_static (id3, sizeof id3 - 1);
          answer->content_type = g_str_equal (kind, "html") ? "text/html" : "text/plain";
        }
      if (index == 1 && g_str_equal (kind, "cut"))
        {
          GBytes *whole = answer->body;

          answer->body = g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) - 100);
          g_bytes_unref (whole);
        }
      /* No length said, and the first answer cut where a packet ends:
       * only a confirmation can tell. */
      if (index == 1 && (g_str_equal (kind, "nolength") || g_str_equal (kind, "nolength-range")))
        {
          gsize length = g_bytes_get_size (answer->body);
          gsize start, end;

          answer->no_length = TRUE;
          if (g_str_equal (kind, "nolength-range") && range != NULL)
            {
              if (parse_range (range, length, &start, &end))
                {
                  GBytes *whole = answer->body;

                  answer->status = 206;
                  answer->body = g_bytes_new_from_bytes (whole, start, end - start);
                  answer->range_start = start;
                  answer->range_total = length;
                  g_bytes_unref (whole);
                }
              else
                {
                  g_clear_pointer (&answer->body, g_bytes_unref);
                  answer->status = 416;
                  answer->range_total = length;
                }
            }
          else if (count == 1)
            {
              GBytes *whole = answer->body;

              answer->body = g_bytes_new_from_bytes (whole, 0, length / 2 / 188 * 188);
              g_bytes_unref (whole);
            }
        }
      /* Drips the first time only. */
      if (index == 1 && g_str_equal (kind, "drip") && count == 1)
        answer->drip = TRUE;
      if (index != G_MAXUINT && index >= streams->hold_from)
        answer->hold = TRUE;
      if (streams->fail_once && !g_hash_table_contains (streams->failed, path))
        {
          g_hash_table_add (streams->failed, g_strdup (path));
          g_clear_pointer (&answer->body, g_bytes_unref);
          answer->status = 503;
        }
    }
  else
    answer->status = 404;
  return answer;
}

void
trawl_hls_answer_free (TrawlHlsAnswer *answer)
{
  g_clear_pointer (&answer->body, g_bytes_unref);
  g_free (answer);
}
