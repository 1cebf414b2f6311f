/*
 * The visibility rule, twice: in C over an envelope, and as SQL over a table
 * alias. The two are kept side by side on purpose; each numbered clause of
 * the C form has the same number in the SQL form, and any change to one is a
 * change to the other (tests/unit/test_policy.c compares them item by item).
 */
#include "auth/policy.h"

#include <string.h>

#include "auth/principal.h"
#include "base/buf.h"

/* --- names --------------------------------------------------------------------- */

static const char *const visibility_names[] = {
	[GC_VIS_PUBLIC] = "public",
	[GC_VIS_RESTRICTED] = "restricted",
	[GC_VIS_NAMED] = "named",
};

static const char *const status_names[] = {
	[GC_ITEM_DRAFT] = "draft",
	[GC_ITEM_PENDING] = "pending",
	[GC_ITEM_PUBLISHED] = "published",
	[GC_ITEM_WITHDRAWN] = "withdrawn",
};

static const char *const approval_names[] = {
	[GC_APPROVAL_SECRETARIAT] = "secretariat",
	[GC_APPROVAL_FOUR_EYES] = "four_eyes",
};

static const char *name_of(const char *const *names, size_t count, int value)
{
	if (value < 0 || (size_t)value >= count)
		return NULL;
	return names[value];
}

static bool parse_name(const char *const *names, size_t count, const char *name, int *value)
{
	if (!name)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (names[i] && strcmp(names[i], name) == 0) {
			*value = (int)i;
			return true;
		}
	}
	return false;
}

const char *gc_visibility_name(enum gc_visibility v)
{
	return name_of(visibility_names, GC_ARRAY_LEN(visibility_names), (int)v);
}

const char *gc_item_status_name(enum gc_item_status s)
{
	return name_of(status_names, GC_ARRAY_LEN(status_names), (int)s);
}

const char *gc_approval_name(enum gc_approval a)
{
	return name_of(approval_names, GC_ARRAY_LEN(approval_names), (int)a);
}

bool gc_visibility_parse(const char *name, enum gc_visibility *v)
{
	int value;
	if (!parse_name(visibility_names, GC_ARRAY_LEN(visibility_names), name, &value))
		return false;
	*v = (enum gc_visibility)value;
	return true;
}

bool gc_item_status_parse(const char *name, enum gc_item_status *s)
{
	int value;
	if (!parse_name(status_names, GC_ARRAY_LEN(status_names), name, &value))
		return false;
	*s = (enum gc_item_status)value;
	return true;
}

bool gc_approval_parse(const char *name, enum gc_approval *a)
{
	int value;
	if (!parse_name(approval_names, GC_ARRAY_LEN(approval_names), name, &value))
		return false;
	*a = (enum gc_approval)value;
	return true;
}

/* --- the rule in C ------------------------------------------------------------- */

/* Principals always belong to an organisation; a zero id (a principal built
 * by mistake) must not match anything, least of all an item with no owner. */
static bool owns(const struct gc_principal *p, const struct gc_item_envelope *item)
{
	return p && p->org_id > 0 && p->org_id == item->owner_org;
}

static bool reads_restricted(const struct gc_principal *p, bool restricted_includes_observers)
{
	return p && (p->org_kind == GC_ORG_MEMBER_STATE ||
		     (p->org_kind == GC_ORG_OBSERVER_STATE && restricted_includes_observers));
}

static bool on_share_list(const struct gc_principal *p, const struct gc_item_envelope *item)
{
	if (!p || p->org_id <= 0)
		return false;
	for (size_t i = 0; i < item->n_shares; i++)
		if (item->shares[i] == p->org_id)
			return true;
	return false;
}

bool gc_policy_can_see(const struct gc_principal *p, const struct gc_item_envelope *item,
		       bool restricted_includes_observers)
{
	/* A principal without an organisation is a bug; it gets what the SQL
	 * form gives it, an anonymous visitor's view. */
	if (p && p->org_id <= 0)
		p = NULL;
	/* 1. The owner's own items, whatever their status. */
	if (owns(p, item))
		return true;
	/* 2. The Secretariat reviews and keeps the record, but never reads another organisation's draft. */
	if (gc_principal_is_secretariat(p) && item->status != GC_ITEM_DRAFT)
		return true;
	/* 3. Published items, by visibility. */
	if (item->status != GC_ITEM_PUBLISHED)
		return false;
	switch (item->visibility) {
	case GC_VIS_PUBLIC:
		return true;
	case GC_VIS_RESTRICTED:
		return reads_restricted(p, restricted_includes_observers);
	case GC_VIS_NAMED:
		return on_share_list(p, item);
	case GC_VIS_DEFAULT:
		break;
	}
	/* An envelope without a real visibility is a bug: show it to no one else. */
	return false;
}

/* An editor's module_limits name the modules they may edit; none means all. */
static bool module_allowed(const struct gc_principal *p, const char *module)
{
	if (p->role == GC_ROLE_ADMIN || p->n_module_limits == 0)
		return true;
	if (!module)
		return false;
	for (size_t i = 0; i < p->n_module_limits && i < GC_PRINCIPAL_MAX_MODULE_LIMITS; i++)
		if (p->module_limits[i] && strcmp(p->module_limits[i], module) == 0)
			return true;
	return false;
}

static bool writes(const struct gc_principal *p)
{
	return p && (p->role == GC_ROLE_EDITOR || p->role == GC_ROLE_ADMIN);
}

bool gc_policy_can_edit(const struct gc_principal *p, const struct gc_item_envelope *item)
{
	if (!writes(p) || item->status == GC_ITEM_WITHDRAWN)
		return false;
	if (owns(p, item))
		return module_allowed(p, item->module);
	/* Acting on behalf of the owner: only on what the Secretariat may see (clause 2). */
	return gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN && item->status != GC_ITEM_DRAFT;
}

bool gc_policy_can_create(const struct gc_principal *p, const char *module, int64_t acting_for_org)
{
	if (!writes(p) || p->org_id <= 0 || !module_allowed(p, module))
		return false;
	if (acting_for_org == 0 || acting_for_org == p->org_id)
		return true;
	return acting_for_org > 0 && gc_principal_is_secretariat(p) && p->role == GC_ROLE_ADMIN;
}

bool gc_policy_can_withdraw(const struct gc_principal *p, const struct gc_item_envelope *item)
{
	if (gc_policy_can_edit(p, item))
		return true;
	return writes(p) && gc_principal_is_secretariat(p) && item->status != GC_ITEM_WITHDRAWN &&
	       item->status != GC_ITEM_DRAFT;
}

bool gc_policy_can_review(const struct gc_principal *p, const struct gc_item_envelope *item)
{
	if (!writes(p) || item->status != GC_ITEM_PENDING || p->user_id <= 0)
		return false;
	if (p->user_id == item->created_by || p->user_id == item->submitted_by)
		return false;
	switch (item->approval) {
	case GC_APPROVAL_SECRETARIAT:
		return gc_principal_is_secretariat(p);
	case GC_APPROVAL_FOUR_EYES:
		return owns(p, item) && p->role == GC_ROLE_ADMIN;
	case GC_APPROVAL_NONE:
		break;
	}
	return false;
}

bool gc_policy_shows_notice(const struct gc_principal *p, const struct gc_item_envelope *item,
			    bool restricted_includes_observers)
{
	return item->status == GC_ITEM_PUBLISHED && item->has_notice &&
	       (item->visibility == GC_VIS_RESTRICTED || item->visibility == GC_VIS_NAMED) &&
	       !gc_policy_can_see(p, item, restricted_includes_observers);
}

/* --- the rule in SQL ----------------------------------------------------------- */

/* Aliases and column names are chosen by code, never by input; refusing
 * anything else keeps the predicate's text free of all but what we wrote. */
static bool identifier_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 16 || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

/* The predicate is short; a bound keeps a bug from growing it without limit. */
#define POLICY_SQL_MAX 2048

static gc_status finish(struct gc_buf *b, struct gc_arena *arena, const char **sql)
{
	gc_status status = gc_buf_error(b);
	if (status == GC_OK) {
		*sql = gc_arena_strndup(arena, gc_buf_str(b), b->len);
		status = *sql ? GC_OK : GC_ENOMEM;
	}
	gc_buf_free(b);
	return status;
}

/* Writes the visibility predicate into b and its parameters from params[*n]. */
static void visible_into(struct gc_buf *b, const struct gc_principal *p, bool restricted_includes_observers,
			 const char *a, const char *id, struct gc_val *params, size_t *n)
{
	if (!p || p->org_id <= 0) {
		/* Anonymous: clause 3, public only. */
		gc_buf_printf(b, "(%s.status = 'published' AND %s.visibility = 'public')", a, a);
		return;
	}
	/* 1. */
	gc_buf_printf(b, "(%s.owner_org = ?", a);
	params[(*n)++] = GC_INT(p->org_id);
	/* 2. */
	if (gc_principal_is_secretariat(p))
		gc_buf_printf(b, " OR %s.status IN ('pending', 'published', 'withdrawn')", a);
	/* 3. */
	gc_buf_printf(b, " OR (%s.status = 'published' AND (%s.visibility = 'public'", a, a);
	if (reads_restricted(p, restricted_includes_observers))
		gc_buf_printf(b, " OR %s.visibility = 'restricted'", a);
	gc_buf_printf(b,
		      " OR (%s.visibility = 'named' AND EXISTS (SELECT 1 FROM item_shares s"
		      " WHERE s.item_id = %s.%s AND s.org_id = ?)))))",
		      a, a, id);
	params[(*n)++] = GC_INT(p->org_id);
}

gc_status gc_policy_visible_sql(const struct gc_principal *p, bool restricted_includes_observers, const char *alias,
				const char *id_column, struct gc_arena *arena, const char **sql, struct gc_val *params,
				size_t *n)
{
	struct gc_buf b;
	if (!identifier_ok(alias) || !identifier_ok(id_column))
		return GC_EINVAL;
	gc_buf_init(&b, POLICY_SQL_MAX);
	*n = 0;
	visible_into(&b, p, restricted_includes_observers, alias, id_column, params, n);
	return finish(&b, arena, sql);
}

gc_status gc_policy_notice_sql(const struct gc_principal *p, bool restricted_includes_observers, const char *alias,
			       const char *id_column, struct gc_arena *arena, const char **sql, struct gc_val *params,
			       size_t *n)
{
	struct gc_buf b;
	if (!identifier_ok(alias) || !identifier_ok(id_column))
		return GC_EINVAL;
	gc_buf_init(&b, POLICY_SQL_MAX);
	*n = 0;
	gc_buf_printf(&b,
		      "(%s.status = 'published' AND %s.visibility IN ('restricted', 'named')"
		      " AND %s.notice_title IS NOT NULL AND NOT ",
		      alias, alias, alias);
	visible_into(&b, p, restricted_includes_observers, alias, id_column, params, n);
	gc_buf_lit(&b, ")");
	return finish(&b, arena, sql);
}

gc_status gc_policy_review_sql(const struct gc_principal *p, const char *alias, struct gc_arena *arena,
			       const char **sql, struct gc_val *params, size_t *n)
{
	struct gc_buf b;
	if (!identifier_ok(alias))
		return GC_EINVAL;
	gc_buf_init(&b, POLICY_SQL_MAX);
	*n = 0;
	bool secretariat = writes(p) && p->user_id > 0 && gc_principal_is_secretariat(p);
	bool four_eyes = p && p->role == GC_ROLE_ADMIN && p->user_id > 0 && p->org_id > 0;
	if (!secretariat && !four_eyes) {
		gc_buf_lit(&b, "(1 = 0)");
		return finish(&b, arena, sql);
	}
	/* Never one's own work: neither the creator nor the last submitter. */
	gc_buf_printf(&b,
		      "(%s.status = 'pending' AND %s.created_by <> ?"
		      " AND (%s.submitted_by IS NULL OR %s.submitted_by <> ?) AND (",
		      alias, alias, alias, alias);
	params[(*n)++] = GC_INT(p->user_id);
	params[(*n)++] = GC_INT(p->user_id);
	if (secretariat)
		gc_buf_printf(&b, "%s.approval = 'secretariat'", alias);
	if (secretariat && four_eyes)
		gc_buf_lit(&b, " OR ");
	if (four_eyes) {
		gc_buf_printf(&b, "(%s.approval = 'four_eyes' AND %s.owner_org = ?)", alias, alias);
		params[(*n)++] = GC_INT(p->org_id);
	}
	gc_buf_lit(&b, "))");
	return finish(&b, arena, sql);
}

gc_status gc_policy_read_observers(struct gc_db *db, bool *restricted_includes_observers)
{
	int64_t count = 0;
	gc_status status = gc_db_query_int(db,
					   "SELECT COUNT(*) AS n FROM settings"
					   " WHERE key = 'restricted_includes_observers' AND value = '1'",
					   GC_NO_PARAMS, &count);
	if (status != GC_OK)
		return status;
	*restricted_includes_observers = count > 0;
	return GC_OK;
}
