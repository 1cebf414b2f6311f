/*
 * The organisations module's routes. Every input is declared here with its
 * limits; the router checks forms and queries against them, and
 * orgs_input_read() checks JSON bodies against the same specs. Text fields
 * are declared as strings with a byte limit rather than as enums, so that a
 * wrong choice ("kind", "role") is a 422 naming the field, from the handler,
 * like every other invalid value.
 */
#include "modules/organisations/organisations.h"

#include "auth/tokens.h"

static const char *const kind_choices[] = { "secretariat", "member_state", "observer_state", "un_body",
					    "regional_org", "stakeholder", NULL };

/* GET /organisations: kind, and q (part of the name, at most 100 bytes). */
static const struct gc_param_spec list_params[] = {
	{ .name = "kind", .type = GC_PARAM_ENUM, .choices = kind_choices },
	{ .name = "q", .type = GC_PARAM_STRING, .max_len = 100 },
	GC_PARAMS_END,
};

/*
 * POST /organisations. Names are at most GC_ORG_NAME_MAX (200) and
 * GC_USER_NAME_MAX (200) characters, checked by the data layer; the byte
 * limits here (4 bytes a character) only bound what is read. An address
 * over GC_EMAIL_MAX (254) bytes is refused by the data layer with a 422.
 */
static const struct gc_param_spec create_params[] = {
	{ .name = "kind", .type = GC_PARAM_STRING, .max_len = 32 },
	{ .name = "name", .type = GC_PARAM_STRING, .max_len = 4 * GC_ORG_NAME_MAX },
	{ .name = "country", .type = GC_PARAM_STRING, .max_len = 16 },
	{ .name = "four_eyes", .type = GC_PARAM_BOOL },
	{ .name = "admin_email", .type = GC_PARAM_STRING, .max_len = 320 },
	{ .name = "admin_name", .type = GC_PARAM_STRING, .max_len = 4 * GC_USER_NAME_MAX },
	GC_PARAMS_END,
};

/* POST /organisations/{id}/people: the invitee. */
static const struct gc_param_spec person_params[] = {
	{ .name = "email", .type = GC_PARAM_STRING, .max_len = 320 },
	{ .name = "name", .type = GC_PARAM_STRING, .max_len = 4 * GC_USER_NAME_MAX },
	{ .name = "role", .type = GC_PARAM_STRING, .max_len = 16 },
	GC_PARAMS_END,
};

static const struct gc_param_spec role_params[] = {
	{ .name = "role", .type = GC_PARAM_STRING, .max_len = 16 },
	GC_PARAMS_END,
};

/* POST /people/{id}/modules: up to GC_PRINCIPAL_MAX_MODULE_LIMITS names; none = every module. */
static const struct gc_param_spec modules_params[] = {
	{ .name = "module", .type = GC_PARAM_STRING, .max_len = GC_MODULE_NAME_MAX,
	  .max_repeat = GC_PRINCIPAL_MAX_MODULE_LIMITS },
	GC_PARAMS_END,
};

static const struct gc_param_spec four_eyes_params[] = {
	{ .name = "on", .type = GC_PARAM_BOOL },
	GC_PARAMS_END,
};

/* Routes without fields still declare an empty list, so nothing undeclared is read. */
static const struct gc_param_spec no_params[] = {
	GC_PARAMS_END,
};

/*
 * GET /audit. action: an action, or a prefix ending in '.' ("login.");
 * target_type and target_id as audit.h bounds them; from and to are dates
 * (UTC, both included); before is the id the page starts below; limit 1 to
 * 200 rows (50 by default).
 */
static const struct gc_param_spec audit_params[] = {
	{ .name = "action", .type = GC_PARAM_STRING, .max_len = GC_AUDIT_MAX_ACTION },
	{ .name = "actor", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX },
	{ .name = "org", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX },
	{ .name = "target_type", .type = GC_PARAM_STRING, .max_len = GC_AUDIT_MAX_ACTION },
	{ .name = "target_id", .type = GC_PARAM_STRING, .max_len = GC_AUDIT_MAX_TARGET_ID },
	{ .name = "from", .type = GC_PARAM_DATE },
	{ .name = "to", .type = GC_PARAM_DATE },
	{ .name = "before", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX },
	{ .name = "limit", .type = GC_PARAM_INT, .min = 1, .max = 200 },
	GC_PARAMS_END,
};

/* Bodies are small forms: 16 KiB is far above the largest (the organisation form). */
#define ORGS_MAX_BODY (16 * 1024)

static const struct gc_route organisations_routes[] = {
	{ .method = "GET", .pattern = "/organisations", .handler = orgs_list, .access = GC_ACCESS_SECRETARIAT,
	  .params = list_params, .name = "organisations.list" },
	{ .method = "POST", .pattern = "/organisations", .handler = orgs_create, .access = GC_ACCESS_SECRETARIAT,
	  .csrf = true, .params = create_params, .name = "organisations.create", .max_body = ORGS_MAX_BODY },
	{ .method = "GET", .pattern = "/organisations/{id}", .handler = orgs_show, .access = GC_ACCESS_SIGNED_IN,
	  .params = no_params, .name = "organisations.show" },
	{ .method = "POST", .pattern = "/organisations/{id}/people", .handler = people_invite_new,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = person_params, .name = "organisations.people.invite",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/organisations/{id}/four-eyes", .handler = orgs_four_eyes,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = four_eyes_params, .name = "organisations.four_eyes",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/organisations/{id}/disable", .handler = orgs_disable,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = no_params, .name = "organisations.disable",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/organisations/{id}/enable", .handler = orgs_enable,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = no_params, .name = "organisations.enable",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/people/{id}/role", .handler = people_role, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = role_params, .name = "people.role", .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/people/{id}/disable", .handler = people_disable,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = no_params, .name = "people.disable",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/people/{id}/enable", .handler = people_enable, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = no_params, .name = "people.enable", .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/people/{id}/modules", .handler = people_modules,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = modules_params, .name = "people.modules",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "POST", .pattern = "/people/{id}/invite", .handler = people_invite_again,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = no_params, .name = "people.invite",
	  .max_body = ORGS_MAX_BODY },
	{ .method = "GET", .pattern = "/intergovernmental", .handler = orgs_directory_list, .params = no_params,
	  .name = "organisations.directory" },
	{ .method = "GET", .pattern = "/intergovernmental/{id}", .handler = orgs_directory_show, .params = no_params,
	  .name = "organisations.profile" },
	{ .method = "GET", .pattern = "/audit", .handler = audit_list, .access = GC_ACCESS_SIGNED_IN,
	  .params = audit_params, .name = "audit.list" },
	{ .method = "POST", .pattern = "/audit/verify", .handler = audit_verify, .access = GC_ACCESS_SECRETARIAT,
	  .csrf = true, .params = no_params, .name = "audit.verify", .max_body = ORGS_MAX_BODY },
};

const struct gc_module organisations_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = "organisations",
	.title_key = "organisations.title",
	.routes = organisations_routes,
	.n_routes = sizeof(organisations_routes) / sizeof(organisations_routes[0]),
};
