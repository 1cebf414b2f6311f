/*
 * Creating and editing events, needs and offers: POST /calendar, /needs,
 * /offers and POST <path>/{id}. The content, its tags, the envelope
 * (auth/items.c joins our transaction), the search documents and the audit
 * record commit together or not at all. Every change raises the entry's
 * sequence, which the iCalendar feed gives as SEQUENCE.
 */
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/log.h"
#include "modules/capacity/capacity.h"
#include "store/search.h"

/* --- reading -------------------------------------------------------------------------------------- */

gc_status capacity_row_read(struct gc_request *req, struct gc_db *db, int64_t id, const struct capacity_kind *k,
			    struct capacity_row *row)
{
	json_t *r = NULL;
	memset(row, 0, sizeof(*row));
	gc_status st = gc_db_query_one(db,
				       "SELECT e.entry_kind AS entry_kind, e.entry_status AS entry_status,"
				       " e.starts_at AS starts_at, e.ends_at AS ends_at, e.sequence AS sequence,"
				       " e.content AS content, i.country AS country"
				       " FROM capacity_entries e JOIN items i ON i.id = e.item_id WHERE e.item_id = ?",
				       GC_PARAMS(GC_INT(id)), &r);
	if (st != GC_OK)
		return st;
	row->kind = capacity_kind_of(json_string_value(json_object_get(r, "entry_kind")));
	if (!row->kind || (k && row->kind != k)) {
		json_decref(r);
		return GC_ENOTFOUND;
	}
	const char *s;
	row->status = (s = json_string_value(json_object_get(r, "entry_status"))) ? gc_arena_strdup(req->arena, s) : NULL;
	row->starts_at = (s = json_string_value(json_object_get(r, "starts_at"))) ? gc_arena_strdup(req->arena, s) : NULL;
	row->ends_at = (s = json_string_value(json_object_get(r, "ends_at"))) ? gc_arena_strdup(req->arena, s) : NULL;
	row->country = (s = json_string_value(json_object_get(r, "country"))) ? gc_arena_strdup(req->arena, s) : NULL;
	row->sequence = json_integer_value(json_object_get(r, "sequence"));
	s = json_string_value(json_object_get(r, "content"));
	row->content = s ? json_loads(s, 0, NULL) : NULL;
	json_decref(r);
	if (!json_is_object(row->content)) {
		json_decref(row->content);
		row->content = NULL;
		return GC_EDB;
	}
	return GC_OK;
}

const json_t *capacity_text(const json_t *content, const char *lang)
{
	const json_t *texts = json_object_get(content, "texts");
	size_t i;
	json_t *t;
	json_array_foreach(texts, i, t)
		if (lang && strcmp(json_string_value(json_object_get(t, "lang")), lang) == 0)
			return t;
	return json_array_get(texts, 0);
}

/* --- storing ----------------------------------------------------------------------------------------- */

static gc_status put_tag(struct gc_db *db, int64_t id, const char *tag, const char *value)
{
	/* A value may come twice (a region that is both a subregion and an intermediate one): keep one. */
	int64_t n = 0;
	gc_status st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM capacity_tags WHERE item_id = ? AND tag = ? AND value = ?",
				       GC_PARAMS(GC_INT(id), GC_TEXT(tag), GC_TEXT(value)), &n);
	if (st == GC_OK && n == 0)
		st = gc_db_exec(db, "INSERT INTO capacity_tags (item_id, tag, value) VALUES (?, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(tag), GC_TEXT(value)), NULL);
	return st;
}

/* The starting and ending columns: an event's UTC times, a need's or offer's dates. */
static gc_status times_of(const struct capacity_kind *k, const json_t *c, char *starts, char *ends, char *day)
{
	starts[0] = ends[0] = day[0] = '\0';
	if (k->entry != CAPACITY_EVENT) {
		const char *from = json_string_value(json_object_get(c, "from"));
		const char *until = json_string_value(json_object_get(c, "until"));
		if (from)
			snprintf(starts, 32, "%s", from);
		if (until)
			snprintf(ends, 32, "%s", until);
		return GC_OK;
	}
	const char *tz = json_string_value(json_object_get(c, "timezone"));
	const char *s = json_string_value(json_object_get(c, "starts"));
	const char *e = json_string_value(json_object_get(c, "ends"));
	int64_t us = 0, ue = 0;
	if (capacity_tz_to_utc(tz, s, &us) != GC_OK || capacity_tz_to_utc(tz, e, &ue) != GC_OK)
		return GC_EDB; /* checked before */
	gc_clock_format_iso8601(us, starts, 32);
	gc_clock_format_iso8601(ue, ends, 32);
	snprintf(day, 11, "%.10s", s);
	return GC_OK;
}

static gc_status content_store(struct gc_item_ctx *ctx, const struct capacity_kind *k, int64_t id, int64_t owner,
			       const char *country, const json_t *c, bool create)
{
	char starts[32], ends[32], day[16];
	char *text = json_dumps(c, JSON_COMPACT);
	gc_status st = text ? times_of(k, c, starts, ends, day) : GC_ENOMEM;
	const char *status = json_string_value(json_object_get(c, k->status_field));
	const char *eligibility = json_string_value(json_object_get(c, "eligibility"));
	if (!status)
		status = k->statuses[0];
	if (!eligibility)
		eligibility = "all";
	struct gc_val vs = starts[0] ? GC_TEXT(starts) : GC_NULL, ve = ends[0] ? GC_TEXT(ends) : GC_NULL,
		      vd = day[0] ? GC_TEXT(day) : GC_NULL;
	const json_t *contact = json_object_get(c, "contact");
	struct gc_val vc = json_is_integer(contact) ? GC_INT((int64_t)json_integer_value(contact)) : GC_NULL;
	if (st == GC_OK && create)
		st = gc_db_exec(ctx->db,
				"INSERT INTO capacity_entries (item_id, entry_kind, entry_status, starts_at, ends_at,"
				" local_day, eligibility, sequence, content, contact_item_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(k->name), GC_TEXT(status), vs, ve, vd, GC_TEXT(eligibility),
					  GC_TEXT(text), vc),
				NULL);
	else if (st == GC_OK)
		st = gc_db_exec(ctx->db,
				"UPDATE capacity_entries SET entry_status = ?, starts_at = ?, ends_at = ?, local_day = ?,"
				" eligibility = ?, sequence = sequence + 1, content = ?, contact_item_id = ? WHERE item_id = ?",
				GC_PARAMS(GC_TEXT(status), vs, ve, vd, GC_TEXT(eligibility), GC_TEXT(text), vc, GC_INT(id)), NULL);
	free(text);
	if (st == GC_OK && !create)
		st = gc_db_exec(ctx->db, "DELETE FROM capacity_tags WHERE item_id = ?", GC_PARAMS(GC_INT(id)), NULL);
	for (size_t i = 0; st == GC_OK && i < k->n_fields; i++) {
		const struct capacity_field *f = &k->fields[i];
		const json_t *v = json_object_get(c, f->name);
		if (!f->tag || !v)
			continue;
		if (json_is_string(v)) {
			st = put_tag(ctx->db, id, f->tag, json_string_value(v));
			continue;
		}
		size_t j;
		json_t *e;
		json_array_foreach(v, j, e) {
			char num[24];
			const char *value = json_string_value(e);
			if (json_is_integer(e)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(e));
				value = num;
			}
			if (value && st == GC_OK)
				st = put_tag(ctx->db, id, f->tag, value);
		}
	}
	/* An offer's provider is its owner; a need's home is its state and that state's regions. */
	if (st == GC_OK && k->entry == CAPACITY_OFFER) {
		char num[24];
		snprintf(num, sizeof(num), "%lld", (long long)owner);
		st = put_tag(ctx->db, id, "provider", num);
	}
	if (st == GC_OK && k->entry == CAPACITY_NEED && country) {
		json_t *r = NULL;
		st = put_tag(ctx->db, id, "home_state", country);
		if (st == GC_OK)
			st = gc_db_query_one(ctx->db,
					     "SELECT region AS region, subregion AS subregion, intermediate AS intermediate"
					     " FROM countries WHERE iso3 = ?",
					     GC_PARAMS(GC_TEXT(country)), &r);
		const char *const cols[] = { "region", "subregion", "intermediate" };
		for (size_t i = 0; st == GC_OK && i < 3; i++) {
			const char *code = json_string_value(json_object_get(r, cols[i]));
			if (code)
				st = put_tag(ctx->db, id, "home_region", code);
		}
		if (st == GC_ENOTFOUND)
			st = GC_OK;
		json_decref(r);
	}
	return st;
}

/* One search document per language, with the envelope as it is now (read inside the transaction). */
static gc_status content_index(struct gc_item_ctx *ctx, struct gc_arena *arena, const struct capacity_kind *k,
			       int64_t id, const char *country, const json_t *c)
{
	struct gc_item_envelope env;
	gc_status st = gc_item_get(ctx, id, arena, &env);
	if (st != GC_OK)
		return st == GC_ENOTFOUND ? GC_EDB : st;
	st = gc_search_delete(ctx->db, CAPACITY_MODULE, id);
	const char *url = gc_arena_printf(arena, "%s/%lld", k->path, (long long)id);
	if (!url)
		return GC_ENOMEM;
	const char *starts = json_string_value(json_object_get(c, k->entry == CAPACITY_EVENT ? "starts" : "from"));
	int year = starts ? (starts[0] - '0') * 1000 + (starts[1] - '0') * 100 + (starts[2] - '0') * 10 + (starts[3] - '0')
			  : 0;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(c, "texts"), i, t) {
		if (st != GC_OK)
			break;
		struct gc_search_doc doc = {
			.module = CAPACITY_MODULE,
			.item_id = id,
			.lang = json_string_value(json_object_get(t, "lang")),
			.title = json_string_value(json_object_get(t, "title")),
			.body = json_string_value(json_object_get(t, "description")),
			.url = url,
			.country = country,
			.kind = k->name,
			.year = year,
			.visibility = gc_visibility_name(env.visibility),
			.status = gc_item_status_name(env.status),
			.owner_org = env.owner_org,
		};
		st = gc_search_put(ctx->db, &doc);
	}
	return st;
}

gc_status capacity_content_save(struct gc_item_ctx *ctx, struct gc_arena *arena, const struct capacity_kind *k, int64_t id,
				int64_t owner, const char *country, const json_t *content, bool create)
{
	gc_status st = content_store(ctx, k, id, owner, country, content, create);
	return st == GC_OK ? content_index(ctx, arena, k, id, country, content) : st;
}

/* --- checks that need the database ---------------------------------------------------------------------- */

static gc_status check_refs(struct gc_request *req, struct gc_db *db, const json_t *c, struct capacity_input *in)
{
	static const struct {
		const char *field;
		const char *sql;
	} refs[] = {
		{ "providers", "SELECT COUNT(*) AS n FROM organisations WHERE id = ? AND status = 'active'" },
		{ "eligible_regions", "SELECT COUNT(*) AS n FROM regions WHERE code = ?" },
		{ "eligible_states", "SELECT COUNT(*) AS n FROM countries WHERE iso3 = ?" },
	};
	for (size_t r = 0; r < GC_ARRAY_LEN(refs); r++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(c, refs[r].field), i, e) {
			int64_t n = 0;
			struct gc_val v = json_is_integer(e) ? GC_INT(json_integer_value(e)) : GC_TEXT(json_string_value(e));
			gc_status st = gc_db_query_int(db, refs[r].sql, &v, 1, &n);
			if (st != GC_OK)
				return st;
			if (n == 0) {
				st = capacity_input_error(req, in, refs[r].field,
							  gc_arena_printf(req->arena, "capacity.error_%s", refs[r].field));
				if (st != GC_OK)
					return st;
				break;
			}
		}
	}
	return GC_OK;
}

/* --- answers ----------------------------------------------------------------------------------------------- */

static gc_status refuse(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, gc_status st)
{
	const struct gc_principal *p = req->principal;
	if (st == GC_ENOTFOUND && id == 0)
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	if (st == GC_ENOTFOUND && p && p->role == GC_ROLE_READER) {
		struct gc_item_envelope env;
		if (gc_item_get(ctx, id, req->arena, &env) == GC_OK && env.owner_org == p->org_id)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	}
	return gc_req_fail_status(req, st, NULL, NULL);
}

static const char *items_field(const char *field)
{
	if (!field || strcmp(field, "content") == 0)
		return "texts";
	if (strcmp(field, "languages") == 0)
		return "lang";
	return field;
}

static gc_status answer_invalid(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx,
				const struct capacity_kind *k, struct capacity_input *in, int64_t id)
{
	if (req->is_api)
		return gc_fail(req, 422, "invalid_field", in->first_key ? in->first_key : "error.invalid_field",
			       in->first_error);
	const char *tmpl = gc_arena_printf(req->arena, "%s_form", k->tmpl);
	const char *title = gc_arena_printf(req->arena, "capacity.%s_%s_title", k->name, id ? "edit" : "new");
	gc_status st = tmpl && title ? gc_view_page(req, view, tmpl, title) : GC_ENOMEM;
	if (st != GC_OK)
		return st;
	view->status = 422;
	if (json_object_set_new(view->model, "id", id ? json_integer((json_int_t)id) : json_null()) ||
	    json_object_set_new(view->model, "is_edit", json_boolean(id != 0)) ||
	    json_object_set_new(view->model, "has_errors", json_true()))
		return GC_ENOMEM;
	return capacity_form_model(req, ctx, k, view->model, in->echo, in->errors);
}

static gc_status answer_entry(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx,
			      const struct capacity_kind *k, int64_t id, int status)
{
	json_t *model = NULL;
	gc_status st = capacity_item_model(req, ctx, k, id, &model);
	if (st != GC_OK)
		return st == GC_ENOTFOUND ? gc_fail_not_found(req) : st;
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = status;
	view->location = gc_arena_printf(req->arena, "%s/%lld", k->path, (long long)id);
	if (!view->location)
		return GC_ENOMEM;
	if (req->is_api && status == 201)
		return gc_add_header(req, "Location", view->location);
	return GC_OK;
}

/* Puts the text of in->one into texts (the language's text replaced, or a new one). */
static gc_status merge_one(struct gc_request *req, struct capacity_input *in, json_t *texts)
{
	if (!in->one)
		return GC_OK;
	const char *lang = json_string_value(json_object_get(in->one, "lang"));
	if (!lang)
		lang = in->edit ? json_string_value(json_object_get(json_array_get(texts, 0), "lang"))
				: (req->lang ? req->lang : GC_LANG_DEFAULT);
	size_t i;
	json_t *t;
	json_array_foreach(texts, i, t) {
		if (strcmp(json_string_value(json_object_get(t, "lang")), lang) != 0)
			continue;
		if (json_object_get(in->one, "title") && json_object_set(t, "title", json_object_get(in->one, "title")))
			return GC_ENOMEM;
		if (json_object_get(in->one, "description") &&
		    json_object_set(t, "description", json_object_get(in->one, "description")))
			return GC_ENOMEM;
		return GC_OK;
	}
	if (!json_object_get(in->one, "title"))
		return capacity_input_error(req, in, "title", "capacity.error_title");
	if (json_array_size(texts) >= CAPACITY_MAX_TEXTS)
		return capacity_input_error(req, in, "lang", "capacity.error_lang");
	const char *d = json_string_value(json_object_get(in->one, "description"));
	/* The form's (or shorthand's) text comes first at creation: it is the reference title. */
	json_t *t2 = json_pack("{s:s, s:O, s:s}", "lang", lang, "title", json_object_get(in->one, "title"), "description",
			       d ? d : "");
	if (!t2)
		return GC_ENOMEM;
	return (in->edit ? json_array_append_new(texts, t2) : json_array_insert_new(texts, 0, t2)) ? GC_ENOMEM : GC_OK;
}

/* --- POST <path> ------------------------------------------------------------------------------------------------ */

static gc_status create(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	const struct gc_principal *p = req->principal;
	struct capacity_input in;
	struct gc_item_ctx ctx;
	json_t *content = NULL;
	int64_t id = 0;
	bool open = false;
	gc_status st;

	memset(&in, 0, sizeof(in));
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = capacity_input_read(req, k, false, &in);
	if (st != GC_OK)
		goto out;
	if (!gc_policy_can_create(p, CAPACITY_MODULE, 0) && !gc_policy_can_create(p, CAPACITY_MODULE, in.acting_for_org)) {
		st = refuse(req, &ctx, 0, GC_ENOTFOUND);
		goto out;
	}
	content = json_deep_copy(in.content);
	json_t *texts = in.texts ? json_deep_copy(in.texts) : json_array();
	if (!content || !texts || json_object_set_new(content, "texts", texts)) {
		st = GC_ENOMEM;
		goto out;
	}
	st = merge_one(req, &in, texts);
	if (st == GC_OK)
		st = capacity_input_check_content(req, k, content, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, k, &in, 0);
		goto out;
	}
	int64_t owner = in.acting_for_org ? in.acting_for_org : p->org_id;
	/* An event's providers: as given, else its owner. */
	if (k->entry == CAPACITY_EVENT && json_array_size(json_object_get(content, "providers")) == 0 &&
	    json_object_set_new(content, "providers", json_pack("[I]", (json_int_t)owner))) {
		st = GC_ENOMEM;
		goto out;
	}

	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	open = true;
	const char *country = NULL;
	if (k->entry == CAPACITY_NEED) {
		json_t *row = NULL;
		st = gc_db_query_one(ctx.db, "SELECT country AS country, kind AS kind FROM organisations WHERE id = ?",
				     GC_PARAMS(GC_INT(owner)), &row);
		if (st == GC_OK) {
			const char *c = json_string_value(json_object_get(row, "country"));
			country = c ? gc_arena_strdup(req->arena, c) : NULL;
		}
		json_decref(row);
		if (st == GC_ENOTFOUND)
			st = GC_OK; /* auth/items.c names acting_for_org */
		if (st != GC_OK)
			goto out;
		/* Needs are a state's: only states post them. */
		if (!country && st == GC_OK && (!in.acting_for_org || in.acting_for_org == p->org_id)) {
			gc_db_rollback(ctx.db);
			open = false;
			st = gc_fail(req, 403, "forbidden", "capacity.error_need_state", NULL);
			goto out;
		}
		if (!country)
			st = capacity_input_error(req, &in, "acting_for_org", "capacity.error_need_state");
	}
	if (st == GC_OK)
		st = check_refs(req, ctx.db, content, &in);
	if (st == GC_OK)
		st = capacity_contact_check(req, &ctx, content, owner, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		gc_db_rollback(ctx.db);
		open = false;
		st = answer_invalid(req, view, &ctx, k, &in, 0);
		goto out;
	}
	const json_t *all = json_object_get(content, "texts");
	const char *languages[CAPACITY_MAX_TEXTS];
	for (size_t i = 0; i < json_array_size(all); i++)
		languages[i] = json_string_value(json_object_get(json_array_get(all, i), "lang"));
	struct gc_item_new item = {
		.module = CAPACITY_MODULE,
		.title = json_string_value(json_object_get(json_array_get(all, 0), "title")),
		.country = country,
		.languages = languages,
		.n_languages = json_array_size(all),
		.visibility = in.visibility,
		.shares = in.shares,
		.n_shares = in.n_shares,
		.draft = in.draft,
		.acting_for_org = in.acting_for_org,
		.content = content,
	};
	st = gc_item_create(&ctx, &item, &id);
	if (st != GC_OK) {
		open = false;
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = capacity_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "capacity.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, k, &in, 0);
		} else {
			st = refuse(req, &ctx, 0, st);
		}
		goto out;
	}
	st = content_store(&ctx, k, id, owner, country, content, true);
	if (st == GC_OK)
		st = content_index(&ctx, req->arena, k, id, country, content);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK)
		goto out;
	open = false;
	st = answer_entry(req, view, &ctx, k, id, 201);
out:
	if (open && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	json_decref(content);
	capacity_input_free(&in);
	return st;
}

/* --- POST <path>/{id} --------------------------------------------------------------------------------------------- */

static gc_status update(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	const struct gc_principal *p = req->principal;
	int64_t id = capacity_path_id(req);
	struct capacity_input in;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct capacity_row row;
	bool open = false;
	gc_status st;

	memset(&in, 0, sizeof(in));
	memset(&row, 0, sizeof(row));
	if (!id)
		return gc_fail_not_found(req);
	st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, CAPACITY_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = capacity_row_read(req, ctx.db, id, k, &row);
	if (st != GC_OK)
		goto fail;
	if (!gc_policy_can_edit(p, &env)) {
		st = refuse(req, &ctx, id, GC_ENOTFOUND);
		goto out;
	}
	st = capacity_input_read(req, k, true, &in);
	if (st != GC_OK)
		goto out;
	/* What the request gives replaces what there was. */
	json_t *content = row.content;
	if (json_object_update(content, in.content) ||
	    (in.texts && json_object_set(content, "texts", in.texts))) {
		st = GC_ENOMEM;
		goto out;
	}
	st = merge_one(req, &in, json_object_get(content, "texts"));
	if (st == GC_OK)
		st = capacity_input_check_content(req, k, content, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, k, &in, id);
		goto out;
	}
	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	open = true;
	st = check_refs(req, ctx.db, content, &in);
	if (st == GC_OK)
		st = capacity_contact_check(req, &ctx, content, env.owner_org, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		gc_db_rollback(ctx.db);
		open = false;
		st = answer_invalid(req, view, &ctx, k, &in, id);
		goto out;
	}
	const json_t *all = json_object_get(content, "texts");
	const char *languages[CAPACITY_MAX_TEXTS];
	for (size_t i = 0; i < json_array_size(all); i++)
		languages[i] = json_string_value(json_object_get(json_array_get(all, i), "lang"));
	struct gc_item_edit edit = {
		.fields = GC_ITEM_SET_TITLE | GC_ITEM_SET_LANGUAGES,
		.title = json_string_value(json_object_get(json_array_get(all, 0), "title")),
		.languages = languages,
		.n_languages = json_array_size(all),
		.content = content,
		.note = in.note,
	};
	st = gc_item_update(&ctx, id, in.version, &edit);
	if (st != GC_OK) {
		open = false;
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = capacity_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "capacity.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, k, &in, id);
		} else {
			st = refuse(req, &ctx, id, st);
		}
		goto out;
	}
	st = content_store(&ctx, k, id, env.owner_org, row.country, content, false);
	if (st == GC_OK)
		st = content_index(&ctx, req->arena, k, id, row.country, content);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK)
		goto out;
	open = false;
	st = answer_entry(req, view, &ctx, k, id, 200);
	goto out;
fail:
	st = gc_req_fail_status(req, st, NULL, NULL);
out:
	if (open && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	json_decref(row.content);
	capacity_input_free(&in);
	return st;
}

gc_status capacity_event_create(struct gc_request *req, struct gc_view *view)
{
	return create(req, view, &capacity_events);
}
gc_status capacity_need_create(struct gc_request *req, struct gc_view *view)
{
	return create(req, view, &capacity_needs);
}
gc_status capacity_offer_create(struct gc_request *req, struct gc_view *view)
{
	return create(req, view, &capacity_offers);
}
gc_status capacity_event_update(struct gc_request *req, struct gc_view *view)
{
	return update(req, view, &capacity_events);
}
gc_status capacity_need_update(struct gc_request *req, struct gc_view *view)
{
	return update(req, view, &capacity_needs);
}
gc_status capacity_offer_update(struct gc_request *req, struct gc_view *view)
{
	return update(req, view, &capacity_offers);
}
