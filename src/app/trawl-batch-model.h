#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_BATCH_MODEL (trawl_batch_model_get_type ())

G_DECLARE_FINAL_TYPE (TrawlBatchModel, trawl_batch_model, TRAWL, BATCH_MODEL, GObject)

GListModel *trawl_batch_model_new (GListModel *model);

G_END_DECLS
