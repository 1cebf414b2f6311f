/*
 * gc_files_accept (src/store/files.h; docs/attachments.md "What may be
 * attached"): the one upload check of every module, on a file's bytes, the
 * name a browser sent and the declared Content-Type.
 *
 * Input: <filename> NUL <declared type> NUL <bytes> (a missing part is empty;
 * the bytes may hold NULs).
 *
 * Invariants:
 *  - the answer is GC_OK (libmagic always runs here);
 *  - accepted: media is one of the four types, the kept name is valid UTF-8
 *    of 1 to GC_FILES_MAX_NAME bytes, free of controls, '/', '\', '"', ':',
 *    '*', '?', '<', '>', '|' and a leading dot, and its extension stands for
 *    media; a PDF has no active content;
 *  - refused: media is NULL and the name is empty;
 *  - a declared type that names another accepted type is never accepted.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "base/text.h"
#include "store/files.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool is_accepted_type(const char *m)
{
	return m && (strcmp(m, GC_MEDIA_PDF) == 0 || strcmp(m, GC_MEDIA_TEXT) == 0 || strcmp(m, GC_MEDIA_HTML) == 0 ||
		     strcmp(m, GC_MEDIA_DOCX) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	const uint8_t *nul1 = memchr(data, 0, size);
	const uint8_t *type_start = nul1 ? nul1 + 1 : end;
	const uint8_t *nul2 = nul1 ? memchr(type_start, 0, (size_t)(end - type_start)) : NULL;
	const uint8_t *bytes = nul2 ? nul2 + 1 : end;
	char *filename = fuzz_cstr(data, (size_t)((nul1 ? nul1 : end) - data));
	char *declared = fuzz_cstr(type_start, (size_t)((nul2 ? nul2 : end) - type_start));
	size_t len = (size_t)(end - bytes);
	const char *media = (const char *)1;
	char name[GC_FILES_MAX_NAME + 1];
	enum gc_files_verdict v;

	gc_status st = gc_files_accept(bytes, len, filename, declared, &media, name, &v);
	FUZZ_CHECK(st == GC_OK, "status %d", (int)st);
	if (v == GC_FILES_ACCEPTED) {
		size_t n = strlen(name);
		FUZZ_CHECK(is_accepted_type(media), "media %s", media ? media : "(null)");
		FUZZ_CHECK(n >= 1 && n <= GC_FILES_MAX_NAME, "name of %zu bytes", n);
		FUZZ_CHECK(gc_utf8_valid(name, n), "name not UTF-8");
		FUZZ_CHECK(name[0] != '.', "leading dot: %s", name);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)name[i];
			FUZZ_CHECK(c >= 0x20 && c != 0x7f && !strchr("/\\\":*?<>|", c), "byte 0x%02x in %s", c, name);
		}
		const char *by_name = gc_files_media_of_name(name);
		FUZZ_CHECK(by_name && strcmp(by_name, media) == 0, "name %s does not stand for %s", name, media);
		FUZZ_CHECK(strcmp(media, GC_MEDIA_PDF) != 0 || !gc_files_pdf_active(bytes, len), "active PDF accepted");
		for (size_t i = 0; declared[i]; i++)
			if (declared[i] >= 'A' && declared[i] <= 'Z')
				declared[i] = (char)(declared[i] + 32);
		FUZZ_CHECK(!is_accepted_type(declared) || strcmp(declared, media) == 0, "declared %s, accepted as %s",
			   declared, media);
	} else {
		FUZZ_CHECK(media == NULL, "refused with a media type");
		FUZZ_CHECK(name[0] == '\0', "refused with a name");
	}
	free(filename);
	free(declared);
	return 0;
}
