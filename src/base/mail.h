/*
 * Sending one plain-text e-mail through an SMTP server (libcurl), for the
 * messages the portal sends on its own: invitations and password resets.
 *
 * The server is configured by a URL (config smtp_url, GCSCP_SMTP_URL):
 *   smtp://host:port      plain SMTP, upgraded with STARTTLS when the server
 *                         offers it
 *   smtps://host:port     SMTP over TLS from the first byte
 * optionally with user:password@ before the host. The URL may hold a
 * password: it is never logged. With no URL, no mail is sent and the portal
 * shows links on screen only.
 *
 * Sending is synchronous and bounded: GC_MAIL_CONNECT_TIMEOUT_S to connect,
 * GC_MAIL_TIMEOUT_S for the whole exchange. A message carrying a secret link
 * (an invitation) is sent from the request that created it, after its
 * transaction committed, and never queued in the database: the link exists
 * only in that request's memory, on the screen of the person who created it
 * and in the mail.
 *
 * The message (RFC 5322 and RFC 2045-2047): From, To, Subject (RFC 2047
 * base64 "encoded-word" when not plain ASCII), Date, Message-ID,
 * MIME-Version, Content-Type text/plain; charset=UTF-8,
 * Content-Transfer-Encoding base64 (lines of 76), Auto-Submitted:
 * auto-generated. Addresses are checked before anything is sent; no CR or LF
 * from an input can reach a header.
 */
#ifndef GC_BASE_MAIL_H
#define GC_BASE_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define GC_MAIL_CONNECT_TIMEOUT_S 5
#define GC_MAIL_TIMEOUT_S 20
#define GC_MAIL_MAX_SUBJECT 500     /* bytes */
#define GC_MAIL_MAX_BODY (64 * 1024) /* bytes */

struct gc_mail {
	const char *smtp_url;   /* as configured */
	const char *from;       /* the sender's address, e.g. "noreply@cyber.example.org" */
	const char *from_name;  /* shown with it, e.g. "GCSCP"; may be NULL */
	const char *to;         /* one recipient's address */
	const char *subject;    /* one line of UTF-8 */
	const char *text;       /* the body, UTF-8; line breaks as LF */
};

/* Whether address is one gc_mail_send accepts: a bare address of printable
 * ASCII (no space, quote, bracket, comma, semicolon or colon), at most 254
 * bytes, exactly one '@' with text on both sides. */
bool gc_mail_address_ok(const char *address);

/* Sets libcurl up; call once at start-up, before threads. */
GC_MUST_CHECK gc_status gc_mail_init(void);

/*
 * Sends the message. err (may be NULL) receives a reason for the operator,
 * without the URL's password.
 *   GC_EINVAL    an address, the subject or the body is unacceptable, or the
 *                URL is not smtp:// or smtps://
 *   GC_ETOOBIG   subject or body over its limit
 *   GC_EIO       the server could not be reached or refused the message
 *   GC_ENOMEM
 */
GC_MUST_CHECK gc_status gc_mail_send(const struct gc_mail *mail, char *err, size_t err_size);

/* The message as it would be sent (headers and body) into out (malloc'd,
 * NUL-terminated), with Date and Message-ID from the arguments: for tests
 * and the fuzzer. Same errors as gc_mail_send's checks. */
GC_MUST_CHECK gc_status gc_mail_format(const struct gc_mail *mail, long long unix_time, const char *message_id,
				       char **out, size_t *len);

#endif
