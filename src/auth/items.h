/*
 * The shared envelope of every shareable item (DESIGN.md "The shared
 * envelope and who may see what") and the operations on it: create, load,
 * edit, submit, review, withdraw, visibility and sharing, public notice,
 * scheduled release, history and the review queue. A module keeps its own
 * content in its own table, keyed by the item's id (which is global across
 * modules and is also the search index's item_id), and calls these
 * operations for everything the envelope decides.
 *
 * Tables (migrations gc_items_migrations, component "items", applied after
 * "auth", which gives organisations.four_eyes and users):
 *   items          one row per item: the envelope, provenance, review state,
 *                  public notice and scheduled release
 *   item_shares    (item_id, org_id): the sharing list of a named item
 *   item_versions  a snapshot (JSON: {"envelope": {...}, "content": ...}) of
 *                  each published version whose content the module passed
 *   settings       the row restricted_includes_observers, '0'
 *
 * Every operation that writes runs in one write transaction and appends
 * exactly one audit record (auth/audit.h: item.create, item.edit,
 * item.submit, item.publish, item.reject, item.withdraw, item.visibility,
 * item.release) and bumps the change counter, all committed together. When
 * the caller already has a write transaction open (gc_db_begin_write), the
 * operation joins it and leaves the commit to the caller, so a module writes
 * its content in the same transaction as the envelope. Whatever the case, an
 * operation that fails rolls the transaction back, the caller's included
 * (PostgreSQL refuses every later statement of a failed transaction anyway):
 * after an error no transaction is open. Each operation also brings the
 * envelope columns of the item's search documents (search_docs.visibility,
 * status) up to date in the same transaction.
 *
 * Errors shared by every operation:
 *   GC_ENOTFOUND  no such item, or the principal may not see it, or may not
 *                 do this to it (someone else's writes answer exactly like a
 *                 missing item: SECURITY.md Z1, Z4)
 *   GC_ECONFLICT  the item's status does not allow the operation, or its
 *                 version is no longer expected_version (someone else
 *                 changed it: reload and retry)
 *   GC_EINVAL     an input is malformed or not the caller's to set;
 *                 ctx->field names it (SECURITY.md I1, Z5)
 *   GC_ETOOBIG    the content given for a version snapshot is over
 *                 GC_ITEM_MAX_SNAPSHOT once serialised (ctx->field "content")
 *   GC_EDB, GC_EBUSY, GC_ENOMEM, ...  the store failed
 */
#ifndef GC_AUTH_ITEMS_H
#define GC_AUTH_ITEMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/policy.h"
#include "base/arena.h"
#include "base/status.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_ITEMS_COMPONENT "items"
#define GC_ITEMS_MIGRATION_COUNT 1

/* Apply with gc_migrate_component(db, GC_ITEMS_COMPONENT, gc_items_migrations,
 * GC_ITEMS_MIGRATION_COUNT, ...) after the "auth" component. */
extern const struct gc_migration gc_items_migrations[GC_ITEMS_MIGRATION_COUNT];

/*
 * The job kind "items.release": makes public every item whose scheduled
 * release time has passed (gc_items_release_due with the clock's time).
 * Setting a release time queues one such job for that time; the job releases
 * whatever is due when it runs, so a changed or cancelled schedule needs no
 * clean-up. Register it with the job runner (the core module lists it).
 */
#define GC_ITEMS_RELEASE_JOB "items.release"
extern const struct gc_job_kind gc_items_release_job;

/* Limits (bytes unless said otherwise). */
#define GC_ITEM_MAX_MODULE 32
#define GC_ITEM_MAX_TITLE 500
#define GC_ITEM_MAX_LANGUAGES 16      /* entries */
#define GC_ITEM_MAX_SHARES 100        /* organisations on a sharing list */
#define GC_ITEM_MAX_NOTICE_TITLE 300
#define GC_ITEM_MAX_NOTICE_SUMMARY 2000
#define GC_ITEM_MAX_NOTE 2000         /* a change note or a rejection reason */
#define GC_ITEM_MAX_SNAPSHOT (1 << 20) /* a version's snapshot, serialised */
#define GC_ITEM_MAX_PAGE 100          /* rows of one listing */
#define GC_ITEM_MAX_OFFSET 10000
#define GC_ITEM_MAX_HISTORY 1000      /* versions listed, newest first */

/*
 * Who is acting, and how: the first argument of every operation. Built by
 * the caller for one request (or one job) and used by one thread.
 */
struct gc_item_ctx {
	struct gc_db *db;
	const struct gc_principal *principal;  /* NULL: an anonymous visitor */
	bool restricted_includes_observers;     /* gc_policy_read_observers(), once per request */
	const char *client_ip;                  /* for the audit record; NULL when unknown */
	int64_t now_ms;                         /* the time of the operation, Unix ms; 0: the clock */
	const char *field;                      /* out: the input field at fault after GC_EINVAL */
};

/*
 * A new item: everything a caller may choose. The owner, status, id, version,
 * provenance and review fields are the portal's to set, never inputs
 * (SECURITY.md Z5). Strings and arrays are borrowed for the call.
 *
 * The owner is the principal's organisation; a Secretariat admin may instead
 * name the organisation it acts for (acting_for_org), and is then recorded as
 * uploaded_by. The status follows from who acts for whom:
 *   - draft when asked (not when acting for another organisation: the
 *     Secretariat never sees another organisation's draft);
 *   - otherwise member and observer states and the Secretariat publish at
 *     once, except an editor of a state whose organisation has four_eyes:
 *     pending, approval four_eyes (an admin of that state reviews);
 *   - items of UN bodies, regional organisations and stakeholders are
 *     pending, approval secretariat, whoever uploads them.
 * visibility GC_VIS_DEFAULT is restricted for states' items and public for
 * everyone else's. named needs 1..GC_ITEM_MAX_SHARES distinct existing
 * organisations in shares; other visibilities take no shares. A notice and a
 * release time are only for restricted and named items; release_at must be
 * in the future.
 */
struct gc_item_new {
	const char *module;          /* [a-z][a-z0-9_]*, at most GC_ITEM_MAX_MODULE */
	const char *title;           /* the owner's reference title: one line, 1..GC_ITEM_MAX_TITLE */
	const char *country;         /* ISO 3166-1 alpha-3 the item concerns, or NULL */
	const char *const *languages; /* 2 or 3 lower-case letters each, distinct */
	size_t n_languages;
	enum gc_visibility visibility;
	const int64_t *shares;       /* organisation ids, for named */
	size_t n_shares;
	const char *notice_title;    /* NULL: no notice */
	const char *notice_summary;  /* NULL or text, only with a notice_title */
	int64_t release_at;          /* Unix seconds; 0: none */
	bool draft;
	int64_t acting_for_org;      /* 0: the principal's own organisation */
	const json_t *content;       /* the module's content, for the version snapshot; may be NULL */
};

/* Which fields of struct gc_item_edit to change. The bits of the two sets
 * differ, so a flag given to the wrong operation is refused (field "fields"). */
enum {
	GC_ITEM_SET_TITLE = 1u << 0,
	GC_ITEM_SET_COUNTRY = 1u << 1,
	GC_ITEM_SET_LANGUAGES = 1u << 2,
};
#define GC_ITEM_EDIT_FIELDS (GC_ITEM_SET_TITLE | GC_ITEM_SET_COUNTRY | GC_ITEM_SET_LANGUAGES)

/* An edit of an item's descriptive fields and content. */
struct gc_item_edit {
	unsigned fields;             /* GC_ITEM_SET_* */
	const char *title;
	const char *country;         /* NULL clears it */
	const char *const *languages;
	size_t n_languages;
	const json_t *content;       /* the module's content after the edit, for the snapshot; may be NULL */
	const char *note;            /* why, for the history; NULL or 1..GC_ITEM_MAX_NOTE */
};

/* Which fields of struct gc_item_access to change. */
enum {
	GC_ITEM_SET_VISIBILITY = 1u << 8, /* visibility and shares together */
	GC_ITEM_SET_NOTICE = 1u << 9,
	GC_ITEM_SET_RELEASE = 1u << 10,
};
#define GC_ITEM_ACCESS_FIELDS (GC_ITEM_SET_VISIBILITY | GC_ITEM_SET_NOTICE | GC_ITEM_SET_RELEASE)

/*
 * Who may read an item: visibility and sharing list, public notice,
 * scheduled release. Becoming public clears the sharing list, the notice and
 * the release time.
 */
struct gc_item_access {
	unsigned fields;             /* GC_ITEM_SET_* above */
	enum gc_visibility visibility; /* not GC_VIS_DEFAULT */
	const int64_t *shares;
	size_t n_shares;
	const char *notice_title;    /* NULL removes the notice */
	const char *notice_summary;
	int64_t release_at;          /* Unix seconds in the future; 0 cancels */
};

/*
 * Creates an item; *id gets its id. The module then stores its content under
 * that id (in the same transaction when it opened one).
 */
GC_MUST_CHECK gc_status gc_item_create(struct gc_item_ctx *ctx, const struct gc_item_new *in, int64_t *id);

/*
 * The envelope of item id as the policy sees it, for a module's own checks
 * (gc_policy_can_edit, ...) and for gc_search_put. Strings and the share
 * list live in arena. GC_ENOTFOUND when there is no such item or the
 * principal may not see it.
 */
GC_MUST_CHECK gc_status gc_item_get(struct gc_item_ctx *ctx, int64_t id, struct gc_arena *arena,
				    struct gc_item_envelope *out);

/*
 * The envelope as JSON (a new reference for the caller):
 *   {"id", "module", "title", "country", "languages": [...],
 *    "owner": {"id", "name", "kind"}, "visibility", "status",
 *    "approval" (null unless pending), "version",
 *    "created_at", "updated_at", "submitted_at", "reviewed_at",
 *    "published_at", "withdrawn_at" (UTC ISO 8601 or null),
 *    "created_by", "uploaded_by", "submitted_by", "reviewed_by":
 *        {"id", "name", "organisation"} or null,
 *    "review_note", "shares": [{"id", "name"}],
 *    "notice": {"title", "summary"} or null, "release_at",
 *    "can": {"edit", "submit", "withdraw", "review"}}
 * The people behind an item (id and name in the provenance objects), the
 * review note and the sharing list are shown to the owner organisation and
 * the Secretariat only; everyone else gets null there (and the organisation
 * of each person), as one organisation's staff and the others it shares with
 * are not another's business. GC_ENOTFOUND as gc_item_get.
 */
GC_MUST_CHECK gc_status gc_item_load(struct gc_item_ctx *ctx, int64_t id, json_t **out);

/*
 * Edits title, country, languages and content (gc_policy_can_edit), if the
 * item is still at expected_version. The version goes up by one. When the
 * item is published, its new state is kept in item_versions, and an edit
 * that needs review sends it back to pending (nothing unreviewed is ever
 * public): an edit by anyone acting for a UN body, regional organisation or
 * stakeholder (approval secretariat) or by an editor of a four-eyes state
 * (approval four_eyes). Editing a pending item makes the editor its
 * submitter (who then may not review it). Audit: item.edit.
 */
GC_MUST_CHECK gc_status gc_item_update(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version,
				       const struct gc_item_edit *in);

/*
 * Changes visibility and sharing list, notice or scheduled release
 * (gc_policy_can_edit). A change that widens who may read a published item
 * (a visibility not within the old one, a new or changed notice, a new or
 * changed release time) sends it back to pending when the item's edits need
 * review (see gc_item_update). Audit: item.visibility.
 */
GC_MUST_CHECK gc_status gc_item_set_access(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version,
					   const struct gc_item_access *in);

/* Submits a draft (gc_policy_can_edit): published or pending by the rules of
 * struct gc_item_new. GC_ECONFLICT unless draft. Audit: item.submit. */
GC_MUST_CHECK gc_status gc_item_submit(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version);

/*
 * Review decisions on a pending item (gc_policy_can_review): publish, or
 * reject back to draft with reason (1..GC_ITEM_MAX_NOTE, kept in review_note
 * for the owner). A rejected item must be submitted again to be published.
 * GC_ECONFLICT unless pending. Audit: item.publish, item.reject.
 */
GC_MUST_CHECK gc_status gc_item_publish(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version);
GC_MUST_CHECK gc_status gc_item_reject(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version,
				       const char *reason);

/*
 * Withdraws an item (gc_policy_can_withdraw). It is kept, never deleted, and
 * afterwards only its owner and the Secretariat see it; nobody edits it.
 * GC_ECONFLICT when already withdrawn. Audit: item.withdraw.
 */
GC_MUST_CHECK gc_status gc_item_withdraw(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version);

/*
 * The item's versions, newest first (at most GC_ITEM_MAX_HISTORY):
 *   [{"version", "changed_at", "changed_by": {...}, "note", "snapshot"}]
 * Whoever may see the item sees its history, except versions that were
 * narrower then than the principal's view now (an item made public later
 * does not publish its restricted past). GC_ENOTFOUND as gc_item_get.
 */
GC_MUST_CHECK gc_status gc_item_history(struct gc_item_ctx *ctx, int64_t id, json_t **out);

/* The pending items the principal may review (gc_policy_review_sql), oldest
 * submission first, as envelopes (gc_item_load's form). limit 1..GC_ITEM_MAX_PAGE. */
GC_MUST_CHECK gc_status gc_item_review_queue(struct gc_item_ctx *ctx, int limit, int offset, json_t **out);

/*
 * The public notices the principal sees (gc_policy_notice_sql), of one
 * module or of all (module NULL), newest first:
 *   [{"notice": true, "module", "title", "summary"}]
 * and nothing else of those items: no id, owner or date.
 */
GC_MUST_CHECK gc_status gc_item_list_notices(struct gc_item_ctx *ctx, const char *module, int limit, int offset,
					     json_t **out);

/*
 * The scheduled releases due at now_ms (Unix ms): every item not withdrawn
 * whose release time has passed becomes public, each in its own transaction
 * with its own audit record (item.release, no actor). *released (may be
 * NULL) gets how many.
 */
GC_MUST_CHECK gc_status gc_items_release_due(struct gc_db *db, int64_t now_ms, int *released);

/*
 * Is the child's readership within the parent's? For modules with child
 * objects (contacts of an entry, files of a document), which may never be
 * more visible than their parent (SECURITY.md Z5). Compares visibility and
 * sharing lists only: public is within public; restricted within public or
 * restricted; named within public, or within named when its list is a
 * subset of the parent's. A named child of a restricted parent is refused,
 * as its list could name an organisation that may not read restricted items.
 */
bool gc_item_visibility_within(const struct gc_item_envelope *parent, const struct gc_item_envelope *child);

#endif
