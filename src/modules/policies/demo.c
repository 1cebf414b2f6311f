/*
 * Demo data (gcscp demo): a handful of published policies of the demo
 * states. The titles are those of real, published national documents
 * (public knowledge); the summaries are short neutral descriptions written
 * for the demo, and the owners are the demo organisations, marked "(demo)".
 * One restricted item with a public notice is clearly fictitious, to show
 * what a notice is. Running the demo again adds nothing twice.
 */
#include <string.h>

#include "auth/accounts.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "modules/policies/policies.h"

struct demo_text {
	const char *lang;
	const char *title;
	const char *summary;
};

struct demo_policy {
	const char *org;     /* the demo organisation's name (core's demo data) */
	const char *org_kind;
	const char *country;
	const char *kind;
	const char *policy_status;
	const char *adopted; /* NULL: not given */
	const char *topics[4];
	struct demo_text texts[2];
	const char *visibility; /* NULL: public */
	const char *notice_title;
	const char *notice_summary;
};

#define KEN "Kenya, Ministry of Foreign and Diaspora Affairs (demo)"
#define BRA "Brazil, Ministry of Foreign Affairs (demo)"
#define IND "India, Ministry of External Affairs (demo)"
#define FRA "France, Ministry for Europe and Foreign Affairs (demo)"
#define EST "Estonia, Ministry of Foreign Affairs (demo)"
#define SGP "Singapore, Cyber Security Agency (demo)"

static const struct demo_policy demo_policies[] = {
	{ KEN, "member_state", "KEN", "law_regulation", "in_force", "2018-05-16", { "cybercrime", "international_cooperation" },
	  { { "en", "Computer Misuse and Cybercrimes Act, 2018",
	      "An act on offences relating to computer systems, the investigation and prosecution of cybercrime, "
	      "and international cooperation in cybercrime matters.\n\n*Demo summary written for this portal.*" } } },
	{ KEN, "member_state", "KEN", "law_regulation", "in_force", "2019-11-08", { "data_protection" },
	  { { "en", "Data Protection Act, 2019",
	      "Establishes the Office of the Data Protection Commissioner and sets out the rights of data subjects and "
	      "the obligations of data controllers and processors.\n\n*Demo summary written for this portal.*" } } },
	{ BRA, "member_state", "BRA", "law_regulation", "in_force", "2018-08-14", { "data_protection" },
	  { { "en", "General Personal Data Protection Law (Law No. 13,709/2018)",
	      "Brazil's general law on the processing of personal data (LGPD).\n\n*Demo summary written for this "
	      "portal.*" },
	    { "es", "Ley General de Protección de Datos Personales (Ley n.º 13.709/2018)",
	      "Ley general del Brasil sobre el tratamiento de datos personales (LGPD).\n\n*Resumen de demostración "
	      "redactado para este portal.*" } } },
	{ BRA, "member_state", "BRA", "national_strategy", "in_force", "2023-12-26", { "governance", "critical_infrastructure" },
	  { { "en", "National Cybersecurity Policy (Decree No. 11,856/2023)",
	      "Sets the principles and objectives of the national cybersecurity policy and creates a national "
	      "cybersecurity committee.\n\n*Demo summary written for this portal.*" } } },
	{ IND, "member_state", "IND", "national_strategy", "in_force", "2013-07-02",
	  { "critical_infrastructure", "capacity_building", "education_awareness" },
	  { { "en", "National Cyber Security Policy 2013",
	      "A policy framework to protect information and information infrastructure in cyberspace, build "
	      "capabilities and reduce vulnerabilities.\n\n*Demo summary written for this portal.*" } } },
	{ IND, "member_state", "IND", "law_regulation", "in_force", "2000-06-09", { "cybercrime", "standards_certification" },
	  { { "en", "Information Technology Act, 2000",
	      "Gives legal recognition to electronic transactions and signatures and defines offences involving "
	      "computers.\n\n*Demo summary written for this portal.*" } } },
	{ IND, "member_state", "IND", "law_regulation", "in_force", "2023-08-11", { "data_protection" },
	  { { "en", "Digital Personal Data Protection Act, 2023",
	      "Governs the processing of digital personal data.\n\n*Demo summary written for this portal.*" } } },
	{ FRA, "member_state", "FRA", "military_doctrine", "in_force", "2018-02-12",
	  { "military_defence", "norms_international_law" },
	  { { "fr", "Revue stratégique de cyberdéfense",
	      "Revue de la stratégie nationale de cyberdéfense et de l’organisation de l’État face aux menaces "
	      "informatiques.\n\n*Résumé de démonstration rédigé pour ce portail.*" },
	    { "en", "Strategic Review of Cyber Defence",
	      "A review of France's cyber defence strategy and of how the state is organised against cyber "
	      "threats.\n\n*Demo summary written for this portal.*" } } },
	{ FRA, "member_state", "FRA", "national_strategy", "in_force", "2015-10-16",
	  { "critical_infrastructure", "education_awareness", "international_cooperation" },
	  { { "fr", "Stratégie nationale pour la sécurité du numérique",
	      "Stratégie nationale pour la sécurité du numérique.\n\n*Résumé de démonstration rédigé pour ce portail.*" },
	    { "en", "French National Digital Security Strategy",
	      "France's national strategy for digital security.\n\n*Demo summary written for this portal.*" } } },
	{ SGP, "member_state", "SGP", "national_strategy", "in_force", "2021-10-05",
	  { "critical_infrastructure", "capacity_building", "international_cooperation" },
	  { { "en", "Singapore Cybersecurity Strategy 2021",
	      "Singapore's updated national cybersecurity strategy.\n\n*Demo summary written for this portal.*" },
	    { "zh", "2021年新加坡网络安全战略", "新加坡更新后的国家网络安全战略。\n\n*本门户编写的演示摘要。*" } } },
	{ SGP, "member_state", "SGP", "law_regulation", "in_force", "2018-02-05", { "critical_infrastructure", "incident_response" },
	  { { "en", "Cybersecurity Act 2018",
	      "Provides for the protection of critical information infrastructure and the management of cybersecurity "
	      "incidents.\n\n*Demo summary written for this portal.*" } } },
	{ EST, "member_state", "EST", "institutional_framework", "in_force", NULL, { "incident_response", "governance" },
	  { { "en", "National cyber incident coordination arrangements (fictitious demo item)",
	      "A fictitious restricted item: only member states and the Secretariat read it.\n\n*Demo data.*" } },
	  "restricted", "Cyber incident coordination arrangements (demo notice)",
	  "Member states may read how incidents are coordinated nationally. This public notice is demo data." },
};

/* The demo organisation of that name, created if the core's demo data does not have it. */
static gc_status demo_org(struct gc_db *db, const struct demo_policy *d, int64_t *id)
{
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	gc_status st = gc_db_exec(db,
				  "INSERT INTO organisations (kind, name, country, demo, created_at) VALUES (?, ?, ?, 1, ?)"
				  " ON CONFLICT (name) DO NOTHING",
				  GC_PARAMS(GC_TEXT(d->org_kind), GC_TEXT(d->org), GC_TEXT(d->country), GC_TEXT(now)), NULL);
	if (st == GC_OK)
		st = gc_db_query_int(db, "SELECT id AS id FROM organisations WHERE name = ?", GC_PARAMS(GC_TEXT(d->org)),
				     id);
	return st;
}

static gc_status demo_one(struct gc_db *db, struct gc_arena *arena, const struct demo_policy *d)
{
	int64_t org = 0, exists = 0, id = 0;
	struct gc_principal *p = NULL;
	gc_status st = demo_org(db, d, &org);
	if (st == GC_OK)
		st = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM items WHERE module = 'policies' AND owner_org = ? AND title = ?",
				     GC_PARAMS(GC_INT(org), GC_TEXT(d->texts[0].title)), &exists);
	if (st != GC_OK || exists)
		return st;
	st = gc_user_demo_principal(db, arena, org, d->country, "policies", &p);
	if (st != GC_OK)
		return st;
	struct policies_content c = {
		.kind = d->kind,
		.policy_status = d->policy_status,
		.adopted = d->adopted,
		.country = d->country,
	};
	const char *languages[2];
	for (size_t i = 0; i < 2 && d->texts[i].lang; i++) {
		c.texts[i] = (struct policies_text){ d->texts[i].lang, d->texts[i].title, d->texts[i].summary };
		languages[i] = d->texts[i].lang;
		c.n_texts++;
	}
	for (size_t i = 0; i < 4 && d->topics[i]; i++)
		c.topics[c.n_topics++] = d->topics[i];
	json_t *content = policies_content_json(&c);
	if (!content)
		return GC_ENOMEM;
	struct gc_item_ctx ctx = { .db = db, .principal = p };
	enum gc_visibility visibility = GC_VIS_PUBLIC;
	if (d->visibility && !gc_visibility_parse(d->visibility, &visibility))
		visibility = GC_VIS_RESTRICTED;
	struct gc_item_new item = {
		.module = POLICIES_MODULE,
		.title = c.texts[0].title,
		.country = c.country,
		.languages = languages,
		.n_languages = c.n_texts,
		.visibility = visibility,
		.notice_title = d->notice_title,
		.notice_summary = d->notice_summary,
		.content = content,
	};
	st = gc_item_create(&ctx, &item, &id);
	json_decref(content);
	if (st == GC_OK)
		st = policies_content_save(&ctx, arena, id, &c, true);
	return st;
}

gc_status policies_demo(struct gc_db *db)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	gc_status st = arena ? GC_OK : GC_ENOMEM;
	for (size_t i = 0; st == GC_OK && i < GC_ARRAY_LEN(demo_policies); i++)
		st = demo_one(db, arena, &demo_policies[i]);
	gc_arena_free(arena);
	return st;
}
