#include "auth/policy.h"

#include <string.h>

/* Aliases are chosen by code, never by input; refusing anything else keeps
 * the predicate's text free of anything but identifiers we wrote. */
static int alias_ok(const char *alias)
{
	size_t n = strlen(alias);
	if (n == 0 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((alias[i] >= 'a' && alias[i] <= 'z') || alias[i] == '_'))
			return 0;
	return 1;
}

gc_status gc_policy_visible_sql(const struct gc_principal *principal, const char *alias, struct gc_arena *arena,
				const char **sql, struct gc_val *params, size_t *n)
{
	(void)params;
	if (!alias_ok(alias))
		return GC_EINVAL;
	/* No one is signed in until identity and access exist, so every caller
	 * is anonymous: published public items only. */
	if (principal != NULL)
		return GC_EINVAL;
	*sql = gc_arena_printf(arena, "%s.visibility = 'public' AND %s.status = 'published'", alias, alias);
	*n = 0;
	return *sql ? GC_OK : GC_ENOMEM;
}
