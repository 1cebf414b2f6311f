/*
 * The organisations module: organisations, their people, and the audit log
 * browser. It wires the identity data layer (auth/accounts.h,
 * invitations.h, tokens.h, audit.h) to pages and their API twins through
 * http/identity.h.
 *
 * Who may do what, decided here and nowhere else in the module:
 *   - the Secretariat (an organisation of kind secretariat): every member
 *     sees every organisation and person; its admins manage everything;
 *   - an organisation's admin manages its own organisation's people; its
 *     editors and readers see their organisation's page and people, read
 *     only; nobody sees another organisation's people.
 * An organisation (or a person of one) the caller may not see answers 404,
 * exactly like one that does not exist; an action on something the caller
 * sees but may not change answers 403 "forbidden".
 *
 * Files: organisations.c (the module and its routes, with the limits of
 * every input), common.c (the rules above, request input, errors shown
 * beside their field), orgs.c (organisations), people.c (people),
 * audit_log.c (the audit log browser).
 */
#ifndef GC_MODULES_ORGANISATIONS_ORGANISATIONS_H
#define GC_MODULES_ORGANISATIONS_ORGANISATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "http/identity.h"
#include "http/route.h"
#include "modules/module.h"

/* --- the rules (common.c) ----------------------------------------------------- */

bool orgs_is_secretariat_admin(const struct gc_principal *p);
/* Sees the organisation's page and people: the Secretariat, or its own members. */
bool orgs_may_see(const struct gc_principal *p, int64_t org_id);
/* Manages its people: a Secretariat admin, or the organisation's own admin. */
bool orgs_may_manage(const struct gc_principal *p, int64_t org_id);

/* --- request input (common.c) ------------------------------------------------- */

/*
 * The fields of a POST, whether sent as a form (already checked by the
 * router against the route's params) or as a JSON object, checked here
 * against the same specs (SECURITY.md I1): a member the route does not
 * declare, a value of the wrong JSON type, text over the limit or with
 * refused characters, an integer out of bounds, or more values than the
 * field allows answers 422 naming the field. "csrf_token" and "lang" are
 * ignored. Values live in the request's arena.
 */
struct orgs_input {
	struct gc_kv *kv;
	size_t n;
};

GC_MUST_CHECK gc_status orgs_input_read(struct gc_request *req, struct orgs_input *in);
/* The first value of name, or NULL. */
const char *orgs_input_get(const struct orgs_input *in, const char *name);
/* Every value of name (up to max into values); returns how many there are. */
size_t orgs_input_all(const struct orgs_input *in, const char *name, const char **values, size_t max);
/* A GC_PARAM_BOOL value: "1", "true" and "on" are true. */
bool orgs_bool(const char *value);

/* A path parameter as a positive id; false (answer 404) when it is not one. */
bool orgs_path_id(const struct gc_request *req, size_t index, int64_t *id);

/* --- answers (common.c) ------------------------------------------------------- */

/* 403 "forbidden" with message_key shown to the user. */
GC_MUST_CHECK gc_status orgs_forbidden(struct gc_request *req, const char *message_key);

/*
 * After gc_req_fail_status() (or gc_fail) has set the request's error: an
 * API client, or any error but 409, 413 and 422, gets the error as it is
 * (returns GC_EHTTP). A browser gets the page it came from again, so the
 * message stands beside the form: the caller rebuilds that page into view
 * and calls orgs_error_into_page(), which records the status and the
 * message in the model as "error": {status, code, message, field, on}
 * ("on" holds {"<field>": true}, for templates).
 */
bool orgs_error_shown_on_page(const struct gc_request *req);
GC_MUST_CHECK gc_status orgs_error_into_page(struct gc_request *req, struct gc_view *view);

/* Adds Cache-Control: no-store (a page showing an invitation link). */
GC_MUST_CHECK gc_status orgs_no_store(struct gc_request *req);

/* --- the write transaction (common.c) ----------------------------------------- */

/* The request's database with a write transaction begun; GC_EHTTP (error set) when none. */
GC_MUST_CHECK gc_status orgs_begin(struct gc_request *req, struct gc_db **db);
/* Commits when status is GC_OK (and returns the commit's status), else rolls back and returns status. */
GC_MUST_CHECK gc_status orgs_finish(struct gc_db *db, gc_status status);

/* Rolls the transaction back (a refusal found inside it). */
void orgs_rollback(struct gc_db *db);

/* Decimal text of id, in the arena (audit target ids). NULL when out of memory. */
const char *orgs_id_text(struct gc_request *req, int64_t id);

/* --- labels (common.c) -------------------------------------------------------- */

const char *orgs_kind_label(const struct gc_request *req, const char *kind);
const char *orgs_role_label(const struct gc_request *req, const char *role);
const char *orgs_user_status_label(const struct gc_request *req, const char *status);
/* The label of a module name: its navigation title, else the name itself. */
const char *orgs_module_label(const struct gc_request *req, const char *name);

/* --- invitations (common.c) --------------------------------------------------- */

/*
 * Invites user_id [in the caller's write transaction], writes the
 * user.invite record (detail: org_id, role, invitation_id, new_user) and
 * puts the link into *invitation as {url, expires_at, valid_days,
 * single_use}. The token never leaves this function but inside the URL.
 * GC_ENOTFOUND when the user or the organisation is disabled.
 */
GC_MUST_CHECK gc_status orgs_invite(struct gc_request *req, struct gc_db *db, int64_t user_id, int64_t org_id,
				    const char *role, bool new_user, int64_t now, json_t **invitation);
/* After the transaction that made invitation committed: e-mails its link to
 * the person when mail is configured, and records "mailed" in it. */
void orgs_mail_invitation(struct gc_request *req, struct gc_db *db, int64_t user_id, json_t *invitation);

/* --- organisations (orgs.c) ---------------------------------------------------- */

gc_status orgs_list(struct gc_request *req, struct gc_view *view);
gc_status orgs_create(struct gc_request *req, struct gc_view *view);
gc_status orgs_show(struct gc_request *req, struct gc_view *view);
gc_status orgs_four_eyes(struct gc_request *req, struct gc_view *view);
gc_status orgs_disable(struct gc_request *req, struct gc_view *view);
gc_status orgs_enable(struct gc_request *req, struct gc_view *view);

/*
 * Builds the organisation page (template organisations/show) into view for
 * org_id, which the caller has checked the principal may see. GC_ENOTFOUND
 * when there is no such organisation.
 */
GC_MUST_CHECK gc_status orgs_show_page(struct gc_request *req, struct gc_view *view, struct gc_db *db,
				       int64_t org_id);
/* An organisation as the API shows it: {id, kind, kind_label, name, country,
 * four_eyes, status, active, demo, created_at, is_state, href}. */
json_t *orgs_org_json(const struct gc_request *req, const struct gc_org *org);

/* --- people (people.c) ---------------------------------------------------------- */

gc_status people_invite_new(struct gc_request *req, struct gc_view *view);
gc_status people_role(struct gc_request *req, struct gc_view *view);
gc_status people_disable(struct gc_request *req, struct gc_view *view);
gc_status people_enable(struct gc_request *req, struct gc_view *view);
gc_status people_modules(struct gc_request *req, struct gc_view *view);
gc_status people_invite_again(struct gc_request *req, struct gc_view *view);

/* --- the audit log (audit_log.c) ------------------------------------------------- */

gc_status audit_list(struct gc_request *req, struct gc_view *view);
gc_status audit_verify(struct gc_request *req, struct gc_view *view);

/* --- public profiles of regional and intergovernmental organisations (directory.c) -- */

gc_status orgs_directory_list(struct gc_request *req, struct gc_view *view);
gc_status orgs_directory_show(struct gc_request *req, struct gc_view *view);

#endif
