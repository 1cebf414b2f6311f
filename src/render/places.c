/*
 * Country and region names (render/places.h): both CSV files of data/ read
 * once into arrays sorted by code, and one order of the countries by name per
 * language. The countries module's migration has checked the same files
 * (codes, levels, names) before any server starts.
 */
#include "render/places.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/log.h"

#define PLACES_MAX 512

struct table {
	struct gc_place items[PLACES_MAX];
	size_t count;
};

static struct table countries, regions;
static const struct gc_place *by_name[GC_LANG_COUNT][PLACES_MAX];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* "" in the file is no value. */
static const char *keep(const char *s, size_t n)
{
	return n ? strdup(s) : NULL;
}

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct gc_place *)a)->code, ((const struct gc_place *)b)->code);
}

/* Reads path into t: code_col the code, names from names_col (six, gc_langs' order). */
static void read_table(const char *path, struct table *t, bool is_country)
{
	const struct gc_embedded_file *file = gc_embedded_find(path);
	struct gc_csv csv;
	gc_status st;
	if (!file) {
		gc_log(GC_LOG_ERROR, "reference data missing", "{s:s}", "path", path);
		return;
	}
	gc_csv_open(&csv, (const char *)file->data, file->size);
	bool header = true;
	size_t names = is_country ? 7 : 3;
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		if (header) {
			header = false;
			continue;
		}
		if (csv.n_fields < names + GC_LANG_COUNT || t->count == PLACES_MAX)
			break;
		struct gc_place *p = &t->items[t->count++];
		memset(p, 0, sizeof(*p));
		p->code = keep(csv.field[0], csv.length[0]);
		if (is_country) {
			p->status = keep(csv.field[3], csv.length[3]);
			/* As the migration stores them: region and subregion as given, no intermediate NULL. */
			p->region = strdup(csv.field[4]);
			p->subregion = strdup(csv.field[5]);
			p->intermediate = keep(csv.field[6], csv.length[6]);
		} else {
			p->level = atoi(csv.field[1]);
			p->parent = keep(csv.field[2], csv.length[2]);
		}
		for (size_t l = 0; l < GC_LANG_COUNT; l++)
			p->names[l] = keep(csv.field[names + l], csv.length[names + l]);
		if (!p->code) {
			t->count--;
			continue;
		}
	}
	if (st != GC_DONE)
		gc_log(GC_LOG_ERROR, "reference data refused", "{s:s, s:s}", "path", path, "why", csv.err);
	gc_csv_close(&csv);
	qsort(t->items, t->count, sizeof(t->items[0]), by_code);
}

static size_t sort_lang; /* the language the comparison below reads (only during load) */

static int by_lang_name(const void *a, const void *b)
{
	const struct gc_place *x = *(const struct gc_place *const *)a, *y = *(const struct gc_place *const *)b;
	int c = strcmp(x->names[sort_lang] ? x->names[sort_lang] : "", y->names[sort_lang] ? y->names[sort_lang] : "");
	return c ? c : strcmp(x->code, y->code);
}

static void load(void)
{
	read_table("data/countries.csv", &countries, true);
	read_table("data/regions.csv", &regions, false);
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		for (size_t i = 0; i < countries.count; i++)
			by_name[l][i] = &countries.items[i];
		sort_lang = l;
		qsort(by_name[l], countries.count, sizeof(by_name[l][0]), by_lang_name);
	}
}

static const struct gc_place *find(struct table *t, const char *code)
{
	if (!code)
		return NULL;
	pthread_once(&once, load);
	struct gc_place key = { .code = code };
	return bsearch(&key, t->items, t->count, sizeof(t->items[0]), by_code);
}

const struct gc_place *gc_country_find(const char *iso3)
{
	return find(&countries, iso3);
}

const struct gc_place *gc_region_find(const char *code)
{
	return find(&regions, code);
}

static size_t lang_index(const char *lang)
{
	const char *l = gc_lang_find(lang) ? gc_lang_find(lang) : GC_LANG_DEFAULT;
	for (size_t i = 0; i < GC_LANG_COUNT; i++)
		if (strcmp(gc_langs[i], l) == 0)
			return i;
	return 2; /* English, in gc_langs' order */
}

const char *gc_place_name(const struct gc_place *place, const char *lang)
{
	return place ? place->names[lang_index(lang)] : NULL;
}

const char *gc_country_name(const char *iso3, const char *lang)
{
	return gc_place_name(gc_country_find(iso3), lang);
}

const char *gc_region_name(const char *code, const char *lang)
{
	return gc_place_name(gc_region_find(code), lang);
}

size_t gc_countries_by_name(const char *lang, const struct gc_place *const **out)
{
	pthread_once(&once, load);
	*out = by_name[lang_index(lang)];
	return countries.count;
}

json_t *gc_country_choices(const char *lang)
{
	const struct gc_place *const *list = NULL;
	size_t n = gc_countries_by_name(lang, &list);
	size_t l = lang_index(lang);
	json_t *out = json_array();
	for (size_t i = 0; out && i < n; i++) {
		if (json_array_append_new(out, json_pack("{s:s, s:s?}", "value", list[i]->code, "label", list[i]->names[l]))) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

static json_t *unselected[GC_LANG_COUNT];
static pthread_once_t unselected_once = PTHREAD_ONCE_INIT;

static void build_unselected(void)
{
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		json_t *a = gc_country_choices(gc_langs[l]);
		size_t i;
		json_t *row;
		json_array_foreach(a, i, row) {
			if (json_object_set_new(row, "selected", json_false())) {
				json_decref(a);
				a = NULL;
				break;
			}
		}
		unselected[l] = a; /* NULL (out of memory at start): every call builds its own */
	}
}

json_t *gc_country_choices_unselected(const char *lang)
{
	pthread_once(&unselected_once, build_unselected);
	json_t *shared = unselected[lang_index(lang)];
	if (shared)
		return json_incref(shared);
	json_t *a = gc_country_choices(lang);
	size_t i;
	json_t *row;
	json_array_foreach(a, i, row) {
		if (json_object_set_new(row, "selected", json_false())) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
