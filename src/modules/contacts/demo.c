/*
 * Demo data (gcscp demo): one public assistance contact for each of four
 * demo states (src/modules/core/demo.c made their organisations), all
 * fictitious, with addresses under .invalid. The contacts module is seeded
 * before capacity building (src/modules/registry.c), whose demo programmes,
 * needs and offers link these contacts. Running the demo again adds nothing
 * twice; a missing demo organisation is skipped.
 */
#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/items.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "modules/contacts/contacts.h"

struct demo_contact {
	const char *org, *country;
	const char *function_title, *person_name, *email, *language1, *language2;
};

static const struct demo_contact demo_contacts[] = {
	{ "Kenya, Ministry of Foreign and Diaspora Affairs (demo)", "KEN", "Cyber capacity building focal point (demo)",
	  "Amina Otieno (demo)", "capacity@ken.demo.invalid", "en", "sw" },
	{ "France, Ministry for Europe and Foreign Affairs (demo)", "FRA", "Coopération cyber, point de contact (démo)",
	  "Claire Martin (démo)", "cooperation.cyber@fra.demo.invalid", "fr", "en" },
	{ "Estonia, Ministry of Foreign Affairs (demo)", "EST", "Cyber capacity building coordinator (demo)",
	  "Kadri Tamm (demo)", "capacity@est.demo.invalid", "en", "et" },
	{ "Singapore, Cyber Security Agency (demo)", "SGP", "International cyber capacity programmes (demo)",
	  "Wei Ling Tan (demo)", "programmes@sgp.demo.invalid", "en", "zh" },
};

static gc_status demo_one(struct gc_db *db, struct gc_arena *arena, const struct demo_contact *d)
{
	int64_t org = 0, exists = 0, id = 0;
	struct gc_principal *p = NULL;
	gc_status st = gc_db_query_int(db, "SELECT id AS id FROM organisations WHERE name = ?", GC_PARAMS(GC_TEXT(d->org)),
				       &org);
	if (st == GC_ENOTFOUND)
		return GC_OK;
	if (st == GC_OK)
		st = gc_db_query_int(db,
				     "SELECT COUNT(*) AS n FROM items WHERE module = 'contacts' AND owner_org = ? AND title = ?",
				     GC_PARAMS(GC_INT(org), GC_TEXT(d->function_title)), &exists);
	if (st != GC_OK || exists)
		return st;
	st = gc_user_demo_principal(db, arena, org, d->country, "contacts", &p);
	if (st != GC_OK)
		return st;
	struct contacts_content c = {
		.kind = "assistance",
		.function_title = d->function_title,
		.person_name = d->person_name,
		.emails = { d->email },
		.n_emails = 1,
		.languages = { d->language1, d->language2 },
		.n_languages = 2,
		.country = d->country,
	};
	json_t *content = contacts_content_json(&c);
	if (!content)
		return GC_ENOMEM;
	struct gc_item_ctx ctx = { .db = db, .principal = p };
	struct gc_item_new item = {
		.module = CONTACTS_MODULE,
		.title = c.function_title,
		.country = c.country,
		.languages = c.languages,
		.n_languages = c.n_languages,
		.visibility = GC_VIS_PUBLIC,
		.content = content,
	};
	st = gc_item_create(&ctx, &item, &id);
	if (st == GC_OK)
		st = contacts_content_store(db, id, &c, true);
	json_decref(content);
	return st;
}

gc_status contacts_demo(struct gc_db *db)
{
	struct gc_arena *arena = gc_arena_new(1 << 18);
	gc_status st = arena ? GC_OK : GC_ENOMEM;
	for (size_t i = 0; st == GC_OK && i < sizeof(demo_contacts) / sizeof(demo_contacts[0]); i++)
		st = demo_one(db, arena, &demo_contacts[i]);
	gc_arena_free(arena);
	return st;
}
