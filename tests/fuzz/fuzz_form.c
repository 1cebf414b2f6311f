/*
 * A form body as src/http/server.c reads it: gc_content_kind on the
 * Content-Type, then for application/x-www-form-urlencoded gc_kv_parse with
 * at most GC_MAX_FORM_FIELDS pairs and gc_params_select with required
 * fields enforced (see kv_check.h for the invariants). The body is bytes,
 * NULs included: it comes with a length, not as a C string.
 *
 * Input: one byte choosing the parameter list, then the Content-Type up to
 * the first LF, then the body.
 *
 * Content-Type invariants: GC_BODY_FORM only for a type that is, ignoring
 * case and blanks, application/x-www-form-urlencoded, with no charset but
 * UTF-8; GC_BODY_MULTIPART only with a boundary; GC_BODY_JSON only for
 * application/json.
 */
#include <strings.h>

#include "kv_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kv_collect_specs();
	return 0;
}

/* The media type of a Content-Type, lower-cased and trimmed, into out (NUL-terminated). */
static void media_type(const char *ct, char *out, size_t size)
{
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] + 32 : ct[i]);
	out[n] = '\0';
}

static bool has_ci(const char *s, const char *needle)
{
	size_t m = strlen(needle);
	for (; *s; s++) {
		size_t k = 0;
		while (k < m && s[k] && (s[k] | 0x20) == (needle[k] | 0x20))
			k++;
		if (k == m)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct gc_param_spec *specs = kv_specs[data[0] % kv_n_specs];
	data++;
	size--;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	char *ct = fuzz_cstr(data, ct_len);
	size_t body_len = nl ? size - ct_len - 1 : 0;
	/* An exact-size copy of the body: ASan sees any read past it. */
	char *body = malloc(body_len ? body_len : 1);
	if (!body)
		abort();
	if (body_len)
		memcpy(body, nl + 1, body_len);

	enum gc_body_kind kind = gc_content_kind(ct);
	char type[64];
	media_type(ct, type, sizeof(type));
	if (kind == GC_BODY_FORM)
		FUZZ_CHECK(strcmp(type, "application/x-www-form-urlencoded") == 0, "FORM for \"%s\"", ct);
	if (kind == GC_BODY_JSON)
		FUZZ_CHECK(strcmp(type, "application/json") == 0, "JSON for \"%s\"", ct);
	if (kind == GC_BODY_MULTIPART)
		FUZZ_CHECK(strcmp(type, "multipart/form-data") == 0 && has_ci(ct, "boundary"), "MULTIPART for \"%s\"", ct);
	if (kind == GC_BODY_FORM || kind == GC_BODY_JSON) {
		/* A charset, if any, is UTF-8. */
		const char *cs = ct;
		while ((cs = strchr(cs, ';')) != NULL) {
			cs++;
			while (*cs == ' ' || *cs == '\t')
				cs++;
			/* The parameter's name, blanks before '=' trimmed, is exactly "charset". */
			const char *eq = strchr(cs, '=');
			const char *semi = strchr(cs, ';');
			if (!eq || (semi && semi < eq))
				continue;
			const char *ne = eq;
			while (ne > cs && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			if (ne - cs == 7 && strncasecmp(cs, "charset", 7) == 0) {
				const char *v = eq + 1;
				while (*v == ' ' || *v == '\t' || *v == '"')
					v++;
				FUZZ_CHECK(strncasecmp(v, "utf-8", 5) == 0, "charset other than UTF-8 accepted: \"%s\"", ct);
			}
		}
	}
	FUZZ_CHECK(kind != GC_BODY_NONE, "NONE for a header");
	FUZZ_CHECK(gc_content_kind(NULL) == GC_BODY_NONE, "NULL is not NONE");

	struct gc_arena *arena = gc_arena_new((size_t)1 << 26);
	if (!arena)
		abort();
	struct gc_kv *kv = NULL;
	size_t n_kv = 0;
	if (kv_parse_checked(arena, body, body_len, GC_MAX_FORM_FIELDS, &kv, &n_kv) == GC_OK)
		kv_select_checked(arena, specs, kv, n_kv, true);
	gc_arena_free(arena);
	free(body);
	free(ct);
	return 0;
}
