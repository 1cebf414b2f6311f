/*
 * The file store: uploaded files kept once by the SHA-256 of their bytes
 * under <data_dir>/files/<2 hex>/<64 hex>, and the content check that
 * decides what an upload is (DESIGN.md "Storage", SECURITY.md F2, F3).
 *
 * A file is written to <data_dir>/files/tmp/, fsync'ed, renamed into place
 * and its directory fsync'ed, so a file the database names is whole after a
 * crash; writing the same bytes twice keeps one copy. The user's file name
 * is never part of a path. Files are never removed by the portal itself:
 * a removed attachment drops its row, and a blob no row names any more is
 * only unreachable (an operator may sweep them; see docs/attachments.md).
 */
#ifndef GC_STORE_FILES_H
#define GC_STORE_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define GC_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* The accepted media types (docs/attachments.md). */
#define GC_MEDIA_PDF "application/pdf"
#define GC_MEDIA_TEXT "text/plain"
#define GC_MEDIA_HTML "text/html"
#define GC_MEDIA_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* SHA-256 of data as 64 lower-case hex digits. */
void gc_sha256_hex(const void *data, size_t len, char out[GC_SHA256_HEX]);
/* 64 lower-case hex digits, nothing else. */
bool gc_sha256_hex_valid(const char *s);

/*
 * Stores data under its hash (out gets it), creating the directories as
 * needed. GC_EIO when the disk refuses (the error is logged without the
 * data directory's path).
 */
GC_MUST_CHECK gc_status gc_files_put(const char *data_dir, const void *data, size_t len, char out[GC_SHA256_HEX]);

/* The path of the file of sha256 (GC_EINVAL for a malformed hash, GC_ETOOBIG when it does not fit). */
GC_MUST_CHECK gc_status gc_files_path(const char *data_dir, const char *sha256, char *out, size_t size);

/*
 * Reads the whole file of sha256 into a malloc'd buffer (the caller frees
 * it); GC_ENOTFOUND when missing, GC_ETOOBIG over max bytes, GC_EIO when
 * its bytes no longer hash to its name (a damaged disk: never served).
 */
GC_MUST_CHECK gc_status gc_files_read(const char *data_dir, const char *sha256, size_t max, char **out, size_t *len);

/*
 * Opens the file of sha256 for sending: its bytes are hashed again first
 * (read in blocks, never held whole), so a damaged file is never served
 * (GC_EIO). *fd (the caller closes it) and *len on success; GC_ENOTFOUND,
 * GC_ETOOBIG over max bytes.
 */
GC_MUST_CHECK gc_status gc_files_open(const char *data_dir, const char *sha256, size_t max, int *fd, size_t *len);

/*
 * What a file is, by its bytes alone (libmagic, SECURITY.md F2). *media gets
 * one of the GC_MEDIA_* types (static) or NULL when the type is not
 * accepted; detected (may be NULL) gets libmagic's answer whatever it is
 * (static buffer of detected_size bytes). GC_EIO when libmagic cannot run.
 */
GC_MUST_CHECK gc_status gc_files_detect(const void *data, size_t len, const char **media, char *detected,
					size_t detected_size);

/*
 * Does a PDF carry active content: JavaScript, launch actions or embedded
 * files (names /JavaScript, /JS, /Launch, /EmbeddedFile(s), /RichMedia,
 * /XFA as they appear in the file's uncompressed parts)? Such files are
 * refused at upload (SECURITY.md F2).
 */
bool gc_files_pdf_active(const void *data, size_t len);

/* The media type a file name's extension stands for (.pdf, .txt, .html, .htm, .docx), or NULL. */
const char *gc_files_media_of_name(const char *filename);

/*
 * A file name safe to keep and show: its last path component, with
 * controls, bidirectional formatting characters, quotes, backslashes, '/',
 * ':', '*', '?', '<', '>', '|' and leading dots replaced by '_', cut to at
 * most max_bytes on a character boundary keeping the extension, and
 * "file" when nothing is left. name must be valid UTF-8 (otherwise "file").
 * out must hold max_bytes + 1.
 */
void gc_files_safe_name(const char *name, char *out, size_t max_bytes);

/* What gc_files_accept decided about an uploaded file. */
enum gc_files_verdict {
	GC_FILES_ACCEPTED,    /* a type of the table, name and declared type agree, no active content */
	GC_FILES_UNSUPPORTED, /* libmagic found a type not accepted (answer 415) */
	GC_FILES_DISGUISED,   /* the declared type or the name's extension disagrees with the content (422) */
	GC_FILES_ACTIVE,      /* a PDF with active content (gc_files_pdf_active; 422) */
};

#define GC_FILES_MAX_NAME 255 /* bytes of a kept file name */

/*
 * The one check of an upload, for every module that takes files
 * (docs/attachments.md "What may be attached"): the type by the bytes alone
 * (gc_files_detect), then the declared type (a Content-Type's media type,
 * without parameters, any case; NULL, "" and application/octet-stream
 * declare nothing) and the name's extension (when it has one) must agree
 * with it, and a PDF must carry no active content. When accepted, *media
 * gets the GC_MEDIA_* type and name (GC_FILES_MAX_NAME + 1 bytes) the
 * name to keep: gc_files_safe_name'd, with the type's extension added when
 * the name has none. GC_EIO when libmagic cannot run; otherwise GC_OK with
 * *verdict saying what was decided.
 */
GC_MUST_CHECK gc_status gc_files_accept(const void *data, size_t len, const char *filename, const char *declared_type,
					const char **media, char name[GC_FILES_MAX_NAME + 1],
					enum gc_files_verdict *verdict);

#endif
