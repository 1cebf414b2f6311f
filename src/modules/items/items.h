/*
 * The items module: the envelope's routes, shared by every content module
 * (auth/items.h does the work; these handlers only read requests and shape
 * answers). An item's own page belongs to its module ("/<module>/<id>");
 * here live what is the same for all: the envelope as JSON, its history,
 * submit, withdraw, who may read it, the organisation's own items ("/mine")
 * and the review queue ("/review").
 *
 * Refusals follow one rule (SECURITY.md Z1, Z4): an item the caller may not
 * see is 404 on every route, read or write; one it sees but may not change
 * is 404 too, except for a reader of the owner organisation, who is told
 * 403 "forbidden" (its own organisation's item is no secret to it). A stale
 * version or a status that does not allow the action is 409.
 */
#ifndef GC_MODULES_ITEMS_ITEMS_H
#define GC_MODULES_ITEMS_ITEMS_H

#include "http/identity.h"
#include "modules/module.h"

/* Rows of a listing page: the default and the most a caller may ask. */
#define ITEMS_PAGE_SIZE 20
#define ITEMS_MAX_PER_PAGE 100
#define ITEMS_MAX_PAGE 100 /* (page - 1) * per_page stays within GC_ITEM_MAX_OFFSET */

/* --- the body of a state change, read alike from a form or JSON ----------- */

enum items_in_type {
	ITEMS_IN_TEXT,     /* a JSON string (null: no value) */
	ITEMS_IN_INT,      /* a JSON integer, or a string of digits */
	ITEMS_IN_BOOL,     /* a JSON boolean */
	ITEMS_IN_INT_LIST, /* a JSON array of integers (or digit strings) */
};

struct items_in_spec {
	const char *name;
	enum items_in_type type;
	unsigned max_items; /* lists */
};
#define ITEMS_IN_END { .name = NULL }

/* The body as name/value pairs; a JSON list is one pair per element. */
struct items_input {
	const struct gc_kv *kv;
	size_t n;
};

/*
 * Reads the request's body. A JSON body must be an object whose members are
 * all named in specs and of their type; anything else is a 422 naming the
 * member (SECURITY.md I1, Z5: an unknown member such as "owner" or "status"
 * is refused, never ignored). A form gives the fields the route declared.
 * Returns GC_EHTTP with the error set, or GC_OK.
 */
GC_MUST_CHECK gc_status items_input_read(struct gc_request *req, const struct items_in_spec *specs,
					 struct items_input *in);
/* The first value of name, or NULL; an empty value (a form's empty field, JSON null) is NULL too. */
const char *items_input_get(const struct items_input *in, const char *name);
/* Whether name was sent at all, empty or not. */
bool items_input_has(const struct items_input *in, const char *name);
/* The non-empty values of name (at most max); returns how many were sent. */
size_t items_input_all(const struct items_input *in, const char *name, const char **values, size_t max);
/* "1", "true", "on" (forms) or JSON true. */
bool items_input_flag(const struct items_input *in, const char *name);

/* --- shared by the handlers ------------------------------------------------- */

/* The item id of path parameter i, or 0 when it is not a positive integer (the caller answers 404). */
int64_t items_path_id(const struct gc_request *req, size_t i);
/* "/<module>/<id>" in the request's arena; NULL when out of memory. */
const char *items_href(struct gc_request *req, const char *module, int64_t id);
/* The module's name in the reader's language (its navigation title), or its name. */
const char *items_module_label(struct gc_request *req, const char *module);
/*
 * Answers a failed write on item id by the rule above; returns GC_EHTTP (or
 * a store status for a 500). message_key may be NULL.
 */
GC_MUST_CHECK gc_status items_refuse(struct gc_request *req, struct gc_item_ctx *ctx, int64_t id, gc_status status,
				     const char *message_key);
/* Adds labels for status, visibility and approval, and the item's page, to an envelope from gc_item_load. */
GC_MUST_CHECK gc_status items_decorate(struct gc_request *req, json_t *envelope);
/*
 * The answer to a change of item id: the envelope as it is now for the API
 * ({id, module, visible: false} when the caller no longer sees it), a 303 for
 * a page to back_to, or to the item's own page when back_to is NULL.
 */
GC_MUST_CHECK gc_status items_answer_changed(struct gc_request *req, struct gc_view *view, struct gc_item_ctx *ctx,
					    int64_t id, const char *module, const char *back_to);
/* {previous_href, next_href} for a listing, or nothing when there is one page only. */
GC_MUST_CHECK gc_status items_pages(struct gc_request *req, json_t *model, const char *path, int64_t page,
				    int64_t per_page, int64_t count, const char *const *keep);

/* --- handlers ---------------------------------------------------------------- */

gc_status items_show(struct gc_request *req, struct gc_view *view);
gc_status items_history(struct gc_request *req, struct gc_view *view);
gc_status items_submit(struct gc_request *req, struct gc_view *view);
gc_status items_withdraw(struct gc_request *req, struct gc_view *view);
gc_status items_access(struct gc_request *req, struct gc_view *view);
gc_status items_mine(struct gc_request *req, struct gc_view *view);
gc_status items_review(struct gc_request *req, struct gc_view *view);
gc_status items_publish(struct gc_request *req, struct gc_view *view);
gc_status items_reject(struct gc_request *req, struct gc_view *view);

#endif
