/*
 * The countries module's schema and reference data: the UN M49 regions and
 * the 193 member and 2 observer states (data/regions.csv, data/countries.csv,
 * built into the binary; tools/gen-countries.py explains where they come
 * from). Migration 1 creates the tables and loads both files.
 */
#ifndef GC_MODULES_COUNTRIES_REFERENCE_H
#define GC_MODULES_COUNTRIES_REFERENCE_H

#include <stddef.h>

#include "store/migrate.h"

/* As a constant expression too, for static module declarations. */
#define COUNTRIES_MIGRATION_COUNT 1

extern const struct gc_migration countries_migrations[COUNTRIES_MIGRATION_COUNT];
extern const size_t countries_migration_count;

#endif
