/*
 * The portal's templates: every file under templates/ embedded in the binary
 * at build time and compiled once at start-up. A template's name is its path
 * under templates/ without ".mustache" ("layout", "countries/list").
 * Partials are looked up by the same names.
 */
#ifndef GC_RENDER_TEMPLATES_H
#define GC_RENDER_TEMPLATES_H

#include "render/mustache.h"

struct gc_templates;

GC_MUST_CHECK gc_status gc_templates_load(struct gc_templates **out, char *err, size_t err_size);
void gc_templates_free(struct gc_templates *set);
const struct gc_template *gc_templates_get(const struct gc_templates *set, const char *name);

/* Renders the named template with the set's partials. GC_ENOTFOUND for an unknown name. */
GC_MUST_CHECK gc_status gc_templates_render(const struct gc_templates *set, const char *name,
					    const json_t *const *stack, size_t depth, struct gc_buf *out);

#endif
