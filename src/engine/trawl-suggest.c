#define G_LOG_DOMAIN "trawl-suggest"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libxml/xpath.h>
#include <string.h>

#include "trawl-html-private.h"
#include "trawl-recipe-private.h"
#include "trawl-suggest-private.h"
#include "trawl-uri.h"
#include "trawl-util-private.h"

/* A recipe to start from, guessed from the pages alone. On the list page
 * the items are the largest group of like siblings (same tag, same class)
 * that each carry a link, most often with an image and some text; or the
 * largest array of objects with links in a script's JSON. On a detail
 * page, the first of the generic places a video is found in. */

#define MIN_GROUP 2

void
_trawl_list_suggestion_free (TrawlListSuggestion *suggestion)
{
  if (suggestion->text != NULL)
    g_string_free (suggestion->text, TRUE);
  g_free (suggestion->first_link);
  g_free (suggestion);
}

static xmlXPathObjectPtr
eval (xmlDocPtr   doc,
      xmlNodePtr  node,
      const char *expression)
{
  xmlXPathContextPtr context = xmlXPathNewContext (doc);
  xmlXPathObjectPtr result;

  if (node != NULL)
    context->node = node;
  result = xmlXPathEvalExpression ((const xmlChar *) expression, context);
  xmlXPathFreeContext (context);

  if (result != NULL && (result->type != XPATH_NODESET || result->nodesetval == NULL))
    g_clear_pointer (&result, xmlXPathFreeObject);
  return result;
}

static guint
count_nodes (xmlDocPtr   doc,
             xmlNodePtr  node,
             const char *expression)
{
  xmlXPathObjectPtr result = eval (doc, node, expression);
  guint n = result != NULL ? (guint) result->nodesetval->nodeNr : 0;

  xmlXPathFreeObject (result);
  return n;
}

static gboolean
is_element (xmlNodePtr node,
            const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE &&
         (name == NULL || g_ascii_strcasecmp ((const char *) node->name, name) == 0);
}

/* An element's name as a step of an XPath: itself when XPath can say it,
 * else by name() ("s:", "x:card" would need a namespace). */
static char *
step_name (xmlNodePtr node)
{
  const char *name = (const char *) node->name;
  gboolean plain = g_ascii_isalpha (*name) || *name == '_';

  for (const char *p = name; plain && *p != '\0'; p++)
    plain = g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '.';
  if (plain)
    return g_strdup (name);
  if (strchr (name, '\'') == NULL)
    return g_strdup_printf ("*[name()='%s']", name);
  return g_strdup ("*");
}

static char *
get_attr (xmlNodePtr  node,
          const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy = value != NULL ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return copy;
}

static char *
node_text (xmlNodePtr node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text = _trawl_html_collapse (content != NULL ? (const char *) content : "");

  xmlFree (content);
  return text;
}

/* The class attribute's words; an empty vector without one. */
static GStrv
class_words (xmlNodePtr node)
{
  g_autofree char *value = get_attr (node, "class");
  g_autofree char *collapsed = _trawl_html_collapse (value != NULL ? value : "");

  if (*collapsed == '\0')
    return g_new0 (char *, 1);
  return g_strsplit (collapsed, " ", -1);
}

/* A word safe to put between quotes in an XPath, on one line of a key
 * file: no quote, no line break or other control character (an id may
 * hold anything; found by the fuzzer). */
static gboolean
quotable (const char *word)
{
  if (word == NULL || *word == '\0')
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    if (*p == '\'' || (guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
collect_anchors (xmlNodePtr  node,
                 GPtrArray  *anchors)
{
  if (is_element (node, "a"))
    {
      g_autofree char *href = get_attr (node, "href");

      if (href != NULL && *href != '\0' && *href != '#' &&
          g_ascii_strncasecmp (href, "javascript:", 11) != 0)
        g_ptr_array_add (anchors, node);
    }
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      collect_anchors (child, anchors);
}

static xmlNodePtr
find_descendant (xmlNodePtr  node,
                 const char *name)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      xmlNodePtr found;

      if (is_element (child, name))
        return child;
      if (child->type == XML_ELEMENT_NODE && (found = find_descendant (child, name)) != NULL)
        return found;
    }
  return NULL;
}

/* How likely a group of like siblings is the list of videos: each member
 * with a link counts, more with an image and with text, and the group
 * counts less when its members link to the same few places. */
static double
group_score (GPtrArray *members)
{
  g_autoptr(GHashTable) hrefs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  double score = 0;
  guint linked = 0;

  for (guint i = 0; i < members->len; i++)
    {
      xmlNodePtr member = g_ptr_array_index (members, i);
      g_autoptr(GPtrArray) anchors = g_ptr_array_new ();
      g_autofree char *text = NULL;
      g_autofree char *style = get_attr (member, "style");

      collect_anchors (member, anchors);
      if (anchors->len == 0)
        continue;
      linked++;
      g_hash_table_add (hrefs, get_attr (g_ptr_array_index (anchors, 0), "href"));
      text = node_text (member);
      score += 1 + MIN (g_utf8_strlen (text, -1), 40) / 20.0;
      if (find_descendant (member, "img") != NULL || is_element (member, "img") ||
          (style != NULL && strstr (style, "url(") != NULL))
        score += 1;
    }

  if (linked < MIN_GROUP)
    return 0;
  return score * g_hash_table_size (hrefs) / linked;
}

typedef struct
{
  GPtrArray  *members;  /* of xmlNodePtr, the best group found so far */
  double      score;
} Best;

static void
find_groups (xmlNodePtr  node,
             Best       *best)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  GPtrArray *members;

  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *klass = NULL;
      g_autofree char *words = NULL;
      char *key;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      find_groups (child, best);

      klass = get_attr (child, "class");
      words = _trawl_html_collapse (klass != NULL ? klass : "");
      key = g_strdup_printf ("%s.%s", (const char *) child->name, words);
      members = g_hash_table_lookup (groups, key);
      if (members == NULL)
        {
          members = g_ptr_array_new ();
          g_hash_table_insert (groups, key, members);
        }
      else
        g_free (key);
      g_ptr_array_add (members, child);
    }

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &members))
    {
      double score;

      if (members->len < MIN_GROUP)
        continue;
      score = group_score (members);
      if (score > best->score)
        {
          g_clear_pointer (&best->members, g_ptr_array_unref);
          best->members = g_ptr_array_ref (members);
          best->score = score;
        }
    }
}

/* Whether @expression selects every member (@members as a set) and
 * nothing else with a link. */
static gboolean
selects_group (xmlDocPtr   doc,
               const char *expression,
               GHashTable *members)
{
  xmlXPathObjectPtr result = eval (doc, NULL, expression);
  guint matched = 0;
  gboolean clean = result != NULL;

  for (int i = 0; clean && i < result->nodesetval->nodeNr; i++)
    {
      xmlNodePtr node = result->nodesetval->nodeTab[i];

      if (g_hash_table_contains (members, node))
        matched++;
      else
        {
          g_autoptr(GPtrArray) anchors = g_ptr_array_new ();

          collect_anchors (node, anchors);
          clean = anchors->len == 0;
        }
    }

  xmlXPathFreeObject (result);
  return clean && matched == g_hash_table_size (members);
}

/* Whether @word is only ever a whole class word on the page: then
 * contains(@class, …) reads well and selects the same; otherwise ("i" in
 * "sidebar-link") the word must be matched whole. */
static gboolean
word_stands_alone (xmlDocPtr   doc,
                   const char *word)
{
  g_autofree char *within = g_strdup_printf ("//*[contains(@class, '%s')]", word);
  g_autofree char *whole = g_strdup_printf ("//*[contains(concat(' ', normalize-space(@class), "
                                            "' '), ' %s ')]", word);

  return strlen (word) >= 4 && count_nodes (doc, NULL, within) == count_nodes (doc, NULL, whole);
}

/* The element's steps from the root, with positions where a tag repeats:
 * always exact, used when nothing shorter is. */
static char *
absolute_path (xmlNodePtr node)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) path = g_string_new (NULL);

  for (; is_element (node, NULL); node = node->parent)
    {
      guint position = 1, same = 0;

      for (xmlNodePtr other = node->parent != NULL ? node->parent->children : NULL;
           other != NULL; other = other->next)
        {
          if (!is_element (other, (const char *) node->name))
            continue;
          same++;
          if (other == node)
            position = same;
        }
      g_autofree char *step = step_name (node);

      g_ptr_array_insert (steps, 0, same > 1 ? g_strdup_printf ("%s[%u]", step, position)
                                            : g_strdup (step));
    }

  for (guint i = 0; i < steps->len; i++)
    g_string_append_printf (path, "/%s", (const char *) g_ptr_array_index (steps, i));
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/* A readable XPath for the group: by the members' class, by their
 * parent's id or class, or else by the parent's place in the page. */
static char *
items_xpath (xmlDocPtr  doc,
             GPtrArray *members)
{
  xmlNodePtr first = g_ptr_array_index (members, 0);
  xmlNodePtr parent = first->parent;
  g_autofree char *tag = step_name (first);
  g_autofree char *parent_tag = step_name (parent);
  g_auto(GStrv) words = class_words (first);
  g_auto(GStrv) parent_words = class_words (parent);
  g_autofree char *parent_id = get_attr (parent, "id");
  g_autofree char *parent_path = NULL;
  g_autoptr(GHashTable) set = g_hash_table_new (NULL, NULL);
  char *candidate;

  for (guint i = 0; i < members->len; i++)
    g_hash_table_add (set, g_ptr_array_index (members, i));

  /* A few words are enough: each candidate is a walk over the page. */
  for (guint i = 0; words[i] != NULL && i < 4; i++)
    {
      if (!quotable (words[i]))
        continue;
      if (word_stands_alone (doc, words[i]))
        candidate = g_strdup_printf ("//%s[contains(@class, '%s')]", tag, words[i]);
      else
        candidate = g_strdup_printf ("//%s[contains(concat(' ', normalize-space(@class), ' '), "
                                     "' %s ')]", tag, words[i]);
      if (selects_group (doc, candidate, set))
        return candidate;
      g_free (candidate);
    }

  if (quotable (parent_id))
    {
      candidate = g_strdup_printf ("//*[@id='%s']/%s", parent_id, tag);
      if (selects_group (doc, candidate, set))
        return candidate;
      g_free (candidate);
    }

  for (guint i = 0; parent_words[i] != NULL && i < 4; i++)
    {
      if (!quotable (parent_words[i]))
        continue;
      candidate = g_strdup_printf ("//%s[contains(@class, '%s')]/%s", parent_tag,
                                   parent_words[i], tag);
      if (selects_group (doc, candidate, set))
        return candidate;
      g_free (candidate);
    }

  parent_path = absolute_path (parent);
  return g_strdup_printf ("%s/%s", parent_path, tag);
}

/* The path from @member to @node below it, by class where that is unique
 * within the member, else by tag (the first such). */
static char *
relative_path (xmlNodePtr member,
               xmlNodePtr node)
{
  g_auto(GStrv) words = NULL;
  g_autofree char *step = NULL;

  if (node == member)
    return g_strdup (".");

  step = step_name (node);
  words = class_words (node);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *candidate = NULL;

      if (!quotable (words[i]))
        continue;
      candidate = g_strdup_printf (".//%s[contains(@class, '%s')]", step, words[i]);
      if (count_nodes (member->doc, member, candidate) == 1)
        return g_steal_pointer (&candidate);
    }

  return g_strdup_printf (".//%s", step);
}

/* The anchor of each member that leads somewhere different for each: the
 * title link, not the author's or the tag's. */
static xmlNodePtr
pick_link (GPtrArray  *members,
           xmlNodePtr  first,
           guint      *position)
{
  g_autoptr(GPtrArray) first_anchors = g_ptr_array_new ();

  collect_anchors (first, first_anchors);
  for (guint k = 0; k < MIN (first_anchors->len, 4); k++)
    {
      g_autoptr(GHashTable) hrefs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint with = 0;

      for (guint i = 0; i < members->len; i++)
        {
          g_autoptr(GPtrArray) anchors = g_ptr_array_new ();

          collect_anchors (g_ptr_array_index (members, i), anchors);
          if (k < anchors->len)
            {
              with++;
              g_hash_table_add (hrefs, get_attr (g_ptr_array_index (anchors, k), "href"));
            }
        }
      if (with > 0 && g_hash_table_size (hrefs) * 10 >= with * 8)
        {
          *position = k;
          return g_ptr_array_index (first_anchors, k);
        }
    }

  *position = 0;
  return first_anchors->len > 0 ? g_ptr_array_index (first_anchors, 0) : NULL;
}

static char *
link_xpath (xmlNodePtr member,
            xmlNodePtr anchor,
            guint      position)
{
  g_autofree char *path = relative_path (member, anchor);

  if (g_str_equal (path, ".//a") && position > 0)
    return g_strdup_printf ("(.//a[@href])[%u]/@href", position + 1);
  return g_strdup_printf ("%s/@href", path);
}

static gboolean
word_says (const char *words,
           const char *what)
{
  g_autofree char *lower = g_ascii_strdown (words != NULL ? words : "", -1);

  return strstr (lower, what) != NULL;
}

static xmlNodePtr
find_titled (xmlNodePtr node)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *klass = NULL;
      g_autofree char *text = NULL;
      xmlNodePtr found;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      klass = get_attr (child, "class");
      text = node_text (child);
      if (*text != '\0' && (word_says (klass, "title") || word_says (klass, "name") ||
                            (child->name[0] == 'h' && g_ascii_isdigit (child->name[1]) &&
                             child->name[2] == '\0')))
        return child;
      if ((found = find_titled (child)) != NULL)
        return found;
    }
  return NULL;
}

static char *
title_xpath (xmlNodePtr member,
             xmlNodePtr anchor,
             const char *link)
{
  xmlNodePtr titled = find_titled (member);
  g_autofree char *text = NULL;
  g_autofree char *attribute = NULL;
  xmlNodePtr image;

  if (titled != NULL)
    return relative_path (member, titled);

  text = anchor != NULL ? node_text (anchor) : NULL;
  if (text != NULL && *text != '\0')
    return g_strndup (link, strlen (link) - strlen ("/@href"));

  attribute = anchor != NULL ? get_attr (anchor, "title") : NULL;
  if (attribute != NULL && *attribute != '\0')
    return g_strdup_printf ("%.*s/@title", (int) (strlen (link) - strlen ("/@href")), link);

  image = find_descendant (member, "img");
  g_clear_pointer (&attribute, g_free);
  attribute = image != NULL ? get_attr (image, "alt") : NULL;
  if (attribute != NULL && *attribute != '\0')
    return g_strdup (".//img/@alt");

  return NULL;
}

static char *
thumbnail_xpath (xmlNodePtr member)
{
  static const char * const attributes[] = { "data-src", "data-original", "data-lazy-src", "src" };
  xmlNodePtr image = is_element (member, "img") ? member : find_descendant (member, "img");
  xmlXPathObjectPtr styled;
  char *path = NULL;

  if (image != NULL)
    {
      g_autofree char *where = relative_path (member, image);

      for (guint i = 0; i < G_N_ELEMENTS (attributes); i++)
        {
          g_autofree char *value = get_attr (image, attributes[i]);

          if (value != NULL && *value != '\0' && !g_str_has_prefix (value, "data:"))
            return g_strdup_printf ("%s/@%s", where, attributes[i]);
        }
    }

  styled = eval (member->doc, member, ".//*[contains(@style, 'url(')]");
  if (styled != NULL && styled->nodesetval->nodeNr > 0)
    {
      g_autofree char *where = relative_path (member, styled->nodesetval->nodeTab[0]);

      path = g_strdup_printf ("%s/@style", where);
    }
  xmlXPathFreeObject (styled);
  return path;
}

static char *
duration_xpath (xmlNodePtr member)
{
  xmlXPathObjectPtr leaves = eval (member->doc, member, ".//*[not(*)]");
  char *path = NULL;

  for (int i = 0; leaves != NULL && path == NULL && i < leaves->nodesetval->nodeNr; i++)
    {
      xmlNodePtr leaf = leaves->nodesetval->nodeTab[i];
      g_autofree char *text = node_text (leaf);

      if (g_regex_match_simple ("^[0-9]{1,2}(:[0-9]{2}){1,2}$", text, 0, 0))
        {
          path = relative_path (member, leaf);
          /* A cell is known by its column. */
          if (g_str_equal (path, ".//td") && leaf->parent == member)
            {
              guint column = 0;

              for (xmlNodePtr cell = member->children; cell != NULL; cell = cell->next)
                if (is_element (cell, "td"))
                  {
                    column++;
                    if (cell == leaf)
                      break;
                  }
              g_free (path);
              path = g_strdup_printf ("td[%u]", column);
            }
        }
    }

  xmlXPathFreeObject (leaves);
  return path;
}

/* "watch/(\d+)" when every link carries a number there, each different. */
static char *
item_id_pattern (GPtrArray *links)
{
  g_autoptr(GRegex) last_number = g_regex_new ("([A-Za-z_/=-]{1,12})([0-9]+)[^0-9]*$", 0, 0, NULL);
  g_autoptr(GMatchInfo) info = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prefix = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GRegex) check = NULL;

  if (links->len == 0 || !g_regex_match (last_number, g_ptr_array_index (links, 0), 0, &info))
    return NULL;
  prefix = g_match_info_fetch (info, 1);
  escaped = g_regex_escape_string (prefix, -1);
  pattern = g_strdup_printf ("%s([0-9]+)", escaped);
  check = g_regex_new (pattern, 0, 0, NULL);

  for (guint i = 0; i < links->len; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (!g_regex_match (check, g_ptr_array_index (links, i), 0, &match))
        return NULL;
      g_hash_table_add (ids, g_match_info_fetch (match, 1));
    }

  return g_hash_table_size (ids) == links->len ? g_steal_pointer (&pattern) : NULL;
}

/* Words links to the next page carry, in the languages boards are in. */
static gboolean
says_next (const char *text)
{
  static const char * const words[] = {
    "next", "nextpage", "older", "more", "下一页", "下页", "下一頁", "后页", "次へ", "다음",
  };
  g_autoptr(GString) bare = g_string_new (NULL);
  g_autofree char *lower = g_utf8_strdown (text, -1);
  gboolean arrows = FALSE;

  for (const char *p = lower; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x203A || c == 0x00BB || c == '>' || c == 0x2192)
        arrows = TRUE;
      else if (!g_unichar_isspace (c) && c != 0x00A0)
        g_string_append_unichar (bare, c);
    }

  if (bare->len == 0)
    return arrows;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (bare->str, words[i]))
      return TRUE;
  return FALSE;
}

static char *
next_by_link (xmlDocPtr doc)
{
  xmlXPathObjectPtr anchors;
  char *path = NULL;

  if (count_nodes (doc, NULL, "//link[@rel='next'][@href]") > 0)
    return g_strdup ("//link[@rel='next']/@href");
  if (count_nodes (doc, NULL, "//a[@rel='next'][@href]") > 0)
    return g_strdup ("//a[@rel='next']/@href");

  anchors = eval (doc, NULL, "//a[@href]");
  for (int i = 0; anchors != NULL && path == NULL && i < anchors->nodesetval->nodeNr; i++)
    {
      xmlNodePtr anchor = anchors->nodesetval->nodeTab[i];
      g_autofree char *text = node_text (anchor);
      g_auto(GStrv) words = NULL;

      if (!says_next (text))
        continue;
      words = class_words (anchor);
      for (guint j = 0; path == NULL && words[j] != NULL; j++)
        {
          g_autofree char *candidate = NULL;

          if (!quotable (words[j]) || !word_says (words[j], "next"))
            continue;
          candidate = g_strdup_printf ("//a[contains(@class, '%s')]", words[j]);
          if (count_nodes (doc, NULL, candidate) == 1)
            path = g_strdup_printf ("%s/@href", candidate);
        }
      if (path == NULL && quotable (text) && *text != '\0')
        path = g_strdup_printf ("//a[normalize-space()='%s']/@href", text);
    }

  xmlXPathFreeObject (anchors);
  return path;
}

/* A "load more" button whose data attribute holds the next page's URL. */
static char *
next_by_button (xmlDocPtr doc)
{
  static const char * const attributes[] = { "data-href", "data-url", "data-next", "data-src" };

  for (guint i = 0; i < G_N_ELEMENTS (attributes); i++)
    {
      g_autofree char *any = g_strdup_printf ("//*[@%s]", attributes[i]);
      xmlXPathObjectPtr nodes = eval (doc, NULL, any);
      char *path = NULL;

      for (int j = 0; nodes != NULL && path == NULL && j < nodes->nodesetval->nodeNr; j++)
        {
          xmlNodePtr node = nodes->nodesetval->nodeTab[j];
          g_autofree char *klass = get_attr (node, "class");
          g_autofree char *text = node_text (node);
          g_auto(GStrv) words = class_words (node);
          g_autofree char *step = step_name (node);

          if (!word_says (klass, "more") && !word_says (text, "more") &&
              !word_says (klass, "next") && strstr (text, "更多") == NULL)
            continue;
          for (guint k = 0; path == NULL && words[k] != NULL; k++)
            if (quotable (words[k]) &&
                (word_says (words[k], "more") || word_says (words[k], "next")))
              path = g_strdup_printf ("//%s[contains(@class, '%s')]/@%s", step, words[k],
                                      attributes[i]);
          if (path == NULL)
            path = g_strdup_printf ("//%s[@%s]/@%s", step, attributes[i], attributes[i]);
        }

      xmlXPathFreeObject (nodes);
      if (path != NULL)
        return path;
    }

  return NULL;
}

/* Page numbers in the links ("?page=2", "/page/2"): a Page-Url. */
static void
append_page_numbers (GString   *text,
                     xmlDocPtr  doc,
                     const char *base)
{
  g_autoptr(GRegex) number = g_regex_new ("([?&](?:page|p|pg|pn)=|/page/)2(?=$|[&/#])",
                                          G_REGEX_CASELESS, 0, NULL);
  xmlXPathObjectPtr anchors = eval (doc, NULL, "//a[@href]");

  for (int i = 0; anchors != NULL && i < anchors->nodesetval->nodeNr; i++)
    {
      g_autofree char *href = get_attr (anchors->nodesetval->nodeTab[i], "href");
      g_autofree char *url = trawl_uri_resolve (base, href, NULL);
      g_autofree char *with_start = NULL;

      if (url == NULL || !g_regex_match (number, url, 0, NULL))
        continue;
      with_start = g_regex_replace (number, url, -1, 0, "\\1{start}", 0, NULL);
      g_string_append_printf (text, "Page-Url=%s\nPage-Start=2\nPage-Step=1\n", with_start);
      break;
    }

  xmlXPathFreeObject (anchors);
}

static void
append_pagination (GString    *text,
                   xmlDocPtr   doc,
                   const char *base)
{
  g_autofree char *next = next_by_link (doc);

  if (next == NULL)
    next = next_by_button (doc);
  if (next != NULL)
    g_string_append_printf (text, "Next=%s\n", next);
  else
    append_page_numbers (text, doc, base);
}

/* A recipe name from the address: its host and the words of its path
 * ("example.com-videos-latest"), in the letters a name may use. */
static char *
recipe_name (const char *authority,
             const char *path)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  /* An IPv6 host: its digits, with "-" for ":". */
  if (*authority == '[')
    {
      g_string_append (name, "ip6");
      for (const char *p = authority + 1; *p != '\0' && *p != ']'; p++)
        if (g_ascii_isalnum (*p) || (*p == ':' && name->str[name->len - 1] != '-'))
          g_string_append_c (name, g_ascii_isalnum (*p) ? *p : '-');
    }
  for (const char *p = authority; *authority != '[' && *p != '\0' && *p != ':'; p++)
    if (g_ascii_isalnum (*p) || *p == '-' || *p == '.')
      g_string_append_c (name, *p);
  if (g_str_has_prefix (name->str, "www."))
    g_string_erase (name, 0, 4);

  /* Words, not numbers: a board's sibling boards share the recipe. */
  for (guint i = 0; parts[i] != NULL && name->len < 48; i++)
    {
      g_autoptr(GString) word = g_string_new (NULL);
      gboolean digits = FALSE;

      for (const char *p = parts[i]; *p != '\0' && *p != '?' && *p != '#'; p++)
        {
          if (g_ascii_isdigit (*p))
            digits = TRUE;
          if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
            g_string_append_c (word, g_ascii_tolower (*p));
        }
      if (word->len > 0 && !digits)
        g_string_append_printf (name, "%s%s", name->len > 0 ? "-" : "", word->str);
    }

  if (name->len == 0)
    g_string_assign (name, "site");
  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* [Recipe] for the board at @url, exactly as it was given (before any
 * redirect, with its encoding): Match is tried on that string, without
 * its scheme. */
static void
append_recipe_group (GString    *text,
                     const char *url,
                     const char *title,
                     const char *item_id)
{
  const char *rest = strstr (url, "://");
  const char *slash;
  g_autofree char *authority = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped_authority = NULL;
  g_autofree char *escaped_path = NULL;
  g_autofree char *name = NULL;
  const char *last;
  gsize keep;

  rest = rest != NULL ? rest + 3 : url;
  slash = strchr (rest, '/');
  authority = slash != NULL ? g_strndup (rest, slash - rest) : g_strdup (rest);
  if (strchr (authority, '@') != NULL)
    memmove (authority, strchr (authority, '@') + 1, strlen (strchr (authority, '@') + 1) + 1);
  if (g_str_has_prefix (authority, "www."))
    memmove (authority, authority + 4, strlen (authority + 4) + 1);
  path = g_strdup (slash != NULL ? slash : "/");
  path[strcspn (path, "?#")] = '\0';

  /* A last part with a number in it (category_5, page/2) is one board of
   * many: the recipe is for the folder; a last word (latest) is kept. */
  last = strrchr (path, '/');
  keep = last - path + 1;
  if (strpbrk (last + 1, "0123456789") == NULL)
    keep = strlen (path);
  path[keep] = '\0';

  escaped_authority = g_regex_escape_string (authority, -1);
  escaped_path = g_regex_escape_string (path, -1);
  name = recipe_name (authority, path);
  g_string_append_printf (text, "[Recipe]\nName=%s\nTitle=%s\nMatch=^(www\\.)?%s%s\n", name,
                          title != NULL && *title != '\0' ? title : name, escaped_authority,
                          escaped_path);
  if (item_id != NULL)
    g_string_append_printf (text, "Item-Id=%s\n", item_id);
}

/* The first member with a link: a table's heading row has none. */
static xmlNodePtr
first_linked (GPtrArray *members)
{
  for (guint i = 0; i < members->len; i++)
    {
      g_autoptr(GPtrArray) anchors = g_ptr_array_new ();

      collect_anchors (g_ptr_array_index (members, i), anchors);
      if (anchors->len > 0)
        return g_ptr_array_index (members, i);
    }
  g_assert_not_reached ();
}

static TrawlListSuggestion *
suggest_from_group (xmlDocPtr   doc,
                    GPtrArray  *members,
                    const char *url,
                    const char *base)
{
  TrawlListSuggestion *suggestion = g_new0 (TrawlListSuggestion, 1);
  xmlNodePtr first = first_linked (members);
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *items = items_xpath (doc, members);
  g_autofree char *link = NULL;
  g_autofree char *title = NULL;
  g_autofree char *thumbnail = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *page_title = NULL;
  guint position;
  xmlNodePtr anchor = pick_link (members, first, &position);

  link = link_xpath (first, anchor, position);
  for (guint i = 0; i < members->len; i++)
    {
      g_autofree char *href = _trawl_html_xpath_first (doc, g_ptr_array_index (members, i), link);
      char *resolved = href != NULL ? trawl_uri_resolve (base, href, NULL) : NULL;

      if (resolved != NULL)
        g_ptr_array_add (links, resolved);
    }

  title = title_xpath (first, anchor, link);
  thumbnail = thumbnail_xpath (first);
  duration = duration_xpath (first);
  item_id = item_id_pattern (links);
  page_title = _trawl_html_xpath_first (doc, NULL, "(//title)[1]");

  suggestion->text = g_string_new (NULL);
  append_recipe_group (suggestion->text, url, page_title, item_id);
  g_string_append_printf (suggestion->text, "\n[List]\nItems=%s\nLink=%s\n", items, link);
  if (title != NULL)
    g_string_append_printf (suggestion->text, "Title=%s\n", title);
  if (thumbnail != NULL)
    g_string_append_printf (suggestion->text, "Thumbnail=%s\n", thumbnail);
  if (duration != NULL)
    g_string_append_printf (suggestion->text, "Duration=%s\n", duration);
  append_pagination (suggestion->text, doc, base);

  suggestion->items = links->len;
  if (links->len > 0)
    suggestion->first_link = g_strdup (g_ptr_array_index (links, 0));
  return suggestion;
}

/* JSON in scripts: the largest array of objects that carry a link. */

typedef struct
{
  char     *path;
  JsonArray *array;
  guint     linked;
} JsonBest;

static gboolean
looks_like_link (const char *value)
{
  return value != NULL && strchr (value, ' ') == NULL && strchr (value, '/') != NULL &&
         (g_str_has_prefix (value, "http") || g_str_has_prefix (value, "/") ||
          g_ascii_isalnum (*value));
}

static gboolean
looks_like_image (const char *value)
{
  static const char * const extensions[] = { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif" };
  g_autofree char *lower = g_ascii_strdown (value, -1);
  char *query = strchr (lower, '?');

  if (query != NULL)
    *query = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

/* A key that can be written as it is: one line of a key file, one step of
 * a dotted path. A page's JSON names its keys: anything else is skipped,
 * so that it cannot add lines to the recipe. */
static gboolean
plain_key (const char *key)
{
  if (key == NULL || !(g_ascii_isalpha (*key) || *key == '_' || *key == '$') ||
      strlen (key) > 64)
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '$' && *p != '-')
      return FALSE;
  return TRUE;
}

static guint
count_linked (JsonArray *array)
{
  guint linked = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      members = json_object_get_members (json_node_get_object (element));
      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *value =
            _trawl_json_node_string (json_object_get_member (json_node_get_object (element),
                                                             l->data));

          if (plain_key (l->data) && looks_like_link (value) && !looks_like_image (value))
            {
              linked++;
              break;
            }
        }
    }
  return linked;
}

static void
find_json_array (JsonNode   *node,
                 const char *path,
                 JsonBest   *best)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint linked = count_linked (array);

      if (linked > best->linked)
        {
          g_free (best->path);
          best->path = g_strdup (path);
          best->array = array;
          best->linked = linked;
        }
      for (guint i = 0; i < MIN (json_array_get_length (array), 3); i++)
        {
          g_autofree char *child = g_strdup_printf ("%s%s%u", path, *path ? "." : "", i);

          find_json_array (json_array_get_element (array, i), child, best);
        }
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *child = NULL;

          if (!plain_key (l->data))
            continue;
          child = g_strdup_printf ("%s%s%s", path, *path ? "." : "", (const char *) l->data);
          find_json_array (json_object_get_member (object, l->data), child, best);
        }
    }
}

/* The key of the array's objects whose values best fit @wanted. */
static char *
json_key (JsonArray  *array,
          const char *names,
          gboolean  (*fits) (const char *value),
          const char *not_this)
{
  JsonNode *element = json_array_get_element (array, 0);
  g_autoptr(GList) members = NULL;
  g_auto(GStrv) preferred = g_strsplit (names, ",", -1);
  char *fallback = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return NULL;
  members = json_object_get_members (json_node_get_object (element));

  for (guint i = 0; preferred[i] != NULL; i++)
    for (GList *l = members; l != NULL; l = l->next)
      {
        g_autofree char *value =
          _trawl_json_node_string (json_object_get_member (json_node_get_object (element),
                                                           l->data));

        if (!plain_key (l->data) || g_strcmp0 (l->data, not_this) == 0 || value == NULL ||
            !fits (value))
          continue;
        if (g_ascii_strcasecmp (l->data, preferred[i]) == 0)
          {
            g_free (fallback);
            return g_strdup (l->data);
          }
        if (fallback == NULL)
          fallback = g_strdup (l->data);
      }

  return fallback;
}

static gboolean
fits_link (const char *value)
{
  return looks_like_link (value) && !looks_like_image (value);
}

static gboolean
fits_image (const char *value)
{
  return looks_like_link (value) && looks_like_image (value);
}

static gboolean
fits_title (const char *value)
{
  return !looks_like_link (value) && g_utf8_strlen (value, -1) > 1 &&
         !g_regex_match_simple ("^[0-9.:]+$", value, 0, 0);
}

static gboolean
fits_duration (const char *value)
{
  return _trawl_html_parse_duration (value) > 0;
}

/* The assignments of an object or array literal in one script
 * ("window.__STATE__ = {…}"): its name and the literal. Linear in the
 * script: each "=" looks back over one name, a literal found is skipped
 * whole, and one left open ends the search. */
static void
collect_assignments (const char *script,
                     GPtrArray  *names,
                     GPtrArray  *sources)
{
  gsize length = strlen (script);
  gsize i = 0;

  while (i < length && names->len < 256)
    {
      const char *eq = memchr (script + i, '=', length - i);
      gsize at, start, end, name_end, name_start;

      if (eq == NULL)
        break;
      at = eq - script;
      i = at + 1;
      start = i;
      while (start < length && g_ascii_isspace (script[start]))
        start++;
      if (start >= length || (script[start] != '{' && script[start] != '['))
        continue;
      /* "==", "<=", "=>" are no assignments. */
      if (at > 0 && strchr ("=!<>+-*/", script[at - 1]) != NULL)
        continue;

      name_end = at;
      while (name_end > 0 && g_ascii_isspace (script[name_end - 1]))
        name_end--;
      name_start = name_end;
      while (name_start > 0 && name_end - name_start < 128 &&
             (g_ascii_isalnum (script[name_start - 1]) ||
              strchr ("_$.", script[name_start - 1]) != NULL))
        name_start--;
      if (name_start == name_end || !(g_ascii_isalpha (script[name_start]) ||
                                      strchr ("_$", script[name_start]) != NULL))
        continue;

      end = _trawl_json_literal_end (script, length, start);
      if (end == 0)
        break;
      g_ptr_array_add (names, g_strndup (script + name_start, name_end - name_start));
      g_ptr_array_add (sources, g_strndup (script + start, end - start));
      i = end;
    }
}

static void
collect_script_json (htmlDocPtr  doc,
                     GPtrArray  *names,
                     GPtrArray  *sources)
{
  xmlXPathObjectPtr scripts = eval (doc, NULL, "//script[not(@src)]");

  for (int i = 0; scripts != NULL && i < scripts->nodesetval->nodeNr; i++)
    {
      xmlChar *content = xmlNodeGetContent (scripts->nodesetval->nodeTab[i]);

      if (content != NULL)
        collect_assignments ((const char *) content, names, sources);
      xmlFree (content);
    }
  xmlXPathFreeObject (scripts);
}

static TrawlListSuggestion *
suggest_from_json (htmlDocPtr  doc,
                   const char *url,
                   const char *base,
                   const char *page_title,
                   guint       to_beat)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) kept = NULL;
  JsonBest best = { NULL, NULL, 0 };
  g_autofree char *name = NULL;
  TrawlListSuggestion *suggestion;
  g_autofree char *link = NULL;
  g_autofree char *title = NULL;
  g_autofree char *image = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *first = NULL;

  collect_script_json (doc, names, sources);
  for (guint i = 0; i < sources->len; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *source = g_ptr_array_index (sources, i);
      guint before = best.linked;

      if (!_trawl_json_parse (parser, source, strlen (source), NULL))
        continue;
      find_json_array (json_parser_get_root (parser), "", &best);
      if (best.linked > before)
        {
          g_set_object (&kept, parser);
          g_free (name);
          name = g_strdup (g_ptr_array_index (names, i));
        }
    }

  if (best.linked < MIN_GROUP || best.linked <= to_beat)
    {
      g_free (best.path);
      return NULL;
    }

  link = json_key (best.array, "url,href,link,page,permalink,share_url", fits_link, NULL);
  title = json_key (best.array, "title,name,caption,text", fits_title, NULL);
  image = json_key (best.array, "cover,poster,thumbnail,thumb,image,pic,img", fits_image, NULL);
  duration = json_key (best.array, "duration,length,time,dur", fits_duration, link);
  escaped = g_regex_escape_string (name, -1);
  first = _trawl_json_lookup (json_array_get_element (best.array, 0), link);

  suggestion = g_new0 (TrawlListSuggestion, 1);
  suggestion->text = g_string_new (NULL);
  suggestion->items = best.linked;
  suggestion->first_link = first != NULL ? trawl_uri_resolve (base, first, NULL) : NULL;
  append_recipe_group (suggestion->text, url, page_title, NULL);
  g_string_append_printf (suggestion->text,
                          "\n[List]\n# The list is JSON in a script: %s = {…}\n"
                          "Json-Source=(?<![A-Za-z0-9_$.])%s\\s*=\\s*\n"
                          "Json-Items=%s\nJson-Link=%s\n", name, escaped,
                          *best.path != '\0' ? best.path : ".", link);
  if (title != NULL)
    g_string_append_printf (suggestion->text, "Json-Title=%s\n", title);
  if (image != NULL)
    g_string_append_printf (suggestion->text, "Json-Thumbnail=%s\n", image);
  if (duration != NULL)
    g_string_append_printf (suggestion->text, "Json-Duration=%s\n", duration);
  g_free (best.path);
  return suggestion;
}

/**
 * _trawl_suggest_list:
 * @text: the list page, decoded to UTF-8
 * @url: where it was fetched from (after redirects)
 *
 * Returns: (transfer full) (nullable): the [Recipe] and [List] groups of a
 *   recipe for the page, or %NULL when it shows no list at all
 */
TrawlListSuggestion *
_trawl_suggest_list (const char *text,
                     gsize       length,
                     const char *url,
                     const char *board_url)
{
  htmlDocPtr doc = _trawl_html_parse (text, length, url);
  g_autofree char *base = NULL;
  g_autofree char *title = NULL;
  Best best = { NULL, 0 };
  TrawlListSuggestion *suggestion = NULL;
  guint html_items = 0;

  if (doc == NULL)
    return NULL;
  base = _trawl_html_base (doc, url);
  title = _trawl_html_xpath_first (doc, NULL, "(//title)[1]");

  if (xmlDocGetRootElement (doc) != NULL)
    find_groups (xmlDocGetRootElement (doc), &best);
  if (best.members != NULL)
    html_items = best.members->len;

  suggestion = suggest_from_json (doc, board_url, base, title, html_items);
  if (suggestion == NULL && best.members != NULL)
    suggestion = suggest_from_group (doc, best.members, board_url, base);
  /* Links that lead nowhere are no list. */
  if (suggestion != NULL && suggestion->items == 0)
    g_clear_pointer (&suggestion, _trawl_list_suggestion_free);

  g_clear_pointer (&best.members, g_ptr_array_unref);
  xmlFreeDoc (doc);
  return suggestion;
}

/* The [Media] group for a detail page: the first generic place that
 * holds a video, written as a strategy the user can read and edit. */

typedef struct
{
  const char *name;
  const char *kind;     /* "XPath" or "Regex" */
  const char *value;
} Place;

static const Place places[] = {
  { "player", "XPath", "//video/@src | //video/source/@src" },
  { "og-video", "XPath", "//meta[@property='og:video' or @property='og:video:url' or "
                         "@property='og:video:secure_url']/@content" },
  { "json-ld", "Regex", "\"contentUrl\"\\s*:\\s*\"([^\"]+)\"" },
  { "link", "XPath", "//a[contains(@href, '.mp4') or contains(@href, '.webm') or "
                     "contains(@href, '.m3u8')]/@href" },
};

#define SCRIPT_MEDIA "[\"']([^\"'\\s<>]+?\\.(?:mp4|m4v|webm|mov|m3u8)(?:\\?[^\"'\\s<>]*)?)[\"']"

static gboolean
place_finds (const Place *place,
             htmlDocPtr   doc,
             const char  *text)
{
  g_autofree char *found = NULL;

  if (g_str_equal (place->kind, "XPath"))
    found = _trawl_html_xpath_first (doc, NULL, place->value);
  else
    {
      g_autoptr(GRegex) regex = g_regex_new (place->value, 0, 0, NULL);
      g_autoptr(GMatchInfo) info = NULL;

      if (g_regex_match (regex, text, 0, &info))
        found = g_match_info_fetch (info, 1);
    }
  return found != NULL && *found != '\0';
}

/* A URL to a media file in a script, as the key it is given to:
 * "file": "…mp4" gives Regex="file"\s*:\s*"(.*?)". */
static char *
script_regex (const char *text)
{
  g_autoptr(GRegex) media = g_regex_new (SCRIPT_MEDIA, G_REGEX_CASELESS, 0, NULL);
  g_autoptr(GRegex) keyed = g_regex_new ("([\"']?)([A-Za-z_$][A-Za-z0-9_$]*)\\1\\s*[:=]\\s*$",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) info = NULL;
  g_autoptr(GMatchInfo) key_info = NULL;
  g_autofree char *before = NULL;
  g_autofree char *key = NULL;
  g_autofree char *quote = NULL;
  g_autofree char *escaped = NULL;
  int start;

  if (!g_regex_match (media, text, 0, &info))
    return NULL;
  g_match_info_fetch_pos (info, 0, &start, NULL);
  before = g_strndup (text + MAX (start - 40, 0), MIN (start, 40));
  if (!g_regex_match (keyed, before, 0, &key_info))
    return g_strdup (SCRIPT_MEDIA);

  quote = g_match_info_fetch (key_info, 1);
  key = g_match_info_fetch (key_info, 2);
  escaped = g_regex_escape_string (key, -1);
  return g_strdup_printf ("%s%s%s\\s*[:=]\\s*[\"']([^\"']+)[\"']", quote, escaped, quote);
}

/**
 * _trawl_suggest_detail:
 *
 * Returns: (transfer full): a [Media …] group for the detail page @text;
 *   when nothing is found there, one that finds media links in scripts,
 *   with a comment saying so
 */
char *
_trawl_suggest_detail (const char *text,
                       gsize       length,
                       const char *url)
{
  htmlDocPtr doc = _trawl_html_parse (text, length, url);
  g_autofree char *regex = NULL;

  for (guint i = 0; doc != NULL && i < G_N_ELEMENTS (places); i++)
    if (place_finds (&places[i], doc, text))
      {
        xmlFreeDoc (doc);
        return g_strdup_printf ("\n[Media %s]\n%s=%s\n", places[i].name, places[i].kind,
                                places[i].value);
      }
  g_clear_pointer (&doc, xmlFreeDoc);

  regex = script_regex (text);
  if (regex != NULL)
    return g_strdup_printf ("\n[Media script]\nRegex=%s\n", regex);

  return g_strdup_printf ("\n[Media script]\n# No video was found on %s: edit this.\n"
                          "Regex=%s\n", url, SCRIPT_MEDIA);
}
