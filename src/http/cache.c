/*
 * The anonymous page cache (DESIGN.md "Speed"): what anyone may see is
 * rendered once per (API or page, language, path, declared query) and kept
 * with the database change counter read before it was rendered. A request
 * reads the counter (one tiny query) and gets the kept bytes when nothing was
 * written since, on this node or any other.
 *
 * One mutex guards the table and the LRU list; it is held only to find,
 * link or unlink entries, never while rendering or sending. Entries are
 * reference counted, so a response keeps sending an entry that a newer
 * render or the LRU has already dropped from the table.
 */
#include "http/internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gc_page_cache {
	pthread_mutex_t lock;
	struct gc_cache_entry **buckets;
	size_t n_buckets;              /* a power of two */
	struct gc_cache_entry *lru_head, *lru_tail; /* most recently used first */
	size_t entries, bytes;
	size_t max_entries, max_bytes;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	atomic_uchar *route_known;
	size_t n_routes;
};

void gc_etag_of(const char *body, size_t len, char out[19])
{
	unsigned char digest[crypto_generichash_BYTES_MIN];
	char hex[2 * sizeof(digest) + 1];
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)body, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), digest, 8);
	out[0] = '"';
	memcpy(out + 1, hex, 16);
	out[17] = '"';
	out[18] = '\0';
}

gc_status gc_page_cache_new(size_t max_bytes, size_t max_entries, size_t n_routes, struct gc_page_cache **out)
{
	gc_status status = GC_ENOMEM;
	struct gc_page_cache *cache = calloc(1, sizeof(*cache));
	if (!cache)
		goto out;
	if (pthread_mutex_init(&cache->lock, NULL) != 0) {
		free(cache);
		cache = NULL;
		goto out;
	}
	cache->max_bytes = max_bytes;
	cache->max_entries = max_entries;
	cache->n_buckets = 64;
	while (cache->n_buckets < max_entries)
		cache->n_buckets *= 2;
	cache->buckets = calloc(cache->n_buckets, sizeof(*cache->buckets));
	cache->n_routes = n_routes;
	cache->route_known = calloc(n_routes ? n_routes : 1, sizeof(*cache->route_known));
	if (!cache->buckets || !cache->route_known)
		goto out;
	for (size_t i = 0; i < n_routes; i++)
		atomic_init(&cache->route_known[i], 0);
	/* A keyed hash, so crafted query strings cannot pile into one bucket. */
	crypto_shorthash_keygen(cache->hash_key);
	*out = cache;
	cache = NULL;
	status = GC_OK;
out:
	gc_page_cache_free(cache);
	return status;
}

static void entry_free(struct gc_cache_entry *e)
{
	free(e->key);
	free(e->body);
	free(e->content_type);
	free(e);
}

void gc_cache_entry_release(struct gc_cache_entry *entry)
{
	if (entry && atomic_fetch_sub_explicit(&entry->refs, 1, memory_order_acq_rel) == 1)
		entry_free(entry);
}

void gc_page_cache_free(struct gc_page_cache *cache)
{
	if (!cache)
		return;
	struct gc_cache_entry *e = cache->lru_head;
	while (e) {
		struct gc_cache_entry *next = e->lru_next;
		gc_cache_entry_release(e);
		e = next;
	}
	free(cache->buckets);
	free(cache->route_known);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

bool gc_page_cache_route_known(const struct gc_page_cache *cache, size_t route_index)
{
	return cache && route_index < cache->n_routes &&
	       atomic_load_explicit(&cache->route_known[route_index], memory_order_relaxed);
}

void gc_page_cache_mark_route(struct gc_page_cache *cache, size_t route_index)
{
	if (cache && route_index < cache->n_routes)
		atomic_store_explicit(&cache->route_known[route_index], 1, memory_order_relaxed);
}

static uint64_t key_hash(const struct gc_page_cache *cache, const char *key, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, len, cache->hash_key);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return v;
}

/* The following helpers run with the lock held. */

static struct gc_cache_entry **bucket_slot(struct gc_page_cache *cache, const char *key, size_t len, uint64_t hash)
{
	struct gc_cache_entry **slot = &cache->buckets[hash & (cache->n_buckets - 1)];
	while (*slot && !((*slot)->hash == hash && (*slot)->key_len == len && memcmp((*slot)->key, key, len) == 0))
		slot = &(*slot)->next_in_bucket;
	return slot;
}

static void lru_unlink(struct gc_page_cache *cache, struct gc_cache_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		cache->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		cache->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct gc_page_cache *cache, struct gc_cache_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = cache->lru_head;
	if (cache->lru_head)
		cache->lru_head->lru_prev = e;
	cache->lru_head = e;
	if (!cache->lru_tail)
		cache->lru_tail = e;
}

/* Takes e out of the table; the table's reference is released. */
static void remove_entry(struct gc_page_cache *cache, struct gc_cache_entry *e)
{
	struct gc_cache_entry **slot = bucket_slot(cache, e->key, e->key_len, e->hash);
	if (*slot == e)
		*slot = e->next_in_bucket;
	lru_unlink(cache, e);
	cache->entries--;
	cache->bytes -= e->bytes;
	gc_cache_entry_release(e);
}

struct gc_cache_entry *gc_page_cache_get(struct gc_page_cache *cache, const char *key, size_t key_len,
					 int64_t counter)
{
	struct gc_cache_entry *found = NULL;
	uint64_t hash = key_hash(cache, key, key_len);
	pthread_mutex_lock(&cache->lock);
	struct gc_cache_entry *e = *bucket_slot(cache, key, key_len, hash);
	/* A stale entry is never served again, but stays until its fresh copy
	 * replaces it (or the LRU drops it): the new copy keeps its time when
	 * nothing in it changed. */
	if (e && e->counter == counter) {
		lru_unlink(cache, e);
		lru_push_front(cache, e);
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
		found = e;
	} else if (e) {
		e->counter = INT64_MIN; /* no counter is negative */
	}
	pthread_mutex_unlock(&cache->lock);
	return found;
}

struct gc_cache_entry *gc_page_cache_put(struct gc_page_cache *cache, const char *key, size_t key_len,
					 int64_t counter, const char *content_type, char *body, size_t body_len)
{
	return gc_page_cache_put_dated(cache, key, key_len, counter, content_type, body, body_len, 0);
}

struct gc_cache_entry *gc_page_cache_put_dated(struct gc_page_cache *cache, const char *key, size_t key_len,
					       int64_t counter, const char *content_type, char *body, size_t body_len,
					       int64_t last_modified)
{
	struct gc_cache_entry *e = calloc(1, sizeof(*e));
	if (!e) {
		free(body);
		return NULL;
	}
	e->body = body;
	e->body_len = body_len;
	e->key = malloc(key_len + 1);
	e->content_type = strdup(content_type);
	if (!e->key || !e->content_type) {
		entry_free(e);
		return NULL;
	}
	memcpy(e->key, key, key_len);
	e->key[key_len] = '\0';
	e->key_len = key_len;
	e->counter = counter;
	e->last_modified = last_modified;
	e->hash = key_hash(cache, key, key_len);
	e->bytes = sizeof(*e) + key_len + body_len + strlen(content_type) + 2;
	gc_etag_of(body, body_len, e->etag);
	atomic_init(&e->refs, 1); /* the caller's */
	if (e->bytes > cache->max_bytes)
		return e;

	atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); /* the table's */
	pthread_mutex_lock(&cache->lock);
	struct gc_cache_entry **slot = bucket_slot(cache, key, key_len, e->hash);
	if (*slot) {
		/*
		 * The same bytes as the copy it replaces: the answer has not changed,
		 * so neither does its Last-Modified. Otherwise any write anywhere,
		 * one to a restricted item included, would move the time of every
		 * anonymous answer, and a poller could time writes it may not see.
		 */
		const struct gc_cache_entry *old = *slot;
		if (old->last_modified > 0 && last_modified > 0 && old->body_len == body_len &&
		    strcmp(old->etag, e->etag) == 0 && strcmp(old->content_type, e->content_type) == 0 &&
		    memcmp(old->body, body, body_len) == 0)
			e->last_modified = old->last_modified;
		remove_entry(cache, *slot);
	}
	slot = bucket_slot(cache, key, key_len, e->hash);
	*slot = e;
	lru_push_front(cache, e);
	cache->entries++;
	cache->bytes += e->bytes;
	while ((cache->entries > cache->max_entries || cache->bytes > cache->max_bytes) && cache->lru_tail != e)
		remove_entry(cache, cache->lru_tail);
	pthread_mutex_unlock(&cache->lock);
	return e;
}

void gc_page_cache_stats(struct gc_page_cache *cache, size_t *entries, size_t *bytes)
{
	pthread_mutex_lock(&cache->lock);
	*entries = cache->entries;
	*bytes = cache->bytes;
	pthread_mutex_unlock(&cache->lock);
}
