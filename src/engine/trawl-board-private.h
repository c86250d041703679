#pragma once

#include "trawl-board.h"
#include "trawl-item.h"

G_BEGIN_DECLS

/* Where a board is: on this machine or its network, or on the internet,
 * which is only known once it was connected to when its host is a name. */
typedef enum
{
  TRAWL_BOARD_NETWORK_UNKNOWN,
  TRAWL_BOARD_NETWORK_LOCAL,
  TRAWL_BOARD_NETWORK_PUBLIC,
} TrawlBoardNetwork;

TrawlBoard *_trawl_board_new         (const char      *url,
                                      const char      *recipe,
                                      const char      *output_dir);
void        _trawl_board_set_output_dir (TrawlBoard   *self,
                                         const char   *output_dir);
const char *_trawl_board_get_parent_dir (TrawlBoard   *self);
void        _trawl_board_set_headers (TrawlBoard         *self,
                                      const char * const *headers);
void        _trawl_board_set_parent_dir (TrawlBoard   *self,
                                         const char   *parent_dir);
void        _trawl_board_set_title   (TrawlBoard      *self,
                                      const char      *title);
void        _trawl_board_set_recipe  (TrawlBoard      *self,
                                      const char      *recipe);
void        _trawl_board_set_state   (TrawlBoard      *self,
                                      TrawlBoardState  state);
void        _trawl_board_set_error   (TrawlBoard      *self,
                                      const char      *error);
void        _trawl_board_set_failure (TrawlBoard      *self,
                                      TrawlFailure     failure);
void        _trawl_board_add_page    (TrawlBoard      *self);
void        _trawl_board_add_found   (TrawlBoard      *self,
                                      guint            found);
void        _trawl_board_add_skipped (TrawlBoard      *self);
void        _trawl_board_set_review  (TrawlBoard      *self,
                                      gboolean         review);
gboolean    _trawl_board_get_again   (TrawlBoard      *self);
void        _trawl_board_set_again   (TrawlBoard      *self,
                                      gboolean         again);
void        _trawl_board_restart     (TrawlBoard      *self);
TrawlBoardNetwork _trawl_board_get_network (TrawlBoard        *self);
void        _trawl_board_set_network (TrawlBoard      *self,
                                      TrawlBoardNetwork network);
void        _trawl_board_set_counts  (TrawlBoard      *self,
                                      guint            pages,
                                      guint            found,
                                      guint            skipped);

/* The board's items: the queue's, of this board, in the order the queue
 * took them; the queue tells the board of every change of their states. */
void        _trawl_board_add_item    (TrawlBoard      *self,
                                      TrawlItem       *item);
void        _trawl_board_remove_item (TrawlBoard      *self,
                                      TrawlItem       *item);
void        _trawl_board_remove_all_items (TrawlBoard *self);
gboolean    _trawl_board_has_item    (TrawlBoard      *self,
                                      TrawlItem       *item);
void        _trawl_board_item_state_changed (TrawlBoard     *self,
                                             TrawlItem      *item,
                                             TrawlItemState  old_state);
void        _trawl_board_item_selected_changed (TrawlBoard *self,
                                                TrawlItem  *item);

G_END_DECLS
