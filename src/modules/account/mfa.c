/*
 * TOTP enrolment (GET/POST /account/mfa/enrol) and new recovery codes
 * (POST /account/recovery-codes), as auth/totp.h describes them.
 *
 * The new secret is kept between the page and its form without any server
 * state: the page carries gc_totp_seal()'s text in the hidden field
 * "enrolment" (encrypted and authenticated under the portal's TOTP key, so
 * the browser can neither read nor alter it), and the POST opens it. It is
 * stored only once a code made from it has been verified.
 *
 * Who may enrol: a session waiting for MFA whose user has no seed yet (the
 * first sign-in of a state's person: the password was just proven), and a
 * signed-in person enrolling (optional for some kinds of organisation) or
 * replacing the seed, who is asked for the current password too: a session
 * left open must not be enough to put the attacker's authenticator on the
 * account, which would lock its owner out. A session waiting for a code from
 * an existing seed is sent to /login/mfa: enrolling anew would skip it.
 *
 * Secrets (the seed, its base32 text, the otpauth URI, the recovery codes)
 * are wiped from this module's buffers once the answer's model is built;
 * every such answer is sent with Cache-Control: no-store.
 */
#include <sodium.h>
#include <string.h>

#include "auth/qr.h"
#include "auth/totp.h"
#include "base/buf.h"
#include "base/clock.h"
#include "modules/account/account.h"
#include "store/store.h"

/* Bytes of an otpauth URI: its fixed text, the secret and an escaped address. */
#define URI_MAX (256 + 3 * GC_EMAIL_MAX)
/* Bytes of the QR code's SVG. */
#define SVG_MAX (256 * 1024)

static void buf_wipe(struct gc_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	gc_buf_free(b);
}

/* The session allowed to enrol, or a redirect/refusal (GC_DECLINED means: go on). */
static gc_status enrol_guard(struct gc_request *req, struct gc_view *view, const struct gc_session_info **session)
{
	*session = gc_req_session(req);
	if (!*session)
		return gc_fail(req, 403, "forbidden", "account.error_session_only", NULL);
	if (!(*session)->mfa_passed && (*session)->mfa_enrolled)
		return account_redirect(view, "/login/mfa", NULL);
	return GC_DECLINED;
}

/* "ABCD EFGH ..." for reading aloud and typing. */
static json_t *grouped(const char *b32)
{
	char out[GC_TOTP_BASE32_SIZE + GC_TOTP_BASE32_SIZE / 4];
	size_t n = 0;
	for (size_t i = 0; b32[i]; i++) {
		if (i > 0 && i % 4 == 0)
			out[n++] = ' ';
		out[n++] = b32[i];
	}
	out[n] = '\0';
	json_t *s = json_string(out);
	sodium_memzero(out, sizeof(out));
	return s;
}

/* The enrolment page for secret, whose model is also the API's answer. */
static gc_status enrol_page(struct gc_request *req, struct gc_view *view, const struct gc_user *user,
			    const struct gc_session_info *session, const unsigned char secret[GC_TOTP_SECRET_BYTES])
{
	char b32[GC_TOTP_BASE32_SIZE];
	char sealed[GC_TOTP_SEALED_SIZE];
	struct gc_buf uri, svg;
	gc_buf_init(&uri, URI_MAX);
	gc_buf_init(&svg, SVG_MAX);
	gc_totp_base32(secret, b32);
	gc_status status = account_no_store(req);
	if (status == GC_OK)
		status = gc_view_page(req, view, "account/mfa_enrol", "account.enrol_title");
	if (status == GC_OK)
		status = gc_totp_uri(secret, user->email, &uri);
	if (status == GC_OK)
		status = gc_totp_seal(gc_req_secrets(req), secret, sealed);
	if (status == GC_OK && !req->is_api)
		status = gc_qr_svg(&svg, gc_buf_str(&uri), gc_req_tr(req, "account.enrol_qr_label"));
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	json_t *m = view->model;
	if (json_object_set_new(m, "enrolment", json_string(sealed)) || json_object_set_new(m, "secret", json_string(b32)) ||
	    json_object_set_new(m, "otpauth_uri", json_stringn(uri.data, uri.len)) ||
	    json_object_set_new(m, "replacing", json_boolean(user->mfa_enabled)) ||
	    json_object_set_new(m, "pending", json_boolean(!session->mfa_passed)) ||
	    json_object_set_new(m, "needs_password", json_boolean(session->mfa_passed)))
		goto out;
	if (!req->is_api && (json_object_set_new(m, "qr_svg", json_stringn(svg.data, svg.len)) ||
			     json_object_set_new(m, "secret_display", grouped(b32))))
		goto out;
	status = GC_OK;
out:
	sodium_memzero(b32, sizeof(b32));
	sodium_memzero(sealed, sizeof(sealed));
	buf_wipe(&uri);
	buf_wipe(&svg);
	return status;
}

gc_status account_enrol_form(struct gc_request *req, struct gc_view *view)
{
	const struct gc_session_info *session;
	struct gc_user user;
	unsigned char secret[GC_TOTP_SECRET_BYTES];
	gc_status status = enrol_guard(req, view, &session);
	if (status != GC_DECLINED)
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, session->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	gc_totp_new_secret(secret);
	status = enrol_page(req, view, &user, session, secret);
	sodium_memzero(secret, sizeof(secret));
	return status;
}

/* The page (or the API's answer) that shows new recovery codes once. */
static gc_status codes_page(struct gc_request *req, struct gc_view *view, const struct gc_recovery_codes *codes,
			    const char *csrf_token)
{
	gc_status status = account_no_store(req);
	if (status == GC_OK)
		status = gc_view_page(req, view, "account/recovery_codes", "account.recovery_title");
	if (status != GC_OK)
		return status;
	json_t *list = json_array();
	if (!list || json_object_set_new(view->model, "recovery_codes", list))
		return GC_ENOMEM;
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		if (json_array_append_new(list, json_string(codes->plain[i])))
			return GC_ENOMEM;
	if (csrf_token && json_object_set_new(view->model, "csrf_token", json_string(csrf_token)))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status account_enrol(struct gc_request *req, struct gc_view *view)
{
	const struct gc_secrets *secrets = gc_req_secrets(req);
	const struct gc_session_info *session;
	struct gc_user user;
	struct gc_recovery_codes codes;
	unsigned char secret[GC_TOTP_SECRET_BYTES];
	char digits[GC_TOTP_DIGITS + 1] = "";
	char new_token[GC_SESSION_TOKEN_SIZE] = "";
	const char *hashes[GC_RECOVERY_CODE_COUNT];
	int64_t now = gc_clock_now();
	int64_t step = 0;
	bool refused = false;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	status = enrol_guard(req, view, &session);
	if (status != GC_DECLINED)
		return status;
	bool pending = !session->mfa_passed;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, session->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);

	const char *enrolment = account_field(req, "enrolment", NULL);
	if (!enrolment || gc_totp_open(secrets, enrolment, secret) != GC_OK) {
		/* Not a text this portal sealed: start again with a new secret. */
		if (req->is_api)
			return gc_fail(req, 422, "invalid_field", "account.error_enrolment_invalid", "enrolment");
		gc_totp_new_secret(secret);
		status = enrol_page(req, view, &user, session, secret);
		sodium_memzero(secret, sizeof(secret));
		if (status != GC_OK)
			return status;
		return account_refuse(req, view, 422, "invalid_field", "account.error_enrolment_invalid", NULL);
	}
	/* The page again with the same secret, should the form be refused. */
	status = enrol_page(req, view, &user, session, secret);
	if (status != GC_OK)
		goto out;
	if (!pending) {
		status = account_check_password(req, view, db, &user, "current_password", account_refuse, &refused);
		if (refused || status != GC_OK)
			goto out;
	}
	if (!account_code_digits(account_field(req, "code", NULL), digits) ||
	    gc_totp_verify(secret, digits, now, 0, &step) != GC_OK) {
		status = account_refuse(req, view, 422, "invalid_code", "account.error_invalid_code", "code");
		goto out;
	}

	gc_recovery_generate(secrets, &codes);
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		hashes[i] = codes.hash[i];
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_user_mfa_enrol(db, user.id, enrolment, step, hashes, GC_RECOVERY_CODE_COUNT, now);
	if (status == GC_OK)
		status = account_audit(req, "user.mfa_enrol", &user, user.id,
				       json_pack("{s:b, s:b}", "replaced", user.mfa_enabled, "at_sign_in", pending));
	if (status == GC_OK && pending) {
		/* The sign-in's second step is this code: the session passes MFA
		 * and gets a new token, as at /login/mfa. */
		status = gc_session_mark_mfa(db, session->id, now, new_token);
		if (status == GC_OK)
			status = account_audit(req, "login.mfa", &user, user.id,
					       json_pack("{s:s, s:b}", "method", "totp", "enrolment", true));
	}
	status = account_finish(db, status);
	if (status != GC_OK) {
		status = gc_req_fail_status(req, status, NULL, NULL);
		goto wipe_codes;
	}
	const char *csrf = NULL;
	if (pending) {
		struct gc_principal *principal = NULL;
		status = gc_req_set_session_cookie(req, new_token);
		if (status == GC_OK)
			status = account_resolve_new(req, db, new_token, &principal, &csrf);
		if (status != GC_OK) {
			status = gc_req_fail_status(req, status, NULL, NULL);
			goto wipe_codes;
		}
	}
	status = codes_page(req, view, &codes, csrf);
wipe_codes:
	gc_recovery_codes_wipe(&codes);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(digits, sizeof(digits));
	sodium_memzero(new_token, sizeof(new_token));
	return status;
}

gc_status account_recovery_renew(struct gc_request *req, struct gc_view *view)
{
	const struct gc_secrets *secrets = gc_req_secrets(req);
	const struct gc_principal *p = req->principal;
	struct gc_user user;
	struct gc_recovery_codes codes;
	unsigned char secret[GC_TOTP_SECRET_BYTES];
	char digits[GC_TOTP_DIGITS + 1] = "";
	char key[GC_THROTTLE_KEY_SIZE];
	const char *hashes[GC_RECOVERY_CODE_COUNT];
	int64_t now = gc_clock_now();
	int64_t step = 0, retry_after = 0;
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (p->via_token)
		return gc_fail(req, 403, "forbidden", "account.error_session_only", NULL);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = gc_user_get(db, p->user_id, req->arena, &user);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	if (!user.mfa_enabled || !user.totp_secret)
		return account_refuse_overview(req, view, 409, "conflict", "account.error_mfa_not_enrolled", "code");

	gc_throttle_account_key(secrets, user.email, key);
	status = gc_throttle_check(db, key, req->client_ip, now, &retry_after);
	if (status == GC_EBUSY) {
		status = account_audit_throttled(req, db, user.id, "recovery_codes");
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		if (!req->is_api && (status = account_overview(req, view)) != GC_OK)
			return status;
		return account_refuse_throttled(req, view, retry_after);
	}
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	bool ok = false;
	if (account_code_digits(account_field(req, "code", NULL), digits)) {
		if (gc_totp_open(secrets, user.totp_secret, secret) != GC_OK)
			return GC_EIO;
		status = gc_totp_verify(secret, digits, now, user.totp_last_step, &step);
		sodium_memzero(secret, sizeof(secret));
		sodium_memzero(digits, sizeof(digits));
		if (status == GC_OK)
			ok = true;
		else if (status != GC_EINVAL && status != GC_ECONFLICT)
			return status;
	}
	if (!ok) {
		status = gc_db_begin_write(db);
		if (status == GC_OK)
			status = gc_throttle_record(db, key, req->client_ip, false, now);
		if (status == GC_OK)
			status = account_audit(req, "login.failure", NULL, user.id,
					       json_pack("{s:s, s:s}", "step", "recovery_codes", "reason", "wrong_code"));
		status = account_finish(db, status);
		if (status != GC_OK)
			return gc_req_fail_status(req, status, NULL, NULL);
		return account_refuse_overview(req, view, 422, "invalid_code", "account.error_invalid_code", "code");
	}

	gc_recovery_generate(secrets, &codes);
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		hashes[i] = codes.hash[i];
	status = gc_db_begin_write(db);
	/* The stored seed again, with the step of this code as the last one
	 * used: the new list replaces the old one. */
	if (status == GC_OK)
		status = gc_user_totp_step(db, user.id, step);
	if (status == GC_OK)
		status = gc_user_mfa_enrol(db, user.id, user.totp_secret, step, hashes, GC_RECOVERY_CODE_COUNT, now);
	if (status == GC_OK)
		status = gc_throttle_record(db, key, req->client_ip, true, now);
	if (status == GC_OK)
		status = account_audit(req, "user.mfa_enrol", &user, user.id,
				       json_pack("{s:s}", "change", "new_recovery_list"));
	status = account_finish(db, status);
	if (status == GC_ECONFLICT)
		status = account_refuse_overview(req, view, 422, "invalid_code", "account.error_invalid_code", "code");
	else if (status != GC_OK)
		status = gc_req_fail_status(req, status, NULL, NULL);
	else
		status = codes_page(req, view, &codes, NULL);
	gc_recovery_codes_wipe(&codes);
	return status;
}
