/*
 * Mustache templates (https://mustache.github.io/mustache.5.html): variables
 * (HTML-escaped by default; {{{x}}} and {{& x}} raw), dotted names, implicit
 * iterator {{.}}, sections, inverted sections, partials with standalone
 * indentation, comments and set delimiters. Lambdas are not supported.
 *
 * A template is compiled once and then rendered by many threads at once; a
 * compiled template is immutable. Values come from a context stack of jansson
 * values, searched from the top (last) down, as the spec describes.
 *
 * Conforms to the official spec's comments, delimiters, interpolation,
 * inverted, partials and sections files. Where the spec leaves a choice:
 *   - Escaping is gc_buf_html(): & < > " ' ` become entities, so a variable
 *     is safe in text and in attributes quoted with either quote (the spec
 *     asks only for & " < >, and none of its cases prints ' or `).
 *   - Falsey, as the spec's `!!data`: missing, null, false, "", 0, 0.0 and
 *     []. Every object, even {}, is truthy.
 *   - Integers print in decimal; reals in the fewest digits that read back
 *     to the same double (1.21 as "1.21"); true and false as words; null,
 *     objects and lists print nothing.
 *   - A standalone partial's indentation goes before each line of the
 *     partial's source (as the spec's reference implementation does), so
 *     line breaks inside interpolated values are not indented.
 *   - A set-delimiter tag may choose delimiters of up to 16 bytes without
 *     '='; tag names may not contain whitespace, nor empty dotted parts.
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
 * Compiles src (any bytes, NUL included) into *out, which the caller frees
 * with gc_template_free(). The template keeps no pointer into src; name is
 * copied. Errors, each with "name:line: what is wrong" in err (cut to
 * err_size; err may be NULL): GC_EINVAL for a malformed template (unclosed
 * tag or section, mismatched close, bad delimiters, bad name), GC_ETOOBIG for
 * a source over GC_MUSTACHE_MAX_SOURCE or sections nested past
 * GC_MUSTACHE_MAX_DEPTH, GC_ENOMEM. *out is NULL on any error.
 */
GC_MUST_CHECK gc_status gc_mustache_compile(const char *name, const char *src, size_t len,
					    struct gc_template **out, char *err, size_t err_size);
void gc_template_free(struct gc_template *tpl);
const char *gc_template_name(const struct gc_template *tpl);

/*
 * Finds a partial by name (not NUL-terminated); NULL renders nothing, as the
 * spec says. Called from the rendering thread; must be safe to call from
 * several threads at once when templates are rendered concurrently.
 */
typedef const struct gc_template *(*gc_partial_lookup)(void *lookup_ctx, const char *name, size_t name_len);

/*
 * Renders tpl into out. stack[0] is the bottom of the context stack and
 * stack[depth-1] the top. Values are only read, never changed or retained
 * (not even their reference counts), so several threads may render over the
 * same values. Errors: GC_ETOOBIG (output over out's maximum, sections and
 * partials nested past GC_MUSTACHE_MAX_DEPTH, or more than 2^24 nodes
 * visited, which bounds the work of loops that print nothing), GC_ENOMEM.
 * On an error out holds partial output, to be thrown away.
 */
GC_MUST_CHECK gc_status gc_mustache_render(const struct gc_template *tpl, const json_t *const *stack, size_t depth,
					   gc_partial_lookup lookup, void *lookup_ctx, struct gc_buf *out);

#endif
