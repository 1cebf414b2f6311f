#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

#include "base/text.h"

/* Client-supplied text kept for the session list: one acceptable line, cut
 * at max bytes on a character boundary; NULL when absent or unacceptable. */
static const char *client_text(struct gc_arena *arena, const char *s, size_t max, bool *failed)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n == 0 || !gc_text_acceptable_line(s, n))
		return NULL;
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	char *copy = gc_arena_strndup(arena, s, n);
	if (!copy)
		*failed = true;
	return copy;
}

static bool is_active(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s && strcmp(s, "active") == 0;
}

gc_status gc_session_create(struct gc_db *db, int64_t user_id, const char *client_ip, const char *user_agent,
			    int64_t now, struct gc_arena *arena, char token[GC_SESSION_TOKEN_SIZE],
			    struct gc_session_info *info)
{
	char hash[GC_AUTH_HASH_SIZE];
	char csrf[GC_AUTH_TOKEN_CHARS + 1];
	json_t *row = NULL;
	bool failed = false;
	int64_t id = 0;
	gc_status status;

	token[0] = '\0';
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	status = gc_db_query_one(db,
				 "SELECT u.status AS user_status, u.mfa_enabled AS mfa_enabled, o.kind AS org_kind,"
				 " o.status AS org_status FROM users u JOIN organisations o ON o.id = u.org_id"
				 " WHERE u.id = ?",
				 GC_PARAMS(GC_INT(user_id)), &row);
	if (status != GC_OK)
		goto out;
	enum gc_org_kind kind;
	if (!is_active(row, "user_status") || !is_active(row, "org_status")) {
		status = GC_ENOTFOUND;
		goto out;
	}
	if (!gc_org_kind_parse(json_string_value(json_object_get(row, "org_kind")), &kind)) {
		status = GC_EDB;
		goto out;
	}
	bool mfa_passed = !gc_auth_mfa_required(kind) && json_integer_value(json_object_get(row, "mfa_enabled")) == 0;
	const char *ip = client_text(arena, client_ip, GC_SESSION_CLIENT_IP_MAX, &failed);
	const char *agent = client_text(arena, user_agent, GC_SESSION_USER_AGENT_MAX, &failed);
	if (failed) {
		status = GC_ENOMEM;
		goto out;
	}

	/* Logins are rare next to requests: a good moment to drop dead sessions. */
	status = gc_db_exec(db, "DELETE FROM sessions WHERE last_seen_at <= ? OR absolute_expires_at <= ?",
			    GC_PARAMS(GC_INT(now - GC_SESSION_IDLE_SECONDS), GC_INT(now)), NULL);
	if (status != GC_OK)
		goto out;

	gc_auth_token_new(token);
	gc_auth_token_new(csrf);
	gc_auth_token_hash(token, strlen(token), hash);
	status = gc_db_query_int(db,
				 "INSERT INTO sessions (user_id, token_hash, csrf_token, mfa_passed, created_at,"
				 " last_seen_at, absolute_expires_at, client_ip, user_agent)"
				 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				 GC_PARAMS(GC_INT(user_id), GC_TEXT(hash), GC_TEXT(csrf), GC_INT(mfa_passed ? 1 : 0),
					   GC_INT(now), GC_INT(now), GC_INT(now + GC_SESSION_ABSOLUTE_SECONDS),
					   GC_TEXT_OR_NULL(ip), GC_TEXT_OR_NULL(agent)),
				 &id);
	if (status != GC_OK)
		goto out;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->id = id;
		info->user_id = user_id;
		info->mfa_passed = mfa_passed;
		info->mfa_enrolled = json_integer_value(json_object_get(row, "mfa_enabled")) != 0;
		info->created_at = now;
		info->last_seen_at = now;
		info->absolute_expires_at = now + GC_SESSION_ABSOLUTE_SECONDS;
		info->csrf_token = gc_arena_strdup(arena, csrf);
		if (!info->csrf_token)
			status = GC_ENOMEM;
	}
out:
	if (status != GC_OK)
		sodium_memzero(token, GC_SESSION_TOKEN_SIZE);
	sodium_memzero(csrf, sizeof(csrf));
	json_decref(row);
	return status;
}

gc_status gc_session_resolve(struct gc_db *db, const char *token, int64_t now, struct gc_arena *arena,
			     struct gc_principal **principal, struct gc_session_info *info)
{
	char hash[GC_AUTH_HASH_SIZE];
	json_t *row = NULL;
	struct gc_principal *p = NULL;
	gc_status status;

	if (principal)
		*principal = NULL;
	if (!token || !gc_auth_token_well_formed(token, strlen(token)))
		return GC_ENOTFOUND;
	gc_auth_token_hash(token, strlen(token), hash);
	status = gc_db_query_one(db,
				 "SELECT s.id AS session_id, s.csrf_token AS csrf_token, s.mfa_passed AS mfa_passed,"
				 " s.created_at AS created_at, s.last_seen_at AS last_seen_at,"
				 " s.absolute_expires_at AS absolute_expires_at, u.mfa_enabled AS mfa_enabled, "
				 GC_PRINCIPAL_COLUMNS
				 " FROM sessions s JOIN users u ON u.id = s.user_id"
				 " JOIN organisations o ON o.id = u.org_id WHERE s.token_hash = ?",
				 GC_PARAMS(GC_TEXT(hash)), &row);
	if (status != GC_OK)
		goto out;

	int64_t id = json_integer_value(json_object_get(row, "session_id"));
	int64_t last_seen = json_integer_value(json_object_get(row, "last_seen_at"));
	int64_t absolute = json_integer_value(json_object_get(row, "absolute_expires_at"));
	if (now - last_seen >= GC_SESSION_IDLE_SECONDS || now >= absolute) {
		/* Dead for good: remove it now rather than at the next purge. */
		status = gc_db_exec(db, "DELETE FROM sessions WHERE id = ?", GC_PARAMS(GC_INT(id)), NULL);
		if (status == GC_OK)
			status = GC_ENOTFOUND;
		goto out;
	}
	if (!is_active(row, "user_status") || !is_active(row, "org_status")) {
		status = GC_ENOTFOUND;
		goto out;
	}

	bool mfa_passed = json_integer_value(json_object_get(row, "mfa_passed")) != 0;
	const char *csrf = gc_arena_strdup(arena, json_string_value(json_object_get(row, "csrf_token")));
	if (!csrf) {
		status = GC_ENOMEM;
		goto out;
	}
	if (mfa_passed && principal) {
		status = gc_principal_from_row(row, arena, &p);
		if (status != GC_OK)
			goto out;
		p->session_id = id;
		p->csrf_token = csrf;
	}
	if (now - last_seen >= GC_SESSION_TOUCH_SECONDS) {
		/* Conditional, so concurrent requests of one session write once. */
		status = gc_db_exec(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at <= ?",
				    GC_PARAMS(GC_INT(now), GC_INT(id), GC_INT(now - GC_SESSION_TOUCH_SECONDS)), NULL);
		if (status != GC_OK)
			goto out;
		last_seen = now;
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->id = id;
		info->user_id = json_integer_value(json_object_get(row, "user_id"));
		info->mfa_passed = mfa_passed;
		info->mfa_enrolled = json_integer_value(json_object_get(row, "mfa_enabled")) != 0;
		info->csrf_token = csrf;
		info->created_at = json_integer_value(json_object_get(row, "created_at"));
		info->last_seen_at = last_seen;
		info->absolute_expires_at = absolute;
	}
	if (principal)
		*principal = p;
out:
	json_decref(row);
	return status;
}

gc_status gc_session_mark_mfa(struct gc_db *db, int64_t session_id, int64_t now, char new_token[GC_SESSION_TOKEN_SIZE])
{
	char hash[GC_AUTH_HASH_SIZE];
	char csrf[GC_AUTH_TOKEN_CHARS + 1];
	int64_t changes = 0;
	gc_status status;

	new_token[0] = '\0';
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	gc_auth_token_new(new_token);
	gc_auth_token_new(csrf);
	gc_auth_token_hash(new_token, strlen(new_token), hash);
	/* Replacing the hash in place invalidates the old token in the same
	 * statement that validates the new one: there is no moment when both,
	 * or neither, work. */
	status = gc_db_exec(db,
			    "UPDATE sessions SET token_hash = ?, csrf_token = ?, mfa_passed = 1, last_seen_at = ?"
			    " WHERE id = ? AND mfa_passed = 0 AND last_seen_at > ? AND absolute_expires_at > ?",
			    GC_PARAMS(GC_TEXT(hash), GC_TEXT(csrf), GC_INT(now), GC_INT(session_id),
				      GC_INT(now - GC_SESSION_IDLE_SECONDS), GC_INT(now)),
			    &changes);
	if (status == GC_OK && changes != 1)
		status = GC_ENOTFOUND;
	if (status != GC_OK)
		sodium_memzero(new_token, GC_SESSION_TOKEN_SIZE);
	sodium_memzero(csrf, sizeof(csrf));
	return status;
}

gc_status gc_session_end(struct gc_db *db, int64_t user_id, int64_t session_id)
{
	int64_t changes = 0;
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	gc_status status = gc_db_exec(db, "DELETE FROM sessions WHERE id = ? AND user_id = ?",
				      GC_PARAMS(GC_INT(session_id), GC_INT(user_id)), &changes);
	if (status == GC_OK && changes != 1)
		status = GC_ENOTFOUND;
	return status;
}

gc_status gc_session_end_all(struct gc_db *db, int64_t user_id, int64_t except_session_id, int64_t *ended)
{
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	/* Ids start at 1, so except_session_id 0 spares nothing. */
	return gc_db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
			  GC_PARAMS(GC_INT(user_id), GC_INT(except_session_id)), ended);
}

gc_status gc_session_list(struct gc_db *db, int64_t user_id, int64_t now, json_t **rows)
{
	static const char *const times[] = { "created_at", "last_seen_at", "expires_at" };
	size_t i;
	json_t *row;
	gc_status status = gc_db_query(db,
				       "SELECT id, created_at, last_seen_at, absolute_expires_at, client_ip, user_agent,"
				       " mfa_passed FROM sessions"
				       " WHERE user_id = ? AND last_seen_at > ? AND absolute_expires_at > ?"
				       " ORDER BY id DESC",
				       GC_PARAMS(GC_INT(user_id), GC_INT(now - GC_SESSION_IDLE_SECONDS), GC_INT(now)),
				       rows);
	if (status != GC_OK)
		return status;
	json_array_foreach(*rows, i, row) {
		int64_t idle_end = json_integer_value(json_object_get(row, "last_seen_at")) + GC_SESSION_IDLE_SECONDS;
		int64_t absolute = json_integer_value(json_object_get(row, "absolute_expires_at"));
		bool mfa = json_integer_value(json_object_get(row, "mfa_passed")) != 0;
		if (json_object_del(row, "absolute_expires_at") != 0 ||
		    json_object_set_new(row, "expires_at", json_integer(idle_end < absolute ? idle_end : absolute)) ||
		    json_object_set_new(row, "mfa_passed", json_boolean(mfa))) {
			status = GC_ENOMEM;
			break;
		}
	}
	if (status == GC_OK)
		status = gc_auth_rows_iso_times(*rows, times, GC_ARRAY_LEN(times));
	if (status != GC_OK) {
		json_decref(*rows);
		*rows = NULL;
	}
	return status;
}
