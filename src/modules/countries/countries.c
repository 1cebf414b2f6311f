#include "modules/countries/countries.h"

#include <string.h>

#include "http/server.h"
#include "modules/countries/reference.h"
#include "store/store.h"

struct countries_catalog countries_catalog;

static const char *const status_choices[] = { "member", "observer", NULL };

static const struct gc_param_spec list_params[] = {
	{ .name = "region", .type = GC_PARAM_STRING, .max_len = 3 },
	{ .name = "q", .type = GC_PARAM_STRING, .max_len = 100 },
	{ .name = "status", .type = GC_PARAM_ENUM, .choices = status_choices },
	GC_PARAMS_END,
};

static const struct gc_route countries_routes[] = {
	{ .method = "GET", .pattern = "/countries", .handler = countries_list, .params = list_params,
	  .name = "countries.list" },
	{ .method = "GET", .pattern = "/countries/{iso3}", .handler = countries_show, .name = "countries.show" },
};

static gc_status countries_init(struct gc_server *server)
{
	struct gc_db *db = NULL;
	gc_status status = gc_pool_acquire(server->pool, 5000, &db);
	if (status != GC_OK)
		return status;
	status = countries_catalog_build(db, &countries_catalog);
	gc_pool_release(server->pool, db);
	return status;
}

static void countries_shutdown(struct gc_server *server)
{
	(void)server;
	countries_catalog_free(&countries_catalog);
}

static gc_status countries_home(struct gc_request *req, json_t *home_model)
{
	size_t top_level = 0;
	size_t i;
	json_t *region;
	json_array_foreach(regions_for_lang(&countries_catalog, req->lang), i, region)
		if (json_integer_value(json_object_get(region, "level")) == 1)
			top_level++;
	json_t *stats = json_object_get(home_model, "stats");
	json_t *card = json_pack("{s:s, s:s, s:s}", "href", "/countries", "title",
				 gc_req_tr(req, "home.module_countries"), "text",
				 gc_req_tr(req, "home.module_countries_text"));
	if (!card || json_array_append_new(json_object_get(home_model, "modules"), card) ||
	    json_object_set_new(stats, "countries",
				json_integer((json_int_t)json_array_size(
					countries_for_lang(&countries_catalog, req->lang)))) ||
	    json_object_set_new(stats, "regions", json_integer((json_int_t)top_level)))
		return GC_ENOMEM;
	return GC_OK;
}

const struct gc_module countries_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = "countries",
	.title_key = "nav.countries",
	.nav_path = "/countries",
	.nav_order = 10,
	.migrations = countries_migrations,
	.n_migrations = COUNTRIES_MIGRATION_COUNT,
	.routes = countries_routes,
	.n_routes = sizeof(countries_routes) / sizeof(countries_routes[0]),
	.init = countries_init,
	.shutdown = countries_shutdown,
	.home = countries_home,
};
