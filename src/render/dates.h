/*
 * Dates and times for people, in the reader's language (one of the six UN
 * languages; anything else is English). Month names come from a table
 * here, not from the system's locales, so the output does not depend on
 * which locales a server has installed. Machine-readable values stay in
 * <time datetime="..."> beside the text these functions write.
 *
 *   en  2 Feb 2027            2 Feb 2027, 10:00–13:00
 *   fr  2 févr. 2027          2 févr. 2027, 10:00–13:00
 *   es  2 feb 2027            2 feb 2027, 10:00–13:00
 *   ru  2 февр. 2027 г.       2 февр. 2027 г., 10:00–13:00
 *   ar  2 فبراير 2027         2 فبراير 2027، 10:00–13:00
 *   zh  2027年2月2日           2027年2月2日 10:00–13:00
 *
 * A span over several days names both: "2 Feb 2027, 10:00 – 4 Feb 2027,
 * 13:00"; a span of dates only: "2 Feb 2027 – 4 Feb 2027", or one date
 * when both are the same day. Digits are ASCII in every language.
 */
#ifndef GC_RENDER_DATES_H
#define GC_RENDER_DATES_H

#include <stdbool.h>
#include <stddef.h>

/* The longest text the functions below write, with its NUL. */
#define GC_DATES_MAX 128

/*
 * Writes date "YYYY-MM-DD" (anything after the tenth byte is ignored, so an
 * ISO 8601 date-time gives its date) for people in lang. false, and out
 * empty, when the date is malformed or out is too small.
 */
bool gc_dates_day(const char *lang, const char *iso, char *out, size_t size);

/*
 * Writes the span from start to end: each "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM[:SS...]" (local times: no conversion happens). end may
 * be NULL or empty (start alone), and start may be NULL when end is given
 * ("– 4 Feb 2027"). false, and out empty, when a value is malformed or out
 * is too small.
 */
bool gc_dates_span(const char *lang, const char *start, const char *end, char *out, size_t size);

/*
 * Writes a UTC instant "YYYY-MM-DDTHH:MM[:SS[.fff]]Z" (the portal's stored
 * timestamps) as its UTC date and minute with " UTC": "28 Nov 2026, 09:54
 * UTC", "2026年11月28日 09:54 UTC". false, and out empty, unless it is such
 * an instant ending in 'Z' and fits.
 */
bool gc_dates_instant(const char *lang, const char *iso, char *out, size_t size);

/*
 * The same span in three parts, so that a page can put each end in its own
 * <time datetime>: from (empty when start is missing), sep ("–" within
 * one day, " – " across days, "" when there is one value), to (empty when
 * there is only one value: the end of a one-day span of dates, or a span
 * without end). false, all empty, when a value is malformed.
 */
struct gc_dates_parts {
	char from[GC_DATES_MAX];
	const char *sep;
	char to[GC_DATES_MAX];
};
bool gc_dates_span_parts(const char *lang, const char *start, const char *end, struct gc_dates_parts *out);

#endif
