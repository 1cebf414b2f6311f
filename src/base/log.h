/*
 * Structured logs: one JSON object a line on standard error, with "time"
 * (UTC, ISO 8601 with milliseconds), "level" and "msg", plus fields given as
 * a jansson json_pack() format. Jansson escapes every value, so CR, LF, ANSI
 * escapes or NUL in a value cannot forge a line (SECURITY.md L3); values are
 * cut at GC_LOG_VALUE_MAX bytes.
 *
 *   gc_log(GC_LOG_INFO, "request", "{s:s, s:i}", "path", path, "status", 200);
 *
 * Never log a password, code, token or key.
 */
#ifndef GC_BASE_LOG_H
#define GC_BASE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum gc_log_level { GC_LOG_DEBUG, GC_LOG_INFO, GC_LOG_WARN, GC_LOG_ERROR };

#define GC_LOG_VALUE_MAX 4096

/* Messages below this level are dropped; the default is GC_LOG_INFO. */
void gc_log_set_level(enum gc_log_level level);
/* fmt is a json_pack() object format ("{s:s, ...}") or NULL. */
void gc_log(enum gc_log_level level, const char *msg, const char *fmt, ...);

/*
 * The same line for the hot path (one per request): fields are written
 * straight into one buffer with the JSON string escaper instead of through a
 * jansson object. Keys are trusted literals; string values must be UTF-8
 * (anything else is logged as "(invalid UTF-8)") and are cut like gc_log's.
 */
enum gc_log_type { GC_LOG_STRING, GC_LOG_INT, GC_LOG_MILLIS, GC_LOG_NULL };

struct gc_log_field {
	const char *key;
	enum gc_log_type type;
	const char *s;   /* GC_LOG_STRING; NULL logs null */
	int64_t i;       /* GC_LOG_INT */
	double ms;       /* GC_LOG_MILLIS: printed with three decimals */
};

void gc_log_fields(enum gc_log_level level, const char *msg, const struct gc_log_field *fields, size_t n);

#endif
