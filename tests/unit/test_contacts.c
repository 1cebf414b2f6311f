/* The contacts module's validators (E.164, e-mail, tz names, languages, OpenPGP fingerprints) and its vCard writer. */
#include <criterion/criterion.h>
#include <string.h>

#include "modules/contacts/contacts.h"

Test(contacts, phones)
{
	char out[CONTACTS_E164_MAX + 1];
	cr_assert(contacts_phone_normalise("+254 (20) 444-7000", out, sizeof(out)));
	cr_assert_str_eq(out, "+254204447000");
	cr_assert(contacts_phone_normalise("+41.22.917.12.34", out, sizeof(out)));
	cr_assert_str_eq(out, "+41229171234");
	cr_assert(contacts_phone_normalise("+123456789012345", out, sizeof(out)));
	const char *bad[] = { "", "0722000111", "+0722000111", "+1234567", "+1234567890123456", "+254 722 x",
			      "+-254722000111", "+254--722000111", "++254722000111", "+254722000111 ext 5", NULL };
	for (int i = 0; bad[i]; i++)
		cr_assert_not(contacts_phone_normalise(bad[i], out, sizeof(out)), "%s", bad[i]);
	cr_assert_not(contacts_phone_normalise("+254722000111", out, 5), "a buffer too small is refused");
}

Test(contacts, emails)
{
	const char *good[] = { "a@b.org", "first.last+tag@cert.example.ke", "x@sub-domain.example.co.uk", NULL };
	for (int i = 0; good[i]; i++)
		cr_assert(contacts_email_ok(good[i]), "%s", good[i]);
	const char *bad[] = { "", "a@b", "a@@b.org", "@b.org", "a@", "a b@b.org", ".a@b.org", "a.@b.org", "a..b@b.org",
			      "a@-b.org", "a@b-.org", "a@b..org", "a@b.org.", "a@b_c.org", "<a@b.org>", "a@b.org\r\n",
			      "\xc3\xa9@b.org", NULL };
	for (int i = 0; bad[i]; i++)
		cr_assert_not(contacts_email_ok(bad[i]), "%s", bad[i]);
}

Test(contacts, time_zones)
{
	cr_assert(contacts_tz_ok("UTC", NULL));
	cr_assert(contacts_tz_ok("Africa/Nairobi", NULL));
	cr_assert(contacts_tz_ok("America/Argentina/Buenos_Aires", NULL));
	const char *bad[] = { "", "Mars/Olympus", "../etc/passwd", "/etc/passwd", "Europe/../UTC", "Europe", "Europe/",
			      "posix/UTC", "right/UTC", "localtime", "posixrules", "Europe//Paris", "UTC\n", NULL };
	for (int i = 0; bad[i]; i++)
		cr_assert_not(contacts_tz_ok(bad[i], NULL), "%s", bad[i]);
}

Test(contacts, languages_and_fingerprints)
{
	cr_assert(contacts_lang_ok("en"));
	cr_assert(contacts_lang_ok("swa"));
	cr_assert_not(contacts_lang_ok("EN"));
	cr_assert_not(contacts_lang_ok("e"));
	cr_assert_not(contacts_lang_ok("engl"));
	char fpr[65];
	cr_assert(contacts_fingerprint_normalise("0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567", fpr, sizeof(fpr)));
	cr_assert_str_eq(fpr, "0123456789ABCDEF0123456789ABCDEF01234567");
	char v6[65];
	memset(v6, 'f', 64);
	v6[64] = '\0';
	cr_assert(contacts_fingerprint_normalise(v6, fpr, sizeof(fpr)));
	cr_assert_not(contacts_fingerprint_normalise("abc", fpr, sizeof(fpr)));
	cr_assert_not(contacts_fingerprint_normalise("g123456789ABCDEF0123456789ABCDEF01234567", fpr, sizeof(fpr)));
	cr_assert_not(contacts_fingerprint_normalise("0123456789ABCDEF0123456789ABCDEF012345678", fpr, sizeof(fpr)));
}

Test(contacts, vcard)
{
	const char *emails[] = { "duty@cert.example.ke" };
	const char *phones[] = { "+254204447000" };
	const char *langs[] = { "en", "sw" };
	char long_note[400];
	memset(long_note, 0, sizeof(long_note));
	for (int i = 0; i < 60; i++)
		strcat(long_note, "\xd0\x94\xd0\xb0 "); /* "Да " x 60: folding must not split a character */
	struct contacts_card card = {
		.id = 7, .kind = "technical", .function_title = "Duty, officer; \\ line\nbreak", .person_name = NULL,
		.agency = "KE-CIRT", .emails = emails, .n_emails = 1, .phones = phones, .n_phones = 1, .time_zone = "Africa/Nairobi",
		.languages = langs, .n_languages = 2, .fingerprint = "ABCDEF0123456789ABCDEF0123456789ABCDEF01", .notes = long_note,
		.org_name = "Kenya", .updated_at = "2026-11-28T09:15:00Z", .url = "https://portal.example/contacts/7",
	};
	struct gc_buf b;
	gc_buf_init(&b, 1 << 20);
	contacts_vcard_append(&b, &card);
	cr_assert_eq(gc_buf_error(&b), GC_OK);
	const char *s = gc_buf_str(&b);
	cr_assert(strncmp(s, "BEGIN:VCARD\r\nVERSION:4.0\r\n", 26) == 0);
	cr_assert(strstr(s, "KIND:org\r\n"));
	cr_assert(strstr(s, "FN:Duty\\, officer\\; \\\\ line\\nbreak\r\n"));
	cr_assert(strstr(s, "TEL;VALUE=uri;TYPE=work;PREF=1:tel:+254204447000\r\n"));
	cr_assert(strstr(s, "KEY;TYPE=work:openpgp4fpr:ABCDEF0123456789ABCDEF0123456789ABCDEF01\r\n"));
	cr_assert(strstr(s, "REV:20261128T091500Z\r\n"));
	cr_assert(strstr(s, "END:VCARD\r\n"));
	/* Every physical line at most 75 octets, CRLF-terminated, continuation lines start with a space,
	 * and no continuation starts inside a UTF-8 sequence. */
	for (const char *line = s; *line;) {
		const char *end = strstr(line, "\r\n");
		cr_assert(end, "CRLF line ends");
		cr_assert_leq(end - line, 75);
		if (line != s && line[0] == ' ')
			cr_assert_neq(((unsigned char)line[1] & 0xc0), 0x80, "a fold inside a character");
		line = end + 2;
	}
	gc_buf_free(&b);
}
