#define G_LOG_DOMAIN "trawl-stall-probe"

#include "config.h"

#include <adwaita.h>
#include <stdio.h>

#include "trawl-window.h"

/* Scenario 5 of the benchmarks: the real window with a 1,000-item board
 * listed, then large downloads at full loopback speed, on the same main
 * loop. A source due every PERIOD_MS measures how late it runs; the
 * lateness is the stall a user would feel. Prints one JSON line.
 * Usage: trawl-stall-probe OUTDIR BOARD_URL MEDIA_URL… */

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

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TrawlQueue) queue = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  TrawlWindow *window;
  Probe probe = { 0 };
  gint64 started;
  guint source;

  if (argc < 4)
    {
      g_printerr ("Usage: %s OUTDIR BOARD_URL MEDIA_URL…\n", argv[0]);
      return 2;
    }

  gtk_init ();
  adw_init ();

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "download-folder", argv[1]);
  g_settings_set_boolean (settings, "folder-per-board", TRUE);
  queue = g_object_new (TRAWL_TYPE_QUEUE, "jobs", 4, "per-host", 6, NULL);
  window = trawl_window_new (NULL, queue, settings);
  gtk_window_maximize (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));

  /* 1,000 rows first. */
  trawl_window_add_board (window, argv[2], "pearvideo");
  while (trawl_queue_is_busy (queue))
    g_main_context_iteration (NULL, TRUE);

  probe.lateness = g_array_new (FALSE, FALSE, sizeof (double));
  source = g_timeout_add (PERIOD_MS, probe_tick, &probe);
  started = g_get_monotonic_time ();

  for (int i = 3; i < argc; i++)
    trawl_window_add_board (window, argv[i], NULL);
  while (trawl_queue_is_busy (queue))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (source);
  g_array_sort (probe.lateness, compare);

  if (probe.lateness->len == 0 || trawl_queue_count_state (queue, TRAWL_ITEM_FAILED) > 0)
    {
      g_printerr ("The downloads failed\n");
      return 1;
    }

  {
    double *v = (double *) probe.lateness->data;
    guint n = probe.lateness->len;

    printf ("{\"samples\": %u, \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
            "\"seconds\": %.2f, \"rows\": %u}\n",
            n, v[n / 2], v[MIN (n - 1, (guint) (n * 0.99))], v[n - 1],
            (g_get_monotonic_time () - started) / 1e6,
            g_list_model_get_n_items (G_LIST_MODEL (queue)));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (probe.lateness);
  return 0;
}
