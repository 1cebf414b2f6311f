#include <jansson.h>
#include <stdio.h>

#include "cli/cli.h"
#include "http/static.h"
#include "modules/module.h"

static const char *access_name(enum gc_access access)
{
	switch (access) {
	case GC_ACCESS_PUBLIC: return "public";
	case GC_ACCESS_SIGNED_IN: return "signed_in";
	case GC_ACCESS_STATE: return "state";
	case GC_ACCESS_SECRETARIAT: return "secretariat";
	case GC_ACCESS_SESSION: return "session";
	}
	return "public";
}

static int append_routes(json_t *list, const struct gc_route *routes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct gc_route *r = &routes[i];
		json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:b}", "method", r->method, "pattern", r->pattern,
					  "name", r->name ? r->name : "", "access", access_name(r->access),
					  "api_only", r->api_only);
		if (!entry || json_array_append_new(list, entry) != 0)
			return -1;
	}
	return 0;
}

int gc_cli_routes(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "gcscp: routes takes no options\n");
		return 2;
	}
	json_t *list = json_array();
	int failed = !list || append_routes(list, gc_static_routes, gc_static_route_count);
	for (size_t i = 0; i < gc_module_count && !failed; i++)
		failed = append_routes(list, gc_modules[i]->routes, gc_modules[i]->n_routes);
	if (!failed)
		failed = json_dumpf(list, stdout, JSON_INDENT(2)) != 0;
	json_decref(list);
	if (failed)
		return 1;
	putchar('\n');
	return 0;
}
