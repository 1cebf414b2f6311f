/*
 * What every fuzz target shares: the libFuzzer entry points and a check that
 * turns a broken invariant into a crash (so libFuzzer keeps the input and
 * scripts/fuzz fails), saying which invariant and why.
 */
#ifndef GC_FUZZ_H
#define GC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                        \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			fprintf(stderr, "\n%s:%d: invariant broken: %s\n  ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                                \
			fputc('\n', stderr);                                                         \
			abort();                                                                     \
		}                                                                                    \
	} while (0)

/* A NUL-terminated heap copy of data (for APIs that take C strings); free() it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Prints bytes for a failure message, escaping what is not printable ASCII. */
static inline void fuzz_dump(const char *label, const void *p, size_t n)
{
	const unsigned char *s = p;
	fprintf(stderr, "  %s (%zu bytes): \"", label, n);
	for (size_t i = 0; i < n && i < 400; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			fputc(s[i], stderr);
		else
			fprintf(stderr, "\\x%02x", s[i]);
	}
	fprintf(stderr, "%s\"\n", n > 400 ? "..." : "");
}

#endif
