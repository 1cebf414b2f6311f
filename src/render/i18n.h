/*
 * The user interface in the six UN official languages. Strings live in
 * locale/<lang>.po, keyed by a stable message id ("nav.policies"), embedded in
 * the binary and loaded once at start-up; English is complete and every other
 * language falls back to it string by string. A request carries its language
 * code; nothing here reads or changes process-global locale state.
 */
#ifndef GC_RENDER_I18N_H
#define GC_RENDER_I18N_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define GC_LANG_COUNT 6
/* In the UN's order: Arabic, Chinese, English, French, Russian, Spanish. */
extern const char *const gc_langs[GC_LANG_COUNT];
#define GC_LANG_DEFAULT "en"

/*
 * Loads locale/<lang>.po for every language from the embedded files. Call it
 * once at start-up, before any thread reads; every function below is then
 * safe from any thread. Refused (err says "locale/fr.po:12: why"): a file
 * that does not parse (render/po.h), an English string left empty, a key
 * that English lacks, a header whose Language is not the file's, two keys
 * that become the same template name. A second call does nothing.
 */
GC_MUST_CHECK gc_status gc_i18n_load(char *err, size_t err_size);
/* The same from given PO texts, in the order of gc_langs (tests, tools). */
GC_MUST_CHECK gc_status gc_i18n_load_from(const char *const texts[GC_LANG_COUNT], const size_t sizes[GC_LANG_COUNT],
					  char *err, size_t err_size);
/* Frees the catalogues; no thread may be reading them. gc_tr() then returns keys. */
void gc_i18n_unload(void);

/* The canonical code ("fr") if code names a supported language, else NULL. */
const char *gc_lang_find(const char *code);
/*
 * Picks the request's language: an explicit choice from the URL, then the
 * cookie (each a code gc_lang_find() knows, else ignored), then the best
 * match in Accept-Language, then English. Any argument may be NULL. Returns
 * one of gc_langs.
 *
 * Accept-Language: the highest q-value wins, the earlier entry on a tie; a
 * language is matched by its primary subtag ("fr-CH" is fr, and "zh-CN",
 * "zh-Hans", "zh-TW" are all zh); "*" stands for the languages not named,
 * English first; q=0 excludes. A header that is malformed, longer than 1 KiB
 * or of more than 32 entries is ignored as a whole.
 */
const char *gc_lang_negotiate(const char *from_url, const char *from_cookie, const char *accept_language);
/* "rtl" for Arabic, else "ltr". */
const char *gc_lang_dir(const char *lang);
/* The language's own name ("Français"), or NULL for an unsupported code. */
const char *gc_lang_native_name(const char *lang);

/*
 * The translation of key in lang, falling back to English, then to key
 * itself (also before gc_i18n_load()). An unsupported lang reads English.
 * The string lives until gc_i18n_unload().
 */
const char *gc_tr(const char *lang, const char *key);
/*
 * All strings of lang (with English fallbacks filled in) as one JSON object,
 * so templates write {{t.nav.policies}}... but dotted keys would be read as
 * paths, so keys are exposed with '.' replaced by '_': {{t.nav_policies}}.
 * Borrowed, immutable, valid until gc_i18n_unload(); NULL before
 * gc_i18n_load(). An unsupported lang gets English's table. Taking a
 * reference (json_incref, json_object_set) is safe from any thread: jansson
 * counts references atomically.
 */
const json_t *gc_i18n_table(const char *lang);

#endif
