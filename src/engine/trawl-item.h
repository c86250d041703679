#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  TRAWL_ITEM_PENDING,      /*< nick=pending >*/
  TRAWL_ITEM_RESOLVING,    /*< nick=resolving >*/
  TRAWL_ITEM_QUEUED,       /*< nick=queued >*/
  TRAWL_ITEM_DOWNLOADING,  /*< nick=downloading >*/
  TRAWL_ITEM_PAUSED,       /*< nick=paused >*/
  TRAWL_ITEM_DONE,         /*< nick=done >*/
  TRAWL_ITEM_FAILED,       /*< nick=failed >*/
  TRAWL_ITEM_CANCELLED,    /*< nick=cancelled >*/
} TrawlItemState;

#define TRAWL_TYPE_ITEM (trawl_item_get_type ())

G_DECLARE_FINAL_TYPE (TrawlItem, trawl_item, TRAWL, ITEM, GObject)

typedef struct _TrawlBoard TrawlBoard;

TrawlBoard     *trawl_item_get_board     (TrawlItem *self);
const char     *trawl_item_get_id        (TrawlItem *self);
const char     *trawl_item_get_title     (TrawlItem *self);
const char     *trawl_item_get_page_url  (TrawlItem *self);
const char     *trawl_item_get_media_url (TrawlItem *self);
const char     *trawl_item_get_path      (TrawlItem *self);
TrawlItemState  trawl_item_get_state     (TrawlItem *self);
guint64         trawl_item_get_bytes     (TrawlItem *self);
gint64          trawl_item_get_total     (TrawlItem *self);
double          trawl_item_get_speed     (TrawlItem *self);
const char     *trawl_item_get_error     (TrawlItem *self);
guint           trawl_item_get_tries     (TrawlItem *self);
guint           trawl_item_get_connections (TrawlItem *self);
gboolean        trawl_item_is_finished   (TrawlItem *self);
gboolean        trawl_item_get_selected  (TrawlItem *self);
void            trawl_item_set_selected  (TrawlItem *self,
                                          gboolean   selected);
const char     *trawl_item_state_to_string (TrawlItemState state);

G_END_DECLS
