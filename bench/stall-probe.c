#define G_LOG_DOMAIN "trawl-stall-probe"

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <sys/resource.h>

#include "trawl-application.h"
#include "trawl-window.h"

/* Scenario 5 of the benchmarks: the real window with a 1,000-item board
 * listed, then large downloads at full loopback speed (or under the speed
 * limit of the Preferences), on the same main loop. A source due every
 * PERIOD_MS measures how late it runs; the lateness is the stall a user
 * would feel. Prints one JSON line.
 * Usage: trawl-stall-probe [--limit KIB] [--seconds N] OUTDIR BOARD_URL MEDIA_URL… */

#define PERIOD_MS 5

typedef struct
{
  GArray *lateness;  /* ms, double */
  gint64  last;
} Probe;

static gboolean
probe_tick (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  if (probe->last != 0)
    {
      double late = MAX (0.0, (now - probe->last) / 1000.0 - PERIOD_MS);
      g_array_append_val (probe->lateness, late);
    }
  probe->last = now;

  return G_SOURCE_CONTINUE;
}

static int
compare (gconstpointer a,
         gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* CPU seconds of the whole process, its worker threads included. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static guint64
bytes_received (TrawlQueue *queue)
{
  guint64 bytes = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);
      bytes += trawl_item_get_bytes (item);
    }

  return bytes;
}

static void
print_failed (TrawlQueue *queue)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queue)); i++)
    {
      g_autoptr(TrawlItem) item = g_list_model_get_item (G_LIST_MODEL (queue), i);

      if (trawl_item_get_state (item) == TRAWL_ITEM_FAILED)
        g_printerr ("Failed: %s: %s\n", trawl_item_get_page_url (item),
                    trawl_item_get_error (item));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TrawlQueue) queue = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *data_dir = NULL;
  int limit_kib = 0;
  int max_seconds = 0;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit_kib, "Speed limit of the Preferences", "KIB" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &max_seconds, "Stop measuring after N seconds", "N" },
    { NULL }
  };
  TrawlWindow *window;
  Probe probe = { 0 };
  gint64 started, deadline;
  guint64 bytes_before;
  guint board_failed;
  double cpu_before, seconds, cpu;
  guint source;

  context = g_option_context_new ("OUTDIR BOARD_URL MEDIA_URL…");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 4)
    {
      g_printerr ("Usage: %s [--limit KIB] [--seconds N] OUTDIR BOARD_URL MEDIA_URL…\n",
                  argv[0]);
      return 2;
    }

  gtk_init ();
  adw_init ();

  /* The queue as the app makes it, following the settings. */
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "download-folder", argv[1]);
  g_settings_set_boolean (settings, "folder-per-board", TRUE);
  g_settings_set_uint (settings, "speed-limit", 0);
  data_dir = g_build_filename (argv[1], "data", NULL);
  queue = trawl_application_create_queue (settings, data_dir, NULL);
  window = trawl_window_new (NULL, queue, settings);
  gtk_window_maximize (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));

  /* 1,000 rows first. */
  trawl_window_add_board (window, argv[2], "pearvideo");
  while (trawl_queue_is_busy (queue))
    g_main_context_iteration (NULL, TRUE);

  /* The rows are what this phase is for; a failed one is told, not fatal. */
  board_failed = trawl_queue_count_state (queue, TRAWL_ITEM_FAILED);
  print_failed (queue);

  /* Set as Preferences sets it, while the window is up. */
  g_settings_set_uint (settings, "speed-limit", (guint) MAX (limit_kib, 0));

  probe.lateness = g_array_new (FALSE, FALSE, sizeof (double));
  source = g_timeout_add (PERIOD_MS, probe_tick, &probe);
  started = g_get_monotonic_time ();
  deadline = max_seconds > 0 ? started + max_seconds * G_USEC_PER_SEC : G_MAXINT64;
  cpu_before = cpu_seconds ();
  bytes_before = bytes_received (queue);

  for (int i = 3; i < argc; i++)
    trawl_window_add_board (window, argv[i], NULL);
  while (trawl_queue_is_busy (queue) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  seconds = (g_get_monotonic_time () - started) / 1e6;
  cpu = cpu_seconds () - cpu_before;
  g_source_remove (source);
  g_array_sort (probe.lateness, compare);

  if (probe.lateness->len == 0 ||
      trawl_queue_count_state (queue, TRAWL_ITEM_FAILED) > board_failed)
    {
      g_printerr ("The downloads failed\n");
      print_failed (queue);
      return 1;
    }

  {
    double *v = (double *) probe.lateness->data;
    guint n = probe.lateness->len;

    printf ("{\"samples\": %u, \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
            "\"seconds\": %.2f, \"cpu\": %.3f, \"bytes\": %" G_GUINT64_FORMAT ", "
            "\"limit_kib\": %d, \"rows\": %u, \"board_failed\": %u}\n",
            n, v[n / 2], v[MIN (n - 1, (guint) (n * 0.99))], v[n - 1], seconds, cpu,
            bytes_received (queue) - bytes_before, limit_kib,
            g_list_model_get_n_items (G_LIST_MODEL (queue)), board_failed);
  }

  /* The rest of a limited run is not waited for. */
  trawl_queue_shutdown (queue);
  while (trawl_queue_is_busy (queue))
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (probe.lateness);
  return 0;
}
