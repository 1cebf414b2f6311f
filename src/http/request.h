/*
 * A request as handlers see it, and the view they answer with.
 *
 * One handler serves both the page and the API (DESIGN.md): it fills a view
 * with a JSON model and a template name. Browsers get the model rendered into
 * HTML inside the layout; API clients (/api/v1/..., or Accept: application/json)
 * get the model itself. A handler never writes HTML or JSON text by hand.
 *
 * Memory: everything a handler allocates for the request comes from
 * req->arena and lives until the response is sent. The view's model is a
 * jansson value owned by the view (freed after the response).
 */
#ifndef GC_HTTP_REQUEST_H
#define GC_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/status.h"

struct gc_server;
struct gc_route;
struct gc_db;
struct gc_principal; /* auth/: who is asking */
struct gc_session_info;

/* A decoded name/value pair from the query string, a form or a cookie. */
struct gc_kv {
	const char *name;
	const char *value;
	size_t value_len;
};

#define GC_MAX_PATH_PARAMS 4
#define GC_MAX_QUERY_PARAMS 64   /* more is a 400 */
#define GC_MAX_FORM_FIELDS 256

/*
 * A file of a multipart/form-data body (http/multipart.h). The bytes point
 * into the request's body; the strings live in the arena. filename is the
 * name the client gave (filename* preferred, any directory part removed),
 * valid UTF-8 but otherwise untrusted; content_type is what the client
 * declared ("" when nothing), never to be trusted either.
 */
struct gc_upload {
	const char *field;        /* the form field's name */
	const char *filename;
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

enum gc_body_kind { GC_BODY_NONE, GC_BODY_FORM, GC_BODY_JSON, GC_BODY_MULTIPART, GC_BODY_OTHER };

struct gc_request {
	struct gc_arena *arena;
	const struct gc_server *server;
	const struct gc_route *route;
	char id[17];               /* request id: 16 hex characters, also in logs and X-Request-Id */

	const char *method;        /* "GET", "HEAD", "POST", ... (HEAD is routed as GET) */
	const char *path;          /* decoded, validated, without the /api/v1 prefix */
	const char *raw_path;      /* as received (for logs) */
	bool is_api;               /* under /api/v1/ or Accept: application/json */
	const char *client_ip;     /* the peer's address (X-Forwarded-For is not trusted) */

	const char *path_params[GC_MAX_PATH_PARAMS]; /* values of {name} segments, in order */
	struct gc_kv *query;       /* declared query parameters, decoded */
	size_t n_query;

	enum gc_body_kind body_kind;
	struct gc_kv *form;        /* GC_BODY_FORM fields, decoded */
	size_t n_form;
	json_t *json;              /* GC_BODY_JSON: the parsed body (owned by the request) */
	struct gc_upload *files;   /* GC_BODY_MULTIPART: the file parts, in the order received */
	size_t n_files;
	const char *body;          /* raw body bytes (arena), NUL-terminated */
	size_t body_len;

	const char *lang;          /* one of gc_langs: the UI language of this request */
	struct gc_principal *principal; /* NULL when anonymous */
	struct gc_session_info *session; /* the cookie's session, MFA passed or pending; NULL otherwise */

	struct gc_db *db;          /* borrowed from the pool on first use; see gc_request_db() */

	/* The error to answer with when a handler returns GC_EHTTP. */
	int err_status;
	const char *err_code;      /* machine-readable: "not_found", "invalid_param", ... */
	const char *err_message;   /* already in the request's language, safe to show */
	const char *err_field;     /* the offending field or parameter, or NULL */

	/* Extra response headers set by handlers (Set-Cookie, Location, ...). */
	struct gc_kv *resp_headers;
	size_t n_resp_headers;
	size_t cap_resp_headers;

	void *impl;                /* the HTTP layer's own state */
};

enum gc_view_kind {
	GC_VIEW_PAGE,     /* model + template: HTML for browsers, JSON for the API */
	GC_VIEW_RAW,      /* bytes with their content type (CSV, Atom, iCalendar, files) */
	GC_VIEW_REDIRECT, /* 303 See Other to location (browsers); the API gets the model */
};

struct gc_view {
	enum gc_view_kind kind;
	int status;                /* 200 unless set */
	json_t *model;             /* owned by the view */
	const char *template_name; /* GC_VIEW_PAGE: e.g. "countries/list"; a model member "feeds",
				      [{title, href}], becomes the layout's <link rel="alternate"
				      type="application/atom+xml"> */
	const char *title;         /* page title, already translated */
	bool cacheable;            /* the same for every anonymous caller: may be cached */

	const char *content_type;  /* GC_VIEW_RAW */
	char *body;                /* GC_VIEW_RAW: malloc'd bytes, taken by the response */
	size_t body_len;
	const void *static_body;   /* GC_VIEW_RAW, instead of body: bytes that outlive the server
				      (embedded files), sent without a copy; body_len is their size */
	const char *filename;      /* GC_VIEW_RAW: sent as an attachment with this name */
	const char *etag;          /* GC_VIEW_RAW: the entity tag (quoted) to send and to answer If-None-Match
				      with a 304; the bytes are then never kept in the page cache and the
				      answer is "private, no-cache" */

	const char *location;      /* GC_VIEW_REDIRECT: a local path */
};

typedef gc_status (*gc_handler)(struct gc_request *req, struct gc_view *view);

/* --- helpers for handlers ------------------------------------------------- */

/*
 * Sets the request's error and returns GC_EHTTP, so a handler can write
 *   return gc_fail(req, 404, "not_found", "error.not_found", NULL);
 * message_key is looked up in the request's language. field may be NULL.
 */
GC_MUST_CHECK gc_status gc_fail(struct gc_request *req, int status, const char *code, const char *message_key,
				const char *field);
/* The common case: 404 with the same body as any missing thing (SECURITY.md Z1). */
GC_MUST_CHECK gc_status gc_fail_not_found(struct gc_request *req);

/* The request's database connection, borrowed on first use; NULL after setting a 503 error. */
struct gc_db *gc_request_db(struct gc_request *req);

/* A declared query parameter's value, or NULL when absent. */
const char *gc_query(const struct gc_request *req, const char *name);
/* All values of a repeated query parameter; returns the count, fills up to max. */
size_t gc_query_all(const struct gc_request *req, const char *name, const char **values, size_t max);
/* A declared integer query parameter (already range-checked by the router), or fallback. */
int64_t gc_query_int(const struct gc_request *req, const char *name, int64_t fallback);
/* A form field's value (urlencoded or multipart), or NULL. */
const char *gc_form(const struct gc_request *req, const char *name);
/* The first file sent in the multipart field name, or NULL. */
const struct gc_upload *gc_form_file(const struct gc_request *req, const char *name);
/* A request header's value, or NULL. */
const char *gc_header(const struct gc_request *req, const char *name);
/* A cookie's value, or NULL. */
const char *gc_cookie(const struct gc_request *req, const char *name);

/* Adds a response header; the value is checked for CR/LF (GC_EINVAL). Copies both. */
GC_MUST_CHECK gc_status gc_add_header(struct gc_request *req, const char *name, const char *value);

/* The translation of key in the request's language. */
const char *gc_req_tr(const struct gc_request *req, const char *key);

/* Starts a page view: an empty model object, the template and the title key translated. */
GC_MUST_CHECK gc_status gc_view_page(struct gc_request *req, struct gc_view *view, const char *template_name,
				     const char *title_key);

#endif
