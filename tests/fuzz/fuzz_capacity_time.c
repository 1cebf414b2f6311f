/*
 * The capacity module's time input (src/modules/capacity/tz.c): an IANA
 * zone name and a local time "YYYY-MM-DDTHH:MM[:SS]", as events give them,
 * and the VTIMEZONE written for a zone.
 *
 * Input: the zone name up to the first NUL, then the local time. With no
 * NUL, the input is the local time and the zone is "Europe/Paris".
 *
 * Invariants: a zone accepted by capacity_tz_valid() is a name of letters,
 * digits and _ / - + only, at most 64 bytes, neither starting with '/' nor
 * holding ".." (it is written into feeds and never names a file outside the
 * tz database); a local time accepted by capacity_tz_to_utc() has the exact
 * shape, a real calendar date in 1970..2100 and a real time of day, and in
 * UTC converts to the reference's Unix time (days from the civil date); and
 * every VTIMEZONE is framed by BEGIN/END lines, of printable ASCII lines of
 * at most 75 octets ending in CRLF.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/buf.h"
#include "modules/capacity/capacity.h"

static bool name_shape(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '/' || strstr(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("_/-+", s[i])))
			return false;
	return true;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The reference parser: the Unix time of s read as UTC, or -1. */
static int64_t ref_utc(const char *s)
{
	size_t n = strlen(s);
	int v[6] = { 0 };
	if (n != 16 && n != 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16;
		char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : ':';
		if (sep ? c != want : (c < '0' || c > '9'))
			return -1;
	}
	sscanf(s, "%4d-%2d-%2dT%2d:%2d", &v[0], &v[1], &v[2], &v[3], &v[4]);
	if (n == 19)
		v[5] = (s[17] - '0') * 10 + (s[18] - '0');
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
	if (v[0] < 1970 || v[0] > 2100 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap) || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -1;
	return days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}

static void check_vtimezone(const char *tz, int64_t from, int64_t to)
{
	struct gc_buf b;
	gc_buf_init(&b, 1u << 20);
	gc_status st = capacity_tz_vtimezone(&b, tz, from, to);
	FUZZ_CHECK(st == GC_OK, "VTIMEZONE of a valid zone %s failed", tz);
	const char *s = gc_buf_str(&b);
	FUZZ_CHECK(strncmp(s, "BEGIN:VTIMEZONE\r\n", 17) == 0, "no BEGIN line");
	FUZZ_CHECK(b.len >= 15 && strcmp(s + b.len - 15, "END:VTIMEZONE\r\n") == 0, "no END line");
	for (const char *line = s; *line;) {
		const char *end = strstr(line, "\r\n");
		FUZZ_CHECK(end, "a line without CRLF");
		FUZZ_CHECK(end - line <= 75, "a line of %d octets", (int)(end - line));
		for (const char *c = line; c < end; c++)
			FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "a byte 0x%02x", (unsigned char)*c);
		line = end + 2;
	}
	gc_buf_free(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	char *all = fuzz_cstr(data, size);
	const char *nul = memchr(data, 0, size);
	const char *tz = nul ? all : "Europe/Paris";
	const char *local = nul ? all + (nul - (const char *)data) + 1 : all;
	bool valid = capacity_tz_valid(tz);
	if (valid)
		FUZZ_CHECK(name_shape(tz), "accepted zone name \"%s\"", tz);
	int64_t t = 0;
	gc_status st = capacity_tz_to_utc(tz, local, &t);
	int64_t ref = ref_utc(local);
	if (st == GC_OK) {
		FUZZ_CHECK(valid, "converted in an unknown zone \"%s\"", tz);
		FUZZ_CHECK(ref >= 0, "accepted local time \"%s\"", local);
		FUZZ_CHECK(t > ref - 86400 && t < ref + 86400, "\"%s\" in %s is %lld, over a day from %lld", local, tz,
			   (long long)t, (long long)ref);
	} else if (valid) {
		FUZZ_CHECK(ref < 0, "refused local time \"%s\" in %s", local, tz);
	}
	if (st == GC_OK && strcmp(tz, "UTC") == 0)
		FUZZ_CHECK(t == ref, "\"%s\" in UTC is %lld, not %lld", local, (long long)t, (long long)ref);
	if (st == GC_OK && strcmp(tz, "UTC") != 0)
		check_vtimezone(tz, t, t + 3 * 86400);
	free(all);
	return 0;
}
