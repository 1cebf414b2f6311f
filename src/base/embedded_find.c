#include "base/embedded.h"

#include <string.h>

const struct gc_embedded_file *gc_embedded_find(const char *path)
{
	/* tools/embed.py writes the table sorted by path. */
	size_t lo = 0, hi = gc_embedded_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(gc_embedded_files[mid].path, path);
		if (cmp == 0)
			return &gc_embedded_files[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
