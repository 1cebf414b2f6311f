#include <stdio.h>

#include "cli/cli.h"
#include "modules/module.h"
#include "store/migrate.h"

/* Prints each component's version after migrating, so an operator sees where the database stands. */
static void print_versions(struct gc_pool *pool)
{
	struct gc_db *db = NULL;
	if (gc_pool_acquire(pool, 5000, &db) != GC_OK)
		return;
	const char *fixed[] = { "search", "jobs", "audit", "auth", "items" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		int version = 0;
		if (gc_migrate_current(db, fixed[i], &version) == GC_OK)
			printf("%-14s version %d\n", fixed[i], version);
	}
	for (size_t i = 0; i < gc_module_count; i++) {
		int version = 0;
		if (gc_modules[i]->n_migrations && gc_migrate_current(db, gc_modules[i]->name, &version) == GC_OK)
			printf("%-14s version %d\n", gc_modules[i]->name, version);
	}
	gc_pool_release(pool, db);
}

int gc_cli_migrate(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	if (gc_cli_config(argc, argv, false, &config) != GC_OK)
		return 2;
	if (gc_cli_open_database(&config, 1, &pool) != GC_OK)
		return 1;
	print_versions(pool);
	gc_pool_close(pool);
	return 0;
}
