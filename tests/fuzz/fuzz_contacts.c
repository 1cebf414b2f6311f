/*
 * The contacts module's parsers of outside input (modules/contacts/contacts.h):
 * contacts_phone_normalise, contacts_email_ok, contacts_lang_ok,
 * contacts_fingerprint_normalise, and the vCard writer over the input as text.
 *
 * Invariants: an accepted phone is "+", a first digit 1-9, 8 to 15 digits in
 * all, and normalising it again gives itself; an accepted fingerprint is 40 or
 * 64 upper-case hex digits and is its own normal form; an accepted address has
 * no byte outside printable ASCII and no space, bracket or quote; a vCard
 * built with the input in every text field has CRLF lines of at most 75
 * octets, begins and ends as one card, and no line that does not continue
 * (leading space) starts anything but a known property.
 */
#include <stdbool.h>

#include "fuzz.h"

#include "modules/contacts/contacts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	char phone[CONTACTS_E164_MAX + 1], again[CONTACTS_E164_MAX + 1];
	if (contacts_phone_normalise(s, phone, sizeof(phone))) {
		size_t n = strlen(phone);
		FUZZ_CHECK(phone[0] == '+' && n >= 9 && n <= 16 && phone[1] >= '1' && phone[1] <= '9', "phone %s", phone);
		for (size_t i = 1; i < n; i++)
			FUZZ_CHECK(phone[i] >= '0' && phone[i] <= '9', "phone %s", phone);
		FUZZ_CHECK(contacts_phone_normalise(phone, again, sizeof(again)) && strcmp(phone, again) == 0, "idempotent");
	}
	char fpr[65], fpr2[65];
	if (contacts_fingerprint_normalise(s, fpr, sizeof(fpr))) {
		size_t n = strlen(fpr);
		FUZZ_CHECK(n == 40 || n == 64, "length %zu", n);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK((fpr[i] >= '0' && fpr[i] <= '9') || (fpr[i] >= 'A' && fpr[i] <= 'F'), "digit %c", fpr[i]);
		FUZZ_CHECK(contacts_fingerprint_normalise(fpr, fpr2, sizeof(fpr2)) && strcmp(fpr, fpr2) == 0, "idempotent");
	}
	if (contacts_email_ok(s)) {
		for (const char *c = s; *c; c++)
			FUZZ_CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f && !strchr("<>\"(),;:[]\\", *c), "byte");
	}
	if (contacts_lang_ok(s))
		FUZZ_CHECK(strlen(s) == 2 || strlen(s) == 3, "lang");

	const char *list[] = { s };
	struct contacts_card card = {
		.id = 1, .kind = s, .function_title = s, .person_name = s, .agency = s, .position = s, .emails = list,
		.n_emails = 1, .time_zone = s, .working_hours = s, .secure_channels = s, .notes = s, .org_name = s,
		.country_name = s, .updated_at = "2026-11-28T09:15:00Z", .url = "https://portal.example/contacts/1",
	};
	struct gc_buf b;
	gc_buf_init(&b, 1 << 20);
	contacts_vcard_append(&b, &card);
	if (gc_buf_error(&b) == GC_OK) {
		const char *v = gc_buf_str(&b);
		FUZZ_CHECK(strncmp(v, "BEGIN:VCARD\r\n", 13) == 0, "begin");
		FUZZ_CHECK(b.len >= 11 && strcmp(v + b.len - 11, "END:VCARD\r\n") == 0, "end");
		size_t begins = 0;
		for (const char *line = v; *line;) {
			const char *end = strstr(line, "\r\n");
			FUZZ_CHECK(end != NULL, "CRLF");
			FUZZ_CHECK(end - line <= 75, "line of %td octets", end - line);
			FUZZ_CHECK(memchr(line, '\r', (size_t)(end - line)) == NULL && memchr(line, '\n', (size_t)(end - line)) == NULL,
				   "a bare CR or LF inside a line");
			begins += strncmp(line, "BEGIN:", 6) == 0;
			line = end + 2;
		}
		FUZZ_CHECK(begins == 1, "one card, not %zu", begins);
	}
	gc_buf_free(&b);
	free(s);
	return 0;
}
