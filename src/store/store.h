/*
 * The storage interface: the only way the rest of the portal reaches a
 * database. Two engines sit behind it (store/sqlite.c, store/postgres.c),
 * chosen by the URL given to gc_pool_open():
 *
 *   sqlite:/path/to/file.db      (or "sqlite:" for <data dir>/gcscp.db)
 *   postgresql://user@host:port/dbname   (also postgres://)
 *
 * SQL handed to this interface is the portable subset both engines accept,
 * with '?' placeholders (the PostgreSQL backend renumbers them to $1, $2, ...;
 * a '?' inside a quoted literal is left alone). Values are always bound,
 * never formatted into the text. Timestamps are stored as TEXT in UTC ISO 8601
 * ("2026-11-28T09:15:00Z"), set by the caller, so both engines sort and
 * compare them alike. New rows report their id with "RETURNING id".
 *
 * Connections: a pool of connections; a request borrows one for its lifetime
 * (gc_pool_acquire / gc_pool_release), so no connection is used by two threads
 * at once. Prepared statements are cached per connection, keyed by SQL text.
 *
 * Ownership: json_t results are new references owned by the caller.
 * Error text for the log only is available from gc_db_errmsg().
 *
 * Writing SQL that reads the same on both engines:
 * - Name every result column in lower case (AS n, AS item_id): PostgreSQL
 *   folds unquoted names to lower case and names count(*) "count", SQLite
 *   keeps the text as written.
 * - A parameter whose type nothing around it determines, as in "? IS NULL",
 *   needs CAST(? AS TEXT) (or INTEGER): PostgreSQL must know its type.
 * - One statement per call (a second one after ';' is refused, GC_EINVAL);
 *   only gc_db_exec_script runs several.
 * - After an error inside a transaction, roll it back: PostgreSQL refuses
 *   every further statement of a failed transaction, and gc_db_commit of one
 *   returns GC_EDB (SQLite would carry on without the failed statement).
 * - Text parameters must be UTF-8 without NUL (GC_EINVAL otherwise), so
 *   every stored string comes back out as JSON on both engines.
 *
 * Errors: GC_ECONFLICT a unique or primary-key violation; GC_ETIMEOUT a
 * statement that ran past GC_DB_STATEMENT_TIMEOUT_MS; GC_EBUSY a lock not
 * obtained in time (SQLite busy, PostgreSQL deadlock or serialization
 * failure); GC_EIO disk full or an I/O error; GC_EINVAL a malformed call or
 * a value the column cannot take; GC_EDB anything else, including a lost
 * connection.
 */
#ifndef GC_STORE_STORE_H
#define GC_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum gc_db_engine { GC_DB_SQLITE, GC_DB_POSTGRES };

struct gc_db;
struct gc_pool;

enum gc_val_type { GC_VAL_NULL, GC_VAL_INT, GC_VAL_REAL, GC_VAL_TEXT, GC_VAL_BLOB };

/* One bound parameter. Text is UTF-8; n == SIZE_MAX means "NUL-terminated". */
struct gc_val {
	enum gc_val_type type;
	int64_t i;
	double d;
	const void *p;
	size_t n;
};

#define GC_NULL ((struct gc_val){ .type = GC_VAL_NULL })
#define GC_INT(x) ((struct gc_val){ .type = GC_VAL_INT, .i = (int64_t)(x) })
#define GC_REAL(x) ((struct gc_val){ .type = GC_VAL_REAL, .d = (double)(x) })
#define GC_TEXT(x) ((struct gc_val){ .type = GC_VAL_TEXT, .p = (x), .n = SIZE_MAX })
#define GC_TEXTN(x, len) ((struct gc_val){ .type = GC_VAL_TEXT, .p = (x), .n = (len) })
#define GC_BLOB(x, len) ((struct gc_val){ .type = GC_VAL_BLOB, .p = (x), .n = (len) })
/* Text or NULL when x is NULL. */
#define GC_TEXT_OR_NULL(x) ((x) ? GC_TEXT(x) : GC_NULL)

/* A parameter list literal: gc_db_query(db, sql, GC_PARAMS(GC_INT(1), GC_TEXT(s)), &rows) */
#define GC_PARAMS(...) \
	(const struct gc_val[]){ __VA_ARGS__ }, (sizeof((struct gc_val[]){ __VA_ARGS__ }) / sizeof(struct gc_val))
#define GC_NO_PARAMS NULL, 0

/* Limits, documented in docs/ARCHITECTURE.md. */
#define GC_DB_MAX_PARAMS 64
#define GC_DB_MAX_ROWS 100000        /* a query returning more fails with GC_ETOOBIG */
/* SQLite progress handler; PostgreSQL statement_timeout. A profiling build under valgrind (callgrind
 * runs some 50 times slower) may raise it: meson setup -Dc_args=-DGC_DB_STATEMENT_TIMEOUT_MS=600000 */
#ifndef GC_DB_STATEMENT_TIMEOUT_MS
#define GC_DB_STATEMENT_TIMEOUT_MS 5000
#endif

/* --- the pool ------------------------------------------------------------ */

/*
 * Opens size connections to url (relative SQLite paths are under data_dir).
 * err receives a message fit for the operator on failure.
 */
GC_MUST_CHECK gc_status gc_pool_open(const char *url, const char *data_dir, unsigned size, struct gc_pool **out,
				     char *err, size_t err_size);
/* Closes every connection; all must have been released. Accepts NULL. */
void gc_pool_close(struct gc_pool *pool);
/*
 * Borrows a connection, waiting at most timeout_ms (0: do not wait; negative:
 * wait as long as it takes); GC_EBUSY when none came free. A PostgreSQL
 * connection found broken is re-established once first (GC_EDB if that fails).
 */
GC_MUST_CHECK gc_status gc_pool_acquire(struct gc_pool *pool, int timeout_ms, struct gc_db **out);
/* Returns a connection; a transaction left open is rolled back first. */
void gc_pool_release(struct gc_pool *pool, struct gc_db *db);
enum gc_db_engine gc_pool_engine(const struct gc_pool *pool);
/* Connections in the pool and how many are borrowed now (for metrics). */
void gc_pool_stats(struct gc_pool *pool, unsigned *size, unsigned *in_use);

/* --- a connection -------------------------------------------------------- */

enum gc_db_engine gc_db_engine(const struct gc_db *db);
/* The last error's text, for the log only (never shown to a user). */
const char *gc_db_errmsg(const struct gc_db *db);

/*
 * Runs a query and returns every row as a JSON array of objects keyed by
 * column name: integers as JSON integers, reals as reals, text as strings,
 * NULL as null, blobs as base64 strings. On PostgreSQL booleans become true
 * or false and numeric types become numbers. GC_ETOOBIG past GC_DB_MAX_ROWS.
 */
GC_MUST_CHECK gc_status gc_db_query(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
				    json_t **rows);
/* The first row as an object; GC_ENOTFOUND when there is none. PostgreSQL
 * still reads the whole result, so give the query a LIMIT when it may be long. */
GC_MUST_CHECK gc_status gc_db_query_one(struct gc_db *db, const char *sql, const struct gc_val *params,
					size_t n_params, json_t **row);
/* The first column of the first row as an integer; GC_ENOTFOUND when no row
 * (or a NULL), GC_EINVAL when it is not a whole number. */
GC_MUST_CHECK gc_status gc_db_query_int(struct gc_db *db, const char *sql, const struct gc_val *params,
					size_t n_params, int64_t *value);
/*
 * Runs a statement that returns no rows; *changes (may be NULL) gets the
 * number of rows it changed. A unique-constraint violation is GC_ECONFLICT.
 */
GC_MUST_CHECK gc_status gc_db_exec(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
				   int64_t *changes);
/* Runs several ';'-separated statements without parameters (migrations). */
GC_MUST_CHECK gc_status gc_db_exec_script(struct gc_db *db, const char *sql);

/* Transactions. begin_write takes the write lock at once (SQLite BEGIN IMMEDIATE). */
GC_MUST_CHECK gc_status gc_db_begin(struct gc_db *db);
GC_MUST_CHECK gc_status gc_db_begin_write(struct gc_db *db);
GC_MUST_CHECK gc_status gc_db_commit(struct gc_db *db);
void gc_db_rollback(struct gc_db *db);
bool gc_db_in_transaction(const struct gc_db *db);

/*
 * A cursor, for results too large to hold at once (exports, feeds).
 * gc_cursor_next returns GC_ROW with *row a borrowed object valid until the
 * next call, GC_DONE at the end, or an error. Always close the cursor.
 * Other statements may run on the connection while a cursor is open, and
 * GC_DB_MAX_ROWS does not apply. The statement time limit applies to each
 * step rather than to the whole iteration, with one exception: on
 * PostgreSQL a cursor opened outside a transaction is held by the server
 * (WITH HOLD), which computes the whole result when the cursor opens, so
 * that must finish within the limit; open long exports inside a
 * transaction (gc_db_begin) to be limited per batch of rows instead.
 */
struct gc_cursor;
GC_MUST_CHECK gc_status gc_db_open_cursor(struct gc_db *db, const char *sql, const struct gc_val *params,
					  size_t n_params, struct gc_cursor **out);
GC_MUST_CHECK gc_status gc_cursor_next(struct gc_cursor *cursor, json_t **row);
void gc_cursor_close(struct gc_cursor *cursor);

/* --- the change counter -------------------------------------------------- */

/*
 * A number that every write transaction bumps (gc_db_bump_changes inside the
 * transaction), so caches of anonymous pages know when they are stale on any
 * node (DESIGN.md "Speed").
 */
GC_MUST_CHECK gc_status gc_db_bump_changes(struct gc_db *db);
GC_MUST_CHECK gc_status gc_db_changes_counter(struct gc_db *db, int64_t *value);

#endif
