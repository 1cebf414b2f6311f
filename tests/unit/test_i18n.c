/*
 * The PO parser, the catalogues and their fallbacks, language negotiation,
 * the CSV reader, and the countries reference data loaded into a real
 * SQLite database.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/log.h"
#include "modules/countries/reference.h"
#include "render/i18n.h"
#include "render/places.h"
#include "render/po.h"
#include "store/migrate.h"
#include "store/store.h"

#define HEADER "msgid \"\"\nmsgstr \"Language: xx\\nContent-Type: text/plain; charset=UTF-8\\n\"\n\n"

/* Parses text as "locale/xx.po"; on failure err holds the message. */
static gc_status parse(const char *text, struct gc_po **po, char *err, size_t err_size)
{
	return gc_po_parse("locale/xx.po", text, strlen(text), po, err, err_size);
}

/* --- the PO parser -------------------------------------------------------- */

Test(po, parses_a_good_file)
{
	const char *text = "# A translator's comment\n"
			   "msgid \"\"\n"
			   "msgstr \"\"\n"
			   "\"Project-Id-Version: gcscp\\n\"\n"
			   "\"Language: fr\\n\"\n"
			   "\"Content-Type: text/plain; charset=utf-8\\n\"\n"
			   "\n"
			   "#. an extracted comment\n"
			   "#: src/somewhere.c:12\n"
			   "msgid \"nav.home\"\n"
			   "msgstr \"Accueil\"\n"
			   "\n"
			   "msgid \"a.long\"\n"
			   "msgstr \"\"\n"
			   "\"first line\\n\"\n"
			   "  \"second \\\"quoted\\\"\\tand \\\\ done\"\n"
			   "\n"
			   "msgid \"\"\n"
			   "\"split.\"\n"
			   "\"key\"\n"
			   "msgstr \"ok\"\n"
			   "msgid \"empty\"\n"
			   "msgstr \"\"\n"
			   "\n"
			   "#, fuzzy\n"
			   "msgid \"fuzzy.one\"\n"
			   "msgstr \"a guess\"\n"
			   "#~ msgid \"obsolete\"\n"
			   "#~ msgstr \"gone\"\n"
			   "msgid \"utf8\"\n"
			   "msgstr \"中文 العربية Русский\"";
	struct gc_po *po = NULL;
	char err[256];
	cr_assert_eq(parse(text, &po, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_str_eq(po->language, "fr");
	cr_assert_eq(po->header_line, 2);
	cr_assert_eq(po->count, 6);
	cr_assert_eq(po->untranslated, 2);
	for (size_t i = 1; i < po->count; i++)
		cr_assert(strcmp(po->entries[i - 1].key, po->entries[i].key) < 0);

	const struct gc_po_entry *e = gc_po_find(po, "nav.home");
	cr_assert_not_null(e);
	cr_assert_str_eq(e->text, "Accueil");
	cr_assert_eq(e->line, 10);
	cr_assert_str_eq(gc_po_find(po, "a.long")->text, "first line\nsecond \"quoted\"\tand \\ done");
	cr_assert_str_eq(gc_po_find(po, "split.key")->text, "ok");
	cr_assert_str_eq(gc_po_find(po, "empty")->text, "");
	cr_assert_str_eq(gc_po_find(po, "fuzzy.one")->text, "", "fuzzy entries count as untranslated");
	cr_assert_str_eq(gc_po_find(po, "utf8")->text, "中文 العربية Русский");
	cr_assert_null(gc_po_find(po, "obsolete"));
	cr_assert_null(gc_po_find(po, "missing"));
	cr_assert_null(gc_po_find(po, ""));
	gc_po_free(po);
	gc_po_free(NULL);
}

Test(po, accepts_crlf_and_a_missing_final_newline)
{
	const char *text = "msgid \"\"\r\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\r\n\r\n"
			   "msgid \"a\"\r\nmsgstr \"b\"";
	struct gc_po *po = NULL;
	char err[256];
	cr_assert_eq(parse(text, &po, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_str_eq(po->language, "");
	cr_assert_str_eq(gc_po_find(po, "a")->text, "b");
	gc_po_free(po);
}

struct bad_po {
	const char *text;
	gc_status status;
	const char *message; /* the whole message, "locale/xx.po:LINE: what" */
};

Test(po, refuses_malformed_input_with_its_line)
{
	static const struct bad_po cases[] = {
		{ "", GC_EINVAL, "locale/xx.po:1: no header entry (msgid \"\")" },
		{ "# only a comment\n", GC_EINVAL, "locale/xx.po:1: no header entry (msgid \"\")" },
		{ "msgid \"a\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:1: the first entry must be the header (msgid \"\")" },
		{ "msgid \"\"\nmsgstr \"Language: fr\\n\"\n", GC_EINVAL,
		  "locale/xx.po:1: the header must declare \"Content-Type: text/plain; charset=UTF-8\"" },
		{ "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n", GC_EINVAL,
		  "locale/xx.po:1: the header must declare \"Content-Type: text/plain; charset=UTF-8\"" },
		{ HEADER "msgctxt \"menu\"\nmsgid \"a\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: msgctxt is not supported (keys are unique)" },
		{ HEADER "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\n", GC_EINVAL,
		  "locale/xx.po:5: plural forms (msgid_plural) are not supported" },
		{ HEADER "msgid \"a\"\nmsgstr[0] \"b\"\n", GC_EINVAL,
		  "locale/xx.po:5: plural forms (msgstr[N]) are not supported" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\n", GC_EINVAL, "locale/xx.po:5: string without its closing quote" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\\\"\n", GC_EINVAL,
		  "locale/xx.po:5: string without its closing quote" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\\r\"\n", GC_EINVAL,
		  "locale/xx.po:5: unsupported escape \\r (only \\n \\t \\\" \\\\)" },
		{ HEADER "msgid \"a\"\nmsgstr \"\\x41\"\n", GC_EINVAL,
		  "locale/xx.po:5: unsupported escape \\x (only \\n \\t \\\" \\\\)" },
		{ HEADER "msgid \"a\"\nmsgstr \"\\101\"\n", GC_EINVAL,
		  "locale/xx.po:5: unsupported escape \\1 (only \\n \\t \\\" \\\\)" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\" c\n", GC_EINVAL, "locale/xx.po:5: text after the closing quote" },
		{ HEADER "msgid \"a\"\n\nmsgstr \"b\"\n", GC_EINVAL, "locale/xx.po:4: msgid without msgstr" },
		{ HEADER "msgid \"a\"\nmsgid \"b\"\nmsgstr \"c\"\n", GC_EINVAL, "locale/xx.po:4: msgid without msgstr" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\"\nmsgid \"c\"\n", GC_EINVAL, "locale/xx.po:6: msgid without msgstr" },
		{ HEADER "msgstr \"b\"\n", GC_EINVAL, "locale/xx.po:4: msgstr without msgid" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", GC_EINVAL, "locale/xx.po:6: msgstr without msgid" },
		{ HEADER "msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"c\"\nmsgstr \"d\"\n\nmsgid \"a\"\nmsgstr \"e\"\n", GC_EINVAL,
		  "locale/xx.po:10: duplicate key \"a\" (first at line 4)" },
		{ HEADER "msgid \"Nav.home\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: invalid key \"Nav.home\" (lower-case letters, digits and '_', joined by '.')" },
		{ HEADER "msgid \"nav..home\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: invalid key \"nav..home\" (lower-case letters, digits and '_', joined by '.')" },
		{ HEADER "msgid \".nav\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: invalid key \".nav\" (lower-case letters, digits and '_', joined by '.')" },
		{ HEADER "msgid \"nav.\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: invalid key \"nav.\" (lower-case letters, digits and '_', joined by '.')" },
		{ HEADER "msgid \"a key\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: invalid key \"a key\" (lower-case letters, digits and '_', joined by '.')" },
		{ HEADER "msgid \"a\"\nmsgstr \"caf\xc3\"\n", GC_EINVAL, "locale/xx.po:5: not valid UTF-8" },
		{ HEADER "msgid \"a\"\nmsgstr \"\xc0\xaf\"\n", GC_EINVAL, "locale/xx.po:5: not valid UTF-8" },
		{ HEADER "msgid \"a\"\nmsgstr \"\xed\xa0\x80\"\n", GC_EINVAL, "locale/xx.po:5: not valid UTF-8" },
		{ HEADER "msgid \"a\"\nmsgstr \"tab\there\"\n", GC_EINVAL,
		  "locale/xx.po:5: control character in a string (write \\n or \\t)" },
		{ HEADER "msgid \"a\"\nmsgstr \"\xe2\x80\xae" "evil\"\n", GC_EINVAL,
		  "locale/xx.po:4: the msgstr of \"a\" has a control or bidirectional override character" },
		{ HEADER "msgfoo \"a\"\n", GC_EINVAL, "locale/xx.po:4: unknown keyword \"msgfoo\"" },
		{ HEADER "msgid\"a\"\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: msgid must be followed by a space and a quoted string" },
		{ HEADER "msgid a\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:4: msgid must be followed by a space and a quoted string" },
		{ HEADER "\"stray\"\n", GC_EINVAL, "locale/xx.po:4: a string outside an entry" },
		{ HEADER "msgid \"a\"\n# between\nmsgstr \"b\"\n", GC_EINVAL,
		  "locale/xx.po:5: comment between msgid and msgstr" },
		{ HEADER "msgid \"\"\nmsgstr \"x\"\n", GC_EINVAL, "locale/xx.po:4: a second header (empty msgid)" },
		{ "\xef\xbb\xbfmsgid \"\"\nmsgstr \"\"\n", GC_EINVAL,
		  "locale/xx.po:1: byte order mark (save as UTF-8 without BOM)" },
		{ HEADER "msgid \"a\"\rmsgstr \"b\"\n", GC_EINVAL, "locale/xx.po:4: carriage return inside a line" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gc_po *po = NULL;
		char err[256] = "";
		gc_status st = parse(cases[i].text, &po, err, sizeof(err));
		cr_expect_eq(st, cases[i].status, "case %zu: status %s", i, gc_status_name(st));
		cr_expect_null(po, "case %zu", i);
		cr_expect_str_eq(err, cases[i].message, "case %zu", i);
		gc_po_free(po);
	}
}

Test(po, refuses_nul_bytes)
{
	static const char text[] = HEADER "msgid \"a\"\nmsgstr \"b\0c\"\n";
	struct gc_po *po = NULL;
	char err[256];
	cr_assert_eq(gc_po_parse("locale/xx.po", text, sizeof(text) - 1, &po, err, sizeof(err)), GC_EINVAL);
	cr_assert_str_eq(err, "locale/xx.po:5: NUL byte");
}

Test(po, bounds_size_and_entries)
{
	size_t big = GC_PO_MAX_BYTES + 1;
	char *text = malloc(big);
	cr_assert_not_null(text);
	memset(text, '#', big);
	struct gc_po *po = NULL;
	char err[256];
	cr_assert_eq(gc_po_parse("locale/xx.po", text, big, &po, err, sizeof(err)), GC_ETOOBIG);
	cr_assert_str_eq(err, "locale/xx.po:1: larger than 1048576 bytes");
	free(text);

	/* One entry more than allowed: the error names the line of the first one too many. */
	size_t cap = strlen(HEADER) + (GC_PO_MAX_ENTRIES + 1) * 32;
	text = malloc(cap);
	cr_assert_not_null(text);
	size_t len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (int i = 0; i <= GC_PO_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, cap - len, "msgid \"k%d\"\nmsgstr \"v\"\n", i);
	cr_assert_eq(gc_po_parse("locale/xx.po", text, len, &po, err, sizeof(err)), GC_ETOOBIG);
	char want[64];
	snprintf(want, sizeof(want), "locale/xx.po:%d: more than 4096 entries", 4 + 2 * GC_PO_MAX_ENTRIES);
	cr_assert_str_eq(err, want);

	/* Exactly the limit is fine. */
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (int i = 0; i < GC_PO_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, cap - len, "msgid \"k%d\"\nmsgstr \"v\"\n", i);
	cr_assert_eq(gc_po_parse("locale/xx.po", text, len, &po, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(po->count, GC_PO_MAX_ENTRIES);
	cr_assert_str_eq(gc_po_find(po, "k4095")->text, "v");
	gc_po_free(po);
	free(text);
}

/* --- the locale files ----------------------------------------------------- */

static struct gc_po *load_locale(const char *lang)
{
	char path[32], err[256];
	snprintf(path, sizeof(path), "locale/%s.po", lang);
	const struct gc_embedded_file *file = gc_embedded_find(path);
	cr_assert_not_null(file, "%s is not embedded", path);
	struct gc_po *po = NULL;
	cr_assert_eq(gc_po_parse(path, (const char *)file->data, file->size, &po, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_str_eq(po->language, lang, "%s declares the wrong language", path);
	return po;
}

Test(locale, every_file_parses_and_has_the_english_keys)
{
	struct gc_po *en = load_locale("en");
	cr_assert_gt(en->count, 50);
	cr_assert_eq(en->untranslated, 0, "English must be complete");
	for (int l = 0; l < GC_LANG_COUNT; l++) {
		struct gc_po *po = load_locale(gc_langs[l]);
		for (size_t i = 0; i < po->count; i++)
			cr_expect_not_null(gc_po_find(en, po->entries[i].key), "locale/%s.po:%u: \"%s\" is not in en.po",
					   gc_langs[l], po->entries[i].line, po->entries[i].key);
		size_t untranslated = 0;
		for (size_t i = 0; i < en->count; i++) {
			const struct gc_po_entry *e = gc_po_find(po, en->entries[i].key);
			if (!e || !e->text[0]) {
				untranslated++;
				cr_log_warn("locale/%s.po: \"%s\" is untranslated", gc_langs[l], en->entries[i].key);
			}
		}
		cr_log_info("locale/%s.po: %zu strings, %zu untranslated", gc_langs[l], po->count, untranslated);
		cr_expect_eq(untranslated, 0, "locale/%s.po has %zu untranslated strings", gc_langs[l], untranslated);
		gc_po_free(po);
	}
	gc_po_free(en);
}

Test(locale, files_keep_their_keys_in_alphabetical_order)
{
	for (int l = 0; l < GC_LANG_COUNT; l++) {
		struct gc_po *po = load_locale(gc_langs[l]);
		/* Sorted by key, the entries' lines must rise too. */
		for (size_t i = 1; i < po->count; i++)
			cr_expect_lt(po->entries[i - 1].line, po->entries[i].line, "locale/%s.po:%u: \"%s\" is out of order",
				     gc_langs[l], po->entries[i].line, po->entries[i].key);
		gc_po_free(po);
	}
}

/* --- the catalogues ------------------------------------------------------- */

#define PO_HEAD(lang) "msgid \"\"\nmsgstr \"Language: " lang "\\nContent-Type: text/plain; charset=UTF-8\\n\"\n"

static gc_status load_texts(const char *en, const char *fr, char *err, size_t err_size)
{
	const char *texts[GC_LANG_COUNT] = {
		PO_HEAD("ar"), PO_HEAD("zh"), en, fr, PO_HEAD("ru"), PO_HEAD("es"),
	};
	size_t sizes[GC_LANG_COUNT];
	for (int i = 0; i < GC_LANG_COUNT; i++)
		sizes[i] = strlen(texts[i]);
	/* These small catalogues are meant to be incomplete: no warnings. */
	gc_log_set_level(GC_LOG_ERROR);
	return gc_i18n_load_from(texts, sizes, err, err_size);
}

static const char en_small[] = PO_HEAD("en") "msgid \"nav.home\"\nmsgstr \"Home\"\n"
					      "msgid \"nav.countries\"\nmsgstr \"Countries\"\n"
					      "msgid \"site.skip_to_content\"\nmsgstr \"Skip to main content\"\n";

Test(i18n, falls_back_to_english_then_to_the_key)
{
	char err[256];
	cr_assert_eq(load_texts(en_small,
				PO_HEAD("fr") "msgid \"nav.home\"\nmsgstr \"Accueil\"\n"
					      "msgid \"site.skip_to_content\"\nmsgstr \"\"\n",
				err, sizeof(err)),
		     GC_OK, "%s", err);
	cr_assert_str_eq(gc_tr("fr", "nav.home"), "Accueil");
	cr_assert_str_eq(gc_tr("fr", "nav.countries"), "Countries", "missing in fr: English");
	cr_assert_str_eq(gc_tr("fr", "site.skip_to_content"), "Skip to main content", "empty in fr: English");
	cr_assert_str_eq(gc_tr("ar", "nav.home"), "Home");
	cr_assert_str_eq(gc_tr("fr", "no.such.key"), "no.such.key", "unknown: the key itself");
	cr_assert_str_eq(gc_tr("de", "nav.home"), "Home", "unsupported language: English");
	cr_assert_str_eq(gc_tr(NULL, "nav.home"), "Home");
	cr_assert_str_eq(gc_tr("FR", "nav.home"), "Accueil");
	cr_assert_str_eq(gc_tr("fr", NULL), "");

	const json_t *fr = gc_i18n_table("fr");
	cr_assert_not_null(fr);
	cr_assert_eq(json_object_size(fr), 3);
	cr_assert_str_eq(json_string_value(json_object_get(fr, "nav_home")), "Accueil");
	cr_assert_str_eq(json_string_value(json_object_get(fr, "nav_countries")), "Countries");
	cr_assert_str_eq(json_string_value(json_object_get(fr, "site_skip_to_content")), "Skip to main content");
	cr_assert_null(json_object_get(fr, "nav.home"));
	cr_assert_eq(gc_i18n_table("xx"), gc_i18n_table("en"));
	cr_assert_str_eq(json_string_value(json_object_get(gc_i18n_table("zh"), "nav_home")), "Home");

	/* Loading again is a no-op; unloading returns keys. */
	cr_assert_eq(gc_i18n_load(err, sizeof(err)), GC_OK);
	cr_assert_str_eq(gc_tr("fr", "nav.home"), "Accueil");
	gc_i18n_unload();
	cr_assert_str_eq(gc_tr("fr", "nav.home"), "nav.home");
	cr_assert_null(gc_i18n_table("fr"));
	gc_i18n_unload();
}

struct bad_catalogue {
	const char *en, *fr;
	gc_status status;
	const char *message;
};

Test(i18n, refuses_inconsistent_catalogues)
{
	static const struct bad_catalogue cases[] = {
		{ PO_HEAD("en") "msgid \"a\"\nmsgstr \"\"\n", PO_HEAD("fr"), GC_EINVAL,
		  "locale/en.po:3: \"a\" has no English text" },
		{ en_small, PO_HEAD("fr") "msgid \"nav.hom\"\nmsgstr \"Accueil\"\n", GC_EINVAL,
		  "locale/fr.po:3: \"nav.hom\" is not in locale/en.po" },
		{ en_small, PO_HEAD("es"), GC_EINVAL,
		  "locale/fr.po:1: the header says Language: \"es\", expected \"fr\"" },
		{ PO_HEAD("en") "msgid \"a.b\"\nmsgstr \"x\"\nmsgid \"a_b\"\nmsgstr \"y\"\n", PO_HEAD("fr"), GC_ECONFLICT,
		  "locale/en.po:5: \"a_b\" and another key both become \"a_b\" in templates" },
		{ en_small, PO_HEAD("fr") "msgid \"nav.home\"\n", GC_EINVAL, "locale/fr.po:3: msgid without msgstr" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		gc_status st = load_texts(cases[i].en, cases[i].fr, err, sizeof(err));
		cr_expect_eq(st, cases[i].status, "case %zu: %s", i, gc_status_name(st));
		cr_expect_str_eq(err, cases[i].message, "case %zu", i);
		cr_expect_str_eq(gc_tr("en", "nav.home"), "nav.home", "case %zu: nothing stays loaded", i);
	}
}

Test(i18n, loads_the_embedded_catalogues)
{
	char err[256];
	cr_assert_eq(gc_i18n_load(err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_str_eq(gc_tr("en", "site.name"), "Global Cyber Security Cooperation Portal");
	cr_assert_str_eq(gc_tr("fr", "countries.member_state"), "État Membre");
	cr_assert_str_eq(gc_tr("es", "countries.member_state"), "Estado Miembro");
	cr_assert_str_eq(gc_tr("ru", "countries.member_state"), "Государство-член");
	cr_assert_str_eq(gc_tr("zh", "countries.member_state"), "会员国");
	cr_assert_str_eq(gc_tr("ar", "countries.member_state"), "دولة عضو");

	const json_t *en = gc_i18n_table("en");
	for (int l = 0; l < GC_LANG_COUNT; l++) {
		const json_t *table = gc_i18n_table(gc_langs[l]);
		cr_assert_not_null(table);
		cr_assert_eq(json_object_size(table), json_object_size(en));
		const char *key;
		json_t *value;
		json_object_foreach((json_t *)table, key, value) {
			cr_expect_null(strchr(key, '.'), "%s: %s", gc_langs[l], key);
			cr_expect(json_string_length(value) > 0, "%s: %s is empty", gc_langs[l], key);
		}
		cr_assert_str_eq(json_string_value(json_object_get(table, "nav_countries")),
				 gc_tr(gc_langs[l], "nav.countries"));
	}
	cr_assert_str_eq(json_string_value(json_object_get(gc_i18n_table("ar"), "nav_countries")), "البلدان");
	gc_i18n_unload();
}

/* --- languages ------------------------------------------------------------ */

Test(lang, finds_directions_and_names)
{
	cr_assert_eq(gc_lang_find("fr"), gc_langs[3]);
	cr_assert_eq(gc_lang_find("ZH"), gc_langs[1]);
	cr_assert_null(gc_lang_find("zh-CN"));
	cr_assert_null(gc_lang_find("de"));
	cr_assert_null(gc_lang_find(""));
	cr_assert_null(gc_lang_find(NULL));
	cr_assert_str_eq(gc_lang_dir("ar"), "rtl");
	cr_assert_str_eq(gc_lang_dir("en"), "ltr");
	cr_assert_str_eq(gc_lang_dir(NULL), "ltr");
	static const char *const names[] = { "العربية", "中文", "English", "Français", "Русский", "Español" };
	for (int i = 0; i < GC_LANG_COUNT; i++)
		cr_assert_str_eq(gc_lang_native_name(gc_langs[i]), names[i]);
	cr_assert_null(gc_lang_native_name("de"));
	cr_assert_str_eq(GC_LANG_DEFAULT, "en");
}

struct negotiation {
	const char *url, *cookie, *accept;
	const char *want;
};

Test(lang, negotiates)
{
	static const struct negotiation cases[] = {
		/* The URL, then the cookie, then the header. */
		{ "fr", "es", "ru", "fr" },
		{ "xx", "es", "ru", "es" },
		{ NULL, "ES", "ru", "es" },
		{ NULL, "zz", "ru", "ru" },
		{ NULL, NULL, NULL, "en" },
		{ "", "", "", "en" },
		/* q-values. */
		{ NULL, NULL, "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "fr" },
		{ NULL, NULL, "en;q=0.5, ru;q=0.8", "ru" },
		{ NULL, NULL, "de, es;q=0.1", "es" },
		{ NULL, NULL, "de-DE, de;q=0.9", "en" },
		{ NULL, NULL, "fr;q=0", "en" },
		{ NULL, NULL, "es;q=0.5, fr;q=0.50", "es" },
		{ NULL, NULL, "es;q=0.5, fr;q=0.501", "fr" },
		{ NULL, NULL, "ru;q=1.0, ar;q=1", "ru" },
		{ NULL, NULL, "ar;Q=0.7 , zh ; q=0.6", "ar" },
		{ NULL, NULL, "*", "en" },
		{ NULL, NULL, "*;q=0.5, fr;q=0.5", "fr" },
		{ NULL, NULL, "*, fr;q=0.9", "en" },
		{ NULL, NULL, "en;q=0, *;q=0.1", "ar" },
		{ NULL, NULL, ",, ,fr,,", "fr" },
		/* Regional variants and scripts. */
		{ NULL, NULL, "zh-CN,zh;q=0.9", "zh" },
		{ NULL, NULL, "zh-Hans", "zh" },
		{ NULL, NULL, "zh-Hant-TW, en;q=0.5", "zh" },
		{ NULL, NULL, "zh-TW", "zh" },
		{ NULL, NULL, "ar-EG", "ar" },
		{ NULL, NULL, "es-419", "es" },
		{ NULL, NULL, "RU-ru", "ru" },
		{ NULL, NULL, "fra, fr;q=0.1", "fr" },
		/* Malformed: the whole header is ignored. */
		{ NULL, NULL, "fr;q=2", "en" },
		{ NULL, NULL, "fr;q=1.5", "en" },
		{ NULL, NULL, "fr;q=0.1234", "en" },
		{ NULL, NULL, "fr;q=", "en" },
		{ NULL, NULL, "fr;q=.5", "en" },
		{ NULL, NULL, "fr;level=1", "en" },
		{ NULL, NULL, "fr;", "en" },
		{ NULL, NULL, "fr fr", "en" },
		{ NULL, NULL, "f@r, fr", "en" },
		{ NULL, NULL, "français", "en" },
		{ NULL, NULL, "fr-", "en" },
		{ NULL, NULL, "-fr", "en" },
		{ NULL, NULL, "fr--CH", "en" },
		{ NULL, NULL, "abcdefghi", "en" },
		{ NULL, NULL, "fr-abcdefghi", "en" },
		{ NULL, NULL, ";q=0.5", "en" },
		{ NULL, NULL, "fr_FR", "en" },
		{ NULL, NULL, "ru\r\n", "en" },
		{ NULL, NULL, "**", "en" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = gc_lang_negotiate(cases[i].url, cases[i].cookie, cases[i].accept);
		cr_expect_str_eq(got, cases[i].want, "case %zu (%s): got %s", i, cases[i].accept ? cases[i].accept : "",
				 got);
	}
}

Test(lang, bounds_the_header)
{
	char header[1100];
	/* 1 KiB exactly (fr and blanks) is read; one byte more is ignored. */
	memset(header, ' ', sizeof(header));
	memcpy(header, "fr", 2);
	header[1024] = '\0';
	cr_assert_str_eq(gc_lang_negotiate(NULL, NULL, header), "fr");
	header[1024] = ' ';
	header[1025] = '\0';
	cr_assert_str_eq(gc_lang_negotiate(NULL, NULL, header), "en");

	/* 32 entries are read, 33 are not. */
	size_t len = 0;
	for (int i = 0; i < 31; i++)
		len += (size_t)snprintf(header + len, sizeof(header) - len, "de;q=0.1, ");
	snprintf(header + len, sizeof(header) - len, "fr");
	cr_assert_str_eq(gc_lang_negotiate(NULL, NULL, header), "fr");
	snprintf(header + len, sizeof(header) - len, "de, fr");
	cr_assert_str_eq(gc_lang_negotiate(NULL, NULL, header), "en");
}

/* --- CSV ------------------------------------------------------------------ */

static void expect_fields(struct gc_csv *csv, size_t n, const char *const *want)
{
	cr_assert_eq(gc_csv_next(csv), GC_ROW, "%s", csv->err);
	cr_assert_eq(csv->n_fields, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(csv->field[i], want[i], "field %zu", i);
		cr_assert_eq(csv->length[i], strlen(want[i]));
	}
}

Test(csv, reads_quotes_doubled_quotes_and_crlf)
{
	static const char text[] = "code,name,note\r\n"
				   "001,World,\r\n"
				   "\"002\",\"Africa, the continent\",\"say \"\"hi\"\"\"\r\n"
				   "003,\"two\r\nlines\",\"\"\n"
				   "004,\"العربية\",中文";
	struct gc_csv csv;
	gc_csv_open(&csv, text, sizeof(text) - 1);
	static const char *const names[] = { "code", "name", "note" };
	cr_assert_eq(gc_csv_expect_header(&csv, names, 3), GC_OK, "%s", csv.err);
	expect_fields(&csv, 3, (const char *const[]){ "001", "World", "" });
	cr_assert_eq(csv.line, 2);
	expect_fields(&csv, 3, (const char *const[]){ "002", "Africa, the continent", "say \"hi\"" });
	cr_assert(gc_csv_field_is(&csv, 0, "002"));
	cr_assert(!gc_csv_field_is(&csv, 3, "002"));
	expect_fields(&csv, 3, (const char *const[]){ "003", "two\r\nlines", "" });
	cr_assert_eq(csv.line, 4);
	expect_fields(&csv, 3, (const char *const[]){ "004", "العربية", "中文" });
	cr_assert_eq(csv.line, 6);
	cr_assert_eq(gc_csv_next(&csv), GC_DONE);
	cr_assert_eq(gc_csv_next(&csv), GC_DONE);
	cr_assert_eq(csv.records, 5);
	gc_csv_close(&csv);
	gc_csv_close(NULL);
}

Test(csv, reads_empty_input_and_trailing_empty_fields)
{
	struct gc_csv csv;
	gc_csv_open(&csv, "", 0);
	cr_assert_eq(gc_csv_next(&csv), GC_DONE);
	gc_csv_close(&csv);

	gc_csv_open(&csv, "a,\n,b\n", 6);
	expect_fields(&csv, 2, (const char *const[]){ "a", "" });
	expect_fields(&csv, 2, (const char *const[]){ "", "b" });
	cr_assert_eq(gc_csv_next(&csv), GC_DONE);
	gc_csv_close(&csv);
}

struct bad_csv {
	const char *text;
	gc_status status;
	const char *message;
};

Test(csv, refuses_bad_input)
{
	static const struct bad_csv cases[] = {
		{ "a,b\n1,\"2\n3\n", GC_EINVAL, "line 2: unterminated quoted field" },
		{ "a,b\n1,2\"3\n", GC_EINVAL, "line 2: a quote inside a field that does not start with one" },
		{ "a,b\n1,\"2\"3\n", GC_EINVAL, "line 2: text after the closing quote of a field" },
		{ "a,b\n1,\"2\" \n", GC_EINVAL, "line 2: text after the closing quote of a field" },
		{ "a,b\r1,2\n", GC_EINVAL, "line 1: carriage return without a line feed" },
		{ "a,b\n\n1,2\n", GC_EINVAL, "line 2: empty line" },
		{ "a,b\r\n1,2\r\n\r\n", GC_EINVAL, "line 3: empty line" },
		{ "a,b\n1,2,3\n", GC_EINVAL, "line 2: 3 fields, expected 2" },
		{ "a,b\n\"x\ny\",2\n1\n", GC_EINVAL, "line 4: 1 fields, expected 2" },
		{ "\xef\xbb\xbf" "a,b\n", GC_EINVAL, "line 1: byte order mark at the start (save as UTF-8 without BOM)" },
		{ "a,b\n1,caf\xc3\n", GC_EINVAL, "line 2: field 2 is not valid UTF-8" },
		{ "a,b\n\"\xff\",2\n", GC_EINVAL, "line 2: field 1 is not valid UTF-8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gc_csv csv;
		gc_csv_open(&csv, cases[i].text, strlen(cases[i].text));
		gc_status st;
		while ((st = gc_csv_next(&csv)) == GC_ROW)
			;
		cr_expect_eq(st, cases[i].status, "case %zu: %s", i, gc_status_name(st));
		cr_expect_str_eq(csv.err, cases[i].message, "case %zu", i);
		cr_expect_eq(gc_csv_next(&csv), st, "case %zu: the error is sticky", i);
		cr_expect_eq(csv.n_fields, 0);
		gc_csv_close(&csv);
	}
}

Test(csv, refuses_nul_and_limits)
{
	static const char nul[] = "a,b\n1,x\0y\n";
	struct gc_csv csv;
	gc_csv_open(&csv, nul, sizeof(nul) - 1);
	cr_assert_eq(gc_csv_next(&csv), GC_ROW);
	cr_assert_eq(gc_csv_next(&csv), GC_EINVAL);
	cr_assert_str_eq(csv.err, "line 2: NUL byte in field 2");
	gc_csv_close(&csv);

	char wide[GC_CSV_MAX_FIELDS * 2 + 8];
	size_t n = 0;
	for (int i = 0; i <= GC_CSV_MAX_FIELDS; i++) {
		wide[n++] = 'x';
		wide[n++] = i < GC_CSV_MAX_FIELDS ? ',' : '\n';
	}
	gc_csv_open(&csv, wide, n);
	cr_assert_eq(gc_csv_next(&csv), GC_ETOOBIG);
	cr_assert_str_eq(csv.err, "line 1: more than 64 fields");
	gc_csv_close(&csv);

	size_t big = GC_CSV_MAX_RECORD + 16;
	char *text = malloc(big);
	cr_assert_not_null(text);
	text[0] = '"';
	memset(text + 1, 'a', big - 2);
	text[big - 1] = '"';
	gc_csv_open(&csv, text, big);
	cr_assert_eq(gc_csv_next(&csv), GC_ETOOBIG);
	cr_assert_str_eq(csv.err, "line 1: record longer than 65536 bytes");
	gc_csv_close(&csv);
	free(text);
}

Test(csv, checks_the_header)
{
	static const char *const names[] = { "a", "b" };
	struct gc_csv csv;
	gc_csv_open(&csv, "", 0);
	cr_assert_eq(gc_csv_expect_header(&csv, names, 2), GC_EINVAL);
	cr_assert_str_eq(csv.err, "line 1: empty input, expected a header row");
	gc_csv_close(&csv);

	gc_csv_open(&csv, "a,c\n", 4);
	cr_assert_eq(gc_csv_expect_header(&csv, names, 2), GC_EINVAL);
	cr_assert_str_eq(csv.err, "line 1: header field 2 should be \"b\"");
	gc_csv_close(&csv);

	gc_csv_open(&csv, "a\n", 2);
	cr_assert_eq(gc_csv_expect_header(&csv, names, 2), GC_EINVAL);
	cr_assert_str_eq(csv.err, "line 1: the header has 1 fields, expected 2");
	gc_csv_close(&csv);
}

/* --- the reference data in a real database -------------------------------- */

static int64_t count(struct gc_db *db, const char *sql)
{
	int64_t n = -1;
	cr_assert_eq(gc_db_query_int(db, sql, GC_NO_PARAMS, &n), GC_OK, "%s: %s", sql, gc_db_errmsg(db));
	return n;
}

static char *name_of(struct gc_db *db, const char *column_sql, const char *iso3)
{
	json_t *row = NULL;
	cr_assert_eq(gc_db_query_one(db, column_sql, GC_PARAMS(GC_TEXT(iso3)), &row), GC_OK, "%s", gc_db_errmsg(db));
	char *name = strdup(json_string_value(json_object_get(row, "name")));
	json_decref(row);
	return name;
}

/* Applies the countries migrations at url and checks what they loaded. */
static void check_reference(const char *url, const char *data_dir)
{
	char err[256];
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	cr_assert_eq(gc_pool_open(url, data_dir, 1, &pool, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(pool, 1000, &db), GC_OK);
	cr_assert_eq(countries_migration_count, COUNTRIES_MIGRATION_COUNT);
	cr_assert_eq(gc_migrate_component(db, "countries", countries_migrations, countries_migration_count, err,
					  sizeof(err)),
		     GC_OK, "%s / %s", err, gc_db_errmsg(db));
	int version = 0;
	cr_assert_eq(gc_migrate_current(db, "countries", &version), GC_OK);
	cr_assert_eq(version, 1);

	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE status = 'member'"), 193);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE status = 'observer'"), 2);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE status = 'observer' AND iso3 IN ('VAT', 'PSE')"),
		     2);
	cr_assert_eq(count(db, "SELECT count(*) FROM regions WHERE level = 1"), 5);
	cr_assert_eq(count(db, "SELECT count(*) FROM regions r LEFT JOIN regions p ON p.code = r.parent "
			       "WHERE r.parent IS NOT NULL AND (p.code IS NULL OR p.level <> r.level - 1)"),
		     0);

	/* Every reference resolves, at the right level, along one chain. */
	cr_assert_eq(count(db, "SELECT count(*) FROM countries c "
			       "LEFT JOIN regions r ON r.code = c.region AND r.level = 1 "
			       "LEFT JOIN regions s ON s.code = c.subregion AND s.level = 2 AND s.parent = c.region "
			       "WHERE r.code IS NULL OR s.code IS NULL"),
		     0);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries c "
			       "LEFT JOIN regions i ON i.code = c.intermediate AND i.level = 3 "
			       "AND i.parent = c.subregion "
			       "WHERE c.intermediate IS NOT NULL AND i.code IS NULL"),
		     0);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE intermediate IS NOT NULL"), 33 + 48,
		     "the states of Latin America and the Caribbean (33) and Sub-Saharan Africa (48)");

	/* Names in all six languages, codes in their shapes. */
	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE name_ar = '' OR name_zh = '' OR name_en = '' "
			       "OR name_fr = '' OR name_ru = '' OR name_es = ''"),
		     0);
	cr_assert_eq(count(db, "SELECT count(*) FROM regions WHERE name_ar = '' OR name_zh = '' OR name_en = '' "
			       "OR name_fr = '' OR name_ru = '' OR name_es = ''"),
		     0);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries WHERE length(iso3) <> 3 OR length(iso2) <> 2 "
			       "OR length(m49) <> 3"),
		     0);

	char *name = name_of(db, "SELECT name_fr AS name FROM countries WHERE iso3 = ?", "FRA");
	cr_assert_str_eq(name, "France");
	free(name);
	name = name_of(db, "SELECT name_zh AS name FROM countries WHERE iso3 = ?", "CHN");
	cr_assert_str_eq(name, "中国");
	free(name);
	name = name_of(db, "SELECT name_en AS name FROM countries WHERE iso3 = ?", "KOR");
	cr_assert_str_eq(name, "Republic of Korea");
	free(name);
	name = name_of(db, "SELECT name_ru AS name FROM regions WHERE code = ?", "018");
	cr_assert_str_eq(name, "Южная часть Африки");
	free(name);
	json_t *row = NULL;
	cr_assert_eq(gc_db_query_one(db, "SELECT iso2, m49, region, subregion, intermediate FROM countries WHERE iso3 = ?",
				     GC_PARAMS(GC_TEXT("AFG")), &row),
		     GC_OK);
	cr_assert_str_eq(json_string_value(json_object_get(row, "iso2")), "AF");
	cr_assert_str_eq(json_string_value(json_object_get(row, "m49")), "004");
	cr_assert_str_eq(json_string_value(json_object_get(row, "region")), "142");
	cr_assert_str_eq(json_string_value(json_object_get(row, "subregion")), "034");
	cr_assert(json_is_null(json_object_get(row, "intermediate")));
	json_decref(row);
	cr_assert_eq(gc_db_query_one(db, "SELECT region, subregion, intermediate FROM countries WHERE iso3 = ?",
				     GC_PARAMS(GC_TEXT("KEN")), &row),
		     GC_OK);
	cr_assert_str_eq(json_string_value(json_object_get(row, "region")), "002");
	cr_assert_str_eq(json_string_value(json_object_get(row, "subregion")), "202");
	cr_assert_str_eq(json_string_value(json_object_get(row, "intermediate")), "014");
	json_decref(row);

	/*
	 * render/places.h names what the tables name, in every language, and
	 * orders the states as ORDER BY name_<lang> does on this engine.
	 */
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		char sql[160];
		json_t *rows = NULL;
		snprintf(sql, sizeof(sql), "SELECT iso3 AS k, name_%s AS v, region AS r, subregion AS s, intermediate AS i"
			 " FROM countries ORDER BY name_%s, iso3", gc_langs[l], gc_langs[l]);
		cr_assert_eq(gc_db_query(db, sql, GC_NO_PARAMS, &rows), GC_OK, "%s", gc_db_errmsg(db));
		const struct gc_place *const *list = NULL;
		size_t n = gc_countries_by_name(gc_langs[l], &list);
		cr_assert_eq(n, json_array_size(rows));
		json_t *choices = gc_country_choices(gc_langs[l]);
		cr_assert_eq(json_array_size(choices), n);
		for (size_t i = 0; i < n; i++) {
			json_t *c = json_array_get(rows, i);
			const char *k = json_string_value(json_object_get(c, "k"));
			cr_assert_str_eq(list[i]->code, k, "%s: position %zu", gc_langs[l], i);
			cr_assert_str_eq(gc_country_name(k, gc_langs[l]), json_string_value(json_object_get(c, "v")));
			cr_assert_str_eq(json_string_value(json_object_get(json_array_get(choices, i), "value")), k);
			cr_assert_str_eq(list[i]->region, json_string_value(json_object_get(c, "r")));
			cr_assert_str_eq(list[i]->subregion, json_string_value(json_object_get(c, "s")));
			const char *inter = json_string_value(json_object_get(c, "i"));
			cr_assert(inter ? list[i]->intermediate && strcmp(inter, list[i]->intermediate) == 0
					: list[i]->intermediate == NULL);
		}
		json_decref(choices);
		json_decref(rows);
		snprintf(sql, sizeof(sql), "SELECT code AS k, name_%s AS v FROM regions", gc_langs[l]);
		cr_assert_eq(gc_db_query(db, sql, GC_NO_PARAMS, &rows), GC_OK);
		cr_assert_eq(json_array_size(rows), 29);
		size_t i;
		json_t *g;
		json_array_foreach(rows, i, g)
			cr_assert_str_eq(gc_region_name(json_string_value(json_object_get(g, "k")), gc_langs[l]),
					 json_string_value(json_object_get(g, "v")));
		json_decref(rows);
	}
	cr_assert_null(gc_country_name("XXX", "en"));
	cr_assert_null(gc_country_name(NULL, "en"));
	cr_assert_null(gc_region_name("999", "fr"));
	cr_assert_str_eq(gc_country_name("KEN", "ru"), "Кения");
	cr_assert_str_eq(gc_country_name("KEN", "xx"), "Kenya", "an unsupported language reads English");
	cr_assert_str_eq(gc_country_name("KEN", NULL), "Kenya");
	cr_assert_str_eq(gc_region_name("150", "es"), "Europa");

	/* The schema's own constraints hold too. */
	if (gc_db_engine(db) == GC_DB_SQLITE) {
		/* SQLite checks foreign keys as rows go in only when asked; ask for the whole table. */
		json_t *rows = NULL;
		cr_assert_eq(gc_db_query(db, "PRAGMA foreign_key_check", GC_NO_PARAMS, &rows), GC_OK);
		cr_assert_eq(json_array_size(rows), 0);
		json_decref(rows);
	}
	cr_assert_neq(gc_db_exec(db, "UPDATE countries SET status = 'candidate' WHERE iso3 = 'FRA'", GC_NO_PARAMS, NULL),
		      GC_OK);
	cr_assert_neq(gc_db_exec(db, "UPDATE countries SET subregion = '999' WHERE iso3 = 'FRA'", GC_NO_PARAMS, NULL),
		      GC_OK);
	cr_assert_eq(gc_db_exec(db, "UPDATE countries SET iso2 = 'DE' WHERE iso3 = 'FRA'", GC_NO_PARAMS, NULL),
		     GC_ECONFLICT);

	/* Applied once: running the migrations again changes nothing. */
	cr_assert_eq(gc_migrate_component(db, "countries", countries_migrations, countries_migration_count, err,
					  sizeof(err)),
		     GC_OK, "%s", err);
	cr_assert_eq(count(db, "SELECT count(*) FROM countries"), 195);

	gc_pool_release(pool, db);
	gc_pool_close(pool);
}

Test(reference, loads_the_states_and_regions_into_sqlite)
{
	char dir[] = "/tmp/gcscp-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char url[160], path[128];
	snprintf(path, sizeof(path), "%s/reference.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	check_reference(url, dir);

	char file[200];
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		unlink(file);
	}
	rmdir(dir);
}

/* Runs one statement on a connection of its own to url. */
static gc_status admin_exec(const char *url, const char *sql)
{
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	char err[256];
	gc_status st = gc_pool_open(url, NULL, 1, &pool, err, sizeof(err));
	if (st != GC_OK) {
		cr_log_error("%s", err);
		goto out;
	}
	if ((st = gc_pool_acquire(pool, 1000, &db)) != GC_OK)
		goto out;
	if ((st = gc_db_exec_script(db, sql)) != GC_OK)
		cr_log_error("%s", gc_db_errmsg(db));
	gc_pool_release(pool, db);
out:
	gc_pool_close(pool);
	return st;
}

/*
 * The same on PostgreSQL when GCSCP_TEST_PG names a server where we may
 * create a database (tests/pg-cluster); the database is dropped afterwards.
 */
Test(reference, loads_the_states_and_regions_into_postgresql)
{
	const char *base = getenv("GCSCP_TEST_PG");
	if (!base || !base[0])
		cr_skip_test("GCSCP_TEST_PG is not set");
	char name[64], sql[160], url[1024];
	snprintf(name, sizeof(name), "gcscp_reference_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", name);
	cr_assert_eq(admin_exec(base, sql), GC_OK);

	/* base with its database name replaced by ours. */
	const char *host = strstr(base, "://");
	host = host ? host + 3 : base;
	const char *slash = strchr(host, '/');
	const char *query = strchr(host, '?');
	size_t head = slash ? (size_t)(slash - base) : query ? (size_t)(query - base) : strlen(base);
	snprintf(url, sizeof(url), "%.*s/%s%s", (int)head, base, name, query ? query : "");

	check_reference(url, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", name);
	cr_assert_eq(admin_exec(base, sql), GC_OK);
}

/*
 * The shared, unselected country choices: the same rows as gc_country_choices,
 * each with "selected": false, one array per language handed out again (not
 * rebuilt), and a caller that builds its own selection never writes into it.
 */
Test(places, unselected_choices_are_shared_and_equal)
{
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		json_t *fresh = gc_country_choices(gc_langs[l]);
		json_t *a = gc_country_choices_unselected(gc_langs[l]);
		json_t *b = gc_country_choices_unselected(gc_langs[l]);
		cr_assert(fresh && a && b);
		cr_assert_eq(a, b, "%s: one shared array", gc_langs[l]);
		cr_assert_eq(json_array_size(a), json_array_size(fresh));
		size_t i;
		json_t *row;
		json_array_foreach(fresh, i, row) {
			json_t *s = json_array_get(a, i);
			cr_assert(json_is_false(json_object_get(s, "selected")));
			cr_assert_eq(json_object_size(s), 3);
			cr_assert(json_equal(json_object_get(s, "value"), json_object_get(row, "value")));
			cr_assert(json_equal(json_object_get(s, "label"), json_object_get(row, "label")));
			/* The fresh array is the caller's: marking it leaves the shared one alone. */
			cr_assert_eq(json_object_set_new(row, "selected", json_true()), 0);
			cr_assert(json_is_false(json_object_get(s, "selected")));
		}
		json_decref(fresh);
		json_decref(a);
		json_decref(b);
	}
	json_t *en = gc_country_choices_unselected("en"), *ar = gc_country_choices_unselected("ar");
	cr_assert_neq(en, ar);
	cr_assert_str_neq(json_string_value(json_object_get(json_array_get(en, 0), "label")),
			  json_string_value(json_object_get(json_array_get(ar, 0), "label")));
	json_decref(en);
	json_decref(ar);
}
