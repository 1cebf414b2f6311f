/* gcscp: the portal's one program. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "serve", gc_cli_serve },
	{ "migrate", gc_cli_migrate },
	{ "demo", gc_cli_demo },
	{ "routes", gc_cli_routes },
	{ "jobs", gc_cli_jobs },
	{ "outbox", gc_cli_outbox },
	{ "org", gc_cli_org },
	{ "user", gc_cli_user },
	{ "token", gc_cli_token },
	{ "audit", gc_cli_audit },
	{ "setting", gc_cli_setting },
	{ "backup", gc_cli_backup },
	{ "restore", gc_cli_restore },
	{ "search", gc_cli_search },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		gc_cli_help(NULL);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		gc_cli_help(NULL);
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("gcscp %s\n", GC_VERSION);
		return 0;
	}
	if (strcmp(name, "help") == 0) {
		if (!gc_cli_help(argc > 2 ? argv[2] : NULL)) {
			fprintf(stderr, "gcscp: no such command: %s (see gcscp --help)\n", argv[2]);
			return 2;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			for (int a = 2; a < argc; a++) {
				if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
					gc_cli_help(name);
					return 0;
				}
			}
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "gcscp: no such command: %s (see gcscp --help)\n", name);
	return 2;
}
