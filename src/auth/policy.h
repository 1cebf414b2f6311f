/*
 * The one place that decides who may see what (DESIGN.md "The shared envelope
 * and who may see what"). Handlers never filter by hand: list, count, search,
 * feed and export queries append the predicate this module gives them.
 */
#ifndef GC_AUTH_POLICY_H
#define GC_AUTH_POLICY_H

#include <stddef.h>

#include "base/arena.h"
#include "base/status.h"
#include "store/store.h"

struct gc_principal;

#define GC_POLICY_MAX_PARAMS 8

/*
 * The SQL predicate selecting the items principal may see, over a table or
 * alias (one of "d", "i": a short identifier the caller chose) that has the
 * envelope's columns visibility, status and owner_org. The text lives in arena;
 * params (up to GC_POLICY_MAX_PARAMS) are written to params, their count to *n.
 * A NULL principal is an anonymous visitor.
 */
GC_MUST_CHECK gc_status gc_policy_visible_sql(const struct gc_principal *principal, const char *alias,
					      struct gc_arena *arena, const char **sql, struct gc_val *params,
					      size_t *n);

#endif
