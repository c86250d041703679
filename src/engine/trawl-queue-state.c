#define G_LOG_DOMAIN "trawl-queue-state"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "trawl-enums.h"
#include "trawl-error.h"
#include "trawl-queue-private.h"
#include "trawl-util-private.h"

/* The queue as a JSON file, so that a restart (or a crash) finds it as it
 * was: finished rows stay, interrupted downloads resume from their .part
 * files, paused ones stay paused. Written whole and atomically; progress is
 * not in it (the .part files are the progress). */

#define STATE_VERSION 1

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : NULL;
}

static int
enum_value (GType       type,
            const char *nick,
            int         fallback)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  return v != NULL ? v->value : fallback;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static GBytes *
serialize (TrawlQueue *self)
{
  GListModel *boards = trawl_queue_get_boards (self);
  GListModel *items = G_LIST_MODEL (self);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) index = g_hash_table_new (NULL, NULL);
  gsize length;
  char *text;

  json_builder_begin_object (builder);
  add_int (builder, "version", STATE_VERSION);

  json_builder_set_member_name (builder, "boards");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (boards); i++)
    {
      g_autoptr(TrawlBoard) board = g_list_model_get_item (boards, i);

      g_hash_table_insert (index, board, GUINT_TO_POINTER (i));
      json_builder_begin_object (builder);
      add_string (builder, "url", trawl_board_get_url (board));
      add_string (builder, "recipe", trawl_board_get_recipe (board));
      add_string (builder, "output-dir", trawl_board_get_output_dir (board));
      add_string (builder, "title", trawl_board_get_title (board));
      add_string (builder, "state", enum_nick (TRAWL_TYPE_BOARD_STATE,
                                               trawl_board_get_state (board)));
      add_string (builder, "error", trawl_board_get_error (board));
      add_int (builder, "pages", trawl_board_get_pages (board));
      add_int (builder, "found", trawl_board_get_found (board));
      add_int (builder, "skipped", trawl_board_get_skipped (board));
      json_builder_set_member_name (builder, "review");
      json_builder_add_boolean_value (builder, trawl_board_get_review (board));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);
      TrawlItemState state = trawl_item_get_state (item);

      if (state == TRAWL_ITEM_CANCELLED)
        continue;

      json_builder_begin_object (builder);
      add_int (builder, "board",
               GPOINTER_TO_UINT (g_hash_table_lookup (index, trawl_item_get_board (item))));
      add_string (builder, "id", trawl_item_get_id (item));
      add_string (builder, "title", trawl_item_get_title (item));
      add_string (builder, "page", trawl_item_get_page_url (item));
      add_string (builder, "media", trawl_item_get_media_url (item));
      add_string (builder, "path", trawl_item_get_path (item));
      add_string (builder, "state", enum_nick (TRAWL_TYPE_ITEM_STATE, state));
      add_string (builder, "error", trawl_item_get_error (item));
      add_int (builder, "total", trawl_item_get_total (item));
      if (state == TRAWL_ITEM_DONE)
        add_int (builder, "bytes", trawl_item_get_bytes (item));
      json_builder_set_member_name (builder, "selected");
      json_builder_add_boolean_value (builder, trawl_item_get_selected (item));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  return g_bytes_new_take (text, length);
}

/* Serialises on the main thread (a snapshot), writes on a worker. */
void
_trawl_queue_save_async (TrawlQueue          *self,
                         const char          *path,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GBytes) contents = serialize (self);

  _trawl_write_file_async (self, path, contents, 0600, callback, user_data);
}

gboolean
_trawl_queue_save_finish (GAsyncResult  *result,
                          GError       **error)
{
  return _trawl_write_file_finish (result, error);
}

/**
 * trawl_queue_save:
 *
 * Writes the state file now, on the calling thread; for quitting.
 */
gboolean
trawl_queue_save (TrawlQueue  *self,
                  GError     **error)
{
  g_autoptr(GBytes) contents = NULL;

  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);

  if (trawl_queue_get_state_file (self) == NULL)
    return TRUE;

  contents = serialize (self);
  return _trawl_write_file (trawl_queue_get_state_file (self), contents, 0600, error);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static gint64
part_size (const char *path)
{
  g_autofree char *part = NULL;
  GStatBuf st;

  if (path == NULL)
    return 0;
  part = g_strconcat (path, ".part", NULL);
  return g_stat (part, &st) == 0 ? st.st_size : 0;
}

static TrawlItem *
restore_item (JsonObject *object,
              TrawlBoard *board)
{
  TrawlItem *item = _trawl_item_new (board, member_string (object, "page"),
                                     member_string (object, "title"),
                                     member_string (object, "id"));
  TrawlItemState state = enum_value (TRAWL_TYPE_ITEM_STATE, member_string (object, "state"),
                                     TRAWL_ITEM_PENDING);
  const char *path = member_string (object, "path");
  gint64 total = member_int (object, "total", -1);

  _trawl_item_set_media_url (item, member_string (object, "media"));
  _trawl_item_set_path (item, path);
  _trawl_item_set_error (item, member_string (object, "error"));
  if (json_object_has_member (object, "selected"))
    trawl_item_set_selected (item, json_object_get_boolean_member (object, "selected"));

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
  if (state == TRAWL_ITEM_QUEUED && (path == NULL || trawl_item_get_media_url (item) == NULL))
    state = TRAWL_ITEM_PENDING;

  if (state == TRAWL_ITEM_DONE)
    _trawl_item_set_progress (item, (guint64) member_int (object, "bytes", 0), total);
  else
    _trawl_item_set_progress (item, (guint64) part_size (path), total);
  _trawl_item_set_state (item, state);
  _trawl_item_flush_progress (item, g_get_monotonic_time ());

  return item;
}

/**
 * trawl_queue_restore:
 *
 * Reads the state file (see trawl_queue_set_state_file()) into an empty
 * queue and carries on: boards whose crawl was cut short are crawled again
 * (items already there are not added twice), unfinished downloads resume.
 * A missing file is an empty queue.
 *
 * Returns: %FALSE if the file exists but cannot be used
 */
gboolean
trawl_queue_restore (TrawlQueue  *self,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) boards = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) recrawl = g_ptr_array_new ();
  const char *path;
  JsonObject *root;
  JsonArray *array;

  g_return_val_if_fail (TRAWL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_list_model_get_n_items (G_LIST_MODEL (self)) == 0, FALSE);

  path = trawl_queue_get_state_file (self);
  if (path == NULL)
    return TRUE;

  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_API, _("Cannot read the saved queue %s: %s"),
                   path, local_error->message);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      member_int (json_node_get_object (json_parser_get_root (parser)), "version", 0) !=
        STATE_VERSION)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_API,
                   _("The saved queue %s is not in a format this version understands"), path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  array = json_object_get_array_member (root, "boards");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      TrawlBoard *board;
      TrawlBoardState state;

      if (object == NULL || member_string (object, "url") == NULL ||
          member_string (object, "output-dir") == NULL)
        {
          g_ptr_array_add (boards, NULL);
          continue;
        }

      board = _trawl_board_new (member_string (object, "url"), member_string (object, "recipe"),
                                member_string (object, "output-dir"));
      _trawl_board_set_title (board, member_string (object, "title"));
      _trawl_board_set_error (board, member_string (object, "error"));
      _trawl_board_set_counts (board, member_int (object, "pages", 0),
                               member_int (object, "found", 0), member_int (object, "skipped", 0));
      if (json_object_has_member (object, "review"))
        _trawl_board_set_review (board, json_object_get_boolean_member (object, "review"));
      state = enum_value (TRAWL_TYPE_BOARD_STATE, member_string (object, "state"),
                          TRAWL_BOARD_CRAWLING);
      _trawl_board_set_state (board, state);
      if (state == TRAWL_BOARD_CRAWLING)
        g_ptr_array_add (recrawl, board);

      g_ptr_array_add (boards, board);
      _trawl_queue_restore_board (self, board);
    }

  array = json_object_get_array_member (root, "items");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      g_autoptr(TrawlItem) item = NULL;
      gint64 board = object != NULL ? member_int (object, "board", -1) : -1;

      if (board < 0 || board >= boards->len || g_ptr_array_index (boards, board) == NULL ||
          member_string (object, "page") == NULL)
        continue;

      item = restore_item (object, g_ptr_array_index (boards, board));
      _trawl_queue_restore_item (self, item);
    }

  for (guint i = 0; i < recrawl->len; i++)
    _trawl_queue_crawl (self, g_ptr_array_index (recrawl, i));

  _trawl_queue_schedule (self);
  return TRUE;
}
