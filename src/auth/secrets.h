/*
 * The portal's secrets that live OUTSIDE the database, so that a database
 * backup alone reveals neither password hashes' pepper nor the key that
 * encrypts TOTP seeds (SECURITY.md A1, A2).
 *
 * They are two files in one directory:
 *
 *   <dir>/pepper     32 random bytes: the HMAC key applied to every password
 *                    before Argon2id, and to recovery codes (auth/password.h,
 *                    auth/totp.h)
 *   <dir>/totp.key   32 random bytes: the crypto_secretbox key for TOTP seeds
 *
 * <dir> is $GCSCP_SECRETS_DIR when set, else <data_dir>/secrets
 * (gc_secrets_dir). The directory must be owned by the user running gcscp and
 * closed to group and others (0700 or stricter); each file must be owned by
 * that user, 0600 or stricter, a regular file (not a link) and exactly 32
 * bytes. Anything else is refused with a message saying what to fix: the
 * program never loosens, repairs or silently replaces a secret.
 *
 * First use: when NEITHER file exists, both are created (the directory too,
 * mode 0700, if it is missing). Each file is written under a temporary name
 * opened with O_CREAT|O_EXCL and mode 0600, fsynced, then linked to its final
 * name (link() refuses to replace an existing file) and the directory is
 * fsynced: a crash never leaves a short secret behind, and two processes
 * starting at once agree on one value. When only ONE of the two exists the
 * load is refused: the other was lost (a restore that forgot it), and creating
 * a new one would silently invalidate every password or TOTP seed.
 *
 * Back up this directory separately from the database, and keep it: losing
 * the pepper means every user must reset their password; losing totp.key
 * means every user must enrol their authenticator again.
 *
 * Ownership: gc_secrets_load() returns memory the caller owns and releases
 * with gc_secrets_free(). The struct lives in libsodium's guarded memory
 * (sodium_malloc: guard pages, locked out of swap where the system allows)
 * and is made read-only after loading; load it once at start-up and share
 * the const pointer between threads.
 */
#ifndef GC_AUTH_SECRETS_H
#define GC_AUTH_SECRETS_H

#include <stddef.h>

#include "base/status.h"

#define GC_SECRET_BYTES 32
#define GC_SECRETS_DIR_ENV "GCSCP_SECRETS_DIR"
#define GC_SECRETS_PEPPER_FILE "pepper"
#define GC_SECRETS_TOTP_KEY_FILE "totp.key"

struct gc_secrets {
	unsigned char pepper[GC_SECRET_BYTES];
	unsigned char totp_key[GC_SECRET_BYTES];
};

/*
 * The secrets directory: $GCSCP_SECRETS_DIR when set and not empty, else
 * <data_dir>/secrets. GC_ETOOBIG when it does not fit in out (size bytes).
 */
GC_MUST_CHECK gc_status gc_secrets_dir(const char *data_dir, char *out, size_t size);

/*
 * Loads the secrets from dir, creating them on first use (see above).
 * Errors, with err (may be NULL) holding text for the operator:
 *   GC_EINVAL   the directory or a file is unsafe or malformed (permissions,
 *               owner, type, size), or only one of the two files exists
 *   GC_EIO      an operating-system call failed (errno's text is in err)
 *   GC_ENOMEM   out of memory (guarded memory is scarce: a few pages)
 * *out is set only on GC_OK.
 */
GC_MUST_CHECK gc_status gc_secrets_load(const char *dir, struct gc_secrets **out, char *err, size_t err_size);

/* Wipes (sodium_memzero) and frees. Accepts NULL. */
void gc_secrets_free(struct gc_secrets *secrets);

#endif
