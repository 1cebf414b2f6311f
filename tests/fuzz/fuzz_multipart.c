/*
 * multipart/form-data as src/http/server.c reads an upload: the boundary of
 * the Content-Type (gc_multipart_boundary), then the body
 * (gc_multipart_parse) with small limits so they are reached.
 *
 * Input: the Content-Type's parameters up to the first LF (appended to
 * "multipart/form-data; "), then the body, NULs included.
 *
 * Invariants:
 *   - a boundary accepted is 1 to 70 characters of RFC 2046's set, not
 *     ending in a space;
 *   - a parse either succeeds, or answers 400 (invalid_multipart,
 *     invalid_encoding, too_many_params) or 413 (payload_too_large), or
 *     runs out of the arena; nothing else;
 *   - on success: parts within the limits; every field's name and value is
 *     acceptable text (base/text.h), its length the string's; every file's
 *     bytes lie inside the body and within max_file_bytes; every file name
 *     is valid UTF-8 with no '/' or '\\', and a file with an empty name has
 *     content;
 *   - the same input parses the same way twice.
 */
#include "fuzz.h"

#include "base/text.h"
#include "http/multipart.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lf = memchr(data, '\n', size);
	if (!lf)
		return 0;
	size_t head_len = (size_t)(lf - data);
	char *params = fuzz_cstr(data, head_len);
	size_t ct_len = head_len + 32;
	char *ct = malloc(ct_len);
	if (!ct)
		abort();
	snprintf(ct, ct_len, "multipart/form-data; %s", params);
	char boundary[GC_MULTIPART_MAX_BOUNDARY + 1];
	gc_status st = gc_multipart_boundary(ct, boundary, sizeof(boundary));
	if (st == GC_OK) {
		size_t n = strlen(boundary);
		FUZZ_CHECK(n >= 1 && n <= 70 && boundary[n - 1] != ' ', "boundary [%s]", boundary);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(bchar((unsigned char)boundary[i]), "boundary [%s]", boundary);
	} else {
		FUZZ_CHECK(st == GC_EINVAL, "status %d", st);
		snprintf(boundary, sizeof(boundary), "XyZ");
	}

	const char *body = (const char *)lf + 1;
	size_t len = size - head_len - 1;
	struct gc_multipart_limits limits = { .max_parts = 8, .max_files = 3, .max_header_bytes = 256,
					      .max_field_bytes = 512, .max_file_bytes = 1024 };
	int first_status = -1;
	size_t first_fields = 0, first_files = 0;
	for (int round = 0; round < 2; round++) {
		struct gc_arena *arena = gc_arena_new(1 << 20);
		if (!arena)
			abort();
		struct gc_kv *fields;
		struct gc_upload *files;
		size_t n_fields, n_files;
		struct gc_http_error err = { 0 };
		st = gc_multipart_parse(arena, body, len, boundary, &limits, &fields, &n_fields, &files, &n_files, &err);
		int outcome = st == GC_OK ? 0 : st == GC_EHTTP ? err.status : -2;
		if (st == GC_EHTTP) {
			FUZZ_CHECK((err.status == 400 && (strcmp(err.code, "invalid_multipart") == 0 ||
							  strcmp(err.code, "invalid_encoding") == 0 ||
							  strcmp(err.code, "too_many_params") == 0)) ||
					   (err.status == 413 && strcmp(err.code, "payload_too_large") == 0),
				   "error %d %s", err.status, err.code);
		} else if (st == GC_OK) {
			FUZZ_CHECK(n_fields + n_files <= limits.max_parts, "%zu parts", n_fields + n_files);
			FUZZ_CHECK(n_files <= limits.max_files, "%zu files", n_files);
			for (size_t i = 0; i < n_fields; i++) {
				FUZZ_CHECK(fields[i].name[0] && gc_text_acceptable_line(fields[i].name, strlen(fields[i].name)),
					   "field name");
				FUZZ_CHECK(strlen(fields[i].value) == fields[i].value_len, "a NUL inside a value");
				FUZZ_CHECK(gc_text_acceptable(fields[i].value, fields[i].value_len), "field value");
				FUZZ_CHECK(fields[i].value_len <= limits.max_field_bytes, "field size");
			}
			for (size_t i = 0; i < n_files; i++) {
				const char *d = (const char *)files[i].data;
				FUZZ_CHECK(d >= body && d + files[i].len <= body + len, "file bytes outside the body");
				FUZZ_CHECK(files[i].len <= limits.max_file_bytes, "file size");
				const char *name = files[i].filename;
				FUZZ_CHECK(gc_utf8_valid(name, strlen(name)) && !strchr(name, '/') && !strchr(name, '\\'),
					   "file name [%s]", name);
				FUZZ_CHECK(name[0] || files[i].len > 0, "an empty file input kept");
				FUZZ_CHECK(files[i].field[0], "file field name");
			}
		} else {
			FUZZ_CHECK(st == GC_ENOMEM, "status %d", st);
		}
		if (round == 0) {
			first_status = outcome;
			first_fields = st == GC_OK ? n_fields : 0;
			first_files = st == GC_OK ? n_files : 0;
		} else {
			FUZZ_CHECK(outcome == first_status && (st != GC_OK || (n_fields == first_fields && n_files == first_files)),
				   "two parses differ");
		}
		gc_arena_free(arena);
	}
	free(ct);
	free(params);
	return 0;
}
