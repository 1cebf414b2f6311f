// The suite that tries to break the rule of who may see what (issue 3).
//
// For every route that returns or changes items, every kind of principal (anonymous,
// stakeholder, regional organisation, UN body, a member state's reader / editor / admin
// and an editor limited to another module, another member state, an observer state, the
// Secretariat's editor and admin) and items of every owner kind (including uploads by
// the Secretariat for others), visibility, notice and status, it asserts exactly what the
// rule in tests/api/lib/access-oracle.mjs (written from the documents, not from the C
// code) says:
//   - single items (envelope, history, policy, its page): 200, or the 404 of a missing id
//     byte for byte; the envelope's "can" flags; provenance and sharing lists for the
//     owner and the Secretariat only; what a policy supersedes and is superseded by, each
//     only where the reader may see both ends; no trace of an unseen item anywhere;
//   - lists, counts, the CSV export, search hits and facets, the home page's counter,
//     country profiles, /mine and /review (as JSON and as pages): exactly the items the
//     reader may see, and the public notices of the others it may not, nothing else of them;
//   - every write (edit, access, submit, withdraw, publish, reject): 401, 403, 404 (that of
//     a missing id) or 409 as the rule says, leaving the item unchanged; and 200 where it
//     permits, each on a fresh copy, with the status that follows (nothing unreviewed is
//     ever public) and outsiders' reads before and after.
// Everything runs with restricted_includes_observers 0 and 1, and a slice again over
// browser sessions (cookie, CSRF token) instead of API tokens.
//
// Everything is set up through the real CLI (organisations, people, API tokens) and API
// (items, reached through their real routes: draft, submit, review, withdraw).
// Requests go in small groups (GROUP at once) to keep a 2-core machine responsive.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { newPerson, signIn } from './lib/accounts.mjs';
import * as O from './lib/access-oracle.mjs';
import { request } from './lib/http.mjs';
import { ENGINE, runCli, startServer } from './lib/server.mjs';

const GROUP = 8;
const MISSING_ID = 987654321;

// --- who ------------------------------------------------------------------------

const ORGS = {
	SEC: { kind: 'secretariat', name: 'Matrix Secretariat' },
	A: { kind: 'member_state', name: 'Matrix Kenya', country: 'KEN' },
	B: { kind: 'member_state', name: 'Matrix Brazil', country: 'BRA' },
	OBS: { kind: 'observer_state', name: 'Matrix Palestine', country: 'PSE' },
	REG: { kind: 'regional_org', name: 'Matrix Regional Organisation' },
	STK: { kind: 'stakeholder', name: 'Matrix Stakeholder' },
	UN: { kind: 'un_body', name: 'Matrix UN Body' },
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
	key, org, role, limits, kind: org ? ORGS[org].kind : null, email: org ? `${key}@matrix.test` : null, token: null,
}));
const P = Object.fromEntries(PRINCIPALS.map((p) => [p.key, p]));

// A slice of the matrix again over browser sessions (cookie, CSRF token): people of the
// same organisations and roles as these principals, signed in with password and TOTP.
// They created nothing, so no review rule about creators applies to them.
const COOKIE_TWINS = ['a_reader', 'a_admin', 'b_editor', 'observer', 'regional', 'sec_editor'].map((key) => ({
	...P[key], key: `${key}~cookie`, email: `${key}.cookie@matrix.test`, token: null, client: null,
}));

/** The principal that sees everything of an organisation's items, to compare them before and after. */
const KEEPER = { SEC: 'sec_admin', A: 'a_admin', B: 'b_editor', OBS: 'observer', REG: 'regional', STK: 'stakeholder', UN: 'un_body' };

// --- what -----------------------------------------------------------------------

// Owners: who creates the item, for which organisation, and which statuses it can reach.
// 'rejected' is a draft that went to review and came back with a reason; 'resubmitted' a
// pending item that someone else (resubmitter) edited while it waited, and so became its
// last submitter: neither its creator nor that person may review it.
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

// Visibilities. X and Y are organisations named on a sharing list, chosen per owner:
// X another member state (B, or A for B's items), Y the regional organisation (or the
// observer state for the regional organisation's own items).
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
const PROFILES = ['KEN', 'BRA', 'FRA', 'PSE'];
/** A word in every matrix item's title, to list them all in search. */
const COMMON = 'zqcommonword';

// --- state shared by the tests ---------------------------------------------------

let server;
const orgId = {};
const orgKeyById = new Map();
/** The shared items: the model (what the test did) plus id and version from the server. */
const items = [];
let wordCounter = 0;
let assertions = 0;
let requests = 0;
const matrixCells = { reads: 0, lists: 0, writes: 0 };
const routesCovered = new Set();
/** An entity tag of each item's GET /policies/{id}, as its owner got it. */
const etags = new Map();

/** A fresh word that no other item uses: 'zqx' and four letters. */
function nextWord() {
	let n = wordCounter++;
	let s = '';
	for (let i = 0; i < 4; i++) {
		s = String.fromCharCode(97 + (n % 26)) + s;
		n = Math.floor(n / 26);
	}
	return s;
}

// --- helpers ------------------------------------------------------------------------

/** Runs the thunks GROUP at a time; resolves with their results in order. */
async function inGroups(thunks, size = GROUP) {
	const out = [];
	for (let i = 0; i < thunks.length; i += size) out.push(...await Promise.all(thunks.slice(i, i + size).map((f) => f())));
	return out;
}

/** One API call as principal p: its bearer token, its browser session, or nothing (anonymous). */
function call(p, method, path, body, { accept = 'application/json', route } = {}) {
	const headers = { Accept: accept };
	if (p.token) headers.Authorization = `Bearer ${p.token}`;
	let data;
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		data = JSON.stringify(body);
	}
	if (route) routesCovered.add(route);
	requests++;
	if (p.client) {
		// A browser session: its cookie, Origin, and the CSRF token (unless told to leave it out).
		if (method === 'GET') return p.client.get(path, { headers: { Accept: accept } });
		return p.client.post(path, { json: body ?? {} }, { headers: { Accept: accept }, csrf: !p.noCsrf });
	}
	return request(server, path, { method, headers, body: data, timeoutMs: 60000 });
}

const parse = (res) => {
	try {
		return JSON.parse(res.text);
	} catch {
		return null;
	}
};

/** Collects mismatches instead of stopping at the first, so one run shows them all. */
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
		return this.ok(actual === expected, () => `${message()}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
	}

	done() {
		const n = this.bad.length;
		assert.equal(n, 0, `${this.name}: ${n} mismatches with the rule, the first ones:\n  ${this.bad.slice(0, 40).join('\n  ')}`);
	}
}

const describeItem = (it) => `#${it.id} ${it.ownerKey}/${it.vis.key}/${it.label}`;

async function cli(args) {
	const r = await runCli([...args, '--db', server.db.url, '--data', server.db.dataDir]);
	assert.equal(r.code, 0, `gcscp ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
	return r.stdout.trim();
}

async function sql(text) {
	return server.db.sql(text);
}

/** The portal setting, changed as an operator does (the server reads it at each request). */
async function setObservers(on) {
	await cli(['setting', 'set', 'restricted_includes_observers', on ? '1' : '0']);
	assert.equal(await cli(['setting', 'get', 'restricted_includes_observers']), on ? '1' : '0');
}

async function setFourEyes(org, on) {
	await sql(`UPDATE organisations SET four_eyes = ${on ? 1 : 0} WHERE id = ${orgId[org]}`);
}

// --- the item routes, as the contract names them ------------------------------------

const R = {
	item: (id) => `/api/v1/items/${id}`,
	history: (id) => `/api/v1/items/${id}/history`,
	policy: (id) => `/api/v1/policies/${id}`,
	page: (id) => `/policies/${id}`,
	submit: (id) => `/api/v1/items/${id}/submit`,
	withdraw: (id) => `/api/v1/items/${id}/withdraw`,
	access: (id) => `/api/v1/items/${id}/access`,
	publish: (id) => `/api/v1/review/${id}/publish`,
	reject: (id) => `/api/v1/review/${id}/reject`,
	edit: (id) => `/api/v1/policies/${id}`,
};

/** The envelope in an answer: GET /items/{id} is one, a policy's answer carries it as "item". */
const envelopeOf = (body) => (body && body.item && typeof body.item === 'object' ? body.item : body);

/** The body of a new policy for item model it. */
function policyBody(it, extra = {}) {
	const body = {
		title: `Matrix policy ${it.word} ${COMMON}`,
		summary: `Summary of ${it.word}.`,
		lang: 'en',
		kind: 'national_strategy',
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

/** A model for an item of owner o, visibility v, to reach label (a status or 'rejected'). */
function newModel(o, v, label) {
	const word = `zqx${nextWord()}`;
	const idx = wordCounter;
	return {
		id: null,
		version: null,
		word,
		noticeWord: `zqn${word.slice(3)}`,
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
		label,
		status: null,
		approval: null,
		createdBy: o.creator,
		submittedBy: null,
		resubmitter: o.resubmitter ?? null,
		relatesTo: null,
		supersedes: null,
		fourEyes: false,
	};
}

/** Checks a write answer and records the item's new version from the envelope it returns. */
async function mustWrite(p, method, path, body, what, status = 200) {
	const res = await call(p, method, path, body);
	assert.equal(res.status, status, `${what} by ${p.key}: ${res.status} ${res.text.slice(0, 400)}`);
	return parse(res);
}

/** Reloads the item as its keeper and updates version, status, approval from the server. */
async function refresh(it) {
	const res = await call(P[KEEPER[it.owner]], 'GET', R.item(it.id));
	assert.equal(res.status, 200, `reload ${describeItem(it)}: ${res.status} ${res.text.slice(0, 300)}`);
	const env = envelopeOf(parse(res));
	it.version = env.version;
	return env;
}

/**
 * Creates the item through the real routes: POST /policies by its creator, then
 * review, submit, withdraw as needed to reach it.label. Asserts each step's
 * outcome follows the rule (a state publishes directly, a non-state waits, ...).
 */
async function build(it) {
	const creator = P[it.creatorKey];
	const draft = it.label === 'draft';
	const extra = { draft };
	if (it.acting) extra.acting_for_org = orgId[it.owner];
	// Only a policy its creator can see can be superseded (else 422, as for a missing one).
	if (it.relatesTo && O.canSee(creator, it.relatesTo, false)) {
		it.supersedes = it.relatesTo.id;
		extra.supersedes = it.supersedes;
	}
	// Every change answers with the envelope as its author now sees it; an author who no
	// longer sees the item (a rejected upload is its owner's draft again) gets no envelope.
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
		assert.equal(it.status, 'pending', `${describeItem(it)} waits for review`);
		await step(P[it.resubmitter], R.edit(it.id), writeBody('edit', it), `edit ${it.word} while pending`);
		it.submittedBy = it.resubmitter;
	}
	if ((it.label === 'published' || it.label === 'withdrawn') && it.status === 'pending') {
		await step(reviewer, R.publish(it.id), { version: it.version }, `publish ${it.word}`);
		it.status = 'published';
		it.approval = null;
	}
	if (it.label === 'rejected') {
		assert.equal(it.status, 'pending', `${describeItem(it)} waits for review`);
		await step(reviewer, R.reject(it.id), { version: it.version, reason: `Rejected ${it.word}` }, `reject ${it.word}`);
		it.status = 'draft';
		it.approval = null;
	}
	if (it.label === 'withdrawn') {
		await step(creator, R.withdraw(it.id), { version: it.version }, `withdraw ${it.word}`);
		it.status = 'withdrawn';
	}
	const now = last ?? await refresh(it);
	assert.equal(now.status, it.status, `${describeItem(it)} reached its status`);
	assert.equal(now.visibility, it.visibility, `${describeItem(it)} visibility`);
	return it;
}

/** Builds models, those another one supersedes first. */
async function buildPhase(models) {
	await inGroups(models.filter((m) => !m.relatesTo).map((m) => () => build(m)));
	await inGroups(models.filter((m) => m.relatesTo).map((m) => () => build(m)));
}

/** Creates many items; those needing four-eyes approval while state A requires it. */
async function buildAll(models) {
	const fourEyes = models.filter((m) => m.owner === 'A' && (m.label === 'pending' || m.label === 'rejected'));
	const rest = models.filter((m) => !fourEyes.includes(m));
	if (fourEyes.length) {
		// Four-eyes publishing is a setting of the state's organisation, read at each
		// request; it is switched on only while these items are submitted, so that the
		// rest of the matrix sees state A publish directly.
		await setFourEyes('A', true);
		try {
			for (const m of fourEyes) m.fourEyes = true;
			await buildPhase(fourEyes);
		} finally {
			await setFourEyes('A', false);
		}
		for (const m of fourEyes) m.fourEyes = false;
	}
	await buildPhase(rest);
	return models;
}

/**
 * The shared items: every owner x status x visibility. In each owner x status group the
 * others supersede the one shared with X alone (a policy's "supersedes", shown both ways
 * on policy pages), when their creator can see it: links between items of different
 * readerships, which each reader must see only where it may see both ends.
 */
function allModels() {
	const out = [];
	for (const o of OWNERS) {
		for (const label of o.statuses) {
			const group = VISIBILITIES.map((v) => newModel(o, v, label));
			const head = group.find((m) => m.vis.key === 'named:X');
			for (const m of group) if (m !== head) m.relatesTo = head;
			out.push(...group);
		}
	}
	return out;
}

// --- setup -----------------------------------------------------------------------------

before(async () => {
	server = await startServer();
	for (const [key, o] of Object.entries(ORGS)) {
		const args = ['org', 'add', '--kind', o.kind, '--name', o.name];
		if (o.country) args.push('--country', o.country);
		orgId[key] = Number(await cli(args));
		assert.ok(orgId[key] > 0, `organisation ${key} has an id`);
		orgKeyById.set(orgId[key], key);
	}
	for (const p of PRINCIPALS) {
		if (!p.org) continue;
		const url = await cli(['user', 'add', '--org', String(orgId[p.org]), '--email', p.email, '--role', p.role]);
		assert.match(url, /^https?:\/\//, `invitation for ${p.email}`);
		p.token = await cli(['token', 'add', '--user', p.email, '--name', 'matrix']);
		assert.match(p.token, /^gcscp_/, `token for ${p.email}`);
		if (p.limits) {
			// An editor its admin limited to other modules (the column's own form: a JSON array).
			await sql(`UPDATE users SET module_limits = '${JSON.stringify(p.limits)}' WHERE email = '${p.email}'`);
		}
	}
	items.push(...await buildAll(allModels()));
	for (const twin of COOKIE_TWINS) {
		const person = await newPerson(server, { org: orgId[twin.org], email: twin.email, role: twin.role });
		twin.client = await signIn(server, person);
		const me = await twin.client.get('/api/v1/me');
		assert.equal(me.status, 200, `GET /api/v1/me as ${twin.key}: ${me.text.slice(0, 300)}`);
		assert.ok(twin.client.csrf, `${twin.key} has a CSRF token`);
	}
	const linked = items.filter((it) => it.supersedes).length;
	assert.ok(linked >= items.length * 0.7, `most items supersede another (${linked} of ${items.length})`);
}, { timeout: 600000 });

after(async () => {
	if (assertions) {
		// One line the lead can quote: the matrix's size and how much was checked.
		console.log(`access matrix routes: ${[...routesCovered].sort().join(', ')}`);
		const cells = routesCovered.size * PRINCIPALS.length * items.length;
		console.log(`access matrix (${ENGINE}): ${routesCovered.size} routes x ${PRINCIPALS.length} principals`
			+ ` x ${items.length} item states = ${cells} cells`
			+ ` (${OWNERS.length} owners x ${VISIBILITIES.length} visibilities x their statuses)`
			+ ` x 2 observer settings (and ${COOKIE_TWINS.length} principals again over cookie sessions);`
			+ ` ${matrixCells.reads} single-item reads, ${matrixCells.lists} list sweeps,`
			+ ` ${matrixCells.writes} writes; ${requests} requests, ${assertions} assertions`);
	}
	await server?.stop();
});

// --- single items: GET /items/{id}, /items/{id}/history, /policies/{id}, the page ------------

const READ_ROUTES = [
	['GET /api/v1/items/{id}', R.item],
	['GET /api/v1/items/{id}/history', R.history],
	['GET /api/v1/policies/{id}', R.policy],
];

/** What each principal gets for an id that does not exist: the answer every refusal must equal. */
async function missingAnswers(principals = PRINCIPALS) {
	const out = new Map();
	await inGroups(principals.map((p) => async () => {
		const m = {};
		for (const [route, path] of READ_ROUTES) m[route] = await call(p, 'GET', path(MISSING_ID));
		m.page = await call(p, 'GET', R.page(MISSING_ID), undefined, { accept: 'text/html' });
		for (const op of Object.keys(O.WRITES)) m[op] = await call(p, 'POST', R[op](MISSING_ID), writeBody(op, { version: 1, word: 'zqmissing' }));
		for (const [k, res] of Object.entries(m)) {
			const expected = !p.org && O.WRITES[k] ? 401 : 404;
			assert.equal(res.status, expected, `${k} of a missing id as ${p.key}: ${res.status} ${res.text.slice(0, 200)}`);
		}
		out.set(p.key, m);
	}));
	return out;
}

/** An HTML page with its request id (shown on error pages) blanked out. */
const pageText = (res) => (res.headers['x-request-id'] ? res.text.replaceAll(res.headers['x-request-id'], 'REQUEST-ID') : res.text);

const sameAnswer = (res, missing) => res.status === missing.status && res.text === missing.text
	&& (res.headers['content-type'] ?? '') === (missing.headers['content-type'] ?? '');

/** Provenance, review note and sharing list are for the owner organisation and the Secretariat. */
const insider = (p, it) => p.org === it.owner || p.kind === 'secretariat';

function checkEnvelope(c, p, it, env, what) {
	c.eq(env?.id, it.id, () => `${what}: id`);
	c.eq(env?.status, it.status, () => `${what}: status`);
	c.eq(env?.visibility, it.visibility, () => `${what}: visibility`);
	const can = env?.can ?? {};
	c.eq(can.edit, O.canEdit(p, it), () => `${what}: can.edit`);
	c.eq(can.submit, O.canEdit(p, it) && it.status === 'draft', () => `${what}: can.submit`);
	c.eq(can.withdraw, O.canWithdraw(p, it), () => `${what}: can.withdraw`);
	c.eq(can.review, O.canReview(p, it), () => `${what}: can.review`);
	const creatorId = env?.created_by?.id ?? null;
	c.eq(creatorId !== null, insider(p, it), () => `${what}: created_by.id shown`);
	const shares = (env?.shares ?? []).map((s) => orgKeyById.get(s.id) ?? s.id).sort();
	c.eq(JSON.stringify(shares), JSON.stringify(insider(p, it) ? [...it.shares].sort() : []), () => `${what}: sharing list shown`);
}

/** What a policy supersedes and what supersedes it, each shown only to those who may see it. */
function checkRelations(c, p, it, body, observers, what) {
	c.ok(body?.text?.title?.includes(it.word), () => `${what}: the item's title`);
	const supersedes = it.supersedes && O.canSee(p, it.relatesTo, observers) ? it.supersedes : null;
	c.eq(body?.supersedes?.id ?? null, supersedes, () => `${what}: supersedes`);
	const by = new Set(items.filter((x) => x.supersedes === it.id && O.canSee(p, x, observers)).map((x) => x.id));
	checkSet(c, new Set((body?.superseded_by ?? []).map((r) => r.id)), by, `${what}: superseded_by`);
}

async function checkItemReads(c, p, it, observers, missing, routes = READ_ROUTES) {
	const see = O.canSee(p, it, observers);
	const who = `${p.key} on ${describeItem(it)} (observers ${observers ? 1 : 0})`;
	for (const [route, path] of routes) {
		const res = await call(p, 'GET', path(it.id), undefined, { route });
		matrixCells.reads++;
		if (!c.eq(res.status, see ? 200 : 404, () => `${route} ${who}`)) continue;
		if (!see) {
			c.ok(sameAnswer(res, missing[route]), () => `${route} ${who}: the 404 differs from a missing id's: ${res.text.slice(0, 200)} vs ${missing[route].text.slice(0, 200)}`);
			if (route === 'GET /api/v1/policies/{id}' && etags.get(it.id)) {
				// The entity tag of someone who sees it opens nothing either (no 304 for what is not there).
				const headers = { Accept: 'application/json', 'If-None-Match': etags.get(it.id) };
				if (p.token) headers.Authorization = `Bearer ${p.token}`;
				const cond = await request(server, path(it.id), { headers });
				c.ok(sameAnswer(cond, missing[route]), () => `${route} ${who} with If-None-Match: ${cond.status}`);
			}
			continue;
		}
		checkNoLeak(c, p, observers, res.text, `${route} ${who}`);
		if (route === 'GET /api/v1/items/{id}') checkEnvelope(c, p, it, envelopeOf(parse(res)), `${route} ${who}`);
		if (route === 'GET /api/v1/policies/{id}') checkRelations(c, p, it, parse(res), observers, `${route} ${who}`);
	}
	const page = await call(p, 'GET', R.page(it.id), undefined, { accept: 'text/html', route: 'GET /policies/{id}' });
	matrixCells.reads++;
	if (c.eq(page.status, see ? 200 : 404, () => `page /policies/{id} ${who}`) && !see) {
		// The page of a missing id byte for byte, but for the id in its links and the
		// request's own reference (X-Request-Id), which every error page shows.
		const text = pageText(page).replace(new RegExp(`(/(?:policies|items)/)${it.id}(?![0-9])`, 'g'), `$1${MISSING_ID}`);
		c.ok(text === pageText(missing.page), () => `page /policies/{id} ${who}: the 404 page differs from a missing id's`);
		c.ok(!page.text.includes(it.word), () => `page /policies/{id} ${who}: the title leaks into the 404 page`);
	}
}

// --- writes ----------------------------------------------------------------------------

/** The body of write op on item it (version as the caller last saw it). */
function writeBody(op, it) {
	switch (op) {
	case 'edit':
		return {
			version: it.version,
			title: `Edited policy ${it.word} ${COMMON}`,
			summary: `Edited summary of ${it.word}.`,
			lang: 'en',
		};
	case 'access':
		return { version: it.version, visibility: O.accessTarget(it), shares: [] };
	case 'reject':
		return { version: it.version, reason: `Not yet ${it.word}.` };
	default:
		return { version: it.version };
	}
}

const ERROR_CODES = { 401: 'unauthorized', 403: 'forbidden', 409: 'conflict' };

const WRITE_ROUTES = {
	edit: 'POST /api/v1/policies/{id}',
	access: 'POST /api/v1/items/{id}/access',
	submit: 'POST /api/v1/items/{id}/submit',
	withdraw: 'POST /api/v1/items/{id}/withdraw',
	publish: 'POST /api/v1/review/{id}/publish',
	reject: 'POST /api/v1/review/{id}/reject',
};

/** Every write that the rule refuses (or that meets the wrong status), on the shared items. */
async function checkRefusedWrites(c, observers, missing) {
	const before = new Map();
	await inGroups(items.map((it) => async () => {
		before.set(it.id, (await call(P[KEEPER[it.owner]], 'GET', R.item(it.id))).text);
	}));
	const cases = [];
	for (const p of PRINCIPALS) {
		for (const it of items) {
			for (const op of Object.keys(O.WRITES)) {
				const expected = O.expectedWrite(op, p, it, observers);
				if (expected !== 200) cases.push({ p, it, op, expected });
			}
		}
	}
	await inGroups(cases.map(({ p, it, op, expected }) => async () => {
		const res = await call(p, 'POST', R[op](it.id), writeBody(op, it), { route: WRITE_ROUTES[op] });
		matrixCells.writes++;
		const who = `${WRITE_ROUTES[op]} by ${p.key} on ${describeItem(it)} (observers ${observers ? 1 : 0})`;
		if (!c.eq(res.status, expected, () => `${who}: ${res.text.slice(0, 200)}`)) return;
		if (expected === 404) {
			const m = missing.get(p.key)[op];
			c.ok(sameAnswer(res, m), () => `${who}: the 404 differs from a missing id's: ${res.text.slice(0, 200)} vs ${m.text.slice(0, 200)}`);
		} else {
			c.eq(parse(res)?.error?.code, ERROR_CODES[expected], () => `${who}: error code`);
		}
	}));
	// Nothing refused changed anything.
	await inGroups(items.map((it) => async () => {
		const now = (await call(P[KEEPER[it.owner]], 'GET', R.item(it.id))).text;
		c.ok(now === before.get(it.id), () => `${describeItem(it)} changed after refused writes:\n    ${before.get(it.id).slice(0, 300)}\n    ${now.slice(0, 300)}`);
	}));
	return cases.length;
}

/** Every write the rule permits, each on a fresh copy of the item it applies to. */
async function checkPermittedWrites(c, observers) {
	const cases = [];
	for (const p of PRINCIPALS) {
		for (const it of items) {
			for (const op of Object.keys(O.WRITES)) {
				if (O.expectedWrite(op, p, it, observers) !== 200) continue;
				const o = OWNERS.find((x) => x.key === it.ownerKey);
				cases.push({ p, op, proto: it, copy: newModel(o, it.vis, it.label) });
			}
		}
	}
	await buildAll(cases.map((k) => k.copy));
	await inGroups(cases.map(({ p, op, proto, copy }) => async () => {
		const who = `${WRITE_ROUTES[op]} by ${p.key} on a copy of ${describeItem(proto)}, #${copy.id} (observers ${observers ? 1 : 0})`;
		const expected = O.expectedWrite(op, p, copy, observers);
		c.eq(expected, 200, () => `${who}: the copy is like the original`);
		const versionBefore = copy.version;
		const statusAfter = O.statusAfter(op, p, copy);
		// Outsiders read it before (an anonymous answer may be kept by the page cache) and after.
		const outsiders = [P.anonymous, P.b_editor, P.observer];
		const readAs = (q) => call(q, 'GET', R.policy(copy.id));
		for (const q of outsiders) {
			const res = await readAs(q);
			c.eq(res.status, O.canSee(q, copy, observers) ? 200 : 404, () => `${who}: ${q.key} reads it before`);
		}
		const res = await call(p, 'POST', R[op](copy.id), writeBody(op, copy), { route: WRITE_ROUTES[op] });
		matrixCells.writes++;
		if (!c.eq(res.status, 200, () => `${who}: ${res.text.slice(0, 200)}`)) return;
		const env = await refresh(copy);
		const now = { ...copy, status: env.status, visibility: env.visibility, shares: env.visibility === 'named' ? copy.shares : [] };
		for (const q of outsiders) {
			const after = await readAs(q);
			c.eq(after.status, O.canSee(q, now, observers) ? 200 : 404, () => `${who}: ${q.key} reads it after`);
		}
		c.eq(env.status, statusAfter, () => `${who}: status after`);
		c.eq(env.version, versionBefore + 1, () => `${who}: version after`);
		if (op === 'access') c.eq(env.visibility, O.accessTarget(copy), () => `${who}: visibility after`);
		if (op === 'edit') c.eq(env.title, `Edited policy ${copy.word} ${COMMON}`, () => `${who}: the new title`);
		if (op === 'reject') c.eq(env.review_note, `Not yet ${copy.word}.`, () => `${who}: the reason, shown to the owner`);
		if (op === 'access' && statusAfter === 'published' && env.visibility === 'public' && copy.status === 'published') {
			// Made public: everyone sees the item and its history, but not its restricted past.
			const mine = parse(await call(P[KEEPER[copy.owner]], 'GET', R.history(copy.id)));
			const theirs = await call(P.anonymous, 'GET', R.history(copy.id));
			if (c.eq(theirs.status, 200, () => `${who}: anonymous reads the history`)) {
				const vis = (h) => (h?.versions ?? []).map((v) => v.snapshot?.envelope?.visibility);
				c.ok(vis(mine).includes(copy.visibility), () => `${who}: the owner's history keeps the ${copy.visibility} version: ${vis(mine)}`);
				c.ok(vis(parse(theirs)).every((v) => v === 'public'),
					() => `${who}: anonymous history shows only public versions: ${vis(parse(theirs))}`);
			}
		}
	}));
	return cases.length;
}

// --- lists, counts, exports, search, home, profiles ------------------------------------------

/** Fails on every word of an item p may not see found in text, and every notice p may not see. */
function checkNoLeak(c, p, observers, text, what) {
	const leaks = [];
	for (const it of items) {
		if (O.canSee(p, it, observers)) continue;
		if (text.includes(it.word)) leaks.push(`a trace of ${describeItem(it)}`);
		if (it.notice && !O.showsNotice(p, it, observers) && text.includes(it.noticeWord)) leaks.push(`the notice of ${describeItem(it)}`);
	}
	c.ok(leaks.length === 0, () => `${what}: ${leaks.join(', ')}`);
}

/** The matrix items whose word appears in text. */
const wordsIn = (text) => new Set(items.filter((it) => text.includes(it.word)).map((it) => it.id));

function checkSet(c, got, expected, what) {
	const missingIds = [...expected].filter((id) => !got.has(id));
	const extra = [...got].filter((id) => !expected.has(id));
	const name = (id) => describeItem(items.find((x) => x.id === id) ?? { id, ownerKey: '?', vis: { key: '?' }, label: '?' });
	c.ok(missingIds.length === 0, () => `${what}: missing ${missingIds.map(name).join(', ')}`);
	c.ok(extra.length === 0, () => `${what}: should not list ${extra.map(name).join(', ')}`);
}

/** Every page of a listing: GET path?page=N&per_page=100 until its items run out. */
async function allPages(p, path, key, route) {
	const rows = [];
	const texts = [];
	let first = null;
	for (let page = 1; page <= 100; page++) {
		const sep = path.includes('?') ? '&' : '?';
		const res = await call(p, 'GET', `${path}${sep}page=${page}&per_page=100`, undefined, { route });
		assert.equal(res.status, 200, `${route} page ${page} as ${p.key}: ${res.status} ${res.text.slice(0, 300)}`);
		const body = parse(res);
		first ??= body;
		texts.push(res.text);
		const got = body[key] ?? [];
		rows.push(...got);
		if (got.length < 100) break;
	}
	return { rows, text: texts.join('\n'), first };
}

const countryOf = (it) => it.country;

/** Everything that lists, counts or exports items, as p sees it, against the rule. */
async function checkListsFor(c, p, observers) {
	const tag = `as ${p.key} (observers ${observers ? 1 : 0})`;
	const mine = new Set(items.map((it) => it.id));
	const ids = (rows) => new Set(rows.map((r) => r.id ?? r.item_id).filter((id) => mine.has(id)));
	const seen = items.filter((it) => O.canSee(p, it, observers));
	const visible = new Set(seen.map((it) => it.id));
	matrixCells.lists++;

	// GET /policies: rows, count, and the notices of what p may not read.
	const list = await allPages(p, '/api/v1/policies', 'items', 'GET /api/v1/policies');
	checkSet(c, ids(list.rows), visible, `GET /api/v1/policies ${tag}`);
	c.eq(list.first.count, visible.size, () => `GET /api/v1/policies ${tag}: count`);
	const notices = list.first.notices ?? [];
	const noticeWords = new Set(notices.map((n) => /zqn([a-z]{4})/.exec(`${n.title} ${n.summary}`)?.[1]).filter(Boolean));
	const expectedNotices = new Set(items.filter((it) => O.showsNotice(p, it, observers)).map((it) => it.noticeWord.slice(3)));
	c.eq([...noticeWords].sort().join(','), [...expectedNotices].sort().join(','), () => `GET /api/v1/policies ${tag}: the notices shown`);
	for (const n of notices) {
		const extra = Object.keys(n).filter((k) => !['notice', 'module', 'title', 'summary'].includes(k));
		c.ok(extra.length === 0 && n.notice === true, () => `GET /api/v1/policies ${tag}: a notice carries only itself, not ${extra.join(', ')}`);
	}
	checkNoLeak(c, p, observers, list.text, `GET /api/v1/policies ${tag}`);

	// GET /policies.csv
	const csv = await call(p, 'GET', '/policies.csv', undefined, { accept: 'text/csv', route: 'GET /policies.csv' });
	if (c.eq(csv.status, 200, () => `GET /policies.csv ${tag}`)) {
		checkSet(c, wordsIn(csv.text), visible, `GET /policies.csv ${tag}`);
		checkNoLeak(c, p, observers, csv.text, `GET /policies.csv ${tag}`);
	}

	// GET /search?q=<the word every item has>: hits, total, facets.
	const hits = [];
	const texts = [];
	let first = null;
	for (let page = 1; page <= 50; page++) {
		const res = await call(p, 'GET', `/api/v1/search?q=${COMMON}&page=${page}`, undefined, { route: 'GET /api/v1/search' });
		if (!c.eq(res.status, 200, () => `GET /api/v1/search page ${page} ${tag}`)) break;
		const body = parse(res);
		first ??= body;
		texts.push(res.text);
		hits.push(...(body.hits ?? []));
		if (!body.pages?.next_href) break;
	}
	if (first) {
		checkSet(c, ids(hits), visible, `GET /api/v1/search ${tag}: hits`);
		c.eq(first.total, visible.size, () => `GET /api/v1/search ${tag}: total`);
		const facet = (name) => Object.fromEntries((first.facets ?? []).find((f) => f.name === name)?.values.map((v) => [v.value, v.count]) ?? []);
		c.eq(facet('module').policies ?? 0, visible.size, () => `GET /api/v1/search ${tag}: module facet`);
		const byCountry = {};
		for (const it of seen) byCountry[countryOf(it)] = (byCountry[countryOf(it)] ?? 0) + 1;
		c.eq(JSON.stringify(Object.entries(facet('country')).sort()), JSON.stringify(Object.entries(byCountry).sort()),
			() => `GET /api/v1/search ${tag}: country facet`);
		checkNoLeak(c, p, observers, texts.join('\n'), `GET /api/v1/search ${tag}`);
	}

	// The home page's counter.
	const home = await call(p, 'GET', '/api/v1/', undefined, { route: 'GET /api/v1/' });
	if (c.eq(home.status, 200, () => `GET /api/v1/ ${tag}`)) {
		c.eq(parse(home).stats?.policies, visible.size, () => `GET /api/v1/ ${tag}: stats.policies`);
	}

	// Country profiles: the policies section.
	for (const iso3 of PROFILES) {
		const res = await call(p, 'GET', `/api/v1/countries/${iso3}`, undefined, { route: 'GET /api/v1/countries/{iso3}' });
		if (!c.eq(res.status, 200, () => `GET /api/v1/countries/${iso3} ${tag}`)) continue;
		const section = (parse(res).sections ?? []).find((s) => s.module === 'policies');
		if (!c.ok(section, () => `GET /api/v1/countries/${iso3} ${tag}: a policies section`)) continue;
		const expected = new Set(seen.filter((it) => it.country === iso3).map((it) => it.id));
		checkSet(c, ids(section.items ?? []), expected, `GET /api/v1/countries/${iso3} ${tag}`);
		c.eq(section.count, expected.size, () => `GET /api/v1/countries/${iso3} ${tag}: count`);
		checkNoLeak(c, p, observers, res.text, `GET /api/v1/countries/${iso3} ${tag}`);
	}

	// The same lists as pages.
	const pages = ['/policies?per_page=100', `/search?q=${COMMON}`, '/', ...PROFILES.map((iso3) => `/countries/${iso3}`)];
	if (p.org) pages.push('/mine?per_page=100', '/review?per_page=100');
	for (const path of pages) {
		const res = await call(p, 'GET', path, undefined, { accept: 'text/html' });
		if (c.eq(res.status, 200, () => `page ${path} ${tag}`)) checkNoLeak(c, p, observers, res.text, `page ${path} ${tag}`);
	}

	// The organisation's own items and the review queue.
	if (!p.org) {
		for (const path of ['/api/v1/mine', '/api/v1/review']) {
			const res = await call(p, 'GET', path, undefined, { route: `GET ${path}` });
			c.eq(res.status, 401, () => `GET ${path} ${tag}`);
		}
		return;
	}
	const own = await allPages(p, '/api/v1/mine', 'items', 'GET /api/v1/mine');
	const ownExpected = new Set(items.filter((it) => it.owner === p.org).map((it) => it.id));
	checkSet(c, ids(own.rows), ownExpected, `GET /api/v1/mine ${tag}`);
	c.eq(own.first.count, ownExpected.size, () => `GET /api/v1/mine ${tag}: count`);
	checkNoLeak(c, p, observers, own.text, `GET /api/v1/mine ${tag}`);
	const queue = await allPages(p, '/api/v1/review', 'items', 'GET /api/v1/review');
	const queueExpected = new Set(items.filter((it) => O.canReview(p, it)).map((it) => it.id));
	checkSet(c, ids(queue.rows), queueExpected, `GET /api/v1/review ${tag}`);
	c.eq(queue.first.count, queueExpected.size, () => `GET /api/v1/review ${tag}: count`);
	checkNoLeak(c, p, observers, queue.text, `GET /api/v1/review ${tag}`);
}

// --- the slice over cookie sessions ---------------------------------------------------------------

async function checkCookieSlice(c, observers) {
	const missing = await missingAnswers(COOKIE_TWINS);
	const before = new Map();
	await inGroups(items.map((it) => async () => {
		before.set(it.id, (await call(P[KEEPER[it.owner]], 'GET', R.item(it.id))).text);
	}));
	const cases = [];
	for (const p of COOKIE_TWINS) {
		for (const it of items) {
			// The envelope and the item's page (what a browser reads).
			cases.push(() => checkItemReads(c, p, it, observers, missing.get(p.key), READ_ROUTES.slice(0, 1)));
			for (const op of Object.keys(O.WRITES)) {
				const expected = O.expectedWrite(op, p, it, observers);
				if (expected === 200) continue;
				cases.push(async () => {
					const res = await call(p, 'POST', R[op](it.id), writeBody(op, it), { route: WRITE_ROUTES[op] });
					const who = `${WRITE_ROUTES[op]} by ${p.key} on ${describeItem(it)} (observers ${observers ? 1 : 0})`;
					if (!c.eq(res.status, expected, () => `${who}: ${res.text.slice(0, 200)}`)) return;
					if (expected === 404) c.ok(sameAnswer(res, missing.get(p.key)[op]), () => `${who}: the 404 differs from a missing id's`);
					else c.eq(parse(res)?.error?.code, ERROR_CODES[expected], () => `${who}: error code`);
				});
			}
		}
	}
	await inGroups(cases);
	await inGroups(COOKIE_TWINS.map((p) => () => checkListsFor(c, p, observers)), 3);
	await inGroups(items.map((it) => async () => {
		const now = (await call(P[KEEPER[it.owner]], 'GET', R.item(it.id))).text;
		c.ok(now === before.get(it.id), () => `${describeItem(it)} changed after refused writes over cookie sessions`);
	}));
}

/**
 * Permitted writes over cookie sessions: for each session and write, one item it may do it
 * to, on a fresh copy; the same request without the CSRF token first, which must be
 * refused (403, as for a missing id) and change nothing.
 */
async function checkCookiePermitted(c, observers) {
	const permitted = [];
	for (const p of COOKIE_TWINS) {
		for (const op of Object.keys(O.WRITES)) {
			const proto = items.find((it) => O.expectedWrite(op, p, it, observers) === 200);
			if (!proto) continue;
			permitted.push({ p, op, proto, copy: newModel(OWNERS.find((o) => o.key === proto.ownerKey), proto.vis, proto.label) });
		}
	}
	c.ok(permitted.length >= 12, () => `cookie sessions have permitted writes to try (${permitted.length})`);
	await buildAll(permitted.map((k) => k.copy));
	await inGroups(permitted.map(({ p, op, proto, copy }) => async () => {
		const who = `${WRITE_ROUTES[op]} by ${p.key} on a copy of ${describeItem(proto)}, #${copy.id}`;
		const envBefore = (await call(P[KEEPER[copy.owner]], 'GET', R.item(copy.id))).text;
		const bare = { ...p, noCsrf: true };
		const forged = await call(bare, 'POST', R[op](copy.id), writeBody(op, copy));
		const forgedMissing = await call(bare, 'POST', R[op](MISSING_ID), writeBody(op, copy));
		c.eq(forged.status, 403, () => `${who} without the CSRF token`);
		c.eq(parse(forged)?.error?.code, 'forbidden_csrf', () => `${who} without the CSRF token: error code`);
		c.ok(sameAnswer(forged, forgedMissing), () => `${who} without the CSRF token: answered unlike for a missing id`);
		c.ok((await call(P[KEEPER[copy.owner]], 'GET', R.item(copy.id))).text === envBefore, () => `${who}: a write without the CSRF token changed the item`);
		const statusAfter = O.statusAfter(op, p, copy);
		const res = await call(p, 'POST', R[op](copy.id), writeBody(op, copy), { route: WRITE_ROUTES[op] });
		if (!c.eq(res.status, 200, () => `${who}: ${res.text.slice(0, 200)}`)) return;
		c.eq((await refresh(copy)).status, statusAfter, () => `${who}: status after`);
	}));
}

// --- the matrix ---------------------------------------------------------------------------------

for (const observers of [false, true]) {
	describe(`restricted_includes_observers = ${observers ? 1 : 0}`, () => {
		let missing;
		before(async () => {
			await setObservers(observers);
			missing = await missingAnswers();
		});

		test('single items: 200 for those who may see them, for everyone else the 404 of a missing id', async () => {
			const c = new Checks('single items');
			etags.clear();
			await inGroups(items.map((it) => async () => {
				const res = await call(P[KEEPER[it.owner]], 'GET', R.policy(it.id));
				etags.set(it.id, res.headers.etag ?? '*');
			}));
			const cases = [];
			for (const p of PRINCIPALS) for (const it of items) cases.push(() => checkItemReads(c, p, it, observers, missing.get(p.key)));
			await inGroups(cases);
			c.done();
		});

		test('lists, counts, the CSV export, search and its facets, the home page, profiles, notices, /mine, /review', async () => {
			const c = new Checks('lists');
			const from = requests;
			await inGroups(PRINCIPALS.map((p) => () => checkListsFor(c, p, observers)), 4);
			assert.ok(requests - from >= PRINCIPALS.length * 15, `every principal's lists were read (${requests - from} requests)`);
			c.done();
		});

		test('the same over cookie sessions: reads, lists, refused writes', async () => {
			const c = new Checks('cookie sessions');
			await checkCookieSlice(c, observers);
			c.done();
		});

		test('refused writes: 401, 403, 404 (that of a missing id) or 409, and the item unchanged', async () => {
			const c = new Checks('refused writes');
			await checkRefusedWrites(c, observers, missing);
			c.done();
		});
	});
}

// Permitted writes create copies, which the lists above do not expect: they come last.
describe('permitted writes, each on a fresh copy', () => {
	for (const observers of [true, false]) {
		test(`restricted_includes_observers = ${observers ? 1 : 0}`, async () => {
			await setObservers(observers);
			const c = new Checks('permitted writes');
			await checkPermittedWrites(c, observers);
			await checkCookiePermitted(c, observers);
			c.done();
		});
	}
});
