/*
 * Public profiles of regional and intergovernmental organisations (issue 4):
 *
 *   GET /intergovernmental        the active organisations of kind regional_org
 *                                 or un_body, by name
 *   GET /intergovernmental/{id}   one of them: name, kind, acronym, website and
 *                                 member states when data/regional-organisations.csv
 *                                 knows it, and each module's section of what
 *                                 it owns and the caller may see (the modules'
 *                                 org_profile hook; policies: its frameworks)
 *
 * These are public pages, apart from /organisations/{id} (the Secretariat's
 * and the organisation's own page with its people, which stays as it was).
 * Anything else (another kind of organisation, a disabled one, an unknown id)
 * answers 404 like a missing page.
 *
 * data/regional-organisations.csv: acronym, name, website, members (ISO3
 * codes separated by spaces). An organisation of the portal matches a row
 * when its name is the row's name or acronym (ASCII case ignored), or starts
 * with the acronym or the name followed by " (" or " -" (as in "African
 * Union (AU)"). The file is read from the binary for each profile: a dozen
 * rows.
 */
#include <string.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/text.h"
#include "modules/organisations/organisations.h"
#include "render/i18n.h"

#define DIRECTORY_CSV "data/regional-organisations.csv"
#define DIRECTORY_MAX_ORGS 1000

static const char *const directory_header[] = { "acronym", "name", "website", "members" };

static bool starts_with_name(const char *org_name, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || strlen(org_name) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = org_name[i], b = name[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return false;
	}
	return org_name[n] == '\0' || strncmp(org_name + n, " (", 2) == 0 || strncmp(org_name + n, " -", 2) == 0;
}

/* {acronym, website, members: [iso3]} of the file's row for org_name, or NULL when none (or the file is bad). */
static json_t *directory_find(const char *org_name)
{
	const struct gc_embedded_file *file = gc_embedded_find(DIRECTORY_CSV);
	if (!file)
		return NULL;
	struct gc_csv csv;
	json_t *found = NULL;
	gc_csv_open(&csv, (const char *)file->data, file->size);
	if (gc_csv_expect_header(&csv, directory_header, GC_ARRAY_LEN(directory_header)) != GC_OK)
		goto out;
	while (!found && gc_csv_next(&csv) == GC_ROW) {
		if (!starts_with_name(org_name, csv.field[0]) && !starts_with_name(org_name, csv.field[1]))
			continue;
		json_t *members = json_array();
		found = json_pack("{s:s, s:s, s:s, s:o}", "acronym", csv.field[0], "official_name", csv.field[1],
				  "website", csv.field[2], "members", members);
		for (const char *m = csv.field[3]; found && *m;) {
			size_t n = strcspn(m, " ");
			if (n == 3 && json_array_append_new(members, json_stringn(m, 3))) {
				json_decref(found);
				found = NULL;
			}
			m += n;
			while (*m == ' ')
				m++;
		}
	}
out:
	gc_csv_close(&csv);
	return found;
}

/* The states' names in the reader's language, as [{iso3, name, href}]. */
static gc_status member_states(struct gc_request *req, struct gc_db *db, const json_t *codes, json_t **out)
{
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	const char *sql = gc_arena_printf(req->arena,
					  "SELECT iso3 AS iso3, name_%s AS name FROM countries ORDER BY name_%s", lang, lang);
	json_t *rows = NULL;
	gc_status st = sql ? gc_db_query(db, sql, GC_NO_PARAMS, &rows) : GC_ENOMEM;
	if (st != GC_OK)
		return st;
	json_t *list = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *iso3 = json_string_value(json_object_get(row, "iso3"));
		bool member = false;
		size_t k;
		json_t *code;
		json_array_foreach(codes, k, code)
			member = member || (iso3 && strcmp(iso3, json_string_value(code)) == 0);
		if (!member)
			continue;
		if (!list || json_object_set_new(row, "href", json_string(gc_arena_printf(req->arena, "/countries/%s", iso3))) ||
		    json_array_append(list, row)) {
			json_decref(list);
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	json_decref(rows);
	*out = list;
	return list ? GC_OK : GC_ENOMEM;
}

gc_status orgs_directory_list(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	json_t *rows = NULL;
	gc_status st = gc_db_query(db,
				   "SELECT id AS id, name AS name, kind AS kind FROM organisations"
				   " WHERE kind IN ('regional_org', 'un_body') AND status = 'active' ORDER BY name, id LIMIT ?",
				   GC_PARAMS(GC_INT(DIRECTORY_MAX_ORGS)), &rows);
	if (st == GC_OK)
		st = gc_view_page(req, view, "organisations/directory", "orgprofiles.title");
	if (st != GC_OK) {
		json_decref(rows);
		return st;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *known = directory_find(json_string_value(json_object_get(row, "name")));
		const char *kind = json_string_value(json_object_get(row, "kind"));
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		json_t *extra = json_pack("{s:s, s:s, s:s?, s:I}", "href",
					  gc_arena_printf(req->arena, "/intergovernmental/%lld", (long long)id), "kind_label",
					  orgs_kind_label(req, kind), "acronym",
					  json_string_value(json_object_get(known, "acronym")), "member_count",
					  (json_int_t)json_array_size(json_object_get(known, "members")));
		json_decref(known);
		if (!extra || json_object_update_new(row, extra)) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	if (json_object_set_new(view->model, "organisations", rows) ||
	    json_object_set_new(view->model, "count", json_integer((json_int_t)json_array_size(rows))))
		return GC_ENOMEM;
	view->cacheable = true;
	return GC_OK;
}

gc_status orgs_directory_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = 0;
	if (!orgs_path_id(req, 0, &id))
		return gc_fail_not_found(req);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	struct gc_org org;
	gc_status st = gc_org_get(db, id, req->arena, &org);
	if (st == GC_ENOTFOUND ||
	    (st == GC_OK && (!org.active || (org.kind != GC_ORG_REGIONAL_ORG && org.kind != GC_ORG_UN_BODY))))
		return gc_fail_not_found(req);
	if (st != GC_OK)
		return st;
	st = gc_view_page(req, view, "organisations/profile", NULL);
	if (st != GC_OK)
		return st;
	view->title = org.name;
	const char *kind = gc_org_kind_name(org.kind);
	json_t *known = directory_find(org.name);
	json_t *members = NULL;
	if (known)
		st = member_states(req, db, json_object_get(known, "members"), &members);
	if (st != GC_OK) {
		json_decref(known);
		return st;
	}
	const char *website = json_string_value(json_object_get(known, "website"));
	json_t *sections = json_array();
	json_t *organisation = json_pack(
		"{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:o, s:I}", "id", (json_int_t)org.id, "name", org.name,
		"kind", kind, "kind_label", orgs_kind_label(req, kind), "acronym",
		json_string_value(json_object_get(known, "acronym")), "official_name",
		json_string_value(json_object_get(known, "official_name")), "website", website, "website_link",
		website && strncmp(website, "https://", 8) == 0, "members", members ? members : json_array(),
		"member_count", (json_int_t)json_array_size(members));
	json_decref(known);
	if (!organisation || !sections || json_object_set_new(view->model, "organisation", organisation) ||
	    json_object_set_new(view->model, "sections", sections) ||
	    json_object_set_new(view->model, "has_members", json_boolean(json_array_size(members) > 0))) {
		json_decref(sections);
		return GC_ENOMEM;
	}
	for (size_t i = 0; i < gc_module_count; i++) {
		const struct gc_module *module = gc_modules[i];
		if (!module->org_profile)
			continue;
		json_t *section = json_pack("{s:s, s:s, s:o, s:i}", "module", module->name, "title",
					    gc_req_tr(req, module->title_key ? module->title_key : module->name), "items",
					    json_array(), "count", 0);
		if (!section || json_array_append_new(sections, section))
			return GC_ENOMEM;
		st = module->org_profile(req, org.id, section);
		if (st != GC_OK)
			return st;
		if (json_object_set_new(section, "empty", json_boolean(json_integer_value(json_object_get(section, "count")) == 0)))
			return GC_ENOMEM;
	}
	view->cacheable = true;
	return GC_OK;
}
