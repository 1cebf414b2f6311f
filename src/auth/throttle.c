#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

/* Versioned, so a change of the derivation cannot collide with old keys. */
#define KEY_CONTEXT "gcscp-throttle-v1:"

void gc_throttle_account_key(const struct gc_secrets *secrets, const char *email, char out[GC_THROTTLE_KEY_SIZE])
{
	crypto_auth_hmacsha256_state state;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char chunk[64];
	size_t n = email ? strlen(email) : 0;

	_Static_assert(GC_SECRET_BYTES == crypto_auth_hmacsha256_KEYBYTES, "the pepper is an HMAC-SHA-256 key");
	crypto_auth_hmacsha256_init(&state, secrets->pepper, sizeof(secrets->pepper));
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)KEY_CONTEXT, sizeof(KEY_CONTEXT) - 1);
	/* ASCII case only: addresses are ASCII (auth/accounts.h), and anything
	 * else typed is throttled under its own spelling. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		for (size_t i = 0; i < k; i++) {
			char c = email[done + i];
			chunk[i] = (unsigned char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
		}
		crypto_auth_hmacsha256_update(&state, chunk, k);
		done += k;
	}
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_bin2hex(out, GC_THROTTLE_KEY_SIZE, mac, sizeof(mac));
	sodium_memzero(&state, sizeof(state));
	sodium_memzero(chunk, sizeof(chunk));
}

/*
 * How long until an attempt under one key is allowed again: 0 when the
 * failures counted (in the window, after min_id) are fewer than limit;
 * otherwise until the one whose departure brings the count below the limit
 * leaves the window (the oldest, when the count is exactly the limit).
 */
static gc_status wait_for(struct gc_db *db, bool by_ip, const char *value, int64_t min_id, int64_t limit,
			  int64_t now, int64_t *wait)
{
	static const char *const count_sql[] = {
		"SELECT COUNT(*) AS n FROM login_attempts"
		" WHERE account_key = ? AND succeeded = 0 AND at > ? AND id > ?",
		"SELECT COUNT(*) AS n FROM login_attempts"
		" WHERE client_ip = ? AND succeeded = 0 AND at > ? AND id > ?",
	};
	static const char *const nth_sql[] = {
		"SELECT at FROM login_attempts WHERE account_key = ? AND succeeded = 0 AND at > ? AND id > ?"
		" ORDER BY at, id LIMIT 1 OFFSET ?",
		"SELECT at FROM login_attempts WHERE client_ip = ? AND succeeded = 0 AND at > ? AND id > ?"
		" ORDER BY at, id LIMIT 1 OFFSET ?",
	};
	size_t which = by_ip ? 1 : 0;
	int64_t since = now - GC_THROTTLE_WINDOW_SECONDS;
	int64_t count = 0, at = 0;
	gc_status status;

	*wait = 0;
	status = gc_db_query_int(db, count_sql[which], GC_PARAMS(GC_TEXT(value), GC_INT(since), GC_INT(min_id)),
				 &count);
	if (status != GC_OK || count < limit)
		return status;
	status = gc_db_query_int(db, nth_sql[which],
				 GC_PARAMS(GC_TEXT(value), GC_INT(since), GC_INT(min_id), GC_INT(count - limit)), &at);
	if (status != GC_OK)
		return status;
	*wait = at + GC_THROTTLE_WINDOW_SECONDS - now;
	if (*wait < 1)
		*wait = 1;
	return GC_OK;
}

gc_status gc_throttle_check(struct gc_db *db, const char *account_key, const char *client_ip, int64_t now,
			    int64_t *retry_after_s)
{
	int64_t last_success = 0, account_wait = 0, ip_wait = 0;
	gc_status status;

	*retry_after_s = 0;
	if (!account_key || !account_key[0] || !client_ip || !client_ip[0])
		return GC_EINVAL;
	status = gc_db_query_int(db,
				 "SELECT COALESCE(MAX(id), 0) AS n FROM login_attempts"
				 " WHERE account_key = ? AND succeeded = 1",
				 GC_PARAMS(GC_TEXT(account_key)), &last_success);
	if (status == GC_OK)
		status = wait_for(db, false, account_key, last_success, GC_THROTTLE_ACCOUNT_FAILURES, now,
				  &account_wait);
	if (status == GC_OK)
		status = wait_for(db, true, client_ip, 0, GC_THROTTLE_IP_FAILURES, now, &ip_wait);
	if (status != GC_OK)
		return status;
	*retry_after_s = account_wait > ip_wait ? account_wait : ip_wait;
	return *retry_after_s > 0 ? GC_EBUSY : GC_OK;
}

gc_status gc_throttle_record(struct gc_db *db, const char *account_key, const char *client_ip, bool succeeded,
			     int64_t now)
{
	if (!account_key || !account_key[0] || !client_ip || !client_ip[0] ||
	    strlen(client_ip) > GC_THROTTLE_CLIENT_IP_MAX)
		return GC_EINVAL;
	gc_status status = gc_db_exec(db,
				      "INSERT INTO login_attempts (account_key, client_ip, at, succeeded)"
				      " VALUES (?, ?, ?, ?)",
				      GC_PARAMS(GC_TEXT(account_key), GC_TEXT(client_ip), GC_INT(now),
						GC_INT(succeeded ? 1 : 0)),
				      NULL);
	if (status == GC_OK)
		status = gc_db_exec(db, "DELETE FROM login_attempts WHERE at < ?",
				    GC_PARAMS(GC_INT(now - GC_THROTTLE_KEEP_SECONDS)), NULL);
	return status;
}
