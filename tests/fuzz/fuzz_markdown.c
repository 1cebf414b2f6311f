/*
 * render/markdown.h: user Markdown to HTML (SECURITY.md O1, O2).
 *
 * Invariants on success:
 *  - the HTML is valid UTF-8 with no NUL;
 *  - every tag is one cmark writes for Markdown (p, a, em, strong, code, pre,
 *    blockquote, ul, ol, li, h1-h6, hr, br) or the "raw HTML omitted"
 *    comment: no <script, no <img, no <iframe, nothing raw;
 *  - every attribute is href, title, start or class (so no on...= handler),
 *    quoted with '"', and its value holds no raw '<' or '"';
 *  - href only on <a>, and its value, entities decoded, read as a browser
 *    reads a scheme, is relative or http:, https: or mailto: (so never
 *    javascript:, vbscript: or data:);
 *  - (a title may say "javascript:": it is text, never followed.)
 * Failure: GC_EINVAL exactly when the input is not UTF-8, GC_ETOOBIG exactly
 * when it is over GC_MARKDOWN_MAX_INPUT; the buffer's own errors otherwise.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/buf.h"
#include "base/text.h"
#include "render/markdown.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Decodes the entities cmark writes in attributes (&amp; &lt; &gt; &quot; &#NN; &#xNN;). */
static size_t decode_attr(const char *v, size_t n, char *out)
{
	size_t j = 0;
	for (size_t i = 0; i < n;) {
		if (v[i] != '&') {
			out[j++] = v[i++];
			continue;
		}
		const char *semi = memchr(v + i, ';', n - i);
		FUZZ_CHECK(semi, "a bare '&' in an attribute");
		size_t len = (size_t)(semi - (v + i)) + 1;
		unsigned long cp = 0;
		if (len == 5 && memcmp(v + i, "&amp;", 5) == 0)
			cp = '&';
		else if (len == 4 && memcmp(v + i, "&lt;", 4) == 0)
			cp = '<';
		else if (len == 4 && memcmp(v + i, "&gt;", 4) == 0)
			cp = '>';
		else if (len == 6 && memcmp(v + i, "&quot;", 6) == 0)
			cp = '"';
		else if (len > 3 && v[i + 1] == '#')
			cp = v[i + 2] == 'x' || v[i + 2] == 'X' ? strtoul(v + i + 3, NULL, 16) : strtoul(v + i + 2, NULL, 10);
		else
			FUZZ_CHECK(false, "unknown entity \"%.*s\" in an attribute", (int)len, v + i);
		/* Only ASCII matters for reading a scheme: anything else stays a marker. */
		out[j++] = cp < 0x80 ? (char)cp : '\x80';
		i += len;
	}
	out[j] = '\0';
	return j;
}

/*
 * The browser's reading of a URL's scheme (WHATWG URL, "scheme start state"):
 * leading C0 controls and spaces are stripped, tabs and line breaks removed
 * anywhere; a scheme is an ASCII letter, then letters, digits, '+', '-' or
 * '.', up to a ':'. Anything else means no scheme: a relative URL. Allowed:
 * relative, http:, https:, mailto:.
 */
static bool href_allowed(const char *url)
{
	const unsigned char *u = (const unsigned char *)url;
	char scheme[32];
	size_t n = 0, seen = 0;
	while (*u && *u <= 0x20)
		u++;
	for (;; u++) {
		unsigned char c = *u;
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == ':' && seen > 0)
			break;
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		bool more = seen > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
		if (!letter && !more)
			return true; /* no scheme: relative */
		if (n + 1 < sizeof(scheme))
			scheme[n++] = (char)lower(c);
		seen++;
	}
	if (seen != n)
		return false; /* a long scheme is none of the three */
	scheme[n] = '\0';
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "mailto") == 0;
}

static void check_html(const char *h, size_t n, const char *md, size_t md_len)
{
	static const char *const tags[] = { "p",  "a",  "em", "strong", "code", "pre", "blockquote", "ul",
					    "ol", "li", "h1", "h2",     "h3",   "h4",  "h5",         "h6",
					    "hr", "br" };
	static const char *const attrs[] = { "href", "title", "start", "class" };
	static const char comment[] = "<!-- raw HTML omitted -->";

	FUZZ_CHECK(gc_utf8_valid(h, n) && !memchr(h, '\0', n), "the HTML is not UTF-8 without NUL");
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '>')
			continue; /* cmark writes a raw '>' in text at times; it opens nothing */
		if (h[i] != '<')
			continue;
		if (n - i >= sizeof(comment) - 1 && memcmp(h + i, comment, sizeof(comment) - 1) == 0) {
			i += sizeof(comment) - 2;
			continue;
		}
		const char *end = memchr(h + i, '>', n - i);
		FUZZ_CHECK(end, "a '<' that closes no tag at %zu", i);
		const char *t = h + i + 1, *tend = end;
		size_t tag_len = (size_t)(tend - t);
		if (tag_len && t[tag_len - 1] == '/')
			tag_len--; /* <br /> */
		FUZZ_CHECK(!memchr(t, '<', tag_len), "a '<' inside a tag");
		if (*t == '/')
			t++;
		size_t name_len = 0;
		while (t + name_len < tend && ((t[name_len] >= 'a' && t[name_len] <= 'z') ||
					      (t[name_len] >= '0' && t[name_len] <= '9')))
			name_len++;
		bool known = false;
		for (size_t k = 0; k < GC_ARRAY_LEN(tags); k++)
			known |= strlen(tags[k]) == name_len && memcmp(tags[k], t, name_len) == 0;
		if (!known) {
			fuzz_dump("markdown", md, md_len);
			fuzz_dump("tag", h + i, (size_t)(end - (h + i)) + 1);
		}
		FUZZ_CHECK(known, "a tag cmark should not write");
		bool is_a = name_len == 1 && t[0] == 'a';
		/* Attributes: ' name="value"' until the end of the tag. */
		const char *a = t + name_len, *aend = h + i + 1 + tag_len;
		while (a < aend) {
			if (*a == ' ' && a + 1 < aend && a[1] != ' ') {
				a++;
				const char *eq = memchr(a, '=', (size_t)(aend - a));
				FUZZ_CHECK(eq && eq + 1 < aend && eq[1] == '"', "an attribute without a quoted value");
				size_t an = (size_t)(eq - a);
				bool ok = false;
				for (size_t k = 0; k < GC_ARRAY_LEN(attrs); k++)
					ok |= strlen(attrs[k]) == an && memcmp(attrs[k], a, an) == 0;
				if (!ok)
					fuzz_dump("markdown", md, md_len);
				FUZZ_CHECK(ok, "attribute \"%.*s\"", (int)an, a);
				const char *v = eq + 2;
				const char *vend = memchr(v, '"', (size_t)(aend - v));
				FUZZ_CHECK(vend, "an attribute value without its closing quote");
				if (an == 4 && memcmp(a, "href", 4) == 0) {
					FUZZ_CHECK(is_a, "href on another tag than <a>");
					char *url = malloc((size_t)(vend - v) + 1);
					if (!url)
						abort();
					decode_attr(v, (size_t)(vend - v), url);
					if (!href_allowed(url))
						fuzz_dump("markdown", md, md_len);
					FUZZ_CHECK(href_allowed(url), "a link to \"%s\"", url);
					free(url);
				}
				a = vend + 1;
				continue;
			}
			FUZZ_CHECK(*a == ' ' || *a == '/', "unexpected 0x%02x in a tag", (unsigned char)*a);
			a++;
		}
		i = (size_t)(end - h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_buf out;
	const char *md = (const char *)data;
	gc_buf_init(&out, (size_t)64 << 20);
	gc_status st = gc_markdown_to_html(md, size, &out);
	if (size > GC_MARKDOWN_MAX_INPUT)
		FUZZ_CHECK(st == GC_ETOOBIG, "over the limit: %s", gc_status_name(st));
	else if (!gc_utf8_valid(md, size))
		FUZZ_CHECK(st == GC_EINVAL, "not UTF-8: %s", gc_status_name(st));
	else
		FUZZ_CHECK(st == GC_OK, "valid input refused: %s", gc_status_name(st));
	if (st == GC_OK) {
		FUZZ_CHECK(!gc_buf_error(&out), "GC_OK with a buffer error");
		check_html(gc_buf_str(&out), out.len, md, size);
	}
	gc_buf_free(&out);
	return 0;
}
