/*
 * The capacity module's time zones (src/modules/capacity/tz.c): names of the
 * system's tz database, local times to UTC on both sides of daylight-saving
 * changes, and the VTIMEZONE written for feeds.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/buf.h"
#include "modules/capacity/capacity.h"

Test(capacity_tz, names)
{
	cr_assert(capacity_tz_valid("Europe/Paris"));
	cr_assert(capacity_tz_valid("Africa/Nairobi"));
	cr_assert(capacity_tz_valid("America/Argentina/Buenos_Aires"));
	cr_assert(capacity_tz_valid("UTC"));
	cr_assert_not(capacity_tz_valid("Mars/Olympus"));
	cr_assert_not(capacity_tz_valid("../../etc/passwd"));
	cr_assert_not(capacity_tz_valid("/usr/share/zoneinfo/Europe/Paris"));
	cr_assert_not(capacity_tz_valid("Europe/Paris\r\nX-EVIL:1"));
	cr_assert_not(capacity_tz_valid(""));
	cr_assert_not(capacity_tz_valid(NULL));
}

Test(capacity_tz, local_to_utc_across_dst)
{
	int64_t t = 0;
	/* Paris: summer time (UTC+2) until 25 October 2026 03:00, then UTC+1. */
	cr_assert_eq(capacity_tz_to_utc("Europe/Paris", "2026-10-24T10:00", &t), GC_OK);
	cr_assert_eq(t, 1792828800); /* 2026-10-24T08:00:00Z */
	cr_assert_eq(capacity_tz_to_utc("Europe/Paris", "2026-10-26T16:00:00", &t), GC_OK);
	cr_assert_eq(t, 1793026800); /* 2026-10-26T15:00:00Z */
	cr_assert_eq(capacity_tz_to_utc("Africa/Nairobi", "2030-03-10T09:00", &t), GC_OK);
	cr_assert_eq(t, 1899352800); /* 2030-03-10T06:00:00Z */
	cr_assert_eq(capacity_tz_to_utc("UTC", "1970-01-01T00:00", &t), GC_OK);
	cr_assert_eq(t, 0);
	cr_assert_eq(capacity_tz_to_utc("UTC", "2030-02-29T00:00", &t), GC_EINVAL);
	cr_assert_eq(capacity_tz_to_utc("UTC", "2028-02-29T24:00", &t), GC_EINVAL);
	cr_assert_eq(capacity_tz_to_utc("UTC", "2028-02-29 10:00", &t), GC_EINVAL);
	cr_assert_eq(capacity_tz_to_utc("UTC", "1969-12-31T23:59", &t), GC_EINVAL);
	cr_assert_eq(capacity_tz_to_utc("Nowhere/Land", "2030-01-01T00:00", &t), GC_EINVAL);
}

Test(capacity_tz, vtimezone_has_the_changes_in_the_span)
{
	struct gc_buf b;
	gc_buf_init(&b, 1 << 16);
	/* 24 to 26 October 2026, a week of margin: the end of summer time only. */
	cr_assert_eq(capacity_tz_vtimezone(&b, "Europe/Paris", 1792828800, 1793026800), GC_OK);
	const char *s = gc_buf_str(&b);
	cr_assert(strncmp(s, "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n", 36) == 0, "%s", s);
	cr_assert(strstr(s, "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"), "%s", s);
	cr_assert(strstr(s, "END:VTIMEZONE\r\n"));
	cr_assert_null(strstr(s, "TZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nDTSTART:2027"), "nothing beyond the span");
	gc_buf_free(&b);
	gc_buf_init(&b, 1 << 16);
	cr_assert_eq(capacity_tz_vtimezone(&b, "Nowhere/Land", 0, 1), GC_EINVAL);
	gc_buf_free(&b);
}
