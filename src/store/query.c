/*
 * The public gc_db_* functions. They check what the caller hands over, then
 * dispatch to the connection's engine through struct gc_backend, so the
 * checks and the limits (GC_DB_MAX_PARAMS, GC_DB_MAX_ROWS) are the same on
 * both engines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "store/backend.h"
#include "store/store.h"

struct gc_cursor {
	struct gc_db *db;
	struct gc_stmt *stmt;
	json_t *row; /* the row handed out last, freed on the next call */
};

void gc_db_set_error(struct gc_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
}

json_t *gc_db_json_blob(const void *p, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = p;
	json_t *out = NULL;
	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	size_t len = (n + 2) / 3 * 4;
	char *text = malloc(len + 1);
	if (!text)
		return NULL;
	size_t o = 0;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		text[o++] = alphabet[v >> 18 & 63];
		text[o++] = alphabet[v >> 12 & 63];
		text[o++] = alphabet[v >> 6 & 63];
		text[o++] = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		text[o++] = alphabet[v >> 18 & 63];
		text[o++] = alphabet[v >> 12 & 63];
		text[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		text[o++] = '=';
	}
	text[o] = '\0';
	out = json_stringn_nocheck(text, o);
	free(text);
	return out;
}

json_t *gc_db_json_text(const char *s, size_t n)
{
	/* json_stringn checks UTF-8 itself; NUL cannot reach a column through
	 * gc_db_* (check_params refuses it), but other writers could put one. */
	if (!s)
		return json_stringn("", 0);
	return json_stringn(s, n);
}

uint64_t gc_db_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * Copies params into out with text lengths resolved, refusing what would not
 * come back out of the database unchanged on both engines: text that is not
 * UTF-8, or that holds NUL (PostgreSQL's text type cannot store it).
 */
static gc_status check_params(struct gc_db *db, const struct gc_val *params, size_t n_params, struct gc_val *out)
{
	if (n_params > GC_DB_MAX_PARAMS) {
		gc_db_set_error(db, "%zu parameters, more than %d", n_params, GC_DB_MAX_PARAMS);
		return GC_ETOOBIG;
	}
	if (n_params > 0 && !params) {
		gc_db_set_error(db, "parameters missing");
		return GC_EINVAL;
	}
	for (size_t i = 0; i < n_params; i++) {
		out[i] = params[i];
		switch (params[i].type) {
		case GC_VAL_NULL:
		case GC_VAL_INT:
		case GC_VAL_REAL:
			break;
		case GC_VAL_TEXT:
			if (!params[i].p) {
				gc_db_set_error(db, "parameter %zu: text pointer is NULL", i + 1);
				return GC_EINVAL;
			}
			if (params[i].n == SIZE_MAX)
				out[i].n = strlen(params[i].p);
			if (memchr(out[i].p, '\0', out[i].n) || !gc_utf8_valid(out[i].p, out[i].n)) {
				gc_db_set_error(db, "parameter %zu: text is not UTF-8 without NUL", i + 1);
				return GC_EINVAL;
			}
			break;
		case GC_VAL_BLOB:
			if (!params[i].p && params[i].n > 0) {
				gc_db_set_error(db, "parameter %zu: blob pointer is NULL", i + 1);
				return GC_EINVAL;
			}
			if (params[i].n == SIZE_MAX) {
				gc_db_set_error(db, "parameter %zu: blob needs a length", i + 1);
				return GC_EINVAL;
			}
			if (!params[i].p)
				out[i].p = "";
			break;
		default:
			gc_db_set_error(db, "parameter %zu: unknown type", i + 1);
			return GC_EINVAL;
		}
	}
	return GC_OK;
}

/* Checks the arguments and starts sql on db's engine. */
static gc_status start(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
		       enum gc_stmt_mode mode, struct gc_stmt **stmt)
{
	struct gc_val checked[GC_DB_MAX_PARAMS];
	*stmt = NULL;
	if (!db || !sql)
		return GC_EINVAL;
	if (!db->borrowed) {
		/* A connection used after its release could be in another thread's hands. */
		gc_db_set_error(db, "connection used while not borrowed from the pool");
		return GC_EINVAL;
	}
	gc_status st = check_params(db, params, n_params, checked);
	if (st != GC_OK)
		return st;
	return db->backend->open(db, sql, checked, n_params, mode, stmt);
}

enum gc_db_engine gc_db_engine(const struct gc_db *db)
{
	return db->backend->engine;
}

const char *gc_db_errmsg(const struct gc_db *db)
{
	return db ? db->err : "no connection";
}

gc_status gc_db_query(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params, json_t **rows)
{
	struct gc_stmt *stmt = NULL;
	json_t *out = NULL;
	size_t count = 0;
	gc_status st;

	*rows = NULL;
	st = start(db, sql, params, n_params, GC_STMT_ROWS, &stmt);
	if (st != GC_OK)
		goto out;
	out = json_array();
	if (!out) {
		st = GC_ENOMEM;
		goto out;
	}
	for (;;) {
		json_t *row = NULL;
		/* Past the limit the rest is read without being kept, so the
		 * engine ends cleanly and memory stays bounded. */
		st = db->backend->next(stmt, count < GC_DB_MAX_ROWS ? &row : NULL);
		if (st == GC_DONE)
			break;
		if (st != GC_ROW)
			goto out;
		count++;
		if (row && json_array_append_new(out, row) != 0) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	if (count > GC_DB_MAX_ROWS) {
		gc_db_set_error(db, "query returned more than %d rows", GC_DB_MAX_ROWS);
		st = GC_ETOOBIG;
		goto out;
	}
	*rows = out;
	out = NULL;
	st = GC_OK;
out:
	if (stmt)
		db->backend->close(stmt);
	json_decref(out);
	return st;
}

gc_status gc_db_query_one(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			  json_t **row)
{
	struct gc_stmt *stmt = NULL;
	gc_status st;

	*row = NULL;
	st = start(db, sql, params, n_params, GC_STMT_ROWS, &stmt);
	if (st != GC_OK)
		goto out;
	st = db->backend->next(stmt, row);
	if (st == GC_DONE)
		st = GC_ENOTFOUND;
	else if (st == GC_ROW)
		st = GC_OK;
out:
	if (stmt)
		db->backend->close(stmt);
	return st;
}

gc_status gc_db_query_int(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			  int64_t *value)
{
	json_t *row = NULL;
	gc_status st = gc_db_query_one(db, sql, params, n_params, &row);
	if (st != GC_OK)
		goto out;
	/* jansson keeps keys in insertion order, so the first is the first column. */
	json_t *v = json_object_iter_value(json_object_iter(row));
	if (json_is_integer(v)) {
		*value = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) >= -9.2e18 && json_real_value(v) <= 9.2e18 &&
		   json_real_value(v) == (double)(int64_t)json_real_value(v)) {
		*value = (int64_t)json_real_value(v);
	} else {
		gc_db_set_error(db, "first column is not an integer");
		st = json_is_null(v) ? GC_ENOTFOUND : GC_EINVAL;
	}
out:
	json_decref(row);
	return st;
}

gc_status gc_db_exec(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
		     int64_t *changes)
{
	struct gc_stmt *stmt = NULL;
	gc_status st;

	if (changes)
		*changes = 0;
	st = start(db, sql, params, n_params, GC_STMT_ROWS, &stmt);
	if (st != GC_OK)
		goto out;
	/* A statement with RETURNING still runs to its end. */
	while ((st = db->backend->next(stmt, NULL)) == GC_ROW)
		;
	if (st != GC_DONE)
		goto out;
	if (changes)
		*changes = db->backend->changes(stmt);
	st = GC_OK;
out:
	if (stmt)
		db->backend->close(stmt);
	return st;
}

gc_status gc_db_exec_script(struct gc_db *db, const char *sql)
{
	if (!db || !sql)
		return GC_EINVAL;
	if (!db->borrowed) {
		gc_db_set_error(db, "connection used while not borrowed from the pool");
		return GC_EINVAL;
	}
	return db->backend->script(db, sql);
}

static gc_status tx(struct gc_db *db, enum gc_tx_op op)
{
	if (!db)
		return GC_EINVAL;
	if (!db->borrowed) {
		gc_db_set_error(db, "connection used while not borrowed from the pool");
		return GC_EINVAL;
	}
	return db->backend->tx(db, op);
}

gc_status gc_db_begin(struct gc_db *db)
{
	return tx(db, GC_TX_BEGIN);
}

gc_status gc_db_begin_write(struct gc_db *db)
{
	return tx(db, GC_TX_BEGIN_WRITE);
}

gc_status gc_db_commit(struct gc_db *db)
{
	return tx(db, GC_TX_COMMIT);
}

void gc_db_rollback(struct gc_db *db)
{
	if (!db)
		return;
	/* A rollback that fails leaves nothing to do: the engine ends the
	 * transaction either way, and the reason is in db->err for the log. */
	(void)db->backend->tx(db, GC_TX_ROLLBACK);
}

bool gc_db_in_transaction(const struct gc_db *db)
{
	return db && db->backend->in_tx(db);
}

gc_status gc_db_open_cursor(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n_params,
			    struct gc_cursor **out)
{
	struct gc_cursor *cursor = NULL;
	gc_status st;

	*out = NULL;
	cursor = calloc(1, sizeof(*cursor));
	if (!cursor) {
		st = GC_ENOMEM;
		goto out;
	}
	cursor->db = db;
	st = start(db, sql, params, n_params, GC_STMT_CURSOR, &cursor->stmt);
	if (st != GC_OK)
		goto out;
	*out = cursor;
	cursor = NULL;
out:
	gc_cursor_close(cursor);
	return st;
}

gc_status gc_cursor_next(struct gc_cursor *cursor, json_t **row)
{
	*row = NULL;
	if (!cursor || !cursor->stmt)
		return GC_EINVAL;
	json_decref(cursor->row);
	cursor->row = NULL;
	gc_status st = cursor->db->backend->next(cursor->stmt, &cursor->row);
	if (st == GC_ROW)
		*row = cursor->row;
	return st;
}

void gc_cursor_close(struct gc_cursor *cursor)
{
	if (!cursor)
		return;
	if (cursor->stmt)
		cursor->db->backend->close(cursor->stmt);
	json_decref(cursor->row);
	free(cursor);
}

gc_status gc_db_bump_changes(struct gc_db *db)
{
	int64_t changed = 0;
	gc_status st = gc_db_exec(db, "UPDATE change_counter SET value = value + 1 WHERE id = 1", GC_NO_PARAMS,
				  &changed);
	if (st != GC_OK)
		return st;
	if (changed == 0) {
		/* The migrations create the row; this only repairs a table emptied by hand. */
		st = gc_db_exec(db, "INSERT INTO change_counter (id, value) VALUES (1, 1)", GC_NO_PARAMS, NULL);
	}
	return st;
}

gc_status gc_db_changes_counter(struct gc_db *db, int64_t *value)
{
	gc_status st = gc_db_query_int(db, "SELECT value FROM change_counter WHERE id = 1", GC_NO_PARAMS, value);
	if (st == GC_ENOTFOUND) {
		*value = 0;
		st = GC_OK;
	}
	return st;
}
