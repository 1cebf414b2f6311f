#include "modules/capacity/capacity.h"

#include <string.h>

#include "base/clock.h"
#include "base/mail.h"
#include "base/text.h"
#include "http/server.h"
#include "store/outbox.h"

/*
 * Routes. List filters are checked by the router (a bad one is a 400 naming
 * it); form fields are declared as text with room to spare and checked by
 * input.c, so a bad value is a 422 naming the field, as for JSON.
 */
static const char *const modality_choices[] = { "in_person", "online", "hybrid", NULL };
static const char *const lang_choices[] = { "ar", "zh", "en", "fr", "ru", "es", NULL };
static const char *const view_choices[] = { "list", "month", NULL };
static const char *const event_status_choices[] = { "planned", "open", "closed", "cancelled", "completed", NULL };
static const char *const need_status_choices[] = { "open", "in_discussion", "matched", "fulfilled", "withdrawn", NULL };
static const char *const offer_status_choices[] = { "open", "paused", "closed", NULL };
static const char *const help_choices[] = { "training", "advisory", "technical_assistance", "policy_legal_drafting",
					    "exercise", NULL };

#define FILTERS(statuses)                                                                                      \
	{ .name = "topic", .type = GC_PARAM_STRING, .max_len = CAPACITY_MAX_KEY },                             \
		{ .name = "region", .type = GC_PARAM_STRING, .max_len = 3 },                                   \
		{ .name = "modality", .type = GC_PARAM_ENUM, .choices = modality_choices },                   \
		{ .name = "language", .type = GC_PARAM_ENUM, .choices = lang_choices },                       \
		{ .name = "status", .type = GC_PARAM_ENUM, .choices = statuses },                             \
		{ .name = "help", .type = GC_PARAM_ENUM, .choices = help_choices },                           \
		{ .name = "from", .type = GC_PARAM_DATE }, { .name = "to", .type = GC_PARAM_DATE },           \
		{ .name = "provider", .type = GC_PARAM_INT, .min = 1, .max = INT64_MAX },                      \
		{ .name = "open_to_me", .type = GC_PARAM_BOOL }

static const struct gc_param_spec event_list_params[] = {
	FILTERS(event_status_choices),
	{ .name = "view", .type = GC_PARAM_ENUM, .choices = view_choices },
	{ .name = "month", .type = GC_PARAM_STRING, .max_len = 7 },
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PER_PAGE },
	GC_PARAMS_END,
};
static const struct gc_param_spec event_feed_params[] = { FILTERS(event_status_choices), GC_PARAMS_END };
static const struct gc_param_spec need_list_params[] = {
	FILTERS(need_status_choices),
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PER_PAGE },
	GC_PARAMS_END,
};
static const struct gc_param_spec offer_list_params[] = {
	FILTERS(offer_status_choices),
	{ .name = "page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PAGE },
	{ .name = "per_page", .type = GC_PARAM_INT, .min = 1, .max = CAPACITY_MAX_PER_PAGE },
	GC_PARAMS_END,
};
static const struct gc_param_spec show_params[] = {
	{ .name = "text", .type = GC_PARAM_ENUM, .choices = lang_choices },
	GC_PARAMS_END,
};

/* Every field of every kind, as text with room to spare (input.c enforces the limits). */
#define LIST_FIELD(n) { .name = n, .type = GC_PARAM_TEXT, .max_len = 64, .max_repeat = GC_MAX_QUERY_PARAMS }
#define FORM_FIELDS                                                                                            \
	{ .name = "title", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_TITLE },                          \
		{ .name = "description", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_DESCRIPTION },    \
		{ .name = "event_kind", .type = GC_PARAM_TEXT, .max_len = 64 }, LIST_FIELD("providers"),       \
		{ .name = "partners", .type = GC_PARAM_TEXT, .max_len = 16 * CAPACITY_MAX_LINE },              \
		LIST_FIELD("topics"), { .name = "starts", .type = GC_PARAM_TEXT, .max_len = 32 },             \
		{ .name = "ends", .type = GC_PARAM_TEXT, .max_len = 32 },                                      \
		{ .name = "timezone", .type = GC_PARAM_TEXT, .max_len = 128 },                                 \
		{ .name = "modality", .type = GC_PARAM_TEXT, .max_len = 64 },                                  \
		{ .name = "place", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_LINE },                  \
		LIST_FIELD("languages"), LIST_FIELD("audience"),                                               \
		{ .name = "eligibility", .type = GC_PARAM_TEXT, .max_len = 64 }, LIST_FIELD("eligible_regions"), \
		LIST_FIELD("eligible_states"), { .name = "seats", .type = GC_PARAM_TEXT, .max_len = 32 },      \
		{ .name = "capacity", .type = GC_PARAM_TEXT, .max_len = 32 },                                  \
		{ .name = "cost", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_LINE },                   \
		{ .name = "funding", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_LINE },                \
		{ .name = "registration_deadline", .type = GC_PARAM_TEXT, .max_len = 32 },                     \
		{ .name = "registration_url", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_URL },        \
		{ .name = "contact", .type = GC_PARAM_TEXT, .max_len = 32 },                                   \
		{ .name = "event_status", .type = GC_PARAM_TEXT, .max_len = 64 },                              \
		{ .name = "need_status", .type = GC_PARAM_TEXT, .max_len = 64 },                               \
		{ .name = "offer_status", .type = GC_PARAM_TEXT, .max_len = 64 }, LIST_FIELD("help_kinds"),    \
		LIST_FIELD("modalities"), { .name = "from", .type = GC_PARAM_TEXT, .max_len = 32 },           \
		{ .name = "until", .type = GC_PARAM_TEXT, .max_len = 32 },                                     \
		{ .name = "urgency", .type = GC_PARAM_TEXT, .max_len = 64 }

static const struct gc_param_spec create_params[] = {
	FORM_FIELDS,
	{ .name = "visibility", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "shares", .type = GC_PARAM_TEXT, .max_len = 32, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "draft", .type = GC_PARAM_TEXT, .max_len = 8 },
	{ .name = "acting_for_org", .type = GC_PARAM_TEXT, .max_len = 32 },
	GC_PARAMS_END,
};
static const struct gc_param_spec edit_params[] = {
	FORM_FIELDS,
	{ .name = "version", .type = GC_PARAM_TEXT, .max_len = 32 },
	{ .name = "note", .type = GC_PARAM_TEXT, .max_len = 2 * GC_ITEM_MAX_NOTE },
	GC_PARAMS_END,
};
static const struct gc_param_spec subscription_params[] = {
	{ .name = "topics", .type = GC_PARAM_TEXT, .max_len = 64, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "regions", .type = GC_PARAM_TEXT, .max_len = 16, .max_repeat = GC_MAX_QUERY_PARAMS },
	{ .name = "languages", .type = GC_PARAM_TEXT, .max_len = 16, .max_repeat = 16 },
	{ .name = "digest_lang", .type = GC_PARAM_TEXT, .max_len = 16 },
	{ .name = "frequency", .type = GC_PARAM_TEXT, .max_len = 16 },
	GC_PARAMS_END,
};
static const struct gc_param_spec interest_params[] = {
	{ .name = "message", .type = GC_PARAM_TEXT, .max_len = 2 * CAPACITY_MAX_MESSAGE },
	GC_PARAMS_END,
};

#define ENTRY_ROUTES(base, prefix, list_params)                                                                 \
	{ .method = "GET", .pattern = base, .handler = capacity_##prefix##_list, .params = list_params,       \
	  .name = "capacity." #prefix "s" },                                                                   \
		{ .method = "GET", .pattern = base "/new", .handler = capacity_##prefix##_new,                 \
		  .access = GC_ACCESS_SIGNED_IN, .name = "capacity." #prefix "_new" },                         \
		{ .method = "POST", .pattern = base, .handler = capacity_##prefix##_create,                    \
		  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = create_params,                        \
		  .name = "capacity." #prefix "_create", .max_body = CAPACITY_MAX_BODY },                      \
		{ .method = "GET", .pattern = base "/{id}", .handler = capacity_##prefix##_show,               \
		  .params = show_params, .name = "capacity." #prefix "_show" },                                \
		{ .method = "GET", .pattern = base "/{id}/edit", .handler = capacity_##prefix##_edit_form,     \
		  .access = GC_ACCESS_SIGNED_IN, .params = show_params, .name = "capacity." #prefix "_edit_form" }, \
		{ .method = "POST", .pattern = base "/{id}", .handler = capacity_##prefix##_update,            \
		  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = edit_params,                          \
		  .name = "capacity." #prefix "_update", .max_body = CAPACITY_MAX_BODY }

static const struct gc_route capacity_routes[] = {
	ENTRY_ROUTES("/calendar", event, event_list_params),
	ENTRY_ROUTES("/needs", need, need_list_params),
	ENTRY_ROUTES("/offers", offer, offer_list_params),
	{ .method = "GET", .pattern = "/calendar.ics", .handler = capacity_event_ics_feed, .params = event_feed_params,
	  .name = "capacity.calendar_ics" },
	{ .method = "GET", .pattern = "/calendar.atom", .handler = capacity_event_atom, .params = event_feed_params,
	  .name = "capacity.calendar_atom" },
	{ .method = "GET", .pattern = "/calendar/{id}/event.ics", .handler = capacity_event_ics_one,
	  .name = "capacity.event_ics" },
	{ .method = "GET", .pattern = "/calendar/subscription", .handler = capacity_subscription_show,
	  .access = GC_ACCESS_SIGNED_IN, .name = "capacity.subscription" },
	{ .method = "POST", .pattern = "/calendar/subscription", .handler = capacity_subscription_save,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = subscription_params, .name = "capacity.subscription_save" },
	{ .method = "GET", .pattern = "/capacity/map", .handler = capacity_map, .name = "capacity.map" },
	{ .method = "GET", .pattern = "/capacity/map.svg", .handler = capacity_map_svg, .name = "capacity.map_svg" },
	{ .method = "POST", .pattern = "/needs/{id}/interest", .handler = capacity_need_interest,
	  .access = GC_ACCESS_SIGNED_IN, .csrf = true, .params = interest_params, .name = "capacity.need_interest" },
};

/* --- introductions ---------------------------------------------------------------------------------------- */

/* The text of an introduction; the state's side named as the reader may see it (state_line NULL: not at all). */
static gc_status intro_text(struct gc_request *req, int64_t need_id, const char *title, const char *state_line,
			    const char *message, struct gc_buf *b)
{
	const struct gc_principal *p = req->principal;
	const char *base = gc_req_base_url(req);
	gc_buf_str_raw(b, gc_req_tr(req, "capacity.intro_text"));
	gc_buf_printf(b, "\n\n%s %s\n%s/needs/%lld\n\n", gc_req_tr(req, "capacity.intro_need"), title, base ? base : "",
		      (long long)need_id);
	gc_buf_printf(b, "%s %s\n", gc_req_tr(req, "capacity.intro_state"),
		      state_line ? state_line : gc_req_tr(req, "capacity.intro_state_hidden"));
	gc_buf_printf(b, "%s %s, %s <%s>\n", gc_req_tr(req, "capacity.intro_provider"), p->name ? p->name : "",
		      p->org_name ? p->org_name : "", p->email ? p->email : "");
	if (message && *message)
		gc_buf_printf(b, "\n%s\n%s\n", gc_req_tr(req, "capacity.intro_message"), message);
	return gc_buf_error(b);
}

/*
 * Queues the introduction (store/outbox.h) in the caller's transaction, in
 * the provider's language: one message to each address of the state's side
 * (its linked assistance contact, else whoever posted the need) and one to
 * the provider's person, each naming the other. The provider's copy names
 * the state's contact only when the provider may see that contact
 * (state_visible_line); the state's copy always names it.
 */
static gc_status introduce(struct gc_request *req, struct gc_db *db, int64_t need_id, const char *title,
			   const char *state_line, const char *state_visible_line, const json_t *state_to,
			   const char *message)
{
	const struct gc_principal *p = req->principal;
	struct gc_buf to_state, to_provider;
	gc_buf_init(&to_state, 64 * 1024);
	gc_buf_init(&to_provider, 64 * 1024);
	gc_status st = intro_text(req, need_id, title, state_line, message, &to_state);
	if (st == GC_OK)
		st = intro_text(req, need_id, title, state_visible_line, message, &to_provider);
	const char *ref = gc_arena_printf(req->arena, "capacity.interest:%lld:%lld", (long long)need_id, (long long)p->org_id);
	size_t i;
	json_t *e;
	json_array_foreach(state_to, i, e) {
		const char *to = json_string_value(e);
		if (st != GC_OK)
			break;
		if (!to || !gc_mail_address_ok(to))
			continue;
		struct gc_outbox_message m = { .to = to, .subject = gc_req_tr(req, "capacity.intro_subject"),
					       .text = gc_buf_str(&to_state), .ref = ref };
		st = gc_outbox_enqueue(db, &m, NULL);
	}
	if (st == GC_OK && p->email && gc_mail_address_ok(p->email)) {
		struct gc_outbox_message m = { .to = p->email, .subject = gc_req_tr(req, "capacity.intro_subject"),
					       .text = gc_buf_str(&to_provider), .ref = ref };
		st = gc_outbox_enqueue(db, &m, NULL);
	}
	gc_buf_free(&to_state);
	gc_buf_free(&to_provider);
	return st;
}

/* "Function title, Person <a@b>, <c@d>" of a contact summary, in the arena. */
static const char *contact_line(struct gc_request *req, const json_t *summary)
{
	struct gc_buf b;
	gc_buf_init(&b, 8192);
	const char *title = json_string_value(json_object_get(summary, "function_title"));
	const char *person = json_string_value(json_object_get(summary, "person_name"));
	gc_buf_str_raw(&b, title ? title : "");
	if (person)
		gc_buf_printf(&b, ", %s", person);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(summary, "emails"), i, e)
		gc_buf_printf(&b, "%s<%s>", i ? ", " : " ", json_string_value(e) ? json_string_value(e) : "");
	const char *out = gc_buf_error(&b) ? NULL : gc_arena_strdup(req->arena, gc_buf_str(&b));
	gc_buf_free(&b);
	return out;
}

/* --- POST /needs/{id}/interest ----------------------------------------------------------------------------- */

/*
 * A provider answers a need: one answer per organisation, by its editors and
 * admins (who could post an offer), never by the need's own organisation.
 * The need must be one the caller sees and still open or in discussion.
 */
gc_status capacity_need_interest(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	int64_t id = capacity_path_id(req);
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct capacity_row row;
	bool open = false;
	memset(&row, 0, sizeof(row));
	if (!id)
		return gc_fail_not_found(req);
	gc_status st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = gc_item_get(&ctx, id, req->arena, &env);
	if (st == GC_OK && strcmp(env.module, CAPACITY_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st == GC_OK)
		st = capacity_row_read(req, ctx.db, id, &capacity_needs, &row);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	const json_t *contact = json_object_get(row.content, "contact");
	int64_t contact_id = json_is_integer(contact) ? (int64_t)json_integer_value(contact) : 0;
	const char *need_title = json_string_value(json_object_get(capacity_text(row.content, req->lang), "title"));
	need_title = need_title ? gc_arena_strdup(req->arena, need_title) : "";
	json_decref(row.content);
	if (!p || !gc_policy_can_create(p, CAPACITY_MODULE, 0) || env.owner_org == p->org_id)
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	if (env.status != GC_ITEM_PUBLISHED || !row.status ||
	    (strcmp(row.status, "open") != 0 && strcmp(row.status, "in_discussion") != 0))
		return gc_fail(req, 409, "conflict", "capacity.error_need_closed", NULL);
	const char *message = NULL;
	if (req->body_kind == GC_BODY_JSON) {
		const char *key;
		json_t *v;
		if (!json_is_object(req->json))
			return gc_fail(req, 422, "invalid_field", "capacity.error_body", "body");
		json_object_foreach(req->json, key, v) {
			if (strcmp(key, "message") != 0)
				return gc_fail(req, 422, "invalid_field", "capacity.error_unknown_field", key);
			if (!json_is_string(v) && !json_is_null(v))
				return gc_fail(req, 422, "invalid_field", "capacity.error_message", "message");
			message = json_string_value(v);
		}
	} else {
		message = gc_form(req, "message");
	}
	if (message && (strlen(message) > CAPACITY_MAX_MESSAGE || !gc_text_acceptable(message, strlen(message))))
		return gc_fail(req, 422, "invalid_field", "capacity.error_message", "message");
	char now[32];
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	int64_t already = 0;
	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		return st;
	open = true;
	st = gc_db_query_int(ctx.db, "SELECT COUNT(*) AS n FROM capacity_interest WHERE need_id = ? AND org_id = ?",
			     GC_PARAMS(GC_INT(id), GC_INT(p->org_id)), &already);
	if (st == GC_OK && already) {
		gc_db_rollback(ctx.db);
		return gc_fail(req, 409, "conflict", "capacity.error_interest_twice", NULL);
	}
	if (st == GC_OK)
		st = gc_db_exec(ctx.db,
				"INSERT INTO capacity_interest (need_id, org_id, user_id, message, created_at) VALUES (?, ?, ?, ?, ?)",
				GC_PARAMS(GC_INT(id), GC_INT(p->org_id), GC_INT(p->user_id), GC_TEXT(message ? message : ""),
					  GC_TEXT(now)),
				NULL);
	/* The need, once answered, is in discussion. */
	if (st == GC_OK && strcmp(row.status, "open") == 0)
		st = gc_db_exec(ctx.db,
				"UPDATE capacity_entries SET entry_status = 'in_discussion', sequence = sequence + 1 WHERE item_id = ?",
				GC_PARAMS(GC_INT(id)), NULL);
	/*
	 * Both sides introduced: the state's side is the need's assistance
	 * contact (its addresses, as the directory keeps them now), else whoever
	 * posted the need; the provider's side is the person answering.
	 */
	json_t *state_to = NULL, *summary = NULL;
	const char *state_line = NULL, *visible_line = NULL;
	if (st == GC_OK && contact_id) {
		st = capacity_contact_addresses(ctx.db, contact_id, env.owner_org, &state_to);
		if (st == GC_ENOTFOUND)
			st = GC_OK;
	}
	if (st == GC_OK && state_to) {
		/* The line naming it: as the state's own side sees it, and as the provider may. */
		gc_status vs = capacity_contact_summary(&ctx, req->arena, contact_id, &summary);
		if (vs == GC_OK)
			visible_line = state_line = contact_line(req, summary);
		else if (vs != GC_ENOTFOUND)
			st = vs;
		if (st == GC_OK && !state_line) {
			struct gc_buf b;
			gc_buf_init(&b, 4096);
			size_t i;
			json_t *e;
			json_array_foreach(state_to, i, e)
				gc_buf_printf(&b, "%s<%s>", i ? ", " : "", json_string_value(e) ? json_string_value(e) : "");
			state_line = gc_buf_error(&b) ? NULL : gc_arena_strdup(req->arena, gc_buf_str(&b));
			gc_buf_free(&b);
		}
	}
	if (st == GC_OK && !state_to) {
		json_t *u = NULL;
		st = gc_db_query_one(ctx.db, "SELECT u.email AS email, u.name AS name FROM items i JOIN users u ON u.id = i.created_by"
					     " WHERE i.id = ?", GC_PARAMS(GC_INT(id)), &u);
		if (st == GC_OK) {
			const char *email = json_string_value(json_object_get(u, "email"));
			const char *name = json_string_value(json_object_get(u, "name"));
			state_to = json_pack("[s?]", email);
			state_line = gc_arena_printf(req->arena, "%s <%s>", name ? name : "", email ? email : "");
			visible_line = state_line;
			if (!state_to)
				st = GC_ENOMEM;
		}
		json_decref(u);
	}
	if (st == GC_OK)
		st = introduce(req, ctx.db, id, need_title, state_line, visible_line, state_to, message);
	json_decref(state_to);
	json_decref(summary);
	char target[24];
	snprintf(target, sizeof(target), "%lld", (long long)id);
	if (st == GC_OK)
		st = gc_req_audit(req, "capacity.interest", "item", target, NULL);
	if (st == GC_OK)
		st = gc_db_bump_changes(ctx.db);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK) {
		if (open && gc_db_in_transaction(ctx.db))
			gc_db_rollback(ctx.db);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	json_t *model = NULL;
	st = capacity_item_model(req, &ctx, &capacity_needs, id, &model);
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = 201;
	view->location = gc_arena_printf(req->arena, "/needs/%lld", (long long)id);
	return view->location ? GC_OK : GC_ENOMEM;
}

static gc_status capacity_init(struct gc_server *server)
{
	(void)server;
	return capacity_taxonomy_load(&capacity_taxonomy);
}

static void capacity_shutdown(struct gc_server *server)
{
	(void)server;
	capacity_taxonomy_free(&capacity_taxonomy);
}

static const struct gc_job_kind *const capacity_jobs[] = { &capacity_digest_job };

const struct gc_module capacity_module = {
	.api_version = GC_MODULE_API_VERSION,
	.name = CAPACITY_MODULE,
	.title_key = "capacity.nav",
	.nav_path = "/calendar",
	.nav_order = 40,
	.migrations = capacity_migrations,
	.n_migrations = CAPACITY_MIGRATION_COUNT,
	.routes = capacity_routes,
	.n_routes = sizeof(capacity_routes) / sizeof(capacity_routes[0]),
	.jobs = capacity_jobs,
	.n_jobs = sizeof(capacity_jobs) / sizeof(capacity_jobs[0]),
	.init = capacity_init,
	.shutdown = capacity_shutdown,
	.home = capacity_home,
	.demo = capacity_demo,
};
