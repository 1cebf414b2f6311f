/*
 * Declarative routes. A module lists its routes; the router checks
 * everything a route declares before its handler runs:
 *   - the method and the path pattern ("/countries/{iso3}"; a segment in
 *     braces matches one non-empty path segment; a last segment "{name*}"
 *     matches one or more, joined with '/'),
 *   - who the caller must be (access; enforced by auth/ once it exists),
 *   - CSRF for state changes from a browser session,
 *   - every query (and form) parameter: its type and bounds. Parameters a
 *     route does not declare are dropped; a declared one that is malformed or
 *     out of bounds is a 400 naming it.
 * A route's pattern is written once, without the /api/v1 prefix; the same
 * route answers /api/v1/<pattern> with JSON. Routes marked api_only exist
 * only there ("/openapi.json" api_only answers /api/v1/openapi.json alone).
 * Patterns are checked at start-up (gc_router_new): a leading '/', literal
 * segments of unreserved characters, {name} segments (at most
 * GC_MAX_PATH_PARAMS), no two routes with the same method and shape.
 */
#ifndef GC_HTTP_ROUTE_H
#define GC_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

enum gc_access {
	GC_ACCESS_PUBLIC = 0,   /* anyone, anonymous included */
	GC_ACCESS_SIGNED_IN,    /* any signed-in person */
	GC_ACCESS_STATE,        /* a member (or observer) state's person */
	GC_ACCESS_SECRETARIAT,  /* the Secretariat */
	GC_ACCESS_SESSION,      /* a browser session, its MFA step passed or not (http/identity.h) */
};

enum gc_param_type {
	GC_PARAM_STRING,  /* acceptable single-line text of at most max_len bytes */
	GC_PARAM_TEXT,    /* acceptable text, line breaks allowed, at most max_len bytes */
	GC_PARAM_INT,     /* a decimal integer in [min, max] */
	GC_PARAM_ENUM,    /* one of choices */
	GC_PARAM_ISO3,    /* three upper-case ASCII letters */
	GC_PARAM_DATE,    /* YYYY-MM-DD */
	GC_PARAM_BOOL,    /* "1", "0", "true", "false", "on" */
};

struct gc_param_spec {
	const char *name;
	enum gc_param_type type;
	int64_t min, max;           /* GC_PARAM_INT */
	size_t max_len;             /* string types; 0 = 256 */
	const char *const *choices; /* GC_PARAM_ENUM: NULL-terminated */
	unsigned max_repeat;        /* how many times it may appear; 0 = once */
	bool required;
};

#define GC_PARAMS_END { .name = NULL }

struct gc_route {
	const char *method;          /* "GET" (also answers HEAD), "POST", "PUT", "DELETE" */
	const char *pattern;
	gc_handler handler;
	enum gc_access access;
	bool csrf;                   /* refuse a cookie-authenticated request without a valid token */
	const struct gc_param_spec *params; /* query parameters (GET) or form fields (POST); NULL-name terminated */
	const char *name;            /* stable label for metrics and the route table, e.g. "countries.show" */
	bool api_only;               /* no HTML twin */
	size_t max_body;             /* 0 = the server's default body limit */
	bool upload;                 /* takes files (multipart/form-data): a multipart body may be as large as
					config max_upload_bytes, and its file parts reach req->files */
	bool same_for_everyone;      /* public bytes that never depend on the caller (static files):
					the caller is not looked up, saving a query per file */
};

#endif
