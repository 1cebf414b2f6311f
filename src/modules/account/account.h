/*
 * The account module: signing in (password, then TOTP or a recovery code),
 * accepting an invitation, enrolling TOTP, and one's own account (password,
 * recovery codes, sessions, API tokens, GET /api/v1/me).
 *
 * It wires the auth data layer (auth/auth.h and the headers it includes,
 * auth/totp.h, auth/qr.h, auth/password.h, auth/audit.h) to pages and API
 * through the handler contract of http/identity.h. The login sequence is the
 * one auth/auth.h's "Wiring, for the HTTP layer" describes.
 *
 * Files: account.c (the module and its routes, with every input's limits),
 * input.c (reading fields from a form or a JSON body, answering refusals),
 * login.c (/login, /login/mfa, /logout), invitation.c (/invitations/{token}),
 * mfa.c (/account/mfa/enrol, /account/recovery-codes), overview.c (/account,
 * /me), settings.c (password, sessions, tokens).
 */
#ifndef GC_MODULES_ACCOUNT_ACCOUNT_H
#define GC_MODULES_ACCOUNT_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/totp.h"
#include "http/identity.h"
#include "http/request.h"
#include "modules/module.h"

/* --- limits on inputs (bytes unless said otherwise) ------------------------- */

/* A typed e-mail address: the longest address the portal accepts. */
#define ACCOUNT_EMAIL_MAX GC_EMAIL_MAX
/* Passwords: the policy's own byte bound (longer input is refused unread). */
#define ACCOUNT_PASSWORD_MAX GC_PASSWORD_MAX_BYTES
/* "next": a local path to return to after signing in. */
#define ACCOUNT_NEXT_MAX 512
/* A TOTP code as typed: 6 digits, spaces allowed ("123 456"). */
#define ACCOUNT_CODE_MAX 16
/* A recovery code as typed: 10 characters, dashes and spaces allowed. */
#define ACCOUNT_RECOVERY_MAX 32
/* The sealed enrolment secret carried between the enrolment page and its form. */
#define ACCOUNT_ENROLMENT_MAX (GC_TOTP_SEALED_SIZE - 1)
/* An API token's name: GC_API_TOKEN_NAME_MAX characters of up to 4 bytes. */
#define ACCOUNT_TOKEN_NAME_MAX (4 * GC_API_TOKEN_NAME_MAX)

/* --- handlers ----------------------------------------------------------------- */

gc_status account_login_form(struct gc_request *req, struct gc_view *view);
gc_status account_login(struct gc_request *req, struct gc_view *view);
gc_status account_mfa_form(struct gc_request *req, struct gc_view *view);
gc_status account_mfa(struct gc_request *req, struct gc_view *view);
gc_status account_logout(struct gc_request *req, struct gc_view *view);

gc_status account_invitation_form(struct gc_request *req, struct gc_view *view);
gc_status account_invitation_accept(struct gc_request *req, struct gc_view *view);

gc_status account_enrol_form(struct gc_request *req, struct gc_view *view);
gc_status account_enrol(struct gc_request *req, struct gc_view *view);
gc_status account_recovery_renew(struct gc_request *req, struct gc_view *view);

gc_status account_overview(struct gc_request *req, struct gc_view *view);
gc_status account_me(struct gc_request *req, struct gc_view *view);

gc_status account_password_change(struct gc_request *req, struct gc_view *view);
gc_status account_session_end(struct gc_request *req, struct gc_view *view);
gc_status account_sessions_end_others(struct gc_request *req, struct gc_view *view);
gc_status account_token_create(struct gc_request *req, struct gc_view *view);
gc_status account_token_revoke(struct gc_request *req, struct gc_view *view);

/* --- input.c: fields and refusals --------------------------------------------- */

/*
 * Checks a JSON body against the route's declared fields (SECURITY.md I1):
 * an object whose members are all declared (csrf_token is tolerated), each
 * of the declared type (a string for text, an integer for numbers) and
 * within its bounds; otherwise a 422 naming the member. Form bodies were
 * checked by the router already. GC_OK or GC_EHTTP.
 */
GC_MUST_CHECK gc_status account_input_check(struct gc_request *req);

/*
 * A field of the request: from a form body, a JSON body (checked by
 * account_input_check) or, for a declared parameter, the query. NULL when
 * absent. *len (may be NULL) gets its length in bytes.
 */
const char *account_field(struct gc_request *req, const char *name, size_t *len);

/* The field as an integer already range-checked, or fallback when absent. */
int64_t account_field_int(struct gc_request *req, const char *name, int64_t fallback);

/*
 * Refuses a form: the API gets the error (status, code, message_key
 * translated, field) through gc_fail; a browser gets the form again, as the
 * view already holds it, with that status and the message beside the field
 * ("errors": {field: message}) or above the form ("error": message).
 * Returns GC_EHTTP for the API, GC_OK for a page (the handler returns it).
 */
GC_MUST_CHECK gc_status account_refuse(struct gc_request *req, struct gc_view *view, int status, const char *code,
				       const char *message_key, const char *field);

/* The answer for a throttled attempt: Retry-After and 429 too_many_attempts. */
GC_MUST_CHECK gc_status account_refuse_throttled(struct gc_request *req, struct gc_view *view,
						 int64_t retry_after_s);

/* Whether next is a local path safe to redirect to ("/x", never "//x" or "/\x"). */
bool account_next_ok(const char *next);

/*
 * Turns the view into a 303 to location (a local path in the arena or
 * static); the API gets model instead (taken; NULL: {"location": ...}).
 */
GC_MUST_CHECK gc_status account_redirect(struct gc_view *view, const char *location, json_t *model);

/* location, or next when it is a safe local path. */
const char *account_next_or(const char *next, const char *location);

/*
 * Ends the caller's write transaction: commits when status is GC_OK, rolls
 * back otherwise (or when the commit fails). Returns the final status.
 */
GC_MUST_CHECK gc_status account_finish(struct gc_db *db, gc_status status);

/* "Cache-Control: no-store" for an answer that shows a secret once. */
GC_MUST_CHECK gc_status account_no_store(struct gc_request *req);

/* A decimal id in the arena ("" on allocation failure is impossible: NULL then). */
const char *account_id_text(struct gc_request *req, int64_t id);

/* Copies the digits of a typed TOTP code ("123 456" -> "123456") into out;
 * false unless there are exactly GC_TOTP_DIGITS of them and nothing else. */
bool account_code_digits(const char *typed, char out[GC_TOTP_DIGITS + 1]);

/* Parses a path segment as a positive id; false when it is not one. */
bool account_parse_id(const char *text, int64_t *id);

/* --- overview.c: models shared by several answers ---------------------------- */

/*
 * The GET /api/v1/me model for principal p: {"user": {id, email, name, role,
 * module_limits}, "organisation": {id, name, kind, country, four_eyes},
 * "via": "session" | "token", "mfa_enrolled": bool} and, for a session,
 * "csrf_token". *out is a new reference.
 */
GC_MUST_CHECK gc_status account_me_model(struct gc_request *req, struct gc_db *db, const struct gc_principal *p,
					 json_t **out);

/* Adds the translated labels of a role and an organisation kind to obj. */
GC_MUST_CHECK gc_status account_add_labels(struct gc_request *req, json_t *obj, enum gc_role role,
					   enum gc_org_kind kind);

/* --- settings.c ---------------------------------------------------------------- */

/*
 * Refuses a form of the account page: the API gets the error, a browser
 * the account page again (account_overview) with the message beside field.
 */
GC_MUST_CHECK gc_status account_refuse_overview(struct gc_request *req, struct gc_view *view, int status,
						const char *code, const char *message_key, const char *field);

/*
 * Checks the current password of user (typed in field) for a change made
 * from a session: throttled like a sign-in under the account's key, and a
 * wrong one recorded there and audited (login.failure). GC_OK when it
 * matches; otherwise the refusal is answered (through refuse) and the
 * handler returns what this returns.
 */
typedef gc_status (*account_refuse_fn)(struct gc_request *req, struct gc_view *view, int status, const char *code,
				       const char *message_key, const char *field);
GC_MUST_CHECK gc_status account_check_password(struct gc_request *req, struct gc_view *view, struct gc_db *db,
					       const struct gc_user *user, const char *field, account_refuse_fn refuse,
					       bool *refused);

/* --- login.c ------------------------------------------------------------------ */

/*
 * Ends the browser's current session (if it belongs to user_id or
 * user_id is 0) inside the caller's write transaction, so that a login or
 * a rotation never leaves the old token alive. GC_OK when there is none.
 */
GC_MUST_CHECK gc_status account_drop_current_session(struct gc_request *req, struct gc_db *db);

/*
 * After a rotation committed (login, MFA, enrolment, password change): the
 * session of token, resolved afresh, for the API's answer. *principal is
 * NULL while MFA is pending; *csrf_token the new session's CSRF token.
 */
GC_MUST_CHECK gc_status account_resolve_new(struct gc_request *req, struct gc_db *db, const char *token,
					    struct gc_principal **principal, const char **csrf_token);

/*
 * Appends action about target_user (0: no known account; target type
 * "user") with actor (NULL: nobody signed in) and detail (taken; NULL is
 * GC_ENOMEM, as it comes from a failed json_pack) [caller's transaction].
 */
GC_MUST_CHECK gc_status account_audit(struct gc_request *req, const char *action, const struct gc_user *actor,
				      int64_t target_user, json_t *detail);

/* login.throttled {"step": step} in a write transaction of its own. */
GC_MUST_CHECK gc_status account_audit_throttled(struct gc_request *req, struct gc_db *db, int64_t user_id,
						const char *step);

extern const struct gc_module account_module;

#endif
