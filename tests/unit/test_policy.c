/*
 * Who may see, edit and review what (auth/policy.c), and the envelope's
 * operations (auth/items.c), for every principal of SECURITY.md's list
 * against items of every visibility and status.
 *
 * The expected answers are written here a second time, in the test's own
 * words (expect_see and friends), and every answer of the C rule, of the SQL
 * predicate over items and over search_docs, and of gc_item_load must match
 * them. Each case runs on SQLite (a file in a fresh temporary directory) and
 * on PostgreSQL when GCSCP_TEST_PG names a server where we may CREATE
 * DATABASE (each case gets a database of its own, dropped afterwards):
 *
 *   tests/pg-cluster start /tmp/pg-items 55442
 *   GCSCP_TEST_PG=postgresql://postgres@127.0.0.1:55442/postgres build/tests/test_policy
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/items.h"
#include "auth/policy.h"
#include "auth/principal.h"
#include "base/arena.h"
#include "base/clock.h"
#include "modules/core/core.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "store/search.h"
#include "store/store.h"

/* 2030-01-01T00:00:00Z: operations take their time from the context, never the clock. */
#define T0 1893456000000LL

/* --- the cast ------------------------------------------------------------------------ */

enum org { O_SEC, O_A, O_B, O_C, O_OBS, O_UNB, O_REG, O_STK, N_ORGS };

static const struct {
	const char *kind, *name, *country;
} org_def[N_ORGS] = {
	[O_SEC] = { "secretariat", "UNODA", NULL },
	[O_A] = { "member_state", "State A", "AAA" },
	[O_B] = { "member_state", "State B", "BBB" },
	[O_C] = { "member_state", "State C", "CCC" },
	[O_OBS] = { "observer_state", "Observer", "OOO" },
	[O_UNB] = { "un_body", "UN Body", NULL },
	[O_REG] = { "regional_org", "Regional", NULL },
	[O_STK] = { "stakeholder", "Stakeholder", NULL },
};

/* The principals of SECURITY.md first (the matrix), then a few more for the flows. */
enum who {
	W_ANON,
	W_STK,
	W_REG,
	W_UNB,
	W_A_READER,
	W_A_EDITOR,
	W_A_ADMIN,
	W_B_EDITOR,
	W_OBS,
	W_SEC_REVIEWER,
	W_SEC_ADMIN,
	N_MATRIX,
	W_A_ADMIN2 = N_MATRIX,
	W_A_LIMITED, /* an editor of A limited to the module "other" */
	W_STK_READER,
	W_SEC_ADMIN2,
	N_WHO,
};

static const struct {
	enum org org;
	enum gc_role role;
	const char *label;
} who_def[N_WHO] = {
	[W_ANON] = { N_ORGS, GC_ROLE_READER, "anonymous" },
	[W_STK] = { O_STK, GC_ROLE_EDITOR, "stakeholder" },
	[W_REG] = { O_REG, GC_ROLE_EDITOR, "regional org" },
	[W_UNB] = { O_UNB, GC_ROLE_EDITOR, "UN body" },
	[W_A_READER] = { O_A, GC_ROLE_READER, "A reader" },
	[W_A_EDITOR] = { O_A, GC_ROLE_EDITOR, "A editor" },
	[W_A_ADMIN] = { O_A, GC_ROLE_ADMIN, "A admin" },
	[W_B_EDITOR] = { O_B, GC_ROLE_EDITOR, "B editor" },
	[W_OBS] = { O_OBS, GC_ROLE_EDITOR, "observer" },
	[W_SEC_REVIEWER] = { O_SEC, GC_ROLE_EDITOR, "Secretariat reviewer" },
	[W_SEC_ADMIN] = { O_SEC, GC_ROLE_ADMIN, "Secretariat admin" },
	[W_A_ADMIN2] = { O_A, GC_ROLE_ADMIN, "A admin 2" },
	[W_A_LIMITED] = { O_A, GC_ROLE_EDITOR, "A limited editor" },
	[W_STK_READER] = { O_STK, GC_ROLE_READER, "stakeholder reader" },
	[W_SEC_ADMIN2] = { O_SEC, GC_ROLE_ADMIN, "Secretariat admin 2" },
};

/* --- the fixture -------------------------------------------------------------------------- */

static struct {
	char dir[64];
	char admin_url[1024];
	char db_name[64];
	struct gc_pool *pool;
	struct gc_db *db;
	int64_t org[N_ORGS];
	int64_t user[N_WHO];
	struct gc_principal p[N_WHO];
} fx;

#define OK(expr) cr_assert_eq((expr), GC_OK, "%s: %s", #expr, gc_db_errmsg(fx.db))

static void url_with_db(const char *url, const char *name, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	cr_assert_not_null(host);
	const char *slash = strchr(host + 3, '/');
	const char *query = strchr(host + 3, '?');
	size_t prefix = slash ? (size_t)(slash - url) : query ? (size_t)(query - url) : strlen(url);
	snprintf(out, size, "%.*s/%s%s", (int)prefix, url, name, query ? query : "");
}

static void admin_script(const char *sql)
{
	struct gc_pool *admin = NULL;
	struct gc_db *db = NULL;
	char err[512];
	cr_assert_eq(gc_pool_open(fx.admin_url, NULL, 1, &admin, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(admin, 5000, &db), GC_OK);
	gc_status st = gc_db_exec_script(db, sql);
	cr_assert_eq(st, GC_OK, "%s: %s", sql, gc_db_errmsg(db));
	gc_pool_release(admin, db);
	gc_pool_close(admin);
}

static void migrate(const char *component, const struct gc_migration *m, size_t n)
{
	char err[512] = "";
	cr_assert_eq(gc_migrate_component(fx.db, component, m, n, err, sizeof(err)), GC_OK, "%s: %s %s", component, err,
		     gc_db_errmsg(fx.db));
}

static void fx_open(enum gc_db_engine engine)
{
	char url[1200], err[512];
	memset(&fx, 0, sizeof(fx));
	cr_assert(sodium_init() >= 0);
	if (engine == GC_DB_SQLITE) {
		snprintf(fx.dir, sizeof(fx.dir), "/tmp/gcscp-policy-XXXXXX");
		cr_assert_not_null(mkdtemp(fx.dir));
		snprintf(url, sizeof(url), "sqlite:%s/t.db", fx.dir);
	} else {
		const char *admin = getenv("GCSCP_TEST_PG");
		if (!admin || !admin[0])
			cr_skip_test("GCSCP_TEST_PG is not set");
		snprintf(fx.admin_url, sizeof(fx.admin_url), "%s", admin);
		/* Our own name (process id and a random number), never input. */
		snprintf(fx.db_name, sizeof(fx.db_name), "gcscp_test_policy_%ld_%u", (long)getpid(), randombytes_random());
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", fx.db_name);
		admin_script(sql);
		url_with_db(admin, fx.db_name, url, sizeof(url));
	}
	cr_assert_eq(gc_pool_open(url, fx.dir[0] ? fx.dir : NULL, 2, &fx.pool, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(fx.pool, 5000, &fx.db), GC_OK);
	migrate("core", core_migrations, CORE_MIGRATION_COUNT);
	migrate("search", gc_search_migrations, gc_search_migration_count);
	migrate("jobs", gc_jobs_migrations, gc_jobs_migration_count);
	cr_assert_eq(gc_auth_migrate(fx.db, err, sizeof(err)), GC_OK, "%s", err);
	migrate(GC_ITEMS_COMPONENT, gc_items_migrations, GC_ITEMS_MIGRATION_COUNT);

	for (int o = 0; o < N_ORGS; o++)
		OK(gc_db_query_int(fx.db,
				   "INSERT INTO organisations (kind, name, country, created_at)"
				   " VALUES (?, ?, ?, '2029-01-01T00:00:00Z') RETURNING id",
				   GC_PARAMS(GC_TEXT(org_def[o].kind), GC_TEXT(org_def[o].name),
					     GC_TEXT_OR_NULL(org_def[o].country)),
				   &fx.org[o]));
	for (int w = 1; w < N_WHO; w++) {
		char email[64];
		enum org o = who_def[w].org;
		snprintf(email, sizeof(email), "user%d@example.org", w);
		OK(gc_db_query_int(fx.db,
				   "INSERT INTO users (org_id, email, name, role, status, created_at, updated_at)"
				   " VALUES (?, ?, ?, ?, 'active', '2029-01-01T00:00:00Z', '2029-01-01T00:00:00Z')"
				   " RETURNING id",
				   GC_PARAMS(GC_INT(fx.org[o]), GC_TEXT(email), GC_TEXT(who_def[w].label),
					     GC_TEXT(gc_role_name(who_def[w].role))),
				   &fx.user[w]));
		struct gc_principal *p = &fx.p[w];
		p->user_id = fx.user[w];
		p->name = who_def[w].label;
		p->role = who_def[w].role;
		p->org_id = fx.org[o];
		p->org_name = org_def[o].name;
		cr_assert(gc_org_kind_parse(org_def[o].kind, &p->org_kind));
		p->org_country = org_def[o].country;
	}
	fx.p[W_A_LIMITED].module_limits[0] = "other";
	fx.p[W_A_LIMITED].n_module_limits = 1;
}

static void fx_close(void)
{
	if (fx.db)
		gc_pool_release(fx.pool, fx.db);
	gc_pool_close(fx.pool);
	fx.db = NULL;
	fx.pool = NULL;
	if (fx.db_name[0]) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx.db_name);
		admin_script(sql);
		fx.db_name[0] = '\0';
	}
	if (fx.dir[0]) {
		static const char *const files[] = { "t.db", "t.db-wal", "t.db-shm" };
		char path[128];
		for (size_t i = 0; i < GC_ARRAY_LEN(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", fx.dir, files[i]);
			unlink(path);
		}
		rmdir(fx.dir);
		fx.dir[0] = '\0';
	}
}

/* Every case, once per engine. */
#define BOTH(name)                                                                                                 \
	static void name##_case(void);                                                                            \
	Test(sqlite, name, .fini = fx_close)                                                                       \
	{                                                                                                          \
		fx_open(GC_DB_SQLITE);                                                                             \
		name##_case();                                                                                     \
	}                                                                                                          \
	Test(postgres, name, .fini = fx_close)                                                                     \
	{                                                                                                          \
		fx_open(GC_DB_POSTGRES);                                                                           \
		name##_case();                                                                                     \
	}                                                                                                          \
	static void name##_case(void)

static const struct gc_principal *P(enum who w)
{
	return w == W_ANON ? NULL : &fx.p[w];
}

static struct gc_item_ctx ctx_of(enum who w)
{
	return (struct gc_item_ctx){ .db = fx.db, .principal = P(w), .client_ip = "192.0.2.7", .now_ms = T0 };
}

static int64_t count(const char *sql, int64_t id)
{
	int64_t n = -1;
	if (id)
		OK(gc_db_query_int(fx.db, sql, GC_PARAMS(GC_INT(id)), &n));
	else
		OK(gc_db_query_int(fx.db, sql, GC_NO_PARAMS, &n));
	return n;
}

static int64_t audit_count(void)
{
	return count("SELECT COUNT(*) AS n FROM audit_log", 0);
}

static char last_action[80];

static const char *audit_last(void)
{
	json_t *row = NULL;
	OK(gc_db_query_one(fx.db, "SELECT action AS action FROM audit_log ORDER BY id DESC LIMIT 1", GC_NO_PARAMS, &row));
	snprintf(last_action, sizeof(last_action), "%s", json_string_value(json_object_get(row, "action")));
	json_decref(row);
	return last_action;
}

static json_t *item_row(int64_t id)
{
	json_t *row = NULL;
	OK(gc_db_query_one(fx.db, "SELECT * FROM items WHERE id = ?", GC_PARAMS(GC_INT(id)), &row));
	return row;
}

static char field_text[64];

static const char *item_field(int64_t id, const char *field)
{
	json_t *row = item_row(id);
	const json_t *v = json_object_get(row, field);
	if (json_is_string(v))
		snprintf(field_text, sizeof(field_text), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(field_text, sizeof(field_text), "%lld", (long long)json_integer_value(v));
	else
		snprintf(field_text, sizeof(field_text), "(null)");
	json_decref(row);
	return field_text;
}

static int64_t version_of(int64_t id)
{
	return count("SELECT version AS v FROM items WHERE id = ?", id);
}

static void set_four_eyes(enum org o, bool on)
{
	OK(gc_db_exec(fx.db, "UPDATE organisations SET four_eyes = ? WHERE id = ?", GC_PARAMS(GC_INT(on), GC_INT(fx.org[o])),
		      NULL));
}

/* --- the matrix of items ------------------------------------------------------------------- */

enum share_set { SH_NONE, SH_WITH_B, SH_WITHOUT_B };
static const char *const vis_names[] = { "public", "restricted", "named-with-B", "named-without-B" };
static const char *const status_names[] = { "draft", "pending", "published", "withdrawn" };

/* Named-with-B goes to B and the regional organisation; named-without-B to C and the stakeholder. */
static bool share_has(enum share_set set, enum org o)
{
	return (set == SH_WITH_B && (o == O_B || o == O_REG)) || (set == SH_WITHOUT_B && (o == O_C || o == O_STK));
}

struct mitem {
	int64_t id;
	enum org owner;
	int vis; /* index into vis_names */
	int status;
};

#define N_MATRIX_ITEMS 32
static struct mitem mitems[N_MATRIX_ITEMS];

/* The rule of docs/ARCHITECTURE.md in the test's own words. */
static bool expect_see(enum who w, const struct mitem *it, bool observers)
{
	if (w == W_ANON)
		return it->status == 2 && it->vis == 0;
	enum org o = who_def[w].org;
	if (o == it->owner)
		return true;
	if (o == O_SEC)
		return it->status != 0;
	if (it->status != 2)
		return false;
	switch (it->vis) {
	case 0:
		return true;
	case 1:
		return o == O_A || o == O_B || o == O_C || (o == O_OBS && observers);
	case 2:
		return share_has(SH_WITH_B, o);
	default:
		return share_has(SH_WITHOUT_B, o);
	}
}

static void put_search_doc(int64_t id, enum org owner, const char *vis, const char *status)
{
	char url[32];
	snprintf(url, sizeof(url), "/test/%lld", (long long)id);
	struct gc_search_doc doc = { .module = "test", .item_id = id, .lang = "en", .title = "Canary item",
				     .body = "canary", .url = url, .visibility = vis, .status = status,
				     .owner_org = fx.org[owner] };
	OK(gc_search_put(fx.db, &doc));
}

/*
 * 32 items straight into the tables: owners A and the stakeholder, every
 * visibility, every status, each restricted or named one with a notice, and
 * a search document each.
 */
static void build_matrix(void)
{
	static const char *const stored_vis[] = { "public", "restricted", "named", "named" };
	int k = 0;
	for (int owner = 0; owner < 2; owner++) {
		enum org o = owner == 0 ? O_A : O_STK;
		int64_t creator = fx.user[owner == 0 ? W_A_EDITOR : W_STK];
		for (int v = 0; v < 4; v++) {
			for (int s = 0; s < 4; s++) {
				struct mitem *it = &mitems[k++];
				it->owner = o;
				it->vis = v;
				it->status = s;
				const char *approval = s == 1 ? (o == O_A ? "four_eyes" : "secretariat") : NULL;
				OK(gc_db_query_int(
					fx.db,
					"INSERT INTO items (module, owner_org, visibility, status, approval, title,"
					" version, created_by, created_at, updated_at, notice_title, notice_summary)"
					" VALUES ('test', ?, ?, ?, ?, 'Canary title', 1, ?, '2029-06-01T00:00:00Z',"
					" '2029-06-01T00:00:00Z', ?, ?) RETURNING id",
					GC_PARAMS(GC_INT(fx.org[o]), GC_TEXT(stored_vis[v]), GC_TEXT(status_names[s]),
						  GC_TEXT_OR_NULL(approval), GC_INT(creator),
						  v ? GC_TEXT("Notice title") : GC_NULL,
						  v ? GC_TEXT("Notice summary") : GC_NULL),
					&it->id));
				for (int so = 0; v >= 2 && so < N_ORGS; so++)
					if (share_has(v == 2 ? SH_WITH_B : SH_WITHOUT_B, (enum org)so))
						OK(gc_db_exec(fx.db, "INSERT INTO item_shares (item_id, org_id) VALUES (?, ?)",
							      GC_PARAMS(GC_INT(it->id), GC_INT(fx.org[so])), NULL));
				put_search_doc(it->id, o, stored_vis[v], status_names[s]);
			}
		}
	}
}

struct idset {
	int64_t ids[512];
	size_t n;
};

static bool idset_has(const struct idset *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static void query_ids(const char *sql, const struct gc_val *params, size_t n, struct idset *out)
{
	json_t *rows = NULL;
	cr_assert_eq(gc_db_query(fx.db, sql, params, n, &rows), GC_OK, "%s: %s", sql, gc_db_errmsg(fx.db));
	out->n = 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		cr_assert_lt(out->n, GC_ARRAY_LEN(out->ids));
		out->ids[out->n++] = json_integer_value(json_object_get(row, "id"));
	}
	json_decref(rows);
}

enum pred { PRED_VISIBLE, PRED_NOTICE, PRED_REVIEW };

/* The ids a predicate selects, over items ("i", "id") or search_docs ("d", "item_id"). */
static void sql_ids(enum pred kind, const struct gc_principal *p, bool observers, bool over_search, struct idset *out)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	const char *pred = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	const char *alias = over_search ? "d" : "i", *idcol = over_search ? "item_id" : "id";
	if (kind == PRED_VISIBLE)
		OK(gc_policy_visible_sql(p, observers, alias, idcol, arena, &pred, params, &n));
	else if (kind == PRED_NOTICE)
		OK(gc_policy_notice_sql(p, observers, alias, idcol, arena, &pred, params, &n));
	else
		OK(gc_policy_review_sql(p, alias, arena, &pred, params, &n));
	const char *sql = over_search ? gc_arena_printf(arena,
							"SELECT d.item_id AS id FROM search_docs d WHERE %s"
							" ORDER BY d.item_id",
							pred)
				      : gc_arena_printf(arena, "SELECT i.id AS id FROM items i WHERE %s ORDER BY i.id", pred);
	query_ids(sql, params, n, out);
	gc_arena_free(arena);
}

/* The envelope of a matrix item, as the policy sees it. */
static struct gc_item_envelope envelope_of(const struct mitem *it, int64_t *shares)
{
	static const enum gc_visibility vis[] = { GC_VIS_PUBLIC, GC_VIS_RESTRICTED, GC_VIS_NAMED, GC_VIS_NAMED };
	struct gc_item_envelope e = { .id = it->id, .module = "test", .owner_org = fx.org[it->owner],
				      .visibility = vis[it->vis], .status = (enum gc_item_status)it->status,
				      .created_by = fx.user[it->owner == O_A ? W_A_EDITOR : W_STK],
				      .has_notice = it->vis != 0, .shares = shares, .version = 1 };
	if (it->status == 1)
		e.approval = it->owner == O_A ? GC_APPROVAL_FOUR_EYES : GC_APPROVAL_SECRETARIAT;
	for (int o = 0; it->vis >= 2 && o < N_ORGS; o++)
		if (share_has(it->vis == 2 ? SH_WITH_B : SH_WITHOUT_B, (enum org)o))
			shares[e.n_shares++] = fx.org[o];
	return e;
}

/* --- the matrix: see ---------------------------------------------------------------------------- */

BOTH(see_matrix_c_sql_and_load_agree)
{
	build_matrix();
	for (int obs = 0; obs < 2; obs++) {
		for (int w = 0; w < N_MATRIX; w++) {
			struct idset over_items, over_search, notices;
			sql_ids(PRED_VISIBLE, P(w), obs, false, &over_items);
			sql_ids(PRED_VISIBLE, P(w), obs, true, &over_search);
			sql_ids(PRED_NOTICE, P(w), obs, false, &notices);
			struct gc_item_ctx ctx = ctx_of(w);
			ctx.restricted_includes_observers = obs;
			for (int k = 0; k < N_MATRIX_ITEMS; k++) {
				const struct mitem *it = &mitems[k];
				int64_t shares[8];
				struct gc_item_envelope e = envelope_of(it, shares);
				bool want = expect_see(w, it, obs);
				const char *who = who_def[w].label, *vis = vis_names[it->vis], *st = status_names[it->status];
				const char *owner = org_def[it->owner].name;
				cr_assert_eq(gc_policy_can_see(P(w), &e, obs), want, "can_see: %s, %s's %s %s item, observers=%d",
					     who, owner, vis, st, obs);
				cr_assert_eq(idset_has(&over_items, it->id), want, "SQL over items: %s, %s's %s %s, obs=%d",
					     who, owner, vis, st, obs);
				cr_assert_eq(idset_has(&over_search, it->id), want,
					     "SQL over search_docs: %s, %s's %s %s, obs=%d", who, owner, vis, st, obs);
				json_t *env = NULL;
				gc_status loaded = gc_item_load(&ctx, it->id, &env);
				cr_assert_eq(loaded, want ? GC_OK : GC_ENOTFOUND, "load: %s, %s's %s %s, obs=%d: %s", who,
					     owner, vis, st, obs, gc_status_name(loaded));
				json_decref(env);
				bool notice = it->status == 2 && it->vis != 0 && !want;
				cr_assert_eq(gc_policy_shows_notice(P(w), &e, obs), notice, "notice: %s, %s's %s %s", who,
					     owner, vis, st);
				cr_assert_eq(idset_has(&notices, it->id), notice, "notice SQL: %s, %s's %s %s", who, owner,
					     vis, st);
			}
			/* An id that never existed answers exactly like a hidden one. */
			json_t *env = NULL;
			cr_assert_eq(gc_item_load(&ctx, 999999, &env), GC_ENOTFOUND);
		}
	}
}

/* Independently of the database, a few rows spelled out by hand. */
Test(policy, can_see_by_hand)
{
	struct gc_principal a_reader = { .user_id = 5, .role = GC_ROLE_READER, .org_id = 10,
					 .org_kind = GC_ORG_MEMBER_STATE };
	struct gc_principal obs = { .user_id = 6, .role = GC_ROLE_ADMIN, .org_id = 11, .org_kind = GC_ORG_OBSERVER_STATE };
	struct gc_principal sec = { .user_id = 7, .role = GC_ROLE_READER, .org_id = 12, .org_kind = GC_ORG_SECRETARIAT };
	struct gc_principal stk = { .user_id = 8, .role = GC_ROLE_EDITOR, .org_id = 13, .org_kind = GC_ORG_STAKEHOLDER };
	struct gc_principal broken = { .user_id = 9, .role = GC_ROLE_ADMIN, .org_id = 0, .org_kind = GC_ORG_SECRETARIAT };
	int64_t share[] = { 13 };
	struct gc_item_envelope restricted = { .owner_org = 99, .visibility = GC_VIS_RESTRICTED,
					       .status = GC_ITEM_PUBLISHED };
	struct gc_item_envelope named = { .owner_org = 99, .visibility = GC_VIS_NAMED, .status = GC_ITEM_PUBLISHED,
					  .shares = share, .n_shares = 1 };
	struct gc_item_envelope draft = { .owner_org = 99, .visibility = GC_VIS_PUBLIC, .status = GC_ITEM_DRAFT };
	struct gc_item_envelope withdrawn = { .owner_org = 99, .visibility = GC_VIS_PUBLIC, .status = GC_ITEM_WITHDRAWN };
	struct gc_item_envelope no_vis = { .owner_org = 99, .status = GC_ITEM_PUBLISHED };

	cr_assert(gc_policy_can_see(&a_reader, &restricted, false));
	cr_assert_not(gc_policy_can_see(&obs, &restricted, false));
	cr_assert(gc_policy_can_see(&obs, &restricted, true));
	cr_assert_not(gc_policy_can_see(&stk, &restricted, true));
	cr_assert_not(gc_policy_can_see(NULL, &restricted, true));
	cr_assert(gc_policy_can_see(&stk, &named, false));
	cr_assert_not(gc_policy_can_see(&a_reader, &named, false));
	cr_assert(gc_policy_can_see(&sec, &named, false));
	cr_assert_not(gc_policy_can_see(&sec, &draft, false));
	cr_assert(gc_policy_can_see(&sec, &withdrawn, false));
	cr_assert_not(gc_policy_can_see(&a_reader, &withdrawn, false));
	cr_assert_not(gc_policy_can_see(&a_reader, &no_vis, false));
	/* A principal without an organisation is treated as anonymous. */
	cr_assert_not(gc_policy_can_see(&broken, &withdrawn, false));
	cr_assert_not(gc_policy_can_see(&broken, &restricted, false));
}

/* --- the matrix: edit, withdraw, review ------------------------------------------------------------ */

/* Expected answers, in the test's words. */
static bool expect_edit(enum who w, const struct mitem *it)
{
	if (w == W_ANON || it->status == 3 || who_def[w].role == GC_ROLE_READER)
		return false;
	if (who_def[w].org == it->owner)
		return true;
	return w == W_SEC_ADMIN && it->status != 0;
}

static bool expect_withdraw(enum who w, const struct mitem *it)
{
	if (expect_edit(w, it))
		return true;
	return (w == W_SEC_ADMIN || w == W_SEC_REVIEWER) && (it->status == 1 || it->status == 2);
}

static bool expect_review(enum who w, const struct mitem *it)
{
	if (it->status != 1)
		return false;
	if (it->owner == O_A) /* four_eyes, created by A's editor */
		return w == W_A_ADMIN;
	return w == W_SEC_REVIEWER || w == W_SEC_ADMIN; /* secretariat */
}

BOTH(edit_withdraw_review_matrix)
{
	build_matrix();
	for (int w = 0; w < N_MATRIX; w++) {
		struct idset queue;
		sql_ids(PRED_REVIEW, P(w), false, false, &queue);
		for (int k = 0; k < N_MATRIX_ITEMS; k++) {
			const struct mitem *it = &mitems[k];
			int64_t shares[8];
			struct gc_item_envelope e = envelope_of(it, shares);
			const char *who = who_def[w].label, *vis = vis_names[it->vis], *st = status_names[it->status];
			const char *owner = org_def[it->owner].name;
			cr_assert_eq(gc_policy_can_edit(P(w), &e), expect_edit(w, it), "edit: %s, %s's %s %s", who, owner,
				     vis, st);
			cr_assert_eq(gc_policy_can_withdraw(P(w), &e), expect_withdraw(w, it), "withdraw: %s, %s's %s %s",
				     who, owner, vis, st);
			cr_assert_eq(gc_policy_can_review(P(w), &e), expect_review(w, it), "review: %s, %s's %s %s", who,
				     owner, vis, st);
			cr_assert_eq(idset_has(&queue, it->id), expect_review(w, it), "review SQL: %s, %s's %s %s", who,
				     owner, vis, st);
			/* Whatever one may do to an item, one may see it. */
			if (gc_policy_can_edit(P(w), &e) || gc_policy_can_withdraw(P(w), &e) || gc_policy_can_review(P(w), &e))
				cr_assert(gc_policy_can_see(P(w), &e, false));
		}
	}
	/* An editor limited to another module edits nothing of module "test"; an admin is never limited. */
	for (int k = 0; k < N_MATRIX_ITEMS; k++) {
		int64_t shares[8];
		struct gc_item_envelope e = envelope_of(&mitems[k], shares);
		cr_assert_not(gc_policy_can_edit(P(W_A_LIMITED), &e));
		e.module = "other";
		cr_assert_eq(gc_policy_can_edit(P(W_A_LIMITED), &e), mitems[k].owner == O_A && mitems[k].status != 3);
	}
	cr_assert_not(gc_policy_can_create(P(W_A_LIMITED), "test", 0));
	cr_assert(gc_policy_can_create(P(W_A_LIMITED), "other", 0));
	cr_assert_not(gc_policy_can_create(P(W_A_READER), "test", 0));
	cr_assert_not(gc_policy_can_create(NULL, "test", 0));
	cr_assert_not(gc_policy_can_create(P(W_A_ADMIN), "test", fx.org[O_B]));
	cr_assert(gc_policy_can_create(P(W_SEC_ADMIN), "test", fx.org[O_B]));
	cr_assert_not(gc_policy_can_create(P(W_SEC_REVIEWER), "test", fx.org[O_B]));
}

/* --- operations ----------------------------------------------------------------------------------- */

static int64_t create(enum who w, const struct gc_item_new *in, gc_status want)
{
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t id = 0, before = audit_count();
	gc_status st = gc_item_create(&ctx, in, &id);
	cr_assert_eq(st, want, "create by %s: %s (field %s)", who_def[w].label, gc_status_name(st),
		     ctx.field ? ctx.field : "-");
	cr_assert_eq(audit_count(), before + (st == GC_OK), "create by %s: one audit record when it succeeds",
		     who_def[w].label);
	if (st == GC_OK)
		cr_assert_str_eq(audit_last(), "item.create");
	cr_assert_not(gc_db_in_transaction(fx.db));
	return id;
}

static int64_t create_simple(enum who w, enum gc_visibility vis, bool draft)
{
	struct gc_item_new in = { .module = "test", .title = "An item", .visibility = vis, .draft = draft };
	return create(w, &in, GC_OK);
}

/* Runs one operation as w (the call names its context op) and checks its audit record:
 * exactly one on success, none on failure. */
#define OP(w, want, action, call)                                                                                  \
	do {                                                                                                       \
		struct gc_item_ctx op = ctx_of(w);                                                                 \
		int64_t audit_before_ = audit_count();                                                             \
		gc_status st_ = (call);                                                                            \
		cr_assert_eq(st_, (want), "%s by %s: %s (field %s)", #call, who_def[w].label, gc_status_name(st_), \
			     op.field ? op.field : "-");                                                          \
		cr_assert_eq(audit_count(), audit_before_ + (st_ == GC_OK), "%s: audit records", #call);          \
		if (st_ == GC_OK)                                                                                  \
			cr_assert_str_eq(audit_last(), (action));                                                  \
		cr_assert_not(gc_db_in_transaction(fx.db));                                                        \
	} while (0)

static gc_status load_status(enum who w, int64_t id)
{
	struct gc_item_ctx ctx = ctx_of(w);
	json_t *env = NULL;
	gc_status st = gc_item_load(&ctx, id, &env);
	json_decref(env);
	return st;
}

BOTH(create_follows_the_owner_kind)
{
	struct {
		enum who w;
		const char *status, *approval, *visibility;
	} cases[] = {
		{ W_A_EDITOR, "published", "(null)", "restricted" },
		{ W_A_ADMIN, "published", "(null)", "restricted" },
		{ W_B_EDITOR, "published", "(null)", "restricted" },
		{ W_OBS, "published", "(null)", "restricted" },
		{ W_STK, "pending", "secretariat", "public" },
		{ W_REG, "pending", "secretariat", "public" },
		{ W_UNB, "pending", "secretariat", "public" },
		{ W_SEC_REVIEWER, "published", "(null)", "public" },
		{ W_SEC_ADMIN, "published", "(null)", "public" },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		int64_t id = create_simple(cases[i].w, GC_VIS_DEFAULT, false);
		cr_assert_str_eq(item_field(id, "status"), cases[i].status, "%s", who_def[cases[i].w].label);
		cr_assert_str_eq(item_field(id, "approval"), cases[i].approval, "%s", who_def[cases[i].w].label);
		cr_assert_str_eq(item_field(id, "visibility"), cases[i].visibility, "%s", who_def[cases[i].w].label);
		cr_assert_eq(count("SELECT owner_org AS o FROM items WHERE id = ?", id), fx.p[cases[i].w].org_id);
		cr_assert_str_eq(item_field(id, "uploaded_by"), "(null)");
	}
	/* A stakeholder may ask for restricted; a state may ask for public. */
	int64_t id = create_simple(W_STK, GC_VIS_RESTRICTED, false);
	cr_assert_str_eq(item_field(id, "visibility"), "restricted");
	id = create_simple(W_A_EDITOR, GC_VIS_PUBLIC, false);
	cr_assert_str_eq(item_field(id, "visibility"), "public");
	/* Drafts stay drafts, whoever writes them. */
	id = create_simple(W_STK, GC_VIS_DEFAULT, true);
	cr_assert_str_eq(item_field(id, "status"), "draft");
	cr_assert_eq(load_status(W_SEC_REVIEWER, id), GC_ENOTFOUND);

	/* Four eyes: A's editors wait for an admin; A's admins do not. */
	set_four_eyes(O_A, true);
	id = create_simple(W_A_EDITOR, GC_VIS_DEFAULT, false);
	cr_assert_str_eq(item_field(id, "status"), "pending");
	cr_assert_str_eq(item_field(id, "approval"), "four_eyes");
	id = create_simple(W_A_ADMIN, GC_VIS_DEFAULT, false);
	cr_assert_str_eq(item_field(id, "status"), "published");

	/* The Secretariat acting for others: the owner's path, with the admin as uploaded_by. */
	struct gc_item_new on_behalf = { .module = "test", .title = "Uploaded", .acting_for_org = fx.org[O_STK] };
	id = create(W_SEC_ADMIN, &on_behalf, GC_OK);
	cr_assert_eq(count("SELECT owner_org AS o FROM items WHERE id = ?", id), fx.org[O_STK]);
	cr_assert_eq(count("SELECT uploaded_by AS u FROM items WHERE id = ?", id), fx.user[W_SEC_ADMIN]);
	cr_assert_str_eq(item_field(id, "status"), "pending");
	cr_assert_str_eq(item_field(id, "visibility"), "public");
	on_behalf.acting_for_org = fx.org[O_A];
	id = create(W_SEC_ADMIN, &on_behalf, GC_OK);
	cr_assert_str_eq(item_field(id, "status"), "published");
	cr_assert_str_eq(item_field(id, "visibility"), "restricted");
	cr_assert_eq(load_status(W_A_READER, id), GC_OK);
}

BOTH(create_refuses_what_is_not_the_callers)
{
	int64_t before = count("SELECT COUNT(*) AS n FROM items", 0);
	struct gc_item_new in = { .module = "test", .title = "Nope" };
	struct gc_item_ctx ctx;

	/* Nobody but a writer creates. */
	create(W_ANON, &in, GC_ENOTFOUND);
	create(W_A_READER, &in, GC_ENOTFOUND);
	create(W_STK_READER, &in, GC_ENOTFOUND);
	create(W_A_LIMITED, &in, GC_ENOTFOUND);

	/* The owner is not an input (Z5). */
	in.acting_for_org = fx.org[O_B];
	ctx = ctx_of(W_A_ADMIN);
	int64_t id = 0;
	cr_assert_eq(gc_item_create(&ctx, &in, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "acting_for_org");
	ctx = ctx_of(W_SEC_REVIEWER);
	cr_assert_eq(gc_item_create(&ctx, &in, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "acting_for_org");
	in.acting_for_org = 987654;
	ctx = ctx_of(W_SEC_ADMIN);
	cr_assert_eq(gc_item_create(&ctx, &in, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "acting_for_org");
	in.acting_for_org = fx.org[O_B];
	in.draft = true;
	cr_assert_eq(gc_item_create(&ctx, &in, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "draft");
	in.acting_for_org = 0;
	in.draft = false;

	/* Fields. */
	struct {
		const char *field;
		struct gc_item_new in;
	} bad[] = {
		{ "module", { .module = "Bad-Module", .title = "t" } },
		{ "title", { .module = "test", .title = "" } },
		{ "title", { .module = "test", .title = "   " } },
		{ "title", { .module = "test", .title = "two\nlines" } },
		{ "title", { .module = "test", .title = "bidi \xe2\x80\xae override" } },
		{ "country", { .module = "test", .title = "t", .country = "fr" } },
		{ "visibility", { .module = "test", .title = "t", .visibility = (enum gc_visibility)9 } },
		{ "shares", { .module = "test", .title = "t", .visibility = GC_VIS_NAMED } },
		{ "shares", { .module = "test", .title = "t", .visibility = GC_VIS_RESTRICTED,
			      .shares = (const int64_t[]){ 1 }, .n_shares = 1 } },
		{ "shares", { .module = "test", .title = "t", .visibility = GC_VIS_NAMED,
			      .shares = (const int64_t[]){ 424242 }, .n_shares = 1 } },
		{ "notice_title", { .module = "test", .title = "t", .visibility = GC_VIS_PUBLIC,
				    .notice_title = "Notice" } },
		{ "notice_summary", { .module = "test", .title = "t", .visibility = GC_VIS_RESTRICTED,
				      .notice_summary = "no title" } },
		{ "release_at", { .module = "test", .title = "t", .visibility = GC_VIS_RESTRICTED,
				  .release_at = T0 / 1000 - 1 } },
		{ "release_at", { .module = "test", .title = "t", .visibility = GC_VIS_PUBLIC,
				  .release_at = T0 / 1000 + 3600 } },
		{ "languages", { .module = "test", .title = "t", .languages = (const char *const[]){ "en", "en" },
				 .n_languages = 2 } },
		{ "languages", { .module = "test", .title = "t", .languages = (const char *const[]){ "EN" },
				 .n_languages = 1 } },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++) {
		ctx = ctx_of(W_A_EDITOR);
		int64_t audits = audit_count();
		gc_status st = gc_item_create(&ctx, &bad[i].in, &id);
		cr_assert_eq(st, GC_EINVAL, "case %zu: %s", i, gc_status_name(st));
		cr_assert_str_eq(ctx.field, bad[i].field, "case %zu", i);
		cr_assert_eq(audit_count(), audits);
	}
	/* Sharing lists: duplicates and more than 100 are refused, 100 distinct existing ones accepted. */
	int64_t many[GC_ITEM_MAX_SHARES + 1];
	for (int i = 0; i <= GC_ITEM_MAX_SHARES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "Stakeholder %d", i);
		OK(gc_db_query_int(fx.db,
				   "INSERT INTO organisations (kind, name, created_at) VALUES ('stakeholder', ?, 'x')"
				   " RETURNING id",
				   GC_PARAMS(GC_TEXT(name)), &many[i]));
	}
	struct gc_item_new named = { .module = "test", .title = "t", .visibility = GC_VIS_NAMED, .shares = many,
				     .n_shares = GC_ITEM_MAX_SHARES + 1 };
	ctx = ctx_of(W_A_EDITOR);
	cr_assert_eq(gc_item_create(&ctx, &named, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "shares");
	int64_t twice[] = { fx.org[O_B], fx.org[O_B] };
	named.shares = twice;
	named.n_shares = 2;
	cr_assert_eq(gc_item_create(&ctx, &named, &id), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "shares");
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items", 0), before);
	named.shares = many;
	named.n_shares = GC_ITEM_MAX_SHARES;
	id = create(W_A_EDITOR, &named, GC_OK);
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM item_shares WHERE item_id = ?", id), GC_ITEM_MAX_SHARES);
}

BOTH(four_eyes_flow)
{
	set_four_eyes(O_A, true);
	int64_t id = create_simple(W_A_EDITOR, GC_VIS_PUBLIC, false);
	cr_assert_str_eq(item_field(id, "status"), "pending");
	/* Pending: hidden from everyone but A and the Secretariat. */
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	cr_assert_eq(load_status(W_B_EDITOR, id), GC_ENOTFOUND);
	cr_assert_eq(load_status(W_A_READER, id), GC_OK);
	cr_assert_eq(load_status(W_SEC_REVIEWER, id), GC_OK);
	/* The editor cannot approve, nor the Secretariat (it is A's decision), nor another state. */
	OP(W_A_EDITOR, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	OP(W_SEC_REVIEWER, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	OP(W_B_EDITOR, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	OP(W_A_READER, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	/* The admin approves exactly the version seen. */
	OP(W_A_ADMIN, GC_ECONFLICT, "", gc_item_publish(&op, id, 7));
	OP(W_A_ADMIN, GC_OK, "item.publish", gc_item_publish(&op, id, 1));
	cr_assert_str_eq(item_field(id, "status"), "published");
	cr_assert_eq(count("SELECT reviewed_by AS r FROM items WHERE id = ?", id), fx.user[W_A_ADMIN]);
	cr_assert_eq(load_status(W_ANON, id), GC_OK);
	/* Approving again is a conflict, not a second publication. */
	OP(W_A_ADMIN, GC_ECONFLICT, "", gc_item_publish(&op, id, 2));

	/* An editor's change to what is public goes back to the admins. */
	struct gc_item_edit edit = { .fields = GC_ITEM_SET_TITLE, .title = "Changed" };
	OP(W_A_EDITOR, GC_OK, "item.edit", gc_item_update(&op, id, 2, &edit));
	cr_assert_str_eq(item_field(id, "status"), "pending");
	cr_assert_str_eq(item_field(id, "approval"), "four_eyes");
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	OP(W_A_ADMIN, GC_OK, "item.publish", gc_item_publish(&op, id, 3));

	/* Widening: restricted -> public by an editor needs the admins; narrowing does not. */
	int64_t r = create_simple(W_A_ADMIN, GC_VIS_RESTRICTED, false);
	struct gc_item_access widen = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_PUBLIC };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, r, 1, &widen));
	cr_assert_str_eq(item_field(r, "status"), "pending");
	cr_assert_str_eq(item_field(r, "approval"), "four_eyes");
	OP(W_A_ADMIN2, GC_OK, "item.publish", gc_item_publish(&op, r, 2));
	struct gc_item_access narrow = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_RESTRICTED };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, r, 3, &narrow));
	cr_assert_str_eq(item_field(r, "status"), "published");
	cr_assert_eq(load_status(W_ANON, r), GC_ENOTFOUND);
	cr_assert_eq(load_status(W_B_EDITOR, r), GC_OK);
	/* restricted -> named (a stakeholder could read it then) widens too. */
	int64_t to_stk[] = { fx.org[O_STK] };
	struct gc_item_access name = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_NAMED, .shares = to_stk,
				       .n_shares = 1 };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, r, 4, &name));
	cr_assert_str_eq(item_field(r, "status"), "pending");
	cr_assert_eq(load_status(W_STK, r), GC_ENOTFOUND);
	/* The admin who changed something pending becomes its submitter and may not approve it. */
	int64_t e = create_simple(W_A_EDITOR, GC_VIS_RESTRICTED, false);
	struct gc_item_edit touch = { .fields = GC_ITEM_SET_COUNTRY, .country = "AAA" };
	OP(W_A_ADMIN, GC_OK, "item.edit", gc_item_update(&op, e, 1, &touch));
	cr_assert_str_eq(item_field(e, "status"), "pending");
	OP(W_A_ADMIN, GC_ENOTFOUND, "", gc_item_publish(&op, e, 2));
	OP(W_A_ADMIN2, GC_OK, "item.publish", gc_item_publish(&op, e, 2));
}

BOTH(rejection_and_resubmission)
{
	int64_t id = create_simple(W_STK, GC_VIS_DEFAULT, false);
	cr_assert_str_eq(item_field(id, "status"), "pending");
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	OP(W_SEC_REVIEWER, GC_EINVAL, "", gc_item_reject(&op, id, 1, ""));
	OP(W_SEC_REVIEWER, GC_OK, "item.reject", gc_item_reject(&op, id, 1, "Please cite the source."));
	cr_assert_str_eq(item_field(id, "status"), "draft");
	cr_assert_str_eq(item_field(id, "review_note"), "Please cite the source.");
	/* A rejected item is a draft: the Secretariat no longer sees it and nobody can publish it. */
	cr_assert_eq(load_status(W_SEC_REVIEWER, id), GC_ENOTFOUND);
	OP(W_SEC_REVIEWER, GC_ENOTFOUND, "", gc_item_publish(&op, id, 2));
	OP(W_SEC_ADMIN, GC_ENOTFOUND, "", gc_item_publish(&op, id, 2));
	OP(W_STK, GC_ECONFLICT, "", gc_item_publish(&op, id, 2));
	/* The owner reads the reason, edits and submits again. */
	struct gc_item_ctx ctx = ctx_of(W_STK);
	json_t *env = NULL;
	OK(gc_item_load(&ctx, id, &env));
	cr_assert_str_eq(json_string_value(json_object_get(env, "review_note")), "Please cite the source.");
	cr_assert(json_is_true(json_object_get(json_object_get(env, "can"), "submit")));
	json_decref(env);
	struct gc_item_edit edit = { .fields = GC_ITEM_SET_TITLE, .title = "With source" };
	OP(W_STK, GC_OK, "item.edit", gc_item_update(&op, id, 2, &edit));
	cr_assert_str_eq(item_field(id, "status"), "draft");
	OP(W_STK_READER, GC_ENOTFOUND, "", gc_item_submit(&op, id, 3));
	OP(W_STK, GC_OK, "item.submit", gc_item_submit(&op, id, 3));
	cr_assert_str_eq(item_field(id, "status"), "pending");
	OP(W_STK, GC_ECONFLICT, "", gc_item_submit(&op, id, 4));
	OP(W_SEC_REVIEWER, GC_OK, "item.publish", gc_item_publish(&op, id, 4));
	cr_assert_eq(load_status(W_ANON, id), GC_OK);

	/* A stakeholder's edit of its published item goes back to review: nothing unreviewed is public. */
	OP(W_STK, GC_OK, "item.edit", gc_item_update(&op, id, 5, &edit));
	cr_assert_str_eq(item_field(id, "status"), "pending");
	cr_assert_str_eq(item_field(id, "approval"), "secretariat");
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	/* So does a notice, and narrowing does not. */
	OP(W_SEC_ADMIN, GC_OK, "item.publish", gc_item_publish(&op, id, 6));
	struct gc_item_access narrow = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_RESTRICTED };
	OP(W_STK, GC_OK, "item.visibility", gc_item_set_access(&op, id, 7, &narrow));
	cr_assert_str_eq(item_field(id, "status"), "published");
	struct gc_item_access notice = { .fields = GC_ITEM_SET_NOTICE, .notice_title = "A notice" };
	OP(W_STK, GC_OK, "item.visibility", gc_item_set_access(&op, id, 8, &notice));
	cr_assert_str_eq(item_field(id, "status"), "pending");
}

BOTH(no_one_approves_their_own_work)
{
	/* The Secretariat admin uploads for a stakeholder: it waits, and not for that admin. */
	struct gc_item_new in = { .module = "test", .title = "Uploaded", .acting_for_org = fx.org[O_STK] };
	int64_t id = create(W_SEC_ADMIN, &in, GC_OK);
	cr_assert_str_eq(item_field(id, "status"), "pending");
	OP(W_SEC_ADMIN, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	OP(W_SEC_ADMIN, GC_ENOTFOUND, "", gc_item_reject(&op, id, 1, "mine"));
	/* The stakeholder sees what was uploaded in its name, and may not review it either. */
	cr_assert_eq(load_status(W_STK, id), GC_OK);
	OP(W_STK, GC_ENOTFOUND, "", gc_item_publish(&op, id, 1));
	/* A reviewer who edits it becomes its submitter, and then another must review. */
	struct gc_item_edit edit = { .fields = GC_ITEM_SET_TITLE, .title = "Fixed" };
	OP(W_SEC_REVIEWER, GC_ENOTFOUND, "", gc_item_update(&op, id, 1, &edit));
	OP(W_SEC_ADMIN2, GC_OK, "item.edit", gc_item_update(&op, id, 1, &edit));
	OP(W_SEC_ADMIN2, GC_ENOTFOUND, "", gc_item_publish(&op, id, 2));
	OP(W_SEC_REVIEWER, GC_OK, "item.publish", gc_item_publish(&op, id, 2));
	cr_assert_str_eq(item_field(id, "status"), "published");
	/* The review queue never offers one's own work. */
	int64_t mine = create(W_SEC_ADMIN, &in, GC_OK);
	struct gc_item_ctx ctx = ctx_of(W_SEC_ADMIN);
	json_t *queue = NULL;
	OK(gc_item_review_queue(&ctx, 100, 0, &queue));
	size_t i;
	json_t *entry;
	json_array_foreach(queue, i, entry) cr_assert_neq(json_integer_value(json_object_get(entry, "id")), mine);
	json_decref(queue);
	ctx = ctx_of(W_SEC_REVIEWER);
	OK(gc_item_review_queue(&ctx, 100, 0, &queue));
	cr_assert_eq(json_array_size(queue), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(queue, 0), "id")), mine);
	json_decref(queue);
	ctx = ctx_of(W_A_ADMIN);
	OK(gc_item_review_queue(&ctx, 100, 0, &queue));
	cr_assert_eq(json_array_size(queue), 0);
	json_decref(queue);
	ctx = ctx_of(W_ANON);
	OK(gc_item_review_queue(&ctx, 100, 0, &queue));
	cr_assert_eq(json_array_size(queue), 0);
	json_decref(queue);
	cr_assert_eq(gc_item_review_queue(&ctx, 0, 0, &queue), GC_EINVAL);
}

BOTH(withdrawal_keeps_the_item_for_owner_and_secretariat)
{
	int64_t id = create_simple(W_A_EDITOR, GC_VIS_RESTRICTED, false);
	cr_assert_eq(load_status(W_B_EDITOR, id), GC_OK);
	/* Others' writes: 404 and nothing changes (Z4). */
	json_t *before = item_row(id);
	OP(W_B_EDITOR, GC_ENOTFOUND, "", gc_item_withdraw(&op, id, 1));
	OP(W_OBS, GC_ENOTFOUND, "", gc_item_withdraw(&op, id, 1));
	OP(W_A_READER, GC_ENOTFOUND, "", gc_item_withdraw(&op, id, 1));
	struct gc_item_edit edit = { .fields = GC_ITEM_SET_TITLE, .title = "Hijack" };
	OP(W_B_EDITOR, GC_ENOTFOUND, "", gc_item_update(&op, id, 1, &edit));
	struct gc_item_access pub = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_PUBLIC };
	OP(W_B_EDITOR, GC_ENOTFOUND, "", gc_item_set_access(&op, id, 1, &pub));
	OP(W_STK, GC_ENOTFOUND, "", gc_item_set_access(&op, id, 1, &pub));
	json_t *after = item_row(id);
	cr_assert(json_equal(before, after));
	json_decref(before);
	json_decref(after);

	OP(W_A_EDITOR, GC_OK, "item.withdraw", gc_item_withdraw(&op, id, 1));
	cr_assert_str_eq(item_field(id, "status"), "withdrawn");
	cr_assert_neq(strcmp(item_field(id, "withdrawn_at"), "(null)"), 0);
	cr_assert_eq(load_status(W_A_READER, id), GC_OK);
	cr_assert_eq(load_status(W_SEC_REVIEWER, id), GC_OK);
	cr_assert_eq(load_status(W_B_EDITOR, id), GC_ENOTFOUND);
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	/* Nobody edits, re-publishes or withdraws it again. */
	OP(W_A_ADMIN, GC_ENOTFOUND, "", gc_item_update(&op, id, 2, &edit));
	OP(W_SEC_ADMIN, GC_ENOTFOUND, "", gc_item_update(&op, id, 2, &edit));
	OP(W_A_ADMIN, GC_ECONFLICT, "", gc_item_withdraw(&op, id, 2));
	OP(W_A_ADMIN, GC_ECONFLICT, "", gc_item_submit(&op, id, 2));
	OP(W_SEC_ADMIN, GC_ECONFLICT, "", gc_item_publish(&op, id, 2));
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items WHERE id = ?", id), 1);

	/* The Secretariat's editors withdraw what they can see, but not another's draft. */
	int64_t s = create_simple(W_STK, GC_VIS_DEFAULT, false);
	OP(W_SEC_REVIEWER, GC_OK, "item.withdraw", gc_item_withdraw(&op, s, 1));
	int64_t d = create_simple(W_STK, GC_VIS_DEFAULT, true);
	OP(W_SEC_ADMIN, GC_ENOTFOUND, "", gc_item_withdraw(&op, d, 1));
	OP(W_STK_READER, GC_ENOTFOUND, "", gc_item_withdraw(&op, d, 1));
	OP(W_STK, GC_OK, "item.withdraw", gc_item_withdraw(&op, d, 1));
}

BOTH(edits_versions_and_concurrency)
{
	json_t *content = json_pack("{s:s}", "body", "first");
	struct gc_item_new in = { .module = "test", .title = "Policy", .visibility = GC_VIS_PUBLIC, .content = content };
	int64_t id = create(W_A_EDITOR, &in, GC_OK);
	json_decref(content);
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM item_versions WHERE item_id = ?", id), 1);
	struct gc_item_edit edit = { .fields = GC_ITEM_SET_TITLE | GC_ITEM_SET_LANGUAGES,
				     .title = "Policy 2",
				     .languages = (const char *const[]){ "en", "fr" },
				     .n_languages = 2,
				     .note = "translated" };
	edit.content = content = json_pack("{s:s}", "body", "second");
	OP(W_A_EDITOR, GC_OK, "item.edit", gc_item_update(&op, id, 1, &edit));
	/* A state's edit stays published, one version up, with a snapshot. */
	cr_assert_str_eq(item_field(id, "status"), "published");
	cr_assert_eq(version_of(id), 2);
	cr_assert_str_eq(item_field(id, "languages"), "[\"en\",\"fr\"]");
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM item_versions WHERE item_id = ?", id), 2);
	/* A stale version is a conflict and changes nothing. */
	OP(W_A_ADMIN, GC_ECONFLICT, "", gc_item_update(&op, id, 1, &edit));
	cr_assert_eq(version_of(id), 2);
	/* A snapshot over the limit is refused whole: no version, no record. */
	char *huge = malloc(GC_ITEM_MAX_SNAPSHOT + 1);
	cr_assert_not_null(huge);
	memset(huge, 'x', GC_ITEM_MAX_SNAPSHOT);
	huge[GC_ITEM_MAX_SNAPSHOT] = '\0';
	json_t *big = json_pack("{s:s}", "body", huge);
	free(huge);
	struct gc_item_edit too_big = { .content = big };
	OP(W_A_EDITOR, GC_ETOOBIG, "", gc_item_update(&op, id, 2, &too_big));
	json_decref(big);
	cr_assert_eq(version_of(id), 2);
	/* Flags of the other operation are refused, not misread. */
	struct gc_item_edit wrong = { .fields = GC_ITEM_SET_VISIBILITY };
	OP(W_A_EDITOR, GC_EINVAL, "", gc_item_update(&op, id, 2, &wrong));
	struct gc_item_access wrong_access = { .fields = GC_ITEM_SET_TITLE };
	OP(W_A_EDITOR, GC_EINVAL, "", gc_item_set_access(&op, id, 2, &wrong_access));
	/* Country can be cleared; a bad one is refused with its field. */
	struct gc_item_edit country = { .fields = GC_ITEM_SET_COUNTRY, .country = "xx" };
	struct gc_item_ctx ctx = ctx_of(W_A_EDITOR);
	cr_assert_eq(gc_item_update(&ctx, id, 2, &country), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "country");
	country.country = NULL;
	OP(W_A_EDITOR, GC_OK, "item.edit", gc_item_update(&op, id, 2, &country));
	/* The Secretariat's admin edits on the owner's behalf; its reviewer does not. */
	OP(W_SEC_REVIEWER, GC_ENOTFOUND, "", gc_item_update(&op, id, 3, &edit));
	OP(W_SEC_ADMIN, GC_OK, "item.edit", gc_item_update(&op, id, 3, &edit));
	cr_assert_str_eq(item_field(id, "status"), "published");
	/* Drafts keep no snapshots: a draft's text never enters a public history. */
	int64_t d = create_simple(W_A_EDITOR, GC_VIS_PUBLIC, true);
	OP(W_A_EDITOR, GC_OK, "item.edit", gc_item_update(&op, d, 1, &edit));
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM item_versions WHERE item_id = ?", d), 0);
	/* Module limits hold for edits as for creation. */
	OP(W_A_LIMITED, GC_ENOTFOUND, "", gc_item_update(&op, id, 4, &edit));
	json_decref(content);
}

BOTH(history_follows_visibility)
{
	json_t *content = json_pack("{s:s}", "body", "restricted text");
	struct gc_item_new in = { .module = "test", .title = "Doc", .visibility = GC_VIS_RESTRICTED, .content = content };
	int64_t id = create(W_A_EDITOR, &in, GC_OK);
	struct gc_item_edit edit = { .content = content, .note = "fix" };
	OP(W_A_EDITOR, GC_OK, "item.edit", gc_item_update(&op, id, 1, &edit));
	json_decref(content);
	struct gc_item_ctx ctx = ctx_of(W_B_EDITOR);
	json_t *history = NULL;
	OK(gc_item_history(&ctx, id, &history));
	cr_assert_eq(json_array_size(history), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(history, 0), "version")), 2);
	/* B is no insider: the author's organisation, not the person. */
	json_t *by = json_object_get(json_array_get(history, 0), "changed_by");
	cr_assert(json_is_null(json_object_get(by, "name")));
	cr_assert_str_eq(json_string_value(json_object_get(by, "organisation")), "State A");
	json_decref(history);
	ctx = ctx_of(W_ANON);
	cr_assert_eq(gc_item_history(&ctx, id, &history), GC_ENOTFOUND);
	cr_assert_eq(gc_item_history(&ctx, 424242, &history), GC_ENOTFOUND);
	ctx = ctx_of(W_STK);
	cr_assert_eq(gc_item_history(&ctx, id, &history), GC_ENOTFOUND);

	/* Made public later: the public sees the item, not its restricted past. */
	struct gc_item_access pub = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_PUBLIC };
	OP(W_A_ADMIN, GC_OK, "item.visibility", gc_item_set_access(&op, id, 2, &pub));
	content = json_pack("{s:s}", "body", "public text");
	edit.content = content;
	OP(W_A_ADMIN, GC_OK, "item.edit", gc_item_update(&op, id, 3, &edit));
	json_decref(content);
	ctx = ctx_of(W_ANON);
	OK(gc_item_history(&ctx, id, &history));
	cr_assert_eq(json_array_size(history), 1);
	json_t *snapshot = json_object_get(json_array_get(history, 0), "snapshot");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(snapshot, "content"), "body")), "public text");
	json_decref(history);
	ctx = ctx_of(W_A_READER);
	OK(gc_item_history(&ctx, id, &history));
	cr_assert_eq(json_array_size(history), 3);
	by = json_object_get(json_array_get(history, 0), "changed_by");
	cr_assert_str_eq(json_string_value(json_object_get(by, "name")), "A admin");
	json_decref(history);

	/* Withdrawn: the history goes with the item. */
	OP(W_A_ADMIN, GC_OK, "item.withdraw", gc_item_withdraw(&op, id, 4));
	ctx = ctx_of(W_ANON);
	cr_assert_eq(gc_item_history(&ctx, id, &history), GC_ENOTFOUND);
}

BOTH(notices_show_title_and_summary_only)
{
	struct gc_item_new in = { .module = "test",
				  .title = "Secret canary title",
				  .visibility = GC_VIS_RESTRICTED,
				  .notice_title = "A national strategy exists",
				  .notice_summary = "Ask your focal point." };
	int64_t id = create(W_A_EDITOR, &in, GC_OK);
	struct gc_item_ctx ctx = ctx_of(W_ANON);
	json_t *list = NULL;
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	OK(gc_item_list_notices(&ctx, NULL, 20, 0, &list));
	cr_assert_eq(json_array_size(list), 1);
	json_t *notice = json_array_get(list, 0);
	cr_assert(json_is_true(json_object_get(notice, "notice")));
	cr_assert_str_eq(json_string_value(json_object_get(notice, "title")), "A national strategy exists");
	cr_assert_str_eq(json_string_value(json_object_get(notice, "summary")), "Ask your focal point.");
	cr_assert_eq(json_object_size(notice), 4, "notice, module, title, summary and nothing else");
	char *text = json_dumps(list, 0);
	cr_assert_null(strstr(text, "canary"));
	free(text);
	json_decref(list);
	OK(gc_item_list_notices(&ctx, "other", 20, 0, &list));
	cr_assert_eq(json_array_size(list), 0);
	json_decref(list);
	cr_assert_eq(gc_item_list_notices(&ctx, "Bad Module", 20, 0, &list), GC_EINVAL);
	/* Those who see the item get the item, not a notice. */
	ctx = ctx_of(W_B_EDITOR);
	OK(gc_item_list_notices(&ctx, NULL, 20, 0, &list));
	cr_assert_eq(json_array_size(list), 0);
	json_decref(list);
	/* Withdrawn: no notice either. */
	OP(W_A_EDITOR, GC_OK, "item.withdraw", gc_item_withdraw(&op, id, 1));
	ctx = ctx_of(W_STK);
	OK(gc_item_list_notices(&ctx, NULL, 20, 0, &list));
	cr_assert_eq(json_array_size(list), 0);
	json_decref(list);
}

BOTH(scheduled_release_on_time)
{
	int64_t t0 = T0 / 1000;
	struct gc_item_new in = { .module = "test", .title = "Embargoed", .visibility = GC_VIS_RESTRICTED,
				  .release_at = t0 + 3600, .notice_title = "Coming soon" };
	int64_t id = create(W_A_EDITOR, &in, GC_OK);
	cr_assert_str_eq(item_field(id, "release_at"), "2030-01-01T01:00:00Z");
	cr_assert_eq(count("SELECT run_at AS n FROM jobs WHERE kind = 'items.release'", 0), t0 + 3600);
	cr_assert_str_eq(gc_items_release_job.name, GC_ITEMS_RELEASE_JOB);
	int64_t withdrawn = create(W_A_EDITOR, &in, GC_OK);
	OP(W_A_EDITOR, GC_OK, "item.withdraw", gc_item_withdraw(&op, withdrawn, 1));
	put_search_doc(id, O_A, "restricted", "published");

	int released = -1;
	int64_t audits = audit_count();
	OK(gc_items_release_due(fx.db, T0 + 3599 * 1000, &released));
	cr_assert_eq(released, 0);
	cr_assert_eq(load_status(W_ANON, id), GC_ENOTFOUND);
	OK(gc_items_release_due(fx.db, T0 + 3600 * 1000, &released));
	cr_assert_eq(released, 1);
	cr_assert_eq(audit_count(), audits + 1);
	cr_assert_str_eq(audit_last(), "item.release");
	cr_assert_eq(load_status(W_ANON, id), GC_OK);
	cr_assert_str_eq(item_field(id, "visibility"), "public");
	cr_assert_str_eq(item_field(id, "release_at"), "(null)");
	cr_assert_str_eq(item_field(id, "notice_title"), "(null)");
	cr_assert_str_eq(item_field(withdrawn, "visibility"), "restricted");
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM search_docs WHERE item_id = ? AND visibility = 'public'", id), 1);
	/* Run again: nothing more to do, no more records. */
	OK(gc_items_release_due(fx.db, T0 + 7200 * 1000, &released));
	cr_assert_eq(released, 0);
	cr_assert_eq(audit_count(), audits + 1);

	/* A release on a public item, or in the past, is refused; cancelling works. */
	int64_t r = create_simple(W_A_EDITOR, GC_VIS_RESTRICTED, false);
	struct gc_item_access past = { .fields = GC_ITEM_SET_RELEASE, .release_at = t0 };
	struct gc_item_ctx ctx = ctx_of(W_A_EDITOR);
	cr_assert_eq(gc_item_set_access(&ctx, r, 1, &past), GC_EINVAL);
	cr_assert_str_eq(ctx.field, "release_at");
	struct gc_item_access later = { .fields = GC_ITEM_SET_RELEASE, .release_at = t0 + 60 };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, r, 1, &later));
	struct gc_item_access cancel = { .fields = GC_ITEM_SET_RELEASE, .release_at = 0 };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, r, 2, &cancel));
	OK(gc_items_release_due(fx.db, T0 + 120 * 1000, &released));
	cr_assert_eq(released, 0);
	cr_assert_str_eq(item_field(r, "visibility"), "restricted");
}

BOTH(load_shows_people_to_insiders_only)
{
	int64_t to_b[] = { fx.org[O_B], fx.org[O_C] };
	struct gc_item_new in = { .module = "test", .title = "Shared", .visibility = GC_VIS_NAMED, .shares = to_b,
				  .n_shares = 2, .country = "AAA", .languages = (const char *const[]){ "en" },
				  .n_languages = 1 };
	int64_t id = create(W_A_EDITOR, &in, GC_OK);
	struct gc_item_ctx ctx = ctx_of(W_A_READER);
	json_t *env = NULL;
	OK(gc_item_load(&ctx, id, &env));
	json_t *by = json_object_get(env, "created_by");
	cr_assert_str_eq(json_string_value(json_object_get(by, "name")), "A editor");
	cr_assert_eq(json_integer_value(json_object_get(by, "id")), fx.user[W_A_EDITOR]);
	cr_assert_str_eq(json_string_value(json_object_get(by, "organisation")), "State A");
	cr_assert_eq(json_array_size(json_object_get(env, "shares")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(env, "visibility")), "named");
	cr_assert_str_eq(json_string_value(json_object_get(env, "status")), "published");
	cr_assert_str_eq(json_string_value(json_object_get(env, "country")), "AAA");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(env, "owner"), "name")), "State A");
	cr_assert(json_is_false(json_object_get(json_object_get(env, "can"), "edit")));
	cr_assert(json_is_null(json_object_get(env, "uploaded_by")));
	json_decref(env);
	ctx = ctx_of(W_B_EDITOR);
	OK(gc_item_load(&ctx, id, &env));
	by = json_object_get(env, "created_by");
	cr_assert(json_is_null(json_object_get(by, "name")));
	cr_assert(json_is_null(json_object_get(by, "id")));
	cr_assert_str_eq(json_string_value(json_object_get(by, "organisation")), "State A");
	cr_assert(json_is_null(json_object_get(env, "shares")));
	cr_assert(json_is_null(json_object_get(env, "review_note")));
	json_decref(env);
	/* gc_item_get: the policy's envelope, in the caller's arena. */
	struct gc_arena *arena = gc_arena_new(1 << 16);
	struct gc_item_envelope e;
	OK(gc_item_get(&ctx, id, arena, &e));
	cr_assert_eq(e.n_shares, 2);
	cr_assert_str_eq(e.module, "test");
	cr_assert_eq(e.visibility, GC_VIS_NAMED);
	ctx = ctx_of(W_OBS);
	cr_assert_eq(gc_item_get(&ctx, id, arena, &e), GC_ENOTFOUND);
	gc_arena_free(arena);
}

BOTH(operations_join_the_callers_transaction)
{
	struct gc_item_new in = { .module = "test", .title = "In a transaction" };
	struct gc_item_ctx ctx = ctx_of(W_A_EDITOR);
	int64_t id = 0, audits = audit_count();
	OK(gc_db_begin_write(fx.db));
	OK(gc_item_create(&ctx, &in, &id));
	cr_assert(gc_db_in_transaction(fx.db));
	gc_db_rollback(fx.db);
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items WHERE id = ?", id), 0);
	cr_assert_eq(audit_count(), audits);
	OK(gc_db_begin_write(fx.db));
	OK(gc_item_create(&ctx, &in, &id));
	OK(gc_db_commit(fx.db));
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items WHERE id = ?", id), 1);
	/* A failure inside the caller's transaction rolls it all back. */
	OK(gc_db_begin_write(fx.db));
	int64_t second = 0;
	OK(gc_item_create(&ctx, &in, &second));
	cr_assert_eq(gc_item_withdraw(&ctx, id, 99), GC_ECONFLICT);
	cr_assert_not(gc_db_in_transaction(fx.db));
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items WHERE id = ?", second), 0);
	/* So does one refused before any statement ran. */
	OK(gc_db_begin_write(fx.db));
	OK(gc_item_create(&ctx, &in, &second));
	struct gc_item_new bad_title = { .module = "test", .title = "" };
	int64_t third = 0;
	cr_assert_eq(gc_item_create(&ctx, &bad_title, &third), GC_EINVAL);
	cr_assert_not(gc_db_in_transaction(fx.db));
	cr_assert_eq(count("SELECT COUNT(*) AS n FROM items WHERE id = ?", second), 0);
	/* The log is intact after all of it. */
	int64_t bad_id = -1;
	OK(gc_audit_verify(fx.db, &bad_id, NULL, 0));
	cr_assert_eq(bad_id, 0);
}

BOTH(search_documents_follow_the_envelope)
{
	int64_t id = create_simple(W_A_EDITOR, GC_VIS_PUBLIC, false);
	put_search_doc(id, O_A, "public", "published");
	struct idset ids;
	sql_ids(PRED_VISIBLE, NULL, false, true, &ids);
	cr_assert(idset_has(&ids, id));
	struct gc_item_access narrow = { .fields = GC_ITEM_SET_VISIBILITY, .visibility = GC_VIS_RESTRICTED };
	OP(W_A_EDITOR, GC_OK, "item.visibility", gc_item_set_access(&op, id, 1, &narrow));
	sql_ids(PRED_VISIBLE, NULL, false, true, &ids);
	cr_assert_not(idset_has(&ids, id));
	sql_ids(PRED_VISIBLE, P(W_B_EDITOR), false, true, &ids);
	cr_assert(idset_has(&ids, id));
	OP(W_A_EDITOR, GC_OK, "item.withdraw", gc_item_withdraw(&op, id, 2));
	sql_ids(PRED_VISIBLE, P(W_B_EDITOR), false, true, &ids);
	cr_assert_not(idset_has(&ids, id));
	sql_ids(PRED_VISIBLE, P(W_SEC_REVIEWER), false, true, &ids);
	cr_assert(idset_has(&ids, id));
	/* The search interface itself, with the predicate appended. */
	struct gc_arena *arena = gc_arena_new(1 << 16);
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	struct gc_search_query q = { .text = "canary", .limit = 10, .visible_params = params };
	OK(gc_policy_visible_sql(P(W_A_READER), false, "d", "item_id", arena, &q.visible_sql, params,
				 &q.n_visible_params));
	json_t *result = NULL;
	OK(gc_search_run(fx.db, &q, &result));
	cr_assert_eq(json_integer_value(json_object_get(result, "total")), 1);
	json_decref(result);
	OK(gc_policy_visible_sql(P(W_B_EDITOR), false, "d", "item_id", arena, &q.visible_sql, params,
				 &q.n_visible_params));
	OK(gc_search_run(fx.db, &q, &result));
	cr_assert_eq(json_integer_value(json_object_get(result, "total")), 0);
	json_decref(result);
	gc_arena_free(arena);
}

BOTH(observers_setting_is_read_from_settings)
{
	bool observers = true;
	OK(gc_policy_read_observers(fx.db, &observers));
	cr_assert_not(observers);
	OK(gc_db_exec(fx.db, "UPDATE settings SET value = '1' WHERE key = 'restricted_includes_observers'", GC_NO_PARAMS,
		      NULL));
	OK(gc_policy_read_observers(fx.db, &observers));
	cr_assert(observers);
	OK(gc_db_exec(fx.db, "DELETE FROM settings WHERE key = 'restricted_includes_observers'", GC_NO_PARAMS, NULL));
	OK(gc_policy_read_observers(fx.db, &observers));
	cr_assert_not(observers);
}

/* --- pure functions --------------------------------------------------------------------------------- */

Test(policy, child_visibility_within_parent)
{
	int64_t ab[] = { 1, 2 }, a[] = { 1 }, c[] = { 3 };
	struct gc_item_envelope pub = { .visibility = GC_VIS_PUBLIC }, res = { .visibility = GC_VIS_RESTRICTED };
	struct gc_item_envelope named_ab = { .visibility = GC_VIS_NAMED, .shares = ab, .n_shares = 2 };
	struct gc_item_envelope named_a = { .visibility = GC_VIS_NAMED, .shares = a, .n_shares = 1 };
	struct gc_item_envelope named_c = { .visibility = GC_VIS_NAMED, .shares = c, .n_shares = 1 };
	cr_assert(gc_item_visibility_within(&pub, &pub));
	cr_assert(gc_item_visibility_within(&pub, &res));
	cr_assert(gc_item_visibility_within(&pub, &named_c));
	cr_assert_not(gc_item_visibility_within(&res, &pub));
	cr_assert(gc_item_visibility_within(&res, &res));
	cr_assert_not(gc_item_visibility_within(&res, &named_a));
	cr_assert_not(gc_item_visibility_within(&named_ab, &pub));
	cr_assert_not(gc_item_visibility_within(&named_ab, &res));
	cr_assert(gc_item_visibility_within(&named_ab, &named_a));
	cr_assert(gc_item_visibility_within(&named_ab, &named_ab));
	cr_assert_not(gc_item_visibility_within(&named_a, &named_ab));
	cr_assert_not(gc_item_visibility_within(&named_ab, &named_c));
}

Test(policy, names_round_trip)
{
	for (int v = GC_VIS_PUBLIC; v <= GC_VIS_NAMED; v++) {
		enum gc_visibility back;
		cr_assert(gc_visibility_parse(gc_visibility_name((enum gc_visibility)v), &back));
		cr_assert_eq((int)back, v);
	}
	for (int s = GC_ITEM_DRAFT; s <= GC_ITEM_WITHDRAWN; s++) {
		enum gc_item_status back;
		cr_assert(gc_item_status_parse(gc_item_status_name((enum gc_item_status)s), &back));
		cr_assert_eq((int)back, s);
	}
	enum gc_approval a;
	cr_assert(gc_approval_parse("four_eyes", &a));
	cr_assert_eq(a, GC_APPROVAL_FOUR_EYES);
	cr_assert_null(gc_visibility_name(GC_VIS_DEFAULT));
	cr_assert_null(gc_approval_name(GC_APPROVAL_NONE));
	cr_assert_null(gc_item_status_name((enum gc_item_status)17));
	enum gc_visibility v;
	cr_assert_not(gc_visibility_parse("Public", &v));
	cr_assert_not(gc_visibility_parse(NULL, &v));
}

Test(policy, predicate_text_is_ours_only)
{
	struct gc_arena *arena = gc_arena_new(1 << 16);
	const char *sql = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	struct gc_principal p = { .user_id = 1, .role = GC_ROLE_EDITOR, .org_id = 2, .org_kind = GC_ORG_MEMBER_STATE };
	static const char *const refused[] = { "", "D", "d;", "d.x", "i)", "_x", "abcdefghijklmnopq", "d x" };
	for (size_t i = 0; i < GC_ARRAY_LEN(refused); i++) {
		cr_assert_eq(gc_policy_visible_sql(&p, false, refused[i], "id", arena, &sql, params, &n), GC_EINVAL);
		cr_assert_eq(gc_policy_visible_sql(&p, false, "i", refused[i], arena, &sql, params, &n), GC_EINVAL);
		cr_assert_eq(gc_policy_notice_sql(&p, false, refused[i], "id", arena, &sql, params, &n), GC_EINVAL);
		cr_assert_eq(gc_policy_review_sql(&p, refused[i], arena, &sql, params, &n), GC_EINVAL);
	}
	/* Anonymous needs no parameter; a signed-in principal binds its organisation, never formats it. */
	cr_assert_eq(gc_policy_visible_sql(NULL, false, "d", "item_id", arena, &sql, params, &n), GC_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(gc_policy_visible_sql(&p, true, "d", "item_id", arena, &sql, params, &n), GC_OK);
	cr_assert_eq(n, 2);
	cr_assert_null(strstr(sql, "2"));
	cr_assert_leq(n, GC_POLICY_MAX_PARAMS);
	gc_arena_free(arena);
}
