#pragma once

#include <gio/gio.h>
#include <libxml/HTMLparser.h>

#include "trawl-recipe.h"

G_BEGIN_DECLS

/* An item as a list page shows it, before its detail page is read. */
typedef struct
{
  char *url;    /* the detail page, or the media file itself */
  char *title;
  char *id;
  char *thumbnail;  /* the cover image the list shows, or NULL */
  guint duration;   /* seconds, or 0 when not shown */
  guint line;       /* where in the page source the item is, from 1; 0 unknown */
  gboolean is_media;
} TrawlFound;

typedef struct
{
  GPtrArray *items;   /* of TrawlFound */
  char      *next_url;
  char      *title;
  GPtrArray *links;   /* generic mode: same-site links that may lead to media */
  gboolean   has_own_media;  /* generic mode: the page itself embeds a video */
} TrawlListPage;

typedef struct
{
  char      *title;
  GPtrArray *found;         /* per recipe strategy: the URL it found, or "" */
  GPtrArray *generic_media; /* media URLs any page may show */
} TrawlDetailPage;

void             _trawl_found_free             (TrawlFound       *found);
void             _trawl_list_page_free         (TrawlListPage    *page);
void             _trawl_detail_page_free       (TrawlDetailPage  *page);

char            *_trawl_decode_page            (GBytes           *body,
                                                const char       *content_type,
                                                gsize            *length);
htmlDocPtr       _trawl_html_parse             (const char       *text,
                                                gsize             length,
                                                const char       *url);
char            *_trawl_html_base              (htmlDocPtr        doc,
                                                const char       *page_url);
char            *_trawl_html_collapse          (const char       *text);
char            *_trawl_html_xpath_first       (htmlDocPtr        doc,
                                                xmlNodePtr        node,
                                                const char       *expression);
char            *_trawl_html_image_url         (const char       *base,
                                                const char       *value);
guint            _trawl_html_parse_duration    (const char       *text);

TrawlListPage   *_trawl_extract_list           (TrawlRecipe      *recipe,
                                                GBytes           *body,
                                                const char       *content_type,
                                                const char       *url);
char            *_trawl_extract_list_why_none  (TrawlRecipe      *recipe,
                                                GBytes           *body,
                                                const char       *content_type,
                                                const char       *url);
TrawlDetailPage *_trawl_extract_detail         (TrawlRecipe      *recipe,
                                                GBytes           *body,
                                                const char       *content_type,
                                                const char       *url);

void             _trawl_extract_list_async     (TrawlRecipe      *recipe,
                                                GBytes           *body,
                                                const char       *content_type,
                                                const char       *url,
                                                GCancellable     *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer          user_data);
TrawlListPage   *_trawl_extract_list_finish    (GAsyncResult     *result,
                                                GError          **error);
void             _trawl_extract_detail_async   (TrawlRecipe      *recipe,
                                                GBytes           *body,
                                                const char       *content_type,
                                                const char       *url,
                                                GCancellable     *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer          user_data);
TrawlDetailPage *_trawl_extract_detail_finish  (GAsyncResult     *result,
                                                GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlListPage, _trawl_list_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlDetailPage, _trawl_detail_page_free)

G_END_DECLS
