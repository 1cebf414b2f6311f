#include "modules/core/core.h"

#include <string.h>

#include "auth/policy.h"
#include "base/buf.h"
#include "render/i18n.h"
#include "store/search.h"

#define SEARCH_PAGE_SIZE 20

/* The search page's own filters, in the order links are built. */
static const char *const filter_names[] = { "module", "country", "language" };

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
	for (size_t i = 0; i < GC_ARRAY_LEN(filter_names); i++) {
		const char *current = strcmp(filter_names[i], name ? name : "") == 0 ? value : gc_query(req, filter_names[i]);
		if (!current)
			continue;
		gc_buf_char(&href, '&');
		gc_buf_str_raw(&href, filter_names[i]);
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

/* Turns the store's facet counts {"value": n} into the page's list of links. */
static gc_status add_facet(struct gc_request *req, json_t *facets, json_t *counts, const char *facet_name,
			   const char *filter_name, const char *label_key)
{
	json_t *values = json_array();
	json_t *facet = json_pack("{s:s, s:s, s:o}", "name", filter_name, "label", gc_req_tr(req, label_key), "values",
				  values);
	if (!facet)
		return GC_ENOMEM;
	const char *selected = gc_query(req, filter_name);
	const char *value;
	json_t *count;
	json_object_foreach(json_object_get(counts, facet_name), value, count) {
		bool is_selected = selected && strcmp(selected, value) == 0;
		const char *label = value;
		if (strcmp(facet_name, "module") == 0)
			label = module_label(req, value);
		else if (strcmp(facet_name, "lang") == 0 && gc_lang_find(value))
			label = gc_lang_native_name(value);
		json_t *href = search_href(req, filter_name, is_selected ? NULL : value, 0);
		json_t *entry = json_pack("{s:s, s:s, s:O, s:o, s:b}", "value", value, "label", label, "count", count,
					  "href", href, "selected", is_selected);
		if (!entry || json_array_append_new(values, entry)) {
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

gc_status core_search(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "core/search", "search.title");
	if (status != GC_OK)
		return status;
	json_t *model = view->model;
	const char *q = gc_query(req, "q");
	int64_t page = gc_query_int(req, "page", 1);
	json_t *facets = json_array();
	if (json_object_set_new(model, "facets", facets) || json_object_set_new(model, "query", json_string(q ? q : "")))
		return GC_ENOMEM;
	view->cacheable = req->principal == NULL;

	bool empty = true;
	for (const char *c = q; c && *c; c++)
		if (*c != ' ' && *c != '\t')
			empty = false;
	if (empty) {
		if (json_object_set_new(model, "empty_query", json_true()) ||
		    json_object_set_new(model, "total", json_integer(0)) ||
		    json_object_set_new(model, "hits", json_array()))
			return GC_ENOMEM;
		return GC_OK;
	}

	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	struct gc_val visible_params[GC_POLICY_MAX_PARAMS];
	struct gc_search_query query = {
		.text = q,
		.module = gc_query(req, "module"),
		.country = gc_query(req, "country"),
		.lang = gc_query(req, "language"),
		.limit = SEARCH_PAGE_SIZE,
		.offset = (int)((page - 1) * SEARCH_PAGE_SIZE),
		.visible_params = visible_params,
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
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "q");
	if (status == GC_EINVAL) {
		/* Nothing searchable in the words (only punctuation, say): no results, not an error. */
		result = json_pack("{s:i, s:[], s:{}}", "total", 0, "hits", "facets");
		if (!result)
			return GC_ENOMEM;
	} else if (status != GC_OK) {
		return status;
	}

	json_int_t total = json_integer_value(json_object_get(result, "total"));
	json_t *hits = json_object_get(result, "hits");
	size_t i;
	json_t *hit;
	json_array_foreach(hits, i, hit) {
		const char *snippet = json_string_value(json_object_get(hit, "snippet"));
		json_t *html = snippet_to_html(snippet ? snippet : "");
		const char *module = json_string_value(json_object_get(hit, "module"));
		/* Result links are the portal's own pages: anything but a local path loses its link. */
		const char *url = json_string_value(json_object_get(hit, "url"));
		if (!url || url[0] != '/' || url[1] == '/' || url[1] == '\\')
			json_object_set_new(hit, "url", json_null());
		if (!html || json_object_set_new(hit, "snippet_html", html) ||
		    json_object_set_new(hit, "module_label", json_string(module_label(req, module ? module : "")))) {
			json_decref(result);
			return GC_ENOMEM;
		}
	}
	json_t *counts = json_object_get(result, "facets");
	if (json_object_set(model, "total", json_object_get(result, "total")) ||
	    json_object_set(model, "hits", hits) ||
	    add_facet(req, facets, counts, "module", "module", "search.facet_module") != GC_OK ||
	    add_facet(req, facets, counts, "country", "country", "search.facet_country") != GC_OK ||
	    add_facet(req, facets, counts, "lang", "language", "search.facet_lang") != GC_OK) {
		json_decref(result);
		return GC_ENOMEM;
	}
	json_decref(result);

	/* Pagination only when there is somewhere to go, so no empty navigation landmark. */
	bool has_previous = page > 1, has_next = page * SEARCH_PAGE_SIZE < total && page < 1000;
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
