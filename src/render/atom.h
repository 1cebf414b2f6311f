/*
 * Atom feeds (RFC 4287), written into a string builder. Shared by every
 * module that publishes a feed (the policies list, the capacity-building
 * calendar, ...): a handler runs its visibility-filtered query and hands
 * each row to gc_atom_entry(); this file knows only XML and Atom.
 *
 *   struct gc_buf b;
 *   gc_buf_init(&b, GC_ATOM_MAX_BYTES);
 *   gc_atom_begin(&b, &feed);             // <feed> with id, title, updated, links
 *   for each row: gc_atom_entry(&b, &entry);
 *   gc_atom_end(&b);
 *   if (gc_buf_error(&b)) ...             // the builder's sticky error
 *
 * Text goes through gc_atom_text(): & < > " ' are escaped, and characters
 * that XML 1.0 does not allow (C0 controls other than tab, line feed and
 * carriage return; U+FFFE, U+FFFF) and bytes that are not UTF-8 are
 * replaced with U+FFFD, so no input can make the document ill-formed.
 * Dates are RFC 3339 in UTC ("2026-11-28T06:40:00Z"). Ids must be absolute
 * IRIs: gc_atom_tag_id() builds a tag: URI (RFC 4151). Links may be absolute
 * or relative (resolved against the feed's own address, RFC 4287 §4.2.7);
 * the caller decides. Nothing is allocated here but the builder's bytes.
 */
#ifndef GC_RENDER_ATOM_H
#define GC_RENDER_ATOM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"

#define GC_ATOM_MAX_BYTES (16u << 20)   /* a whole feed */
#define GC_ATOM_MAX_CATEGORIES 16       /* per entry; more are left out */
#define GC_ATOM_CONTENT_TYPE "application/atom+xml; charset=utf-8"

struct gc_atom_category {
	const char *term;   /* required */
	const char *label;  /* may be NULL */
	const char *scheme; /* an IRI, may be NULL */
};

struct gc_atom_feed {
	const char *id;             /* an absolute IRI, stable for the same query */
	const char *title;
	const char *subtitle;       /* may be NULL */
	const char *lang;           /* xml:lang of the feed's text, may be NULL */
	const char *self_href;      /* the feed's own address (rel="self") */
	const char *alternate_href; /* the HTML page of the same list (rel="alternate"), may be NULL */
	const char *author_name;    /* the feed's author (required by RFC 4287 when an entry has none) */
	const char *generator;      /* may be NULL */
	int64_t updated;            /* Unix seconds: the newest entry's, or when the source last changed */
};

struct gc_atom_entry {
	const char *id;          /* an absolute IRI, never reused for another entry */
	const char *title;
	const char *title_lang;  /* xml:lang of title and summary, may be NULL */
	const char *summary;     /* plain text, may be NULL */
	const char *href;        /* the entry's HTML page (rel="alternate") */
	const char *author_name; /* may be NULL (the feed's author applies) */
	int64_t updated;         /* Unix seconds */
	int64_t published;       /* Unix seconds, or 0 when not published */
	const struct gc_atom_category *categories;
	size_t n_categories;
};

/* The escaped text of s (n bytes) for XML character data and attribute values. */
void gc_atom_text(struct gc_buf *b, const char *s, size_t n);
/* Appends "tag:<authority>,<date>:<specific>" (authority a host name, date YYYY or YYYY-MM-DD), escaped. */
void gc_atom_tag_id(struct gc_buf *b, const char *authority, const char *date, const char *specific);
/* Writes t as an RFC 3339 UTC date into out (at least 21 bytes). */
void gc_atom_date(int64_t t, char *out, size_t size);

/* The XML declaration and the feed's head, up to its first entry. GC_EINVAL when a required field is missing. */
GC_MUST_CHECK gc_status gc_atom_begin(struct gc_buf *b, const struct gc_atom_feed *feed);
/* One <entry>. GC_EINVAL when id, title, href or updated is missing. */
GC_MUST_CHECK gc_status gc_atom_entry(struct gc_buf *b, const struct gc_atom_entry *entry);
/* Closes the feed; returns the builder's error. */
GC_MUST_CHECK gc_status gc_atom_end(struct gc_buf *b);

#endif
