/*
 * Reading the account forms, whichever way they come (a urlencoded form from
 * a browser, a JSON object from an API client), and answering a refusal the
 * way each of them expects.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "base/text.h"
#include "http/route.h"
#include "store/store.h"
#include "modules/account/account.h"

static const struct gc_param_spec *find_spec(const struct gc_request *req, const char *name)
{
	for (const struct gc_param_spec *s = req->route ? req->route->params : NULL; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* Whether one JSON member matches its declaration. */
static bool member_ok(const struct gc_param_spec *spec, const json_t *value)
{
	size_t max_len = spec->max_len ? spec->max_len : 256;
	switch (spec->type) {
	case GC_PARAM_STRING:
	case GC_PARAM_TEXT: {
		if (!json_is_string(value))
			return false;
		const char *s = json_string_value(value);
		size_t n = json_string_length(value);
		/* jansson admits "\u0000": a NUL would hide the rest from C. */
		if (n > max_len || memchr(s, '\0', n))
			return false;
		return spec->type == GC_PARAM_STRING ? gc_text_acceptable_line(s, n) : gc_text_acceptable(s, n);
	}
	case GC_PARAM_INT: {
		if (!json_is_integer(value))
			return false;
		json_int_t v = json_integer_value(value);
		return v >= spec->min && v <= spec->max;
	}
	case GC_PARAM_ENUM:
		if (!json_is_string(value))
			return false;
		for (const char *const *c = spec->choices; c && *c; c++)
			if (strcmp(*c, json_string_value(value)) == 0)
				return true;
		return false;
	case GC_PARAM_BOOL:
		return json_is_boolean(value);
	default:
		/* The account routes declare no other type; refuse rather than guess. */
		return false;
	}
}

gc_status account_input_check(struct gc_request *req)
{
	if (req->body_kind != GC_BODY_JSON)
		return GC_OK;
	if (!json_is_object(req->json))
		return gc_fail(req, 422, "invalid_field", "account.error_json_object", NULL);
	const char *key;
	json_t *value;
	json_object_foreach(req->json, key, value) {
		/* The CSRF token may travel in the body of a cookie caller's request;
		 * the HTTP layer has checked it. */
		if (strcmp(key, "csrf_token") == 0 && json_is_string(value))
			continue;
		const struct gc_param_spec *spec = find_spec(req, key);
		const char *field = gc_arena_strdup(req->arena, key);
		if (!field)
			return GC_ENOMEM;
		if (!spec)
			return gc_fail(req, 422, "invalid_field", "account.error_field_unknown", field);
		if (!member_ok(spec, value))
			return gc_fail(req, 422, "invalid_field", "account.error_field_invalid", field);
	}
	return GC_OK;
}

const char *account_field(struct gc_request *req, const char *name, size_t *len)
{
	const char *value = NULL;
	size_t n = 0;
	if (req->body_kind == GC_BODY_FORM) {
		for (size_t i = 0; i < req->n_form; i++)
			if (strcmp(req->form[i].name, name) == 0) {
				value = req->form[i].value;
				n = req->form[i].value_len;
				break;
			}
	} else if (req->body_kind == GC_BODY_JSON && json_is_object(req->json)) {
		const json_t *member = json_object_get(req->json, name);
		if (json_is_string(member)) {
			value = json_string_value(member);
			n = json_string_length(member);
		} else if (json_is_boolean(member)) {
			value = json_is_true(member) ? "true" : "false";
			n = strlen(value);
		} else if (json_is_integer(member)) {
			value = gc_arena_printf(req->arena, "%" JSON_INTEGER_FORMAT, json_integer_value(member));
			n = value ? strlen(value) : 0;
		}
	}
	if (!value) {
		for (size_t i = 0; i < req->n_query; i++)
			if (strcmp(req->query[i].name, name) == 0) {
				value = req->query[i].value;
				n = req->query[i].value_len;
				break;
			}
	}
	if (len)
		*len = value ? n : 0;
	return value;
}

int64_t account_field_int(struct gc_request *req, const char *name, int64_t fallback)
{
	size_t n;
	const char *value = account_field(req, name, &n);
	const struct gc_param_spec *spec = find_spec(req, name);
	int64_t v;
	if (!value || !spec || gc_parse_i64(value, n, spec->min, spec->max, &v) != GC_OK)
		return fallback;
	return v;
}

gc_status account_refuse(struct gc_request *req, struct gc_view *view, int status, const char *code,
			 const char *message_key, const char *field)
{
	if (req->is_api || !view->model || view->kind != GC_VIEW_PAGE)
		return gc_fail(req, status, code, message_key, field);
	const char *message = gc_req_tr(req, message_key);
	view->status = status;
	if (json_object_set_new(view->model, "error", json_string(message)))
		return GC_ENOMEM;
	if (field) {
		json_t *errors = json_object_get(view->model, "errors");
		if (!errors) {
			errors = json_object();
			if (json_object_set_new(view->model, "errors", errors))
				return GC_ENOMEM;
		}
		if (json_object_set_new(errors, field, json_string(message)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status account_refuse_throttled(struct gc_request *req, struct gc_view *view, int64_t retry_after_s)
{
	char seconds[24];
	snprintf(seconds, sizeof(seconds), "%" PRId64, retry_after_s > 0 ? retry_after_s : 1);
	gc_status status = gc_add_header(req, "Retry-After", seconds);
	if (status != GC_OK)
		return status;
	return account_refuse(req, view, 429, "too_many_attempts", "account.error_too_many_attempts", NULL);
}

bool account_next_ok(const char *next)
{
	/* "//host" and "/\host" are read by browsers as another site. */
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return false;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++, n++)
		if (*p < 0x21 || *p > 0x7e || *p == '\\')
			return false;
	return n <= ACCOUNT_NEXT_MAX;
}

gc_status account_no_store(struct gc_request *req)
{
	/* Once is enough: a page built for a refusal may be replaced by another. */
	for (size_t i = 0; i < req->n_resp_headers; i++)
		if (gc_ascii_ieq(req->resp_headers[i].name, "Cache-Control"))
			return GC_OK;
	return gc_add_header(req, "Cache-Control", "no-store");
}

const char *account_id_text(struct gc_request *req, int64_t id)
{
	return gc_arena_printf(req->arena, "%" PRId64, id);
}

bool account_parse_id(const char *text, int64_t *id)
{
	return text && gc_parse_i64(text, strlen(text), 1, INT64_MAX, id) == GC_OK;
}

gc_status account_redirect(struct gc_view *view, const char *location, json_t *model)
{
	json_decref(view->model);
	view->model = model;
	view->kind = GC_VIEW_REDIRECT;
	view->status = 0;
	view->location = location;
	view->template_name = NULL;
	return location ? GC_OK : GC_ENOMEM;
}

const char *account_next_or(const char *next, const char *location)
{
	return account_next_ok(next) ? next : location;
}

gc_status account_finish(struct gc_db *db, gc_status status)
{
	if (status == GC_OK)
		status = gc_db_commit(db);
	if (status != GC_OK && gc_db_in_transaction(db))
		gc_db_rollback(db);
	return status;
}

bool account_code_digits(const char *typed, char out[GC_TOTP_DIGITS + 1])
{
	size_t n = 0;
	for (const char *p = typed ? typed : ""; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9' || n == GC_TOTP_DIGITS)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n == GC_TOTP_DIGITS;
}

