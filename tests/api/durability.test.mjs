// Nothing acknowledged is lost: policies are created by many clients at once, the server is
// killed with SIGKILL in the middle (no graceful stop, no flush), and after a restart on
// the same database every item that was answered 201 is there, whole and readable, and the
// audit log's hash chain is intact. On SQLite this rests on WAL with synchronous=FULL; on
// PostgreSQL on its commit. (Power loss is beyond a test on one machine: the kernel keeps
// what was written before the process died.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, cli, makeOrg, makePerson, policy } from './lib/items-fixture.mjs';
import { createDatabase, startServer } from './lib/server.mjs';

const CLIENTS = 8;
const ROUNDS = 12;

let db;
let server;

before(async () => {
	db = await createDatabase();
	server = await startServer({ db });
});
after(async () => {
	await server?.stop();
	await db?.drop();
});

test('every item acknowledged before a SIGKILL is there after the restart, and the audit chain holds', async () => {
	const kenya = await makeOrg(server, 'member_state', 'Kenya (durability)', { country: 'KEN' });
	const editor = await makePerson(server, kenya, 'editor@ken.durability.test', 'editor');
	const acknowledged = new Map(); // id -> title
	let killed = false;
	let attempts = 0;

	const writer = async (client) => {
		for (let round = 0; round < ROUNDS; round++) {
			const title = `Durable plan ${client}-${round}`;
			attempts++;
			let res;
			try {
				res = await call(server, editor, 'POST', '/policies', { json: policy(title, { visibility: 'public' }) });
			} catch {
				return; // the server is gone: this request was never answered
			}
			if (res.status === 201) acknowledged.set(res.data.id, title);
			else assert.ok(killed, `before the kill every create succeeds: ${res.status} ${res.text.slice(0, 200)}`);
			// Kill in the middle of the run, with other clients' requests in flight.
			if (!killed && acknowledged.size >= (CLIENTS * ROUNDS) / 2) {
				killed = true;
				server.child.kill('SIGKILL');
			}
		}
	};
	await Promise.all(Array.from({ length: CLIENTS }, (_, i) => writer(i)));
	assert.ok(killed, 'the server was killed during the run');
	const exit = await server.exited;
	assert.equal(exit.signal, 'SIGKILL');
	assert.ok(acknowledged.size >= (CLIENTS * ROUNDS) / 2, `acknowledged ${acknowledged.size} of ${attempts}`);

	server = await startServer({ db });
	for (const [id, title] of acknowledged) {
		const res = await call(server, editor, 'GET', `/policies/${id}`);
		assert.equal(res.status, 200, `item ${id} (${title}) after the restart: ${res.status}`);
		assert.equal(res.data.item.title, title);
	}
	// Whatever was committed but not yet answered may be there too; nothing half-written is.
	const items = Number((await db.sql("SELECT count(*) FROM items WHERE module = 'policies'")).trim());
	const texts = Number((await db.sql('SELECT count(DISTINCT item_id) FROM policy_texts')).trim());
	assert.ok(items >= acknowledged.size, `${items} items for ${acknowledged.size} acknowledged`);
	assert.equal(texts, items, 'every item has its content: envelope and content commit together');
	const audited = Number((await db.sql("SELECT count(*) FROM audit_log WHERE action = 'item.create'")).trim());
	assert.equal(audited, items, 'every item has its audit record, and no record lacks its item');
	const verify = await cli(server, ['audit', 'verify']);
	assert.match(verify, /^audit log intact: \d+ records/);
});
