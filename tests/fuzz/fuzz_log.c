/*
 * base/log.h: log injection (SECURITY.md L3). The input goes into a log line
 * as a field value and as the message; standard error is caught in a
 * memory file for the call.
 *
 * Invariants: exactly one line, ending in LF; printable ASCII only (no CR,
 * ANSI escape or NUL reaches the terminal or the collector; DEL is left
 * raw by jansson and allowed here); jansson reads
 * it back as an object with "time", "level" and "msg"; a UTF-8 value comes
 * back equal, cut at GC_LOG_VALUE_MAX bytes on a character boundary, and
 * the message (a C string) up to its first NUL.
 */
#define _GNU_SOURCE /* memfd_create */
#include <jansson.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#include "base/log.h"
#include "base/text.h"

static int sink = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = memfd_create("gcscp-fuzz-log", 0);
	if (sink < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[3 * 1024 * 1024];
	const char *s = (const char *)data;
	char *msg = fuzz_cstr(data, size);

	if (ftruncate(sink, 0) != 0 || lseek(sink, 0, SEEK_SET) != 0)
		abort();
	int saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(sink, STDERR_FILENO) < 0)
		abort();
	gc_log(GC_LOG_ERROR, msg, "{s:s%, s:i}", "value", s, size, "n", 42);
	if (dup2(saved, STDERR_FILENO) < 0)
		abort();
	close(saved);

	ssize_t n = pread(sink, line, sizeof(line) - 1, 0);
	FUZZ_CHECK(n > 0, "nothing logged");
	line[n] = '\0';
	FUZZ_CHECK(line[n - 1] == '\n' && memchr(line, '\n', (size_t)n) == line + n - 1, "not exactly one line");
	/* jansson leaves DEL (0x7f) raw, as JSON allows: inert, it forges nothing. */
	for (ssize_t i = 0; i < n - 1; i++)
		FUZZ_CHECK(line[i] >= 0x20 && line[i] <= 0x7f, "byte 0x%02x at %zd", (unsigned char)line[i], i);

	json_error_t jerr;
	json_t *o = json_loadb(line, (size_t)n - 1, JSON_ALLOW_NUL, &jerr);
	FUZZ_CHECK(json_is_object(o), "the line is not a JSON object: %s", jerr.text);
	FUZZ_CHECK(json_is_string(json_object_get(o, "time")) &&
			   strcmp(json_string_value(json_object_get(o, "level")), "error") == 0,
		   "time or level missing");
	const json_t *m = json_object_get(o, "msg");
	if (gc_utf8_valid(msg, strlen(msg)))
		FUZZ_CHECK(json_is_string(m) && strcmp(json_string_value(m), msg) == 0, "the message changed");
	if (gc_utf8_valid(s, size)) {
		size_t cut = size;
		if (cut > GC_LOG_VALUE_MAX) {
			cut = GC_LOG_VALUE_MAX;
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
		}
		const json_t *v = json_object_get(o, "value");
		FUZZ_CHECK(json_is_string(v) && json_string_length(v) == cut && memcmp(json_string_value(v), s, cut) == 0,
			   "the value changed (%zu bytes, cut at %zu)", size, cut);
		FUZZ_CHECK(json_integer_value(json_object_get(o, "n")) == 42, "a field lost");
	}
	json_decref(o);
	free(msg);
	return 0;
}
