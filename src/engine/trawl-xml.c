#define G_LOG_DOMAIN "trawl-xml"

#include "config.h"

#include <libxml/parser.h>

#include "trawl-xml-private.h"

/* libxml2's set-up, for the recipes (their XPaths are compiled when they
 * are read) and the page extraction alike. */

static void
quiet_generic_error (void       *ctx,
                     const char *msg,
                     ...)
{
}

static void
quiet_structured_error (void        *ctx,
                        xmlErrorPtr  error)
{
}

/* libxml2 keeps its error handlers per thread, and web pages are full of
 * markup it complains about; none of that is the user's business. Called
 * on each thread before libxml2 is used there. */
void
_trawl_xml_init (void)
{
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }

  xmlSetGenericErrorFunc (NULL, quiet_generic_error);
  xmlSetStructuredErrorFunc (NULL, quiet_structured_error);
}
