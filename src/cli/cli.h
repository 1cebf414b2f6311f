/* The gcscp sub-commands and what they share. Each returns a process exit code. */
#ifndef GC_CLI_CLI_H
#define GC_CLI_CLI_H

#include "base/config.h"
#include "store/store.h"

int gc_cli_serve(int argc, char **argv);
int gc_cli_migrate(int argc, char **argv);
int gc_cli_demo(int argc, char **argv);
int gc_cli_routes(int argc, char **argv);
int gc_cli_jobs(int argc, char **argv);
int gc_cli_outbox(int argc, char **argv);
int gc_cli_org(int argc, char **argv);
int gc_cli_user(int argc, char **argv);
int gc_cli_token(int argc, char **argv);
int gc_cli_audit(int argc, char **argv);
int gc_cli_setting(int argc, char **argv);
int gc_cli_backup(int argc, char **argv);
int gc_cli_restore(int argc, char **argv);
int gc_cli_search(int argc, char **argv);

/* Prints the help of one command (NULL: the overview); false for an unknown command. */
bool gc_cli_help(const char *command);

/*
 * Parses the options every command shares (--db URL, --data DIR) and, for
 * serve, --listen, --metrics-listen, --metrics-token, --insecure-cookies,
 * --threads, on top of the defaults and the environment. Prints what is
 * wrong and returns GC_EINVAL on a bad or unknown option.
 */
GC_MUST_CHECK gc_status gc_cli_config(int argc, char **argv, bool serve_options, struct gc_config *config);

/* Opens the database and applies every pending migration (core, then modules). */
GC_MUST_CHECK gc_status gc_cli_open_database(const struct gc_config *config, unsigned pool_size,
					     struct gc_pool **out);

/*
 * For the identity commands (org, user, token, audit; defined in cli/org.c).
 * An option of a sub-command: "--name VALUE" sets *value, a flag sets *flag.
 */
struct gc_cli_option {
	const char *name;
	const char **value;
	bool *flag;
};

/*
 * Parses argv[first..] for the n options given, passing everything else to
 * gc_cli_config (--db, --data); argv[0] is the command's name. Prints what is
 * wrong and returns GC_EINVAL on a bad, repeated or unknown option.
 */
GC_MUST_CHECK gc_status gc_cli_options(int argc, char **argv, int first, const struct gc_cli_option *options,
				       size_t n, struct gc_config *config);

/*
 * Opens the database as gc_cli_open_database does, applies the audit and auth
 * migrations too, and borrows one connection: release *db, then close *pool.
 */
GC_MUST_CHECK gc_status gc_cli_open_auth(const struct gc_config *config, struct gc_pool **pool, struct gc_db **db);

/* Bumps the change counter and commits the write transaction of a command,
 * or rolls it back when status is not GC_OK (or the commit fails). */
GC_MUST_CHECK gc_status gc_cli_finish(struct gc_db *db, gc_status status);

#endif
