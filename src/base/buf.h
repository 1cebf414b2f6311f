/*
 * The one string builder: a growable, always NUL-terminated byte buffer with a
 * mandatory maximum size and a sticky error.
 *
 * Appenders never fail loudly: the first failure (out of memory, over the
 * maximum, a refused byte) is remembered in buf->err and later appends do
 * nothing, so a caller appends freely and checks gc_buf_error() once at the end.
 *
 * Data reaches output only through an appender named for its context. Use
 * gc_buf_raw() for literals and for markup that is already trusted.
 *
 *   struct gc_buf b;
 *   gc_buf_init(&b, 1 << 20);
 *   gc_buf_lit(&b, "<p>");
 *   gc_buf_html(&b, user_text, strlen(user_text));
 *   gc_buf_lit(&b, "</p>");
 *   if (gc_buf_error(&b)) ...
 *   size_t len; char *bytes = gc_buf_take(&b, &len);  // caller frees bytes with free()
 */
#ifndef GC_BASE_BUF_H
#define GC_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "base/status.h"

struct gc_buf {
	char *data;  /* heap, NUL-terminated when not NULL */
	size_t len;  /* bytes before the terminating NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* most bytes the buffer may ever hold (without the NUL) */
	gc_status err; /* first failure, sticky */
};

void gc_buf_init(struct gc_buf *buf, size_t max);
/* Frees the bytes; the buffer may be reused after gc_buf_init(). Accepts NULL. */
void gc_buf_free(struct gc_buf *buf);
/* Empties the buffer and clears its error, keeping its memory. */
void gc_buf_reset(struct gc_buf *buf);
static inline gc_status gc_buf_error(const struct gc_buf *buf) { return buf->err; }
/* The bytes so far, "" when empty; valid until the next append. */
const char *gc_buf_str(const struct gc_buf *buf);

/*
 * Hands the bytes to the caller (who frees them with free()) and leaves the
 * buffer empty. Returns NULL if the buffer has an error. Never NULL otherwise,
 * even when empty.
 */
char *gc_buf_take(struct gc_buf *buf, size_t *len);

/* Trusted bytes: literals and markup that is already safe. */
void gc_buf_raw(struct gc_buf *buf, const char *s, size_t n);
#define gc_buf_lit(buf, literal) gc_buf_raw((buf), "" literal, sizeof(literal) - 1)
void gc_buf_str_raw(struct gc_buf *buf, const char *s);
void gc_buf_char(struct gc_buf *buf, char c);
/* printf for trusted formats whose arguments are numbers or trusted text. */
void gc_buf_printf(struct gc_buf *buf, const char *fmt, ...) GC_PRINTF(2, 3);
void gc_buf_vprintf(struct gc_buf *buf, const char *fmt, va_list ap) GC_PRINTF(2, 0);

/*
 * HTML text and attribute values (quoted with either quote): escapes
 * & < > " ' ` and refuses nothing. The same escaping is safe in both contexts.
 */
void gc_buf_html(struct gc_buf *buf, const char *s, size_t n);
#define gc_buf_attr gc_buf_html

/* A URL path: percent-encodes everything but unreserved characters and '/'. */
void gc_buf_url_path(struct gc_buf *buf, const char *s, size_t n);
/* A URL query name or value: percent-encodes everything but unreserved characters. */
void gc_buf_url_query(struct gc_buf *buf, const char *s, size_t n);
/* A JSON string, with its quotes; the input must be UTF-8. */
void gc_buf_json_str(struct gc_buf *buf, const char *s, size_t n);
/* A header value: refuses CR, LF and NUL (sets GC_EINVAL). */
void gc_buf_header_value(struct gc_buf *buf, const char *s, size_t n);
/* A CSV field (RFC 4180), quoted when needed; a leading = + - @ is prefixed
 * with ' so spreadsheets do not run it as a formula. */
void gc_buf_csv_field(struct gc_buf *buf, const char *s, size_t n);

#endif
