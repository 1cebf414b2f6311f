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

#endif
