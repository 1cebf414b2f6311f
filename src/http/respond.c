/*
 * From a view (or the request's error) to the bytes on the wire.
 *
 * API clients get the model as compact JSON; browsers get the template
 * rendered inside the layout. Every response, whatever produced it, leaves
 * through send_response(), which adds the security headers (SECURITY.md O3),
 * the request id and the cache policy, so no path can forget them.
 */
#include "http/internal.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "http/identity.h"
#include "modules/module.h"
#include "render/templates.h"

static const char ct_html[] = "text/html; charset=utf-8";
static const char ct_json[] = "application/json; charset=utf-8";
static const char ct_text[] = "text/plain; charset=utf-8";

static const struct {
	const char *name;
	const char *value;
} security_headers[] = {
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

/*
 * The headers of every response. own_csp: the handler set a
 * Content-Security-Policy of its own (a file's sandbox, stricter than the
 * pages'), which is then the only one: two policies would both apply, and
 * tools reading one header would see a list.
 */
static gc_status add_security_headers(struct MHD_Response *response, bool own_csp)
{
	for (size_t i = 0; i < GC_ARRAY_LEN(security_headers); i++) {
		if (own_csp && gc_ascii_ieq(security_headers[i].name, "Content-Security-Policy"))
			continue;
		if (MHD_add_response_header(response, security_headers[i].name, security_headers[i].value) != MHD_YES)
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status gc_http_add_security_headers(struct MHD_Response *response)
{
	return add_security_headers(response, false);
}

/* --- pure helpers -------------------------------------------------------- */

bool gc_redirect_target_ok(const char *location)
{
	/* "//host" and "/\host" are read by browsers as another site. */
	if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\')
		return false;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)location; *p; p++, n++)
		if (*p < 0x21 || *p > 0x7e || *p == '\\')
			return false;
	return n <= GC_MAX_PATH_BYTES * 2;
}

bool gc_etag_matches(const char *if_none_match, const char *etag)
{
	if (!if_none_match || !etag)
		return false;
	/* If-None-Match compares weakly (RFC 9110 13.1.2): W/ is ignored on both sides. */
	if (etag[0] == 'W' && etag[1] == '/')
		etag += 2;
	size_t etag_len = strlen(etag);
	const char *p = if_none_match;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false;
		const char *end = strchr(p + 1, '"');
		if (!end)
			return false;
		size_t n = (size_t)(end - p) + 1;
		if (n == etag_len && memcmp(p, etag, n) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

/* Decodes one code point of valid UTF-8 at s (the caller checked validity). */
static unsigned utf8_decode(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*len = 2;
		return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	}
	if (s[0] < 0xf0) {
		*len = 3;
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	}
	*len = 4;
	return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
}

static bool filename_refused(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == '"' || cp == '\\' || cp == '/' ||
	       cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void gc_content_disposition(struct gc_buf *out, const char *filename)
{
	/* The name as it will be offered, refused characters turned into '_',
	 * cut at 200 bytes on a character boundary. */
	char clean[208];
	size_t n = 0;
	if (filename && gc_utf8_valid(filename, strlen(filename))) {
		const unsigned char *p = (const unsigned char *)filename;
		while (*p) {
			size_t len;
			unsigned cp = utf8_decode(p, &len);
			if (n + len > 200)
				break;
			if (filename_refused(cp)) {
				clean[n++] = '_';
			} else {
				memcpy(clean + n, p, len);
				n += len;
			}
			p += len;
		}
	}
	if (n == 0) {
		memcpy(clean, "download", 8);
		n = 8;
	}
	clean[n] = '\0';

	gc_buf_lit(out, "attachment; filename=\"");
	for (size_t i = 0; i < n;) {
		size_t len;
		unsigned cp = utf8_decode((const unsigned char *)clean + i, &len);
		/* Old browsers decode %XX inside filename="..."; keep it plain ASCII. */
		gc_buf_char(out, cp < 0x80 && cp != '%' ? (char)cp : '_');
		i += len;
	}
	gc_buf_lit(out, "\"; filename*=UTF-8''");
	static const char attr_extra[] = "!#$&+-.^_`|~";
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    memchr(attr_extra, c, sizeof(attr_extra) - 1)) {
			gc_buf_char(out, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
			gc_buf_raw(out, esc, 3);
		}
	}
}

/* --- sending ------------------------------------------------------------- */

enum body_mode {
	BODY_NONE,       /* no body (304, 303, HEAD-only answers) */
	BODY_FREE,       /* malloc'd bytes, freed by libmicrohttpd */
	BODY_STATIC,     /* bytes that outlive the server */
	BODY_FD,         /* an open file of len bytes, closed by libmicrohttpd once sent */
	BODY_ENTRY,      /* a page-cache entry, released when sent */
};

struct body {
	enum body_mode mode;
	const char *data;
	size_t len;
	int fd;
	struct gc_cache_entry *entry;
};

static void entry_done(void *cls)
{
	gc_cache_entry_release(cls);
}

static void body_drop(struct body *b)
{
	if (b->mode == BODY_FREE)
		free((void *)b->data);
	else if (b->mode == BODY_ENTRY)
		gc_cache_entry_release(b->entry);
	else if (b->mode == BODY_FD)
		close(b->fd);
	b->mode = BODY_NONE;
}

static bool handler_set(const struct gc_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_resp_headers; i++)
		if (gc_ascii_ieq(req->resp_headers[i].name, name))
			return true;
	return false;
}

/*
 * Queues one response. Takes the body whatever happens. cache_control NULL
 * means "no-store" unless the handler set its own.
 */
static gc_status send_response(struct gc_exchange *ex, int status, const char *content_type, struct body *b,
			       const char *cache_control, const char *etag)
{
	struct gc_request *req = &ex->req;
	struct MHD_Response *response = NULL;
	gc_status result = GC_ENOMEM;
	size_t len = b->mode == BODY_NONE ? 0 : b->len;

	switch (b->mode) {
	case BODY_NONE:
		response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		break;
	case BODY_FREE:
		response = MHD_create_response_from_buffer(len, (void *)b->data, MHD_RESPMEM_MUST_FREE);
		break;
	case BODY_STATIC:
		response = MHD_create_response_from_buffer(len, (void *)b->data, MHD_RESPMEM_PERSISTENT);
		break;
	case BODY_FD:
		response = MHD_create_response_from_fd64(len, b->fd);
		break;
	case BODY_ENTRY:
		response = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)b->data, entry_done,
										  b->entry);
		break;
	}
	if (!response) {
		body_drop(b);
		goto out;
	}
	b->mode = BODY_NONE; /* the response owns it now */

	bool ok = true;
	for (size_t i = 0; ok && i < req->n_resp_headers; i++)
		ok = MHD_add_response_header(response, req->resp_headers[i].name, req->resp_headers[i].value) ==
		     MHD_YES;
	if (ok && content_type)
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES;
	if (ok && !handler_set(req, "Cache-Control"))
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
					     cache_control ? cache_control : "no-store") == MHD_YES;
	if (ok && etag)
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_ETAG, etag) == MHD_YES;
	if (ok)
		ok = add_security_headers(response, handler_set(req, "Content-Security-Policy")) == GC_OK;
	if (ok && req->id[0])
		ok = MHD_add_response_header(response, "X-Request-Id", req->id) == MHD_YES;
	/* Pages are negotiated: HTML or JSON by Accept, the language by cookie or
	 * Accept-Language. Shared caches must key on those; static files do not vary. */
	if (ok && !(req->route && req->route->name && strcmp(req->route->name, "static") == 0))
		ok = MHD_add_response_header(response, "Vary", "Accept, Accept-Language, Cookie") == MHD_YES;
	if (ok && status == 405 && ex->allow[0])
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, ex->allow) == MHD_YES;
	if (ok && ex->lang_cookie) {
		char cookie[128];
		snprintf(cookie, sizeof(cookie), "gcscp_lang=%s; Path=/; Max-Age=31536000; SameSite=Lax%s",
			 ex->lang_cookie, ex->server->config.insecure_cookies ? "" : "; Secure");
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_SET_COOKIE, cookie) == MHD_YES;
	}
	if (ok && ex->close)
		ok = MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
	if (!ok)
		goto out;
	gc_http_release_db(req);
	if (MHD_queue_response(ex->conn, (unsigned)status, response) != MHD_YES) {
		result = GC_EIO;
		goto out;
	}
	ex->answered = true;
	ex->status = status;
	ex->bytes = strcmp(req->method ? req->method : "", "HEAD") == 0 ? 0 : len;
	result = GC_OK;
out:
	if (response)
		MHD_destroy_response(response);
	return result;
}

gc_status gc_respond_bytes(struct gc_exchange *ex, int status, const char *content_type, char *body, size_t len)
{
	struct body b = { .mode = BODY_FREE, .data = body, .len = len };
	return send_response(ex, status, content_type, &b, NULL, NULL);
}

gc_status gc_respond_plain(struct MHD_Connection *conn, int status, const char *content_type, const char *body,
			   size_t len, int *queued_status)
{
	gc_status result = GC_ENOMEM;
	struct MHD_Response *response = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!response)
		goto out;
	if (MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    gc_http_add_security_headers(response) != GC_OK)
		goto out;
	if (MHD_queue_response(conn, (unsigned)status, response) != MHD_YES) {
		result = GC_EIO;
		goto out;
	}
	if (queued_status)
		*queued_status = status;
	result = GC_OK;
out:
	if (response)
		MHD_destroy_response(response);
	return result;
}

/* --- JSON and HTML ------------------------------------------------------- */

static int dump_to_buf(const char *buffer, size_t size, void *data)
{
	struct gc_buf *b = data;
	gc_buf_raw(b, buffer, size);
	return gc_buf_error(b) ? -1 : 0;
}

static gc_status dump_json(const json_t *value, struct body *out)
{
	struct gc_buf b;
	gc_buf_init(&b, GC_MAX_PAGE_BYTES);
	if (json_dump_callback(value, dump_to_buf, &b, JSON_COMPACT | JSON_ENCODE_ANY) != 0 && !gc_buf_error(&b))
		b.err = GC_EINVAL;
	gc_status status = gc_buf_error(&b);
	if (status == GC_OK) {
		out->data = gc_buf_take(&b, &out->len);
		out->mode = BODY_FREE;
	}
	gc_buf_free(&b);
	return status;
}

static size_t lang_index(const char *lang)
{
	for (size_t i = 0; i < GC_LANG_COUNT; i++)
		if (lang && strcmp(gc_langs[i], lang) == 0)
			return i;
	return 0;
}

/*
 * The request's path, '?', and its declared query but the language, each
 * pair followed by '&'. The parameters are already in declaration order, so
 * the same page asked with different noise in its query writes the same text.
 */
static void append_path_and_query(struct gc_buf *b, const struct gc_request *req)
{
	gc_buf_url_path(b, req->path, strlen(req->path));
	gc_buf_char(b, '?');
	for (size_t i = 0; i < req->n_query; i++) {
		if (strcmp(req->query[i].name, "lang") == 0)
			continue;
		gc_buf_url_query(b, req->query[i].name, strlen(req->query[i].name));
		gc_buf_char(b, '=');
		gc_buf_url_query(b, req->query[i].value, req->query[i].value_len);
		gc_buf_char(b, '&');
	}
}

/* The current page's URL in another language: path and declared query, lang replaced. */
static json_t *lang_href(const struct gc_request *req, const char *code)
{
	struct gc_buf b;
	gc_buf_init(&b, GC_MAX_PATH_BYTES * 4);
	append_path_and_query(&b, req);
	gc_buf_lit(&b, "lang=");
	gc_buf_url_query(&b, code, strlen(code));
	json_t *s = gc_buf_error(&b) ? NULL : json_stringn(b.data, b.len);
	gc_buf_free(&b);
	return s;
}

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0)
		return false;
	/* "/countries" is current for "/countries/FRA" but not for "/countriesx". */
	return path[n] == '\0' || path[n] == '/' || (n > 0 && prefix[n - 1] == '/');
}

/*
 * Who is signed in, for the layout (http/identity.h): "user" (null when
 * nobody), "csrf_token" for forms, and the links of the tools this person
 * may use.
 */
static bool add_identity(json_t *g, const struct gc_request *req, const char *lang)
{
	const struct gc_principal *p = req->principal;
	const char *csrf = req->session && req->session->csrf_token ? req->session->csrf_token : "";
	if (json_object_set_new(g, "csrf_token", json_string(csrf)) ||
	    json_object_set_new(g, "mfa_pending", json_boolean(req->session && !p)))
		return false;
	if (!p)
		return true;
	bool admin = p->role == GC_ROLE_ADMIN;
	bool secretariat = gc_principal_is_secretariat(p);
	json_t *tools = json_array();
	json_t *user = json_pack("{s:I, s:s?, s:s, s:I, s:s?, s:s?, s:s?, s:b, s:b, s:b, s:o}", "id", (json_int_t)p->user_id,
				 "name", p->name, "email", p->email, "org_id", (json_int_t)p->org_id, "org_name",
				 p->org_name, "org_kind", gc_org_kind_name(p->org_kind), "role", gc_role_name(p->role),
				 "is_admin", admin, "is_secretariat", secretariat, "is_secretariat_admin",
				 secretariat && admin, "tools", tools);
	if (!user)
		return false;
	struct {
		const char *href, *key;
		bool shown;
	} links[] = {
		{ "/account", "site.tool_account", true },
		{ "/mine", "site.tool_mine", true },
		{ "/review", "site.tool_review", secretariat ? p->role != GC_ROLE_READER : admin && p->org_four_eyes },
		{ NULL, "site.tool_organisation", !secretariat },
		{ "/organisations", "site.tool_organisations", secretariat },
		{ "/audit", "site.tool_audit", admin },
	};
	char org_href[40];
	snprintf(org_href, sizeof(org_href), "/organisations/%lld", (long long)p->org_id);
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof(links) / sizeof(links[0]); i++) {
		if (!links[i].shown)
			continue;
		const char *href = links[i].href ? links[i].href : org_href;
		ok = json_array_append_new(tools, json_pack("{s:s, s:s, s:b}", "href", href, "label",
							    gc_tr(lang, links[i].key), "current",
							    path_under(req->path ? req->path : "/", href))) == 0;
	}
	return ok && json_object_set_new(g, "user", user) == 0;
}

/* The layout's model (the contract with templates/layout.mustache). */
static json_t *build_globals(struct gc_exchange *ex, const char *title)
{
	const struct gc_request *req = &ex->req;
	const char *lang = req->lang ? req->lang : GC_LANG_DEFAULT;
	struct gc_http *http = ex->server->http;
	time_t now = (time_t)gc_clock_now();
	struct tm tm;
	gmtime_r(&now, &tm);

	json_t *nav = json_array();
	json_t *langs = json_array();
	json_t *g = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:n, s:i, s:b}", "lang", lang, "dir",
			      gc_lang_dir(lang), "title", title, "site_name", gc_tr(lang, "site.name"), "css",
			      http ? http->css_href : "/static/style.css", "js", http ? http->js_href : "/static/app.js",
			      "nav", nav, "langs", langs, "path", req->path ? req->path : "/", "request_id", req->id,
			      "user", "year", tm.tm_year + 1900, "demo", ex->server->demo);
	if (!g)
		return NULL;
	bool ok = true;
	/* Navigation in the modules' nav_order, ties in registry order. */
	const struct gc_module *ordered[64];
	size_t n_ordered = 0;
	for (size_t i = 0; i < gc_module_count && n_ordered < 64; i++) {
		size_t at = n_ordered++;
		while (at > 0 && ordered[at - 1]->nav_order > gc_modules[i]->nav_order) {
			ordered[at] = ordered[at - 1];
			at--;
		}
		ordered[at] = gc_modules[i];
	}
	for (size_t i = 0; ok && i < n_ordered; i++) {
		const struct gc_module *m = ordered[i];
		if (!m->nav_path || !m->title_key)
			continue;
		ok = json_array_append_new(nav, json_pack("{s:s, s:s, s:b}", "href", m->nav_path, "label",
							  gc_tr(lang, m->title_key), "current",
							  path_under(req->path ? req->path : "/", m->nav_path))) == 0;
	}
	for (size_t i = 0; ok && i < GC_LANG_COUNT; i++) {
		const char *code = gc_langs[i];
		json_t *href = lang_href(req, code);
		ok = href && json_array_append_new(langs, json_pack("{s:s, s:s?, s:o, s:b}", "code", code, "name",
								    gc_lang_native_name(code), "href", href,
								    "current", strcmp(code, lang) == 0)) == 0;
	}
	if (ok)
		ok = add_identity(g, req, lang);
	if (!ok) {
		json_decref(g);
		return NULL;
	}
	return g;
}

/*
 * Renders template_name with model, then the layout around it. GC_ENOTFOUND
 * when a template is missing; the caller answers 500 and the log says which.
 */
static gc_status render_html(struct gc_exchange *ex, const char *template_name, const char *title,
			     const json_t *model, struct body *out)
{
	const struct gc_templates *templates = ex->server->templates;
	struct gc_http *http = ex->server->http;
	json_t *globals = build_globals(ex, title);
	json_t *empty = json_object();
	struct gc_buf page, layout;
	gc_status status = GC_ENOMEM;
	gc_buf_init(&page, GC_MAX_PAGE_BYTES);
	gc_buf_init(&layout, GC_MAX_PAGE_BYTES);
	if (!globals || !empty)
		goto out;
	/* The translation table sits at the bottom of the stack, wrapped once
	 * per language at start-up: it is shared read-only across threads. */
	const json_t *holder = http && http->lang_holders[lang_index(ex->req.lang)]
				       ? http->lang_holders[lang_index(ex->req.lang)]
				       : empty;
	const json_t *stack[3] = { holder, globals, model ? model : empty };
	if (!templates || !template_name) {
		status = GC_ENOTFOUND;
		goto out;
	}
	status = gc_templates_render(templates, template_name, stack, 3, &page);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	if (json_object_set_new(globals, "content", json_stringn_nocheck(page.data ? page.data : "", page.len)))
		goto out;
	/* The page's feeds, for the layout's <link rel="alternate"> (http/request.h). */
	if (json_is_array(json_object_get(model, "feeds")) &&
	    json_object_set(globals, "feeds", json_object_get(model, "feeds")))
		goto out;
	gc_buf_free(&page);
	status = gc_templates_render(templates, "layout", stack, 2, &layout);
	if (status != GC_OK)
		goto out;
	status = gc_buf_error(&layout);
	if (status != GC_OK)
		goto out;
	out->data = gc_buf_take(&layout, &out->len);
	out->mode = BODY_FREE;
out:
	if (status != GC_OK)
		gc_log(GC_LOG_ERROR, "page rendering failed", "{s:s, s:s?, s:s}", "request_id", ex->req.id,
		       "template", template_name, "status", gc_status_name(status));
	gc_buf_free(&page);
	gc_buf_free(&layout);
	json_decref(globals);
	json_decref(empty);
	return status;
}

/* --- errors -------------------------------------------------------------- */

static void set_internal(struct gc_request *req)
{
	/* Whatever the handler prepared (cookies, headers) is dropped with its answer. */
	req->n_resp_headers = 0;
	gc_set_error(req, 500, "internal", "error.internal", NULL);
}

gc_status gc_respond_error(struct gc_exchange *ex)
{
	struct gc_request *req = &ex->req;
	struct body b = { .mode = BODY_NONE };
	json_t *doc = NULL;
	gc_status status;
	if (req->err_status < 400 || req->err_status > 599 || !req->err_code)
		set_internal(req);
	if (!req->err_message)
		req->err_message = gc_req_tr(req, gc_http_error_key(req->err_code));

	if (req->is_api) {
		doc = json_pack("{s:{s:s, s:s}}", "error", "code", req->err_code, "message", req->err_message);
		if (doc && req->err_field)
			json_object_set_new(json_object_get(doc, "error"), "field", json_string(req->err_field));
		status = doc ? dump_json(doc, &b) : GC_ENOMEM;
		if (status != GC_OK)
			goto out;
		status = send_response(ex, req->err_status, ct_json, &b, NULL, NULL);
		goto out;
	}
	doc = json_pack("{s:{s:i, s:s, s:s}}", "error", "status", req->err_status, "code", req->err_code, "message",
			req->err_message);
	if (doc && render_html(ex, "errors/error", gc_req_tr(req, "error.title"), doc, &b) == GC_OK) {
		status = send_response(ex, req->err_status, ct_html, &b, NULL, NULL);
		goto out;
	}
	/* Without templates the message still reaches the reader, as plain text. */
	size_t len = strlen(req->err_message);
	char *text = malloc(len + 2);
	if (!text) {
		status = GC_ENOMEM;
		goto out;
	}
	memcpy(text, req->err_message, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	b = (struct body){ .mode = BODY_FREE, .data = text, .len = len + 1 };
	status = send_response(ex, req->err_status, ct_text, &b, NULL, NULL);
out:
	json_decref(doc);
	return status;
}

static gc_status respond_internal(struct gc_exchange *ex, const char *why)
{
	gc_log(GC_LOG_ERROR, "invalid view", "{s:s, s:s}", "request_id", ex->req.id, "reason", why);
	set_internal(&ex->req);
	return gc_respond_error(ex);
}

/* --- views --------------------------------------------------------------- */

const char *gc_cache_key(struct gc_exchange *ex, size_t *len)
{
	const struct gc_request *req = &ex->req;
	struct gc_buf b;
	gc_buf_init(&b, GC_MAX_PATH_BYTES * 8);
	gc_buf_str_raw(&b, req->is_api ? "a|" : "h|");
	gc_buf_str_raw(&b, req->lang ? req->lang : GC_LANG_DEFAULT);
	gc_buf_char(&b, '|');
	append_path_and_query(&b, req);
	const char *key = gc_buf_error(&b) ? NULL : gc_arena_strndup(req->arena, b.data, b.len);
	*len = key ? b.len : 0;
	gc_buf_free(&b);
	return key;
}

/*
 * Last-Modified for a view that has a time, and whether the request's
 * validators say the client's copy is current: If-None-Match decides when
 * sent (RFC 9110 §13.2.2), else If-Modified-Since at or after the time.
 */
static bool not_modified(struct gc_request *req, const char *etag, int64_t last_modified)
{
	const char *inm = gc_header(req, "If-None-Match");
	if (last_modified > 0) {
		char date[40];
		gc_clock_format_http(last_modified, date, sizeof(date));
		if (gc_add_header(req, "Last-Modified", date) != GC_OK)
			return false;
	}
	if (inm)
		return gc_etag_matches(inm, etag);
	const char *ims = gc_header(req, "If-Modified-Since");
	int64_t since = 0;
	return last_modified > 0 && ims && gc_clock_parse_http(ims, &since) == GC_OK && since >= last_modified;
}

gc_status gc_respond_cached(struct gc_exchange *ex, struct gc_cache_entry *entry)
{
	char etag[sizeof(entry->etag)];
	memcpy(etag, entry->etag, sizeof(etag));
	if (not_modified(&ex->req, etag, entry->last_modified)) {
		gc_cache_entry_release(entry);
		struct body none = { .mode = BODY_NONE };
		return send_response(ex, 304, NULL, &none, "no-cache", etag);
	}
	struct body b = { .mode = BODY_ENTRY, .data = entry->body, .len = entry->body_len, .entry = entry };
	return send_response(ex, 200, entry->content_type, &b, "no-cache", etag);
}

/* Anonymous GET (or HEAD) with nothing per-request in the answer. */
static bool cache_eligible(const struct gc_exchange *ex, int status)
{
	const struct gc_request *req = &ex->req;
	return status == 200 && !req->principal && !req->session && req->n_resp_headers == 0 &&
	       (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0);
}

gc_status gc_respond_view(struct gc_exchange *ex, struct gc_view *view, bool have_counter, int64_t counter)
{
	struct gc_request *req = &ex->req;
	struct body b = { .mode = BODY_NONE };
	const char *content_type = NULL;
	int status = view->status ? view->status : 200;
	gc_status result;

	if (status < 200 || status > 599)
		return respond_internal(ex, "status out of range");

	switch (view->kind) {
	case GC_VIEW_REDIRECT:
		if (!gc_redirect_target_ok(view->location))
			return respond_internal(ex, "redirect target is not a local path");
		if (req->is_api) {
			json_t *doc = view->model ? json_incref(view->model) : json_pack("{s:s}", "location", view->location);
			result = doc ? dump_json(doc, &b) : GC_ENOMEM;
			json_decref(doc);
			if (result != GC_OK)
				return result;
			return send_response(ex, view->status ? view->status : 200, ct_json, &b, NULL, NULL);
		}
		result = gc_add_header(req, "Location", view->location);
		if (result != GC_OK)
			return respond_internal(ex, "redirect target refused as a header");
		return send_response(ex, 303, NULL, &b, NULL, NULL);

	case GC_VIEW_RAW:
		if ((view->static_body && view->body) || (view->has_fd && (view->body || view->static_body)))
			return respond_internal(ex, "raw view with two bodies");
		if (view->filename) {
			struct gc_buf cd;
			gc_buf_init(&cd, 1024);
			gc_content_disposition(&cd, view->filename);
			result = gc_buf_error(&cd) ? gc_buf_error(&cd) : gc_add_header(req, "Content-Disposition", cd.data);
			gc_buf_free(&cd);
			if (result != GC_OK)
				return respond_internal(ex, "content disposition refused");
		}
		if (view->body) {
			b = (struct body){ .mode = BODY_FREE, .data = view->body, .len = view->body_len };
			view->body = NULL;
		} else if (view->has_fd) {
			b = (struct body){ .mode = BODY_FD, .fd = view->fd, .len = view->body_len };
			view->has_fd = false;
		} else if (view->static_body) {
			b = (struct body){ .mode = BODY_STATIC, .data = view->static_body, .len = view->body_len };
		}
		if (b.mode != BODY_NONE && !view->content_type) {
			body_drop(&b);
			return respond_internal(ex, "raw view without a content type");
		}
		content_type = b.mode != BODY_NONE || status == 200 ? view->content_type : NULL;
		if (view->etag) {
			/* A file with an identity of its own (a hash): revalidated, never shared. */
			if (strlen(view->etag) > 128 || strpbrk(view->etag, "\r\n")) {
				body_drop(&b);
				return respond_internal(ex, "entity tag refused");
			}
			if (status == 200 && gc_etag_matches(gc_header(req, "If-None-Match"), view->etag)) {
				body_drop(&b);
				return send_response(ex, 304, NULL, &b, "private, no-cache", view->etag);
			}
			return send_response(ex, status, content_type, &b, "private, no-cache", view->etag);
		}
		break;

	case GC_VIEW_PAGE:
		if (req->is_api) {
			json_t *empty = view->model ? NULL : json_object();
			result = view->model || empty ? dump_json(view->model ? view->model : empty, &b) : GC_ENOMEM;
			json_decref(empty);
			if (result != GC_OK)
				return respond_internal(ex, "model could not be written as JSON");
			content_type = ct_json;
		} else {
			if (render_html(ex, view->template_name, view->title, view->model, &b) != GC_OK) {
				set_internal(req);
				return gc_respond_error(ex);
			}
			content_type = ct_html;
		}
		break;

	default:
		return respond_internal(ex, "unknown view kind");
	}

	if (!view->cacheable || !cache_eligible(ex, status) || b.mode != BODY_FREE)
		return send_response(ex, status, content_type, &b, NULL, NULL);

	gc_page_cache_mark_route(ex->server->cache, ex->route_index);
	if (have_counter && ex->server->cache) {
		size_t key_len;
		const char *key = gc_cache_key(ex, &key_len);
		if (key) {
			b.mode = BODY_NONE; /* the cache takes it */
			struct gc_cache_entry *entry = gc_page_cache_put_dated(ex->server->cache, key, key_len, counter,
									       content_type, (char *)b.data, b.len,
									       view->last_modified);
			if (!entry)
				return GC_ENOMEM;
			return gc_respond_cached(ex, entry);
		}
	}
	char etag[19];
	gc_etag_of(b.data, b.len, etag);
	if (not_modified(req, etag, view->last_modified)) {
		body_drop(&b);
		return send_response(ex, 304, NULL, &b, "no-cache", etag);
	}
	return send_response(ex, status, content_type, &b, "no-cache", etag);
}

/* --- the access log ------------------------------------------------------ */

/* Logs need valid UTF-8 (jansson refuses the rest): other bytes become %XX. */
static const char *log_safe(struct gc_arena *arena, const char *s)
{
	if (!s || gc_utf8_valid(s, strlen(s)))
		return s;
	struct gc_buf b;
	gc_buf_init(&b, 3 * strlen(s));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			gc_buf_char(&b, (char)*p);
		else
			gc_buf_printf(&b, "%%%02X", *p);
	}
	const char *copy = gc_buf_error(&b) ? "(unprintable)" : gc_arena_strndup(arena, b.data, b.len);
	gc_buf_free(&b);
	return copy ? copy : "(unprintable)";
}

/*
 * The target as the access log may keep it. A path that carries a secret
 * (an invitation's or a ping link's token: routes with a {token} parameter)
 * is logged as its route's pattern, query dropped, so no token reaches the
 * logs (SECURITY.md L2).
 */
static const char *log_target(struct gc_exchange *ex)
{
	const struct gc_request *req = &ex->req;
	if (req->route && req->route->pattern && strstr(req->route->pattern, "{token}")) {
		const char *t = gc_arena_printf(req->arena, "%s%s", req->is_api && strncmp(ex->raw_target, "/api/", 5) == 0
									? "/api/v1" : "", req->route->pattern);
		return t ? t : "(redacted)";
	}
	return log_safe(req->arena, ex->raw_target);
}

void gc_http_access_log(struct gc_exchange *ex, int64_t duration_us)
{
	struct gc_request *req = &ex->req;
	const char *route = req->route ? (req->route->name ? req->route->name : req->route->pattern) : NULL;
	const struct gc_log_field fields[] = {
		{ "id", GC_LOG_STRING, .s = req->id },
		{ "method", GC_LOG_STRING, .s = log_safe(req->arena, req->method) },
		{ "path", GC_LOG_STRING, .s = log_target(ex) },
		{ "route", GC_LOG_STRING, .s = route },
		{ "status", GC_LOG_INT, .i = ex->status },
		{ "duration_ms", GC_LOG_MILLIS, .ms = (double)duration_us / 1000.0 },
		{ "bytes", GC_LOG_INT, .i = (int64_t)ex->bytes },
		{ "principal", GC_LOG_NULL },
		{ "client_ip", GC_LOG_STRING, .s = req->client_ip },
	};
	gc_log_fields(GC_LOG_INFO, "request", fields, sizeof(fields) / sizeof(fields[0]));
}
