/* Wall-clock time (UTC) for records, the monotonic clock for timeouts. */
#ifndef GC_BASE_CLOCK_H
#define GC_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Milliseconds since the Unix epoch (wall clock, UTC). */
int64_t gc_clock_now_ms(void);
/* Seconds since the Unix epoch. */
int64_t gc_clock_now(void);
/* Milliseconds on the monotonic clock: for durations and timeouts only. */
int64_t gc_clock_monotonic_ms(void);

/* "2026-11-28T09:15:00Z"; out must hold 21 bytes. */
void gc_clock_format_iso8601(int64_t unix_seconds, char *out, size_t size);
/* "2026-11-28T09:15:00.123Z"; out must hold 25 bytes. */
void gc_clock_format_iso8601_ms(int64_t unix_ms, char *out, size_t size);
/* RFC 7231 HTTP date, "Sat, 28 Nov 2026 09:15:00 GMT"; out must hold 30 bytes. */
void gc_clock_format_http(int64_t unix_seconds, char *out, size_t size);
/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" strictly into Unix seconds. */
GC_MUST_CHECK gc_status gc_clock_parse_iso8601(const char *s, int64_t *out);
/* An HTTP date in the one form senders must use (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT",
 * what gc_clock_format_http writes); the obsolete forms and anything else are GC_EINVAL. */
GC_MUST_CHECK gc_status gc_clock_parse_http(const char *s, int64_t *out);

#endif
