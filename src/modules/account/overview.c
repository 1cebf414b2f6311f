/*
 * Who am I: GET /account (the page with every form of one's own account)
 * and GET /api/v1/me (the short answer scripts and the API tests use).
 */
#include <string.h>

#include "base/clock.h"
#include "modules/account/account.h"
#include "store/store.h"

gc_status account_add_labels(struct gc_request *req, json_t *obj, enum gc_role role, enum gc_org_kind kind)
{
	const char *role_key = gc_arena_printf(req->arena, "account.role_%s", gc_role_name(role));
	const char *kind_key = gc_arena_printf(req->arena, "account.kind_%s", gc_org_kind_name(kind));
	if (!role_key || !kind_key || json_object_set_new(obj, "role_label", json_string(gc_req_tr(req, role_key))) ||
	    json_object_set_new(obj, "kind_label", json_string(gc_req_tr(req, kind_key))))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status account_me_model(struct gc_request *req, struct gc_db *db, const struct gc_principal *p, json_t **out)
{
	struct gc_user user;
	*out = NULL;
	gc_status status = gc_user_get(db, p->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	json_t *limits = json_null();
	if (p->n_module_limits > 0) {
		json_decref(limits);
		limits = json_array();
		for (size_t i = 0; limits && i < p->n_module_limits; i++)
			if (json_array_append_new(limits, json_string(p->module_limits[i]))) {
				json_decref(limits);
				limits = NULL;
			}
	}
	if (!limits)
		return GC_ENOMEM;
	json_t *model = json_pack("{s:{s:I, s:s, s:s?, s:s, s:o}, s:{s:I, s:s, s:s, s:s?, s:b}, s:s, s:b}", "user",
				  "id", (json_int_t)p->user_id, "email", p->email, "name", p->name, "role",
				  gc_role_name(p->role), "module_limits", limits, "organisation", "id",
				  (json_int_t)p->org_id, "name", p->org_name, "kind", gc_org_kind_name(p->org_kind),
				  "country", p->org_country, "four_eyes", p->org_four_eyes, "via",
				  p->via_token ? "token" : "session", "mfa_enrolled", user.mfa_enabled);
	if (!model)
		return GC_ENOMEM;
	/* A cookie caller's scripts need the token for their next POST. */
	if (!p->via_token && p->csrf_token && json_object_set_new(model, "csrf_token", json_string(p->csrf_token))) {
		json_decref(model);
		return GC_ENOMEM;
	}
	*out = model;
	return GC_OK;
}

gc_status account_me(struct gc_request *req, struct gc_view *view)
{
	if (!req->principal)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status status = gc_view_page(req, view, "account/overview", "account.title");
	if (status != GC_OK)
		return status;
	json_t *model = NULL;
	status = account_me_model(req, db, req->principal, &model);
	if (status != GC_OK)
		return status;
	json_decref(view->model);
	view->model = model;
	return GC_OK;
}

/* The expiry choices of the token form, in days (0: never). */
static const int64_t expiry_choices[] = { 30, 90, 365, 0 };

static gc_status add_token_rows(struct gc_request *req, json_t *rows)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *state = json_string_value(json_object_get(row, "state"));
		const char *key = gc_arena_printf(req->arena, "account.token_state_%s", state ? state : "revoked");
		if (!key || json_object_set_new(row, "state_label", json_string(gc_req_tr(req, key))) ||
		    json_object_set_new(row, "active", json_boolean(state && strcmp(state, "active") == 0)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status account_overview(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_user user;
	const char **hashes = NULL;
	int64_t *ids = NULL;
	size_t unused = 0;
	json_t *sessions = NULL, *tokens = NULL, *model = NULL;
	int64_t now = gc_clock_now();
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status status = gc_user_get(db, p->user_id, req->arena, &user);
	if (status == GC_OK)
		status = gc_recovery_codes_unused(db, p->user_id, req->arena, &hashes, &ids, &unused);
	if (status == GC_OK)
		status = gc_session_list(db, p->user_id, now, &sessions);
	if (status == GC_OK)
		status = gc_token_list(db, p->user_id, now, &tokens);
	if (status != GC_OK)
		goto fail;
	status = account_me_model(req, db, p, &model);
	if (status != GC_OK)
		goto out;
	status = gc_view_page(req, view, "account/overview", "account.title");
	if (status != GC_OK)
		goto out;
	json_decref(view->model);
	view->model = model;
	model = NULL;

	size_t i;
	json_t *row;
	json_array_foreach(sessions, i, row) {
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		if (json_object_set_new(row, "current", json_boolean(!p->via_token && id == p->session_id))) {
			status = GC_ENOMEM;
			goto out;
		}
	}
	status = add_token_rows(req, tokens);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	json_t *m = view->model;
	json_t *mfa = json_pack("{s:b, s:b, s:I}", "enrolled", user.mfa_enabled, "required",
				gc_auth_mfa_required(p->org_kind), "recovery_codes_left", (json_int_t)unused);
	if (!mfa || json_object_set_new(m, "mfa", mfa) || json_object_set_new(m, "sessions", sessions) ||
	    json_object_set_new(m, "tokens", tokens))
		goto out;
	sessions = tokens = NULL;
	if (json_object_set_new(m, "status", json_string(gc_user_status_name(user.status))) ||
	    json_object_set_new(m, "password_changed_at",
				user.password_changed_at ? json_string(user.password_changed_at) : json_null()) ||
	    json_object_set_new(m, "can_manage", json_boolean(!p->via_token)))
		goto out;
	if (account_add_labels(req, json_object_get(m, "user"), p->role, p->org_kind) != GC_OK)
		goto out;
	const char *notice = gc_query(req, "notice");
	if (notice) {
		const char *key = gc_arena_printf(req->arena, "account.notice_%s", notice);
		if (!key || json_object_set_new(m, "notice", json_string(gc_req_tr(req, key))))
			goto out;
	}
	if (!req->is_api) {
		json_t *choices = json_array();
		if (!choices || json_object_set_new(m, "expiry_choices", choices))
			goto out;
		for (size_t c = 0; c < GC_ARRAY_LEN(expiry_choices); c++) {
			const char *key = expiry_choices[c] ? gc_arena_printf(req->arena, "account.token_expiry_%lld",
									      (long long)expiry_choices[c])
							    : "account.token_expiry_never";
			if (!key || json_array_append_new(choices, json_pack("{s:I, s:s, s:b}", "value",
									     (json_int_t)expiry_choices[c], "label",
									     gc_req_tr(req, key), "selected", c == 1)))
				goto out;
		}
	}
	status = GC_OK;
	goto out;
fail:
	status = gc_req_fail_status(req, status, NULL, NULL);
out:
	json_decref(sessions);
	json_decref(tokens);
	json_decref(model);
	return status;
}
