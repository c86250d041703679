#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An HLS playlist (.m3u8) read into what a download needs; no I/O (the
 * download is trawl-hls.c). */

typedef struct
{
  char    *url;        /* resolved against the playlist's own URL */
  guint64  bandwidth;  /* AVERAGE-BANDWIDTH where given, else BANDWIDTH */
  guint    height;     /* from RESOLUTION, or 0 */
  char    *audio;      /* the AUDIO group, or NULL */
  char    *codecs;     /* CODECS, or NULL */
} TrawlHlsVariant;

typedef struct
{
  char *group;
  char *url;           /* NULL: the sound is in the variant itself */
} TrawlHlsRendition;

typedef struct
{
  char    *url;
  guint8   iv[16];
  gboolean has_iv;
} TrawlHlsKey;

typedef struct
{
  char   *url;
  gint64  offset;      /* -1: no byte range */
  gint64  length;
} TrawlHlsMap;

typedef struct
{
  char    *url;
  gint64   offset;     /* -1: the whole resource */
  gint64   length;
  int      key;        /* index in keys, or -1: not encrypted */
  int      map;        /* index in maps, or -1: none */
  guint64  sequence;   /* the media sequence number, the default IV */
  double   duration;
} TrawlHlsSegment;

typedef struct
{
  gboolean  master;
  GArray   *variants;    /* TrawlHlsVariant */
  GArray   *renditions;  /* TrawlHlsRendition, audio only */
  GArray   *segments;    /* TrawlHlsSegment */
  GArray   *keys;        /* TrawlHlsKey */
  GArray   *maps;        /* TrawlHlsMap */
  gboolean  ended;       /* EXT-X-ENDLIST: the whole video, not a live stream */
  double    duration;
} TrawlHlsPlaylist;

gboolean          _trawl_hls_is_playlist_type  (const char        *content_type);
gboolean          _trawl_hls_looks_like        (const guint8      *data,
                                                gsize              length);
TrawlHlsPlaylist *_trawl_hls_parse             (const char        *text,
                                                gsize              length,
                                                const char        *base_url,
                                                GError           **error);
void              _trawl_hls_playlist_free     (TrawlHlsPlaylist  *playlist);
const TrawlHlsVariant *_trawl_hls_choose_variant (const TrawlHlsPlaylist *playlist,
                                                guint              max_height,
                                                char             **note,
                                                GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlHlsPlaylist, _trawl_hls_playlist_free)

G_END_DECLS
