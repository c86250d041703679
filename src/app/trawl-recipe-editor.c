#define G_LOG_DOMAIN "trawl-recipe-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "trawl-error.h"
#include "trawl-format.h"
#include "trawl-recipe-editor.h"
#include "trawl-recipe-set.h"
#include "trawl-uri.h"

/* Teaching Trawl a site: a recipe as a form and as its file, kept in step,
 * and what it finds on a board shown as it is written (re-run a moment
 * after each edit; the pages are fetched once, parsed off the main
 * thread). Nothing is saved until Save. */

/* How long typing must pause before the preview runs again. */
#define PREVIEW_DELAY_MS 350

/* The largest recipe file imported. */
#define MAX_RECIPE_FILE (1024 * 1024)

/* The form's rows and the keys they edit. */
static const struct
{
  const char *row;
  const char *group;
  const char *key;
} fields[] = {
  { "name_row", "Recipe", "Name" },
  { "title_row", "Recipe", "Title" },
  { "match_row", "Recipe", "Match" },
  { "items_row", "List", "Items" },
  { "link_row", "List", "Link" },
  { "item_title_row", "List", "Title" },
  { "thumbnail_row", "List", "Thumbnail" },
  { "duration_row", "List", "Duration" },
  { "next_row", "List", "Next" },
  { "page_url_row", "List", "Page-Url" },
  { "json_source_row", "List", "Json-Source" },
  { "json_items_row", "List", "Json-Items" },
  { "json_link_row", "List", "Json-Link" },
  { "json_title_row", "List", "Json-Title" },
};

#define N_FIELDS G_N_ELEMENTS (fields)

/* A [Media …] group has one of these, in the order of the form's choice. */
static const char * const media_kinds[] = { "Regex", "XPath", "Api" };

struct _TrawlRecipeEditor
{
  AdwWindow          parent_instance;

  TrawlQueue        *queue;
  TrawlBoard        *board;     /* the board it was opened for, if any */
  TrawlRecipeTester *tester;
  GKeyFile          *keyfile;   /* the text as last read well */
  GCancellable      *cancellable;
  TrawlTryResult    *result;
  char              *saved_text;
  char              *origin;    /* the file's name in messages */
  char              *hint;      /* what the message line says when nothing is wrong */
  char              *loaded_name; /* the name of the recipe opened, saved over without asking */
  GCancellable      *suggest_cancellable;
  GHashTable        *covers;    /* cover URL → GdkTexture, or NULL while on its way */
  GCancellable      *covers_cancellable;
  guint              preview_source;
  guint              item;      /* which item's video is shown */
  gboolean           syncing;
  gboolean           running;
  gboolean           suggesting;

  AdwEntryRow       *rows[N_FIELDS];
  AdwToastOverlay   *toast_overlay;
  AdwWindowTitle    *window_title;
  GtkEntry          *url_entry;
  GtkRevealer       *message_revealer;
  GtkWidget         *message_box;
  GtkImage          *message_icon;
  GtkLabel          *message_label;
  AdwComboRow       *media_kind_row;
  AdwEntryRow       *media_row;
  AdwEntryRow       *json_row;
  GtkTextView       *text_view;
  GtkStack          *recipe_stack;
  GtkStack          *state_stack;
  AdwStatusPage     *empty_page;
  GtkSpinner        *spinner;
  GtkLabel          *summary_label;
  GtkLabel          *next_label;
  GtkListBox        *items_list;
  GtkListBox        *detail_list;
  GtkLabel          *detail_heading;
  GtkTextView       *source_view;
};

G_DEFINE_FINAL_TYPE (TrawlRecipeEditor, trawl_recipe_editor, ADW_TYPE_WINDOW)

static void run_preview  (TrawlRecipeEditor *self);
static void update_title (TrawlRecipeEditor *self);

/* g_set_str() is newer than GLib 2.74. */
static void
replace_str (char       **where,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*where);
  *where = copy;
}

static GtkTextBuffer *
text_buffer (TrawlRecipeEditor *self)
{
  return gtk_text_view_get_buffer (self->text_view);
}

char *
trawl_recipe_editor_get_text (TrawlRecipeEditor *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (TRAWL_IS_RECIPE_EDITOR (self), NULL);

  gtk_text_buffer_get_bounds (text_buffer (self), &start, &end);
  return gtk_text_buffer_get_text (text_buffer (self), &start, &end, FALSE);
}

static void
show_message (TrawlRecipeEditor *self,
              const char        *message,
              gboolean           problem)
{
  gtk_label_set_label (self->message_label, message);
  gtk_image_set_from_icon_name (self->message_icon, problem ? "dialog-error-symbolic"
                                                            : "dialog-information-symbolic");
  if (problem)
    gtk_widget_add_css_class (self->message_box, "error");
  else
    gtk_widget_remove_css_class (self->message_box, "error");
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
}

/* Nothing is wrong: the hint, if there is one. */
static void
hide_message (TrawlRecipeEditor *self)
{
  if (self->hint != NULL)
    show_message (self, self->hint, FALSE);
  else
    gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

static void
set_hint (TrawlRecipeEditor *self,
          const char        *hint)
{
  replace_str (&self->hint, hint);
  hide_message (self);
}

static void
toast (TrawlRecipeEditor *self,
       const char        *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* The first [Media …] group: the one the form edits. */
static char *
media_group (GKeyFile *keyfile)
{
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], "Media") && (groups[i][5] == '\0' || groups[i][5] == ' '))
      return g_strdup (groups[i]);
  return NULL;
}

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
update_form (TrawlRecipeEditor *self)
{
  g_autofree char *group = media_group (self->keyfile);
  guint kind = 0;

  self->syncing = TRUE;
  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *value = g_key_file_get_value (self->keyfile, fields[i].group,
                                                     fields[i].key, NULL);

      set_row_text (self->rows[i], value != NULL ? g_strstrip (value) : "");
    }

  for (guint i = 0; group != NULL && i < G_N_ELEMENTS (media_kinds); i++)
    if (g_key_file_has_key (self->keyfile, group, media_kinds[i], NULL))
      kind = i;
  adw_combo_row_set_selected (self->media_kind_row, kind);
  {
    g_autofree char *value = group != NULL ? g_key_file_get_value (self->keyfile, group,
                                                                    media_kinds[kind], NULL)
                                           : NULL;
    g_autofree char *json = group != NULL ? g_key_file_get_value (self->keyfile, group, "Json",
                                                                   NULL)
                                          : NULL;

    set_row_text (self->media_row, value != NULL ? g_strstrip (value) : "");
    set_row_text (self->json_row, json != NULL ? g_strstrip (json) : "");
  }
  gtk_widget_set_visible (GTK_WIDGET (self->json_row), kind == 2);
  self->syncing = FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
preview_cb (gpointer user_data)
{
  TrawlRecipeEditor *self = user_data;

  self->preview_source = 0;
  run_preview (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_preview (TrawlRecipeEditor *self)
{
  g_clear_handle_id (&self->preview_source, g_source_remove);
  self->preview_source = g_timeout_add (PREVIEW_DELAY_MS, preview_cb, self);
}

/* What the file text now holds is read; the form's rows follow
 * (@update_rows) unless the text was set from them. */
static void
reread_text (TrawlRecipeEditor *self,
             gboolean           update_rows)
{
  g_autofree char *text = trawl_recipe_editor_get_text (self);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  if (g_key_file_load_from_data (keyfile, text, -1, G_KEY_FILE_KEEP_COMMENTS, NULL))
    {
      g_key_file_unref (self->keyfile);
      self->keyfile = g_steal_pointer (&keyfile);
      if (update_rows)
        update_form (self);
    }
  update_title (self);
  schedule_preview (self);
}

/* Sets Key=value in [@group] of the file text, on its own line where it
 * is, else after the group's last key, else in a new group at the end;
 * @value NULL removes the line. Every other line (order, blank lines,
 * comments, a line the user is still writing) stays as it is. */
static void
edit_text (TrawlRecipeEditor *self,
           const char        *group,
           const char        *key,
           const char        *value)
{
  g_autofree char *text = trawl_recipe_editor_get_text (self);
  g_autofree char *header = g_strdup_printf ("[%s]", group);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) split = g_strsplit (text, "\n", -1);
  int group_line = -1, key_line = -1, last_key = -1;
  gboolean in_group = FALSE;
  g_autofree char *joined = NULL;

  for (guint i = 0; split[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (split[i]));

      g_ptr_array_add (lines, g_strdup (split[i]));
      if (*line == '[')
        {
          in_group = g_str_equal (line, header);
          if (in_group && group_line < 0)
            group_line = (int) i;
          continue;
        }
      if (!in_group || *line == '#' || strchr (line, '=') == NULL)
        continue;
      last_key = (int) i;
      *strchr (line, '=') = '\0';
      if (g_str_equal (g_strstrip (line), key) && key_line < 0)
        key_line = (int) i;
    }

  if (key_line >= 0 && value == NULL)
    g_ptr_array_remove_index (lines, key_line);
  else if (key_line >= 0)
    {
      g_free (g_ptr_array_index (lines, key_line));
      g_ptr_array_index (lines, key_line) = g_strdup_printf ("%s=%s", key, value);
    }
  else if (value != NULL && group_line >= 0)
    g_ptr_array_insert (lines, (last_key >= 0 ? last_key : group_line) + 1,
                        g_strdup_printf ("%s=%s", key, value));
  else if (value != NULL)
    {
      /* A new group at the end, a blank line before it. */
      while (lines->len > 0 && *(char *) g_ptr_array_index (lines, lines->len - 1) == '\0')
        g_ptr_array_remove_index (lines, lines->len - 1);
      if (lines->len > 0)
        g_ptr_array_add (lines, g_strdup (""));
      g_ptr_array_add (lines, g_strdup (header));
      g_ptr_array_add (lines, g_strdup_printf ("%s=%s", key, value));
      g_ptr_array_add (lines, g_strdup (""));
    }
  else
    return;

  g_ptr_array_add (lines, NULL);
  joined = g_strjoinv ("\n", (char **) lines->pdata);
  self->syncing = TRUE;
  gtk_text_buffer_set_text (text_buffer (self), joined, -1);
  self->syncing = FALSE;
  reread_text (self, FALSE);
}

/* An emptied row keeps its key (Key=), so it stays where it was. */
static void
edit_field (TrawlRecipeEditor *self,
            const char        *group,
            const char        *key,
            const char        *value)
{
  if (*value == '\0' && !g_key_file_has_key (self->keyfile, group, key, NULL))
    return;
  edit_text (self, group, key, value);
}

static void
field_changed_cb (AdwEntryRow       *row,
                  TrawlRecipeEditor *self)
{
  g_autofree char *value = NULL;

  if (self->syncing)
    return;

  value = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  for (guint i = 0; i < N_FIELDS; i++)
    if (self->rows[i] == row)
      edit_field (self, fields[i].group, fields[i].key, value);
}

static void
media_changed_cb (TrawlRecipeEditor *self)
{
  g_autofree char *group = NULL;
  g_autofree char *value = NULL;
  g_autofree char *json = NULL;
  guint kind;

  if (self->syncing)
    return;

  group = media_group (self->keyfile);
  if (group == NULL)
    group = g_strdup ("Media video");
  kind = MIN (adw_combo_row_get_selected (self->media_kind_row), G_N_ELEMENTS (media_kinds) - 1);
  value = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->media_row))));
  json = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->json_row))));

  /* One kind per strategy: the others' lines go. */
  for (guint i = 0; i < G_N_ELEMENTS (media_kinds); i++)
    if (i != kind && g_key_file_has_key (self->keyfile, group, media_kinds[i], NULL))
      edit_text (self, group, media_kinds[i], NULL);
  edit_text (self, group, media_kinds[kind], value);
  if (kind == 2)
    edit_field (self, group, "Json", json);
  else if (g_key_file_has_key (self->keyfile, group, "Json", NULL))
    edit_text (self, group, "Json", NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->json_row), kind == 2);
}

/* The file text was edited: the form follows when it reads as a key file
 * (a half-typed line may not), and the preview runs either way to say
 * what is wrong. */
static void
text_changed_cb (TrawlRecipeEditor *self)
{
  if (!self->syncing)
    reread_text (self, TRUE);
}

static void
clear_error_marks (TrawlRecipeEditor *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (text_buffer (self), &start, &end);
  gtk_text_buffer_remove_tag_by_name (text_buffer (self), "error-line", &start, &end);
  for (guint i = 0; i < N_FIELDS; i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->rows[i]), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->media_row), "error");
}

/* "recipe:12: Items is not…": line 12 is marked in the text, and the row
 * of its key in the form. Returns the message as a person reads it. */
static char *
mark_error (TrawlRecipeEditor *self,
            const char        *message)
{
  g_autofree char *prefix = g_strconcat (self->origin, ":", NULL);
  g_autofree char *line_text = NULL;
  g_autofree char *group = NULL;
  GtkTextIter start, end;
  const char *rest;
  char *after;
  guint64 line;

  if (!g_str_has_prefix (message, prefix))
    return g_strdup (message);
  rest = message + strlen (prefix);
  line = g_ascii_strtoull (rest, &after, 10);
  if (after == rest || *after != ':' || line == 0)
    return g_strdup (g_strchug ((char *) rest));

  gtk_text_buffer_get_iter_at_line (text_buffer (self), &start, (int) line - 1);
  end = start;
  gtk_text_iter_forward_to_line_end (&end);
  gtk_text_buffer_apply_tag_by_name (text_buffer (self), "error-line", &start, &end);
  line_text = gtk_text_iter_get_text (&start, &end);

  /* The key on that line, in the group above it. */
  for (GtkTextIter up = start; ; )
    {
      GtkTextIter up_end = up;
      g_autofree char *text = NULL;

      gtk_text_iter_forward_to_line_end (&up_end);
      text = g_strstrip (gtk_text_iter_get_text (&up, &up_end));
      if (*text == '[' && strchr (text, ']') != NULL)
        {
          group = g_strndup (text + 1, strchr (text, ']') - text - 1);
          break;
        }
      if (!gtk_text_iter_backward_line (&up))
        break;
    }
  if (group != NULL && strchr (line_text, '=') != NULL)
    {
      g_autofree char *key = g_strndup (line_text, strchr (line_text, '=') - line_text);

      g_strstrip (key);

      for (guint i = 0; i < N_FIELDS; i++)
        if (g_str_equal (fields[i].group, group) && g_str_equal (fields[i].key, key))
          gtk_widget_add_css_class (GTK_WIDGET (self->rows[i]), "error");
      if (g_str_has_prefix (group, "Media"))
        gtk_widget_add_css_class (GTK_WIDGET (self->media_row), "error");
    }

  /* Translators: a line of the recipe file, then what is wrong there */
  return g_strdup_printf (_("Line %u: %s"), (guint) line, g_strchug (after + 1));
}

static gboolean
is_dirty (TrawlRecipeEditor *self)
{
  g_autofree char *text = trawl_recipe_editor_get_text (self);

  return g_strcmp0 (text, self->saved_text) != 0;
}

/* The recipe's name, a dot while it is not saved; Save while there is
 * something to save. */
static void
update_title (TrawlRecipeEditor *self)
{
  g_autofree char *name = g_key_file_get_value (self->keyfile, "Recipe", "Name", NULL);
  g_autofree char *title = NULL;
  gboolean dirty = is_dirty (self);

  if (name != NULL)
    g_strstrip (name);
  title = g_strdup_printf ("%s%s", dirty ? "• " : "",
                           name != NULL && *name != '\0' ? name : _("New Recipe"));
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title,
                                 gtk_editable_get_text (GTK_EDITABLE (self->url_entry)));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", dirty);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
add_row (GtkListBox *list,
         const char *title,
         const char *subtitle,
         gboolean    problem)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 4);
  if (problem)
    gtk_widget_add_css_class (row, "trawl-status-error");
  gtk_list_box_append (list, row);
  return row;
}

/* Work on its way (a preview, a suggestion, a cover): it holds neither
 * the editor nor its window, so a closed editor goes at once, and the
 * queue it was given with it. */
typedef struct
{
  GWeakRef  editor;
  char     *url;
} Pending;

static Pending *
pending_new (TrawlRecipeEditor *self,
             const char        *url)
{
  Pending *pending = g_new0 (Pending, 1);

  g_weak_ref_init (&pending->editor, self);
  pending->url = g_strdup (url);
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_weak_ref_clear (&pending->editor);
  g_free (pending->url);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
unref_texture (gpointer texture)
{
  if (texture != NULL)
    g_object_unref (texture);
}

/* Twice the size shown, for a display scaled by 2. */
#define COVER_WIDTH 128
#define COVER_HEIGHT 72

static void
cover_decode_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (task_data);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;

  pixbuf = gdk_pixbuf_new_from_stream_at_scale (stream, COVER_WIDTH, COVER_HEIGHT, TRUE,
                                                cancellable, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
show_cover (TrawlRecipeEditor *self,
            const char        *url,
            GdkTexture        *texture)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->items_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkPicture *picture = g_object_get_data (G_OBJECT (row), "trawl-cover");

      if (picture != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (picture), "trawl-url"),
                                        url) == 0)
        gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
    }
}

static void
editor_cover_decoded_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(TrawlRecipeEditor) self = g_weak_ref_get (&pending->editor);
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);

  if (self == NULL)
    return;
  if (texture == NULL)
    {
      g_hash_table_remove (self->covers, pending->url);
      return;
    }
  g_hash_table_replace (self->covers, g_strdup (pending->url), g_object_ref (texture));
  show_cover (self, pending->url, texture);
}

static void
editor_cover_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pending) cover = user_data;
  g_autoptr(TrawlRecipeEditor) self = g_weak_ref_get (&cover->editor);
  g_autoptr(GBytes) bytes = NULL;
  GTask *task;

  if (self == NULL)
    return;
  bytes = trawl_recipe_tester_fetch_cover_finish (self->tester, result, NULL);
  /* None (or cancelled for other covers): asked again next time. */
  if (bytes == NULL)
    {
      g_hash_table_remove (self->covers, cover->url);
      return;
    }

  task = g_task_new (NULL, self->covers_cancellable, editor_cover_decoded_cb,
                     pending_new (self, cover->url));
  g_task_set_task_data (task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, cover_decode_thread);
  g_object_unref (task);
}

/* The item's cover, small, as the list shows it: from memory, or fetched
 * once behind the board's pages. */
static GtkWidget *
cover_picture (TrawlRecipeEditor *self,
               TrawlTryItem      *item)
{
  GtkWidget *picture = gtk_picture_new ();
  GdkTexture *texture;

  gtk_widget_set_size_request (picture, 64, 36);
  gtk_widget_set_margin_top (picture, 6);
  gtk_widget_set_margin_bottom (picture, 6);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (picture, "trawl-thumbnail");
  g_object_set_data_full (G_OBJECT (picture), "trawl-url", g_strdup (item->thumbnail), g_free);

  if (g_hash_table_lookup_extended (self->covers, item->thumbnail, NULL, (gpointer *) &texture))
    {
      if (texture != NULL)
        gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (texture));
      return picture;
    }

  g_hash_table_insert (self->covers, g_strdup (item->thumbnail), NULL);
  trawl_recipe_tester_fetch_cover_async (self->tester, self->result->list_url, item->thumbnail,
                                         self->covers_cancellable, editor_cover_cb,
                                         pending_new (self, item->thumbnail));
  return picture;
}

static char *
item_subtitle (TrawlTryItem *item)
{
  g_autoptr(GString) text = g_string_new (item->url);

  if (item->duration > 0)
    g_string_append_printf (text, " · %u:%02u", item->duration / 60, item->duration % 60);
  if (item->line > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("line %u"), item->line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_items (TrawlRecipeEditor *self,
            TrawlTryResult    *result)
{
  g_autofree char *summary = NULL;
  g_autofree char *next = NULL;

  if (result->items->len == 0 && result->list_note != NULL)
    /* Translators: why a recipe finds no video: "Items matches nothing on the page" */
    summary = g_strdup_printf (_("No videos on the first page: %s"), result->list_note);
  else if (result->items->len == 0)
    summary = g_strdup (_("No videos on the first page: check Items and Link"));
  else
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u video on the first page",
                                            "%u videos on the first page", result->items->len),
                               result->items->len);
  gtk_label_set_label (self->summary_label, summary);

  if (result->next_url == NULL)
    next = g_strdup (_("No next page: the recipe reads the board as one page."));
  else if (result->next_error != NULL)
    next = g_strdup_printf (_("The next page, %s, could not be read: %s"), result->next_url,
                            result->next_error);
  else
    next = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Next page: %s, with %d new video",
                                         "Next page: %s, with %d new videos", result->next_items),
                            result->next_url, result->next_items);
  gtk_label_set_label (self->next_label, next);

  clear_list (self->items_list);
  for (guint i = 0; i < result->items->len; i++)
    {
      TrawlTryItem *item = g_ptr_array_index (result->items, i);
      g_autofree char *subtitle = item_subtitle (item);

      GtkWidget *row = add_row (self->items_list,
                                item->title != NULL ? item->title : _("(no title)"), subtitle,
                                FALSE);

      if (item->thumbnail != NULL)
        {
          GtkWidget *picture = cover_picture (self, item);

          adw_action_row_add_prefix (ADW_ACTION_ROW (row), picture);
          g_object_set_data (G_OBJECT (row), "trawl-cover", picture);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->items_list), result->items->len > 0);
  if (result->items->len > 0)
    gtk_list_box_select_row (self->items_list,
                             gtk_list_box_get_row_at_index (self->items_list,
                                                            MIN (self->item,
                                                                 result->items->len - 1)));
}

/* "script (a regular expression)": the [Media script] group, as the form
 * names its kind. */
static char *
strategy_words (TrawlRecipeEditor *self,
                const char        *strategy)
{
  static const char * const kinds[] = {
    N_("a regular expression"), N_("an XPath"), N_("a JSON API")
  };
  g_autofree char *group = g_strdup_printf ("Media %s", strategy);

  if (g_str_equal (strategy, "generic"))
    return g_strdup (_("what any page may show (no strategy of the recipe found it)"));
  if (g_str_equal (strategy, "link"))
    return g_strdup (_("the list links to the video itself"));
  for (guint i = 0; i < G_N_ELEMENTS (media_kinds); i++)
    if (g_key_file_has_key (self->keyfile, group, media_kinds[i], NULL))
      /* Translators: a strategy's name, then its kind: "script (a regular expression)" */
      return g_strdup_printf (_("%s (%s)"), strategy, _(kinds[i]));
  return g_strdup (strategy);
}

static void
show_detail (TrawlRecipeEditor *self,
             TrawlTryResult    *result)
{
  clear_list (self->detail_list);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_list), result->detail_url != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_heading), result->detail_url != NULL);
  if (result->detail_url == NULL)
    return;

  if (result->items->len > 0)
    {
      TrawlTryItem *item = g_ptr_array_index (result->items, MIN (self->item,
                                                                  result->items->len - 1));
      g_autofree char *heading = g_strdup_printf (_("The Video of “%s”"),
                                                  item->title != NULL ? item->title
                                                                      : item->url);

      gtk_label_set_label (self->detail_heading, heading);
    }
  else
    gtk_label_set_label (self->detail_heading, _("The Video"));
  add_row (self->detail_list, _("Video page"), result->detail_url, FALSE);
  if (result->detail_error != NULL)
    add_row (self->detail_list, _("Could not be read"), result->detail_error, TRUE);
  if (result->strategy != NULL)
    {
      g_autofree char *found_by = strategy_words (self, result->strategy);

      add_row (self->detail_list, _("Found by"), found_by, FALSE);
    }
  if (result->reasons != NULL && result->media_url != NULL)
    add_row (self->detail_list, _("Not found by"), result->reasons, FALSE);
  if (result->media_url != NULL)
    add_row (self->detail_list, _("Video"), result->media_url, FALSE);
  if (result->media_error != NULL)
    add_row (self->detail_list, _("Problem"), result->media_error, TRUE);
  else if (result->media_url != NULL)
    {
      g_autofree char *size = result->media_size >= 0 ? g_format_size (result->media_size)
                                                      : g_strdup (_("size unknown"));
      g_autofree char *type = g_strdup_printf ("%s · %s", result->media_type != NULL
                                                          ? result->media_type : "?", size);

      add_row (self->detail_list, _("Type and size"), type, FALSE);
    }

  /* The other videos of the first page, looked for the same way. */
  if (result->checked > 1)
    {
      g_autofree char *counted = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "found for %u of %u video",
                                                               "found for %u of %u videos",
                                                               result->checked),
                                                  result->resolved, result->checked);

      add_row (self->detail_list, _("On the first page"), counted,
               result->resolved < result->checked);
      if (result->miss_title != NULL)
        {
          g_autofree char *title = g_strdup_printf (_("Not found for “%s”"), result->miss_title);

          add_row (self->detail_list, title, result->miss_reason, TRUE);
        }
    }
}

/* The page as fetched, each item's line marked, the first in view. */
static void
show_source (TrawlRecipeEditor *self,
             TrawlTryResult    *result)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->source_view);
  GtkTextIter start, end;
  g_autofree char *shown = NULL;
  gboolean first = TRUE;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  if (g_strcmp0 (shown, result->list_text) != 0)
    gtk_text_buffer_set_text (buffer, result->list_text != NULL ? result->list_text : "", -1);

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag_by_name (buffer, "match", &start, &end);
  for (guint i = 0; i < result->items->len; i++)
    {
      TrawlTryItem *item = g_ptr_array_index (result->items, i);
      GtkTextIter line_end;

      if (item->line == 0)
        continue;
      gtk_text_buffer_get_iter_at_line (buffer, &start, (int) item->line - 1);
      line_end = start;
      gtk_text_iter_forward_to_line_end (&line_end);
      gtk_text_buffer_apply_tag_by_name (buffer, "match", &start, &line_end);
      if (first)
        {
          GtkTextMark *mark = gtk_text_buffer_get_mark (buffer, "first-match");

          gtk_text_buffer_move_mark (buffer, mark, &start);
          gtk_text_view_scroll_to_mark (self->source_view, mark, 0.1, TRUE, 0, 0.2);
          first = FALSE;
        }
    }
}

static void
editor_run_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(TrawlRecipeEditor) self = g_weak_ref_get (&pending->editor);
  g_autoptr(GError) error = NULL;
  TrawlTryResult *found = trawl_recipe_tester_run_finish (TRAWL_RECIPE_TESTER (object), result,
                                                          &error);

  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&found, trawl_try_result_free);
      return;
    }

  self->running = FALSE;
  gtk_spinner_stop (self->spinner);
  g_clear_pointer (&self->result, trawl_try_result_free);

  if (found == NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "network-error-symbolic");
      adw_status_page_set_title (self->empty_page, _("Could Not Read the Board"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->state_stack, "empty");
      return;
    }

  self->result = found;
  show_items (self, found);
  show_detail (self, found);
  show_source (self, found);
  gtk_stack_set_visible_child_name (self->state_stack, "results");
}

static void
show_empty (TrawlRecipeEditor *self)
{
  adw_status_page_set_icon_name (self->empty_page, "system-search-symbolic");
  adw_status_page_set_title (self->empty_page, _("No Preview Yet"));
  adw_status_page_set_description (self->empty_page,
                                   _("Type the address of a board above. What the recipe finds "
                                     "there shows here as you write it."));
  gtk_stack_set_visible_child_name (self->state_stack, "empty");
}

static void
run_preview (TrawlRecipeEditor *self)
{
  g_autofree char *text = trawl_recipe_editor_get_text (self);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                 self->url_entry))));
  g_autoptr(TrawlRecipe) recipe = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->preview_source, g_source_remove);
  update_title (self);
  clear_error_marks (self);

  /* Nothing yet (a suggestion on its way): nothing to say about it. */
  if (is_blank (text))
    {
      if (!self->suggesting)
        hide_message (self);
      show_empty (self);
      return;
    }

  recipe = trawl_recipe_new_from_data (text, -1, self->origin, &error);
  if (recipe == NULL)
    {
      g_autofree char *message = mark_error (self, error->message);

      show_message (self, message, TRUE);
      /* What is shown is the last recipe that could be read; the page
       * itself is shown all the same, to write the recipe from. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->state_stack), FALSE);
      recipe = trawl_recipe_new_from_data ("[Recipe]\nName=page\n[List]\nItems=/..\n"
                                           "Link=.\n[Media none]\nXPath=/..\n", -1, "page",
                                           NULL);
      if (self->result != NULL || *url == '\0' || !trawl_uri_is_fetchable (url, NULL))
        return;
    }
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->state_stack), TRUE);
      if (!self->suggesting)
        hide_message (self);
      if (*url != '\0' && !self->suggesting && !trawl_recipe_matches (recipe, url))
        show_message (self, _("The addresses this recipe reads (its Match) leave out this board: "
                              "Trawl uses it here only when chosen with Read With."), FALSE);
    }

  if (*url == '\0')
    {
      show_empty (self);
      return;
    }
  if (!trawl_uri_is_fetchable (url, &error))
    {
      show_message (self, error->message, TRUE);
      return;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  if (self->result == NULL)
    {
      gtk_stack_set_visible_child_name (self->state_stack, "loading");
      gtk_spinner_start (self->spinner);
    }
  trawl_recipe_tester_run_async (self->tester, recipe, url, self->item, self->cancellable,
                                 editor_run_cb, pending_new (self, NULL));
}

static void
item_selected_cb (GtkListBox        *list,
                  GtkListBoxRow     *row,
                  TrawlRecipeEditor *self)
{
  guint index;

  if (row == NULL)
    return;
  index = (guint) gtk_list_box_row_get_index (row);
  if (index == self->item)
    return;
  self->item = index;
  run_preview (self);
}

static void
url_activate_cb (TrawlRecipeEditor *self)
{
  self->item = 0;
  g_clear_pointer (&self->result, trawl_try_result_free);
  run_preview (self);
}

/**
 * trawl_recipe_editor_set_text:
 * @saved: whether @text is what is saved already (a file opened), so that
 *   closing without an edit asks nothing
 */
void
trawl_recipe_editor_set_text (TrawlRecipeEditor *self,
                              const char        *text,
                              gboolean           saved)
{
  g_return_if_fail (TRAWL_IS_RECIPE_EDITOR (self));
  g_return_if_fail (text != NULL);

  if (saved)
    {
      g_autoptr(GKeyFile) keyfile = g_key_file_new ();
      g_autofree char *name = NULL;

      replace_str (&self->saved_text, text);
      if (g_key_file_load_from_data (keyfile, text, -1, G_KEY_FILE_NONE, NULL))
        name = g_key_file_get_value (keyfile, "Recipe", "Name", NULL);
      replace_str (&self->loaded_name, name != NULL ? g_strstrip (name) : NULL);
    }
  gtk_text_buffer_set_text (text_buffer (self), text, -1);
  update_title (self);
}

void
trawl_recipe_editor_set_url (TrawlRecipeEditor *self,
                             const char        *url)
{
  g_return_if_fail (TRAWL_IS_RECIPE_EDITOR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url != NULL ? url : "");
  url_activate_cb (self);
}

/**
 * trawl_recipe_editor_set_board:
 *
 * The editor is for @board: its address is previewed, and a saved recipe
 * reads it at once.
 */
void
trawl_recipe_editor_set_board (TrawlRecipeEditor *self,
                               TrawlBoard        *board)
{
  g_return_if_fail (TRAWL_IS_RECIPE_EDITOR (self));
  g_return_if_fail (TRAWL_IS_BOARD (board));

  g_set_object (&self->board, board);
  trawl_recipe_editor_set_url (self, trawl_board_get_url (board));
}

/* A recipe to start from when there is no suggestion. */
static char *
blank_recipe (TrawlRecipeEditor *self)
{
  g_autofree char *host = trawl_uri_host (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)));

  return g_strdup_printf ("[Recipe]\nName=%s\nTitle=%s\n\n[List]\nItems=\nLink=.//a/@href\n"
                          "Title=\n\n[Media video]\nXPath=//video/@src\n",
                          host != NULL ? host : "mysite", host != NULL ? host : "My Site");
}

static void
editor_suggest_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(TrawlRecipeEditor) self = g_weak_ref_get (&pending->editor);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = trawl_recipe_tester_suggest_finish (TRAWL_RECIPE_TESTER (object),
                                                              result, &error);

  /* Closed meanwhile: nothing to show it in. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.suggest", TRUE);
  if (text == NULL)
    {
      self->suggesting = FALSE;
      show_message (self, error->message, TRUE);
      return;
    }

  self->suggesting = FALSE;
  set_hint (self, _("Suggested from the board’s pages. Check what the preview finds, correct "
                    "what is wrong, then save."));
  trawl_recipe_editor_set_text (self, text, FALSE);
}

/**
 * trawl_recipe_editor_suggest:
 *
 * Replaces the recipe with one suggested from the board's pages.
 */
void
trawl_recipe_editor_suggest (TrawlRecipeEditor *self)
{
  const char *url;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TRAWL_IS_RECIPE_EDITOR (self));

  url = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));
  if (!trawl_uri_is_fetchable (url, &error))
    {
      show_message (self, _("Type the address of a board first: the suggestion is made from "
                            "its pages."), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
      return;
    }

  self->suggesting = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.suggest", FALSE);
  set_hint (self, NULL);
  show_message (self, _("Reading the board’s pages…"), FALSE);
  trawl_recipe_tester_suggest_async (self->tester, url, self->suggest_cancellable,
                                     editor_suggest_cb, pending_new (self, NULL));
}

const TrawlTryResult *
trawl_recipe_editor_get_result (TrawlRecipeEditor *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_EDITOR (self), NULL);
  return self->result;
}

/* Whether a preview or a suggestion is on its way (for tests). */
gboolean
trawl_recipe_editor_is_busy (TrawlRecipeEditor *self)
{
  g_return_val_if_fail (TRAWL_IS_RECIPE_EDITOR (self), FALSE);
  return self->running || self->suggesting || self->preview_source != 0;
}

/**
 * trawl_recipe_editor_load_file:
 *
 * Opens the recipe in @file (imported, opened from a file manager or
 * dropped on the window). It is saved among the user's recipes only when
 * the user says so.
 */
gboolean
trawl_recipe_editor_load_file (TrawlRecipeEditor  *self,
                               GFile              *file,
                               GError            **error)
{
  g_autofree char *data = NULL;
  g_autofree char *name = NULL;
  gsize length;

  g_return_val_if_fail (TRAWL_IS_RECIPE_EDITOR (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!g_file_load_contents (file, NULL, &data, &length, NULL, error))
    return FALSE;
  if (length > MAX_RECIPE_FILE || !g_utf8_validate (data, length, NULL))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_RECIPE, _("%s is not a recipe file"),
                   g_file_peek_path (file) != NULL ? g_file_peek_path (file) : "?");
      return FALSE;
    }

  name = g_file_get_basename (file);
  replace_str (&self->origin, name);
  set_hint (self, NULL);
  trawl_recipe_editor_set_text (self, data, FALSE);
  return TRUE;
}

static void
save_now (TrawlRecipeEditor *self,
          const char        *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;

  name = trawl_recipe_set_save_user (trawl_queue_get_recipes (self->queue), text, &error);
  if (name == NULL)
    {
      show_message (self, error->message, TRUE);
      return;
    }
  replace_str (&self->saved_text, text);
  replace_str (&self->loaded_name, name);
  update_title (self);

  if (self->board != NULL &&
      !trawl_queue_read_board_with (self->queue, self->board, name, &error))
    message = g_strdup_printf (_("Saved “%s”. %s"), name, error->message);
  else if (self->board != NULL)
    message = g_strdup_printf (_("Saved “%s”; the board is read again with it"), name);
  else
    message = g_strdup_printf (_("Saved “%s”"), name);
  toast (self, message);
}

static void
replace_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     TrawlRecipeEditor *self)
{
  g_autofree char *text = NULL;

  if (!g_str_equal (response, "replace"))
    return;
  text = trawl_recipe_editor_get_text (self);
  save_now (self, text);
}

/* Saving over another recipe of the name (one of the user's, or the
 * built-in one it would hide) is said first. */
static gboolean
ask_before_replacing (TrawlRecipeEditor *self,
                      TrawlRecipe       *recipe)
{
  TrawlRecipe *existing = trawl_recipe_set_lookup (trawl_queue_get_recipes (self->queue),
                                                   trawl_recipe_get_name (recipe));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  /* Saving the user's own recipe again is no question; saving a built-in
   * one makes a copy of the user's that hides it from then on. */
  if (existing == NULL ||
      (trawl_recipe_get_source (existing) == TRAWL_RECIPE_SOURCE_USER &&
       g_strcmp0 (self->loaded_name, trawl_recipe_get_name (recipe)) == 0))
    return FALSE;

  if (trawl_recipe_get_source (existing) == TRAWL_RECIPE_SOURCE_USER)
    {
      heading = g_strdup_printf (_("Replace “%s”?"), trawl_recipe_get_title (existing));
      body = g_strdup_printf (_("You already have a recipe named “%s”. Saving replaces it; "
                                "to keep both, give this one another name."),
                              trawl_recipe_get_name (recipe));
    }
  else
    {
      heading = g_strdup_printf (_("Use Yours Instead of “%s”?"),
                                 trawl_recipe_get_title (existing));
      body = g_strdup_printf (_("Trawl has a recipe named “%s”. Yours will be used instead of it "
                                "until you remove yours in Preferences."),
                              trawl_recipe_get_name (recipe));
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "replace", _("_Replace"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "replace", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  trawl_fix_button_names (GTK_WIDGET (dialog));
  g_signal_connect_object (dialog, "response", G_CALLBACK (replace_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TrawlRecipeEditor *self = TRAWL_RECIPE_EDITOR (widget);
  g_autofree char *text = trawl_recipe_editor_get_text (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlRecipe) recipe = NULL;

  /* Read as the preview reads it: the same words for the same mistake. */
  recipe = trawl_recipe_new_from_data (text, -1, self->origin, &error);
  if (recipe == NULL)
    {
      g_autofree char *shown = mark_error (self, error->message);

      show_message (self, shown, TRUE);
      return;
    }
  if (ask_before_replacing (self, recipe))
    return;
  save_now (self, text);
}

static void
suggest_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  trawl_recipe_editor_suggest (TRAWL_RECIPE_EDITOR (widget));
}

static void
load_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TrawlRecipeEditor *self = TRAWL_RECIPE_EDITOR (widget);

  /* Fetched again: the user may have changed something on the site. */
  g_clear_object (&self->tester);
  self->tester = trawl_recipe_tester_new (trawl_queue_get_client (self->queue));
  url_activate_cb (self);
}

static void
blank_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TrawlRecipeEditor *self = TRAWL_RECIPE_EDITOR (widget);
  g_autofree char *text = blank_recipe (self);

  set_hint (self, NULL);
  trawl_recipe_editor_set_text (self, text, FALSE);
  gtk_stack_set_visible_child_name (self->recipe_stack, "form");
  gtk_widget_grab_focus (GTK_WIDGET (self->rows[3]));
}

static void
import_response_cb (GtkNativeDialog   *dialog,
                    int                response,
                    TrawlRecipeEditor *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL && !trawl_recipe_editor_load_file (self, file, &error))
        show_message (self, error->message, TRUE);
    }
  g_object_unref (dialog);
}

static GtkFileFilter *
recipe_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Recipes"));
  gtk_file_filter_add_mime_type (filter, "application/x-trawl-recipe");
  gtk_file_filter_add_suffix (filter, "recipe");
  return filter;
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = recipe_filter ();

  dialog = gtk_file_chooser_native_new (_("Import a Recipe"), GTK_WINDOW (widget),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), NULL);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response_cb), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_response_cb (GtkNativeDialog   *dialog,
                    int                response,
                    TrawlRecipeEditor *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    {
      text = trawl_recipe_editor_get_text (self);
      if (!g_file_replace_contents (file, text, strlen (text), NULL, FALSE,
                                    G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, &error))
        show_message (self, error->message, TRUE);
      else
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *message = g_strdup_printf (_("Exported as %s"), name);

          toast (self, message);
        }
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TrawlRecipeEditor *self = TRAWL_RECIPE_EDITOR (widget);
  g_autofree char *name = g_key_file_get_value (self->keyfile, "Recipe", "Name", NULL);
  g_autofree char *file_name = NULL;
  g_autoptr(GtkFileFilter) filter = recipe_filter ();
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export the Recipe"), GTK_WINDOW (widget),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  file_name = g_strconcat (name != NULL && *g_strstrip (name) != '\0' ? name : "recipe",
                           ".recipe", NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), file_name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
discard_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     TrawlRecipeEditor *self)
{
  if (g_str_equal (response, "save"))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "editor.save", NULL);
      if (is_dirty (self))
        return;
    }
  else if (!g_str_equal (response, "discard"))
    {
      g_object_set_data (G_OBJECT (self), "trawl-quitting", NULL);
      return;
    }

  /* GTK keeps the dialog's parent without a reference until the dialog's
   * dispose: let go of it before the editor goes. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_set_data (G_OBJECT (self), "trawl-discard", GINT_TO_POINTER (TRUE));
  if (g_object_get_data (G_OBJECT (self), "trawl-quitting") != NULL &&
      gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    {
      GApplication *application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

      gtk_window_close (GTK_WINDOW (self));
      g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

/* Unsaved work is not lost to a stray Escape or close button. */
static gboolean
trawl_recipe_editor_close_request (GtkWindow *window)
{
  TrawlRecipeEditor *self = TRAWL_RECIPE_EDITOR (window);
  g_autofree char *text = trawl_recipe_editor_get_text (self);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (g_object_get_data (G_OBJECT (self), "trawl-discard") != NULL || !is_dirty (self) ||
      is_blank (text))
    return GTK_WINDOW_CLASS (trawl_recipe_editor_parent_class)->close_request (window);

  if (self->loaded_name != NULL)
    {
      body = g_strdup_printf (_("Your changes to “%s” are not saved."), self->loaded_name);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Save the Changes?"), body));
    }
  else
    dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Save the Recipe?"),
                                                         _("It is not saved. Without it, Trawl "
                                                           "cannot read this site.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Keep Editing"), "discard",
                                    _("_Discard"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  trawl_fix_button_names (GTK_WIDGET (dialog));
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
trawl_recipe_editor_dispose (GObject *object)
{
  TrawlRecipeEditor *self = (TrawlRecipeEditor *)object;

  g_clear_handle_id (&self->preview_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->covers_cancellable);
  g_cancellable_cancel (self->suggest_cancellable);
  /* What is on its way may hold the editor a moment longer: not the queue
   * (it must be gone as soon as the application lets go of it). */
  g_clear_object (&self->queue);
  g_clear_object (&self->board);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_RECIPE_EDITOR);

  G_OBJECT_CLASS (trawl_recipe_editor_parent_class)->dispose (object);
}

static void
trawl_recipe_editor_finalize (GObject *object)
{
  TrawlRecipeEditor *self = (TrawlRecipeEditor *)object;

  g_clear_object (&self->queue);
  g_clear_object (&self->board);
  g_clear_object (&self->tester);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->covers_cancellable);
  g_clear_object (&self->suggest_cancellable);
  g_clear_pointer (&self->covers, g_hash_table_unref);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_clear_pointer (&self->result, trawl_try_result_free);
  g_free (self->saved_text);
  g_free (self->origin);
  g_free (self->hint);
  g_free (self->loaded_name);

  G_OBJECT_CLASS (trawl_recipe_editor_parent_class)->finalize (object);
}

static void
trawl_recipe_editor_class_init (TrawlRecipeEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = trawl_recipe_editor_dispose;
  object_class->finalize = trawl_recipe_editor_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = trawl_recipe_editor_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/trawl/Trawl/trawl-recipe-editor.ui");
  for (guint i = 0; i < N_FIELDS; i++)
    gtk_widget_class_bind_template_child_full (widget_class, fields[i].row, FALSE,
                                               G_STRUCT_OFFSET (TrawlRecipeEditor, rows) +
                                               i * sizeof (gpointer));
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, url_entry);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, message_box);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, message_icon);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, message_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, media_kind_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, media_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, json_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, text_view);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, recipe_stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, state_stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, spinner);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, next_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, items_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, detail_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, detail_heading);
  gtk_widget_class_bind_template_child (widget_class, TrawlRecipeEditor, source_view);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.suggest", NULL, suggest_action);
  gtk_widget_class_install_action (widget_class, "editor.load", NULL, load_action);
  gtk_widget_class_install_action (widget_class, "editor.blank", NULL, blank_action);
  gtk_widget_class_install_action (widget_class, "editor.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "editor.export", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
trawl_recipe_editor_init (TrawlRecipeEditor *self)
{
  GtkTextBuffer *source;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->keyfile = g_key_file_new ();
  self->origin = g_strdup (_("recipe"));
  self->covers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unref_texture);
  self->covers_cancellable = g_cancellable_new ();
  self->suggest_cancellable = g_cancellable_new ();

  for (guint i = 0; i < N_FIELDS; i++)
    g_signal_connect (self->rows[i], "changed", G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (self->media_row, "changed", G_CALLBACK (media_changed_cb), self);
  g_signal_connect_swapped (self->json_row, "changed", G_CALLBACK (media_changed_cb), self);
  g_signal_connect_swapped (self->media_kind_row, "notify::selected",
                            G_CALLBACK (media_changed_cb), self);
  g_signal_connect_swapped (text_buffer (self), "changed", G_CALLBACK (text_changed_cb), self);
  g_signal_connect_swapped (self->url_entry, "activate", G_CALLBACK (url_activate_cb), self);
  g_signal_connect (self->items_list, "row-selected", G_CALLBACK (item_selected_cb), self);

  gtk_text_buffer_create_tag (text_buffer (self), "error-line", "underline",
                              PANGO_UNDERLINE_ERROR, NULL);
  source = gtk_text_view_get_buffer (self->source_view);
  /* The accent's blue, light enough to read on the light and dark styles. */
  gtk_text_buffer_create_tag (source, "match", "weight", PANGO_WEIGHT_BOLD,
                              "paragraph-background-rgba",
                              &(GdkRGBA) { 0.21f, 0.52f, 0.89f, 0.18f }, NULL);
  {
    GtkTextIter start;

    gtk_text_buffer_get_start_iter (source, &start);
    gtk_text_buffer_create_mark (source, "first-match", &start, TRUE);
  }

  trawl_fix_button_names (GTK_WIDGET (self));
}

/**
 * trawl_recipe_editor_new:
 * @parent: (nullable): the window it belongs to
 * @queue: the queue whose recipes a saved recipe joins and whose client
 *   fetches the pages (with the user's proxy, cookies and limits)
 */
TrawlRecipeEditor *
trawl_recipe_editor_new (GtkWindow  *parent,
                         TrawlQueue *queue)
{
  TrawlRecipeEditor *self;

  g_return_val_if_fail (TRAWL_IS_QUEUE (queue), NULL);

  self = g_object_new (TRAWL_TYPE_RECIPE_EDITOR, NULL);
  self->queue = g_object_ref (queue);
  self->tester = trawl_recipe_tester_new (trawl_queue_get_client (queue));
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
    }
  return self;
}
