/*
 * Login throttling (SECURITY.md A3). Part of the auth data layer: read
 * auth/auth.h for the contract on time.
 *
 * Every password check is recorded in login_attempts under two keys: the
 * account key, an HMAC of the lower-cased e-mail address under the pepper
 * (so the table does not list who tried to sign in, and a stolen table
 * cannot be matched against a list of addresses), and the client's address
 * as the HTTP layer established it (never X-Forwarded-For from an untrusted
 * peer). The key is computed the same way whether the account exists or not,
 * so throttling never tells the two apart.
 *
 * The rule, over the last GC_THROTTLE_WINDOW_SECONDS:
 *   - an account is refused once it has GC_THROTTLE_ACCOUNT_FAILURES
 *     failures since its last success (the sixth attempt waits): a success
 *     clears the effect of the failures before it;
 *   - an address is refused once it has GC_THROTTLE_IP_FAILURES failures,
 *     successes or not (otherwise an attacker holding one valid account
 *     could reset the count between guesses at others).
 * The login handler calls gc_throttle_check first; on GC_EBUSY it answers 429
 * with Retry-After (and writes login.throttled) WITHOUT checking the password
 * or recording an attempt; otherwise it checks the password and records the
 * outcome with gc_throttle_record.
 */
#ifndef GC_AUTH_THROTTLE_H
#define GC_AUTH_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/secrets.h"
#include "base/status.h"
#include "store/store.h"

#define GC_THROTTLE_WINDOW_SECONDS (15 * 60)
#define GC_THROTTLE_ACCOUNT_FAILURES 5
#define GC_THROTTLE_IP_FAILURES 20
/* Attempts older than this are purged. */
#define GC_THROTTLE_KEEP_SECONDS (24 * 60 * 60)
/* Hex HMAC-SHA-256 and its NUL. */
#define GC_THROTTLE_KEY_SIZE 65
#define GC_THROTTLE_CLIENT_IP_MAX 64

/*
 * The account key for whatever the person typed as their e-mail address:
 * hex HMAC-SHA-256(pepper, "gcscp-throttle-v1:" || lower-cased ASCII of
 * email). Any input gives a key (an invalid address is throttled like any
 * other), so no error is possible.
 */
void gc_throttle_account_key(const struct gc_secrets *secrets, const char *email, char out[GC_THROTTLE_KEY_SIZE]);

/*
 * May a login for account_key from client_ip be tried at time now?
 *   GC_OK     yes; *retry_after_s = 0
 *   GC_EBUSY  no: *retry_after_s is the number of seconds (at least 1) until
 *             enough counted failures leave the window for an attempt to be
 *             allowed, the larger of the account's and the address's waits
 *             (with exactly the limit reached: until the oldest counted
 *             failure leaves it)
 *   GC_EINVAL an empty key or address; other: the database failed
 */
GC_MUST_CHECK gc_status gc_throttle_check(struct gc_db *db, const char *account_key, const char *client_ip,
					  int64_t now, int64_t *retry_after_s);

/*
 * Records the outcome of a password check (with or without a transaction;
 * inside the login's own, beside its audit record, is the natural place),
 * and purges attempts older than GC_THROTTLE_KEEP_SECONDS on the way (an
 * indexed range delete, nearly free when there is nothing to delete).
 */
GC_MUST_CHECK gc_status gc_throttle_record(struct gc_db *db, const char *account_key, const char *client_ip,
					   bool succeeded, int64_t now);

#endif
