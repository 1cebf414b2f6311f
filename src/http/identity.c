/*
 * The HTTP side of identity (http/identity.h): the server's identity state,
 * resolving the caller, the route's access level, CSRF, and the helpers
 * handlers use to act as that caller.
 */
#include "http/identity.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mail.h"
#include "http/internal.h"
#include "modules/module.h"

/* The password hashed at start-up for unknown accounts (never accepted: it is random). */
#define DUMMY_PASSWORD_BYTES 32

struct gc_identity {
	struct gc_secrets *secrets;
	char dummy_hash[GC_PASSWORD_HASH_SIZE];
	sem_t password_slots;
	enum gc_password_cost cost;
};

gc_status gc_identity_new(const struct gc_config *config, struct gc_identity **out, char *err, size_t err_size)
{
	char dir[1024];
	*out = NULL;
	if (gc_secrets_dir(config->data_dir, dir, sizeof(dir)) != GC_OK) {
		snprintf(err, err_size, "the secrets directory's path is too long");
		return GC_ETOOBIG;
	}
	struct gc_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return GC_ENOMEM;
	id->cost = GC_PASSWORD_COST_INTERACTIVE;
	gc_status status = gc_secrets_load(dir, &id->secrets, err, err_size);
	if (status != GC_OK) {
		free(id);
		return status;
	}
	if ((status = gc_password_init()) != GC_OK) {
		snprintf(err, err_size, "the list of common passwords cannot be loaded: %s", gc_status_name(status));
		goto fail;
	}
	unsigned char random_password[DUMMY_PASSWORD_BYTES];
	char text[DUMMY_PASSWORD_BYTES * 2 + 1];
	randombytes_buf(random_password, sizeof(random_password));
	sodium_bin2hex(text, sizeof(text), random_password, sizeof(random_password));
	status = gc_password_hash(id->secrets, text, strlen(text), id->cost, id->dummy_hash);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(random_password, sizeof(random_password));
	if (status != GC_OK) {
		snprintf(err, err_size, "hashing the dummy password failed: %s", gc_status_name(status));
		goto fail;
	}
	if (sem_init(&id->password_slots, 0, GC_PASSWORD_CONCURRENCY) != 0) {
		snprintf(err, err_size, "sem_init: %s", strerror(errno));
		status = GC_EIO;
		goto fail;
	}
	*out = id;
	return GC_OK;
fail:
	gc_secrets_free(id->secrets);
	free(id);
	return status;
}

void gc_identity_free(struct gc_identity *id)
{
	if (!id)
		return;
	sem_destroy(&id->password_slots);
	gc_secrets_free(id->secrets);
	free(id);
}

/* --- resolving the caller ---------------------------------------------------- */

static const char *cookie_name(const struct gc_request *req)
{
	return req->server->config.insecure_cookies ? GC_SESSION_COOKIE_INSECURE : GC_SESSION_COOKIE;
}

gc_status gc_identity_resolve(struct gc_request *req, struct gc_http_error *err)
{
	const char *authorization = gc_header(req, "Authorization");
	int64_t now = gc_clock_now();
	if (authorization) {
		static const char scheme[] = "Bearer ";
		size_t n = sizeof(scheme) - 1;
		if (strncasecmp(authorization, scheme, n) != 0) {
			*err = (struct gc_http_error){ .status = 401, .code = "invalid_token" };
			return GC_EHTTP;
		}
		const char *token = authorization + n;
		while (*token == ' ')
			token++;
		struct gc_db *db = gc_request_db(req);
		if (!db) {
			*err = (struct gc_http_error){ .status = 503, .code = "unavailable" };
			return GC_EHTTP;
		}
		gc_status status = gc_token_resolve(db, token, now, req->arena, &req->principal, NULL);
		if (status == GC_ENOTFOUND) {
			*err = (struct gc_http_error){ .status = 401, .code = "invalid_token" };
			return GC_EHTTP;
		}
		return status;
	}
	const char *cookie = gc_cookie(req, cookie_name(req));
	if (!cookie)
		return GC_OK;
	struct gc_db *db = gc_request_db(req);
	if (!db) {
		*err = (struct gc_http_error){ .status = 503, .code = "unavailable" };
		return GC_EHTTP;
	}
	struct gc_session_info *info = gc_arena_alloc(req->arena, sizeof(*info));
	if (!info)
		return GC_ENOMEM;
	gc_status status = gc_session_resolve(db, cookie, now, req->arena, &req->principal, info);
	if (status == GC_ENOTFOUND) {
		/* A cookie naming no live session: forget it, and go on anonymous. */
		req->principal = NULL;
		return gc_req_clear_session_cookie(req);
	}
	if (status != GC_OK)
		return status;
	req->session = info;
	return GC_OK;
}

gc_status gc_identity_check_access(struct gc_request *req, enum gc_access access, struct gc_http_error *err,
				   const char **redirect)
{
	const struct gc_principal *p = req->principal;
	*redirect = NULL;
	bool allowed;
	switch (access) {
	case GC_ACCESS_PUBLIC:
		return GC_OK;
	case GC_ACCESS_SESSION:
		if (req->session)
			return GC_OK;
		if (p) {
			/* A bearer token: these steps belong to browsers. */
			*err = (struct gc_http_error){ .status = 403, .code = "forbidden" };
			return GC_EHTTP;
		}
		allowed = false;
		break;
	case GC_ACCESS_SIGNED_IN:
		allowed = p != NULL;
		break;
	case GC_ACCESS_STATE:
		if (p && !gc_principal_is_state(p)) {
			*err = (struct gc_http_error){ .status = 403, .code = "forbidden" };
			return GC_EHTTP;
		}
		allowed = p != NULL;
		break;
	case GC_ACCESS_SECRETARIAT:
		if (p && !gc_principal_is_secretariat(p)) {
			*err = (struct gc_http_error){ .status = 403, .code = "forbidden" };
			return GC_EHTTP;
		}
		allowed = p != NULL;
		break;
	default:
		allowed = false;
		break;
	}
	if (allowed)
		return GC_OK;
	/* Nobody (or a session still at its MFA step): a browser is sent to
	 * sign in and brought back; an API client gets 401. */
	if (!req->is_api && (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)) {
		if (req->session && !req->session->mfa_passed) {
			*redirect = "/login/mfa";
			return GC_OK;
		}
		struct gc_buf b;
		gc_buf_init(&b, GC_MAX_PATH_BYTES * 4);
		gc_buf_str_raw(&b, "/login?next=");
		const char *path = req->path ? req->path : "/";
		gc_buf_url_query(&b, path, strlen(path));
		*redirect = gc_buf_error(&b) ? "/login" : gc_arena_strndup(req->arena, b.data, b.len);
		gc_buf_free(&b);
		if (!*redirect)
			return GC_ENOMEM;
		return GC_OK;
	}
	*err = (struct gc_http_error){ .status = 401, .code = "unauthorized" };
	return GC_EHTTP;
}

bool gc_identity_csrf_ok(const struct gc_request *req, const char *given)
{
	const struct gc_session_info *s = req->session;
	if (!s)
		return true; /* no cookie session: nothing a foreign page could ride on */
	if (!given || !s->csrf_token)
		return false;
	size_t n = strlen(s->csrf_token);
	return strlen(given) == n && sodium_memcmp(given, s->csrf_token, n) == 0;
}

/* --- helpers for handlers ---------------------------------------------------- */

const struct gc_secrets *gc_req_secrets(const struct gc_request *req)
{
	return req->server->identity ? req->server->identity->secrets : NULL;
}

const struct gc_session_info *gc_req_session(const struct gc_request *req)
{
	return req->session;
}

static gc_status set_cookie(struct gc_request *req, const char *value, bool expire)
{
	bool insecure = req->server->config.insecure_cookies;
	char header[256];
	int n = snprintf(header, sizeof(header), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", cookie_name(req),
			 value, insecure ? "" : "; Secure", expire ? "; Max-Age=0" : "");
	if (n < 0 || (size_t)n >= sizeof(header))
		return GC_ETOOBIG;
	return gc_add_header(req, "Set-Cookie", header);
}

gc_status gc_req_set_session_cookie(struct gc_request *req, const char *token)
{
	if (!token || !gc_auth_token_well_formed(token, strlen(token)))
		return GC_EINVAL;
	gc_status status = set_cookie(req, token, false);
	if (status != GC_OK)
		return status;
	/* The rest of this request (the page's forms, their CSRF token) is
	 * the new session's. Read outside the caller's transaction too: a
	 * session not yet committed is not found, and the old one stays. */
	struct gc_db *db = gc_request_db(req);
	struct gc_session_info *info = db ? gc_arena_alloc(req->arena, sizeof(*info)) : NULL;
	struct gc_principal *principal = NULL;
	if (info && gc_session_resolve(db, token, gc_clock_now(), req->arena, &principal, info) == GC_OK) {
		req->session = info;
		req->principal = principal;
	}
	return GC_OK;
}

gc_status gc_req_clear_session_cookie(struct gc_request *req)
{
	return set_cookie(req, "", true);
}

gc_status gc_req_audit_as(struct gc_request *req, int64_t actor_user, int64_t actor_org, const char *action,
			  const char *target_type, const char *target_id, const json_t *detail)
{
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	struct gc_audit_entry entry = {
		.action = action,
		.actor_user = actor_user,
		.actor_org = actor_org,
		.client_ip = req->client_ip,
		.target_type = target_type,
		.target_id = target_id,
		.detail = detail,
	};
	return gc_audit_append(db, &entry, NULL);
}

gc_status gc_req_audit(struct gc_request *req, const char *action, const char *target_type, const char *target_id,
		       const json_t *detail)
{
	const struct gc_principal *p = req->principal;
	return gc_req_audit_as(req, p ? p->user_id : 0, p ? p->org_id : 0, action, target_type, target_id, detail);
}

gc_status gc_req_item_ctx(struct gc_request *req, struct gc_item_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->db = gc_request_db(req);
	if (!ctx->db)
		return GC_EHTTP;
	gc_status status = gc_policy_read_observers(ctx->db, &ctx->restricted_includes_observers);
	if (status != GC_OK)
		return status;
	ctx->principal = req->principal;
	ctx->client_ip = req->client_ip;
	return GC_OK;
}

gc_status gc_req_fail_status(struct gc_request *req, gc_status status, const char *field, const char *message_key)
{
	switch (status) {
	case GC_OK:
		return GC_OK;
	case GC_EHTTP:
		return GC_EHTTP;
	case GC_ENOTFOUND:
		return gc_fail(req, 404, "not_found", message_key ? message_key : "error.not_found", NULL);
	case GC_ECONFLICT:
		return gc_fail(req, 409, "conflict", message_key ? message_key : "error.conflict", field);
	case GC_EINVAL:
		return gc_fail(req, 422, "invalid_field", message_key ? message_key : "error.invalid_field", field);
	case GC_ETOOBIG:
		return gc_fail(req, 413, "payload_too_large", message_key ? message_key : "error.payload_too_large",
			       field);
	case GC_EBUSY:
		return gc_fail(req, 503, "unavailable", message_key ? message_key : "error.unavailable", NULL);
	default:
		return status;
	}
}

void gc_req_password_slot_take(struct gc_request *req)
{
	struct gc_identity *id = req->server->identity;
	while (id && sem_wait(&id->password_slots) != 0 && errno == EINTR)
		;
}

void gc_req_password_slot_give(struct gc_request *req)
{
	struct gc_identity *id = req->server->identity;
	if (id)
		sem_post(&id->password_slots);
}

gc_status gc_req_password_verify(struct gc_request *req, const char *stored, const char *password, size_t len)
{
	struct gc_identity *id = req->server->identity;
	if (!id)
		return GC_EINVAL;
	gc_req_password_slot_take(req);
	/* An unknown account costs the same Argon2 run and is always refused. */
	gc_status status = gc_password_verify(id->secrets, stored ? stored : id->dummy_hash, password, len);
	gc_req_password_slot_give(req);
	return stored ? status : GC_EINVAL;
}

enum gc_password_cost gc_req_password_cost(const struct gc_request *req)
{
	return req->server->identity ? req->server->identity->cost : GC_PASSWORD_COST_INTERACTIVE;
}

static const char *module_names[64];
static size_t module_count;
static pthread_once_t module_names_once = PTHREAD_ONCE_INIT;

static void fill_module_names(void)
{
	for (size_t i = 0; i < gc_module_count && module_count < sizeof(module_names) / sizeof(module_names[0]); i++)
		module_names[module_count++] = gc_modules[i]->name;
}

size_t gc_req_module_names(const char *const **names)
{
	pthread_once(&module_names_once, fill_module_names);
	*names = module_names;
	return module_count;
}

const char *gc_req_base_url(struct gc_request *req)
{
	const char *base = req->server->config.base_url;
	if (base[0])
		return base;
	const char *host = gc_header(req, "Host");
	bool host_ok = host && host[0] && strlen(host) < 256;
	for (const char *c = host; host_ok && *c; c++)
		host_ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			  strchr(".-:[]", *c);
	const char *scheme = req->server->config.insecure_cookies ? "http://" : "https://";
	char url[300];
	snprintf(url, sizeof(url), "%s%s", scheme, host_ok ? host : "localhost");
	return gc_arena_strdup(req->arena, url);
}

void gc_req_mail_invitation(struct gc_request *req, const char *email, const char *org_name, const char *url,
			    bool *sent)
{
	const struct gc_config *config = &req->server->config;
	*sent = false;
	if (!config->smtp_url[0])
		return;
	struct gc_buf text;
	gc_buf_init(&text, GC_MAIL_MAX_BODY);
	gc_buf_str_raw(&text, gc_req_tr(req, "mail.invitation_intro"));
	gc_buf_str_raw(&text, "\n\n    ");
	gc_buf_str_raw(&text, org_name ? org_name : "");
	gc_buf_str_raw(&text, "\n\n");
	gc_buf_str_raw(&text, gc_req_tr(req, "mail.invitation_link"));
	gc_buf_str_raw(&text, "\n\n    ");
	gc_buf_str_raw(&text, url);
	gc_buf_str_raw(&text, "\n\n");
	gc_buf_str_raw(&text, gc_req_tr(req, "mail.invitation_ignore"));
	gc_buf_str_raw(&text, "\n");
	char err[256] = "";
	gc_status status = gc_buf_error(&text);
	if (status == GC_OK) {
		struct gc_mail mail = {
			.smtp_url = config->smtp_url,
			.from = config->mail_from,
			.from_name = "GCSCP",
			.to = email,
			.subject = gc_req_tr(req, "mail.invitation_subject"),
			.text = text.data,
		};
		status = gc_mail_send(&mail, err, sizeof(err));
	}
	if (text.data)
		sodium_memzero(text.data, text.len);
	gc_buf_free(&text);
	if (status == GC_OK) {
		*sent = true;
		gc_log(GC_LOG_INFO, "invitation e-mailed", "{s:s}", "request_id", req->id);
	} else {
		gc_log(GC_LOG_WARN, "invitation e-mail failed", "{s:s, s:s, s:s}", "request_id", req->id, "status",
		       gc_status_name(status), "detail", err);
	}
}
