/*
 * Who is asking: a signed-in person acting for one organisation, resolved
 * once per request from the session cookie or the API token, and kept in the
 * request's arena. An anonymous visitor has no principal (NULL).
 */
#ifndef GC_AUTH_PRINCIPAL_H
#define GC_AUTH_PRINCIPAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gc_org_kind {
	GC_ORG_SECRETARIAT,
	GC_ORG_MEMBER_STATE,
	GC_ORG_OBSERVER_STATE,
	GC_ORG_UN_BODY,
	GC_ORG_REGIONAL_ORG,
	GC_ORG_STAKEHOLDER,
};

enum gc_role { GC_ROLE_READER, GC_ROLE_EDITOR, GC_ROLE_ADMIN };

#define GC_PRINCIPAL_MAX_MODULE_LIMITS 16

struct gc_principal {
	int64_t user_id;
	const char *email;
	const char *name;
	enum gc_role role;

	int64_t org_id;
	const char *org_name;
	enum gc_org_kind org_kind;
	const char *org_country;  /* ISO3 for member and observer states, else NULL */
	bool org_four_eyes;       /* the state's items need a second person to publish */

	/* Modules this editor may edit; n_module_limits == 0 means every module. */
	const char *module_limits[GC_PRINCIPAL_MAX_MODULE_LIMITS];
	size_t n_module_limits;

	bool via_token;           /* authenticated by an API token (no CSRF applies) */
	int64_t session_id;       /* 0 for tokens */
	const char *csrf_token;   /* the session's CSRF token; NULL for tokens */
};

/* "secretariat", "member_state", ...; NULL for an unknown kind. */
const char *gc_org_kind_name(enum gc_org_kind kind);
bool gc_org_kind_parse(const char *name, enum gc_org_kind *kind);
const char *gc_role_name(enum gc_role role);
bool gc_role_parse(const char *name, enum gc_role *role);

static inline bool gc_principal_is_secretariat(const struct gc_principal *p)
{
	return p && p->org_kind == GC_ORG_SECRETARIAT;
}

static inline bool gc_principal_is_state(const struct gc_principal *p)
{
	return p && (p->org_kind == GC_ORG_MEMBER_STATE || p->org_kind == GC_ORG_OBSERVER_STATE);
}

#endif
