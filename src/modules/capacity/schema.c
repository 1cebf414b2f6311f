/*
 * The capacity module's tables, its taxonomies and the description of each
 * entry kind's fields (which input.c checks and write.c stores).
 *
 * Topics are the portal's shared taxonomy (data/policy-topics.csv) followed
 * by the capacity-building themes (data/capacity-themes.csv), both a key and
 * the name in the six languages in the order of gc_langs. The policies
 * module reads the first file too: modules do not include each other, and
 * the file, not a module, is what is shared.
 */
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/log.h"
#include "base/text.h"
#include "modules/capacity/capacity.h"

const char *const capacity_event_kinds[] = { "training_course", "workshop", "conference", "exercise", "fellowship",
					     "advisory_mission", "e_learning", NULL };
const char *const capacity_modalities[] = { "in_person", "online", "hybrid", NULL };
const char *const capacity_audiences[] = { "diplomats", "cert_staff", "law_enforcement", "policy_makers",
					   "judiciary", "military", "technical_staff", "academia", "civil_society",
					   "private_sector", NULL };
const char *const capacity_eligibilities[] = { "all", "regions", "states", NULL };
const char *const capacity_event_statuses[] = { "planned", "open", "closed", "cancelled", "completed", NULL };
const char *const capacity_need_statuses[] = { "open", "in_discussion", "matched", "fulfilled", "withdrawn", NULL };
const char *const capacity_offer_statuses[] = { "open", "paused", "closed", NULL };
/* Equipment is not a kind of help the portal brokers (issue 6: "equipment-free only"). */
const char *const capacity_help_kinds[] = { "training", "advisory", "technical_assistance", "policy_legal_drafting",
					    "exercise", NULL };
const char *const capacity_urgencies[] = { "low", "medium", "high", NULL };
const char *const capacity_map_regions[] = { "002", "019", "142", "150", "009", NULL };

bool capacity_in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* --- the fields of each kind (texts and the envelope are read apart) ------------------------------------ */

static const struct capacity_field event_fields[] = {
	{ "event_kind", CF_ENUM, 0, capacity_event_kinds, true, NULL, NULL },
	{ "providers", CF_ORGS, 8, NULL, false, "provider", NULL },
	{ "partners", CF_NAMES, 10, NULL, false, NULL, NULL },
	{ "topics", CF_TOPICS, CAPACITY_MAX_LIST, NULL, true, "topic", NULL },
	{ "starts", CF_LOCAL, 0, NULL, true, NULL, NULL },
	{ "ends", CF_LOCAL, 0, NULL, true, NULL, NULL },
	{ "timezone", CF_TZ, 0, NULL, true, NULL, NULL },
	{ "modality", CF_ENUM, 0, capacity_modalities, true, "modality", NULL },
	{ "place", CF_LINE, CAPACITY_MAX_LINE, NULL, false, NULL, NULL },
	{ "languages", CF_LANGS, GC_LANG_COUNT, NULL, true, "language", NULL },
	{ "audience", CF_ENUM_LIST, CAPACITY_MAX_LIST, capacity_audiences, false, "audience", NULL },
	{ "eligibility", CF_ENUM, 0, capacity_eligibilities, false, NULL, "all" },
	{ "eligible_regions", CF_REGIONS, CAPACITY_MAX_LIST, NULL, false, "region", NULL },
	{ "eligible_states", CF_STATES, CAPACITY_MAX_STATES, NULL, false, "state", NULL },
	{ "seats", CF_INT, CAPACITY_MAX_SEATS, NULL, false, NULL, NULL },
	{ "cost", CF_LINE, CAPACITY_MAX_LINE, NULL, false, NULL, NULL },
	{ "funding", CF_LINE, CAPACITY_MAX_LINE, NULL, false, NULL, NULL },
	{ "registration_deadline", CF_DATE, 0, NULL, false, NULL, NULL },
	{ "registration_url", CF_URL, CAPACITY_MAX_URL, NULL, false, NULL, NULL },
	{ "contact", CF_CONTACT, 0, NULL, false, NULL, NULL },
	{ "event_status", CF_ENUM, 0, capacity_event_statuses, false, NULL, "planned" },
};

static const struct capacity_field need_fields[] = {
	{ "topics", CF_TOPICS, CAPACITY_MAX_LIST, NULL, true, "topic", NULL },
	{ "help_kinds", CF_ENUM_LIST, CAPACITY_MAX_LIST, capacity_help_kinds, true, "help", NULL },
	{ "audience", CF_ENUM_LIST, CAPACITY_MAX_LIST, capacity_audiences, false, "audience", NULL },
	{ "modalities", CF_ENUM_LIST, 3, capacity_modalities, false, "modality", NULL },
	{ "languages", CF_LANGS, GC_LANG_COUNT, NULL, true, "language", NULL },
	{ "from", CF_DATE, 0, NULL, false, NULL, NULL },
	{ "until", CF_DATE, 0, NULL, false, NULL, NULL },
	{ "urgency", CF_ENUM, 0, capacity_urgencies, false, NULL, "medium" },
	{ "contact", CF_CONTACT, 0, NULL, false, NULL, NULL },
	{ "need_status", CF_ENUM, 0, capacity_need_statuses, false, NULL, "open" },
};

static const struct capacity_field offer_fields[] = {
	{ "topics", CF_TOPICS, CAPACITY_MAX_LIST, NULL, true, "topic", NULL },
	{ "help_kinds", CF_ENUM_LIST, CAPACITY_MAX_LIST, capacity_help_kinds, true, "help", NULL },
	{ "audience", CF_ENUM_LIST, CAPACITY_MAX_LIST, capacity_audiences, false, "audience", NULL },
	{ "eligibility", CF_ENUM, 0, capacity_eligibilities, false, NULL, "all" },
	{ "eligible_regions", CF_REGIONS, CAPACITY_MAX_LIST, NULL, false, "region", NULL },
	{ "eligible_states", CF_STATES, CAPACITY_MAX_STATES, NULL, false, "state", NULL },
	{ "languages", CF_LANGS, GC_LANG_COUNT, NULL, true, "language", NULL },
	{ "modalities", CF_ENUM_LIST, 3, capacity_modalities, true, "modality", NULL },
	{ "capacity", CF_INT, CAPACITY_MAX_SEATS, NULL, false, NULL, NULL },
	{ "from", CF_DATE, 0, NULL, false, NULL, NULL },
	{ "until", CF_DATE, 0, NULL, false, NULL, NULL },
	{ "contact", CF_CONTACT, 0, NULL, false, NULL, NULL },
	{ "offer_status", CF_ENUM, 0, capacity_offer_statuses, false, NULL, "open" },
};

const struct capacity_kind capacity_events = {
	.entry = CAPACITY_EVENT, .name = "event", .path = "/calendar", .tmpl = "capacity/event",
	.status_field = "event_status", .statuses = capacity_event_statuses, .fields = event_fields,
	.n_fields = GC_ARRAY_LEN(event_fields), .title_key = "capacity.calendar_title",
};
const struct capacity_kind capacity_needs = {
	.entry = CAPACITY_NEED, .name = "need", .path = "/needs", .tmpl = "capacity/need",
	.status_field = "need_status", .statuses = capacity_need_statuses, .fields = need_fields,
	.n_fields = GC_ARRAY_LEN(need_fields), .title_key = "capacity.needs_title",
};
const struct capacity_kind capacity_offers = {
	.entry = CAPACITY_OFFER, .name = "offer", .path = "/offers", .tmpl = "capacity/offer",
	.status_field = "offer_status", .statuses = capacity_offer_statuses, .fields = offer_fields,
	.n_fields = GC_ARRAY_LEN(offer_fields), .title_key = "capacity.offers_title",
};

const struct capacity_kind *capacity_kind_of(const char *entry_kind)
{
	static const struct capacity_kind *const all[] = { &capacity_events, &capacity_needs, &capacity_offers };
	for (size_t i = 0; entry_kind && i < GC_ARRAY_LEN(all); i++)
		if (strcmp(all[i]->name, entry_kind) == 0)
			return all[i];
	return NULL;
}

const struct capacity_field *capacity_field_find(const struct capacity_kind *k, const char *name)
{
	for (size_t i = 0; name && i < k->n_fields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

/* --- tables ------------------------------------------------------------------------------------------ */

/*
 * Version 1, the same text for both engines. Content rows hang off the item
 * (items are withdrawn, never deleted). capacity_interest is a provider's
 * answer to a need: one per organisation and need.
 */
static const char schema_v1[] =
	"CREATE TABLE capacity_topic_list (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  position INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE capacity_entries (\n"
	"  item_id BIGINT PRIMARY KEY REFERENCES items(id),\n"
	"  entry_kind TEXT NOT NULL CHECK (entry_kind IN ('event', 'need', 'offer')),\n"
	"  entry_status TEXT NOT NULL,\n"
	"  starts_at TEXT NULL,\n"
	"  ends_at TEXT NULL,\n"
	"  local_day TEXT NULL,\n"
	"  eligibility TEXT NOT NULL DEFAULT 'all' CHECK (eligibility IN ('all', 'regions', 'states')),\n"
	"  sequence INTEGER NOT NULL DEFAULT 0,\n"
	"  content TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX capacity_entries_kind ON capacity_entries (entry_kind, starts_at);\n"
	"CREATE TABLE capacity_tags (\n"
	"  item_id BIGINT NOT NULL REFERENCES capacity_entries(item_id),\n"
	"  tag TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (item_id, tag, value)\n"
	");\n"
	"CREATE INDEX capacity_tags_value ON capacity_tags (tag, value, item_id);\n"
	"CREATE TABLE capacity_interest (\n"
	"  need_id BIGINT NOT NULL REFERENCES capacity_entries(item_id),\n"
	"  org_id BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  user_id BIGINT NOT NULL REFERENCES users(id),\n"
	"  message TEXT NOT NULL DEFAULT '',\n"
	"  created_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (need_id, org_id)\n"
	");\n";

/*
 * Version 2: subscriptions to the calendar's digests, one per person. The
 * lists are JSON arrays (empty: any); lang is the language of the digest;
 * last_sent_at the time up to which changes have been sent (ISO 8601 UTC).
 */
static const char schema_v2[] =
	"CREATE TABLE capacity_subscriptions (\n"
	"  user_id BIGINT PRIMARY KEY REFERENCES users(id),\n"
	"  topics TEXT NOT NULL DEFAULT '[]',\n"
	"  regions TEXT NOT NULL DEFAULT '[]',\n"
	"  languages TEXT NOT NULL DEFAULT '[]',\n"
	"  frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),\n"
	"  lang TEXT NOT NULL,\n"
	"  last_sent_at TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX capacity_subscriptions_due ON capacity_subscriptions (frequency, last_sent_at);\n";

/*
 * Version 3: the contact becomes a link to an assistance contact of the
 * Points of Contact directory (content "contact", mirrored here so that the
 * link can be queried). The free-text contact_name and contact_email of
 * versions 1 and 2 are dropped from the current content by apply_v3: an
 * unchecked name and address bypassed the directory (its confirmations and
 * its visibility); the item's history keeps the versions that had them, and
 * their owners choose a contact from their directory.
 */
static const char schema_v3[] =
	"ALTER TABLE capacity_entries ADD COLUMN contact_item_id BIGINT NULL REFERENCES items(id);\n"
	"CREATE INDEX capacity_entries_contact ON capacity_entries (contact_item_id);\n";

static gc_status apply_v3(struct gc_db *db)
{
	json_t *rows = NULL;
	gc_status st = gc_db_query(db, "SELECT item_id AS item_id, content AS content FROM capacity_entries ORDER BY item_id",
				   GC_NO_PARAMS, &rows);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL;
		if (!json_is_object(c)) {
			json_decref(c);
			st = GC_EDB;
			break;
		}
		if (json_object_get(c, "contact_name") || json_object_get(c, "contact_email")) {
			json_object_del(c, "contact_name");
			json_object_del(c, "contact_email");
			char *out = json_dumps(c, JSON_COMPACT);
			st = out ? gc_db_exec(db, "UPDATE capacity_entries SET content = ? WHERE item_id = ?",
					      GC_PARAMS(GC_TEXT(out), GC_INT(json_integer_value(json_object_get(row, "item_id")))),
					      NULL)
				 : GC_ENOMEM;
			free(out);
		}
		json_decref(c);
	}
	json_decref(rows);
	return st;
}

/* --- taxonomy -------------------------------------------------------------------------------------------- */

struct capacity_taxonomy capacity_taxonomy;

static gc_status csv_fail(gc_status status, const char *where, const struct gc_csv *csv, const char *what)
{
	gc_log(GC_LOG_ERROR, "reference data refused", "{s:s, s:I, s:s, s:s}", "where", where, "line",
	       (json_int_t)(csv ? csv->line : 0), "what", csv && csv->err[0] ? csv->err : what, "status",
	       gc_status_name(status));
	return status;
}

static bool key_ok(const char *s, size_t n)
{
	if (n == 0 || n > CAPACITY_MAX_KEY || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

void capacity_taxonomy_free(struct capacity_taxonomy *t)
{
	for (size_t i = 0; i < t->count; i++)
		for (size_t l = 0; l < GC_LANG_COUNT; l++)
			free(t->topics[i].names[l]);
	t->count = 0;
}

static gc_status load_file(struct capacity_taxonomy *t, const char *name, bool theme)
{
	static const char *const header[] = { "key", "name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es" };
	const struct gc_embedded_file *file = gc_embedded_find(name);
	struct gc_csv csv;
	gc_status st;
	if (!file)
		return csv_fail(GC_ENOTFOUND, name, NULL, "not built into the binary");
	gc_csv_open(&csv, (const char *)file->data, file->size);
	st = gc_csv_expect_header(&csv, header, GC_ARRAY_LEN(header));
	if (st != GC_OK) {
		st = csv_fail(st, name, &csv, "bad header");
		goto out;
	}
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		if (t->count == CAPACITY_MAX_TAXONOMY || !key_ok(csv.field[0], csv.length[0])) {
			st = csv_fail(GC_EINVAL, name, &csv, "bad key or too many topics");
			goto out;
		}
		for (size_t i = 0; i < t->count; i++) {
			if (strcmp(t->topics[i].key, csv.field[0]) == 0) {
				st = csv_fail(GC_EINVAL, name, &csv, "a key appears twice");
				goto out;
			}
		}
		struct capacity_topic *topic = &t->topics[t->count];
		memset(topic, 0, sizeof(*topic));
		memcpy(topic->key, csv.field[0], csv.length[0]);
		topic->theme = theme;
		t->count++;
		for (size_t l = 0; l < GC_LANG_COUNT; l++) {
			if (csv.length[l + 1] == 0 || !gc_text_acceptable_line(csv.field[l + 1], csv.length[l + 1])) {
				st = csv_fail(GC_EINVAL, name, &csv, "a name is empty or not acceptable text");
				goto out;
			}
			topic->names[l] = strdup(csv.field[l + 1]);
			if (!topic->names[l]) {
				st = GC_ENOMEM;
				goto out;
			}
		}
	}
	st = st == GC_DONE ? GC_OK : csv_fail(st, name, &csv, "malformed CSV");
out:
	gc_csv_close(&csv);
	return st;
}

gc_status capacity_taxonomy_load(struct capacity_taxonomy *t)
{
	t->count = 0;
	gc_status st = load_file(t, "data/policy-topics.csv", false);
	if (st == GC_OK)
		st = load_file(t, "data/capacity-themes.csv", true);
	if (st != GC_OK)
		capacity_taxonomy_free(t);
	return st;
}

const struct capacity_topic *capacity_topic_find(const char *key)
{
	for (size_t i = 0; key && i < capacity_taxonomy.count; i++)
		if (strcmp(capacity_taxonomy.topics[i].key, key) == 0)
			return &capacity_taxonomy.topics[i];
	return NULL;
}

const char *capacity_topic_name(const struct capacity_topic *topic, const char *lang)
{
	for (size_t l = 0; lang && l < GC_LANG_COUNT; l++)
		if (strcmp(gc_langs[l], lang) == 0)
			return topic->names[l];
	return topic->names[2]; /* English */
}

/* Migration 1's data: the topic keys. */
static gc_status load_topics(struct gc_db *db)
{
	struct capacity_taxonomy *t = calloc(1, sizeof(*t));
	if (!t)
		return GC_ENOMEM;
	gc_status st = capacity_taxonomy_load(t);
	for (size_t i = 0; st == GC_OK && i < t->count; i++)
		st = gc_db_exec(db, "INSERT INTO capacity_topic_list (key, position) VALUES (?, ?)",
				GC_PARAMS(GC_TEXT(t->topics[i].key), GC_INT((int64_t)i)), NULL);
	capacity_taxonomy_free(t);
	free(t);
	return st;
}

const struct gc_migration capacity_migrations[CAPACITY_MIGRATION_COUNT] = {
	{ .version = 1, .sql = schema_v1, .apply = load_topics },
	{ .version = 2, .sql = schema_v2 },
	{ .version = 3, .sql = schema_v3, .apply = apply_v3 },
};
