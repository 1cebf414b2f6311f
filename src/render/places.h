/*
 * Country and region names in the reader's language, from the reference data
 * built into the binary (data/countries.csv, data/regions.csv: the same files
 * the countries module's migration loads into the countries and regions
 * tables). Read once, on first use, and kept for the life of the process, so
 * naming a country on a hot path costs a binary search, not a query. Safe
 * from any thread.
 *
 * A language that is not one of gc_langs reads English, as gc_tr does.
 */
#ifndef GC_RENDER_PLACES_H
#define GC_RENDER_PLACES_H

#include <jansson.h>
#include <stddef.h>

#include "render/i18n.h"

struct gc_place {
	const char *code;         /* ISO 3166 alpha-3 for a country, M49 for a region */
	const char *status;       /* countries: "member", "observer", ...; regions: NULL */
	const char *region;       /* countries: M49 codes of their regions (NULL when none) */
	const char *subregion;
	const char *intermediate;
	int level;                /* regions: 1, 2 or 3; countries: 0 */
	const char *parent;       /* regions: the parent's code, NULL at level 1 */
	const char *names[GC_LANG_COUNT]; /* in the order of gc_langs */
};

/* The country of an ISO alpha-3 code, or NULL. */
const struct gc_place *gc_country_find(const char *iso3);
/* The region of an M49 code, or NULL. */
const struct gc_place *gc_region_find(const char *code);
/* The place's name in lang (English when lang is not supported). */
const char *gc_place_name(const struct gc_place *place, const char *lang);
/* The name of a country or region in lang, or NULL when the code is unknown. */
const char *gc_country_name(const char *iso3, const char *lang);
const char *gc_region_name(const char *code, const char *lang);

/*
 * Every country, ordered by its name in lang as the countries table orders
 * them by name_<lang> (byte order: SQLite's BINARY, PostgreSQL's C.UTF-8),
 * the code breaking a tie. *out lives as long as the process.
 */
size_t gc_countries_by_name(const char *lang, const struct gc_place *const **out);

/*
 * The same as the form choices every list offers: a new array of
 * {"value": iso3, "label": name in lang}, in that order; NULL when out of memory.
 */
json_t *gc_country_choices(const char *lang);

/*
 * The same choices, each also with "selected": false, built once per language
 * and shared: a new reference (json_decref it) to an array nobody may change
 * (jansson's reference counts are atomic, the contents are never written
 * after they are built). For a form with no country chosen, so that a page
 * built per request does not rebuild 195 objects. NULL when out of memory.
 */
json_t *gc_country_choices_unselected(const char *lang);

#endif
