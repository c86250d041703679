#define G_LOG_DOMAIN "trawl-item"

#include "config.h"

#include "trawl-archive.h"
#include "trawl-board.h"
#include "trawl-enums.h"
#include "trawl-error.h"
#include "trawl-item-private.h"
#include "trawl-recipe.h"
#include "trawl-util-private.h"

/* How much the latest second weighs in the shown speed. */
#define SPEED_SMOOTHING 0.5

struct _TrawlItem
{
  GObject         parent_instance;

  TrawlBoard     *board;
  char           *id;
  char           *title;
  TrawlFailure    failure;
  char           *page_url;
  char           *media_url;
  char           *path;
  char           *error;
  TrawlItemState  state;
  guint           tries;
  guint           connections;
  gboolean        selected;

  /* Written by the transfer at every read; published (notified) only when
   * the queue's tick calls _trawl_item_flush_progress(). */
  guint64         bytes;
  gint64          total;
  guint64         shown_bytes;
  gint64          shown_total;
  double          speed;
  gint64          speed_time;
  guint64         speed_bytes;

  GCancellable   *cancellable;
  char           *validator;
  char           *remote_id;  /* the download's id in a remote backend (an aria2 GID) */
  char           *thumbnail;  /* the list's cover image, or NULL */
  guint           duration;   /* seconds, or 0 */
};

G_DEFINE_FINAL_TYPE (TrawlItem, trawl_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BOARD,
  PROP_ID,
  PROP_TITLE,
  PROP_PAGE_URL,
  PROP_MEDIA_URL,
  PROP_PATH,
  PROP_STATE,
  PROP_BYTES,
  PROP_TOTAL,
  PROP_SPEED,
  PROP_ERROR,
  PROP_FAILURE,
  PROP_TRIES,
  PROP_CONNECTIONS,
  PROP_SELECTED,
  PROP_REMOTE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  NOTE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
trawl_item_finalize (GObject *object)
{
  TrawlItem *self = (TrawlItem *)object;

  g_clear_object (&self->board);
  g_free (self->id);
  g_free (self->title);
  g_free (self->thumbnail);
  g_free (self->page_url);
  g_free (self->media_url);
  g_free (self->path);
  g_free (self->error);
  g_clear_object (&self->cancellable);
  g_free (self->validator);
  g_free (self->remote_id);

  G_OBJECT_CLASS (trawl_item_parent_class)->finalize (object);
}

static void
trawl_item_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TrawlItem *self = TRAWL_ITEM (object);

  switch (prop_id)
    {
    case PROP_BOARD:
      g_value_set_object (value, self->board);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PAGE_URL:
      g_value_set_string (value, self->page_url);
      break;
    case PROP_MEDIA_URL:
      g_value_set_string (value, self->media_url);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, self->shown_bytes);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, self->shown_total);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_FAILURE:
      g_value_set_enum (value, self->failure);
      break;
    case PROP_TRIES:
      g_value_set_uint (value, self->tries);
      break;
    case PROP_CONNECTIONS:
      g_value_set_uint (value, self->connections);
      break;
    case PROP_SELECTED:
      g_value_set_boolean (value, self->selected);
      break;
    case PROP_REMOTE_ID:
      g_value_set_string (value, self->remote_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_item_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TrawlItem *self = TRAWL_ITEM (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      trawl_item_set_selected (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_item_class_init (TrawlItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = trawl_item_finalize;
  object_class->get_property = trawl_item_get_property;
  object_class->set_property = trawl_item_set_property;

  properties[PROP_BOARD] = g_param_spec_object ("board", NULL, NULL, TRAWL_TYPE_BOARD, flags);
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_PAGE_URL] = g_param_spec_string ("page-url", NULL, NULL, NULL, flags);
  properties[PROP_MEDIA_URL] = g_param_spec_string ("media-url", NULL, NULL, NULL, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, TRAWL_TYPE_ITEM_STATE,
                                              TRAWL_ITEM_PENDING, flags);
  properties[PROP_BYTES] = g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_FAILURE] = g_param_spec_enum ("failure", NULL, NULL, TRAWL_TYPE_FAILURE,
                                                TRAWL_FAILURE_NONE, flags);
  properties[PROP_TRIES] = g_param_spec_uint ("tries", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Connections its download is using now. */
  properties[PROP_CONNECTIONS] =
    g_param_spec_uint ("connections", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Whether a board under review downloads this item; the one property a
   * front end writes. */
  properties[PROP_SELECTED] =
    g_param_spec_boolean ("selected", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The download's id in a remote backend (an aria2 GID), kept with the
   * queue so that a restart finds the download again. */
  properties[PROP_REMOTE_ID] = g_param_spec_string ("remote-id", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TrawlItem::note:
   * @note: one line for the user that is not a failure, such as why the
   *   item's file got another name; it is also the item's "error" until
   *   the item finishes
   */
  signals[NOTE] =
    g_signal_new ("note", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
trawl_item_init (TrawlItem *self)
{
  self->total = -1;
  self->shown_total = -1;
  self->selected = TRUE;
  self->cancellable = g_cancellable_new ();
}

TrawlItem *
_trawl_item_new (TrawlBoard *board,
                 const char *page_url,
                 const char *title,
                 const char *id)
{
  TrawlItem *self = g_object_new (TRAWL_TYPE_ITEM, NULL);

  self->board = board != NULL ? g_object_ref (board) : NULL;
  self->page_url = g_strdup (page_url);
  self->title = _trawl_printable (title);
  self->id = g_strdup (id);

  return self;
}

/* What the list page showed of the item: its cover image and length. */
void
_trawl_item_set_preview (TrawlItem  *self,
                         const char *thumbnail,
                         guint       duration)
{
  g_return_if_fail (TRAWL_IS_ITEM (self));

  g_free (self->thumbnail);
  self->thumbnail = g_strdup (thumbnail);
  self->duration = duration;
}

/**
 * trawl_item_get_thumbnail:
 *
 * Returns: (nullable): the address of the cover image the board's list
 *   showed for the item
 */
const char *
trawl_item_get_thumbnail (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->thumbnail;
}

/* The video's length in seconds as the list showed it, or 0. */
guint
trawl_item_get_duration (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), 0);
  return self->duration;
}

TrawlBoard *
trawl_item_get_board (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->board;
}

const char *
trawl_item_get_id (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->id;
}

const char *
trawl_item_get_title (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->title;
}

const char *
trawl_item_get_page_url (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->page_url;
}

const char *
trawl_item_get_media_url (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->media_url;
}

const char *
trawl_item_get_path (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->path;
}

TrawlItemState
trawl_item_get_state (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), TRAWL_ITEM_PENDING);
  return self->state;
}

guint64
trawl_item_get_bytes (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), 0);
  return self->shown_bytes;
}

gint64
trawl_item_get_total (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), -1);
  return self->shown_total;
}

double
trawl_item_get_speed (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), 0);
  return self->speed;
}

const char *
trawl_item_get_error (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), NULL);
  return self->error;
}

guint
trawl_item_get_connections (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), 0);
  return self->connections;
}

guint
trawl_item_get_tries (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), 0);
  return self->tries;
}

gboolean
trawl_item_is_finished (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), FALSE);

  return self->state == TRAWL_ITEM_DONE || self->state == TRAWL_ITEM_FAILED ||
         self->state == TRAWL_ITEM_CANCELLED;
}

gboolean
trawl_item_get_selected (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), FALSE);
  return self->selected;
}

void
trawl_item_set_selected (TrawlItem *self,
                         gboolean   selected)
{
  g_return_if_fail (TRAWL_IS_ITEM (self));

  selected = !!selected;
  if (self->selected == selected)
    return;
  self->selected = selected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

const char *
trawl_item_state_to_string (TrawlItemState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (TRAWL_TYPE_ITEM_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "unknown";
}

static void
set_string (TrawlItem  *self,
            char      **field,
            const char *value,
            int         prop)
{
  if (_trawl_set_str (field, value))
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
_trawl_item_set_title (TrawlItem  *self,
                       const char *title)
{
  g_autofree char *shown = _trawl_printable (title);

  set_string (self, &self->title, shown, PROP_TITLE);
}

void
_trawl_item_set_id (TrawlItem  *self,
                    const char *id)
{
  set_string (self, &self->id, id, PROP_ID);
}

void
_trawl_item_set_media_url (TrawlItem  *self,
                           const char *media_url)
{
  set_string (self, &self->media_url, media_url, PROP_MEDIA_URL);
}

void
_trawl_item_set_path (TrawlItem  *self,
                      const char *path)
{
  set_string (self, &self->path, path, PROP_PATH);
}

void
_trawl_item_set_error (TrawlItem  *self,
                       const char *error)
{
  g_autofree char *shown = _trawl_printable (error);

  set_string (self, &self->error, shown, PROP_ERROR);
}

/**
 * trawl_item_get_failure:
 *
 * Returns: why a failed item failed, or %TRAWL_FAILURE_NONE; its error
 *   is the detail
 */
TrawlFailure
trawl_item_get_failure (TrawlItem *self)
{
  g_return_val_if_fail (TRAWL_IS_ITEM (self), TRAWL_FAILURE_NONE);
  return self->failure;
}

void
_trawl_item_set_failure (TrawlItem    *self,
                         TrawlFailure  failure)
{
  if (self->failure == failure)
    return;
  self->failure = failure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE]);
}

/* A try failed and another comes: why, in words and in kind. */
void
_trawl_item_note_retry (TrawlItem    *self,
                        const GError *error)
{
  _trawl_item_set_error (self, error->message);
  _trawl_item_set_failure (self, _trawl_failure_from_error (error));
}

/* The kind of @error a person would name it by. */
TrawlFailure
_trawl_failure_from_error (const GError *error)
{
  if (error->domain == TRAWL_ERROR)
    switch ((TrawlError) error->code)
      {
      case TRAWL_ERROR_HTTP:
        return TRAWL_FAILURE_REFUSED;
      case TRAWL_ERROR_GONE:
        return TRAWL_FAILURE_GONE;
      case TRAWL_ERROR_NO_ITEMS:
        return TRAWL_FAILURE_NO_VIDEOS;
      case TRAWL_ERROR_SERVER:
        return TRAWL_FAILURE_SERVER;
      case TRAWL_ERROR_NOT_MEDIA:
        return TRAWL_FAILURE_NOT_MEDIA;
      case TRAWL_ERROR_NO_MEDIA:
      case TRAWL_ERROR_API:
        return TRAWL_FAILURE_NO_MEDIA;
      case TRAWL_ERROR_TRUNCATED:
        return TRAWL_FAILURE_CUT_OFF;
      case TRAWL_ERROR_NO_SPACE:
        return TRAWL_FAILURE_DISK_FULL;
      case TRAWL_ERROR_STREAM:
        return TRAWL_FAILURE_STREAM;
      case TRAWL_ERROR_UNSAFE_URL:
        return TRAWL_FAILURE_UNSAFE;
      default:
        return TRAWL_FAILURE_OTHER;
      }

  if (error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    return TRAWL_FAILURE_UNREACHABLE;

  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_TIMED_OUT:
        return TRAWL_FAILURE_TIMED_OUT;
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_HOST_NOT_FOUND:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_PROXY_FAILED:
      case G_IO_ERROR_PROXY_AUTH_FAILED:
      case G_IO_ERROR_PROXY_NOT_ALLOWED:
        return TRAWL_FAILURE_UNREACHABLE;
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_PARTIAL_INPUT:
        return TRAWL_FAILURE_CUT_OFF;
      case G_IO_ERROR_NO_SPACE:
        return TRAWL_FAILURE_DISK_FULL;
      case G_IO_ERROR_PERMISSION_DENIED:
      case G_IO_ERROR_READ_ONLY:
      case G_IO_ERROR_NOT_DIRECTORY:
      case G_IO_ERROR_IS_DIRECTORY:
      case G_IO_ERROR_FILENAME_TOO_LONG:
        return TRAWL_FAILURE_DISK;
      default:
        return TRAWL_FAILURE_OTHER;
      }

  return TRAWL_FAILURE_OTHER;
}

void
_trawl_item_note (TrawlItem  *self,
                  const char *note)
{
  _trawl_item_set_error (self, note);
  g_signal_emit (self, signals[NOTE], 0, self->error);
}

void
_trawl_item_set_connections (TrawlItem *self,
                             guint      connections)
{
  if (self->connections == connections)
    return;
  self->connections = connections;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTIONS]);
}

void
_trawl_item_set_tries (TrawlItem *self,
                       guint      tries)
{
  if (self->tries == tries)
    return;
  self->tries = tries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRIES]);
}

void
_trawl_item_set_state (TrawlItem      *self,
                       TrawlItemState  state)
{
  if (self->state == state)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->state = state;
  if (state != TRAWL_ITEM_DOWNLOADING && self->speed != 0)
    {
      self->speed = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  _trawl_item_flush_progress (self, g_get_monotonic_time ());
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_trawl_item_set_progress (TrawlItem *self,
                          guint64    bytes,
                          gint64     total)
{
  self->bytes = bytes;
  self->total = total;
}

/* Publishes progress. Called a few times a second, so a UI bound to these
 * properties redraws at a bounded rate however fast the network is.
 * Returns whether anything changed. */
gboolean
_trawl_item_flush_progress (TrawlItem *self,
                            gint64     now_us)
{
  gboolean changed = FALSE;

  g_object_freeze_notify (G_OBJECT (self));

  if (self->state == TRAWL_ITEM_DOWNLOADING)
    {
      if (self->speed_time == 0 || self->bytes < self->speed_bytes)
        {
          self->speed_time = now_us;
          self->speed_bytes = self->bytes;
        }
      else if (now_us - self->speed_time >= G_USEC_PER_SEC / 5)
        {
          double seconds = (now_us - self->speed_time) / (double) G_USEC_PER_SEC;
          double instant = (self->bytes - self->speed_bytes) / seconds;
          double speed = self->speed == 0 ? instant
                                          : SPEED_SMOOTHING * instant +
                                            (1 - SPEED_SMOOTHING) * self->speed;

          self->speed_time = now_us;
          self->speed_bytes = self->bytes;
          if (speed != self->speed)
            {
              self->speed = speed;
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
              changed = TRUE;
            }
        }
    }
  else
    self->speed_time = 0;

  if (self->shown_total != self->total)
    {
      self->shown_total = self->total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
      changed = TRUE;
    }

  if (self->shown_bytes != self->bytes)
    {
      self->shown_bytes = self->bytes;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES]);
      changed = TRUE;
    }

  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}

GCancellable *
_trawl_item_get_cancellable (TrawlItem *self)
{
  return self->cancellable;
}

GCancellable *
_trawl_item_renew_cancellable (TrawlItem *self)
{
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

const char *
_trawl_item_get_validator (TrawlItem *self)
{
  return self->validator;
}

void
_trawl_item_set_validator (TrawlItem  *self,
                           const char *validator)
{
  _trawl_set_str (&self->validator, validator);
}

const char *
_trawl_item_get_remote_id (TrawlItem *self)
{
  return self->remote_id;
}

void
_trawl_item_set_remote_id (TrawlItem  *self,
                           const char *remote_id)
{
  if (_trawl_set_str (&self->remote_id, remote_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ID]);
}

char *
_trawl_item_archive_key (TrawlItem *self)
{
  const char *recipe = self->board != NULL ? trawl_board_get_recipe (self->board) : NULL;

  /* "": read generically by choice, as one with no recipe is. */
  return trawl_archive_key (recipe != NULL && *recipe != '\0' ? recipe : NULL, self->id,
                            self->media_url);
}
