/*
 * Stored instants shown as people read them: beside each "<field>" of a
 * model object that holds a UTC instant, "<field>_label" gets it in the
 * reader's language (render/dates.h), so a template can write
 * <time datetime="{{field}}">{{field_label}}</time>.
 */
#include <stdio.h>
#include <string.h>

#include "modules/contacts/contacts.h"
#include "render/dates.h"

gc_status contacts_label_times(struct gc_request *req, json_t *obj, const char *const *fields)
{
	for (size_t i = 0; fields[i]; i++) {
		const char *at = json_string_value(json_object_get(obj, fields[i]));
		char label[GC_DATES_MAX];
		/* Anything that is not such an instant is shown as it is stored. */
		if (at && !gc_dates_instant(req->lang, at, label, sizeof(label)))
			snprintf(label, sizeof(label), "%s", at);
		const char *key = gc_arena_printf(req->arena, "%s_label", fields[i]);
		if (!key || json_object_set_new(obj, key, at ? json_string(label) : json_null()))
			return GC_ENOMEM;
	}
	return GC_OK;
}
