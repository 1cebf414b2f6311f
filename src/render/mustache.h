/*
 * Mustache templates (https://mustache.github.io/mustache.5.html): variables
 * (HTML-escaped by default; {{{x}}} and {{& x}} raw), dotted names, implicit
 * iterator {{.}}, sections, inverted sections, partials with standalone
 * indentation, comments and set delimiters. Lambdas are not supported.
 *
 * A template is compiled once and then rendered by many threads at once; a
 * compiled template is immutable. Values come from a context stack of jansson
 * values, searched from the top (last) down, as the spec describes.
 */
#ifndef GC_RENDER_MUSTACHE_H
#define GC_RENDER_MUSTACHE_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

#define GC_MUSTACHE_MAX_DEPTH 64     /* nested sections and partials while rendering */
#define GC_MUSTACHE_MAX_SOURCE (1u << 20)

struct gc_template;

/*
 * Compiles src. On GC_EINVAL, err receives "name:line: what is wrong".
 * The template keeps no pointer into src.
 */
GC_MUST_CHECK gc_status gc_mustache_compile(const char *name, const char *src, size_t len,
					    struct gc_template **out, char *err, size_t err_size);
void gc_template_free(struct gc_template *tpl);
const char *gc_template_name(const struct gc_template *tpl);

/* Finds a partial by name; NULL renders nothing, as the spec says. */
typedef const struct gc_template *(*gc_partial_lookup)(void *lookup_ctx, const char *name, size_t name_len);

/*
 * Renders tpl into out. stack[0] is the bottom of the context stack and
 * stack[depth-1] the top. Values are only read, never changed or retained.
 * Errors: GC_ETOOBIG (output over out's maximum or nesting past
 * GC_MUSTACHE_MAX_DEPTH), GC_ENOMEM.
 */
GC_MUST_CHECK gc_status gc_mustache_render(const struct gc_template *tpl, const json_t *const *stack, size_t depth,
					   gc_partial_lookup lookup, void *lookup_ctx, struct gc_buf *out);

#endif
