/*
 * The running portal: settings, the database pool, templates, routes and
 * the HTTP listener. One exists per process; its fields do not change while
 * requests are served (everything mutable is in the database or behind the
 * structures' own locks).
 */
#ifndef GC_HTTP_SERVER_H
#define GC_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "http/route.h"

struct gc_pool;
struct gc_templates;
struct gc_router;
struct gc_metrics;
struct gc_page_cache;
struct gc_http;
struct gc_identity;

struct gc_server {
	struct gc_config config;
	struct gc_pool *pool;
	struct gc_templates *templates;
	struct gc_router *router;
	struct gc_metrics *metrics;
	struct gc_page_cache *cache;
	struct gc_http *http;
	struct gc_identity *identity; /* secrets and sign-in state (http/identity.c); NULL: nobody can sign in */
	const char *version;
	bool demo;  /* demo data is loaded: every page says so (read at start-up) */
};

/*
 * The identity state of a server (http/identity.c): loads the secrets
 * (auth/secrets.h, created on first use), the common-password list, a dummy
 * hash for unknown accounts and the Argon2 slots. err says what failed.
 */
GC_MUST_CHECK gc_status gc_identity_new(const struct gc_config *config, struct gc_identity **out, char *err,
					size_t err_size);
void gc_identity_free(struct gc_identity *identity);

/* Builds the router from every module's routes (and the core's). */
GC_MUST_CHECK gc_status gc_router_new(const struct gc_route *const *route_lists, const size_t *counts, size_t n_lists,
				      struct gc_router **out, char *err, size_t err_size);
void gc_router_free(struct gc_router *router);
/* Every route, in registration order (for the OpenAPI check and the route table). */
size_t gc_router_routes(const struct gc_router *router, const struct gc_route **out, size_t max);

/*
 * Starts listening (and the metrics listener when configured). Returns when
 * the listener is up; requests are served on the HTTP layer's threads.
 */
GC_MUST_CHECK gc_status gc_http_start(struct gc_server *server, char *err, size_t err_size);
/* Stops accepting, finishes requests in flight, and frees the listener. */
void gc_http_stop(struct gc_server *server);

/*
 * The port the main listener (or the metrics listener) is bound to: the
 * configured one, or the one the system chose for port 0. 0 when not listening.
 */
uint16_t gc_http_port(const struct gc_server *server);
uint16_t gc_http_metrics_port(const struct gc_server *server);

#endif
