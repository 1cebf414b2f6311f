/*
 * The envelope of one item, whatever its module: GET /items/{id} and its
 * history, and the state changes submit, withdraw and access.
 */
#include <stdio.h>
#include <string.h>

#include "auth/principal.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/parse.h"
#include "base/text.h"
#include "modules/items/items.h"

/* --- shared helpers ------------------------------------------------------------- */

const char *items_href(struct gc_request *req, const char *module, int64_t id)
{
	return gc_arena_printf(req->arena, "/%s/%lld", module ? module : "items", (long long)id);
}

const char *items_module_label(struct gc_request *req, const char *module)
{
	for (size_t i = 0; module && i < gc_module_count; i++)
		if (strcmp(gc_modules[i]->name, module) == 0 && gc_modules[i]->title_key)
			return gc_req_tr(req, gc_modules[i]->title_key);
	return module ? module : "";
}

gc_status items_refuse(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, gc_status status,
		       const char *message_key)
{
	const struct gc_principal *p = req->principal;
	if (status == GC_ENOTFOUND && p && p->role == GC_ROLE_READER && id > 0) {
		/* After a failure no transaction is open: this read stands alone. */
		struct gc_item_envelope env;
		if (gc_item_get(ctx, id, req->arena, &env) == GC_OK && env.owner_org == p->org_id)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	}
	return gc_req_fail_status(req, status, ctx->field, status == GC_ENOTFOUND ? NULL : message_key);
}

static const char *status_key(const char *status)
{
	if (!status)
		return "items.status_draft";
	if (strcmp(status, "pending") == 0)
		return "items.status_pending";
	if (strcmp(status, "published") == 0)
		return "items.status_published";
	if (strcmp(status, "withdrawn") == 0)
		return "items.status_withdrawn";
	return "items.status_draft";
}

static const char *visibility_key(const char *visibility)
{
	if (visibility && strcmp(visibility, "restricted") == 0)
		return "items.visibility_restricted";
	if (visibility && strcmp(visibility, "named") == 0)
		return "items.visibility_named";
	return "items.visibility_public";
}

/* The organisations a sharing list may name, with the item's own list marked. */
static gc_status share_choices(struct gc_request *req, const json_t *shares, json_t **out)
{
	struct gc_db *db = gc_request_db(req);
	json_t *rows = NULL;
	if (!db)
		return GC_EHTTP;
	gc_status status = gc_db_query(db,
				       "SELECT id AS id, name AS name FROM organisations WHERE status = 'active'"
				       " ORDER BY name, id LIMIT 1000",
				       GC_NO_PARAMS, &rows);
	if (status != GC_OK)
		return status;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_int_t org = json_integer_value(json_object_get(row, "id"));
		bool selected = false;
		size_t k;
		json_t *share;
		json_array_foreach(shares, k, share)
			if (json_integer_value(json_object_get(share, "id")) == org)
				selected = true;
		if (json_object_set_new(row, "selected", json_boolean(selected))) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	*out = rows;
	return GC_OK;
}

gc_status items_decorate(struct gc_request *req, json_t *env)
{
	const char *module = json_string_value(json_object_get(env, "module"));
	const char *status = json_string_value(json_object_get(env, "status"));
	const char *visibility = json_string_value(json_object_get(env, "visibility"));
	const char *approval = json_string_value(json_object_get(env, "approval"));
	const char *release_at = json_string_value(json_object_get(env, "release_at"));
	json_int_t id = json_integer_value(json_object_get(env, "id"));
	const json_t *can = json_object_get(env, "can");
	const char *href = items_href(req, module, id);
	bool returned = status && strcmp(status, "draft") == 0 && json_is_string(json_object_get(env, "review_note"));
	/* A datetime-local input's value: "YYYY-MM-DDTHH:MM" (UTC here). */
	char release_value[17] = "";
	if (release_at && strlen(release_at) >= 16)
		snprintf(release_value, sizeof(release_value), "%.16s", release_at);
	if (!href)
		return GC_ENOMEM;
	json_t *labels = json_pack(
		"{s:s, s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s}", "href", href, "module_label",
		items_module_label(req, module), "status_label", gc_req_tr(req, status_key(status)), "visibility_label",
		gc_req_tr(req, visibility_key(visibility)), "approval_label",
		approval ? gc_req_tr(req, strcmp(approval, "four_eyes") == 0 ? "items.approval_four_eyes"
									       : "items.approval_secretariat")
			 : NULL,
		"is_draft", status && strcmp(status, "draft") == 0, "is_pending", status && strcmp(status, "pending") == 0,
		"is_published", status && strcmp(status, "published") == 0, "is_withdrawn",
		status && strcmp(status, "withdrawn") == 0, "returned", returned, "vis_public",
		visibility && strcmp(visibility, "public") == 0, "vis_restricted",
		visibility && strcmp(visibility, "restricted") == 0, "vis_named",
		visibility && strcmp(visibility, "named") == 0, "release_value", release_value);
	if (labels && json_object_set_new(labels, "has_shares",
					  json_boolean(json_array_size(json_object_get(env, "shares")) > 0))) {
		json_decref(labels);
		labels = NULL;
	}
	if (!labels || json_object_update(env, labels)) {
		json_decref(labels);
		return GC_ENOMEM;
	}
	json_decref(labels);
	/* The access form of a page offers the organisations to share with (the API names them by id). */
	if (!req->is_api && json_is_true(json_object_get(can, "edit"))) {
		json_t *choices = NULL;
		gc_status st = share_choices(req, json_object_get(env, "shares"), &choices);
		if (st != GC_OK)
			return st;
		if (json_object_set_new(env, "share_choices", choices))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status items_pages(struct gc_request *req, json_t *model, const char *path, int64_t page, int64_t per_page,
		      int64_t count, const char *const *keep)
{
	bool has_previous = page > 1, has_next = page * per_page < count;
	if (!has_previous && !has_next)
		return GC_OK;
	json_t *pages = json_object();
	if (!pages || json_object_set_new(model, "pages", pages))
		return GC_ENOMEM;
	for (int which = 0; which < 2; which++) {
		int64_t target = which == 0 ? page - 1 : page + 1;
		if ((which == 0 && !has_previous) || (which == 1 && !has_next))
			continue;
		struct gc_buf b;
		gc_buf_init(&b, 8192);
		gc_buf_str_raw(&b, path);
		gc_buf_printf(&b, "?page=%lld", (long long)target);
		for (size_t k = 0; keep && keep[k]; k++) {
			const char *values[64];
			size_t n = gc_query_all(req, keep[k], values, GC_ARRAY_LEN(values));
			for (size_t v = 0; v < n && v < GC_ARRAY_LEN(values); v++) {
				gc_buf_char(&b, '&');
				gc_buf_str_raw(&b, keep[k]);
				gc_buf_char(&b, '=');
				gc_buf_url_query(&b, values[v], strlen(values[v]));
			}
		}
		json_t *href = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
		gc_buf_free(&b);
		if (!href || json_object_set_new(pages, which == 0 ? "previous_href" : "next_href", href))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* The item must exist for the caller before anything else is said about the request. */
static gc_status visible_or_404(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id,
				struct gc_item_envelope *env)
{
	if (id <= 0)
		return gc_fail_not_found(req);
	gc_status status = gc_item_get(ctx, id, req->arena, env);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	return GC_OK;
}

/* The version the caller read: required, a positive integer. */
static gc_status read_version(struct gc_request *req, const struct items_input *in, int64_t *version)
{
	const char *v = items_input_get(in, "version");
	if (!v || gc_parse_i64(v, strlen(v), 1, INT64_MAX, version) != GC_OK)
		return gc_fail(req, 422, "invalid_field", "items.error_version", "version");
	return GC_OK;
}

gc_status items_answer_changed(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx, int64_t id,
				const char *module, const char *back_to)
{
	json_t *env = NULL;
	gc_status status = gc_item_load(ctx, id, &env);
	if (status == GC_ENOTFOUND) {
		/* Out of the caller's sight now (a rejected item is its owner's draft again). */
		env = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "module", module, "visible", false);
		status = env ? GC_OK : GC_ENOMEM;
	} else if (status == GC_OK) {
		status = items_decorate(req, env);
	}
	if (status != GC_OK) {
		json_decref(env);
		return status;
	}
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->status = 200;
	view->model = env;
	view->location = back_to ? back_to : items_href(req, module, id);
	return view->location ? GC_OK : GC_ENOMEM;
}

/* --- GET /items/{id} ---------------------------------------------------------- */

gc_status items_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = items_path_id(req, 0);
	struct gc_item_ctx ctx;
	json_t *env = NULL;
	if (id <= 0)
		return gc_fail_not_found(req);
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status != GC_OK)
		return status;
	status = gc_item_load(&ctx, id, &env);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	status = items_decorate(req, env);
	if (status != GC_OK) {
		json_decref(env);
		return status;
	}
	/* The page of an item is its module's: browsers go there, the API gets the envelope. */
	view->kind = GC_VIEW_REDIRECT;
	view->model = env;
	view->location = json_string_value(json_object_get(env, "href"));
	return GC_OK;
}

/* --- GET /items/{id}/history ---------------------------------------------------- */

/* A snapshot's content as a list of {name, value} for a definition list: text as it is, the rest as JSON. */
static json_t *content_fields(const json_t *content)
{
	json_t *fields = json_array();
	const char *key;
	json_t *value;
	if (!fields || !json_is_object(content))
		return fields;
	json_object_foreach((json_t *)content, key, value) {
		char *text = json_is_string(value) ? NULL : json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *entry = json_pack("{s:s, s:s?}", "name", key, "value",
					  json_is_string(value) ? json_string_value(value) : text);
		free(text);
		if (!entry || json_array_append_new(fields, entry)) {
			json_decref(fields);
			return NULL;
		}
	}
	return fields;
}

gc_status items_history(struct gc_request *req, struct gc_view *view)
{
	int64_t id = items_path_id(req, 0);
	struct gc_item_ctx ctx;
	json_t *env = NULL, *versions = NULL;
	if (id <= 0)
		return gc_fail_not_found(req);
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status != GC_OK)
		return status;
	status = gc_item_load(&ctx, id, &env);
	if (status == GC_OK)
		status = gc_item_history(&ctx, id, &versions);
	if (status != GC_OK) {
		json_decref(env);
		return gc_req_fail_status(req, status, NULL, NULL);
	}
	status = items_decorate(req, env);
	if (status == GC_OK)
		status = gc_view_page(req, view, "items/history", "items.history_title");
	if (status != GC_OK)
		goto out;
	view->title = gc_arena_printf(req->arena, "%s: %s", gc_req_tr(req, "items.history_title"),
				      json_string_value(json_object_get(env, "title")));
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v) {
		json_t *snapshot = json_object_get(v, "snapshot");
		json_t *then = json_object_get(snapshot, "envelope");
		const char *vis = json_string_value(json_object_get(then, "visibility"));
		const char *st = json_string_value(json_object_get(then, "status"));
		json_t *extra = json_pack("{s:o, s:s?, s:s, s:s}", "fields",
					  content_fields(json_object_get(snapshot, "content")), "title",
					  json_string_value(json_object_get(then, "title")), "visibility_label",
					  gc_req_tr(req, visibility_key(vis)), "status_label", gc_req_tr(req, status_key(st)));
		if (!extra || json_object_update(v, extra)) {
			json_decref(extra);
			status = GC_ENOMEM;
			goto out;
		}
		json_decref(extra);
	}
	json_t *model = view->model;
	status = GC_ENOMEM;
	if (!view->title || json_object_set_new(model, "id", json_integer((json_int_t)id)) ||
	    json_object_set(model, "module", json_object_get(env, "module")) ||
	    json_object_set(model, "title", json_object_get(env, "title")) ||
	    json_object_set(model, "href", json_object_get(env, "href")) ||
	    json_object_set_new(model, "has_versions", json_boolean(json_array_size(versions) > 0)) ||
	    json_object_set(model, "item", env) || json_object_set(model, "versions", versions))
		goto out;
	status = GC_OK;
	view->cacheable = true;
out:
	json_decref(env);
	json_decref(versions);
	return status;
}

/* --- POST /items/{id}/submit, /items/{id}/withdraw -------------------------------- */

static const struct items_in_spec version_only[] = {
	{ .name = "version", .type = ITEMS_IN_INT },
	ITEMS_IN_END,
};

static gc_status envelope_change(struct gc_request *req, struct gc_view *view,
				 gc_status (*op)(struct gc_item_ctx *, int64_t, int64_t),
				 bool (*may)(const struct gc_principal *, const struct gc_item_envelope *),
				 bool (*status_allows)(enum gc_item_status), const char *status_key)
{
	int64_t id = items_path_id(req, 0), version = 0;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct items_input in;
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status == GC_OK)
		status = visible_or_404(req, &ctx, id, &env);
	if (status != GC_OK)
		return status;
	/*
	 * Someone else's write answers like a missing item, whatever its body
	 * says (SECURITY.md Z4). One who could act but for the item's status
	 * (withdrawn, final) is left to the data layer, which answers 409.
	 */
	struct gc_item_envelope as_live = env;
	if (as_live.status == GC_ITEM_WITHDRAWN)
		as_live.status = GC_ITEM_PUBLISHED;
	if (!may(req->principal, &as_live))
		return items_refuse(req, &ctx, id, GC_ENOTFOUND, NULL);
	status = items_input_read(req, version_only, &in);
	if (status == GC_OK)
		status = read_version(req, &in, &version);
	if (status != GC_OK)
		return status;
	const char *module = gc_arena_strdup(req->arena, env.module);
	status = op(&ctx, id, version);
	/* A 409 says which: the item's status does not allow the step, or the version is stale. */
	if (status != GC_OK)
		return items_refuse(req, &ctx, id, status,
				    status == GC_ECONFLICT && !status_allows(env.status) ? status_key : NULL);
	return items_answer_changed(req, view, &ctx, id, module, NULL);
}

static bool is_draft(enum gc_item_status s)
{
	return s == GC_ITEM_DRAFT;
}

static bool not_withdrawn(enum gc_item_status s)
{
	return s != GC_ITEM_WITHDRAWN;
}

gc_status items_submit(struct gc_request *req, struct gc_view *view)
{
	return envelope_change(req, view, gc_item_submit, gc_policy_can_edit, is_draft, "items.error_status_submit");
}

gc_status items_withdraw(struct gc_request *req, struct gc_view *view)
{
	return envelope_change(req, view, gc_item_withdraw, gc_policy_can_withdraw, not_withdrawn,
			       "items.error_status_withdraw");
}

/* --- POST /items/{id}/access ----------------------------------------------------------- */

static const struct items_in_spec access_fields[] = {
	{ .name = "version", .type = ITEMS_IN_INT },
	{ .name = "visibility", .type = ITEMS_IN_TEXT },
	{ .name = "shares", .type = ITEMS_IN_INT_LIST, .max_items = GC_ITEM_MAX_SHARES },
	{ .name = "notice_title", .type = ITEMS_IN_TEXT },
	{ .name = "notice_summary", .type = ITEMS_IN_TEXT },
	{ .name = "release_at", .type = ITEMS_IN_TEXT },
	{ .name = "clear_notice", .type = ITEMS_IN_BOOL },
	{ .name = "clear_release", .type = ITEMS_IN_BOOL },
	ITEMS_IN_END,
};

/*
 * A release time: "YYYY-MM-DD" (midnight), "YYYY-MM-DDTHH:MM" (a browser's
 * datetime-local) or "YYYY-MM-DDTHH:MM:SS", each with an optional "Z"; all UTC.
 */
static bool parse_release(const char *s, int64_t *out)
{
	char iso[21];
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n == 10)
		snprintf(iso, sizeof(iso), "%.10s", s);
	else if (n == 16)
		snprintf(iso, sizeof(iso), "%.16s:00Z", s);
	else if (n == 19)
		snprintf(iso, sizeof(iso), "%.19sZ", s);
	else
		return false;
	return gc_clock_parse_iso8601(iso, out) == GC_OK && *out > 0;
}

/* The message shown beside a field of the access form. */
static const char *access_error_key(const char *field)
{
	static const char *const known[] = { "visibility", "shares", "notice_title", "notice_summary", "release_at",
					     "clear_notice", "clear_release" };
	for (size_t i = 0; field && i < GC_ARRAY_LEN(known); i++)
		if (strcmp(field, known[i]) == 0)
			return known[i];
	return NULL;
}

gc_status items_access(struct gc_request *req, struct gc_view *view)
{
	int64_t id = items_path_id(req, 0), version = 0;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct items_input in;
	struct gc_item_access access = { .fields = 0 };
	const char *field = NULL;
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status == GC_OK)
		status = visible_or_404(req, &ctx, id, &env);
	if (status != GC_OK)
		return status;
	if (!gc_policy_can_edit(req->principal, &env))
		return items_refuse(req, &ctx, id, GC_ENOTFOUND, NULL);
	status = items_input_read(req, access_fields, &in);
	if (status == GC_OK)
		status = read_version(req, &in, &version);
	if (status != GC_OK)
		return status;
	const char *module = gc_arena_strdup(req->arena, env.module);
	bool form = req->body_kind != GC_BODY_JSON;

	const char *visibility = items_input_get(&in, "visibility");
	const char *share_text[GC_ITEM_MAX_SHARES];
	size_t n_shares = items_input_all(&in, "shares", share_text, GC_ARRAY_LEN(share_text));
	int64_t *shares = gc_arena_calloc(req->arena, GC_ITEM_MAX_SHARES, sizeof(*shares));
	if (!shares)
		return GC_ENOMEM;
	if (visibility) {
		access.fields |= GC_ITEM_SET_VISIBILITY;
		if (!gc_visibility_parse(visibility, &access.visibility))
			field = "visibility";
		/* A form sends whatever is selected in its list; only a named item has one. */
		if (form && access.visibility != GC_VIS_NAMED)
			n_shares = 0;
		if (!field && n_shares > GC_ITEM_MAX_SHARES)
			field = "shares";
		for (size_t i = 0; !field && i < n_shares; i++)
			if (gc_parse_i64(share_text[i], strlen(share_text[i]), 1, INT64_MAX, &shares[i]) != GC_OK)
				field = "shares";
		access.shares = shares;
		access.n_shares = n_shares;
	} else if (n_shares) {
		field = "shares";
	}
	bool going_public = visibility && access.visibility == GC_VIS_PUBLIC;
	const char *notice_title = items_input_get(&in, "notice_title");
	const char *notice_summary = items_input_get(&in, "notice_summary");
	const char *release_at = items_input_get(&in, "release_at");
	/* A public item has no notice or release: a form's leftover values are not a request for one. */
	if (form && going_public)
		notice_title = notice_summary = release_at = NULL;
	if (!field && items_input_flag(&in, "clear_notice")) {
		if (notice_title || notice_summary)
			field = "clear_notice";
		access.fields |= GC_ITEM_SET_NOTICE;
	} else if (!field && (notice_title || notice_summary)) {
		access.fields |= GC_ITEM_SET_NOTICE;
		access.notice_title = notice_title;
		access.notice_summary = notice_summary;
	}
	if (!field && items_input_flag(&in, "clear_release")) {
		if (release_at)
			field = "clear_release";
		access.fields |= GC_ITEM_SET_RELEASE;
	} else if (!field && release_at) {
		access.fields |= GC_ITEM_SET_RELEASE;
		if (!parse_release(release_at, &access.release_at))
			field = "release_at";
	}
	if (!field && access.fields == 0)
		field = "visibility";
	if (field) {
		ctx.field = field;
		status = GC_EINVAL;
	} else {
		status = gc_item_set_access(&ctx, id, version, &access);
	}
	if (status == GC_OK)
		return items_answer_changed(req, view, &ctx, id, module, NULL);
	const char *bad = access_error_key(ctx.field) ? ctx.field : "visibility";
	const char *message_key = gc_arena_printf(req->arena, "items.error_%s", bad);
	if (!message_key)
		return GC_ENOMEM;
	if (status != GC_EINVAL || req->is_api)
		return items_refuse(req, &ctx, id, status, status == GC_EINVAL ? message_key : NULL);

	/* A page shows the form again, the message beside the field at fault. */
	json_t *item = NULL;
	gc_status st = gc_item_load(&ctx, id, &item);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = items_decorate(req, item);
	if (st == GC_OK)
		st = gc_view_page(req, view, "items/access", "items.access_title");
	if (st != GC_OK) {
		json_decref(item);
		return st;
	}
	view->status = 422;
	json_t *errors = json_pack("{s:s}", bad, gc_req_tr(req, message_key));
	if (!errors || json_object_set_new(item, "errors", errors) || json_object_set_new(view->model, "item", item))
		return GC_ENOMEM;
	return GC_OK;
}
