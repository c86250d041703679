#define G_LOG_DOMAIN "trawl-cli"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "trawl-aria2.h"
#include "trawl-cli-recipe.h"
#include "trawl-client.h"
#include "trawl-error.h"
#include "trawl-i18n.h"
#include "trawl-queue.h"
#include "trawl-uri.h"

#define REDRAW_MS 250

typedef struct
{
  TrawlQueue *queue;
  GMainLoop  *loop;
  GPtrArray  *boards;
  gboolean    list;
  gboolean    quiet;
  gboolean    live;        /* redraw a progress block on the terminal */
  guint       drawn_lines;
  guint       redraw_source;
  gboolean    interrupted;
  gboolean    leave;        /* a second Ctrl+C: do not wait for anything */
  TrawlArchive *archive;
  guint       saving_source;
  gint64      saving_since; /* when only the archive was left to save, or 0 */
  gboolean    said_saving;
  guint       done;
  guint       failed;
  gint64      started;
  const char *output;       /* -o, to say where aria2 puts a file */
  const char *aria2_dir;    /* with --aria2: its folder, or "" for aria2's own */
  char       *last_note;
} Cli;

static char *
format_eta (double seconds)
{
  guint64 s = (guint64) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (guint) (s / 60 % 60),
                            (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

static void
clear_block (Cli *cli)
{
  if (!cli->live || cli->drawn_lines == 0)
    return;

  fprintf (stderr, "\033[%uA", cli->drawn_lines);
  for (guint i = 0; i < cli->drawn_lines; i++)
    fputs ("\033[2K\n", stderr);
  fprintf (stderr, "\033[%uA", cli->drawn_lines);
  cli->drawn_lines = 0;
}

/* Columns @text takes on a terminal: CJK and other wide characters two,
 * combining marks none. */
static guint
columns_of (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_iszerowidth (c))
        n += g_unichar_iswide (c) ? 2 : 1;
    }
  return n;
}

/* @text cut to @columns, with an ellipsis when cut: a progress line that
 * wrapped would take two rows, and the block would not clear them. */
static char *
fit (const char *text,
     guint       columns)
{
  GString *out;
  guint used = 0;

  if (columns_of (text) <= columns)
    return g_strdup (text);
  if (columns == 0)
    return g_strdup ("");

  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint width = g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

      if (used + width > columns - 1)
        break;
      g_string_append_unichar (out, c);
      used += width;
    }
  g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

static guint
terminal_columns (void)
{
  struct winsize size;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

/* One row of the progress block: never wider than the terminal (the last
 * column left free, where some terminals wrap early). */
static void
print_row (const char *text,
           guint       columns)
{
  g_autofree char *line = g_strndup (text, strcspn (text, "\n"));
  g_autofree char *fitted = fit (line, columns > 1 ? columns - 1 : 1);

  fprintf (stderr, "%s\n", fitted);
}

static void
draw_block (Cli *cli)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (cli->queue));
  guint64 bytes = 0;
  guint64 remaining = 0;
  guint64 known_bytes = 0;   /* sizes of the videos whose size is known */
  guint known = 0;
  guint waiting = 0;
  double speed = 0;
  guint active = 0;
  guint lines = 0;
  guint columns = terminal_columns ();

  clear_block (cli);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (cli->queue), i);
      g_autofree char *title = NULL;
      g_autofree char *have = NULL;
      g_autofree char *of = NULL;
      g_autofree char *rate = NULL;

      bytes += trawl_item_get_bytes (item);
      if (trawl_item_get_state (item) == TRAWL_ITEM_DONE)
        {
          known++;
          known_bytes += trawl_item_get_bytes (item);
        }
      if (trawl_item_get_state (item) <= TRAWL_ITEM_QUEUED)
        waiting++;
      if (trawl_item_get_state (item) != TRAWL_ITEM_DOWNLOADING)
        continue;

      active++;
      speed += trawl_item_get_speed (item);
      if (trawl_item_get_total (item) > 0)
        {
          remaining += trawl_item_get_total (item) - trawl_item_get_bytes (item);
          known++;
          known_bytes += trawl_item_get_total (item);
        }
      if (lines >= 8)
        continue;

      title = g_strdup (trawl_item_get_title (item) != NULL ? trawl_item_get_title (item) : "");
      have = g_format_size (trawl_item_get_bytes (item));
      of = trawl_item_get_total (item) >= 0 ? g_format_size (trawl_item_get_total (item))
                                            : g_strdup ("?");
      rate = g_format_size ((guint64) trawl_item_get_speed (item));
      /* Over several connections: the speed is their sum, their number
       * after it ("12 MB/s ×4"). */
      {
        g_autofree char *per_second = g_strdup_printf (_("%s/s"), rate);
        guint connections = trawl_item_get_connections (item);

        g_free (rate);
        rate = connections > 1 ? g_strdup_printf ("%s ×%u", per_second, connections)
                               : g_steal_pointer (&per_second);
      }
      if (trawl_item_get_total (item) > 0)
        {
          gint64 left = trawl_item_get_total (item) - trawl_item_get_bytes (item);
          g_autofree char *eta = trawl_item_get_speed (item) > 0
                                   ? format_eta (left / trawl_item_get_speed (item))
                                   : g_strdup ("-:--");

          /* Translators: a progress line: percent, bytes so far, size, speed
           * ("3 MB/s", "12 MB/s ×4" over four connections), time left, title. */
          g_autofree char *row = g_strdup_printf (_("  %3d%%  %s of %s  %s  %s left  %s\n"),
            (int) (100.0 * trawl_item_get_bytes (item) / trawl_item_get_total (item)),
            have, of, rate, eta, title);

          print_row (row, columns);
        }
      else
        {
          /* Translators: a progress line for a video of unknown size. */
          g_autofree char *row = g_strdup_printf (_("        %s  %s  %s\n"), have, rate, title);

          print_row (row, columns);
        }
      lines++;
    }

  {
    g_autofree char *rate = g_format_size ((guint64) speed);
    g_autofree char *total = g_format_size (bytes);
    g_autofree char *eta = NULL;

    /* Videos not started yet are guessed at the average known size. */
    if (known > 0)
      remaining += waiting * (known_bytes / known);
    eta = speed > 0 ? format_eta (remaining / speed) : g_strdup ("-:--");

    /* Translators: the summary under the progress lines: done, total, failed,
     * downloading now, bytes so far, speed, time left. */
    g_autofree char *row = g_strdup_printf (
      _("%u of %u done, %u failed · %u downloading · %s · %s/s · %s left\n"),
      cli->done, n, cli->failed, active, total, rate, eta);

    print_row (row, columns);
    lines++;
  }

  cli->drawn_lines = lines;
}

static gboolean
redraw (gpointer user_data)
{
  draw_block (user_data);
  return G_SOURCE_CONTINUE;
}

static void
print_json (TrawlItem *item)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, trawl_item_get_id (item));
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, trawl_item_get_title (item));
  json_builder_set_member_name (builder, "page");
  json_builder_add_string_value (builder, trawl_item_get_page_url (item));
  json_builder_set_member_name (builder, "media");
  json_builder_add_string_value (builder, trawl_item_get_media_url (item));
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, trawl_item_get_path (item));
  if (trawl_item_get_error (item) != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, trawl_item_get_error (item));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

/* Where @item's file is: here, or on aria2's machine ("aria2:PATH"), the
 * name chosen here under aria2's folder. */
static char *
shown_path (Cli       *cli,
            TrawlItem *item)
{
  const char *path = trawl_item_get_path (item);
  g_autofree char *base = NULL;
  g_autofree char *relative = NULL;

  if (cli->aria2_dir == NULL)
    return g_strdup (path);
  base = g_canonicalize_filename (cli->output != NULL ? cli->output : ".", NULL);
  relative = g_str_has_prefix (path, base) && path[strlen (base)] == G_DIR_SEPARATOR
             ? g_strdup (path + strlen (base) + 1) : g_path_get_basename (path);
  if (*cli->aria2_dir == '\0')
    return g_strconcat ("aria2:", relative, NULL);
  {
    g_autofree char *folder = g_strdup (cli->aria2_dir);
    gsize length = strlen (folder);

    /* "dir/" and "dir" alike. */
    while (length > 1 && folder[length - 1] == G_DIR_SEPARATOR)
      folder[--length] = '\0';
    return g_strconcat ("aria2:", folder, G_DIR_SEPARATOR_S, relative, NULL);
  }
}

static void
item_state_changed (Cli       *cli,
                    TrawlItem *item)
{
  TrawlItemState state = trawl_item_get_state (item);
  const char *title = trawl_item_get_title (item);

  if (state == TRAWL_ITEM_DONE)
    cli->done++;
  else if (state == TRAWL_ITEM_FAILED)
    cli->failed++;

  if (cli->list)
    {
      if (state == TRAWL_ITEM_QUEUED || state == TRAWL_ITEM_FAILED)
        print_json (item);
      return;
    }

  if (cli->quiet && state != TRAWL_ITEM_FAILED)
    return;

  clear_block (cli);

  switch (state)
    {
    case TRAWL_ITEM_DONE:
      {
        g_autofree char *size = g_format_size (trawl_item_get_bytes (item));
        /* Translators: keep the file names of “done”, “failed” and
         * “downloading” lines in one column. */
        g_autofree char *where = shown_path (cli, item);

        fprintf (stderr, _("done         %s (%s)\n"), where, size);
      }
      break;
    case TRAWL_ITEM_FAILED:
      fprintf (stderr, _("failed       %s: %s\n"), title ? title : trawl_item_get_page_url (item),
               trawl_item_get_error (item));
      break;
    case TRAWL_ITEM_DOWNLOADING:
      if (!cli->live)
        {
          g_autofree char *where = shown_path (cli, item);

          fprintf (stderr, _("downloading  %s\n"), where);
        }
      break;
    case TRAWL_ITEM_PENDING:
    case TRAWL_ITEM_RESOLVING:
    case TRAWL_ITEM_QUEUED:
    case TRAWL_ITEM_PAUSED:
    case TRAWL_ITEM_CANCELLED:
    default:
      break;
    }

  if (cli->live)
    draw_block (cli);
}

static void
item_note (Cli        *cli,
           TrawlItem  *item,
           const char *note)
{
  /* Only failures with -q; one line for what several videos say at once
   * (aria2 away: each of them says so). */
  if (cli->list || cli->quiet || g_strcmp0 (note, cli->last_note) == 0)
    return;
  g_free (cli->last_note);
  cli->last_note = g_strdup (note);

  clear_block (cli);
  /* Translators: keep in the column of “done” and “failed” */
  fprintf (stderr, _("note         %s\n"), note);
  if (cli->live)
    draw_block (cli);
}

static void
busy_changed (Cli *cli)
{
  if (!trawl_queue_is_busy (cli->queue))
    g_main_loop_quit (cli->loop);
}

static gboolean
videos_running (TrawlQueue *queue)
{
  const TrawlItemState running[] = { TRAWL_ITEM_PENDING, TRAWL_ITEM_RESOLVING,
                                     TRAWL_ITEM_QUEUED, TRAWL_ITEM_DOWNLOADING };

  for (guint i = 0; i < G_N_ELEMENTS (running); i++)
    if (trawl_queue_count_state (queue, running[i]) > 0)
      return TRUE;
  return FALSE;
}

static gboolean
interrupt (gpointer user_data)
{
  Cli *cli = user_data;

  /* A second Ctrl+C, or one when every video has ended (only the archive
   * is being saved): leave now; .part files and the archive on disk are
   * consistent at any moment. */
  if (cli->interrupted || !videos_running (cli->queue))
    {
      cli->interrupted = TRUE;
      cli->leave = TRUE;
      g_main_loop_quit (cli->loop);
      return G_SOURCE_CONTINUE;
    }

  cli->interrupted = TRUE;
  clear_block (cli);
  if (cli->list)
    fprintf (stderr, "%s\n", _("Interrupted."));
  else
    fprintf (stderr, "%s\n", _("Interrupted: partial downloads are kept; run the same command "
                               "again to resume them."));
  trawl_queue_pause_all (cli->queue);
  g_main_loop_quit (cli->loop);

  return G_SOURCE_CONTINUE;
}

/* Every video has ended and the archive is still being saved (another
 * process holds its lock, a slow disk): said after a second, once. */
static gboolean
saving_tick (gpointer user_data)
{
  Cli *cli = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!trawl_archive_is_saving (cli->archive) || videos_running (cli->queue))
    {
      cli->saving_since = 0;
      return G_SOURCE_CONTINUE;
    }
  if (cli->saving_since == 0)
    cli->saving_since = now;
  else if (!cli->said_saving && now - cli->saving_since >= G_USEC_PER_SEC)
    {
      clear_block (cli);
      fprintf (stderr, "%s\n", _("Waiting for the archive to be saved… (Ctrl+C to leave "
                                 "without it)"));
      cli->said_saving = TRUE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_archive (gpointer user_data)
{
  TrawlArchive *archive = user_data;
  return trawl_archive_is_saving (archive);
}

/* A number the user did not give: the engine's own default (its
 * property's) applies. */
#define UNSET G_MININT

/* The command line as given. */
typedef struct
{
  char     *output;
  char     *recipe;
  char     *recipes_dir;
  char     *user_agent;
  char     *cookies;
  char     *ca_file;
  char     *proxy;
  char     *limit_rate;
  char     *archive_path;
  char     *min_split_size;
  char     *aria2;
  char     *aria2_secret_file;
  char     *aria2_dir;
  GStrv     headers;
  GStrv     urls;
  int       jobs;
  int       per_host;
  int       split;
  int       max_height;
  int       max_pages;
  int       tries;
  int       timeout;
  gboolean  no_archive;
  gboolean  allow_local;
  gboolean  list;
  gboolean  quiet;
  gboolean  version;
  gboolean  list_recipes;
  char     *try_recipe;
  gboolean  suggest_recipe;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->output);
  g_free (options->recipe);
  g_free (options->recipes_dir);
  g_free (options->user_agent);
  g_free (options->cookies);
  g_free (options->ca_file);
  g_free (options->proxy);
  g_free (options->limit_rate);
  g_free (options->archive_path);
  g_free (options->min_split_size);
  g_free (options->try_recipe);
  g_free (options->aria2);
  g_free (options->aria2_secret_file);
  g_free (options->aria2_dir);
  g_strfreev (options->headers);
  g_strfreev (options->urls);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse_options (Options   *o,
               int       *argc,
               char    ***argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  /* DIR, FILE, NAME, RATE and SECONDS are translatable, N, UA and URL are
   * not: the descriptions name them. */
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
      N_("Save videos in DIR (default: the current folder)"), N_("DIR") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs,
      N_("Download N videos at once (default 4)"), "N" },
    { "per-host", 0, 0, G_OPTION_ARG_INT, &o->per_host,
      N_("Open at most N connections to one host, pages included (default 6)"), "N" },
    { "split", 0, 0, G_OPTION_ARG_INT, &o->split,
      N_("Download one video over up to N connections when the server allows it and the "
         "per-host limit leaves some spare (default 8; 1 turns it off)"), "N" },
    { "max-height", 0, 0, G_OPTION_ARG_INT, &o->max_height,
      N_("Of a stream (HLS) offered in several sizes, take the best no taller than N lines "
         "(default: the best)"), "N" },
    { "min-split-size", 0, 0, G_OPTION_ARG_STRING, &o->min_split_size,
      N_("Open no connection for less than SIZE of a video, K/M/G suffixes (default 4M)"),
      N_("SIZE") },
    { "recipe", 'r', 0, G_OPTION_ARG_STRING, &o->recipe,
      N_("Read every URL with recipe NAME, whatever its address (mirrors, saved copies)"),
      N_("NAME") },
    { "recipes", 0, 0, G_OPTION_ARG_FILENAME, &o->recipes_dir,
      N_("Load *.recipe files from DIR; they override built-in recipes of the same name"),
      N_("DIR") },
    { "list-recipes", 0, 0, G_OPTION_ARG_NONE, &o->list_recipes,
      N_("List the known recipes and exit"), NULL },
    { "try-recipe", 0, 0, G_OPTION_ARG_FILENAME, &o->try_recipe,
      N_("Show what the recipe in FILE finds on URL (items, next page, the first item’s "
         "video) and exit; nothing is downloaded"), N_("FILE") },
    { "suggest-recipe", 0, 0, G_OPTION_ARG_NONE, &o->suggest_recipe,
      N_("Print a recipe for URL, suggested from its pages, to save and pass to --recipes"),
      NULL },
    { "max-pages", 0, 0, G_OPTION_ARG_INT, &o->max_pages,
      N_("Read at most N list pages per board (default: the recipe’s limit)"), "N" },
    { "user-agent", 'U', 0, G_OPTION_ARG_STRING, &o->user_agent,
      N_("Send UA as User-Agent (default: a desktop browser’s)"), "UA" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &o->headers,
      N_("Send an extra header with every request (repeatable); credentials (Authorization, "
         "Cookie, keys, tokens) only to the board’s own site"), "'NAME: VALUE'" },
    { "cookies", 'b', 0, G_OPTION_ARG_FILENAME, &o->cookies,
      N_("Send cookies from a Netscape cookies.txt FILE"), N_("FILE") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &o->ca_file,
      N_("Trust certificates signed by the CA in FILE (PEM) instead of the system’s"),
      N_("FILE") },
    { "proxy", 'x', 0, G_OPTION_ARG_STRING, &o->proxy,
      N_("Use this proxy: host:port (HTTP), an http, https or socks5 URL, or none "
         "(default: the system’s)"), "URL" },
    { "allow-local", 0, 0, G_OPTION_ARG_NONE, &o->allow_local,
      N_("Let a board on the internet lead to this machine or its network (where public "
         "names resolve to private addresses)"), NULL },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &o->limit_rate,
      N_("Download at most RATE bytes per second in all, K/M/G suffixes (500K, 2M)"),
      N_("RATE") },
    { "tries", 't', 0, G_OPTION_ARG_INT, &o->tries,
      N_("Try each request N times before giving up (default 5)"), "N" },
    { "timeout", 'T', 0, G_OPTION_ARG_INT, &o->timeout,
      N_("Give up on a connection idle for SECONDS (default 30); it is retried"),
      N_("SECONDS") },
    { "aria2", 0, 0, G_OPTION_ARG_STRING, &o->aria2,
      N_("Download the videos with the aria2 at URL (its JSON-RPC address, such as "
         "http://nas.local:6800/jsonrpc); boards are still read here"), "URL" },
    { "aria2-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &o->aria2_secret_file,
      N_("Read aria2’s --rpc-secret from the first line of FILE"), N_("FILE") },
    { "aria2-dir", 0, 0, G_OPTION_ARG_STRING, &o->aria2_dir,
      N_("Save in DIR on aria2’s machine (default: aria2’s own --dir)"), N_("DIR") },
    { "archive", 0, 0, G_OPTION_ARG_FILENAME, &o->archive_path,
      N_("Remember finished videos in FILE (default: ~/.local/share/trawl/archive.txt)"),
      N_("FILE") },
    { "no-archive", 0, 0, G_OPTION_ARG_NONE, &o->no_archive,
      N_("Download again what the archive says is done, and record nothing"), NULL },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &o->list,
      N_("Crawl and resolve only: print one JSON object per item (id, title, page, media, file)"),
      NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("Print only failures"), NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"),
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->urls, NULL, "URL…" },
    { NULL }
  };

  o->jobs = o->per_host = o->split = o->max_height = o->max_pages = o->tries = o->timeout = UNSET;

  context = g_option_context_new (_("— download every video of a board"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Fetches each board (a video site’s listing page), its further pages, every\n"
      "video’s page, and the videos themselves, several at once, into a folder.\n"
      "Interrupted downloads resume when the same command runs again."));
  g_option_context_set_description (context,
    _("Exit status: 0 when every video finished, 1 when some failed or a board was\n"
      "read only in part (each is named with its reason on stderr), 2 for bad usage\n"
      "or a board that could not be read.\n"
      "\n"
      "Recipes (how to read a site) are looked up by URL; without one, videos are\n"
      "found in <video> tags, og:video, JSON-LD and media links. User recipes live\n"
      "in ~/.local/share/trawl/recipes; the format is in docs/recipes.md."));

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("trawl-cli: %s\n%s\n", error->message, _("Try “trawl-cli --help”."));
      return FALSE;
    }
  return TRUE;
}

/* Sets @property of @object to the number the user gave for @option, if
 * any, refusing one out of the property's range. */
static gboolean
set_number (gpointer    object,
            const char *property,
            int         value,
            const char *option)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  GParamSpecUInt *range = G_PARAM_SPEC_UINT (pspec);

  if (value == UNSET)
    return TRUE;
  if (value < 0 || (guint) value < range->minimum || (guint) value > range->maximum)
    {
      g_printerr ("trawl-cli: ");
      /* Translators: “--jobs takes 1 to 64” */
      g_printerr (_("%s takes %u to %u"), option, range->minimum, range->maximum);
      g_printerr ("\n");
      return FALSE;
    }
  g_object_set (object, property, (guint) value, NULL);
  return TRUE;
}

/* The HTTP client as the options say; NULL, having said why, when one of
 * them cannot be used. */
static TrawlClient *
build_client (Options *o)
{
  g_autoptr(TrawlClient) client = trawl_client_new ();
  g_autoptr(GError) error = NULL;

  if (!set_number (client, "per-host", o->per_host, "--per-host") ||
      !set_number (client, "split", o->split, "--split") ||
      !set_number (client, "max-height", o->max_height, "--max-height") ||
      !set_number (client, "max-tries", o->tries, "--tries") ||
      !set_number (client, "timeout", o->timeout, "--timeout"))
    return NULL;

  if (o->user_agent != NULL)
    {
      g_autofree char *header = g_strconcat ("User-Agent: ", o->user_agent, NULL);
      g_autofree char *value = NULL;

      /* Checked as a header, and sent as one: trimmed (a trailing CR from
       * a file read in a shell is no part of it). */
      if (!trawl_parse_header (header, NULL, &value, &error))
        {
          g_printerr ("trawl-cli: --user-agent: %s\n", error->message);
          return NULL;
        }
      g_object_set (client, "user-agent", value, NULL);
    }
  for (guint i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
    if (!trawl_parse_header (o->headers[i], NULL, NULL, &error))
      {
        g_printerr ("trawl-cli: --header: %s\n", error->message);
        return NULL;
      }
  g_object_set (client, "headers", o->headers, NULL);

  if (o->cookies != NULL)
    {
      if (!trawl_check_cookies_file (o->cookies, &error))
        {
          g_printerr (_("trawl-cli: cannot use the cookies file: %s\n"), error->message);
          return NULL;
        }
      g_object_set (client, "cookies-file", o->cookies, NULL);
    }
  if (o->proxy != NULL)
    {
      g_autofree char *parsed = trawl_proxy_parse (o->proxy, &error);

      if (parsed == NULL)
        {
          g_printerr ("trawl-cli: %s\n", error->message);
          return NULL;
        }
      g_object_set (client, "proxy", parsed, NULL);
    }
  if (o->allow_local)
    g_object_set (client, "allow-local", TRAWL_ALLOW_LOCAL_ALWAYS, NULL);
  if (o->ca_file != NULL)
    {
      /* GIO wants it absolute, and says so on the terminal otherwise. */
      g_autofree char *ca_file = g_canonicalize_filename (o->ca_file, NULL);
      g_autoptr(GTlsDatabase) check = g_tls_file_database_new (ca_file, &error);

      if (check == NULL)
        {
          g_printerr (_("trawl-cli: cannot use the CA file: %s\n"), error->message);
          return NULL;
        }
      g_object_set (client, "ca-file", ca_file, NULL);
    }
  if (o->min_split_size != NULL)
    {
      guint64 size = trawl_parse_rate (o->min_split_size, NULL);

      if (size < 64 * 1024)
        {
          g_printerr ("trawl-cli: ");
          /* Translators: “--min-split-size takes a size of 64K or more, such as 4M” */
          g_printerr (_("%s takes a size of 64K or more, such as 4M"), "--min-split-size");
          g_printerr ("\n");
          return NULL;
        }
      g_object_set (client, "min-split-size", size, NULL);
    }
  if (o->limit_rate != NULL)
    {
      guint64 rate = trawl_parse_rate (o->limit_rate, &error);

      if (rate == 0)
        {
          g_printerr ("trawl-cli: %s\n", error->message);
          return NULL;
        }
      g_object_set (client, "limit-rate", rate, NULL);
    }

  return g_steal_pointer (&client);
}

/* Built-in recipes and the user's, with a warning for what cannot be read. */
static TrawlRecipeSet *
load_recipes (Options *o)
{
  g_autoptr(GError) error = NULL;
  TrawlRecipeSet *recipes = trawl_recipe_set_new_default (&error);

  if (error != NULL)
    {
      g_printerr (_("trawl-cli: warning: %s\n"), error->message);
      g_clear_error (&error);
    }
  if (o->recipes_dir != NULL && !g_file_test (o->recipes_dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *shown = g_filename_display_name (o->recipes_dir);
      g_autofree char *message = g_strdup_printf (_("%s is not a folder; no recipes were loaded "
                                                    "from it"), shown);

      g_printerr (_("trawl-cli: warning: %s\n"), message);
    }
  else if (o->recipes_dir != NULL &&
           !trawl_recipe_set_load_directory (recipes, o->recipes_dir, &error))
    g_printerr (_("trawl-cli: warning: %s\n"), error->message);

  return recipes;
}

static void
print_recipes (TrawlRecipeSet *recipes)
{
  g_auto(GStrv) names = trawl_recipe_set_list_names (recipes);

  for (guint i = 0; names[i] != NULL; i++)
    {
      TrawlRecipe *r = trawl_recipe_set_lookup (recipes, names[i]);

      printf ("%-16s %s (%s)\n", names[i], trawl_recipe_get_title (r),
              trawl_recipe_get_origin (r));
    }
}

/* Whether the archive can be saved: its folder (or the first one of its
 * parents that exists, the rest is made when it is saved) and the file
 * itself must be writable. A read-only file system is found now, not
 * after every video was downloaded. */
static gboolean
archive_writable (const char  *path,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  while (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (dir);

      if (g_str_equal (parent, dir))
        {
          g_free (parent);
          break;
        }
      g_free (dir);
      dir = parent;
    }

  if ((g_file_test (path, G_FILE_TEST_EXISTS) && access (path, W_OK) != 0) ||
      access (dir, W_OK | X_OK) != 0)
    {
      int saved = errno;
      g_autofree char *shown = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", shown,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* The archive of finished videos, unless told not to keep one; FALSE,
 * having said why, when it cannot be read. */
static gboolean
open_archive (Options       *o,
              TrawlArchive **archive)
{
  g_autoptr(GError) error = NULL;

  *archive = NULL;
  if (o->list)
    {
      /* Listing records nothing, and only skips what a named archive has. */
      if (!o->no_archive && o->archive_path != NULL)
        *archive = trawl_archive_new (o->archive_path, NULL);
      return TRUE;
    }
  if (o->no_archive)
    return TRUE;

  if (o->archive_path == NULL)
    o->archive_path = g_build_filename (g_get_user_data_dir (), "trawl", "archive.txt", NULL);
  *archive = trawl_archive_new (o->archive_path, &error);
  if (*archive == NULL)
    {
      g_printerr (_("trawl-cli: cannot read the archive: %s\n"), error->message);
      return FALSE;
    }
  if (!archive_writable (o->archive_path, &error))
    {
      g_printerr (_("trawl-cli: cannot save the archive: %s\n"), error->message);
      g_clear_object (archive);
      return FALSE;
    }
  return TRUE;
}

/* The secret from the first line of @path, or NULL having said why. */
static char *
read_secret (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      g_printerr (_("trawl-cli: cannot read the aria2 secret: %s\n"), error->message);
      return NULL;
    }
  text[strcspn (text, "\r\n")] = '\0';
  g_strstrip (text);
  if (*text == '\0')
    {
      g_printerr (_("trawl-cli: the aria2 secret file %s is empty\n"), path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

static void
aria2_version_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The aria2 backend the options name, checked by asking aria2 for its
 * version; NULL having said why. */
static TrawlAria2 *
connect_aria2 (Options     *o,
               TrawlClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlAria2) aria2 = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *version = NULL;

  if (o->aria2_secret_file != NULL && (secret = read_secret (o->aria2_secret_file)) == NULL)
    return NULL;
  aria2 = trawl_aria2_new (client, o->aria2, secret, o->aria2_dir, &error);
  if (aria2 == NULL)
    {
      g_printerr ("trawl-cli: --aria2: %s\n", error->message);
      return NULL;
    }
  if (trawl_aria2_is_exposed (aria2))
    g_printerr (_("trawl-cli: warning: %s is not encrypted: the secret and every video’s "
                  "address and cookies cross the network as they are; use https or wss, "
                  "or a tunnel\n"), o->aria2);

  trawl_aria2_get_version_async (aria2, NULL, aria2_version_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  version = trawl_aria2_get_version_finish (aria2, result, &error);
  if (version == NULL)
    {
      g_printerr ("trawl-cli: %s\n", error->message);
      return NULL;
    }
  if (!o->quiet)
    g_printerr (_("Downloading with aria2 %s at %s\n"), version, o->aria2);
  return g_steal_pointer (&aria2);
}

/* Adds every board and runs until the queue is idle (or Ctrl+C). FALSE
 * when a board could not even be added. */
static gboolean
run_boards (Cli     *cli,
            Options *o)
{
  gboolean all_added = TRUE;

  for (guint i = 0; o->urls[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      TrawlBoard *board = trawl_queue_add_board (cli->queue, o->urls[i], o->recipe,
                                                 o->output != NULL ? o->output : ".", &error);

      if (board == NULL)
        {
          g_printerr ("trawl-cli: %s: %s\n", o->urls[i], error->message);
          all_added = FALSE;
          continue;
        }
      g_ptr_array_add (cli->boards, board);
    }

  if (trawl_queue_is_busy (cli->queue))
    {
      if (cli->live)
        cli->redraw_source = g_timeout_add (REDRAW_MS, redraw, cli);
      g_main_loop_run (cli->loop);
    }

  g_clear_handle_id (&cli->redraw_source, g_source_remove);
  clear_block (cli);
  return all_added;
}

/* Lets pause settle and the archive reach the disk before leaving (a
 * save waits 10 s at most for another process's lock; saving_tick() says
 * so), unless Ctrl+C says to leave now. */
static void
wait_for_archive (Cli          *cli,
                  TrawlArchive *archive)
{
  if (archive == NULL)
    return;

  while (wait_archive (archive) && !cli->leave)
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&cli->saving_source, g_source_remove);
  if (trawl_archive_is_saving (archive))
    g_printerr ("%s\n", _("trawl-cli: left before the archive was saved; the videos it does "
                          "not have will be fetched again next time"));
}

/* One line for a board: what was found on how many pages. */
static void
report_board (Cli        *cli,
              TrawlBoard *board)
{
  guint found = trawl_board_get_found (board);
  guint pages = trawl_board_get_pages (board);
  g_autofree char *videos = g_strdup_printf (ngettext ("%u video", "%u videos", found), found);

  /* Interrupted before anything was listed: nothing to say. */
  if (found == 0 && pages == 0 && trawl_board_get_skipped (board) == 0)
    return;

  if (pages == 0)
    {
      /* A link straight to a video: no pages were read. */
      /* Translators: “<board URL>: 1 video, 0 already downloaded” */
      fprintf (stderr, _("%s: %s, %u already downloaded\n"), trawl_board_get_url (board), videos,
               trawl_board_get_skipped (board));
      return;
    }

  {
    g_autofree char *on_pages = g_strdup_printf (ngettext ("%u page", "%u pages", pages),
                                                 pages);

    /* Translators: “<board URL>: 24 videos on 2 pages, 3 already downloaded” */
    fprintf (stderr, _("%s: %s on %s, %u already downloaded\n"),
             trawl_board_get_url (board), videos, on_pages, trawl_board_get_skipped (board));
  }
}

/* What became of each board and each failed video. FALSE when a board
 * failed; @partly is set when one was not read to its end. */
static gboolean
report (Cli      *cli,
        gboolean *partly)
{
  gboolean boards_ok = TRUE;

  for (guint i = 0; i < cli->boards->len; i++)
    {
      TrawlBoard *board = g_ptr_array_index (cli->boards, i);

      if (trawl_board_get_state (board) == TRAWL_BOARD_FAILED)
        {
          g_printerr ("trawl-cli: %s: %s\n", trawl_board_get_url (board),
                      trawl_board_get_error (board));
          boards_ok = FALSE;
        }
      else
        {
          if (!cli->quiet && !cli->list)
            report_board (cli, board);
          /* Finished, but a later page failed: some videos may be missing. */
          if (trawl_board_get_error (board) != NULL)
            {
              g_printerr ("trawl-cli: %s: %s\n", trawl_board_get_url (board),
                          trawl_board_get_error (board));
              *partly = TRUE;
            }
        }
    }

  if (cli->failed > 0 && !cli->list)
    {
      GListModel *items = G_LIST_MODEL (cli->queue);
      guint n = g_list_model_get_n_items (items);

      g_printerr (ngettext ("trawl-cli: %u of %u video failed:\n",
                            "trawl-cli: %u of %u videos failed:\n", n), cli->failed, n);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TrawlItem) item = g_list_model_get_item (items, i);

          if (trawl_item_get_state (item) == TRAWL_ITEM_FAILED)
            g_printerr (_("  %s: %s\n"),
                        trawl_item_get_title (item) ? trawl_item_get_title (item)
                                                    : trawl_item_get_page_url (item),
                        trawl_item_get_error (item));
        }
    }

  return boards_ok;
}

/* Follows @queue on the terminal until @loop is quit. */
static void
cli_watch (Cli          *cli,
           Options      *o,
           TrawlQueue   *queue,
           TrawlArchive *archive,
           GMainLoop    *loop)
{
  cli->queue = queue;
  cli->archive = archive;
  cli->loop = loop;
  cli->list = o->list;
  cli->quiet = o->quiet;
  cli->live = !o->list && !o->quiet && isatty (STDERR_FILENO);
  cli->boards = g_ptr_array_new ();
  cli->started = g_get_monotonic_time ();
  cli->output = o->output;
  if (o->aria2 != NULL)
    cli->aria2_dir = o->aria2_dir != NULL ? o->aria2_dir : "";

  g_signal_connect_swapped (queue, "item-state-changed", G_CALLBACK (item_state_changed), cli);
  g_signal_connect_swapped (queue, "item-note", G_CALLBACK (item_note), cli);
  g_signal_connect_swapped (queue, "notify::busy", G_CALLBACK (busy_changed), cli);
  g_unix_signal_add (SIGINT, interrupt, cli);
  g_unix_signal_add (SIGTERM, interrupt, cli);
  /* Also wakes the loop while the archive waits, so that Ctrl+C is seen. */
  if (archive != NULL)
    cli->saving_source = g_timeout_add (250, saving_tick, cli);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(Options) o = { 0 };
  g_autoptr(TrawlClient) client = NULL;
  g_autoptr(TrawlQueue) queue = NULL;
  g_autoptr(TrawlRecipeSet) recipes = NULL;
  g_autoptr(TrawlArchive) archive = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  gboolean boards_ok;
  gboolean partly = FALSE;
  Cli cli = { 0 };

  trawl_i18n_init ();

  if (!parse_options (&o, &argc, &argv))
    return 2;

  if (o.version)
    {
      printf ("trawl-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  recipes = load_recipes (&o);
  if (o.list_recipes)
    {
      print_recipes (recipes);
      return 0;
    }

  if (o.urls == NULL || o.urls[0] == NULL)
    {
      g_printerr ("trawl-cli: %s\n%s\n", _("no URL given"), _("Try “trawl-cli --help”."));
      return 2;
    }

  /* An empty -o is a mistake, not the current folder. */
  if (o.output != NULL && *o.output == '\0')
    {
      g_printerr ("trawl-cli: %s\n", _("--output needs a folder name"));
      return 2;
    }

  /* Pasted from a page or a file: blanks around a URL are no part of it. */
  for (guint i = 0; o.urls[i] != NULL; i++)
    g_strstrip (o.urls[i]);
  for (guint i = 0; o.urls[i] != NULL; i++)
    if (!trawl_uri_is_fetchable (o.urls[i], &error))
      {
        g_printerr ("trawl-cli: %s: %s\n", o.urls[i], error->message);
        return 2;
      }

  client = build_client (&o);
  if (client == NULL)
    return 2;

  if (o.try_recipe != NULL || o.suggest_recipe)
    {
      if (o.urls[1] != NULL)
        {
          g_printerr ("trawl-cli: %s\n", _("--try-recipe and --suggest-recipe take one URL"));
          return 2;
        }
      return o.try_recipe != NULL ? trawl_cli_try_recipe (client, o.try_recipe, o.urls[0])
                                  : trawl_cli_suggest_recipe (client, o.urls[0]);
    }

  queue = trawl_queue_new (client);
  g_object_set (queue, "download", !o.list, NULL);
  if (!set_number (queue, "jobs", o.jobs, "--jobs") ||
      !set_number (queue, "max-pages", o.max_pages, "--max-pages"))
    return 2;
  trawl_queue_set_recipes (queue, recipes);

  if (o.aria2 == NULL && (o.aria2_secret_file != NULL || o.aria2_dir != NULL))
    {
      g_printerr ("trawl-cli: %s\n", _("--aria2-secret-file and --aria2-dir need --aria2"));
      return 2;
    }
  if (o.aria2 != NULL && !o.list)
    {
      g_autoptr(TrawlAria2) aria2 = connect_aria2 (&o, client);

      if (aria2 == NULL)
        return 2;
      trawl_queue_set_backend (queue, TRAWL_BACKEND (aria2));
    }

  if (!open_archive (&o, &archive))
    return 2;
  trawl_queue_set_archive (queue, archive);

  loop = g_main_loop_new (NULL, FALSE);
  cli_watch (&cli, &o, queue, archive, loop);

  boards_ok = run_boards (&cli, &o);
  wait_for_archive (&cli, archive);
  boards_ok = report (&cli, &partly) && boards_ok;
  g_ptr_array_unref (cli.boards);
  g_free (cli.last_note);

  /* Videos the archive does not know would be fetched again next time. */
  if (archive != NULL && trawl_archive_get_error (archive) != NULL)
    {
      g_printerr (_("trawl-cli: the archive could not be saved: %s\n"),
                  trawl_archive_get_error (archive)->message);
      if (!cli.interrupted && boards_ok)
        return 1;
    }

  if (cli.interrupted)
    return 130;
  if (!boards_ok)
    return 2;
  if (cli.failed > 0 || partly)
    return 1;
  return 0;
}
