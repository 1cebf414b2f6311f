/*
 * The list's other forms: GET /policies.atom (an Atom feed of the newest
 * changes among the policies the filters select) and GET /policies.json
 * (every matching policy, as the API list shows them). Both run the list's
 * own query (policies_list_cursor), so they carry the visibility predicate
 * and the same filters as /policies and /policies.csv: an anonymous caller
 * gets public published policies, a member state's token that state's view.
 *
 * Links and ids: absolute from the configured base URL (--base-url) when
 * there is one, else relative to the feed (RFC 4287 §4.2.7). The Host
 * header is never used: the anonymous answer is cached for every caller.
 * Ids are tag: URIs (RFC 4151) under the base URL's host ("localhost"
 * without one): tag:<host>,2026:policies/<id> for an entry, and
 * tag:<host>,2026:policies.atom?<filters> for a feed.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "http/server.h"
#include "modules/policies/policies.h"
#include "render/atom.h"

#define TAG_DATE "2026"

/* The configured base URL without a trailing '/', or "" (links then stay relative). */
static const char *base_url(struct gc_request *req)
{
	const char *base = req->server->config.base_url;
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	return gc_arena_strndup(req->arena, base, n);
}

/* The host of the base URL, for tag: ids; "localhost" when none is configured. */
static const char *tag_authority(struct gc_request *req, const char *base)
{
	const char *host = strstr(base, "://");
	if (!host || !host[3])
		return "localhost";
	host += 3;
	size_t n = strcspn(host, ":/?#");
	return n ? gc_arena_strndup(req->arena, host, n) : "localhost";
}

static int64_t parse_time(const char *s)
{
	int64_t t = 0;
	if (!s || gc_clock_parse_iso8601(s, &t) != GC_OK)
		return 0;
	return t;
}

/* --- GET /policies.atom ------------------------------------------------------------------------- */

/* One entry of the feed from a shaped row; categories: the kind, the state, the topics. */
static gc_status feed_entry(struct gc_request *req, struct gc_buf *out, const char *base, const char *authority,
			    json_t *row, int64_t *newest)
{
	struct gc_atom_category cats[GC_ATOM_MAX_CATEGORIES];
	size_t n = 0;
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	const char *kind_scheme = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":policies/kinds", authority);
	const char *topic_scheme = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":policies/topics", authority);
	const char *country_scheme = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":countries", authority);
	const char *entry_id = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":policies/%lld", authority, (long long)id);
	const char *href = gc_arena_printf(req->arena, "%s/policies/%lld", base, (long long)id);
	if (!kind_scheme || !topic_scheme || !country_scheme || !entry_id || !href)
		return GC_ENOMEM;
	cats[n++] = (struct gc_atom_category){ .term = json_string_value(json_object_get(row, "kind")),
					       .label = json_string_value(json_object_get(row, "kind_label")),
					       .scheme = kind_scheme };
	if (json_is_string(json_object_get(row, "country")))
		cats[n++] = (struct gc_atom_category){ .term = json_string_value(json_object_get(row, "country")),
						       .scheme = country_scheme };
	json_t *topics = json_object_get(row, "topics"), *labels = json_object_get(row, "topic_labels");
	for (size_t i = 0; i < json_array_size(topics) && n < GC_ATOM_MAX_CATEGORIES; i++)
		cats[n++] = (struct gc_atom_category){ .term = json_string_value(json_array_get(topics, i)),
						       .label = json_string_value(json_array_get(labels, i)),
						       .scheme = topic_scheme };
	struct gc_atom_entry e = {
		.id = entry_id,
		.title = json_string_value(json_object_get(row, "title")),
		.title_lang = json_string_value(json_object_get(row, "lang")),
		.summary = json_string_value(json_object_get(row, "summary_excerpt")),
		.href = href,
		.author_name = json_string_value(json_object_get(json_object_get(row, "owner"), "name")),
		.updated = parse_time(json_string_value(json_object_get(row, "updated_at"))),
		.published = parse_time(json_string_value(json_object_get(row, "published_at"))),
		.categories = cats,
		.n_categories = n,
	};
	if (e.updated <= 0)
		e.updated = e.published > 0 ? e.published : 1;
	if (e.updated > *newest)
		*newest = e.updated;
	return gc_atom_entry(out, &e);
}

gc_status policies_atom(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx = { .db = NULL };
	struct gc_cursor *cursor = NULL;
	struct gc_buf entries, out, query;
	gc_buf_init(&entries, GC_ATOM_MAX_BYTES);
	gc_buf_init(&out, GC_ATOM_MAX_BYTES);
	gc_buf_init(&query, 8192);
	const char *base = base_url(req);
	const char *authority = base ? tag_authority(req, base) : NULL;
	int64_t newest = 0;
	gc_status st = base && authority ? gc_req_item_ctx(req, &ctx) : GC_ENOMEM;
	if (st == GC_OK)
		st = policies_list_cursor(req, &ctx, true, POLICIES_FEED_MAX_ENTRIES, &cursor);
	json_t *row;
	while (st == GC_OK && (st = gc_cursor_next(cursor, &row)) == GC_ROW) {
		st = policies_list_shape(req, row);
		if (st == GC_OK)
			st = feed_entry(req, &entries, base, authority, row, &newest);
	}
	if (st == GC_DONE)
		st = GC_OK;
	gc_cursor_close(cursor);
	cursor = NULL;
	if (ctx.db && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	if (st != GC_OK)
		goto out;

	policies_list_query_string(req, &query, '?', "per_page");
	if (gc_buf_error(&query)) {
		st = gc_buf_error(&query);
		goto out;
	}
	const char *qs = gc_buf_str(&query);
	const char *title = gc_arena_printf(req->arena, "%s · %s", gc_req_tr(req, "policies.title"),
					    gc_req_tr(req, "site.name"));
	struct gc_atom_feed feed = {
		.id = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":policies.atom%s", authority, qs),
		.title = title,
		.subtitle = gc_req_tr(req, "policies.feed_subtitle"),
		.lang = req->lang,
		.self_href = gc_arena_printf(req->arena, "%s/policies.atom%s", base, qs),
		.alternate_href = gc_arena_printf(req->arena, "%s/policies%s", base, qs),
		.author_name = gc_req_tr(req, "site.name"),
		.generator = "GCSCP",
		/* An empty feed changed last when the portal did: now, as far as this answer can tell. */
		.updated = newest > 0 ? newest : gc_clock_now(),
	};
	if (!feed.id || !feed.title || !feed.self_href || !feed.alternate_href) {
		st = GC_ENOMEM;
		goto out;
	}
	st = gc_atom_begin(&out, &feed);
	if (st == GC_OK) {
		gc_buf_raw(&out, gc_buf_str(&entries), entries.len);
		st = gc_atom_end(&out);
	}
	if (st != GC_OK)
		goto out;
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = GC_ATOM_CONTENT_TYPE;
	view->body = gc_buf_take(&out, &view->body_len);
	st = view->body ? GC_OK : GC_ENOMEM;
	view->cacheable = true;
out:
	gc_cursor_close(cursor);
	gc_buf_free(&entries);
	gc_buf_free(&out);
	gc_buf_free(&query);
	return st;
}

/* --- GET /policies.json ------------------------------------------------------------------------- */

gc_status policies_json_export(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx = { .db = NULL };
	struct gc_cursor *cursor = NULL;
	struct gc_buf out;
	gc_buf_init(&out, POLICIES_JSON_MAX_BYTES);
	int64_t count = 0;
	bool truncated = false;
	gc_status st = gc_req_item_ctx(req, &ctx);
	/* One row more than the limit tells whether the export is whole. */
	if (st == GC_OK)
		st = policies_list_cursor(req, &ctx, false, POLICIES_JSON_MAX_ROWS + 1, &cursor);
	gc_buf_lit(&out, "{\"items\": [");
	json_t *row;
	while (st == GC_OK && (st = gc_cursor_next(cursor, &row)) == GC_ROW) {
		if (count == POLICIES_JSON_MAX_ROWS) {
			truncated = true;
			continue;
		}
		st = policies_list_shape(req, row);
		if (st != GC_OK)
			break;
		char *text = json_dumps(row, JSON_COMPACT);
		if (!text) {
			st = GC_ENOMEM;
			break;
		}
		if (count)
			gc_buf_lit(&out, ",\n");
		else
			gc_buf_char(&out, '\n');
		gc_buf_str_raw(&out, text);
		free(text);
		count++;
		st = gc_buf_error(&out);
	}
	if (st == GC_DONE)
		st = GC_OK;
	gc_cursor_close(cursor);
	cursor = NULL;
	if (ctx.db && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	if (st == GC_ETOOBIG)
		return gc_fail(req, 413, "payload_too_large", "policies.export_too_large", NULL);
	if (st != GC_OK)
		goto out;
	gc_buf_printf(&out, "\n], \"count\": %lld, \"limit\": %d, \"truncated\": %s}\n", (long long)count,
		      POLICIES_JSON_MAX_ROWS, truncated ? "true" : "false");
	if (gc_buf_error(&out)) {
		st = gc_buf_error(&out);
		goto out;
	}
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = "application/json; charset=utf-8";
	view->filename = "policies.json";
	view->body = gc_buf_take(&out, &view->body_len);
	st = view->body ? GC_OK : GC_ENOMEM;
	view->cacheable = true;
out:
	gc_cursor_close(cursor);
	gc_buf_free(&out);
	return st;
}
