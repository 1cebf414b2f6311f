// The audit log browser: the Secretariat's admins read everything, an organisation's admins
// exactly the entries about their organisation (never another's); filters, pages, and the
// chain's verification, which names the entry an attacker altered behind the triggers' back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertJsonError } from './lib/http.mjs';
import { auditCount, call, makeWorld, rows, scalar } from './lib/orgs-fixture.mjs';
import { ENGINE, startServer } from './lib/server.mjs';

let server;
let org;
let who;

before(async () => {
	server = await startServer();
	({ org, who } = await makeWorld(server));
	// Things happen in A, in B, at the stakeholder's, and by the Secretariat in A and B.
	const ok = async (res) => assert.ok(res.status < 300, `${res.status}: ${res.text}`);
	await ok(await call(server, who.aAdmin, 'POST', `/people/${who.aReader.id}/role`, { role: 'editor' }));
	await ok(await call(server, who.aAdmin, 'POST', `/organisations/${org.a}/people`, { email: 'a.new@a.example', role: 'reader' }));
	await ok(await call(server, who.bAdmin, 'POST', `/organisations/${org.b}/people`, { email: 'b.new@b.example', role: 'editor' }));
	await ok(await call(server, who.bAdmin, 'POST', `/organisations/${org.b}/four-eyes`, { on: true }));
	await ok(await call(server, who.stAdmin, 'POST', `/organisations/${org.st}/people`, { email: 'st.new@acme.example', role: 'reader' }));
	await ok(await call(server, who.secAdmin, 'POST', `/people/${who.aEditor.id}/modules`, { module: ['countries'] }));
	await ok(await call(server, who.secAdmin, 'POST', `/organisations/${org.b}/people`, { email: 'b.sec@b.example', role: 'reader' }));
	await ok(await call(server, who.secAdmin, 'POST', `/organisations/${org.un}/disable`));
});
after(async () => {
	await server?.stop();
});

/** Every entry the caller can read with these filters, following the pages. */
async function readAll(p, query = '') {
	const ids = [];
	let path = `/audit?limit=200${query}`;
	for (;;) {
		const res = await call(server, p, 'GET', path);
		assert.equal(res.status, 200, res.text);
		const body = res.json();
		ids.push(...body.entries);
		if (body.next_before === null) return ids;
		path = `/audit?limit=200${query}&before=${body.next_before}`;
	}
}

/** The ids of the entries about an organisation, straight from the database. */
async function idsAbout(orgId) {
	const r = await rows(server, `SELECT id FROM audit_log WHERE actor_org = ${orgId}`
		+ ` OR (target_type = 'org' AND target_id = '${orgId}')`
		+ ` OR (target_type = 'user' AND target_id IN (SELECT CAST(id AS TEXT) FROM users WHERE org_id = ${orgId}))`
		+ ' ORDER BY id DESC');
	return r.map(([id]) => Number(id));
}

test('the Secretariat\'s admins read every entry, newest first, with the chain\'s head', async () => {
	const res = await call(server, who.secAdmin, 'GET', '/audit?limit=200');
	const body = res.json();
	const total = await auditCount(server);
	assert.ok(total > 20 && total < 200, `${total} entries`);
	assert.equal(body.entries.length, total);
	assert.equal(body.scope, 'all');
	const ids = body.entries.map((e) => e.id);
	assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
	const [[lastId, lastHash, count]] = await rows(server, 'SELECT last_id, last_hash, count FROM audit_head');
	assert.deepEqual(body.head, { count: Number(count), last_id: Number(lastId), last_hash: lastHash });
	// One entry in full: who, from where, what, on what, and the detail as an object.
	const role = body.entries.find((e) => e.action === 'user.role');
	assert.equal(role.actor.id, who.aAdmin.id);
	assert.equal(role.actor.email, 'a.admin@a.example');
	assert.equal(role.actor.org_id, org.a);
	assert.equal(role.actor.org_name, 'State A Ministry of Foreign Affairs');
	assert.equal(role.client_ip, '127.0.0.1');
	assert.deepEqual(role.target, { type: 'user', id: String(who.aReader.id), href: `/audit?target_type=user&target_id=${who.aReader.id}` });
	assert.deepEqual(role.detail, { org_id: org.a, from: 'reader', to: 'editor' });
	assert.match(role.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	// Entries of the command line have no actor.
	const cli = body.entries.find((e) => e.action === 'org.create' && e.target.id === String(org.a));
	assert.equal(cli.actor, null);
});

test('an organisation\'s admins read exactly the entries about their organisation', async () => {
	for (const [p, orgId] of [[who.aAdmin, org.a], [who.bAdmin, org.b], [who.stAdmin, org.st]]) {
		const entries = await readAll(p);
		assert.deepEqual(entries.map((e) => e.id), await idsAbout(orgId), `entries of organisation ${orgId}`);
		const res = (await call(server, p, 'GET', '/audit')).json();
		assert.equal(res.scope, 'organisation');
		assert.equal(res.head, undefined, 'no chain head for an organisation\'s admin');
	}
	// What the Secretariat did to A's people is A's business; what it did to B's is not.
	const aEntries = await readAll(who.aAdmin);
	assert.ok(aEntries.some((e) => e.action === 'user.modules' && e.actor.id === who.secAdmin.id));
	assert.ok(!aEntries.some((e) => e.target?.type === 'org' && e.target.id === String(org.b)));
	assert.ok(!aEntries.some((e) => e.actor?.org_id === org.b));
	assert.ok(!aEntries.some((e) => e.action === 'org.four_eyes'));
	const bUsers = (await rows(server, `SELECT id FROM users WHERE org_id = ${org.b}`)).map(([id]) => id);
	assert.ok(!aEntries.some((e) => e.target?.type === 'user' && bUsers.includes(e.target.id)));
	// Asking for another organisation's entries gives none.
	assert.deepEqual((await readAll(who.aAdmin, `&org=${org.b}`)).map((e) => e.id), []);
	assert.deepEqual((await readAll(who.aAdmin, `&actor=${who.bAdmin.id}`)).map((e) => e.id), []);
	assert.deepEqual((await readAll(who.aAdmin, `&target_type=org&target_id=${org.b}`)).map((e) => e.id), []);
});

test('filters: action (exact or a family), actor, organisation, target, dates', async () => {
	const exact = await readAll(who.secAdmin, '&action=user.role');
	assert.ok(exact.length >= 1 && exact.every((e) => e.action === 'user.role'));
	const family = await readAll(who.secAdmin, '&action=user.');
	assert.ok(family.every((e) => e.action.startsWith('user.')));
	const actions = new Set(family.map((e) => e.action));
	for (const a of ['user.role', 'user.invite', 'user.modules']) assert.ok(actions.has(a), a);
	assert.equal(family.length, Number(await scalar(server, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'user.%'")));
	assert.deepEqual(await readAll(who.secAdmin, '&action=user'), [], 'no family without its dot');
	const byActor = await readAll(who.secAdmin, `&actor=${who.bAdmin.id}`);
	assert.equal(byActor.length, 2); // an invitation and four-eyes
	assert.ok(byActor.every((e) => e.actor.id === who.bAdmin.id));
	const aboutB = await readAll(who.secAdmin, `&org=${org.b}`);
	assert.deepEqual(aboutB.map((e) => e.id), await idsAbout(org.b));
	const target = await readAll(who.secAdmin, `&target_type=org&target_id=${org.un}`);
	assert.deepEqual(target.map((e) => e.action), ['org.disable', 'org.create']);
	const today = new Date().toISOString().slice(0, 10);
	const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
	const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
	assert.equal((await readAll(who.secAdmin, `&from=${today}&to=${today}`)).length, await auditCount(server));
	assert.deepEqual(await readAll(who.secAdmin, `&from=${tomorrow}`), []);
	assert.deepEqual(await readAll(who.secAdmin, `&to=${yesterday}`), []);
	const combined = await readAll(who.secAdmin, `&action=user.invite&org=${org.b}&from=${today}`);
	assert.ok(combined.length >= 2 && combined.every((e) => e.action === 'user.invite'));
});

test('pages of at most limit entries, newest first, below the cursor', async () => {
	const total = await auditCount(server);
	const seen = [];
	let path = '/audit?limit=7';
	let pages = 0;
	for (;;) {
		const body = (await call(server, who.secAdmin, 'GET', path)).json();
		assert.ok(body.entries.length <= 7);
		seen.push(...body.entries.map((e) => e.id));
		pages++;
		if (body.next_before === null) {
			assert.equal(body.pages?.next_href, undefined);
			break;
		}
		assert.equal(body.next_before, body.entries.at(-1).id);
		assert.equal(body.pages.next_href, `/audit?limit=7&before=${body.next_before}`);
		path = `/audit?limit=7&before=${body.next_before}`;
	}
	assert.equal(pages, Math.ceil(total / 7));
	assert.equal(seen.length, total);
	assert.deepEqual(seen, [...seen].sort((x, y) => y - x));
	assert.equal(new Set(seen).size, total);
	assert.equal((await call(server, who.secAdmin, 'GET', '/audit')).json().entries.length, Math.min(50, total));
});

test('malformed filters are refused with 400 naming them', async () => {
	for (const [query, field] of [
		['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=x', 'limit'], ['before=0', 'before'],
		['actor=-1', 'actor'], ['from=2026-13-01', 'from'], ['to=yesterday', 'to'],
		['action=Login.Success', 'action'], ['action=user%20role', 'action'], ['target_type=us%27er', 'target_type'],
	]) {
		assertJsonError(await call(server, who.secAdmin, 'GET', `/audit?${query}`), 400, 'invalid_param', { field });
	}
	// Quotes and SQL in a bound value are only text to compare.
	const injected = await call(server, who.secAdmin, 'GET', `/audit?target_id=${encodeURIComponent("1' OR '1'='1")}`);
	assert.equal(injected.status, 200);
	assert.deepEqual(injected.json().entries, []);
});

test('verification: a clean chain, then an entry altered behind the triggers\' back is named', async () => {
	const clean = await call(server, who.secAdmin, 'POST', '/audit/verify');
	assert.equal(clean.status, 200, clean.text);
	assert.equal(clean.json().verify.ok, true);
	assert.equal(clean.json().head.count, await auditCount(server));

	// The attacker: a role change recorded as something milder.
	const victim = Number(await scalar(server, "SELECT id FROM audit_log WHERE action = 'user.role' ORDER BY id LIMIT 1"));
	const update = `UPDATE audit_log SET detail = '{"from":"reader","org_id":${org.a},"to":"reader"}' WHERE id = ${victim}`;
	// The triggers refuse it first...
	await assert.rejects(server.db.sql(update));
	// ...so the attacker drops (SQLite) or disables (PostgreSQL) them.
	if (ENGINE === 'sqlite') {
		await server.db.sql(`DROP TRIGGER audit_log_no_update; ${update};`);
	} else {
		await server.db.sql(`ALTER TABLE audit_log DISABLE TRIGGER ALL; ${update}; ALTER TABLE audit_log ENABLE TRIGGER ALL;`);
	}
	const res = await call(server, who.secAdmin, 'POST', '/audit/verify');
	assert.equal(res.status, 200, res.text);
	const { verify } = res.json();
	assert.equal(verify.ok, false);
	assert.equal(verify.first_bad_id, victim);
	assert.match(verify.reason, new RegExp(`record ${victim} `));
	// The altered entry is what the log now shows.
	const entries = (await call(server, who.secAdmin, 'GET', `/audit?before=${victim + 1}&limit=1`)).json().entries;
	assert.equal(entries[0].id, victim);
	assert.equal(entries[0].detail.to, 'reader');
});
