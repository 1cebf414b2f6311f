/*
 * bench/mhd-floor: libmicrohttpd alone, configured as gcscp configures it
 * (src/http/server.c: epoll thread pool, the same limits and flags), answering
 * files held in memory with responses built once and reused. What is left
 * between this and gcscp is gcscp's own work per request; what is left
 * between this and nginx is the library's.
 *
 *   mhd-floor PORT THREADS DIR
 *
 * Serves every regular file DIR/NAME (names not starting with '.') at /NAME,
 * with the Content-Type its extension says (.json, .html) and, when
 * DIR/.NAME.headers holds an HTTP response head, the same extra headers that
 * bench/run gives nginx. Anything else is a 404. Runs until SIGTERM or SIGINT.
 * Built and started by bench/run; loopback only.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_FILES 64

struct file {
	char path[272];
	struct MHD_Response *response;
};

static struct file files[MAX_FILES];
static size_t n_files;
static struct MHD_Response *not_found;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *data = malloc(cap);
	while (data) {
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		char *bigger = realloc(data, cap *= 2);
		if (!bigger)
			free(data);
		data = bigger;
	}
	fclose(f);
	*len = n;
	return data;
}

/* The headers bench/run copies to nginx: all but framing and per-request ones. */
static void copy_headers(struct MHD_Response *response, const char *headers_path)
{
	static const char *skip[] = { "date", "content-length", "content-type", "etag", "connection", "keep-alive",
				      "transfer-encoding", "server", "last-modified", "x-request-id" };
	FILE *f = fopen(headers_path, "r");
	char line[4096];
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* the status line */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *value = colon + 1;
		while (*value == ' ')
			value++;
		int skipped = 0;
		for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			skipped |= strcasecmp(line, skip[i]) == 0;
		if (!skipped)
			MHD_add_response_header(response, line, value);
	}
	fclose(f);
}

static int load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)) && n_files < MAX_FILES) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > 250)
			continue;
		char path[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *data = slurp(path, &len);
		if (!data)
			continue;
		struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		const char *ext = strrchr(e->d_name, '.');
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					ext && strcmp(ext, ".json") == 0 ? "application/json; charset=utf-8"
									 : "text/html; charset=utf-8");
		snprintf(path, sizeof(path), "%s/.%s.headers", dir, e->d_name);
		copy_headers(r, path);
		snprintf(files[n_files].path, sizeof(files[n_files].path), "/%s", e->d_name);
		files[n_files++].response = r;
	}
	closedir(d);
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)cls;
	(void)method;
	(void)version;
	(void)upload_data;
	/* Like gcscp, answer at the last call: the request is then fully received. */
	if (!*con_cls) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	for (size_t i = 0; i < n_files; i++)
		if (strcmp(url, files[i].path) == 0)
			return MHD_queue_response(conn, MHD_HTTP_OK, files[i].response);
	return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, not_found);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mhd-floor PORT THREADS DIR\n");
		return 2;
	}
	unsigned port = (unsigned)atoi(argv[1]);
	unsigned threads = (unsigned)atoi(argv[2]);
	if (port == 0 || port > 65535 || threads == 0 || load(argv[3]) != 0 || n_files == 0) {
		fprintf(stderr, "mhd-floor: bad arguments or nothing to serve in %s\n", argv[3]);
		return 2;
	}
	not_found = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The same flags and limits as src/http/server.c. */
	size_t max_head = 16384;
	struct MHD_Daemon *daemon = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC,
		(uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT,
		1000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		max_head + max_head / 2 + 4096, MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "mhd-floor: cannot listen on 127.0.0.1:%u\n", port);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop)
		pause();
	MHD_stop_daemon(daemon);
	for (size_t i = 0; i < n_files; i++)
		MHD_destroy_response(files[i].response);
	MHD_destroy_response(not_found);
	return 0;
}
