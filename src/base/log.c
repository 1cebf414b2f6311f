#include "base/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"

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

/* Writes one whole line with one write(2) run under the lock, so lines never interleave. */
static void log_write_line(const char *text, size_t n)
{
	pthread_mutex_lock(&log_lock);
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(STDERR_FILENO, text + off, n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	pthread_mutex_unlock(&log_lock);
}

/* The longest prefix of s, at most max bytes, that ends on a character boundary. */
static size_t log_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void gc_log_fields(enum gc_log_level level, const char *msg, const struct gc_log_field *fields, size_t n)
{
	if (level < log_min_level)
		return;
	struct gc_buf line;
	gc_buf_init(&line, n * (GC_LOG_VALUE_MAX * 6 + 64) + 256);
	gc_buf_char(&line, '{');
	for (size_t i = 0; i < n; i++) {
		const struct gc_log_field *f = &fields[i];
		gc_buf_json_str(&line, f->key, strlen(f->key));
		gc_buf_char(&line, ':');
		switch (f->type) {
		case GC_LOG_STRING:
			if (!f->s) {
				gc_buf_lit(&line, "null");
			} else {
				size_t len = strlen(f->s);
				if (gc_utf8_valid(f->s, len))
					gc_buf_json_str(&line, f->s, log_cut(f->s, len, GC_LOG_VALUE_MAX));
				else
					gc_buf_lit(&line, "\"(invalid UTF-8)\"");
			}
			break;
		case GC_LOG_INT:
			gc_buf_printf(&line, "%lld", (long long)f->i);
			break;
		case GC_LOG_MILLIS:
			gc_buf_printf(&line, "%.3f", f->ms);
			break;
		case GC_LOG_NULL:
			gc_buf_lit(&line, "null");
			break;
		}
		gc_buf_char(&line, ',');
	}
	char when[40];
	gc_clock_format_iso8601_ms(gc_clock_now_ms(), when, sizeof(when));
	gc_buf_lit(&line, "\"time\":\"");
	gc_buf_str_raw(&line, when);
	gc_buf_lit(&line, "\",\"level\":\"");
	gc_buf_str_raw(&line, level_name(level));
	gc_buf_lit(&line, "\",\"msg\":");
	gc_buf_json_str(&line, msg, strlen(msg));
	gc_buf_lit(&line, "}\n");
	if (!gc_buf_error(&line))
		log_write_line(gc_buf_str(&line), line.len);
	gc_buf_free(&line);
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
	log_write_line(text, n + 1);
	free(text);
}
