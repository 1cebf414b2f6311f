/*
 * Shared by fuzz_query.c and fuzz_form.c: gc_kv_parse and gc_params_select
 * (src/http/internal.h) run the way src/http/server.c runs them, with the
 * invariants of both.
 *
 * gc_kv_parse:
 *  - GC_OK, or GC_EHTTP with 400 "invalid_encoding" or "too_many_params"
 *    (exactly when there are more non-empty '&' pieces than max_pairs);
 *  - on success one pair per non-empty piece, in order, each name and value
 *    what a reference decoder (split at the first '=', '+' a space, %XX)
 *    makes of it; names acceptable single-line text, values acceptable text
 *    (base/text.h), so value_len is their strlen;
 *  - written back with gc_buf_url_query and parsed again, the same pairs.
 * gc_params_select:
 *  - GC_OK, or GC_EHTTP with 400 "invalid_param" or "missing_param" naming
 *    a declared parameter ("missing_param" only when required and enforced);
 *  - on success, for each declaration in order, the received pairs with its
 *    name (empty values dropped unless the type is text), each passing
 *    gc_param_check, no more than max_repeat of them; then at most one
 *    "lang" whose value is one of gc_langs;
 *  - gc_param_check agrees with small references for INT (base/parse.h),
 *    ISO3, BOOL, ENUM, DATE (a calendar date that formats back the same).
 */
#ifndef GC_FUZZ_KV_CHECK_H
#define GC_FUZZ_KV_CHECK_H

#include <stdbool.h>

#include "fuzz.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/parse.h"
#include "base/text.h"
#include "http/internal.h"
#include "http/static.h"
#include "modules/module.h"
#include "render/i18n.h"

/* Every parameter type, with bounds, repeats and a required one. */
static const char *const kv_colours[] = { "red", "green", "blue", NULL };
static const struct gc_param_spec kv_synthetic[] = {
	{ .name = "q", .type = GC_PARAM_STRING, .max_len = 64 },
	{ .name = "body", .type = GC_PARAM_TEXT, .max_len = 512 },
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = 1000 },
	{ .name = "offset", .type = GC_PARAM_INT, .min = INT64_MIN, .max = INT64_MAX },
	{ .name = "colour", .type = GC_PARAM_ENUM, .choices = kv_colours, .max_repeat = 3 },
	{ .name = "iso3", .type = GC_PARAM_ISO3, .max_repeat = 5 },
	{ .name = "from", .type = GC_PARAM_DATE },
	{ .name = "flag", .type = GC_PARAM_BOOL, .required = true },
	GC_PARAMS_END,
};

/* The parameter lists to try: the synthetic one, then every route's that has one. */
static const struct gc_param_spec *kv_specs[256];
static size_t kv_n_specs;

static void kv_collect_specs(void)
{
	char err[256];
	kv_specs[kv_n_specs++] = kv_synthetic;
	for (size_t i = 0; i < gc_module_count; i++)
		for (size_t j = 0; j < gc_modules[i]->n_routes && kv_n_specs < GC_ARRAY_LEN(kv_specs); j++)
			if (gc_modules[i]->routes[j].params)
				kv_specs[kv_n_specs++] = gc_modules[i]->routes[j].params;
	for (size_t j = 0; j < gc_static_route_count && kv_n_specs < GC_ARRAY_LEN(kv_specs); j++)
		if (gc_static_routes[j].params)
			kv_specs[kv_n_specs++] = gc_static_routes[j].params;
	if (gc_i18n_load(err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gc_i18n_load: %s\n", err);
		abort();
	}
}

static int kv_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The reference decoder; false on a malformed escape. out holds n + 1 bytes. */
static bool kv_decode(const char *s, size_t n, char *out, size_t *len)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || kv_hex(s[i + 1]) < 0 || kv_hex(s[i + 2]) < 0)
				return false;
			out[j++] = (char)(kv_hex(s[i + 1]) << 4 | kv_hex(s[i + 2]));
			i += 2;
		} else {
			out[j++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	out[j] = '\0';
	*len = j;
	return true;
}

/* Checks one gc_kv_parse result against the reference; returns the status. */
static gc_status kv_parse_checked(struct gc_arena *arena, const char *s, size_t n, size_t max_pairs, struct gc_kv **kv,
				  size_t *n_kv)
{
	struct gc_http_error err = { 0 };
	gc_status st = gc_kv_parse(arena, s, n, max_pairs, kv, n_kv, &err);

	size_t pieces = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		pieces += end > i;
		i = end + 1;
	}
	if (pieces > max_pairs) {
		FUZZ_CHECK(st == GC_EHTTP && err.status == 400 && strcmp(err.code, "too_many_params") == 0,
			   "%zu pairs of at most %zu: %s", pieces, max_pairs, gc_status_name(st));
		return st;
	}

	/* The reference, piece by piece. */
	char *buf = malloc(n + 1);
	if (!buf)
		abort();
	bool ok = true;
	size_t k = 0;
	for (size_t i = 0; i < n && ok;) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t name_n = eq ? (size_t)(eq - (s + i)) : end - i, len;
			ok = kv_decode(s + i, name_n, buf, &len) && gc_text_acceptable_line(buf, len);
			if (ok && st == GC_OK)
				FUZZ_CHECK(k < *n_kv && strlen((*kv)[k].name) == len && memcmp((*kv)[k].name, buf, len) == 0,
					   "pair %zu: the name differs from the reference", k);
			if (ok && eq) {
				ok = kv_decode(eq + 1, (size_t)(s + end - (eq + 1)), buf, &len) && gc_text_acceptable(buf, len);
			} else {
				len = 0;
				buf[0] = '\0';
			}
			if (ok && st == GC_OK)
				FUZZ_CHECK((*kv)[k].value_len == len && memcmp((*kv)[k].value, buf, len) == 0 &&
						   (*kv)[k].value[len] == '\0',
					   "pair %zu: the value differs from the reference", k);
			k++;
		}
		i = end + 1;
	}
	free(buf);
	if (!ok) {
		FUZZ_CHECK(st == GC_EHTTP && err.status == 400 && strcmp(err.code, "invalid_encoding") == 0,
			   "malformed or refused text accepted: %s", gc_status_name(st));
		return st;
	}
	FUZZ_CHECK(st == GC_OK, "refused although the reference decodes every pair: %d %s", err.status,
		   err.code ? err.code : "");
	FUZZ_CHECK(*n_kv == k, "%zu pairs, the reference %zu", *n_kv, k);
	for (size_t i = 0; i < *n_kv; i++)
		FUZZ_CHECK(strlen((*kv)[i].value) == (*kv)[i].value_len, "a value with a NUL inside");

	/* Written back and parsed again. */
	struct gc_buf b;
	gc_buf_init(&b, (size_t)1 << 24);
	for (size_t i = 0; i < *n_kv; i++) {
		if (i)
			gc_buf_lit(&b, "&");
		gc_buf_url_query(&b, (*kv)[i].name, strlen((*kv)[i].name));
		gc_buf_lit(&b, "=");
		gc_buf_url_query(&b, (*kv)[i].value, (*kv)[i].value_len);
	}
	FUZZ_CHECK(!gc_buf_error(&b), "writing back failed");
	struct gc_kv *again;
	size_t n_again;
	struct gc_http_error err2 = { 0 };
	gc_status st2 = gc_kv_parse(arena, gc_buf_str(&b), b.len, max_pairs, &again, &n_again, &err2);
	FUZZ_CHECK(st2 == GC_OK && n_again == *n_kv, "written back, it parses differently: %s", gc_status_name(st2));
	for (size_t i = 0; i < n_again; i++)
		FUZZ_CHECK(strcmp(again[i].name, (*kv)[i].name) == 0 && again[i].value_len == (*kv)[i].value_len &&
				   memcmp(again[i].value, (*kv)[i].value, again[i].value_len) == 0,
			   "written back, pair %zu differs", i);
	gc_buf_free(&b);
	return st;
}

static bool kv_ref_date(const char *v, size_t len)
{
	if (len != 10 || v[4] != '-' || v[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			return false;
	int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap);
}

/* gc_param_check against the references. */
static void kv_check_param(const struct gc_param_spec *s, const char *v, size_t len)
{
	gc_status st = gc_param_check(s, v, len);
	bool want;
	switch (s->type) {
	case GC_PARAM_INT: {
		int64_t x;
		want = gc_parse_i64(v, len, s->min, s->max, &x) == GC_OK;
		break;
	}
	case GC_PARAM_ISO3:
		want = len == 3 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' && v[2] >= 'A' && v[2] <= 'Z';
		break;
	case GC_PARAM_BOOL:
		want = strcmp(v, "1") == 0 || strcmp(v, "0") == 0 || strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ||
		       strcmp(v, "on") == 0;
		break;
	case GC_PARAM_ENUM:
		want = false;
		for (const char *const *c = s->choices; c && *c; c++)
			want |= strcmp(*c, v) == 0;
		break;
	case GC_PARAM_DATE:
		want = kv_ref_date(v, len);
		if (want) {
			int64_t t;
			char back[32];
			FUZZ_CHECK(gc_clock_parse_iso8601(v, &t) == GC_OK, "date %s", v);
			gc_clock_format_iso8601(t, back, sizeof(back));
			FUZZ_CHECK(strncmp(back, v, 10) == 0, "date %s formats back as %s", v, back);
		}
		break;
	case GC_PARAM_STRING:
		want = len <= (s->max_len ? s->max_len : 256) && gc_text_acceptable_line(v, len);
		break;
	case GC_PARAM_TEXT:
		want = len <= (s->max_len ? s->max_len : 256) && gc_text_acceptable(v, len);
		break;
	default:
		want = false;
	}
	if ((st == GC_OK) != want)
		fuzz_dump("value", v, len);
	FUZZ_CHECK((st == GC_OK) == want, "gc_param_check(%s, type %d) says %s", s->name, (int)s->type,
		   gc_status_name(st));
}

static bool kv_text_type(enum gc_param_type t)
{
	return t == GC_PARAM_STRING || t == GC_PARAM_TEXT;
}

static void kv_select_checked(struct gc_arena *arena, const struct gc_param_spec *specs, const struct gc_kv *in,
			      size_t n_in, bool enforce)
{
	struct gc_kv *out;
	size_t n_out;
	struct gc_http_error err = { 0 };
	gc_status st = gc_params_select(arena, specs, in, n_in, enforce, &out, &n_out, &err);
	if (st != GC_OK) {
		FUZZ_CHECK(st == GC_EHTTP && err.status == 400 && err.code && err.field, "status %s", gc_status_name(st));
		bool declared = false, required = false;
		for (const struct gc_param_spec *s = specs; s->name; s++)
			if (strcmp(s->name, err.field) == 0)
				declared = true, required = s->required;
		FUZZ_CHECK(declared, "error names \"%s\", not a declared parameter", err.field);
		if (strcmp(err.code, "missing_param") == 0)
			FUZZ_CHECK(enforce && required, "missing_param for \"%s\" (enforced %d)", err.field, enforce);
		else {
			FUZZ_CHECK(strcmp(err.code, "invalid_param") == 0, "code %s", err.code);
			/* Too many of them, or one that does not check. */
			const struct gc_param_spec *s = specs;
			while (strcmp(s->name, err.field) != 0)
				s++;
			unsigned allowed = s->max_repeat ? s->max_repeat : 1, seen = 0;
			bool bad = false;
			for (size_t i = 0; i < n_in; i++) {
				if (strcmp(in[i].name, s->name) != 0 || (in[i].value_len == 0 && !kv_text_type(s->type)))
					continue;
				seen++;
				bad |= gc_param_check(s, in[i].value, in[i].value_len) != GC_OK;
			}
			FUZZ_CHECK(bad || seen > allowed, "invalid_param for \"%s\", but its %u values check", s->name, seen);
		}
		return;
	}
	size_t k = 0;
	for (const struct gc_param_spec *s = specs; s->name; s++) {
		unsigned allowed = s->max_repeat ? s->max_repeat : 1, seen = 0;
		for (size_t i = 0; i < n_in; i++) {
			if (strcmp(in[i].name, s->name) != 0 || (in[i].value_len == 0 && !kv_text_type(s->type)))
				continue;
			FUZZ_CHECK(k < n_out && strcmp(out[k].name, s->name) == 0 && out[k].value == in[i].value,
				   "kept pair %zu is not \"%s\" as received", k, s->name);
			kv_check_param(s, out[k].value, out[k].value_len);
			k++;
			seen++;
		}
		FUZZ_CHECK(seen <= allowed, "\"%s\" kept %u times of at most %u", s->name, seen, allowed);
		FUZZ_CHECK(seen || !s->required || !enforce, "required \"%s\" absent but no error", s->name);
	}
	if (k < n_out) {
		FUZZ_CHECK(strcmp(out[k].name, "lang") == 0 && gc_lang_find(out[k].value) == out[k].value,
			   "an extra pair \"%s\"", out[k].name);
		k++;
	}
	FUZZ_CHECK(k == n_out, "%zu pairs kept, %zu accounted for", n_out, k);
}

#endif
