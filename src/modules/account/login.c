/*
 * Signing in and out: GET/POST /login (the password), GET/POST /login/mfa
 * (a TOTP code or a recovery code), POST /logout. The sequence is the one
 * auth/auth.h describes ("Wiring, for the HTTP layer"):
 *
 *   throttle check (429 + Retry-After, login.throttled) -> find the user and
 *   verify the password (against the dummy hash when there is no usable
 *   one, so time tells nothing) -> ONE write transaction holding the
 *   throttle record, the new session and login.success, or login.failure.
 *
 * Every refusal of a password says the same thing with the same status
 * (401 invalid_credentials), whether the address is unknown, the password
 * wrong, or the account invited or disabled. The MFA step counts wrong
 * codes in the same throttle, under the account's key, so codes cannot be
 * guessed without limit either.
 */
#include <sodium.h>
#include <string.h>

#include "auth/totp.h"
#include "base/buf.h"
#include "base/clock.h"
#include "modules/account/account.h"
#include "store/store.h"

/* --- shared with the other files ---------------------------------------------- */

gc_status account_drop_current_session(struct gc_request *req, struct gc_db *db)
{
	const struct gc_session_info *current = gc_req_session(req);
	if (!current)
		return GC_OK;
	gc_status status = gc_session_end(db, current->user_id, current->id);
	return status == GC_ENOTFOUND ? GC_OK : status;
}

gc_status account_resolve_new(struct gc_request *req, struct gc_db *db, const char *token,
			      struct gc_principal **principal, const char **csrf_token)
{
	struct gc_session_info info;
	*principal = NULL;
	*csrf_token = NULL;
	gc_status status = gc_session_resolve(db, token, gc_clock_now(), req->arena, principal, &info);
	if (status == GC_OK)
		*csrf_token = info.csrf_token;
	return status;
}

/* --- audit records ----------------------------------------------------------- */

gc_status account_audit(struct gc_request *req, const char *action, const struct gc_user *actor,
			     int64_t target_user, json_t *detail)
{
	if (!detail)
		return GC_ENOMEM;
	const char *target = target_user ? account_id_text(req, target_user) : NULL;
	gc_status status = target_user && !target
				   ? GC_ENOMEM
				   : gc_req_audit_as(req, actor ? actor->id : 0, actor ? actor->org_id : 0, action,
						     target_user ? "user" : NULL, target, detail);
	json_decref(detail);
	return status;
}

gc_status account_audit_throttled(struct gc_request *req, struct gc_db *db, int64_t user_id, const char *step)
{
	gc_status status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = account_audit(req, "login.throttled", NULL, user_id, json_pack("{s:s}", "step", step));
	return account_finish(db, status);
}

/* --- GET /login ----------------------------------------------------------------- */

/* The form's model: the typed address is kept, the password never. */
static gc_status login_page(struct gc_request *req, struct gc_view *view, const char *email, const char *next)
{
	gc_status status = gc_view_page(req, view, "account/login", "account.sign_in");
	if (status != GC_OK)
		return status;
	if (json_object_set_new(view->model, "email", json_string(email ? email : "")) ||
	    json_object_set_new(view->model, "next", account_next_ok(next) ? json_string(next) : json_null()))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status account_login_form(struct gc_request *req, struct gc_view *view)
{
	const char *next = gc_query(req, "next");
	/* Signed in already: nothing to do here. */
	if (req->principal)
		return account_redirect(view, account_next_or(next, "/account"), NULL);
	gc_status status = login_page(req, view, gc_query(req, "email"), next);
	if (status != GC_OK)
		return status;
	const char *notice = gc_query(req, "notice");
	if (notice) {
		const char *key = gc_arena_printf(req->arena, "account.notice_%s", notice);
		if (!key || json_object_set_new(view->model, "notice", json_string(gc_req_tr(req, key))))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* --- POST /login ---------------------------------------------------------------- */

/* Where a session waiting for MFA goes next, carrying next along. */
static const char *mfa_location(struct gc_request *req, const char *next)
{
	if (!account_next_ok(next))
		return "/login/mfa";
	struct gc_buf b;
	gc_buf_init(&b, 4 * ACCOUNT_NEXT_MAX);
	gc_buf_lit(&b, "/login/mfa?next=");
	gc_buf_url_query(&b, next, strlen(next));
	const char *location = gc_buf_error(&b) ? NULL : gc_arena_strndup(req->arena, b.data, b.len);
	gc_buf_free(&b);
	return location;
}

gc_status account_login(struct gc_request *req, struct gc_view *view)
{
	const struct gc_secrets *secrets = gc_req_secrets(req);
	char key[GC_THROTTLE_KEY_SIZE];
	char token[GC_SESSION_TOKEN_SIZE] = "";
	struct gc_session_info info = { .id = 0 };
	struct gc_user user = { .id = 0 };
	json_t *model = NULL;
	int64_t now = gc_clock_now();
	int64_t retry_after = 0;
	bool known = false, ok = false;
	const char *reason = NULL;
	size_t email_len = 0, password_len = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	const char *email = account_field(req, "email", &email_len);
	const char *password = account_field(req, "password", &password_len);
	const char *next = account_field(req, "next", NULL);
	status = login_page(req, view, email, next);
	if (status != GC_OK)
		return status;
	if (!email || email_len == 0)
		return account_refuse(req, view, 422, "invalid_field", "account.error_email_required", "email");
	if (!password || password_len == 0)
		return account_refuse(req, view, 422, "invalid_field", "account.error_password_required", "password");

	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_throttle_account_key(secrets, email, key);
	status = gc_user_find(db, email, req->arena, &user);
	if (status == GC_OK)
		known = true;
	else if (status != GC_ENOTFOUND)
		return gc_req_fail_status(req, status, NULL, NULL);

	status = gc_throttle_check(db, key, req->client_ip, now, &retry_after);
	if (status == GC_EBUSY) {
		status = account_audit_throttled(req, db, known ? user.id : 0, "password");
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		return account_refuse_throttled(req, view, retry_after);
	}
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);

	/* Only an active account with a password has a hash worth checking;
	 * every other case spends the same time on the dummy hash. */
	const char *stored = known && user.status == GC_USER_ACTIVE ? user.password_hash : NULL;
	status = gc_req_password_verify(req, stored, password, password_len);
	if (status == GC_OK && stored) {
		ok = true;
	} else if (status == GC_OK || status == GC_EINVAL || status == GC_ENOTFOUND) {
		reason = !known                           ? "unknown_account"
			 : user.status == GC_USER_DISABLED ? "disabled"
			 : user.status == GC_USER_INVITED  ? "invited"
			 : !user.password_hash             ? "no_password"
							   : "wrong_password";
	} else {
		return gc_req_fail_status(req, status, NULL, NULL);
	}

	status = gc_db_begin_write(db);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	if (ok) {
		/* A new session at every login (A5): a token planted before is worthless. */
		status = gc_session_create(db, user.id, req->client_ip, gc_header(req, "User-Agent"), now, req->arena,
					   token, &info);
		if (status == GC_ENOTFOUND) {
			/* The organisation is disabled: a failure like any other. */
			ok = false;
			reason = "inactive";
			status = GC_OK;
		} else if (status == GC_OK) {
			status = account_drop_current_session(req, db);
		}
	}
	if (status == GC_OK)
		status = gc_throttle_record(db, key, req->client_ip, ok, now);
	if (status == GC_OK && ok)
		status = account_audit(req, "login.success", &user, user.id,
				     json_pack("{s:b}", "mfa_pending", !info.mfa_passed));
	else if (status == GC_OK)
		status = account_audit(req, "login.failure", NULL, known ? user.id : 0,
				     json_pack("{s:s, s:s}", "step", "password", "reason", reason));
	status = account_finish(db, status);
	if (status != GC_OK) {
		sodium_memzero(token, sizeof(token));
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	if (!ok)
		return account_refuse(req, view, 401, "invalid_credentials", "account.error_invalid_credentials", NULL);

	status = gc_req_set_session_cookie(req, token);
	sodium_memzero(token, sizeof(token));
	if (status != GC_OK)
		return status;
	if (!info.mfa_passed) {
		model = json_pack("{s:b, s:b, s:s}", "mfa_required", true, "mfa_enrolled", info.mfa_enrolled,
				  "csrf_token", info.csrf_token);
		if (!model)
			return GC_ENOMEM;
		return account_redirect(view, mfa_location(req, next), model);
	}
	struct gc_principal *principal = NULL;
	status = gc_principal_load(db, user.id, req->arena, &principal);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	principal->session_id = info.id;
	principal->csrf_token = info.csrf_token;
	principal->via_token = false;
	status = account_me_model(req, db, principal, &model);
	if (status != GC_OK)
		return status;
	if (json_object_set_new(model, "mfa_required", json_false())) {
		json_decref(model);
		return GC_ENOMEM;
	}
	return account_redirect(view, account_next_or(next, "/account"), model);
}

/* --- GET and POST /login/mfa ---------------------------------------------------- */

static gc_status mfa_page(struct gc_request *req, struct gc_view *view, const char *next)
{
	gc_status status = gc_view_page(req, view, "account/login_mfa", "account.mfa_title");
	if (status != GC_OK)
		return status;
	if (json_object_set_new(view->model, "next", account_next_ok(next) ? json_string(next) : json_null()) ||
	    json_object_set_new(view->model, "mfa_required", json_true()) ||
	    json_object_set_new(view->model, "mfa_enrolled", json_true()))
		return GC_ENOMEM;
	return GC_OK;
}

/*
 * Where a session that is not waiting for a code goes instead: past MFA
 * already (to the account), or without a seed yet (to enrolment).
 * *session is the caller's session; GC_DECLINED when it should see the form.
 */
static gc_status mfa_elsewhere(struct gc_request *req, struct gc_view *view, const char *next,
			       const struct gc_session_info **session)
{
	*session = gc_req_session(req);
	if (!*session)
		return gc_fail(req, 403, "forbidden", "account.error_session_only", NULL);
	if ((*session)->mfa_passed)
		return account_redirect(view, account_next_or(next, "/account"), NULL);
	if (!(*session)->mfa_enrolled)
		return account_redirect(view, "/account/mfa/enrol", NULL);
	return GC_DECLINED;
}

gc_status account_mfa_form(struct gc_request *req, struct gc_view *view)
{
	const struct gc_session_info *session;
	const char *next = gc_query(req, "next");
	gc_status status = mfa_elsewhere(req, view, next, &session);
	if (status != GC_DECLINED)
		return status;
	return mfa_page(req, view, next);
}

gc_status account_mfa(struct gc_request *req, struct gc_view *view)
{
	const struct gc_secrets *secrets = gc_req_secrets(req);
	const struct gc_session_info *session;
	char key[GC_THROTTLE_KEY_SIZE];
	char new_token[GC_SESSION_TOKEN_SIZE] = "";
	unsigned char secret[GC_TOTP_SECRET_BYTES];
	char digits[GC_TOTP_DIGITS + 1] = "";
	struct gc_user user;
	int64_t now = gc_clock_now();
	int64_t retry_after = 0, step = 0;
	const char **hashes = NULL;
	int64_t *code_ids = NULL;
	size_t n_codes = 0, index = 0;
	bool ok = false;
	const char *reason = "wrong_code";
	json_t *model = NULL;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	const char *next = account_field(req, "next", NULL);
	status = mfa_elsewhere(req, view, next, &session);
	if (status != GC_DECLINED)
		return status;
	status = mfa_page(req, view, next);
	if (status != GC_OK)
		return status;
	const char *code = account_field(req, "code", NULL);
	const char *recovery = account_field(req, "recovery_code", NULL);
	if (code && !*code)
		code = NULL;
	if (recovery && !*recovery)
		recovery = NULL;
	if (!code && !recovery)
		return account_refuse(req, view, 422, "invalid_field", "account.error_code_required", "code");
	const char *field = code ? "code" : "recovery_code";
	const char *method = code ? "totp" : "recovery";

	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, session->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	gc_throttle_account_key(secrets, user.email, key);
	status = gc_throttle_check(db, key, req->client_ip, now, &retry_after);
	if (status == GC_EBUSY) {
		status = account_audit_throttled(req, db, user.id, "mfa");
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		return account_refuse_throttled(req, view, retry_after);
	}
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);

	if (code) {
		if (!user.totp_secret)
			return GC_EDB; /* mfa_enrolled said there is one: the row changed under us */
		if (account_code_digits(code, digits)) {
			if (gc_totp_open(secrets, user.totp_secret, secret) != GC_OK)
				return GC_EIO; /* sealed under another key: the operator must look */
			status = gc_totp_verify(secret, digits, now, user.totp_last_step, &step);
			sodium_memzero(secret, sizeof(secret));
			if (status == GC_OK)
				ok = true;
			else if (status == GC_ECONFLICT)
				reason = "replayed_code";
			else if (status != GC_EINVAL)
				return status;
		}
		sodium_memzero(digits, sizeof(digits));
	} else {
		status = gc_recovery_codes_unused(db, user.id, req->arena, &hashes, &code_ids, &n_codes);
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		status = gc_recovery_verify(secrets, recovery, hashes, n_codes, &index);
		if (status == GC_OK)
			ok = true;
		else if (status != GC_ENOTFOUND && status != GC_EINVAL)
			return status;
	}

	status = gc_db_begin_write(db);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	if (ok) {
		/* Atomic across nodes: the same code or recovery code used twice
		 * at once is accepted once (GC_ECONFLICT / GC_ENOTFOUND). */
		status = code ? gc_user_totp_step(db, user.id, step) : gc_recovery_code_use(db, code_ids[index], now);
		if (status == GC_ECONFLICT || (!code && status == GC_ENOTFOUND)) {
			ok = false;
			reason = code ? "replayed_code" : "used_recovery_code";
			status = GC_OK;
		}
	}
	if (status == GC_OK && ok) {
		status = gc_session_mark_mfa(db, session->id, now, new_token);
		if (status == GC_ENOTFOUND) {
			/* Ended or expired meanwhile, or passed by a parallel request. */
			ok = false;
			reason = "session_gone";
			status = GC_OK;
		}
	}
	if (status == GC_OK)
		status = gc_throttle_record(db, key, req->client_ip, ok, now);
	if (status == GC_OK && ok)
		status = account_audit(req, "login.mfa", &user, user.id, json_pack("{s:s}", "method", method));
	else if (status == GC_OK)
		status = account_audit(req, "login.failure", NULL, user.id,
				     json_pack("{s:s, s:s, s:s}", "step", "mfa", "method", method, "reason", reason));
	status = account_finish(db, status);
	if (status != GC_OK) {
		sodium_memzero(new_token, sizeof(new_token));
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	if (!ok)
		return account_refuse(req, view, 401, "invalid_code", "account.error_invalid_code", field);

	status = gc_req_set_session_cookie(req, new_token);
	struct gc_principal *principal = NULL;
	const char *csrf = NULL;
	if (status == GC_OK)
		status = account_resolve_new(req, db, new_token, &principal, &csrf);
	sodium_memzero(new_token, sizeof(new_token));
	if (status != GC_OK || !principal)
		return gc_req_fail_status(req, status == GC_OK ? GC_EDB : status, NULL, NULL);
	status = account_me_model(req, db, principal, &model);
	if (status != GC_OK)
		return status;
	return account_redirect(view, account_next_or(next, "/account"), model);
}

/* --- POST /logout --------------------------------------------------------------- */

gc_status account_logout(struct gc_request *req, struct gc_view *view)
{
	struct gc_user user;
	int64_t ended = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	const struct gc_session_info *session = gc_req_session(req);
	if (!session)
		return gc_fail(req, 403, "forbidden", "account.error_session_only", NULL);
	/* "everywhere": every session of the user ends, not only this one. */
	const char *everywhere = account_field(req, "everywhere", NULL);
	bool all = everywhere && (strcmp(everywhere, "1") == 0 || strcmp(everywhere, "true") == 0 ||
				  strcmp(everywhere, "on") == 0);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, session->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	status = gc_db_begin_write(db);
	if (status == GC_OK) {
		if (all) {
			status = gc_session_end_all(db, user.id, 0, &ended);
		} else {
			status = gc_session_end(db, user.id, session->id);
			ended = status == GC_OK ? 1 : 0;
			if (status == GC_ENOTFOUND)
				status = GC_OK;
		}
	}
	if (status == GC_OK)
		status = account_audit(req, "logout", &user, user.id, json_pack("{s:I}", "sessions", (json_int_t)ended));
	status = account_finish(db, status);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	status = gc_req_clear_session_cookie(req);
	if (status != GC_OK)
		return status;
	json_t *model = json_pack("{s:b, s:I}", "signed_out", true, "sessions_ended", (json_int_t)ended);
	if (!model)
		return GC_ENOMEM;
	return account_redirect(view, "/", model);
}
