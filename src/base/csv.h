/*
 * A strict reader for CSV held in memory (RFC 4180): the reference data in
 * data/ and, later, imports. It reads one record at a time and never guesses:
 *
 *  - fields are separated by ',' and records end with CRLF; a bare LF is
 *    accepted as a record end too (files edited on Unix), a bare CR is not;
 *  - a field is either plain (no '"', CR or LF in it) or quoted from its
 *    first byte to a closing '"' that is followed by ',' or the record's end;
 *    inside quotes '""' is one '"' and ',', CR and LF are data;
 *  - every record has as many fields as the first one (the header);
 *  - the last record may omit its line end; an empty line is an error, and so
 *    is a byte order mark, a NUL or bytes that are not UTF-8.
 *
 * Limits keep a hostile file from costing more than its own size:
 * GC_CSV_MAX_FIELDS fields and GC_CSV_MAX_RECORD bytes per record.
 *
 *   struct gc_csv csv;
 *   gc_csv_open(&csv, data, size);
 *   while ((st = gc_csv_next(&csv)) == GC_ROW)
 *           use(csv.field[0], csv.length[0], ...);
 *   if (st != GC_DONE) log(csv.err);
 *   gc_csv_close(&csv);
 */
#ifndef GC_BASE_CSV_H
#define GC_BASE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

#define GC_CSV_MAX_FIELDS 64
#define GC_CSV_MAX_RECORD (64u * 1024u)

struct gc_csv {
	/* The current record, valid until the next gc_csv_next() or gc_csv_close():
	 * each field is NUL-terminated, and length[i] is its size in bytes. */
	size_t n_fields;
	const char *field[GC_CSV_MAX_FIELDS];
	size_t length[GC_CSV_MAX_FIELDS];
	size_t line;      /* line (1-based) where the current record, or the error, starts */
	size_t records;   /* records read so far, the header included */
	char err[160];    /* why gc_csv_next() failed: "line 12: unterminated quoted field" */

	/* private */
	const char *data;
	size_t len;
	size_t pos;
	size_t next_line;
	size_t width;     /* fields in the first record */
	gc_status failed; /* the first error, repeated by later calls */
	struct gc_buf buf;
};

/* Starts reading len bytes at data; the bytes must outlive the reader. */
void gc_csv_open(struct gc_csv *csv, const char *data, size_t len);
/* Frees what the reader holds. Accepts NULL. */
void gc_csv_close(struct gc_csv *csv);

/*
 * Reads the next record: GC_ROW when one is ready, GC_DONE at the end of the
 * input, GC_EINVAL when the input is malformed and GC_ETOOBIG past a limit
 * (csv->err says what and where), GC_ENOMEM. After an error every further
 * call returns the same error.
 */
GC_MUST_CHECK gc_status gc_csv_next(struct gc_csv *csv);

/*
 * Reads the first record and checks that it is exactly the n names given, in
 * order: GC_EINVAL (with csv->err) when it is not, or when the input is empty.
 */
GC_MUST_CHECK gc_status gc_csv_expect_header(struct gc_csv *csv, const char *const *names, size_t n);

/* Whether field i of the current record equals s (i past the last field: false). */
bool gc_csv_field_is(const struct gc_csv *csv, size_t i, const char *s);

#endif
