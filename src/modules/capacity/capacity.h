/*
 * The capacity-building module (issue 6): the programme calendar (events),
 * the assistance states need (needs), the standing offers of providers
 * (offers), and matching them. Every event, need and offer is an item
 * (auth/items.h: envelope, visibility, moderation, history) of the item
 * module "capacity"; this module keeps its content:
 *
 *   capacity_entries  (item_id -> items.id) entry_kind (event | need | offer),
 *                     entry_status (the kind's own status), starts_at and
 *                     ends_at (events: UTC ISO 8601; needs and offers: the
 *                     time frame's dates), local_day (an event's first day in
 *                     its own time zone, for the month grid), eligibility,
 *                     sequence (iCalendar SEQUENCE, raised by every change),
 *                     content (the validated fields as JSON)
 *   capacity_tags     (item_id, tag, value): the list fields that filters
 *                     and matching use (topic, language, modality, region,
 *                     state, provider, help, audience)
 *   capacity_topic_list  the topics: data/policy-topics.csv (the portal's
 *                     shared taxonomy) then data/capacity-themes.csv
 *   capacity_interest (need_id, org_id): a provider's answer to a need
 *
 * One struct capacity_kind describes each entry kind (its fields, statuses,
 * paths), so that validation, storage and lists are written once.
 */
#ifndef GC_MODULES_CAPACITY_CAPACITY_H
#define GC_MODULES_CAPACITY_CAPACITY_H

#include "base/buf.h"
#include "http/identity.h"
#include "modules/module.h"
#include "render/i18n.h"

#define CAPACITY_MODULE "capacity"
#define CAPACITY_MIGRATION_COUNT 3
extern const struct gc_migration capacity_migrations[CAPACITY_MIGRATION_COUNT];

/* Limits (bytes unless said otherwise). */
#define CAPACITY_MAX_TEXTS GC_LANG_COUNT
#define CAPACITY_MAX_DESCRIPTION (64 * 1024) /* Markdown */
#define CAPACITY_MAX_LINE 500                /* place, cost, funding, contact name */
#define CAPACITY_MAX_LIST 16                 /* entries of a list field (topics, audience, ...) */
#define CAPACITY_MAX_STATES 64               /* named states of an eligibility */
#define CAPACITY_MAX_URL 2048
#define CAPACITY_MAX_EMAIL 254
#define CAPACITY_MAX_TZ 64
#define CAPACITY_MAX_SEATS 100000
#define CAPACITY_MAX_BODY (512 * 1024)
#define CAPACITY_MAX_KEY 40
#define CAPACITY_PAGE_SIZE 20
#define CAPACITY_MAX_PER_PAGE 100
#define CAPACITY_MAX_PAGE 1000
#define CAPACITY_FEED_MAX 500                /* events in one iCalendar or Atom feed */
#define CAPACITY_MAX_EVENT_DAYS 400          /* an event lasts at most this long */
#define CAPACITY_MATCH_CANDIDATES 500        /* candidates scored for one suggestion list */
#define CAPACITY_MATCH_SHOWN 10              /* suggestions shown */
#define CAPACITY_MAX_MESSAGE 2000            /* a provider's message with its interest */

/* --- taxonomies ------------------------------------------------------------------------ */

struct capacity_topic {
	char key[CAPACITY_MAX_KEY + 1];
	char *names[GC_LANG_COUNT];
	bool theme; /* from data/capacity-themes.csv */
};
#define CAPACITY_MAX_TAXONOMY 96
struct capacity_taxonomy {
	struct capacity_topic topics[CAPACITY_MAX_TAXONOMY];
	size_t count;
};
extern struct capacity_taxonomy capacity_taxonomy;
GC_MUST_CHECK gc_status capacity_taxonomy_load(struct capacity_taxonomy *t);
void capacity_taxonomy_free(struct capacity_taxonomy *t);
const struct capacity_topic *capacity_topic_find(const char *key);
const char *capacity_topic_name(const struct capacity_topic *topic, const char *lang);

extern const char *const capacity_event_kinds[];
extern const char *const capacity_modalities[];
extern const char *const capacity_audiences[];
extern const char *const capacity_eligibilities[];
extern const char *const capacity_event_statuses[];
extern const char *const capacity_need_statuses[];
extern const char *const capacity_offer_statuses[];
extern const char *const capacity_help_kinds[];
extern const char *const capacity_urgencies[];
bool capacity_in_list(const char *const *list, const char *s);
/* The five M49 regions of the assistance map, in order. */
extern const char *const capacity_map_regions[];

/* --- entry kinds and their fields ------------------------------------------------------- */

enum capacity_field_type {
	CF_LINE,      /* one line of text, 1..max bytes */
	CF_ENUM,      /* one of choices */
	CF_ENUM_LIST, /* distinct members of choices */
	CF_TOPICS,    /* distinct topic keys */
	CF_LANGS,     /* distinct UN languages */
	CF_REGIONS,   /* distinct M49 region codes (checked in the transaction) */
	CF_STATES,    /* distinct ISO 3166-1 alpha-3 (checked in the transaction) */
	CF_ORGS,      /* distinct organisation ids (checked in the transaction) */
	CF_NAMES,     /* one-line names */
	CF_INT,       /* 1..max */
	CF_DATE,      /* YYYY-MM-DD */
	CF_LOCAL,     /* YYYY-MM-DDTHH:MM[:SS], a local time */
	CF_TZ,        /* an IANA time zone */
	CF_URL,       /* http or https */
	CF_EMAIL,     /* an address */
	CF_CONTACT,   /* the item id of an assistance contact of the owner (checked in the transaction) */
};

struct capacity_field {
	const char *name;
	enum capacity_field_type type;
	size_t max;                   /* bytes (text) or value (int) or entries (lists) */
	const char *const *choices;
	bool required;                /* at creation */
	const char *tag;              /* stored in capacity_tags under this tag, or NULL */
	const char *fallback;         /* a default at creation (enum), or NULL */
};

enum capacity_entry { CAPACITY_EVENT, CAPACITY_NEED, CAPACITY_OFFER };

struct capacity_kind {
	enum capacity_entry entry;
	const char *name;           /* "event", "need", "offer" (capacity_entries.entry_kind) */
	const char *path;           /* "/calendar", "/needs", "/offers" */
	const char *tmpl;           /* template folder prefix: "capacity/event" */
	const char *status_field;   /* "event_status", ... */
	const char *const *statuses;
	const struct capacity_field *fields;
	size_t n_fields;
	const char *title_key;      /* list page title */
};
extern const struct capacity_kind capacity_events, capacity_needs, capacity_offers;
const struct capacity_kind *capacity_kind_of(const char *entry_kind);
const struct capacity_field *capacity_field_find(const struct capacity_kind *k, const char *name);

/* --- time zones (tz.c; libical under one lock) ---------------------------------------------- */

/* Is name an IANA zone of the system's tz database? */
bool capacity_tz_valid(const char *name);
/* The Unix time of local time "YYYY-MM-DDTHH:MM[:SS]" in zone tz; GC_EINVAL when malformed. */
GC_MUST_CHECK gc_status capacity_tz_to_utc(const char *tz, const char *local, int64_t *out);
/* Appends a VTIMEZONE for tz whose observances cover [from, to] (Unix seconds), CRLF lines. */
GC_MUST_CHECK gc_status capacity_tz_vtimezone(struct gc_buf *b, const char *tz, int64_t from, int64_t to);

/* --- input ---------------------------------------------------------------------------------- */

struct capacity_input {
	bool edit;
	bool form;
	json_t *content;            /* the fields given (create: all of them, defaults filled) */
	json_t *texts;              /* [{lang, title, description}] given, or NULL */
	json_t *one;                /* {lang?, title?, description?}: a form's text, or JSON's shorthand; or NULL */
	/* The envelope at creation. */
	enum gc_visibility visibility;
	int64_t shares[GC_ITEM_MAX_SHARES];
	size_t n_shares;
	bool draft;
	int64_t acting_for_org;
	/* An edit. */
	int64_t version;
	const char *note;
	json_t *errors;
	const char *first_error;
	const char *first_key;
	json_t *echo;
};

GC_MUST_CHECK gc_status capacity_input_read(struct gc_request *req, const struct capacity_kind *k, bool edit,
					    struct capacity_input *in);
GC_MUST_CHECK gc_status capacity_input_error(struct gc_request *req, struct capacity_input *in, const char *field,
					     const char *message_key);
void capacity_input_free(struct capacity_input *in);
/* The checks across fields, on the content as it will be stored (after an edit's merge). */
GC_MUST_CHECK gc_status capacity_input_check_content(struct gc_request *req, const struct capacity_kind *k,
						     json_t *content, struct capacity_input *in);
int64_t capacity_path_id(const struct gc_request *req);

/* --- stored entries -------------------------------------------------------------------------- */

/* An entry's row: kind, status, content (new reference) and the envelope's country. */
struct capacity_row {
	const struct capacity_kind *kind;
	const char *status;
	const char *starts_at, *ends_at;
	int64_t sequence;
	json_t *content;
	const char *country;
};
/* Reads entry id (no visibility check). GC_ENOTFOUND when it is no entry of this kind (k NULL: any). */
GC_MUST_CHECK gc_status capacity_row_read(struct gc_request *req, struct gc_db *db, int64_t id,
					  const struct capacity_kind *k, struct capacity_row *row);

/*
 * Stores entry id's content (a new row when create) with its tags and search
 * documents, in the caller's write transaction, after the envelope.
 */
GC_MUST_CHECK gc_status capacity_content_save(struct gc_item_ctx *ctx, struct gc_arena *arena,
					      const struct capacity_kind *k, int64_t id, int64_t owner,
					      const char *country, const json_t *content, bool create);

/* The text to show of content.texts: lang, else the reader's language, else the first. */
const json_t *capacity_text(const json_t *content, const char *lang);

/* --- pages ------------------------------------------------------------------------------------ */

GC_MUST_CHECK gc_status capacity_item_model(struct gc_request *req, struct gc_item_ctx *ctx,
					    const struct capacity_kind *k, int64_t id, json_t **out);
GC_MUST_CHECK gc_status capacity_form_model(struct gc_request *req, struct gc_item_ctx *ctx,
					    const struct capacity_kind *k, json_t *model, const json_t *values,
					    const json_t *errors);
/* Labels for a row of a list (topic names, kind, status, dates). */
GC_MUST_CHECK gc_status capacity_label_entry(struct gc_request *req, const struct capacity_kind *k, json_t *entry,
					     const json_t *content);
/*
 * Dates for people in lang (render/dates.h): an event's "when" (starts to
 * ends, local times), a need's or offer's "period" (from to until), and
 * "registration_deadline_label", each {text, begin, sep, end}; absent when
 * the content has no such dates.
 */
GC_MUST_CHECK gc_status capacity_when_labels(const char *lang, const struct capacity_kind *k, json_t *entry,
					     const json_t *content);
const char *capacity_replace(struct gc_request *req, const char *text, const char *name, const char *value);

/* Region names in the reader's language: [{value, label}] of M49 regions. */
GC_MUST_CHECK gc_status capacity_region_choices(struct gc_request *req, struct gc_db *db, json_t **out);

/* Matching (match.c): suggestions for a need (offers and events) or for an offer (open needs). */
GC_MUST_CHECK gc_status capacity_match_need(struct gc_request *req, struct gc_item_ctx *ctx, int64_t need_id,
					    const json_t *need, const char *need_country, json_t **out);
GC_MUST_CHECK gc_status capacity_match_offer(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *offer,
					     json_t **out);

/*
 * The rows of a list of kind k with the request's filters (list.c), raw:
 * LIST_COLUMNS with content as JSON text. published_only for feeds. *count
 * (may be NULL) gets the total.
 */
GC_MUST_CHECK gc_status capacity_query_rows(struct gc_request *req, struct gc_item_ctx *ctx,
					    const struct capacity_kind *k, bool published_only, int64_t limit,
					    int64_t offset, int64_t *count, json_t **rows);

/* iCalendar (ics.c). */

/*
 * The contact (contact.c): an assistance contact of the Points of Contact
 * directory, through the hooks of src/modules/module.h.
 *
 * capacity_contact_summary: contact id as ctx->principal may see it (the
 * hook's summary), GC_ENOTFOUND when it may not or there is none.
 * capacity_contact_choices: the assistance contacts of org_id (0: any) the
 * principal may see, for a form's <select>.
 * capacity_contact_addresses: the addresses to deliver an introduction to,
 * when contact id is owner_org's assistance contact.
 * capacity_contact_check: the content's "contact", if any, must be an
 * assistance contact the writer sees and owner owns; otherwise an input
 * error on "contact".
 */
GC_MUST_CHECK gc_status capacity_contact_summary(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t id,
						 json_t **summary);
GC_MUST_CHECK gc_status capacity_contact_choices(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t org_id,
						 json_t **out);
GC_MUST_CHECK gc_status capacity_contact_addresses(struct gc_db *db, int64_t id, int64_t owner_org, json_t **out);
GC_MUST_CHECK gc_status capacity_contact_check(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *content,
					       int64_t owner, struct capacity_input *in);

/* Handlers. */
gc_status capacity_event_list(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_ics_feed(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_ics_one(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_atom(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_list(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_list(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_show(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_show(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_show(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_new(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_new(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_new(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_edit_form(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_edit_form(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_edit_form(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_create(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_create(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_create(struct gc_request *req, struct gc_view *view);
gc_status capacity_event_update(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_update(struct gc_request *req, struct gc_view *view);
gc_status capacity_offer_update(struct gc_request *req, struct gc_view *view);
gc_status capacity_need_interest(struct gc_request *req, struct gc_view *view);
gc_status capacity_map(struct gc_request *req, struct gc_view *view);
gc_status capacity_map_svg(struct gc_request *req, struct gc_view *view);

gc_status capacity_subscription_show(struct gc_request *req, struct gc_view *view);
gc_status capacity_subscription_save(struct gc_request *req, struct gc_view *view);
/* The job "capacity.digest" (subscriptions.c). */
extern const struct gc_job_kind capacity_digest_job;

gc_status capacity_home(struct gc_request *req, json_t *home_model);
gc_status capacity_demo(struct gc_db *db);

#endif
