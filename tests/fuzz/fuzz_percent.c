/*
 * base/parse.h: gc_percent_decode and gc_parse_i64, each checked against a
 * small reference written here from the header's contract.
 *
 * Input: one mode byte, then the text.
 *   bit 0: plus_is_space      bit 1: allow_breaks
 *   bits 2-4: the [min, max] range of gc_parse_i64 (see ranges[])
 * With bits 5-7 all set and at least 17 bytes, the next 16 bytes are the
 * range itself (two little-endian int64s), the rest the text.
 *
 * Invariants:
 *  - decode: GC_OK exactly when the reference says the escapes are well
 *    formed and the result is acceptable text (base/text.h; line breaks only
 *    with allow_breaks); then the same bytes, NUL-terminated, never longer
 *    than the input; "%25xx" is decoded once;
 *  - parse_i64: the same status as the reference and, on GC_OK, the same
 *    value inside [min, max]; the output is untouched on failure.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/arena.h"
#include "base/parse.h"
#include "base/text.h"

static int ref_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The reference decoder: false on a malformed escape. out holds n + 1 bytes. */
static bool ref_decode(const uint8_t *s, size_t n, bool plus, uint8_t *out, size_t *out_len)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return false; /* a '%' without two bytes after it */
			int hi = ref_hex(s[i + 1]), lo = ref_hex(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			out[j++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else {
			out[j++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	*out_len = j;
	return true;
}

/* The reference integer parser, straight from the header's words. */
static gc_status ref_i64(const uint8_t *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	size_t i = n > 0 && s[0] == '-' ? 1 : 0;
	bool negative = i == 1;
	if (i == n)
		return GC_EINVAL; /* no digits */
	for (size_t k = i; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return GC_EINVAL; /* a space, a '+', anything */
	if (n - i > 1 && s[i] == '0')
		return GC_EINVAL; /* a leading zero */
	__int128 v = 0;
	for (size_t k = i; k < n; k++) {
		v = v * 10 + (s[k] - '0');
		if (v > ((__int128)1 << 64))
			return GC_ETOOBIG; /* well past any int64 */
	}
	if (negative)
		v = -v;
	if (v < min || v > max)
		return GC_ETOOBIG;
	*out = (int64_t)v;
	return GC_OK;
}

static const struct {
	int64_t min, max;
} ranges[8] = {
	{ INT64_MIN, INT64_MAX }, { 0, INT64_MAX }, { 1, 100 }, { -5, 5 },
	{ INT64_MIN, -1 },        { 0, 0 },         { 1, 1000000 }, { INT64_MIN + 1, INT64_MAX - 1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	bool plus = mode & 1, breaks = mode & 2;
	int64_t min = ranges[(mode >> 2) & 7].min, max = ranges[(mode >> 2) & 7].max;
	data++;
	size--;
	if ((mode & 0xe0) == 0xe0 && size >= 16) {
		memcpy(&min, data, 8);
		memcpy(&max, data + 8, 8);
		data += 16;
		size -= 16;
	}
	const char *s = (const char *)data;

	/* gc_percent_decode */
	struct gc_arena *arena = gc_arena_new(2 * size + 4096);
	uint8_t *want = malloc(size + 1);
	if (!arena || !want)
		abort();
	char *got = NULL;
	size_t got_len = (size_t)-1, want_len = 0;
	gc_status st = gc_percent_decode(arena, s, size, plus, breaks, &got, &got_len);
	bool well_formed = ref_decode(data, size, plus, want, &want_len);
	bool acceptable = well_formed && (breaks ? gc_text_acceptable((char *)want, want_len)
						 : gc_text_acceptable_line((char *)want, want_len));
	if (st == GC_OK) {
		FUZZ_CHECK(acceptable, "decoded although %s", well_formed ? "the text is refused" : "an escape is malformed");
		FUZZ_CHECK(got && got_len == want_len && memcmp(got, want, want_len) == 0 && got[got_len] == '\0',
			   "decoded to other bytes than the reference");
		FUZZ_CHECK(got_len <= size, "the result is longer than the input");
	} else {
		FUZZ_CHECK(st == GC_EINVAL, "status %s", gc_status_name(st));
		if (acceptable) {
			fuzz_dump("input", data, size);
			fuzz_dump("reference", want, want_len);
		}
		FUZZ_CHECK(!acceptable, "refused well-formed, acceptable text");
		FUZZ_CHECK(got == NULL && got_len == (size_t)-1, "outputs written on failure");
	}
	free(want);
	gc_arena_free(arena);

	/* gc_parse_i64 */
	int64_t sentinel = 0x5a5a5a5a5a5a5a5a, v = sentinel, ref = sentinel;
	gc_status a = gc_parse_i64(s, size, min, max, &v);
	gc_status b = ref_i64(data, size, min, max, &ref);
	if (a != b || v != ref) {
		fuzz_dump("input", data, size);
		fprintf(stderr, "  range [%lld, %lld]: gc_parse_i64 %s %lld, reference %s %lld\n", (long long)min,
			(long long)max, gc_status_name(a), (long long)v, gc_status_name(b), (long long)ref);
	}
	FUZZ_CHECK(a == b, "gc_parse_i64 and the reference disagree on the status");
	FUZZ_CHECK(v == ref, "gc_parse_i64 and the reference disagree on the value");
	return 0;
}
