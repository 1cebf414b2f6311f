/*
 * One reader for the bodies of state changes, so that a form and its JSON
 * twin are validated by the same code: a JSON object is turned into the
 * name/value pairs a form would have sent, after checking that every member
 * is expected and of its type.
 */
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "modules/items/items.h"

static const struct items_in_spec *spec_find(const struct items_in_spec *specs, const char *name)
{
	for (const struct items_in_spec *s = specs; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static gc_status bad_member(struct gc_request *req, const char *name)
{
	return gc_fail(req, 422, "invalid_field", "items.error_field", name);
}

/* One JSON scalar as form text: strings as they are, integers in decimal, null as "". */
static gc_status scalar_text(struct gc_request *req, const json_t *v, enum items_in_type type, const char **out)
{
	if (json_is_null(v)) {
		*out = "";
		return GC_OK;
	}
	switch (type) {
	case ITEMS_IN_TEXT:
		if (!json_is_string(v))
			return GC_EINVAL;
		/* Text parameters reach the store as C strings: an embedded NUL would be cut, so it is refused. */
		if (strlen(json_string_value(v)) != json_string_length(v))
			return GC_EINVAL;
		*out = json_string_value(v);
		return GC_OK;
	case ITEMS_IN_INT:
	case ITEMS_IN_INT_LIST:
		if (json_is_integer(v)) {
			*out = gc_arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
			return *out ? GC_OK : GC_ENOMEM;
		}
		if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
			*out = json_string_value(v);
			return GC_OK;
		}
		return GC_EINVAL;
	case ITEMS_IN_BOOL:
		if (!json_is_boolean(v))
			return GC_EINVAL;
		*out = json_is_true(v) ? "true" : "false";
		return GC_OK;
	}
	return GC_EINVAL;
}

gc_status items_input_read(struct gc_request *req, const struct items_in_spec *specs, struct items_input *in)
{
	in->kv = NULL;
	in->n = 0;
	if (req->body_kind != GC_BODY_JSON) {
		in->kv = req->form;
		in->n = req->n_form;
		return GC_OK;
	}
	if (!json_is_object(req->json))
		return bad_member(req, "body");
	size_t cap = 0;
	const char *key;
	json_t *value;
	json_object_foreach(req->json, key, value) {
		const struct items_in_spec *s = spec_find(specs, key);
		if (!s)
			return bad_member(req, key);
		if (s->type == ITEMS_IN_INT_LIST) {
			if (!json_is_array(value) || json_array_size(value) > s->max_items)
				return bad_member(req, key);
			cap += json_array_size(value);
		} else {
			cap++;
		}
	}
	struct gc_kv *kv = gc_arena_calloc(req->arena, cap ? cap : 1, sizeof(*kv));
	if (!kv)
		return GC_ENOMEM;
	size_t n = 0;
	json_object_foreach(req->json, key, value) {
		const struct items_in_spec *s = spec_find(specs, key);
		size_t count = s->type == ITEMS_IN_INT_LIST ? json_array_size(value) : 1;
		for (size_t i = 0; i < count; i++) {
			const json_t *v = s->type == ITEMS_IN_INT_LIST ? json_array_get(value, i) : value;
			const char *text = NULL;
			gc_status status = (s->type == ITEMS_IN_INT_LIST && json_is_null(v))
						   ? GC_EINVAL
						   : scalar_text(req, v, s->type, &text);
			if (status == GC_ENOMEM)
				return status;
			if (status != GC_OK)
				return bad_member(req, key);
			kv[n++] = (struct gc_kv){ .name = s->name, .value = text, .value_len = strlen(text) };
		}
	}
	in->kv = kv;
	in->n = n;
	return GC_OK;
}

const char *items_input_get(const struct items_input *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->kv[i].name, name) == 0)
			return in->kv[i].value && in->kv[i].value[0] ? in->kv[i].value : NULL;
	return NULL;
}

bool items_input_has(const struct items_input *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->kv[i].name, name) == 0)
			return true;
	return false;
}

size_t items_input_all(const struct items_input *in, const char *name, const char **values, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (strcmp(in->kv[i].name, name) != 0 || !in->kv[i].value || !in->kv[i].value[0])
			continue;
		if (count < max)
			values[count] = in->kv[i].value;
		count++;
	}
	return count;
}

bool items_input_flag(const struct items_input *in, const char *name)
{
	const char *v = items_input_get(in, name);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0);
}

int64_t items_path_id(const struct gc_request *req, size_t i)
{
	const char *s = i < GC_MAX_PATH_PARAMS ? req->path_params[i] : NULL;
	int64_t id = 0;
	if (!s || gc_parse_i64(s, strlen(s), 1, INT64_MAX, &id) != GC_OK)
		return 0;
	return id;
}
