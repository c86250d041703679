#define G_LOG_DOMAIN "trawl-board-probe"

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <sys/resource.h>

#include "trawl-application.h"
#include "trawl-window.h"

/* Scenario 7 of the benchmarks: the application, its window shown, crawls
 * and downloads one board from start to end, as trawl-cli does. Prints one
 * JSON line: the seconds and CPU seconds (all threads, and the main one)
 * from adding the board until the queue is idle, and how late a source due
 * every PERIOD_MS ran meanwhile (the stall a user would feel). The application's data (queue state,
 * archive) goes to OUTDIR/data, its downloads to OUTDIR.
 * Usage: trawl-board-probe OUTDIR BOARD_URL */

#define PERIOD_MS 5

typedef struct
{
  GArray *lateness;  /* ms, double */
  gint64  last;
} Probe;

static gboolean
board_probe_tick (gpointer user_data)
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
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* CPU seconds of the whole process, its worker threads included, or of the
 * main thread alone. */
static double
cpu_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TrawlApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  GSettings *settings;
  TrawlQueue *queue;
  GtkWindow *window;
  Probe probe = { 0 };
  gint64 started;
  double cpu_before, main_before, seconds, cpu, main_cpu;
  guint source;
  guint n, done;
  double *v;

  if (argc != 3)
    {
      g_printerr ("Usage: %s OUTDIR BOARD_URL\n", argv[0]);
      return 2;
    }

  /* The application keeps its queue and archive under the user's data
   * folder: a fresh one per run. */
  data_home = g_build_filename (argv[1], "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  /* The real application, minus the single-instance check, started as
   * g_application_run() would start it. */
  app = trawl_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("Cannot start the application: %s\n", error->message);
      return 1;
    }

  settings = trawl_application_get_settings (app);
  queue = trawl_application_get_queue (app);
  g_settings_set_string (settings, "download-folder", argv[1]);
  g_settings_set_boolean (settings, "folder-per-board", TRUE);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (!TRAWL_IS_WINDOW (window))
    {
      g_printerr ("The application showed no window\n");
      return 1;
    }
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);

  probe.lateness = g_array_new (FALSE, FALSE, sizeof (double));
  source = g_timeout_add (PERIOD_MS, board_probe_tick, &probe);
  started = g_get_monotonic_time ();
  cpu_before = cpu_seconds (RUSAGE_SELF);
  main_before = cpu_seconds (RUSAGE_THREAD);

  if (trawl_window_add_board (TRAWL_WINDOW (window), argv[2], "pearvideo") == NULL)
    {
      g_printerr ("The board was refused\n");
      return 1;
    }
  while (trawl_queue_is_busy (queue))
    g_main_context_iteration (NULL, TRUE);

  seconds = (g_get_monotonic_time () - started) / 1e6;
  cpu = cpu_seconds (RUSAGE_SELF) - cpu_before;
  main_cpu = cpu_seconds (RUSAGE_THREAD) - main_before;
  g_source_remove (source);
  g_array_sort (probe.lateness, compare_doubles);

  n = probe.lateness->len;
  v = (double *) probe.lateness->data;
  done = trawl_queue_count_state (queue, TRAWL_ITEM_DONE);
  if (n == 0 || done == 0 || done != g_list_model_get_n_items (G_LIST_MODEL (queue)))
    {
      g_printerr ("Not every video was downloaded (%u of %u)\n", done,
                  g_list_model_get_n_items (G_LIST_MODEL (queue)));
      return 1;
    }

  printf ("{\"items\": %u, \"seconds\": %.3f, \"cpu\": %.3f, \"main_cpu\": %.3f, "
          "\"samples\": %u, \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f}\n",
          done, seconds, cpu, main_cpu, n, v[n / 2], v[MIN (n - 1, (guint) (n * 0.99))],
          v[n - 1]);
  fflush (stdout);

  trawl_application_stop_queue (queue);
  gtk_window_destroy (window);
  g_array_unref (probe.lateness);
  return 0;
}
