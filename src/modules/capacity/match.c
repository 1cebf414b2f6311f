/*
 * Matching needs with offers and programmes (docs/capacity.md "Matching").
 *
 * A need and a candidate (an offer, or an upcoming programme) score, out of
 * 100:
 *   topics       40 x (the need's topics the candidate covers / the need's topics)
 *   language     20 when they share a language
 *   modality     15 when the need has no preference or the candidate offers
 *                one it prefers (a hybrid programme counts as both)
 *   eligibility  15 when the candidate is open to the need's state
 *   time frame   10 when the two overlap (an open end overlaps everything)
 * A candidate sharing no topic is never suggested. Ties go to the newer item.
 * Every suggestion carries its reasons in the reader's language ("3 of 4
 * topics; both in French; open to Africa").
 *
 * Candidates are read with the caller's visibility predicate: nothing the
 * caller may not see is ever scored, let alone shown.
 */
#include <string.h>

#include "render/places.h"
#include "base/clock.h"
#include "modules/capacity/capacity.h"

struct side {
	const json_t *content;
	const char *from, *until;     /* dates or times; NULL: open */
	const char *eligibility;
};

/* The need's state and its regions, for eligibility. */
struct home {
	const char *country;
	const char *regions[3];
	const char *country_name;
};

static bool in_array(const json_t *a, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
		if (json_is_string(e) && s && strcmp(json_string_value(e), s) == 0)
			return true;
	return false;
}

/* The caller's state, its regions and its name (render/places.h: no query). */
static void home_read(struct gc_request *req, const char *country, struct home *h)
{
	memset(h, 0, sizeof(*h));
	h->country = country;
	const struct gc_place *c = gc_country_find(country);
	if (!c)
		return;
	h->regions[0] = c->region;
	h->regions[1] = c->subregion;
	h->regions[2] = c->intermediate;
	const char *name = gc_place_name(c, req->lang);
	h->country_name = name ? name : country;
}

static const char *tr(struct gc_request *req, const char *key)
{
	return gc_req_tr(req, key);
}

/*
 * Scores candidate c for need n. *score gets 0..100, or -1 when no topic is
 * shared; reasons gets the explanation's parts.
 */
static gc_status score_pair(struct gc_request *req, const struct side *n, const struct home *h,
			    const struct side *c, bool c_is_event, int *score, json_t *reasons)
{
	const json_t *nt = json_object_get(n->content, "topics"), *ct = json_object_get(c->content, "topics");
	size_t total = json_array_size(nt), common = 0, i;
	json_t *e;
	char num[24], den[24];
	*score = -1;
	json_array_foreach(nt, i, e)
		if (in_array(ct, json_string_value(e)))
			common++;
	if (common == 0 || total == 0)
		return GC_OK;
	int s = (int)(40 * common / total);
	snprintf(num, sizeof(num), "%zu", common);
	snprintf(den, sizeof(den), "%zu", total);
	const char *topics = capacity_replace(req, capacity_replace(req, tr(req, "capacity.why_topics"), "{n}", num),
					      "{total}", den);
	if (json_array_append_new(reasons, json_string(topics)))
		return GC_ENOMEM;

	/* Language. */
	const char *shared = NULL;
	json_array_foreach(json_object_get(n->content, "languages"), i, e)
		if (!shared && in_array(json_object_get(c->content, "languages"), json_string_value(e)))
			shared = json_string_value(e);
	const char *why;
	if (shared) {
		s += 20;
		why = capacity_replace(req, tr(req, "capacity.why_language"), "{language}",
				       tr(req, gc_arena_printf(req->arena, "capacity.language_%s", shared)));
	} else {
		why = tr(req, "capacity.why_no_language");
	}
	if (json_array_append_new(reasons, json_string(why)))
		return GC_ENOMEM;

	/* Modality. */
	const json_t *wanted = json_object_get(n->content, "modalities");
	json_t *offered = c_is_event ? json_pack("[O]", json_object_get(c->content, "modality"))
				     : json_incref(json_object_get(c->content, "modalities"));
	if (c_is_event && in_array(offered, "hybrid"))
		(void)(json_array_append_new(offered, json_string("in_person")) || json_array_append_new(offered, json_string("online")));
	const char *mode = NULL;
	json_array_foreach(wanted, i, e)
		if (!mode && in_array(offered, json_string_value(e)))
			mode = json_string_value(e);
	json_decref(offered);
	if (json_array_size(wanted) == 0) {
		s += 15;
		why = NULL;
	} else if (mode) {
		s += 15;
		why = capacity_replace(req, tr(req, "capacity.why_modality"), "{modality}",
				       tr(req, gc_arena_printf(req->arena, "capacity.modality_%s", mode)));
	} else {
		why = tr(req, "capacity.why_no_modality");
	}
	if (why && json_array_append_new(reasons, json_string(why)))
		return GC_ENOMEM;

	/* Eligibility. */
	const char *eligibility = c->eligibility ? c->eligibility : "all";
	const char *open_to = NULL;
	if (strcmp(eligibility, "all") == 0) {
		open_to = tr(req, "capacity.why_open_all");
	} else if (strcmp(eligibility, "states") == 0 && h->country &&
		   in_array(json_object_get(c->content, "eligible_states"), h->country)) {
		open_to = capacity_replace(req, tr(req, "capacity.why_open_to"), "{place}", h->country_name);
	} else if (strcmp(eligibility, "regions") == 0) {
		for (int r = 0; r < 3 && !open_to; r++)
			if (h->regions[r] && in_array(json_object_get(c->content, "eligible_regions"), h->regions[r]))
				open_to = capacity_replace(req, tr(req, "capacity.why_open_to"), "{place}",
							   gc_region_name(h->regions[r], req->lang) ? gc_region_name(h->regions[r], req->lang) : h->regions[r]);
	}
	if (open_to) {
		s += 15;
		why = open_to;
	} else {
		why = capacity_replace(req, tr(req, "capacity.why_not_open"), "{place}",
				       h->country_name ? h->country_name : "-");
	}
	if (json_array_append_new(reasons, json_string(why)))
		return GC_ENOMEM;

	/* Time frame: [from, until] against the candidate's; compared on their dates. */
	bool overlap = (!n->from || !c->until || strncmp(n->from, c->until, 10) <= 0) &&
		       (!c->from || !n->until || strncmp(c->from, n->until, 10) <= 0);
	if (overlap)
		s += 10;
	if (json_array_append_new(reasons, json_string(tr(req, overlap ? "capacity.why_dates" : "capacity.why_no_dates"))))
		return GC_ENOMEM;
	*score = s;
	return GC_OK;
}

/* Candidates of kind: visible, current (open offers, planned or open programmes not over, open needs). */
static gc_status candidates(struct gc_request *req, struct gc_item_ctx *ctx, const char *kind, json_t **rows)
{
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 2];
	size_t n = 0;
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, params, &n);
	if (st != GC_OK)
		return st;
	const char *current = strcmp(kind, "event") == 0 ? "e.entry_status IN ('planned', 'open') AND e.ends_at >= ?"
			      : strcmp(kind, "offer") == 0 ? "e.entry_status = 'open' AND (e.ends_at IS NULL OR e.ends_at >= ?)"
							   : "e.entry_status IN ('open', 'in_discussion') AND (e.ends_at IS NULL OR e.ends_at >= ?)";
	const char *sql = gc_arena_printf(req->arena,
					  "SELECT i.id AS id, e.entry_kind AS entry_kind, e.starts_at AS starts_at,"
					  " e.ends_at AS ends_at, e.eligibility AS eligibility, e.content AS content,"
					  " i.country AS country, o.name AS owner_name FROM items i"
					  " JOIN capacity_entries e ON e.item_id = i.id JOIN organisations o ON o.id = i.owner_org"
					  " WHERE i.module = 'capacity' AND i.status = 'published' AND e.entry_kind = ? AND %s AND %s"
					  " ORDER BY i.id DESC LIMIT ?",
					  visible, current);
	if (!sql)
		return GC_ENOMEM;
	/* The kind comes first, then the predicate's parameters, then now, then the limit. */
	struct gc_val all[GC_POLICY_MAX_PARAMS + 3];
	all[0] = GC_TEXT(kind);
	for (size_t i = 0; i < n; i++)
		all[i + 1] = params[i];
	all[n + 1] = GC_TEXT(strcmp(kind, "event") == 0 ? now : gc_arena_strndup(req->arena, now, 10));
	all[n + 2] = GC_INT(CAPACITY_MATCH_CANDIDATES);
	return gc_db_query(ctx->db, sql, all, n + 3, rows);
}

/* Sorts suggestions by score, then newest first. */
static int by_score(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	json_int_t sx = json_integer_value(json_object_get(x, "score")), sy = json_integer_value(json_object_get(y, "score"));
	if (sx != sy)
		return sx < sy ? 1 : -1;
	json_int_t ix = json_integer_value(json_object_get(x, "id")), iy = json_integer_value(json_object_get(y, "id"));
	return ix < iy ? 1 : ix > iy ? -1 : 0;
}

static gc_status finish(json_t *found, json_t **out)
{
	size_t n = json_array_size(found);
	json_t **v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		return GC_ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(found, i);
	if (n)
		qsort(v, n, sizeof(*v), by_score);
	json_t *list = json_array();
	for (size_t i = 0; list && i < n && i < CAPACITY_MATCH_SHOWN; i++)
		if (json_array_append(list, v[i])) {
			json_decref(list);
			list = NULL;
		}
	free(v);
	*out = list;
	return list ? GC_OK : GC_ENOMEM;
}

static gc_status suggestion(struct gc_request *req, const json_t *row, const json_t *content, int score,
			    json_t *reasons, json_t *found)
{
	const struct capacity_kind *k = capacity_kind_of(json_string_value(json_object_get(row, "entry_kind")));
	const json_t *t = capacity_text(content, req->lang);
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	struct gc_buf b;
	gc_buf_init(&b, 4096);
	size_t i;
	json_t *e;
	json_array_foreach(reasons, i, e) {
		if (i)
			gc_buf_lit(&b, "; ");
		gc_buf_str_raw(&b, json_string_value(e));
	}
	if (gc_buf_error(&b)) {
		json_decref(reasons);
		gc_buf_free(&b);
		return GC_ENOMEM;
	}
	json_t *s = json_pack("{s:I, s:s, s:O, s:s, s:O, s:i, s:o, s:s}", "id", id, "entry_kind",
						 k ? k->name : "", "title", json_object_get(t, "title"), "href",
						 gc_arena_printf(req->arena, "%s/%lld", k ? k->path : "", (long long)id), "owner",
						 json_object_get(row, "owner_name"), "score", score, "reasons", reasons,
						 "explanation", gc_buf_str(&b));
	gc_buf_free(&b);
	return !s || json_array_append_new(found, s) ? GC_ENOMEM : GC_OK;
}

gc_status capacity_match_need(struct gc_request *req, struct gc_item_ctx *ctx, int64_t need_id, const json_t *need,
			      const char *need_country, json_t **out)
{
	struct home h;
	struct side n = { .content = need, .from = json_string_value(json_object_get(need, "from")),
			  .until = json_string_value(json_object_get(need, "until")) };
	json_t *found = json_array();
	gc_status st = found ? (home_read(req, need_country, &h), GC_OK) : GC_ENOMEM;
	static const char *const kinds[] = { "offer", "event" };
	(void)need_id;
	for (size_t k = 0; st == GC_OK && k < 2; k++) {
		json_t *rows = NULL;
		st = candidates(req, ctx, kinds[k], &rows);
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			if (st != GC_OK)
				break;
			const char *text = json_string_value(json_object_get(row, "content"));
			json_t *c = text ? json_loads(text, 0, NULL) : NULL, *reasons = json_array();
			bool event = k == 1;
			struct side cs = { .content = c,
					   .from = json_string_value(json_object_get(row, "starts_at")),
					   .until = json_string_value(json_object_get(row, "ends_at")),
					   .eligibility = json_string_value(json_object_get(row, "eligibility")) };
			int score = -1;
			st = c && reasons ? score_pair(req, &n, &h, &cs, event, &score, reasons) : GC_ENOMEM;
			if (st == GC_OK && score >= 0) {
				st = suggestion(req, row, c, score, reasons, found);
				reasons = NULL;
			}
			json_decref(reasons);
			json_decref(c);
		}
		json_decref(rows);
	}
	if (st == GC_OK)
		st = finish(found, out);
	json_decref(found);
	return st;
}

gc_status capacity_match_offer(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *offer, json_t **out)
{
	json_t *found = json_array(), *rows = NULL;
	struct side cs = { .content = offer, .from = json_string_value(json_object_get(offer, "from")),
			   .until = json_string_value(json_object_get(offer, "until")),
			   .eligibility = json_string_value(json_object_get(offer, "eligibility")) };
	gc_status st = found ? candidates(req, ctx, "need", &rows) : GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL, *reasons = json_array();
		struct home h;
		struct side n = { .content = c, .from = json_string_value(json_object_get(row, "starts_at")),
				  .until = json_string_value(json_object_get(row, "ends_at")) };
		int score = -1;
		st = c && reasons ? (home_read(req, json_string_value(json_object_get(row, "country")), &h), GC_OK) : GC_ENOMEM;
		if (st == GC_OK)
			st = score_pair(req, &n, &h, &cs, false, &score, reasons);
		if (st == GC_OK && score >= 0) {
			st = suggestion(req, row, c, score, reasons, found);
			reasons = NULL;
		}
		json_decref(reasons);
		json_decref(c);
	}
	json_decref(rows);
	if (st == GC_OK)
		st = finish(found, out);
	json_decref(found);
	return st;
}
