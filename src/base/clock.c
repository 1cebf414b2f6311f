#include "base/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t gc_clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gc_clock_now(void)
{
	return gc_clock_now_ms() / 1000;
}

int64_t gc_clock_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The broken-down UTC time of unix_seconds, clamped to the years 0001 to 9999
 * that the formats below write with four digits (strftime's %Y does not pad
 * years before 1000, and gmtime_r fails on times whose year overflows int).
 */
#define CLOCK_MIN_SECONDS (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define CLOCK_MAX_SECONDS 253402300799LL   /* 9999-12-31T23:59:59Z */

static void utc_tm(int64_t unix_seconds, struct tm *tm)
{
	if (unix_seconds < CLOCK_MIN_SECONDS)
		unix_seconds = CLOCK_MIN_SECONDS;
	if (unix_seconds > CLOCK_MAX_SECONDS)
		unix_seconds = CLOCK_MAX_SECONDS;
	time_t t = (time_t)unix_seconds;
	if (!gmtime_r(&t, tm)) {
		memset(tm, 0, sizeof(*tm));
		tm->tm_year = 70;
		tm->tm_mday = 1;
		tm->tm_wday = 4;
	}
}

void gc_clock_format_iso8601(int64_t unix_seconds, char *out, size_t size)
{
	struct tm tm;
	utc_tm(unix_seconds, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void gc_clock_format_iso8601_ms(int64_t unix_ms, char *out, size_t size)
{
	/* Floor division: -1 ms is 1969-12-31T23:59:59.999Z, not "...:00.-01Z". */
	int64_t s = unix_ms / 1000, ms = unix_ms % 1000;
	if (ms < 0) {
		s -= 1;
		ms += 1000;
	}
	struct tm tm;
	utc_tm(s, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

void gc_clock_format_http(int64_t unix_seconds, char *out, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	utc_tm(unix_seconds, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int read_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

gc_status gc_clock_parse_iso8601(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int year, month, day, hour = 0, minute = 0, second = 0;
	if (n != 10 && n != 20)
		return GC_EINVAL;
	if (!read_digits(s, 4, &year) || s[4] != '-' || !read_digits(s + 5, 2, &month) || s[7] != '-' ||
	    !read_digits(s + 8, 2, &day))
		return GC_EINVAL;
	if (n == 20 && (s[10] != 'T' || !read_digits(s + 11, 2, &hour) || s[13] != ':' ||
			!read_digits(s + 14, 2, &minute) || s[16] != ':' || !read_digits(s + 17, 2, &second) ||
			s[19] != 'Z'))
		return GC_EINVAL;
	static const int month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || hour > 23 ||
	    minute > 59 || second > 59)
		return GC_EINVAL;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (month == 2 && day == 29 && !leap)
		return GC_EINVAL;
	/* Days from civil (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar. */
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	*out = days * 86400 + hour * 3600 + minute * 60 + second;
	return GC_OK;
}

gc_status gc_clock_parse_http(const char *s, int64_t *out)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes, nothing else (RFC 9110 IMF-fixdate). */
	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
	    strcmp(s + 25, " GMT") != 0)
		return GC_EINVAL;
	bool day_ok = false;
	for (int d = 0; d < 7; d++)
		day_ok = day_ok || memcmp(s, days[d], 3) == 0;
	int month = 0;
	for (int m = 0; m < 12; m++)
		if (memcmp(s + 8, months[m], 3) == 0)
			month = m + 1;
	if (!day_ok || !month)
		return GC_EINVAL;
	char iso[21];
	/* YYYY-MM-DDTHH:MM:SSZ from the fixed positions; parse_iso8601 checks every digit and range. */
	memcpy(iso, s + 12, 4);
	iso[4] = '-';
	iso[5] = (char)('0' + month / 10);
	iso[6] = (char)('0' + month % 10);
	iso[7] = '-';
	memcpy(iso + 8, s + 5, 2);
	iso[10] = 'T';
	memcpy(iso + 11, s + 17, 8);
	iso[19] = 'Z';
	iso[20] = '\0';
	return gc_clock_parse_iso8601(iso, out);
}
