/*
 * Files built into the binary by tools/embed.py: templates/, static/,
 * locale/, data/ and docs/openapi.json, by their path in the source tree
 * ("templates/layout.mustache"). Each file's bytes are followed by a NUL, so
 * text files can be read as C strings.
 */
#ifndef GC_BASE_EMBEDDED_H
#define GC_BASE_EMBEDDED_H

#include <stddef.h>

struct gc_embedded_file {
	const char *path;
	const unsigned char *data;
	size_t size;            /* without the trailing NUL */
	const char *hash;       /* first 16 hex digits of the SHA-256: ETag and fingerprint */
};

extern const struct gc_embedded_file gc_embedded_files[];
extern const size_t gc_embedded_count;

/* The file at path, or NULL. */
const struct gc_embedded_file *gc_embedded_find(const char *path);

#endif
