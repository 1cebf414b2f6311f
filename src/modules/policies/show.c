/*
 * One policy: its page and API (GET /policies/{id}), and the create and
 * edit forms (GET /policies/new, GET /policies/{id}/edit).
 */
#include <string.h>

#include "render/places.h"
#include "auth/principal.h"
#include "base/buf.h"
#include "render/markdown.h"
#include "modules/policies/policies.h"

/* --- the envelope, labelled for templates/items/envelope.mustache ------------------------------- */

static const char *status_key(const char *status)
{
	if (status && strcmp(status, "pending") == 0)
		return "items.status_pending";
	if (status && strcmp(status, "published") == 0)
		return "items.status_published";
	if (status && strcmp(status, "withdrawn") == 0)
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

/* Active organisations as choices, those in selected (an array of {id} or of id strings) marked. */
static gc_status org_choices(struct gc_db *db, const json_t *selected, json_t **out)
{
	json_t *rows = NULL;
	gc_status st = gc_db_query(db,
				   "SELECT id AS id, name AS name FROM organisations WHERE status = 'active'"
				   " ORDER BY name, id LIMIT 1000",
				   GC_NO_PARAMS, &rows);
	if (st != GC_OK)
		return st;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_int_t org = json_integer_value(json_object_get(row, "id"));
		bool on = false;
		size_t k;
		json_t *s;
		json_array_foreach(selected, k, s) {
			json_int_t v = json_is_object(s) ? json_integer_value(json_object_get(s, "id")) : 0;
			if (json_is_string(s)) {
				char buf[24];
				snprintf(buf, sizeof(buf), "%lld", (long long)org);
				on = on || strcmp(buf, json_string_value(s)) == 0;
			}
			on = on || (v && v == org);
		}
		if (json_object_set_new(row, "selected", json_boolean(on))) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	*out = rows;
	return GC_OK;
}

static gc_status decorate_envelope(struct gc_request *req, struct gc_db *db, json_t *env)
{
	const char *status = json_string_value(json_object_get(env, "status"));
	const char *visibility = json_string_value(json_object_get(env, "visibility"));
	const char *approval = json_string_value(json_object_get(env, "approval"));
	const char *release_at = json_string_value(json_object_get(env, "release_at"));
	json_int_t id = json_integer_value(json_object_get(env, "id"));
	char release_value[17] = "";
	if (release_at && strlen(release_at) >= 16)
		snprintf(release_value, sizeof(release_value), "%.16s", release_at);
	const char *href = gc_arena_printf(req->arena, "/policies/%lld", (long long)id);
	json_t *labels = json_pack(
		"{s:s?, s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:b}", "href", href,
		"module_label", gc_req_tr(req, "nav.policies"), "status_label", gc_req_tr(req, status_key(status)),
		"visibility_label", gc_req_tr(req, visibility_key(visibility)), "approval_label",
		approval ? gc_req_tr(req, strcmp(approval, "four_eyes") == 0 ? "items.approval_four_eyes"
									       : "items.approval_secretariat")
			 : NULL,
		"is_draft", status && strcmp(status, "draft") == 0, "is_pending", status && strcmp(status, "pending") == 0,
		"is_published", status && strcmp(status, "published") == 0, "is_withdrawn",
		status && strcmp(status, "withdrawn") == 0, "returned",
		status && strcmp(status, "draft") == 0 && json_is_string(json_object_get(env, "review_note")),
		"vis_public", visibility && strcmp(visibility, "public") == 0, "vis_restricted",
		visibility && strcmp(visibility, "restricted") == 0, "vis_named",
		visibility && strcmp(visibility, "named") == 0, "release_value", release_value, "has_shares",
		json_array_size(json_object_get(env, "shares")) > 0);
	if (!href || !labels || json_object_update(env, labels)) {
		json_decref(labels);
		return GC_ENOMEM;
	}
	json_decref(labels);
	if (!req->is_api && json_is_true(json_object_get(json_object_get(env, "can"), "edit"))) {
		json_t *choices = NULL;
		gc_status st = org_choices(db, json_object_get(env, "shares"), &choices);
		if (st != GC_OK)
			return st;
		if (json_object_set_new(env, "share_choices", choices))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* --- one policy ------------------------------------------------------------------------------------ */

/*
 * A summary sits under the page's h2: its own headings (cmark writes them
 * as bare <hN> tags; a contributor's text is escaped and cannot look like
 * one) go two levels down, to h6 at most, so the page's outline stays in order.
 */
static void demote_headings(char *html)
{
	for (char *p = html; (p = strstr(p, "<h")) != NULL;) {
		if (p[2] >= '1' && p[2] <= '6' && p[3] == '>')
			p[2] = p[2] + 2 > '6' ? '6' : (char)(p[2] + 2);
		p += 2;
	}
	for (char *p = html; (p = strstr(p, "</h")) != NULL;) {
		if (p[3] >= '1' && p[3] <= '6' && p[4] == '>')
			p[3] = p[3] + 2 > '6' ? '6' : (char)(p[3] + 2);
		p += 3;
	}
}

static json_t *lang_choice(const char *code)
{
	return json_pack("{s:s, s:s?}", "lang", code, "lang_name", gc_lang_native_name(code));
}

/*
 * {id, title, href} of the visible policies related to key: the item key
 * itself (what a policy supersedes), or the policies that supersede key.
 */
static gc_status related(struct gc_request *req, struct gc_item_ctx *ctx, bool successors, int64_t key,
			 json_t **out)
{
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 1];
	size_t n = 0;
	json_t *rows = NULL;
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, params + 1, &n);
	if (st != GC_OK)
		return st;
	params[0] = GC_INT(key);
	const char *sql = successors ? gc_arena_printf(req->arena,
						       "SELECT i.id AS id, i.title AS title FROM policies p"
						       " JOIN items i ON i.id = p.item_id WHERE p.supersedes = ? AND %s"
						       " ORDER BY i.id LIMIT 20",
						       visible)
				     : gc_arena_printf(req->arena,
						       "SELECT i.id AS id, i.title AS title FROM items i"
						       " WHERE i.id = ? AND i.module = 'policies' AND %s",
						       visible);
	if (!sql)
		return GC_ENOMEM;
	st = gc_db_query(ctx->db, sql, params, n + 1, &rows);
	if (st != GC_OK)
		return st;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *href = gc_arena_printf(req->arena, "/policies/%lld",
						   (long long)json_integer_value(json_object_get(row, "id")));
		if (!href || json_object_set_new(row, "href", json_string(href))) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	*out = rows;
	return GC_OK;
}

gc_status policies_item_model(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, const char *text_lang,
			      json_t **out)
{
	json_t *env = NULL, *model = NULL, *supersedes = NULL, *superseded_by = NULL;
	struct policies_content c;
	struct gc_buf html;
	gc_buf_init(&html, 4u * POLICIES_MAX_SUMMARY + 4096);
	*out = NULL;
	gc_status st = gc_item_load(ctx, id, &env);
	if (st == GC_OK && strcmp(json_string_value(json_object_get(env, "module")), POLICIES_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = policies_content_read(req, ctx->db, id, &c);
	if (st == GC_OK)
		st = decorate_envelope(req, ctx->db, env);
	if (st != GC_OK)
		goto out;
	if (c.supersedes) {
		json_t *rows = NULL;
		st = related(req, ctx, false, c.supersedes, &rows);
		if (st != GC_OK)
			goto out;
		supersedes = json_incref(json_array_get(rows, 0));
		json_decref(rows);
	}
	st = related(req, ctx, true, id, &superseded_by);
	if (st != GC_OK)
		goto out;

	/* The text to show: the one asked for, else the reader's language, else the first. */
	size_t shown = 0;
	bool found = false;
	for (size_t i = 0; text_lang && i < c.n_texts; i++)
		if (strcmp(c.texts[i].lang, text_lang) == 0) {
			shown = i;
			found = true;
		}
	for (size_t i = 0; !found && req->lang && i < c.n_texts; i++)
		if (strcmp(c.texts[i].lang, req->lang) == 0) {
			shown = i;
			found = true;
		}
	st = gc_markdown_to_html(c.texts[shown].summary, strlen(c.texts[shown].summary), &html);
	if (st != GC_OK)
		goto out;
	if (html.data)
		demote_headings(html.data);

	st = GC_ENOMEM;
	json_t *texts = json_array(), *topics = json_array();
	model = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:o}", "id",
			  (json_int_t)id, "href", json_string_value(json_object_get(env, "href")), "texts", texts, "topics",
			  topics, "kind", c.kind, "kind_label", gc_req_tr(req, policies_kind_key(req, c.kind)),
			  "policy_status", c.policy_status, "policy_status_label",
			  gc_req_tr(req, policies_status_key(req, c.policy_status)), "adopted", c.adopted, "source_url",
			  c.source_url, "country", c.country, "country_name",
			  gc_country_name(c.country, req->lang), "supersedes",
			  supersedes ? supersedes : json_null(), "superseded_by", superseded_by);
	supersedes = superseded_by = NULL;
	if (!model)
		goto out;
	for (size_t i = 0; i < c.n_texts; i++) {
		json_t *t = lang_choice(c.texts[i].lang);
		const char *href = gc_arena_printf(req->arena, "/policies/%lld?text=%s", (long long)id, c.texts[i].lang);
		if (!t || !href ||
		    json_object_update_new(t, json_pack("{s:s, s:s, s:b, s:s}", "title", c.texts[i].title, "summary",
							c.texts[i].summary, "current", i == shown, "href", href)) ||
		    json_array_append_new(texts, t))
			goto out;
	}
	for (size_t i = 0; i < c.n_topics; i++) {
		const struct policies_topic *topic = policies_topic_find(c.topics[i]);
		json_t *t = json_pack("{s:s, s:s}", "key", c.topics[i], "name",
				      topic ? policies_topic_name(topic, req->lang) : c.topics[i]);
		if (!t || json_array_append_new(topics, t))
			goto out;
	}
	json_t *text = lang_choice(c.texts[shown].lang);
	if (!text ||
	    json_object_update_new(text, json_pack("{s:s, s:s, s:s}", "title", c.texts[shown].title, "summary",
						   c.texts[shown].summary, "summary_html", gc_buf_str(&html))) ||
	    json_object_set_new(model, "text", text) ||
	    json_object_set_new(model, "has_topics", json_boolean(c.n_topics > 0)) ||
	    /* Links built from a contributor's text go to https: only (SECURITY.md O1); http is shown as text. */
	    json_object_set_new(model, "source_link",
				json_boolean(c.source_url && strncmp(c.source_url, "https://", 8) == 0)) ||
	    json_object_set_new(model, "has_other_texts", json_boolean(c.n_texts > 1)) ||
	    json_object_set_new(model, "has_superseded_by",
				json_boolean(json_array_size(json_object_get(model, "superseded_by")) > 0)) ||
	    json_object_set(model, "can", json_object_get(env, "can")) || json_object_set(model, "item", env))
		goto out;
	st = policies_attachments_model(req, ctx->db, id, json_is_true(json_object_get(json_object_get(env, "can"), "edit")),
					json_integer_value(json_object_get(env, "version")), model);
	if (st != GC_OK)
		goto out;
	*out = model;
	model = NULL;
	st = GC_OK;
out:
	gc_buf_free(&html);
	json_decref(env);
	json_decref(model);
	json_decref(supersedes);
	json_decref(superseded_by);
	return st;
}

gc_status policies_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = policies_path_id(req);
	struct gc_item_ctx ctx;
	json_t *model = NULL;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = policies_item_model(req, &ctx, id, gc_query(req, "text"), &model);
	if (st == GC_OK)
		st = policies_changes(req, &ctx, id, model);
	if (st != GC_OK) {
		json_decref(model);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	st = gc_view_page(req, view, "policies/show", NULL);
	if (st != GC_OK) {
		json_decref(model);
		return st;
	}
	json_decref(view->model);
	view->model = model;
	view->title = json_string_value(json_object_get(json_object_get(model, "text"), "title"));
	view->cacheable = true;
	return GC_OK;
}

/* --- the forms ---------------------------------------------------------------------------------------- */

static bool in_values(const json_t *values, const char *name, const char *value)
{
	const json_t *v = json_object_get(values, name);
	if (json_is_string(v))
		return strcmp(json_string_value(v), value) == 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), value) == 0)
			return true;
	return false;
}

/* [{value, label, selected}] of a list of names whose labels are prefix + name. */
static json_t *choices(struct gc_request *req, const char *const *names, const char *prefix, const json_t *values,
		       const char *field)
{
	json_t *list = json_array();
	for (size_t i = 0; list && names[i]; i++) {
		const char *key = gc_arena_printf(req->arena, "%s%s", prefix, names[i]);
		json_t *c = key ? json_pack("{s:s, s:s, s:b}", "value", names[i], "label", gc_req_tr(req, key), "selected",
					    in_values(values, field, names[i]))
				: NULL;
		if (!c || json_array_append_new(list, c)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

gc_status policies_form_model(struct gc_request *req, struct gc_item_ctx *ctx, json_t *model, const json_t *values,
			      const json_t *errors)
{
	const struct gc_principal *p = req->principal;
	static const char *const visibilities[] = { "public", "restricted", "named", NULL };
	json_t *countries = NULL, *orgs = NULL, *shares = NULL;
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	countries = gc_country_choices(lang);
	if (!countries)
		return GC_ENOMEM;
	gc_status st = GC_OK;
	json_t *acting = json_array();
	if (!acting || (json_object_get(values, "acting_for_org") &&
			json_array_append(acting, json_object_get(values, "acting_for_org"))))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = org_choices(ctx->db, acting, &orgs);
	json_decref(acting);
	if (st == GC_OK)
		st = org_choices(ctx->db, json_object_get(values, "shares"), &shares);
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(countries, i, row) {
		const char *iso3 = json_string_value(json_object_get(row, "value"));
		if (json_object_set_new(row, "selected", json_boolean(in_values(values, "country", iso3 ? iso3 : "")))) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	json_t *topics = json_array(), *langs = json_array();
	if (!topics || !langs || json_object_set_new(model, "topic_choices", topics) ||
	    json_object_set_new(model, "lang_choices", langs)) {
		st = GC_ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < policies_taxonomy.count; t++) {
		const struct policies_topic *topic = &policies_taxonomy.topics[t];
		json_t *c = json_pack("{s:s, s:s, s:b}", "value", topic->key, "label", policies_topic_name(topic, lang),
				      "selected", in_values(values, "topics", topic->key));
		if (!c || json_array_append_new(topics, c)) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		json_t *c = json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label", gc_lang_native_name(gc_langs[l]),
				      "selected", in_values(values, "lang", gc_langs[l]));
		if (!c || json_array_append_new(langs, c)) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	bool act_for = p && gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN;
	st = GC_ENOMEM;
	if (json_object_set_new(model, "kind_choices", choices(req, policies_kinds, "policies.kind_", values, "kind")) ||
	    json_object_set_new(model, "status_choices",
				choices(req, policies_statuses, "policies.status_", values, "policy_status")) ||
	    json_object_set_new(model, "visibility_choices",
				choices(req, visibilities, "items.visibility_", values, "visibility")) ||
	    json_object_set(model, "country_choices", countries) || json_object_set(model, "share_choices", shares) ||
	    json_object_set_new(model, "can_act_for", json_boolean(act_for)) ||
	    (act_for && json_object_set(model, "org_choices", orgs)) ||
	    json_object_set_new(model, "values", values ? json_deep_copy(values) : json_object()) ||
	    json_object_set_new(model, "errors", errors ? json_deep_copy(errors) : json_object()))
		goto out;
	st = GC_OK;
out:
	json_decref(countries);
	json_decref(orgs);
	json_decref(shares);
	return st;
}

gc_status policies_new(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_item_ctx ctx;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	/* A Secretariat admin may create for others even when not for itself: the form is for both. */
	if (!gc_policy_can_create(p, POLICIES_MODULE, 0))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, "policies/form", "policies.new_title");
	if (st != GC_OK)
		return st;
	json_t *values = json_pack("{s:s, s:s, s:s?, s:s}", "lang", req->lang ? req->lang : GC_LANG_DEFAULT,
				   "policy_status", "in_force", "country", p->org_country, "visibility",
				   gc_principal_is_state(p) ? "restricted" : "public");
	if (!values || json_object_set_new(view->model, "is_edit", json_false()) ||
	    json_object_set_new(view->model, "id", json_null())) {
		json_decref(values);
		return GC_ENOMEM;
	}
	st = policies_form_model(req, &ctx, view->model, values, NULL);
	json_decref(values);
	return st;
}

gc_status policies_edit_form(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = policies_path_id(req);
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct policies_content c;
	json_t *item = NULL;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, POLICIES_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	if (!gc_policy_can_edit(p, &env)) {
		if (p && p->role == GC_ROLE_READER && p->org_id == env.owner_org)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
		return gc_fail_not_found(req);
	}
	st = policies_content_read(req, ctx.db, id, &c);
	if (st == GC_OK)
		st = gc_item_load(&ctx, id, &item);
	if (st == GC_OK)
		st = gc_view_page(req, view, "policies/form", "policies.edit_title");
	if (st != GC_OK) {
		json_decref(item);
		return st;
	}
	/* The text to edit: ?text=<lang>, else the first. */
	size_t shown = 0;
	const char *want = gc_query(req, "text");
	for (size_t i = 0; want && i < c.n_texts; i++)
		if (strcmp(c.texts[i].lang, want) == 0)
			shown = i;
	char supersedes[24] = "";
	if (c.supersedes)
		snprintf(supersedes, sizeof(supersedes), "%lld", (long long)c.supersedes);
	json_t *topics = json_array();
	for (size_t i = 0; topics && i < c.n_topics; i++)
		if (json_array_append_new(topics, json_string(c.topics[i]))) {
			json_decref(topics);
			topics = NULL;
		}
	json_t *values = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "title",
				   c.texts[shown].title, "summary", c.texts[shown].summary, "lang", c.texts[shown].lang,
				   "kind", c.kind, "policy_status", c.policy_status, "country", c.country ? c.country : "",
				   "adopted", c.adopted ? c.adopted : "", "source_url", c.source_url ? c.source_url : "",
				   "supersedes", supersedes, "topics", topics, "version", (json_int_t)env.version);
	json_t *other = json_array();
	for (size_t i = 0; other && i < c.n_texts; i++) {
		if (i == shown)
			continue;
		json_t *t = json_pack("{s:s, s:s?, s:s}", "lang", c.texts[i].lang, "lang_name",
				      gc_lang_native_name(c.texts[i].lang), "href",
				      gc_arena_printf(req->arena, "/policies/%lld/edit?text=%s", (long long)id, c.texts[i].lang));
		if (!t || json_array_append_new(other, t)) {
			json_decref(other);
			other = NULL;
		}
	}
	if (!values || !other || json_object_set_new(view->model, "is_edit", json_true()) ||
	    json_object_set_new(view->model, "id", json_integer((json_int_t)id)) ||
	    json_object_set_new(view->model, "other_texts", other) || json_object_set_new(view->model, "item", item)) {
		json_decref(values);
		return GC_ENOMEM;
	}
	view->title = gc_arena_printf(req->arena, "%s: %s", gc_req_tr(req, "policies.edit_title"), c.texts[shown].title);
	st = policies_form_model(req, &ctx, view->model, values, NULL);
	json_decref(values);
	return st;
}
