#include "base/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

static enum gc_log_level log_min_level = GC_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void gc_log_set_level(enum gc_log_level level)
{
	log_min_level = level;
}

static const char *level_name(enum gc_log_level level)
{
	switch (level) {
	case GC_LOG_DEBUG: return "debug";
	case GC_LOG_INFO: return "info";
	case GC_LOG_WARN: return "warn";
	case GC_LOG_ERROR: return "error";
	}
	return "info";
}

/* Cuts over-long string values so one log line stays bounded. */
static void log_truncate_values(json_t *obj)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value) {
		if (json_is_string(value) && json_string_length(value) > GC_LOG_VALUE_MAX) {
			size_t n = GC_LOG_VALUE_MAX;
			const char *s = json_string_value(value);
			while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
			json_string_setn_nocheck(value, s, n);
		}
	}
}

void gc_log(enum gc_log_level level, const char *msg, const char *fmt, ...)
{
	if (level < log_min_level)
		return;
	json_t *line = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		json_error_t error;
		line = json_vpack_ex(&error, 0, fmt, ap);
		va_end(ap);
	}
	if (!json_is_object(line)) {
		json_decref(line);
		line = json_object();
		if (!line)
			return;
	}
	log_truncate_values(line);
	char when[40];
	gc_clock_format_iso8601_ms(gc_clock_now_ms(), when, sizeof(when));
	json_object_set_new(line, "time", json_string(when));
	json_object_set_new(line, "level", json_string(level_name(level)));
	json_object_set_new(line, "msg", json_string(msg));
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
	json_decref(line);
	if (!text)
		return;
	size_t n = strlen(text);
	text[n] = '\n';
	pthread_mutex_lock(&log_lock);
	size_t off = 0;
	while (off < n + 1) {
		ssize_t w = write(STDERR_FILENO, text + off, n + 1 - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	pthread_mutex_unlock(&log_lock);
	free(text);
}
