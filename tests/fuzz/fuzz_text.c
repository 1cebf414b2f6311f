/*
 * base/text.h: gc_utf8_valid, gc_text_acceptable, gc_text_acceptable_line and
 * gc_utf8_length, against a second decoder written here another way: from
 * the table of well-formed byte sequences (Unicode 15, table 3-7) rather
 * than by decoding and then checking the range.
 *
 * Invariants: the four functions agree with the reference on every input;
 * acceptable implies valid; acceptable_line implies acceptable; a valid
 * prefix cut at a code point boundary stays valid.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/text.h"

/*
 * Length of the well-formed sequence at s[i] and its code point, or 0 when
 * the bytes there are not one (table 3-7 of the Unicode standard).
 */
static size_t ref_sequence(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
	static const struct {
		uint8_t lo[4], hi[4];
		size_t len;
	} table[] = {
		{ { 0x00 }, { 0x7f }, 1 },
		{ { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};
	for (size_t r = 0; r < sizeof(table) / sizeof(table[0]); r++) {
		size_t len = table[r].len;
		if (s[i] < table[r].lo[0] || s[i] > table[r].hi[0])
			continue;
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++)
			if (s[i + k] < table[r].lo[k] || s[i + k] > table[r].hi[k])
				return 0;
		/* The leading byte's payload bits, then six bits per continuation byte. */
		static const uint8_t lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
		uint32_t v = s[i] & lead_mask[len];
		for (size_t k = 1; k < len; k++)
			v = v << 6 | (s[i + k] & 0x3f);
		*cp = v;
		return len;
	}
	return 0;
}

static bool refused(uint32_t cp, bool allow_breaks)
{
	if (cp == '\t')
		return false;
	if (cp == '\n' || cp == '\r')
		return !allow_breaks;
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true; /* NUL, C0 and C1 controls, DEL */
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069); /* bidi overrides, isolates */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool valid = true, acceptable = true, acceptable_line = true;
	size_t count = 0, last_boundary = 0;

	for (size_t i = 0; i < size;) {
		uint32_t cp;
		size_t len = ref_sequence(data, size, i, &cp);
		if (len == 0) {
			valid = acceptable = acceptable_line = false;
			break;
		}
		if (refused(cp, true))
			acceptable = false;
		if (refused(cp, false))
			acceptable_line = false;
		count++;
		last_boundary = i;
		i += len;
	}

	bool got_valid = gc_utf8_valid(s, size);
	bool got_acceptable = gc_text_acceptable(s, size);
	bool got_line = gc_text_acceptable_line(s, size);
	if (got_valid != valid || got_acceptable != acceptable || got_line != acceptable_line) {
		fuzz_dump("input", data, size);
		fprintf(stderr, "  valid %d/%d acceptable %d/%d line %d/%d (library/reference)\n", got_valid, valid,
			got_acceptable, acceptable, got_line, acceptable_line);
	}
	FUZZ_CHECK(got_valid == valid, "gc_utf8_valid disagrees with the reference decoder");
	FUZZ_CHECK(got_acceptable == acceptable, "gc_text_acceptable disagrees with the reference");
	FUZZ_CHECK(got_line == acceptable_line, "gc_text_acceptable_line disagrees with the reference");
	FUZZ_CHECK(!got_line || got_acceptable, "a single line is acceptable but not as text");
	FUZZ_CHECK(!got_acceptable || got_valid, "acceptable text that is not UTF-8");
	if (valid) {
		size_t got_count = gc_utf8_length(s, size);
		FUZZ_CHECK(got_count == count, "gc_utf8_length %zu, reference %zu", got_count, count);
		FUZZ_CHECK(gc_utf8_valid(s, last_boundary), "a prefix cut at a code point is not valid");
	}
	return 0;
}
