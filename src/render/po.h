/*
 * A strict parser for the subset of the gettext PO format that locale/<lang>.po
 * use (internal to render/: i18n.c and the tests include it).
 *
 * Accepted, line by line (a file is UTF-8, lines end in LF or CRLF):
 *
 *   # any comment          (also "#.", "#:", "#|", "#~": ignored; "#," flags
 *                           are read, and "fuzzy" marks the entry untranslated
 *                           as msgfmt does)
 *   msgid "key"            a stable key: lower-case ASCII letters, digits and
 *                          '_', in segments joined by '.' ("nav.countries")
 *   msgstr "text"
 *   "more text"            continuation lines after msgid or msgstr
 *   (blank line)           between entries only
 *
 * Strings know the escapes \n \t \" and \\ and nothing else; a raw control
 * character in a string is an error. The first entry must be the header
 * (msgid ""), whose msgstr must declare "Content-Type: text/plain;
 * charset=UTF-8" and may declare "Language: xx" (see gc_po.language).
 *
 * Refused with an error: msgctxt (keys are unique, so a context would only
 * hide a duplicate), msgid_plural and msgstr[N] (no plural forms yet: say
 * "3 results" as "results: 3"), duplicate keys, a msgid without its msgstr,
 * invalid UTF-8, text the portal refuses (base/text.h), more than
 * GC_PO_MAX_BYTES bytes or GC_PO_MAX_ENTRIES entries. Errors read
 * "locale/fr.po:12: what went wrong".
 */
#ifndef GC_RENDER_PO_H
#define GC_RENDER_PO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define GC_PO_MAX_BYTES (1024u * 1024u)
#define GC_PO_MAX_ENTRIES 4096

struct gc_po_entry {
	const char *key;
	const char *text;   /* "" when untranslated (empty msgstr, or fuzzy) */
	unsigned line;      /* where the msgid is */
};

struct gc_po {
	struct gc_po_entry *entries; /* sorted by key (strcmp), keys unique, the header left out */
	size_t count;
	size_t untranslated;         /* entries whose text is "" */
	const char *language;        /* the header's "Language:" value, "" when absent */
	unsigned header_line;        /* where the header's msgid is */
	struct gc_arena *arena;      /* owns every string and the entries */
};

/*
 * Parses len bytes of PO text named name (for messages). On success *out is a
 * new catalogue the caller frees with gc_po_free(). On failure err holds the
 * message: GC_EINVAL malformed, GC_ETOOBIG over a limit, GC_ENOMEM.
 */
GC_MUST_CHECK gc_status gc_po_parse(const char *name, const char *data, size_t len, struct gc_po **out, char *err,
				    size_t err_size);
void gc_po_free(struct gc_po *po);

/* The entry for key, or NULL. Safe from any thread. */
const struct gc_po_entry *gc_po_find(const struct gc_po *po, const char *key);

#endif
