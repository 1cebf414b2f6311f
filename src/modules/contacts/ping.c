/*
 * Ping tests: the Secretariat checks that points of contact answer.
 *
 * A round (POST /contacts/pings) takes every published contact in its scope
 * (all, or by kind, region, states), and gives each a target row with a
 * personal single-use link: 32 random bytes, hex, of which only the SHA-256
 * is stored; the link itself exists only in the mail, which goes through the
 * outbox (store/outbox.h) marked secret, so its body is erased once
 * delivered. Opening the link (GET /ping/{token}) shows a page with a
 * Confirm button and changes nothing, so mail scanners that follow links do
 * not fake answers; pressing it (POST) records the time on the target and
 * as the contact's "last confirmed", once.
 *
 * Two jobs per round: contacts.ping_remind at start + reminder delay sends
 * a second link (a new token, reminder_hash) to those who have not answered;
 * contacts.ping_close at the deadline closes the round, after which no link
 * confirms anything. Each job does what is due when it runs, so a round
 * whose times were moved (by the tests, in the database) is handled alike.
 *
 * Who sees what: the Secretariat every round, target and statistic; a
 * state's people the rounds that included their organisation's contacts,
 * with those contacts' results only; nobody else anything (404).
 *
 * Statistics: reached = confirmed before the round closed; response time =
 * confirmed_unix - started_unix; median (the mean of the two middle values
 * for an even count) and p90 (nearest rank: the value at ceil(0.9 n)) over
 * the confirmed targets; by kind and by region (the region of the contact's
 * state when the round began; "none" for organisations).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/mail.h"
#include "base/parse.h"
#include "base/random.h"
#include "base/text.h"
#include "modules/contacts/contacts.h"
#include "store/outbox.h"

#define PING_TOKEN_HEX (2 * CONTACTS_PING_TOKEN_BYTES)

static void token_hash(const char *token, char out[2 * crypto_hash_sha256_BYTES + 1])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof(digest));
}

/* A token as links carry it: exactly PING_TOKEN_HEX lower-case hex digits. */
static bool token_ok(const char *s)
{
	if (!s || strlen(s) != PING_TOKEN_HEX)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

/* The mail's language: the contact's first UN language, else English. */
static const char *mail_lang(const char *languages_json)
{
	json_t *a = json_loads(languages_json ? languages_json : "[]", 0, NULL);
	const char *lang = GC_LANG_DEFAULT;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		const char *found = gc_lang_find(json_string_value(e));
		if (found) {
			lang = found;
			break;
		}
	}
	json_decref(a);
	return lang;
}

/* Queues the ping (or reminder) mail of one target through the outbox, in the caller's transaction. */
static gc_status queue_mail(struct gc_db *db, int64_t round, int64_t target, const char *to, const char *lang,
			    const char *function_title, const char *base_url, const char *token, const char *deadline,
			    bool reminder)
{
	struct gc_buf body;
	char ref[64];
	gc_buf_init(&body, GC_MAIL_MAX_BODY);
	gc_buf_str_raw(&body, gc_tr(lang, reminder ? "contacts.ping_mail_reminder_intro" : "contacts.ping_mail_intro"));
	gc_buf_lit(&body, "\n\n    ");
	gc_buf_str_raw(&body, function_title);
	gc_buf_lit(&body, "\n\n");
	gc_buf_str_raw(&body, gc_tr(lang, "contacts.ping_mail_link"));
	gc_buf_lit(&body, "\n\n    ");
	gc_buf_str_raw(&body, base_url);
	gc_buf_lit(&body, "/ping/");
	gc_buf_str_raw(&body, token);
	gc_buf_lit(&body, "\n\n");
	gc_buf_str_raw(&body, gc_tr(lang, "contacts.ping_mail_deadline"));
	gc_buf_lit(&body, " ");
	gc_buf_str_raw(&body, deadline);
	gc_buf_lit(&body, "\n\n");
	gc_buf_str_raw(&body, gc_tr(lang, "contacts.ping_mail_footer"));
	gc_buf_lit(&body, "\n");
	snprintf(ref, sizeof(ref), "contacts.ping:%lld:%lld", (long long)round, (long long)target);
	gc_status st = gc_buf_error(&body);
	if (st == GC_OK) {
		struct gc_outbox_message m = {
			.to = to,
			.subject = gc_tr(lang, reminder ? "contacts.ping_mail_reminder_subject" : "contacts.ping_mail_subject"),
			.text = gc_buf_str(&body),
			.ref = ref,
			.secret = true,
		};
		st = gc_outbox_enqueue(db, &m, NULL);
	}
	if (body.data)
		sodium_memzero(body.data, body.len);
	gc_buf_free(&body);
	return st;
}

static gc_status queue_job(struct gc_db *db, const char *kind, int64_t round, int64_t at)
{
	json_t *payload = json_pack("{s:I}", "round", (json_int_t)round);
	if (!payload)
		return GC_ENOMEM;
	gc_status st = gc_jobs_enqueue(db, kind, payload, at, NULL);
	json_decref(payload);
	return st;
}

/* --- starting a round ------------------------------------------------------------------------------ */

static bool may_start(const struct gc_principal *p)
{
	return gc_principal_is_secretariat(p) && p->role != GC_ROLE_READER;
}

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS", with or without "Z": UTC. */
static bool when_ok(const char *s, int64_t *out)
{
	char iso[21];
	size_t n = s ? strlen(s) : 0;
	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n == 10)
		snprintf(iso, sizeof(iso), "%.10sT00:00:00Z", s);
	else if (n == 16)
		snprintf(iso, sizeof(iso), "%.16s:00Z", s);
	else if (n == 19)
		snprintf(iso, sizeof(iso), "%.19sZ", s);
	else
		return false;
	return gc_clock_parse_iso8601(iso, out) == GC_OK;
}

/* A request field as text (form or JSON; numbers too). */
static const char *field(struct gc_request *req, const char *name, bool *bad)
{
	if (req->body_kind == GC_BODY_JSON) {
		json_t *v = json_object_get(req->json, name);
		if (json_is_integer(v))
			return gc_arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
		if (v && !json_is_string(v) && !json_is_null(v))
			*bad = true;
		const char *s = json_string_value(v);
		return s && *s ? s : NULL;
	}
	const char *s = gc_form(req, name);
	return s && *s ? s : NULL;
}

static gc_status fail_field(struct gc_request *req, const char *field_name, const char *key)
{
	return gc_fail(req, 422, "invalid_field", key, field_name);
}

gc_status contacts_ping_start(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct gc_db *db = NULL;
	json_t *rows = NULL, *scope = NULL;
	const char *countries[CONTACTS_MAX_COUNTRY_FILTERS];
	size_t n_countries = 0;
	int64_t round = 0, deadline = 0, reminder_h = 0;
	bool bad = false;
	gc_status st;

	if (!may_start(p))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	if (req->body_kind == GC_BODY_JSON) {
		static const char *const members[] = { "kind", "region", "countries", "deadline", "reminder_hours", NULL };
		const char *key;
		json_t *value;
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "contacts.error_body", "body");
		json_object_foreach(req->json, key, value) {
			bool known = false;
			for (size_t i = 0; members[i] && !known; i++)
				known = strcmp(members[i], key) == 0;
			if (!known)
				return gc_fail(req, 422, "invalid_field", "contacts.error_unknown_field", key);
		}
		json_t *list = json_object_get(req->json, "countries");
		if (list && !json_is_null(list)) {
			if (!json_is_array(list) || json_array_size(list) > CONTACTS_MAX_COUNTRY_FILTERS)
				return fail_field(req, "countries", "contacts.ping_error_countries");
			size_t i;
			json_t *e;
			json_array_foreach(list, i, e) {
				const char *c = json_string_value(e);
				if (!c || strlen(c) != 3)
					return fail_field(req, "countries", "contacts.ping_error_countries");
				for (int k = 0; k < 3; k++)
					if (c[k] < 'A' || c[k] > 'Z')
						return fail_field(req, "countries", "contacts.ping_error_countries");
				countries[n_countries++] = c;
			}
		}
	} else {
		for (size_t i = 0; i < req->n_form; i++) {
			if (strcmp(req->form[i].name, "countries") != 0 || !req->form[i].value || !*req->form[i].value)
				continue;
			const char *c = req->form[i].value;
			if (n_countries == CONTACTS_MAX_COUNTRY_FILTERS || strlen(c) != 3 || c[0] < 'A' || c[0] > 'Z' ||
			    c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z')
				return fail_field(req, "countries", "contacts.ping_error_countries");
			countries[n_countries++] = c;
		}
	}
	const char *kind = field(req, "kind", &bad);
	if (bad || (kind && !contacts_is_kind(kind)))
		return fail_field(req, "kind", "contacts.error_kind");
	const char *region = field(req, "region", &bad);
	bool region_ok = !bad && (!region || (strlen(region) == 3 && region[0] >= '0' && region[0] <= '9' &&
					      region[1] >= '0' && region[1] <= '9' && region[2] >= '0' && region[2] <= '9'));
	if (!region_ok)
		return fail_field(req, "region", "contacts.ping_error_region");
	int64_t now = gc_clock_now();
	const char *deadline_text = field(req, "deadline", &bad);
	if (bad || !when_ok(deadline_text, &deadline) || deadline <= now + 3600 ||
	    deadline > now + (int64_t)CONTACTS_PING_MAX_DAYS * 86400)
		return fail_field(req, "deadline", "contacts.ping_error_deadline");
	const char *reminder_text = field(req, "reminder_hours", &bad);
	if (bad || !reminder_text ||
	    gc_parse_i64(reminder_text, strlen(reminder_text), CONTACTS_PING_MIN_REMINDER_H, CONTACTS_PING_MAX_REMINDER_H,
			 &reminder_h) != GC_OK ||
	    now + reminder_h * 3600 >= deadline)
		return fail_field(req, "reminder_hours", "contacts.ping_error_reminder");

	db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	/* The contacts in scope: published, with what the mail and the statistics need. */
	struct gc_buf sql;
	struct gc_val params[GC_DB_MAX_PARAMS];
	size_t n = 0;
	gc_buf_init(&sql, 8192);
	gc_buf_lit(&sql, "SELECT c.item_id AS id, c.kind AS kind, c.emails AS emails, c.languages AS languages,"
			 " c.function_title AS function_title, i.owner_org AS owner_org, i.country AS country,"
			 " r.region AS region FROM contacts c JOIN items i ON i.id = c.item_id"
			 " LEFT JOIN countries r ON r.iso3 = i.country"
			 " WHERE i.module = 'contacts' AND i.status = 'published'");
	if (kind) {
		gc_buf_lit(&sql, " AND c.kind = ?");
		params[n++] = GC_TEXT(kind);
	}
	if (region) {
		gc_buf_lit(&sql, " AND (r.region = ? OR r.subregion = ? OR r.intermediate = ?)");
		params[n++] = GC_TEXT(region);
		params[n++] = GC_TEXT(region);
		params[n++] = GC_TEXT(region);
	}
	if (n_countries) {
		gc_buf_lit(&sql, " AND i.country IN (");
		for (size_t i = 0; i < n_countries; i++) {
			gc_buf_str_raw(&sql, i ? ", ?" : "?");
			params[n++] = GC_TEXT(countries[i]);
		}
		gc_buf_lit(&sql, ")");
	}
	gc_buf_lit(&sql, " ORDER BY c.item_id LIMIT ?");
	params[n++] = GC_INT(CONTACTS_PING_MAX_TARGETS + 1);
	scope = json_pack("{s:s?, s:s?, s:[]}", "kind", kind, "region", region, "countries");
	for (size_t i = 0; scope && i < n_countries; i++)
		json_array_append_new(json_object_get(scope, "countries"), json_string(countries[i]));
	char *scope_text = scope ? json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char started[32], deadline_iso[32];
	gc_clock_format_iso8601(now, started, sizeof(started));
	gc_clock_format_iso8601(deadline, deadline_iso, sizeof(deadline_iso));
	const char *base_url = gc_req_base_url(req);

	st = gc_buf_error(&sql);
	if (st == GC_OK && (!scope_text || !base_url))
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_query(db, gc_buf_str(&sql), params, n, &rows);
	if (st == GC_OK && json_array_size(rows) > CONTACTS_PING_MAX_TARGETS)
		st = GC_ETOOBIG;
	if (st == GC_OK && json_array_size(rows) == 0)
		st = GC_EINVAL;
	if (st == GC_OK)
		st = gc_db_query_int(db,
				     "INSERT INTO contact_ping_rounds (started_by, started_at, started_unix, deadline,"
				     " deadline_unix, reminder_hours, scope, base_url, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
				     " 'open') RETURNING id",
				     GC_PARAMS(GC_INT(p->user_id), GC_TEXT(started), GC_INT(now), GC_TEXT(deadline_iso),
					       GC_INT(deadline), GC_INT(reminder_h), GC_TEXT(scope_text), GC_TEXT(base_url)),
				     &round);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		char token[PING_TOKEN_HEX + 1], hash[2 * crypto_hash_sha256_BYTES + 1];
		gc_random_hex(token, CONTACTS_PING_TOKEN_BYTES);
		token_hash(token, hash);
		json_t *emails = json_loads(json_string_value(json_object_get(row, "emails")), 0, NULL);
		const char *to = json_string_value(json_array_get(emails, 0));
		int64_t target = 0;
		st = gc_db_query_int(db,
				     "INSERT INTO contact_ping_targets (round_id, contact_id, owner_org, kind, country, region,"
				     " email, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				     GC_PARAMS(GC_INT(round), GC_INT(json_integer_value(json_object_get(row, "id"))),
					       GC_INT(json_integer_value(json_object_get(row, "owner_org"))),
					       GC_TEXT(json_string_value(json_object_get(row, "kind"))),
					       GC_TEXT_OR_NULL(json_string_value(json_object_get(row, "country"))),
					       GC_TEXT_OR_NULL(json_string_value(json_object_get(row, "region"))),
					       GC_TEXT(to ? to : ""), GC_TEXT(hash)),
				     &target);
		if (st == GC_OK)
			st = queue_mail(db, round, target, to ? to : "", mail_lang(json_string_value(json_object_get(row, "languages"))),
					json_string_value(json_object_get(row, "function_title")), base_url, token,
					deadline_iso, false);
		sodium_memzero(token, sizeof(token));
		json_decref(emails);
	}
	if (st == GC_OK)
		st = queue_job(db, CONTACTS_PING_REMIND_JOB, round, now + reminder_h * 3600);
	if (st == GC_OK)
		st = queue_job(db, CONTACTS_PING_CLOSE_JOB, round, deadline);
	if (st == GC_OK) {
		char target_id[24];
		snprintf(target_id, sizeof(target_id), "%lld", (long long)round);
		json_t *detail = json_pack("{s:O, s:I}", "scope", scope, "targets", (json_int_t)json_array_size(rows));
		st = detail ? gc_req_audit(req, "contact.ping_start", "ping_round", target_id, detail) : GC_ENOMEM;
		json_decref(detail);
	}
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK && gc_db_in_transaction(db))
		gc_db_rollback(db);
	gc_buf_free(&sql);
	free(scope_text);
	json_decref(scope);
	json_decref(rows);
	if (st == GC_EINVAL)
		return fail_field(req, "kind", "contacts.ping_error_empty");
	if (st == GC_ETOOBIG)
		return fail_field(req, "kind", "contacts.ping_error_too_many");
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	json_decref(view->model);
	view->model = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)round, "started_at", started, "deadline",
				deadline_iso, "reminder_hours", (json_int_t)reminder_h);
	view->kind = GC_VIEW_REDIRECT;
	view->status = 201;
	view->location = gc_arena_printf(req->arena, "/contacts/pings/%lld", (long long)round);
	if (!view->model || !view->location)
		return GC_ENOMEM;
	return req->is_api ? gc_add_header(req, "Location", view->location) : GC_OK;
}

gc_status contacts_ping_new(struct gc_request *req, struct gc_view *view)
{
	if (!may_start(req->principal))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	gc_status st = gc_view_page(req, view, "contacts/ping-new", "contacts.ping_new_title");
	if (st != GC_OK)
		return st;
	json_t *kinds = json_array();
	if (!kinds || json_object_set_new(view->model, "kind_choices", kinds))
		return GC_ENOMEM;
	for (size_t k = 0; contacts_kinds[k]; k++)
		if (json_array_append_new(kinds, json_pack("{s:s, s:s}", "value", contacts_kinds[k], "label",
							   gc_req_tr(req, contacts_kind_key(req, contacts_kinds[k])))))
			return GC_ENOMEM;
	return GC_OK;
}

/* --- the link: GET shows, POST confirms -------------------------------------------------------------- */

/* The target of a token, with its round: GC_ENOTFOUND for an unknown token. */
static gc_status find_target(struct gc_db *db, const char *token, json_t **row)
{
	char hash[2 * crypto_hash_sha256_BYTES + 1];
	if (!token_ok(token))
		return GC_ENOTFOUND;
	token_hash(token, hash);
	return gc_db_query_one(db,
			       "SELECT t.id AS id, t.contact_id AS contact_id, t.confirmed_at AS confirmed_at,"
			       " r.id AS round_id, r.state AS state, r.deadline AS deadline, r.deadline_unix AS deadline_unix,"
			       " c.function_title AS function_title FROM contact_ping_targets t"
			       " JOIN contact_ping_rounds r ON r.id = t.round_id JOIN contacts c ON c.item_id = t.contact_id"
			       " WHERE t.token_hash = ? OR t.reminder_hash = ?",
			       GC_PARAMS(GC_TEXT(hash), GC_TEXT(hash)), row);
}

/* Refuses a link that cannot confirm (after find_target): unknown 404, used 409, expired 410. */
static gc_status link_refusal(struct gc_request *req, gc_status st, const json_t *row, int64_t now)
{
	if (st == GC_ENOTFOUND)
		return gc_fail(req, 404, "ping_link_unknown", "contacts.ping_error_unknown", "token");
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	if (json_is_string(json_object_get(row, "confirmed_at")))
		return gc_fail(req, 409, "ping_link_used", "contacts.ping_error_used", "token");
	const char *state = json_string_value(json_object_get(row, "state"));
	if (!state || strcmp(state, "open") != 0 || now >= json_integer_value(json_object_get(row, "deadline_unix")))
		return gc_fail(req, 410, "ping_link_expired", "contacts.ping_error_expired", "token");
	return GC_OK;
}

gc_status contacts_ping_page(struct gc_request *req, struct gc_view *view)
{
	json_t *row = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status st = find_target(db, req->path_params[0], &row);
	st = link_refusal(req, st, row, gc_clock_now());
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/ping-confirm", "contacts.ping_confirm_title");
	if (st == GC_OK &&
	    (json_object_set(view->model, "function_title", json_object_get(row, "function_title")) ||
	     json_object_set(view->model, "deadline", json_object_get(row, "deadline")) ||
	     json_object_set_new(view->model, "token", json_string(req->path_params[0])) ||
	     json_object_set_new(view->model, "confirmed", json_false())))
		st = GC_ENOMEM;
	json_decref(row);
	return st;
}

gc_status contacts_ping_answer(struct gc_request *req, struct gc_view *view)
{
	json_t *row = NULL;
	char now_iso[32], target_id[24];
	int64_t now = gc_clock_now(), changed = 0;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status st = gc_db_begin_write(db);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = find_target(db, req->path_params[0], &row);
	gc_status refusal = link_refusal(req, st, row, now);
	if (refusal != GC_OK) {
		gc_db_rollback(db);
		json_decref(row);
		return refusal;
	}
	gc_clock_format_iso8601(now, now_iso, sizeof(now_iso));
	int64_t target = json_integer_value(json_object_get(row, "id"));
	int64_t contact = json_integer_value(json_object_get(row, "contact_id"));
	snprintf(target_id, sizeof(target_id), "%lld", (long long)target);
	st = gc_db_exec(db,
			"UPDATE contact_ping_targets SET confirmed_at = ?, confirmed_unix = ? WHERE id = ? AND confirmed_at IS NULL",
			GC_PARAMS(GC_TEXT(now_iso), GC_INT(now), GC_INT(target)), &changed);
	if (st == GC_OK && changed != 1)
		st = GC_ECONFLICT;
	if (st == GC_OK)
		st = gc_db_exec(db, "UPDATE contacts SET last_confirmed = ?, last_confirmed_how = 'ping' WHERE item_id = ?",
				GC_PARAMS(GC_TEXT(now_iso), GC_INT(contact)), NULL);
	if (st == GC_OK)
		st = gc_req_audit(req, "contact.ping_confirm", "ping_target", target_id, NULL);
	if (st == GC_OK)
		st = gc_db_bump_changes(db);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		gc_db_rollback(db);
		json_decref(row);
		if (st == GC_ECONFLICT)
			return gc_fail(req, 409, "ping_link_used", "contacts.ping_error_used", "token");
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	st = gc_view_page(req, view, "contacts/ping-confirm", "contacts.ping_confirm_title");
	if (st == GC_OK &&
	    (json_object_set(view->model, "function_title", json_object_get(row, "function_title")) ||
	     json_object_set_new(view->model, "confirmed", json_true()) ||
	     json_object_set_new(view->model, "confirmed_at", json_string(now_iso))))
		st = GC_ENOMEM;
	json_decref(row);
	return st;
}

/* --- the jobs ---------------------------------------------------------------------------------------------- */

static gc_status remind_run(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	json_t *round = NULL, *targets = NULL;
	int64_t id = json_integer_value(json_object_get(payload, "round"));
	int64_t now = gc_clock_now();
	char now_iso[32];
	gc_clock_format_iso8601(now, now_iso, sizeof(now_iso));
	gc_status st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_query_one(db,
				     "SELECT state AS state, started_unix AS started_unix, reminder_hours AS reminder_hours,"
				     " deadline AS deadline, deadline_unix AS deadline_unix, base_url AS base_url,"
				     " reminded_at AS reminded_at FROM contact_ping_rounds WHERE id = ?",
				     GC_PARAMS(GC_INT(id)), &round);
	if (st == GC_ENOTFOUND) {
		gc_db_rollback(db);
		return GC_OK;
	}
	if (st != GC_OK)
		goto out;
	const char *state = json_string_value(json_object_get(round, "state"));
	int64_t due = json_integer_value(json_object_get(round, "started_unix")) +
		      json_integer_value(json_object_get(round, "reminder_hours")) * 3600;
	/* Closed, past its deadline or reminded already: nothing to do. Not yet due: come back then. */
	if (!state || strcmp(state, "open") != 0 || now >= json_integer_value(json_object_get(round, "deadline_unix")) ||
	    json_is_string(json_object_get(round, "reminded_at"))) {
		gc_db_rollback(db);
		goto out;
	}
	if (now < due) {
		st = queue_job(db, CONTACTS_PING_REMIND_JOB, id, due);
		if (st == GC_OK)
			st = gc_db_commit(db);
		goto out;
	}
	st = gc_db_query(db,
			 "SELECT t.id AS id, t.email AS email, c.function_title AS function_title, c.languages AS languages"
			 " FROM contact_ping_targets t JOIN contacts c ON c.item_id = t.contact_id"
			 " WHERE t.round_id = ? AND t.confirmed_at IS NULL AND t.reminded_at IS NULL ORDER BY t.id",
			 GC_PARAMS(GC_INT(id)), &targets);
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t) {
		if (st != GC_OK)
			break;
		char token[PING_TOKEN_HEX + 1], hash[2 * crypto_hash_sha256_BYTES + 1];
		gc_random_hex(token, CONTACTS_PING_TOKEN_BYTES);
		token_hash(token, hash);
		int64_t target = json_integer_value(json_object_get(t, "id"));
		st = gc_db_exec(db, "UPDATE contact_ping_targets SET reminder_hash = ?, reminded_at = ? WHERE id = ?",
				GC_PARAMS(GC_TEXT(hash), GC_TEXT(now_iso), GC_INT(target)), NULL);
		if (st == GC_OK)
			st = queue_mail(db, id, target, json_string_value(json_object_get(t, "email")),
					mail_lang(json_string_value(json_object_get(t, "languages"))),
					json_string_value(json_object_get(t, "function_title")),
					json_string_value(json_object_get(round, "base_url")), token,
					json_string_value(json_object_get(round, "deadline")), true);
		sodium_memzero(token, sizeof(token));
	}
	if (st == GC_OK)
		st = gc_db_exec(db, "UPDATE contact_ping_rounds SET reminded_at = ? WHERE id = ?",
				GC_PARAMS(GC_TEXT(now_iso), GC_INT(id)), NULL);
	if (st == GC_OK)
		st = gc_db_commit(db);
out:
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		snprintf(err, err_size, "reminders of ping round %lld failed: %s", (long long)id, gc_status_name(st));
	}
	json_decref(round);
	json_decref(targets);
	return st;
}

static gc_status close_run(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	json_t *round = NULL;
	int64_t id = json_integer_value(json_object_get(payload, "round"));
	int64_t now = gc_clock_now();
	char now_iso[32];
	gc_clock_format_iso8601(now, now_iso, sizeof(now_iso));
	gc_status st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_query_one(db, "SELECT state AS state, deadline_unix AS deadline_unix FROM contact_ping_rounds WHERE id = ?",
				     GC_PARAMS(GC_INT(id)), &round);
	if (st == GC_ENOTFOUND) {
		gc_db_rollback(db);
		return GC_OK;
	}
	if (st != GC_OK)
		goto out;
	int64_t deadline = json_integer_value(json_object_get(round, "deadline_unix"));
	const char *state = json_string_value(json_object_get(round, "state"));
	if (!state || strcmp(state, "open") != 0) {
		gc_db_rollback(db);
		goto out;
	}
	if (now < deadline)
		st = queue_job(db, CONTACTS_PING_CLOSE_JOB, id, deadline);
	else
		st = gc_db_exec(db, "UPDATE contact_ping_rounds SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
				GC_PARAMS(GC_TEXT(now_iso), GC_INT(id)), NULL);
	if (st == GC_OK)
		st = gc_db_bump_changes(db);
	if (st == GC_OK)
		st = gc_db_commit(db);
out:
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		snprintf(err, err_size, "closing ping round %lld failed: %s", (long long)id, gc_status_name(st));
	}
	json_decref(round);
	return st;
}

const struct gc_job_kind contacts_ping_remind_job = { .name = CONTACTS_PING_REMIND_JOB, .max_attempts = 5, .run = remind_run };
const struct gc_job_kind contacts_ping_close_job = { .name = CONTACTS_PING_CLOSE_JOB, .max_attempts = 5, .run = close_run };

/* --- results -------------------------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* {targets, reached, not_reached, response_rate, median_s, p90_s} of rows (confirmed_unix, started). */
static json_t *stats_of(const json_t *rows, int64_t started, const char *key, const char *value)
{
	size_t n = 0, reached = 0;
	int64_t *times = malloc((json_array_size(rows) + 1) * sizeof(int64_t));
	if (!times)
		return NULL;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (key) {
			const char *v = json_string_value(json_object_get(r, key));
			if (!(v && value && strcmp(v, value) == 0) && !(!v && !value))
				continue;
		}
		n++;
		json_t *c = json_object_get(r, "confirmed_unix");
		if (json_is_integer(c))
			times[reached++] = json_integer_value(c) - started;
	}
	qsort(times, reached, sizeof(int64_t), cmp_i64);
	json_t *median = json_null(), *p90 = json_null();
	if (reached) {
		median = reached % 2 ? json_integer(times[reached / 2])
				     : json_real((double)(times[reached / 2 - 1] + times[reached / 2]) / 2.0);
		size_t rank = (9 * reached + 9) / 10; /* ceil(0.9 n) */
		p90 = json_integer(times[rank ? rank - 1 : 0]);
	}
	free(times);
	return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o}", "targets", (json_int_t)n, "reached", (json_int_t)reached,
			 "not_reached", (json_int_t)(n - reached), "response_rate",
			 n ? json_real((double)reached / (double)n) : json_null(), "median_s", median, "p90_s", p90);
}

/* The round row, or GC_ENOTFOUND; and its targets visible to p (all for the Secretariat, the org's else). */
static gc_status round_rows(struct gc_request *req, struct gc_db *db, int64_t id, json_t **round, json_t **targets)
{
	const struct gc_principal *p = req->principal;
	bool all = gc_principal_is_secretariat(p);
	gc_status st = gc_db_query_one(db,
				       "SELECT id AS id, started_at AS started_at, started_unix AS started_unix,"
				       " deadline AS deadline, reminder_hours AS reminder_hours, scope AS scope, state AS state,"
				       " reminded_at AS reminded_at, closed_at AS closed_at FROM contact_ping_rounds WHERE id = ?",
				       GC_PARAMS(GC_INT(id)), round);
	if (st != GC_OK)
		return st;
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	const char *sql = gc_arena_printf(
		req->arena,
		"SELECT t.id AS id, t.contact_id AS contact_id, t.kind AS kind, t.country AS country, t.region AS region,"
		" g.name_%s AS region_name, t.email AS email, t.reminded_at AS reminded_at, t.confirmed_at AS confirmed_at,"
		" t.confirmed_unix AS confirmed_unix, c.function_title AS function_title"
		" FROM contact_ping_targets t JOIN contacts c ON c.item_id = t.contact_id"
		" LEFT JOIN regions g ON g.code = t.region WHERE t.round_id = ?%s ORDER BY t.country, t.kind, t.id",
		lang, all ? "" : " AND t.owner_org = ?");
	if (!sql)
		return GC_ENOMEM;
	if (all)
		st = gc_db_query(db, sql, GC_PARAMS(GC_INT(id)), targets);
	else
		st = gc_db_query(db, sql, GC_PARAMS(GC_INT(id), GC_INT(p->org_id)), targets);
	if (st != GC_OK) {
		json_decref(*round);
		*round = NULL;
		return st;
	}
	if (!all && json_array_size(*targets) == 0) {
		json_decref(*round);
		json_decref(*targets);
		*round = *targets = NULL;
		return GC_ENOTFOUND;
	}
	/* When the SMTP server accepted each ping mail (the outbox's record, by reference). */
	size_t i;
	json_t *t;
	json_array_foreach(*targets, i, t) {
		const char *ref = gc_arena_printf(req->arena, "contacts.ping:%lld:%lld", (long long)id,
						  (long long)json_integer_value(json_object_get(t, "id")));
		json_t *row = NULL;
		st = ref ? gc_db_query_one(db,
					   "SELECT MIN(sent_at) AS delivered_at FROM outbox WHERE ref = ? AND state = 'sent'",
					   GC_PARAMS(GC_TEXT(ref)), &row)
			 : GC_ENOMEM;
		if (st == GC_OK)
			json_object_set(t, "delivered_at", json_object_get(row, "delivered_at"));
		json_decref(row);
		if (st != GC_OK && st != GC_ENOTFOUND)
			return st;
		st = GC_OK;
	}
	return GC_OK;
}

/* A response time for people: "< 1 min", "5 min", "2 h 05 min", "3 d 4 h" (units in the reader's language). */
static const char *duration_label(struct gc_request *req, const json_t *seconds)
{
	if (!json_is_number(seconds))
		return "–";
	int64_t s = (int64_t)json_number_value(seconds);
	const char *min = gc_req_tr(req, "contacts.unit_min"), *hour = gc_req_tr(req, "contacts.unit_hour"),
		   *day = gc_req_tr(req, "contacts.unit_day");
	if (s < 60)
		return gc_arena_printf(req->arena, "< 1 %s", min);
	if (s < 3600)
		return gc_arena_printf(req->arena, "%lld %s", (long long)(s / 60), min);
	if (s < 86400)
		return gc_arena_printf(req->arena, "%lld %s %02lld %s", (long long)(s / 3600), hour,
				       (long long)(s % 3600 / 60), min);
	return gc_arena_printf(req->arena, "%lld %s %lld %s", (long long)(s / 86400), day, (long long)(s % 86400 / 3600),
			       hour);
}

/* The labels of one group's statistics: the rate as a percentage, the times as durations. */
static gc_status label_stats(struct gc_request *req, json_t *s)
{
	const json_t *rate = json_object_get(s, "response_rate");
	const char *rate_label = json_is_number(rate)
					 ? gc_arena_printf(req->arena, "%d%%", (int)(json_number_value(rate) * 100.0 + 0.5))
					 : "–";
	const char *median = duration_label(req, json_object_get(s, "median_s"));
	const char *p90 = duration_label(req, json_object_get(s, "p90_s"));
	if (!rate_label || !median || !p90 || json_object_set_new(s, "rate_label", json_string(rate_label)) ||
	    json_object_set_new(s, "median_label", json_string(median)) ||
	    json_object_set_new(s, "p90_label", json_string(p90)))
		return GC_ENOMEM;
	return GC_OK;
}

/* A round's state and times for people, beside the stored values. */
static gc_status label_round(struct gc_request *req, json_t *round)
{
	const char *state = json_string_value(json_object_get(round, "state"));
	const char *state_key = state && strcmp(state, "open") == 0 ? "contacts.ping_state_open" : "contacts.ping_state_closed";
	static const char *const times[] = { "started_at", "deadline", NULL };
	if (contacts_label_times(req, round, times) != GC_OK)
		return GC_ENOMEM;
	if (json_object_set_new(round, "state_label", json_string(gc_req_tr(req, state_key))))
		return GC_ENOMEM;
	return GC_OK;
}

/* Statistics of a round's visible targets: overall, by kind, by region. */
static gc_status round_stats(struct gc_request *req, const json_t *round, const json_t *targets, json_t **out)
{
	int64_t started = json_integer_value(json_object_get(round, "started_unix"));
	json_t *model = json_object(), *kinds = json_array(), *regions = json_array();
	json_t *overall = stats_of(targets, started, NULL, NULL);
	if (!model || !kinds || !regions || !overall || json_object_set_new(model, "overall", overall) ||
	    json_object_set_new(model, "by_kind", kinds) || json_object_set_new(model, "by_region", regions)) {
		json_decref(model);
		json_decref(kinds);
		json_decref(regions);
		return GC_ENOMEM;
	}
	for (size_t k = 0; contacts_kinds[k]; k++) {
		json_t *s = stats_of(targets, started, "kind", contacts_kinds[k]);
		if (!s)
			goto nomem;
		if (json_integer_value(json_object_get(s, "targets")) == 0) {
			json_decref(s);
			continue;
		}
		if (json_object_set_new(s, "kind", json_string(contacts_kinds[k])) ||
		    json_object_set_new(s, "label", json_string(gc_req_tr(req, contacts_kind_key(req, contacts_kinds[k])))) ||
		    json_array_append_new(kinds, s))
			goto nomem;
	}
	/* Regions in order of first appearance; NULL (organisations) as "none". */
	json_t *seen = json_object();
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t) {
		const char *region = json_string_value(json_object_get(t, "region"));
		const char *key = region ? region : "none";
		if (!seen || json_object_get(seen, key))
			continue;
		json_object_set_new(seen, key, json_true());
		json_t *s = stats_of(targets, started, "region", region);
		const char *name = json_string_value(json_object_get(t, "region_name"));
		if (!s || json_object_set_new(s, "region", region ? json_string(region) : json_null()) ||
		    json_object_set_new(s, "label", json_string(name ? name : gc_req_tr(req, "contacts.ping_no_region"))) ||
		    json_array_append_new(regions, s)) {
			json_decref(seen);
			goto nomem;
		}
	}
	json_decref(seen);
	if (label_stats(req, overall) != GC_OK)
		goto nomem;
	json_t *groups[] = { kinds, regions };
	for (size_t g = 0; g < GC_ARRAY_LEN(groups); g++)
		json_array_foreach(groups[g], i, t)
			if (label_stats(req, t) != GC_OK)
				goto nomem;
	*out = model;
	return GC_OK;
nomem:
	json_decref(model);
	return GC_ENOMEM;
}

static gc_status may_see_results(struct gc_request *req)
{
	/* Anyone else: these pages do not exist for them. */
	if (!contacts_is_state_or_secretariat(req->principal))
		return gc_fail_not_found(req);
	return GC_OK;
}

gc_status contacts_ping_round(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	json_t *round = NULL, *targets = NULL, *stats = NULL;
	gc_status st = may_see_results(req);
	if (st != GC_OK)
		return st;
	if (!id)
		return gc_fail_not_found(req);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	st = round_rows(req, db, id, &round, &targets);
	if (st == GC_OK)
		st = round_stats(req, round, targets, &stats);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/ping-round", "contacts.ping_round_title");
	if (st != GC_OK) {
		json_decref(round);
		json_decref(targets);
		json_decref(stats);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t) {
		json_object_set_new(t, "kind_label", json_string(gc_req_tr(req, contacts_kind_key(req, json_string_value(json_object_get(t, "kind"))))));
		json_object_set_new(t, "reached", json_boolean(json_is_string(json_object_get(t, "confirmed_at"))));
		static const char *const times[] = { "delivered_at", "reminded_at", "confirmed_at", NULL };
		if (contacts_label_times(req, t, times) != GC_OK)
			st = GC_ENOMEM;
		json_object_del(t, "region_name");
	}
	json_t *scope = json_loads(json_string_value(json_object_get(round, "scope")), 0, NULL);
	json_object_set_new(round, "scope", scope ? scope : json_object());
	json_object_set_new(round, "is_open", json_boolean(strcmp(json_string_value(json_object_get(round, "state")), "open") == 0));
	if (label_round(req, round) != GC_OK)
		st = GC_ENOMEM;
	if (st != GC_OK || json_object_update(view->model, round) || json_object_set(view->model, "targets", targets) ||
	    json_object_set(view->model, "stats", stats) ||
	    json_object_set_new(view->model, "is_secretariat", json_boolean(gc_principal_is_secretariat(req->principal))))
		st = GC_ENOMEM;
	json_decref(round);
	json_decref(targets);
	json_decref(stats);
	return st;
}

gc_status contacts_pings(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	json_t *rounds = NULL;
	gc_status st = may_see_results(req);
	if (st != GC_OK)
		return st;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	bool all = gc_principal_is_secretariat(p);
	if (all)
		st = gc_db_query(db, "SELECT id AS id FROM contact_ping_rounds ORDER BY id DESC LIMIT 100", GC_NO_PARAMS, &rounds);
	else
		st = gc_db_query(db,
				 "SELECT DISTINCT round_id AS id FROM contact_ping_targets WHERE owner_org = ? ORDER BY round_id DESC LIMIT 100",
				 GC_PARAMS(GC_INT(p->org_id)), &rounds);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/pings", "contacts.pings_title");
	if (st != GC_OK) {
		json_decref(rounds);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	json_t *history = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rounds, i, r) {
		json_t *round = NULL, *targets = NULL, *stats = NULL;
		st = round_rows(req, db, json_integer_value(json_object_get(r, "id")), &round, &targets);
		if (st == GC_OK)
			st = round_stats(req, round, targets, &stats);
		if (st == GC_OK)
			st = label_round(req, round);
		if (st == GC_OK) {
			json_t *entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s}", "id", json_object_get(round, "id"),
						  "started_at", json_object_get(round, "started_at"), "deadline",
						  json_object_get(round, "deadline"), "state", json_object_get(round, "state"),
						  "state_label", json_object_get(round, "state_label"), "started_at_label",
						  json_object_get(round, "started_at_label"), "deadline_label",
						  json_object_get(round, "deadline_label"),
						  "overall", json_object_get(stats, "overall"), "href",
						  gc_arena_printf(req->arena, "/contacts/pings/%lld",
								  (long long)json_integer_value(json_object_get(round, "id"))));
			if (!entry || json_array_append_new(history, entry))
				st = GC_ENOMEM;
		}
		json_decref(round);
		json_decref(targets);
		json_decref(stats);
		if (st != GC_OK)
			break;
	}
	json_decref(rounds);
	if (st == GC_OK && (json_object_set_new(view->model, "rounds", history) ||
			    json_object_set_new(view->model, "can_start", json_boolean(may_start(p)))))
		st = GC_ENOMEM;
	else if (st != GC_OK)
		json_decref(history);
	return st;
}
