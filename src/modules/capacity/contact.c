/*
 * The contact of an event, a need or an offer: a link to an assistance
 * contact of the Points of Contact directory, through the hooks of
 * src/modules/module.h (this module never reads the contacts' tables).
 * Without a module implementing them, no contact can be linked.
 */
#include <string.h>

#include "modules/capacity/capacity.h"

static const struct gc_module *provider(void)
{
	for (size_t i = 0; i < gc_module_count; i++)
		if (gc_modules[i]->assistance_contact && gc_modules[i]->assistance_contacts &&
		    gc_modules[i]->assistance_addresses)
			return gc_modules[i];
	return NULL;
}

gc_status capacity_contact_summary(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t id, json_t **summary)
{
	const struct gc_module *m = provider();
	*summary = NULL;
	return m && id > 0 ? m->assistance_contact(ctx, arena, id, summary) : GC_ENOTFOUND;
}

gc_status capacity_contact_choices(struct gc_item_ctx *ctx, struct gc_arena *arena, int64_t org_id, json_t **out)
{
	const struct gc_module *m = provider();
	*out = NULL;
	if (!m) {
		*out = json_array();
		return *out ? GC_OK : GC_ENOMEM;
	}
	return m->assistance_contacts(ctx, arena, org_id, out);
}

gc_status capacity_contact_addresses(struct gc_db *db, int64_t id, int64_t owner_org, json_t **out)
{
	const struct gc_module *m = provider();
	*out = NULL;
	return m && id > 0 ? m->assistance_addresses(db, id, owner_org, out) : GC_ENOTFOUND;
}

gc_status capacity_contact_check(struct gc_request *req, struct gc_item_ctx *ctx, const json_t *content, int64_t owner,
				 struct capacity_input *in)
{
	const json_t *v = json_object_get(content, "contact");
	json_t *summary = NULL;
	if (!json_is_integer(v))
		return GC_OK;
	gc_status st = capacity_contact_summary(ctx, req->arena, (int64_t)json_integer_value(v), &summary);
	bool ok = st == GC_OK && json_integer_value(json_object_get(summary, "owner_org")) == owner;
	json_decref(summary);
	if (st != GC_OK && st != GC_ENOTFOUND)
		return st;
	return ok ? GC_OK : capacity_input_error(req, in, "contact", "capacity.error_contact");
}
