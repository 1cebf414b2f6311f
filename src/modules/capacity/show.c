/*
 * One event, need or offer: its page and API (GET <path>/{id}), and the
 * create and edit forms (GET <path>/new, GET <path>/{id}/edit).
 */
#include <string.h>

#include "render/places.h"
#include "auth/principal.h"
#include "base/parse.h"
#include "base/buf.h"
#include "modules/capacity/capacity.h"
#include "render/dates.h"
#include "render/markdown.h"

const char *capacity_replace(struct gc_request *req, const char *text, const char *name, const char *value)
{
	const char *at = text ? strstr(text, name) : NULL;
	if (!at)
		return text;
	return gc_arena_printf(req->arena, "%.*s%s%s", (int)(at - text), text, value, at + strlen(name));
}

/* --- labels ----------------------------------------------------------------------------------------- */

static const char *label(struct gc_request *req, const char *field, const char *value)
{
	const char *key = gc_arena_printf(req->arena, "capacity.%s_%s", field, value);
	return key ? gc_req_tr(req, key) : value;
}

/* The label prefix of an enumerated field. */
static const char *label_field(const char *name)
{
	if (strcmp(name, "event_status") == 0 || strcmp(name, "need_status") == 0 || strcmp(name, "offer_status") == 0)
		return "status";
	if (strcmp(name, "modalities") == 0)
		return "modality";
	if (strcmp(name, "help_kinds") == 0)
		return "help";
	return name;
}

static gc_status names_of(struct gc_request *req, struct gc_db *db, const char *sql, const json_t *values,
			  json_t **out)
{
	json_t *list = json_array();
	size_t i;
	json_t *e;
	if (!list)
		return GC_ENOMEM;
	json_array_foreach(values, i, e) {
		json_t *row = NULL;
		struct gc_val v = json_is_integer(e) ? GC_INT(json_integer_value(e)) : GC_TEXT(json_string_value(e));
		gc_status st = gc_db_query_one(db, sql, &v, 1, &row);
		if (st == GC_ENOTFOUND) {
			row = json_pack("{s:O, s:O}", "value", e, "name", e);
			st = row ? GC_OK : GC_ENOMEM;
		}
		if (st != GC_OK || json_array_append_new(list, row)) {
			json_decref(list);
			return st != GC_OK ? st : GC_ENOMEM;
		}
	}
	(void)req;
	*out = list;
	return GC_OK;
}

/*
 * entry[name] = {text, begin, sep, end}: the span a..b for people in the
 * reader's language (render/dates.h), or nothing when neither is given.
 */
static gc_status span_label(json_t *entry, const char *name, const char *lang, const char *a, const char *b)
{
	struct gc_dates_parts parts;
	if (!gc_dates_span_parts(lang, a, b, &parts))
		return GC_OK;
	json_t *o = json_pack("{s:s++, s:s, s:s, s:s}", "text", parts.from, parts.sep, parts.to, "begin", parts.from,
			      "sep", parts.sep, "end", parts.to);
	return !o || json_object_set_new(entry, name, o) ? GC_ENOMEM : GC_OK;
}

/*
 * The contact as the reader may see it: entry["contact_summary"] (the
 * directory's summary, with "languages_labels"), or, when the reader may
 * not see the contact (or it is gone), no summary and entry[name] null, so
 * that nothing of a restricted contact shows, not even its id.
 */
static gc_status contact_label(struct gc_request *req, json_t *entry, const char *name, const json_t *v)
{
	struct gc_item_ctx ctx;
	json_t *summary = NULL;
	gc_status st = json_is_integer(v) ? gc_req_item_ctx(req, &ctx) : GC_ENOTFOUND;
	if (st == GC_OK)
		st = capacity_contact_summary(&ctx, req->arena, (int64_t)json_integer_value(v), &summary);
	if (st == GC_ENOTFOUND)
		return json_object_set_new(entry, name, json_null()) ? GC_ENOMEM : GC_OK;
	if (st != GC_OK)
		return st;
	json_t *labels = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(summary, "languages"), i, e) {
		const char *code = json_string_value(e);
		const char *native = code ? gc_lang_native_name(code) : NULL;
		if (!labels || !code ||
		    json_array_append_new(labels, json_pack("{s:s, s:s}", "value", code, "name", native ? native : code))) {
			json_decref(labels);
			json_decref(summary);
			return GC_ENOMEM;
		}
	}
	if (json_object_set_new(summary, "languages_labels", labels) ||
	    json_object_set_new(summary, "has_languages", json_boolean(json_array_size(labels) > 0)) ||
	    json_object_set_new(entry, "contact_summary", summary))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status capacity_when_labels(const char *lang, const struct capacity_kind *k, json_t *entry, const json_t *content)
{
	gc_status st;
	if (k->entry == CAPACITY_EVENT)
		st = span_label(entry, "when", lang, json_string_value(json_object_get(content, "starts")),
				json_string_value(json_object_get(content, "ends")));
	else
		st = span_label(entry, "period", lang, json_string_value(json_object_get(content, "from")),
				json_string_value(json_object_get(content, "until")));
	if (st == GC_OK)
		st = span_label(entry, "registration_deadline_label", lang,
				json_string_value(json_object_get(content, "registration_deadline")), NULL);
	return st;
}

gc_status capacity_label_entry(struct gc_request *req, const struct capacity_kind *k, json_t *entry,
			       const json_t *content)
{
	struct gc_db *db = gc_request_db(req);
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	if (!db)
		return GC_EHTTP;
	gc_status wst = capacity_when_labels(lang, k, entry, content);
	if (wst != GC_OK)
		return wst;
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct capacity_field *f = &k->fields[i];
		const json_t *v = json_object_get(content, f->name);
		if (json_object_set(entry, f->name, v ? (json_t *)v : json_null()))
			return GC_ENOMEM;
		/* Templates cannot ask an array whether it is empty: "<name>_any" tells. */
		if (f->type != CF_LINE && f->type != CF_ENUM && f->type != CF_INT && f->type != CF_DATE &&
		    f->type != CF_LOCAL && f->type != CF_TZ && f->type != CF_URL && f->type != CF_EMAIL &&
		    f->type != CF_CONTACT &&
		    json_object_set_new(entry, gc_arena_printf(req->arena, "%s_any", f->name),
					json_boolean(json_array_size(v) > 0)))
			return GC_ENOMEM;
		if (!v)
			continue;
		if (f->type == CF_CONTACT) {
			gc_status cs = contact_label(req, entry, f->name, v);
			if (cs != GC_OK)
				return cs;
			continue;
		}
		if (f->type == CF_ENUM) {
			const char *l = label(req, label_field(f->name), json_string_value(v));
			if (json_object_set_new(entry, gc_arena_printf(req->arena, "%s_label", f->name), json_string(l)))
				return GC_ENOMEM;
			continue;
		}
		json_t *labels = NULL;
		gc_status st = GC_OK;
		const char *sql = NULL;
		if (f->type == CF_ORGS)
			sql = "SELECT id AS value, name AS name FROM organisations WHERE id = ?";
		if (sql) {
			st = names_of(req, db, sql, v, &labels);
		} else if (f->type == CF_REGIONS || f->type == CF_STATES) {
			/* render/places.h; an unknown code names itself, as names_of does. */
			labels = json_array();
			size_t j;
			json_t *e;
			json_array_foreach(v, j, e) {
				const char *code = json_string_value(e);
				const char *name = f->type == CF_REGIONS ? gc_region_name(code, lang) : gc_country_name(code, lang);
				if (!labels || json_array_append_new(labels, json_pack("{s:O, s:s?}", "value", e, "name",
										   name ? name : code))) {
					json_decref(labels);
					return GC_ENOMEM;
				}
			}
		} else if (f->type == CF_ENUM_LIST || f->type == CF_TOPICS || f->type == CF_LANGS) {
			labels = json_array();
			size_t j;
			json_t *e;
			json_array_foreach(v, j, e) {
				const char *s = json_string_value(e);
				const char *name = s;
				if (f->type == CF_TOPICS && capacity_topic_find(s))
					name = capacity_topic_name(capacity_topic_find(s), lang);
				else if (f->type == CF_LANGS)
					name = gc_lang_native_name(s);
				else
					name = label(req, label_field(f->name), s);
				if (!labels || json_array_append_new(labels, json_pack("{s:s, s:s}", "value", s, "name", name ? name : s)))
					st = GC_ENOMEM;
			}
		} else {
			continue;
		}
		if (st != GC_OK) {
			json_decref(labels);
			return st;
		}
		if (json_object_set_new(entry, gc_arena_printf(req->arena, "%s_labels", f->name), labels))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* --- the envelope, labelled for templates/items/envelope.mustache --------------------------------------- */

static gc_status decorate_envelope(struct gc_request *req, const struct capacity_kind *k, json_t *env)
{
	const char *status = json_string_value(json_object_get(env, "status"));
	const char *visibility = json_string_value(json_object_get(env, "visibility"));
	const char *approval = json_string_value(json_object_get(env, "approval"));
	json_int_t id = json_integer_value(json_object_get(env, "id"));
	const char *href = gc_arena_printf(req->arena, "%s/%lld", k->path, (long long)id);
	const char *status_key = status && strcmp(status, "pending") == 0     ? "items.status_pending"
				 : status && strcmp(status, "published") == 0 ? "items.status_published"
				 : status && strcmp(status, "withdrawn") == 0 ? "items.status_withdrawn"
									      : "items.status_draft";
	const char *vis_key = visibility && strcmp(visibility, "restricted") == 0 ? "items.visibility_restricted"
			      : visibility && strcmp(visibility, "named") == 0   ? "items.visibility_named"
										  : "items.visibility_public";
	json_t *labels = json_pack(
		"{s:s?, s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:b, s:b, s:b}", "href", href, "module_label",
		gc_req_tr(req, "capacity.nav"), "status_label", gc_req_tr(req, status_key), "visibility_label",
		gc_req_tr(req, vis_key), "approval_label",
		approval ? gc_req_tr(req, strcmp(approval, "four_eyes") == 0 ? "items.approval_four_eyes"
									       : "items.approval_secretariat")
			 : NULL,
		"is_draft", status && strcmp(status, "draft") == 0, "is_pending", status && strcmp(status, "pending") == 0,
		"is_published", status && strcmp(status, "published") == 0, "is_withdrawn",
		status && strcmp(status, "withdrawn") == 0, "vis_public", visibility && strcmp(visibility, "public") == 0,
		"vis_restricted", visibility && strcmp(visibility, "restricted") == 0, "has_shares",
		json_array_size(json_object_get(env, "shares")) > 0);
	if (!href || !labels || json_object_update(env, labels)) {
		json_decref(labels);
		return GC_ENOMEM;
	}
	json_decref(labels);
	/* The envelope's times for people (templates/items/envelope.mustache shows "dates" when present). */
	static const char *const times[] = { "created_at", "submitted_at", "reviewed_at", "published_at", "withdrawn_at",
					     "release_at" };
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *dates = json_object();
	for (size_t i = 0; dates && i < GC_ARRAY_LEN(times); i++) {
		char text[GC_DATES_MAX];
		if (gc_dates_instant(lang, json_string_value(json_object_get(env, times[i])), text, sizeof(text)) &&
		    json_object_set_new(dates, times[i], json_string(text))) {
			json_decref(dates);
			dates = NULL;
		}
	}
	return !dates || json_object_set_new(env, "dates", dates) ? GC_ENOMEM : GC_OK;
}

/* Headings of a contributor's Markdown go two levels down, so the page's outline stays in order. */
static void demote_headings(char *html)
{
	for (char *p = html; (p = strstr(p, "<h")) != NULL; p += 2)
		if (p[2] >= '1' && p[2] <= '6' && p[3] == '>')
			p[2] = p[2] + 2 > '6' ? '6' : (char)(p[2] + 2);
	for (char *p = html; (p = strstr(p, "</h")) != NULL; p += 3)
		if (p[3] >= '1' && p[3] <= '6' && p[4] == '>')
			p[3] = p[3] + 2 > '6' ? '6' : (char)(p[3] + 2);
}

gc_status capacity_item_model(struct gc_request *req, struct gc_item_ctx *ctx, const struct capacity_kind *k,
			      int64_t id, json_t **out)
{
	json_t *env = NULL, *model = NULL;
	struct capacity_row row;
	struct gc_buf html;
	memset(&row, 0, sizeof(row));
	gc_buf_init(&html, 4u * CAPACITY_MAX_DESCRIPTION + 4096);
	*out = NULL;
	gc_status st = gc_item_load(ctx, id, &env);
	if (st == GC_OK && strcmp(json_string_value(json_object_get(env, "module")), CAPACITY_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = capacity_row_read(req, ctx->db, id, k, &row);
	if (st == GC_OK)
		st = decorate_envelope(req, k, env);
	if (st != GC_OK)
		goto out;
	const json_t *text = capacity_text(row.content, gc_query(req, "text") ? gc_query(req, "text") : req->lang);
	const char *description = json_string_value(json_object_get(text, "description"));
	st = gc_markdown_to_html(description ? description : "", description ? strlen(description) : 0, &html);
	if (st != GC_OK)
		goto out;
	if (html.data)
		demote_headings(html.data);
	st = GC_ENOMEM;
	model = json_pack("{s:I, s:s, s:s, s:O, s:{s:O, s:O, s:O, s:s}, s:s, s:s, s:I, s:s?, s:s?}", "id",
			  (json_int_t)id, "entry_kind", k->name, "href", json_string_value(json_object_get(env, "href")),
			  "texts", json_object_get(row.content, "texts"), "text", "lang", json_object_get(text, "lang"),
			  "title", json_object_get(text, "title"), "description", json_object_get(text, "description"),
			  "description_html", gc_buf_str(&html), "status", row.status, "status_label",
			  label(req, "status", row.status), "sequence", (json_int_t)row.sequence, "starts_at", row.starts_at,
			  "ends_at", row.ends_at);
	if (!model)
		goto out;
	st = capacity_label_entry(req, k, model, row.content);
	if (st != GC_OK)
		goto out;
	st = GC_ENOMEM;
	const char *url = json_string_value(json_object_get(row.content, "registration_url"));
	if (json_object_set_new(model, "registration_link", json_boolean(url && strncmp(url, "https://", 8) == 0)) ||
	    json_object_set_new(model, "is_event", json_boolean(k->entry == CAPACITY_EVENT)) ||
	    json_object_set_new(model, "is_need", json_boolean(k->entry == CAPACITY_NEED)) ||
	    json_object_set_new(model, "is_offer", json_boolean(k->entry == CAPACITY_OFFER)) ||
	    json_object_set_new(model, "is_cancelled", json_boolean(row.status && strcmp(row.status, "cancelled") == 0)) ||
	    json_object_set_new(model, "country", row.country ? json_string(row.country) : json_null()) ||
	    json_object_set(model, "can", json_object_get(env, "can")) || json_object_set(model, "item", env))
		goto out;
	if (k->entry == CAPACITY_EVENT &&
	    json_object_set_new(model, "ics_href", json_string(gc_arena_printf(req->arena, "/calendar/%lld/event.ics", (long long)id))))
		goto out;
	if (k->entry == CAPACITY_NEED) {
		int64_t answered = 0;
		st = gc_db_query_int(ctx->db, "SELECT COUNT(*) AS n FROM capacity_interest WHERE need_id = ?",
				     GC_PARAMS(GC_INT(id)), &answered);
		if (st != GC_OK)
			goto out;
		st = GC_ENOMEM;
		if (json_object_set_new(model, "providers_answered", json_integer(answered)))
			goto out;
	}
	*out = model;
	model = NULL;
	st = GC_OK;
out:
	gc_buf_free(&html);
	json_decref(env);
	json_decref(model);
	json_decref(row.content);
	return st;
}

static gc_status show(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	int64_t id = capacity_path_id(req);
	struct gc_item_ctx ctx;
	json_t *model = NULL;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = capacity_item_model(req, &ctx, k, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	/* Suggestions: for a need, offers and programmes; for an offer, the open needs it can serve. */
	json_t *matches = NULL;
	const char *need_status = json_string_value(json_object_get(model, "status"));
	/* A need under discussion still looks for help; a matched, fulfilled or withdrawn one does not. */
	bool seeking = need_status && (strcmp(need_status, "open") == 0 || strcmp(need_status, "in_discussion") == 0);
	if (k->entry == CAPACITY_NEED && json_string_value(json_object_get(json_object_get(model, "item"), "status")) &&
	    seeking)
		st = capacity_match_need(req, &ctx, id, model, json_string_value(json_object_get(model, "country")), &matches);
	else if (k->entry == CAPACITY_OFFER)
		st = capacity_match_offer(req, &ctx, model, &matches);
	/* Whether the caller may answer this need (POST /needs/{id}/interest decides the same way). */
	if (st == GC_OK && k->entry == CAPACITY_NEED) {
		const struct gc_principal *p = req->principal;
		json_int_t owner = json_integer_value(json_object_get(json_object_get(json_object_get(model, "item"), "owner"), "id"));
		bool can = p && gc_policy_can_create(p, CAPACITY_MODULE, 0) && p->org_id != owner && seeking;
		/* One answer per organisation: once given, the page says so instead of offering the form. */
		int64_t ours = 0;
		if (can)
			st = gc_db_query_int(ctx.db, "SELECT COUNT(*) AS n FROM capacity_interest WHERE need_id = ? AND org_id = ?",
					     GC_PARAMS(GC_INT(id), GC_INT(p->org_id)), &ours);
		if (st == GC_OK && (json_object_set_new(model, "can_answer", json_boolean(can && ours == 0)) ||
				    json_object_set_new(model, "answered_by_us", json_boolean(can && ours > 0))))
			st = GC_ENOMEM;
	}
	if (st == GC_OK && matches &&
	    (json_object_set_new(model, "matches", matches) ||
	     json_object_set_new(model, "has_matches", json_boolean(json_array_size(matches) > 0))))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_view_page(req, view, gc_arena_printf(req->arena, "%s_show", k->tmpl), NULL);
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

gc_status capacity_event_show(struct gc_request *req, struct gc_view *view)
{
	return show(req, view, &capacity_events);
}
gc_status capacity_need_show(struct gc_request *req, struct gc_view *view)
{
	return show(req, view, &capacity_needs);
}
gc_status capacity_offer_show(struct gc_request *req, struct gc_view *view)
{
	return show(req, view, &capacity_offers);
}

/* --- the forms ------------------------------------------------------------------------------------------- */

static bool in_values(const json_t *values, const char *name, const char *value)
{
	const json_t *v = json_object_get(values, name);
	char num[24];
	if (json_is_string(v))
		return strcmp(json_string_value(v), value) == 0;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return strcmp(num, value) == 0;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (json_is_string(e) && strcmp(json_string_value(e), value) == 0)
			return true;
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(e));
		if (json_is_integer(e) && strcmp(num, value) == 0)
			return true;
	}
	return false;
}

static gc_status add_choices(json_t *model, const char *name, json_t *choices)
{
	return !choices || json_object_set_new(model, name, choices) ? GC_ENOMEM : GC_OK;
}

gc_status capacity_region_choices(struct gc_request *req, struct gc_db *db, json_t **out)
{
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	const char *sql = gc_arena_printf(req->arena,
					  "SELECT code AS value, name_%s AS label FROM regions ORDER BY level, name_%s", lang,
					  lang);
	return sql ? gc_db_query(db, sql, GC_NO_PARAMS, out) : GC_ENOMEM;
}

static json_t *enum_choices(struct gc_request *req, const char *const *names, const char *field, const json_t *values,
			    const char *name)
{
	json_t *list = json_array();
	for (size_t i = 0; list && names[i]; i++) {
		json_t *c = json_pack("{s:s, s:s, s:b}", "value", names[i], "label", label(req, field, names[i]), "selected",
				      in_values(values, name, names[i]));
		if (!c || json_array_append_new(list, c)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static gc_status mark_selected(json_t *rows, const json_t *values, const char *name)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *v = json_object_get(row, "value");
		char num[24];
		const char *s = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (json_object_set_new(row, "selected", json_boolean(s && in_values(values, name, s))))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/*
 * The assistance contacts a form offers: the owner's (an edit: the item's
 * owner; a creation: the organisation acted for, else the writer's; the
 * Secretariat's admins, who may act for any state, see every organisation's
 * they may see, labelled with the organisation).
 */
static gc_status contact_choices(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *model,
				 const json_t *values, json_t **out)
{
	const struct gc_principal *p = req->principal;
	int64_t org = p ? p->org_id : 0;
	bool any = false;
	json_int_t id = json_integer_value(json_object_get(model, "id"));
	const json_t *acting = json_object_get(values, "acting_for_org");
	int64_t acting_id = 0;
	if (json_is_integer(acting))
		acting_id = (int64_t)json_integer_value(acting);
	else if (json_is_string(acting) &&
		 gc_parse_i64(json_string_value(acting), strlen(json_string_value(acting)), 1, INT64_MAX, &acting_id) != GC_OK)
		acting_id = 0;
	*out = NULL;
	if (id > 0) {
		struct gc_item_envelope env;
		gc_status st = gc_item_get(ctx, (int64_t)id, req->arena, &env);
		if (st != GC_OK)
			return st;
		org = env.owner_org;
	} else if (acting_id > 0) {
		org = acting_id;
	} else if (p && gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN) {
		any = true;
	}
	json_t *rows = NULL;
	gc_status st = capacity_contact_choices(ctx, req->arena, any ? 0 : org, &rows);
	if (st != GC_OK)
		return st;
	const json_t *chosen = json_object_get(values, "contact");
	char chosen_text[24] = "";
	if (json_is_integer(chosen))
		snprintf(chosen_text, sizeof(chosen_text), "%lld", (long long)json_integer_value(chosen));
	else if (json_is_string(chosen))
		snprintf(chosen_text, sizeof(chosen_text), "%s", json_string_value(chosen));
	json_t *list = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *title = json_string_value(json_object_get(row, "function_title"));
		const char *person = json_string_value(json_object_get(row, "person_name"));
		const char *owner = json_string_value(json_object_get(row, "owner_name"));
		json_int_t cid = json_integer_value(json_object_get(row, "id"));
		char value[24];
		snprintf(value, sizeof(value), "%lld", (long long)cid);
		const char *label_text = gc_arena_printf(req->arena, "%s%s%s%s%s", title ? title : "", person ? " — " : "",
							 person ? person : "", any && owner ? " · " : "",
							 any && owner ? owner : "");
		if (!list || !label_text ||
		    json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "value", value, "label", label_text, "selected",
							  strcmp(value, chosen_text) == 0))) {
			json_decref(list);
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	json_decref(rows);
	*out = list;
	return list ? GC_OK : GC_ENOMEM;
}

gc_status capacity_form_model(struct gc_request *req, struct gc_item_ctx *ctx, const struct capacity_kind *k,
			      json_t *model, const json_t *values, const json_t *errors)
{
	const struct gc_principal *p = req->principal;
	static const char *const visibilities[] = { "public", "restricted", "named", NULL };
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *countries = NULL, *orgs = NULL, *orgs2 = NULL, *regions = NULL, *topics = NULL, *langs = NULL,
	       *text_langs = NULL;
	countries = gc_country_choices(lang);
	gc_status st = countries ? GC_OK : GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_query(ctx->db,
				 "SELECT id AS value, name AS label FROM organisations WHERE status = 'active'"
				 " ORDER BY name, id LIMIT 1000",
				 GC_NO_PARAMS, &orgs);
	if (st == GC_OK)
		st = capacity_region_choices(req, ctx->db, &regions);
	if (st != GC_OK)
		goto out;
	orgs2 = json_deep_copy(orgs);
	topics = json_array();
	langs = json_array();
	text_langs = json_array();
	if (!orgs2 || !topics || !langs || !text_langs) {
		st = GC_ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < capacity_taxonomy.count; t++) {
		const struct capacity_topic *topic = &capacity_taxonomy.topics[t];
		if (json_array_append_new(topics, json_pack("{s:s, s:s, s:b, s:b}", "value", topic->key, "label",
							    capacity_topic_name(topic, lang), "selected",
							    in_values(values, "topics", topic->key), "theme", topic->theme))) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		if (json_array_append_new(langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label",
							   gc_lang_native_name(gc_langs[l]), "selected",
							   in_values(values, "languages", gc_langs[l]))) ||
		    json_array_append_new(text_langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label",
								gc_lang_native_name(gc_langs[l]), "selected",
								in_values(values, "lang", gc_langs[l])))) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	json_t *contacts = NULL;
	st = contact_choices(req, ctx, model, values, &contacts);
	if (st == GC_OK && json_object_set_new(model, "contact_choices", contacts))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = mark_selected(countries, values, "eligible_states");
	if (st == GC_OK)
		st = mark_selected(regions, values, "eligible_regions");
	if (st == GC_OK)
		st = mark_selected(orgs, values, "providers");
	if (st == GC_OK)
		st = mark_selected(orgs2, values, "shares");
	if (st != GC_OK)
		goto out;
	const char *status_list = k->status_field;
	bool act_for = p && gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN;
	/* Partners are a textarea, one a line. */
	struct gc_buf partners;
	gc_buf_init(&partners, 8192);
	const json_t *pv = json_object_get(values, "partners");
	size_t i;
	json_t *e;
	if (json_is_string(pv))
		gc_buf_str_raw(&partners, json_string_value(pv));
	json_array_foreach(pv, i, e) {
		if (i)
			gc_buf_lit(&partners, "\n");
		gc_buf_str_raw(&partners, json_string_value(e) ? json_string_value(e) : "");
	}
	json_t *partners_text = gc_buf_error(&partners) ? NULL : json_string(gc_buf_str(&partners));
	gc_buf_free(&partners);
	st = GC_OK;
	if (add_choices(model, "kind_choices", enum_choices(req, capacity_event_kinds, "event_kind", values, "event_kind")) ||
	    add_choices(model, "modality_choices", enum_choices(req, capacity_modalities, "modality", values, "modality")) ||
	    add_choices(model, "modalities_choices", enum_choices(req, capacity_modalities, "modality", values, "modalities")) ||
	    add_choices(model, "audience_choices", enum_choices(req, capacity_audiences, "audience", values, "audience")) ||
	    add_choices(model, "eligibility_choices", enum_choices(req, capacity_eligibilities, "eligibility", values, "eligibility")) ||
	    add_choices(model, "status_choices", enum_choices(req, k->statuses, "status", values, status_list)) ||
	    add_choices(model, "help_choices", enum_choices(req, capacity_help_kinds, "help", values, "help_kinds")) ||
	    add_choices(model, "urgency_choices", enum_choices(req, capacity_urgencies, "urgency", values, "urgency")) ||
	    add_choices(model, "visibility_choices", enum_choices(req, visibilities, "visibility", values, "visibility")) ||
	    json_object_set(model, "topic_choices", topics) || json_object_set(model, "language_choices", langs) ||
	    json_object_set(model, "lang_choices", text_langs) || json_object_set(model, "state_choices", countries) ||
	    json_object_set(model, "region_choices", regions) || json_object_set(model, "provider_choices", orgs) ||
	    json_object_set(model, "share_choices", orgs2) ||
	    json_object_set_new(model, "partners_text", partners_text ? partners_text : json_string("")) ||
	    json_object_set_new(model, "can_act_for", json_boolean(act_for)) ||
	    json_object_set_new(model, "status_field", json_string(k->status_field)) ||
	    json_object_set_new(model, "values", values ? json_deep_copy(values) : json_object()) ||
	    json_object_set_new(model, "errors", errors ? json_deep_copy(errors) : json_object()))
		st = GC_ENOMEM;
out:
	json_decref(countries);
	json_decref(orgs);
	json_decref(orgs2);
	json_decref(regions);
	json_decref(topics);
	json_decref(langs);
	json_decref(text_langs);
	return st;
}

static gc_status new_form(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	const struct gc_principal *p = req->principal;
	struct gc_item_ctx ctx;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!gc_policy_can_create(p, CAPACITY_MODULE, 0))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, gc_arena_printf(req->arena, "%s_form", k->tmpl),
				  gc_arena_printf(req->arena, "capacity.%s_new_title", k->name));
	if (st != GC_OK)
		return st;
	json_t *values = json_pack("{s:s, s:s, s:s, s:[s]}", "lang", req->lang ? req->lang : GC_LANG_DEFAULT, "visibility",
				   gc_principal_is_state(p) ? "restricted" : "public", "eligibility", "all", "languages",
				   req->lang ? req->lang : GC_LANG_DEFAULT);
	if (!values || json_object_set_new(values, k->status_field, json_string(k->statuses[0])) ||
	    json_object_set_new(view->model, "is_edit", json_false()) || json_object_set_new(view->model, "id", json_null())) {
		json_decref(values);
		return GC_ENOMEM;
	}
	st = capacity_form_model(req, &ctx, k, view->model, values, NULL);
	json_decref(values);
	return st;
}

static gc_status edit_form(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	const struct gc_principal *p = req->principal;
	int64_t id = capacity_path_id(req);
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct capacity_row row;
	memset(&row, 0, sizeof(row));
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, CAPACITY_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = capacity_row_read(req, ctx.db, id, k, &row);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	if (!gc_policy_can_edit(p, &env)) {
		json_decref(row.content);
		if (p && p->role == GC_ROLE_READER && p->org_id == env.owner_org)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
		return gc_fail_not_found(req);
	}
	st = gc_view_page(req, view, gc_arena_printf(req->arena, "%s_form", k->tmpl),
			  gc_arena_printf(req->arena, "capacity.%s_edit_title", k->name));
	/* The values are the content, with the text to edit (?text=<lang>, else the first) as title and description. */
	const json_t *text = capacity_text(row.content, gc_query(req, "text"));
	json_t *values = row.content;
	row.content = NULL;
	if (st == GC_OK &&
	    (json_object_set(values, "title", json_object_get(text, "title")) ||
	     json_object_set(values, "description", json_object_get(text, "description")) ||
	     json_object_set(values, "lang", json_object_get(text, "lang")) ||
	     json_object_set_new(values, "version", json_integer((json_int_t)env.version)) ||
	     json_object_set_new(view->model, "is_edit", json_true()) ||
	     json_object_set_new(view->model, "id", json_integer((json_int_t)id))))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = capacity_form_model(req, &ctx, k, view->model, values, NULL);
	json_decref(values);
	return st;
}

gc_status capacity_event_new(struct gc_request *req, struct gc_view *view)
{
	return new_form(req, view, &capacity_events);
}
gc_status capacity_need_new(struct gc_request *req, struct gc_view *view)
{
	return new_form(req, view, &capacity_needs);
}
gc_status capacity_offer_new(struct gc_request *req, struct gc_view *view)
{
	return new_form(req, view, &capacity_offers);
}
gc_status capacity_event_edit_form(struct gc_request *req, struct gc_view *view)
{
	return edit_form(req, view, &capacity_events);
}
gc_status capacity_need_edit_form(struct gc_request *req, struct gc_view *view)
{
	return edit_form(req, view, &capacity_needs);
}
gc_status capacity_offer_edit_form(struct gc_request *req, struct gc_view *view)
{
	return edit_form(req, view, &capacity_offers);
}
