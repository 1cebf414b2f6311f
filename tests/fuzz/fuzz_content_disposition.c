/*
 * gc_content_disposition (src/http/internal.h; SECURITY.md F3): the
 * Content-Disposition value for a user's file name.
 *
 * Input: the file name, up to a NUL (it is a C string).
 *
 * Invariants:
 *  - the value is printable ASCII only (so no CR, LF, NUL or bidi control can
 *    reach the header) and reads exactly
 *    attachment; filename="<fallback>"; filename*=UTF-8''<encoded>;
 *  - the fallback has no '"', '\', '/' or '%';
 *  - <encoded> is RFC 8187 attr-chars and %XX, and decodes to UTF-8 of at
 *    most 200 bytes with no control, quote, backslash, slash or
 *    bidirectional formatting character;
 *  - a name that is valid UTF-8, at most 200 bytes and free of all those
 *    decodes back exactly; a name that is empty or not UTF-8 gives
 *    "download"; the fallback has one character per character of the
 *    decoded name.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/buf.h"
#include "base/text.h"
#include "http/internal.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

/* The code point at s (valid UTF-8), its length in *len. */
static unsigned decode(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80)
		return *len = 1, s[0];
	if (s[0] < 0xe0)
		return *len = 2, ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	if (s[0] < 0xf0)
		return *len = 3, ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	return *len = 4, ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
}

static bool refused(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == '"' || cp == '\\' || cp == '/' || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size);
	size_t name_len = strlen(name);
	struct gc_buf out;
	gc_buf_init(&out, 1 << 16);
	gc_buf_lit(&out, "Content-Disposition: ");
	size_t off = out.len;
	gc_content_disposition(&out, name);
	FUZZ_CHECK(!gc_buf_error(&out), "buffer error %s", gc_status_name(gc_buf_error(&out)));
	const char *v = out.data + off;
	size_t n = out.len - off;

	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(v[i] >= 0x20 && v[i] <= 0x7e, "byte 0x%02x at %zu", (unsigned char)v[i], i);
	static const char head[] = "attachment; filename=\"";
	FUZZ_CHECK(n > sizeof(head) && memcmp(v, head, sizeof(head) - 1) == 0, "does not start with %s", head);
	const char *fb = v + sizeof(head) - 1;
	const char *fb_end = strchr(fb, '"');
	FUZZ_CHECK(fb_end, "the fallback is not closed");
	for (const char *p = fb; p < fb_end; p++)
		FUZZ_CHECK(*p != '\\' && *p != '/' && *p != '%', "'%c' in the fallback", *p);
	static const char star[] = "\"; filename*=UTF-8''";
	FUZZ_CHECK(strncmp(fb_end, star, sizeof(star) - 1) == 0, "no filename* after the fallback");
	const char *enc = fb_end + sizeof(star) - 1;

	/* Decode filename*. */
	unsigned char dec[1024];
	size_t d = 0;
	for (const char *p = enc; *p;) {
		FUZZ_CHECK(d < sizeof(dec), "filename* too long");
		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			FUZZ_CHECK(hi >= 0 && lo >= 0, "a bad escape in filename*");
			dec[d++] = (unsigned char)(hi << 4 | lo);
			FUZZ_CHECK(!attr_char(dec[d - 1]), "%%%02X need not be escaped", dec[d - 1]);
			p += 3;
		} else {
			FUZZ_CHECK(attr_char((unsigned char)*p), "'%c' in filename*", *p);
			dec[d++] = (unsigned char)*p++;
		}
	}
	FUZZ_CHECK(d >= 1 && d <= 200, "the name is %zu bytes", d);
	FUZZ_CHECK(gc_utf8_valid((const char *)dec, d), "filename* is not UTF-8");
	size_t chars = 0;
	for (size_t i = 0; i < d; chars++) {
		size_t len;
		unsigned cp = decode(dec + i, &len);
		FUZZ_CHECK(!refused(cp), "U+%04X in filename*", cp);
		i += len;
	}
	FUZZ_CHECK((size_t)(fb_end - fb) == chars, "a fallback of %zu characters for %zu", (size_t)(fb_end - fb), chars);

	bool valid = name_len > 0 && gc_utf8_valid(name, name_len);
	bool clean = valid && name_len <= 200;
	for (size_t i = 0; clean && i < name_len;) {
		size_t len;
		clean = !refused(decode((const unsigned char *)name + i, &len));
		i += len;
	}
	if (clean)
		FUZZ_CHECK(d == name_len && memcmp(dec, name, d) == 0, "a clean name did not come back");
	if (!valid)
		FUZZ_CHECK(d == 8 && memcmp(dec, "download", 8) == 0, "an empty or broken name is not \"download\"");

	/* It goes into a header as it is. */
	struct gc_buf h;
	gc_buf_init(&h, 1 << 16);
	gc_buf_header_value(&h, v, n);
	FUZZ_CHECK(!gc_buf_error(&h), "refused as a header value");
	gc_buf_free(&h);
	gc_buf_free(&out);
	free(name);
	return 0;
}
