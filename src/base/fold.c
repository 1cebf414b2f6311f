/*
 * The search normaliser (see fold.h for what it does and why). Decomposition,
 * case folding and character categories come from ICU (libicu); the only
 * hand-written rules are the few Arabic letter mappings and the CJK ranges.
 */
#include "base/fold.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#define FOLD_BREAK 0xffffffffu
#define FOLD_MAX_INPUT (64u * 1024 * 1024) /* bytes: far above any indexed text */

/* --- output: tokens joined by spaces, with their original spans ------------------------------ */

struct fold_out {
	char *text;
	size_t len, cap;
	struct gc_fold_token *v;
	size_t n, cap_v;
	bool spans;
	bool oom;
};

static void out_bytes(struct fold_out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *p = realloc(o->text, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->text = p;
		o->cap = cap;
	}
	memcpy(o->text + o->len, s, n);
	o->len += n;
	o->text[o->len] = '\0';
}

static void out_token(struct fold_out *o, const char *s, size_t n, size_t start, size_t end)
{
	if (n == 0 || o->oom)
		return;
	if (o->len)
		out_bytes(o, " ", 1);
	size_t off = o->len;
	out_bytes(o, s, n);
	if (!o->spans || o->oom)
		return;
	if (o->n == o->cap_v) {
		size_t cap = o->cap_v ? o->cap_v * 2 : 64;
		struct gc_fold_token *p = realloc(o->v, cap * sizeof(*p));
		if (!p) {
			o->oom = true;
			return;
		}
		o->v = p;
		o->cap_v = cap;
	}
	o->v[o->n++] = (struct gc_fold_token){ .off = off, .len = n, .start = start, .end = end };
}

static size_t utf8_put(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | (c >> 12));
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | (c >> 18));
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* --- folding one code point -------------------------------------------------------------------- */

/* A token being built: its code points and the original bytes they come from. */
struct fold_tok {
	uint32_t cp[GC_FOLD_MAX_WORD];
	size_t n;
	size_t start, end;
};

static void tok_flush(struct fold_out *o, struct fold_tok *t)
{
	if (t->n == 0)
		return;
	char buf[GC_FOLD_MAX_WORD * 4];
	size_t len = 0;
	for (size_t i = 0; i < t->n; i++)
		len += utf8_put(buf + len, t->cp[i]);
	out_token(o, buf, len, t->start, t->end);
	t->n = 0;
}

static bool ascii_alnum(UChar32 c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The Arabic letter rules (fold.h); other code points are returned as they are. */
static uint32_t arabic_letter(uint32_t c)
{
	switch (c) {
	case 0x0671: /* alef wasla */
		return 0x0627;
	case 0x0629: /* teh marbuta */
		return 0x0647;
	case 0x0649: /* alef maksura */
	case 0x06cc: /* Farsi yeh */
		return 0x064a;
	case 0x06a9: /* keheh */
		return 0x0643;
	default:
		return c;
	}
}

/* The decomposition and case folding of c (ICU), at most 64 code points; FOLD_BREAK when ICU fails. */
static size_t fold_decompose(UChar32 c, uint32_t *mapped)
{
	size_t n = 0;
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&err);
	UChar src[2], a[64], b[64], d[64];
	int32_t ns = 0;
	U16_APPEND_UNSAFE(src, ns, c);
	int32_t na = U_SUCCESS(err) ? unorm2_normalize(nfkd, src, ns, a, 64, &err) : 0;
	int32_t nb = U_SUCCESS(err) ? u_strFoldCase(b, 64, a, na, U_FOLD_CASE_DEFAULT, &err) : 0;
	int32_t nd = U_SUCCESS(err) ? unorm2_normalize(nfkd, b, nb, d, 64, &err) : 0;
	if (U_FAILURE(err) || nd > 64) {
		mapped[n++] = FOLD_BREAK;
		return n;
	}
	for (int32_t i = 0; i < nd && n < 64;) {
		UChar32 e;
		U16_NEXT(d, i, nd, e);
		mapped[n++] = (uint32_t)e;
	}
	return n;
}

/*
 * The decompositions of the code points below FOLD_CACHE_END (Latin, Greek,
 * Cyrillic, Arabic and the other alphabets), computed once: ICU's
 * normaliser costs more than the rest of the folding together.
 */
#define FOLD_CACHE_END 0x3000
#define FOLD_CACHE_WIDTH 3
static struct {
	uint8_t n; /* 0xff: not cached (longer than FOLD_CACHE_WIDTH) */
	uint32_t cp[FOLD_CACHE_WIDTH];
} fold_cache[FOLD_CACHE_END];
static pthread_once_t fold_cache_once = PTHREAD_ONCE_INIT;

static void fold_cache_fill(void)
{
	uint32_t mapped[64];
	for (UChar32 c = 0x80; c < FOLD_CACHE_END; c++) {
		size_t n = fold_decompose(c, mapped);
		if (n > FOLD_CACHE_WIDTH) {
			fold_cache[c].n = 0xff;
			continue;
		}
		fold_cache[c].n = (uint8_t)n;
		memcpy(fold_cache[c].cp, mapped, n * sizeof(uint32_t));
	}
}

/*
 * Appends the folding of c (original bytes [at, next)) to t: letters and
 * digits are kept, marks dropped (their bytes still belong to the token),
 * anything else ends the token (flushed to o).
 */
static void fold_cp(struct fold_out *o, struct fold_tok *t, UChar32 c, size_t at, size_t next)
{
	uint32_t mapped[64];
	size_t n = 0;
	if (c < 0x80) {
		mapped[n++] = ascii_alnum(c) ? (uint32_t)((c >= 'A' && c <= 'Z') ? c + 32 : c) : FOLD_BREAK;
	} else if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x3040 && c <= 0x30ff)) {
		mapped[n++] = (uint32_t)c; /* Hangul syllables and kana stay whole (が is not か) */
	} else if (c < FOLD_CACHE_END && (pthread_once(&fold_cache_once, fold_cache_fill), fold_cache[c].n != 0xff)) {
		n = fold_cache[c].n;
		memcpy(mapped, fold_cache[c].cp, n * sizeof(uint32_t));
	} else {
		n = fold_decompose(c, mapped);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t e = mapped[i];
		if (e == FOLD_BREAK) {
			tok_flush(o, t);
			continue;
		}
		if (e >= 0x80) {
			uint32_t mask = U_GET_GC_MASK((UChar32)e);
			/* й: the breve on и stays (as one letter); every other mark goes. */
			if (e == 0x0306 && t->n && t->cp[t->n - 1] == 0x0438) {
				t->cp[t->n - 1] = 0x0439;
				t->end = next;
				continue;
			}
			if ((mask & U_GC_M_MASK) || e == 0x0640) {
				if (t->n)
					t->end = next;
				continue;
			}
			e = arabic_letter(e);
			if (u_charType((UChar32)e) == U_DECIMAL_DIGIT_NUMBER) {
				int32_t v = u_charDigitValue((UChar32)e);
				if (v >= 0 && v <= 9)
					e = '0' + (uint32_t)v;
			} else if (!(mask & (U_GC_L_MASK | U_GC_N_MASK))) {
				tok_flush(o, t);
				continue;
			}
		}
		if (t->n == 0)
			t->start = at;
		if (t->n < GC_FOLD_MAX_WORD)
			t->cp[t->n++] = e;
		t->end = next;
	}
}

/* --- segmentation ----------------------------------------------------------------------------- */

enum fold_class { CLASS_SEP, CLASS_WORD, CLASS_CJK, CLASS_MARK };

/* Han, Hiragana and Katakana: written without spaces between words. */
static bool is_cjk(UChar32 c)
{
	if (c == 0x30a0 || c == 0x30fb) /* katakana double hyphen, middle dot: punctuation */
		return false;
	return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff66 && c <= 0xff9d) ||
	       (c >= 0x20000 && c <= 0x3134f) || (c >= 0x3005 && c <= 0x3007);
}

static enum fold_class fold_class(UChar32 c)
{
	if (c < 0)
		return CLASS_SEP;
	if (c < 0x80)
		return ascii_alnum(c) ? CLASS_WORD : CLASS_SEP;
	if (is_cjk(c))
		return CLASS_CJK;
	uint32_t mask = U_GET_GC_MASK(c);
	if (mask & (U_GC_L_MASK | U_GC_N_MASK))
		return CLASS_WORD;
	if (mask & U_GC_M_MASK)
		return CLASS_MARK;
	return CLASS_SEP;
}

enum { UNIT_WORD = 1, UNIT_CJK = 2 };

/* A unit: a word or a run of CJK characters, by its original bytes. */
struct fold_unit {
	int kind;
	size_t start, end;
};

typedef void (*fold_unit_fn)(void *ctx, const char *s, const struct fold_unit *u);

/* Calls fn for each unit of s, in order. A mark continues the unit before it (or starts a word). */
static void segment(const char *s, size_t len, fold_unit_fn fn, void *ctx)
{
	struct fold_unit u = { 0, 0, 0 };
	int32_t i = 0, n = (int32_t)len;
	while (i < n) {
		int32_t at = i;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		enum fold_class cls = fold_class(c);
		if (cls == CLASS_MARK && u.kind) {
			u.end = (size_t)i;
			continue;
		}
		int kind = cls == CLASS_CJK ? UNIT_CJK : (cls == CLASS_SEP ? 0 : UNIT_WORD);
		if (u.kind && kind != u.kind) {
			fn(ctx, s, &u);
			u.kind = 0;
		}
		if (kind && !u.kind)
			u = (struct fold_unit){ kind, (size_t)at, (size_t)i };
		else if (kind)
			u.end = (size_t)i;
	}
	if (u.kind)
		fn(ctx, s, &u);
}

static void fold_word(struct fold_out *o, const char *s, const struct fold_unit *u)
{
	struct fold_tok t;
	t.n = 0;
	int32_t i = (int32_t)u->start, n = (int32_t)u->end;
	while (i < n) {
		int32_t at = i;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c < 0)
			tok_flush(o, &t);
		else
			fold_cp(o, &t, c, (size_t)at, (size_t)i);
	}
	tok_flush(o, &t);
}

/* One folded CJK character and its original bytes. */
struct cjk_char {
	char s[16];
	size_t n;
	size_t start, end;
};

enum run_mode {
	RUN_DOC,  /* pairs, then the last character alone */
	RUN_LAST, /* a query's run at a group's end: pairs only (one character: itself, a prefix) */
};

/*
 * The tokens of a run of CJK characters. Returns the number of characters
 * the run folded to (0 when none, or out of memory).
 */
static size_t fold_cjk(struct fold_out *o, const char *s, const struct fold_unit *u, enum run_mode mode)
{
	struct cjk_char small[64];
	struct cjk_char *v = small;
	size_t cap = 64, count = 0;
	int32_t i = (int32_t)u->start, n = (int32_t)u->end;
	while (i < n) {
		int32_t at = i;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (fold_class(c) == CLASS_MARK) {
			if (count)
				v[count - 1].end = (size_t)i;
			continue;
		}
		struct fold_out one = { .spans = false };
		struct fold_tok t;
		t.n = 0;
		fold_cp(&one, &t, c, (size_t)at, (size_t)i);
		tok_flush(&one, &t);
		if (one.oom) {
			o->oom = true;
			break;
		}
		if (one.len == 0 || one.len >= sizeof(v[0].s) || memchr(one.text, ' ', one.len)) {
			free(one.text);
			continue;
		}
		if (count == cap) {
			struct cjk_char *p = v == small ? malloc(cap * 2 * sizeof(*p)) : realloc(v, cap * 2 * sizeof(*p));
			if (!p) {
				free(one.text);
				o->oom = true;
				break;
			}
			if (v == small)
				memcpy(p, small, sizeof(small));
			v = p;
			cap *= 2;
		}
		memcpy(v[count].s, one.text, one.len);
		v[count].n = one.len;
		v[count].start = (size_t)at;
		v[count].end = (size_t)i;
		count++;
		free(one.text);
	}
	for (size_t k = 0; !o->oom && count > 1 && k + 1 < count; k++) {
		char pair[32];
		memcpy(pair, v[k].s, v[k].n);
		memcpy(pair + v[k].n, v[k + 1].s, v[k + 1].n);
		out_token(o, pair, v[k].n + v[k + 1].n, v[k].start, v[k + 1].end);
	}
	if (!o->oom && count > 0 && (count == 1 || mode == RUN_DOC))
		out_token(o, v[count - 1].s, v[count - 1].n, v[count - 1].start, v[count - 1].end);
	if (v != small)
		free(v);
	return o->oom ? 0 : count;
}

static void doc_unit(void *ctx, const char *s, const struct fold_unit *u)
{
	struct fold_out *o = ctx;
	if (u->kind == UNIT_WORD)
		fold_word(o, s, u);
	else
		(void)fold_cjk(o, s, u, RUN_DOC);
}

gc_status gc_fold_text(const char *s, size_t len, bool spans, struct gc_fold_tokens *res)
{
	memset(res, 0, sizeof(*res));
	if (len > FOLD_MAX_INPUT)
		return GC_ETOOBIG;
	struct fold_out o = { .spans = spans };
	segment(s, len, doc_unit, &o);
	if (!o.oom && !o.text)
		out_bytes(&o, "", 0);
	if (o.oom) {
		free(o.text);
		free(o.v);
		return GC_ENOMEM;
	}
	res->text = o.text;
	res->text_len = o.len;
	res->v = o.v;
	res->n = o.n;
	return GC_OK;
}

void gc_fold_tokens_free(struct gc_fold_tokens *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* --- queries ---------------------------------------------------------------------------------- */

#define QUERY_MAX_UNITS 256

struct query_units {
	struct fold_unit u[QUERY_MAX_UNITS];
	size_t n;
	bool overflow;
};

static void query_unit(void *ctx, const char *s, const struct fold_unit *u)
{
	(void)s;
	struct query_units *q = ctx;
	if (q->n == QUERY_MAX_UNITS)
		q->overflow = true;
	else
		q->u[q->n++] = *u;
}

gc_status gc_fold_query_parse(const char *s, size_t len, struct gc_fold_query *q)
{
	memset(q, 0, sizeof(*q));
	if (len > 4096)
		return GC_ETOOBIG;
	struct query_units *units = calloc(1, sizeof(*units));
	int *phrase = calloc(len + 1, sizeof(int));
	bool *phrase_star = calloc(len + 1, sizeof(bool));
	struct fold_out o = { .spans = true };
	bool prefix[GC_FOLD_MAX_TERMS + 1] = { false };
	gc_status st = GC_OK;
	if (!units || !phrase || !phrase_star) {
		st = GC_ENOMEM;
		goto out;
	}
	/* phrase[i]: the number of the phrase byte i is in (from 1), 0 outside quotes. */
	int current = 0, count = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			if (current) {
				if (i + 1 < len && s[i + 1] == '*')
					phrase_star[current] = true;
				current = 0;
			} else {
				current = ++count;
			}
			phrase[i] = 0;
			continue;
		}
		phrase[i] = current;
	}
	segment(s, len, query_unit, units);
	if (units->overflow) {
		st = GC_ETOOBIG;
		goto out;
	}
	size_t words = 0;
	for (size_t i = 0; i < units->n;) {
		/* A group: one unit outside quotes, every unit of one phrase inside them. */
		int group_phrase = phrase[units->u[i].start];
		size_t j = i + 1;
		while (group_phrase && j < units->n && phrase[units->u[j].start] == group_phrase)
			j++;
		size_t first = o.n;
		for (size_t k = i; k < j; k++) {
			const struct fold_unit *u = &units->u[k];
			bool last = k + 1 == j;
			bool star = group_phrase ? (last && phrase_star[group_phrase]) : false;
			if (u->end < len && s[u->end] == '*' && last)
				star = true;
			words++;
			size_t before = o.n;
			if (u->kind == UNIT_WORD) {
				fold_word(&o, s, u);
				if (star && o.n > before && o.n <= GC_FOLD_MAX_TERMS)
					prefix[o.n - 1] = true;
			} else {
				size_t chars = fold_cjk(&o, s, u, last ? RUN_LAST : RUN_DOC);
				if (last && chars == 1 && o.n > before && o.n <= GC_FOLD_MAX_TERMS)
					prefix[o.n - 1] = true;
			}
			if (o.n > GC_FOLD_MAX_TERMS)
				break;
		}
		if (o.oom) {
			st = GC_ENOMEM;
			goto out;
		}
		if (o.n > GC_FOLD_MAX_TERMS || words > GC_FOLD_MAX_UNITS) {
			st = GC_ETOOBIG;
			goto out;
		}
		if (o.n > first)
			q->groups[q->n_groups++] = (struct gc_fold_group){ .first = first, .count = o.n - first };
		i = j;
	}
	if (q->n_groups == 0) {
		st = GC_EINVAL;
		goto out;
	}
	for (size_t i = 0; i < o.n; i++)
		q->terms[i] = (struct gc_fold_term){ .off = o.v[i].off, .len = o.v[i].len, .prefix = prefix[i] };
	q->n_terms = o.n;
	q->text = o.text;
	o.text = NULL;
out:
	free(o.text);
	free(o.v);
	free(units);
	free(phrase);
	free(phrase_star);
	if (st != GC_OK)
		memset(q, 0, sizeof(*q));
	return st;
}

void gc_fold_query_free(struct gc_fold_query *q)
{
	if (!q)
		return;
	free(q->text);
	memset(q, 0, sizeof(*q));
}

/* --- snippets --------------------------------------------------------------------------------- */

static bool term_matches(const struct gc_fold_tokens *t, size_t i, const struct gc_fold_query *q,
			 const struct gc_fold_term *term)
{
	const char *tok = t->text + t->v[i].off;
	size_t n = t->v[i].len;
	if (term->prefix ? n < term->len : n != term->len)
		return false;
	return memcmp(tok, q->text + term->off, term->len) == 0;
}

/* Whether group g matches at token i. */
static bool group_matches(const struct gc_fold_tokens *t, size_t i, const struct gc_fold_query *q,
			  const struct gc_fold_group *g)
{
	if (i + g->count > t->n)
		return false;
	for (size_t k = 0; k < g->count; k++)
		if (!term_matches(t, i + k, q, &q->terms[g->first + k]))
			return false;
	return true;
}

struct snippet_match {
	size_t first, last; /* tokens */
	size_t group;
};

#define SNIPPET_MAX_MATCHES 2048

/* Appends original bytes, whitespace runs as one space, private marks as U+FFFD. */
static void snippet_copy(struct fold_out *o, const char *s, size_t from, size_t to)
{
	size_t i = from;
	while (i < to) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			while (i < to && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
				i++;
			out_bytes(o, " ", 1);
			continue;
		}
		if (c == 0xee && i + 2 < to && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x80 || (unsigned char)s[i + 2] == 0x81)) {
			out_bytes(o, "\xef\xbf\xbd", 3);
			i += 3;
			continue;
		}
		size_t j = i + 1;
		while (j < to && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && (unsigned char)s[j] != 0xee)
			j++;
		out_bytes(o, s + i, j - i);
		i = j;
	}
}

gc_status gc_fold_snippet(const char *s, size_t len, const struct gc_fold_query *q, size_t window, char **out)
{
	struct gc_fold_tokens t;
	struct snippet_match *m = NULL;
	struct fold_out o = { .spans = false };
	*out = NULL;
	if (window < 1)
		window = 1;
	gc_status st = gc_fold_text(s, len, true, &t);
	if (st != GC_OK)
		return st;
	size_t n_m = 0;
	if (t.n && q && q->n_groups) {
		m = malloc(SNIPPET_MAX_MATCHES * sizeof(*m));
		if (!m) {
			st = GC_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < t.n && n_m < SNIPPET_MAX_MATCHES; i++)
			for (size_t g = 0; g < q->n_groups && n_m < SNIPPET_MAX_MATCHES; g++)
				if (group_matches(&t, i, q, &q->groups[g]))
					m[n_m++] = (struct snippet_match){ i, i + q->groups[g].count - 1, g };
	}
	/* The window: the one that holds the most different groups, then the most matches, earliest. */
	size_t ws = 0;
	if (n_m) {
		size_t best_groups = 0, best_hits = 0;
		for (size_t a = 0; a < n_m; a++) {
			size_t start = m[a].first > window / 4 ? m[a].first - window / 4 : 0;
			if (a && m[a].first == m[a - 1].first)
				continue;
			bool seen[GC_FOLD_MAX_TERMS] = { false };
			size_t groups = 0, hits = 0;
			for (size_t b = a; b < n_m && m[b].last < start + window; b++) {
				hits++;
				if (!seen[m[b].group]) {
					seen[m[b].group] = true;
					groups++;
				}
			}
			if (groups > best_groups || (groups == best_groups && hits > best_hits)) {
				best_groups = groups;
				best_hits = hits;
				ws = start;
			}
		}
	}
	if (ws + window > t.n)
		ws = t.n > window ? t.n - window : 0; /* a window that fits shows as much as it can */
	size_t we = ws + window < t.n ? ws + window : t.n; /* one past the last token shown */
	if (t.n == 0) {
		out_bytes(&o, "", 0);
	} else {
		if (ws > 0)
			out_bytes(&o, "\xe2\x80\xa6", 3);
		size_t pos = ws ? t.v[ws].start : 0;
		size_t end = t.v[we - 1].end;
		if (we == t.n)
			end = len; /* the text's end: its last punctuation too */
		while (pos < end && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
			pos++;
		while (end > pos && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\n' || s[end - 1] == '\r'))
			end--;
		/* Marks: each match's bytes, merged where they overlap or touch. */
		for (size_t a = 0; a < n_m; a++) {
			if (m[a].first < ws || m[a].last >= we)
				continue;
			size_t ms = t.v[m[a].first].start, me = t.v[m[a].last].end;
			while (a + 1 < n_m && m[a + 1].first >= ws && m[a + 1].last < we && t.v[m[a + 1].first].start <= me) {
				a++;
				if (t.v[m[a].last].end > me)
					me = t.v[m[a].last].end;
			}
			if (ms < pos)
				ms = pos; /* a match overlapping one already marked */
			if (me <= pos)
				continue;
			snippet_copy(&o, s, pos, ms);
			out_bytes(&o, "\xee\x80\x80", 3);
			snippet_copy(&o, s, ms, me);
			out_bytes(&o, "\xee\x80\x81", 3);
			pos = me;
		}
		snippet_copy(&o, s, pos, end);
		if (we < t.n)
			out_bytes(&o, "\xe2\x80\xa6", 3);
	}
	if (o.oom) {
		st = GC_ENOMEM;
		free(o.text);
	} else {
		*out = o.text;
	}
done:
	free(m);
	gc_fold_tokens_free(&t);
	return st;
}
