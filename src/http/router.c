/*
 * The route table: every module's routes, checked once at start-up so a
 * mistake in a pattern or a parameter declaration stops the server instead
 * of surfacing as a strange 404 later, then matched segment by segment.
 * The table is immutable after gc_router_new, so threads share it freely.
 */
#include "http/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum seg_kind { SEG_LITERAL = 0, SEG_PARAM = 1, SEG_REST = 2 }; /* also the order of precedence */

struct rt_seg {
	enum seg_kind kind;
	char *text;        /* the literal, or the parameter's name */
};

struct rt_route {
	const struct gc_route *route;
	struct rt_seg *segs;
	size_t n_segs;
};

struct gc_router {
	struct rt_route *routes;
	size_t n;
};

/* Methods a route may declare, in the order an Allow header lists them. */
static const char *const known_methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" };

static int method_bit(const char *method)
{
	for (size_t i = 0; i < GC_ARRAY_LEN(known_methods); i++)
		if (strcmp(method, known_methods[i]) == 0)
			return (int)i;
	return -1;
}

static bool literal_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void free_route(struct rt_route *r)
{
	for (size_t i = 0; i < r->n_segs; i++)
		free(r->segs[i].text);
	free(r->segs);
}

void gc_router_free(struct gc_router *router)
{
	if (!router)
		return;
	for (size_t i = 0; i < router->n; i++)
		free_route(&router->routes[i]);
	free(router->routes);
	free(router);
}

/* Compiles one pattern; err names what is wrong. */
static gc_status compile_pattern(const char *pattern, struct rt_route *out, char *err, size_t err_size)
{
	gc_status status = GC_EINVAL;
	size_t len = strlen(pattern);
	if (len == 0 || pattern[0] != '/') {
		snprintf(err, err_size, "pattern \"%s\" must start with '/'", pattern);
		goto out;
	}
	size_t max_segs = 0;
	for (size_t i = 0; i < len; i++)
		max_segs += pattern[i] == '/';
	out->segs = calloc(max_segs, sizeof(*out->segs));
	if (!out->segs) {
		status = GC_ENOMEM;
		goto out;
	}
	unsigned n_params = 0;
	const char *p = pattern + 1;
	while (len > 1 && p <= pattern + len) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct rt_seg *seg = &out->segs[out->n_segs];
		if (n == 0) {
			snprintf(err, err_size, "pattern \"%s\" has an empty segment", pattern);
			goto out;
		}
		if (p[0] == '{') {
			bool rest = n >= 4 && p[n - 2] == '*' && p[n - 1] == '}';
			size_t name_len = rest ? n - 3 : n - 2;
			bool ok = n >= 3 && p[n - 1] == '}' && name_len > 0;
			for (size_t i = 0; ok && i < name_len; i++)
				ok = name_char(p[1 + i]);
			if (!ok) {
				snprintf(err, err_size, "pattern \"%s\": bad parameter segment \"%.*s\"", pattern,
					 (int)n, p);
				goto out;
			}
			if (rest && end) {
				snprintf(err, err_size, "pattern \"%s\": {%.*s*} must be the last segment", pattern,
					 (int)name_len, p + 1);
				goto out;
			}
			if (++n_params > GC_MAX_PATH_PARAMS) {
				snprintf(err, err_size, "pattern \"%s\" has more than %d parameters", pattern,
					 GC_MAX_PATH_PARAMS);
				goto out;
			}
			seg->kind = rest ? SEG_REST : SEG_PARAM;
			seg->text = strndup(p + 1, name_len);
			for (size_t k = 0; seg->text && k < out->n_segs; k++)
				if (out->segs[k].kind != SEG_LITERAL && strcmp(out->segs[k].text, seg->text) == 0) {
					snprintf(err, err_size, "pattern \"%s\" repeats parameter {%s}", pattern,
						 seg->text);
					out->n_segs++;
					goto out;
				}
		} else {
			bool ok = !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.');
			for (size_t i = 0; ok && i < n; i++)
				ok = literal_char(p[i]);
			if (!ok) {
				snprintf(err, err_size, "pattern \"%s\": bad literal segment \"%.*s\"", pattern,
					 (int)n, p);
				goto out;
			}
			seg->kind = SEG_LITERAL;
			seg->text = strndup(p, n);
		}
		out->n_segs++;
		if (!seg->text) {
			status = GC_ENOMEM;
			goto out;
		}
		if (!end)
			break;
		p = end + 1;
	}
	status = GC_OK;
out:
	return status;
}

static gc_status check_params(const struct gc_route *route, char *err, size_t err_size)
{
	if (!route->params)
		return GC_OK;
	for (const struct gc_param_spec *s = route->params; s->name; s++) {
		const char *why = NULL;
		size_t n = strlen(s->name);
		if (!gc_http_token(s->name, n))
			why = "is not a token";
		else if (strcmp(s->name, "lang") == 0)
			why = "is reserved (the language is a global parameter)";
		else if (s->type == GC_PARAM_ENUM && (!s->choices || !s->choices[0]))
			why = "is an enum without choices";
		else if (s->type == GC_PARAM_INT && s->min > s->max)
			why = "has min > max";
		else if (s->type == GC_PARAM_INT && s->min == 0 && s->max == 0)
			why = "is an integer without bounds (set min and max)";
		else if (s->type > GC_PARAM_BOOL)
			why = "has an unknown type";
		else if (s->max_repeat > GC_MAX_QUERY_PARAMS)
			why = "repeats more often than a query may hold parameters";
		for (const struct gc_param_spec *t = route->params; !why && t != s; t++)
			if (strcmp(t->name, s->name) == 0)
				why = "is declared twice";
		if (why) {
			snprintf(err, err_size, "route %s %s: parameter \"%s\" %s", route->method, route->pattern,
				 s->name, why);
			return GC_EINVAL;
		}
	}
	return GC_OK;
}

static bool same_shape(const struct rt_route *a, const struct rt_route *b)
{
	if (a->n_segs != b->n_segs || strcmp(a->route->method, b->route->method) != 0)
		return false;
	for (size_t i = 0; i < a->n_segs; i++) {
		if (a->segs[i].kind != b->segs[i].kind)
			return false;
		if (a->segs[i].kind == SEG_LITERAL && strcmp(a->segs[i].text, b->segs[i].text) != 0)
			return false;
	}
	return true;
}

gc_status gc_router_new(const struct gc_route *const *route_lists, const size_t *counts, size_t n_lists,
			struct gc_router **out, char *err, size_t err_size)
{
	gc_status status = GC_ENOMEM;
	struct gc_router *router = calloc(1, sizeof(*router));
	if (err_size)
		err[0] = '\0';
	if (!router)
		goto out;
	size_t total = 0;
	for (size_t l = 0; l < n_lists; l++)
		total += counts[l];
	router->routes = calloc(total ? total : 1, sizeof(*router->routes));
	if (!router->routes)
		goto out;
	for (size_t l = 0; l < n_lists; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const struct gc_route *route = &route_lists[l][i];
			struct rt_route *r = &router->routes[router->n];
			int bit = route->method ? method_bit(route->method) : -1;
			if (!route->pattern || !route->handler || bit < 0 || bit == 1) {
				snprintf(err, err_size, "route %s %s: needs a pattern, a handler and one of GET, "
					 "POST, PUT, PATCH, DELETE", route->method ? route->method : "(null)",
					 route->pattern ? route->pattern : "(null)");
				status = GC_EINVAL;
				goto out;
			}
			r->route = route;
			router->n++;
			status = compile_pattern(route->pattern, r, err, err_size);
			if (status != GC_OK)
				goto out;
			status = check_params(route, err, err_size);
			if (status != GC_OK)
				goto out;
			for (size_t k = 0; k + 1 < router->n; k++) {
				if (same_shape(&router->routes[k], r)) {
					snprintf(err, err_size, "route %s %s duplicates %s %s", route->method,
						 route->pattern, router->routes[k].route->method,
						 router->routes[k].route->pattern);
					status = GC_EINVAL;
					goto out;
				}
			}
		}
	}
	*out = router;
	router = NULL;
	status = GC_OK;
out:
	if (status == GC_ENOMEM && err_size && !err[0])
		snprintf(err, err_size, "out of memory building the route table");
	gc_router_free(router);
	return status;
}

size_t gc_router_routes(const struct gc_router *router, const struct gc_route **out, size_t max)
{
	for (size_t i = 0; i < router->n && i < max; i++)
		out[i] = router->routes[i].route;
	return router->n;
}

size_t gc_router_count(const struct gc_router *router)
{
	return router ? router->n : 0;
}

const struct gc_route *gc_router_route(const struct gc_router *router, size_t index)
{
	return router && index < router->n ? router->routes[index].route : NULL;
}

static bool path_matches(const struct rt_route *r, char *const *segments, size_t n)
{
	bool rest = r->n_segs > 0 && r->segs[r->n_segs - 1].kind == SEG_REST;
	if (rest ? n < r->n_segs : n != r->n_segs)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct rt_seg *seg = i < r->n_segs ? &r->segs[i] : &r->segs[r->n_segs - 1];
		if (segments[i][0] == '\0')
			return false;
		if (seg->kind == SEG_LITERAL && strcmp(seg->text, segments[i]) != 0)
			return false;
	}
	return true;
}

/* Negative when a is more specific than b. */
static int specificity(const struct rt_route *a, const struct rt_route *b)
{
	size_t n = a->n_segs < b->n_segs ? a->n_segs : b->n_segs;
	for (size_t i = 0; i < n; i++)
		if (a->segs[i].kind != b->segs[i].kind)
			return (int)a->segs[i].kind - (int)b->segs[i].kind;
	/* "/a/{x*}" against "/a/{x*}/..." cannot happen: a rest is always last. */
	return 0;
}

gc_status gc_router_match(const struct gc_router *router, const char *method, bool api, char *const *segments,
			  size_t n_segments, struct gc_arena *arena, struct gc_match *out, char *allow,
			  size_t allow_size)
{
	const struct rt_route *best = NULL;
	size_t best_index = 0;
	unsigned allowed = 0;
	bool head = strcmp(method, "HEAD") == 0;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < router->n; i++) {
		const struct rt_route *r = &router->routes[i];
		if (r->route->api_only && !api)
			continue;
		if (!path_matches(r, segments, n_segments))
			continue;
		const char *rm = r->route->method;
		allowed |= 1u << method_bit(rm);
		if (strcmp(rm, "GET") == 0)
			allowed |= 1u << 1; /* HEAD */
		bool ok = strcmp(rm, method) == 0 || (head && strcmp(rm, "GET") == 0);
		if (ok && (!best || specificity(r, best) < 0)) {
			best = r;
			best_index = i;
		}
	}
	if (!best) {
		if (!allowed)
			return GC_ENOTFOUND;
		size_t used = 0;
		if (allow_size)
			allow[0] = '\0';
		for (size_t b = 0; b < GC_ARRAY_LEN(known_methods); b++) {
			if (!(allowed & (1u << b)))
				continue;
			int w = snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", known_methods[b]);
			if (w < 0 || (size_t)w >= allow_size - used)
				break;
			used += (size_t)w;
		}
		return GC_DECLINED;
	}
	out->route = best->route;
	out->index = best_index;
	size_t p = 0;
	for (size_t i = 0; i < best->n_segs; i++) {
		if (best->segs[i].kind == SEG_PARAM) {
			out->params[p++] = segments[i];
		} else if (best->segs[i].kind == SEG_REST) {
			size_t len = 0;
			for (size_t k = i; k < n_segments; k++)
				len += strlen(segments[k]) + 1;
			char *joined = gc_arena_alloc(arena, len);
			if (!joined)
				return GC_ENOMEM;
			char *w = joined;
			for (size_t k = i; k < n_segments; k++) {
				size_t sl = strlen(segments[k]);
				if (k > i)
					*w++ = '/';
				memcpy(w, segments[k], sl);
				w += sl;
			}
			*w = '\0';
			out->params[p++] = joined;
		}
	}
	return GC_OK;
}
