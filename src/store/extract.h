/*
 * Text extraction from stored files, for the search index (SECURITY.md F5).
 *
 * PDF goes through `pdftotext` (poppler-utils) and DOCX through
 * `unzip -p file word/document.xml`, each in a child process that runs
 * with no inherited descriptors, an empty environment but PATH and LANG,
 * stdin from /dev/null, and resource limits: CPU seconds, address space,
 * size of files written, open files, no core; a wall-clock timeout after
 * which it is killed, and a cap on what it may print (past the cap it is
 * killed and the text kept so far is used). HTML is stripped of its markup
 * in C (scripts, styles and comments dropped, the common entities decoded),
 * plain text is taken as it is; both must be UTF-8.
 *
 * The result is UTF-8 text of at most GC_EXTRACT_MAX_TEXT bytes, cut on a
 * character boundary. A file that fails (broken, hostile, too slow, too
 * big, not UTF-8) fails its extraction alone: the error says why, in
 * English, for the item's editors and the log.
 */
#ifndef GC_STORE_EXTRACT_H
#define GC_STORE_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define GC_EXTRACT_MAX_TEXT (256u * 1024)      /* bytes of text kept (= GC_SEARCH_MAX_BODY) */
#define GC_EXTRACT_MAX_CHILD_OUTPUT (16u << 20) /* bytes a child may print (DOCX's XML); past it, it is killed */
#define GC_EXTRACT_TIMEOUT_MS 30000            /* wall clock */
#define GC_EXTRACT_CPU_S 20
#define GC_EXTRACT_MEMORY (768u << 20)          /* address space of the child */
#define GC_EXTRACT_FILE_SIZE (16u << 20)        /* largest file the child may write */
#define GC_EXTRACT_OPEN_FILES 64

struct gc_extract_limits {
	int timeout_ms;
	int cpu_s;
	size_t memory;
	size_t max_output;
};

/* The limits above. */
void gc_extract_default_limits(struct gc_extract_limits *limits);

/*
 * The text of the file at path, whose content type (a GC_MEDIA_* of
 * store/files.h) was decided at upload. *out is malloc'd (the caller frees
 * it), NUL-terminated, *len bytes. GC_EINVAL: the file is not what it
 * should be (err says why); GC_ETIMEOUT, GC_ETOOBIG: a limit was reached;
 * GC_DECLINED: no extractor for this type on this system (err says which);
 * GC_EIO: the child could not be started.
 */
GC_MUST_CHECK gc_status gc_extract_text(const char *path, const char *media, const struct gc_extract_limits *limits,
					char **out, size_t *len, char *err, size_t err_size);

/*
 * The visible text of HTML (or, with xml true, of WordprocessingML: a </w:p>
 * is a line break, <w:tab/> a space), into a malloc'd buffer of at most
 * max bytes (cut on a character boundary). In is any bytes; the result is
 * valid UTF-8 when in is. GC_ENOMEM.
 */
GC_MUST_CHECK gc_status gc_extract_markup(const char *in, size_t n, bool xml, size_t max, char **out, size_t *len);

#endif
