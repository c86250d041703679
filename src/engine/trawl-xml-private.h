#pragma once

#include <glib.h>

G_BEGIN_DECLS

void _trawl_xml_init (void);

G_END_DECLS
