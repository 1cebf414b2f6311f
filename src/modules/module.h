/*
 * The module interface. A module is one folder under src/modules/ that
 * declares itself with a const struct built with designated initialisers;
 * src/modules/registry.c lists them all in a plain array, linked statically.
 * A module includes base/, http/, auth/, render/ and store/ headers, and
 * never another module's.
 */
#ifndef GC_MODULES_MODULE_H
#define GC_MODULES_MODULE_H

#include <jansson.h>
#include <stddef.h>

#include "http/request.h"
#include "http/route.h"
#include "store/jobs.h"
#include "store/migrate.h"

#define GC_MODULE_API_VERSION 1

struct gc_server;

struct gc_module {
	int api_version;                       /* GC_MODULE_API_VERSION */
	const char *name;                      /* "countries": also its migration component */
	const char *title_key;                 /* i18n key of its name in navigation, or NULL */
	const char *nav_path;                  /* its entry in the main navigation, or NULL */
	int nav_order;                         /* position in the navigation: lower first */

	const struct gc_migration *migrations;
	size_t n_migrations;
	const struct gc_route *routes;
	size_t n_routes;
	const struct gc_job_kind *const *jobs;
	size_t n_jobs;

	/* Called once at start-up after migrations, before the server listens. */
	gc_status (*init)(struct gc_server *server);
	void (*shutdown)(struct gc_server *server);

	/*
	 * Fills this module's section of a country profile: section is an object
	 * the module adds to ("items", "count", ...); the profile page shows
	 * an empty section plainly. iso3 is a valid UN member or observer state.
	 */
	gc_status (*profile)(struct gc_request *req, const char *iso3, json_t *section);

	/*
	 * Fills this module's section of a regional or intergovernmental
	 * organisation's public profile (/intergovernmental/{id}) with what the
	 * organisation owns and the caller may see, as profile does for a state:
	 * "items" [{href, title, meta}] and "count". org_id is an active
	 * organisation of kind regional_org or un_body. May be NULL.
	 */
	gc_status (*org_profile)(struct gc_request *req, int64_t org_id, json_t *section);

	/*
	 * Adds this module's part of the home page to its model: counters under
	 * "stats" and a card {href, title, text} appended to "modules".
	 */
	gc_status (*home)(struct gc_request *req, json_t *home_model);

	/* Loads this module's part of the demo data set (gcscp demo); runs inside one transaction. */
	gc_status (*demo)(struct gc_db *db);
};

extern const struct gc_module *const gc_modules[];
extern const size_t gc_module_count;

#endif
