/*
 * The contacts module (issue 5): the directories of cyber and assistance
 * Points of Contact, ping tests that check they answer, and structured
 * requests between states.
 *
 * A contact is an item (auth/items.h: envelope, visibility, moderation,
 * history); this module keeps its content in `contacts` (item_id ->
 * items.id). Kinds: diplomatic and technical (the cyber contacts: restricted
 * unless the owner chooses otherwise) and assistance (capacity building).
 * States keep contacts of every kind; UN bodies and regional organisations
 * list assistance contacts (reviewed by the Secretariat, as their other
 * items); the Secretariat's admins act for a state that sent its
 * nominations by note verbale. The item's country is the state's.
 *
 *   contacts            the content: kind, function title, person, agency,
 *                       position, e-mail addresses and phone numbers (JSON
 *                       arrays), working hours, time zone, languages (JSON),
 *                       OpenPGP fingerprint, secure channels, notes,
 *                       last_confirmed (and how: "ping" or "editor")
 *   contact_ping_rounds a ping test: who started it, its scope, deadline,
 *                       reminder delay, state (open | closed)
 *   contact_ping_targets one contact in a round: the address written to,
 *                       token hashes, reminded_at, confirmed_at, and the
 *                       contact's kind, state and region when the round began
 *   contact_requests    a structured request between two states, and
 *   contact_request_messages its thread
 */
#ifndef GC_MODULES_CONTACTS_CONTACTS_H
#define GC_MODULES_CONTACTS_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "http/identity.h"
#include "modules/module.h"
#include "render/i18n.h"

#define CONTACTS_MODULE "contacts"
#define CONTACTS_MIGRATION_COUNT 2
extern const struct gc_migration contacts_migrations[CONTACTS_MIGRATION_COUNT];

/* Limits of one contact (bytes unless said otherwise). */
#define CONTACTS_MAX_LINE 300           /* function title, name, agency, position */
#define CONTACTS_MAX_EMAILS 5
#define CONTACTS_MAX_EMAIL 254
#define CONTACTS_MAX_PHONES 5
#define CONTACTS_MAX_HOURS 200          /* working hours, free text on one line */
#define CONTACTS_MAX_TZ 64
#define CONTACTS_MAX_LANGUAGES 8        /* entries */
#define CONTACTS_MAX_CHANNELS 1000      /* secure channels, text */
#define CONTACTS_MAX_NOTES 4096
#define CONTACTS_MAX_BODY (64 * 1024)   /* a create or edit request */
/* Listings and exports. */
#define CONTACTS_PAGE_SIZE 50
#define CONTACTS_MAX_PER_PAGE 100
#define CONTACTS_MAX_PAGE 1000
#define CONTACTS_MAX_COUNTRY_FILTERS 16
#define CONTACTS_EXPORT_MAX_ROWS 5000   /* CSV, vCard and the printable directory */
#define CONTACTS_EXPORT_MAX_BYTES (32u << 20)

/* An E.164 number: '+', then 8 to 15 digits, the first not 0. */
#define CONTACTS_E164_MAX 16

extern const char *const contacts_kinds[];   /* diplomatic, technical, assistance; NULL-terminated */
bool contacts_is_kind(const char *s);
bool contacts_is_cyber_kind(const char *s); /* diplomatic or technical */

/* --- validators (validate.c), pure functions for the unit tests --------------------------- */

/*
 * A phone number as E.164: an optional leading "+" is required, digits with
 * spaces, dots, hyphens and parentheses as separators, which are dropped.
 * out (CONTACTS_E164_MAX + 1 bytes) gets "+41227917000". false when it is
 * not 8 to 15 digits with a country code not starting with 0.
 */
bool contacts_phone_normalise(const char *in, char *out, size_t out_size);
/*
 * An e-mail address a person can be written to: what gc_mail_address_ok
 * accepts, plus a domain of at least two labels of letters, digits and
 * hyphens (not at either end of a label), a local part without leading,
 * trailing or double dots. At most CONTACTS_MAX_EMAIL bytes.
 */
bool contacts_email_ok(const char *s);
/* An IANA time zone name known to the system's tz database (zoneinfo_dir,
 * NULL: /usr/share/zoneinfo): "Area/Location" style, or "UTC". */
bool contacts_tz_ok(const char *name, const char *zoneinfo_dir);
/* A language: ISO 639-1 or 639-2/3 code, two or three lower-case letters. */
bool contacts_lang_ok(const char *s);
/*
 * An OpenPGP fingerprint: 40 (v4) or 64 (v5, v6) hex digits, in either case,
 * with spaces allowed between them. out (65 bytes) gets the upper-case
 * digits without spaces.
 */
bool contacts_fingerprint_normalise(const char *in, char *out, size_t out_size);

/* --- vCard 4.0 (vcard.c) ------------------------------------------------------------------- */

/* One contact as the vCard writer needs it (borrowed strings; NULL: none). */
struct contacts_card {
	int64_t id;
	const char *kind;
	const char *function_title;
	const char *person_name;
	const char *agency;
	const char *position;
	const char *const *emails;
	size_t n_emails;
	const char *const *phones;
	size_t n_phones;
	const char *time_zone;
	const char *working_hours;
	const char *const *languages;
	size_t n_languages;
	const char *fingerprint;
	const char *secure_channels;
	const char *notes;
	const char *country;       /* ISO3 */
	const char *country_name;  /* in the reader's language */
	const char *org_name;      /* the owner organisation */
	const char *updated_at;    /* ISO 8601 */
	const char *url;           /* absolute or path, e.g. "/contacts/12" */
};

/*
 * Appends one vCard 4.0 (RFC 6350): BEGIN, VERSION, FN, N, ORG, TITLE, ROLE,
 * EMAIL, TEL (VALUE=uri, tel:), TZ, LANG, KEY (OpenPGP fingerprint as
 * a data-less URI "openpgp4fpr:"), NOTE, CATEGORIES, ADR (country only),
 * REV, UID, SOURCE, END; values escaped (\\ , ; newline), lines folded at
 * 75 octets without splitting a UTF-8 sequence, CRLF line ends.
 */
void contacts_vcard_append(struct gc_buf *b, const struct contacts_card *card);

/* --- content and input (input.c) ---------------------------------------------------------- */

/* A contact's content (strings in the request's arena or borrowed from the request). */
struct contacts_content {
	const char *kind;
	const char *function_title;
	const char *person_name;     /* NULL: none (a function only) */
	const char *agency;
	const char *position;
	const char *emails[CONTACTS_MAX_EMAILS];
	size_t n_emails;
	const char *phones[CONTACTS_MAX_PHONES];  /* E.164 */
	size_t n_phones;
	const char *working_hours;
	const char *time_zone;
	const char *languages[CONTACTS_MAX_LANGUAGES];
	size_t n_languages;
	const char *fingerprint;     /* 40 or 64 upper-case hex digits */
	const char *secure_channels;
	const char *notes;
	const char *country;         /* the item's */
	const char *last_confirmed;  /* ISO 8601 or NULL */
	const char *last_confirmed_how;
};

/* Which fields a request gave (an edit through JSON changes only those). */
enum {
	CONTACTS_HAS_KIND = 1u << 0,
	CONTACTS_HAS_FUNCTION = 1u << 1,
	CONTACTS_HAS_PERSON = 1u << 2,
	CONTACTS_HAS_AGENCY = 1u << 3,
	CONTACTS_HAS_POSITION = 1u << 4,
	CONTACTS_HAS_EMAILS = 1u << 5,
	CONTACTS_HAS_PHONES = 1u << 6,
	CONTACTS_HAS_HOURS = 1u << 7,
	CONTACTS_HAS_TZ = 1u << 8,
	CONTACTS_HAS_LANGUAGES = 1u << 9,
	CONTACTS_HAS_FINGERPRINT = 1u << 10,
	CONTACTS_HAS_CHANNELS = 1u << 11,
	CONTACTS_HAS_NOTES = 1u << 12,
};

struct contacts_input {
	bool edit, form;
	unsigned has;                /* CONTACTS_HAS_* */
	struct contacts_content c;   /* the fields given, normalised */
	/* The envelope at creation. */
	enum gc_visibility visibility;
	int64_t shares[GC_ITEM_MAX_SHARES];
	size_t n_shares;
	bool draft;
	int64_t acting_for_org;
	/* An edit. */
	int64_t version;
	const char *note;
	/* What is wrong: {field: message}, the first field and its message key; the raw form values. */
	json_t *errors;
	const char *first_error;
	const char *first_key;
	json_t *echo;
};

GC_MUST_CHECK gc_status contacts_input_read(struct gc_request *req, bool edit, struct contacts_input *in);
GC_MUST_CHECK gc_status contacts_input_error(struct gc_request *req, struct contacts_input *in, const char *field,
					     const char *message_key);
void contacts_input_free(struct contacts_input *in);

/* Reads contact id's content (no visibility check: the caller made it). GC_ENOTFOUND when not a contact. */
GC_MUST_CHECK gc_status contacts_content_read(struct gc_request *req, struct gc_db *db, int64_t id,
					      struct contacts_content *c);
/* The content as JSON (the API's and the snapshot's form). NULL when out of memory. */
json_t *contacts_content_json(const struct contacts_content *c);
/* Stores the content of item id: a new row (create) or a replacement, in the caller's transaction. */
GC_MUST_CHECK gc_status contacts_content_store(struct gc_db *db, int64_t id, const struct contacts_content *c,
					       bool create);

/* --- pages and handlers -------------------------------------------------------------------- */

/* The item id of path parameter 0, or 0 when it is not a positive integer. */
int64_t contacts_path_id(const struct gc_request *req);
/* Sets "<field>_label", the stored UTC instant for people, beside each of fields (NULL-ended). */
GC_MUST_CHECK gc_status contacts_label_times(struct gc_request *req, json_t *obj, const char *const *fields);
/* The i18n key of a kind's label ("contacts.kind_technical"). */
const char *contacts_kind_key(struct gc_request *req, const char *kind);
/* Whether the principal may see ping results and requests at all: states and the Secretariat. */
bool contacts_is_state_or_secretariat(const struct gc_principal *p);

gc_status contacts_list(struct gc_request *req, struct gc_view *view);
gc_status contacts_csv(struct gc_request *req, struct gc_view *view);
gc_status contacts_vcf(struct gc_request *req, struct gc_view *view);
gc_status contacts_print(struct gc_request *req, struct gc_view *view);
gc_status contacts_show(struct gc_request *req, struct gc_view *view);
gc_status contacts_show_vcf(struct gc_request *req, struct gc_view *view);
gc_status contacts_new(struct gc_request *req, struct gc_view *view);
gc_status contacts_edit_form(struct gc_request *req, struct gc_view *view);
gc_status contacts_create(struct gc_request *req, struct gc_view *view);
gc_status contacts_update(struct gc_request *req, struct gc_view *view);
gc_status contacts_confirm(struct gc_request *req, struct gc_view *view);

/* Ping tests (ping.c). */
#define CONTACTS_PING_MAX_DAYS 60          /* a round's deadline: at most this far ahead */
#define CONTACTS_PING_MIN_REMINDER_H 1
#define CONTACTS_PING_MAX_REMINDER_H (24 * 30)
#define CONTACTS_PING_MAX_TARGETS 5000     /* contacts in one round */
#define CONTACTS_PING_TOKEN_BYTES 32
#define CONTACTS_PING_REMIND_JOB "contacts.ping_remind"
#define CONTACTS_PING_CLOSE_JOB "contacts.ping_close"
extern const struct gc_job_kind contacts_ping_remind_job;
extern const struct gc_job_kind contacts_ping_close_job;
gc_status contacts_pings(struct gc_request *req, struct gc_view *view);
gc_status contacts_ping_new(struct gc_request *req, struct gc_view *view);
gc_status contacts_ping_start(struct gc_request *req, struct gc_view *view);
gc_status contacts_ping_round(struct gc_request *req, struct gc_view *view);
gc_status contacts_ping_page(struct gc_request *req, struct gc_view *view);
gc_status contacts_ping_answer(struct gc_request *req, struct gc_view *view);

/* Structured requests between states (requests.c). */
#define CONTACTS_REQUEST_MAX_SUBJECT 300
#define CONTACTS_REQUEST_MAX_TEXT (32 * 1024)
#define CONTACTS_REQUEST_MAX_MESSAGES 200  /* replies in one thread */
#define CONTACTS_REQUEST_MAX_FILES 5       /* files on one message (the request's or a reply's) */
gc_status contacts_requests(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_new(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_create(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_show(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_ack(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_reply(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_stats(struct gc_request *req, struct gc_view *view);
gc_status contacts_request_file(struct gc_request *req, struct gc_view *view);

gc_status contacts_home(struct gc_request *req, json_t *home_model);
gc_status contacts_demo(struct gc_db *db);

/* The assistance-contact hooks of src/modules/module.h (link.c). */
gc_status contacts_assistance_contact(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t contact_id,
				      json_t **summary);
gc_status contacts_assistance_contacts(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t org_id, json_t **out);
gc_status contacts_assistance_addresses(struct gc_db *db, int64_t contact_id, int64_t owner_org, json_t **out);
gc_status contacts_profile(struct gc_request *req, const char *iso3, json_t *section);

#endif
