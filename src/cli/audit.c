/* gcscp audit: checks the hash chain of the audit log (SECURITY.md L4). */
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "cli/cli.h"

static int audit_verify(int argc, char **argv)
{
	struct gc_config config;
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	char err[512] = "";
	char last_hash[GC_AUDIT_HASH_SIZE] = "";
	int64_t first_bad = 0, last_id = 0, count = 0;
	int code = 1;
	gc_status status;

	if (gc_cli_options(argc, argv, 2, NULL, 0, &config) != GC_OK)
		return 2;
	if (gc_cli_open_auth(&config, &pool, &db) != GC_OK)
		return 1;
	status = gc_audit_verify(db, &first_bad, err, sizeof(err));
	if (status == GC_ECONFLICT) {
		if (first_bad > 0)
			printf("audit log broken at record %lld: %s\n", (long long)first_bad, err);
		else
			printf("audit log broken: %s\n", err);
		goto out;
	}
	if (status == GC_OK)
		status = gc_audit_head(db, &last_id, last_hash, &count);
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: the audit log could not be checked (%s): %s\n", gc_status_name(status),
			err[0] ? err : gc_db_errmsg(db));
		goto out;
	}
	/* The head's hash is what to keep elsewhere to detect a rewritten tail. */
	printf("audit log intact: %lld records\n", (long long)count);
	if (count > 0)
		printf("head: record %lld, hash %s\n", (long long)last_id, last_hash);
	code = 0;
out:
	gc_pool_release(pool, db);
	gc_pool_close(pool);
	return code;
}

int gc_cli_audit(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(argc, argv);
	fprintf(stderr, "gcscp: audit needs a sub-command: verify (see gcscp help audit)\n");
	return 2;
}
