#include "modules/contacts/contacts.h"

#include "http/server.h"

/*
 * Parameters. List filters are checked by the router (a bad one is a 400
 * naming it). Form fields are declared as text with room to spare and
 * checked by the handlers (input.c), so a bad value is a 422 naming the
 * field, as for a JSON body.
 */
static const char *const kind_choices[] = { "diplomatic", "technical", "assistance", NULL };

#define LIST_FILTERS                                                                                            \
	{ .name = "country", .type = GC_PARAM_ISO3, .max_repeat = CONTACTS_MAX_COUNTRY_FILTERS },              \
		{ .name = "region", .type = GC_PARAM_STRING, .max_len = 3 },                                   \
		{ .name = "kind", .type = GC_PARAM_ENUM, .choices = kind_choices },                           \
		{ .name = "language", .type = GC_PARAM_STRING, .max_len = 3 },                                 \
		{ .name = "org", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX }

static const struct gc_param_spec list_params[] = {
	LIST_FILTERS,
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = CONTACTS_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = CONTACTS_MAX_PER_PAGE },
	GC_PARAMS_END,
};

static const struct gc_param_spec export_params[] = {
	LIST_FILTERS,
	GC_PARAMS_END,
};

#define FORM_CONTENT_FIELDS                                                                                     \
	{ .name = "kind", .type = GC_PARAM_TEXT, .max_len = 64 },                                              \
		{ .name = "function_title", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_LINE },         \
		{ .name = "person_name", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_LINE },            \
		{ .name = "agency", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_LINE },                 \
		{ .name = "position", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_LINE },               \
		{ .name = "emails", .type = GC_PARAM_TEXT, .max_len = 4096 },                                  \
		{ .name = "phones", .type = GC_PARAM_TEXT, .max_len = 1024 },                                  \
		{ .name = "working_hours", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_HOURS },         \
		{ .name = "time_zone", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_TZ },                \
		{ .name = "languages", .type = GC_PARAM_TEXT, .max_len = 256 },                                \
		{ .name = "fingerprint", .type = GC_PARAM_TEXT, .max_len = 256 },                              \
		{ .name = "secure_channels", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_MAX_CHANNELS },    \
		{ .name = "notes", .type = GC_PARAM_TEXT, .max_len = 4 * CONTACTS_MAX_NOTES }

static const struct gc_param_spec create_params[] = {
	FORM_CONTENT_FIELDS,
	{ .name = "visibility", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "shares", .type = GC_PARAM_TEXT, .max_len = 32, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "draft", .type = GC_PARAM_TEXT, .max_len = 8 },
	{ .name = "acting_for_org", .type = GC_PARAM_TEXT, .max_len = 32 },
	GC_PARAMS_END,
};

static const struct gc_param_spec edit_params[] = {
	FORM_CONTENT_FIELDS,
	{ .name = "version", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "note", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_NOTE },
	GC_PARAMS_END,
};

static const struct gc_param_spec ping_params[] = {
	{ .name = "kind", .type = GC_PARAM_TEXT, .max_len = 64 },
	{ .name = "region", .type = GC_PARAM_TEXT, .max_len = 16 },
	{ .name = "countries", .type = GC_PARAM_TEXT, .max_len = 16, .max_repeat = CONTACTS_MAX_COUNTRY_FILTERS + 1 },
	{ .name = "deadline", .type = GC_PARAM_TEXT, .max_len = 64 },
	{ .name = "reminder_hours", .type = GC_PARAM_TEXT, .max_len = 16 },
	GC_PARAMS_END,
};

static const struct gc_param_spec request_params[] = {
	{ .name = "to_org", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "kind", .type = GC_PARAM_TEXT, .max_len = 64 },
	{ .name = "urgency", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "handling", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "subject", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_REQUEST_MAX_SUBJECT },
	{ .name = "description", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_REQUEST_MAX_TEXT },
	GC_PARAMS_END,
};

static const struct gc_param_spec reply_params[] = {
	{ .name = "body", .type = GC_PARAM_TEXT, .max_len = 2 * CONTACTS_REQUEST_MAX_TEXT },
	GC_PARAMS_END,
};

static const struct gc_route contacts_routes[] = {
	{ .method = "GET", .pattern = "/contacts", .handler = contacts_list, .params = list_params,
	  .name = "contacts.list" },
	{ .method = "GET", .pattern = "/contacts.csv", .handler = contacts_csv, .params = export_params,
	  .name = "contacts.csv" },
	{ .method = "GET", .pattern = "/contacts.vcf", .handler = contacts_vcf, .params = export_params,
	  .name = "contacts.vcf" },
	{ .method = "GET", .pattern = "/contacts/print", .handler = contacts_print, .params = export_params,
	  .name = "contacts.print" },
	{ .method = "GET", .pattern = "/contacts/new", .handler = contacts_new, .access = GC_ACCESS_SIGNED_IN,
	  .name = "contacts.new" },
	{ .method = "POST", .pattern = "/contacts", .handler = contacts_create, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = create_params, .name = "contacts.create", .max_body = CONTACTS_MAX_BODY },
	{ .method = "GET", .pattern = "/contacts/{id}", .handler = contacts_show, .name = "contacts.show" },
	{ .method = "GET", .pattern = "/contacts/{id}/vcard", .handler = contacts_show_vcf,
	  .name = "contacts.show_vcard" },
	{ .method = "GET", .pattern = "/contacts/{id}/edit", .handler = contacts_edit_form,
	  .access = GC_ACCESS_SIGNED_IN, .name = "contacts.edit_form" },
	{ .method = "POST", .pattern = "/contacts/{id}", .handler = contacts_update, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = edit_params, .name = "contacts.update", .max_body = CONTACTS_MAX_BODY },
	{ .method = "POST", .pattern = "/contacts/{id}/confirm", .handler = contacts_confirm,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .name = "contacts.confirm" },
	{ .method = "GET", .pattern = "/contacts/pings", .handler = contacts_pings, .access = GC_ACCESS_SIGNED_IN,
	  .name = "contacts.pings" },
	{ .method = "GET", .pattern = "/contacts/pings/new", .handler = contacts_ping_new,
	  .access = GC_ACCESS_SECRETARIAT, .name = "contacts.ping_new" },
	{ .method = "POST", .pattern = "/contacts/pings", .handler = contacts_ping_start,
	  .access = GC_ACCESS_SECRETARIAT, .csrf = true, .params = ping_params, .name = "contacts.ping_start" },
	{ .method = "GET", .pattern = "/contacts/pings/{id}", .handler = contacts_ping_round,
	  .access = GC_ACCESS_SIGNED_IN, .name = "contacts.ping_round" },
	/* The link of a ping mail: anyone holding it; the GET never confirms. */
	{ .method = "GET", .pattern = "/ping/{token}", .handler = contacts_ping_page, .name = "contacts.ping_page" },
	{ .method = "POST", .pattern = "/ping/{token}", .handler = contacts_ping_answer, .csrf = true,
	  .name = "contacts.ping_answer" },
	/* Requests between states: the two states only; the Secretariat sees their times. */
	{ .method = "GET", .pattern = "/requests", .handler = contacts_requests, .access = GC_ACCESS_SIGNED_IN,
	  .name = "contacts.requests" },
	{ .method = "GET", .pattern = "/requests/new", .handler = contacts_request_new, .access = GC_ACCESS_STATE,
	  .name = "contacts.request_new" },
	{ .method = "POST", .pattern = "/requests", .handler = contacts_request_create, .access = GC_ACCESS_STATE,
	  .csrf = true, .params = request_params, .name = "contacts.request_create", .max_body = 4 * CONTACTS_REQUEST_MAX_TEXT,
	  .upload = true },
	{ .method = "GET", .pattern = "/requests/stats", .handler = contacts_request_stats,
	  .access = GC_ACCESS_SECRETARIAT, .name = "contacts.request_stats" },
	{ .method = "GET", .pattern = "/requests/{id}", .handler = contacts_request_show, .access = GC_ACCESS_SIGNED_IN,
	  .name = "contacts.request_show" },
	{ .method = "POST", .pattern = "/requests/{id}/acknowledge", .handler = contacts_request_ack,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .name = "contacts.request_acknowledge" },
	{ .method = "POST", .pattern = "/requests/{id}/reply", .handler = contacts_request_reply,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = reply_params, .name = "contacts.request_reply",
	  .max_body = 4 * CONTACTS_REQUEST_MAX_TEXT, .upload = true },
	/* A file of a request: the two states only; everyone else the 404 of a missing one. */
	{ .method = "GET", .pattern = "/requests/{id}/files/{fid}", .handler = contacts_request_file,
	  .name = "contacts.request_file" },
};

static const struct gc_job_kind *const contacts_jobs[] = { &contacts_ping_remind_job, &contacts_ping_close_job };

const struct gc_module contacts_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = CONTACTS_MODULE,
	.title_key = "nav.contacts",
	.nav_path = "/contacts",
	.nav_order = 30,
	.migrations = contacts_migrations,
	.n_migrations = CONTACTS_MIGRATION_COUNT,
	.routes = contacts_routes,
	.n_routes = sizeof(contacts_routes) / sizeof(contacts_routes[0]),
	.jobs = contacts_jobs,
	.n_jobs = sizeof(contacts_jobs) / sizeof(contacts_jobs[0]),
	.profile = contacts_profile,
	.home = contacts_home,
	.demo = contacts_demo,
	.assistance_contact = contacts_assistance_contact,
	.assistance_contacts = contacts_assistance_contacts,
	.assistance_addresses = contacts_assistance_addresses,
};
