/*
 * A process-wide cache of query answers for pages built per request (signed
 * in, so never in the page cache): the answer of one read-only statement,
 * kept under its WHOLE query -- the engine, the SQL text and every bound
 * parameter -- and the change counter (gc_db_changes_counter) read before
 * it ran.
 *
 * Why that key is safe for visibility: a list's statement carries the
 * visibility predicate of auth/policy.h with its parameters (the
 * principal's organisation, its kind through the predicate's text, the
 * observers setting), so two callers share an answer only when the rule
 * gives them the very same predicate and parameters -- the same visibility
 * class. Nothing is ever served across classes.
 *
 * Why it is fresh: an answer is served only while the database's change
 * counter is the one it was computed under. Every write transaction that
 * changes items, their sharing lists, organisations or settings bumps it
 * (auth/items.c finish_write, gc_search_put, ...). The counter is read before
 * the statement runs, so an answer is never filed under a counter newer than
 * the data it saw. Several server processes are safe: the counter is in the
 * database.
 *
 * Bounded: GC_QCACHE_SLOTS answers (list statements and search answers
 * share them), a statement's of at most GC_QCACHE_MAX_ROWS rows (a larger
 * answer is returned but not kept); sets of GC_QCACHE_WAYS slots, the least
 * recently used replaced. Copies go in and out. One database per process:
 * the key names the engine, not the database.
 */
#ifndef GC_STORE_QCACHE_H
#define GC_STORE_QCACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "store/store.h"

#define GC_QCACHE_SLOTS 2048
#define GC_QCACHE_WAYS 8
#define GC_QCACHE_MAX_ROWS 600

/*
 * gc_db_query through the cache: the rows of sql with params, from the cache
 * when an answer computed under the counter `changes` is there, else from
 * the database (and then kept). `changes` is what gc_db_changes_counter gave
 * this request before any of its reads. Same errors as gc_db_query; a
 * parameter the key cannot hold (a blob, a real) runs uncached.
 */
GC_MUST_CHECK gc_status gc_qcache_query(struct gc_db *db, int64_t changes, const char *sql,
					const struct gc_val *params, size_t n_params, json_t **rows);

/*
 * The same for an answer the caller only reads: on a hit, a new reference to
 * the kept array itself, not a copy (json_decref it; never change it or what
 * it holds: other threads read it; jansson's reference counts are atomic).
 */
GC_MUST_CHECK gc_status gc_qcache_query_shared(struct gc_db *db, int64_t changes, const char *sql,
					       const struct gc_val *params, size_t n_params, json_t **rows);
/* gc_db_query_int through the cache (the statement's first row, first column). */
GC_MUST_CHECK gc_status gc_qcache_query_int(struct gc_db *db, int64_t changes, const char *sql,
					    const struct gc_val *params, size_t n_params, int64_t *value);

/*
 * The store underneath, for other answers kept by the same rule (the search
 * result cache of store/search.c): a copy of what was put under exactly these
 * key bytes and counter, or NULL; and put, which takes key (malloc'd) and
 * keeps a copy of value. The key must hold everything the answer depends on,
 * the visibility predicate and its parameters included.
 */
json_t *gc_qcache_get(const char *key, size_t len, int64_t changes);
void gc_qcache_put(char *key, size_t len, int64_t changes, const json_t *value);

/* Counters since start (for tests and metrics): answers served from the cache, and computed. */
void gc_qcache_stats(uint64_t *hits, uint64_t *misses);

/* Drops every answer (tests; a restore). */
void gc_qcache_clear(void);

#endif
