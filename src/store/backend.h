/*
 * The engine interface inside store/: a table of function pointers that each
 * engine fills in (store/sqlite.c, store/postgres.c), in the manner of curl's
 * lib/vtls. store/query.c, store/pool.c and the rest call through it and never
 * include <sqlite3.h> or <libpq-fe.h> themselves. Nothing outside src/store/
 * includes this header.
 *
 * Division of work: query.c checks the caller's arguments (parameter count,
 * UTF-8, no NUL in text) before an engine sees them, so engines may trust a
 * struct gc_val array they are given: text has its length resolved (never
 * SIZE_MAX) and a non-NULL pointer. Engines report failures as gc_status
 * codes and write a line for the log into db->err.
 */
#ifndef GC_STORE_BACKEND_H
#define GC_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* How a statement's rows will be read. */
enum gc_stmt_mode {
	GC_STMT_ROWS,   /* read to the end now (query, exec): the engine may stream */
	GC_STMT_CURSOR, /* read a little at a time, with other statements in between */
};

enum gc_tx_op { GC_TX_BEGIN, GC_TX_BEGIN_WRITE, GC_TX_COMMIT, GC_TX_ROLLBACK };

#define GC_DB_ERR_SIZE 512

/* A connection, shared by every engine; impl holds the engine's own state. */
struct gc_db {
	const struct gc_backend *backend;
	void *impl;
	char err[GC_DB_ERR_SIZE]; /* last error, for the log */
	bool borrowed;            /* lent out by the pool right now */
};

/* An open statement; engines embed this as the first member of their own. */
struct gc_stmt {
	struct gc_db *db;
};

struct gc_backend {
	enum gc_db_engine engine;
	const char *name;

	/* Opens the connection described by url; db->err says why not. */
	gc_status (*connect)(struct gc_db *db, const char *url, const char *data_dir);
	/* Closes it and frees db->impl. Accepts a db whose connect failed. */
	void (*disconnect)(struct gc_db *db);
	/* Before a connection is lent out: repairs one found broken (once). */
	gc_status (*revive)(struct gc_db *db);

	/*
	 * Prepares (or finds in the connection's cache), binds and starts sql.
	 * Errors the engine detects on starting it are returned here.
	 */
	gc_status (*open)(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			  enum gc_stmt_mode mode, struct gc_stmt **out);
	/*
	 * The next row: GC_ROW with *row a new object (when row is not NULL; a
	 * NULL row skips building it), GC_DONE at the end, or an error.
	 */
	gc_status (*next)(struct gc_stmt *stmt, json_t **row);
	/* Rows changed by a finished INSERT, UPDATE or DELETE; 0 for others. */
	int64_t (*changes)(struct gc_stmt *stmt);
	/* Ends the statement (reading what is left, if the engine must). Accepts NULL. */
	void (*close)(struct gc_stmt *stmt);

	/* Several statements without parameters, with no statement time limit. */
	gc_status (*script)(struct gc_db *db, const char *sql);
	gc_status (*tx)(struct gc_db *db, enum gc_tx_op op);
	bool (*in_tx)(const struct gc_db *db);
};

extern const struct gc_backend gc_sqlite_backend;
extern const struct gc_backend gc_postgres_backend;

/* --- helpers shared by the engines (store/query.c) ------------------------ */

/* printf into db->err (truncated to fit). */
void gc_db_set_error(struct gc_db *db, const char *fmt, ...) GC_PRINTF(2, 3);

/* A JSON string holding the base64 (RFC 4648, padded) of n bytes; NULL when out of memory. */
json_t *gc_db_json_blob(const void *p, size_t n);

/* A JSON string from engine text, or NULL when it is not UTF-8 (the caller reports it). */
json_t *gc_db_json_text(const char *s, size_t n);

/* Cheap hash of a byte string (FNV-1a), for the statement caches. */
uint64_t gc_db_hash(const char *s, size_t n);

/* Turns '?' into $1, $2, ... outside literals and comments (PostgreSQL only).
 * *out is heap memory the caller frees; *count gets the number of markers. */
gc_status gc_db_renumber(const char *sql, char **out, size_t *count);

#endif
