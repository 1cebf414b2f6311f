/*
 * The audit log browser. Secretariat admins read every entry but those of
 * requests between states, which only the acting state's admins read; an
 * organisation's admins read the entries about their organisation: those
 * its people wrote (actor_org), and those whose target is the organisation
 * or one of its users. Everybody else gets 403.
 *
 * The query is assembled from fixed fragments, one per filter given, and
 * every value is a bound '?' parameter; nothing the client sends becomes SQL
 * text. Pages run newest first below a cursor (before = an id).
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "modules/organisations/organisations.h"

#define AUDIT_DEFAULT_LIMIT 50
#define AUDIT_MAX_PARAMS 16

/* The entries about one organisation: its people's actions, and actions on it or on one of its users. */
#define ABOUT_ORG                                                                                                  \
	" AND (a.actor_org = ? OR (a.target_type = 'org' AND a.target_id = ?)"                                     \
	" OR (a.target_type = 'user' AND a.target_id IN (SELECT CAST(id AS TEXT) FROM users WHERE org_id = ?)))"

struct query {
	struct gc_buf sql;
	struct gc_val params[AUDIT_MAX_PARAMS];
	size_t n;
};

static void add(struct query *q, const char *fragment, const struct gc_val *values, size_t n)
{
	gc_buf_str_raw(&q->sql, fragment);
	for (size_t i = 0; i < n && q->n < AUDIT_MAX_PARAMS; i++)
		q->params[q->n++] = values[i];
}

#define ADD(q, fragment, ...) add((q), (fragment), GC_PARAMS(__VA_ARGS__))

static bool action_text_ok(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

static gc_status bad_param(struct gc_request *req, const char *name)
{
	return gc_fail(req, 400, "invalid_param", "error.invalid_param", name);
}

/* "YYYY-MM-DD" plus days as the start of that day, "YYYY-MM-DDT00:00:00.000Z" (the log's own format). */
static bool day_start(const char *date, int days, char out[32])
{
	int64_t t = 0;
	if (gc_clock_parse_iso8601(date, &t) != GC_OK)
		return false;
	gc_clock_format_iso8601_ms((t + (int64_t)days * 86400) * 1000, out, 32);
	return true;
}

/* A link to this page with the current filters and the cursor before (0: none). */
static json_t *page_href(struct gc_request *req, int64_t before)
{
	static const char *const names[] = { "action", "actor", "org", "target_type", "target_id", "from", "to", "limit" };
	struct gc_buf href;
	gc_buf_init(&href, 4096);
	gc_buf_lit(&href, "/audit");
	char sep = '?';
	for (size_t i = 0; i < GC_ARRAY_LEN(names); i++) {
		const char *value = gc_query(req, names[i]);
		if (!value || !*value)
			continue;
		gc_buf_char(&href, sep);
		gc_buf_str_raw(&href, names[i]);
		gc_buf_char(&href, '=');
		gc_buf_url_query(&href, value, strlen(value));
		sep = '&';
	}
	if (before > 0) {
		gc_buf_char(&href, sep);
		gc_buf_printf(&href, "before=%lld", (long long)before);
	}
	json_t *result = gc_buf_error(&href) ? NULL : json_string(gc_buf_str(&href));
	gc_buf_free(&href);
	return result;
}

/* One row of the query as the page shows it. */
static json_t *entry_json(struct gc_request *req, const json_t *row)
{
	const char *detail_text = json_string_value(json_object_get(row, "detail"));
	json_t *detail = detail_text ? json_loads(detail_text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (detail && !json_is_object(detail)) {
		json_decref(detail);
		detail = NULL;
	}
	json_t *actor_user = json_object_get(row, "actor_user");
	json_t *actor = NULL;
	if (json_is_integer(actor_user) || json_is_integer(json_object_get(row, "actor_org"))) {
		json_int_t user_id = json_integer_value(actor_user);
		actor = json_pack("{s:O, s:O, s:O, s:O, s:O, s:s?}", "id", actor_user, "email",
				  json_object_get(row, "actor_email"), "name", json_object_get(row, "actor_name"), "org_id",
				  json_object_get(row, "actor_org"), "org_name", json_object_get(row, "actor_org_name"),
				  "href", user_id > 0 ? gc_arena_printf(req->arena, "/audit?actor=%lld", (long long)user_id)
						      : NULL);
		if (!actor) {
			json_decref(detail);
			return NULL;
		}
	}
	json_t *target = NULL;
	const char *target_type = json_string_value(json_object_get(row, "target_type"));
	const char *target_id = json_string_value(json_object_get(row, "target_id"));
	if (target_type || target_id) {
		struct gc_buf href;
		gc_buf_init(&href, 1024);
		gc_buf_lit(&href, "/audit?target_type=");
		if (target_type)
			gc_buf_url_query(&href, target_type, strlen(target_type));
		gc_buf_lit(&href, "&target_id=");
		if (target_id)
			gc_buf_url_query(&href, target_id, strlen(target_id));
		target = json_pack("{s:s?, s:s?, s:s?}", "type", target_type, "id", target_id, "href",
				   gc_buf_error(&href) ? NULL : gc_buf_str(&href));
		gc_buf_free(&href);
		if (!target) {
			json_decref(detail);
			json_decref(actor);
			return NULL;
		}
	}
	return json_pack("{s:O, s:O, s:o?, s:O, s:O, s:o?, s:o?, s:s?}", "id", json_object_get(row, "id"), "at",
			 json_object_get(row, "at"), "actor", actor, "client_ip", json_object_get(row, "client_ip"),
			 "action", json_object_get(row, "action"), "target", target, "detail", detail, "detail_text",
			 detail_text);
}

gc_status audit_list(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	bool everything = orgs_is_secretariat_admin(p);
	if (!everything && !(p && p->role == GC_ROLE_ADMIN))
		return orgs_forbidden(req, "organisations.error_audit_admins_only");

	const char *action = gc_query(req, "action");
	const char *target_type = gc_query(req, "target_type");
	const char *target_id = gc_query(req, "target_id");
	const char *from = gc_query(req, "from");
	const char *to = gc_query(req, "to");
	/* A form's empty field is no filter. */
	if (action && !*action)
		action = NULL;
	if (target_type && !*target_type)
		target_type = NULL;
	if (target_id && !*target_id)
		target_id = NULL;
	int64_t actor = gc_query_int(req, "actor", 0);
	int64_t org = gc_query_int(req, "org", 0);
	int64_t before = gc_query_int(req, "before", 0);
	int64_t limit = gc_query_int(req, "limit", AUDIT_DEFAULT_LIMIT);
	char from_at[32], to_at[32];
	if (action && !action_text_ok(action))
		return bad_param(req, "action");
	if (target_type && !action_text_ok(target_type))
		return bad_param(req, "target_type");
	if (from && !day_start(from, 0, from_at))
		return bad_param(req, "from");
	if (to && !day_start(to, 1, to_at))
		return bad_param(req, "to");

	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	const char *own_org = p ? orgs_id_text(req, p->org_id) : NULL;
	const char *filter_org = org ? orgs_id_text(req, org) : NULL;
	if (!own_org || (org && !filter_org))
		return GC_ENOMEM;

	struct query q = { .n = 0 };
	gc_buf_init(&q.sql, 8192);
	gc_buf_lit(&q.sql, "SELECT a.id AS id, a.at AS at, a.actor_user AS actor_user, a.actor_org AS actor_org,"
			   " a.client_ip AS client_ip, a.action AS action, a.target_type AS target_type,"
			   " a.target_id AS target_id, a.detail AS detail, u.email AS actor_email, u.name AS actor_name,"
			   " o.name AS actor_org_name"
			   " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user"
			   " LEFT JOIN organisations o ON o.id = a.actor_org WHERE 1 = 1");
	if (!everything)
		ADD(&q, ABOUT_ORG, GC_INT(p->org_id), GC_TEXT(own_org), GC_INT(p->org_id));
	/* A request between states belongs to the two states (docs/contacts.md): its
	 * records (which states, kind, label) are read by the acting organisation's
	 * admins only; the Secretariat has the times, in GET /requests/stats. */
	ADD(&q, " AND (a.target_type IS NULL OR a.target_type <> 'contact_request' OR a.actor_org = ?)",
	    GC_INT(p->org_id));
	if (org)
		ADD(&q, ABOUT_ORG, GC_INT(org), GC_TEXT(filter_org), GC_INT(org));
	if (action) {
		size_t len = strlen(action);
		/* "login." is every action of that family; '.' cannot otherwise end an action. */
		if (action[len - 1] == '.')
			ADD(&q, " AND substr(a.action, 1, CAST(? AS INTEGER)) = ?", GC_INT((int64_t)len), GC_TEXT(action));
		else
			ADD(&q, " AND a.action = ?", GC_TEXT(action));
	}
	if (actor)
		ADD(&q, " AND a.actor_user = ?", GC_INT(actor));
	if (target_type)
		ADD(&q, " AND a.target_type = ?", GC_TEXT(target_type));
	if (target_id)
		ADD(&q, " AND a.target_id = ?", GC_TEXT(target_id));
	if (from)
		ADD(&q, " AND a.at >= ?", GC_TEXT(from_at));
	if (to)
		ADD(&q, " AND a.at < ?", GC_TEXT(to_at));
	if (before)
		ADD(&q, " AND a.id < ?", GC_INT(before));
	/* One row more than the page tells whether an older page exists. */
	ADD(&q, " ORDER BY a.id DESC LIMIT ?", GC_INT(limit + 1));

	json_t *rows = NULL;
	gc_status status = gc_buf_error(&q.sql);
	if (status == GC_OK)
		status = gc_db_query(db, gc_buf_str(&q.sql), q.params, q.n, &rows);
	gc_buf_free(&q.sql);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);

	status = gc_view_page(req, view, "organisations/audit", "organisations.audit_title");
	json_t *entries = json_array();
	if (status != GC_OK || !entries || json_object_set_new(view->model, "entries", entries)) {
		json_decref(rows);
		return status != GC_OK ? status : GC_ENOMEM;
	}
	bool more = json_array_size(rows) > (size_t)limit;
	int64_t last_id = 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (i >= (size_t)limit)
			break;
		json_t *entry = entry_json(req, row);
		if (!entry || json_array_append_new(entries, entry)) {
			json_decref(rows);
			return GC_ENOMEM;
		}
		last_id = json_integer_value(json_object_get(row, "id"));
	}
	json_decref(rows);

	json_t *model = view->model;
	json_t *filters = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:I}", "action", action, "target_type",
				    target_type, "target_id", target_id, "from", from, "to", to, "limit",
				    (json_int_t)limit);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    (actor && json_object_set_new(filters, "actor", json_integer(actor))) ||
	    (org && json_object_set_new(filters, "org", json_integer(org))) ||
	    (before && json_object_set_new(filters, "before", json_integer(before))) ||
	    json_object_set_new(model, "scope", json_string(everything ? "all" : "organisation")) ||
	    json_object_set_new(model, "next_before", more ? json_integer(last_id) : json_null()) ||
	    json_object_set_new(model, "is_secretariat_admin", json_boolean(everything)) ||
	    json_object_set_new(model, "count", json_integer((json_int_t)json_array_size(entries))))
		return GC_ENOMEM;
	if (!everything && json_object_set_new(model, "organisation_name", json_string(p->org_name ? p->org_name : "")))
		return GC_ENOMEM;
	/* Navigation only when there is somewhere to go. */
	if (more || before) {
		json_t *pages = json_object();
		if (!pages || json_object_set_new(model, "pages", pages) ||
		    (before && json_object_set_new(pages, "first_href", page_href(req, 0))) ||
		    (more && json_object_set_new(pages, "next_href", page_href(req, last_id))))
			return GC_ENOMEM;
	}
	if (!everything)
		return GC_OK;

	/* The head, to compare with a copy kept elsewhere. */
	int64_t head_id = 0, head_count = 0;
	char head_hash[GC_AUDIT_HASH_SIZE];
	status = gc_audit_head(db, &head_id, head_hash, &head_count);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	if (json_object_set_new(model, "head", json_pack("{s:I, s:I, s:s}", "count", (json_int_t)head_count, "last_id",
							 (json_int_t)head_id, "last_hash", head_hash)))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status audit_verify(struct gc_request *req, struct gc_view *view)
{
	if (!orgs_is_secretariat_admin(req->principal))
		return orgs_forbidden(req, "organisations.error_secretariat_admins_only");
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	int64_t first_bad = 0, head_id = 0, head_count = 0;
	char reason[512] = "";
	char head_hash[GC_AUDIT_HASH_SIZE];
	char checked_at[32];
	gc_status verdict = gc_audit_verify(db, &first_bad, reason, sizeof(reason));
	if (verdict != GC_OK && verdict != GC_ECONFLICT)
		return gc_req_fail_status(req, verdict, NULL, NULL);
	gc_status status = gc_audit_head(db, &head_id, head_hash, &head_count);
	if (status != GC_OK)
		return gc_req_fail_status(req, status, NULL, NULL);
	gc_clock_format_iso8601(gc_clock_now(), checked_at, sizeof(checked_at));
	status = gc_view_page(req, view, "organisations/audit_verify", "organisations.verify_title");
	if (status != GC_OK)
		return status;
	bool ok = verdict == GC_OK;
	json_t *result = json_pack("{s:b, s:s}", "ok", ok, "checked_at", checked_at);
	if (!result || json_object_set_new(view->model, "verify", result) ||
	    (!ok && json_object_set_new(result, "first_bad_id", first_bad ? json_integer(first_bad) : json_null())) ||
	    (!ok && json_object_set_new(result, "reason", json_string(reason))) ||
	    (!ok && first_bad && json_object_set_new(result, "href",
						     json_string(gc_arena_printf(req->arena, "/audit?before=%lld",
										 (long long)first_bad + 1)))) ||
	    json_object_set_new(view->model, "head",
				json_pack("{s:I, s:I, s:s}", "count", (json_int_t)head_count, "last_id",
					  (json_int_t)head_id, "last_hash", head_hash)))
		return GC_ENOMEM;
	return GC_OK;
}
