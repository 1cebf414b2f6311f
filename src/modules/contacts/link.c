/*
 * The assistance contacts other modules link to (src/modules/module.h:
 * assistance_contact, assistance_contacts, assistance_addresses). Every
 * answer but the addresses for delivery goes through the one visibility
 * rule: a contact the principal may not see does not exist for it.
 */
#include <string.h>

#include "auth/items.h"
#include "auth/policy.h"
#include "base/buf.h"
#include "modules/contacts/contacts.h"

/* A JSON array stored as text, parsed; an empty array when malformed (the writer checked it). */
static json_t *stored_list(const json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;
	if (!json_is_array(v)) {
		json_decref(v);
		v = json_array();
	}
	return v;
}

gc_status contacts_assistance_contact(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t contact_id,
				      json_t **summary)
{
	struct gc_item_envelope env;
	json_t *row = NULL;
	*summary = NULL;
	if (contact_id <= 0)
		return GC_ENOTFOUND;
	gc_status st = gc_item_get(ctx, contact_id, arena, &env);
	if (st != GC_OK)
		return st;
	if (strcmp(env.module, CONTACTS_MODULE) != 0 || env.status == GC_ITEM_WITHDRAWN)
		return GC_ENOTFOUND;
	st = gc_db_query_one(ctx->db,
			     "SELECT kind AS kind, function_title AS function_title, person_name AS person_name,"
			     " emails AS emails, languages AS languages FROM contacts WHERE item_id = ?",
			     GC_PARAMS(GC_INT(contact_id)), &row);
	if (st != GC_OK)
		return st;
	if (strcmp(json_string_value(json_object_get(row, "kind")) ? json_string_value(json_object_get(row, "kind")) : "",
		   "assistance") != 0) {
		json_decref(row);
		return GC_ENOTFOUND;
	}
	char href[40];
	snprintf(href, sizeof(href), "/contacts/%lld", (long long)contact_id);
	*summary = json_pack("{s:I, s:s, s:O, s:O, s:o, s:o, s:I, s:s}", "id", (json_int_t)contact_id, "href", href,
			     "function_title", json_object_get(row, "function_title"), "person_name",
			     json_object_get(row, "person_name") ? json_object_get(row, "person_name") : json_null(),
			     "emails", stored_list(row, "emails"), "languages", stored_list(row, "languages"), "owner_org",
			     (json_int_t)env.owner_org, "status", gc_item_status_name(env.status));
	json_decref(row);
	return *summary ? GC_OK : GC_ENOMEM;
}

gc_status contacts_assistance_contacts(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t org_id, json_t **out)
{
	const char *visible = NULL;
	struct gc_val params[GC_POLICY_MAX_PARAMS + 2];
	size_t n = 0;
	*out = NULL;
	gc_status st = gc_policy_visible_sql(ctx->principal, ctx->restricted_includes_observers, "i", "id", arena,
					     &visible, params, &n);
	if (st != GC_OK)
		return st;
	struct gc_buf sql;
	gc_buf_init(&sql, 8192);
	gc_buf_lit(&sql, "SELECT c.item_id AS id, c.function_title AS function_title, c.person_name AS person_name,"
			 " i.owner_org AS owner_org, o.name AS owner_name"
			 " FROM contacts c JOIN items i ON i.id = c.item_id JOIN organisations o ON o.id = i.owner_org"
			 " WHERE c.kind = 'assistance' AND i.module = 'contacts' AND i.status <> 'withdrawn' AND ");
	gc_buf_str_raw(&sql, visible);
	if (org_id > 0) {
		gc_buf_lit(&sql, " AND i.owner_org = ?");
		params[n++] = GC_INT(org_id);
	}
	gc_buf_lit(&sql, " ORDER BY o.name, c.function_title, c.item_id LIMIT ?");
	params[n++] = GC_INT(GC_ASSISTANCE_CONTACTS_MAX);
	st = gc_buf_error(&sql);
	if (st == GC_OK)
		st = gc_db_query(ctx->db, gc_buf_str(&sql), params, n, out);
	gc_buf_free(&sql);
	return st;
}

gc_status contacts_assistance_addresses(struct gc_db *db, int64_t contact_id, int64_t owner_org, json_t **out)
{
	json_t *row = NULL;
	*out = NULL;
	gc_status st = gc_db_query_one(db,
				       "SELECT c.emails AS emails FROM contacts c JOIN items i ON i.id = c.item_id"
				       " WHERE c.item_id = ? AND c.kind = 'assistance' AND i.module = 'contacts'"
				       " AND i.owner_org = ? AND i.status <> 'withdrawn'",
				       GC_PARAMS(GC_INT(contact_id), GC_INT(owner_org)), &row);
	if (st != GC_OK)
		return st;
	*out = stored_list(row, "emails");
	json_decref(row);
	return *out ? GC_OK : GC_ENOMEM;
}
