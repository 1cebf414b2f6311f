#include "render/markdown.h"

#include <cmark.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/*
 * cmark 0.30 is safe by default (raw HTML becomes a comment, and its own
 * list of dangerous URLs loses its href): never pass CMARK_OPT_UNSAFE here.
 * Our own allow-list below is stricter than cmark's, which lets data:image
 * URLs through.
 */
#define MD_OPTIONS CMARK_OPT_DEFAULT

/* A growable list of nodes, collected first because the tree must not change under an iterator. */
struct node_list {
	cmark_node **items;
	size_t count, cap;
};

static gc_status node_list_push(struct node_list *list, cmark_node *node)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;
		cmark_node **items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return GC_ENOMEM;
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = node;
	return GC_OK;
}

/* cmark's destructors do not accept NULL; ours do. */
static void node_free(cmark_node *node)
{
	if (node)
		cmark_node_free(node);
}

static void iter_free(cmark_iter *iter)
{
	if (iter)
		cmark_iter_free(iter);
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/*
 * Whether a link may keep url: a relative reference, or an http:, https: or
 * mailto: URL. The scheme is read as a browser reads it: leading spaces and
 * control characters are skipped and tabs and line breaks anywhere are
 * ignored, so "  JaVaScRiPt:" and "java\tscript:" are both javascript:.
 * Anything else before the first ':' (a control character, a space, a
 * non-ASCII byte) makes the URL refused rather than guessed at.
 */
static bool url_allowed(const char *url)
{
	static const char *const allowed[] = { "http", "https", "mailto" };
	char scheme[8];
	size_t n = 0;
	bool overflow = false;
	const unsigned char *u = (const unsigned char *)url;

	if (!u)
		return true;
	while (*u && *u <= 0x20)
		u++;
	for (;; u++) {
		unsigned char c = *u;
		if (c == '\0' || c == '/' || c == '?' || c == '#')
			return true; /* no scheme: relative */
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == ':')
			break;
		if (n < sizeof(scheme))
			scheme[n++] = ascii_lower((char)c);
		else
			overflow = true;
	}
	if (overflow)
		return false;
	for (size_t i = 0; i < GC_ARRAY_LEN(allowed); i++)
		if (strlen(allowed[i]) == n && memcmp(allowed[i], scheme, n) == 0)
			return true;
	return false;
}

/* Replaces node by its children, in place: a link that may not link keeps its text. */
static void unwrap(cmark_node *node)
{
	cmark_node *child;
	while ((child = cmark_node_first_child(node)) != NULL) {
		cmark_node_unlink(child);
		cmark_node_insert_before(node, child);
	}
	cmark_node_free(node);
}

/* The plain text of an image's description, as a browser would show its alt. */
static gc_status alt_text(cmark_node *image, char **out)
{
	size_t len = 0, cap = 64;
	char *text = malloc(cap);
	cmark_iter *iter = cmark_iter_new(image);
	gc_status st = GC_OK;
	cmark_event_type ev;

	if (!text || !iter) {
		st = GC_ENOMEM;
		goto out;
	}
	while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		const char *piece = NULL;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			piece = cmark_node_get_literal(node);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			piece = " ";
			break;
		default:
			break;
		}
		size_t n = piece ? strlen(piece) : 0;
		if (n == 0)
			continue;
		if (len + n + 1 > cap) {
			while (len + n + 1 > cap)
				cap *= 2;
			char *bigger = realloc(text, cap);
			if (!bigger) {
				st = GC_ENOMEM;
				goto out;
			}
			text = bigger;
		}
		memcpy(text + len, piece, n);
		len += n;
	}
	text[len] = '\0';
	*out = text;
	text = NULL;
out:
	iter_free(iter);
	free(text);
	return st;
}

static bool inside_link(cmark_node *node)
{
	for (cmark_node *p = cmark_node_parent(node); p; p = cmark_node_parent(p))
		if (cmark_node_get_type(p) == CMARK_NODE_LINK)
			return true;
	return false;
}

/*
 * The page's Content-Security-Policy allows same-origin images only, and a
 * page should not make its readers' browsers fetch whatever a contributor
 * pointed at. So an image becomes a link to it, its alt text (or, without
 * one, its address) as the link's text; it becomes its bare alt text when
 * its address is not allowed or when it already sits inside a link (links
 * cannot nest).
 */
static gc_status replace_image(cmark_node *image)
{
	char *alt = NULL;
	cmark_node *link = NULL, *text = NULL;
	gc_status st = alt_text(image, &alt);
	if (st != GC_OK)
		goto out;
	const char *url = cmark_node_get_url(image);
	bool as_link = url && *url && url_allowed(url) && !inside_link(image);

	text = cmark_node_new(CMARK_NODE_TEXT);
	if (!text || !cmark_node_set_literal(text, as_link && !*alt ? url : alt)) {
		st = GC_ENOMEM;
		goto out;
	}
	if (as_link) {
		link = cmark_node_new(CMARK_NODE_LINK);
		const char *title = cmark_node_get_title(image);
		if (!link || !cmark_node_set_url(link, url) || !cmark_node_set_title(link, title ? title : "") ||
		    !cmark_node_append_child(link, text)) {
			st = GC_ENOMEM;
			goto out;
		}
		text = NULL;
	}
	if (!cmark_node_replace(image, link ? link : text)) {
		st = GC_ENOMEM;
		goto out;
	}
	link = NULL;
	text = NULL;
	cmark_node_free(image);
out:
	node_free(link);
	node_free(text);
	free(alt);
	return st;
}

gc_status gc_markdown_to_html(const char *md, size_t len, struct gc_buf *out)
{
	struct node_list links = { 0 }, images = { 0 };
	cmark_node *doc = NULL;
	cmark_iter *iter = NULL;
	char *html = NULL;
	gc_status st = GC_OK;

	if (len > GC_MARKDOWN_MAX_INPUT) {
		st = GC_ETOOBIG;
		goto out;
	}
	if ((!md && len) || (md && !gc_utf8_valid(md, len))) {
		st = GC_EINVAL;
		goto out;
	}
	doc = cmark_parse_document(md ? md : "", len, MD_OPTIONS);
	iter = doc ? cmark_iter_new(doc) : NULL;
	if (!iter) {
		st = GC_ENOMEM;
		goto out;
	}
	cmark_event_type ev;
	while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);
		if (type == CMARK_NODE_LINK && !url_allowed(cmark_node_get_url(node)))
			st = node_list_push(&links, node);
		else if (type == CMARK_NODE_IMAGE)
			st = node_list_push(&images, node);
		if (st != GC_OK)
			goto out;
	}
	cmark_iter_free(iter);
	iter = NULL;

	/* Links first, so an image inside a link that goes is not mistaken for a linked one. */
	for (size_t i = 0; i < links.count; i++)
		unwrap(links.items[i]);
	/* Images from last to first: an image nested in another's description is
	 * replaced before the outer one (and its subtree) is freed. */
	for (size_t i = images.count; i-- > 0;)
		if ((st = replace_image(images.items[i])) != GC_OK)
			goto out;

	html = cmark_render_html(doc, MD_OPTIONS);
	if (!html) {
		st = GC_ENOMEM;
		goto out;
	}
	gc_buf_raw(out, html, strlen(html));
	st = gc_buf_error(out);
out:
	if (html)
		cmark_get_default_mem_allocator()->free(html);
	iter_free(iter);
	node_free(doc);
	free(links.items);
	free(images.items);
	return st;
}
