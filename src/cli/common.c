#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "auth/auth.h"
#include "auth/items.h"
#include "store/attachments.h"
#include "modules/module.h"
#include "store/jobs.h"
#include "store/outbox.h"
#include "store/migrate.h"
#include "store/search.h"

static gc_status option_copy(char *field, size_t size, const char *option, const char *value)
{
	size_t n = strlen(value);
	if (n == 0 || n >= size) {
		fprintf(stderr, "gcscp: %s: value is empty or too long\n", option);
		return GC_EINVAL;
	}
	memcpy(field, value, n + 1);
	return GC_OK;
}

gc_status gc_cli_config(int argc, char **argv, bool serve_options, struct gc_config *config)
{
	char err[256];
	gc_config_defaults(config);
	if (gc_config_from_env(config, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: %s\n", err);
		return GC_EINVAL;
	}
	for (int i = 1; i < argc; i++) {
		const char *option = argv[i];
		if (serve_options && strcmp(option, "--insecure-cookies") == 0) {
			config->insecure_cookies = true;
			continue;
		}
		bool takes_value = strcmp(option, "--db") == 0 || strcmp(option, "--data") == 0 ||
				   (serve_options && (strcmp(option, "--listen") == 0 ||
						      strcmp(option, "--metrics-listen") == 0 ||
						      strcmp(option, "--metrics-token") == 0 ||
						      strcmp(option, "--base-url") == 0 ||
						      strcmp(option, "--smtp-url") == 0 ||
						      strcmp(option, "--mail-from") == 0 ||
						      strcmp(option, "--threads") == 0));
		if (!takes_value) {
			fprintf(stderr, "gcscp: unknown option %s (see gcscp help %s)\n", option, argv[0]);
			return GC_EINVAL;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "gcscp: %s needs a value\n", option);
			return GC_EINVAL;
		}
		const char *value = argv[++i];
		gc_status status = GC_OK;
		if (strcmp(option, "--db") == 0) {
			status = option_copy(config->db_url, sizeof(config->db_url), option, value);
		} else if (strcmp(option, "--smtp-url") == 0) {
			status = option_copy(config->smtp_url, sizeof(config->smtp_url), option, value);
		} else if (strcmp(option, "--mail-from") == 0) {
			status = option_copy(config->mail_from, sizeof(config->mail_from), option, value);
		} else if (strcmp(option, "--data") == 0) {
			status = option_copy(config->data_dir, sizeof(config->data_dir), option, value);
		} else if (strcmp(option, "--listen") == 0) {
			if (gc_config_parse_listen(value, config->listen_host, sizeof(config->listen_host),
						   &config->listen_port) != GC_OK) {
				fprintf(stderr, "gcscp: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
				status = GC_EINVAL;
			}
		} else if (strcmp(option, "--metrics-listen") == 0) {
			if (gc_config_parse_listen(value, config->metrics_host, sizeof(config->metrics_host),
						   &config->metrics_port) != GC_OK) {
				fprintf(stderr, "gcscp: --metrics-listen must be HOST:PORT\n");
				status = GC_EINVAL;
			}
		} else if (strcmp(option, "--metrics-token") == 0) {
			if (strlen(value) < 16) {
				fprintf(stderr, "gcscp: --metrics-token must be at least 16 characters\n");
				status = GC_EINVAL;
			} else {
				status = option_copy(config->metrics_token, sizeof(config->metrics_token), option,
						     value);
			}
		} else if (strcmp(option, "--base-url") == 0) {
			status = option_copy(config->base_url, sizeof(config->base_url), option, value);
		} else if (strcmp(option, "--threads") == 0) {
			int64_t threads;
			if (gc_parse_i64(value, strlen(value), 0, 256, &threads) != GC_OK) {
				fprintf(stderr, "gcscp: --threads must be a number from 0 to 256\n");
				status = GC_EINVAL;
			} else {
				config->threads = (unsigned)threads;
			}
		}
		if (status != GC_OK)
			return status;
	}
	return GC_OK;
}

/* Applies one component's migrations, reporting a refusal plainly. */
static gc_status migrate_one(struct gc_db *db, const char *component, const struct gc_migration *migrations,
			     size_t count)
{
	char err[512] = "";
	gc_status status = gc_migrate_component(db, component, migrations, count, err, sizeof(err));
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: migrating %s: %s\n", component,
			err[0] ? err : gc_db_errmsg(db));
		gc_log(GC_LOG_ERROR, "migration failed", "{s:s, s:s, s:s}", "component", component, "status",
		       gc_status_name(status), "detail", err[0] ? err : gc_db_errmsg(db));
	}
	return status;
}

gc_status gc_cli_open_database(const struct gc_config *config, unsigned pool_size, struct gc_pool **out)
{
	char err[512] = "";
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	gc_status status;

	if (mkdir(config->data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "gcscp: cannot create the data directory %s\n", config->data_dir);
		return GC_EIO;
	}
	status = gc_pool_open(config->db_url, config->data_dir, pool_size, &pool, err, sizeof(err));
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: cannot open the database: %s\n", err);
		return status;
	}
	status = gc_pool_acquire(pool, 10000, &db);
	if (status != GC_OK) {
		fprintf(stderr, "gcscp: no database connection available\n");
		goto out;
	}
	/* The order matters: the core module creates organisations, which
	 * accounts (audit, auth) extend, which the items envelope references,
	 * which every other module's items reference. */
	status = migrate_one(db, "search", gc_search_migrations, gc_search_migration_count);
	if (status == GC_OK)
		status = migrate_one(db, "jobs", gc_jobs_migrations, gc_jobs_migration_count);
	if (status == GC_OK)
		status = migrate_one(db, GC_OUTBOX_COMPONENT, gc_outbox_migrations, gc_outbox_migration_count);
	for (size_t i = 0; i < gc_module_count && status == GC_OK; i++) {
		const struct gc_module *module = gc_modules[i];
		if (module->n_migrations)
			status = migrate_one(db, module->name, module->migrations, module->n_migrations);
		if (status == GC_OK && i == 0) {
			status = gc_auth_migrate(db, err, sizeof(err));
			if (status != GC_OK)
				fprintf(stderr, "gcscp: %s\n", err);
			else
				status = migrate_one(db, GC_ITEMS_COMPONENT, gc_items_migrations, GC_ITEMS_MIGRATION_COUNT);
			if (status == GC_OK)
				status = migrate_one(db, GC_ATTACHMENTS_COMPONENT, gc_attachments_migrations,
						     GC_ATTACHMENTS_MIGRATION_COUNT);
		}
	}
out:
	if (db)
		gc_pool_release(pool, db);
	if (status != GC_OK) {
		gc_pool_close(pool);
		return status;
	}
	*out = pool;
	return GC_OK;
}
