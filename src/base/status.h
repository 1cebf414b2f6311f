/* Status codes shared by every layer: 0 is success, everything else says why not. */
#ifndef GC_BASE_STATUS_H
#define GC_BASE_STATUS_H

typedef enum gc_status {
	GC_OK = 0,
	GC_DECLINED,  /* not mine: the caller tries the next candidate */
	GC_ROW,       /* a cursor has a row ready */
	GC_DONE,      /* a cursor has no more rows */
	GC_ENOMEM,    /* an allocation failed or an arena hit its cap */
	GC_ETOOBIG,   /* input or output over a documented limit */
	GC_EINVAL,    /* input is malformed */
	GC_ENOTFOUND, /* no such thing (or not visible to the caller) */
	GC_ECONFLICT, /* a uniqueness or version conflict */
	GC_EBUSY,     /* a resource is exhausted for now: try again later */
	GC_ETIMEOUT,  /* a time limit was reached */
	GC_EIO,       /* an operating-system call failed */
	GC_EDB,       /* the database refused or failed */
	GC_EHTTP,     /* the request already carries the HTTP error to answer with */
} gc_status;

#define GC_MUST_CHECK __attribute__((warn_unused_result))
#define GC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define GC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A stable lower-case name for logs, e.g. "enomem". */
const char *gc_status_name(gc_status status);

#endif
