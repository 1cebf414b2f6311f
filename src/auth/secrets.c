#include "auth/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

gc_status gc_secrets_dir(const char *data_dir, char *out, size_t size)
{
	const char *env = getenv(GC_SECRETS_DIR_ENV);
	int n;

	if (env && env[0])
		n = snprintf(out, size, "%s", env);
	else
		n = snprintf(out, size, "%s/secrets", data_dir && data_dir[0] ? data_dir : ".");
	if (n < 0 || (size_t)n >= size)
		return GC_ETOOBIG;
	return GC_OK;
}

/* err may be NULL; formats like snprintf. */
static void set_err(char *err, size_t err_size, const char *fmt, ...) GC_PRINTF(3, 4);
static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;
	if (!err || !err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

/* Group or other may do anything at all: too loose for a secret. */
static bool too_open(mode_t mode)
{
	return (mode & (S_IRWXG | S_IRWXO)) != 0;
}

/* Does name exist in the directory? Links count as existing, so they are
 * refused later instead of being replaced. */
static gc_status secret_exists(int dfd, const char *dir, const char *name, bool *exists, char *err, size_t err_size)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*exists = true;
		return GC_OK;
	}
	if (errno == ENOENT) {
		*exists = false;
		return GC_OK;
	}
	set_err(err, err_size, "cannot inspect %s/%s: %s", dir, name, strerror(errno));
	return GC_EIO;
}

static gc_status write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return GC_EIO;
		p += w;
		n -= (size_t)w;
	}
	return GC_OK;
}

/*
 * Writes GC_SECRET_BYTES fresh random bytes to name: first under a temporary
 * name (O_EXCL, 0600, fsynced), then link() to the final name, which never
 * replaces a file, so a secret another process created first wins and this
 * one is dropped. A crash leaves at worst a stray temporary file, never a
 * short secret under the real name.
 */
static gc_status create_secret(int dfd, const char *dir, const char *name, char *err, size_t err_size)
{
	unsigned char bytes[GC_SECRET_BYTES];
	char tmp[64];
	int fd = -1;
	gc_status st = GC_EIO;

	snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* Left by a crashed run that had our process id: it never got
		 * its final name, so it is garbage. */
		if (unlinkat(dfd, tmp, 0) == 0)
			fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		set_err(err, err_size, "cannot create %s/%s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	randombytes_buf(bytes, sizeof(bytes));
	if (write_all(fd, bytes, sizeof(bytes)) != GC_OK || fsync(fd) != 0) {
		set_err(err, err_size, "cannot write %s/%s: %s", dir, tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		set_err(err, err_size, "cannot write %s/%s: %s", dir, tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (linkat(dfd, tmp, dfd, name, 0) != 0 && errno != EEXIST) {
		set_err(err, err_size, "cannot create %s/%s: %s", dir, name, strerror(errno));
		goto out_unlink;
	}
	st = GC_OK;
out_unlink:
	unlinkat(dfd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(bytes, sizeof(bytes));
	return st;
}

/* Reads a secret after checking that it is a private regular file of the right size. */
static gc_status read_secret(int dfd, const char *dir, const char *name, unsigned char out[GC_SECRET_BYTES],
			     char *err, size_t err_size)
{
	struct stat st;
	size_t got = 0;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	gc_status status = GC_EINVAL;

	if (fd < 0) {
		if (errno == ELOOP) {
			set_err(err, err_size, "%s/%s is a symbolic link; it must be a regular file", dir, name);
			return GC_EINVAL;
		}
		set_err(err, err_size, "cannot open %s/%s: %s", dir, name, strerror(errno));
		return GC_EIO;
	}
	if (fstat(fd, &st) != 0) {
		set_err(err, err_size, "cannot inspect %s/%s: %s", dir, name, strerror(errno));
		status = GC_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, err_size, "%s/%s is not a regular file", dir, name);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		set_err(err, err_size, "%s/%s belongs to uid %ld, not to the user running gcscp (uid %ld)", dir, name,
			(long)st.st_uid, (long)geteuid());
		goto out;
	}
	if (too_open(st.st_mode)) {
		set_err(err, err_size, "%s/%s has mode %04o, readable by others; it must be 0600 (chmod 600 %s/%s)",
			dir, name, (unsigned)(st.st_mode & 07777), dir, name);
		goto out;
	}
	if (st.st_size != GC_SECRET_BYTES) {
		set_err(err, err_size, "%s/%s is %lld bytes; a secret is exactly %d bytes (restore it from your backup)",
			dir, name, (long long)st.st_size, GC_SECRET_BYTES);
		goto out;
	}
	while (got < GC_SECRET_BYTES) {
		ssize_t r = read(fd, out + got, GC_SECRET_BYTES - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			set_err(err, err_size, "cannot read %s/%s: %s", dir, name, r < 0 ? strerror(errno) : "short file");
			status = GC_EIO;
			goto out;
		}
		got += (size_t)r;
	}
	status = GC_OK;
out:
	close(fd);
	return status;
}

gc_status gc_secrets_load(const char *dir, struct gc_secrets **out, char *err, size_t err_size)
{
	struct gc_secrets *s = NULL;
	struct stat st;
	bool have_pepper = false, have_key = false;
	int dfd = -1;
	gc_status status = GC_EINVAL;

	if (err && err_size)
		err[0] = '\0';
	if (!dir || !dir[0] || !out) {
		set_err(err, err_size, "no secrets directory given");
		return GC_EINVAL;
	}
	if (sodium_init() < 0) {
		set_err(err, err_size, "libsodium failed to initialise");
		return GC_EIO;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		set_err(err, err_size, "cannot create the secrets directory %s: %s", dir, strerror(errno));
		return GC_EIO;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		set_err(err, err_size, "cannot open the secrets directory %s: %s", dir, strerror(errno));
		status = GC_EIO;
		goto out;
	}
	if (fstat(dfd, &st) != 0) {
		set_err(err, err_size, "cannot inspect the secrets directory %s: %s", dir, strerror(errno));
		status = GC_EIO;
		goto out;
	}
	if (st.st_uid != geteuid()) {
		set_err(err, err_size, "the secrets directory %s belongs to uid %ld, not to the user running gcscp (uid %ld)",
			dir, (long)st.st_uid, (long)geteuid());
		goto out;
	}
	if (too_open(st.st_mode)) {
		set_err(err, err_size, "the secrets directory %s has mode %04o; it must be 0700 (chmod 700 %s)", dir,
			(unsigned)(st.st_mode & 07777), dir);
		goto out;
	}
	/* Two processes starting on a fresh install must not each create half
	 * of the pair: the lock makes "look, then create" one step. It is
	 * advisory and released when dfd closes. */
	if (flock(dfd, LOCK_EX) != 0) {
		set_err(err, err_size, "cannot lock the secrets directory %s: %s", dir, strerror(errno));
		status = GC_EIO;
		goto out;
	}
	status = secret_exists(dfd, dir, GC_SECRETS_PEPPER_FILE, &have_pepper, err, err_size);
	if (status == GC_OK)
		status = secret_exists(dfd, dir, GC_SECRETS_TOTP_KEY_FILE, &have_key, err, err_size);
	if (status != GC_OK)
		goto out;
	if (have_pepper != have_key) {
		set_err(err, err_size,
			"the secrets directory %s has %s but not %s: restore the missing file from your backup "
			"(a new one would invalidate every %s)",
			dir, have_pepper ? GC_SECRETS_PEPPER_FILE : GC_SECRETS_TOTP_KEY_FILE,
			have_pepper ? GC_SECRETS_TOTP_KEY_FILE : GC_SECRETS_PEPPER_FILE,
			have_pepper ? "enrolled authenticator" : "password");
		status = GC_EINVAL;
		goto out;
	}
	if (!have_pepper) {
		status = create_secret(dfd, dir, GC_SECRETS_PEPPER_FILE, err, err_size);
		if (status == GC_OK)
			status = create_secret(dfd, dir, GC_SECRETS_TOTP_KEY_FILE, err, err_size);
		/* The new names must survive a crash as well as their contents. */
		if (status == GC_OK && fsync(dfd) != 0) {
			set_err(err, err_size, "cannot sync the secrets directory %s: %s", dir, strerror(errno));
			status = GC_EIO;
		}
		if (status != GC_OK)
			goto out;
	}
	s = sodium_malloc(sizeof(*s));
	if (!s) {
		set_err(err, err_size, "out of memory for the secrets");
		status = GC_ENOMEM;
		goto out;
	}
	status = read_secret(dfd, dir, GC_SECRETS_PEPPER_FILE, s->pepper, err, err_size);
	if (status == GC_OK)
		status = read_secret(dfd, dir, GC_SECRETS_TOTP_KEY_FILE, s->totp_key, err, err_size);
	if (status != GC_OK)
		goto out;
	/* Nothing writes to the secrets after loading: a stray write faults. */
	sodium_mprotect_readonly(s);
	*out = s;
	s = NULL;
out:
	if (dfd >= 0)
		close(dfd);
	gc_secrets_free(s);
	return status;
}

void gc_secrets_free(struct gc_secrets *secrets)
{
	if (!secrets)
		return;
	sodium_mprotect_readwrite(secrets);
	sodium_memzero(secrets, sizeof(*secrets));
	sodium_free(secrets);
}
