/*
 * The helpers of http/request.h: what a handler asks of its request. They
 * read what the router already checked, so they never fail on input; the
 * ones that can fail (a database connection, a header to add) say so.
 */
#include "http/internal.h"

#include <microhttpd.h>
#include <string.h>

#include "base/log.h"
#include "base/parse.h"
#include "base/text.h"
#include "store/store.h"

static const char *request_lang(const struct gc_request *req)
{
	return req->lang ? req->lang : GC_LANG_DEFAULT;
}

void gc_set_error(struct gc_request *req, int status, const char *code, const char *message_key, const char *field)
{
	req->err_status = status;
	req->err_code = code;
	req->err_message = gc_tr(request_lang(req), message_key);
	req->err_field = field;
}

gc_status gc_fail(struct gc_request *req, int status, const char *code, const char *message_key, const char *field)
{
	gc_set_error(req, status, code, message_key, field);
	return GC_EHTTP;
}

gc_status gc_fail_not_found(struct gc_request *req)
{
	return gc_fail(req, 404, "not_found", "error.not_found", NULL);
}

struct gc_db_lease {
	struct gc_pool *pool;
	struct gc_db *db;
};

static void release_lease(void *data)
{
	struct gc_db_lease *lease = data;
	if (lease->db)
		gc_pool_release(lease->pool, lease->db);
	lease->db = NULL;
}

void gc_http_release_db(struct gc_request *req)
{
	struct gc_exchange *ex = req->impl;
	if (!ex || !ex->db_lease)
		return;
	release_lease(ex->db_lease);
	req->db = NULL;
	/* A later gc_request_db() in this request would borrow again; none comes after the response. */
	ex->db_failed = true;
}

struct gc_db *gc_request_db_try(struct gc_request *req)
{
	struct gc_exchange *ex = req->impl;
	struct gc_db *db = NULL;
	if (req->db)
		return req->db;
	if (!req->server || !req->server->pool || (ex && ex->db_failed))
		return NULL;
	gc_status status = gc_pool_acquire(req->server->pool, GC_DB_ACQUIRE_TIMEOUT_MS, &db);
	if (status != GC_OK) {
		gc_log(GC_LOG_WARN, "no database connection for a request", "{s:s, s:s}", "request_id", req->id,
		       "status", gc_status_name(status));
		goto fail;
	}
	/* The connection goes back to the pool when the request's arena is
	 * freed, whatever path the request took to its end. */
	struct gc_db_lease *lease = gc_arena_alloc(req->arena, sizeof(*lease));
	if (!lease || gc_arena_on_cleanup(req->arena, release_lease, lease) != GC_OK) {
		gc_pool_release(req->server->pool, db);
		goto fail;
	}
	lease->pool = req->server->pool;
	lease->db = db;
	req->db = db;
	if (ex)
		ex->db_lease = lease;
	return db;
fail:
	if (ex)
		ex->db_failed = true;
	return NULL;
}

struct gc_db *gc_request_db(struct gc_request *req)
{
	struct gc_db *db = gc_request_db_try(req);
	if (!db)
		gc_set_error(req, 503, "unavailable", "error.unavailable", NULL);
	return db;
}

const char *gc_query(const struct gc_request *req, const char *name)
{
	return gc_kv_find(req->query, req->n_query, name);
}

size_t gc_query_all(const struct gc_request *req, const char *name, const char **values, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < req->n_query; i++) {
		if (strcmp(req->query[i].name, name) != 0)
			continue;
		if (count < max)
			values[count] = req->query[i].value;
		count++;
	}
	return count;
}

int64_t gc_query_int(const struct gc_request *req, const char *name, int64_t fallback)
{
	const char *value = gc_query(req, name);
	int64_t v;
	if (!value || gc_parse_i64(value, strlen(value), INT64_MIN, INT64_MAX, &v) != GC_OK)
		return fallback;
	return v;
}

const char *gc_form(const struct gc_request *req, const char *name)
{
	return gc_kv_find(req->form, req->n_form, name);
}

const struct gc_upload *gc_form_file(const struct gc_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_files; i++)
		if (strcmp(req->files[i].field, name) == 0)
			return &req->files[i];
	return NULL;
}

const char *gc_header(const struct gc_request *req, const char *name)
{
	const struct gc_exchange *ex = req->impl;
	if (!ex || !ex->conn)
		return NULL;
	return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

static bool cookie_octet(unsigned char c)
{
	/* RFC 6265 4.1.1: printable ASCII but space, '"', ',', ';' and '\\'. */
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	       (c >= 0x5d && c <= 0x7e);
}

const char *gc_cookie_parse(struct gc_arena *arena, const char *header, const char *name)
{
	if (!header || !name)
		return NULL;
	size_t want = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t pair_len = strcspn(p, ";");
		size_t n = pair_len;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		const char *eq = memchr(p, '=', n);
		if (eq) {
			size_t name_len = (size_t)(eq - p);
			const char *value = eq + 1;
			size_t value_len = (size_t)(p + n - value);
			if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
				value++;
				value_len -= 2;
			}
			bool ok = gc_http_token(p, name_len);
			for (size_t i = 0; ok && i < value_len; i++)
				ok = cookie_octet((unsigned char)value[i]);
			if (ok && name_len == want && memcmp(p, name, want) == 0)
				return gc_arena_strndup(arena, value, value_len);
		}
		p += pair_len;
		if (*p == ';')
			p++;
	}
	return NULL;
}

const char *gc_cookie(const struct gc_request *req, const char *name)
{
	return gc_cookie_parse(req->arena, gc_header(req, "Cookie"), name);
}

bool gc_origin_allowed(const char *origin, const char *host, const char *base_url)
{
	if (!origin)
		return false;
	const char *sep = strstr(origin, "://");
	if (!sep)
		return false; /* includes the opaque origin "null" */
	const char *authority = sep + 3;
	if (strchr(authority, '/') || !authority[0])
		return false;
	if (host && gc_ascii_ieq(authority, host))
		return true;
	/* Behind a proxy that rewrites Host, the public address is the configured one. */
	if (!base_url || !base_url[0])
		return false;
	const char *base_sep = strstr(base_url, "://");
	if (!base_sep)
		return false;
	size_t base_len = (size_t)(base_sep + 3 - base_url) + strcspn(base_sep + 3, "/");
	if (strlen(origin) != base_len)
		return false;
	for (size_t i = 0; i < base_len; i++) {
		char a = origin[i], b = base_url[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return false;
	}
	return true;
}

/* Headers the HTTP layer owns: framing, and the security headers every response carries. */
static bool reserved_header(const char *name)
{
	static const char *const reserved[] = {
		"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer",
		"Date", "Server", "Content-Type", "X-Content-Type-Options", "Referrer-Policy",
		"X-Frame-Options", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
		"Permissions-Policy", "X-Request-Id",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(reserved); i++)
		if (gc_ascii_ieq(name, reserved[i]))
			return true;
	/* Never any CORS grant (SECURITY.md O3). */
	static const char cors[] = "access-control-";
	for (size_t i = 0; i < sizeof(cors) - 1; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != cors[i])
			return false;
	}
	return true;
}

gc_status gc_add_header(struct gc_request *req, const char *name, const char *value)
{
	if (!name || !value || !gc_http_token(name, strlen(name)) || reserved_header(name))
		return GC_EINVAL;
	/* Visible ASCII, spaces and tabs: no CR/LF (header injection), no other controls. */
	for (const unsigned char *v = (const unsigned char *)value; *v; v++)
		if ((*v < 0x20 && *v != '\t') || *v == 0x7f)
			return GC_EINVAL;
	if (req->n_resp_headers == req->cap_resp_headers) {
		size_t cap = req->cap_resp_headers ? req->cap_resp_headers * 2 : 8;
		struct gc_kv *grown = gc_arena_calloc(req->arena, cap, sizeof(*grown));
		if (!grown)
			return GC_ENOMEM;
		if (req->n_resp_headers)
			memcpy(grown, req->resp_headers, req->n_resp_headers * sizeof(*grown));
		req->resp_headers = grown;
		req->cap_resp_headers = cap;
	}
	char *n = gc_arena_strdup(req->arena, name);
	char *v = gc_arena_strdup(req->arena, value);
	if (!n || !v)
		return GC_ENOMEM;
	req->resp_headers[req->n_resp_headers].name = n;
	req->resp_headers[req->n_resp_headers].value = v;
	req->resp_headers[req->n_resp_headers].value_len = strlen(v);
	req->n_resp_headers++;
	return GC_OK;
}

const char *gc_req_tr(const struct gc_request *req, const char *key)
{
	return gc_tr(request_lang(req), key);
}

gc_status gc_view_page(struct gc_request *req, struct gc_view *view, const char *template_name,
		       const char *title_key)
{
	json_t *model = json_object();
	if (!model)
		return GC_ENOMEM;
	json_decref(view->model);
	view->kind = GC_VIEW_PAGE;
	view->status = 200;
	view->model = model;
	view->template_name = template_name;
	view->title = title_key ? gc_req_tr(req, title_key) : NULL;
	return GC_OK;
}
