#define G_LOG_DOMAIN "trawl-board"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "trawl-board-private.h"
#include "trawl-enums.h"
#include "trawl-state-counts-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

struct _TrawlBoard
{
  GObject          parent_instance;

  char            *url;
  char            *title;
  char            *recipe;
  char            *output_dir;  /* NULL until named, when it has a folder of its own */
  char            *parent_dir;  /* where its own folder goes, or NULL when it has none */
  char            *error;
  GStrv            headers;   /* "Name: value", sent with the board's requests */
  TrawlFailure     failure;   /* why its listing failed, in kind */
  TrawlBoardState  state;
  guint            pages;
  guint            found;
  guint            skipped;
  gboolean         review;
  gboolean         again;     /* asked to download again: the archive is not heeded */
  TrawlBoardNetwork network;

  GPtrArray       *items;     /* owned TrawlItem, in the order they were added */
  GHashTable      *members;   /* the same items -> whether counted in n_selected */
  TrawlStateCounts counts;
  guint            n_selected;
};

static void trawl_board_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TrawlBoard, trawl_board, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      trawl_board_list_model_init))

enum {
  PROP_0,
  PROP_URL,
  PROP_TITLE,
  PROP_RECIPE,
  PROP_OUTPUT_DIR,
  PROP_STATE,
  PROP_PAGES,
  PROP_FOUND,
  PROP_SKIPPED,
  PROP_ERROR,
  PROP_REVIEW,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_N_ACTIVE,
  PROP_N_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
trawl_board_get_item_type (GListModel *model)
{
  return TRAWL_TYPE_ITEM;
}

static guint
trawl_board_get_n_items (GListModel *model)
{
  return TRAWL_BOARD (model)->items->len;
}

static gpointer
trawl_board_get_item (GListModel *model,
                      guint       position)
{
  TrawlBoard *self = TRAWL_BOARD (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
trawl_board_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = trawl_board_get_item_type;
  iface->get_n_items = trawl_board_get_n_items;
  iface->get_item = trawl_board_get_item;
}

static void
trawl_board_finalize (GObject *object)
{
  TrawlBoard *self = (TrawlBoard *)object;

  g_free (self->url);
  g_free (self->title);
  g_free (self->recipe);
  g_free (self->output_dir);
  g_free (self->parent_dir);
  g_strfreev (self->headers);
  g_free (self->error);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (trawl_board_parent_class)->finalize (object);
}

static void
trawl_board_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TrawlBoard *self = TRAWL_BOARD (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_RECIPE:
      g_value_set_string (value, self->recipe);
      break;
    case PROP_OUTPUT_DIR:
      g_value_set_string (value, self->output_dir);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PAGES:
      g_value_set_uint (value, self->pages);
      break;
    case PROP_FOUND:
      g_value_set_uint (value, self->found);
      break;
    case PROP_SKIPPED:
      g_value_set_uint (value, self->skipped);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_REVIEW:
      g_value_set_boolean (value, self->review);
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, trawl_board_get_n_done (self));
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, trawl_board_get_n_failed (self));
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, trawl_board_get_n_active (self));
      break;
    case PROP_N_SELECTED:
      g_value_set_uint (value, self->n_selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_board_class_init (TrawlBoardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = trawl_board_finalize;
  object_class->get_property = trawl_board_get_property;

  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_RECIPE] = g_param_spec_string ("recipe", NULL, NULL, NULL, flags);
  properties[PROP_OUTPUT_DIR] = g_param_spec_string ("output-dir", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, TRAWL_TYPE_BOARD_STATE,
                                              TRAWL_BOARD_CRAWLING, flags);
  properties[PROP_PAGES] = g_param_spec_uint ("pages", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_FOUND] = g_param_spec_uint ("found", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_SKIPPED] = g_param_spec_uint ("skipped", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  /* Found items wait for the user to pick which to download. */
  properties[PROP_REVIEW] = g_param_spec_boolean ("review", NULL, NULL, FALSE, flags);
  /* Of the board's items in the queue: downloaded, failed, and neither
   * finished nor cancelled (waiting, running or paused). */
  properties[PROP_N_DONE] = g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Items selected and not finished: what confirming a review starts. */
  properties[PROP_N_SELECTED] =
    g_param_spec_uint ("n-selected", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
trawl_board_init (TrawlBoard *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->members = g_hash_table_new (NULL, NULL);
}

TrawlBoard *
_trawl_board_new (const char *url,
                  const char *recipe,
                  const char *output_dir)
{
  TrawlBoard *self = g_object_new (TRAWL_TYPE_BOARD, NULL);

  self->url = g_strdup (url);
  self->recipe = g_strdup (recipe);
  self->output_dir = g_strdup (output_dir);

  {
    g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

    if (uri != NULL && g_uri_get_host (uri) != NULL && trawl_host_is_local (g_uri_get_host (uri)))
      self->network = TRAWL_BOARD_NETWORK_LOCAL;
  }

  return self;
}

const char *
trawl_board_get_url (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->url;
}

const char *
trawl_board_get_title (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->title;
}

/**
 * trawl_board_get_recipe:
 *
 * Returns: (nullable): the name of the recipe that reads the board; %NULL
 *   when none matched its address (the generic extractor, and a recipe
 *   added later is looked for again), "" when the user chose the generic
 *   extractor
 */
const char *
trawl_board_get_recipe (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->recipe;
}

/**
 * trawl_board_get_output_dir:
 *
 * The folder the board's videos are saved in. A board that has a folder
 * of its own has none until its first video is given a name, and the
 * folder is made only when that video starts.
 *
 * Returns: (nullable): the folder
 */
const char *
trawl_board_get_output_dir (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->output_dir;
}

void
_trawl_board_set_output_dir (TrawlBoard *self,
                             const char *output_dir)
{
  g_return_if_fail (TRAWL_IS_BOARD (self));

  if (_trawl_set_str (&self->output_dir, output_dir))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_DIR]);
}

/**
 * trawl_board_get_headers:
 *
 * The headers sent with the board's requests ("Cookie: …", "User-Agent:
 * …"), over the client's; credentials go to the board's own site only.
 *
 * Returns: (nullable) (transfer none): the headers, as "Name: value"
 */
const char * const *
trawl_board_get_headers (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return (const char * const *) self->headers;
}

/* Checked by the caller. */
void
_trawl_board_set_headers (TrawlBoard         *self,
                          const char * const *headers)
{
  g_return_if_fail (TRAWL_IS_BOARD (self));

  g_strfreev (self->headers);
  self->headers = headers != NULL && headers[0] != NULL ? g_strdupv ((GStrv) headers) : NULL;
}

/* The folder in which the board's own folder is made, or NULL when its
 * videos go straight into its output folder. */
const char *
_trawl_board_get_parent_dir (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->parent_dir;
}

void
_trawl_board_set_parent_dir (TrawlBoard *self,
                             const char *parent_dir)
{
  g_return_if_fail (TRAWL_IS_BOARD (self));
  _trawl_set_str (&self->parent_dir, parent_dir);
}

TrawlBoardState
trawl_board_get_state (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), TRAWL_BOARD_CRAWLING);
  return self->state;
}

guint
trawl_board_get_pages (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return self->pages;
}

guint
trawl_board_get_found (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return self->found;
}

guint
trawl_board_get_skipped (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return self->skipped;
}

const char *
trawl_board_get_error (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->error;
}

void
_trawl_board_set_title (TrawlBoard *self,
                        const char *title)
{
  g_autofree char *shown = _trawl_printable (title);

  if (_trawl_set_str (&self->title, shown))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

void
_trawl_board_set_recipe (TrawlBoard *self,
                         const char *recipe)
{
  if (_trawl_set_str (&self->recipe, recipe))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECIPE]);
}

void
_trawl_board_set_error (TrawlBoard *self,
                        const char *error)
{
  g_autofree char *shown = _trawl_printable (error);

  if (_trawl_set_str (&self->error, shown))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/**
 * trawl_board_get_failure:
 *
 * Why the board's listing failed, in a kind a person understands; its
 * error is the message of the moment, for the details.
 */
TrawlFailure
trawl_board_get_failure (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), TRAWL_FAILURE_NONE);
  return self->failure;
}

/* Set with the error; told by its "error" notification. */
void
_trawl_board_set_failure (TrawlBoard   *self,
                          TrawlFailure  failure)
{
  g_return_if_fail (TRAWL_IS_BOARD (self));
  self->failure = failure;
}

void
_trawl_board_set_state (TrawlBoard      *self,
                        TrawlBoardState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_trawl_board_add_page (TrawlBoard *self)
{
  self->pages++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGES]);
}

void
_trawl_board_add_found (TrawlBoard *self,
                        guint       found)
{
  if (found == 0)
    return;
  self->found += found;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOUND]);
}

void
_trawl_board_add_skipped (TrawlBoard *self)
{
  self->skipped++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SKIPPED]);
}

gboolean
trawl_board_get_review (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), FALSE);
  return self->review;
}

void
_trawl_board_set_review (TrawlBoard *self,
                         gboolean    review)
{
  if (self->review == review)
    return;
  self->review = review;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVIEW]);
}

void
_trawl_board_set_counts (TrawlBoard *self,
                         guint       pages,
                         guint       found,
                         guint       skipped)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->pages != pages)
    {
      self->pages = pages;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGES]);
    }
  if (self->found != found)
    {
      self->found = found;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOUND]);
    }
  if (self->skipped != skipped)
    {
      self->skipped = skipped;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SKIPPED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
_trawl_board_get_again (TrawlBoard *self)
{
  return self->again;
}

void
_trawl_board_set_again (TrawlBoard *self,
                        gboolean    again)
{
  self->again = again;
}

/* Before the board is listed again: what the heading counts starts from
 * the items it already has, and the last crawl's failure is forgotten. */
void
_trawl_board_restart (TrawlBoard *self)
{
  _trawl_board_set_counts (self, 0, self->items->len, 0);
  _trawl_board_set_failure (self, TRAWL_FAILURE_NONE);
  _trawl_board_set_error (self, NULL);
}

TrawlBoardNetwork
_trawl_board_get_network (TrawlBoard *self)
{
  return self->network;
}

void
_trawl_board_set_network (TrawlBoard        *self,
                          TrawlBoardNetwork  network)
{
  self->network = network;
}

/* How many of the board's items are in @state. */
guint
trawl_board_count_state (TrawlBoard     *self,
                         TrawlItemState  state)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return _trawl_state_counts_get (&self->counts, state);
}

guint
trawl_board_get_n_done (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return _trawl_state_counts_get (&self->counts, TRAWL_ITEM_DONE);
}

guint
trawl_board_get_n_failed (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return _trawl_state_counts_get (&self->counts, TRAWL_ITEM_FAILED);
}

guint
trawl_board_get_n_active (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return _trawl_state_counts_unfinished (&self->counts);
}

guint
trawl_board_get_n_selected (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), 0);
  return self->n_selected;
}

/* The counts as they were before a change, to notify those it moved. */
typedef struct
{
  guint done;
  guint failed;
  guint active;
  guint selected;
} Counts;

static Counts
get_counts (TrawlBoard *self)
{
  return (Counts) { trawl_board_get_n_done (self), trawl_board_get_n_failed (self),
                    trawl_board_get_n_active (self), self->n_selected };
}

static void
notify_counts (TrawlBoard   *self,
               const Counts *before)
{
  Counts now = get_counts (self);

  /* Every count is right before anyone hears of one. */
  g_object_freeze_notify (G_OBJECT (self));
  if (now.done != before->done)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
  if (now.failed != before->failed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
  if (now.active != before->active)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
  if (now.selected != before->selected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SELECTED]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Counts @item in n_selected, or not, as it is now. */
static void
recount_selected (TrawlBoard *self,
                  TrawlItem  *item)
{
  gpointer counted = NULL;
  gboolean wanted = trawl_item_get_selected (item) && !trawl_item_is_finished (item);

  if (!g_hash_table_lookup_extended (self->members, item, NULL, &counted) ||
      GPOINTER_TO_INT (counted) == wanted)
    return;

  g_hash_table_insert (self->members, item, GINT_TO_POINTER (wanted));
  if (wanted)
    self->n_selected++;
  else
    self->n_selected--;
}

/* The queue adds every item it takes to its board, and removes it with it. */
void
_trawl_board_add_item (TrawlBoard *self,
                       TrawlItem  *item)
{
  Counts before = get_counts (self);

  g_assert (trawl_item_get_board (item) == self);

  if (g_hash_table_contains (self->members, item))
    return;

  g_ptr_array_add (self->items, g_object_ref (item));
  g_hash_table_insert (self->members, item, GINT_TO_POINTER (FALSE));
  _trawl_state_counts_add (&self->counts, trawl_item_get_state (item));
  recount_selected (self, item);

  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
  notify_counts (self, &before);
}

void
_trawl_board_remove_item (TrawlBoard *self,
                          TrawlItem  *item)
{
  Counts before = get_counts (self);
  gpointer counted = NULL;
  guint position;

  if (!g_hash_table_lookup_extended (self->members, item, NULL, &counted))
    return;

  /* From the end: a board is emptied from its last item. */
  for (position = self->items->len; position > 0; position--)
    if (g_ptr_array_index (self->items, position - 1) == item)
      break;
  g_assert (position > 0);
  position--;

  if (GPOINTER_TO_INT (counted))
    self->n_selected--;
  g_hash_table_remove (self->members, item);
  _trawl_state_counts_remove (&self->counts, trawl_item_get_state (item));
  g_ptr_array_remove_index (self->items, position);

  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  notify_counts (self, &before);
}

/* Empties the board at once, as its queue goes (items hold their board). */
void
_trawl_board_remove_all_items (TrawlBoard *self)
{
  Counts before = get_counts (self);
  guint n = self->items->len;

  if (n == 0)
    return;

  g_hash_table_remove_all (self->members);
  memset (&self->counts, 0, sizeof self->counts);
  self->n_selected = 0;
  g_ptr_array_set_size (self->items, 0);

  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
  notify_counts (self, &before);
}

gboolean
_trawl_board_has_item (TrawlBoard *self,
                       TrawlItem  *item)
{
  return g_hash_table_contains (self->members, item);
}

/* @item, one of the board's, went from @old_state to its state now. */
void
_trawl_board_item_state_changed (TrawlBoard     *self,
                                 TrawlItem      *item,
                                 TrawlItemState  old_state)
{
  Counts before = get_counts (self);

  g_assert (g_hash_table_contains (self->members, item));

  _trawl_state_counts_move (&self->counts, old_state, trawl_item_get_state (item));
  recount_selected (self, item);
  notify_counts (self, &before);
}

void
_trawl_board_item_selected_changed (TrawlBoard *self,
                                    TrawlItem  *item)
{
  Counts before = get_counts (self);

  recount_selected (self, item);
  notify_counts (self, &before);
}
