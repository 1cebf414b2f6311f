/* What every page of the module shares: who may see and manage what, request input, errors, invitations. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/parse.h"
#include "base/text.h"
#include "modules/organisations/organisations.h"

/* --- the rules ------------------------------------------------------------------ */

bool orgs_is_secretariat_admin(const struct gc_principal *p)
{
	return gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN;
}

bool orgs_may_see(const struct gc_principal *p, int64_t org_id)
{
	return p && (gc_principal_is_secretariat(p) || p->org_id == org_id);
}

bool orgs_may_manage(const struct gc_principal *p, int64_t org_id)
{
	return p && (orgs_is_secretariat_admin(p) || (p->org_id == org_id && p->role == GC_ROLE_ADMIN));
}

/* --- request input ---------------------------------------------------------------- */

static const struct gc_param_spec *spec_of(const struct gc_request *req, const char *name)
{
	for (const struct gc_param_spec *s = req->route ? req->route->params : NULL; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static gc_status invalid(struct gc_request *req, const char *field)
{
	return gc_fail(req, 422, "invalid_field", "organisations.error_field", field);
}

/* One JSON value of a field as the text a form would have sent, checked as the router checks forms. */
static gc_status json_value_text(struct gc_request *req, const struct gc_param_spec *spec, const json_t *value,
				 struct gc_kv *out)
{
	char number[24];
	const char *text = NULL;
	size_t len = 0;
	size_t max_len = spec->max_len ? spec->max_len : 256;

	switch (spec->type) {
	case GC_PARAM_STRING:
	case GC_PARAM_TEXT:
		if (!json_is_string(value))
			return invalid(req, spec->name);
		text = json_string_value(value);
		len = json_string_length(value);
		if (len > max_len || (spec->type == GC_PARAM_STRING ? !gc_text_acceptable_line(text, len)
								      : !gc_text_acceptable(text, len)))
			return invalid(req, spec->name);
		break;
	case GC_PARAM_BOOL:
		if (!json_is_boolean(value))
			return invalid(req, spec->name);
		text = json_is_true(value) ? "true" : "false";
		len = strlen(text);
		break;
	case GC_PARAM_INT: {
		if (!json_is_integer(value))
			return invalid(req, spec->name);
		json_int_t v = json_integer_value(value);
		if (v < spec->min || v > spec->max)
			return invalid(req, spec->name);
		snprintf(number, sizeof(number), "%lld", (long long)v);
		text = number;
		len = strlen(text);
		break;
	}
	default:
		/* The module declares no other type for a body. */
		return invalid(req, spec->name);
	}
	out->name = spec->name;
	out->value = gc_arena_strndup(req->arena, text, len);
	out->value_len = len;
	return out->value ? GC_OK : GC_ENOMEM;
}

gc_status orgs_input_read(struct gc_request *req, struct orgs_input *in)
{
	in->kv = req->form;
	in->n = req->n_form;
	if (req->body_kind != GC_BODY_JSON)
		return GC_OK;
	in->kv = NULL;
	in->n = 0;
	if (!json_is_object(req->json))
		return gc_fail(req, 422, "invalid_field", "organisations.error_json_object", NULL);

	/* Every member is one value, or an array of them where the field repeats. */
	size_t count = 0;
	const char *key;
	json_t *value;
	json_object_foreach(req->json, key, value)
		count += json_is_array(value) ? json_array_size(value) : 1;
	struct gc_kv *kv = gc_arena_calloc(req->arena, count ? count : 1, sizeof(*kv));
	if (!kv)
		return GC_ENOMEM;

	size_t n = 0;
	json_object_foreach(req->json, key, value) {
		if (strcmp(key, "csrf_token") == 0 || strcmp(key, "lang") == 0)
			continue;
		const struct gc_param_spec *spec = spec_of(req, key);
		if (!spec) {
			/* The name is echoed back when it is short and printable, so the client knows which. */
			size_t key_len = strlen(key);
			const char *field = key_len <= 64 && gc_text_acceptable_line(key, key_len)
						    ? gc_arena_strndup(req->arena, key, key_len)
						    : NULL;
			return gc_fail(req, 422, "invalid_field", "organisations.error_unknown_field", field);
		}
		if (json_is_null(value))
			continue;
		unsigned allowed = spec->max_repeat ? spec->max_repeat : 1;
		if (json_is_array(value)) {
			if (allowed < 2 || json_array_size(value) > allowed)
				return invalid(req, spec->name);
			size_t i;
			json_t *item;
			json_array_foreach(value, i, item) {
				gc_status status = json_value_text(req, spec, item, &kv[n]);
				if (status != GC_OK)
					return status;
				n++;
			}
			continue;
		}
		gc_status status = json_value_text(req, spec, value, &kv[n]);
		if (status != GC_OK)
			return status;
		n++;
	}
	in->kv = kv;
	in->n = n;
	return GC_OK;
}

const char *orgs_input_get(const struct orgs_input *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->kv[i].name, name) == 0)
			return in->kv[i].value;
	return NULL;
}

size_t orgs_input_all(const struct orgs_input *in, const char *name, const char **values, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (strcmp(in->kv[i].name, name) != 0)
			continue;
		if (count < max)
			values[count] = in->kv[i].value;
		count++;
	}
	return count;
}

bool orgs_bool(const char *value)
{
	return value && (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "on") == 0);
}

bool orgs_path_id(const struct gc_request *req, size_t index, int64_t *id)
{
	const char *text = index < GC_MAX_PATH_PARAMS ? req->path_params[index] : NULL;
	return text && gc_parse_i64(text, strlen(text), 1, INT64_MAX, id) == GC_OK;
}

/* --- answers ------------------------------------------------------------------------ */

gc_status orgs_forbidden(struct gc_request *req, const char *message_key)
{
	return gc_fail(req, 403, "forbidden", message_key, NULL);
}

bool orgs_error_shown_on_page(const struct gc_request *req)
{
	return !req->is_api && (req->err_status == 409 || req->err_status == 413 || req->err_status == 422);
}

gc_status orgs_error_into_page(struct gc_request *req, struct gc_view *view)
{
	/* "on" lets a template show the message beside its field: {{#error.on.name}}. */
	json_t *on = json_object();
	json_t *error = json_pack("{s:i, s:s?, s:s?, s:s?, s:o}", "status", req->err_status, "code", req->err_code,
				  "message", req->err_message, "field", req->err_field, "on", on);
	if (!error || json_object_set_new(view->model, "error", error) ||
	    (req->err_field && json_object_set_new(on, req->err_field, json_true())))
		return GC_ENOMEM;
	view->status = req->err_status;
	return GC_OK;
}

gc_status orgs_no_store(struct gc_request *req)
{
	return gc_add_header(req, "Cache-Control", "no-store");
}

/* --- the write transaction ------------------------------------------------------------- */

gc_status orgs_begin(struct gc_request *req, struct gc_db **db)
{
	*db = gc_request_db(req);
	if (!*db)
		return GC_EHTTP;
	gc_status status = gc_db_begin_write(*db);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return GC_OK;
}

gc_status orgs_finish(struct gc_db *db, gc_status status)
{
	if (status == GC_OK) {
		status = gc_db_commit(db);
		if (status == GC_OK)
			return GC_OK;
	}
	if (gc_db_in_transaction(db))
		gc_db_rollback(db);
	return status;
}

void orgs_rollback(struct gc_db *db)
{
	if (db && gc_db_in_transaction(db))
		gc_db_rollback(db);
}

const char *orgs_id_text(struct gc_request *req, int64_t id)
{
	return gc_arena_printf(req->arena, "%lld", (long long)id);
}

/* --- labels --------------------------------------------------------------------------- */

static const char *label_of(const struct gc_request *req, const char *prefix, const char *value,
			    const char *const *known)
{
	for (const char *const *k = known; value && *k; k++) {
		if (strcmp(*k, value) != 0)
			continue;
		char key[64];
		snprintf(key, sizeof(key), "%s%s", prefix, value);
		return gc_req_tr(req, key);
	}
	return value ? value : "";
}

const char *orgs_kind_label(const struct gc_request *req, const char *kind)
{
	static const char *const kinds[] = { "secretariat", "member_state", "observer_state", "un_body",
					     "regional_org", "stakeholder", NULL };
	return label_of(req, "organisations.kind_", kind, kinds);
}

const char *orgs_role_label(const struct gc_request *req, const char *role)
{
	static const char *const roles[] = { "admin", "editor", "reader", NULL };
	return label_of(req, "organisations.role_", role, roles);
}

const char *orgs_user_status_label(const struct gc_request *req, const char *status)
{
	static const char *const statuses[] = { "invited", "active", "disabled", NULL };
	return label_of(req, "organisations.person_status_", status, statuses);
}

const char *orgs_module_label(const struct gc_request *req, const char *name)
{
	for (size_t i = 0; i < gc_module_count; i++)
		if (strcmp(gc_modules[i]->name, name) == 0 && gc_modules[i]->title_key)
			return gc_req_tr(req, gc_modules[i]->title_key);
	return name;
}

/* --- invitations ------------------------------------------------------------------------ */

gc_status orgs_invite(struct gc_request *req, struct gc_db *db, int64_t user_id, int64_t org_id, const char *role,
		      bool new_user, int64_t now, json_t **invitation)
{
	char token[GC_INVITATION_TOKEN_SIZE];
	char expires[32];
	int64_t invitation_id = 0;
	json_t *detail = NULL;
	struct gc_buf url;
	gc_status status;

	*invitation = NULL;
	gc_buf_init(&url, 4096);
	status = gc_invitation_create(db, user_id, req->principal ? req->principal->user_id : 0, now, token,
				      &invitation_id);
	if (status != GC_OK)
		goto out;
	status = gc_invitation_url(&url, gc_req_base_url(req), token);
	if (status != GC_OK)
		goto out;
	detail = json_pack("{s:I, s:s, s:I, s:b}", "org_id", (json_int_t)org_id, "role", role, "invitation_id",
			   (json_int_t)invitation_id, "new_user", new_user);
	const char *target = orgs_id_text(req, user_id);
	if (!detail || !target) {
		status = GC_ENOMEM;
		goto out;
	}
	status = gc_req_audit(req, "user.invite", "user", target, detail);
	if (status != GC_OK)
		goto out;
	gc_clock_format_iso8601(now + GC_INVITATION_TTL_SECONDS, expires, sizeof(expires));
	*invitation = json_pack("{s:s, s:s, s:i, s:b}", "url", gc_buf_str(&url), "expires_at", expires, "valid_days",
				GC_INVITATION_TTL_SECONDS / 86400, "single_use", 1);
	if (!*invitation)
		status = GC_ENOMEM;
out:
	sodium_memzero(token, sizeof(token));
	if (url.data)
		sodium_memzero(url.data, url.cap);
	gc_buf_free(&url);
	json_decref(detail);
	return status;
}

void orgs_mail_invitation(struct gc_request *req, struct gc_db *db, int64_t user_id, json_t *invitation)
{
	struct gc_user user;
	struct gc_org org;
	bool sent = false;
	const char *url = json_string_value(json_object_get(invitation, "url"));
	if (url && gc_user_get(db, user_id, req->arena, &user) == GC_OK &&
	    gc_org_get(db, user.org_id, req->arena, &org) == GC_OK)
		gc_req_mail_invitation(req, user.email, org.name, url, &sent);
	/* The page says whether the link also went by e-mail; it is shown either way. */
	if (json_object_set_new(invitation, "mailed", json_boolean(sent)))
		gc_log(GC_LOG_WARN, "out of memory marking an invitation mailed", "{s:s}", "request_id", req->id);
}
