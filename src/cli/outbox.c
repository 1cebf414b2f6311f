/* gcscp outbox: what the e-mail outbox holds, and a test message through it. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/outbox.h"

static int outbox_list(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	json_t *counts = NULL, *failures = NULL;
	int code = 1;
	if (gc_cli_options(argc, argv, 2, NULL, 0, &config) != GC_OK)
		return 2;
	if (gc_cli_open_database(&config, 1, &pool) != GC_OK)
		return 1;
	if (gc_pool_acquire(pool, 5000, &db) != GC_OK)
		goto out;
	if (gc_db_query(db, "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state ORDER BY state", GC_NO_PARAMS,
			&counts) != GC_OK ||
	    gc_db_query(db,
			"SELECT id, recipient, attempts, state, next_attempt_at, last_error FROM outbox"
			" WHERE last_error IS NOT NULL AND state <> 'sent' ORDER BY id DESC LIMIT 20",
			GC_NO_PARAMS, &failures) != GC_OK) {
		fprintf(stderr, "gcscp: reading the outbox failed: %s\n", gc_db_errmsg(db));
		goto out;
	}
	if (json_array_size(counts) == 0)
		printf("no messages\n");
	size_t i;
	json_t *row;
	json_array_foreach(counts, i, row) {
		printf("%-8s %lld\n", json_string_value(json_object_get(row, "state")),
		       (long long)json_integer_value(json_object_get(row, "n")));
	}
	json_array_foreach(failures, i, row) {
		const char *error = json_string_value(json_object_get(row, "last_error"));
		printf("message %lld to %s, %s after %lld attempts: %s\n",
		       (long long)json_integer_value(json_object_get(row, "id")),
		       json_string_value(json_object_get(row, "recipient")),
		       json_string_value(json_object_get(row, "state")),
		       (long long)json_integer_value(json_object_get(row, "attempts")), error ? error : "");
	}
	code = 0;
out:
	json_decref(counts);
	json_decref(failures);
	if (db)
		gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

static int outbox_test(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	const char *to = NULL;
	int64_t id = 0;
	const struct gc_cli_option options[] = { { "--to", &to, NULL } };
	if (gc_cli_options(argc, argv, 2, options, GC_ARRAY_LEN(options), &config) != GC_OK)
		return 2;
	if (!to) {
		fprintf(stderr, "gcscp: outbox test needs --to ADDRESS (see gcscp help outbox)\n");
		return 2;
	}
	if (gc_cli_open_database(&config, 1, &pool) != GC_OK)
		return 1;
	if (gc_pool_acquire(pool, 5000, &db) != GC_OK) {
		gc_pool_close(pool);
		return 1;
	}
	struct gc_outbox_message message = {
		.to = to,
		.subject = "GCSCP test message",
		.text = "This message was queued by 'gcscp outbox test' to check that the portal's mail reaches you.\n",
		.ref = "cli.outbox-test",
	};
	gc_status status = gc_db_begin_write(db);
	if (status == GC_OK)
		status = gc_outbox_enqueue(db, &message, &id);
	status = gc_cli_finish(db, status);
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	if (status == GC_EINVAL) {
		fprintf(stderr, "gcscp: --to is not an e-mail address the portal can send to\n");
		return 2;
	}
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: queueing the message failed (%s)\n", gc_status_name(status));
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

int gc_cli_outbox(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return outbox_test(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return outbox_list(argc, argv);
	fprintf(stderr, "gcscp: outbox needs list or test (see gcscp help outbox)\n");
	return 2;
}
