/*
 * Checks for text that comes from outside: strict UTF-8 and the characters the
 * portal refuses (SECURITY.md I3). The rule, documented in docs/ARCHITECTURE.md:
 * input must be well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF), contain no NUL and no C0/C1 control other than TAB, LF and
 * CR, and no bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069).
 * Such input is refused, never silently changed.
 */
#ifndef GC_BASE_TEXT_H
#define GC_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 only (NUL allowed). */
bool gc_utf8_valid(const char *s, size_t n);

/* Well-formed and free of the refused characters above. */
bool gc_text_acceptable(const char *s, size_t n);

/* Same, but no line breaks either (single-line fields, header-like values). */
bool gc_text_acceptable_line(const char *s, size_t n);

/* Code points in s (s must be valid UTF-8). */
size_t gc_utf8_length(const char *s, size_t n);

/* ASCII case-insensitive equality of two NUL-terminated strings. */
bool gc_ascii_ieq(const char *a, const char *b);

#endif
