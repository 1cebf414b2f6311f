/*
 * The migrations runner. Each migration runs in its own write transaction
 * together with its apply() callback and the row recording it, so it is
 * applied whole or not at all (SECURITY.md R7).
 *
 * Two nodes starting at once must not both apply a migration: every
 * transaction here first takes a lock that only one holder can have (on
 * SQLite the write lock of BEGIN IMMEDIATE; on PostgreSQL a transaction-level
 * advisory lock), then re-reads the version under it, so the second node
 * finds the work done and skips it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/backend.h"
#include "store/migrate.h"

/* One key for every component: migrations are rare, and one lock is simplest. */
#define MIGRATE_LOCK_KEY 0x676373637030LL /* "gcscp0" */

static const char bookkeeping_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" component TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" applied_at TEXT NOT NULL,"
	" PRIMARY KEY (component, version));"
	"CREATE TABLE IF NOT EXISTS change_counter ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" value BIGINT NOT NULL);"
	"INSERT INTO change_counter (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;";

/* How long a node waits for another node's migrations before giving up. */
#define MIGRATE_LOCK_WAIT_MS (10 * 60 * 1000)

/*
 * Starts a write transaction holding the migrations lock. Another node may
 * hold it for as long as a migration takes (an index on a large table), far
 * past the statement time limit and SQLite's busy timeout, so the wait is
 * exempt from the one and retries the other.
 */
static gc_status begin_locked(struct gc_db *db)
{
	int64_t give_up = gc_clock_monotonic_ms() + MIGRATE_LOCK_WAIT_MS;
	gc_status st;

	while ((st = gc_db_begin_write(db)) == GC_EBUSY && gc_clock_monotonic_ms() < give_up)
		usleep(50 * 1000); /* each attempt already waited the busy timeout; this only guards a spin */
	if (st != GC_OK)
		return st;
	if (gc_db_engine(db) == GC_DB_POSTGRES) {
		/* LOCAL: the session's limit returns with the commit. */
		st = gc_db_exec(db, "SET LOCAL statement_timeout = 0", GC_NO_PARAMS, NULL);
		if (st == GC_OK)
			st = gc_db_exec(db, "SELECT pg_advisory_xact_lock(?)", GC_PARAMS(GC_INT(MIGRATE_LOCK_KEY)),
					NULL);
		if (st != GC_OK)
			gc_db_rollback(db);
	}
	return st;
}

static gc_status read_version(struct gc_db *db, const char *component, int *version)
{
	int64_t v = 0;
	gc_status st = gc_db_query_int(db,
				       "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations "
				       "WHERE component = ?",
				       GC_PARAMS(GC_TEXT(component)), &v);
	if (st == GC_OK)
		*version = (int)v;
	return st;
}

gc_status gc_migrate_current(struct gc_db *db, const char *component, int *version)
{
	int64_t exists = 0;
	gc_status st;

	*version = 0;
	/* Asked before any migration ran (a health check on a new database),
	 * the answer is 0, not an error about a missing table. */
	if (gc_db_engine(db) == GC_DB_POSTGRES)
		st = gc_db_query_int(db,
				     "SELECT count(*) AS n FROM pg_catalog.pg_tables "
				     "WHERE schemaname = current_schema() AND tablename = 'schema_migrations'",
				     GC_NO_PARAMS, &exists);
	else
		st = gc_db_query_int(db,
				     "SELECT count(*) AS n FROM sqlite_master "
				     "WHERE type = 'table' AND name = 'schema_migrations'",
				     GC_NO_PARAMS, &exists);
	if (st != GC_OK || exists == 0)
		return st;
	return read_version(db, component, version);
}

/* Creates schema_migrations and change_counter if they are missing. */
static gc_status ensure_bookkeeping(struct gc_db *db, char *err, size_t err_size)
{
	gc_status st = begin_locked(db);
	if (st == GC_OK)
		st = gc_db_exec_script(db, bookkeeping_sql);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		gc_db_rollback(db);
		snprintf(err, err_size, "cannot set up migration bookkeeping: %s", gc_db_errmsg(db));
	}
	return st;
}

/* Applies one migration unless another node did it first. */
static gc_status apply_one(struct gc_db *db, const char *component, const struct gc_migration *m, char *err,
			   size_t err_size)
{
	const char *sql = m->sql;
	char now[32];
	int current = 0;
	gc_status st;

	if (gc_db_engine(db) == GC_DB_POSTGRES && m->sql_postgres)
		sql = m->sql_postgres;
	st = begin_locked(db);
	if (st != GC_OK) {
		snprintf(err, err_size, "cannot lock the database to migrate %s: %s", component, gc_db_errmsg(db));
		goto out;
	}
	st = read_version(db, component, &current);
	if (st != GC_OK) {
		snprintf(err, err_size, "cannot read the version of %s: %s", component, gc_db_errmsg(db));
		goto out;
	}
	if (current >= m->version) {
		gc_db_rollback(db);
		goto out;
	}
	if (sql && sql[0]) {
		st = gc_db_exec_script(db, sql);
		if (st != GC_OK) {
			snprintf(err, err_size, "migration %d of %s failed: %s", m->version, component,
				 gc_db_errmsg(db));
			goto out;
		}
	}
	if (m->apply) {
		st = m->apply(db);
		if (st != GC_OK) {
			snprintf(err, err_size, "migration %d of %s failed in its code (%s): %s", m->version, component,
				 gc_status_name(st), gc_db_errmsg(db));
			goto out;
		}
	}
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	st = gc_db_exec(db, "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
			GC_PARAMS(GC_TEXT(component), GC_INT(m->version), GC_TEXT(now)), NULL);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK)
		snprintf(err, err_size, "cannot record migration %d of %s: %s", m->version, component, gc_db_errmsg(db));
out:
	if (st != GC_OK)
		gc_db_rollback(db);
	return st;
}

gc_status gc_migrate_component(struct gc_db *db, const char *component, const struct gc_migration *migrations,
			       size_t count, char *err, size_t err_size)
{
	int current = 0;
	int newest = 0;
	gc_status st = GC_OK;

	if (err_size)
		err[0] = '\0';
	if (!db || !component || !component[0] || (count > 0 && !migrations)) {
		snprintf(err, err_size, "migrations need a connection and a component name");
		return GC_EINVAL;
	}
	if (gc_db_in_transaction(db)) {
		/* Each migration must commit on its own. */
		snprintf(err, err_size, "migrations cannot run inside a transaction");
		return GC_EINVAL;
	}
	for (size_t i = 0; i < count; i++) {
		if (migrations[i].version <= newest) {
			snprintf(err, err_size, "migrations of %s are not numbered 1, 2, 3, ... in order (at %d)",
				 component, migrations[i].version);
			return GC_EINVAL;
		}
		newest = migrations[i].version;
	}
	st = ensure_bookkeeping(db, err, err_size);
	if (st != GC_OK)
		return st;
	st = read_version(db, component, &current);
	if (st != GC_OK) {
		snprintf(err, err_size, "cannot read the version of %s: %s", component, gc_db_errmsg(db));
		return st;
	}
	if (current > newest) {
		snprintf(err, err_size,
			 "the database is at version %d of %s, newer than this program (%d); upgrade gcscp", current,
			 component, newest);
		return GC_ECONFLICT;
	}
	for (size_t i = 0; i < count && st == GC_OK; i++) {
		if (migrations[i].version > current)
			st = apply_one(db, component, &migrations[i], err, err_size);
	}
	return st;
}
