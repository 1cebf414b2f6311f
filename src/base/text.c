#include "base/text.h"

#include <stdint.h>

/* Decodes one code point at s[*i]; returns -1 on any malformed sequence. */
static int32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	int len;
	int32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return -1;
	}
	if (n - *i < (size_t)len)
		return -1;
	for (int k = 1; k < len; k++) {
		unsigned char cc = s[*i + (size_t)k];
		if ((cc & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (cc & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += (size_t)len;
	return cp;
}

bool gc_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n)
		if (utf8_next(u, n, &i) < 0)
			return false;
	return true;
}

static bool text_check(const char *s, size_t n, bool allow_breaks)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		int32_t cp = utf8_next(u, n, &i);
		if (cp < 0)
			return false;
		if (cp == '\t')
			continue;
		if (cp == '\n' || cp == '\r') {
			if (!allow_breaks)
				return false;
			continue;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return false;
		if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			return false;
	}
	return true;
}

bool gc_text_acceptable(const char *s, size_t n)
{
	return text_check(s, n, true);
}

bool gc_text_acceptable_line(const char *s, size_t n)
{
	return text_check(s, n, false);
}

size_t gc_utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

bool gc_ascii_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}
