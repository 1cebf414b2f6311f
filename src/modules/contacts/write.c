/*
 * Creating and editing a contact (POST /contacts, POST /contacts/{id}) and
 * confirming it by hand (POST /contacts/{id}/confirm). The content, the
 * envelope (auth/items.c joins our transaction) and the audit record commit
 * together or not at all.
 */
#include <string.h>

#include "auth/principal.h"
#include "base/clock.h"
#include "modules/contacts/contacts.h"

/* A refused write on item id (0: a creation): 404, 403 for the owner's readers (modules/items' rule). */
static gc_status refuse(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, gc_status st)
{
	const struct gc_principal *p = req->principal;
	if (st == GC_ENOTFOUND && id == 0)
		return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	if (st == GC_ENOTFOUND && p && p->role == GC_ROLE_READER) {
		struct gc_item_envelope env;
		if (gc_item_get(ctx, id, req->arena, &env) == GC_OK && env.owner_org == p->org_id)
			return gc_fail(req, 403, "forbidden", "error.forbidden", NULL);
	}
	return gc_req_fail_status(req, st, NULL, NULL);
}

/* Our name for a field auth/items.c refused. */
static const char *items_field(const char *field)
{
	static const char *const same[] = { "visibility", "shares", "draft", "acting_for_org", "note", NULL };
	for (size_t i = 0; field && same[i]; i++)
		if (strcmp(same[i], field) == 0)
			return field;
	if (field && strcmp(field, "languages") == 0)
		return "languages";
	return "function_title";
}

gc_status contacts_form_model(struct gc_request *req, struct gc_item_ctx *ctx, json_t *model, const json_t *values,
			      const json_t *errors);

static gc_status answer_invalid(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx,
				struct contacts_input *in, int64_t id)
{
	if (req->is_api)
		return gc_fail(req, 422, "invalid_field", in->first_key ? in->first_key : "error.invalid_field",
			       in->first_error);
	gc_status st = gc_view_page(req, view, "contacts/form", id ? "contacts.edit_title" : "contacts.new_title");
	if (st != GC_OK)
		return st;
	view->status = 422;
	if (json_object_set_new(view->model, "id", id ? json_integer((json_int_t)id) : json_null()) ||
	    json_object_set_new(view->model, "is_edit", json_boolean(id != 0)) ||
	    json_object_set_new(view->model, "has_errors", json_true()))
		return GC_ENOMEM;
	return contacts_form_model(req, ctx, view->model, in->echo, in->errors);
}

gc_status contacts_item_model(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, json_t **out);

static gc_status answer_contact(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx, int64_t id,
				int status)
{
	json_t *model = NULL;
	gc_status st = contacts_item_model(req, ctx, id, &model);
	if (st != GC_OK)
		return st == GC_ENOTFOUND ? gc_fail_not_found(req) : st;
	json_decref(view->model);
	view->kind = GC_VIEW_REDIRECT;
	view->model = model;
	view->status = status;
	view->location = gc_arena_printf(req->arena, "/contacts/%lld", (long long)id);
	if (!view->location)
		return GC_ENOMEM;
	if (req->is_api && status == 201)
		return gc_add_header(req, "Location", view->location);
	return GC_OK;
}

/* Merges what the request gave into c. */
static void merge(struct contacts_content *c, const struct contacts_input *in)
{
	const struct contacts_content *g = &in->c;
	if (in->has & CONTACTS_HAS_KIND)
		c->kind = g->kind;
	if (in->has & CONTACTS_HAS_FUNCTION)
		c->function_title = g->function_title;
	if (in->has & CONTACTS_HAS_PERSON)
		c->person_name = g->person_name;
	if (in->has & CONTACTS_HAS_AGENCY)
		c->agency = g->agency;
	if (in->has & CONTACTS_HAS_POSITION)
		c->position = g->position;
	if (in->has & CONTACTS_HAS_EMAILS) {
		memcpy(c->emails, g->emails, sizeof(c->emails));
		c->n_emails = g->n_emails;
	}
	if (in->has & CONTACTS_HAS_PHONES) {
		memcpy(c->phones, g->phones, sizeof(c->phones));
		c->n_phones = g->n_phones;
	}
	if (in->has & CONTACTS_HAS_HOURS)
		c->working_hours = g->working_hours;
	if (in->has & CONTACTS_HAS_TZ)
		c->time_zone = g->time_zone;
	if (in->has & CONTACTS_HAS_LANGUAGES) {
		memcpy(c->languages, g->languages, sizeof(c->languages));
		c->n_languages = g->n_languages;
	}
	if (in->has & CONTACTS_HAS_FINGERPRINT)
		c->fingerprint = g->fingerprint;
	if (in->has & CONTACTS_HAS_CHANNELS)
		c->secure_channels = g->secure_channels;
	if (in->has & CONTACTS_HAS_NOTES)
		c->notes = g->notes;
}

/*
 * Which kinds the owner may list: states every kind; the Secretariat, UN
 * bodies and regional organisations assistance contacts; nobody else any.
 */
static bool kind_allowed(enum gc_org_kind owner, const char *kind)
{
	switch (owner) {
	case GC_ORG_MEMBER_STATE:
	case GC_ORG_OBSERVER_STATE:
		return true;
	case GC_ORG_SECRETARIAT:
	case GC_ORG_UN_BODY:
	case GC_ORG_REGIONAL_ORG:
		return kind && strcmp(kind, "assistance") == 0;
	default:
		return false;
	}
}

/* The owner organisation's kind and country (org 0: the principal's). */
static gc_status owner_of(struct gc_request *req, struct gc_db *db, int64_t org, enum gc_org_kind *kind,
			  const char **country, bool *found)
{
	const struct gc_principal *p = req->principal;
	*found = true;
	if (!org || org == p->org_id) {
		*kind = p->org_kind;
		*country = p->org_country;
		return GC_OK;
	}
	json_t *row = NULL;
	gc_status st = gc_db_query_one(db, "SELECT kind AS kind, country AS country FROM organisations WHERE id = ?",
				       GC_PARAMS(GC_INT(org)), &row);
	if (st == GC_ENOTFOUND) {
		*found = false;
		return GC_OK;
	}
	if (st != GC_OK)
		return st;
	if (!gc_org_kind_parse(json_string_value(json_object_get(row, "kind")), kind))
		*found = false;
	const char *c = json_string_value(json_object_get(row, "country"));
	*country = c ? gc_arena_strdup(req->arena, c) : NULL;
	json_decref(row);
	return GC_OK;
}

gc_status contacts_create(struct gc_request *req, struct gc_view *view)
{
	const struct gc_principal *p = req->principal;
	struct contacts_input in;
	struct gc_item_ctx ctx;
	json_t *content = NULL;
	int64_t id = 0;
	gc_status st;

	memset(&in, 0, sizeof(in));
	if (!p)
		return gc_fail(req, 401, "unauthorized", "error.unauthorized", NULL);
	st = gc_req_item_ctx(req, &ctx);
	if (st != GC_OK)
		return st;
	st = contacts_input_read(req, false, &in);
	if (st != GC_OK)
		goto out;
	/* Nothing to say about fields to someone who may not create at all. */
	if (!gc_policy_can_create(p, CONTACTS_MODULE, in.acting_for_org) ||
	    (!in.acting_for_org && !kind_allowed(p->org_kind, "assistance"))) {
		st = refuse(req, &ctx, 0, GC_ENOTFOUND);
		goto out;
	}
	enum gc_org_kind owner_kind = p->org_kind;
	const char *country = NULL;
	bool found = true;
	st = owner_of(req, ctx.db, in.acting_for_org, &owner_kind, &country, &found);
	if (st != GC_OK)
		goto out;
	if (!found)
		st = contacts_input_error(req, &in, "acting_for_org", "contacts.error_acting_for_org");
	else if (in.c.kind && !kind_allowed(owner_kind, in.c.kind))
		st = contacts_input_error(req, &in, "kind", "contacts.error_kind_for_org");
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, &in, 0);
		goto out;
	}
	struct contacts_content c = in.c;
	/* A state's contacts are about that state; an organisation's about none. */
	c.country = owner_kind == GC_ORG_MEMBER_STATE || owner_kind == GC_ORG_OBSERVER_STATE ? country : NULL;
	content = contacts_content_json(&c);
	if (!content) {
		st = GC_ENOMEM;
		goto out;
	}
	/* Cyber contacts are for member states unless the owner says otherwise. */
	enum gc_visibility visibility = in.visibility;
	if (visibility == GC_VIS_DEFAULT && contacts_is_cyber_kind(c.kind))
		visibility = GC_VIS_RESTRICTED;
	struct gc_item_new item = {
		.module = CONTACTS_MODULE,
		.title = c.function_title,
		.country = c.country,
		.languages = c.languages,
		.n_languages = c.n_languages,
		.visibility = visibility,
		.shares = in.shares,
		.n_shares = in.n_shares,
		.draft = in.draft,
		.acting_for_org = in.acting_for_org,
		.content = content,
	};
	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	st = gc_item_create(&ctx, &item, &id);
	if (st != GC_OK) {
		/* auth/items.c rolled our transaction back. */
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = contacts_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "contacts.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, &in, 0);
		} else {
			st = refuse(req, &ctx, 0, st);
		}
		goto out;
	}
	st = contacts_content_store(ctx.db, id, &c, true);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK) {
		gc_db_rollback(ctx.db);
		goto out;
	}
	st = answer_contact(req, view, &ctx, id, 201);
out:
	json_decref(content);
	contacts_input_free(&in);
	return st;
}

/* The envelope of a contact the caller may edit, or an answer refusing. */
static gc_status editable(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, struct gc_item_envelope *env)
{
	gc_status st = gc_item_get(ctx, id, req->arena, env);
	if (st == GC_OK && strcmp(env->module, CONTACTS_MODULE) != 0)
		st = GC_ENOTFOUND;
	if (st != GC_OK)
		return gc_req_fail_status(req, st, NULL, NULL);
	/* Someone else's item answers like a missing one, whatever the body (SECURITY.md Z4). */
	if (!gc_policy_can_edit(req->principal, env))
		return refuse(req, ctx, id, GC_ENOTFOUND);
	return GC_OK;
}

gc_status contacts_update(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	struct contacts_input in;
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	struct contacts_content c;
	json_t *content = NULL;
	bool open = false;
	gc_status st;

	memset(&in, 0, sizeof(in));
	if (!id)
		return gc_fail_not_found(req);
	st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = editable(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	st = contacts_input_read(req, true, &in);
	if (st != GC_OK)
		goto out;
	if (in.errors) {
		st = answer_invalid(req, view, &ctx, &in, id);
		goto out;
	}
	st = gc_db_begin_write(ctx.db);
	if (st != GC_OK)
		goto out;
	open = true;
	st = contacts_content_read(req, ctx.db, id, &c);
	if (st != GC_OK)
		goto out;
	merge(&c, &in);
	/* A kind the owner may not list (an assistance contact of a UN body made technical). */
	struct gc_item_envelope owner_env = env;
	enum gc_org_kind owner_kind;
	const char *country = NULL;
	bool found = true;
	st = owner_of(req, ctx.db, owner_env.owner_org, &owner_kind, &country, &found);
	if (st != GC_OK)
		goto out;
	if (!found || !kind_allowed(owner_kind, c.kind)) {
		gc_db_rollback(ctx.db);
		open = false;
		st = contacts_input_error(req, &in, "kind", "contacts.error_kind_for_org");
		if (st == GC_OK)
			st = answer_invalid(req, view, &ctx, &in, id);
		goto out;
	}
	content = contacts_content_json(&c);
	if (!content) {
		st = GC_ENOMEM;
		goto out;
	}
	struct gc_item_edit edit = {
		.fields = GC_ITEM_SET_TITLE | GC_ITEM_SET_LANGUAGES,
		.title = c.function_title,
		.languages = c.languages,
		.n_languages = c.n_languages,
		.content = content,
		.note = in.note,
	};
	st = gc_item_update(&ctx, id, in.version, &edit);
	if (st != GC_OK) {
		open = false;
		if (st == GC_EINVAL || st == GC_ETOOBIG) {
			const char *field = items_field(ctx.field);
			gc_status e = contacts_input_error(req, &in, field,
							   gc_arena_printf(req->arena, "contacts.error_%s", field));
			st = e != GC_OK ? e : answer_invalid(req, view, &ctx, &in, id);
		} else {
			st = refuse(req, &ctx, id, st);
		}
		goto out;
	}
	st = contacts_content_store(ctx.db, id, &c, false);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK)
		goto out;
	open = false;
	st = answer_contact(req, view, &ctx, id, 200);
out:
	if (open && gc_db_in_transaction(ctx.db))
		gc_db_rollback(ctx.db);
	json_decref(content);
	contacts_input_free(&in);
	return st;
}

gc_status contacts_confirm(struct gc_request *req, struct gc_view *view)
{
	int64_t id = contacts_path_id(req);
	struct gc_item_ctx ctx;
	struct gc_item_envelope env;
	char now[32], target[24];
	gc_status st;
	if (!id)
		return gc_fail_not_found(req);
	st = gc_req_item_ctx(req, &ctx);
	if (st == GC_OK)
		st = editable(req, &ctx, id, &env);
	if (st != GC_OK)
		return st;
	gc_clock_format_iso8601(gc_clock_now(), now, sizeof(now));
	snprintf(target, sizeof(target), "%lld", (long long)id);
	st = gc_db_begin_write(ctx.db);
	if (st == GC_OK)
		st = gc_db_exec(ctx.db, "UPDATE contacts SET last_confirmed = ?, last_confirmed_how = 'editor' WHERE item_id = ?",
				GC_PARAMS(GC_TEXT(now), GC_INT(id)), NULL);
	if (st == GC_OK)
		st = gc_req_audit(req, "contact.confirm", "item", target, NULL);
	if (st == GC_OK)
		st = gc_db_bump_changes(ctx.db);
	if (st == GC_OK)
		st = gc_db_commit(ctx.db);
	if (st != GC_OK) {
		gc_db_rollback(ctx.db);
		return gc_req_fail_status(req, st, NULL, NULL);
	}
	return answer_contact(req, view, &ctx, id, 200);
}
