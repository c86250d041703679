#define G_LOG_DOMAIN "trawl-queue-state"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "trawl-client-private.h"
#include "trawl-enums.h"
#include "trawl-error.h"
#include "trawl-part-private.h"
#include "trawl-queue-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

/* The queue as a JSON file, so that a restart (or a crash) finds it as it
 * was: finished rows stay, interrupted downloads resume from their .part
 * files, paused ones stay paused. Written whole and atomically; progress is
 * not in it (the .part files are the progress). */

#define STATE_VERSION 1

static const char *
enum_nick (GEnumClass *klass,
           int         value)
{
  GEnumValue *v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : NULL;
}

/* The file is written as text rather than through a JsonBuilder tree: it is
 * written again a moment after every change, and for a board of thousands
 * of items the tree cost the main loop more than the rest of the app. It
 * reads back with json-glib like any JSON. */
static void
append_json_string (GString    *out,
                    const char *value)
{
  const char *run = value;

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append_printf (out, "\\u%04x", c);
        }
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

/* ,"name": — the first member of an object is written by hand, so every
 * other starts with a comma. */
static void
add_name (GString    *out,
          const char *name)
{
  g_string_append (out, ",\"");
  g_string_append (out, name);
  g_string_append (out, "\":");
}

/* Nothing when @value is NULL. */
static void
add_string (GString    *out,
            const char *name,
            const char *value)
{
  if (value == NULL)
    return;
  add_name (out, name);
  append_json_string (out, value);
}

static void
add_strings (GString            *out,
             const char         *name,
             const char * const *values)
{
  if (values == NULL)
    return;
  add_name (out, name);
  g_string_append_c (out, '[');
  for (guint i = 0; values[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_json_string (out, values[i]);
    }
  g_string_append_c (out, ']');
}

static void
add_int (GString    *out,
         const char *name,
         gint64      value)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  add_name (out, name);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, value);
  g_string_append (out, number);
}

static void
add_boolean (GString    *out,
             const char *name,
             gboolean    value)
{
  add_name (out, name);
  g_string_append (out, value ? "true" : "false");
}

static void
add_board (GString    *out,
           GEnumClass *board_states,
           TrawlBoard *board)
{
  g_string_append (out, "{\"url\":");
  append_json_string (out, trawl_board_get_url (board));
  add_string (out, "recipe", trawl_board_get_recipe (board));
  add_string (out, "output-dir", trawl_board_get_output_dir (board));
  add_string (out, "parent-dir", _trawl_board_get_parent_dir (board));
  /* Cookies among them: the file is the user's alone (0600). */
  add_strings (out, "headers", trawl_board_get_headers (board));
  add_string (out, "title", trawl_board_get_title (board));
  add_string (out, "state", enum_nick (board_states, trawl_board_get_state (board)));
  add_string (out, "error", trawl_board_get_error (board));
  if (trawl_board_get_failure (board) != TRAWL_FAILURE_NONE)
    {
      g_autoptr(GEnumClass) failures = g_type_class_ref (TRAWL_TYPE_FAILURE);

      add_string (out, "failure", enum_nick (failures, trawl_board_get_failure (board)));
    }
  add_int (out, "pages", trawl_board_get_pages (board));
  add_int (out, "found", trawl_board_get_found (board));
  add_int (out, "skipped", trawl_board_get_skipped (board));
  add_boolean (out, "review", trawl_board_get_review (board));
  g_string_append_c (out, '}');
}

static void
add_item (GString    *out,
          GEnumClass *item_states,
          guint       board,
          TrawlItem  *item)
{
  TrawlItemState state = trawl_item_get_state (item);

  g_string_append_printf (out, "{\"board\":%u", board);
  add_string (out, "id", trawl_item_get_id (item));
  add_string (out, "title", trawl_item_get_title (item));
  add_string (out, "page", trawl_item_get_page_url (item));
  add_string (out, "media", trawl_item_get_media_url (item));
  add_string (out, "thumbnail", trawl_item_get_thumbnail (item));
  if (trawl_item_get_duration (item) > 0)
    add_int (out, "duration", trawl_item_get_duration (item));
  add_string (out, "path", trawl_item_get_path (item));
  add_string (out, "remote-id", _trawl_item_get_remote_id (item));
  add_string (out, "state", enum_nick (item_states, state));
  add_string (out, "error", trawl_item_get_error (item));
  if (trawl_item_get_failure (item) != TRAWL_FAILURE_NONE)
    {
      g_autoptr(GEnumClass) failures = g_type_class_ref (TRAWL_TYPE_FAILURE);

      /* The kind, read in the language of the day it is shown. */
      add_string (out, "failure", enum_nick (failures, trawl_item_get_failure (item)));
    }
  add_int (out, "total", trawl_item_get_total (item));
  if (state == TRAWL_ITEM_DONE)
    add_int (out, "bytes", trawl_item_get_bytes (item));
  add_boolean (out, "selected", trawl_item_get_selected (item));
  g_string_append_c (out, '}');
}

/* Hosts that refused several connections per video, and how many they
 * allow: the next run does not ask them again. */
static void
add_hosts (GString     *out,
           TrawlClient *client)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean first = TRUE;

  g_string_append (out, ",\"hosts\":{");
  g_hash_table_iter_init (&iter, _trawl_client_get_host_splits (client));
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      append_json_string (out, key);
      g_string_append_printf (out, ":%u", GPOINTER_TO_UINT (value));
    }
  g_string_append_c (out, '}');
}

/* What add_hosts() wrote; anything else in it is left out (it is only
 * advice: at worst a host is asked for several connections again). */
static void
read_hosts (JsonObject  *root,
            TrawlClient *client)
{
  JsonNode *node = json_object_get_member (root, "hosts");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64 &&
        json_node_get_int (value) >= 1 && json_node_get_int (value) <= 16 &&
        strlen (name) < 300)
      _trawl_client_set_host_split (client, name, (guint) json_node_get_int (value));
}

static GBytes *
serialize (TrawlQueue *self)
{
  GListModel *boards = trawl_queue_get_boards (self);
  GListModel *items = G_LIST_MODEL (self);
  g_autoptr(GEnumClass) board_states = g_type_class_ref (TRAWL_TYPE_BOARD_STATE);
  g_autoptr(GEnumClass) item_states = g_type_class_ref (TRAWL_TYPE_ITEM_STATE);
  g_autoptr(GHashTable) index = g_hash_table_new (NULL, NULL);
  GString *out = g_string_sized_new (4096);
  gboolean first = TRUE;

  g_string_append_printf (out, "{\"version\":%d,\"boards\":[", STATE_VERSION);
  for (guint i = 0; i < g_list_model_get_n_items (boards); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i);

      g_hash_table_insert (index, board, GUINT_TO_POINTER (i));
      if (i > 0)
        g_string_append_c (out, ',');
      add_board (out, board_states, board);
    }

  g_string_append (out, "],\"items\":[");
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);

      if (trawl_item_get_state (item) == TRAWL_ITEM_CANCELLED)
        continue;

      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      add_item (out, item_states,
                GPOINTER_TO_UINT (g_hash_table_lookup (index, trawl_item_get_board (item))),
                item);
    }
  g_string_append (out, "]");
  add_hosts (out, trawl_queue_get_client (self));
  g_string_append (out, "}");

  return g_string_free_to_bytes (out);
}

/* Snapshots of the state are numbered as they are taken, and written in
 * that order whatever thread writes them: a background save still on its
 * worker when quitting saves at once (with a slow fsync) must not land
 * after the final one and bring back the older state. */
static GMutex save_lock;
static GHashTable *last_written;   /* path -> the number of the snapshot on disk */
static guint64 snapshots;
static GCond held_cond;
static gboolean held;              /* tests: background writes wait */

/* For tests: background saves wait before writing while @hold is set, as
 * if their worker were slow. */
void
_trawl_queue_hold_saves (gboolean hold)
{
  g_mutex_lock (&save_lock);
  held = hold;
  g_cond_broadcast (&held_cond);
  g_mutex_unlock (&save_lock);
}

typedef struct
{
  char    *path;
  GBytes  *contents;
  guint64  number;
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->path);
  g_bytes_unref (snapshot->contents);
  g_free (snapshot);
}

static Snapshot *
take_snapshot (TrawlQueue *self,
               const char *path)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  snapshot->path = g_strdup (path);
  snapshot->contents = serialize (self);
  g_mutex_lock (&save_lock);
  snapshot->number = ++snapshots;
  g_mutex_unlock (&save_lock);
  return snapshot;
}

/* Writes @snapshot unless a newer one of the same file is on disk. */
static gboolean
write_snapshot (Snapshot  *snapshot,
                GError   **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&save_lock);
  if (last_written == NULL)
    last_written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (GPOINTER_TO_SIZE (g_hash_table_lookup (last_written, snapshot->path)) < snapshot->number)
    {
      ok = _trawl_write_file (snapshot->path, snapshot->contents, 0600, error);
      if (ok)
        g_hash_table_insert (last_written, g_strdup (snapshot->path),
                             GSIZE_TO_POINTER ((gsize) snapshot->number));
    }
  g_mutex_unlock (&save_lock);
  return ok;
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  g_mutex_lock (&save_lock);
  while (held)
    g_cond_wait (&held_cond, &save_lock);
  g_mutex_unlock (&save_lock);

  if (write_snapshot (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Serialises on the main thread (a snapshot), writes on a worker; the
 * write holds no reference to the queue. */
void
_trawl_queue_save_async (TrawlQueue          *self,
                         const char          *path,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, _trawl_queue_save_async);
  g_task_set_task_data (task, take_snapshot (self, path), (GDestroyNotify) snapshot_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
_trawl_queue_save_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, _trawl_queue_save_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * trawl_queue_save:
 *
 * Writes the state file now, on the calling thread; for quitting. A save
 * still running on a worker is waited for, and an older one that has not
 * started is not written after this one.
 */
gboolean
trawl_queue_save (TrawlQueue  *self,
                  GError     **error)
{
  Snapshot *snapshot;
  gboolean ok;

  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);

  if (trawl_queue_get_state_file (self) == NULL)
    return TRUE;

  snapshot = take_snapshot (self, trawl_queue_get_state_file (self));
  ok = write_snapshot (snapshot, error);
  snapshot_free (snapshot);
  return ok;
}

/* Reading the file back trusts nothing in it: every field is checked
 * (types, URLs, states, paths inside their board's folder and unique)
 * before any of it reaches the queue, and a file that fails is refused
 * whole with the first reason, one line. */

/* The member @name when it holds a value of @type, NULL when it is absent
 * (or null); a reason when it holds anything else. */
static gboolean
member_typed (JsonObject  *object,
              const char  *name,
              GType        type,
              JsonNode   **node,
              char       **reason)
{
  *node = json_object_get_member (object, name);
  if (*node == NULL || JSON_NODE_HOLDS_NULL (*node))
    {
      *node = NULL;
      return TRUE;
    }

  if (JSON_NODE_HOLDS_VALUE (*node) && json_node_get_value_type (*node) == type)
    return TRUE;

  if (type == G_TYPE_STRING)
    *reason = g_strdup_printf (_("“%s” is not text"), name);
  else if (type == G_TYPE_INT64)
    *reason = g_strdup_printf (_("“%s” is not a number"), name);
  else
    *reason = g_strdup_printf (_("“%s” is not true or false"), name);
  return FALSE;
}

/* The string member @name, or NULL when it is absent; a reason when it is
 * absent while @required. */
static gboolean
member_string (JsonObject  *object,
               const char  *name,
               gboolean     required,
               const char **value,
               char       **reason)
{
  JsonNode *node;

  if (!member_typed (object, name, G_TYPE_STRING, &node, reason))
    return FALSE;

  if (node == NULL && required)
    {
      *reason = g_strdup_printf (_("“%s” is missing"), name);
      return FALSE;
    }

  *value = node != NULL ? json_node_get_string (node) : NULL;
  return TRUE;
}

/* The member @name, a list of "Name: value" headers, or absent. */
static gboolean
member_headers (JsonObject   *object,
                const char   *name,
                GStrv        *value,
                char        **reason)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *reason = g_strdup_printf (_("“%s” is not a list"), name);
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *header = JSON_NODE_HOLDS_VALUE (element) &&
                           json_node_get_value_type (element) == G_TYPE_STRING
                             ? json_node_get_string (element) : NULL;
      g_autoptr(GError) error = NULL;

      if (header == NULL || !trawl_parse_header (header, NULL, NULL, &error))
        {
          *reason = g_strdup_printf (_("“%s” has a bad header: %s"), name,
                                     error != NULL ? error->message : _("not text"));
          return FALSE;
        }
      g_strv_builder_add (builder, header);
    }

  *value = g_strv_builder_end (builder);
  return TRUE;
}

/* The whole-number member @name, from @min up; @value is left as it is
 * when the member is absent. */
static gboolean
member_int (JsonObject  *object,
            const char  *name,
            gint64       min,
            gint64      *value,
            char       **reason)
{
  JsonNode *node;

  if (!member_typed (object, name, G_TYPE_INT64, &node, reason))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (json_node_get_int (node) < min || json_node_get_int (node) > G_MAXINT)
    {
      *reason = g_strdup_printf (_("“%s” is out of range"), name);
      return FALSE;
    }

  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
member_boolean (JsonObject  *object,
                const char  *name,
                gboolean    *value,
                char       **reason)
{
  JsonNode *node;

  if (!member_typed (object, name, G_TYPE_BOOLEAN, &node, reason))
    return FALSE;

  if (node != NULL)
    *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
member_enum (JsonObject  *object,
             GType        type,
             int         *value,
             char       **reason)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  const char *nick;
  GEnumValue *found;

  if (!member_string (object, "state", FALSE, &nick, reason))
    return FALSE;
  if (nick == NULL)
    return TRUE;

  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    {
      *reason = g_strdup_printf (_("“%s” is not a state"), nick);
      return FALSE;
    }

  *value = found->value;
  return TRUE;
}

/* A string member that, when there, must be a URL Trawl may fetch. */
static gboolean
member_url (JsonObject  *object,
            const char  *name,
            gboolean     required,
            const char **value,
            char       **reason)
{
  g_autoptr(GError) error = NULL;

  if (!member_string (object, name, required, value, reason))
    return FALSE;

  if (*value != NULL && !trawl_uri_is_fetchable (*value, &error))
    {
      *reason = g_strdup (error->message);
      return FALSE;
    }

  return TRUE;
}

static gint64
part_size (const char *path)
{
  g_autofree char *part = NULL;
  GStatBuf st;

  if (path == NULL)
    return 0;
  part = _trawl_part_name (path);
  return g_stat (part, &st) == 0 ? st.st_size : 0;
}

static gboolean
is_canonical (const char *path)
{
  g_autofree char *canonical = NULL;

  if (!g_path_is_absolute (path))
    return FALSE;
  canonical = g_canonicalize_filename (path, NULL);
  return g_str_equal (canonical, path);
}

/* Reads one element of "boards" or "items"; NULL with a reason (or
 * without one when the element is not an object) if it is bad. */
typedef gpointer (*ReadFunc) (JsonNode    *node,
                              guint        number,
                              GPtrArray   *boards,
                              GHashTable  *paths,
                              char       **reason);

static gpointer
read_board (JsonNode    *node,
            guint        number,
            GPtrArray   *boards,
            GHashTable  *paths,
            char       **reason)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *url, *recipe, *output_dir, *parent_dir, *title, *error, *failure = NULL;
  g_autofree char *parent_of_output = NULL;
  g_auto(GStrv) headers = NULL;
  gint64 pages = 0, found = 0, skipped = 0;
  int state = TRAWL_BOARD_CRAWLING;
  gboolean review = FALSE;
  TrawlBoard *board;

  if (object == NULL)
    return NULL;

  if (!member_url (object, "url", TRUE, &url, reason) ||
      !member_string (object, "recipe", FALSE, &recipe, reason) ||
      !member_string (object, "parent-dir", FALSE, &parent_dir, reason) ||
      !member_headers (object, "headers", &headers, reason) ||
      !member_string (object, "output-dir", parent_dir == NULL, &output_dir, reason) ||
      !member_string (object, "title", FALSE, &title, reason) ||
      !member_string (object, "error", FALSE, &error, reason) ||
      !member_string (object, "failure", FALSE, &failure, reason) ||
      !member_enum (object, TRAWL_TYPE_BOARD_STATE, &state, reason) ||
      !member_int (object, "pages", 0, &pages, reason) ||
      !member_int (object, "found", 0, &found, reason) ||
      !member_int (object, "skipped", 0, &skipped, reason) ||
      !member_boolean (object, "review", &review, reason))
    return NULL;

  if (output_dir != NULL && !is_canonical (output_dir))
    {
      *reason = g_strdup_printf (_("the folder “%s” is not a canonical absolute path"), output_dir);
      return NULL;
    }
  if (parent_dir != NULL && !is_canonical (parent_dir))
    {
      *reason = g_strdup_printf (_("the folder “%s” is not a canonical absolute path"), parent_dir);
      return NULL;
    }

  /* A folder of the board's own is directly in the folder it was made in. */
  parent_of_output = output_dir != NULL ? g_path_get_dirname (output_dir) : NULL;
  if (parent_dir != NULL && output_dir != NULL && !g_str_equal (parent_of_output, parent_dir))
    {
      *reason = g_strdup_printf (_("the folder “%s” is not directly in “%s”"), output_dir,
                                 parent_dir);
      return NULL;
    }

  board = _trawl_board_new (url, recipe, output_dir);
  _trawl_board_set_parent_dir (board, parent_dir);
  _trawl_board_set_headers (board, (const char * const *) headers);
  _trawl_board_set_title (board, title);
  if (error != NULL && state == TRAWL_BOARD_FAILED)
    {
      g_autoptr(GEnumClass) failures = g_type_class_ref (TRAWL_TYPE_FAILURE);
      GEnumValue *kind = failure != NULL ? g_enum_get_value_by_nick (failures, failure) : NULL;

      /* An older file, or a kind this Trawl does not know: the message. */
      _trawl_board_set_failure (board, kind != NULL ? (TrawlFailure) kind->value
                                                    : TRAWL_FAILURE_OTHER);
    }
  _trawl_board_set_error (board, error);
  _trawl_board_set_counts (board, pages, found, skipped);
  _trawl_board_set_review (board, review);
  _trawl_board_set_state (board, state);

  return board;
}

/* An item's file: directly in its board's folder (a title never makes a
 * folder), and no other item's. */
static gboolean
check_path (const char  *path,
            TrawlBoard  *board,
            GHashTable  *paths,
            char       **reason)
{
  g_autofree char *parent = NULL;
  guint other;

  if (path == NULL)
    return TRUE;

  parent = g_path_is_absolute (path) ? g_path_get_dirname (path) : NULL;
  if (!is_canonical (path) || g_strcmp0 (parent, trawl_board_get_output_dir (board)) != 0)
    {
      *reason = g_strdup_printf (_("“%s” is not a file directly in its board’s folder"), path);
      return FALSE;
    }

  other = GPOINTER_TO_UINT (g_hash_table_lookup (paths, path));
  if (other != 0)
    {
      *reason = g_strdup_printf (_("“%s” is also the file of item %u"), path, other);
      return FALSE;
    }

  return TRUE;
}

static gpointer
read_item (JsonNode    *node,
           guint        number,
           GPtrArray   *boards,
           GHashTable  *paths,
           char       **reason)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *page, *id, *title, *media, *thumbnail, *path, *error, *failure, *remote_id;
  gint64 index = -1, total = -1, bytes = 0, duration = 0;
  int state = TRAWL_ITEM_PENDING;
  gboolean selected = TRUE;
  TrawlBoard *board;
  TrawlItem *item;

  if (object == NULL)
    return NULL;

  if (!json_object_has_member (object, "board"))
    {
      *reason = g_strdup_printf (_("“%s” is missing"), "board");
      return NULL;
    }
  if (!member_int (object, "board", G_MININT, &index, reason))
    return NULL;
  if (index < 0 || index >= boards->len)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, index);

      *reason = g_strdup_printf (_("there is no board %s"), text);
      return NULL;
    }
  board = g_ptr_array_index (boards, index);

  if (!member_url (object, "page", TRUE, &page, reason) ||
      !member_string (object, "id", FALSE, &id, reason) ||
      !member_string (object, "title", FALSE, &title, reason) ||
      !member_url (object, "media", FALSE, &media, reason) ||
      !member_url (object, "thumbnail", FALSE, &thumbnail, reason) ||
      !member_int (object, "duration", 0, &duration, reason) ||
      !member_string (object, "path", FALSE, &path, reason) ||
      !member_string (object, "remote-id", FALSE, &remote_id, reason) ||
      !member_string (object, "error", FALSE, &error, reason) ||
      !member_string (object, "failure", FALSE, &failure, reason) ||
      !member_enum (object, TRAWL_TYPE_ITEM_STATE, &state, reason) ||
      !member_int (object, "total", -1, &total, reason) ||
      !member_int (object, "bytes", 0, &bytes, reason) ||
      !member_boolean (object, "selected", &selected, reason) ||
      !check_path (path, board, paths, reason))
    return NULL;
  /* An aria2 GID: 16 hexadecimal digits, sent back to aria2 as it is. */
  if (remote_id != NULL && !_trawl_is_remote_id (remote_id))
    {
      *reason = g_strdup_printf (_("“%s” is not a download’s id"), remote_id);
      return NULL;
    }

  if (path != NULL)
    g_hash_table_insert (paths, (gpointer) path, GUINT_TO_POINTER (number));

  item = _trawl_item_new (board, page, title, id);
  _trawl_item_set_preview (item, thumbnail, (guint) MIN (duration, G_MAXUINT));
  _trawl_item_set_media_url (item, media);
  _trawl_item_set_path (item, path);
  _trawl_item_set_remote_id (item, remote_id);
  _trawl_item_set_error (item, error);
  if (state == TRAWL_ITEM_FAILED)
    {
      g_autoptr(GEnumClass) failures = g_type_class_ref (TRAWL_TYPE_FAILURE);
      GEnumValue *kind = failure != NULL ? g_enum_get_value_by_nick (failures, failure) : NULL;

      /* A file of an older Trawl, or a kind it does not know: the detail
       * is all there is to show. */
      _trawl_item_set_failure (item, kind != NULL ? (TrawlFailure) kind->value
                                                  : TRAWL_FAILURE_OTHER);
    }
  trawl_item_set_selected (item, selected);

  /* Work that was under way when the queue stopped is taken up again:
   * a download goes back in line (its .part is its progress). */
  switch (state)
    {
    case TRAWL_ITEM_RESOLVING:
      state = TRAWL_ITEM_PENDING;
      break;
    case TRAWL_ITEM_DOWNLOADING:
      state = TRAWL_ITEM_QUEUED;
      break;
    default:
      break;
    }
  if (state == TRAWL_ITEM_QUEUED && (path == NULL || media == NULL))
    state = TRAWL_ITEM_PENDING;

  _trawl_item_set_progress (item, state == TRAWL_ITEM_DONE ? (guint64) bytes
                                                           : (guint64) part_size (path), total);
  _trawl_item_set_state (item, state);
  _trawl_item_flush_progress (item, g_get_monotonic_time ());

  return item;
}

/* The elements of the list @name, each read by @read; NULL with a reason
 * at the first that fails ("board 2: …"). */
static GPtrArray *
read_list (JsonObject  *root,
           const char  *name,
           ReadFunc     read,
           GPtrArray   *boards,
           GHashTable  *paths,
           char       **reason)
{
  JsonNode *node = json_object_get_member (root, name);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean is_boards = read == read_board;
  JsonArray *array;

  if (node == NULL)
    return g_steal_pointer (&list);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *reason = g_strdup_printf (_("“%s” is not a list"), name);
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *why = NULL;
      gpointer object = read (json_array_get_element (array, i), i + 1, boards, paths, &why);

      if (object == NULL)
        {
          if (why == NULL)
            *reason = g_strdup_printf (is_boards ? _("board %u is not an object")
                                                 : _("item %u is not an object"), i + 1);
          else
            *reason = g_strdup_printf (is_boards ? _("board %u: %s") : _("item %u: %s"), i + 1,
                                       why);
          return NULL;
        }
      g_ptr_array_add (list, object);
    }

  return g_steal_pointer (&list);
}

/* Moves the unusable file to queue.json.bad-YYYYMMDD-HHMMSS (with -2, -3…
 * when that name is taken), so that the next save cannot overwrite it and
 * a person can look at it. Never over another file. */
static char *
move_aside (const char  *path,
            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *bad = n == 1 ? g_strdup_printf ("%s.bad-%s", path, stamp)
                                    : g_strdup_printf ("%s.bad-%s-%u", path, stamp, n);

      /* A hard link fails rather than replace; a rename would not. */
      if (link (path, bad) == 0)
        {
          if (g_unlink (path) == 0)
            return g_steal_pointer (&bad);
        }
      else if (errno == EEXIST)
        continue;
      else if ((errno == EPERM || errno == EOPNOTSUPP) && !g_file_test (bad, G_FILE_TEST_EXISTS))
        {
          /* Folders, and file systems without hard links. */
          if (g_rename (path, bad) == 0)
            return g_steal_pointer (&bad);
        }

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                           g_strerror (errno));
      return NULL;
    }

  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, g_strerror (EEXIST));
  return NULL;
}

/* Reads and checks the whole file; NULL with a reason if any of it is bad. */
static gboolean
read_state (const char  *path,
            TrawlClient *client,
            GPtrArray  **boards,
            GPtrArray  **items,
            char       **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gint64 version = 0;
  JsonObject *root;
  gsize length;

  if (!_trawl_read_regular_file (path, TRAWL_MAX_STATE_SIZE, &contents, &length, &error) ||
      !_trawl_json_parse (parser, contents != NULL ? contents : "", length, &error))
    {
      *reason = g_strdup (error->message);
      return FALSE;
    }

  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
           ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (root == NULL || !member_int (root, "version", 0, &version, reason) ||
      version != STATE_VERSION)
    {
      g_free (*reason);
      *reason = g_strdup (_("it is not in a format this version understands"));
      return FALSE;
    }

  *boards = read_list (root, "boards", read_board, NULL, NULL, reason);
  if (*boards == NULL)
    return FALSE;
  *items = read_list (root, "items", read_item, *boards, paths, reason);
  if (*items == NULL)
    {
      g_clear_pointer (boards, g_ptr_array_unref);
      return FALSE;
    }
  read_hosts (root, client);

  return TRUE;
}

/**
 * trawl_queue_restore:
 *
 * Reads the state file (see trawl_queue_set_state_file()) into an empty
 * queue and carries on: boards whose crawl was cut short are crawled again
 * (items already there are not added twice), unfinished downloads resume.
 * A missing file is an empty queue. A file that cannot be used is moved
 * aside (`queue.json.bad-DATE`) and none of it is taken.
 *
 * Returns: %FALSE, with a one-line reason that says where the file went, if
 *   it could not be used
 */
gboolean
trawl_queue_restore (TrawlQueue  *self,
                     GError     **error)
{
  g_autoptr(GPtrArray) boards = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) move_error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *bad = NULL;
  const char *path;

  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_list_model_get_n_items (G_LIST_MODEL (self)) == 0, FALSE);

  path = trawl_queue_get_state_file (self);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  if (!read_state (path, trawl_queue_get_client (self), &boards, &items, &reason))
    {
      bad = move_aside (path, &move_error);
      if (bad != NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_BAD_STATE,
                       _("The saved queue could not be used (%s); it was moved to %s"), reason,
                       bad);
          return FALSE;
        }

      /* Saving would overwrite it: this run keeps no state instead. */
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_BAD_STATE,
                   _("The saved queue %s could not be used (%s) nor moved aside (%s); "
                     "the queue will not be saved"), path, reason, move_error->message);
      trawl_queue_set_state_file (self, NULL);
      return FALSE;
    }

  for (guint i = 0; i < boards->len; i++)
    _trawl_queue_restore_board (self, g_ptr_array_index (boards, i));
  for (guint i = 0; i < items->len; i++)
    _trawl_queue_restore_item (self, g_ptr_array_index (items, i));

  for (guint i = 0; i < boards->len; i++)
    if (trawl_board_get_state (g_ptr_array_index (boards, i)) == TRAWL_BOARD_CRAWLING)
      _trawl_queue_crawl (self, g_ptr_array_index (boards, i));

  _trawl_queue_schedule (self);
  return TRUE;
}
