#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TRAWL_ERROR (trawl_error_quark ())

/**
 * TrawlError:
 * @TRAWL_ERROR_HTTP: an HTTP error status that asking again will not change
 * @TRAWL_ERROR_SERVER: the server failed in a way that may pass (5xx, 429, 408)
 * @TRAWL_ERROR_UNSAFE_URL: a URL with a scheme other than http(s), or with credentials
 * @TRAWL_ERROR_NOT_MEDIA: the server sent a web page or text where a video was expected
 * @TRAWL_ERROR_NO_MEDIA: a detail page yielded no media URL
 * @TRAWL_ERROR_NO_ITEMS: a board page yielded no items
 * @TRAWL_ERROR_TOO_LARGE: a page is larger than the page size bound
 * @TRAWL_ERROR_TRUNCATED: the body ended before the announced length
 * @TRAWL_ERROR_RECIPE: a recipe file is invalid
 * @TRAWL_ERROR_API: a JSON API answered with an error or unexpected data
 * @TRAWL_ERROR_NO_SPACE: the disk is full
 * @TRAWL_ERROR_BAD_STATE: the saved queue cannot be used (it was moved aside)
 * @TRAWL_ERROR_PROXY: the proxy setting is not a proxy address
 * @TRAWL_ERROR_STREAM: a stream (HLS playlist) that cannot be saved as it is:
 *   live, encrypted for DRM, or in a form Trawl does not read
 * @TRAWL_ERROR_GONE: the server says it has no such thing (404, 410)
 * @TRAWL_ERROR_REMOTE: the remote download backend (aria2) refused or
 *   failed the download, or cannot say what became of it
 */
typedef enum
{
  TRAWL_ERROR_HTTP,
  TRAWL_ERROR_SERVER,
  TRAWL_ERROR_UNSAFE_URL,
  TRAWL_ERROR_NOT_MEDIA,
  TRAWL_ERROR_NO_MEDIA,
  TRAWL_ERROR_NO_ITEMS,
  TRAWL_ERROR_TOO_LARGE,
  TRAWL_ERROR_TRUNCATED,
  TRAWL_ERROR_RECIPE,
  TRAWL_ERROR_API,
  TRAWL_ERROR_NO_SPACE,
  TRAWL_ERROR_BAD_STATE,
  TRAWL_ERROR_PROXY,
  TRAWL_ERROR_STREAM,
  TRAWL_ERROR_GONE,
  TRAWL_ERROR_REMOTE,
} TrawlError;

GQuark trawl_error_quark (void);

G_END_DECLS
