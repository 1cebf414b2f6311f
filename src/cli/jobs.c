#include <jansson.h>
#include <stdio.h>

#include "cli/cli.h"

int gc_cli_jobs(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	json_t *counts = NULL, *failures = NULL;
	int code = 1;
	if (gc_cli_config(argc, argv, false, &config) != GC_OK)
		return 2;
	if (gc_cli_open_database(&config, 1, &pool) != GC_OK)
		return 1;
	if (gc_pool_acquire(pool, 5000, &db) != GC_OK)
		goto out;
	if (gc_db_query(db, "SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status ORDER BY kind, status",
			GC_NO_PARAMS, &counts) != GC_OK ||
	    gc_db_query(db,
			"SELECT id, kind, attempts, last_error FROM jobs WHERE status = 'failed' "
			"ORDER BY id DESC LIMIT 20",
			GC_NO_PARAMS, &failures) != GC_OK) {
		fprintf(stderr, "gcscp: reading the job queue failed: %s\n", gc_db_errmsg(db));
		goto out;
	}
	if (json_array_size(counts) == 0)
		printf("no jobs\n");
	size_t i;
	json_t *row;
	json_array_foreach(counts, i, row) {
		printf("%-24s %-8s %lld\n", json_string_value(json_object_get(row, "kind")),
		       json_string_value(json_object_get(row, "status")),
		       (long long)json_integer_value(json_object_get(row, "n")));
	}
	json_array_foreach(failures, i, row) {
		const char *error = json_string_value(json_object_get(row, "last_error"));
		printf("failed job %lld (%s) after %lld attempts: %s\n",
		       (long long)json_integer_value(json_object_get(row, "id")),
		       json_string_value(json_object_get(row, "kind")),
		       (long long)json_integer_value(json_object_get(row, "attempts")), error ? error : "");
	}
	code = 0;
out:
	json_decref(counts);
	json_decref(failures);
	if (db)
		gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}
