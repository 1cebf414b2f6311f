/*
 * The directory: GET /contacts (page and JSON), its exports /contacts.csv
 * and /contacts.vcf, the printable directory /contacts/print, and the home
 * page's and country profiles' parts. Every query appends the visibility
 * predicate (auth/policy.h), for rows and counts alike: nothing the caller
 * may not see is listed, counted or exported.
 */
#include <stdlib.h>
#include <string.h>

#include "render/places.h"
#include "modules/contacts/contacts.h"

struct list_query {
	struct gc_buf sql;
	struct gc_val params[GC_DB_MAX_PARAMS];
	size_t n;
	bool overflow;
};

static void q_param(struct list_query *q, struct gc_val v)
{
	if (q->n == GC_DB_MAX_PARAMS)
		q->overflow = true;
	else
		q->params[q->n++] = v;
}

static const char *q_text(struct gc_request *req, struct list_query *q)
{
	if (gc_buf_error(&q->sql) || q->overflow)
		return NULL;
	return gc_arena_strndup(req->arena, gc_buf_str(&q->sql), q->sql.len);
}

struct list_filters {
	const char *countries[CONTACTS_MAX_COUNTRY_FILTERS];
	size_t n_countries;
	const char *region;
	const char *kind;
	const char *language;
	int64_t org;
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static gc_status read_filters(struct gc_request *req, struct list_filters *f)
{
	memset(f, 0, sizeof(*f));
	const char *values[CONTACTS_MAX_COUNTRY_FILTERS];
	size_t n = gc_query_all(req, "country", values, CONTACTS_MAX_COUNTRY_FILTERS);
	for (size_t i = 0; i < n && i < CONTACTS_MAX_COUNTRY_FILTERS; i++)
		if (nonempty(values[i]))
			f->countries[f->n_countries++] = values[i];
	f->region = nonempty(gc_query(req, "region"));
	f->kind = nonempty(gc_query(req, "kind"));
	f->language = nonempty(gc_query(req, "language"));
	f->org = gc_query_int(req, "org", 0);
	if (f->language && !contacts_lang_ok(f->language))
		return gc_fail(req, 400, "invalid_param", "error.invalid_param", "language");
	if (f->region) {
		for (const char *c = f->region; *c; c++)
			if (*c < '0' || *c > '9')
				return gc_fail(req, 400, "invalid_param", "error.invalid_param", "region");
	}
	return GC_OK;
}

/* " FROM ... WHERE ...": the contacts the caller sees, filtered. */
static gc_status list_from(struct gc_request *req, struct gc_item_ctx *ctx, const struct list_filters *f,
			   struct list_query *q)
{
	const char *visible = NULL;
	struct gc_val vparams[GC_POLICY_MAX_PARAMS];
	size_t vn = 0;
	gc_status st = gc_policy_visible_sql(req->principal, ctx->restricted_includes_observers, "i", "id", req->arena,
					     &visible, vparams, &vn);
	if (st != GC_OK)
		return st;
	gc_buf_lit(&q->sql, " FROM items i JOIN contacts c ON c.item_id = i.id"
			    " JOIN organisations o ON o.id = i.owner_org"
			    " WHERE i.module = 'contacts' AND ");
	gc_buf_str_raw(&q->sql, visible);
	for (size_t i = 0; i < vn; i++)
		q_param(q, vparams[i]);
	if (f->n_countries) {
		gc_buf_lit(&q->sql, " AND i.country IN (");
		for (size_t i = 0; i < f->n_countries; i++) {
			gc_buf_str_raw(&q->sql, i ? ", ?" : "?");
			q_param(q, GC_TEXT(f->countries[i]));
		}
		gc_buf_lit(&q->sql, ")");
	}
	if (f->region) {
		gc_buf_lit(&q->sql, " AND i.country IN (SELECT r.iso3 FROM countries r WHERE r.region = ?"
				    " OR r.subregion = ? OR r.intermediate = ?)");
		q_param(q, GC_TEXT(f->region));
		q_param(q, GC_TEXT(f->region));
		q_param(q, GC_TEXT(f->region));
	}
	if (f->kind) {
		gc_buf_lit(&q->sql, " AND c.kind = ?");
		q_param(q, GC_TEXT(f->kind));
	}
	if (f->language) {
		/* Every element of languages is [a-z]{2,3}, so '"fr"' matches exactly one of them. */
		const char *pattern = gc_arena_printf(req->arena, "%%\"%s\"%%", f->language);
		if (!pattern)
			return GC_ENOMEM;
		gc_buf_lit(&q->sql, " AND c.languages LIKE ?");
		q_param(q, GC_TEXT(pattern));
	}
	if (f->org) {
		gc_buf_lit(&q->sql, " AND i.owner_org = ?");
		q_param(q, GC_INT(f->org));
	}
	return GC_OK;
}

#define LIST_COLUMNS                                                                                            \
	"SELECT i.id AS id, c.kind AS kind, c.function_title AS function_title, c.person_name AS person_name,"  \
	" c.agency AS agency, c.position AS position, c.emails AS emails, c.phones AS phones,"                 \
	" c.working_hours AS working_hours, c.time_zone AS time_zone, c.languages AS languages,"               \
	" c.fingerprint AS fingerprint, c.secure_channels AS secure_channels, c.notes AS notes,"               \
	" c.last_confirmed AS last_confirmed, i.country AS country, i.visibility AS visibility,"               \
	" i.status AS status, i.updated_at AS updated_at, i.owner_org AS owner_id, o.name AS owner_name"

#define LIST_ORDER " ORDER BY (i.country IS NULL), i.country, c.kind, c.function_title, i.id"

static json_t *parse_list(const json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	json_t *a = json_loads(s ? s : "[]", 0, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	return a;
}

/* A row of LIST_COLUMNS as the list shows it. */
static gc_status shape_row(struct gc_request *req, json_t *row)
{
	const char *kind = json_string_value(json_object_get(row, "kind"));
	const char *country = json_string_value(json_object_get(row, "country"));
	const char *status = json_string_value(json_object_get(row, "status"));
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	json_t *owner = json_pack("{s:O, s:O}", "id", json_object_get(row, "owner_id"), "name",
				  json_object_get(row, "owner_name"));
	const char *cname = gc_country_name(country, req->lang);
	json_t *extra = json_pack("{s:o, s:o, s:o, s:o, s:s?, s:s, s:s?, s:b}", "emails", parse_list(row, "emails"),
				  "phones", parse_list(row, "phones"), "languages", parse_list(row, "languages"),
				  "owner", owner, "href", gc_arena_printf(req->arena, "/contacts/%lld", (long long)id),
				  "kind_label", gc_req_tr(req, contacts_kind_key(req, kind)), "country_name", cname,
				  "not_published", status && strcmp(status, "published") != 0);
	if (!extra || json_object_update(row, extra)) {
		json_decref(extra);
		return GC_ENOMEM;
	}
	json_decref(extra);
	json_object_del(row, "owner_id");
	json_object_del(row, "owner_name");
	return GC_OK;
}

static const char *const list_keep[] = { "country", "region", "kind", "language", "org", "per_page", NULL };

static void append_kept_filters(const struct gc_request *req, struct gc_buf *b, char first, const char *skip)
{
	char sep = first;
	for (size_t k = 0; list_keep[k]; k++) {
		if (skip && strcmp(list_keep[k], skip) == 0)
			continue;
		const char *values[CONTACTS_MAX_COUNTRY_FILTERS];
		size_t n = gc_query_all(req, list_keep[k], values, CONTACTS_MAX_COUNTRY_FILTERS);
		for (size_t v = 0; v < n && v < CONTACTS_MAX_COUNTRY_FILTERS; v++) {
			gc_buf_char(b, sep);
			sep = '&';
			gc_buf_str_raw(b, list_keep[k]);
			gc_buf_char(b, '=');
			gc_buf_url_query(b, values[v], strlen(values[v]));
		}
	}
}

static json_t *href_with_filters(const struct gc_request *req, const char *path, const char *skip)
{
	struct gc_buf b;
	gc_buf_init(&b, 8192);
	gc_buf_str_raw(&b, path);
	append_kept_filters(req, &b, strchr(path, '?') ? '&' : '?', skip);
	json_t *out = gc_buf_error(&b) ? NULL : json_string(gc_buf_str(&b));
	gc_buf_free(&b);
	return out;
}

/* The choices of the filter form (pages only). */
static gc_status filter_choices(struct gc_request *req, struct gc_item_ctx *ctx, const struct list_filters *f,
				json_t *model)
{
	const char *lang = gc_lang_find(req->lang) ? gc_lang_find(req->lang) : GC_LANG_DEFAULT;
	json_t *countries = NULL, *regions = NULL;
	const char *rsql = gc_arena_printf(req->arena,
					   "SELECT DISTINCT g.code AS value, g.name_%s AS label FROM regions g"
					   " JOIN countries c ON c.region = g.code ORDER BY label",
					   lang);
	if (!rsql)
		return GC_ENOMEM;
	countries = gc_country_choices(lang);
	gc_status st = countries ? GC_OK : GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_query(ctx->db, rsql, GC_NO_PARAMS, &regions);
	if (st != GC_OK)
		goto out;
	st = GC_ENOMEM;
	size_t i;
	json_t *row;
	json_array_foreach(countries, i, row) {
		bool on = false;
		for (size_t k = 0; k < f->n_countries; k++)
			on = on || strcmp(f->countries[k], json_string_value(json_object_get(row, "value"))) == 0;
		if (json_object_set_new(row, "selected", json_boolean(on)))
			goto out;
	}
	json_array_foreach(regions, i, row)
		if (json_object_set_new(row, "selected",
					json_boolean(f->region && strcmp(f->region, json_string_value(json_object_get(row, "value"))) == 0)))
			goto out;
	json_t *kinds = json_array();
	if (!kinds || json_object_set_new(model, "kind_choices", kinds) ||
	    json_object_set(model, "country_choices", countries) || json_object_set(model, "region_choices", regions))
		goto out;
	for (size_t k = 0; contacts_kinds[k]; k++)
		if (json_array_append_new(kinds, json_pack("{s:s, s:s, s:b}", "value", contacts_kinds[k], "label",
							   gc_req_tr(req, contacts_kind_key(req, contacts_kinds[k])),
							   "selected", f->kind && strcmp(f->kind, contacts_kinds[k]) == 0)))
			goto out;
	st = GC_OK;
out:
	json_decref(countries);
	json_decref(regions);
	return st;
}

/* The rows of a list or export: page > 0 pages it, else up to CONTACTS_EXPORT_MAX_ROWS. */
static gc_status query_rows(struct gc_request *req, struct gc_item_ctx *ctx, const struct list_filters *f,
			    int64_t page, int64_t per_page, int64_t *count, json_t **rows)
{
	struct list_query q = { .n = 0 };
	gc_status st = GC_OK;
	gc_buf_init(&q.sql, 16384);
	if (count) {
		gc_buf_lit(&q.sql, "SELECT COUNT(*) AS n");
		st = list_from(req, ctx, f, &q);
		const char *sql = st == GC_OK ? q_text(req, &q) : NULL;
		if (st == GC_OK)
			st = sql ? gc_db_query_int(ctx->db, sql, q.params, q.n, count) : GC_ENOMEM;
		gc_buf_reset(&q.sql);
		q.n = 0;
		if (st != GC_OK)
			goto out;
	}
	gc_buf_lit(&q.sql, LIST_COLUMNS);
	st = list_from(req, ctx, f, &q);
	if (st != GC_OK)
		goto out;
	gc_buf_lit(&q.sql, LIST_ORDER " LIMIT ? OFFSET ?");
	q_param(&q, GC_INT(page > 0 ? per_page : CONTACTS_EXPORT_MAX_ROWS));
	q_param(&q, GC_INT(page > 0 ? (page - 1) * per_page : 0));
	const char *sql = q_text(req, &q);
	st = sql ? gc_db_query(ctx->db, sql, q.params, q.n, rows) : GC_ENOMEM;
out:
	gc_buf_free(&q.sql);
	return st;
}

static gc_status list_model(struct gc_request *req, struct gc_view *view, const char *template_name, bool paged)
{
	struct gc_item_ctx ctx;
	struct list_filters f;
	json_t *rows = NULL;
	int64_t page = paged ? gc_query_int(req, "page", 1) : 0;
	int64_t per_page = gc_query_int(req, "per_page", CONTACTS_PAGE_SIZE);
	int64_t count = 0;
	gc_status st = read_filters(req, &f);
	if (st == GC_OK)
		st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = gc_view_page(req, view, template_name, "contacts.title");
	if (st == GC_OK)
		st = query_rows(req, &ctx, &f, page, per_page, &count, &rows);
	if (st != GC_OK)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		st = shape_row(req, row);
		if (st != GC_OK)
			goto out;
	}
	json_t *model = view->model;
	st = GC_ENOMEM;
	json_t *filters = json_pack("{s:s?, s:s?, s:s?}", "region", f.region, "kind", f.kind, "language", f.language);
	if (!filters || json_object_set_new(model, "filters", filters) ||
	    json_object_set_new(model, "count", json_integer(count)) || json_object_set(model, "items", rows) ||
	    json_object_set_new(model, "csv_href", href_with_filters(req, "/contacts.csv", "per_page")) ||
	    json_object_set_new(model, "vcf_href", href_with_filters(req, "/contacts.vcf", "per_page")) ||
	    json_object_set_new(model, "print_href", href_with_filters(req, "/contacts/print", "per_page")))
		goto out;
	if (paged) {
		if (json_object_set_new(model, "page", json_integer(page)) ||
		    json_object_set_new(model, "per_page", json_integer(per_page)))
			goto out;
		if (page > 1) {
			char path[64];
			snprintf(path, sizeof(path), "/contacts?page=%lld", (long long)(page - 1));
			if (json_object_set_new(model, "previous_href", href_with_filters(req, path, NULL)))
				goto out;
		}
		if (page * per_page < count && page < CONTACTS_MAX_PAGE) {
			char path[64];
			snprintf(path, sizeof(path), "/contacts?page=%lld", (long long)(page + 1));
			if (json_object_set_new(model, "next_href", href_with_filters(req, path, NULL)))
				goto out;
		}
	}
	st = GC_OK;
	if (!req->is_api)
		st = filter_choices(req, &ctx, &f, model);
	const struct gc_principal *p = req->principal;
	if (st == GC_OK &&
	    (json_object_set_new(model, "can_create",
				 json_boolean(p && gc_policy_can_create(p, CONTACTS_MODULE, 0) && p->org_kind != GC_ORG_STAKEHOLDER)) ||
	     json_object_set_new(model, "can_ping", json_boolean(gc_principal_is_secretariat(p)))))
		st = GC_ENOMEM;
	view->cacheable = true;
out:
	json_decref(rows);
	return st;
}

gc_status contacts_list(struct gc_request *req, struct gc_view *view)
{
	return list_model(req, view, "contacts/list", true);
}

gc_status contacts_print(struct gc_request *req, struct gc_view *view)
{
	return list_model(req, view, "contacts/print", false);
}

/* --- exports ------------------------------------------------------------------------------------------------ */

static void csv_cell(struct gc_buf *b, const char *s, bool last)
{
	gc_buf_csv_field(b, s ? s : "", s ? strlen(s) : 0);
	gc_buf_str_raw(b, last ? "\r\n" : ",");
}

/* A JSON array of strings joined with sep, into b's scratch. */
static const char *join_json(struct gc_request *req, const json_t *a, const char *sep)
{
	struct gc_buf b;
	gc_buf_init(&b, 16 * 1024);
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (i)
			gc_buf_str_raw(&b, sep);
		gc_buf_str_raw(&b, json_string_value(e) ? json_string_value(e) : "");
	}
	const char *s = gc_buf_error(&b) ? NULL : gc_arena_strdup(req->arena, gc_buf_str(&b));
	gc_buf_free(&b);
	return s;
}

static gc_status export_rows(struct gc_request *req, struct gc_item_ctx *ctx, json_t **rows)
{
	struct list_filters f;
	gc_status st = read_filters(req, &f);
	if (st == GC_OK)
		st = gc_req_item_ctx(req, ctx);
	if (st == GC_OK)
		st = query_rows(req, ctx, &f, 0, 0, NULL, rows);
	return st;
}

static gc_status raw_answer(struct gc_request *req, struct gc_view *view, struct gc_buf *out, const char *type,
			    const char *filename)
{
	gc_status st = gc_buf_error(out);
	if (st != GC_OK)
		return st;
	json_decref(view->model);
	view->model = NULL;
	view->kind = GC_VIEW_RAW;
	view->content_type = type;
	view->filename = filename;
	view->body = gc_buf_take(out, &view->body_len);
	view->cacheable = true;
	(void)req;
	return view->body ? GC_OK : GC_ENOMEM;
}

gc_status contacts_csv(struct gc_request *req, struct gc_view *view)
{
	static const char *const header[] = { "id", "kind", "country", "organisation", "function_title", "person_name",
					      "agency", "position", "emails", "phones", "working_hours", "time_zone",
					      "languages", "fingerprint", "secure_channels", "notes", "last_confirmed",
					      "visibility", "status", "url" };
	struct gc_item_ctx ctx;
	json_t *rows = NULL;
	struct gc_buf out;
	gc_buf_init(&out, CONTACTS_EXPORT_MAX_BYTES);
	gc_status st = export_rows(req, &ctx, &rows);
	if (st != GC_OK)
		goto out;
	for (size_t i = 0; i < GC_ARRAY_LEN(header); i++)
		csv_cell(&out, header[i], i + 1 == GC_ARRAY_LEN(header));
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(row, "id")));
		json_t *emails = parse_list(row, "emails"), *phones = parse_list(row, "phones"),
		       *langs = parse_list(row, "languages");
		csv_cell(&out, id, false);
		static const char *const cols[] = { "kind", "country", "owner_name", "function_title", "person_name",
						    "agency", "position" };
		for (size_t k = 0; k < GC_ARRAY_LEN(cols); k++)
			csv_cell(&out, json_string_value(json_object_get(row, cols[k])), false);
		csv_cell(&out, join_json(req, emails, " "), false);
		csv_cell(&out, join_json(req, phones, " "), false);
		csv_cell(&out, json_string_value(json_object_get(row, "working_hours")), false);
		csv_cell(&out, json_string_value(json_object_get(row, "time_zone")), false);
		csv_cell(&out, join_json(req, langs, " "), false);
		static const char *const cols2[] = { "fingerprint", "secure_channels", "notes", "last_confirmed",
						     "visibility", "status" };
		for (size_t k = 0; k < GC_ARRAY_LEN(cols2); k++)
			csv_cell(&out, json_string_value(json_object_get(row, cols2[k])), false);
		csv_cell(&out, gc_arena_printf(req->arena, "/contacts/%s", id), true);
		json_decref(emails);
		json_decref(phones);
		json_decref(langs);
	}
	st = raw_answer(req, view, &out, "text/csv; charset=utf-8", "contacts.csv");
out:
	json_decref(rows);
	gc_buf_free(&out);
	return st;
}

/* The strings of a JSON array into list (borrowed from it). */
static size_t borrow_list(const json_t *a, const char **list, size_t max)
{
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(a, i, e)
		if (n < max && json_is_string(e))
			list[n++] = json_string_value(e);
	return n;
}

gc_status contacts_vcf(struct gc_request *req, struct gc_view *view)
{
	struct gc_item_ctx ctx;
	json_t *rows = NULL;
	struct gc_buf out;
	gc_buf_init(&out, CONTACTS_EXPORT_MAX_BYTES);
	gc_status st = export_rows(req, &ctx, &rows);
	if (st != GC_OK)
		goto out;
	const char *base = gc_req_base_url(req);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *emails = parse_list(row, "emails"), *phones = parse_list(row, "phones"),
		       *langs = parse_list(row, "languages");
		const char *e[CONTACTS_MAX_EMAILS], *p[CONTACTS_MAX_PHONES], *l[CONTACTS_MAX_LANGUAGES];
		int64_t id = json_integer_value(json_object_get(row, "id"));
		const char *country = json_string_value(json_object_get(row, "country"));
		struct contacts_card card = {
			.id = id,
			.kind = json_string_value(json_object_get(row, "kind")),
			.function_title = json_string_value(json_object_get(row, "function_title")),
			.person_name = json_string_value(json_object_get(row, "person_name")),
			.agency = json_string_value(json_object_get(row, "agency")),
			.position = json_string_value(json_object_get(row, "position")),
			.emails = e,
			.n_emails = borrow_list(emails, e, CONTACTS_MAX_EMAILS),
			.phones = p,
			.n_phones = borrow_list(phones, p, CONTACTS_MAX_PHONES),
			.time_zone = json_string_value(json_object_get(row, "time_zone")),
			.working_hours = json_string_value(json_object_get(row, "working_hours")),
			.languages = l,
			.n_languages = borrow_list(langs, l, CONTACTS_MAX_LANGUAGES),
			.fingerprint = json_string_value(json_object_get(row, "fingerprint")),
			.secure_channels = json_string_value(json_object_get(row, "secure_channels")),
			.notes = json_string_value(json_object_get(row, "notes")),
			.country = country,
			.country_name = gc_country_name(country, req->lang),
			.org_name = json_string_value(json_object_get(row, "owner_name")),
			.updated_at = json_string_value(json_object_get(row, "updated_at")),
			.url = gc_arena_printf(req->arena, "%s/contacts/%lld", base, (long long)id),
		};
		contacts_vcard_append(&out, &card);
		json_decref(emails);
		json_decref(phones);
		json_decref(langs);
	}
	st = raw_answer(req, view, &out, "text/vcard; charset=utf-8", "contacts.vcf");
out:
	json_decref(rows);
	gc_buf_free(&out);
	return st;
}

/* --- the home page and country profiles --------------------------------------------------------------- */

gc_status contacts_home(struct gc_request *req, json_t *home_model)
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
						    "SELECT COUNT(*) AS n FROM items i WHERE i.module = 'contacts' AND %s",
						    visible)
				  : NULL;
	if (st == GC_OK && !sql)
		st = GC_ENOMEM;
	if (st == GC_OK)
		st = gc_db_query_int(ctx.db, sql, params, n, &count);
	if (st != GC_OK)
		return st;
	json_t *card = json_pack("{s:s, s:s, s:s}", "href", "/contacts", "title", gc_req_tr(req, "home.module_contacts"),
				 "text", gc_req_tr(req, "home.module_contacts_text"));
	if (!card || json_array_append_new(json_object_get(home_model, "modules"), card) ||
	    json_object_set_new(json_object_get(home_model, "stats"), "contacts", json_integer(count)))
		return GC_ENOMEM;
	return GC_OK;
}

gc_status contacts_profile(struct gc_request *req, const char *iso3, json_t *section)
{
	struct gc_item_ctx ctx;
	struct list_filters f;
	json_t *rows = NULL;
	memset(&f, 0, sizeof(f));
	f.countries[0] = iso3;
	f.n_countries = 1;
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = query_rows(req, &ctx, &f, 1, 200, NULL, &rows);
	if (st != GC_OK)
		return st;
	json_t *items = json_object_get(section, "items");
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_int_t id = json_integer_value(json_object_get(row, "id"));
		const char *kind = json_string_value(json_object_get(row, "kind"));
		json_t *entry = json_pack("{s:I, s:s?, s:O, s:s?, s:s?}", "id", id, "href",
					  gc_arena_printf(req->arena, "/contacts/%lld", (long long)id), "title",
					  json_object_get(row, "function_title"), "meta",
					  gc_req_tr(req, contacts_kind_key(req, kind)), "kind", kind);
		if (!entry || json_array_append_new(items, entry)) {
			st = GC_ENOMEM;
			break;
		}
	}
	if (st == GC_OK &&
	    (json_object_set_new(section, "count", json_integer((json_int_t)json_array_size(rows))) ||
	     json_object_set_new(section, "href", json_string(gc_arena_printf(req->arena, "/contacts?country=%s", iso3)))))
		st = GC_ENOMEM;
	json_decref(rows);
	return st;
}
