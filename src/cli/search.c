/*
 * gcscp search reindex: folds the search documents' text again (store/search.h,
 * base/fold.h). Without --all, only the documents folded by another version
 * of the folding or never folded (rows a bulk load such as bench/seed wrote
 * directly); the server also does that at start-up. One transaction; the
 * change counter is bumped, so no cached search page outlives it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/search.h"

int gc_cli_search(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	bool all = false;
	if (argc < 2 || strcmp(argv[1], "reindex") != 0) {
		fprintf(stderr, "gcscp: search needs a sub-command: reindex (see gcscp help search)\n");
		return 2;
	}
	const struct gc_cli_option options[] = { { .name = "--all", .flag = &all } };
	if (gc_cli_options(argc, argv, 2, options, 1, &config) != GC_OK)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;
	int64_t count = 0;
	gc_status status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_search_reindex(db, all, &count);
	status = gc_cli_finish(db, status);
	if (status == GC_OK)
		printf("search documents folded again: %lld\n", (long long)count);
	else
		fprintf(stderr, "gcscp: re-indexing failed (%s): %s\n", gc_status_name(status), gc_db_errmsg(db));
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return status == GC_OK ? 0 : 1;
}
