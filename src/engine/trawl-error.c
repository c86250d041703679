#define G_LOG_DOMAIN "trawl-error"

#include "config.h"

#include "trawl-error.h"

G_DEFINE_QUARK (trawl-error-quark, trawl_error)
