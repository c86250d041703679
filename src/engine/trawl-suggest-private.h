#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the list page alone suggests: the [Recipe] and [List] groups. */
typedef struct
{
  GString *text;        /* the groups, as key-file text */
  char    *first_link;  /* the first item's detail page, to suggest [Media] from */
  guint    items;       /* how many items the suggestion finds */
} TrawlListSuggestion;

void  _trawl_list_suggestion_free (TrawlListSuggestion *suggestion);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlListSuggestion, _trawl_list_suggestion_free)

TrawlListSuggestion *_trawl_suggest_list   (const char *text,
                                            gsize       length,
                                            const char *url,
                                            const char *board_url);
char                *_trawl_suggest_detail (const char *text,
                                            gsize       length,
                                            const char *url);

G_END_DECLS
