/*
 * GET /search (and /api/v1/search): the portal-wide search (store/search.h)
 * with its facets. Each facet value is a link that adds its filter (or, when
 * it is the current one, removes it); the current filters are listed again
 * with "remove" links. Labels are the reader's language: module names,
 * states and M49 regions (reference tables), kinds (each module's
 * "<module>.kind_<value>" key), topics (data/policy-topics.csv), languages
 * (their own names). The facets are counted under the caller's visibility
 * predicate, like the hits (see store/search.c).
 */
#include "render/places.h"
#include "modules/core/core.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/embedded.h"
#include "render/i18n.h"
#include "store/search.h"

#define SEARCH_PAGE_SIZE 20
#define TOPICS_CSV "data/policy-topics.csv"

/* The filters: query parameter, the store's facet name, the facet's label key. In the order links are built. */
static const struct {
	const char *param;
	const char *facet;
	const char *label_key;
} filters[] = {
	{ "module", "module", "search.facet_module" }, { "country", "country", "search.facet_country" },
	{ "region", "region", "search.facet_region" }, { "kind", "kind", "search.facet_kind" },
	{ "topic", "topic", "search.facet_topic" },    { "year", "year", "search.facet_year" },
	{ "language", "lang", "search.facet_lang" },
};

/* Search's snippet marks (U+E000, U+E001) become <mark> after everything else is escaped. */
static json_t *snippet_to_html(const char *snippet)
{
	static const char open_mark[] = "\xee\x80\x80", close_mark[] = "\xee\x80\x81";
	struct gc_buf out;
	gc_buf_init(&out, 64 * 1024);
	bool open = false;
	const char *p = snippet;
	while (*p) {
		const char *next_open = strstr(p, open_mark);
		const char *next_close = strstr(p, close_mark);
		const char *next = next_open;
		if (!next || (next_close && next_close < next))
			next = next_close;
		if (!next) {
			gc_buf_html(&out, p, strlen(p));
			break;
		}
		gc_buf_html(&out, p, (size_t)(next - p));
		if (next == next_open && !open) {
			gc_buf_lit(&out, "<mark>");
			open = true;
		} else if (next == next_close && open) {
			gc_buf_lit(&out, "</mark>");
			open = false;
		}
		p = next + 3;
	}
	if (open)
		gc_buf_lit(&out, "</mark>");
	json_t *html = gc_buf_error(&out) ? NULL : json_stringn(gc_buf_str(&out), out.len);
	gc_buf_free(&out);
	return html;
}

/*
 * A link to the search page with the current query and filters, where
 * filter `name` is set to `value` (NULL removes it) and page is `page` (0: none).
 */
static json_t *search_href(struct gc_request *req, const char *name, const char *value, int64_t page)
{
	struct gc_buf href;
	gc_buf_init(&href, 4096);
	gc_buf_lit(&href, "/search?q=");
	const char *q = gc_query(req, "q");
	if (q)
		gc_buf_url_query(&href, q, strlen(q));
	for (size_t i = 0; i < GC_ARRAY_LEN(filters); i++) {
		const char *current = strcmp(filters[i].param, name ? name : "") == 0 ? value : gc_query(req, filters[i].param);
		if (!current)
			continue;
		gc_buf_char(&href, '&');
		gc_buf_str_raw(&href, filters[i].param);
		gc_buf_char(&href, '=');
		gc_buf_url_query(&href, current, strlen(current));
	}
	if (page > 1)
		gc_buf_printf(&href, "&page=%lld", (long long)page);
	json_t *result = gc_buf_error(&href) ? NULL : json_string(gc_buf_str(&href));
	gc_buf_free(&href);
	return result;
}

static const char *module_label(struct gc_request *req, const char *name)
{
	for (size_t i = 0; i < gc_module_count; i++)
		if (strcmp(gc_modules[i]->name, name) == 0 && gc_modules[i]->title_key)
			return gc_req_tr(req, gc_modules[i]->title_key);
	return name;
}

/* A kind's name: the first module that names it ("<module>.kind_<kind>"), else the kind itself. */
static const char *kind_label(struct gc_request *req, const char *kind)
{
	for (size_t i = 0; i < gc_module_count; i++) {
		const char *key = gc_arena_printf(req->arena, "%s.kind_%s", gc_modules[i]->name, kind);
		if (!key)
			return kind;
		const char *label = gc_req_tr(req, key);
		if (label && strcmp(label, key) != 0)
			return label;
	}
	return kind;
}

/* {"key": "name"} of the policy topics in the reader's language (data/policy-topics.csv). */
static json_t *topic_names(struct gc_request *req)
{
	json_t *names = json_object();
	const struct gc_embedded_file *file = gc_embedded_find(TOPICS_CSV);
	if (!names || !file)
		return names;
	size_t column = 3; /* name_en */
	for (size_t l = 0; l < GC_LANG_COUNT; l++)
		if (req->lang && strcmp(req->lang, gc_langs[l]) == 0)
			column = l + 1;
	struct gc_csv csv;
	gc_csv_open(&csv, (const char *)file->data, file->size);
	bool header = true;
	while (gc_csv_next(&csv) == GC_ROW) {
		if (header || csv.n_fields <= column) {
			header = false;
			continue;
		}
		json_t *name = json_stringn(csv.field[column], csv.length[column]);
		if (!name || json_object_set_new(names, csv.field[0], name) != 0) {
			json_decref(names);
			names = NULL;
			break;
		}
	}
	gc_csv_close(&csv);
	return names;
}

struct labels {
	json_t *topics; /* owned */
};

/*
 * The topics' labels of one language, read once: reference data does not
 * change while the server runs. States and M49 regions are named by
 * render/places.h.
 */
static struct labels labels_cache[GC_LANG_COUNT];
static pthread_mutex_t labels_lock = PTHREAD_MUTEX_INITIALIZER;

static gc_status labels_get(struct gc_request *req, struct labels *l)
{
	size_t lang = 2; /* en */
	for (size_t i = 0; i < GC_LANG_COUNT; i++)
		if (req->lang && strcmp(req->lang, gc_langs[i]) == 0)
			lang = i;
	pthread_mutex_lock(&labels_lock);
	struct labels *c = &labels_cache[lang];
	gc_status st = GC_OK;
	if (!c->topics && !(c->topics = topic_names(req)))
		st = GC_ENOMEM;
	if (st == GC_OK)
		l->topics = json_incref(c->topics);
	pthread_mutex_unlock(&labels_lock);
	return st;
}

static const char *value_label(struct gc_request *req, const struct labels *l, const char *facet, const char *value)
{
	const char *label = NULL;
	if (strcmp(facet, "module") == 0)
		label = module_label(req, value);
	else if (strcmp(facet, "country") == 0)
		label = gc_country_name(value, req->lang);
	else if (strcmp(facet, "region") == 0)
		label = gc_region_name(value, req->lang);
	else if (strcmp(facet, "kind") == 0)
		label = kind_label(req, value);
	else if (strcmp(facet, "topic") == 0)
		label = json_string_value(json_object_get(l->topics, value));
	else if (strcmp(facet, "lang") == 0 && gc_lang_find(value))
		label = gc_lang_native_name(value);
	return label ? label : value;
}

/*
 * Turns the store's facet counts {"value": n} into the page's list of links;
 * a current filter is marked and its link removes it, and it is also added
 * to model.filters with its "remove" link.
 */
static gc_status add_facet(struct gc_request *req, const struct labels *l, json_t *facets, json_t *active,
			   json_t *counts, size_t f)
{
	const char *selected = gc_query(req, filters[f].param);
	json_t *values = json_array();
	json_t *facet = json_pack("{s:s, s:s, s:o}", "name", filters[f].param, "label", gc_req_tr(req, filters[f].label_key),
				  "values", values);
	if (!facet)
		return GC_ENOMEM;
	const char *value;
	json_t *count;
	json_object_foreach(json_object_get(counts, filters[f].facet), value, count) {
		bool is_selected = selected && strcmp(selected, value) == 0;
		json_t *href = search_href(req, filters[f].param, is_selected ? NULL : value, 0);
		json_t *entry = json_pack("{s:s, s:s, s:O, s:o, s:b}", "value", value, "label",
					  value_label(req, l, filters[f].facet, value), "count", count, "href", href,
					  "selected", is_selected);
		if (!entry || json_array_append_new(values, entry)) {
			json_decref(facet);
			return GC_ENOMEM;
		}
	}
	if (selected) {
		json_t *filter = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", filters[f].param, "label",
					   gc_req_tr(req, filters[f].label_key), "value", selected, "value_label",
					   value_label(req, l, filters[f].facet, selected), "remove_href",
					   search_href(req, filters[f].param, NULL, 0));
		if (!filter || json_array_append_new(active, filter)) {
			json_decref(facet);
			return GC_ENOMEM;
		}
	}
	/* A facet with no values says nothing: it is left out. */
	if (json_array_size(values) == 0) {
		json_decref(facet);
		return GC_OK;
	}
	return json_array_append_new(facets, facet) ? GC_ENOMEM : GC_OK;
}

/* The hits, decorated for the page: snippet as HTML, labels, local links only. */
static gc_status decorate_hits(struct gc_request *req, const struct labels *l, json_t *hits)
{
	size_t i;
	json_t *hit;
	json_array_foreach(hits, i, hit) {
		const char *snippet = json_string_value(json_object_get(hit, "snippet"));
		const char *module = json_string_value(json_object_get(hit, "module"));
		const char *country = json_string_value(json_object_get(hit, "country"));
		const char *kind = json_string_value(json_object_get(hit, "kind"));
		/* Result links are the portal's own pages: anything but a local path loses its link. */
		const char *url = json_string_value(json_object_get(hit, "url"));
		if (!url || url[0] != '/' || url[1] == '/' || url[1] == '\\')
			json_object_set_new(hit, "url", json_null());
		json_t *html = snippet_to_html(snippet ? snippet : "");
		if (!html || json_object_set_new(hit, "snippet_html", html) ||
		    json_object_set_new(hit, "module_label", json_string(module_label(req, module ? module : ""))) ||
		    json_object_set_new(hit, "country_label",
					country ? json_string(value_label(req, l, "country", country)) : json_null()) ||
		    json_object_set_new(hit, "kind_label", kind ? json_string(kind_label(req, kind)) : json_null()))
			return GC_ENOMEM;
	}
	return GC_OK;
}

gc_status core_search(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "core/search", "search.title");
	if (status != GC_OK)
		return status;
	json_t *model = view->model;
	const char *q = gc_query(req, "q");
	int64_t page = gc_query_int(req, "page", 1);
	json_t *facets = json_array();
	json_t *active = json_array();
	if (json_object_set_new(model, "facets", facets) || json_object_set_new(model, "filters", active) ||
	    json_object_set_new(model, "query", json_string(q ? q : "")))
		return GC_ENOMEM;
	view->cacheable = req->principal == NULL;

	bool empty = true;
	for (const char *c = q; c && *c; c++)
		if (*c != ' ' && *c != '\t')
			empty = false;
	if (empty) {
		if (json_object_set_new(model, "empty_query", json_true()) ||
		    json_object_set_new(model, "message", json_string(gc_req_tr(req, "search.empty_query"))) ||
		    json_object_set_new(model, "total", json_integer(0)) ||
		    json_object_set_new(model, "hits", json_array()))
			return GC_ENOMEM;
		return GC_OK;
	}

	/* Deep pages are refused (GC_SEARCH_MAX_OFFSET): costly, and no one reads them. */
	if ((page - 1) * SEARCH_PAGE_SIZE > GC_SEARCH_MAX_OFFSET)
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "page");
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	struct gc_val visible_params[GC_POLICY_MAX_PARAMS];
	struct gc_search_query query = {
		.text = q,
		.module = gc_query(req, "module"),
		.country = gc_query(req, "country"),
		.region = gc_query(req, "region"),
		.kind = gc_query(req, "kind"),
		.topic = gc_query(req, "topic"),
		.year = (int)gc_query_int(req, "year", 0),
		.lang = gc_query(req, "language"),
		.limit = SEARCH_PAGE_SIZE,
		.offset = (int)((page - 1) * SEARCH_PAGE_SIZE),
		.visible_params = visible_params,
		.cache = true,
	};
	bool observers = false;
	status = gc_policy_read_observers(db, &observers);
	if (status != GC_OK)
		return status;
	status = gc_policy_visible_sql(req->principal, observers, "d", "item_id", req->arena, &query.visible_sql,
				       visible_params, &query.n_visible_params);
	if (status != GC_OK)
		return status;
	json_t *result = NULL;
	status = gc_search_run(db, &query, &result);
	if (status == GC_ETOOBIG)
		return gc_fail(req, 400, "invalid_param", "search.too_long", "q");
	if (status == GC_EINVAL) {
		/* Nothing searchable in the words (only punctuation, say): no results, not an error. */
		if (json_object_set_new(model, "message", json_string(gc_req_tr(req, "search.no_words"))))
			return GC_ENOMEM;
		result = json_pack("{s:i, s:[], s:{}}", "total", 0, "hits", "facets");
		if (!result)
			return GC_ENOMEM;
	} else if (status != GC_OK) {
		return status;
	}

	struct labels l = { NULL };
	status = labels_get(req, &l);
	json_int_t total = json_integer_value(json_object_get(result, "total"));
	json_t *hits = json_object_get(result, "hits");
	json_t *counts = json_object_get(result, "facets");
	if (status == GC_OK)
		status = decorate_hits(req, &l, hits);
	for (size_t f = 0; status == GC_OK && f < GC_ARRAY_LEN(filters); f++)
		status = add_facet(req, &l, facets, active, counts, f);
	if (status == GC_OK && (json_object_set_new(model, "has_filters", json_boolean(json_array_size(active) > 0)) ||
				json_object_set(model, "total", json_object_get(result, "total")) ||
				json_object_set(model, "hits", hits)))
		status = GC_ENOMEM;
	json_decref(l.topics);
	json_decref(result);
	if (status != GC_OK)
		return status;

	int64_t last_page = total > 0 ? (total + SEARCH_PAGE_SIZE - 1) / SEARCH_PAGE_SIZE : 1;
	int64_t deepest = GC_SEARCH_MAX_OFFSET / SEARCH_PAGE_SIZE + 1;
	if (last_page > deepest)
		last_page = deepest;
	if (json_object_set_new(model, "page", json_integer(page)) ||
	    json_object_set_new(model, "page_count", json_integer(last_page)) ||
	    (total == 0 && !json_object_get(model, "message") &&
	     json_object_set_new(model, "message", json_string(gc_req_tr(req, "search.no_results")))))
		return GC_ENOMEM;
	/* Pagination only when there is somewhere to go, so no empty navigation landmark. */
	bool has_previous = page > 1, has_next = page < last_page;
	if (!has_previous && !has_next)
		return GC_OK;
	json_t *pages = json_object();
	if (!pages || json_object_set_new(model, "pages", pages))
		return GC_ENOMEM;
	if (has_previous && json_object_set_new(pages, "previous_href", search_href(req, NULL, NULL, page - 1)))
		return GC_ENOMEM;
	if (has_next && json_object_set_new(pages, "next_href", search_href(req, NULL, NULL, page + 1)))
		return GC_ENOMEM;
	return GC_OK;
}
