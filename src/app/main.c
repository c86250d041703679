#define G_LOG_DOMAIN "trawl"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "trawl-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TrawlApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* TRAWL_LOCALEDIR: translations of an uninstalled build (build-aux/run.sh). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TRAWL_LOCALEDIR") ? g_getenv ("TRAWL_LOCALEDIR")
                                                                : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = trawl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
