/*
 * Lists of policies: GET /policies (page and JSON), GET /policies.csv, and
 * the home page's and country profiles' parts. Every query appends the
 * policy's visibility predicate (auth/policy.h), for rows and counts alike:
 * nothing the caller may not see is listed, counted or exported.
 */
#include <string.h>

#include "render/places.h"
#include "base/buf.h"
#include "base/text.h"
#include "modules/policies/policies.h"
#include "store/qcache.h"
#include "store/search.h"

#define LIST_MAX_PARAMS GC_DB_MAX_PARAMS

/* A query being built: its text and its parameters, in order. */
struct list_query {
	struct gc_buf sql;
	struct gc_val params[LIST_MAX_PARAMS];
	size_t n;
	bool overflow;
	bool ranked; /* list_from joined the rank rk */
};

static void q_param(struct list_query *q, struct gc_val v)
{
	if (q->n == LIST_MAX_PARAMS)
		q->overflow = true;
	else
		q->params[q->n++] = v;
}

static void q_params(struct list_query *q, const struct gc_val *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q_param(q, v[i]);
}

static const char *q_text(struct gc_request *req, struct list_query *q)
{
	if (gc_buf_error(&q->sql) || q->overflow)
		return NULL;
	return gc_arena_strndup(req->arena, gc_buf_str(&q->sql), q->sql.len);
}

/* The filters of a list request, as the router checked them (an empty value is no filter). */
struct list_filters {
	const char *countries[POLICIES_MAX_COUNTRY_FILTERS];
	size_t n_countries;
	const char *region;
	const char *kind;
	const char *topic;
	const char *policy_status;
	const char *language;
	const char *q;
	int64_t org;
	int64_t year_from, year_to;
	bool by_title;
	bool by_relevance; /* sort=relevance with words to rank by; otherwise by date */
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static gc_status read_filters(struct gc_request *req, struct list_filters *f)
{
	memset(f, 0, sizeof(*f));
	const char *values[POLICIES_MAX_COUNTRY_FILTERS];
	size_t n = gc_query_all(req, "country", values, POLICIES_MAX_COUNTRY_FILTERS);
	for (size_t i = 0; i < n && i < POLICIES_MAX_COUNTRY_FILTERS; i++)
		if (nonempty(values[i]))
			f->countries[f->n_countries++] = values[i];
	f->region = nonempty(gc_query(req, "region"));
	f->kind = nonempty(gc_query(req, "kind"));
	f->topic = nonempty(gc_query(req, "topic"));
	f->policy_status = nonempty(gc_query(req, "policy_status"));
	f->language = nonempty(gc_query(req, "language"));
	f->q = nonempty(gc_query(req, "q"));
	f->org = gc_query_int(req, "org", 0);
	f->year_from = gc_query_int(req, "year_from", 0);
	f->year_to = gc_query_int(req, "year_to", 0);
	const char *sort = gc_query(req, "sort");
	f->by_title = sort && strcmp(sort, "title") == 0;
	f->by_relevance = sort && strcmp(sort, "relevance") == 0;
	if (f->topic && !policies_topic_find(f->topic))
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "topic");
	if (f->q) {
		/* Blanks only are no filter. */
		bool blank = true;
		for (const char *c = f->q; *c && blank; c++)
			blank = *c == ' ' || *c == '\t';
		if (blank)
			f->q = NULL;
	}
	f->by_relevance = f->by_relevance && f->q; /* nothing to rank by: by date */
	return GC_OK;
}

/*
 * " FROM ... WHERE ..." of a list: the policies the caller sees, filtered.
 * with_text: join the text to show (the reader's language, else the first),
 * whose parameter then comes first. ranked: with sort=relevance, join the
 * rank (rk.r) for list_order; that join selects the matching items itself,
 * so the words filter is then left out (docs/search.md, "Cost").
 */
static gc_status list_from(struct gc_request *req, struct gc_item_ctx *ctx, const struct list_filters *f,
			   bool with_text, bool ranked, struct list_query *q)
{
	const char *visible = NULL;
	struct gc_val vparams[GC_POLICY_MAX_PARAMS];
	size_t vn = 0;
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, vparams, &vn);
	if (st != GC_OK)
		return st;
	gc_buf_lit(&q->sql, " FROM items i JOIN policies p ON p.item_id = i.id"
			    " JOIN organisations o ON o.id = i.owner_org");
	if (with_text) {
		gc_buf_lit(&q->sql, " JOIN policy_texts t ON t.item_id = i.id AND t.lang = (SELECT t2.lang FROM"
				    " policy_texts t2 WHERE t2.item_id = i.id ORDER BY CASE WHEN t2.lang = ? THEN 0"
				    " ELSE 1 END, t2.position LIMIT 1)");
		q_param(q, GC_TEXT(req->lang ? req->lang : GC_LANG_DEFAULT));
	}
	bool rank_joined = false;
	if (ranked && f->by_relevance) {
		const char *rank = NULL;
		struct gc_val rparams[GC_SEARCH_RANK_PARAMS];
		size_t rn = 0;
		st = gc_search_rank_join(gc_db_engine(ctx->db), f->q, POLICIES_MODULE, "i.id", req->arena, &rank, rparams,
					 &rn);
		if (st == GC_OK) {
			gc_buf_str_raw(&q->sql, rank);
			q_params(q, rparams, rn);
			rank_joined = true;
			q->ranked = true;
		} else if (st != GC_EINVAL && st != GC_ETOOBIG) {
			return st;
		} else {
			st = GC_OK; /* the words filter below answers: nothing, or a 400 */
		}
	}
	gc_buf_lit(&q->sql, " WHERE i.module = 'policies' AND ");
	gc_buf_str_raw(&q->sql, visible);
	q_params(q, vparams, vn);
	if (f->n_countries) {
		gc_buf_lit(&q->sql, " AND i.country IN (");
		for (size_t i = 0; i < f->n_countries; i++) {
			gc_buf_str_raw(&q->sql, i ? ", ?" : "?");
			q_param(q, GC_TEXT(f->countries[i]));
		}
		gc_buf_lit(&q->sql, ")");
	}
	if (f->region) {
		gc_buf_lit(&q->sql, " AND i.country IN (SELECT c.iso3 FROM countries c WHERE c.region = ?"
				    " OR c.subregion = ? OR c.intermediate = ?)");
		q_param(q, GC_TEXT(f->region));
		q_param(q, GC_TEXT(f->region));
		q_param(q, GC_TEXT(f->region));
	}
	if (f->kind) {
		gc_buf_lit(&q->sql, " AND p.kind = ?");
		q_param(q, GC_TEXT(f->kind));
	}
	if (f->policy_status) {
		gc_buf_lit(&q->sql, " AND p.policy_status = ?");
		q_param(q, GC_TEXT(f->policy_status));
	}
	if (f->topic) {
		gc_buf_lit(&q->sql, " AND EXISTS (SELECT 1 FROM policy_topics pt WHERE pt.item_id = i.id AND pt.topic = ?)");
		q_param(q, GC_TEXT(f->topic));
	}
	if (f->language) {
		gc_buf_lit(&q->sql, " AND EXISTS (SELECT 1 FROM policy_texts tl WHERE tl.item_id = i.id AND tl.lang = ?)");
		q_param(q, GC_TEXT(f->language));
	}
	if (f->org) {
		gc_buf_lit(&q->sql, " AND i.owner_org = ?");
		q_param(q, GC_INT(f->org));
	}
	if (f->year_from) {
		gc_buf_lit(&q->sql, " AND p.adopted_year >= ?");
		q_param(q, GC_INT(f->year_from));
	}
	if (f->year_to) {
		gc_buf_lit(&q->sql, " AND p.adopted_year <= ?");
		q_param(q, GC_INT(f->year_to));
	}
	if (f->q && !rank_joined) {
		const char *match = NULL;
		struct gc_val mparams[GC_SEARCH_MATCH_PARAMS];
		size_t mn = 0;
		st = gc_search_match_sql(gc_db_engine(ctx->db), f->q, POLICIES_MODULE, "i.id", req->arena, &match, mparams,
					 &mn);
		if (st == GC_ETOOBIG)
			return gc_fail(req, 400, "invalid_param", "error.invalid_param", "q");
		if (st == GC_EINVAL) {
			/* No word in it (punctuation only): nothing matches, as on the search page. */
			gc_buf_lit(&q->sql, " AND 1 = 0");
		} else if (st != GC_OK) {
			return st;
		} else {
			gc_buf_lit(&q->sql, " AND ");
			gc_buf_str_raw(&q->sql, match);
			q_params(q, mparams, mn);
		}
	}
	return GC_OK;
}

#define LIST_COLUMNS                                                                                            \
	"SELECT i.id AS id, t.title AS title, t.lang AS lang, substr(t.summary, 1, 2000) AS summary,"          \
	" p.kind AS kind, i.country AS country, p.topics AS topics, p.adopted AS adopted,"                      \
	" p.policy_status AS policy_status, p.source_url AS source_url, i.visibility AS visibility,"            \
	" i.status AS status, i.owner_org AS owner_id, o.name AS owner_name, o.kind AS owner_kind"

/* Without the rank joined (words that are no word: nothing matches) the order is by date. */
static void list_order(const struct list_filters *f, struct list_query *q)
{
	struct gc_buf *sql = &q->sql;
	if (f->by_relevance && q->ranked)
		gc_buf_lit(sql, " ORDER BY rk.r, i.id"); /* ties as on the search page: oldest first */
	else if (f->by_title)
		gc_buf_lit(sql, " ORDER BY t.title, i.id");
	else
		gc_buf_lit(sql, " ORDER BY (p.adopted IS NULL), p.adopted DESC, i.id DESC");
}

/* --- the rows as the API shows them ----------------------------------------------------------------- */

/*
 * A plain excerpt of a Markdown summary: markup characters dropped, link
 * targets left out, white space collapsed, at most POLICIES_EXCERPT_CHARS
 * characters (cut on a character, with an ellipsis).
 */
static json_t *excerpt(const char *md)
{
	struct gc_buf b;
	gc_buf_init(&b, 4 * POLICIES_EXCERPT_CHARS + 16);
	size_t chars = 0;
	bool space = false, cut = false;
	for (const char *p = md; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ']' && p[1] == '(') {
			const char *close = strchr(p, ')');
			if (close) {
				p = close;
				continue;
			}
		}
		if (strchr("#*_`>[]|~", c))
			continue;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = chars > 0;
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			if (chars == POLICIES_EXCERPT_CHARS) {
				cut = true;
				break;
			}
			if (space) {
				gc_buf_char(&b, ' ');
				chars++;
				space = false;
			}
			chars++;
		}
		gc_buf_char(&b, (char)c);
	}
	if (cut)
		gc_buf_lit(&b, "\xe2\x80\xa6");
	json_t *out = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
	gc_buf_free(&b);
	return out;
}

/* Shapes a row of LIST_COLUMNS into the list's item (and the page's labels). */
static gc_status shape_row(struct gc_request *req, json_t *row)
{
	json_t *topics = json_loads(json_string_value(json_object_get(row, "topics")) ? json_string_value(json_object_get(row, "topics")) : "[]", 0, NULL);
	if (!json_is_array(topics)) {
		json_decref(topics);
		topics = json_array();
	}
	json_t *topic_labels = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(topics, i, t) {
		const struct policies_topic *topic = policies_topic_find(json_string_value(t));
		if (topic && json_array_append_new(topic_labels, json_string(policies_topic_name(topic, req->lang))))
			break;
	}
	const char *kind = json_string_value(json_object_get(row, "kind"));
	const char *policy_status = json_string_value(json_object_get(row, "policy_status"));
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *visibility = json_string_value(json_object_get(row, "visibility"));
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	const char *href = gc_arena_printf(req->arena, "/policies/%lld", (long long)id);
	json_t *owner = json_pack("{s:O, s:O, s:O}", "id", json_object_get(row, "owner_id"), "name",
				  json_object_get(row, "owner_name"), "kind", json_object_get(row, "owner_kind"));
	json_t *extra = json_pack(
		"{s:o, s:o, s:o, s:o, s:s?, s:s, s:s, s:b, s:b}", "summary_excerpt",
		excerpt(json_string_value(json_object_get(row, "summary")) ? json_string_value(json_object_get(row, "summary")) : ""),
		"topics", topics, "topic_labels", topic_labels, "owner", owner, "href", href, "kind_label",
		gc_req_tr(req, policies_kind_key(req, kind)), "policy_status_label",
		gc_req_tr(req, policies_status_key(req, policy_status)), "not_published",
		status && strcmp(status, "published") != 0, "not_public", visibility && strcmp(visibility, "public") != 0);
	if (!extra || json_object_update(row, extra)) {
		json_decref(extra);
		return GC_ENOMEM;
	}
	json_decref(extra);
	json_object_del(row, "summary");
	json_object_del(row, "owner_id");
	json_object_del(row, "owner_name");
	json_object_del(row, "owner_kind");
	return GC_OK;
}

/* The filters that pagination and the CSV link carry over. */
static const char *const list_keep[] = { "country", "region", "kind", "topic", "policy_status", "year_from",
					 "year_to", "language", "org", "q", "sort", "per_page", NULL };

/*
 * Appends the list's filters as the request gave them ("&country=KEN&kind=..."),
 * values percent-encoded, skipping the parameter named skip (may be NULL). The
 * first one is preceded by first ('?' or '&'), the others by '&'.
 */
static void append_kept_filters(const struct gc_request *req, struct gc_buf *b, char first, const char *skip)
{
	char sep = first;
	for (size_t k = 0; list_keep[k]; k++) {
		if (skip && strcmp(list_keep[k], skip) == 0)
			continue;
		const char *values[POLICIES_MAX_COUNTRY_FILTERS];
		size_t n = gc_query_all(req, list_keep[k], values, POLICIES_MAX_COUNTRY_FILTERS);
		for (size_t v = 0; v < n && v < POLICIES_MAX_COUNTRY_FILTERS; v++) {
			gc_buf_char(b, sep);
			sep = '&';
			gc_buf_str_raw(b, list_keep[k]);
			gc_buf_char(b, '=');
			gc_buf_url_query(b, values[v], strlen(values[v]));
		}
	}
}


/* --- GET /policies ------------------------------------------------------------------------------------ */


/* {previous_href, next_href} for the list, or nothing when there is one page. */
static gc_status list_pages(struct gc_request *req, json_t *model, int64_t page, int64_t per_page, int64_t count)
{
	bool has_previous = page > 1, has_next = page * per_page < count && page < POLICIES_MAX_PAGE;
	if (!has_previous && !has_next)
		return GC_OK;
	json_t *pages = json_object();
	if (!pages || json_object_set_new(model, "pages", pages))
		return GC_ENOMEM;
	for (int which = 0; which < 2; which++) {
		if ((which == 0 && !has_previous) || (which == 1 && !has_next))
			continue;
		struct gc_buf b;
		gc_buf_init(&b, 8192);
		gc_buf_printf(&b, "/policies?page=%lld", (long long)(which == 0 ? page - 1 : page + 1));
		append_kept_filters(req, &b, '&', NULL);
		json_t *href = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
		gc_buf_free(&b);
		if (!href || json_object_set_new(pages, which == 0 ? "previous_href" : "next_href", href))
			return GC_ENOMEM;
	}
	return GC_OK;
}

/* The choices of the filter form (only on pages: the API does not need them). */
static gc_status filter_choices(struct gc_request *req, struct gc_item_ctx *ctx, const struct list_filters *f,
				int64_t changes, json_t *model)
{
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *countries = NULL, *orgs = NULL;
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	/* render/places.h: no query; with none chosen, one shared array per language */
	countries = f->n_countries ? gc_country_choices(lang) : gc_country_choices_unselected(lang);
	gc_status st = countries ? GC_OK : GC_ENOMEM;
	if (st == GC_OK)
		st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					   &visible, params, &n);
	/*
	 * The organisations that own a policy the caller sees: no other is named. A
	 * DISTINCT over every visible row (0.14 s at 100,000 items): through the query
	 * cache, so once per visibility class and change. With no organisation
	 * chosen every row is unselected ("selected": 0 renders as false): the kept
	 * answer itself is shown, not a copy marked per request.
	 */
	const char *org_sql = visible ? gc_arena_printf(req->arena,
							"SELECT DISTINCT o.id AS value, o.name AS label%s FROM items i"
							" JOIN organisations o ON o.id = i.owner_org"
							" WHERE i.module = 'policies' AND %s ORDER BY o.name LIMIT 500",
							f->org ? "" : ", 0 AS selected", visible)
				      : NULL;
	if (st == GC_OK && !org_sql)
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = f->org ? gc_qcache_query(ctx->db, changes, org_sql, params, n, &orgs)
			    : gc_qcache_query_shared(ctx->db, changes, org_sql, params, n, &orgs);
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(countries, i, row) {
		if (!f->n_countries)
			break; /* the shared array, already unselected: never written */
		bool on = false;
		for (size_t k = 0; k < f->n_countries; k++)
			on = on || strcmp(f->countries[k], json_string_value(json_object_get(row, "value"))) == 0;
		if (json_object_set_new(row, "selected", json_boolean(on)))
			goto nomem;
	}
	json_array_foreach(orgs, i, row)
		if (f->org && (json_object_set_new(row, "selected", json_boolean(json_integer_value(json_object_get(row, "value")) == f->org))))
			goto nomem;
	json_t *kinds = json_array(), *statuses = json_array(), *topics = json_array(), *langs = json_array();
	if (json_object_set_new(model, "kind_choices", kinds) || json_object_set_new(model, "status_choices", statuses) ||
	    json_object_set_new(model, "topic_choices", topics) || json_object_set_new(model, "language_choices", langs) ||
	    json_object_set(model, "country_choices", countries) || json_object_set(model, "org_choices", orgs))
		goto nomem;
	for (size_t k = 0; policies_kinds[k]; k++)
		if (json_array_append_new(kinds, json_pack("{s:s, s:s, s:b}", "value", policies_kinds[k], "label",
							   gc_req_tr(req, policies_kind_key(req, policies_kinds[k])),
							   "selected", f->kind && strcmp(f->kind, policies_kinds[k]) == 0)))
			goto nomem;
	for (size_t k = 0; policies_statuses[k]; k++)
		if (json_array_append_new(statuses,
					  json_pack("{s:s, s:s, s:b}", "value", policies_statuses[k], "label",
						    gc_req_tr(req, policies_status_key(req, policies_statuses[k])), "selected",
						    f->policy_status && strcmp(f->policy_status, policies_statuses[k]) == 0)))
			goto nomem;
	for (size_t k = 0; k < policies_taxonomy.count; k++) {
		const struct policies_topic *t = &policies_taxonomy.topics[k];
		if (json_array_append_new(topics, json_pack("{s:s, s:s, s:b}", "value", t->key, "label",
							    policies_topic_name(t, lang), "selected",
							    f->topic && strcmp(f->topic, t->key) == 0)))
			goto nomem;
	}
	for (size_t k = 0; k < GC_LANG_COUNT; k++)
		if (json_array_append_new(langs, json_pack("{s:s, s:s?, s:b}", "value", gc_langs[k], "label",
							   gc_lang_native_name(gc_langs[k]), "selected",
							   f->language && strcmp(f->language, gc_langs[k]) == 0)))
			goto nomem;
	st = GC_OK;
	goto out;
nomem:
	st = GC_ENOMEM;
out:
	json_decref(countries);
	json_decref(orgs);
	return st;
}

/* Ids bound per statement when a page's rows are read by id. */
#define LIST_IDS_PER_QUERY 40

/*
 * The rows of LIST_COLUMNS for ids (an array of {id: ...} in the list's order),
 * in that order, with the title in the reader's language. The visibility
 * predicate is applied again: a row is never shown on the strength of a cached
 * id alone.
 */
static gc_status list_rows(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *ids, json_t **out)
{
	const char *visible = NULL;
	struct gc_val vparams[GC_POLICY_MAX_PARAMS];
	size_t vn = 0;
	json_t *found = json_object(), *rows = json_array();
	gc_status st = found && rows ? GC_OK : GC_ENOMEM;
	if (st == GC_OK)
		st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					   &visible, vparams, &vn);
	size_t total = json_array_size(ids);
	for (size_t start = 0; st == GC_OK && start < total; start += LIST_IDS_PER_QUERY) {
		struct list_query q = { .n = 0 };
		gc_buf_init(&q.sql, 16384);
		/*
		 * The ids as a derived table joined first (CROSS JOIN keeps SQLite from
		 * walking every policy by module instead: with bound values it cannot tell
		 * that an IN list of 20 ids is the narrower way in).
		 */
		gc_buf_lit(&q.sql, LIST_COLUMNS " FROM (");
		for (size_t k = start; k < total && k < start + LIST_IDS_PER_QUERY; k++) {
			gc_buf_str_raw(&q.sql, k == start ? "SELECT CAST(? AS BIGINT) AS id" : " UNION ALL SELECT CAST(? AS BIGINT) AS id");
			q_param(&q, GC_INT(json_integer_value(json_object_get(json_array_get(ids, k), "id"))));
		}
		gc_buf_lit(&q.sql, ") k CROSS JOIN items i JOIN policies p ON p.item_id = i.id"
				   " JOIN organisations o ON o.id = i.owner_org"
				   " JOIN policy_texts t ON t.item_id = i.id AND t.lang = (SELECT t2.lang FROM"
				   " policy_texts t2 WHERE t2.item_id = i.id ORDER BY CASE WHEN t2.lang = ? THEN 0"
				   " ELSE 1 END, t2.position LIMIT 1)"
				   " WHERE i.id = k.id AND i.module = 'policies' AND ");
		q_param(&q, GC_TEXT(req->lang ? req->lang : GC_LANG_DEFAULT));
		gc_buf_str_raw(&q.sql, visible);
		q_params(&q, vparams, vn);
		const char *sql = q_text(req, &q);
		json_t *part = NULL;
		st = sql ? gc_db_query(ctx->db, sql, q.params, q.n, &part) : GC_ENOMEM;
		gc_buf_free(&q.sql);
		size_t i;
		json_t *row;
		json_array_foreach(part, i, row) {
			char key[24];
			snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_object_get(row, "id")));
			if (st == GC_OK && json_object_set(found, key, row))
				st = GC_ENOMEM;
		}
		json_decref(part);
	}
	/* In the ids' order; an id no longer visible (or gone) is left out. */
	for (size_t k = 0; st == GC_OK && k < total; k++) {
		char key[24];
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(json_array_get(ids, k), "id")));
		json_t *row = json_object_get(found, key);
		if (row && json_array_append(rows, row))
			st = GC_ENOMEM;
	}
	json_decref(found);
	if (st != GC_OK) {
		json_decref(rows);
		return st;
	}
	*out = rows;
	return GC_OK;
}

gc_status policies_list(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct list_filters f;
	struct list_query q = { .n = 0 };
	json_t *rows = NULL, *notices = NULL, *ids = NULL;
	int64_t changes = 0;
	int64_t page = gc_query_int(req, "page", 1);
	int64_t per_page = gc_query_int(req, "per_page", POLICIES_PAGE_SIZE);
	int64_t count = 0;
	gc_status st = read_filters(req, &f);
	if (st == GC_OK)
		st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, "policies/list", "policies.title");
	if (st != GC_OK)
		return st;

	/*
	 * The count and the page's ids go through the query cache (store/qcache.h):
	 * keyed by the whole statement, the visibility predicate and its parameters
	 * included, and by the change counter read here, before any other read. At
	 * 100,000 items each costs 0.15-0.2 s to compute; a signed-in list asked again
	 * before the next write costs neither.
	 */
	st = gc_db_changes_counter(ctx.db, &changes);
	if (st != GC_OK)
		return st;
	gc_buf_init(&q.sql, 16384);
	gc_buf_lit(&q.sql, "SELECT COUNT(*) AS n");
	st = list_from(req, &ctx, &f, false, false, &q);
	const char *sql = st == GC_OK ? q_text(req, &q) : NULL;
	if (st == GC_OK && !sql)
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_qcache_query_int(ctx.db, changes, sql, q.params, q.n, &count);
	gc_buf_reset(&q.sql);
	q.n = 0;
	if (st != GC_OK)
		goto out;
	/*
	 * The page's ids in order: by title the order needs every row's title, by
	 * relevance its rank only (list_rows reads the page's texts after).
	 */
	gc_buf_lit(&q.sql, "SELECT i.id AS id");
	st = list_from(req, &ctx, &f, f.by_title, true, &q);
	if (st != GC_OK)
		goto out;
	list_order(&f, &q);
	gc_buf_lit(&q.sql, " LIMIT ? OFFSET ?");
	q_param(&q, GC_INT(per_page));
	q_param(&q, GC_INT((page - 1) * per_page));
	sql = q_text(req, &q);
	st = sql ? gc_qcache_query_shared(ctx.db, changes, sql, q.params, q.n, &ids) : GC_ENOMEM; /* only read */
	if (st != GC_OK)
		goto out;
	st = list_rows(req, &ctx, ids, &rows);
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		st = shape_row(req, row);
		if (st != GC_OK)
			goto out;
	}
	/* Restricted policies with a public notice, for those who may not read them: on the first page. */
	if (page == 1) {
		st = gc_item_list_notices(&ctx, POLICIES_MODULE, POLICIES_MAX_NOTICES, 0, &notices);
		if (st != GC_OK)
			goto out;
	} else {
		notices = json_array();
	}
	json_t *model = view->model;
	json_t *filters = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "region", f.region, "kind", f.kind, "topic",
				    f.topic, "policy_status", f.policy_status, "language", f.language, "q", f.q);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    json_object_set_new(model, "count", json_integer(count)) ||
	    json_object_set_new(model, "page", json_integer(page)) ||
	    json_object_set_new(model, "per_page", json_integer(per_page)) || json_object_set(model, "items", rows) ||
	    json_object_set(model, "notices", notices) ||
	    json_object_set_new(model, "has_notices", json_boolean(json_array_size(notices) > 0)) ||
	    json_object_set_new(model, "sort_title", json_boolean(f.by_title)) ||
	    json_object_set_new(model, "sort_relevance", json_boolean(f.by_relevance)) ||
	    json_object_set_new(model, "year_from", f.year_from ? json_integer(f.year_from) : json_null()) ||
	    json_object_set_new(model, "year_to", f.year_to ? json_integer(f.year_to) : json_null())) {
		st = GC_ENOMEM;
		goto out;
	}
	/* The CSV link keeps the filters. */
	struct gc_buf csv;
	gc_buf_init(&csv, 8192);
	gc_buf_lit(&csv, "/policies.csv");
	append_kept_filters(req, &csv, '?', "per_page");
	json_t *csv_href = gc_buf_error(&csv) ? NULL : json_string(gc_buf_str(&csv));
	gc_buf_free(&csv);
	if (!csv_href || json_object_set_new(model, "csv_href", csv_href)) {
		st = GC_ENOMEM;
		goto out;
	}
	/* So do the JSON export and the Atom feed (feeds.c). */
	for (int which = 0; which < 2; which++) {
		struct gc_buf b;
		gc_buf_init(&b, 8192);
		gc_buf_str_raw(&b, which == 0 ? "/policies.json" : "/policies.atom");
		append_kept_filters(req, &b, '?', "per_page");
		json_t *href = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
		gc_buf_free(&b);
		if (!href || json_object_set_new(model, which == 0 ? "json_href" : "atom_href", href)) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	json_t *feeds = json_pack("[{s:s, s:O}]", "title", gc_req_tr(req, "policies.feed"), "href",
				  json_object_get(model, "atom_href"));
	if (!feeds || json_object_set_new(model, "feeds", feeds)) {
		st = GC_ENOMEM;
		goto out;
	}
	st = list_pages(req, model, page, per_page, count);
	if (st == GC_OK && !req->is_api)
		st = filter_choices(req, &ctx, &f, changes, model);
	view->cacheable = true;
out:
	gc_buf_free(&q.sql);
	json_decref(ids);
	json_decref(rows);
	json_decref(notices);
	return st;
}

/* --- GET /policies.csv ---------------------------------------------------------------------------------- */

static void csv_cell(struct gc_buf *b, const char *s, bool last)
{
	gc_buf_csv_field(b, s ? s : "", s ? strlen(s) : 0);
	gc_buf_str_raw(b, last ? "\r\n" : ",");
}

gc_status policies_csv(struct gc_request *req, struct gc_view *view)
{
	static const char *const header[] = { "id", "title", "language", "kind", "country", "topics", "adopted",
					      "policy_status", "visibility", "status", "owner", "source_url", "url" };
	struct gc_item_ctx ctx;
	struct list_filters f;
	struct list_query q = { .n = 0 };
	struct gc_cursor *cursor = NULL;
	struct gc_buf out;
	gc_buf_init(&out, POLICIES_CSV_MAX_BYTES);
	gc_buf_init(&q.sql, 16384);
	gc_status st = read_filters(req, &f);
	if (st == GC_OK)
		st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		goto out;
	gc_buf_lit(&q.sql, LIST_COLUMNS);
	st = list_from(req, &ctx, &f, true, true, &q);
	if (st != GC_OK)
		goto out;
	list_order(&f, &q);
	gc_buf_lit(&q.sql, " LIMIT ?");
	q_param(&q, GC_INT(POLICIES_CSV_MAX_ROWS));
	const char *sql = q_text(req, &q);
	if (!sql) {
		st = GC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < GC_ARRAY_LEN(header); i++)
		csv_cell(&out, header[i], i + 1 == GC_ARRAY_LEN(header));
	/* A transaction bounds each batch of rows by the statement time limit (store.h). */
	st = gc_db_begin(ctx.db);
	if (st == GC_OK)
		st = gc_db_open_cursor(ctx.db, sql, q.params, q.n, &cursor);
	json_t *row;
	while (st == GC_OK && (st = gc_cursor_next(cursor, &row)) == GC_ROW) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(row, "id")));
		const char *topics_json = json_string_value(json_object_get(row, "topics"));
		json_t *topics = json_loads(topics_json ? topics_json : "[]", 0, NULL);
		struct gc_buf tb;
		gc_buf_init(&tb, 4096);
		size_t i;
		json_t *t;
		json_array_foreach(topics, i, t) {
			if (i)
				gc_buf_char(&tb, ' ');
			gc_buf_str_raw(&tb, json_string_value(t) ? json_string_value(t) : "");
		}
		json_decref(topics);
		const char *url = gc_arena_printf(req->arena, "/policies/%s", id);
		csv_cell(&out, id, false);
		csv_cell(&out, json_string_value(json_object_get(row, "title")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "lang")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "kind")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "country")), false);
		csv_cell(&out, gc_buf_str(&tb), false);
		csv_cell(&out, json_string_value(json_object_get(row, "adopted")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "policy_status")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "visibility")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "status")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "owner_name")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "source_url")), false);
		csv_cell(&out, url, true);
		gc_buf_free(&tb);
		st = gc_buf_error(&out);
	}
	if (st == GC_DONE)
		st = GC_OK;
	gc_cursor_close(cursor);
	cursor = NULL;
	if (gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	if (st != GC_OK)
		goto out;
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = "text/csv; charset=utf-8";
	view->filename = "policies.csv";
	view->body = gc_buf_take(&out, &view->body_len);
	st = view->body ? GC_OK : GC_ENOMEM;
	view->cacheable = true;
out:
	gc_cursor_close(cursor);
	gc_buf_free(&out);
	gc_buf_free(&q.sql);
	return st;
}

/* --- the home page and country profiles ---------------------------------------------------------- */

gc_status policies_home(struct gc_request *req, json_t *home_model)
{
	struct gc_item_ctx ctx;
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS];
	size_t n = 0;
	int64_t count = 0;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_policy_visible_sql(req->principal, ctx.restricted_includes_observers, "i", "id", req->arena,
					   &visible, params, &n);
	const char *sql = visible ? gc_arena_printf(req->arena,
						    "SELECT COUNT(*) AS n FROM items i WHERE i.module = 'policies' AND %s",
						    visible)
				  : NULL;
	if (st == GC_OK && !sql)
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_query_int(ctx.db, sql, params, n, &count);
	if (st != GC_OK)
		return st;
	json_t *card = json_pack("{s:s, s:s, s:s}", "href", "/policies", "title", gc_req_tr(req, "home.module_policies"),
				 "text", gc_req_tr(req, "home.module_policies_text"));
	if (!card || json_array_append_new(json_object_get(home_model, "modules"), card) ||
	    json_object_set_new(json_object_get(home_model, "stats"), "policies", json_integer(count)))
		return GC_ENOMEM;
	return GC_OK;
}

/* A profile's section: the visible policies of a state (iso3) or of an owner organisation (org_id). */
static gc_status profile_section(struct gc_request *req, const char *iso3, int64_t org_id, json_t *section)
{
	struct gc_item_ctx ctx;
	struct list_filters f;
	struct list_query q = { .n = 0 };
	json_t *rows = NULL;
	memset(&f, 0, sizeof(f));
	if (iso3) {
		f.countries[0] = iso3;
		f.n_countries = 1;
	}
	f.org = org_id;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	gc_buf_init(&q.sql, 16384);
	gc_buf_lit(&q.sql, LIST_COLUMNS);
	st = list_from(req, &ctx, &f, true, true, &q);
	if (st != GC_OK)
		goto out;
	/* By kind, in the taxonomy's order (the kinds are the code's constants), newest first within a kind. */
	gc_buf_lit(&q.sql, " ORDER BY CASE p.kind");
	for (size_t k = 0; policies_kinds[k]; k++)
		gc_buf_printf(&q.sql, " WHEN '%s' THEN %zu", policies_kinds[k], k);
	gc_buf_printf(&q.sql, " ELSE 99 END, (p.adopted IS NULL), p.adopted DESC, i.id DESC LIMIT %d", POLICIES_PROFILE_MAX_ROWS);
	const char *sql = q_text(req, &q);
	st = sql ? gc_db_query(ctx.db, sql, q.params, q.n, &rows) : GC_ENOMEM;
	if (st != GC_OK)
		goto out;
	json_t *items = json_object_get(section, "items");
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		st = shape_row(req, row);
		if (st != GC_OK)
			goto out;
		const char *adopted = json_string_value(json_object_get(row, "adopted"));
		const char *meta = gc_arena_printf(req->arena, "%s%s%s",
						   json_string_value(json_object_get(row, "kind_label")),
						   adopted ? " · " : "", adopted ? adopted : "");
		json_t *entry = json_pack("{s:O, s:O, s:O, s:s?, s:O}", "id", json_object_get(row, "id"), "href",
					  json_object_get(row, "href"), "title", json_object_get(row, "title"), "meta", meta,
					  "kind", json_object_get(row, "kind"));
		if (!entry || json_array_append_new(items, entry)) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	const char *href = iso3 ? gc_arena_printf(req->arena, "/policies?country=%s", iso3)
				: gc_arena_printf(req->arena, "/policies?org=%lld", (long long)org_id);
	if (json_object_set_new(section, "count", json_integer((json_int_t)json_array_size(rows))) ||
	    json_object_set_new(section, "href", json_string(href))) {
		st = GC_ENOMEM;
		goto out;
	}
	st = policies_profile_extras(req, iso3, rows, section);
out:
	gc_buf_free(&q.sql);
	json_decref(rows);
	return st;
}

gc_status policies_profile(struct gc_request *req, const char *iso3, json_t *section)
{
	return profile_section(req, iso3, 0, section);
}

gc_status policies_org_profile(struct gc_request *req, int64_t org_id, json_t *section)
{
	return profile_section(req, NULL, org_id, section);
}

/* --- for the exports and the feed (feeds.c) ------------------------------------------------------------ */

gc_status policies_list_cursor(struct gc_request *req, struct gc_item_ctx *ctx, bool by_update, int64_t limit,
			       struct gc_cursor **out)
{
	struct list_filters f;
	struct list_query q = { .n = 0 };
	*out = NULL;
	gc_status st = read_filters(req, &f);
	if (st != GC_OK)
		return st;
	gc_buf_init(&q.sql, 16384);
	gc_buf_lit(&q.sql, LIST_COLUMNS ", i.updated_at AS updated_at, i.published_at AS published_at");
	st = list_from(req, ctx, &f, true, true, &q);
	if (st != GC_OK)
		goto out;
	if (by_update)
		gc_buf_lit(&q.sql, " ORDER BY i.updated_at DESC, i.id DESC");
	else
		list_order(&f, &q);
	gc_buf_lit(&q.sql, " LIMIT ?");
	q_param(&q, GC_INT(limit));
	const char *sql = q_text(req, &q);
	if (!sql) {
		st = GC_ENOMEM;
		goto out;
	}
	/* A transaction bounds each batch of rows by the statement time limit (store.h). */
	st = gc_db_begin(ctx->db);
	if (st == GC_OK)
		st = gc_db_open_cursor(ctx->db, sql, q.params, q.n, out);
	if (st != GC_OK && gc_db_in_transaction(ctx->db))
		gc_db_rollback(ctx->db);
out:
	gc_buf_free(&q.sql);
	return st;
}

gc_status policies_list_shape(struct gc_request *req, json_t *row)
{
	return shape_row(req, row);
}

void policies_list_query_string(const struct gc_request *req, struct gc_buf *b, char first, const char *skip)
{
	append_kept_filters(req, b, first, skip);
}
