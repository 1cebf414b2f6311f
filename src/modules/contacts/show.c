/*
 * One contact: its page and API (GET /contacts/{id}), its vCard
 * (GET /contacts/{id}/vcard), and the create and edit forms.
 */
#include <stdlib.h>
#include <string.h>

#include "render/places.h"
#include "auth/principal.h"
#include "modules/contacts/contacts.h"

static const char *status_key(const char *status)
{
	if (status && strcmp(status, "pending") == 0)
		return "items.status_pending";
	if (status && strcmp(status, "published") == 0)
		return "items.status_published";
	if (status && strcmp(status, "withdrawn") == 0)
		return "items.status_withdrawn";
	return "items.status_draft";
}

static const char *visibility_key(const char *visibility)
{
	if (visibility && strcmp(visibility, "restricted") == 0)
		return "items.visibility_restricted";
	if (visibility && strcmp(visibility, "named") == 0)
		return "items.visibility_named";
	return "items.visibility_public";
}

/* Labels for templates/items/envelope.mustache. */
static gc_status decorate_envelope(struct gc_request *req, json_t *env)
{
	const char *status = json_string_value(json_object_get(env, "status"));
	const char *visibility = json_string_value(json_object_get(env, "visibility"));
	const char *approval = json_string_value(json_object_get(env, "approval"));
	json_int_t id = json_integer_value(json_object_get(env, "id"));
	const char *href = gc_arena_printf(req->arena, "/contacts/%lld", (long long)id);
	json_t *labels = json_pack(
		"{s:s?, s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:b}", "href", href,
		"module_label", gc_req_tr(req, "nav.contacts"), "status_label", gc_req_tr(req, status_key(status)),
		"visibility_label", gc_req_tr(req, visibility_key(visibility)), "approval_label",
		approval ? gc_req_tr(req, strcmp(approval, "four_eyes") == 0 ? "items.approval_four_eyes"
									       : "items.approval_secretariat")
			 : NULL,
		"is_draft", status && strcmp(status, "draft") == 0, "is_pending", status && strcmp(status, "pending") == 0,
		"is_published", status && strcmp(status, "published") == 0, "is_withdrawn",
		status && strcmp(status, "withdrawn") == 0, "returned",
		status && strcmp(status, "draft") == 0 && json_is_string(json_object_get(env, "review_note")),
		"vis_public", visibility && strcmp(visibility, "public") == 0, "vis_restricted",
		visibility && strcmp(visibility, "restricted") == 0, "vis_named",
		visibility && strcmp(visibility, "named") == 0, "release_value", "", "has_shares",
		json_array_size(json_object_get(env, "shares")) > 0);
	if (!href || !labels || json_object_update(env, labels)) {
		json_decref(labels);
		return GC_ENOMEM;
	}
	json_decref(labels);
	return GC_OK;
}

gc_status contacts_item_model(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, json_t **out);

gc_status contacts_item_model(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, json_t **out)
{
	json_t *env = NULL, *model = NULL;
	struct contacts_content c;
	*out = NULL;
	gc_status st = gc_item_load(ctx, id, &env);
	if (st == GC_OK && strcmp(json_string_value(json_object_get(env, "module")), CONTACTS_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = contacts_content_read(req, ctx->db, id, &c);
	if (st == GC_OK)
		st = decorate_envelope(req, env);
	if (st != GC_OK)
		goto out;
	st = GC_ENOMEM;
	model = contacts_content_json(&c);
	if (!model)
		goto out;
	json_t *tel = json_array(), *langs = json_array();
	if (!tel || json_object_set_new(model, "phone_links", tel) || !langs ||
	    json_object_set_new(model, "language_names", langs))
		goto out;
	for (size_t i = 0; i < c.n_phones; i++)
		if (json_array_append_new(tel, json_pack("{s:s, s:s}", "number", c.phones[i], "href",
							 gc_arena_printf(req->arena, "tel:%s", c.phones[i]))))
			goto out;
	for (size_t i = 0; i < c.n_languages; i++) {
		const char *native = gc_lang_native_name(c.languages[i]);
		if (json_array_append_new(langs, json_pack("{s:s, s:s}", "code", c.languages[i], "name",
							   native ? native : c.languages[i])))
			goto out;
	}
	if (json_object_set_new(model, "has_phones", json_boolean(c.n_phones > 0)) ||
	    json_object_set_new(model, "has_languages", json_boolean(c.n_languages > 0)) ||
	    json_object_set_new(model, "id", json_integer((json_int_t)id)) ||
	    json_object_set_new(model, "href", json_string(gc_arena_printf(req->arena, "/contacts/%lld", (long long)id))) ||
	    json_object_set_new(model, "vcard_href",
				json_string(gc_arena_printf(req->arena, "/contacts/%lld/vcard", (long long)id))) ||
	    json_object_set_new(model, "kind_label", json_string(gc_req_tr(req, contacts_kind_key(req, c.kind)))) ||
	    json_object_set_new(model, "country", c.country ? json_string(c.country) : json_null()) ||
	    json_object_set_new(model, "country_name",
				c.country && gc_country_name(c.country, req->lang)
					? json_string(gc_country_name(c.country, req->lang))
					: json_null()) ||
	    json_object_set_new(model, "confirmed_by_ping",
				json_boolean(c.last_confirmed_how && strcmp(c.last_confirmed_how, "ping") == 0)) ||
	    json_object_set(model, "can", json_object_get(env, "can")) || json_object_set(model, "item", env))
		goto out;
	*out = model;
	model = NULL;
	st = GC_OK;
out:
	json_decref(env);
	json_decref(model);
	return st;
}

gc_status contacts_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	struct gc_item_ctx ctx;
	json_t *model = NULL;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = contacts_item_model(req, &ctx, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = gc_view_page(req, view, "contacts/show", NULL);
	if (st != GC_OK) {
		json_decref(model);
		return st;
	}
	json_decref(view->model);
	view->model = model;
	view->title = json_string_value(json_object_get(model, "function_title"));
	view->cacheable = true;
	return GC_OK;
}

/* --- the vCard of one contact ---------------------------------------------------------------------- */

gc_status contacts_show_vcf(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	struct gc_item_ctx ctx;
	struct contacts_content c;
	json_t *env = NULL;
	struct gc_buf out;
	gc_buf_init(&out, 256 * 1024);
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_item_load(&ctx, id, &env);
	if (st == GC_OK && strcmp(json_string_value(json_object_get(env, "module")), CONTACTS_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = contacts_content_read(req, ctx.db, id, &c);
	if (st != GC_OK) {
		json_decref(env);
		gc_buf_free(&out);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	struct contacts_card card = {
		.id = id,
		.kind = c.kind,
		.function_title = c.function_title,
		.person_name = c.person_name,
		.agency = c.agency,
		.position = c.position,
		.emails = c.emails,
		.n_emails = c.n_emails,
		.phones = c.phones,
		.n_phones = c.n_phones,
		.time_zone = c.time_zone,
		.working_hours = c.working_hours,
		.languages = c.languages,
		.n_languages = c.n_languages,
		.fingerprint = c.fingerprint,
		.secure_channels = c.secure_channels,
		.notes = c.notes,
		.country = c.country,
		.country_name = gc_country_name(c.country, req->lang),
		.org_name = json_string_value(json_object_get(json_object_get(env, "owner"), "name")),
		.updated_at = json_string_value(json_object_get(env, "updated_at")),
		.url = gc_arena_printf(req->arena, "%s/contacts/%lld", gc_req_base_url(req), (long long)id),
	};
	contacts_vcard_append(&out, &card);
	json_decref(env);
	st = gc_buf_error(&out);
	if (st != GC_OK) {
		gc_buf_free(&out);
		return st;
	}
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = "text/vcard; charset=utf-8";
	view->filename = gc_arena_printf(req->arena, "contact-%lld.vcf", (long long)id);
	view->body = gc_buf_take(&out, &view->body_len);
	view->cacheable = true;
	gc_buf_free(&out);
	return view->body ? GC_OK : GC_ENOMEM;
}

/* --- the forms ---------------------------------------------------------------------------------------- */

static bool in_values(const json_t *values, const char *name, const char *value)
{
	const json_t *v = json_object_get(values, name);
	if (json_is_string(v))
		return strcmp(json_string_value(v), value) == 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), value) == 0)
			return true;
	return false;
}

gc_status contacts_form_model(struct gc_request *req, struct gc_item_ctx *ctx, json_t *model, const json_t *values,
			      const json_t *errors);

gc_status contacts_form_model(struct gc_request *req, struct gc_item_ctx *ctx, json_t *model, const json_t *values,
			      const json_t *errors)
{
	const struct gc_principal *p = req->principal;
	static const char *const visibilities[] = { "public", "restricted", "named", NULL };
	json_t *orgs = NULL;
	gc_status st = gc_db_query(ctx->db,
				   "SELECT id AS value, name AS label FROM organisations WHERE status = 'active'"
				   " ORDER BY name, id LIMIT 1000",
				   GC_NO_PARAMS, &orgs);
	if (st != GC_OK)
		return st;
	st = GC_ENOMEM;
	json_t *kinds = json_array(), *vis = json_array();
	if (!kinds || !vis || json_object_set_new(model, "kind_choices", kinds) ||
	    json_object_set_new(model, "visibility_choices", vis))
		goto out;
	for (size_t i = 0; contacts_kinds[i]; i++)
		if (json_array_append_new(kinds, json_pack("{s:s, s:s, s:b}", "value", contacts_kinds[i], "label",
							   gc_req_tr(req, contacts_kind_key(req, contacts_kinds[i])),
							   "selected", in_values(values, "kind", contacts_kinds[i]))))
			goto out;
	for (size_t i = 0; visibilities[i]; i++)
		if (json_array_append_new(vis, json_pack("{s:s, s:s, s:b}", "value", visibilities[i], "label",
							 gc_req_tr(req, gc_arena_printf(req->arena, "items.visibility_%s",
											visibilities[i])),
							 "selected", in_values(values, "visibility", visibilities[i]))))
			goto out;
	size_t i;
	json_t *row;
	json_array_foreach(orgs, i, row) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(row, "value")));
		if (json_object_set_new(row, "selected", json_boolean(in_values(values, "acting_for_org", buf))) ||
		    json_object_set_new(row, "shared", json_boolean(in_values(values, "shares", buf))))
			goto out;
	}
	bool act_for = p && gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN;
	if (json_object_set_new(model, "can_act_for", json_boolean(act_for)) || json_object_set(model, "org_choices", orgs) ||
	    json_object_set_new(model, "values", values ? json_deep_copy(values) : json_object()) ||
	    json_object_set_new(model, "errors", errors ? json_deep_copy(errors) : json_object()))
		goto out;
	st = GC_OK;
out:
	json_decref(orgs);
	return st;
}

gc_status contacts_new(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_item_ctx ctx;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!gc_policy_can_create(p, CONTACTS_MODULE, 0) || p->org_kind == GC_ORG_STAKEHOLDER)
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/form", "contacts.new_title");
	if (st != GC_OK)
		return st;
	json_t *values = json_pack("{s:s, s:s}", "kind", gc_principal_is_state(p) ? "technical" : "assistance",
				   "visibility", gc_principal_is_state(p) ? "restricted" : "public");
	if (!values || json_object_set_new(view->model, "is_edit", json_false()) ||
	    json_object_set_new(view->model, "id", json_null())) {
		json_decref(values);
		return GC_ENOMEM;
	}
	st = contacts_form_model(req, &ctx, view->model, values, NULL);
	json_decref(values);
	return st;
}

/* A list as the form's text: one entry a line (sep "\n") or separated by ", ". */
static const char *joined(struct gc_request *req, const char *const *list, size_t n, const char *sep)
{
	struct gc_buf b;
	gc_buf_init(&b, 16 * 1024);
	for (size_t i = 0; i < n; i++) {
		if (i)
			gc_buf_str_raw(&b, sep);
		gc_buf_str_raw(&b, list[i]);
	}
	const char *s = gc_buf_error(&b) ? NULL : gc_arena_strdup(req->arena, gc_buf_str(&b));
	gc_buf_free(&b);
	return s;
}

gc_status contacts_edit_form(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = contacts_path_id(req);
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct contacts_content c;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, CONTACTS_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	if (!gc_policy_can_edit(p, &env)) {
		if (p && p->role == GC_ROLE_READER && p->org_id == env.owner_org)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
		return gc_fail_not_found(req);
	}
	st = contacts_content_read(req, ctx.db, id, &c);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/form", "contacts.edit_title");
	if (st != GC_OK)
		return st;
	json_t *values = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "kind",
				   c.kind, "function_title", c.function_title, "person_name",
				   c.person_name ? c.person_name : "", "agency", c.agency ? c.agency : "", "position",
				   c.position ? c.position : "", "emails", joined(req, c.emails, c.n_emails, "\n"),
				   "phones", joined(req, c.phones, c.n_phones, "\n"), "working_hours",
				   c.working_hours ? c.working_hours : "", "time_zone", c.time_zone ? c.time_zone : "",
				   "languages", joined(req, c.languages, c.n_languages, ", "), "fingerprint",
				   c.fingerprint ? c.fingerprint : "", "secure_channels",
				   c.secure_channels ? c.secure_channels : "", "notes", c.notes ? c.notes : "", "version",
				   (json_int_t)env.version);
	if (!values || json_object_set_new(view->model, "is_edit", json_true()) ||
	    json_object_set_new(view->model, "id", json_integer((json_int_t)id))) {
		json_decref(values);
		return GC_ENOMEM;
	}
	view->title = gc_arena_printf(req->arena, "%s: %s", gc_req_tr(req, "contacts.edit_title"), c.function_title);
	st = contacts_form_model(req, &ctx, view->model, values, NULL);
	json_decref(values);
	return st;
}
