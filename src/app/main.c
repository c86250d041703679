#define G_LOG_DOMAIN "trawl"

#include "config.h"

#include "trawl-application.h"
#include "trawl-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TrawlApplication) app = NULL;

  trawl_i18n_init ();

  app = trawl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
