#pragma once

#include <gio/gio.h>

#include "trawl-archive.h"
#include "trawl-backend.h"
#include "trawl-board.h"
#include "trawl-client.h"
#include "trawl-item.h"
#include "trawl-recipe-set.h"

G_BEGIN_DECLS

/* How trawl_queue_add_board_full() places a board's files. */
typedef enum
{
  TRAWL_ADD_BOARD_NONE       = 0,
  TRAWL_ADD_BOARD_OWN_FOLDER = 1 << 0,  /* in a folder of the board's own, made in the given one */
} TrawlAddBoardFlags;

#define TRAWL_TYPE_QUEUE (trawl_queue_get_type ())

G_DECLARE_FINAL_TYPE (TrawlQueue, trawl_queue, TRAWL, QUEUE, GObject)

TrawlQueue     *trawl_queue_new            (TrawlClient     *client);
TrawlClient    *trawl_queue_get_client     (TrawlQueue      *self);
TrawlBackend   *trawl_queue_get_backend    (TrawlQueue      *self);
void            trawl_queue_set_backend    (TrawlQueue      *self,
                                            TrawlBackend    *backend);
TrawlBoard     *trawl_queue_add_board      (TrawlQueue      *self,
                                            const char      *url,
                                            const char      *recipe,
                                            const char      *output_dir,
                                            GError         **error);
TrawlBoard     *trawl_queue_add_board_full (TrawlQueue      *self,
                                            const char      *url,
                                            const char      *recipe,
                                            const char      *output_dir,
                                            TrawlAddBoardFlags flags,
                                            GError         **error);
GListModel     *trawl_queue_get_boards     (TrawlQueue      *self);
TrawlRecipeSet *trawl_queue_get_recipes    (TrawlQueue      *self);
void            trawl_queue_set_recipes    (TrawlQueue      *self,
                                            TrawlRecipeSet  *recipes);
TrawlArchive   *trawl_queue_get_archive    (TrawlQueue      *self);
void            trawl_queue_set_archive    (TrawlQueue      *self,
                                            TrawlArchive    *archive);
gboolean        trawl_queue_is_busy        (TrawlQueue      *self);
guint           trawl_queue_count_state    (TrawlQueue      *self,
                                            TrawlItemState   state);
guint           trawl_queue_get_jobs       (TrawlQueue      *self);

void            trawl_queue_pause          (TrawlQueue      *self,
                                            TrawlItem       *item);
void            trawl_queue_resume         (TrawlQueue      *self,
                                            TrawlItem       *item);
void            trawl_queue_cancel         (TrawlQueue      *self,
                                            TrawlItem       *item);
void            trawl_queue_retry          (TrawlQueue      *self,
                                            TrawlItem       *item);
void            trawl_queue_remove         (TrawlQueue      *self,
                                            TrawlItem       *item);
void            trawl_queue_shutdown       (TrawlQueue      *self);
void            trawl_queue_remove_board   (TrawlQueue      *self,
                                            TrawlBoard      *board);
void            trawl_queue_confirm_board  (TrawlQueue      *self,
                                            TrawlBoard      *board);
void            trawl_queue_get_board_counts (TrawlQueue    *self,
                                            TrawlBoard      *board,
                                            guint           *done,
                                            guint           *failed,
                                            guint           *active);
void            trawl_queue_set_state_file (TrawlQueue      *self,
                                            const char      *path);
const char     *trawl_queue_get_state_file (TrawlQueue      *self);
gboolean        trawl_queue_restore        (TrawlQueue      *self,
                                            GError         **error);
gboolean        trawl_queue_save           (TrawlQueue      *self,
                                            GError         **error);
void            trawl_queue_pause_all      (TrawlQueue      *self);
void            trawl_queue_resume_all     (TrawlQueue      *self);
void            trawl_queue_retry_failed   (TrawlQueue      *self);
void            trawl_queue_download_again (TrawlQueue      *self,
                                            TrawlItem       *item);
gboolean        trawl_queue_has_board      (TrawlQueue      *self,
                                            TrawlBoard      *board);
void            trawl_queue_pause_board    (TrawlQueue      *self,
                                            TrawlBoard      *board);
void            trawl_queue_resume_board   (TrawlQueue      *self,
                                            TrawlBoard      *board);
void            trawl_queue_retry_board    (TrawlQueue      *self,
                                            TrawlBoard      *board);
gboolean        trawl_queue_read_board_with (TrawlQueue     *self,
                                            TrawlBoard      *board,
                                            const char      *recipe,
                                            GError         **error);
void            trawl_queue_download_board_again (TrawlQueue *self,
                                            TrawlBoard      *board);
void            trawl_queue_put_back_board (TrawlQueue      *self,
                                            TrawlBoard      *board,
                                            guint            position,
                                            GPtrArray       *items);

gboolean        trawl_queue_set_board_headers (TrawlQueue          *self,
                                               TrawlBoard          *board,
                                               const char * const  *headers,
                                               GError             **error);
void            trawl_queue_fetch_thumbnail_async  (TrawlQueue          *self,
                                                    TrawlItem           *item,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GBytes         *trawl_queue_fetch_thumbnail_finish (TrawlQueue          *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
