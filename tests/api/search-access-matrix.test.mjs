// The visibility matrix of tests/api/access-matrix.test.mjs extended to the
// portal-wide search: for every kind of account (anonymous, stakeholder,
// regional organisation, UN body, member state reader/editor/admin/limited
// editor, another member state, observer state, Secretariat editor/admin) and
// every item (each owner x status x visibility, built through the real
// routes: drafts, pending, rejected, resubmitted, published, withdrawn;
// public, restricted, named), under both settings of
// restricted_includes_observers:
//   - a search for the word unique to an item finds it (both its languages)
//     exactly when lib/access-oracle.mjs says the caller may see it; when it
//     may not, the total is 0 and EVERY facet is empty;
//   - a search for the word all items share has a total and every facet's
//     counts (module, state, region, kind, topic, year, language) equal to
//     what the oracle computes over the visible items alone, and its answer
//     holds no hidden item's word; so does the HTML page;
//   - the notice words of restricted items with a public notice are never
//     found (notices are not searchable content).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as O from './lib/access-oracle.mjs';
import { request } from './lib/http.mjs';
import { ENGINE, runCli, startServer } from './lib/server.mjs';

const GROUP = 8;

const ORGS = {
	SEC: { kind: 'secretariat', name: 'Search Matrix Secretariat' },
	A: { kind: 'member_state', name: 'Search Matrix Kenya', country: 'KEN' },
	B: { kind: 'member_state', name: 'Search Matrix Brazil', country: 'BRA' },
	OBS: { kind: 'observer_state', name: 'Search Matrix Palestine', country: 'PSE' },
	REG: { kind: 'regional_org', name: 'Search Matrix Regional Organisation' },
	STK: { kind: 'stakeholder', name: 'Search Matrix Stakeholder' },
	UN: { kind: 'un_body', name: 'Search Matrix UN Body' },
};

const PRINCIPALS = [
	['anonymous', null, null],
	['stakeholder', 'STK', 'editor'],
	['regional', 'REG', 'editor'],
	['un_body', 'UN', 'editor'],
	['a_reader', 'A', 'reader'],
	['a_editor', 'A', 'editor'],
	['a_admin', 'A', 'admin'],
	['a_limited', 'A', 'editor', ['countries']],
	['b_editor', 'B', 'editor'],
	['observer', 'OBS', 'editor'],
	['sec_editor', 'SEC', 'editor'],
	['sec_admin', 'SEC', 'admin'],
].map(([key, org, role, limits = null]) => ({
	key, org, role, limits, kind: org ? ORGS[org].kind : null, email: org ? `${key}@searchmatrix.test` : null, token: null,
}));
const P = Object.fromEntries(PRINCIPALS.map((p) => [p.key, p]));
const KEEPER = { SEC: 'sec_admin', A: 'a_admin', B: 'b_editor', OBS: 'observer', REG: 'regional', STK: 'stakeholder', UN: 'un_body' };

// The owners and visibilities of the access matrix.
const OWNERS = [
	{ key: 'A', org: 'A', creator: 'a_editor', statuses: ['draft', 'pending', 'published', 'withdrawn', 'rejected'] },
	{ key: 'A_by_SEC', org: 'A', creator: 'sec_admin', statuses: ['published', 'withdrawn'] },
	{ key: 'B', org: 'B', creator: 'b_editor', statuses: ['draft', 'published', 'withdrawn'] },
	{ key: 'OBS', org: 'OBS', creator: 'observer', statuses: ['draft', 'published', 'withdrawn'] },
	{ key: 'SEC', org: 'SEC', creator: 'sec_editor', statuses: ['draft', 'published', 'withdrawn'] },
	{ key: 'REG', org: 'REG', creator: 'regional', statuses: ['draft', 'pending', 'published', 'withdrawn', 'rejected'] },
	{ key: 'REG_by_SEC', org: 'REG', creator: 'sec_admin', resubmitter: 'regional',
		statuses: ['pending', 'resubmitted', 'published', 'withdrawn', 'rejected'] },
	{ key: 'STK', org: 'STK', creator: 'stakeholder', resubmitter: 'sec_admin',
		statuses: ['draft', 'pending', 'resubmitted', 'published', 'withdrawn', 'rejected'] },
	{ key: 'UN', org: 'UN', creator: 'un_body', statuses: ['pending', 'published', 'withdrawn'] },
];
const VISIBILITIES = [
	{ key: 'public', visibility: 'public', shares: [], notice: false },
	{ key: 'restricted', visibility: 'restricted', shares: [], notice: false },
	{ key: 'restricted+notice', visibility: 'restricted', shares: [], notice: true },
	{ key: 'named:X', visibility: 'named', shares: ['X'], notice: false },
	{ key: 'named:Y+notice', visibility: 'named', shares: ['Y'], notice: true },
	{ key: 'named:X,Y', visibility: 'named', shares: ['X', 'Y'], notice: false },
];
const shareFor = (owner, s) => (s === 'X' ? (owner === 'B' ? 'A' : 'B') : (owner === 'REG' ? 'OBS' : 'REG'));

const COUNTRIES = ['KEN', 'BRA', 'FRA'];
const STATE_COUNTRY = { A: 'KEN', B: 'BRA', OBS: 'PSE' };
/** The M49 codes of each country (data/countries.csv: region, sub-region, intermediate region). */
const REGIONS = { KEN: ['002', '202', '014'], BRA: ['019', '419', '005'], FRA: ['150', '155'], PSE: ['142', '145'] };
const KINDS = ['national_strategy', 'law_regulation', 'military_doctrine', 'agreement'];
const TOPICS = [['cybercrime'], ['data_protection', 'capacity_building'], [], ['critical_infrastructure']];
const COMMON = 'zqsearchcommon';
const FACETS = ['module', 'country', 'region', 'kind', 'topic', 'year', 'language'];

let server;
const orgId = {};
const items = [];
let wordCounter = 0;
let assertions = 0;
let requests = 0;

function nextWord() {
	let n = wordCounter++;
	let s = '';
	for (let i = 0; i < 4; i++) {
		s = String.fromCharCode(97 + (n % 26)) + s;
		n = Math.floor(n / 26);
	}
	return s;
}

async function inGroups(thunks, size = GROUP) {
	const out = [];
	for (let i = 0; i < thunks.length; i += size) out.push(...await Promise.all(thunks.slice(i, i + size).map((f) => f())));
	return out;
}

function call(p, method, path, body, accept = 'application/json') {
	const headers = { Accept: accept };
	if (p.token) headers.Authorization = `Bearer ${p.token}`;
	let data;
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		data = JSON.stringify(body);
	}
	requests++;
	return request(server, path, { method, headers, body: data, timeoutMs: 60000 });
}

const parse = (res) => {
	try {
		return JSON.parse(res.text);
	} catch {
		return null;
	}
};

class Checks {
	constructor(name) {
		this.name = name;
		this.bad = [];
	}

	ok(cond, message) {
		assertions++;
		if (!cond) this.bad.push(message());
		return cond;
	}

	eq(actual, expected, message) {
		const a = JSON.stringify(actual);
		const e = JSON.stringify(expected);
		return this.ok(a === e, () => `${message()}: got ${a}, expected ${e}`);
	}

	done() {
		const n = this.bad.length;
		assert.equal(n, 0, `${this.name}: ${n} mismatches with the rule, the first ones:\n  ${this.bad.slice(0, 40).join('\n  ')}`);
	}
}

async function cli(args) {
	const r = await runCli([...args, '--db', server.db.url, '--data', server.db.dataDir]);
	assert.equal(r.code, 0, `gcscp ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
	return r.stdout.trim();
}

async function setObservers(on) {
	await cli(['setting', 'set', 'restricted_includes_observers', on ? '1' : '0']);
}

async function setFourEyes(org, on) {
	await server.db.sql(`UPDATE organisations SET four_eyes = ${on ? 1 : 0} WHERE id = ${orgId[org]}`);
}

const envelopeOf = (body) => (body && body.item && typeof body.item === 'object' ? body.item : body);
const describeItem = (it) => `#${it.id} ${it.ownerKey}/${it.vis.key}/${it.label}`;

/** Both languages of an item's text, with its unique word in each. */
function texts(it) {
	return {
		title: `Search matrix policy ${it.word} ${COMMON}`,
		summary: `Summary of ${it.word}.`,
		lang: 'en',
		texts: [{ lang: 'fr', title: `Politique ${it.word} ${COMMON}`, summary: `Résumé de ${it.word}.` }],
	};
}

function policyBody(it, extra = {}) {
	const body = {
		...texts(it),
		kind: it.kind,
		topics: it.topics,
		adopted: `${it.year}-03-01`,
		country: it.country,
		visibility: it.vis.visibility,
		shares: it.shares.map((k) => orgId[k]),
		...extra,
	};
	if (it.vis.notice) {
		body.notice_title = `Notice ${it.noticeWord}`;
		body.notice_summary = `Notice summary ${it.noticeWord}.`;
	}
	return body;
}

function newModel(o, v, label) {
	const word = `zqs${nextWord()}`;
	const idx = wordCounter;
	return {
		id: null,
		version: null,
		word,
		noticeWord: `zqt${word.slice(3)}`,
		ownerKey: o.key,
		owner: o.org,
		ownerKind: ORGS[o.org].kind,
		creatorKey: o.creator,
		acting: P[o.creator].org !== o.org,
		vis: v,
		visibility: v.visibility,
		shares: v.shares.map((s) => shareFor(o.org, s)),
		notice: v.notice,
		country: STATE_COUNTRY[o.org] ?? COUNTRIES[idx % COUNTRIES.length],
		kind: KINDS[idx % KINDS.length],
		topics: TOPICS[idx % TOPICS.length],
		year: 2010 + (idx % 5),
		label,
		status: null,
		approval: null,
		createdBy: o.creator,
		submittedBy: null,
		resubmitter: o.resubmitter ?? null,
		fourEyes: false,
	};
}

async function mustWrite(p, method, path, body, what, status = 200) {
	const res = await call(p, method, path, body);
	assert.equal(res.status, status, `${what} by ${p.key}: ${res.status} ${res.text.slice(0, 400)}`);
	return parse(res);
}

async function refresh(it) {
	const res = await call(P[KEEPER[it.owner]], 'GET', `/api/v1/items/${it.id}`);
	assert.equal(res.status, 200, `reload ${describeItem(it)}: ${res.status} ${res.text.slice(0, 300)}`);
	const env = envelopeOf(parse(res));
	it.version = env.version;
	return env;
}

/** Creates the item through the real routes, as the access matrix does. */
async function build(it) {
	const creator = P[it.creatorKey];
	const draft = it.label === 'draft';
	const extra = { draft };
	if (it.acting) extra.acting_for_org = orgId[it.owner];
	let last = null;
	const step = async (p, path, body, what, status = 200) => {
		const env = envelopeOf(await mustWrite(p, 'POST', path, body, what, status));
		last = env && typeof env.status === 'string' ? env : null;
		if (last) it.version = last.version;
		else await refresh(it);
		return last;
	};
	const env = await step(creator, '/api/v1/policies', policyBody(it, extra), `create ${it.word}`, 201);
	it.id = env.id;
	const expect = draft ? 'draft' : (O.neededReview(creator, it, it.fourEyes) ? 'pending' : 'published');
	assert.equal(env.status, expect, `create ${describeItem(it)} as ${creator.key}`);
	it.status = env.status;
	it.approval = env.status === 'pending' ? O.neededReview(creator, it, it.fourEyes) : null;
	it.submittedBy = draft ? null : creator.key;
	const reviewer = it.approval === 'four_eyes' ? P.a_admin : P.sec_editor;
	if (it.label === 'resubmitted') {
		await step(P[it.resubmitter], `/api/v1/policies/${it.id}`, { version: it.version, ...texts(it) }, `edit ${it.word} while pending`);
		it.submittedBy = it.resubmitter;
	}
	if ((it.label === 'published' || it.label === 'withdrawn') && it.status === 'pending') {
		await step(reviewer, `/api/v1/review/${it.id}/publish`, { version: it.version }, `publish ${it.word}`);
		it.status = 'published';
		it.approval = null;
	}
	if (it.label === 'rejected') {
		await step(reviewer, `/api/v1/review/${it.id}/reject`, { version: it.version, reason: `Rejected ${it.word}` }, `reject ${it.word}`);
		it.status = 'draft';
		it.approval = null;
	}
	if (it.label === 'withdrawn') {
		await step(creator, `/api/v1/items/${it.id}/withdraw`, { version: it.version }, `withdraw ${it.word}`);
		it.status = 'withdrawn';
	}
	const now = last ?? await refresh(it);
	assert.equal(now.status, it.status, `${describeItem(it)} reached its status`);
	return it;
}

async function buildAll(models) {
	const fourEyes = models.filter((m) => m.owner === 'A' && (m.label === 'pending' || m.label === 'rejected'));
	const rest = models.filter((m) => !fourEyes.includes(m));
	if (fourEyes.length) {
		await setFourEyes('A', true);
		try {
			for (const m of fourEyes) m.fourEyes = true;
			await inGroups(fourEyes.map((m) => () => build(m)));
		} finally {
			await setFourEyes('A', false);
		}
		for (const m of fourEyes) m.fourEyes = false;
	}
	await inGroups(rest.map((m) => () => build(m)));
	return models;
}

before(async () => {
	server = await startServer();
	for (const [key, o] of Object.entries(ORGS)) {
		const args = ['org', 'add', '--kind', o.kind, '--name', o.name];
		if (o.country) args.push('--country', o.country);
		orgId[key] = Number(await cli(args));
	}
	for (const p of PRINCIPALS) {
		if (!p.org) continue;
		await cli(['user', 'add', '--org', String(orgId[p.org]), '--email', p.email, '--role', p.role]);
		p.token = await cli(['token', 'add', '--user', p.email, '--name', 'search-matrix']);
		if (p.limits) await server.db.sql(`UPDATE users SET module_limits = '${JSON.stringify(p.limits)}' WHERE email = '${p.email}'`);
	}
	const models = [];
	for (const o of OWNERS) for (const label of o.statuses) for (const v of VISIBILITIES) models.push(newModel(o, v, label));
	items.push(...await buildAll(models));
}, { timeout: 600000 });

after(async () => {
	if (assertions) {
		console.log(`search access matrix (${ENGINE}): ${PRINCIPALS.length} principals x ${items.length} items x 2 observer settings;`
			+ ` ${requests} requests, ${assertions} assertions`);
	}
	await server?.stop();
});

/** {facet: {value: count}} of an answer. */
const facetCounts = (body) => Object.fromEntries((body.facets ?? []).map((f) => [f.name, Object.fromEntries(f.values.map((v) => [v.value, v.count]))]));

/** The facets the oracle expects over the visible items (two documents each: en and fr). */
function expectedFacets(visible) {
	const out = Object.fromEntries(FACETS.map((f) => [f, {}]));
	const add = (facet, value, n = 2) => {
		out[facet][value] = (out[facet][value] ?? 0) + n;
	};
	for (const it of visible) {
		add('module', 'policies');
		add('country', it.country);
		for (const r of REGIONS[it.country]) add('region', r);
		add('kind', it.kind);
		for (const t of it.topics) add('topic', t);
		add('year', String(it.year));
		add('language', 'en', 1);
		add('language', 'fr', 1);
	}
	for (const f of FACETS) if (Object.keys(out[f]).length === 0) delete out[f];
	return out;
}

const sorted = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).sort())]).sort());

async function sweep(observers) {
	await setObservers(observers);
	const c = new Checks(`search with observers=${observers}`);
	for (const p of PRINCIPALS) {
		const visible = items.filter((it) => O.canSee(p, it, observers));
		const hidden = items.filter((it) => !O.canSee(p, it, observers));
		// The word every item has: totals and every facet from the visible items alone.
		const res = await call(p, 'GET', `/api/v1/search?q=${COMMON}`);
		if (c.eq(res.status, 200, () => `${p.key} GET /api/v1/search?q=${COMMON}`)) {
			const body = parse(res);
			c.eq(body.total, visible.length * 2, () => `${p.key} common word: total`);
			c.eq(sorted(facetCounts(body)), sorted(expectedFacets(visible)), () => `${p.key} common word: facets`);
			const leaked = hidden.filter((it) => res.text.includes(it.word));
			c.eq(leaked.map(describeItem), [], () => `${p.key} common word: hidden items' words in the answer`);
		}
		const page = await call(p, 'GET', `/search?q=${COMMON}`, undefined, 'text/html');
		if (c.eq(page.status, 200, () => `${p.key} GET /search page`)) {
			const leaked = hidden.filter((it) => page.text.includes(it.word));
			c.eq(leaked.map(describeItem), [], () => `${p.key} search page: hidden items' words`);
			c.ok(page.text.includes(`>${visible.length * 2} `), () => `${p.key} search page: the count ${visible.length * 2}`);
		}
		// Each item's own word: found (both languages) exactly when visible; else nothing, in no facet.
		await inGroups(items.map((it) => async () => {
			const r = await call(p, 'GET', `/api/v1/search?q=${it.word}`);
			if (!c.eq(r.status, 200, () => `${p.key} search ${describeItem(it)}`)) return;
			const body = parse(r);
			const sees = O.canSee(p, it, observers);
			c.eq(body.total, sees ? 2 : 0, () => `${p.key} search ${describeItem(it)}: total`);
			c.eq(body.hits.map((h) => h.item_id), sees ? [it.id, it.id] : [], () => `${p.key} search ${describeItem(it)}: hits`);
			c.eq(sorted(facetCounts(body)), sorted(expectedFacets(sees ? [it] : [])), () => `${p.key} search ${describeItem(it)}: facets`);
			if (!sees) c.ok(!r.text.includes(it.word.slice(3) + '.'), () => `${p.key} search ${describeItem(it)}: its text in the answer`);
			// With a filter that matches the item: still nothing when hidden.
			const f = await call(p, 'GET', `/api/v1/search?q=${it.word}&country=${it.country}&kind=${it.kind}&year=${it.year}&language=fr`);
			c.eq(parse(f)?.total, sees ? 1 : 0, () => `${p.key} search ${describeItem(it)} filtered: total`);
			if (it.notice) {
				const n = await call(p, 'GET', `/api/v1/search?q=${it.noticeWord}`);
				c.eq(parse(n)?.total, 0, () => `${p.key} notice word of ${describeItem(it)}`);
			}
		}));
	}
	c.done();
}

describe('search under the visibility rule', () => {
	test('hits, totals and every facet, for every account and item, observers off', async () => {
		await sweep(false);
	});
	test('the same with restricted_includes_observers on', async () => {
		await sweep(true);
	});
});
