#define G_LOG_DOMAIN "trawl-board-server"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "trawl-board-server.h"

static gboolean
quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_size (const char  *text,
            guint64     *out)
{
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);
  double scale = 1;

  if (end == text || value < 0)
    return FALSE;
  switch (g_ascii_toupper (*end))
    {
    case 'K': scale = 1024; end++; break;
    case 'M': scale = 1024 * 1024; end++; break;
    case 'G': scale = 1024.0 * 1024 * 1024; end++; break;
    default: break;
    }
  if (*end != '\0')
    return FALSE;
  *out = (guint64) (value * scale);
  return TRUE;
}

static gboolean
parse_parallel (TrawlBoardServer *server,
                const char       *text)
{
  guint64 status = 0;

  if (g_str_equal (text, "allow"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_ALLOW, 0);
  else if (g_str_equal (text, "ignore"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_IGNORE, 0);
  else if (g_str_equal (text, "drop"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_DROP, 0);
  else if (g_str_equal (text, "other-etag"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_OTHER_ETAG, 0);
  else if (g_str_equal (text, "other-bytes"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_OTHER_BYTES, 0);
  else if (g_str_equal (text, "drip"))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_DRIP, 0);
  else if (g_str_has_prefix (text, "refuse:") &&
           g_ascii_string_to_unsigned (text + 7, 10, 400, 599, &status, NULL))
    trawl_board_server_set_parallel (server, TRAWL_PARALLEL_REFUSE, (guint) status);
  else
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlBoardServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  g_autofree char *form = NULL;
  g_autofree char *size = NULL;
  g_auto(GStrv) faults = NULL;
  g_auto(GStrv) titles = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *parallel = NULL;
  guint64 video_rate = 0;
  int items = 50;
  int page_size = 12;
  int latency = 0;
  int port = 0;
  gboolean no_range = FALSE;
  gboolean hostile = FALSE;
  gboolean gbk = FALSE;
  g_autofree char *hls = NULL;
  guint64 video_size = 1024 * 1024;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to listen on (default: any free one)",
      "PORT" },
    { "items", 'n', 0, G_OPTION_ARG_INT, &items, "Items on the board (default 50)", "N" },
    { "page-size", 0, 0, G_OPTION_ARG_INT, &page_size, "Items per page (default 12)", "N" },
    { "form", 0, 0, G_OPTION_ARG_STRING, &form, "Detail pages: classic, api or mixed (default)",
      "FORM" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, "Bytes per video, K/M/G suffixes (default 1M)",
      "SIZE" },
    { "latency", 'l', 0, G_OPTION_ARG_INT, &latency, "Delay of each page and API answer", "MS" },
    { "no-range", 0, 0, G_OPTION_ARG_NONE, &no_range, "Ignore Range requests", NULL },
    { "hostile", 0, 0, G_OPTION_ARG_NONE, &hostile, "Give items hostile titles", NULL },
    { "gbk", 0, 0, G_OPTION_ARG_NONE, &gbk, "Serve pages in GBK", NULL },
    { "hls", 0, 0, G_OPTION_ARG_FILENAME, &hls,
      "Serve HLS streams under /hls/ (a board of them at /hls/board) from the clips in DIR "
      "(tests/fixtures/hls)", "DIR" },
    { "rate", 0, 0, G_OPTION_ARG_STRING, &rate,
      "Send each video at this many bytes a second, K/M/G suffixes", "RATE" },
    { "parallel", 0, 0, G_OPTION_ARG_STRING, &parallel,
      "A second request for a video being sent: allow (default), refuse:STATUS, ignore (send "
      "the whole file), drop (close the connection), other-etag, other-bytes (another file's) "
      "or drip (64 bytes a second)", "WHAT" },
    { "title", 't', 0, G_OPTION_ARG_STRING_ARRAY, &titles,
      "Title items with TITLE, in turn (repeatable)", "TITLE" },
    { "fault", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &faults,
      "Inject a fault: INDEX:KIND[:ARG[:TIMES]], KIND one of reset, status, retry-after, stall, "
      "html, detail-status, detail-stall, api-garbage", "SPEC" },
    { NULL }
  };

  /* Titles given on the command line are in the locale's encoding. */
  setlocale (LC_ALL, "");
  context = g_option_context_new ("— serve a generated video board on loopback");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (size != NULL && !parse_size (size, &video_size))
    {
      g_printerr ("Invalid --size “%s”\n", size);
      return 2;
    }

  if (rate != NULL && !parse_size (rate, &video_rate))
    {
      g_printerr ("Invalid --rate “%s”\n", rate);
      return 2;
    }

  server = trawl_board_server_new ();
  if (parallel != NULL && !parse_parallel (server, parallel))
    {
      g_printerr ("Invalid --parallel “%s”\n", parallel);
      return 2;
    }
  trawl_board_server_set_video_rate (server, video_rate);
  if (titles != NULL)
    trawl_board_server_set_titles (server, (const char * const *) titles);
  trawl_board_server_set_items (server, MAX (items, 0));
  trawl_board_server_set_page_size (server, MAX (page_size, 1));
  trawl_board_server_set_video_size (server, video_size);
  trawl_board_server_set_latency (server, MAX (latency, 0));
  trawl_board_server_set_range (server, !no_range);
  trawl_board_server_set_hostile (server, hostile);
  trawl_board_server_set_gbk (server, gbk);
  if (g_strcmp0 (form, "classic") == 0)
    trawl_board_server_set_form (server, TRAWL_BOARD_FORM_CLASSIC);
  else if (g_strcmp0 (form, "api") == 0)
    trawl_board_server_set_form (server, TRAWL_BOARD_FORM_API);
  else if (form != NULL && g_strcmp0 (form, "mixed") != 0)
    {
      g_printerr ("Invalid --form “%s”\n", form);
      return 2;
    }

  for (guint i = 0; faults != NULL && faults[i] != NULL; i++)
    {
      static const char * const kinds[] = {
        "reset", "status", "retry-after", "stall", "html", "detail-status", "detail-stall",
        "api-garbage", "redirect",
      };
      g_auto(GStrv) parts = g_strsplit (faults[i], ":", 4);
      guint kind = G_N_ELEMENTS (kinds);

      for (guint k = 0; parts[0] != NULL && parts[1] != NULL && k < G_N_ELEMENTS (kinds); k++)
        if (g_str_equal (parts[1], kinds[k]))
          kind = k;
      if (kind == G_N_ELEMENTS (kinds))
        {
          g_printerr ("Invalid --fault “%s”\n", faults[i]);
          return 2;
        }
      trawl_board_server_add_fault (server, atoi (parts[0]), kind,
                                    parts[2] ? atoi (parts[2]) : 0,
                                    parts[2] && parts[3] ? atoi (parts[3]) : 0);
    }

  if (hls != NULL && !trawl_board_server_set_hls (server, hls, &error))
    {
      g_printerr ("trawl-board-server: %s\n", error->message);
      return 2;
    }
  if (!trawl_board_server_start (server, port, &error))
    {
      g_printerr ("Cannot listen: %s\n", error->message);
      return 1;
    }

  url = trawl_board_server_get_url (server);
  g_print ("%s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit, loop);
  g_unix_signal_add (SIGTERM, quit, loop);
  g_main_loop_run (loop);

  return 0;
}
