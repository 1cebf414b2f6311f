/* The server's settings: defaults, then environment variables, then flags. */
#ifndef GC_BASE_CONFIG_H
#define GC_BASE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

struct gc_config {
	char listen_host[64];    /* "127.0.0.1" */
	uint16_t listen_port;    /* 8080 */
	char db_url[1024];       /* "sqlite:" = <data_dir>/gcscp.db */
	char data_dir[1024];     /* "./var" */
	/* Prometheus metrics: on their own listener (metrics_port), or at /metrics
	 * on the main one with "Authorization: Bearer <metrics_token>". Off when
	 * neither is set. */
	char metrics_host[64];
	uint16_t metrics_port;
	char metrics_token[128];
	char base_url[256];      /* public URL for links in e-mail, e.g. "https://cyber.example.org" */
	char smtp_url[512];      /* smtp://host:port or smtps://...; empty: no mail is sent (base/mail.h) */
	char mail_from[256];     /* the sender's address of the portal's mail */
	unsigned threads;        /* HTTP worker threads (0 = number of cores) */
	unsigned db_pool_size;   /* database connections (0 = threads + 2) */
	bool insecure_cookies;   /* plain-HTTP development only: no Secure / __Host- */

	/* Limits (docs/ARCHITECTURE.md "Limits"). */
	size_t max_header_bytes;     /* whole request head: 16 KiB */
	size_t max_body_bytes;       /* form and JSON bodies: 1 MiB */
	size_t max_upload_bytes;     /* multipart uploads: 50 MiB */
	unsigned max_connections;    /* 1000 */
	unsigned max_connections_per_ip; /* 64 */
	unsigned connection_timeout_s;   /* idle or slow connection: 30 s */
	size_t request_arena_bytes;  /* per-request memory: 16 MiB */
};

/* Fills in the defaults. */
void gc_config_defaults(struct gc_config *config);
/* Applies GCSCP_LISTEN, GCSCP_DB, GCSCP_DATA, GCSCP_METRICS_LISTEN, GCSCP_METRICS_TOKEN,
 * GCSCP_BASE_URL, GCSCP_THREADS, GCSCP_SMTP_URL, GCSCP_MAIL_FROM,
 * GCSCP_MAX_UPLOAD_BYTES. err names the bad variable. */
GC_MUST_CHECK gc_status gc_config_from_env(struct gc_config *config, char *err, size_t err_size);
/* Parses "HOST:PORT" (or "[v6]:PORT") into host and port. */
GC_MUST_CHECK gc_status gc_config_parse_listen(const char *text, char *host, size_t host_size, uint16_t *port);

#endif
