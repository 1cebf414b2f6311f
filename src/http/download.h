/*
 * Serving a stored file (store/files.h) as a download, the one way every
 * module does it (docs/attachments.md "Serving", SECURITY.md F4): the bytes
 * as stored, hashed again before they are sent (a damaged file is never
 * served), with their type (text types with "; charset=utf-8"), the exact
 * Content-Length, Content-Disposition: attachment with filename and
 * filename* (gc_content_disposition), X-Content-Type-Options: nosniff,
 * Content-Security-Policy: sandbox; default-src 'none', ETag "<sha256>"
 * (If-None-Match answered 304) and Cache-Control: private, no-cache; HEAD
 * gets the headers alone. The file is sent from its descriptor, never read
 * into memory.
 *
 * The caller has decided that the principal may see the file: this layer
 * decides nothing about who.
 */
#ifndef GC_HTTP_DOWNLOAD_H
#define GC_HTTP_DOWNLOAD_H

#include "http/request.h"

/*
 * Makes view the download of the stored file sha256 (under data_dir) of
 * type media_type, named filename (all three copied: the caller keeps its
 * own). GC_EIO when the file is missing or damaged (logged with log_id,
 * e.g. the attachment's id), GC_ENOMEM.
 */
GC_MUST_CHECK gc_status gc_view_stored_file(struct gc_request *req, struct gc_view *view, const char *data_dir,
					    const char *sha256, const char *media_type, const char *filename,
					    int64_t log_id);

#endif
