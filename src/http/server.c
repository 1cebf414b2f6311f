/*
 * The listener: libmicrohttpd's epoll thread pool and the life of one
 * request through it.
 *
 *   URI log callback   the raw target, before libmicrohttpd unescapes it;
 *                      the request's state and arena are created here
 *   first call         framing, target, language, route, parameters, and the
 *                      body's announced size and type: refusals go out now,
 *                      before a byte of body is read
 *   upload calls       the body, capped
 *   last call          the body parsed, the handler run, the view answered
 *   completed          access log, metrics, the arena freed (which returns
 *                      the database connection)
 */
#include "http/internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/embedded.h"
#include "base/log.h"
#include "base/random.h"
#include "base/text.h"
#include "http/multipart.h"
#include "store/store.h"

/* A body over its limit is read into nothing up to this many bytes, so that
 * the client, still sending, reads its 413 rather than a reset; past that the
 * connection is cut. */
#define DISCARD_ALLOWANCE (8u << 20)
/* How long a graceful stop waits for requests in flight. */
#define STOP_GRACE_MS 10000
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_MAX_BYTES (4u << 20)

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	/* The library may quote request bytes; the log takes UTF-8 only. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] >= 0x80)
			text[i] = '?';
	gc_log(GC_LOG_WARN, "libmicrohttpd", "{s:s}", "detail", text);
}

/* --- one request's state --------------------------------------------------- */

static void live_add(struct gc_http *http, struct gc_exchange *ex)
{
	pthread_mutex_lock(&http->live_lock);
	ex->live_prev = NULL;
	ex->live_next = http->live;
	if (http->live)
		http->live->live_prev = ex;
	http->live = ex;
	pthread_mutex_unlock(&http->live_lock);
}

static void live_remove(struct gc_http *http, struct gc_exchange *ex)
{
	pthread_mutex_lock(&http->live_lock);
	if (ex->live_prev)
		ex->live_prev->live_next = ex->live_next;
	else if (http->live == ex)
		http->live = ex->live_next;
	if (ex->live_next)
		ex->live_next->live_prev = ex->live_prev;
	ex->live_prev = ex->live_next = NULL;
	pthread_mutex_unlock(&http->live_lock);
}

static void exchange_free(struct gc_exchange *ex)
{
	if (!ex)
		return;
	json_decref(ex->req.json);
	gc_buf_free(&ex->body);
	gc_arena_free(ex->req.arena); /* its cleanups return the database connection */
	free(ex);
}

static const char *client_ip(struct gc_arena *arena, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char text[INET6_ADDRSTRLEN] = "";
	if (!info || !info->client_addr)
		return NULL;
	const struct sockaddr *sa = info->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text, sizeof(text));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text, sizeof(text));
	return text[0] ? gc_arena_strdup(arena, text) : NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct gc_server *server = cls;
	size_t cap = server->config.request_arena_bytes ? server->config.request_arena_bytes : (size_t)16 << 20;
	struct gc_exchange *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return NULL;
	ex->req.arena = gc_arena_new(cap);
	ex->raw_target = ex->req.arena ? gc_arena_strdup(ex->req.arena, uri ? uri : "") : NULL;
	if (!ex->raw_target) {
		gc_arena_free(ex->req.arena);
		free(ex);
		return NULL;
	}
	/* The portal reads the query from raw_target (http/params.c), never
	 * from the library's table of GET arguments. End the library's copy of
	 * it here: libmicrohttpd 0.9.75 parses the query into the connection's
	 * memory pool right after this callback, one record per '&' (64 bytes
	 * each), so a head of many short parameters overflows the pool, and
	 * the library then neither answers nor closes (docs/ARCHITECTURE.md
	 * "Limits"). uri is the request line in the library's own read buffer,
	 * which it writes itself (it ends the path at the '?' next). */
	char *query = uri ? strchr(uri, '?') : NULL;
	if (query && query[1])
		query[1] = '\0';
	ex->server = server;
	ex->conn = conn;
	ex->start_us = now_us();
	ex->route_index = GC_METRICS_UNMATCHED;
	ex->req.server = server;
	ex->req.impl = ex;
	ex->req.raw_path = ex->raw_target;
	ex->req.client_ip = client_ip(ex->req.arena, conn);
	gc_random_hex(ex->req.id, 8);
	gc_buf_init(&ex->body, 0);
	atomic_fetch_add_explicit(&server->http->in_flight, 1, memory_order_relaxed);
	live_add(server->http, ex);
	return ex;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct gc_server *server = cls;
	struct gc_exchange *ex = *con_cls;
	(void)conn;
	(void)toe;
	if (!ex)
		return;
	*con_cls = NULL;
	int64_t duration = now_us() - ex->start_us;
	/* status 0: libmicrohttpd refused the head itself (malformed or too large). */
	gc_http_access_log(ex, duration);
	gc_metrics_observe(server->metrics, ex->route_index, ex->status, duration);
	atomic_fetch_sub_explicit(&server->http->in_flight, 1, memory_order_relaxed);
	live_remove(server->http, ex);
	exchange_free(ex);
}

/* --- refusals -------------------------------------------------------------- */

/*
 * Sets the request's error and answers it. libmicrohttpd 0.9.75 closes the
 * connection after any answer queued by the first call, so a refusal that
 * can wait (no body is coming) is answered at the last call and keeps the
 * connection; one that must not wait (a body we will not read, ambiguous
 * framing) goes now, with Connection: close.
 */
static gc_status refuse(struct gc_exchange *ex, int status, const char *code, const char *field)
{
	gc_set_error(&ex->req, status, code, gc_http_error_key(code), field);
	if (!ex->started_last && !ex->close && !ex->body_expected) {
		ex->refused = true;
		return GC_OK;
	}
	if (ex->body_expected && !ex->started_last)
		ex->close = true;
	return gc_respond_error(ex);
}

static gc_status refuse_with(struct gc_exchange *ex, const struct gc_http_error *err)
{
	return refuse(ex, err->status, err->code, err->field);
}

/* --- the first call: everything the head decides -------------------------- */

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				      const char *value, size_t value_size)
{
	(void)kind;
	gc_framing_header(cls, key, key_size, value ? value : "", value ? value_size : 0);
	return MHD_YES;
}

static bool method_is(const struct gc_request *req, const char *method)
{
	return strcmp(req->method, method) == 0;
}

static bool metrics_authorized(struct gc_exchange *ex)
{
	const struct gc_http *http = ex->server->http;
	const char *auth = gc_header(&ex->req, "Authorization");
	unsigned char hash[sizeof(http->metrics_token_hash)];
	if (!http->metrics_token_set || !auth || strncmp(auth, "Bearer ", 7) != 0)
		return false;
	/* Hashes compared in constant time: neither the token's bytes nor its length leak. */
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)auth + 7, strlen(auth + 7), NULL, 0);
	return sodium_memcmp(hash, http->metrics_token_hash, sizeof(hash)) == 0;
}

static gc_status serve_metrics(struct gc_exchange *ex)
{
	struct gc_buf b;
	gc_buf_init(&b, METRICS_MAX_BYTES);
	gc_status status = gc_metrics_render(ex->server->metrics, ex->server->pool, &b);
	size_t len = 0;
	char *text = status == GC_OK ? gc_buf_take(&b, &len) : NULL;
	gc_buf_free(&b);
	if (!text)
		return refuse(ex, 500, "internal", NULL);
	return gc_respond_bytes(ex, 200, METRICS_CONTENT_TYPE, text, len);
}

static bool method_takes_body(const struct gc_request *req)
{
	return method_is(req, "POST") || method_is(req, "PUT") || method_is(req, "PATCH") || method_is(req, "DELETE");
}

static gc_status first_call(struct gc_exchange *ex, const char *method, const char *version)
{
	struct gc_request *req = &ex->req;
	const struct gc_config *config = &ex->server->config;
	struct gc_http_error target_err = { 0 }, query_err = { 0 };
	struct gc_kv *pairs = NULL;
	size_t n_pairs = 0;
	gc_status status;

	req->method = gc_arena_strdup(req->arena, method);
	if (!req->method)
		return GC_ENOMEM;

	struct gc_framing framing;
	gc_framing_start(&framing, strlen(method) + strlen(ex->raw_target) + strlen(version ? version : "") + 2);
	MHD_get_connection_values_n(ex->conn, MHD_HEADER_KIND, framing_header, &framing);
	gc_status verdict = gc_framing_verdict(&framing, config->max_header_bytes ? config->max_header_bytes : 16384);
	ex->body_expected = gc_framing_has_body(&framing);

	/* The target and the language come first so that even a refusal is
	 * answered in the reader's language and in the right format. */
	status = gc_target_parse(req->arena, ex->raw_target, &ex->target, &target_err);
	if (status == GC_ENOMEM)
		return status;
	if (status == GC_OK) {
		status = gc_kv_parse(req->arena, ex->target.query, ex->target.query_len, GC_MAX_QUERY_PARAMS, &pairs,
				     &n_pairs, &query_err);
		if (status == GC_ENOMEM)
			return status;
	}
	const char *lang_choice = gc_lang_find(gc_kv_find(pairs, n_pairs, "lang"));
	req->lang = gc_lang_negotiate(lang_choice, gc_cookie(req, "gcscp_lang"), gc_header(req, "Accept-Language"));
	ex->lang_cookie = lang_choice;
	req->path = ex->target.path ? ex->target.path : "/";
	req->is_api = ex->target.api || ex->target.api_like || strncmp(ex->raw_target, "/api/", 5) == 0 ||
		      gc_accept_prefers_json(gc_header(req, "Accept"));

	if (verdict == GC_EINVAL) {
		ex->close = true;
		return refuse(ex, 400, "ambiguous_framing", NULL);
	}
	if (verdict == GC_ETOOBIG) {
		ex->close = true;
		return refuse(ex, 431, "header_too_large", NULL);
	}
	if (target_err.status)
		return refuse_with(ex, &target_err);
	if (query_err.status)
		return refuse_with(ex, &query_err);

	/* /metrics on the main listener exists only for the bearer of the
	 * token; for everyone else it is any unknown path. */
	if (!ex->target.api && strcmp(req->path, "/metrics") == 0 && (method_is(req, "GET") || method_is(req, "HEAD")) &&
	    !ex->body_expected && metrics_authorized(ex)) {
		ex->metrics = true;
		return GC_OK;
	}

	struct gc_match match;
	status = gc_router_match(ex->server->router, req->method, ex->target.api, ex->target.segments,
				 ex->target.n_segments, req->arena, &match, ex->allow, sizeof(ex->allow));
	if (status == GC_ENOMEM)
		return status;
	if (status == GC_ENOTFOUND)
		return refuse(ex, 404, "not_found", NULL);
	if (status == GC_DECLINED)
		return refuse(ex, 405, "method_not_allowed", NULL);
	req->route = match.route;
	ex->route_index = match.index;
	memcpy(req->path_params, match.params, sizeof(req->path_params));

	/* Who is asking, and may they come here (http/identity.h)? */
	struct gc_http_error id_err = { 0 };
	status = match.route->same_for_everyone && match.route->access == GC_ACCESS_PUBLIC ? GC_OK
											   : gc_identity_resolve(req, &id_err);
	if (status == GC_OK) {
		const char *redirect = NULL;
		status = gc_identity_check_access(req, match.route->access, &id_err, &redirect);
		if (status == GC_OK && redirect) {
			ex->redirect = redirect;
			ex->refused = true;
			return GC_OK;
		}
	}
	if (status == GC_EHTTP) {
		if (id_err.status == 401 && (gc_add_header(req, "WWW-Authenticate", "Bearer realm=\"gcscp\"") != GC_OK))
			return GC_ENOMEM;
		return refuse_with(ex, &id_err);
	}
	if (status == GC_ENOMEM)
		return status;
	if (status != GC_OK) {
		gc_log(GC_LOG_ERROR, "resolving the caller failed", "{s:s, s:s}", "request_id", req->id, "status",
		       gc_status_name(status));
		return refuse(ex, 500, "internal", NULL);
	}
	/* A browser names the page that sent a state change; another site's is
	 * refused (SECURITY.md O4). A cookie session must also show its CSRF
	 * token: in the X-CSRF-Token header, or in the form (checked once the
	 * body is read). Bearer tokens travel in no cookie and need neither. */
	if (!method_is(req, "GET") && !method_is(req, "HEAD")) {
		const char *origin = gc_header(req, "Origin");
		const char *fetch_site = gc_header(req, "Sec-Fetch-Site");
		if ((origin && !gc_origin_allowed(origin, gc_header(req, "Host"), config->base_url)) ||
		    (fetch_site && strcmp(fetch_site, "cross-site") == 0))
			return refuse(ex, 403, "forbidden_csrf", NULL);
		if (req->session) {
			const char *given = gc_header(req, "X-CSRF-Token");
			if (given) {
				if (!gc_identity_csrf_ok(req, given))
					return refuse(ex, 403, "forbidden_csrf", NULL);
			} else if (ex->body_expected && (gc_content_kind(gc_header(req, "Content-Type")) == GC_BODY_FORM ||
							 gc_content_kind(gc_header(req, "Content-Type")) == GC_BODY_MULTIPART)) {
				ex->csrf_in_form = true;
			} else {
				return refuse(ex, 403, "forbidden_csrf", NULL);
			}
		}
	}

	/* Declared parameters travel in the query unless a body carries them. */
	status = gc_params_select(req->arena, match.route->params, pairs, n_pairs, !ex->body_expected, &req->query,
				  &req->n_query, &query_err);
	if (status == GC_ENOMEM)
		return status;
	if (status != GC_OK)
		return refuse_with(ex, &query_err);

	if (!ex->body_expected)
		return GC_OK;
	if (!method_takes_body(req))
		return refuse(ex, 400, "bad_request", NULL);
	req->body_kind = gc_content_kind(gc_header(req, "Content-Type"));
	if (req->body_kind == GC_BODY_NONE || req->body_kind == GC_BODY_OTHER)
		return refuse(ex, 415, "unsupported_media_type", NULL);
	size_t limit = match.route->max_body ? match.route->max_body : config->max_body_bytes;
	/* Uploads may be as large as the configured upload limit, and only multipart. */
	if (match.route->upload && req->body_kind == GC_BODY_MULTIPART)
		limit = config->max_upload_bytes;
	if (!gc_framing_chunked(&framing) && framing.content_length > limit) {
		/* A client waiting for "100 Continue", or announcing more than we
		 * would ever read, is refused now. One that is sending its body
		 * regardless would lose an early answer to the reset a close with
		 * unread data causes: read it into nothing, then answer 413. */
		const char *expect = gc_header(req, "Expect");
		if ((expect && strcasecmp(expect, "100-continue") == 0) || framing.content_length > DISCARD_ALLOWANCE)
			return refuse(ex, 413, "payload_too_large", NULL);
		ex->body_too_big = true;
		return GC_OK;
	}
	gc_buf_init(&ex->body, limit);
	return GC_OK;
}

/* --- the body -------------------------------------------------------------- */

static gc_status take_upload(struct gc_exchange *ex, const char *data, size_t size)
{
	if (ex->answered)
		return GC_OK;
	if (!ex->body_too_big) {
		gc_buf_raw(&ex->body, data, size);
		if (gc_buf_error(&ex->body) == GC_OK)
			return GC_OK;
		/* libmicrohttpd 0.9.75 cannot queue an answer in the middle of an
		 * upload: keep nothing more, answer 413 when the body ends. */
		ex->body_too_big = true;
		gc_buf_free(&ex->body);
	}
	ex->body_discarded += size;
	return ex->body_discarded > DISCARD_ALLOWANCE ? GC_ETOOBIG : GC_OK;
}

static gc_status parse_body(struct gc_exchange *ex)
{
	struct gc_request *req = &ex->req;
	struct gc_http_error err = { 0 };
	gc_status status = GC_OK;
	req->body = ex->body.data ? ex->body.data : "";
	req->body_len = ex->body.len;
	switch (req->body_kind) {
	case GC_BODY_FORM: {
		struct gc_kv *pairs;
		size_t n_pairs;
		status = gc_kv_parse(req->arena, req->body, req->body_len, GC_MAX_FORM_FIELDS, &pairs, &n_pairs, &err);
		if (status == GC_OK && ex->csrf_in_form && !gc_identity_csrf_ok(req, gc_kv_find(pairs, n_pairs, "csrf_token"))) {
			err = (struct gc_http_error){ .status = 403, .code = "forbidden_csrf" };
			status = GC_EHTTP;
		}
		if (status == GC_OK)
			status = gc_params_select(req->arena, req->route->params, pairs, n_pairs, true, &req->form,
						  &req->n_form, &err);
		break;
	}
	case GC_BODY_JSON: {
		json_error_t jerr;
		/* Depth is checked on the text first, so a deep document is
		 * refused before the parser recurses into it. */
		if (gc_json_depth_ok(req->body, req->body_len, GC_JSON_MAX_DEPTH))
			req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!req->json) {
			err = (struct gc_http_error){ .status = 400, .code = "invalid_json" };
			status = GC_EHTTP;
		}
		break;
	}
	case GC_BODY_MULTIPART: {
		/* Fields as for a urlencoded form (CSRF token and declared
		 * parameters included); files only where the route takes uploads. */
		char boundary[GC_MULTIPART_MAX_BOUNDARY + 1];
		struct gc_multipart_limits limits;
		struct gc_kv *pairs;
		size_t n_pairs;
		gc_multipart_default_limits(&limits, req->route->upload ? ex->server->config.max_upload_bytes : 0);
		if (!req->route->upload)
			limits.max_files = 0;
		if (gc_multipart_boundary(gc_header(req, "Content-Type"), boundary, sizeof(boundary)) != GC_OK) {
			err = (struct gc_http_error){ .status = 400, .code = "invalid_multipart" };
			status = GC_EHTTP;
			break;
		}
		status = gc_multipart_parse(req->arena, req->body, req->body_len, boundary, &limits, &pairs, &n_pairs,
					    &req->files, &req->n_files, &err);
		if (status == GC_OK && ex->csrf_in_form && !gc_identity_csrf_ok(req, gc_kv_find(pairs, n_pairs, "csrf_token"))) {
			err = (struct gc_http_error){ .status = 403, .code = "forbidden_csrf" };
			status = GC_EHTTP;
		}
		if (status == GC_OK)
			status = gc_params_select(req->arena, req->route->params, pairs, n_pairs, true, &req->form,
						  &req->n_form, &err);
		break;
	}
	default:
		break;
	}
	if (status == GC_EHTTP)
		return refuse_with(ex, &err);
	return status;
}

/* --- the last call: the handler -------------------------------------------- */

static bool cacheable_request(const struct gc_exchange *ex)
{
	const struct gc_request *req = &ex->req;
	return ex->server->cache && !req->principal && !req->session && (method_is(req, "GET") || method_is(req, "HEAD")) &&
	       gc_page_cache_route_known(ex->server->cache, ex->route_index);
}

static gc_status dispatch(struct gc_exchange *ex)
{
	struct gc_request *req = &ex->req;
	struct gc_view view = { .kind = GC_VIEW_PAGE };
	bool have_counter = false;
	int64_t counter = 0;
	gc_status status;

	/* The counter is read before the handler runs: a write that lands
	 * while it renders makes the kept copy stale, never falsely fresh. */
	if (cacheable_request(ex)) {
		struct gc_db *db = gc_request_db_try(req);
		if (db && gc_db_changes_counter(db, &counter) == GC_OK) {
			have_counter = true;
			size_t key_len;
			const char *key = gc_cache_key(ex, &key_len);
			struct gc_cache_entry *entry = key ? gc_page_cache_get(ex->server->cache, key, key_len, counter)
							   : NULL;
			if (entry) {
				gc_http_release_db(req);
				return gc_respond_cached(ex, entry);
			}
		}
	}

	status = req->route->handler(req, &view);
	if (status == GC_OK) {
		status = gc_respond_view(ex, &view, have_counter, counter);
	} else {
		if (status == GC_ETIMEOUT) {
			/* A statement reached the database's time limit (GC_DB_STATEMENT_TIMEOUT_MS):
			 * the request asked too much, and the reader can narrow it. */
			gc_log(GC_LOG_WARN, "request too slow", "{s:s, s:s}", "request_id", req->id, "route",
			       req->route->name);
			req->n_resp_headers = 0;
			gc_set_error(req, 503, "too_slow", "error.too_slow", NULL);
		} else if (status != GC_EHTTP || !req->err_status) {
			gc_log(GC_LOG_ERROR, "handler failed", "{s:s, s:s?, s:s}", "request_id", req->id, "route",
			       req->route->name, "status", gc_status_name(status));
			req->n_resp_headers = 0;
			gc_set_error(req, 500, "internal", "error.internal", NULL);
		}
		status = gc_respond_error(ex);
	}
	json_decref(view.model);
	free(view.body);
	if (view.has_fd)
		close(view.fd);
	return status;
}

static gc_status last_call(struct gc_exchange *ex)
{
	ex->started_last = true;
	if (ex->redirect) {
		struct gc_view view = { .kind = GC_VIEW_REDIRECT, .location = ex->redirect };
		gc_http_release_db(&ex->req);
		return gc_respond_view(ex, &view, false, 0);
	}
	if (ex->refused)
		return gc_respond_error(ex);
	if (ex->metrics)
		return serve_metrics(ex);
	if (ex->body_too_big) {
		ex->close = true;
		return refuse(ex, 413, "payload_too_large", NULL);
	}
	if (ex->body_expected) {
		gc_status status = parse_body(ex);
		if (status != GC_OK || ex->answered)
			return status;
	}
	return dispatch(ex);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct gc_exchange *ex = *con_cls;
	gc_status status;
	(void)cls;
	(void)url; /* unescaped by the library: the raw target from on_uri is used instead */
	if (!ex)
		return MHD_NO; /* on_uri ran out of memory */
	ex->conn = conn;
	if (!ex->started) {
		ex->started = true;
		status = first_call(ex, method, version);
	} else if (*upload_data_size) {
		status = take_upload(ex, upload_data, *upload_data_size);
		*upload_data_size = 0;
	} else if (!ex->answered) {
		status = last_call(ex);
	} else {
		status = GC_OK;
	}
	if (status != GC_OK)
		gc_log(GC_LOG_WARN, "request abandoned", "{s:s, s:s}", "request_id", ex->req.id, "status",
		       gc_status_name(status));
	return status == GC_OK ? MHD_YES : MHD_NO;
}

/* --- the metrics listener -------------------------------------------------- */

static enum MHD_Result on_metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
					  const char *method, const char *version, const char *upload_data,
					  size_t *upload_data_size, void **con_cls)
{
	struct gc_server *server = cls;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0 || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
		static const char not_found[] = "not found\n";
		return gc_respond_plain(conn, 404, "text/plain; charset=utf-8", not_found, sizeof(not_found) - 1,
					NULL) == GC_OK
			       ? MHD_YES
			       : MHD_NO;
	}
	struct gc_buf b;
	gc_buf_init(&b, METRICS_MAX_BYTES);
	gc_status status = gc_metrics_render(server->metrics, server->pool, &b);
	if (status == GC_OK)
		status = gc_respond_plain(conn, 200, METRICS_CONTENT_TYPE, gc_buf_str(&b), b.len, NULL);
	gc_buf_free(&b);
	return status == GC_OK ? MHD_YES : MHD_NO;
}

/* --- start and stop -------------------------------------------------------- */

/* An IPv4 or IPv6 literal ("[::1]" accepted too) and a port. */
static gc_status make_address(const char *host, uint16_t port, struct sockaddr_storage *ss, bool *v6)
{
	char literal[64];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(literal))
		return GC_EINVAL;
	memcpy(literal, host, n);
	literal[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
	if (inet_pton(AF_INET, literal, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*v6 = false;
		return GC_OK;
	}
	if (inet_pton(AF_INET6, literal, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*v6 = true;
		return GC_OK;
	}
	return GC_EINVAL;
}

static uint16_t bound_port(struct MHD_Daemon *daemon)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

static void static_href(char *out, size_t size, const char *url, const char *embedded_path)
{
	const struct gc_embedded_file *file = gc_embedded_find(embedded_path);
	if (file)
		snprintf(out, size, "%s?v=%s", url, file->hash);
	else
		snprintf(out, size, "%s", url);
}

gc_status gc_http_start(struct gc_server *server, char *err, size_t err_size)
{
	const struct gc_config *config = &server->config;
	struct gc_http *http = NULL;
	struct sockaddr_storage addr, metrics_addr;
	bool v6 = false, metrics_v6 = false;
	gc_status status = GC_EINVAL;

	if (err_size)
		err[0] = '\0';
	if (server->http || !server->router) {
		snprintf(err, err_size, "%s", server->http ? "the HTTP listener is already running" : "no route table");
		return GC_EINVAL;
	}
	if (make_address(config->listen_host, config->listen_port, &addr, &v6) != GC_OK) {
		snprintf(err, err_size, "listen address \"%s\" is not an IPv4 or IPv6 literal", config->listen_host);
		return GC_EINVAL;
	}
	const char *metrics_host = config->metrics_host[0] ? config->metrics_host : "127.0.0.1";
	if (config->metrics_port && make_address(metrics_host, config->metrics_port, &metrics_addr, &metrics_v6) != GC_OK) {
		snprintf(err, err_size, "metrics address \"%s\" is not an IPv4 or IPv6 literal", metrics_host);
		return GC_EINVAL;
	}
	if (gc_random_init() != GC_OK) {
		snprintf(err, err_size, "the random number generator did not start");
		return GC_EIO;
	}

	status = GC_ENOMEM;
	http = calloc(1, sizeof(*http));
	if (!http)
		goto out;
	server->http = http;
	atomic_init(&http->in_flight, 0);
	pthread_mutex_init(&http->live_lock, NULL);
	for (size_t i = 0; i < GC_LANG_COUNT; i++) {
		/* Wrapped once, here, before any thread shares the tables. */
		const json_t *table = gc_i18n_table(gc_langs[i]);
		http->lang_holders[i] = json_object();
		if (!http->lang_holders[i] ||
		    (table && json_object_set(http->lang_holders[i], "t", (json_t *)(uintptr_t)table) != 0))
			goto out;
	}
	static_href(http->css_href, sizeof(http->css_href), "/static/style.css", "static/style.css");
	static_href(http->js_href, sizeof(http->js_href), "/static/app.js", "static/app.js");
	if (config->metrics_token[0]) {
		crypto_generichash(http->metrics_token_hash, sizeof(http->metrics_token_hash),
				   (const unsigned char *)config->metrics_token, strlen(config->metrics_token), NULL, 0);
		http->metrics_token_set = true;
	}
	if (!server->metrics) {
		if (gc_metrics_new(server->router, &server->metrics) != GC_OK)
			goto out;
		http->own_metrics = true;
	}
	/* Without a database the cache could not tell a fresh page from a stale one. */
	if (!server->cache && server->pool) {
		if (gc_page_cache_new(GC_PAGE_CACHE_MAX_BYTES, GC_PAGE_CACHE_MAX_ENTRIES,
				      gc_router_count(server->router), &server->cache) != GC_OK)
			goto out;
		http->own_cache = true;
	}

	unsigned threads = config->threads;
	if (threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (unsigned)cores : 1;
	}
	size_t max_head = config->max_header_bytes ? config->max_header_bytes : 16384;
	/* libmicrohttpd keeps the head, the parsed header list and the
	 * response head in one pool per connection: the head gets what it may
	 * use and the rest has room. A larger head is refused by the library
	 * (431); between max_head and the pool's size first_call refuses it. */
	size_t memory_limit = max_head + max_head / 2 + 4096;
	unsigned timeout = config->connection_timeout_s ? config->connection_timeout_s : 30;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			 MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
	/* The logger comes first so that the library's messages about the
	 * other options reach the log too. */
	http->daemon = MHD_start_daemon(
		flags, config->listen_port, NULL, NULL, on_request, server, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
		NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_LIMIT,
		config->max_connections ? config->max_connections : 1000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		config->max_connections_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_URI_LOG_CALLBACK, on_uri, server,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_END);
	if (!http->daemon) {
		snprintf(err, err_size, "the HTTP daemon did not start (address in use or not permitted?)");
		status = GC_EIO;
		goto out;
	}
	http->port = bound_port(http->daemon);

	if (config->metrics_port) {
		http->metrics_daemon = MHD_start_daemon(
			MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				(metrics_v6 ? MHD_USE_IPv6 : 0),
			config->metrics_port, NULL, NULL, on_metrics_request, server, MHD_OPTION_EXTERNAL_LOGGER,
			mhd_logger, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&metrics_addr,
			MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_LIMIT, 16u,
			MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
		if (!http->metrics_daemon) {
			snprintf(err, err_size, "cannot listen for metrics on %s port %u", metrics_host,
				 (unsigned)config->metrics_port);
			status = GC_EIO;
			goto out;
		}
		http->metrics_port = bound_port(http->metrics_daemon);
	}
	gc_log(GC_LOG_INFO, "http listener started", "{s:s, s:i, s:i, s:i}", "host", config->listen_host, "port", http->port,
	       "threads", (int)threads, "metrics_port", http->metrics_port);
	status = GC_OK;
out:
	if (status != GC_OK) {
		if (err_size && !err[0])
			snprintf(err, err_size, "out of memory starting the HTTP listener");
		gc_http_stop(server);
	}
	return status;
}

void gc_http_stop(struct gc_server *server)
{
	struct gc_http *http = server ? server->http : NULL;
	if (!http)
		return;
	if (http->daemon) {
		/* Stop accepting, let requests in flight finish, then close what is
		 * left (idle keep-alive connections and stragglers). */
		MHD_socket fd = MHD_quiesce_daemon(http->daemon);
		int64_t deadline = now_us() + (int64_t)STOP_GRACE_MS * 1000;
		while (atomic_load_explicit(&http->in_flight, memory_order_relaxed) > 0 && now_us() < deadline) {
			struct timespec pause = { 0, 10 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
		MHD_stop_daemon(http->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	if (http->metrics_daemon)
		MHD_stop_daemon(http->metrics_daemon);
	/* The daemons are stopped: no callback can run any more. */
	while (http->live) {
		struct gc_exchange *ex = http->live;
		http->live = ex->live_next;
		exchange_free(ex);
	}
	pthread_mutex_destroy(&http->live_lock);
	for (size_t i = 0; i < GC_LANG_COUNT; i++)
		json_decref(http->lang_holders[i]);
	if (http->own_cache) {
		gc_page_cache_free(server->cache);
		server->cache = NULL;
	}
	if (http->own_metrics) {
		gc_metrics_free(server->metrics);
		server->metrics = NULL;
	}
	free(http);
	server->http = NULL;
}

uint16_t gc_http_port(const struct gc_server *server)
{
	return server && server->http ? server->http->port : 0;
}

uint16_t gc_http_metrics_port(const struct gc_server *server)
{
	return server && server->http ? server->http->metrics_port : 0;
}
