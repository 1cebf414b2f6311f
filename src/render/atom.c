#include "render/atom.h"

#include <stdbool.h>
#include <string.h>

#include "base/clock.h"

#define REPLACEMENT "\xef\xbf\xbd"

/*
 * The length of the UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when it is not a well-formed sequence (overlong forms,
 * surrogates and code points over U+10FFFF are not).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1fu, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0fu, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Whether XML 1.0 allows the character (its production Char). */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

void gc_atom_text(struct gc_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0, i = 0;
	while (i < n) {
		const char *rep = NULL;
		uint32_t cp = 0;
		size_t len = utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			rep = REPLACEMENT;
			len = 1;
		} else if (!xml_char(cp)) {
			rep = REPLACEMENT;
		} else {
			switch (cp) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&apos;"; break;
			/* A carriage return would be read back as a line feed: keep it as it was. */
			case '\r': rep = "&#13;"; break;
			default: break;
			}
		}
		if (rep) {
			gc_buf_raw(b, s + start, i - start);
			gc_buf_str_raw(b, rep);
			start = i + len;
		}
		i += len;
	}
	gc_buf_raw(b, s + start, n - start);
}

static void text(struct gc_buf *b, const char *s)
{
	gc_atom_text(b, s, strlen(s));
}

void gc_atom_tag_id(struct gc_buf *b, const char *authority, const char *date, const char *specific)
{
	gc_buf_lit(b, "tag:");
	text(b, authority);
	gc_buf_char(b, ',');
	text(b, date);
	gc_buf_char(b, ':');
	text(b, specific);
}

void gc_atom_date(int64_t t, char *out, size_t size)
{
	gc_clock_format_iso8601(t, out, size);
}

/* <name attr="value">text</name> with an optional xml:lang. */
static void element(struct gc_buf *b, const char *indent, const char *name, const char *lang, const char *value)
{
	gc_buf_str_raw(b, indent);
	gc_buf_char(b, '<');
	gc_buf_str_raw(b, name);
	if (lang) {
		gc_buf_lit(b, " xml:lang=\"");
		text(b, lang);
		gc_buf_char(b, '"');
	}
	gc_buf_char(b, '>');
	text(b, value);
	gc_buf_lit(b, "</");
	gc_buf_str_raw(b, name);
	gc_buf_lit(b, ">\n");
}

static void date_element(struct gc_buf *b, const char *indent, const char *name, int64_t t)
{
	char when[32];
	gc_atom_date(t, when, sizeof(when));
	element(b, indent, name, NULL, when);
}

static void link(struct gc_buf *b, const char *indent, const char *rel, const char *type, const char *href)
{
	gc_buf_str_raw(b, indent);
	gc_buf_lit(b, "<link rel=\"");
	gc_buf_str_raw(b, rel);
	gc_buf_lit(b, "\"");
	if (type) {
		gc_buf_lit(b, " type=\"");
		gc_buf_str_raw(b, type);
		gc_buf_char(b, '"');
	}
	gc_buf_lit(b, " href=\"");
	text(b, href);
	gc_buf_lit(b, "\"/>\n");
}

static void author(struct gc_buf *b, const char *indent, const char *name)
{
	gc_buf_str_raw(b, indent);
	gc_buf_lit(b, "<author>\n");
	gc_buf_printf(b, "%s  ", indent);
	gc_buf_lit(b, "<name>");
	text(b, name);
	gc_buf_lit(b, "</name>\n");
	gc_buf_str_raw(b, indent);
	gc_buf_lit(b, "</author>\n");
}

static bool given(const char *s)
{
	return s && *s;
}

gc_status gc_atom_begin(struct gc_buf *b, const struct gc_atom_feed *feed)
{
	if (!given(feed->id) || !given(feed->title) || !given(feed->self_href) || !given(feed->author_name) ||
	    feed->updated <= 0)
		return GC_EINVAL;
	gc_buf_lit(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"");
	if (given(feed->lang)) {
		gc_buf_lit(b, " xml:lang=\"");
		text(b, feed->lang);
		gc_buf_char(b, '"');
	}
	gc_buf_lit(b, ">\n");
	element(b, "  ", "id", NULL, feed->id);
	element(b, "  ", "title", NULL, feed->title);
	if (given(feed->subtitle))
		element(b, "  ", "subtitle", NULL, feed->subtitle);
	date_element(b, "  ", "updated", feed->updated);
	link(b, "  ", "self", "application/atom+xml", feed->self_href);
	if (given(feed->alternate_href))
		link(b, "  ", "alternate", "text/html", feed->alternate_href);
	author(b, "  ", feed->author_name);
	if (given(feed->generator))
		element(b, "  ", "generator", NULL, feed->generator);
	return gc_buf_error(b);
}

gc_status gc_atom_entry(struct gc_buf *b, const struct gc_atom_entry *e)
{
	if (!given(e->id) || !given(e->title) || !given(e->href) || e->updated <= 0)
		return GC_EINVAL;
	const char *lang = given(e->title_lang) ? e->title_lang : NULL;
	gc_buf_lit(b, "  <entry>\n");
	element(b, "    ", "id", NULL, e->id);
	element(b, "    ", "title", lang, e->title);
	date_element(b, "    ", "updated", e->updated);
	if (e->published > 0)
		date_element(b, "    ", "published", e->published);
	link(b, "    ", "alternate", "text/html", e->href);
	if (given(e->author_name))
		author(b, "    ", e->author_name);
	for (size_t i = 0; i < e->n_categories && i < GC_ATOM_MAX_CATEGORIES; i++) {
		const struct gc_atom_category *c = &e->categories[i];
		if (!given(c->term))
			continue;
		gc_buf_lit(b, "    <category term=\"");
		text(b, c->term);
		gc_buf_char(b, '"');
		if (given(c->scheme)) {
			gc_buf_lit(b, " scheme=\"");
			text(b, c->scheme);
			gc_buf_char(b, '"');
		}
		if (given(c->label)) {
			gc_buf_lit(b, " label=\"");
			text(b, c->label);
			gc_buf_char(b, '"');
		}
		gc_buf_lit(b, "/>\n");
	}
	if (given(e->summary))
		element(b, "    ", "summary", lang, e->summary);
	gc_buf_lit(b, "  </entry>\n");
	return gc_buf_error(b);
}

gc_status gc_atom_end(struct gc_buf *b)
{
	gc_buf_lit(b, "</feed>\n");
	return gc_buf_error(b);
}
