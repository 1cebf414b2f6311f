#include "base/mail.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/random.h"
#include "base/text.h"

#define ADDRESS_MAX 254
#define BASE64_LINE 76

gc_status gc_mail_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? GC_OK : GC_EIO;
}

/* A bare address: printable ASCII without the characters that end or quote
 * one in a header, exactly one '@' with text on both sides. */
bool gc_mail_address_ok(const char *a)
{
	if (!a)
		return false;
	size_t n = strlen(a);
	const char *at = strchr(a, '@');
	if (n == 0 || n > ADDRESS_MAX || !at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return false;
	}
	return true;
}

static bool display_name_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

static bool ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void append_base64(struct gc_buf *b, const char *data, size_t n)
{
	size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *text = malloc(size);
	if (!text) {
		if (b->err == GC_OK)
			b->err = GC_ENOMEM;
		return;
	}
	sodium_bin2base64(text, size, (const unsigned char *)data, n, sodium_base64_VARIANT_ORIGINAL);
	gc_buf_str_raw(b, text);
	free(text);
}

static gc_status check(const struct gc_mail *m)
{
	if (!m->smtp_url || (strncmp(m->smtp_url, "smtp://", 7) != 0 && strncmp(m->smtp_url, "smtps://", 8) != 0))
		return GC_EINVAL;
	if (!gc_mail_address_ok(m->from) || !gc_mail_address_ok(m->to) || !display_name_ok(m->from_name))
		return GC_EINVAL;
	if (!m->subject || !m->text)
		return GC_EINVAL;
	if (strlen(m->subject) > GC_MAIL_MAX_SUBJECT || strlen(m->text) > GC_MAIL_MAX_BODY)
		return GC_ETOOBIG;
	/* The subject is one line; the body is text (line breaks and tabs allowed). */
	if (!gc_text_acceptable_line(m->subject, strlen(m->subject)) || !gc_text_acceptable(m->text, strlen(m->text)))
		return GC_EINVAL;
	return GC_OK;
}

gc_status gc_mail_format(const struct gc_mail *m, long long unix_time, const char *message_id, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	gc_status status = check(m);
	if (status != GC_OK)
		return status;
	if (!message_id || !ascii_printable(message_id) || strchr(message_id, '>') || strchr(message_id, '<'))
		return GC_EINVAL;

	char date[64];
	time_t t = (time_t)unix_time;
	struct tm tm;
	gmtime_r(&t, &tm);
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);

	struct gc_buf b;
	gc_buf_init(&b, GC_MAIL_MAX_BODY * 2 + 8192);
	gc_buf_str_raw(&b, "From: ");
	if (m->from_name && m->from_name[0]) {
		gc_buf_str_raw(&b, "\"");
		gc_buf_str_raw(&b, m->from_name);
		gc_buf_str_raw(&b, "\" ");
	}
	gc_buf_str_raw(&b, "<");
	gc_buf_str_raw(&b, m->from);
	gc_buf_str_raw(&b, ">\r\nTo: <");
	gc_buf_str_raw(&b, m->to);
	gc_buf_str_raw(&b, ">\r\nSubject: ");
	if (ascii_printable(m->subject)) {
		gc_buf_str_raw(&b, m->subject);
	} else {
		/* RFC 2047: one encoded-word per piece of at most 45 bytes (60
		 * base64 characters, under the 75-character limit), cut only
		 * between UTF-8 sequences, folded onto continuation lines. */
		const char *s = m->subject;
		size_t left = strlen(s);
		bool first = true;
		while (left > 0) {
			size_t take = left < 45 ? left : 45;
			while (take < left && ((unsigned char)s[take] & 0xC0) == 0x80)
				take--;
			if (!first)
				gc_buf_str_raw(&b, "\r\n ");
			gc_buf_str_raw(&b, "=?UTF-8?B?");
			append_base64(&b, s, take);
			gc_buf_str_raw(&b, "?=");
			s += take;
			left -= take;
			first = false;
		}
	}
	gc_buf_str_raw(&b, "\r\nDate: ");
	gc_buf_str_raw(&b, date);
	gc_buf_str_raw(&b, "\r\nMessage-ID: <");
	gc_buf_str_raw(&b, message_id);
	gc_buf_str_raw(&b, ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
			   "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n");
	/* The body with CRLF line ends, in base64 lines of 76 characters. */
	struct gc_buf body;
	gc_buf_init(&body, GC_MAIL_MAX_BODY * 2);
	for (const char *p = m->text; *p; p++) {
		if (*p == '\n')
			gc_buf_raw(&body, "\r\n", 2);
		else if (*p != '\r')
			gc_buf_raw(&body, p, 1);
	}
	status = gc_buf_error(&body);
	for (size_t at = 0; status == GC_OK && at < body.len; at += BASE64_LINE / 4 * 3) {
		size_t n = body.len - at < BASE64_LINE / 4 * 3 ? body.len - at : BASE64_LINE / 4 * 3;
		append_base64(&b, body.data + at, n);
		gc_buf_str_raw(&b, "\r\n");
	}
	gc_buf_free(&body);
	if (status == GC_OK)
		status = gc_buf_error(&b);
	if (status == GC_OK) {
		*out = gc_buf_take(&b, len);
		if (!*out)
			status = GC_ENOMEM;
	}
	gc_buf_free(&b);
	return status;
}

struct upload {
	const char *data;
	size_t len, at;
};

static size_t read_message(char *dest, size_t size, size_t nmemb, void *userp)
{
	struct upload *u = userp;
	size_t room = size * nmemb;
	size_t n = u->len - u->at < room ? u->len - u->at : room;
	memcpy(dest, u->data + u->at, n);
	u->at += n;
	return n;
}

gc_status gc_mail_send(const struct gc_mail *m, char *err, size_t err_size)
{
	char scratch[1];
	if (!err || !err_size) {
		err = scratch;
		err_size = sizeof(scratch);
	}
	err[0] = '\0';
	char id[64], random_part[33];
	gc_random_hex(random_part, 16);
	const char *domain = m->from ? strchr(m->from, '@') : NULL;
	snprintf(id, sizeof(id), "%s%s", random_part, domain ? domain : "@gcscp");
	char *message = NULL;
	size_t len = 0;
	gc_status status = gc_mail_format(m, (long long)gc_clock_now(), id, &message, &len);
	if (status != GC_OK) {
		snprintf(err, err_size, "the message was refused before sending: %s", gc_status_name(status));
		return status;
	}
	CURL *curl = curl_easy_init();
	if (!curl) {
		free(message);
		return GC_ENOMEM;
	}
	char from[ADDRESS_MAX + 3], to[ADDRESS_MAX + 3];
	snprintf(from, sizeof(from), "<%s>", m->from);
	snprintf(to, sizeof(to), "<%s>", m->to);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	struct upload u = { .data = message, .len = len };
	char curl_err[CURL_ERROR_SIZE] = "";
	CURLcode rc = rcpt ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK) {
		curl_easy_setopt(curl, CURLOPT_URL, m->smtp_url);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
		curl_easy_setopt(curl, CURLOPT_READDATA, &u);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)GC_MAIL_CONNECT_TIMEOUT_S);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)GC_MAIL_TIMEOUT_S);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
		rc = curl_easy_perform(curl);
	}
	if (rc != CURLE_OK) {
		/* libcurl's text names the step that failed, never the URL's password. */
		snprintf(err, err_size, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
		status = rc == CURLE_OUT_OF_MEMORY ? GC_ENOMEM : GC_EIO;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	sodium_memzero(message, len);
	free(message);
	return status;
}
