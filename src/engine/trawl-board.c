#define G_LOG_DOMAIN "trawl-board"

#include "config.h"

#include "trawl-board-private.h"
#include "trawl-enums.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

struct _TrawlBoard
{
  GObject          parent_instance;

  char            *url;
  char            *title;
  char            *recipe;
  char            *output_dir;
  char            *error;
  TrawlBoardState  state;
  guint            pages;
  guint            found;
  guint            skipped;
  gboolean         review;
  TrawlBoardNetwork network;
};

G_DEFINE_FINAL_TYPE (TrawlBoard, trawl_board, G_TYPE_OBJECT)

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
trawl_board_finalize (GObject *object)
{
  TrawlBoard *self = (TrawlBoard *)object;

  g_free (self->url);
  g_free (self->title);
  g_free (self->recipe);
  g_free (self->output_dir);
  g_free (self->error);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
trawl_board_init (TrawlBoard *self)
{
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

const char *
trawl_board_get_recipe (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->recipe;
}

const char *
trawl_board_get_output_dir (TrawlBoard *self)
{
  g_return_val_if_fail (TRAWL_IS_BOARD (self), NULL);
  return self->output_dir;
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
