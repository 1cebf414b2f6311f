/*
 * The HTTP layer's own declarations, shared by src/http/ and its unit tests.
 *
 * Nothing here includes <microhttpd.h>: libmicrohttpd's types are only named,
 * so the pure parts (framing, routing, parameters, cookies, header values)
 * can be tested without a socket, and tests need not include the library.
 *
 * Memory: functions taking an arena put what they return in it; nothing
 * returned here is freed by the caller unless said so.
 */
#ifndef GC_HTTP_INTERNAL_H
#define GC_HTTP_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/request.h"
#include "http/route.h"
#include "http/server.h"
#include "render/i18n.h"

struct MHD_Connection;
struct MHD_Daemon;
struct MHD_Response;

/* Limits of the HTTP layer (docs/ARCHITECTURE.md "Limits"). */
#define GC_MAX_PATH_BYTES 2048          /* a longer raw path is a 414 */
#define GC_JSON_MAX_DEPTH 32            /* nesting of a JSON body */
#define GC_MAX_PAGE_BYTES (8u << 20)    /* a rendered page or JSON model */
#define GC_DB_ACQUIRE_TIMEOUT_MS 2000   /* a request waits this long for a connection */

/* An error the HTTP layer decided: status, machine code, the field at fault. */
struct gc_http_error {
	int status;
	const char *code;   /* "invalid_param", ... (static) */
	const char *field;  /* arena or static, or NULL */
};

/* The i18n key of an error code: "not_found" -> "error.not_found"; "error.internal" for unknown codes. */
const char *gc_http_error_key(const char *code);

/* --- framing (SECURITY.md H1) -------------------------------------------- */

/*
 * What the request head says about where the body ends. Fed one header at a
 * time, then judged. What libmicrohttpd 0.9.75 leaves visible: it keeps
 * whitespace before a colon as part of the name (a name that is not a token),
 * and appends an obsolete folded line to the header's *name* ("X-A: 1\r\n 2"
 * arrives as "X-A2: 1"), which shows as a name that is not a token when the
 * continuation has a space, and is caught for the framing headers themselves
 * ("Transfer-Encodingchunked"). A fold of any other header without a space
 * cannot be told from a real header.
 */
struct gc_framing {
	unsigned content_lengths;     /* Content-Length headers seen */
	unsigned transfer_encodings;  /* Transfer-Encoding headers seen */
	bool bad_content_length;      /* not 1 to 19 plain digits */
	bool bad_transfer_encoding;   /* anything but "chunked" */
	bool bad_name;                /* a header name that is not an RFC 9110 token */
	bool folded;                  /* a name that extends Content-Length or Transfer-Encoding */
	bool bad_value;               /* CR, LF or NUL in a value */
	uint64_t content_length;      /* the value when there is exactly one valid header */
	size_t head_bytes;            /* request line and header lines, line ends included */
};

/* request_line_bytes: method, target and version with their separators. */
void gc_framing_start(struct gc_framing *f, size_t request_line_bytes);
void gc_framing_header(struct gc_framing *f, const char *name, size_t name_len, const char *value, size_t value_len);
/* GC_OK; GC_EINVAL: ambiguous framing (400, close); GC_ETOOBIG: the head is over max_head (431, close). */
GC_MUST_CHECK gc_status gc_framing_verdict(const struct gc_framing *f, size_t max_head);
/* A body follows: chunked, or a Content-Length above zero. */
bool gc_framing_has_body(const struct gc_framing *f);
/* Chunked transfer coding (the body's length is unknown until it ends). */
bool gc_framing_chunked(const struct gc_framing *f);

/* An RFC 9110 token (header names, cookie names, methods). */
bool gc_http_token(const char *s, size_t n);

/* --- the request target -------------------------------------------------- */

struct gc_target {
	char **segments;        /* decoded segments, after the /api/v1 prefix when api */
	size_t n_segments;
	const char *path;       /* "/" + segments joined with '/' */
	const char *query;      /* the raw query, without '?'; "" when none */
	size_t query_len;
	bool api;               /* under /api/v1 */
	bool api_like;          /* under /api/ at all: errors are answered in JSON */
};

/*
 * Splits the raw target (as received) into path and query and decodes the
 * path segment by segment, strictly: each segment once (base/parse.h), no
 * refused character (base/text.h), no "." or ".." segment, no empty segment
 * but a trailing one, no encoded '/'. Errors: 414 "uri_too_long" past
 * GC_MAX_PATH_BYTES, 400 "invalid_encoding" or "bad_request".
 */
GC_MUST_CHECK gc_status gc_target_parse(struct gc_arena *arena, const char *raw, struct gc_target *out,
					struct gc_http_error *err);

/* --- routing ------------------------------------------------------------- */

struct gc_match {
	const struct gc_route *route;
	size_t index;                             /* the route's place in the router, for metrics and the cache */
	const char *params[GC_MAX_PATH_PARAMS];   /* arena */
};

/*
 * Finds the route for method ("HEAD" is served by GET routes) and the decoded
 * segments. api: the request came under /api/v1 (api_only routes match only
 * then). GC_OK with out filled; GC_ENOTFOUND when no route has this path;
 * GC_DECLINED when the path exists for other methods only, with allow filled
 * ("GET, HEAD, POST"). The most specific pattern wins: at the first segment
 * where two candidates differ, a literal beats a {param}, which beats a {rest*}.
 */
GC_MUST_CHECK gc_status gc_router_match(const struct gc_router *router, const char *method, bool api,
					char *const *segments, size_t n_segments, struct gc_arena *arena,
					struct gc_match *out, char *allow, size_t allow_size);
size_t gc_router_count(const struct gc_router *router);
const struct gc_route *gc_router_route(const struct gc_router *router, size_t index);

/* --- parameters ---------------------------------------------------------- */

/*
 * Splits "a=1&b=x+y" on '&' and '=' and decodes names and values strictly
 * ('+' is a space; values may hold line breaks, names may not). Empty pieces
 * ("a=1&&b=2") are skipped. Errors: 400 "invalid_encoding"; 400
 * "too_many_params" past max_pairs.
 */
GC_MUST_CHECK gc_status gc_kv_parse(struct gc_arena *arena, const char *s, size_t n, size_t max_pairs,
				    struct gc_kv **out, size_t *n_out, struct gc_http_error *err);

/* Checks one value against its declaration: GC_OK or GC_EINVAL. */
GC_MUST_CHECK gc_status gc_param_check(const struct gc_param_spec *spec, const char *value, size_t len);

/*
 * Keeps the pairs the route declares (and "lang" when it names a supported
 * language), checked, in declaration order, repeats in the order received.
 * An empty value of a non-text type counts as absent (an empty <select> in a
 * GET form). Errors, naming the parameter in err->field: 400 "invalid_param"
 * (bad value, or more repeats than max_repeat allows), 400 "missing_param"
 * (a required one absent, checked only when enforce_required).
 */
GC_MUST_CHECK gc_status gc_params_select(struct gc_arena *arena, const struct gc_param_spec *specs,
					 const struct gc_kv *in, size_t n_in, bool enforce_required,
					 struct gc_kv **out, size_t *n_out, struct gc_http_error *err);

/* The first value of name in kv, or NULL. */
const char *gc_kv_find(const struct gc_kv *kv, size_t n, const char *name);

/* --- header values ------------------------------------------------------- */

/*
 * The body kind a Content-Type announces: urlencoded forms and JSON (with no
 * charset or UTF-8), multipart/form-data with a boundary; GC_BODY_OTHER for
 * anything else (415), GC_BODY_NONE for NULL.
 */
enum gc_body_kind gc_content_kind(const char *content_type);
/* Accept asks for application/json and does not prefer text/html to it. */
bool gc_accept_prefers_json(const char *accept);
/* JSON text nests arrays and objects at most max_depth deep (strings are skipped). */
bool gc_json_depth_ok(const char *s, size_t n, unsigned max_depth);
/*
 * The value of cookie name in a Cookie header ("a=1; b=\"2\""), or NULL.
 * Pairs that are not name=value with an RFC 6265 token name and cookie-octet
 * value are skipped; the first pair with the name wins. The value lives in
 * the arena.
 */
const char *gc_cookie_parse(struct gc_arena *arena, const char *header, const char *name);
/* If-None-Match lists etag (weak comparison, "*" matches). */
bool gc_etag_matches(const char *if_none_match, const char *etag);
/* A local redirect target: one '/', then printable ASCII, no '\\', never "//" (an open redirect). */
bool gc_redirect_target_ok(const char *location);
/*
 * Appends a Content-Disposition value for an attachment named filename
 * (RFC 6266 and RFC 8187): an ASCII fallback and the UTF-8 name
 * percent-encoded. Controls, bidirectional formatting characters, quotes,
 * backslashes and path separators never reach the header.
 */
void gc_content_disposition(struct gc_buf *out, const char *filename);
/*
 * An Origin header names this site: the host (and port) of the Host header,
 * or the scheme and authority of base_url (config.base_url; may be NULL or ""),
 * which is what browsers see behind a proxy that rewrites Host.
 */
bool gc_origin_allowed(const char *origin, const char *host, const char *base_url);

/* --- the page cache (cache.c) -------------------------------------------- */

#define GC_PAGE_CACHE_MAX_BYTES ((size_t)64 << 20)
#define GC_PAGE_CACHE_MAX_ENTRIES 10000

/* One cached response body; shared by the cache and the responses sending it. */
struct gc_cache_entry {
	atomic_uint refs;
	char *key;
	size_t key_len;
	char *body;
	size_t body_len;
	char *content_type;
	char etag[19];              /* "\"<16 hex>\"" */
	int64_t counter;            /* the change counter read before rendering */
	int64_t last_modified;      /* the view's, 0: none */
	uint64_t hash;
	size_t bytes;               /* what the entry costs against the cache's budget */
	struct gc_cache_entry *next_in_bucket;
	struct gc_cache_entry *lru_prev, *lru_next;
};

GC_MUST_CHECK gc_status gc_page_cache_new(size_t max_bytes, size_t max_entries, size_t n_routes,
					  struct gc_page_cache **out);
void gc_page_cache_free(struct gc_page_cache *cache);
/* Routes whose views said cacheable once: only their requests read the counter first. */
bool gc_page_cache_route_known(const struct gc_page_cache *cache, size_t route_index);
void gc_page_cache_mark_route(struct gc_page_cache *cache, size_t route_index);
/*
 * The entry for key if it was rendered at change counter value counter (a
 * reference the caller releases), else NULL; a stale entry is dropped.
 */
struct gc_cache_entry *gc_page_cache_get(struct gc_page_cache *cache, const char *key, size_t key_len,
					 int64_t counter);
/*
 * Stores body (taken: freed with free() whatever happens) under key and
 * returns a reference to the new entry for the caller to send, or NULL when
 * out of memory (body freed). An entry too large for the cache is returned
 * without being kept.
 */
struct gc_cache_entry *gc_page_cache_put(struct gc_page_cache *cache, const char *key, size_t key_len,
					 int64_t counter, const char *content_type, char *body, size_t body_len);
/* The same, for a view with a Last-Modified time (set before the entry is shared). */
struct gc_cache_entry *gc_page_cache_put_dated(struct gc_page_cache *cache, const char *key, size_t key_len,
					       int64_t counter, const char *content_type, char *body, size_t body_len,
					       int64_t last_modified);
void gc_cache_entry_release(struct gc_cache_entry *entry);
/* Entries and bytes held now (for tests and metrics). */
void gc_page_cache_stats(struct gc_page_cache *cache, size_t *entries, size_t *bytes);
/* A strong ETag for body: "\"<16 hex>\"" into out (19 bytes). */
void gc_etag_of(const char *body, size_t len, char out[19]);

/* --- metrics (metrics.c) ------------------------------------------------- */

/* The label used for requests that matched no route. */
#define GC_METRICS_UNMATCHED SIZE_MAX

GC_MUST_CHECK gc_status gc_metrics_new(const struct gc_router *router, struct gc_metrics **out);
void gc_metrics_free(struct gc_metrics *metrics);
/* Counts one answered request. route_index: GC_METRICS_UNMATCHED when no route. */
void gc_metrics_observe(struct gc_metrics *metrics, size_t route_index, int status, int64_t duration_us);
/* Appends the Prometheus text exposition; pool may be NULL. */
GC_MUST_CHECK gc_status gc_metrics_render(struct gc_metrics *metrics, struct gc_pool *pool, struct gc_buf *out);

/* --- the listener and one request in flight ------------------------------ */

/* The HTTP layer's state for one server (server->http). */
struct gc_http {
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *metrics_daemon;
	uint16_t port, metrics_port;
	bool own_metrics, own_cache;         /* created by gc_http_start, freed by gc_http_stop */
	atomic_long in_flight;               /* requests between their first call and completion */
	/* Every exchange not yet completed. libmicrohttpd does not report the
	 * completion of a request whose connection closed between its request
	 * line and its first callback, so the listener owns them all and frees
	 * what is left when it stops. */
	pthread_mutex_t live_lock;
	struct gc_exchange *live;
	/* {"t": gc_i18n_table(lang)} per language, built once: the bottom of every render stack. */
	json_t *lang_holders[GC_LANG_COUNT];
	char css_href[96], js_href[96];      /* "/static/style.css?v=<hash>" */
	unsigned char metrics_token_hash[32]; /* BLAKE2b of config.metrics_token */
	bool metrics_token_set;
};

/* One request from libmicrohttpd's first call to its completion (req.impl points here). */
struct gc_exchange {
	struct gc_exchange *live_prev, *live_next; /* gc_http.live, under live_lock */
	struct gc_request req;
	struct gc_server *server;
	struct MHD_Connection *conn;
	int64_t start_us;              /* monotonic */
	const char *raw_target;        /* as received, query included */
	struct gc_target target;
	size_t route_index;            /* GC_METRICS_UNMATCHED until a route matched */
	char allow[64];                /* 405: the Allow header */

	bool started;                  /* the first call has run */
	bool started_last;             /* the last call has begun */
	bool refused;                  /* the request's error is set: answer it at the last call */
	bool metrics;                  /* /metrics with the token: answer it at the last call */
	bool answered;                 /* a response is queued */
	bool close;                    /* answer with Connection: close */
	int status;                    /* what was queued, for the log and metrics */
	size_t bytes;                  /* body bytes queued */

	bool body_expected;            /* Content-Length > 0 or chunked */
	struct gc_buf body;            /* the upload so far (heap, capped at the route's limit) */
	bool body_too_big;
	uint64_t body_discarded;

	const char *lang_cookie;       /* a valid ?lang= to remember in the gcscp_lang cookie */
	const char *redirect;          /* send the browser here instead (to sign in) */
	bool csrf_in_form;             /* the session's CSRF token must be in the form body */
	bool db_failed;
	struct gc_db_lease *db_lease; /* the borrowed connection, returned early by gc_http_release_db */                /* acquiring a connection failed once: do not wait again */
};

/* respond.c: each queues one response (GC_OK) or fails (the connection is then closed). */
GC_MUST_CHECK gc_status gc_respond_error(struct gc_exchange *ex);
/*
 * Answers with the handler's view. When the view is cacheable and the request
 * anonymous, the page is kept in the cache if have_counter (counter: the
 * change counter read before the handler ran), and gets an ETag either way.
 */
GC_MUST_CHECK gc_status gc_respond_view(struct gc_exchange *ex, struct gc_view *view, bool have_counter,
					int64_t counter);
GC_MUST_CHECK gc_status gc_respond_cached(struct gc_exchange *ex, struct gc_cache_entry *entry);
/* malloc'd bytes (taken) as a response of the request: /metrics on the main listener. */
GC_MUST_CHECK gc_status gc_respond_bytes(struct gc_exchange *ex, int status, const char *content_type, char *body,
					 size_t len);
/* Bytes (copied) with the security headers: the metrics listener's answers. */
GC_MUST_CHECK gc_status gc_respond_plain(struct MHD_Connection *conn, int status, const char *content_type,
					 const char *body, size_t len, int *queued_status);
/* The headers every response carries (SECURITY.md O3). */
GC_MUST_CHECK gc_status gc_http_add_security_headers(struct MHD_Response *response);
/* The cache key of a request: API or page, language, path, declared query. NULL when out of memory. */
const char *gc_cache_key(struct gc_exchange *ex, size_t *len);
/* One access-log line. */
void gc_http_access_log(struct gc_exchange *ex, int64_t duration_us);

/* --- identity (identity.c; the contract for handlers is http/identity.h) ---- */

/* Resolves the caller from the bearer token or the session cookie into
 * req->principal and req->session. A bad bearer token: GC_EHTTP with err (401). */
GC_MUST_CHECK gc_status gc_identity_resolve(struct gc_request *req, struct gc_http_error *err);
/* May the caller reach a route of this access level? GC_OK, with *redirect
 * set when a browser should be sent to sign in; GC_EHTTP with err (401, 403). */
GC_MUST_CHECK gc_status gc_identity_check_access(struct gc_request *req, enum gc_access access,
						 struct gc_http_error *err, const char **redirect);
/* Is given the caller's session CSRF token? True when there is no session. */
bool gc_identity_csrf_ok(const struct gc_request *req, const char *given);

/* request.c: what gc_fail() does, for callers that answer the error themselves. */
void gc_set_error(struct gc_request *req, int status, const char *code, const char *message_key, const char *field);
/* request.c: a connection for the request without setting an error; NULL when none came. */
struct gc_db *gc_request_db_try(struct gc_request *req);

/*
 * Returns the request's database connection to the pool as soon as its
 * response is built, so a slow reader or a draining shutdown never holds one.
 */
void gc_http_release_db(struct gc_request *req);

#endif
