/*
 * The envelope's operations. Each one reads the item inside its write
 * transaction, asks auth/policy.c whether the principal may do what it asks,
 * and writes the change with "WHERE id = ? AND version = ?": the version
 * both answers the caller's optimistic concurrency and guarantees that the
 * envelope the decision was made on is the one being changed, on PostgreSQL
 * too where another node may write between our read and our update.
 *
 * The order of the checks is fixed: visible (else GC_ENOTFOUND, exactly as
 * a missing id), then the status the operation needs (GC_ECONFLICT), then
 * permission (GC_ENOTFOUND again), then the version (GC_ECONFLICT). A
 * principal learns nothing from the answers that it could not read anyway.
 */
#include "auth/items.h"
#include "store/qcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "base/text.h"

/* A temporary arena for the policy's SQL text: a few kilobytes at most. */
#define ITEMS_ARENA_CAP (256 * 1024)
/* The latest release time gc_clock_format_iso8601 writes with four digits: 9999-12-31T23:59:59Z. */
#define ITEMS_MAX_TIME 253402300799LL
#define ITEMS_RELEASE_BATCH 100

/* --- reading an item -------------------------------------------------------------- */

#define ITEM_SELECT                                                                                                \
	"SELECT i.id AS id, i.module AS module, i.owner_org AS owner_org, i.visibility AS visibility,"             \
	" i.status AS status, i.approval AS approval, i.title AS title, i.country AS country,"                    \
	" i.languages AS languages, i.version AS version, i.created_by AS created_by,"                            \
	" i.created_at AS created_at, i.updated_at AS updated_at, i.uploaded_by AS uploaded_by,"                  \
	" i.submitted_by AS submitted_by, i.submitted_at AS submitted_at, i.reviewed_by AS reviewed_by,"          \
	" i.reviewed_at AS reviewed_at, i.review_note AS review_note, i.published_at AS published_at,"            \
	" i.withdrawn_at AS withdrawn_at, i.notice_title AS notice_title, i.notice_summary AS notice_summary,"    \
	" i.release_at AS release_at, o.kind AS owner_kind, o.name AS owner_name, o.four_eyes AS owner_four_eyes" \
	" FROM items i JOIN organisations o ON o.id = i.owner_org"

struct item {
	json_t *row; /* owns every string below */
	struct gc_item_envelope env;
	int64_t shares[GC_ITEM_MAX_SHARES];
	const char *owner_kind;
	bool owner_four_eyes;
	const char *title;
	const char *notice_title;
	const char *notice_summary;
	const char *release_at;
	int64_t release_s; /* release_at in Unix seconds, 0 when none */
};

static const char *row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

static int64_t row_int(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Flags are INTEGER 0/1 in our schema; PostgreSQL booleans would come back as true/false. */
static bool row_flag(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

static void item_clear(struct item *it)
{
	json_decref(it->row);
	it->row = NULL;
}

/* Reads item id with its sharing list. GC_ENOTFOUND when there is none;
 * GC_EDB when the row holds what the schema should have refused. */
static gc_status item_read(struct gc_db *db, int64_t id, struct item *it)
{
	json_t *shares = NULL;
	gc_status status;

	memset(it, 0, sizeof(*it));
	status = gc_db_query_one(db, ITEM_SELECT " WHERE i.id = ?", GC_PARAMS(GC_INT(id)), &it->row);
	if (status != GC_OK)
		goto out;
	const json_t *r = it->row;
	struct gc_item_envelope *e = &it->env;
	e->id = row_int(r, "id");
	e->module = row_str(r, "module");
	e->owner_org = row_int(r, "owner_org");
	e->created_by = row_int(r, "created_by");
	e->submitted_by = row_int(r, "submitted_by");
	e->version = row_int(r, "version");
	e->approval = GC_APPROVAL_NONE;
	it->owner_kind = row_str(r, "owner_kind");
	it->owner_four_eyes = row_flag(r, "owner_four_eyes");
	it->title = row_str(r, "title");
	it->notice_title = row_str(r, "notice_title");
	it->notice_summary = row_str(r, "notice_summary");
	it->release_at = row_str(r, "release_at");
	e->has_notice = it->notice_title != NULL;
	status = GC_EDB;
	if (!e->module || !it->owner_kind || !it->title || !gc_visibility_parse(row_str(r, "visibility"), &e->visibility) ||
	    !gc_item_status_parse(row_str(r, "status"), &e->status))
		goto out;
	if (json_is_string(json_object_get(r, "approval")) && !gc_approval_parse(row_str(r, "approval"), &e->approval))
		goto out;
	if (it->release_at && gc_clock_parse_iso8601(it->release_at, &it->release_s) != GC_OK)
		goto out;
	status = GC_OK;
	if (e->visibility != GC_VIS_NAMED)
		goto out;
	/* One more than fits, to notice a list longer than the code ever writes. */
	status = gc_db_query(db, "SELECT org_id AS org_id FROM item_shares WHERE item_id = ? ORDER BY org_id LIMIT ?",
			     GC_PARAMS(GC_INT(id), GC_INT(GC_ITEM_MAX_SHARES + 1)), &shares);
	if (status != GC_OK)
		goto out;
	if (json_array_size(shares) > GC_ITEM_MAX_SHARES) {
		status = GC_EDB;
		goto out;
	}
	size_t i;
	json_t *s;
	json_array_foreach(shares, i, s) it->shares[i] = row_int(s, "org_id");
	e->shares = it->shares;
	e->n_shares = json_array_size(shares);
out:
	json_decref(shares);
	if (status != GC_OK)
		item_clear(it);
	return status;
}

/* Reads the item and checks that the principal may see it; otherwise the
 * item does not exist for it. */
static gc_status item_visible(struct gc_item_ctx *ctx, int64_t id, struct item *it)
{
	gc_status status = item_read(ctx->db, id, it);
	if (status == GC_OK && !gc_policy_can_see(ctx->principal, &it->env, ctx->restricted_includes_observers)) {
		item_clear(it);
		status = GC_ENOTFOUND;
	}
	return status;
}

/* --- transactions, time, audit ----------------------------------------------------- */

/* Opens a write transaction unless the caller has one, which we then join. */
static gc_status tx_open(struct gc_db *db, bool *own)
{
	*own = !gc_db_in_transaction(db);
	return *own ? gc_db_begin_write(db) : GC_OK;
}

/* A failure found before any statement ran: the contract still holds, and a
 * caller's transaction is rolled back like after any other failure. */
static gc_status fail_early(struct gc_item_ctx *ctx, gc_status status)
{
	if (gc_db_in_transaction(ctx->db))
		gc_db_rollback(ctx->db);
	return status;
}

/* Commits our own transaction on success; rolls back any on failure. */
static gc_status tx_close(struct gc_db *db, bool own, gc_status status)
{
	if (status == GC_OK && own)
		status = gc_db_commit(db);
	if (status != GC_OK && gc_db_in_transaction(db))
		gc_db_rollback(db);
	return status;
}

static int64_t ctx_now_ms(const struct gc_item_ctx *ctx)
{
	return ctx->now_ms > 0 ? ctx->now_ms : gc_clock_now_ms();
}

struct stamp {
	int64_t ms;
	int64_t s;
	char iso[32];
};

static void stamp_at(struct stamp *t, int64_t ms)
{
	t->ms = ms;
	t->s = ms / 1000;
	gc_clock_format_iso8601(t->s, t->iso, sizeof(t->iso));
}

/* Appends the operation's one audit record; takes detail (NULL: out of memory). */
static gc_status audit(struct gc_db *db, const struct gc_principal *p, const char *client_ip, const char *action,
		       int64_t item_id, int64_t at_ms, json_t *detail)
{
	char target[24];
	if (!detail)
		return GC_ENOMEM;
	snprintf(target, sizeof(target), "%lld", (long long)item_id);
	struct gc_audit_entry entry = {
		.action = action,
		.actor_user = p ? p->user_id : 0,
		.actor_org = p ? p->org_id : 0,
		.client_ip = client_ip,
		.target_type = "item",
		.target_id = target,
		.detail = detail,
		.at_ms = at_ms,
	};
	gc_status status = gc_audit_append(db, &entry, NULL);
	json_decref(detail);
	return status;
}

/*
 * The search index repeats the envelope's access fields so that its
 * predicate needs no join; they change here, in the same transaction as
 * the item, so the index never shows an item under an older rule.
 */
static gc_status sync_search(struct gc_db *db, const struct gc_item_envelope *e)
{
	return gc_db_exec(db, "UPDATE search_docs SET visibility = ?, status = ? WHERE item_id = ?",
			  GC_PARAMS(GC_TEXT(gc_visibility_name(e->visibility)), GC_TEXT(gc_item_status_name(e->status)),
				    GC_INT(e->id)),
			  NULL);
}

/* The common tail of every write: the index, the audit record, the change counter. */
static gc_status finish_write(struct gc_item_ctx *ctx, const char *action, const struct gc_item_envelope *after,
			      const struct stamp *now, json_t *detail)
{
	gc_status status = sync_search(ctx->db, after);
	if (status != GC_OK) {
		json_decref(detail);
		return status;
	}
	status = audit(ctx->db, ctx->principal, ctx->client_ip, action, after->id, now->ms, detail);
	if (status == GC_OK)
		status = gc_db_bump_changes(ctx->db);
	return status;
}

/* --- who decides --------------------------------------------------------------------- */

static bool kind_is_state(const char *kind)
{
	return strcmp(kind, "member_state") == 0 || strcmp(kind, "observer_state") == 0;
}

/*
 * What a change by p to an item of this owner needs before it is public:
 * nothing (GC_APPROVAL_NONE: it publishes), the Secretariat's review, or a
 * second person of the owner state. The owner's kind decides, whoever acts,
 * so a Secretariat admin acting for a stakeholder goes through review like
 * the stakeholder would; only a four-eyes state's editors need their admins.
 */
static enum gc_approval needed_review(const struct gc_principal *p, int64_t owner_org, const char *owner_kind,
				      bool owner_four_eyes)
{
	if (kind_is_state(owner_kind))
		return (p->org_id == owner_org && p->role == GC_ROLE_EDITOR && owner_four_eyes) ? GC_APPROVAL_FOUR_EYES
												  : GC_APPROVAL_NONE;
	if (strcmp(owner_kind, "secretariat") == 0)
		return GC_APPROVAL_NONE;
	return GC_APPROVAL_SECRETARIAT;
}

/* The owner organisation and its staff are insiders of an item, and so is the Secretariat. */
static bool insider(const struct gc_principal *p, const struct gc_item_envelope *e)
{
	return p && p->org_id > 0 && (p->org_id == e->owner_org || gc_principal_is_secretariat(p));
}

/* --- input checks ---------------------------------------------------------------------- */

static gc_status bad(struct gc_item_ctx *ctx, const char *field)
{
	ctx->field = field;
	return GC_EINVAL;
}

static bool module_ok(const char *m)
{
	size_t n = m ? strlen(m) : 0;
	if (n == 0 || n > GC_ITEM_MAX_MODULE || m[0] < 'a' || m[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9') || m[i] == '_'))
			return false;
	return true;
}

/* Text of 1..max bytes, acceptable (base/text.h), on one line when line, and not only spaces. */
static bool text_ok(const char *s, size_t max, bool line)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	if (line ? !gc_text_acceptable_line(s, n) : !gc_text_acceptable(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return true;
	return false;
}

static bool country_ok(const char *c)
{
	if (!c)
		return true;
	if (strlen(c) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			return false;
	return true;
}

/* The languages as the JSON array text stored in items.languages (caller frees). */
static gc_status languages_text(struct gc_item_ctx *ctx, const char *const *langs, size_t n, char **out)
{
	json_t *array = NULL;
	gc_status status = bad(ctx, "languages");
	*out = NULL;
	if (n > GC_ITEM_MAX_LANGUAGES || (n > 0 && !langs))
		return status;
	for (size_t i = 0; i < n; i++) {
		size_t len = langs[i] ? strlen(langs[i]) : 0;
		if (len < 2 || len > 3)
			return status;
		for (size_t k = 0; k < len; k++)
			if (langs[i][k] < 'a' || langs[i][k] > 'z')
				return status;
		for (size_t j = 0; j < i; j++)
			if (strcmp(langs[i], langs[j]) == 0)
				return status;
	}
	ctx->field = NULL;
	status = GC_ENOMEM;
	array = json_array();
	if (!array)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(array, json_string(langs[i])) != 0)
			goto out;
	*out = json_dumps(array, JSON_COMPACT);
	status = *out ? GC_OK : GC_ENOMEM;
out:
	json_decref(array);
	return status;
}

/* Who may read an item, as one value, for the checks shared by create and set_access. */
struct access {
	enum gc_visibility visibility;
	const int64_t *shares;
	size_t n_shares;
	const char *notice_title;
	const char *notice_summary;
	int64_t release_s;
};

/*
 * Checks a complete access value. check_release: release_s was given now
 * and must lie in the future (an older one kept as it is may be due).
 */
static gc_status access_check(struct gc_item_ctx *ctx, const struct access *a, const struct stamp *now,
			      bool check_release)
{
	if (a->visibility != GC_VIS_PUBLIC && a->visibility != GC_VIS_RESTRICTED && a->visibility != GC_VIS_NAMED)
		return bad(ctx, "visibility");
	if (a->visibility == GC_VIS_NAMED) {
		if (a->n_shares == 0 || a->n_shares > GC_ITEM_MAX_SHARES || !a->shares)
			return bad(ctx, "shares");
		for (size_t i = 0; i < a->n_shares; i++) {
			if (a->shares[i] <= 0)
				return bad(ctx, "shares");
			for (size_t j = 0; j < i; j++)
				if (a->shares[i] == a->shares[j])
					return bad(ctx, "shares");
		}
	} else if (a->n_shares != 0) {
		return bad(ctx, "shares");
	}
	if (a->notice_title && (a->visibility == GC_VIS_PUBLIC || !text_ok(a->notice_title, GC_ITEM_MAX_NOTICE_TITLE, true)))
		return bad(ctx, "notice_title");
	if (a->notice_summary &&
	    (!a->notice_title || !text_ok(a->notice_summary, GC_ITEM_MAX_NOTICE_SUMMARY, false)))
		return bad(ctx, "notice_summary");
	if (a->release_s != 0) {
		if (a->visibility == GC_VIS_PUBLIC || a->release_s < 0 || a->release_s > ITEMS_MAX_TIME)
			return bad(ctx, "release_at");
		if (check_release && a->release_s <= now->s)
			return bad(ctx, "release_at");
	}
	return GC_OK;
}

/* Every organisation a sharing list or an upload names must exist and be active. */
static gc_status org_active(struct gc_db *db, int64_t org_id, bool *active)
{
	int64_t n = 0;
	gc_status status = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM organisations WHERE id = ? AND status = 'active'",
					   GC_PARAMS(GC_INT(org_id)), &n);
	*active = n > 0;
	return status;
}

static gc_status shares_exist(struct gc_item_ctx *ctx, const struct access *a)
{
	for (size_t i = 0; i < a->n_shares; i++) {
		bool active = false;
		gc_status status = org_active(ctx->db, a->shares[i], &active);
		if (status != GC_OK)
			return status;
		if (!active)
			return bad(ctx, "shares");
	}
	return GC_OK;
}

static gc_status shares_write(struct gc_db *db, int64_t item_id, const struct access *a)
{
	gc_status status = gc_db_exec(db, "DELETE FROM item_shares WHERE item_id = ?", GC_PARAMS(GC_INT(item_id)), NULL);
	for (size_t i = 0; status == GC_OK && a->visibility == GC_VIS_NAMED && i < a->n_shares; i++)
		status = gc_db_exec(db, "INSERT INTO item_shares (item_id, org_id) VALUES (?, ?)",
				    GC_PARAMS(GC_INT(item_id), GC_INT(a->shares[i])), NULL);
	return status;
}

static json_t *shares_json(const struct access *a)
{
	json_t *array = json_array();
	for (size_t i = 0; array && i < a->n_shares; i++) {
		if (json_array_append_new(array, json_integer((json_int_t)a->shares[i])) != 0) {
			json_decref(array);
			return NULL;
		}
	}
	return array;
}

static gc_status release_schedule(struct gc_db *db, int64_t release_s)
{
	return gc_jobs_enqueue(db, GC_ITEMS_RELEASE_JOB, NULL, release_s, NULL);
}

/* --- snapshots ------------------------------------------------------------------------- */

/* The envelope as kept with a version: what decided who could read it then. */
static json_t *snapshot_envelope(const struct item *it)
{
	const json_t *r = it->row;
	json_t *shares = json_array();
	for (size_t i = 0; shares && i < it->env.n_shares; i++) {
		if (json_array_append_new(shares, json_integer((json_int_t)it->env.shares[i])) != 0) {
			json_decref(shares);
			return NULL;
		}
	}
	json_t *languages = json_loads(row_str(r, "languages") ? row_str(r, "languages") : "[]", 0, NULL);
	/* Strict about every member: a snapshot missing its sharing list would misstate who could read it. */
	return json_pack("{s:s, s:I, s:s, s:s?, s:o, s:s, s:o, s:s, s:I, s:s?, s:s?, s:s?}", "module", it->env.module,
			 "owner_org", (json_int_t)it->env.owner_org, "title", it->title, "country",
			 row_str(r, "country"), "languages", languages, "visibility",
			 gc_visibility_name(it->env.visibility), "shares", shares, "status",
			 gc_item_status_name(it->env.status), "version", (json_int_t)it->env.version, "notice_title",
			 it->notice_title, "notice_summary", it->notice_summary, "release_at", it->release_at);
}

/* Keeps the state of item id as it is now (re-read inside the transaction) with content. */
static gc_status snapshot_store(struct gc_item_ctx *ctx, int64_t id, const json_t *content, const char *note,
				const struct stamp *now)
{
	struct item after = { 0 };
	json_t *snapshot = NULL;
	char *text = NULL;
	gc_status status = item_read(ctx->db, id, &after);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	snapshot = json_pack("{s:o, s:O?}", "envelope", snapshot_envelope(&after), "content", content);
	if (!snapshot)
		goto out;
	text = json_dumps(snapshot, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		goto out;
	if (strlen(text) > GC_ITEM_MAX_SNAPSHOT) {
		ctx->field = "content";
		status = GC_ETOOBIG;
		goto out;
	}
	status = gc_db_exec(ctx->db,
			    "INSERT INTO item_versions (item_id, version, snapshot, changed_by, changed_at, note)"
			    " VALUES (?, ?, ?, ?, ?, ?)",
			    GC_PARAMS(GC_INT(id), GC_INT(after.env.version), GC_TEXT(text),
				      ctx->principal ? GC_INT(ctx->principal->user_id) : GC_NULL, GC_TEXT(now->iso),
				      GC_TEXT_OR_NULL(note)),
			    NULL);
out:
	free(text);
	json_decref(snapshot);
	item_clear(&after);
	return status;
}

/* --- create ---------------------------------------------------------------------------- */

struct owner {
	const char *kind;
	bool four_eyes;
	json_t *row;
};

static gc_status owner_read(struct gc_db *db, int64_t org_id, struct owner *o)
{
	gc_status status = gc_db_query_one(db,
					   "SELECT kind AS kind, four_eyes AS four_eyes, status AS status"
					   " FROM organisations WHERE id = ?",
					   GC_PARAMS(GC_INT(org_id)), &o->row);
	if (status != GC_OK)
		return status;
	o->kind = row_str(o->row, "kind");
	o->four_eyes = row_flag(o->row, "four_eyes");
	const char *org_status = row_str(o->row, "status");
	if (!o->kind || !org_status || strcmp(org_status, "active") != 0)
		return GC_ENOTFOUND;
	return GC_OK;
}

gc_status gc_item_create(struct gc_item_ctx *ctx, const struct gc_item_new *in, int64_t *id)
{
	const struct gc_principal *p = ctx->principal;
	struct owner owner = { 0 };
	struct stamp now;
	char *languages = NULL;
	int64_t new_id = 0;
	bool own = false;
	gc_status status;

	ctx->field = NULL;
	stamp_at(&now, ctx_now_ms(ctx));
	/* Naming another owner is a Secretariat admin's privilege; for anyone else it is mass assignment. */
	if (p && in->acting_for_org != 0 && in->acting_for_org != p->org_id &&
	    !(gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN))
		return fail_early(ctx, bad(ctx, "acting_for_org"));
	if (!gc_policy_can_create(p, in->module, in->acting_for_org))
		return fail_early(ctx, GC_ENOTFOUND);
	int64_t owner_org = in->acting_for_org ? in->acting_for_org : p->org_id;
	bool on_behalf = owner_org != p->org_id;
	if (on_behalf && in->draft)
		return fail_early(ctx, bad(ctx, "draft"));
	if (!module_ok(in->module))
		return fail_early(ctx, bad(ctx, "module"));
	if (!text_ok(in->title, GC_ITEM_MAX_TITLE, true))
		return fail_early(ctx, bad(ctx, "title"));
	if (!country_ok(in->country))
		return fail_early(ctx, bad(ctx, "country"));
	status = languages_text(ctx, in->languages, in->n_languages, &languages);
	if (status != GC_OK)
		return fail_early(ctx, status);

	status = tx_open(ctx->db, &own);
	if (status != GC_OK)
		goto out;
	status = owner_read(ctx->db, owner_org, &owner);
	if (status == GC_ENOTFOUND)
		status = on_behalf ? bad(ctx, "acting_for_org") : GC_ENOTFOUND;
	if (status != GC_OK)
		goto out;

	struct access a = {
		.visibility = in->visibility,
		.shares = in->shares,
		.n_shares = in->n_shares,
		.notice_title = in->notice_title,
		.notice_summary = in->notice_summary,
		.release_s = in->release_at,
	};
	if (a.visibility == GC_VIS_DEFAULT)
		a.visibility = kind_is_state(owner.kind) ? GC_VIS_RESTRICTED : GC_VIS_PUBLIC;
	status = access_check(ctx, &a, &now, true);
	if (status == GC_OK)
		status = shares_exist(ctx, &a);
	if (status != GC_OK)
		goto out;

	enum gc_item_status item_status = GC_ITEM_DRAFT;
	enum gc_approval approval = GC_APPROVAL_NONE;
	if (!in->draft) {
		approval = needed_review(p, owner_org, owner.kind, owner.four_eyes);
		item_status = approval == GC_APPROVAL_NONE ? GC_ITEM_PUBLISHED : GC_ITEM_PENDING;
	}
	bool published = item_status == GC_ITEM_PUBLISHED;
	bool submitted = !in->draft;
	char release_iso[32] = "";
	if (a.release_s)
		gc_clock_format_iso8601(a.release_s, release_iso, sizeof(release_iso));

	status = gc_db_query_int(
		ctx->db,
		"INSERT INTO items (module, owner_org, visibility, status, approval, title, country, languages,"
		" version, created_by, created_at, updated_at, uploaded_by, submitted_by, submitted_at,"
		" published_at, notice_title, notice_summary, release_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		GC_PARAMS(GC_TEXT(in->module), GC_INT(owner_org), GC_TEXT(gc_visibility_name(a.visibility)),
			  GC_TEXT(gc_item_status_name(item_status)), GC_TEXT_OR_NULL(gc_approval_name(approval)),
			  GC_TEXT(in->title), GC_TEXT_OR_NULL(in->country), GC_TEXT(languages), GC_INT(p->user_id),
			  GC_TEXT(now.iso), GC_TEXT(now.iso), on_behalf ? GC_INT(p->user_id) : GC_NULL,
			  submitted ? GC_INT(p->user_id) : GC_NULL, submitted ? GC_TEXT(now.iso) : GC_NULL,
			  published ? GC_TEXT(now.iso) : GC_NULL, GC_TEXT_OR_NULL(a.notice_title),
			  GC_TEXT_OR_NULL(a.notice_summary), a.release_s ? GC_TEXT(release_iso) : GC_NULL),
		&new_id);
	if (status != GC_OK)
		goto out;
	status = shares_write(ctx->db, new_id, &a);
	if (status == GC_OK && published)
		status = snapshot_store(ctx, new_id, in->content, NULL, &now);
	if (status == GC_OK && a.release_s)
		status = release_schedule(ctx->db, a.release_s);
	if (status != GC_OK)
		goto out;

	struct gc_item_envelope after = { .id = new_id, .visibility = a.visibility, .status = item_status };
	status = finish_write(ctx, "item.create", &after, &now,
			      json_pack("{s:s, s:I, s:s, s:s, s:s?, s:o, s:b, s:b, s:b}", "module", in->module,
					"owner_org", (json_int_t)owner_org, "status", gc_item_status_name(item_status),
					"visibility", gc_visibility_name(a.visibility), "approval",
					gc_approval_name(approval), "shares",
					a.visibility == GC_VIS_NAMED ? shares_json(&a) : json_null(), "on_behalf", on_behalf,
					"notice", a.notice_title != NULL, "release", a.release_s != 0));
out:
	status = tx_close(ctx->db, own, status);
	json_decref(owner.row);
	free(languages);
	if (status == GC_OK)
		*id = new_id;
	return status;
}

/* --- reading for callers ------------------------------------------------------------------ */

gc_status gc_item_get(struct gc_item_ctx *ctx, int64_t id, struct gc_arena *arena, struct gc_item_envelope *out)
{
	struct item it;
	gc_status status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		return status;
	*out = it.env;
	out->module = gc_arena_strdup(arena, it.env.module);
	int64_t *shares = NULL;
	if (it.env.n_shares) {
		shares = gc_arena_alloc(arena, it.env.n_shares * sizeof(*shares));
		if (shares)
			memcpy(shares, it.env.shares, it.env.n_shares * sizeof(*shares));
	}
	out->shares = shares;
	status = (!out->module || (it.env.n_shares && !shares)) ? GC_ENOMEM : GC_OK;
	item_clear(&it);
	return status;
}

/* The people named in an item's provenance, by user id. */
static gc_status people_read(struct gc_db *db, const int64_t ids[4], json_t **rows)
{
	return gc_db_query(db,
			   "SELECT u.id AS id, u.name AS name, o.name AS organisation"
			   " FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id IN (?, ?, ?, ?)",
			   GC_PARAMS(GC_INT(ids[0]), GC_INT(ids[1]), GC_INT(ids[2]), GC_INT(ids[3])), rows);
}

/* {id, name, organisation} of user id, or null; id and name only for insiders. */
static json_t *person_json(const json_t *people, int64_t user_id, bool show_person)
{
	size_t i;
	json_t *row;
	if (user_id <= 0)
		return json_null();
	json_array_foreach(people, i, row) {
		if (row_int(row, "id") != user_id)
			continue;
		if (show_person)
			return json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)user_id, "name", row_str(row, "name"),
					 "organisation", row_str(row, "organisation"));
		return json_pack("{s:n, s:n, s:s?}", "id", "name", "organisation", row_str(row, "organisation"));
	}
	return json_null();
}

static json_t *json_text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The envelope of a visible item as gc_item_load documents it. */
static gc_status envelope_json(struct gc_item_ctx *ctx, const struct item *it, json_t **out)
{
	const struct gc_principal *p = ctx->principal;
	const struct gc_item_envelope *e = &it->env;
	const json_t *r = it->row;
	bool inside = insider(p, e);
	json_t *people = NULL, *shares = NULL, *obj = NULL;
	gc_status status;
	const int64_t ids[4] = { e->created_by, row_int(r, "uploaded_by"), e->submitted_by, row_int(r, "reviewed_by") };

	*out = NULL;
	status = people_read(ctx->db, ids, &people);
	if (status != GC_OK)
		goto out;
	if (inside && e->visibility == GC_VIS_NAMED) {
		status = gc_db_query(ctx->db,
				     "SELECT s.org_id AS id, o.name AS name FROM item_shares s"
				     " JOIN organisations o ON o.id = s.org_id WHERE s.item_id = ? ORDER BY s.org_id",
				     GC_PARAMS(GC_INT(e->id)), &shares);
		if (status != GC_OK)
			goto out;
	} else {
		shares = inside ? json_array() : json_null();
	}
	json_t *languages = json_loads(row_str(r, "languages") ? row_str(r, "languages") : "[]", 0, NULL);
	if (languages && !json_is_array(languages)) {
		json_decref(languages);
		languages = json_array();
	}
	json_t *notice = it->notice_title ? json_pack("{s:s, s:s?}", "title", it->notice_title, "summary",
						      it->notice_summary)
					  : json_null();
	json_t *can = json_pack("{s:b, s:b, s:b, s:b}", "edit", gc_policy_can_edit(p, e), "submit",
				gc_policy_can_edit(p, e) && e->status == GC_ITEM_DRAFT, "withdraw",
				gc_policy_can_withdraw(p, e), "review", gc_policy_can_review(p, e));
	json_t *owner = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)e->owner_org, "name", row_str(r, "owner_name"),
				  "kind", it->owner_kind);
	/* json_pack takes every "o" value, also when it fails, so nothing above leaks. */
	status = GC_ENOMEM;
	obj = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:O}", "id",
			(json_int_t)e->id, "module", e->module, "title", it->title, "country",
			json_text_or_null(row_str(r, "country")), "languages", languages, "owner", owner, "visibility",
			gc_visibility_name(e->visibility), "status", gc_item_status_name(e->status), "approval",
			json_text_or_null(gc_approval_name(e->approval)), "version", (json_int_t)e->version, "notice",
			notice, "can", can, "release_at", json_text_or_null(it->release_at), "shares", shares);
	if (!obj)
		goto out;
	static const char *const times[] = { "created_at", "updated_at", "submitted_at", "reviewed_at",
					     "published_at", "withdrawn_at" };
	for (size_t i = 0; i < GC_ARRAY_LEN(times); i++)
		if (json_object_set_new(obj, times[i], json_text_or_null(row_str(r, times[i]))) != 0)
			goto out;
	/* Each value is made only when its turn comes, and json_object_set_new takes it even on failure. */
	if (json_object_set_new(obj, "created_by", person_json(people, ids[0], inside)) != 0 ||
	    json_object_set_new(obj, "uploaded_by", person_json(people, ids[1], inside)) != 0 ||
	    json_object_set_new(obj, "submitted_by", person_json(people, ids[2], inside)) != 0 ||
	    json_object_set_new(obj, "reviewed_by", person_json(people, ids[3], inside)) != 0 ||
	    json_object_set_new(obj, "review_note", json_text_or_null(inside ? row_str(r, "review_note") : NULL)) != 0)
		goto out;
	*out = obj;
	obj = NULL;
	status = GC_OK;
out:
	json_decref(obj);
	json_decref(people);
	json_decref(shares);
	return status;
}

gc_status gc_item_load(struct gc_item_ctx *ctx, int64_t id, json_t **out)
{
	struct item it;
	gc_status status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		return status;
	status = envelope_json(ctx, &it, out);
	item_clear(&it);
	return status;
}

/* --- changes ------------------------------------------------------------------------------ */

/*
 * Where a change that may need review leaves the item: a published item
 * whose change needs review goes back to pending (nothing unreviewed is ever
 * public); a pending item stays pending; the actor becomes its submitter in
 * both cases, so it cannot approve its own change.
 */
struct transition {
	enum gc_item_status status;
	enum gc_approval approval;
	bool resubmitted;
};

static struct transition after_change(const struct gc_principal *p, const struct item *it, bool needs_check)
{
	struct transition t = { .status = it->env.status, .approval = it->env.approval, .resubmitted = false };
	if (it->env.status == GC_ITEM_PENDING) {
		t.resubmitted = true;
	} else if (it->env.status == GC_ITEM_PUBLISHED && needs_check) {
		enum gc_approval need = needed_review(p, it->env.owner_org, it->owner_kind, it->owner_four_eyes);
		if (need != GC_APPROVAL_NONE) {
			t.status = GC_ITEM_PENDING;
			t.approval = need;
			t.resubmitted = true;
		}
	}
	return t;
}

/* The submitter and time an update leaves: the actor and now, or what was there. */
static struct gc_val submitter_val(const struct gc_principal *p, const struct item *it, const struct transition *t)
{
	if (t->resubmitted)
		return GC_INT(p->user_id);
	int64_t old = it->env.submitted_by;
	return old > 0 ? GC_INT(old) : GC_NULL;
}

static struct gc_val submitted_at_val(const struct item *it, const struct transition *t, const struct stamp *now)
{
	if (t->resubmitted)
		return GC_TEXT(now->iso);
	return GC_TEXT_OR_NULL(row_str(it->row, "submitted_at"));
}

static json_t *status_change(enum gc_item_status from, enum gc_item_status to)
{
	if (from == to)
		return NULL;
	return json_pack("{s:s, s:s}", "from", gc_item_status_name(from), "to", gc_item_status_name(to));
}

/* A write whose guard found no row: the version moved under us. */
static gc_status changed_one(gc_status status, int64_t changes)
{
	if (status == GC_OK && changes != 1)
		return GC_ECONFLICT;
	return status;
}

gc_status gc_item_update(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version, const struct gc_item_edit *in)
{
	const struct gc_principal *p = ctx->principal;
	struct item it = { 0 };
	struct stamp now;
	char *languages = NULL;
	bool own = false;
	int64_t changes = 0;
	gc_status status;

	ctx->field = NULL;
	stamp_at(&now, ctx_now_ms(ctx));
	if (in->fields & ~(unsigned)GC_ITEM_EDIT_FIELDS)
		return fail_early(ctx, bad(ctx, "fields"));
	if ((in->fields & GC_ITEM_SET_TITLE) && !text_ok(in->title, GC_ITEM_MAX_TITLE, true))
		return fail_early(ctx, bad(ctx, "title"));
	if ((in->fields & GC_ITEM_SET_COUNTRY) && !country_ok(in->country))
		return fail_early(ctx, bad(ctx, "country"));
	if (in->note && !text_ok(in->note, GC_ITEM_MAX_NOTE, false))
		return fail_early(ctx, bad(ctx, "note"));
	if (in->fields & GC_ITEM_SET_LANGUAGES) {
		status = languages_text(ctx, in->languages, in->n_languages, &languages);
		if (status != GC_OK)
			return fail_early(ctx, status);
	}

	status = tx_open(ctx->db, &own);
	if (status == GC_OK)
		status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	if (!gc_policy_can_edit(p, &it.env)) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (it.env.version != expected_version) {
		status = GC_ECONFLICT;
		goto out;
	}
	bool was_published = it.env.status == GC_ITEM_PUBLISHED;
	struct transition t = after_change(p, &it, true);
	const char *title = (in->fields & GC_ITEM_SET_TITLE) ? in->title : it.title;
	const char *country = (in->fields & GC_ITEM_SET_COUNTRY) ? in->country : row_str(it.row, "country");
	const char *langs = languages ? languages : row_str(it.row, "languages");
	status = gc_db_exec(ctx->db,
			    "UPDATE items SET title = ?, country = ?, languages = ?, status = ?, approval = ?,"
			    " submitted_by = ?, submitted_at = ?, version = version + 1, updated_at = ?"
			    " WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(title), GC_TEXT_OR_NULL(country), GC_TEXT(langs),
				      GC_TEXT(gc_item_status_name(t.status)), GC_TEXT_OR_NULL(gc_approval_name(t.approval)),
				      submitter_val(p, &it, &t), submitted_at_val(&it, &t, &now), GC_TEXT(now.iso),
				      GC_INT(id), GC_INT(expected_version)),
			    &changes);
	status = changed_one(status, changes);
	/* Every change to what was public is kept, also when it now waits for review. */
	if (status == GC_OK && was_published)
		status = snapshot_store(ctx, id, in->content, in->note, &now);
	if (status != GC_OK)
		goto out;
	/* The names of what changed, never the values: titles and content are the owner's, not the log's. */
	json_t *fields = json_pack("[]");
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = { { GC_ITEM_SET_TITLE, "title" }, { GC_ITEM_SET_COUNTRY, "country" },
		      { GC_ITEM_SET_LANGUAGES, "languages" } };
	for (size_t i = 0; fields && i < GC_ARRAY_LEN(names); i++) {
		if ((in->fields & names[i].flag) && json_array_append_new(fields, json_string(names[i].name)) != 0) {
			json_decref(fields);
			fields = NULL;
		}
	}
	if (fields && in->content && json_array_append_new(fields, json_string("content")) != 0) {
		json_decref(fields);
		fields = NULL;
	}
	struct gc_item_envelope after = it.env;
	after.status = t.status;
	status = finish_write(ctx, "item.edit", &after, &now,
			      json_pack("{s:o, s:o*, s:s?, s:I}", "fields", fields, "status",
					status_change(it.env.status, t.status), "approval",
					gc_approval_name(t.approval), "version", (json_int_t)(expected_version + 1)));
out:
	status = tx_close(ctx->db, own, status);
	item_clear(&it);
	free(languages);
	return status;
}

/* The access value an item has now. */
static struct access access_of(const struct item *it)
{
	return (struct access){
		.visibility = it->env.visibility,
		.shares = it->env.shares,
		.n_shares = it->env.n_shares,
		.notice_title = it->notice_title,
		.notice_summary = it->notice_summary,
		.release_s = it->release_s,
	};
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

gc_status gc_item_set_access(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version,
			     const struct gc_item_access *in)
{
	const struct gc_principal *p = ctx->principal;
	struct item it = { 0 };
	struct stamp now;
	bool own = false;
	int64_t changes = 0;
	gc_status status;

	ctx->field = NULL;
	stamp_at(&now, ctx_now_ms(ctx));
	if (in->fields == 0 || (in->fields & ~(unsigned)GC_ITEM_ACCESS_FIELDS))
		return fail_early(ctx, bad(ctx, "fields"));
	if ((in->fields & GC_ITEM_SET_VISIBILITY) && in->visibility == GC_VIS_DEFAULT)
		return fail_early(ctx, bad(ctx, "visibility"));

	status = tx_open(ctx->db, &own);
	if (status == GC_OK)
		status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	if (!gc_policy_can_edit(p, &it.env)) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (it.env.version != expected_version) {
		status = GC_ECONFLICT;
		goto out;
	}

	struct access old = access_of(&it), a = old;
	if (in->fields & GC_ITEM_SET_VISIBILITY) {
		a.visibility = in->visibility;
		a.shares = in->shares;
		a.n_shares = in->n_shares;
		/* A public item needs neither a notice nor a release: they go unless given anew (then refused). */
		if (a.visibility == GC_VIS_PUBLIC) {
			a.notice_title = a.notice_summary = NULL;
			a.release_s = 0;
		}
	}
	if (in->fields & GC_ITEM_SET_NOTICE) {
		a.notice_title = in->notice_title;
		a.notice_summary = in->notice_summary;
	}
	if (in->fields & GC_ITEM_SET_RELEASE)
		a.release_s = in->release_at;
	status = access_check(ctx, &a, &now, (in->fields & GC_ITEM_SET_RELEASE) != 0);
	if (status == GC_OK && (in->fields & GC_ITEM_SET_VISIBILITY))
		status = shares_exist(ctx, &a);
	if (status != GC_OK)
		goto out;

	struct gc_item_envelope old_env = it.env, new_env = it.env;
	new_env.visibility = a.visibility;
	new_env.shares = a.shares;
	new_env.n_shares = a.n_shares;
	bool widens = !gc_item_visibility_within(&old_env, &new_env) ||
		      (a.notice_title && !(same_text(a.notice_title, old.notice_title) &&
					   same_text(a.notice_summary, old.notice_summary))) ||
		      (a.release_s != 0 && a.release_s != old.release_s);
	struct transition t = after_change(p, &it, widens);
	/* Only a change that needs review makes the actor the submitter of a pending item. */
	if (it.env.status == GC_ITEM_PENDING && !widens)
		t.resubmitted = false;
	char release_iso[32] = "";
	if (a.release_s)
		gc_clock_format_iso8601(a.release_s, release_iso, sizeof(release_iso));
	status = gc_db_exec(ctx->db,
			    "UPDATE items SET visibility = ?, notice_title = ?, notice_summary = ?, release_at = ?,"
			    " status = ?, approval = ?, submitted_by = ?, submitted_at = ?, version = version + 1,"
			    " updated_at = ? WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(gc_visibility_name(a.visibility)), GC_TEXT_OR_NULL(a.notice_title),
				      GC_TEXT_OR_NULL(a.notice_summary), a.release_s ? GC_TEXT(release_iso) : GC_NULL,
				      GC_TEXT(gc_item_status_name(t.status)), GC_TEXT_OR_NULL(gc_approval_name(t.approval)),
				      submitter_val(p, &it, &t), submitted_at_val(&it, &t, &now), GC_TEXT(now.iso),
				      GC_INT(id), GC_INT(expected_version)),
			    &changes);
	status = changed_one(status, changes);
	if (status == GC_OK && (in->fields & GC_ITEM_SET_VISIBILITY))
		status = shares_write(ctx->db, id, &a);
	if (status == GC_OK && a.release_s && a.release_s != old.release_s)
		status = release_schedule(ctx->db, a.release_s);
	if (status != GC_OK)
		goto out;
	new_env.status = t.status;
	json_t *vis = old.visibility == a.visibility
			      ? NULL
			      : json_pack("{s:s, s:s}", "from", gc_visibility_name(old.visibility), "to",
					  gc_visibility_name(a.visibility));
	status = finish_write(
		ctx, "item.visibility", &new_env, &now,
		json_pack("{s:o*, s:o, s:b, s:b, s:b, s:o*, s:I}", "visibility", vis, "shares",
			  (in->fields & GC_ITEM_SET_VISIBILITY) && a.visibility == GC_VIS_NAMED ? shares_json(&a)
												: json_null(),
			  "notice", a.notice_title != NULL, "release", a.release_s != 0, "widens", widens, "status",
			  status_change(it.env.status, t.status), "version", (json_int_t)(expected_version + 1)));
out:
	status = tx_close(ctx->db, own, status);
	item_clear(&it);
	return status;
}

gc_status gc_item_submit(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version)
{
	const struct gc_principal *p = ctx->principal;
	struct item it = { 0 };
	struct stamp now;
	bool own = false;
	int64_t changes = 0;
	gc_status status;

	ctx->field = NULL;
	stamp_at(&now, ctx_now_ms(ctx));
	status = tx_open(ctx->db, &own);
	if (status == GC_OK)
		status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	if (it.env.status != GC_ITEM_DRAFT) {
		status = GC_ECONFLICT;
		goto out;
	}
	if (!gc_policy_can_edit(p, &it.env)) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (it.env.version != expected_version) {
		status = GC_ECONFLICT;
		goto out;
	}
	enum gc_approval approval = needed_review(p, it.env.owner_org, it.owner_kind, it.owner_four_eyes);
	enum gc_item_status to = approval == GC_APPROVAL_NONE ? GC_ITEM_PUBLISHED : GC_ITEM_PENDING;
	status = gc_db_exec(ctx->db,
			    "UPDATE items SET status = ?, approval = ?, submitted_by = ?, submitted_at = ?,"
			    " published_at = CASE WHEN ? = 'published' THEN COALESCE(published_at, ?) ELSE published_at END,"
			    " version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(gc_item_status_name(to)), GC_TEXT_OR_NULL(gc_approval_name(approval)),
				      GC_INT(p->user_id), GC_TEXT(now.iso), GC_TEXT(gc_item_status_name(to)),
				      GC_TEXT(now.iso), GC_TEXT(now.iso), GC_INT(id), GC_INT(expected_version)),
			    &changes);
	status = changed_one(status, changes);
	if (status != GC_OK)
		goto out;
	struct gc_item_envelope after = it.env;
	after.status = to;
	status = finish_write(ctx, "item.submit", &after, &now,
			      json_pack("{s:o*, s:s?, s:I}", "status", status_change(it.env.status, to), "approval",
					gc_approval_name(approval), "version", (json_int_t)(expected_version + 1)));
out:
	status = tx_close(ctx->db, own, status);
	item_clear(&it);
	return status;
}

/* Publish or reject: the reviewer's decision on a pending item. */
static gc_status review(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version, const char *reason)
{
	const struct gc_principal *p = ctx->principal;
	struct item it = { 0 };
	struct stamp now;
	bool own = false;
	int64_t changes = 0;
	gc_status status;
	bool publish = reason == NULL;

	stamp_at(&now, ctx_now_ms(ctx));
	status = tx_open(ctx->db, &own);
	if (status == GC_OK)
		status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	if (it.env.status != GC_ITEM_PENDING) {
		status = GC_ECONFLICT;
		goto out;
	}
	if (!gc_policy_can_review(p, &it.env)) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (it.env.version != expected_version) {
		status = GC_ECONFLICT;
		goto out;
	}
	enum gc_item_status to = publish ? GC_ITEM_PUBLISHED : GC_ITEM_DRAFT;
	status = gc_db_exec(ctx->db,
			    "UPDATE items SET status = ?, approval = NULL, reviewed_by = ?, reviewed_at = ?,"
			    " review_note = ?, published_at = CASE WHEN ? = 'published' THEN COALESCE(published_at, ?)"
			    " ELSE published_at END, version = version + 1, updated_at = ?"
			    " WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(gc_item_status_name(to)), GC_INT(p->user_id), GC_TEXT(now.iso),
				      GC_TEXT_OR_NULL(reason), GC_TEXT(gc_item_status_name(to)), GC_TEXT(now.iso),
				      GC_TEXT(now.iso), GC_INT(id), GC_INT(expected_version)),
			    &changes);
	status = changed_one(status, changes);
	if (status != GC_OK)
		goto out;
	struct gc_item_envelope after = it.env;
	after.status = to;
	status = finish_write(ctx, publish ? "item.publish" : "item.reject", &after, &now,
			      json_pack("{s:o*, s:s?, s:I}", "status", status_change(it.env.status, to), "approval",
					gc_approval_name(it.env.approval), "version", (json_int_t)(expected_version + 1)));
out:
	status = tx_close(ctx->db, own, status);
	item_clear(&it);
	return status;
}

gc_status gc_item_publish(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version)
{
	ctx->field = NULL;
	return review(ctx, id, expected_version, NULL);
}

gc_status gc_item_reject(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version, const char *reason)
{
	ctx->field = NULL;
	if (!text_ok(reason, GC_ITEM_MAX_NOTE, false))
		return fail_early(ctx, bad(ctx, "reason"));
	return review(ctx, id, expected_version, reason);
}

gc_status gc_item_withdraw(struct gc_item_ctx *ctx, int64_t id, int64_t expected_version)
{
	const struct gc_principal *p = ctx->principal;
	struct item it = { 0 };
	struct stamp now;
	bool own = false;
	int64_t changes = 0;
	gc_status status;

	ctx->field = NULL;
	stamp_at(&now, ctx_now_ms(ctx));
	status = tx_open(ctx->db, &own);
	if (status == GC_OK)
		status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	if (it.env.status == GC_ITEM_WITHDRAWN) {
		status = GC_ECONFLICT;
		goto out;
	}
	if (!gc_policy_can_withdraw(p, &it.env)) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (it.env.version != expected_version) {
		status = GC_ECONFLICT;
		goto out;
	}
	/* A withdrawn item is never released: its schedule goes with it. */
	status = gc_db_exec(ctx->db,
			    "UPDATE items SET status = 'withdrawn', approval = NULL, withdrawn_at = ?, release_at = NULL,"
			    " version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(now.iso), GC_TEXT(now.iso), GC_INT(id), GC_INT(expected_version)),
			    &changes);
	status = changed_one(status, changes);
	if (status != GC_OK)
		goto out;
	struct gc_item_envelope after = it.env;
	after.status = GC_ITEM_WITHDRAWN;
	status = finish_write(ctx, "item.withdraw", &after, &now,
			      json_pack("{s:o*, s:I}", "status", status_change(it.env.status, GC_ITEM_WITHDRAWN),
					"version", (json_int_t)(expected_version + 1)));
out:
	status = tx_close(ctx->db, own, status);
	item_clear(&it);
	return status;
}

/* --- history ---------------------------------------------------------------------------- */

/*
 * Could p read the version whose snapshot this is? The item as it is now,
 * but with the visibility and sharing list it had then: a version that was
 * restricted stays so after the item was made public.
 */
static bool version_visible(struct gc_item_ctx *ctx, const struct item *it, const json_t *envelope)
{
	struct gc_item_envelope then = it->env;
	int64_t shares[GC_ITEM_MAX_SHARES];
	const json_t *list = json_object_get(envelope, "shares");
	if (!gc_visibility_parse(json_string_value(json_object_get(envelope, "visibility")), &then.visibility))
		return insider(ctx->principal, &it->env);
	then.n_shares = 0;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (then.n_shares == GC_ITEM_MAX_SHARES)
			break;
		shares[then.n_shares++] = json_integer_value(v);
	}
	then.shares = shares;
	return gc_policy_can_see(ctx->principal, &then, ctx->restricted_includes_observers);
}

gc_status gc_item_history(struct gc_item_ctx *ctx, int64_t id, json_t **out)
{
	struct item it = { 0 };
	json_t *rows = NULL, *list = NULL;
	gc_status status = item_visible(ctx, id, &it);
	if (status != GC_OK)
		goto out;
	bool inside = insider(ctx->principal, &it.env);
	status = gc_db_query(ctx->db,
			     "SELECT v.version AS version, v.snapshot AS snapshot, v.changed_by AS changed_by,"
			     " v.changed_at AS changed_at, v.note AS note, u.name AS name, o.name AS organisation"
			     " FROM item_versions v LEFT JOIN users u ON u.id = v.changed_by"
			     " LEFT JOIN organisations o ON o.id = u.org_id"
			     " WHERE v.item_id = ? ORDER BY v.version DESC LIMIT ?",
			     GC_PARAMS(GC_INT(id), GC_INT(GC_ITEM_MAX_HISTORY)), &rows);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	list = json_array();
	if (!list)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *snapshot = json_loads(row_str(row, "snapshot") ? row_str(row, "snapshot") : "", 0, NULL);
		json_t *envelope = json_object_get(snapshot, "envelope");
		if (!json_is_object(envelope) || !version_visible(ctx, &it, envelope)) {
			json_decref(snapshot);
			continue;
		}
		/* Whom it was shared with is the insiders' business, as in gc_item_load. */
		if (!inside)
			json_object_del(envelope, "shares");
		int64_t by = row_int(row, "changed_by");
		json_t *person = by <= 0 ? json_null()
				 : inside ? json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)by, "name",
						      row_str(row, "name"), "organisation", row_str(row, "organisation"))
					  : json_pack("{s:n, s:n, s:s?}", "id", "name", "organisation",
						      row_str(row, "organisation"));
		json_t *entry = json_pack("{s:I, s:s?, s:o, s:s?, s:o}", "version", (json_int_t)row_int(row, "version"),
					  "changed_at", row_str(row, "changed_at"), "changed_by", person, "note",
					  row_str(row, "note"), "snapshot", snapshot);
		if (!entry || json_array_append_new(list, entry) != 0)
			goto out;
	}
	*out = list;
	list = NULL;
	status = GC_OK;
out:
	json_decref(list);
	json_decref(rows);
	item_clear(&it);
	return status;
}

/* --- lists -------------------------------------------------------------------------------- */

static bool page_ok(int limit, int offset)
{
	return limit >= 1 && limit <= GC_ITEM_MAX_PAGE && offset >= 0 && offset <= GC_ITEM_MAX_OFFSET;
}

gc_status gc_item_review_queue(struct gc_item_ctx *ctx, int limit, int offset, json_t **out)
{
	struct gc_arena *arena = NULL;
	json_t *ids = NULL, *list = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 2];
	size_t n = 0;
	const char *predicate = NULL;
	gc_status status;

	ctx->field = NULL;
	if (!page_ok(limit, offset))
		return bad(ctx, "limit");
	status = GC_ENOMEM;
	arena = gc_arena_new(ITEMS_ARENA_CAP);
	if (!arena)
		goto out;
	status = gc_policy_review_sql(ctx->principal, "i", arena, &predicate, params, &n);
	if (status != GC_OK)
		goto out;
	const char *sql = gc_arena_printf(arena,
					  "SELECT i.id AS id FROM items i WHERE %s"
					  " ORDER BY i.submitted_at, i.id LIMIT ? OFFSET ?",
					  predicate);
	status = GC_ENOMEM;
	if (!sql)
		goto out;
	params[n++] = GC_INT(limit);
	params[n++] = GC_INT(offset);
	status = gc_db_query(ctx->db, sql, params, n, &ids);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	list = json_array();
	if (!list)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(ids, i, row) {
		json_t *envelope = NULL;
		status = gc_item_load(ctx, row_int(row, "id"), &envelope);
		/* The queue is what one may review, which one may always see; skip anything else. */
		if (status == GC_ENOTFOUND)
			continue;
		if (status != GC_OK)
			goto out;
		if (json_array_append_new(list, envelope) != 0) {
			status = GC_ENOMEM;
			goto out;
		}
	}
	*out = list;
	list = NULL;
	status = GC_OK;
out:
	json_decref(list);
	json_decref(ids);
	gc_arena_free(arena);
	return status;
}

gc_status gc_item_list_notices(struct gc_item_ctx *ctx, const char *module, int limit, int offset, json_t **out)
{
	struct gc_arena *arena = NULL;
	json_t *rows = NULL, *list = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 4];
	size_t n = 0;
	const char *predicate = NULL;
	gc_status status;

	ctx->field = NULL;
	if (!page_ok(limit, offset))
		return bad(ctx, "limit");
	if (module && !module_ok(module))
		return bad(ctx, "module");
	status = GC_ENOMEM;
	arena = gc_arena_new(ITEMS_ARENA_CAP);
	if (!arena)
		goto out;
	status = gc_policy_notice_sql(ctx->principal, ctx->restricted_includes_observers, "i", "id", arena, &predicate,
				      params, &n);
	if (status != GC_OK)
		goto out;
	const char *sql = gc_arena_printf(arena,
					  "SELECT i.module AS module, i.notice_title AS title,"
					  " i.notice_summary AS summary FROM items i"
					  " WHERE %s AND (CAST(? AS TEXT) IS NULL OR i.module = ?)"
					  " ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
					  predicate);
	status = GC_ENOMEM;
	if (!sql)
		goto out;
	params[n++] = GC_TEXT_OR_NULL(module);
	params[n++] = GC_TEXT_OR_NULL(module);
	params[n++] = GC_INT(limit);
	params[n++] = GC_INT(offset);
	/* Scans every published restricted or named item (25 ms at 100,000): kept per
	 * predicate and change counter in the query cache (store/qcache.h). */
	int64_t changes = 0;
	status = gc_db_changes_counter(ctx->db, &changes);
	if (status == GC_OK)
		status = gc_qcache_query(ctx->db, changes, sql, params, n, &rows);
	if (status != GC_OK)
		goto out;
	status = GC_ENOMEM;
	list = json_array();
	if (!list)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *notice = json_pack("{s:b, s:s?, s:s?, s:s?}", "notice", 1, "module", row_str(row, "module"),
					   "title", row_str(row, "title"), "summary", row_str(row, "summary"));
		if (!notice || json_array_append_new(list, notice) != 0)
			goto out;
	}
	*out = list;
	list = NULL;
	status = GC_OK;
out:
	json_decref(list);
	json_decref(rows);
	gc_arena_free(arena);
	return status;
}

/* --- scheduled release --------------------------------------------------------------------- */

/* Releases one item if it is still due; *done says whether it was. */
static gc_status release_one(struct gc_db *db, int64_t id, const struct stamp *now, bool *done)
{
	struct item it = { 0 };
	bool own = false;
	int64_t changes = 0;
	gc_status status;

	*done = false;
	status = tx_open(db, &own);
	if (status == GC_OK)
		status = item_read(db, id, &it);
	if (status != GC_OK)
		goto out;
	/* Re-checked under the write lock: another node may have released or changed it. */
	if (!it.release_at || it.release_s > now->s || it.env.status == GC_ITEM_WITHDRAWN)
		goto out;
	status = gc_db_exec(db,
			    "UPDATE items SET visibility = 'public', release_at = NULL, notice_title = NULL,"
			    " notice_summary = NULL, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			    GC_PARAMS(GC_TEXT(now->iso), GC_INT(id), GC_INT(it.env.version)), &changes);
	status = changed_one(status, changes);
	if (status == GC_OK)
		status = gc_db_exec(db, "DELETE FROM item_shares WHERE item_id = ?", GC_PARAMS(GC_INT(id)), NULL);
	if (status != GC_OK)
		goto out;
	struct gc_item_envelope after = it.env;
	after.visibility = GC_VIS_PUBLIC;
	status = sync_search(db, &after);
	if (status == GC_OK)
		status = audit(db, NULL, NULL, "item.release", id, now->ms,
			       json_pack("{s:{s:s, s:s}, s:s, s:I}", "visibility", "from",
					 gc_visibility_name(it.env.visibility), "to", "public", "release_at",
					 it.release_at, "version", (json_int_t)(it.env.version + 1)));
	if (status == GC_OK)
		status = gc_db_bump_changes(db);
	if (status == GC_OK)
		*done = true;
out:
	status = tx_close(db, own, status);
	if (status != GC_OK)
		*done = false;
	item_clear(&it);
	return status;
}

gc_status gc_items_release_due(struct gc_db *db, int64_t now_ms, int *released)
{
	struct stamp now;
	json_t *ids = NULL;
	int count = 0;
	gc_status status = GC_OK;

	stamp_at(&now, now_ms);
	for (;;) {
		status = gc_db_query(db,
				     "SELECT id AS id FROM items WHERE release_at IS NOT NULL AND release_at <= ?"
				     " AND status <> 'withdrawn' ORDER BY release_at, id LIMIT ?",
				     GC_PARAMS(GC_TEXT(now.iso), GC_INT(ITEMS_RELEASE_BATCH)), &ids);
		if (status != GC_OK)
			break;
		size_t i, batch = json_array_size(ids);
		int before = count;
		json_t *row;
		json_array_foreach(ids, i, row) {
			bool done = false;
			status = release_one(db, row_int(row, "id"), &now, &done);
			if (status != GC_OK)
				break;
			count += done;
		}
		json_decref(ids);
		ids = NULL;
		/* A batch that released nothing would come back the same: stop rather than spin. */
		if (status != GC_OK || batch < ITEMS_RELEASE_BATCH || count == before)
			break;
	}
	if (released)
		*released = count;
	return status;
}

static gc_status release_job_run(struct gc_db *db, const json_t *payload, char *err, size_t err_size)
{
	int released = 0;
	(void)payload;
	gc_status status = gc_items_release_due(db, gc_clock_now_ms(), &released);
	if (status != GC_OK)
		snprintf(err, err_size, "releasing items after %d: %s", released, gc_status_name(status));
	return status;
}

const struct gc_job_kind gc_items_release_job = {
	.name = GC_ITEMS_RELEASE_JOB,
	.max_attempts = 10,
	.run = release_job_run,
};

/* --- children ------------------------------------------------------------------------------ */

bool gc_item_visibility_within(const struct gc_item_envelope *parent, const struct gc_item_envelope *child)
{
	switch (child->visibility) {
	case GC_VIS_PUBLIC:
		return parent->visibility == GC_VIS_PUBLIC;
	case GC_VIS_RESTRICTED:
		return parent->visibility == GC_VIS_PUBLIC || parent->visibility == GC_VIS_RESTRICTED;
	case GC_VIS_NAMED:
		if (parent->visibility == GC_VIS_PUBLIC)
			return true;
		if (parent->visibility != GC_VIS_NAMED)
			return false;
		for (size_t i = 0; i < child->n_shares; i++) {
			bool found = false;
			for (size_t j = 0; j < parent->n_shares && !found; j++)
				found = parent->shares[j] == child->shares[i];
			if (!found)
				return false;
		}
		return true;
	case GC_VIS_DEFAULT:
		break;
	}
	return false;
}
