/*
 * The small header parsers of src/http/internal.h that decide something:
 * gc_redirect_target_ok (open redirects, SECURITY.md O4), gc_origin_allowed
 * (CSRF, O4), gc_etag_matches (If-None-Match), gc_accept_prefers_json and
 * gc_http_token.
 *
 * Input: one byte choosing the function, then its arguments separated by
 * NULs (missing ones are NULL, which each function must take).
 *
 * Invariants:
 *  - redirect: exactly the documented rule (a '/', not "//" or "/\", then
 *    printable ASCII without '\', at most 2 * GC_MAX_PATH_BYTES), and a
 *    target it accepts, resolved against https://portal.example/ by the
 *    WHATWG rules browsers use, stays on portal.example;
 *  - origin: true exactly when the reference says so: "scheme://authority"
 *    with no path whose authority is the Host header (ignoring case), or
 *    which is base_url's scheme and authority (ignoring case);
 *  - etag: true only when the list holds "*" or the tag (W/ ignored), and
 *    always for the tag itself, W/ + the tag, and a list that has it;
 *  - accept: true only when application/json is named; "application/json"
 *    alone is true, "text/html" alone and the full wildcard are false;
 *  - token: the RFC 9110 tchar set;
 *  - http date (gc_clock_parse_http, If-Modified-Since): accepts only 29-byte
 *    IMF-fixdates, and what it accepts is written back by gc_clock_format_http
 *    to the same time (and to the same text when the day name is right).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

#include "base/clock.h"
#include "base/text.h"
#include "http/internal.h"

static bool has_ci(const char *s, const char *needle)
{
	size_t m = strlen(needle);
	for (; *s; s++)
		if (strncasecmp(s, needle, m) == 0)
			return true;
	return false;
}

static void fuzz_redirect(const char *loc)
{
	bool got = gc_redirect_target_ok(loc);
	bool want = loc && loc[0] == '/' && loc[1] != '/' && loc[1] != '\\' && strlen(loc) <= 2 * GC_MAX_PATH_BYTES;
	for (const char *p = loc; want && *p; p++)
		want = *p >= 0x21 && *p <= 0x7e && *p != '\\';
	FUZZ_CHECK(got == want, "gc_redirect_target_ok says %d for \"%s\"", got, loc ? loc : "(null)");
	if (got) {
		/* WHATWG: in a special URL '\' is '/', tab and newlines are removed; a
		 * path-absolute reference leaves the host unless it starts with "//". */
		char norm[3] = { 0 };
		size_t k = 0;
		for (const char *p = loc; *p && k < 2; p++) {
			if (*p == '\t' || *p == '\n' || *p == '\r')
				continue;
			norm[k++] = *p == '\\' ? '/' : *p;
		}
		FUZZ_CHECK(!(norm[0] == '/' && norm[1] == '/'), "\"%s\" leaves the site", loc);
	}
}

/* The reference of gc_origin_allowed, from its comment. */
static bool ref_origin(const char *origin, const char *host, const char *base)
{
	if (!origin)
		return false;
	const char *sep = strstr(origin, "://");
	if (!sep || !sep[3] || strchr(sep + 3, '/'))
		return false;
	if (host && strcasecmp(sep + 3, host) == 0)
		return true;
	if (!base || !(sep = strstr(base, "://")))
		return false;
	size_t n = (size_t)(sep + 3 - base) + strcspn(sep + 3, "/");
	return strlen(origin) == n && strncasecmp(origin, base, n) == 0;
}

static void fuzz_origin(const char *origin, const char *host, const char *base)
{
	bool got = gc_origin_allowed(origin, host, base);
	bool want = ref_origin(origin, host, base);
	if (got != want) {
		fuzz_dump("origin", origin ? origin : "", origin ? strlen(origin) : 0);
		fuzz_dump("host", host ? host : "", host ? strlen(host) : 0);
		fuzz_dump("base_url", base ? base : "", base ? strlen(base) : 0);
	}
	FUZZ_CHECK(got == want, "gc_origin_allowed says %d, the reference %d", got, want);
	FUZZ_CHECK(!gc_origin_allowed("null", host, base), "the opaque origin allowed");
}

static void fuzz_etag(const char *list, const char *etag)
{
	if (!etag)
		etag = "\"0123456789abcdef\"";
	bool got = gc_etag_matches(list, etag);
	const char *bare = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
	if (got)
		FUZZ_CHECK(strchr(list, '*') || strstr(list, bare), "matched without '*' or the tag");
	size_t bl = strlen(bare);
	if (bl >= 2 && bare[0] == '"' && strchr(bare + 1, '"') == bare + bl - 1) {
		/* A well-formed tag: it matches itself, weakly, and inside a list. */
		char buf[512];
		FUZZ_CHECK(gc_etag_matches(bare, etag), "the tag does not match itself");
		snprintf(buf, sizeof(buf), "W/%s", bare);
		FUZZ_CHECK(bl > 500 || gc_etag_matches(buf, etag), "W/ + the tag does not match");
		snprintf(buf, sizeof(buf), "\"x\", %s ,\"y\"", bare);
		FUZZ_CHECK(bl > 490 || gc_etag_matches(buf, etag), "a list with the tag does not match");
	}
	FUZZ_CHECK(!gc_etag_matches(NULL, etag) && !gc_etag_matches(list, NULL), "NULL matched");
}

static void fuzz_accept(const char *accept)
{
	bool got = gc_accept_prefers_json(accept);
	if (got)
		FUZZ_CHECK(has_ci(accept, "application/json"), "prefers JSON it was not offered");
	FUZZ_CHECK(gc_accept_prefers_json("application/json") && !gc_accept_prefers_json("text/html") &&
			   !gc_accept_prefers_json("*/*") && !gc_accept_prefers_json(NULL),
		   "the fixed cases");
	FUZZ_CHECK(gc_accept_prefers_json(accept) == got, "not deterministic");
}

static void fuzz_token(const char *s, size_t n)
{
	bool want = n > 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		want &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c && strchr("!#$%&'*+-.^_`|~", c));
	}
	FUZZ_CHECK(gc_http_token(s, n) == want, "gc_http_token says %d", !want);
}

static void fuzz_http_date(const char *s)
{
	int64_t t = 0, again = 0;
	if (gc_clock_parse_http(s, &t) != GC_OK)
		return;
	if (strlen(s) != 29)
		abort();
	char out[40];
	gc_clock_format_http(t, out, sizeof(out));
	if (gc_clock_parse_http(out, &again) != GC_OK || again != t)
		abort();
	/* Same text but for the day name, which the reader does not check against the date. */
	if (strcmp(out + 3, s + 3) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *copy = fuzz_cstr(data + 1, size - 1);
	const char *arg[3] = { copy, NULL, NULL };
	size_t nargs = 1;
	for (size_t i = 0; i < size - 1 && nargs < 3; i++)
		if (copy[i] == '\0')
			arg[nargs++] = copy + i + 1;
	switch (data[0] % 6) {
	case 0:
		fuzz_redirect(arg[0]);
		fuzz_redirect(NULL);
		break;
	case 1:
		fuzz_origin(arg[0], arg[1], arg[2]);
		break;
	case 2:
		fuzz_etag(arg[0], arg[1]);
		break;
	case 3:
		fuzz_accept(arg[0]);
		break;
	case 4: {
		/* Bytes with their length: NULs inside too. */
		char *exact = malloc(size - 1 ? size - 1 : 1);
		if (!exact)
			abort();
		memcpy(exact, data + 1, size - 1);
		fuzz_token(exact, size - 1);
		free(exact);
		break;
	}
	case 5:
		fuzz_http_date(arg[0]);
		break;
	}
	free(copy);
	return 0;
}
