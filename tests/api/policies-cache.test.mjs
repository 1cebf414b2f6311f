// The query cache behind signed-in lists (store/qcache.h, docs/policies.md "Speed"):
// the count, the page's ids, the organisation filter and the notices of /policies
// are kept by their whole statement (the visibility predicate and its parameters
// included) and by the change counter. Two things must hold, on both engines:
// a signed-in answer asked again after a write shows the write, and two callers of
// different visibility classes never see each other's answers, whichever asks first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, cli, createPolicy, expectStatus, makeCast, policy } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const CANARY = 'quokkacanary'; // in a restricted policy
const NAMED = 'wombatcanary'; // in a policy shared with France only

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	await createPolicy(server, cast.kenAdmin, policy('Kenya public plan', { visibility: 'public' }));
	await createPolicy(server, cast.deuAdmin, policy('Germany public plan', { visibility: 'public' }));
});
after(async () => {
	await server?.stop();
});

const list = async (who, query = '?per_page=100') => {
	const res = await call(server, who, 'GET', `/policies${query}`);
	expectStatus(res, 200, `/policies${query}`);
	return res.data;
};
const titles = (body) => body.items.map((i) => i.title).sort();
const page = async (who, query = '') => {
	const res = await call(server, who, 'GET', `!/policies${query}`);
	expectStatus(res, 200, `page /policies${query}`);
	return res.text;
};
// The options of the organisation filter, as the page offers them.
const orgOptions = (html) => {
	const select = html.match(/<select id="filter-org" name="org">([\s\S]*?)<\/select>/);
	assert.ok(select, 'the organisation filter is on the page');
	return [...select[1].matchAll(/<option value="(\d+)"[^>]*>([^<]*)<\/option>/g)].map((m) => m[2]).sort();
};

describe('a signed-in answer shows every write made since', () => {
	test('a new restricted policy: in the member state list, its count and page, not anonymously', async () => {
		const before1 = await list(cast.fraEditor);
		const again = await list(cast.fraEditor); // now answered from the cache
		assert.deepEqual(titles(again), titles(before1));
		const made = await createPolicy(server, cast.kenAdmin, policy(`Kenya restricted ${CANARY}`, { visibility: 'restricted' }));
		const after1 = await list(cast.fraEditor);
		assert.equal(after1.count, before1.count + 1, 'the count moved');
		assert.ok(after1.items.some((i) => i.id === made.id), 'the new policy is listed');
		assert.ok(!titles(await list(null)).some((t) => t.includes(CANARY)), 'never anonymously');
	});

	test('an edit of the title shows at once; a withdrawal takes it off other states\' lists', async () => {
		const made = await createPolicy(server, cast.kenAdmin, policy('Kenya plan before the edit', { visibility: 'restricted' }));
		assert.ok(titles(await list(cast.deuEditor)).includes('Kenya plan before the edit'));
		const edit = await call(server, cast.kenAdmin, 'POST', `/policies/${made.id}`, {
			json: { version: made.item.version, title: 'Kenya plan after the edit' },
		});
		expectStatus(edit, 200, 'edit');
		const seen = titles(await list(cast.deuEditor));
		assert.ok(seen.includes('Kenya plan after the edit') && !seen.includes('Kenya plan before the edit'), 'the new title');
		const withdrawn = await call(server, cast.kenAdmin, 'POST', `/items/${made.id}/withdraw`, { json: { version: edit.data.item.version } });
		expectStatus(withdrawn, 200, 'withdraw');
		assert.ok(!(await list(cast.deuEditor)).items.some((i) => i.id === made.id), 'gone from another state\'s list');
	});

	test('the organisation filter offers the owner of a first policy as soon as it is written', async () => {
		const o1 = orgOptions(await page(cast.deuEditor));
		assert.ok(!o1.includes('France, Ministry (tests)'), 'France owns nothing yet');
		await createPolicy(server, cast.fraEditor, policy('France restricted plan', { visibility: 'restricted' }));
		const o2 = orgOptions(await page(cast.deuEditor));
		assert.ok(o2.includes('France, Ministry (tests)'), 'France is offered after its first policy');
		// The anonymous page (page cache and query cache alike) does not name it: its only policy is restricted.
		assert.ok(!orgOptions(await page(null, '?kind=national_strategy')).includes('France, Ministry (tests)'));
	});
});

describe('visibility classes never share answers', () => {
	let named;
	before(async () => {
		named = await createPolicy(server, cast.kenAdmin, policy(`Kenya named for France ${NAMED}`, {
			visibility: 'named', shares: [cast.orgs.france], notice_title: 'A notice for the others',
		}));
	});

	// Each order: the class that sees more asks first, then the one that sees less, and the reverse.
	const pairs = [
		['France (on the sharing list)', () => cast.fraEditor, 'Germany (another member state)', () => cast.deuEditor],
		['Kenya (the owner)', () => cast.kenReader, 'anonymous', () => null],
		['France (on the sharing list)', () => cast.fraEditor, 'an observer state', () => cast.pseEditor],
		['the Secretariat', () => cast.secReader, 'a stakeholder', () => cast.stkEditor],
	];
	for (const [seesName, sees, notName, not] of pairs) {
		for (const first of ['sees', 'not']) {
			test(`${seesName} and ${notName}, ${first === 'sees' ? seesName : notName} first`, async () => {
				const ask = async (who) => ({ api: await list(who), html: await page(who) });
				const order = first === 'sees' ? [sees(), not()] : [not(), sees()];
				const answers = [];
				for (const who of order) answers.push(await ask(who));
				const [a, b] = first === 'sees' ? answers : [answers[1], answers[0]];
				if (seesName !== 'the Secretariat') {
					assert.ok(a.api.items.some((i) => i.id === named.id), `${seesName} sees the named policy`);
				}
				assert.ok(!b.api.items.some((i) => i.id === named.id), `${notName} does not`);
				assert.ok(!JSON.stringify(b.api).includes(NAMED) && !b.html.includes(NAMED), `${notName}: no trace of it`);
				assert.ok(b.api.count < a.api.count, 'the counts differ');
			});
		}
	}

	test('the notice goes to those who may not read the item, whoever asked first', async () => {
		const noticeTitles = async (who) => (await list(who, '')).notices.map((n) => n.title);
		assert.ok((await noticeTitles(cast.deuEditor)).includes('A notice for the others'));
		assert.ok(!(await noticeTitles(cast.fraEditor)).includes('A notice for the others'));
		assert.ok((await noticeTitles(cast.deuReader)).includes('A notice for the others'));
		assert.ok(!(await noticeTitles(cast.kenReader)).includes('A notice for the others'));
	});

	test('the organisation filter kept per class: a chosen organisation is marked on its page only', async () => {
		// The unfiltered choices are the kept answer itself (not a copy marked per request):
		// choosing an organisation must not mark it on anyone's unfiltered page, in any class.
		const selected = (html) => [...html.matchAll(/<option value="(\d+)" selected>/g)].map((m) => Number(m[1]));
		const org = cast.orgs.kenya;
		for (const who of [cast.fraEditor, cast.deuEditor, null]) {
			const plain1 = await page(who);
			assert.deepEqual(selected(plain1.match(/<select id="filter-org"[\s\S]*?<\/select>/)[0]), [], 'none marked');
			const chosen = await page(who, `?org=${org}`);
			assert.deepEqual(selected(chosen.match(/<select id="filter-org"[\s\S]*?<\/select>/)[0]), [org], 'Kenya marked');
			const plain2 = await page(who);
			assert.equal(plain2.match(/<select id="filter-org"[\s\S]*?<\/select>/)[0],
				plain1.match(/<select id="filter-org"[\s\S]*?<\/select>/)[0], 'the unfiltered choices unchanged');
		}
	});

	test('the observers setting changes an observer state\'s answer at once', async () => {
		const restricted = await createPolicy(server, cast.kenAdmin, policy('Kenya restricted for observers test', { visibility: 'restricted' }));
		const seen = async () => (await list(cast.pseEditor)).items.some((i) => i.id === restricted.id);
		assert.equal(await seen(), false, 'observers off');
		assert.equal(await seen(), false, 'observers off, cached');
		await cli(server, ['setting', 'set', 'restricted_includes_observers', '1']);
		try {
			assert.equal(await seen(), true, 'observers on');
		} finally {
			await cli(server, ['setting', 'set', 'restricted_includes_observers', '0']);
		}
		assert.equal(await seen(), false, 'observers off again');
	});
});
