/*
 * The Mustache engine against the official specification's test files
 * (read from GCSCP_MUSTACHE_SPEC_DIR), plus the portal's own requirements:
 * malformed templates refused, limits enforced, attribute-safe escaping and
 * sharing one compiled template between threads.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/mustache.h"
#include "render/templates.h"

#define OUT_MAX (1u << 20)

/* A handful of named partials, looked up linearly. */
struct partial_set {
	const char *names[16];
	struct gc_template *tpls[16];
	size_t n;
};

static const struct gc_template *set_lookup(void *ctx, const char *name, size_t len)
{
	const struct partial_set *set = ctx;
	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->names[i]) == len && memcmp(set->names[i], name, len) == 0)
			return set->tpls[i];
	return NULL;
}

static void set_free(struct partial_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		gc_template_free(set->tpls[i]);
	set->n = 0;
}

static void set_add(struct partial_set *set, const char *name, const char *src)
{
	char err[256];
	cr_assert_lt(set->n, GC_ARRAY_LEN(set->tpls));
	gc_status st = gc_mustache_compile(name, src, strlen(src), &set->tpls[set->n], err, sizeof(err));
	cr_assert_eq(st, GC_OK, "partial %s: %s", name, err);
	set->names[set->n++] = name;
}

/* Compiles src and renders it over one context; returns the output (caller frees) or NULL. */
static char *render_with(const char *src, const json_t *data, struct partial_set *partials, gc_status *status)
{
	struct gc_template *tpl = NULL;
	struct gc_buf out;
	char err[256];
	char *result = NULL;

	gc_buf_init(&out, OUT_MAX);
	*status = gc_mustache_compile("t", src, strlen(src), &tpl, err, sizeof(err));
	if (*status)
		goto out;
	const json_t *stack[] = { data };
	*status = gc_mustache_render(tpl, stack, 1, set_lookup, partials, &out);
	if (*status)
		goto out;
	result = gc_buf_take(&out, NULL);
out:
	gc_buf_free(&out);
	gc_template_free(tpl);
	return result;
}

static void expect_render(const char *src, const char *data_json, const char *expected)
{
	json_error_t jerr;
	json_t *data = json_loads(data_json, JSON_DECODE_ANY, &jerr);
	cr_assert_not_null(data, "bad test JSON: %s", jerr.text);
	struct partial_set none = { .n = 0 };
	gc_status st;
	char *got = render_with(src, data, &none, &st);
	cr_assert_eq(st, GC_OK, "%s: %s", src, gc_status_name(st));
	cr_expect_str_eq(got, expected, "template %s gave %s", src, got ? got : "(null)");
	free(got);
	json_decref(data);
}

/* ------------------------------------------------------------------ */
/* The specification                                                   */

struct spec_count {
	size_t passed, total;
};

static bool run_spec_case(const char *file, json_t *t)
{
	const char *name = json_string_value(json_object_get(t, "name"));
	const char *tmpl = json_string_value(json_object_get(t, "template"));
	const char *expected = json_string_value(json_object_get(t, "expected"));
	json_t *data = json_object_get(t, "data");
	json_t *partials = json_object_get(t, "partials");
	struct partial_set set = { .n = 0 };
	struct gc_template *tpl = NULL;
	struct gc_buf out;
	char err[256] = "";
	bool ok = false;
	gc_status st = GC_OK;

	gc_buf_init(&out, OUT_MAX);
	if (!name || !tmpl || !expected || !data) {
		printf("  %s: malformed test entry\n", file);
		goto out;
	}
	const char *pname;
	json_t *psrc;
	json_object_foreach(partials, pname, psrc) {
		if (set.n == GC_ARRAY_LEN(set.tpls) || !json_is_string(psrc))
			goto out;
		st = gc_mustache_compile(pname, json_string_value(psrc), json_string_length(psrc), &set.tpls[set.n],
					 err, sizeof(err));
		if (st) {
			printf("  FAIL %s / %s: partial does not compile: %s\n", file, name, err);
			goto out;
		}
		set.names[set.n++] = pname;
	}
	st = gc_mustache_compile(name, tmpl, strlen(tmpl), &tpl, err, sizeof(err));
	if (st) {
		printf("  FAIL %s / %s: does not compile: %s\n", file, name, err);
		goto out;
	}
	const json_t *stack[] = { data };
	st = gc_mustache_render(tpl, stack, 1, set_lookup, &set, &out);
	if (st) {
		printf("  FAIL %s / %s: render: %s\n", file, name, gc_status_name(st));
		goto out;
	}
	ok = strcmp(gc_buf_str(&out), expected) == 0;
	if (!ok) {
		char *want = json_dumps(json_object_get(t, "expected"), JSON_ENCODE_ANY);
		json_t *g = json_string(gc_buf_str(&out));
		char *got = json_dumps(g, JSON_ENCODE_ANY);
		printf("  FAIL %s / %s:\n    expected %s\n    got      %s\n", file, name, want, got);
		free(want);
		free(got);
		json_decref(g);
	}
out:
	gc_buf_free(&out);
	gc_template_free(tpl);
	set_free(&set);
	return ok;
}

static struct spec_count run_spec_file(const char *dir, const char *file)
{
	struct spec_count count = { 0, 0 };
	char path[4096];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/%s.json", dir, file);
	json_t *doc = json_load_file(path, 0, &jerr);
	cr_assert_not_null(doc, "%s: %s", path, jerr.text);
	json_t *tests = json_object_get(doc, "tests");
	cr_assert(json_is_array(tests), "%s has no tests", path);
	size_t i;
	json_t *t;
	json_array_foreach(tests, i, t) {
		count.total++;
		count.passed += run_spec_case(file, t);
	}
	json_decref(doc);
	printf("mustache spec %s: %zu passed / %zu total\n", file, count.passed, count.total);
	return count;
}

Test(mustache_spec, conformance)
{
	static const char *const files[] = { "comments", "delimiters", "interpolation",
					     "inverted", "partials", "sections" };
	const char *dir = getenv("GCSCP_MUSTACHE_SPEC_DIR");
	cr_assert_not_null(dir, "GCSCP_MUSTACHE_SPEC_DIR is not set");
	struct spec_count all = { 0, 0 };
	for (size_t i = 0; i < GC_ARRAY_LEN(files); i++) {
		struct spec_count c = run_spec_file(dir, files[i]);
		all.passed += c.passed;
		all.total += c.total;
	}
	printf("mustache spec: %zu passed / %zu total\n", all.passed, all.total);
	fflush(stdout);
	cr_log_info("mustache spec: %zu passed / %zu total", all.passed, all.total);
	cr_assert_gt(all.total, 0);
	cr_assert_eq(all.passed, all.total, "%zu of %zu spec cases fail", all.total - all.passed, all.total);
}

/* ------------------------------------------------------------------ */
/* Malformed templates                                                 */

Test(mustache, malformed_templates_are_refused)
{
	static const struct {
		const char *src;
		const char *where; /* the start of the message */
	} cases[] = {
		{ "{{", "t:1:" },
		{ "abc {{name", "t:1:" },
		{ "{{name}", "t:1:" },
		{ "{{{name}}", "t:1:" },
		{ "{{{name}}}}{{{x}}", "t:1:" },
		{ "{{}}", "t:1:" },
		{ "{{  }}", "t:1:" },
		{ "{{&}}", "t:1:" },
		{ "{{#}}{{/}}", "t:1:" },
		{ "{{a b}}", "t:1:" },
		{ "{{a..b}}", "t:1:" },
		{ "{{.a}}", "t:1:" },
		{ "{{a.}}", "t:1:" },
		{ "{{>}}", "t:1:" },
		{ "{{> a b}}", "t:1:" },
		{ "{{! never closed", "t:1:" },
		{ "\n\n{{#open}}\nbody\n", "t:3:" },
		{ "{{/close}}", "t:1:" },
		{ "{{#a}}\n{{/b}}", "t:2:" },
		{ "{{#a}}{{#b}}{{/a}}{{/b}}", "t:1:" },
		{ "{{^a}}", "t:1:" },
		{ "{{=<% %>", "t:1:" },
		{ "{{=<%=}}", "t:1:" },
		{ "{{= =}}", "t:1:" },
		{ "{{=a b c=}}", "t:1:" },
		{ "{{=a= b=}}", "t:1:" },
		{ "{{=<<<<<<<<<<<<<<<<<<<< >=}}", "t:1:" },
		{ "{{=<% %>=}}\n<%name", "t:2:" },
		{ "{{=<% %>=}}<%#a%>{{/a}}", "t:1:" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		struct gc_template *tpl = NULL;
		char err[256] = "";
		gc_status st = gc_mustache_compile("t", cases[i].src, strlen(cases[i].src), &tpl, err, sizeof(err));
		cr_expect_eq(st, GC_EINVAL, "\"%s\" gives %s", cases[i].src, gc_status_name(st));
		cr_expect_null(tpl);
		cr_expect(strncmp(err, cases[i].where, strlen(cases[i].where)) == 0, "\"%s\": message \"%s\"",
			  cases[i].src, err);
		gc_template_free(tpl);
	}
}

Test(mustache, errors_fit_small_buffers)
{
	struct gc_template *tpl = NULL;
	char err[8];
	gc_status st = gc_mustache_compile("a-long-template-name", "{{#x}}", 6, &tpl, err, sizeof(err));
	cr_assert_eq(st, GC_EINVAL);
	cr_assert_eq(strlen(err), sizeof(err) - 1);
	st = gc_mustache_compile("t", "{{", 2, &tpl, NULL, 0);
	cr_assert_eq(st, GC_EINVAL);
}

Test(mustache, embedded_nul_and_binary_text)
{
	static const char src[] = "a\0b{{x}}\xff";
	struct gc_template *tpl = NULL;
	struct gc_buf out;
	gc_buf_init(&out, 64);
	cr_assert_eq(gc_mustache_compile("t", src, sizeof(src) - 1, &tpl, NULL, 0), GC_OK);
	json_t *data = json_pack("{s:s}", "x", "<");
	const json_t *stack[] = { data };
	cr_assert_eq(gc_mustache_render(tpl, stack, 1, NULL, NULL, &out), GC_OK);
	cr_assert_eq(out.len, 8);
	cr_assert(memcmp(out.data, "a\0b&lt;\xff", 8) == 0);
	json_decref(data);
	gc_buf_free(&out);
	gc_template_free(tpl);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

Test(mustache, self_recursive_partial_hits_the_depth_limit)
{
	struct partial_set set = { .n = 0 };
	set_add(&set, "self", "x{{>self}}");
	json_t *data = json_object();
	gc_status st;
	char *got = render_with("{{>self}}", data, &set, &st);
	cr_assert_eq(st, GC_ETOOBIG, "gives %s", gc_status_name(st));
	cr_assert_null(got);
	json_decref(data);
	set_free(&set);
}

Test(mustache, recursion_bounded_by_data_renders)
{
	/* The spec's recursive partial, 60 levels deep: within the limit. */
	struct partial_set set = { .n = 0 };
	set_add(&set, "node", "{{content}}<{{#nodes}}{{>node}}{{/nodes}}>");
	json_t *data = json_pack("{s:s, s:[]}", "content", "x", "nodes");
	json_t *leaf = data;
	for (int i = 0; i < 20; i++) {
		json_t *child = json_pack("{s:s, s:[]}", "content", "x", "nodes");
		json_array_append_new(json_object_get(leaf, "nodes"), child);
		leaf = child;
	}
	gc_status st;
	char *got = render_with("{{>node}}", data, &set, &st);
	cr_assert_eq(st, GC_OK, "gives %s", gc_status_name(st));
	cr_assert_eq(strlen(got), 21 * 3);
	free(got);
	json_decref(data);
	set_free(&set);
}

Test(mustache, nesting_past_the_limit_is_refused_at_compile_time)
{
	struct gc_buf src;
	gc_buf_init(&src, 1 << 16);
	for (int i = 0; i <= GC_MUSTACHE_MAX_DEPTH; i++)
		gc_buf_printf(&src, "{{#s%d}}", i);
	for (int i = GC_MUSTACHE_MAX_DEPTH; i >= 0; i--)
		gc_buf_printf(&src, "{{/s%d}}", i);
	cr_assert_eq(gc_buf_error(&src), GC_OK);
	struct gc_template *tpl = NULL;
	char err[256];
	gc_status st = gc_mustache_compile("deep", src.data, src.len, &tpl, err, sizeof(err));
	cr_assert_eq(st, GC_ETOOBIG, "gives %s", gc_status_name(st));
	cr_assert(strncmp(err, "deep:1:", 7) == 0, "%s", err);
	gc_buf_free(&src);
}

Test(mustache, source_over_the_limit_is_refused)
{
	size_t len = GC_MUSTACHE_MAX_SOURCE + 1;
	char *src = malloc(len);
	cr_assert_not_null(src);
	memset(src, 'a', len);
	struct gc_template *tpl = NULL;
	gc_status st = gc_mustache_compile("big", src, len, &tpl, NULL, 0);
	cr_assert_eq(st, GC_ETOOBIG);
	free(src);
}

Test(mustache, output_over_the_buffer_maximum)
{
	struct gc_template *tpl = NULL;
	const char *src = "{{#list}}0123456789{{/list}}";
	cr_assert_eq(gc_mustache_compile("t", src, strlen(src), &tpl, NULL, 0), GC_OK);
	json_t *data = json_pack("{s:[iiiiiiiiii]}", "list", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	const json_t *stack[] = { data };
	struct gc_buf out;

	gc_buf_init(&out, 100);
	cr_assert_eq(gc_mustache_render(tpl, stack, 1, NULL, NULL, &out), GC_OK);
	cr_assert_eq(out.len, 100);
	gc_buf_free(&out);

	gc_buf_init(&out, 99);
	cr_assert_eq(gc_mustache_render(tpl, stack, 1, NULL, NULL, &out), GC_ETOOBIG);
	gc_buf_free(&out);

	json_decref(data);
	gc_template_free(tpl);
}

Test(mustache, work_is_bounded_when_nothing_is_written)
{
	/* 8 nested loops over 32 items: 32^8 visits if nothing stopped it. */
	const char *src = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{x}}"
			  "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}";
	json_t *list = json_array();
	for (int i = 0; i < 32; i++)
		json_array_append_new(list, json_object());
	json_t *data = json_pack("{s:o}", "l", list);
	gc_status st;
	struct partial_set none = { .n = 0 };
	char *got = render_with(src, data, &none, &st);
	cr_assert_eq(st, GC_ETOOBIG, "gives %s", gc_status_name(st));
	cr_assert_null(got);
	json_decref(data);
}

Test(mustache, deep_caller_stack)
{
	/* More contexts than fit on the renderer's own stack. */
	json_t *ctx[40];
	const json_t *stack[40];
	for (int i = 0; i < 40; i++) {
		ctx[i] = json_pack("{s:i}", i == 3 ? "low" : "n", i);
		stack[i] = ctx[i];
	}
	struct gc_template *tpl = NULL;
	const char *src = "{{n}} {{low}}{{#low}} {{.}}{{/low}}";
	cr_assert_eq(gc_mustache_compile("t", src, strlen(src), &tpl, NULL, 0), GC_OK);
	struct gc_buf out;
	gc_buf_init(&out, 1024);
	cr_assert_eq(gc_mustache_render(tpl, stack, 40, NULL, NULL, &out), GC_OK);
	cr_assert_str_eq(gc_buf_str(&out), "39 3 3");
	gc_buf_free(&out);
	gc_template_free(tpl);
	for (int i = 0; i < 40; i++)
		json_decref(ctx[i]);
}

/* ------------------------------------------------------------------ */
/* Values and escaping                                                 */

Test(mustache, escaping_is_safe_in_either_quoted_attribute)
{
	expect_render("<a title='{{t}}' href=\"{{t}}\">",
		      "{\"t\": \"x' onmouseover='alert(1)\\\" `y` & <z>\"}",
		      "<a title='x&#39; onmouseover=&#39;alert(1)&quot; &#96;y&#96; &amp; &lt;z&gt;' "
		      "href=\"x&#39; onmouseover=&#39;alert(1)&quot; &#96;y&#96; &amp; &lt;z&gt;\">");
	/* Raw output is asked for by name, and then it is raw. */
	expect_render("{{{t}}}{{&t}}", "{\"t\": \"<b>'\"}", "<b>'<b>'");
}

Test(mustache, values_as_text)
{
	expect_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}|{{i}}|{{j}}|",
		      "{\"a\": -42, \"b\": 0.1, \"c\": 1e300, \"d\": true, \"e\": false,"
		      " \"f\": 9223372036854775807, \"g\": 2.5, \"h\": null, \"i\": {\"x\": 1}, \"j\": [1, 2]}",
		      "-42 0.1 1e+300 true false 9223372036854775807 2.5 |||");
}

Test(mustache, falsey_values_follow_javascript)
{
	expect_render("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}{{#f}}F{{/f}}{{#g}}G{{/g}}",
		      "{\"a\": \"\", \"b\": 0, \"c\": 0.0, \"d\": [], \"e\": {}, \"f\": \"0\", \"g\": [0]}",
		      "EFG");
	expect_render("{{^a}}A{{/a}}{{^b}}B{{/b}}{{^e}}E{{/e}}{{^missing}}M{{/missing}}",
		      "{\"a\": \"\", \"b\": 0, \"e\": {}}", "ABM");
}

Test(mustache, nested_partials_keep_their_indentation)
{
	struct partial_set set = { .n = 0 };
	set_add(&set, "outer", "<ul>\n  {{>inner}}\n</ul>\n");
	set_add(&set, "inner", "{{#items}}\n<li>{{.}}</li>\n{{/items}}\n");
	json_t *data = json_pack("{s:[ss]}", "items", "a", "b\nc");
	gc_status st;
	char *got = render_with("<div>\n  {{>outer}}\n</div>\n", data, &set, &st);
	cr_assert_eq(st, GC_OK);
	cr_assert_str_eq(got, "<div>\n  <ul>\n    <li>a</li>\n    <li>b\nc</li>\n  </ul>\n</div>\n");
	free(got);
	/* Inline, a partial is not indented. */
	got = render_with("<div>{{>outer}}</div>\n", data, &set, &st);
	cr_assert_eq(st, GC_OK);
	cr_assert_str_eq(got, "<div><ul>\n  <li>a</li>\n  <li>b\nc</li>\n</ul>\n</div>\n");
	free(got);
	json_decref(data);
	set_free(&set);
}

Test(mustache, missing_lookup_renders_nothing)
{
	struct gc_template *tpl = NULL;
	cr_assert_eq(gc_mustache_compile("t", "[{{>p}}]", 8, &tpl, NULL, 0), GC_OK);
	cr_assert_str_eq(gc_template_name(tpl), "t");
	struct gc_buf out;
	gc_buf_init(&out, 64);
	cr_assert_eq(gc_mustache_render(tpl, NULL, 0, NULL, NULL, &out), GC_OK);
	cr_assert_str_eq(gc_buf_str(&out), "[]");
	gc_buf_free(&out);
	gc_template_free(tpl);
	gc_template_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

struct thread_job {
	const struct gc_template *tpl;
	struct partial_set *partials;
	const json_t *data;
	char *result;
};

static void *render_thread(void *arg)
{
	struct thread_job *job = arg;
	const json_t *stack[] = { job->data };
	struct gc_buf out;
	gc_buf_init(&out, OUT_MAX);
	for (int round = 0; round < 200; round++) {
		gc_buf_reset(&out);
		if (gc_mustache_render(job->tpl, stack, 1, set_lookup, job->partials, &out))
			break;
		free(job->result);
		job->result = strdup(gc_buf_str(&out));
	}
	gc_buf_free(&out);
	return NULL;
}

Test(mustache, one_template_rendered_by_four_threads)
{
	struct partial_set set = { .n = 0 };
	set_add(&set, "row", "<tr><td>{{name}}</td><td>{{#tags}}{{.}} {{/tags}}</td></tr>\n");
	const char *src = "<table>\n  {{#rows}}\n  {{>row}}\n  {{/rows}}\n</table>\n{{^rows}}none{{/rows}}";
	struct gc_template *tpl = NULL;
	cr_assert_eq(gc_mustache_compile("t", src, strlen(src), &tpl, NULL, 0), GC_OK);
	json_t *rows = json_array();
	for (int i = 0; i < 100; i++)
		json_array_append_new(rows, json_pack("{s:s, s:[sis]}", "name", "<n>", "tags", "a", i, "&"));
	json_t *data = json_pack("{s:o}", "rows", rows);

	struct thread_job jobs[4];
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ .tpl = tpl, .partials = &set, .data = data };
		cr_assert_eq(pthread_create(&threads[i], NULL, render_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);

	const json_t *stack[] = { data };
	struct gc_buf out;
	gc_buf_init(&out, OUT_MAX);
	cr_assert_eq(gc_mustache_render(tpl, stack, 1, set_lookup, &set, &out), GC_OK);
	cr_assert(strstr(gc_buf_str(&out), "  <tr><td>&lt;n&gt;</td><td>a 99 &amp; </td></tr>\n</table>\n"));
	for (int i = 0; i < 4; i++) {
		cr_assert_not_null(jobs[i].result);
		cr_assert_str_eq(jobs[i].result, gc_buf_str(&out), "thread %d differs", i);
		free(jobs[i].result);
	}
	gc_buf_free(&out);
	json_decref(data);
	gc_template_free(tpl);
	set_free(&set);
}

/* ------------------------------------------------------------------ */
/* The embedded set                                                    */

Test(templates, embedded_set_loads)
{
	struct gc_templates *set = NULL;
	char err[512] = "";
	gc_status st = gc_templates_load(&set, err, sizeof(err));
	cr_assert_eq(st, GC_OK, "%s: %s", gc_status_name(st), err);
	cr_assert_null(gc_templates_get(set, "no/such/template"));
	struct gc_buf out;
	gc_buf_init(&out, 64);
	cr_assert_eq(gc_templates_render(set, "no/such/template", NULL, 0, &out), GC_ENOTFOUND);
	gc_buf_free(&out);
	gc_templates_free(set);
	gc_templates_free(NULL);
}
