// Backup and restore of a live portal (SECURITY.md R6; docs/operations.md): `gcscp backup`
// runs while clients keep creating policies and sending structured requests with files
// through the API; the backup is restored into a new, empty database and data directory; a
// second server on the restored copy answers every item exactly as the source does (page,
// envelope and version) — policies, points of contact, events, needs and offers — every
// request thread and its files byte for byte, providers' interest and subscriptions; every
// write acknowledged before the backup began is there, nothing is there that the source
// lacks, every file row of the restored database names bytes of the restored store, the
// audit chain verifies and its head is a record of the source's chain. On SQLite this is
// the online backup API; on PostgreSQL pg_dump of an exported snapshot and pg_restore.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { request } from './lib/http.mjs';
import { multipart } from './lib/multipart.mjs';
import { call, cli, createPolicy, expectStatus, makeCast, policy } from './lib/items-fixture.mjs';
import { assertRequestFilesStored, assertWritePresent, itemPath, requestFileBytes, sha256, writes } from './lib/module-writes.mjs';
import { ENGINE, createDatabase, runChecked, runCli, startServer, tableCounts } from './lib/server.mjs';

const WRITERS = 4;
const REQUEST_WRITERS = 2;

let source;
let restored;
let restoredDb;
let cast;
let backupDir;
const kindOf = new Map(); // item id -> 'contact' | 'event' | 'need' | 'offer' (else a policy)

before(async () => {
	source = await startServer();
	cast = await makeCast(source);
	backupDir = path.join(source.db.dataDir, '..', `${path.basename(source.db.dataDir)}-backup`);
});
after(async () => {
	await restored?.stop();
	await restoredDb?.drop();
	await source?.stop();
	const { rm } = await import('node:fs/promises');
	await rm(backupDir, { recursive: true, force: true });
});

/**
 * Every id as the Secretariat's admin reads it (the envelope and the item page's model),
 * and as the two owners do (drafts are their own organisation's until submitted).
 */
async function snapshotOf(server, ids) {
	const out = new Map();
	for (const id of ids) {
		const views = [];
		for (const who of [cast.secAdmin, cast.kenEditor, cast.stkEditor]) {
			const envelope = await call(server, who, 'GET', `/items/${id}`);
			const page = await call(server, who, 'GET', `${itemPath[kindOf.get(id) ?? 'policy']}/${id}`);
			views.push({ status: envelope.status, envelope: envelope.data, pageStatus: page.status, page: page.data });
		}
		out.set(id, { views, seen: views.some((v) => v.status === 200), secretariat: views[0] });
	}
	return out;
}

async function listIds(server) {
	const ids = [];
	for (let page = 1; page <= 1000; page++) {
		const res = expectStatus(await call(server, cast.secAdmin, 'GET', `/policies?per_page=100&page=${page}`), 200, 'list');
		const rows = res.data.items ?? res.data.rows ?? [];
		for (const row of rows) if (row.id) ids.push(Number(row.id));
		if (rows.length < 100) break;
	}
	return ids;
}

test('a backup taken under concurrent writes restores to an identical portal', async () => {
	// Items of every kind before the backup: public, restricted, shared, a draft, a
	// pending submission, and edited ones (versions above 1).
	const before = [];
	before.push((await createPolicy(source, cast.kenEditor, policy('Backup: public plan', { visibility: 'public' }))).id);
	before.push((await createPolicy(source, cast.kenEditor, policy('Backup: restricted plan', { visibility: 'restricted' }))).id);
	before.push((await createPolicy(source, cast.kenEditor, policy('Backup: shared plan', { visibility: 'named', shares: [cast.orgs.france] }))).id);
	before.push((await createPolicy(source, cast.kenEditor, policy('Backup: draft plan', { draft: true }))).id);
	before.push((await createPolicy(source, cast.stkEditor, policy('Backup: pending submission'))).id);
	const edited = before[0];
	for (let v = 1; v <= 3; v++) {
		const res = await call(source, cast.kenEditor, 'POST', `/policies/${edited}`, {
			json: { version: v, title: `Backup: public plan, edition ${v + 1}`, note: `edit ${v}` },
		});
		expectStatus(res, 200, `edit ${v}`);
	}
	// An attachment uploaded through the API: its bytes go to the content-addressed store.
	const note = Buffer.from('Annex: the list of operators of essential services (backup test).\n');
	const mp = multipart([{ name: 'lang', value: 'en' }, { name: 'file', filename: 'annex.txt', type: 'text/plain', data: note }]);
	const uploaded = await request(source, `/api/v1/policies/${before[1]}/attachments`, {
		method: 'POST', headers: { 'Content-Type': mp.contentType, Accept: 'application/json', ...cast.kenEditor.headers }, body: mp.body,
	});
	assert.equal(uploaded.status, 201, `upload: ${uploaded.text.slice(0, 300)}`);
	const attachmentPath = `/policies/${before[1]}/attachments/${JSON.parse(uploaded.text).id}`;
	// Its text is extracted by a job; the pages compared below show the extraction's state, so
	// it is done before the backup (else the restored portal's own runner may finish it first).
	for (let waited = 0; ; waited += 50) {
		const state = (await source.db.sql(`SELECT text_status FROM attachments WHERE id = ${Number(JSON.parse(uploaded.text).id)}`)).trim();
		if (state !== 'pending') break;
		assert.ok(waited < 20000, 'the attachment\'s text is extracted within 20 s');
		await new Promise((r) => setTimeout(r, 50));
	}
	// A stored file in the data directory, as the attachments store keeps them.
	const storeDir = path.join(source.db.dataDir, 'files', 'ab');
	await mkdir(storeDir, { recursive: true });
	const blob = Buffer.from('stored file content for the backup test\n');
	await writeFile(path.join(storeDir, createHash('sha256').update(blob).digest('hex')), blob);
	// The other modules' writes: a point of contact, a request with a file and a reply with a
	// file, an event, a need, an offer, a provider's interest in the need, a subscription.
	const moduleWrites = [];
	const done = (w) => {
		assert.ok(w.status >= 200 && w.status < 300, `${w.kind}: ${w.status} ${w.res.text.slice(0, 300)}`);
		delete w.res;
		moduleWrites.push(w);
		if (itemPath[w.kind] && w.kind !== 'policy') kindOf.set(w.id, w.kind);
		return w;
	};
	done(await writes.item(source, cast.kenEditor, 'contact', 'backup'));
	const sentRequest = done(await writes.request(source, cast.kenEditor, cast.orgs.france, 'backup'));
	done(await writes.reply(source, cast.fraEditor, sentRequest.id, 'backup reply'));
	done(await writes.item(source, cast.fraEditor, 'event', 'backup'));
	const need = done(await writes.item(source, cast.kenEditor, 'need', 'backup'));
	done(await writes.item(source, cast.fraEditor, 'offer', 'backup'));
	done(await writes.interest(source, cast.fraEditor, need.id, 'backup'));
	const subscribed = done(await writes.subscription(source, cast.kenReader, 3));
	for (const w of moduleWrites) if (itemPath[w.kind]) before.push(w.id);

	// Writers keep creating while the backup runs.
	const acknowledged = new Map(); // id -> true, in the order of the answers
	let stop = false;
	const writer = async (n) => {
		for (let i = 0; !stop; i++) {
			const res = await call(source, cast.kenEditor, 'POST', '/policies', {
				json: policy(`Backup load ${n}-${i}`, { visibility: i % 2 ? 'public' : 'restricted' }),
			});
			expectStatus(res, 201, 'create under load');
			acknowledged.set(res.data.id, true);
		}
	};
	// And requests with a file each, between Kenya and France: the rows are in the database's
	// snapshot, the bytes in the data directory, copied after it.
	const requestsAcked = [];
	const requestWriter = async (n) => {
		for (let i = 0; !stop; i++) {
			const w = n % 2 ? await writes.request(source, cast.fraEditor, cast.orgs.kenya, `load ${n}-${i}`)
				: await writes.request(source, cast.kenEditor, cast.orgs.france, `load ${n}-${i}`);
			expectStatus(w.res, 201, 'request under load');
			delete w.res;
			requestsAcked.push(w);
		}
	};
	const writers = [...Array.from({ length: WRITERS }, (_, n) => writer(n)),
		...Array.from({ length: REQUEST_WRITERS }, (_, n) => requestWriter(n))];
	while (acknowledged.size < 20 || requestsAcked.length < 4) await new Promise((r) => setTimeout(r, 10));
	const ackedBefore = [...before, ...acknowledged.keys()];
	const requestsBefore = [sentRequest, ...requestsAcked];
	const backup = await runCli(['backup', '--out', backupDir, '--db', source.db.url, '--data', source.db.dataDir]);
	const ackedDuring = acknowledged.size;
	// Let the writers go on a little after the backup, then stop them.
	while (acknowledged.size < ackedDuring + 10) await new Promise((r) => setTimeout(r, 10));
	stop = true;
	await Promise.all(writers);
	assert.equal(backup.code, 0, `gcscp backup: ${backup.stderr}`);
	assert.match(backup.stdout, /^backup written to /);
	assert.match(backup.stdout, /not in the backup: the secrets directory/);
	const manifest = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8'));
	assert.equal(manifest.format, 'gcscp-backup');
	assert.equal(manifest.engine, source.db.engine === 'sqlite' ? 'sqlite' : 'postgresql');
	assert.ok(manifest.tables.items > ackedBefore.length - 1, `the manifest counts ${manifest.tables.items} items`);
	assert.ok(manifest.schema.policies >= 1 && manifest.schema.core >= 1, 'schema versions');
	// The stored file is in the backup, with its checksum; the secrets and the live database are not.
	const stored = manifest.files.filter((f) => f.path === `files/files/ab/${sha256(blob)}`);
	assert.equal(stored.length, 1, JSON.stringify(manifest.files));
	assert.equal(stored[0].sha256, createHash('sha256').update(blob).digest('hex'));
	assert.ok(!manifest.files.some((f) => /secrets|gcscp\.db/.test(f.path)), 'no secret and no live database file');
	// The files of the requests and replies acknowledged before the backup began are in it.
	for (const w of [...requestsBefore, ...moduleWrites.filter((m) => m.kind === 'reply')]) {
		const sha = sha256(w.file.data);
		const entry = manifest.files.find((f) => f.path === `files/files/${sha.slice(0, 2)}/${sha}`);
		assert.ok(entry, `the file of ${w.kind} ${w.tag} is in the backup`);
		assert.equal(entry.sha256, sha);
		assert.equal(entry.bytes, w.file.data.length);
	}
	const entries = await readdir(backupDir);
	assert.deepEqual(entries.sort(), ['database.' + (manifest.engine === 'sqlite' ? 'sqlite' : 'pgdump'), 'files', 'manifest.json'].sort());
	for (const name of ['manifest.json', manifest.database.path]) {
		assert.equal((await stat(path.join(backupDir, name))).mode & 0o077, 0, `${name} is private (0600)`);
	}
	// No hidden partial directory is left beside it.
	const siblings = await readdir(path.dirname(backupDir));
	assert.ok(!siblings.some((s) => s.includes('.partial-')), 'no partial backup left');

	// A second backup to the same place is refused.
	const again = await runCli(['backup', '--out', backupDir, '--db', source.db.url, '--data', source.db.dataDir]);
	assert.equal(again.code, 1);
	assert.match(again.stderr, /exists already/);

	// Restore into a new, empty database and data directory.
	restoredDb = await createDatabase();
	const restore = await runCli(['restore', '--from', backupDir, '--db', restoredDb.url, '--data', restoredDb.dataDir]);
	assert.equal(restore.code, 0, `gcscp restore: ${restore.stderr}`);
	assert.match(restore.stdout, /counts, schema and audit head match the manifest/);
	assert.match(restore.stdout, /secrets directory .* is missing/);
	assert.deepEqual(await tableCounts(restoredDb), manifest.tables, 'every table has the manifest\'s rows');
	const restoredBlob = await readFile(path.join(restoredDb.dataDir, 'files', 'ab', stored[0].sha256));
	assert.deepEqual(restoredBlob, blob, 'the stored file is back');
	const verify = await runCli(['audit', 'verify', '--db', restoredDb.url, '--data', restoredDb.dataDir]);
	assert.equal(verify.code, 0, verify.stdout + verify.stderr);
	assert.match(verify.stdout, new RegExp(`^audit log intact: ${manifest.audit.records} records`));
	assert.match(verify.stdout, new RegExp(`head: record ${manifest.audit.head_id}, hash ${manifest.audit.head_hash}`));
	// The restored chain is a prefix of the source's: the head is the source's record.
	const sourceHash = (await source.db.sql(`SELECT hash FROM audit_log WHERE id = ${Number(manifest.audit.head_id)}`)).trim();
	assert.equal(sourceHash, manifest.audit.head_hash, 'the head is a record of the source chain');

	// A second restore onto the now non-empty target is refused without --force.
	const refused = await runCli(['restore', '--from', backupDir, '--db', restoredDb.url, '--data', restoredDb.dataDir]);
	assert.equal(refused.code, 1);
	assert.match(refused.stderr, /not empty/);

	// The operator puts back the secrets from their own copy; the restored portal serves.
	await cp(path.join(source.db.dataDir, 'secrets'), path.join(restoredDb.dataDir, 'secrets'), { recursive: true, preserveTimestamps: true });
	restored = await startServer({ db: restoredDb });

	// The attachment is served by the restored portal byte for byte, with the same headers.
	const fileFrom = async (server) => request(server, attachmentPath, { headers: cast.secAdmin.headers });
	const [fileSource, fileRestored] = [await fileFrom(source), await fileFrom(restored)];
	assert.equal(fileRestored.status, 200, `the attachment on the restored portal: ${fileRestored.status}`);
	assert.equal(fileRestored.text, note.toString());
	assert.equal(fileRestored.text, fileSource.text);
	for (const h of ['content-type', 'content-disposition', 'etag']) assert.equal(fileRestored.headers[h], fileSource.headers[h], h);

	// The other modules' writes read back whole from the restored portal; the provider's
	// interest and the subscription as on the source.
	for (const w of moduleWrites) if (w.kind !== 'subscription') await assertWritePresent(restored, cast.kenEditor, w);
	const subOf = async (server) => expectStatus(await call(server, cast.kenReader, 'GET', '/calendar/subscription'), 200, 'subscription').data.subscription;
	const restoredSub = await subOf(restored);
	assert.deepEqual(restoredSub, await subOf(source), 'the subscription is the source\'s');
	assert.equal(restoredSub.frequency, subscribed.setting.frequency);
	assert.deepEqual(restoredSub.topics, subscribed.setting.topics);
	assert.equal(restoredSub.digest_lang, subscribed.setting.digest_lang);
	const interestOf = async (db) => (await db.sql(`SELECT org_id, user_id, message, created_at FROM capacity_interest WHERE need_id = ${need.id} ORDER BY org_id`)).trim();
	assert.equal(await interestOf(restoredDb), await interestOf(source.db), 'the interest is the source\'s');
	// Request by request: every one acknowledged before the backup began is there; each one
	// restored reads as on the source, for both states, and its files are the source's bytes.
	for (const w of requestsBefore) await assertWritePresent(restored, cast.kenEditor, w);
	const storedFiles = await assertRequestFilesStored(restoredDb);
	const restoredRequests = (await restoredDb.sql('SELECT id FROM contact_requests ORDER BY id')).split('\n').filter(Boolean).map(Number);
	assert.ok(restoredRequests.length >= requestsBefore.length && storedFiles >= requestsBefore.length + 1,
		`${restoredRequests.length} requests, ${storedFiles} files restored`);
	for (const id of restoredRequests) {
		for (const who of [cast.kenEditor, cast.fraEditor]) {
			const [s, r] = [await call(source, who, 'GET', `/requests/${id}`), await call(restored, who, 'GET', `/requests/${id}`)];
			expectStatus(r, 200, `request ${id} restored`);
			assert.deepEqual(r.data, s.data, `request ${id} as ${who.email}: the thread is the source's`);
			for (const m of r.data.messages) {
				for (const f of m.files) {
					assert.deepEqual(await requestFileBytes(restored, who, id, f.id), await requestFileBytes(source, who, id, f.id),
						`request ${id}, file ${f.id}: the source's bytes`);
				}
			}
		}
	}
	const sourceRequests = Number((await source.db.sql('SELECT count(*) FROM contact_requests')).trim());
	assert.ok(sourceRequests > restoredRequests.length, `requests after the backup are in the source only (${sourceRequests} > ${restoredRequests.length})`);

	// Item by item: every id the source has ever answered, as the Secretariat sees it.
	const sourceIds = await listIds(source);
	const maxId = Math.max(...sourceIds, ...before, ...acknowledged.keys());
	const ids = Array.from({ length: maxId }, (_, i) => i + 1);
	const inSource = await snapshotOf(source, ids);
	const inRestored = await snapshotOf(restored, ids);
	let present = 0;
	for (const id of ids) {
		const s = inSource.get(id);
		const r = inRestored.get(id);
		if (!r.seen) {
			assert.ok(!ackedBefore.includes(id), `item ${id}, acknowledged before the backup began, is missing`);
			assert.ok(r.views.every((v) => v.status === 404 && v.pageStatus === 404), `item ${id}: absent everywhere`);
			continue;
		}
		present++;
		assert.ok(s.seen, `item ${id} is in the restored portal but not in the source`);
		for (let v = 0; v < r.views.length; v++) {
			assert.equal(r.views[v].status, s.views[v].status, `item ${id}, reader ${v}: the envelope's status`);
			assert.deepEqual(r.views[v].envelope, s.views[v].envelope, `item ${id}, reader ${v}: the envelope (version, status, visibility) is the source's`);
			assert.equal(r.views[v].pageStatus, s.views[v].pageStatus, `item ${id}, reader ${v}: the page`);
			assert.deepEqual(r.views[v].page, s.views[v].page, `item ${id}, reader ${v}: the policy is the source's`);
		}
	}
	for (const id of ackedBefore) assert.ok(inRestored.get(id).seen, `acknowledged item ${id} restored`);
	assert.equal(inRestored.get(before[3]).secretariat.status, 404, 'the draft stays its owner\'s');
	assert.equal(inRestored.get(edited).secretariat.envelope.version, 4, 'the edited item keeps its version');
	assert.equal(present, manifest.tables.items, 'the restored portal answers for every item of the manifest');
	// Writes after the backup's point are in the source only.
	assert.ok(inSource.size > present, `${inSource.size} ids in the source, ${present} restored`);
	// The restored lists agree with the source's for the items restored.
	const restoredIds = new Set(await listIds(restored));
	for (const id of sourceIds) {
		if (inRestored.get(id).seen) assert.ok(restoredIds.has(id), `item ${id} in the restored list`);
	}
	// The tokens work against the restored copy with the restored secrets (the edit above was audited).
	const write = await call(restored, cast.kenEditor, 'POST', '/policies', { json: policy('Written after the restore') });
	expectStatus(write, 201, 'a write on the restored portal');
	await cli(restored, ['audit', 'verify']);
});

test('restore refuses a damaged backup and a backup for the other engine', async () => {
	const target = await createDatabase();
	try {
		const copy = `${backupDir}-damaged`;
		await cp(backupDir, copy, { recursive: true });
		const manifest = JSON.parse(await readFile(path.join(copy, 'manifest.json'), 'utf8'));
		const file = path.join(copy, manifest.files[0].path);
		await writeFile(file, 'tampered\n');
		const r = await runCli(['restore', '--from', copy, '--db', target.url, '--data', target.dataDir]);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /not what the manifest says: the backup is damaged/);
		assert.deepEqual(await readdir(target.dataDir), [], 'nothing was written');

		// A path that climbs out of the data directory is refused before anything is read.
		manifest.files[0].path = 'files/../../escape';
		await writeFile(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
		const climb = await runCli(['restore', '--from', copy, '--db', target.url, '--data', target.dataDir]);
		assert.equal(climb.code, 1);
		assert.match(climb.stderr, /unsafe path/);

		const other = target.engine === 'sqlite' ? 'postgresql://nobody@127.0.0.1:1/none' : 'sqlite:';
		const wrong = await runCli(['restore', '--from', backupDir, '--db', other, '--data', target.dataDir]);
		assert.equal(wrong.code, 1);
		assert.match(wrong.stderr, /backup restores onto/);

		const missing = await runCli(['restore', '--db', target.url, '--data', target.dataDir]);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /restore needs --from DIR/);
		const { rm } = await import('node:fs/promises');
		await rm(copy, { recursive: true, force: true });
	} finally {
		await target.drop();
	}
});

test('PostgreSQL by hand: pg_dump under concurrent writes and pg_restore give the same tables (docs/operations.md)', { skip: ENGINE !== 'postgres' && 'PostgreSQL only' }, async () => {
	let stop = false;
	let written = 0;
	const acked = [];
	const writer = async (n) => {
		for (let i = 0; !stop; i++) {
			const res = await call(source, cast.kenEditor, 'POST', '/policies', { json: policy(`By hand ${n}-${i}`) });
			expectStatus(res, 201, 'create under load');
			acked.push(Number(res.data.id));
			written++;
		}
	};
	const writers = [writer(0), writer(1)];
	while (written < 5) await new Promise((r) => setTimeout(r, 10));
	const dump = path.join(source.db.dataDir, '..', `${path.basename(source.db.dataDir)}.pgdump`);
	const target = await createDatabase();
	try {
		const ackedBefore = [...acked];
		await runChecked('pg_dump', ['--format=custom', `--file=${dump}`, source.db.url]);
		stop = true;
		await Promise.all(writers);
		await runChecked('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction',
			`--dbname=${target.url}`, dump]);
		const verify = await runCli(['audit', 'verify', '--db', target.url, '--data', target.dataDir]);
		assert.equal(verify.code, 0, verify.stdout + verify.stderr);
		const head = /head: record (\d+), hash ([0-9a-f]{64})/.exec(verify.stdout);
		assert.ok(head, verify.stdout);
		assert.equal((await source.db.sql(`SELECT hash FROM audit_log WHERE id = ${Number(head[1])}`)).trim(), head[2]);
		// The dump is one snapshot: every table's rows are those of the source up to its
		// audit head (later writes are in the source only).
		const counts = await tableCounts(target);
		const items = Number((await target.sql('SELECT count(*) FROM items')).trim());
		const created = Number((await target.sql("SELECT count(*) FROM audit_log WHERE action = 'item.create'")).trim());
		assert.equal(items, created, 'each restored item has its audit record and no record lacks its item');
		const sourceItems = (await source.db.sql(`SELECT id, version, title_hash FROM (SELECT i.id, i.version, md5(coalesce(t.title, '')) AS title_hash FROM items i LEFT JOIN policy_texts t ON t.item_id = i.id ORDER BY i.id, t.lang) x`)).split('\n').filter(Boolean);
		const targetItems = (await target.sql(`SELECT id, version, title_hash FROM (SELECT i.id, i.version, md5(coalesce(t.title, '')) AS title_hash FROM items i LEFT JOIN policy_texts t ON t.item_id = i.id ORDER BY i.id, t.lang) x`)).split('\n').filter(Boolean);
		const inSource = new Set(sourceItems);
		for (const row of targetItems) assert.ok(inSource.has(row), `restored ${row} is the source's`);
		const restoredIds = new Set(targetItems.map((row) => Number(row.split('|')[0])));
		for (const id of ackedBefore) assert.ok(restoredIds.has(id), `item ${id}, acknowledged before pg_dump began, restored`);
		assert.equal(counts.items, items);
		assert.ok(sourceItems.length > targetItems.length, 'writes after the dump are in the source only');
	} finally {
		stop = true;
		await Promise.all(writers);
		await target.drop();
		const { rm } = await import('node:fs/promises');
		await rm(dump, { force: true });
	}
});
