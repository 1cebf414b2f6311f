/*
 * Time-based one-time passwords (RFC 6238, through liboath) and recovery
 * codes (SECURITY.md A2).
 *
 * Enrolment, as the integrator wires it:
 *   1. gc_totp_new_secret() -> 20 random bytes (160 bits, RFC 4226's
 *      recommended size, and what every authenticator app accepts).
 *   2. Show gc_totp_uri() as a QR code (auth/qr.h) and gc_totp_base32() as
 *      text for manual entry. Both hold the secret: never log them.
 *   3. Ask for one code and gc_totp_verify() it (last_step 0); only then
 *      store gc_totp_seal()'s text and the accepted step.
 * Sign-in: gc_totp_open() the stored text, gc_totp_verify() the code against
 * the stored last step, and in the same transaction store the accepted step
 * as the new last step, so a code is accepted once (a replay, even within
 * its 90-second window, is refused).
 *
 * Parameters: SHA-1, 6 digits, 30-second steps, T0 = 0 (the defaults every
 * authenticator app implements; SHA-1's collision weakness does not touch
 * HMAC). A code is accepted for the current step and one step either side
 * (clock drift), never for a step at or before the last accepted one.
 *
 * At rest the secret is encrypted with crypto_secretbox (XSalsa20-Poly1305)
 * under secrets->totp_key (auth/secrets.h), which is not in the database.
 * The stored text is base64 (RFC 4648, padded) of
 *     version (1 byte, 0x01) || nonce (24 random bytes) || secretbox (16 + 20)
 * a fixed 84 characters, for a TEXT column. The version byte leaves room for
 * a key rotation later; a tampered or foreign text fails to open.
 *
 * Recovery codes: GC_RECOVERY_CODE_COUNT codes of 10 characters drawn
 * uniformly from a 32-symbol alphabet without look-alikes (digits 2-9 and the
 * letters but l and o; 0, 1, l, o, O never appear), shown as "k7qf-m2xr-9p".
 * Entropy: log2(32) = 5 bits a character, 10 characters = 50 bits a code.
 * That is plenty against online guessing (rate-limited logins would need
 * ~10^14 tries for even odds) but not against an offline search of a stolen
 * table: 2^50 SHA-256 evaluations is about a day on one GPU, and without a
 * per-code salt one pass cracks every user's codes at once. Below 80 bits a
 * plain hash is not enough, so codes are stored as
 *     hex(HMAC-SHA-256(pepper, "gcscp-recovery-v1:" || normalised code))
 * keyed with the pepper kept outside the database: a stolen table alone
 * gives nothing to search. (A slow hash per code would be the alternative;
 * the keyed hash keeps verification cheap without giving up anything, since
 * the key is what an attacker lacks.) Input is normalised before hashing:
 * case, spaces and dashes do not matter ("K7QF M2XR 9P" works).
 *
 * Thread safety: every function is safe from any thread; the library is set
 * up on first use.
 */
#ifndef GC_AUTH_TOTP_H
#define GC_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "auth/secrets.h"
#include "base/buf.h"
#include "base/status.h"

#define GC_TOTP_SECRET_BYTES 20
#define GC_TOTP_DIGITS 6
#define GC_TOTP_STEP_SECONDS 30
#define GC_TOTP_WINDOW 1 /* steps accepted either side of now */
#define GC_TOTP_ISSUER "GCSCP"
/* base32 of the secret, no padding, NUL-terminated: 32 characters + 1 */
#define GC_TOTP_BASE32_SIZE 33
/* gc_totp_seal()'s text with its NUL: base64 of 1 + 24 + 16 + 20 = 61 bytes */
#define GC_TOTP_SEALED_SIZE 85

/* 20 fresh random bytes. Wipe them (sodium_memzero) when done. */
void gc_totp_new_secret(unsigned char secret[GC_TOTP_SECRET_BYTES]);

/* The secret in RFC 4648 base32, upper case, without padding, for manual entry. */
void gc_totp_base32(const unsigned char secret[GC_TOTP_SECRET_BYTES], char out[GC_TOTP_BASE32_SIZE]);

/*
 * Appends the otpauth URI to out:
 *   otpauth://totp/GCSCP:<email>?secret=<base32>&issuer=GCSCP&algorithm=SHA1&digits=6&period=30
 * with the e-mail percent-encoded (RFC 3986 unreserved characters kept).
 * GC_EINVAL when email is empty, not UTF-8, or has control characters;
 * otherwise out's sticky error (GC_ETOOBIG, GC_ENOMEM) if an append failed.
 * The URI holds the secret: wipe and free it after drawing it.
 */
GC_MUST_CHECK gc_status gc_totp_uri(const unsigned char secret[GC_TOTP_SECRET_BYTES], const char *email,
				    struct gc_buf *out);

/* Encrypts the secret for storage into out (GC_TOTP_SEALED_SIZE bytes, NUL-terminated). */
GC_MUST_CHECK gc_status gc_totp_seal(const struct gc_secrets *secrets, const unsigned char secret[GC_TOTP_SECRET_BYTES],
				     char out[GC_TOTP_SEALED_SIZE]);

/*
 * Decrypts a stored text into secret. GC_EINVAL when the text is malformed,
 * of an unknown version, tampered with, or sealed under another key.
 */
GC_MUST_CHECK gc_status gc_totp_open(const struct gc_secrets *secrets, const char *sealed,
				     unsigned char secret[GC_TOTP_SECRET_BYTES]);

/*
 * Checks a 6-digit code typed at unix time now against the steps now-1, now,
 * now+1 (30 s each) that are after last_step (0 before the first use).
 * Every candidate is computed and compared in constant time.
 *   GC_OK        accepted: *accepted_step is its step; store it as the new
 *                last step in the same transaction as the sign-in
 *   GC_EINVAL    wrong code, or not 6 ASCII digits
 *   GC_ECONFLICT the right code for a step already used (a replay): refuse
 *                it exactly like a wrong code; the status is for the audit log
 *   GC_EIO       liboath failed
 */
GC_MUST_CHECK gc_status gc_totp_verify(const unsigned char secret[GC_TOTP_SECRET_BYTES], const char *code, int64_t now,
				       int64_t last_step, int64_t *accepted_step);

/*
 * The code for unix time t with digits digits (6 to 8), NUL-terminated in out
 * (digits + 1 bytes): the plain RFC 6238 function, for tests and tools.
 * secret_len may differ from 20 (RFC 6238's test secrets do not).
 */
GC_MUST_CHECK gc_status gc_totp_code(const unsigned char *secret, size_t secret_len, int64_t t, unsigned digits,
				     char *out);

/* --- recovery codes -------------------------------------------------------- */

#define GC_RECOVERY_CODE_COUNT 10
#define GC_RECOVERY_CODE_CHARS 10
#define GC_RECOVERY_ALPHABET "23456789abcdefghijkmnpqrstuvwxyz"
/* "k7qf-m2xr-9p" and its NUL */
#define GC_RECOVERY_CODE_SIZE 13
/* hex of HMAC-SHA-256 and its NUL */
#define GC_RECOVERY_HASH_SIZE 65

struct gc_recovery_codes {
	char plain[GC_RECOVERY_CODE_COUNT][GC_RECOVERY_CODE_SIZE]; /* show once, then wipe */
	char hash[GC_RECOVERY_CODE_COUNT][GC_RECOVERY_HASH_SIZE];  /* store these */
};

/* Ten new, distinct codes and their hashes. Wipe with gc_recovery_codes_wipe(). */
void gc_recovery_generate(const struct gc_secrets *secrets, struct gc_recovery_codes *out);

/* sodium_memzero over the whole struct. Accepts NULL. */
void gc_recovery_codes_wipe(struct gc_recovery_codes *codes);

/*
 * Does code match one of the n stored hashes? Unused codes only: the caller
 * passes NULL (or drops) the entries already used. Every entry is compared,
 * in constant time, whatever matches.
 *   GC_OK        *index is the matching entry: mark it used (delete the
 *                hash or set used_at) in the same transaction as the sign-in,
 *                so the code works once
 *   GC_ENOTFOUND no unused code matches
 *   GC_EINVAL    code is not 10 characters of the alphabet (after removing
 *                spaces and dashes and lower-casing)
 */
GC_MUST_CHECK gc_status gc_recovery_verify(const struct gc_secrets *secrets, const char *code,
					   const char *const *hashes, size_t n, size_t *index);

#endif
