/*
 * The policies module: the global repository of national cyber policies,
 * laws, doctrines and regional frameworks (issue 4). Each policy is an item
 * (auth/items.h: envelope, visibility, moderation, history); this module
 * keeps its content:
 *
 *   policies        (item_id -> items.id) kind, policy_status, adopted (a
 *                   date or NULL), adopted_year (for year filters), source_url,
 *                   supersedes (the id of the policy this one replaces, or
 *                   NULL), topics (the topic keys as a JSON array, for lists)
 *   policy_texts    (item_id, lang) title and Markdown summary, one row per
 *                   language, position 0 first (the text shown when the
 *                   reader's language has none)
 *   policy_topics   (item_id, topic) for the topic filter
 *   policy_topic_list  the topic taxonomy of data/policy-topics.csv
 *
 * The item's envelope title is its first text's title, its languages the
 * texts' languages, its country the policy's state. Every change writes the
 * content in the same transaction as the envelope, and puts one search
 * document per language (title, summary) with the envelope's access fields.
 */
#ifndef GC_MODULES_POLICIES_POLICIES_H
#define GC_MODULES_POLICIES_POLICIES_H

#include "http/identity.h"
#include "modules/module.h"
#include "render/i18n.h"

#define POLICIES_MODULE "policies"
#define POLICIES_MIGRATION_COUNT 1
extern const struct gc_migration policies_migrations[POLICIES_MIGRATION_COUNT];

/* Limits of one policy (bytes unless said otherwise). */
#define POLICIES_MAX_TEXTS GC_LANG_COUNT   /* one text per UN language */
#define POLICIES_MAX_SUMMARY (64 * 1024)   /* Markdown */
#define POLICIES_MAX_TOPICS 16             /* entries */
#define POLICIES_MAX_TOPIC_KEY 32
#define POLICIES_MAX_URL 2048
#define POLICIES_MAX_BODY (512 * 1024)     /* a create or edit request */
/* Listings. */
#define POLICIES_PAGE_SIZE 20
#define POLICIES_MAX_PER_PAGE 100
#define POLICIES_MAX_PAGE 1000
#define POLICIES_MAX_COUNTRY_FILTERS 16
#define POLICIES_MAX_NOTICES 20            /* public notices shown with the first page of a list */
#define POLICIES_CSV_MAX_ROWS 50000        /* rows of one CSV export: narrow the filters for more */
#define POLICIES_CSV_MAX_BYTES (64u << 20)
#define POLICIES_EXCERPT_CHARS 240
#define POLICIES_JSON_MAX_ROWS POLICIES_CSV_MAX_ROWS /* rows of one JSON export */
#define POLICIES_JSON_MAX_BYTES (64u << 20)
#define POLICIES_FEED_MAX_ENTRIES 100
#define POLICIES_PROFILE_MAX_ROWS 200      /* policies on a country profile */
/* The comparison of states (compare.c). */
#define POLICIES_COMPARE_MAX 3             /* states side by side */
#define POLICIES_COMPARE_MAX_PARAMS 16     /* values of "c" the router accepts (repeats fold) */
#define POLICIES_COMPARE_MAX_ROWS 5000     /* policies read per state */      /* entries of one Atom feed: the newest changes */

/* The taxonomies: NULL-terminated, in the order forms offer them. */
extern const char *const policies_kinds[];
extern const char *const policies_statuses[];

/* A topic of data/policy-topics.csv: its key and its names in the order of gc_langs. */
struct policies_topic {
	char key[POLICIES_MAX_TOPIC_KEY + 1];
	char *names[GC_LANG_COUNT];
};

#define POLICIES_MAX_TAXONOMY 64
struct policies_taxonomy {
	struct policies_topic topics[POLICIES_MAX_TAXONOMY];
	size_t count;
};

/* Read once at start-up (policies_init), then shared read-only by every thread. */
extern struct policies_taxonomy policies_taxonomy;
/* Reads data/policy-topics.csv into t (names malloc'd); GC_EINVAL when malformed. */
GC_MUST_CHECK gc_status policies_taxonomy_load(struct policies_taxonomy *t);
void policies_taxonomy_free(struct policies_taxonomy *t);
const struct policies_topic *policies_topic_find(const char *key);
/* The topic's name in lang (English when lang has none). */
const char *policies_topic_name(const struct policies_topic *topic, const char *lang);

bool policies_is_kind(const char *s);
bool policies_is_status(const char *s);
/* The i18n key of a kind's or a status's label ("policies.kind_law_regulation"). */
const char *policies_kind_key(struct gc_request *req, const char *kind);
const char *policies_status_key(struct gc_request *req, const char *status);

/* --- input of the create and edit forms and their JSON twins ------------------------ */

struct policies_text {
	const char *lang;
	const char *title;
	const char *summary; /* "" when none */
};

struct policies_input {
	bool edit;            /* an edit: only what is given changes (a form gives everything) */
	bool form;            /* the body was a form, not JSON */
	/*
	 * Content; has_* tell whether the request gave the field. "one" is the
	 * text of the fields title, summary and lang (lang NULL: the reader's
	 * language at creation, the first text's at an edit); texts is the JSON
	 * list of texts (at creation: more languages; at an edit: all of them).
	 */
	struct policies_text one;
	bool has_one;
	bool one_has_title;   /* an edit through JSON may leave the title or the summary as they are */
	bool one_has_summary;
	struct policies_text texts[POLICIES_MAX_TEXTS];
	size_t n_texts;
	bool has_texts;
	const char *kind;
	bool has_kind;
	const char *country;  /* NULL: none */
	bool has_country;
	const char *topics[POLICIES_MAX_TOPICS];
	size_t n_topics;
	bool has_topics;
	const char *adopted;  /* YYYY-MM-DD or NULL */
	bool has_adopted;
	const char *policy_status;
	bool has_policy_status;
	const char *source_url; /* NULL: none */
	bool has_source_url;
	int64_t supersedes;   /* 0: none */
	bool has_supersedes;
	/* The envelope at creation. */
	enum gc_visibility visibility;
	int64_t shares[GC_ITEM_MAX_SHARES];
	size_t n_shares;
	const char *notice_title;
	const char *notice_summary;
	int64_t release_at;
	bool draft;
	int64_t acting_for_org;
	/* An edit. */
	int64_t version;
	const char *note;
	/* What is wrong: {field: message} in the reader's language, and the first field at fault. */
	json_t *errors;
	const char *first_error;
	const char *first_key;
	/* The raw values, to show the form again as it was sent. */
	json_t *echo;
};

/*
 * Reads and checks a create (edit false) or edit request, form or JSON,
 * into in (strings borrowed from the request). Problems go to in->errors;
 * returns GC_OK even then, GC_ENOMEM or GC_EHTTP (a malformed body) else.
 */
GC_MUST_CHECK gc_status policies_input_read(struct gc_request *req, bool edit, struct policies_input *in);
/* Records a problem with field (the first one is the one the API names). */
GC_MUST_CHECK gc_status policies_input_error(struct gc_request *req, struct policies_input *in, const char *field,
					     const char *message_key);
void policies_input_free(struct policies_input *in);
/* The item id of path parameter 0, or 0 when it is not a positive integer. */
int64_t policies_path_id(const struct gc_request *req);

/* --- content ------------------------------------------------------------------------------ */

/* A policy's content as stored (strings in the request's arena or borrowed from the request). */
struct policies_content {
	struct policies_text texts[POLICIES_MAX_TEXTS];
	size_t n_texts;
	const char *kind;
	const char *policy_status;
	const char *adopted;    /* NULL: unknown */
	const char *source_url; /* NULL: none */
	const char *country;    /* the item's, NULL: none */
	int64_t supersedes;     /* 0: none */
	const char *topics[POLICIES_MAX_TOPICS];
	size_t n_topics;
};

/* Reads policy id's content (no visibility check: the caller made it). GC_ENOTFOUND when not a policy. */
GC_MUST_CHECK gc_status policies_content_read(struct gc_request *req, struct gc_db *db, int64_t id,
					      struct policies_content *c);
/* The same with the strings in arena (for work outside a request: jobs). */
GC_MUST_CHECK gc_status policies_content_read_in(struct gc_arena *arena, struct gc_db *db, int64_t id,
						 struct policies_content *c);
/* The content as JSON, for a version's snapshot and the API: {kind, policy_status, adopted, source_url,
 * supersedes, topics, texts: [{lang, title, summary}]}. NULL when out of memory. */
json_t *policies_content_json(const struct policies_content *c);

/*
 * Stores the content of item id (a new row when create, else a replacement)
 * and puts its search documents, in the caller's write transaction; the
 * envelope must be written already (its access fields go to the index).
 */
GC_MUST_CHECK gc_status policies_content_save(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t id,
					      const struct policies_content *c, bool create);

/*
 * Puts the search documents of policy id again from what is stored (texts,
 * attachments' text, envelope), in the caller's write transaction; for
 * work outside a request (the attachment text job). GC_ENOTFOUND when id is
 * not a policy.
 */
GC_MUST_CHECK gc_status policies_reindex(struct gc_db *db, int64_t id);

/* --- attachments (attachments.c, docs/attachments.md) ------------------------------------- */

#define POLICIES_ATTACHMENT_JOB "policies.attachment_text"
extern const struct gc_job_kind policies_attachment_job;

/*
 * Adds "attachments" to a policy's model (everyone who sees the item sees
 * its files; text_error only when can_edit) and, for editors' pages, what
 * the upload form needs. GC_ENOMEM, or the store's error.
 */
GC_MUST_CHECK gc_status policies_attachments_model(struct gc_request *req, struct gc_db *db, int64_t id, bool can_edit,
						   int64_t version, json_t *model);

/* Adds "attachments" (the files' rows, without extraction state) to a version's content snapshot. */
GC_MUST_CHECK gc_status policies_attachments_snapshot(struct gc_db *db, int64_t id, json_t *content);

gc_status policies_attachment_list(struct gc_request *req, struct gc_view *view);
gc_status policies_attachment_get(struct gc_request *req, struct gc_view *view);
gc_status policies_attachment_upload(struct gc_request *req, struct gc_view *view);
gc_status policies_attachment_remove(struct gc_request *req, struct gc_view *view);

/* --- pages and their models ------------------------------------------------------------ */

/*
 * The model of policy id as the caller may see it (GET /policies/{id}):
 * the envelope (decorated for the panel), the content, the texts and the
 * one to show (text_lang, or the reader's language, or the first).
 * GC_ENOTFOUND when the caller may not see it or it is not a policy.
 */
GC_MUST_CHECK gc_status policies_item_model(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id,
					    const char *text_lang, json_t **out);
/* Fills a form page's model (choices, values, errors): for a new policy (id 0) or an edit. */
GC_MUST_CHECK gc_status policies_form_model(struct gc_request *req, struct gc_item_ctx *ctx, json_t *model,
					    const json_t *values, const json_t *errors);

/*
 * The rows of the list that the request's filters select (list.c), as the
 * caller may see them: LIST_COLUMNS plus updated_at and published_at, by
 * the request's sort, or newest change first when by_update; at most limit.
 * Opens a read transaction on ctx->db: the caller closes the cursor, then
 * rolls the transaction back. GC_EHTTP (400) for a malformed filter.
 */
GC_MUST_CHECK gc_status policies_list_cursor(struct gc_request *req, struct gc_item_ctx *ctx, bool by_update,
					     int64_t limit, struct gc_cursor **out);
/* Shapes a row of that cursor into the API list's item (adds href, labels, excerpt; drops raw columns). */
GC_MUST_CHECK gc_status policies_list_shape(struct gc_request *req, json_t *row);
/* Appends the list's filters as the request gave them, the first preceded by first, skipping skip (or NULL). */
void policies_list_query_string(const struct gc_request *req, struct gc_buf *b, char first, const char *skip);

/*
 * Adds to a policy's model its recent changes (changes.c): "changes", the
 * newest versions of its history the caller may see (at most 5), each
 * {version, changed_at, changed_by, note, first, fields: the labels of what
 * changed since the version before}, "has_changes", "more_changes" and
 * "history_href".
 */
GC_MUST_CHECK gc_status policies_changes(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, json_t *model);

gc_status policies_list(struct gc_request *req, struct gc_view *view);
gc_status policies_atom(struct gc_request *req, struct gc_view *view);
gc_status policies_json_export(struct gc_request *req, struct gc_view *view);
gc_status policies_csv(struct gc_request *req, struct gc_view *view);
gc_status policies_compare(struct gc_request *req, struct gc_view *view);
gc_status policies_show(struct gc_request *req, struct gc_view *view);
gc_status policies_new(struct gc_request *req, struct gc_view *view);
gc_status policies_edit_form(struct gc_request *req, struct gc_view *view);
gc_status policies_create(struct gc_request *req, struct gc_view *view);
gc_status policies_update(struct gc_request *req, struct gc_view *view);

gc_status policies_home(struct gc_request *req, json_t *home_model);
gc_status policies_profile(struct gc_request *req, const char *iso3, json_t *section);
gc_status policies_org_profile(struct gc_request *req, int64_t org_id, json_t *section);
/*
 * Adds to a country profile's section (profile.c) what the policies module
 * shows beyond the flat list: "groups" (the policies by kind, in the
 * taxonomy's order), "timeline" (by year adopted, oldest first, with the
 * undated apart) and "chart" (a small bar chart of the timeline, drawn as
 * SVG by the template), and the "compare_href" of the state (iso3 NULL: an
 * organisation's profile, no comparison). rows are the
 * shaped rows of the profile's list, visible to the caller.
 */
GC_MUST_CHECK gc_status policies_profile_extras(struct gc_request *req, const char *iso3, const json_t *rows,
						json_t *section);
gc_status policies_demo(struct gc_db *db);

#endif
