/*
 * API tokens: bearer credentials for scripts and harvesters, sent as
 * "Authorization: Bearer gcscp_...". Part of the auth data layer: read
 * auth/auth.h for the contracts on time, transactions, secrets and memory.
 *
 * A token is GC_API_TOKEN_PREFIX followed by 43 base64url characters (256
 * random bits). The prefix lets secret scanners (and people) recognise a
 * leaked token; only the SHA-256 of the whole text is stored, so the token is
 * shown once, at creation. A token acts as its user, with the user's current
 * role and organisation read afresh on every request; it stops working when
 * it expires, is revoked, or its user or organisation is disabled. A token of
 * an invited user (one who has not set a password) works: the operator
 * creates tokens for automation accounts that never sign in with a browser.
 * API tokens bypass the interactive MFA step by design: they are issued by
 * the operator, or by the user from a session that has passed MFA.
 */
#ifndef GC_AUTH_TOKENS_H
#define GC_AUTH_TOKENS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "base/arena.h"
#include "base/status.h"
#include "store/store.h"

#define GC_API_TOKEN_PREFIX "gcscp_"
/* Prefix, 43 characters and the NUL. */
#define GC_API_TOKEN_SIZE 50
/* A token's label, in characters. */
#define GC_API_TOKEN_NAME_MAX 100
/* Expiry in days: 1 to this, or 0 for none. */
#define GC_API_TOKEN_MAX_DAYS 365
#define GC_API_TOKEN_TOUCH_SECONDS 60

/*
 * Creates a token for user_id [caller's transaction, with the token.create
 * audit record]. name is 1 to GC_API_TOKEN_NAME_MAX characters of one line;
 * expires_days is 1 to GC_API_TOKEN_MAX_DAYS, or 0 for a token that does not
 * expire. token (GC_API_TOKEN_SIZE bytes) receives the token: show it once,
 * never log it. *id (may be NULL) gets its id.
 *   GC_EINVAL     a bad name or expiry
 *   GC_ENOTFOUND  the user is missing or disabled, or their organisation is
 */
GC_MUST_CHECK gc_status gc_token_create(struct gc_db *db, int64_t user_id, const char *name, int64_t expires_days,
					int64_t now, char token[GC_API_TOKEN_SIZE], int64_t *id);

/*
 * Resolves a bearer token at time now into an arena-allocated principal
 * (via_token true, no session, no CSRF token). GC_ENOTFOUND for anything
 * else: malformed, unknown, expired, revoked, or a disabled user or
 * organisation. Refreshes last_used_at when it is GC_API_TOKEN_TOUCH_SECONDS
 * old or more. *token_id (may be NULL) gets the token's id, for the audit
 * log.
 */
GC_MUST_CHECK gc_status gc_token_resolve(struct gc_db *db, const char *bearer, int64_t now, struct gc_arena *arena,
					 struct gc_principal **principal, int64_t *token_id);

/*
 * The tokens of user_id, newest first, as objects {id, name, created_at,
 * expires_at, revoked_at, last_used_at, state} with times as ISO 8601 text
 * and state "active" | "expired" | "revoked" at time now. Never the token.
 */
GC_MUST_CHECK gc_status gc_token_list(struct gc_db *db, int64_t user_id, int64_t now, json_t **rows);

/*
 * Revokes a token on behalf of actor [caller's transaction, with the
 * token.revoke audit record]. actor may revoke its own tokens, an
 * organisation's admin those of the organisation's users, and a Secretariat
 * admin anyone's. *user_id (may be NULL) gets the token's owner.
 *   GC_ENOTFOUND  no such token, or actor may not see it (actor NULL, an
 *                 anonymous caller, sees none): the two answer alike (Z1)
 *   GC_ECONFLICT  it was already revoked
 */
GC_MUST_CHECK gc_status gc_token_revoke(struct gc_db *db, const struct gc_principal *actor, int64_t token_id,
					int64_t now, int64_t *user_id);

/* The same for the operator at the command line, who may revoke any token. */
GC_MUST_CHECK gc_status gc_token_revoke_as_operator(struct gc_db *db, int64_t token_id, int64_t now,
						    int64_t *user_id);

/* Revokes every live token of user_id [caller's transaction] (an account
 * reset, A4); *revoked (may be NULL) gets how many. */
GC_MUST_CHECK gc_status gc_token_revoke_all(struct gc_db *db, int64_t user_id, int64_t now, int64_t *revoked);

#endif
