/*
 * Who is asking, as handlers see it: the glue between a request and the
 * identity layer (auth/). The HTTP layer resolves the caller once, before
 * the route's access level is checked:
 *   - "Authorization: Bearer gcscp_..." -> gc_token_resolve(): a principal
 *     with via_token (no CSRF applies; a bad token is a 401, never anonymous);
 *   - else the session cookie -> gc_session_resolve(): a principal, or a
 *     session still waiting for its MFA step (req->session set, principal
 *     NULL); a cookie naming no session is cleared and the caller is anonymous.
 * Then, before any handler runs:
 *   - the route's access (http/route.h) is enforced: no principal on a route
 *     that needs one is a 401 for the API (WWW-Authenticate: Bearer) and a
 *     303 to /login?next=<path> for a page; a principal of the wrong kind is
 *     403 "forbidden";
 *   - EVERY state-changing request (not GET or HEAD) carried by a session
 *     cookie must carry the session's CSRF token, as the form field
 *     "csrf_token" or the header X-CSRF-Token, compared in constant time;
 *     and an Origin (or Sec-Fetch-Site: cross-site) naming another site is
 *     refused, with or without a session. Both answer 403 "forbidden_csrf".
 *     Bearer-token calls are exempt. Handlers never check CSRF themselves.
 * Pages get the session in the layout's model (http/respond.c): "user" is
 * null for anonymous callers, else {name, email, org_id, org_name, org_kind,
 * role, is_admin, is_secretariat, is_secretariat_admin}; "csrf_token" is the
 * token for forms (an empty string when there is no session): every form
 * that POSTs writes
 *   <input type="hidden" name="csrf_token" value="{{csrf_token}}">
 */
#ifndef GC_HTTP_IDENTITY_H
#define GC_HTTP_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/items.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/secrets.h"
#include "http/request.h"

/* The cookie: "__Host-gcscp" normally, "gcscp" with --insecure-cookies. */
#define GC_SESSION_COOKIE "__Host-gcscp"
#define GC_SESSION_COOKIE_INSECURE "gcscp"
/* Argon2 computations allowed at once (each takes 64 MiB): more wait. */
#define GC_PASSWORD_CONCURRENCY 4

/* The portal's secrets (pepper, TOTP key), loaded once at start-up. */
const struct gc_secrets *gc_req_secrets(const struct gc_request *req);

/*
 * The caller's session, pending MFA or not; NULL for token and anonymous
 * callers. A pending session (mfa_passed false) has no principal: only the
 * routes declared GC_ACCESS_SESSION reach it (the MFA step, enrolment,
 * sign out).
 */
const struct gc_session_info *gc_req_session(const struct gc_request *req);

/*
 * Sets the session cookie to token (a new session or a rotated one):
 * HttpOnly; Secure; SameSite=Strict; Path=/ under "__Host-gcscp" (without
 * Secure, as "gcscp", with --insecure-cookies). Lasts as long as the
 * browser (no Max-Age: the server ends sessions).
 */
GC_MUST_CHECK gc_status gc_req_set_session_cookie(struct gc_request *req, const char *token);
/* Expires the session cookie (logout, or a cookie naming no session). */
GC_MUST_CHECK gc_status gc_req_clear_session_cookie(struct gc_request *req);

/*
 * Appends one audit record for this request [inside the caller's write
 * transaction]: the actor is the principal (user and organisation; none when
 * anonymous), the address is the client's. target_type, target_id and detail
 * may be NULL. Returns the store's status (on failure roll back and answer
 * 500: gc_req_fail_status does).
 */
GC_MUST_CHECK gc_status gc_req_audit(struct gc_request *req, const char *action, const char *target_type,
				     const char *target_id, const json_t *detail);
/* The same with an explicit actor (a login, where no principal exists yet). */
GC_MUST_CHECK gc_status gc_req_audit_as(struct gc_request *req, int64_t actor_user, int64_t actor_org,
					const char *action, const char *target_type, const char *target_id,
					const json_t *detail);

/*
 * The context for auth/items.h operations in this request: the database
 * (borrowed), the principal, the observers setting (read once), the client's
 * address. GC_EHTTP (error set: 503) when no connection could be had.
 */
GC_MUST_CHECK gc_status gc_req_item_ctx(struct gc_request *req, struct gc_item_ctx *ctx);

/*
 * Answers a failed data-layer status the portal's way and returns GC_EHTTP:
 *   GC_ENOTFOUND -> 404 not_found (the same body as any missing thing)
 *   GC_ECONFLICT -> 409 conflict
 *   GC_EINVAL    -> 422 invalid_field naming field (may be NULL)
 *   GC_ETOOBIG   -> 413 payload_too_large naming field
 *   GC_EBUSY     -> 503 unavailable (the database is busy: try again)
 *   GC_EHTTP     -> unchanged (the error is already set)
 *   anything else (GC_EDB, GC_ENOMEM, ...) is returned as it is: a 500
 *   whose details go to the log.
 * message_key (may be NULL: a generic message per status) is shown to the user.
 */
GC_MUST_CHECK gc_status gc_req_fail_status(struct gc_request *req, gc_status status, const char *field,
					   const char *message_key);

/*
 * Password checks and hashes through a semaphore of GC_PASSWORD_CONCURRENCY,
 * so a burst of sign-ins cannot exhaust memory. verify: GC_OK when it
 * matches; stored NULL verifies against a dummy hash made at start-up (same
 * time, always refused), for unknown accounts.
 */
GC_MUST_CHECK gc_status gc_req_password_verify(struct gc_request *req, const char *stored, const char *password,
					       size_t len);
/* The cost new passwords are hashed at (the server's setting). */
enum gc_password_cost gc_req_password_cost(const struct gc_request *req);
/* Wait for / give back one of the Argon2 slots, around gc_user_set_password(). */
void gc_req_password_slot_take(struct gc_request *req);
void gc_req_password_slot_give(struct gc_request *req);

/* The module names the registry knows, for gc_user_set_module_limits(). */
size_t gc_req_module_names(const char *const **names);

/* The base URL for links sent outside (invitations): config.base_url, else
 * http://<Host header>. Arena. */
const char *gc_req_base_url(struct gc_request *req);

/*
 * E-mails an invitation link (url) for an account of org_name to email, in
 * the request's language, when mail is configured (config smtp_url,
 * base/mail.h). Sent synchronously after the caller's transaction has
 * committed; *sent says whether it went. A failure never fails the request:
 * it is logged (never the link) and the link is still shown on screen.
 */
void gc_req_mail_invitation(struct gc_request *req, const char *email, const char *org_name, const char *url,
			    bool *sent);

#endif
