#include "modules/core/core.h"

#include "store/store.h"

gc_status core_home(struct gc_request *req, struct gc_view *view)
{
	gc_status status = gc_view_page(req, view, "core/home", "home.title");
	if (status != GC_OK)
		return status;
	json_t *model = view->model;
	if (json_object_set_new(model, "stats", json_object()) || json_object_set_new(model, "modules", json_array()) ||
	    json_object_set_new(model, "recent", json_array()))
		return GC_ENOMEM;
	for (size_t i = 0; i < gc_module_count; i++) {
		if (!gc_modules[i]->home)
			continue;
		status = gc_modules[i]->home(req, model);
		if (status != GC_OK)
			return status;
	}
	view->cacheable = true;
	return GC_OK;
}

gc_status core_home_stats(struct gc_request *req, json_t *home_model)
{
	struct gc_db *db = gc_request_db(req);
	if (!db)
		return GC_EHTTP;
	int64_t organisations = 0;
	gc_status status = gc_db_query_int(db, "SELECT COUNT(*) FROM organisations", GC_NO_PARAMS, &organisations);
	if (status != GC_OK)
		return status;
	json_t *stats = json_object_get(home_model, "stats");
	return json_object_set_new(stats, "organisations", json_integer(organisations)) ? GC_ENOMEM : GC_OK;
}
