/*
 * The portal's e-mail outbox: messages written to the database in the
 * transaction of what caused them, and sent later through the SMTP server of
 * the configuration (base/mail.h) by the job runner, with retries and
 * exponential back-off. Any node may send any message; each is sent by one.
 *
 * Use it for mail that may wait a little and must not be lost when the SMTP
 * server is away (ping tests, notifications). A message whose link is the
 * only way to something precious (an invitation) is still sent directly by
 * the request that made it (base/mail.h): the outbox keeps the body in the
 * database until it is delivered. A message marked secret (a single-use link
 * of little worth and short life, as a ping test's) has its body erased as
 * soon as it is delivered or given up.
 *
 * The table `outbox` (one row a message) is also what senders read for their
 * records, by their own reference (`ref`): id, recipient, subject, ref,
 * state ('queued' | 'sent' | 'failed'), attempts, next_attempt_at (Unix
 * seconds), last_error (for the operator: never a password), created_at,
 * sent_at (the time the SMTP server accepted the message, ISO 8601),
 * updated_at. Read it in SQL (e.g. "SELECT MIN(sent_at) FROM outbox WHERE
 * ref = ? AND state = 'sent'"); write it only through this interface.
 *
 * Sending: the job "outbox.send" (payload {"id": N}) is queued with each
 * message. It reads the message, sends it outside any transaction, then
 * records the outcome in one transaction: delivered, or one more failed
 * attempt with the next one queued after GC_OUTBOX_BACKOFF_BASE_S x 2^(attempts
 * before), at most GC_OUTBOX_BACKOFF_MAX_S, and "failed" for good after
 * GC_OUTBOX_MAX_ATTEMPTS. A message is sent at least once: a node that dies
 * between the SMTP server's acceptance and the record sends it again.
 * next_attempt_at is the run_at of the job queued for the next attempt.
 */
#ifndef GC_STORE_OUTBOX_H
#define GC_STORE_OUTBOX_H

#include <stdbool.h>

#include "store/jobs.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_OUTBOX_COMPONENT "outbox"
#define GC_OUTBOX_JOB "outbox.send"
#define GC_OUTBOX_MAX_ATTEMPTS 8
#define GC_OUTBOX_BACKOFF_BASE_S 60    /* then 2, 4, 8 ... minutes */
#define GC_OUTBOX_BACKOFF_MAX_S 21600  /* six hours */
#define GC_OUTBOX_MAX_REF 200          /* bytes of a sender's reference */
#define GC_OUTBOX_FROM_NAME "GCSCP"    /* the display name beside config mail_from */

/* The schema, applied under GC_OUTBOX_COMPONENT after the jobs table. */
extern const struct gc_migration gc_outbox_migrations[];
extern const size_t gc_outbox_migration_count;

/* The job kind that sends; the core module lists it for the runner. */
extern const struct gc_job_kind gc_outbox_send_job;

struct gc_outbox_message {
	const char *to;       /* one address (gc_mail_address_ok) */
	const char *subject;  /* one line of UTF-8, at most GC_MAIL_MAX_SUBJECT bytes */
	const char *text;     /* the body, UTF-8 text, at most GC_MAIL_MAX_BODY bytes */
	const char *ref;      /* the sender's reference ("contacts.ping:12"), or NULL */
	bool secret;          /* erase the body once delivered or given up */
};

/*
 * Queues a message and its sending job inside the caller's write transaction:
 * both exist only if it commits. *id (may be NULL) gets the message's id.
 *   GC_EINVAL   an unacceptable address, subject, body or reference
 *   GC_ETOOBIG  subject, body or reference over its limit
 *   or a store error.
 */
GC_MUST_CHECK gc_status gc_outbox_enqueue(struct gc_db *db, const struct gc_outbox_message *message, int64_t *id);

#endif
