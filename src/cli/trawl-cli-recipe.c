#define G_LOG_DOMAIN "trawl-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "trawl-cli-recipe.h"
#include "trawl-recipe-tester.h"

/* trawl-cli --try-recipe and --suggest-recipe: what the recipe editor
 * shows, as text, for people who write recipes in their own editor. */

typedef struct
{
  GMainLoop      *loop;
  TrawlTryResult *result;
  char           *suggestion;
  GError         *error;
} Wait;

static void
cli_try_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = trawl_recipe_tester_run_finish (TRAWL_RECIPE_TESTER (object), result,
                                                 &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
print_items (TrawlTryResult *result)
{
  printf (g_dngettext (GETTEXT_PACKAGE, "List page: %s, %u item\n",
                       "List page: %s, %u items\n", result->items->len),
          result->list_url, result->items->len);

  for (guint i = 0; i < result->items->len; i++)
    {
      TrawlTryItem *item = g_ptr_array_index (result->items, i);

      printf ("  %2u. %s\n      %s\n", i + 1,
              item->title != NULL ? item->title : _("(no title)"), item->url);
      if (item->thumbnail != NULL)
        printf (_("      cover: %s\n"), item->thumbnail);
      if (item->duration > 0)
        printf (_("      length: %u:%02u\n"), item->duration / 60, item->duration % 60);
      if (item->line > 0)
        printf (_("      line %u of the page\n"), item->line);
    }
}

static void
print_checked (TrawlTryResult *result)
{
  if (result->checked == 0)
    return;
  printf (g_dngettext (GETTEXT_PACKAGE, "Videos of the first page looked for: %u, found: %u\n",
                       "Videos of the first page looked for: %u, found: %u\n", result->checked),
          result->checked, result->resolved);
  if (result->miss_title != NULL)
    printf (_("  Not found for “%s”: %s\n"), result->miss_title,
            result->miss_reason != NULL ? result->miss_reason : "?");
}

static void
print_next (TrawlTryResult *result)
{
  if (result->next_url == NULL)
    printf ("%s\n", _("Next page: none (the board is one page)"));
  else if (result->next_error != NULL)
    printf (_("Next page: %s: %s\n"), result->next_url, result->next_error);
  else
    printf (g_dngettext (GETTEXT_PACKAGE, "Next page: %s, %d new item\n",
                         "Next page: %s, %d new items\n", result->next_items),
            result->next_url, result->next_items);
}

static gboolean
print_media (TrawlTryResult *result)
{
  if (result->detail_url == NULL)
    return FALSE;

  printf (_("First item: %s\n"), result->detail_url);
  if (result->detail_error != NULL)
    {
      printf (_("  The page could not be read: %s\n"), result->detail_error);
      return FALSE;
    }
  if (result->strategy != NULL)
    printf (_("  Found by: %s\n"), result->strategy);
  if (result->reasons != NULL)
    printf (_("  Not found by: %s\n"), result->reasons);
  if (result->media_url != NULL)
    printf (_("  Media: %s\n"), result->media_url);
  if (result->media_error != NULL)
    {
      printf (_("  Problem: %s\n"), result->media_error);
      return FALSE;
    }
  if (result->media_type != NULL || result->media_size >= 0)
    {
      g_autofree char *size = result->media_size >= 0 ? g_format_size (result->media_size)
                                                      : g_strdup (_("size unknown"));

      printf (_("  Type: %s, %s\n"), result->media_type != NULL ? result->media_type : "?", size);
    }
  return TRUE;
}

/**
 * trawl_cli_try_recipe:
 *
 * Returns: the exit status: 0 when the recipe finds items and the first
 *   one's video, 1 when it does not, 2 for a broken recipe or a page that
 *   cannot be read
 */
int
trawl_cli_try_recipe (TrawlClient *client,
                      const char  *file,
                      const char  *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlRecipe) recipe = trawl_recipe_new_from_file (file, &error);
  g_autoptr(TrawlRecipeTester) tester = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(TrawlTryResult) result = NULL;
  Wait wait = { 0 };
  gboolean media;

  if (recipe == NULL)
    {
      g_printerr ("trawl-cli: %s\n", error->message);
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  wait.loop = loop;
  tester = trawl_recipe_tester_new (client);
  trawl_recipe_tester_run_async (tester, recipe, url, 0, NULL, cli_try_cb, &wait);
  g_main_loop_run (loop);
  result = wait.result;

  if (result == NULL)
    {
      g_printerr ("trawl-cli: %s: %s\n", url, wait.error->message);
      g_error_free (wait.error);
      return 2;
    }

  printf (_("Recipe: %s (%s)\n"), trawl_recipe_get_name (recipe), file);
  print_items (result);
  if (result->list_note != NULL)
    printf (_("  Why none: %s\n"), result->list_note);
  print_next (result);
  media = print_media (result);
  print_checked (result);
  return result->items->len > 0 && media && result->resolved == result->checked ? 0 : 1;
}

static void
cli_suggest_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Wait *wait = user_data;

  wait->suggestion = trawl_recipe_tester_suggest_finish (TRAWL_RECIPE_TESTER (object), result,
                                                         &wait->error);
  g_main_loop_quit (wait->loop);
}

/**
 * trawl_cli_suggest_recipe:
 *
 * Prints a suggested recipe for @url on standard output.
 *
 * Returns: the exit status: 0, or 2 when the page cannot be read or shows
 *   no list
 */
int
trawl_cli_suggest_recipe (TrawlClient *client,
                          const char  *url)
{
  g_autoptr(TrawlRecipeTester) tester = trawl_recipe_tester_new (client);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait wait = { 0 };

  wait.loop = loop;
  trawl_recipe_tester_suggest_async (tester, url, NULL, cli_suggest_cb, &wait);
  g_main_loop_run (loop);

  if (wait.suggestion == NULL)
    {
      g_printerr ("trawl-cli: %s: %s\n", url, wait.error->message);
      g_error_free (wait.error);
      return 2;
    }

  fputs (wait.suggestion, stdout);
  g_free (wait.suggestion);
  return 0;
}
