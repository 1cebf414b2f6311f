/*
 * vCard 4.0 (RFC 6350) for the directory's exports.
 *
 * Every content line is built whole in a scratch buffer, then folded: a
 * line longer than 75 octets continues on the next after CRLF and one space
 * (RFC 6350 3.2), never inside a UTF-8 sequence. Text values escape
 * backslash, comma, semicolon and line breaks (3.4); components of ORG and
 * ADR are escaped one by one and joined with ';'. Property parameters are
 * constants of this file only. Values come from validated fields (e-mail
 * addresses, E.164 numbers, tz names, fingerprints are plain ASCII), and
 * free text is escaped, so nothing from a contact can start a new property.
 */
#include <string.h>

#include "modules/contacts/contacts.h"

#define VCARD_FOLD 75

/* Text value escaping (RFC 6350 3.4); CR is dropped, LF becomes "\n". */
static void esc(struct gc_buf *line, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\':
			gc_buf_lit(line, "\\\\");
			break;
		case ',':
			gc_buf_lit(line, "\\,");
			break;
		case ';':
			gc_buf_lit(line, "\\;");
			break;
		case '\n':
			gc_buf_lit(line, "\\n");
			break;
		case '\r':
			break;
		default:
			gc_buf_char(line, *s);
		}
	}
}

/* Writes line to b folded at VCARD_FOLD octets, with CRLF. */
static void emit(struct gc_buf *b, const struct gc_buf *line)
{
	const char *s = gc_buf_str(line);
	size_t n = line->len, at = 0, width = VCARD_FOLD;
	while (n - at > width) {
		size_t cut = at + width;
		/* Back up to the start of a UTF-8 sequence. */
		while (cut > at + 1 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		gc_buf_raw(b, s + at, cut - at);
		gc_buf_lit(b, "\r\n ");
		at = cut;
		width = VCARD_FOLD - 1; /* the leading space counts */
	}
	gc_buf_raw(b, s + at, n - at);
	gc_buf_lit(b, "\r\n");
}

/* name:value with value escaped as text; nothing when value is empty. */
static void text_prop(struct gc_buf *b, struct gc_buf *line, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	gc_buf_reset(line);
	gc_buf_str_raw(line, name);
	gc_buf_char(line, ':');
	esc(line, value);
	emit(b, line);
}

/* name:value with value written as it is (ASCII validated by the caller). */
static void raw_prop(struct gc_buf *b, struct gc_buf *line, const char *name, const char *value)
{
	gc_buf_reset(line);
	gc_buf_str_raw(line, name);
	gc_buf_char(line, ':');
	gc_buf_str_raw(line, value);
	emit(b, line);
}

/* "2026-11-28T09:15:00Z" -> "20261128T091500Z" (RFC 6350 4.3.5 timestamp). */
static void rev(struct gc_buf *b, struct gc_buf *line, const char *iso)
{
	char out[17];
	size_t n = 0;
	if (!iso || strlen(iso) < 19)
		return;
	for (size_t i = 0; i < 19 && n < 15; i++)
		if (iso[i] != '-' && iso[i] != ':')
			out[n++] = iso[i];
	if (n != 15)
		return;
	out[n++] = 'Z';
	out[n] = '\0';
	raw_prop(b, line, "REV", out);
}

void contacts_vcard_append(struct gc_buf *b, const struct contacts_card *c)
{
	struct gc_buf line;
	gc_buf_init(&line, 64 * 1024);
	gc_buf_lit(b, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	/* A function without a person's name is the contact point of an organisation. */
	raw_prop(b, &line, "KIND", c->person_name && *c->person_name ? "individual" : "org");
	text_prop(b, &line, "FN", c->person_name && *c->person_name ? c->person_name : c->function_title);
	/* N is a structured name we do not have in parts: the whole name as the family name. */
	gc_buf_reset(&line);
	gc_buf_lit(&line, "N:");
	esc(&line, c->person_name);
	gc_buf_lit(&line, ";;;;");
	emit(b, &line);
	gc_buf_reset(&line);
	gc_buf_lit(&line, "ORG:");
	esc(&line, c->agency && *c->agency ? c->agency : c->org_name);
	emit(b, &line);
	text_prop(b, &line, "TITLE", c->function_title);
	text_prop(b, &line, "ROLE", c->position);
	for (size_t i = 0; i < c->n_emails; i++) {
		gc_buf_reset(&line);
		gc_buf_str_raw(&line, i == 0 ? "EMAIL;TYPE=work;PREF=1:" : "EMAIL;TYPE=work:");
		esc(&line, c->emails[i]);
		emit(b, &line);
	}
	for (size_t i = 0; i < c->n_phones; i++) {
		gc_buf_reset(&line);
		gc_buf_str_raw(&line, i == 0 ? "TEL;VALUE=uri;TYPE=work;PREF=1:tel:" : "TEL;VALUE=uri;TYPE=work:tel:");
		gc_buf_str_raw(&line, c->phones[i]);
		emit(b, &line);
	}
	text_prop(b, &line, "TZ", c->time_zone);
	for (size_t i = 0; i < c->n_languages; i++) {
		gc_buf_reset(&line);
		gc_buf_printf(&line, "LANG;PREF=%zu:", i + 1 < 100 ? i + 1 : 100);
		gc_buf_str_raw(&line, c->languages[i]);
		emit(b, &line);
	}
	if (c->fingerprint && *c->fingerprint) {
		gc_buf_reset(&line);
		gc_buf_lit(&line, "KEY;TYPE=work:openpgp4fpr:");
		gc_buf_str_raw(&line, c->fingerprint);
		emit(b, &line);
	}
	text_prop(b, &line, "X-GCSCP-WORKING-HOURS", c->working_hours);
	text_prop(b, &line, "X-GCSCP-SECURE-CHANNELS", c->secure_channels);
	text_prop(b, &line, "NOTE", c->notes);
	text_prop(b, &line, "CATEGORIES", c->kind);
	if (c->country_name && *c->country_name) {
		gc_buf_reset(&line);
		gc_buf_lit(&line, "ADR;TYPE=work:;;;;;;");
		esc(&line, c->country_name);
		emit(b, &line);
	}
	rev(b, &line, c->updated_at);
	if (c->url && *c->url) {
		gc_buf_reset(&line);
		gc_buf_lit(&line, "UID:");
		gc_buf_str_raw(&line, c->url);
		emit(b, &line);
		gc_buf_reset(&line);
		gc_buf_lit(&line, "SOURCE:");
		gc_buf_str_raw(&line, c->url);
		gc_buf_lit(&line, "/vcard");
		emit(b, &line);
	}
	gc_buf_lit(b, "END:VCARD\r\n");
	if (gc_buf_error(&line) && b->err == GC_OK)
		b->err = gc_buf_error(&line);
	gc_buf_free(&line);
}
