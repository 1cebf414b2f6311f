#include <string.h>

#include "base/text.h"
#include "modules/countries/countries.h"

/* ASCII-case-insensitive substring test; other scripts match as written. */
static bool contains_folded(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (const char *h = haystack; *h; h++) {
		size_t k = 0;
		while (k < n && h[k]) {
			char a = h[k], b = needle[k];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (char)(b + 32);
			if (a != b)
				break;
			k++;
		}
		if (k == n)
			return true;
	}
	return false;
}

static bool in_region(const json_t *country, const char *code)
{
	static const char *const levels[] = { "region", "subregion", "intermediate" };
	for (size_t i = 0; i < 3; i++) {
		const char *c = json_string_value(json_object_get(json_object_get(country, levels[i]), "code"));
		if (c && strcmp(c, code) == 0)
			return true;
	}
	return false;
}

static bool matches_text(const json_t *country, const json_t *english, const char *q)
{
	return contains_folded(json_string_value(json_object_get(country, "name")), q) ||
	       (english && contains_folded(json_string_value(json_object_get(english, "name")), q)) ||
	       gc_ascii_ieq(json_string_value(json_object_get(country, "iso3")), q) ||
	       gc_ascii_ieq(json_string_value(json_object_get(country, "iso2")), q);
}

gc_status countries_list(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "countries/list", "countries.title");
	if (status != GC_OK)
		return status;
	/* A form's "all" option sends an empty value: that is no filter. */
	const char *region = gc_query(req, "region");
	const char *q = gc_query(req, "q");
	const char *member_status = gc_query(req, "status");
	if (region && !*region)
		region = NULL;
	if (q && !*q)
		q = NULL;
	if (member_status && !*member_status)
		member_status = NULL;
	json_t *model = view->model;
	json_t *countries = json_array(), *regions = json_array(), *statuses = json_array();
	if (json_object_set_new(model, "countries", countries) || json_object_set_new(model, "regions", regions) ||
	    json_object_set_new(model, "statuses", statuses))
		return GC_ENOMEM;

	size_t i;
	json_t *country;
	json_array_foreach(countries_for_lang(&countries_catalog, req->lang), i, country) {
		if (region && !in_region(country, region))
			continue;
		if (member_status && strcmp(json_string_value(json_object_get(country, "status")), member_status) != 0)
			continue;
		if (q && *q &&
		    !matches_text(country,
				  countries_find(&countries_catalog, "en", json_string_value(json_object_get(country, "iso3"))),
				  q))
			continue;
		if (json_array_append(countries, country))
			return GC_ENOMEM;
	}
	/* The filter offers regions and sub-regions; intermediate regions are reached from profiles. */
	json_t *entry;
	json_array_foreach(regions_for_lang(&countries_catalog, req->lang), i, entry) {
		json_int_t level = json_integer_value(json_object_get(entry, "level"));
		if (level > 2)
			continue;
		const char *code = json_string_value(json_object_get(entry, "code"));
		json_t *option = json_pack("{s:s, s:O, s:I, s:b}", "code", code, "name", json_object_get(entry, "name"),
					   "level", level, "selected", region && strcmp(region, code) == 0);
		if (!option || json_array_append_new(regions, option))
			return GC_ENOMEM;
	}
	for (size_t s = 0; s < 2; s++) {
		const char *value = s == 0 ? "member" : "observer";
		json_t *option = json_pack("{s:s, s:s, s:b}", "value", value, "label",
					   gc_req_tr(req, s == 0 ? "countries.member_state" : "countries.observer_state"),
					   "selected", member_status && strcmp(member_status, value) == 0);
		if (!option || json_array_append_new(statuses, option))
			return GC_ENOMEM;
	}
	json_t *filters = json_pack("{s:s?, s:s?, s:s?}", "region", region, "q", q, "status", member_status);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    json_object_set_new(model, "count", json_integer((json_int_t)json_array_size(countries))))
		return GC_ENOMEM;
	view->cacheable = true;
	return GC_OK;
}

gc_status countries_show(struct gc_request *req, struct gc_view *view)
{
	json_t *country = countries_find(&countries_catalog, req->lang, req->path_params[0]);
	if (!country)
		return gc_fail_not_found(req);
	gc_status status = gc_view_page(req, view, "countries/profile", "profile.title");
	if (status != GC_OK)
		return status;
	view->title = json_string_value(json_object_get(country, "name"));
	json_t *sections = json_array();
	if (json_object_set(view->model, "country", country) || json_object_set_new(view->model, "sections", sections))
		return GC_ENOMEM;
	const char *iso3 = json_string_value(json_object_get(country, "iso3"));
	for (size_t i = 0; i < gc_module_count; i++) {
		const struct gc_module *module = gc_modules[i];
		if (!module->profile)
			continue;
		json_t *items = json_array();
		json_t *section = json_pack("{s:s, s:s, s:o, s:i}", "module", module->name, "title",
					    gc_req_tr(req, module->title_key ? module->title_key : module->name),
					    "items", items, "count", 0);
		if (!section || json_array_append_new(sections, section))
			return GC_ENOMEM;
		status = module->profile(req, iso3, section);
		if (status != GC_OK)
			return status;
		bool empty = json_integer_value(json_object_get(section, "count")) == 0;
		if (json_object_set_new(section, "empty", json_boolean(empty)))
			return GC_ENOMEM;
	}
	view->cacheable = true;
	return GC_OK;
}
