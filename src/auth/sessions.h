/*
 * Browser sessions (SECURITY.md A5). Part of the auth data layer: read
 * auth/auth.h for the contracts on time, transactions, secrets and memory.
 *
 * A session is a row keyed by the SHA-256 of a 256-bit random token that only
 * the browser holds (in the __Host- cookie the HTTP layer sets). Each login
 * creates a new session, so a token planted before login is worthless; when
 * MFA completes the token is replaced (gc_session_mark_mfa), so the token
 * that was good for "password only" never becomes good for more.
 *
 * Timeouts: a session ends GC_SESSION_IDLE_SECONDS after its last request
 * and GC_SESSION_ABSOLUTE_SECONDS after its creation, whichever comes first.
 * They are measured on the wall clock stored in the database, not on the
 * monotonic clock that SECURITY.md A5 names: any node behind the load
 * balancer may serve the next request, and a monotonic reading is only
 * meaningful on the machine that took it (CLOCK_MONOTONIC counts from that
 * machine's boot, and restarts at the next one). The nodes' wall clocks are
 * kept in step by NTP; a skew of a few seconds moves a 30-minute timeout by
 * as much, and a clock that jumps cannot revive a session past its absolute
 * limit by more than the jump. last_seen_at is written at most once every
 * GC_SESSION_TOUCH_SECONDS, so a burst of requests costs one write, at the
 * price of an idle timeout up to a minute early.
 *
 * Each session also has its own CSRF token (128+ bits, random, stored as it
 * is: it guards forms, it does not authenticate, and it is useless without
 * the cookie), replaced together with the session token.
 */
#ifndef GC_AUTH_SESSIONS_H
#define GC_AUTH_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "base/arena.h"
#include "base/status.h"
#include "store/store.h"

#define GC_SESSION_IDLE_SECONDS (30 * 60)
#define GC_SESSION_ABSOLUTE_SECONDS (12 * 60 * 60)
#define GC_SESSION_TOUCH_SECONDS 60
/* The session token's text and its NUL (auth.h: GC_AUTH_TOKEN_CHARS + 1). */
#define GC_SESSION_TOKEN_SIZE 44
/* Stored lengths of what the client sends; longer values are cut. */
#define GC_SESSION_USER_AGENT_MAX 256
#define GC_SESSION_CLIENT_IP_MAX 64

struct gc_session_info {
	int64_t id;
	int64_t user_id;
	bool mfa_passed;     /* false: only the MFA step (or enrolment) and logout may be reached */
	bool mfa_enrolled;   /* the user has a TOTP seed: ask for a code rather than enrol */
	const char *csrf_token; /* arena */
	int64_t created_at;
	int64_t last_seen_at;
	int64_t absolute_expires_at;
};

/*
 * Starts a session for user_id after a successful password check [caller's
 * transaction, with the login.success audit record]. mfa_passed is decided
 * here: false when the organisation's kind requires MFA
 * (gc_auth_mfa_required) or the user has enabled it, true otherwise.
 * client_ip and user_agent are kept for the user's list of sessions (NULL
 * or text that is not acceptable is stored as NULL; long values are cut).
 * Expired sessions of every user are purged on the way.
 *   token       the cookie value, GC_SESSION_TOKEN_SIZE bytes: give it to the
 *               browser once, never log it
 *   *info       (may be NULL) the new session; csrf_token in arena
 * GC_ENOTFOUND when the user or their organisation is not active.
 */
GC_MUST_CHECK gc_status gc_session_create(struct gc_db *db, int64_t user_id, const char *client_ip,
					  const char *user_agent, int64_t now, struct gc_arena *arena,
					  char token[GC_SESSION_TOKEN_SIZE], struct gc_session_info *info);

/*
 * Resolves the cookie value token at time now (outside a transaction, at
 * the start of a request, is the normal use).
 *   GC_ENOTFOUND  no session: malformed, unknown, idle or past its absolute
 *                 limit (the row is then deleted), or its user or
 *                 organisation is not active. Treat the caller as anonymous.
 *   GC_OK         *info is filled (csrf_token in arena). When the session
 *                 has passed MFA (or needs none), *principal is the user,
 *                 arena-allocated, with session_id and csrf_token set;
 *                 while MFA is pending *principal is NULL: the caller is
 *                 anonymous for everything but the MFA step.
 *   other         the database failed.
 * Refreshes last_seen_at when it is GC_SESSION_TOUCH_SECONDS old or more.
 * principal and info may be NULL when not wanted.
 */
GC_MUST_CHECK gc_status gc_session_resolve(struct gc_db *db, const char *token, int64_t now, struct gc_arena *arena,
					   struct gc_principal **principal, struct gc_session_info *info);

/*
 * Marks the session as having passed MFA and rotates it [caller's
 * transaction, with the login.mfa audit record]: a new token (written to
 * new_token: set it as the cookie) and a new CSRF token replace the old
 * ones, which stop working at once. GC_ENOTFOUND when the session does not
 * exist, has expired or has already passed MFA.
 */
GC_MUST_CHECK gc_status gc_session_mark_mfa(struct gc_db *db, int64_t session_id, int64_t now,
					    char new_token[GC_SESSION_TOKEN_SIZE]);

/* Ends one session of user_id [caller's transaction] (logout, or "sign out
 * that device"). GC_ENOTFOUND when user_id has no such session. */
GC_MUST_CHECK gc_status gc_session_end(struct gc_db *db, int64_t user_id, int64_t session_id);

/* Ends every session of user_id but except_session_id (0: all) [caller's
 * transaction]; *ended (may be NULL) gets how many. */
GC_MUST_CHECK gc_status gc_session_end_all(struct gc_db *db, int64_t user_id, int64_t except_session_id,
					   int64_t *ended);

/*
 * The user's live sessions at time now, newest first, as objects
 * {id, created_at, last_seen_at, expires_at, client_ip, user_agent,
 * mfa_passed (bool)}, times as ISO 8601 text; expires_at is when it will end
 * if left idle. Never a token.
 */
GC_MUST_CHECK gc_status gc_session_list(struct gc_db *db, int64_t user_id, int64_t now, json_t **rows);

#endif
