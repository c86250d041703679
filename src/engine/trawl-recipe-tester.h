#pragma once

#include <gio/gio.h>

#include "trawl-client.h"
#include "trawl-recipe.h"

G_BEGIN_DECLS

/* An item of the first list page, as a recipe finds it. */
typedef struct
{
  char  *title;
  char  *url;
  char  *thumbnail;
  guint  duration;
  guint  line;        /* in the page source, from 1; 0 unknown */
} TrawlTryItem;

/* What a recipe makes of a board: its first list page, the next one, and
 * one item's detail page down to the media's type and size. */
typedef struct
{
  char      *list_url;     /* after redirects */
  char      *list_text;    /* the page source, decoded */
  GPtrArray *items;        /* of TrawlTryItem */
  char      *list_note;    /* why there are none, when there are none */
  char      *next_url;     /* NULL: the recipe finds no next page */
  int        next_items;   /* new items on the next page; -1 when not read */
  char      *next_error;
  char      *detail_url;   /* NULL: no item to follow */
  char      *detail_error;
  char      *strategy;     /* the [Media] strategy that found the video, or "generic" */
  char      *reasons;      /* why each strategy before it found nothing */
  char      *media_url;
  char      *media_type;
  gint64     media_size;   /* -1 unknown */
  char      *media_error;
  guint      checked;      /* items of the first page whose video was looked for */
  guint      resolved;     /* of those, how many a video was found for */
  char      *miss_title;   /* the first one without, and why */
  char      *miss_reason;
} TrawlTryResult;

void trawl_try_result_free (TrawlTryResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlTryResult, trawl_try_result_free)

#define TRAWL_TYPE_RECIPE_TESTER (trawl_recipe_tester_get_type ())

G_DECLARE_FINAL_TYPE (TrawlRecipeTester, trawl_recipe_tester, TRAWL, RECIPE_TESTER, GObject)

TrawlRecipeTester *trawl_recipe_tester_new            (TrawlClient         *client);
void               trawl_recipe_tester_run_async      (TrawlRecipeTester   *self,
                                                       TrawlRecipe         *recipe,
                                                       const char          *url,
                                                       guint                item,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
TrawlTryResult    *trawl_recipe_tester_run_finish     (TrawlRecipeTester   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void               trawl_recipe_tester_suggest_async  (TrawlRecipeTester   *self,
                                                       const char          *url,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char              *trawl_recipe_tester_suggest_finish (TrawlRecipeTester   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void               trawl_recipe_tester_fetch_cover_async  (TrawlRecipeTester   *self,
                                                           const char          *board_url,
                                                           const char          *url,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GBytes            *trawl_recipe_tester_fetch_cover_finish (TrawlRecipeTester   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
