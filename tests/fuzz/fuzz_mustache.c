/*
 * libFuzzer target for the Mustache compiler and renderer: the input is a
 * template, compiled and (when it compiles) rendered over a fixed context
 * with partials that include the input itself, so recursion, indentation and
 * the limits are reached too.
 *
 *   clang -fsanitize=fuzzer,address,undefined -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
 *     -Isrc tests/fuzz/fuzz_mustache.c src/render/mustache.c src/base/buf.c src/base/arena.c \
 *     src/base/status.c -ljansson -o fuzz_mustache
 *   ./fuzz_mustache tests/fuzz/corpus/mustache
 *
 * Besides crashes and sanitizer reports, it stops on a broken contract: a
 * status the header does not allow, or an error message without "name:line:".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/mustache.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *context;
static struct gc_template *fixed_partial;

struct partials {
	const struct gc_template *self;
};

/* "self" is the input itself; every other name but "none" is a small fixed partial. */
static const struct gc_template *lookup(void *ctx, const char *name, size_t len)
{
	const struct partials *p = ctx;
	if (len == 4 && memcmp(name, "self", 4) == 0)
		return p->self;
	if (len == 4 && memcmp(name, "none", 4) == 0)
		return NULL;
	return fixed_partial;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char ctx_json[] =
		"{\"name\": \"<b>Joe & 'Ann'</b>\", \"n\": 42, \"r\": 1.21, \"t\": true, \"f\": false,"
		" \"z\": null, \"e\": \"\", \"zero\": 0, \"list\": [1, \"two\", {\"name\": \"three\"}],"
		" \"empty\": [], \"a\": {\"b\": {\"c\": \"deep\"}, \"list\": [{\"x\": 1}, {\"x\": 2}]},"
		" \"text\": \"line1\\nline2\\n\"}";
	static const char partial_src[] = "[{{name}}\n{{#list}}\n  <{{.}}>\n{{/list}}\n{{>self}}]\n";
	json_error_t jerr;
	context = json_loads(ctx_json, 0, &jerr);
	if (!context)
		abort();
	if (gc_mustache_compile("partial", partial_src, sizeof(partial_src) - 1, &fixed_partial, NULL, 0) != GC_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_template *tpl = NULL;
	struct gc_buf out;
	char err[128];

	gc_buf_init(&out, 1 << 16);
	gc_status st = gc_mustache_compile("fuzz", (const char *)data, size, &tpl, err, sizeof(err));
	if (st != GC_OK) {
		if (tpl || (st != GC_EINVAL && st != GC_ETOOBIG) || strncmp(err, "fuzz:", 5) != 0)
			abort();
		goto out;
	}
	struct partials p = { .self = tpl };
	const json_t *stack[] = { context };
	st = gc_mustache_render(tpl, stack, 1, lookup, &p, &out);
	if (st != GC_OK && st != GC_ETOOBIG)
		abort();
	if (st == GC_OK && (out.len > out.max || (out.data && out.data[out.len] != '\0')))
		abort();
out:
	gc_buf_free(&out);
	gc_template_free(tpl);
	return 0;
}
