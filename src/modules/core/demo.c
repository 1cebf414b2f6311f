#include "modules/core/core.h"

#include "base/clock.h"
#include "store/store.h"

struct demo_organisation {
	const char *kind;
	const char *name;
	const char *country;
};

/* Fictitious organisations, every name marked "(demo)" so no one mistakes them for real ones. */
static const struct demo_organisation demo_organisations[] = {
	{ "secretariat", "UN Secretariat, Office for Disarmament Affairs (demo)", NULL },
	{ "member_state", "Kenya, Ministry of Foreign and Diaspora Affairs (demo)", "KEN" },
	{ "member_state", "Brazil, Ministry of Foreign Affairs (demo)", "BRA" },
	{ "member_state", "India, Ministry of External Affairs (demo)", "IND" },
	{ "member_state", "France, Ministry for Europe and Foreign Affairs (demo)", "FRA" },
	{ "member_state", "Estonia, Ministry of Foreign Affairs (demo)", "EST" },
	{ "member_state", "Singapore, Cyber Security Agency (demo)", "SGP" },
	{ "observer_state", "State of Palestine, Ministry of Foreign Affairs (demo)", "PSE" },
	{ "regional_org", "Regional Cyber Cooperation Organisation (demo)", NULL },
	{ "un_body", "UN Institute for Cyber Research (demo)", NULL },
	{ "stakeholder", "Open Internet Security Foundation (demo)", NULL },
};

gc_status core_demo(struct gc_db *db)
{
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	for (size_t i = 0; i < sizeof(demo_organisations) / sizeof(demo_organisations[0]); i++) {
		const struct demo_organisation *org = &demo_organisations[i];
		gc_status status = gc_db_exec(db,
					      "INSERT INTO organisations (kind, name, country, demo, created_at) "
					      "VALUES (?, ?, ?, 1, ?) ON CONFLICT (name) DO NOTHING",
					      GC_PARAMS(GC_TEXT(org->kind), GC_TEXT(org->name),
							GC_TEXT_OR_NULL(org->country), GC_TEXT(now)),
					      NULL);
		if (status != GC_OK)
			return status;
	}
	return gc_db_exec(db,
			  "INSERT INTO settings (key, value) VALUES ('demo', '1') "
			  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			  GC_NO_PARAMS, NULL);
}
