/*
 * The store on both engines: every case runs on SQLite (a file in a fresh
 * temporary directory) and, when GCSCP_TEST_PG holds a postgresql:// URL of a
 * server where we may CREATE DATABASE, on PostgreSQL too. For PostgreSQL the
 * runner creates one database per run (dropped at the end) and each case,
 * which Criterion runs in its own process, gets a schema of its own in it.
 *
 *   tests/pg-cluster start /tmp/gcscp-pg 55432
 *   GCSCP_TEST_PG=postgresql://postgres@127.0.0.1:55432/postgres build/tests/test_store
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/backend.h"
#include "base/config.h"
#include "base/mail.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "store/outbox.h"
#include "store/qcache.h"
#include "store/search.h"
#include "store/store.h"

#define RUN_URL_ENV "GCSCP_TEST_PG_RUN_URL"
#define POOL_SIZE 4

/* --- the per-run PostgreSQL database ------------------------------------------- */

static char run_db[64];

/* base with its database name replaced by db (the path of a postgresql:// URL). */
static void url_with_db(const char *base, const char *db, char *out, size_t size)
{
	const char *host = strstr(base, "://");
	host = host ? host + 3 : base;
	const char *slash = strchr(host, '/');
	const char *query = strchr(host, '?');
	size_t head = slash ? (size_t)(slash - base) : query ? (size_t)(query - base) : strlen(base);
	snprintf(out, size, "%.*s/%s%s", (int)head, base, db, query ? query : "");
}

/* Runs one statement on a throw-away connection to url; false on failure. */
static bool admin_exec(const char *url, const char *sql)
{
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	char err[512];
	bool ok = false;
	if (gc_pool_open(url, NULL, 1, &pool, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "test_store: %s\n", err);
		goto out;
	}
	if (gc_pool_acquire(pool, 1000, &db) != GC_OK)
		goto out;
	ok = gc_db_exec_script(db, sql) == GC_OK;
	if (!ok)
		fprintf(stderr, "test_store: %s\n", gc_db_errmsg(db));
	gc_pool_release(pool, db);
out:
	gc_pool_close(pool);
	return ok;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	const char *base = getenv("GCSCP_TEST_PG");
	char sql[160];
	char url[1024];
	if (!base || !base[0])
		return;
	snprintf(run_db, sizeof(run_db), "gcscp_test_%ld_%lld", (long)getpid(), (long long)gc_clock_now());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", run_db);
	if (!admin_exec(base, sql)) {
		run_db[0] = '\0';
		return;
	}
	url_with_db(base, run_db, url, sizeof(url));
	/* Each case runs in a child process, which inherits this. */
	setenv(RUN_URL_ENV, url, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	char sql[160];
	if (!run_db[0])
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", run_db);
	(void)admin_exec(getenv("GCSCP_TEST_PG"), sql);
}

/* --- fixtures -------------------------------------------------------------------- */

struct fx {
	enum gc_db_engine engine;
	char url[1200];
	char dir[64];
	struct gc_pool *pool;
	struct gc_db *db;
};

/* The files of a SQLite case, removed even when an assertion ends the case early. */
static char sqlite_dir[64];

static void fx_open(struct fx *f, enum gc_db_engine engine)
{
	char err[512];
	memset(f, 0, sizeof(*f));
	f->engine = engine;
	if (engine == GC_DB_SQLITE) {
		char base[32] = "/tmp/gcscp-store-XXXXXX";
		cr_assert_not_null(mkdtemp(base));
		/* A subdirectory that does not exist yet: the store must create it. */
		snprintf(f->dir, sizeof(f->dir), "%s/data", base);
		snprintf(sqlite_dir, sizeof(sqlite_dir), "%s", f->dir);
		snprintf(f->url, sizeof(f->url), "sqlite:test.db");
	} else {
		const char *run = getenv(RUN_URL_ENV);
		if (!getenv("GCSCP_TEST_PG"))
			cr_skip_test("GCSCP_TEST_PG is not set");
		cr_assert_not_null(run, "the PostgreSQL test database could not be created");
		char schema[32], sql[96];
		snprintf(schema, sizeof(schema), "t_%ld", (long)getpid());
		snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
		cr_assert(admin_exec(run, sql));
		snprintf(f->url, sizeof(f->url), "%s%soptions=-csearch_path%%3D%s", run, strchr(run, '?') ? "&" : "?",
			 schema);
	}
	cr_assert_eq(gc_pool_open(f->url, f->dir, POOL_SIZE, &f->pool, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(f->pool, 1000, &f->db), GC_OK);
	cr_assert_eq(gc_db_engine(f->db), engine);
	cr_assert_eq(gc_pool_engine(f->pool), engine);
}


static void remove_sqlite_dir(void)
{
	static const char *const files[] = { "test.db", "test.db-wal", "test.db-shm" };
	char path[128];
	if (!sqlite_dir[0])
		return;
	for (size_t i = 0; i < GC_ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", sqlite_dir, files[i]);
		unlink(path);
	}
	rmdir(sqlite_dir);
	*strrchr(sqlite_dir, '/') = '\0';
	rmdir(sqlite_dir);
	sqlite_dir[0] = '\0';
}

static void fx_close(struct fx *f)
{
	gc_pool_release(f->pool, f->db);
	gc_pool_close(f->pool);
	remove_sqlite_dir();
}

/* Every case, once per engine. */
#define STORE_TEST(name)                                                                                           \
	static void name##_case(struct fx *f);                                                                     \
	static void name##_run(enum gc_db_engine engine)                                                           \
	{                                                                                                          \
		struct fx f;                                                                                       \
		fx_open(&f, engine);                                                                               \
		name##_case(&f);                                                                                   \
		fx_close(&f);                                                                                      \
	}                                                                                                          \
	Test(sqlite, name, .fini = remove_sqlite_dir) { name##_run(GC_DB_SQLITE); }                                \
	Test(postgres, name) { name##_run(GC_DB_POSTGRES); }                                                       \
	static void name##_case(struct fx *f)

#define OK(expr) cr_assert_eq((expr), GC_OK, "%s: %s", #expr, gc_db_errmsg(f->db))

static const char *engine_sql(struct fx *f, const char *sqlite, const char *postgres)
{
	return f->engine == GC_DB_SQLITE ? sqlite : postgres;
}

static int64_t count_rows(struct fx *f, const char *sql)
{
	int64_t n = -1;
	OK(gc_db_query_int(f->db, sql, GC_NO_PARAMS, &n));
	return n;
}

/* --- values and statements ---------------------------------------------------------- */

STORE_TEST(types_round_trip)
{
	static const unsigned char blob[] = { 0, 1, 2, 0xff, 0 };
	const char *text = "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x8e\x89 'quote' \"dq\" \\";
	json_t *rows = NULL;

	OK(gc_db_exec_script(f->db, engine_sql(f,
		"CREATE TABLE v (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b BLOB)",
		"CREATE TABLE v (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA)")));
	OK(gc_db_exec(f->db, "INSERT INTO v (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)",
		      GC_PARAMS(GC_INT(1), GC_INT(INT64_MIN), GC_REAL(-0.1), GC_TEXT(text), GC_BLOB(blob, sizeof(blob))),
		      NULL));
	OK(gc_db_exec(f->db, "INSERT INTO v (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)",
		      GC_PARAMS(GC_INT(2), GC_INT(INT64_MAX), GC_REAL(1e300), GC_TEXTN("abcdef", 3), GC_BLOB(NULL, 0)),
		      NULL));
	OK(gc_db_exec(f->db, "INSERT INTO v (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)",
		      GC_PARAMS(GC_INT(3), GC_NULL, GC_NULL, GC_TEXT_OR_NULL(NULL), GC_NULL), NULL));
	OK(gc_db_query(f->db, "SELECT id, i, r, t, b FROM v ORDER BY id", GC_NO_PARAMS, &rows));
	cr_assert_eq(json_array_size(rows), 3);

	json_t *r1 = json_array_get(rows, 0);
	cr_assert(json_is_integer(json_object_get(r1, "i")));
	cr_assert_eq(json_integer_value(json_object_get(r1, "i")), INT64_MIN);
	cr_assert(json_is_real(json_object_get(r1, "r")));
	cr_assert_eq(json_real_value(json_object_get(r1, "r")), -0.1);
	cr_assert_str_eq(json_string_value(json_object_get(r1, "t")), text);
	cr_assert_str_eq(json_string_value(json_object_get(r1, "b")), "AAEC/wA=");

	json_t *r2 = json_array_get(rows, 1);
	cr_assert_eq(json_integer_value(json_object_get(r2, "i")), INT64_MAX);
	cr_assert_eq(json_real_value(json_object_get(r2, "r")), 1e300);
	cr_assert_str_eq(json_string_value(json_object_get(r2, "t")), "abc");
	cr_assert_str_eq(json_string_value(json_object_get(r2, "b")), "");

	json_t *r3 = json_array_get(rows, 2);
	cr_assert(json_is_null(json_object_get(r3, "i")));
	cr_assert(json_is_null(json_object_get(r3, "r")));
	cr_assert(json_is_null(json_object_get(r3, "t")));
	cr_assert(json_is_null(json_object_get(r3, "b")));
	json_decref(rows);

	/* Bound values keep their type without a table, too. */
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT ? AS i, ? AS r, ? AS t", GC_PARAMS(GC_INT(-7), GC_REAL(2.5), GC_TEXT("x")),
			   &row));
	cr_assert_eq(json_integer_value(json_object_get(row, "i")), -7);
	cr_assert_eq(json_real_value(json_object_get(row, "r")), 2.5);
	cr_assert_str_eq(json_string_value(json_object_get(row, "t")), "x");
	json_decref(row);

	/* Aggregates read alike on both engines (PostgreSQL's SUM(bigint) is numeric). */
	int64_t sum = 0;
	OK(gc_db_query_int(f->db, "SELECT SUM(id) AS s FROM v", GC_NO_PARAMS, &sum));
	cr_assert_eq(sum, 6);

	/* Text that would not come back unchanged is refused before the engine sees it. */
	cr_assert_eq(gc_db_exec(f->db, "INSERT INTO v (id, t) VALUES (4, ?)", GC_PARAMS(GC_TEXTN("a\0b", 3)), NULL),
		     GC_EINVAL);
	cr_assert_eq(gc_db_exec(f->db, "INSERT INTO v (id, t) VALUES (4, ?)", GC_PARAMS(GC_TEXT("\xc3\x28")), NULL),
		     GC_EINVAL);
	cr_assert_eq(gc_db_query_one(f->db, "SELECT id FROM v WHERE id = ?", GC_PARAMS(GC_INT(99)), &row),
		     GC_ENOTFOUND);
	cr_assert_null(row);
}

STORE_TEST(placeholders)
{
	char *out = NULL;
	size_t n = 0;
	OK(gc_db_renumber("SELECT '?' AS a, ? AS b, \"w?\" FROM t -- ?\n WHERE x = ? /* ? /* ? */ */ AND y = E'\\'?'"
			  " AND z = $$?$$ AND w = $tag$ ? $tag$ AND q = ?",
			  &out, &n));
	cr_assert_eq(n, 3);
	cr_assert_str_eq(out, "SELECT '?' AS a, $1 AS b, \"w?\" FROM t -- ?\n WHERE x = $2 /* ? /* ? */ */ AND y = "
			      "E'\\'?' AND z = $$?$$ AND w = $tag$ ? $tag$ AND q = $3");
	free(out);
	OK(gc_db_renumber("SELECT 'it''s ?', ?, a$b FROM t", &out, &n));
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out, "SELECT 'it''s ?', $1, a$b FROM t");
	free(out);

	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT '?' AS a, ? AS b, 'it''s ?' AS c, ? AS \"d?\" -- a comment?\n",
			   GC_PARAMS(GC_TEXT("one"), GC_INT(2)), &row));
	cr_assert_str_eq(json_string_value(json_object_get(row, "a")), "?");
	cr_assert_str_eq(json_string_value(json_object_get(row, "b")), "one");
	cr_assert_str_eq(json_string_value(json_object_get(row, "c")), "it's ?");
	cr_assert_eq(json_integer_value(json_object_get(row, "d?")), 2);
	json_decref(row);

	/* The number of markers must match; named parameters are not portable. */
	cr_assert_eq(gc_db_query_one(f->db, "SELECT ? AS a", GC_NO_PARAMS, &row), GC_EINVAL);
	cr_assert_eq(gc_db_query_one(f->db, "SELECT ? AS a", GC_PARAMS(GC_INT(1), GC_INT(2)), &row), GC_EINVAL);
	/* One statement at a time: a second one cannot ride along. */
	OK(gc_db_exec_script(f->db, "CREATE TABLE s (x INTEGER)"));
	cr_assert_neq(gc_db_exec(f->db, "INSERT INTO s VALUES (1); DROP TABLE s", GC_NO_PARAMS, NULL), GC_OK);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM s"), 0);

	struct gc_val many[GC_DB_MAX_PARAMS + 1];
	for (size_t i = 0; i < GC_ARRAY_LEN(many); i++)
		many[i] = GC_INT(i);
	cr_assert_eq(gc_db_exec(f->db, "SELECT 1", many, GC_ARRAY_LEN(many), NULL), GC_ETOOBIG);
}

STORE_TEST(conflict_and_changes)
{
	int64_t changes = -1;
	OK(gc_db_exec_script(f->db, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, n INTEGER)"));
	OK(gc_db_exec(f->db, "INSERT INTO u (id, email, n) VALUES (?, ?, 0)", GC_PARAMS(GC_INT(1), GC_TEXT("a@x")),
		      &changes));
	cr_assert_eq(changes, 1);
	OK(gc_db_exec(f->db, "INSERT INTO u (id, email, n) VALUES (?, ?, 0)", GC_PARAMS(GC_INT(2), GC_TEXT("b@x")),
		      NULL));
	cr_assert_eq(gc_db_exec(f->db, "INSERT INTO u (id, email, n) VALUES (?, ?, 0)",
				GC_PARAMS(GC_INT(3), GC_TEXT("a@x")), NULL),
		     GC_ECONFLICT);
	cr_assert_eq(gc_db_exec(f->db, "INSERT INTO u (id, email, n) VALUES (?, ?, 0)",
				GC_PARAMS(GC_INT(1), GC_TEXT("c@x")), NULL),
		     GC_ECONFLICT);
	OK(gc_db_exec(f->db, "UPDATE u SET n = n + 1", GC_NO_PARAMS, &changes));
	cr_assert_eq(changes, 2);
	OK(gc_db_exec(f->db, "SELECT * FROM u", GC_NO_PARAMS, &changes));
	cr_assert_eq(changes, 0);
	int64_t id = 0;
	OK(gc_db_query_int(f->db, "INSERT INTO u (id, email, n) VALUES (?, ?, 0) RETURNING id",
			   GC_PARAMS(GC_INT(42), GC_TEXT("d@x")), &id));
	cr_assert_eq(id, 42);
	OK(gc_db_exec(f->db, "DELETE FROM u WHERE id > ?", GC_PARAMS(GC_INT(1)), &changes));
	cr_assert_eq(changes, 2);
	/* A failed statement leaves the connection usable. */
	cr_assert_eq(gc_db_exec(f->db, "SELECT nope FROM nowhere", GC_NO_PARAMS, NULL), GC_EDB);
	cr_assert_neq(gc_db_errmsg(f->db)[0], '\0');
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM u"), 1);
}

STORE_TEST(transactions)
{
	OK(gc_db_exec_script(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"));
	cr_assert(!gc_db_in_transaction(f->db));
	OK(gc_db_begin(f->db));
	cr_assert(gc_db_in_transaction(f->db));
	cr_assert_eq(gc_db_begin(f->db), GC_EINVAL);
	OK(gc_db_exec(f->db, "INSERT INTO t (id, v) VALUES (1, 'a')", GC_NO_PARAMS, NULL));
	gc_db_rollback(f->db);
	cr_assert(!gc_db_in_transaction(f->db));
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM t"), 0);

	OK(gc_db_begin_write(f->db));
	OK(gc_db_exec(f->db, "INSERT INTO t (id, v) VALUES (1, 'a')", GC_NO_PARAMS, NULL));
	OK(gc_db_commit(f->db));
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM t"), 1);
	cr_assert_eq(gc_db_commit(f->db), GC_EINVAL);

	/* A conflict inside a transaction, then rollback: nothing of it stays. */
	OK(gc_db_begin_write(f->db));
	OK(gc_db_exec(f->db, "INSERT INTO t (id, v) VALUES (2, 'b')", GC_NO_PARAMS, NULL));
	cr_assert_eq(gc_db_exec(f->db, "INSERT INTO t (id, v) VALUES (3, 'a')", GC_NO_PARAMS, NULL), GC_ECONFLICT);
	gc_db_rollback(f->db);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM t"), 1);

	/* Released with a transaction open: rolled back, and the next borrower starts clean. */
	struct gc_db *other = NULL;
	OK(gc_pool_acquire(f->pool, 1000, &other));
	OK(gc_db_begin_write(other));
	OK(gc_db_exec(other, "INSERT INTO t (id, v) VALUES (4, 'd')", GC_NO_PARAMS, NULL));
	gc_pool_release(f->pool, other);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM t"), 1);
	for (int i = 0; i < POOL_SIZE - 1; i++) {
		struct gc_db *db = NULL;
		OK(gc_pool_acquire(f->pool, 1000, &db));
		cr_assert(!gc_db_in_transaction(db));
		gc_pool_release(f->pool, db);
	}
	/* A connection used after its release is refused. */
	cr_assert_eq(gc_db_exec(other, "SELECT 1", GC_NO_PARAMS, NULL), GC_EINVAL);
}

STORE_TEST(cached_statement_after_schema_change)
{
	json_t *row = NULL;
	OK(gc_db_exec_script(f->db, "CREATE TABLE sc (a INTEGER); INSERT INTO sc (a) VALUES (1)"));
	for (int i = 0; i < 2; i++) {
		OK(gc_db_query_one(f->db, "SELECT * FROM sc", GC_NO_PARAMS, &row));
		cr_assert_eq(json_object_size(row), 1);
		json_decref(row);
	}
	/* A migration changes the table under the cached statement. */
	OK(gc_db_exec_script(f->db, "ALTER TABLE sc ADD COLUMN b INTEGER"));
	OK(gc_db_query_one(f->db, "SELECT * FROM sc", GC_NO_PARAMS, &row));
	cr_assert_eq(json_object_size(row), 2);
	cr_assert(json_is_null(json_object_get(row, "b")));
	json_decref(row);
}

STORE_TEST(statement_cache)
{
	char sql[64];
	/* More distinct statements than the cache holds, then the first again. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 300; i++) {
			snprintf(sql, sizeof(sql), "SELECT %d + ? AS n", i);
			int64_t n = -1;
			OK(gc_db_query_int(f->db, sql, GC_PARAMS(GC_INT(round)), &n));
			cr_assert_eq(n, i + round);
		}
	}
	if (f->engine == GC_DB_POSTGRES) {
		/* Evicted statements are deallocated on the server too. */
		int64_t held = count_rows(f, "SELECT count(*) AS n FROM pg_prepared_statements");
		cr_assert_leq(held, 129);
		cr_assert_geq(held, 100);
	}
	/* The same text in a cursor and in a query at the same time. */
	struct gc_cursor *cursor = NULL;
	json_t *row = NULL;
	const char *same = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x FROM c";
	OK(gc_db_open_cursor(f->db, same, GC_NO_PARAMS, &cursor));
	cr_assert_eq(gc_cursor_next(cursor, &row), GC_ROW);
	json_t *rows = NULL;
	OK(gc_db_query(f->db, same, GC_NO_PARAMS, &rows));
	cr_assert_eq(json_array_size(rows), 3);
	json_decref(rows);
	cr_assert_eq(gc_cursor_next(cursor, &row), GC_ROW);
	cr_assert_eq(json_integer_value(json_object_get(row, "x")), 2);
	gc_cursor_close(cursor);
	/* The same text with parameters of another type (PostgreSQL fixes them when preparing). */
	json_t *one = NULL;
	OK(gc_db_query_one(f->db, "SELECT ? AS v", GC_PARAMS(GC_INT(5)), &one));
	cr_assert_eq(json_integer_value(json_object_get(one, "v")), 5);
	json_decref(one);
	OK(gc_db_query_one(f->db, "SELECT ? AS v", GC_PARAMS(GC_TEXT("five")), &one));
	cr_assert_str_eq(json_string_value(json_object_get(one, "v")), "five");
	json_decref(one);
}

STORE_TEST(reconnect_after_broken_connection)
{
	struct gc_db *other = NULL;
	int64_t pid = 0;
	if (f->engine != GC_DB_POSTGRES)
		return; /* a file does not drop its connection */
	OK(gc_db_query_int(f->db, "SELECT pg_backend_pid() AS pid", GC_NO_PARAMS, &pid));
	OK(gc_pool_acquire(f->pool, 1000, &other));
	OK(gc_db_exec(other, "SELECT pg_terminate_backend(CAST(? AS INTEGER))", GC_PARAMS(GC_INT(pid)), NULL));
	gc_pool_release(f->pool, other);
	usleep(100 * 1000);
	/* The request that finds the connection dead fails ... */
	cr_assert_eq(gc_db_query_int(f->db, "SELECT 1 AS n", GC_NO_PARAMS, &pid), GC_EDB);
	gc_pool_release(f->pool, f->db);
	/* ... and the next borrower gets it back repaired, settings and all. */
	f->db = NULL;
	OK(gc_pool_acquire(f->pool, 1000, &f->db));
	cr_assert_eq(count_rows(f, "SELECT 1 AS n"), 1);
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT current_setting('statement_timeout') AS t, current_setting('TimeZone') AS z",
			   GC_NO_PARAMS, &row));
	cr_assert_str_eq(json_string_value(json_object_get(row, "t")), "5s");
	cr_assert_str_eq(json_string_value(json_object_get(row, "z")), "UTC");
	json_decref(row);
}

STORE_TEST(pool_exhaustion)
{
	struct gc_db *dbs[POOL_SIZE] = { f->db };
	struct gc_db *extra = NULL;
	unsigned size = 0, in_use = 0;
	for (int i = 1; i < POOL_SIZE; i++)
		OK(gc_pool_acquire(f->pool, 1000, &dbs[i]));
	gc_pool_stats(f->pool, &size, &in_use);
	cr_assert_eq(size, POOL_SIZE);
	cr_assert_eq(in_use, POOL_SIZE);
	int64_t start = gc_clock_monotonic_ms();
	cr_assert_eq(gc_pool_acquire(f->pool, 100, &extra), GC_EBUSY);
	cr_assert_geq(gc_clock_monotonic_ms() - start, 90);
	cr_assert_null(extra);
	cr_assert_eq(gc_pool_acquire(f->pool, 0, &extra), GC_EBUSY);
	gc_pool_release(f->pool, dbs[POOL_SIZE - 1]);
	OK(gc_pool_acquire(f->pool, 0, &extra));
	for (int i = 1; i < POOL_SIZE - 1; i++)
		gc_pool_release(f->pool, dbs[i]);
	gc_pool_release(f->pool, extra);
	gc_pool_stats(f->pool, NULL, &in_use);
	cr_assert_eq(in_use, 1);
}

STORE_TEST(row_limit)
{
	json_t *rows = NULL;
	char sql[200];
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) SELECT x FROM c",
		 GC_DB_MAX_ROWS + 1);
	cr_assert_eq(gc_db_query(f->db, sql, GC_NO_PARAMS, &rows), GC_ETOOBIG);
	cr_assert_null(rows);
	/* The connection is still in step after the refused result. */
	cr_assert_eq(count_rows(f, "SELECT 7 AS n"), 7);
}

STORE_TEST(cursor_iteration)
{
	struct gc_cursor *cursor = NULL;
	json_t *row = NULL;
	int64_t seen = 0, sum = 0;
	gc_status st;

	OK(gc_db_exec_script(f->db, "CREATE TABLE c (id INTEGER PRIMARY KEY, label TEXT)"));
	OK(gc_db_begin_write(f->db));
	for (int i = 1; i <= 1000; i++) {
		char label[16];
		snprintf(label, sizeof(label), "row %d", i);
		OK(gc_db_exec(f->db, "INSERT INTO c (id, label) VALUES (?, ?)", GC_PARAMS(GC_INT(i), GC_TEXT(label)),
			      NULL));
	}
	OK(gc_db_commit(f->db));

	{
		/* The parameter array may go away once the cursor is open. */
		char bound[8];
		snprintf(bound, sizeof(bound), "%d", 10);
		OK(gc_db_open_cursor(f->db, "SELECT id, label FROM c WHERE id > ? ORDER BY id",
				     GC_PARAMS(GC_INT(10)), &cursor));
		memset(bound, 'x', sizeof(bound));
	}
	while ((st = gc_cursor_next(cursor, &row)) == GC_ROW) {
		seen++;
		sum += json_integer_value(json_object_get(row, "id"));
		if (seen == 500) {
			/* Other statements run on the same connection meanwhile. */
			cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM c"), 1000);
			OK(gc_db_exec(f->db, "UPDATE c SET label = 'touched' WHERE id = 1", GC_NO_PARAMS, NULL));
		}
	}
	cr_assert_eq(st, GC_DONE);
	cr_assert_eq(gc_cursor_next(cursor, &row), GC_DONE);
	gc_cursor_close(cursor);
	cr_assert_eq(seen, 990);
	cr_assert_eq(sum, 500500 - 55);

	/* Inside a transaction, and closed before the end. */
	OK(gc_db_begin(f->db));
	OK(gc_db_open_cursor(f->db, "SELECT id FROM c ORDER BY id", GC_NO_PARAMS, &cursor));
	cr_assert_eq(gc_cursor_next(cursor, &row), GC_ROW);
	cr_assert_eq(json_integer_value(json_object_get(row, "id")), 1);
	gc_cursor_close(cursor);
	OK(gc_db_commit(f->db));
	/* Opened in one transaction, closed in the next: the second one is unharmed. */
	OK(gc_db_begin(f->db));
	OK(gc_db_open_cursor(f->db, "SELECT id FROM c ORDER BY id", GC_NO_PARAMS, &cursor));
	cr_assert_eq(gc_cursor_next(cursor, &row), GC_ROW);
	OK(gc_db_commit(f->db));
	OK(gc_db_begin_write(f->db));
	gc_cursor_close(cursor);
	OK(gc_db_exec(f->db, "UPDATE c SET label = 'touched' WHERE id = 2", GC_NO_PARAMS, NULL));
	OK(gc_db_commit(f->db));
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM c WHERE label = 'touched'"), 2);
	gc_db_rollback(f->db);
	gc_cursor_close(NULL);
	cr_assert_neq(gc_db_open_cursor(f->db, "SELECT nope FROM nowhere", GC_NO_PARAMS, &cursor), GC_OK);
	cr_assert_null(cursor);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM c WHERE label = 'touched'"), 2);
}

STORE_TEST(statement_timeout)
{
	json_t *rows = NULL;
	int64_t start = gc_clock_monotonic_ms();
	gc_status st = gc_db_query(f->db,
				   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
				   " SELECT count(*) AS n FROM c",
				   GC_NO_PARAMS, &rows);
	int64_t took = gc_clock_monotonic_ms() - start;
	cr_assert_eq(st, GC_ETIMEOUT, "%s", gc_db_errmsg(f->db));
	cr_assert_geq(took, GC_DB_STATEMENT_TIMEOUT_MS - 100);
	cr_assert_lt(took, GC_DB_STATEMENT_TIMEOUT_MS + 3000);
	cr_assert_eq(count_rows(f, "SELECT 1 AS n"), 1);
}

STORE_TEST(change_counter)
{
	int64_t v = -1;
	char err[256];
	OK(gc_migrate_component(f->db, "core", NULL, 0, err, sizeof(err)));
	OK(gc_db_changes_counter(f->db, &v));
	cr_assert_eq(v, 0);
	OK(gc_db_bump_changes(f->db));
	OK(gc_db_changes_counter(f->db, &v));
	cr_assert_eq(v, 1);
	OK(gc_db_begin_write(f->db));
	OK(gc_db_bump_changes(f->db));
	gc_db_rollback(f->db);
	OK(gc_db_changes_counter(f->db, &v));
	cr_assert_eq(v, 1);
}

/* --- migrations ----------------------------------------------------------------------- */

static atomic_int applied_calls;

static gc_status seed_apply(struct gc_db *db)
{
	atomic_fetch_add(&applied_calls, 1);
	return gc_db_exec(db, "INSERT INTO m1 (x) VALUES (?)", GC_PARAMS(GC_INT(7)), NULL);
}

static gc_status failing_apply(struct gc_db *db)
{
	(void)db;
	return GC_EIO;
}

static const struct gc_migration two[] = {
	{ .version = 1, .sql = "CREATE TABLE m1 (x INTEGER)", .apply = seed_apply },
	{ .version = 2,
	  .sql = "CREATE TABLE m2 (engine TEXT DEFAULT 'sqlite'); INSERT INTO m2 DEFAULT VALUES",
	  .sql_postgres = "CREATE TABLE m2 (engine TEXT DEFAULT 'postgres'); INSERT INTO m2 DEFAULT VALUES" },
};

STORE_TEST(migrations)
{
	char err[256];
	int version = -1;

	OK(gc_migrate_current(f->db, "demo", &version));
	cr_assert_eq(version, 0);
	OK(gc_migrate_component(f->db, "demo", two, 2, err, sizeof(err)));
	OK(gc_migrate_current(f->db, "demo", &version));
	cr_assert_eq(version, 2);
	cr_assert_eq(atomic_load(&applied_calls), 1);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM schema_migrations WHERE component = 'demo'"), 2);
	cr_assert_eq(count_rows(f, "SELECT x AS n FROM m1"), 7);
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT engine FROM m2", GC_NO_PARAMS, &row));
	cr_assert_str_eq(json_string_value(json_object_get(row, "engine")),
			 f->engine == GC_DB_SQLITE ? "sqlite" : "postgres");
	json_decref(row);

	/* Applied once: a second run changes nothing. */
	OK(gc_migrate_component(f->db, "demo", two, 2, err, sizeof(err)));
	cr_assert_eq(atomic_load(&applied_calls), 1);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM m1"), 1);

	/* A program older than the database refuses to run on it. */
	cr_assert_eq(gc_migrate_component(f->db, "demo", two, 1, err, sizeof(err)), GC_ECONFLICT);
	cr_assert_str_eq(err, "the database is at version 2 of demo, newer than this program (1); upgrade gcscp");

	/* A failing migration leaves the old version and none of its work. */
	const struct gc_migration bad_sql[] = {
		two[0], two[1],
		{ .version = 3, .sql = "CREATE TABLE m3 (x INTEGER); INSERT INTO m2 (engine) VALUES ('x');"
				       " INSERT INTO missing_table VALUES (1)" },
	};
	cr_assert_neq(gc_migrate_component(f->db, "demo", bad_sql, 3, err, sizeof(err)), GC_OK);
	cr_assert(strstr(err, "migration 3 of demo failed"), "%s", err);
	OK(gc_migrate_current(f->db, "demo", &version));
	cr_assert_eq(version, 2);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM m2"), 1);
	cr_assert_neq(gc_db_exec(f->db, "SELECT * FROM m3", GC_NO_PARAMS, NULL), GC_OK);

	const struct gc_migration bad_apply[] = {
		two[0], two[1], { .version = 3, .sql = "CREATE TABLE m3 (x INTEGER)", .apply = failing_apply },
	};
	cr_assert_eq(gc_migrate_component(f->db, "demo", bad_apply, 3, err, sizeof(err)), GC_EIO);
	OK(gc_migrate_current(f->db, "demo", &version));
	cr_assert_eq(version, 2);
	cr_assert_neq(gc_db_exec(f->db, "SELECT * FROM m3", GC_NO_PARAMS, NULL), GC_OK);

	/* Versions must rise. */
	const struct gc_migration unordered[] = { two[1], two[0] };
	cr_assert_eq(gc_migrate_component(f->db, "demo", unordered, 2, err, sizeof(err)), GC_EINVAL);
	/* Components are independent. */
	OK(gc_migrate_current(f->db, "other", &version));
	cr_assert_eq(version, 0);
	/* Not inside the caller's transaction. */
	OK(gc_db_begin(f->db));
	cr_assert_eq(gc_migrate_component(f->db, "demo", two, 2, err, sizeof(err)), GC_EINVAL);
	gc_db_rollback(f->db);
}

struct migrate_thread {
	const char *url;
	const char *dir;
	gc_status status;
	char err[256];
};

static gc_status slow_apply(struct gc_db *db)
{
	atomic_fetch_add(&applied_calls, 1);
	usleep(200 * 1000); /* widen the window in which a second node could slip in */
	return gc_db_exec(db, "INSERT INTO race (x) VALUES (1)", GC_NO_PARAMS, NULL);
}

static const struct gc_migration race[] = {
	{ .version = 1, .sql = "CREATE TABLE race (x INTEGER)", .apply = slow_apply },
};

static void *migrate_main(void *arg)
{
	struct migrate_thread *t = arg;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	t->status = gc_pool_open(t->url, t->dir, 1, &pool, t->err, sizeof(t->err));
	if (t->status == GC_OK)
		t->status = gc_pool_acquire(pool, 1000, &db);
	if (t->status == GC_OK)
		t->status = gc_migrate_component(db, "race", race, 1, t->err, sizeof(t->err));
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return NULL;
}

STORE_TEST(migrations_two_nodes)
{
	struct migrate_thread t[2] = { { .url = f->url, .dir = f->dir }, { .url = f->url, .dir = f->dir } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, migrate_main, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(t[0].status, GC_OK, "%s", t[0].err);
	cr_assert_eq(t[1].status, GC_OK, "%s", t[1].err);
	cr_assert_eq(atomic_load(&applied_calls), 1);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM race"), 1);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM schema_migrations WHERE component = 'race'"), 1);
}

/* --- search ------------------------------------------------------------------------------- */

static const char public_sql[] = "d.visibility = 'public' AND d.status = 'published'";
static const char owner_sql[] = "(d.visibility = 'public' AND d.status = 'published') OR d.owner_org = ?";

static void search_setup(struct fx *f)
{
	char err[256];
	OK(gc_migrate_component(f->db, "search", gc_search_migrations, gc_search_migration_count, err, sizeof(err)));
	const struct gc_search_doc docs[] = {
		{ "policies", 1, "en", "National cyber security strategy",
		  "The strategy sets out how the state protects critical infrastructure.", "/policies/1", "FRA",
		  "strategy", 2021, "public", "published", 1 },
		{ "policies", 2, "en", "Critical infrastructure law",
		  "A law on cyber incidents and security reporting for operators.", "/policies/2", "DEU", "law", 2022,
		  "public", "published", 2 },
		{ "contacts", 3, "en", "Cyber contact point", "Point of contact for cyber security incidents.",
		  "/contacts/3", "FRA", NULL, 2022, "restricted", "published", 1 },
		{ "policies", 4, "fr", "Strat\xc3\xa9gie nationale de cybers\xc3\xa9" "curit\xc3\xa9",
		  "La strat\xc3\xa9gie nationale prot\xc3\xa8ge les infrastructures.", "/policies/4", "FRA", NULL, 0,
		  "public", "published", 1 },
		{ "policies", 5, "en", "Draft cyber plan", "canaryzebra cyber draft", "/policies/5", NULL, NULL, 2023,
		  "restricted", "draft", 3 },
		{ "policies", 6, "en", "Pending cyber note", "canaryzebra cyber pending", "/policies/6", "USA", NULL, 2023,
		  "public", "pending", 4 },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(docs); i++)
		OK(gc_search_put(f->db, &docs[i]));
}

static json_t *search(struct fx *f, const char *text, const char *visible, const struct gc_val *params, size_t n,
		      gc_status expect)
{
	struct gc_search_query q = { .text = text, .limit = 10, .visible_sql = visible, .visible_params = params,
				     .n_visible_params = n };
	json_t *result = NULL;
	gc_status st = gc_search_run(f->db, &q, &result);
	cr_assert_eq(st, expect, "search [%s]: %s (%s)", text, gc_status_name(st), gc_db_errmsg(f->db));
	return result;
}

static int64_t facet(json_t *result, const char *name, const char *value)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(result, "facets"), name), value));
}

static int64_t hit_id(json_t *result, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(json_object_get(result, "hits"), i), "item_id"));
}

STORE_TEST(search_ranking_phrase_prefix)
{
	search_setup(f);
	/* A title match ranks above a body match. */
	json_t *r = search(f, "infrastructure", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	cr_assert_eq(hit_id(r, 0), 2);
	cr_assert_eq(hit_id(r, 1), 1);
	json_t *hit = json_array_get(json_object_get(r, "hits"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(hit, "module")), "policies");
	cr_assert_str_eq(json_string_value(json_object_get(hit, "lang")), "en");
	cr_assert_str_eq(json_string_value(json_object_get(hit, "url")), "/policies/2");
	cr_assert_str_eq(json_string_value(json_object_get(hit, "country")), "DEU");
	cr_assert_str_eq(json_string_value(json_object_get(hit, "kind")), "law");
	cr_assert_eq(json_integer_value(json_object_get(hit, "year")), 2022);
	json_decref(r);

	/* Snippets mark the match with U+E000 ... U+E001. */
	r = search(f, "reporting", public_sql, NULL, 0, GC_OK);
	const char *snippet = json_string_value(json_object_get(json_array_get(json_object_get(r, "hits"), 0), "snippet"));
	cr_assert(snippet && strstr(snippet, "\xee\x80\x80reporting\xee\x80\x81"), "%s", snippet);
	json_decref(r);

	/* A phrase needs its words together and in order. */
	r = search(f, "\"security strategy\"", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	cr_assert_eq(hit_id(r, 0), 1);
	json_decref(r);
	r = search(f, "\"strategy security\"", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);

	/* A trailing * is a prefix; words are ANDed. */
	r = search(f, "infra*", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 3); /* 1, 2 and the French 4 */
	json_decref(r);
	r = search(f, "infra* law", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	json_decref(r);
	r = search(f, "infra", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);
	r = search(f, "\"critical infra\"*", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	json_decref(r);

	/* Paging. */
	struct gc_search_query q = { .text = "infrastructure", .limit = 1, .offset = 1, .visible_sql = public_sql };
	OK(gc_search_run(f->db, &q, &r));
	cr_assert_eq(json_array_size(json_object_get(r, "hits")), 1);
	cr_assert_eq(hit_id(r, 0), 1);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	json_decref(r);
}

STORE_TEST(search_visibility_and_facets)
{
	search_setup(f);
	/* Anonymous: restricted, draft and pending items exist nowhere. */
	json_t *r = search(f, "cyber", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	cr_assert_eq(json_array_size(json_object_get(r, "hits")), 2);
	cr_assert_eq(facet(r, "module", "policies"), 2);
	cr_assert_null(json_object_get(json_object_get(json_object_get(r, "facets"), "module"), "contacts"));
	cr_assert_eq(facet(r, "country", "FRA"), 1);
	cr_assert_eq(facet(r, "country", "DEU"), 1);
	cr_assert_null(json_object_get(json_object_get(json_object_get(r, "facets"), "country"), "USA"));
	cr_assert_eq(facet(r, "lang", "en"), 2);
	cr_assert_eq(facet(r, "year", "2021"), 1);
	cr_assert_eq(facet(r, "year", "2022"), 1);
	cr_assert_null(json_object_get(json_object_get(json_object_get(r, "facets"), "year"), "2023"));
	char *dump = json_dumps(r, 0);
	cr_assert_null(strstr(dump, "canaryzebra"));
	cr_assert_null(strstr(dump, "Draft"));
	cr_assert_null(strstr(dump, "contact"));
	free(dump);
	json_decref(r);

	/* The canary is found zero times: hits, total, facets. */
	static const char *const canaries[] = { "canaryzebra", "canary*", "\"canaryzebra cyber\"" };
	for (size_t i = 0; i < GC_ARRAY_LEN(canaries); i++) {
		r = search(f, canaries[i], public_sql, NULL, 0, GC_OK);
		cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
		cr_assert_eq(json_array_size(json_object_get(r, "hits")), 0);
		cr_assert_eq(json_object_size(json_object_get(json_object_get(r, "facets"), "module")), 0);
		cr_assert_eq(json_object_size(json_object_get(json_object_get(r, "facets"), "year")), 0);
		json_decref(r);
	}

	/* The owner sees its restricted item, through the predicate's own parameter. */
	r = search(f, "cyber", owner_sql, GC_PARAMS(GC_INT(1)), GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 3);
	cr_assert_eq(facet(r, "module", "contacts"), 1);
	cr_assert_eq(facet(r, "country", "FRA"), 2);
	json_decref(r);
	r = search(f, "canaryzebra", owner_sql, GC_PARAMS(GC_INT(3)), GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	cr_assert_eq(hit_id(r, 0), 5);
	json_decref(r);

	/* Filters narrow hits, total and facets alike. */
	struct gc_search_query q = { .text = "cyber", .module = "contacts", .limit = 10, .visible_sql = owner_sql,
				     .visible_params = GC_PARAMS(GC_INT(1)) };
	OK(gc_search_run(f->db, &q, &r));
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	cr_assert_eq(hit_id(r, 0), 3);
	json_decref(r);
	q = (struct gc_search_query){ .text = "cyber", .country = "DEU", .lang = "en", .limit = 10,
				      .visible_sql = public_sql };
	OK(gc_search_run(f->db, &q, &r));
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	cr_assert_eq(hit_id(r, 0), 2);
	json_decref(r);
}

/* The words filter for modules' lists selects what gc_search_run finds, by item, in one module. */
STORE_TEST(search_match_predicate)
{
	search_setup(f);
	OK(gc_db_exec_script(f->db, "CREATE TABLE listed (id BIGINT PRIMARY KEY);"
				    "INSERT INTO listed (id) VALUES (1), (2), (3), (4), (5), (6), (7);"));
	struct gc_arena *arena = gc_arena_new(1 << 16);
	cr_assert_not_null(arena);
	static const struct {
		const char *text;
		const char *module;
		const char *ids;
	} cases[] = {
		{ "infrastructure", "policies", "1,2" },
		{ "infra*", "policies", "1,2,4" },
		{ "\"security strategy\"", "policies", "1" },
		{ "cyber", "contacts", "3" },
		{ "cyber", "policies", "1,2,5,6" },
		{ "nothingmatches", "policies", "" },
		{ "'; DROP TABLE listed; --", "policies", "" },
	};
	for (size_t c = 0; c < GC_ARRAY_LEN(cases); c++) {
		const char *pred = NULL;
		struct gc_val params[GC_SEARCH_MATCH_PARAMS];
		size_t n = 0;
		OK(gc_search_match_sql(gc_db_engine(f->db), cases[c].text, cases[c].module, "i.id", arena, &pred,
				       params, &n));
		cr_assert_eq(n, GC_SEARCH_MATCH_PARAMS);
		const char *sql = gc_arena_printf(arena, "SELECT i.id AS id FROM listed i WHERE %s ORDER BY i.id", pred);
		json_t *rows = NULL;
		OK(gc_db_query(f->db, sql, params, n, &rows));
		char got[64] = "";
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			size_t used = strlen(got);
			snprintf(got + used, sizeof(got) - used, "%s%lld", used ? "," : "",
				 (long long)json_integer_value(json_object_get(row, "id")));
		}
		cr_assert_str_eq(got, cases[c].ids, "[%s] in %s", cases[c].text, cases[c].module);
		json_decref(rows);
	}
	const char *pred = NULL;
	struct gc_val params[GC_SEARCH_MATCH_PARAMS];
	size_t n = 0;
	cr_assert_eq(gc_search_match_sql(gc_db_engine(f->db), "!!", "policies", "i.id", arena, &pred, params, &n),
		     GC_EINVAL);
	cr_assert_eq(gc_search_match_sql(gc_db_engine(f->db), "cyber", "policies", "i.id; --", arena, &pred, params,
					 &n),
		     GC_EINVAL);
	cr_assert_eq(gc_search_match_sql(gc_db_engine(f->db), "cyber", "policies", "a.b.c", arena, &pred, params, &n),
		     GC_EINVAL);
	char long_text[GC_SEARCH_MAX_QUERY + 2];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	cr_assert_eq(gc_search_match_sql(gc_db_engine(f->db), long_text, "policies", "i.id", arena, &pred, params, &n),
		     GC_ETOOBIG);
	gc_arena_free(arena);
}

STORE_TEST(search_user_text_is_never_syntax)
{
	search_setup(f);
	static const char *const texts[] = {
		"\"", "*", "NEAR(", "OR", "-", "^", "AND", "NOT", "(", ")", ":", "'", "\\", "\"\"", "**", "+",
		"cyber OR", "OR cyber", "cyber\" OR \"x", "NEAR(cyber strategy)", "NEAR(cyber, 2)", "title:cyber",
		"{title}: cyber", "cyber -strategy", "^cyber", "cyber*\"*", "'; DROP TABLE search_docs; --",
		"cyber & strategy | law", "cyber:*", "!cyber", "cyber <-> law", "cyber''", "*cyber", "c*y*b*e*r",
		"\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80 cyber", "100% _x_",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(texts); i++) {
		struct gc_search_query q = { .text = texts[i], .limit = 10, .visible_sql = public_sql };
		json_t *r = NULL;
		gc_status st = gc_search_run(f->db, &q, &r);
		cr_assert(st == GC_OK || st == GC_EINVAL, "[%s]: %s (%s)", texts[i], gc_status_name(st),
			  gc_db_errmsg(f->db));
		/* Whatever the text, nothing hidden comes back. */
		if (r) {
			char *dump = json_dumps(r, 0);
			cr_assert_null(strstr(dump, "canaryzebra"), "[%s]", texts[i]);
			cr_assert_null(strstr(dump, "contacts"), "[%s]", texts[i]);
			free(dump);
		}
		json_decref(r);
	}
	/* Operators are words: "cyber OR law" needs a word "or", which no document has. */
	json_t *r = search(f, "cyber OR law", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);
	r = search(f, "^cyber", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	json_decref(r);
	r = search(f, "-strategy", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	json_decref(r);
	r = search(f, "\xf0\x9f\x98\x80 cyber", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 2);
	json_decref(r);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM search_docs"), 6);

	/* Limits. */
	char long_text[GC_SEARCH_MAX_QUERY + 2];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	search(f, long_text, public_sql, NULL, 0, GC_ETOOBIG);
	search(f, "a b c d e f g h i j k l m n o p q", public_sql, NULL, 0, GC_ETOOBIG);
	json_decref(search(f, "a b c d e f g h i j k l m n o p", public_sql, NULL, 0, GC_OK));
	search(f, "", public_sql, NULL, 0, GC_EINVAL);
	search(f, "\xc3\x28", public_sql, NULL, 0, GC_EINVAL);
	search(f, "cyber", NULL, NULL, 0, GC_EINVAL);
	struct gc_search_query q = { .text = "cyber", .limit = 0, .visible_sql = public_sql };
	json_t *none = NULL;
	cr_assert_eq(gc_search_run(f->db, &q, &none), GC_EINVAL);
	q.limit = GC_SEARCH_MAX_LIMIT + 1;
	cr_assert_eq(gc_search_run(f->db, &q, &none), GC_ETOOBIG);
	q.limit = 10;
	q.offset = -1;
	cr_assert_eq(gc_search_run(f->db, &q, &none), GC_EINVAL);
	cr_assert_null(none);
}

STORE_TEST(search_put_replace_delete)
{
	search_setup(f);
	struct gc_search_doc doc = { "policies", 1, "en", "Renamed framework",
				     "Body with a forged \xee\x80\x80mark\xee\x80\x81 inside.", "/policies/1", "FRA",
				     NULL, 2021, "public", "published", 1 };
	OK(gc_search_put(f->db, &doc));
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM search_docs"), 6);
	json_t *r = search(f, "renamed", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1);
	json_decref(r);
	r = search(f, "national", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0); /* the old title is gone from the index */
	json_decref(r);
	r = search(f, "national*", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 1); /* the French "nationale" */
	cr_assert_eq(hit_id(r, 0), 4);
	json_decref(r);
	r = search(f, "forged", public_sql, NULL, 0, GC_OK);
	const char *snippet = json_string_value(json_object_get(json_array_get(json_object_get(r, "hits"), 0), "snippet"));
	cr_assert(snippet && strstr(snippet, "\xef\xbf\xbdmark\xef\xbf\xbd"), "%s", snippet);
	json_decref(r);

	/* Visibility changes reach the index at once. */
	doc.visibility = "restricted";
	OK(gc_search_put(f->db, &doc));
	r = search(f, "renamed", public_sql, NULL, 0, GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);

	OK(gc_search_delete(f->db, "policies", 1));
	r = search(f, "renamed", owner_sql, GC_PARAMS(GC_INT(1)), GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM search_docs"), 5);
	struct gc_search_doc bad = { .module = "policies" };
	cr_assert_eq(gc_search_put(f->db, &bad), GC_EINVAL);
	if (f->engine == GC_DB_SQLITE) {
		/* The external-content index agrees with its table. */
		OK(gc_db_exec(f->db, "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)",
			      GC_NO_PARAMS, NULL));
	}
}

/* --- jobs ---------------------------------------------------------------------------------- */

#define MAX_TEST_JOBS 64
static atomic_int job_runs[MAX_TEST_JOBS + 1];
static atomic_int fail_runs;

static gc_status job_ok(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	(void)db;
	(void)err;
	(void)err_size;
	json_int_t n = json_integer_value(json_object_get(payload, "n"));
	if (n >= 0 && n <= MAX_TEST_JOBS)
		atomic_fetch_add(&job_runs[n], 1);
	return GC_OK;
}

static gc_status job_fail(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	(void)db;
	(void)payload;
	atomic_fetch_add(&fail_runs, 1);
	snprintf(err, err_size, "the mail server said no");
	return GC_EIO;
}

static const struct gc_job_kind kind_ok = { .name = "test.ok", .max_attempts = 3, .run = job_ok };
static const struct gc_job_kind kind_fail = { .name = "test.fail", .max_attempts = 3, .run = job_fail };
static const struct gc_job_kind *const kinds[] = { &kind_ok, &kind_fail };

static void jobs_setup(struct fx *f)
{
	char err[256];
	OK(gc_migrate_component(f->db, "jobs", gc_jobs_migrations, gc_jobs_migration_count, err, sizeof(err)));
}

static int64_t enqueue_n(struct fx *f, const char *kind, int n, int64_t run_at)
{
	json_t *payload = json_pack("{s:i}", "n", n);
	int64_t id = 0;
	OK(gc_jobs_enqueue(f->db, kind, payload, run_at, &id));
	json_decref(payload);
	return id;
}

static json_t *job_row(struct fx *f, int64_t id)
{
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT status, attempts, max_attempts, run_at, locked_by, last_error FROM jobs"
				  " WHERE id = ?",
			   GC_PARAMS(GC_INT(id)), &row));
	return row;
}

STORE_TEST(jobs_run_once)
{
	jobs_setup(f);
	int64_t id = enqueue_n(f, "test.ok", 1, 0);
	cr_assert_gt(id, 0);
	enqueue_n(f, "test.ok", 2, gc_clock_now() + 3600); /* not due */
	enqueue_n(f, "test.unknown", 3, 0);                /* no worker serves it */
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_OK);
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_DONE);
	cr_assert_eq(atomic_load(&job_runs[1]), 1);
	cr_assert_eq(atomic_load(&job_runs[2]), 0);
	json_t *row = job_row(f, id);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "done");
	cr_assert(json_is_null(json_object_get(row, "locked_by")));
	json_decref(row);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs WHERE status = 'queued'"), 2);

	/* A job whose worker died (lease expired) is claimed again. */
	int64_t lost = enqueue_n(f, "test.ok", 4, 0);
	OK(gc_db_exec(f->db, "UPDATE jobs SET status = 'running', locked_by = 'dead', locked_until = ? WHERE id = ?",
		      GC_PARAMS(GC_INT(gc_clock_now() - 1), GC_INT(lost)), NULL));
	int64_t held = enqueue_n(f, "test.ok", 5, 0);
	OK(gc_db_exec(f->db, "UPDATE jobs SET status = 'running', locked_by = 'alive', locked_until = ? WHERE id = ?",
		      GC_PARAMS(GC_INT(gc_clock_now() + 600), GC_INT(held)), NULL));
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w2"), GC_OK);
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w2"), GC_DONE);
	cr_assert_eq(atomic_load(&job_runs[4]), 1);
	cr_assert_eq(atomic_load(&job_runs[5]), 0);
	row = job_row(f, lost);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "done");
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 1);
	json_decref(row);

	cr_assert_eq(gc_jobs_enqueue(f->db, "", NULL, 0, NULL), GC_EINVAL);
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 0, "w"), GC_EINVAL);
}

STORE_TEST(jobs_retry_backoff_then_failed)
{
	jobs_setup(f);
	int64_t id = enqueue_n(f, "test.fail", 0, 0);
	int64_t delays[] = { 30, 60 };
	for (int attempt = 0; attempt < 2; attempt++) {
		int64_t before = gc_clock_now();
		cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_OK);
		json_t *row = job_row(f, id);
		cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "queued");
		cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), attempt + 1);
		cr_assert_str_eq(json_string_value(json_object_get(row, "last_error")), "the mail server said no");
		int64_t run_at = json_integer_value(json_object_get(row, "run_at"));
		cr_assert_geq(run_at, before + delays[attempt]);
		cr_assert_leq(run_at, gc_clock_now() + delays[attempt]);
		json_decref(row);
		/* Not due yet. */
		cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_DONE);
		OK(gc_db_exec(f->db, "UPDATE jobs SET run_at = ? WHERE id = ?",
			      GC_PARAMS(GC_INT(gc_clock_now()), GC_INT(id)), NULL));
	}
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_OK);
	json_t *row = job_row(f, id);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "failed");
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 3);
	cr_assert_eq(json_integer_value(json_object_get(row, "max_attempts")), 3);
	json_decref(row);
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, kinds, 2, "w1"), GC_DONE);
	cr_assert_eq(atomic_load(&fail_runs), 3);
}

struct worker_thread {
	struct gc_pool *pool;
	char name[16];
	int ran;
	gc_status last;
};

static void *worker_main(void *arg)
{
	struct worker_thread *w = arg;
	while ((w->last = gc_jobs_run_one(NULL, w->pool, kinds, 2, w->name)) == GC_OK)
		w->ran++;
	return NULL;
}

STORE_TEST(jobs_claimed_once_across_pools)
{
	enum { N = 40 };
	struct gc_pool *second = NULL;
	char err[256];
	jobs_setup(f);
	for (int i = 1; i <= N; i++)
		enqueue_n(f, "test.ok", i, 0);
	cr_assert_eq(gc_pool_open(f->url, f->dir, 2, &second, err, sizeof(err)), GC_OK, "%s", err);
	struct worker_thread w[4] = { { .pool = f->pool }, { .pool = f->pool }, { .pool = second }, { .pool = second } };
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		snprintf(w[i].name, sizeof(w[i].name), "node%d", i);
		cr_assert_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	gc_pool_close(second);
	int total = 0;
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(w[i].last, GC_DONE, "worker %d: %s", i, gc_status_name(w[i].last));
		total += w[i].ran;
	}
	cr_assert_eq(total, N);
	for (int i = 1; i <= N; i++)
		cr_assert_eq(atomic_load(&job_runs[i]), 1, "job %d ran %d times", i, atomic_load(&job_runs[i]));
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs WHERE status = 'done'"), N);
}

STORE_TEST(jobs_runner_thread)
{
	struct gc_job_runner *runner = NULL;
	jobs_setup(f);
	OK(gc_job_runner_start(NULL, f->pool, kinds, 2, 20, &runner));
	for (int i = 1; i <= 3; i++)
		enqueue_n(f, "test.ok", i, 0);
	int64_t deadline = gc_clock_monotonic_ms() + 10000;
	while (count_rows(f, "SELECT count(*) AS n FROM jobs WHERE status = 'done'") < 3 &&
	       gc_clock_monotonic_ms() < deadline)
		usleep(20 * 1000);
	gc_job_runner_stop(runner);
	gc_job_runner_stop(NULL);
	for (int i = 1; i <= 3; i++)
		cr_assert_eq(atomic_load(&job_runs[i]), 1);
}

/* --- the e-mail outbox ------------------------------------------------------------------------- */

static const struct gc_job_kind *const outbox_kinds[] = { &gc_outbox_send_job };

static void outbox_setup(struct fx *f)
{
	char err[256];
	jobs_setup(f);
	OK(gc_migrate_component(f->db, GC_OUTBOX_COMPONENT, gc_outbox_migrations, gc_outbox_migration_count, err,
				sizeof(err)));
}

static json_t *outbox_row(struct fx *f, int64_t id)
{
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT state, attempts, next_attempt_at, last_error, body, sent_at FROM outbox"
				  " WHERE id = ?",
			   GC_PARAMS(GC_INT(id)), &row));
	return row;
}

STORE_TEST(outbox_refuses_bad_messages)
{
	outbox_setup(f);
	static char big[GC_MAIL_MAX_BODY + 2];
	memset(big, 'a', sizeof(big) - 1);
	const struct {
		struct gc_outbox_message m;
		gc_status want;
	} cases[] = {
		{ { .to = "no-at-sign.example.org", .subject = "s", .text = "t" }, GC_EINVAL },
		{ { .to = "a@b@example.org", .subject = "s", .text = "t" }, GC_EINVAL },
		{ { .to = "Name <a@example.org>", .subject = "s", .text = "t" }, GC_EINVAL },
		{ { .to = "a@example.org\r\nBcc: x@example.org", .subject = "s", .text = "t" }, GC_EINVAL },
		{ { .to = NULL, .subject = "s", .text = "t" }, GC_EINVAL },
		{ { .to = "a@example.org", .subject = "two\r\nlines", .text = "t" }, GC_EINVAL },
		{ { .to = "a@example.org", .subject = "s", .text = "bad \xff byte" }, GC_EINVAL },
		{ { .to = "a@example.org", .subject = "s", .text = big }, GC_ETOOBIG },
		{ { .to = "a@example.org", .subject = "s", .text = "t", .ref = "two\nlines" }, GC_EINVAL },
	};
	OK(gc_db_begin_write(f->db));
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++)
		cr_assert_eq(gc_outbox_enqueue(f->db, &cases[i].m, NULL), cases[i].want, "case %zu", i);
	gc_db_rollback(f->db);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM outbox"), 0);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs"), 0);
}

STORE_TEST(outbox_message_and_job_commit_together)
{
	outbox_setup(f);
	struct gc_outbox_message m = { .to = "poc@cert.example.ke", .subject = "Ping", .text = "Hello", .ref = "t:1" };
	int64_t id = 0;
	OK(gc_db_begin_write(f->db));
	OK(gc_outbox_enqueue(f->db, &m, &id));
	gc_db_rollback(f->db);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM outbox"), 0);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs"), 0);
	OK(gc_db_begin_write(f->db));
	OK(gc_outbox_enqueue(f->db, &m, &id));
	OK(gc_db_commit(f->db));
	cr_assert_gt(id, 0);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM outbox WHERE state = 'queued' AND ref = 't:1'"), 1);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs WHERE kind = 'outbox.send' AND status = 'queued'"),
		     1);
}

STORE_TEST(outbox_retries_with_backoff_then_gives_up)
{
	outbox_setup(f);
	struct gc_config config;
	gc_config_defaults(&config);
	snprintf(config.smtp_url, sizeof(config.smtp_url), "smtp://127.0.0.1:9"); /* nothing listens there */
	snprintf(config.mail_from, sizeof(config.mail_from), "noreply@cyber.example.org");
	const struct gc_job_context ctx = { .config = &config };
	struct gc_outbox_message m = { .to = "poc@cert.example.ke", .subject = "Ping", .text = "secret link",
				       .secret = true };
	int64_t id = 0;
	OK(gc_db_begin_write(f->db));
	OK(gc_outbox_enqueue(f->db, &m, &id));
	OK(gc_db_commit(f->db));

	/* Without settings: a failed attempt that names the missing setting. */
	int64_t before = gc_clock_now();
	cr_assert_eq(gc_jobs_run_one(NULL, f->pool, outbox_kinds, 1, "w"), GC_OK);
	json_t *row = outbox_row(f, id);
	cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "queued");
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 1);
	cr_assert(strstr(json_string_value(json_object_get(row, "last_error")), "smtp_url"));
	int64_t next = json_integer_value(json_object_get(row, "next_attempt_at"));
	cr_assert(next >= before + GC_OUTBOX_BACKOFF_BASE_S && next <= gc_clock_now() + GC_OUTBOX_BACKOFF_BASE_S);
	json_decref(row);
	/* The next attempt is a job due then, not before. */
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs WHERE status = 'done'"), 1);
	cr_assert_eq(gc_jobs_run_one(&ctx, f->pool, outbox_kinds, 1, "w"), GC_DONE);
	OK(gc_db_exec(f->db, "UPDATE jobs SET run_at = 0 WHERE status = 'queued'", GC_NO_PARAMS, NULL));

	/* A server that cannot be reached: the delay doubles. */
	before = gc_clock_now();
	cr_assert_eq(gc_jobs_run_one(&ctx, f->pool, outbox_kinds, 1, "w"), GC_OK);
	row = outbox_row(f, id);
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 2);
	next = json_integer_value(json_object_get(row, "next_attempt_at"));
	cr_assert(next >= before + 2 * GC_OUTBOX_BACKOFF_BASE_S && next <= gc_clock_now() + 2 * GC_OUTBOX_BACKOFF_BASE_S);
	cr_assert_str_eq(json_string_value(json_object_get(row, "body")), "secret link");
	json_decref(row);

	/* The last attempt fails: given up for good, the secret body erased, nothing queued. */
	OK(gc_db_exec(f->db, "UPDATE outbox SET attempts = ? WHERE id = ?",
		      GC_PARAMS(GC_INT(GC_OUTBOX_MAX_ATTEMPTS - 1), GC_INT(id)), NULL));
	OK(gc_db_exec(f->db, "UPDATE jobs SET run_at = 0 WHERE status = 'queued'", GC_NO_PARAMS, NULL));
	cr_assert_eq(gc_jobs_run_one(&ctx, f->pool, outbox_kinds, 1, "w"), GC_OK);
	row = outbox_row(f, id);
	cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "failed");
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), GC_OUTBOX_MAX_ATTEMPTS);
	cr_assert_str_eq(json_string_value(json_object_get(row, "body")), "");
	cr_assert(json_is_null(json_object_get(row, "sent_at")));
	json_decref(row);
	cr_assert_eq(count_rows(f, "SELECT count(*) AS n FROM jobs WHERE status = 'queued'"), 0);

	/* A stray job for a message that is no longer queued changes nothing. */
	json_t *payload = json_pack("{s:I}", "id", (json_int_t)id);
	OK(gc_jobs_enqueue(f->db, GC_OUTBOX_JOB, payload, 0, NULL));
	json_decref(payload);
	cr_assert_eq(gc_jobs_run_one(&ctx, f->pool, outbox_kinds, 1, "w"), GC_OK);
	row = outbox_row(f, id);
	cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "failed");
	cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), GC_OUTBOX_MAX_ATTEMPTS);
	json_decref(row);
}

/* --- opening ----------------------------------------------------------------------------------- */

Test(pool, bad_urls)
{
	struct gc_pool *pool = NULL;
	char err[256];
	cr_assert_eq(gc_pool_open("mysql://x", NULL, 1, &pool, err, sizeof(err)), GC_EINVAL);
	cr_assert_neq(err[0], '\0');
	cr_assert_eq(gc_pool_open("sqlite:x.db", NULL, 1, &pool, err, sizeof(err)), GC_EINVAL);
	cr_assert_eq(gc_pool_open("sqlite:/tmp/x.db", NULL, 0, &pool, err, sizeof(err)), GC_EINVAL);
	cr_assert_neq(gc_pool_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", NULL, 1, &pool, err,
				   sizeof(err)),
		      GC_OK);
	cr_assert_null(pool);
	gc_pool_close(NULL);
}

Test(pool, sqlite_paths)
{
	char dir[64] = "/tmp/gcscp-store-XXXXXX";
	char data[128], abs_path[160], err[256];
	struct gc_pool *pool = NULL;
	struct stat sb;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(data, sizeof(data), "%s/var/data", dir);
	cr_assert_eq(gc_pool_open("sqlite:", data, 1, &pool, err, sizeof(err)), GC_OK, "%s", err);
	gc_pool_close(pool);
	snprintf(abs_path, sizeof(abs_path), "%s/gcscp.db", data);
	cr_assert_eq(stat(abs_path, &sb), 0);
	cr_assert_eq(stat(data, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700);
	snprintf(abs_path, sizeof(abs_path), "sqlite:%s/abs.db", dir);
	cr_assert_eq(gc_pool_open(abs_path, NULL, 1, &pool, err, sizeof(err)), GC_OK, "%s", err);
	gc_pool_close(pool);
	snprintf(abs_path, sizeof(abs_path), "%s/abs.db", dir);
	cr_assert_eq(stat(abs_path, &sb), 0);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* --- the query cache (store/qcache.h) --------------------------------------------------- */

static int64_t qcache_sum(struct fx *f, int64_t changes, const char *sql, int64_t above)
{
	json_t *rows = NULL;
	OK(gc_qcache_query(f->db, changes, sql, GC_PARAMS(GC_INT(above)), &rows));
	int64_t sum = 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		sum += json_integer_value(json_object_get(row, "x"));
	json_decref(rows);
	return sum;
}

STORE_TEST(qcache_keys_and_counter)
{
	const char *sql = "SELECT x AS x FROM q WHERE x > ? ORDER BY x";
	uint64_t hits0, misses0, hits, misses;
	gc_qcache_clear();
	OK(gc_db_exec_script(f->db, "CREATE TABLE q (x INTEGER)"));
	OK(gc_db_exec(f->db, "INSERT INTO q (x) VALUES (1), (2), (3)", GC_NO_PARAMS, NULL));
	gc_qcache_stats(&hits0, &misses0);
	cr_assert_eq(qcache_sum(f, 7, sql, 0), 6);
	OK(gc_db_exec(f->db, "INSERT INTO q (x) VALUES (10)", GC_NO_PARAMS, NULL));
	/* Same statement, parameters and counter: the kept answer (a write that bumps nothing is not seen). */
	cr_assert_eq(qcache_sum(f, 7, sql, 0), 6);
	gc_qcache_stats(&hits, &misses);
	cr_assert_eq(hits - hits0, 1);
	cr_assert_eq(misses - misses0, 1);
	/* Another counter: computed again. */
	cr_assert_eq(qcache_sum(f, 8, sql, 0), 16);
	/* Another parameter, or another text: never the other's answer. */
	cr_assert_eq(qcache_sum(f, 8, sql, 2), 13);
	cr_assert_eq(qcache_sum(f, 8, "SELECT x AS x FROM q WHERE x >= ? ORDER BY x", 2), 15);
	cr_assert_eq(qcache_sum(f, 8, sql, 0), 16);
	/* A text parameter that only differs by a boundary character is another key. */
	json_t *a = NULL, *b = NULL;
	OK(gc_qcache_query(f->db, 8, "SELECT COUNT(*) AS x FROM q WHERE CAST(? AS TEXT) = CAST(? AS TEXT)",
			   GC_PARAMS(GC_TEXT("a|"), GC_TEXT("b")), &a));
	OK(gc_qcache_query(f->db, 8, "SELECT COUNT(*) AS x FROM q WHERE CAST(? AS TEXT) = CAST(? AS TEXT)",
			   GC_PARAMS(GC_TEXT("a"), GC_TEXT("|b")), &b));
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(a, 0), "x")), 0);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(b, 0), "x")), 0);
	gc_qcache_stats(&hits, &misses);
	cr_assert_eq(hits - hits0, 2);
	json_decref(a);
	json_decref(b);
	/* The caller owns a copy: changing it changes nothing kept. */
	json_t *rows = NULL;
	OK(gc_qcache_query(f->db, 8, sql, GC_PARAMS(GC_INT(0)), &rows));
	json_array_clear(rows);
	json_decref(rows);
	cr_assert_eq(qcache_sum(f, 8, sql, 0), 16);
	int64_t n = 0;
	OK(gc_qcache_query_int(f->db, 8, "SELECT COUNT(*) AS n FROM q WHERE x > ?", GC_PARAMS(GC_INT(1)), &n));
	cr_assert_eq(n, 3);
	gc_qcache_clear();
}

STORE_TEST(qcache_large_answers_not_kept)
{
	uint64_t hits0, misses0, hits, misses;
	gc_qcache_clear();
	OK(gc_db_exec_script(f->db, "CREATE TABLE q (x INTEGER)"));
	for (int i = 0; i < GC_QCACHE_MAX_ROWS + 1; i++)
		OK(gc_db_exec(f->db, "INSERT INTO q (x) VALUES (?)", GC_PARAMS(GC_INT(i)), NULL));
	gc_qcache_stats(&hits0, &misses0);
	const char *sql = "SELECT x AS x FROM q WHERE x >= ?";
	json_t *rows = NULL;
	for (int round = 0; round < 2; round++) {
		OK(gc_qcache_query(f->db, 1, sql, GC_PARAMS(GC_INT(0)), &rows));
		cr_assert_eq(json_array_size(rows), GC_QCACHE_MAX_ROWS + 1);
		json_decref(rows);
	}
	gc_qcache_stats(&hits, &misses);
	cr_assert_eq(hits - hits0, 0, "an answer over the bound is computed each time");
	cr_assert_eq(misses - misses0, 2);
	gc_qcache_clear();
}
