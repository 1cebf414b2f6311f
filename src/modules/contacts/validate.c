/*
 * The contacts module's validators: pure functions of their input (and, for
 * time zones, of the system's tz database), tested in tests/unit/test_contacts.c
 * and fuzzed by tests/fuzz/fuzz_contacts.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mail.h"
#include "modules/contacts/contacts.h"

const char *const contacts_kinds[] = { "diplomatic", "technical", "assistance", NULL };

bool contacts_is_kind(const char *s)
{
	for (size_t i = 0; s && contacts_kinds[i]; i++)
		if (strcmp(contacts_kinds[i], s) == 0)
			return true;
	return false;
}

bool contacts_is_cyber_kind(const char *s)
{
	return s && (strcmp(s, "diplomatic") == 0 || strcmp(s, "technical") == 0);
}

bool contacts_phone_normalise(const char *in, char *out, size_t out_size)
{
	size_t digits = 0;
	if (!in || !out || out_size < CONTACTS_E164_MAX + 1)
		return false;
	const char *p = in;
	while (*p == ' ')
		p++;
	if (*p != '+')
		return false;
	out[0] = '+';
	bool last_sep = true; /* no separator right after '+' */
	for (p++; *p; p++) {
		char c = *p;
		if (c >= '0' && c <= '9') {
			if (digits == 15)
				return false;
			if (digits == 0 && c == '0')
				return false;
			out[1 + digits++] = c;
			last_sep = false;
		} else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')') {
			if (last_sep && c != '(' && c != ' ')
				return false;
			last_sep = c != ')';
		} else {
			return false;
		}
	}
	if (digits < 8)
		return false;
	out[1 + digits] = '\0';
	return true;
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool contacts_email_ok(const char *s)
{
	if (!s || strlen(s) > CONTACTS_MAX_EMAIL || !gc_mail_address_ok(s))
		return false;
	const char *at = strchr(s, '@');
	/* The local part: no dot at either end, no two in a row. */
	if (s[0] == '.' || at[-1] == '.')
		return false;
	for (const char *p = s; p < at; p++)
		if (p[0] == '.' && p[1] == '.')
			return false;
	/* The domain: labels of letters, digits and hyphens, at least two, none empty. */
	const char *d = at + 1;
	size_t labels = 0;
	while (*d) {
		const char *end = strchr(d, '.');
		size_t n = end ? (size_t)(end - d) : strlen(d);
		if (n == 0 || n > 63 || d[0] == '-' || d[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!alnum(d[i]) && d[i] != '-')
				return false;
		labels++;
		if (!end)
			break;
		d = end + 1;
		if (!*d)
			return false; /* a trailing dot */
	}
	return labels >= 2;
}

bool contacts_tz_ok(const char *name, const char *zoneinfo_dir)
{
	char path[512];
	struct stat st;
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > CONTACTS_MAX_TZ || name[0] == '/' || name[0] == '.' || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!(alnum(c) || c == '/' || c == '_' || c == '-' || c == '+'))
			return false;
		if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '.'))
			return false;
	}
	/* Not the database's own files, only zones. */
	if (strncmp(name, "posix/", 6) == 0 || strncmp(name, "right/", 6) == 0 || strcmp(name, "posixrules") == 0 ||
	    strcmp(name, "localtime") == 0 || strcmp(name, "Factory") == 0)
		return false;
	if (snprintf(path, sizeof(path), "%s/%s", zoneinfo_dir ? zoneinfo_dir : "/usr/share/zoneinfo", name) >=
	    (int)sizeof(path))
		return false;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	/* A zone file starts with the magic "TZif". */
	FILE *f = fopen(path, "rb");
	char magic[4] = { 0 };
	bool ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	if (f)
		fclose(f);
	return ok;
}

bool contacts_lang_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

bool contacts_fingerprint_normalise(const char *in, char *out, size_t out_size)
{
	size_t n = 0;
	if (!in || !out || out_size < 65)
		return false;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == ' ')
			continue;
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) || n == 64)
			return false;
		out[n++] = c;
	}
	if (n != 40 && n != 64)
		return false;
	out[n] = '\0';
	return true;
}
