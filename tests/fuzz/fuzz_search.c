/*
 * base/fold.h, the search normaliser: gc_fold_query_parse (the user's query),
 * gc_fold_text (documents and queries alike) and gc_fold_snippet. The input
 * is cut in two at its first byte: a query (at most 255 bytes) and a text.
 *
 * Invariants: the query parses to OK, EINVAL or ETOOBIG; when OK, there is
 * at least one group, every group has terms, every term lies inside the
 * folded text and is non-empty UTF-8 with no space, quote, backslash or
 * snippet mark (so the engine's query cannot be broken out of), and only a
 * group's last term may be a prefix. The folded text is valid UTF-8, its
 * tokens separated by exactly one space, as many as the spans, each span
 * inside the input, starts never going back. The snippet is valid UTF-8 and
 * its marks open and close in turn, never nested, all closed.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/fold.h"
#include "base/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_marks(const char *s)
{
	FUZZ_CHECK(gc_utf8_valid(s, strlen(s)), "snippet is not UTF-8");
	bool open = false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)p[0] == 0xee && (unsigned char)p[1] == 0x80 &&
		    ((unsigned char)p[2] == 0x80 || (unsigned char)p[2] == 0x81)) {
			bool opening = (unsigned char)p[2] == 0x80;
			FUZZ_CHECK(opening != open, "marks out of turn in \"%s\"", s);
			open = opening;
			p += 2;
		}
	}
	FUZZ_CHECK(!open, "a mark left open in \"%s\"", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t qlen = data[0] < size - 1 ? data[0] : size - 1;
	const char *q = (const char *)data + 1;
	const char *text = q + qlen;
	size_t tlen = size - 1 - qlen;

	struct gc_fold_query fq;
	gc_status st = gc_fold_query_parse(q, qlen, &fq);
	FUZZ_CHECK(st == GC_OK || st == GC_EINVAL || st == GC_ETOOBIG, "query status %d", (int)st);
	if (st == GC_OK) {
		FUZZ_CHECK(fq.n_groups > 0 && fq.n_terms > 0, "no group");
		size_t tl = strlen(fq.text);
		for (size_t g = 0; g < fq.n_groups; g++) {
			FUZZ_CHECK(fq.groups[g].count > 0, "an empty group");
			FUZZ_CHECK(fq.groups[g].first + fq.groups[g].count <= fq.n_terms, "a group past the terms");
			for (size_t k = 0; k < fq.groups[g].count; k++) {
				const struct gc_fold_term *t = &fq.terms[fq.groups[g].first + k];
				FUZZ_CHECK(t->len > 0 && t->off + t->len <= tl, "a term outside the text");
				FUZZ_CHECK(!t->prefix || k + 1 == fq.groups[g].count, "a prefix before a group's end");
				FUZZ_CHECK(gc_utf8_valid(fq.text + t->off, t->len), "a term is not UTF-8");
				for (size_t i = 0; i < t->len; i++) {
					char c = fq.text[t->off + i];
					FUZZ_CHECK(c != ' ' && c != '"' && c != '\'' && c != '\\' && c != '*', "a term holds %c", c);
				}
				FUZZ_CHECK(!memmem(fq.text + t->off, t->len, "\xee\x80\x80", 3) &&
						   !memmem(fq.text + t->off, t->len, "\xee\x80\x81", 3),
					   "a term holds a snippet mark");
			}
		}
	}

	struct gc_fold_tokens t;
	FUZZ_CHECK(gc_fold_text(text, tlen, true, &t) == GC_OK, "folding failed");
	FUZZ_CHECK(gc_utf8_valid(t.text, t.text_len) && strlen(t.text) == t.text_len, "folded text is not UTF-8");
	size_t pieces = 0;
	for (size_t i = 0; i < t.text_len; i++) {
		if (i == 0 || t.text[i - 1] == ' ')
			pieces++;
		if (t.text[i] == ' ')
			FUZZ_CHECK(i > 0 && i + 1 < t.text_len && t.text[i + 1] != ' ', "a space out of place in \"%s\"", t.text);
	}
	FUZZ_CHECK(pieces == t.n, "%zu tokens, %zu spans", pieces, t.n);
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.v[i].start < t.v[i].end && t.v[i].end <= tlen, "a span outside the input");
		FUZZ_CHECK(i == 0 || t.v[i].start >= t.v[i - 1].start, "spans go back");
		FUZZ_CHECK(t.v[i].off + t.v[i].len <= t.text_len, "a token outside the text");
	}
	gc_fold_tokens_free(&t);

	char *snippet = NULL;
	FUZZ_CHECK(gc_fold_snippet(text, tlen, st == GC_OK ? &fq : NULL, 1 + (data[0] % 40), &snippet) == GC_OK,
		   "snippet failed");
	check_marks(snippet);
	free(snippet);
	if (st == GC_OK)
		gc_fold_query_free(&fq);
	return 0;
}
