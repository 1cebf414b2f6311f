/*
 * The framing decision of src/http/framing.c (SECURITY.md H1): a request
 * head fed header by header to gc_framing_header, then gc_framing_verdict,
 * gc_framing_has_body and gc_framing_chunked, against a reference written
 * here from the rules of RFC 9112 section 6 and the header's comment.
 *
 * Input: one byte choosing the head limit (16384, 8192, 1024 or 200 bytes),
 * then the request line up to the first LF, then one header a line,
 * "name:value" split at the first ':' (no ':' means an empty value), the
 * value's surrounding blanks removed as libmicrohttpd does. Values may hold
 * CR and NUL; the name is whatever precedes the colon, blanks included.
 *
 * The reference refuses (GC_EINVAL) a name that is not a token, a name that
 * extends Content-Length or Transfer-Encoding (a folded line), CR, LF or NUL
 * in a value, a Content-Length that is not 1 to 19 digits, a
 * Transfer-Encoding other than "chunked", more than one of either, or both;
 * then GC_ETOOBIG past the limit; else GC_OK, with a body exactly when
 * chunked or Content-Length is above zero, and the length as written.
 */
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"

#include "http/internal.h"

static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[4] = { 16384, 8192, 1024, 200 };
	if (size < 1)
		return 0;
	size_t max_head = limits[data[0] & 3];
	/* An exact-size copy: ASan sees any read past a name or a value. */
	char *in = malloc(size);
	if (!in)
		abort();
	memcpy(in, data + 1, size - 1);
	size_t n = size - 1;

	const char *nl = memchr(in, '\n', n);
	size_t line_len = nl ? (size_t)(nl - in) : n;
	struct gc_framing f;
	gc_framing_start(&f, line_len);

	bool bad = false;
	unsigned cls = 0, tes = 0;
	uint64_t cl_value = 0;
	size_t head = line_len + 2;
	for (size_t pos = nl ? line_len + 1 : n; pos < n;) {
		const char *l = in + pos;
		const char *e = memchr(l, '\n', n - pos);
		size_t len = e ? (size_t)(e - l) : n - pos;
		pos += len + 1;
		const char *colon = memchr(l, ':', len);
		size_t name_len = colon ? (size_t)(colon - l) : len;
		const char *v = colon ? colon + 1 : l + len;
		const char *ve = l + len;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t value_len = (size_t)(ve - v);

		/* A private copy of each, so a read past either one is caught. */
		char *name = malloc(name_len ? name_len : 1), *value = malloc(value_len ? value_len : 1);
		if (!name || !value)
			abort();
		memcpy(name, l, name_len);
		memcpy(value, v, value_len);
		gc_framing_header(&f, name, name_len, value, value_len);

		head += name_len + value_len + 4;
		bool token = name_len > 0;
		for (size_t i = 0; i < name_len; i++)
			token &= tchar((unsigned char)name[i]);
		bool tok_fn = gc_http_token(name, name_len);
		FUZZ_CHECK(tok_fn == token, "gc_http_token says %d", tok_fn);
		if (!token)
			bad = true;
		if ((name_len > 14 && strncasecmp(name, "content-length", 14) == 0) ||
		    (name_len > 17 && strncasecmp(name, "transfer-encoding", 17) == 0))
			bad = true; /* folded */
		for (size_t i = 0; i < value_len; i++)
			if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
				bad = true;
		if (ieq(name, name_len, "content-length")) {
			cls++;
			bool digits = value_len >= 1 && value_len <= 19;
			uint64_t x = 0;
			for (size_t i = 0; digits && i < value_len; i++) {
				digits = value[i] >= '0' && value[i] <= '9';
				x = x * 10 + (uint64_t)(value[i] - '0');
			}
			if (!digits)
				bad = true;
			else
				cl_value = x;
		} else if (ieq(name, name_len, "transfer-encoding")) {
			tes++;
			if (!ieq(value, value_len, "chunked"))
				bad = true;
		}
		free(name);
		free(value);
	}
	if (cls > 1 || tes > 1 || (cls && tes))
		bad = true;
	gc_status want = bad ? GC_EINVAL : head > max_head ? GC_ETOOBIG : GC_OK;
	gc_status got = gc_framing_verdict(&f, max_head);
	if (got != want)
		fuzz_dump("head", in, n);
	FUZZ_CHECK(got == want, "verdict %s, the reference %s (head %zu bytes of %zu)", gc_status_name(got),
		   gc_status_name(want), head, max_head);
	FUZZ_CHECK(f.head_bytes == head, "head_bytes %zu, counted %zu", f.head_bytes, head);
	if (got == GC_OK) {
		bool chunked = tes == 1;
		FUZZ_CHECK(gc_framing_chunked(&f) == chunked, "chunked %d", gc_framing_chunked(&f));
		FUZZ_CHECK(gc_framing_has_body(&f) == (chunked || (cls == 1 && cl_value > 0)), "has_body %d",
			   gc_framing_has_body(&f));
		if (cls == 1)
			FUZZ_CHECK(f.content_length == cl_value, "content_length %llu, written %llu",
				   (unsigned long long)f.content_length, (unsigned long long)cl_value);
		FUZZ_CHECK(cls + tes <= 1, "both framings accepted");
	}
	free(in);
	return 0;
}
