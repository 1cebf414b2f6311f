/*
 * Markdown in user content → safe HTML, with cmark in safe mode: raw HTML is
 * dropped, and links or images whose URL is not https:, http:, mailto: or
 * relative lose their target (SECURITY.md O1, O2).
 *
 * - A link whose URL is refused is replaced by its text: no <a> at all. The
 *   scheme is read as browsers read it ("  JaVaScRiPt:", "java\tscript:").
 * - An image never becomes <img>: the CSP allows only same-origin images and
 *   a page should not fetch what a contributor pointed at. It becomes a link
 *   to the image with its alt text (or its address) as the link's text, or
 *   just its alt text when the address is refused or it sits inside a link.
 * - Input over GC_MARKDOWN_MAX_INPUT bytes is GC_ETOOBIG, input that is not
 *   UTF-8 is GC_EINVAL; the HTML is appended to out, whose error is returned.
 */
#ifndef GC_RENDER_MARKDOWN_H
#define GC_RENDER_MARKDOWN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

#define GC_MARKDOWN_MAX_INPUT (256u * 1024u)

GC_MUST_CHECK gc_status gc_markdown_to_html(const char *md, size_t len, struct gc_buf *out);

#endif
