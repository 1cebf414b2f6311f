/*
 * The identity-and-access data layer (src/auth/auth.h): migrations,
 * organisations and users, invitations, sessions, API tokens, throttling,
 * the identity commands of the CLI, and that no secret is ever stored in
 * the clear (SECURITY.md A3-A6, L1, L2).
 *
 * Every case runs on SQLite (a file in a fresh directory) and, when
 * GCSCP_TEST_PG names a PostgreSQL server where we may create databases, on
 * PostgreSQL too: the run creates one database (dropped at the end) and each
 * case, a process of its own under Criterion, a schema of its own in it.
 *
 * Time is a parameter of every function under test, so the cases move it
 * (T0 and offsets from it) instead of sleeping.
 *
 *   tests/pg-cluster start /tmp/pg-authdata 55441
 *   GCSCP_TEST_PG=postgresql://postgres@127.0.0.1:55441/postgres build/tests/test_auth_data
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/totp.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/parse.h"
#include "base/random.h"
#include "cli/cli.h"
#include "store/store.h"

#define RUN_DB_ENV "GCSCP_TEST_AUTHDATA_PG_RUN"
/* A fixed moment (2030-03-17), far from any real clock. */
#define T0 INT64_C(1900000000)
#define DAY INT64_C(86400)
#define PASSWORD "tangerine orbit quietly ladders"

/* --- the per-run PostgreSQL database ----------------------------------------- */

static char pg_run_db[80];

/* base, a postgresql:// URL, with its path (the database) replaced by name. */
static void pg_url_for(const char *base, const char *name, char *out, size_t size)
{
	const char *authority = strstr(base, "://");
	authority = authority ? authority + 3 : base;
	size_t keep = strcspn(authority, "/?") + (size_t)(authority - base);
	const char *query = strchr(authority, '?');
	snprintf(out, size, "%.*s/%s%s", (int)keep, base, name, query ? query : "");
}

/* One administrative statement on a connection of its own. */
static bool pg_admin(const char *url, const char *sql)
{
	struct gc_pool *pool = NULL;
	struct gc_db *db = NULL;
	char err[512];
	bool done = false;
	if (gc_pool_open(url, NULL, 1, &pool, err, sizeof(err)) != GC_OK) {
		fprintf(stderr, "test_auth_data: %s\n", err);
		return false;
	}
	if (gc_pool_acquire(pool, 5000, &db) == GC_OK) {
		done = gc_db_exec_script(db, sql) == GC_OK;
		if (!done)
			fprintf(stderr, "test_auth_data: %s\n", gc_db_errmsg(db));
		gc_pool_release(pool, db);
	}
	gc_pool_close(pool);
	return done;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	const char *base = getenv("GCSCP_TEST_PG");
	char sql[160], url[1024];
	if (!base || !base[0])
		return;
	snprintf(pg_run_db, sizeof(pg_run_db), "gcscp_authdata_%ld_%lld", (long)getpid(), (long long)gc_clock_now());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", pg_run_db);
	if (!pg_admin(base, sql)) {
		pg_run_db[0] = '\0';
		return;
	}
	pg_url_for(base, pg_run_db, url, sizeof(url));
	setenv(RUN_DB_ENV, url, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	char sql[160];
	if (!pg_run_db[0])
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_run_db);
	(void)pg_admin(getenv("GCSCP_TEST_PG"), sql);
}

/* --- fixtures ------------------------------------------------------------------ */

struct fx {
	enum gc_db_engine engine;
	char root[64];          /* the data directory, secrets under it */
	struct gc_config config;
	struct gc_pool *pool;
	struct gc_db *db;
	struct gc_secrets *secrets;
	struct gc_arena *arena;
};

/* The case's directory, removed by the .fini hook even after a failed assertion. */
static char case_root[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_case_root(void)
{
	if (case_root[0])
		nftw(case_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	case_root[0] = '\0';
}

static void fx_open(struct fx *f, enum gc_db_engine engine)
{
	char err[512], secrets_dir[128];
	memset(f, 0, sizeof(*f));
	f->engine = engine;
	cr_assert_eq(gc_random_init(), GC_OK);
	snprintf(f->root, sizeof(f->root), "/tmp/gcscp-authdata-XXXXXX");
	cr_assert_not_null(mkdtemp(f->root), "mkdtemp: %s", strerror(errno));
	snprintf(case_root, sizeof(case_root), "%s", f->root);

	gc_config_defaults(&f->config);
	snprintf(f->config.data_dir, sizeof(f->config.data_dir), "%s", f->root);
	if (engine == GC_DB_SQLITE) {
		snprintf(f->config.db_url, sizeof(f->config.db_url), "sqlite:auth.db");
	} else {
		const char *run = getenv(RUN_DB_ENV);
		char schema[32], sql[64];
		if (!getenv("GCSCP_TEST_PG"))
			cr_skip_test("GCSCP_TEST_PG is not set");
		cr_assert_not_null(run, "the PostgreSQL test database could not be created");
		snprintf(schema, sizeof(schema), "c_%ld", (long)getpid());
		snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
		cr_assert(pg_admin(run, sql));
		snprintf(f->config.db_url, sizeof(f->config.db_url), "%s%soptions=-csearch_path%%3D%s", run,
			 strchr(run, '?') ? "&" : "?", schema);
	}
	/* The same path as the program: core, modules, then audit and auth. */
	cr_assert_eq(gc_cli_open_database(&f->config, 2, &f->pool), GC_OK);
	cr_assert_eq(gc_pool_acquire(f->pool, 5000, &f->db), GC_OK);
	cr_assert_eq(gc_auth_migrate(f->db, err, sizeof(err)), GC_OK, "%s", err);

	snprintf(secrets_dir, sizeof(secrets_dir), "%s/secrets", f->root);
	cr_assert_eq(gc_secrets_load(secrets_dir, &f->secrets, err, sizeof(err)), GC_OK, "%s", err);
	f->arena = gc_arena_new(4 << 20);
	cr_assert_not_null(f->arena);
}

static void fx_close(struct fx *f)
{
	gc_arena_free(f->arena);
	gc_secrets_free(f->secrets);
	gc_pool_release(f->pool, f->db);
	gc_pool_close(f->pool);
	remove_case_root();
}

/* Every case, once per engine. */
#define AUTH_TEST(name)                                                                                            \
	static void name##_case(struct fx *f);                                                                     \
	static void name##_run(enum gc_db_engine engine)                                                           \
	{                                                                                                          \
		struct fx f;                                                                                       \
		fx_open(&f, engine);                                                                               \
		name##_case(&f);                                                                                   \
		fx_close(&f);                                                                                      \
	}                                                                                                          \
	Test(sqlite, name, .fini = remove_case_root) { name##_run(GC_DB_SQLITE); }                                 \
	Test(postgres, name, .fini = remove_case_root) { name##_run(GC_DB_POSTGRES); }                             \
	static void name##_case(struct fx *f)

#define OK(expr) cr_assert_eq((expr), GC_OK, "%s: %s", #expr, gc_db_errmsg(f->db))

static void begin(struct fx *f)
{
	OK(gc_db_begin_write(f->db));
}

static void commit(struct fx *f)
{
	OK(gc_db_commit(f->db));
}

/* Runs a statement expected to fail inside its own transaction, rolled back
 * after, as the contract asks (PostgreSQL refuses the rest of a failed one). */
#define IN_TX_EXPECT(expected, expr)                                                                               \
	do {                                                                                                       \
		begin(f);                                                                                          \
		cr_assert_eq((expr), (expected), "%s", #expr);                                                     \
		gc_db_rollback(f->db);                                                                             \
	} while (0)

static int64_t count(struct fx *f, const char *sql, int64_t arg)
{
	int64_t n = -1;
	OK(gc_db_query_int(f->db, sql, GC_PARAMS(GC_INT(arg)), &n));
	return n;
}

static int64_t make_org(struct fx *f, enum gc_org_kind kind, const char *name, const char *country)
{
	struct gc_org_new org = { .kind = kind, .name = name, .country = country };
	int64_t id = 0;
	begin(f);
	OK(gc_org_create(f->db, &org, T0, &id, NULL));
	commit(f);
	return id;
}

static int64_t make_user(struct fx *f, int64_t org, const char *email, enum gc_role role)
{
	struct gc_user_new user = { .org_id = org, .email = email, .role = role };
	int64_t id = 0;
	begin(f);
	OK(gc_user_create(f->db, &user, T0, &id, NULL));
	commit(f);
	return id;
}

/* A user who has set a password, so may sign in. */
static int64_t make_active_user(struct fx *f, int64_t org, const char *email, enum gc_role role)
{
	const char *reason = NULL;
	int64_t id = make_user(f, org, email, role);
	begin(f);
	OK(gc_user_set_password(f->db, f->secrets, id, PASSWORD, strlen(PASSWORD), GC_PASSWORD_COST_MIN, 0, T0,
				&reason));
	commit(f);
	return id;
}

static int64_t make_session(struct fx *f, int64_t user, int64_t now, char token[GC_SESSION_TOKEN_SIZE],
			    struct gc_session_info *info)
{
	begin(f);
	OK(gc_session_create(f->db, user, "192.0.2.7", "Mozilla/5.0 (test)", now, f->arena, token, info));
	commit(f);
	return info ? info->id : 0;
}

static int64_t make_token(struct fx *f, int64_t user, int64_t days, int64_t now, char token[GC_API_TOKEN_SIZE])
{
	int64_t id = 0;
	begin(f);
	OK(gc_token_create(f->db, user, "harvester", days, now, token, &id));
	commit(f);
	return id;
}

/* Every row of every table the portal's identity lives in, as JSON text. */
static char *dump_tables(struct fx *f)
{
	static const char *const tables[] = {
		"organisations", "users", "invitations", "sessions", "api_tokens",
		"recovery_codes", "login_attempts", "audit_log", "audit_head", "settings",
	};
	struct gc_buf out;
	gc_buf_init(&out, 64 << 20);
	for (size_t i = 0; i < GC_ARRAY_LEN(tables); i++) {
		char sql[64];
		json_t *rows = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[i]);
		OK(gc_db_query(f->db, sql, GC_NO_PARAMS, &rows));
		char *text = json_dumps(rows, JSON_COMPACT);
		cr_assert_not_null(text);
		gc_buf_str_raw(&out, text);
		gc_buf_char(&out, '\n');
		free(text);
		json_decref(rows);
	}
	cr_assert_eq(gc_buf_error(&out), GC_OK);
	size_t len;
	return gc_buf_take(&out, &len);
}

/* The bytes of a file, NUL-terminated; an empty string when it is missing. */
static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	*len = 0;
	if (!fp)
		return calloc(1, 1);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	long size = ftell(fp);
	cr_assert(size >= 0);
	rewind(fp);
	char *data = malloc((size_t)size + 1);
	cr_assert_not_null(data);
	cr_assert_eq(fread(data, 1, (size_t)size, fp), (size_t)size);
	data[size] = '\0';
	fclose(fp);
	*len = (size_t)size;
	return data;
}

/* Whether n bytes at data hold needle (data may hold NULs). */
static bool bytes_contain(const char *data, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k && i + k <= n; i++)
		if (data[i] == needle[0] && memcmp(data + i, needle, k) == 0)
			return true;
	return false;
}

/*
 * Whether secret is stored anywhere: in any row of the identity tables, or
 * (SQLite) anywhere in the bytes of the database and its write-ahead log,
 * which also hold freed pages and old versions of rows.
 */
static bool stored_anywhere(struct fx *f, const char *secret)
{
	char *dump = dump_tables(f);
	bool found = strstr(dump, secret) != NULL;
	free(dump);
	if (f->engine == GC_DB_SQLITE) {
		static const char *const files[] = { "auth.db", "auth.db-wal", "auth.db-journal" };
		for (size_t i = 0; i < GC_ARRAY_LEN(files) && !found; i++) {
			char path[128];
			size_t len;
			snprintf(path, sizeof(path), "%s/%s", f->root, files[i]);
			char *bytes = read_file(path, &len);
			found = bytes_contain(bytes, len, secret);
			free(bytes);
		}
	}
	return found;
}

/* --- migrations ----------------------------------------------------------------- */

AUTH_TEST(migrations_apply)
{
	static const char *const tables[] = { "users", "invitations", "sessions", "api_tokens", "recovery_codes",
					      "login_attempts", "audit_log" };
	char err[256];
	int version = 0;
	OK(gc_migrate_current(f->db, GC_AUTH_COMPONENT, &version));
	cr_assert_eq(version, GC_AUTH_MIGRATION_COUNT);
	for (size_t i = 0; i < GC_ARRAY_LEN(tables); i++) {
		char sql[64];
		int64_t n = -1;
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) AS n FROM %s", tables[i]);
		OK(gc_db_query_int(f->db, sql, GC_NO_PARAMS, &n));
		cr_assert_eq(n, 0, "%s is not empty on a fresh install", tables[i]);
	}
	/* The columns added to the core's organisations, with their defaults. */
	OK(gc_db_exec(f->db, "INSERT INTO organisations (kind, name, created_at) VALUES ('un_body', 'B', 'x')",
		      GC_NO_PARAMS, NULL));
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT four_eyes, status FROM organisations WHERE name = 'B'", GC_NO_PARAMS, &row));
	cr_assert_eq(json_integer_value(json_object_get(row, "four_eyes")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "active");
	json_decref(row);
	/* The schema refuses what the code never writes. */
	cr_assert_neq(gc_db_exec(f->db, "UPDATE organisations SET status = 'gone' WHERE name = 'B'", GC_NO_PARAMS,
				 NULL),
		      GC_OK);
	/* Applying again changes nothing (A6: and still no account). */
	OK(gc_auth_migrate(f->db, err, sizeof(err)));
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM users WHERE id > ?", 0), 0);
}

/* --- organisations and users ------------------------------------------------------ */

AUTH_TEST(organisations_validated)
{
	const char *field = NULL;
	int64_t id = 0;
	struct gc_org_new org = { .kind = GC_ORG_MEMBER_STATE, .name = "Kenya, Ministry of Foreign Affairs",
				  .country = "ken", .four_eyes = true };

	/* Outside a transaction nothing is written. */
	cr_assert_eq(gc_org_create(f->db, &org, T0, &id, &field), GC_EINVAL);

	begin(f);
	OK(gc_org_create(f->db, &org, T0, &id, &field));
	commit(f);
	struct gc_org got;
	OK(gc_org_get(f->db, id, f->arena, &got));
	cr_assert_eq(got.kind, GC_ORG_MEMBER_STATE);
	cr_assert_str_eq(got.country, "KEN");
	cr_assert(got.four_eyes);
	cr_assert(got.active);
	cr_assert_str_eq(got.created_at, "2030-03-17T17:46:40Z");

	struct {
		struct gc_org_new org;
		gc_status status;
		const char *field;
	} bad[] = {
		{ { .kind = (enum gc_org_kind)42, .name = "X" }, GC_EINVAL, "kind" },
		{ { .kind = GC_ORG_MEMBER_STATE, .name = "X", .country = "XKX" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_MEMBER_STATE, .name = "X", .country = "PSE" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_OBSERVER_STATE, .name = "X", .country = "KEN" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_MEMBER_STATE, .name = "X" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_MEMBER_STATE, .name = "X", .country = "KE" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_MEMBER_STATE, .name = "X", .country = "K3N" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = "X", .country = "KEN" }, GC_EINVAL, "country" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = "" }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = NULL }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = " Padded" }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = "Two\nlines" }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = "Bidi \xe2\x80\xae trick" }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_STAKEHOLDER, .name = "Bad \xc3\x28 UTF-8" }, GC_EINVAL, "name" },
		{ { .kind = GC_ORG_UN_BODY, .name = "Kenya, Ministry of Foreign Affairs" }, GC_ECONFLICT, "name" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++) {
		field = NULL;
		IN_TX_EXPECT(bad[i].status, gc_org_create(f->db, &bad[i].org, T0, &id, &field));
		cr_assert_str_eq(field, bad[i].field, "case %zu", i);
	}
	char long_name[GC_ORG_NAME_MAX + 2];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct gc_org_new too_long = { .kind = GC_ORG_STAKEHOLDER, .name = long_name };
	IN_TX_EXPECT(GC_EINVAL, gc_org_create(f->db, &too_long, T0, &id, &field));
	long_name[GC_ORG_NAME_MAX] = '\0';
	make_org(f, GC_ORG_STAKEHOLDER, long_name, NULL);

	/* An observer state names an observer; several bodies may speak for one state. */
	make_org(f, GC_ORG_OBSERVER_STATE, "State of Palestine, Ministry of Foreign Affairs", "PSE");
	make_org(f, GC_ORG_MEMBER_STATE, "Kenya, National CERT", "KEN");

	json_t *rows = NULL;
	OK(gc_org_list(f->db, &rows));
	cr_assert_eq(json_array_size(rows), 4);
	json_t *first = json_array_get(rows, 0);
	cr_assert_str_eq(json_string_value(json_object_get(first, "name")), "Kenya, Ministry of Foreign Affairs");
	cr_assert(json_is_true(json_object_get(first, "four_eyes")));
	cr_assert(json_is_false(json_object_get(first, "demo")));
	json_decref(rows);
	cr_assert_eq(gc_org_get(f->db, 9999, f->arena, &got), GC_ENOTFOUND);
}

Test(email, accepted_and_lower_cased)
{
	struct {
		const char *in, *out;
	} good[] = {
		{ "Alice@Example.ORG", "alice@example.org" },
		{ "a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk" },
		{ "o'brien@xn--bcher-kva.example", "o'brien@xn--bcher-kva.example" },
		{ "x_y-z!#$%&*/=?^`{|}~@a-b.io", "x_y-z!#$%&*/=?^`{|}~@a-b.io" },
		{ "1@2.example", "1@2.example" },
	};
	char out[GC_EMAIL_MAX + 1];
	for (size_t i = 0; i < GC_ARRAY_LEN(good); i++) {
		cr_assert_eq(gc_email_normalise(good[i].in, out), GC_OK, "%s", good[i].in);
		cr_assert_str_eq(out, good[i].out);
	}

	/* The limits: 64 bytes of local part, 63 of a label, 254 in all. */
	char address[300];
	memset(address, 'l', 64);
	snprintf(address + 64, sizeof(address) - 64, "@example.org");
	cr_assert_eq(gc_email_normalise(address, out), GC_OK);
	memset(address, 'l', 65);
	snprintf(address + 65, sizeof(address) - 65, "@example.org");
	cr_assert_eq(gc_email_normalise(address, out), GC_EINVAL);

	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
	char *p = address;
	memset(p, 'a', 64), p += 64, *p++ = '@';
	memset(p, 'b', 63), p += 63, *p++ = '.';
	memset(p, 'c', 63), p += 63, *p++ = '.';
	memset(p, 'd', 61), p += 61, *p = '\0';
	cr_assert_eq(strlen(address), 254);
	cr_assert_eq(gc_email_normalise(address, out), GC_OK);
	p[0] = 'd', p[1] = '\0';
	cr_assert_eq(gc_email_normalise(address, out), GC_EINVAL, "255 bytes");

	char label[100];
	memset(label, 'x', 64);
	snprintf(label + 64, sizeof(label) - 64, ".org");
	snprintf(address, sizeof(address), "a@%s", label);
	cr_assert_eq(gc_email_normalise(address, out), GC_EINVAL, "a 64-byte label");
}

Test(email, refused)
{
	static const char *const bad[] = {
		"", "plain", "@example.org", "a@", "a@@b.org", "a@b@c.org", ".a@b.org", "a.@b.org", "a..b@c.org",
		"a b@c.org", "\"a b\"@c.org", "\"a\"@c.org", "a(comment)@c.org", "a@localhost", "a@-x.org",
		"a@x-.org", "a@x..org", "a@x.org.", "a@.x.org", "a@[192.0.2.1]", "a@192.0.2.1", "a@x_y.org",
		"a@b\xc3\xbc" "cher.example", "\xc3\xbc@x.org", "a\n@x.org", "a@x.org\n", "a@x.org ", " a@x.org",
		"a\t@x.org", "a@x.o\xe2\x80\xaerg", "a\\b@x.org", "a,b@x.org", "a;b@x.org", "a<b>@x.org",
		"a:b@x.org",
	};
	char out[GC_EMAIL_MAX + 1];
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++)
		cr_assert_eq(gc_email_normalise(bad[i], out), GC_EINVAL, "accepted: %s", bad[i]);
	cr_assert_eq(gc_email_normalise(NULL, out), GC_EINVAL);
}

AUTH_TEST(users_validated)
{
	int64_t org = make_org(f, GC_ORG_REGIONAL_ORG, "Regional Cyber Organisation", NULL);
	int64_t other = make_org(f, GC_ORG_UN_BODY, "UN Body", NULL);
	const char *field = NULL;
	int64_t id = 0;

	struct gc_user_new user = { .org_id = org, .email = "Ana.Silva@Example.ORG", .name = "Ana Silva",
				    .role = GC_ROLE_EDITOR };
	cr_assert_eq(gc_user_create(f->db, &user, T0, &id, &field), GC_EINVAL, "outside a transaction");
	begin(f);
	OK(gc_user_create(f->db, &user, T0, &id, &field));
	commit(f);

	struct gc_user got;
	OK(gc_user_find(f->db, "ANA.SILVA@example.org", f->arena, &got));
	cr_assert_eq(got.id, id);
	cr_assert_str_eq(got.email, "ana.silva@example.org");
	cr_assert_str_eq(got.name, "Ana Silva");
	cr_assert_eq(got.role, GC_ROLE_EDITOR);
	cr_assert_eq(got.status, GC_USER_INVITED);
	cr_assert_null(got.password_hash);
	cr_assert_eq(got.n_module_limits, 0);
	cr_assert_eq(gc_user_find(f->db, "not an address", f->arena, &got), GC_ENOTFOUND);
	cr_assert_eq(gc_user_find(f->db, "nobody@example.org", f->arena, &got), GC_ENOTFOUND);

	struct {
		struct gc_user_new user;
		gc_status status;
		const char *field;
	} bad[] = {
		{ { .org_id = other, .email = "ana.silva@EXAMPLE.org", .role = GC_ROLE_READER }, GC_ECONFLICT, "email" },
		{ { .org_id = org, .email = "ana@", .role = GC_ROLE_READER }, GC_EINVAL, "email" },
		{ { .org_id = org, .email = "ana@b\xc3\xbc" "cher.de", .role = GC_ROLE_READER }, GC_EINVAL, "email" },
		{ { .org_id = org, .email = NULL, .role = GC_ROLE_READER }, GC_EINVAL, "email" },
		{ { .org_id = org, .email = "b@example.org", .name = "", .role = GC_ROLE_READER }, GC_EINVAL, "name" },
		{ { .org_id = org, .email = "b@example.org", .role = (enum gc_role)7 }, GC_EINVAL, "role" },
		{ { .org_id = 9999, .email = "b@example.org", .role = GC_ROLE_READER }, GC_ENOTFOUND, "org" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++) {
		field = NULL;
		IN_TX_EXPECT(bad[i].status, gc_user_create(f->db, &bad[i].user, T0, &id, &field));
		cr_assert_str_eq(field, bad[i].field, "case %zu", i);
	}
	/* The schema holds the line too: no mixed-case address gets in by another path. */
	IN_TX_EXPECT(GC_EDB, gc_db_exec(f->db,
					"INSERT INTO users (org_id, email, role, created_at, updated_at)"
					" VALUES (?, 'Upper@example.org', 'reader', 'x', 'x')",
					GC_PARAMS(GC_INT(org)), NULL));

	/* A disabled organisation takes no new users. */
	begin(f);
	OK(gc_org_set_active(f->db, other, false, T0));
	commit(f);
	struct gc_user_new late = { .org_id = other, .email = "late@example.org", .role = GC_ROLE_READER };
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_create(f->db, &late, T0, &id, &field));

	json_t *rows = NULL;
	OK(gc_user_list(f->db, org, &rows));
	cr_assert_eq(json_array_size(rows), 1);
	json_t *row = json_array_get(rows, 0);
	cr_assert_null(json_object_get(row, "password_hash"));
	cr_assert_null(json_object_get(row, "totp_secret"));
	cr_assert(json_is_false(json_object_get(row, "mfa_enabled")));
	cr_assert(json_is_null(json_object_get(row, "module_limits")));
	json_decref(rows);

	cr_assert(gc_auth_mfa_required(GC_ORG_MEMBER_STATE));
	cr_assert(gc_auth_mfa_required(GC_ORG_OBSERVER_STATE));
	cr_assert(gc_auth_mfa_required(GC_ORG_SECRETARIAT));
	cr_assert_not(gc_auth_mfa_required(GC_ORG_UN_BODY));
	cr_assert_not(gc_auth_mfa_required(GC_ORG_REGIONAL_ORG));
	cr_assert_not(gc_auth_mfa_required(GC_ORG_STAKEHOLDER));
}

AUTH_TEST(module_limits_and_roles)
{
	static const char *const known[] = { "policies", "contacts", "exchange", "calendar" };
	int64_t org = make_org(f, GC_ORG_UN_BODY, "UN Institute", NULL);
	int64_t user = make_active_user(f, org, "editor@un.example", GC_ROLE_EDITOR);
	const char *limits[] = { "policies", "calendar" };

	begin(f);
	OK(gc_user_set_module_limits(f->db, user, limits, 2, known, GC_ARRAY_LEN(known), T0));
	commit(f);
	struct gc_principal *p = NULL;
	OK(gc_principal_load(f->db, user, f->arena, &p));
	cr_assert_eq(p->n_module_limits, 2);
	cr_assert_str_eq(p->module_limits[0], "policies");
	cr_assert_str_eq(p->module_limits[1], "calendar");
	cr_assert_eq(p->role, GC_ROLE_EDITOR);
	cr_assert_str_eq(p->org_name, "UN Institute");
	cr_assert_eq(p->org_kind, GC_ORG_UN_BODY);
	cr_assert_null(p->org_country);

	const char *unknown[] = { "policies", "weather" };
	const char *twice[] = { "policies", "policies" };
	const char *malformed[] = { "Policies" };
	IN_TX_EXPECT(GC_EINVAL, gc_user_set_module_limits(f->db, user, unknown, 2, known, 4, T0));
	IN_TX_EXPECT(GC_EINVAL, gc_user_set_module_limits(f->db, user, twice, 2, known, 4, T0));
	IN_TX_EXPECT(GC_EINVAL, gc_user_set_module_limits(f->db, user, malformed, 1, known, 4, T0));
	const char *many[GC_PRINCIPAL_MAX_MODULE_LIMITS + 1];
	for (size_t i = 0; i < GC_ARRAY_LEN(many); i++)
		many[i] = "policies";
	IN_TX_EXPECT(GC_ETOOBIG, gc_user_set_module_limits(f->db, user, many, GC_ARRAY_LEN(many), known, 4, T0));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_set_module_limits(f->db, 9999, limits, 2, known, 4, T0));

	/* No list: every module again. */
	begin(f);
	OK(gc_user_set_module_limits(f->db, user, NULL, 0, known, 4, T0));
	commit(f);
	OK(gc_principal_load(f->db, user, f->arena, &p));
	cr_assert_eq(p->n_module_limits, 0);

	/* Damage in the column resolves to nothing rather than to a guess. */
	OK(gc_db_exec(f->db, "UPDATE users SET module_limits = '{\"all\":1}' WHERE id = ?", GC_PARAMS(GC_INT(user)),
		      NULL));
	cr_assert_eq(gc_principal_load(f->db, user, f->arena, &p), GC_EDB);
	OK(gc_db_exec(f->db, "UPDATE users SET module_limits = NULL WHERE id = ?", GC_PARAMS(GC_INT(user)), NULL));

	/* A role change ends the user's sessions; a token acts with the new role at once. */
	char session[GC_SESSION_TOKEN_SIZE], token[GC_API_TOKEN_SIZE];
	make_session(f, user, T0, session, NULL);
	make_token(f, user, 0, T0, token);
	begin(f);
	OK(gc_user_set_role(f->db, user, GC_ROLE_ADMIN, T0));
	commit(f);
	cr_assert_eq(gc_session_resolve(f->db, session, T0 + 1, f->arena, &p, NULL), GC_ENOTFOUND);
	OK(gc_token_resolve(f->db, token, T0 + 1, f->arena, &p, NULL));
	cr_assert_eq(p->role, GC_ROLE_ADMIN);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_set_role(f->db, 9999, GC_ROLE_ADMIN, T0));
	IN_TX_EXPECT(GC_EINVAL, gc_user_set_role(f->db, user, (enum gc_role)9, T0));
}

AUTH_TEST(passwords)
{
	int64_t org = make_org(f, GC_ORG_REGIONAL_ORG, "Andean Cooperation Office", NULL);
	int64_t user = make_user(f, org, "marisol.quispe@andean.example", GC_ROLE_EDITOR);
	const char *reason = NULL;

	static const struct {
		const char *password;
		const char *reason;
	} refused[] = {
		{ "short one", "password.too_short" },
		{ "the gcscp portal password", "password.context" },
		{ "my cyber defence passphrase", "password.context" },
		{ "andean secretariat of mine", "password.context" },
		{ "hello marisol it is me again", "password.context" },
		{ "quispe family holiday 2026", "password.context" },
		{ "passwordpassword", "password.common" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(refused); i++) {
		begin(f);
		cr_assert_eq(gc_user_set_password(f->db, f->secrets, user, refused[i].password,
						  strlen(refused[i].password), GC_PASSWORD_COST_MIN, 0, T0, &reason),
			     GC_EINVAL, "accepted: %s", refused[i].password);
		cr_assert_str_eq(reason, refused[i].reason, "%s", refused[i].password);
		gc_db_rollback(f->db);
	}

	/* Setting one activates an invited user and ends every other session. */
	begin(f);
	OK(gc_user_set_password(f->db, f->secrets, user, PASSWORD, strlen(PASSWORD), GC_PASSWORD_COST_MIN, 0, T0,
				&reason));
	commit(f);
	struct gc_user got;
	OK(gc_user_get(f->db, user, f->arena, &got));
	cr_assert_eq(got.status, GC_USER_ACTIVE);
	cr_assert_not_null(got.password_hash);
	cr_assert_eq(strncmp(got.password_hash, "$argon2id$", 10), 0);
	cr_assert_str_eq(got.password_changed_at, "2030-03-17T17:46:40Z");
	OK(gc_password_verify(f->secrets, got.password_hash, PASSWORD, strlen(PASSWORD)));

	char keep[GC_SESSION_TOKEN_SIZE], drop[GC_SESSION_TOKEN_SIZE];
	struct gc_session_info kept;
	make_session(f, user, T0, keep, &kept);
	make_session(f, user, T0, drop, NULL);
	const char *next = "violet harbour engines at dawn";
	begin(f);
	OK(gc_user_set_password(f->db, f->secrets, user, next, strlen(next), GC_PASSWORD_COST_MIN, kept.id, T0 + 5,
				&reason));
	commit(f);
	cr_assert_eq(gc_session_resolve(f->db, keep, T0 + 10, f->arena, NULL, NULL), GC_OK);
	cr_assert_eq(gc_session_resolve(f->db, drop, T0 + 10, f->arena, NULL, NULL), GC_ENOTFOUND);

	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_set_password(f->db, f->secrets, 9999, next, strlen(next),
							 GC_PASSWORD_COST_MIN, 0, T0, &reason));
	begin(f);
	OK(gc_user_disable(f->db, user, T0));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_set_password(f->db, f->secrets, user, next, strlen(next),
							 GC_PASSWORD_COST_MIN, 0, T0, &reason));
	/* Re-enabled with a password: active again; nothing ended comes back. */
	begin(f);
	OK(gc_user_enable(f->db, user, T0));
	commit(f);
	OK(gc_user_get(f->db, user, f->arena, &got));
	cr_assert_eq(got.status, GC_USER_ACTIVE);
	cr_assert_eq(gc_session_resolve(f->db, keep, T0 + 10, f->arena, NULL, NULL), GC_ENOTFOUND);
}

/* --- invitations ------------------------------------------------------------------ */

AUTH_TEST(invitations_single_use_and_expiry)
{
	int64_t org = make_org(f, GC_ORG_SECRETARIAT, "UN Secretariat", NULL);
	int64_t user = make_user(f, org, "first.admin@un.example", GC_ROLE_ADMIN);
	char token[GC_INVITATION_TOKEN_SIZE];
	int64_t id = 0, who = 0;
	struct gc_invitation inv;

	cr_assert_eq(gc_invitation_create(f->db, user, 0, T0, token, &id), GC_EINVAL, "outside a transaction");
	begin(f);
	OK(gc_invitation_create(f->db, user, 0, T0, token, &id));
	commit(f);
	cr_assert_eq(strlen(token), GC_AUTH_TOKEN_CHARS);
	cr_assert(gc_auth_token_well_formed(token, strlen(token)));

	OK(gc_invitation_lookup(f->db, token, T0 + 60, f->arena, &inv));
	cr_assert_eq(inv.id, id);
	cr_assert_eq(inv.user_id, user);
	cr_assert_str_eq(inv.email, "first.admin@un.example");
	cr_assert_str_eq(inv.org_name, "UN Secretariat");
	cr_assert_eq(inv.user_status, GC_USER_INVITED);
	cr_assert_eq(inv.expires_at, T0 + GC_INVITATION_TTL_SECONDS);

	/* Only the hash is stored. */
	char hash[GC_AUTH_HASH_SIZE];
	gc_auth_token_hash(token, strlen(token), hash);
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM invitations WHERE id = ?", id), 1);
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT token_hash FROM invitations WHERE id = ?", GC_PARAMS(GC_INT(id)), &row));
	cr_assert_str_eq(json_string_value(json_object_get(row, "token_hash")), hash);
	json_decref(row);
	cr_assert_not(stored_anywhere(f, token));

	/* Used once; the second use, and every later look, find nothing. */
	begin(f);
	OK(gc_invitation_consume(f->db, token, T0 + 120, &who));
	commit(f);
	cr_assert_eq(who, user);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_invitation_consume(f->db, token, T0 + 121, &who));
	cr_assert_eq(gc_invitation_lookup(f->db, token, T0 + 121, f->arena, &inv), GC_ENOTFOUND);

	/* Unknown, malformed, used and expired answer alike. */
	char unknown[GC_INVITATION_TOKEN_SIZE];
	gc_auth_token_new(unknown);
	char expired[GC_INVITATION_TOKEN_SIZE];
	begin(f);
	OK(gc_invitation_create(f->db, user, 0, T0 - GC_INVITATION_TTL_SECONDS, expired, NULL));
	commit(f);
	const char *tokens[] = { unknown, token, expired, "", "short", "not/a/token/at/all/not/a/token/at/all/xxxx" };
	for (size_t i = 0; i < GC_ARRAY_LEN(tokens); i++) {
		memset(&inv, 0x5a, sizeof(inv));
		cr_assert_eq(gc_invitation_lookup(f->db, tokens[i], T0, f->arena, &inv), GC_ENOTFOUND, "%zu", i);
		cr_assert_eq(inv.id, (int64_t)0x5a5a5a5a5a5a5a5a, "nothing is filled in");
		IN_TX_EXPECT(GC_ENOTFOUND, gc_invitation_consume(f->db, tokens[i], T0, &who));
	}
	/* The last second of validity still works. */
	char edge[GC_INVITATION_TOKEN_SIZE];
	begin(f);
	OK(gc_invitation_create(f->db, user, 0, T0, edge, NULL));
	commit(f);
	OK(gc_invitation_lookup(f->db, edge, T0 + GC_INVITATION_TTL_SECONDS - 1, f->arena, &inv));
	cr_assert_eq(gc_invitation_lookup(f->db, edge, T0 + GC_INVITATION_TTL_SECONDS, f->arena, &inv),
		     GC_ENOTFOUND);

	/* A new invitation withdraws the unused one before it. */
	char second[GC_INVITATION_TOKEN_SIZE];
	begin(f);
	OK(gc_invitation_create(f->db, user, user, T0 + 10, second, NULL));
	commit(f);
	cr_assert_eq(gc_invitation_lookup(f->db, edge, T0 + 11, f->arena, &inv), GC_ENOTFOUND);
	OK(gc_invitation_lookup(f->db, second, T0 + 11, f->arena, &inv));

	/* Disabling the user withdraws it too, and no new one can be made. */
	begin(f);
	OK(gc_user_disable(f->db, user, T0 + 20));
	commit(f);
	cr_assert_eq(gc_invitation_lookup(f->db, second, T0 + 21, f->arena, &inv), GC_ENOTFOUND);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_invitation_create(f->db, user, 0, T0, token, NULL));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_invitation_create(f->db, 9999, 0, T0, token, NULL));

	struct gc_buf url;
	gc_buf_init(&url, 1024);
	OK(gc_invitation_url(&url, "https://cyber.example.org/", second));
	cr_assert_eq(strncmp(gc_buf_str(&url), "https://cyber.example.org/invitations/", 38), 0);
	cr_assert_str_eq(gc_buf_str(&url) + 38, second);
	gc_buf_reset(&url);
	cr_assert_eq(gc_invitation_url(&url, "javascript:alert(1)", second), GC_EINVAL);
	cr_assert_eq(gc_invitation_url(&url, "https://x.org/\"><b>", second), GC_EINVAL);
	cr_assert_eq(gc_invitation_url(&url, "https://x.org", "bad"), GC_EINVAL);
	gc_buf_free(&url);
}

AUTH_TEST(invitation_accept_flow)
{
	int64_t org = make_org(f, GC_ORG_STAKEHOLDER, "Open Internet Foundation", NULL);
	int64_t user = make_user(f, org, "rui@oif.example", GC_ROLE_READER);
	char token[GC_INVITATION_TOKEN_SIZE], api[GC_API_TOKEN_SIZE];
	const char *reason = NULL;
	int64_t who = 0;

	begin(f);
	OK(gc_invitation_create(f->db, user, 0, T0, token, NULL));
	commit(f);
	/* A refused password rolls back, and the link stays good. */
	begin(f);
	OK(gc_invitation_consume(f->db, token, T0 + 1, &who));
	cr_assert_eq(gc_user_set_password(f->db, f->secrets, who, "too short", 9, GC_PASSWORD_COST_MIN, 0, T0 + 1,
					  &reason),
		     GC_EINVAL);
	gc_db_rollback(f->db);
	struct gc_invitation inv;
	OK(gc_invitation_lookup(f->db, token, T0 + 2, f->arena, &inv));

	/* A reset of an active account ends its sessions and tokens. */
	make_token(f, user, 0, T0, api);
	begin(f);
	OK(gc_invitation_consume(f->db, token, T0 + 3, &who));
	OK(gc_user_set_password(f->db, f->secrets, who, PASSWORD, strlen(PASSWORD), GC_PASSWORD_COST_MIN, 0, T0 + 3,
				&reason));
	OK(gc_token_revoke_all(f->db, who, T0 + 3, NULL));
	commit(f);
	struct gc_principal *p = NULL;
	cr_assert_eq(gc_token_resolve(f->db, api, T0 + 4, f->arena, &p, NULL), GC_ENOTFOUND);
	OK(gc_principal_load(f->db, user, f->arena, &p));
	cr_assert_str_eq(p->email, "rui@oif.example");
}

/* --- sessions ----------------------------------------------------------------------- */

AUTH_TEST(session_resolves_principal)
{
	int64_t org = make_org(f, GC_ORG_STAKEHOLDER, "Academia Network", NULL);
	int64_t user = make_active_user(f, org, "prof@academia.example", GC_ROLE_EDITOR);
	char token[GC_SESSION_TOKEN_SIZE];
	struct gc_session_info info, seen;
	struct gc_principal *p = NULL;

	cr_assert_eq(gc_session_create(f->db, user, NULL, NULL, T0, f->arena, token, &info), GC_EINVAL,
		     "outside a transaction");
	make_session(f, user, T0, token, &info);
	cr_assert_eq(strlen(token), GC_AUTH_TOKEN_CHARS);
	cr_assert(info.mfa_passed, "a stakeholder needs no MFA");
	cr_assert_geq(strlen(info.csrf_token), 22, "128 bits or more");

	OK(gc_session_resolve(f->db, token, T0 + 1, f->arena, &p, &seen));
	cr_assert_not_null(p);
	cr_assert_eq(p->user_id, user);
	cr_assert_str_eq(p->email, "prof@academia.example");
	cr_assert_eq(p->role, GC_ROLE_EDITOR);
	cr_assert_eq(p->org_id, org);
	cr_assert_eq(p->org_kind, GC_ORG_STAKEHOLDER);
	cr_assert_eq(p->session_id, info.id);
	cr_assert_str_eq(p->csrf_token, info.csrf_token);
	cr_assert_not(p->via_token);
	cr_assert_eq(seen.id, info.id);
	cr_assert_eq(seen.user_id, user);

	/* The hash is stored, the token is not. */
	char hash[GC_AUTH_HASH_SIZE];
	gc_auth_token_hash(token, strlen(token), hash);
	json_t *row = NULL;
	OK(gc_db_query_one(f->db, "SELECT token_hash, client_ip, user_agent FROM sessions WHERE id = ?",
			   GC_PARAMS(GC_INT(info.id)), &row));
	cr_assert_str_eq(json_string_value(json_object_get(row, "token_hash")), hash);
	cr_assert_str_eq(json_string_value(json_object_get(row, "client_ip")), "192.0.2.7");
	json_decref(row);
	cr_assert_not(stored_anywhere(f, token));

	/* Any other token: nothing. */
	char wrong[GC_SESSION_TOKEN_SIZE];
	memcpy(wrong, token, sizeof(wrong));
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	cr_assert_eq(gc_session_resolve(f->db, wrong, T0 + 1, f->arena, &p, NULL), GC_ENOTFOUND);
	cr_assert_null(p);
	cr_assert_eq(gc_session_resolve(f->db, "", T0 + 1, f->arena, &p, NULL), GC_ENOTFOUND);
	cr_assert_eq(gc_session_resolve(f->db, NULL, T0 + 1, f->arena, &p, NULL), GC_ENOTFOUND);
	cr_assert_eq(gc_session_resolve(f->db, hash, T0 + 1, f->arena, &p, NULL), GC_ENOTFOUND, "the hash is no key");

	/* An invited user (no password yet) cannot have a session. */
	int64_t invited = make_user(f, org, "new@academia.example", GC_ROLE_READER);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_create(f->db, invited, NULL, NULL, T0, f->arena, token, NULL));

	/* Client text is kept only when acceptable, and cut. */
	char agent[600];
	memset(agent, 'a', sizeof(agent) - 1);
	agent[sizeof(agent) - 1] = '\0';
	char t2[GC_SESSION_TOKEN_SIZE];
	begin(f);
	OK(gc_session_create(f->db, user, "203.0.113.9\r\nX: y", agent, T0, f->arena, t2, &info));
	commit(f);
	OK(gc_db_query_one(f->db, "SELECT client_ip, user_agent FROM sessions WHERE id = ?", GC_PARAMS(GC_INT(info.id)),
			   &row));
	cr_assert(json_is_null(json_object_get(row, "client_ip")));
	cr_assert_eq(strlen(json_string_value(json_object_get(row, "user_agent"))), GC_SESSION_USER_AGENT_MAX);
	json_decref(row);
}

AUTH_TEST(session_timeouts)
{
	int64_t org = make_org(f, GC_ORG_UN_BODY, "UN Research Institute", NULL);
	int64_t user = make_active_user(f, org, "analyst@unri.example", GC_ROLE_READER);
	char token[GC_SESSION_TOKEN_SIZE];
	struct gc_session_info info;
	int64_t id = make_session(f, user, T0, token, &info);
	const char *last_seen = "SELECT last_seen_at FROM sessions WHERE id = ?";

	/* last_seen_at moves at most once a minute. */
	OK(gc_session_resolve(f->db, token, T0 + 30, f->arena, NULL, &info));
	cr_assert_eq(count(f, last_seen, id), T0);
	OK(gc_session_resolve(f->db, token, T0 + 59, f->arena, NULL, &info));
	cr_assert_eq(count(f, last_seen, id), T0);
	OK(gc_session_resolve(f->db, token, T0 + 60, f->arena, NULL, &info));
	cr_assert_eq(count(f, last_seen, id), T0 + 60);
	cr_assert_eq(info.last_seen_at, T0 + 60);

	/* Idle: 30 minutes after the last recorded request, and not a second before. */
	OK(gc_session_resolve(f->db, token, T0 + 60 + GC_SESSION_IDLE_SECONDS - 1, f->arena, NULL, &info));
	int64_t seen = T0 + 60 + GC_SESSION_IDLE_SECONDS - 1;
	cr_assert_eq(count(f, last_seen, id), seen);
	cr_assert_eq(gc_session_resolve(f->db, token, seen + GC_SESSION_IDLE_SECONDS, f->arena, NULL, &info),
		     GC_ENOTFOUND);
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM sessions WHERE id = ?", id), 0, "an idle session is removed");

	/* Absolute: 12 hours after login however busy the session is. */
	id = make_session(f, user, T0, token, &info);
	cr_assert_eq(info.absolute_expires_at, T0 + GC_SESSION_ABSOLUTE_SECONDS);
	int64_t t = T0;
	for (; t < T0 + GC_SESSION_ABSOLUTE_SECONDS; t += 20 * 60)
		OK(gc_session_resolve(f->db, token, t, f->arena, NULL, NULL));
	OK(gc_session_resolve(f->db, token, T0 + GC_SESSION_ABSOLUTE_SECONDS - 1, f->arena, NULL, NULL));
	cr_assert_eq(gc_session_resolve(f->db, token, T0 + GC_SESSION_ABSOLUTE_SECONDS, f->arena, NULL, NULL),
		     GC_ENOTFOUND);

	/* A login purges what has died meanwhile. */
	char old[GC_SESSION_TOKEN_SIZE];
	int64_t dead = make_session(f, user, T0, old, NULL);
	make_session(f, user, T0 + GC_SESSION_IDLE_SECONDS, token, NULL);
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM sessions WHERE id = ?", dead), 0);
}

AUTH_TEST(session_mfa_rotation)
{
	int64_t org = make_org(f, GC_ORG_MEMBER_STATE, "Estonia, Ministry of Foreign Affairs", "EST");
	int64_t user = make_active_user(f, org, "kadri@mfa.example", GC_ROLE_ADMIN);
	char token[GC_SESSION_TOKEN_SIZE], rotated[GC_SESSION_TOKEN_SIZE];
	struct gc_session_info info, seen;
	struct gc_principal *p = (struct gc_principal *)1;

	make_session(f, user, T0, token, &info);
	cr_assert_not(info.mfa_passed, "a member state requires MFA");
	cr_assert_not(info.mfa_enrolled);
	const char *csrf_before = info.csrf_token;

	/* Pending MFA: a session, but no principal. */
	OK(gc_session_resolve(f->db, token, T0 + 5, f->arena, &p, &seen));
	cr_assert_null(p);
	cr_assert_not(seen.mfa_passed);
	cr_assert_eq(seen.id, info.id);

	cr_assert_eq(gc_session_mark_mfa(f->db, info.id, T0 + 10, rotated), GC_EINVAL, "outside a transaction");
	begin(f);
	OK(gc_session_mark_mfa(f->db, info.id, T0 + 10, rotated));
	commit(f);
	cr_assert_str_neq(rotated, token);
	cr_assert_eq(gc_session_resolve(f->db, token, T0 + 11, f->arena, &p, NULL), GC_ENOTFOUND,
		     "the old token stopped working");
	OK(gc_session_resolve(f->db, rotated, T0 + 11, f->arena, &p, &seen));
	cr_assert_not_null(p);
	cr_assert(seen.mfa_passed);
	cr_assert_eq(seen.id, info.id);
	cr_assert_str_neq(seen.csrf_token, csrf_before, "a new CSRF token too");
	cr_assert_str_eq(p->org_country, "EST");
	cr_assert_eq(seen.absolute_expires_at, T0 + GC_SESSION_ABSOLUTE_SECONDS, "no extension of the absolute limit");

	/* Only once, and never for an expired session. */
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_mark_mfa(f->db, info.id, T0 + 12, token));
	char late[GC_SESSION_TOKEN_SIZE];
	make_session(f, user, T0, late, &info);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_mark_mfa(f->db, info.id, T0 + GC_SESSION_IDLE_SECONDS, token));

	/* With MFA enrolled a stakeholder's session waits for it too. */
	int64_t sh = make_org(f, GC_ORG_STAKEHOLDER, "Careful Company", NULL);
	int64_t careful = make_active_user(f, sh, "careful@company.example", GC_ROLE_READER);
	const char *codes[] = { "h1", "h2" };
	begin(f);
	OK(gc_user_mfa_enrol(f->db, careful, "sealed-seed-text", 5, codes, 2, T0));
	commit(f);
	make_session(f, careful, T0, token, &info);
	cr_assert_not(info.mfa_passed);
	cr_assert(info.mfa_enrolled);
}

AUTH_TEST(logout_and_disabling)
{
	int64_t org = make_org(f, GC_ORG_REGIONAL_ORG, "Pacific Cyber Forum", NULL);
	int64_t user = make_active_user(f, org, "tala@pcf.example", GC_ROLE_ADMIN);
	int64_t other = make_active_user(f, org, "sione@pcf.example", GC_ROLE_READER);
	char a[GC_SESSION_TOKEN_SIZE], b[GC_SESSION_TOKEN_SIZE], c[GC_SESSION_TOKEN_SIZE], o[GC_SESSION_TOKEN_SIZE];
	char api[GC_API_TOKEN_SIZE];
	struct gc_session_info ia, ib, ic;

	make_session(f, user, T0, a, &ia);
	make_session(f, user, T0 + 1, b, &ib);
	make_session(f, user, T0 + 2, c, &ic);
	make_session(f, other, T0, o, NULL);

	json_t *rows = NULL;
	OK(gc_session_list(f->db, user, T0 + 3, &rows));
	cr_assert_eq(json_array_size(rows), 3);
	json_t *newest = json_array_get(rows, 0);
	cr_assert_eq(json_integer_value(json_object_get(newest, "id")), ic.id);
	cr_assert_null(json_object_get(newest, "token_hash"));
	cr_assert_null(json_object_get(newest, "csrf_token"));
	cr_assert_str_eq(json_string_value(json_object_get(newest, "user_agent")), "Mozilla/5.0 (test)");
	char iso[32];
	gc_clock_format_iso8601(T0 + 2 + GC_SESSION_IDLE_SECONDS, iso, sizeof(iso));
	cr_assert_str_eq(json_string_value(json_object_get(newest, "expires_at")), iso);
	cr_assert(json_is_true(json_object_get(newest, "mfa_passed")));
	json_decref(rows);

	/* Logout of one; someone else's session cannot be ended by id. */
	begin(f);
	OK(gc_session_end(f->db, user, ia.id));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_end(f->db, other, ib.id));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_end(f->db, user, ia.id));
	cr_assert_eq(gc_session_resolve(f->db, a, T0 + 4, f->arena, NULL, NULL), GC_ENOTFOUND);
	OK(gc_session_resolve(f->db, b, T0 + 4, f->arena, NULL, NULL));

	/* Logout everywhere but here. */
	int64_t ended = 0;
	begin(f);
	OK(gc_session_end_all(f->db, user, ic.id, &ended));
	commit(f);
	cr_assert_eq(ended, 1);
	cr_assert_eq(gc_session_resolve(f->db, b, T0 + 5, f->arena, NULL, NULL), GC_ENOTFOUND);
	OK(gc_session_resolve(f->db, c, T0 + 5, f->arena, NULL, NULL));
	OK(gc_session_resolve(f->db, o, T0 + 5, f->arena, NULL, NULL));

	/* Disabling a user ends sessions and tokens at once. */
	make_token(f, user, 0, T0, api);
	begin(f);
	OK(gc_user_disable(f->db, user, T0 + 6));
	commit(f);
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?", user), 0);
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL", user), 0);
	cr_assert_eq(gc_session_resolve(f->db, c, T0 + 7, f->arena, NULL, NULL), GC_ENOTFOUND);
	struct gc_principal *p = NULL;
	cr_assert_eq(gc_token_resolve(f->db, api, T0 + 7, f->arena, &p, NULL), GC_ENOTFOUND);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_create(f->db, user, NULL, NULL, T0 + 7, f->arena, a, NULL));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_disable(f->db, 9999, T0));
	/* Even if a row survived (say, written by a racing request), a disabled user resolves to nothing. */
	OK(gc_db_exec(f->db, "UPDATE users SET status = 'disabled' WHERE id = ?", GC_PARAMS(GC_INT(other)), NULL));
	cr_assert_eq(gc_session_resolve(f->db, o, T0 + 8, f->arena, NULL, NULL), GC_ENOTFOUND);
	OK(gc_db_exec(f->db, "UPDATE users SET status = 'active' WHERE id = ?", GC_PARAMS(GC_INT(other)), NULL));
	OK(gc_session_resolve(f->db, o, T0 + 8, f->arena, NULL, NULL));

	/* Disabling the organisation ends its users' sessions and tokens, and blocks resolving. */
	make_session(f, other, T0 + 9, o, NULL);
	make_token(f, other, 0, T0, api);
	OK(gc_session_resolve(f->db, o, T0 + 10, f->arena, NULL, NULL));
	begin(f);
	OK(gc_org_set_active(f->db, org, false, T0 + 11));
	commit(f);
	cr_assert_eq(gc_session_resolve(f->db, o, T0 + 12, f->arena, NULL, NULL), GC_ENOTFOUND);
	cr_assert_eq(gc_token_resolve(f->db, api, T0 + 12, f->arena, &p, NULL), GC_ENOTFOUND);
	begin(f);
	OK(gc_org_set_active(f->db, org, true, T0 + 13));
	commit(f);
	cr_assert_eq(gc_token_resolve(f->db, api, T0 + 14, f->arena, &p, NULL), GC_ENOTFOUND, "nothing comes back");
	IN_TX_EXPECT(GC_ENOTFOUND, gc_org_set_active(f->db, 9999, false, T0));
	/* A session created while the organisation is disabled is refused too. */
	begin(f);
	OK(gc_org_set_active(f->db, org, false, T0 + 15));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_session_create(f->db, other, NULL, NULL, T0 + 16, f->arena, a, NULL));
	begin(f);
	OK(gc_org_set_four_eyes(f->db, org, true, T0));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_org_set_four_eyes(f->db, 9999, true, T0));
}

/* --- API tokens ----------------------------------------------------------------- */

AUTH_TEST(api_tokens)
{
	int64_t state = make_org(f, GC_ORG_MEMBER_STATE, "Singapore, Cyber Security Agency", "SGP");
	int64_t owner = make_active_user(f, state, "wei@csa.example", GC_ROLE_EDITOR);
	char token[GC_API_TOKEN_SIZE];
	int64_t id = 0, token_id = 0;
	struct gc_principal *p = NULL;

	cr_assert_eq(gc_token_create(f->db, owner, "x", 0, T0, token, &id), GC_EINVAL, "outside a transaction");
	IN_TX_EXPECT(GC_EINVAL, gc_token_create(f->db, owner, "", 0, T0, token, &id));
	IN_TX_EXPECT(GC_EINVAL, gc_token_create(f->db, owner, NULL, 0, T0, token, &id));
	IN_TX_EXPECT(GC_EINVAL, gc_token_create(f->db, owner, "two\nlines", 0, T0, token, &id));
	IN_TX_EXPECT(GC_EINVAL, gc_token_create(f->db, owner, "x", -1, T0, token, &id));
	IN_TX_EXPECT(GC_EINVAL, gc_token_create(f->db, owner, "x", GC_API_TOKEN_MAX_DAYS + 1, T0, token, &id));
	char name[GC_API_TOKEN_NAME_MAX * 2 + 1];
	for (size_t i = 0; i < GC_API_TOKEN_NAME_MAX; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[2 * GC_API_TOKEN_NAME_MAX] = '\0';
	begin(f);
	OK(gc_token_create(f->db, owner, name, GC_API_TOKEN_MAX_DAYS, T0, token, &id));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_token_create(f->db, 9999, "x", 0, T0, token, &id));

	/* Expiry in days, to the second. */
	int64_t day_token = make_token(f, owner, 1, T0, token);
	cr_assert_eq(strncmp(token, "gcscp_", 6), 0);
	cr_assert_eq(strlen(token), 6 + GC_AUTH_TOKEN_CHARS);
	OK(gc_token_resolve(f->db, token, T0 + DAY - 1, f->arena, &p, &token_id));
	cr_assert_eq(token_id, day_token);
	cr_assert(p->via_token);
	cr_assert_eq(p->session_id, 0);
	cr_assert_null(p->csrf_token);
	cr_assert_eq(p->user_id, owner);
	cr_assert_eq(p->org_kind, GC_ORG_MEMBER_STATE);
	cr_assert_eq(gc_token_resolve(f->db, token, T0 + DAY, f->arena, &p, NULL), GC_ENOTFOUND);
	cr_assert_null(p);

	/* last_used_at moves at most once a minute. */
	char forever[GC_API_TOKEN_SIZE];
	int64_t forever_id = make_token(f, owner, 0, T0, forever);
	const char *used = "SELECT last_used_at FROM api_tokens WHERE id = ?";
	int64_t n = -1;
	cr_assert_eq(gc_db_query_int(f->db, used, GC_PARAMS(GC_INT(forever_id)), &n), GC_ENOTFOUND, "never used");
	OK(gc_token_resolve(f->db, forever, T0 + 100, f->arena, &p, NULL));
	cr_assert_eq(count(f, used, forever_id), T0 + 100);
	OK(gc_token_resolve(f->db, forever, T0 + 159, f->arena, &p, NULL));
	cr_assert_eq(count(f, used, forever_id), T0 + 100);
	OK(gc_token_resolve(f->db, forever, T0 + 160, f->arena, &p, NULL));
	cr_assert_eq(count(f, used, forever_id), T0 + 160);
	OK(gc_token_resolve(f->db, forever, T0 + 400 * DAY, f->arena, &p, NULL));

	/* Wrong and malformed tokens. */
	char wrong[GC_API_TOKEN_SIZE];
	memcpy(wrong, forever, sizeof(wrong));
	wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
	const char *bad[] = { wrong, "", "gcscp_", forever + 6, "Bearer gcscp_x", "GCSCP_AAAA" };
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++)
		cr_assert_eq(gc_token_resolve(f->db, bad[i], T0, f->arena, &p, NULL), GC_ENOTFOUND, "%zu", i);
	cr_assert_eq(gc_token_resolve(f->db, NULL, T0, f->arena, &p, NULL), GC_ENOTFOUND);

	/* Only hashes in the table. */
	json_t *rows = NULL;
	OK(gc_db_query(f->db, "SELECT * FROM api_tokens", GC_NO_PARAMS, &rows));
	char *text = json_dumps(rows, 0);
	cr_assert_null(strstr(text, forever));
	cr_assert_null(strstr(text, forever + 6));
	char hash[GC_AUTH_HASH_SIZE];
	gc_auth_token_hash(forever, strlen(forever), hash);
	cr_assert_not_null(strstr(text, hash));
	free(text);
	json_decref(rows);
	cr_assert_not(stored_anywhere(f, forever + 6));

	/* The list shows states, never the token or its hash. */
	OK(gc_token_list(f->db, owner, T0 + 2 * DAY, &rows));
	cr_assert_eq(json_array_size(rows), 3);
	json_t *row;
	size_t i;
	json_array_foreach(rows, i, row) {
		cr_assert_null(json_object_get(row, "token_hash"));
		int64_t rid = json_integer_value(json_object_get(row, "id"));
		const char *st = json_string_value(json_object_get(row, "state"));
		cr_assert_str_eq(st, rid == day_token ? "expired" : "active");
	}
	cr_assert(json_is_string(json_object_get(json_array_get(rows, 0), "created_at")));
	json_decref(rows);

	/* Revocation: owner, the organisation's admin, a Secretariat admin; nobody else. */
	int64_t admin = make_active_user(f, state, "admin@csa.example", GC_ROLE_ADMIN);
	int64_t colleague = make_active_user(f, state, "colleague@csa.example", GC_ROLE_EDITOR);
	int64_t other_state = make_org(f, GC_ORG_MEMBER_STATE, "France, Ministry for Europe", "FRA");
	int64_t foreign_admin = make_active_user(f, other_state, "admin@fr.example", GC_ROLE_ADMIN);
	int64_t secretariat = make_org(f, GC_ORG_SECRETARIAT, "UNODA", NULL);
	int64_t sec_admin = make_active_user(f, secretariat, "admin@unoda.example", GC_ROLE_ADMIN);
	int64_t sec_reviewer = make_active_user(f, secretariat, "reviewer@unoda.example", GC_ROLE_EDITOR);
	struct gc_principal *who[7];
	int64_t ids[] = { owner, admin, colleague, foreign_admin, sec_admin, sec_reviewer };
	for (size_t k = 0; k < GC_ARRAY_LEN(ids); k++)
		OK(gc_principal_load(f->db, ids[k], f->arena, &who[k]));
	struct {
		struct gc_principal *actor;
		gc_status status;
	} cases[] = {
		{ NULL, GC_ENOTFOUND },   { who[2], GC_ENOTFOUND }, { who[3], GC_ENOTFOUND },
		{ who[5], GC_ENOTFOUND }, { who[0], GC_OK },        { who[1], GC_OK },
		{ who[4], GC_OK },
	};
	for (size_t k = 0; k < GC_ARRAY_LEN(cases); k++) {
		char t[GC_API_TOKEN_SIZE];
		int64_t tid = make_token(f, owner, 0, T0, t);
		int64_t whose = 0;
		begin(f);
		gc_status st = gc_token_revoke(f->db, cases[k].actor, tid, T0 + 10, &whose);
		cr_assert_eq(st, cases[k].status, "case %zu", k);
		if (st == GC_OK) {
			commit(f);
			cr_assert_eq(whose, owner);
			cr_assert_eq(gc_token_resolve(f->db, t, T0 + 11, f->arena, &p, NULL), GC_ENOTFOUND);
			IN_TX_EXPECT(GC_ECONFLICT, gc_token_revoke(f->db, cases[k].actor, tid, T0 + 12, NULL));
		} else {
			gc_db_rollback(f->db);
			OK(gc_token_resolve(f->db, t, T0 + 11, f->arena, &p, NULL));
		}
	}
	IN_TX_EXPECT(GC_ENOTFOUND, gc_token_revoke(f->db, who[0], 9999, T0, NULL));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_token_revoke_as_operator(f->db, 9999, T0, NULL));
	cr_assert_eq(gc_token_revoke_as_operator(f->db, forever_id, T0, NULL), GC_EINVAL, "outside a transaction");
	begin(f);
	OK(gc_token_revoke_as_operator(f->db, forever_id, T0 + 20, NULL));
	commit(f);
	cr_assert_eq(gc_token_resolve(f->db, forever, T0 + 21, f->arena, &p, NULL), GC_ENOTFOUND);

	/* An invited user's token works (automation accounts); a disabled one's does not. */
	int64_t robot = make_user(f, state, "harvester@csa.example", GC_ROLE_READER);
	char rt[GC_API_TOKEN_SIZE];
	make_token(f, robot, 0, T0, rt);
	OK(gc_token_resolve(f->db, rt, T0 + 1, f->arena, &p, NULL));
	cr_assert_eq(p->user_id, robot);
}

/* --- throttling ------------------------------------------------------------------- */

AUTH_TEST(throttle)
{
	char key[GC_THROTTLE_KEY_SIZE], same[GC_THROTTLE_KEY_SIZE], other[GC_THROTTLE_KEY_SIZE];
	int64_t retry = -1;
	const char *ip = "198.51.100.4";

	gc_throttle_account_key(f->secrets, "Person@Example.ORG", key);
	gc_throttle_account_key(f->secrets, "person@example.org", same);
	gc_throttle_account_key(f->secrets, "someone@example.org", other);
	cr_assert_str_eq(key, same, "the key ignores case");
	cr_assert_str_neq(key, other);
	cr_assert_eq(strlen(key), 64);

	/* Five failures are allowed; then the account waits for the oldest to leave the window. */
	for (int i = 0; i < GC_THROTTLE_ACCOUNT_FAILURES; i++) {
		OK(gc_throttle_check(f->db, key, ip, T0 + 10 * i, &retry));
		cr_assert_eq(retry, 0);
		OK(gc_throttle_record(f->db, key, ip, false, T0 + 10 * i));
	}
	cr_assert_eq(gc_throttle_check(f->db, key, ip, T0 + 50, &retry), GC_EBUSY);
	cr_assert_eq(retry, GC_THROTTLE_WINDOW_SECONDS - 50);
	/* From any address: the limit is the account's. */
	cr_assert_eq(gc_throttle_check(f->db, key, "203.0.113.1", T0 + 50, &retry), GC_EBUSY);
	/* Other accounts from the same address are not held back by it. */
	OK(gc_throttle_check(f->db, other, ip, T0 + 50, &retry));
	cr_assert_eq(gc_throttle_check(f->db, key, ip, T0 + GC_THROTTLE_WINDOW_SECONDS - 1, &retry), GC_EBUSY);
	cr_assert_eq(retry, 1);

	/* The window slides: the failure at T0 leaves at T0 + 900. */
	OK(gc_throttle_check(f->db, key, ip, T0 + GC_THROTTLE_WINDOW_SECONDS, &retry));
	OK(gc_throttle_record(f->db, key, ip, false, T0 + GC_THROTTLE_WINDOW_SECONDS));
	cr_assert_eq(gc_throttle_check(f->db, key, ip, T0 + GC_THROTTLE_WINDOW_SECONDS + 1, &retry), GC_EBUSY);
	cr_assert_eq(retry, 9, "until the failure at T0 + 10 leaves");

	/* A success clears the failures before it. */
	int64_t t = T0 + GC_THROTTLE_WINDOW_SECONDS + 10;
	OK(gc_throttle_check(f->db, key, ip, t, &retry));
	OK(gc_throttle_record(f->db, key, ip, true, t));
	OK(gc_throttle_check(f->db, key, ip, t, &retry));
	cr_assert_eq(retry, 0);
	for (int i = 0; i < GC_THROTTLE_ACCOUNT_FAILURES - 1; i++)
		OK(gc_throttle_record(f->db, key, ip, false, t));
	/* Four failures since the success: still allowed. */
	OK(gc_throttle_check(f->db, key, ip, t, &retry));
	OK(gc_throttle_record(f->db, key, ip, false, t));
	cr_assert_eq(gc_throttle_check(f->db, key, ip, t, &retry), GC_EBUSY, "five, in the same second as the success");
	cr_assert_eq(retry, GC_THROTTLE_WINDOW_SECONDS);

	/* Twenty failures from one address, each for a different account. */
	const char *ip2 = "192.0.2.200";
	int64_t t1 = T0 + 3600;
	for (int i = 0; i < GC_THROTTLE_IP_FAILURES; i++) {
		char address[64], k[GC_THROTTLE_KEY_SIZE];
		snprintf(address, sizeof(address), "guess%d@example.org", i);
		gc_throttle_account_key(f->secrets, address, k);
		OK(gc_throttle_check(f->db, k, ip2, t1 + i, &retry));
		OK(gc_throttle_record(f->db, k, ip2, false, t1 + i));
	}
	char fresh[GC_THROTTLE_KEY_SIZE];
	gc_throttle_account_key(f->secrets, "fresh@example.org", fresh);
	cr_assert_eq(gc_throttle_check(f->db, fresh, ip2, t1 + 100, &retry), GC_EBUSY);
	cr_assert_eq(retry, GC_THROTTLE_WINDOW_SECONDS - 100);
	OK(gc_throttle_check(f->db, fresh, "192.0.2.201", t1 + 100, &retry));
	/* A success from the address does not reset it (else one valid account would unlock guessing). */
	OK(gc_throttle_record(f->db, fresh, ip2, true, t1 + 101));
	cr_assert_eq(gc_throttle_check(f->db, fresh, ip2, t1 + 102, &retry), GC_EBUSY);
	/* Both limits at once: the longer wait wins. */
	for (int i = 0; i < GC_THROTTLE_ACCOUNT_FAILURES; i++)
		OK(gc_throttle_record(f->db, fresh, "192.0.2.202", false, t1 + 500));
	cr_assert_eq(gc_throttle_check(f->db, fresh, ip2, t1 + 600, &retry), GC_EBUSY);
	cr_assert_eq(retry, 500 + GC_THROTTLE_WINDOW_SECONDS - 600, "the account's wait is longer than the address's");
	OK(gc_throttle_check(f->db, fresh, ip2, t1 + 500 + GC_THROTTLE_WINDOW_SECONDS, &retry));

	/* Purged after a day; the table never names anyone. */
	int64_t before = count(f, "SELECT COUNT(*) AS n FROM login_attempts WHERE at < ?", t1);
	cr_assert_gt(before, 0);
	OK(gc_throttle_record(f->db, key, ip, false, t1 + 2 * DAY));
	cr_assert_eq(count(f, "SELECT COUNT(*) AS n FROM login_attempts WHERE at < ?", t1 + DAY), 0);
	cr_assert_not(stored_anywhere(f, "person@example.org"));
	cr_assert_not(stored_anywhere(f, "guess1@example.org"));

	cr_assert_eq(gc_throttle_check(f->db, "", ip, T0, &retry), GC_EINVAL);
	cr_assert_eq(gc_throttle_check(f->db, key, "", T0, &retry), GC_EINVAL);
	cr_assert_eq(gc_throttle_record(f->db, key, NULL, false, T0), GC_EINVAL);
}

/* --- MFA state ------------------------------------------------------------------ */

AUTH_TEST(totp_steps_and_recovery_codes)
{
	int64_t org = make_org(f, GC_ORG_SECRETARIAT, "UN Secretariat (MFA)", NULL);
	int64_t user = make_active_user(f, org, "mfa@un.example", GC_ROLE_EDITOR);
	unsigned char secret[GC_TOTP_SECRET_BYTES];
	char sealed[GC_TOTP_SEALED_SIZE];
	struct gc_recovery_codes codes;

	gc_totp_new_secret(secret);
	OK(gc_totp_seal(f->secrets, secret, sealed));
	gc_recovery_generate(f->secrets, &codes);
	const char *hashes[GC_RECOVERY_CODE_COUNT];
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		hashes[i] = codes.hash[i];
	begin(f);
	OK(gc_user_mfa_enrol(f->db, user, sealed, 100, hashes, GC_RECOVERY_CODE_COUNT, T0));
	commit(f);
	struct gc_user got;
	OK(gc_user_get(f->db, user, f->arena, &got));
	cr_assert(got.mfa_enabled);
	cr_assert_eq(got.totp_last_step, 100);
	unsigned char opened[GC_TOTP_SECRET_BYTES];
	OK(gc_totp_open(f->secrets, got.totp_secret, opened));
	cr_assert_eq(memcmp(opened, secret, sizeof(secret)), 0);

	/* A step is accepted once, even by two nodes at once. */
	begin(f);
	OK(gc_user_totp_step(f->db, user, 101));
	commit(f);
	IN_TX_EXPECT(GC_ECONFLICT, gc_user_totp_step(f->db, user, 101));
	IN_TX_EXPECT(GC_ECONFLICT, gc_user_totp_step(f->db, user, 99));
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_totp_step(f->db, 9999, 5));

	/* Recovery codes: the unused ones, each usable once. */
	const char **unused = NULL;
	int64_t *ids = NULL;
	size_t n = 0, index = 0;
	OK(gc_recovery_codes_unused(f->db, user, f->arena, &unused, &ids, &n));
	cr_assert_eq(n, GC_RECOVERY_CODE_COUNT);
	OK(gc_recovery_verify(f->secrets, codes.plain[3], unused, n, &index));
	begin(f);
	OK(gc_recovery_code_use(f->db, ids[index], T0));
	commit(f);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_recovery_code_use(f->db, ids[index], T0));
	OK(gc_recovery_codes_unused(f->db, user, f->arena, &unused, &ids, &n));
	cr_assert_eq(n, GC_RECOVERY_CODE_COUNT - 1);
	cr_assert_eq(gc_recovery_verify(f->secrets, codes.plain[3], unused, n, &index), GC_ENOTFOUND);
	gc_recovery_codes_wipe(&codes);
	IN_TX_EXPECT(GC_ENOTFOUND, gc_user_mfa_enrol(f->db, 9999, sealed, 1, NULL, 0, T0));
	IN_TX_EXPECT(GC_EINVAL, gc_user_mfa_enrol(f->db, user, "", 1, NULL, 0, T0));
}

/* --- the CLI ----------------------------------------------------------------------- */

/* Runs a gcscp command in this process with stdout captured into out. */
static int run_cli(struct fx *f, int (*command)(int, char **), const char *const *args, size_t n_args, char *out,
		   size_t out_size)
{
	char *argv[32];
	int argc = 0;
	char path[128];
	for (size_t i = 0; i < n_args; i++)
		argv[argc++] = (char *)args[i];
	argv[argc++] = "--db";
	argv[argc++] = f->config.db_url;
	argv[argc++] = "--data";
	argv[argc++] = f->root;
	argv[argc] = NULL;

	snprintf(path, sizeof(path), "%s/stdout", f->root);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	cr_assert(saved >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	int code = command(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	size_t len;
	char *text = read_file(path, &len);
	snprintf(out, out_size, "%s", text);
	free(text);
	return code;
}

AUTH_TEST(cli_commands_and_audit)
{
	char out[1024], org_id[32], url[512], token[128];
	const char *org_add[] = { "org", "add", "--kind", "secretariat", "--name", "UN Secretariat" };
	cr_assert_eq(run_cli(f, gc_cli_org, org_add, GC_ARRAY_LEN(org_add), out, sizeof(out)), 0);
	snprintf(org_id, sizeof(org_id), "%.*s", (int)strcspn(out, "\n"), out);
	int64_t id = 0;
	cr_assert_eq(gc_parse_i64(org_id, strlen(org_id), 1, INT64_MAX, &id), GC_OK, "%s", out);
	cr_assert_gt(id, 0);

	/* Refusals change nothing and write no record. */
	const char *dup_org[] = { "org", "add", "--kind", "member_state", "--name", "UN Secretariat", "--country",
				  "KEN" };
	cr_assert_eq(run_cli(f, gc_cli_org, dup_org, GC_ARRAY_LEN(dup_org), out, sizeof(out)), 1);
	const char *bad_kind[] = { "org", "add", "--kind", "ngo", "--name", "X" };
	cr_assert_eq(run_cli(f, gc_cli_org, bad_kind, GC_ARRAY_LEN(bad_kind), out, sizeof(out)), 2);
	const char *unknown_option[] = { "org", "add", "--kind", "un_body", "--name", "X", "--colour", "red" };
	cr_assert_eq(run_cli(f, gc_cli_org, unknown_option, GC_ARRAY_LEN(unknown_option), out, sizeof(out)), 2);
	const char *state[] = { "org", "add", "--kind", "member_state", "--name", "Kenya", "--country", "KEN",
				"--four-eyes" };
	cr_assert_eq(run_cli(f, gc_cli_org, state, GC_ARRAY_LEN(state), out, sizeof(out)), 0);

	const char *org_list[] = { "org", "list" };
	cr_assert_eq(run_cli(f, gc_cli_org, org_list, GC_ARRAY_LEN(org_list), out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "UN Secretariat"));
	cr_assert_not_null(strstr(out, "four-eyes"));

	const char *user_add[] = { "user", "add", "--org", org_id, "--email", "First.Admin@UN.example", "--role",
				   "admin", "--base-url", "https://cyber.example.org" };
	cr_assert_eq(run_cli(f, gc_cli_user, user_add, GC_ARRAY_LEN(user_add), out, sizeof(out)), 0);
	snprintf(url, sizeof(url), "%.*s", (int)strcspn(out, "\n"), out);
	const char *prefix = "https://cyber.example.org/invitations/";
	cr_assert_eq(strncmp(url, prefix, strlen(prefix)), 0, "%s", url);
	const char *invitation = url + strlen(prefix);
	struct gc_invitation inv;
	OK(gc_invitation_lookup(f->db, invitation, gc_clock_now(), f->arena, &inv));
	cr_assert_str_eq(inv.email, "first.admin@un.example");

	const char *bad_email[] = { "user", "add", "--org", org_id, "--email", "not-an-address", "--role", "admin" };
	cr_assert_eq(run_cli(f, gc_cli_user, bad_email, GC_ARRAY_LEN(bad_email), out, sizeof(out)), 1);

	const char *token_add[] = { "token", "add", "--user", "first.admin@un.example", "--name", "harvester",
				    "--expires", "30" };
	cr_assert_eq(run_cli(f, gc_cli_token, token_add, GC_ARRAY_LEN(token_add), out, sizeof(out)), 0);
	snprintf(token, sizeof(token), "%.*s", (int)strcspn(out, "\n"), out);
	struct gc_principal *p = NULL;
	int64_t token_id = 0;
	OK(gc_token_resolve(f->db, token, gc_clock_now(), f->arena, &p, &token_id));
	cr_assert_eq(p->org_kind, GC_ORG_SECRETARIAT);
	cr_assert_eq(p->role, GC_ROLE_ADMIN);

	const char *token_list[] = { "token", "list", "--user", "first.admin@un.example" };
	cr_assert_eq(run_cli(f, gc_cli_token, token_list, GC_ARRAY_LEN(token_list), out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "harvester"));
	cr_assert_null(strstr(out, token + 6));

	char id_text[32];
	snprintf(id_text, sizeof(id_text), "%lld", (long long)token_id);
	const char *revoke[] = { "token", "revoke", "--id", id_text };
	cr_assert_eq(run_cli(f, gc_cli_token, revoke, GC_ARRAY_LEN(revoke), out, sizeof(out)), 0);
	cr_assert_eq(gc_token_resolve(f->db, token, gc_clock_now(), f->arena, &p, NULL), GC_ENOTFOUND);
	cr_assert_eq(run_cli(f, gc_cli_token, revoke, GC_ARRAY_LEN(revoke), out, sizeof(out)), 1);

	/* One record for each change, in order, written by "cli", naming no secret. */
	json_t *rows = NULL;
	OK(gc_db_query(f->db, "SELECT action, target_type, target_id, detail FROM audit_log ORDER BY id",
		       GC_NO_PARAMS, &rows));
	static const char *const actions[] = { "org.create", "org.create", "user.invite", "token.create",
					       "token.revoke" };
	cr_assert_eq(json_array_size(rows), GC_ARRAY_LEN(actions));
	for (size_t i = 0; i < GC_ARRAY_LEN(actions); i++) {
		json_t *row = json_array_get(rows, i);
		cr_assert_str_eq(json_string_value(json_object_get(row, "action")), actions[i]);
		json_t *detail = json_loads(json_string_value(json_object_get(row, "detail")), 0, NULL);
		cr_assert_str_eq(json_string_value(json_object_get(detail, "actor")), "cli");
		json_decref(detail);
	}
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 4), "target_id")), id_text);
	json_decref(rows);
	cr_assert_not(stored_anywhere(f, invitation));
	cr_assert_not(stored_anywhere(f, token + 6));

	const char *verify[] = { "audit", "verify" };
	cr_assert_eq(run_cli(f, gc_cli_audit, verify, GC_ARRAY_LEN(verify), out, sizeof(out)), 0);
	cr_assert_eq(strncmp(out, "audit log intact: 5 records\n", 28), 0, "%s", out);

	/* An edited record is found and named. */
	OK(gc_db_exec_script(f->db, f->engine == GC_DB_SQLITE
					    ? "DROP TRIGGER audit_log_no_update"
					    : "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"));
	OK(gc_db_exec(f->db, "UPDATE audit_log SET target_id = '999' WHERE id = 3", GC_NO_PARAMS, NULL));
	cr_assert_eq(run_cli(f, gc_cli_audit, verify, GC_ARRAY_LEN(verify), out, sizeof(out)), 1);
	cr_assert_not_null(strstr(out, "record 3"), "%s", out);

	const char *no_sub[] = { "token" };
	cr_assert_eq(run_cli(f, gc_cli_token, no_sub, GC_ARRAY_LEN(no_sub), out, sizeof(out)), 2);
}

/* --- no secret at rest (L2) ------------------------------------------------------------ */

AUTH_TEST(no_secret_at_rest)
{
	int64_t org = make_org(f, GC_ORG_MEMBER_STATE, "Brazil, Ministry of Foreign Affairs", "BRA");
	int64_t user = make_user(f, org, "joana@mre.example", GC_ROLE_ADMIN);
	const char *password = "seventeen copper kites above Recife";
	const char *reason = NULL;
	char invitation[GC_INVITATION_TOKEN_SIZE], session[GC_SESSION_TOKEN_SIZE], rotated[GC_SESSION_TOKEN_SIZE];
	char api[GC_API_TOKEN_SIZE];
	int64_t who = 0, invitation_id = 0;
	struct gc_session_info info;

	/* An invitation, accepted, as the integrator wires it, with its audit records. */
	begin(f);
	OK(gc_invitation_create(f->db, user, 0, T0, invitation, &invitation_id));
	json_t *detail = json_pack("{s:I}", "invitation_id", (json_int_t)invitation_id);
	struct gc_audit_entry invite = { .action = "user.invite", .target_type = "user", .target_id = "1",
					 .detail = detail, .at_ms = T0 * 1000 };
	OK(gc_audit_append(f->db, &invite, NULL));
	json_decref(detail);
	commit(f);
	begin(f);
	OK(gc_invitation_consume(f->db, invitation, T0 + 60, &who));
	OK(gc_user_set_password(f->db, f->secrets, who, password, strlen(password), GC_PASSWORD_COST_MIN, 0, T0 + 60,
				&reason));
	struct gc_audit_entry set = { .action = "user.password", .actor_user = who, .actor_org = org,
				      .client_ip = "192.0.2.7", .target_type = "user", .target_id = "1",
				      .at_ms = (T0 + 60) * 1000 };
	OK(gc_audit_append(f->db, &set, NULL));
	commit(f);

	/* Sign-in: throttle, session, TOTP enrolment and a code, rotation. */
	char key[GC_THROTTLE_KEY_SIZE];
	gc_throttle_account_key(f->secrets, "joana@mre.example", key);
	begin(f);
	OK(gc_throttle_record(f->db, key, "192.0.2.7", true, T0 + 100));
	OK(gc_session_create(f->db, who, "192.0.2.7", "test", T0 + 100, f->arena, session, &info));
	detail = json_pack("{s:s}", "method", "password");
	struct gc_audit_entry login = { .action = "login.success", .actor_user = who, .actor_org = org,
					.client_ip = "192.0.2.7", .target_type = "user", .target_id = "1",
					.detail = detail, .at_ms = (T0 + 100) * 1000 };
	OK(gc_audit_append(f->db, &login, NULL));
	json_decref(detail);
	commit(f);

	unsigned char secret[GC_TOTP_SECRET_BYTES];
	char base32[GC_TOTP_BASE32_SIZE], sealed[GC_TOTP_SEALED_SIZE], code[GC_TOTP_DIGITS + 1];
	struct gc_recovery_codes codes;
	int64_t step = 0;
	gc_totp_new_secret(secret);
	gc_totp_base32(secret, base32);
	OK(gc_totp_seal(f->secrets, secret, sealed));
	OK(gc_totp_code(secret, sizeof(secret), T0 + 120, GC_TOTP_DIGITS, code));
	OK(gc_totp_verify(secret, code, T0 + 120, 0, &step));
	gc_recovery_generate(f->secrets, &codes);
	const char *hashes[GC_RECOVERY_CODE_COUNT];
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		hashes[i] = codes.hash[i];
	begin(f);
	OK(gc_user_mfa_enrol(f->db, who, sealed, step, hashes, GC_RECOVERY_CODE_COUNT, T0 + 120));
	OK(gc_session_mark_mfa(f->db, info.id, T0 + 120, rotated));
	detail = json_pack("{s:s}", "method", "totp");
	struct gc_audit_entry mfa = { .action = "login.mfa", .actor_user = who, .actor_org = org,
				      .client_ip = "192.0.2.7", .target_type = "user", .target_id = "1",
				      .detail = detail, .at_ms = (T0 + 120) * 1000 };
	OK(gc_audit_append(f->db, &mfa, NULL));
	json_decref(detail);
	commit(f);
	OK(gc_session_resolve(f->db, rotated, T0 + 130, f->arena, NULL, NULL));

	begin(f);
	OK(gc_token_create(f->db, who, "sync", 30, T0 + 200, api, NULL));
	commit(f);
	struct gc_principal *p = NULL;
	OK(gc_token_resolve(f->db, api, T0 + 300, f->arena, &p, NULL));

	/* A checkpoint moves the log into the main file: both are searched anyway. */
	if (f->engine == GC_DB_SQLITE)
		OK(gc_db_exec_script(f->db, "PRAGMA wal_checkpoint(FULL)"));

	const char *secrets[] = { password, invitation, session, rotated, api, api + 6, base32 };
	for (size_t i = 0; i < GC_ARRAY_LEN(secrets); i++)
		cr_assert_not(stored_anywhere(f, secrets[i]), "secret %zu is stored", i);
	cr_assert(stored_anywhere(f, sealed), "the sealed seed is what is kept");
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++) {
		char compact[GC_RECOVERY_CODE_SIZE];
		size_t k = 0;
		for (const char *c = codes.plain[i]; *c; c++)
			if (*c != '-')
				compact[k++] = *c;
		compact[k] = '\0';
		cr_assert_not(stored_anywhere(f, codes.plain[i]));
		cr_assert_not(stored_anywhere(f, compact));
	}
	/* A 6-digit code may turn up by chance inside a hex hash, so look for it
	 * as a value: no column holds it, and no audit detail mentions it. */
	char *dump = dump_tables(f);
	char quoted[16];
	snprintf(quoted, sizeof(quoted), "\"%s\"", code);
	cr_assert_null(strstr(dump, quoted));
	free(dump);
	json_t *rows = NULL;
	OK(gc_db_query(f->db, "SELECT detail FROM audit_log WHERE detail IS NOT NULL", GC_NO_PARAMS, &rows));
	cr_assert_eq(json_array_size(rows), 3);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) cr_assert_null(strstr(json_string_value(json_object_get(row, "detail")), code));
	json_decref(rows);
	int64_t bad = -1;
	OK(gc_audit_verify(f->db, &bad, NULL, 0));
	gc_recovery_codes_wipe(&codes);
	sodium_memzero(secret, sizeof(secret));
}
