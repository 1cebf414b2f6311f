/*
 * A query string as src/http/server.c reads it: gc_kv_parse with at most
 * GC_MAX_QUERY_PARAMS pairs, then gc_params_select against a route's
 * declared parameters (see kv_check.h for the invariants).
 *
 * Input: one byte choosing the parameter list (the synthetic one with every
 * type, or one of the portal's routes') and whether required parameters are
 * enforced (a GET without body enforces them), then the query, up to a NUL
 * as in a request target.
 */
#include "kv_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kv_collect_specs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct gc_param_spec *specs = kv_specs[(data[0] >> 1) % kv_n_specs];
	bool enforce = data[0] & 1;
	char *query = fuzz_cstr(data + 1, size - 1);
	struct gc_arena *arena = gc_arena_new((size_t)1 << 26);
	if (!arena)
		abort();
	struct gc_kv *kv = NULL;
	size_t n_kv = 0;
	if (kv_parse_checked(arena, query, strlen(query), GC_MAX_QUERY_PARAMS, &kv, &n_kv) == GC_OK)
		kv_select_checked(arena, specs, kv, n_kv, enforce);
	gc_arena_free(arena);
	free(query);
	return 0;
}
