/*
 * Accepting an invitation (or a reset, which is an invitation to an active
 * account): GET /invitations/{token} shows whose it is and the password
 * rules, POST sets the password. One write transaction, as
 * auth/invitations.h says: consume, set the password, revoke every API
 * token, user.password; a password the policy refuses rolls it all back, so
 * the link stays usable. Anything wrong with the link (unknown, expired,
 * used, a disabled account) is the same 404.
 *
 * The token is in the path, so these answers are never stored
 * (Cache-Control: no-store) and the Referrer-Policy keeps it on this site.
 */
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "modules/account/account.h"
#include "store/store.h"

static gc_status invitation_page(struct gc_request *req, struct gc_view *view, const struct gc_invitation *inv)
{
	gc_status status = account_no_store(req);
	if (status == GC_OK)
		status = gc_view_page(req, view, "account/invitation", "account.invitation_title");
	if (status != GC_OK)
		return status;
	json_t *rules = json_pack("{s:i, s:i}", "min_chars", GC_PASSWORD_MIN_CHARS, "max_chars",
				  GC_PASSWORD_MAX_CHARS);
	if (!rules || json_object_set_new(view->model, "rules", rules) ||
	    json_object_set_new(view->model, "email", json_string(inv->email)) ||
	    json_object_set_new(view->model, "name", inv->user_name ? json_string(inv->user_name) : json_null()) ||
	    json_object_set_new(view->model, "organisation", json_string(inv->org_name)) ||
	    json_object_set_new(view->model, "reset", json_boolean(inv->user_status == GC_USER_ACTIVE)))
		return GC_ENOMEM;
	return GC_OK;
}

/* Looks the link up; a 404 (GC_EHTTP) for anything but a live invitation. */
static gc_status lookup(struct gc_request *req, struct gc_db *db, struct gc_invitation *inv)
{
	const char *token = req->path_params[0];
	if (!token || !gc_auth_token_well_formed(token, strlen(token)))
		return gc_fail_not_found(req);
	gc_status status = gc_invitation_lookup(db, token, gc_clock_now(), req->arena, inv);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return GC_OK;
}

gc_status account_invitation_form(struct gc_request *req, struct gc_view *view)
{
	struct gc_invitation inv;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status status = lookup(req, db, &inv);
	if (status != GC_OK)
		return status;
	return invitation_page(req, view, &inv);
}

/* /login?email=...&notice=password_set */
static const char *login_location(struct gc_request *req, const char *email)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024);
	gc_buf_lit(&b, "/login?email=");
	gc_buf_url_query(&b, email, strlen(email));
	gc_buf_lit(&b, "&notice=password_set");
	const char *location = gc_buf_error(&b) ? NULL : gc_arena_strndup(req->arena, b.data, b.len);
	gc_buf_free(&b);
	return location;
}

gc_status account_invitation_accept(struct gc_request *req, struct gc_view *view)
{
	struct gc_invitation inv;
	int64_t user_id = 0, revoked = 0;
	const char *reason = NULL;
	size_t len = 0, confirm_len = 0;
	int64_t now = gc_clock_now();
	gc_status status = account_input_check(req);
	if (status != GC_OK)
		return status;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	status = lookup(req, db, &inv);
	if (status != GC_OK)
		return status;
	status = invitation_page(req, view, &inv);
	if (status != GC_OK)
		return status;
	const char *password = account_field(req, "password", &len);
	const char *confirm = account_field(req, "password_confirm", &confirm_len);
	if (!password || len == 0)
		return account_refuse(req, view, 422, "invalid_field", "account.error_password_required", "password");
	if (!confirm || confirm_len != len || memcmp(confirm, password, len) != 0)
		return account_refuse(req, view, 422, "invalid_field", "account.error_password_mismatch",
				      "password_confirm");

	/* The Argon2 slot is taken before the write lock, so no writer waits
	 * on a queue of hashes. */
	gc_req_password_slot_take(req);
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_invitation_consume(db, req->path_params[0], now, &user_id);
	if (status == GC_OK)
		status = gc_user_set_password(db, gc_req_secrets(req), user_id, password, len, gc_req_password_cost(req),
					      0, now, &reason);
	if (status == GC_OK)
		status = gc_token_revoke_all(db, user_id, now, &revoked);
	if (status == GC_OK) {
		const char *target = account_id_text(req, user_id);
		json_t *detail = json_pack("{s:s, s:b, s:I}", "via", "invitation", "reset",
					   inv.user_status == GC_USER_ACTIVE, "bearers_revoked", (json_int_t)revoked);
		status = target && detail ? gc_req_audit_as(req, user_id, inv.org_id, "user.password", "user", target,
							    detail)
					  : GC_ENOMEM;
		json_decref(detail);
	}
	status = account_finish(db, status);
	gc_req_password_slot_give(req);
	if (status == GC_EINVAL && reason)
		return account_refuse(req, view, 422, "invalid_field", reason, "password");
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);

	/* Cache-Control: no-store is set already (invitation_page). */
	json_t *model = json_pack("{s:b, s:s}", "password_set", true, "email", inv.email);
	if (!model)
		return GC_ENOMEM;
	return account_redirect(view, login_location(req, inv.email), model);
}
