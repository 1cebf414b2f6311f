/*
 * Attachments: files that belong to an item of any module (a policy's
 * documents now; a point of contact's or a programme's later). The bytes
 * live in the file store (store/files.h) once per SHA-256; this table says
 * which item holds which file, in which language, under which name, and
 * where the extraction of its text for the search index stands.
 *
 *   attachments (id, item_id -> items.id, lang, filename (sanitised),
 *                media_type, size, sha256, text_status, text_error,
 *                text_content, created_by -> users.id, created_at)
 *
 * text_status: pending (a job is queued), done (text_content holds the
 * text, at most GC_EXTRACT_MAX_TEXT bytes), failed (text_error says why),
 * unsupported (no extractor on this system; text_error says which).
 *
 * Nothing here decides who may see or change what: an attachment is seen
 * exactly by those who see its item, and changed by those who may edit it.
 * The caller checks that on the item (auth/items.h) before every call.
 * Functions join the caller's transaction.
 */
#ifndef GC_STORE_ATTACHMENTS_H
#define GC_STORE_ATTACHMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/extract.h"
#include "store/files.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_ATTACHMENTS_COMPONENT "attachments"
#define GC_ATTACHMENTS_MIGRATION_COUNT 1
/* Apply after the "items" component (the table references items and users). */
extern const struct gc_migration gc_attachments_migrations[GC_ATTACHMENTS_MIGRATION_COUNT];

#define GC_ATTACHMENTS_MAX_PER_ITEM 20  /* files one item may hold */
#define GC_ATTACHMENTS_MAX_NAME GC_FILES_MAX_NAME /* bytes of a kept file name */
#define GC_ATTACHMENTS_MAX_ERROR 500    /* bytes of a kept extraction error */

/* The data directory, set once at start-up before any job or request runs. */
void gc_attachments_set_data_dir(const char *data_dir);
const char *gc_attachments_data_dir(void);

struct gc_attachment_new {
	int64_t item_id;
	const char *lang;        /* one of the six */
	const char *filename;    /* already gc_files_safe_name'd */
	const char *media_type;  /* a GC_MEDIA_* */
	int64_t size;
	const char *sha256;
	int64_t created_by;      /* 0: none */
	const char *created_at;  /* UTC ISO 8601 */
};

/* Adds a row with text_status pending; *id gets its id. */
GC_MUST_CHECK gc_status gc_attachment_add(struct gc_db *db, const struct gc_attachment_new *in, int64_t *id);

/* How many files item_id holds. */
GC_MUST_CHECK gc_status gc_attachment_count(struct gc_db *db, int64_t item_id, int64_t *n);

/*
 * The attachments of item_id, oldest first, as
 *   [{"id", "lang", "filename", "media_type", "size", "sha256", "text_status",
 *     "text_error", "created_at", "created_by"}]
 * (created_by a user id or null: the caller decides whether to show it).
 */
GC_MUST_CHECK gc_status gc_attachment_list(struct gc_db *db, int64_t item_id, json_t **out);

/* One attachment of item_id, in the form of gc_attachment_list; GC_ENOTFOUND when item_id has no such one. */
GC_MUST_CHECK gc_status gc_attachment_get(struct gc_db *db, int64_t item_id, int64_t id, json_t **out);

/* Removes attachment id of item_id (its row; the file stays in the store). GC_ENOTFOUND. */
GC_MUST_CHECK gc_status gc_attachment_remove(struct gc_db *db, int64_t item_id, int64_t id);

/*
 * Appends to out the extracted text of item_id's attachments in lang whose
 * extraction is done, oldest first, separated by blank lines. out's own
 * maximum bounds what is taken (the buffer's sticky error is left alone:
 * the caller checks it or keeps what fits).
 */
GC_MUST_CHECK gc_status gc_attachment_texts(struct gc_db *db, int64_t item_id, const char *lang, struct gc_buf *out);

/* The languages of item_id's attachments with text, as a JSON array of strings (distinct, sorted). */
GC_MUST_CHECK gc_status gc_attachment_text_langs(struct gc_db *db, int64_t item_id, json_t **out);

/*
 * The work of a text-extraction job for attachment id: reads the file,
 * extracts its text in a child process (store/extract.h) and records the
 * outcome (done, failed or unsupported) on the row, in its own write
 * transaction, then calls reindex(db, item_id) in the same transaction so
 * the item's search documents carry the text, and bumps the change counter.
 * *item_id gets the item's id. A file that fails is a finished job (GC_OK)
 * with text_status failed and the reason in text_error; only a failure of
 * the store itself is returned (and the job retried). GC_ENOTFOUND when the
 * row is gone (removed before the job ran): nothing to do.
 */
typedef gc_status (*gc_attachment_reindex_fn)(struct gc_db *db, int64_t item_id);
GC_MUST_CHECK gc_status gc_attachment_extract(struct gc_db *db, int64_t id, gc_attachment_reindex_fn reindex,
					      char *err, size_t err_size);

#endif
