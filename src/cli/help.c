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
	  "  --smtp-url URL      send invitations and the outbox's mail through smtp://HOST:PORT\n"
	  "                      (STARTTLS when offered) or smtps://HOST:PORT, with USER:PASSWORD@\n"
	  "                      if needed [env GCSCP_SMTP_URL]; without it invitation links are only\n"
	  "                      shown on screen and the outbox's messages are retried, then given up\n"
	  "  --mail-from ADDRESS the sender of that mail [env GCSCP_MAIL_FROM, default noreply@localhost]\n"
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
	{ "outbox",
	  "usage: gcscp outbox list [options]\n"
	  "       gcscp outbox test --to ADDRESS [options]\n"
	  "\n"
	  "list prints how many messages of the e-mail outbox are queued, sent and failed,\n"
	  "and the last error of the latest ones not delivered. test queues a short test\n"
	  "message to ADDRESS and prints its id; a running 'gcscp serve' with --smtp-url\n"
	  "sends it, retrying with back-off (1, 2, 4 ... minutes, at most 6 hours, 8\n"
	  "attempts) while the SMTP server cannot be reached.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "org",
	  "usage: gcscp org add --kind KIND --name NAME [--country ISO3] [--four-eyes] [options]\n"
	  "       gcscp org list [options]\n"
	  "\n"
	  "add creates an organisation and prints its id. KIND is secretariat, member_state,\n"
	  "observer_state, un_body, regional_org or stakeholder. Member and observer states\n"
	  "name their UN member or observer state by ISO3 code (--country KEN); other kinds\n"
	  "take no country. --four-eyes makes the state's editors need an admin's approval\n"
	  "to publish or widen visibility. list prints every organisation.\n"
	  "\n"
	  "A fresh portal has no account at all. Create the first Secretariat admin with\n"
	  "  gcscp org add --kind secretariat --name NAME\n"
	  "  gcscp user add --org ID --email EMAIL --role admin\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "user",
	  "usage: gcscp user add --org ID --email EMAIL --role ROLE [--name NAME] [--base-url URL] [options]\n"
	  "       gcscp user invite --email EMAIL [--base-url URL] [options]\n"
	  "\n"
	  "add creates an account in organisation ID with ROLE admin, editor or reader, and\n"
	  "prints the link that lets its owner set a password: <base URL>/invitations/<token>,\n"
	  "valid 7 days and once. invite prints a new link for an existing account (the old\n"
	  "one expired, or a reset) and withdraws any earlier unused link. Send the link to\n"
	  "the person over a channel you trust; it is not shown again.\n"
	  "\n"
	  "options:\n"
	  "  --base-url URL      the portal's public address  [env GCSCP_BASE_URL,\n"
	  "                      default http://127.0.0.1:8080]\n" COMMON_OPTIONS },
	{ "token",
	  "usage: gcscp token add --user EMAIL [--name LABEL] [--expires DAYS] [options]\n"
	  "       gcscp token list --user EMAIL [options]\n"
	  "       gcscp token revoke --id ID [options]\n"
	  "\n"
	  "add creates an API token acting as the account EMAIL and prints it once: only its\n"
	  "hash is kept. Clients send it as 'Authorization: Bearer gcscp_...'. LABEL (default\n"
	  "\"cli\") says what it is for; DAYS (1 to 365) makes it expire, otherwise it lasts\n"
	  "until revoked. list shows an account's tokens (never the tokens themselves) with\n"
	  "their ids; revoke ends token ID at once.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "audit",
	  "usage: gcscp audit verify [options]\n"
	  "\n"
	  "Checks the hash chain of the audit log. Prints \"audit log intact: N records\" and\n"
	  "the head (last record and its hash, worth keeping elsewhere) and exits 0, or names\n"
	  "the first record that cannot be trusted and exits 1.\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "setting",
	  "usage: gcscp setting get restricted_includes_observers [options]\n"
	  "       gcscp setting set restricted_includes_observers 0|1 [options]\n"
	  "\n"
	  "Portal-wide settings. restricted_includes_observers: 0 (the default) keeps\n"
	  "restricted items for member states and the Secretariat, as the concept note\n"
	  "says; 1 lets observer states read them too. A change takes effect at the next\n"
	  "request of every node and is written to the audit log (setting.change).\n"
	  "\n"
	  "options:\n" COMMON_OPTIONS },
	{ "backup",
	  "usage: gcscp backup --out DIR [options]\n"
	  "\n"
	  "Writes a consistent backup of the portal to DIR, a directory that must not exist,\n"
	  "while the portal keeps serving and writing. DIR holds manifest.json (schema\n"
	  "versions, row counts of every table, the audit chain's head, size and SHA-256 of\n"
	  "every file), the database (SQLite: database.sqlite, a copy taken with the online\n"
	  "backup API at one commit; PostgreSQL: database.pgdump, pg_dump --format=custom of\n"
	  "one snapshot, so pg_dump must be on the PATH) and files/, every regular file of\n"
	  "the data directory except the SQLite database and the secrets directory.\n"
	  "Everything is written under a hidden name beside DIR, synced, then renamed to DIR.\n"
	  "\n"
	  "The secrets directory (pepper, totp.key) is never in a backup: keep its own copy\n"
	  "apart (docs/operations.md). Without it a restored portal cannot check passwords\n"
	  "or TOTP codes.\n"
	  "\n"
	  "options:\n"
	  "  --out DIR           where to write the backup (a new directory)\n" COMMON_OPTIONS },
	{ "restore",
	  "usage: gcscp restore --from DIR [--force] [options]\n"
	  "\n"
	  "Restores a backup written by gcscp backup into the database and data directory\n"
	  "given by --db and --data, onto the same engine. Checks every file of the backup\n"
	  "against its manifest first; refuses a database or data directory that is not\n"
	  "empty (the secrets directory aside) unless --force is given (stop every server\n"
	  "using them first). After the restore the row counts, schema versions and audit\n"
	  "head are compared with the manifest. Then put the secrets directory back and run\n"
	  "gcscp audit verify.\n"
	  "\n"
	  "options:\n"
	  "  --from DIR          the backup directory\n"
	  "  --force             overwrite a database and data directory that are not empty\n" COMMON_OPTIONS },
	{ "search",
	  "usage: gcscp search reindex [--all] [options]\n"
	  "\n"
	  "Folds the search documents' text again with this binary's folding (case,\n"
	  "accents, Arabic marks, Chinese pairs: docs/search.md): the documents folded by\n"
	  "another version or never folded (a bulk load), or every one with --all. The\n"
	  "server does the former at start-up. Prints how many documents it folded.\n"
	  "\n"
	  "options:\n"
	  "  --all           every document\n" COMMON_OPTIONS },
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
		       "  outbox    show the e-mail outbox, queue a test message\n"
		       "  org       add and list organisations\n"
		       "  user      add accounts and send invitations\n"
		       "  token     add, list and revoke API tokens\n"
		       "  audit     verify the audit log\n"
		       "  setting   read or change a portal-wide setting\n"
		       "  backup    write a consistent backup of a live portal\n"
		       "  restore   restore a backup into an empty database and data directory\n"
		       "  search    fold the search index's text again\n"
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
