#pragma once

#include <gio/gio.h>

#include "trawl-item.h"

G_BEGIN_DECLS

TrawlItem    *_trawl_item_new              (TrawlBoard     *board,
                                            const char     *page_url,
                                            const char     *title,
                                            const char     *id);
void          _trawl_item_set_state        (TrawlItem      *self,
                                            TrawlItemState  state);
void          _trawl_item_set_title        (TrawlItem      *self,
                                            const char     *title);
void          _trawl_item_set_id           (TrawlItem      *self,
                                            const char     *id);
void          _trawl_item_set_media_url    (TrawlItem      *self,
                                            const char     *media_url);
void          _trawl_item_set_path         (TrawlItem      *self,
                                            const char     *path);
void          _trawl_item_set_error        (TrawlItem      *self,
                                            const char     *error);
void          _trawl_item_set_failure      (TrawlItem      *self,
                                            TrawlFailure    failure);
TrawlFailure  _trawl_failure_from_error    (const GError   *error);
void          _trawl_item_note             (TrawlItem      *self,
                                            const char     *note);
void          _trawl_item_set_connections  (TrawlItem      *self,
                                            guint           connections);
void          _trawl_item_set_tries        (TrawlItem      *self,
                                            guint           tries);
void          _trawl_item_set_progress     (TrawlItem      *self,
                                            guint64         bytes,
                                            gint64          total);
gboolean      _trawl_item_flush_progress   (TrawlItem      *self,
                                            gint64          now_us);
GCancellable *_trawl_item_get_cancellable  (TrawlItem      *self);
GCancellable *_trawl_item_renew_cancellable (TrawlItem     *self);
const char   *_trawl_item_get_validator    (TrawlItem      *self);
void          _trawl_item_set_validator    (TrawlItem      *self,
                                            const char     *validator);
const char   *_trawl_item_get_remote_id    (TrawlItem      *self);
void          _trawl_item_set_remote_id    (TrawlItem      *self,
                                            const char     *remote_id);
char         *_trawl_item_archive_key      (TrawlItem      *self);

void        _trawl_item_note_retry       (TrawlItem    *self,
                                          const GError *error);
void        _trawl_item_set_preview      (TrawlItem   *self,
                                          const char  *thumbnail,
                                          guint        duration);

G_END_DECLS
