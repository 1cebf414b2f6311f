/* gcscp token: API tokens, printed once at creation and stored only hashed. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/parse.h"
#include "cli/cli.h"

#define DEFAULT_NAME "cli"

/* Writes the audit record of a token change inside the caller's transaction. */
static gc_status audit_token(struct gc_db *db, const char *action, int64_t token_id, json_t *detail, int64_t now)
{
	char target[24];
	snprintf(target, sizeof(target), "%lld", (long long)token_id);
	struct gc_audit_entry entry = {
		.action = action, .target_type = "api_token", .target_id = target, .detail = detail,
		.at_ms = now * 1000,
	};
	return detail ? gc_audit_append(db, &entry, NULL) : GC_ENOMEM;
}

static int token_add(int argc, char **argv)
{
	const char *email = NULL, *name = NULL, *expires_text = NULL;
	const struct gc_cli_option options[] = {
		{ "--user", &email, NULL },
		{ "--name", &name, NULL },
		{ "--expires", &expires_text, NULL },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	struct gc_arena *arena = NULL;
	struct gc_user user;
	char token[GC_API_TOKEN_SIZE] = "";
	json_t *detail = NULL;
	int64_t expires = 0, id = 0;
	int64_t now = gc_clock_now();
	int code = 1;
	gc_status status;

	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!email) {
		fprintf(stderr, "gcscp: token add needs --user EMAIL (see gcscp help token)\n");
		return 2;
	}
	if (expires_text && gc_parse_i64(expires_text, strlen(expires_text), 1, GC_API_TOKEN_MAX_DAYS, &expires) != GC_OK) {
		fprintf(stderr, "gcscp: --expires must be a number of days from 1 to %d\n", GC_API_TOKEN_MAX_DAYS);
		return 2;
	}
	if (!name)
		name = DEFAULT_NAME;
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
		status = gc_token_create(db, user.id, name, expires, now, token, &id);
	if (status == GC_OK) {
		detail = json_pack("{s:s, s:I, s:o}", "actor", "cli", "user_id", (json_int_t)user.id, "expires_days",
				   expires ? json_integer(expires) : json_null());
		status = audit_token(db, "token.create", id, detail, now);
	}
	status = gc_cli_finish(db, status);
	if (status == GC_OK) {
		printf("%s\n", token);
		code = 0;
	} else if (status == GC_ENOTFOUND) {
		fprintf(stderr, "gcscp: no enabled account has the address %s\n", email);
	} else if (status == GC_EINVAL) {
		fprintf(stderr, "gcscp: --name must be 1 to %d characters on one line\n", GC_API_TOKEN_NAME_MAX);
	} else {
		fprintf(stderr, "gcscp: creating the token failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	}
	sodium_memzero(token, sizeof(token));
	json_decref(detail);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	gc_arena_free(arena);
	return code;
}

static int token_revoke(int argc, char **argv)
{
	const char *id_text = NULL;
	const struct gc_cli_option options[] = {
		{ "--id", &id_text, NULL },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	json_t *detail = NULL;
	int64_t id = 0, owner = 0;
	int64_t now = gc_clock_now();
	int code = 1;
	gc_status status;

	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!id_text || gc_parse_i64(id_text, strlen(id_text), 1, INT64_MAX, &id) != GC_OK) {
		fprintf(stderr, "gcscp: token revoke needs --id ID, a token's number (see gcscp help token)\n");
		return 2;
	}
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;

	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_token_revoke_as_operator(db, id, now, &owner);
	if (status == GC_OK) {
		detail = json_pack("{s:s, s:I}", "actor", "cli", "user_id", (json_int_t)owner);
		status = audit_token(db, "token.revoke", id, detail, now);
	}
	status = gc_cli_finish(db, status);
	if (status == GC_OK) {
		printf("token %lld revoked\n", (long long)id);
		code = 0;
	} else if (status == GC_ENOTFOUND) {
		fprintf(stderr, "gcscp: there is no token %lld\n", (long long)id);
	} else if (status == GC_ECONFLICT) {
		fprintf(stderr, "gcscp: token %lld was revoked already\n", (long long)id);
	} else {
		fprintf(stderr, "gcscp: revoking the token failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	}
	json_decref(detail);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

/* The tokens of one user, so the operator can find the id to revoke. */
static int token_list(int argc, char **argv)
{
	const char *email = NULL;
	const struct gc_cli_option options[] = {
		{ "--user", &email, NULL },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	struct gc_arena *arena = NULL;
	struct gc_user user;
	json_t *rows = NULL;
	int code = 1;
	size_t i;
	json_t *row;
	gc_status status;

	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!email) {
		fprintf(stderr, "gcscp: token list needs --user EMAIL (see gcscp help token)\n");
		return 2;
	}
	arena = gc_arena_new(64 * 1024);
	if (!arena)
		return 1;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK) {
		gc_arena_free(arena);
		return 1;
	}
	status = gc_user_find(db, email, arena, &user);
	if (status == GC_OK)
		status = gc_token_list(db, user.id, gc_clock_now(), &rows);
	if (status == GC_ENOTFOUND) {
		fprintf(stderr, "gcscp: no account has the address %s\n", email);
		goto out;
	}
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: reading the tokens failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
		goto out;
	}
	if (json_array_size(rows) == 0)
		printf("no tokens\n");
	json_array_foreach(rows, i, row) {
		const char *expires = json_string_value(json_object_get(row, "expires_at"));
		printf("%-6lld %-8s created %s  expires %-20s  %s\n",
		       (long long)json_integer_value(json_object_get(row, "id")),
		       json_string_value(json_object_get(row, "state")),
		       json_string_value(json_object_get(row, "created_at")), expires ? expires : "never",
		       json_string_value(json_object_get(row, "name")));
	}
	code = 0;
out:
	json_decref(rows);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	gc_arena_free(arena);
	return code;
}

int gc_cli_token(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return token_add(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return token_revoke(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return token_list(argc, argv);
	fprintf(stderr, "gcscp: token needs a sub-command: add, list or revoke (see gcscp help token)\n");
	return 2;
}
