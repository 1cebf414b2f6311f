/*
 * The account module's routes. Each page has its /api/v1 twin unless
 * api_only. The limits on every field are the ACCOUNT_*_MAX of account.h;
 * the router refuses a form field over its bound (400), input.c a JSON
 * member (422). No field is "required" here: the handlers answer a missing
 * one with a 422 naming it, beside the field on the page.
 */
#include "modules/account/account.h"

#include "http/route.h"

static const char *const login_notices[] = { "password_set", NULL };
static const char *const account_notices[] = {
	"password_changed", "session_ended", "sessions_ended", "token_revoked", NULL,
};

static const struct gc_param_spec login_form_params[] = {
	{ .name = "next", .type = GC_PARAM_STRING, .max_len = ACCOUNT_NEXT_MAX },
	{ .name = "email", .type = GC_PARAM_STRING, .max_len = ACCOUNT_EMAIL_MAX },
	{ .name = "notice", .type = GC_PARAM_ENUM, .choices = login_notices },
	GC_PARAMS_END,
};

static const struct gc_param_spec login_params[] = {
	{ .name = "email", .type = GC_PARAM_STRING, .max_len = ACCOUNT_EMAIL_MAX },
	{ .name = "password", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	{ .name = "next", .type = GC_PARAM_STRING, .max_len = ACCOUNT_NEXT_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec mfa_form_params[] = {
	{ .name = "next", .type = GC_PARAM_STRING, .max_len = ACCOUNT_NEXT_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec mfa_params[] = {
	{ .name = "code", .type = GC_PARAM_STRING, .max_len = ACCOUNT_CODE_MAX },
	{ .name = "recovery_code", .type = GC_PARAM_STRING, .max_len = ACCOUNT_RECOVERY_MAX },
	{ .name = "next", .type = GC_PARAM_STRING, .max_len = ACCOUNT_NEXT_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec logout_params[] = {
	{ .name = "everywhere", .type = GC_PARAM_BOOL },
	GC_PARAMS_END,
};

static const struct gc_param_spec invitation_params[] = {
	{ .name = "password", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	{ .name = "password_confirm", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec enrol_params[] = {
	{ .name = "enrolment", .type = GC_PARAM_STRING, .max_len = ACCOUNT_ENROLMENT_MAX },
	{ .name = "code", .type = GC_PARAM_STRING, .max_len = ACCOUNT_CODE_MAX },
	{ .name = "current_password", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec overview_params[] = {
	{ .name = "notice", .type = GC_PARAM_ENUM, .choices = account_notices },
	GC_PARAMS_END,
};

static const struct gc_param_spec password_params[] = {
	{ .name = "current_password", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	{ .name = "new_password", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	{ .name = "new_password_confirm", .type = GC_PARAM_STRING, .max_len = ACCOUNT_PASSWORD_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec recovery_params[] = {
	{ .name = "code", .type = GC_PARAM_STRING, .max_len = ACCOUNT_CODE_MAX },
	GC_PARAMS_END,
};

static const struct gc_param_spec token_params[] = {
	{ .name = "name", .type = GC_PARAM_STRING, .max_len = ACCOUNT_TOKEN_NAME_MAX },
	{ .name = "expires_days", .type = GC_PARAM_INT, .min = 0, .max = GC_API_TOKEN_MAX_DAYS },
	GC_PARAMS_END,
};

/* Bodies: passwords are the largest fields; a few of them and the names fit in 32 KiB. */
#define ACCOUNT_MAX_BODY (32 * 1024)

static const struct gc_route account_routes[] = {
	{ .method = "GET", .pattern = "/login", .handler = account_login_form, .access = GC_ACCESS_PUBLIC,
	  .params = login_form_params, .name = "account.login_form" },
	{ .method = "POST", .pattern = "/login", .handler = account_login, .access = GC_ACCESS_PUBLIC,
	  .csrf = true, .params = login_params, .name = "account.login", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "GET", .pattern = "/login/mfa", .handler = account_mfa_form, .access = GC_ACCESS_SESSION,
	  .params = mfa_form_params, .name = "account.mfa_form" },
	{ .method = "POST", .pattern = "/login/mfa", .handler = account_mfa, .access = GC_ACCESS_SESSION,
	  .csrf = true, .params = mfa_params, .name = "account.mfa", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/logout", .handler = account_logout, .access = GC_ACCESS_SESSION,
	  .csrf = true, .params = logout_params, .name = "account.logout", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "GET", .pattern = "/invitations/{token}", .handler = account_invitation_form,
	  .access = GC_ACCESS_PUBLIC, .name = "account.invitation_form" },
	{ .method = "POST", .pattern = "/invitations/{token}", .handler = account_invitation_accept,
	  .access = GC_ACCESS_PUBLIC, .csrf = true, .params = invitation_params, .name = "account.invitation_accept",
	  .max_body = ACCOUNT_MAX_BODY },
	{ .method = "GET", .pattern = "/account/mfa/enrol", .handler = account_enrol_form,
	  .access = GC_ACCESS_SESSION, .name = "account.enrol_form" },
	{ .method = "POST", .pattern = "/account/mfa/enrol", .handler = account_enrol, .access = GC_ACCESS_SESSION,
	  .csrf = true, .params = enrol_params, .name = "account.enrol", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "GET", .pattern = "/account", .handler = account_overview, .access = GC_ACCESS_SIGNED_IN,
	  .params = overview_params, .name = "account.overview" },
	{ .method = "POST", .pattern = "/account/password", .handler = account_password_change,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = password_params, .name = "account.password",
	  .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/account/recovery-codes", .handler = account_recovery_renew,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = recovery_params, .name = "account.recovery_codes",
	  .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/account/sessions/{id}/end", .handler = account_session_end,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .name = "account.session_end", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/account/sessions/end-others", .handler = account_sessions_end_others,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .name = "account.sessions_end_others",
	  .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/account/tokens", .handler = account_token_create,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = token_params, .name = "account.token_create",
	  .max_body = ACCOUNT_MAX_BODY },
	{ .method = "POST", .pattern = "/account/tokens/{id}/revoke", .handler = account_token_revoke,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .name = "account.token_revoke", .max_body = ACCOUNT_MAX_BODY },
	{ .method = "GET", .pattern = "/me", .handler = account_me, .access = GC_ACCESS_SIGNED_IN, .name = "account.me",
	  .api_only = true },
};

const struct gc_module account_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = "account",
	.routes = account_routes,
	.n_routes = sizeof(account_routes) / sizeof(account_routes[0]),
};
