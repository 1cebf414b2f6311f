/*
 * render/i18n.h: gc_lang_negotiate (after gc_i18n_load), against a reference
 * written here from the header's words and RFC 9110 section 12.5.4.
 *
 * Input: up to three NUL-separated parts. One part: the Accept-Language
 * header alone. Two: the cookie, then the header. Three: the URL's choice,
 * the cookie, the header.
 *
 * Invariants: the answer is one of gc_langs (the very pointer), the URL's
 * choice then the cookie's win when they name a language, and otherwise the
 * answer is the reference's: a header that is malformed, over 1 KiB or of
 * more than 32 entries counts for nothing; the highest q wins, the earlier
 * entry on a tie; "*" stands for the languages not named, English first;
 * q=0 excludes; a language is matched by a primary subtag of two letters.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "render/i18n.h"

#define MAX_BYTES 1024
#define MAX_ENTRIES 32

/* The UN order of gc_langs; English is index 2. */
static const char *const codes[GC_LANG_COUNT] = { "ar", "zh", "en", "fr", "ru", "es" };

static int ref_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ref_find(const char *s, size_t n)
{
	if (!s || n != 2)
		return -1;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		if (ref_lower((unsigned char)s[0]) == codes[i][0] && ref_lower((unsigned char)s[1]) == codes[i][1])
			return i;
	return -1;
}

static bool alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*"; *primary gets the first subtag. */
static bool ref_range(const char *s, size_t n, size_t *primary_len, bool *wildcard)
{
	*wildcard = n == 1 && s[0] == '*';
	if (*wildcard)
		return true;
	size_t i = 0;
	while (i < n && alpha(s[i]))
		i++;
	if (i < 1 || i > 8)
		return false;
	*primary_len = i;
	while (i < n) {
		if (s[i] != '-')
			return false;
		size_t start = ++i;
		while (i < n && (alpha(s[i]) || digit(s[i])))
			i++;
		if (i - start < 1 || i - start > 8)
			return false;
	}
	return true;
}

/* weight = OWS ";" OWS "q=" qvalue, the part after ';' given; thousandths, or -1. */
static int ref_weight(const char *s, size_t n)
{
	while (n && ows(*s))
		s++, n--;
	while (n && ows(s[n - 1]))
		n--;
	if (n < 3 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
		return -1;
	s += 2;
	n -= 2;
	if (s[0] != '0' && s[0] != '1')
		return -1;
	int q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	int scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!digit(s[i]))
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* The language the header picks, or -1 (ignored, or nothing acceptable). */
static int ref_accept(const char *h)
{
	if (!h || strlen(h) > MAX_BYTES)
		return -1;
	int q[GC_LANG_COUNT], pos[GC_LANG_COUNT], any_q = -1, any_pos = 0, entries = 0;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		q[i] = -1, pos[i] = 0;
	for (const char *e = h; *e;) {
		const char *comma = strchr(e, ',');
		size_t len = comma ? (size_t)(comma - e) : strlen(e);
		const char *next = comma ? comma + 1 : e + len;
		/* Trim the element. */
		while (len && ows(*e))
			e++, len--;
		while (len && ows(e[len - 1]))
			len--;
		if (len == 0) {
			e = next;
			continue;
		}
		const char *semi = memchr(e, ';', len);
		size_t range_len = semi ? (size_t)(semi - e) : len;
		while (range_len && ows(e[range_len - 1]))
			range_len--;
		size_t primary_len = 0;
		bool wildcard;
		if (!ref_range(e, range_len, &primary_len, &wildcard))
			return -1;
		int weight = 1000;
		if (semi && (weight = ref_weight(semi + 1, len - (size_t)(semi + 1 - e))) < 0)
			return -1;
		if (++entries > MAX_ENTRIES)
			return -1;
		if (wildcard) {
			if (weight > any_q)
				any_q = weight, any_pos = MAX_ENTRIES + entries;
		} else {
			int i = ref_find(e, primary_len);
			if (i >= 0 && weight > q[i])
				q[i] = weight, pos[i] = entries;
		}
		e = next;
	}
	static const int order[GC_LANG_COUNT] = { 2, 0, 1, 3, 4, 5 };
	int best = -1, best_q = 0, best_pos = 0;
	for (int k = 0; k < GC_LANG_COUNT; k++) {
		int i = order[k];
		int wq = q[i] >= 0 ? q[i] : any_q, wp = q[i] >= 0 ? pos[i] : any_pos;
		if (wq > best_q || (wq > 0 && wq == best_q && wp < best_pos))
			best = i, best_q = wq, best_pos = wp;
	}
	return best;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	if (gc_i18n_load(err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gc_i18n_load: %s\n", err);
		abort();
	}
	for (int i = 0; i < GC_LANG_COUNT; i++)
		if (strcmp(gc_langs[i], codes[i]) != 0)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_cstr(data, size);
	const char *part[3] = { NULL, NULL, NULL };
	size_t nparts = 1;
	part[0] = copy;
	for (size_t i = 0; i < size && nparts < 3; i++)
		if (copy[i] == '\0')
			part[nparts++] = copy + i + 1;
	const char *url = nparts == 3 ? part[0] : NULL;
	const char *cookie = nparts == 3 ? part[1] : nparts == 2 ? part[0] : NULL;
	const char *accept = part[nparts - 1];

	const char *got = gc_lang_negotiate(url, cookie, accept);
	int want = url ? ref_find(url, strlen(url)) : -1;
	if (want < 0 && cookie)
		want = ref_find(cookie, strlen(cookie));
	if (want < 0)
		want = ref_accept(accept);
	if (want < 0)
		want = 2; /* English */

	bool known = false;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		known |= got == gc_langs[i];
	FUZZ_CHECK(known, "not one of gc_langs");
	if (got != gc_langs[want]) {
		fuzz_dump("url", url ? url : "", url ? strlen(url) : 0);
		fuzz_dump("cookie", cookie ? cookie : "", cookie ? strlen(cookie) : 0);
		fuzz_dump("accept", accept, strlen(accept));
	}
	FUZZ_CHECK(got == gc_langs[want], "gc_lang_negotiate says %s, the reference %s", got, codes[want]);
	FUZZ_CHECK(gc_lang_negotiate(url, cookie, accept) == got, "not deterministic");
	free(copy);
	return 0;
}
