#include <stdio.h>

#include "base/random.h"
#include "cli/cli.h"
#include "modules/module.h"

int gc_cli_demo(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	int code = 1;
	if (gc_cli_config(argc, argv, false, &config) != GC_OK)
		return 2;
	if (gc_random_init() != GC_OK)
		return 1;
	if (gc_cli_open_database(&config, 1, &pool) != GC_OK)
		return 1;
	if (gc_pool_acquire(pool, 5000, &db) != GC_OK)
		goto out;
	/* One transaction for the whole set: a failure leaves no half-loaded demo. */
	if (gc_db_begin_write(db) != GC_OK)
		goto out;
	for (size_t i = 0; i < gc_module_count; i++) {
		const struct gc_module *module = gc_modules[i];
		if (!module->demo)
			continue;
		gc_status status = module->demo(db);
		if (status != GC_OK) {
			fprintf(stderr, "gcscp: loading the demo data of %s failed (%s): %s\n", module->name,
				gc_status_name(status), gc_db_errmsg(db));
			gc_db_rollback(db);
			goto out;
		}
	}
	if (gc_db_bump_changes(db) != GC_OK || gc_db_commit(db) != GC_OK) {
		fprintf(stderr, "gcscp: saving the demo data failed: %s\n", gc_db_errmsg(db));
		gc_db_rollback(db);
		goto out;
	}
	printf("demo data loaded\n");
	code = 0;
out:
	if (db)
		gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}
