/* The search normaliser (base/fold.h): folding, CJK pairs, query parsing, snippets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"

/* The indexed form of s. */
static char *folded(const char *s)
{
	struct gc_fold_tokens t;
	cr_assert_eq(gc_fold_text(s, strlen(s), false, &t), GC_OK);
	char *out = strdup(t.text);
	gc_fold_tokens_free(&t);
	return out;
}

static void expect_fold(const char *s, const char *want)
{
	char *got = folded(s);
	cr_expect_str_eq(got, want, "fold(%s)", s);
	free(got);
}

/* The query's groups, written as "t1 t2*|t3" (| between groups, * on prefix terms). */
static char *query_form(const char *s, gc_status *st)
{
	struct gc_fold_query q;
	*st = gc_fold_query_parse(s, strlen(s), &q);
	if (*st != GC_OK)
		return NULL;
	char *out = calloc(1, 4096);
	for (size_t g = 0; g < q.n_groups; g++) {
		if (g)
			strcat(out, "|");
		for (size_t k = 0; k < q.groups[g].count; k++) {
			const struct gc_fold_term *t = &q.terms[q.groups[g].first + k];
			if (k)
				strcat(out, " ");
			strncat(out, q.text + t->off, t->len);
			if (t->prefix)
				strcat(out, "*");
		}
	}
	gc_fold_query_free(&q);
	return out;
}

static void expect_query(const char *s, const char *want)
{
	gc_status st;
	char *got = query_form(s, &st);
	cr_assert_eq(st, GC_OK, "query(%s): %d", s, st);
	cr_expect_str_eq(got, want, "query(%s)", s);
	free(got);
}

static char *snippet(const char *text, const char *query, size_t window)
{
	struct gc_fold_query q;
	cr_assert_eq(gc_fold_query_parse(query, strlen(query), &q), GC_OK);
	char *out = NULL;
	cr_assert_eq(gc_fold_snippet(text, strlen(text), &q, window, &out), GC_OK);
	gc_fold_query_free(&q);
	return out;
}

Test(fold, latin_case_and_accents)
{
	expect_fold("L'État français", "l etat francais");
	expect_fold("École ÉCOLE école", "ecole ecole ecole");
	expect_fold("Protección de Datos, año 2018", "proteccion de datos ano 2018");
	expect_fold("Straße", "strasse");
	expect_fold("ﬁnance Ｆｕｌｌ", "finance full"); /* ligature and full-width forms */
	/* Decomposed input (e + combining acute) folds as the composed one. */
	expect_fold("E\xcc\x81tat", "etat");
}

Test(fold, cyrillic)
{
	expect_fold("Ёлка ЁЛКА ёлка", "елка елка елка");
	/* й stays a letter of its own, composed or decomposed. */
	expect_fold("Мой МОЙ", "мой мой");
	expect_fold("\xd0\xb8\xcc\x86", "й");
	expect_fold("Безопасность", "безопасность");
}

Test(fold, arabic)
{
	/* Harakat and tatweel go; alef variants become bare alef. */
	expect_fold("الأَمْنُ السيبراني", "الامن السيبراني");
	expect_fold("الأمن", "الامن");
	expect_fold("إدارة آمنة ٱلسلام", "اداره امنه السلام");
	expect_fold("الأمـــن", "الامن");
	expect_fold("مستشفى", "مستشفي");
	expect_fold("١٢٣ ۴۵", "123 45");
}

Test(fold, cjk_pairs_and_last_character)
{
	expect_fold("网络安全", "网络 络安 安全 全");
	expect_fold("网", "网");
	expect_fold("国家网络安全战略。设立", "国家 家网 网络 络安 安全 全战 战略 略 设立 立");
	expect_fold("Windows操作系统", "windows 操作 作系 系统 统");
	expect_fold("ひらがな", "ひら らが がな な");
	expect_fold("ｶﾀｶﾅ", "カタ タカ カナ ナ"); /* half-width forms */
	/* Hangul is written with spaces: words, kept whole. */
	expect_fold("사이버 보안", "사이버 보안");
}

Test(fold, separators_and_marks)
{
	expect_fold("", "");
	expect_fold("  ,;!  ", "");
	expect_fold("cyber-security e-mail", "cyber security e mail");
	/* The snippet marks are not letters: they separate. */
	expect_fold("a\xee\x80\x80" "b", "a b");
	/* Invalid UTF-8 separates. */
	expect_fold("ab\xff" "cd", "ab cd");
}

Test(fold, long_words_are_cut)
{
	char word[200];
	memset(word, 'a', 150);
	word[150] = '\0';
	char *got = folded(word);
	cr_expect_eq(strlen(got), GC_FOLD_MAX_WORD);
	free(got);
}

Test(fold, spans_point_at_the_original)
{
	const char *s = "L'État, 网络安全";
	struct gc_fold_tokens t;
	cr_assert_eq(gc_fold_text(s, strlen(s), true, &t), GC_OK);
	cr_assert_eq(t.n, 6);
	cr_expect_eq(t.v[1].start, 2);
	cr_expect_eq(t.v[1].end, 2 + strlen("État"));
	cr_expect_eq(memcmp(t.text + t.v[1].off, "etat", 4), 0);
	/* 络安 covers two characters of three bytes each. */
	cr_expect_eq(t.v[3].end - t.v[3].start, 6);
	gc_fold_tokens_free(&t);
}

Test(fold, queries)
{
	expect_query("État", "etat");
	expect_query("etat ecole", "etat|ecole");
	expect_query("\"national strategy\"", "national strategy");
	expect_query("secur*", "secur*");
	expect_query("\"national secur\"*", "national secur*");
	expect_query("\"a b\" c*", "a b|c*");
	/* Engine syntax is only words. */
	expect_query("a OR b NEAR(c) -d ^e", "a|or|b|near|c|d|e");
	/* Chinese: a phrase of pairs; one character is a prefix. */
	expect_query("网络安全", "网络 络安 安全");
	expect_query("络安", "络安");
	expect_query("网", "网*");
	expect_query("\"网络 abc\"", "网络 络 abc");
	expect_query("الأَمْن", "الامن");
	expect_query("ЁЛКА", "елка");
}

Test(fold, query_refusals)
{
	gc_status st;
	cr_expect_null(query_form("", &st));
	cr_expect_eq(st, GC_EINVAL);
	cr_expect_null(query_form(" \"\" * , ", &st));
	cr_expect_eq(st, GC_EINVAL);
	cr_expect_null(query_form("\xd9\x8e", &st)); /* a haraka alone */
	cr_expect_eq(st, GC_EINVAL);
	cr_expect_null(query_form("a b c d e f g h i j k l m n o p q", &st));
	cr_expect_eq(st, GC_ETOOBIG);
	expect_query("a b c d e f g h i j k l m n o p", "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p");
}

Test(fold, snippets_mark_the_original)
{
	char *s = snippet("La stratégie de l'État pour la sécurité.", "etat securite", 24);
	cr_expect_str_eq(s, "La stratégie de l'\xee\x80\x80État\xee\x80\x81 pour la \xee\x80\x80sécurité\xee\x80\x81.");
	free(s);
	s = snippet("本文件规定了国家在网络和信息系统安全方面的目标。", "信息系统", 40);
	cr_expect_str_eq(s, "本文件规定了国家在网络和\xee\x80\x80信息系统\xee\x80\x81安全方面的目标。");
	free(s);
	s = snippet("national cyber strategy and national defence", "\"national cyber\"", 24);
	cr_expect_str_eq(s, "\xee\x80\x80national cyber\xee\x80\x81 strategy and national defence");
	free(s);
	s = snippet("الأَمْنُ السيبراني", "الامن", 24);
	cr_expect_str_eq(s, "\xee\x80\x80الأَمْنُ\xee\x80\x81 السيبراني");
	free(s);
}

Test(fold, snippets_cut_and_collapse)
{
	char *s = snippet("one two three four five six seven eight nine ten target eleven twelve thirteen", "target", 4);
	cr_expect_str_eq(s, "…ten \xee\x80\x80target\xee\x80\x81 eleven twelve…");
	free(s);
	/* Near the end, the window takes what comes before instead. */
	s = snippet("one two three four five six seven eight nine ten target eleven", "target", 4);
	cr_expect_str_eq(s, "…nine ten \xee\x80\x80target\xee\x80\x81 eleven");
	free(s);
	s = snippet("no match\n\nhere at all", "zzz", 3);
	cr_expect_str_eq(s, "no match here…");
	free(s);
	/* Marks in the text cannot forge a match. */
	s = snippet("x \xee\x80\x80y\xee\x80\x81 z", "z", 8);
	cr_expect_str_eq(s, "x \xef\xbf\xbdy\xef\xbf\xbd \xee\x80\x80z\xee\x80\x81");
	free(s);
}
