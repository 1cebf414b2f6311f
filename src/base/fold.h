/*
 * The search normaliser: one folding of text into search tokens, applied to
 * documents when they are indexed and to queries, so both engines (SQLite
 * FTS5, PostgreSQL tsvector) see the same tokens and match alike. The
 * engines only split the folded text on its spaces (docs/search.md).
 *
 * Segmentation, on the original text: a word is a run of letters, digits
 * and combining marks (Unicode categories L, N, M); everything else
 * separates. Han, Hiragana and Katakana characters (scripts written without
 * spaces) are never part of a word: a run of them is cut into overlapping
 * pairs ("网络安全" gives 网络 络安 安全) followed by its last character alone
 * (全), so any substring of two or more characters is a phrase of pairs and
 * one character is a prefix (网*).
 *
 * Folding, per word (ICU data): compatibility decomposition (NFKD: full-width
 * and ligature forms, Arabic presentation forms), full case folding, then
 * every combining mark dropped, which folds accents in Latin, Greek and
 * Cyrillic ("État" → "etat", "ё" → "е"), except the breve of й, which stays
 * a letter of its own (Russian writes it always, unlike ё). Arabic: harakat
 * (U+064B–U+065F, U+0670) are marks and go; tatweel (U+0640) goes; hamza
 * carriers and madda decompose to their base (أ إ آ → ا, ؤ → و, ئ → ي);
 * alef wasla ٱ → ا, teh marbuta ة → ه, alef maksura ى → ي, and the Persian
 * forms ی → ي and ک → ك, as Arabic search engines commonly do. Decimal digits
 * of any script become ASCII digits. Hangul syllables and kana are kept
 * whole (their voicing marks are part of the letter: が is not か).
 * A token is cut after GC_FOLD_MAX_WORD code points.
 */
#ifndef GC_BASE_FOLD_H
#define GC_BASE_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define GC_FOLD_MAX_WORD 64    /* code points kept of one token */
#define GC_FOLD_MAX_TERMS 128  /* tokens in one query */
#define GC_FOLD_MAX_UNITS 16   /* words (a run of Han or kana counts as one) in one query */

/* One token: its folded text in gc_fold_tokens.text, the original bytes it comes from. */
struct gc_fold_token {
	size_t off, len;   /* in text */
	size_t start, end; /* in the original */
};

struct gc_fold_tokens {
	char *text; /* the tokens separated by one space, NUL-terminated: the indexed form */
	size_t text_len;
	struct gc_fold_token *v; /* NULL when not asked for */
	size_t n;
};

/*
 * Folds len bytes of UTF-8 (invalid bytes separate). With spans, also the
 * tokens with their original bytes (for snippets). GC_ENOMEM; out is empty
 * then. Free with gc_fold_tokens_free.
 */
GC_MUST_CHECK gc_status gc_fold_text(const char *s, size_t len, bool spans, struct gc_fold_tokens *out);
void gc_fold_tokens_free(struct gc_fold_tokens *t);

struct gc_fold_term {
	size_t off, len; /* in gc_fold_query.text */
	bool prefix;     /* matches tokens that start with it */
};

/* A group: terms[first .. first + count) are consecutive tokens (a phrase); groups are ANDed. */
struct gc_fold_group {
	size_t first, count;
};

struct gc_fold_query {
	char *text;
	struct gc_fold_term terms[GC_FOLD_MAX_TERMS];
	size_t n_terms;
	struct gc_fold_group groups[GC_FOLD_MAX_TERMS];
	size_t n_groups;
};

/*
 * Parses a user's query: words are ANDed, "quoted words" are a phrase, a '*'
 * right after a word makes it a prefix (of the phrase's last word in
 * "..."*); every other character only separates. A run of Han or kana is a
 * phrase of its pairs (see above), one such character a prefix. GC_EINVAL
 * when no token is left, GC_ETOOBIG past GC_FOLD_MAX_UNITS words or
 * GC_FOLD_MAX_TERMS tokens, GC_ENOMEM. Free with gc_fold_query_free.
 */
GC_MUST_CHECK gc_status gc_fold_query_parse(const char *s, size_t len, struct gc_fold_query *q);
void gc_fold_query_free(struct gc_fold_query *q);

/*
 * A snippet of the ORIGINAL text s around its best matches of q: about
 * window tokens, whitespace collapsed, "…" where it is cut, each match
 * between U+E000 and U+E001 (marks already in s become U+FFFD). The start
 * of s when nothing matches; "" for a text without tokens. *out is
 * malloc'd, NUL-terminated.
 */
GC_MUST_CHECK gc_status gc_fold_snippet(const char *s, size_t len, const struct gc_fold_query *q, size_t window,
					char **out);

#endif
