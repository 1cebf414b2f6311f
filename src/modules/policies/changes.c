/*
 * The recent changes of a policy, on its page: the newest versions of its
 * history (gc_item_history: only what the caller may see of it), each with
 * who, when, the note, and which fields changed since the version before it,
 * found by comparing the two snapshots. The whole history, with every
 * snapshot, stays at /items/{id}/history.
 */
#include <string.h>

#include "modules/policies/policies.h"

#define CHANGES_SHOWN 5

/* The content's fields in the order a reader meets them, with their labels. */
static const struct {
	const char *field;
	const char *label_key;
} fields[] = {
	{ "texts", "policies.changes_texts" },     { "kind", "policies.kind" },
	{ "policy_status", "policies.policy_status" }, { "adopted", "policies.adopted" },
	{ "topics", "policies.topics" },           { "source_url", "policies.source_url" },
	{ "supersedes", "policies.supersedes" },
	{ "attachments", "attachments.heading" },
};

static const json_t *content_of(const json_t *version)
{
	return json_object_get(json_object_get(version, "snapshot"), "content");
}

static const json_t *envelope_of(const json_t *version)
{
	return json_object_get(json_object_get(version, "snapshot"), "envelope");
}

/* Absent, null and an empty list all mean "none" (older snapshots lack newer fields). */
static bool none(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0);
}

static bool same(const json_t *a, const json_t *b)
{
	if (none(a) || none(b))
		return none(a) && none(b);
	return json_equal(a, b);
}

gc_status policies_changes(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, json_t *model)
{
	json_t *versions = NULL;
	gc_status st = gc_item_history(ctx, id, &versions);
	if (st != GC_OK)
		return st;
	json_t *changes = json_array();
	st = changes && json_object_set_new(model, "changes", changes) == 0 ? GC_OK : GC_ENOMEM;
	size_t n = json_array_size(versions);
	for (size_t i = 0; st == GC_OK && i < n && i < CHANGES_SHOWN; i++) {
		const json_t *v = json_array_get(versions, i);
		/* Versions come newest first: the one before is the next in the list (none for the first kept). */
		const json_t *before = i + 1 < n ? json_array_get(versions, i + 1) : NULL;
		json_t *labels = json_array();
		json_t *entry = json_pack("{s:O, s:O, s:O, s:O, s:b, s:o}", "version", json_object_get(v, "version"),
					  "changed_at", json_object_get(v, "changed_at"), "changed_by",
					  json_object_get(v, "changed_by") ? json_object_get(v, "changed_by") : json_null(),
					  "note", json_object_get(v, "note") ? json_object_get(v, "note") : json_null(),
					  "first", before == NULL, "fields", labels);
		if (!entry || json_array_append_new(changes, entry)) {
			st = GC_ENOMEM;
			break;
		}
		if (!before)
			continue;
		for (size_t f = 0; f < GC_ARRAY_LEN(fields); f++)
			if (!same(json_object_get(content_of(v), fields[f].field),
				  json_object_get(content_of(before), fields[f].field)) &&
			    json_array_append_new(labels, json_string(gc_req_tr(req, fields[f].label_key))))
				st = GC_ENOMEM;
		if (!same(json_object_get(envelope_of(v), "visibility"), json_object_get(envelope_of(before), "visibility")) &&
		    json_array_append_new(labels, json_string(gc_req_tr(req, "items.visibility"))))
			st = GC_ENOMEM;
		if (json_object_set_new(entry, "has_fields", json_boolean(json_array_size(labels) > 0)))
			st = GC_ENOMEM;
	}
	if (st == GC_OK &&
	    (json_object_set_new(model, "has_changes", json_boolean(json_array_size(changes) > 0)) ||
	     json_object_set_new(model, "more_changes", json_boolean(n > CHANGES_SHOWN)) ||
	     json_object_set_new(model, "history_href", json_string(gc_arena_printf(req->arena, "/items/%lld/history",
										     (long long)id)))))
		st = GC_ENOMEM;
	json_decref(versions);
	return st;
}
