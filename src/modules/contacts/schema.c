/*
 * The contacts module's tables (both engines read the same text) and small
 * lookups shared by its pages.
 */
#include <string.h>

#include "base/parse.h"
#include "modules/contacts/contacts.h"

/*
 * Version 1. Content rows hang off the item (items are withdrawn, never
 * deleted). emails, phones and languages are JSON arrays of validated
 * strings; the language filter matches '"fr"' inside languages, which is
 * exact because every element is two or three lower-case letters.
 *
 * A ping target keeps the contact's kind, country and region as they were
 * when the round began, so a round's statistics do not move when a contact
 * is edited later. Token hashes (SHA-256 of the link's token, hex) are
 * unique; a reminder adds a second token, and either link confirms once.
 *
 * A request is not an item: it belongs to two states, and nobody else reads
 * it (the Secretariat sees its times only).
 */
static const char schema_v1[] =
	"CREATE TABLE contacts (\n"
	"  item_id BIGINT PRIMARY KEY REFERENCES items(id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('diplomatic', 'technical', 'assistance')),\n"
	"  function_title TEXT NOT NULL,\n"
	"  person_name TEXT NULL,\n"
	"  agency TEXT NULL,\n"
	"  position TEXT NULL,\n"
	"  emails TEXT NOT NULL,\n"
	"  phones TEXT NOT NULL DEFAULT '[]',\n"
	"  working_hours TEXT NULL,\n"
	"  time_zone TEXT NULL,\n"
	"  languages TEXT NOT NULL DEFAULT '[]',\n"
	"  fingerprint TEXT NULL,\n"
	"  secure_channels TEXT NULL,\n"
	"  notes TEXT NULL,\n"
	"  last_confirmed TEXT NULL,\n"
	"  last_confirmed_how TEXT NULL CHECK (last_confirmed_how IS NULL OR last_confirmed_how IN ('ping', 'editor'))\n"
	");\n"
	"CREATE INDEX contacts_kind ON contacts (kind);\n"
	"CREATE TABLE contact_ping_rounds (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  started_by BIGINT NOT NULL REFERENCES users(id),\n"
	"  started_at TEXT NOT NULL,\n"
	"  started_unix BIGINT NOT NULL,\n"
	"  deadline TEXT NOT NULL,\n"
	"  deadline_unix BIGINT NOT NULL,\n"
	"  reminder_hours INTEGER NOT NULL,\n"
	"  scope TEXT NOT NULL,\n"
	"  base_url TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),\n"
	"  reminded_at TEXT NULL,\n"
	"  closed_at TEXT NULL\n"
	");\n"
	"CREATE TABLE contact_ping_targets (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  round_id BIGINT NOT NULL REFERENCES contact_ping_rounds(id),\n"
	"  contact_id BIGINT NOT NULL REFERENCES contacts(item_id),\n"
	"  owner_org BIGINT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  country TEXT NULL,\n"
	"  region TEXT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  token_hash TEXT NOT NULL UNIQUE,\n"
	"  reminder_hash TEXT NULL UNIQUE,\n"
	"  reminded_at TEXT NULL,\n"
	"  confirmed_at TEXT NULL,\n"
	"  confirmed_unix BIGINT NULL,\n"
	"  UNIQUE (round_id, contact_id)\n"
	");\n"
	"CREATE INDEX contact_ping_targets_org ON contact_ping_targets (owner_org, round_id);\n"
	"CREATE TABLE contact_requests (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  from_org BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  to_org BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('incident_information', 'assistance', 'notification', 'other')),\n"
	"  urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'high', 'urgent')),\n"
	"  handling TEXT NOT NULL CHECK (handling IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT',\n"
	"    'TLP:RED')),\n"
	"  subject TEXT NOT NULL,\n"
	"  created_by BIGINT NOT NULL REFERENCES users(id),\n"
	"  sent_at TEXT NOT NULL,\n"
	"  acknowledged_at TEXT NULL,\n"
	"  acknowledged_by BIGINT NULL REFERENCES users(id),\n"
	"  answered_at TEXT NULL\n"
	");\n"
	"CREATE INDEX contact_requests_from ON contact_requests (from_org, id);\n"
	"CREATE INDEX contact_requests_to ON contact_requests (to_org, id);\n"
	"CREATE TABLE contact_request_messages (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  request_id BIGINT NOT NULL REFERENCES contact_requests(id),\n"
	"  org_id BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  user_id BIGINT NOT NULL REFERENCES users(id),\n"
	"  body TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX contact_request_messages_request ON contact_request_messages (request_id, id);\n";

/* PostgreSQL: identity columns for the module's own rows (items give contacts their ids). */
static const char schema_v1_postgres[] =
	"CREATE TABLE contacts (\n"
	"  item_id BIGINT PRIMARY KEY REFERENCES items(id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('diplomatic', 'technical', 'assistance')),\n"
	"  function_title TEXT NOT NULL,\n"
	"  person_name TEXT NULL,\n"
	"  agency TEXT NULL,\n"
	"  position TEXT NULL,\n"
	"  emails TEXT NOT NULL,\n"
	"  phones TEXT NOT NULL DEFAULT '[]',\n"
	"  working_hours TEXT NULL,\n"
	"  time_zone TEXT NULL,\n"
	"  languages TEXT NOT NULL DEFAULT '[]',\n"
	"  fingerprint TEXT NULL,\n"
	"  secure_channels TEXT NULL,\n"
	"  notes TEXT NULL,\n"
	"  last_confirmed TEXT NULL,\n"
	"  last_confirmed_how TEXT NULL CHECK (last_confirmed_how IS NULL OR last_confirmed_how IN ('ping', 'editor'))\n"
	");\n"
	"CREATE INDEX contacts_kind ON contacts (kind);\n"
	"CREATE TABLE contact_ping_rounds (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  started_by BIGINT NOT NULL REFERENCES users(id),\n"
	"  started_at TEXT NOT NULL,\n"
	"  started_unix BIGINT NOT NULL,\n"
	"  deadline TEXT NOT NULL,\n"
	"  deadline_unix BIGINT NOT NULL,\n"
	"  reminder_hours INTEGER NOT NULL,\n"
	"  scope TEXT NOT NULL,\n"
	"  base_url TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),\n"
	"  reminded_at TEXT NULL,\n"
	"  closed_at TEXT NULL\n"
	");\n"
	"CREATE TABLE contact_ping_targets (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  round_id BIGINT NOT NULL REFERENCES contact_ping_rounds(id),\n"
	"  contact_id BIGINT NOT NULL REFERENCES contacts(item_id),\n"
	"  owner_org BIGINT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  country TEXT NULL,\n"
	"  region TEXT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  token_hash TEXT NOT NULL UNIQUE,\n"
	"  reminder_hash TEXT NULL UNIQUE,\n"
	"  reminded_at TEXT NULL,\n"
	"  confirmed_at TEXT NULL,\n"
	"  confirmed_unix BIGINT NULL,\n"
	"  UNIQUE (round_id, contact_id)\n"
	");\n"
	"CREATE INDEX contact_ping_targets_org ON contact_ping_targets (owner_org, round_id);\n"
	"CREATE TABLE contact_requests (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  from_org BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  to_org BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('incident_information', 'assistance', 'notification', 'other')),\n"
	"  urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'high', 'urgent')),\n"
	"  handling TEXT NOT NULL CHECK (handling IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT',\n"
	"    'TLP:RED')),\n"
	"  subject TEXT NOT NULL,\n"
	"  created_by BIGINT NOT NULL REFERENCES users(id),\n"
	"  sent_at TEXT NOT NULL,\n"
	"  acknowledged_at TEXT NULL,\n"
	"  acknowledged_by BIGINT NULL REFERENCES users(id),\n"
	"  answered_at TEXT NULL\n"
	");\n"
	"CREATE INDEX contact_requests_from ON contact_requests (from_org, id);\n"
	"CREATE INDEX contact_requests_to ON contact_requests (to_org, id);\n"
	"CREATE TABLE contact_request_messages (\n"
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"  request_id BIGINT NOT NULL REFERENCES contact_requests(id),\n"
	"  org_id BIGINT NOT NULL REFERENCES organisations(id),\n"
	"  user_id BIGINT NOT NULL REFERENCES users(id),\n"
	"  body TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX contact_request_messages_request ON contact_request_messages (request_id, id);\n";

/*
 * Version 2: the files of a request's messages (the request's own and each
 * reply's). The bytes are in the shared file store (store/files.h), checked
 * and served as every other upload (docs/attachments.md); this table says
 * which message holds which file under which name. request_id repeats the
 * message's request so a file is found only under its own request. Never
 * indexed for search, never seen by anyone but the two states.
 */
#define SCHEMA_V2(id_type)                                                                                          \
	"CREATE TABLE contact_request_files (\n"                                                                   \
	"  id " id_type ",\n"                                                                                      \
	"  request_id BIGINT NOT NULL REFERENCES contact_requests(id),\n"                                          \
	"  message_id BIGINT NOT NULL REFERENCES contact_request_messages(id),\n"                                  \
	"  filename TEXT NOT NULL,\n"                                                                              \
	"  media_type TEXT NOT NULL,\n"                                                                            \
	"  size BIGINT NOT NULL CHECK (size >= 0),\n"                                                              \
	"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),\n"                                                    \
	"  created_at TEXT NOT NULL\n"                                                                             \
	");\n"                                                                                                     \
	"CREATE INDEX contact_request_files_message ON contact_request_files (message_id, id);\n"                  \
	"CREATE INDEX contact_request_files_request ON contact_request_files (request_id, id);\n"                  \
	"CREATE INDEX contact_request_files_sha256 ON contact_request_files (sha256);\n"

const struct gc_migration contacts_migrations[CONTACTS_MIGRATION_COUNT] = {
	{ .version = 1, .sql = schema_v1, .sql_postgres = schema_v1_postgres },
	{ .version = 2,
	  .sql = SCHEMA_V2("INTEGER PRIMARY KEY"),
	  .sql_postgres = SCHEMA_V2("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") },
};

int64_t contacts_path_id(const struct gc_request *req)
{
	const char *s = req->path_params[0];
	int64_t id = 0;
	if (!s || gc_parse_i64(s, strlen(s), 1, INT64_MAX, &id) != GC_OK)
		return 0;
	return id;
}

const char *contacts_kind_key(struct gc_request *req, const char *kind)
{
	if (!contacts_is_kind(kind))
		return "contacts.kind_assistance";
	return gc_arena_printf(req->arena, "contacts.kind_%s", kind);
}

bool contacts_is_state_or_secretariat(const struct gc_principal *p)
{
	return p && (gc_principal_is_state(p) || gc_principal_is_secretariat(p));
}
