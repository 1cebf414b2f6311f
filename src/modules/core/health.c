#include "modules/core/core.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/server.h"
#include "store/store.h"

/* Always JSON, for load balancers and monitors: 200 when the database answers, else 503. */
gc_status core_health(struct gc_request *req, struct gc_view *view)
{
	struct gc_db *db = NULL;
	int64_t one = 0;
	bool database_ok = false;
	if (gc_pool_acquire(req->server->pool, 2000, &db) == GC_OK) {
		database_ok = gc_db_query_int(db, "SELECT 1", GC_NO_PARAMS, &one) == GC_OK && one == 1;
		if (!database_ok)
			gc_log(GC_LOG_WARN, "health check failed", "{s:s}", "detail", gc_db_errmsg(db));
		gc_pool_release(req->server->pool, db);
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "status", database_ok ? "ok" : "unavailable", "database",
				 database_ok ? "ok" : "unreachable", "version", req->server->version);
	if (!body)
		return GC_ENOMEM;
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return GC_ENOMEM;
	view->kind = GC_VIEW_RAW;
	view->status = database_ok ? 200 : 503;
	view->content_type = "application/json; charset=utf-8";
	view->body = text;
	view->body_len = strlen(text);
	return GC_OK;
}
