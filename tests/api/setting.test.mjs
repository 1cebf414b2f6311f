// gcscp setting: restricted_includes_observers, the one documented portal setting of the
// rule of who may see what. It changes what an observer state reads at the next request,
// on pages, lists and search alike, and each change is in the audit log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, cli, createPolicy, expectStatus, makeOrg, makePerson, policy } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let kenEditor;
let observer;
let item;

before(async () => {
	server = await startServer();
	const kenya = await makeOrg(server, 'member_state', 'Kenya (setting test)', { country: 'KEN' });
	const palestine = await makeOrg(server, 'observer_state', 'Palestine (setting test)', { country: 'PSE' });
	kenEditor = await makePerson(server, kenya, 'editor@ken.setting.test', 'editor');
	observer = await makePerson(server, palestine, 'reader@pse.setting.test', 'reader');
	item = await createPolicy(server, kenEditor, policy('Quokkaobserver restricted strategy', { visibility: 'restricted' }));
	assert.equal(item.item.status, 'published');
});
after(async () => {
	await server?.stop();
});

async function observerSees() {
	const page = await call(server, observer, 'GET', `/policies/${item.id}`);
	const list = await call(server, observer, 'GET', '/policies');
	const search = await call(server, observer, 'GET', '/search?q=quokkaobserver');
	expectStatus(list, 200, 'list');
	expectStatus(search, 200, 'search');
	const inList = list.data.items.some((i) => i.id === item.id);
	const inSearch = JSON.stringify(search.data).includes('Quokkaobserver');
	assert.equal(inList, page.status === 200, 'the list agrees with the page');
	assert.equal(inSearch, page.status === 200, 'search agrees with the page');
	assert.ok([200, 404].includes(page.status), `page: ${page.status}`);
	return page.status === 200;
}

test('by default observer states do not read restricted items', async () => {
	assert.equal(await cli(server, ['setting', 'get', 'restricted_includes_observers']), '0');
	assert.equal(await observerSees(), false);
});

test('set to 1, they do at once; back to 0, they no longer do; each change is audited', async () => {
	assert.equal(await cli(server, ['setting', 'set', 'restricted_includes_observers', '1']), 'restricted_includes_observers 1');
	assert.equal(await observerSees(), true);
	await cli(server, ['setting', 'set', 'restricted_includes_observers', '0']);
	assert.equal(await observerSees(), false);
	const rows = (await server.db.sql("SELECT detail FROM audit_log WHERE action = 'setting.change' ORDER BY id")).trim().split('\n');
	assert.equal(rows.length, 2);
	assert.deepEqual(JSON.parse(rows[0]), { from: false, setting: 'restricted_includes_observers', to: true });
	assert.equal((await cli(server, ['audit', 'verify'])).split('\n')[0].startsWith('audit log intact'), true);
});

test('anything but 0 or 1, or another name, is refused and changes nothing', async () => {
	const { runCli } = await import('./lib/server.mjs');
	for (const args of [['set', 'restricted_includes_observers', 'yes'], ['set', 'restricted_includes_observers'], ['set', 'observers', '1'], ['get', 'nothing']]) {
		const r = await runCli(['setting', ...args, '--db', server.db.url, '--data', server.db.dataDir]);
		assert.equal(r.code, 2, `gcscp setting ${args.join(' ')}`);
		assert.match(r.stderr, /restricted_includes_observers/);
	}
	assert.equal(await cli(server, ['setting', 'get', 'restricted_includes_observers']), '0');
});
