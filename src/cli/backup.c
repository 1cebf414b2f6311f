/*
 * gcscp backup and gcscp restore (docs/operations.md "Backup and restore";
 * SECURITY.md R6).
 *
 * A backup is a directory:
 *
 *   manifest.json       what is in it: engine, schema versions, row counts of
 *                       every table, the audit chain's head, and the size and
 *                       SHA-256 of every file
 *   database.sqlite     SQLite: the database at one commit (online backup API)
 *   database.pgdump     PostgreSQL: pg_dump --format=custom of one snapshot
 *   files/...           every regular file of the data directory (stored
 *                       attachments and the like), at the same relative paths,
 *                       except the SQLite database itself (and its -wal, -shm,
 *                       -journal), the secrets directory, and other backups
 *                       (a directory with a manifest and a database file, or a
 *                       hidden .NAME.partial-XXXXXX one)
 *
 * Order and consistency: the database is copied first, at one instant, and
 * the manifest's counts and audit head are read from that same instant (the
 * copy on SQLite; the exported snapshot on PostgreSQL). The data directory's
 * files are copied after it. Stored files are content-addressed and written
 * before the rows that name them commit, so every file the copied database
 * names is already there when the files are copied: the backup holds a
 * superset of what its database needs.
 *
 * Atomicity: everything is written into a hidden directory beside --out,
 * each file fsynced, then renamed to --out in one step; an interrupted
 * backup leaves no --out behind, only the hidden directory.
 *
 * The secrets directory (auth/secrets.h: the pepper and the TOTP key) is
 * NOT in the backup, on purpose: they are kept outside the database so that
 * a stolen database copy does not expose password hashes to offline guessing
 * or TOTP seeds to decryption. A backup that carried them would undo that.
 * Operators keep one copy of that directory (64 bytes, changes never) on
 * separate, offline storage; restore puts it back by hand.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/secrets.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "store/backup.h"

extern char **environ;

#define MANIFEST_FILE "manifest.json"
#define SQLITE_FILE "database.sqlite"
#define PGDUMP_FILE "database.pgdump"
#define FILES_DIR "files"
#define BACKUP_FORMAT "gcscp-backup"
#define BACKUP_FORMAT_VERSION 1
#define MAX_DEPTH 32
#define HEX_SHA256 (crypto_hash_sha256_BYTES * 2 + 1)
/* A manifest is small (one line a file); past this it is not one of ours. */
#define MAX_MANIFEST_BYTES (256L * 1024 * 1024)

/* --- files ------------------------------------------------------------- */

static int path_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "gcscp: path too long: %s/%s\n", a, b);
		return -1;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		fprintf(stderr, "gcscp: cannot sync %s: %s\n", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void hex_digest(crypto_hash_sha256_state *state, char hex[HEX_SHA256])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(state, digest);
	sodium_bin2hex(hex, HEX_SHA256, digest, sizeof(digest));
}

/*
 * Reads src to its end, hashing it; writes it to dest too when dest is not
 * NULL (created with O_EXCL, mode 0600, fsynced). ENOENT on src returns 1
 * (the file vanished), an error -1, success 0.
 */
static int copy_hash(const char *src, const char *dest, char hex[HEX_SHA256], int64_t *bytes)
{
	static unsigned char chunk[1 << 16];
	crypto_hash_sha256_state state;
	int in = -1, out = -1, result = -1;
	int64_t total = 0;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		if (errno == ENOENT)
			return 1;
		fprintf(stderr, "gcscp: cannot read %s: %s\n", src, strerror(errno));
		return -1;
	}
	if (dest) {
		out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0) {
			fprintf(stderr, "gcscp: cannot create %s: %s\n", dest, strerror(errno));
			goto out;
		}
	}
	crypto_hash_sha256_init(&state);
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "gcscp: cannot read %s: %s\n", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&state, chunk, (unsigned long long)n);
		total += n;
		for (ssize_t done = 0; out >= 0 && done < n;) {
			ssize_t w = write(out, chunk + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				fprintf(stderr, "gcscp: cannot write %s: %s\n", dest, strerror(errno));
				goto out;
			}
			done += w;
		}
	}
	if (out >= 0 && fsync(out) != 0) {
		fprintf(stderr, "gcscp: cannot sync %s: %s\n", dest, strerror(errno));
		goto out;
	}
	hex_digest(&state, hex);
	*bytes = total;
	result = 0;
out:
	if (out >= 0 && close(out) != 0 && result == 0) {
		fprintf(stderr, "gcscp: cannot write %s: %s\n", dest, strerror(errno));
		result = -1;
	}
	close(in);
	return result;
}

/* mkdir -p of rel's directories under root, mode 0700. */
static int make_parents(const char *root, const char *rel)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), root, rel) != 0)
		return -1;
	size_t start = strlen(root) + 1;
	for (size_t i = start; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "gcscp: cannot create %s: %s\n", path, strerror(errno));
			return -1;
		}
		path[i] = '/';
	}
	return 0;
}

/* rm -r, for the partial backup of a failed run. */
static void remove_tree(const char *path, int depth)
{
	struct stat st;
	if (depth > MAX_DEPTH || lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		struct dirent *e;
		while (dir && (e = readdir(dir))) {
			char child[PATH_MAX];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (path_join(child, sizeof(child), path, e->d_name) == 0)
				remove_tree(child, depth + 1);
		}
		if (dir)
			closedir(dir);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* What the walk of the data directory leaves out, by device and inode. */
struct skip {
	dev_t dev[8];
	ino_t ino[8];
	size_t n;
};

static void skip_add(struct skip *skip, const char *path)
{
	struct stat st;
	if (skip->n < 8 && lstat(path, &st) == 0) {
		skip->dev[skip->n] = st.st_dev;
		skip->ino[skip->n] = st.st_ino;
		skip->n++;
	}
}

static bool skipped(const struct skip *skip, const struct stat *st)
{
	for (size_t i = 0; i < skip->n; i++)
		if (skip->dev[i] == st->st_dev && skip->ino[i] == st->st_ino)
			return true;
	return false;
}

/* Another backup (or one left half-written) inside the data directory: never nested into this one. */
static bool is_backup(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	if (name[0] == '.' && strstr(name, ".partial-"))
		return true;
	if (path_join(path, sizeof(path), dir, MANIFEST_FILE) != 0 || lstat(path, &st) != 0)
		return false;
	return (path_join(path, sizeof(path), dir, SQLITE_FILE) == 0 && lstat(path, &st) == 0) ||
	       (path_join(path, sizeof(path), dir, PGDUMP_FILE) == 0 && lstat(path, &st) == 0);
}

struct walk {
	const char *data_dir;
	const char *files_root; /* <tmp>/files */
	const struct skip *skip;
	json_t *files;          /* [{path, bytes, sha256}] */
	int64_t bytes;
	int64_t vanished;
	int64_t ignored;        /* links, sockets and the like */
};

/* Copies the regular files under data_dir/rel ("" for the top) into files_root. */
static int walk_copy(struct walk *w, const char *rel, int depth)
{
	char dir_path[PATH_MAX];
	int result = 0;
	if (depth > MAX_DEPTH) {
		fprintf(stderr, "gcscp: %s/%s: directories nested too deep\n", w->data_dir, rel);
		return -1;
	}
	if (rel[0] ? path_join(dir_path, sizeof(dir_path), w->data_dir, rel) != 0
		   : snprintf(dir_path, sizeof(dir_path), "%s", w->data_dir) >= (int)sizeof(dir_path))
		return -1;
	DIR *dir = opendir(dir_path);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "gcscp: cannot read %s: %s\n", dir_path, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while (result == 0 && (e = readdir(dir))) {
		char child_rel[PATH_MAX], child[PATH_MAX], dest[PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = rel[0] ? snprintf(child_rel, sizeof(child_rel), "%s/%s", rel, e->d_name)
			       : snprintf(child_rel, sizeof(child_rel), "%s", e->d_name);
		if (n < 0 || (size_t)n >= sizeof(child_rel) || path_join(child, sizeof(child), w->data_dir, child_rel))
			goto fail;
		if (lstat(child, &st) != 0) {
			if (errno == ENOENT) {
				w->vanished++;
				continue;
			}
			fprintf(stderr, "gcscp: cannot read %s: %s\n", child, strerror(errno));
			goto fail;
		}
		if (skipped(w->skip, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (is_backup(child, e->d_name)) {
				fprintf(stderr, "gcscp: left out %s: a backup (keep backups outside the data directory)\n",
					child);
				w->ignored++;
				continue;
			}
			result = walk_copy(w, child_rel, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "gcscp: left out %s: not a regular file\n", child);
			w->ignored++;
			continue;
		}
		char hex[HEX_SHA256];
		int64_t bytes = 0;
		if (make_parents(w->files_root, child_rel) != 0 ||
		    path_join(dest, sizeof(dest), w->files_root, child_rel) != 0)
			goto fail;
		int copied = copy_hash(child, dest, hex, &bytes);
		if (copied < 0)
			goto fail;
		if (copied == 1) {
			w->vanished++;
			continue;
		}
		char listed[PATH_MAX + 8];
		snprintf(listed, sizeof(listed), FILES_DIR "/%s", child_rel);
		json_t *entry = json_pack("{s:s, s:I, s:s}", "path", listed, "bytes", (json_int_t)bytes, "sha256", hex);
		if (!entry || json_array_append_new(w->files, entry) != 0) {
			fprintf(stderr, "gcscp: out of memory\n");
			goto fail;
		}
		w->bytes += bytes;
	}
	closedir(dir);
	return result;
fail:
	closedir(dir);
	return -1;
}

/* fsyncs every directory under root (bottom-up is not needed: each is synced once). */
static int sync_tree(const char *root, int depth)
{
	if (depth > MAX_DEPTH)
		return -1;
	DIR *dir = opendir(root);
	if (!dir) {
		fprintf(stderr, "gcscp: cannot read %s: %s\n", root, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int result = 0;
	while (result == 0 && (e = readdir(dir))) {
		char child[PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (path_join(child, sizeof(child), root, e->d_name) != 0 || lstat(child, &st) != 0)
			result = -1;
		else if (S_ISDIR(st.st_mode))
			result = sync_tree(child, depth + 1);
	}
	closedir(dir);
	return result == 0 ? fsync_dir(root) : -1;
}

/* --- child programs (pg_dump, pg_restore) ------------------------------- */

static int run_program(char *const argv[])
{
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "gcscp: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	int wstatus;
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "gcscp: waiting for %s: %s\n", argv[0], strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		fprintf(stderr, "gcscp: %s failed (exit %d)\n", argv[0],
			WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus));
		return -1;
	}
	return 0;
}

/* --- what both commands read from a database ----------------------------- */

/* {tables, schema, audit: {records, head_id, head_hash}} of db, now. */
static json_t *describe(struct gc_db *db)
{
	json_t *tables = NULL, *schema = NULL;
	char hash[GC_AUDIT_HASH_SIZE] = "";
	int64_t head = 0, records = 0;
	gc_status status = gc_store_describe(db, &tables, &schema);
	if (status == GC_OK)
		status = gc_audit_head(db, &head, hash, &records);
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: reading the database failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
		json_decref(tables);
		json_decref(schema);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:{s:I, s:I, s:s}}", "tables", tables, "schema", schema, "audit", "records",
			 (json_int_t)records, "head_id", (json_int_t)head, "head_hash", hash);
}

static json_int_t total_rows(json_t *tables)
{
	const char *key;
	json_t *value;
	json_int_t sum = 0;
	json_object_foreach(tables, key, value)
		sum += json_integer_value(value);
	return sum;
}

/* --- gcscp backup ------------------------------------------------------- */

/* Splits out into its parent directory and a hidden sibling template. */
static int partial_name(const char *out, char *parent, size_t parent_size, char *tmpl, size_t tmpl_size)
{
	const char *slash = strrchr(out, '/');
	const char *base = slash ? slash + 1 : out;
	int n;
	if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		fprintf(stderr, "gcscp: --out must name a new directory\n");
		return -1;
	}
	if (slash == out)
		n = snprintf(parent, parent_size, "/");
	else if (slash)
		n = snprintf(parent, parent_size, "%.*s", (int)(slash - out), out);
	else
		n = snprintf(parent, parent_size, ".");
	if (n < 0 || (size_t)n >= parent_size)
		return -1;
	n = snprintf(tmpl, tmpl_size, "%s/.%s.partial-XXXXXX", parent, base);
	return n < 0 || (size_t)n >= tmpl_size ? -1 : 0;
}

static int write_manifest(const char *dir, json_t *manifest)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, MANIFEST_FILE) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "gcscp: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
	int result = -1;
	if (text) {
		size_t len = strlen(text), done = 0;
		while (done < len) {
			ssize_t w = write(fd, text + done, len - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				break;
			done += (size_t)w;
		}
		if (done == len && write(fd, "\n", 1) == 1 && fsync(fd) == 0)
			result = 0;
	}
	if (close(fd) != 0)
		result = -1;
	if (result != 0)
		fprintf(stderr, "gcscp: cannot write %s: %s\n", path, text ? strerror(errno) : "out of memory");
	free(text);
	return result;
}

static int backup_run(int argc, char **argv)
{
	const char *out = NULL;
	struct gc_cli_option options[] = { { "--out", &out, NULL } };
	struct gc_config config;
	struct gc_pool *pool = NULL, *copy_pool = NULL;
	struct gc_db *db = NULL, *copy_db = NULL;
	json_t *state = NULL, *files = json_array(), *manifest = NULL;
	char parent[PATH_MAX], tmp[PATH_MAX], db_file[PATH_MAX], dump[PATH_MAX], files_root[PATH_MAX];
	char err[512] = "";
	struct stat st;
	struct skip skip = { .n = 0 };
	bool made_tmp = false;
	int code = 1;

	/* Everything a backup holds is as private as the database: pg_dump's file too. */
	umask(077);
	if (!files || gc_cli_options(argc, argv, 1, options, 1, &config) != GC_OK) {
		json_decref(files);
		return 2;
	}
	if (!out) {
		fprintf(stderr, "gcscp: backup needs --out DIR (a directory that does not exist yet)\n");
		json_decref(files);
		return 2;
	}
	if (lstat(out, &st) == 0) {
		fprintf(stderr, "gcscp: %s exists already: a backup goes to a new directory\n", out);
		json_decref(files);
		return 1;
	}
	if (partial_name(out, parent, sizeof(parent), tmp, sizeof(tmp)) != 0 || !mkdtemp(tmp)) {
		fprintf(stderr, "gcscp: cannot create a directory beside %s: %s\n", out, strerror(errno));
		json_decref(files);
		return 1;
	}
	made_tmp = true;
	skip_add(&skip, tmp);

	/* No migrations: a backup reads the database as it is, and may run
	 * beside a live server of any version. */
	if (gc_pool_open(config.db_url, config.data_dir, 1, &pool, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: cannot open the database: %s\n", err);
		goto out;
	}
	bool sqlite = gc_pool_engine(pool) == GC_DB_SQLITE;
	if (path_join(dump, sizeof(dump), tmp, sqlite ? SQLITE_FILE : PGDUMP_FILE) != 0)
		goto out;
	if (sqlite) {
		if (gc_store_sqlite_file(config.db_url, config.data_dir, db_file, sizeof(db_file)) != GC_OK) {
			fprintf(stderr, "gcscp: cannot tell where the database file is\n");
			goto out;
		}
		gc_pool_close(pool);
		pool = NULL;
		if (gc_store_sqlite_copy(db_file, dump, err, sizeof(err)) != GC_OK) {
			fprintf(stderr, "gcscp: %s\n", err);
			goto out;
		}
		/* The manifest describes the copy itself: the instant it holds. */
		char copy_url[PATH_MAX + 8];
		char abs[PATH_MAX];
		if (!realpath(dump, abs)) {
			fprintf(stderr, "gcscp: %s: %s\n", dump, strerror(errno));
			goto out;
		}
		snprintf(copy_url, sizeof(copy_url), "sqlite:%s", abs);
		if (gc_pool_open(copy_url, tmp, 1, &copy_pool, err, sizeof(err)) != GC_OK ||
		    gc_pool_acquire(copy_pool, 10000, &copy_db) != GC_OK) {
			fprintf(stderr, "gcscp: cannot open the copy: %s\n", err);
			goto out;
		}
		state = describe(copy_db);
		gc_pool_release(copy_pool, copy_db);
		copy_db = NULL;
		/* Closing the last connection folds the copy's WAL back into it. */
		gc_pool_close(copy_pool);
		copy_pool = NULL;
		if (!state)
			goto out;
		static const char *const sidecars[] = { "", "-wal", "-shm", "-journal" };
		for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
			char p[PATH_MAX + 16];
			snprintf(p, sizeof(p), "%s%s", db_file, sidecars[i]);
			skip_add(&skip, p);
			snprintf(p, sizeof(p), "%s%s", dump, sidecars[i]);
			if (i > 0 && lstat(p, &st) == 0) {
				fprintf(stderr, "gcscp: the copy left %s behind\n", p);
				goto out;
			}
		}
	} else {
		char snapshot[128];
		if (gc_pool_acquire(pool, 10000, &db) != GC_OK) {
			fprintf(stderr, "gcscp: no database connection available\n");
			goto out;
		}
		gc_status status = gc_db_begin(db);
		if (status == GC_OK)
			status = gc_store_pg_export_snapshot(db, snapshot, sizeof(snapshot));
		if (status != GC_OK) {
			fprintf(stderr, "gcscp: cannot take a snapshot (%s): %s\n", gc_status_name(status),
				gc_db_errmsg(db));
			goto out;
		}
		state = describe(db);
		if (!state)
			goto out;
		char snapshot_arg[160], file_arg[PATH_MAX + 16], db_arg[sizeof(config.db_url) + 16];
		snprintf(snapshot_arg, sizeof(snapshot_arg), "--snapshot=%s", snapshot);
		snprintf(file_arg, sizeof(file_arg), "--file=%s", dump);
		snprintf(db_arg, sizeof(db_arg), "--dbname=%s", config.db_url);
		char *pg_dump[] = { "pg_dump", "--format=custom", "--no-sync", snapshot_arg, file_arg, db_arg, NULL };
		/* pg_dump's own fsync is replaced by ours below, with the rest. */
		if (run_program(pg_dump) != 0)
			goto out;
		gc_db_rollback(db);
		gc_pool_release(pool, db);
		db = NULL;
		gc_status synced = fsync_dir(tmp) == 0 ? GC_OK : GC_EIO;
		int fd = open(dump, O_RDONLY | O_CLOEXEC);
		if (synced != GC_OK || fd < 0 || fsync(fd) != 0) {
			fprintf(stderr, "gcscp: cannot sync %s\n", dump);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}

	/* Then the data directory's files, after the database (see above). */
	char secrets[PATH_MAX];
	if (gc_secrets_dir(config.data_dir, secrets, sizeof(secrets)) == GC_OK)
		skip_add(&skip, secrets);
	if (path_join(files_root, sizeof(files_root), tmp, FILES_DIR) != 0)
		goto out;
	if (mkdir(files_root, 0700) != 0) {
		fprintf(stderr, "gcscp: cannot create %s: %s\n", files_root, strerror(errno));
		goto out;
	}
	struct walk w = { .data_dir = config.data_dir, .files_root = files_root, .skip = &skip, .files = files };
	if (walk_copy(&w, "", 0) != 0)
		goto out;

	char db_hex[HEX_SHA256];
	int64_t db_bytes = 0;
	if (copy_hash(dump, NULL, db_hex, &db_bytes) != 0)
		goto out;
	char created[40];
	gc_clock_format_iso8601(gc_clock_now(), created, sizeof(created));
	manifest = json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:s, s:I, s:s}, s:O, s:O, s:O, s:O, s:{s:I, s:I, s:I, s:I}, s:s}",
			     "format", BACKUP_FORMAT, "format_version", BACKUP_FORMAT_VERSION, "gcscp_version",
			     GC_VERSION, "created_at", created, "engine", sqlite ? "sqlite" : "postgresql", "database",
			     "path", sqlite ? SQLITE_FILE : PGDUMP_FILE, "bytes", (json_int_t)db_bytes, "sha256",
			     db_hex, "schema", json_object_get(state, "schema"), "tables",
			     json_object_get(state, "tables"), "audit", json_object_get(state, "audit"), "files", files,
			     "file_totals", "count", (json_int_t)json_array_size(files), "bytes", (json_int_t)w.bytes,
			     "vanished", (json_int_t)w.vanished, "left_out", (json_int_t)w.ignored, "secrets",
			     "not included: back up the secrets directory (pepper, totp.key) separately; "
			     "see docs/operations.md");
	if (!manifest) {
		fprintf(stderr, "gcscp: out of memory\n");
		goto out;
	}
	if (write_manifest(tmp, manifest) != 0 || sync_tree(tmp, 0) != 0)
		goto out;
	if (rename(tmp, out) != 0) {
		fprintf(stderr, "gcscp: cannot rename %s to %s: %s\n", tmp, out, strerror(errno));
		goto out;
	}
	made_tmp = false;
	if (fsync_dir(parent) != 0)
		goto out;
	json_t *audit = json_object_get(state, "audit");
	printf("backup written to %s: %s, %zu tables, %lld rows, %zu files (%lld bytes)\n", out,
	       sqlite ? "sqlite" : "postgresql", json_object_size(json_object_get(state, "tables")),
	       (long long)total_rows(json_object_get(state, "tables")), json_array_size(files), (long long)w.bytes);
	printf("audit head: record %lld, hash %s (%lld records)\n",
	       (long long)json_integer_value(json_object_get(audit, "head_id")),
	       json_string_value(json_object_get(audit, "head_hash")),
	       (long long)json_integer_value(json_object_get(audit, "records")));
	printf("not in the backup: the secrets directory %s; keep its own copy (docs/operations.md)\n", secrets);
	code = 0;
out:
	if (db) {
		gc_db_rollback(db);
		gc_pool_release(pool, db);
	}
	gc_pool_close(pool);
	if (copy_db)
		gc_pool_release(copy_pool, copy_db);
	gc_pool_close(copy_pool);
	if (made_tmp)
		remove_tree(tmp, 0);
	json_decref(state);
	json_decref(files);
	json_decref(manifest);
	return code;
}

/* --- gcscp restore ------------------------------------------------------ */

/* A path from a manifest: relative, under files/, no "." or ".." part. */
static bool safe_relative(const char *path)
{
	if (strncmp(path, FILES_DIR "/", strlen(FILES_DIR "/")) != 0)
		return false;
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len + (slash ? 1 : 0);
		if (slash && !*p)
			return false;
	}
	return true;
}

/* Checks the size and SHA-256 of one file of the backup against the manifest. */
static int check_entry(const char *from, const char *rel, json_t *entry)
{
	char path[PATH_MAX], hex[HEX_SHA256];
	int64_t bytes = 0;
	const char *want = json_string_value(json_object_get(entry, "sha256"));
	json_t *size = json_object_get(entry, "bytes");
	if (!want || !json_is_integer(size) || path_join(path, sizeof(path), from, rel) != 0)
		return -1;
	int r = copy_hash(path, NULL, hex, &bytes);
	if (r != 0 || strcmp(hex, want) != 0 || bytes != json_integer_value(size)) {
		fprintf(stderr, "gcscp: %s is %s: the backup is damaged\n", path, r == 1 ? "missing" : "not what the manifest says");
		return -1;
	}
	return 0;
}

static json_t *read_manifest(const char *from)
{
	char path[PATH_MAX];
	json_error_t error;
	if (path_join(path, sizeof(path), from, MANIFEST_FILE) != 0)
		return NULL;
	struct stat st;
	if (stat(path, &st) != 0 || st.st_size > MAX_MANIFEST_BYTES) {
		fprintf(stderr, "gcscp: %s: %s\n", path, errno ? strerror(errno) : "too large");
		return NULL;
	}
	json_t *m = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (!m) {
		fprintf(stderr, "gcscp: %s: %s (line %d)\n", path, error.text, error.line);
		return NULL;
	}
	const char *format = json_string_value(json_object_get(m, "format"));
	if (!json_is_object(m) || !format || strcmp(format, BACKUP_FORMAT) != 0 ||
	    json_integer_value(json_object_get(m, "format_version")) != BACKUP_FORMAT_VERSION ||
	    !json_is_object(json_object_get(m, "database")) || !json_is_array(json_object_get(m, "files")) ||
	    !json_is_object(json_object_get(m, "tables")) || !json_is_object(json_object_get(m, "schema")) ||
	    !json_is_object(json_object_get(m, "audit"))) {
		fprintf(stderr, "gcscp: %s is not a gcscp backup manifest (format %s version %d)\n", path,
			BACKUP_FORMAT, BACKUP_FORMAT_VERSION);
		json_decref(m);
		return NULL;
	}
	return m;
}

/* Whether the data directory holds anything but the secrets and, on SQLite, the database's own files. */
static int data_dir_empty(const char *data_dir, const struct skip *allowed, bool *empty)
{
	DIR *dir = opendir(data_dir);
	*empty = true;
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	while ((e = readdir(dir))) {
		char child[PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (path_join(child, sizeof(child), data_dir, e->d_name) != 0 || lstat(child, &st) != 0) {
			closedir(dir);
			return -1;
		}
		if (!skipped(allowed, &st)) {
			*empty = false;
			break;
		}
	}
	closedir(dir);
	return 0;
}

static bool same_state(json_t *manifest, json_t *now)
{
	bool same = true;
	static const char *const parts[] = { "tables", "schema", "audit" };
	for (size_t i = 0; i < 3; i++) {
		if (!json_equal(json_object_get(manifest, parts[i]), json_object_get(now, parts[i]))) {
			char *want = json_dumps(json_object_get(manifest, parts[i]), JSON_SORT_KEYS | JSON_COMPACT);
			char *got = json_dumps(json_object_get(now, parts[i]), JSON_SORT_KEYS | JSON_COMPACT);
			fprintf(stderr, "gcscp: the restored %s differ from the backup's:\n  backup:   %s\n  restored: %s\n",
				parts[i], want ? want : "?", got ? got : "?");
			free(want);
			free(got);
			same = false;
		}
	}
	return same;
}

/* Opens url (no migrations) and describes it. */
static json_t *describe_url(const char *url, const char *data_dir)
{
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	char err[512] = "";
	json_t *state = NULL;
	if (gc_pool_open(url, data_dir, 1, &pool, err, sizeof(err)) != GC_OK ||
	    gc_pool_acquire(pool, 10000, &db) != GC_OK) {
		fprintf(stderr, "gcscp: cannot open the restored database: %s\n", err);
	} else if (gc_db_begin(db) == GC_OK) {
		state = describe(db);
		gc_db_rollback(db);
	}
	if (db)
		gc_pool_release(pool, db);
	gc_pool_close(pool);
	return state;
}

static int restore_run(int argc, char **argv)
{
	const char *from = NULL;
	bool force = false;
	struct gc_cli_option options[] = { { "--from", &from, NULL }, { "--force", NULL, &force } };
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	json_t *manifest = NULL, *state = NULL;
	char err[512] = "", db_file[PATH_MAX], tmp_db[PATH_MAX + 32] = "", src[PATH_MAX], secrets[PATH_MAX];
	struct skip allowed = { .n = 0 };
	size_t i;
	json_t *entry;
	int code = 1;

	if (gc_cli_options(argc, argv, 1, options, 2, &config) != GC_OK)
		return 2;
	if (!from) {
		fprintf(stderr, "gcscp: restore needs --from DIR (a directory written by gcscp backup)\n");
		return 2;
	}
	manifest = read_manifest(from);
	if (!manifest)
		return 1;
	const char *engine = json_string_value(json_object_get(manifest, "engine"));
	json_t *database = json_object_get(manifest, "database");
	const char *db_name = json_string_value(json_object_get(database, "path"));
	bool sqlite = engine && strcmp(engine, "sqlite") == 0;
	if (!engine || !db_name || strcmp(db_name, sqlite ? SQLITE_FILE : PGDUMP_FILE) != 0 ||
	    (!sqlite && strcmp(engine, "postgresql") != 0)) {
		fprintf(stderr, "gcscp: the manifest names no database this program knows\n");
		goto out;
	}
	/* First the whole backup against its manifest, before touching anything. */
	if (check_entry(from, db_name, database) != 0)
		goto out;
	json_array_foreach(json_object_get(manifest, "files"), i, entry) {
		const char *rel = json_string_value(json_object_get(entry, "path"));
		if (!rel || !safe_relative(rel)) {
			fprintf(stderr, "gcscp: the manifest lists an unsafe path: %s\n", rel ? rel : "(none)");
			goto out;
		}
		if (check_entry(from, rel, entry) != 0)
			goto out;
	}

	/* Then the target: an empty database and data directory, unless --force. */
	bool target_sqlite = strncmp(config.db_url, "sqlite:", strlen("sqlite:")) == 0;
	if (target_sqlite != sqlite) {
		fprintf(stderr, "gcscp: a %s backup restores onto %s (--db)\n", engine, sqlite ? "SQLite" : "PostgreSQL");
		goto out;
	}
	if (gc_secrets_dir(config.data_dir, secrets, sizeof(secrets)) != GC_OK)
		secrets[0] = '\0';
	skip_add(&allowed, secrets);
	bool db_empty = true;
	if (sqlite) {
		struct stat st;
		if (gc_store_sqlite_file(config.db_url, config.data_dir, db_file, sizeof(db_file)) != GC_OK) {
			fprintf(stderr, "gcscp: cannot tell where the database file goes\n");
			goto out;
		}
		if (lstat(db_file, &st) == 0 && st.st_size > 0)
			db_empty = false;
		static const char *const sidecars[] = { "", "-wal", "-shm", "-journal" };
		for (size_t s = 0; s < 4; s++) {
			char p[PATH_MAX + 16];
			snprintf(p, sizeof(p), "%s%s", db_file, sidecars[s]);
			skip_add(&allowed, p);
		}
	} else {
		int64_t tables = 0;
		if (gc_pool_open(config.db_url, config.data_dir, 1, &pool, err, sizeof(err)) != GC_OK ||
		    gc_pool_acquire(pool, 10000, &db) != GC_OK) {
			fprintf(stderr, "gcscp: cannot open the database: %s\n", err);
			goto out;
		}
		if (gc_store_table_count(db, &tables) != GC_OK) {
			fprintf(stderr, "gcscp: cannot read the database: %s\n", gc_db_errmsg(db));
			goto out;
		}
		db_empty = tables == 0;
		gc_pool_release(pool, db);
		db = NULL;
		gc_pool_close(pool);
		pool = NULL;
	}
	bool dir_empty = true;
	if (data_dir_empty(config.data_dir, &allowed, &dir_empty) != 0) {
		fprintf(stderr, "gcscp: cannot read the data directory %s: %s\n", config.data_dir, strerror(errno));
		goto out;
	}
	if ((!db_empty || !dir_empty) && !force) {
		fprintf(stderr, "gcscp: the %s is not empty; restore into an empty one, or give --force to "
				"overwrite it (stop every server using it first)\n",
			!db_empty ? "database" : "data directory");
		goto out;
	}

	/* The files, each under a temporary name renamed into place. */
	if (mkdir(config.data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "gcscp: cannot create %s: %s\n", config.data_dir, strerror(errno));
		goto out;
	}
	json_array_foreach(json_object_get(manifest, "files"), i, entry) {
		const char *rel = json_string_value(json_object_get(entry, "path")) + strlen(FILES_DIR "/");
		char dest[PATH_MAX], part[PATH_MAX + 32], hex[HEX_SHA256];
		int64_t bytes;
		if (path_join(src, sizeof(src), from, json_string_value(json_object_get(entry, "path"))) != 0 ||
		    path_join(dest, sizeof(dest), config.data_dir, rel) != 0 || make_parents(config.data_dir, rel) != 0)
			goto out;
		snprintf(part, sizeof(part), "%s.restore-partial", dest);
		unlink(part);
		if (copy_hash(src, part, hex, &bytes) != 0 ||
		    strcmp(hex, json_string_value(json_object_get(entry, "sha256"))) != 0) {
			fprintf(stderr, "gcscp: copying %s failed\n", src);
			unlink(part);
			goto out;
		}
		if (rename(part, dest) != 0) {
			fprintf(stderr, "gcscp: cannot rename %s: %s\n", part, strerror(errno));
			unlink(part);
			goto out;
		}
	}
	if (sync_tree(config.data_dir, 0) != 0)
		goto out;

	/* Then the database, checked against the manifest. */
	if (path_join(src, sizeof(src), from, db_name) != 0)
		goto out;
	if (sqlite) {
		char hex[HEX_SHA256], url[PATH_MAX + 48], abs_dir[PATH_MAX];
		int64_t bytes;
		snprintf(tmp_db, sizeof(tmp_db), "%s.restore-partial", db_file);
		static const char *const sidecars[] = { "", "-wal", "-shm", "-journal" };
		for (size_t s = 0; s < 4; s++) {
			char p[PATH_MAX + 64];
			snprintf(p, sizeof(p), "%s%s", tmp_db, sidecars[s]);
			unlink(p);
		}
		if (copy_hash(src, tmp_db, hex, &bytes) != 0)
			goto out;
		if (!realpath(tmp_db, abs_dir)) {
			fprintf(stderr, "gcscp: %s: %s\n", tmp_db, strerror(errno));
			goto out;
		}
		snprintf(url, sizeof(url), "sqlite:%s", abs_dir);
		state = describe_url(url, config.data_dir);
		if (!state || !same_state(manifest, state))
			goto out;
		for (size_t s = 1; s < 4; s++) {
			char p[PATH_MAX + 16];
			snprintf(p, sizeof(p), "%s%s", db_file, sidecars[s]);
			if (unlink(p) != 0 && errno != ENOENT) {
				fprintf(stderr, "gcscp: cannot remove %s: %s\n", p, strerror(errno));
				goto out;
			}
		}
		if (rename(tmp_db, db_file) != 0) {
			fprintf(stderr, "gcscp: cannot rename %s to %s: %s\n", tmp_db, db_file, strerror(errno));
			goto out;
		}
		tmp_db[0] = '\0';
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", db_file);
		char *slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		if (fsync_dir(slash ? (parent[0] ? parent : "/") : ".") != 0)
			goto out;
	} else {
		char file_arg[PATH_MAX + 8], db_arg[sizeof(config.db_url) + 16];
		snprintf(file_arg, sizeof(file_arg), "%s", src);
		snprintf(db_arg, sizeof(db_arg), "--dbname=%s", config.db_url);
		char *plain[] = { "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
				  db_arg, file_arg, NULL };
		char *clean[] = { "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
				  "--clean", "--if-exists", db_arg, file_arg, NULL };
		if (run_program(db_empty ? plain : clean) != 0)
			goto out;
		state = describe_url(config.db_url, config.data_dir);
		if (!state || !same_state(manifest, state))
			goto out;
	}
	json_t *audit = json_object_get(state, "audit");
	printf("restored %s into %s: %zu tables, %lld rows, %zu files; counts, schema and audit head match the "
	       "manifest\n",
	       from, sqlite ? db_file : "the PostgreSQL database", json_object_size(json_object_get(state, "tables")),
	       (long long)total_rows(json_object_get(state, "tables")), json_array_size(json_object_get(manifest, "files")));
	printf("audit head: record %lld, hash %s; check the chain with: gcscp audit verify\n",
	       (long long)json_integer_value(json_object_get(audit, "head_id")),
	       json_string_value(json_object_get(audit, "head_hash")));
	struct stat st;
	if (secrets[0] && stat(secrets, &st) != 0)
		printf("the secrets directory %s is missing: put back its own copy before gcscp serve, or every "
		       "password and authenticator must be set up again (docs/operations.md)\n",
		       secrets);
	code = 0;
out:
	if (tmp_db[0])
		unlink(tmp_db);
	if (db)
		gc_pool_release(pool, db);
	gc_pool_close(pool);
	json_decref(manifest);
	json_decref(state);
	return code;
}

int gc_cli_backup(int argc, char **argv)
{
	return backup_run(argc, argv);
}

int gc_cli_restore(int argc, char **argv)
{
	return restore_run(argc, argv);
}
