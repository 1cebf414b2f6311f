/*
 * Up to three states side by side: GET /compare?c=IND&c=BRA&c=KEN (and
 * /api/v1/compare). For each state, from the policies the caller may see
 * and nothing else: its policies by kind, the topics they cover, its latest
 * national strategy and the count of each policy status. A hidden policy
 * never changes a count: every row comes from one query that carries the
 * visibility predicate (auth/policy.h).
 *
 * The route lives here, not in the countries module, because every figure
 * on the page is a policy's; the states' names come from the countries
 * table, which every module may read.
 *
 * Input: "c", repeated; codes are read without regard to case; repeated
 * codes count once. More than POLICIES_COMPARE_MAX distinct codes, or a code
 * that is not a UN member or observer state, is a 422 naming "c" (the
 * message names the code). No code at all: the form alone.
 */
#include <string.h>

#include "render/places.h"
#include "modules/policies/policies.h"

/* The states of the request: codes upper-cased, repeated ones folded. */
struct compare_states {
	const char *iso3[POLICIES_COMPARE_MAX];
	const char *name[POLICIES_COMPARE_MAX];
	size_t n;
};

/* Reads "c": GC_OK with the states, or GC_EINVAL with *bad the code at fault (NULL: too many). */
static gc_status read_states(struct gc_request *req, struct compare_states *s, const char **bad)
{
	const char *values[POLICIES_COMPARE_MAX_PARAMS];
	size_t n = gc_query_all(req, "c", values, POLICIES_COMPARE_MAX_PARAMS);
	s->n = 0;
	*bad = NULL;
	for (size_t i = 0; i < n && i < POLICIES_COMPARE_MAX_PARAMS; i++) {
		const char *v = values[i];
		if (!v || !*v)
			continue; /* a form's empty choice */
		char code[4] = "";
		bool ok = strlen(v) == 3;
		for (size_t k = 0; ok && k < 3; k++) {
			char c = v[k];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			ok = c >= 'A' && c <= 'Z';
			code[k] = c;
		}
		if (!ok) {
			*bad = v;
			return GC_EINVAL;
		}
		bool seen = false;
		for (size_t k = 0; k < s->n; k++)
			seen = seen || strcmp(s->iso3[k], code) == 0;
		if (seen)
			continue;
		const char *name = gc_country_name(code, req->lang);
		if (!name) {
			*bad = v;
			return GC_EINVAL;
		}
		if (s->n == POLICIES_COMPARE_MAX)
			return GC_EINVAL;
		s->iso3[s->n] = gc_arena_strdup(req->arena, code);
		s->name[s->n] = name;
		if (!s->iso3[s->n])
			return GC_ENOMEM;
		s->n++;
	}
	return GC_OK;
}

/* The visible policies of one state, with the title in the reader's language: newest adopted first. */
static gc_status state_rows(struct gc_request *req, struct gc_item_ctx *ctx, const char *iso3, json_t **rows)
{
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 3];
	size_t n = 0;
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, params + 2, &n);
	if (st != GC_OK)
		return st;
	params[0] = GC_TEXT(req->lang ? req->lang : GC_LANG_DEFAULT);
	params[1] = GC_TEXT(iso3);
	params[n + 2] = GC_INT(POLICIES_COMPARE_MAX_ROWS);
	const char *sql = gc_arena_printf(
		req->arena,
		"SELECT i.id AS id, t.title AS title, t.lang AS lang, p.kind AS kind, p.adopted AS adopted,"
		" p.adopted_year AS year, p.policy_status AS policy_status, p.topics AS topics"
		" FROM items i JOIN policies p ON p.item_id = i.id"
		" JOIN policy_texts t ON t.item_id = i.id AND t.lang = (SELECT t2.lang FROM policy_texts t2"
		" WHERE t2.item_id = i.id ORDER BY CASE WHEN t2.lang = ? THEN 0 ELSE 1 END, t2.position LIMIT 1)"
		" WHERE i.module = 'policies' AND i.country = ? AND %s"
		" ORDER BY (p.adopted IS NULL), p.adopted DESC, i.id DESC LIMIT ?",
		visible);
	if (!sql)
		return GC_ENOMEM;
	return gc_db_query(ctx->db, sql, params, n + 3, rows);
}

static size_t kind_index(const char *kind)
{
	for (size_t k = 0; policies_kinds[k]; k++)
		if (kind && strcmp(kind, policies_kinds[k]) == 0)
			return k;
	return 0;
}

static size_t status_index(const char *status)
{
	for (size_t k = 0; policies_statuses[k]; k++)
		if (status && strcmp(status, policies_statuses[k]) == 0)
			return k;
	return 0;
}

#define N_KINDS 8
#define N_STATUSES 4

/* What the page shows of one state, counted from its visible rows. */
struct state_figures {
	size_t by_kind[N_KINDS];
	size_t by_status[N_STATUSES];
	size_t by_topic[POLICIES_MAX_TAXONOMY];
	json_t *kind_items[N_KINDS]; /* [{id, title, lang, href, year}] */
	json_t *latest_strategy;     /* the newest national strategy with a date, or NULL */
	size_t count;
};

static void figures_free(struct state_figures *f)
{
	for (size_t k = 0; k < N_KINDS; k++)
		json_decref(f->kind_items[k]);
	json_decref(f->latest_strategy);
}

static gc_status figures_count(struct gc_request *req, const json_t *rows, struct state_figures *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t k = 0; k < N_KINDS; k++)
		if (!(f->kind_items[k] = json_array()))
			return GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *kind = json_string_value(json_object_get(row, "kind"));
		size_t ki = kind_index(kind);
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		json_t *year = json_object_get(row, "year");
		json_t *entry = json_pack("{s:I, s:O, s:O, s:s, s:O}", "id", id, "title", json_object_get(row, "title"),
					  "lang", json_object_get(row, "lang"), "href",
					  gc_arena_printf(req->arena, "/policies/%lld", (long long)id), "year",
					  json_is_integer(year) ? year : json_null());
		if (!entry || json_array_append_new(f->kind_items[ki], entry))
			return GC_ENOMEM;
		f->count++;
		f->by_kind[ki]++;
		f->by_status[status_index(json_string_value(json_object_get(row, "policy_status")))]++;
		/* Rows come newest first: the first dated strategy is the latest. */
		if (!f->latest_strategy && kind && strcmp(kind, "national_strategy") == 0 && json_is_integer(year))
			f->latest_strategy = json_incref(entry);
		const char *topics_json = json_string_value(json_object_get(row, "topics"));
		json_t *topics = json_loads(topics_json ? topics_json : "[]", 0, NULL);
		size_t t;
		json_t *topic;
		json_array_foreach(topics, t, topic) {
			for (size_t k = 0; k < policies_taxonomy.count; k++)
				if (json_is_string(topic) && strcmp(policies_taxonomy.topics[k].key, json_string_value(topic)) == 0)
					f->by_topic[k]++;
		}
		json_decref(topics);
	}
	return GC_OK;
}

/* The comparison's model: states (the API's view of each) and the rows of the page's tables. */
static gc_status compare_model(struct gc_request *req, struct gc_item_ctx *ctx, const struct compare_states *s,
			       json_t *model)
{
	struct state_figures figs[POLICIES_COMPARE_MAX];
	size_t done = 0;
	gc_status st = GC_OK;
	for (; done < s->n && st == GC_OK; done++) {
		json_t *rows = NULL;
		st = state_rows(req, ctx, s->iso3[done], &rows);
		if (st == GC_OK)
			st = figures_count(req, rows, &figs[done]);
		else
			memset(&figs[done], 0, sizeof(figs[done]));
		json_decref(rows);
	}
	if (st != GC_OK)
		goto out;
	st = GC_ENOMEM;
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *states = json_array(), *kind_rows = json_array(), *topic_rows = json_array(),
	       *status_rows = json_array();
	if (json_object_set_new(model, "states", states) || json_object_set_new(model, "kind_rows", kind_rows) ||
	    json_object_set_new(model, "topic_rows", topic_rows) || json_object_set_new(model, "status_rows", status_rows))
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		const struct state_figures *f = &figs[i];
		json_t *by_kind = json_object(), *by_status = json_object(), *topics = json_object();
		json_t *state = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:O}", "iso3", s->iso3[i], "name",
					  s->name[i], "href", gc_arena_printf(req->arena, "/countries/%s", s->iso3[i]),
					  "policies_href", gc_arena_printf(req->arena, "/policies?country=%s", s->iso3[i]),
					  "count", (json_int_t)f->count, "by_kind", by_kind, "by_status", by_status,
					  "topics", topics, "latest_strategy",
					  f->latest_strategy ? f->latest_strategy : json_null());
		if (!state || json_array_append_new(states, state))
			goto out;
		for (size_t k = 0; k < N_KINDS; k++)
			if (json_object_set_new(by_kind, policies_kinds[k],
						json_pack("{s:I, s:O}", "count", (json_int_t)f->by_kind[k], "items",
							  f->kind_items[k])))
				goto out;
		for (size_t k = 0; k < N_STATUSES; k++)
			if (json_object_set_new(by_status, policies_statuses[k], json_integer((json_int_t)f->by_status[k])))
				goto out;
		for (size_t k = 0; k < policies_taxonomy.count; k++)
			if (json_object_set_new(topics, policies_taxonomy.topics[k].key,
						json_integer((json_int_t)f->by_topic[k])))
				goto out;
	}
	/* The page's tables, row by row (Mustache has no indexing). */
	for (size_t k = 0; k < N_KINDS; k++) {
		json_t *cells = json_array();
		json_t *row = json_pack("{s:s, s:s, s:o}", "kind", policies_kinds[k], "label",
					gc_req_tr(req, policies_kind_key(req, policies_kinds[k])), "cells", cells);
		if (!row || json_array_append_new(kind_rows, row))
			goto out;
		for (size_t i = 0; i < s->n; i++)
			if (json_array_append_new(cells, json_pack("{s:s, s:I, s:b, s:O}", "state", s->name[i], "count",
								  (json_int_t)figs[i].by_kind[k], "none",
								  figs[i].by_kind[k] == 0, "items", figs[i].kind_items[k])))
				goto out;
	}
	for (size_t t = 0; t < policies_taxonomy.count; t++) {
		const struct policies_topic *topic = &policies_taxonomy.topics[t];
		json_t *cells = json_array();
		json_t *row = json_pack("{s:s, s:s, s:o}", "key", topic->key, "name", policies_topic_name(topic, lang),
					"cells", cells);
		if (!row || json_array_append_new(topic_rows, row))
			goto out;
		for (size_t i = 0; i < s->n; i++)
			if (json_array_append_new(cells, json_pack("{s:s, s:I, s:b, s:s}", "state", s->name[i], "count",
								  (json_int_t)figs[i].by_topic[t], "covered",
								  figs[i].by_topic[t] > 0, "href",
								  gc_arena_printf(req->arena, "/policies?country=%s&topic=%s",
										  s->iso3[i], topic->key))))
				goto out;
	}
	for (size_t k = 0; k < N_STATUSES; k++) {
		json_t *cells = json_array();
		json_t *row = json_pack("{s:s, s:s, s:o}", "status", policies_statuses[k], "label",
					gc_req_tr(req, policies_status_key(req, policies_statuses[k])), "cells", cells);
		if (!row || json_array_append_new(status_rows, row))
			goto out;
		for (size_t i = 0; i < s->n; i++)
			if (json_array_append_new(cells, json_pack("{s:I}", "count", (json_int_t)figs[i].by_status[k])))
				goto out;
	}
	st = GC_OK;
out:
	for (size_t i = 0; i < done; i++)
		figures_free(&figs[i]);
	return st;
}

/* The form's three choices of state, the chosen ones selected. */
static gc_status compare_form(struct gc_request *req, const struct compare_states *s,
			      json_t *model)
{
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *countries = gc_country_choices(lang);
	if (!countries)
		return GC_ENOMEM;
	gc_status st;
	json_t *slots = json_array();
	st = slots && json_object_set_new(model, "slots", slots) == 0 ? GC_OK : GC_ENOMEM;
	for (size_t slot = 0; st == GC_OK && slot < POLICIES_COMPARE_MAX; slot++) {
		json_t *choices = json_array();
		static const char *const labels[] = { "compare.state_1", "compare.state_2", "compare.state_3" };
		json_t *entry = json_pack("{s:s, s:s, s:o, s:b}", "id", gc_arena_printf(req->arena, "compare-c%zu", slot + 1),
					  "label", gc_req_tr(req, labels[slot]), "choices", choices, "first", slot == 0);
		if (!entry || json_array_append_new(slots, entry)) {
			st = GC_ENOMEM;
			break;
		}
		size_t i;
		json_t *row;
		json_array_foreach(countries, i, row) {
			const char *iso3 = json_string_value(json_object_get(row, "value"));
			bool on = slot < s->n && iso3 && strcmp(iso3, s->iso3[slot]) == 0;
			if (json_array_append_new(choices, json_pack("{s:O, s:O, s:b}", "value", json_object_get(row, "value"),
								     "label", json_object_get(row, "label"), "selected", on))) {
				st = GC_ENOMEM;
				break;
			}
		}
	}
	json_decref(countries);
	return st;
}

gc_status policies_compare(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct compare_states s = { .n = 0 };
	const char *bad = NULL;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = read_states(req, &s, &bad);
	if (st != GC_OK && st != GC_EINVAL)
		return st;
	const char *error = NULL;
	if (st == GC_EINVAL) {
		const char *key = bad ? "compare.unknown_state" : "compare.too_many";
		error = bad ? gc_arena_printf(req->arena, "%s %s", gc_req_tr(req, key), bad) : gc_req_tr(req, key);
		if (!error)
			return GC_ENOMEM;
		if (req->is_api) {
			st = gc_fail(req, 422, "invalid_field", key, "c");
			req->err_message = error;
			return st;
		}
		s.n = 0;
	}
	st = gc_view_page(req, view, "policies/compare", "compare.title");
	if (st != GC_OK)
		return st;
	if (error) {
		view->status = 422;
		if (json_object_set_new(view->model, "error", json_string(error)))
			return GC_ENOMEM;
	}
	json_t *topics_total = json_integer((json_int_t)policies_taxonomy.count);
	if (json_object_set_new(view->model, "max_states", json_integer(POLICIES_COMPARE_MAX)) ||
	    json_object_set_new(view->model, "topic_count", topics_total) ||
	    json_object_set_new(view->model, "has_states", json_boolean(s.n > 0)))
		return GC_ENOMEM;
	st = compare_model(req, &ctx, &s, view->model);
	if (st == GC_OK && !req->is_api)
		st = compare_form(req, &s, view->model);
	if (st != GC_OK)
		return st;
	if (s.n) {
		struct gc_buf title;
		gc_buf_init(&title, 4096);
		gc_buf_str_raw(&title, gc_req_tr(req, "compare.title"));
		gc_buf_lit(&title, ": ");
		for (size_t i = 0; i < s.n; i++) {
			if (i)
				gc_buf_lit(&title, ", ");
			gc_buf_str_raw(&title, s.name[i]);
		}
		view->title = gc_buf_error(&title) ? NULL : gc_arena_strndup(req->arena, title.data, title.len);
		gc_buf_free(&title);
	}
	view->cacheable = true;
	return GC_OK;
}
