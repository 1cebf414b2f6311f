#include "base/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

void gc_csv_open(struct gc_csv *csv, const char *data, size_t len)
{
	memset(csv, 0, sizeof(*csv));
	csv->data = data;
	csv->len = data ? len : 0;
	csv->next_line = 1;
	csv->line = 1;
	gc_buf_init(&csv->buf, GC_CSV_MAX_RECORD);
}

void gc_csv_close(struct gc_csv *csv)
{
	if (!csv)
		return;
	gc_buf_free(&csv->buf);
	csv->n_fields = 0;
}

/* Records the first failure; every later call to gc_csv_next() repeats it. */
static gc_status GC_PRINTF(4, 5) csv_fail(struct gc_csv *csv, gc_status status, size_t line, const char *fmt, ...)
{
	char what[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(csv->err, sizeof(csv->err), "line %zu: %s", line, what);
	csv->line = line;
	csv->n_fields = 0;
	csv->failed = status;
	return status;
}

static size_t count_newlines(const char *s, size_t n)
{
	size_t count = 0;
	for (const char *end = s + n; (s = memchr(s, '\n', (size_t)(end - s))) != NULL; s++)
		count++;
	return count;
}

/*
 * Reads one field starting at csv->pos into the record buffer, leaving pos on
 * the byte after it (a separator, a line end or the end of the input).
 */
static gc_status read_field(struct gc_csv *csv)
{
	const char *p = csv->data;
	size_t i = csv->pos, len = csv->len;

	if (i < len && p[i] == '"') {
		size_t start_line = csv->next_line;
		i++;
		for (;;) {
			const char *q = i < len ? memchr(p + i, '"', len - i) : NULL;
			if (!q)
				return csv_fail(csv, GC_EINVAL, start_line, "unterminated quoted field");
			size_t span = (size_t)(q - (p + i));
			gc_buf_raw(&csv->buf, p + i, span);
			csv->next_line += count_newlines(p + i, span);
			i += span + 1;
			if (i < len && p[i] == '"') {
				/* A doubled quote stands for one. */
				gc_buf_char(&csv->buf, '"');
				i++;
				continue;
			}
			break;
		}
		if (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n')
			return csv_fail(csv, GC_EINVAL, csv->next_line, "text after the closing quote of a field");
	} else {
		size_t start = i;
		while (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n') {
			if (p[i] == '"')
				return csv_fail(csv, GC_EINVAL, csv->next_line,
						"a quote inside a field that does not start with one");
			i++;
		}
		gc_buf_raw(&csv->buf, p + start, i - start);
	}
	csv->pos = i;
	if (gc_buf_error(&csv->buf) == GC_ETOOBIG)
		return csv_fail(csv, GC_ETOOBIG, csv->line, "record longer than %u bytes", GC_CSV_MAX_RECORD);
	return gc_buf_error(&csv->buf);
}

gc_status gc_csv_next(struct gc_csv *csv)
{
	size_t offset[GC_CSV_MAX_FIELDS];
	size_t n = 0;
	gc_status st;

	if (csv->failed)
		return csv->failed;
	csv->n_fields = 0;
	if (csv->pos >= csv->len)
		return GC_DONE;
	csv->line = csv->next_line;
	gc_buf_reset(&csv->buf);

	const char *p = csv->data;
	if (csv->pos == 0 && csv->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		return csv_fail(csv, GC_EINVAL, 1, "byte order mark at the start (save as UTF-8 without BOM)");
	if (p[csv->pos] == '\r' || p[csv->pos] == '\n')
		return csv_fail(csv, GC_EINVAL, csv->line, "empty line");

	for (;;) {
		if (n == GC_CSV_MAX_FIELDS)
			return csv_fail(csv, GC_ETOOBIG, csv->line, "more than %d fields", GC_CSV_MAX_FIELDS);
		offset[n] = csv->buf.len;
		size_t field_line = csv->next_line;
		if ((st = read_field(csv)) != GC_OK)
			return csv->failed ? st : csv_fail(csv, st, csv->line, "%s", gc_status_name(st));
		const char *start = gc_buf_str(&csv->buf) + offset[n];
		size_t flen = csv->buf.len - offset[n];
		if (memchr(start, '\0', flen))
			return csv_fail(csv, GC_EINVAL, field_line, "NUL byte in field %zu", n + 1);
		if (!gc_utf8_valid(start, flen))
			return csv_fail(csv, GC_EINVAL, field_line, "field %zu is not valid UTF-8", n + 1);
		gc_buf_char(&csv->buf, '\0');
		n++;

		size_t i = csv->pos;
		if (i >= csv->len)
			break;
		if (p[i] == ',') {
			csv->pos = i + 1;
			continue;
		}
		if (p[i] == '\r') {
			if (i + 1 >= csv->len || p[i + 1] != '\n')
				return csv_fail(csv, GC_EINVAL, csv->next_line, "carriage return without a line feed");
			i++;
		}
		csv->pos = i + 1;
		csv->next_line++;
		break;
	}
	if ((st = gc_buf_error(&csv->buf)) != GC_OK)
		return csv_fail(csv, st, csv->line, st == GC_ETOOBIG ? "record too long" : "out of memory");

	if (csv->records == 0)
		csv->width = n;
	else if (n != csv->width)
		return csv_fail(csv, GC_EINVAL, csv->line, "%zu fields, expected %zu", n, csv->width);
	const char *base = gc_buf_str(&csv->buf);
	for (size_t k = 0; k < n; k++) {
		csv->field[k] = base + offset[k];
		csv->length[k] = strlen(base + offset[k]);
	}
	csv->n_fields = n;
	csv->records++;
	return GC_ROW;
}

gc_status gc_csv_expect_header(struct gc_csv *csv, const char *const *names, size_t n)
{
	gc_status st = gc_csv_next(csv);
	if (st == GC_DONE)
		return csv_fail(csv, GC_EINVAL, 1, "empty input, expected a header row");
	if (st != GC_ROW)
		return st;
	if (csv->n_fields != n)
		return csv_fail(csv, GC_EINVAL, csv->line, "the header has %zu fields, expected %zu", csv->n_fields, n);
	for (size_t i = 0; i < n; i++)
		if (!gc_csv_field_is(csv, i, names[i]))
			return csv_fail(csv, GC_EINVAL, csv->line, "header field %zu should be \"%s\"", i + 1, names[i]);
	return GC_OK;
}

bool gc_csv_field_is(const struct gc_csv *csv, size_t i, const char *s)
{
	return i < csv->n_fields && strcmp(csv->field[i], s) == 0;
}
