/*
 * The SQLite engine behind struct gc_backend.
 *
 * Settings of every connection, and why:
 * - journal_mode=WAL: readers never wait for the writer, and a crash leaves
 *   the database at the last commit (the WAL is replayed or ignored whole).
 * - synchronous=FULL: in WAL mode, NORMAL is crash-safe for the application
 *   but a commit acknowledged just before a power cut can be lost, because the
 *   WAL is fsynced only at checkpoints. FULL fsyncs the WAL at every commit,
 *   so a write the portal has acknowledged survives power loss (SECURITY.md
 *   R1). It costs one fsync per write transaction, which the portal's write
 *   rate (people editing records) affords easily.
 * - foreign_keys=ON: SQLite leaves them off by default; PostgreSQL always
 *   enforces them, and both engines must behave alike.
 * - busy_timeout 5 s: a writer waits for another writer instead of failing
 *   at once; past 5 s the caller gets GC_EBUSY.
 * - a progress handler ends any statement that runs longer than
 *   GC_DB_STATEMENT_TIMEOUT_MS with GC_ETIMEOUT (SECURITY.md I4), as
 *   statement_timeout does on PostgreSQL. For a cursor the limit applies to
 *   each step, since the caller's work between rows is not the query's.
 *
 * Prepared statements are cached per connection by SQL text (SQLite
 * re-prepares them itself after a schema change). The cache is a small array
 * searched by hash, evicting the least recently used entry: at 128 entries a
 * linear scan of hashes costs less than keeping a hash table in step.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "store/backend.h"
#include "store/backup.h"

#define SQ_CACHE_SIZE 128
#define SQ_BUSY_TIMEOUT_MS 5000
/* Virtual-machine steps between two looks at the clock: cheap, and fine enough. */
#define SQ_PROGRESS_STEPS 1000

struct sq_cached {
	char *sql;
	size_t len;
	uint64_t hash;
	uint64_t used; /* tick of last use, for eviction */
	sqlite3_stmt *st;
	bool busy;     /* in use by an open statement right now */
};

struct sq_conn {
	sqlite3 *h;
	int64_t deadline_ms; /* monotonic; 0 = no limit */
	bool timed_out;
	uint64_t tick;
	struct sq_cached cache[SQ_CACHE_SIZE];
};

struct sq_stmt {
	struct gc_stmt base;
	sqlite3_stmt *st;
	struct sq_cached *slot; /* NULL when not cached: finalized at close */
	enum gc_stmt_mode mode;
	int64_t changes;
	bool done;
};

static int sq_progress(void *arg)
{
	struct sq_conn *c = arg;
	if (c->deadline_ms && gc_clock_monotonic_ms() > c->deadline_ms) {
		c->timed_out = true;
		return 1; /* interrupts the statement with SQLITE_INTERRUPT */
	}
	return 0;
}

static void sq_arm(struct sq_conn *c)
{
	c->timed_out = false;
	c->deadline_ms = gc_clock_monotonic_ms() + GC_DB_STATEMENT_TIMEOUT_MS;
}

/* Maps an SQLite result code to a status, with the reason in db->err. */
static gc_status sq_fail(struct gc_db *db, int rc, const char *sql)
{
	struct sq_conn *c = db->impl;
	gc_status st;

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		st = (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) ? GC_ECONFLICT : GC_EDB;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		st = GC_EBUSY;
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		st = GC_EIO;
		break;
	case SQLITE_NOMEM:
		st = GC_ENOMEM;
		break;
	case SQLITE_TOOBIG:
		st = GC_ETOOBIG;
		break;
	case SQLITE_INTERRUPT:
		st = c && c->timed_out ? GC_ETIMEOUT : GC_EDB;
		break;
	default:
		st = GC_EDB;
		break;
	}
	gc_db_set_error(db, "sqlite: %s (%s)%s%.200s", c && c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc),
			st == GC_ETIMEOUT ? "statement timeout" : sqlite3_errstr(rc), sql ? " in: " : "",
			sql ? sql : "");
	return st;
}

/* mkdir -p with mode 0700 for the directories we create. */
static gc_status sq_make_dirs(struct gc_db *db, const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		gc_db_set_error(db, "data directory path is empty or too long");
		return GC_EINVAL;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			gc_db_set_error(db, "cannot create directory %s: %s", path, strerror(errno));
			return GC_EIO;
		}
		path[i] = saved;
	}
	return GC_OK;
}

/*
 * The database file a URL names: "sqlite:" is <data_dir>/gcscp.db,
 * "sqlite:name.db" is under data_dir, "sqlite:/abs.db" is absolute. The
 * result always starts with '/' or "./", so SQLite (built with URI names on)
 * never reads it as a "file:" URI.
 */
static gc_status sq_path(struct gc_db *db, const char *url, const char *data_dir, char *path, size_t size)
{
	const char *rest = url + strlen("sqlite:");

	if (rest[0] != '/') {
		if (!data_dir || !data_dir[0]) {
			gc_db_set_error(db, "a relative SQLite path needs a data directory");
			return GC_EINVAL;
		}
		gc_status st = sq_make_dirs(db, data_dir);
		if (st != GC_OK)
			return st;
	}
	if (gc_store_sqlite_file(url, data_dir, path, size) != GC_OK) {
		gc_db_set_error(db, "SQLite path too long");
		return GC_EINVAL;
	}
	return GC_OK;
}

static gc_status sq_connect(struct gc_db *db, const char *url, const char *data_dir)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *mode = NULL;
	char path[PATH_MAX];
	gc_status st;
	int rc;

	st = sq_path(db, url, data_dir, path, sizeof(path));
	if (st != GC_OK)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		st = GC_ENOMEM;
		goto out;
	}
	db->impl = c;
	/* NOMUTEX: the pool gives a connection to one thread at a time. */
	rc = sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		st = sq_fail(db, rc, NULL);
		goto out;
	}
	sqlite3_extended_result_codes(c->h, 1);
	/* Before the pragmas: switching to WAL needs a moment alone with the file. */
	sqlite3_busy_timeout(c->h, SQ_BUSY_TIMEOUT_MS);
	rc = sqlite3_prepare_v2(c->h, "PRAGMA journal_mode=WAL", -1, &mode, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(mode);
	if (rc != SQLITE_ROW) {
		st = sq_fail(db, rc, "PRAGMA journal_mode=WAL");
		goto out;
	}
	const char *got = (const char *)sqlite3_column_text(mode, 0);
	if (!got || strcmp(got, "wal") != 0) {
		gc_db_set_error(db, "sqlite: %s cannot use WAL journaling (got %s)", path, got ? got : "nothing");
		st = GC_EDB;
		goto out;
	}
	rc = sqlite3_exec(c->h, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = sq_fail(db, rc, "PRAGMA");
		goto out;
	}
	sqlite3_progress_handler(c->h, SQ_PROGRESS_STEPS, sq_progress, c);
	st = GC_OK;
out:
	sqlite3_finalize(mode);
	return st;
}

static void sq_disconnect(struct gc_db *db)
{
	struct sq_conn *c = db->impl;
	if (!c)
		return;
	for (size_t i = 0; i < SQ_CACHE_SIZE; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].sql);
	}
	/* close_v2 so that a statement someone forgot to close cannot keep the
	 * handle half-open forever: it is freed with the last statement. */
	sqlite3_close_v2(c->h);
	free(c);
	db->impl = NULL;
}

static gc_status sq_revive(struct gc_db *db)
{
	(void)db; /* a local file does not drop its connection */
	return GC_OK;
}

/* A free cache slot, or the least recently used idle one (finalized); NULL if all are busy. */
static struct sq_cached *sq_cache_slot(struct sq_conn *c)
{
	struct sq_cached *victim = NULL;
	for (size_t i = 0; i < SQ_CACHE_SIZE; i++) {
		struct sq_cached *e = &c->cache[i];
		if (!e->st)
			return e;
		if (!e->busy && (!victim || e->used < victim->used))
			victim = e;
	}
	if (victim) {
		sqlite3_finalize(victim->st);
		free(victim->sql);
		memset(victim, 0, sizeof(*victim));
	}
	return victim;
}

/* Prepares exactly one statement; more than one is refused so that no text
 * can smuggle a second statement past the caller. */
static gc_status sq_prepare(struct gc_db *db, const char *sql, size_t len, bool persistent, sqlite3_stmt **out)
{
	struct sq_conn *c = db->impl;
	sqlite3_stmt *st = NULL;
	sqlite3_stmt *extra = NULL;
	const char *tail = NULL;
	gc_status status = GC_OK;
	int rc;

	*out = NULL;
	if (len >= INT_MAX) {
		gc_db_set_error(db, "SQL text too long");
		status = GC_ETOOBIG;
		goto out;
	}
	c->deadline_ms = 0;
	/* len + 1: SQLite saves a copy when told the text ends with its NUL. */
	rc = sqlite3_prepare_v3(c->h, sql, (int)len + 1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, &tail);
	if (rc != SQLITE_OK) {
		status = sq_fail(db, rc, sql);
		goto out;
	}
	if (!st) {
		gc_db_set_error(db, "empty SQL statement");
		status = GC_EINVAL;
		goto out;
	}
	if (tail && *tail) {
		rc = sqlite3_prepare_v2(c->h, tail, -1, &extra, NULL);
		if (rc != SQLITE_OK || extra) {
			gc_db_set_error(db, "more than one SQL statement in: %.200s", sql);
			status = GC_EINVAL;
			goto out;
		}
	}
	*out = st;
	st = NULL;
out:
	sqlite3_finalize(extra);
	sqlite3_finalize(st);
	return status;
}

static void sq_close(struct gc_stmt *stmt);

static gc_status sq_bind(struct gc_db *db, sqlite3_stmt *st, const struct gc_val *params, size_t n, bool copy)
{
	int count = sqlite3_bind_parameter_count(st);
	if (count < 0 || (size_t)count != n) {
		gc_db_set_error(db, "statement has %d parameters, %zu given: %.200s", count, n, sqlite3_sql(st));
		return GC_EINVAL;
	}
	for (int i = 1; i <= count; i++) {
		/* Only anonymous '?': PostgreSQL renumbers those alone. */
		if (sqlite3_bind_parameter_name(st, i)) {
			gc_db_set_error(db, "only '?' placeholders are portable: %.200s", sqlite3_sql(st));
			return GC_EINVAL;
		}
	}
	/* A cursor outlives the caller's parameter array, so it binds copies. */
	void (*keep)(void *) = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
	for (size_t i = 0; i < n; i++) {
		const struct gc_val *v = &params[i];
		int rc = SQLITE_OK;
		int at = (int)i + 1;
		switch (v->type) {
		case GC_VAL_NULL: rc = sqlite3_bind_null(st, at); break;
		case GC_VAL_INT: rc = sqlite3_bind_int64(st, at, v->i); break;
		case GC_VAL_REAL: rc = sqlite3_bind_double(st, at, v->d); break;
		case GC_VAL_TEXT: rc = sqlite3_bind_text64(st, at, v->p, v->n, keep, SQLITE_UTF8); break;
		case GC_VAL_BLOB: rc = sqlite3_bind_blob64(st, at, v->p, v->n, keep); break;
		}
		if (rc != SQLITE_OK)
			return sq_fail(db, rc, sqlite3_sql(st));
	}
	return GC_OK;
}

static gc_status sq_open(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			 enum gc_stmt_mode mode, struct gc_stmt **out)
{
	struct sq_conn *c = db->impl;
	struct sq_stmt *s = NULL;
	sqlite3_stmt *fresh = NULL;
	gc_status st = GC_OK;
	size_t len = strlen(sql);
	uint64_t hash = gc_db_hash(sql, len);
	struct sq_cached *hit = NULL;
	bool seen_busy = false;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		st = GC_ENOMEM;
		goto out;
	}
	s->base.db = db;
	s->mode = mode;
	for (size_t i = 0; i < SQ_CACHE_SIZE; i++) {
		struct sq_cached *e = &c->cache[i];
		if (e->st && e->hash == hash && e->len == len && memcmp(e->sql, sql, len) == 0) {
			if (!e->busy) {
				hit = e;
				break;
			}
			seen_busy = true;
		}
	}
	if (hit) {
		s->st = hit->st;
		s->slot = hit;
	} else {
		/* The same text already running (a cursor, say) gets a private copy. */
		st = sq_prepare(db, sql, len, !seen_busy, &fresh);
		if (st != GC_OK)
			goto out;
		struct sq_cached *slot = seen_busy ? NULL : sq_cache_slot(c);
		char *copy = slot ? malloc(len + 1) : NULL;
		if (copy) {
			memcpy(copy, sql, len + 1);
			*slot = (struct sq_cached){ .sql = copy, .len = len, .hash = hash, .st = fresh };
			s->slot = slot;
		}
		s->st = fresh;
		fresh = NULL;
	}
	if (s->slot) {
		s->slot->busy = true;
		s->slot->used = ++c->tick;
	}
	st = sq_bind(db, s->st, params, n_params, mode == GC_STMT_CURSOR);
	if (st != GC_OK)
		goto out;
	sq_arm(c);
	*out = &s->base;
	s = NULL;
out:
	sqlite3_finalize(fresh);
	if (s)
		sq_close(&s->base);
	return st;
}

static gc_status sq_row(struct gc_db *db, sqlite3_stmt *st, json_t **row)
{
	json_t *obj = json_object();
	gc_status status = GC_OK;
	int n = sqlite3_column_count(st);

	if (!obj) {
		status = GC_ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		json_t *v = NULL;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			/* JSON has no NaN or infinity; SQLite stores NaN as NULL already. */
			v = json_real(sqlite3_column_double(st, i));
			if (!v)
				v = json_null();
			break;
		case SQLITE_TEXT: {
			const char *text = (const char *)sqlite3_column_text(st, i);
			if (!text) {
				/* A TEXT value read as NULL means SQLite ran out of memory. */
				status = GC_ENOMEM;
				goto out;
			}
			v = gc_db_json_text(text, (size_t)sqlite3_column_bytes(st, i));
			if (!v) {
				gc_db_set_error(db, "column %s holds text that is not UTF-8", sqlite3_column_name(st, i));
				status = GC_EDB;
				goto out;
			}
			break;
		}
		case SQLITE_BLOB:
			v = gc_db_json_blob(sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
			break;
		default:
			v = json_null();
			break;
		}
		const char *name = sqlite3_column_name(st, i);
		if (!v || !name || json_object_set_new(obj, name, v) != 0) {
			status = GC_ENOMEM;
			goto out;
		}
	}
	*row = obj;
	obj = NULL;
out:
	json_decref(obj);
	return status;
}

static gc_status sq_next(struct gc_stmt *stmt, json_t **row)
{
	struct sq_stmt *s = (struct sq_stmt *)stmt;
	struct gc_db *db = stmt->db;
	struct sq_conn *c = db->impl;

	if (s->done)
		return GC_DONE;
	if (s->mode == GC_STMT_CURSOR)
		sq_arm(c);
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW) {
		if (!row)
			return GC_ROW;
		gc_status st = sq_row(db, s->st, row);
		return st == GC_OK ? GC_ROW : st;
	}
	s->done = true;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_stmt_readonly(s->st) ? 0 : sqlite3_changes64(c->h);
		return GC_DONE;
	}
	return sq_fail(db, rc, sqlite3_sql(s->st));
}

static int64_t sq_changes(struct gc_stmt *stmt)
{
	return ((struct sq_stmt *)stmt)->changes;
}

static void sq_close(struct gc_stmt *stmt)
{
	struct sq_stmt *s = (struct sq_stmt *)stmt;
	if (!s)
		return;
	struct sq_conn *c = stmt->db->impl;
	if (s->slot) {
		/* Reset ends the statement's read snapshot; the slot is reusable. */
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
		s->slot->busy = false;
	} else {
		sqlite3_finalize(s->st);
	}
	c->deadline_ms = 0;
	free(s);
}

static gc_status sq_script(struct gc_db *db, const char *sql)
{
	struct sq_conn *c = db->impl;
	/* Scripts are the program's own migrations: building an index on a
	 * large table may take longer than a request's statement may. */
	c->deadline_ms = 0;
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(db, rc, sql);
	return GC_OK;
}

static gc_status sq_tx(struct gc_db *db, enum gc_tx_op op)
{
	struct sq_conn *c = db->impl;
	bool open = !sqlite3_get_autocommit(c->h);
	const char *sql = NULL;
	gc_status st = GC_OK;
	int rc;

	c->deadline_ms = 0;
	switch (op) {
	case GC_TX_BEGIN:
	case GC_TX_BEGIN_WRITE:
		if (open) {
			gc_db_set_error(db, "a transaction is already open");
			return GC_EINVAL;
		}
		/* IMMEDIATE takes the write lock now, so a read-then-write
		 * transaction cannot fail half-way on a lock upgrade. */
		sql = op == GC_TX_BEGIN ? "BEGIN" : "BEGIN IMMEDIATE";
		break;
	case GC_TX_COMMIT:
		if (!open) {
			gc_db_set_error(db, "commit without a transaction");
			return GC_EINVAL;
		}
		sql = "COMMIT";
		break;
	case GC_TX_ROLLBACK:
		if (!open)
			return GC_OK;
		sql = "ROLLBACK";
		break;
	}
	rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = sq_fail(db, rc, sql);
		/* A failed COMMIT can leave the transaction open; end it, so a
		 * failed commit always means nothing was written. */
		if (op != GC_TX_BEGIN && op != GC_TX_BEGIN_WRITE && !sqlite3_get_autocommit(c->h))
			sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	}
	return st;
}

static bool sq_in_tx(const struct gc_db *db)
{
	const struct sq_conn *c = db->impl;
	return c && c->h && !sqlite3_get_autocommit(c->h);
}

const struct gc_backend gc_sqlite_backend = {
	.engine = GC_DB_SQLITE,
	.name = "SQLite",
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.revive = sq_revive,
	.open = sq_open,
	.next = sq_next,
	.changes = sq_changes,
	.close = sq_close,
	.script = sq_script,
	.tx = sq_tx,
	.in_tx = sq_in_tx,
};
