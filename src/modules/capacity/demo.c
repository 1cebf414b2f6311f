/*
 * Demo data (gcscp demo): a few programmes, needs and offers of the demo
 * organisations, all fictitious and marked so, to show the calendar, the
 * matching and the map, each linked to its organisation's assistance
 * contact from the contacts module's demo (seeded before this one: see
 * src/modules/registry.c). Running the demo again adds nothing twice.
 */
#include <string.h>

#include "auth/accounts.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "modules/capacity/capacity.h"

struct demo_entry {
	const struct capacity_kind *kind;
	const char *org, *org_kind, *country;
	const char *json; /* the content, as a client would post it (texts, fields) */
};

#define KEN "Kenya, Ministry of Foreign and Diaspora Affairs (demo)"
#define FRA "France, Ministry for Europe and Foreign Affairs (demo)"
#define EST "Estonia, Ministry of Foreign Affairs (demo)"
#define SGP "Singapore, Cyber Security Agency (demo)"

static const struct demo_entry demo_entries[] = {
	{ &capacity_events, FRA, "member_state", "FRA",
	  "{\"texts\": [{\"lang\": \"en\", \"title\": \"Cyber diplomacy course for francophone Africa (demo)\", \"description\":"
	  " \"A fictitious two-day course.\\n\\n*Demo data.*\"}, {\"lang\": \"fr\", \"title\": \"Cours de cyberdiplomatie pour"
	  " l’Afrique francophone (démo)\", \"description\": \"Un cours fictif de deux jours.\\n\\n*Données de démonstration.*\"}],"
	  " \"event_kind\": \"training_course\", \"topics\": [\"cyber_diplomacy\", \"norms_international_law\"],"
	  " \"starts\": \"2027-03-15T09:00:00\", \"ends\": \"2027-03-16T17:00:00\", \"timezone\": \"Africa/Dakar\","
	  " \"modality\": \"hybrid\", \"place\": \"Dakar\", \"languages\": [\"fr\", \"en\"], \"audience\": [\"diplomats\"],"
	  " \"eligibility\": \"regions\", \"eligible_regions\": [\"002\"], \"seats\": 30, \"cost\": \"Free\","
	  " \"event_status\": \"open\"}" },
	{ &capacity_events, EST, "member_state", "EST",
	  "{\"texts\": [{\"lang\": \"en\", \"title\": \"National cyber exercise planning workshop (demo)\", \"description\":"
	  " \"A fictitious online workshop.\\n\\n*Demo data.*\"}], \"event_kind\": \"workshop\", \"topics\": [\"cyber_exercises\","
	  " \"incident_response\"], \"starts\": \"2027-02-02T10:00:00\", \"ends\": \"2027-02-02T13:00:00\", \"timezone\":"
	  " \"Europe/Tallinn\", \"modality\": \"online\", \"languages\": [\"en\"], \"audience\": [\"cert_staff\"],"
	  " \"eligibility\": \"all\", \"event_status\": \"planned\"}" },
	{ &capacity_needs, KEN, "member_state", "KEN",
	  "{\"texts\": [{\"lang\": \"en\", \"title\": \"Digital forensics training for investigators (demo)\", \"description\":"
	  " \"A fictitious need.\\n\\n*Demo data.*\"}], \"topics\": [\"digital_forensics\", \"cybercrime\"], \"help_kinds\":"
	  " [\"training\"], \"audience\": [\"law_enforcement\"], \"modalities\": [\"in_person\"], \"languages\": [\"en\"],"
	  " \"from\": \"2027-01-01\", \"until\": \"2027-12-31\", \"urgency\": \"high\", \"need_status\": \"open\"}" },
	{ &capacity_offers, SGP, "member_state", "SGP",
	  "{\"texts\": [{\"lang\": \"en\", \"title\": \"CERT capacity programme (demo)\", \"description\": \"A fictitious"
	  " standing offer.\\n\\n*Demo data.*\"}], \"topics\": [\"cert_csirt_development\", \"incident_response\","
	  " \"digital_forensics\"], \"help_kinds\": [\"training\", \"advisory\"], \"languages\": [\"en\"], \"modalities\":"
	  " [\"in_person\", \"online\"], \"eligibility\": \"all\", \"capacity\": 20, \"offer_status\": \"open\"}" },
};

static gc_status demo_org(struct gc_db *db, const struct demo_entry *d, int64_t *id)
{
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	gc_status st = gc_db_exec(db,
				  "INSERT INTO organisations (kind, name, country, demo, created_at) VALUES (?, ?, ?, 1, ?)"
				  " ON CONFLICT (name) DO NOTHING",
				  GC_PARAMS(GC_TEXT(d->org_kind), GC_TEXT(d->org), GC_TEXT(d->country), GC_TEXT(now)), NULL);
	if (st == GC_OK)
		st = gc_db_query_int(db, "SELECT id AS id FROM organisations WHERE name = ?", GC_PARAMS(GC_TEXT(d->org)), id);
	return st;
}

static gc_status demo_one(struct gc_db *db, struct gc_arena *arena, const struct demo_entry *d)
{
	int64_t org = 0, exists = 0, id = 0;
	struct gc_principal *p = NULL;
	json_t *content = json_loads(d->json, JSON_REJECT_DUPLICATES, NULL);
	const json_t *texts = json_object_get(content, "texts");
	const char *title = json_string_value(json_object_get(json_array_get(texts, 0), "title"));
	gc_status st = title ? demo_org(db, d, &org) : GC_EINVAL;
	if (st == GC_OK)
		st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM items WHERE module = 'capacity' AND owner_org = ? AND title = ?",
				     GC_PARAMS(GC_INT(org), GC_TEXT(title)), &exists);
	if (st == GC_OK && !exists)
		st = gc_user_demo_principal(db, arena, org, d->country, "capacity", &p);
	if (st != GC_OK || exists)
		goto out;
	if (d->kind->entry == CAPACITY_EVENT &&
	    json_object_set_new(content, "providers", json_pack("[I]", (json_int_t)org))) {
		st = GC_ENOMEM;
		goto out;
	}
	/* The contact: the organisation's first assistance contact (the contacts module's demo ran first). */
	struct gc_item_ctx ctx = { .db = db, .principal = p };
	json_t *contacts = NULL;
	st = capacity_contact_choices(&ctx, arena, org, &contacts);
	json_t *first = json_object_get(json_array_get(contacts, 0), "id");
	if (st == GC_OK && json_is_integer(first) && json_object_set(content, "contact", first))
		st = GC_ENOMEM;
	json_decref(contacts);
	if (st != GC_OK)
		goto out;
	const char *languages[CAPACITY_MAX_TEXTS];
	size_t n = 0;
	for (; n < json_array_size(texts) && n < CAPACITY_MAX_TEXTS; n++)
		languages[n] = json_string_value(json_object_get(json_array_get(texts, n), "lang"));
	const char *country = d->kind->entry == CAPACITY_NEED ? d->country : NULL;
	struct gc_item_new item = {
		.module = CAPACITY_MODULE,
		.title = title,
		.country = country,
		.languages = languages,
		.n_languages = n,
		.visibility = GC_VIS_PUBLIC,
		.content = content,
	};
	st = gc_item_create(&ctx, &item, &id);
	if (st == GC_OK)
		st = capacity_content_save(&ctx, arena, d->kind, id, org, country, content, true);
out:
	json_decref(content);
	return st;
}

gc_status capacity_demo(struct gc_db *db)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	gc_status st = arena ? GC_OK : GC_ENOMEM;
	for (size_t i = 0; st == GC_OK && i < GC_ARRAY_LEN(demo_entries); i++)
		st = demo_one(db, arena, &demo_entries[i]);
	gc_arena_free(arena);
	return st;
}
