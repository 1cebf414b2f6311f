/*
 * Versioned migrations, one list per component (the core and each module).
 * Each migration runs in its own transaction together with the row that
 * records it in schema_migrations, so a migration killed half-way leaves the
 * database at the old version or the new one, never between (SECURITY.md R7).
 */
#ifndef GC_STORE_MIGRATE_H
#define GC_STORE_MIGRATE_H

#include "store/store.h"

struct gc_migration {
	int version;            /* 1, 2, 3, ... in order, never reused */
	const char *sql;        /* for both engines, or SQLite only when sql_postgres is set */
	const char *sql_postgres; /* PostgreSQL's text when it differs, else NULL */
	/* Work that SQL alone cannot do (loading reference data); runs inside the same transaction. */
	gc_status (*apply)(struct gc_db *db);
};

/*
 * Applies the migrations of component that are not yet applied, in order.
 * GC_ECONFLICT when the database holds a version of this component newer than
 * the newest in the list (a database newer than the binary); err says so.
 */
GC_MUST_CHECK gc_status gc_migrate_component(struct gc_db *db, const char *component,
					     const struct gc_migration *migrations, size_t count, char *err,
					     size_t err_size);

/* The newest applied version of component, 0 when none. */
GC_MUST_CHECK gc_status gc_migrate_current(struct gc_db *db, const char *component, int *version);

#endif
