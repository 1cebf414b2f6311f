#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct help_entry {
	const char *command;
	const char *text;
};

#define COMMON_OPTIONS \
	"  --db URL            the database: sqlite:FILE (relative to --data) or\n" \
	"                      postgresql://USER@HOST:PORT/NAME   [env GCSCP_DB, default sqlite:]\n" \
	"  --data DIR          the data directory                 [env GCSCP_DATA, default ./var]\n"

static const struct help_entry help_entries[] = {
	{ "serve",
	  "usage: gcscp serve [options]\n"
	  "\n"
	  "Applies pending migrations, then serves the portal and its API over HTTP\n"
	  "until SIGTERM or SIGINT, which let requests in flight finish.\n"
	  "\n"
	  "options:\n"
	  "  --listen HOST:PORT  where to listen          [env GCSCP_LISTEN, default 127.0.0.1:8080]\n" COMMON_OPTIONS
	  "  --threads N         HTTP worker threads      [env GCSCP_THREADS, default: one per core]\n"
	  "  --metrics-listen HOST:PORT\n"
	  "                      serve Prometheus metrics on a separate listener [env GCSCP_METRICS_LISTEN]\n"
	  "  --metrics-token TOKEN\n"
	  "                      serve /metrics on the main listener to 'Authorization: Bearer TOKEN'\n"
	  "                      [env GCSCP_METRICS_TOKEN]; without either option there are no metrics\n"
	  "  --base-url URL      the public address, for links in e-mail [env GCSCP_BASE_URL]\n"
	  "  --insecure-cookies  plain-HTTP development only: cookies without Secure and __Host-\n" },
	{ "migrate",
	  "usage: gcscp migrate [options]\n"
	  "\n"
	  "Applies every pending migration of the core and the modules, each in its own\n"
	  "transaction, and prints the version of each component. Refuses a database\n"
	  "that is newer than this program.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "demo",
	  "usage: gcscp demo [options]\n"
	  "\n"
	  "Loads the demonstration data set (a Secretariat, some member states, a regional\n"
	  "organisation and a stakeholder, all clearly labelled as demo data). Running it\n"
	  "again changes nothing.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "routes",
	  "usage: gcscp routes\n"
	  "\n"
	  "Prints the route table as JSON: method, pattern, name, who may call it, and\n"
	  "whether it exists only in the API (/api/v1).\n" },
	{ "jobs",
	  "usage: gcscp jobs [options]\n"
	  "\n"
	  "Prints the background job queue: counts by kind and status, and the last\n"
	  "error of each failed job.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
};

bool gc_cli_help(const char *command)
{
	if (!command) {
		printf("usage: gcscp COMMAND [options]\n"
		       "\n"
		       "The Global Cyber Security Cooperation Portal.\n"
		       "\n"
		       "commands:\n"
		       "  serve     serve the portal and its API\n"
		       "  migrate   apply pending database migrations\n"
		       "  demo      load the demonstration data set\n"
		       "  routes    print the route table\n"
		       "  jobs      show the background job queue\n"
		       "  help CMD  show the options of a command\n"
		       "\n"
		       "  --version print the version\n"
		       "  --help    print this overview\n");
		return true;
	}
	for (size_t i = 0; i < sizeof(help_entries) / sizeof(help_entries[0]); i++) {
		if (strcmp(help_entries[i].command, command) == 0) {
			fputs(help_entries[i].text, stdout);
			return true;
		}
	}
	return false;
}
