/*
 * GET /static/<path>: the files under static/ built into the binary. Pages
 * link them with "?v=<hash>" (the layout's css and js), so a fingerprinted
 * URL can be cached for a year; anything else is revalidated after five
 * minutes with the ETag. Nothing is read from disk, so no path can reach
 * outside the embedded table.
 */
#include <string.h>

#include "base/embedded.h"
#include "http/internal.h"
#include "http/static.h"

static const struct {
	const char *ext;
	const char *type;
} static_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
};

static const char *type_of(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < GC_ARRAY_LEN(static_types); i++) {
		size_t e = strlen(static_types[i].ext);
		if (n > e && strcmp(path + n - e, static_types[i].ext) == 0)
			return static_types[i].type;
	}
	return NULL;
}

static gc_status static_file(struct gc_request *req, struct gc_view *view)
{
	const char *path = req->path_params[0];
	char *full = gc_arena_printf(req->arena, "static/%s", path);
	if (!full)
		return GC_ENOMEM;
	const struct gc_embedded_file *file = gc_embedded_find(full);
	const char *type = type_of(path);
	/* A file of a type not listed is not served: it could only be sniffed. */
	if (!file || !type)
		return gc_fail_not_found(req);

	char *etag = gc_arena_printf(req->arena, "\"%s\"", file->hash);
	const char *v = gc_query(req, "v");
	bool fingerprinted = v && strcmp(v, file->hash) == 0;
	gc_status status = etag ? GC_OK : GC_ENOMEM;
	if (status == GC_OK)
		status = gc_add_header(req, "ETag", etag);
	if (status == GC_OK)
		status = gc_add_header(req, "Cache-Control",
				       fingerprinted ? "public, max-age=31536000, immutable" : "public, max-age=300");
	if (status != GC_OK)
		return status;

	view->kind = GC_VIEW_RAW;
	view->content_type = type;
	if (gc_etag_matches(gc_header(req, "If-None-Match"), etag)) {
		view->status = 304;
		return GC_OK;
	}
	view->status = 200;
	view->static_body = file->data;
	view->body_len = file->size;
	return GC_OK;
}

static const struct gc_param_spec static_params[] = {
	{ .name = "v", .type = GC_PARAM_STRING, .max_len = 64 },
	GC_PARAMS_END,
};

const struct gc_route gc_static_routes[] = {
	{ .method = "GET", .pattern = "/static/{path*}", .handler = static_file, .params = static_params,
	  .name = "static", .same_for_everyone = true },
};
const size_t gc_static_route_count = GC_ARRAY_LEN(gc_static_routes);
