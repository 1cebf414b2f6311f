/*
 * Organisations and users: creation, validation, roles, disabling, module
 * limits, passwords and the stored MFA state (docs/ARCHITECTURE.md "People
 * and organisations"). Part of the auth data layer: read auth/auth.h for the
 * contracts on time, transactions, secrets and memory that apply here.
 *
 * E-mail addresses are checked strictly and stored in lower case
 * (gc_email_normalise). The accepted form is the practical subset of RFC 5321
 * that every mail system delivers to:
 *   - at most GC_EMAIL_MAX (254) bytes in all (RFC 5321's path limit less
 *     its angle brackets), a local part of 1 to 64 bytes;
 *   - the local part is a dot-atom of ASCII letters, digits and
 *     ! # $ % & ' * + - / = ? ^ _ ` { | } ~ (no leading, trailing or doubled
 *     dot); quoted local parts ("a b"@x) and comments are refused, as no
 *     one hands them out any more and they are a source of parser confusion;
 *   - the domain is two or more labels of ASCII letters, digits and '-'
 *     (1 to 63 each, not starting or ending with '-'), at most 253 bytes, and
 *     its last label is not all digits; address literals ([192.0.2.1]) are
 *     refused. Internationalised domains are accepted only in their ASCII
 *     (punycode, "xn--...") form: a non-ASCII byte anywhere is refused, so
 *     no two spellings of one address (Unicode case folding, look-alike
 *     scripts) can name two accounts, and SMTPUTF8 is never needed.
 * Letters are lower-cased on the way in. The local part is case-sensitive in
 * theory (RFC 5321 section 2.4) but no real system treats it so, and one
 * spelling per address is what makes the UNIQUE constraint mean "one account
 * per address".
 */
#ifndef GC_AUTH_ACCOUNTS_H
#define GC_AUTH_ACCOUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "auth/secrets.h"
#include "auth/password.h"
#include "base/arena.h"
#include "base/status.h"
#include "store/store.h"

#define GC_EMAIL_MAX 254
#define GC_EMAIL_LOCAL_MAX 64
/* Organisation and person names, in characters (code points). */
#define GC_ORG_NAME_MAX 200
#define GC_USER_NAME_MAX 200
/* A module name in module_limits: [a-z0-9_], as module names are. */
#define GC_MODULE_NAME_MAX 32

/* Whether MFA (TOTP) is required of every account of this kind of
 * organisation: member and observer states and the Secretariat (A2). */
bool gc_auth_mfa_required(enum gc_org_kind kind);

/*
 * Checks an e-mail address against the rules above and writes it lower-cased
 * into out (GC_EMAIL_MAX + 1 bytes). GC_EINVAL when it breaks a rule
 * (including when it is too long).
 */
GC_MUST_CHECK gc_status gc_email_normalise(const char *email, char out[GC_EMAIL_MAX + 1]);

/* --- organisations ---------------------------------------------------------- */

struct gc_org_new {
	enum gc_org_kind kind;
	const char *name;    /* 1 to GC_ORG_NAME_MAX characters of one line, no outer spaces */
	const char *country; /* ISO3: required for member and observer states, refused for others */
	bool four_eyes;
};

struct gc_org {
	int64_t id;
	enum gc_org_kind kind;
	const char *name;
	const char *country;  /* NULL unless a state */
	bool four_eyes;
	bool active;          /* status 'active' (false: 'disabled') */
	bool demo;
	const char *created_at;
};

/*
 * Creates an organisation [in the caller's write transaction]. A member state
 * must name a country of the countries table whose status is 'member', an
 * observer state one whose status is 'observer' (the UN's lists, loaded by
 * the countries module); several organisations may speak for one state (a
 * ministry and a national CERT). Errors:
 *   GC_EINVAL     a field is invalid: *field (may be NULL) names it
 *                 ("kind", "name", "country")
 *   GC_ECONFLICT  an organisation of that name exists (*field = "name")
 * *id gets the new organisation's id.
 */
GC_MUST_CHECK gc_status gc_org_create(struct gc_db *db, const struct gc_org_new *org, int64_t now, int64_t *id,
				      const char **field);

/* One organisation; GC_ENOTFOUND when there is none. Strings in arena. */
GC_MUST_CHECK gc_status gc_org_get(struct gc_db *db, int64_t id, struct gc_arena *arena, struct gc_org *out);

/*
 * Every organisation ordered by name, as an array of objects
 * {id, kind, name, country, four_eyes (bool), status, demo (bool), created_at}.
 */
GC_MUST_CHECK gc_status gc_org_list(struct gc_db *db, json_t **rows);

/* Turns the four-eyes rule on or off [caller's transaction]. GC_ENOTFOUND. */
GC_MUST_CHECK gc_status gc_org_set_four_eyes(struct gc_db *db, int64_t org_id, bool four_eyes, int64_t now);

/*
 * Disables (active false) or re-enables an organisation [caller's
 * transaction]. Disabling ends every session and revokes every API token of
 * its users at once (A5); re-enabling does not bring them back. While it is
 * disabled no session or token of its users resolves. GC_ENOTFOUND.
 */
GC_MUST_CHECK gc_status gc_org_set_active(struct gc_db *db, int64_t org_id, bool active, int64_t now);

/* --- users ------------------------------------------------------------------ */

enum gc_user_status { GC_USER_INVITED, GC_USER_ACTIVE, GC_USER_DISABLED };

/* "invited", "active", "disabled"; NULL for an unknown value. */
const char *gc_user_status_name(enum gc_user_status status);

struct gc_user_new {
	int64_t org_id;
	const char *email;   /* checked and lower-cased (gc_email_normalise) */
	const char *name;    /* NULL, or 1 to GC_USER_NAME_MAX characters of one line */
	enum gc_role role;
};

struct gc_user {
	int64_t id;
	int64_t org_id;
	const char *email;
	const char *name;            /* NULL when not given */
	enum gc_role role;
	enum gc_user_status status;
	/* Sensitive: for the login code only, never for a view or a log. */
	const char *password_hash;   /* NULL until a password is set */
	const char *totp_secret;     /* sealed (auth/totp.h), NULL until enrolled */
	int64_t totp_last_step;
	bool mfa_enabled;
	/* NULL-free list; n_module_limits == 0: every module. */
	const char *module_limits[GC_PRINCIPAL_MAX_MODULE_LIMITS];
	size_t n_module_limits;
	const char *created_at;
	const char *updated_at;
	const char *password_changed_at; /* NULL when never set */
};

/*
 * Creates a user with status 'invited' and no password [caller's
 * transaction]; send them an invitation (auth/invitations.h). Errors:
 *   GC_EINVAL     *field names the bad field ("email", "name", "role")
 *   GC_ENOTFOUND  no such organisation, or it is disabled (*field = "org")
 *   GC_ECONFLICT  the address has an account already (*field = "email")
 */
GC_MUST_CHECK gc_status gc_user_create(struct gc_db *db, const struct gc_user_new *user, int64_t now, int64_t *id,
				       const char **field);

/* A user by id, or by e-mail address (any spelling gc_email_normalise
 * accepts; an address it refuses is GC_ENOTFOUND like an unknown one). */
/*
 * The principal that seeds a module's demo data for org (whose state is
 * country, ISO3): its first admin, or else a new invited admin
 * "<module>.demo@<country>.demo.invalid" without a password (gcscp demo).
 */
GC_MUST_CHECK gc_status gc_user_demo_principal(struct gc_db *db, struct gc_arena *arena, int64_t org,
					       const char *country, const char *module, struct gc_principal **out);
GC_MUST_CHECK gc_status gc_user_get(struct gc_db *db, int64_t id, struct gc_arena *arena, struct gc_user *out);
GC_MUST_CHECK gc_status gc_user_find(struct gc_db *db, const char *email, struct gc_arena *arena,
				     struct gc_user *out);

/*
 * The users of one organisation ordered by e-mail, as objects
 * {id, email, name, role, status, mfa_enabled (bool), module_limits (array
 * or null), created_at, password_changed_at}: never a hash or a seed.
 */
GC_MUST_CHECK gc_status gc_user_list(struct gc_db *db, int64_t org_id, json_t **rows);

/*
 * Changes a user's role [caller's transaction]. Every session of the user
 * ends, so the new privileges are only ever used under a new session token
 * (A5: a new token on a privilege change); API tokens stay, and act with the
 * new role from their next request since the principal is read afresh each
 * time. GC_ENOTFOUND when there is no such user.
 */
GC_MUST_CHECK gc_status gc_user_set_role(struct gc_db *db, int64_t user_id, enum gc_role role, int64_t now);

/*
 * Disables a user [caller's transaction]: status 'disabled', and at once
 * every session ends, every API token is revoked and every unused invitation
 * is withdrawn (A5). Idempotent. GC_ENOTFOUND when there is no such user.
 */
GC_MUST_CHECK gc_status gc_user_disable(struct gc_db *db, int64_t user_id, int64_t now);

/* Re-enables a disabled user [caller's transaction]: 'active' when they have a
 * password, else 'invited'. Nothing ended by disabling comes back. */
GC_MUST_CHECK gc_status gc_user_enable(struct gc_db *db, int64_t user_id, int64_t now);

/*
 * Limits the modules an editor may edit [caller's transaction]. limits holds
 * n names (n == 0: no limit, every module), each of which must be among the
 * n_known names of known (the registry's modules, given by the caller, since
 * this layer may not include modules/). At most GC_PRINCIPAL_MAX_MODULE_LIMITS,
 * no duplicates. GC_EINVAL (unknown, duplicate or malformed name),
 * GC_ETOOBIG (too many), GC_ENOTFOUND (no such user).
 */
GC_MUST_CHECK gc_status gc_user_set_module_limits(struct gc_db *db, int64_t user_id, const char *const *limits,
						  size_t n, const char *const *known, size_t n_known, int64_t now);

/*
 * Sets a user's password [caller's transaction] after checking it against
 * the policy (auth/password.h) with the context words "gcscp", "cyber", the
 * organisation's name, the user's name and e-mail address (its local part
 * and that part's words), and hashing it with the pepper. An invited user
 * becomes active. Every session of the user except keep_session_id (0: every
 * one) ends. Argon2 runs inside the transaction, holding SQLite's write lock
 * for its duration (about 0.1 s at the interactive cost): acceptable for an
 * operation this rare.
 *   GC_EINVAL     refused by the policy: *reason is an i18n key of
 *                 auth/password.h ("password.too_short", ...)
 *   GC_ENOTFOUND  no such user, or the user is disabled
 *   other         the check or the hash could not run (refuse the change)
 * An account reset (A4) also revokes the user's API tokens: call
 * gc_token_revoke_all() in the same transaction.
 */
GC_MUST_CHECK gc_status gc_user_set_password(struct gc_db *db, const struct gc_secrets *secrets, int64_t user_id,
					     const char *password, size_t len, enum gc_password_cost cost,
					     int64_t keep_session_id, int64_t now, const char **reason);

/*
 * Stores a completed TOTP enrolment [caller's transaction]: the sealed seed
 * (gc_totp_seal), the step of the code that confirmed it, mfa_enabled = 1,
 * and the n recovery code hashes (gc_recovery_generate's hash[]), replacing
 * any earlier codes. GC_ENOTFOUND when the user is missing or disabled.
 */
GC_MUST_CHECK gc_status gc_user_mfa_enrol(struct gc_db *db, int64_t user_id, const char *sealed_secret,
					  int64_t accepted_step, const char *const *recovery_hashes, size_t n,
					  int64_t now);

/*
 * Records that the TOTP code of step was accepted [caller's transaction], so
 * it is never accepted again. Atomic across nodes: GC_ECONFLICT when the
 * stored last step is already at or past step (the same code used twice at
 * once on two nodes: refuse it like a wrong code). GC_ENOTFOUND.
 */
GC_MUST_CHECK gc_status gc_user_totp_step(struct gc_db *db, int64_t user_id, int64_t step);

/*
 * The user's unused recovery codes: *hashes and *ids (arena arrays of *n) for
 * gc_recovery_verify(); mark the matching one used with
 * gc_recovery_code_use() in the sign-in's transaction.
 */
GC_MUST_CHECK gc_status gc_recovery_codes_unused(struct gc_db *db, int64_t user_id, struct gc_arena *arena,
						 const char ***hashes, int64_t **ids, size_t *n);

/* Marks a recovery code used [caller's transaction]. GC_ENOTFOUND when it is
 * missing or already used (a race: refuse the sign-in). */
GC_MUST_CHECK gc_status gc_recovery_code_use(struct gc_db *db, int64_t code_id, int64_t now);

/* --- principals --------------------------------------------------------------- */

/*
 * The columns a principal is built from, for the resolvers' joins of users
 * AS u with organisations AS o.
 */
#define GC_PRINCIPAL_COLUMNS                                                                                        \
	"u.id AS user_id, u.email AS email, u.name AS user_name, u.role AS role, u.status AS user_status,"         \
	" u.module_limits AS module_limits, o.id AS org_id, o.name AS org_name, o.kind AS org_kind,"              \
	" o.country AS org_country, o.four_eyes AS org_four_eyes, o.status AS org_status"

/*
 * Builds a principal in arena from a row holding GC_PRINCIPAL_COLUMNS. The
 * session and token fields are left for the caller. GC_EDB when the row
 * holds a value the schema cannot (an unknown role, malformed module limits):
 * the account then resolves to nothing rather than to a guess. Does not look
 * at the statuses: the caller decides which may act.
 */
GC_MUST_CHECK gc_status gc_principal_from_row(const json_t *row, struct gc_arena *arena, struct gc_principal **out);

/* The principal of an active user of an active organisation; GC_ENOTFOUND
 * for anyone else. For jobs and tools that act for a user. */
GC_MUST_CHECK gc_status gc_principal_load(struct gc_db *db, int64_t user_id, struct gc_arena *arena,
					  struct gc_principal **out);

#endif
