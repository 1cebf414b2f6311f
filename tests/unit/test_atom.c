/* The Atom writer (render/atom.h): well-formed XML whatever the text, required fields, dates. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "render/atom.h"

static char *escaped(const char *s, size_t n)
{
	struct gc_buf b;
	gc_buf_init(&b, 1 << 16);
	gc_atom_text(&b, s, n);
	cr_assert_eq(gc_buf_error(&b), GC_OK);
	return gc_buf_take(&b, NULL);
}

static void expect_text(const char *in, size_t n, const char *want)
{
	char *out = escaped(in, n);
	cr_expect_str_eq(out, want, "escaping %zu bytes: %s", n, out);
	free(out);
}

Test(atom, escapes_markup_and_quotes)
{
	expect_text("a<b>&\"c'", 8, "a&lt;b&gt;&amp;&quot;c&apos;");
	expect_text("]]> <![CDATA[", 13, "]]&gt; &lt;![CDATA[");
	expect_text("caf\xc3\xa9 \xe4\xb8\xad \xd8\xa7", 12, "caf\xc3\xa9 \xe4\xb8\xad \xd8\xa7");
	expect_text("line\r\nnext\ttab", 14, "line&#13;\nnext\ttab");
}

Test(atom, replaces_what_xml_does_not_allow)
{
	/* C0 controls, NUL, U+FFFE, invalid and overlong UTF-8, surrogates, a cut sequence. */
	expect_text("a\x01" "b", 3, "a\xef\xbf\xbd" "b");
	expect_text("a\0b", 3, "a\xef\xbf\xbd" "b");
	expect_text("\xef\xbf\xbe", 3, "\xef\xbf\xbd");
	expect_text("\xff", 1, "\xef\xbf\xbd");
	expect_text("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("x\xe4\xb8", 3, "x\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
}

Test(atom, dates_are_rfc3339_utc)
{
	char when[32];
	gc_atom_date(0, when, sizeof(when));
	cr_expect_str_eq(when, "1970-01-01T00:00:00Z");
	gc_atom_date(1795848000, when, sizeof(when));
	cr_expect_str_eq(when, "2026-11-28T06:40:00Z");
}

Test(atom, tag_ids)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	gc_atom_tag_id(&b, "portal.example", "2026", "policies/12");
	cr_expect_str_eq(gc_buf_str(&b), "tag:portal.example,2026:policies/12");
	gc_buf_free(&b);
}

Test(atom, writes_a_feed_with_entries)
{
	struct gc_buf b;
	gc_buf_init(&b, GC_ATOM_MAX_BYTES);
	struct gc_atom_feed feed = { .id = "tag:p.example,2026:policies", .title = "Policies <all>",
				     .lang = "en", .self_href = "/policies.atom?kind=law&x=1",
				     .alternate_href = "/policies", .author_name = "GCSCP", .updated = 86400 };
	struct gc_atom_category cats[] = { { .term = "cybercrime", .label = "Cybercrime" }, { .term = NULL } };
	struct gc_atom_entry e = { .id = "tag:p.example,2026:policies/1", .title = "A & B", .title_lang = "fr",
				   .summary = "S", .href = "/policies/1", .author_name = "Kenya", .updated = 86400,
				   .published = 3600, .categories = cats, .n_categories = 2 };
	cr_assert_eq(gc_atom_begin(&b, &feed), GC_OK);
	cr_assert_eq(gc_atom_entry(&b, &e), GC_OK);
	cr_assert_eq(gc_atom_end(&b), GC_OK);
	const char *xml = gc_buf_str(&b);
	cr_expect(strstr(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">") == xml);
	cr_expect(strstr(xml, "<title>Policies &lt;all&gt;</title>") != NULL);
	cr_expect(strstr(xml, "<updated>1970-01-02T00:00:00Z</updated>") != NULL);
	cr_expect(strstr(xml, "<link rel=\"self\" type=\"application/atom+xml\" href=\"/policies.atom?kind=law&amp;x=1\"/>") != NULL);
	cr_expect(strstr(xml, "<title xml:lang=\"fr\">A &amp; B</title>") != NULL);
	cr_expect(strstr(xml, "<published>1970-01-01T01:00:00Z</published>") != NULL);
	cr_expect(strstr(xml, "<category term=\"cybercrime\" label=\"Cybercrime\"/>") != NULL);
	cr_expect(strstr(xml, "term=\"\"") == NULL, "a category without a term is left out");
	cr_expect(strstr(xml, "</entry>\n</feed>\n") != NULL);
	gc_buf_free(&b);
}

Test(atom, refuses_missing_required_fields)
{
	struct gc_buf b;
	gc_buf_init(&b, 1 << 16);
	struct gc_atom_feed feed = { .id = "tag:x,2026:f", .title = "T", .self_href = "/f", .author_name = "A" };
	cr_expect_eq(gc_atom_begin(&b, &feed), GC_EINVAL, "no updated");
	feed.updated = 1;
	feed.id = "";
	cr_expect_eq(gc_atom_begin(&b, &feed), GC_EINVAL, "no id");
	struct gc_atom_entry e = { .id = "tag:x,2026:e", .title = "T", .updated = 1 };
	cr_expect_eq(gc_atom_entry(&b, &e), GC_EINVAL, "no href");
	gc_buf_free(&b);
}
