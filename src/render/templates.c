/*
 * The template set: every embedded "templates/<name>.mustache", compiled at
 * start-up into an array sorted by name. The set is never changed after
 * gc_templates_load(), so every thread reads it without locks.
 */
#include "render/templates.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

#define TEMPLATES_PREFIX "templates/"
#define TEMPLATES_SUFFIX ".mustache"

struct template_entry {
	char *name; /* NUL-terminated, without prefix and suffix */
	size_t len;
	struct gc_template *tpl;
};

struct gc_templates {
	struct template_entry *v;
	size_t n;
};

/* Byte order on (name, length), so lookups need no NUL-terminated key. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct template_entry *x = a, *y = b;
	return name_cmp(x->name, x->len, y->name, y->len);
}

/* The template's name when path is a template's path; false otherwise. */
static bool template_name(const char *path, const char **name, size_t *len)
{
	size_t plen = strlen(path);
	const size_t pre = sizeof(TEMPLATES_PREFIX) - 1, suf = sizeof(TEMPLATES_SUFFIX) - 1;
	if (plen <= pre + suf || memcmp(path, TEMPLATES_PREFIX, pre) != 0 ||
	    memcmp(path + plen - suf, TEMPLATES_SUFFIX, suf) != 0)
		return false;
	*name = path + pre;
	*len = plen - pre - suf;
	return true;
}

static const struct template_entry *find_entry(const struct gc_templates *set, const char *name, size_t len)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(set->v[mid].name, set->v[mid].len, name, len);
		if (c == 0)
			return &set->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct gc_template *partial_lookup(void *ctx, const char *name, size_t len)
{
	const struct template_entry *e = find_entry(ctx, name, len);
	return e ? e->tpl : NULL;
}

gc_status gc_templates_load(struct gc_templates **out, char *err, size_t err_size)
{
	struct gc_templates *set = NULL;
	gc_status st = GC_OK;

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	set = calloc(1, sizeof(*set));
	if (!set) {
		st = GC_ENOMEM;
		goto out;
	}
	size_t count = 0;
	for (size_t i = 0; i < gc_embedded_count; i++) {
		const char *name;
		size_t len;
		count += template_name(gc_embedded_files[i].path, &name, &len);
	}
	set->v = calloc(count ? count : 1, sizeof(*set->v));
	if (!set->v) {
		st = GC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < gc_embedded_count; i++) {
		const struct gc_embedded_file *f = &gc_embedded_files[i];
		const char *name;
		size_t len;
		if (!template_name(f->path, &name, &len))
			continue;
		struct template_entry *e = &set->v[set->n];
		e->name = strndup(name, len);
		if (!e->name) {
			st = GC_ENOMEM;
			goto out;
		}
		e->len = len;
		set->n++;
		st = gc_mustache_compile(e->name, (const char *)f->data, f->size, &e->tpl, err, err_size);
		if (st)
			goto out;
	}
	/*
	 * The embedded table is sorted by path, but dropping ".mustache"
	 * changes the order ("a-b.mustache" sorts before "a.mustache", "a"
	 * before "a-b"), so sort by name.
	 */
	qsort(set->v, set->n, sizeof(*set->v), entry_cmp);
	*out = set;
	set = NULL;
out:
	if (st && st != GC_EINVAL && st != GC_ETOOBIG && err && err_size)
		snprintf(err, err_size, "loading templates: %s", gc_status_name(st));
	gc_templates_free(set);
	return st;
}

void gc_templates_free(struct gc_templates *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		gc_template_free(set->v[i].tpl);
		free(set->v[i].name);
	}
	free(set->v);
	free(set);
}

const struct gc_template *gc_templates_get(const struct gc_templates *set, const char *name)
{
	const struct template_entry *e = find_entry(set, name, strlen(name));
	return e ? e->tpl : NULL;
}

gc_status gc_templates_render(const struct gc_templates *set, const char *name, const json_t *const *stack,
			      size_t depth, struct gc_buf *out)
{
	const struct gc_template *tpl = gc_templates_get(set, name);
	if (!tpl)
		return GC_ENOTFOUND;
	/* The lookup only reads the set; the cast drops const for the callback's void *. */
	return gc_mustache_render(tpl, stack, depth, partial_lookup, (void *)set, out);
}
