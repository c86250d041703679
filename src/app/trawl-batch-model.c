#define G_LOG_DOMAIN "trawl-batch-model"

#include "config.h"

#include "trawl-batch-model.h"

/* A list model that shows another, with the items added at its end passed
 * on together, once per main loop iteration: a crawl adds a page of items
 * one by one, and a list view does as much work for one item added as for a
 * hundred. Every other change passes at once. The items shown are always
 * the first n_shown of the model's, in its order. */

struct _TrawlBatchModel
{
  GObject     parent_instance;

  GListModel *model;
  guint       n_shown;
  guint       flush_source;
};

static void trawl_batch_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlBatchModel, trawl_batch_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      trawl_batch_model_list_model_init))

static GType
trawl_batch_model_get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (TRAWL_BATCH_MODEL (list)->model);
}

static guint
trawl_batch_model_get_n_items (GListModel *list)
{
  return TRAWL_BATCH_MODEL (list)->n_shown;
}

static gpointer
trawl_batch_model_get_item (GListModel *list,
                            guint       position)
{
  TrawlBatchModel *self = TRAWL_BATCH_MODEL (list);

  if (position >= self->n_shown)
    return NULL;

  return g_list_model_get_item (self->model, position);
}

static void
trawl_batch_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = trawl_batch_model_get_item_type;
  iface->get_n_items = trawl_batch_model_get_n_items;
  iface->get_item = trawl_batch_model_get_item;
}

static gboolean
batch_model_flush_cb (gpointer user_data)
{
  TrawlBatchModel *self = user_data;
  guint shown = self->n_shown;
  guint n = g_list_model_get_n_items (self->model);

  self->flush_source = 0;
  if (n <= shown)
    return G_SOURCE_REMOVE;

  self->n_shown = n;
  g_list_model_items_changed (G_LIST_MODEL (self), shown, 0, n - shown);

  return G_SOURCE_REMOVE;
}

static void
batch_model_items_changed_cb (TrawlBatchModel *self,
                              guint            position,
                              guint            removed,
                              guint            added,
                              GListModel      *model)
{
  g_assert (model == self->model);

  if (position >= self->n_shown)
    {
      /* Among the items not shown yet: the next flush shows them. */
    }
  else if (position + removed <= self->n_shown)
    {
      /* Among the items shown: the ones not shown yet stay at the end. */
      self->n_shown = self->n_shown - removed + added;
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
    }
  else
    {
      /* Across both: what follows @position is shown at the next flush. */
      guint gone = self->n_shown - position;

      self->n_shown = position;
      g_list_model_items_changed (G_LIST_MODEL (self), position, gone, 0);
    }

  if (self->flush_source == 0 && g_list_model_get_n_items (model) > self->n_shown)
    self->flush_source = g_idle_add_full (G_PRIORITY_DEFAULT, batch_model_flush_cb, self, NULL);
}

static void
trawl_batch_model_dispose (GObject *object)
{
  TrawlBatchModel *self = (TrawlBatchModel *)object;

  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (trawl_batch_model_parent_class)->dispose (object);
}

static void
trawl_batch_model_class_init (TrawlBatchModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = trawl_batch_model_dispose;
}

static void
trawl_batch_model_init (TrawlBatchModel *self)
{
}

/**
 * trawl_batch_model_new:
 * @model: (transfer none): the model to show
 *
 * Returns: (transfer full): a model showing @model's items, those it has
 *   now included
 */
GListModel *
trawl_batch_model_new (GListModel *model)
{
  TrawlBatchModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (TRAWL_TYPE_BATCH_MODEL, NULL);
  self->model = g_object_ref (model);
  self->n_shown = g_list_model_get_n_items (model);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (batch_model_items_changed_cb),
                            self);

  return G_LIST_MODEL (self);
}
