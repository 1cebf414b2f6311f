/* Storage support for gcscp backup and restore; see store/backup.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/backend.h"
#include "store/backup.h"

/* How long the copy waits for a moment when it may read (a checkpoint or a
 * migration holding the file), in steps of BACKUP_RETRY_MS. */
#define BACKUP_WAIT_MS 30000
#define BACKUP_RETRY_MS 50

gc_status gc_store_sqlite_file(const char *url, const char *data_dir, char *path, size_t size)
{
	int n;
	if (strncmp(url, "sqlite:", strlen("sqlite:")) != 0)
		return GC_EINVAL;
	const char *rest = url + strlen("sqlite:");
	if (rest[0] == '/') {
		n = snprintf(path, size, "%s", rest);
	} else {
		if (!data_dir || !data_dir[0])
			return GC_EINVAL;
		n = snprintf(path, size, "%s%s/%s", data_dir[0] == '/' ? "" : "./", data_dir, rest[0] ? rest : "gcscp.db");
	}
	if (n < 0 || (size_t)n >= size)
		return GC_ETOOBIG;
	return GC_OK;
}

static gc_status fsync_path(const char *path, char *err, size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, err_size, "cannot sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return GC_EIO;
	}
	close(fd);
	return GC_OK;
}

gc_status gc_store_sqlite_copy(const char *src, const char *dest, char *err, size_t err_size)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *copy = NULL;
	gc_status status = GC_EIO;
	int rc;

	/* Created here, empty (a valid empty database) and private, so the
	 * copy never lands on someone else's file and is never world-readable. */
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, err_size, "cannot create %s: %s", dest, strerror(errno));
		return errno == EEXIST ? GC_ECONFLICT : GC_EIO;
	}
	close(fd);
	/* Read-write without CREATE: a WAL database may need its -shm set up
	 * even to be read, and a missing source must not be created empty. */
	rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "cannot open %s: %s", src, from ? sqlite3_errmsg(from) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_busy_timeout(from, 5000);
	rc = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "cannot create %s: %s", dest, to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
		goto out;
	}
	copy = sqlite3_backup_init(to, "main", from, "main");
	if (!copy) {
		snprintf(err, err_size, "cannot start the copy: %s", sqlite3_errmsg(to));
		goto out;
	}
	/* One step of every page: one read transaction, so one consistent state. */
	for (int waited = 0;; waited += BACKUP_RETRY_MS) {
		rc = sqlite3_backup_step(copy, -1);
		if (rc == SQLITE_DONE)
			break;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < BACKUP_WAIT_MS) {
			struct timespec pause = { 0, BACKUP_RETRY_MS * 1000000L };
			nanosleep(&pause, NULL);
			continue;
		}
		snprintf(err, err_size, "copying %s failed: %s", src, sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_backup_finish(copy);
	copy = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "copying %s failed: %s", src, sqlite3_errmsg(to));
		goto out;
	}
	rc = sqlite3_close(to);
	to = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "closing %s failed: %s", dest, sqlite3_errstr(rc));
		goto out;
	}
	status = fsync_path(dest, err, err_size);
out:
	if (copy)
		sqlite3_backup_finish(copy);
	if (to)
		sqlite3_close_v2(to);
	if (from)
		sqlite3_close_v2(from);
	if (status != GC_OK)
		unlink(dest); /* ours: created above */
	return status;
}

gc_status gc_store_pg_export_snapshot(struct gc_db *db, char *out, size_t size)
{
	json_t *row = NULL;
	if (gc_db_engine(db) != GC_DB_POSTGRES)
		return GC_EINVAL;
	gc_status status = gc_db_exec(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", GC_NO_PARAMS,
				      NULL);
	if (status == GC_OK)
		status = gc_db_query_one(db, "SELECT pg_export_snapshot() AS snapshot", GC_NO_PARAMS, &row);
	if (status == GC_OK) {
		const char *name = json_string_value(json_object_get(row, "snapshot"));
		if (!name || strlen(name) >= size)
			status = GC_EINVAL;
		else
			memcpy(out, name, strlen(name) + 1);
	}
	json_decref(row);
	return status;
}

static const char *tables_sql(struct gc_db *db)
{
	return gc_db_engine(db) == GC_DB_SQLITE
		       ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
		       : "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";
}

gc_status gc_store_table_count(struct gc_db *db, int64_t *count)
{
	json_t *rows = NULL;
	gc_status status = gc_db_query(db, tables_sql(db), GC_NO_PARAMS, &rows);
	if (status == GC_OK)
		*count = (int64_t)json_array_size(rows);
	json_decref(rows);
	return status;
}

gc_status gc_store_describe(struct gc_db *db, json_t **tables_out, json_t **schema_out)
{
	json_t *names = NULL, *versions = NULL;
	json_t *tables = json_object(), *schema = json_object();
	gc_status status = tables && schema ? GC_OK : GC_ENOMEM;

	if (status == GC_OK)
		status = gc_db_query(db, tables_sql(db), GC_NO_PARAMS, &names);
	size_t i;
	json_t *row;
	json_array_foreach(status == GC_OK ? names : NULL, i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));
		char sql[512];
		char quoted[300];
		size_t q = 0;
		if (!name) {
			status = GC_EDB;
			break;
		}
		/* A table name cannot be a bound parameter; these come from the
		 * catalogue and are quoted as identifiers ("" for "). */
		for (const char *p = name; *p && q + 3 < sizeof(quoted); p++) {
			if (*p == '"')
				quoted[q++] = '"';
			quoted[q++] = *p;
		}
		quoted[q] = '\0';
		if (strlen(name) > 128) {
			status = GC_ETOOBIG;
			break;
		}
		snprintf(sql, sizeof(sql), "SELECT count(*) AS n FROM \"%s\"", quoted);
		int64_t n = 0;
		status = gc_db_query_int(db, sql, GC_NO_PARAMS, &n);
		if (status == GC_OK && json_object_set_new(tables, name, json_integer(n)) != 0)
			status = GC_ENOMEM;
		if (status != GC_OK)
			break;
	}
	if (status == GC_OK)
		status = gc_db_query(db,
				     "SELECT component, max(version) AS version FROM schema_migrations "
				     "GROUP BY component ORDER BY component",
				     GC_NO_PARAMS, &versions);
	json_array_foreach(status == GC_OK ? versions : NULL, i, row) {
		const char *component = json_string_value(json_object_get(row, "component"));
		json_t *version = json_object_get(row, "version");
		if (!component || !json_is_integer(version)) {
			status = GC_EDB;
			break;
		}
		if (json_object_set(schema, component, version) != 0) {
			status = GC_ENOMEM;
			break;
		}
	}
	json_decref(names);
	json_decref(versions);
	if (status != GC_OK) {
		json_decref(tables);
		json_decref(schema);
		return status;
	}
	*tables_out = tables;
	*schema_out = schema;
	return GC_OK;
}
