#include "auth/auth.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/text.h"

/* At most this many recovery code hashes are stored at once. */
#define MAX_RECOVERY_CODES 32

bool gc_auth_mfa_required(enum gc_org_kind kind)
{
	return kind == GC_ORG_MEMBER_STATE || kind == GC_ORG_OBSERVER_STATE || kind == GC_ORG_SECRETARIAT;
}

/* --- validation --------------------------------------------------------------- */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext: what a dot-atom local part is made of. */
static bool is_atext(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool local_part_ok(const char *s, size_t n)
{
	if (n == 0 || n > GC_EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!is_atext(s[i])) {
			return false;
		}
	}
	return true;
}

static bool domain_ok(const char *s, size_t n)
{
	size_t labels = 0;
	size_t start = 0;
	bool last_all_digits = false;

	if (n == 0 || n > 253)
		return false;
	while (start <= n) {
		size_t end = start;
		while (end < n && s[end] != '.')
			end++;
		size_t len = end - start;
		if (len == 0 || len > 63 || s[start] == '-' || s[end - 1] == '-')
			return false;
		last_all_digits = true;
		for (size_t i = start; i < end; i++) {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			if (s[i] < '0' || s[i] > '9')
				last_all_digits = false;
		}
		labels++;
		start = end + 1;
	}
	/* A bare name ("localhost") is not an Internet domain, and an all-digit
	 * last label would make "192.0.2.1" pass as one. */
	return labels >= 2 && !last_all_digits;
}

gc_status gc_email_normalise(const char *email, char out[GC_EMAIL_MAX + 1])
{
	if (!email)
		return GC_EINVAL;
	size_t n = strlen(email);
	if (n < 3 || n > GC_EMAIL_MAX)
		return GC_EINVAL;
	const char *at = strchr(email, '@');
	if (!at || strchr(at + 1, '@'))
		return GC_EINVAL;
	size_t local = (size_t)(at - email);
	if (!local_part_ok(email, local) || !domain_ok(at + 1, n - local - 1))
		return GC_EINVAL;
	for (size_t i = 0; i <= n; i++)
		out[i] = (email[i] >= 'A' && email[i] <= 'Z') ? (char)(email[i] - 'A' + 'a') : email[i];
	return GC_OK;
}

/* A name of one line: acceptable text, 1 to max characters, no space at
 * either end (two names differing only there would look the same). */
static bool name_ok(const char *s, size_t max_chars)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n == 0 || !gc_text_acceptable_line(s, n))
		return false;
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
		return false;
	return gc_utf8_length(s, n) <= max_chars;
}

static bool module_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > GC_MODULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void iso_now(int64_t now, char out[32])
{
	gc_clock_format_iso8601(now, out, 32);
}

static void set_field(const char **field, const char *name)
{
	if (field)
		*field = name;
}

/* --- rows ------------------------------------------------------------------------ */

static const char *row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

static int64_t row_int(const json_t *row, const char *key)
{
	return json_integer_value(json_object_get(row, key));
}

/* An arena copy of a text member, NULL when the member is null. */
static gc_status row_dup(const json_t *row, const char *key, struct gc_arena *arena, const char **out)
{
	const char *s = row_str(row, key);
	*out = NULL;
	if (!s)
		return GC_OK;
	*out = gc_arena_strdup(arena, s);
	return *out ? GC_OK : GC_ENOMEM;
}

/*
 * Parses a stored module_limits value (NULL: every module) into arena
 * strings. Anything but an array of at most GC_PRINCIPAL_MAX_MODULE_LIMITS
 * module names is GC_EDB: the column was written by code that checks it, so
 * another value means damage, and guessing would widen or narrow a right.
 */
static gc_status limits_parse(const char *text, struct gc_arena *arena, const char **limits, size_t *n)
{
	json_t *array = NULL;
	gc_status status = GC_OK;
	size_t i;
	json_t *v;

	*n = 0;
	if (!text)
		return GC_OK;
	array = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(array) || json_array_size(array) > GC_PRINCIPAL_MAX_MODULE_LIMITS) {
		status = GC_EDB;
		goto out;
	}
	json_array_foreach(array, i, v) {
		if (!module_name_ok(json_string_value(v))) {
			status = GC_EDB;
			goto out;
		}
		limits[i] = gc_arena_strdup(arena, json_string_value(v));
		if (!limits[i]) {
			status = GC_ENOMEM;
			goto out;
		}
	}
	*n = json_array_size(array);
out:
	json_decref(array);
	return status;
}

static bool user_status_parse(const char *s, enum gc_user_status *out)
{
	for (int i = GC_USER_INVITED; i <= GC_USER_DISABLED; i++) {
		if (s && strcmp(s, gc_user_status_name((enum gc_user_status)i)) == 0) {
			*out = (enum gc_user_status)i;
			return true;
		}
	}
	return false;
}

const char *gc_user_status_name(enum gc_user_status status)
{
	switch (status) {
	case GC_USER_INVITED:
		return "invited";
	case GC_USER_ACTIVE:
		return "active";
	case GC_USER_DISABLED:
		return "disabled";
	}
	return NULL;
}

/* --- organisations --------------------------------------------------------------- */

gc_status gc_org_create(struct gc_db *db, const struct gc_org_new *org, int64_t now, int64_t *id,
			const char **field)
{
	char created[32];
	char iso3[4] = "";
	const char *kind = gc_org_kind_name(org->kind);
	bool state = org->kind == GC_ORG_MEMBER_STATE || org->kind == GC_ORG_OBSERVER_STATE;
	bool has_country = org->country && org->country[0];
	int64_t found = 0;
	gc_status status;

	set_field(field, NULL);
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	if (!kind) {
		set_field(field, "kind");
		return GC_EINVAL;
	}
	if (!name_ok(org->name, GC_ORG_NAME_MAX)) {
		set_field(field, "name");
		return GC_EINVAL;
	}
	if (state != has_country) {
		set_field(field, "country");
		return GC_EINVAL;
	}
	if (state) {
		/* ISO3 codes are upper case; accept what an operator types. */
		if (strlen(org->country) != 3) {
			set_field(field, "country");
			return GC_EINVAL;
		}
		for (size_t i = 0; i < 3; i++) {
			char c = org->country[i];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			if (c < 'A' || c > 'Z') {
				set_field(field, "country");
				return GC_EINVAL;
			}
			iso3[i] = c;
		}
		status = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM countries WHERE iso3 = ? AND status = ?",
					 GC_PARAMS(GC_TEXT(iso3),
						   GC_TEXT(org->kind == GC_ORG_MEMBER_STATE ? "member" : "observer")),
					 &found);
		if (status != GC_OK)
			return status;
		if (found != 1) {
			set_field(field, "country");
			return GC_EINVAL;
		}
	}
	iso_now(now, created);
	status = gc_db_query_int(db,
				 "INSERT INTO organisations (kind, name, country, four_eyes, status, created_at)"
				 " VALUES (?, ?, ?, ?, 'active', ?) RETURNING id",
				 GC_PARAMS(GC_TEXT(kind), GC_TEXT(org->name), state ? GC_TEXT(iso3) : GC_NULL,
					   GC_INT(org->four_eyes ? 1 : 0), GC_TEXT(created)),
				 id);
	if (status == GC_ECONFLICT)
		set_field(field, "name");
	return status;
}

gc_status gc_org_get(struct gc_db *db, int64_t id, struct gc_arena *arena, struct gc_org *out)
{
	json_t *row = NULL;
	gc_status status = gc_db_query_one(db,
					   "SELECT id, kind, name, country, four_eyes, status, demo, created_at"
					   " FROM organisations WHERE id = ?",
					   GC_PARAMS(GC_INT(id)), &row);
	if (status != GC_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	out->id = row_int(row, "id");
	if (!gc_org_kind_parse(row_str(row, "kind"), &out->kind)) {
		status = GC_EDB;
		goto out;
	}
	out->four_eyes = row_int(row, "four_eyes") != 0;
	out->active = row_str(row, "status") && strcmp(row_str(row, "status"), "active") == 0;
	out->demo = row_int(row, "demo") != 0;
	if ((status = row_dup(row, "name", arena, &out->name)) != GC_OK ||
	    (status = row_dup(row, "country", arena, &out->country)) != GC_OK ||
	    (status = row_dup(row, "created_at", arena, &out->created_at)) != GC_OK)
		goto out;
out:
	json_decref(row);
	return status;
}

/* Turns the named 0/1 members of every row into JSON booleans. */
static gc_status rows_booleans(json_t *rows, const char *const *columns, size_t n)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < n; c++) {
			json_t *v = json_object_get(row, columns[c]);
			if (json_is_integer(v) &&
			    json_object_set_new(row, columns[c], json_boolean(json_integer_value(v) != 0)) != 0)
				return GC_ENOMEM;
		}
	}
	return GC_OK;
}

gc_status gc_org_list(struct gc_db *db, json_t **rows)
{
	static const char *const flags[] = { "four_eyes", "demo" };
	gc_status status = gc_db_query(db,
				       "SELECT id, kind, name, country, four_eyes, status, demo, created_at"
				       " FROM organisations ORDER BY name",
				       GC_NO_PARAMS, rows);
	if (status == GC_OK)
		status = rows_booleans(*rows, flags, GC_ARRAY_LEN(flags));
	if (status != GC_OK && *rows) {
		json_decref(*rows);
		*rows = NULL;
	}
	return status;
}

gc_status gc_org_set_four_eyes(struct gc_db *db, int64_t org_id, bool four_eyes, int64_t now)
{
	int64_t changes = 0;
	(void)now; /* organisations have no updated_at column */
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	gc_status status = gc_db_exec(db, "UPDATE organisations SET four_eyes = ? WHERE id = ?",
				      GC_PARAMS(GC_INT(four_eyes ? 1 : 0), GC_INT(org_id)), &changes);
	if (status == GC_OK && changes != 1)
		status = GC_ENOTFOUND;
	return status;
}

gc_status gc_org_set_active(struct gc_db *db, int64_t org_id, bool active, int64_t now)
{
	int64_t changes = 0;
	gc_status status;
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	status = gc_db_exec(db, "UPDATE organisations SET status = ? WHERE id = ?",
			    GC_PARAMS(GC_TEXT(active ? "active" : "disabled"), GC_INT(org_id)), &changes);
	if (status != GC_OK)
		return status;
	if (changes != 1)
		return GC_ENOTFOUND;
	if (active)
		return GC_OK;
	status = gc_db_exec(db, "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = ?)",
			    GC_PARAMS(GC_INT(org_id)), NULL);
	if (status == GC_OK)
		status = gc_db_exec(db,
				    "UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL"
				    " AND user_id IN (SELECT id FROM users WHERE org_id = ?)",
				    GC_PARAMS(GC_INT(now), GC_INT(org_id)), NULL);
	return status;
}

/* --- users ------------------------------------------------------------------------ */

#define USER_COLUMNS                                                                                               \
	"id, org_id, email, name, role, status, password_hash, totp_secret, totp_last_step, mfa_enabled,"         \
	" module_limits, created_at, updated_at, password_changed_at"

static gc_status user_from_row(const json_t *row, struct gc_arena *arena, struct gc_user *out)
{
	gc_status status;
	memset(out, 0, sizeof(*out));
	out->id = row_int(row, "id");
	out->org_id = row_int(row, "org_id");
	out->totp_last_step = row_int(row, "totp_last_step");
	out->mfa_enabled = row_int(row, "mfa_enabled") != 0;
	if (!gc_role_parse(row_str(row, "role"), &out->role) || !user_status_parse(row_str(row, "status"), &out->status))
		return GC_EDB;
	if ((status = row_dup(row, "email", arena, &out->email)) != GC_OK ||
	    (status = row_dup(row, "name", arena, &out->name)) != GC_OK ||
	    (status = row_dup(row, "password_hash", arena, &out->password_hash)) != GC_OK ||
	    (status = row_dup(row, "totp_secret", arena, &out->totp_secret)) != GC_OK ||
	    (status = row_dup(row, "created_at", arena, &out->created_at)) != GC_OK ||
	    (status = row_dup(row, "updated_at", arena, &out->updated_at)) != GC_OK ||
	    (status = row_dup(row, "password_changed_at", arena, &out->password_changed_at)) != GC_OK)
		return status;
	return limits_parse(row_str(row, "module_limits"), arena, out->module_limits, &out->n_module_limits);
}

gc_status gc_user_create(struct gc_db *db, const struct gc_user_new *user, int64_t now, int64_t *id,
			 const char **field)
{
	char email[GC_EMAIL_MAX + 1];
	char created[32];
	json_t *org = NULL;
	const char *role = gc_role_name(user->role);
	gc_status status;

	set_field(field, NULL);
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	if (gc_email_normalise(user->email, email) != GC_OK) {
		set_field(field, "email");
		return GC_EINVAL;
	}
	if (user->name && !name_ok(user->name, GC_USER_NAME_MAX)) {
		set_field(field, "name");
		return GC_EINVAL;
	}
	if (!role) {
		set_field(field, "role");
		return GC_EINVAL;
	}
	status = gc_db_query_one(db, "SELECT status FROM organisations WHERE id = ?", GC_PARAMS(GC_INT(user->org_id)),
				 &org);
	if (status == GC_OK && strcmp(row_str(org, "status"), "active") != 0)
		status = GC_ENOTFOUND;
	json_decref(org);
	if (status != GC_OK) {
		if (status == GC_ENOTFOUND)
			set_field(field, "org");
		return status;
	}
	iso_now(now, created);
	status = gc_db_query_int(db,
				 "INSERT INTO users (org_id, email, name, role, status, created_at, updated_at)"
				 " VALUES (?, ?, ?, ?, 'invited', ?, ?) RETURNING id",
				 GC_PARAMS(GC_INT(user->org_id), GC_TEXT(email), GC_TEXT_OR_NULL(user->name),
					   GC_TEXT(role), GC_TEXT(created), GC_TEXT(created)),
				 id);
	if (status == GC_ECONFLICT)
		set_field(field, "email");
	return status;
}

gc_status gc_user_get(struct gc_db *db, int64_t id, struct gc_arena *arena, struct gc_user *out)
{
	json_t *row = NULL;
	gc_status status = gc_db_query_one(db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?",
					   GC_PARAMS(GC_INT(id)), &row);
	if (status == GC_OK)
		status = user_from_row(row, arena, out);
	json_decref(row);
	return status;
}

gc_status gc_user_find(struct gc_db *db, const char *email, struct gc_arena *arena, struct gc_user *out)
{
	char normal[GC_EMAIL_MAX + 1];
	json_t *row = NULL;
	if (gc_email_normalise(email, normal) != GC_OK)
		return GC_ENOTFOUND;
	gc_status status = gc_db_query_one(db, "SELECT " USER_COLUMNS " FROM users WHERE email = ?",
					   GC_PARAMS(GC_TEXT(normal)), &row);
	if (status == GC_OK)
		status = user_from_row(row, arena, out);
	json_decref(row);
	return status;
}

gc_status gc_user_list(struct gc_db *db, int64_t org_id, json_t **rows)
{
	static const char *const flags[] = { "mfa_enabled" };
	size_t i;
	json_t *row;
	gc_status status = gc_db_query(db,
				       "SELECT id, email, name, role, status, mfa_enabled, module_limits, created_at,"
				       " password_changed_at FROM users WHERE org_id = ? ORDER BY email",
				       GC_PARAMS(GC_INT(org_id)), rows);
	if (status != GC_OK)
		return status;
	status = rows_booleans(*rows, flags, GC_ARRAY_LEN(flags));
	json_array_foreach(*rows, i, row) {
		if (status != GC_OK)
			break;
		const char *text = row_str(row, "module_limits");
		if (!text)
			continue;
		json_t *limits = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_array(limits)) {
			json_decref(limits);
			status = GC_EDB;
		} else if (json_object_set_new(row, "module_limits", limits) != 0) {
			status = GC_ENOMEM;
		}
	}
	if (status != GC_OK) {
		json_decref(*rows);
		*rows = NULL;
	}
	return status;
}

/* An UPDATE of one user that must find it. */
static gc_status update_user(struct gc_db *db, const char *sql, const struct gc_val *params, size_t n)
{
	int64_t changes = 0;
	gc_status status = gc_db_exec(db, sql, params, n, &changes);
	if (status == GC_OK && changes != 1)
		status = GC_ENOTFOUND;
	return status;
}

gc_status gc_user_set_role(struct gc_db *db, int64_t user_id, enum gc_role role, int64_t now)
{
	char updated[32];
	if (!gc_db_in_transaction(db) || !gc_role_name(role))
		return GC_EINVAL;
	iso_now(now, updated);
	gc_status status = update_user(db, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?",
				       GC_PARAMS(GC_TEXT(gc_role_name(role)), GC_TEXT(updated), GC_INT(user_id)));
	if (status == GC_OK)
		status = gc_session_end_all(db, user_id, 0, NULL);
	return status;
}

gc_status gc_user_disable(struct gc_db *db, int64_t user_id, int64_t now)
{
	char updated[32];
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	iso_now(now, updated);
	gc_status status = update_user(db, "UPDATE users SET status = 'disabled', updated_at = ? WHERE id = ?",
				       GC_PARAMS(GC_TEXT(updated), GC_INT(user_id)));
	if (status == GC_OK)
		status = gc_session_end_all(db, user_id, 0, NULL);
	if (status == GC_OK)
		status = gc_token_revoke_all(db, user_id, now, NULL);
	if (status == GC_OK)
		status = gc_db_exec(db, "DELETE FROM invitations WHERE user_id = ? AND used_at IS NULL",
				    GC_PARAMS(GC_INT(user_id)), NULL);
	return status;
}

gc_status gc_user_enable(struct gc_db *db, int64_t user_id, int64_t now)
{
	char updated[32];
	int64_t exists = 0;
	int64_t changes = 0;
	gc_status status;
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	iso_now(now, updated);
	status = gc_db_exec(db,
			    "UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END,"
			    " updated_at = ? WHERE id = ? AND status = 'disabled'",
			    GC_PARAMS(GC_TEXT(updated), GC_INT(user_id)), &changes);
	if (status != GC_OK || changes == 1)
		return status;
	/* Nothing changed: an enabled user (fine) or no user at all. */
	status = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM users WHERE id = ?", GC_PARAMS(GC_INT(user_id)),
				 &exists);
	if (status == GC_OK && exists != 1)
		status = GC_ENOTFOUND;
	return status;
}

gc_status gc_user_set_module_limits(struct gc_db *db, int64_t user_id, const char *const *limits, size_t n,
				    const char *const *known, size_t n_known, int64_t now)
{
	char updated[32];
	json_t *array = NULL;
	char *text = NULL;
	gc_status status = GC_OK;

	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	if (n > GC_PRINCIPAL_MAX_MODULE_LIMITS)
		return GC_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		bool is_known = false;
		if (!module_name_ok(limits[i]))
			return GC_EINVAL;
		for (size_t k = 0; k < n_known && !is_known; k++)
			is_known = known[k] && strcmp(limits[i], known[k]) == 0;
		if (!is_known)
			return GC_EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(limits[i], limits[j]) == 0)
				return GC_EINVAL;
	}
	if (n > 0) {
		array = json_array();
		for (size_t i = 0; array && i < n; i++)
			if (json_array_append_new(array, json_string(limits[i])) != 0)
				status = GC_ENOMEM;
		text = array && status == GC_OK ? json_dumps(array, JSON_COMPACT) : NULL;
		if (!text) {
			status = GC_ENOMEM;
			goto out;
		}
	}
	iso_now(now, updated);
	status = update_user(db, "UPDATE users SET module_limits = ?, updated_at = ? WHERE id = ?",
			     GC_PARAMS(GC_TEXT_OR_NULL(text), GC_TEXT(updated), GC_INT(user_id)));
out:
	free(text);
	json_decref(array);
	return status;
}

gc_status gc_user_set_password(struct gc_db *db, const struct gc_secrets *secrets, int64_t user_id,
			       const char *password, size_t len, enum gc_password_cost cost, int64_t keep_session_id,
			       int64_t now, const char **reason)
{
	char hash[GC_PASSWORD_HASH_SIZE];
	char updated[32];
	json_t *row = NULL;
	gc_status status;

	*reason = NULL;
	if (!gc_db_in_transaction(db) || !secrets || !password)
		return GC_EINVAL;
	status = gc_db_query_one(db,
				 "SELECT u.email AS email, u.name AS name, u.status AS status, o.name AS org_name"
				 " FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = ?",
				 GC_PARAMS(GC_INT(user_id)), &row);
	if (status != GC_OK)
		goto out;
	if (strcmp(row_str(row, "status"), "disabled") == 0) {
		status = GC_ENOTFOUND;
		goto out;
	}
	/* "gcscp" and "cyber" are added by the policy itself. */
	const char *context[] = { row_str(row, "org_name"), row_str(row, "name"), row_str(row, "email") };
	status = gc_password_check(password, len, context, GC_ARRAY_LEN(context), reason);
	if (status != GC_OK)
		goto out;
	status = gc_password_hash(secrets, password, len, cost, hash);
	if (status != GC_OK)
		goto out;
	iso_now(now, updated);
	status = update_user(db,
			     "UPDATE users SET password_hash = ?,"
			     " status = CASE WHEN status = 'invited' THEN 'active' ELSE status END,"
			     " password_changed_at = ?, updated_at = ? WHERE id = ?",
			     GC_PARAMS(GC_TEXT(hash), GC_TEXT(updated), GC_TEXT(updated), GC_INT(user_id)));
	if (status == GC_OK)
		status = gc_session_end_all(db, user_id, keep_session_id, NULL);
out:
	sodium_memzero(hash, sizeof(hash));
	json_decref(row);
	return status;
}

gc_status gc_user_mfa_enrol(struct gc_db *db, int64_t user_id, const char *sealed_secret, int64_t accepted_step,
			    const char *const *recovery_hashes, size_t n, int64_t now)
{
	char updated[32];
	gc_status status;

	if (!gc_db_in_transaction(db) || !sealed_secret || !sealed_secret[0] || accepted_step < 0)
		return GC_EINVAL;
	if (n > MAX_RECOVERY_CODES)
		return GC_ETOOBIG;
	for (size_t i = 0; i < n; i++)
		if (!recovery_hashes[i] || !recovery_hashes[i][0])
			return GC_EINVAL;
	iso_now(now, updated);
	status = update_user(db,
			     "UPDATE users SET totp_secret = ?, totp_last_step = ?, mfa_enabled = 1, updated_at = ?"
			     " WHERE id = ? AND status <> 'disabled'",
			     GC_PARAMS(GC_TEXT(sealed_secret), GC_INT(accepted_step), GC_TEXT(updated),
				       GC_INT(user_id)));
	if (status == GC_OK)
		status = gc_db_exec(db, "DELETE FROM recovery_codes WHERE user_id = ?", GC_PARAMS(GC_INT(user_id)),
				    NULL);
	for (size_t i = 0; i < n && status == GC_OK; i++)
		status = gc_db_exec(db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
				    GC_PARAMS(GC_INT(user_id), GC_TEXT(recovery_hashes[i])), NULL);
	return status;
}

gc_status gc_user_totp_step(struct gc_db *db, int64_t user_id, int64_t step)
{
	int64_t changes = 0;
	int64_t exists = 0;
	gc_status status;
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	status = gc_db_exec(db, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
			    GC_PARAMS(GC_INT(step), GC_INT(user_id), GC_INT(step)), &changes);
	if (status != GC_OK || changes == 1)
		return status;
	status = gc_db_query_int(db, "SELECT COUNT(*) AS n FROM users WHERE id = ?", GC_PARAMS(GC_INT(user_id)),
				 &exists);
	if (status == GC_OK)
		status = exists == 1 ? GC_ECONFLICT : GC_ENOTFOUND;
	return status;
}

gc_status gc_recovery_codes_unused(struct gc_db *db, int64_t user_id, struct gc_arena *arena, const char ***hashes,
				   int64_t **ids, size_t *n)
{
	json_t *rows = NULL;
	size_t i;
	json_t *row;
	gc_status status;

	*n = 0;
	*hashes = NULL;
	*ids = NULL;
	status = gc_db_query(db,
			     "SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY id",
			     GC_PARAMS(GC_INT(user_id)), &rows);
	if (status != GC_OK)
		goto out;
	size_t count = json_array_size(rows);
	const char **h = gc_arena_calloc(arena, count + 1, sizeof(*h));
	int64_t *id = gc_arena_calloc(arena, count + 1, sizeof(*id));
	if (!h || !id) {
		status = GC_ENOMEM;
		goto out;
	}
	json_array_foreach(rows, i, row) {
		id[i] = row_int(row, "id");
		if ((status = row_dup(row, "code_hash", arena, &h[i])) != GC_OK)
			goto out;
	}
	*hashes = h;
	*ids = id;
	*n = count;
out:
	json_decref(rows);
	return status;
}

gc_status gc_recovery_code_use(struct gc_db *db, int64_t code_id, int64_t now)
{
	int64_t changes = 0;
	if (!gc_db_in_transaction(db))
		return GC_EINVAL;
	gc_status status = gc_db_exec(db, "UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
				      GC_PARAMS(GC_INT(now), GC_INT(code_id)), &changes);
	if (status == GC_OK && changes != 1)
		status = GC_ENOTFOUND;
	return status;
}

/* --- principals ----------------------------------------------------------------- */

gc_status gc_principal_from_row(const json_t *row, struct gc_arena *arena, struct gc_principal **out)
{
	struct gc_principal *p = gc_arena_calloc(arena, 1, sizeof(*p));
	gc_status status;

	*out = NULL;
	if (!p)
		return GC_ENOMEM;
	p->user_id = row_int(row, "user_id");
	p->org_id = row_int(row, "org_id");
	p->org_four_eyes = row_int(row, "org_four_eyes") != 0;
	if (!gc_role_parse(row_str(row, "role"), &p->role) || !gc_org_kind_parse(row_str(row, "org_kind"), &p->org_kind))
		return GC_EDB;
	if ((status = row_dup(row, "email", arena, &p->email)) != GC_OK ||
	    (status = row_dup(row, "user_name", arena, &p->name)) != GC_OK ||
	    (status = row_dup(row, "org_name", arena, &p->org_name)) != GC_OK ||
	    (status = row_dup(row, "org_country", arena, &p->org_country)) != GC_OK)
		return status;
	status = limits_parse(row_str(row, "module_limits"), arena, p->module_limits, &p->n_module_limits);
	if (status != GC_OK)
		return status;
	*out = p;
	return GC_OK;
}

gc_status gc_principal_load(struct gc_db *db, int64_t user_id, struct gc_arena *arena, struct gc_principal **out)
{
	json_t *row = NULL;
	*out = NULL;
	gc_status status = gc_db_query_one(db,
					   "SELECT " GC_PRINCIPAL_COLUMNS " FROM users u"
					   " JOIN organisations o ON o.id = u.org_id"
					   " WHERE u.id = ? AND u.status = 'active' AND o.status = 'active'",
					   GC_PARAMS(GC_INT(user_id)), &row);
	if (status == GC_OK)
		status = gc_principal_from_row(row, arena, out);
	json_decref(row);
	return status;
}

gc_status gc_user_demo_principal(struct gc_db *db, struct gc_arena *arena, int64_t org, const char *country,
				 const char *module, struct gc_principal **out)
{
	int64_t user = 0;
	json_t *row = NULL;
	gc_status st = gc_db_query_int(db, "SELECT id AS id FROM users WHERE org_id = ? AND role = 'admin' ORDER BY id LIMIT 1",
				       GC_PARAMS(GC_INT(org)), &user);
	if (st == GC_ENOTFOUND) {
		char email[96];
		char lower[4] = { 0 };
		for (int i = 0; i < 3 && country && country[i]; i++)
			lower[i] = (char)(country[i] | 32);
		snprintf(email, sizeof(email), "%s.demo@%s.demo.invalid", module, lower);
		struct gc_user_new u = { .org_id = org, .email = email, .name = "Demo editor", .role = GC_ROLE_ADMIN };
		const char *field = NULL;
		st = gc_user_create(db, &u, gc_clock_now(), &user, &field);
	}
	if (st == GC_OK)
		st = gc_db_query_one(db,
				     "SELECT " GC_PRINCIPAL_COLUMNS " FROM users u JOIN organisations o ON o.id = u.org_id"
				     " WHERE u.id = ?",
				     GC_PARAMS(GC_INT(user)), &row);
	if (st == GC_OK)
		st = gc_principal_from_row(row, arena, out);
	json_decref(row);
	return st;
}
