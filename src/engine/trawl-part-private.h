#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The files of one download: NAME.part while it is written, NAME when it
 * is done. Only regular files are ever opened (never through a symlink),
 * a .part being written is locked so that another process cannot write
 * it too, and a .part carries its identity (where it came from and how
 * long it will be) so that only the same video is ever appended to it. */

typedef struct
{
  char   *source;     /* the archive key of the video it holds */
  gint64  size;       /* the announced length, or -1 */
  char   *validator;  /* ETag or Last-Modified, for If-Range */
  char   *holes;      /* a split download's missing ranges, "START-END,…"
                       * (END exclusive), then ";POSITION,…" the seams
                       * not yet compared, or NULL: all of it is there up
                       * to the file's length, and checked */
} TrawlPartIdentity;

/* A range of a file, START to END exclusive. */
typedef struct
{
  guint64 start;
  guint64 end;
} TrawlRange;

char     *_trawl_part_name             (const char         *path);
void      _trawl_part_identity_clear   (TrawlPartIdentity  *identity);

int       _trawl_part_open             (const char         *path,
                                        gboolean           *created,
                                        GError            **error);
gboolean  _trawl_part_read_identity    (int                 fd,
                                        const char         *path,
                                        TrawlPartIdentity  *identity);
gboolean  _trawl_part_write_identity   (int                 fd,
                                        const char         *path,
                                        const TrawlPartIdentity *identity);
gboolean  _trawl_part_write_holes      (int                 fd,
                                        const char         *path,
                                        const TrawlPartIdentity *identity);
GArray   *_trawl_part_parse_holes      (const char         *text,
                                        guint64             size,
                                        GArray            **seams);
char     *_trawl_part_format_holes     (const TrawlRange   *ranges,
                                        guint               n,
                                        const guint64      *seams,
                                        guint               n_seams);
void      _trawl_part_forget           (const char         *path);
gboolean  _trawl_part_rename           (const char         *part_path,
                                        const char         *final_path,
                                        GError            **error);
gboolean  _trawl_path_is_free          (const char         *path);
gboolean  _trawl_part_commit           (int                 fd,
                                        const char         *part_path,
                                        const char         *final_path,
                                        gboolean           *synced,
                                        GError            **error);
gboolean  _trawl_part_is_finished      (const char         *path,
                                        const char         *source);

/* For tests: store identities as if the file system refused xattrs. */
void      _trawl_part_set_xattrs       (gboolean            use);

G_END_DECLS
