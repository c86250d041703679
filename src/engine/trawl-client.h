#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * TrawlAllowLocal:
 * @TRAWL_ALLOW_LOCAL_AUTO: a board on this machine or its network may lead
 *   to addresses there; a board on the internet may not (the default)
 * @TRAWL_ALLOW_LOCAL_ALWAYS: any board may (for networks whose public names
 *   resolve to private addresses)
 * @TRAWL_ALLOW_LOCAL_NEVER: no board may, wherever it is; only the board's
 *   own URL is fetched from such an address
 *
 * Whether what a board leads to (redirects, detail pages, videos) may be on
 * a loopback, link-local or private address: a hostile board must not make
 * Trawl probe the services of the machine it runs on.
 */
typedef enum
{
  TRAWL_ALLOW_LOCAL_AUTO,
  TRAWL_ALLOW_LOCAL_ALWAYS,
  TRAWL_ALLOW_LOCAL_NEVER,
} TrawlAllowLocal;

#define TRAWL_TYPE_CLIENT (trawl_client_get_type ())

G_DECLARE_FINAL_TYPE (TrawlClient, trawl_client, TRAWL, CLIENT, GObject)

TrawlClient *trawl_client_new           (void);
guint        trawl_client_get_per_host  (TrawlClient  *self);
guint        trawl_client_get_max_tries (TrawlClient  *self);
guint        trawl_client_get_split     (TrawlClient  *self);
guint        trawl_client_get_max_height (TrawlClient *self);

guint64      trawl_parse_rate           (const char   *text,
                                         GError      **error);
gboolean     trawl_parse_header         (const char   *text,
                                         char        **name,
                                         char        **value,
                                         GError      **error);
gboolean     trawl_check_cookies_file   (const char   *path,
                                         GError      **error);

G_END_DECLS
