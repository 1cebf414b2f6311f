/*
 * Prometheus metrics in the text exposition format (version 0.0.4).
 *
 * Counters are plain atomics in fixed tables sized at start-up (one row per
 * route, plus one for requests that matched none), so counting a request
 * takes no lock and allocates nothing. Statuses are counted in a fixed list
 * of the codes the portal answers with, and "other" for the rest, which
 * keeps the label set bounded whatever clients send.
 */
#include "http/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "store/store.h"

static const int known_statuses[] = {
	200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 409,
	410, 412, 413, 414, 415, 422, 429, 431, 500, 501, 502, 503, 504, 507,
};
#define N_STATUS (GC_ARRAY_LEN(known_statuses) + 1) /* the last column is "other" */

/* Upper bounds in microseconds; the +Inf bucket is the total count. */
static const int64_t bucket_us[] = { 1000, 2500, 5000, 10000, 25000, 50000, 100000,
				     250000, 500000, 1000000, 2500000, 5000000, 10000000 };
static const char *const bucket_label[] = { "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
					    "0.25", "0.5", "1", "2.5", "5", "10" };
#define N_BUCKETS (GC_ARRAY_LEN(bucket_us) + 1) /* the last is +Inf */

struct route_row {
	atomic_uint_least64_t by_status[N_STATUS];
	atomic_uint_least64_t buckets[N_BUCKETS]; /* not cumulative: summed when rendered */
	atomic_uint_least64_t sum_us;
};

struct gc_metrics {
	const struct gc_router *router;
	size_t n_rows;                 /* routes + 1 (unmatched, the last row) */
	struct route_row *rows;
	int64_t start_time;            /* Unix seconds */
};

gc_status gc_metrics_new(const struct gc_router *router, struct gc_metrics **out)
{
	struct gc_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return GC_ENOMEM;
	m->router = router;
	m->n_rows = gc_router_count(router) + 1;
	m->rows = calloc(m->n_rows, sizeof(*m->rows));
	if (!m->rows) {
		free(m);
		return GC_ENOMEM;
	}
	for (size_t r = 0; r < m->n_rows; r++) {
		for (size_t s = 0; s < N_STATUS; s++)
			atomic_init(&m->rows[r].by_status[s], 0);
		for (size_t b = 0; b < N_BUCKETS; b++)
			atomic_init(&m->rows[r].buckets[b], 0);
		atomic_init(&m->rows[r].sum_us, 0);
	}
	m->start_time = gc_clock_now();
	*out = m;
	return GC_OK;
}

void gc_metrics_free(struct gc_metrics *metrics)
{
	if (!metrics)
		return;
	free(metrics->rows);
	free(metrics);
}

void gc_metrics_observe(struct gc_metrics *metrics, size_t route_index, int status, int64_t duration_us)
{
	if (!metrics)
		return;
	size_t row = route_index < metrics->n_rows - 1 ? route_index : metrics->n_rows - 1;
	size_t col = N_STATUS - 1;
	for (size_t s = 0; s < GC_ARRAY_LEN(known_statuses); s++)
		if (known_statuses[s] == status)
			col = s;
	size_t b = 0;
	while (b < GC_ARRAY_LEN(bucket_us) && duration_us > bucket_us[b])
		b++;
	if (duration_us < 0)
		duration_us = 0;
	struct route_row *r = &metrics->rows[row];
	atomic_fetch_add_explicit(&r->by_status[col], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->sum_us, (uint_least64_t)duration_us, memory_order_relaxed);
}

/* A label value: backslash, double quote and line feed escaped (the format's rules). */
static void label_value(struct gc_buf *out, const char *s)
{
	gc_buf_char(out, '"');
	for (; *s; s++) {
		if (*s == '\\')
			gc_buf_lit(out, "\\\\");
		else if (*s == '"')
			gc_buf_lit(out, "\\\"");
		else if (*s == '\n')
			gc_buf_lit(out, "\\n");
		else
			gc_buf_char(out, *s);
	}
	gc_buf_char(out, '"');
}

static const char *row_name(const struct gc_metrics *m, size_t row)
{
	const struct gc_route *route = gc_router_route(m->router, row);
	if (!route)
		return "unmatched";
	return route->name ? route->name : route->pattern;
}

static void render_jobs(struct gc_pool *pool, struct gc_buf *out)
{
	struct gc_db *db = NULL;
	json_t *rows = NULL;
	/* The jobs table belongs to the store's migrations; when it is missing
	 * or the database is busy the gauge is left out, not the whole page. */
	if (!pool || gc_pool_acquire(pool, GC_DB_ACQUIRE_TIMEOUT_MS, &db) != GC_OK)
		return;
	if (gc_db_query(db, "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status", GC_NO_PARAMS, &rows) != GC_OK)
		goto out;
	gc_buf_lit(out, "# HELP gcscp_jobs Background jobs by status.\n# TYPE gcscp_jobs gauge\n");
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *status = json_string_value(json_object_get(row, "status"));
		json_t *n = json_object_get(row, "n");
		if (!status || !json_is_integer(n))
			continue;
		gc_buf_lit(out, "gcscp_jobs{status=");
		label_value(out, status);
		gc_buf_printf(out, "} %lld\n", (long long)json_integer_value(n));
	}
out:
	json_decref(rows);
	gc_pool_release(pool, db);
}

gc_status gc_metrics_render(struct gc_metrics *m, struct gc_pool *pool, struct gc_buf *out)
{
	gc_buf_lit(out, "# HELP gcscp_http_requests_total HTTP requests answered, by route and status.\n"
			"# TYPE gcscp_http_requests_total counter\n");
	for (size_t row = 0; row < m->n_rows; row++) {
		for (size_t s = 0; s < N_STATUS; s++) {
			uint64_t n = atomic_load_explicit(&m->rows[row].by_status[s], memory_order_relaxed);
			if (!n)
				continue;
			gc_buf_lit(out, "gcscp_http_requests_total{route=");
			label_value(out, row_name(m, row));
			if (s < GC_ARRAY_LEN(known_statuses))
				gc_buf_printf(out, ",status=\"%d\"} %llu\n", known_statuses[s], (unsigned long long)n);
			else
				gc_buf_printf(out, ",status=\"other\"} %llu\n", (unsigned long long)n);
		}
	}

	gc_buf_lit(out, "# HELP gcscp_http_request_duration_seconds Time from a request's first byte to its "
			"completion.\n# TYPE gcscp_http_request_duration_seconds histogram\n");
	for (size_t row = 0; row < m->n_rows; row++) {
		uint64_t counts[N_BUCKETS], total = 0;
		for (size_t b = 0; b < N_BUCKETS; b++) {
			counts[b] = atomic_load_explicit(&m->rows[row].buckets[b], memory_order_relaxed);
			total += counts[b];
		}
		if (!total)
			continue;
		const char *name = row_name(m, row);
		uint64_t cumulative = 0;
		for (size_t b = 0; b < N_BUCKETS; b++) {
			cumulative += counts[b];
			gc_buf_lit(out, "gcscp_http_request_duration_seconds_bucket{route=");
			label_value(out, name);
			gc_buf_printf(out, ",le=\"%s\"} %llu\n", b < GC_ARRAY_LEN(bucket_label) ? bucket_label[b] : "+Inf",
				      (unsigned long long)cumulative);
		}
		uint64_t sum_us = atomic_load_explicit(&m->rows[row].sum_us, memory_order_relaxed);
		gc_buf_lit(out, "gcscp_http_request_duration_seconds_sum{route=");
		label_value(out, name);
		gc_buf_printf(out, "} %llu.%06llu\n", (unsigned long long)(sum_us / 1000000),
			      (unsigned long long)(sum_us % 1000000));
		gc_buf_lit(out, "gcscp_http_request_duration_seconds_count{route=");
		label_value(out, name);
		gc_buf_printf(out, "} %llu\n", (unsigned long long)total);
	}

	if (pool) {
		unsigned size = 0, in_use = 0;
		gc_pool_stats(pool, &size, &in_use);
		gc_buf_printf(out, "# HELP gcscp_db_pool_connections Database connections by state.\n"
				   "# TYPE gcscp_db_pool_connections gauge\n"
				   "gcscp_db_pool_connections{state=\"in_use\"} %u\n"
				   "gcscp_db_pool_connections{state=\"idle\"} %u\n",
			      in_use, size >= in_use ? size - in_use : 0);
		render_jobs(pool, out);
	}

	gc_buf_printf(out, "# HELP gcscp_process_start_time_seconds When the process started, in Unix seconds.\n"
			   "# TYPE gcscp_process_start_time_seconds gauge\n"
			   "gcscp_process_start_time_seconds %lld\n",
		      (long long)m->start_time);
	return gc_buf_error(out);
}
