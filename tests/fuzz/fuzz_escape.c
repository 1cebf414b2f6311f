/*
 * base/buf.h: every context appender (html, url_path, url_query, json_str,
 * header_value, csv_field) on the same bytes, with the invariants of its
 * context and a way back to the input:
 *
 *  - html: no raw < > " ' ` in the output, '&' only as one of the escaper's
 *    entities, and unescaping gives the input back;
 *  - url_path / url_query: only unreserved characters ('/' too for a path)
 *    and %XX with upper-case hex; decoding gives the input back; and
 *    gc_percent_decode (base/parse.h) takes a query value back exactly when
 *    the input is acceptable text;
 *  - json_str: quoted, no raw control character, '<', '>' or '&'; for UTF-8
 *    input jansson parses it back to the same string (NULs included);
 *  - header_value: input with CR, LF or NUL sets GC_EINVAL and appends
 *    nothing; any other input is appended as is;
 *  - csv_field: read back by base/csv.h as one field equal to the input, with
 *    a "'" in front when the input starts like a formula; the cell never
 *    starts with = + - @ TAB or CR.
 *
 * Input: one mode byte, then the text. mode & 0x80: a small buffer maximum
 * (mode & 0x7f bytes), so the over-the-limit path is taken too; the
 * invariants then are only the buffer's: within max, NUL-terminated, the
 * error sticky.
 */
#include <jansson.h>
#include <stdbool.h>

#include "fuzz.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/parse.h"
#include "base/text.h"

static const char PREFIX[] = "pre:";

static void check_buffer(const struct gc_buf *b, const char *what)
{
	FUZZ_CHECK(b->len <= b->max, "%s: %zu bytes in a buffer of at most %zu", what, b->len, b->max);
	FUZZ_CHECK(!b->data || b->data[b->len] == '\0', "%s: not NUL-terminated", what);
	FUZZ_CHECK(b->err == GC_OK || b->err == GC_ETOOBIG || b->err == GC_EINVAL, "%s: error %s", what,
		   gc_status_name(b->err));
	FUZZ_CHECK(b->len >= sizeof(PREFIX) - 1 || b->err, "%s: the prefix was lost", what);
}

/* Starts a buffer holding PREFIX; returns the appended part's offset. */
static size_t start(struct gc_buf *b, size_t max)
{
	gc_buf_init(b, max);
	gc_buf_raw(b, PREFIX, sizeof(PREFIX) - 1);
	return b->err ? 0 : b->len;
}

/* After an error, appending does nothing. */
static void check_sticky(struct gc_buf *b, const char *what)
{
	if (!b->err)
		return;
	size_t len = b->len;
	gc_status err = b->err;
	gc_buf_lit(b, "more");
	gc_buf_html(b, "<", 1);
	FUZZ_CHECK(b->len == len && b->err == err, "%s: the error is not sticky", what);
}

static void fuzz_html(const char *s, size_t n, size_t max)
{
	struct gc_buf b;
	size_t off = start(&b, max);
	gc_buf_html(&b, s, n);
	check_buffer(&b, "html");
	if (!b.err) {
		const char *o = b.data + off;
		size_t m = b.len - off;
		static const struct {
			const char *entity;
			char c;
		} entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
				 { "&#39;", '\'' }, { "&#96;", '`' } };
		size_t j = 0; /* position in s while unescaping */
		for (size_t i = 0; i < m;) {
			char c = o[i];
			FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'' && c != '`', "html: raw '%c' at %zu", c, i);
			char want = c;
			size_t step = 1;
			if (c == '&') {
				step = 0;
				for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]); e++) {
					size_t el = strlen(entities[e].entity);
					if (m - i >= el && memcmp(o + i, entities[e].entity, el) == 0) {
						want = entities[e].c;
						step = el;
						break;
					}
				}
				FUZZ_CHECK(step, "html: '&' at %zu starts no entity of the escaper", i);
			}
			FUZZ_CHECK(j < n && s[j] == want, "html: unescaping does not give the input back at %zu", j);
			j++;
			i += step;
		}
		FUZZ_CHECK(j == n, "html: unescaped %zu bytes of %zu", j, n);
	}
	check_sticky(&b, "html");
	gc_buf_free(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case is not what the escaper writes */
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static void fuzz_url(const char *s, size_t n, size_t max, bool path)
{
	const char *what = path ? "url_path" : "url_query";
	struct gc_buf b;
	size_t off = start(&b, max);
	if (path)
		gc_buf_url_path(&b, s, n);
	else
		gc_buf_url_query(&b, s, n);
	check_buffer(&b, what);
	if (!b.err) {
		const char *o = b.data + off;
		size_t m = b.len - off, j = 0;
		for (size_t i = 0; i < m; j++) {
			unsigned char c = (unsigned char)o[i];
			unsigned char want;
			if (c == '%') {
				FUZZ_CHECK(m - i >= 3, "%s: a '%%' without two hex digits", what);
				int hi = hexval(o[i + 1]), lo = hexval(o[i + 2]);
				FUZZ_CHECK(hi >= 0 && lo >= 0, "%s: '%%%c%c' is not upper-case hex", what, o[i + 1], o[i + 2]);
				want = (unsigned char)(hi << 4 | lo);
				FUZZ_CHECK(!unreserved(want) && !(path && want == '/'), "%s: %%%02X need not be escaped",
					   what, want);
				i += 3;
			} else {
				FUZZ_CHECK(unreserved(c) || (path && c == '/'), "%s: raw 0x%02x at %zu", what, c, i);
				want = c;
				i++;
			}
			FUZZ_CHECK(j < n && (unsigned char)s[j] == want, "%s: decoding does not give the input back", what);
		}
		FUZZ_CHECK(j == n, "%s: decoded %zu bytes of %zu", what, j, n);

		if (!path) {
			/* The way back in the server: the strict decoder of base/parse.h. */
			struct gc_arena *arena = gc_arena_new(2 * m + 4096);
			char *back = NULL;
			size_t back_len = 0;
			if (!arena)
				abort();
			gc_status st = gc_percent_decode(arena, o, m, true, true, &back, &back_len);
			if (gc_text_acceptable(s, n))
				FUZZ_CHECK(st == GC_OK && back_len == n && memcmp(back, s, n) == 0,
					   "gc_percent_decode does not take an escaped query value back (%s)",
					   gc_status_name(st));
			else
				FUZZ_CHECK(st == GC_EINVAL, "gc_percent_decode let refused text through (%s)",
					   gc_status_name(st));
			gc_arena_free(arena);
		}
	}
	check_sticky(&b, what);
	gc_buf_free(&b);
}

static void fuzz_json(const char *s, size_t n, size_t max)
{
	struct gc_buf b;
	size_t off = start(&b, max);
	gc_buf_json_str(&b, s, n);
	check_buffer(&b, "json_str");
	if (!b.err) {
		const char *o = b.data + off;
		size_t m = b.len - off;
		FUZZ_CHECK(m >= 2 && o[0] == '"' && o[m - 1] == '"', "json_str: not quoted");
		for (size_t i = 0; i < m; i++) {
			unsigned char c = (unsigned char)o[i];
			FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '<' && c != '>' && c != '&', "json_str: raw 0x%02x at %zu",
				   c, i);
		}
		if (gc_utf8_valid(s, n)) {
			json_error_t jerr;
			json_t *v = json_loadb(o, m, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
			if (!v)
				fuzz_dump("json", o, m);
			FUZZ_CHECK(v, "json_str: jansson refuses the output: %s", jerr.text);
			FUZZ_CHECK(json_is_string(v) && json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0,
				   "json_str: jansson reads back another string");
			json_decref(v);
		}
	}
	check_sticky(&b, "json_str");
	gc_buf_free(&b);
}

static void fuzz_header(const char *s, size_t n, size_t max)
{
	struct gc_buf b;
	size_t off = start(&b, max);
	bool refused = memchr(s, '\r', n) || memchr(s, '\n', n) || memchr(s, '\0', n);
	gc_buf_header_value(&b, s, n);
	check_buffer(&b, "header_value");
	if (refused)
		FUZZ_CHECK(b.err == GC_EINVAL || (off == 0 && b.err), "header_value: CR, LF or NUL accepted");
	if (b.err)
		FUZZ_CHECK(b.len == off, "header_value: %zu bytes appended before failing", b.len - off);
	else
		FUZZ_CHECK(b.len - off == n && memcmp(b.data + off, s, n) == 0, "header_value: changed the value");
	if (b.data)
		FUZZ_CHECK(!memchr(b.data, '\r', b.len) && !memchr(b.data, '\n', b.len), "header_value: CR or LF in output");
	check_sticky(&b, "header_value");
	gc_buf_free(&b);
}

static void fuzz_csv_field(const char *s, size_t n, size_t max)
{
	struct gc_buf b;
	gc_buf_init(&b, max);
	gc_buf_lit(&b, "a,b\r\nx,");
	size_t off = b.err ? 0 : b.len;
	gc_buf_csv_field(&b, s, n);
	check_buffer(&b, "csv_field");
	bool formula = n > 0 && strchr("=+-@\t\r", s[0]) && s[0] != '\0';
	if (!b.err) {
		const char *o = b.data + off;
		size_t m = b.len - off;
		if (formula)
			FUZZ_CHECK(m >= 2 && o[0] == '"' && o[1] == '\'', "csv_field: a formula is not defused");
		gc_buf_lit(&b, "\r\n");
		/* The reader takes UTF-8 without NUL only. */
		if (!b.err && gc_utf8_valid(s, n) && !memchr(s, '\0', n) && n + 1 < GC_CSV_MAX_RECORD - 8) {
			struct gc_csv csv;
			gc_csv_open(&csv, b.data, b.len);
			gc_status st1 = gc_csv_next(&csv);
			FUZZ_CHECK(st1 == GC_ROW, "csv_field: the header row does not read: %s", csv.err);
			gc_status st2 = gc_csv_next(&csv);
			if (st2 != GC_ROW)
				fuzz_dump("csv", b.data, b.len);
			FUZZ_CHECK(st2 == GC_ROW && csv.n_fields == 2, "csv_field: the field does not read back: %s",
				   csv.err);
			const char *f = csv.field[1];
			size_t fl = csv.length[1];
			if (formula) {
				FUZZ_CHECK(fl == n + 1 && f[0] == '\'' && memcmp(f + 1, s, n) == 0,
					   "csv_field: reads back as another value");
			} else {
				FUZZ_CHECK(fl == n && memcmp(f, s, n) == 0, "csv_field: reads back as another value");
			}
			FUZZ_CHECK(fl == 0 || !strchr("=+-@\t\r", f[0]), "csv_field: the cell starts with '%c'", f[0]);
			FUZZ_CHECK(gc_csv_next(&csv) == GC_DONE, "csv_field: more than one record");
			gc_csv_close(&csv);
		}
	}
	check_sticky(&b, "csv_field");
	gc_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	size_t max = mode & 0x80 ? (size_t)(mode & 0x7f) : (size_t)1 << 22;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;

	fuzz_html(s, n, max);
	fuzz_url(s, n, max, true);
	fuzz_url(s, n, max, false);
	fuzz_json(s, n, max);
	fuzz_header(s, n, max);
	fuzz_csv_field(s, n, max);
	return 0;
}
