/*
 * Where does the body end? A front proxy and this server must agree, or one
 * request can hide another (request smuggling). libmicrohttpd 0.9.75 takes
 * the first Content-Length, prefers Transfer-Encoding to it and reads an
 * unknown coding until the connection closes, so every head is judged here
 * before a byte of body is read (SECURITY.md H1).
 */
#include "http/internal.h"

#include <string.h>

#include "base/text.h"

bool gc_http_token(const char *s, size_t n)
{
	/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and letters. */
	static const char extra[] = "!#$%&'*+-.^_`|~";
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c != '\0' && memchr(extra, c, sizeof(extra) - 1) != NULL);
		if (!ok)
			return false;
	}
	return true;
}

static bool name_is(const char *name, size_t n, const char *want)
{
	size_t len = strlen(want);
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)name[i], b = (unsigned char)want[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return false;
	}
	return true;
}

static bool name_extends(const char *name, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);
	return n > len && name_is(name, len, prefix);
}

void gc_framing_start(struct gc_framing *f, size_t request_line_bytes)
{
	memset(f, 0, sizeof(*f));
	f->head_bytes = request_line_bytes + 2;
}

void gc_framing_header(struct gc_framing *f, const char *name, size_t name_len, const char *value, size_t value_len)
{
	/* "name: value\r\n" */
	f->head_bytes += name_len + value_len + 4;
	if (!gc_http_token(name, name_len))
		f->bad_name = true;
	/* libmicrohttpd 0.9.75 appends a folded line to the header's name:
	 * "Transfer-Encoding:\r\n chunked" arrives as a header named
	 * "Transfer-Encodingchunked". Such a name is a token, so it is caught
	 * here, where it matters: a framing header's name with more after it. */
	if (name_extends(name, name_len, "Content-Length") || name_extends(name, name_len, "Transfer-Encoding"))
		f->folded = true;
	for (size_t i = 0; i < value_len; i++)
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			f->bad_value = true;

	if (name_is(name, name_len, "Content-Length")) {
		f->content_lengths++;
		/* Plain digits only: no sign, no list ("5, 5"), no spaces; at
		 * most 19 digits so the value fits in 63 bits. */
		bool digits = value_len > 0 && value_len <= 19;
		for (size_t i = 0; digits && i < value_len; i++)
			digits = value[i] >= '0' && value[i] <= '9';
		if (!digits) {
			f->bad_content_length = true;
			return;
		}
		uint64_t v = 0;
		for (size_t i = 0; i < value_len; i++)
			v = v * 10 + (uint64_t)(value[i] - '0');
		f->content_length = v;
	} else if (name_is(name, name_len, "Transfer-Encoding")) {
		f->transfer_encodings++;
		/* Only the one coding libmicrohttpd decodes; "gzip, chunked" or
		 * "chunked, chunked" would be read differently by a proxy. Coding
		 * names are case-insensitive (RFC 9112 7). */
		if (!name_is(value, value_len, "chunked"))
			f->bad_transfer_encoding = true;
	}
}

gc_status gc_framing_verdict(const struct gc_framing *f, size_t max_head)
{
	if (f->bad_name || f->folded || f->bad_value || f->bad_content_length || f->bad_transfer_encoding ||
	    f->content_lengths > 1 || f->transfer_encodings > 1 ||
	    (f->content_lengths > 0 && f->transfer_encodings > 0))
		return GC_EINVAL;
	if (f->head_bytes > max_head)
		return GC_ETOOBIG;
	return GC_OK;
}

bool gc_framing_chunked(const struct gc_framing *f)
{
	return f->transfer_encodings == 1 && !f->bad_transfer_encoding;
}

bool gc_framing_has_body(const struct gc_framing *f)
{
	return gc_framing_chunked(f) || (f->content_lengths == 1 && f->content_length > 0);
}
