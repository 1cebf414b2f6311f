#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mail.h"
#include "base/random.h"
#include "cli/cli.h"
#include "http/server.h"
#include "http/static.h"
#include "modules/module.h"
#include "render/i18n.h"
#include "render/templates.h"
#include "store/jobs.h"

#define SERVE_MAX_ROUTE_LISTS 64
#define SERVE_MAX_JOB_KINDS 64
#define JOB_POLL_MS 1000

/* Every module's job kinds in one list for the runner. */
static size_t collect_job_kinds(const struct gc_job_kind **kinds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < gc_module_count; i++)
		for (size_t j = 0; j < gc_modules[i]->n_jobs && n < max; j++)
			kinds[n++] = gc_modules[i]->jobs[j];
	return n;
}

static gc_status build_router(struct gc_server *server)
{
	const struct gc_route *lists[SERVE_MAX_ROUTE_LISTS];
	size_t counts[SERVE_MAX_ROUTE_LISTS];
	size_t n = 0;
	char err[256] = "";
	lists[n] = gc_static_routes;
	counts[n++] = gc_static_route_count;
	for (size_t i = 0; i < gc_module_count && n < SERVE_MAX_ROUTE_LISTS; i++) {
		lists[n] = gc_modules[i]->routes;
		counts[n++] = gc_modules[i]->n_routes;
	}
	gc_status status = gc_router_new(lists, counts, n, &server->router, err, sizeof(err));
	if (status != GC_OK)
		fprintf(stderr, "gcscp: invalid route table: %s\n", err);
	return status;
}

/* Signals are blocked in every thread and taken here, so no handler runs inside library code. */
static int wait_for_stop_signal(const sigset_t *signals)
{
	int signal_number = 0;
	while (sigwait(signals, &signal_number) != 0)
		;
	return signal_number;
}

int gc_cli_serve(int argc, char **argv)
{
	struct gc_server server;
	struct gc_job_runner *runner = NULL;
	const struct gc_job_kind *kinds[SERVE_MAX_JOB_KINDS];
	size_t modules_started = 0;
	char err[512] = "";
	int code = 1;

	memset(&server, 0, sizeof(server));
	server.version = GC_VERSION;
	if (gc_cli_config(argc, argv, true, &server.config) != GC_OK)
		return 2;

	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (gc_random_init() != GC_OK) {
		fprintf(stderr, "gcscp: cannot initialise the random number generator\n");
		return 1;
	}
	if (gc_mail_init() != GC_OK) {
		fprintf(stderr, "gcscp: cannot initialise libcurl\n");
		return 1;
	}
	if (gc_i18n_load(err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: loading translations: %s\n", err);
		return 1;
	}
	if (gc_templates_load(&server.templates, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: loading templates: %s\n", err);
		goto out;
	}
	unsigned threads = server.config.threads;
	unsigned pool_size = server.config.db_pool_size ? server.config.db_pool_size : (threads ? threads : 8) + 4;
	if (gc_cli_open_database(&server.config, pool_size, &server.pool) != GC_OK)
		goto out;
	if (gc_identity_new(&server.config, &server.identity, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: %s\n", err);
		goto out;
	}
	if (build_router(&server) != GC_OK)
		goto out;
	for (; modules_started < gc_module_count; modules_started++) {
		const struct gc_module *module = gc_modules[modules_started];
		if (module->init && module->init(&server) != GC_OK) {
			fprintf(stderr, "gcscp: starting module %s failed\n", module->name);
			goto out;
		}
	}
	size_t n_kinds = collect_job_kinds(kinds, SERVE_MAX_JOB_KINDS);
	/* No module has background work yet when n_kinds is 0: then there is nothing to poll for. */
	/* Jobs borrow the settings (the outbox's SMTP server); server outlives the runner. */
	const struct gc_job_context job_context = { .config = &server.config };
	if (n_kinds > 0 &&
	    gc_job_runner_start(&job_context, server.pool, kinds, n_kinds, JOB_POLL_MS, &runner) != GC_OK) {
		fprintf(stderr, "gcscp: cannot start the job runner\n");
		goto out;
	}
	if (gc_http_start(&server, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "gcscp: cannot listen on %s:%u: %s\n", server.config.listen_host,
			server.config.listen_port, err);
		goto out;
	}
	gc_log(GC_LOG_INFO, "listening", "{s:s, s:i, s:s}", "host", server.config.listen_host, "port",
	       server.config.listen_port, "version", GC_VERSION);
	int signal_number = wait_for_stop_signal(&signals);
	gc_log(GC_LOG_INFO, "stopping", "{s:s}", "signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
	gc_http_stop(&server);
	code = 0;
out:
	gc_job_runner_stop(runner);
	while (modules_started > 0) {
		const struct gc_module *module = gc_modules[--modules_started];
		if (module->shutdown)
			module->shutdown(&server);
	}
	gc_router_free(server.router);
	gc_identity_free(server.identity);
	gc_pool_close(server.pool);
	gc_templates_free(server.templates);
	gc_i18n_unload();
	if (code == 0)
		gc_log(GC_LOG_INFO, "stopped", NULL);
	return code;
}
