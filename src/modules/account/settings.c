/*
 * Changes to one's own account, from the forms of /account: the password,
 * the sessions, the API tokens. Each is one write transaction with its
 * audit record; a browser is sent back to /account with a notice, the API
 * gets a small model.
 *
 * The password and new tokens need a browser session: an API token may not
 * change its user's password nor mint further tokens (403 forbidden), so a
 * leaked token cannot be turned into a lasting hold on the account.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "modules/account/account.h"
#include "store/store.h"

gc_status account_refuse_overview(struct gc_request *req, struct gc_view *view, int status, const char *code,
				  const char *message_key, const char *field)
{
	if (req->is_api)
		return gc_fail(req, status, code, message_key, field);
	gc_status st = account_overview(req, view);
	if (st != GC_OK)
		return st;
	return account_refuse(req, view, status, code, message_key, field);
}

gc_status account_check_password(struct gc_request *req, struct gc_view *view, struct gc_db *db,
				 const struct gc_user *user, const char *field, account_refuse_fn refuse, bool *refused)
{
	char key[GC_THROTTLE_KEY_SIZE];
	char seconds[24];
	int64_t now = gc_clock_now();
	int64_t retry_after = 0;
	size_t len = 0;
	*refused = true;
	const char *password = account_field(req, field, &len);
	if (!password || len == 0)
		return refuse(req, view, 422, "invalid_field", "account.error_password_required", field);
	gc_throttle_account_key(gc_req_secrets(req), user->email, key);
	gc_status status = gc_throttle_check(db, key, req->client_ip, now, &retry_after);
	if (status == GC_EBUSY) {
		status = account_audit_throttled(req, db, user->id, "password_check");
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		snprintf(seconds, sizeof(seconds), "%lld", (long long)(retry_after > 0 ? retry_after : 1));
		status = gc_add_header(req, "Retry-After", seconds);
		if (status != GC_OK)
			return status;
		return refuse(req, view, 429, "too_many_attempts", "account.error_too_many_attempts", NULL);
	}
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	status = gc_req_password_verify(req, user->password_hash, password, len);
	if (status == GC_OK && user->password_hash) {
		*refused = false;
		return GC_OK;
	}
	if (status != GC_OK && status != GC_EINVAL && status != GC_ENOTFOUND)
		return gc_req_fail_status(req, status, NULL, NULL);
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_throttle_record(db, key, req->client_ip, false, now);
	if (status == GC_OK)
		status = account_audit(req, "login.failure", NULL, user->id,
				       json_pack("{s:s, s:s}", "step", "password_check", "reason", "wrong_password"));
	status = account_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return refuse(req, view, 422, "invalid_field", "account.error_current_password", field);
}

/* The signed-in principal of a session; a refusal for tokens and anonymous callers. */
static gc_status session_principal(struct gc_request *req, const struct gc_principal **p)
{
	*p = req->principal;
	if (!*p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if ((*p)->via_token)
		return gc_fail(req, 403, "forbidden", "account.error_session_only", NULL);
	return GC_OK;
}

/* An audit record by the principal [caller's transaction]; detail taken (may be NULL). */
static gc_status audit_mine(struct gc_request *req, const char *action, const char *target_type, int64_t target_id,
			    json_t *detail)
{
	const char *target = account_id_text(req, target_id);
	gc_status status = target ? gc_req_audit(req, action, target_type, target, detail) : GC_ENOMEM;
	json_decref(detail);
	return status;
}

/* /account?notice=<notice>, and model (taken) for the API. */
static gc_status back_to_account(struct gc_request *req, struct gc_view *view, const char *notice, json_t *model)
{
	if (!model)
		return GC_ENOMEM;
	return account_redirect(view, gc_arena_printf(req->arena, "/account?notice=%s", notice), model);
}

/* --- POST /account/password ---------------------------------------------------- */

gc_status account_password_change(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p;
	struct gc_user user;
	struct gc_session_info info;
	char token[GC_SESSION_TOKEN_SIZE] = "";
	char final_token[GC_SESSION_TOKEN_SIZE] = "";
	const char *reason = NULL;
	size_t len = 0, confirm_len = 0;
	int64_t now = gc_clock_now();
	bool refused = false;
	gc_status status = account_input_check(req);
	if (status == GC_OK)
		status = session_principal(req, &p);
	if (status != GC_OK)
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, p->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	const char *password = account_field(req, "new_password", &len);
	const char *confirm = account_field(req, "new_password_confirm", &confirm_len);
	if (!password || len == 0)
		return account_refuse_overview(req, view, 422, "invalid_field", "account.error_password_required",
					       "new_password");
	if (!confirm || confirm_len != len || memcmp(confirm, password, len) != 0)
		return account_refuse_overview(req, view, 422, "invalid_field", "account.error_password_mismatch",
					       "new_password_confirm");
	status = account_check_password(req, view, db, &user, "current_password", account_refuse_overview, &refused);
	if (refused || status != GC_OK)
		return status;

	/*
	 * Every session of the user ends, this one included, and the browser
	 * gets a fresh one (A5: a new token after the change). The data layer
	 * has no "rotate" call, so the fresh session is created and, as this
	 * one had passed MFA (it has a principal) and the current password was
	 * just proven, marked as past MFA at once: two calls, one transaction.
	 * API tokens are separate credentials and stay (an invitation reset is
	 * what revokes them).
	 */
	gc_req_password_slot_take(req);
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_user_set_password(db, gc_req_secrets(req), user.id, password, len, gc_req_password_cost(req),
					      0, now, &reason);
	if (status == GC_OK)
		status = gc_session_create(db, user.id, req->client_ip, gc_header(req, "User-Agent"), now, req->arena,
					   token, &info);
	if (status == GC_OK) {
		if (info.mfa_passed) {
			memcpy(final_token, token, sizeof(final_token));
		} else {
			status = gc_session_mark_mfa(db, info.id, now, final_token);
		}
	}
	if (status == GC_OK)
		status = audit_mine(req, "user.password", "user", user.id, json_pack("{s:s}", "via", "account"));
	status = account_finish(db, status);
	gc_req_password_slot_give(req);
	sodium_memzero(token, sizeof(token));
	if (status == GC_EINVAL && reason) {
		sodium_memzero(final_token, sizeof(final_token));
		return account_refuse_overview(req, view, 422, "invalid_field", reason, "new_password");
	}
	if (status != GC_OK) {
		sodium_memzero(final_token, sizeof(final_token));
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	struct gc_principal *fresh = NULL;
	const char *csrf = NULL;
	status = gc_req_set_session_cookie(req, final_token);
	if (status == GC_OK)
		status = account_resolve_new(req, db, final_token, &fresh, &csrf);
	sodium_memzero(final_token, sizeof(final_token));
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return back_to_account(req, view, "password_changed",
			       json_pack("{s:b, s:s?}", "password_changed", true, "csrf_token", csrf));
}

/* --- POST /account/sessions/{id}/end and /account/sessions/end-others ------------- */

gc_status account_session_end(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!account_parse_id(req->path_params[0], &id))
		return gc_fail_not_found(req);
	bool current = !p->via_token && id == p->session_id;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_db_begin_write(db);
	/* Only one's own sessions: another's is GC_ENOTFOUND, a 404. */
	if (status == GC_OK)
		status = gc_session_end(db, p->user_id, id);
	if (status == GC_OK)
		status = audit_mine(req, "logout", "user", p->user_id,
				    json_pack("{s:i, s:b}", "sessions", 1, "current", current));
	status = account_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	json_t *model = json_pack("{s:i, s:b}", "ended", 1, "current", current);
	if (current) {
		status = gc_req_clear_session_cookie(req);
		if (status != GC_OK) {
			json_decref(model);
			return status;
		}
		return model ? account_redirect(view, "/", model) : GC_ENOMEM;
	}
	return back_to_account(req, view, "session_ended", model);
}

gc_status account_sessions_end_others(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t ended = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_session_end_all(db, p->user_id, p->via_token ? 0 : p->session_id, &ended);
	if (status == GC_OK)
		status = audit_mine(req, "logout", "user", p->user_id,
				    json_pack("{s:I, s:b}", "sessions", (json_int_t)ended, "current", false));
	status = account_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return back_to_account(req, view, "sessions_ended", json_pack("{s:I}", "ended", (json_int_t)ended));
}

/* --- POST /account/tokens and /account/tokens/{id}/revoke ---------------------- */

/* Days a new token lives when the form does not say: the form's own default. */
#define DEFAULT_TOKEN_DAYS 90

gc_status account_token_create(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p;
	char token[GC_API_TOKEN_SIZE] = "";
	int64_t id = 0;
	int64_t now = gc_clock_now();
	gc_status status = account_input_check(req);
	if (status == GC_OK)
		status = session_principal(req, &p);
	if (status != GC_OK)
		return status;
	const char *name = account_field(req, "name", NULL);
	int64_t days = account_field_int(req, "expires_days", DEFAULT_TOKEN_DAYS);
	if (!name || !*name)
		return account_refuse_overview(req, view, 422, "invalid_field", "account.error_token_name", "name");
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_token_create(db, p->user_id, name, days, now, token, &id);
	if (status == GC_OK)
		status = audit_mine(req, "token.create", "api_token", id,
				    json_pack("{s:I}", "expires_days", (json_int_t)days));
	status = account_finish(db, status);
	if (status == GC_EINVAL) {
		sodium_memzero(token, sizeof(token));
		return account_refuse_overview(req, view, 422, "invalid_field", "account.error_token_name", "name");
	}
	if (status != GC_OK) {
		sodium_memzero(token, sizeof(token));
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	status = account_no_store(req);
	if (status == GC_OK)
		status = gc_view_page(req, view, "account/token_created", "account.token_created_title");
	if (status == GC_OK &&
	    (json_object_set_new(view->model, "token", json_string(token)) ||
	     json_object_set_new(view->model, "id", json_integer((json_int_t)id)) ||
	     json_object_set_new(view->model, "name", json_string(name)) ||
	     json_object_set_new(view->model, "expires_days", json_integer((json_int_t)days))))
		status = GC_ENOMEM;
	sodium_memzero(token, sizeof(token));
	return status;
}

gc_status account_token_revoke(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = 0, owner = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!account_parse_id(req->path_params[0], &id))
		return gc_fail_not_found(req);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_token_revoke(db, p, id, gc_clock_now(), &owner);
	/* An admin may revoke others' tokens elsewhere; here, only one's own. */
	if (status == GC_OK && owner != p->user_id)
		status = GC_ENOTFOUND;
	if (status == GC_OK)
		status = audit_mine(req, "token.revoke", "api_token", id, json_pack("{s:s}", "via", "account"));
	status = account_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return back_to_account(req, view, "token_revoked", json_pack("{s:b, s:I}", "revoked", true, "id", (json_int_t)id));
}
