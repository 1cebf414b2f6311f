/* Organisations: the Secretariat's list, creation with the first admin, one organisation's page, its switches. */
#include <string.h>

#include "base/clock.h"
#include "modules/organisations/organisations.h"

static const char *const kinds[] = { "secretariat", "member_state", "observer_state", "un_body",
				     "regional_org", "stakeholder" };
static const char *const roles[] = { "reader", "editor", "admin" };

/* ASCII-case-insensitive substring test; other scripts match as written. */
static bool contains_folded(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (const char *h = haystack; h && *h; h++) {
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

static bool is_state_kind(const char *kind)
{
	return kind && (strcmp(kind, "member_state") == 0 || strcmp(kind, "observer_state") == 0);
}

/* [{value, label, selected}] for a select. */
static json_t *options(const struct gc_request *req, const char *const *values, size_t n, const char *selected,
		       const char *(*label)(const struct gc_request *, const char *))
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:b}", "value", values[i], "label", label(req, values[i]), "selected",
				      selected && strcmp(selected, values[i]) == 0);
		if (!o || json_array_append_new(list, o)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

json_t *orgs_org_json(const struct gc_request *req, const struct gc_org *org)
{
	const char *kind = gc_org_kind_name(org->kind);
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:b, s:s, s:b, s:b, s:s?, s:b, s:s}", "id", (json_int_t)org->id,
			 "kind", kind, "kind_label", orgs_kind_label(req, kind), "name", org->name, "country",
			 org->country, "four_eyes", org->four_eyes, "status", org->active ? "active" : "disabled",
			 "active", org->active, "demo", org->demo, "created_at", org->created_at, "is_state",
			 is_state_kind(kind), "href", gc_arena_printf(req->arena, "/organisations/%lld", (long long)org->id));
}

/* --- the list ----------------------------------------------------------------------- */

/* The UN's states for the creation form, named in the request's language (column from this list only). */
static gc_status country_options(struct gc_request *req, struct gc_db *db, const char *selected, json_t **out)
{
	static const struct {
		const char *lang;
		const char *sql;
	} by_lang[] = {
		{ "ar", "SELECT iso3, status, name_ar AS name FROM countries ORDER BY name_ar" },
		{ "zh", "SELECT iso3, status, name_zh AS name FROM countries ORDER BY name_zh" },
		{ "fr", "SELECT iso3, status, name_fr AS name FROM countries ORDER BY name_fr" },
		{ "ru", "SELECT iso3, status, name_ru AS name FROM countries ORDER BY name_ru" },
		{ "es", "SELECT iso3, status, name_es AS name FROM countries ORDER BY name_es" },
		{ "en", "SELECT iso3, status, name_en AS name FROM countries ORDER BY name_en" },
	};
	const char *sql = by_lang[GC_ARRAY_LEN(by_lang) - 1].sql;
	for (size_t i = 0; i < GC_ARRAY_LEN(by_lang); i++)
		if (req->lang && strcmp(req->lang, by_lang[i].lang) == 0)
			sql = by_lang[i].sql;
	json_t *rows = NULL;
	gc_status status = gc_db_query(db, sql, GC_NO_PARAMS, &rows);
	if (status != GC_OK)
		return status;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *iso3 = json_string_value(json_object_get(row, "iso3"));
		if (!iso3 || json_object_set_new(row, "selected", json_boolean(selected && strcmp(selected, iso3) == 0))) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	*out = rows;
	return GC_OK;
}

/* How many people each organisation has, and how many of them are active: {"<org id>": [people, active]}. */
static gc_status people_counts(struct gc_db *db, json_t **out)
{
	json_t *rows = NULL;
	gc_status status = gc_db_query(db,
				       "SELECT org_id AS org_id, COUNT(*) AS people,"
				       " SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS active"
				       " FROM users GROUP BY org_id",
				       GC_NO_PARAMS, &rows);
	if (status != GC_OK)
		return status;
	json_t *counts = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_object_get(row, "org_id")));
		if (!counts || json_object_set_new(counts, key,
						   json_pack("[I, I]", json_integer_value(json_object_get(row, "people")),
							     json_integer_value(json_object_get(row, "active"))))) {
			status = GC_ENOMEM;
			break;
		}
	}
	json_decref(rows);
	if (status != GC_OK) {
		json_decref(counts);
		return status;
	}
	*out = counts;
	return GC_OK;
}

/*
 * The list page into view, filtered by kind and q (either may be NULL). When
 * form is not NULL it holds the values of a creation form to show again.
 */
static gc_status list_page(struct gc_request *req, struct gc_view *view, struct gc_db *db, const char *kind,
			   const char *q, json_t *form)
{
	json_t *all = NULL, *counts = NULL;
	gc_status status = gc_view_page(req, view, "organisations/list", "organisations.title");
	if (status != GC_OK)
		return status;
	json_t *model = view->model;
	if ((status = gc_org_list(db, &all)) != GC_OK || (status = people_counts(db, &counts)) != GC_OK)
		goto out;
	status = GC_ENOMEM;
	json_t *list = json_array();
	if (json_object_set_new(model, "organisations", list))
		goto out;
	size_t i;
	json_t *org;
	json_array_foreach(all, i, org) {
		const char *org_kind = json_string_value(json_object_get(org, "kind"));
		if (kind && (!org_kind || strcmp(org_kind, kind) != 0))
			continue;
		if (q && !contains_folded(json_string_value(json_object_get(org, "name")), q))
			continue;
		json_int_t id = json_integer_value(json_object_get(org, "id"));
		char key[24];
		snprintf(key, sizeof(key), "%lld", (long long)id);
		json_t *count = json_object_get(counts, key);
		const char *href = gc_arena_printf(req->arena, "/organisations/%lld", (long long)id);
		const char *org_status = json_string_value(json_object_get(org, "status"));
		if (!href || json_object_set_new(org, "kind_label", json_string(orgs_kind_label(req, org_kind))) ||
		    json_object_set_new(org, "href", json_string(href)) ||
		    json_object_set_new(org, "people", json_integer(json_integer_value(json_array_get(count, 0)))) ||
		    json_object_set_new(org, "active_people",
					json_integer(json_integer_value(json_array_get(count, 1)))) ||
		    json_object_set_new(org, "active", json_boolean(org_status && strcmp(org_status, "active") == 0)) ||
		    json_array_append(list, org))
			goto out;
	}
	json_t *filters = json_pack("{s:s?, s:s?}", "kind", kind, "q", q);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    json_object_set_new(model, "count", json_integer((json_int_t)json_array_size(list))) ||
	    json_object_set_new(model, "kind_options", options(req, kinds, GC_ARRAY_LEN(kinds), kind, orgs_kind_label)))
		goto out;

	bool can_create = orgs_is_secretariat_admin(req->principal);
	if (json_object_set_new(model, "can_create", json_boolean(can_create)))
		goto out;
	status = GC_OK;
	if (!can_create)
		goto out;
	/* The creation form, empty or as it was sent. */
	const char *form_kind = json_string_value(json_object_get(form, "kind"));
	const char *form_country = json_string_value(json_object_get(form, "country"));
	json_t *countries = NULL;
	if ((status = country_options(req, db, form_country, &countries)) != GC_OK)
		goto out;
	status = GC_ENOMEM;
	json_t *values = form ? json_incref(form) : json_object();
	if (json_object_set_new(model, "create",
				json_pack("{s:o, s:o, s:o}", "form", values, "kind_options",
					  options(req, kinds, GC_ARRAY_LEN(kinds), form_kind, orgs_kind_label),
					  "country_options", countries)))
		goto out;
	status = GC_OK;
out:
	json_decref(all);
	json_decref(counts);
	return status;
}

gc_status orgs_list(struct gc_request *req, struct gc_view *view)
{
	const char *kind = gc_query(req, "kind");
	const char *q = gc_query(req, "q");
	if (kind && !*kind)
		kind = NULL;
	if (q && !*q)
		q = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	return list_page(req, view, db, kind, q, NULL);
}

/* --- creation ----------------------------------------------------------------------- */

/* A field of the form, "" when absent (the data layer then names it as invalid). */
static const char *field_or_empty(const struct orgs_input *in, const char *name)
{
	const char *v = orgs_input_get(in, name);
	return v ? v : "";
}

static const char *nonempty_or_null(const char *v)
{
	return v && *v ? v : NULL;
}

/* The organisation's fields of the data layer, by the form's names. */
static gc_status create_org_failed(struct gc_request *req, gc_status status, const char *field)
{
	const char *key = NULL;
	if (status == GC_ECONFLICT) {
		key = "organisations.error_name_taken";
		field = "name";
	} else if (status == GC_EINVAL && field && strcmp(field, "kind") == 0) {
		key = "organisations.error_kind";
	} else if (status == GC_EINVAL && field && strcmp(field, "country") == 0) {
		key = "organisations.error_country";
	} else if (status == GC_EINVAL) {
		key = "organisations.error_org_name";
		field = "name";
	}
	return gc_req_fail_status(req, status, field, key);
}

static gc_status create_admin_failed(struct gc_request *req, gc_status status, const char *field)
{
	if (status == GC_ECONFLICT)
		return gc_req_fail_status(req, status, "admin_email", "organisations.error_email_taken");
	if (status == GC_EINVAL && field && strcmp(field, "name") == 0)
		return gc_req_fail_status(req, status, "admin_name", "organisations.error_person_name");
	if (status == GC_EINVAL)
		return gc_req_fail_status(req, status, "admin_email", "organisations.error_email");
	return gc_req_fail_status(req, status, NULL, NULL);
}

gc_status orgs_create(struct gc_request *req, struct gc_view *view)
{
	struct orgs_input in;
	struct gc_db *db = NULL;
	struct gc_org org;
	json_t *detail = NULL, *invitation = NULL;
	const char *field = NULL;
	int64_t org_id = 0, user_id = 0;
	int64_t now = gc_clock_now();
	gc_status status;

	if (!orgs_is_secretariat_admin(req->principal))
		return orgs_forbidden(req, "organisations.error_secretariat_admins_only");
	status = orgs_input_read(req, &in);
	if (status != GC_OK)
		goto failed;

	struct gc_org_new fresh = {
		.name = field_or_empty(&in, "name"),
		.country = nonempty_or_null(orgs_input_get(&in, "country")),
		.four_eyes = orgs_bool(orgs_input_get(&in, "four_eyes")),
	};
	if (!gc_org_kind_parse(field_or_empty(&in, "kind"), &fresh.kind)) {
		status = gc_req_fail_status(req, GC_EINVAL, "kind", "organisations.error_kind");
		goto failed;
	}
	if (!is_state_kind(gc_org_kind_name(fresh.kind)) && fresh.four_eyes) {
		status = gc_req_fail_status(req, GC_EINVAL, "four_eyes", "organisations.error_four_eyes_state");
		goto failed;
	}
	struct gc_user_new admin = {
		.email = field_or_empty(&in, "admin_email"),
		.name = nonempty_or_null(orgs_input_get(&in, "admin_name")),
		.role = GC_ROLE_ADMIN,
	};

	if ((status = orgs_begin(req, &db)) != GC_OK)
		goto failed;
	status = gc_org_create(db, &fresh, now, &org_id, &field);
	if (status != GC_OK) {
		status = orgs_finish(db, status);
		status = create_org_failed(req, status, field);
		goto failed;
	}
	admin.org_id = org_id;
	status = gc_user_create(db, &admin, now, &user_id, &field);
	if (status != GC_OK) {
		status = orgs_finish(db, status);
		status = create_admin_failed(req, status, field);
		goto failed;
	}
	detail = json_pack("{s:s, s:b}", "kind", gc_org_kind_name(fresh.kind), "four_eyes", fresh.four_eyes);
	status = detail ? GC_OK : GC_ENOMEM;
	if (status == GC_OK)
		status = gc_org_get(db, org_id, req->arena, &org);
	if (status == GC_OK && org.country && json_object_set_new(detail, "country", json_string(org.country)))
		status = GC_ENOMEM;
	if (status == GC_OK)
		status = gc_req_audit(req, "org.create", "org", orgs_id_text(req, org_id), detail);
	if (status == GC_OK)
		status = orgs_invite(req, db, user_id, org_id, "admin", true, now, &invitation);
	if (status == GC_OK)
		status = gc_db_bump_changes(db);
	status = orgs_finish(db, status);
	json_decref(detail);
	if (status != GC_OK) {
		json_decref(invitation);
		return gc_req_fail_status(req, status, NULL, NULL);
	}

	orgs_mail_invitation(req, db, user_id, invitation);
	struct gc_user person;
	if ((status = orgs_no_store(req)) != GC_OK ||
	    (status = gc_view_page(req, view, "organisations/invitation", "organisations.created_title")) != GC_OK ||
	    (status = gc_user_get(db, user_id, req->arena, &person)) != GC_OK) {
		json_decref(invitation);
		return status;
	}
	view->status = 201;
	/* The model takes the invitation first, so that every path below frees it with the model. */
	if (json_object_set_new(view->model, "invitation", invitation) ||
	    json_object_set_new(view->model, "organisation", orgs_org_json(req, &org)) ||
	    json_object_set_new(view->model, "person",
				json_pack("{s:I, s:I, s:s, s:s?, s:s, s:s, s:s}", "id", (json_int_t)person.id, "org_id",
					  (json_int_t)person.org_id, "email", person.email, "name", person.name, "role",
					  "admin", "role_label", orgs_role_label(req, "admin"), "status",
					  gc_user_status_name(person.status))) ||
	    json_object_set_new(view->model, "created", json_true()))
		return GC_ENOMEM;
	return GC_OK;

failed:
	if (!orgs_error_shown_on_page(req))
		return status;
	/* The form again, as it was sent, with the message beside its field. */
	db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	json_t *form = json_object();
	static const char *const fields[] = { "kind", "name", "country", "admin_email", "admin_name" };
	for (size_t i = 0; form && i < GC_ARRAY_LEN(fields); i++) {
		const char *v = orgs_input_get(&in, fields[i]);
		if (v && json_object_set_new(form, fields[i], json_string(v))) {
			json_decref(form);
			form = NULL;
		}
	}
	if (!form || json_object_set_new(form, "four_eyes", json_boolean(orgs_bool(orgs_input_get(&in, "four_eyes"))))) {
		json_decref(form);
		return GC_ENOMEM;
	}
	status = list_page(req, view, db, NULL, NULL, form);
	json_decref(form);
	if (status != GC_OK)
		return status;
	return orgs_error_into_page(req, view);
}

/* --- one organisation --------------------------------------------------------------- */

/* The modules an editor can be limited to, each checked when in limits (a JSON array or null). */
static json_t *module_options(const struct gc_request *req, const json_t *limits)
{
	const char *const *names = NULL;
	size_t n = gc_req_module_names(&names);
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		bool checked = false;
		size_t k;
		json_t *limit;
		json_array_foreach(limits, k, limit)
			checked = checked || (json_string_value(limit) && strcmp(json_string_value(limit), names[i]) == 0);
		json_t *o = json_pack("{s:s, s:s, s:b}", "name", names[i], "label", orgs_module_label(req, names[i]),
				      "checked", checked);
		if (!o || json_array_append_new(list, o)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

gc_status orgs_show_page(struct gc_request *req, struct gc_view *view, struct gc_db *db, int64_t org_id)
{
	struct gc_org org;
	json_t *people = NULL;
	gc_status status = gc_org_get(db, org_id, req->arena, &org);
	if (status != GC_OK)
		return status;
	status = gc_view_page(req, view, "organisations/show", NULL);
	if (status != GC_OK)
		return status;
	view->title = org.name;
	status = gc_user_list(db, org_id, &people);
	if (status != GC_OK)
		return status;

	const struct gc_principal *p = req->principal;
	bool manage = orgs_may_manage(p, org_id);
	const char *kind = gc_org_kind_name(org.kind);
	json_t *model = view->model;
	status = GC_ENOMEM;
	size_t i;
	json_t *person;
	json_array_foreach(people, i, person) {
		json_int_t id = json_integer_value(json_object_get(person, "id"));
		const char *role = json_string_value(json_object_get(person, "role"));
		const char *person_status = json_string_value(json_object_get(person, "status"));
		bool disabled = person_status && strcmp(person_status, "disabled") == 0;
		bool self = p && p->user_id == id;
		if (json_object_set_new(person, "role_label", json_string(orgs_role_label(req, role))) ||
		    json_object_set_new(person, "status_label", json_string(orgs_user_status_label(req, person_status))) ||
		    json_object_set_new(person, "is_self", json_boolean(self)) ||
		    json_object_set_new(person, "disabled", json_boolean(disabled)))
			goto out;
		if (!manage)
			continue;
		if (json_object_set_new(person, "role_options", options(req, roles, GC_ARRAY_LEN(roles), role,
									 orgs_role_label)) ||
		    json_object_set_new(person, "module_options",
					module_options(req, json_object_get(person, "module_limits"))) ||
		    json_object_set_new(person, "can_disable", json_boolean(!disabled && !self)) ||
		    json_object_set_new(person, "can_enable", json_boolean(disabled)) ||
		    json_object_set_new(person, "can_invite", json_boolean(!disabled)))
			goto out;
	}
	bool secretariat_admin = orgs_is_secretariat_admin(p);
	const char *audit_href = secretariat_admin ? gc_arena_printf(req->arena, "/audit?org=%lld", (long long)org_id)
			       : manage	   ? "/audit"
						   : NULL;
	if (json_object_set_new(model, "organisation", orgs_org_json(req, &org)) ||
	    json_object_set(model, "people", people) ||
	    json_object_set_new(model, "count", json_integer((json_int_t)json_array_size(people))) ||
	    json_object_set_new(model, "can_manage_people", json_boolean(manage && org.active)) ||
	    json_object_set_new(model, "can_set_four_eyes", json_boolean(manage && is_state_kind(kind))) ||
	    json_object_set_new(model, "can_set_active",
				json_boolean(secretariat_admin && org.kind != GC_ORG_SECRETARIAT)) ||
	    json_object_set_new(model, "is_secretariat", json_boolean(gc_principal_is_secretariat(p))) ||
	    (audit_href && json_object_set_new(model, "audit_href", json_string(audit_href))))
		goto out;
	if (manage && org.active &&
	    json_object_set_new(model, "invite",
				json_pack("{s:o, s:o}", "form", json_pack("{s:s}", "role", "reader"), "role_options",
					  options(req, roles, GC_ARRAY_LEN(roles), "reader", orgs_role_label))))
		goto out;
	status = GC_OK;
out:
	json_decref(people);
	return status;
}

gc_status orgs_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = 0;
	if (!orgs_path_id(req, 0, &id) || !orgs_may_see(req->principal, id))
		return gc_fail_not_found(req);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status status = orgs_show_page(req, view, db, id);
	if (status == GC_ENOTFOUND)
		return gc_fail_not_found(req);
	return status;
}

/* --- switches ------------------------------------------------------------------------ */

/*
 * Opens the write transaction and loads the organisation of the path for an
 * action: 404 when there is none or the caller may not see it, 403 when the
 * caller sees it but may_act says no. On GC_OK the transaction is open.
 */
static gc_status begin_on_org(struct gc_request *req, struct gc_db **db, struct gc_org *org,
			      bool (*may_act)(const struct gc_principal *, int64_t), const char *forbidden_key)
{
	int64_t id = 0;
	if (!orgs_path_id(req, 0, &id) || !orgs_may_see(req->principal, id))
		return gc_fail_not_found(req);
	gc_status status = orgs_begin(req, db);
	if (status != GC_OK)
		return status;
	status = gc_org_get(*db, id, req->arena, org);
	if (status == GC_OK && !may_act(req->principal, id))
		status = orgs_forbidden(req, forbidden_key);
	if (status != GC_OK) {
		orgs_rollback(*db);
		return status == GC_ENOTFOUND ? gc_fail_not_found(req) : gc_req_fail_status(req, status, NULL, NULL);
	}
	return GC_OK;
}

/* The answer to a switch that worked: the organisation (API), or its page again (303). */
static gc_status org_changed(struct gc_request *req, struct gc_view *view, struct gc_db *db, int64_t org_id)
{
	struct gc_org org;
	gc_status status = gc_org_get(db, org_id, req->arena, &org);
	if (status != GC_OK)
		return status;
	json_decref(view->model);
	view->model = json_pack("{s:o}", "organisation", orgs_org_json(req, &org));
	if (!view->model)
		return GC_ENOMEM;
	view->kind = GC_VIEW_REDIRECT;
	view->location = gc_arena_printf(req->arena, "/organisations/%lld", (long long)org_id);
	return view->location ? GC_OK : GC_ENOMEM;
}

/* A refusal shown on the organisation's page (browsers), or as the error (API). */
static gc_status org_refused(struct gc_request *req, struct gc_view *view, int64_t org_id, gc_status status)
{
	if (!orgs_error_shown_on_page(req))
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = orgs_show_page(req, view, db, org_id);
	if (status != GC_OK)
		return status;
	return orgs_error_into_page(req, view);
}

gc_status orgs_four_eyes(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_org org;
	struct orgs_input in;
	gc_status status = begin_on_org(req, &db, &org, orgs_may_manage, "organisations.error_admins_only");
	if (status != GC_OK)
		return status;
	const char *on_text = NULL;
	if ((status = orgs_input_read(req, &in)) == GC_OK) {
		on_text = orgs_input_get(&in, "on");
		if (org.kind != GC_ORG_MEMBER_STATE && org.kind != GC_ORG_OBSERVER_STATE)
			status = gc_req_fail_status(req, GC_EINVAL, "on", "organisations.error_four_eyes_state");
		else if (!on_text)
			status = gc_req_fail_status(req, GC_EINVAL, "on", "organisations.error_four_eyes_choice");
	}
	if (status != GC_OK) {
		orgs_rollback(db);
		return org_refused(req, view, org.id, status);
	}
	bool on = orgs_bool(on_text);
	if (on != org.four_eyes) {
		json_t *detail = json_pack("{s:b}", "on", on);
		status = detail ? gc_org_set_four_eyes(db, org.id, on, gc_clock_now()) : GC_ENOMEM;
		if (status == GC_OK)
			status = gc_req_audit(req, "org.four_eyes", "org", orgs_id_text(req, org.id), detail);
		json_decref(detail);
	}
	status = orgs_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return org_changed(req, view, db, org.id);
}

static bool secretariat_admin_for(const struct gc_principal *p, int64_t org_id)
{
	(void)org_id;
	return orgs_is_secretariat_admin(p);
}

static gc_status set_active(struct gc_request *req, struct gc_view *view, bool active)
{
	struct gc_db *db = NULL;
	struct gc_org org;
	gc_status status = begin_on_org(req, &db, &org, secretariat_admin_for,
					"organisations.error_secretariat_admins_only");
	if (status != GC_OK)
		return status;
	if (org.kind == GC_ORG_SECRETARIAT) {
		orgs_rollback(db);
		return orgs_forbidden(req, "organisations.error_secretariat_org");
	}
	if (org.active != active) {
		status = gc_org_set_active(db, org.id, active, gc_clock_now());
		if (status == GC_OK)
			status = gc_req_audit(req, active ? "org.enable" : "org.disable", "org", orgs_id_text(req, org.id),
					      NULL);
		if (status == GC_OK)
			status = gc_db_bump_changes(db);
	}
	status = orgs_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return org_changed(req, view, db, org.id);
}

gc_status orgs_disable(struct gc_request *req, struct gc_view *view)
{
	return set_active(req, view, false);
}

gc_status orgs_enable(struct gc_request *req, struct gc_view *view)
{
	return set_active(req, view, true);
}
