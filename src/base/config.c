#include "base/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"

void gc_config_defaults(struct gc_config *config)
{
	memset(config, 0, sizeof(*config));
	snprintf(config->listen_host, sizeof(config->listen_host), "127.0.0.1");
	config->listen_port = 8080;
	snprintf(config->db_url, sizeof(config->db_url), "sqlite:");
	snprintf(config->data_dir, sizeof(config->data_dir), "./var");
	snprintf(config->mail_from, sizeof(config->mail_from), "noreply@localhost");
	config->max_header_bytes = 16 * 1024;
	config->max_body_bytes = 1024 * 1024;
	config->max_upload_bytes = 50 * 1024 * 1024;
	config->max_connections = 1000;
	config->max_connections_per_ip = 64;
	config->connection_timeout_s = 30;
	config->request_arena_bytes = 16 * 1024 * 1024;
}

gc_status gc_config_parse_listen(const char *text, char *host, size_t host_size, uint16_t *port)
{
	const char *colon;
	const char *host_start = text;
	size_t host_len;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return GC_EINVAL;
		host_start = text + 1;
		host_len = (size_t)(close - host_start);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return GC_EINVAL;
		host_len = (size_t)(colon - text);
	}
	if (host_len == 0 || host_len >= host_size)
		return GC_EINVAL;
	int64_t value;
	if (gc_parse_i64(colon + 1, strlen(colon + 1), 0, 65535, &value) != GC_OK)
		return GC_EINVAL;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	*port = (uint16_t)value;
	return GC_OK;
}

/* Copies value into a fixed field; GC_ETOOBIG when it does not fit. */
static gc_status config_copy(char *field, size_t size, const char *value)
{
	size_t n = strlen(value);
	if (n >= size)
		return GC_ETOOBIG;
	memcpy(field, value, n + 1);
	return GC_OK;
}

gc_status gc_config_from_env(struct gc_config *config, char *err, size_t err_size)
{
	const char *value;
	if ((value = getenv("GCSCP_LISTEN")) && *value &&
	    gc_config_parse_listen(value, config->listen_host, sizeof(config->listen_host), &config->listen_port)) {
		snprintf(err, err_size, "GCSCP_LISTEN must be HOST:PORT");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_DB")) && *value && config_copy(config->db_url, sizeof(config->db_url), value)) {
		snprintf(err, err_size, "GCSCP_DB is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_SMTP_URL")) && *value &&
	    config_copy(config->smtp_url, sizeof(config->smtp_url), value)) {
		snprintf(err, err_size, "GCSCP_SMTP_URL is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_MAIL_FROM")) && *value &&
	    config_copy(config->mail_from, sizeof(config->mail_from), value)) {
		snprintf(err, err_size, "GCSCP_MAIL_FROM is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_DATA")) && *value &&
	    config_copy(config->data_dir, sizeof(config->data_dir), value)) {
		snprintf(err, err_size, "GCSCP_DATA is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_METRICS_LISTEN")) && *value &&
	    gc_config_parse_listen(value, config->metrics_host, sizeof(config->metrics_host),
				   &config->metrics_port)) {
		snprintf(err, err_size, "GCSCP_METRICS_LISTEN must be HOST:PORT");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_METRICS_TOKEN")) && *value &&
	    config_copy(config->metrics_token, sizeof(config->metrics_token), value)) {
		snprintf(err, err_size, "GCSCP_METRICS_TOKEN is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_BASE_URL")) && *value &&
	    config_copy(config->base_url, sizeof(config->base_url), value)) {
		snprintf(err, err_size, "GCSCP_BASE_URL is too long");
		return GC_EINVAL;
	}
	if ((value = getenv("GCSCP_THREADS")) && *value) {
		int64_t threads;
		if (gc_parse_i64(value, strlen(value), 0, 256, &threads) != GC_OK) {
			snprintf(err, err_size, "GCSCP_THREADS must be a number from 0 to 256");
			return GC_EINVAL;
		}
		config->threads = (unsigned)threads;
	}
	if ((value = getenv("GCSCP_MAX_UPLOAD_BYTES")) && *value) {
		int64_t bytes;
		/* From 64 KiB (a form's fields and a small file) to 1 GiB. */
		if (gc_parse_i64(value, strlen(value), 65536, (int64_t)1 << 30, &bytes) != GC_OK) {
			snprintf(err, err_size, "GCSCP_MAX_UPLOAD_BYTES must be a number from 65536 to 1073741824");
			return GC_EINVAL;
		}
		config->max_upload_bytes = (size_t)bytes;
	}
	return GC_OK;
}
