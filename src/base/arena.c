#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE 8192

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *data;
};

struct gc_arena {
	struct arena_block *blocks;
	struct arena_cleanup *cleanups;
	size_t cap;
	size_t used;
};

struct gc_arena *gc_arena_new(size_t cap)
{
	struct gc_arena *arena = calloc(1, sizeof(*arena));
	if (arena)
		arena->cap = cap;
	return arena;
}

void gc_arena_free(struct gc_arena *arena)
{
	if (!arena)
		return;
	while (arena->cleanups) {
		struct arena_cleanup *c = arena->cleanups;
		arena->cleanups = c->next;
		c->fn(c->data);
		free(c);
	}
	while (arena->blocks) {
		struct arena_block *b = arena->blocks;
		arena->blocks = b->next;
		free(b);
	}
	free(arena);
}

void *gc_arena_alloc(struct gc_arena *arena, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		return NULL;
	size_t rounded = (n + align - 1) & ~(align - 1);
	if (rounded > arena->cap - arena->used || arena->used > arena->cap)
		return NULL;
	struct arena_block *b = arena->blocks;
	if (!b || b->size - b->used < rounded) {
		size_t size = rounded > ARENA_BLOCK_SIZE ? rounded : ARENA_BLOCK_SIZE;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		/* A large one-off block goes behind the current one so the
		 * current block's free space is still used. */
		if (arena->blocks && size == rounded && rounded > ARENA_BLOCK_SIZE) {
			b->next = arena->blocks->next;
			arena->blocks->next = b;
		} else {
			b->next = arena->blocks;
			arena->blocks = b;
		}
	}
	void *p = b->data + b->used;
	b->used += rounded;
	arena->used += rounded;
	return p;
}

void *gc_arena_calloc(struct gc_arena *arena, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	void *p = gc_arena_alloc(arena, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

char *gc_arena_strndup(struct gc_arena *arena, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = gc_arena_alloc(arena, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *gc_arena_strdup(struct gc_arena *arena, const char *s)
{
	return gc_arena_strndup(arena, s, strlen(s));
}

char *gc_arena_printf(struct gc_arena *arena, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = gc_arena_alloc(arena, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

gc_status gc_arena_on_cleanup(struct gc_arena *arena, void (*fn)(void *), void *data)
{
	/* Cleanup records come from the heap, not the arena, so registering one
	 * still works when the arena is at its cap. */
	struct arena_cleanup *c = malloc(sizeof(*c));
	if (!c)
		return GC_ENOMEM;
	c->fn = fn;
	c->data = data;
	c->next = arena->cleanups;
	arena->cleanups = c;
	return GC_OK;
}

size_t gc_arena_used(const struct gc_arena *arena)
{
	return arena->used;
}
