#include "auth/totp.h"

#include <oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"

#define SEALED_VERSION 0x01
#define SEALED_BYTES (1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + GC_TOTP_SECRET_BYTES)

_Static_assert(sodium_base64_ENCODED_LEN(SEALED_BYTES, sodium_base64_VARIANT_ORIGINAL) == GC_TOTP_SEALED_SIZE,
	       "GC_TOTP_SEALED_SIZE must match the sealed layout");
_Static_assert(sizeof(GC_RECOVERY_ALPHABET) - 1 == 32, "the recovery alphabet has 32 symbols (5 bits each)");

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_status = OATH_OK;

static void oath_setup(void)
{
	oath_status = oath_init();
}

void gc_totp_new_secret(unsigned char secret[GC_TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, GC_TOTP_SECRET_BYTES);
}

void gc_totp_base32(const unsigned char secret[GC_TOTP_SECRET_BYTES], char out[GC_TOTP_BASE32_SIZE])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned bits = 0, acc = 0;
	size_t k = 0;

	/* 160 bits are exactly 32 symbols: no padding, nothing left over. */
	for (size_t i = 0; i < GC_TOTP_SECRET_BYTES; i++) {
		acc = (acc << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[k++] = alphabet[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	out[k] = '\0';
}

gc_status gc_totp_uri(const unsigned char secret[GC_TOTP_SECRET_BYTES], const char *email, struct gc_buf *out)
{
	char b32[GC_TOTP_BASE32_SIZE];
	size_t n;

	if (!email || !(n = strlen(email)) || !gc_text_acceptable_line(email, n) || memchr(email, '\t', n))
		return GC_EINVAL;
	gc_totp_base32(secret, b32);
	/* The label is "issuer:account"; the colon stays literal, as the Key
	 * URI format shows, and the account is encoded like a query value so
	 * '@', ':', '/', '?' and '#' cannot end the label early. */
	gc_buf_lit(out, "otpauth://totp/" GC_TOTP_ISSUER ":");
	gc_buf_url_query(out, email, n);
	gc_buf_lit(out, "?secret=");
	gc_buf_raw(out, b32, strlen(b32));
	gc_buf_lit(out, "&issuer=" GC_TOTP_ISSUER "&algorithm=SHA1&digits=6&period=30");
	sodium_memzero(b32, sizeof(b32));
	return gc_buf_error(out);
}

gc_status gc_totp_seal(const struct gc_secrets *secrets, const unsigned char secret[GC_TOTP_SECRET_BYTES],
		       char out[GC_TOTP_SEALED_SIZE])
{
	unsigned char box[SEALED_BYTES];
	unsigned char *nonce = box + 1;

	if (!secrets)
		return GC_EINVAL;
	box[0] = SEALED_VERSION;
	randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
	if (crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, secret, GC_TOTP_SECRET_BYTES, nonce,
				  secrets->totp_key) != 0)
		return GC_EINVAL;
	sodium_bin2base64(out, GC_TOTP_SEALED_SIZE, box, sizeof(box), sodium_base64_VARIANT_ORIGINAL);
	return GC_OK;
}

gc_status gc_totp_open(const struct gc_secrets *secrets, const char *sealed, unsigned char secret[GC_TOTP_SECRET_BYTES])
{
	unsigned char box[SEALED_BYTES];
	const unsigned char *nonce = box + 1;
	const char *end = NULL;
	size_t len = 0, text_len;

	if (!secrets || !sealed)
		return GC_EINVAL;
	text_len = strnlen(sealed, GC_TOTP_SEALED_SIZE);
	/* Strict: no whitespace skipped, nothing after the padding. */
	if (text_len != GC_TOTP_SEALED_SIZE - 1 ||
	    sodium_base642bin(box, sizeof(box), sealed, text_len, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) !=
		    0 ||
	    len != sizeof(box) || end != sealed + text_len || box[0] != SEALED_VERSION)
		return GC_EINVAL;
	if (crypto_secretbox_open_easy(secret, nonce + crypto_secretbox_NONCEBYTES,
				       crypto_secretbox_MACBYTES + GC_TOTP_SECRET_BYTES, nonce, secrets->totp_key) != 0) {
		sodium_memzero(secret, GC_TOTP_SECRET_BYTES);
		return GC_EINVAL;
	}
	return GC_OK;
}

/* HOTP for one step: RFC 6238 is RFC 4226 with the step number as counter. */
static gc_status code_for_step(const unsigned char *secret, size_t secret_len, uint64_t step, unsigned digits,
			       char *out)
{
	pthread_once(&oath_once, oath_setup);
	if (oath_status != OATH_OK)
		return GC_EIO;
	if (oath_hotp_generate((const char *)secret, secret_len, step, digits, false, OATH_HOTP_DYNAMIC_TRUNCATION,
			       out) != OATH_OK)
		return GC_EIO;
	return GC_OK;
}

gc_status gc_totp_code(const unsigned char *secret, size_t secret_len, int64_t t, unsigned digits, char *out)
{
	if (!secret || secret_len == 0 || t < 0 || digits < 6 || digits > 8)
		return GC_EINVAL;
	return code_for_step(secret, secret_len, (uint64_t)(t / GC_TOTP_STEP_SECONDS), digits, out);
}

gc_status gc_totp_verify(const unsigned char secret[GC_TOTP_SECRET_BYTES], const char *code, int64_t now,
			 int64_t last_step, int64_t *accepted_step)
{
	char candidate[GC_TOTP_DIGITS + 1];
	int64_t step = now / GC_TOTP_STEP_SECONDS;
	int64_t found = -1;
	bool replay = false;
	gc_status st = GC_OK;

	if (!code || now < 0 || strnlen(code, GC_TOTP_DIGITS + 1) != GC_TOTP_DIGITS)
		return GC_EINVAL;
	for (size_t i = 0; i < GC_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return GC_EINVAL;
	/* All candidates are computed and compared, matched or not, so the
	 * time taken says nothing about which step (if any) matched. */
	for (int64_t s = step - GC_TOTP_WINDOW; s <= step + GC_TOTP_WINDOW; s++) {
		if (s < 0)
			continue;
		st = code_for_step(secret, GC_TOTP_SECRET_BYTES, (uint64_t)s, GC_TOTP_DIGITS, candidate);
		if (st != GC_OK)
			goto out;
		bool match = sodium_memcmp(candidate, code, GC_TOTP_DIGITS) == 0;
		/* The earliest unused matching step: a later one would refuse
		 * more codes than needed. */
		if (match && s > last_step && found < 0)
			found = s;
		if (match && s <= last_step)
			replay = true;
	}
	if (found >= 0) {
		*accepted_step = found;
		st = GC_OK;
	} else {
		st = replay ? GC_ECONFLICT : GC_EINVAL;
	}
out:
	sodium_memzero(candidate, sizeof(candidate));
	return st;
}

/* --- recovery codes -------------------------------------------------------- */

static void recovery_hash(const struct gc_secrets *secrets, const char norm[GC_RECOVERY_CODE_CHARS],
			  char out[GC_RECOVERY_HASH_SIZE])
{
	/* A fixed label separates these MACs from any other use of the pepper. */
	static const char label[] = "gcscp-recovery-v1:";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state state;

	crypto_auth_hmacsha256_init(&state, secrets->pepper, sizeof(secrets->pepper));
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)label, sizeof(label) - 1);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)norm, GC_RECOVERY_CODE_CHARS);
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_bin2hex(out, GC_RECOVERY_HASH_SIZE, mac, sizeof(mac));
	sodium_memzero(&state, sizeof(state));
	sodium_memzero(mac, sizeof(mac));
}

/* Lower-cases and drops spaces and dashes; false unless exactly 10 symbols of the alphabet remain. */
static bool recovery_normalise(const char *code, char norm[GC_RECOVERY_CODE_CHARS])
{
	size_t k = 0;
	for (size_t i = 0; code[i]; i++) {
		char c = code[i];
		if (i >= 64)
			return false; /* no code is this long, however spaced */
		if (c == ' ' || c == '-')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (k == GC_RECOVERY_CODE_CHARS || c == '\0' || !strchr(GC_RECOVERY_ALPHABET, c))
			return false;
		norm[k++] = c;
	}
	return k == GC_RECOVERY_CODE_CHARS;
}

void gc_recovery_generate(const struct gc_secrets *secrets, struct gc_recovery_codes *out)
{
	char norm[GC_RECOVERY_CODE_CHARS];

	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++) {
		bool duplicate;
		do {
			/* 32 symbols: the low 5 bits of a random byte pick one
			 * uniformly, with no modulo bias. */
			unsigned char r[GC_RECOVERY_CODE_CHARS];
			randombytes_buf(r, sizeof(r));
			for (size_t k = 0; k < GC_RECOVERY_CODE_CHARS; k++)
				norm[k] = GC_RECOVERY_ALPHABET[r[k] & 31];
			sodium_memzero(r, sizeof(r));
			recovery_hash(secrets, norm, out->hash[i]);
			duplicate = false;
			for (size_t j = 0; j < i; j++)
				duplicate |= strcmp(out->hash[j], out->hash[i]) == 0;
		} while (duplicate);
		/* 4-4-2 groups, so that reading one out loud is easy. */
		char *p = out->plain[i];
		memcpy(p, norm, 4);
		p[4] = '-';
		memcpy(p + 5, norm + 4, 4);
		p[9] = '-';
		memcpy(p + 10, norm + 8, 2);
		p[12] = '\0';
	}
	sodium_memzero(norm, sizeof(norm));
}

void gc_recovery_codes_wipe(struct gc_recovery_codes *codes)
{
	if (codes)
		sodium_memzero(codes, sizeof(*codes));
}

gc_status gc_recovery_verify(const struct gc_secrets *secrets, const char *code, const char *const *hashes, size_t n,
			     size_t *index)
{
	char norm[GC_RECOVERY_CODE_CHARS];
	char mine[GC_RECOVERY_HASH_SIZE];
	size_t found = SIZE_MAX;
	gc_status st = GC_ENOTFOUND;

	if (!secrets || !code || (n > 0 && !hashes) || !recovery_normalise(code, norm)) {
		sodium_memzero(norm, sizeof(norm));
		return GC_EINVAL;
	}
	recovery_hash(secrets, norm, mine);
	for (size_t i = 0; i < n; i++) {
		if (!hashes[i] || strnlen(hashes[i], GC_RECOVERY_HASH_SIZE) != GC_RECOVERY_HASH_SIZE - 1)
			continue;
		if (sodium_memcmp(hashes[i], mine, GC_RECOVERY_HASH_SIZE - 1) == 0 && found == SIZE_MAX)
			found = i;
	}
	if (found != SIZE_MAX) {
		*index = found;
		st = GC_OK;
	}
	sodium_memzero(norm, sizeof(norm));
	sodium_memzero(mine, sizeof(mine));
	return st;
}
