#include "modules/items/items.h"

/*
 * Parameters. Form fields are declared as text and checked by the handlers,
 * so that a bad value is a 422 naming the field, as for a JSON body; the
 * bounds here only cap their size (the data layer's own limits are smaller).
 */
static const char *const status_choices[] = { "draft", "pending", "published", "withdrawn", NULL };

static const struct gc_param_spec mine_params[] = {
	{ .name = "module", .type = GC_PARAM_STRING, .max_len = GC_ITEM_MAX_MODULE },
	{ .name = "status", .type = GC_PARAM_ENUM, .choices = status_choices },
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = 1000 },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = ITEMS_MAX_PER_PAGE },
	GC_PARAMS_END,
};

static const struct gc_param_spec review_params[] = {
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = ITEMS_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = ITEMS_MAX_PER_PAGE },
	GC_PARAMS_END,
};

static const struct gc_param_spec version_params[] = {
	{ .name = "version", .type = GC_PARAM_STRING, .max_len = 20 },
	GC_PARAMS_END,
};

static const struct gc_param_spec access_params[] = {
	{ .name = "version", .type = GC_PARAM_STRING, .max_len = 20 },
	{ .name = "visibility", .type = GC_PARAM_STRING, .max_len = 16 },
	/* A form may name at most GC_MAX_QUERY_PARAMS organisations; JSON up to GC_ITEM_MAX_SHARES. */
	{ .name = "shares", .type = GC_PARAM_STRING, .max_len = 20, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "notice_title", .type = GC_PARAM_STRING, .max_len = GC_ITEM_MAX_NOTICE_TITLE },
	{ .name = "notice_summary", .type = GC_PARAM_TEXT, .max_len = GC_ITEM_MAX_NOTICE_SUMMARY },
	{ .name = "release_at", .type = GC_PARAM_STRING, .max_len = 32 },
	{ .name = "clear_notice", .type = GC_PARAM_STRING, .max_len = 8 },
	{ .name = "clear_release", .type = GC_PARAM_STRING, .max_len = 8 },
	GC_PARAMS_END,
};

static const struct gc_param_spec reject_params[] = {
	{ .name = "version", .type = GC_PARAM_STRING, .max_len = 20 },
	{ .name = "reason", .type = GC_PARAM_TEXT, .max_len = GC_ITEM_MAX_NOTE },
	GC_PARAMS_END,
};

/* State changes need someone signed in; what they may do to an item is the policy's to say. */
static const struct gc_route items_routes[] = {
	{ .method = "GET", .pattern = "/items/{id}", .handler = items_show, .name = "items.show" },
	{ .method = "GET", .pattern = "/items/{id}/history", .handler = items_history, .name = "items.history" },
	{ .method = "POST", .pattern = "/items/{id}/submit", .handler = items_submit, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = version_params, .name = "items.submit" },
	{ .method = "POST", .pattern = "/items/{id}/withdraw", .handler = items_withdraw,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = version_params, .name = "items.withdraw" },
	{ .method = "POST", .pattern = "/items/{id}/access", .handler = items_access, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = access_params, .name = "items.access" },
	{ .method = "GET", .pattern = "/mine", .handler = items_mine, .access = GC_ACCESS_SIGNED_IN,
	  .params = mine_params, .name = "items.mine" },
	{ .method = "GET", .pattern = "/review", .handler = items_review, .access = GC_ACCESS_SIGNED_IN,
	  .params = review_params, .name = "items.review" },
	{ .method = "POST", .pattern = "/review/{id}/publish", .handler = items_publish,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = version_params, .name = "items.publish" },
	{ .method = "POST", .pattern = "/review/{id}/reject", .handler = items_reject, .access = GC_ACCESS_SIGNED_IN,
	  .csrf = true, .params = reject_params, .name = "items.reject" },
};

/* No navigation entry and no tables of its own: the envelope's tables are the "items" component's. */
const struct gc_module items_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = "items",
	.routes = items_routes,
	.n_routes = sizeof(items_routes) / sizeof(items_routes[0]),
};
