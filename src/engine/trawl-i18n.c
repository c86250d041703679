#define G_LOG_DOMAIN "trawl-i18n"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "trawl-i18n.h"

/**
 * trawl_i18n_init:
 *
 * Makes the program speak the user's language: the locale from the
 * environment, and the translations of Trawl (the engine's messages and the
 * program's own) from the installed LOCALEDIR, or from $TRAWL_LOCALEDIR for
 * an uninstalled build (the tests, build-aux/run.sh). Called first thing in
 * main().
 */
void
trawl_i18n_init (void)
{
  const char *dir = g_getenv ("TRAWL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dir != NULL ? dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
