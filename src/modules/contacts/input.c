/*
 * Reading a contact's create or edit request, form or JSON, and checking
 * every field the same way for both (SECURITY.md I1): a JSON body may hold
 * only the documented members, each of its type; a value out of its rules
 * is a 422 naming the field, and a page shows the message beside it.
 * Also the content's storage: reading, JSON form, writing.
 */
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "base/text.h"
#include "modules/contacts/contacts.h"

static const char *const create_members[] = {
	"kind", "function_title", "person_name", "agency", "position", "emails", "phones", "working_hours",
	"time_zone", "languages", "fingerprint", "secure_channels", "notes", "visibility", "shares", "draft",
	"acting_for_org", NULL,
};
static const char *const edit_members[] = {
	"version", "note", "kind", "function_title", "person_name", "agency", "position", "emails", "phones",
	"working_hours", "time_zone", "languages", "fingerprint", "secure_channels", "notes", NULL,
};

gc_status contacts_input_error(struct gc_request *req, struct contacts_input *in, const char *field,
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

void contacts_input_free(struct contacts_input *in)
{
	json_decref(in->errors);
	json_decref(in->echo);
	in->errors = in->echo = NULL;
}

enum field_state { FIELD_ABSENT, FIELD_EMPTY, FIELD_VALUE, FIELD_BAD_TYPE };

/* A text field: "" and JSON null are FIELD_EMPTY; numbers pass where numeric. */
static enum field_state field_text(struct gc_request *req, const char *name, bool numeric, const char **value)
{
	*value = NULL;
	if (req->body_kind == GC_BODY_JSON) {
		json_t *v = json_object_get(req->json, name);
		if (!v)
			return FIELD_ABSENT;
		if (json_is_null(v))
			return FIELD_EMPTY;
		if (numeric && json_is_integer(v)) {
			*value = gc_arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
			return *value ? FIELD_VALUE : FIELD_BAD_TYPE;
		}
		if (!json_is_string(v))
			return FIELD_BAD_TYPE;
		*value = json_string_value(v);
		return **value ? FIELD_VALUE : FIELD_EMPTY;
	}
	const char *s = gc_form(req, name);
	if (!s)
		return FIELD_ABSENT;
	*value = s;
	return *s ? FIELD_VALUE : FIELD_EMPTY;
}

/*
 * A list: a JSON array of strings (integers too when numeric), or a form's
 * text split on line breaks, commas and semicolons (and on spaces when
 * split_spaces), empty entries dropped. More than max entries: FIELD_BAD_TYPE.
 */
static enum field_state field_list(struct gc_request *req, const char *name, bool numeric, bool split_spaces,
				   const char **values, size_t max, size_t *n)
{
	*n = 0;
	if (req->body_kind == GC_BODY_JSON) {
		json_t *v = json_object_get(req->json, name);
		if (!v)
			return FIELD_ABSENT;
		if (json_is_null(v))
			return FIELD_EMPTY;
		if (!json_is_array(v) || json_array_size(v) > max)
			return FIELD_BAD_TYPE;
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (numeric && json_is_integer(e))
				values[i] = gc_arena_printf(req->arena, "%lld", (long long)json_integer_value(e));
			else if (json_is_string(e))
				values[i] = json_string_value(e);
			else
				return FIELD_BAD_TYPE;
			if (!values[i])
				return FIELD_BAD_TYPE;
		}
		*n = json_array_size(v);
		return *n ? FIELD_VALUE : FIELD_EMPTY;
	}
	bool seen = false;
	for (size_t f = 0; f < req->n_form; f++) {
		if (strcmp(req->form[f].name, name) != 0 || !req->form[f].value)
			continue;
		seen = true;
		char *copy = gc_arena_strdup(req->arena, req->form[f].value);
		if (!copy)
			return FIELD_BAD_TYPE;
		const char *seps = split_spaces ? "\r\n,; \t" : "\r\n,;";
		for (char *p = copy; *p;) {
			size_t len = strcspn(p, seps);
			if (len) {
				if (*n == max)
					return FIELD_BAD_TYPE;
				char *item = p;
				p += len;
				bool end = !*p;
				*p = '\0';
				/* Blanks around an entry are not part of it. */
				while (*item == ' ' || *item == '\t')
					item++;
				size_t k = strlen(item);
				while (k && (item[k - 1] == ' ' || item[k - 1] == '\t'))
					item[--k] = '\0';
				if (k)
					values[(*n)++] = item;
				if (end)
					break;
				p++;
			} else {
				p++;
			}
		}
	}
	return *n ? FIELD_VALUE : seen ? FIELD_EMPTY : FIELD_ABSENT;
}

/* 1..max bytes of acceptable text (one line when line), not only blanks. */
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

static bool positive_id(const char *s, int64_t *out)
{
	return s && gc_parse_i64(s, strlen(s), 1, INT64_MAX, out) == GC_OK;
}

#define CHECK(expr)                                  \
	do {                                         \
		gc_status check_st_ = (expr);        \
		if (check_st_ != GC_OK)              \
			return check_st_;            \
	} while (0)

#define ERR(field) CHECK(contacts_input_error(req, in, (field), "contacts.error_" field))

/* An optional line of text: given, cleared, or bad. */
static gc_status read_line(struct gc_request *req, struct contacts_input *in, const char *name, unsigned flag,
			   size_t max, bool line, const char **out, const char *key)
{
	const char *v = NULL;
	enum field_state st = field_text(req, name, false, &v);
	bool replace = in->form || !in->edit;
	if (st == FIELD_VALUE && text_ok(v, max, line)) {
		*out = v;
		in->has |= flag;
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		*out = NULL;
		in->has |= flag;
	} else if (st != FIELD_ABSENT) {
		CHECK(contacts_input_error(req, in, name, key));
	}
	return GC_OK;
}

static gc_status echo_form(struct gc_request *req, struct contacts_input *in)
{
	in->echo = json_object();
	if (!in->echo)
		return GC_ENOMEM;
	for (size_t i = 0; i < req->n_form; i++) {
		const char *name = req->form[i].name;
		json_t *value = json_string(req->form[i].value ? req->form[i].value : "");
		if (!value)
			return GC_ENOMEM;
		if (strcmp(name, "shares") == 0) {
			json_t *array = json_object_get(in->echo, name);
			if (!array) {
				array = json_array();
				if (!array || json_object_set_new(in->echo, name, array)) {
					json_decref(value);
					return GC_ENOMEM;
				}
			}
			if (json_array_append_new(array, value))
				return GC_ENOMEM;
			continue;
		}
		if (json_object_get(in->echo, name) || json_object_set_new(in->echo, name, value)) {
			json_decref(value);
			if (!json_object_get(in->echo, name))
				return GC_ENOMEM;
		}
	}
	return GC_OK;
}

gc_status contacts_input_read(struct gc_request *req, bool edit, struct contacts_input *in)
{
	const char *v = NULL;
	enum field_state st;
	struct contacts_content *c = &in->c;
	memset(in, 0, sizeof(*in));
	in->edit = edit;
	in->form = req->body_kind != GC_BODY_JSON;
	if (in->form) {
		CHECK(echo_form(req, in));
	} else {
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "contacts.error_body", "body");
		const char *key;
		json_t *value;
		const char *const *allowed = edit ? edit_members : create_members;
		json_object_foreach(req->json, key, value) {
			bool known = false;
			for (size_t i = 0; allowed[i] && !known; i++)
				known = strcmp(allowed[i], key) == 0;
			/* Not ours to set (owner, status, id, last_confirmed...) or not a field at all (SECURITY.md Z5). */
			if (!known)
				return gc_fail(req, 422, "invalid_field", "contacts.error_unknown_field", key);
		}
	}
	bool replace = in->form || !edit;

	st = field_text(req, "kind", false, &v);
	if (st == FIELD_VALUE && contacts_is_kind(v)) {
		c->kind = v;
		in->has |= CONTACTS_HAS_KIND;
	} else if (st != FIELD_ABSENT || !edit) {
		ERR("kind");
	}
	st = field_text(req, "function_title", false, &v);
	if (st == FIELD_VALUE && text_ok(v, CONTACTS_MAX_LINE, true)) {
		c->function_title = v;
		in->has |= CONTACTS_HAS_FUNCTION;
	} else if (st != FIELD_ABSENT || replace) {
		ERR("function_title");
	}
	CHECK(read_line(req, in, "person_name", CONTACTS_HAS_PERSON, CONTACTS_MAX_LINE, true, &c->person_name,
			"contacts.error_person_name"));
	CHECK(read_line(req, in, "agency", CONTACTS_HAS_AGENCY, CONTACTS_MAX_LINE, true, &c->agency,
			"contacts.error_agency"));
	CHECK(read_line(req, in, "position", CONTACTS_HAS_POSITION, CONTACTS_MAX_LINE, true, &c->position,
			"contacts.error_position"));
	CHECK(read_line(req, in, "working_hours", CONTACTS_HAS_HOURS, CONTACTS_MAX_HOURS, true, &c->working_hours,
			"contacts.error_working_hours"));
	CHECK(read_line(req, in, "secure_channels", CONTACTS_HAS_CHANNELS, CONTACTS_MAX_CHANNELS, false,
			&c->secure_channels, "contacts.error_secure_channels"));
	CHECK(read_line(req, in, "notes", CONTACTS_HAS_NOTES, CONTACTS_MAX_NOTES, false, &c->notes,
			"contacts.error_notes"));

	/* emails: 1..CONTACTS_MAX_EMAILS distinct addresses. */
	size_t n = 0;
	st = field_list(req, "emails", false, false, c->emails, CONTACTS_MAX_EMAILS, &n);
	if (st == FIELD_VALUE) {
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			ok = contacts_email_ok(c->emails[i]);
			for (size_t j = 0; j < i && ok; j++)
				ok = !gc_ascii_ieq(c->emails[i], c->emails[j]);
		}
		if (ok) {
			c->n_emails = n;
			in->has |= CONTACTS_HAS_EMAILS;
		} else {
			ERR("emails");
		}
	} else if (st != FIELD_ABSENT || replace) {
		ERR("emails");
	}

	/* phones: E.164, normalised; none is allowed. */
	const char *raw[CONTACTS_MAX_PHONES];
	st = field_list(req, "phones", false, false, raw, CONTACTS_MAX_PHONES, &n);
	if (st == FIELD_VALUE) {
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			char *e164 = gc_arena_alloc(req->arena, CONTACTS_E164_MAX + 1);
			if (!e164)
				return GC_ENOMEM;
			ok = contacts_phone_normalise(raw[i], e164, CONTACTS_E164_MAX + 1);
			c->phones[i] = e164;
			for (size_t j = 0; j < i && ok; j++)
				ok = strcmp(c->phones[i], c->phones[j]) != 0;
		}
		if (ok) {
			c->n_phones = n;
			in->has |= CONTACTS_HAS_PHONES;
		} else {
			ERR("phones");
		}
	} else if (st == FIELD_BAD_TYPE) {
		ERR("phones");
	} else if (st == FIELD_EMPTY || replace) {
		in->has |= CONTACTS_HAS_PHONES;
	}

	/* languages: distinct ISO 639 codes. */
	st = field_list(req, "languages", false, true, c->languages, CONTACTS_MAX_LANGUAGES, &n);
	if (st == FIELD_VALUE) {
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			ok = contacts_lang_ok(c->languages[i]);
			for (size_t j = 0; j < i && ok; j++)
				ok = strcmp(c->languages[i], c->languages[j]) != 0;
		}
		if (ok) {
			c->n_languages = n;
			in->has |= CONTACTS_HAS_LANGUAGES;
		} else {
			ERR("languages");
		}
	} else if (st == FIELD_BAD_TYPE) {
		ERR("languages");
	} else if (st == FIELD_EMPTY || replace) {
		in->has |= CONTACTS_HAS_LANGUAGES;
	}

	/* time_zone: a name of the system's tz database. */
	st = field_text(req, "time_zone", false, &v);
	if (st == FIELD_VALUE && contacts_tz_ok(v, NULL)) {
		c->time_zone = v;
		in->has |= CONTACTS_HAS_TZ;
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		in->has |= CONTACTS_HAS_TZ;
	} else if (st != FIELD_ABSENT) {
		ERR("time_zone");
	}

	/* fingerprint: OpenPGP v4 or v5/v6. */
	st = field_text(req, "fingerprint", false, &v);
	if (st == FIELD_VALUE) {
		char *fpr = gc_arena_alloc(req->arena, 65);
		if (!fpr)
			return GC_ENOMEM;
		if (contacts_fingerprint_normalise(v, fpr, 65)) {
			c->fingerprint = fpr;
			in->has |= CONTACTS_HAS_FINGERPRINT;
		} else {
			ERR("fingerprint");
		}
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		in->has |= CONTACTS_HAS_FINGERPRINT;
	} else if (st != FIELD_ABSENT) {
		ERR("fingerprint");
	}

	if (edit) {
		st = field_text(req, "version", true, &v);
		if (st != FIELD_VALUE || !positive_id(v, &in->version))
			ERR("version");
		st = field_text(req, "note", false, &v);
		if (st == FIELD_VALUE && text_ok(v, GC_ITEM_MAX_NOTE, false))
			in->note = v;
		else if (st == FIELD_VALUE || st == FIELD_BAD_TYPE)
			ERR("note");
		return GC_OK;
	}

	/* The envelope at creation. */
	st = field_text(req, "visibility", false, &v);
	in->visibility = GC_VIS_DEFAULT;
	if ((st == FIELD_VALUE && !gc_visibility_parse(v, &in->visibility)) || st == FIELD_BAD_TYPE)
		ERR("visibility");
	const char *shares[GC_ITEM_MAX_SHARES];
	size_t n_shares = 0;
	st = field_list(req, "shares", true, true, shares, GC_ITEM_MAX_SHARES, &n_shares);
	if (in->form && in->visibility != GC_VIS_NAMED)
		n_shares = 0;
	if (st == FIELD_BAD_TYPE)
		ERR("shares");
	for (size_t i = 0; i < n_shares; i++) {
		if (!positive_id(shares[i], &in->shares[i])) {
			ERR("shares");
			break;
		}
	}
	in->n_shares = n_shares;
	if (req->body_kind == GC_BODY_JSON) {
		json_t *d = json_object_get(req->json, "draft");
		if (d && !json_is_boolean(d))
			ERR("draft");
		in->draft = json_is_true(d);
	} else {
		const char *d = gc_form(req, "draft");
		in->draft = d && (strcmp(d, "1") == 0 || strcmp(d, "on") == 0 || strcmp(d, "true") == 0);
	}
	st = field_text(req, "acting_for_org", true, &v);
	if ((st == FIELD_VALUE && !positive_id(v, &in->acting_for_org)) || st == FIELD_BAD_TYPE)
		ERR("acting_for_org");
	return GC_OK;
}

/* --- content in the database ------------------------------------------------------------------ */

static const char *arena_str(struct gc_request *req, const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s ? gc_arena_strdup(req->arena, s) : NULL;
}

/* A stored JSON array of strings into list (at most max). */
static void arena_list(struct gc_request *req, const char *text, const char **list, size_t max, size_t *n)
{
	json_t *a = json_loads(text ? text : "[]", 0, NULL);
	size_t i;
	json_t *e;
	*n = 0;
	json_array_foreach(a, i, e) {
		if (*n == max || !json_is_string(e))
			break;
		const char *s = gc_arena_strdup(req->arena, json_string_value(e));
		if (s)
			list[(*n)++] = s;
	}
	json_decref(a);
}

gc_status contacts_content_read(struct gc_request *req, struct gc_db *db, int64_t id, struct contacts_content *c)
{
	json_t *row = NULL;
	memset(c, 0, sizeof(*c));
	gc_status st = gc_db_query_one(
		db,
		"SELECT c.kind AS kind, c.function_title AS function_title, c.person_name AS person_name,"
		" c.agency AS agency, c.position AS position, c.emails AS emails, c.phones AS phones,"
		" c.working_hours AS working_hours, c.time_zone AS time_zone, c.languages AS languages,"
		" c.fingerprint AS fingerprint, c.secure_channels AS secure_channels, c.notes AS notes,"
		" c.last_confirmed AS last_confirmed, c.last_confirmed_how AS last_confirmed_how, i.country AS country"
		" FROM contacts c JOIN items i ON i.id = c.item_id WHERE c.item_id = ?",
		GC_PARAMS(GC_INT(id)), &row);
	if (st != GC_OK)
		return st;
	c->kind = arena_str(req, row, "kind");
	c->function_title = arena_str(req, row, "function_title");
	c->person_name = arena_str(req, row, "person_name");
	c->agency = arena_str(req, row, "agency");
	c->position = arena_str(req, row, "position");
	c->working_hours = arena_str(req, row, "working_hours");
	c->time_zone = arena_str(req, row, "time_zone");
	c->fingerprint = arena_str(req, row, "fingerprint");
	c->secure_channels = arena_str(req, row, "secure_channels");
	c->notes = arena_str(req, row, "notes");
	c->country = arena_str(req, row, "country");
	c->last_confirmed = arena_str(req, row, "last_confirmed");
	c->last_confirmed_how = arena_str(req, row, "last_confirmed_how");
	arena_list(req, json_string_value(json_object_get(row, "emails")), c->emails, CONTACTS_MAX_EMAILS, &c->n_emails);
	arena_list(req, json_string_value(json_object_get(row, "phones")), c->phones, CONTACTS_MAX_PHONES, &c->n_phones);
	arena_list(req, json_string_value(json_object_get(row, "languages")), c->languages, CONTACTS_MAX_LANGUAGES,
		   &c->n_languages);
	json_decref(row);
	return c->kind && c->function_title ? GC_OK : GC_EDB;
}

static json_t *string_array(const char *const *list, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(list[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *contacts_content_json(const struct contacts_content *c)
{
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:o, s:o, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s?}",
			 "kind", c->kind, "function_title", c->function_title, "person_name", c->person_name, "agency",
			 c->agency, "position", c->position, "emails", string_array(c->emails, c->n_emails), "phones",
			 string_array(c->phones, c->n_phones), "working_hours", c->working_hours, "time_zone",
			 c->time_zone, "languages", string_array(c->languages, c->n_languages), "fingerprint",
			 c->fingerprint, "secure_channels", c->secure_channels, "notes", c->notes, "last_confirmed",
			 c->last_confirmed, "last_confirmed_how", c->last_confirmed_how);
}

static char *dump_list(const char *const *list, size_t n)
{
	json_t *a = string_array(list, n);
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

gc_status contacts_content_store(struct gc_db *db, int64_t id, const struct contacts_content *c, bool create)
{
	char *emails = dump_list(c->emails, c->n_emails);
	char *phones = dump_list(c->phones, c->n_phones);
	char *languages = dump_list(c->languages, c->n_languages);
	gc_status st = GC_ENOMEM;
	if (!emails || !phones || !languages)
		goto out;
	if (create)
		st = gc_db_exec(db,
				"INSERT INTO contacts (item_id, kind, function_title, person_name, agency, position, emails,"
				" phones, working_hours, time_zone, languages, fingerprint, secure_channels, notes)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_TEXT(c->kind), GC_TEXT(c->function_title),
					  GC_TEXT_OR_NULL(c->person_name), GC_TEXT_OR_NULL(c->agency),
					  GC_TEXT_OR_NULL(c->position), GC_TEXT(emails), GC_TEXT(phones),
					  GC_TEXT_OR_NULL(c->working_hours), GC_TEXT_OR_NULL(c->time_zone), GC_TEXT(languages),
					  GC_TEXT_OR_NULL(c->fingerprint), GC_TEXT_OR_NULL(c->secure_channels),
					  GC_TEXT_OR_NULL(c->notes)),
				NULL);
	else
		st = gc_db_exec(db,
				"UPDATE contacts SET kind = ?, function_title = ?, person_name = ?, agency = ?, position = ?,"
				" emails = ?, phones = ?, working_hours = ?, time_zone = ?, languages = ?, fingerprint = ?,"
				" secure_channels = ?, notes = ? WHERE item_id = ?",
				GC_PARAMS(GC_TEXT(c->kind), GC_TEXT(c->function_title), GC_TEXT_OR_NULL(c->person_name),
					  GC_TEXT_OR_NULL(c->agency), GC_TEXT_OR_NULL(c->position), GC_TEXT(emails),
					  GC_TEXT(phones), GC_TEXT_OR_NULL(c->working_hours), GC_TEXT_OR_NULL(c->time_zone),
					  GC_TEXT(languages), GC_TEXT_OR_NULL(c->fingerprint),
					  GC_TEXT_OR_NULL(c->secure_channels), GC_TEXT_OR_NULL(c->notes), GC_INT(id)),
				NULL);
out:
	free(emails);
	free(phones);
	free(languages);
	return st;
}
