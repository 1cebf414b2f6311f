/*
 * A fixed set of connections lent to one thread at a time. The pool owns the
 * connections; a borrower owns one between gc_pool_acquire and
 * gc_pool_release. Waiting uses the monotonic clock so a change of the wall
 * clock cannot stretch or cut a timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "store/backend.h"
#include "store/store.h"

struct gc_pool {
	const struct gc_backend *backend;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	unsigned size;
	unsigned in_use;
	struct gc_db *dbs;   /* size connections */
	struct gc_db **idle; /* a stack of the ones not lent out */
	unsigned n_idle;
	bool lock_ready;
	bool cond_ready;
};

/* Which engine a URL names, or NULL. */
static const struct gc_backend *backend_for(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return &gc_sqlite_backend;
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return &gc_postgres_backend;
	return NULL;
}

gc_status gc_pool_open(const char *url, const char *data_dir, unsigned size, struct gc_pool **out, char *err,
		       size_t err_size)
{
	struct gc_pool *pool = NULL;
	pthread_condattr_t attr;
	bool attr_ready = false;
	gc_status st = GC_OK;

	*out = NULL;
	if (err_size)
		err[0] = '\0';
	if (!url || size == 0 || size > 1024) {
		snprintf(err, err_size, "the database pool needs a URL and 1 to 1024 connections");
		st = GC_EINVAL;
		goto out;
	}
	const struct gc_backend *backend = backend_for(url);
	if (!backend) {
		snprintf(err, err_size, "unknown database URL scheme (use sqlite: or postgresql://)");
		st = GC_EINVAL;
		goto out;
	}
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		st = GC_ENOMEM;
		goto out;
	}
	pool->backend = backend;
	pool->dbs = calloc(size, sizeof(*pool->dbs));
	pool->idle = calloc(size, sizeof(*pool->idle));
	if (!pool->dbs || !pool->idle) {
		st = GC_ENOMEM;
		goto out;
	}
	if (pthread_mutex_init(&pool->lock, NULL) != 0) {
		st = GC_ENOMEM;
		goto out;
	}
	pool->lock_ready = true;
	if (pthread_condattr_init(&attr) != 0) {
		st = GC_ENOMEM;
		goto out;
	}
	attr_ready = true;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&pool->freed, &attr) != 0) {
		st = GC_ENOMEM;
		goto out;
	}
	pool->cond_ready = true;
	for (unsigned i = 0; i < size; i++) {
		struct gc_db *db = &pool->dbs[i];
		db->backend = backend;
		pool->size = i + 1; /* so gc_pool_close disconnects exactly those tried */
		st = backend->connect(db, url, data_dir);
		if (st != GC_OK) {
			snprintf(err, err_size, "cannot open the %s database: %s", backend->name, db->err);
			goto out;
		}
		pool->idle[pool->n_idle++] = db;
	}
	*out = pool;
	pool = NULL;
out:
	if (attr_ready)
		pthread_condattr_destroy(&attr);
	gc_pool_close(pool);
	return st;
}

void gc_pool_close(struct gc_pool *pool)
{
	if (!pool)
		return;
	if (pool->in_use)
		gc_log(GC_LOG_ERROR, "database pool closed with connections still borrowed", "{s:i}", "in_use",
		       (int)pool->in_use);
	for (unsigned i = 0; pool->dbs && i < pool->size; i++)
		pool->backend->disconnect(&pool->dbs[i]);
	if (pool->cond_ready)
		pthread_cond_destroy(&pool->freed);
	if (pool->lock_ready)
		pthread_mutex_destroy(&pool->lock);
	free(pool->idle);
	free(pool->dbs);
	free(pool);
}

gc_status gc_pool_acquire(struct gc_pool *pool, int timeout_ms, struct gc_db **out)
{
	struct timespec deadline;
	struct gc_db *db = NULL;
	gc_status st = GC_OK;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ms > 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&pool->lock);
	while (pool->n_idle == 0) {
		if (timeout_ms == 0) {
			st = GC_EBUSY;
			break;
		}
		int rc = timeout_ms < 0 ? pthread_cond_wait(&pool->freed, &pool->lock)
					: pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
		if (rc == ETIMEDOUT && pool->n_idle == 0) {
			st = GC_EBUSY;
			break;
		}
	}
	if (st == GC_OK) {
		db = pool->idle[--pool->n_idle];
		pool->in_use++;
		db->borrowed = true;
	}
	pthread_mutex_unlock(&pool->lock);
	if (st != GC_OK)
		goto out;

	/* Outside the lock: a reconnect can take as long as a network round trip. */
	st = db->backend->revive(db);
	if (st != GC_OK) {
		gc_log(GC_LOG_ERROR, "database connection lost and not restored", "{s:s}", "detail", db->err);
		gc_pool_release(pool, db);
		goto out;
	}
	db->err[0] = '\0';
	*out = db;
out:
	return st;
}

void gc_pool_release(struct gc_pool *pool, struct gc_db *db)
{
	if (!pool || !db)
		return;
	if (!db->borrowed) {
		/* Pushing it twice would hand one connection to two threads. */
		gc_log(GC_LOG_ERROR, "database connection released twice", NULL);
		return;
	}
	if (db->backend->in_tx(db)) {
		/* Commit is always explicit: whatever was left open is abandoned work. */
		gc_db_rollback(db);
	}
	pthread_mutex_lock(&pool->lock);
	db->borrowed = false;
	pool->idle[pool->n_idle++] = db;
	pool->in_use--;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

enum gc_db_engine gc_pool_engine(const struct gc_pool *pool)
{
	return pool->backend->engine;
}

void gc_pool_stats(struct gc_pool *pool, unsigned *size, unsigned *in_use)
{
	pthread_mutex_lock(&pool->lock);
	if (size)
		*size = pool->size;
	if (in_use)
		*in_use = pool->in_use;
	pthread_mutex_unlock(&pool->lock);
}
