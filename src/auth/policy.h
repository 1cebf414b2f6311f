/*
 * The one place that decides who may see, edit and review what (DESIGN.md
 * "The shared envelope and who may see what"; the rule itself is written in
 * docs/ARCHITECTURE.md "Who may see what"). Handlers never filter by hand:
 * list, count, search, feed and export queries append the predicate this
 * module gives them, and single items are checked with gc_policy_can_see().
 *
 * The rule comes in two forms, a C function over an envelope and an SQL
 * predicate over a table alias. Both are written here, next to each other,
 * and tests/unit/test_policy.c and tests/unit/test_items_model.c check that
 * they select exactly the same items for every kind of principal.
 *
 * The portal-wide setting restricted_includes_observers (settings table,
 * '0' by default) widens "restricted" to observer states. It is not read
 * here on every check: the caller reads it once per request with
 * gc_policy_read_observers() and passes the value to every call, so that one
 * request sees one consistent rule and a check costs no query.
 *
 * A NULL principal is an anonymous visitor.
 */
#ifndef GC_AUTH_POLICY_H
#define GC_AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "store/store.h"

struct gc_principal;

/* Who may read an item once it is published. GC_VIS_DEFAULT appears only in
 * inputs ("the owner's default"), never in an envelope. */
enum gc_visibility {
	GC_VIS_DEFAULT = 0,
	GC_VIS_PUBLIC,     /* anyone */
	GC_VIS_RESTRICTED, /* member states (and observer states when the setting says so) */
	GC_VIS_NAMED,      /* the organisations on the item's sharing list */
};

enum gc_item_status { GC_ITEM_DRAFT, GC_ITEM_PENDING, GC_ITEM_PUBLISHED, GC_ITEM_WITHDRAWN };

/* Which review a pending item awaits. */
enum gc_approval {
	GC_APPROVAL_NONE,        /* not pending */
	GC_APPROVAL_SECRETARIAT, /* a Secretariat editor or admin */
	GC_APPROVAL_FOUR_EYES,   /* an admin of the owner state */
};

/*
 * What the policy needs to know of an item: the envelope's access fields.
 * Strings and the share list are borrowed (for items loaded by auth/items,
 * they live in the arena passed to gc_item_get).
 */
struct gc_item_envelope {
	int64_t id;
	const char *module;
	int64_t owner_org;
	enum gc_visibility visibility; /* never GC_VIS_DEFAULT */
	enum gc_item_status status;
	enum gc_approval approval;     /* GC_APPROVAL_NONE unless pending */
	int64_t created_by;            /* user id */
	int64_t submitted_by;          /* user id of the last submission; 0 when none */
	int64_t version;
	const int64_t *shares;         /* organisation ids of a named item's sharing list */
	size_t n_shares;
	bool has_notice;               /* a public notice (title and summary) is set */
};

/* "public", "draft", "secretariat", ...; NULL for a value out of range
 * (and for GC_VIS_DEFAULT and GC_APPROVAL_NONE, which have no stored name). */
const char *gc_visibility_name(enum gc_visibility v);
const char *gc_item_status_name(enum gc_item_status s);
const char *gc_approval_name(enum gc_approval a);
/* The reverse; false for an unknown name (NULL included). */
bool gc_visibility_parse(const char *name, enum gc_visibility *v);
bool gc_item_status_parse(const char *name, enum gc_item_status *s);
bool gc_approval_parse(const char *name, enum gc_approval *a);

/* --- the rule in C --------------------------------------------------------- */

/*
 * May p see the item (its envelope, content, children, attachments, history)?
 * True when any of these holds:
 *   1. the item belongs to p's organisation (any status);
 *   2. p is the Secretariat and the status is pending, published or withdrawn;
 *   3. the status is published and the visibility is public; or restricted
 *      and p is a member state (an observer state too when
 *      restricted_includes_observers); or named and p's organisation is on
 *      the sharing list.
 */
bool gc_policy_can_see(const struct gc_principal *p, const struct gc_item_envelope *item,
		       bool restricted_includes_observers);

/*
 * May p edit the item (content, envelope fields, visibility, sharing,
 * notice, scheduled release) and submit it? The owner organisation's editors
 * (only in the modules their module_limits allow) and admins; the
 * Secretariat's admins, acting on behalf of the owner, on any item the
 * Secretariat can see. Never readers, never anyone else, never a withdrawn
 * item. Implies gc_policy_can_see.
 */
bool gc_policy_can_edit(const struct gc_principal *p, const struct gc_item_envelope *item);

/*
 * May p create an item of module, owned by p's organisation (acting_for_org
 * 0 or p's own) or, for a Secretariat admin only, by acting_for_org?
 * Editors (within their module_limits) and admins. Whether acting_for_org
 * exists is for the caller to check.
 */
bool gc_policy_can_create(const struct gc_principal *p, const char *module, int64_t acting_for_org);

/*
 * May p withdraw the item? Those who may edit it, and the Secretariat's
 * editors, on any item the Secretariat can see. Never an item already
 * withdrawn.
 */
bool gc_policy_can_withdraw(const struct gc_principal *p, const struct gc_item_envelope *item);

/*
 * May p publish or reject the pending item? For approval secretariat, the
 * Secretariat's editors and admins; for approval four_eyes, the owner
 * organisation's admins. Never the user who created the item or the one who
 * last submitted it (no one approves their own work).
 */
bool gc_policy_can_review(const struct gc_principal *p, const struct gc_item_envelope *item);

/*
 * Does p see the item's public notice in its place? A published restricted
 * or named item with a notice that p cannot see. p then sees the notice's
 * title and summary, marked as a notice, and nothing else of the item.
 */
bool gc_policy_shows_notice(const struct gc_principal *p, const struct gc_item_envelope *item,
			    bool restricted_includes_observers);

/* --- the rule in SQL ------------------------------------------------------- */

#define GC_POLICY_MAX_PARAMS 8

/*
 * The SQL predicate selecting the rows whose item p may see, the same rule
 * as gc_policy_can_see(). alias is a table or alias with the envelope's
 * columns visibility, status and owner_org, and id_column the column there
 * holding the item's id (items: "i", "id"; search_docs: "d", "item_id").
 * Both must be lower-case identifiers of at most 16 characters chosen by code
 * (GC_EINVAL otherwise): they are the only text not written here. The
 * predicate is parenthesised, so it can be ANDed as it is; it refers to
 * item_shares as "s" inside a subquery of its own.
 *
 * *sql lives in arena; the parameters (at most GC_POLICY_MAX_PARAMS) are
 * written to params and their count to *n, to be bound in order where the
 * predicate stands in the caller's statement. They borrow nothing.
 */
GC_MUST_CHECK gc_status gc_policy_visible_sql(const struct gc_principal *p, bool restricted_includes_observers,
					      const char *alias, const char *id_column, struct gc_arena *arena,
					      const char **sql, struct gc_val *params, size_t *n);

/*
 * The SQL predicate selecting the items whose public notice p sees, the same
 * rule as gc_policy_shows_notice(). alias must have the items table's
 * columns (notice_title among them): use it over items. A query using it
 * must select only the notice (notice_title, notice_summary, module) and mark
 * it as a notice: everything else of those items is hidden from p.
 */
GC_MUST_CHECK gc_status gc_policy_notice_sql(const struct gc_principal *p, bool restricted_includes_observers,
					     const char *alias, const char *id_column, struct gc_arena *arena,
					     const char **sql, struct gc_val *params, size_t *n);

/*
 * The SQL predicate selecting the pending items p may review, the same rule
 * as gc_policy_can_review(), over an alias with the items table's columns.
 * For a principal who may review nothing it is a predicate that is never true.
 */
GC_MUST_CHECK gc_status gc_policy_review_sql(const struct gc_principal *p, const char *alias,
					     struct gc_arena *arena, const char **sql, struct gc_val *params,
					     size_t *n);

/*
 * Reads the setting restricted_includes_observers: true only when the row
 * says '1'; a missing row is the default, false. Call once per request.
 */
GC_MUST_CHECK gc_status gc_policy_read_observers(struct gc_db *db, bool *restricted_includes_observers);

#endif
