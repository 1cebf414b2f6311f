#include "auth/auth.h"

#include <stdio.h>

#include "auth/audit.h"

/*
 * Version 1: the schema described in auth/auth.h. The two texts differ only
 * in how an identity column is spelled; everything else is the portable
 * subset. Flags are INTEGER 0/1 (SQLite has no boolean and the store reads
 * both engines' integers alike). Foreign keys to users carry no ON DELETE:
 * users are disabled, never deleted, so their audit trail keeps meaning.
 * Indexes serve the queries of the layer: the throttle's window counts
 * (by account or address, then time), the purges (by time alone), and the
 * per-user lists and bulk ends of sessions and tokens.
 */
#define AUTH_V1(ID)                                                                                                \
	"ALTER TABLE organisations ADD COLUMN four_eyes INTEGER NOT NULL DEFAULT 0"                                \
	" CHECK (four_eyes IN (0, 1));"                                                                            \
	"ALTER TABLE organisations ADD COLUMN status TEXT NOT NULL DEFAULT 'active'"                               \
	" CHECK (status IN ('active', 'disabled'));"                                                               \
	"CREATE TABLE users ("                                                                                     \
	" id " ID ","                                                                                              \
	" org_id BIGINT NOT NULL REFERENCES organisations(id),"                                                    \
	" email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),"                                                \
	" name TEXT NULL,"                                                                                         \
	" role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'reader')),"                                       \
	" status TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'disabled')),"             \
	" password_hash TEXT NULL,"                                                                                \
	" totp_secret TEXT NULL,"                                                                                  \
	" totp_last_step BIGINT NOT NULL DEFAULT 0,"                                                               \
	" mfa_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0, 1)),"                                   \
	" module_limits TEXT NULL,"                                                                                \
	" created_at TEXT NOT NULL,"                                                                               \
	" updated_at TEXT NOT NULL,"                                                                               \
	" password_changed_at TEXT NULL);"                                                                         \
	"CREATE INDEX users_org ON users (org_id);"                                                                \
	"CREATE TABLE invitations ("                                                                               \
	" id " ID ","                                                                                              \
	" user_id BIGINT NOT NULL REFERENCES users(id),"                                                           \
	" token_hash TEXT NOT NULL UNIQUE,"                                                                        \
	" created_by BIGINT NULL REFERENCES users(id),"                                                            \
	" created_at BIGINT NOT NULL,"                                                                             \
	" expires_at BIGINT NOT NULL,"                                                                             \
	" used_at BIGINT NULL);"                                                                                   \
	"CREATE INDEX invitations_user ON invitations (user_id);"                                                  \
	"CREATE TABLE sessions ("                                                                                  \
	" id " ID ","                                                                                              \
	" user_id BIGINT NOT NULL REFERENCES users(id),"                                                           \
	" token_hash TEXT NOT NULL UNIQUE,"                                                                        \
	" csrf_token TEXT NOT NULL,"                                                                               \
	" mfa_passed INTEGER NOT NULL DEFAULT 0 CHECK (mfa_passed IN (0, 1)),"                                     \
	" created_at BIGINT NOT NULL,"                                                                             \
	" last_seen_at BIGINT NOT NULL,"                                                                           \
	" absolute_expires_at BIGINT NOT NULL,"                                                                    \
	" client_ip TEXT NULL,"                                                                                    \
	" user_agent TEXT NULL);"                                                                                  \
	"CREATE INDEX sessions_user ON sessions (user_id);"                                                        \
	"CREATE INDEX sessions_last_seen ON sessions (last_seen_at);"                                              \
	"CREATE INDEX sessions_absolute ON sessions (absolute_expires_at);"                                        \
	"CREATE TABLE api_tokens ("                                                                                \
	" id " ID ","                                                                                              \
	" user_id BIGINT NOT NULL REFERENCES users(id),"                                                           \
	" name TEXT NOT NULL,"                                                                                     \
	" token_hash TEXT NOT NULL UNIQUE,"                                                                        \
	" created_at BIGINT NOT NULL,"                                                                             \
	" expires_at BIGINT NULL,"                                                                                 \
	" revoked_at BIGINT NULL,"                                                                                 \
	" last_used_at BIGINT NULL);"                                                                              \
	"CREATE INDEX api_tokens_user ON api_tokens (user_id);"                                                    \
	"CREATE TABLE recovery_codes ("                                                                            \
	" id " ID ","                                                                                              \
	" user_id BIGINT NOT NULL REFERENCES users(id),"                                                           \
	" code_hash TEXT NOT NULL,"                                                                                \
	" used_at BIGINT NULL,"                                                                                    \
	" UNIQUE (user_id, code_hash));"                                                                           \
	"CREATE TABLE login_attempts ("                                                                            \
	" id " ID ","                                                                                              \
	" account_key TEXT NOT NULL,"                                                                              \
	" client_ip TEXT NOT NULL,"                                                                                \
	" at BIGINT NOT NULL,"                                                                                     \
	" succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)));"                                                \
	"CREATE INDEX login_attempts_account ON login_attempts (account_key, succeeded, at);"                      \
	"CREATE INDEX login_attempts_ip ON login_attempts (client_ip, succeeded, at);"                             \
	"CREATE INDEX login_attempts_at ON login_attempts (at);"

const struct gc_migration gc_auth_migrations[GC_AUTH_MIGRATION_COUNT] = {
	{ .version = 1,
	  .sql = AUTH_V1("INTEGER PRIMARY KEY"),
	  .sql_postgres = AUTH_V1("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") },
};

gc_status gc_auth_migrate(struct gc_db *db, char *err, size_t err_size)
{
	char detail[512] = "";
	gc_status status = gc_migrate_component(db, GC_AUDIT_COMPONENT, gc_audit_migrations, GC_AUDIT_MIGRATION_COUNT,
						detail, sizeof(detail));
	const char *component = GC_AUDIT_COMPONENT;
	if (status == GC_OK) {
		component = GC_AUTH_COMPONENT;
		status = gc_migrate_component(db, GC_AUTH_COMPONENT, gc_auth_migrations, GC_AUTH_MIGRATION_COUNT,
					      detail, sizeof(detail));
	}
	if (status != GC_OK && err && err_size)
		snprintf(err, err_size, "migrating %s: %s", component, detail[0] ? detail : gc_db_errmsg(db));
	return status;
}
