#include "base/status.h"

const char *gc_status_name(gc_status status)
{
	switch (status) {
	case GC_OK: return "ok";
	case GC_DECLINED: return "declined";
	case GC_ROW: return "row";
	case GC_DONE: return "done";
	case GC_ENOMEM: return "enomem";
	case GC_ETOOBIG: return "etoobig";
	case GC_EINVAL: return "einval";
	case GC_ENOTFOUND: return "enotfound";
	case GC_ECONFLICT: return "econflict";
	case GC_EBUSY: return "ebusy";
	case GC_ETIMEOUT: return "etimeout";
	case GC_EIO: return "eio";
	case GC_EDB: return "edb";
	case GC_EHTTP: return "ehttp";
	}
	return "unknown";
}
