#include "render/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/embedded.h"
#include "base/log.h"
#include "base/text.h"
#include "render/po.h"

const char *const gc_langs[GC_LANG_COUNT] = { "ar", "zh", "en", "fr", "ru", "es" };

static const char *const native_names[GC_LANG_COUNT] = {
	"العربية", "中文", "English", "Français", "Русский", "Español",
};

enum { LANG_AR = 0, LANG_EN = 2 };

/* Accept-Language bounds: a longer header is not a browser's, so it is ignored. */
#define ACCEPT_MAX_BYTES 1024
#define ACCEPT_MAX_ENTRIES 32
#define QVALUE_ONE 1000

/*
 * Written once by gc_i18n_load() before the server starts its threads and
 * only read afterwards, so reads need no lock.
 */
static struct {
	struct gc_po *po;
	json_t *table;
} catalogs[GC_LANG_COUNT];
static bool loaded;

static int lang_index(const char *code)
{
	if (!code)
		return -1;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		if (code == gc_langs[i] || gc_ascii_ieq(code, gc_langs[i]))
			return i;
	return -1;
}

const char *gc_lang_find(const char *code)
{
	int i = lang_index(code);
	return i < 0 ? NULL : gc_langs[i];
}

const char *gc_lang_dir(const char *lang)
{
	return lang_index(lang) == LANG_AR ? "rtl" : "ltr";
}

const char *gc_lang_native_name(const char *lang)
{
	int i = lang_index(lang);
	return i < 0 ? NULL : native_names[i];
}

void gc_i18n_unload(void)
{
	for (int i = 0; i < GC_LANG_COUNT; i++) {
		gc_po_free(catalogs[i].po);
		json_decref(catalogs[i].table);
		catalogs[i].po = NULL;
		catalogs[i].table = NULL;
	}
	loaded = false;
}

static gc_status load_catalog(int i, const char *text, size_t size, char *err, size_t err_size)
{
	char path[32];
	snprintf(path, sizeof(path), "locale/%s.po", gc_langs[i]);
	if (!text) {
		snprintf(err, err_size, "%s: not built into the binary (run meson setup --reconfigure)", path);
		return GC_ENOTFOUND;
	}
	gc_status st = gc_po_parse(path, text, size, &catalogs[i].po, err, err_size);
	if (st != GC_OK)
		return st;
	const struct gc_po *po = catalogs[i].po;
	if (strcmp(po->language, gc_langs[i]) != 0) {
		snprintf(err, err_size, "%s:%u: the header says Language: \"%s\", expected \"%s\"", path,
			 po->header_line, po->language, gc_langs[i]);
		return GC_EINVAL;
	}
	const struct gc_po *en = catalogs[LANG_EN].po;
	for (size_t k = 0; k < po->count; k++) {
		const struct gc_po_entry *e = &po->entries[k];
		/* English is the fallback of every string, so it must have them all. */
		if (i == LANG_EN && !e->text[0]) {
			snprintf(err, err_size, "%s:%u: \"%s\" has no English text", path, e->line, e->key);
			return GC_EINVAL;
		}
		/* A key English lacks is a typing error that would never be shown. */
		if (i != LANG_EN && !gc_po_find(en, e->key)) {
			snprintf(err, err_size, "%s:%u: \"%s\" is not in locale/en.po", path, e->line, e->key);
			return GC_EINVAL;
		}
	}
	/* Keys left empty or left out both fall back to English; say how many. */
	size_t untranslated = en->count - (po->count - po->untranslated);
	if (untranslated)
		gc_log(GC_LOG_WARN, "untranslated strings", "{s:s, s:i}", "lang", gc_langs[i], "count",
		       (int)untranslated);
	return GC_OK;
}

/* The template table of language i: every English key, '.' turned into '_'. */
static gc_status build_table(int i, char *err, size_t err_size)
{
	const struct gc_po *en = catalogs[LANG_EN].po;
	json_t *table = json_object();
	if (!table)
		return GC_ENOMEM;
	for (size_t k = 0; k < en->count; k++) {
		const struct gc_po_entry *e = &en->entries[k];
		char name[160];
		size_t n = strlen(e->key);
		if (n >= sizeof(name)) {
			/* po.c bounds keys well below this. */
			json_decref(table);
			return GC_ETOOBIG;
		}
		for (size_t c = 0; c <= n; c++)
			name[c] = e->key[c] == '.' ? '_' : e->key[c];
		if (json_object_get(table, name)) {
			snprintf(err, err_size, "locale/en.po:%u: \"%s\" and another key both become \"%s\" in templates",
				 e->line, e->key, name);
			json_decref(table);
			return GC_ECONFLICT;
		}
		if (json_object_set_new(table, name, json_string(gc_tr(gc_langs[i], e->key)))) {
			json_decref(table);
			return GC_ENOMEM;
		}
	}
	catalogs[i].table = table;
	return GC_OK;
}

gc_status gc_i18n_load_from(const char *const texts[GC_LANG_COUNT], const size_t sizes[GC_LANG_COUNT], char *err,
			    size_t err_size)
{
	char scratch[1];
	gc_status st = GC_OK;

	if (!err || !err_size) {
		err = scratch;
		err_size = sizeof(scratch);
	}
	err[0] = '\0';
	if (loaded)
		return GC_OK;
	/* English first: the others are checked against it. */
	if ((st = load_catalog(LANG_EN, texts[LANG_EN], sizes[LANG_EN], err, err_size)) != GC_OK)
		goto out;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		if (i != LANG_EN && (st = load_catalog(i, texts[i], sizes[i], err, err_size)) != GC_OK)
			goto out;
	/* gc_tr() serves the tables' texts, so it must see the catalogues now. */
	loaded = true;
	for (int i = 0; i < GC_LANG_COUNT; i++)
		if ((st = build_table(i, err, err_size)) != GC_OK)
			goto out;
out:
	if (st != GC_OK) {
		if (!err[0] && err_size > 1)
			snprintf(err, err_size, "loading the catalogues: %s", gc_status_name(st));
		gc_i18n_unload();
	}
	return st;
}

/* Is path "locale/<area>/<lang>.po"? A module's own strings (entries only, no header). */
static bool is_part_of(const char *path, const char *lang)
{
	const char *prefix = "locale/";
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0)
		return false;
	const char *slash = strchr(path + n, '/');
	if (!slash || slash == path + n || strchr(slash + 1, '/'))
		return false;
	size_t lang_len = strlen(lang);
	return strncmp(slash + 1, lang, lang_len) == 0 && strcmp(slash + 1 + lang_len, ".po") == 0;
}

/*
 * A language's catalogue is locale/<lang>.po followed by every
 * locale/<area>/<lang>.po (the strings of one module, without a header), in
 * path order: one text, parsed once, so a key defined twice anywhere is an
 * error like any duplicate.
 */
gc_status gc_i18n_load(char *err, size_t err_size)
{
	char *texts[GC_LANG_COUNT] = { 0 };
	size_t sizes[GC_LANG_COUNT] = { 0 };
	gc_status st = GC_OK;
	for (int i = 0; i < GC_LANG_COUNT && st == GC_OK; i++) {
		char path[32];
		snprintf(path, sizeof(path), "locale/%s.po", gc_langs[i]);
		const struct gc_embedded_file *file = gc_embedded_find(path);
		if (!file)
			continue;
		struct gc_buf b;
		gc_buf_init(&b, GC_PO_MAX_BYTES + 1);
		gc_buf_raw(&b, (const char *)file->data, file->size);
		for (size_t k = 0; k < gc_embedded_count; k++) {
			const struct gc_embedded_file *part = &gc_embedded_files[k];
			if (!is_part_of(part->path, gc_langs[i]))
				continue;
			gc_buf_raw(&b, "\n", 1);
			gc_buf_raw(&b, (const char *)part->data, part->size);
		}
		st = gc_buf_error(&b);
		if (st == GC_OK)
			texts[i] = gc_buf_take(&b, &sizes[i]);
		gc_buf_free(&b);
		if (st == GC_OK && !texts[i])
			st = GC_ENOMEM;
	}
	if (st == GC_OK)
		st = gc_i18n_load_from((const char *const *)texts, sizes, err, err_size);
	else if (err && err_size)
		snprintf(err, err_size, "joining the catalogues: %s", gc_status_name(st));
	for (int i = 0; i < GC_LANG_COUNT; i++)
		free(texts[i]);
	return st;
}

const char *gc_tr(const char *lang, const char *key)
{
	if (!key)
		return "";
	if (!loaded)
		return key;
	int i = lang_index(lang);
	const struct gc_po_entry *e = i >= 0 ? gc_po_find(catalogs[i].po, key) : NULL;
	if (e && e->text[0])
		return e->text;
	e = gc_po_find(catalogs[LANG_EN].po, key);
	if (e && e->text[0])
		return e->text;
	return key;
}

const json_t *gc_i18n_table(const char *lang)
{
	int i = lang_index(lang);
	return catalogs[i < 0 ? LANG_EN : i].table;
}

/* --- Accept-Language (RFC 9110 section 12.5.4, ranges as in RFC 4647) ----- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths. */
static const char *parse_qvalue(const char *s, int *q)
{
	if (*s != '0' && *s != '1')
		return NULL;
	int whole = *s++ - '0';
	int frac = 0, digits = 0;
	if (*s == '.') {
		s++;
		while (is_digit(*s) && digits < 3) {
			frac = frac * 10 + (*s++ - '0');
			digits++;
		}
		if (is_digit(*s))
			return NULL;
	}
	for (; digits < 3; digits++)
		frac *= 10;
	if (whole == 1 && frac != 0)
		return NULL;
	*q = whole * QVALUE_ONE + frac;
	return s;
}

/*
 * Reads the header into the weight of each language (-1: not named) and of
 * "*" (-1: absent), with the position of the entry that gave it. False when
 * the header is malformed or over the bounds: it is then ignored as a whole.
 */
static bool parse_accept_language(const char *h, int q[GC_LANG_COUNT], int pos[GC_LANG_COUNT], int *any_q,
				  int *any_pos)
{
	if (strnlen(h, ACCEPT_MAX_BYTES + 1) > ACCEPT_MAX_BYTES)
		return false;
	int entries = 0;
	const char *s = h;
	for (;;) {
		s = skip_ows(s);
		if (!*s)
			break;
		if (*s == ',') {
			/* Empty list elements are allowed by the list syntax. */
			s++;
			continue;
		}
		char primary[9] = "";
		bool wildcard = false;
		if (*s == '*') {
			wildcard = true;
			s++;
		} else {
			size_t n = 0;
			while (is_alpha(*s) && n < 8) {
				char c = *s++;
				primary[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			primary[n] = '\0';
			if (n == 0 || is_alpha(*s))
				return false;
			while (*s == '-') {
				s++;
				size_t m = 0;
				while ((is_alpha(*s) || is_digit(*s)) && m < 8) {
					s++;
					m++;
				}
				if (m == 0 || is_alpha(*s) || is_digit(*s))
					return false;
			}
		}
		int weight = QVALUE_ONE;
		s = skip_ows(s);
		if (*s == ';') {
			s = skip_ows(s + 1);
			if ((*s != 'q' && *s != 'Q') || s[1] != '=')
				return false;
			if (!(s = parse_qvalue(s + 2, &weight)))
				return false;
			s = skip_ows(s);
		}
		if (*s && *s != ',')
			return false;
		if (++entries > ACCEPT_MAX_ENTRIES)
			return false;
		if (wildcard) {
			/* "*" stands for the languages not named: a named one wins a tie with it. */
			if (weight > *any_q) {
				*any_q = weight;
				*any_pos = ACCEPT_MAX_ENTRIES + entries;
			}
		} else {
			/* "zh-CN", "zh-Hans", "zh-TW": one Chinese for all, as at the UN. */
			int i = strlen(primary) == 2 ? lang_index(primary) : -1;
			if (i >= 0 && weight > q[i]) {
				q[i] = weight;
				pos[i] = entries;
			}
		}
	}
	return true;
}

static const char *lang_from_accept(const char *header)
{
	int q[GC_LANG_COUNT], pos[GC_LANG_COUNT];
	int any_q = -1, any_pos = 0;
	for (int i = 0; i < GC_LANG_COUNT; i++) {
		q[i] = -1;
		pos[i] = 0;
	}
	if (!header || !parse_accept_language(header, q, pos, &any_q, &any_pos))
		return NULL;

	/* English is looked at first, so "*" (which names no language) picks it. */
	static const int order[GC_LANG_COUNT] = { LANG_EN, 0, 1, 3, 4, 5 };
	int best = -1, best_q = 0, best_pos = 0;
	for (int k = 0; k < GC_LANG_COUNT; k++) {
		int i = order[k];
		int wq = q[i] >= 0 ? q[i] : any_q;
		int wp = q[i] >= 0 ? pos[i] : any_pos;
		if (wq <= 0)
			continue;
		if (wq > best_q || (wq == best_q && wp < best_pos)) {
			best = i;
			best_q = wq;
			best_pos = wp;
		}
	}
	return best < 0 ? NULL : gc_langs[best];
}

const char *gc_lang_negotiate(const char *from_url, const char *from_cookie, const char *accept_language)
{
	const char *lang;
	if ((lang = gc_lang_find(from_url)) != NULL)
		return lang;
	if ((lang = gc_lang_find(from_cookie)) != NULL)
		return lang;
	if ((lang = lang_from_accept(accept_language)) != NULL)
		return lang;
	return gc_langs[LANG_EN];
}
