#include "base/clock.h"

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

void gc_clock_format_iso8601(int64_t unix_seconds, char *out, size_t size)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void gc_clock_format_iso8601_ms(int64_t unix_ms, char *out, size_t size)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03dZ", base, (int)(unix_ms % 1000));
}

void gc_clock_format_http(int64_t unix_seconds, char *out, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
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
