/*
 * Passwords (SECURITY.md A1, NIST SP 800-63B-4 section 3.1.1).
 *
 * The policy, gc_password_check():
 *   - well-formed UTF-8 with no control character (C0, DEL, C1, TAB, CR, LF,
 *     NUL) and no bidirectional override or isolate     -> "password.invalid"
 *   - at least 15 characters (Unicode code points)      -> "password.too_short"
 *   - at most 1,024 characters accepted                 -> "password.too_long"
 *   - not in the shipped list of common and breached passwords
 *     (data/common-passwords.txt), not a single repeated character, a short
 *     repeated unit ("abcabcabc..."), fewer than 5 distinct characters, a run
 *     of consecutive characters ("123456789012345", "abcdefghijklmnop",
 *     "zyxw...") or a walk along a keyboard row ("qwertyuiopasdfg")
 *                                                       -> "password.common"
 *   - not containing a context word                     -> "password.context"
 *   - no composition rules (no "one digit, one symbol"): NIST says they make
 *     passwords worse, and length does the work.
 * The reasons are keys of the i18n catalogs, to be shown to the user.
 *
 * Comparisons ignore case: characters are folded with a simple one-to-one
 * lower-casing of Latin (ASCII, Latin-1, Latin Extended-A), Greek and
 * Cyrillic, the cased scripts among the UN languages; Arabic and Chinese have
 * no case. The list is also checked with separators removed
 * ("correct-horse battery_staple") and with trailing digits and symbols
 * removed ("passwordpassword2024!").
 *
 * Context words: "gcscp" and "cyber" always, plus the caller's (the
 * organisation's name, the user's name, the e-mail address). Each caller
 * entry counts whole and also split into words at spaces and punctuation; an
 * entry with '@' contributes its local part and that part's words. Only words
 * of 4 or more characters count, so "un" or "of" do not ban half the
 * dictionary. A password that contains (or equals) one is refused.
 *
 * No Unicode normalisation is applied (the build has no normalisation
 * tables): the same password typed as precomposed and decomposed accents
 * hashes differently. The portal's forms send what the browser produced.
 *
 * Hashing: Argon2id (libsodium crypto_pwhash_str) over
 * base64(HMAC-SHA-512(pepper, password)). The pepper lives outside the
 * database (auth/secrets.h), so a stolen database alone cannot be attacked
 * offline; the pre-hash gives Argon2 a fixed 88-byte input, so no password is
 * ever truncated or treated differently for its length. The stored string is
 * libsodium's "$argon2id$v=19$m=...,t=...,p=1$salt$hash" with its parameters,
 * so gc_password_needs_rehash() can tell when to upgrade a hash at the next
 * successful login.
 *
 * Cost: one INTERACTIVE hash takes 64 MiB and about 0.1 s of one core;
 * MODERATE 256 MiB and about 0.5 s. The caller must bound how many run at
 * once (say, a semaphore sized to the memory set aside for logins) so a
 * burst of logins cannot exhaust memory.
 *
 * Thread safety: the common list is loaded once (gc_password_init, or
 * lazily on first check) and read-only afterwards; every function is safe to
 * call from many threads.
 */
#ifndef GC_AUTH_PASSWORD_H
#define GC_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/secrets.h"
#include "base/status.h"

#define GC_PASSWORD_MIN_CHARS 15
#define GC_PASSWORD_MAX_CHARS 1024
/* Longer input is refused as too long without being decoded. */
#define GC_PASSWORD_MAX_BYTES (4 * GC_PASSWORD_MAX_CHARS)
/* Context words shorter than this are ignored. */
#define GC_PASSWORD_CONTEXT_MIN_CHARS 4
/* Buffer size for a stored hash (libsodium's crypto_pwhash_STRBYTES). */
#define GC_PASSWORD_HASH_SIZE 128
/* The embedded list. */
#define GC_PASSWORD_LIST_PATH "data/common-passwords.txt"

enum gc_password_cost {
	GC_PASSWORD_COST_INTERACTIVE, /* the default: 64 MiB, ops 2 */
	GC_PASSWORD_COST_MODERATE,    /* 256 MiB, ops 3: for a server with memory to spare */
	GC_PASSWORD_COST_MIN,         /* tests only: far too cheap for real passwords */
};

/*
 * Loads the common-password list from the embedded files, once. Call it at
 * start-up so a problem shows there; gc_password_check() calls it too.
 * GC_ENOTFOUND when the binary carries no list, GC_EINVAL when it is
 * malformed, GC_ENOMEM. The result is remembered: a failed load fails every
 * later check (never silently passes them).
 */
GC_MUST_CHECK gc_status gc_password_init(void);

/* Entries in the list (loading it if need be; 0 when it cannot be loaded). */
size_t gc_password_list_size(void);

/*
 * Checks a new password (len bytes, need not be NUL-terminated) against the
 * policy above. context holds n_context NUL-terminated strings (NULL entries
 * are skipped; context may be NULL when n_context is 0).
 * GC_OK: acceptable. GC_EINVAL: refused, *reason is one of the keys above
 * (a static string). Any other status is a failure to check (the list could
 * not be loaded, out of memory): refuse the password and log it.
 */
GC_MUST_CHECK gc_status gc_password_check(const char *password, size_t len, const char *const *context,
					  size_t n_context, const char **reason);

/*
 * Hashes password (len bytes, at most GC_PASSWORD_MAX_BYTES) into out
 * (GC_PASSWORD_HASH_SIZE bytes, NUL-terminated). Call gc_password_check()
 * first for a new password; this function only refuses empty or oversized
 * input (GC_EINVAL / GC_ETOOBIG). GC_ENOMEM when Argon2 cannot get its memory.
 */
GC_MUST_CHECK gc_status gc_password_hash(const struct gc_secrets *secrets, const char *password, size_t len,
					 enum gc_password_cost cost, char out[GC_PASSWORD_HASH_SIZE]);

/*
 * Does password match stored (a string from gc_password_hash)? The
 * comparison is constant-time (libsodium). GC_OK: it matches. GC_EINVAL: it
 * does not, or stored is not a hash this module made, or Argon2 could not get
 * its memory (libsodium does not tell these apart; all of them must refuse
 * the login). Spend the same time on unknown accounts by verifying against a
 * hash made at start-up, so timing does not reveal which accounts exist.
 */
GC_MUST_CHECK gc_status gc_password_verify(const struct gc_secrets *secrets, const char *stored, const char *password,
					   size_t len);

/* True when stored was made with other parameters than cost's (or is not a
 * hash this module understands): rehash after the next successful verify. */
bool gc_password_needs_rehash(const char *stored, enum gc_password_cost cost);

#endif
