/*
 * A JSON request body as src/http/server.c reads it: gc_json_depth_ok (at
 * GC_JSON_MAX_DEPTH) on the text, then jansson's json_loadb with
 * JSON_REJECT_DUPLICATES.
 *
 * Invariants:
 *  - the depth check is exact for documents jansson can read: a document
 *    nested at most GC_JSON_MAX_DEPTH deep passes it (no valid body
 *    refused), a deeper one does not (no deep body reaches the parser);
 *  - a document that parses has no duplicate key at any level, and writing
 *    it out and reading it back gives an equal value;
 *  - the check never reads past the body (ASan) and does not depend on a NUL
 *    after it.
 */
#include <jansson.h>
#include <stdbool.h>

#include "fuzz.h"

#include "http/internal.h"

/* Nesting of arrays and objects: a scalar is 0. */
static size_t depth_of(const json_t *v)
{
	size_t d = 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			size_t c = depth_of(x);
			if (c > d)
				d = c;
		}
		return d + 1;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			size_t c = depth_of(x);
			if (c > d)
				d = c;
		}
		return d + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy: ASan sees any read past the body. */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	memcpy(body, data, size);

	bool depth_ok = gc_json_depth_ok(body, size, GC_JSON_MAX_DEPTH);
	json_error_t jerr;
	/* What the parser makes of it, without the depth check (jansson's own limit is 2048). */
	json_t *any = json_loadb(body, size, JSON_REJECT_DUPLICATES, &jerr);
	if (any) {
		size_t d = depth_of(any);
		if (depth_ok != (d <= GC_JSON_MAX_DEPTH))
			fuzz_dump("body", body, size);
		FUZZ_CHECK(depth_ok || d > GC_JSON_MAX_DEPTH, "a body %zu deep refused by the depth check", d);
		FUZZ_CHECK(!depth_ok || d <= GC_JSON_MAX_DEPTH, "a body %zu deep passed the depth check", d);

		/* What the server keeps, and the way back. */
		char *text = json_dumps(any, JSON_COMPACT | JSON_ENCODE_ANY);
		FUZZ_CHECK(text, "json_dumps failed");
		json_t *again = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
		FUZZ_CHECK(again && json_equal(any, again), "the body does not read back equal: %s", jerr.text);
		json_decref(again);
		free(text);
		json_decref(any);
	}
	free(body);
	return 0;
}
