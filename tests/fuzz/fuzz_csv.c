/*
 * base/csv.h: the strict CSV reader on arbitrary bytes.
 *
 * Invariants:
 *  - gc_csv_next returns GC_ROW, GC_DONE, GC_EINVAL or GC_ETOOBIG only, and
 *    after an error returns the same error again, with csv.err saying
 *    "line N: ..." and N no further than the input's line count;
 *  - every record has as many fields as the first (at most
 *    GC_CSV_MAX_FIELDS), each NUL-terminated, its length its strlen, valid
 *    UTF-8, and the record's bytes within GC_CSV_MAX_RECORD;
 *  - a file that reads completely reads the same again when written back
 *    with every field quoted (a round trip through the RFC 4180 writer);
 *  - the number of records never exceeds the number of line ends + 1.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/buf.h"
#include "base/csv.h"
#include "base/text.h"

/* The records of one read: the fields of each, flattened. */
struct table {
	struct gc_buf bytes; /* every field, each followed by a NUL */
	size_t records, fields;
};

/* Reads data completely; GC_DONE when the whole input read, or the error. */
static gc_status read_all(const char *data, size_t len, struct table *t, size_t *lines_out)
{
	struct gc_csv csv;
	gc_status st;
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	gc_buf_init(&t->bytes, (size_t)1 << 26);
	t->records = t->fields = 0;
	gc_csv_open(&csv, data, len);
	while ((st = gc_csv_next(&csv)) == GC_ROW) {
		FUZZ_CHECK(csv.n_fields >= 1 && csv.n_fields <= GC_CSV_MAX_FIELDS, "%zu fields", csv.n_fields);
		if (t->records == 0)
			t->fields = csv.n_fields;
		FUZZ_CHECK(csv.n_fields == t->fields, "record %zu has %zu fields, the first %zu", t->records + 1,
			   csv.n_fields, t->fields);
		size_t total = 0;
		for (size_t i = 0; i < csv.n_fields; i++) {
			FUZZ_CHECK(csv.field[i] && strlen(csv.field[i]) == csv.length[i], "field %zu: length %zu", i,
				   csv.length[i]);
			FUZZ_CHECK(gc_utf8_valid(csv.field[i], csv.length[i]), "field %zu is not UTF-8", i);
			total += csv.length[i];
			gc_buf_raw(&t->bytes, csv.field[i], csv.length[i] + 1);
		}
		FUZZ_CHECK(total <= GC_CSV_MAX_RECORD, "a record of %zu bytes", total);
		FUZZ_CHECK(csv.line >= 1 && csv.line <= lines, "record at line %zu of %zu", csv.line, lines);
		t->records++;
		FUZZ_CHECK(csv.records == t->records, "records %zu, counted %zu", csv.records, t->records);
		FUZZ_CHECK(t->records <= lines, "%zu records in %zu lines", t->records, lines);
	}
	if (st != GC_DONE) {
		FUZZ_CHECK(st == GC_EINVAL || st == GC_ETOOBIG, "status %s", gc_status_name(st));
		FUZZ_CHECK(strncmp(csv.err, "line ", 5) == 0, "error message \"%s\"", csv.err);
		FUZZ_CHECK(csv.line >= 1 && csv.line <= lines, "error at line %zu of %zu", csv.line, lines);
		FUZZ_CHECK(csv.n_fields == 0, "fields left after an error");
		FUZZ_CHECK(gc_csv_next(&csv) == st, "the error is not repeated");
	} else {
		FUZZ_CHECK(gc_csv_next(&csv) == GC_DONE, "GC_DONE is not repeated");
	}
	gc_csv_close(&csv);
	FUZZ_CHECK(!gc_buf_error(&t->bytes), "the copy failed");
	if (lines_out)
		*lines_out = lines;
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table first, second;
	gc_status st = read_all((const char *)data, size, &first, NULL);
	if (st == GC_DONE && first.records > 0) {
		/* Write it back, every field quoted, and read it again. */
		struct gc_buf out;
		gc_buf_init(&out, (size_t)1 << 26);
		const char *f = gc_buf_str(&first.bytes);
		for (size_t r = 0; r < first.records; r++) {
			for (size_t i = 0; i < first.fields; i++) {
				size_t n = strlen(f);
				gc_buf_lit(&out, "\"");
				for (size_t k = 0; k < n; k++) {
					if (f[k] == '"')
						gc_buf_lit(&out, "\"\"");
					else
						gc_buf_char(&out, f[k]);
				}
				gc_buf_lit(&out, "\"");
				gc_buf_str_raw(&out, i + 1 < first.fields ? "," : "\r\n");
				f += n + 1;
			}
		}
		FUZZ_CHECK(!gc_buf_error(&out), "writing back failed");
		gc_status again = read_all(gc_buf_str(&out), out.len, &second, NULL);
		/* Quoting adds two bytes a field; the record limit counts field bytes only. */
		FUZZ_CHECK(again == GC_DONE, "the written-back file does not read: %s", gc_status_name(again));
		FUZZ_CHECK(second.records == first.records && second.fields == first.fields &&
				   second.bytes.len == first.bytes.len &&
				   memcmp(gc_buf_str(&second.bytes), gc_buf_str(&first.bytes), first.bytes.len) == 0,
			   "the written-back file reads differently");
		gc_buf_free(&second.bytes);
		gc_buf_free(&out);
	}
	gc_buf_free(&first.bytes);
	return 0;
}
