/*
 * Subscriptions and digests. A signed-in person chooses topics, regions and
 * languages (each list empty: any) and daily or weekly; the job
 * "capacity.digest" then e-mails them, through the outbox (store/outbox.h),
 * the published programmes they may see that are new or changed since their
 * last digest, and nothing when nothing is new. The job checks every hour
 * which subscriptions are due (daily: a day after the last digest; weekly: a
 * week), and queues its next run itself; saving a subscription queues one
 * when none is waiting.
 *
 * A digest is written in the language chosen with the subscription ("lang",
 * by default the language the person used when subscribing): subject,
 * text and dates; links under the configuration's base_url.
 */
#include <string.h>

#include "auth/accounts.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/mail.h"
#include "base/text.h"
#include "modules/capacity/capacity.h"
#include "render/dates.h"
#include "store/outbox.h"

#define DIGEST_JOB "capacity.digest"
#define DIGEST_EVERY_S 3600
#define DIGEST_MAX_SUBSCRIPTIONS 500 /* per run: the rest wait for the next */
#define DIGEST_MAX_EVENTS 50
#define SUB_MAX_TOPICS 12
#define SUB_MAX_REGIONS 6

static const char *const frequencies[] = { "daily", "weekly", NULL };

/* --- the job ----------------------------------------------------------------------------------------- */

/* Queues the digest job at run_at unless one is already waiting. */
static gc_status digest_schedule(struct gc_db *db, int64_t run_at)
{
	int64_t waiting = 0;
	gc_status st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM jobs WHERE kind = ? AND status = 'queued'",
				       GC_PARAMS(GC_TEXT(DIGEST_JOB)), &waiting);
	if (st == GC_OK && waiting == 0)
		st = gc_jobs_enqueue(db, DIGEST_JOB, NULL, run_at, NULL);
	return st;
}

static void append_list(struct gc_buf *sql, const json_t *list, struct gc_val *params, size_t *n)
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		gc_buf_str_raw(sql, i ? ", ?" : "?");
		params[(*n)++] = GC_TEXT(json_string_value(e));
	}
}

/* The new and changed programmes since `since` for one subscriber. */
static gc_status digest_rows(struct gc_db *db, struct gc_arena *arena, const struct gc_principal *p, const json_t *sub,
			     const char *since, json_t **rows)
{
	const char *visible = NULL;
	struct gc_val params[GC_DB_MAX_PARAMS];
	size_t n = 0, vn = 0;
	bool observers = false;
	gc_status st = gc_policy_read_observers(db, &observers);
	if (st == GC_OK)
		st = gc_policy_visible_sql(p, observers, "i", "id", arena, &visible, params, &vn);
	if (st != GC_OK)
		return st;
	n = vn;
	struct gc_buf sql;
	gc_buf_init(&sql, 16384);
	gc_buf_lit(&sql, "SELECT i.id AS id, e.entry_status AS entry_status, e.content AS content, e.sequence AS sequence"
			 " FROM items i JOIN capacity_entries e ON e.item_id = i.id WHERE ");
	gc_buf_str_raw(&sql, visible);
	gc_buf_lit(&sql, " AND i.module = 'capacity' AND e.entry_kind = 'event' AND i.status = 'published' AND i.updated_at > ?");
	params[n++] = GC_TEXT(since);
	const json_t *topics = json_object_get(sub, "topics"), *langs = json_object_get(sub, "languages"),
		     *regions = json_object_get(sub, "regions");
	if (json_array_size(topics)) {
		gc_buf_lit(&sql, " AND EXISTS (SELECT 1 FROM capacity_tags t WHERE t.item_id = i.id AND t.tag = 'topic' AND t.value IN (");
		append_list(&sql, topics, params, &n);
		gc_buf_lit(&sql, "))");
	}
	if (json_array_size(langs)) {
		gc_buf_lit(&sql, " AND EXISTS (SELECT 1 FROM capacity_tags t WHERE t.item_id = i.id AND t.tag = 'language' AND t.value IN (");
		append_list(&sql, langs, params, &n);
		gc_buf_lit(&sql, "))");
	}
	if (json_array_size(regions)) {
		/* Open to one of the regions: to all, to the region or one containing it, or to a state in it. */
		gc_buf_lit(&sql, " AND (e.eligibility = 'all'");
		size_t i;
		json_t *r;
		json_array_foreach(regions, i, r) {
			gc_buf_lit(&sql, " OR EXISTS (SELECT 1 FROM capacity_tags t WHERE t.item_id = i.id AND t.tag = 'region' AND"
					 " (t.value = ? OR t.value IN (SELECT g.parent FROM regions g WHERE g.code = ?) OR t.value IN"
					 " (SELECT g2.parent FROM regions g1 JOIN regions g2 ON g2.code = g1.parent WHERE g1.code = ?)))"
					 " OR EXISTS (SELECT 1 FROM capacity_tags t JOIN countries c ON c.iso3 = t.value WHERE"
					 " t.item_id = i.id AND t.tag = 'state' AND ? IN (c.region, c.subregion, c.intermediate))");
			for (int k = 0; k < 4; k++)
				params[n++] = GC_TEXT(json_string_value(r));
		}
		gc_buf_lit(&sql, ")");
	}
	gc_buf_lit(&sql, " ORDER BY e.starts_at, i.id LIMIT ?");
	params[n++] = GC_INT(DIGEST_MAX_EVENTS);
	st = gc_buf_error(&sql) ? GC_ENOMEM : gc_db_query(db, gc_buf_str(&sql), params, n, rows);
	gc_buf_free(&sql);
	return st;
}

static gc_status digest_text(const char *lang, const char *base, const json_t *rows, struct gc_buf *b)
{
	gc_buf_str_raw(b, gc_tr(lang, "capacity.digest_intro"));
	gc_buf_lit(b, "\n\n");
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL;
		const json_t *t = capacity_text(c, lang);
		const char *status = json_string_value(json_object_get(row, "entry_status"));
		char key[64];
		snprintf(key, sizeof(key), "capacity.status_%s", status ? status : "planned");
		char when[GC_DATES_MAX];
		if (!gc_dates_span(lang, json_string_value(json_object_get(c, "starts")),
				   json_string_value(json_object_get(c, "ends")), when, sizeof(when)))
			snprintf(when, sizeof(when), "%s", "?");
		gc_buf_printf(b, "- %s\n  %s (%s) · %s\n  %s/calendar/%lld\n\n",
			      json_string_value(json_object_get(t, "title")) ? json_string_value(json_object_get(t, "title")) : "",
			      when,
			      json_string_value(json_object_get(c, "timezone")) ? json_string_value(json_object_get(c, "timezone")) : "",
			      gc_tr(lang, key), base, (long long)json_integer_value(json_object_get(row, "id")));
		json_decref(c);
	}
	gc_buf_str_raw(b, gc_tr(lang, "capacity.digest_footer"));
	gc_buf_printf(b, "\n%s/calendar/subscription\n", base);
	return gc_buf_error(b);
}

/* One subscriber's digest: queued with the new last_sent_at in one transaction, or only the time when nothing is new. */
static gc_status digest_one(const struct gc_job_context *jc, struct gc_db *db, const json_t *sub, const char *now)
{
	struct gc_arena *arena = gc_arena_new(4u << 20);
	struct gc_principal *p = NULL;
	json_t *rows = NULL;
	struct gc_buf body;
	gc_buf_init(&body, GC_MAIL_MAX_BODY);
	int64_t user = json_integer_value(json_object_get(sub, "user_id"));
	const char *since = json_string_value(json_object_get(sub, "last_sent_at"));
	const char *lang = gc_lang_find(json_string_value(json_object_get(sub, "digest_lang")));
	gc_status st = arena ? gc_principal_load(db, user, arena, &p) : GC_ENOMEM;
	if (!lang)
		lang = GC_LANG_DEFAULT;
	if (st == GC_ENOTFOUND) {
		/* A disabled person gets nothing; the subscription waits. */
		st = GC_OK;
		goto out;
	}
	if (st == GC_OK)
		st = digest_rows(db, arena, p, sub, since, &rows);
	if (st != GC_OK)
		goto out;
	st = gc_db_begin_write(db);
	if (st != GC_OK)
		goto out;
	if (json_array_size(rows) > 0) {
		const char *base = jc && jc->config && jc->config->base_url[0] ? jc->config->base_url : "";
		char subject[GC_MAIL_MAX_SUBJECT];
		snprintf(subject, sizeof(subject), "%s (%zu)", gc_tr(lang, "capacity.digest_subject"), json_array_size(rows));
		st = digest_text(lang, base, rows, &body);
		struct gc_outbox_message m = { .to = p->email, .subject = subject, .text = gc_buf_str(&body),
					       .ref = gc_arena_printf(arena, "capacity.digest:%lld", (long long)user) };
		if (st == GC_OK)
			st = gc_outbox_enqueue(db, &m, NULL);
	}
	if (st == GC_OK)
		st = gc_db_exec(db, "UPDATE capacity_subscriptions SET last_sent_at = ? WHERE user_id = ?",
				GC_PARAMS(GC_TEXT(now), GC_INT(user)), NULL);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK && gc_db_in_transaction(db))
		gc_db_rollback(db);
out:
	gc_buf_free(&body);
	json_decref(rows);
	gc_arena_free(arena);
	return st;
}

static gc_status digest_run(const struct gc_job_context *jc, struct gc_db *db, const json_t *payload, char *err,
			    size_t err_size)
{
	json_t *subs = NULL;
	char now[32], day[32], week[32];
	int64_t t = gc_clock_now();
	(void)payload;
	gc_clock_format_iso8601(t, now, sizeof(now));
	gc_clock_format_iso8601(t - 86400, day, sizeof(day));
	gc_clock_format_iso8601(t - 7 * 86400, week, sizeof(week));
	gc_status st = gc_db_query(db,
				   "SELECT user_id AS user_id, topics AS topics, regions AS regions, languages AS languages,"
				   " lang AS digest_lang, last_sent_at AS last_sent_at FROM capacity_subscriptions WHERE"
				   " (frequency = 'daily' AND last_sent_at <= ?) OR (frequency = 'weekly' AND last_sent_at <= ?)"
				   " ORDER BY last_sent_at LIMIT ?",
				   GC_PARAMS(GC_TEXT(day), GC_TEXT(week), GC_INT(DIGEST_MAX_SUBSCRIPTIONS)), &subs);
	size_t i;
	json_t *row;
	json_array_foreach(subs, i, row) {
		if (st != GC_OK)
			break;
		const char *const lists[] = { "topics", "regions", "languages" };
		for (int k = 0; k < 3; k++) {
			json_t *v = json_loads(json_string_value(json_object_get(row, lists[k])) ? json_string_value(json_object_get(row, lists[k])) : "[]", 0, NULL);
			if (!json_is_array(v) || json_object_set_new(row, lists[k], v))
				st = GC_EDB;
		}
		if (st == GC_OK)
			st = digest_one(jc, db, row, now);
	}
	json_decref(subs);
	if (st == GC_OK) {
		st = gc_db_begin_write(db);
		if (st == GC_OK)
			st = digest_schedule(db, t + DIGEST_EVERY_S);
		if (st == GC_OK)
			st = gc_db_commit(db);
		else if (gc_db_in_transaction(db))
			gc_db_rollback(db);
	}
	if (st != GC_OK)
		snprintf(err, err_size, "capacity digest: %s", gc_status_name(st));
	return st;
}

const struct gc_job_kind capacity_digest_job = {
	.name = DIGEST_JOB,
	.max_attempts = 5,
	.run_ctx = digest_run,
};

/* --- GET and POST /calendar/subscription ---------------------------------------------------------------------- */

static gc_status sub_model(struct gc_request *req, struct gc_db *db, json_t *model, const json_t *values,
			   const json_t *errors)
{
	json_t *regions = NULL, *topics = json_array(), *langs = json_array(), *freqs = json_array(),
	       *digest_langs = json_array();
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	const char *digest_lang = gc_lang_find(json_string_value(json_object_get(values, "digest_lang")));
	gc_status st = topics && langs && freqs && digest_langs ? capacity_region_choices(req, db, &regions) : GC_ENOMEM;
	if (st != GC_OK)
		goto out;
	st = GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(regions, i, row) {
		json_t *sel = json_object_get(values, "regions");
		bool on = false;
		size_t k;
		json_t *e;
		json_array_foreach(sel, k, e)
			on = on || json_equal(e, json_object_get(row, "value"));
		if (json_object_set_new(row, "selected", json_boolean(on)))
			goto out;
	}
	for (size_t t = 0; t < capacity_taxonomy.count; t++) {
		const struct capacity_topic *topic = &capacity_taxonomy.topics[t];
		bool on = false;
		size_t k;
		json_t *e;
		json_array_foreach(json_object_get(values, "topics"), k, e)
			on = on || (json_is_string(e) && strcmp(json_string_value(e), topic->key) == 0);
		if (json_array_append_new(topics, json_pack("{s:s, s:s, s:b}", "value", topic->key, "label",
							    capacity_topic_name(topic, lang), "selected", on)))
			goto out;
	}
	for (size_t l = 0; l < GC_LANG_COUNT; l++) {
		bool on = false;
		size_t k;
		json_t *e;
		json_array_foreach(json_object_get(values, "languages"), k, e)
			on = on || (json_is_string(e) && strcmp(json_string_value(e), gc_langs[l]) == 0);
		if (json_array_append_new(langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label",
							   gc_lang_native_name(gc_langs[l]), "selected", on)) ||
		    json_array_append_new(digest_langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[l], "label",
								  gc_lang_native_name(gc_langs[l]), "selected",
								  strcmp(digest_lang ? digest_lang : lang, gc_langs[l]) == 0)))
			goto out;
	}
	const char *freq = json_string_value(json_object_get(values, "frequency"));
	for (size_t f = 0; frequencies[f]; f++) {
		char key[64];
		snprintf(key, sizeof(key), "capacity.frequency_%s", frequencies[f]);
		if (json_array_append_new(freqs, json_pack("{s:s, s:s, s:b}", "value", frequencies[f], "label", gc_req_tr(req, key),
							   "selected", freq && strcmp(freq, frequencies[f]) == 0)))
			goto out;
	}
	if (json_object_set(model, "region_choices", regions) || json_object_set(model, "topic_choices", topics) ||
	    json_object_set(model, "language_choices", langs) || json_object_set(model, "frequency_choices", freqs) ||
	    json_object_set(model, "digest_lang_choices", digest_langs) ||
	    json_object_set_new(model, "errors", errors ? json_deep_copy(errors) : json_object()))
		goto out;
	st = GC_OK;
out:
	json_decref(regions);
	json_decref(topics);
	json_decref(langs);
	json_decref(freqs);
	json_decref(digest_langs);
	return st;
}

static gc_status sub_read(struct gc_db *db, int64_t user, json_t **out)
{
	json_t *row = NULL;
	*out = NULL;
	gc_status st = gc_db_query_one(db,
				       "SELECT topics AS topics, regions AS regions, languages AS languages, frequency AS frequency,"
				       " lang AS digest_lang, last_sent_at AS last_sent_at FROM capacity_subscriptions WHERE user_id = ?",
				       GC_PARAMS(GC_INT(user)), &row);
	if (st == GC_ENOTFOUND)
		return GC_OK;
	if (st != GC_OK)
		return st;
	const char *const lists[] = { "topics", "regions", "languages" };
	for (int k = 0; k < 3; k++) {
		const char *s = json_string_value(json_object_get(row, lists[k]));
		json_t *v = json_loads(s ? s : "[]", 0, NULL);
		if (!json_is_array(v) || json_object_set_new(row, lists[k], v)) {
			json_decref(row);
			return GC_EDB;
		}
	}
	const char *name = gc_lang_native_name(json_string_value(json_object_get(row, "digest_lang")));
	if (json_object_set_new(row, "digest_lang_label", name ? json_string(name) : json_null())) {
		json_decref(row);
		return GC_ENOMEM;
	}
	*out = row;
	return GC_OK;
}

gc_status capacity_subscription_show(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = gc_request_db(req);
	json_t *sub = NULL;
	if (!req->principal)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!db)
		return GC_EHTTP;
	gc_status st = sub_read(db, req->principal->user_id, &sub);
	char last[GC_DATES_MAX];
	if (st == GC_OK && sub &&
	    gc_dates_day(gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT,
			 json_string_value(json_object_get(sub, "last_sent_at")), last, sizeof(last)) &&
	    json_object_set_new(sub, "last_sent_label", json_string(last)))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_view_page(req, view, "capacity/subscription", "capacity.subscription_title");
	if (st == GC_OK && json_object_set(view->model, "subscription", sub ? sub : json_null()))
		st = GC_ENOMEM;
	if (st == GC_OK && !req->is_api) {
		json_t *values = sub ? json_incref(sub) : json_pack("{s:s}", "frequency", "weekly");
		st = values ? sub_model(req, db, view->model, values, NULL) : GC_ENOMEM;
		json_decref(values);
	}
	json_decref(sub);
	return st;
}

/* A list field of the body (form: repeated; JSON: an array of strings), checked by ok, at most max. */
static json_t *sub_list(struct gc_request *req, const char *name, size_t max, bool (*ok)(const char *), bool *bad)
{
	json_t *list = json_array();
	if (!list)
		return NULL;
	if (req->body_kind == GC_BODY_JSON) {
		json_t *v = json_object_get(req->json, name);
		if (v && !json_is_array(v))
			*bad = true;
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			if (!json_is_string(e) || json_array_append(list, e))
				*bad = true;
	} else {
		for (size_t i = 0; i < req->n_form; i++)
			if (strcmp(req->form[i].name, name) == 0 && req->form[i].value && *req->form[i].value &&
			    json_array_append_new(list, json_string(req->form[i].value)))
				*bad = true;
	}
	size_t i, j;
	json_t *e, *e2;
	if (json_array_size(list) > max)
		*bad = true;
	json_array_foreach(list, i, e) {
		if (!ok(json_string_value(e)))
			*bad = true;
		json_array_foreach(list, j, e2)
			if (j < i && json_equal(e, e2))
				*bad = true;
	}
	return list;
}

static bool topic_ok(const char *s)
{
	return capacity_topic_find(s) != NULL;
}

static bool region_ok(const char *s)
{
	return s && strlen(s) == 3 && strspn(s, "0123456789") == 3;
}

static bool lang_ok(const char *s)
{
	return gc_lang_find(s) != NULL;
}

gc_status capacity_subscription_save(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = gc_request_db(req);
	const struct gc_principal *p = req->principal;
	json_t *topics = NULL, *regions = NULL, *langs = NULL, *errors = NULL;
	char *t_text = NULL, *r_text = NULL, *l_text = NULL;
	const char *field = NULL;
	gc_status st = GC_OK;
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	if (!db)
		return GC_EHTTP;
	if (req->body_kind == GC_BODY_JSON) {
		const char *key;
		json_t *v;
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "capacity.error_body", "body");
		json_object_foreach(req->json, key, v)
			if (strcmp(key, "topics") && strcmp(key, "regions") && strcmp(key, "languages") && strcmp(key, "frequency") &&
			    strcmp(key, "digest_lang"))
				return gc_fail(req, 422, "invalid_field", "capacity.error_unknown_field", key);
	}
	const char *frequency = req->body_kind == GC_BODY_JSON ? json_string_value(json_object_get(req->json, "frequency"))
							       : gc_form(req, "frequency");
	/* The digest's language (digest_lang: "lang" is the portal's global parameter): given, else this request's language. */
	json_t *lang_v = req->body_kind == GC_BODY_JSON ? json_object_get(req->json, "digest_lang") : NULL;
	const char *digest_lang = req->body_kind == GC_BODY_JSON ? json_string_value(lang_v) : gc_form(req, "digest_lang");
	bool lang_given = req->body_kind == GC_BODY_JSON ? lang_v != NULL : digest_lang != NULL;
	bool bad_lang = lang_given && !gc_lang_find(digest_lang);
	if (!lang_given)
		digest_lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	else if (!bad_lang)
		digest_lang = gc_lang_find(digest_lang);
	bool bad_t = false, bad_r = false, bad_l = false;
	topics = sub_list(req, "topics", SUB_MAX_TOPICS, topic_ok, &bad_t);
	regions = sub_list(req, "regions", SUB_MAX_REGIONS, region_ok, &bad_r);
	langs = sub_list(req, "languages", GC_LANG_COUNT, lang_ok, &bad_l);
	if (!topics || !regions || !langs) {
		st = GC_ENOMEM;
		goto out;
	}
	bool off = frequency && strcmp(frequency, "off") == 0;
	if (!off && !capacity_in_list(frequencies, frequency))
		field = "frequency";
	else if (bad_t)
		field = "topics";
	else if (bad_r)
		field = "regions";
	else if (bad_l)
		field = "languages";
	else if (bad_lang)
		field = "digest_lang";
	/* Regions must exist. */
	size_t i;
	json_t *e;
	json_array_foreach(regions, i, e) {
		int64_t n = 0;
		if (field)
			break;
		st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM regions WHERE code = ?", GC_PARAMS(GC_TEXT(json_string_value(e))), &n);
		if (st != GC_OK)
			goto out;
		if (n == 0)
			field = "regions";
	}
	if (field) {
		const char *key = gc_arena_printf(req->arena, "capacity.error_sub_%s", field);
		if (req->is_api) {
			st = gc_fail(req, 422, "invalid_field", key, field);
			goto out;
		}
		errors = json_pack("{s:s}", field, gc_req_tr(req, key));
		st = gc_view_page(req, view, "capacity/subscription", "capacity.subscription_title");
		view->status = 422;
		json_t *values = json_pack("{s:O, s:O, s:O, s:s?, s:s?}", "topics", topics, "regions", regions, "languages",
					   langs, "frequency", frequency, "digest_lang", bad_lang ? NULL : digest_lang);
		if (st == GC_OK)
			st = values && errors ? sub_model(req, db, view->model, values, errors) : GC_ENOMEM;
		if (st == GC_OK && json_object_set_new(view->model, "has_errors", json_true()))
			st = GC_ENOMEM;
		json_decref(values);
		goto out;
	}
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	t_text = json_dumps(topics, JSON_COMPACT);
	r_text = json_dumps(regions, JSON_COMPACT);
	l_text = json_dumps(langs, JSON_COMPACT);
	if (!t_text || !r_text || !l_text) {
		st = GC_ENOMEM;
		goto out;
	}
	st = gc_db_begin_write(db);
	if (st != GC_OK)
		goto out;
	st = gc_db_exec(db, "DELETE FROM capacity_subscriptions WHERE user_id = ?", GC_PARAMS(GC_INT(p->user_id)), NULL);
	/* A new subscription's first digest covers what changes from now on. */
	if (st == GC_OK && !off)
		st = gc_db_exec(db,
				"INSERT INTO capacity_subscriptions (user_id, topics, regions, languages, frequency, lang,"
				" last_sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(p->user_id), GC_TEXT(t_text), GC_TEXT(r_text), GC_TEXT(l_text), GC_TEXT(frequency),
					  GC_TEXT(digest_lang), GC_TEXT(now), GC_TEXT(now)),
				NULL);
	json_t *detail = json_pack("{s:s, s:s}", "frequency", off ? "off" : frequency, "digest_lang", digest_lang);
	if (st == GC_OK)
		st = detail ? gc_req_audit(req, "capacity.subscription", "user", NULL, detail) : GC_ENOMEM;
	json_decref(detail);
	if (st == GC_OK && !off)
		st = digest_schedule(db, gc_clock_now() + DIGEST_EVERY_S);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		st = gc_req_fail_status(req, st, NULL, NULL);
		goto out;
	}
	json_t *sub = NULL;
	st = sub_read(db, p->user_id, &sub);
	if (st != GC_OK)
		goto out;
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = json_pack("{s:o}", "subscription", sub ? sub : json_null());
	view->location = "/calendar/subscription";
	st = view->model ? GC_OK : GC_ENOMEM;
out:
	free(t_text);
	free(r_text);
	free(l_text);
	json_decref(topics);
	json_decref(regions);
	json_decref(langs);
	json_decref(errors);
	return st;
}
