#include "auth/principal.h"

#include <string.h>

/* Indexed by the enums, so a name and its value cannot drift apart; the
 * strings are those the database's CHECK constraints accept. */
static const char *const org_kind_names[] = {
	[GC_ORG_SECRETARIAT] = "secretariat",
	[GC_ORG_MEMBER_STATE] = "member_state",
	[GC_ORG_OBSERVER_STATE] = "observer_state",
	[GC_ORG_UN_BODY] = "un_body",
	[GC_ORG_REGIONAL_ORG] = "regional_org",
	[GC_ORG_STAKEHOLDER] = "stakeholder",
};

static const char *const role_names[] = {
	[GC_ROLE_READER] = "reader",
	[GC_ROLE_EDITOR] = "editor",
	[GC_ROLE_ADMIN] = "admin",
};

const char *gc_org_kind_name(enum gc_org_kind kind)
{
	if ((unsigned)kind >= sizeof(org_kind_names) / sizeof(org_kind_names[0]))
		return NULL;
	return org_kind_names[kind];
}

bool gc_org_kind_parse(const char *name, enum gc_org_kind *kind)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(org_kind_names) / sizeof(org_kind_names[0]); i++) {
		if (strcmp(name, org_kind_names[i]) == 0) {
			*kind = (enum gc_org_kind)i;
			return true;
		}
	}
	return false;
}

const char *gc_role_name(enum gc_role role)
{
	if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
		return NULL;
	return role_names[role];
}

bool gc_role_parse(const char *name, enum gc_role *role)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*role = (enum gc_role)i;
			return true;
		}
	}
	return false;
}
