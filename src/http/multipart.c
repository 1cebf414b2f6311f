/*
 * multipart/form-data (RFC 7578, RFC 2046 section 5.1): see http/multipart.h.
 *
 * The body is read in place and once: each delimiter is found with memchr
 * on CR and a comparison, so the work is linear in the body's size whatever
 * a client puts in it. Quoted strings in Content-Disposition are read the
 * way browsers write them (the HTML standard percent-encodes '"', CR and LF
 * and never escapes with a backslash), so a backslash is an ordinary
 * character there, as in "C:\path\file.pdf" from old browsers.
 */
#include "http/multipart.h"

#include <string.h>

#include "base/parse.h"
#include "base/text.h"

static gc_status fail(struct gc_http_error *err, int status, const char *code)
{
	err->status = status;
	err->code = code;
	err->field = NULL;
	return GC_EHTTP;
}

void gc_multipart_default_limits(struct gc_multipart_limits *limits, size_t max_file_bytes)
{
	limits->max_parts = GC_MAX_FORM_FIELDS; /* as many as a urlencoded form may have */
	limits->max_files = 8;
	limits->max_header_bytes = 4096;
	limits->max_field_bytes = 1u << 20;
	limits->max_file_bytes = max_file_bytes;
}

/* RFC 2046 bcharsnospace, and the space allowed inside a boundary. */
static bool bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c == '(' ||
	       c == ')' || c == '+' || c == '_' || c == ',' || c == '-' || c == '.' || c == '/' || c == ':' ||
	       c == '=' || c == '?' || c == ' ';
}

static bool lower_eq(const char *p, size_t n, const char *lower)
{
	if (strlen(lower) != n)
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

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

gc_status gc_multipart_boundary(const char *ct, char *out, size_t size)
{
	if (!ct || size < GC_MULTIPART_MAX_BOUNDARY + 1)
		return GC_EINVAL;
	const char *p = strchr(ct, ';');
	while (p && *p == ';') {
		p++;
		while (ows(*p))
			p++;
		size_t plen = strcspn(p, ";");
		const char *eq = memchr(p, '=', plen);
		if (!eq)
			return GC_EINVAL;
		size_t name_len = (size_t)(eq - p);
		while (name_len > 0 && ows(p[name_len - 1]))
			name_len--;
		const char *v = eq + 1;
		while (ows(*v))
			v++;
		size_t vlen = (size_t)(p + plen - v);
		while (vlen > 0 && ows(v[vlen - 1]))
			vlen--;
		if (lower_eq(p, name_len, "boundary")) {
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen == 0 || vlen > GC_MULTIPART_MAX_BOUNDARY || v[vlen - 1] == ' ')
				return GC_EINVAL;
			for (size_t i = 0; i < vlen; i++)
				if (!bchar((unsigned char)v[i]))
					return GC_EINVAL;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return GC_OK;
		}
		p += plen;
	}
	return GC_EINVAL;
}

/* The first "\r\n--boundary" at or after from, or NULL. */
static const char *find_delimiter(const char *from, const char *end, const char *delim, size_t dlen)
{
	while (from < end) {
		const char *cr = memchr(from, '\r', (size_t)(end - from));
		if (!cr || (size_t)(end - cr) < dlen + 2)
			return NULL;
		if (cr[1] == '\n' && memcmp(cr + 2, delim, dlen) == 0)
			return cr;
		from = cr + 1;
	}
	return NULL;
}

/* --- one part's headers ----------------------------------------------------- */

struct part_head {
	bool has_disposition;
	const char *name;          /* arena */
	bool has_filename;
	const char *filename;      /* arena: the plain parameter */
	const char *filename_ext;  /* arena: the decoded filename* */
	const char *content_type;  /* arena, "" when none */
};

/* A token or a quoted string starting at *p (before end); its span goes to v, vlen. */
static bool param_value(const char **p, const char *end, const char **v, size_t *vlen)
{
	const char *s = *p;
	if (s < end && *s == '"') {
		const char *q = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!q)
			return false;
		*v = s + 1;
		*vlen = (size_t)(q - s - 1);
		*p = q + 1;
		return true;
	}
	const char *e = s;
	while (e < end && *e != ';' && !ows(*e))
		e++;
	if (e == s)
		return false;
	*v = s;
	*vlen = (size_t)(e - s);
	*p = e;
	return true;
}

/* The last path component of a name: browsers of old sent "C:\dir\file.pdf". */
static const char *base_name(const char *s)
{
	const char *b = s;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

/* RFC 8187 ext-value: UTF-8'[language]'percent-encoded. */
static gc_status ext_value(struct gc_arena *arena, const char *v, size_t vlen, const char **out)
{
	const char *q1 = memchr(v, '\'', vlen);
	if (!q1 || !lower_eq(v, (size_t)(q1 - v), "utf-8"))
		return GC_EINVAL;
	const char *rest = q1 + 1;
	const char *q2 = memchr(rest, '\'', (size_t)(v + vlen - rest));
	if (!q2)
		return GC_EINVAL;
	char *decoded;
	size_t dlen;
	gc_status st = gc_percent_decode(arena, q2 + 1, (size_t)(v + vlen - q2 - 1), false, false, &decoded, &dlen);
	if (st == GC_OK && dlen != strlen(decoded))
		st = GC_EINVAL;
	*out = decoded;
	return st;
}

static gc_status disposition(struct gc_arena *arena, const char *v, size_t n, struct part_head *h)
{
	const char *end = v + n;
	const char *p = v;
	while (p < end && *p != ';' && !ows(*p))
		p++;
	if (!lower_eq(v, (size_t)(p - v), "form-data"))
		return GC_EINVAL;
	bool seen_name = false, seen_file = false, seen_ext = false;
	while (p < end) {
		while (p < end && ows(*p))
			p++;
		if (p == end)
			break;
		if (*p != ';')
			return GC_EINVAL;
		p++;
		while (p < end && ows(*p))
			p++;
		const char *name = p;
		while (p < end && *p != '=' && *p != ';' && !ows(*p))
			p++;
		size_t name_len = (size_t)(p - name);
		while (p < end && ows(*p))
			p++;
		if (p == end || *p != '=' || name_len == 0)
			return GC_EINVAL;
		p++;
		while (p < end && ows(*p))
			p++;
		const char *val;
		size_t vlen;
		if (!param_value(&p, end, &val, &vlen))
			return GC_EINVAL;
		bool *seen = lower_eq(name, name_len, "name")	    ? &seen_name
			     : lower_eq(name, name_len, "filename")  ? &seen_file
			     : lower_eq(name, name_len, "filename*") ? &seen_ext
								      : NULL;
		if (!seen)
			continue; /* a parameter RFC 7578 does not define */
		if (*seen)
			return GC_EINVAL;
		*seen = true;
		if (seen == &seen_ext) {
			gc_status st = ext_value(arena, val, vlen, &h->filename_ext);
			if (st != GC_OK)
				return st;
			continue;
		}
		if (!gc_text_acceptable_line(val, vlen))
			return GC_EINVAL;
		char *copy = gc_arena_strndup(arena, val, vlen);
		if (!copy)
			return GC_ENOMEM;
		if (seen == &seen_name)
			h->name = copy;
		else
			h->filename = copy;
	}
	if (!seen_name || !h->name[0])
		return GC_EINVAL;
	h->has_filename = seen_file || seen_ext;
	h->has_disposition = true;
	return GC_OK;
}

/* The header block [p, p + n) of one part, lines separated by CRLF. */
static gc_status part_headers(struct gc_arena *arena, const char *p, size_t n, struct part_head *h)
{
	memset(h, 0, sizeof(*h));
	h->content_type = "";
	const char *end = p + n;
	while (p < end) {
		const char *eol = p;
		while (eol < end && *eol != '\r' && *eol != '\n' && *eol != '\0')
			eol++;
		if (eol < end && (*eol != '\r' || eol + 1 >= end || eol[1] != '\n'))
			return GC_EINVAL; /* a bare CR or LF, or a NUL */
		if (eol == p || ows(*p))
			return GC_EINVAL; /* an empty line inside the block, or an obsolete fold */
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || !gc_http_token(p, (size_t)(colon - p)))
			return GC_EINVAL;
		const char *v = colon + 1;
		while (v < eol && ows(*v))
			v++;
		const char *ve = eol;
		while (ve > v && ows(ve[-1]))
			ve--;
		size_t name_len = (size_t)(colon - p);
		if (lower_eq(p, name_len, "content-disposition")) {
			if (h->has_disposition)
				return GC_EINVAL;
			gc_status st = disposition(arena, v, (size_t)(ve - v), h);
			if (st != GC_OK)
				return st;
		} else if (lower_eq(p, name_len, "content-type")) {
			bool printable = true;
			for (const char *c = v; c < ve; c++)
				printable = printable && *c >= 0x20 && *c < 0x7f;
			/* Only metadata, never trusted: what is not printable ASCII is dropped. */
			if (printable) {
				char *ct = gc_arena_strndup(arena, v, (size_t)(ve - v));
				if (!ct)
					return GC_ENOMEM;
				h->content_type = ct;
			}
		}
		p = eol + 2;
	}
	return h->has_disposition ? GC_OK : GC_EINVAL;
}

/* --- the body ---------------------------------------------------------------- */

gc_status gc_multipart_parse(struct gc_arena *arena, const char *body, size_t len, const char *boundary,
			     const struct gc_multipart_limits *limits, struct gc_kv **fields, size_t *n_fields,
			     struct gc_upload **files, size_t *n_files, struct gc_http_error *err)
{
	*fields = NULL;
	*files = NULL;
	*n_fields = *n_files = 0;
	size_t blen = boundary ? strlen(boundary) : 0;
	if (blen == 0 || blen > GC_MULTIPART_MAX_BOUNDARY)
		return fail(err, 400, "invalid_multipart");
	char delim[GC_MULTIPART_MAX_BOUNDARY + 3];
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary, blen);
	size_t dlen = blen + 2;
	const char *end = body + len;

	struct gc_kv *fv = gc_arena_calloc(arena, limits->max_parts ? limits->max_parts : 1, sizeof(*fv));
	struct gc_upload *uv = gc_arena_calloc(arena, limits->max_files ? limits->max_files : 1, sizeof(*uv));
	if (!fv || !uv)
		return GC_ENOMEM;
	size_t nf = 0, nu = 0, parts = 0;

	/* The first delimiter: at the very start, or after a preamble and a CRLF. */
	const char *d;
	if (len >= dlen && memcmp(body, delim, dlen) == 0) {
		d = body;
	} else {
		d = find_delimiter(body, end, delim, dlen);
		if (!d)
			return fail(err, 400, "invalid_multipart");
		d += 2;
	}
	for (;;) {
		const char *q = d + dlen;
		if (end - q >= 2 && q[0] == '-' && q[1] == '-')
			break; /* the close delimiter; the epilogue is ignored */
		while (q < end && ows(*q))
			q++;
		if (end - q < 2 || q[0] != '\r' || q[1] != '\n')
			return fail(err, 400, "invalid_multipart");
		q += 2;
		if (++parts > limits->max_parts)
			return fail(err, 400, "too_many_params");

		/* Headers end at the first empty line. */
		const char *content;
		size_t head_len;
		if (end - q >= 2 && q[0] == '\r' && q[1] == '\n') {
			head_len = 0;
			content = q + 2;
		} else {
			const char *h = q, *blank = NULL;
			const char *limit = (size_t)(end - q) > limits->max_header_bytes + 4 ? q + limits->max_header_bytes + 4
											     : end;
			while (h + 3 < limit) {
				const char *cr = memchr(h, '\r', (size_t)(limit - h));
				if (!cr || cr + 3 >= limit)
					break;
				if (cr[1] == '\n' && cr[2] == '\r' && cr[3] == '\n') {
					blank = cr;
					break;
				}
				h = cr + 1;
			}
			if (!blank || (size_t)(blank - q) > limits->max_header_bytes)
				return fail(err, 400, "invalid_multipart");
			head_len = (size_t)(blank - q) + 2; /* with the last header's CRLF */
			content = blank + 4;
		}
		const char *next = find_delimiter(content, end, delim, dlen);
		if (!next)
			return fail(err, 400, "invalid_multipart"); /* cut before the close delimiter */
		size_t clen = (size_t)(next - content);

		struct part_head ph;
		gc_status st = part_headers(arena, q, head_len, &ph);
		if (st == GC_ENOMEM)
			return st;
		if (st != GC_OK)
			return fail(err, 400, "invalid_multipart");
		if (!gc_text_acceptable_line(ph.name, strlen(ph.name)))
			return fail(err, 400, "invalid_encoding");
		if (ph.has_filename) {
			const char *name = base_name(ph.filename_ext ? ph.filename_ext : ph.filename ? ph.filename : "");
			if (name[0] || clen > 0) {
				if (nu == limits->max_files || clen > limits->max_file_bytes)
					return fail(err, 413, "payload_too_large");
				uv[nu++] = (struct gc_upload){ .field = ph.name, .filename = name,
							       .content_type = ph.content_type,
							       .data = (const unsigned char *)content, .len = clen };
			}
		} else {
			if (clen > limits->max_field_bytes)
				return fail(err, 413, "payload_too_large");
			if (!gc_text_acceptable(content, clen))
				return fail(err, 400, "invalid_encoding");
			char *value = gc_arena_strndup(arena, content, clen);
			if (!value)
				return GC_ENOMEM;
			fv[nf++] = (struct gc_kv){ .name = ph.name, .value = value, .value_len = clen };
		}
		d = next + 2;
	}
	*fields = fv;
	*n_fields = nf;
	*files = uv;
	*n_files = nu;
	return GC_OK;
}
