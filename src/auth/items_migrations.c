#include "auth/items.h"

/*
 * Version 1: the envelope, its sharing list and its published versions.
 *
 * items.id is the portal-wide id of a shared thing, whatever its module: a
 * module's content row and the search index refer to it, so it is never
 * reused (AUTOINCREMENT on SQLite; an identity on PostgreSQL never goes
 * back). Items are withdrawn, never deleted, so foreign keys carry no
 * ON DELETE. The CHECKs restate invariants the code keeps, so that a bug or
 * a hand edit cannot leave a pending item without a review to await, or a
 * public item with a notice or a scheduled release.
 *
 * Indexes follow the visibility predicate (auth/policy.c): published items
 * by visibility, an organisation's own items, a module's lists, the review
 * queue and the due releases; item_shares is searched by (item_id, org_id)
 * through its primary key and by organisation for "shared with us".
 */
#define ITEMS_V1(ID)                                                                                               \
	"CREATE TABLE items ("                                                                                     \
	" id " ID ","                                                                                              \
	" module TEXT NOT NULL,"                                                                                   \
	" owner_org BIGINT NOT NULL REFERENCES organisations(id),"                                                 \
	" visibility TEXT NOT NULL CHECK (visibility IN ('public', 'restricted', 'named')),"                      \
	" status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'published', 'withdrawn')),"                 \
	" approval TEXT NULL CHECK (approval IN ('secretariat', 'four_eyes')),"                                    \
	" title TEXT NOT NULL,"                                                                                    \
	" country TEXT NULL CHECK (country IS NULL OR length(country) = 3),"                                       \
	" languages TEXT NOT NULL DEFAULT '[]',"                                                                   \
	" version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),"                                                 \
	" created_by BIGINT NOT NULL REFERENCES users(id),"                                                        \
	" created_at TEXT NOT NULL,"                                                                               \
	" updated_at TEXT NOT NULL,"                                                                               \
	" uploaded_by BIGINT NULL REFERENCES users(id),"                                                           \
	" submitted_by BIGINT NULL REFERENCES users(id),"                                                          \
	" submitted_at TEXT NULL,"                                                                                 \
	" reviewed_by BIGINT NULL REFERENCES users(id),"                                                           \
	" reviewed_at TEXT NULL,"                                                                                  \
	" review_note TEXT NULL,"                                                                                  \
	" published_at TEXT NULL,"                                                                                 \
	" withdrawn_at TEXT NULL,"                                                                                 \
	" notice_title TEXT NULL,"                                                                                 \
	" notice_summary TEXT NULL,"                                                                               \
	" release_at TEXT NULL,"                                                                                   \
	" CHECK ((status = 'pending') = (approval IS NOT NULL)),"                                                  \
	" CHECK (notice_title IS NULL OR visibility <> 'public'),"                                                 \
	" CHECK (release_at IS NULL OR visibility <> 'public'));"                                                  \
	"CREATE INDEX items_published ON items (status, visibility);"                                             \
	"CREATE INDEX items_owner ON items (owner_org, status);"                                                   \
	"CREATE INDEX items_module ON items (module, status, visibility);"                                         \
	"CREATE INDEX items_review ON items (status, approval, submitted_at);"                                    \
	"CREATE INDEX items_release ON items (release_at) WHERE release_at IS NOT NULL;"                          \
	"CREATE TABLE item_shares ("                                                                               \
	" item_id BIGINT NOT NULL REFERENCES items(id),"                                                           \
	" org_id BIGINT NOT NULL REFERENCES organisations(id),"                                                    \
	" PRIMARY KEY (item_id, org_id));"                                                                         \
	"CREATE INDEX item_shares_org ON item_shares (org_id);"                                                    \
	"CREATE TABLE item_versions ("                                                                             \
	" id " ID ","                                                                                              \
	" item_id BIGINT NOT NULL REFERENCES items(id),"                                                           \
	" version BIGINT NOT NULL,"                                                                                \
	" snapshot TEXT NOT NULL,"                                                                                 \
	" changed_by BIGINT NULL REFERENCES users(id),"                                                            \
	" changed_at TEXT NOT NULL,"                                                                               \
	" note TEXT NULL,"                                                                                         \
	" UNIQUE (item_id, version));"                                                                             \
	"INSERT INTO settings (key, value) VALUES ('restricted_includes_observers', '0');"

const struct gc_migration gc_items_migrations[GC_ITEMS_MIGRATION_COUNT] = {
	{ .version = 1,
	  .sql = ITEMS_V1("INTEGER PRIMARY KEY AUTOINCREMENT"),
	  .sql_postgres = ITEMS_V1("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") },
};
