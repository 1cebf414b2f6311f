/*
 * iCalendar (RFC 5545): GET /calendar.ics with any of the list's filters,
 * and GET /calendar/{id}/event.ics ("add to my calendar"). Only published
 * events the caller may see are written.
 *
 * Each event keeps the time zone it was entered in: DTSTART;TZID=<IANA
 * name> with a VTIMEZONE of that name (tz.c) covering the feed's events, so
 * a calendar shows the right hour on both sides of a daylight-saving change;
 * UTC events are written in UTC ("Z"). UID is stable (the item id), SEQUENCE
 * is the entry's change counter, and a cancelled event stays in the feed
 * with STATUS:CANCELLED so that calendars remove it. Text values are
 * escaped (3.3.11) and lines folded at 75 octets, never inside a UTF-8
 * character (3.1).
 */
#include <string.h>

#include "base/clock.h"
#include "http/server.h"
#include "modules/capacity/capacity.h"

#define ICS_MAX_BYTES (16u << 20)
#define ICS_MAX_ZONES 64

/* Appends one content line, folded, with its CRLF. */
static void ics_line(struct gc_buf *out, const char *line, size_t n)
{
	size_t width = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		/* Length of this character, so it is never split. */
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (i + len > n)
			len = n - i;
		if (width + len > 75) {
			gc_buf_lit(out, "\r\n ");
			width = 1;
		}
		gc_buf_raw(out, line + i, len);
		width += len;
		i += len - 1;
	}
	gc_buf_lit(out, "\r\n");
}

/* name ":" value, the value a TEXT escaped. */
static void ics_text(struct gc_buf *out, const char *name, const char *value)
{
	struct gc_buf l;
	gc_buf_init(&l, 4u * CAPACITY_MAX_DESCRIPTION + 1024);
	gc_buf_str_raw(&l, name);
	gc_buf_char(&l, ':');
	for (const char *p = value ? value : ""; *p; p++) {
		switch (*p) {
		case '\\':
			gc_buf_lit(&l, "\\\\");
			break;
		case ';':
			gc_buf_lit(&l, "\\;");
			break;
		case ',':
			gc_buf_lit(&l, "\\,");
			break;
		case '\n':
			gc_buf_lit(&l, "\\n");
			break;
		case '\r':
			break;
		default:
			gc_buf_char(&l, *p);
		}
	}
	if (!gc_buf_error(&l))
		ics_line(out, gc_buf_str(&l), l.len);
	else if (!out->err)
		out->err = gc_buf_error(&l); /* the feed fails as a whole */
	gc_buf_free(&l);
}

/* A line that needs no escaping (built from checked values). */
static void ics_raw(struct gc_buf *out, const char *line)
{
	ics_line(out, line, strlen(line));
}

/* "YYYYMMDDTHHMMSS" of "YYYY-MM-DDTHH:MM:SS". */
static const char *basic(struct gc_request *req, const char *iso)
{
	if (!iso || strlen(iso) < 19)
		return NULL;
	return gc_arena_printf(req->arena, "%.4s%.2s%.2sT%.2s%.2s%.2s", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

static const char *ics_status(const char *status)
{
	if (status && strcmp(status, "cancelled") == 0)
		return "CANCELLED";
	if (status && strcmp(status, "planned") == 0)
		return "TENTATIVE";
	return "CONFIRMED";
}

/* Writes the calendar of rows (capacity_query_rows's form). */
/*
 * ORGANIZER: the event's assistance contact, when the reader may see it
 * (a restricted contact is left out of the feed as of the page), with its
 * function title as CN and its first address.
 */
static gc_status organizer(struct gc_request *req, struct gc_buf *out, const json_t *contact)
{
	struct gc_item_ctx ctx;
	json_t *summary = NULL;
	if (!json_is_integer(contact))
		return GC_OK;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = capacity_contact_summary(&ctx, req->arena, (int64_t)json_integer_value(contact), &summary);
	if (st == GC_ENOTFOUND)
		return GC_OK;
	if (st != GC_OK)
		return st;
	const char *email = json_string_value(json_array_get(json_object_get(summary, "emails"), 0));
	const char *title = json_string_value(json_object_get(summary, "function_title"));
	/* The directory checked the address; a parameter value is quoted, without quotes or controls in it. */
	if (email && strcspn(email, "\r\n;:,\"") == strlen(email)) {
		char *cn = gc_arena_strdup(req->arena, title ? title : "");
		for (char *p = cn; p && *p; p++)
			if (*p == '"' || (unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '\'';
		ics_raw(out, gc_arena_printf(req->arena, "ORGANIZER;CN=\"%s\":mailto:%s", cn ? cn : "", email));
	}
	json_decref(summary);
	return GC_OK;
}

static gc_status write_calendar(struct gc_request *req, const json_t *rows, struct gc_buf *out)
{
	const char *zones[ICS_MAX_ZONES];
	int64_t zone_from[ICS_MAX_ZONES], zone_to[ICS_MAX_ZONES];
	size_t n_zones = 0;
	json_t *contents = json_array();
	size_t i;
	json_t *row;
	gc_status st = GC_OK;
	if (!contents)
		return GC_ENOMEM;
	json_array_foreach(rows, i, row) {
		const char *text = json_string_value(json_object_get(row, "content"));
		json_t *c = text ? json_loads(text, 0, NULL) : NULL;
		if (!json_is_object(c) || json_array_append_new(contents, c)) {
			json_decref(contents);
			return GC_EDB;
		}
		const char *tz = json_string_value(json_object_get(c, "timezone"));
		int64_t s = 0, e = 0;
		if (gc_clock_parse_iso8601(json_string_value(json_object_get(row, "starts_at")), &s) != GC_OK ||
		    gc_clock_parse_iso8601(json_string_value(json_object_get(row, "ends_at")), &e) != GC_OK) {
			json_decref(contents);
			return GC_EDB;
		}
		if (!tz || strcmp(tz, "UTC") == 0)
			continue;
		size_t z = 0;
		while (z < n_zones && strcmp(zones[z], tz) != 0)
			z++;
		if (z == n_zones && n_zones < ICS_MAX_ZONES) {
			zones[n_zones] = tz;
			zone_from[n_zones] = s;
			zone_to[n_zones] = e;
			n_zones++;
		} else if (z < n_zones) {
			zone_from[z] = s < zone_from[z] ? s : zone_from[z];
			zone_to[z] = e > zone_to[z] ? e : zone_to[z];
		}
	}
	ics_raw(out, "BEGIN:VCALENDAR");
	ics_raw(out, "VERSION:2.0");
	ics_raw(out, "PRODID:-//United Nations//GCSCP capacity-building calendar//EN");
	ics_raw(out, "CALSCALE:GREGORIAN");
	ics_raw(out, "METHOD:PUBLISH");
	ics_text(out, "X-WR-CALNAME", gc_req_tr(req, "capacity.calendar_title"));
	for (size_t z = 0; z < n_zones && st == GC_OK; z++)
		st = capacity_tz_vtimezone(out, zones[z], zone_from[z], zone_to[z]);
	/* The configured base URL only, never the Host header: the anonymous feed is cached for every caller. */
	const char *base = req->server->config.base_url[0] ? req->server->config.base_url : NULL;
	json_array_foreach(rows, i, row) {
		if (st != GC_OK)
			break;
		const json_t *c = json_array_get(contents, i);
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		const char *tz = json_string_value(json_object_get(c, "timezone"));
		bool utc = !tz || strcmp(tz, "UTC") == 0;
		const json_t *t = capacity_text(c, req->lang);
		const char *status = json_string_value(json_object_get(row, "entry_status"));
		const char *updated = json_string_value(json_object_get(row, "updated_at"));
		const char *created = json_string_value(json_object_get(row, "created_at"));
		const char *starts = utc ? basic(req, json_string_value(json_object_get(row, "starts_at")))
					 : basic(req, json_string_value(json_object_get(c, "starts")));
		const char *ends = utc ? basic(req, json_string_value(json_object_get(row, "ends_at")))
				       : basic(req, json_string_value(json_object_get(c, "ends")));
		if (!starts || !ends) {
			st = GC_EDB;
			break;
		}
		ics_raw(out, "BEGIN:VEVENT");
		ics_raw(out, gc_arena_printf(req->arena, "UID:capacity-%lld@gcscp", (long long)id));
		ics_raw(out, gc_arena_printf(req->arena, "DTSTAMP:%sZ", basic(req, updated)));
		if (created)
			ics_raw(out, gc_arena_printf(req->arena, "CREATED:%sZ", basic(req, created)));
		ics_raw(out, gc_arena_printf(req->arena, "LAST-MODIFIED:%sZ", basic(req, updated)));
		ics_raw(out, gc_arena_printf(req->arena, "SEQUENCE:%lld",
					     (long long)json_integer_value(json_object_get(row, "sequence"))));
		if (utc) {
			ics_raw(out, gc_arena_printf(req->arena, "DTSTART:%sZ", starts));
			ics_raw(out, gc_arena_printf(req->arena, "DTEND:%sZ", ends));
		} else {
			ics_raw(out, gc_arena_printf(req->arena, "DTSTART;TZID=%s:%s", tz, starts));
			ics_raw(out, gc_arena_printf(req->arena, "DTEND;TZID=%s:%s", tz, ends));
		}
		ics_text(out, "SUMMARY", json_string_value(json_object_get(t, "title")));
		const char *description = json_string_value(json_object_get(t, "description"));
		if (description && *description)
			ics_text(out, "DESCRIPTION", description);
		const char *place = json_string_value(json_object_get(c, "place"));
		if (place)
			ics_text(out, "LOCATION", place);
		ics_raw(out, gc_arena_printf(req->arena, "STATUS:%s", ics_status(status)));
		const char *href = gc_arena_printf(req->arena, "%s/calendar/%lld", base ? base : "", (long long)id);
		if (href && base && (strncmp(href, "https://", 8) == 0 || strncmp(href, "http://", 7) == 0))
			ics_text(out, "URL", href);
		/* Topics as CATEGORIES, each value escaped (a name may hold a comma). */
		const json_t *topics = json_object_get(c, "topics");
		size_t k;
		json_t *e;
		json_array_foreach(topics, k, e) {
			const struct capacity_topic *topic = capacity_topic_find(json_string_value(e));
			if (topic)
				ics_text(out, "CATEGORIES", capacity_topic_name(topic, req->lang));
		}
		if (st == GC_OK)
			st = organizer(req, out, json_object_get(c, "contact"));
		ics_raw(out, "END:VEVENT");
	}
	ics_raw(out, "END:VCALENDAR");
	json_decref(contents);
	if (st == GC_OK && gc_buf_error(out))
		st = GC_ETOOBIG;
	return st;
}

static gc_status answer(struct gc_request *req, struct gc_view *view, const json_t *rows, const char *filename)
{
	struct gc_buf out;
	gc_buf_init(&out, ICS_MAX_BYTES);
	gc_status st = write_calendar(req, rows, &out);
	if (st == GC_OK) {
		json_decref(view->model);
		view->model = NULL;
		view->kind = GC_VIEW_RAW;
		view->content_type = "text/calendar; charset=utf-8";
		view->filename = filename;
		view->body = gc_buf_take(&out, &view->body_len);
		st = view->body ? GC_OK : GC_ENOMEM;
		view->cacheable = true;
	}
	gc_buf_free(&out);
	return st;
}

gc_status capacity_event_ics_feed(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	json_t *rows = NULL;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = capacity_query_rows(req, &ctx, &capacity_events, true, CAPACITY_FEED_MAX, 0, NULL, &rows);
	if (st == GC_OK)
		st = answer(req, view, rows, "calendar.ics");
	json_decref(rows);
	return st;
}

gc_status capacity_event_ics_one(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	json_t *rows = NULL;
	int64_t id = capacity_path_id(req);
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	/* The same rule as the page: a missing or hidden event is a 404. */
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, CAPACITY_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = gc_db_query(ctx.db,
				 "SELECT i.id AS id, e.entry_status AS entry_status, e.starts_at AS starts_at,"
				 " e.ends_at AS ends_at, e.sequence AS sequence, e.content AS content,"
				 " i.created_at AS created_at, i.updated_at AS updated_at FROM items i"
				 " JOIN capacity_entries e ON e.item_id = i.id WHERE i.id = ? AND e.entry_kind = 'event'",
				 GC_PARAMS(GC_INT(id)), &rows);
	if (st == GC_OK && json_array_size(rows) == 0)
		st = GC_ENOTFOUND;
	if (st != GC_OK) {
		json_decref(rows);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	st = answer(req, view, rows, gc_arena_printf(req->arena, "event-%lld.ics", (long long)id));
	json_decref(rows);
	return st;
}
