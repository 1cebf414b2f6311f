/*
 * Reading a create or edit request of an event, a need or an offer, form or
 * JSON, and checking every field the same way for both (SECURITY.md I1). A
 * form is first turned into the JSON a client would have sent (repeated
 * fields become lists, numbers numbers, empty values null), then one set of
 * rules, driven by the kind's field table (schema.c), checks it. A JSON body
 * may hold only the documented members; anything else (owner, status, id,
 * created_by...) is a 422 naming it (SECURITY.md Z5).
 */
#include <string.h>

#include "base/clock.h"
#include "base/parse.h"
#include "base/text.h"
#include "modules/capacity/capacity.h"

static const char *const create_envelope[] = { "visibility", "shares", "draft", "acting_for_org", NULL };
static const char *const edit_envelope[] = { "version", "note", NULL };
static const char *const text_members[] = { "texts", "title", "description", "lang", NULL };

gc_status capacity_input_error(struct gc_request *req, struct capacity_input *in, const char *field,
			       const char *message_key)
{
	if (!in->errors) {
		in->errors = json_object();
		if (!in->errors)
			return GC_ENOMEM;
	}
	if (!in->first_error) {
		in->first_error = field;
		in->first_key = message_key;
	}
	if (json_object_get(in->errors, field))
		return GC_OK;
	return json_object_set_new(in->errors, field, json_string(gc_req_tr(req, message_key))) ? GC_ENOMEM : GC_OK;
}

void capacity_input_free(struct capacity_input *in)
{
	json_decref(in->content);
	json_decref(in->texts);
	json_decref(in->one);
	json_decref(in->errors);
	json_decref(in->echo);
	in->content = in->texts = in->one = in->errors = in->echo = NULL;
}

int64_t capacity_path_id(const struct gc_request *req)
{
	const char *s = req->path_params[0];
	int64_t id = 0;
	if (!s || gc_parse_i64(s, strlen(s), 1, INT64_MAX, &id) != GC_OK)
		return 0;
	return id;
}

#define CHECK(expr)                                  \
	do {                                         \
		gc_status check_st_ = (expr);        \
		if (check_st_ != GC_OK)              \
			return check_st_;            \
	} while (0)

#define ERR(field, key) CHECK(capacity_input_error(req, in, (field), (key)))

static const char *error_key(struct gc_request *req, const char *field)
{
	return gc_arena_printf(req->arena, "capacity.error_%s", field);
}

/* --- rules for values ----------------------------------------------------------------------------- */

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

static bool lang_ok(const char *s)
{
	for (size_t i = 0; s && i < GC_LANG_COUNT; i++)
		if (strcmp(gc_langs[i], s) == 0)
			return true;
	return false;
}

static bool iso3_ok(const char *s)
{
	if (!s || strlen(s) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

static bool m49_ok(const char *s)
{
	if (!s || strlen(s) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool date_ok(const char *s)
{
	int64_t t = 0;
	if (!s || strlen(s) != 10 || gc_clock_parse_iso8601(s, &t) != GC_OK)
		return false;
	char back[32];
	gc_clock_format_iso8601(t, back, sizeof(back));
	return strncmp(back, s, 10) == 0 && strncmp(s, "1970", 4) >= 0 && strncmp(s, "2100", 4) <= 0;
}

static bool prefix_ieq(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != *prefix)
			return false;
	}
	return true;
}

/* An absolute http or https URL of printable ASCII, with a host. */
static bool url_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0, scheme = 0;
	if (n == 0 || n > CAPACITY_MAX_URL)
		return false;
	if (n > 8 && prefix_ieq(s, "https://"))
		scheme = 8;
	else if (n > 7 && prefix_ieq(s, "http://"))
		scheme = 7;
	else
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\`^{}|", c))
			return false;
	}
	const char *host = s + scheme;
	return strcspn(host, "/?#") > 0 && host[0] != '@' && host[0] != ':' && host[0] != '.';
}

/*
 * An e-mail address as the portal accepts it for contacts: ASCII, one '@',
 * a local part of letters, digits and . _ % + - (not starting or ending with
 * a dot), a domain of labels of letters, digits and '-' with at least one
 * dot. Stricter than RFC 5322, like the account forms, and never a header
 * injection.
 */
static bool email_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = s ? strchr(s, '@') : NULL;
	if (n < 3 || n > CAPACITY_MAX_EMAIL || !at || at == s || strchr(at + 1, '@') || s[0] == '.' || at[-1] == '.')
		return false;
	for (const char *p = s; p < at; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._%+-", c)))
			return false;
	}
	const char *d = at + 1;
	size_t dn = strlen(d), label = 0;
	bool dot = false;
	if (dn < 3 || d[0] == '.' || d[dn - 1] == '.' || d[0] == '-')
		return false;
	for (size_t i = 0; i < dn; i++) {
		char c = d[i];
		if (c == '.') {
			if (label == 0)
				return false;
			dot = true;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		label++;
	}
	return dot;
}

static bool local_ok(const char *s)
{
	int64_t t = 0;
	return capacity_tz_to_utc("UTC", s, &t) == GC_OK;
}

/* One element of a list field. */
static bool element_ok(const struct capacity_field *f, const json_t *e)
{
	const char *s = json_string_value(e);
	switch (f->type) {
	case CF_ENUM_LIST:
		return capacity_in_list(f->choices, s);
	case CF_TOPICS:
		return capacity_topic_find(s) != NULL;
	case CF_LANGS:
		return lang_ok(s);
	case CF_REGIONS:
		return m49_ok(s);
	case CF_STATES:
		return iso3_ok(s);
	case CF_NAMES:
		return text_ok(s, CAPACITY_MAX_LINE, true);
	case CF_ORGS:
		return json_is_integer(e) && json_integer_value(e) > 0;
	default:
		return false;
	}
}

static bool is_list(enum capacity_field_type t)
{
	return t == CF_ENUM_LIST || t == CF_TOPICS || t == CF_LANGS || t == CF_REGIONS || t == CF_STATES ||
	       t == CF_NAMES || t == CF_ORGS;
}

/* Checks one value (not null); a normalised copy goes to *out. */
static bool value_ok(const struct capacity_field *f, const json_t *v, json_t **out)
{
	const char *s = json_string_value(v);
	*out = NULL;
	if (is_list(f->type)) {
		if (!json_is_array(v) || json_array_size(v) > f->max)
			return false;
		size_t i, j;
		json_t *e, *e2;
		json_array_foreach(v, i, e) {
			if (!element_ok(f, e))
				return false;
			json_array_foreach(v, j, e2) {
				if (j >= i)
					break;
				if (json_equal(e, e2))
					return false;
			}
		}
		*out = json_deep_copy(v);
		return *out != NULL;
	}
	bool ok = false;
	switch (f->type) {
	case CF_LINE:
		ok = text_ok(s, f->max, true);
		break;
	case CF_ENUM:
		ok = capacity_in_list(f->choices, s);
		break;
	case CF_INT:
		ok = json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= (json_int_t)f->max;
		break;
	case CF_DATE:
		ok = date_ok(s);
		break;
	case CF_LOCAL:
		ok = local_ok(s);
		if (ok && strlen(s) == 16) {
			/* Seconds are always written: one form for storage and comparison. */
			char full[20];
			snprintf(full, sizeof(full), "%s:00", s);
			*out = json_string(full);
			return *out != NULL;
		}
		break;
	case CF_TZ:
		ok = capacity_tz_valid(s);
		break;
	case CF_URL:
		ok = url_ok(s);
		break;
	case CF_EMAIL:
		ok = email_ok(s);
		break;
	case CF_CONTACT:
		ok = json_is_integer(v) && json_integer_value(v) >= 1;
		break;
	default:
		break;
	}
	if (ok)
		*out = json_deep_copy(v);
	return ok && *out;
}

/* --- a form as the JSON a client would send ------------------------------------------------------------ */

static bool form_has(const struct gc_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_form; i++)
		if (strcmp(req->form[i].name, name) == 0)
			return true;
	return false;
}

/*
 * A form field as JSON: lists from repeated fields (blank entries dropped;
 * a textarea of names, one a line, for CF_NAMES), numbers from digits (a
 * non-number stays text, to be refused), an empty value null.
 */
static json_t *form_value(struct gc_request *req, const char *name, enum capacity_field_type type)
{
	if (is_list(type)) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < req->n_form; i++) {
			if (strcmp(req->form[i].name, name) != 0)
				continue;
			const char *v = req->form[i].value ? req->form[i].value : "";
			if (type == CF_NAMES) {
				/* One name a line. */
				for (const char *p = v; *p;) {
					size_t len = strcspn(p, "\r\n");
					const char *line = gc_arena_strndup(req->arena, p, len);
					bool blank = true;
					for (size_t k = 0; k < len && blank; k++)
						blank = p[k] == ' ' || p[k] == '\t';
					if (!line || (!blank && json_array_append_new(list, json_string(line)))) {
						json_decref(list);
						return NULL;
					}
					p += len;
					p += strspn(p, "\r\n");
				}
				continue;
			}
			if (!*v)
				continue;
			int64_t n = 0;
			json_t *e = type == CF_ORGS && gc_parse_i64(v, strlen(v), 1, INT64_MAX, &n) == GC_OK ? json_integer(n)
											       : json_string(v);
			if (!e || json_array_append_new(list, e)) {
				json_decref(list);
				return NULL;
			}
		}
		return list;
	}
	const char *v = gc_form(req, name);
	if (!v || !*v)
		return json_null();
	int64_t n = 0;
	if ((type == CF_INT || type == CF_CONTACT) && gc_parse_i64(v, strlen(v), INT64_MIN, INT64_MAX, &n) == GC_OK)
		return json_integer(n);
	return json_string(v);
}

static gc_status echo_form(struct gc_request *req, struct capacity_input *in)
{
	in->echo = json_object();
	if (!in->echo)
		return GC_ENOMEM;
	for (size_t i = 0; i < req->n_form; i++) {
		const char *name = req->form[i].name;
		json_t *value = json_string(req->form[i].value ? req->form[i].value : "");
		json_t *prev = json_object_get(in->echo, name);
		if (!value)
			return GC_ENOMEM;
		if (!prev) {
			if (json_object_set_new(in->echo, name, value))
				return GC_ENOMEM;
			continue;
		}
		/* A repeated field: a list of its values. */
		if (!json_is_array(prev)) {
			json_t *list = json_pack("[O]", prev);
			if (!list || json_object_set_new(in->echo, name, list)) {
				json_decref(value);
				return GC_ENOMEM;
			}
			prev = list;
		}
		if (json_array_append_new(prev, value))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* --- texts ---------------------------------------------------------------------------------------------- */

static bool text_entry_ok(const json_t *e)
{
	const char *key;
	json_t *v;
	if (!json_is_object(e))
		return false;
	json_object_foreach((json_t *)e, key, v) {
		bool known = strcmp(key, "lang") == 0 || strcmp(key, "title") == 0 || strcmp(key, "description") == 0;
		if (!known || !(json_is_string(v) || (strcmp(key, "description") == 0 && json_is_null(v))))
			return false;
	}
	const char *d = json_string_value(json_object_get(e, "description"));
	size_t dn = d ? strlen(d) : 0;
	return lang_ok(json_string_value(json_object_get(e, "lang"))) &&
	       text_ok(json_string_value(json_object_get(e, "title")), GC_ITEM_MAX_TITLE, true) &&
	       dn <= CAPACITY_MAX_DESCRIPTION && (dn == 0 || gc_text_acceptable(d, dn));
}

static gc_status read_texts(struct gc_request *req, struct capacity_input *in, json_t *body)
{
	const json_t *list = json_object_get(body, "texts");
	if (list) {
		bool ok = json_is_array(list) && json_array_size(list) > 0 && json_array_size(list) <= CAPACITY_MAX_TEXTS;
		size_t i, j;
		json_t *e, *e2;
		json_array_foreach(list, i, e) {
			ok = ok && text_entry_ok(e);
			json_array_foreach(list, j, e2) {
				if (!ok || j >= i)
					break;
				ok = strcmp(json_string_value(json_object_get(e, "lang")),
					    json_string_value(json_object_get(e2, "lang"))) != 0;
			}
		}
		if (!ok)
			ERR("texts", "capacity.error_texts");
		else {
			in->texts = json_array();
			if (!in->texts)
				return GC_ENOMEM;
			json_array_foreach(list, i, e) {
				const char *d = json_string_value(json_object_get(e, "description"));
				if (json_array_append_new(in->texts, json_pack("{s:O, s:O, s:s}", "lang", json_object_get(e, "lang"),
									       "title", json_object_get(e, "title"),
									       "description", d ? d : "")))
					return GC_ENOMEM;
			}
		}
	}
	json_t *title = json_object_get(body, "title"), *description = json_object_get(body, "description"),
	       *lang = json_object_get(body, "lang");
	if (!title && !description && !lang)
		return GC_OK;
	in->one = json_object();
	if (!in->one)
		return GC_ENOMEM;
	if (lang && !json_is_null(lang)) {
		if (!lang_ok(json_string_value(lang)))
			ERR("lang", "capacity.error_lang");
		else if (json_object_set(in->one, "lang", lang))
			return GC_ENOMEM;
	}
	if (title) {
		if (!text_ok(json_string_value(title), GC_ITEM_MAX_TITLE, true))
			ERR("title", "capacity.error_title");
		else if (json_object_set(in->one, "title", title))
			return GC_ENOMEM;
	}
	if (description) {
		const char *d = json_is_null(description) ? "" : json_string_value(description);
		size_t dn = d ? strlen(d) : 0;
		if (!d || dn > CAPACITY_MAX_DESCRIPTION || (dn && !gc_text_acceptable(d, dn)))
			ERR("description", "capacity.error_description");
		else if (json_object_set_new(in->one, "description", json_string(d)))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* --- the request ------------------------------------------------------------------------------------------ */

static bool member_known(const struct capacity_kind *k, bool edit, const char *key)
{
	if (capacity_field_find(k, key) || capacity_in_list(text_members, key))
		return true;
	return capacity_in_list(edit ? edit_envelope : create_envelope, key);
}

static bool positive_id(const json_t *v, int64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = json_integer_value(v);
		return true;
	}
	const char *s = json_string_value(v);
	return s && gc_parse_i64(s, strlen(s), 1, INT64_MAX, out) == GC_OK;
}

gc_status capacity_input_read(struct gc_request *req, const struct capacity_kind *k, bool edit,
			      struct capacity_input *in)
{
	json_t *body = NULL;
	gc_status st = GC_OK;
	memset(in, 0, sizeof(*in));
	in->edit = edit;
	in->form = req->body_kind != GC_BODY_JSON;
	in->content = json_object();
	if (!in->content)
		return GC_ENOMEM;
	if (in->form) {
		CHECK(echo_form(req, in));
		/* The form's JSON: every field of the kind (a form sends them all), its text, the envelope. */
		body = json_object();
		if (!body)
			return GC_ENOMEM;
		for (size_t i = 0; i < k->n_fields && st == GC_OK; i++) {
			json_t *v = form_value(req, k->fields[i].name, k->fields[i].type);
			if (!v || json_object_set_new(body, k->fields[i].name, v))
				st = GC_ENOMEM;
		}
		const char *const text_fields[] = { "title", "description", "lang", "visibility", "draft",
						    "acting_for_org", "version", "note" };
		for (size_t i = 0; i < GC_ARRAY_LEN(text_fields) && st == GC_OK; i++) {
			const char *v = gc_form(req, text_fields[i]);
			if (form_has(req, text_fields[i]) &&
			    json_object_set_new(body, text_fields[i], v && *v ? json_string(v) : json_null()))
				st = GC_ENOMEM;
		}
		if (st == GC_OK && form_has(req, "shares")) {
			json_t *shares = form_value(req, "shares", CF_ORGS);
			if (!shares || json_object_set_new(body, "shares", shares))
				st = GC_ENOMEM;
		}
		if (st != GC_OK) {
			json_decref(body);
			return st;
		}
	} else {
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "capacity.error_body", "body");
		const char *key;
		json_t *value;
		json_object_foreach(req->json, key, value) {
			if (!member_known(k, edit, key))
				return gc_fail(req, 422, "invalid_field", "capacity.error_unknown_field", key);
		}
		body = json_incref(req->json);
	}

	st = read_texts(req, in, body);
	if (st != GC_OK)
		goto out;
	if (!edit && !in->texts && !json_is_string(json_object_get(in->one, "title")))
		if ((st = capacity_input_error(req, in, "title", "capacity.error_title")) != GC_OK)
			goto out;

	for (size_t i = 0; i < k->n_fields; i++) {
		const struct capacity_field *f = &k->fields[i];
		json_t *v = json_object_get(body, f->name), *norm = NULL;
		if (!v) {
			if (!edit && f->fallback && json_object_set_new(in->content, f->name, json_string(f->fallback)))
				st = GC_ENOMEM;
			if (st != GC_OK)
				goto out;
			continue;
		}
		if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0 && in->form)) {
			/* Cleared: a fallback value comes back; other fields are dropped (the checks below see it). */
			json_t *clear = f->fallback && !edit ? json_string(f->fallback) : json_is_array(v) ? json_array() : json_null();
			if (!clear || json_object_set_new(in->content, f->name, clear)) {
				st = GC_ENOMEM;
				goto out;
			}
			continue;
		}
		if (!value_ok(f, v, &norm)) {
			if ((st = capacity_input_error(req, in, f->name, error_key(req, f->name))) != GC_OK)
				goto out;
			continue;
		}
		if (json_object_set_new(in->content, f->name, norm)) {
			st = GC_ENOMEM;
			goto out;
		}
	}

	json_t *v;
	if (edit) {
		v = json_object_get(body, "version");
		if (!positive_id(v, &in->version))
			st = capacity_input_error(req, in, "version", "capacity.error_version");
		v = json_object_get(body, "note");
		if (st == GC_OK && v && !json_is_null(v)) {
			if (!text_ok(json_string_value(v), GC_ITEM_MAX_NOTE, false))
				st = capacity_input_error(req, in, "note", "capacity.error_note");
			else if (!(in->note = gc_arena_strdup(req->arena, json_string_value(v))))
				st = GC_ENOMEM; /* a form's body is freed on return: the note lives in the arena */
		}
		goto out;
	}
	in->visibility = GC_VIS_DEFAULT;
	v = json_object_get(body, "visibility");
	if (v && !json_is_null(v) && !gc_visibility_parse(json_string_value(v), &in->visibility))
		if ((st = capacity_input_error(req, in, "visibility", "capacity.error_visibility")) != GC_OK)
			goto out;
	v = json_object_get(body, "shares");
	if (v && !json_is_null(v) && !(in->form && in->visibility != GC_VIS_NAMED)) {
		bool ok = json_is_array(v) && json_array_size(v) <= GC_ITEM_MAX_SHARES;
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (!ok)
				break;
			ok = positive_id(e, &in->shares[i]);
		}
		if (!ok)
			st = capacity_input_error(req, in, "shares", "capacity.error_shares");
		else
			in->n_shares = json_array_size(v);
		if (st != GC_OK)
			goto out;
	}
	v = json_object_get(body, "draft");
	if (v && !json_is_null(v)) {
		const char *s = json_string_value(v);
		if (json_is_boolean(v))
			in->draft = json_is_true(v);
		else if (in->form && s)
			in->draft = strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0;
		else if ((st = capacity_input_error(req, in, "draft", "capacity.error_draft")) != GC_OK)
			goto out;
	}
	v = json_object_get(body, "acting_for_org");
	if (v && !json_is_null(v) && !positive_id(v, &in->acting_for_org))
		st = capacity_input_error(req, in, "acting_for_org", "capacity.error_acting_for_org");
out:
	json_decref(body);
	return st;
}

/* --- checks across fields ------------------------------------------------------------------------------------ */

static const char *str(const json_t *content, const char *name)
{
	return json_string_value(json_object_get(content, name));
}

static size_t list_size(const json_t *content, const char *name)
{
	return json_array_size(json_object_get(content, name));
}

gc_status capacity_input_check_content(struct gc_request *req, const struct capacity_kind *k, json_t *content,
				       struct capacity_input *in)
{
	/* Required fields, and cleared ones dropped. */
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct capacity_field *f = &k->fields[i];
		json_t *v = json_object_get(content, f->name);
		bool empty = !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0);
		if (empty && f->required && !json_object_get(in->errors, f->name))
			ERR(f->name, error_key(req, f->name));
		if (v && empty)
			json_object_del(content, f->name); /* a cleared field, value or list, is absent */
	}
	const char *eligibility = str(content, "eligibility");
	if (eligibility) {
		bool regions = strcmp(eligibility, "regions") == 0, states = strcmp(eligibility, "states") == 0;
		if (regions && list_size(content, "eligible_regions") == 0)
			ERR("eligible_regions", "capacity.error_eligible_regions");
		if (states && list_size(content, "eligible_states") == 0)
			ERR("eligible_states", "capacity.error_eligible_states");
		/* Only the lists the eligibility uses are kept. */
		if (!regions)
			json_object_del(content, "eligible_regions");
		if (!states)
			json_object_del(content, "eligible_states");
	}
	const char *from = str(content, "from"), *until = str(content, "until");
	if (from && until && strcmp(from, until) > 0)
		ERR("until", "capacity.error_until");
	if (k->entry != CAPACITY_EVENT)
		return GC_OK;
	const char *starts = str(content, "starts"), *ends = str(content, "ends"), *tz = str(content, "timezone");
	int64_t s = 0, e = 0;
	if (starts && ends && tz && capacity_tz_to_utc(tz, starts, &s) == GC_OK &&
	    capacity_tz_to_utc(tz, ends, &e) == GC_OK) {
		if (e < s || e - s > (int64_t)CAPACITY_MAX_EVENT_DAYS * 86400)
			ERR("ends", "capacity.error_ends");
	}
	const char *deadline = str(content, "registration_deadline");
	if (deadline && ends && strncmp(deadline, ends, 10) > 0)
		ERR("registration_deadline", "capacity.error_registration_deadline");
	const char *modality = str(content, "modality");
	if (modality && strcmp(modality, "online") != 0 && !str(content, "place"))
		ERR("place", "capacity.error_place");
	return GC_OK;
}
