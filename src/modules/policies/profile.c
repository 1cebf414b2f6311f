/*
 * A country profile's policies section beyond its flat list (list.c gives
 * the rows, already filtered by what the caller may see): the policies by
 * kind, a timeline by year adopted, and the numbers for a small bar chart
 * of that timeline, which templates/countries/profile.mustache draws as SVG
 * (hidden from assistive technology: the timeline list says the same).
 */
#include <string.h>

#include "modules/policies/policies.h"

#define CHART_MAX_YEARS 30  /* the newest years with a policy */
#define CHART_BAR_STEP 28   /* user units per bar */
#define CHART_BAR_WIDTH 18
#define CHART_TOP 14        /* room for the count over the tallest bar */
#define CHART_BASE 84       /* the bars' base line; the years are written under it */
#define CHART_HEIGHT 104

static json_t *brief(const json_t *row)
{
	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(row, "id"), "href",
			 json_object_get(row, "href"), "title", json_object_get(row, "title"), "lang",
			 json_object_get(row, "lang"), "kind_label", json_object_get(row, "kind_label"), "adopted",
			 json_object_get(row, "adopted"));
}

static gc_status add_groups(struct gc_request *req, const json_t *rows, json_t *section)
{
	json_t *groups = json_array();
	if (!groups || json_object_set_new(section, "groups", groups))
		return GC_ENOMEM;
	for (size_t k = 0; policies_kinds[k]; k++) {
		json_t *items = json_array();
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			const char *kind = json_string_value(json_object_get(row, "kind"));
			if (kind && strcmp(kind, policies_kinds[k]) == 0 && json_array_append_new(items, brief(row))) {
				json_decref(items);
				return GC_ENOMEM;
			}
		}
		if (json_array_size(items) == 0) {
			json_decref(items);
			continue;
		}
		json_t *group = json_pack("{s:s, s:s, s:s, s:I, s:o}", "kind", policies_kinds[k], "label",
					  gc_req_tr(req, policies_kind_key(req, policies_kinds[k])), "id",
					  gc_arena_printf(req->arena, "profile-kind-%s", policies_kinds[k]), "count",
					  (json_int_t)json_array_size(items), "items", items);
		if (!group || json_array_append_new(groups, group))
			return GC_ENOMEM;
	}
	return json_object_set_new(section, "has_groups", json_boolean(json_array_size(groups) > 0)) ? GC_ENOMEM : GC_OK;
}

static int year_of(const json_t *row)
{
	const char *adopted = json_string_value(json_object_get(row, "adopted"));
	if (!adopted || strlen(adopted) < 4)
		return 0;
	int y = 0;
	for (size_t i = 0; i < 4; i++) {
		if (adopted[i] < '0' || adopted[i] > '9')
			return 0;
		y = y * 10 + (adopted[i] - '0');
	}
	return y;
}

static gc_status add_timeline(const json_t *rows, json_t *section)
{
	json_t *timeline = json_array(), *undated = json_array();
	if (!timeline || !undated || json_object_set_new(section, "timeline", timeline) ||
	    json_object_set_new(section, "undated", undated))
		return GC_ENOMEM;
	/* Years 1900 to 2100 (the input's bounds), oldest first. */
	int years[POLICIES_PROFILE_MAX_ROWS];
	size_t n_years = 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int y = year_of(row);
		if (!y) {
			if (json_array_append_new(undated, brief(row)))
				return GC_ENOMEM;
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < n_years && !seen; k++)
			seen = years[k] == y;
		if (!seen && n_years < POLICIES_PROFILE_MAX_ROWS)
			years[n_years++] = y;
	}
	for (size_t a = 1; a < n_years; a++)
		for (size_t b = a; b > 0 && years[b - 1] > years[b]; b--) {
			int t = years[b];
			years[b] = years[b - 1];
			years[b - 1] = t;
		}
	size_t max_count = 0;
	for (size_t k = 0; k < n_years; k++) {
		json_t *items = json_array();
		json_t *entry = json_pack("{s:i, s:o}", "year", years[k], "items", items);
		if (!entry || json_array_append_new(timeline, entry))
			return GC_ENOMEM;
		json_array_foreach(rows, i, row)
			if (year_of(row) == years[k] && json_array_append_new(items, brief(row)))
				return GC_ENOMEM;
		if (json_object_set_new(entry, "count", json_integer((json_int_t)json_array_size(items))))
			return GC_ENOMEM;
		if (json_array_size(items) > max_count)
			max_count = json_array_size(items);
	}
	if (json_object_set_new(section, "has_timeline", json_boolean(n_years > 0)) ||
	    json_object_set_new(section, "has_undated", json_boolean(json_array_size(undated) > 0)))
		return GC_ENOMEM;
	if (n_years == 0)
		return GC_OK;
	/* The chart: one bar per year, the newest CHART_MAX_YEARS years with a policy. */
	size_t first = n_years > CHART_MAX_YEARS ? n_years - CHART_MAX_YEARS : 0;
	size_t bars_n = n_years - first;
	json_t *bars = json_array();
	json_t *chart = json_pack("{s:I, s:i, s:i, s:o}", "width", (json_int_t)(bars_n * CHART_BAR_STEP), "height",
				  CHART_HEIGHT, "base", CHART_BASE, "bars", bars);
	if (!chart || json_object_set_new(section, "chart", chart))
		return GC_ENOMEM;
	for (size_t k = first; k < n_years; k++) {
		json_t *entry = json_array_get(timeline, k);
		size_t count = (size_t)json_integer_value(json_object_get(entry, "count"));
		int h = (int)((count * (CHART_BASE - CHART_TOP)) / (max_count ? max_count : 1));
		if (h < 2)
			h = 2;
		int x = (int)((k - first) * CHART_BAR_STEP) + (CHART_BAR_STEP - CHART_BAR_WIDTH) / 2;
		json_t *bar = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:i}", "x", x, "y", CHART_BASE - h,
					"width", CHART_BAR_WIDTH, "height", h, "label_x", x + CHART_BAR_WIDTH / 2,
					"count_y", CHART_BASE - h - 3, "year_y", CHART_BASE + 14, "count",
					(json_int_t)count, "year",
					(int)json_integer_value(json_object_get(entry, "year")));
		if (!bar || json_array_append_new(bars, bar))
			return GC_ENOMEM;
		/* Two digits under the bar ('22), the full year in the list. */
		char short_year[4];
		snprintf(short_year, sizeof(short_year), "%02d", (int)(json_integer_value(json_object_get(entry, "year")) % 100));
		if (json_object_set_new(bar, "short_year", json_string(short_year)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status policies_profile_extras(struct gc_request *req, const char *iso3, const json_t *rows, json_t *section)
{
	gc_status st = add_groups(req, rows, section);
	if (st == GC_OK)
		st = add_timeline(rows, section);
	if (st == GC_OK && iso3 &&
	    json_object_set_new(section, "compare_href", json_string(gc_arena_printf(req->arena, "/compare?c=%s", iso3))))
		st = GC_ENOMEM;
	return st;
}
