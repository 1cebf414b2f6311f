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
struct gc_item_ctx;
struct gc_arena;

/* At most this many contacts in one list of gc_module.assistance_contacts. */
#define GC_ASSISTANCE_CONTACTS_MAX 500

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
	 * Assistance contacts, for modules that link to them (capacity
	 * building). One module implements them (contacts); the others find it
	 * in gc_modules and never read its tables.
	 *
	 * assistance_contact: item contact_id as ctx->principal may see it under
	 * the one visibility rule (auth/policy.h; NULL principal: an anonymous
	 * visitor). *summary (a new reference) gets {"id", "href"
	 * ("/contacts/{id}"), "function_title", "person_name" (or null),
	 * "emails": [...], "languages": [...], "owner_org", "status"}.
	 * GC_ENOTFOUND when there is no such item, it is not a contact of kind
	 * assistance, it is withdrawn, or the principal may not see it: a caller
	 * shows nothing of it then. Strings of the envelope live in arena.
	 *
	 * assistance_contacts: the assistance contacts of organisation org_id
	 * (0: of any organisation) that ctx->principal may see, not withdrawn,
	 * in the order of their function titles, at most GC_ASSISTANCE_CONTACTS_MAX:
	 * *out (a new reference) is [{"id", "function_title", "person_name",
	 * "owner_org", "owner_name"}].
	 *
	 * assistance_addresses: the e-mail addresses of assistance contact
	 * contact_id if it is owned by owner_org and not withdrawn, for
	 * delivering mail to that organisation's own contact (never to show
	 * them to anyone): *out (a new reference) is an array of strings.
	 * GC_ENOTFOUND otherwise.
	 */
	gc_status (*assistance_contact)(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t contact_id,
					json_t **summary);
	gc_status (*assistance_contacts)(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t org_id, json_t **out);
	gc_status (*assistance_addresses)(struct gc_db *db, int64_t contact_id, int64_t owner_org, json_t **out);

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
