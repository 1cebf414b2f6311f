/*
 * The embedded static files (static/ in the source tree) as a route:
 * GET /static/{path*}, with an ETag, If-None-Match and a year-long cache for
 * fingerprinted URLs ("?v=<hash>", as the layout links them). Register these
 * beside the modules' routes when building the router.
 */
#ifndef GC_HTTP_STATIC_H
#define GC_HTTP_STATIC_H

#include <stddef.h>

#include "http/route.h"

extern const struct gc_route gc_static_routes[];
extern const size_t gc_static_route_count;

#endif
