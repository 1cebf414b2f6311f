#include "base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void gc_buf_init(struct gc_buf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max = max;
	buf->err = GC_OK;
}

void gc_buf_free(struct gc_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void gc_buf_reset(struct gc_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
	buf->err = GC_OK;
}

const char *gc_buf_str(const struct gc_buf *buf)
{
	return buf->data ? buf->data : "";
}

/* Makes room for n more bytes plus the NUL; false (and err set) when it cannot. */
static int buf_reserve(struct gc_buf *buf, size_t n)
{
	if (buf->err)
		return 0;
	if (n > buf->max || buf->len > buf->max - n) {
		buf->err = GC_ETOOBIG;
		return 0;
	}
	size_t need = buf->len + n + 1;
	if (need <= buf->cap)
		return 1;
	size_t cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > buf->max + 1)
		cap = buf->max + 1;
	char *p = realloc(buf->data, cap);
	if (!p) {
		buf->err = GC_ENOMEM;
		return 0;
	}
	buf->data = p;
	buf->cap = cap;
	return 1;
}

char *gc_buf_take(struct gc_buf *buf, size_t *len)
{
	if (buf->err)
		return NULL;
	if (!buf->data) {
		if (!buf_reserve(buf, 0))
			return NULL;
		buf->data[0] = '\0'; /* nothing was written: the empty string, terminated */
	}
	char *p = buf->data;
	if (len)
		*len = buf->len;
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return p;
}

void gc_buf_raw(struct gc_buf *buf, const char *s, size_t n)
{
	if (!buf_reserve(buf, n))
		return;
	if (n)
		memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

void gc_buf_str_raw(struct gc_buf *buf, const char *s)
{
	gc_buf_raw(buf, s, strlen(s));
}

void gc_buf_char(struct gc_buf *buf, char c)
{
	gc_buf_raw(buf, &c, 1);
}

void gc_buf_vprintf(struct gc_buf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		if (!buf->err)
			buf->err = GC_EINVAL;
		return;
	}
	if (!buf_reserve(buf, (size_t)n))
		return;
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
}

void gc_buf_printf(struct gc_buf *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gc_buf_vprintf(buf, fmt, ap);
	va_end(ap);
}

void gc_buf_html(struct gc_buf *buf, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '`': rep = "&#96;"; break;
		default: continue;
		}
		gc_buf_raw(buf, s + start, i - start);
		gc_buf_str_raw(buf, rep);
		start = i + 1;
	}
	gc_buf_raw(buf, s + start, n - start);
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void buf_percent(struct gc_buf *buf, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			gc_buf_char(buf, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
			gc_buf_raw(buf, esc, 3);
		}
	}
}

void gc_buf_url_path(struct gc_buf *buf, const char *s, size_t n)
{
	buf_percent(buf, s, n, 1);
}

void gc_buf_url_query(struct gc_buf *buf, const char *s, size_t n)
{
	buf_percent(buf, s, n, 0);
}

void gc_buf_json_str(struct gc_buf *buf, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	gc_buf_char(buf, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		char u[6];
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		/* < > & escaped too, so JSON embedded in HTML cannot close a tag. */
		else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15];
			gc_buf_raw(buf, s + start, i - start);
			gc_buf_raw(buf, u, 6);
			start = i + 1;
			continue;
		} else
			continue;
		gc_buf_raw(buf, s + start, i - start);
		gc_buf_str_raw(buf, rep);
		start = i + 1;
	}
	gc_buf_raw(buf, s + start, n - start);
	gc_buf_char(buf, '"');
}

void gc_buf_header_value(struct gc_buf *buf, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') {
			if (!buf->err)
				buf->err = GC_EINVAL;
			return;
		}
	}
	gc_buf_raw(buf, s, n);
}

void gc_buf_csv_field(struct gc_buf *buf, const char *s, size_t n)
{
	int formula = n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
				s[0] == '\t' || s[0] == '\r');
	int quote = formula;
	for (size_t i = 0; i < n && !quote; i++)
		if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote) {
		gc_buf_raw(buf, s, n);
		return;
	}
	gc_buf_char(buf, '"');
	if (formula)
		gc_buf_char(buf, '\'');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			gc_buf_raw(buf, s + start, i + 1 - start);
			gc_buf_char(buf, '"');
			start = i + 1;
		}
	}
	gc_buf_raw(buf, s + start, n - start);
	gc_buf_char(buf, '"');
}
