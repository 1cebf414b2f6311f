/* gcscp user: accounts, created by invitation (there is no default account: A6). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/parse.h"
#include "cli/cli.h"

#define DEFAULT_BASE_URL "http://127.0.0.1:8080"
#define URL_MAX 2048

/*
 * Invites user_id and writes the user.invite record, inside the caller's
 * transaction; url receives the link, to be printed once the transaction
 * has committed.
 */
static gc_status invite(struct gc_db *db, int64_t user_id, int64_t org_id, const char *role, bool new_user,
			const char *base_url, int64_t now, struct gc_buf *url)
{
	char token[GC_INVITATION_TOKEN_SIZE];
	char target[24];
	int64_t invitation_id = 0;
	json_t *detail = NULL;
	gc_status status = gc_invitation_create(db, user_id, 0, now, token, &invitation_id);
	if (status != GC_OK)
		goto out;
	status = gc_invitation_url(url, base_url, token);
	if (status != GC_OK)
		goto out;
	detail = json_pack("{s:s, s:I, s:s, s:I, s:b}", "actor", "cli", "org_id", (json_int_t)org_id, "role", role,
			   "invitation_id", (json_int_t)invitation_id, "new_user", new_user);
	snprintf(target, sizeof(target), "%lld", (long long)user_id);
	struct gc_audit_entry entry = {
		.action = "user.invite", .target_type = "user", .target_id = target, .detail = detail,
		.at_ms = now * 1000,
	};
	status = detail ? gc_audit_append(db, &entry, NULL) : GC_ENOMEM;
out:
	sodium_memzero(token, sizeof(token));
	json_decref(detail);
	return status;
}

/* The base of invitation links: --base-url, else GCSCP_BASE_URL, else the
 * default listener. NULL (after saying why) when it is not a usable URL, so
 * that nothing is written for a link that could not be printed. */
static const char *base_url_of(const struct gc_config *config, const char *option)
{
	static const char probe[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	const char *base = option ? option : config->base_url[0] ? config->base_url : DEFAULT_BASE_URL;
	struct gc_buf url;
	gc_buf_init(&url, URL_MAX);
	gc_status status = gc_invitation_url(&url, base, probe);
	gc_buf_free(&url);
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: the base URL must be an http:// or https:// address: %s\n", base);
		return NULL;
	}
	return base;
}

static int user_add(int argc, char **argv)
{
	const char *org_text = NULL, *email = NULL, *role_text = NULL, *name = NULL, *base_url = NULL;
	const struct gc_cli_option options[] = {
		{ "--org", &org_text, NULL },   { "--email", &email, NULL }, { "--role", &role_text, NULL },
		{ "--name", &name, NULL },      { "--base-url", &base_url, NULL },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	struct gc_user_new user = { .name = NULL };
	struct gc_buf url;
	const char *field = NULL;
	int64_t id = 0;
	int64_t now = gc_clock_now();
	int code = 1;
	gc_status status;

	gc_buf_init(&url, URL_MAX);
	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!org_text || !email || !role_text) {
		fprintf(stderr, "gcscp: user add needs --org, --email and --role (see gcscp help user)\n");
		return 2;
	}
	if (gc_parse_i64(org_text, strlen(org_text), 1, INT64_MAX, &user.org_id) != GC_OK) {
		fprintf(stderr, "gcscp: --org must be an organisation's id (see gcscp org list)\n");
		return 2;
	}
	if (!gc_role_parse(role_text, &user.role)) {
		fprintf(stderr, "gcscp: --role must be admin, editor or reader\n");
		return 2;
	}
	user.email = email;
	user.name = name;
	base_url = base_url_of(&config, base_url);
	if (!base_url)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;

	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_user_create(db, &user, now, &id, &field);
	if (status == GC_OK)
		status = invite(db, id, user.org_id, role_text, true, base_url, now, &url);
	status = gc_cli_finish(db, status);
	if (status == GC_OK) {
		printf("%s\n", gc_buf_str(&url));
		code = 0;
	} else if (status == GC_ECONFLICT) {
		fprintf(stderr, "gcscp: %s has an account already\n", email);
	} else if (status == GC_ENOTFOUND && field) {
		fprintf(stderr, "gcscp: no active organisation has the id %s\n", org_text);
	} else if (status == GC_EINVAL && field && strcmp(field, "email") == 0) {
		fprintf(stderr, "gcscp: --email is not an address the portal accepts (ASCII, user@example.org;"
				" internationalised domains in their xn-- form)\n");
	} else if (status == GC_EINVAL && field) {
		fprintf(stderr, "gcscp: --%s is not valid (names: 1 to %d characters on one line)\n", field,
			GC_USER_NAME_MAX);
	} else {
		fprintf(stderr, "gcscp: creating the user failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	}
	gc_buf_free(&url);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

/* A new invitation for an existing user: the last one expired, or a reset. */
static int user_invite(int argc, char **argv)
{
	const char *email = NULL, *base_url = NULL;
	const struct gc_cli_option options[] = {
		{ "--email", &email, NULL },
		{ "--base-url", &base_url, NULL },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	struct gc_arena *arena = NULL;
	struct gc_user user;
	struct gc_buf url;
	int64_t now = gc_clock_now();
	int code = 1;
	gc_status status;

	gc_buf_init(&url, URL_MAX);
	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!email) {
		fprintf(stderr, "gcscp: user invite needs --email (see gcscp help user)\n");
		return 2;
	}
	base_url = base_url_of(&config, base_url);
	if (!base_url)
		return 2;
	arena = gc_arena_new(64 * 1024);
	if (!arena)
		return 1;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK) {
		gc_arena_free(arena);
		return 1;
	}
	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_user_find(db, email, arena, &user);
	if (status == GC_OK)
		status = invite(db, user.id, user.org_id, gc_role_name(user.role), false, base_url, now, &url);
	status = gc_cli_finish(db, status);
	if (status == GC_OK) {
		printf("%s\n", gc_buf_str(&url));
		code = 0;
	} else if (status == GC_ENOTFOUND) {
		fprintf(stderr, "gcscp: no account that can be invited has the address %s\n", email);
	} else {
		fprintf(stderr, "gcscp: inviting the user failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	}
	gc_buf_free(&url);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	gc_arena_free(arena);
	return code;
}

int gc_cli_user(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "invite") == 0)
		return user_invite(argc, argv);
	fprintf(stderr, "gcscp: user needs a sub-command: add or invite (see gcscp help user)\n");
	return 2;
}
