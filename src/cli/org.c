/*
 * gcscp org: organisations. Also the helpers the identity commands (org,
 * user, token, audit) share: options, opening the database with the auth
 * schema, and finishing a write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/random.h"
#include "cli/cli.h"

/* --- shared by the identity commands ------------------------------------------ */

gc_status gc_cli_options(int argc, char **argv, int first, const struct gc_cli_option *options, size_t n,
			 struct gc_config *config)
{
	/* What is not ours goes to gc_cli_config, behind the command's name. */
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int n_rest = 0;
	gc_status status = GC_OK;

	if (!rest)
		return GC_ENOMEM;
	rest[n_rest++] = argv[0];
	for (int i = first; i < argc && status == GC_OK; i++) {
		const struct gc_cli_option *option = NULL;
		for (size_t k = 0; k < n && !option; k++)
			if (strcmp(argv[i], options[k].name) == 0)
				option = &options[k];
		if (!option) {
			/* --db and --data take a value: keep the pair together. */
			rest[n_rest++] = argv[i];
			if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--data") == 0) && i + 1 < argc)
				rest[n_rest++] = argv[++i];
			continue;
		}
		if (option->flag) {
			if (*option->flag) {
				fprintf(stderr, "gcscp: %s given twice\n", option->name);
				status = GC_EINVAL;
			}
			*option->flag = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "gcscp: %s needs a value\n", option->name);
			status = GC_EINVAL;
		} else if (*option->value) {
			fprintf(stderr, "gcscp: %s given twice\n", option->name);
			status = GC_EINVAL;
		} else {
			*option->value = argv[++i];
		}
	}
	if (status == GC_OK)
		status = gc_cli_config(n_rest, rest, false, config);
	free(rest);
	return status;
}

gc_status gc_cli_open_auth(const struct gc_config *config, struct gc_pool **pool, struct gc_db **db)
{
	char err[640] = "";
	gc_status status;

	*pool = NULL;
	*db = NULL;
	status = gc_random_init();
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: the random number generator could not start\n");
		return status;
	}
	status = gc_cli_open_database(config, 1, pool);
	if (status != GC_OK)
		return status;
	status = gc_pool_acquire(*pool, 10000, db);
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: no database connection available\n");
		goto out;
	}
	status = gc_auth_migrate(*db, err, sizeof(err));
	if (status != GC_OK)
		fprintf(stderr, "gcscp: %s\n", err);
out:
	if (status != GC_OK) {
		if (*db)
			gc_pool_release(*pool, *db);
		gc_pool_close(*pool);
		*db = NULL;
		*pool = NULL;
	}
	return status;
}

gc_status gc_cli_finish(struct gc_db *db, gc_status status)
{
	if (status == GC_OK)
		status = gc_db_bump_changes(db);
	if (status == GC_OK)
		status = gc_db_commit(db);
	if (status != GC_OK)
		gc_db_rollback(db);
	return status;
}

/* --- gcscp org ------------------------------------------------------------------ */

static int org_add(int argc, char **argv)
{
	const char *kind_text = NULL, *name = NULL, *country = NULL;
	bool four_eyes = false;
	const struct gc_cli_option options[] = {
		{ "--kind", &kind_text, NULL },
		{ "--name", &name, NULL },
		{ "--country", &country, NULL },
		{ "--four-eyes", NULL, &four_eyes },
	};
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	struct gc_org_new org = { .four_eyes = false };
	const char *field = NULL;
	json_t *detail = NULL;
	int64_t id = 0;
	int64_t now = gc_clock_now();
	int code = 1;
	gc_status status;

	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!kind_text || !name) {
		fprintf(stderr, "gcscp: org add needs --kind and --name (see gcscp help org)\n");
		return 2;
	}
	if (!gc_org_kind_parse(kind_text, &org.kind)) {
		fprintf(stderr, "gcscp: --kind must be one of secretariat, member_state, observer_state, un_body,"
				" regional_org, stakeholder\n");
		return 2;
	}
	org.name = name;
	org.country = country;
	org.four_eyes = four_eyes;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;

	status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_org_create(db, &org, now, &id, &field);
	if (status == GC_OK) {
		/* Identifiers and choices only: the name is content, kept in its row. */
		detail = json_pack("{s:s, s:s, s:b}", "actor", "cli", "kind", kind_text, "four_eyes", four_eyes);
		char target[24];
		snprintf(target, sizeof(target), "%lld", (long long)id);
		struct gc_audit_entry entry = {
			.action = "org.create", .target_type = "org", .target_id = target, .detail = detail,
			.at_ms = now * 1000,
		};
		status = detail ? gc_audit_append(db, &entry, NULL) : GC_ENOMEM;
	}
	status = gc_cli_finish(db, status);
	if (status == GC_OK) {
		printf("%lld\n", (long long)id);
		code = 0;
	} else if (status == GC_ECONFLICT) {
		fprintf(stderr, "gcscp: an organisation named \"%s\" exists already\n", name);
	} else if (status == GC_EINVAL && field && strcmp(field, "country") == 0) {
		fprintf(stderr, "gcscp: --country: member and observer states need the ISO3 code of a UN %s"
				" (e.g. %s); other kinds take none\n",
			org.kind == GC_ORG_OBSERVER_STATE ? "observer state" : "member state",
			org.kind == GC_ORG_OBSERVER_STATE ? "PSE" : "KEN");
	} else if (status == GC_EINVAL && field) {
		fprintf(stderr, "gcscp: --%s is not valid (names: 1 to %d characters on one line)\n", field,
			GC_ORG_NAME_MAX);
	} else {
		fprintf(stderr, "gcscp: creating the organisation failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	}
	json_decref(detail);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

static int org_list(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	json_t *rows = NULL;
	int code = 1;
	size_t i;
	json_t *row;

	if (gc_cli_options(argc, argv, 2, NULL, 0, &config) != GC_OK)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;
	if (gc_org_list(db, &rows) != GC_OK) {
		fprintf(stderr, "gcscp: reading the organisations failed: %s\n", gc_db_errmsg(db));
		goto out;
	}
	if (json_array_size(rows) == 0)
		printf("no organisations\n");
	json_array_foreach(rows, i, row) {
		const char *country = json_string_value(json_object_get(row, "country"));
		printf("%-6lld %-15s %-4s %-9s %-10s %s\n", (long long)json_integer_value(json_object_get(row, "id")),
		       json_string_value(json_object_get(row, "kind")), country ? country : "-",
		       json_string_value(json_object_get(row, "status")),
		       json_is_true(json_object_get(row, "four_eyes")) ? "four-eyes" : "-",
		       json_string_value(json_object_get(row, "name")));
	}
	code = 0;
out:
	json_decref(rows);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

int gc_cli_org(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return org_add(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return org_list(argc, argv);
	fprintf(stderr, "gcscp: org needs a sub-command: add or list (see gcscp help org)\n");
	return 2;
}
