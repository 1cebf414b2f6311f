#include <stdlib.h>
#include <string.h>

#include "modules/countries/countries.h"
#include "store/store.h"

static size_t lang_index(const char *lang)
{
	for (size_t i = 0; i < GC_LANG_COUNT; i++)
		if (strcmp(gc_langs[i], lang) == 0)
			return i;
	return 2; /* English */
}

static const char *row_name(const json_t *row, const char *lang)
{
	char column[16] = "name_";
	strncat(column, lang, sizeof(column) - 6);
	const char *name = json_string_value(json_object_get(row, column));
	return name && *name ? name : json_string_value(json_object_get(row, "name_en"));
}

/* {code, name} of a region in lang, or null when code is null. */
static json_t *region_ref(const json_t *regions_by_code, const json_t *code, const char *lang)
{
	if (!json_is_string(code))
		return json_null();
	const json_t *region = json_object_get(regions_by_code, json_string_value(code));
	if (!region)
		return json_null();
	return json_pack("{s:O, s:s}", "code", code, "name", row_name(region, lang));
}

static int compare_names(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "name")), json_string_value(json_object_get(y, "name")));
}

/* Sorts a JSON array of country objects by name (byte order of UTF-8: stable, if not every language's collation). */
static gc_status sort_by_name(json_t *array)
{
	size_t n = json_array_size(array);
	json_t **items = malloc(n * sizeof(*items));
	if (!items)
		return GC_ENOMEM;
	for (size_t i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(array, i));
	qsort(items, n, sizeof(*items), compare_names);
	json_array_clear(array);
	gc_status status = GC_OK;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(array, items[i]))
			status = GC_ENOMEM;
	free(items);
	return status;
}

gc_status countries_catalog_build(struct gc_db *db, struct countries_catalog *catalog)
{
	json_t *country_rows = NULL, *region_rows = NULL, *regions_by_code = json_object();
	gc_status status = GC_ENOMEM;
	memset(catalog, 0, sizeof(*catalog));
	if (!regions_by_code)
		goto out;
	status = gc_db_query(db, "SELECT * FROM regions ORDER BY level, code", GC_NO_PARAMS, &region_rows);
	if (status != GC_OK)
		goto out;
	status = gc_db_query(db, "SELECT * FROM countries ORDER BY iso3", GC_NO_PARAMS, &country_rows);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(region_rows, i, row)
		if (json_object_set(regions_by_code, json_string_value(json_object_get(row, "code")), row))
			goto out;
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		const char *lang = gc_langs[l];
		json_t *countries = json_array(), *regions = json_array();
		catalog->countries[l] = countries;
		catalog->regions[l] = regions;
		if (!countries || !regions)
			goto out;
		json_array_foreach(region_rows, i, row) {
			json_t *region = json_pack("{s:O, s:O, s:O, s:s}", "code", json_object_get(row, "code"),
						   "level", json_object_get(row, "level"), "parent",
						   json_object_get(row, "parent"), "name", row_name(row, lang));
			if (!region || json_array_append_new(regions, region))
				goto out;
		}
		json_array_foreach(country_rows, i, row) {
			const char *iso3 = json_string_value(json_object_get(row, "iso3"));
			const char *member_status = json_string_value(json_object_get(row, "status"));
			json_t *country = json_pack(
				"{s:s, s:O, s:O, s:s, s:b, s:b, s:s, s:o, s:o, s:o}", "iso3", iso3, "iso2",
				json_object_get(row, "iso2"), "m49", json_object_get(row, "m49"), "status",
				member_status, "is_member", strcmp(member_status, "member") == 0, "is_observer",
				strcmp(member_status, "observer") == 0, "name", row_name(row, lang), "region",
				region_ref(regions_by_code, json_object_get(row, "region"), lang), "subregion",
				region_ref(regions_by_code, json_object_get(row, "subregion"), lang), "intermediate",
				region_ref(regions_by_code, json_object_get(row, "intermediate"), lang));
			if (!country || json_array_append_new(countries, country))
				goto out;
		}
		if (sort_by_name(countries) != GC_OK)
			goto out;
	}
	status = GC_OK;
out:
	json_decref(country_rows);
	json_decref(region_rows);
	json_decref(regions_by_code);
	if (status != GC_OK)
		countries_catalog_free(catalog);
	return status;
}

void countries_catalog_free(struct countries_catalog *catalog)
{
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		json_decref(catalog->countries[l]);
		json_decref(catalog->regions[l]);
		catalog->countries[l] = NULL;
		catalog->regions[l] = NULL;
	}
}

const json_t *countries_for_lang(const struct countries_catalog *catalog, const char *lang)
{
	return catalog->countries[lang_index(lang)];
}

const json_t *regions_for_lang(const struct countries_catalog *catalog, const char *lang)
{
	return catalog->regions[lang_index(lang)];
}

json_t *countries_find(const struct countries_catalog *catalog, const char *lang, const char *iso3)
{
	if (strlen(iso3) != 3)
		return NULL;
	char code[4];
	for (size_t i = 0; i < 3; i++) {
		char c = iso3[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c < 'A' || c > 'Z')
			return NULL;
		code[i] = c;
	}
	code[3] = '\0';
	size_t i;
	json_t *country;
	json_array_foreach(catalog->countries[lang_index(lang)], i, country)
		if (strcmp(json_string_value(json_object_get(country, "iso3")), code) == 0)
			return country;
	return NULL;
}
