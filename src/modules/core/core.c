#include "modules/core/core.h"

#include <string.h>

#include "auth/items.h"
#include "http/server.h"
#include "render/i18n.h"
#include "base/log.h"
#include "store/outbox.h"
#include "store/search.h"
#include "store/store.h"

static const char *const search_languages[] = { "ar", "zh", "en", "fr", "ru", "es", NULL };

static const struct gc_param_spec search_params[] = {
	{ .name = "q", .type = GC_PARAM_STRING, .max_len = 256 },
	{ .name = "module", .type = GC_PARAM_STRING, .max_len = 32 },
	{ .name = "country", .type = GC_PARAM_ISO3 },
	{ .name = "region", .type = GC_PARAM_STRING, .max_len = 3 },
	{ .name = "kind", .type = GC_PARAM_STRING, .max_len = 64 },
	{ .name = "topic", .type = GC_PARAM_STRING, .max_len = 64 },
	{ .name = "year", .type = GC_PARAM_INT, .min = 1, .max = 9999 },
	{ .name = "language", .type = GC_PARAM_ENUM, .choices = search_languages },
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = 1000 },
	GC_PARAMS_END,
};

static const struct gc_route core_routes[] = {
	{ .method = "GET", .pattern = "/", .handler = core_home, .name = "home" },
	{ .method = "GET", .pattern = "/healthz", .handler = core_health, .name = "health" },
	{ .method = "GET", .pattern = "/openapi.json", .handler = core_openapi, .name = "openapi", .api_only = true },
	{ .method = "GET", .pattern = "/search", .handler = core_search, .params = search_params, .name = "search" },
};

/* Reads the portal-wide settings the server needs before it serves. */
static gc_status core_init(struct gc_server *server)
{
	struct gc_db *db = NULL;
	gc_status status = gc_pool_acquire(server->pool, 5000, &db);
	if (status != GC_OK)
		return status;
	int64_t demo = 0;
	status = gc_db_query_int(db, "SELECT COUNT(*) FROM settings WHERE key = 'demo' AND value = '1'", GC_NO_PARAMS,
				 &demo);
	/* Search documents folded by another version of the folding, or loaded in bulk unfolded: fold them now. */
	int64_t stale = 0;
	if (status == GC_OK)
		status = gc_db_query_int(db, "SELECT COUNT(*) FROM search_docs WHERE fold_version <> ?",
					 GC_PARAMS(GC_INT(GC_SEARCH_FOLD_VERSION)), &stale);
	if (status == GC_OK && stale > 0) {
		int64_t count = 0;
		status = gc_db_begin_write(db);
		if (status == GC_OK)
			status = gc_search_reindex(db, false, &count);
		if (status == GC_OK)
			status = gc_db_bump_changes(db);
		if (status == GC_OK)
			status = gc_db_commit(db);
		else
			gc_db_rollback(db);
		if (status == GC_OK)
			gc_log(GC_LOG_INFO, "search documents folded again", "{s:I}", "count", (json_int_t)count);
	}
	gc_pool_release(server->pool, db);
	if (status == GC_OK)
		server->demo = demo > 0;
	return status;
}

/* Scheduled releases of restricted items belong to the shared envelope, and the
 * e-mail outbox to the whole portal, so the core runs them. */
static const struct gc_job_kind *const core_jobs[] = { &gc_items_release_job, &gc_outbox_send_job };

const struct gc_module core_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = "core",
	.title_key = "nav.search",
	.nav_path = "/search",
	.nav_order = 1000,
	.migrations = core_migrations,
	.n_migrations = CORE_MIGRATION_COUNT,
	.routes = core_routes,
	.n_routes = sizeof(core_routes) / sizeof(core_routes[0]),
	.jobs = core_jobs,
	.n_jobs = sizeof(core_jobs) / sizeof(core_jobs[0]),
	.init = core_init,
	.home = core_home_stats,
	.demo = core_demo,
};
