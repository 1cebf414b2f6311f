/*
 * gcscp setting: the portal-wide settings an operator may change. One for
 * now, restricted_includes_observers (docs/ARCHITECTURE.md "Who may see
 * what"): whether observer states read restricted items as member states do.
 * A change is one transaction with its audit record (setting.change) and a
 * bump of the change counter, so no cached page outlives it.
 */
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/policy.h"
#include "cli/cli.h"

#define OBSERVERS_SETTING "restricted_includes_observers"

static int setting_get(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	bool observers = false;
	if (argc < 3 || strcmp(argv[2], OBSERVERS_SETTING) != 0) {
		fprintf(stderr, "gcscp: setting get needs a setting's name: %s\n", OBSERVERS_SETTING);
		return 2;
	}
	if (gc_cli_options(argc, argv, 3, NULL, 0, &config) != GC_OK)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;
	gc_status status = gc_policy_read_observers(db, &observers);
	if (status == GC_OK)
		printf("%s\n", observers ? "1" : "0");
	else
		fprintf(stderr, "gcscp: reading the setting failed (%s): %s\n", gc_status_name(status), gc_db_errmsg(db));
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return status == GC_OK ? 0 : 1;
}

static int setting_set(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	if (argc < 4 || strcmp(argv[2], OBSERVERS_SETTING) != 0 ||
	    (strcmp(argv[3], "0") != 0 && strcmp(argv[3], "1") != 0)) {
		fprintf(stderr, "gcscp: usage: gcscp setting set %s 0|1\n", OBSERVERS_SETTING);
		return 2;
	}
	const char *value = argv[3];
	if (gc_cli_options(argc, argv, 4, NULL, 0, &config) != GC_OK)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;
	bool before = false;
	gc_status status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_policy_read_observers(db, &before);
	if (status == GC_OK)
		status = gc_db_exec(db,
				    "INSERT INTO settings (key, value) VALUES (?, ?) "
				    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				    GC_PARAMS(GC_TEXT(OBSERVERS_SETTING), GC_TEXT(value)), NULL);
	if (status == GC_OK) {
		json_t *detail = json_pack("{s:s, s:b, s:b}", "setting", OBSERVERS_SETTING, "from", before, "to",
					   value[0] == '1');
		struct gc_audit_entry entry = { .action = "setting.change", .target_type = "setting",
						.target_id = OBSERVERS_SETTING, .detail = detail };
		status = detail ? gc_audit_append(db, &entry, NULL) : GC_ENOMEM;
		json_decref(detail);
	}
	status = gc_cli_finish(db, status);
	if (status == GC_OK)
		printf("%s %s\n", OBSERVERS_SETTING, value);
	else
		fprintf(stderr, "gcscp: changing the setting failed (%s): %s\n", gc_status_name(status),
			gc_db_errmsg(db));
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return status == GC_OK ? 0 : 1;
}

int gc_cli_setting(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "get") == 0)
		return setting_get(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return setting_set(argc, argv);
	fprintf(stderr, "gcscp: setting needs a sub-command: get or set (see gcscp help setting)\n");
	return 2;
}
