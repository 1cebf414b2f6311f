/*
 * Everything a request says in its target and its content headers, decoded
 * once and strictly (SECURITY.md I3, I4): the path, the query, form fields,
 * the declared parameters' types and bounds, Content-Type and Accept.
 * Pure functions over the arena, so every rule has a unit test.
 */
#include "http/internal.h"

#include <string.h>

#include "base/clock.h"
#include "base/parse.h"
#include "base/text.h"

static const struct {
	const char *code;
	const char *key;
} error_keys[] = {
	{ "not_found", "error.not_found" },
	{ "method_not_allowed", "error.method_not_allowed" },
	{ "bad_request", "error.bad_request" },
	{ "invalid_param", "error.invalid_param" },
	{ "missing_param", "error.missing_param" },
	{ "too_many_params", "error.too_many_params" },
	{ "invalid_encoding", "error.invalid_encoding" },
	{ "uri_too_long", "error.uri_too_long" },
	{ "payload_too_large", "error.payload_too_large" },
	{ "header_too_large", "error.header_too_large" },
	{ "unsupported_media_type", "error.unsupported_media_type" },
	{ "invalid_json", "error.invalid_json" },
	{ "invalid_multipart", "error.invalid_multipart" },
	{ "ambiguous_framing", "error.ambiguous_framing" },
	{ "unavailable", "error.unavailable" },
	{ "too_slow", "error.too_slow" },
	{ "internal", "error.internal" },
	{ "unauthorized", "error.unauthorized" },
	{ "forbidden_csrf", "error.csrf" },
	{ "forbidden", "error.forbidden" },
	{ "invalid_token", "error.invalid_token" },
	{ "conflict", "error.conflict" },
	{ "invalid_field", "error.invalid_field" },
};

const char *gc_http_error_key(const char *code)
{
	for (size_t i = 0; code && i < GC_ARRAY_LEN(error_keys); i++)
		if (strcmp(error_keys[i].code, code) == 0)
			return error_keys[i].key;
	return "error.internal";
}

static gc_status set_error(struct gc_http_error *err, int status, const char *code, const char *field)
{
	err->status = status;
	err->code = code;
	err->field = field;
	return GC_EHTTP;
}

/* --- the target ---------------------------------------------------------- */

gc_status gc_target_parse(struct gc_arena *arena, const char *raw, struct gc_target *out, struct gc_http_error *err)
{
	memset(out, 0, sizeof(*out));
	out->query = "";
	if (!raw || raw[0] != '/')
		return set_error(err, 400, "bad_request", NULL);
	const char *q = strchr(raw, '?');
	size_t path_len = q ? (size_t)(q - raw) : strlen(raw);
	if (q) {
		out->query = q + 1;
		out->query_len = strlen(q + 1);
	}
	if (path_len > GC_MAX_PATH_BYTES)
		return set_error(err, 414, "uri_too_long", NULL);

	size_t max_segs = 0;
	for (size_t i = 0; i < path_len; i++)
		max_segs += raw[i] == '/';
	char **segs = gc_arena_calloc(arena, max_segs, sizeof(*segs));
	if (!segs)
		return GC_ENOMEM;
	size_t n = 0;
	/* "/" alone has no segment; otherwise every '/' starts one. */
	for (size_t i = 1; path_len > 1 && i <= path_len;) {
		size_t end = i;
		while (end < path_len && raw[end] != '/')
			end++;
		bool last = end == path_len;
		if (end == i && !last)
			return set_error(err, 400, "bad_request", NULL); /* "//" */
		char *seg;
		size_t seg_len;
		gc_status st = gc_percent_decode(arena, raw + i, end - i, false, false, &seg, &seg_len);
		if (st == GC_ENOMEM)
			return st;
		/* An encoded '/' would make a segment boundary the router cannot see. */
		if (st != GC_OK || memchr(seg, '/', seg_len))
			return set_error(err, 400, "invalid_encoding", NULL);
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
			return set_error(err, 400, "bad_request", NULL);
		segs[n++] = seg;
		i = end + 1;
	}

	out->api_like = n >= 1 && strcmp(segs[0], "api") == 0;
	size_t skip = 0;
	if (n >= 2 && out->api_like && strcmp(segs[1], "v1") == 0) {
		out->api = true;
		skip = 2;
	}
	out->segments = segs + skip;
	out->n_segments = n - skip;
	/* "/api/v1/" is the API's root, as "/api/v1" is. */
	if (out->api && out->n_segments == 1 && out->segments[0][0] == '\0')
		out->n_segments = 0;

	size_t len = 1;
	for (size_t i = 0; i < out->n_segments; i++)
		len += strlen(out->segments[i]) + 1;
	char *path = gc_arena_alloc(arena, len + 1);
	if (!path)
		return GC_ENOMEM;
	char *w = path;
	*w++ = '/';
	for (size_t i = 0; i < out->n_segments; i++) {
		size_t sl = strlen(out->segments[i]);
		if (i > 0)
			*w++ = '/';
		memcpy(w, out->segments[i], sl);
		w += sl;
	}
	*w = '\0';
	out->path = path;
	return GC_OK;
}

/* --- name=value lists ---------------------------------------------------- */

gc_status gc_kv_parse(struct gc_arena *arena, const char *s, size_t n, size_t max_pairs, struct gc_kv **out,
		      size_t *n_out, struct gc_http_error *err)
{
	size_t pieces = 0;
	for (size_t i = 0; i < n; i++) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i)
			pieces++;
		i = end;
	}
	*out = NULL;
	*n_out = 0;
	if (pieces > max_pairs)
		return set_error(err, 400, "too_many_params", NULL);
	struct gc_kv *kv = gc_arena_calloc(arena, pieces ? pieces : 1, sizeof(*kv));
	if (!kv)
		return GC_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end == i)
			continue;
		const char *eq = memchr(s + i, '=', end - i);
		size_t name_len = eq ? (size_t)(eq - (s + i)) : end - i;
		char *name, *value = NULL;
		size_t value_len = 0;
		gc_status st = gc_percent_decode(arena, s + i, name_len, true, false, &name, NULL);
		if (st == GC_OK && eq)
			st = gc_percent_decode(arena, eq + 1, (size_t)(s + end - (eq + 1)), true, true, &value,
					       &value_len);
		if (st == GC_ENOMEM)
			return st;
		/* The decoder refuses control characters, so a decoded NUL never
		 * hides the rest of a value from C string functions. */
		if (st != GC_OK)
			return set_error(err, 400, "invalid_encoding", NULL);
		kv[k].name = name;
		kv[k].value = value ? value : "";
		kv[k].value_len = value_len;
		k++;
		i = end;
	}
	*out = kv;
	*n_out = k;
	return GC_OK;
}

const char *gc_kv_find(const struct gc_kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

gc_status gc_param_check(const struct gc_param_spec *spec, const char *value, size_t len)
{
	size_t max_len = spec->max_len ? spec->max_len : 256;
	switch (spec->type) {
	case GC_PARAM_STRING:
		return len <= max_len && gc_text_acceptable_line(value, len) ? GC_OK : GC_EINVAL;
	case GC_PARAM_TEXT:
		return len <= max_len && gc_text_acceptable(value, len) ? GC_OK : GC_EINVAL;
	case GC_PARAM_INT: {
		int64_t v;
		return gc_parse_i64(value, len, spec->min, spec->max, &v) == GC_OK ? GC_OK : GC_EINVAL;
	}
	case GC_PARAM_ENUM:
		for (const char *const *c = spec->choices; c && *c; c++)
			if (strlen(*c) == len && memcmp(*c, value, len) == 0)
				return GC_OK;
		return GC_EINVAL;
	case GC_PARAM_ISO3:
		return len == 3 && value[0] >= 'A' && value[0] <= 'Z' && value[1] >= 'A' && value[1] <= 'Z' &&
				       value[2] >= 'A' && value[2] <= 'Z'
			       ? GC_OK
			       : GC_EINVAL;
	case GC_PARAM_DATE: {
		int64_t t;
		return len == 10 && gc_clock_parse_iso8601(value, &t) == GC_OK ? GC_OK : GC_EINVAL;
	}
	case GC_PARAM_BOOL: {
		static const char *const accepted[] = { "1", "0", "true", "false", "on" };
		for (size_t i = 0; i < GC_ARRAY_LEN(accepted); i++)
			if (strcmp(value, accepted[i]) == 0)
				return GC_OK;
		return GC_EINVAL;
	}
	}
	return GC_EINVAL;
}

static bool is_text_type(enum gc_param_type type)
{
	return type == GC_PARAM_STRING || type == GC_PARAM_TEXT;
}

gc_status gc_params_select(struct gc_arena *arena, const struct gc_param_spec *specs, const struct gc_kv *in,
			   size_t n_in, bool enforce_required, struct gc_kv **out, size_t *n_out,
			   struct gc_http_error *err)
{
	*out = NULL;
	*n_out = 0;
	struct gc_kv *kept = gc_arena_calloc(arena, n_in ? n_in : 1, sizeof(*kept));
	if (!kept)
		return GC_ENOMEM;
	size_t k = 0;
	for (const struct gc_param_spec *s = specs; s && s->name; s++) {
		unsigned seen = 0;
		unsigned allowed = s->max_repeat ? s->max_repeat : 1;
		for (size_t i = 0; i < n_in; i++) {
			if (strcmp(in[i].name, s->name) != 0)
				continue;
			if (in[i].value_len == 0 && !is_text_type(s->type))
				continue;
			if (++seen > allowed || gc_param_check(s, in[i].value, in[i].value_len) != GC_OK)
				return set_error(err, 400, "invalid_param", s->name);
			kept[k++] = in[i];
		}
		if (seen == 0 && s->required && enforce_required)
			return set_error(err, 400, "missing_param", s->name);
	}
	/* The language is every page's parameter; an unknown one is just ignored. */
	for (size_t i = 0; i < n_in; i++) {
		if (strcmp(in[i].name, "lang") == 0) {
			const char *code = gc_lang_find(in[i].value);
			if (code) {
				kept[k].name = "lang";
				kept[k].value = code;
				kept[k].value_len = strlen(code);
				k++;
			}
			break;
		}
	}
	*out = kept;
	*n_out = k;
	return GC_OK;
}

/* --- content headers ----------------------------------------------------- */

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Case-insensitive comparison of [p, p+n) with a lower-case literal. */
static bool span_is(const char *p, size_t n, const char *lower)
{
	size_t len = strlen(lower);
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lower[i])
			return false;
	}
	return true;
}

/* Trims trailing whitespace off [p, p+n). */
static size_t trim_end(const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n;
}

enum gc_body_kind gc_content_kind(const char *ct)
{
	if (!ct)
		return GC_BODY_NONE;
	const char *p = skip_ows(ct);
	size_t type_len = strcspn(p, ";");
	size_t tn = trim_end(p, type_len);
	enum gc_body_kind kind;
	if (span_is(p, tn, "application/x-www-form-urlencoded"))
		kind = GC_BODY_FORM;
	else if (span_is(p, tn, "application/json"))
		kind = GC_BODY_JSON;
	else if (span_is(p, tn, "multipart/form-data"))
		kind = GC_BODY_MULTIPART;
	else
		return GC_BODY_OTHER;
	bool boundary = false;
	const char *param = p + type_len;
	while (*param == ';') {
		param = skip_ows(param + 1);
		size_t plen = strcspn(param, ";");
		const char *eq = memchr(param, '=', plen);
		if (!eq)
			return GC_BODY_OTHER;
		size_t name_len = trim_end(param, (size_t)(eq - param));
		const char *val = skip_ows(eq + 1);
		size_t val_len = trim_end(val, (size_t)(param + plen - val));
		if (val_len >= 2 && val[0] == '"' && val[val_len - 1] == '"') {
			val++;
			val_len -= 2;
		}
		if (span_is(param, name_len, "charset")) {
			if (!span_is(val, val_len, "utf-8"))
				return GC_BODY_OTHER;
		} else if (span_is(param, name_len, "boundary")) {
			boundary = val_len > 0 && val_len <= 70;
		}
		param += plen;
	}
	if (kind == GC_BODY_MULTIPART && !boundary)
		return GC_BODY_OTHER;
	return kind;
}

/* An RFC 9110 qvalue as thousandths; -1 when malformed. */
static int parse_qvalue(const char *p, size_t n)
{
	if (n == 0 || n > 5 || (p[0] != '0' && p[0] != '1'))
		return -1;
	int q = (p[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (p[1] != '.')
		return -1;
	int scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

bool gc_accept_prefers_json(const char *accept)
{
	if (!accept)
		return false;
	int json_q = 0, html_q = 0;
	const char *p = accept;
	while (*p) {
		p = skip_ows(p);
		size_t range_len = strcspn(p, ",");
		size_t type_len = strcspn(p, ";,");
		size_t tn = trim_end(p, type_len);
		int q = 1000;
		const char *param = p + type_len;
		while (param < p + range_len && *param == ';') {
			param = skip_ows(param + 1);
			size_t plen = strcspn(param, ";,");
			size_t pn = trim_end(param, plen);
			if (pn >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
				q = parse_qvalue(param + 2, pn - 2);
				if (q < 0)
					q = 0;
			}
			param += plen;
		}
		if (span_is(p, tn, "application/json") && q > json_q)
			json_q = q;
		else if (span_is(p, tn, "text/html") && q > html_q)
			html_q = q;
		p += range_len;
		if (*p == ',')
			p++;
	}
	return json_q > 0 && html_q <= json_q;
}

bool gc_json_depth_ok(const char *s, size_t n, unsigned max_depth)
{
	unsigned depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return true;
}
