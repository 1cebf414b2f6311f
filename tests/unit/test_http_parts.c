/*
 * The HTTP layer: its pure parts (router, target and parameter parsing,
 * framing decisions, cookies, header values, the page cache, metrics) without
 * a socket, then a real server on 127.0.0.1 spoken to with libcurl and with
 * raw sockets for what libcurl would refuse to send.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/embedded.h"
#include "base/log.h"
#include "base/random.h"
#include "http/internal.h"
#include "http/static.h"
#include "modules/module.h"
#include "render/i18n.h"
#include "render/templates.h"
#include "store/migrate.h"
#include "store/store.h"

/* ======================================================================== */
/* Routes used by the router tests and by the test server                    */
/* ======================================================================== */

static gc_status h_page(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "test/missing", "site.name");
	if (status != GC_OK)
		return status;
	json_object_set_new(view->model, "id", json_string(req->path_params[0] ? req->path_params[0] : ""));
	json_t *q = json_object();
	for (size_t i = 0; i < req->n_query; i++)
		json_object_set_new(q, req->query[i].name, json_string(req->query[i].value));
	json_object_set_new(view->model, "query", q);
	const char *tags[4];
	size_t n_tags = gc_query_all(req, "tag", tags, 4);
	json_object_set_new(view->model, "tags", json_integer((json_int_t)n_tags));
	json_object_set_new(view->model, "n", json_integer(gc_query_int(req, "n", -1)));
	json_object_set_new(view->model, "lang", json_string(req->lang));
	json_object_set_new(view->model, "path", json_string(req->path));
	json_object_set_new(view->model, "is_api", json_boolean(req->is_api));
	return GC_OK;
}

static gc_status h_raw(struct gc_request *req, struct gc_view *view)
{
	(void)req;
	view->kind = GC_VIEW_RAW;
	view->content_type = "text/csv; charset=utf-8";
	view->body = strdup("a,b\n1,2\n");
	view->body_len = strlen(view->body);
	view->filename = "donn\xc3\xa9" "es\xe2\x80\xae\".csv"; /* é, RLO, quote */
	return view->body ? GC_OK : GC_ENOMEM;
}

static gc_status h_conflict(struct gc_request *req, struct gc_view *view)
{
	(void)view;
	return gc_fail(req, 409, "conflict", "error.conflict", "name");
}

static gc_status h_eio(struct gc_request *req, struct gc_view *view)
{
	(void)req;
	(void)view;
	return GC_EIO;
}

static gc_status h_db(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = gc_request_db(req);
	int64_t answer = 0;
	if (!db)
		return GC_EHTTP;
	gc_status status = gc_db_query_int(db, "SELECT 41 + 1", GC_NO_PARAMS, &answer);
	if (status == GC_OK)
		status = gc_view_page(req, view, "test/missing", NULL);
	if (status == GC_OK)
		json_object_set_new(view->model, "answer", json_integer(answer));
	return status;
}

/* A statement that runs past the database's time limit (GC_DB_STATEMENT_TIMEOUT_MS). */
static gc_status h_slow_db(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = gc_request_db(req);
	int64_t n = 0;
	(void)view;
	if (!db)
		return GC_EHTTP;
	return gc_db_query_int(db,
			       "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000000000)"
			       " SELECT COUNT(*) AS n FROM c",
			       GC_NO_PARAMS, &n);
}

static gc_status h_echo(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "test/missing", NULL);
	if (status != GC_OK)
		return status;
	static const char *const kinds[] = { "none", "form", "json", "multipart", "other" };
	json_object_set_new(view->model, "kind", json_string(kinds[req->body_kind]));
	json_object_set_new(view->model, "name", req->form ? json_string(gc_form(req, "name")) : json_null());
	json_object_set_new(view->model, "undeclared", gc_form(req, "other") ? json_true() : json_false());
	json_object_set_new(view->model, "json", req->json ? json_incref(req->json) : json_null());
	json_object_set_new(view->model, "body_len", json_integer((json_int_t)req->body_len));
	return GC_OK;
}

static gc_status h_redirect(struct gc_request *req, struct gc_view *view)
{
	(void)req;
	view->kind = GC_VIEW_REDIRECT;
	view->location = "/items/7";
	return GC_OK;
}

static gc_status h_evil_redirect(struct gc_request *req, struct gc_view *view)
{
	(void)req;
	view->kind = GC_VIEW_REDIRECT;
	view->location = "//evil.example/";
	return GC_OK;
}

static atomic_int cacheable_renders;

static gc_status h_cacheable(struct gc_request *req, struct gc_view *view)
{
	atomic_fetch_add(&cacheable_renders, 1);
	gc_status status = gc_view_page(req, view, "test/missing", NULL);
	if (status == GC_OK) {
		view->cacheable = true;
		json_object_set_new(view->model, "stable", json_string("yes"));
	}
	return status;
}

static gc_status h_header(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "test/missing", NULL);
	if (status != GC_OK)
		return status;
	json_object_set_new(view->model, "crlf",
			    json_boolean(gc_add_header(req, "X-Test", "a\r\nSet-Cookie: evil=1") == GC_EINVAL));
	json_object_set_new(view->model, "cors",
			    json_boolean(gc_add_header(req, "Access-Control-Allow-Origin", "*") == GC_EINVAL));
	json_object_set_new(view->model, "csp",
			    json_boolean(gc_add_header(req, "X-Frame-Options", "ALLOW") == GC_EINVAL));
	json_object_set_new(view->model, "ok", json_boolean(gc_add_header(req, "X-Test", "fine") == GC_OK));
	json_object_set_new(view->model, "cookie", json_string(gc_cookie(req, "flavour")));
	return GC_OK;
}

static const char *const kinds_enum[] = { "policy", "law", NULL };

static const struct gc_param_spec item_params[] = {
	{ .name = "q", .type = GC_PARAM_STRING, .max_len = 8 },
	{ .name = "n", .type = GC_PARAM_INT, .min = 1, .max = 100 },
	{ .name = "kind", .type = GC_PARAM_ENUM, .choices = kinds_enum },
	{ .name = "c", .type = GC_PARAM_ISO3 },
	{ .name = "d", .type = GC_PARAM_DATE },
	{ .name = "b", .type = GC_PARAM_BOOL },
	{ .name = "tag", .type = GC_PARAM_STRING, .max_repeat = 3 },
	{ .name = "note", .type = GC_PARAM_TEXT, .max_len = 16 },
	GC_PARAMS_END,
};

static const struct gc_param_spec echo_params[] = {
	{ .name = "name", .type = GC_PARAM_STRING, .required = true },
	GC_PARAMS_END,
};

static const struct gc_param_spec need_params[] = {
	{ .name = "must", .type = GC_PARAM_INT, .min = 0, .max = 9, .required = true },
	GC_PARAMS_END,
};

static const struct gc_route test_routes[] = {
	{ .method = "GET", .pattern = "/", .handler = h_page, .name = "t.home" },
	{ .method = "GET", .pattern = "/items/{id}", .handler = h_page, .params = item_params, .name = "t.item" },
	{ .method = "GET", .pattern = "/items/new", .handler = h_page, .name = "t.item_new" },
	{ .method = "POST", .pattern = "/items", .handler = h_echo, .params = echo_params, .name = "t.create" },
	{ .method = "GET", .pattern = "/items", .handler = h_page, .name = "t.items" },
	{ .method = "GET", .pattern = "/openapi.json", .handler = h_page, .name = "t.openapi", .api_only = true },
	{ .method = "GET", .pattern = "/files/{path*}", .handler = h_page, .name = "t.files" },
	{ .method = "GET", .pattern = "/raw", .handler = h_raw, .name = "t.raw" },
	{ .method = "GET", .pattern = "/conflict", .handler = h_conflict, .name = "t.conflict" },
	{ .method = "GET", .pattern = "/boom", .handler = h_eio, .name = "t.boom" },
	{ .method = "GET", .pattern = "/db", .handler = h_db, .name = "t.db" },
	{ .method = "GET", .pattern = "/slow-db", .handler = h_slow_db, .name = "t.slow_db" },
	{ .method = "POST", .pattern = "/echo", .handler = h_echo, .params = echo_params, .name = "t.echo" },
	{ .method = "PUT", .pattern = "/small", .handler = h_echo, .name = "t.small", .max_body = 64 },
	{ .method = "GET", .pattern = "/go", .handler = h_redirect, .name = "t.go" },
	{ .method = "GET", .pattern = "/evil", .handler = h_evil_redirect, .name = "t.evil" },
	{ .method = "GET", .pattern = "/cached", .handler = h_cacheable, .name = "t.cached" },
	{ .method = "GET", .pattern = "/headers", .handler = h_header, .name = "t.headers" },
	{ .method = "GET", .pattern = "/need", .handler = h_page, .params = need_params, .name = "t.need" },
	{ .method = "GET", .pattern = "/private", .handler = h_page, .name = "t.private",
	  .access = GC_ACCESS_SIGNED_IN },
};

static struct gc_router *make_router(void)
{
	const struct gc_route *lists[] = { test_routes, gc_static_routes };
	size_t counts[] = { GC_ARRAY_LEN(test_routes), gc_static_route_count };
	struct gc_router *router = NULL;
	char err[256];
	gc_status status = gc_router_new(lists, counts, 2, &router, err, sizeof(err));
	cr_assert_eq(status, GC_OK, "router: %s", err);
	return router;
}

/* Splits a path into mutable segments the way gc_target_parse would (no decoding). */
static size_t split(struct gc_arena *arena, const char *path, char ***out)
{
	struct gc_target t;
	struct gc_http_error err;
	cr_assert_eq(gc_target_parse(arena, path, &t, &err), GC_OK, "%s", path);
	*out = t.segments;
	return t.n_segments;
}

/* ======================================================================== */
/* Router                                                                    */
/* ======================================================================== */

Test(router, matches_literals_params_and_rest)
{
	struct gc_router *router = make_router();
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_match m;
	char allow[64];
	char **segs;
	size_t n;

	n = split(arena, "/", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "t.home");

	n = split(arena, "/items/FRA", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "t.item");
	cr_assert_str_eq(m.params[0], "FRA");

	/* A literal beats a parameter wherever they are registered. */
	n = split(arena, "/items/new", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "t.item_new");

	/* HEAD is served by GET routes. */
	n = split(arena, "/items/FRA", &segs);
	cr_assert_eq(gc_router_match(router, "HEAD", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "t.item");

	n = split(arena, "/files/a/b/c.txt", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "t.files");
	cr_assert_str_eq(m.params[0], "a/b/c.txt");

	n = split(arena, "/static/style.css", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_OK);
	cr_assert_str_eq(m.route->name, "static");
	cr_assert_str_eq(m.params[0], "style.css");

	gc_arena_free(arena);
	gc_router_free(router);
}

Test(router, not_found_and_method_not_allowed)
{
	struct gc_router *router = make_router();
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_match m;
	char allow[64];
	char **segs;
	size_t n;

	n = split(arena, "/nowhere", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_ENOTFOUND);
	n = split(arena, "/items/FRA/extra", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_ENOTFOUND);
	/* A trailing slash is another path. */
	n = split(arena, "/items/", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_ENOTFOUND);
	n = split(arena, "/files", &segs);
	cr_assert_eq(gc_router_match(router, "GET", false, segs, n, arena, &m, allow, sizeof(allow)), GC_ENOTFOUND);

	n = split(arena, "/items", &segs);
	cr_assert_eq(gc_router_match(router, "DELETE", false, segs, n, arena, &m, allow, sizeof(allow)), GC_DECLINED);
	cr_assert_str_eq(allow, "GET, HEAD, POST");
	n = split(arena, "/items/FRA", &segs);
	cr_assert_eq(gc_router_match(router, "POST", false, segs, n, arena, &m, allow, sizeof(allow)), GC_DECLINED);
	cr_assert_str_eq(allow, "GET, HEAD");
	n = split(arena, "/echo", &segs);
	cr_assert_eq(gc_router_match(router, "HEAD", false, segs, n, arena, &m, allow, sizeof(allow)), GC_DECLINED);
	cr_assert_str_eq(allow, "POST");

	gc_arena_free(arena);
	gc_router_free(router);
}

Test(router, api_prefix_and_api_only)
{
	struct gc_router *router = make_router();
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_match m;
	char allow[64];
	struct gc_target t;
	struct gc_http_error err;

	cr_assert_eq(gc_target_parse(arena, "/api/v1/items/FRA?x=1", &t, &err), GC_OK);
	cr_assert(t.api);
	cr_assert_str_eq(t.path, "/items/FRA");
	cr_assert_str_eq(t.query, "x=1");
	cr_assert_eq(gc_router_match(router, "GET", t.api, t.segments, t.n_segments, arena, &m, allow, sizeof(allow)),
		     GC_OK);
	cr_assert_str_eq(m.route->name, "t.item");

	cr_assert_eq(gc_target_parse(arena, "/api/v1/openapi.json", &t, &err), GC_OK);
	cr_assert_eq(gc_router_match(router, "GET", t.api, t.segments, t.n_segments, arena, &m, allow, sizeof(allow)),
		     GC_OK);
	cr_assert_str_eq(m.route->name, "t.openapi");

	/* api_only routes do not exist outside /api/v1. */
	cr_assert_eq(gc_target_parse(arena, "/openapi.json", &t, &err), GC_OK);
	cr_assert_not(t.api);
	cr_assert_eq(gc_router_match(router, "GET", t.api, t.segments, t.n_segments, arena, &m, allow, sizeof(allow)),
		     GC_ENOTFOUND);

	cr_assert_eq(gc_target_parse(arena, "/api/v1", &t, &err), GC_OK);
	cr_assert(t.api);
	cr_assert_str_eq(t.path, "/");
	cr_assert_eq(t.n_segments, 0);
	cr_assert_eq(gc_target_parse(arena, "/api/v1/", &t, &err), GC_OK);
	cr_assert_str_eq(t.path, "/");
	cr_assert_eq(t.n_segments, 0);
	cr_assert_eq(gc_target_parse(arena, "/api/v2/items", &t, &err), GC_OK);
	cr_assert_not(t.api);
	cr_assert(t.api_like);

	gc_arena_free(arena);
	gc_router_free(router);
}

static gc_status build_one(const struct gc_route *routes, size_t n, char *err, size_t err_size)
{
	const struct gc_route *lists[] = { routes };
	size_t counts[] = { n };
	struct gc_router *router = NULL;
	gc_status status = gc_router_new(lists, counts, 1, &router, err, err_size);
	gc_router_free(router);
	return status;
}

Test(router, refuses_bad_tables_at_start_up)
{
	char err[256];
	const struct gc_param_spec no_bounds[] = { { .name = "n", .type = GC_PARAM_INT }, GC_PARAMS_END };
	const struct gc_param_spec no_choices[] = { { .name = "k", .type = GC_PARAM_ENUM }, GC_PARAMS_END };
	const struct gc_param_spec reserved[] = { { .name = "lang" }, GC_PARAMS_END };
	const struct gc_param_spec twice[] = { { .name = "a" }, { .name = "a" }, GC_PARAMS_END };
	struct {
		struct gc_route routes[2];
		size_t n;
		const char *why;
	} cases[] = {
		{ { { .method = "GET", .pattern = "items", .handler = h_page } }, 1, "start with '/'" },
		{ { { .method = "GET", .pattern = "/a//b", .handler = h_page } }, 1, "empty segment" },
		{ { { .method = "GET", .pattern = "/a/", .handler = h_page } }, 1, "empty segment" },
		{ { { .method = "GET", .pattern = "/a/{}", .handler = h_page } }, 1, "bad parameter" },
		{ { { .method = "GET", .pattern = "/a/{x", .handler = h_page } }, 1, "bad parameter" },
		{ { { .method = "GET", .pattern = "/a/{x-y}", .handler = h_page } }, 1, "bad parameter" },
		{ { { .method = "GET", .pattern = "/{x}/{x}", .handler = h_page } }, 1, "repeats" },
		{ { { .method = "GET", .pattern = "/{a}/{b}/{c}/{d}/{e}", .handler = h_page } }, 1, "more than" },
		{ { { .method = "GET", .pattern = "/{a*}/b", .handler = h_page } }, 1, "last segment" },
		{ { { .method = "GET", .pattern = "/a/../b", .handler = h_page } }, 1, "bad literal" },
		{ { { .method = "GET", .pattern = "/a b", .handler = h_page } }, 1, "bad literal" },
		{ { { .method = "FETCH", .pattern = "/a", .handler = h_page } }, 1, "one of GET" },
		{ { { .method = "HEAD", .pattern = "/a", .handler = h_page } }, 1, "one of GET" },
		{ { { .method = "GET", .pattern = "/a" } }, 1, "handler" },
		{ { { .method = "GET", .pattern = "/a/{x}", .handler = h_page },
		    { .method = "GET", .pattern = "/a/{y}", .handler = h_page } }, 2, "duplicates" },
		{ { { .method = "GET", .pattern = "/a", .handler = h_page },
		    { .method = "GET", .pattern = "/a", .handler = h_page, .api_only = true } }, 2, "duplicates" },
		{ { { .method = "GET", .pattern = "/a", .handler = h_page, .params = no_bounds } }, 1, "without bounds" },
		{ { { .method = "GET", .pattern = "/a", .handler = h_page, .params = no_choices } }, 1, "without choices" },
		{ { { .method = "GET", .pattern = "/a", .handler = h_page, .params = reserved } }, 1, "reserved" },
		{ { { .method = "GET", .pattern = "/a", .handler = h_page, .params = twice } }, 1, "declared twice" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		gc_status status = build_one(cases[i].routes, cases[i].n, err, sizeof(err));
		cr_expect_eq(status, GC_EINVAL, "case %zu (%s) was accepted", i, cases[i].why);
		cr_expect(strstr(err, cases[i].why) != NULL, "case %zu: \"%s\" does not say \"%s\"", i, err,
			  cases[i].why);
	}
	/* Same pattern with different methods is fine; so is a literal beside a parameter. */
	struct gc_route fine[] = {
		{ .method = "GET", .pattern = "/a/{x}", .handler = h_page },
		{ .method = "POST", .pattern = "/a/{x}", .handler = h_page },
		{ .method = "GET", .pattern = "/a/b", .handler = h_page },
	};
	cr_assert_eq(build_one(fine, GC_ARRAY_LEN(fine), err, sizeof(err)), GC_OK, "%s", err);

	struct gc_router *router = make_router();
	const struct gc_route *all[64];
	size_t n = gc_router_routes(router, all, 64);
	cr_assert_eq(n, GC_ARRAY_LEN(test_routes) + gc_static_route_count);
	cr_assert_eq(all[0], &test_routes[0]);
	gc_router_free(router);
}

/* ======================================================================== */
/* The request target                                                        */
/* ======================================================================== */

static struct gc_http_error target_error(const char *raw)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_target t;
	struct gc_http_error err = { 0 };
	gc_status status = gc_target_parse(arena, raw, &t, &err);
	gc_arena_free(arena);
	if (status == GC_OK)
		err.status = 0;
	return err;
}

Test(target, decodes_segments_once)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_target t;
	struct gc_http_error err;
	cr_assert_eq(gc_target_parse(arena, "/files/caf%C3%A9/%252e%252e?a=%zz", &t, &err), GC_OK);
	cr_assert_eq(t.n_segments, 3);
	cr_assert_str_eq(t.segments[1], "caf\xc3\xa9");
	cr_assert_str_eq(t.segments[2], "%2e%2e"); /* double encoding stays literal */
	cr_assert_str_eq(t.query, "a=%zz");       /* the query is decoded later, by its own rules */
	cr_assert_eq(gc_target_parse(arena, "/", &t, &err), GC_OK);
	cr_assert_eq(t.n_segments, 0);
	cr_assert_str_eq(t.path, "/");
	gc_arena_free(arena);
}

Test(target, refuses_bad_paths)
{
	struct {
		const char *raw;
		int status;
		const char *code;
	} cases[] = {
		{ "/a/%zz", 400, "invalid_encoding" },
		{ "/a/%C0%AF", 400, "invalid_encoding" },     /* overlong '/' */
		{ "/a/%00", 400, "invalid_encoding" },
		{ "/a/%", 400, "invalid_encoding" },
		{ "/a/%4", 400, "invalid_encoding" },
		{ "/a/%FF", 400, "invalid_encoding" },
		{ "/a/\xc3\x28", 400, "invalid_encoding" },    /* raw invalid UTF-8 */
		{ "/a/%E2%80%AE", 400, "invalid_encoding" },  /* RIGHT-TO-LEFT OVERRIDE */
		{ "/a/%ED%A0%80", 400, "invalid_encoding" },  /* a surrogate */
		{ "/a/%0A", 400, "invalid_encoding" },
		{ "/a/%7F", 400, "invalid_encoding" },
		{ "/a%2Fb", 400, "invalid_encoding" },
		{ "/a//b", 400, "bad_request" },
		{ "//a", 400, "bad_request" },
		{ "/a/./b", 400, "bad_request" },
		{ "/a/../b", 400, "bad_request" },
		{ "/a/%2e%2E/b", 400, "bad_request" },
		{ "/..", 400, "bad_request" },
		{ "a/b", 400, "bad_request" },
		{ "http://example.org/", 400, "bad_request" },
		{ "*", 400, "bad_request" },
		{ "", 400, "bad_request" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		struct gc_http_error err = target_error(cases[i].raw);
		cr_expect_eq(err.status, cases[i].status, "%s: %d", cases[i].raw, err.status);
		if (err.status)
			cr_expect_str_eq(err.code, cases[i].code, "%s", cases[i].raw);
	}
	char long_path[GC_MAX_PATH_BYTES + 8];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	struct gc_http_error err = target_error(long_path);
	cr_assert_eq(err.status, 414);
	cr_assert_str_eq(err.code, "uri_too_long");
	long_path[GC_MAX_PATH_BYTES] = '\0';
	cr_assert_eq(target_error(long_path).status, 0);
}

/* ======================================================================== */
/* Query and form parameters                                                 */
/* ======================================================================== */

/* Parses and selects s against item_params; returns the error status (0 when fine). */
static int select_query(const char *s, const struct gc_param_spec *specs, bool required, struct gc_kv **kept,
			size_t *n_kept, struct gc_http_error *err, struct gc_arena *arena)
{
	struct gc_kv *pairs;
	size_t n_pairs;
	memset(err, 0, sizeof(*err));
	gc_status status = gc_kv_parse(arena, s, strlen(s), GC_MAX_QUERY_PARAMS, &pairs, &n_pairs, err);
	if (status == GC_OK)
		status = gc_params_select(arena, specs, pairs, n_pairs, required, kept, n_kept, err);
	return status == GC_OK ? 0 : err->status;
}

Test(params, decodes_and_keeps_declared_ones)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_kv *kept;
	size_t n;
	struct gc_http_error err;
	cr_assert_eq(select_query("zz=1&q=a+b%21&&n=42&tag=x&tag=y&utm=%41&lang=fr", item_params, true, &kept, &n,
				  &err, arena), 0);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(gc_kv_find(kept, n, "q"), "a b!");
	cr_assert_str_eq(gc_kv_find(kept, n, "n"), "42");
	cr_assert_str_eq(kept[2].name, "tag");
	cr_assert_str_eq(kept[3].value, "y");
	cr_assert_str_eq(gc_kv_find(kept, n, "lang"), "fr");
	cr_assert_null(gc_kv_find(kept, n, "zz"));
	cr_assert_null(gc_kv_find(kept, n, "utm"));

	/* An unknown language is dropped, not refused; an empty non-text value is absent. */
	cr_assert_eq(select_query("lang=xx&n=&q=", item_params, true, &kept, &n, &err, arena), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(kept[0].name, "q");
	cr_assert_str_eq(kept[0].value, "");
	gc_arena_free(arena);
}

Test(params, refuses_bad_values_naming_the_field)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_kv *kept;
	size_t n;
	struct gc_http_error err;
	struct {
		const char *query;
		const char *code;
		const char *field;
	} cases[] = {
		{ "q=123456789", "invalid_param", "q" },       /* over max_len 8 */
		{ "q=a%0Ab", "invalid_param", "q" },           /* a line break in a single-line string */
		{ "note=a%0Ab", NULL, NULL },                  /* fine in TEXT */
		{ "note=aaaaaaaaaaaaaaaaa", "invalid_param", "note" },
		{ "n=0", "invalid_param", "n" },
		{ "n=101", "invalid_param", "n" },
		{ "n=-5", "invalid_param", "n" },
		{ "n=07", "invalid_param", "n" },
		{ "n=+7", "invalid_param", "n" },
		{ "n=7x", "invalid_param", "n" },
		{ "n=%207", "invalid_param", "n" },
		{ "n=99999999999999999999", "invalid_param", "n" },
		{ "n=100", NULL, NULL },
		{ "kind=policy", NULL, NULL },
		{ "kind=Policy", "invalid_param", "kind" },
		{ "kind=polic", "invalid_param", "kind" },
		{ "c=FRA", NULL, NULL },
		{ "c=fra", "invalid_param", "c" },
		{ "c=FRAN", "invalid_param", "c" },
		{ "c=F1A", "invalid_param", "c" },
		{ "d=2024-02-29", NULL, NULL },
		{ "d=2023-02-29", "invalid_param", "d" },
		{ "d=2024-13-01", "invalid_param", "d" },
		{ "d=2024-1-01", "invalid_param", "d" },
		{ "d=2024-01-01T00:00:00Z", "invalid_param", "d" },
		{ "b=true", NULL, NULL },
		{ "b=on", NULL, NULL },
		{ "b=yes", "invalid_param", "b" },
		{ "b=TRUE", "invalid_param", "b" },
		{ "q=a&q=b", "invalid_param", "q" },           /* once only */
		{ "tag=a&tag=b&tag=c", NULL, NULL },
		{ "tag=a&tag=b&tag=c&tag=d", "invalid_param", "tag" },
		{ "q=%zz", "invalid_encoding", NULL },
		{ "q=%C0%AF", "invalid_encoding", NULL },
		{ "q=%00", "invalid_encoding", NULL },
		{ "q=%E2%80%8F%E2%80%AE", "invalid_encoding", NULL },
		{ "%zz=1", "invalid_encoding", NULL },
		{ "undeclared=%zz", "invalid_encoding", NULL },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		int status = select_query(cases[i].query, item_params, true, &kept, &n, &err, arena);
		if (!cases[i].code) {
			cr_expect_eq(status, 0, "%s: refused (%s)", cases[i].query, err.code);
			continue;
		}
		cr_expect_eq(status, 400, "%s: accepted", cases[i].query);
		if (status != 400)
			continue;
		cr_expect_str_eq(err.code, cases[i].code, "%s", cases[i].query);
		if (cases[i].field)
			cr_expect_str_eq(err.field, cases[i].field, "%s", cases[i].query);
		else
			cr_expect_null(err.field, "%s", cases[i].query);
	}
	gc_arena_free(arena);
}

Test(params, required_and_too_many)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	struct gc_kv *kept;
	size_t n;
	struct gc_http_error err;
	cr_assert_eq(select_query("x=1", need_params, true, &kept, &n, &err, arena), 400);
	cr_assert_str_eq(err.code, "missing_param");
	cr_assert_str_eq(err.field, "must");
	cr_assert_eq(select_query("must=", need_params, true, &kept, &n, &err, arena), 400);
	cr_assert_str_eq(err.code, "missing_param");
	cr_assert_eq(select_query("x=1", need_params, false, &kept, &n, &err, arena), 0);
	cr_assert_eq(select_query("must=3", need_params, true, &kept, &n, &err, arena), 0);

	struct gc_buf b;
	gc_buf_init(&b, 1 << 16);
	for (int i = 0; i <= GC_MAX_QUERY_PARAMS; i++)
		gc_buf_printf(&b, "p%d=1&", i);
	cr_assert_eq(select_query(gc_buf_str(&b), item_params, true, &kept, &n, &err, arena), 400);
	cr_assert_str_eq(err.code, "too_many_params");
	gc_buf_free(&b);
	gc_arena_free(arena);
}

/* ======================================================================== */
/* Framing (SECURITY.md H1)                                                  */
/* ======================================================================== */

struct hdr {
	const char *name;
	const char *value;
};

static gc_status framing_of(const struct hdr *h, size_t n, size_t max_head, struct gc_framing *f)
{
	gc_framing_start(f, 20);
	for (size_t i = 0; i < n; i++)
		gc_framing_header(f, h[i].name, strlen(h[i].name), h[i].value, strlen(h[i].value));
	return gc_framing_verdict(f, max_head);
}

Test(framing, decisions)
{
	struct gc_framing f;
	struct {
		struct hdr h[3];
		size_t n;
		gc_status want;
		bool body;
	} cases[] = {
		{ { { "Host", "x" } }, 1, GC_OK, false },
		{ { { "Content-Length", "0" } }, 1, GC_OK, false },
		{ { { "Content-Length", "12" } }, 1, GC_OK, true },
		{ { { "Transfer-Encoding", "chunked" } }, 1, GC_OK, true },
		{ { { "transfer-encoding", "Chunked" } }, 1, GC_OK, true },
		{ { { "Content-Length", "5" }, { "Transfer-Encoding", "chunked" } }, 2, GC_EINVAL, false },
		{ { { "Content-Length", "5" }, { "Content-Length", "5" } }, 2, GC_EINVAL, false },
		{ { { "Content-Length", "5" }, { "content-length", "6" } }, 2, GC_EINVAL, false },
		{ { { "Content-Length", "+5" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "-1" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "5 " } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "5,5" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "0x10" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length", "12345678901234567890" } }, 1, GC_EINVAL, false },
		{ { { "Transfer-Encoding", "gzip" } }, 1, GC_EINVAL, false },
		{ { { "Transfer-Encoding", "gzip, chunked" } }, 1, GC_EINVAL, false },
		{ { { "Transfer-Encoding", "chunked" }, { "Transfer-Encoding", "chunked" } }, 2, GC_EINVAL, false },
		{ { { "Content-Length ", "5" } }, 1, GC_EINVAL, false },    /* whitespace before the colon */
		{ { { "Transfer-Encoding\t", "chunked" } }, 1, GC_EINVAL, false },
		{ { { "X Y", "1" } }, 1, GC_EINVAL, false },
		{ { { "", "1" } }, 1, GC_EINVAL, false },
		{ { { "X-A", "a\rb" } }, 1, GC_EINVAL, false },
		/* obsolete folding as libmicrohttpd 0.9.75 delivers it */
		{ { { "Transfer-Encodingchunked", "" } }, 1, GC_EINVAL, false },
		{ { { "Content-Length5", "" } }, 1, GC_EINVAL, false },
		{ { { "X-Atwo three", "one" } }, 1, GC_EINVAL, false },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		cr_expect_eq(framing_of(cases[i].h, cases[i].n, 1 << 14, &f), cases[i].want, "case %zu", i);
		if (cases[i].want == GC_OK)
			cr_expect_eq(gc_framing_has_body(&f), cases[i].body, "case %zu", i);
	}
	/* The head's size counts names, values and line ends. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct hdr h[] = { { "X-Big", big } };
	cr_assert_eq(framing_of(h, 1, 2000, &f), GC_ETOOBIG);
	cr_assert_eq(framing_of(h, 1, 2100, &f), GC_OK);
	cr_assert(gc_http_token("X-Custom_1.2~", 13));
	cr_assert_not(gc_http_token("X:Y", 3));
	cr_assert_not(gc_http_token("X\xc3\xa9", 3));
}

/* ======================================================================== */
/* Header values                                                             */
/* ======================================================================== */

Test(headers, cookies)
{
	struct gc_arena *arena = gc_arena_new(1 << 16);
	const char *h = "a=1; gcscp_lang=fr;theme=\"dark\" ;  xlang=zz; bad name=1; sp=a b; empty=; last=9";
	cr_assert_str_eq(gc_cookie_parse(arena, h, "a"), "1");
	cr_assert_str_eq(gc_cookie_parse(arena, h, "gcscp_lang"), "fr");
	cr_assert_str_eq(gc_cookie_parse(arena, h, "theme"), "dark");
	cr_assert_str_eq(gc_cookie_parse(arena, h, "empty"), "");
	cr_assert_str_eq(gc_cookie_parse(arena, h, "last"), "9");
	cr_assert_null(gc_cookie_parse(arena, h, "lang"));
	cr_assert_null(gc_cookie_parse(arena, h, "sp"));   /* a space in a value: refused */
	cr_assert_null(gc_cookie_parse(arena, h, "name"));
	cr_assert_null(gc_cookie_parse(arena, h, "missing"));
	cr_assert_null(gc_cookie_parse(arena, NULL, "a"));
	cr_assert_str_eq(gc_cookie_parse(arena, "a=1; a=2", "a"), "1");
	cr_assert_null(gc_cookie_parse(arena, "a=\x01", "a"));
	cr_assert_null(gc_cookie_parse(arena, "a=\"1", "a"));
	cr_assert_null(gc_cookie_parse(arena, "a=x\\y", "a"));
	gc_arena_free(arena);
}

static const char *disposition(const char *name, struct gc_buf *b)
{
	gc_buf_reset(b);
	gc_content_disposition(b, name);
	cr_assert_eq(gc_buf_error(b), GC_OK);
	return gc_buf_str(b);
}

Test(headers, content_disposition)
{
	struct gc_buf b;
	gc_buf_init(&b, 4096);
	cr_assert_str_eq(disposition("report.csv", &b), "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv");
	cr_assert_str_eq(disposition("r\xc3\xa9sum\xc3\xa9 2024.pdf", &b),
			 "attachment; filename=\"r_sum_ 2024.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf");
	/* Quotes, CR/LF, backslash, slashes and bidi controls never reach the header. */
	const char *v = disposition("a\"b\r\nSet-Cookie: x=1\\..\\/e\xe2\x80\xaegnp.exe", &b);
	cr_assert_str_eq(v, "attachment; filename=\"a_b__Set-Cookie: x=1_..__e_gnp.exe\"; "
			    "filename*=UTF-8''a_b__Set-Cookie%3A%20x%3D1_..__e_gnp.exe");
	cr_assert_null(strchr(v, '\r'));
	cr_assert_null(strstr(v, "%E2%80%AE"));
	cr_assert_str_eq(disposition("100%.txt", &b), "attachment; filename=\"100_.txt\"; filename*=UTF-8''100%25.txt");
	cr_assert_str_eq(disposition("\xc3\x28.txt", &b), "attachment; filename=\"download\"; filename*=UTF-8''download");
	cr_assert_str_eq(disposition("", &b), "attachment; filename=\"download\"; filename*=UTF-8''download");
	cr_assert_str_eq(disposition(NULL, &b), "attachment; filename=\"download\"; filename*=UTF-8''download");
	char long_name[600];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	cr_assert_lt(strlen(disposition(long_name, &b)), 500);
	gc_buf_free(&b);
}

Test(headers, redirect_targets)
{
	cr_assert(gc_redirect_target_ok("/"));
	cr_assert(gc_redirect_target_ok("/items/7?x=1#top"));
	cr_assert(gc_redirect_target_ok("/caf%C3%A9"));
	cr_assert_not(gc_redirect_target_ok(NULL));
	cr_assert_not(gc_redirect_target_ok(""));
	cr_assert_not(gc_redirect_target_ok("//evil.example"));
	cr_assert_not(gc_redirect_target_ok("/\\evil.example"));
	cr_assert_not(gc_redirect_target_ok("/a\\b"));
	cr_assert_not(gc_redirect_target_ok("https://evil.example/"));
	cr_assert_not(gc_redirect_target_ok("javascript:alert(1)"));
	cr_assert_not(gc_redirect_target_ok("evil.example"));
	cr_assert_not(gc_redirect_target_ok("/\t/evil.example"));
	cr_assert_not(gc_redirect_target_ok("/a\r\nSet-Cookie: x=1"));
	cr_assert_not(gc_redirect_target_ok("/a b"));
	cr_assert_not(gc_redirect_target_ok("/caf\xc3\xa9"));
}

Test(headers, content_type_accept_etag_origin)
{
	cr_assert_eq(gc_content_kind(NULL), GC_BODY_NONE);
	cr_assert_eq(gc_content_kind("application/x-www-form-urlencoded"), GC_BODY_FORM);
	cr_assert_eq(gc_content_kind("Application/X-WWW-Form-Urlencoded ; charset=UTF-8"), GC_BODY_FORM);
	cr_assert_eq(gc_content_kind("application/json"), GC_BODY_JSON);
	cr_assert_eq(gc_content_kind("application/json; charset=\"utf-8\""), GC_BODY_JSON);
	cr_assert_eq(gc_content_kind("application/json; charset=latin1"), GC_BODY_OTHER);
	cr_assert_eq(gc_content_kind("multipart/form-data; boundary=----x"), GC_BODY_MULTIPART);
	cr_assert_eq(gc_content_kind("multipart/form-data"), GC_BODY_OTHER);
	cr_assert_eq(gc_content_kind("text/plain"), GC_BODY_OTHER);
	cr_assert_eq(gc_content_kind("application/jsonx"), GC_BODY_OTHER);
	cr_assert_eq(gc_content_kind("application/json; junk"), GC_BODY_OTHER);

	cr_assert(gc_accept_prefers_json("application/json"));
	cr_assert(gc_accept_prefers_json("application/json, text/plain;q=0.5"));
	cr_assert(gc_accept_prefers_json("text/html;q=0.5, application/json"));
	cr_assert_not(gc_accept_prefers_json(NULL));
	cr_assert_not(gc_accept_prefers_json("*/*"));
	cr_assert_not(gc_accept_prefers_json(
		"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"));
	cr_assert_not(gc_accept_prefers_json("text/html, application/json;q=0.9"));
	cr_assert_not(gc_accept_prefers_json("application/json;q=0"));
	cr_assert_not(gc_accept_prefers_json("application/json;q=2"));

	cr_assert(gc_json_depth_ok("[[[]]]", 6, 3));
	cr_assert_not(gc_json_depth_ok("[[[[]]]]", 8, 3));
	cr_assert(gc_json_depth_ok("{\"a\":\"[[[[[[\"}", 14, 1));
	cr_assert(gc_json_depth_ok("{\"a\\\"[[[[\":1}", 13, 1));

	cr_assert(gc_etag_matches("\"abc\"", "\"abc\""));
	cr_assert(gc_etag_matches("W/\"abc\"", "\"abc\""));
	cr_assert(gc_etag_matches("\"x\", \"abc\"", "\"abc\""));
	cr_assert(gc_etag_matches("*", "\"abc\""));
	cr_assert_not(gc_etag_matches("\"abcd\"", "\"abc\""));
	cr_assert_not(gc_etag_matches("abc", "\"abc\""));
	cr_assert_not(gc_etag_matches(NULL, "\"abc\""));

	cr_assert(gc_origin_allowed("https://portal.example", "portal.example", NULL));
	cr_assert(gc_origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", ""));
	cr_assert_not(gc_origin_allowed("https://evil.example", "portal.example", NULL));
	cr_assert_not(gc_origin_allowed("null", "portal.example", NULL));
	cr_assert_not(gc_origin_allowed("https://portal.example/x", "portal.example", NULL));
	cr_assert_not(gc_origin_allowed("https://portal.example", NULL, NULL));
	/* Behind a proxy: Host is the upstream, the public origin comes from base_url. */
	cr_assert(gc_origin_allowed("https://Portal.example", "127.0.0.1:8080", "https://portal.example/"));
	cr_assert(gc_origin_allowed("https://portal.example", "127.0.0.1:8080", "https://portal.example"));
	cr_assert_not(gc_origin_allowed("http://portal.example", "127.0.0.1:8080", "https://portal.example"));
	cr_assert_not(gc_origin_allowed("https://portal.example.evil", "127.0.0.1:8080", "https://portal.example"));
	cr_assert_not(gc_origin_allowed("https://portal", "127.0.0.1:8080", "https://portal.example"));

	cr_assert_str_eq(gc_http_error_key("not_found"), "error.not_found");
	cr_assert_str_eq(gc_http_error_key("forbidden_csrf"), "error.csrf");
	cr_assert_str_eq(gc_http_error_key("no_such_code"), "error.internal");
}

/* ======================================================================== */
/* The page cache and metrics                                                */
/* ======================================================================== */

Test(cache, fresh_stale_and_bounded)
{
	struct gc_page_cache *cache;
	cr_assert_eq(gc_page_cache_new(1 << 20, 3, 4, &cache), GC_OK);
	cr_assert_not(gc_page_cache_route_known(cache, 2));
	gc_page_cache_mark_route(cache, 2);
	cr_assert(gc_page_cache_route_known(cache, 2));
	cr_assert_not(gc_page_cache_route_known(cache, 9));

	struct gc_cache_entry *e = gc_page_cache_put(cache, "k1", 2, 5, "text/html", strdup("one"), 3);
	cr_assert_not_null(e);
	cr_assert_eq(e->etag[0], '"');
	cr_assert_eq(strlen(e->etag), 18);
	gc_cache_entry_release(e);

	e = gc_page_cache_get(cache, "k1", 2, 5);
	cr_assert_not_null(e);
	cr_assert_eq(e->body_len, 3);
	cr_assert_str_eq(e->content_type, "text/html");
	/* A reference outlives the entry's removal from the table. */
	struct gc_cache_entry *held = e;
	cr_assert_null(gc_page_cache_get(cache, "k1", 2, 6)); /* stale: never served again */
	cr_assert_str_eq(held->body, "one");
	gc_cache_entry_release(held);
	cr_assert_null(gc_page_cache_get(cache, "k1", 2, 5));

	/* A fresh copy with the same bytes keeps the stale copy's time; other bytes bring their own. */
	gc_cache_entry_release(gc_page_cache_put_dated(cache, "t", 1, 1, "text/html", strdup("same"), 4, 1000));
	cr_assert_null(gc_page_cache_get(cache, "t", 1, 2));
	e = gc_page_cache_put_dated(cache, "t", 1, 2, "text/html", strdup("same"), 4, 2000);
	cr_assert_eq(e->last_modified, 1000);
	gc_cache_entry_release(e);
	e = gc_page_cache_put_dated(cache, "t", 1, 3, "text/html", strdup("diff"), 4, 3000);
	cr_assert_eq(e->last_modified, 3000);
	gc_cache_entry_release(e);
	e = gc_page_cache_get(cache, "t", 1, 3);
	cr_assert_not_null(e);
	gc_cache_entry_release(e);

	size_t entries, bytes;
	for (int i = 0; i < 5; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		gc_cache_entry_release(gc_page_cache_put(cache, key, strlen(key), 1, "text/html", strdup("body"), 4));
	}
	gc_page_cache_stats(cache, &entries, &bytes);
	cr_assert_eq(entries, 3);
	cr_assert_null(gc_page_cache_get(cache, "k0", 2, 1)); /* least recently used went first */
	e = gc_page_cache_get(cache, "k4", 2, 1);
	cr_assert_not_null(e);
	gc_cache_entry_release(e);

	/* Replacing a key keeps one entry. */
	gc_cache_entry_release(gc_page_cache_put(cache, "k4", 2, 2, "text/html", strdup("new"), 3));
	gc_page_cache_stats(cache, &entries, &bytes);
	cr_assert_eq(entries, 3);

	/* An entry larger than the whole cache is sent but not kept. */
	char *huge = malloc(2 << 20);
	memset(huge, 'x', 2 << 20);
	e = gc_page_cache_put(cache, "big", 3, 1, "text/html", huge, 2 << 20);
	cr_assert_not_null(e);
	gc_cache_entry_release(e);
	cr_assert_null(gc_page_cache_get(cache, "big", 3, 1));
	gc_page_cache_free(cache);

	/* The byte budget holds too. */
	cr_assert_eq(gc_page_cache_new(4096, 100, 1, &cache), GC_OK);
	for (int i = 0; i < 20; i++) {
		char key[8];
		snprintf(key, sizeof(key), "b%d", i);
		char *body = malloc(1000);
		memset(body, 'y', 1000);
		gc_cache_entry_release(gc_page_cache_put(cache, key, strlen(key), 1, "text/plain", body, 1000));
	}
	gc_page_cache_stats(cache, &entries, &bytes);
	cr_assert_leq(bytes, 4096);
	cr_assert_geq(entries, 1);
	gc_page_cache_free(cache);
}

Test(metrics, text_format)
{
	struct gc_router *router = make_router();
	struct gc_metrics *metrics;
	cr_assert_eq(gc_metrics_new(router, &metrics), GC_OK);
	gc_metrics_observe(metrics, 1, 200, 800);
	gc_metrics_observe(metrics, 1, 200, 30000);
	gc_metrics_observe(metrics, 1, 404, 20000000);
	gc_metrics_observe(metrics, GC_METRICS_UNMATCHED, 418, 10);
	struct gc_buf b;
	gc_buf_init(&b, 1 << 20);
	cr_assert_eq(gc_metrics_render(metrics, NULL, &b), GC_OK);
	const char *text = gc_buf_str(&b);
	cr_assert(strstr(text, "# TYPE gcscp_http_requests_total counter\n"));
	cr_assert(strstr(text, "gcscp_http_requests_total{route=\"t.item\",status=\"200\"} 2\n"), "%s", text);
	cr_assert(strstr(text, "gcscp_http_requests_total{route=\"t.item\",status=\"404\"} 1\n"));
	cr_assert(strstr(text, "gcscp_http_requests_total{route=\"unmatched\",status=\"other\"} 1\n"));
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_bucket{route=\"t.item\",le=\"0.001\"} 1\n"));
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_bucket{route=\"t.item\",le=\"0.05\"} 2\n"));
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_bucket{route=\"t.item\",le=\"10\"} 2\n"));
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_bucket{route=\"t.item\",le=\"+Inf\"} 3\n"));
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_sum{route=\"t.item\"} 20.030800\n"), "%s", text);
	cr_assert(strstr(text, "gcscp_http_request_duration_seconds_count{route=\"t.item\"} 3\n"));
	cr_assert(strstr(text, "gcscp_process_start_time_seconds "));
	cr_assert_null(strstr(text, "route=\"t.home\""));
	gc_buf_free(&b);
	gc_metrics_free(metrics);
	gc_router_free(router);
}

/* ======================================================================== */
/* A real server                                                             */
/* ======================================================================== */

#define METRICS_TOKEN "metrics-token-for-tests-0123456789"

static struct gc_server srv;
static uint16_t port;

static char db_dir[64];

/* A port nobody listens on now (the metrics listener needs a fixed one). */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sa);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void start_server_with(bool templates, bool database)
{
	char err[512];
	cr_assert_eq(gc_random_init(), GC_OK);
	cr_assert_eq(gc_i18n_load(err, sizeof(err)), GC_OK, "%s", err);
	memset(&srv, 0, sizeof(srv));
	snprintf(srv.config.listen_host, sizeof(srv.config.listen_host), "127.0.0.1");
	srv.config.listen_port = 0;
	srv.config.threads = 2;
	srv.config.max_header_bytes = 16 << 10;
	srv.config.max_body_bytes = 1024;
	srv.config.max_connections = 64;
	srv.config.max_connections_per_ip = 32;
	srv.config.connection_timeout_s = 5;
	srv.config.request_arena_bytes = 1 << 20;
	snprintf(srv.config.metrics_token, sizeof(srv.config.metrics_token), "%s", METRICS_TOKEN);
	srv.router = make_router();
	if (templates)
		cr_assert_eq(gc_templates_load(&srv.templates, err, sizeof(err)), GC_OK, "%s", err);
	if (database) {
		char url[128];
		struct gc_db *db;
		snprintf(db_dir, sizeof(db_dir), "/tmp/gc_http_test_XXXXXX");
		cr_assert_not_null(mkdtemp(db_dir));
		snprintf(url, sizeof(url), "sqlite:%s/test.db", db_dir);
		cr_assert_eq(gc_pool_open(url, db_dir, 2, &srv.pool, err, sizeof(err)), GC_OK, "%s", err);
		cr_assert_eq(gc_pool_acquire(srv.pool, 1000, &db), GC_OK);
		/* An empty component still gets the bookkeeping tables, the change counter among them. */
		cr_assert_eq(gc_migrate_component(db, "http_test", NULL, 0, err, sizeof(err)), GC_OK, "%s", err);
		gc_pool_release(srv.pool, db);
		srv.config.metrics_port = free_port();
		snprintf(srv.config.metrics_host, sizeof(srv.config.metrics_host), "127.0.0.1");
	}
	gc_log_set_level(GC_LOG_ERROR);
	cr_assert_eq(gc_http_start(&srv, err, sizeof(err)), GC_OK, "%s", err);
	port = gc_http_port(&srv);
	cr_assert_neq(port, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void start_server(void)
{
	start_server_with(false, false);
}

static void start_server_templates(void)
{
	start_server_with(true, false);
}

static void start_server_database(void)
{
	start_server_with(false, true);
}

static void stop_server(void)
{
	gc_http_stop(&srv);
	cr_assert_null(srv.http);
	cr_assert_null(srv.cache);
	cr_assert_null(srv.metrics);
	gc_pool_close(srv.pool);
	if (db_dir[0]) {
		char path[128];
		static const char *const files[] = { "test.db", "test.db-wal", "test.db-shm" };
		for (size_t i = 0; i < GC_ARRAY_LEN(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", db_dir, files[i]);
			unlink(path);
		}
		rmdir(db_dir);
	}
	gc_router_free(srv.router);
	gc_templates_free(srv.templates);
	gc_i18n_unload();
	curl_global_cleanup();
}

struct reply {
	long status;
	char headers[16384];
	size_t headers_len;
	char body[1 << 16];
	size_t body_len;
};

static size_t on_header(char *data, size_t size, size_t n, void *cls)
{
	struct reply *r = cls;
	size_t len = size * n;
	if (r->headers_len + len < sizeof(r->headers)) {
		memcpy(r->headers + r->headers_len, data, len);
		r->headers_len += len;
		r->headers[r->headers_len] = '\0';
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
	struct reply *r = cls;
	size_t len = size * n;
	if (r->body_len + len < sizeof(r->body)) {
		memcpy(r->body + r->body_len, data, len);
		r->body_len += len;
		r->body[r->body_len] = '\0';
	}
	return len;
}

/* A request with libcurl to port; headers is a NULL-terminated list, body may be NULL. */
static struct reply *fetch_at(uint16_t to, const char *method, const char *path, const char *const *headers,
			      const char *body)
{
	struct reply *r = calloc(1, sizeof(*r));
	char url[4096];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)to, path);
	CURL *curl = curl_easy_init();
	struct curl_slist *list = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	CURLcode code = curl_easy_perform(curl);
	cr_assert_eq(code, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(code));
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
	return r;
}

static struct reply *fetch(const char *method, const char *path, const char *const *headers, const char *body)
{
	return fetch_at(port, method, path, headers, body);
}

/* The value of a response header (case-insensitive name), or NULL; static storage. */
static const char *header_of(const char *headers, const char *name)
{
	static char value[4096];
	size_t n = strlen(name);
	for (const char *line = headers; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t len = strcspn(v, "\r\n");
			snprintf(value, sizeof(value), "%.*s", (int)len, v);
			return value;
		}
	}
	return NULL;
}

static void expect_security_headers(const char *headers, const char *what)
{
	static const char *const want[][2] = {
		{ "Content-Security-Policy",
		  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
		  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "same-origin" },
		{ "X-Frame-Options", "DENY" },
		{ "Cross-Origin-Opener-Policy", "same-origin" },
		{ "Cross-Origin-Resource-Policy", "same-origin" },
		{ "Permissions-Policy", "camera=(), microphone=(), geolocation=()" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(want); i++) {
		const char *v = header_of(headers, want[i][0]);
		cr_expect(v && strcmp(v, want[i][1]) == 0, "%s: %s is %s", what, want[i][0], v ? v : "missing");
	}
	cr_expect_null(header_of(headers, "Access-Control-Allow-Origin"), "%s", what);
	cr_expect_null(header_of(headers, "Server"), "%s", what);
}

/* Sends raw bytes; reads until the server closes or 3 s pass. Returns the bytes read. */
static size_t raw_exchange(const char *request, size_t len, char *out, size_t cap, bool *closed)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = { .tv_sec = 3 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t sent = 0;
	while (sent < len) {
		ssize_t w = send(fd, request + sent, len - sent, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the server may refuse before reading everything */
		sent += (size_t)w;
	}
	size_t got = 0;
	*closed = false;
	while (got + 1 < cap) {
		ssize_t r = recv(fd, out + got, cap - 1 - got, 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			*closed = true;
			break;
		}
		if (r < 0)
			break; /* timeout: the connection stayed open */
		got += (size_t)r;
	}
	out[got] = '\0';
	close(fd);
	return got;
}

static int status_of(const char *raw)
{
	int status = 0;
	if (sscanf(raw, "HTTP/1.%*d %d", &status) != 1)
		return 0;
	return status;
}

static struct reply *raw_reply(const char *request, bool *closed)
{
	static char raw[1 << 16];
	struct reply *r = calloc(1, sizeof(*r));
	size_t n = raw_exchange(request, strlen(request), raw, sizeof(raw), closed);
	r->status = status_of(raw);
	const char *end = strstr(raw, "\r\n\r\n");
	size_t head = end ? (size_t)(end - raw) + 4 : n;
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)head, raw);
	r->headers_len = head;
	r->body_len = n - head;
	memcpy(r->body, raw + head, r->body_len);
	r->body[r->body_len] = '\0';
	return r;
}

static json_t *json_of(const struct reply *r)
{
	json_error_t jerr;
	json_t *doc = json_loadb(r->body, r->body_len, 0, &jerr);
	cr_assert_not_null(doc, "not JSON (%s): %s", jerr.text, r->body);
	return doc;
}

static void expect_error(const struct reply *r, long status, const char *code, const char *field)
{
	cr_expect_eq(r->status, status, "status %ld, want %ld: %s", r->status, status, r->body);
	json_t *doc = json_of(r);
	json_t *err = json_object_get(doc, "error");
	cr_expect_str_eq(json_string_value(json_object_get(err, "code")), code);
	cr_expect_not_null(json_string_value(json_object_get(err, "message")));
	if (field)
		cr_expect_str_eq(json_string_value(json_object_get(err, "field")), field);
	else
		cr_expect_null(json_object_get(err, "field"));
	json_decref(doc);
}

static void expect_still_serving(void)
{
	struct reply *r = fetch("GET", "/api/v1/items/ok", NULL, NULL);
	cr_assert_eq(r->status, 200, "the server stopped answering: %ld", r->status);
	free(r);
}

TestSuite(server, .init = start_server, .fini = stop_server, .timeout = 60);

Test(server, api_page_and_security_headers)
{
	struct reply *r = fetch("GET", "/api/v1/items/FRA?q=hi&n=5&tag=a&tag=b&junk=1&lang=fr", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "application/json; charset=utf-8");
	cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "no-store");
	const char *id = header_of(r->headers, "X-Request-Id");
	cr_assert(id && strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16, "request id %s", id);
	cr_assert_str_eq(header_of(r->headers, "Set-Cookie"),
			 "gcscp_lang=fr; Path=/; Max-Age=31536000; SameSite=Lax; Secure");
	expect_security_headers(r->headers, "api page");
	json_t *doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "id")), "FRA");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "lang")), "fr");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "path")), "/items/FRA");
	cr_assert(json_is_true(json_object_get(doc, "is_api")));
	cr_assert_eq(json_integer_value(json_object_get(doc, "tags")), 2);
	cr_assert_eq(json_integer_value(json_object_get(doc, "n")), 5);
	json_t *q = json_object_get(doc, "query");
	cr_assert_null(json_object_get(q, "junk"));
	cr_assert_str_eq(json_string_value(json_object_get(q, "q")), "hi");
	json_decref(doc);
	free(r);

	/* Accept: application/json on the page path gets the same model; Accept-Language picks the language. */
	const char *accept[] = { "Accept: application/json", "Accept-Language: es;q=0.9, en;q=0.1", NULL };
	r = fetch("GET", "/items/FRA", accept, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "application/json; charset=utf-8");
	cr_assert_null(header_of(r->headers, "Set-Cookie"));
	doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "lang")), "es");
	json_decref(doc);
	free(r);

	const char *cookie[] = { "Accept: application/json", "Cookie: gcscp_lang=ar; other=1", NULL };
	r = fetch("GET", "/items/FRA", cookie, NULL);
	doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "lang")), "ar");
	json_decref(doc);
	free(r);
}

Test(server, raw_view_and_attachment)
{
	struct reply *r = fetch("GET", "/raw", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "a,b\n1,2\n");
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/csv; charset=utf-8");
	cr_assert_str_eq(header_of(r->headers, "Content-Disposition"),
			 "attachment; filename=\"donn_es__.csv\"; filename*=UTF-8''donn%C3%A9es__.csv");
	expect_security_headers(r->headers, "raw");
	free(r);
}

Test(server, errors_have_one_shape)
{
	struct reply *r = fetch("GET", "/api/v1/nowhere", NULL, NULL);
	expect_error(r, 404, "not_found", NULL);
	expect_security_headers(r->headers, "404");
	cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "no-store");
	free(r);

	r = fetch("GET", "/api/v1/conflict", NULL, NULL);
	expect_error(r, 409, "conflict", "name");
	free(r);

	/* An unexpected status is a 500 whose body says nothing about why. */
	r = fetch("GET", "/api/v1/boom", NULL, NULL);
	expect_error(r, 500, "internal", NULL);
	cr_assert_null(strstr(r->body, "eio"));
	expect_security_headers(r->headers, "500");
	free(r);

	/* Without a database pool the request fails cleanly with 503. */
	r = fetch("GET", "/api/v1/db", NULL, NULL);
	expect_error(r, 503, "unavailable", NULL);
	free(r);

	r = fetch("GET", "/api/v1/items/FRA?n=1000", NULL, NULL);
	expect_error(r, 400, "invalid_param", "n");
	free(r);
	r = fetch("GET", "/api/v1/need", NULL, NULL);
	expect_error(r, 400, "missing_param", "must");
	free(r);
	r = fetch("GET", "/api/v1/private", NULL, NULL);
	expect_error(r, 401, "unauthorized", NULL);
	free(r);
	/* Anything under /api/ is answered in JSON, even outside v1. */
	r = fetch("GET", "/api/v9/x", NULL, NULL);
	expect_error(r, 404, "not_found", NULL);
	free(r);
	/* api_only routes are not pages. */
	r = fetch("GET", "/openapi.json", (const char *[]){ "Accept: application/json", NULL }, NULL);
	expect_error(r, 404, "not_found", NULL);
	free(r);
	r = fetch("GET", "/api/v1/openapi.json", NULL, NULL);
	cr_assert_eq(r->status, 200);
	free(r);
}

Test(server, html_without_templates)
{
	/* A page whose template is missing is a clean 500, not a crash or a leak of the name. */
	struct reply *r = fetch("GET", "/items/FRA", NULL, NULL);
	cr_assert_eq(r->status, 500);
	cr_assert_null(strstr(r->body, "test/missing"));
	expect_security_headers(r->headers, "html 500");
	free(r);
	r = fetch("GET", "/nowhere", NULL, NULL);
	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/plain; charset=utf-8");
	expect_security_headers(r->headers, "html 404");
	free(r);
}

Test(server, method_not_allowed_and_head)
{
	struct reply *r = fetch("DELETE", "/api/v1/items", NULL, NULL);
	expect_error(r, 405, "method_not_allowed", NULL);
	cr_assert_str_eq(header_of(r->headers, "Allow"), "GET, HEAD, POST");
	expect_security_headers(r->headers, "405");
	free(r);

	struct reply *get = fetch("GET", "/api/v1/items/FRA", NULL, NULL);
	r = fetch("HEAD", "/api/v1/items/FRA", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, 0);
	char len[32];
	snprintf(len, sizeof(len), "%zu", get->body_len);
	cr_assert_str_eq(header_of(r->headers, "Content-Length"), len);
	expect_security_headers(r->headers, "HEAD");
	free(r);
	free(get);

	/* HEAD through a raw socket: no body bytes after the head. */
	bool closed;
	r = raw_reply("HEAD /api/v1/items/FRA HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &closed);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, 0, "HEAD sent a body: %s", r->body);
	free(r);
}

Test(server, redirects)
{
	struct reply *r = fetch("GET", "/go", NULL, NULL);
	cr_assert_eq(r->status, 303);
	cr_assert_str_eq(header_of(r->headers, "Location"), "/items/7");
	expect_security_headers(r->headers, "303");
	free(r);
	r = fetch("GET", "/api/v1/go", NULL, NULL);
	cr_assert_eq(r->status, 200);
	json_t *doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "location")), "/items/7");
	json_decref(doc);
	free(r);
	r = fetch("GET", "/evil", NULL, NULL);
	cr_assert_eq(r->status, 500);
	cr_assert_null(header_of(r->headers, "Location"));
	free(r);
}

Test(server, handler_headers_and_cookies)
{
	const char *h[] = { "Cookie: flavour=lemon; x=1", NULL };
	struct reply *r = fetch("GET", "/api/v1/headers", h, NULL);
	cr_assert_eq(r->status, 200);
	json_t *doc = json_of(r);
	cr_assert(json_is_true(json_object_get(doc, "crlf")));
	cr_assert(json_is_true(json_object_get(doc, "cors")));
	cr_assert(json_is_true(json_object_get(doc, "csp")));
	cr_assert(json_is_true(json_object_get(doc, "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(doc, "cookie")), "lemon");
	json_decref(doc);
	cr_assert_str_eq(header_of(r->headers, "X-Test"), "fine");
	cr_assert_null(header_of(r->headers, "Access-Control-Allow-Origin"));
	cr_assert_str_eq(header_of(r->headers, "X-Frame-Options"), "DENY");
	free(r);
}

Test(server, cacheable_views_get_etags)
{
	struct reply *r = fetch("GET", "/api/v1/cached", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "no-cache");
	char etag[64];
	snprintf(etag, sizeof(etag), "%s", header_of(r->headers, "ETag"));
	cr_assert_eq(strlen(etag), 18);
	free(r);
	char inm[96];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	r = fetch("GET", "/api/v1/cached", (const char *[]){ inm, NULL }, NULL);
	cr_assert_eq(r->status, 304);
	cr_assert_eq(r->body_len, 0);
	cr_assert_str_eq(header_of(r->headers, "ETag"), etag);
	expect_security_headers(r->headers, "304");
	free(r);
}

Test(server, bodies)
{
	const char *form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct reply *r = fetch("POST", "/api/v1/echo", form, "name=Ana+Mar%C3%ADa&other=1");
	cr_assert_eq(r->status, 200, "%s", r->body);
	json_t *doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "form");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "name")), "Ana Mar\xc3\xad" "a");
	cr_assert(json_is_false(json_object_get(doc, "undeclared")));
	json_decref(doc);
	free(r);

	r = fetch("POST", "/api/v1/echo", form, "other=1");
	expect_error(r, 400, "missing_param", "name");
	free(r);
	r = fetch("POST", "/api/v1/echo", form, "name=%zz");
	expect_error(r, 400, "invalid_encoding", NULL);
	free(r);

	const char *json[] = { "Content-Type: application/json", NULL };
	r = fetch("POST", "/api/v1/echo", json, "{\"a\":[1,2,{\"b\":null}]}");
	cr_assert_eq(r->status, 200, "%s", r->body);
	doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "json");
	cr_assert(json_is_array(json_object_get(json_object_get(doc, "json"), "a")));
	json_decref(doc);
	free(r);

	r = fetch("POST", "/api/v1/echo", json, "{\"a\":1,\"a\":2}");
	expect_error(r, 400, "invalid_json", NULL);
	free(r);
	r = fetch("POST", "/api/v1/echo", json, "{\"a\":");
	expect_error(r, 400, "invalid_json", NULL);
	free(r);
	char deep[200] = "";
	for (int i = 0; i < 33; i++)
		strcat(deep, "[");
	for (int i = 0; i < 33; i++)
		strcat(deep, "]");
	r = fetch("POST", "/api/v1/echo", json, deep);
	expect_error(r, 400, "invalid_json", NULL);
	free(r);
	deep[32] = '\0';
	memset(deep, '[', 32);
	for (int i = 0; i < 32; i++)
		strcat(deep, "]");
	r = fetch("POST", "/api/v1/echo", json, deep);
	cr_assert_eq(r->status, 200, "depth 32 refused: %s", r->body);
	free(r);

	/* Multipart fields are read like a form's (declared ones kept); a file on a
	 * route that takes no upload is refused; a malformed body is a 400. */
	const char *multipart[] = { "Content-Type: multipart/form-data; boundary=xyz", NULL };
	r = fetch("POST", "/api/v1/echo", multipart,
		  "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nhello\r\n"
		  "--xyz\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--xyz--\r\n");
	cr_assert_eq(r->status, 200, "%s", r->body);
	doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "multipart");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "name")), "hello");
	cr_assert(json_is_false(json_object_get(doc, "undeclared")));
	json_decref(doc);
	free(r);
	r = fetch("POST", "/api/v1/echo", multipart,
		  "--xyz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--xyz--\r\n");
	expect_error(r, 413, "payload_too_large", NULL);
	free(r);
	/* A part without its Content-Disposition names nothing: the body is refused, not guessed at. */
	r = fetch("POST", "/api/v1/echo", multipart, "--xyz\r\n\r\nhello\r\n--xyz--\r\n");
	expect_error(r, 400, "invalid_multipart", NULL);
	free(r);

	const char *text[] = { "Content-Type: text/plain", NULL };
	r = fetch("POST", "/api/v1/echo", text, "hello");
	expect_error(r, 415, "unsupported_media_type", NULL);
	free(r);

	/* A cross-site state change is refused; the same site's goes through. */
	const char *foreign[] = { "Content-Type: application/x-www-form-urlencoded", "Origin: https://evil.example",
				  NULL };
	r = fetch("POST", "/api/v1/echo", foreign, "name=x");
	expect_error(r, 403, "forbidden_csrf", NULL);
	free(r);
	char own_origin[64];
	snprintf(own_origin, sizeof(own_origin), "Origin: http://127.0.0.1:%u", (unsigned)port);
	const char *own[] = { "Content-Type: application/x-www-form-urlencoded", own_origin, NULL };
	r = fetch("POST", "/api/v1/echo", own, "name=x");
	cr_assert_eq(r->status, 200, "%s", r->body);
	free(r);
	expect_still_serving();
}

Test(server, body_limits)
{
	/* The global limit is 1024 bytes; /small allows 64. */
	char big[2048];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "name=", 5);
	const char *form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct reply *r = fetch("POST", "/api/v1/echo", form, big);
	expect_error(r, 413, "payload_too_large", NULL);
	expect_security_headers(r->headers, "413");
	free(r);
	big[100] = '\0';
	r = fetch("PUT", "/api/v1/small", form, big);
	expect_error(r, 413, "payload_too_large", NULL);
	free(r);
	big[60] = '\0';
	r = fetch("PUT", "/api/v1/small", form, big);
	cr_assert_eq(r->status, 200, "%s", r->body);
	free(r);

	/* 413 comes from the head alone: no body is ever sent here. */
	bool closed;
	r = raw_reply("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		      "Content-Length: 100000000\r\n\r\n",
		      &closed);
	cr_assert_eq(r->status, 413, "%s", r->headers);
	cr_assert(closed, "the connection stayed open after an early 413");
	free(r);
	r = raw_reply("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		      "Expect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
		      &closed);
	cr_assert_eq(r->status, 413, "%s", r->headers);
	cr_assert_null(strstr(r->headers, "100 Continue"));
	free(r);

	/* A chunked body that runs past the limit is refused too. */
	struct gc_buf req;
	gc_buf_init(&req, 1 << 16);
	gc_buf_lit(&req, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		gc_buf_lit(&req, "200\r\n");
		for (int k = 0; k < 0x200; k++)
			gc_buf_char(&req, 'a');
		gc_buf_lit(&req, "\r\n");
	}
	gc_buf_lit(&req, "0\r\n\r\n");
	r = raw_reply(gc_buf_str(&req), &closed);
	cr_assert_eq(r->status, 413, "%s", r->headers);
	free(r);
	gc_buf_free(&req);

	/* GET with a body is refused. */
	r = raw_reply("GET /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", &closed);
	cr_assert_eq(r->status, 400);
	free(r);
	expect_still_serving();
}

Test(server, malformed_targets)
{
	static const char *const bad[] = {
		"/api/v1/items/%zz", "/api/v1/items/%C0%AF", "/api/v1/items/%00", "/api/v1/items/%E2%80%AE",
		"/api/v1/items/a%2Fb", "/api/v1/items/..", "/api/v1//items", "/api/v1/items/FRA?q=%zz",
		"/api/v1/items/FRA?q=%C0%AF",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++) {
		struct reply *r = fetch("GET", bad[i], NULL, NULL);
		cr_expect_eq(r->status, 400, "%s: %ld", bad[i], r->status);
		expect_security_headers(r->headers, bad[i]);
		free(r);
	}
	bool closed;
	struct reply *r = raw_reply("GET /api/v1/items/\xc3\x28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &closed);
	cr_assert_eq(r->status, 400);
	json_t *doc = json_of(r);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "error"), "code")), "invalid_encoding");
	json_decref(doc);
	free(r);

	char path[3000] = "/api/v1/";
	memset(path + 8, 'a', 2100);
	path[2108] = '\0';
	r = fetch("GET", path, NULL, NULL);
	expect_error(r, 414, "uri_too_long", NULL);
	free(r);
	expect_still_serving();
}

Test(server, ambiguous_framing_is_refused_and_closed)
{
	static const char *const requests[] = {
		/* Content-Length with Transfer-Encoding */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nname=x\r\n0\r\n\r\n",
		/* two equal Content-Lengths */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 6\r\nContent-Length: 6\r\n\r\nname=x",
		/* two different Content-Lengths */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 6\r\nContent-Length: 60\r\n\r\nname=x",
		/* a coding other than chunked */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		/* whitespace before the colon */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length : 6\r\n\r\nname=x",
		"GET /api/v1/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
		/* obsolete line folding of a framing header, and of another one */
		"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
		"6\r\nname=x\r\n0\r\n\r\n",
		"GET /api/v1/items HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two three\r\n\r\n",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(requests); i++) {
		bool closed;
		struct reply *r = raw_reply(requests[i], &closed);
		cr_expect_eq(r->status, 400, "case %zu: %s", i, r->headers);
		cr_expect(closed, "case %zu: connection left open", i);
		if (r->status == 400) {
			cr_expect_str_eq(header_of(r->headers, "Connection"), "close", "case %zu", i);
			expect_security_headers(r->headers, "framing");
			json_t *doc = json_of(r);
			cr_expect_str_eq(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
					 "ambiguous_framing", "case %zu", i);
			json_decref(doc);
		}
		free(r);
	}
	expect_still_serving();
}

Test(server, oversized_heads)
{
	/* 20 KiB of header: over max_header_bytes (16 KiB), refused by the portal with its headers. */
	struct gc_buf req;
	gc_buf_init(&req, 1 << 20);
	gc_buf_lit(&req, "GET /api/v1/items HTTP/1.1\r\nHost: x\r\nX-Big: ");
	for (int i = 0; i < 20 << 10; i++)
		gc_buf_char(&req, 'a');
	gc_buf_lit(&req, "\r\n\r\n");
	bool closed;
	struct reply *r = raw_reply(gc_buf_str(&req), &closed);
	cr_assert_eq(r->status, 431, "%s", r->headers);
	expect_security_headers(r->headers, "431");
	free(r);

	/* 64 KiB: past the connection's memory, refused by libmicrohttpd itself. */
	gc_buf_reset(&req);
	gc_buf_lit(&req, "GET /api/v1/items HTTP/1.1\r\nHost: x\r\nX-Big: ");
	for (int i = 0; i < 64 << 10; i++)
		gc_buf_char(&req, 'a');
	gc_buf_lit(&req, "\r\n\r\n");
	r = raw_reply(gc_buf_str(&req), &closed);
	cr_assert_eq(r->status, 431, "%s", r->headers);
	free(r);

	/* Many small headers add up the same way. */
	gc_buf_reset(&req);
	gc_buf_lit(&req, "GET /api/v1/items HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 400; i++)
		gc_buf_printf(&req, "X-H%d: %040d\r\n", i, i);
	gc_buf_lit(&req, "\r\n");
	r = raw_reply(gc_buf_str(&req), &closed);
	cr_assert_eq(r->status, 431, "%s", r->headers);
	free(r);

	/* Just under the limit is fine. */
	gc_buf_reset(&req);
	gc_buf_lit(&req, "GET /api/v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ");
	for (int i = 0; i < (16 << 10) - 200; i++)
		gc_buf_char(&req, 'a');
	gc_buf_lit(&req, "\r\n\r\n");
	r = raw_reply(gc_buf_str(&req), &closed);
	cr_assert_eq(r->status, 200, "%s", r->headers);
	free(r);
	gc_buf_free(&req);
	expect_still_serving();
}

Test(server, keep_alive_survives_errors)
{
	/* Two requests on one connection: a 404 does not close it. */
	bool closed;
	struct reply *r = raw_reply("GET /api/v1/nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
				    "GET /api/v1/items/ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				    &closed);
	cr_assert_eq(r->status, 404);
	cr_assert(strstr(r->body, "HTTP/1.1 200"), "second answer missing: %s", r->body);
	free(r);
}

Test(server, metrics_need_the_token)
{
	struct reply *r = fetch("GET", "/metrics", NULL, NULL);
	cr_assert_eq(r->status, 404);
	free(r);
	r = fetch("GET", "/metrics", (const char *[]){ "Authorization: Bearer wrong", NULL }, NULL);
	cr_assert_eq(r->status, 404);
	free(r);
	expect_still_serving();
	/* A request is counted when it completes, which may be just after its
	 * client has read the answer: give the two 404s and the page a moment to be counted. */
	for (int attempt = 0;; attempt++) {
		r = fetch("GET", "/metrics", (const char *[]){ "Authorization: Bearer " METRICS_TOKEN, NULL }, NULL);
		cr_assert_eq(r->status, 200);
		if (attempt == 100 ||
		    (strstr(r->body, "gcscp_http_requests_total{route=\"unmatched\",status=\"404\"} 2") &&
		     strstr(r->body, "gcscp_http_requests_total{route=\"t.item\",status=\"200\"}")))
			break;
		free(r);
		usleep(20 * 1000);
	}
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
	cr_assert(strstr(r->body, "gcscp_http_requests_total{route=\"t.item\",status=\"200\"}"), "%s", r->body);
	cr_assert(strstr(r->body, "gcscp_http_requests_total{route=\"unmatched\",status=\"404\"} 2"), "%s", r->body);
	expect_security_headers(r->headers, "metrics");
	free(r);
}

Test(server, static_files)
{
	const struct gc_embedded_file *css = gc_embedded_find("static/style.css");
	if (!css)
		cr_skip_test("no static/style.css in this build");
	struct reply *r = fetch("GET", "/static/style.css", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, css->size);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/css; charset=utf-8");
	cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "public, max-age=300");
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%s\"", css->hash);
	cr_assert_str_eq(header_of(r->headers, "ETag"), etag);
	expect_security_headers(r->headers, "static");
	free(r);

	char path[128];
	snprintf(path, sizeof(path), "/static/style.css?v=%s", css->hash);
	r = fetch("GET", path, NULL, NULL);
	cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "public, max-age=31536000, immutable");
	free(r);

	char inm[96];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	r = fetch("GET", "/static/style.css", (const char *[]){ inm, NULL }, NULL);
	cr_assert_eq(r->status, 304);
	cr_assert_eq(r->body_len, 0);
	expect_security_headers(r->headers, "static 304");
	free(r);

	r = fetch("GET", "/static/nope.css", NULL, NULL);
	cr_assert_eq(r->status, 404);
	free(r);
	r = fetch("GET", "/static/../locale/en.po", NULL, NULL);
	cr_assert_eq(r->status, 400);
	free(r);
	r = fetch("GET", "/static/%2e%2e/locale/en.po", NULL, NULL);
	cr_assert_eq(r->status, 400);
	free(r);
}

TestSuite(server_html, .init = start_server_templates, .fini = stop_server, .timeout = 60);

Test(server_html, error_page_in_the_layout)
{
	const char *h[] = { "Accept-Language: fr", NULL };
	struct reply *r = fetch("GET", "/nowhere?lang=ar", h, NULL);
	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/html; charset=utf-8");
	cr_assert(strstr(r->body, "<html lang=\"ar\" dir=\"rtl\">"), "%s", r->body);
	cr_assert(strstr(r->body, "404"));
	cr_assert(strstr(r->body, "/static/style.css"));
	/* The language links keep the path and replace lang. */
	cr_assert(strstr(r->body, "href=\"/nowhere?lang=fr\""), "%s", r->body);
	cr_assert_str_eq(header_of(r->headers, "Set-Cookie"),
			 "gcscp_lang=ar; Path=/; Max-Age=31536000; SameSite=Lax; Secure");
	expect_security_headers(r->headers, "html 404");
	/* {{t.*}} comes from the shared per-language table at the bottom of the stack. */
	const char *skip = gc_tr("ar", "site.skip_to_content");
	cr_assert(strcmp(skip, "site.skip_to_content") != 0);
	cr_assert(strstr(r->body, skip), "translation missing: %s", r->body);
	/* The navigation lists every module that has an entry. */
	for (size_t i = 0; i < gc_module_count; i++) {
		char href[128];
		if (!gc_modules[i]->nav_path)
			continue;
		snprintf(href, sizeof(href), "href=\"%s\"", gc_modules[i]->nav_path);
		cr_assert(strstr(r->body, href), "nav entry %s missing", href);
	}
	free(r);

	/* The entry whose path the request is under is the current one. */
	for (size_t i = 0; i < gc_module_count; i++) {
		char path[128], current[160];
		if (!gc_modules[i]->nav_path)
			continue;
		snprintf(path, sizeof(path), "%s/no-such-thing", gc_modules[i]->nav_path);
		snprintf(current, sizeof(current), "href=\"%s\" aria-current=\"page\"", gc_modules[i]->nav_path);
		r = fetch("GET", path, NULL, NULL);
		cr_assert(strstr(r->body, current), "%s not current: %s", gc_modules[i]->nav_path, r->body);
		free(r);
		break;
	}

	/* A page whose template does not exist: 500, rendered as an error page. */
	r = fetch("GET", "/items/FRA", NULL, NULL);
	cr_assert_eq(r->status, 500);
	cr_assert(strstr(r->body, "<html lang=\"en\""), "%s", r->body);
	cr_assert_null(strstr(r->body, "test/missing"));
	free(r);
}

TestSuite(server_db, .init = start_server_database, .fini = stop_server, .timeout = 60);

/* Connections go back to the pool when a request completes, just after its answer. */
static void expect_pool_idle(void)
{
	unsigned size = 0, in_use = 1;
	for (int i = 0; i < 100 && in_use; i++) {
		gc_pool_stats(srv.pool, &size, &in_use);
		if (in_use)
			usleep(10000);
	}
	cr_assert_eq(in_use, 0, "a connection was not returned");
}

Test(server_db, request_db_borrows_and_returns)
{
	for (int i = 0; i < 5; i++) {
		struct reply *r = fetch("GET", "/api/v1/db", NULL, NULL);
		cr_assert_eq(r->status, 200, "%s", r->body);
		json_t *doc = json_of(r);
		cr_assert_eq(json_integer_value(json_object_get(doc, "answer")), 42);
		json_decref(doc);
		free(r);
	}
	expect_pool_idle();
}

/* A statement past the time limit is a 503 that asks the reader to narrow the request, and the
 * server goes on serving with its connection back in the pool. */
Test(server_db, a_statement_past_the_time_limit_is_503_too_slow)
{
	struct reply *r = fetch("GET", "/api/v1/slow-db", NULL, NULL);
	expect_error(r, 503, "too_slow", NULL);
	cr_assert_not_null(strstr(r->body, "too long"), "%s", r->body);
	free(r);
	r = fetch("GET", "/api/v1/db", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	free(r);
	expect_pool_idle();
}

Test(server_db, anonymous_pages_are_cached_until_a_write)
{
	atomic_store(&cacheable_renders, 0);
	struct reply *r = fetch("GET", "/api/v1/cached?junk=1", NULL, NULL);
	cr_assert_eq(r->status, 200);
	char etag[64];
	snprintf(etag, sizeof(etag), "%s", header_of(r->headers, "ETag"));
	free(r);
	/* The first render teaches the cache that the route is cacheable; the second is kept. */
	r = fetch("GET", "/api/v1/cached", NULL, NULL);
	cr_assert_str_eq(header_of(r->headers, "ETag"), etag);
	free(r);
	cr_assert_eq(atomic_load(&cacheable_renders), 2);
	for (int i = 0; i < 3; i++) {
		r = fetch("GET", "/api/v1/cached?other=noise", NULL, NULL);
		cr_assert_eq(r->status, 200);
		cr_assert_str_eq(header_of(r->headers, "Cache-Control"), "no-cache");
		cr_assert_str_eq(header_of(r->headers, "ETag"), etag);
		cr_assert_str_eq(header_of(r->headers, "Content-Type"), "application/json; charset=utf-8");
		expect_security_headers(r->headers, "cached");
		cr_assert(strstr(r->body, "\"stable\":\"yes\""), "%s", r->body);
		free(r);
	}
	cr_assert_eq(atomic_load(&cacheable_renders), 2, "served from the cache");

	char inm[96];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	r = fetch("GET", "/api/v1/cached", (const char *[]){ inm, NULL }, NULL);
	cr_assert_eq(r->status, 304);
	free(r);
	r = fetch("HEAD", "/api/v1/cached", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, 0);
	free(r);
	cr_assert_eq(atomic_load(&cacheable_renders), 2);

	/* Another language is another page. */
	r = fetch("GET", "/api/v1/cached?lang=fr", NULL, NULL);
	free(r);
	cr_assert_eq(atomic_load(&cacheable_renders), 3);

	/* A write anywhere makes every kept page stale. */
	struct gc_db *db;
	cr_assert_eq(gc_pool_acquire(srv.pool, 1000, &db), GC_OK);
	cr_assert_eq(gc_db_bump_changes(db), GC_OK);
	gc_pool_release(srv.pool, db);
	r = fetch("GET", "/api/v1/cached", NULL, NULL);
	cr_assert_eq(r->status, 200);
	free(r);
	cr_assert_eq(atomic_load(&cacheable_renders), 4);
	r = fetch("GET", "/api/v1/cached", NULL, NULL);
	free(r);
	cr_assert_eq(atomic_load(&cacheable_renders), 4);
	expect_pool_idle();
}

Test(server_db, metrics_listener)
{
	uint16_t mport = gc_http_metrics_port(&srv);
	cr_assert_eq(mport, srv.config.metrics_port);
	struct reply *r = fetch("GET", "/api/v1/db", NULL, NULL);
	free(r);
	/* A request is counted when libmicrohttpd reports it complete, which may
	 * come just after the client has read the answer: wait for it. */
	static const char counted[] = "gcscp_http_requests_total{route=\"t.db\",status=\"200\"} 1\n";
	r = fetch_at(mport, "GET", "/metrics", NULL, NULL);
	for (int i = 0; i < 200 && !strstr(r->body, counted); i++) {
		free(r);
		usleep(10000);
		r = fetch_at(mport, "GET", "/metrics", NULL, NULL);
	}
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(header_of(r->headers, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
	cr_assert(strstr(r->body, counted), "%s", r->body);
	cr_assert(strstr(r->body, "gcscp_db_pool_connections{state=\"idle\"} "), "%s", r->body);
	cr_assert(strstr(r->body, "gcscp_db_pool_connections{state=\"in_use\"} "), "%s", r->body);
	expect_security_headers(r->headers, "metrics listener");
	free(r);
	r = fetch_at(mport, "GET", "/", NULL, NULL);
	cr_assert_eq(r->status, 404);
	free(r);
	r = fetch_at(mport, "POST", "/metrics", NULL, "x=1");
	cr_assert_eq(r->status, 404);
	free(r);
	/* The main listener still hides it without the token. */
	r = fetch("GET", "/metrics", NULL, NULL);
	cr_assert_eq(r->status, 404);
	free(r);
}
