#pragma once

#include <glib-object.h>
#include "trawl-item.h"

G_BEGIN_DECLS

typedef enum
{
  TRAWL_BOARD_CRAWLING,  /*< nick=crawling >*/
  TRAWL_BOARD_DONE,      /*< nick=done >*/
  TRAWL_BOARD_FAILED,    /*< nick=failed >*/
} TrawlBoardState;

#define TRAWL_TYPE_BOARD (trawl_board_get_type ())

G_DECLARE_FINAL_TYPE (TrawlBoard, trawl_board, TRAWL, BOARD, GObject)

const char      *trawl_board_get_url        (TrawlBoard *self);
const char      *trawl_board_get_title      (TrawlBoard *self);
const char      *trawl_board_get_recipe     (TrawlBoard *self);
const char      *trawl_board_get_output_dir (TrawlBoard *self);
const char * const *trawl_board_get_headers (TrawlBoard *self);
TrawlBoardState  trawl_board_get_state      (TrawlBoard *self);
guint            trawl_board_get_pages      (TrawlBoard *self);
guint            trawl_board_get_found      (TrawlBoard *self);
guint            trawl_board_get_skipped    (TrawlBoard *self);
const char      *trawl_board_get_error      (TrawlBoard *self);
TrawlFailure     trawl_board_get_failure    (TrawlBoard *self);
gboolean         trawl_board_get_review     (TrawlBoard *self);
guint            trawl_board_count_state    (TrawlBoard     *self,
                                             TrawlItemState  state);
guint            trawl_board_get_n_done     (TrawlBoard *self);
guint            trawl_board_get_n_failed   (TrawlBoard *self);
guint            trawl_board_get_n_active   (TrawlBoard *self);
guint            trawl_board_get_n_selected (TrawlBoard *self);

G_END_DECLS
