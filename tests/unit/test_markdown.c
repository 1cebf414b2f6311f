/* Markdown → safe HTML: structure kept, raw HTML and dangerous URLs gone. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "render/markdown.h"

/* Renders md and returns the HTML (the caller frees it); fails the test on error. */
static char *render(const char *md)
{
	struct gc_buf out;
	gc_buf_init(&out, 4u << 20);
	gc_status st = gc_markdown_to_html(md, strlen(md), &out);
	cr_assert_eq(st, GC_OK, "%s: %s", md, gc_status_name(st));
	char *html = gc_buf_take(&out, NULL);
	cr_assert_not_null(html);
	return html;
}

static void expect_html(const char *md, const char *want)
{
	char *html = render(md);
	cr_expect_str_eq(html, want, "markdown: %s", md);
	free(html);
}

Test(markdown, renders_headings_lists_and_emphasis)
{
	expect_html("# Title\n\n## Sub-title", "<h1>Title</h1>\n<h2>Sub-title</h2>\n");
	expect_html("- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
	expect_html("1. first\n2. second\n", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n");
	expect_html("Some *emphasis*, **strong** and `code`.",
		    "<p>Some <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>\n");
	expect_html("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n");
	expect_html("a & b < c", "<p>a &amp; b &lt; c</p>\n");
	expect_html("Résolution 73/27 — 中文 العربية", "<p>Résolution 73/27 — 中文 العربية</p>\n");
	expect_html("", "");
}

Test(markdown, keeps_safe_links)
{
	expect_html("[UNODA](https://disarmament.unoda.org/)", "<p><a href=\"https://disarmament.unoda.org/\">UNODA</a></p>\n");
	expect_html("[x](http://example.org/a?b=1&c=2)", "<p><a href=\"http://example.org/a?b=1&amp;c=2\">x</a></p>\n");
	expect_html("[Write](mailto:cyber@example.org)", "<p><a href=\"mailto:cyber@example.org\">Write</a></p>\n");
	expect_html("[France](/countries/FRA)", "<p><a href=\"/countries/FRA\">France</a></p>\n");
	expect_html("[top](#top)", "<p><a href=\"#top\">top</a></p>\n");
	expect_html("[next](page-2?x=a:b)", "<p><a href=\"page-2?x=a:b\">next</a></p>\n");
	expect_html("[t](HTTPS://example.org \"A \\\"title\\\"\")",
		    "<p><a href=\"HTTPS://example.org\" title=\"A &quot;title&quot;\">t</a></p>\n");
	expect_html("<https://example.org/x>", "<p><a href=\"https://example.org/x\">https://example.org/x</a></p>\n");
	expect_html("[ref]\n\n[ref]: https://example.org/r", "<p><a href=\"https://example.org/r\">ref</a></p>\n");
}

Test(markdown, drops_dangerous_links_but_keeps_their_text)
{
	static const char *const cases[] = {
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](< javascript:alert(1)>)",
		"[click](<  JaVaScRiPt:alert(1)>)",
		"[click](<java\tscript:alert(1)>)",
		"[click](java&#9;script:alert(1))",
		"[click](java&#10;script:alert(1))",
		"[click](&#x20;javascript:alert(1))",
		"[click](&#1;javascript:alert(1))",
		"[click](javascript&colon;alert(1))",
		"[click](&#106;avascript:alert(1))",
		"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[click](DATA:text/html,<script>alert(1)</script>)",
		"[click](data:image/png;base64,iVBORw0KGgo=)",
		"[click](vbscript:msgbox(1))",
		"[click](VBScript:msgbox(1))",
		"[click](file:///etc/passwd)",
		"[click](ftp://example.org/)",
		"[click](java\\script:alert(1))",
		"[click][r]\n\n[r]: javascript:alert(1)",
		"[click][r]\n\n[r]: <\tjavascript:alert(1)>",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *html = render(cases[i]);
		cr_expect_null(strstr(html, "href"), "case %zu: %s → %s", i, cases[i], html);
		cr_expect_null(strstr(html, "<a"), "case %zu: %s → %s", i, cases[i], html);
		cr_expect_str_eq(html, "<p>click</p>\n", "case %zu: %s", i, cases[i]);
		free(html);
	}
	/* An autolink's text is its address: it stays as text. */
	expect_html("<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n");
	expect_html("a [b *c*](javascript:x) d", "<p>a b <em>c</em> d</p>\n");
}

Test(markdown, drops_raw_html)
{
	static const char *const cases[] = {
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"text <img src=x onerror=alert(1)> more",
		"<div onclick=\"alert(1)\">hi</div>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"a <a href=\"javascript:alert(1)\">b</a>",
		"<svg/onload=alert(1)>",
		"<style>body{display:none}</style>",
		"<!-- comment --><SCRIPT>alert(1)</SCRIPT>",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *html = render(cases[i]);
		/* Tags are gone; what is left of them is text, escaped. */
		static const char *const banned[] = { "<script", "<SCRIPT", "<img", "<div", "<iframe", "<svg",
						      "<style", "<a", "href" };
		for (size_t b = 0; b < sizeof(banned) / sizeof(banned[0]); b++)
			cr_expect_null(strstr(html, banned[b]), "case %zu: %s → %s", i, cases[i], html);
		free(html);
	}
	expect_html("<script>alert(1)</script>", "<!-- raw HTML omitted -->\n");
	expect_html("<img src=x onerror=alert(1)>", "<!-- raw HTML omitted -->\n");
	expect_html("<svg/onload=alert(1)>", "<p>&lt;svg/onload=alert(1)&gt;</p>\n");
	expect_html("a <b>bold</b> c", "<p>a <!-- raw HTML omitted -->bold<!-- raw HTML omitted --> c</p>\n");
}

Test(markdown, turns_images_into_links_or_text)
{
	expect_html("![UN logo](https://example.org/logo.png)",
		    "<p><a href=\"https://example.org/logo.png\">UN logo</a></p>\n");
	expect_html("![](/static/map.png)", "<p><a href=\"/static/map.png\">/static/map.png</a></p>\n");
	expect_html("![map *of* regions](/m.png \"M49\")", "<p><a href=\"/m.png\" title=\"M49\">map of regions</a></p>\n");
	expect_html("![x](javascript:alert(1))", "<p>x</p>\n");
	expect_html("![x](data:image/png;base64,iVBORw0KGgo=)", "<p>x</p>\n");
	expect_html("[![alt](https://a.example/i.png)](https://b.example/)",
		    "<p><a href=\"https://b.example/\">alt</a></p>\n");
	expect_html("[![alt](https://a.example/i.png)](javascript:x)", "<p><a href=\"https://a.example/i.png\">alt</a></p>\n");
	expect_html("![outer ![inner](/in.png) end](/out.png)", "<p><a href=\"/out.png\">outer inner end</a></p>\n");
	expect_html("![a [link](https://x.example/) b](/i.png)", "<p><a href=\"/i.png\">a link b</a></p>\n");
	char *html = render("![a\"onerror=\"alert(1)](https://x.example/i.png)");
	cr_expect_null(strstr(html, "<img"));
	cr_expect_null(strstr(html, "onerror=\""), "%s", html);
	free(html);
}

Test(markdown, enforces_the_size_limit)
{
	char *md = malloc(GC_MARKDOWN_MAX_INPUT + 1);
	cr_assert_not_null(md);
	memset(md, 'a', GC_MARKDOWN_MAX_INPUT + 1);
	struct gc_buf out;
	gc_buf_init(&out, 4u << 20);
	cr_assert_eq(gc_markdown_to_html(md, GC_MARKDOWN_MAX_INPUT + 1, &out), GC_ETOOBIG);
	cr_assert_eq(out.len, 0);
	cr_assert_eq(gc_markdown_to_html(md, GC_MARKDOWN_MAX_INPUT, &out), GC_OK);
	cr_assert_eq(out.len, GC_MARKDOWN_MAX_INPUT + strlen("<p></p>\n"));
	gc_buf_free(&out);

	/* The output buffer's own bound is reported, not overrun. */
	gc_buf_init(&out, 16);
	cr_assert_eq(gc_markdown_to_html("# A heading that is long", 24, &out), GC_ETOOBIG);
	gc_buf_free(&out);
	free(md);
}

Test(markdown, refuses_invalid_utf8)
{
	static const char *const cases[] = {
		"caf\xc3",         /* truncated */
		"\xff",            /* never valid */
		"\xc0\xaf",        /* overlong '/' */
		"\xed\xa0\x80",    /* a surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"ok [x](/\xe9)",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gc_buf out;
		gc_buf_init(&out, 1 << 16);
		cr_expect_eq(gc_markdown_to_html(cases[i], strlen(cases[i]), &out), GC_EINVAL, "case %zu", i);
		cr_expect_eq(out.len, 0, "case %zu", i);
		gc_buf_free(&out);
	}
	struct gc_buf out;
	gc_buf_init(&out, 1 << 16);
	cr_assert_eq(gc_markdown_to_html(NULL, 0, &out), GC_OK);
	cr_assert_eq(gc_markdown_to_html(NULL, 1, &out), GC_EINVAL);
	gc_buf_free(&out);
}

Test(markdown, survives_pathological_nesting)
{
	size_t n = 100000;
	char *md = malloc(2 * n + 1);
	cr_assert_not_null(md);
	for (size_t i = 0; i < n; i++) {
		md[2 * i] = '>';
		md[2 * i + 1] = ' ';
	}
	md[2 * n] = '\0';
	struct gc_buf out;
	gc_buf_init(&out, 16u << 20);
	cr_assert_eq(gc_markdown_to_html(md, strlen(md), &out), GC_OK);
	gc_buf_free(&out);

	for (size_t i = 0; i < 2 * n; i++)
		md[i] = i % 2 ? '(' : '[';
	gc_buf_init(&out, 16u << 20);
	cr_assert_eq(gc_markdown_to_html(md, 2 * n, &out), GC_OK);
	gc_buf_free(&out);

	for (size_t i = 0; i < 2 * n; i++)
		md[i] = "![a](b)"[i % 7];
	gc_buf_init(&out, 16u << 20);
	cr_assert_eq(gc_markdown_to_html(md, 2 * n - (2 * n) % 7, &out), GC_OK);
	gc_buf_free(&out);
	free(md);
}
