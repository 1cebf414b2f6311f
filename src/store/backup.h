/*
 * What `gcscp backup` and `gcscp restore` need from the storage layer
 * (docs/operations.md "Backup and restore").
 *
 * SQLite: gc_store_sqlite_copy() uses SQLite's online backup API. The source
 * is read in ONE backup step, which is one read transaction: in WAL mode a
 * reader never blocks the writers, so the server keeps serving and writing
 * while the copy is taken, and the copy is the database exactly as it was at
 * one commit (every write acknowledged before the copy began is in it; none
 * that began after is half in it). Stepping in small chunks would restart the
 * copy at every write of the live server and might never finish.
 *
 * PostgreSQL: the caller opens a REPEATABLE READ transaction, exports its
 * snapshot (gc_store_pg_export_snapshot) and hands it to pg_dump --snapshot,
 * so the dump and the manifest's counts describe the same instant.
 */
#ifndef GC_STORE_BACKUP_H
#define GC_STORE_BACKUP_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

/*
 * The file a sqlite: URL names ("sqlite:" is <data_dir>/gcscp.db, a relative
 * name is under data_dir, "/abs" is absolute), as the SQLite engine opens it.
 * GC_EINVAL for a URL that is not sqlite: or needs a data directory it lacks,
 * GC_ETOOBIG when the path does not fit.
 */
GC_MUST_CHECK gc_status gc_store_sqlite_file(const char *url, const char *data_dir, char *path, size_t size);

/*
 * Copies the SQLite database src (a live one, possibly in use by a server)
 * to dest, which must not exist, with the online backup API, then fsyncs
 * dest. On failure dest is removed.
 * err receives text for the operator on failure.
 */
GC_MUST_CHECK gc_status gc_store_sqlite_copy(const char *src, const char *dest, char *err, size_t err_size);

/*
 * In a transaction of db (PostgreSQL only) that has not run a statement yet:
 * makes it REPEATABLE READ and READ ONLY and writes the exported snapshot's
 * name into out. Keep the transaction open while pg_dump uses it.
 */
GC_MUST_CHECK gc_status gc_store_pg_export_snapshot(struct gc_db *db, char *out, size_t size);

/*
 * What a backup's manifest records about a database, read through db (in
 * its current transaction, if one is open): *tables a new object of table
 * name -> row count for every table of the schema (SQLite: every table but
 * its own sqlite_* ones), *schema a new object of component -> newest
 * applied migration version.
 */
GC_MUST_CHECK gc_status gc_store_describe(struct gc_db *db, json_t **tables, json_t **schema);

/* Number of tables in the database's schema (0: an empty database). */
GC_MUST_CHECK gc_status gc_store_table_count(struct gc_db *db, int64_t *count);

#endif
