/*
 * render/po.h: the PO parser on arbitrary bytes.
 *
 * Invariants:
 *  - failure: GC_EINVAL or GC_ETOOBIG (never GC_ENOMEM: the arena is sized
 *    from the input, so running out of it is a bug), *out NULL, and the
 *    message "fuzz.po:N: ..." with N a line of the input;
 *  - success: entries sorted by key with no duplicate, every key of the
 *    documented shape, every text acceptable (base/text.h), gc_po_find
 *    finding each entry and nothing else, untranslated the count of empty
 *    texts, at most GC_PO_MAX_ENTRIES entries, entry lines within the input.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/text.h"
#include "render/po.h"

static bool key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || k[0] == '.' || k[n - 1] == '.' || strstr(k, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '.'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_po *po = (struct gc_po *)1;
	char err[256];
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	gc_status st = gc_po_parse("fuzz.po", (const char *)data, size, &po, err, sizeof(err));
	if (st != GC_OK) {
		FUZZ_CHECK(st == GC_EINVAL || st == GC_ETOOBIG, "status %s: %s", gc_status_name(st), err);
		FUZZ_CHECK(po == NULL, "a catalogue returned with an error");
		unsigned long line = 0;
		char *end = NULL;
		FUZZ_CHECK(strncmp(err, "fuzz.po:", 8) == 0, "message \"%s\"", err);
		line = strtoul(err + 8, &end, 10);
		FUZZ_CHECK(end && end != err + 8 && *end == ':' && line >= 1 && line <= lines,
			   "message \"%s\" (the input has %zu lines)", err, lines);
		return 0;
	}
	FUZZ_CHECK(po && po->language && po->arena, "incomplete catalogue");
	FUZZ_CHECK(po->count <= GC_PO_MAX_ENTRIES, "%zu entries", po->count);
	FUZZ_CHECK(po->header_line >= 1 && po->header_line <= lines, "header at line %u", po->header_line);
	FUZZ_CHECK(gc_text_acceptable_line(po->language, strlen(po->language)), "language \"%s\"", po->language);
	size_t untranslated = 0;
	for (size_t i = 0; i < po->count; i++) {
		const struct gc_po_entry *e = &po->entries[i];
		FUZZ_CHECK(e->key && e->text, "entry %zu incomplete", i);
		FUZZ_CHECK(key_ok(e->key), "key \"%s\"", e->key);
		FUZZ_CHECK(gc_text_acceptable(e->text, strlen(e->text)), "text of \"%s\" not acceptable", e->key);
		FUZZ_CHECK(e->line >= 1 && e->line <= lines && e->line != po->header_line, "entry \"%s\" at line %u",
			   e->key, e->line);
		if (i > 0)
			FUZZ_CHECK(strcmp(po->entries[i - 1].key, e->key) < 0, "keys not sorted and unique at %zu", i);
		FUZZ_CHECK(gc_po_find(po, e->key) == e, "gc_po_find misses \"%s\"", e->key);
		untranslated += e->text[0] == '\0';
	}
	FUZZ_CHECK(untranslated == po->untranslated, "untranslated %zu, counted %zu", po->untranslated, untranslated);
	FUZZ_CHECK(gc_po_find(po, "") == NULL, "the header is found as an entry");
	gc_po_free(po);
	return 0;
}
