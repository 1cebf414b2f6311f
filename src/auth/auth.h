/*
 * Identity and access: the data layer (docs/ARCHITECTURE.md "Identity and
 * access"). Organisations and users (auth/accounts.h), invitations
 * (auth/invitations.h), browser sessions (auth/sessions.h), API tokens
 * (auth/tokens.h) and login throttling (auth/throttle.h). Include this header
 * for all of them.
 *
 * Contracts shared by every function of the layer:
 *
 * Time. Every function takes the current time as a parameter (`now`, Unix
 * seconds, wall clock: gc_clock_now() in production), so tests move time
 * instead of sleeping. Two representations are stored:
 *   - organisations and users keep the core's convention: UTC ISO 8601 text
 *     ("2026-11-28T09:15:00Z") in created_at, updated_at, password_changed_at.
 *     They are records shown to people and never compared on a hot path.
 *   - invitations, sessions, api_tokens, recovery_codes and login_attempts
 *     keep integer Unix seconds (BIGINT): every query over them compares a
 *     range ("seen in the last 30 minutes", "failures in the last 15"), which
 *     is arithmetic on integers, indexable and identical on both engines.
 *   Lists returned as JSON give every time as ISO 8601 text (null when unset)
 *   whatever its column holds, so a view model has one format.
 *
 * Transactions. A function that changes an account, a session, a token or an
 * invitation must be called INSIDE the caller's write transaction
 * (gc_db_begin_write) and returns GC_EINVAL otherwise. The caller appends its
 * audit record (auth/audit.h gc_audit_append) in that same transaction and
 * commits, so the change and its record stand or fall together (SECURITY.md
 * L1). On any failure the caller rolls back: PostgreSQL refuses every further
 * statement of a failed transaction. The data layer itself writes no audit
 * record; the action names the portal uses are listed below.
 * Exceptions, which may run with or without a transaction: the resolvers
 * (gc_session_resolve, gc_token_resolve: they only refresh a last-seen time),
 * lookups and lists, and the throttle (gc_throttle_check, gc_throttle_record).
 *
 * Secrets (SECURITY.md A4, A5, L2). Session, API and invitation tokens are
 * 256 bits from libsodium's CSPRNG, handed to the caller once and stored only
 * as the lower-case hex SHA-256 of their text. A plain (unsalted, fast) hash
 * is enough because the input has 256 bits of entropy: there is nothing to
 * search. Looking a hash up through an index reveals nothing by its timing,
 * since an attacker cannot choose the hash's bytes. No function of this
 * layer logs a token, a password or a code.
 *
 * Memory. Strings in returned structs live in the caller's arena; json_t
 * results are new references owned by the caller.
 *
 * Wiring, for the HTTP layer:
 *   - start-up: gc_auth_migrate() after the module migrations; load the
 *     secrets (auth/secrets.h) once.
 *   - each request: a "Authorization: Bearer gcscp_..." header goes to
 *     gc_token_resolve(); else the session cookie to gc_session_resolve().
 *     GC_ENOTFOUND is an anonymous caller (and a cookie to clear); a session
 *     waiting for MFA resolves with a NULL principal and mfa_passed false.
 *     Check a form's CSRF token against principal->csrf_token (constant
 *     time: sodium_memcmp) for sessions; tokens need none.
 *   - login: gc_throttle_account_key() of the typed address;
 *     gc_throttle_check() (GC_EBUSY: 429 + Retry-After, audit
 *     login.throttled, stop); gc_user_find() and gc_password_verify() (against
 *     a dummy hash when there is no such user or no password, so time does
 *     not tell); then in one write transaction gc_throttle_record(), and on
 *     success gc_session_create() with the audit record login.success, or on
 *     failure login.failure (gc_session_create's GC_ENOTFOUND, a disabled or
 *     invited account, is a failure answered like a wrong password). A session with mfa_passed false goes to the TOTP
 *     step (or to enrolment when !mfa_enrolled): gc_totp_verify() against the
 *     stored step, then gc_user_totp_step(), gc_session_mark_mfa() (set the
 *     new cookie) and login.mfa in one transaction.
 *   - logout: gc_session_end(); "sign out everywhere": gc_session_end_all().
 *
 * Audit actions the portal writes for these changes (target type and id in
 * parentheses; detail never holds a secret, and its keys avoid the words
 * audit.h refuses, such as "token"):
 *   org.create (org, id)         user.invite (user, id)      user.role (user, id)
 *   user.disable (user, id)      user.enable (user, id)      user.modules (user, id)
 *   user.password (user, id)     user.mfa_enrol (user, id)   org.disable / org.enable (org, id)
 *   token.create (api_token, id) token.revoke (api_token, id)
 *   login.success / login.failure / login.throttled / login.mfa / logout (user, id)
 */
#ifndef GC_AUTH_AUTH_H
#define GC_AUTH_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_AUTH_COMPONENT "auth"
#define GC_AUTH_MIGRATION_COUNT 1

/*
 * The schema, component "auth". It runs after the core module's migrations
 * (it alters organisations and references it) and the countries module's
 * (accounts check states against countries). Tables:
 *   organisations  + four_eyes INTEGER 0|1, + status 'active'|'disabled'
 *   users          id, org_id, email UNIQUE (lower case), name, role, status,
 *                  password_hash, totp_secret (auth/totp.h sealed text),
 *                  totp_last_step, mfa_enabled, module_limits (JSON array or
 *                  NULL = every module), created_at, updated_at,
 *                  password_changed_at (ISO text)
 *   invitations    id, user_id, token_hash UNIQUE, created_by, created_at,
 *                  expires_at, used_at (Unix seconds)
 *   sessions       id, user_id, token_hash UNIQUE, csrf_token, mfa_passed,
 *                  created_at, last_seen_at, absolute_expires_at (Unix
 *                  seconds), client_ip, user_agent
 *   api_tokens     id, user_id, name, token_hash UNIQUE, created_at,
 *                  expires_at, revoked_at, last_used_at (Unix seconds)
 *   recovery_codes id, user_id, code_hash, used_at (Unix seconds)
 *   login_attempts id, account_key, client_ip, at (Unix seconds), succeeded
 */
extern const struct gc_migration gc_auth_migrations[GC_AUTH_MIGRATION_COUNT];

/*
 * Applies the audit log's migrations (auth/audit.h, component "audit") and
 * then this layer's ("auth"), each pending one in its own transaction. Call
 * it after the core and module migrations (gc_cli_open_database does those).
 * err (may be NULL) says what failed, for the operator.
 */
GC_MUST_CHECK gc_status gc_auth_migrate(struct gc_db *db, char *err, size_t err_size);

/* --- secret tokens (defined in auth/tokens.c) ------------------------------- */

/* Random bytes in every session, invitation and API token: 256 bits. */
#define GC_AUTH_TOKEN_BYTES 32
/* Their text: base64url (RFC 4648 section 5) without padding. */
#define GC_AUTH_TOKEN_CHARS 43
/* The stored hash: lower-case hex SHA-256 and its NUL. */
#define GC_AUTH_HASH_SIZE 65

/* GC_AUTH_TOKEN_CHARS fresh random characters and a NUL into out. */
void gc_auth_token_new(char out[GC_AUTH_TOKEN_CHARS + 1]);

/* Whether s (n bytes) has the shape of a token: exactly GC_AUTH_TOKEN_CHARS
 * characters of the base64url alphabet. Checked before any lookup, so junk
 * never reaches the database. */
bool gc_auth_token_well_formed(const char *s, size_t n);

/* The hash stored for a token (or any text): hex SHA-256 of its n bytes. */
void gc_auth_token_hash(const char *s, size_t n, char out[GC_AUTH_HASH_SIZE]);

/*
 * Rewrites, in every object of the array rows, the members named in columns
 * (n of them) from Unix seconds to ISO 8601 text; null stays null.
 * GC_ENOMEM on allocation failure.
 */
GC_MUST_CHECK gc_status gc_auth_rows_iso_times(json_t *rows, const char *const *columns, size_t n);

#include "auth/accounts.h"
#include "auth/invitations.h"
#include "auth/sessions.h"
#include "auth/throttle.h"
#include "auth/tokens.h"

#endif
