/* The base layer: arena, string builder and its escapers, UTF-8 checks, strict parsers, clock, config. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/parse.h"
#include "base/text.h"

static int cleanup_order[4];
static int cleanup_count;

static void record_cleanup(void *data)
{
	cleanup_order[cleanup_count++] = *(int *)data;
}

Test(arena, allocations_are_aligned_and_capped)
{
	struct gc_arena *arena = gc_arena_new(64 * 1024);
	cr_assert_not_null(arena);
	for (int i = 1; i < 50; i++) {
		void *p = gc_arena_alloc(arena, (size_t)i);
		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	cr_assert_null(gc_arena_alloc(arena, 128 * 1024), "over the cap must fail");
	cr_assert_null(gc_arena_alloc(arena, SIZE_MAX), "a size near SIZE_MAX must fail, not wrap");
	cr_assert_null(gc_arena_calloc(arena, SIZE_MAX / 2, 4), "count * size overflow must fail");
	char *s = gc_arena_printf(arena, "%s-%d", "x", 42);
	cr_assert_str_eq(s, "x-42");
	cr_assert_str_eq(gc_arena_strndup(arena, "abcdef", 3), "abc");
	gc_arena_free(arena);
	gc_arena_free(NULL);
}

Test(arena, cleanups_run_last_in_first_out)
{
	static int values[3] = { 1, 2, 3 };
	cleanup_count = 0;
	struct gc_arena *arena = gc_arena_new(1024);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(gc_arena_on_cleanup(arena, record_cleanup, &values[i]), GC_OK);
	gc_arena_free(arena);
	cr_assert_eq(cleanup_count, 3);
	cr_assert_eq(cleanup_order[0], 3);
	cr_assert_eq(cleanup_order[2], 1);
}

Test(buf, html_escapes_every_quote_style)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	const char *input = "<a href='x' title=\"y\">`&`</a>";
	gc_buf_html(&b, input, strlen(input));
	cr_assert_str_eq(gc_buf_str(&b), "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&#96;&amp;&#96;&lt;/a&gt;");
	gc_buf_free(&b);
}

Test(buf, maximum_is_sticky)
{
	struct gc_buf b;
	gc_buf_init(&b, 8);
	gc_buf_lit(&b, "12345");
	gc_buf_lit(&b, "6789");
	cr_assert_eq(gc_buf_error(&b), GC_ETOOBIG);
	gc_buf_lit(&b, "x");
	cr_assert_str_eq(gc_buf_str(&b), "12345", "nothing is appended after an error");
	cr_assert_null(gc_buf_take(&b, NULL));
	gc_buf_free(&b);
}

Test(buf, take_hands_over_the_bytes)
{
	struct gc_buf b;
	gc_buf_init(&b, 64);
	size_t len = 99;
	char *empty = gc_buf_take(&b, &len);
	cr_assert_not_null(empty);
	cr_assert_eq(len, 0);
	free(empty);
	gc_buf_printf(&b, "%d items", 3);
	char *bytes = gc_buf_take(&b, &len);
	cr_assert_str_eq(bytes, "3 items");
	cr_assert_eq(len, 7);
	cr_assert_eq(b.len, 0);
	free(bytes);
	gc_buf_free(&b);
}

Test(buf, url_encoders)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	const char *path = "/countries/côte d'ivoire?&";
	gc_buf_url_path(&b, path, strlen(path));
	cr_assert_str_eq(gc_buf_str(&b), "/countries/c%C3%B4te%20d%27ivoire%3F%26");
	gc_buf_reset(&b);
	const char *value = "a/b c=d&e";
	gc_buf_url_query(&b, value, strlen(value));
	cr_assert_str_eq(gc_buf_str(&b), "a%2Fb%20c%3Dd%26e");
	gc_buf_free(&b);
}

Test(buf, json_string_round_trips_through_jansson)
{
	const char *input = "quote \" backslash \\ newline \n tab \t bell \x07 </script> é 中";
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	gc_buf_json_str(&b, input, strlen(input));
	cr_assert_null(strstr(gc_buf_str(&b), "</"), "no closing tag can appear inside the JSON text");
	json_error_t error;
	json_t *parsed = json_loads(gc_buf_str(&b), JSON_DECODE_ANY, &error);
	cr_assert_not_null(parsed, "%s", error.text);
	cr_assert_str_eq(json_string_value(parsed), input);
	json_decref(parsed);
	gc_buf_free(&b);
}

Test(buf, header_value_refuses_line_breaks)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	gc_buf_header_value(&b, "ok value", 8);
	cr_assert_eq(gc_buf_error(&b), GC_OK);
	gc_buf_header_value(&b, "evil\r\nSet-Cookie: x", 19);
	cr_assert_eq(gc_buf_error(&b), GC_EINVAL);
	gc_buf_free(&b);
}

Test(buf, csv_fields_are_quoted_and_defused)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	gc_buf_csv_field(&b, "plain", 5);
	gc_buf_char(&b, ',');
	gc_buf_csv_field(&b, "a,\"b\"", 5);
	gc_buf_char(&b, ',');
	gc_buf_csv_field(&b, "=HYPERLINK(1)", 13);
	cr_assert_str_eq(gc_buf_str(&b), "plain,\"a,\"\"b\"\"\",\"'=HYPERLINK(1)\"");
	gc_buf_free(&b);
}

Test(text, strict_utf8)
{
	cr_assert(gc_utf8_valid("héllo 中文 😀", strlen("héllo 中文 😀")));
	cr_assert_not(gc_utf8_valid("\xc0\xaf", 2), "overlong '/'");
	cr_assert_not(gc_utf8_valid("\xe0\x80\xaf", 3), "overlong, three bytes");
	cr_assert_not(gc_utf8_valid("\xed\xa0\x80", 3), "a surrogate");
	cr_assert_not(gc_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF");
	cr_assert_not(gc_utf8_valid("\xe2\x82", 2), "truncated");
	cr_assert_not(gc_utf8_valid("\x80", 1), "a lone continuation byte");
	cr_assert_eq(gc_utf8_length("a中😀", strlen("a中😀")), 3);
}

Test(text, refused_characters)
{
	cr_assert(gc_text_acceptable("line one\nline two\ttab", 21));
	cr_assert_not(gc_text_acceptable_line("line one\nline two", 17));
	cr_assert_not(gc_text_acceptable("nul\0byte", 8));
	cr_assert_not(gc_text_acceptable("esc\x1b[31m", 8));
	cr_assert_not(gc_text_acceptable("c1 \xc2\x85", 5), "NEL, a C1 control");
	cr_assert_not(gc_text_acceptable("bidi \xe2\x80\xae", 8), "RIGHT-TO-LEFT OVERRIDE");
	cr_assert_not(gc_text_acceptable("isolate \xe2\x81\xa6", 11), "LEFT-TO-RIGHT ISOLATE");
	cr_assert(gc_text_acceptable("عربي", strlen("عربي")));
}

Test(parse, integers_are_strict)
{
	int64_t v = 0;
	cr_assert_eq(gc_parse_i64("42", 2, 0, 100, &v), GC_OK);
	cr_assert_eq(v, 42);
	cr_assert_eq(gc_parse_i64("-7", 2, -10, 10, &v), GC_OK);
	cr_assert_eq(v, -7);
	cr_assert_eq(gc_parse_i64("0", 1, 0, 0, &v), GC_OK);
	cr_assert_eq(gc_parse_i64("9223372036854775807", 19, INT64_MIN, INT64_MAX, &v), GC_OK);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(gc_parse_i64("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &v), GC_OK);
	cr_assert_eq(v, INT64_MIN);
	cr_assert_eq(gc_parse_i64("9223372036854775808", 19, INT64_MIN, INT64_MAX, &v), GC_ETOOBIG);
	cr_assert_eq(gc_parse_i64("101", 3, 0, 100, &v), GC_ETOOBIG);
	const char *bad[] = { "", "-", "+1", " 1", "1 ", "01", "1e3", "0x10", "1.0", "１" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(gc_parse_i64(bad[i], strlen(bad[i]), INT64_MIN, INT64_MAX, &v), GC_EINVAL, "%s", bad[i]);
}

Test(parse, percent_decoding_is_strict)
{
	struct gc_arena *arena = gc_arena_new(1 << 16);
	char *out = NULL;
	size_t len = 0;
	cr_assert_eq(gc_percent_decode(arena, "a%20b+c", 7, true, false, &out, &len), GC_OK);
	cr_assert_str_eq(out, "a b c");
	cr_assert_eq(gc_percent_decode(arena, "a+b", 3, false, false, &out, &len), GC_OK);
	cr_assert_str_eq(out, "a+b");
	cr_assert_eq(gc_percent_decode(arena, "%C3%A9", 6, false, false, &out, &len), GC_OK);
	cr_assert_str_eq(out, "é");
	cr_assert_eq(gc_percent_decode(arena, "%252e", 5, false, false, &out, &len), GC_OK);
	cr_assert_str_eq(out, "%2e", "decoding happens once");
	const char *bad[] = { "%zz", "%2", "%", "%00", "%C0%AF", "%E2%82", "%0d%0a", "%E2%80%AE" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(gc_percent_decode(arena, bad[i], strlen(bad[i]), false, false, &out, &len), GC_EINVAL,
			     "%s", bad[i]);
	cr_assert_eq(gc_percent_decode(arena, "a%0Ab", 5, false, true, &out, &len), GC_OK, "line breaks in text");
	gc_arena_free(arena);
}

Test(clock, iso8601_round_trip_and_validation)
{
	int64_t t = 0;
	cr_assert_eq(gc_clock_parse_iso8601("2026-11-28T09:15:00Z", &t), GC_OK);
	char out[32];
	gc_clock_format_iso8601(t, out, sizeof(out));
	cr_assert_str_eq(out, "2026-11-28T09:15:00Z");
	cr_assert_eq(gc_clock_parse_iso8601("1970-01-01", &t), GC_OK);
	cr_assert_eq(t, 0);
	cr_assert_eq(gc_clock_parse_iso8601("2024-02-29", &t), GC_OK, "a leap day");
	const char *bad[] = { "2023-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-1",
			      "2026-11-28T24:00:00Z", "2026-11-28 09:15:00Z", "2026-11-28T09:15:00", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(gc_clock_parse_iso8601(bad[i], &t), GC_EINVAL, "%s", bad[i]);
	gc_clock_format_http(0, out, sizeof(out));
	cr_assert_str_eq(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	/* HTTP dates: IMF-fixdate only, and what format_http writes reads back. */
	cr_assert_eq(gc_clock_parse_http("Sun, 06 Nov 1994 08:49:37 GMT", &t), GC_OK);
	cr_assert_eq(t, 784111777);
	gc_clock_format_http(1795848000, out, sizeof(out));
	cr_assert_eq(gc_clock_parse_http(out, &t), GC_OK);
	cr_assert_eq(t, 1795848000);
	const char *bad_http[] = { "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
				   "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Xxx, 06 Nov 1994 08:49:37 GMT",
				   "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 06 Nov 1994 24:49:37 GMT", "" };
	for (size_t i = 0; i < sizeof(bad_http) / sizeof(bad_http[0]); i++)
		cr_assert_eq(gc_clock_parse_http(bad_http[i], &t), GC_EINVAL, "%s", bad_http[i]);
}

Test(config, listen_addresses)
{
	char host[64];
	uint16_t port = 0;
	cr_assert_eq(gc_config_parse_listen("127.0.0.1:8080", host, sizeof(host), &port), GC_OK);
	cr_assert_str_eq(host, "127.0.0.1");
	cr_assert_eq(port, 8080);
	cr_assert_eq(gc_config_parse_listen("[::1]:9000", host, sizeof(host), &port), GC_OK);
	cr_assert_str_eq(host, "::1");
	cr_assert_eq(port, 9000);
	const char *bad[] = { "127.0.0.1", ":80", "host:", "host:65536", "host:-1", "[::1]9000", "host:80x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(gc_config_parse_listen(bad[i], host, sizeof(host), &port), GC_EINVAL, "%s", bad[i]);
}
