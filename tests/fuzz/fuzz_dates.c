/*
 * Dates for people (render/dates.h), which pages, feeds and digests apply
 * to stored dates: whatever the bytes, the functions accept exactly the
 * well-formed dates and times, and write short, safe text.
 *
 * Input: the first byte picks the language (one of the six, or another),
 * the rest is the start, then after a '|' the end.
 *
 * Invariants:
 *  - gc_dates_day accepts exactly a real calendar date "YYYY-MM-DD" (year
 *    0001..9999, leap years right) in the first ten bytes (a reference
 *    decides);
 *  - gc_dates_span accepts exactly when each given value is such a date,
 *    alone or followed by 'T' or ' ' and a valid "HH:MM", and at least one
 *    is given;
 *  - accepted: the text is non-empty valid UTF-8 shorter than GC_DATES_MAX,
 *    holds no markup character, holds the start's year and day, and is the
 *    parts joined (from, sep, to);
 *  - refused: the output and every part are empty;
 *  - gc_dates_instant accepts only such a date and time ending in 'Z', and
 *    writes " UTC".
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/text.h"
#include "render/dates.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* The reference: a real date in the first ten bytes. */
static bool ref_day(const char *s, int *y, int *d)
{
	int m;
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, y) || !digits(s + 5, 2, &m) ||
	    !digits(s + 8, 2, d))
		return false;
	bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	int days[] = { 31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return *y >= 1 && m >= 1 && m <= 12 && *d >= 1 && *d <= days[m - 1];
}

static bool ref_value(const char *s)
{
	int y, d, h, mi;
	if (!ref_day(s, &y, &d))
		return false;
	if (s[10] == '\0')
		return true;
	return (s[10] == 'T' || s[10] == ' ') && strlen(s) >= 16 && digits(s + 11, 2, &h) && s[13] == ':' &&
	       digits(s + 14, 2, &mi) && h <= 23 && mi <= 59;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "ar", "zh", "en", "fr", "ru", "es", "de" };
	if (size < 1)
		return 0;
	const char *lang = langs[data[0] % 7];
	char *all = fuzz_cstr(data + 1, size - 1);
	char *bar = strchr(all, '|');
	const char *start = all, *end = NULL;
	if (bar) {
		*bar = '\0';
		end = bar + 1;
	}
	char out[GC_DATES_MAX];
	int y = 0, d = 0;

	bool day_ok = gc_dates_day(lang, start, out, sizeof(out));
	FUZZ_CHECK(day_ok == ref_day(start, &y, &d), "gc_dates_day(%s) said %d", start, day_ok);
	FUZZ_CHECK(day_ok ? out[0] != '\0' : out[0] == '\0', "day output for %s", start);

	bool instant = gc_dates_instant(lang, start, out, sizeof(out));
	size_t sl = strlen(start);
	FUZZ_CHECK(!instant || (ref_value(start) && sl > 16 && start[sl - 1] == 'Z' && strstr(out, " UTC") != NULL),
		   "instant %s accepted as %s", start, out);
	FUZZ_CHECK(instant || out[0] == '\0', "instant %s refused but wrote %s", start, out);

	bool has_a = *start, has_b = end && *end;
	bool want = (has_a || has_b) && (!has_a || ref_value(start)) && (!has_b || ref_value(end));
	bool ok = gc_dates_span(lang, start, end, out, sizeof(out));
	struct gc_dates_parts parts;
	bool parts_ok = gc_dates_span_parts(lang, start, end, &parts);
	FUZZ_CHECK(ok == want && parts_ok == want, "span(%s | %s) said %d/%d, wanted %d", start, end ? end : "-", ok,
		   parts_ok, want);
	if (ok) {
		size_t n = strlen(out);
		FUZZ_CHECK(n > 0 && n < GC_DATES_MAX && gc_utf8_valid(out, n), "text %s", out);
		FUZZ_CHECK(strpbrk(out, "<>&\"'") == NULL, "markup in %s", out);
		char joined[3 * GC_DATES_MAX];
		snprintf(joined, sizeof(joined), "%s%s%s", parts.from, parts.sep, parts.to);
		FUZZ_CHECK(strcmp(joined, out) == 0, "parts %s vs %s", joined, out);
		const char *first = has_a ? start : end;
		ref_day(first, &y, &d);
		char year[8], day[8];
		snprintf(year, sizeof(year), "%d", y);
		snprintf(day, sizeof(day), "%d", d);
		FUZZ_CHECK(strstr(out, year) && strstr(out, day), "%s lacks %s or %s", out, year, day);
	} else {
		FUZZ_CHECK(out[0] == '\0' && parts.from[0] == '\0' && parts.to[0] == '\0' && parts.sep[0] == '\0',
			   "refused but wrote %s", out);
	}
	free(all);
	return 0;
}
