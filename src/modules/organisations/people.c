/*
 * An organisation's people: invitations, roles, disabling, module limits.
 * Every change runs in one write transaction with its audit record. Two
 * rules guard the organisation itself: it never loses its last active
 * admin (a demotion or a disabling that would do so is a 409), and an admin
 * never disables their own account (403).
 */
#include <string.h>

#include "base/clock.h"
#include "modules/organisations/organisations.h"

/* --- answers ---------------------------------------------------------------------- */

static json_t *person_json(const struct gc_user *u)
{
	json_t *limits = NULL;
	if (u->n_module_limits > 0) {
		limits = json_array();
		for (size_t i = 0; limits && i < u->n_module_limits; i++)
			if (json_array_append_new(limits, json_string(u->module_limits[i]))) {
				json_decref(limits);
				return NULL;
			}
		if (!limits)
			return NULL;
	}
	return json_pack("{s:I, s:I, s:s, s:s?, s:s, s:s, s:b, s:o?, s:s?, s:s?}", "id", (json_int_t)u->id, "org_id",
			 (json_int_t)u->org_id, "email", u->email, "name", u->name, "role", gc_role_name(u->role), "status",
			 gc_user_status_name(u->status), "mfa_enabled", u->mfa_enabled, "module_limits", limits,
			 "created_at", u->created_at, "password_changed_at", u->password_changed_at);
}

/* After a change: the person as they are now (API), or their organisation's page (303). */
static gc_status person_changed(struct gc_request *req, struct gc_view *view, struct gc_db *db, int64_t user_id)
{
	struct gc_user user;
	gc_status status = gc_user_get(db, user_id, req->arena, &user);
	if (status != GC_OK)
		return status;
	json_decref(view->model);
	view->model = json_pack("{s:o}", "person", person_json(&user));
	if (!view->model)
		return GC_ENOMEM;
	view->kind = GC_VIEW_REDIRECT;
	view->location = gc_arena_printf(req->arena, "/organisations/%lld", (long long)user.org_id);
	return view->location ? GC_OK : GC_ENOMEM;
}

/*
 * A refusal (409, 422) of a change to one person: for a browser, the
 * organisation's page with the message at the top and beside that person.
 */
static gc_status person_refused(struct gc_request *req, struct gc_view *view, int64_t org_id, int64_t user_id,
				gc_status status)
{
	if (!orgs_error_shown_on_page(req))
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = orgs_show_page(req, view, db, org_id);
	if (status == GC_OK)
		status = orgs_error_into_page(req, view);
	if (status != GC_OK)
		return status;
	size_t i;
	json_t *person;
	json_array_foreach(json_object_get(view->model, "people"), i, person) {
		if (json_integer_value(json_object_get(person, "id")) == user_id &&
		    json_object_set_new(person, "row_error", json_string(req->err_message ? req->err_message : "")))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* The invitation page (organisations/invitation): shown once, never stored by a cache. */
static gc_status invitation_page(struct gc_request *req, struct gc_view *view, struct gc_db *db, int64_t user_id,
				 json_t *invitation, int http_status, bool reset)
{
	struct gc_user user;
	struct gc_org org;
	gc_status status;
	if ((status = orgs_no_store(req)) != GC_OK || (status = gc_user_get(db, user_id, req->arena, &user)) != GC_OK ||
	    (status = gc_org_get(db, user.org_id, req->arena, &org)) != GC_OK ||
	    (status = gc_view_page(req, view, "organisations/invitation", "organisations.invitation_title")) != GC_OK) {
		json_decref(invitation);
		return status;
	}
	view->status = http_status;
	/* The model takes the invitation first, so that every path below frees it with the model. */
	if (json_object_set_new(view->model, "invitation", invitation))
		return GC_ENOMEM;
	json_t *person = person_json(&user);
	if (!person || json_object_set_new(view->model, "person", person) ||
	    json_object_set_new(person, "role_label", json_string(orgs_role_label(req, gc_role_name(user.role)))) ||
	    json_object_set_new(view->model, "organisation", orgs_org_json(req, &org)) ||
	    json_object_set_new(view->model, "reset", json_boolean(reset)))
		return GC_ENOMEM;
	return GC_OK;
}

/* --- inviting someone new ----------------------------------------------------------- */

static gc_status invite_refused(struct gc_request *req, struct gc_view *view, int64_t org_id,
				const struct orgs_input *in, gc_status status)
{
	if (!orgs_error_shown_on_page(req))
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = orgs_show_page(req, view, db, org_id);
	if (status == GC_OK)
		status = orgs_error_into_page(req, view);
	if (status != GC_OK)
		return status;
	/* The invitation form again, as it was sent. */
	json_t *invite = json_object_get(view->model, "invite");
	if (!invite)
		return GC_OK;
	const char *role = orgs_input_get(in, "role");
	json_t *form = json_pack("{s:s?, s:s?, s:s?}", "email", orgs_input_get(in, "email"), "name",
				 orgs_input_get(in, "name"), "role", role);
	if (!form || json_object_set_new(invite, "form", form))
		return GC_ENOMEM;
	size_t i;
	json_t *option;
	json_array_foreach(json_object_get(invite, "role_options"), i, option) {
		const char *value = json_string_value(json_object_get(option, "value"));
		if (json_object_set_new(option, "selected", json_boolean(role && value && strcmp(role, value) == 0)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status people_invite_new(struct gc_request *req, struct gc_view *view)
{
	struct orgs_input in = { 0 };
	struct gc_db *db = NULL;
	struct gc_org org;
	json_t *invitation = NULL;
	const char *field = NULL;
	int64_t org_id = 0, user_id = 0;
	int64_t now = gc_clock_now();
	gc_status status;

	if (!orgs_path_id(req, 0, &org_id) || !orgs_may_see(req->principal, org_id))
		return gc_fail_not_found(req);
	if ((status = orgs_begin(req, &db)) != GC_OK)
		return status;
	status = gc_org_get(db, org_id, req->arena, &org);
	if (status != GC_OK) {
		orgs_rollback(db);
		return status == GC_ENOTFOUND ? gc_fail_not_found(req) : gc_req_fail_status(req, status, NULL, NULL);
	}
	if (!orgs_may_manage(req->principal, org_id)) {
		orgs_rollback(db);
		return orgs_forbidden(req, "organisations.error_admins_only");
	}
	struct gc_user_new fresh = { .org_id = org_id };
	if ((status = orgs_input_read(req, &in)) != GC_OK)
		goto refused;
	const char *role = orgs_input_get(&in, "role");
	const char *email = orgs_input_get(&in, "email");
	const char *name = orgs_input_get(&in, "name");
	fresh.email = email ? email : "";
	fresh.name = name && *name ? name : NULL;
	if (!role || !gc_role_parse(role, &fresh.role)) {
		status = gc_req_fail_status(req, GC_EINVAL, "role", "organisations.error_role");
		goto refused;
	}
	if (!org.active) {
		status = gc_req_fail_status(req, GC_ECONFLICT, NULL, "organisations.error_org_disabled");
		goto refused;
	}
	status = gc_user_create(db, &fresh, now, &user_id, &field);
	if (status == GC_ECONFLICT) {
		status = gc_req_fail_status(req, status, "email", "organisations.error_email_taken");
		goto refused;
	}
	if (status == GC_EINVAL) {
		bool bad_name = field && strcmp(field, "name") == 0;
		status = gc_req_fail_status(req, status, bad_name ? "name" : "email",
					    bad_name ? "organisations.error_person_name" : "organisations.error_email");
		goto refused;
	}
	if (status == GC_ENOTFOUND) {
		status = gc_req_fail_status(req, GC_ECONFLICT, NULL, "organisations.error_org_disabled");
		goto refused;
	}
	if (status == GC_OK)
		status = orgs_invite(req, db, user_id, org_id, gc_role_name(fresh.role), true, now, &invitation);
	status = orgs_finish(db, status);
	if (status != GC_OK) {
		json_decref(invitation);
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	orgs_mail_invitation(req, db, user_id, invitation);
	return invitation_page(req, view, db, user_id, invitation, 201, false);

refused:
	orgs_rollback(db);
	return invite_refused(req, view, org_id, &in, status);
}

/* --- changes to one person ------------------------------------------------------------ */

/*
 * Opens the write transaction and loads the person of the path: 404 when
 * there is none or the caller may not see their organisation, 403 when the
 * caller sees it but does not manage it. On GC_OK the transaction is open.
 */
static gc_status begin_on_person(struct gc_request *req, struct gc_db **db, struct gc_user *user)
{
	int64_t id = 0;
	if (!orgs_path_id(req, 0, &id))
		return gc_fail_not_found(req);
	gc_status status = orgs_begin(req, db);
	if (status != GC_OK)
		return status;
	status = gc_user_get(*db, id, req->arena, user);
	if (status == GC_OK && !orgs_may_see(req->principal, user->org_id))
		status = GC_ENOTFOUND;
	if (status == GC_OK && !orgs_may_manage(req->principal, user->org_id))
		status = orgs_forbidden(req, "organisations.error_admins_only");
	if (status != GC_OK) {
		orgs_rollback(*db);
		return status == GC_ENOTFOUND ? gc_fail_not_found(req) : gc_req_fail_status(req, status, NULL, NULL);
	}
	return GC_OK;
}

/*
 * Whether taking user out of the organisation's active admins (a demotion or
 * a disabling) leaves it without one: GC_EHTTP with a 409 set when it would.
 * The organisation's row is locked first, so two such changes at once on
 * PostgreSQL see each other (SQLite's write transaction already serialises
 * them).
 */
static gc_status keeps_an_admin(struct gc_request *req, struct gc_db *db, const struct gc_user *user)
{
	if (user->role != GC_ROLE_ADMIN || user->status != GC_USER_ACTIVE)
		return GC_OK;
	int64_t others = 0;
	gc_status status = gc_db_exec(db, "UPDATE organisations SET four_eyes = four_eyes WHERE id = ?",
				      GC_PARAMS(GC_INT(user->org_id)), NULL);
	if (status == GC_OK)
		status = gc_db_query_int(db,
					 "SELECT COUNT(*) AS n FROM users WHERE org_id = ? AND role = 'admin'"
					 " AND status = 'active' AND id <> ?",
					 GC_PARAMS(GC_INT(user->org_id), GC_INT(user->id)), &others);
	if (status == GC_OK && others == 0)
		status = gc_req_fail_status(req, GC_ECONFLICT, NULL, "organisations.error_last_admin");
	return status;
}

/*
 * Ends a change to user: GC_EHTTP is a refusal already set on the request
 * (rolled back, shown on the organisation's page to a browser); GC_OK
 * commits and answers with the person; anything else rolls back and fails.
 */
static gc_status person_done(struct gc_request *req, struct gc_view *view, struct gc_db *db,
			     const struct gc_user *user, gc_status status)
{
	if (status == GC_EHTTP) {
		orgs_rollback(db);
		return person_refused(req, view, user->org_id, user->id, status);
	}
	status = orgs_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return person_changed(req, view, db, user->id);
}

gc_status people_role(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_user user;
	struct orgs_input in;
	enum gc_role role;
	gc_status status = begin_on_person(req, &db, &user);
	if (status != GC_OK)
		return status;
	if ((status = orgs_input_read(req, &in)) != GC_OK)
		return person_done(req, view, db, &user, status);
	const char *text = orgs_input_get(&in, "role");
	if (!text || !gc_role_parse(text, &role))
		return person_done(req, view, db, &user,
				   gc_req_fail_status(req, GC_EINVAL, "role", "organisations.error_role"));
	if (role == user.role)
		return person_done(req, view, db, &user, GC_OK);
	if (role != GC_ROLE_ADMIN && (status = keeps_an_admin(req, db, &user)) != GC_OK)
		return person_done(req, view, db, &user, status);
	json_t *detail = json_pack("{s:I, s:s, s:s}", "org_id", (json_int_t)user.org_id, "from",
				   gc_role_name(user.role), "to", gc_role_name(role));
	status = detail ? gc_user_set_role(db, user.id, role, gc_clock_now()) : GC_ENOMEM;
	if (status == GC_OK)
		status = gc_req_audit(req, "user.role", "user", orgs_id_text(req, user.id), detail);
	json_decref(detail);
	return person_done(req, view, db, &user, status);
}

gc_status people_disable(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_user user;
	gc_status status = begin_on_person(req, &db, &user);
	if (status != GC_OK)
		return status;
	if (req->principal && req->principal->user_id == user.id) {
		orgs_rollback(db);
		return orgs_forbidden(req, "organisations.error_disable_self");
	}
	if (user.status == GC_USER_DISABLED)
		return person_done(req, view, db, &user, GC_OK);
	if ((status = keeps_an_admin(req, db, &user)) != GC_OK)
		return person_done(req, view, db, &user, status);
	json_t *detail = json_pack("{s:I}", "org_id", (json_int_t)user.org_id);
	status = detail ? gc_user_disable(db, user.id, gc_clock_now()) : GC_ENOMEM;
	if (status == GC_OK)
		status = gc_req_audit(req, "user.disable", "user", orgs_id_text(req, user.id), detail);
	json_decref(detail);
	return person_done(req, view, db, &user, status);
}

gc_status people_enable(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_user user;
	gc_status status = begin_on_person(req, &db, &user);
	if (status != GC_OK)
		return status;
	if (user.status != GC_USER_DISABLED)
		return person_done(req, view, db, &user, GC_OK);
	json_t *detail = json_pack("{s:I}", "org_id", (json_int_t)user.org_id);
	status = detail ? gc_user_enable(db, user.id, gc_clock_now()) : GC_ENOMEM;
	if (status == GC_OK)
		status = gc_req_audit(req, "user.enable", "user", orgs_id_text(req, user.id), detail);
	json_decref(detail);
	return person_done(req, view, db, &user, status);
}

static bool among(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Whether the n names are the user's current limits, in any order (each side holding the other). */
static bool same_limits(const struct gc_user *user, const char *const *names, size_t n)
{
	if (n != user->n_module_limits)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!among(names[i], user->module_limits, n) || !among(user->module_limits[i], names, n))
			return false;
	return true;
}

gc_status people_modules(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_user user;
	struct orgs_input in;
	const char *names[GC_PRINCIPAL_MAX_MODULE_LIMITS];
	gc_status status = begin_on_person(req, &db, &user);
	if (status != GC_OK)
		return status;
	if ((status = orgs_input_read(req, &in)) != GC_OK)
		return person_done(req, view, db, &user, status);
	size_t n = orgs_input_all(&in, "module", names, GC_ARRAY_LEN(names));
	if (n > GC_ARRAY_LEN(names))
		return person_done(req, view, db, &user,
				   gc_req_fail_status(req, GC_EINVAL, "module", "organisations.error_module"));
	if (same_limits(&user, names, n))
		return person_done(req, view, db, &user, GC_OK);
	const char *const *known = NULL;
	size_t n_known = gc_req_module_names(&known);
	status = gc_user_set_module_limits(db, user.id, names, n, known, n_known, gc_clock_now());
	if (status == GC_EINVAL || status == GC_ETOOBIG)
		return person_done(req, view, db, &user,
				   gc_req_fail_status(req, GC_EINVAL, "module", "organisations.error_module"));
	/* The detail names the modules (null: every module). */
	json_t *detail = json_pack("{s:I, s:n}", "org_id", (json_int_t)user.org_id, "modules");
	json_t *modules = n ? json_array() : NULL;
	for (size_t i = 0; modules && i < n; i++)
		if (json_array_append_new(modules, json_string(names[i])))
			status = GC_ENOMEM;
	if (!detail) {
		status = GC_ENOMEM;
	} else if (n) {
		if (!modules || json_object_set_new(detail, "modules", modules))
			status = GC_ENOMEM;
		modules = NULL; /* taken by the detail, or freed by jansson on failure */
	}
	json_decref(modules);
	if (status == GC_OK)
		status = gc_req_audit(req, "user.modules", "user", orgs_id_text(req, user.id), detail);
	json_decref(detail);
	return person_done(req, view, db, &user, status);
}

gc_status people_invite_again(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	struct gc_user user;
	json_t *invitation = NULL;
	gc_status status = begin_on_person(req, &db, &user);
	if (status != GC_OK)
		return status;
	if (user.status == GC_USER_DISABLED)
		return person_done(req, view, db, &user,
				   gc_req_fail_status(req, GC_ECONFLICT, NULL, "organisations.error_invite_disabled"));
	status = orgs_invite(req, db, user.id, user.org_id, gc_role_name(user.role), false, gc_clock_now(),
			     &invitation);
	if (status == GC_ENOTFOUND)
		return person_done(req, view, db, &user,
				   gc_req_fail_status(req, GC_ECONFLICT, NULL, "organisations.error_org_disabled"));
	status = orgs_finish(db, status);
	if (status != GC_OK) {
		json_decref(invitation);
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	orgs_mail_invitation(req, db, user.id, invitation);
	return invitation_page(req, view, db, user.id, invitation, 200, user.status == GC_USER_ACTIVE);
}
