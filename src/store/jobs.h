/*
 * Background jobs: rows in the database, claimed so that exactly one node
 * runs each (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite),
 * retried with exponential back-off, and kept for the Secretariat to see.
 */
#ifndef GC_STORE_JOBS_H
#define GC_STORE_JOBS_H

#include "store/migrate.h"
#include "store/store.h"

#define GC_JOBS_DEFAULT_MAX_ATTEMPTS 5 /* until a kind says otherwise (struct gc_job_kind) */
#define GC_JOBS_MAX_PAYLOAD (1 << 20)  /* bytes of payload JSON */
#define GC_JOBS_MAX_KIND 64            /* bytes of a kind name */
#define GC_JOBS_MAX_KINDS 48           /* kinds one worker may serve */
#define GC_JOBS_LEASE_S 900            /* a running job not finished by then is claimable again */

/*
 * The schema of the jobs table, for the core module to apply under the
 * component "jobs" (gc_migrate_component). run_at and locked_until are Unix
 * seconds; created_at and updated_at ISO 8601 text.
 */
extern const struct gc_migration gc_jobs_migrations[];
extern const size_t gc_jobs_migration_count;

struct gc_config;

/*
 * What the process that runs the jobs lends them besides a connection: its
 * settings (the SMTP server and sender of the outbox, the public address).
 * Owned by that process (gcscp serve), read-only, alive until the runner has
 * stopped. config is NULL where jobs run without settings (unit tests); a
 * kind that needs one then fails its run with a reason.
 */
struct gc_job_context {
	const struct gc_config *config;
};

struct gc_job_kind {
	const char *name;        /* "mail.send", "text.extract", ... */
	int max_attempts;        /* after this many failures the job is "failed" for good */
	/*
	 * Runs one job. GC_OK finishes it; anything else schedules a retry. err
	 * gets a reason for the log (and the jobs table). A run may take at most
	 * GC_JOBS_LEASE_S seconds, after which another node may start it again;
	 * a transaction it leaves open is rolled back and counts as a failure.
	 * A kind sets exactly one of run and run_ctx.
	 */
	gc_status (*run)(struct gc_db *db, const json_t *payload, char *err, size_t err_size);
	/* The same, for kinds that need the runner's context (never NULL here). */
	gc_status (*run_ctx)(const struct gc_job_context *ctx, struct gc_db *db, const json_t *payload, char *err,
			     size_t err_size);
};

/*
 * Queues a job to run at run_at (Unix seconds; 0 = now). payload is borrowed
 * (NULL stores {}). Inside the caller's transaction, the job exists only if
 * that commits.
 */
GC_MUST_CHECK gc_status gc_jobs_enqueue(struct gc_db *db, const char *kind, const json_t *payload, int64_t run_at,
					int64_t *job_id);

/*
 * Claims and runs at most one due job of the known kinds. GC_OK when it ran
 * one (whatever its outcome), GC_DONE when none was due. ctx (may be NULL:
 * no settings) is handed to kinds that take one; it is borrowed.
 */
GC_MUST_CHECK gc_status gc_jobs_run_one(const struct gc_job_context *ctx, struct gc_pool *pool,
					const struct gc_job_kind *const *kinds, size_t n_kinds, const char *worker);

struct gc_job_runner;
/* Starts a thread that polls for due jobs every poll_ms until stopped. ctx
 * (may be NULL) is copied; what it points to must outlive the runner. */
GC_MUST_CHECK gc_status gc_job_runner_start(const struct gc_job_context *ctx, struct gc_pool *pool,
					    const struct gc_job_kind *const *kinds, size_t n_kinds, int poll_ms,
					    struct gc_job_runner **out);
/* Finishes the job in hand, then stops and frees the runner. Accepts NULL. */
void gc_job_runner_stop(struct gc_job_runner *runner);

#endif
