#include "base/random.h"

#include <sodium.h>

gc_status gc_random_init(void)
{
	return sodium_init() < 0 ? GC_EIO : GC_OK;
}

void gc_random_bytes(void *out, size_t n)
{
	randombytes_buf(out, n);
}

void gc_random_hex(char *out, size_t bytes)
{
	unsigned char raw[64];
	while (bytes > 0) {
		size_t chunk = bytes > sizeof(raw) ? sizeof(raw) : bytes;
		randombytes_buf(raw, chunk);
		sodium_bin2hex(out, chunk * 2 + 1, raw, chunk);
		out += chunk * 2;
		bytes -= chunk;
	}
	*out = '\0';
}
