/*
 * The request target as src/http/server.c handles it: gc_target_parse on
 * the raw target, then gc_router_match against the portal's real route
 * table (the static files' routes and every module's).
 *
 * Input: one byte choosing the method (GET HEAD POST PUT PATCH DELETE
 * OPTIONS BREW), then the raw target (up to a NUL, as libmicrohttpd gives it).
 *
 * Invariants of gc_target_parse:
 *  - failure is GC_EHTTP with 400 bad_request or invalid_encoding, or 414
 *    uri_too_long (only past GC_MAX_PATH_BYTES);
 *  - on success every segment is acceptable single-line text (base/text.h)
 *    without '/', never "." or "..", empty only when last; path is "/"
 *    and the segments joined by '/'; the query is the raw text after the
 *    first '?'; api exactly when the first two decoded segments are
 *    "api" and "v1";
 *  - the segments, percent-encoded again (base/buf.h) and parsed again,
 *    come back the same (one decoding, no second meaning).
 * Invariants of gc_router_match:
 *  - GC_OK: the route's method is the request's (GET for HEAD), an
 *    api_only route only under /api/v1, every {param} set from a non-empty
 *    segment, a {rest*} the remaining segments joined, never a "..";
 *  - GC_DECLINED: an Allow list that is not empty and does not name the
 *    method; GC_ENOTFOUND otherwise. The same answer twice.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/text.h"
#include "http/internal.h"
#include "http/static.h"
#include "modules/module.h"

static struct gc_router *router;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const struct gc_route *lists[64];
	size_t counts[64], n = 0;
	char err[256] = "";
	lists[n] = gc_static_routes;
	counts[n++] = gc_static_route_count;
	for (size_t i = 0; i < gc_module_count && n < 64; i++) {
		lists[n] = gc_modules[i]->routes;
		counts[n++] = gc_modules[i]->n_routes;
	}
	if (gc_router_new(lists, counts, n, &router, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gc_router_new: %s\n", err);
		abort();
	}
	return 0;
}

static void check_target(const char *raw, const struct gc_target *t)
{
	for (size_t i = 0; i < t->n_segments; i++) {
		const char *s = t->segments[i];
		size_t n = strlen(s);
		FUZZ_CHECK(gc_text_acceptable_line(s, n), "segment %zu is not acceptable text", i);
		FUZZ_CHECK(!memchr(s, '/', n), "segment %zu holds a '/'", i);
		FUZZ_CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0, "segment %zu is a dot segment", i);
		FUZZ_CHECK(n > 0 || i + 1 == t->n_segments, "empty segment %zu of %zu", i, t->n_segments);
	}
	/* path = "/" + segments joined with '/' */
	struct gc_buf b;
	gc_buf_init(&b, 1 << 20);
	gc_buf_lit(&b, "/");
	for (size_t i = 0; i < t->n_segments; i++) {
		if (i)
			gc_buf_lit(&b, "/");
		gc_buf_str_raw(&b, t->segments[i]);
	}
	FUZZ_CHECK(t->path && strcmp(t->path, gc_buf_str(&b)) == 0, "path \"%s\" is not its segments", t->path);
	gc_buf_free(&b);

	const char *q = strchr(raw, '?');
	if (q)
		FUZZ_CHECK(t->query == q + 1 && t->query_len == strlen(q + 1), "the query is not the text after '?'");
	else
		FUZZ_CHECK(t->query && t->query[0] == '\0' && t->query_len == 0, "a query without '?'");
	size_t path_len = q ? (size_t)(q - raw) : strlen(raw);
	bool literal_api = path_len >= 7 && memcmp(raw, "/api/v1", 7) == 0 && (path_len == 7 || raw[7] == '/');
	FUZZ_CHECK(!literal_api || t->api, "/api/v1... not taken as the API");
	if (t->api) /* the two segments skipped are "api" and "v1", decoded ("/%61pi/v1" is the API too) */
		FUZZ_CHECK(t->api_like && strcmp(t->segments[-2], "api") == 0 && strcmp(t->segments[-1], "v1") == 0,
			   "api without /api/v1");
	else if (t->n_segments >= 2)
		FUZZ_CHECK(strcmp(t->segments[0], "api") != 0 || strcmp(t->segments[1], "v1") != 0, "/api/v1 not taken as the API");
}

/* Encodes the segments again and parses the result: the same segments come back. */
static void check_round_trip(const struct gc_target *t)
{
	struct gc_buf b;
	gc_buf_init(&b, 1 << 20);
	if (t->api)
		gc_buf_lit(&b, "/api/v1");
	for (size_t i = 0; i < t->n_segments; i++) {
		gc_buf_lit(&b, "/");
		gc_buf_url_query(&b, t->segments[i], strlen(t->segments[i])); /* '/' escaped too */
	}
	if (!t->api && t->n_segments == 0)
		gc_buf_lit(&b, "/");
	FUZZ_CHECK(!gc_buf_error(&b), "re-encoding failed");
	/* Over the limit only because escaping grew it: nothing to compare. */
	if (b.len <= GC_MAX_PATH_BYTES) {
		struct gc_arena *arena = gc_arena_new(1 << 20);
		struct gc_target again;
		struct gc_http_error err = { 0 };
		if (!arena)
			abort();
		gc_status st = gc_target_parse(arena, gc_buf_str(&b), &again, &err);
		if (st != GC_OK)
			fuzz_dump("re-encoded", b.data, b.len);
		FUZZ_CHECK(st == GC_OK, "the re-encoded target is refused: %d %s", err.status, err.code);
		FUZZ_CHECK(again.n_segments == t->n_segments && again.api == t->api, "re-encoded: %zu segments, not %zu",
			   again.n_segments, t->n_segments);
		for (size_t i = 0; i < t->n_segments; i++)
			FUZZ_CHECK(strcmp(again.segments[i], t->segments[i]) == 0, "re-encoded: segment %zu differs", i);
		gc_arena_free(arena);
	}
	gc_buf_free(&b);
}

static void check_match(const char *method, const struct gc_target *t, struct gc_arena *arena)
{
	struct gc_match m, m2;
	char allow[64] = "", allow2[64] = "";
	gc_status st = gc_router_match(router, method, t->api, t->segments, t->n_segments, arena, &m, allow, sizeof(allow));
	gc_status st2 = gc_router_match(router, method, t->api, t->segments, t->n_segments, arena, &m2, allow2,
					sizeof(allow2));
	FUZZ_CHECK(st == st2 && m.route == m2.route && strcmp(allow, allow2) == 0, "not deterministic");
	if (st == GC_OK) {
		const struct gc_route *r = m.route;
		FUZZ_CHECK(r && m.index < gc_router_count(router) && gc_router_route(router, m.index) == r, "bad match");
		bool head = strcmp(method, "HEAD") == 0;
		FUZZ_CHECK(strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0),
			   "%s answered by a %s route", method, r->method);
		FUZZ_CHECK(!r->api_only || t->api, "api_only route %s outside /api/v1", r->pattern);
		/* Count the pattern's parameters and check each was set. */
		size_t params = 0;
		for (const char *p = r->pattern; (p = strchr(p, '{')) != NULL; p++)
			params++;
		for (size_t i = 0; i < GC_MAX_PATH_PARAMS; i++) {
			if (i < params) {
				FUZZ_CHECK(m.params[i] && m.params[i][0], "param %zu of %s is empty", i, r->pattern);
				const char *p = m.params[i];
				FUZZ_CHECK(strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0 && !strstr(p, "/../") &&
						   !(strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0),
					   "param \"%s\" climbs", p);
				FUZZ_CHECK(gc_text_acceptable_line(p, strlen(p)), "param %zu is not acceptable", i);
			} else {
				FUZZ_CHECK(m.params[i] == NULL, "param %zu set for %s", i, r->pattern);
			}
		}
	} else if (st == GC_DECLINED) {
		FUZZ_CHECK(allow[0], "405 without Allow");
		/* The Allow list never names the method that was refused. */
		char needle[16];
		snprintf(needle, sizeof(needle), "%s", method);
		for (const char *p = allow; *p;) {
			size_t n = strcspn(p, ",");
			FUZZ_CHECK(!(n == strlen(needle) && memcmp(p, needle, n) == 0), "Allow \"%s\" names %s", allow,
				   method);
			p += n;
			while (*p == ',' || *p == ' ')
				p++;
		}
	} else {
		FUZZ_CHECK(st == GC_ENOTFOUND, "router status %s", gc_status_name(st));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW" };
	if (size < 1)
		return 0;
	const char *method = methods[data[0] & 7];
	char *raw = fuzz_cstr(data + 1, size - 1);
	struct gc_arena *arena = gc_arena_new(1 << 22);
	if (!arena)
		abort();
	struct gc_target t;
	struct gc_http_error err = { 0 };
	gc_status st = gc_target_parse(arena, raw, &t, &err);
	if (st != GC_OK) {
		FUZZ_CHECK(st == GC_EHTTP, "status %s", gc_status_name(st));
		bool known = (err.status == 400 && err.code &&
			      (strcmp(err.code, "bad_request") == 0 || strcmp(err.code, "invalid_encoding") == 0)) ||
			     (err.status == 414 && err.code && strcmp(err.code, "uri_too_long") == 0);
		FUZZ_CHECK(known, "error %d %s", err.status, err.code ? err.code : "(null)");
		if (err.status == 414) {
			const char *q = strchr(raw, '?');
			FUZZ_CHECK((q ? (size_t)(q - raw) : strlen(raw)) > GC_MAX_PATH_BYTES, "414 for a short path");
		}
	} else {
		check_target(raw, &t);
		check_round_trip(&t);
		check_match(method, &t, arena);
	}
	gc_arena_free(arena);
	free(raw);
	return 0;
}
