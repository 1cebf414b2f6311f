/*
 * Full-text search behind one interface: SQLite FTS5 or PostgreSQL tsvector.
 * Modules put one document per item and language; the portal-wide search page
 * queries them all. The caller's visibility predicate (from auth/policy) is
 * appended to every query, so nothing the caller may not see is counted,
 * ranked, faceted or shown (DESIGN.md "who may see what").
 */
#ifndef GC_STORE_SEARCH_H
#define GC_STORE_SEARCH_H

#include "base/arena.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_SEARCH_MAX_QUERY 256   /* bytes of query text */
#define GC_SEARCH_MAX_LIMIT 100   /* results per page */
#define GC_SEARCH_MAX_TERMS 16    /* words in one query (GC_FOLD_MAX_UNITS) */
#define GC_SEARCH_MAX_OFFSET 10000 /* deepest page start: deep paging is costly and useless */
#define GC_SEARCH_MAX_BODY 262144 /* bytes of title or body indexed; the rest is cut (on a character boundary) */

/*
 * The schema of search_docs and its index, for the core module to apply
 * under the component "search" (gc_migrate_component).
 */
extern const struct gc_migration gc_search_migrations[];
extern const size_t gc_search_migration_count;

struct gc_search_doc {
	const char *module;   /* "policies", ... */
	int64_t item_id;
	const char *lang;     /* "en", "fr", ... */
	const char *title;
	const char *body;     /* plain text: summary, attachment text */
	const char *url;      /* the item's page, e.g. "/policies/12" */
	const char *country;  /* ISO 3166-1 alpha-3 or NULL */
	const char *kind;     /* module-specific kind or NULL */
	int year;             /* 0 when unknown */
	/* The envelope, for the visibility predicate. */
	const char *visibility; /* public | restricted | named */
	const char *status;     /* draft | pending | published | withdrawn */
	int64_t owner_org;
	/* The state's UN M49 region, sub-region and intermediate region codes ("002"), each NULL when none. */
	const char *region;
	const char *subregion;
	const char *intermediate;
	/* The item's topics (keys of the module's taxonomy), the same for each language; at most GC_SEARCH_MAX_TOPICS. */
	const char *const *topics;
	size_t n_topics;
};

#define GC_SEARCH_MAX_TOPICS 32
/* The version of the folding (base/fold.h) the stored folded text was made with; see gc_search_reindex. */
#define GC_SEARCH_FOLD_VERSION 2

/*
 * Replaces the document for (module, item_id, lang), and the item's topics.
 * Title and body are stored as given (U+E000 and U+E001 as U+FFFD, so a
 * document cannot forge the match marks of a snippet) and indexed folded
 * (base/fold.h).
 */
GC_MUST_CHECK gc_status gc_search_put(struct gc_db *db, const struct gc_search_doc *doc);
/* Removes every language of (module, item_id), and its topics. */
GC_MUST_CHECK gc_status gc_search_delete(struct gc_db *db, const char *module, int64_t item_id);

/*
 * Folds again the stored title and body of every document (all) or of those
 * folded by another version than GC_SEARCH_FOLD_VERSION (or never: rows
 * written by a bulk load), in the caller's transaction; *count gets how many.
 */
GC_MUST_CHECK gc_status gc_search_reindex(struct gc_db *db, bool all, int64_t *count);

struct gc_search_query {
	const char *text;      /* the user's words; phrases in "quotes"; a trailing * is a prefix */
	const char *module;    /* filter, or NULL */
	const char *country;   /* filter, or NULL */
	const char *lang;      /* filter, or NULL */
	const char *region;    /* filter: an M49 code of any level, or NULL */
	const char *kind;      /* filter, or NULL */
	const char *topic;     /* filter, or NULL */
	int year;              /* filter, or 0 */
	int limit;             /* 1..GC_SEARCH_MAX_LIMIT */
	int offset;
	/*
	 * The visibility predicate over the alias "d" (columns visibility, status,
	 * owner_org, module, item_id), e.g. "d.visibility = 'public' AND d.status =
	 * 'published'", with its parameters. Required: NULL is refused.
	 */
	const char *visible_sql;
	const struct gc_val *visible_params;
	size_t n_visible_params;
	/*
	 * Whether the answer may come from (and go to) the process's result
	 * cache: answers are kept by the whole query (text, filters, page, the
	 * predicate and its parameters) and hold while the database's change
	 * counter stays the same (every write of items bumps it, and so does
	 * gc_search_put). Only for a process that serves one database.
	 */
	bool cache;
};

/*
 * Runs a query, read by gc_fold_query_parse (base/fold.h): words are ANDed,
 * "quoted words" are a phrase, and a '*' right after a word makes it a
 * prefix; every other character only separates words, so engine syntax
 * typed by a user (OR, NEAR(, -, ^) is searched as words or ignored, never
 * obeyed. Query and documents are folded alike, so both engines find the
 * same documents. *result is
 *   {"total": N, "hits": [{"module", "item_id", "lang", "title", "snippet",
 *    "url", "country", "region", "kind", "year"}], "facets": {"module":
 *    {"policies": 3}, "country": {...}, "region": {...}, "kind": {...},
 *    "topic": {...}, "year": {...}, "lang": {...}}}
 * Snippets are cut from the original body and mark matches with U+E000 and
 * U+E001 (private-use characters the renderer turns into <mark> after
 * escaping). "country", "region", "kind" and "year" are null when unknown;
 * facets leave unknown values out, list values by count (highest first),
 * and are counted under the same filters and visibility predicate as the
 * hits (a document counts once under each of its region codes and topics).
 * Hits are ranked best first (title words weigh more than body words).
 * GC_EINVAL for an empty or unusable query (one with no word in it),
 * GC_ETOOBIG past the limits above.
 */
GC_MUST_CHECK gc_status gc_search_run(struct gc_db *db, const struct gc_search_query *query, json_t **result);

/*
 * A filter by words for a module's own list queries, which keeps the list's
 * order, count and pagination: the SQL predicate "id_expr is the id of an
 * item with a document of module matching text", text read as gc_search_run
 * reads it. id_expr is the caller's column holding the item id ("i.id"),
 * written by code: lower-case letters and '_', with at most one '.'
 * (GC_EINVAL otherwise). The predicate is parenthesised; *sql lives in arena,
 * and its parameters (GC_SEARCH_MATCH_PARAMS of them, text ones in arena)
 * are written to params, their count to *n, to be bound where it stands.
 * It decides nothing about visibility: AND it with the caller's predicate
 * over the items, whose envelope the documents repeat. GC_EINVAL for a text
 * with no word in it, GC_ETOOBIG past the limits above.
 */
#define GC_SEARCH_MATCH_PARAMS 2
GC_MUST_CHECK gc_status gc_search_match_sql(enum gc_db_engine engine, const char *text, const char *module,
					    const char *id_expr, struct gc_arena *arena, const char **sql,
					    struct gc_val *params, size_t *n);

/*
 * The ranking of a module's list by the same words, for "sort by relevance":
 * the SQL fragment " JOIN (...) rk ON rk.item_id = id_expr" that joins each
 * matching item to rk.r, its best document's rank (lower is better: title
 * words weigh ten times body words, as in gc_search_run). Order by rk.r.
 * Items without a matching document drop out, as with gc_search_match_sql.
 * Parameters (at most GC_SEARCH_RANK_PARAMS) as for gc_search_match_sql.
 */
#define GC_SEARCH_RANK_PARAMS 3
GC_MUST_CHECK gc_status gc_search_rank_join(enum gc_db_engine engine, const char *text, const char *module,
					    const char *id_expr, struct gc_arena *arena, const char **sql,
					    struct gc_val *params, size_t *n);

#endif
