/*
 * Background jobs: rows in the database, claimed so that exactly one node
 * runs each (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite),
 * retried with exponential back-off, and kept for the Secretariat to see.
 */
#ifndef GC_STORE_JOBS_H
#define GC_STORE_JOBS_H

#include "store/store.h"

struct gc_job_kind {
	const char *name;        /* "mail.send", "text.extract", ... */
	int max_attempts;        /* after this many failures the job is "failed" for good */
	/* Runs one job. GC_OK finishes it; anything else schedules a retry. err gets a reason for the log. */
	gc_status (*run)(struct gc_db *db, const json_t *payload, char *err, size_t err_size);
};

/* Queues a job to run at run_at (Unix seconds; 0 = now). payload is borrowed. */
GC_MUST_CHECK gc_status gc_jobs_enqueue(struct gc_db *db, const char *kind, const json_t *payload, int64_t run_at,
					int64_t *job_id);

/*
 * Claims and runs at most one due job of the known kinds. GC_OK when it ran
 * one (whatever its outcome), GC_DONE when none was due.
 */
GC_MUST_CHECK gc_status gc_jobs_run_one(struct gc_pool *pool, const struct gc_job_kind *const *kinds,
					size_t n_kinds, const char *worker);

struct gc_job_runner;
/* Starts a thread that polls for due jobs every poll_ms until stopped. */
GC_MUST_CHECK gc_status gc_job_runner_start(struct gc_pool *pool, const struct gc_job_kind *const *kinds,
					    size_t n_kinds, int poll_ms, struct gc_job_runner **out);
/* Finishes the job in hand, then stops and frees the runner. Accepts NULL. */
void gc_job_runner_stop(struct gc_job_runner *runner);

#endif
