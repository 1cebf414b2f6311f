/*
 * Reading a create or edit request, form or JSON, and checking every field
 * the same way for both (SECURITY.md I1): a JSON body may hold only the
 * documented members, each of its type; a value out of its rules is a 422
 * naming the field, and a page shows the message beside it.
 *
 * What is checked here needs no database: sizes, formats, taxonomies. What
 * does (the country exists, the superseded policy is one the caller sees,
 * the organisations of a sharing list) is checked inside the write
 * transaction, by write.c and auth/items.c.
 */
#include <string.h>

#include "base/clock.h"
#include "base/parse.h"
#include "base/text.h"
#include "modules/policies/policies.h"

/* The members a JSON body may have. */
static const char *const create_members[] = {
	"title",      "summary",       "lang",        "texts",          "kind",         "country",
	"topics",     "adopted",       "policy_status", "source_url",   "supersedes",   "visibility",
	"shares",     "notice_title",  "notice_summary", "release_at",  "draft",        "acting_for_org",
	NULL,
};
static const char *const edit_members[] = {
	"version", "note", "title", "summary", "lang", "texts", "kind", "country", "topics", "adopted",
	"policy_status", "source_url", "supersedes", NULL,
};

gc_status policies_input_error(struct gc_request *req, struct policies_input *in, const char *field,
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

void policies_input_free(struct policies_input *in)
{
	json_decref(in->errors);
	json_decref(in->echo);
	in->errors = in->echo = NULL;
}

int64_t policies_path_id(const struct gc_request *req)
{
	const char *s = req->path_params[0];
	int64_t id = 0;
	if (!s || gc_parse_i64(s, strlen(s), 1, INT64_MAX, &id) != GC_OK)
		return 0;
	return id;
}

/* --- one field, from a form or from JSON ------------------------------------------------ */

enum field_state { FIELD_ABSENT, FIELD_EMPTY, FIELD_VALUE, FIELD_BAD_TYPE };

/*
 * A text field: FIELD_VALUE with *value, FIELD_EMPTY for "" or JSON null,
 * FIELD_ABSENT, or FIELD_BAD_TYPE for a JSON value that is not a string
 * (numbers are accepted where numbers are meant: numeric).
 */
static enum field_state field_text(const struct gc_request *req, const char *name, bool numeric, const char **value)
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
	for (size_t i = 0; i < req->n_form; i++) {
		if (strcmp(req->form[i].name, name) != 0)
			continue;
		*value = req->form[i].value;
		return *value && **value ? FIELD_VALUE : FIELD_EMPTY;
	}
	return FIELD_ABSENT;
}

/* A list field: a form's repeated field, or a JSON array of strings (or integers when numeric). */
static enum field_state field_list(const struct gc_request *req, const char *name, bool numeric, const char **values,
				   size_t max, size_t *n)
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
	for (size_t i = 0; i < req->n_form; i++) {
		if (strcmp(req->form[i].name, name) != 0)
			continue;
		seen = true;
		if (!req->form[i].value || !req->form[i].value[0])
			continue;
		if (*n == max)
			return FIELD_BAD_TYPE;
		values[(*n)++] = req->form[i].value;
	}
	return *n ? FIELD_VALUE : seen ? FIELD_EMPTY : FIELD_ABSENT;
}

/* A flag: JSON true or false, or a form's "1", "true", "on" (a checkbox). */
static enum field_state field_flag(const struct gc_request *req, const char *name, bool *value)
{
	*value = false;
	if (req->body_kind == GC_BODY_JSON) {
		json_t *v = json_object_get(req->json, name);
		if (!v)
			return FIELD_ABSENT;
		if (!json_is_boolean(v))
			return FIELD_BAD_TYPE;
		*value = json_is_true(v);
		return FIELD_VALUE;
	}
	const char *s = gc_form(req, name);
	if (!s)
		return FIELD_ABSENT;
	*value = strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0;
	return FIELD_VALUE;
}

/* --- rules for values -------------------------------------------------------------------- */

/* 1..max bytes of acceptable text, on one line when line, and not only white space. */
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

/* A calendar date YYYY-MM-DD between 1900 and 2100. */
static bool date_ok(const char *s)
{
	int64_t t = 0;
	if (!s || strlen(s) != 10 || gc_clock_parse_iso8601(s, &t) != GC_OK)
		return false;
	char back[32];
	gc_clock_format_iso8601(t, back, sizeof(back));
	return strncmp(back, s, 10) == 0 && strncmp(s, "1900", 4) >= 0 && strncmp(s, "2100", 4) <= 0;
}

/* Whether s starts with the lower-case ASCII prefix, in any case. */
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

/*
 * An official source: an absolute http or https URL of printable ASCII
 * (international addresses percent-encoded), with a host, without spaces,
 * quotes, angle brackets or backslashes.
 */
static bool url_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	size_t scheme = 0;
	if (n == 0 || n > POLICIES_MAX_URL)
		return false;
	if (n > 8 && prefix_ieq(s, "https://"))
		scheme = 8;
	else if (n > 7 && prefix_ieq(s, "http://"))
		scheme = 7;
	else
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' || c == '^' ||
		    c == '{' || c == '}' || c == '|')
			return false;
	}
	/* A host: something before the first '/', '?' or '#' that is not only "@" or ":". */
	const char *host = s + scheme;
	size_t h = strcspn(host, "/?#");
	if (h == 0 || host[0] == '@' || host[0] == ':' || host[0] == '.')
		return false;
	return true;
}

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS", with or without "Z": UTC. */
static bool release_ok(const char *s, int64_t *out)
{
	char iso[21];
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n == 10)
		snprintf(iso, sizeof(iso), "%.10s", s);
	else if (n == 16)
		snprintf(iso, sizeof(iso), "%.16s:00Z", s);
	else if (n == 19)
		snprintf(iso, sizeof(iso), "%.19sZ", s);
	else
		return false;
	return gc_clock_parse_iso8601(iso, out) == GC_OK && *out > 0;
}

static bool positive_id(const char *s, int64_t *out)
{
	return s && gc_parse_i64(s, strlen(s), 1, INT64_MAX, out) == GC_OK;
}

/* --- the request --------------------------------------------------------------------------- */

#define CHECK(expr)                                  \
	do {                                         \
		gc_status check_st_ = (expr);        \
		if (check_st_ != GC_OK)              \
			return check_st_;            \
	} while (0)

#define ERR(field, key) CHECK(policies_input_error(req, in, (field), (key)))

/* The text of the fields title, summary and lang; need_title false: an edit that keeps the title. */
static gc_status check_text(struct gc_request *req, struct policies_input *in, const struct policies_text *t,
			    bool need_title)
{
	if (t->lang && !lang_ok(t->lang))
		ERR("lang", "policies.error_lang");
	if (need_title && !text_ok(t->title, GC_ITEM_MAX_TITLE, true))
		ERR("title", "policies.error_title");
	size_t n = strlen(t->summary);
	if (n > POLICIES_MAX_SUMMARY || (n > 0 && !gc_text_acceptable(t->summary, n)))
		ERR("summary", "policies.error_summary");
	return GC_OK;
}

/* The JSON list of texts: 1..POLICIES_MAX_TEXTS objects {lang, title, summary}. */
static gc_status read_texts(struct gc_request *req, struct policies_input *in)
{
	json_t *list = json_object_get(req->json, "texts");
	if (!list)
		return GC_OK;
	in->has_texts = true;
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > POLICIES_MAX_TEXTS) {
		ERR("texts", "policies.error_texts");
		return GC_OK;
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *key;
		json_t *v;
		bool shape = json_is_object(e);
		if (shape) {
			json_object_foreach(e, key, v) {
				bool known = strcmp(key, "lang") == 0 || strcmp(key, "title") == 0 || strcmp(key, "summary") == 0;
				if (!known || !(json_is_string(v) || (strcmp(key, "summary") == 0 && json_is_null(v))))
					shape = false;
			}
		}
		const char *lang = json_string_value(json_object_get(e, "lang"));
		const char *title = json_string_value(json_object_get(e, "title"));
		const char *summary = json_string_value(json_object_get(e, "summary"));
		if (!shape || !lang || !title) {
			ERR("texts", "policies.error_texts");
			return GC_OK;
		}
		in->texts[i] = (struct policies_text){ .lang = lang, .title = title, .summary = summary ? summary : "" };
		bool ok = lang_ok(lang) && text_ok(title, GC_ITEM_MAX_TITLE, true) &&
			  strlen(in->texts[i].summary) <= POLICIES_MAX_SUMMARY &&
			  (!*in->texts[i].summary || gc_text_acceptable(in->texts[i].summary, strlen(in->texts[i].summary)));
		for (size_t j = 0; ok && j < i; j++)
			ok = strcmp(in->texts[j].lang, lang) != 0;
		if (!ok) {
			ERR("texts", "policies.error_texts");
			return GC_OK;
		}
	}
	in->n_texts = json_array_size(list);
	return GC_OK;
}

/* Keeps what a form sent, to show it again beside the errors. */
static gc_status echo_form(struct gc_request *req, struct policies_input *in)
{
	in->echo = json_object();
	if (!in->echo)
		return GC_ENOMEM;
	for (size_t i = 0; i < req->n_form; i++) {
		const char *name = req->form[i].name;
		json_t *value = json_string(req->form[i].value ? req->form[i].value : "");
		bool list = strcmp(name, "topics") == 0 || strcmp(name, "shares") == 0;
		if (!value)
			return GC_ENOMEM;
		if (!list) {
			if (json_object_get(in->echo, name)) {
				json_decref(value);
				continue;
			}
			if (json_object_set_new(in->echo, name, value))
				return GC_ENOMEM;
			continue;
		}
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
	}
	return GC_OK;
}

gc_status policies_input_read(struct gc_request *req, bool edit, struct policies_input *in)
{
	const char *v = NULL;
	enum field_state st;
	memset(in, 0, sizeof(*in));
	in->edit = edit;
	in->form = req->body_kind != GC_BODY_JSON;
	if (in->form) {
		CHECK(echo_form(req, in));
	} else {
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "policies.error_body", "body");
		const char *key;
		json_t *value;
		const char *const *allowed = edit ? edit_members : create_members;
		json_object_foreach(req->json, key, value) {
			bool known = false;
			for (size_t i = 0; allowed[i] && !known; i++)
				known = strcmp(allowed[i], key) == 0;
			/* Not ours to set (owner, status, id, created_by...) or not a field at all (SECURITY.md Z5). */
			if (!known)
				return gc_fail(req, 422, "invalid_field", "policies.error_unknown_field", key);
		}
	}
	/* At creation, and in a form (which sends every field, empty or not), what is absent is empty. */
	bool replace = in->form || !edit;

	/* The text of the fields title, summary, lang. */
	const char *title = NULL, *summary = NULL, *lang = NULL;
	enum field_state st_title = field_text(req, "title", false, &title);
	enum field_state st_summary = field_text(req, "summary", false, &summary);
	enum field_state st_lang = field_text(req, "lang", false, &lang);
	if (st_title == FIELD_BAD_TYPE)
		ERR("title", "policies.error_title");
	if (st_summary == FIELD_BAD_TYPE)
		ERR("summary", "policies.error_summary");
	if (st_lang == FIELD_BAD_TYPE || (st_lang == FIELD_EMPTY && !in->form))
		ERR("lang", "policies.error_lang");
	if (in->form || st_title != FIELD_ABSENT || st_summary != FIELD_ABSENT || st_lang != FIELD_ABSENT) {
		in->has_one = true;
		in->one = (struct policies_text){ .lang = st_lang == FIELD_VALUE ? lang : NULL,
						  .title = st_title == FIELD_VALUE ? title : NULL,
						  .summary = st_summary == FIELD_VALUE ? summary : "" };
		in->one_has_title = in->form || st_title != FIELD_ABSENT;
		in->one_has_summary = in->form || st_summary != FIELD_ABSENT;
		/* An edit through JSON may change a summary alone; the title then stays (write.c). */
		bool need_title = !(edit && !in->form && st_title == FIELD_ABSENT);
		if (st_title != FIELD_BAD_TYPE && st_summary != FIELD_BAD_TYPE)
			CHECK(check_text(req, in, &in->one, need_title));
	}
	if (!in->form)
		CHECK(read_texts(req, in));
	if (!edit && !in->has_one && !in->has_texts)
		ERR("title", "policies.error_title");

	/* kind, policy_status: from their lists; required at creation (status: in force by default). */
	st = field_text(req, "kind", false, &v);
	if (st == FIELD_VALUE && policies_is_kind(v)) {
		in->kind = v;
		in->has_kind = true;
	} else if (st != FIELD_ABSENT || !edit) {
		ERR("kind", "policies.error_kind");
	}
	st = field_text(req, "policy_status", false, &v);
	if (st == FIELD_VALUE && policies_is_status(v)) {
		in->policy_status = v;
		in->has_policy_status = true;
	} else if (st == FIELD_ABSENT && !edit) {
		in->policy_status = "in_force";
		in->has_policy_status = true;
	} else if (st != FIELD_ABSENT) {
		ERR("policy_status", "policies.error_policy_status");
	}

	/* country: absent at creation is the owner's state (write.c); empty is none. */
	st = field_text(req, "country", false, &v);
	if (st == FIELD_VALUE && iso3_ok(v)) {
		in->country = v;
		in->has_country = true;
	} else if (st == FIELD_EMPTY) {
		in->has_country = true;
	} else if (st != FIELD_ABSENT) {
		ERR("country", "policies.error_country");
	}

	/* topics: distinct keys of the taxonomy. */
	size_t n_topics = 0;
	st = field_list(req, "topics", false, in->topics, POLICIES_MAX_TOPICS, &n_topics);
	if (st == FIELD_BAD_TYPE) {
		ERR("topics", "policies.error_topics");
	} else if (st != FIELD_ABSENT || replace) {
		in->has_topics = true;
		in->n_topics = n_topics;
		for (size_t i = 0; i < n_topics; i++) {
			bool dup = false;
			for (size_t j = 0; j < i; j++)
				dup = dup || strcmp(in->topics[i], in->topics[j]) == 0;
			if (dup || !policies_topic_find(in->topics[i])) {
				ERR("topics", "policies.error_topics");
				break;
			}
		}
	}

	/* adopted: a date, or nothing. */
	st = field_text(req, "adopted", false, &v);
	if (st == FIELD_VALUE && date_ok(v)) {
		in->adopted = v;
		in->has_adopted = true;
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		in->has_adopted = true;
	} else if (st != FIELD_ABSENT) {
		ERR("adopted", "policies.error_adopted");
	}

	/* source_url: http or https only. */
	st = field_text(req, "source_url", false, &v);
	if (st == FIELD_VALUE && url_ok(v)) {
		in->source_url = v;
		in->has_source_url = true;
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		in->has_source_url = true;
	} else if (st != FIELD_ABSENT) {
		ERR("source_url", "policies.error_source_url");
	}

	/* supersedes: an item id (whether it is a policy the caller sees is checked in the transaction). */
	st = field_text(req, "supersedes", true, &v);
	if (st == FIELD_VALUE && positive_id(v, &in->supersedes)) {
		in->has_supersedes = true;
	} else if (st == FIELD_EMPTY || (st == FIELD_ABSENT && replace)) {
		in->has_supersedes = true;
		in->supersedes = 0;
	} else if (st != FIELD_ABSENT) {
		ERR("supersedes", "policies.error_supersedes");
	}

	if (edit) {
		st = field_text(req, "version", true, &v);
		if (st != FIELD_VALUE || !positive_id(v, &in->version))
			ERR("version", "policies.error_version");
		st = field_text(req, "note", false, &v);
		if (st == FIELD_VALUE && !text_ok(v, GC_ITEM_MAX_NOTE, false))
			ERR("note", "policies.error_note");
		else if (st == FIELD_VALUE)
			in->note = v;
		else if (st == FIELD_BAD_TYPE)
			ERR("note", "policies.error_note");
		return GC_OK;
	}

	/* The envelope at creation. */
	st = field_text(req, "visibility", false, &v);
	in->visibility = GC_VIS_DEFAULT;
	if (st == FIELD_VALUE && !gc_visibility_parse(v, &in->visibility))
		ERR("visibility", "policies.error_visibility");
	else if (st == FIELD_BAD_TYPE)
		ERR("visibility", "policies.error_visibility");
	const char *shares[GC_ITEM_MAX_SHARES];
	size_t n_shares = 0;
	st = field_list(req, "shares", true, shares, GC_ITEM_MAX_SHARES, &n_shares);
	/* A form sends whatever its list has selected; only a named item has a sharing list. */
	if (in->form && in->visibility != GC_VIS_NAMED)
		n_shares = 0;
	if (st == FIELD_BAD_TYPE)
		ERR("shares", "policies.error_shares");
	for (size_t i = 0; i < n_shares; i++) {
		if (!positive_id(shares[i], &in->shares[i])) {
			ERR("shares", "policies.error_shares");
			break;
		}
	}
	in->n_shares = n_shares;
	bool going_public = in->visibility == GC_VIS_PUBLIC;
	st = field_text(req, "notice_title", false, &v);
	if (st == FIELD_VALUE && !(in->form && going_public))
		in->notice_title = v;
	else if (st == FIELD_BAD_TYPE)
		ERR("notice_title", "policies.error_notice_title");
	st = field_text(req, "notice_summary", false, &v);
	if (st == FIELD_VALUE && !(in->form && going_public))
		in->notice_summary = v;
	else if (st == FIELD_BAD_TYPE)
		ERR("notice_summary", "policies.error_notice_summary");
	st = field_text(req, "release_at", false, &v);
	if (st == FIELD_VALUE && !(in->form && going_public) && !release_ok(v, &in->release_at))
		ERR("release_at", "policies.error_release_at");
	else if (st == FIELD_BAD_TYPE)
		ERR("release_at", "policies.error_release_at");
	if (field_flag(req, "draft", &in->draft) == FIELD_BAD_TYPE)
		ERR("draft", "policies.error_draft");
	st = field_text(req, "acting_for_org", true, &v);
	if (st == FIELD_VALUE && !positive_id(v, &in->acting_for_org))
		ERR("acting_for_org", "policies.error_acting_for_org");
	else if (st == FIELD_BAD_TYPE)
		ERR("acting_for_org", "policies.error_acting_for_org");
	return GC_OK;
}
