/*
 * Markdown in user content → safe HTML, with cmark in safe mode: raw HTML is
 * dropped, and links or images whose URL is not https:, http:, mailto: or
 * relative lose their target (SECURITY.md O1, O2).
 */
#ifndef GC_RENDER_MARKDOWN_H
#define GC_RENDER_MARKDOWN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

#define GC_MARKDOWN_MAX_INPUT (256u * 1024u)

GC_MUST_CHECK gc_status gc_markdown_to_html(const char *md, size_t len, struct gc_buf *out);

#endif
