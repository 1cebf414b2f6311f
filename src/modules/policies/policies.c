#include "modules/policies/policies.h"

#include "http/server.h"
#include "store/attachments.h"

/*
 * Parameters. List filters are checked by the router (a bad one is a 400
 * naming it). Form fields are declared as text with room to spare and
 * checked by the handlers (input.c), so a bad value is a 422 naming the
 * field as for a JSON body; "lang" (the text's language) is the portal's
 * reserved parameter, which the router keeps when it names one of the six
 * languages. The text-language filter of lists is therefore "language".
 */
static const char *const kind_choices[] = { "national_strategy", "law_regulation", "military_doctrine",
					    "policy_guideline", "institutional_framework", "regional_framework",
					    "agreement", "other", NULL };
static const char *const status_choices[] = { "in_force", "in_preparation", "superseded", "repealed", NULL };
static const char *const lang_choices[] = { "ar", "zh", "en", "fr", "ru", "es", NULL };
static const char *const sort_choices[] = { "date", "title", "relevance", NULL };

#define LIST_FILTERS                                                                                            \
	{ .name = "country", .type = GC_PARAM_ISO3, .max_repeat = POLICIES_MAX_COUNTRY_FILTERS },              \
		{ .name = "region", .type = GC_PARAM_STRING, .max_len = 3 },                                   \
		{ .name = "kind", .type = GC_PARAM_ENUM, .choices = kind_choices },                           \
		{ .name = "topic", .type = GC_PARAM_STRING, .max_len = POLICIES_MAX_TOPIC_KEY },               \
		{ .name = "policy_status", .type = GC_PARAM_ENUM, .choices = status_choices },                 \
		{ .name = "year_from", .type = GC_PARAM_INT, .min = 1900, .max = 2100 },                       \
		{ .name = "year_to", .type = GC_PARAM_INT, .min = 1900, .max = 2100 },                         \
		{ .name = "language", .type = GC_PARAM_ENUM, .choices = lang_choices },                        \
		{ .name = "org", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX },                           \
		{ .name = "q", .type = GC_PARAM_STRING, .max_len = 256 },                                      \
		{ .name = "sort", .type = GC_PARAM_ENUM, .choices = sort_choices }

static const struct gc_param_spec list_params[] = {
	LIST_FILTERS,
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = POLICIES_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = POLICIES_MAX_PER_PAGE },
	GC_PARAMS_END,
};

static const struct gc_param_spec csv_params[] = {
	LIST_FILTERS,
	GC_PARAMS_END,
};

static const struct gc_param_spec compare_params[] = {
	/* Room for a wrong code or a fourth state, so that they get a 422 naming them (compare.c). */
	{ .name = "c", .type = GC_PARAM_STRING, .max_len = 16, .max_repeat = POLICIES_COMPARE_MAX_PARAMS },
	GC_PARAMS_END,
};

static const struct gc_param_spec show_params[] = {
	{ .name = "text", .type = GC_PARAM_ENUM, .choices = lang_choices },
	GC_PARAMS_END,
};

/* Room to spare over the real limits, which input.c enforces with a 422. */
#define FORM_CONTENT_FIELDS                                                                                     \
	{ .name = "title", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_TITLE },                          \
		{ .name = "summary", .type = GC_PARAM_TEXT, .max_len = 2 * POLICIES_MAX_SUMMARY },            \
		{ .name = "kind", .type = GC_PARAM_TEXT, .max_len = 64 },                                      \
		{ .name = "country", .type = GC_PARAM_TEXT, .max_len = 16 },                                   \
		{ .name = "topics", .type = GC_PARAM_TEXT, .max_len = 64, .max_repeat = 2 * POLICIES_MAX_TOPICS }, \
		{ .name = "adopted", .type = GC_PARAM_TEXT, .max_len = 32 },                                   \
		{ .name = "policy_status", .type = GC_PARAM_TEXT, .max_len = 64 },                             \
		{ .name = "source_url", .type = GC_PARAM_TEXT, .max_len = 2 * POLICIES_MAX_URL },              \
		{ .name = "supersedes", .type = GC_PARAM_TEXT, .max_len = 32 }

static const struct gc_param_spec create_params[] = {
	FORM_CONTENT_FIELDS,
	{ .name = "visibility", .type = GC_PARAM_TEXT, .max_len = 32 },
	/* A form names at most GC_MAX_QUERY_PARAMS organisations; JSON up to GC_ITEM_MAX_SHARES. */
	{ .name = "shares", .type = GC_PARAM_TEXT, .max_len = 32, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "notice_title", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_NOTICE_TITLE },
	{ .name = "notice_summary", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_NOTICE_SUMMARY },
	{ .name = "release_at", .type = GC_PARAM_TEXT, .max_len = 32 },
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

/* The upload form's fields besides the file (and the CSRF token, which the server reads). */
static const struct gc_param_spec attachment_params[] = {
	{ .name = "version", .type = GC_PARAM_TEXT, .max_len = 32 },
	GC_PARAMS_END,
};

static const struct gc_route policies_routes[] = {
	{ .method = "GET", .pattern = "/policies", .handler = policies_list, .params = list_params,
	  .name = "policies.list" },
	{ .method = "GET", .pattern = "/policies.csv", .handler = policies_csv, .params = csv_params,
	  .name = "policies.csv" },
	{ .method = "GET", .pattern = "/policies.json", .handler = policies_json_export, .params = csv_params,
	  .name = "policies.json" },
	{ .method = "GET", .pattern = "/policies.atom", .handler = policies_atom, .params = csv_params,
	  .name = "policies.atom" },
	{ .method = "GET", .pattern = "/compare", .handler = policies_compare, .params = compare_params,
	  .name = "policies.compare" },
	{ .method = "GET", .pattern = "/policies/new", .handler = policies_new, .access = GC_ACCESS_SIGNED_IN,
	  .name = "policies.new" },
	{ .method = "POST", .pattern = "/policies", .handler = policies_create, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = create_params, .name = "policies.create", .max_body = POLICIES_MAX_BODY },
	{ .method = "GET", .pattern = "/policies/{id}", .handler = policies_show, .params = show_params,
	  .name = "policies.show" },
	{ .method = "GET", .pattern = "/policies/{id}/edit", .handler = policies_edit_form,
	  .access = GC_ACCESS_SIGNED_IN, .params = show_params, .name = "policies.edit_form" },
	{ .method = "POST", .pattern = "/policies/{id}", .handler = policies_update, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = edit_params, .name = "policies.update", .max_body = POLICIES_MAX_BODY },
	{ .method = "GET", .pattern = "/policies/{id}/attachments", .handler = policies_attachment_list,
	  .name = "policies.attachments", .api_only = true },
	{ .method = "POST", .pattern = "/policies/{id}/attachments", .handler = policies_attachment_upload,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = attachment_params, .name = "policies.attachment_upload",
	  .upload = true },
	{ .method = "GET", .pattern = "/policies/{id}/attachments/{aid}", .handler = policies_attachment_get,
	  .name = "policies.attachment" },
	{ .method = "POST", .pattern = "/policies/{id}/attachments/{aid}/remove", .handler = policies_attachment_remove,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = attachment_params,
	  .name = "policies.attachment_remove" },
	{ .method = "DELETE", .pattern = "/policies/{id}/attachments/{aid}", .handler = policies_attachment_remove,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = attachment_params, .name = "policies.attachment_delete",
	  .api_only = true },
};

static const struct gc_job_kind *const policies_jobs[] = { &policies_attachment_job };

static gc_status policies_init(struct gc_server *server)
{
	gc_attachments_set_data_dir(server->config.data_dir);
	return policies_taxonomy_load(&policies_taxonomy);
}

static void policies_shutdown(struct gc_server *server)
{
	(void)server;
	policies_taxonomy_free(&policies_taxonomy);
}

const struct gc_module policies_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = POLICIES_MODULE,
	.title_key = "nav.policies",
	.nav_path = "/policies",
	.nav_order = 20,
	.migrations = policies_migrations,
	.n_migrations = POLICIES_MIGRATION_COUNT,
	.routes = policies_routes,
	.n_routes = sizeof(policies_routes) / sizeof(policies_routes[0]),
	.jobs = policies_jobs,
	.n_jobs = sizeof(policies_jobs) / sizeof(policies_jobs[0]),
	.init = policies_init,
	.shutdown = policies_shutdown,
	.profile = policies_profile,
	.org_profile = policies_org_profile,
	.home = policies_home,
	.demo = policies_demo,
};
