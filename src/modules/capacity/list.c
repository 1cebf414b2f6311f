/*
 * Lists: GET /calendar (a list, or a month grid with view=month), GET
 * /needs, GET /offers, their JSON twins, and the rows of the feeds. Every
 * query appends the visibility predicate (auth/policy.h), for rows and
 * counts alike: nothing the caller may not see is listed, counted or fed.
 */
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "modules/capacity/capacity.h"

#define LIST_MAX_PARAMS GC_DB_MAX_PARAMS

struct list_query {
	struct gc_buf sql;
	struct gc_val params[LIST_MAX_PARAMS];
	size_t n;
	bool overflow;
};

static void q_param(struct list_query *q, struct gc_val v)
{
	if (q->n == LIST_MAX_PARAMS)
		q->overflow = true;
	else
		q->params[q->n++] = v;
}

struct list_filters {
	const char *topic, *region, *modality, *language, *status, *help, *from, *to;
	int64_t provider;
	bool open_to_me;
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static gc_status read_filters(struct gc_request *req, struct list_filters *f)
{
	memset(f, 0, sizeof(*f));
	f->topic = nonempty(gc_query(req, "topic"));
	f->region = nonempty(gc_query(req, "region"));
	f->modality = nonempty(gc_query(req, "modality"));
	f->language = nonempty(gc_query(req, "language"));
	f->status = nonempty(gc_query(req, "status"));
	f->help = nonempty(gc_query(req, "help"));
	f->from = nonempty(gc_query(req, "from"));
	f->to = nonempty(gc_query(req, "to"));
	f->provider = gc_query_int(req, "provider", 0);
	const char *open = gc_query(req, "open_to_me");
	f->open_to_me = open && (strcmp(open, "1") == 0 || strcmp(open, "true") == 0 || strcmp(open, "on") == 0);
	if (f->topic && !capacity_topic_find(f->topic))
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "topic");
	if (f->region && (strlen(f->region) != 3 || strspn(f->region, "0123456789") != 3))
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "region");
	return GC_OK;
}

static void tag_filter(struct list_query *q, const char *tag, const char *value)
{
	gc_buf_lit(&q->sql, " AND EXISTS (SELECT 1 FROM capacity_tags t WHERE t.item_id = i.id AND t.tag = ? AND t.value = ?)");
	q_param(q, GC_TEXT(tag));
	q_param(q, GC_TEXT(value));
}

/*
 * Open to an eligibility: everyone, or a listed region that is one of the
 * country's (region, subregion, intermediate region), or a listed state.
 * For a region filter R: everyone, R or a region containing R, or a state
 * in R.
 */
static void eligibility_country(struct list_query *q, const char *iso3)
{
	gc_buf_lit(&q->sql, " AND (e.eligibility = 'all' OR EXISTS (SELECT 1 FROM capacity_tags t JOIN countries c"
			    " ON c.iso3 = ? WHERE t.item_id = i.id AND t.tag = 'region' AND t.value IN (c.region,"
			    " c.subregion, c.intermediate)) OR EXISTS (SELECT 1 FROM capacity_tags t WHERE"
			    " t.item_id = i.id AND t.tag = 'state' AND t.value = ?))");
	q_param(q, GC_TEXT(iso3));
	q_param(q, GC_TEXT(iso3));
}

static void eligibility_region(struct list_query *q, const char *region)
{
	gc_buf_lit(&q->sql, " AND (e.eligibility = 'all' OR EXISTS (SELECT 1 FROM capacity_tags t WHERE"
			    " t.item_id = i.id AND t.tag = 'region' AND (t.value = ? OR t.value IN (SELECT r.parent FROM"
			    " regions r WHERE r.code = ?) OR t.value IN (SELECT r2.parent FROM regions r1 JOIN regions r2"
			    " ON r2.code = r1.parent WHERE r1.code = ?))) OR EXISTS (SELECT 1 FROM capacity_tags t JOIN"
			    " countries c ON c.iso3 = t.value WHERE t.item_id = i.id AND t.tag = 'state' AND"
			    " ? IN (c.region, c.subregion, c.intermediate)))");
	for (int k = 0; k < 4; k++)
		q_param(q, GC_TEXT(region));
}

/* " FROM ... WHERE ..." of a list of kind k. */
static gc_status list_from(struct gc_request *req, struct gc_item_ctx *ctx, const struct capacity_kind *k,
			   const struct list_filters *f, bool published_only, struct list_query *q)
{
	const char *visible = NULL;
	struct gc_val vparams[GC_POLICY_MAX_PARAMS];
	size_t vn = 0;
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, vparams, &vn);
	if (st != GC_OK)
		return st;
	gc_buf_lit(&q->sql, " FROM items i JOIN capacity_entries e ON e.item_id = i.id"
			    " JOIN organisations o ON o.id = i.owner_org WHERE i.module = 'capacity' AND e.entry_kind = ? AND ");
	q_param(q, GC_TEXT(k->name));
	gc_buf_str_raw(&q->sql, visible);
	for (size_t i = 0; i < vn; i++)
		q_param(q, vparams[i]);
	if (published_only)
		gc_buf_lit(&q->sql, " AND i.status = 'published'");
	if (f->topic)
		tag_filter(q, "topic", f->topic);
	if (f->language)
		tag_filter(q, "language", f->language);
	if (f->modality)
		tag_filter(q, "modality", f->modality);
	if (f->help)
		tag_filter(q, "help", f->help);
	if (f->provider) {
		const char *s = gc_arena_printf(req->arena, "%lld", (long long)f->provider);
		if (!s)
			return GC_ENOMEM;
		tag_filter(q, "provider", s);
	}
	if (f->status) {
		gc_buf_lit(&q->sql, " AND e.entry_status = ?");
		q_param(q, GC_TEXT(f->status));
	}
	if (f->region && k->entry == CAPACITY_NEED)
		tag_filter(q, "home_region", f->region);
	else if (f->region)
		eligibility_region(q, f->region);
	if (f->open_to_me && k->entry != CAPACITY_NEED) {
		const char *country = req->principal ? req->principal->org_country : NULL;
		if (country)
			eligibility_country(q, country);
		else
			gc_buf_lit(&q->sql, " AND e.eligibility = 'all'");
	}
	if (f->from) {
		gc_buf_str_raw(&q->sql, k->entry == CAPACITY_EVENT ? " AND e.ends_at >= ?" : " AND (e.ends_at IS NULL OR e.ends_at >= ?)");
		q_param(q, GC_TEXT(f->from));
	}
	if (f->to) {
		const char *to = gc_arena_printf(req->arena, "%sT23:59:59Z", f->to);
		if (!to)
			return GC_ENOMEM;
		gc_buf_str_raw(&q->sql, k->entry == CAPACITY_EVENT ? " AND e.starts_at <= ?"
							       : " AND (e.starts_at IS NULL OR e.starts_at <= ?)");
		q_param(q, GC_TEXT(to));
	}
	return GC_OK;
}

#define LIST_COLUMNS                                                                                              \
	"SELECT i.id AS id, e.entry_status AS entry_status, e.starts_at AS starts_at, e.ends_at AS ends_at,"       \
	" e.local_day AS local_day, e.sequence AS sequence, e.content AS content, i.visibility AS visibility,"      \
	" i.status AS status, i.owner_org AS owner_id, o.name AS owner_name, i.created_at AS created_at,"         \
	" i.updated_at AS updated_at"

static const char *order_of(const struct capacity_kind *k)
{
	return k->entry == CAPACITY_EVENT ? " ORDER BY e.starts_at, i.id" : " ORDER BY i.id DESC";
}

/* Shapes a row of LIST_COLUMNS: the text in the reader's language, labels, links; content dropped. */
static gc_status shape_row(struct gc_request *req, const struct capacity_kind *k, json_t *row)
{
	const char *text = json_string_value(json_object_get(row, "content"));
	json_t *content = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(content)) {
		json_decref(content);
		return GC_EDB;
	}
	const json_t *t = capacity_text(content, req->lang);
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	const char *status = json_string_value(json_object_get(row, "entry_status"));
	gc_status st = capacity_label_entry(req, k, row, content);
	if (st == GC_OK &&
	    (json_object_set(row, "title", json_object_get(t, "title")) ||
	     json_object_set(row, "lang", json_object_get(t, "lang")) ||
	     json_object_set_new(row, "href", json_string(gc_arena_printf(req->arena, "%s/%lld", k->path, (long long)id))) ||
	     json_object_set_new(row, "status_label",
				 json_string(gc_req_tr(req, gc_arena_printf(req->arena, "capacity.status_%s", status)))) ||
	     json_object_set_new(row, "is_cancelled", json_boolean(status && strcmp(status, "cancelled") == 0)) ||
	     json_object_set_new(row, "owner", json_pack("{s:O, s:O}", "id", json_object_get(row, "owner_id"), "name",
							json_object_get(row, "owner_name")))))
		st = GC_ENOMEM;
	json_decref(content);
	json_object_del(row, "content");
	json_object_del(row, "owner_id");
	json_object_del(row, "owner_name");
	return st;
}

gc_status capacity_query_rows(struct gc_request *req, struct gc_item_ctx *ctx, const struct capacity_kind *k,
			      bool published_only, int64_t limit, int64_t offset, int64_t *count, json_t **rows)
{
	struct list_filters f;
	struct list_query q = { .n = 0 };
	gc_status st = read_filters(req, &f);
	if (st != GC_OK)
		return st;
	gc_buf_init(&q.sql, 16384);
	if (count) {
		gc_buf_lit(&q.sql, "SELECT COUNT(*) AS n");
		st = list_from(req, ctx, k, &f, published_only, &q);
		if (st == GC_OK && (gc_buf_error(&q.sql) || q.overflow))
			st = GC_ENOMEM;
		if (st == GC_OK)
			st = gc_db_query_int(ctx->db, gc_buf_str(&q.sql), q.params, q.n, count);
		gc_buf_reset(&q.sql);
		q.n = 0;
	}
	if (st == GC_OK) {
		gc_buf_lit(&q.sql, LIST_COLUMNS);
		st = list_from(req, ctx, k, &f, published_only, &q);
	}
	if (st == GC_OK) {
		gc_buf_str_raw(&q.sql, order_of(k));
		gc_buf_lit(&q.sql, " LIMIT ? OFFSET ?");
		q_param(&q, GC_INT(limit));
		q_param(&q, GC_INT(offset));
		if (gc_buf_error(&q.sql) || q.overflow)
			st = GC_ENOMEM;
	}
	if (st == GC_OK)
		st = gc_db_query(ctx->db, gc_buf_str(&q.sql), q.params, q.n, rows);
	gc_buf_free(&q.sql);
	return st;
}

/* --- the filter form ---------------------------------------------------------------------------------------- */

static const char *const list_keep[] = { "topic", "region", "modality", "language", "status", "help", "from", "to",
					 "provider", "open_to_me", "view", "month", "per_page", NULL };

/* Appends the filters as given, values percent-encoded, skipping skip (may be NULL). */
static void append_kept(const struct gc_request *req, struct gc_buf *b, char first, const char *skip, const char *skip2)
{
	char sep = first;
	for (size_t k = 0; list_keep[k]; k++) {
		const char *v = gc_query(req, list_keep[k]);
		if (!v || !*v || (skip && strcmp(list_keep[k], skip) == 0) || (skip2 && strcmp(list_keep[k], skip2) == 0))
			continue;
		gc_buf_char(b, sep);
		sep = '&';
		gc_buf_str_raw(b, list_keep[k]);
		gc_buf_char(b, '=');
		gc_buf_url_query(b, v, strlen(v));
	}
}

static json_t *href_with(struct gc_request *req, const char *base, const char *skip, const char *skip2)
{
	struct gc_buf b;
	gc_buf_init(&b, 8192);
	gc_buf_str_raw(&b, base);
	append_kept(req, &b, strchr(base, '?') ? '&' : '?', skip, skip2);
	json_t *out = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
	gc_buf_free(&b);
	return out;
}

static json_t *choice_list(struct gc_request *req, const char *const *names, const char *prefix, const char *selected)
{
	json_t *list = json_array();
	for (size_t i = 0; list && names[i]; i++) {
		const char *key = gc_arena_printf(req->arena, "capacity.%s_%s", prefix, names[i]);
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "value", names[i], "label", gc_req_tr(req, key),
							  "selected", selected && strcmp(selected, names[i]) == 0))) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static gc_status filter_choices(struct gc_request *req, struct gc_item_ctx *ctx, const struct capacity_kind *k,
				json_t *model)
{
	struct list_filters f;
	json_t *regions = NULL, *orgs = NULL;
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	gc_status st = read_filters(req, &f);
	if (st == GC_OK)
		st = capacity_region_choices(req, ctx->db, &regions);
	if (st == GC_OK)
		st = gc_db_query(ctx->db,
				 "SELECT id AS value, name AS label FROM organisations WHERE status = 'active'"
				 " ORDER BY name, id LIMIT 1000",
				 GC_NO_PARAMS, &orgs);
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	st = GC_ENOMEM;
	json_array_foreach(regions, i, row)
		if (json_object_set_new(row, "selected", json_boolean(f.region && strcmp(f.region, json_string_value(json_object_get(row, "value"))) == 0)))
			goto out;
	json_array_foreach(orgs, i, row)
		if (json_object_set_new(row, "selected", json_boolean(json_integer_value(json_object_get(row, "value")) == f.provider)))
			goto out;
	json_t *topics = json_array(), *langs = json_array();
	if (!topics || !langs || json_object_set_new(model, "topic_choices", topics) ||
	    json_object_set_new(model, "language_choices", langs))
		goto out;
	for (size_t t = 0; t < capacity_taxonomy.count; t++) {
		const struct capacity_topic *topic = &capacity_taxonomy.topics[t];
		if (json_array_append_new(topics, json_pack("{s:s, s:s, s:b}", "value", topic->key, "label",
							    capacity_topic_name(topic, lang), "selected",
							    f.topic && strcmp(f.topic, topic->key) == 0)))
			goto out;
	}
	for (size_t l = 0; l < GC_LANG_COUNT; l++)
		if (json_array_append_new(langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label",
							   gc_lang_native_name(gc_langs[l]), "selected",
							   f.language && strcmp(f.language, gc_langs[l]) == 0)))
			goto out;
	if (json_object_set(model, "region_choices", regions) || json_object_set(model, "provider_choices", orgs) ||
	    json_object_set_new(model, "modality_choices", choice_list(req, capacity_modalities, "modality", f.modality)) ||
	    json_object_set_new(model, "status_choices", choice_list(req, k->statuses, "status", f.status)) ||
	    json_object_set_new(model, "help_choices", choice_list(req, capacity_help_kinds, "help", f.help)) ||
	    json_object_set_new(model, "open_to_me", json_boolean(f.open_to_me)) ||
	    json_object_set_new(model, "filter_from", json_string(f.from ? f.from : "")) ||
	    json_object_set_new(model, "filter_to", json_string(f.to ? f.to : "")))
		goto out;
	st = GC_OK;
out:
	json_decref(regions);
	json_decref(orgs);
	return st;
}

/* --- the month grid ------------------------------------------------------------------------------------------- */

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

/* 0 = Monday. */
static int weekday(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	if (m < 3)
		y -= 1;
	int w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7; /* 0 = Sunday */
	return (w + 6) % 7;
}

/*
 * The month's weeks, Monday first: [{days: [{day, date, in_month, events:
 * [{id, title, href, time (the local start time, on the first day only),
 * starts_at}]}]}]. An event appears on each of its days in its own
 * time zone's dates.
 */
static gc_status month_grid(struct gc_request *req, int y, int m, const json_t *rows, json_t *model)
{
	json_t *weeks = json_array(), *week = NULL;
	if (!weeks || json_object_set_new(model, "weeks", weeks))
		return GC_ENOMEM;
	int first = weekday(y, m, 1), n = days_in_month(y, m);
	int cells = ((first + n + 6) / 7) * 7;
	for (int c = 0; c < cells; c++) {
		if (c % 7 == 0) {
			week = json_array();
			if (!week || json_array_append_new(weeks, json_pack("{s:o}", "days", week)))
				return GC_ENOMEM;
		}
		int d = c - first + 1;
		bool in = d >= 1 && d <= n;
		char date[32] = "";
		if (in)
			snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
		json_t *events = json_array();
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			const char *s = json_string_value(json_object_get(row, "starts"));
			const char *e = json_string_value(json_object_get(row, "ends"));
			if (!in || !s || !e || strncmp(s, date, 10) > 0 || strncmp(e, date, 10) < 0)
				continue;
			/* On its first day, the local start time ("10:00"), beside its UTC instant. */
			char at[8] = "";
			if (strncmp(s, date, 10) == 0 && strlen(s) >= 16)
				snprintf(at, sizeof(at), "%.5s", s + 11);
			if (json_array_append_new(events, json_pack("{s:O, s:O, s:O, s:O, s:s?, s:O}", "id", json_object_get(row, "id"),
								    "title", json_object_get(row, "title"), "href",
								    json_object_get(row, "href"), "is_cancelled",
								    json_object_get(row, "is_cancelled"), "time", at[0] ? at : NULL,
								    "starts_at", json_object_get(row, "starts_at")))) {
				json_decref(events);
				return GC_ENOMEM;
			}
		}
		if (!events || json_array_append_new(week, json_pack("{s:b, s:i, s:s, s:o, s:b}", "in_month", in, "day", in ? d : 0,
								     "date", date, "events", events, "has_events",
								     json_array_size(events) > 0)))
			return GC_ENOMEM;
	}
	int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1, ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	const char *key = gc_arena_printf(req->arena, "capacity.month_%02d", m);
	if (json_object_set_new(model, "month", json_string(gc_arena_printf(req->arena, "%04d-%02d", y, m))) ||
	    json_object_set_new(model, "month_label",
				json_string(gc_arena_printf(req->arena, "%s %04d", gc_req_tr(req, key), y))) ||
	    json_object_set_new(model, "previous_month", json_string(gc_arena_printf(req->arena, "%04d-%02d", py, pm))) ||
	    json_object_set_new(model, "next_month", json_string(gc_arena_printf(req->arena, "%04d-%02d", ny, nm))))
		return GC_ENOMEM;
	json_t *names = json_array();
	if (!names || json_object_set_new(model, "weekdays", names))
		return GC_ENOMEM;
	for (int w = 0; w < 7; w++)
		if (json_array_append_new(names, json_string(gc_req_tr(req, gc_arena_printf(req->arena, "capacity.weekday_%d", w)))))
			return GC_ENOMEM;
	return GC_OK;
}

/* --- GET /calendar, /needs, /offers ---------------------------------------------------------------------------- */

static gc_status list(struct gc_request *req, struct gc_view *view, const struct capacity_kind *k)
{
	struct gc_item_ctx ctx;
	json_t *rows = NULL;
	int64_t page = gc_query_int(req, "page", 1);
	int64_t per_page = gc_query_int(req, "per_page", CAPACITY_PAGE_SIZE);
	int64_t count = 0;
	const char *view_kind = gc_query(req, "view");
	bool month = k->entry == CAPACITY_EVENT && view_kind && strcmp(view_kind, "month") == 0;
	int y = 0, m = 0;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, gc_arena_printf(req->arena, "%s_list", k->tmpl), k->title_key);
	if (st != GC_OK)
		return st;
	if (month) {
		const char *ms = gc_query(req, "month");
		char now[32];
		if (!ms || !*ms) {
			gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
			ms = now;
		}
		if (strlen(ms) < 7 || strspn(ms, "0123456789") != 4 || ms[4] != '-' || ms[5] < '0' || ms[5] > '1' ||
		    ms[6] < '0' || ms[6] > '9' || (ms[5] - '0') * 10 + (ms[6] - '0') < 1 || (ms[5] - '0') * 10 + (ms[6] - '0') > 12)
			return gc_fail(req, 400, "invalid_param", "error.invalid_param", "month");
		y = (ms[0] - '0') * 1000 + (ms[1] - '0') * 100 + (ms[2] - '0') * 10 + (ms[3] - '0');
		m = (ms[5] - '0') * 10 + (ms[6] - '0');
		/* The month's events: those whose (UTC) span meets it, a day of margin for time zones. */
		int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
		int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
		(void)py;
		const char *from = gc_arena_printf(req->arena, "%04d-%02d-%02d", m == 1 ? y - 1 : y, pm, days_in_month(m == 1 ? y - 1 : y, pm));
		const char *to = gc_arena_printf(req->arena, "%04d-%02d-01", ny, nm);
		struct list_filters f;
		struct list_query q = { .n = 0 };
		st = read_filters(req, &f);
		if (st != GC_OK)
			return st;
		if (!f.from || strcmp(f.from, from) < 0)
			f.from = from;
		if (!f.to || strcmp(f.to, to) > 0)
			f.to = to;
		gc_buf_init(&q.sql, 16384);
		gc_buf_lit(&q.sql, LIST_COLUMNS);
		st = list_from(req, &ctx, k, &f, false, &q);
		gc_buf_lit(&q.sql, " ORDER BY e.starts_at, i.id LIMIT ?");
		q_param(&q, GC_INT(CAPACITY_FEED_MAX));
		if (st == GC_OK && (gc_buf_error(&q.sql) || q.overflow))
			st = GC_ENOMEM;
		if (st == GC_OK)
			st = gc_db_query(ctx.db, gc_buf_str(&q.sql), q.params, q.n, &rows);
		gc_buf_free(&q.sql);
		count = (int64_t)json_array_size(rows);
	} else {
		st = capacity_query_rows(req, &ctx, k, false, per_page, (page - 1) * per_page, &count, &rows);
	}
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		st = shape_row(req, k, row);
		if (st != GC_OK)
			goto out;
	}
	json_t *model = view->model;
	st = GC_ENOMEM;
	if (json_object_set_new(model, "count", json_integer(count)) || json_object_set(model, "items", rows) ||
	    json_object_set_new(model, "has_items", json_boolean(json_array_size(rows) > 0)) ||
	    json_object_set_new(model, "view", json_string(month ? "month" : "list")) ||
	    json_object_set_new(model, "is_month", json_boolean(month)) ||
	    json_object_set_new(model, "can_create", json_boolean(req->principal && gc_policy_can_create(req->principal, CAPACITY_MODULE, 0))))
		goto out;
	if (!month && (json_object_set_new(model, "page", json_integer(page)) ||
		       json_object_set_new(model, "per_page", json_integer(per_page))))
		goto out;
	if (k->entry == CAPACITY_EVENT &&
	    (json_object_set_new(model, "ics_href", href_with(req, "/calendar.ics", "view", "per_page")) ||
	     json_object_set_new(model, "atom_href", href_with(req, "/calendar.atom", "view", "per_page")) ||
	     json_object_set_new(model, "feeds", json_pack("[{s:s, s:o}]", "title", gc_req_tr(req, "capacity.calendar_title"), "href",
							  href_with(req, "/calendar.atom", "view", "per_page"))) ||
	     json_object_set_new(model, "month_href", href_with(req, "/calendar?view=month", "view", NULL)) ||
	     json_object_set_new(model, "list_href", href_with(req, "/calendar?view=list", "view", "month"))))
		goto out;
	if (month && month_grid(req, y, m, rows, model) != GC_OK)
		goto out;
	if (!month) {
		bool has_previous = page > 1, has_next = page * per_page < count && page < CAPACITY_MAX_PAGE;
		json_t *pages = json_object();
		if (!pages || json_object_set_new(model, "pages", pages))
			goto out;
		const char *base_prev = gc_arena_printf(req->arena, "%s?page=%lld", k->path, (long long)(page - 1));
		const char *base_next = gc_arena_printf(req->arena, "%s?page=%lld", k->path, (long long)(page + 1));
		if ((has_previous && json_object_set_new(pages, "previous_href", href_with(req, base_prev, NULL, NULL))) ||
		    (has_next && json_object_set_new(pages, "next_href", href_with(req, base_next, NULL, NULL))))
			goto out;
	}
	st = GC_OK;
	if (!req->is_api)
		st = filter_choices(req, &ctx, k, model);
	view->cacheable = true;
out:
	json_decref(rows);
	return st;
}

gc_status capacity_event_list(struct gc_request *req, struct gc_view *view)
{
	return list(req, view, &capacity_events);
}
gc_status capacity_need_list(struct gc_request *req, struct gc_view *view)
{
	return list(req, view, &capacity_needs);
}
gc_status capacity_offer_list(struct gc_request *req, struct gc_view *view)
{
	return list(req, view, &capacity_offers);
}

/* --- the home page ----------------------------------------------------------------------------------------------- */

gc_status capacity_home(struct gc_request *req, json_t *home_model)
{
	struct gc_item_ctx ctx;
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	int64_t count = 0;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_policy_visible_sql(req->principal, ctx.restricted_includes_observers, "i", "id", req->arena,
					   &visible, params, &n);
	const char *sql = visible ? gc_arena_printf(req->arena,
						    "SELECT COUNT(*) AS n FROM items i JOIN capacity_entries e ON e.item_id = i.id"
						    " WHERE i.module = 'capacity' AND e.entry_kind = 'event' AND %s",
						    visible)
				  : NULL;
	if (st == GC_OK && !sql)
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_query_int(ctx.db, sql, params, n, &count);
	if (st != GC_OK)
		return st;
	json_t *card = json_pack("{s:s, s:s, s:s}", "href", "/calendar", "title", gc_req_tr(req, "capacity.home_title"),
				 "text", gc_req_tr(req, "capacity.home_text"));
	if (!card || json_array_append_new(json_object_get(home_model, "modules"), card) ||
	    json_object_set_new(json_object_get(home_model, "stats"), "programmes", json_integer(count)))
		return GC_ENOMEM;
	return GC_OK;
}
