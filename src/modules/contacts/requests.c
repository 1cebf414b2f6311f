/*
 * Structured requests between states (GET/POST /requests...).
 *
 * A state's editor or admin sends another state a request on a standard
 * form: kind, urgency, a TLP-style handling label, subject and description.
 * The request belongs to the two states alone: nobody else reads it, the
 * Secretariat included, which sees only that an exchange took place and its
 * times (GET /requests/stats). Requests are not items: they are never
 * public, never listed, searched or exported elsewhere.
 *
 * Times: sent (created), delivered (the first notification the SMTP server
 * accepted, from the outbox's record under ref "contacts.request:<id>"),
 * acknowledged (the recipient pressed Acknowledge, or replied), answered
 * (the recipient's first reply). Replies from either side form the thread.
 *
 * Files: the request and each reply may carry up to CONTACTS_REQUEST_MAX_FILES
 * files (multipart field "file", repeated), checked by the one upload check
 * (gc_files_accept: libmagic, the upload size limit, no active PDF, a safe
 * name), kept once by their SHA-256 in the shared file store, listed in
 * contact_request_files and served by the one download (http/download.h)
 * at /requests/{id}/files/{fid} to the two states alone. They are never
 * indexed for search, and the Secretariat never learns their names or sizes.
 *
 * Notifications name the sending state, kind, urgency and handling label,
 * and link to the request; never its subject or text, which stay behind the
 * sign-in. They go to the first address of each published diplomatic or
 * technical contact of the recipient state, or, when it has none, to its
 * active admins.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/mail.h"
#include "base/parse.h"
#include "base/text.h"
#include "http/download.h"
#include "http/server.h"
#include "modules/contacts/contacts.h"
#include "store/attachments.h"
#include "store/files.h"
#include "store/outbox.h"

static const char *const request_kinds[] = { "incident_information", "assistance", "notification", "other", NULL };
static const char *const urgencies[] = { "routine", "high", "urgent", NULL };
static const char *const handlings[] = { "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED", NULL };

#define REQUEST_MAX_RECIPIENTS 20

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool may_write(const struct gc_principal *p)
{
	return gc_principal_is_state(p) && p->role != GC_ROLE_READER;
}

static const char *text_field(struct gc_request *req, const char *name, bool *bad)
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

static bool text_ok(const char *s, size_t max, bool line)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || (line ? !gc_text_acceptable_line(s, n) : !gc_text_acceptable(s, n)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return true;
	return false;
}

static gc_status only_members(struct gc_request *req, const char *const *members)
{
	if (req->body_kind != GC_BODY_JSON)
		return GC_OK;
	if (!json_is_object(req->json))
		return gc_fail(req, 422, "invalid_field", "contacts.error_body", "body");
	const char *key;
	json_t *value;
	json_object_foreach(req->json, key, value) {
		if (!in_list(members, key))
			return gc_fail(req, 422, "invalid_field", "contacts.error_unknown_field", key);
	}
	return GC_OK;
}

/* Queues the notification of request id to the state org (its contacts, else its admins). */
static gc_status notify(struct gc_request *req, struct gc_db *db, int64_t id, int64_t org, const char *from_name,
			const char *kind, const char *urgency, const char *handling, bool reply)
{
	json_t *rows = NULL;
	gc_status st = gc_db_query(db,
				   "SELECT c.emails AS emails FROM contacts c JOIN items i ON i.id = c.item_id"
				   " WHERE i.owner_org = ? AND i.module = 'contacts' AND i.status = 'published'"
				   " AND c.kind IN ('diplomatic', 'technical') ORDER BY c.item_id LIMIT ?",
				   GC_PARAMS(GC_INT(org), GC_INT(REQUEST_MAX_RECIPIENTS)), &rows);
	if (st != GC_OK)
		return st;
	const char *to[REQUEST_MAX_RECIPIENTS];
	size_t n = 0;
	size_t i;
	json_t *r;
	json_t *lists = json_array();
	json_array_foreach(rows, i, r) {
		json_t *emails = json_loads(json_string_value(json_object_get(r, "emails")), 0, NULL);
		const char *first = json_string_value(json_array_get(emails, 0));
		bool dup = false;
		for (size_t k = 0; first && k < n; k++)
			dup = dup || gc_ascii_ieq(to[k], first);
		if (first && !dup && n < REQUEST_MAX_RECIPIENTS)
			to[n++] = first;
		json_array_append_new(lists, emails); /* keeps first alive */
	}
	json_t *admins = NULL;
	if (n == 0) {
		st = gc_db_query(db,
				 "SELECT email AS email FROM users WHERE org_id = ? AND role = 'admin' AND status = 'active'"
				 " ORDER BY id LIMIT ?",
				 GC_PARAMS(GC_INT(org), GC_INT(REQUEST_MAX_RECIPIENTS)), &admins);
		json_array_foreach(admins, i, r) {
			const char *e = json_string_value(json_object_get(r, "email"));
			if (e && gc_mail_address_ok(e) && n < REQUEST_MAX_RECIPIENTS)
				to[n++] = e;
		}
	}
	const char *lang = req->lang ? req->lang : GC_LANG_DEFAULT;
	struct gc_buf body;
	gc_buf_init(&body, GC_MAIL_MAX_BODY);
	gc_buf_str_raw(&body, gc_tr(lang, reply ? "contacts.request_mail_reply_intro" : "contacts.request_mail_intro"));
	gc_buf_lit(&body, "\n\n    ");
	gc_buf_str_raw(&body, from_name);
	gc_buf_lit(&body, "\n    ");
	gc_buf_str_raw(&body, gc_tr(lang, gc_arena_printf(req->arena, "contacts.request_kind_%s", kind)));
	gc_buf_lit(&body, " · ");
	gc_buf_str_raw(&body, gc_tr(lang, gc_arena_printf(req->arena, "contacts.request_urgency_%s", urgency)));
	gc_buf_lit(&body, " · ");
	gc_buf_str_raw(&body, handling);
	gc_buf_lit(&body, "\n\n");
	gc_buf_str_raw(&body, gc_tr(lang, "contacts.request_mail_link"));
	gc_buf_lit(&body, "\n\n    ");
	gc_buf_str_raw(&body, gc_req_base_url(req));
	gc_buf_printf(&body, "/requests/%lld\n", (long long)id);
	const char *ref = gc_arena_printf(req->arena, reply ? "contacts.request:%lld:reply" : "contacts.request:%lld",
					  (long long)id);
	st = st == GC_OK ? gc_buf_error(&body) : st;
	if (st == GC_OK && !ref)
		st = GC_ENOMEM;
	for (size_t k = 0; st == GC_OK && k < n; k++) {
		struct gc_outbox_message m = {
			.to = to[k],
			.subject = gc_tr(lang, reply ? "contacts.request_mail_reply_subject" : "contacts.request_mail_subject"),
			.text = gc_buf_str(&body),
			.ref = ref,
		};
		st = gc_outbox_enqueue(db, &m, NULL);
		if (st == GC_EINVAL)
			st = GC_OK; /* an address the mailer refuses: the others still go */
	}
	gc_buf_free(&body);
	json_decref(lists);
	json_decref(rows);
	json_decref(admins);
	return st;
}

/* --- files of a message -------------------------------------------------------------------------------- */

/* One accepted file of the body: the part, its type and the name kept; sha once stored. */
struct request_file {
	const struct gc_upload *part;
	const char *media;
	char name[GC_FILES_MAX_NAME + 1];
	char sha[GC_SHA256_HEX];
};

/*
 * The files of a multipart body, checked before anything is written: every
 * file part is the field "file", at most CONTACTS_REQUEST_MAX_FILES, none
 * empty, each accepted by gc_files_accept. A refusal answers (415 or 422
 * naming the field, through why) and returns GC_EHTTP.
 */
/* A refusal of the body, answered by the handler (API: the error; page: the form again). */
struct refusal {
	int status;
	const char *code, *key, *field;
};

static gc_status refuse(struct refusal *why, int status, const char *code, const char *key, const char *field)
{
	*why = (struct refusal){ .status = status, .code = code, .key = key, .field = field };
	return GC_EHTTP;
}

static gc_status read_files(struct request_file *out, size_t *n, const struct gc_request *req, struct refusal *why)
{
	*n = 0;
	if (req->body_kind != GC_BODY_MULTIPART)
		return GC_OK;
	for (size_t i = 0; i < req->n_files; i++) {
		const struct gc_upload *part = &req->files[i];
		struct request_file *f = &out[*n];
		enum gc_files_verdict verdict;
		if (!part->field || strcmp(part->field, "file") != 0)
			return refuse(why, 422, "invalid_field", "contacts.error_unknown_field", part->field ? part->field : "file");
		if (*n >= CONTACTS_REQUEST_MAX_FILES)
			return refuse(why, 422, "invalid_field", "contacts.request_error_too_many_files", "file");
		if (part->len == 0)
			return refuse(why, 422, "invalid_field", "attachments.error_file", "file");
		gc_status st = gc_files_accept(part->data, part->len, part->filename, part->content_type, &f->media, f->name,
					       &verdict);
		if (st != GC_OK)
			return st;
		if (verdict == GC_FILES_UNSUPPORTED)
			return refuse(why, 415, "unsupported_media_type", "attachments.error_type", "file");
		if (verdict == GC_FILES_DISGUISED)
			return refuse(why, 422, "invalid_field", "attachments.error_disguised", "file");
		if (verdict == GC_FILES_ACTIVE)
			return refuse(why, 422, "invalid_field", "attachments.error_active", "file");
		f->part = part;
		(*n)++;
	}
	return GC_OK;
}

/* The bytes first, outside the transaction: a row never names a file that is not there. */
static gc_status put_files(struct request_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		gc_status st = gc_files_put(gc_attachments_data_dir(), files[i].part->data, files[i].part->len, files[i].sha);
		if (st != GC_OK)
			return st;
	}
	return GC_OK;
}

/* The rows of message_id's files, in the caller's transaction. */
static gc_status add_files(struct gc_db *db, int64_t request_id, int64_t message_id, const struct request_file *files,
			   size_t n, const char *now)
{
	gc_status st = GC_OK;
	for (size_t i = 0; st == GC_OK && i < n; i++)
		st = gc_db_exec(db,
				"INSERT INTO contact_request_files (request_id, message_id, filename, media_type, size, sha256,"
				" created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(request_id), GC_INT(message_id), GC_TEXT(files[i].name),
					  GC_TEXT(files[i].media), GC_INT((int64_t)files[i].part->len), GC_TEXT(files[i].sha),
					  GC_TEXT(now)),
				NULL);
	return st;
}

static const char *size_label(struct gc_request *req, json_int_t size)
{
	if (size < 1024)
		return gc_arena_printf(req->arena, "%lld B", (long long)size);
	if (size < 1024 * 1024)
		return gc_arena_printf(req->arena, "%.1f KiB", (double)size / 1024.0);
	return gc_arena_printf(req->arena, "%.1f MiB", (double)size / (1024.0 * 1024.0));
}

/* Hangs the files of request id on its messages (msgs: the thread, oldest first): "files": [{id, filename, media_type, size, size_label, href}]. */
static gc_status thread_files(struct gc_request *req, struct gc_db *db, int64_t id, json_t *msgs)
{
	json_t *rows = NULL;
	gc_status st = gc_db_query(db,
				   "SELECT id AS id, message_id AS message_id, filename AS filename, media_type AS media_type,"
				   " size AS size FROM contact_request_files WHERE request_id = ? ORDER BY id LIMIT ?",
				   GC_PARAMS(GC_INT(id), GC_INT(CONTACTS_REQUEST_MAX_FILES * (CONTACTS_REQUEST_MAX_MESSAGES + 1))),
				   &rows);
	if (st != GC_OK)
		return st;
	size_t i, k;
	json_t *m, *f;
	json_array_foreach(msgs, i, m) {
		if (json_object_set_new(m, "files", json_array())) {
			st = GC_ENOMEM;
			break;
		}
	}
	json_array_foreach(rows, k, f) {
		if (st != GC_OK)
			break;
		json_int_t mid = json_integer_value(json_object_get(f, "message_id"));
		json_int_t fid = json_integer_value(json_object_get(f, "id"));
		const char *href = gc_arena_printf(req->arena, "/requests/%lld/files/%lld", (long long)id, (long long)fid);
		const char *size = size_label(req, json_integer_value(json_object_get(f, "size")));
		json_t *list = NULL;
		json_array_foreach(msgs, i, m) {
			if (json_integer_value(json_object_get(m, "id")) == mid)
				list = json_object_get(m, "files");
		}
		json_object_del(f, "message_id");
		if (!href || !size || json_object_set_new(f, "href", json_string(href)) ||
		    json_object_set_new(f, "size_label", json_string(size)) || (list && json_array_append(list, f)))
			st = GC_ENOMEM;
	}
	json_array_foreach(msgs, i, m) {
		if (st == GC_OK &&
		    json_object_set_new(m, "has_files", json_boolean(json_array_size(json_object_get(m, "files")) > 0)))
			st = GC_ENOMEM;
	}
	json_decref(rows);
	return st;
}

/* The request as one of its two states sees it, or GC_ENOTFOUND. */
static gc_status load(struct gc_request *req, struct gc_db *db, int64_t id, json_t **out)
{
	const struct gc_principal *p = req->principal;
	json_t *row = NULL, *msgs = NULL, *delivered = NULL;
	if (!gc_principal_is_state(p))
		return GC_ENOTFOUND;
	gc_status st = gc_db_query_one(
		db,
		"SELECT r.id AS id, r.from_org AS from_org, f.name AS from_name, r.to_org AS to_org, t.name AS to_name,"
		" r.kind AS kind, r.urgency AS urgency, r.handling AS handling, r.subject AS subject, r.sent_at AS sent_at,"
		" r.acknowledged_at AS acknowledged_at, r.answered_at AS answered_at FROM contact_requests r"
		" JOIN organisations f ON f.id = r.from_org JOIN organisations t ON t.id = r.to_org"
		" WHERE r.id = ? AND (r.from_org = ? OR r.to_org = ?)",
		GC_PARAMS(GC_INT(id), GC_INT(p->org_id), GC_INT(p->org_id)), &row);
	if (st == GC_OK)
		st = gc_db_query(db,
				 "SELECT m.id AS id, m.body AS body, m.created_at AS created_at, o.name AS organisation,"
				 " u.name AS author FROM contact_request_messages m JOIN organisations o ON o.id = m.org_id"
				 " JOIN users u ON u.id = m.user_id WHERE m.request_id = ? ORDER BY m.id",
				 GC_PARAMS(GC_INT(id)), &msgs);
	if (st == GC_OK)
		st = gc_db_query_one(db,
				     "SELECT MIN(sent_at) AS delivered_at FROM outbox WHERE ref = ? AND state = 'sent'",
				     GC_PARAMS(GC_TEXT(gc_arena_printf(req->arena, "contacts.request:%lld", (long long)id))),
				     &delivered);
	if (st == GC_OK)
		st = thread_files(req, db, id, msgs);
	if (st != GC_OK) {
		json_decref(row);
		json_decref(msgs);
		json_decref(delivered);
		return st;
	}
	bool incoming = json_integer_value(json_object_get(row, "to_org")) == p->org_id;
	const char *kind = json_string_value(json_object_get(row, "kind"));
	const char *urgency = json_string_value(json_object_get(row, "urgency"));
	if (json_object_set(row, "delivered_at", json_object_get(delivered, "delivered_at")) ||
	    json_object_set_new(row, "messages", msgs) || json_object_set_new(row, "incoming", json_boolean(incoming)) ||
	    json_object_set_new(row, "kind_label",
				json_string(gc_req_tr(req, gc_arena_printf(req->arena, "contacts.request_kind_%s", kind)))) ||
	    json_object_set_new(row, "urgency_label",
				json_string(gc_req_tr(req, gc_arena_printf(req->arena, "contacts.request_urgency_%s", urgency)))) ||
	    json_object_set_new(row, "can_acknowledge",
				json_boolean(incoming && may_write(p) && !json_is_string(json_object_get(row, "acknowledged_at")))) ||
	    json_object_set_new(row, "can_reply", json_boolean(may_write(p)))) {
		json_decref(row);
		json_decref(delivered);
		return GC_ENOMEM;
	}
	json_decref(delivered);
	static const char *const times[] = { "sent_at", "delivered_at", "acknowledged_at", "answered_at", NULL };
	static const char *const message_times[] = { "created_at", NULL };
	st = contacts_label_times(req, row, times);
	size_t i;
	json_t *m;
	json_array_foreach(msgs, i, m)
		if (st == GC_OK)
			st = contacts_label_times(req, m, message_times);
	if (st != GC_OK) {
		json_decref(row);
		return st;
	}
	*out = row;
	return GC_OK;
}

static gc_status answer_request(struct gc_request *req, struct gc_view *view, struct gc_db *db, int64_t id, int status)
{
	json_t *model = NULL;
	gc_status st = load(req, db, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = status;
	view->location = gc_arena_printf(req->arena, "/requests/%lld", (long long)id);
	if (!view->location)
		return GC_ENOMEM;
	return req->is_api && status == 201 ? gc_add_header(req, "Location", view->location) : GC_OK;
}

/* The choice whose value is the form's (a number or a string) is selected. */
static gc_status mark_selected(json_t *choices, const char *value)
{
	size_t i;
	json_t *c;
	json_array_foreach(choices, i, c) {
		json_t *v = json_object_get(c, "value");
		int64_t n = 0;
		bool on = value && json_is_string(v) && strcmp(json_string_value(v), value) == 0;
		if (value && json_is_integer(v))
			on = gc_parse_i64(value, strlen(value), 1, INT64_MAX, &n) == GC_OK && n == json_integer_value(v);
		if (json_object_set_new(c, "selected", json_boolean(on)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* The message of a refusal beside its field: {"errors": {field: message}, "error": message}. */
static gc_status set_error(struct gc_request *req, json_t *model, const struct refusal *why, const char *const *fields)
{
	const char *field = "file";
	for (size_t i = 0; why->field && fields[i]; i++)
		if (strcmp(fields[i], why->field) == 0)
			field = why->field;
	const char *message = gc_req_tr(req, why->key);
	json_t *errors = json_pack("{s:s}", field, message);
	if (!errors || json_object_set_new(model, "errors", errors) || json_object_set_new(model, "error", json_string(message)))
		return GC_ENOMEM;
	return GC_OK;
}

/*
 * A refused request: the API gets the status and the field; a page is the
 * form again, with what was typed and the message beside the field.
 */
static gc_status create_invalid(struct gc_request *req, struct gc_view *view, const struct refusal *why)
{
	static const char *const fields[] = { "to_org", "kind", "urgency", "handling", "subject", "description", NULL };
	if (req->is_api || req->body_kind == GC_BODY_JSON)
		return gc_fail(req, why->status, why->code, why->key, why->field);
	gc_status st = contacts_request_new(req, view);
	if (st != GC_OK)
		return st;
	json_t *m = view->model;
	view->status = why->status;
	json_t *echo = json_pack("{s:s?, s:s?}", "subject", gc_form(req, "subject"), "description", gc_form(req, "description"));
	if (!echo || json_object_set_new(m, "echo", echo))
		return GC_ENOMEM;
	st = mark_selected(json_object_get(m, "state_choices"), gc_form(req, "to_org"));
	if (st == GC_OK)
		st = mark_selected(json_object_get(m, "kind_choices"), gc_form(req, "kind"));
	if (st == GC_OK)
		st = mark_selected(json_object_get(m, "urgency_choices"), gc_form(req, "urgency"));
	if (st == GC_OK)
		st = mark_selected(json_object_get(m, "handling_choices"), gc_form(req, "handling"));
	return st == GC_OK ? set_error(req, m, why, fields) : st;
}

/* A refused reply: the API gets the status and the field; a page is the request again with the message beside the field. */
static gc_status reply_invalid(struct gc_request *req, struct gc_view *view, const struct refusal *why)
{
	static const char *const fields[] = { "body", NULL };
	if (req->is_api || req->body_kind == GC_BODY_JSON)
		return gc_fail(req, why->status, why->code, why->key, why->field);
	gc_status st = contacts_request_show(req, view);
	if (st != GC_OK)
		return st;
	view->status = why->status;
	json_t *echo = json_pack("{s:s?}", "body", gc_form(req, "body"));
	if (!echo || json_object_set_new(view->model, "echo", echo))
		return GC_ENOMEM;
	return set_error(req, view->model, why, fields);
}

gc_status contacts_request_create(struct gc_request *req, struct gc_view *view)
{
	static const char *const members[] = { "to_org", "kind", "urgency", "handling", "subject", "description", NULL };
	const struct gc_principal *p = req->principal;
	json_t *to = NULL;
	bool bad = false;
	int64_t to_org = 0, id = 0, message_id = 0;
	char now[32], target[24];
	struct request_file files[CONTACTS_REQUEST_MAX_FILES];
	size_t n_files = 0;
	struct refusal why = { 0 };
	if (!may_write(p))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	gc_status st = only_members(req, members);
	if (st != GC_OK)
		return st;
	const char *to_text = text_field(req, "to_org", &bad);
	const char *kind = text_field(req, "kind", &bad);
	const char *urgency = text_field(req, "urgency", &bad);
	const char *handling = text_field(req, "handling", &bad);
	const char *subject = text_field(req, "subject", &bad);
	const char *description = text_field(req, "description", &bad);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!to_text || gc_parse_i64(to_text, strlen(to_text), 1, INT64_MAX, &to_org) != GC_OK || to_org == p->org_id)
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_to_org", "to_org" });
	st = gc_db_query_one(db,
			     "SELECT name AS name, kind AS kind FROM organisations WHERE id = ? AND status = 'active'"
			     " AND kind IN ('member_state', 'observer_state')",
			     GC_PARAMS(GC_INT(to_org)), &to);
	if (st == GC_ENOTFOUND)
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_to_org", "to_org" });
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	json_decref(to);
	if (!in_list(request_kinds, kind))
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_kind", "kind" });
	if (!in_list(urgencies, urgency))
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_urgency", "urgency" });
	if (!in_list(handlings, handling))
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_handling", "handling" });
	if (!text_ok(subject, CONTACTS_REQUEST_MAX_SUBJECT, true))
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_subject", "subject" });
	if (!text_ok(description, CONTACTS_REQUEST_MAX_TEXT, false))
		return create_invalid(req, view, &(struct refusal){ 422, "invalid_field", "contacts.request_error_description", "description" });
	st = read_files(files, &n_files, req, &why);
	if (st == GC_EHTTP)
		return create_invalid(req, view, &why);
	if (st == GC_OK)
		st = put_files(files, n_files);
	if (st != GC_OK)
		return st;
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_query_int(db,
				     "INSERT INTO contact_requests (from_org, to_org, kind, urgency, handling, subject, created_by,"
				     " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				     GC_PARAMS(GC_INT(p->org_id), GC_INT(to_org), GC_TEXT(kind), GC_TEXT(urgency),
					       GC_TEXT(handling), GC_TEXT(subject), GC_INT(p->user_id), GC_TEXT(now)),
				     &id);
	if (st == GC_OK)
		st = gc_db_query_int(db,
				     "INSERT INTO contact_request_messages (request_id, org_id, user_id, body, created_at)"
				     " VALUES (?, ?, ?, ?, ?) RETURNING id",
				     GC_PARAMS(GC_INT(id), GC_INT(p->org_id), GC_INT(p->user_id), GC_TEXT(description),
					       GC_TEXT(now)),
				     &message_id);
	if (st == GC_OK)
		st = add_files(db, id, message_id, files, n_files, now);
	if (st == GC_OK)
		st = notify(req, db, id, to_org, p->org_name, kind, urgency, handling, false);
	snprintf(target, sizeof(target), "%lld", (long long)id);
	if (st == GC_OK) {
		/* Which states and labels, never the text (a TLP:RED request stays between the two). */
		json_t *detail = json_pack("{s:I, s:s, s:s, s:s}", "to_org", (json_int_t)to_org, "kind", kind, "urgency",
					   urgency, "handling", handling);
		st = detail ? gc_req_audit(req, "contact.request_send", "contact_request", target, detail) : GC_ENOMEM;
		json_decref(detail);
	}
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	return answer_request(req, view, db, id, 201);
}

gc_status contacts_request_ack(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = contacts_path_id(req), changed = 0;
	json_t *model = NULL;
	char now[32];
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = load(req, db, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	bool incoming = json_is_true(json_object_get(model, "incoming"));
	bool done = json_is_string(json_object_get(model, "acknowledged_at"));
	json_decref(model);
	if (!incoming || !may_write(p))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	if (done)
		return gc_fail(req, 409, "conflict", "contacts.request_error_acknowledged", NULL);
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_exec(db,
				"UPDATE contact_requests SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?"
				" AND acknowledged_at IS NULL",
				GC_PARAMS(GC_TEXT(now), GC_INT(p->user_id), GC_INT(id)), &changed);
	if (st == GC_OK && changed != 1)
		st = GC_ECONFLICT;
	if (st == GC_OK)
		st = gc_req_audit(req, "contact.request_acknowledge", "contact_request",
				  gc_arena_printf(req->arena, "%lld", (long long)id), NULL);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		return gc_req_fail_status(req, st, NULL, st == GC_ECONFLICT ? "contacts.request_error_acknowledged" : NULL);
	}
	return answer_request(req, view, db, id, 200);
}

gc_status contacts_request_reply(struct gc_request *req, struct gc_view *view)
{
	static const char *const members[] = { "body", NULL };
	const struct gc_principal *p = req->principal;
	int64_t id = contacts_path_id(req), count = 0, message_id = 0;
	json_t *model = NULL;
	bool bad = false;
	char now[32];
	struct request_file files[CONTACTS_REQUEST_MAX_FILES];
	size_t n_files = 0;
	struct refusal why = { 0 };
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = load(req, db, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	if (!may_write(p)) {
		json_decref(model);
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	}
	st = only_members(req, members);
	const char *body = st == GC_OK ? text_field(req, "body", &bad) : NULL;
	if (st == GC_OK && (bad || !text_ok(body, CONTACTS_REQUEST_MAX_TEXT, false)))
		st = refuse(&why, 422, "invalid_field", "contacts.request_error_body", "body");
	if (st == GC_OK)
		st = read_files(files, &n_files, req, &why);
	if (st == GC_OK)
		st = put_files(files, n_files);
	if (st != GC_OK) {
		json_decref(model);
		return st == GC_EHTTP && why.status ? reply_invalid(req, view, &why) : st;
	}
	bool incoming = json_is_true(json_object_get(model, "incoming"));
	int64_t other = json_integer_value(json_object_get(model, incoming ? "from_org" : "to_org"));
	const char *kind = gc_arena_strdup(req->arena, json_string_value(json_object_get(model, "kind")));
	const char *urgency = gc_arena_strdup(req->arena, json_string_value(json_object_get(model, "urgency")));
	const char *handling = gc_arena_strdup(req->arena, json_string_value(json_object_get(model, "handling")));
	json_decref(model);
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM contact_request_messages WHERE request_id = ?",
				     GC_PARAMS(GC_INT(id)), &count);
	if (st == GC_OK && count >= CONTACTS_REQUEST_MAX_MESSAGES)
		st = GC_ETOOBIG;
	if (st == GC_OK)
		st = gc_db_query_int(db,
				     "INSERT INTO contact_request_messages (request_id, org_id, user_id, body, created_at)"
				     " VALUES (?, ?, ?, ?, ?) RETURNING id",
				     GC_PARAMS(GC_INT(id), GC_INT(p->org_id), GC_INT(p->user_id), GC_TEXT(body), GC_TEXT(now)),
				     &message_id);
	if (st == GC_OK)
		st = add_files(db, id, message_id, files, n_files, now);
	/* The recipient's first reply answers the request, and acknowledges it if nobody had. */
	if (st == GC_OK && incoming)
		st = gc_db_exec(db,
				"UPDATE contact_requests SET answered_at = COALESCE(answered_at, ?),"
				" acknowledged_at = COALESCE(acknowledged_at, ?),"
				" acknowledged_by = COALESCE(acknowledged_by, ?) WHERE id = ?",
				GC_PARAMS(GC_TEXT(now), GC_TEXT(now), GC_INT(p->user_id), GC_INT(id)), NULL);
	if (st == GC_OK)
		st = notify(req, db, id, other, p->org_name, kind, urgency, handling, true);
	if (st == GC_OK)
		st = gc_req_audit(req, "contact.request_reply", "contact_request",
				  gc_arena_printf(req->arena, "%lld", (long long)id), NULL);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK) {
		if (gc_db_in_transaction(db))
			gc_db_rollback(db);
		if (st == GC_ETOOBIG)
			return gc_fail(req, 409, "conflict", "contacts.request_error_thread_full", "body");
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	return answer_request(req, view, db, id, 200);
}

/* What a page's file input says about the limits: "upload": {max_files, max_size}. */
static gc_status upload_hint(struct gc_request *req, json_t *model)
{
	const char *size = size_label(req, (json_int_t)req->server->config.max_upload_bytes);
	json_t *upload = size ? json_pack("{s:I, s:s}", "max_files", (json_int_t)CONTACTS_REQUEST_MAX_FILES, "max_size", size)
			      : NULL;
	if (!upload || json_object_set_new(model, "upload", upload))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status contacts_request_show(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	json_t *model = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = load(req, db, id, &model);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/request", "contacts.request_title");
	if (st != GC_OK) {
		json_decref(model);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	json_decref(view->model);
	view->model = model;
	view->title = json_string_value(json_object_get(model, "subject"));
	return req->is_api ? GC_OK : upload_hint(req, model);
}

gc_status contacts_requests(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	json_t *rows = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!gc_principal_is_state(p))
		return gc_fail_not_found(req);
	gc_status st = gc_db_query(
		db,
		"SELECT r.id AS id, r.subject AS subject, r.kind AS kind, r.urgency AS urgency, r.handling AS handling,"
		" r.sent_at AS sent_at, r.acknowledged_at AS acknowledged_at, r.answered_at AS answered_at,"
		" f.name AS from_name, t.name AS to_name, CASE WHEN r.to_org = ? THEN 1 ELSE 0 END AS incoming"
		" FROM contact_requests r JOIN organisations f ON f.id = r.from_org JOIN organisations t ON t.id = r.to_org"
		" WHERE r.from_org = ? OR r.to_org = ? ORDER BY r.id DESC LIMIT 500",
		GC_PARAMS(GC_INT(p->org_id), GC_INT(p->org_id), GC_INT(p->org_id)), &rows);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/requests", "contacts.requests_title");
	if (st != GC_OK) {
		json_decref(rows);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_object_set_new(r, "incoming", json_boolean(json_integer_value(json_object_get(r, "incoming")) == 1));
		json_object_set_new(r, "href", json_string(gc_arena_printf(req->arena, "/requests/%lld",
									   (long long)json_integer_value(json_object_get(r, "id")))));
		static const char *const times[] = { "sent_at", "acknowledged_at", "answered_at", NULL };
		if (contacts_label_times(req, r, times) != GC_OK) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	if (json_object_set_new(view->model, "requests", rows) ||
	    json_object_set_new(view->model, "can_send", json_boolean(may_write(p))))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status contacts_request_new(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	json_t *states = NULL;
	if (!may_write(p))
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	gc_status st = gc_db_query(db,
				   "SELECT id AS value, name AS label FROM organisations WHERE status = 'active'"
				   " AND kind IN ('member_state', 'observer_state') AND id <> ? ORDER BY name LIMIT 1000",
				   GC_PARAMS(GC_INT(p->org_id)), &states);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/request-new", "contacts.request_new_title");
	if (st != GC_OK) {
		json_decref(states);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	json_t *kinds = json_array(), *urg = json_array(), *tlp = json_array();
	for (size_t i = 0; request_kinds[i]; i++)
		json_array_append_new(kinds, json_pack("{s:s, s:s}", "value", request_kinds[i], "label",
						       gc_req_tr(req, gc_arena_printf(req->arena, "contacts.request_kind_%s", request_kinds[i]))));
	for (size_t i = 0; urgencies[i]; i++)
		json_array_append_new(urg, json_pack("{s:s, s:s}", "value", urgencies[i], "label",
						     gc_req_tr(req, gc_arena_printf(req->arena, "contacts.request_urgency_%s", urgencies[i]))));
	for (size_t i = 0; handlings[i]; i++)
		json_array_append_new(tlp, json_pack("{s:s}", "value", handlings[i]));
	if (json_object_set_new(view->model, "state_choices", states) || json_object_set_new(view->model, "kind_choices", kinds) ||
	    json_object_set_new(view->model, "urgency_choices", urg) || json_object_set_new(view->model, "handling_choices", tlp))
		return GC_ENOMEM;
	return upload_hint(req, view->model);
}

/* --- GET /requests/{id}/files/{fid} ------------------------------------------------------------------------- */

gc_status contacts_request_file(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	const char *fid_text = req->path_params[1];
	int64_t id = contacts_path_id(req), fid = 0;
	json_t *row = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (fid_text && gc_parse_i64(fid_text, strlen(fid_text), 1, INT64_MAX, &fid) != GC_OK)
		fid = 0;
	/* Anyone but the two states, a file of another request, a missing one: the same 404. */
	if (!id || !fid || !gc_principal_is_state(p))
		return gc_fail_not_found(req);
	gc_status st = gc_db_query_one(db,
				       "SELECT f.filename AS filename, f.media_type AS media_type, f.sha256 AS sha256"
				       " FROM contact_request_files f JOIN contact_requests r ON r.id = f.request_id"
				       " WHERE f.id = ? AND f.request_id = ? AND (r.from_org = ? OR r.to_org = ?)",
				       GC_PARAMS(GC_INT(fid), GC_INT(id), GC_INT(p->org_id), GC_INT(p->org_id)), &row);
	if (st == GC_ENOTFOUND)
		return gc_fail_not_found(req);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	st = gc_view_stored_file(req, view, gc_attachments_data_dir(), json_string_value(json_object_get(row, "sha256")),
				 json_string_value(json_object_get(row, "media_type")),
				 json_string_value(json_object_get(row, "filename")), fid);
	json_decref(row);
	return st;
}

/* --- the Secretariat's anonymous statistics ------------------------------------------------------------------ */

gc_status contacts_request_stats(struct gc_request *req, struct gc_view *view)
{
	json_t *rows = NULL;
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	if (!gc_principal_is_secretariat(req->principal))
		return gc_fail_not_found(req);
	/* Times only: no id, state, kind, label or text leaves the two states. */
	gc_status st = gc_db_query(
		db,
		"SELECT r.sent_at AS sent_at, (SELECT MIN(m.sent_at) FROM outbox m WHERE m.ref = 'contacts.request:' || r.id"
		" AND m.state = 'sent') AS delivered_at, r.acknowledged_at AS acknowledged_at, r.answered_at AS answered_at"
		" FROM contact_requests r ORDER BY r.sent_at DESC, r.id DESC LIMIT 10000",
		GC_NO_PARAMS, &rows);
	if (st == GC_OK)
		st = gc_view_page(req, view, "contacts/request-stats", "contacts.request_stats_title");
	if (st != GC_OK) {
		json_decref(rows);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	int64_t acknowledged = 0, answered = 0;
	size_t i;
	json_t *r;
	static const char *const times[] = { "sent_at", "delivered_at", "acknowledged_at", "answered_at", NULL };
	json_array_foreach(rows, i, r) {
		acknowledged += json_is_string(json_object_get(r, "acknowledged_at"));
		answered += json_is_string(json_object_get(r, "answered_at"));
		if (contacts_label_times(req, r, times) != GC_OK) {
			json_decref(rows);
			return GC_ENOMEM;
		}
	}
	if (json_object_set_new(view->model, "exchanges", rows) ||
	    json_object_set_new(view->model, "count", json_integer((json_int_t)json_array_size(rows))) ||
	    json_object_set_new(view->model, "acknowledged", json_integer(acknowledged)) ||
	    json_object_set_new(view->model, "answered", json_integer(answered)))
		return GC_ENOMEM;
	return GC_OK;
}
