/*
 * A region allocator with a cap, one per request (or per job).
 *
 * Everything allocated from an arena is freed at once by gc_arena_free().
 * Resources that are not memory (database handles, statements, temp files)
 * register a cleanup; cleanups run last-in first-out, before the memory goes.
 * An allocation that would take the arena over its cap returns NULL, so a
 * request cannot grow without bound.
 */
#ifndef GC_BASE_ARENA_H
#define GC_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "base/status.h"

struct gc_arena;

/* A new arena that refuses to hold more than cap bytes; NULL when out of memory. */
struct gc_arena *gc_arena_new(size_t cap);

/* Runs the cleanups, then frees every block. Accepts NULL. */
void gc_arena_free(struct gc_arena *arena);

/* n bytes aligned for any type, or NULL (over the cap, or out of memory). */
void *gc_arena_alloc(struct gc_arena *arena, size_t n);
void *gc_arena_calloc(struct gc_arena *arena, size_t count, size_t size);

/* NUL-terminated copies; NULL on failure. strndup copies exactly n bytes. */
char *gc_arena_strdup(struct gc_arena *arena, const char *s);
char *gc_arena_strndup(struct gc_arena *arena, const char *s, size_t n);

/* printf into the arena, for trusted formats only. NULL on failure. */
char *gc_arena_printf(struct gc_arena *arena, const char *fmt, ...) GC_PRINTF(2, 3);

/* Registers fn(data) to run when the arena is freed. */
GC_MUST_CHECK gc_status gc_arena_on_cleanup(struct gc_arena *arena, void (*fn)(void *), void *data);

/* Bytes handed out so far (for metrics and tests). */
size_t gc_arena_used(const struct gc_arena *arena);

#endif
