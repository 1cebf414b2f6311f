/*
 * GET /calendar.atom: an Atom feed (RFC 4287, render/atom.h) of the same
 * query as /calendar.ics, the published events the caller may see with the
 * list's filters, in the calendar's order (by start), at most
 * CAPACITY_FEED_MAX. Links and ids are absolute under the configured base
 * URL when there is one, else relative; ids are tag: URIs under its host
 * ("localhost" without one): tag:<host>,2026:capacity/<id>. The Host header
 * is never used, as the anonymous answer is cached for every caller.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "http/server.h"
#include "modules/capacity/capacity.h"
#include "render/atom.h"
#include "render/dates.h"

#define TAG_DATE "2026"

static int64_t parse_time(const char *s)
{
	int64_t t = 0;
	if (!s || gc_clock_parse_iso8601(s, &t) != GC_OK)
		return 0;
	return t;
}

gc_status capacity_event_atom(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	json_t *rows = NULL;
	struct gc_buf entries, out;
	gc_buf_init(&entries, GC_ATOM_MAX_BYTES);
	gc_buf_init(&out, GC_ATOM_MAX_BYTES);
	const char *cfg = req->server->config.base_url;
	size_t bn = strlen(cfg);
	while (bn && cfg[bn - 1] == '/')
		bn--;
	const char *base = gc_arena_strndup(req->arena, cfg, bn);
	const char *authority = "localhost";
	const char *host = base ? strstr(base, "://") : NULL;
	if (host && host[3] && strcspn(host + 3, ":/?#") > 0)
		authority = gc_arena_strndup(req->arena, host + 3, strcspn(host + 3, ":/?#"));
	int64_t newest = 0;
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	gc_status st = base && authority ? gc_req_item_ctx(req, &ctx) : GC_ENOMEM;
	if (st == GC_OK)
		st = capacity_query_rows(req, &ctx, &capacity_events, true, CAPACITY_FEED_MAX, 0, NULL, &rows);
	const char *topic_scheme = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":capacity/topics", authority);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL;
		const json_t *t = capacity_text(c, lang);
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		struct gc_atom_category cats[GC_ATOM_MAX_CATEGORIES];
		size_t n = 0, k;
		json_t *e;
		json_array_foreach(json_object_get(c, "topics"), k, e) {
			const struct capacity_topic *topic = capacity_topic_find(json_string_value(e));
			if (topic && n < GC_ATOM_MAX_CATEGORIES)
				cats[n++] = (struct gc_atom_category){ .term = topic->key, .label = capacity_topic_name(topic, lang),
								       .scheme = topic_scheme };
		}
		const char *status = json_string_value(json_object_get(row, "entry_status"));
		char when[GC_DATES_MAX];
		if (!gc_dates_span(lang, json_string_value(json_object_get(c, "starts")),
				   json_string_value(json_object_get(c, "ends")), when, sizeof(when)))
			snprintf(when, sizeof(when), "%s", "?");
		const char *summary = gc_arena_printf(req->arena, "%s (%s) · %s", when,
						      json_string_value(json_object_get(c, "timezone")),
						      gc_req_tr(req, gc_arena_printf(req->arena, "capacity.status_%s", status)));
		struct gc_atom_entry entry = {
			.id = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":capacity/%lld", authority, (long long)id),
			.title = json_string_value(json_object_get(t, "title")),
			.title_lang = json_string_value(json_object_get(t, "lang")),
			.summary = summary,
			.href = gc_arena_printf(req->arena, "%s/calendar/%lld", base, (long long)id),
			.author_name = json_string_value(json_object_get(row, "owner_name")),
			.updated = parse_time(json_string_value(json_object_get(row, "updated_at"))),
			.published = parse_time(json_string_value(json_object_get(row, "created_at"))),
			.categories = cats,
			.n_categories = n,
		};
		if (entry.updated <= 0)
			entry.updated = 1;
		if (entry.updated > newest)
			newest = entry.updated;
		st = c && entry.id && entry.href && summary ? gc_atom_entry(&entries, &entry) : GC_ENOMEM;
		json_decref(c);
	}
	if (st != GC_OK)
		goto out;
	struct gc_atom_feed feed = {
		.id = gc_arena_printf(req->arena, "tag:%s," TAG_DATE ":calendar.atom", authority),
		.title = gc_req_tr(req, "capacity.calendar_title"),
		.subtitle = gc_req_tr(req, "capacity.calendar_intro"),
		.lang = lang,
		.self_href = gc_arena_printf(req->arena, "%s/calendar.atom", base),
		.alternate_href = gc_arena_printf(req->arena, "%s/calendar", base),
		.author_name = gc_req_tr(req, "capacity.calendar_title"),
		.generator = "GCSCP",
		.updated = newest > 0 ? newest : gc_clock_now(),
	};
	st = feed.id && feed.self_href && feed.alternate_href ? gc_atom_begin(&out, &feed) : GC_ENOMEM;
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
	json_decref(rows);
	gc_buf_free(&entries);
	gc_buf_free(&out);
	return st;
}
