#pragma once

#include "trawl-board.h"
#include "trawl-item.h"

G_BEGIN_DECLS

/* Which file each item of a run is saved as: names are reserved here, so
 * that two items never get one name, and names that cannot be used in
 * this run (another process writes them) are blocked. */

#define TRAWL_TYPE_PATHS (_trawl_paths_get_type ())

G_DECLARE_FINAL_TYPE (TrawlPaths, _trawl_paths, TRAWL, PATHS, GObject)

TrawlPaths *_trawl_paths_new     (void);
void        _trawl_paths_reserve (TrawlPaths *self,
                                  TrawlItem  *item,
                                  const char *extension);
void        _trawl_paths_keep    (TrawlPaths *self,
                                  TrawlItem  *item);
void        _trawl_paths_keep_folder (TrawlPaths *self,
                                      TrawlBoard *board);
gboolean    _trawl_paths_make_folder (TrawlBoard  *board,
                                      GError     **error);
void        _trawl_paths_release (TrawlPaths *self,
                                  TrawlItem  *item);
void        _trawl_paths_block   (TrawlPaths *self,
                                  const char *path);
void        _trawl_paths_move_aside (TrawlPaths *self,
                                     TrawlItem  *item);

G_END_DECLS
