#define G_LOG_DOMAIN "trawl-html"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "trawl-html-private.h"
#include "trawl-recipe-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"
#include "trawl-xml-private.h"

/* Links followed from one generic list page at most. */
#define MAX_GENERIC_LINKS 500

void
_trawl_found_free (TrawlFound *found)
{
  g_free (found->url);
  g_free (found->title);
  g_free (found->id);
  g_free (found->thumbnail);
  g_free (found);
}

void
_trawl_list_page_free (TrawlListPage *page)
{
  g_clear_pointer (&page->items, g_ptr_array_unref);
  g_clear_pointer (&page->links, g_ptr_array_unref);
  g_free (page->next_url);
  g_free (page->title);
  g_free (page);
}

void
_trawl_detail_page_free (TrawlDetailPage *page)
{
  g_free (page->title);
  g_clear_pointer (&page->found, g_ptr_array_unref);
  g_clear_pointer (&page->generic_media, g_ptr_array_unref);
  g_free (page);
}

static char *
normalize_charset (const char *charset)
{
  g_autofree char *lower = g_ascii_strdown (charset, -1);

  g_strstrip (lower);
  /* Pages labelled GB2312 or GBK routinely use characters only GB18030
   * (their superset) has. */
  if (g_str_equal (lower, "gb2312") || g_str_equal (lower, "gbk") ||
      g_str_equal (lower, "x-gbk") || g_str_equal (lower, "gb_2312-80"))
    return g_strdup ("GB18030");
  if (g_str_equal (lower, "utf8"))
    return g_strdup ("UTF-8");

  return g_steal_pointer (&lower);
}

static char *
charset_from_content_type (const char *content_type)
{
  const char *p;
  g_autofree char *value = NULL;

  if (content_type == NULL)
    return NULL;

  p = strstr (content_type, "charset=");
  if (p == NULL)
    return NULL;
  p += strlen ("charset=");
  if (*p == '"' || *p == '\'')
    p++;
  value = g_strndup (p, strcspn (p, "\"'; \t"));

  return *value ? g_steal_pointer (&value) : NULL;
}

static char *
charset_from_meta (const char *data,
                   gsize       length)
{
  static GRegex *meta;
  static gsize initialized;
  g_autoptr(GMatchInfo) info = NULL;

  if (g_once_init_enter (&initialized))
    {
      meta = g_regex_new ("<meta[^>]+charset\\s*=\\s*[\"']?\\s*([A-Za-z0-9_.:-]+)",
                          G_REGEX_CASELESS | G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&initialized, 1);
    }

  /* The declaration must be near the top to count, as in browsers. */
  if (!g_regex_match_full (meta, data, MIN (length, 4096), 0, 0, &info, NULL))
    return NULL;

  return g_match_info_fetch (info, 1);
}

/**
 * _trawl_decode_page:
 *
 * Decodes a page by the charset of its HTTP Content-Type, else its own
 * meta declaration, else as UTF-8; whatever cannot be decoded is replaced
 * rather than failing the page.
 *
 * Returns: (transfer full): NUL-terminated valid UTF-8
 */
char *
_trawl_decode_page (GBytes     *body,
                    const char *content_type,
                    gsize      *length)
{
  gsize size;
  const char *data = g_bytes_get_data (body, &size);
  g_autofree char *declared = charset_from_content_type (content_type);
  g_autofree char *charset = NULL;
  char *text = NULL;

  if (data == NULL)
    data = "";

  if (declared == NULL)
    declared = charset_from_meta (data != NULL ? data : "", size);
  charset = normalize_charset (declared != NULL ? declared : "UTF-8");

  /* A UTF-8 byte order mark settles it. */
  if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      size -= 3;
      g_free (charset);
      charset = g_strdup ("UTF-8");
    }

  if (!g_str_equal (charset, "UTF-8") && !g_str_equal (charset, "utf-8") &&
      !g_str_equal (charset, "us-ascii"))
    {
      gsize written = 0;

      text = g_convert_with_fallback (data, size, "UTF-8", charset, "\xEF\xBF\xBD", NULL,
                                      &written, NULL);
      if (text != NULL && !g_utf8_validate_len (text, written, NULL))
        g_clear_pointer (&text, g_free);
    }

  if (text == NULL)
    text = g_utf8_make_valid (data != NULL ? data : "", size);

  if (length != NULL)
    *length = strlen (text);

  return text;
}

htmlDocPtr
_trawl_html_parse (const char *text,
                   gsize       length,
                   const char *url)
{
  htmlDocPtr doc;

  _trawl_xml_init ();

  /* The text is already UTF-8: a meta charset must not re-decode it. */
  doc = htmlReadMemory (text, (int) MIN (length, G_MAXINT), url, "UTF-8",
                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                        HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
  /* Numbered in document order once, so that sorting a node set is not a
   * walk of the tree per comparison (50,000 cards took minutes). */
  if (doc != NULL)
    xmlXPathOrderDocElems (doc);
  return doc;
}

char *
_trawl_html_collapse (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean space = TRUE;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          if (!space)
            g_string_append_c (out, ' ');
          space = TRUE;
          continue;
        }
      g_string_append_unichar (out, c);
      space = FALSE;
    }

  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Every string an XPath yields from @node: attribute values, the text of
 * elements, or the value of a string expression. */
static GPtrArray *
xpath_strings (htmlDocPtr  doc,
               xmlNodePtr  node,
               const char *expression)
{
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  xmlXPathContextPtr context;
  xmlXPathObjectPtr result;

  if (expression == NULL)
    return strings;

  context = xmlXPathNewContext (doc);
  if (node != NULL)
    context->node = node;
  result = xmlXPathEvalExpression ((const xmlChar *) expression, context);

  if (result != NULL && result->type == XPATH_NODESET && result->nodesetval != NULL)
    {
      for (int i = 0; i < result->nodesetval->nodeNr; i++)
        {
          xmlChar *content = xmlNodeGetContent (result->nodesetval->nodeTab[i]);

          if (content != NULL)
            {
              char *text = _trawl_html_collapse ((const char *) content);

              if (*text)
                g_ptr_array_add (strings, text);
              else
                g_free (text);
            }
          xmlFree (content);
        }
    }
  else if (result != NULL && result->type == XPATH_STRING && result->stringval != NULL &&
           *result->stringval)
    {
      g_ptr_array_add (strings, _trawl_html_collapse ((const char *) result->stringval));
    }

  xmlXPathFreeObject (result);
  xmlXPathFreeContext (context);

  return strings;
}

char *
_trawl_html_xpath_first (htmlDocPtr  doc,
                         xmlNodePtr  node,
                         const char *expression)
{
  g_autoptr(GPtrArray) strings = xpath_strings (doc, node, expression);

  if (strings->len == 0)
    return NULL;

  return g_strdup (g_ptr_array_index (strings, 0));
}

char *
_trawl_html_base (htmlDocPtr  doc,
                  const char *page_url)
{
  g_autofree char *href = _trawl_html_xpath_first (doc, NULL, "(//base/@href)[1]");
  char *base;

  if (href == NULL)
    return g_strdup (page_url);

  base = trawl_uri_resolve (page_url, href, NULL);
  return base != NULL ? base : g_strdup (page_url);
}

/* Undo the escaping a URL picks up inside a script or an attribute. */
static char *
clean_found_url (const char *raw)
{
  g_autoptr(GString) s = g_string_new (raw);

  g_string_replace (s, "\\/", "/", 0);
  g_string_replace (s, "\\u002F", "/", 0);
  g_string_replace (s, "&amp;", "&", 0);

  return g_strstrip (g_string_free (g_steal_pointer (&s), FALSE));
}

static char *
page_title (htmlDocPtr doc)
{
  static const char * const paths[] = {
    "(//meta[@property='og:title']/@content)[1]",
    "(//title)[1]",
    "(//h1)[1]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      char *title = _trawl_html_xpath_first (doc, NULL, paths[i]);

      if (title != NULL)
        return title;
    }

  return NULL;
}

static void
add_unique (GPtrArray  *urls,
            GHashTable *seen,
            char       *url)
{
  if (url == NULL)
    return;

  if (g_hash_table_contains (seen, url))
    {
      g_free (url);
      return;
    }

  g_hash_table_add (seen, g_strdup (url));
  g_ptr_array_add (urls, url);
}

static void
collect_content_urls (JsonNode   *node,
                      GPtrArray  *out)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *child = json_object_get_member (object, l->data);

          if ((g_str_equal (l->data, "contentUrl") || g_str_equal (l->data, "embedUrl")) &&
              JSON_NODE_HOLDS_VALUE (child) && json_node_get_value_type (child) == G_TYPE_STRING)
            {
              if (g_str_equal (l->data, "contentUrl"))
                g_ptr_array_add (out, g_strdup (json_node_get_string (child)));
            }
          else
            collect_content_urls (child, out);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_content_urls (json_array_get_element (array, i), out);
    }
}

/* Media any page may carry, recipe or not, in order of trust: the player's
 * own source, then what the page tells crawlers, then (@with_links) plain
 * links to media files. */
static GPtrArray *
generic_media (htmlDocPtr  doc,
               const char *base,
               gboolean    with_links)
{
  static const char * const paths[] = {
    "//video/@src | //video/source/@src | //audio/@src | //audio/source/@src",
    "//meta[@property='og:video' or @property='og:video:url' or "
    "@property='og:video:secure_url' or @name='og:video' or @name='og:video:url' or "
    "@name='og:video:secure_url']/@content",
  };
  GPtrArray *media = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) scripts = NULL;
  g_autoptr(GPtrArray) code = NULL;
  static GRegex *playlist;
  g_autoptr(GPtrArray) links = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GPtrArray) found = xpath_strings (doc, NULL, paths[i]);

      for (guint j = 0; j < found->len; j++)
        {
          g_autofree char *raw = clean_found_url (g_ptr_array_index (found, j));
          add_unique (media, seen, trawl_uri_resolve (base, raw, NULL));
        }
    }

  scripts = xpath_strings (doc, NULL, "//script[@type='application/ld+json']");
  for (guint i = 0; i < scripts->len; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
      const char *script = g_ptr_array_index (scripts, i);

      if (!_trawl_json_parse (parser, script, strlen (script), NULL))
        continue;
      collect_content_urls (json_parser_get_root (parser), urls);
      for (guint j = 0; j < urls->len; j++)
        add_unique (media, seen, trawl_uri_resolve (base, g_ptr_array_index (urls, j), NULL));
    }

  /* A player set up by a script: an HLS playlist's address in its code. */
  if (g_once_init_enter (&playlist))
    g_once_init_leave (&playlist,
                       g_regex_new ("[\"']([^\"'\\s<>]+?\\.m3u8(?:\\?[^\"'\\s<>]*)?)[\"']",
                                    G_REGEX_OPTIMIZE | G_REGEX_CASELESS, 0, NULL));
  code = xpath_strings (doc, NULL, "//script[not(@type='application/ld+json')]");
  for (guint i = 0; i < code->len; i++)
    {
      g_autoptr(GMatchInfo) info = NULL;

      for (g_regex_match (playlist, g_ptr_array_index (code, i), 0, &info);
           g_match_info_matches (info); g_match_info_next (info, NULL))
        {
          g_autofree char *raw = g_match_info_fetch (info, 1);
          g_autofree char *url = clean_found_url (raw);

          add_unique (media, seen, trawl_uri_resolve (base, url, NULL));
        }
    }

  if (!with_links)
    return media;

  links = xpath_strings (doc, NULL, "//a/@href");
  for (guint i = 0; i < links->len; i++)
    {
      g_autofree char *url = trawl_uri_resolve (base, g_ptr_array_index (links, i), NULL);

      if (url != NULL && trawl_uri_media_extension (url) != NULL)
        add_unique (media, seen, g_steal_pointer (&url));
    }

  return media;
}

/* A player (or what the page tells crawlers), not just links to files. */
static gboolean
page_embeds_media (htmlDocPtr  doc,
                   const char *base)
{
  g_autoptr(GPtrArray) embedded = generic_media (doc, base, FALSE);

  return embedded->len > 0;
}

static void
extract_generic_list (TrawlListPage *page,
                      htmlDocPtr     doc,
                      const char    *url,
                      const char    *base)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *host = trawl_uri_host (url);
  xmlXPathContextPtr context;
  xmlXPathObjectPtr anchors;

  page->has_own_media = page_embeds_media (doc, base);
  if (page->has_own_media)
    return;

  g_hash_table_add (seen, g_strdup (url));

  context = xmlXPathNewContext (doc);
  anchors = xmlXPathEvalExpression ((const xmlChar *) "//a[@href]", context);

  for (int i = 0; anchors != NULL && anchors->nodesetval != NULL &&
       i < anchors->nodesetval->nodeNr; i++)
    {
      xmlNodePtr anchor = anchors->nodesetval->nodeTab[i];
      xmlChar *href = xmlGetProp (anchor, (const xmlChar *) "href");
      g_autofree char *link = trawl_uri_resolve (base, (const char *) href, NULL);
      g_autofree char *link_host = NULL;

      xmlFree (href);
      if (link == NULL || g_hash_table_contains (seen, link))
        continue;
      g_hash_table_add (seen, g_strdup (link));

      if (trawl_uri_media_extension (link) != NULL)
        {
          TrawlFound *found = g_new0 (TrawlFound, 1);
          xmlChar *text = xmlNodeGetContent (anchor);
          g_autofree char *title = _trawl_html_collapse (text ? (const char *) text : "");

          xmlFree (text);
          found->url = g_steal_pointer (&link);
          found->title = *title ? g_steal_pointer (&title) : trawl_uri_file_title (found->url);
          found->is_media = TRUE;
          g_ptr_array_add (page->items, found);
          continue;
        }

      link_host = trawl_uri_host (link);
      if (page->links->len < MAX_GENERIC_LINKS && g_strcmp0 (host, link_host) == 0)
        g_ptr_array_add (page->links, g_steal_pointer (&link));
    }

  xmlXPathFreeObject (anchors);
  xmlXPathFreeContext (context);

  /* A page of direct media links is the board; its other links are
   * navigation. */
  if (page->items->len > 0)
    g_ptr_array_set_size (page->links, 0);
}

/* An image's address from an attribute as pages write it: a plain URL
 * (src, data-src…), or a style with "background-image: url(…)"; only
 * http and https. */
char *
_trawl_html_image_url (const char *base,
                       const char *value)
{
  g_autofree char *inner = NULL;
  const char *start;
  char *url;

  if (value == NULL)
    return NULL;

  start = strstr (value, "url(");
  if (start != NULL)
    {
      const char *end;

      start += strlen ("url(");
      end = strchr (start, ')');
      if (end == NULL)
        return NULL;
      inner = g_strndup (start, end - start);
      g_strstrip (inner);
      /* url("…") and url('…') */
      if (*inner == '"' || *inner == '\'')
        {
          size_t n = strlen (inner);

          if (n < 2 || inner[n - 1] != *inner)
            return NULL;
          memmove (inner, inner + 1, n - 2);
          inner[n - 2] = '\0';
        }
      value = inner;
    }

  url = trawl_uri_resolve (base, value, NULL);
  if (url != NULL && !g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
    g_clear_pointer (&url, g_free);
  return url;
}

/* "3:24", "1:02:03" or "204": seconds, or 0 when it is none of these. */
guint
_trawl_html_parse_duration (const char *text)
{
  g_auto(GStrv) parts = NULL;
  guint64 seconds = 0;
  guint n;

  if (text == NULL)
    return 0;
  parts = g_strsplit (text, ":", -1);
  n = g_strv_length (parts);
  if (n == 0 || n > 3)
    return 0;

  for (guint i = 0; i < n; i++)
    {
      guint64 value;

      g_strstrip (parts[i]);
      if (!g_ascii_string_to_unsigned (parts[i], 10, 0, i == 0 ? G_MAXUINT : 59, &value, NULL))
        return 0;
      seconds = seconds * 60 + value;
    }

  return seconds <= G_MAXUINT ? (guint) seconds : 0;
}

static void
extract_next (TrawlListPage *page,
              TrawlRecipe   *recipe,
              htmlDocPtr     doc,
              const char    *base)
{
  g_autofree char *next = _trawl_html_xpath_first (doc, NULL, recipe->next_xpath);

  if (next != NULL)
    page->next_url = trawl_uri_resolve (base, next, NULL);
}

static void
extract_recipe_list (TrawlListPage *page,
                     TrawlRecipe   *recipe,
                     htmlDocPtr     doc,
                     const char    *base)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlXPathContextPtr context = xmlXPathNewContext (doc);
  xmlXPathObjectPtr nodes = xmlXPathEvalExpression ((const xmlChar *) recipe->items_xpath, context);

  for (int i = 0; nodes != NULL && nodes->type == XPATH_NODESET && nodes->nodesetval != NULL &&
       i < nodes->nodesetval->nodeNr; i++)
    {
      xmlNodePtr node = nodes->nodesetval->nodeTab[i];
      g_autofree char *href = _trawl_html_xpath_first (doc, node, recipe->link_xpath);
      g_autofree char *link = NULL;
      TrawlFound *found;

      if (href == NULL)
        continue;
      link = trawl_uri_resolve (base, href, NULL);
      if (link == NULL || g_hash_table_contains (seen, link))
        continue;
      g_hash_table_add (seen, g_strdup (link));

      found = g_new0 (TrawlFound, 1);
      found->line = (guint) MAX (xmlGetLineNo (node), 0);
      found->title = _trawl_html_xpath_first (doc, node, recipe->title_xpath);
      found->id = trawl_recipe_get_item_id (recipe, link);
      if (recipe->thumbnail_xpath != NULL)
        {
          g_autofree char *image = _trawl_html_xpath_first (doc, node, recipe->thumbnail_xpath);

          found->thumbnail = _trawl_html_image_url (base, image);
        }
      if (recipe->duration_xpath != NULL)
        {
          g_autofree char *duration = _trawl_html_xpath_first (doc, node, recipe->duration_xpath);

          found->duration = _trawl_html_parse_duration (duration);
        }
      found->is_media = trawl_uri_media_extension (link) != NULL;
      found->url = g_steal_pointer (&link);
      g_ptr_array_add (page->items, found);
    }

  xmlXPathFreeObject (nodes);
  xmlXPathFreeContext (context);

  if (recipe->next_xpath != NULL)
    extract_next (page, recipe, doc, base);
}

/* The JSON a Json-Items recipe reads: what Json-Source finds in the page,
 * or the page itself (a "load more" endpoint answering JSON). */
static JsonNode *
list_json (TrawlRecipe *recipe,
           const char  *text,
           JsonParser  *parser,
           guint       *line)
{
  g_autoptr(GMatchInfo) info = NULL;

  *line = 1;
  if (recipe->json_source != NULL && g_regex_match (recipe->json_source, text, 0, &info))
    {
      int start = 0, end = 0;
      gsize length = strlen (text);

      /* With a group, the group; else the literal that starts where the
       * match ends (its brackets counted, whatever follows it). */
      if (g_regex_get_capture_count (recipe->json_source) >= 1)
        g_match_info_fetch_pos (info, 1, &start, &end);
      else
        {
          g_match_info_fetch_pos (info, 0, NULL, &start);
          end = (int) _trawl_json_literal_end (text, length, (gsize) start);
        }
      for (int i = 0; i < start; i++)
        if (text[i] == '\n')
          (*line)++;
      if (start >= 0 && end > start &&
          _trawl_json_parse (parser, text + start, (gsize) (end - start), NULL))
        return json_parser_get_root (parser);
      return NULL;
    }

  if (_trawl_json_parse (parser, text, strlen (text), NULL))
    return json_parser_get_root (parser);

  return NULL;
}

static void
extract_json_list (TrawlListPage *page,
                   TrawlRecipe   *recipe,
                   const char    *text,
                   const char    *base)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint line;
  JsonNode *items = _trawl_json_find (list_json (recipe, text, parser, &line),
                                      recipe->json_items);
  JsonArray *array;

  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    return;

  array = json_node_get_array (items);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *href = _trawl_json_lookup (element, recipe->json_link);
      g_autofree char *link = NULL;
      g_autofree char *image = NULL;
      g_autofree char *duration = NULL;
      TrawlFound *found;

      if (href == NULL || *href == '\0')
        continue;
      link = trawl_uri_resolve (base, href, NULL);
      if (link == NULL || g_hash_table_contains (seen, link))
        continue;
      g_hash_table_add (seen, g_strdup (link));

      found = g_new0 (TrawlFound, 1);
      found->line = line;
      found->title = _trawl_json_lookup (element, recipe->json_title);
      if (found->title != NULL)
        {
          char *collapsed = _trawl_html_collapse (found->title);

          g_free (found->title);
          found->title = collapsed;
        }
      found->id = trawl_recipe_get_item_id (recipe, link);
      image = _trawl_json_lookup (element, recipe->json_thumbnail);
      found->thumbnail = _trawl_html_image_url (base, image);
      duration = _trawl_json_lookup (element, recipe->json_duration);
      found->duration = _trawl_html_parse_duration (duration);
      found->is_media = trawl_uri_media_extension (link) != NULL;
      found->url = g_steal_pointer (&link);
      g_ptr_array_add (page->items, found);
    }
}

TrawlListPage *
_trawl_extract_list (TrawlRecipe *recipe,
                     GBytes      *body,
                     const char  *content_type,
                     const char  *url)
{
  TrawlListPage *page = g_new0 (TrawlListPage, 1);
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  htmlDocPtr doc;
  gsize length;

  page->items = g_ptr_array_new_with_free_func ((GDestroyNotify) _trawl_found_free);
  page->links = g_ptr_array_new_with_free_func (g_free);

  text = _trawl_decode_page (body, content_type, &length);
  doc = _trawl_html_parse (text, length, url);
  if (doc == NULL)
    {
      if (recipe != NULL && recipe->json_items != NULL)
        extract_json_list (page, recipe, text, url);
      return page;
    }

  base = _trawl_html_base (doc, url);
  page->title = page_title (doc);

  if (recipe != NULL && recipe->json_items != NULL)
    {
      extract_json_list (page, recipe, text, base);
      if (recipe->next_xpath != NULL)
        extract_next (page, recipe, doc, base);
    }
  else if (recipe != NULL)
    extract_recipe_list (page, recipe, doc, base);
  else
    extract_generic_list (page, doc, url, base);

  xmlFreeDoc (doc);

  return page;
}

static char *
run_text_strategy (TrawlStrategy *strategy,
                   htmlDocPtr     doc,
                   const char    *text,
                   const char    *base)
{
  g_autofree char *raw = NULL;
  g_autofree char *clean = NULL;

  if (strategy->kind == TRAWL_STRATEGY_REGEX)
    {
      g_autoptr(GMatchInfo) info = NULL;

      if (g_regex_match (strategy->regex, text, 0, &info))
        {
          raw = g_match_info_fetch_named (info, "url");
          if (raw == NULL || *raw == '\0')
            {
              g_free (raw);
              raw = g_match_info_fetch (info, 1);
            }
        }
    }
  else if (strategy->kind == TRAWL_STRATEGY_XPATH)
    raw = _trawl_html_xpath_first (doc, NULL, strategy->xpath);

  if (raw == NULL || *raw == '\0')
    return NULL;

  clean = clean_found_url (raw);

  /* Resolution happens after any rewrite, on the main side; keep relative
   * results relative to this page for now. */
  return trawl_uri_resolve (base, clean, NULL);
}

TrawlDetailPage *
_trawl_extract_detail (TrawlRecipe *recipe,
                       GBytes      *body,
                       const char  *content_type,
                       const char  *url)
{
  TrawlDetailPage *page = g_new0 (TrawlDetailPage, 1);
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  htmlDocPtr doc;
  gsize length;

  page->found = g_ptr_array_new_with_free_func (g_free);

  text = _trawl_decode_page (body, content_type, &length);
  doc = _trawl_html_parse (text, length, url);
  base = doc != NULL ? _trawl_html_base (doc, url) : g_strdup (url);

  if (recipe != NULL)
    {
      for (guint i = 0; i < recipe->strategies->len; i++)
        {
          TrawlStrategy *strategy = g_ptr_array_index (recipe->strategies, i);
          char *found = NULL;

          if (strategy->kind != TRAWL_STRATEGY_API && (doc != NULL || strategy->regex != NULL))
            found = run_text_strategy (strategy, doc, text, base);
          g_ptr_array_add (page->found, found != NULL ? found : g_strdup (""));
        }

      if (doc != NULL && recipe->detail_title_xpath != NULL)
        page->title = _trawl_html_xpath_first (doc, NULL, recipe->detail_title_xpath);
    }

  if (doc != NULL)
    {
      if (page->title == NULL)
        page->title = page_title (doc);
      page->generic_media = generic_media (doc, base, TRUE);
      xmlFreeDoc (doc);
    }
  else
    page->generic_media = g_ptr_array_new_with_free_func (g_free);

  return page;
}

typedef struct
{
  TrawlRecipe *recipe;
  GBytes      *body;
  char        *content_type;
  char        *url;
} ExtractJob;

static void
extract_job_free (ExtractJob *job)
{
  g_clear_object (&job->recipe);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_free (job->content_type);
  g_free (job->url);
  g_free (job);
}

static ExtractJob *
extract_job_new (TrawlRecipe *recipe,
                 GBytes      *body,
                 const char  *content_type,
                 const char  *url)
{
  ExtractJob *job = g_new0 (ExtractJob, 1);

  job->recipe = recipe != NULL ? g_object_ref (recipe) : NULL;
  job->body = g_bytes_ref (body);
  job->content_type = g_strdup (content_type);
  job->url = g_strdup (url);

  return job;
}

static void
extract_list_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ExtractJob *job = task_data;
  TrawlListPage *page = _trawl_extract_list (job->recipe, job->body, job->content_type, job->url);

  g_task_return_pointer (task, page, (GDestroyNotify) _trawl_list_page_free);
}

static void
extract_detail_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ExtractJob *job = task_data;
  TrawlDetailPage *page = _trawl_extract_detail (job->recipe, job->body, job->content_type,
                                                 job->url);

  g_task_return_pointer (task, page, (GDestroyNotify) _trawl_detail_page_free);
}

/* Parsing a big page takes milliseconds, so it runs on a worker and the
 * main loop keeps serving downloads (and, in the app, frames). */
void
_trawl_extract_list_async (TrawlRecipe         *recipe,
                           GBytes              *body,
                           const char          *content_type,
                           const char          *url,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _trawl_extract_list_async);
  /* Before the detail pages waiting for a worker thread: the next list
   * page waits for this one. */
  g_task_set_priority (task, G_PRIORITY_HIGH);
  g_task_set_task_data (task, extract_job_new (recipe, body, content_type, url),
                        (GDestroyNotify) extract_job_free);
  g_task_run_in_thread (task, extract_list_thread);
}

TrawlListPage *
_trawl_extract_list_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_trawl_extract_detail_async (TrawlRecipe         *recipe,
                             GBytes              *body,
                             const char          *content_type,
                             const char          *url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _trawl_extract_detail_async);
  g_task_set_task_data (task, extract_job_new (recipe, body, content_type, url),
                        (GDestroyNotify) extract_job_free);
  g_task_run_in_thread (task, extract_detail_thread);
}

TrawlDetailPage *
_trawl_extract_detail_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * _trawl_extract_list_why_none:
 *
 * Why @recipe finds no item on a page: which step of it came up empty,
 * for the recipe editor and trawl-cli --try-recipe.
 *
 * Returns: (transfer full): the reason
 */
char *
_trawl_extract_list_why_none (TrawlRecipe *recipe,
                              GBytes      *body,
                              const char  *content_type,
                              const char  *url)
{
  gsize length;
  g_autofree char *text = _trawl_decode_page (body, content_type, &length);
  htmlDocPtr doc;
  char *why;

  if (recipe->json_items != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      guint line;
      JsonNode *root;
      JsonNode *items;

      if (recipe->json_source != NULL && !g_regex_match (recipe->json_source, text, 0, NULL))
        return g_strdup (_("Json-Source matches nothing on the page, and the page is no JSON"));
      root = list_json (recipe, text, parser, &line);
      if (root == NULL)
        return g_strdup (_("the JSON there could not be read"));
      items = _trawl_json_find (root, recipe->json_items);
      if (items == NULL)
        return g_strdup_printf (_("the JSON has nothing at %s"), recipe->json_items);
      if (!JSON_NODE_HOLDS_ARRAY (items))
        return g_strdup_printf (_("%s is no list in the JSON"), recipe->json_items);
      return g_strdup_printf (_("no item of %s has anything at %s"), recipe->json_items,
                              recipe->json_link);
    }

  doc = _trawl_html_parse (text, length, url);
  if (doc == NULL)
    return g_strdup (_("the page could not be read"));
  {
    xmlXPathContextPtr context = xmlXPathNewContext (doc);
    xmlXPathObjectPtr nodes = xmlXPathEvalExpression ((const xmlChar *) recipe->items_xpath,
                                                      context);
    int n = nodes != NULL && nodes->type == XPATH_NODESET && nodes->nodesetval != NULL
            ? nodes->nodesetval->nodeNr : 0;

    if (n == 0)
      why = g_strdup (_("Items matches nothing on the page"));
    else
      why = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Items matches %d element, but Link finds no link in it",
                                          "Items matches %d elements, but Link finds no link in "
                                          "them", n), n);
    xmlXPathFreeObject (nodes);
    xmlXPathFreeContext (context);
  }
  xmlFreeDoc (doc);
  return why;
}
