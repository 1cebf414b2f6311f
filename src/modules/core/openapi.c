#include "modules/core/core.h"

#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

/* The API description is a file in docs/, built into the binary and served as it is. */
gc_status core_openapi(struct gc_request *req, struct gc_view *view)
{
	const struct gc_embedded_file *file = gc_embedded_find("docs/openapi.json");
	if (!file)
		return gc_fail_not_found(req);
	char *copy = malloc(file->size);
	if (!copy)
		return GC_ENOMEM;
	memcpy(copy, file->data, file->size);
	view->kind = GC_VIEW_RAW;
	view->content_type = "application/json; charset=utf-8";
	view->body = copy;
	view->body_len = file->size;
	view->cacheable = true;
	return GC_OK;
}
