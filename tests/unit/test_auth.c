/*
 * Unit tests of the identity-and-access primitives in src/auth/: secrets,
 * the password policy and hashing, TOTP and recovery codes, QR codes and
 * the hash-chained audit log (SECURITY.md A1, A2, L1-L4).
 *
 * The audit tests run on a real SQLite file, and on PostgreSQL too when
 * GCSCP_TEST_PG names a cluster (postgresql://user@127.0.0.1:PORT/postgres):
 * each test then creates a database of its own and drops it afterwards.
 */
/* nftw() for removing the tests' temporary trees. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/password.h"
#include "auth/qr.h"
#include "auth/secrets.h"
#include "auth/totp.h"
#include "base/buf.h"
#include "base/embedded.h"
#include "base/status.h"
#include "base/text.h"
#include "store/migrate.h"
#include "store/store.h"

/* --- helpers ------------------------------------------------------------------ */

static char tmp_root[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_tmp(void)
{
	cr_assert(sodium_init() >= 0);
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/gcscp-test-auth-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

static void remove_tmp(void)
{
	if (tmp_root[0])
		nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp_root[0] = '\0';
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(path, mode), 0);
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* count code points from base + ((i * 7) % span): no run, no repeat, no short period. */
static size_t scattered(char *out, uint32_t base, uint32_t span, size_t count)
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++)
		n += put_utf8(out + n, base + (uint32_t)((i * 7) % span));
	out[n] = '\0';
	return n;
}

/* count pseudo-random lower-case letters and digits (a fixed LCG: reproducible). */
static void random_ascii(char *out, size_t count, uint32_t seed)
{
	static const char set[] = "abcdefghijkmnpqrstuvwxyz23456789";
	for (size_t i = 0; i < count; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = set[(seed >> 16) % (sizeof(set) - 1)];
	}
	out[count] = '\0';
}

static struct gc_secrets test_secrets(unsigned char fill)
{
	struct gc_secrets s;
	for (size_t i = 0; i < GC_SECRET_BYTES; i++) {
		s.pepper[i] = (unsigned char)(fill + i);
		s.totp_key[i] = (unsigned char)(fill * 3 + i);
	}
	return s;
}

/* --- secrets ------------------------------------------------------------------ */

TestSuite(secrets, .init = make_tmp, .fini = remove_tmp);

Test(secrets, created_private_and_reloaded_identically)
{
	char dir[512], path[600], err[512];
	struct gc_secrets *a = NULL, *b = NULL;
	struct stat st;
	static const unsigned char zero[GC_SECRET_BYTES];

	snprintf(dir, sizeof(dir), "%s/secrets", tmp_root);
	cr_assert_eq(gc_secrets_load(dir, &a, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/pepper", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(st.st_size, 32);
	snprintf(path, sizeof(path), "%s/totp.key", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(st.st_size, 32);
	cr_assert_neq(memcmp(a->pepper, zero, 32), 0);
	cr_assert_neq(memcmp(a->pepper, a->totp_key, 32), 0);

	cr_assert_eq(gc_secrets_load(dir, &b, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(memcmp(a->pepper, b->pepper, 32), 0);
	cr_assert_eq(memcmp(a->totp_key, b->totp_key, 32), 0);
	gc_secrets_free(a);
	gc_secrets_free(b);
	gc_secrets_free(NULL);
}

Test(secrets, directory_from_environment_or_data_dir)
{
	char out[256];
	unsetenv(GC_SECRETS_DIR_ENV);
	cr_assert_eq(gc_secrets_dir("/srv/gcscp", out, sizeof(out)), GC_OK);
	cr_assert_str_eq(out, "/srv/gcscp/secrets");
	setenv(GC_SECRETS_DIR_ENV, "/run/keys/gcscp", 1);
	cr_assert_eq(gc_secrets_dir("/srv/gcscp", out, sizeof(out)), GC_OK);
	cr_assert_str_eq(out, "/run/keys/gcscp");
	cr_assert_eq(gc_secrets_dir("/srv/gcscp", out, 8), GC_ETOOBIG);
	unsetenv(GC_SECRETS_DIR_ENV);
}

Test(secrets, refuses_loose_file_permissions)
{
	char dir[512], path[600], err[512];
	struct gc_secrets *s = NULL;

	snprintf(dir, sizeof(dir), "%s/secrets", tmp_root);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_OK, "%s", err);
	gc_secrets_free(s);
	s = NULL;
	snprintf(path, sizeof(path), "%s/pepper", dir);
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	cr_assert_null(s);
	cr_assert_not_null(strstr(err, "0644"), "%s", err);
	cr_assert_not_null(strstr(err, "0600"), "%s", err);
	/* Stricter than 0600 is fine. */
	cr_assert_eq(chmod(path, 0400), 0);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_OK, "%s", err);
	gc_secrets_free(s);
}

Test(secrets, refuses_loose_directory)
{
	char dir[512], err[512];
	struct gc_secrets *s = NULL;

	snprintf(dir, sizeof(dir), "%s/secrets", tmp_root);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	cr_assert_not_null(strstr(err, "0700"), "%s", err);
}

Test(secrets, refuses_wrong_size_links_and_half_pairs)
{
	char dir[512], path[600], other[600], err[512];
	struct gc_secrets *s = NULL;
	unsigned char bytes[40] = { 1 };

	snprintf(dir, sizeof(dir), "%s/secrets", tmp_root);
	cr_assert_eq(mkdir(dir, 0700), 0);

	/* Only one of the two: never silently create the other. */
	snprintf(path, sizeof(path), "%s/pepper", dir);
	write_file(path, bytes, 32, 0600);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	cr_assert_not_null(strstr(err, "totp.key"), "%s", err);
	snprintf(other, sizeof(other), "%s/totp.key", dir);
	cr_assert_eq(access(other, F_OK), -1, "the missing key must not be created");

	/* Wrong sizes. */
	write_file(other, bytes, 31, 0600);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	cr_assert_not_null(strstr(err, "31 bytes"), "%s", err);
	write_file(other, bytes, 40, 0600);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	write_file(other, bytes, 32, 0600);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(s->pepper[0], 1);
	gc_secrets_free(s);
	s = NULL;

	/* A symbolic link, even to a private file, is refused. */
	snprintf(other, sizeof(other), "%s/elsewhere", tmp_root);
	write_file(other, bytes, 32, 0600);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink(other, path), 0);
	cr_assert_eq(gc_secrets_load(dir, &s, err, sizeof(err)), GC_EINVAL);
	cr_assert_not_null(strstr(err, "symbolic link"), "%s", err);
}

/* --- password policy ---------------------------------------------------------- */

static const char *check(const char *pw, size_t len, const char *const *ctx, size_t n_ctx)
{
	const char *reason = NULL;
	gc_status st = gc_password_check(pw, len, ctx, n_ctx, &reason);
	if (st == GC_OK)
		return "ok";
	cr_assert_eq(st, GC_EINVAL, "check failed with %s", gc_status_name(st));
	cr_assert_not_null(reason);
	return reason;
}

static const char *check_s(const char *pw)
{
	return check(pw, strlen(pw), NULL, 0);
}

Test(password_policy, list_loads_and_is_well_formed)
{
	const struct gc_embedded_file *f = gc_embedded_find(GC_PASSWORD_LIST_PATH);
	cr_assert_eq(gc_password_init(), GC_OK);
	cr_assert_gt(gc_password_list_size(), 5000, "list has %zu entries", gc_password_list_size());
	cr_assert_not_null(f);
	/* Every entry is 15+ characters and already lower-case, or it could never match. */
	const char *p = (const char *)f->data, *end = p + f->size;
	size_t lines = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[4200];
		cr_assert_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		cr_assert_geq(gc_utf8_length(line, n), 15, "short entry: %s", line);
		for (size_t i = 0; i < n; i++)
			cr_assert(!(line[i] >= 'A' && line[i] <= 'Z'), "upper case in entry: %s", line);
		lines++;
		p += n + 1;
	}
	cr_assert_eq(lines, gc_password_list_size());
}

Test(password_policy, length_counts_code_points)
{
	char buf[8192];

	cr_assert_str_eq(check_s("vq8#Lm2!rT0pXw"), "password.too_short"); /* 14 */
	cr_assert_str_eq(check_s("vq8#Lm2!rT0pXwz"), "ok");                /* 15 */
	cr_assert_str_eq(check_s(""), "password.too_short");

	/* Arabic: 2 bytes a letter, so 14 letters are 28 bytes and still too short. */
	size_t n = scattered(buf, 0x628, 20, 14);
	cr_assert_eq(n, 28);
	cr_assert_str_eq(check(buf, n, NULL, 0), "password.too_short");
	n = scattered(buf, 0x628, 20, 15);
	cr_assert_str_eq(check(buf, n, NULL, 0), "ok");

	/* Emoji: 4 bytes each. */
	n = scattered(buf, 0x1f600, 40, 14);
	cr_assert_eq(n, 56);
	cr_assert_str_eq(check(buf, n, NULL, 0), "password.too_short");
	n = scattered(buf, 0x1f600, 40, 15);
	cr_assert_str_eq(check(buf, n, NULL, 0), "ok");

	/* Chinese, 3 bytes each. */
	n = scattered(buf, 0x4e00, 50, 15);
	cr_assert_str_eq(check(buf, n, NULL, 0), "ok");
}

Test(password_policy, at_most_1024_characters)
{
	char buf[8192];
	size_t n;

	random_ascii(buf, 1024, 7);
	cr_assert_str_eq(check(buf, 1024, NULL, 0), "ok");
	random_ascii(buf, 1025, 7);
	cr_assert_str_eq(check(buf, 1025, NULL, 0), "password.too_long");

	/* 1,024 Cyrillic letters are 2,048 bytes: the limit is in characters. */
	n = scattered(buf, 0x430, 32, 1024);
	cr_assert_eq(n, 2048);
	cr_assert_str_eq(check(buf, n, NULL, 0), "ok");
	n = scattered(buf, 0x430, 32, 1025);
	cr_assert_str_eq(check(buf, n, NULL, 0), "password.too_long");

	/* 1,024 emoji are 4,096 bytes, the most accepted. */
	n = scattered(buf, 0x1f600, 40, 1024);
	cr_assert_eq(n, GC_PASSWORD_MAX_BYTES);
	cr_assert_str_eq(check(buf, n, NULL, 0), "ok");
	n = scattered(buf, 0x1f600, 40, 1025);
	cr_assert_str_eq(check(buf, n, NULL, 0), "password.too_long");
}

Test(password_policy, invalid_text_refused)
{
#define BAD(literal) { literal, sizeof(literal) - 1 }
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		BAD("valid-looking-\xff-password"),
		BAD("overlong-\xc0\xaf-slash-password"),
		BAD("surrogate-\xed\xa0\x80-password-here"),
		BAD("truncated-sequence-at-end\xe2\x82"),
		BAD("nul-inside\0-this-long-password"),
		BAD("control-\x01-character-password"),
		BAD("escape-\x1b[31m-colour-password"),
		BAD("tab\tinside-this-long-password"),
		BAD("line\nbreak-inside-this-password"),
		BAD("carriage\rreturn-inside-password"),
		BAD("del-\x7f-character-in-password"),
		BAD("c1-\xc2\x85-next-line-in-password"),
		BAD("bidi-\xe2\x80\xae-override-in-password"),
		BAD("bidi-\xe2\x81\xa6-isolate-in-password"),
	};
#undef BAD
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++)
		cr_assert_str_eq(check(bad[i].s, bad[i].n, NULL, 0), "password.invalid", "case %zu", i);
}

Test(password_policy, common_list_hits_ignore_case_and_separators)
{
	static const char *const common[] = {
		"passwordpassword",
		"PasswordPassword",
		"PASSWORDPASSWORD",
		"iloveyouiloveyou",
		"correcthorsebatterystaple",
		"Correct Horse Battery Staple",
		"correct-horse-battery-staple",
		"manchesterunited",
		"ManchesterUnited2024!",
		"2024manchesterunited",
		"1qaz2wsx3edc4rfv",
		"1qaz@WSX3edc$RFV",
		"!QAZ@WSX#EDC$RFV",
		"unitednations2024",
		"UnitedNations2025!",
		"ministryofforeignaffairs",
		"thequickbrownfoxjumpsoverthelazydog",
		"sunshinesunshine",
		"letmeinletmein123",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(common); i++)
		cr_assert_str_eq(check_s(common[i]), "password.common", "%s", common[i]);
}

Test(password_policy, trivial_patterns_refused)
{
	static const char *const trivial[] = {
		"aaaaaaaaaaaaaaa",
		"ZZZZZZZZZZZZZZZZZZZZ",
		"123456789012345",
		"1234567890123456789",
		"987654321098765",
		"abcdefghijklmnop",
		"ABCDEFGHIJKLMNOPQRS",
		"zyxwvutsrqponmlk",
		"acegikmoqsuwyac",
		"abcabcabcabcabcabc",
		"xyz1xyz1xyz1xyz1",
		"1111122222333334",
		"qwertyuiopasdfg",
		"QWERTYUIOPASDFGHJKL",
		"mnbvcxzlkjhgfdsa",
		"asdfghjkl;'zxcvbnm",
		"azertyuiopqsdfghjklm",
		"1234 5678 9012 345",
		"a-b-c-d-e-f-g-h-i-j-k-l",
		"\xd0\x99\xd0\xa6\xd0\xa3\xd0\x9a\xd0\x95\xd0\x9d\xd0\x93\xd0\xa8\xd0\xa9\xd0\x97\xd0\xa5\xd0\xaa"
		"\xd0\xa4\xd0\xab\xd0\x92", /* ЙЦУКЕНГШЩЗХЪФЫВ */
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(trivial); i++)
		cr_assert_str_eq(check_s(trivial[i]), "password.common", "%s", trivial[i]);

	/* One character 15 times in a non-Latin script too. */
	char buf[64];
	size_t n = 0;
	for (int i = 0; i < 15; i++)
		n += put_utf8(buf + n, 0x5bc6);
	cr_assert_str_eq(check(buf, n, NULL, 0), "password.common");
}

Test(password_policy, context_words)
{
	const char *ctx[] = { "Ministry of Foreign Affairs of Estonia", "jane.doe@mfa.example.org", NULL, "UN" };

	/* Always refused: the portal's own words. */
	cr_assert_str_eq(check_s("my gcscp account is great"), "password.context");
	cr_assert_str_eq(check_s("GCSCP-is-where-i-work-now"), "password.context");
	cr_assert_str_eq(check_s("i like Cyber policy work a lot"), "password.context");
	/* The organisation's name, whole or by word, in any case. */
	cr_assert_str_eq(check("ministry of foreign affairs of estonia", 38, ctx, 4), "password.context");
	cr_assert_str_eq(check("sunny tallinn estonia evenings", 30, ctx, 4), "password.context");
	cr_assert_str_eq(check("AFFAIRS of the heart are complex", 32, ctx, 4), "password.context");
	/* The e-mail's local part, whole or by word; its domain is not a context word. */
	cr_assert_str_eq(check("jane.doe likes long walks", 25, ctx, 4), "password.context");
	cr_assert_str_eq(check("JaneDoeLikesLongWalks", 21, ctx, 4), "password.context");
	cr_assert_str_eq(check("hello jane my old friend", 24, ctx, 4), "password.context");
	/* Short parts joined: "jo.li" is "joli". */
	const char *jo[] = { "jo.li@example.org" };
	cr_assert_str_eq(check("my nickname is joli since 1990", 30, jo, 1), "password.context");
	/* Words under 4 characters do not count: "doe", "of", "un", "mfa". */
	cr_assert_str_eq(check("a doe ran through the forest", 28, ctx, 4), "ok");
	cr_assert_str_eq(check("unusual tune in june 99", 23, ctx, 4), "ok");
	cr_assert_str_eq(check("mfa staff walk dogs daily", 25, ctx, 4), "ok");
	/* Without the context, the same passwords are fine. */
	cr_assert_str_eq(check_s("sunny tallinn estonia evenings"), "ok");
	cr_assert_str_eq(check_s("hello jane my old friend"), "ok");

	/* Case-insensitive beyond ASCII: Cyrillic and accented Latin. */
	const char *ru[] = { "\xd0\x9c\xd0\xb8\xd0\xbd\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd1\x80\xd1\x81\xd1\x82\xd0\xb2"
			     "\xd0\xbe" }; /* Министерство */
	const char *pw_ru = "\xd0\xbc\xd0\xb8\xd0\xbd\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd1\x80\xd1\x81\xd1\x82\xd0\xb2"
			    "\xd0\xbe \xd0\xb8 \xd1\x8f 2024 zz"; /* министерство и я 2024 zz */
	cr_assert_str_eq(check(pw_ru, strlen(pw_ru), ru, 1), "password.context");
	cr_assert_str_eq(check(pw_ru, strlen(pw_ru), NULL, 0), "ok");
	const char *fr[] = { "R\xc3\xa9publique Fran\xc3\xa7" "aise" };
	const char *pw_fr = "vive la R\xc3\x89PUBLIQUE et ses lois";
	cr_assert_str_eq(check(pw_fr, strlen(pw_fr), fr, 1), "password.context");
}

Test(password_policy, good_passphrases_accepted)
{
	static const char *const good[] = {
		"purple elephants dance at midnight",
		"Tr0ub4dor&3 is not long enough",
		"vq8#Lm2!rT0pXwz",
		"my cat's name was Biscuit in 1998",
		"les fleurs du jardin de ma tante",
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(good); i++)
		cr_assert_str_eq(check_s(good[i]), "ok", "%s", good[i]);
}

/* --- password hashing --------------------------------------------------------- */

Test(password_hash, hash_verify_and_wrong_password)
{
	struct gc_secrets s = test_secrets(1);
	char h1[GC_PASSWORD_HASH_SIZE], h2[GC_PASSWORD_HASH_SIZE];
	const char *pw = "purple elephants dance at midnight";

	cr_assert(sodium_init() >= 0);
	cr_assert_eq(gc_password_hash(&s, pw, strlen(pw), GC_PASSWORD_COST_MIN, h1), GC_OK);
	cr_assert_eq(strncmp(h1, "$argon2id$", 10), 0, "%s", h1);
	cr_assert_null(strstr(h1, pw));
	cr_assert_eq(gc_password_verify(&s, h1, pw, strlen(pw)), GC_OK);
	cr_assert_eq(gc_password_verify(&s, h1, "purple elephants dance at midnighT", strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, h1, pw, strlen(pw) - 1), GC_EINVAL);
	/* A fresh salt every time. */
	cr_assert_eq(gc_password_hash(&s, pw, strlen(pw), GC_PASSWORD_COST_MIN, h2), GC_OK);
	cr_assert_str_neq(h1, h2);
	cr_assert_eq(gc_password_verify(&s, h2, pw, strlen(pw)), GC_OK);
	/* Garbage and foreign schemes are refused, not crashed on. */
	cr_assert_eq(gc_password_verify(&s, "", pw, strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", pw, strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, "$2y$10$abcdefghijklmnopqrstuu", pw, strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, NULL, pw, strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_hash(&s, "", 0, GC_PASSWORD_COST_MIN, h2), GC_EINVAL);
}

Test(password_hash, wrong_pepper_fails)
{
	struct gc_secrets s = test_secrets(1), other = test_secrets(2);
	char h[GC_PASSWORD_HASH_SIZE];
	const char *pw = "purple elephants dance at midnight";

	cr_assert(sodium_init() >= 0);
	cr_assert_eq(gc_password_hash(&s, pw, strlen(pw), GC_PASSWORD_COST_MIN, h), GC_OK);
	cr_assert_eq(gc_password_verify(&other, h, pw, strlen(pw)), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, h, pw, strlen(pw)), GC_OK);
}

Test(password_hash, never_truncated)
{
	struct gc_secrets s = test_secrets(1);
	char a[1001], b[1001], big[GC_PASSWORD_MAX_BYTES + 2];
	char ha[GC_PASSWORD_HASH_SIZE], hb[GC_PASSWORD_HASH_SIZE], hbig[GC_PASSWORD_HASH_SIZE];

	cr_assert(sodium_init() >= 0);
	random_ascii(a, 1000, 99);
	memcpy(b, a, sizeof(a));
	b[999] = a[999] == 'x' ? 'y' : 'x';
	cr_assert_eq(gc_password_hash(&s, a, 1000, GC_PASSWORD_COST_MIN, ha), GC_OK);
	cr_assert_eq(gc_password_hash(&s, b, 1000, GC_PASSWORD_COST_MIN, hb), GC_OK);
	cr_assert_eq(gc_password_verify(&s, ha, a, 1000), GC_OK);
	cr_assert_eq(gc_password_verify(&s, hb, b, 1000), GC_OK);
	cr_assert_eq(gc_password_verify(&s, ha, b, 1000), GC_EINVAL);
	cr_assert_eq(gc_password_verify(&s, hb, a, 1000), GC_EINVAL);
	/* A byte past the longest accepted password is refused, not cut off. */
	size_t n = scattered(big, 0x1f600, 40, 1024);
	cr_assert_eq(n, GC_PASSWORD_MAX_BYTES);
	cr_assert_eq(gc_password_hash(&s, big, n, GC_PASSWORD_COST_MIN, hbig), GC_OK);
	cr_assert_eq(gc_password_verify(&s, hbig, big, n), GC_OK);
	cr_assert_eq(gc_password_verify(&s, hbig, big, n - 4), GC_EINVAL);
	big[n] = 'x';
	cr_assert_eq(gc_password_hash(&s, big, n + 1, GC_PASSWORD_COST_MIN, hbig), GC_ETOOBIG);
}

Test(password_hash, default_cost_and_rehash)
{
	struct gc_secrets s = test_secrets(3);
	char h[GC_PASSWORD_HASH_SIZE];
	const char *pw = "les fleurs du jardin de ma tante";

	cr_assert(sodium_init() >= 0);
	cr_assert_eq(gc_password_hash(&s, pw, strlen(pw), GC_PASSWORD_COST_INTERACTIVE, h), GC_OK);
	cr_assert_not_null(strstr(h, "m=65536,t=2,p=1"), "%s", h);
	cr_assert_eq(gc_password_verify(&s, h, pw, strlen(pw)), GC_OK);
	cr_assert_not(gc_password_needs_rehash(h, GC_PASSWORD_COST_INTERACTIVE));
	cr_assert(gc_password_needs_rehash(h, GC_PASSWORD_COST_MODERATE));
	cr_assert(gc_password_needs_rehash(h, GC_PASSWORD_COST_MIN));
	cr_assert(gc_password_needs_rehash("not a hash", GC_PASSWORD_COST_INTERACTIVE));
	cr_assert(gc_password_needs_rehash(NULL, GC_PASSWORD_COST_INTERACTIVE));
}

/* --- TOTP ----------------------------------------------------------------------- */

static const unsigned char rfc_secret[20] = "12345678901234567890";

Test(totp, rfc6238_sha1_vectors)
{
	static const struct {
		int64_t t;
		const char *code8;
	} vectors[] = {
		{ 59, "94287082" },         { 1111111109, "07081804" }, { 1111111111, "14050471" },
		{ 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
	};
	char out[9];
	for (size_t i = 0; i < GC_ARRAY_LEN(vectors); i++) {
		cr_assert_eq(gc_totp_code(rfc_secret, 20, vectors[i].t, 8, out), GC_OK);
		cr_assert_str_eq(out, vectors[i].code8, "T=%lld", (long long)vectors[i].t);
		/* Six digits are the same value modulo 10^6: the last six. */
		cr_assert_eq(gc_totp_code(rfc_secret, 20, vectors[i].t, 6, out), GC_OK);
		cr_assert_str_eq(out, vectors[i].code8 + 2, "T=%lld", (long long)vectors[i].t);
	}
	cr_assert_eq(gc_totp_code(rfc_secret, 20, 59, 5, out), GC_EINVAL);
	cr_assert_eq(gc_totp_code(rfc_secret, 20, -1, 6, out), GC_EINVAL);
}

Test(totp, window_of_one_step_and_replay)
{
	int64_t step = -1;

	/* T=59 is step 1, whose code is 287082. */
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 59, 0, &step), GC_OK);
	cr_assert_eq(step, 1);
	/* The same code again: a replay, refused even inside its window. */
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 59, 1, &step), GC_ECONFLICT);
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 75, 1, &step), GC_ECONFLICT);
	/* One step late and one step early are accepted... */
	step = -1;
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 60 + 29, 0, &step), GC_OK);
	cr_assert_eq(step, 1);
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 0, 0, &step), GC_OK);
	cr_assert_eq(step, 1);
	/* ...two are not. */
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 90, 0, &step), GC_EINVAL);
	cr_assert_eq(gc_totp_verify(rfc_secret, "287082", 1111111109, 0, &step), GC_EINVAL);

	/* A later code after an accepted one works once. */
	char code[7];
	cr_assert_eq(gc_totp_code(rfc_secret, 20, 1111111111, 6, code), GC_OK);
	cr_assert_str_eq(code, "050471");
	cr_assert_eq(gc_totp_verify(rfc_secret, code, 1111111111, 1, &step), GC_OK);
	cr_assert_eq(step, 1111111111 / 30);
	cr_assert_eq(gc_totp_verify(rfc_secret, code, 1111111111, step, &step), GC_ECONFLICT);
	/* Stepping back to the previous step's code after a later one is also refused. */
	char prev[7];
	cr_assert_eq(gc_totp_code(rfc_secret, 20, 1111111111 - 30, 6, prev), GC_OK);
	cr_assert_eq(gc_totp_verify(rfc_secret, prev, 1111111111, 1111111111 / 30, &step), GC_ECONFLICT);
	cr_assert_eq(gc_totp_verify(rfc_secret, "000000", 1111111111, 0, &step), GC_EINVAL);
}

Test(totp, malformed_codes)
{
	int64_t step;
	static const char *const bad[] = { "", "28708", "2870822", "28708a", " 287082", "287 082", "２８７０８２" };
	for (size_t i = 0; i < GC_ARRAY_LEN(bad); i++)
		cr_assert_eq(gc_totp_verify(rfc_secret, bad[i], 59, 0, &step), GC_EINVAL, "%s", bad[i]);
	cr_assert_eq(gc_totp_verify(rfc_secret, NULL, 59, 0, &step), GC_EINVAL);
}

Test(totp, base32_and_uri)
{
	char b32[GC_TOTP_BASE32_SIZE];
	struct gc_buf b;

	gc_totp_base32(rfc_secret, b32);
	cr_assert_str_eq(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

	gc_buf_init(&b, 4096);
	cr_assert_eq(gc_totp_uri(rfc_secret, "jane.doe+gcscp@example.org", &b), GC_OK);
	cr_assert_str_eq(gc_buf_str(&b), "otpauth://totp/GCSCP:jane.doe%2Bgcscp%40example.org"
					 "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GCSCP&algorithm=SHA1"
					 "&digits=6&period=30");
	gc_buf_reset(&b);
	/* Characters that would end the label early are encoded. */
	cr_assert_eq(gc_totp_uri(rfc_secret, "a/b?c#d:e&f=g h@x.org", &b), GC_OK);
	cr_assert_not_null(strstr(gc_buf_str(&b), "GCSCP:a%2Fb%3Fc%23d%3Ae%26f%3Dg%20h%40x.org?secret="));
	gc_buf_reset(&b);
	cr_assert_eq(gc_totp_uri(rfc_secret, "evil\r\nheader@x.org", &b), GC_EINVAL);
	cr_assert_eq(gc_totp_uri(rfc_secret, "", &b), GC_EINVAL);
	gc_buf_free(&b);

	/* New secrets are 20 random bytes, different each time. */
	unsigned char s1[20], s2[20];
	cr_assert(sodium_init() >= 0);
	gc_totp_new_secret(s1);
	gc_totp_new_secret(s2);
	cr_assert_neq(memcmp(s1, s2, 20), 0);
}

Test(totp, sealed_round_trip_and_tamper)
{
	struct gc_secrets s = test_secrets(5), other = test_secrets(6);
	char sealed[GC_TOTP_SEALED_SIZE], sealed2[GC_TOTP_SEALED_SIZE], copy[GC_TOTP_SEALED_SIZE];
	unsigned char out[20];

	cr_assert(sodium_init() >= 0);
	cr_assert_eq(gc_totp_seal(&s, rfc_secret, sealed), GC_OK);
	cr_assert_eq(strlen(sealed), 84);
	cr_assert_eq(gc_totp_open(&s, sealed, out), GC_OK);
	cr_assert_eq(memcmp(out, rfc_secret, 20), 0);
	/* A random nonce each time: the same seed never seals to the same text. */
	cr_assert_eq(gc_totp_seal(&s, rfc_secret, sealed2), GC_OK);
	cr_assert_str_neq(sealed, sealed2);
	/* Another key cannot open it. */
	cr_assert_eq(gc_totp_open(&other, sealed, out), GC_EINVAL);
	/* Any single changed character is detected. */
	for (size_t i = 0; i < 84; i++) {
		memcpy(copy, sealed, sizeof(copy));
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		if (copy[i] == sealed[i])
			continue;
		cr_assert_eq(gc_totp_open(&s, copy, out), GC_EINVAL, "position %zu", i);
	}
	/* Truncated, extended, empty. */
	memcpy(copy, sealed, sizeof(copy));
	copy[80] = '\0';
	cr_assert_eq(gc_totp_open(&s, copy, out), GC_EINVAL);
	cr_assert_eq(gc_totp_open(&s, "", out), GC_EINVAL);
	char longer[100];
	snprintf(longer, sizeof(longer), "%sAAAA", sealed);
	cr_assert_eq(gc_totp_open(&s, longer, out), GC_EINVAL);
	/* An unknown version byte (0x02 instead of 0x01) is refused. */
	unsigned char raw[61];
	size_t len;
	cr_assert_eq(sodium_base642bin(raw, sizeof(raw), sealed, 84, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	raw[0] = 2;
	sodium_bin2base64(copy, sizeof(copy), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	cr_assert_eq(gc_totp_open(&s, copy, out), GC_EINVAL);
}

/* --- recovery codes ------------------------------------------------------------ */

Test(recovery, format_alphabet_and_distinct)
{
	struct gc_secrets s = test_secrets(7);
	struct gc_recovery_codes codes;

	cr_assert(sodium_init() >= 0);
	gc_recovery_generate(&s, &codes);
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++) {
		const char *c = codes.plain[i];
		cr_assert_eq(strlen(c), 12, "%s", c);
		cr_assert_eq(c[4], '-');
		cr_assert_eq(c[9], '-');
		for (size_t k = 0; k < 12; k++) {
			if (k == 4 || k == 9)
				continue;
			cr_assert_not_null(strchr(GC_RECOVERY_ALPHABET, c[k]), "%s", c);
			cr_assert(!strchr("01loO", c[k]), "look-alike in %s", c);
		}
		cr_assert_eq(strlen(codes.hash[i]), 64);
		cr_assert_null(strstr(codes.hash[i], c));
		for (size_t j = 0; j < i; j++) {
			cr_assert_str_neq(codes.plain[i], codes.plain[j]);
			cr_assert_str_neq(codes.hash[i], codes.hash[j]);
		}
	}
	/* 32 symbols: 5 bits each, 50 bits a code (the header's reasoning). */
	cr_assert_eq(strlen(GC_RECOVERY_ALPHABET), 32);
	gc_recovery_codes_wipe(&codes);
	cr_assert_eq(codes.plain[0][0], '\0');
	gc_recovery_codes_wipe(NULL);
}

Test(recovery, single_use_when_marked)
{
	struct gc_secrets s = test_secrets(7), other = test_secrets(8);
	struct gc_recovery_codes codes;
	const char *stored[GC_RECOVERY_CODE_COUNT];
	size_t index = 99;

	cr_assert(sodium_init() >= 0);
	gc_recovery_generate(&s, &codes);
	for (size_t i = 0; i < GC_RECOVERY_CODE_COUNT; i++)
		stored[i] = codes.hash[i];

	cr_assert_eq(gc_recovery_verify(&s, codes.plain[3], stored, GC_RECOVERY_CODE_COUNT, &index), GC_OK);
	cr_assert_eq(index, 3);
	/* The caller marks it used: it never works again. */
	stored[index] = NULL;
	cr_assert_eq(gc_recovery_verify(&s, codes.plain[3], stored, GC_RECOVERY_CODE_COUNT, &index), GC_ENOTFOUND);
	/* The others still do, typed any way. */
	char typed[32];
	snprintf(typed, sizeof(typed), "%s", codes.plain[7]);
	for (char *p = typed; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	typed[4] = ' ';
	cr_assert_eq(gc_recovery_verify(&s, typed, stored, GC_RECOVERY_CODE_COUNT, &index), GC_OK, "%s", typed);
	cr_assert_eq(index, 7);
	char bare[16];
	memcpy(bare, codes.plain[0], 4);
	memcpy(bare + 4, codes.plain[0] + 5, 4);
	memcpy(bare + 8, codes.plain[0] + 10, 2);
	bare[10] = '\0';
	cr_assert_eq(gc_recovery_verify(&s, bare, stored, GC_RECOVERY_CODE_COUNT, &index), GC_OK);
	cr_assert_eq(index, 0);
	/* Another pepper finds nothing: the hashes are keyed. */
	cr_assert_eq(gc_recovery_verify(&other, codes.plain[1], stored, GC_RECOVERY_CODE_COUNT, &index), GC_ENOTFOUND);
	/* Malformed input. */
	cr_assert_eq(gc_recovery_verify(&s, "k7qf-m2xr-9", stored, 10, &index), GC_EINVAL);
	cr_assert_eq(gc_recovery_verify(&s, "k7qf-m2xr-9pp", stored, 10, &index), GC_EINVAL);
	cr_assert_eq(gc_recovery_verify(&s, "k7qf-m2xr-0p", stored, 10, &index), GC_EINVAL);
	cr_assert_eq(gc_recovery_verify(&s, "k7qf-m2xr-lp", stored, 10, &index), GC_EINVAL);
	cr_assert_eq(gc_recovery_verify(&s, "", stored, 10, &index), GC_EINVAL);
	/* A right-format wrong code. */
	cr_assert_eq(gc_recovery_verify(&s, "2222-2222-22", stored, 10, &index), GC_ENOTFOUND);
	gc_recovery_codes_wipe(&codes);
}

/* --- QR ------------------------------------------------------------------------------- */

/* Counts non-overlapping occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
		n++;
	return n;
}

/*
 * A small well-formedness check for the SVG: tags nest and close, attribute
 * values are quoted and hold no '<' or raw quote, no text between tags.
 */
static void assert_well_formed(const char *svg)
{
	const char *stack[8];
	size_t depth = 0;
	const char *p = svg;
	while (*p) {
		cr_assert_eq(*p, '<', "text outside tags at %.20s", p);
		const char *end = strchr(p, '>');
		cr_assert_not_null(end);
		bool closing = p[1] == '/';
		bool self = end[-1] == '/';
		const char *name = p + (closing ? 2 : 1);
		size_t name_len = strcspn(name, " />");
		if (closing) {
			cr_assert_gt(depth, 0);
			depth--;
			cr_assert_eq(strncmp(stack[depth], name, name_len), 0);
		} else {
			/* Attributes: name="value" pairs. */
			const char *a = name + name_len;
			while (a < end - (self ? 1 : 0)) {
				cr_assert_eq(*a, ' ', "at %.30s", a);
				a++;
				const char *eq = strchr(a, '=');
				cr_assert(eq && eq < end);
				for (const char *c = a; c < eq; c++)
					cr_assert((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-',
						  "attribute name at %.30s", a);
				/* No event handler attributes (onload=...). */
				cr_assert(!(a[0] == 'o' && a[1] == 'n'), "event handler at %.30s", a);
				cr_assert_eq(eq[1], '"');
				const char *close = strchr(eq + 2, '"');
				cr_assert(close && close < end);
				for (const char *c = eq + 2; c < close; c++)
					cr_assert(*c != '<' && *c != '>', "raw markup in attribute");
				a = close + 1;
			}
			if (!self) {
				cr_assert_lt(depth, 8);
				stack[depth++] = name;
			}
		}
		p = end + 1;
	}
	cr_assert_eq(depth, 0);
}

Test(qr, svg_is_well_formed_and_matches_the_symbol)
{
	struct gc_buf uri, svg;
	const char *label = "Scan \"this\" <code> & go 'now'";

	gc_buf_init(&uri, 4096);
	gc_buf_init(&svg, 1 << 20);
	cr_assert_eq(gc_totp_uri(rfc_secret, "jane.doe@example.org", &uri), GC_OK);
	cr_assert_eq(gc_qr_svg(&svg, gc_buf_str(&uri), label), GC_OK);
	const char *s = gc_buf_str(&svg);

	cr_assert_eq(strncmp(s, "<svg ", 5), 0);
	cr_assert_eq(strcmp(s + svg.len - 6, "</svg>"), 0);
	cr_assert_eq(count_of(s, "<svg"), 1);
	cr_assert_eq(count_of(s, "<path"), 1);
	cr_assert_eq(count_of(s, "<rect"), 1);
	cr_assert_eq(count_of(s, "style"), 0);
	cr_assert_eq(count_of(s, "script"), 0);
	cr_assert_not_null(strstr(s, " role=\"img\""));
	cr_assert_not_null(strstr(s, " aria-label=\"Scan &quot;this&quot; &lt;code&gt; &amp; go &#39;now&#39;\""), "%s",
			   s);
	assert_well_formed(s);

	/* Redraw the modules from the path and compare with libqrencode's symbol. */
	QRcode *qr = QRcode_encodeString(gc_buf_str(&uri), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	cr_assert_not_null(qr);
	int size = qr->width + 8;
	char view[64];
	snprintf(view, sizeof(view), "viewBox=\"0 0 %d %d\"", size, size);
	cr_assert_not_null(strstr(s, view));
	unsigned char *drawn = calloc((size_t)(qr->width * qr->width), 1);
	cr_assert_not_null(drawn);
	const char *d = strstr(s, " d=\"");
	cr_assert_not_null(d);
	d += 4;
	while (*d != '"') {
		int x, y, w, w2, used = 0;
		cr_assert_eq(sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &w, &w2, &used), 4, "at %.30s", d);
		cr_assert_eq(w, w2);
		cr_assert_geq(x, 4);
		cr_assert_geq(y, 4);
		cr_assert_leq(x - 4 + w, qr->width);
		cr_assert_lt(y - 4, qr->width);
		for (int k = 0; k < w; k++) {
			cr_assert_eq(drawn[(y - 4) * qr->width + x - 4 + k], 0, "module drawn twice");
			drawn[(y - 4) * qr->width + x - 4 + k] = 1;
		}
		d += used;
	}
	for (int i = 0; i < qr->width * qr->width; i++)
		cr_assert_eq(drawn[i], qr->data[i] & 1, "module %d", i);
	free(drawn);
	QRcode_free(qr);
	gc_buf_free(&uri);
	gc_buf_free(&svg);
}

Test(qr, refusals)
{
	struct gc_buf svg;
	char big[3001];

	gc_buf_init(&svg, 1 << 20);
	memset(big, 'x', 3000);
	big[3000] = '\0';
	cr_assert_eq(gc_qr_svg(&svg, big, "label"), GC_ETOOBIG);
	gc_buf_reset(&svg);
	cr_assert_eq(gc_qr_svg(&svg, "otpauth://totp/x", ""), GC_EINVAL);
	cr_assert_eq(gc_qr_svg(&svg, "otpauth://totp/x", "bad\nlabel"), GC_EINVAL);
	cr_assert_eq(gc_qr_svg(&svg, "", "label"), GC_EINVAL);
	gc_buf_free(&svg);
	/* A buffer too small for the drawing reports its limit. */
	gc_buf_init(&svg, 100);
	cr_assert_eq(gc_qr_svg(&svg, "otpauth://totp/x", "label"), GC_ETOOBIG);
	gc_buf_free(&svg);
}

/* --- audit log ------------------------------------------------------------------- */

enum engine { SQLITE, POSTGRES };

static struct {
	struct gc_pool *pool;
	struct gc_db *db;
	char admin_url[512];
	char db_name[64];
} fx;

/* The URL of the same server with another database name. */
static void url_with_db(const char *url, const char *name, char *out, size_t size)
{
	const char *hostpart = strstr(url, "://");
	cr_assert_not_null(hostpart);
	const char *slash = strchr(hostpart + 3, '/');
	const char *query = strchr(hostpart + 3, '?');
	size_t prefix = slash ? (size_t)(slash - url) : query ? (size_t)(query - url) : strlen(url);
	snprintf(out, size, "%.*s/%s%s", (int)prefix, url, name, query ? query : "");
}

static void admin_script(const char *sql)
{
	struct gc_pool *admin = NULL;
	struct gc_db *db = NULL;
	char err[512];
	cr_assert_eq(gc_pool_open(fx.admin_url, tmp_root, 1, &admin, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(admin, 5000, &db), GC_OK);
	gc_status st = gc_db_exec_script(db, sql);
	cr_assert_eq(st, GC_OK, "%s: %s", sql, gc_db_errmsg(db));
	gc_pool_release(admin, db);
	gc_pool_close(admin);
}

/* Opens a fresh, migrated database; false when the engine is not available. */
static bool open_audit_db(enum engine engine, unsigned pool_size)
{
	char url[1024], err[512];

	memset(&fx, 0, sizeof(fx));
	if (engine == SQLITE) {
		snprintf(url, sizeof(url), "sqlite:%s/audit.db", tmp_root);
	} else {
		const char *admin = getenv("GCSCP_TEST_PG");
		if (!admin || !admin[0])
			return false;
		snprintf(fx.admin_url, sizeof(fx.admin_url), "%s", admin);
		/* The name is ours (process id and a random number), never input. */
		snprintf(fx.db_name, sizeof(fx.db_name), "gcscp_test_auth_%ld_%u", (long)getpid(), randombytes_random());
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx.db_name);
		admin_script(sql);
		url_with_db(admin, fx.db_name, url, sizeof(url));
	}
	cr_assert_eq(gc_pool_open(url, tmp_root, pool_size, &fx.pool, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(gc_pool_acquire(fx.pool, 5000, &fx.db), GC_OK);
	cr_assert_eq(gc_migrate_component(fx.db, GC_AUDIT_COMPONENT, gc_audit_migrations, GC_AUDIT_MIGRATION_COUNT,
					  err, sizeof(err)),
		     GC_OK, "%s", err);
	return true;
}

static void close_audit_db(void)
{
	if (fx.db)
		gc_pool_release(fx.pool, fx.db);
	gc_pool_close(fx.pool);
	fx.db = NULL;
	fx.pool = NULL;
	if (fx.db_name[0]) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx.db_name);
		admin_script(sql);
		fx.db_name[0] = '\0';
	}
}

static void audit_fini(void)
{
	close_audit_db();
	remove_tmp();
}

static gc_status append_one(struct gc_db *db, int i)
{
	static const char *const actions[] = { "login.success", "item.create", "item.edit", "login.failure",
					       "visibility.change" };
	json_t *detail = NULL;
	char target[32], ip[64];
	int64_t id = 0;
	gc_status st;

	snprintf(target, sizeof(target), "item-%d", i * 3);
	if (i % 2)
		snprintf(ip, sizeof(ip), "192.0.2.%d", i % 250);
	else
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
	if (i % 5)
		detail = json_pack("{s:i, s:[s, s], s:s}", "n", i, "fields", "title", "body", "visibility", "public");
	struct gc_audit_entry e = {
		.action = actions[i % 5],
		.actor_user = i % 4 ? i % 7 + 1 : 0,
		.actor_org = i % 3 ? 100 + i % 11 : 0,
		.client_ip = i % 6 ? ip : NULL,
		.target_type = i % 4 ? "item" : NULL,
		.target_id = i % 4 ? target : NULL,
		.detail = detail,
	};
	st = gc_db_begin_write(db);
	if (st == GC_OK)
		st = gc_audit_append(db, &e, &id);
	if (st == GC_OK)
		st = gc_db_commit(db);
	if (st != GC_OK)
		gc_db_rollback(db);
	json_decref(detail);
	return st;
}

static void fill(int n)
{
	for (int i = 1; i <= n; i++)
		cr_assert_eq(append_one(fx.db, i), GC_OK, "append %d: %s", i, gc_db_errmsg(fx.db));
}

static void expect_clean(void)
{
	int64_t bad = -1;
	char err[512] = "";
	cr_assert_eq(gc_audit_verify(fx.db, &bad, err, sizeof(err)), GC_OK, "%s", err);
	cr_assert_eq(bad, 0);
}

static void expect_bad(int64_t want)
{
	int64_t bad = -1;
	char err[512] = "";
	cr_assert_eq(gc_audit_verify(fx.db, &bad, err, sizeof(err)), GC_ECONFLICT, "expected %lld", (long long)want);
	cr_assert_eq(bad, want, "reported %lld (%s), expected %lld", (long long)bad, err, (long long)want);
	cr_assert_neq(err[0], '\0');
}

/* What an attacker with write access to the database does first. */
static void drop_guards(void)
{
	gc_status st;
	if (gc_db_engine(fx.db) == GC_DB_POSTGRES)
		st = gc_db_exec_script(fx.db, "ALTER TABLE audit_log DISABLE TRIGGER USER;"
					      "ALTER TABLE audit_head DISABLE TRIGGER USER;");
	else
		st = gc_db_exec_script(fx.db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
					      "DROP TRIGGER audit_log_follows_head; DROP TRIGGER audit_head_no_delete;"
					      "DROP TRIGGER audit_head_steps;");
	cr_assert_eq(st, GC_OK, "%s", gc_db_errmsg(fx.db));
}

static json_t *get_row(int64_t id)
{
	json_t *row = NULL;
	cr_assert_eq(gc_db_query_one(fx.db, "SELECT * FROM audit_log WHERE id = ?", GC_PARAMS(GC_INT(id)), &row), GC_OK,
		     "row %lld", (long long)id);
	return row;
}

static struct gc_val val_of(const json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	if (json_is_integer(v))
		return GC_INT(json_integer_value(v));
	if (json_is_string(v))
		return GC_TEXT(json_string_value(v));
	return GC_NULL;
}

/* Overwrites every column but id of row id with row's values. */
static void put_row(int64_t id, const json_t *row)
{
	gc_status st = gc_db_exec(
		fx.db,
		"UPDATE audit_log SET at = ?, actor_user = ?, actor_org = ?, client_ip = ?, action = ?, target_type = ?,"
		" target_id = ?, detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
		GC_PARAMS(val_of(row, "at"), val_of(row, "actor_user"), val_of(row, "actor_org"), val_of(row, "client_ip"),
			  val_of(row, "action"), val_of(row, "target_type"), val_of(row, "target_id"),
			  val_of(row, "detail"), val_of(row, "prev_hash"), val_of(row, "hash"), GC_INT(id)),
		NULL);
	cr_assert_eq(st, GC_OK, "%s", gc_db_errmsg(fx.db));
}

static void insert_row(int64_t id, const json_t *row)
{
	gc_status st = gc_db_exec(
		fx.db,
		"INSERT INTO audit_log (id, at, actor_user, actor_org, client_ip, action, target_type, target_id, detail,"
		" prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		GC_PARAMS(GC_INT(id), val_of(row, "at"), val_of(row, "actor_user"), val_of(row, "actor_org"),
			  val_of(row, "client_ip"), val_of(row, "action"), val_of(row, "target_type"),
			  val_of(row, "target_id"), val_of(row, "detail"), val_of(row, "prev_hash"), val_of(row, "hash")),
		NULL);
	cr_assert_eq(st, GC_OK, "%s", gc_db_errmsg(fx.db));
}

static void exec_ok(const char *sql, const struct gc_val *params, size_t n)
{
	cr_assert_eq(gc_db_exec(fx.db, sql, params, n, NULL), GC_OK, "%s: %s", sql, gc_db_errmsg(fx.db));
}

static void rehash(json_t *row)
{
	char h[GC_AUDIT_HASH_SIZE];
	cr_assert_eq(gc_audit_hash_row(row, h), GC_OK);
	json_object_set_new(row, "hash", json_string(h));
}

/* Each scenario as a function of the engine, then one test per engine. */

static void scenario_clean(void)
{
	int64_t last = 0, count = 0;
	char hash[GC_AUDIT_HASH_SIZE];

	expect_clean(); /* empty */
	fill(50);
	expect_clean();
	cr_assert_eq(gc_audit_head(fx.db, &last, hash, &count), GC_OK);
	cr_assert_eq(last, 50);
	cr_assert_eq(count, 50);
	json_t *row = get_row(50);
	cr_assert_str_eq(hash, json_string_value(json_object_get(row, "hash")));
	json_decref(row);
	/* Ids run 1..50 without gaps, and the first record starts from zeros. */
	int64_t n = 0;
	cr_assert_eq(gc_db_query_int(fx.db, "SELECT count(*) AS n FROM audit_log WHERE id BETWEEN 1 AND 50", GC_NO_PARAMS,
				     &n),
		     GC_OK);
	cr_assert_eq(n, 50);
	row = get_row(1);
	cr_assert_str_eq(json_string_value(json_object_get(row, "prev_hash")),
			 "0000000000000000000000000000000000000000000000000000000000000000");
	/* Timestamps: UTC ISO 8601 with milliseconds. */
	const char *at = json_string_value(json_object_get(row, "at"));
	cr_assert_eq(strlen(at), 24, "%s", at);
	cr_assert_eq(at[10], 'T');
	cr_assert_eq(at[19], '.');
	cr_assert_eq(at[23], 'Z');
	json_decref(row);
	/* Verify inside the caller's own transaction works too. */
	cr_assert_eq(gc_db_begin(fx.db), GC_OK);
	expect_clean();
	gc_db_rollback(fx.db);
}

static void scenario_transactions_and_refusals(void)
{
	struct gc_audit_entry e = { .action = "item.create" };
	int64_t id = 0;

	/* Outside a transaction: refused (the record must commit with its action). */
	cr_assert_eq(gc_audit_append(fx.db, &e, &id), GC_EINVAL);
	/* Rolled back with the action: no record, no gap. */
	cr_assert_eq(gc_db_begin_write(fx.db), GC_OK);
	cr_assert_eq(gc_audit_append(fx.db, &e, &id), GC_OK);
	cr_assert_eq(id, 1);
	gc_db_rollback(fx.db);
	cr_assert_eq(gc_db_begin_write(fx.db), GC_OK);
	cr_assert_eq(gc_audit_append(fx.db, &e, &id), GC_OK);
	cr_assert_eq(id, 1);
	/* Two records in one transaction. */
	cr_assert_eq(gc_audit_append(fx.db, &e, &id), GC_OK);
	cr_assert_eq(id, 2);
	cr_assert_eq(gc_db_commit(fx.db), GC_OK);
	expect_clean();

	/* Malformed entries. */
	json_t *secret1 = json_pack("{s:s}", "password", "x");
	json_t *secret2 = json_pack("{s:{s:s}}", "changes", "apiKey", "x");
	json_t *secret3 = json_pack("{s:[{s:s}]}", "list", "recovery_code", "x");
	json_t *secret4 = json_pack("{s:s}", "csrf-token", "x");
	json_t *secret5 = json_pack("{s:s}", "passwordconfirmation", "x");
	json_t *secret6 = json_pack("{s:s}", "userOtp", "x");
	json_t *secret7 = json_pack("{s:s}", "API-Key", "x");
	json_t *fine = json_pack("{s:s, s:s, s:s, s:s}", "keyboard", "x", "country_code", "EE", "hotpath", "x",
				 "seedling", "x");
	json_t *array = json_pack("[i]", 1);
	json_t *huge = json_object();
	char *blob = malloc(GC_AUDIT_MAX_DETAIL + 1);
	memset(blob, 'a', GC_AUDIT_MAX_DETAIL);
	blob[GC_AUDIT_MAX_DETAIL] = '\0';
	json_object_set_new(huge, "text", json_string(blob));
	free(blob);
	struct {
		struct gc_audit_entry e;
		gc_status want;
	} cases[] = {
		{ { .action = "" }, GC_EINVAL },
		{ { .action = NULL }, GC_EINVAL },
		{ { .action = "Login Success" }, GC_EINVAL },
		{ { .action = "login.success\n" }, GC_EINVAL },
		{ { .action = "item.create", .target_type = "Item" }, GC_EINVAL },
		{ { .action = "item.create", .target_id = "a\r\nb" }, GC_EINVAL },
		{ { .action = "item.create", .target_id = "" }, GC_EINVAL },
		{ { .action = "login.failure", .client_ip = "192.0.2.1\r\nX-Evil: 1" }, GC_EINVAL },
		{ { .action = "login.failure", .client_ip = "<script>" }, GC_EINVAL },
		{ { .action = "item.create", .actor_user = -1 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret1 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret2 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret3 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret4 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret5 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret6 }, GC_EINVAL },
		{ { .action = "item.create", .detail = secret7 }, GC_EINVAL },
		{ { .action = "item.create", .detail = array }, GC_EINVAL },
		{ { .action = "item.create", .detail = huge }, GC_ETOOBIG },
		{ { .action = "item.create", .detail = fine }, GC_OK },
	};
	for (size_t i = 0; i < GC_ARRAY_LEN(cases); i++) {
		cr_assert_eq(gc_db_begin_write(fx.db), GC_OK);
		gc_status st = gc_audit_append(fx.db, &cases[i].e, &id);
		cr_assert_eq(st, cases[i].want, "case %zu: %s", i, gc_status_name(st));
		if (st == GC_OK)
			cr_assert_eq(gc_db_commit(fx.db), GC_OK);
		else
			gc_db_rollback(fx.db);
	}
	json_decref(secret1);
	json_decref(secret2);
	json_decref(secret3);
	json_decref(secret4);
	json_decref(secret5);
	json_decref(secret6);
	json_decref(secret7);
	json_decref(fine);
	json_decref(array);
	json_decref(huge);
	expect_clean();
}

static void scenario_guards(void)
{
	fill(5);
	/* The portal's own code cannot edit, delete or splice records. */
	cr_assert_neq(gc_db_exec(fx.db, "UPDATE audit_log SET detail = NULL WHERE id = 2", GC_NO_PARAMS, NULL), GC_OK);
	cr_assert_neq(gc_db_exec(fx.db, "DELETE FROM audit_log WHERE id = 5", GC_NO_PARAMS, NULL), GC_OK);
	cr_assert_neq(gc_db_exec(fx.db, "DELETE FROM audit_head", GC_NO_PARAMS, NULL), GC_OK);
	cr_assert_neq(gc_db_exec(fx.db, "UPDATE audit_head SET count = 3 WHERE id = 1", GC_NO_PARAMS, NULL), GC_OK);
	json_t *row = get_row(3);
	cr_assert_neq(gc_db_exec(fx.db,
				 "INSERT INTO audit_log (id, at, action, prev_hash, hash) VALUES (6, ?, 'x', ?, 'forged')",
				 GC_PARAMS(val_of(row, "at"), val_of(row, "hash")), NULL),
		      GC_OK);
	json_decref(row);
	if (gc_db_engine(fx.db) == GC_DB_POSTGRES)
		cr_assert_neq(gc_db_exec_script(fx.db, "TRUNCATE audit_log"), GC_OK);
	expect_clean();
}

static void scenario_edit_detail(void)
{
	fill(50);
	drop_guards();
	exec_ok("UPDATE audit_log SET detail = '{\"n\":17,\"visibility\":\"restricted\"}' WHERE id = 17", GC_NO_PARAMS);
	expect_bad(17);
}

static void scenario_edit_other_columns(void)
{
	static const char *const edits[] = {
		"UPDATE audit_log SET actor_user = 999 WHERE id = 8",
		"UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE id = 8",
		"UPDATE audit_log SET action = 'login.success' WHERE id = 8",
		"UPDATE audit_log SET client_ip = NULL WHERE id = 8",
		"UPDATE audit_log SET target_id = 'item-1' WHERE id = 8",
		"UPDATE audit_log SET prev_hash = hash WHERE id = 8",
	};
	fill(12);
	drop_guards();
	for (size_t i = 0; i < GC_ARRAY_LEN(edits); i++) {
		json_t *orig = get_row(8);
		exec_ok(edits[i], GC_NO_PARAMS);
		expect_bad(8);
		put_row(8, orig);
		json_decref(orig);
		expect_clean();
	}
}

static void scenario_delete_middle(void)
{
	fill(50);
	drop_guards();
	exec_ok("DELETE FROM audit_log WHERE id = 23", GC_NO_PARAMS);
	expect_bad(23);
}

static void scenario_insert_forged(void)
{
	fill(50);
	drop_guards();
	/* Make room at 31 (two steps, so no id collides on the way), then put
	 * in a record that links properly to 30, with a correct hash of its own. */
	exec_ok("UPDATE audit_log SET id = -(id + 1) WHERE id >= 31", GC_NO_PARAMS);
	exec_ok("UPDATE audit_log SET id = -id WHERE id < 0", GC_NO_PARAMS);
	json_t *prev = get_row(30);
	json_t *forged = json_pack("{s:s, s:i, s:n, s:s, s:s, s:s, s:s, s:s, s:s}", "at", "2026-01-01T00:00:00.000Z",
				   "actor_user", 1, "actor_org", "client_ip", "192.0.2.66", "action", "role.grant",
				   "target_type", "user", "target_id", "66", "detail", "{\"role\":\"admin\"}", "prev_hash",
				   json_string_value(json_object_get(prev, "hash")));
	rehash(forged);
	insert_row(31, forged);
	expect_bad(31);
	json_decref(prev);
	json_decref(forged);
}

static void swap_rows(int64_t a, int64_t b)
{
	json_t *ra = get_row(a), *rb = get_row(b);
	json_t *tmp = json_deep_copy(ra);
	/* hash is UNIQUE: park one value first. */
	json_object_set_new(tmp, "hash", json_string("parked"));
	put_row(a, tmp);
	put_row(b, ra);
	put_row(a, rb);
	json_decref(tmp);
	json_decref(ra);
	json_decref(rb);
}

static void scenario_swap(void)
{
	fill(50);
	drop_guards();
	swap_rows(10, 40);
	expect_bad(10);
	swap_rows(10, 40);
	expect_clean();
	swap_rows(20, 21);
	expect_bad(20);
}

static void scenario_delete_last(void)
{
	fill(50);
	drop_guards();
	exec_ok("DELETE FROM audit_log WHERE id = 50", GC_NO_PARAMS);
	expect_bad(50);
	exec_ok("DELETE FROM audit_log WHERE id >= 45", GC_NO_PARAMS);
	expect_bad(45);
}

static void scenario_edit_with_new_hash(void)
{
	fill(50);
	drop_guards();
	json_t *row = get_row(12);
	json_object_set_new(row, "detail", json_string("{\"n\":12,\"visibility\":\"restricted\"}"));
	rehash(row);
	put_row(12, row);
	json_decref(row);
	expect_bad(12);
}

static void scenario_edit_last_with_new_hash(void)
{
	fill(50);
	drop_guards();
	json_t *row = get_row(50);
	json_object_set_new(row, "actor_user", json_integer(1));
	rehash(row);
	put_row(50, row);
	json_decref(row);
	expect_bad(50);
}

static void scenario_appended_behind_head(void)
{
	fill(50);
	drop_guards();
	json_t *row = get_row(50);
	json_object_set_new(row, "prev_hash", json_string(json_string_value(json_object_get(row, "hash"))));
	json_object_set_new(row, "action", json_string("role.grant"));
	rehash(row);
	insert_row(51, row);
	json_decref(row);
	expect_bad(51);
}

static void scenario_head_altered(void)
{
	fill(50);
	drop_guards();
	exec_ok("UPDATE audit_head SET count = 49 WHERE id = 1", GC_NO_PARAMS);
	expect_bad(0);
	exec_ok("UPDATE audit_head SET count = 50 WHERE id = 1", GC_NO_PARAMS);
	expect_clean();
	exec_ok("UPDATE audit_head SET last_hash = 'not a hash, but far longer than any hash ever is: 0123456789abcdef' "
		"WHERE id = 1", GC_NO_PARAMS);
	expect_bad(0);
	exec_ok("DELETE FROM audit_head", GC_NO_PARAMS);
	expect_bad(0);
}

static void scenario_weird_detail(void)
{
	/* L3: hostile strings stay one line of printable ASCII and come back exact. */
	static const char *const values[] = {
		"line one\r\nline two\n",
		"\x1b[31mred\x1b[0m and \x1b]0;title\x07",
		"del \x7f and c1 \xc2\x85 and \xc2\x9b",
		"line\xe2\x80\xa8separator and paragraph\xe2\x80\xa9",
		"bidi \xe2\x80\xae override \xe2\x81\xa6 isolate",
		"emoji \xf0\x9f\x98\x80 arabic \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 chinese \xe4\xb8\xad\xe6\x96\x87",
		"\"quotes\" and \\backslashes\\ and </script>",
		"",
	};
	json_t *detail = json_object();
	for (size_t i = 0; i < GC_ARRAY_LEN(values); i++) {
		char key[16];
		snprintf(key, sizeof(key), "v%zu", i);
		json_object_set_new(detail, key, json_string(values[i]));
	}
	json_object_set_new(detail, "with_nul", json_stringn("before\0after", 12));
	json_object_set_new(detail, "nested", json_pack("{s:[s,i,b,n]}", "k\r\n", "\x1b", 5, 1));

	struct gc_audit_entry e = { .action = "item.edit", .target_type = "item", .target_id = "caf\xc3\xa9 \xe2\x80\x94 1",
				    .detail = detail };
	int64_t id = 0;
	cr_assert_eq(gc_db_begin_write(fx.db), GC_OK);
	cr_assert_eq(gc_audit_append(fx.db, &e, &id), GC_OK, "%s", gc_db_errmsg(fx.db));
	cr_assert_eq(gc_db_commit(fx.db), GC_OK);

	json_t *row = get_row(id);
	const char *text = json_string_value(json_object_get(row, "detail"));
	cr_assert_not_null(text);
	for (const char *p = text; *p; p++)
		cr_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f, "byte 0x%02x in stored detail",
			  (unsigned char)*p);
	json_error_t jerr;
	json_t *back = json_loads(text, JSON_ALLOW_NUL, &jerr);
	cr_assert_not_null(back, "%s", jerr.text);
	cr_assert(json_equal(back, detail), "detail changed on the way: %s", text);
	json_decref(back);
	json_decref(row);
	json_decref(detail);
	expect_clean();
}

struct worker {
	struct gc_pool *pool;
	int base;
	gc_status st;
};

static void *append_worker(void *arg)
{
	struct worker *w = arg;
	struct gc_db *db = NULL;
	w->st = gc_pool_acquire(w->pool, 10000, &db);
	for (int i = 0; i < 25 && w->st == GC_OK; i++)
		w->st = append_one(db, w->base + i);
	if (db)
		gc_pool_release(w->pool, db);
	return NULL;
}

static void scenario_concurrent(void)
{
	struct worker w[4];
	pthread_t t[4];
	int64_t last = 0, count = 0;
	char hash[GC_AUDIT_HASH_SIZE];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .pool = fx.pool, .base = i * 100 };
		cr_assert_eq(pthread_create(&t[i], NULL, append_worker, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(w[i].st, GC_OK, "worker %d: %s", i, gc_status_name(w[i].st));
	}
	expect_clean();
	cr_assert_eq(gc_audit_head(fx.db, &last, hash, &count), GC_OK);
	cr_assert_eq(last, 100);
	cr_assert_eq(count, 100);
}

/* Moves ids >= from by delta (+1 or -1), in two steps so no id collides on the way. */
static void shift_ids(int64_t from, int64_t delta)
{
	exec_ok("UPDATE audit_log SET id = -(id + ?) WHERE id >= ?", GC_PARAMS(GC_INT(delta), GC_INT(from)));
	exec_ok("UPDATE audit_log SET id = -id WHERE id < 0", GC_NO_PARAMS);
}

/* L4's "100%": every kind of single change at every position, each undone after. */
static void scenario_every_position(void)
{
	const int n = 20;
	fill(n);
	drop_guards();
	for (int64_t k = 1; k <= n; k++) {
		json_t *orig = get_row(k);

		/* An edit. */
		exec_ok("UPDATE audit_log SET detail = '{\"edited\":true}' WHERE id = ?", GC_PARAMS(GC_INT(k)));
		expect_bad(k);
		put_row(k, orig);

		/* An edit with its hash recomputed. */
		json_t *edited = json_deep_copy(orig);
		json_object_set_new(edited, "target_id", json_string("someone-else"));
		rehash(edited);
		put_row(k, edited);
		expect_bad(k);
		put_row(k, orig);
		json_decref(edited);

		/* A deletion (at the end: a truncation). */
		exec_ok("DELETE FROM audit_log WHERE id = ?", GC_PARAMS(GC_INT(k)));
		expect_bad(k);
		insert_row(k, orig);

		/* A forged record inserted before k, linked and hashed correctly. */
		shift_ids(k, 1);
		json_t *forged = json_deep_copy(orig);
		json_t *prev = k > 1 ? get_row(k - 1) : NULL;
		json_object_set_new(forged, "prev_hash",
				    json_string(prev ? json_string_value(json_object_get(prev, "hash"))
						     : "0000000000000000000000000000000000000000000000000000000000000000"));
		json_object_set_new(forged, "action", json_string("role.grant"));
		rehash(forged);
		insert_row(k, forged);
		expect_bad(k);
		exec_ok("DELETE FROM audit_log WHERE id = ?", GC_PARAMS(GC_INT(k)));
		shift_ids(k + 1, -1);
		json_decref(forged);
		json_decref(prev);

		/* Swaps with the next record and with one further on. */
		if (k < n) {
			swap_rows(k, k + 1);
			expect_bad(k);
			swap_rows(k, k + 1);
		}
		if (k + 7 <= n) {
			swap_rows(k, k + 7);
			expect_bad(k);
			swap_rows(k, k + 7);
		}
		expect_clean();
		json_decref(orig);
	}
}

/* A clean log never fails, even while other connections append to it. */
static void scenario_verify_during_appends(void)
{
	struct worker w[2];
	pthread_t t[2];

	fill(10);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .pool = fx.pool, .base = 1000 + i * 100 };
		cr_assert_eq(pthread_create(&t[i], NULL, append_worker, &w[i]), 0);
	}
	for (int round = 0; round < 20; round++)
		expect_clean();
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(w[i].st, GC_OK, "worker %d: %s", i, gc_status_name(w[i].st));
	}
	expect_clean();
}

Test(audit, hash_row_is_the_documented_canonical_form)
{
	/* The header's definition, computed by hand here. */
	json_t *row = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:n, s:n}", "action", "login.success", "actor_org",
				12, "actor_user", 7, "at", "2026-11-28T09:15:00.123Z", "client_ip", "192.0.2.1", "detail",
				"{\"method\":\"totp\",\"x\":\"a\\u001bb\"}", "prev_hash",
				"0000000000000000000000000000000000000000000000000000000000000000", "target_id",
				"target_type");
	const char *canonical = "{\"action\":\"login.success\",\"actor_org\":12,\"actor_user\":7,"
				"\"at\":\"2026-11-28T09:15:00.123Z\",\"client_ip\":\"192.0.2.1\","
				"\"detail\":\"{\\\"method\\\":\\\"totp\\\",\\\"x\\\":\\\"a\\\\u001bb\\\"}\","
				"\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
				"\"target_id\":null,\"target_type\":null}";
	unsigned char digest[32];
	char want[65], got[GC_AUDIT_HASH_SIZE];
	crypto_hash_sha256_state st;
	cr_assert(sodium_init() >= 0);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"0000000000000000000000000000000000000000000000000000000000000000",
				  64);
	crypto_hash_sha256_update(&st, (const unsigned char *)canonical, strlen(canonical));
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(want, sizeof(want), digest, sizeof(digest));
	cr_assert_eq(gc_audit_hash_row(row, got), GC_OK);
	cr_assert_str_eq(got, want);

	/* Raw control bytes in a column are escaped as \u00XX, lower-case. */
	json_object_set_new(row, "target_id", json_string("a\x01\x7f" "b"));
	const char *canonical2 = "{\"action\":\"login.success\",\"actor_org\":12,\"actor_user\":7,"
				 "\"at\":\"2026-11-28T09:15:00.123Z\",\"client_ip\":\"192.0.2.1\","
				 "\"detail\":\"{\\\"method\\\":\\\"totp\\\",\\\"x\\\":\\\"a\\\\u001bb\\\"}\","
				 "\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
				 "\"target_id\":\"a\\u0001\\u007fb\",\"target_type\":null}";
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"0000000000000000000000000000000000000000000000000000000000000000",
				  64);
	crypto_hash_sha256_update(&st, (const unsigned char *)canonical2, strlen(canonical2));
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(want, sizeof(want), digest, sizeof(digest));
	cr_assert_eq(gc_audit_hash_row(row, got), GC_OK);
	cr_assert_str_eq(got, want);

	/* Wrong types and missing members are refused. */
	json_object_set_new(row, "actor_user", json_string("7"));
	cr_assert_eq(gc_audit_hash_row(row, got), GC_EINVAL);
	json_object_set_new(row, "actor_user", json_integer(7));
	json_object_del(row, "at");
	cr_assert_eq(gc_audit_hash_row(row, got), GC_EINVAL);
	json_decref(row);
}

#define AUDIT_TESTS(suite, engine)                                                                          \
	TestSuite(suite, .init = make_tmp, .fini = audit_fini);                                             \
	static void suite##_open(unsigned pool_size)                                                        \
	{                                                                                                    \
		if (!open_audit_db(engine, pool_size)) {                                                     \
			remove_tmp(); /* a skipped test's .fini does not run */                              \
			cr_skip_test("GCSCP_TEST_PG is not set");                                            \
		}                                                                                            \
	}                                                                                                    \
	Test(suite, clean_log_verifies) { suite##_open(1); scenario_clean(); }                               \
	Test(suite, transactions_and_refusals) { suite##_open(1); scenario_transactions_and_refusals(); }   \
	Test(suite, guards_refuse_changes) { suite##_open(1); scenario_guards(); }                          \
	Test(suite, edited_detail) { suite##_open(1); scenario_edit_detail(); }                             \
	Test(suite, edited_other_columns) { suite##_open(1); scenario_edit_other_columns(); }               \
	Test(suite, deleted_middle_row) { suite##_open(1); scenario_delete_middle(); }                      \
	Test(suite, inserted_forged_row) { suite##_open(1); scenario_insert_forged(); }                     \
	Test(suite, swapped_rows) { suite##_open(1); scenario_swap(); }                                      \
	Test(suite, deleted_last_rows) { suite##_open(1); scenario_delete_last(); }                         \
	Test(suite, edit_with_recomputed_hash) { suite##_open(1); scenario_edit_with_new_hash(); }          \
	Test(suite, last_edited_with_recomputed_hash) { suite##_open(1); scenario_edit_last_with_new_hash(); } \
	Test(suite, appended_behind_the_head) { suite##_open(1); scenario_appended_behind_head(); }         \
	Test(suite, head_altered) { suite##_open(1); scenario_head_altered(); }                             \
	Test(suite, hostile_detail_round_trips) { suite##_open(1); scenario_weird_detail(); }               \
	Test(suite, concurrent_appends_keep_one_chain) { suite##_open(6); scenario_concurrent(); }            \
	Test(suite, verify_while_appending) { suite##_open(4); scenario_verify_during_appends(); }            \
	Test(suite, every_change_at_every_position) { suite##_open(1); scenario_every_position(); }

AUDIT_TESTS(audit_sqlite, SQLITE)
AUDIT_TESTS(audit_postgres, POSTGRES)
