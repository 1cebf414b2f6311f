#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

#include "base/text.h"

gc_status gc_invitation_create(struct gc_db *db, int64_t user_id, int64_t created_by, int64_t now,
			       char token[GC_INVITATION_TOKEN_SIZE], int64_t *id)
{
	char hash[GC_AUTH_HASH_SIZE];
	json_t *row = NULL;
	int64_t new_id = 0;
	gc_status status;

	token[0] = '\0';
	if (!gc_db_in_transaction(db))
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
	/* One live link per person: a new invitation withdraws the ones before,
	 * so a forwarded or intercepted older e-mail stops working. */
	status = gc_db_exec(db, "DELETE FROM invitations WHERE user_id = ? AND used_at IS NULL",
			    GC_PARAMS(GC_INT(user_id)), NULL);
	if (status != GC_OK)
		goto out;
	gc_auth_token_new(token);
	gc_auth_token_hash(token, strlen(token), hash);
	status = gc_db_query_int(db,
				 "INSERT INTO invitations (user_id, token_hash, created_by, created_at, expires_at)"
				 " VALUES (?, ?, ?, ?, ?) RETURNING id",
				 GC_PARAMS(GC_INT(user_id), GC_TEXT(hash), created_by ? GC_INT(created_by) : GC_NULL,
					   GC_INT(now), GC_INT(now + GC_INVITATION_TTL_SECONDS)),
				 &new_id);
	if (status == GC_OK && id)
		*id = new_id;
out:
	if (status != GC_OK)
		sodium_memzero(token, GC_INVITATION_TOKEN_SIZE);
	json_decref(row);
	return status;
}

/* The condition under which an invitation may be used; one text for the
 * lookup and the consumption, so the page never offers what cannot be used. */
#define USABLE                                                                                                     \
	" used_at IS NULL AND expires_at > ? AND user_id IN (SELECT u.id FROM users u"                             \
	" JOIN organisations o ON o.id = u.org_id WHERE u.status <> 'disabled' AND o.status = 'active')"

gc_status gc_invitation_lookup(struct gc_db *db, const char *token, int64_t now, struct gc_arena *arena,
			       struct gc_invitation *out)
{
	char hash[GC_AUTH_HASH_SIZE];
	json_t *row = NULL;
	gc_status status;

	if (!token || !gc_auth_token_well_formed(token, strlen(token)))
		return GC_ENOTFOUND;
	gc_auth_token_hash(token, strlen(token), hash);
	status = gc_db_query_one(db,
				 "SELECT i.id AS id, i.user_id AS user_id, i.created_at AS created_at,"
				 " i.expires_at AS expires_at, u.email AS email, u.name AS user_name,"
				 " u.status AS user_status, o.id AS org_id, o.name AS org_name"
				 " FROM invitations i JOIN users u ON u.id = i.user_id"
				 " JOIN organisations o ON o.id = u.org_id"
				 " WHERE i.token_hash = ? AND i.id IN (SELECT id FROM invitations WHERE" USABLE ")",
				 GC_PARAMS(GC_TEXT(hash), GC_INT(now)), &row);
	if (status != GC_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	out->id = json_integer_value(json_object_get(row, "id"));
	out->user_id = json_integer_value(json_object_get(row, "user_id"));
	out->org_id = json_integer_value(json_object_get(row, "org_id"));
	out->created_at = json_integer_value(json_object_get(row, "created_at"));
	out->expires_at = json_integer_value(json_object_get(row, "expires_at"));
	out->user_status = strcmp(json_string_value(json_object_get(row, "user_status")), "active") == 0
				   ? GC_USER_ACTIVE
				   : GC_USER_INVITED;
	const char *name = json_string_value(json_object_get(row, "user_name"));
	out->email = gc_arena_strdup(arena, json_string_value(json_object_get(row, "email")));
	out->org_name = gc_arena_strdup(arena, json_string_value(json_object_get(row, "org_name")));
	out->user_name = name ? gc_arena_strdup(arena, name) : NULL;
	if (!out->email || !out->org_name || (name && !out->user_name))
		status = GC_ENOMEM;
out:
	json_decref(row);
	return status;
}

gc_status gc_invitation_consume(struct gc_db *db, const char *token, int64_t now, int64_t *user_id)
{
	char hash[GC_AUTH_HASH_SIZE];
	int64_t changes = 0;
	gc_status status;

	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	if (!token || !gc_auth_token_well_formed(token, strlen(token)))
		return GC_ENOTFOUND;
	gc_auth_token_hash(token, strlen(token), hash);
	status = gc_db_exec(db, "UPDATE invitations SET used_at = ? WHERE token_hash = ? AND" USABLE,
			    GC_PARAMS(GC_INT(now), GC_TEXT(hash), GC_INT(now)), &changes);
	if (status != GC_OK)
		return status;
	if (changes != 1)
		return GC_ENOTFOUND;
	return gc_db_query_int(db, "SELECT user_id FROM invitations WHERE token_hash = ?", GC_PARAMS(GC_TEXT(hash)),
			       user_id);
}

gc_status gc_invitation_url(struct gc_buf *out, const char *base_url, const char *token)
{
	if (!base_url || !token || !gc_auth_token_well_formed(token, strlen(token)))
		return GC_EINVAL;
	size_t n = strlen(base_url);
	size_t scheme = strncmp(base_url, "https://", 8) == 0 ? 8 : strncmp(base_url, "http://", 7) == 0 ? 7 : 0;
	if (scheme == 0 || n == scheme || !gc_text_acceptable_line(base_url, n))
		return GC_EINVAL;
	/* The URL goes into e-mail and terminals as it is: printable ASCII only,
	 * nothing that would end it early or be read as markup. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)base_url[i] <= ' ' || (unsigned char)base_url[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", base_url[i]))
			return GC_EINVAL;
	if (base_url[n - 1] == '/')
		n--;
	gc_buf_raw(out, base_url, n);
	gc_buf_lit(out, GC_INVITATION_PATH);
	gc_buf_url_path(out, token, strlen(token));
	return gc_buf_error(out);
}
