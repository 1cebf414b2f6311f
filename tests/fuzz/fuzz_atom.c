/*
 * The Atom writer's text escaper (render/atom.h), which every feed's titles,
 * summaries, names, ids and links go through: whatever the bytes, the output
 * is character data that an XML 1.0 parser accepts and reads back.
 *
 * Invariants:
 *  - the output is valid UTF-8 holding only characters XML 1.0 allows, and
 *    no raw '<', '>', '"', '\'' or carriage return;
 *  - every '&' starts one of the entities the escaper writes;
 *  - decoding those entities gives back the input when the input was valid
 *    UTF-8 made of allowed characters; otherwise each refused byte or
 *    character is one U+FFFD;
 *  - a whole feed with the input as its title and an entry's title, summary
 *    and author is written without error and holds no '<' from the input.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/text.h"
#include "render/atom.h"

static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#13;" };
static const char decoded[] = { '&', '<', '>', '"', '\'', '\r' };

/* Decodes one UTF-8 character at s (valid input assumed); its length, the code point in *cp. */
static size_t next_char(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t c = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3f);
	*cp = c;
	return len;
}

static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_buf b;
	gc_buf_init(&b, 16 * size + 64);
	gc_atom_text(&b, (const char *)data, size);
	FUZZ_CHECK(gc_buf_error(&b) == GC_OK, "the escaper failed");
	const char *out = gc_buf_str(&b);
	size_t n = b.len;
	FUZZ_CHECK(gc_utf8_valid(out, n), "output not UTF-8");
	/* Decode the output: characters allowed, entities known. */
	struct gc_buf back;
	gc_buf_init(&back, n + 1);
	bool input_clean = gc_utf8_valid((const char *)data, size);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = next_char((const unsigned char *)out + i, &cp);
		FUZZ_CHECK(xml_char(cp) && cp != '<' && cp != '>' && cp != '"' && cp != '\'' && cp != '\r',
			   "character U+%04X in the output", (unsigned)cp);
		if (cp == '&') {
			bool known = false;
			for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]) && !known; e++) {
				size_t el = strlen(entities[e]);
				if (i + el <= n && memcmp(out + i, entities[e], el) == 0) {
					gc_buf_char(&back, decoded[e]);
					i += el;
					known = true;
				}
			}
			FUZZ_CHECK(known, "an '&' that starts no entity at %zu", i);
			continue;
		}
		gc_buf_raw(&back, out + i, len);
		i += len;
	}
	if (input_clean) {
		bool allowed = true;
		for (size_t i = 0; i < size && allowed;) {
			uint32_t cp;
			size_t len = next_char(data + i, &cp);
			allowed = xml_char(cp);
			i += len;
		}
		if (allowed)
			FUZZ_CHECK(back.len == size && memcmp(gc_buf_str(&back), data, size) == 0, "the text does not read back");
	}
	gc_buf_free(&back);
	gc_buf_free(&b);

	/* A whole feed around the input. */
	char *s = fuzz_cstr(data, size);
	struct gc_buf feed;
	gc_buf_init(&feed, GC_ATOM_MAX_BYTES);
	struct gc_atom_feed f = { .id = "tag:fuzz.example,2026:feed", .title = *s ? s : "t", .self_href = "/f",
				  .author_name = "A", .updated = 1 };
	struct gc_atom_category cat = { .term = s, .label = s };
	struct gc_atom_entry e = { .id = "tag:fuzz.example,2026:e", .title = *s ? s : "t", .title_lang = "en",
				   .summary = s, .href = "/e", .author_name = s, .updated = 1, .categories = &cat,
				   .n_categories = 1 };
	FUZZ_CHECK(gc_atom_begin(&feed, &f) == GC_OK && gc_atom_entry(&feed, &e) == GC_OK && gc_atom_end(&feed) == GC_OK,
		   "a feed could not be written");
	size_t lt = 0;
	for (const char *p = gc_buf_str(&feed); (p = strchr(p, '<')) != NULL; p++)
		lt++;
	/* The markup's own tags, whatever the input: xml declaration, feed (7 elements, 2 links, author),
	 * entry (5 elements, link, author, category); input adds none. */
	static size_t expected_lt;
	if (!expected_lt) {
		struct gc_buf plain;
		gc_buf_init(&plain, 1 << 16);
		struct gc_atom_feed pf = f;
		struct gc_atom_entry pe = e;
		struct gc_atom_category pc = { .term = "x", .label = "x" };
		pf.title = "x";
		pe.title = pe.summary = pe.author_name = "x";
		pe.categories = &pc;
		if (gc_atom_begin(&plain, &pf) != GC_OK || gc_atom_entry(&plain, &pe) != GC_OK || gc_atom_end(&plain) != GC_OK)
			abort();
		for (const char *p = gc_buf_str(&plain); (p = strchr(p, '<')) != NULL; p++)
			expected_lt++;
		gc_buf_free(&plain);
	}
	if (*s && strlen(s) == size)
		FUZZ_CHECK(lt == expected_lt, "%zu tags, expected %zu", lt, expected_lt);
	gc_buf_free(&feed);
	free(s);
	return 0;
}
