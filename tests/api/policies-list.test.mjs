// Lists of policies: every filter, sorting and pages, the CSV export of the
// same list, search, the home page's count and country profiles; and in
// each of them, nothing the caller may not see.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
const CANARY = 'zebracanary';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (name, who, body) => {
		ids[name] = (await createPolicy(server, who, body, name)).id;
	};
	await make('kenStrategy', cast.kenAdmin, {
		title: 'Kenya cybersecurity strategy', kind: 'national_strategy', visibility: 'public', adopted: '2022-05-01',
		topics: ['critical_infrastructure', 'capacity_building'], summary: 'Protects critical infrastructure in Kenya.',
		texts: [{ lang: 'fr', title: 'Stratégie de cybersécurité du Kenya', summary: 'Protège les infrastructures.' }],
	});
	await make('kenLaw', cast.kenAdmin, {
		title: 'Kenya computer misuse act', kind: 'law_regulation', visibility: 'public', adopted: '2018-05-16',
		topics: ['cybercrime'], policy_status: 'in_force', summary: 'Offences =cmd|calc!A1 against computer systems.',
	});
	await make('fraDoctrine', cast.fraEditor, {
		title: 'Revue stratégique de cyberdéfense', lang: 'fr', kind: 'military_doctrine', visibility: 'public',
		adopted: '2018-02-12', topics: ['military_defence'], summary: 'Revue de la cyberdéfense.',
	});
	await make('fraOld', cast.fraEditor, {
		title: 'Old French strategy', kind: 'national_strategy', visibility: 'public', adopted: '2011-02-15',
		policy_status: 'superseded', summary: 'Replaced.',
	});
	await make('deuLaw', cast.deuAdmin, {
		title: '@SUM(1+1) German IT security act', kind: 'law_regulation', visibility: 'public', adopted: '2021-05-18',
		topics: ['critical_infrastructure'], summary: 'Security of IT systems.',
	});
	await make('noDate', cast.kenAdmin, { title: 'Kenya undated guideline', kind: 'policy_guideline', visibility: 'public' });
	// Things most callers may not see, each with the canary in its title and summary.
	await make('kenRestricted', cast.kenAdmin, {
		title: `Kenya restricted ${CANARY}`, kind: 'national_strategy', visibility: 'restricted', adopted: '2023-01-01',
		summary: `Restricted ${CANARY} text.`, notice_title: 'Kenya restricted plan notice',
	});
	await make('kenNamed', cast.kenAdmin, {
		title: `Kenya named ${CANARY}`, kind: 'agreement', visibility: 'named', shares: [cast.orgs.france],
		summary: `Named ${CANARY} text.`,
	});
	await make('kenDraft', cast.kenAdmin, {
		title: `Kenya draft ${CANARY}`, kind: 'other', visibility: 'public', draft: true, summary: `Draft ${CANARY}.`,
	});
	await make('stkPending', cast.stkEditor, {
		title: `Stakeholder pending ${CANARY}`, kind: 'other', summary: `Pending ${CANARY}.`,
	});
});
after(async () => {
	await server?.stop();
});

const list = async (who, query = '') => {
	const res = await call(server, who, 'GET', `/policies${query}`);
	expectStatus(res, 200, `/policies${query}`);
	return res.data;
};
const listIds = async (who, query = '') => (await list(who, query)).items.map((i) => i.id).sort((a, b) => a - b);
const sorted = (...names) => names.map((n) => ids[n]).sort((a, b) => a - b);
const PUBLIC = ['kenStrategy', 'kenLaw', 'fraDoctrine', 'fraOld', 'deuLaw', 'noDate'];

describe('who sees what in the list', () => {
	test('anonymous and non-state callers: the published public policies only', async () => {
		for (const who of [null, () => cast.stkEditor, () => cast.regEditor, () => cast.pseEditor]) {
			const caller = typeof who === 'function' ? who() : who;
			const body = await list(caller, '?per_page=100');
			const seen = body.items.map((i) => i.id).sort((a, b) => a - b);
			const expected = sorted(...PUBLIC);
			if (caller === cast.stkEditor) expected.push(ids.stkPending);
			assert.deepEqual(seen, expected.sort((a, b) => a - b), caller?.email ?? 'anonymous');
			assert.equal(body.count, expected.length);
			if (caller !== cast.stkEditor) assert.ok(!JSON.stringify(body.items).includes(CANARY));
		}
	});

	test('a member state adds the restricted ones; the owner its own draft; the Secretariat the pending', async () => {
		assert.deepEqual(await listIds(cast.deuEditor, '?per_page=100'), sorted(...PUBLIC, 'kenRestricted'));
		assert.deepEqual(await listIds(cast.fraEditor, '?per_page=100'), sorted(...PUBLIC, 'kenRestricted', 'kenNamed'));
		assert.deepEqual(await listIds(cast.kenReader, '?per_page=100'), sorted(...PUBLIC, 'kenRestricted', 'kenNamed', 'kenDraft'));
		assert.deepEqual(await listIds(cast.secReader, '?per_page=100'), sorted(...PUBLIC, 'kenRestricted', 'kenNamed', 'stkPending'));
	});

	test('the notice stands in for the restricted item, for those who may not read it', async () => {
		const anon = await list(null);
		assert.deepEqual(anon.notices.map((n) => n.title), ['Kenya restricted plan notice']);
		assert.ok(!JSON.stringify(anon.notices).includes(CANARY));
		assert.deepEqual((await list(cast.fraEditor)).notices, []);
		assert.deepEqual((await list(null, '?page=2')).notices, []);
	});

	test('the page never shows the canary to anonymous callers', async () => {
		const res = await call(server, null, 'GET', '!/policies?per_page=100');
		expectStatus(res, 200, 'page');
		assert.ok(!res.text.includes(CANARY));
		assert.match(res.text, /Kenya restricted plan notice/);
	});
});

describe('filters', () => {
	const cases = [
		['?country=KEN', ['kenStrategy', 'kenLaw', 'noDate']],
		['?country=KEN&country=FRA', ['kenStrategy', 'kenLaw', 'noDate', 'fraDoctrine', 'fraOld']],
		['?region=150', ['fraDoctrine', 'fraOld', 'deuLaw']],
		['?region=002', ['kenStrategy', 'kenLaw', 'noDate']],
		['?kind=law_regulation', ['kenLaw', 'deuLaw']],
		['?topic=critical_infrastructure', ['kenStrategy', 'deuLaw']],
		['?policy_status=superseded', ['fraOld']],
		['?year_from=2018&year_to=2021', ['kenLaw', 'fraDoctrine', 'deuLaw']],
		['?year_from=2022', ['kenStrategy']],
		['?year_to=2011', ['fraOld']],
		['?language=fr', ['kenStrategy', 'fraDoctrine']],
		['?q=infrastructure', ['kenStrategy']],
		['?q=cyber*', ['kenStrategy', 'fraDoctrine']],
		['?q=security&kind=law_regulation', ['deuLaw']],
		[`?q=${CANARY}`, []],
		['?q=%21%21', []],
		['?country=KEN&kind=law_regulation&topic=cybercrime', ['kenLaw']],
		['?kind=&country=', PUBLIC],
	];
	for (const [query, names] of cases) {
		test(query, async () => {
			const body = await list(null, `${query}${query.includes('?') ? '&' : '?'}per_page=100`);
			assert.deepEqual(body.items.map((i) => i.id).sort((a, b) => a - b), sorted(...names));
			assert.equal(body.count, names.length, 'count under the same filters');
		});
	}

	test('the organisation filter', async () => {
		assert.deepEqual(await listIds(null, `?org=${cast.orgs.france}`), sorted('fraDoctrine', 'fraOld'));
		assert.deepEqual(await listIds(null, `?org=${cast.orgs.stakeholder}`), []);
	});

	test('the search filter finds visible items only', async () => {
		assert.deepEqual(await listIds(cast.fraEditor, `?q=${CANARY}`), sorted('kenRestricted', 'kenNamed'));
		assert.deepEqual(await listIds(cast.deuEditor, `?q=${CANARY}`), sorted('kenRestricted'));
	});

	test('bad filters are refused by name', async () => {
		for (const [query, param] of [['?kind=strategy', 'kind'], ['?country=kenya', 'country'], ['?year_from=1800', 'year_from'],
			['?per_page=101', 'per_page'], ['?page=0', 'page'], ['?sort=popularity', 'sort'], ['?topic=unicorns', 'topic'],
			['?policy_status=x', 'policy_status'], ['?language=de', 'language'], ['?org=abc', 'org']]) {
			const res = await call(server, null, 'GET', `/policies${query}`);
			expectStatus(res, 400, query);
			assert.equal(res.data.error.field, param, query);
		}
	});
});

describe('the shape, sorting and pages', () => {
	test('each item has the documented members', async () => {
		const body = await list(null, `?country=KEN&kind=national_strategy`);
		assert.deepEqual(Object.keys(body).filter((k) => ['count', 'page', 'per_page', 'items', 'notices'].includes(k)).sort(),
			['count', 'items', 'notices', 'page', 'per_page']);
		const item = body.items[0];
		for (const key of ['id', 'title', 'summary_excerpt', 'kind', 'country', 'topics', 'adopted', 'policy_status', 'visibility', 'status', 'owner']) {
			assert.ok(key in item, key);
		}
		assert.equal(item.id, ids.kenStrategy);
		assert.equal(item.title, 'Kenya cybersecurity strategy');
		assert.equal(item.summary_excerpt, 'Protects critical infrastructure in Kenya.');
		assert.deepEqual(item.topics, ['critical_infrastructure', 'capacity_building']);
		assert.equal(item.owner.name, 'Kenya, Ministry (tests)');
		assert.equal(item.visibility, 'public');
		assert.equal(item.status, 'published');
		// The reader's language chooses the title.
		const fr = await list(null, '?country=KEN&kind=national_strategy&lang=fr');
		assert.equal(fr.items[0].title, 'Stratégie de cybersécurité du Kenya');
	});

	test('by date, newest adopted first (no date last); by title', async () => {
		const byDate = (await list(null, '?per_page=100')).items.map((i) => i.id);
		assert.deepEqual(byDate, ['kenStrategy', 'deuLaw', 'kenLaw', 'fraDoctrine', 'fraOld', 'noDate'].map((n) => ids[n]));
		const byTitle = (await list(null, '?per_page=100&sort=title')).items.map((i) => i.title);
		assert.deepEqual(byTitle, [...byTitle].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
	});

	test('by relevance to the words: the order of the portal-wide search, best document of each item first', async () => {
		const ranked = (await list(null, '?q=kenya&sort=relevance')).items.map((i) => i.id);
		const search = await call(server, null, 'GET', '/search?q=kenya&module=policies');
		expectStatus(search, 200, 'search');
		const searchOrder = [...new Set(search.data.hits.map((h) => h.item_id))];
		assert.deepEqual(ranked, searchOrder);
		const byDate = (await list(null, '?q=kenya')).items.map((i) => i.id);
		assert.deepEqual(byDate, ['kenStrategy', 'kenLaw', 'noDate'].map((n) => ids[n]));
		assert.deepEqual([...ranked].sort((a, b) => a - b), [...byDate].sort((a, b) => a - b));
		// Without words there is nothing to rank by: the list is by date.
		assert.deepEqual((await list(null, '?per_page=100&sort=relevance')).items.map((i) => i.id),
			(await list(null, '?per_page=100')).items.map((i) => i.id));
		// The form offers the choice only with words, and keeps it selected.
		const page = async (query) => (await call(server, null, 'GET', `!/policies${query}`)).text;
		assert.doesNotMatch(await page(''), /value="relevance"/);
		assert.match(await page('?q=kenya&sort=relevance'), /<option value="relevance" selected>/);
		expectStatus(await call(server, null, 'GET', '/policies?sort=random'), 400, 'an unknown order');
	});

	test('pages', async () => {
		const p1 = await list(null, '?per_page=4');
		assert.equal(p1.count, 6);
		assert.equal(p1.items.length, 4);
		assert.equal(p1.pages.next_href, '/policies?page=2&per_page=4');
		assert.equal(p1.pages.previous_href, undefined);
		const p2 = await list(null, '?per_page=4&page=2');
		assert.equal(p2.items.length, 2);
		assert.equal(p2.pages.previous_href, '/policies?page=1&per_page=4');
		assert.equal(p2.pages.next_href, undefined);
		assert.deepEqual([...p1.items, ...p2.items].map((i) => i.id), (await list(null, '?per_page=100')).items.map((i) => i.id));
		assert.deepEqual((await list(null, '?page=9')).items, []);
	});
});

describe('the CSV export', () => {
	const parseCsv = (text) => {
		const rows = [];
		let row = [];
		let cell = '';
		let quoted = false;
		for (let i = 0; i < text.length; i++) {
			const c = text[i];
			if (quoted) {
				if (c === '"' && text[i + 1] === '"') {
					cell += '"';
					i++;
				} else if (c === '"') quoted = false;
				else cell += c;
			} else if (c === '"') quoted = true;
			else if (c === ',') {
				row.push(cell);
				cell = '';
			} else if (c === '\r' && text[i + 1] === '\n') {
				row.push(cell);
				rows.push(row);
				row = [];
				cell = '';
				i++;
			} else cell += c;
		}
		return rows;
	};

	test('is the same list as the JSON, for the same filters and caller', async () => {
		for (const [who, query] of [[null, ''], [null, '?country=KEN'], [() => cast.fraEditor, '?q=zebracanary'], [null, '?sort=title'], [() => cast.kenReader, '']]) {
			const caller = typeof who === 'function' ? who() : who;
			const res = await call(server, caller, 'GET', `!/policies.csv${query}`);
			expectStatus(res, 200, `csv ${query}`);
			assert.match(res.headers['content-type'], /^text\/csv/);
			assert.match(res.headers['content-disposition'], /^attachment;/);
			const rows = parseCsv(res.text);
			assert.deepEqual(rows[0], ['id', 'title', 'language', 'kind', 'country', 'topics', 'adopted', 'policy_status', 'visibility', 'status', 'owner', 'source_url', 'url']);
			const json = await list(caller, `${query}${query ? '&' : '?'}per_page=100`);
			assert.deepEqual(rows.slice(1).map((r) => Number(r[0])), json.items.map((i) => i.id), `csv ${query} rows`);
			assert.deepEqual(rows.slice(1).map((r) => r[1].replace(/^'/, '')), json.items.map((i) => i.title));
		}
	});

	test('cells cannot start a spreadsheet formula, and nothing hidden is exported', async () => {
		const res = await call(server, null, 'GET', '!/policies.csv');
		assert.ok(res.text.includes("'@SUM(1+1) German IT security act"), 'the formula is neutralised');
		assert.ok(!res.text.includes(CANARY));
		assert.ok(!/(^|,)[=+\-@]/m.test(res.text.replace(/\r\n/g, '\n')), 'no cell starts with = + - @');
		const api = await call(server, null, 'GET', '/policies.csv');
		expectStatus(api, 200, 'CSV under /api/v1 too');
	});
});

describe('search, home and country profiles', () => {
	test('portal search finds visible policies only', async () => {
		const anon = await call(server, null, 'GET', `/search?q=${CANARY}`);
		expectStatus(anon, 200, 'search');
		assert.equal(anon.data.total, 0);
		assert.ok(!JSON.stringify(anon.data.hits).includes(CANARY));
		assert.deepEqual(anon.data.facets, []);
		const fra = await call(server, cast.fraEditor, 'GET', `/search?q=${CANARY}`);
		assert.deepEqual(fra.data.hits.map((h) => h.item_id).sort((a, b) => a - b), sorted('kenRestricted', 'kenNamed'));
		const kenya = await call(server, null, 'GET', '/search?q=Kenya&module=policies');
		assert.ok(kenya.data.hits.every((h) => h.module === 'policies' && h.url === `/policies/${h.item_id}`));
		const french = await call(server, null, 'GET', '/search?q=cybers%C3%A9curit%C3%A9');
		assert.ok(french.data.hits.some((h) => h.item_id === ids.kenStrategy && h.lang === 'fr'));
	});

	test('an edit is searchable at once; a withdrawn policy is not', async () => {
		const res = await call(server, cast.kenAdmin, 'POST', `/policies/${ids.noDate}`, { json: { version: 1, summary: 'Now mentions quokkas.' } });
		expectStatus(res, 200, 'edit');
		const found = await call(server, null, 'GET', '/search?q=quokkas');
		assert.deepEqual(found.data.hits.map((h) => h.item_id), [ids.noDate]);
		const withdrawn = await call(server, cast.kenAdmin, 'POST', `/items/${ids.noDate}/withdraw`, { json: { version: 2 } });
		expectStatus(withdrawn, 200, 'withdraw');
		assert.equal((await call(server, null, 'GET', '/search?q=quokkas')).data.total, 0);
		assert.equal((await call(server, cast.kenAdmin, 'GET', '/search?q=quokkas')).data.total, 1, 'the owner still finds it');
		PUBLIC.splice(PUBLIC.indexOf('noDate'), 1);
	});

	test('the home page counts what the caller sees', async () => {
		const anon = await call(server, null, 'GET', '/');
		expectStatus(anon, 200, 'home');
		assert.equal(anon.data.stats.policies, PUBLIC.length);
		assert.ok(anon.data.modules.some((m) => m.href === '/policies'));
		const fra = await call(server, cast.fraEditor, 'GET', '/');
		assert.equal(fra.data.stats.policies, PUBLIC.length + 2);
	});

	test("a country profile lists the state's visible policies by kind", async () => {
		const res = await call(server, null, 'GET', '/countries/KEN');
		expectStatus(res, 200, 'profile');
		const section = res.data.sections.find((s) => s.module === 'policies');
		assert.ok(section, 'a policies section');
		assert.deepEqual(section.items.map((i) => i.id), [ids.kenStrategy, ids.kenLaw]);
		assert.equal(section.count, 2);
		assert.equal(section.items[0].href, `/policies/${ids.kenStrategy}`);
		const member = await call(server, cast.deuEditor, 'GET', '/countries/KEN');
		const sec = member.data.sections.find((s) => s.module === 'policies');
		// Strategies first (the newer one first), then laws.
		assert.deepEqual(sec.items.map((i) => i.id), [ids.kenRestricted, ids.kenStrategy, ids.kenLaw]);
		const page = await call(server, null, 'GET', '!/countries/KEN');
		assert.ok(!page.text.includes(CANARY));
		assert.match(page.text, /Kenya cybersecurity strategy/);
	});

	test('the list page renders in every language with its filters', async () => {
		for (const lang of ['ar', 'zh', 'en', 'fr', 'ru', 'es']) {
			const res = await call(server, null, 'GET', `!/policies?lang=${lang}&kind=law_regulation`);
			expectStatus(res, 200, lang);
			assert.match(res.text, /<option value="law_regulation" selected>/);
		}
	});

	test('a chosen country is selected on its page only (the unfiltered form is shared per language)', async () => {
		for (const lang of ['en', 'ar']) {
			for (const who of [null, cast.kenAdmin]) {
				const before = await call(server, who, 'GET', `!/policies?lang=${lang}`);
				expectStatus(before, 200, lang);
				assert.doesNotMatch(before.text, /<option value="[A-Z]{3}" selected>/);
				const chosen = await call(server, who, 'GET', `!/policies?lang=${lang}&country=FRA&country=KEN`);
				expectStatus(chosen, 200, lang);
				assert.match(chosen.text, /<option value="FRA" selected>/);
				assert.match(chosen.text, /<option value="KEN" selected>/);
				assert.equal(chosen.text.match(/<option value="[A-Z]{3}" selected>/g).length, 2);
				const again = await call(server, who, 'GET', `!/policies?lang=${lang}`);
				assert.doesNotMatch(again.text, /<option value="[A-Z]{3}" selected>/);
				assert.match(again.text, /<option value="FRA">/);
			}
		}
	});
});
