/*
 * The file store and the content check: see store/files.h.
 */
#include "store/files.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/random.h"
#include "base/text.h"

#define FILES_DIR "files"

void gc_sha256_hex(const void *data, size_t len, char out[GC_SHA256_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(out, GC_SHA256_HEX, digest, sizeof(digest));
}

bool gc_sha256_hex_valid(const char *s)
{
	size_t i = 0;
	for (; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s && i == 64;
}

gc_status gc_files_path(const char *data_dir, const char *sha256, char *out, size_t size)
{
	if (!gc_sha256_hex_valid(sha256))
		return GC_EINVAL;
	int n = snprintf(out, size, "%s/" FILES_DIR "/%.2s/%s", data_dir && data_dir[0] ? data_dir : ".", sha256,
			 sha256);
	return n < 0 || (size_t)n >= size ? GC_ETOOBIG : GC_OK;
}

static gc_status make_dir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return GC_OK;
	return GC_EIO;
}

static gc_status sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return GC_EIO;
	int rc = fsync(fd);
	close(fd);
	return rc == 0 ? GC_OK : GC_EIO;
}

static gc_status write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return GC_EIO;
		p += w;
		len -= (size_t)w;
	}
	return GC_OK;
}

gc_status gc_files_put(const char *data_dir, const void *data, size_t len, char out[GC_SHA256_HEX])
{
	char root[1200], shard[1300], tmpdir[1300], tmp[1400], final[1400];
	const char *dir = data_dir && data_dir[0] ? data_dir : ".";
	int fd = -1;
	gc_status st = GC_EIO;
	bool tmp_made = false;

	gc_sha256_hex(data, len, out);
	if ((size_t)snprintf(root, sizeof(root), "%s/" FILES_DIR, dir) >= sizeof(root))
		return GC_ETOOBIG;
	snprintf(shard, sizeof(shard), "%s/%.2s", root, out);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", root);
	char rnd[33];
	gc_random_hex(rnd, 16);
	snprintf(tmp, sizeof(tmp), "%s/%s", tmpdir, rnd);
	snprintf(final, sizeof(final), "%s/%s", shard, out);

	struct stat sb;
	if (stat(final, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == (uint64_t)len)
		return GC_OK; /* the same bytes are there already */
	if (make_dir(root) != GC_OK || make_dir(shard) != GC_OK || make_dir(tmpdir) != GC_OK)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto out;
	tmp_made = true;
	if (write_all(fd, data, len) != GC_OK || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) != 0)
		goto out;
	tmp_made = false;
	st = sync_dir(shard);
	if (st == GC_OK)
		st = sync_dir(root);
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	if (st != GC_OK)
		gc_log(GC_LOG_ERROR, "a file could not be stored", "{s:s, s:s}", "sha256", out, "error", strerror(errno));
	return st;
}

gc_status gc_files_read(const char *data_dir, const char *sha256, size_t max, char **out, size_t *len)
{
	char path[1400];
	*out = NULL;
	*len = 0;
	gc_status st = gc_files_path(data_dir, sha256, path, sizeof(path));
	if (st != GC_OK)
		return st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? GC_ENOTFOUND : GC_EIO;
	struct stat sb;
	char *buf = NULL;
	st = GC_EIO;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		goto out;
	if ((uint64_t)sb.st_size > max) {
		st = GC_ETOOBIG;
		goto out;
	}
	size_t size = (size_t)sb.st_size;
	buf = malloc(size ? size : 1);
	if (!buf) {
		st = GC_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	char check[GC_SHA256_HEX];
	gc_sha256_hex(buf, size, check);
	if (strcmp(check, sha256) != 0) {
		gc_log(GC_LOG_ERROR, "a stored file does not match its hash", "{s:s}", "sha256", sha256);
		goto out;
	}
	*out = buf;
	*len = size;
	buf = NULL;
	st = GC_OK;
out:
	free(buf);
	close(fd);
	return st;
}

gc_status gc_files_open(const char *data_dir, const char *sha256, size_t max, int *out, size_t *len)
{
	char path[1400];
	*out = -1;
	*len = 0;
	gc_status st = gc_files_path(data_dir, sha256, path, sizeof(path));
	if (st != GC_OK)
		return st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? GC_ENOTFOUND : GC_EIO;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return GC_EIO;
	}
	if ((uint64_t)sb.st_size > max) {
		close(fd);
		return GC_ETOOBIG;
	}
	crypto_hash_sha256_state state;
	crypto_hash_sha256_init(&state);
	unsigned char block[65536];
	uint64_t total = 0;
	for (;;) {
		ssize_t r = read(fd, block, sizeof(block));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return GC_EIO;
		}
		if (r == 0)
			break;
		crypto_hash_sha256_update(&state, block, (unsigned long long)r);
		total += (uint64_t)r;
	}
	unsigned char digest[crypto_hash_sha256_BYTES];
	char check[GC_SHA256_HEX];
	crypto_hash_sha256_final(&state, digest);
	sodium_bin2hex(check, sizeof(check), digest, sizeof(digest));
	if (total != (uint64_t)sb.st_size || strcmp(check, sha256) != 0) {
		gc_log(GC_LOG_ERROR, "a stored file does not match its hash", "{s:s}", "sha256", sha256);
		close(fd);
		return GC_EIO;
	}
	*out = fd;
	*len = (size_t)total;
	return GC_OK;
}

/* --- what a file is ------------------------------------------------------------- */

/* libmagic's cookie is not safe to share between threads: one, behind a lock,
 * opened on first use and kept for the life of the process. */
static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie;

gc_status gc_files_detect(const void *data, size_t len, const char **media, char *detected, size_t detected_size)
{
	static const char *const accepted[] = { GC_MEDIA_PDF, GC_MEDIA_TEXT, GC_MEDIA_HTML, GC_MEDIA_DOCX };
	gc_status st = GC_OK;
	*media = NULL;
	if (detected && detected_size)
		detected[0] = '\0';
	pthread_mutex_lock(&magic_lock);
	if (!magic_cookie) {
		magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF);
		if (magic_cookie && magic_load(magic_cookie, NULL) != 0) {
			magic_close(magic_cookie);
			magic_cookie = NULL;
		}
	}
	const char *type = magic_cookie ? magic_buffer(magic_cookie, data, len) : NULL;
	if (!type) {
		st = GC_EIO;
		gc_log(GC_LOG_ERROR, "libmagic failed", "{s:s}", "error",
		       magic_cookie && magic_error(magic_cookie) ? magic_error(magic_cookie) : "cannot open the database");
	} else {
		if (detected && detected_size)
			snprintf(detected, detected_size, "%s", type);
		for (size_t i = 0; i < GC_ARRAY_LEN(accepted); i++)
			if (strcmp(type, accepted[i]) == 0)
				*media = accepted[i];
	}
	pthread_mutex_unlock(&magic_lock);
	return st;
}

static bool has_name(const unsigned char *p, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (const unsigned char *s = p; (size_t)(p + len - s) >= n;) {
		const unsigned char *hit = memchr(s, '/', (size_t)(p + len - s));
		if (!hit || (size_t)(p + len - hit) < n)
			return false;
		if (memcmp(hit, name, n) == 0) {
			/* A name ends at a delimiter or white space, not inside a longer name. */
			unsigned char next = (size_t)(p + len - hit) > n ? hit[n] : ' ';
			if (!((next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') || (next >= '0' && next <= '9')))
				return true;
		}
		s = hit + 1;
	}
	return false;
}

bool gc_files_pdf_active(const void *data, size_t len)
{
	static const char *const names[] = { "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
					     "/RichMedia", "/XFA" };
	for (size_t i = 0; i < GC_ARRAY_LEN(names); i++)
		if (has_name(data, len, names[i]))
			return true;
	return false;
}

const char *gc_files_media_of_name(const char *filename)
{
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	if (!dot)
		return NULL;
	if (gc_ascii_ieq(dot, ".pdf"))
		return GC_MEDIA_PDF;
	if (gc_ascii_ieq(dot, ".txt"))
		return GC_MEDIA_TEXT;
	if (gc_ascii_ieq(dot, ".html") || gc_ascii_ieq(dot, ".htm"))
		return GC_MEDIA_HTML;
	if (gc_ascii_ieq(dot, ".docx"))
		return GC_MEDIA_DOCX;
	return NULL;
}

/* Code point at p (valid UTF-8), its length in *n. */
static unsigned decode(const unsigned char *p, size_t *n)
{
	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*n = 2;
		return ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*n = 3;
		return ((unsigned)(p[0] & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
	}
	*n = 4;
	return ((unsigned)(p[0] & 0x07) << 18) | ((unsigned)(p[1] & 0x3f) << 12) | ((unsigned)(p[2] & 0x3f) << 6) |
	       (p[3] & 0x3f);
}

static bool refused_cp(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == '"' || cp == '\\' || cp == '/' || cp == ':' ||
	       cp == '*' || cp == '?' || cp == '<' || cp == '>' || cp == '|' || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c || cp == 0xfeff;
}

void gc_files_safe_name(const char *name, char *out, size_t max_bytes)
{
	size_t w = 0;
	out[0] = '\0';
	if (!name || !gc_utf8_valid(name, strlen(name))) {
		snprintf(out, max_bytes + 1, "file");
		return;
	}
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			name = p + 1;
	/* Cleaned, whole: then cut if needed. */
	size_t len = strlen(name);
	char *clean = malloc(len + 1);
	if (!clean) {
		snprintf(out, max_bytes + 1, "file");
		return;
	}
	size_t c = 0;
	bool leading = true;
	for (const unsigned char *p = (const unsigned char *)name; *p;) {
		size_t n;
		unsigned cp = decode(p, &n);
		if (refused_cp(cp) || (leading && cp == '.')) {
			clean[c++] = '_';
		} else {
			memcpy(clean + c, p, n);
			c += n;
		}
		leading = false;
		p += n;
	}
	clean[c] = '\0';
	/* Trailing spaces and dots are trouble on some systems. */
	while (c > 0 && (clean[c - 1] == ' ' || clean[c - 1] == '.'))
		clean[--c] = '\0';
	if (c <= max_bytes) {
		memcpy(out, clean, c + 1);
	} else {
		const char *dot = strrchr(clean, '.');
		size_t ext = dot && (size_t)(clean + c - dot) <= 16 ? (size_t)(clean + c - dot) : 0;
		size_t stem = max_bytes > ext ? max_bytes - ext : 0;
		while (stem > 0 && ((unsigned char)clean[stem] & 0xc0) == 0x80)
			stem--; /* back to a character boundary */
		memcpy(out, clean, stem);
		memcpy(out + stem, clean + c - ext, ext);
		w = stem + ext;
		out[w] = '\0';
	}
	free(clean);
	if (!out[0])
		snprintf(out, max_bytes + 1, "file");
}

/* The media type of a Content-Type value, lower case, without parameters or spaces; "" when none. */
static void declared_media(const char *ct, char *out, size_t size)
{
	size_t n = 0;
	const char *p = ct ? ct : "";
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p && *p != ';' && n + 1 < size; p++)
		out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
}

static const char *extension_of(const char *media)
{
	if (strcmp(media, GC_MEDIA_PDF) == 0)
		return ".pdf";
	if (strcmp(media, GC_MEDIA_HTML) == 0)
		return ".html";
	if (strcmp(media, GC_MEDIA_DOCX) == 0)
		return ".docx";
	return ".txt";
}

gc_status gc_files_accept(const void *data, size_t len, const char *filename, const char *declared_type,
			  const char **media, char name[GC_FILES_MAX_NAME + 1], enum gc_files_verdict *verdict)
{
	char detected[128], declared[128];
	const char *type = NULL;
	*media = NULL;
	name[0] = '\0';
	*verdict = GC_FILES_UNSUPPORTED;
	gc_status st = gc_files_detect(data, len, &type, detected, sizeof(detected));
	if (st != GC_OK)
		return st;
	if (!type)
		return GC_OK;
	/* The type is the bytes'; the name and the declared type only have to agree. */
	declared_media(declared_type, declared, sizeof(declared));
	const char *by_name = gc_files_media_of_name(filename ? filename : "");
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	if ((declared[0] && strcmp(declared, "application/octet-stream") != 0 && strcmp(declared, type) != 0) ||
	    (dot && dot[1] && (!by_name || strcmp(by_name, type) != 0))) {
		*verdict = GC_FILES_DISGUISED;
		return GC_OK;
	}
	if (strcmp(type, GC_MEDIA_PDF) == 0 && gc_files_pdf_active(data, len)) {
		*verdict = GC_FILES_ACTIVE;
		return GC_OK;
	}
	/* Room for an added extension. */
	gc_files_safe_name(filename ? filename : "", name, GC_FILES_MAX_NAME - 8);
	if (!gc_files_media_of_name(name))
		snprintf(name + strlen(name), GC_FILES_MAX_NAME + 1 - strlen(name), "%s", extension_of(type));
	*media = type;
	*verdict = GC_FILES_ACCEPTED;
	return GC_OK;
}
