/*
 * gc_cookie_parse (src/http/internal.h): the value of one cookie in a
 * Cookie header, against a reference written here from its comment and
 * RFC 6265 section 4.1.1.
 *
 * Input: the cookie name to look for up to the first NUL, then the header
 * (up to a NUL, as a header value arrives). With no NUL, the input is the
 * header and the names looked for are the portal's own: "gcscp_lang",
 * "__Host-gcscp_session" and "gcscp_csrf".
 *
 * Invariants: the same answer as the reference (pairs split on ';', blanks
 * trimmed, a token name, a value of cookie-octets, optionally in double
 * quotes which are removed, the first good pair with the name wins); a
 * value found holds cookie-octets only, so it can never carry a CR, LF,
 * ';', ',' or quote into a header or a log.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/arena.h"
#include "http/internal.h"

static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* The reference: a malloc'd value, or NULL. */
static char *ref_cookie(const char *h, const char *name)
{
	size_t want = strlen(name);
	for (const char *p = h; *p;) {
		size_t len = strcspn(p, ";");
		const char *next = p[len] ? p + len + 1 : p + len;
		const char *s = p, *e = p + len;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		const char *eq = memchr(s, '=', (size_t)(e - s));
		if (eq) {
			const char *v = eq + 1, *ve = e;
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
				v++, ve--;
			bool ok = eq > s;
			for (const char *c = s; ok && c < eq; c++)
				ok = tchar((unsigned char)*c);
			for (const char *c = v; ok && c < ve; c++)
				ok = octet((unsigned char)*c);
			if (ok && (size_t)(eq - s) == want && memcmp(s, name, want) == 0) {
				char *out = malloc((size_t)(ve - v) + 1);
				if (!out)
					abort();
				memcpy(out, v, (size_t)(ve - v));
				out[ve - v] = '\0';
				return out;
			}
		}
		p = next;
	}
	return NULL;
}

static void check(struct gc_arena *arena, const char *header, const char *name)
{
	const char *got = gc_cookie_parse(arena, header, name);
	char *want = ref_cookie(header, name);
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
		fuzz_dump("name", name, strlen(name));
		fuzz_dump("header", header, strlen(header));
		fprintf(stderr, "  got %s%s%s, reference %s%s%s\n", got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
			want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	}
	FUZZ_CHECK((got == NULL) == (want == NULL), "found by one and not the other");
	FUZZ_CHECK(!got || strcmp(got, want) == 0, "another value than the reference's");
	for (const char *c = got; c && *c; c++)
		FUZZ_CHECK(octet((unsigned char)*c), "a value with 0x%02x", (unsigned char)*c);
	free(want);
	FUZZ_CHECK(gc_cookie_parse(arena, NULL, name) == NULL && gc_cookie_parse(arena, header, NULL) == NULL,
		   "NULL arguments");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_cstr(data, size);
	struct gc_arena *arena = gc_arena_new((size_t)1 << 22);
	if (!arena)
		abort();
	const char *nul = memchr(copy, '\0', size);
	if (nul) {
		check(arena, nul + 1, copy);
	} else {
		check(arena, copy, "gcscp_lang");
		check(arena, copy, "__Host-gcscp_session");
		check(arena, copy, "gcscp_csrf");
	}
	gc_arena_free(arena);
	free(copy);
	return 0;
}
