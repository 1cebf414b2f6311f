/*
 * Serving a stored file as a download: see http/download.h.
 */
#include "http/download.h"

#include <string.h>

#include "base/log.h"
#include "http/server.h"
#include "store/files.h"

gc_status gc_view_stored_file(struct gc_request *req, struct gc_view *view, const char *data_dir, const char *sha256,
			      const char *media_type, const char *filename, int64_t log_id)
{
	const char *media = media_type ? media_type : "";
	const char *sha = gc_arena_strdup(req->arena, sha256 ? sha256 : "");
	const char *name = gc_arena_strdup(req->arena, filename ? filename : "file");
	const char *etag = sha ? gc_arena_printf(req->arena, "\"%s\"", sha) : NULL;
	const char *type = strncmp(media, "text/", 5) == 0 ? gc_arena_printf(req->arena, "%s; charset=utf-8", media)
							   : gc_arena_strdup(req->arena, media);
	if (!sha || !name || !etag || !type)
		return GC_ENOMEM;
	int fd = -1;
	size_t len = 0;
	gc_status st = gc_files_open(data_dir, sha, req->server->config.max_upload_bytes, &fd, &len);
	if (st == GC_ENOTFOUND) {
		gc_log(GC_LOG_ERROR, "a stored file is missing", "{s:I}", "file_id", (json_int_t)log_id);
		return GC_EIO;
	}
	if (st != GC_OK)
		return st;
	/* The view owns the file from here: sent without being read into memory, closed when sent. */
	view->fd = fd;
	view->has_fd = true;
	/* Served as a download in a sandbox, whatever a browser would make of it (SECURITY.md F4). */
	st = gc_add_header(req, "Content-Security-Policy",
			   "sandbox; default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
	if (st != GC_OK)
		return st;
	view->kind = GC_VIEW_RAW;
	view->content_type = type;
	view->body_len = len;
	view->filename = name;
	view->etag = etag;
	return GC_OK;
}
