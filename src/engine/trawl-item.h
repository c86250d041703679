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

/**
 * TrawlFailure:
 *
 * Why an item failed, in kinds a person understands; stored with the
 * item (the message of the moment is its detail), so that the words
 * shown follow the language of the day they are read in.
 */
typedef enum
{
  TRAWL_FAILURE_NONE,        /*< nick=none >*/
  TRAWL_FAILURE_OTHER,       /*< nick=other >*/
  TRAWL_FAILURE_UNREACHABLE, /*< nick=unreachable >*/
  TRAWL_FAILURE_TIMED_OUT,   /*< nick=timed-out >*/
  TRAWL_FAILURE_CUT_OFF,     /*< nick=cut-off >*/
  TRAWL_FAILURE_REFUSED,     /*< nick=refused >*/
  TRAWL_FAILURE_SERVER,      /*< nick=server >*/
  TRAWL_FAILURE_NOT_MEDIA,   /*< nick=not-media >*/
  TRAWL_FAILURE_NO_MEDIA,    /*< nick=no-media >*/
  TRAWL_FAILURE_STREAM,      /*< nick=stream >*/
  TRAWL_FAILURE_DISK_FULL,   /*< nick=disk-full >*/
  TRAWL_FAILURE_DISK,        /*< nick=disk >*/
  TRAWL_FAILURE_UNSAFE,      /*< nick=unsafe >*/
  TRAWL_FAILURE_GONE,        /*< nick=gone >*/
  TRAWL_FAILURE_NO_VIDEOS,   /*< nick=no-videos >*/
} TrawlFailure;

#define TRAWL_TYPE_ITEM (trawl_item_get_type ())

G_DECLARE_FINAL_TYPE (TrawlItem, trawl_item, TRAWL, ITEM, GObject)

typedef struct _TrawlBoard TrawlBoard;

TrawlBoard     *trawl_item_get_board     (TrawlItem *self);
const char     *trawl_item_get_id        (TrawlItem *self);
const char     *trawl_item_get_title     (TrawlItem *self);
const char     *trawl_item_get_page_url  (TrawlItem *self);
const char     *trawl_item_get_thumbnail (TrawlItem *self);
guint           trawl_item_get_duration  (TrawlItem *self);
const char     *trawl_item_get_media_url (TrawlItem *self);
const char     *trawl_item_get_path      (TrawlItem *self);
TrawlItemState  trawl_item_get_state     (TrawlItem *self);
guint64         trawl_item_get_bytes     (TrawlItem *self);
gint64          trawl_item_get_total     (TrawlItem *self);
double          trawl_item_get_speed     (TrawlItem *self);
const char     *trawl_item_get_error     (TrawlItem *self);
TrawlFailure    trawl_item_get_failure   (TrawlItem *self);
guint           trawl_item_get_tries     (TrawlItem *self);
guint           trawl_item_get_connections (TrawlItem *self);
gboolean        trawl_item_is_finished   (TrawlItem *self);
gboolean        trawl_item_get_selected  (TrawlItem *self);
void            trawl_item_set_selected  (TrawlItem *self,
                                          gboolean   selected);
const char     *trawl_item_state_to_string (TrawlItemState state);

G_END_DECLS
