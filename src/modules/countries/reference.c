#include "modules/countries/reference.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/log.h"
#include "base/text.h"

#define REGIONS_CSV "data/regions.csv"
#define COUNTRIES_CSV "data/countries.csv"
/* M49 has 30 or so regions above the level of states; room to spare. */
#define MAX_REGIONS 64
#define N_NAMES 6

/*
 * Portable SQL (SQLite and PostgreSQL). Codes are TEXT because M49 and ISO
 * numeric codes have leading zeros ("004" is Afghanistan). No index beyond
 * the keys: 195 rows are read once at start-up into an in-memory catalogue.
 */
static const char schema_v1[] =
	"CREATE TABLE regions (\n"
	"  code TEXT PRIMARY KEY,\n"
	"  level INTEGER NOT NULL CHECK (level IN (1, 2, 3)),\n"
	"  parent TEXT REFERENCES regions(code),\n"
	"  name_ar TEXT NOT NULL,\n"
	"  name_zh TEXT NOT NULL,\n"
	"  name_en TEXT NOT NULL,\n"
	"  name_fr TEXT NOT NULL,\n"
	"  name_ru TEXT NOT NULL,\n"
	"  name_es TEXT NOT NULL,\n"
	"  CHECK ((level = 1 AND parent IS NULL) OR (level > 1 AND parent IS NOT NULL))\n"
	");\n"
	"CREATE TABLE countries (\n"
	"  iso3 TEXT PRIMARY KEY,\n"
	"  iso2 TEXT NOT NULL UNIQUE,\n"
	"  m49 TEXT NOT NULL UNIQUE,\n"
	"  status TEXT NOT NULL CHECK (status IN ('member', 'observer')),\n"
	"  region TEXT NOT NULL REFERENCES regions(code),\n"
	"  subregion TEXT NOT NULL REFERENCES regions(code),\n"
	"  intermediate TEXT REFERENCES regions(code),\n"
	"  name_ar TEXT NOT NULL,\n"
	"  name_zh TEXT NOT NULL,\n"
	"  name_en TEXT NOT NULL,\n"
	"  name_fr TEXT NOT NULL,\n"
	"  name_ru TEXT NOT NULL,\n"
	"  name_es TEXT NOT NULL\n"
	");\n";

static const char *const region_header[] = {
	"code", "level", "parent", "name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es",
};
enum { R_CODE, R_LEVEL, R_PARENT, R_NAMES };

static const char *const country_header[] = {
	"iso3", "iso2", "m49", "status", "region", "subregion", "intermediate",
	"name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es",
};
enum { C_ISO3, C_ISO2, C_M49, C_STATUS, C_REGION, C_SUBREGION, C_INTERMEDIATE, C_NAMES };

struct region {
	char code[4];
	char parent[4];
	int level;
};

struct regions {
	struct region items[MAX_REGIONS];
	size_t count;
};

/* Logs what is wrong with the reference data; the migration then fails. */
static gc_status reference_fail(gc_status status, const char *path, const struct gc_csv *csv, const char *what)
{
	char where[224];
	if (csv && csv->err[0] && status != GC_EDB)
		snprintf(where, sizeof(where), "%s: %s", path, csv->err);
	else if (csv)
		snprintf(where, sizeof(where), "%s: line %zu", path, csv->line);
	else
		snprintf(where, sizeof(where), "%s", path);
	gc_log(GC_LOG_ERROR, "reference data refused", "{s:s, s:s, s:s}", "where", where, "what", what ? what : "",
	       "status", gc_status_name(status));
	return status;
}

static bool is_code(const char *s, size_t n, size_t want, bool digits)
{
	if (n != want)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool ok = digits ? (s[i] >= '0' && s[i] <= '9') : (s[i] >= 'A' && s[i] <= 'Z');
		if (!ok)
			return false;
	}
	return true;
}

static bool names_valid(const struct gc_csv *csv, size_t first)
{
	for (size_t i = first; i < first + N_NAMES; i++)
		if (csv->length[i] == 0 || !gc_text_acceptable_line(csv->field[i], csv->length[i]))
			return false;
	return true;
}

static const struct region *region_find(const struct regions *regions, const char *code)
{
	for (size_t i = 0; i < regions->count; i++)
		if (strcmp(regions->items[i].code, code) == 0)
			return &regions->items[i];
	return NULL;
}

static gc_status open_file(const char *path, struct gc_csv *csv, const char *const *header, size_t n)
{
	const struct gc_embedded_file *file = gc_embedded_find(path);
	if (!file) {
		gc_csv_open(csv, NULL, 0);
		return reference_fail(GC_ENOTFOUND, path, NULL, "not built into the binary");
	}
	gc_csv_open(csv, (const char *)file->data, file->size);
	gc_status st = gc_csv_expect_header(csv, header, n);
	return st == GC_OK ? GC_OK : reference_fail(st, path, csv, "bad header");
}

/* Reads and checks every region (codes, levels, parents) before anything is written. */
static gc_status read_regions(struct regions *regions)
{
	struct gc_csv csv;
	gc_status st = open_file(REGIONS_CSV, &csv, region_header, GC_ARRAY_LEN(region_header));
	if (st != GC_OK)
		goto out;
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		const char *level = csv.field[R_LEVEL];
		bool top = strcmp(level, "1") == 0;
		if (!is_code(csv.field[R_CODE], csv.length[R_CODE], 3, true) ||
		    (!top && strcmp(level, "2") != 0 && strcmp(level, "3") != 0) ||
		    (top ? csv.length[R_PARENT] != 0 : !is_code(csv.field[R_PARENT], csv.length[R_PARENT], 3, true)) ||
		    !names_valid(&csv, R_NAMES)) {
			st = reference_fail(GC_EINVAL, REGIONS_CSV, &csv, "bad code, level, parent or name");
			goto out;
		}
		if (region_find(regions, csv.field[R_CODE])) {
			st = reference_fail(GC_EINVAL, REGIONS_CSV, &csv, "a code listed twice");
			goto out;
		}
		if (regions->count == MAX_REGIONS) {
			st = reference_fail(GC_ETOOBIG, REGIONS_CSV, &csv, "too many regions");
			goto out;
		}
		struct region *r = &regions->items[regions->count++];
		memcpy(r->code, csv.field[R_CODE], 4);
		memcpy(r->parent, csv.field[R_PARENT], csv.length[R_PARENT] + 1);
		r->level = level[0] - '0';
	}
	if (st != GC_DONE) {
		st = reference_fail(st, REGIONS_CSV, &csv, "malformed CSV");
		goto out;
	}
	st = GC_OK;
	for (size_t i = 0; i < regions->count; i++) {
		const struct region *r = &regions->items[i];
		const struct region *parent = r->level > 1 ? region_find(regions, r->parent) : NULL;
		if (r->level > 1 && (!parent || parent->level != r->level - 1)) {
			st = reference_fail(GC_EINVAL, REGIONS_CSV, NULL, "a parent that is not a region one level up");
			goto out;
		}
	}
out:
	gc_csv_close(&csv);
	return st;
}

/* Inserts the regions of one level, so that every parent is in before its children. */
static gc_status insert_regions(struct gc_db *db, int level)
{
	struct gc_csv csv;
	gc_status st = open_file(REGIONS_CSV, &csv, region_header, GC_ARRAY_LEN(region_header));
	if (st != GC_OK)
		goto out;
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		if (csv.field[R_LEVEL][0] - '0' != level)
			continue;
		const char *const *f = csv.field;
		const size_t *n = csv.length;
		st = gc_db_exec(db,
				"INSERT INTO regions (code, level, parent, name_ar, name_zh, name_en, name_fr, name_ru, "
				"name_es) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_TEXTN(f[R_CODE], n[R_CODE]), GC_INT(level),
					  n[R_PARENT] ? GC_TEXTN(f[R_PARENT], n[R_PARENT]) : GC_NULL,
					  GC_TEXTN(f[R_NAMES], n[R_NAMES]), GC_TEXTN(f[R_NAMES + 1], n[R_NAMES + 1]),
					  GC_TEXTN(f[R_NAMES + 2], n[R_NAMES + 2]), GC_TEXTN(f[R_NAMES + 3], n[R_NAMES + 3]),
					  GC_TEXTN(f[R_NAMES + 4], n[R_NAMES + 4]), GC_TEXTN(f[R_NAMES + 5], n[R_NAMES + 5])),
				NULL);
		if (st != GC_OK) {
			st = reference_fail(st, REGIONS_CSV, &csv, gc_db_errmsg(db));
			goto out;
		}
	}
	st = st == GC_DONE ? GC_OK : reference_fail(st, REGIONS_CSV, &csv, "malformed CSV");
out:
	gc_csv_close(&csv);
	return st;
}

/* Whether the state's region, sub-region and intermediate region form one chain of M49. */
static bool regions_consistent(const struct regions *regions, const struct gc_csv *csv)
{
	const struct region *region = region_find(regions, csv->field[C_REGION]);
	const struct region *sub = region_find(regions, csv->field[C_SUBREGION]);
	if (!region || !sub || region->level != 1 || sub->level != 2 || strcmp(sub->parent, region->code) != 0)
		return false;
	if (csv->length[C_INTERMEDIATE] == 0)
		return true;
	const struct region *mid = region_find(regions, csv->field[C_INTERMEDIATE]);
	return mid && mid->level == 3 && strcmp(mid->parent, sub->code) == 0;
}

static gc_status insert_countries(struct gc_db *db, const struct regions *regions)
{
	struct gc_csv csv;
	gc_status st = open_file(COUNTRIES_CSV, &csv, country_header, GC_ARRAY_LEN(country_header));
	if (st != GC_OK)
		goto out;
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		const char *const *f = csv.field;
		const size_t *n = csv.length;
		if (!is_code(f[C_ISO3], n[C_ISO3], 3, false) || !is_code(f[C_ISO2], n[C_ISO2], 2, false) ||
		    !is_code(f[C_M49], n[C_M49], 3, true) ||
		    (strcmp(f[C_STATUS], "member") != 0 && strcmp(f[C_STATUS], "observer") != 0) ||
		    !names_valid(&csv, C_NAMES)) {
			st = reference_fail(GC_EINVAL, COUNTRIES_CSV, &csv, "bad code, status or name");
			goto out;
		}
		if (!regions_consistent(regions, &csv)) {
			st = reference_fail(GC_EINVAL, COUNTRIES_CSV, &csv, "regions that are not one M49 chain");
			goto out;
		}
		st = gc_db_exec(db,
				"INSERT INTO countries (iso3, iso2, m49, status, region, subregion, intermediate, "
				"name_ar, name_zh, name_en, name_fr, name_ru, name_es) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_TEXTN(f[C_ISO3], n[C_ISO3]), GC_TEXTN(f[C_ISO2], n[C_ISO2]),
					  GC_TEXTN(f[C_M49], n[C_M49]), GC_TEXTN(f[C_STATUS], n[C_STATUS]),
					  GC_TEXTN(f[C_REGION], n[C_REGION]), GC_TEXTN(f[C_SUBREGION], n[C_SUBREGION]),
					  n[C_INTERMEDIATE] ? GC_TEXTN(f[C_INTERMEDIATE], n[C_INTERMEDIATE]) : GC_NULL,
					  GC_TEXTN(f[C_NAMES], n[C_NAMES]), GC_TEXTN(f[C_NAMES + 1], n[C_NAMES + 1]),
					  GC_TEXTN(f[C_NAMES + 2], n[C_NAMES + 2]), GC_TEXTN(f[C_NAMES + 3], n[C_NAMES + 3]),
					  GC_TEXTN(f[C_NAMES + 4], n[C_NAMES + 4]), GC_TEXTN(f[C_NAMES + 5], n[C_NAMES + 5])),
				NULL);
		if (st != GC_OK) {
			st = reference_fail(st, COUNTRIES_CSV, &csv, gc_db_errmsg(db));
			goto out;
		}
	}
	st = st == GC_DONE ? GC_OK : reference_fail(st, COUNTRIES_CSV, &csv, "malformed CSV");
out:
	gc_csv_close(&csv);
	return st;
}

/* Migration 1's data: runs inside the migration's transaction, so it loads all or nothing. */
static gc_status load_reference(struct gc_db *db)
{
	struct regions regions = { .count = 0 };
	gc_status st = read_regions(&regions);
	for (int level = 1; st == GC_OK && level <= 3; level++)
		st = insert_regions(db, level);
	if (st == GC_OK)
		st = insert_countries(db, &regions);
	return st;
}

const struct gc_migration countries_migrations[COUNTRIES_MIGRATION_COUNT] = {
	{ .version = 1, .sql = schema_v1, .apply = load_reference },
};
const size_t countries_migration_count = GC_ARRAY_LEN(countries_migrations);
