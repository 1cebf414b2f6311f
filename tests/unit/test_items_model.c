/*
 * A model-based test of who may see what (SECURITY.md R4).
 *
 * A seeded PRNG drives random operations (create, edit, share and other
 * access changes, submit, publish, reject, withdraw, scheduled release, the
 * observers setting) by random principals, many of which must fail, against
 * the real implementation (auth/items.c over a real database) and against a
 * small reference model written below in plain C, with no SQL and nothing
 * borrowed from auth/policy.c. After every step, for every principal, the
 * items gc_item_load shows, the items the SQL predicate selects over items
 * and over search_docs, and the public notices must be exactly the model's,
 * and every item's status, visibility, approval and version must match.
 *
 * On a failure the message names the seed and the step; replay with
 *   GCSCP_MODEL_SEED=<seed> [GCSCP_MODEL_STEPS=<n>] build/tests/test_items_model
 * SQLite runs 2,000 steps; PostgreSQL (when GCSCP_TEST_PG is set) 600 by
 * default, as every check is a round trip; a sanitizer build runs fewer.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
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
#include "base/parse.h"
#include "modules/core/core.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "store/search.h"
#include "store/store.h"

#define DEFAULT_SEED 20261128u
#define FULL_RUN 2000 /* steps after which every path below must have been taken */
#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer every JSON value is a guarded allocation and a full
 * run takes many minutes; that build hunts memory errors, which a shorter
 * run finds as well. The normal build runs the full length. */
#define STEPS_SQLITE 500
#define STEPS_POSTGRES 200
#else
#define STEPS_SQLITE FULL_RUN
#define STEPS_POSTGRES 600
#endif
#define MAX_ITEMS 60 /* items in all: every step compares every one for every principal */
#define MAX_LIVE 24  /* items not withdrawn: beyond this, creations are only ones that must fail */
#define T0_MS 1893456000000LL

/* --- the world ---------------------------------------------------------------------- */

enum { O_SEC, O_A, O_B, O_C, O_OBS, O_UNB, O_REG, O_STK, N_ORGS };

static const struct {
	const char *kind, *name;
	bool four_eyes;
} orgs[N_ORGS] = {
	[O_SEC] = { "secretariat", "UNODA", false },	  [O_A] = { "member_state", "A", true },
	[O_B] = { "member_state", "B", false },		  [O_C] = { "member_state", "C", false },
	[O_OBS] = { "observer_state", "Observer", false }, [O_UNB] = { "un_body", "UN body", false },
	[O_REG] = { "regional_org", "Regional", false },   [O_STK] = { "stakeholder", "Stakeholder", false },
};

enum { R_READER, R_EDITOR, R_ADMIN };

/* Principal 0 is the anonymous visitor. */
static const struct {
	int org, role;
	bool limited; /* may edit the module "other" only */
	const char *label;
} people[] = {
	{ -1, R_READER, false, "anonymous" },
	{ O_STK, R_EDITOR, false, "stakeholder editor" },
	{ O_REG, R_EDITOR, false, "regional editor" },
	{ O_UNB, R_EDITOR, false, "UN body editor" },
	{ O_A, R_READER, false, "A reader" },
	{ O_A, R_EDITOR, false, "A editor" },
	{ O_A, R_ADMIN, false, "A admin" },
	{ O_A, R_ADMIN, false, "A admin 2" },
	{ O_A, R_EDITOR, true, "A limited editor" },
	{ O_B, R_EDITOR, false, "B editor" },
	{ O_OBS, R_EDITOR, false, "observer editor" },
	{ O_SEC, R_EDITOR, false, "Secretariat reviewer" },
	{ O_SEC, R_ADMIN, false, "Secretariat admin" },
	{ O_SEC, R_ADMIN, false, "Secretariat admin 2" },
};
#define N_PEOPLE ((int)(sizeof(people) / sizeof(people[0])))

static const char *const modules[] = { "test", "other" };

/* --- the reference model -------------------------------------------------------------- */

enum { V_PUBLIC, V_RESTRICTED, V_NAMED };
enum { S_DRAFT, S_PENDING, S_PUBLISHED, S_WITHDRAWN };
enum { AP_NONE, AP_SECRETARIAT, AP_FOUR_EYES };

struct mitem {
	int64_t id;
	int module;
	int owner;
	int vis;
	bool share[N_ORGS];
	int status;
	int approval;
	int64_t version;
	int created_by;
	int submitted_by; /* -1: none */
	int notice;       /* 0: none, else the notice's number */
	int64_t release_s; /* 0: none */
};

static struct {
	struct mitem items[MAX_ITEMS];
	int n;
	bool observers;
	int64_t now_ms;
} model;

/*
 * The paths a run must have taken to mean anything: a full run asserts that
 * each happened at least once, so a change to the generator cannot quietly
 * stop testing them.
 */
enum {
	COV_EDIT_TO_PENDING,     /* an edit of a published item sent back to review */
	COV_WIDEN_TO_PENDING,    /* a widening of a published item sent back to review */
	COV_RESTRICTED_TO_NAMED, /* restricted -> named counted as widening */
	COV_NARROW_STAYS,        /* a narrowing that needs no review */
	COV_OWN_REVIEW_REFUSED,  /* an author or submitter refused as reviewer */
	COV_FOUR_EYES_PUBLISH,
	COV_SECRETARIAT_PUBLISH,
	COV_REJECT,
	COV_RELEASE,
	COV_NAMED_SHARED_SEEN,   /* a named item seen by an organisation on its list */
	COV_OBSERVER_RESTRICTED, /* an observer state seeing a restricted item */
	N_COV
};
static const char *const cov_names[N_COV] = {
	"edit to pending", "widen to pending", "restricted to named", "narrow stays", "own review refused",
	"four-eyes publish", "Secretariat publish", "reject", "release", "named shared seen", "observer restricted",
};
static int cov[N_COV];

static bool is_state(int o)
{
	return o == O_A || o == O_B || o == O_C || o == O_OBS;
}

static bool writer(int w)
{
	return w > 0 && people[w].role != R_READER;
}

static bool m_see(int w, const struct mitem *it)
{
	int o = w > 0 ? people[w].org : -1;
	if (o == it->owner)
		return true;
	if (o == O_SEC)
		return it->status != S_DRAFT;
	if (it->status != S_PUBLISHED)
		return false;
	if (it->vis == V_PUBLIC)
		return true;
	if (o < 0)
		return false;
	if (it->vis == V_RESTRICTED)
		return o == O_A || o == O_B || o == O_C || (o == O_OBS && model.observers);
	return it->share[o];
}

static bool m_module_ok(int w, int module)
{
	return people[w].role == R_ADMIN || !people[w].limited || module == 1;
}

static bool m_edit(int w, const struct mitem *it)
{
	if (!writer(w) || it->status == S_WITHDRAWN)
		return false;
	if (people[w].org == it->owner)
		return m_module_ok(w, it->module);
	return people[w].org == O_SEC && people[w].role == R_ADMIN && it->status != S_DRAFT;
}

static bool m_withdraw(int w, const struct mitem *it)
{
	return m_edit(w, it) ||
	       (writer(w) && people[w].org == O_SEC && (it->status == S_PENDING || it->status == S_PUBLISHED));
}

static bool m_review(int w, const struct mitem *it)
{
	if (!writer(w) || it->status != S_PENDING || w == it->created_by || w == it->submitted_by)
		return false;
	if (it->approval == AP_SECRETARIAT)
		return people[w].org == O_SEC;
	return it->approval == AP_FOUR_EYES && people[w].org == it->owner && people[w].role == R_ADMIN;
}

/* What a change by w to an item of owner needs before it is public. */
static int m_needed(int w, int owner)
{
	if (is_state(owner))
		return (people[w].org == owner && people[w].role == R_EDITOR && orgs[owner].four_eyes) ? AP_FOUR_EYES
												     : AP_NONE;
	return owner == O_SEC ? AP_NONE : AP_SECRETARIAT;
}

/* Is readership b within readership a? */
static bool m_within(int a_vis, const bool *a_share, int b_vis, const bool *b_share)
{
	if (b_vis == V_PUBLIC)
		return a_vis == V_PUBLIC;
	if (b_vis == V_RESTRICTED)
		return a_vis != V_NAMED;
	if (a_vis == V_PUBLIC)
		return true;
	if (a_vis == V_RESTRICTED)
		return false;
	for (int o = 0; o < N_ORGS; o++)
		if (b_share[o] && !a_share[o])
			return false;
	return true;
}

static bool m_notice_shown(int w, const struct mitem *it)
{
	return it->status == S_PUBLISHED && it->vis != V_PUBLIC && it->notice && !m_see(w, it);
}

/* --- the fixture ------------------------------------------------------------------------- */

static struct {
	char dir[64];
	char admin_url[1024];
	char db_name[64];
	struct gc_pool *pool;
	struct gc_db *db;
	int64_t org_id[N_ORGS];
	struct gc_principal p[N_PEOPLE];
	uint64_t seed;
	int step;
	char what[256];
} fx;

/* Every failure says how to replay it. */
#define CHECK(cond, ...)                                                                                          \
	do {                                                                                                      \
		if (!(cond)) {                                                                                    \
			char detail_[512];                                                                        \
			snprintf(detail_, sizeof(detail_), __VA_ARGS__);                                          \
			cr_assert(false, "seed %" PRIu64 ", step %d (%s): %s", fx.seed, fx.step, fx.what, detail_); \
		}                                                                                                 \
	} while (0)

#define OK(expr)                                                                                                   \
	do {                                                                                                       \
		gc_status st_ = (expr);                                                                            \
		CHECK(st_ == GC_OK, "%s: %s %s", #expr, gc_status_name(st_), gc_db_errmsg(fx.db));                \
	} while (0)

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
	cr_assert_eq(gc_db_exec_script(db, sql), GC_OK, "%s: %s", sql, gc_db_errmsg(db));
	gc_pool_release(admin, db);
	gc_pool_close(admin);
}

static void open_world(enum gc_db_engine engine)
{
	char url[1200], err[512] = "";
	memset(&fx, 0, sizeof(fx));
	memset(&model, 0, sizeof(model));
	cr_assert(sodium_init() >= 0);
	if (engine == GC_DB_SQLITE) {
		/* On tmpfs when there is one: this test is about logic, and SQLite's
		 * synchronous=FULL would spend most of the run waiting for the disk. */
		snprintf(fx.dir, sizeof(fx.dir), "%s/gcscp-model-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		cr_assert_not_null(mkdtemp(fx.dir));
		snprintf(url, sizeof(url), "sqlite:%s/m.db", fx.dir);
	} else {
		const char *admin = getenv("GCSCP_TEST_PG");
		if (!admin || !admin[0])
			cr_skip_test("GCSCP_TEST_PG is not set");
		snprintf(fx.admin_url, sizeof(fx.admin_url), "%s", admin);
		snprintf(fx.db_name, sizeof(fx.db_name), "gcscp_test_model_%ld_%u", (long)getpid(), randombytes_random());
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", fx.db_name);
		admin_script(sql);
		url_with_db(admin, fx.db_name, url, sizeof(url));
	}
	cr_assert_eq(gc_pool_open(url, fx.dir[0] ? fx.dir : NULL, 1, &fx.pool, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(fx.pool, 5000, &fx.db), GC_OK);
	cr_assert_eq(gc_migrate_component(fx.db, "core", core_migrations, CORE_MIGRATION_COUNT, err, sizeof(err)), GC_OK,
		     "%s", err);
	cr_assert_eq(gc_migrate_component(fx.db, "search", gc_search_migrations, gc_search_migration_count, err,
					  sizeof(err)),
		     GC_OK, "%s", err);
	cr_assert_eq(gc_migrate_component(fx.db, "jobs", gc_jobs_migrations, gc_jobs_migration_count, err, sizeof(err)),
		     GC_OK, "%s", err);
	cr_assert_eq(gc_auth_migrate(fx.db, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_migrate_component(fx.db, GC_ITEMS_COMPONENT, gc_items_migrations, GC_ITEMS_MIGRATION_COUNT, err,
					  sizeof(err)),
		     GC_OK, "%s", err);
	for (int o = 0; o < N_ORGS; o++)
		OK(gc_db_query_int(fx.db,
				   "INSERT INTO organisations (kind, name, four_eyes, created_at) VALUES (?, ?, ?, 'x')"
				   " RETURNING id",
				   GC_PARAMS(GC_TEXT(orgs[o].kind), GC_TEXT(orgs[o].name), GC_INT(orgs[o].four_eyes)),
				   &fx.org_id[o]));
	for (int w = 1; w < N_PEOPLE; w++) {
		static const char *const roles[] = { "reader", "editor", "admin" };
		char email[48];
		struct gc_principal *p = &fx.p[w];
		snprintf(email, sizeof(email), "p%d@example.org", w);
		OK(gc_db_query_int(fx.db,
				   "INSERT INTO users (org_id, email, name, role, status, created_at, updated_at)"
				   " VALUES (?, ?, ?, ?, 'active', 'x', 'x') RETURNING id",
				   GC_PARAMS(GC_INT(fx.org_id[people[w].org]), GC_TEXT(email), GC_TEXT(people[w].label),
					     GC_TEXT(roles[people[w].role])),
				   &p->user_id));
		p->name = people[w].label;
		p->org_id = fx.org_id[people[w].org];
		p->org_name = orgs[people[w].org].name;
		cr_assert(gc_org_kind_parse(orgs[people[w].org].kind, &p->org_kind));
		cr_assert(gc_role_parse(roles[people[w].role], &p->role));
		p->org_four_eyes = orgs[people[w].org].four_eyes;
		if (people[w].limited) {
			p->module_limits[0] = "other";
			p->n_module_limits = 1;
		}
	}
	model.now_ms = T0_MS;
}

static void close_world(void)
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
		static const char *const files[] = { "m.db", "m.db-wal", "m.db-shm" };
		char path[128];
		for (size_t i = 0; i < GC_ARRAY_LEN(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", fx.dir, files[i]);
			unlink(path);
		}
		rmdir(fx.dir);
		fx.dir[0] = '\0';
	}
}

/* --- randomness ------------------------------------------------------------------------------ */

static uint64_t rng_state;

/* splitmix64: small, fast and the same on every platform, so a seed replays anywhere. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rnd(int n)
{
	return (int)(rng_next() % (uint64_t)n);
}

static bool chance(int percent)
{
	return rnd(100) < percent;
}

static void random_shares(bool *share, int *n)
{
	*n = 0;
	memset(share, 0, sizeof(bool) * N_ORGS);
	int want = 1 + rnd(3);
	for (int k = 0; k < want; k++) {
		int o = rnd(N_ORGS);
		if (!share[o]) {
			share[o] = true;
			(*n)++;
		}
	}
}

static size_t shares_list(const bool *share, int64_t *out)
{
	size_t n = 0;
	for (int o = 0; o < N_ORGS; o++)
		if (share[o])
			out[n++] = fx.org_id[o];
	return n;
}

static const enum gc_visibility to_vis[] = { [V_PUBLIC] = GC_VIS_PUBLIC, [V_RESTRICTED] = GC_VIS_RESTRICTED,
					     [V_NAMED] = GC_VIS_NAMED };
static const char *const vis_text[] = { "public", "restricted", "named" };
static const char *const status_text[] = { "draft", "pending", "published", "withdrawn" };

/*
 * A principal: anyone half the time, else one plausible for the operation
 * on it; for reviews, now and then the item's own author or submitter, who
 * must be refused.
 */
static int pick_person(const struct mitem *it, int kind)
{
	if (!it || chance(50))
		return rnd(N_PEOPLE);
	if (kind == 1 && chance(30))
		return chance(50) && it->submitted_by > 0 ? it->submitted_by : it->created_by;
	int candidates[N_PEOPLE], n = 0;
	for (int w = 1; w < N_PEOPLE; w++) {
		bool owner_admin = people[w].org == it->owner && people[w].role == R_ADMIN;
		bool reviewer = it->approval == AP_FOUR_EYES	 ? owner_admin
				: it->approval == AP_SECRETARIAT ? people[w].org == O_SEC
								 : people[w].org == O_SEC || owner_admin;
		bool secretariat_admin = people[w].org == O_SEC && people[w].role == R_ADMIN;
		bool plausible = kind == 0   ? people[w].org == it->owner || people[w].org == O_SEC
				 : kind == 1 ? reviewer
					     : people[w].org == it->owner || secretariat_admin;
		if (plausible)
			candidates[n++] = w;
	}
	return n ? candidates[rnd(n)] : rnd(N_PEOPLE);
}

static struct gc_item_ctx ctx_of(int w)
{
	return (struct gc_item_ctx){ .db = fx.db,
				     .principal = w > 0 ? &fx.p[w] : NULL,
				     .restricted_includes_observers = model.observers,
				     .now_ms = model.now_ms };
}

static int64_t audit_count(void)
{
	int64_t n = -1;
	OK(gc_db_query_int(fx.db, "SELECT COUNT(*) AS n FROM audit_log", GC_NO_PARAMS, &n));
	return n;
}

/* --- operations: the model's answer, then the implementation's ---------------------------------- */

static void op_create(void)
{
	int w = rnd(N_PEOPLE);
	int module = chance(25) ? 1 : 0;
	bool draft = chance(25);
	int64_t acting_for = 0;
	int owner = w > 0 ? people[w].org : -1;
	if (w > 0 && people[w].org == O_SEC && people[w].role == R_ADMIN && chance(50)) {
		owner = rnd(N_ORGS);
		acting_for = fx.org_id[owner];
	} else if (w > 0 && chance(3)) {
		owner = rnd(N_ORGS);
		acting_for = fx.org_id[owner];
	}
	int vis_choice = rnd(4); /* 0..2 as V_*, 3: the default */
	bool share[N_ORGS] = { 0 };
	int n_share = 0;
	if (vis_choice == V_NAMED && !chance(5))
		random_shares(share, &n_share);
	int notice = chance(20) ? 1 + rnd(1000) : 0;
	int64_t now_s = model.now_ms / 1000;
	int64_t release = chance(15) ? (chance(10) ? now_s - rnd(100) : now_s + 1 + rnd(7200)) : 0;
	bool bad_title = chance(3);
	/* At the caps, only creations that must fail. */
	int live = 0;
	for (int k = 0; k < model.n; k++)
		live += model.items[k].status != S_WITHDRAWN;
	if (model.n >= MAX_ITEMS || live >= MAX_LIVE)
		bad_title = true;

	/* The model's answer, in the order the contract gives. */
	gc_status want = GC_OK;
	bool on_behalf = w > 0 && acting_for && acting_for != fx.org_id[people[w].org];
	int vis = vis_choice == 3 ? (owner >= 0 && is_state(owner) ? V_RESTRICTED : V_PUBLIC) : vis_choice;
	if (w == 0)
		want = GC_ENOTFOUND;
	else if (on_behalf && !(people[w].org == O_SEC && people[w].role == R_ADMIN))
		want = GC_EINVAL;
	else if (!writer(w) || !m_module_ok(w, module))
		want = GC_ENOTFOUND;
	else if (on_behalf && draft)
		want = GC_EINVAL;
	else if (bad_title)
		want = GC_EINVAL;
	else if ((vis == V_NAMED && n_share == 0) || (notice && vis == V_PUBLIC) ||
		 (release && (vis == V_PUBLIC || release <= now_s)))
		want = GC_EINVAL;

	char title[32], notice_title[32];
	if (bad_title)
		snprintf(title, sizeof(title), "%s", "bad\ntitle");
	else
		snprintf(title, sizeof(title), "Item %d", fx.step);
	snprintf(notice_title, sizeof(notice_title), "Notice %d", notice);
	int64_t list[N_ORGS];
	struct gc_item_new in = { .module = modules[module],
				  .title = title,
				  .visibility = vis_choice == 3 ? GC_VIS_DEFAULT : to_vis[vis_choice],
				  .shares = list,
				  .n_shares = shares_list(share, list),
				  .notice_title = notice ? notice_title : NULL,
				  .release_at = release,
				  .draft = draft,
				  .acting_for_org = acting_for };
	snprintf(fx.what, sizeof(fx.what), "create by %s: %s %s%s owner %d notice %d release %" PRId64,
		 people[w].label, modules[module], vis_choice == 3 ? "default" : vis_text[vis_choice],
		 draft ? " draft" : "", owner, notice, release);
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t id = 0, audits = audit_count();
	gc_status got = gc_item_create(&ctx, &in, &id);
	CHECK(got == want, "got %s, the model says %s (field %s)", gc_status_name(got), gc_status_name(want),
	      ctx.field ? ctx.field : "-");
	CHECK(audit_count() == audits + (got == GC_OK), "audit records");
	if (got != GC_OK)
		return;

	struct mitem *it = &model.items[model.n++];
	memset(it, 0, sizeof(*it));
	it->id = id;
	it->module = module;
	it->owner = owner;
	it->vis = vis;
	memcpy(it->share, share, sizeof(share));
	it->version = 1;
	it->created_by = w;
	it->notice = notice;
	it->release_s = release;
	if (draft) {
		it->status = S_DRAFT;
		it->submitted_by = -1;
	} else {
		it->approval = m_needed(w, owner);
		it->status = it->approval == AP_NONE ? S_PUBLISHED : S_PENDING;
		it->submitted_by = w;
	}
	/* The module's search document, with the envelope as created; items.c keeps it in step. */
	char url[32];
	snprintf(url, sizeof(url), "/test/%" PRId64, id);
	struct gc_search_doc doc = { .module = modules[module], .item_id = id, .lang = "en", .title = title,
				     .body = "body", .url = url, .visibility = vis_text[vis],
				     .status = status_text[it->status], .owner_org = fx.org_id[owner] };
	OK(gc_search_put(fx.db, &doc));
}

/*
 * An existing item most of the time, sometimes one that never existed;
 * mostly one in the status the operation works on (prefer, or -1), so that
 * workflows get far enough to matter.
 */
static struct mitem *pick_item(int prefer, int64_t *id)
{
	if (model.n == 0 || chance(4)) {
		*id = 900000 + rnd(1000);
		return NULL;
	}
	struct mitem *it = &model.items[rnd(model.n)];
	if (prefer >= 0 && chance(70)) {
		int matching[MAX_ITEMS], n = 0;
		for (int k = 0; k < model.n; k++)
			if (model.items[k].status == prefer)
				matching[n++] = k;
		if (n)
			it = &model.items[matching[rnd(n)]];
	}
	*id = it->id;
	return it;
}

static int64_t pick_version(const struct mitem *it)
{
	if (!it)
		return 1;
	return chance(8) ? it->version - 1 - rnd(2) : it->version;
}

/* Runs one change and compares its status and audit record with the model's. */
static void expect(gc_status got, gc_status want, int64_t audits, const struct gc_item_ctx *ctx)
{
	CHECK(got == want, "got %s, the model says %s (field %s)", gc_status_name(got), gc_status_name(want),
	      ctx->field ? ctx->field : "-");
	CHECK(audit_count() == audits + (got == GC_OK), "audit records");
	CHECK(!gc_db_in_transaction(fx.db), "a transaction left open");
}

static void op_edit(void)
{
	int64_t id;
	struct mitem *it = pick_item(chance(30) ? S_PENDING : S_PUBLISHED, &id);
	int w = pick_person(it, 2);
	int64_t version = pick_version(it);
	snprintf(fx.what, sizeof(fx.what), "edit of %" PRId64 " by %s at version %" PRId64, id, people[w].label, version);
	gc_status want = GC_OK;
	if (!it || !m_see(w, it) || !m_edit(w, it))
		want = GC_ENOTFOUND;
	else if (version != it->version)
		want = GC_ECONFLICT;
	struct gc_item_edit in = { .fields = GC_ITEM_SET_TITLE, .title = "Edited" };
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t audits = audit_count();
	expect(gc_item_update(&ctx, id, version, &in), want, audits, &ctx);
	if (want != GC_OK)
		return;
	it->version++;
	if (it->status == S_PENDING) {
		it->submitted_by = w;
	} else if (it->status == S_PUBLISHED && m_needed(w, it->owner) != AP_NONE) {
		it->status = S_PENDING;
		it->approval = m_needed(w, it->owner);
		it->submitted_by = w;
		cov[COV_EDIT_TO_PENDING]++;
	}
}

static void op_access(void)
{
	int64_t id;
	struct mitem *it = pick_item(S_PUBLISHED, &id);
	int w = pick_person(it, 2);
	int64_t version = pick_version(it);
	static const unsigned bits[] = { GC_ITEM_SET_VISIBILITY, GC_ITEM_SET_NOTICE, GC_ITEM_SET_RELEASE };
	unsigned fields = 0;
	while (!fields)
		for (size_t b = 0; b < GC_ARRAY_LEN(bits); b++)
			if (chance(50))
				fields |= bits[b];
	int vis = rnd(3), notice = chance(40) ? 0 : 1 + rnd(1000);
	bool share[N_ORGS] = { 0 };
	int n_share = 0;
	if (vis == V_NAMED && !chance(5))
		random_shares(share, &n_share);
	int64_t now_s = model.now_ms / 1000;
	int64_t release = chance(30) ? 0 : chance(10) ? now_s - rnd(100) : now_s + 1 + rnd(7200);
	snprintf(fx.what, sizeof(fx.what),
		 "access of %" PRId64 " by %s at %" PRId64 ": fields %u vis %s (%d shares) notice %d release %" PRId64,
		 id, people[w].label, version, fields, vis_text[vis], n_share, notice, release);

	gc_status want = GC_OK;
	struct mitem next = it ? *it : (struct mitem){ 0 };
	bool widens = false;
	if (!it || !m_see(w, it) || !m_edit(w, it)) {
		want = GC_ENOTFOUND;
	} else if (version != it->version) {
		want = GC_ECONFLICT;
	} else {
		if (fields & GC_ITEM_SET_VISIBILITY) {
			next.vis = vis;
			memcpy(next.share, share, sizeof(share));
			if (vis == V_PUBLIC) {
				next.notice = 0;
				next.release_s = 0;
			}
		}
		if (fields & GC_ITEM_SET_NOTICE)
			next.notice = notice;
		if (fields & GC_ITEM_SET_RELEASE)
			next.release_s = release;
		if ((next.vis == V_NAMED && (fields & GC_ITEM_SET_VISIBILITY) && n_share == 0) ||
		    (next.notice && next.vis == V_PUBLIC) || (next.release_s && next.vis == V_PUBLIC) ||
		    ((fields & GC_ITEM_SET_RELEASE) && next.release_s && next.release_s <= now_s))
			want = GC_EINVAL;
		widens = !m_within(it->vis, it->share, next.vis, next.share) ||
			 (next.notice && next.notice != it->notice) ||
			 (next.release_s && next.release_s != it->release_s);
	}
	char notice_title[32];
	snprintf(notice_title, sizeof(notice_title), "Notice %d", notice);
	int64_t list[N_ORGS];
	struct gc_item_access in = { .fields = fields,
				     .visibility = to_vis[vis],
				     .shares = list,
				     .n_shares = shares_list(share, list),
				     .notice_title = notice ? notice_title : NULL,
				     .release_at = release };
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t audits = audit_count();
	expect(gc_item_set_access(&ctx, id, version, &in), want, audits, &ctx);
	if (want != GC_OK)
		return;
	if (!(next.vis == V_NAMED))
		memset(next.share, 0, sizeof(next.share));
	next.version++;
	if (it->vis == V_RESTRICTED && next.vis == V_NAMED)
		cov[COV_RESTRICTED_TO_NAMED]++;
	if (!widens && next.status == S_PUBLISHED && m_needed(w, next.owner) != AP_NONE)
		cov[COV_NARROW_STAYS]++;
	if (widens && next.status == S_PENDING) {
		next.submitted_by = w;
	} else if (widens && next.status == S_PUBLISHED && m_needed(w, next.owner) != AP_NONE) {
		next.status = S_PENDING;
		next.approval = m_needed(w, next.owner);
		next.submitted_by = w;
		cov[COV_WIDEN_TO_PENDING]++;
	}
	*it = next;
}

static void op_submit(void)
{
	int64_t id;
	struct mitem *it = pick_item(S_DRAFT, &id);
	int w = pick_person(it, 2);
	int64_t version = pick_version(it);
	snprintf(fx.what, sizeof(fx.what), "submit of %" PRId64 " by %s at %" PRId64, id, people[w].label, version);
	gc_status want = GC_OK;
	if (!it || !m_see(w, it))
		want = GC_ENOTFOUND;
	else if (it->status != S_DRAFT)
		want = GC_ECONFLICT;
	else if (!m_edit(w, it))
		want = GC_ENOTFOUND;
	else if (version != it->version)
		want = GC_ECONFLICT;
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t audits = audit_count();
	expect(gc_item_submit(&ctx, id, version), want, audits, &ctx);
	if (want != GC_OK)
		return;
	it->version++;
	it->approval = m_needed(w, it->owner);
	it->status = it->approval == AP_NONE ? S_PUBLISHED : S_PENDING;
	it->submitted_by = w;
}

static void op_review(bool publish)
{
	int64_t id;
	struct mitem *it = pick_item(S_PENDING, &id);
	int w = pick_person(it, 1);
	int64_t version = pick_version(it);
	bool empty_reason = !publish && chance(5);
	snprintf(fx.what, sizeof(fx.what), "%s of %" PRId64 " by %s at %" PRId64, publish ? "publish" : "reject", id,
		 people[w].label, version);
	gc_status want = GC_OK;
	if (empty_reason)
		want = GC_EINVAL;
	else if (!it || !m_see(w, it))
		want = GC_ENOTFOUND;
	else if (it->status != S_PENDING)
		want = GC_ECONFLICT;
	else if (!m_review(w, it))
		want = GC_ENOTFOUND;
	else if (version != it->version)
		want = GC_ECONFLICT;
	if (it && !empty_reason && it->status == S_PENDING && (w == it->created_by || w == it->submitted_by) &&
	    writer(w) && (people[w].org == O_SEC || people[w].org == it->owner))
		cov[COV_OWN_REVIEW_REFUSED]++;
	if (want == GC_OK)
		cov[!publish ? COV_REJECT : it->approval == AP_FOUR_EYES ? COV_FOUR_EYES_PUBLISH : COV_SECRETARIAT_PUBLISH]++;
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t audits = audit_count();
	gc_status got = publish ? gc_item_publish(&ctx, id, version)
				: gc_item_reject(&ctx, id, version, empty_reason ? "" : "Not yet.");
	expect(got, want, audits, &ctx);
	if (want != GC_OK)
		return;
	it->version++;
	it->status = publish ? S_PUBLISHED : S_DRAFT;
	it->approval = AP_NONE;
}

static void op_withdraw(void)
{
	int64_t id;
	struct mitem *it = pick_item(-1, &id);
	int w = pick_person(it, 0);
	int64_t version = pick_version(it);
	snprintf(fx.what, sizeof(fx.what), "withdraw of %" PRId64 " by %s at %" PRId64, id, people[w].label, version);
	gc_status want = GC_OK;
	if (!it || !m_see(w, it))
		want = GC_ENOTFOUND;
	else if (it->status == S_WITHDRAWN)
		want = GC_ECONFLICT;
	else if (!m_withdraw(w, it))
		want = GC_ENOTFOUND;
	else if (version != it->version)
		want = GC_ECONFLICT;
	struct gc_item_ctx ctx = ctx_of(w);
	int64_t audits = audit_count();
	expect(gc_item_withdraw(&ctx, id, version), want, audits, &ctx);
	if (want != GC_OK)
		return;
	it->version++;
	it->status = S_WITHDRAWN;
	it->approval = AP_NONE;
	it->release_s = 0;
}

static void op_release(void)
{
	int64_t now_s = model.now_ms / 1000;
	int due = 0;
	snprintf(fx.what, sizeof(fx.what), "release job at %" PRId64, now_s);
	for (int k = 0; k < model.n; k++) {
		struct mitem *it = &model.items[k];
		if (it->release_s && it->release_s <= now_s && it->status != S_WITHDRAWN) {
			it->vis = V_PUBLIC;
			memset(it->share, 0, sizeof(it->share));
			it->notice = 0;
			it->release_s = 0;
			it->version++;
			due++;
			cov[COV_RELEASE]++;
		}
	}
	int released = -1;
	int64_t audits = audit_count();
	OK(gc_items_release_due(fx.db, model.now_ms, &released));
	CHECK(released == due, "released %d, the model says %d", released, due);
	CHECK(audit_count() == audits + due, "one audit record per release");
}

static void op_observers(void)
{
	model.observers = !model.observers;
	snprintf(fx.what, sizeof(fx.what), "observers setting to %d", model.observers);
	OK(gc_db_exec(fx.db, "UPDATE settings SET value = ? WHERE key = 'restricted_includes_observers'",
		      GC_PARAMS(GC_TEXT(model.observers ? "1" : "0")), NULL));
	bool read = !model.observers;
	OK(gc_policy_read_observers(fx.db, &read));
	CHECK(read == model.observers, "the setting read back");
}

/* --- the comparison after each step ------------------------------------------------------------------- */

static struct mitem *model_item(int64_t id)
{
	for (int k = 0; k < model.n; k++)
		if (model.items[k].id == id)
			return &model.items[k];
	return NULL;
}

/* The ids a predicate selects, checked against the model's set. */
static void compare_sql(int w, bool notices, bool over_search, struct gc_arena *arena)
{
	const char *pred = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	const struct gc_principal *p = w > 0 ? &fx.p[w] : NULL;
	if (notices)
		OK(gc_policy_notice_sql(p, model.observers, "i", "id", arena, &pred, params, &n));
	else
		OK(gc_policy_visible_sql(p, model.observers, over_search ? "d" : "i", over_search ? "item_id" : "id",
					 arena, &pred, params, &n));
	const char *sql = over_search
				  ? gc_arena_printf(arena, "SELECT d.item_id AS id FROM search_docs d WHERE %s", pred)
				  : gc_arena_printf(arena, "SELECT i.id AS id FROM items i WHERE %s", pred);
	json_t *rows = NULL;
	OK(gc_db_query(fx.db, sql, params, n, &rows));
	int expected = 0;
	for (int k = 0; k < model.n; k++)
		expected += notices ? m_notice_shown(w, &model.items[k]) : m_see(w, &model.items[k]);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "id"));
		struct mitem *it = model_item(id);
		CHECK(it && (notices ? m_notice_shown(w, it) : m_see(w, it)), "%s%s selects item %" PRId64 " for %s",
		      notices ? "the notice predicate" : "the predicate", over_search ? " over search_docs" : "", id,
		      people[w].label);
	}
	CHECK((int)json_array_size(rows) == expected, "%s%s selects %zu items for %s, the model %d",
	      notices ? "the notice predicate" : "the predicate", over_search ? " over search_docs" : "",
	      json_array_size(rows), people[w].label, expected);
	json_decref(rows);
}

static void compare_all(void)
{
	struct gc_arena *arena = gc_arena_new(1 << 20);
	cr_assert_not_null(arena);
	for (int w = 0; w < N_PEOPLE; w++) {
		compare_sql(w, false, false, arena);
		compare_sql(w, false, true, arena);
		compare_sql(w, true, false, arena);
		struct gc_item_ctx ctx = ctx_of(w);
		for (int k = 0; k <= model.n; k++) {
			/* ...and one id that never existed, which must look like a hidden one. */
			int64_t id = k < model.n ? model.items[k].id : 999999;
			bool want = k < model.n && m_see(w, &model.items[k]);
			if (want && w > 0 && model.items[k].status == S_PUBLISHED && people[w].org != model.items[k].owner &&
			    people[w].org != O_SEC) {
				cov[COV_NAMED_SHARED_SEEN] += model.items[k].vis == V_NAMED;
				cov[COV_OBSERVER_RESTRICTED] += model.items[k].vis == V_RESTRICTED && people[w].org == O_OBS;
			}
			json_t *env = NULL;
			gc_status got = gc_item_load(&ctx, id, &env);
			CHECK(got == (want ? GC_OK : GC_ENOTFOUND), "gc_item_load(%" PRId64 ") for %s: %s, the model says %s",
			      id, people[w].label, gc_status_name(got), want ? "visible" : "hidden");
			json_decref(env);
		}
	}
	gc_arena_free(arena);

	json_t *rows = NULL;
	OK(gc_db_query(fx.db,
		       "SELECT id AS id, status AS status, visibility AS visibility, approval AS approval,"
		       " version AS version, owner_org AS owner_org, notice_title AS notice_title,"
		       " release_at AS release_at FROM items",
		       GC_NO_PARAMS, &rows));
	CHECK((int)json_array_size(rows) == model.n, "%zu items stored, the model has %d", json_array_size(rows), model.n);
	static const char *const approvals[] = { NULL, "secretariat", "four_eyes" };
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "id"));
		struct mitem *it = model_item(id);
		CHECK(it, "item %" PRId64 " is not in the model", id);
		const char *approval = json_string_value(json_object_get(row, "approval"));
		CHECK(strcmp(json_string_value(json_object_get(row, "status")), status_text[it->status]) == 0 &&
			      strcmp(json_string_value(json_object_get(row, "visibility")), vis_text[it->vis]) == 0 &&
			      json_integer_value(json_object_get(row, "version")) == it->version &&
			      json_integer_value(json_object_get(row, "owner_org")) == fx.org_id[it->owner] &&
			      ((approval == NULL) == (approvals[it->approval] == NULL)) &&
			      (!approval || strcmp(approval, approvals[it->approval]) == 0) &&
			      json_is_string(json_object_get(row, "notice_title")) == (it->notice != 0) &&
			      json_is_string(json_object_get(row, "release_at")) == (it->release_s != 0),
		      "item %" PRId64 ": stored %s/%s/v%lld, the model %s/%s/v%lld", id,
		      json_string_value(json_object_get(row, "status")),
		      json_string_value(json_object_get(row, "visibility")),
		      (long long)json_integer_value(json_object_get(row, "version")), status_text[it->status],
		      vis_text[it->vis], (long long)it->version);
	}
	json_decref(rows);

	/* Sharing lists exactly as the model's, and none left under an item that is not named. */
	OK(gc_db_query(fx.db, "SELECT item_id AS item_id, org_id AS org_id FROM item_shares", GC_NO_PARAMS, &rows));
	int expected = 0;
	for (int k = 0; k < model.n; k++)
		for (int o = 0; o < N_ORGS; o++)
			expected += model.items[k].vis == V_NAMED && model.items[k].share[o];
	CHECK((int)json_array_size(rows) == expected, "%zu share rows, the model has %d", json_array_size(rows), expected);
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "item_id"));
		int64_t org = json_integer_value(json_object_get(row, "org_id"));
		struct mitem *it = model_item(id);
		int o = 0;
		while (o < N_ORGS && fx.org_id[o] != org)
			o++;
		CHECK(it && o < N_ORGS && it->vis == V_NAMED && it->share[o], "share row (%" PRId64 ", %" PRId64 ")", id,
		      org);
	}
	json_decref(rows);
}

/* --- the run ---------------------------------------------------------------------------------------------- */

static int env_int(const char *name, int fallback, int64_t max)
{
	const char *s = getenv(name);
	int64_t v = 0;
	if (!s || gc_parse_i64(s, strlen(s), 0, max, &v) != GC_OK)
		return fallback;
	return (int)v;
}

static void run_model(enum gc_db_engine engine)
{
	open_world(engine);
	fx.seed = (uint64_t)env_int("GCSCP_MODEL_SEED", DEFAULT_SEED, INT32_MAX);
	int steps = env_int("GCSCP_MODEL_STEPS", engine == GC_DB_SQLITE ? STEPS_SQLITE : STEPS_POSTGRES, 1000000);
	rng_state = fx.seed;
	cr_log_info("model test on %s: seed %" PRIu64 ", %d steps", engine == GC_DB_SQLITE ? "SQLite" : "PostgreSQL",
		    fx.seed, steps);
	int counts[9] = { 0 };
	for (fx.step = 1; fx.step <= steps; fx.step++) {
		model.now_ms += (int64_t)rnd(240) * 1000;
		int r = rnd(100);
		/* create 16%, edit 16%, access 18%, submit 10%, publish 16%, reject 7%, withdraw 4%,
		 * release 10%, setting 3% */
		int kind = r < 16 ? 0 : r < 32 ? 1 : r < 50 ? 2 : r < 60 ? 3 : r < 76 ? 4 : r < 83 ? 5 : r < 87 ? 6
											       : r < 97 ? 7 : 8;
		switch (kind) {
		case 0: op_create(); break;
		case 1: op_edit(); break;
		case 2: op_access(); break;
		case 3: op_submit(); break;
		case 4: op_review(true); break;
		case 5: op_review(false); break;
		case 6: op_withdraw(); break;
		case 7: op_release(); break;
		default: op_observers(); break;
		}
		counts[kind]++;
		compare_all();
	}
	int by_status[4] = { 0 };
	for (int k = 0; k < model.n; k++)
		by_status[model.items[k].status]++;
	cr_log_info("%d items (draft %d, pending %d, published %d, withdrawn %d); operations: create %d edit %d access %d"
		    " submit %d publish %d reject %d withdraw %d release %d setting %d",
		    model.n, by_status[0], by_status[1], by_status[2], by_status[3], counts[0], counts[1], counts[2],
		    counts[3], counts[4], counts[5], counts[6], counts[7], counts[8]);
	char covered[512] = "";
	size_t used = 0;
	for (int c = 0; c < N_COV; c++)
		used += (size_t)snprintf(covered + used, sizeof(covered) - used, "%s%s %d", c ? ", " : "", cov_names[c],
					 cov[c]);
	cr_log_info("paths: %s", covered);
	/* A full run must have gone down every path that matters; a short replay need not. */
	for (int c = 0; c < N_COV && steps >= FULL_RUN; c++)
		CHECK(cov[c] > 0, "the run never took the path \"%s\": adjust the generator", cov_names[c]);
	/* The audit chain stays sound through all of it. */
	int64_t bad = -1;
	OK(gc_audit_verify(fx.db, &bad, NULL, 0));
	CHECK(bad == 0, "audit chain broken at %" PRId64, bad);
}

Test(sqlite, model, .fini = close_world)
{
	run_model(GC_DB_SQLITE);
}

Test(postgres, model, .fini = close_world)
{
	run_model(GC_DB_POSTGRES);
}
