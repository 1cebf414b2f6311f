/*
 * A policy's files (docs/attachments.md):
 *
 *   GET  /policies/{id}/attachments              the list (JSON; the page shows it on the policy)
 *   POST /policies/{id}/attachments              upload one file (multipart: file, lang, version)
 *   GET  /policies/{id}/attachments/{aid}        the file itself (HEAD too)
 *   POST /policies/{id}/attachments/{aid}/remove remove one (and DELETE on the same path without /remove)
 *
 * Who: a file is seen by exactly those who see the policy (anyone else gets
 * the 404 of a missing thing), and added or removed by those who may edit
 * the policy (gc_policy_can_edit: the owner's editors and admins, the
 * Secretariat's admins on the owner's behalf). A change is an edit of the
 * item (auth/items.c: one item.edit audit record, a new version, and back to
 * review when the owner's edits need one), in one transaction with the row,
 * the search documents and the text-extraction job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/parse.h"
#include "http/download.h"
#include "http/server.h"
#include "modules/policies/policies.h"
#include "store/attachments.h"
#include "store/files.h"
#include "store/jobs.h"

/* --- the extraction job ---------------------------------------------------------------------- */

static gc_status attachment_job_run(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	json_int_t id = json_integer_value(json_object_get(payload, "attachment_id"));
	if (id <= 0) {
		snprintf(err, err_size, "the payload names no attachment");
		return GC_OK; /* nothing to retry */
	}
	gc_status st = gc_attachment_extract(db, id, policies_reindex, err, err_size);
	return st == GC_ENOTFOUND ? GC_OK : st; /* removed before its text was read */
}

const struct gc_job_kind policies_attachment_job = {
	.name = POLICIES_ATTACHMENT_JOB,
	.max_attempts = 3,
	.run = attachment_job_run,
};

/* --- models ------------------------------------------------------------------------------------ */

static const char *media_label_key(const char *media)
{
	if (media && strcmp(media, GC_MEDIA_PDF) == 0)
		return "attachments.type_pdf";
	if (media && strcmp(media, GC_MEDIA_HTML) == 0)
		return "attachments.type_html";
	if (media && strcmp(media, GC_MEDIA_DOCX) == 0)
		return "attachments.type_docx";
	return "attachments.type_text";
}

static const char *size_label(struct gc_request *req, json_int_t size)
{
	if (size < 1024)
		return gc_arena_printf(req->arena, "%lld B", (long long)size);
	if (size < 1024 * 1024)
		return gc_arena_printf(req->arena, "%.1f KiB", (double)size / 1024.0);
	return gc_arena_printf(req->arena, "%.1f MiB", (double)size / (1024.0 * 1024.0));
}

/* One row as readers see it: decorated, and without what is not theirs. */
static gc_status decorate(struct gc_request *req, int64_t item_id, json_t *row, bool can_edit)
{
	json_int_t aid = json_integer_value(json_object_get(row, "id"));
	const char *media = json_string_value(json_object_get(row, "media_type"));
	const char *status = json_string_value(json_object_get(row, "text_status"));
	const char *lang = json_string_value(json_object_get(row, "lang"));
	const char *href = gc_arena_printf(req->arena, "/policies/%lld/attachments/%lld", (long long)item_id, (long long)aid);
	const char *size = size_label(req, json_integer_value(json_object_get(row, "size")));
	if (!href || !size)
		return GC_ENOMEM;
	bool failed = status && (strcmp(status, "failed") == 0 || strcmp(status, "unsupported") == 0);
	json_object_del(row, "created_by");
	if (!can_edit && json_object_set_new(row, "text_error", json_null()))
		return GC_ENOMEM;
	json_t *labels = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:b, s:b}", "href", href, "media_label",
				   gc_req_tr(req, media_label_key(media)), "size_label", size, "lang_name",
				   gc_lang_native_name(lang), "text_pending", status && strcmp(status, "pending") == 0,
				   "text_failed", failed && can_edit, "can_remove", can_edit);
	if (!labels || json_object_update_new(row, labels))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status policies_attachments_model(struct gc_request *req, struct gc_db *db, int64_t id, bool can_edit,
				     int64_t version, json_t *model)
{
	json_t *rows = NULL;
	gc_status st = gc_attachment_list(db, id, &rows);
	if (st != GC_OK)
		return st;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		st = decorate(req, id, row, can_edit);
		if (st != GC_OK) {
			json_decref(rows);
			return st;
		}
	}
	bool room = json_array_size(rows) < GC_ATTACHMENTS_MAX_PER_ITEM;
	if (json_object_set_new(model, "has_attachments", json_boolean(json_array_size(rows) > 0)) ||
	    json_object_set_new(model, "attachments", rows))
		return GC_ENOMEM;
	if (!can_edit || req->is_api)
		return GC_OK;
	json_t *langs = json_array();
	const char *chosen = gc_form(req, "lang") ? gc_form(req, "lang") : req->lang;
	for (size_t l = 0; langs && l < GC_LANG_COUNT; l++) {
		json_t *c = json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label", gc_lang_native_name(gc_langs[l]),
				      "selected", chosen && strcmp(chosen, gc_langs[l]) == 0);
		if (!c || json_array_append_new(langs, c)) {
			json_decref(langs);
			langs = NULL;
		}
	}
	json_t *upload = json_pack("{s:o*, s:I, s:b, s:I, s:s}", "lang_choices", langs, "version", (json_int_t)version,
				   "room", room, "max_files", (json_int_t)GC_ATTACHMENTS_MAX_PER_ITEM, "max_size",
				   size_label(req, (json_int_t)req->server->config.max_upload_bytes));
	if (!upload || json_object_set_new(model, "attachment_upload", upload))
		return GC_ENOMEM;
	return GC_OK;
}

/* --- common checks ----------------------------------------------------------------------------- */

static int64_t path_int(const struct gc_request *req, size_t at)
{
	const char *s = req->path_params[at];
	int64_t v = 0;
	if (!s || gc_parse_i64(s, strlen(s), 1, INT64_MAX, &v) != GC_OK)
		return 0;
	return v;
}

/* The policy of the path as the caller sees it: GC_EHTTP (404) when it may not see it. */
static gc_status visible_policy(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id,
				struct gc_item_envelope *env)
{
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(ctx, id, req->arena, env);
	if (st == GC_OK && strcmp(env->module, POLICIES_MODULE) != 0)
		st = GC_ENOTFOUND;
	return st == GC_OK ? GC_OK : gc_req_fail_status(req, st, NULL, NULL);
}

/* A write by someone who may not edit: 404 like a missing thing, 403 for the owner's readers (docs/policies.md). */
static gc_status refuse_write(struct gc_request *req, const struct gc_item_envelope *env)
{
	const struct gc_principal *p = req->principal;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (p->role == GC_ROLE_READER && p->org_id == env->owner_org)
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	return gc_fail_not_found(req);
}

/*
 * A refused upload: the API gets status and the field; a page is the policy
 * again with the message beside the file input.
 */
static gc_status upload_invalid(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx, int64_t id,
				int status, const char *code, const char *key, const char *field)
{
	if (req->is_api)
		return gc_fail(req, status, code, key, field);
	json_t *model = NULL;
	gc_status st = policies_item_model(req, ctx, id, NULL, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = gc_view_page(req, view, "policies/show", NULL);
	if (st != GC_OK) {
		json_decref(model);
		return st;
	}
	json_decref(view->model);
	view->model = model;
	view->status = status;
	view->title = json_string_value(json_object_get(json_object_get(model, "text"), "title"));
	json_t *upload = json_object_get(model, "attachment_upload");
	if (upload && json_object_set_new(upload, field && strcmp(field, "lang") == 0 ? "error_lang" : "error_file",
					  json_string(gc_req_tr(req, key))))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status policies_attachments_snapshot(struct gc_db *db, int64_t id, json_t *content)
{
	json_t *files = NULL;
	gc_status st = gc_attachment_list(db, id, &files);
	if (st != GC_OK)
		return st;
	size_t i;
	json_t *row;
	json_array_foreach(files, i, row) {
		json_object_del(row, "text_status");
		json_object_del(row, "text_error");
		json_object_del(row, "created_by");
	}
	return json_object_set_new(content, "attachments", files) ? GC_ENOMEM : GC_OK;
}

/* The content of the policy with its files, for the version's snapshot. */
static gc_status snapshot_content(struct gc_request *req, struct gc_db *db, int64_t id, json_t **out)
{
	struct policies_content c;
	*out = NULL;
	gc_status st = policies_content_read(req, db, id, &c);
	if (st != GC_OK)
		return st;
	json_t *content = policies_content_json(&c);
	st = content ? policies_attachments_snapshot(db, id, content) : GC_ENOMEM;
	if (st != GC_OK) {
		json_decref(content);
		return st;
	}
	*out = content;
	return GC_OK;
}

/* The item's edit around a change of its files: version, audit, review, snapshot, search. */
static gc_status record_change(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, int64_t version)
{
	json_t *content = NULL;
	gc_status st = snapshot_content(req, ctx->db, id, &content);
	if (st != GC_OK)
		return st;
	struct gc_item_edit edit = { .fields = 0, .content = content };
	st = gc_item_update(ctx, id, version, &edit);
	json_decref(content);
	if (st == GC_OK)
		st = policies_reindex(ctx->db, id);
	return st;
}

static int64_t form_version(struct gc_request *req, int64_t current, bool *bad)
{
	const char *v = gc_form(req, "version");
	int64_t out = current;
	*bad = false;
	if (v && v[0] && gc_parse_i64(v, strlen(v), 1, INT64_MAX, &out) != GC_OK)
		*bad = true;
	return out;
}

/* --- GET /policies/{id}/attachments ------------------------------------------------------------- */

gc_status policies_attachment_list(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	int64_t id = path_int(req, 0);
	gc_status st = visible_policy(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	st = gc_view_page(req, view, "policies/show", NULL);
	if (st != GC_OK)
		return st;
	return policies_attachments_model(req, ctx.db, id, gc_policy_can_edit(req->principal, &env), env.version,
					  view->model);
}

/* --- GET /policies/{id}/attachments/{aid} --------------------------------------------------------- */

gc_status policies_attachment_get(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	json_t *row = NULL;
	int64_t id = path_int(req, 0), aid = path_int(req, 1);
	gc_status st = visible_policy(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	if (!aid)
		return gc_fail_not_found(req);
	st = gc_attachment_get(ctx.db, id, aid, &row);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = gc_view_stored_file(req, view, gc_attachments_data_dir(), json_string_value(json_object_get(row, "sha256")),
				 json_string_value(json_object_get(row, "media_type")),
				 json_string_value(json_object_get(row, "filename")), aid);
	json_decref(row);
	return st;
}

/* --- POST /policies/{id}/attachments ---------------------------------------------------------------- */

gc_status policies_attachment_upload(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	int64_t id = path_int(req, 0), aid = 0, count = 0;
	char sha[GC_SHA256_HEX], name[GC_FILES_MAX_NAME + 1];
	const char *media = NULL;
	bool bad_version = false;
	gc_status st = visible_policy(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	/* Someone else's item answers like a missing one, whatever the body (SECURITY.md Z4). */
	if (!gc_policy_can_edit(p, &env))
		return refuse_write(req, &env);

	const struct gc_upload *file = gc_form_file(req, "file");
	const char *lang = gc_form(req, "lang");
	int64_t version = form_version(req, env.version, &bad_version);
	if (bad_version)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_version", "version");
	if (lang && lang[0] && !gc_lang_find(lang))
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_lang", "lang");
	lang = lang && lang[0] ? gc_lang_find(lang) : (req->lang ? req->lang : GC_LANG_DEFAULT);
	if (req->body_kind != GC_BODY_MULTIPART || !file || file->len == 0)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_file", "file");
	if (req->n_files > 1)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_one_file", "file");

	/* What the file is, by its bytes (the one check of store/files.h). */
	enum gc_files_verdict verdict;
	st = gc_files_accept(file->data, file->len, file->filename, file->content_type, &media, name, &verdict);
	if (st != GC_OK)
		return st;
	if (verdict == GC_FILES_UNSUPPORTED)
		return upload_invalid(req, view, &ctx, id, 415, "unsupported_media_type", "attachments.error_type", "file");
	if (verdict == GC_FILES_DISGUISED)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_disguised", "file");
	if (verdict == GC_FILES_ACTIVE)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_active", "file");

	st = gc_attachment_count(ctx.db, id, &count);
	if (st != GC_OK)
		return st;
	if (count >= GC_ATTACHMENTS_MAX_PER_ITEM)
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_too_many", "file");

	/* The bytes first: a row never names a file that is not there. */
	st = gc_files_put(gc_attachments_data_dir(), file->data, file->len, sha);
	if (st != GC_OK)
		return st;

	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	/* Counted again under the write lock: two uploads at once cannot pass the limit together. */
	st = gc_attachment_count(ctx.db, id, &count);
	if (st == GC_OK && count >= GC_ATTACHMENTS_MAX_PER_ITEM) {
		gc_db_rollback(ctx.db);
		return upload_invalid(req, view, &ctx, id, 422, "invalid_field", "attachments.error_too_many", "file");
	}
	struct gc_attachment_new row = {
		.item_id = id,
		.lang = lang,
		.filename = name,
		.media_type = media,
		.size = (int64_t)file->len,
		.sha256 = sha,
		.created_by = p->user_id,
		.created_at = now,
	};
	if (st == GC_OK)
		st = gc_attachment_add(ctx.db, &row, &aid);
	if (st == GC_OK) {
		json_t *payload = json_pack("{s:I}", "attachment_id", (json_int_t)aid);
		st = payload ? gc_jobs_enqueue(ctx.db, POLICIES_ATTACHMENT_JOB, payload, 0, NULL) : GC_ENOMEM;
		json_decref(payload);
	}
	if (st == GC_OK)
		st = record_change(req, &ctx, id, version);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(ctx.db))
			gc_db_rollback(ctx.db);
		return gc_req_fail_status(req, st, NULL, NULL);
	}

	json_t *model = NULL;
	st = gc_attachment_get(ctx.db, id, aid, &model);
	if (st == GC_OK)
		st = decorate(req, id, model, true);
	if (st != GC_OK) {
		json_decref(model);
		return st;
	}
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = 201;
	view->location = gc_arena_printf(req->arena, "/policies/%lld", (long long)id);
	if (!view->location)
		return GC_ENOMEM;
	if (req->is_api)
		return gc_add_header(req, "Location", json_string_value(json_object_get(model, "href")));
	return GC_OK;
}

/* --- POST /policies/{id}/attachments/{aid}/remove, DELETE /policies/{id}/attachments/{aid} ------------------ */

gc_status policies_attachment_remove(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	bool bad_version = false;
	int64_t id = path_int(req, 0), aid = path_int(req, 1);
	gc_status st = visible_policy(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	if (!gc_policy_can_edit(req->principal, &env))
		return refuse_write(req, &env);
	if (!aid)
		return gc_fail_not_found(req);
	int64_t version = form_version(req, env.version, &bad_version);
	if (bad_version)
		return gc_fail(req, 422, "invalid_field", "attachments.error_version", "version");
	st = gc_db_begin_write(ctx.db);
	if (st == GC_OK)
		st = gc_attachment_remove(ctx.db, id, aid);
	if (st == GC_OK)
		st = record_change(req, &ctx, id, version);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(ctx.db))
			gc_db_rollback(ctx.db);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = json_pack("{s:I, s:I, s:b}", "id", (json_int_t)aid, "item_id", (json_int_t)id, "removed", 1);
	view->location = gc_arena_printf(req->arena, "/policies/%lld", (long long)id);
	return view->model && view->location ? GC_OK : GC_ENOMEM;
}
