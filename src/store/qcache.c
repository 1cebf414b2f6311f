/*
 * The query answer cache (store/qcache.h): set-associative, least recently
 * used replaced, one mutex (a lookup is a hash, a compare and a copy).
 */
#include "store/qcache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static struct {
	uint64_t hash;
	char *key;
	size_t key_len;
	int64_t changes;
	json_t *rows;
	uint64_t used;
} slots[GC_QCACHE_SLOTS];
static uint64_t tick, n_hits, n_misses;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Length-prefixed, so no value can pass for a field boundary. */
static void key_field(struct gc_buf *b, char tag, const char *s, size_t n)
{
	gc_buf_printf(b, "%c%zu:", tag, n);
	gc_buf_raw(b, s, n);
	gc_buf_char(b, '|');
}

/* The whole query as bytes (engine, SQL, parameters), or NULL: then it runs uncached. */
static char *make_key(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n, size_t *len)
{
	struct gc_buf b;
	gc_buf_init(&b, 1024 * 1024);
	gc_buf_printf(&b, "e%d|", (int)gc_db_engine(db));
	key_field(&b, 's', sql, strlen(sql));
	for (size_t i = 0; i < n; i++) {
		const struct gc_val *v = &params[i];
		if (v->type == GC_VAL_INT) {
			gc_buf_printf(&b, "i%lld|", (long long)v->i);
		} else if (v->type == GC_VAL_NULL) {
			gc_buf_lit(&b, "n|");
		} else if (v->type == GC_VAL_TEXT && v->p) {
			key_field(&b, 't', v->p, v->n == SIZE_MAX ? strlen(v->p) : v->n);
		} else {
			gc_buf_free(&b);
			return NULL;
		}
	}
	if (gc_buf_error(&b)) {
		gc_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return gc_buf_take(&b, NULL);
}

static size_t set_of(uint64_t h)
{
	return (size_t)(h % (GC_QCACHE_SLOTS / GC_QCACHE_WAYS)) * GC_QCACHE_WAYS;
}

/* The kept answer, copied or (shared) a new reference to the kept array itself. */
static json_t *lookup(const char *key, size_t len, int64_t changes, bool shared)
{
	uint64_t h = hash_bytes(key, len);
	json_t *copy = NULL;
	pthread_mutex_lock(&lock);
	for (size_t s = set_of(h); s < set_of(h) + GC_QCACHE_WAYS; s++) {
		if (slots[s].rows && slots[s].hash == h && slots[s].changes == changes && slots[s].key_len == len &&
		    memcmp(slots[s].key, key, len) == 0) {
			slots[s].used = ++tick;
			copy = shared ? json_incref(slots[s].rows) : json_deep_copy(slots[s].rows);
			break;
		}
	}
	if (copy)
		n_hits++;
	else
		n_misses++;
	pthread_mutex_unlock(&lock);
	return copy;
}

json_t *gc_qcache_get(const char *key, size_t len, int64_t changes)
{
	return lookup(key, len, changes, false);
}

void gc_qcache_put(char *key, size_t len, int64_t changes, const json_t *value)
{
	json_t *copy = value ? json_deep_copy(value) : NULL;
	if (!copy) {
		free(key);
		return;
	}
	uint64_t h = hash_bytes(key, len);
	pthread_mutex_lock(&lock);
	/* The same query's slot, else an empty or outdated one, else the least recently used. */
	size_t first = set_of(h), pick = first;
	for (size_t s = first; s < first + GC_QCACHE_WAYS; s++) {
		if (slots[s].rows && slots[s].hash == h && slots[s].key_len == len && memcmp(slots[s].key, key, len) == 0) {
			pick = s;
			break;
		}
		if (!slots[s].rows || slots[s].changes != changes) {
			pick = s;
			continue;
		}
		if (slots[pick].rows && slots[pick].changes == changes && slots[s].used < slots[pick].used)
			pick = s;
	}
	char *old_key = slots[pick].key;
	json_t *old_rows = slots[pick].rows;
	slots[pick].hash = h;
	slots[pick].key = key;
	slots[pick].key_len = len;
	slots[pick].changes = changes;
	slots[pick].rows = copy;
	slots[pick].used = ++tick;
	pthread_mutex_unlock(&lock);
	free(old_key);
	json_decref(old_rows);
}

static gc_status query(struct gc_db *db, int64_t changes, const char *sql, const struct gc_val *params,
		       size_t n_params, json_t **rows, bool shared)
{
	*rows = NULL;
	if (!db || !sql || (n_params && !params))
		return GC_EINVAL;
	size_t len = 0;
	char *key = make_key(db, sql, params, n_params, &len);
	if (!key)
		return gc_db_query(db, sql, params, n_params, rows);
	json_t *hit = lookup(key, len, changes, shared);
	if (hit) {
		free(key);
		*rows = hit;
		return GC_OK;
	}
	gc_status st = gc_db_query(db, sql, params, n_params, rows);
	if (st == GC_OK && json_array_size(*rows) <= GC_QCACHE_MAX_ROWS)
		gc_qcache_put(key, len, changes, *rows);
	else
		free(key);
	return st;
}

gc_status gc_qcache_query(struct gc_db *db, int64_t changes, const char *sql, const struct gc_val *params,
			  size_t n_params, json_t **rows)
{
	return query(db, changes, sql, params, n_params, rows, false);
}

gc_status gc_qcache_query_shared(struct gc_db *db, int64_t changes, const char *sql, const struct gc_val *params,
				 size_t n_params, json_t **rows)
{
	return query(db, changes, sql, params, n_params, rows, true);
}

gc_status gc_qcache_query_int(struct gc_db *db, int64_t changes, const char *sql, const struct gc_val *params,
			      size_t n_params, int64_t *value)
{
	json_t *rows = NULL;
	gc_status st = query(db, changes, sql, params, n_params, &rows, true); /* only read */
	if (st != GC_OK)
		return st;
	/* jansson keeps keys in insertion order, so the first is the first column. */
	json_t *v = json_object_iter_value(json_object_iter(json_array_get(rows, 0)));
	if (json_is_integer(v))
		*value = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) >= -9.2e18 && json_real_value(v) <= 9.2e18 &&
		 json_real_value(v) == (double)(int64_t)json_real_value(v))
		*value = (int64_t)json_real_value(v);
	else
		st = !v || json_is_null(v) ? GC_ENOTFOUND : GC_EINVAL;
	json_decref(rows);
	return st;
}

void gc_qcache_stats(uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&lock);
	*hits = n_hits;
	*misses = n_misses;
	pthread_mutex_unlock(&lock);
}

void gc_qcache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t s = 0; s < GC_QCACHE_SLOTS; s++) {
		free(slots[s].key);
		json_decref(slots[s].rows);
		slots[s].key = NULL;
		slots[s].rows = NULL;
		slots[s].key_len = 0;
	}
	pthread_mutex_unlock(&lock);
}
