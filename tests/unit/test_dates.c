/* Dates for people (render/dates.h): the six languages, one day and several, dates only, refusals. */
#include <criterion/criterion.h>
#include <string.h>

#include "render/dates.h"

static void expect_span(const char *lang, const char *a, const char *b, const char *want)
{
	char out[GC_DATES_MAX];
	cr_assert(gc_dates_span(lang, a, b, out, sizeof(out)), "%s %s %s refused", lang, a ? a : "-", b ? b : "-");
	cr_expect_str_eq(out, want, "%s: %s", lang, out);
}

Test(dates, one_day_with_hours_in_six_languages)
{
	const char *a = "2027-02-02T10:00:00", *b = "2027-02-02T13:00:00";
	expect_span("en", a, b, "2 Feb 2027, 10:00–13:00");
	expect_span("fr", a, b, "2 févr. 2027, 10:00–13:00");
	expect_span("es", a, b, "2 feb 2027, 10:00–13:00");
	expect_span("ru", a, b, "2 февр. 2027 г., 10:00–13:00");
	expect_span("ar", a, b, "2 فبراير 2027، 10:00–13:00");
	expect_span("zh", a, b, "2027年2月2日 10:00–13:00");
	/* Unknown languages read English. */
	expect_span("de", a, b, "2 Feb 2027, 10:00–13:00");
	expect_span(NULL, a, b, "2 Feb 2027, 10:00–13:00");
}

Test(dates, several_days_name_both)
{
	expect_span("en", "2027-03-30T09:30", "2027-04-01T17:00", "30 Mar 2027, 09:30 – 1 Apr 2027, 17:00");
	expect_span("zh", "2026-12-31T22:00:00", "2027-01-01T02:00:00", "2026年12月31日 22:00 – 2027年1月1日 02:00");
	expect_span("fr", "2027-07-14T08:00", "2027-08-15T18:00", "14 juil. 2027, 08:00 – 15 août 2027, 18:00");
}

Test(dates, dates_only)
{
	expect_span("en", "2027-05-01", "2027-06-30", "1 May 2027 – 30 Jun 2027");
	expect_span("en", "2027-05-01", "2027-05-01", "1 May 2027");
	expect_span("ru", "2027-05-01", NULL, "1 мая 2027 г.");
	expect_span("es", NULL, "2027-12-24", "– 24 dic 2027");
	expect_span("ar", "2027-09-10", "", "10 سبتمبر 2027");
	char out[GC_DATES_MAX];
	cr_assert(gc_dates_day("fr", "2027-12-03", out, sizeof(out)));
	cr_expect_str_eq(out, "3 déc. 2027");
	/* A date-time gives its date. */
	cr_assert(gc_dates_day("zh", "2027-02-02T10:00:00Z", out, sizeof(out)));
	cr_expect_str_eq(out, "2027年2月2日");
	cr_assert(gc_dates_day("en", "2028-02-29", out, sizeof(out)));
	cr_expect_str_eq(out, "29 Feb 2028");
}

Test(dates, refuses_malformed_and_small_buffers)
{
	char out[GC_DATES_MAX];
	const char *bad[] = { "", "2027-2-02", "2027-13-01", "2027-02-30", "2027-02-29", "2027/02/02", "20270202",
			      "2027-02-02T25:00", "2027-02-02T10:60", "2027-02-02X10:00", "2027-02-02T1", "0000-01-01" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(out, "x");
		cr_expect(!gc_dates_span("en", bad[i], NULL, out, sizeof(out)), "accepted %s", bad[i]);
		cr_expect_str_eq(out, "", "left text for %s", bad[i]);
	}
	cr_expect(!gc_dates_span("en", NULL, NULL, out, sizeof(out)));
	cr_expect(!gc_dates_span("en", "2027-02-02", "2027-02-3", out, sizeof(out)));
	char small[8];
	cr_expect(!gc_dates_span("en", "2027-02-02T10:00", "2027-02-02T13:00", small, sizeof(small)));
	cr_expect_str_eq(small, "");
	cr_expect(!gc_dates_day("ar", "2027-02-02", small, sizeof(small)));
	/* The longest output fits GC_DATES_MAX. */
	cr_expect(gc_dates_span("ar", "2027-09-30T23:59", "2027-11-30T23:59", out, sizeof(out)));
}

Test(dates, instants_in_utc)
{
	char out[GC_DATES_MAX];
	cr_assert(gc_dates_instant("en", "2026-11-28T09:54:22Z", out, sizeof(out)));
	cr_expect_str_eq(out, "28 Nov 2026, 09:54 UTC");
	cr_assert(gc_dates_instant("zh", "2026-11-28T09:54:22.123Z", out, sizeof(out)));
	cr_expect_str_eq(out, "2026年11月28日 09:54 UTC");
	cr_assert(gc_dates_instant("ar", "2026-01-05T00:00Z", out, sizeof(out)));
	cr_expect_str_eq(out, "5 يناير 2026، 00:00 UTC");
	const char *bad[] = { "2026-11-28T09:54:22", "2026-11-28", "2026-11-28Z", "2026-11-28T09:54:22+01:00Z",
			      "2026-11-28T09:54xZ", NULL };
	for (size_t i = 0; bad[i]; i++) {
		cr_expect(!gc_dates_instant("en", bad[i], out, sizeof(out)), "accepted %s", bad[i]);
		cr_expect_str_eq(out, "");
	}
	cr_expect(!gc_dates_instant("en", NULL, out, sizeof(out)));
}
