/*
 * The audit log (SECURITY.md L1-L4): one record for every write, login and
 * permission change, written in the same transaction as the action,
 * append-only and hash-chained so that `gcscp audit verify` can show it was
 * not edited.
 *
 * Tables (migrations gc_audit_migrations, component "audit"):
 *
 *   audit_log   id          INTEGER PRIMARY KEY (PostgreSQL: BIGINT identity)
 *               at          TEXT NOT NULL   UTC, "2026-11-28T09:15:00.123Z"
 *               actor_user  BIGINT NULL     who acted (NULL: nobody signed in)
 *               actor_org   BIGINT NULL     on behalf of which organisation
 *               client_ip   TEXT NULL       the client's address as the HTTP layer established it
 *               action      TEXT NOT NULL   "login.success", "item.create", ...
 *               target_type TEXT NULL       "item", "user", "org", "api_token", ...
 *               target_id   TEXT NULL
 *               detail      TEXT NULL       a JSON object (see "detail" below)
 *               prev_hash   TEXT NOT NULL   the previous record's hash
 *               hash        TEXT NOT NULL UNIQUE
 *   audit_head  one row (id = 1): last_id, last_hash, count of the log
 *
 * Ids are assigned by gc_audit_append() itself, audit_head.last_id + 1 under
 * the lock, so they run 1, 2, 3, ... without gaps on both engines (a
 * PostgreSQL sequence would leave gaps after rolled-back transactions, and a
 * gap would then prove nothing). Triggers make the tables append-only for
 * everything but gc_audit_append(): audit_log refuses UPDATE, DELETE (and
 * TRUNCATE), and any INSERT that does not extend the head; audit_head refuses
 * DELETE and any UPDATE but a step of one record. They stop the portal's own
 * bugs; someone who can drop triggers is what the chain is for.
 *
 * The chain. For each record,
 *
 *     hash = lower-case hex of SHA-256(prev_hash || C)
 *
 * where prev_hash is the previous record's hash as 64 ASCII hex digits ("0"
 * 64 times for the first record) and C is the canonical record: a JSON object
 * with no whitespace and exactly these nine members in this (byte) order
 *
 *     action, actor_org, actor_user, at, client_ip, detail, prev_hash,
 *     target_id, target_type
 *
 * (every column but id and hash). Integers are written in decimal with a
 * '-' only when negative; NULL is null; text is a JSON string in which '"'
 * and '\' are written \" and \\, the bytes 0x00-0x1F and 0x7F as \u00XX with
 * lower-case hex digits, and every other byte as it is (the text is UTF-8).
 * detail is the column's text as a string, not a nested object, so no JSON
 * re-serialisation can ever change a hash. Example:
 *
 *   {"action":"login.success","actor_org":12,"actor_user":7,
 *    "at":"2026-11-28T09:15:00.123Z","client_ip":"192.0.2.1",
 *    "detail":"{\"method\":\"totp\"}","prev_hash":"00...00",
 *    "target_id":null,"target_type":null}          (on one line)
 *
 * The head row, updated in the same transaction as each record, catches
 * what the chain alone cannot: records deleted from the end. Someone able to
 * rewrite the whole tail and the head consistently can only be caught
 * against a copy of the head kept elsewhere: gc_audit_head() gives it, to
 * print in the operator's log or send off-site from time to time.
 *
 * detail: a JSON object of identifiers, field names and choices (which
 * fields changed, the old and new visibility, the reason code of a failure),
 * never user content and never a password, code, token, key or cookie
 * (SECURITY.md L2). As a guard against accidents, a key anywhere in it that
 * names a secret is refused (GC_EINVAL): one containing, case and separators
 * ignored, password, passwd, passphrase, secret, token, pepper, cookie,
 * apikey, privatekey, recoverycode, resetcode, mfacode or otpcode, or having
 * pwd, otp, totp, seed or pin as a whole word ("userOtp", "new_pin"). Name a
 * token through target_type and target_id instead. It is stored compact, with
 * sorted keys and every non-ASCII character escaped (\uXXXX), so the column
 * holds printable ASCII only: no CR, LF, ESC or bidi control can reach a
 * terminal or a log line through it (L3), and any JSON parser reads back the
 * caller's exact strings. At most GC_AUDIT_MAX_DETAIL bytes so stored.
 */
#ifndef GC_AUTH_AUDIT_H
#define GC_AUTH_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "store/migrate.h"
#include "store/store.h"

#define GC_AUDIT_COMPONENT "audit"
#define GC_AUDIT_MIGRATION_COUNT 1
/* Hex SHA-256 and its NUL. */
#define GC_AUDIT_HASH_SIZE 65
#define GC_AUDIT_MAX_DETAIL 16384
#define GC_AUDIT_MAX_ACTION 64   /* [a-z0-9_.-], also for target_type */
#define GC_AUDIT_MAX_TARGET_ID 256
#define GC_AUDIT_MAX_CLIENT_IP 64 /* [0-9A-Fa-f:.] */
/* The PostgreSQL advisory lock key appends serialise on ("gcscpA"). */
#define GC_AUDIT_LOCK_KEY 0x676373637041LL

/* Apply with gc_migrate_component(db, GC_AUDIT_COMPONENT, gc_audit_migrations,
 * GC_AUDIT_MIGRATION_COUNT, ...). */
extern const struct gc_migration gc_audit_migrations[GC_AUDIT_MIGRATION_COUNT];

struct gc_audit_entry {
	const char *action;      /* required */
	int64_t actor_user;      /* 0: none */
	int64_t actor_org;       /* 0: none */
	const char *client_ip;   /* NULL: none */
	const char *target_type; /* NULL: none */
	const char *target_id;   /* NULL: none; one line of text */
	const json_t *detail;    /* NULL or a JSON object; borrowed */
	int64_t at_ms;           /* Unix milliseconds; 0: now */
};

/*
 * Appends one record. Call it INSIDE the caller's write transaction
 * (gc_db_begin_write), so that the action and its record commit or roll back
 * together (L1); on PostgreSQL it takes the transaction-level advisory lock
 * GC_AUDIT_LOCK_KEY first, so two nodes cannot fork the chain (on SQLite the
 * write transaction already serialises writers). *id (may be NULL) gets the
 * record's id.
 *   GC_EINVAL    no transaction open; action or target_type empty, too long
 *                or outside [a-z0-9_.-]; target_id not one line of text;
 *                client_ip not an address; detail not an object or with a
 *                secret-looking key; a negative actor or time
 *   GC_ETOOBIG   detail over GC_AUDIT_MAX_DETAIL once serialised
 *   GC_ENOTFOUND the audit_head row is missing (migrations not applied)
 *   GC_EDB ...   the database failed, or refused a record that does not
 *                extend the head (GC_ECONFLICT if a forged row holds the
 *                id or hash): roll the whole transaction back
 */
GC_MUST_CHECK gc_status gc_audit_append(struct gc_db *db, const struct gc_audit_entry *entry, int64_t *id);

/*
 * Walks the whole log in id order (a cursor: memory does not grow with the
 * log) and checks every record and the head. Outside a transaction it opens
 * its own read-only one (REPEATABLE READ on PostgreSQL) so that it sees one
 * snapshot while appends go on.
 *   GC_OK        the log is intact; *first_bad_id = 0
 *   GC_ECONFLICT it is not: *first_bad_id is the first record that cannot be
 *                trusted and err (may be NULL) says what is wrong
 *   other        the check could not run (GC_EDB, GC_ENOMEM, ...)
 * Which id is named:
 *   - a record whose hash does not match its content: that record (an edit);
 *   - ids that jump: the first missing id (a deletion);
 *   - a record whose prev_hash is not the previous record's hash, both being
 *     self-consistent: if its prev_hash is the hash of a later record, it was
 *     moved here (a swap): this record; if it is the hash of an earlier one,
 *     the records between were inserted: the first of them; if no record has
 *     that hash, the previous record was rewritten with a recomputed hash
 *     (the later record vouches for the old one): the previous record;
 *   - a record after the head's last_id (appended behind the chain's back):
 *     that record; the log ending before the head's last_id (truncated): the
 *     first missing id; the last hash differing from the head's: the last
 *     record;
 *   - 0 when every record is sound but audit_head itself was altered.
 * A clean log never fails.
 */
GC_MUST_CHECK gc_status gc_audit_verify(struct gc_db *db, int64_t *first_bad_id, char *err, size_t err_size);

/* The head: the last record's id and hash and the number of records, to keep
 * a copy outside the database (last_hash: GC_AUDIT_HASH_SIZE bytes).
 * GC_ENOTFOUND when the row is missing, GC_EINVAL when it is malformed. */
GC_MUST_CHECK gc_status gc_audit_head(struct gc_db *db, int64_t *last_id, char *last_hash, int64_t *count);

/*
 * The hash of one record, given as a JSON object with the table's columns
 * (as gc_db_query returns a row; "id" and "hash" are ignored), into out
 * (GC_AUDIT_HASH_SIZE bytes). For tools that check an exported log.
 * GC_EINVAL when a member is missing or of the wrong type.
 */
GC_MUST_CHECK gc_status gc_audit_hash_row(const json_t *row, char out[GC_AUDIT_HASH_SIZE]);

#endif
