/*
 * The assistance map: GET /capacity/map (page and API) and GET
 * /capacity/map.svg. Open needs and open offers the caller may see, counted
 * by topic and by M49 region (the five top-level regions): a need counts in
 * its state's region; an offer in every region it is open to (all five when
 * open to all; a listed subregion counts in its region; a named state in
 * that state's region). A cell with needs and no offer is a gap. The page
 * shows the SVG heat map beside the same numbers in a table.
 */
#include <string.h>

#include "render/places.h"
#include "base/buf.h"
#include "modules/capacity/capacity.h"

#define MAP_REGIONS 5
#define MAP_MAX_ROWS 20000

struct map_counts {
	int needs[CAPACITY_MAX_TAXONOMY][MAP_REGIONS];
	int offers[CAPACITY_MAX_TAXONOMY][MAP_REGIONS];
};

static int region_index(const char *code)
{
	for (int r = 0; code && capacity_map_regions[r]; r++)
		if (strcmp(capacity_map_regions[r], code) == 0)
			return r;
	return -1;
}

static int topic_index(const char *key)
{
	for (size_t t = 0; key && t < capacity_taxonomy.count; t++)
		if (strcmp(capacity_taxonomy.topics[t].key, key) == 0)
			return (int)t;
	return -1;
}

/* The top-level region of a region code, by its parents (regions: {code: parent}). */
static int top_region(const json_t *parents, const char *code)
{
	for (int depth = 0; code && depth < 4; depth++) {
		int r = region_index(code);
		if (r >= 0)
			return r;
		code = json_string_value(json_object_get(parents, code));
	}
	return -1;
}

static gc_status count(struct gc_request *req, struct gc_item_ctx *ctx, struct map_counts *m)
{
	json_t *parents = json_object(), *states = json_object(), *rows = NULL, *list = NULL;
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 1];
	size_t n = 0;
	memset(m, 0, sizeof(*m));
	gc_status st = parents && states ? gc_db_query(ctx->db, "SELECT code AS code, parent AS parent FROM regions",
						       GC_NO_PARAMS, &list)
					 : GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(list, i, row)
		if (json_is_string(json_object_get(row, "parent")))
			json_object_set(parents, json_string_value(json_object_get(row, "code")), json_object_get(row, "parent"));
	json_decref(list);
	list = NULL;
	if (st == GC_OK)
		st = gc_db_query(ctx->db, "SELECT iso3 AS iso3, region AS region FROM countries", GC_NO_PARAMS, &list);
	json_array_foreach(list, i, row)
		json_object_set(states, json_string_value(json_object_get(row, "iso3")), json_object_get(row, "region"));
	if (st == GC_OK)
		st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena, &visible,
					   params, &n);
	const char *sql = visible ? gc_arena_printf(req->arena,
						    "SELECT e.entry_kind AS entry_kind, e.eligibility AS eligibility,"
						    " e.content AS content, i.country AS country FROM items i"
						    " JOIN capacity_entries e ON e.item_id = i.id WHERE i.module = 'capacity'"
						    " AND i.status = 'published' AND ((e.entry_kind = 'need' AND e.entry_status IN"
						    " ('open', 'in_discussion')) OR (e.entry_kind = 'offer' AND e.entry_status = 'open'))"
						    " AND %s LIMIT ?",
						    visible)
				  : NULL;
	if (st == GC_OK && !sql)
		st = GC_ENOMEM;
	params[n] = GC_INT(MAP_MAX_ROWS);
	if (st == GC_OK)
		st = gc_db_query(ctx->db, sql, params, n + 1, &rows);
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL;
		bool in[MAP_REGIONS] = { false };
		bool is_need = strcmp(json_string_value(json_object_get(row, "entry_kind")), "need") == 0;
		const char *eligibility = json_string_value(json_object_get(row, "eligibility"));
		size_t k;
		json_t *e;
		if (is_need) {
			int r = region_index(json_string_value(json_object_get(states, json_string_value(json_object_get(row, "country")) ?
											   json_string_value(json_object_get(row, "country")) : "")));
			if (r >= 0)
				in[r] = true;
		} else if (!eligibility || strcmp(eligibility, "all") == 0) {
			for (int r = 0; r < MAP_REGIONS; r++)
				in[r] = true;
		} else if (strcmp(eligibility, "regions") == 0) {
			json_array_foreach(json_object_get(c, "eligible_regions"), k, e) {
				int r = top_region(parents, json_string_value(e));
				if (r >= 0)
					in[r] = true;
			}
		} else {
			json_array_foreach(json_object_get(c, "eligible_states"), k, e) {
				int r = region_index(json_string_value(json_object_get(states, json_string_value(e) ? json_string_value(e) : "")));
				if (r >= 0)
					in[r] = true;
			}
		}
		json_array_foreach(json_object_get(c, "topics"), k, e) {
			int t = topic_index(json_string_value(e));
			for (int r = 0; t >= 0 && r < MAP_REGIONS; r++)
				if (in[r])
					(is_need ? m->needs : m->offers)[t][r]++;
		}
		json_decref(c);
	}
	json_decref(rows);
	json_decref(list);
	json_decref(parents);
	json_decref(states);
	return st;
}

static gc_status region_names(struct gc_request *req, const char *names[MAP_REGIONS])
{
	for (int r = 0; r < MAP_REGIONS; r++) {
		names[r] = gc_region_name(capacity_map_regions[r], req->lang); /* render/places.h */
		if (!names[r])
			return GC_ENOTFOUND;
	}
	return GC_OK;
}

gc_status capacity_map(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct map_counts *m = gc_arena_calloc(req->arena, 1, sizeof(*m));
	const char *names[MAP_REGIONS];
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	if (!m)
		return GC_ENOMEM;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = count(req, &ctx, m);
	if (st == GC_OK)
		st = region_names(req, names);
	if (st == GC_OK)
		st = gc_view_page(req, view, "capacity/map", "capacity.map_title");
	if (st != GC_OK)
		return st;
	json_t *regions = json_array(), *rows = json_array();
	int gaps = 0;
	if (!regions || !rows || json_object_set_new(view->model, "regions", regions) ||
	    json_object_set_new(view->model, "rows", rows))
		return GC_ENOMEM;
	for (int r = 0; r < MAP_REGIONS; r++)
		if (json_array_append_new(regions, json_pack("{s:s, s:s}", "code", capacity_map_regions[r], "name", names[r])))
			return GC_ENOMEM;
	for (size_t t = 0; t < capacity_taxonomy.count; t++) {
		json_t *cells = json_array();
		int total = 0;
		for (int r = 0; cells && r < MAP_REGIONS; r++) {
			bool gap = m->needs[t][r] > 0 && m->offers[t][r] == 0;
			gaps += gap;
			total += m->needs[t][r] + m->offers[t][r];
			if (json_array_append_new(cells, json_pack("{s:s, s:i, s:i, s:b}", "region", capacity_map_regions[r], "needs",
								   m->needs[t][r], "offers", m->offers[t][r], "gap", gap)))
				return GC_ENOMEM;
		}
		if (!cells || json_array_append_new(rows, json_pack("{s:s, s:s, s:o, s:b}", "topic", capacity_taxonomy.topics[t].key,
								    "name", capacity_topic_name(&capacity_taxonomy.topics[t], lang),
								    "cells", cells, "any", total > 0)))
			return GC_ENOMEM;
	}
	if (json_object_set_new(view->model, "gaps", json_integer(gaps)) ||
	    json_object_set_new(view->model, "svg_href", json_string(gc_arena_printf(req->arena, "/capacity/map.svg?lang=%s", lang))))
		return GC_ENOMEM;
	view->cacheable = true;
	return GC_OK;
}

/* The left edge of region column r: in Arabic (right to left) the topics are on the
 * right and the first region next to them. */
static int map_col_x(bool rtl, int width, int label_w, int cell_w, int r)
{
	return rtl ? width - label_w - (r + 1) * cell_w : label_w + r * cell_w;
}

/*
 * The heat map: a row per topic, a column per region; the colour's depth is
 * the number of needs, the figures are "needs / offers", and a gap has a
 * thick dark-red border. Every text passes the HTML escaper (SVG is XML).
 */
gc_status capacity_map_svg(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct map_counts *m = gc_arena_calloc(req->arena, 1, sizeof(*m));
	const char *names[MAP_REGIONS];
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	if (!m)
		return GC_ENOMEM;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = count(req, &ctx, m);
	if (st == GC_OK)
		st = region_names(req, names);
	if (st != GC_OK)
		return st;
	int most = 1;
	for (size_t t = 0; t < capacity_taxonomy.count; t++)
		for (int r = 0; r < MAP_REGIONS; r++)
			most = m->needs[t][r] > most ? m->needs[t][r] : most;
	const int label_w = 300, cell_w = 120, cell_h = 30, top = 40;
	int width = label_w + MAP_REGIONS * cell_w + 10, height = top + (int)capacity_taxonomy.count * cell_h + 10;
	bool rtl = strcmp(lang, "ar") == 0;
	struct gc_buf b;
	gc_buf_init(&b, 1u << 20);
	gc_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
			  " role=\"img\" lang=\"%s\" direction=\"%s\" font-family=\"sans-serif\" font-size=\"13\">",
		      width, height, width, height, lang, rtl ? "rtl" : "ltr");
	gc_buf_lit(&b, "<title>");
	const char *title = gc_req_tr(req, "capacity.map_title");
	gc_buf_html(&b, title, strlen(title));
	gc_buf_lit(&b, "</title>");
	for (int r = 0; r < MAP_REGIONS; r++) {
		gc_buf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">",
			      map_col_x(rtl, width, label_w, cell_w, r) + cell_w / 2, top - 12);
		gc_buf_html(&b, names[r] ? names[r] : "", names[r] ? strlen(names[r]) : 0);
		gc_buf_lit(&b, "</text>");
	}
	for (size_t t = 0; t < capacity_taxonomy.count; t++) {
		int y = top + (int)t * cell_h;
		const char *name = capacity_topic_name(&capacity_taxonomy.topics[t], lang);
		/* text-anchor start: the right end of the text in Arabic (direction rtl). */
		gc_buf_printf(&b, "<text x=\"%d\" y=\"%d\">", rtl ? width - 4 : 4, y + 20);
		gc_buf_html(&b, name, strlen(name));
		gc_buf_lit(&b, "</text>");
		for (int r = 0; r < MAP_REGIONS; r++) {
			int needs = m->needs[t][r], offers = m->offers[t][r];
			bool gap = needs > 0 && offers == 0;
			int light = needs ? 90 - 55 * needs / most : 97; /* more needs, deeper blue */
			gc_buf_printf(&b,
				      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"hsl(210, 70%%, %d%%)\""
				      " stroke=\"%s\" stroke-width=\"%d\"/>",
				      map_col_x(rtl, width, label_w, cell_w, r) + 2, y + 2, cell_w - 4, cell_h - 4, light, gap ? "#8b0000" : "#ffffff",
				      gap ? 4 : 1);
			gc_buf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%d / %d%s</text>",
				      map_col_x(rtl, width, label_w, cell_w, r) + cell_w / 2, y + 20, light < 55 ? "#ffffff" : "#000000", needs, offers,
				      gap ? " !" : "");
		}
	}
	gc_buf_lit(&b, "</svg>\n");
	if (gc_buf_error(&b)) {
		gc_buf_free(&b);
		return GC_ENOMEM;
	}
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = "image/svg+xml; charset=utf-8";
	view->body = gc_buf_take(&b, &view->body_len);
	view->cacheable = true;
	gc_buf_free(&b);
	return view->body ? GC_OK : GC_ENOMEM;
}
