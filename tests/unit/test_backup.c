/*
 * store/backup.h on SQLite: where a sqlite: URL's file is, the online copy of
 * a database that another connection is writing (the copy holds every commit
 * before it and nothing of a transaction still open), and the description a
 * backup's manifest records. PostgreSQL's side (pg_dump of an exported
 * snapshot) is tested end to end in tests/api/backup.test.mjs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/backup.h"
#include "store/store.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gcscp-backup-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(backup, .init = make_dir, .fini = remove_dir);

Test(backup, sqlite_file_follows_the_engine_rules)
{
	char path[256];
	cr_assert_eq(gc_store_sqlite_file("sqlite:", "/srv/var", path, sizeof(path)), GC_OK);
	cr_assert_str_eq(path, "/srv/var/gcscp.db");
	cr_assert_eq(gc_store_sqlite_file("sqlite:", "var", path, sizeof(path)), GC_OK);
	cr_assert_str_eq(path, "./var/gcscp.db");
	cr_assert_eq(gc_store_sqlite_file("sqlite:other.db", "/d", path, sizeof(path)), GC_OK);
	cr_assert_str_eq(path, "/d/other.db");
	cr_assert_eq(gc_store_sqlite_file("sqlite:/abs/x.db", NULL, path, sizeof(path)), GC_OK);
	cr_assert_str_eq(path, "/abs/x.db");
	cr_assert_eq(gc_store_sqlite_file("sqlite:", NULL, path, sizeof(path)), GC_EINVAL);
	cr_assert_eq(gc_store_sqlite_file("postgresql://u@h/d", "/d", path, sizeof(path)), GC_EINVAL);
	cr_assert_eq(gc_store_sqlite_file("sqlite:", "/a/long/directory", path, 8), GC_ETOOBIG);
}

static struct gc_pool *open_pool(const char *file)
{
	char url[256];
	char err[512] = "";
	struct gc_pool *pool = NULL;
	snprintf(url, sizeof(url), "sqlite:%s", file);
	cr_assert_eq(gc_pool_open(url, dir, 2, &pool, err, sizeof(err)), GC_OK, "%s", err);
	return pool;
}

Test(backup, copy_of_a_live_database_holds_commits_only)
{
	char src[128], dest[128], err[512] = "";
	snprintf(src, sizeof(src), "%s/live.db", dir);
	snprintf(dest, sizeof(dest), "%s/copy.db", dir);
	struct gc_pool *pool = open_pool(src);
	struct gc_db *writer = NULL;
	cr_assert_eq(gc_pool_acquire(pool, 1000, &writer), GC_OK);
	cr_assert_eq(gc_db_exec_script(writer,
				       "CREATE TABLE schema_migrations (component TEXT, version INTEGER);"
				       "INSERT INTO schema_migrations VALUES ('core', 3), ('core', 2), ('policies', 1);"
				       "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
				       "INSERT INTO t (v) VALUES ('committed 1'), ('committed 2');"),
		     GC_OK);
	/* A write transaction left open while the copy is taken: not in the copy. */
	cr_assert_eq(gc_db_begin_write(writer), GC_OK);
	cr_assert_eq(gc_db_exec(writer, "INSERT INTO t (v) VALUES ('uncommitted')", GC_NO_PARAMS, NULL), GC_OK);
	cr_assert_eq(gc_store_sqlite_copy(src, dest, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_db_commit(writer), GC_OK);
	gc_pool_release(pool, writer);
	gc_pool_close(pool);

	struct stat st;
	cr_assert_eq(stat(dest, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "the copy is private");

	pool = open_pool(dest);
	struct gc_db *db = NULL;
	json_t *tables = NULL, *schema = NULL;
	cr_assert_eq(gc_pool_acquire(pool, 1000, &db), GC_OK);
	cr_assert_eq(gc_store_describe(db, &tables, &schema), GC_OK);
	cr_assert_eq(json_integer_value(json_object_get(tables, "t")), 2);
	cr_assert_eq(json_integer_value(json_object_get(tables, "schema_migrations")), 3);
	cr_assert_eq(json_object_size(tables), 2);
	cr_assert_eq(json_integer_value(json_object_get(schema, "core")), 3);
	cr_assert_eq(json_integer_value(json_object_get(schema, "policies")), 1);
	int64_t count = 0;
	cr_assert_eq(gc_store_table_count(db, &count), GC_OK);
	cr_assert_eq(count, 2);
	json_decref(tables);
	json_decref(schema);
	gc_pool_release(pool, db);
	gc_pool_close(pool);

	/* A copy never lands on an existing file, nor is made of a missing one. */
	cr_assert_eq(gc_store_sqlite_copy(src, dest, err, sizeof(err)), GC_ECONFLICT);
	char missing[128], dest2[128];
	snprintf(missing, sizeof(missing), "%s/missing.db", dir);
	snprintf(dest2, sizeof(dest2), "%s/copy2.db", dir);
	cr_assert_eq(gc_store_sqlite_copy(missing, dest2, err, sizeof(err)), GC_EIO);
	cr_assert_neq(stat(missing, &st), 0, "the missing source is not created");
	cr_assert_neq(stat(dest2, &st), 0, "a failed copy leaves nothing behind");
}
