/*
 * The attachment layers without a server: the multipart parser
 * (http/multipart.h), the file store and content checks (store/files.h),
 * and text extraction (store/extract.h) with real children.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/random.h"
#include "http/multipart.h"
#include "store/extract.h"
#include "store/files.h"

/* ======================================================================== */
/* multipart/form-data                                                       */
/* ======================================================================== */

struct parsed {
	struct gc_arena *arena;
	struct gc_kv *fields;
	size_t n_fields;
	struct gc_upload *files;
	size_t n_files;
	struct gc_http_error err;
	gc_status st;
};

static struct parsed parse_with(const char *body, size_t len, const char *boundary,
				const struct gc_multipart_limits *limits)
{
	struct parsed p = { .arena = gc_arena_new(1 << 20) };
	cr_assert_not_null(p.arena);
	p.st = gc_multipart_parse(p.arena, body, len, boundary, limits, &p.fields, &p.n_fields, &p.files, &p.n_files,
				  &p.err);
	return p;
}

static struct parsed parse(const char *body)
{
	struct gc_multipart_limits limits;
	gc_multipart_default_limits(&limits, 1 << 20);
	return parse_with(body, strlen(body), "XyZ", &limits);
}

Test(multipart, boundary_from_content_type)
{
	char b[GC_MULTIPART_MAX_BOUNDARY + 1];
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b)), GC_OK);
	cr_assert_str_eq(b, "abc");
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b'c\"", b, sizeof(b)), GC_OK);
	cr_assert_str_eq(b, "a b'c");
	cr_assert_eq(gc_multipart_boundary("multipart/form-data", b, sizeof(b)), GC_EINVAL);
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), GC_EINVAL);
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; boundary=\"ab \"", b, sizeof(b)), GC_EINVAL);
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; boundary=a;b", b, sizeof(b)), GC_OK);
	cr_assert_str_eq(b, "a"); /* the parameter ends at ';' (the server refused "b" as a parameter already) */
	cr_assert_eq(gc_multipart_boundary("multipart/form-data; boundary=a\"b", b, sizeof(b)), GC_EINVAL);
	char longer[128];
	memset(longer, 'a', sizeof(longer));
	snprintf(longer, sizeof(longer), "multipart/form-data; boundary=%071d", 0);
	cr_assert_eq(gc_multipart_boundary(longer, b, sizeof(b)), GC_EINVAL);
}

Test(multipart, fields_and_files)
{
	const char body[] = "preamble\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
			    "tok\r\n--XyZ\r\n"
			    "content-disposition: FORM-DATA; name=lang\r\n\r\n"
			    "fr\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\dir\\plan.pdf\"\r\n"
			    "Content-Type: application/pdf\r\n\r\n"
			    "%PDF-1.4\r\n--XyZ\r\n\r\n--x\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
			    "line one\r\nline two\r\n--XyZ--\r\nepilogue";
	/* The part with no headers at all is refused: every part needs a Content-Disposition. */
	struct parsed p = parse(body);
	cr_assert_eq(p.st, GC_EHTTP);
	cr_assert_str_eq(p.err.code, "invalid_multipart");
	gc_arena_free(p.arena);

	const char good[] = "preamble\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
			    "tok\r\n--XyZ  \r\n"
			    "content-disposition: FORM-DATA; name=lang\r\n\r\n"
			    "fr\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\dir\\plan.pdf\"\r\n"
			    "Content-Type: application/pdf\r\nX-Other: ignored\r\n\r\n"
			    "%PDF-1.4\r\n\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
			    "line one\r\nline two\r\n--XyZ--\r\nepilogue";
	p = parse(good);
	cr_assert_eq(p.st, GC_OK, "%d %s", p.st, p.err.code);
	cr_assert_eq(p.n_fields, 3);
	cr_assert_str_eq(p.fields[0].name, "csrf_token");
	cr_assert_str_eq(p.fields[0].value, "tok");
	cr_assert_str_eq(p.fields[1].name, "lang");
	cr_assert_str_eq(p.fields[1].value, "fr");
	cr_assert_str_eq(p.fields[2].value, "line one\r\nline two");
	cr_assert_eq(p.n_files, 1);
	cr_assert_str_eq(p.files[0].field, "file");
	cr_assert_str_eq(p.files[0].filename, "plan.pdf");
	cr_assert_str_eq(p.files[0].content_type, "application/pdf");
	cr_assert_eq(p.files[0].len, 10);
	cr_assert(memcmp(p.files[0].data, "%PDF-1.4\r\n", 10) == 0);
	gc_arena_free(p.arena);
}

Test(multipart, filename_star_wins_and_empty_file_inputs_are_absent)
{
	const char body[] = "--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"; "
			    "filename*=UTF-8''%D0%BF%D0%BB%D0%B0%D0%BD.pdf\r\n\r\n"
			    "abc\r\n--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"other\"; filename=\"\"\r\n"
			    "Content-Type: application/octet-stream\r\n\r\n"
			    "\r\n--XyZ--";
	struct parsed p = parse(body);
	cr_assert_eq(p.st, GC_OK);
	cr_assert_eq(p.n_files, 1);
	cr_assert_str_eq(p.files[0].filename, "план.pdf");
	cr_assert_eq(p.n_fields, 0);
	gc_arena_free(p.arena);
}

static void refused(const char *body, int status, const char *code)
{
	struct parsed p = parse(body);
	cr_assert_eq(p.st, GC_EHTTP, "accepted: %s", body);
	cr_assert_eq(p.err.status, status, "%d for %s", p.err.status, body);
	cr_assert_str_eq(p.err.code, code, "%s for %s", p.err.code, body);
	gc_arena_free(p.arena);
}

Test(multipart, malformed_bodies)
{
	refused("", 400, "invalid_multipart");
	refused("--XyZ", 400, "invalid_multipart");
	refused("--XyZ\r\n", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nv\r\n--XyZ--", 400,
		"invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nv\r\n--XyZ--", 400, "invalid_multipart");
	refused("--XyZ\r\nBad Name: x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--", 400,
		"invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=latin1''a.pdf\r\n\r\nv\r\n--XyZ--", 400,
		"invalid_multipart");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%80%AE.pdf\r\n\r\nv\r\n--XyZ--",
		400, "invalid_multipart");
	/* the boundary inside a part's content */
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZabc\r\n--XyZ--", 400,
		"invalid_multipart");
	/* a field that is not acceptable text */
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\x01\r\n--XyZ--", 400, "invalid_encoding");
	refused("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xc0\xaf\r\n--XyZ--", 400, "invalid_encoding");
}

Test(multipart, limits)
{
	struct gc_multipart_limits limits;
	gc_multipart_default_limits(&limits, 4);
	limits.max_parts = 2;
	limits.max_files = 1;
	limits.max_field_bytes = 3;
	limits.max_header_bytes = 80;
	const char *part = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n";
	char body[1024];
	snprintf(body, sizeof(body), "%s%s%s--XyZ--", part, part, part);
	struct parsed p = parse_with(body, strlen(body), "XyZ", &limits);
	cr_assert_eq(p.st, GC_EHTTP);
	cr_assert_str_eq(p.err.code, "too_many_params");
	gc_arena_free(p.arena);

	const char *big_field = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvvvv\r\n--XyZ--";
	p = parse_with(big_field, strlen(big_field), "XyZ", &limits);
	cr_assert_eq(p.err.status, 413);
	gc_arena_free(p.arena);

	const char *big_file = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n12345\r\n--XyZ--";
	p = parse_with(big_file, strlen(big_file), "XyZ", &limits);
	cr_assert_eq(p.err.status, 413);
	gc_arena_free(p.arena);

	const char *two_files = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n1\r\n"
				"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b\"\r\n\r\n2\r\n--XyZ--";
	p = parse_with(two_files, strlen(two_files), "XyZ", &limits);
	cr_assert_eq(p.err.status, 413);
	gc_arena_free(p.arena);

	char long_head[512];
	snprintf(long_head, sizeof(long_head),
		 "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: %0100d\r\n\r\nv\r\n--XyZ--", 0);
	p = parse_with(long_head, strlen(long_head), "XyZ", &limits);
	cr_assert_eq(p.st, GC_EHTTP);
	cr_assert_str_eq(p.err.code, "invalid_multipart");
	gc_arena_free(p.arena);

	/* No file at all where files are not taken. */
	limits.max_files = 0;
	p = parse_with(two_files, strlen(two_files), "XyZ", &limits);
	cr_assert_eq(p.err.status, 413);
	gc_arena_free(p.arena);
}

/* ======================================================================== */
/* The file store and content checks                                         */
/* ======================================================================== */

static const char tiny_pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

Test(files, detect_by_content)
{
	const char *media;
	char detected[128];
	cr_assert_eq(gc_files_detect(tiny_pdf, sizeof(tiny_pdf) - 1, &media, detected, sizeof(detected)), GC_OK);
	cr_assert_str_eq(media, GC_MEDIA_PDF);
	cr_assert_eq(gc_files_detect("just words\n", 11, &media, NULL, 0), GC_OK);
	cr_assert_str_eq(media, GC_MEDIA_TEXT);
	const char html[] = "<!DOCTYPE html><html><body>x</body></html>\n";
	cr_assert_eq(gc_files_detect(html, sizeof(html) - 1, &media, NULL, 0), GC_OK);
	cr_assert_str_eq(media, GC_MEDIA_HTML);
	const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00";
	cr_assert_eq(gc_files_detect(gif, sizeof(gif) - 1, &media, detected, sizeof(detected)), GC_OK);
	cr_assert_null(media);
	cr_assert_str_eq(detected, "image/gif");
	const char elf[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
	cr_assert_eq(gc_files_detect(elf, sizeof(elf) - 1, &media, NULL, 0), GC_OK);
	cr_assert_null(media);
}

Test(files, pdf_active_content)
{
	cr_assert_not(gc_files_pdf_active(tiny_pdf, sizeof(tiny_pdf) - 1));
	const char js[] = "%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (x) >> >>";
	cr_assert(gc_files_pdf_active(js, sizeof(js) - 1));
	const char launch[] = "%PDF-1.4\n<</S/Launch/F(cmd.exe)>>";
	cr_assert(gc_files_pdf_active(launch, sizeof(launch) - 1));
	const char embedded[] = "%PDF-1.4\n<< /EmbeddedFiles 3 0 R >>";
	cr_assert(gc_files_pdf_active(embedded, sizeof(embedded) - 1));
	const char longer_name[] = "%PDF-1.4\n<< /JSON 1 /Launcher 2 >>"; /* other names that start the same */
	cr_assert_not(gc_files_pdf_active(longer_name, sizeof(longer_name) - 1));
}

Test(files, names)
{
	char out[64];
	gc_files_safe_name("report.pdf", out, 40);
	cr_assert_str_eq(out, "report.pdf");
	gc_files_safe_name("../../etc/passwd", out, 40);
	cr_assert_str_eq(out, "passwd");
	gc_files_safe_name("C:\\Users\\x\\a\"b<c>|d.pdf", out, 40);
	cr_assert_str_eq(out, "a_b_c__d.pdf");
	gc_files_safe_name(".hidden", out, 40);
	cr_assert_str_eq(out, "_hidden");
	gc_files_safe_name("evil\xe2\x80\xaetxt.pdf", out, 40); /* U+202E */
	cr_assert_str_eq(out, "evil_txt.pdf");
	gc_files_safe_name("line\r\nbreak.pdf", out, 40);
	cr_assert_str_eq(out, "line__break.pdf");
	gc_files_safe_name("\xff\xfe", out, 40);
	cr_assert_str_eq(out, "file");
	gc_files_safe_name("...", out, 40);
	cr_assert_str_eq(out, "_");
	gc_files_safe_name("", out, 40);
	cr_assert_str_eq(out, "file");
	/* cut on a character boundary, the extension kept */
	gc_files_safe_name("\xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd.pdf", out, 9);
	cr_assert_str_eq(out, "\xd0\xbf\xd0\xbb.pdf");
	cr_assert_str_eq(gc_files_media_of_name("A.PDF"), GC_MEDIA_PDF);
	cr_assert_str_eq(gc_files_media_of_name("a.htm"), GC_MEDIA_HTML);
	cr_assert_null(gc_files_media_of_name("a.exe"));
	cr_assert_null(gc_files_media_of_name("noext"));
}

/* The one upload check every module uses (gc_files_accept). */
Test(files, accept_decides_type_name_and_refusals)
{
	const char *media;
	char name[GC_FILES_MAX_NAME + 1];
	enum gc_files_verdict v;
	const size_t pdf_len = sizeof(tiny_pdf) - 1;

	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "report.pdf", "application/pdf", &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACCEPTED);
	cr_assert_str_eq(media, GC_MEDIA_PDF);
	cr_assert_str_eq(name, "report.pdf");
	/* Parameters, case and spaces of the declared type do not matter; octet-stream and none declare nothing. */
	cr_assert_eq(gc_files_accept("words\n", 6, "notes.TXT", " Text/Plain ; charset=utf-8", &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACCEPTED);
	cr_assert_str_eq(media, GC_MEDIA_TEXT);
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "scan", "application/octet-stream", &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACCEPTED);
	cr_assert_str_eq(name, "scan.pdf", "a name without an extension gets the type's");
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "../../etc/\"x\":y.pdf", NULL, &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACCEPTED);
	cr_assert_str_eq(name, "_x__y.pdf");
	/* The bytes decide: a disagreeing name or declared type is a disguise. */
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "report.txt", NULL, &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_DISGUISED);
	cr_assert_null(media);
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "report.exe", NULL, &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_DISGUISED);
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, "report", "text/html", &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_DISGUISED);
	const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00";
	cr_assert_eq(gc_files_accept(gif, sizeof(gif) - 1, "a.gif", "image/gif", &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_UNSUPPORTED);
	cr_assert_null(media);
	cr_assert_str_eq(name, "");
	const char js[] = "%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (x) >> >>\n%%EOF\n";
	cr_assert_eq(gc_files_accept(js, sizeof(js) - 1, "a.pdf", NULL, &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACTIVE);
	cr_assert_null(media);
	/* A long name is cut with room for the extension. */
	char longname[600];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(gc_files_accept(tiny_pdf, pdf_len, longname, NULL, &media, name, &v), GC_OK);
	cr_assert_eq(v, GC_FILES_ACCEPTED);
	cr_assert_leq(strlen(name), GC_FILES_MAX_NAME);
	cr_assert_str_eq(name + strlen(name) - 4, ".pdf");
}

static char *temp_dir(void)
{
	char *dir = strdup("/tmp/gcscp-unit-files-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

Test(files, put_and_read_back)
{
	cr_assert_eq(gc_random_init(), GC_OK);
	char *dir = temp_dir();
	char sha[GC_SHA256_HEX], again[GC_SHA256_HEX], path[2048];
	cr_assert_eq(gc_files_put(dir, "hello", 5, sha), GC_OK);
	cr_assert_str_eq(sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	cr_assert_eq(gc_files_put(dir, "hello", 5, again), GC_OK);
	cr_assert_str_eq(sha, again);
	cr_assert_eq(gc_files_path(dir, sha, path, sizeof(path)), GC_OK);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	char *bytes = NULL;
	size_t len = 0;
	cr_assert_eq(gc_files_read(dir, sha, 100, &bytes, &len), GC_OK);
	cr_assert_eq(len, 5);
	cr_assert(memcmp(bytes, "hello", 5) == 0);
	free(bytes);
	cr_assert_eq(gc_files_read(dir, sha, 4, &bytes, &len), GC_ETOOBIG);
	int fd = -1;
	cr_assert_eq(gc_files_open(dir, sha, 100, &fd, &len), GC_OK);
	cr_assert_eq(len, 5);
	char back[8] = "";
	cr_assert_eq(pread(fd, back, sizeof(back), 0), 5);
	cr_assert(memcmp(back, "hello", 5) == 0);
	close(fd);
	cr_assert_eq(gc_files_open(dir, sha, 4, &fd, &len), GC_ETOOBIG);
	cr_assert_eq(gc_files_read(dir, "../../etc/passwd", 100, &bytes, &len), GC_EINVAL);
	cr_assert_eq(gc_files_read(dir, "0000000000000000000000000000000000000000000000000000000000000000", 100, &bytes,
				   &len),
		     GC_ENOTFOUND);
	/* A damaged file is never served. */
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("jello", f);
	fclose(f);
	cr_assert_eq(gc_files_read(dir, sha, 100, &bytes, &len), GC_EIO);
	cr_assert_eq(gc_files_open(dir, sha, 100, &fd, &len), GC_EIO);
	char cmd[2100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(dir);
}

/* ======================================================================== */
/* Text extraction                                                           */
/* ======================================================================== */

static void markup(const char *in, bool xml, const char *expected)
{
	char *out = NULL;
	size_t len = 0;
	cr_assert_eq(gc_extract_markup(in, strlen(in), xml, 1000, &out, &len), GC_OK);
	cr_assert_str_eq(out, expected, "got [%s] for [%s]", out, in);
	cr_assert_eq(strlen(out), len);
	free(out);
}

Test(extract, markup)
{
	markup("<p>Hello <b>wor</b>ld</p><p>again</p>", false, "Hello world\nagain");
	markup("<script>var x = '<p>no</p>';</script>yes<style>p{}</style>", false, "yes");
	markup("a<!-- hidden -->b", false, "ab");
	markup("caf&eacute; &amp; th&#233; &#x44E; &bogus; &", false, "caf\xc3\xa9 & th\xc3\xa9 \xd1\x8e &bogus; &");
	markup("&#0; &#x110000; &#xD800;", false, "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd");
	markup("<w:p><w:r><w:t>Hel</w:t></w:r><w:r><w:t>lo</w:t></w:r><w:tab/><w:t>x</w:t></w:p><w:p><w:t>y</w:t></w:p>",
	       true, "Hello x\ny");
	markup("unterminated <tag", false, "unterminated");
	char *out = NULL;
	size_t len = 0;
	/* Cut on a character boundary. */
	cr_assert_eq(gc_extract_markup("\xd0\xbf\xd0\xbf\xd0\xbf", 6, false, 5, &out, &len), GC_OK);
	cr_assert_eq(len, 4);
	free(out);
}

static char *write_temp(const char *data, size_t len)
{
	char *path = strdup("/tmp/gcscp-unit-extract-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(extract, text_html_and_broken_pdf)
{
	struct gc_extract_limits limits;
	gc_extract_default_limits(&limits);
	char err[256], *out = NULL;
	size_t len = 0;
	char *txt = write_temp("plain words\n", 12);
	cr_assert_eq(gc_extract_text(txt, GC_MEDIA_TEXT, &limits, &out, &len, err, sizeof(err)), GC_OK);
	cr_assert_str_eq(out, "plain words\n");
	free(out);
	unlink(txt);
	free(txt);

	char *latin1 = write_temp("caf\xe9\n", 5);
	cr_assert_eq(gc_extract_text(latin1, GC_MEDIA_TEXT, &limits, &out, &len, err, sizeof(err)), GC_EINVAL);
	cr_assert(strstr(err, "UTF-8"));
	unlink(latin1);
	free(latin1);

	char *broken = write_temp("%PDF-1.4\n1 0 obj\n[[[[[[\n", 24);
	gc_status st = gc_extract_text(broken, GC_MEDIA_PDF, &limits, &out, &len, err, sizeof(err));
	if (access("/usr/bin/pdftotext", X_OK) == 0) {
		cr_assert_eq(st, GC_EINVAL, "%d: %s", st, err);
		cr_assert_str_eq(err, "pdftotext could not read the file (exit status 1)");
	} else {
		cr_assert_eq(st, GC_DECLINED);
	}
	cr_assert_null(out);
	unlink(broken);
	free(broken);

	cr_assert_eq(gc_extract_text("/nonexistent/file", GC_MEDIA_TEXT, &limits, &out, &len, err, sizeof(err)), GC_EIO);
	cr_assert_eq(gc_extract_text("/dev/null", "image/png", &limits, &out, &len, err, sizeof(err)), GC_DECLINED);
}

Test(extract, child_limits_apply)
{
	/* A PDF whose reading needs more memory than the child may have fails; the parent does not. */
	struct gc_extract_limits limits;
	gc_extract_default_limits(&limits);
	limits.memory = 8u << 20; /* too little for pdftotext even to start */
	char err[256], *out = NULL;
	size_t len = 0;
	char *pdf = write_temp(tiny_pdf, sizeof(tiny_pdf) - 1);
	if (access("/usr/bin/pdftotext", X_OK) == 0) {
		gc_status st = gc_extract_text(pdf, GC_MEDIA_PDF, &limits, &out, &len, err, sizeof(err));
		cr_assert_neq(st, GC_OK, "pdftotext ran in 8 MiB of address space");
		cr_assert_null(out);
	}
	unlink(pdf);
	free(pdf);
}

/* A PDF without a cross-reference table (pdftotext rebuilds it) with one line of text. */
static const char text_pdf[] =
	"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
	" /Contents 5 0 R >> endobj\n"
	"4 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
	"5 0 obj << /Length 60 >> stream\nBT /F1 12 Tf 72 720 Td (Echidna cooperation framework text) Tj ET\n"
	"endstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

Test(extract, pdf_text_timeout_and_output_cap)
{
	if (access("/usr/bin/pdftotext", X_OK) != 0)
		return;
	struct gc_extract_limits limits;
	gc_extract_default_limits(&limits);
	char err[256], *out = NULL;
	size_t len = 0;
	char *pdf = write_temp(text_pdf, sizeof(text_pdf) - 1);
	cr_assert_eq(gc_extract_text(pdf, GC_MEDIA_PDF, &limits, &out, &len, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert(strstr(out, "Echidna cooperation framework text"), "[%s]", out);
	free(out);

	/* Past its output cap the child is killed and the start kept. */
	limits.max_output = 7;
	cr_assert_eq(gc_extract_text(pdf, GC_MEDIA_PDF, &limits, &out, &len, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_str_eq(out, "Echidna");
	free(out);

	/* Past its time the child is killed: the job fails with the reason. */
	gc_extract_default_limits(&limits);
	limits.timeout_ms = 0;
	cr_assert_eq(gc_extract_text(pdf, GC_MEDIA_PDF, &limits, &out, &len, err, sizeof(err)), GC_ETIMEOUT);
	cr_assert_null(out);
	cr_assert(strstr(err, "pdftotext took longer than"), "%s", err);
	unlink(pdf);
	free(pdf);
}
