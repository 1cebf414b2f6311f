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

#include "base/status.h"

#define GC_LANG_COUNT 6
/* In the UN's order: Arabic, Chinese, English, French, Russian, Spanish. */
extern const char *const gc_langs[GC_LANG_COUNT];
#define GC_LANG_DEFAULT "en"

GC_MUST_CHECK gc_status gc_i18n_load(char *err, size_t err_size);
void gc_i18n_unload(void);

/* The canonical code ("fr") if code names a supported language, else NULL. */
const char *gc_lang_find(const char *code);
/*
 * Picks the request's language: an explicit choice from the URL, then the
 * cookie, then the best match in Accept-Language (q-values honoured), then
 * English. Any argument may be NULL. Returns one of gc_langs.
 */
const char *gc_lang_negotiate(const char *from_url, const char *from_cookie, const char *accept_language);
/* "rtl" for Arabic, else "ltr". */
const char *gc_lang_dir(const char *lang);
/* The language's own name ("Français"). */
const char *gc_lang_native_name(const char *lang);

/* The translation of key in lang, falling back to English, then to key itself. */
const char *gc_tr(const char *lang, const char *key);
/*
 * All strings of lang (with English fallbacks filled in) as one JSON object,
 * so templates write {{t.nav.policies}}... but dotted keys would be read as
 * paths, so keys are exposed with '.' replaced by '_': {{t.nav_policies}}.
 * Borrowed, immutable, valid until gc_i18n_unload().
 */
const json_t *gc_i18n_table(const char *lang);

#endif
