/* The core module: home page, health check, API description, portal-wide search, organisations. */
#ifndef GC_MODULES_CORE_CORE_H
#define GC_MODULES_CORE_CORE_H

#include "modules/module.h"

#define CORE_MIGRATION_COUNT 1
extern const struct gc_migration core_migrations[CORE_MIGRATION_COUNT];

gc_status core_home(struct gc_request *req, struct gc_view *view);
gc_status core_health(struct gc_request *req, struct gc_view *view);
gc_status core_openapi(struct gc_request *req, struct gc_view *view);
gc_status core_search(struct gc_request *req, struct gc_view *view);
gc_status core_home_stats(struct gc_request *req, json_t *home_model);
gc_status core_demo(struct gc_db *db);

#endif
