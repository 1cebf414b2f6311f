/*
 * The organisation's own items (GET /mine) and the review queue (GET
 * /review, POST /review/{id}/publish and /reject).
 */
#include <string.h>

#include "auth/principal.h"
#include "base/parse.h"
#include "base/text.h"
#include "modules/items/items.h"

/* --- GET /mine ---------------------------------------------------------------------- */

static const char *const mine_keep[] = { "module", "status", "per_page", NULL };

gc_status items_mine(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_item_ctx ctx;
	const char *module = gc_query(req, "module");
	const char *status_filter = gc_query(req, "status");
	int64_t page = gc_query_int(req, "page", 1);
	int64_t per_page = gc_query_int(req, "per_page", ITEMS_PAGE_SIZE);
	json_t *rows = NULL;
	/* A form's "all" option sends an empty value: that is no filter. */
	if (module && !*module)
		module = NULL;
	if (status_filter && !*status_filter)
		status_filter = NULL;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status == GC_OK)
		status = gc_view_page(req, view, "items/mine", "items.mine_title");
	if (status != GC_OK)
		return status;

	/* The organisation's items are exactly those of rule 1; the policy's predicate still guards the query. */
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 6];
	size_t n = 0;
	status = gc_policy_visible_sql(p, ctx.restricted_includes_observers, "i", "id", req->arena, &visible, params, &n);
	if (status != GC_OK)
		return status;
	const char *where = gc_arena_printf(req->arena,
					    " FROM items i WHERE i.owner_org = ? AND %s"
					    " AND (CAST(? AS TEXT) IS NULL OR i.module = ?)"
					    " AND (CAST(? AS TEXT) IS NULL OR i.status = ?)",
					    visible);
	if (!where)
		return GC_ENOMEM;
	/* The owner's id goes first: shift the predicate's parameters. */
	memmove(params + 1, params, n * sizeof(params[0]));
	params[0] = GC_INT(p->org_id);
	n++;
	params[n++] = GC_TEXT_OR_NULL(module);
	params[n++] = GC_TEXT_OR_NULL(module);
	params[n++] = GC_TEXT_OR_NULL(status_filter);
	params[n++] = GC_TEXT_OR_NULL(status_filter);
	int64_t count = 0;
	const char *count_sql = gc_arena_printf(req->arena, "SELECT COUNT(*) AS n%s", where);
	const char *rows_sql = gc_arena_printf(req->arena,
					     "SELECT i.id AS id, i.module AS module, i.title AS title, i.status AS status,"
					     " i.approval AS approval, i.visibility AS visibility, i.version AS version,"
					     " i.created_at AS created_at, i.updated_at AS updated_at,"
					     " i.submitted_at AS submitted_at, i.reviewed_at AS reviewed_at,"
					     " i.review_note AS review_note, i.published_at AS published_at,"
					     " i.withdrawn_at AS withdrawn_at, i.release_at AS release_at%s"
					     " ORDER BY i.updated_at DESC, i.id DESC LIMIT ? OFFSET ?",
					     where);
	if (!count_sql || !rows_sql)
		return GC_ENOMEM;
	status = gc_db_query_int(ctx.db, count_sql, params, n, &count);
	if (status != GC_OK)
		return status;
	params[n++] = GC_INT(per_page);
	params[n++] = GC_INT((page - 1) * per_page);
	status = gc_db_query(ctx.db, rows_sql, params, n, &rows);
	if (status != GC_OK)
		return status;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		status = items_decorate(req, row);
		if (status != GC_OK)
			goto out;
	}
	json_t *model = view->model;
	json_t *modules = json_array(), *statuses = json_array();
	if (json_object_set_new(model, "modules", modules) || json_object_set_new(model, "statuses", statuses))
		goto nomem;
	/* The filter offers the modules that hold items. */
	for (size_t m = 0; m < gc_module_count; m++) {
		const struct gc_module *mod = gc_modules[m];
		if (!mod->title_key || !mod->nav_path || strcmp(mod->name, "core") == 0 ||
		    strcmp(mod->name, "countries") == 0)
			continue;
		json_t *option = json_pack("{s:s, s:s, s:b}", "value", mod->name, "label", gc_req_tr(req, mod->title_key),
					   "selected", module && strcmp(module, mod->name) == 0);
		if (!option || json_array_append_new(modules, option))
			goto nomem;
	}
	static const char *const status_names[] = { "draft", "pending", "published", "withdrawn" };
	for (size_t s = 0; s < GC_ARRAY_LEN(status_names); s++) {
		char key[32];
		snprintf(key, sizeof(key), "items.status_%s", status_names[s]);
		json_t *option = json_pack("{s:s, s:s, s:b}", "value", status_names[s], "label", gc_req_tr(req, key),
					   "selected", status_filter && strcmp(status_filter, status_names[s]) == 0);
		if (!option || json_array_append_new(statuses, option))
			goto nomem;
	}
	json_t *filters = json_pack("{s:s?, s:s?}", "module", module, "status", status_filter);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    json_object_set_new(model, "count", json_integer(count)) ||
	    json_object_set_new(model, "page", json_integer(page)) ||
	    json_object_set_new(model, "per_page", json_integer(per_page)) ||
	    json_object_set_new(model, "organisation", json_string(p->org_name ? p->org_name : "")) ||
	    json_object_set(model, "items", rows))
		goto nomem;
	status = items_pages(req, model, "/mine", page, per_page, count, mine_keep);
	goto out;
nomem:
	status = GC_ENOMEM;
out:
	json_decref(rows);
	return status;
}

/* --- the review queue ----------------------------------------------------------------------- */

static const char *const review_keep[] = { "per_page", NULL };

/*
 * The queue page's model. error_id and error_message: an item whose
 * decision was refused, to show the message beside its form (0: none).
 */
static gc_status review_page(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx, int64_t error_id,
			     const char *error_field, const char *error_message)
{
	int64_t page = gc_query_int(req, "page", 1);
	int64_t per_page = gc_query_int(req, "per_page", ITEMS_PAGE_SIZE);
	json_t *queue = NULL;
	const char *predicate = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	gc_status status = gc_view_page(req, view, "items/review", "items.review_title");
	if (status == GC_OK)
		status = gc_policy_review_sql(req->principal, "i", req->arena, &predicate, params, &n);
	if (status != GC_OK)
		return status;
	int64_t count = 0;
	const char *sql = gc_arena_printf(req->arena, "SELECT COUNT(*) AS n FROM items i WHERE %s", predicate);
	if (!sql)
		return GC_ENOMEM;
	status = gc_db_query_int(ctx->db, sql, params, n, &count);
	if (status == GC_OK)
		status = gc_item_review_queue(ctx, (int)per_page, (int)((page - 1) * per_page), &queue);
	if (status != GC_OK)
		return status;
	size_t i;
	json_t *env;
	json_array_foreach(queue, i, env) {
		status = items_decorate(req, env);
		if (status != GC_OK)
			goto out;
		if (error_id && json_integer_value(json_object_get(env, "id")) == error_id) {
			json_t *errors = json_pack("{s:s}", error_field ? error_field : "reason", error_message);
			if (!errors || json_object_set_new(env, "errors", errors))
				goto nomem;
		}
	}
	json_t *model = view->model;
	if (json_object_set_new(model, "count", json_integer(count)) ||
	    json_object_set_new(model, "page", json_integer(page)) ||
	    json_object_set_new(model, "per_page", json_integer(per_page)) ||
	    json_object_set_new(model, "has_items", json_boolean(json_array_size(queue) > 0)) ||
	    json_object_set(model, "items", queue))
		goto nomem;
	status = items_pages(req, model, "/review", page, per_page, count, review_keep);
	goto out;
nomem:
	status = GC_ENOMEM;
out:
	json_decref(queue);
	return status;
}

gc_status items_review(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	if (!req->principal)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status != GC_OK)
		return status;
	return review_page(req, view, &ctx, 0, NULL, NULL);
}

static const struct items_in_spec publish_fields[] = {
	{ .name = "version", .type = ITEMS_IN_INT },
	ITEMS_IN_END,
};

static const struct items_in_spec reject_fields[] = {
	{ .name = "version", .type = ITEMS_IN_INT },
	{ .name = "reason", .type = ITEMS_IN_TEXT },
	ITEMS_IN_END,
};

/* Publish (reason NULL) or reject the pending item of the path. */
static gc_status decide(struct gc_request *req, struct gc_view *view, bool publish)
{
	int64_t id = items_path_id(req, 0), version = 0;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct items_input in;
	if (id <= 0)
		return gc_fail_not_found(req);
	gc_status status = gc_req_item_ctx(req, &ctx);
	if (status != GC_OK)
		return status;
	status = gc_item_get(&ctx, id, req->arena, &env);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	/*
	 * One who may not decide learns nothing from the body's errors. A
	 * reviewer who could decide but for the status is left to the data
	 * layer, which answers 409 for an item no longer pending.
	 */
	bool may = gc_policy_can_review(req->principal, &env);
	if (env.status != GC_ITEM_PENDING) {
		struct gc_item_envelope as_pending = env;
		as_pending.status = GC_ITEM_PENDING;
		as_pending.approval = GC_APPROVAL_SECRETARIAT;
		may = gc_policy_can_review(req->principal, &as_pending);
		as_pending.approval = GC_APPROVAL_FOUR_EYES;
		may = may || gc_policy_can_review(req->principal, &as_pending);
	}
	if (!may)
		return items_refuse(req, &ctx, id, GC_ENOTFOUND, NULL);
	status = items_input_read(req, publish ? publish_fields : reject_fields, &in);
	if (status != GC_OK)
		return status;
	const char *module = gc_arena_strdup(req->arena, env.module);
	const char *v = items_input_get(&in, "version");
	const char *reason = items_input_get(&in, "reason");
	const char *field = NULL, *message_key = NULL;
	if (!v || gc_parse_i64(v, strlen(v), 1, INT64_MAX, &version) != GC_OK) {
		field = "version";
		message_key = "items.error_version";
	} else if (!publish && (!reason || strlen(reason) > GC_ITEM_MAX_NOTE ||
				!gc_text_acceptable(reason, strlen(reason)))) {
		field = "reason";
		message_key = "items.error_reason";
	}
	if (field) {
		ctx.field = field;
		status = GC_EINVAL;
	} else {
		status = publish ? gc_item_publish(&ctx, id, version) : gc_item_reject(&ctx, id, version, reason);
	}
	if (status == GC_EINVAL && ctx.field && strcmp(ctx.field, "reason") == 0)
		message_key = "items.error_reason";
	if (status == GC_OK)
		return items_answer_changed(req, view, &ctx, id, module, "/review");
	/* A 409 says which: the item is no longer pending, or the version is stale. */
	if (status == GC_ECONFLICT)
		message_key = env.status != GC_ITEM_PENDING ? "items.error_status_review" : NULL;
	if (status != GC_EINVAL || req->is_api)
		return items_refuse(req, &ctx, id, status, message_key);
	/* A page shows the queue again, the message beside the item's form. */
	status = review_page(req, view, &ctx, id, ctx.field, gc_req_tr(req, message_key ? message_key : "items.error_reason"));
	if (status == GC_OK)
		view->status = 422;
	return status;
}

gc_status items_publish(struct gc_request *req, struct gc_view *view)
{
	return decide(req, view, true);
}

gc_status items_reject(struct gc_request *req, struct gc_view *view)
{
	return decide(req, view, false);
}
