/*
 * Time zones: the IANA names of the system's tz database, as libical reads
 * them (its list comes from the database's zone table; Debian's libical uses
 * /usr/share/zoneinfo), local times converted to UTC, and VTIMEZONE
 * components for iCalendar feeds.
 *
 * libical loads a zone's rules lazily and keeps them in a process-wide
 * table; every call into it goes through one lock, so threads never race on
 * that table. Calls are short (a conversion, or a scan of a few years).
 *
 * A VTIMEZONE is written here from the zone's offsets rather than copied
 * from libical: libical's names the zone "/freeassociation.sourceforge.net/
 * Europe/Paris" and carries a century of history. Ours is named by the IANA
 * name (the TZID of DTSTART) and holds one observance per change of offset
 * in the span the feed needs, each a plain DTSTART (RFC 5545 3.6.5), which
 * every reader understands.
 */
#include <libical/ical.h>
#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "modules/capacity/capacity.h"

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > CAPACITY_MAX_TZ || name[0] == '/' || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '/' ||
		      c == '-' || c == '+'))
			return false;
	}
	return true;
}

/* The zone, under the lock; NULL when unknown. "UTC" is libical's own zone. */
static icaltimezone *zone_locked(const char *name)
{
	if (!name_ok(name))
		return NULL;
	if (strcmp(name, "UTC") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(name);
}

bool capacity_tz_valid(const char *name)
{
	pthread_mutex_lock(&tz_lock);
	bool ok = zone_locked(name) != NULL;
	pthread_mutex_unlock(&tz_lock);
	return ok;
}

/* "YYYY-MM-DDTHH:MM[:SS]" into its parts, checked (years 1970 to 2100). */
static bool local_parse(const char *s, struct icaltimetype *t)
{
	int v[6] = { 0 };
	size_t n = s ? strlen(s) : 0;
	static const int at[6] = { 0, 5, 8, 11, 14, 17 };
	static const int len[6] = { 4, 2, 2, 2, 2, 2 };
	if (n != 16 && n != 19)
		return false;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || (n == 19 && s[16] != ':'))
		return false;
	for (int f = 0; f < (n == 19 ? 6 : 5); f++) {
		for (int i = 0; i < len[f]; i++) {
			char c = s[at[f] + i];
			if (c < '0' || c > '9')
				return false;
			v[f] = v[f] * 10 + (c - '0');
		}
	}
	if (v[0] < 1970 || v[0] > 2100 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > icaltime_days_in_month(v[1], v[0]) || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return false;
	*t = icaltime_null_time();
	t->year = v[0];
	t->month = v[1];
	t->day = v[2];
	t->hour = v[3];
	t->minute = v[4];
	t->second = v[5];
	return true;
}

gc_status capacity_tz_to_utc(const char *tz, const char *local, int64_t *out)
{
	struct icaltimetype t;
	if (!local_parse(local, &t))
		return GC_EINVAL;
	pthread_mutex_lock(&tz_lock);
	icaltimezone *zone = zone_locked(tz);
	if (zone)
		*out = (int64_t)icaltime_as_timet_with_zone(t, zone);
	pthread_mutex_unlock(&tz_lock);
	return zone ? GC_OK : GC_EINVAL;
}

/* The zone's UTC offset (seconds) at Unix time u, and whether it is daylight-saving time; under the lock. */
static int offset_locked(icaltimezone *zone, int64_t u, int *is_dst)
{
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)u, 0, icaltimezone_get_utc_timezone());
	*is_dst = 0;
	return icaltimezone_get_utc_offset_of_utc_time(zone, &t, is_dst);
}

static void offset_text(struct gc_buf *b, int off)
{
	char sign = off < 0 ? '-' : '+';
	int a = off < 0 ? -off : off;
	gc_buf_printf(b, "%c%02d%02d", sign, a / 3600, (a / 60) % 60);
	if (a % 60)
		gc_buf_printf(b, "%02d", a % 60);
}

/* One observance: it begins at Unix time at, when the offset goes from one value to another. */
static void observance(struct gc_buf *b, int64_t at, int from, int to, int is_dst)
{
	char iso[32];
	gc_clock_format_iso8601(at + from, iso, sizeof(iso)); /* the local time of the onset, in the old offset */
	gc_buf_str_raw(b, is_dst ? "BEGIN:DAYLIGHT\r\n" : "BEGIN:STANDARD\r\n");
	gc_buf_printf(b, "DTSTART:%.4s%.2s%.2sT%.2s%.2s%.2s\r\n", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
	gc_buf_lit(b, "TZOFFSETFROM:");
	offset_text(b, from);
	gc_buf_lit(b, "\r\nTZOFFSETTO:");
	offset_text(b, to);
	gc_buf_lit(b, "\r\n");
	gc_buf_str_raw(b, is_dst ? "END:DAYLIGHT\r\n" : "END:STANDARD\r\n");
}

gc_status capacity_tz_vtimezone(struct gc_buf *b, const char *tz, int64_t from, int64_t to)
{
	const int64_t day = 86400;
	pthread_mutex_lock(&tz_lock);
	icaltimezone *zone = zone_locked(tz);
	if (!zone) {
		pthread_mutex_unlock(&tz_lock);
		return GC_EINVAL;
	}
	/* A week of margin each side, the start on a whole hour; at most ten years are scanned. */
	int64_t start = (from - 7 * day) / 3600 * 3600, end = to + 7 * day;
	if (end - start > 3660 * day)
		end = start + 3660 * day;
	int is_dst = 0;
	int off = offset_locked(zone, start, &is_dst);
	gc_buf_lit(b, "BEGIN:VTIMEZONE\r\nTZID:");
	gc_buf_str_raw(b, tz); /* checked by name_ok: letters, digits, _ / - + only */
	gc_buf_lit(b, "\r\n");
	observance(b, start, off, off, is_dst);
	for (int64_t t = start; t < end; t += day) {
		int d2 = 0;
		int next = offset_locked(zone, t + day, &d2);
		if (next == off)
			continue;
		/* The change lies in (t, t + day]: find its second. */
		int64_t lo = t, hi = t + day;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			int dm = 0;
			if (offset_locked(zone, mid, &dm) == off)
				lo = mid;
			else
				hi = mid;
		}
		observance(b, hi, off, next, d2);
		off = next;
	}
	pthread_mutex_unlock(&tz_lock);
	gc_buf_lit(b, "END:VTIMEZONE\r\n");
	return GC_OK;
}
