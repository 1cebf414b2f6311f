/* Strict parsers for numbers and percent-encoded text. Never atoi. */
#ifndef GC_BASE_PARSE_H
#define GC_BASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"

/*
 * A decimal integer in [min, max]: an optional '-', then 1 to 19 digits, and
 * nothing else (no spaces, no '+', no leading zeros but "0" itself).
 * GC_EINVAL when malformed, GC_ETOOBIG when out of range.
 */
GC_MUST_CHECK gc_status gc_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);

/*
 * Decodes %XX escapes (and '+' as a space when plus_is_space). GC_EINVAL on a
 * malformed escape, on a result that is not acceptable text (base/text.h,
 * line breaks allowed only when allow_breaks). Decoding happens once: a
 * "%252e" becomes the literal text "%2e", never ".". The result lives in the
 * arena and is NUL-terminated.
 */
GC_MUST_CHECK gc_status gc_percent_decode(struct gc_arena *arena, const char *s, size_t n, bool plus_is_space,
					  bool allow_breaks, char **out, size_t *out_len);

#endif
