/* The countries module: the UN member and observer states, their regions, and their profile pages. */
#ifndef GC_MODULES_COUNTRIES_COUNTRIES_H
#define GC_MODULES_COUNTRIES_COUNTRIES_H

#include "modules/module.h"
#include "render/i18n.h"

/*
 * The states and regions as page models, one immutable set per UI language,
 * built once at start-up (reference data changes only with a migration).
 * Shared read-only by every request thread.
 */
struct countries_catalog {
	json_t *countries[GC_LANG_COUNT]; /* arrays of country objects sorted by name in that language */
	json_t *regions[GC_LANG_COUNT];   /* arrays of {code, level, parent, name} in M49 order */
};

gc_status countries_catalog_build(struct gc_db *db, struct countries_catalog *catalog);
void countries_catalog_free(struct countries_catalog *catalog);
/* The set for lang (one of gc_langs). */
const json_t *countries_for_lang(const struct countries_catalog *catalog, const char *lang);
const json_t *regions_for_lang(const struct countries_catalog *catalog, const char *lang);
/* The country object with this ISO 3166-1 alpha-3 code (any case), or NULL. Borrowed. */
json_t *countries_find(const struct countries_catalog *catalog, const char *lang, const char *iso3);

gc_status countries_list(struct gc_request *req, struct gc_view *view);
gc_status countries_show(struct gc_request *req, struct gc_view *view);

extern struct countries_catalog countries_catalog;

#endif
