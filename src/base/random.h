/* Random tokens and identifiers from libsodium's CSPRNG. */
#ifndef GC_BASE_RANDOM_H
#define GC_BASE_RANDOM_H

#include <stddef.h>

#include "base/status.h"

/* Must run once before threads start (initialises libsodium). */
GC_MUST_CHECK gc_status gc_random_init(void);
void gc_random_bytes(void *out, size_t n);
/* bytes random bytes as lower-case hex into out (2*bytes+1 bytes, NUL-terminated). */
void gc_random_hex(char *out, size_t bytes);

#endif
