/*
 * Every module of the portal, in the order their migrations and hooks run.
 * The core module comes first: the identity and items components are
 * migrated right after it (cli/common.c), before any other module.
 */
#include "modules/module.h"

extern const struct gc_module core_module;
extern const struct gc_module countries_module;
extern const struct gc_module account_module;
extern const struct gc_module items_module;
extern const struct gc_module policies_module;
extern const struct gc_module organisations_module;
extern const struct gc_module contacts_module;
extern const struct gc_module capacity_module;

const struct gc_module *const gc_modules[] = {
	&core_module,
	&countries_module,
	&account_module,
	&items_module,
	&policies_module,
	&organisations_module,
	&contacts_module,
	&capacity_module,
};

const size_t gc_module_count = sizeof(gc_modules) / sizeof(gc_modules[0]);
