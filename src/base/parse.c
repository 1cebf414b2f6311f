#include "base/parse.h"

#include "base/text.h"

gc_status gc_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool negative = false;
	if (n > 0 && s[0] == '-') {
		negative = true;
		i = 1;
	}
	size_t digits = n - i;
	if (digits == 0)
		return GC_EINVAL;
	/* Malformed before out of range: "aaaaaaaaaaaaaaaaaaaa" is not a big number. */
	for (size_t k = i; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return GC_EINVAL;
	if (digits > 1 && s[i] == '0')
		return GC_EINVAL;
	if (digits > 19)
		return GC_ETOOBIG;
	uint64_t value = 0;
	for (; i < n; i++)
		value = value * 10 + (uint64_t)(s[i] - '0');
	/* 19 digits fit in uint64_t; anything beyond INT64 range is too big. */
	if (negative) {
		if (value > (uint64_t)INT64_MAX + 1)
			return GC_ETOOBIG;
		int64_t v = value == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)value;
		if (v < min || v > max)
			return GC_ETOOBIG;
		*out = v;
	} else {
		if (value > (uint64_t)INT64_MAX || (int64_t)value < min || (int64_t)value > max)
			return GC_ETOOBIG;
		*out = (int64_t)value;
	}
	return GC_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

gc_status gc_percent_decode(struct gc_arena *arena, const char *s, size_t n, bool plus_is_space, bool allow_breaks,
			    char **out, size_t *out_len)
{
	char *d = gc_arena_alloc(arena, n + 1);
	if (!d)
		return GC_ENOMEM;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3)
				return GC_EINVAL;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return GC_EINVAL;
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			d[j++] = ' ';
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	if (allow_breaks ? !gc_text_acceptable(d, j) : !gc_text_acceptable_line(d, j))
		return GC_EINVAL;
	*out = d;
	if (out_len)
		*out_len = j;
	return GC_OK;
}
