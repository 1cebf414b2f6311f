/*
 * The policies module's tables and its topic taxonomy (data/policy-topics.csv:
 * a key, then the topic's name in the six languages in the order of gc_langs).
 */
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/embedded.h"
#include "base/log.h"
#include "base/text.h"
#include "modules/policies/policies.h"

#define TOPICS_CSV "data/policy-topics.csv"

const char *const policies_kinds[] = {
	"national_strategy", "law_regulation",  "military_doctrine", "policy_guideline",
	"institutional_framework", "regional_framework", "agreement", "other", NULL,
};

const char *const policies_statuses[] = { "in_force", "in_preparation", "superseded", "repealed", NULL };

/*
 * Version 1. The same text serves both engines. Content rows hang off the
 * item (never deleted: items are withdrawn), so there is no ON DELETE. The
 * CHECKs restate the taxonomies, so a hand edit cannot store a kind the code
 * does not know. adopted_year repeats adopted's year for the year filters, so
 * that neither engine needs its own date functions.
 */
static const char schema_v1[] =
	"CREATE TABLE policy_topic_list (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  position INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE policies (\n"
	"  item_id BIGINT PRIMARY KEY REFERENCES items(id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('national_strategy', 'law_regulation', 'military_doctrine',\n"
	"    'policy_guideline', 'institutional_framework', 'regional_framework', 'agreement', 'other')),\n"
	"  policy_status TEXT NOT NULL CHECK (policy_status IN ('in_force', 'in_preparation', 'superseded',\n"
	"    'repealed')),\n"
	"  adopted TEXT NULL CHECK (adopted IS NULL OR length(adopted) = 10),\n"
	"  adopted_year INTEGER NULL,\n"
	"  source_url TEXT NULL,\n"
	"  supersedes BIGINT NULL REFERENCES items(id),\n"
	"  topics TEXT NOT NULL DEFAULT '[]',\n"
	"  CHECK ((adopted IS NULL) = (adopted_year IS NULL))\n"
	");\n"
	"CREATE INDEX policies_kind ON policies (kind, adopted);\n"
	"CREATE INDEX policies_adopted ON policies (adopted_year);\n"
	"CREATE INDEX policies_supersedes ON policies (supersedes);\n"
	"CREATE TABLE policy_texts (\n"
	"  item_id BIGINT NOT NULL REFERENCES policies(item_id),\n"
	"  lang TEXT NOT NULL CHECK (lang IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')),\n"
	"  position INTEGER NOT NULL,\n"
	"  title TEXT NOT NULL,\n"
	"  summary TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (item_id, lang)\n"
	");\n"
	"CREATE INDEX policy_texts_lang ON policy_texts (lang, item_id);\n"
	"CREATE TABLE policy_topics (\n"
	"  item_id BIGINT NOT NULL REFERENCES policies(item_id),\n"
	"  topic TEXT NOT NULL REFERENCES policy_topic_list(key),\n"
	"  PRIMARY KEY (item_id, topic)\n"
	");\n"
	"CREATE INDEX policy_topics_topic ON policy_topics (topic, item_id);\n";

static gc_status topics_fail(gc_status status, const struct gc_csv *csv, const char *what)
{
	gc_log(GC_LOG_ERROR, "reference data refused", "{s:s, s:I, s:s, s:s}", "where", TOPICS_CSV, "line",
	       (json_int_t)(csv ? csv->line : 0), "what", csv && csv->err[0] ? csv->err : what, "status",
	       gc_status_name(status));
	return status;
}

static bool key_ok(const char *s, size_t n)
{
	if (n == 0 || n > POLICIES_MAX_TOPIC_KEY || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

void policies_taxonomy_free(struct policies_taxonomy *t)
{
	for (size_t i = 0; i < t->count; i++)
		for (size_t l = 0; l < GC_LANG_COUNT; l++)
			free(t->topics[i].names[l]);
	t->count = 0;
}

gc_status policies_taxonomy_load(struct policies_taxonomy *t)
{
	static const char *const header[] = { "key", "name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es" };
	const struct gc_embedded_file *file = gc_embedded_find(TOPICS_CSV);
	struct gc_csv csv;
	gc_status st;
	t->count = 0;
	if (!file)
		return topics_fail(GC_ENOTFOUND, NULL, "not built into the binary");
	gc_csv_open(&csv, (const char *)file->data, file->size);
	st = gc_csv_expect_header(&csv, header, GC_ARRAY_LEN(header));
	if (st != GC_OK) {
		st = topics_fail(st, &csv, "bad header");
		goto out;
	}
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		if (t->count == POLICIES_MAX_TAXONOMY || !key_ok(csv.field[0], csv.length[0])) {
			st = topics_fail(GC_EINVAL, &csv, "bad key or too many topics");
			goto out;
		}
		for (size_t i = 0; i < t->count; i++) {
			if (strcmp(t->topics[i].key, csv.field[0]) == 0) {
				st = topics_fail(GC_EINVAL, &csv, "a key appears twice");
				goto out;
			}
		}
		struct policies_topic *topic = &t->topics[t->count];
		memset(topic, 0, sizeof(*topic));
		memcpy(topic->key, csv.field[0], csv.length[0]);
		t->count++;
		for (size_t l = 0; l < GC_LANG_COUNT; l++) {
			if (csv.length[l + 1] == 0 || !gc_text_acceptable_line(csv.field[l + 1], csv.length[l + 1])) {
				st = topics_fail(GC_EINVAL, &csv, "a name is empty or not acceptable text");
				goto out;
			}
			topic->names[l] = strdup(csv.field[l + 1]);
			if (!topic->names[l]) {
				st = GC_ENOMEM;
				goto out;
			}
		}
	}
	st = st == GC_DONE ? GC_OK : topics_fail(st, &csv, "malformed CSV");
	if (st == GC_OK && t->count == 0)
		st = topics_fail(GC_EINVAL, &csv, "no topics");
out:
	gc_csv_close(&csv);
	if (st != GC_OK)
		policies_taxonomy_free(t);
	return st;
}

/* Migration 1's data: the taxonomy's keys, for the foreign key of policy_topics. */
static gc_status load_topics(struct gc_db *db)
{
	struct policies_taxonomy *t = calloc(1, sizeof(*t));
	if (!t)
		return GC_ENOMEM;
	gc_status st = policies_taxonomy_load(t);
	for (size_t i = 0; st == GC_OK && i < t->count; i++)
		st = gc_db_exec(db, "INSERT INTO policy_topic_list (key, position) VALUES (?, ?)",
				GC_PARAMS(GC_TEXT(t->topics[i].key), GC_INT((int64_t)i)), NULL);
	policies_taxonomy_free(t);
	free(t);
	return st;
}

const struct gc_migration policies_migrations[POLICIES_MIGRATION_COUNT] = {
	{ .version = 1, .sql = schema_v1, .apply = load_topics },
};

/* --- lookups ------------------------------------------------------------------------------ */

struct policies_taxonomy policies_taxonomy;

const struct policies_topic *policies_topic_find(const char *key)
{
	for (size_t i = 0; key && i < policies_taxonomy.count; i++)
		if (strcmp(policies_taxonomy.topics[i].key, key) == 0)
			return &policies_taxonomy.topics[i];
	return NULL;
}

const char *policies_topic_name(const struct policies_topic *topic, const char *lang)
{
	for (size_t l = 0; lang && l < GC_LANG_COUNT; l++)
		if (strcmp(gc_langs[l], lang) == 0)
			return topic->names[l];
	return topic->names[2]; /* English */
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool policies_is_kind(const char *s)
{
	return in_list(policies_kinds, s);
}

bool policies_is_status(const char *s)
{
	return in_list(policies_statuses, s);
}

const char *policies_kind_key(struct gc_request *req, const char *kind)
{
	if (!policies_is_kind(kind))
		return "policies.kind_other";
	return gc_arena_printf(req->arena, "policies.kind_%s", kind);
}

const char *policies_status_key(struct gc_request *req, const char *status)
{
	if (!policies_is_status(status))
		return "policies.status_in_force";
	return gc_arena_printf(req->arena, "policies.status_%s", status);
}

