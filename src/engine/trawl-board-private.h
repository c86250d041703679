#pragma once

#include "trawl-board.h"

G_BEGIN_DECLS

TrawlBoard *_trawl_board_new         (const char      *url,
                                      const char      *recipe,
                                      const char      *output_dir);
void        _trawl_board_set_title   (TrawlBoard      *self,
                                      const char      *title);
void        _trawl_board_set_recipe  (TrawlBoard      *self,
                                      const char      *recipe);
void        _trawl_board_set_state   (TrawlBoard      *self,
                                      TrawlBoardState  state);
void        _trawl_board_set_error   (TrawlBoard      *self,
                                      const char      *error);
void        _trawl_board_add_page    (TrawlBoard      *self);
void        _trawl_board_add_found   (TrawlBoard      *self,
                                      guint            found);
void        _trawl_board_add_skipped (TrawlBoard      *self);
void        _trawl_board_set_review  (TrawlBoard      *self,
                                      gboolean         review);
void        _trawl_board_set_counts  (TrawlBoard      *self,
                                      guint            pages,
                                      guint            found,
                                      guint            skipped);

G_END_DECLS
