/*
 * multipart/form-data bodies (RFC 7578 over RFC 2046): the boundary of a
 * Content-Type, and the parts of a body already read in full.
 *
 * The parser reads the body in place. Form fields (parts without a
 * filename parameter) are copied into the arena as NUL-terminated text that
 * must be acceptable (base/text.h), exactly like urlencoded values, so
 * handlers read them with gc_form() whatever the encoding. File parts
 * (struct gc_upload) point into the body: they live as long as the request.
 *
 * What is refused, with the HTTP error to answer (struct gc_http_error):
 *   400 invalid_multipart  no opening delimiter, a body cut before the
 *                          closing one, a part without a blank line after
 *                          its headers, a header line that is not
 *                          "Name: value", folded or with a NUL, CR or LF in
 *                          it, a Content-Disposition that is not form-data
 *                          with a name, a bad filename*, a part's headers
 *                          over limits->max_header_bytes
 *   400 invalid_encoding   a field's name or value that is not acceptable text
 *   400 too_many_params    more than limits->max_parts parts
 *   413 payload_too_large  a field over limits->max_field_bytes, a file over
 *                          limits->max_file_bytes, more than limits->max_files
 *                          files
 * The body as a whole is capped by the server before it is read
 * (config max_upload_bytes for upload routes).
 */
#ifndef GC_HTTP_MULTIPART_H
#define GC_HTTP_MULTIPART_H

#include "http/internal.h"

#define GC_MULTIPART_MAX_BOUNDARY 70 /* RFC 2046 */

struct gc_multipart_limits {
	size_t max_parts;        /* every part, fields and files */
	size_t max_files;        /* parts with a filename */
	size_t max_header_bytes; /* the header block of one part */
	size_t max_field_bytes;  /* the value of one field */
	size_t max_file_bytes;   /* the content of one file */
};

/* The defaults the server uses: GC_MAX_FORM_FIELDS (256) parts, 8 files, 4 KiB of headers a part,
 * 1 MiB a field; files up to the upload limit given. */
void gc_multipart_default_limits(struct gc_multipart_limits *limits, size_t max_file_bytes);

/*
 * The boundary parameter of a multipart/form-data Content-Type (quoted or
 * not), copied into out (at least GC_MULTIPART_MAX_BOUNDARY + 1 bytes).
 * GC_EINVAL when there is none, it is empty, longer than 70 bytes, or holds
 * a character RFC 2046 does not allow.
 */
GC_MUST_CHECK gc_status gc_multipart_boundary(const char *content_type, char *out, size_t size);

/*
 * Splits body (len bytes) into fields and files. *fields and *files are
 * arrays in the arena (never NULL on success), in the order received. A
 * file input left empty by a browser (filename="" and no content) is not a
 * file. Errors: GC_EHTTP with err filled (see above), GC_ENOMEM.
 */
GC_MUST_CHECK gc_status gc_multipart_parse(struct gc_arena *arena, const char *body, size_t len, const char *boundary,
					   const struct gc_multipart_limits *limits, struct gc_kv **fields,
					   size_t *n_fields, struct gc_upload **files, size_t *n_files,
					   struct gc_http_error *err);

#endif
