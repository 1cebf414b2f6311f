/*
 * The PostgreSQL engine behind struct gc_backend, on libpq.
 *
 * - '?' placeholders become $1..$n (gc_db_renumber), outside literals,
 *   quoted identifiers, dollar quotes and comments.
 * - Statements are prepared under names cached per connection, keyed by SQL
 *   text and the types of the parameters (a prepared statement's parameter
 *   types are fixed when it is prepared), at most PG_CACHE_SIZE of them.
 * - Parameters: integers are sent as int8, reals as float8, blobs as binary
 *   bytea, text and NULL as "unknown" so the server infers the type from
 *   where the value is used (a text '5' compares with an integer column).
 *   The price: a parameter whose type nothing determines, as in "? IS NULL",
 *   needs CAST(? AS TEXT), which SQLite accepts too.
 * - Results come back as text and are typed by column type: int2/int4/int8
 *   are JSON integers, float4/float8 reals, numeric a real (or an integer
 *   when it has no fractional part and fits, so SUM() over a bigint column
 *   reads the same as on SQLite), bool true/false, bytea base64 like an
 *   SQLite blob, everything else a string.
 * - Queries run in single-row mode, so GC_DB_MAX_ROWS is enforced without
 *   holding the whole result; cursors are server-side (DECLARE ... FETCH),
 *   so other statements can run on the connection while one is open.
 * - Each session runs with client_encoding UTF8, TimeZone UTC,
 *   statement_timeout GC_DB_STATEMENT_TIMEOUT_MS and jit off: at 100,000
 *   items PostgreSQL 15 judged a list's count or its organisations costly
 *   enough to compile them, which added 0.7-1.4 s to statements that run in
 *   0.25 s without (docs/policies.md "Speed of the list").
 */
#include <errno.h>
#include <limits.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/backend.h"

#define PG_CACHE_SIZE 128
#define PG_FETCH_ROWS 256
#define PG_CONNECT_TIMEOUT_S "10"

/* Type OIDs from the server's catalog (pg_type.dat), stable across versions. */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23
#define PG_OIDOID 26
#define PG_FLOAT4OID 700
#define PG_FLOAT8OID 701
#define PG_NUMERICOID 1700

struct pg_cached {
	char *sql; /* the caller's text, before renumbering */
	size_t len;
	char sig[GC_DB_MAX_PARAMS + 1]; /* one letter per parameter type */
	uint64_t hash;
	uint64_t used;
	char name[32];
};

struct pg_conn {
	PGconn *h;
	uint64_t tick;
	uint64_t seq;          /* names of statements and cursors */
	bool stale_cursors;    /* a held cursor could not be closed */
	struct pg_cached cache[PG_CACHE_SIZE];
};

struct pg_stmt {
	struct gc_stmt base;
	enum gc_stmt_mode mode;
	PGresult *pending; /* first result, read in open() to see retryable errors */
	PGresult *cur;     /* rows being handed out */
	int row;
	int nrows;
	int64_t changes;
	bool ended;        /* the last result has arrived */
	bool done;
	bool cursor_open;
	bool cursor_in_tx; /* declared inside a transaction (so without HOLD) */
	char cursor[40];
	char fetch[80];
	char sql_head[201];
};

struct pg_params {
	const char *values[GC_DB_MAX_PARAMS];
	int lengths[GC_DB_MAX_PARAMS];
	int formats[GC_DB_MAX_PARAMS];
	Oid types[GC_DB_MAX_PARAMS];
	char numbers[GC_DB_MAX_PARAMS][32];
	char sig[GC_DB_MAX_PARAMS + 1];
	char *text; /* NUL-terminated copies of the text parameters */
};

/* --- placeholders ---------------------------------------------------------- */

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

/* Length of a dollar-quote tag ("$$" or "$tag$") starting at s, or 0. */
static size_t dollar_tag(const char *s)
{
	size_t i = 1;
	if (s[i] != '$' && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
		return 0;
	while (s[i] && s[i] != '$') {
		if (!ident_char(s[i]))
			return 0;
		i++;
	}
	return s[i] == '$' ? i + 1 : 0;
}

gc_status gc_db_renumber(const char *sql, char **out, size_t *count)
{
	size_t len = strlen(sql);
	size_t marks = 0;
	size_t o = 0;
	char *buf = NULL;

	*out = NULL;
	*count = 0;
	for (size_t i = 0; i < len; i++)
		marks += sql[i] == '?';
	/* "$" and up to 20 digits per marker, in the worst case. */
	if (marks > (SIZE_MAX - len - 1) / 21)
		return GC_ETOOBIG;
	size_t cap = len + marks * 20 + 1;
	buf = malloc(cap);
	if (!buf)
		return GC_ENOMEM;
	marks = 0;
	for (size_t i = 0; i < len;) {
		char c = sql[i];
		size_t end = i + 1; /* first byte after the token copied verbatim */
		if (c == '\'') {
			/* E'...' strings treat backslash as an escape; plain ones do
			 * not (standard_conforming_strings is on, set at connect). */
			bool esc = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2]));
			while (end < len) {
				if (esc && sql[end] == '\\' && end + 1 < len) {
					end += 2;
				} else if (sql[end] == '\'') {
					if (end + 1 < len && sql[end + 1] == '\'') {
						end += 2;
					} else {
						end++;
						break;
					}
				} else {
					end++;
				}
			}
		} else if (c == '"') {
			while (end < len) {
				if (sql[end] == '"' && end + 1 < len && sql[end + 1] == '"') {
					end += 2;
				} else if (sql[end++] == '"') {
					break;
				}
			}
		} else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (end < len && sql[end] != '\n')
				end++;
		} else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			/* PostgreSQL's block comments nest. */
			int depth = 1;
			end = i + 2;
			while (end < len && depth > 0) {
				if (sql[end] == '/' && end + 1 < len && sql[end + 1] == '*') {
					depth++;
					end += 2;
				} else if (sql[end] == '*' && end + 1 < len && sql[end + 1] == '/') {
					depth--;
					end += 2;
				} else {
					end++;
				}
			}
		} else if (c == '$' && (i == 0 || !ident_char(sql[i - 1])) && dollar_tag(sql + i) > 0) {
			size_t tag = dollar_tag(sql + i);
			const char *close = NULL;
			for (const char *p = sql + i + tag; (p = strchr(p, '$')) != NULL; p++) {
				if (strncmp(p, sql + i, tag) == 0) {
					close = p;
					break;
				}
			}
			end = close ? (size_t)(close - sql) + tag : len;
		} else if (c == '?') {
			marks++;
			o += (size_t)snprintf(buf + o, cap - o, "$%zu", marks);
			i++;
			continue;
		}
		memcpy(buf + o, sql + i, end - i);
		o += end - i;
		i = end;
	}
	buf[o] = '\0';
	*out = buf;
	*count = marks;
	return GC_OK;
}

/* --- errors ------------------------------------------------------------------- */

static gc_status pg_status_for(const char *state)
{
	static const struct {
		const char *state;
		gc_status status;
	} map[] = {
		{ "23505", GC_ECONFLICT }, /* unique_violation */
		{ "57014", GC_ETIMEOUT },  /* query_canceled: statement_timeout */
		{ "40001", GC_EBUSY },     /* serialization_failure */
		{ "40P01", GC_EBUSY },     /* deadlock_detected */
		{ "55P03", GC_EBUSY },     /* lock_not_available */
		{ "53300", GC_EBUSY },     /* too_many_connections */
		{ "53100", GC_EIO },       /* disk_full */
		{ "58030", GC_EIO },       /* io_error */
		{ "53200", GC_ENOMEM },    /* out_of_memory */
		{ "54000", GC_ETOOBIG },   /* program_limit_exceeded */
		{ "54001", GC_ETOOBIG },   /* statement_too_complex */
	};
	if (!state)
		return GC_EDB;
	for (size_t i = 0; i < GC_ARRAY_LEN(map); i++)
		if (strcmp(state, map[i].state) == 0)
			return map[i].status;
	/* Class 22, data exceptions: the value given does not fit the column. */
	if (strncmp(state, "22", 2) == 0)
		return GC_EINVAL;
	return GC_EDB;
}

/* Maps a failed result (or, with res NULL, the connection's error) to a status. */
static gc_status pg_fail(struct gc_db *db, const PGresult *res, const char *sql)
{
	struct pg_conn *c = db->impl;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : "";
	if (!msg || !msg[0])
		msg = c && c->h ? PQerrorMessage(c->h) : "no connection";
	if (!msg || !msg[0])
		msg = res ? PQresStatus(PQresultStatus(res)) : "unknown error";
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	gc_db_set_error(db, "postgresql: %.*s [%s]%s%.200s", (int)(n > 300 ? 300 : n), msg, state ? state : "-----",
			sql ? " in: " : "", sql ? sql : "");
	return pg_status_for(state);
}

/* Runs a parameterless command whose result has no rows. */
static gc_status pg_command(struct gc_db *db, const char *sql)
{
	struct pg_conn *c = db->impl;
	PGresult *res = PQexec(c->h, sql);
	gc_status st = GC_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		st = pg_fail(db, res, sql);
	PQclear(res);
	return st;
}

/* Reads and drops what is left of the current query's results. */
static void pg_drain(PGconn *h)
{
	PGresult *res;
	while ((res = PQgetResult(h)) != NULL)
		PQclear(res);
}

/* --- connections -------------------------------------------------------------- */

static void pg_notice(void *arg, const char *message)
{
	(void)arg;
	/* libpq would print notices on stderr; the log keeps one JSON object a line. */
	gc_log(GC_LOG_DEBUG, "postgresql notice", "{s:s}", "detail", message);
}

static void pg_cache_clear(struct pg_conn *c)
{
	for (size_t i = 0; i < PG_CACHE_SIZE; i++) {
		free(c->cache[i].sql);
		memset(&c->cache[i], 0, sizeof(c->cache[i]));
	}
}

static gc_status pg_session_setup(struct gc_db *db)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET standard_conforming_strings = on; "
		 "SET jit = off; SET statement_timeout = %d",
		 GC_DB_STATEMENT_TIMEOUT_MS);
	return pg_command(db, sql);
}

static gc_status pg_connect(struct gc_db *db, const char *url, const char *data_dir)
{
	(void)data_dir;
	/* Later keywords win, so the URL can override the connect timeout. */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const values[] = { PG_CONNECT_TIMEOUT_S, url, NULL };
	struct pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return GC_ENOMEM;
	db->impl = c;
	c->h = PQconnectdbParams(keys, values, 1);
	if (!c->h) {
		gc_db_set_error(db, "postgresql: out of memory");
		return GC_ENOMEM;
	}
	if (PQstatus(c->h) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		return pg_fail(db, NULL, NULL);
	}
	PQsetNoticeProcessor(c->h, pg_notice, NULL);
	return pg_session_setup(db);
}

static void pg_disconnect(struct gc_db *db)
{
	struct pg_conn *c = db->impl;
	if (!c)
		return;
	pg_cache_clear(c);
	PQfinish(c->h);
	free(c);
	db->impl = NULL;
}

static gc_status pg_revive(struct gc_db *db)
{
	struct pg_conn *c = db->impl;
	if (PQstatus(c->h) == CONNECTION_BAD) {
		gc_log(GC_LOG_WARN, "postgresql connection broken; reconnecting", NULL);
		PQreset(c->h);
		/* The server forgot the prepared statements with the old session. */
		pg_cache_clear(c);
		c->stale_cursors = false;
		if (PQstatus(c->h) != CONNECTION_OK)
			return pg_fail(db, NULL, NULL);
		return pg_session_setup(db);
	}
	if (c->stale_cursors) {
		c->stale_cursors = false;
		return pg_command(db, "CLOSE ALL");
	}
	return GC_OK;
}

/* --- statements --------------------------------------------------------------- */

static gc_status pg_encode(struct gc_db *db, const struct gc_val *params, size_t n, struct pg_params *p)
{
	size_t text_bytes = 0;
	p->text = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((params[i].type == GC_VAL_TEXT || params[i].type == GC_VAL_BLOB) && params[i].n >= INT_MAX) {
			gc_db_set_error(db, "parameter %zu is too large", i + 1);
			return GC_ETOOBIG;
		}
		if (params[i].type == GC_VAL_TEXT)
			text_bytes += params[i].n + 1;
	}
	if (text_bytes) {
		p->text = malloc(text_bytes);
		if (!p->text)
			return GC_ENOMEM;
	}
	char *t = p->text;
	for (size_t i = 0; i < n; i++) {
		const struct gc_val *v = &params[i];
		p->values[i] = NULL;
		p->lengths[i] = 0;
		p->formats[i] = 0;
		p->types[i] = 0;
		switch (v->type) {
		case GC_VAL_NULL:
			p->sig[i] = 'n';
			break;
		case GC_VAL_INT:
			snprintf(p->numbers[i], sizeof(p->numbers[i]), "%lld", (long long)v->i);
			p->values[i] = p->numbers[i];
			p->types[i] = PG_INT8OID;
			p->sig[i] = 'i';
			break;
		case GC_VAL_REAL:
			/* 17 significant digits give back the same double. */
			snprintf(p->numbers[i], sizeof(p->numbers[i]), "%.17g", v->d);
			p->values[i] = p->numbers[i];
			p->types[i] = PG_FLOAT8OID;
			p->sig[i] = 'r';
			break;
		case GC_VAL_TEXT:
			/* Text-format values must be NUL-terminated; the caller's may not be. */
			memcpy(t, v->p, v->n);
			t[v->n] = '\0';
			p->values[i] = t;
			t += v->n + 1;
			p->sig[i] = 't';
			break;
		case GC_VAL_BLOB:
			p->values[i] = v->p;
			p->lengths[i] = (int)v->n;
			p->formats[i] = 1;
			p->types[i] = PG_BYTEAOID;
			p->sig[i] = 'b';
			break;
		}
	}
	p->sig[n] = '\0';
	return GC_OK;
}

static struct pg_cached *pg_cache_find(struct pg_conn *c, const char *sql, size_t len, uint64_t hash, const char *sig)
{
	for (size_t i = 0; i < PG_CACHE_SIZE; i++) {
		struct pg_cached *e = &c->cache[i];
		if (e->sql && e->hash == hash && e->len == len && strcmp(e->sig, sig) == 0 &&
		    memcmp(e->sql, sql, len) == 0)
			return e;
	}
	return NULL;
}

/* Forgets a cached statement, and tells the server to, when it can listen. */
static void pg_cache_drop(struct gc_db *db, struct pg_cached *e)
{
	struct pg_conn *c = db->impl;
	if (PQtransactionStatus(c->h) == PQTRANS_IDLE || PQtransactionStatus(c->h) == PQTRANS_INTRANS) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", e->name);
		/* Failing leaves one unused statement in the session; names are never reused. */
		(void)pg_command(db, sql);
	}
	free(e->sql);
	memset(e, 0, sizeof(*e));
}

/* The name of a prepared statement for (sql, p->sig), preparing it if needed. */
static gc_status pg_prepared(struct gc_db *db, const char *sql, size_t n, const struct pg_params *p,
			     struct pg_cached **out)
{
	struct pg_conn *c = db->impl;
	size_t len = strlen(sql);
	uint64_t hash = gc_db_hash(sql, len);
	char *numbered = NULL;
	char *copy = NULL;
	PGresult *res = NULL;
	size_t count = 0;
	gc_status st;

	*out = pg_cache_find(c, sql, len, hash, p->sig);
	if (*out) {
		(*out)->used = ++c->tick;
		return GC_OK;
	}
	st = gc_db_renumber(sql, &numbered, &count);
	if (st != GC_OK)
		goto out;
	if (count != n) {
		gc_db_set_error(db, "statement has %zu parameters, %zu given: %.200s", count, n, sql);
		st = GC_EINVAL;
		goto out;
	}
	copy = malloc(len + 1);
	if (!copy) {
		st = GC_ENOMEM;
		goto out;
	}
	memcpy(copy, sql, len + 1);
	char name[32];
	snprintf(name, sizeof(name), "gc_s%llu", (unsigned long long)++c->seq);
	res = PQprepare(c->h, name, numbered, (int)n, p->types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		st = pg_fail(db, res, sql);
		goto out;
	}
	struct pg_cached *slot = NULL;
	for (size_t i = 0; i < PG_CACHE_SIZE && !slot; i++)
		if (!c->cache[i].sql)
			slot = &c->cache[i];
	if (!slot) {
		slot = &c->cache[0];
		for (size_t i = 1; i < PG_CACHE_SIZE; i++)
			if (c->cache[i].used < slot->used)
				slot = &c->cache[i];
		pg_cache_drop(db, slot);
	}
	slot->sql = copy;
	copy = NULL;
	slot->len = len;
	slot->hash = hash;
	memcpy(slot->sig, p->sig, n + 1);
	memcpy(slot->name, name, sizeof(name));
	slot->used = ++c->tick;
	*out = slot;
out:
	PQclear(res);
	free(copy);
	free(numbered);
	return st;
}

/* Errors after which a cached statement is useless and a retry may work. */
static bool pg_stale_statement(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return false;
	/* 26000: the server has no such statement (DISCARD ALL, DEALLOCATE);
	 * 0A000 "cached plan must not change result type": the table changed. */
	return strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0;
}

static gc_status pg_open_rows(struct gc_db *db, struct pg_stmt *s, const char *sql, size_t n,
			      const struct pg_params *p)
{
	struct pg_conn *c = db->impl;
	for (int attempt = 0;; attempt++) {
		struct pg_cached *e = NULL;
		gc_status st = pg_prepared(db, sql, n, p, &e);
		if (st != GC_OK)
			return st;
		if (!PQsendQueryPrepared(c->h, e->name, (int)n, p->values, p->lengths, p->formats, 0))
			return pg_fail(db, NULL, sql);
		/* One row at a time: GC_DB_MAX_ROWS holds without holding everything. */
		PQsetSingleRowMode(c->h);
		s->pending = PQgetResult(c->h);
		if (s->pending && PQresultStatus(s->pending) == PGRES_FATAL_ERROR && pg_stale_statement(s->pending)) {
			pg_drain(c->h);
			pg_cache_drop(db, e);
			/* Inside a transaction the error has already aborted it. */
			if (attempt == 0 && PQtransactionStatus(c->h) == PQTRANS_IDLE) {
				PQclear(s->pending);
				s->pending = NULL;
				continue;
			}
		}
		return GC_OK;
	}
}

static gc_status pg_open_cursor(struct gc_db *db, struct pg_stmt *s, const char *sql, size_t n,
				const struct pg_params *p)
{
	struct pg_conn *c = db->impl;
	char *numbered = NULL;
	char *declare = NULL;
	PGresult *res = NULL;
	size_t count = 0;
	gc_status st;

	st = gc_db_renumber(sql, &numbered, &count);
	if (st != GC_OK)
		goto out;
	if (count != n) {
		gc_db_set_error(db, "statement has %zu parameters, %zu given: %.200s", count, n, sql);
		st = GC_EINVAL;
		goto out;
	}
	/* Outside a transaction the cursor must be held past the implicit
	 * one that DECLARE runs in; inside, it ends with the transaction. */
	s->cursor_in_tx = PQtransactionStatus(c->h) != PQTRANS_IDLE;
	snprintf(s->cursor, sizeof(s->cursor), "gc_c%llu", (unsigned long long)++c->seq);
	snprintf(s->fetch, sizeof(s->fetch), "FETCH FORWARD %d FROM %s", PG_FETCH_ROWS, s->cursor);
	size_t len = strlen(numbered) + 100;
	declare = malloc(len);
	if (!declare) {
		st = GC_ENOMEM;
		goto out;
	}
	snprintf(declare, len, "DECLARE %s NO SCROLL CURSOR %s FOR %s", s->cursor,
		 s->cursor_in_tx ? "WITHOUT HOLD" : "WITH HOLD", numbered);
	res = PQexecParams(c->h, declare, (int)n, p->types, p->values, p->lengths, p->formats, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		st = pg_fail(db, res, sql);
		goto out;
	}
	s->cursor_open = true;
out:
	PQclear(res);
	free(declare);
	free(numbered);
	return st;
}

static void pg_close(struct gc_stmt *stmt);

static gc_status pg_open(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			 enum gc_stmt_mode mode, struct gc_stmt **out)
{
	struct pg_stmt *s = NULL;
	struct pg_params p;
	gc_status st;

	*out = NULL;
	p.text = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		st = GC_ENOMEM;
		goto out;
	}
	s->base.db = db;
	s->mode = mode;
	snprintf(s->sql_head, sizeof(s->sql_head), "%s", sql);
	st = pg_encode(db, params, n_params, &p);
	if (st != GC_OK)
		goto out;
	st = mode == GC_STMT_CURSOR ? pg_open_cursor(db, s, sql, n_params, &p)
				    : pg_open_rows(db, s, sql, n_params, &p);
	if (st != GC_OK)
		goto out;
	*out = &s->base;
	s = NULL;
out:
	free(p.text);
	if (s)
		pg_close(&s->base);
	return st;
}

/* True when s is a whole decimal integer that fits int64. */
static bool pg_integral(const char *s, long long *out)
{
	const char *p = s + (*s == '-');
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static gc_status pg_row(struct gc_db *db, const PGresult *res, int r, json_t **row)
{
	json_t *obj = json_object();
	gc_status st = GC_OK;
	if (!obj)
		return GC_ENOMEM;
	for (int i = 0; i < PQnfields(res); i++) {
		json_t *v = NULL;
		const char *text = PQgetvalue(res, r, i);
		long long num = 0;
		if (PQgetisnull(res, r, i)) {
			v = json_null();
		} else {
			switch (PQftype(res, i)) {
			case PG_BOOLOID:
				v = json_boolean(text[0] == 't');
				break;
			case PG_INT2OID:
			case PG_INT4OID:
			case PG_INT8OID:
			case PG_OIDOID:
				if (!pg_integral(text, &num)) {
					gc_db_set_error(db, "column %s: bad integer", PQfname(res, i));
					st = GC_EDB;
					goto out;
				}
				v = json_integer(num);
				break;
			case PG_NUMERICOID:
				if (pg_integral(text, &num)) {
					v = json_integer(num);
					break;
				}
				/* A fraction, or too large for int64: a real. */
				__attribute__((fallthrough));
			case PG_FLOAT4OID:
			case PG_FLOAT8OID: {
				double d = strtod(text, NULL);
				/* JSON has no NaN or infinity. */
				v = isfinite(d) ? json_real(d) : json_null();
				break;
			}
			case PG_BYTEAOID: {
				size_t n = 0;
				unsigned char *bytes = PQunescapeBytea((const unsigned char *)text, &n);
				if (!bytes) {
					st = GC_ENOMEM;
					goto out;
				}
				v = gc_db_json_blob(bytes, n);
				PQfreemem(bytes);
				break;
			}
			default:
				v = gc_db_json_text(text, (size_t)PQgetlength(res, r, i));
				if (!v) {
					gc_db_set_error(db, "column %s holds text that is not UTF-8", PQfname(res, i));
					st = GC_EDB;
					goto out;
				}
				break;
			}
		}
		if (!v || json_object_set_new(obj, PQfname(res, i), v) != 0) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	*row = obj;
	obj = NULL;
out:
	json_decref(obj);
	return st;
}

/* INSERT, UPDATE, DELETE and MERGE change rows; SELECT reports a count too, which SQLite does not. */
static int64_t pg_changed(const PGresult *res)
{
	const char *tag = PQcmdStatus((PGresult *)res);
	if (strncmp(tag, "INSERT", 6) && strncmp(tag, "UPDATE", 6) && strncmp(tag, "DELETE", 6) &&
	    strncmp(tag, "MERGE", 5))
		return 0;
	long long n = 0;
	return pg_integral(PQcmdTuples((PGresult *)res), &n) ? n : 0;
}

static gc_status pg_next(struct gc_stmt *stmt, json_t **row)
{
	struct pg_stmt *s = (struct pg_stmt *)stmt;
	struct gc_db *db = stmt->db;
	struct pg_conn *c = db->impl;
	gc_status st;

	if (s->done)
		return GC_DONE;
	for (;;) {
		if (s->cur && s->row < s->nrows) {
			int r = s->row++;
			if (!row)
				return GC_ROW;
			st = pg_row(db, s->cur, r, row);
			return st == GC_OK ? GC_ROW : st;
		}
		PQclear(s->cur);
		s->cur = NULL;
		if (s->ended) {
			if (s->mode == GC_STMT_ROWS)
				pg_drain(c->h);
			s->done = true;
			return GC_DONE;
		}
		if (s->mode == GC_STMT_CURSOR) {
			PGresult *res = PQexec(c->h, s->fetch);
			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				st = pg_fail(db, res, s->sql_head);
				PQclear(res);
				s->done = true;
				return st;
			}
			s->cur = res;
			s->nrows = PQntuples(res);
			s->row = 0;
			s->ended = s->nrows < PG_FETCH_ROWS;
			continue;
		}
		PGresult *res = s->pending ? s->pending : PQgetResult(c->h);
		s->pending = NULL;
		if (!res) {
			s->done = true;
			return GC_DONE;
		}
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			s->cur = res;
			s->nrows = PQntuples(res);
			s->row = 0;
			break;
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			/* The end; rows here too if single-row mode was refused. */
			s->changes = pg_changed(res);
			s->cur = res;
			s->nrows = PQntuples(res);
			s->row = 0;
			s->ended = true;
			break;
		case PGRES_EMPTY_QUERY:
			PQclear(res);
			pg_drain(c->h);
			s->done = true;
			gc_db_set_error(db, "empty SQL statement");
			return GC_EINVAL;
		default:
			st = pg_fail(db, res, s->sql_head);
			PQclear(res);
			pg_drain(c->h);
			s->done = true;
			return st;
		}
	}
}

static int64_t pg_changes(struct gc_stmt *stmt)
{
	return ((struct pg_stmt *)stmt)->changes;
}

static void pg_close(struct gc_stmt *stmt)
{
	struct pg_stmt *s = (struct pg_stmt *)stmt;
	if (!s)
		return;
	struct pg_conn *c = stmt->db->impl;
	PQclear(s->pending);
	PQclear(s->cur);
	if (s->mode == GC_STMT_ROWS && !s->done) {
		/* The protocol has no way to drop the rest of a result: read it. */
		pg_drain(c->h);
	}
	if (s->cursor_open) {
		PGTransactionStatusType ts = PQtransactionStatus(c->h);
		if (ts == PQTRANS_IDLE || ts == PQTRANS_INTRANS) {
			/* A cursor without HOLD died with the transaction that declared it,
			 * and CLOSE of a missing cursor would abort the caller's current
			 * transaction: look before closing. */
			const char *name = s->cursor;
			PGresult *res = PQexecParams(c->h, "SELECT 1 FROM pg_catalog.pg_cursors WHERE name = $1", 1,
						     NULL, &name, NULL, NULL, 0);
			bool exists = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
			PQclear(res);
			char sql[64];
			snprintf(sql, sizeof(sql), "CLOSE %s", s->cursor);
			if (exists && pg_command(stmt->db, sql) != GC_OK && !s->cursor_in_tx)
				c->stale_cursors = true;
		} else if (!s->cursor_in_tx) {
			/* A held cursor outlives the failed transaction: close it before the next borrower. */
			c->stale_cursors = true;
		}
	}
	free(s);
}

static gc_status pg_script(struct gc_db *db, const char *sql)
{
	struct pg_conn *c = db->impl;
	char restore[64];
	/* Scripts are the program's own migrations, which may take longer than
	 * a request's statement may; the limit comes back afterwards (or, if
	 * the transaction fails, with its rollback). */
	gc_status st = pg_command(db, "SET statement_timeout = 0");
	if (st != GC_OK)
		return st;
	PGresult *res = PQexec(c->h, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_EMPTY_QUERY)
		st = pg_fail(db, res, sql);
	PQclear(res);
	if (PQtransactionStatus(c->h) != PQTRANS_INERROR) {
		snprintf(restore, sizeof(restore), "SET statement_timeout = %d", GC_DB_STATEMENT_TIMEOUT_MS);
		gc_status restored = pg_command(db, restore);
		if (st == GC_OK)
			st = restored;
	}
	return st;
}

static gc_status pg_tx(struct gc_db *db, enum gc_tx_op op)
{
	struct pg_conn *c = db->impl;
	PGTransactionStatusType ts = PQtransactionStatus(c->h);
	PGresult *res = NULL;
	gc_status st = GC_OK;

	if (ts == PQTRANS_UNKNOWN || ts == PQTRANS_ACTIVE) {
		if (op == GC_TX_ROLLBACK && ts == PQTRANS_UNKNOWN)
			return GC_OK; /* a broken connection has no transaction left */
		gc_db_set_error(db, "postgresql: connection not ready for a transaction command");
		return GC_EDB;
	}
	switch (op) {
	case GC_TX_BEGIN:
	case GC_TX_BEGIN_WRITE:
		if (ts != PQTRANS_IDLE) {
			gc_db_set_error(db, "a transaction is already open");
			return GC_EINVAL;
		}
		/* No write lock up front: rows lock as they are written, and the
		 * claims that must not race use FOR UPDATE or advisory locks. */
		return pg_command(db, "BEGIN");
	case GC_TX_COMMIT:
		if (ts == PQTRANS_IDLE) {
			gc_db_set_error(db, "commit without a transaction");
			return GC_EINVAL;
		}
		res = PQexec(c->h, "COMMIT");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			st = pg_fail(db, res, "COMMIT");
		} else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
			/* COMMIT of a failed transaction "succeeds" by rolling back. */
			gc_db_set_error(db, "postgresql: the transaction had failed and was rolled back");
			st = GC_EDB;
		}
		PQclear(res);
		return st;
	case GC_TX_ROLLBACK:
		if (ts == PQTRANS_IDLE)
			return GC_OK;
		return pg_command(db, "ROLLBACK");
	}
	return GC_EINVAL;
}

static bool pg_in_tx(const struct gc_db *db)
{
	const struct pg_conn *c = db->impl;
	if (!c || !c->h)
		return false;
	PGTransactionStatusType ts = PQtransactionStatus(c->h);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

const struct gc_backend gc_postgres_backend = {
	.engine = GC_DB_POSTGRES,
	.name = "PostgreSQL",
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.revive = pg_revive,
	.open = pg_open,
	.next = pg_next,
	.changes = pg_changes,
	.close = pg_close,
	.script = pg_script,
	.tx = pg_tx,
	.in_tx = pg_in_tx,
};
