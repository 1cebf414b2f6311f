/*
 * Creating and editing a policy: POST /policies and POST /policies/{id}.
 * The content, the envelope (auth/items.c joins our transaction), the
 * search documents and the audit record commit together or not at all.
 */
#include <string.h>

#include "auth/principal.h"
#include "base/log.h"
#include "modules/policies/policies.h"
#include "store/attachments.h"
#include "store/search.h"

/* --- content in the database ---------------------------------------------------------------- */

static const char *arena_copy(struct gc_arena *arena, const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s ? gc_arena_strdup(arena, s) : NULL;
}

static const char *arena_str(struct gc_request *req, const json_t *row, const char *key)
{
	return arena_copy(req->arena, row, key);
}

gc_status policies_content_read(struct gc_request *req, struct gc_db *db, int64_t id, struct policies_content *c)
{
	return policies_content_read_in(req->arena, db, id, c);
}

gc_status policies_content_read_in(struct gc_arena *arena, struct gc_db *db, int64_t id, struct policies_content *c)
{
	json_t *row = NULL, *texts = NULL, *topics = NULL;
	memset(c, 0, sizeof(*c));
	gc_status st = gc_db_query_one(db,
				       "SELECT p.kind AS kind, p.policy_status AS policy_status, p.adopted AS adopted,"
				       " p.source_url AS source_url, p.supersedes AS supersedes, p.topics AS topics,"
				       " i.country AS country FROM policies p JOIN items i ON i.id = p.item_id"
				       " WHERE p.item_id = ?",
				       GC_PARAMS(GC_INT(id)), &row);
	if (st == GC_OK)
		st = gc_db_query(db,
				 "SELECT lang AS lang, title AS title, summary AS summary FROM policy_texts"
				 " WHERE item_id = ? ORDER BY position LIMIT ?",
				 GC_PARAMS(GC_INT(id), GC_INT(POLICIES_MAX_TEXTS)), &texts);
	if (st != GC_OK)
		goto out;
	c->kind = arena_copy(arena, row, "kind");
	c->policy_status = arena_copy(arena, row, "policy_status");
	c->adopted = arena_copy(arena, row, "adopted");
	c->source_url = arena_copy(arena, row, "source_url");
	c->country = arena_copy(arena, row, "country");
	c->supersedes = json_integer_value(json_object_get(row, "supersedes"));
	topics = json_loads(json_string_value(json_object_get(row, "topics")) ? json_string_value(json_object_get(row, "topics"))
									      : "[]",
			    0, NULL);
	size_t i;
	json_t *e;
	json_array_foreach(topics, i, e) {
		if (c->n_topics == POLICIES_MAX_TOPICS || !json_is_string(e))
			break;
		c->topics[c->n_topics++] = gc_arena_strdup(arena, json_string_value(e));
	}
	json_array_foreach(texts, i, e) {
		c->texts[i] = (struct policies_text){ .lang = arena_copy(arena, e, "lang"),
						      .title = arena_copy(arena, e, "title"),
						      .summary = arena_copy(arena, e, "summary") };
		if (!c->texts[i].summary)
			c->texts[i].summary = "";
	}
	c->n_texts = json_array_size(texts);
	st = (!c->kind || !c->policy_status || c->n_texts == 0) ? GC_EDB : GC_OK;
out:
	json_decref(row);
	json_decref(texts);
	json_decref(topics);
	return st;
}

json_t *policies_content_json(const struct policies_content *c)
{
	json_t *texts = json_array(), *topics = json_array();
	for (size_t i = 0; texts && i < c->n_texts; i++) {
		if (json_array_append_new(texts, json_pack("{s:s, s:s, s:s}", "lang", c->texts[i].lang, "title",
							   c->texts[i].title, "summary", c->texts[i].summary))) {
			json_decref(texts);
			texts = NULL;
		}
	}
	for (size_t i = 0; topics && i < c->n_topics; i++) {
		if (json_array_append_new(topics, json_string(c->topics[i]))) {
			json_decref(topics);
			topics = NULL;
		}
	}
	return json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o, s:o}", "kind", c->kind, "policy_status", c->policy_status,
			 "adopted", c->adopted, "source_url", c->source_url, "supersedes",
			 c->supersedes ? json_integer((json_int_t)c->supersedes) : json_null(), "topics", topics, "texts",
			 texts);
}

static gc_status topics_text(const struct policies_content *c, char **out)
{
	json_t *topics = json_array();
	for (size_t i = 0; topics && i < c->n_topics; i++) {
		if (json_array_append_new(topics, json_string(c->topics[i]))) {
			json_decref(topics);
			topics = NULL;
		}
	}
	*out = topics ? json_dumps(topics, JSON_COMPACT) : NULL;
	json_decref(topics);
	return *out ? GC_OK : GC_ENOMEM;
}

/* Writes the content of item id: a new row (create) or a replacement. */
static gc_status content_store(struct gc_db *db, int64_t id, const struct policies_content *c, bool create)
{
	char *topics = NULL;
	int64_t year = 0;
	gc_status st = topics_text(c, &topics);
	if (st != GC_OK)
		return st;
	if (c->adopted)
		year = (c->adopted[0] - '0') * 1000 + (c->adopted[1] - '0') * 100 + (c->adopted[2] - '0') * 10 +
		       (c->adopted[3] - '0');
	struct gc_val year_val = c->adopted ? GC_INT(year) : GC_NULL;
	struct gc_val supersedes = c->supersedes ? GC_INT(c->supersedes) : GC_NULL;
	if (create)
		st = gc_db_exec(db,
				"INSERT INTO policies (item_id, kind, policy_status, adopted, adopted_year, source_url,"
				" supersedes, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(c->kind), GC_TEXT(c->policy_status),
					  GC_TEXT_OR_NULL(c->adopted), year_val, GC_TEXT_OR_NULL(c->source_url), supersedes,
					  GC_TEXT(topics)),
				NULL);
	else
		st = gc_db_exec(db,
				"UPDATE policies SET kind = ?, policy_status = ?, adopted = ?, adopted_year = ?,"
				" source_url = ?, supersedes = ?, topics = ? WHERE item_id = ?",
				GC_PARAMS(GC_TEXT(c->kind), GC_TEXT(c->policy_status), GC_TEXT_OR_NULL(c->adopted), year_val,
					  GC_TEXT_OR_NULL(c->source_url), supersedes, GC_TEXT(topics), GC_INT(id)),
				NULL);
	free(topics);
	if (st == GC_OK && !create)
		st = gc_db_exec(db, "DELETE FROM policy_texts WHERE item_id = ?", GC_PARAMS(GC_INT(id)), NULL);
	if (st == GC_OK && !create)
		st = gc_db_exec(db, "DELETE FROM policy_topics WHERE item_id = ?", GC_PARAMS(GC_INT(id)), NULL);
	for (size_t i = 0; st == GC_OK && i < c->n_texts; i++)
		st = gc_db_exec(db,
				"INSERT INTO policy_texts (item_id, lang, position, title, summary) VALUES (?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(c->texts[i].lang), GC_INT((int64_t)i), GC_TEXT(c->texts[i].title),
					  GC_TEXT(c->texts[i].summary)),
				NULL);
	for (size_t i = 0; st == GC_OK && i < c->n_topics; i++)
		st = gc_db_exec(db, "INSERT INTO policy_topics (item_id, topic) VALUES (?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(c->topics[i])), NULL);
	return st;
}

/*
 * One search document per language: a text's title and summary, and the
 * extracted text of the attachments in that language; an attachment in a
 * language the policy has no text in gets a document of its own under the
 * first text's title. The envelope's access fields are given by the caller.
 */
static gc_status index_docs(struct gc_db *db, struct gc_arena *arena, int64_t id, const struct policies_content *c,
			    const char *visibility, const char *status, int64_t owner_org)
{
	json_t *langs = NULL;
	gc_status st = gc_search_delete(db, POLICIES_MODULE, id);
	const char *url = gc_arena_printf(arena, "/policies/%lld", (long long)id);
	if (!url)
		return GC_ENOMEM;
	if (st == GC_OK)
		st = gc_attachment_text_langs(db, id, &langs);
	int year = 0;
	if (c->adopted)
		year = (c->adopted[0] - '0') * 1000 + (c->adopted[1] - '0') * 100 + (c->adopted[2] - '0') * 10 +
		       (c->adopted[3] - '0');
	/* The state's M49 regions, for the search facets (regional frameworks have no state). */
	json_t *regions = NULL;
	if (st == GC_OK && c->country) {
		st = gc_db_query_one(db, "SELECT region, subregion, intermediate FROM countries WHERE iso3 = ?",
				     GC_PARAMS(GC_TEXT(c->country)), &regions);
		if (st == GC_ENOTFOUND)
			st = GC_OK;
	}
	size_t n_docs = c->n_texts;
	const char *doc_langs[POLICIES_MAX_TEXTS + GC_LANG_COUNT];
	for (size_t i = 0; i < c->n_texts; i++)
		doc_langs[i] = c->texts[i].lang;
	size_t k;
	json_t *l;
	json_array_foreach(langs, k, l) {
		bool known = false;
		for (size_t i = 0; i < n_docs; i++)
			known = known || strcmp(doc_langs[i], json_string_value(l)) == 0;
		if (!known && n_docs < GC_ARRAY_LEN(doc_langs))
			doc_langs[n_docs++] = json_string_value(l);
	}
	for (size_t i = 0; st == GC_OK && i < n_docs; i++) {
		struct gc_buf body;
		gc_buf_init(&body, GC_SEARCH_MAX_BODY);
		if (i < c->n_texts)
			gc_buf_str_raw(&body, c->texts[i].summary);
		st = gc_attachment_texts(db, id, doc_langs[i], &body);
		/* What does not fit is cut: the index keeps GC_SEARCH_MAX_BODY bytes anyway. */
		struct gc_search_doc doc = {
			.module = POLICIES_MODULE,
			.item_id = id,
			.lang = doc_langs[i],
			.title = i < c->n_texts ? c->texts[i].title : c->texts[0].title,
			.body = gc_buf_str(&body),
			.url = url,
			.country = c->country,
			.kind = c->kind,
			.year = year,
			.visibility = visibility,
			.status = status,
			.owner_org = owner_org,
			.region = json_string_value(json_object_get(regions, "region")),
			.subregion = json_string_value(json_object_get(regions, "subregion")),
			.intermediate = json_string_value(json_object_get(regions, "intermediate")),
			.topics = c->topics,
			.n_topics = c->n_topics,
		};
		if (st == GC_OK)
			st = gc_search_put(db, &doc);
		gc_buf_free(&body);
	}
	json_decref(langs);
	json_decref(regions);
	return st;
}

/* With the envelope as it is now (read inside the transaction). */
static gc_status content_index(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t id,
			       const struct policies_content *c)
{
	struct gc_item_envelope env;
	gc_status st = gc_item_get(ctx, id, arena, &env);
	if (st != GC_OK)
		return st == GC_ENOTFOUND ? GC_EDB : st; /* the writer always sees what it just wrote */
	return index_docs(ctx->db, arena, id, c, gc_visibility_name(env.visibility), gc_item_status_name(env.status),
			  env.owner_org);
}

gc_status policies_reindex(struct gc_db *db, int64_t id)
{
	struct gc_arena *arena = gc_arena_new((size_t)4 << 20);
	struct policies_content c;
	json_t *row = NULL;
	if (!arena)
		return GC_ENOMEM;
	gc_status st = gc_db_query_one(db,
				       "SELECT visibility AS visibility, status AS status, owner_org AS owner_org"
				       " FROM items WHERE id = ? AND module = 'policies'",
				       GC_PARAMS(GC_INT(id)), &row);
	if (st == GC_OK)
		st = policies_content_read_in(arena, db, id, &c);
	if (st == GC_OK)
		st = index_docs(db, arena, id, &c, json_string_value(json_object_get(row, "visibility")),
				json_string_value(json_object_get(row, "status")),
				json_integer_value(json_object_get(row, "owner_org")));
	json_decref(row);
	gc_arena_free(arena);
	return st;
}

gc_status policies_content_save(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t id,
				const struct policies_content *c, bool create)
{
	gc_status st = content_store(ctx->db, id, c, create);
	return st == GC_OK ? content_index(ctx, arena, id, c) : st;
}

/* --- answers ------------------------------------------------------------------------------------ */

/* A refused write on item id (0: a creation), by the rule of modules/items: 404, 403 for the owner's readers. */
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

/* Our name for a field auth/items.c refused (its message is "policies.error_<name>"). */
static const char *items_field(const char *field)
{
	static const struct {
		const char *items;
		const char *ours;
	} map[] = {
		{ "title", "title" },		{ "country", "country" },	  { "languages", "lang" },
		{ "visibility", "visibility" }, { "shares", "shares" },		  { "notice_title", "notice_title" },
		{ "notice_summary", "notice_summary" }, { "release_at", "release_at" }, { "draft", "draft" },
		{ "acting_for_org", "acting_for_org" }, { "note", "note" },	  { "content", "texts" },
	};
	for (size_t i = 0; field && i < GC_ARRAY_LEN(map); i++) {
		if (strcmp(map[i].items, field) == 0)
			return map[i].ours;
	}
	return field ? field : "title";
}

/* Answers a request with errors: a 422 naming the first field, or the form again with every message. */
static gc_status answer_invalid(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx,
				struct policies_input *in, int64_t id)
{
	if (req->is_api)
		return gc_fail(req, 422, "invalid_field", in->first_key ? in->first_key : "error.invalid_field",
			       in->first_error);
	gc_status st = gc_view_page(req, view, "policies/form", id ? "policies.edit_title" : "policies.new_title");
	if (st != GC_OK)
		return st;
	view->status = 422;
	if (json_object_set_new(view->model, "id", id ? json_integer((json_int_t)id) : json_null()) ||
	    json_object_set_new(view->model, "is_edit", json_boolean(id != 0)) ||
	    json_object_set_new(view->model, "has_errors", json_true()))
		return GC_ENOMEM;
	if (id) {
		json_t *item = NULL;
		st = gc_item_load(ctx, id, &item);
		if (st != GC_OK)
			return gc_req_fail_status(req, st, NULL, NULL);
		if (json_object_set_new(view->model, "item", item))
			return GC_ENOMEM;
	}
	return policies_form_model(req, ctx, view->model, in->echo, in->errors);
}

/* After a change: the policy as the API shows it, or a 303 to its page. */
static gc_status answer_policy(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx, int64_t id,
			       int status)
{
	json_t *model = NULL;
	gc_status st = policies_item_model(req, ctx, id, NULL, &model);
	if (st != GC_OK)
		return st == GC_ENOTFOUND ? gc_fail_not_found(req) : st;
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = status;
	view->location = gc_arena_printf(req->arena, "/policies/%lld", (long long)id);
	if (!view->location)
		return GC_ENOMEM;
	if (req->is_api && status == 201)
		return gc_add_header(req, "Location", view->location);
	return GC_OK;
}

/* --- checks that need the database (inside the transaction) --------------------------------------- */

static gc_status check_country(struct gc_request *req, struct gc_db *db, struct policies_input *in,
			       const char *country)
{
	int64_t n = 0;
	if (!country)
		return GC_OK;
	gc_status st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM countries WHERE iso3 = ?",
				       GC_PARAMS(GC_TEXT(country)), &n);
	if (st == GC_OK && n == 0)
		st = policies_input_error(req, in, "country", "policies.error_country");
	return st;
}

/* What a policy supersedes must be another policy the caller sees: anything else is no such policy. */
static gc_status check_supersedes(struct gc_request *req, struct gc_item_ctx *ctx, struct policies_input *in,
				  int64_t supersedes, int64_t self)
{
	struct gc_item_envelope env;
	if (!supersedes)
		return GC_OK;
	gc_status st = supersedes == self ? GC_ENOTFOUND : gc_item_get(ctx, supersedes, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, POLICIES_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_ENOTFOUND)
		st = policies_input_error(req, in, "supersedes", "policies.error_supersedes");
	return st;
}

static bool has_lang(const struct policies_content *c, const char *lang, size_t *at)
{
	for (size_t i = 0; i < c->n_texts; i++) {
		if (strcmp(c->texts[i].lang, lang) == 0) {
			if (at)
				*at = i;
			return true;
		}
	}
	return false;
}

/* --- POST /policies -------------------------------------------------------------------------------- */

gc_status policies_create(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct policies_input in;
	struct gc_item_ctx ctx;
	struct policies_content c;
	json_t *content = NULL;
	int64_t id = 0;
	bool open = false;
	gc_status st;

	memset(&c, 0, sizeof(c));
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = policies_input_read(req, false, &in);
	if (st != GC_OK)
		goto out;
	/* Nothing to say about fields to someone who may not create at all. */
	if (!gc_policy_can_create(p, POLICIES_MODULE, 0) && !gc_policy_can_create(p, POLICIES_MODULE, in.acting_for_org)) {
		st = refuse(req, &ctx, 0, GC_ENOTFOUND);
		goto out;
	}

	/* The texts: the one of the fields title, summary and lang first, then the list. */
	if (in.has_one) {
		c.texts[c.n_texts] = in.one;
		if (!c.texts[c.n_texts].lang)
			c.texts[c.n_texts].lang = req->lang ? req->lang : GC_LANG_DEFAULT;
		c.n_texts++;
	}
	for (size_t i = 0; i < in.n_texts; i++) {
		if (c.n_texts == POLICIES_MAX_TEXTS || has_lang(&c, in.texts[i].lang, NULL)) {
			st = policies_input_error(req, &in, "texts", "policies.error_texts");
			if (st != GC_OK)
				goto out;
			break;
		}
		c.texts[c.n_texts++] = in.texts[i];
	}
	c.kind = in.kind;
	c.policy_status = in.policy_status;
	c.adopted = in.adopted;
	c.source_url = in.source_url;
	c.supersedes = in.supersedes;
	memcpy(c.topics, in.topics, sizeof(c.topics));
	c.n_topics = in.n_topics;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, &in, 0);
		goto out;
	}

	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	open = true;
	/* The state it concerns: as given, else the owner's (a state's policies are about that state). */
	c.country = in.country;
	if (!in.has_country) {
		if (in.acting_for_org && in.acting_for_org != p->org_id) {
			json_t *row = NULL;
			st = gc_db_query_one(ctx.db, "SELECT country AS country FROM organisations WHERE id = ?",
					     GC_PARAMS(GC_INT(in.acting_for_org)), &row);
			if (st == GC_OK)
				c.country = arena_str(req, row, "country");
			json_decref(row);
			if (st == GC_ENOTFOUND)
				st = GC_OK; /* auth/items.c names the field */
			if (st != GC_OK)
				goto out;
		} else {
			c.country = p->org_country;
		}
	}
	st = check_country(req, ctx.db, &in, c.country);
	if (st == GC_OK)
		st = check_supersedes(req, &ctx, &in, c.supersedes, 0);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		gc_db_rollback(ctx.db);
		open = false;
		st = answer_invalid(req, view, &ctx, &in, 0);
		goto out;
	}

	const char *languages[POLICIES_MAX_TEXTS];
	for (size_t i = 0; i < c.n_texts; i++)
		languages[i] = c.texts[i].lang;
	content = policies_content_json(&c);
	if (!content) {
		st = GC_ENOMEM;
		goto out;
	}
	struct gc_item_new item = {
		.module = POLICIES_MODULE,
		.title = c.texts[0].title,
		.country = c.country,
		.languages = languages,
		.n_languages = c.n_texts,
		.visibility = in.visibility,
		.shares = in.shares,
		.n_shares = in.n_shares,
		.notice_title = in.notice_title,
		.notice_summary = in.notice_summary,
		.release_at = in.release_at,
		.draft = in.draft,
		.acting_for_org = in.acting_for_org,
		.content = content,
	};
	st = gc_item_create(&ctx, &item, &id);
	if (st != GC_OK) {
		/* auth/items.c rolled our transaction back. */
		open = false;
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = policies_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "policies.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, &in, 0);
		} else {
			st = refuse(req, &ctx, 0, st);
		}
		goto out;
	}
	st = policies_content_save(&ctx, req->arena, id, &c, true);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK)
		goto out;
	open = false;
	st = answer_policy(req, view, &ctx, id, 201);
out:
	if (open && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	json_decref(content);
	policies_input_free(&in);
	return st;
}

/* --- POST /policies/{id} ------------------------------------------------------------------------- */

gc_status policies_update(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = policies_path_id(req);
	struct policies_input in;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct policies_content c;
	json_t *content = NULL;
	bool open = false;
	gc_status st;

	memset(&in, 0, sizeof(in));
	if (!id)
		return gc_fail_not_found(req);
	st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, POLICIES_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	/* Someone else's item answers like a missing one, whatever the body (SECURITY.md Z4). */
	if (!gc_policy_can_edit(p, &env))
		return refuse(req, &ctx, id, GC_ENOTFOUND);
	st = policies_input_read(req, true, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, &in, id);
		goto out;
	}

	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	open = true;
	st = policies_content_read(req, ctx.db, id, &c);
	if (st != GC_OK)
		goto out;
	/* What the request gives replaces what there was. */
	if (in.has_texts) {
		memcpy(c.texts, in.texts, sizeof(c.texts));
		c.n_texts = in.n_texts;
	}
	if (in.has_one) {
		const char *lang = in.one.lang ? in.one.lang : c.texts[0].lang;
		size_t at = 0;
		if (has_lang(&c, lang, &at)) {
			if (in.one_has_title)
				c.texts[at].title = in.one.title;
			if (in.one_has_summary)
				c.texts[at].summary = in.one.summary;
		} else if (!in.one_has_title) {
			st = policies_input_error(req, &in, "title", "policies.error_title");
		} else if (c.n_texts == POLICIES_MAX_TEXTS) {
			st = policies_input_error(req, &in, "lang", "policies.error_lang");
		} else {
			c.texts[c.n_texts++] = (struct policies_text){ .lang = lang, .title = in.one.title,
								       .summary = in.one.summary };
		}
		if (st != GC_OK)
			goto out;
	}
	if (in.has_kind)
		c.kind = in.kind;
	if (in.has_policy_status)
		c.policy_status = in.policy_status;
	if (in.has_adopted)
		c.adopted = in.adopted;
	if (in.has_source_url)
		c.source_url = in.source_url;
	if (in.has_supersedes)
		c.supersedes = in.supersedes;
	if (in.has_country)
		c.country = in.country;
	if (in.has_topics) {
		memcpy(c.topics, in.topics, sizeof(c.topics));
		c.n_topics = in.n_topics;
	}
	if (in.has_country)
		st = check_country(req, ctx.db, &in, c.country);
	if (st == GC_OK && in.has_supersedes)
		st = check_supersedes(req, &ctx, &in, c.supersedes, id);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		gc_db_rollback(ctx.db);
		open = false;
		st = answer_invalid(req, view, &ctx, &in, id);
		goto out;
	}

	const char *languages[POLICIES_MAX_TEXTS];
	for (size_t i = 0; i < c.n_texts; i++)
		languages[i] = c.texts[i].lang;
	content = policies_content_json(&c);
	/* The version's snapshot lists the files too, as a change of files does. */
	st = content ? policies_attachments_snapshot(ctx.db, id, content) : GC_ENOMEM;
	if (st != GC_OK)
		goto out;
	struct gc_item_edit edit = {
		.fields = GC_ITEM_SET_TITLE | GC_ITEM_SET_COUNTRY | GC_ITEM_SET_LANGUAGES,
		.title = c.texts[0].title,
		.country = c.country,
		.languages = languages,
		.n_languages = c.n_texts,
		.content = content,
		.note = in.note,
	};
	st = gc_item_update(&ctx, id, in.version, &edit);
	if (st != GC_OK) {
		open = false;
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = policies_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "policies.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, &in, id);
		} else {
			st = refuse(req, &ctx, id, st);
		}
		goto out;
	}
	st = policies_content_save(&ctx, req->arena, id, &c, false);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK)
		goto out;
	open = false;
	st = answer_policy(req, view, &ctx, id, 200);
out:
	if (open && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	json_decref(content);
	policies_input_free(&in);
	return st;
}
