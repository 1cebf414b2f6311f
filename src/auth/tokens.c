#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

#include "base/clock.h"
#include "base/random.h"
#include "base/text.h"

_Static_assert(GC_SESSION_TOKEN_SIZE == GC_AUTH_TOKEN_CHARS + 1, "session token size");
_Static_assert(GC_INVITATION_TOKEN_SIZE == GC_AUTH_TOKEN_CHARS + 1, "invitation token size");
_Static_assert(GC_API_TOKEN_SIZE == sizeof(GC_API_TOKEN_PREFIX) - 1 + GC_AUTH_TOKEN_CHARS + 1, "API token size");
_Static_assert(sodium_base64_ENCODED_LEN(GC_AUTH_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
		       GC_AUTH_TOKEN_CHARS + 1,
	       "43 base64url characters hold 32 bytes");

#define PREFIX_LEN (sizeof(GC_API_TOKEN_PREFIX) - 1)

/* --- secret tokens, shared by sessions, invitations and API tokens ------------ */

void gc_auth_token_new(char out[GC_AUTH_TOKEN_CHARS + 1])
{
	unsigned char raw[GC_AUTH_TOKEN_BYTES];
	gc_random_bytes(raw, sizeof(raw));
	sodium_bin2base64(out, GC_AUTH_TOKEN_CHARS + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

bool gc_auth_token_well_formed(const char *s, size_t n)
{
	if (!s || n != GC_AUTH_TOKEN_CHARS)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return false;
	}
	/* 43 characters carry 258 bits; the encoder leaves the last 2 at zero,
	 * so only one text decodes to each token. */
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t last = (size_t)(strchr(alphabet, s[n - 1]) - alphabet);
	return (last & 3) == 0;
}

void gc_auth_token_hash(const char *s, size_t n, char out[GC_AUTH_HASH_SIZE])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)s, n);
	sodium_bin2hex(out, GC_AUTH_HASH_SIZE, digest, sizeof(digest));
}

gc_status gc_auth_rows_iso_times(json_t *rows, const char *const *columns, size_t n)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < n; c++) {
			json_t *v = json_object_get(row, columns[c]);
			if (!json_is_integer(v))
				continue;
			char iso[32];
			gc_clock_format_iso8601(json_integer_value(v), iso, sizeof(iso));
			if (json_object_set_new(row, columns[c], json_string(iso)) != 0)
				return GC_ENOMEM;
		}
	}
	return GC_OK;
}

/* --- API tokens ----------------------------------------------------------------- */

static bool name_ok(const char *name)
{
	if (!name)
		return false;
	size_t n = strlen(name);
	if (n == 0 || !gc_text_acceptable_line(name, n))
		return false;
	size_t chars = gc_utf8_length(name, n);
	return chars >= 1 && chars <= GC_API_TOKEN_NAME_MAX;
}

gc_status gc_token_create(struct gc_db *db, int64_t user_id, const char *name, int64_t expires_days, int64_t now,
			  char token[GC_API_TOKEN_SIZE], int64_t *id)
{
	char hash[GC_AUTH_HASH_SIZE];
	char random_part[GC_AUTH_TOKEN_CHARS + 1];
	int64_t new_id = 0;
	json_t *row = NULL;
	gc_status status;

	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	if (!name_ok(name) || expires_days < 0 || expires_days > GC_API_TOKEN_MAX_DAYS)
		return GC_EINVAL;
	status = gc_db_query_one(db,
				 "SELECT u.status AS user_status, o.status AS org_status FROM users u"
				 " JOIN organisations o ON o.id = u.org_id WHERE u.id = ?",
				 GC_PARAMS(GC_INT(user_id)), &row);
	if (status != GC_OK)
		goto out;
	if (strcmp(json_string_value(json_object_get(row, "user_status")), "disabled") == 0 ||
	    strcmp(json_string_value(json_object_get(row, "org_status")), "active") != 0) {
		status = GC_ENOTFOUND;
		goto out;
	}

	gc_auth_token_new(random_part);
	memcpy(token, GC_API_TOKEN_PREFIX, PREFIX_LEN);
	memcpy(token + PREFIX_LEN, random_part, sizeof(random_part));
	sodium_memzero(random_part, sizeof(random_part));
	gc_auth_token_hash(token, strlen(token), hash);
	struct gc_val expires = expires_days ? GC_INT(now + expires_days * 86400) : GC_NULL;
	status = gc_db_query_int(db,
				 "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)"
				 " VALUES (?, ?, ?, ?, ?) RETURNING id",
				 GC_PARAMS(GC_INT(user_id), GC_TEXT(name), GC_TEXT(hash), GC_INT(now), expires), &new_id);
	if (status == GC_OK && id)
		*id = new_id;
out:
	if (status != GC_OK && token)
		sodium_memzero(token, GC_API_TOKEN_SIZE);
	json_decref(row);
	return status;
}

gc_status gc_token_resolve(struct gc_db *db, const char *bearer, int64_t now, struct gc_arena *arena,
			   struct gc_principal **principal, int64_t *token_id)
{
	char hash[GC_AUTH_HASH_SIZE];
	json_t *row = NULL;
	struct gc_principal *p = NULL;
	gc_status status;

	*principal = NULL;
	if (!bearer || strncmp(bearer, GC_API_TOKEN_PREFIX, PREFIX_LEN) != 0 ||
	    !gc_auth_token_well_formed(bearer + PREFIX_LEN, strlen(bearer + PREFIX_LEN)))
		return GC_ENOTFOUND;
	gc_auth_token_hash(bearer, strlen(bearer), hash);
	status = gc_db_query_one(db,
				 "SELECT t.id AS token_id, t.last_used_at AS last_used_at, " GC_PRINCIPAL_COLUMNS
				 " FROM api_tokens t JOIN users u ON u.id = t.user_id"
				 " JOIN organisations o ON o.id = u.org_id"
				 " WHERE t.token_hash = ? AND t.revoked_at IS NULL"
				 " AND (t.expires_at IS NULL OR t.expires_at > ?)"
				 " AND u.status <> 'disabled' AND o.status = 'active'",
				 GC_PARAMS(GC_TEXT(hash), GC_INT(now)), &row);
	if (status != GC_OK)
		goto out;
	status = gc_principal_from_row(row, arena, &p);
	if (status != GC_OK)
		goto out;
	p->via_token = true;

	int64_t id = json_integer_value(json_object_get(row, "token_id"));
	json_t *last = json_object_get(row, "last_used_at");
	if (json_is_null(last) || now - json_integer_value(last) >= GC_API_TOKEN_TOUCH_SECONDS) {
		/* The condition makes concurrent requests write once between them. */
		status = gc_db_exec(db,
				    "UPDATE api_tokens SET last_used_at = ?"
				    " WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
				    GC_PARAMS(GC_INT(now), GC_INT(id), GC_INT(now - GC_API_TOKEN_TOUCH_SECONDS)), NULL);
		if (status != GC_OK)
			goto out;
	}
	if (token_id)
		*token_id = id;
	*principal = p;
out:
	json_decref(row);
	return status;
}

gc_status gc_token_list(struct gc_db *db, int64_t user_id, int64_t now, json_t **rows)
{
	static const char *const times[] = { "created_at", "expires_at", "revoked_at", "last_used_at" };
	gc_status status = gc_db_query(db,
				       "SELECT id, name, created_at, expires_at, revoked_at, last_used_at,"
				       " CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
				       " WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 'expired'"
				       " ELSE 'active' END AS state"
				       " FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
				       GC_PARAMS(GC_INT(now), GC_INT(user_id)), rows);
	if (status != GC_OK)
		return status;
	status = gc_auth_rows_iso_times(*rows, times, GC_ARRAY_LEN(times));
	if (status != GC_OK) {
		json_decref(*rows);
		*rows = NULL;
	}
	return status;
}

/* Who may revoke whose token: the owner, an admin of the owner's
 * organisation, a Secretariat admin. Anyone else is told it does not exist. */
static bool may_revoke(const struct gc_principal *actor, int64_t owner, int64_t owner_org)
{
	if (!actor)
		return false;
	if (actor->user_id == owner)
		return true;
	if (actor->role != GC_ROLE_ADMIN)
		return false;
	return actor->org_id == owner_org || gc_principal_is_secretariat(actor);
}

static gc_status revoke(struct gc_db *db, bool as_operator, const struct gc_principal *actor, int64_t token_id,
			int64_t now, int64_t *user_id)
{
	json_t *row = NULL;
	int64_t changes = 0;
	gc_status status;

	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	status = gc_db_query_one(db,
				 "SELECT t.user_id AS user_id, u.org_id AS org_id, t.revoked_at AS revoked_at"
				 " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?",
				 GC_PARAMS(GC_INT(token_id)), &row);
	if (status != GC_OK)
		goto out;
	int64_t owner = json_integer_value(json_object_get(row, "user_id"));
	if (!as_operator && !may_revoke(actor, owner, json_integer_value(json_object_get(row, "org_id")))) {
		status = GC_ENOTFOUND;
		goto out;
	}
	status = gc_db_exec(db, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
			    GC_PARAMS(GC_INT(now), GC_INT(token_id)), &changes);
	if (status != GC_OK)
		goto out;
	if (changes != 1) {
		status = GC_ECONFLICT;
		goto out;
	}
	if (user_id)
		*user_id = owner;
out:
	json_decref(row);
	return status;
}

gc_status gc_token_revoke(struct gc_db *db, const struct gc_principal *actor, int64_t token_id, int64_t now,
			  int64_t *user_id)
{
	return revoke(db, false, actor, token_id, now, user_id);
}

gc_status gc_token_revoke_as_operator(struct gc_db *db, int64_t token_id, int64_t now, int64_t *user_id)
{
	return revoke(db, true, NULL, token_id, now, user_id);
}

gc_status gc_token_revoke_all(struct gc_db *db, int64_t user_id, int64_t now, int64_t *revoked)
{
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	return gc_db_exec(db, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
			  GC_PARAMS(GC_INT(now), GC_INT(user_id)), revoked);
}
