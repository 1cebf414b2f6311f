/*
 * Invitations (SECURITY.md A4): how a person gets into an account. An
 * invitation is a 256-bit random token, valid GC_INVITATION_TTL_SECONDS and
 * once; only its SHA-256 is stored. The person receives
 * "<base_url>/invitations/<token>" and sets a password there. The same
 * mechanism serves a reset: invite an active user again.
 *
 * Part of the auth data layer: read auth/auth.h for the contracts on time,
 * transactions, secrets and memory.
 *
 * Accepting, as the integrator wires it (one write transaction):
 *   gc_invitation_consume(token) -> user_id
 *   gc_user_set_password(user_id, password, keep_session_id = 0)
 *   gc_token_revoke_all(user_id)          (a reset ends every token too)
 *   gc_audit_append("user.password", ...)
 *   commit; or, when the password is refused, roll back: the invitation
 *   stays usable. A reset never skips MFA: the person signs in afterwards
 *   like anyone else, with their code.
 */
#ifndef GC_AUTH_INVITATIONS_H
#define GC_AUTH_INVITATIONS_H

#include <stdint.h>

#include "auth/accounts.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/status.h"
#include "store/store.h"

#define GC_INVITATION_TTL_SECONDS (7 * 24 * 60 * 60)
/* The token's text and its NUL (auth.h: GC_AUTH_TOKEN_CHARS + 1). */
#define GC_INVITATION_TOKEN_SIZE 44
/* The path under the base URL. */
#define GC_INVITATION_PATH "/invitations/"

struct gc_invitation {
	int64_t id;
	int64_t user_id;
	const char *email;       /* arena */
	const char *user_name;   /* arena; NULL when not given */
	enum gc_user_status user_status; /* invited (a first password) or active (a reset) */
	int64_t org_id;
	const char *org_name;    /* arena */
	int64_t created_at;
	int64_t expires_at;
};

/*
 * Invites user_id [caller's transaction, with the user.invite audit record]:
 * token (GC_INVITATION_TOKEN_SIZE bytes) receives the token, to be sent
 * once and never logged. The user's earlier unused invitations are
 * withdrawn, so one link at a time is live. created_by is the inviting
 * user, 0 for the operator. *id (may be NULL) gets the invitation's id.
 * GC_ENOTFOUND when the user is missing or disabled, or their organisation is.
 */
GC_MUST_CHECK gc_status gc_invitation_create(struct gc_db *db, int64_t user_id, int64_t created_by, int64_t now,
					     char token[GC_INVITATION_TOKEN_SIZE], int64_t *id);

/*
 * The invitation a token stands for, to show the page that accepts it.
 * GC_ENOTFOUND alike for a malformed, unknown, expired or used token, and for
 * a user or organisation disabled since: nothing tells them apart.
 */
GC_MUST_CHECK gc_status gc_invitation_lookup(struct gc_db *db, const char *token, int64_t now, struct gc_arena *arena,
					     struct gc_invitation *out);

/*
 * Uses the invitation [caller's transaction]: one conditional UPDATE
 * (unused, unexpired) that exactly one of two racing requests can win.
 * *user_id gets the user to set a password for. GC_ENOTFOUND as for lookup.
 */
GC_MUST_CHECK gc_status gc_invitation_consume(struct gc_db *db, const char *token, int64_t now, int64_t *user_id);

/*
 * Appends "<base_url>/invitations/<token>" to out, without a doubled '/'
 * when base_url ends with one. GC_EINVAL when base_url is not an http: or
 * https: URL of one line; otherwise out's sticky error.
 */
GC_MUST_CHECK gc_status gc_invitation_url(struct gc_buf *out, const char *base_url, const char *token);

#endif
