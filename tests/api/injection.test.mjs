// SQL and script injection strings in every field of every form (issue 7's bad-input suite;
// SECURITY.md I2, O1, R3). The forms are not listed by hand: the pages each kind of person
// sees are fetched, every <form> on them is read (its action, method and fields, with the
// values the page fills in), and the form is submitted once per field and per injection
// string, that field carrying the string and every other field its page value. Each answer
// must be a non-5xx within two seconds (a time-based injection such as pg_sleep(3) would
// take longer), and a page that answers must not carry a markup payload unescaped. After the
// run: the same tables exist with no fewer rows than before (nothing dropped or emptied), the
// audit chain verifies, the server logged no 5xx, and a policy created through the API with
// each string as its title gives the string back exactly (stored as text, not interpreted).
//
// Most pages are fetched and submitted with API tokens (they need no CSRF token); the
// account's forms, which need a signed-in session, with a cookie session signed in with
// password and TOTP, whose forms carry the page's CSRF token. The csrf_token field is left
// as the page gives it and never fuzzed (CSRF has its own tests). The search, filter,
// log-in and invitation forms are fuzzed anonymously.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addUser, newPerson, signIn } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { call, cli, createPolicy, expectStatus, makeCast, policy } from './lib/items-fixture.mjs';
import { startServer, tableCounts } from './lib/server.mjs';

export const SQL_INJECTIONS = [
	"' OR '1'='1",
	"'; DROP TABLE items; --",
	'" OR ""="',
	'1) OR (1=1',
	"%' AND 1=1 --",
	"1 UNION SELECT password_hash FROM users --",
	"'; SELECT pg_sleep(3); --",
	"1' AND (SELECT 1 FROM (SELECT(SLEEP(3)))a) AND '1",
	"1; SELECT sqlite_version(); --",
	'? $1 :name @p',
	'\\',
];
export const SCRIPT_INJECTIONS = [
	'<script>alert(1)</script>',
	'"><img src=x onerror=alert(1)>',
	"'><svg onload=alert(1)>",
	'</textarea><script>alert(1)</script>',
	'javascript:alert(1)',
	'{{csrf_token}}{{{title}}}',
	'${7*7}#{7*7}',
];
const PAYLOADS = [...SQL_INJECTIONS, ...SCRIPT_INJECTIONS];
// Payloads that would be markup if a page showed them as they are.
const MARKUP = SCRIPT_INJECTIONS.filter((p) => /[<>"]/.test(p));
const TIME_LIMIT_MS = 2000;

let server;
let cast;
let countsBefore;
const coverage = { forms: new Set(), fields: 0, submissions: 0, statuses: {} };

before(async () => {
	server = await startServer({ demo: true });
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
});

// --- reading forms out of a page ---------------------------------------------------

const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
	.replace(/&#x2F;/gi, '/').replace(/&#x27;/gi, "'").replace(/&amp;/g, '&');

function attrs(text) {
	const out = {};
	for (const m of text.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
		out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
	}
	return out;
}

/** The forms of an HTML page: [{ action, method, fields: [{name, type, value, options}] }]. */
export function parseForms(html, base) {
	const forms = [];
	for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
		const a = attrs(f[1]);
		const fields = [];
		const body = f[2];
		for (const m of body.matchAll(/<(input|select|textarea)\b([^>]*)>/gi)) {
			const tag = m[1].toLowerCase();
			const at = attrs(m[2]);
			if (!at.name) continue;
			const type = tag === 'input' ? (at.type || 'text').toLowerCase() : tag;
			if (['submit', 'button', 'reset', 'image'].includes(type)) continue;
			let value = at.value ?? '';
			let options = [];
			if (tag === 'textarea') {
				const end = body.indexOf('</textarea>', m.index);
				value = decode(body.slice(m.index + m[0].length, end));
			} else if (tag === 'select') {
				const end = body.indexOf('</select>', m.index);
				const inner = body.slice(m.index, end);
				options = [...inner.matchAll(/<option\b([^>]*)>/gi)].map((o) => attrs(o[1]));
				const chosen = options.filter((o) => 'selected' in o);
				const firstReal = options.find((o) => o.value !== '');
				value = (chosen[0] ?? (at.required !== undefined ? firstReal : options[0]) ?? { value: '' }).value ?? '';
			}
			fields.push({ name: at.name, type, value, checked: 'checked' in at, tag });
		}
		forms.push({ action: new URL(decode(a.action || base), `http://x${base}`).pathname + (new URL(decode(a.action || base), `http://x${base}`).search), method: (a.method || 'get').toLowerCase(), fields });
	}
	return forms;
}

/** The pairs a browser would send for the form, with field `target` (index) set to `payload`. */
function pairsOf(form, target, payload) {
	const pairs = [];
	const radioSeen = new Set();
	form.fields.forEach((f, i) => {
		let value = f.value;
		if (f.type === 'checkbox') {
			if (i !== target && !f.checked) return;
		} else if (f.type === 'radio') {
			if (i === target) {
				radioSeen.add(f.name);
			} else {
				if (radioSeen.has(f.name)) return;
				const group = form.fields.filter((g) => g.type === 'radio' && g.name === f.name);
				const pick = group.find((g) => g.checked) ?? group[0];
				const targetInGroup = form.fields[target]?.type === 'radio' && form.fields[target].name === f.name;
				if (targetInGroup || pick !== f) return;
				radioSeen.add(f.name);
			}
		} else if (f.type === 'file') {
			return;
		}
		if (i === target) value = payload;
		pairs.push([f.name, value]);
	});
	return pairs;
}

const fuzzable = (f) => f.name !== 'csrf_token' && f.type !== 'file';

// who: null (anonymous), a person with an API token ({headers}), or a signed-in cookie
// session ({client}: accounts.mjs's Client, whose forms carry the page's CSRF token).
async function send(who, path, { method = 'GET', headers = {}, body } = {}) {
	if (who?.client) {
		return who.client.remember(await request(server, path, { method, headers: who.client.headers(headers), body }));
	}
	return request(server, path, { method, headers: { ...headers, ...(who ? who.headers : {}) }, body });
}

const page = (who, path) => send(who, path, { headers: { Accept: 'text/html' } });

function check(res, what, payload, ms) {
	coverage.submissions++;
	coverage.statuses[res.status] = (coverage.statuses[res.status] ?? 0) + 1;
	assert.ok(res.status >= 200 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
	assert.ok(ms < TIME_LIMIT_MS, `${what}: answered in ${ms} ms`);
	// A refusal says why: a page with a heading and a message (or the form again, marked).
	if (res.status >= 400) assert.match(res.text, /<h1>[^<]+<\/h1>/, `${what}: a ${res.status} page with a message`);
	if (MARKUP.includes(payload) && /text\/html/.test(res.headers['content-type'] ?? '')) {
		assert.ok(!res.text.includes(payload), `${what}: the page shows the payload unescaped`);
	}
}

/**
 * Fuzzes every form of the page at path as who: each fuzzable field with each payload.
 * The page is fetched again before each submission (a successful one may change it: a new
 * version, an item gone from a queue); a form that is gone is left there.
 */
async function fuzzPage(who, path, label, { skipActions = [] } = {}) {
	const first = await page(who, path);
	assert.equal(first.status, 200, `${label}: GET ${path}: ${first.status}`);
	const forms = parseForms(first.text, path).filter((f) => !skipActions.some((re) => re.test(f.action)));
	assert.ok(forms.length > 0, `${label}: ${path} has forms`);
	for (let fi = 0; fi < forms.length; fi++) {
		const form = forms[fi];
		const key = `${form.method.toUpperCase()} ${form.action.split('/').map((seg) => (/^\d+$|^[A-Za-z0-9_-]{20,}$/.test(seg) ? '{id}' : seg)).join('/')}`;
		coverage.forms.add(key);
		for (let i = 0; i < form.fields.length; i++) {
			if (!fuzzable(form.fields[i])) continue;
			coverage.fields++;
			for (const payload of PAYLOADS) {
				// The page as it is now (a fresh version, a fresh form).
				const now = parseForms((await page(who, path)).text, path).filter((f) => !skipActions.some((re) => re.test(f.action)));
				const current = now.find((f) => f.action === form.action && f.method === form.method
					&& f.fields.length === form.fields.length && f.fields.every((g, j) => g.name === form.fields[j].name));
				if (!current) break;
				const params = new URLSearchParams(pairsOf(current, i, payload));
				const what = `${label}: ${key} field ${form.fields[i].name} = ${JSON.stringify(payload)}`;
				const t0 = Date.now();
				const res = current.method === 'post'
					? await send(who, current.action, {
						method: 'POST',
						headers: { Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded' },
						body: params.toString(),
					})
					: await send(who, `${current.action.split('?')[0]}?${params}`, { headers: { Accept: 'text/html' } });
				check(res, what, payload, Date.now() - t0);
			}
		}
	}
}

test('every field of every form, with SQL and script injection strings: no 5xx, no delay, nothing shown raw', { timeout: 20 * 60 * 1000 }, async () => {
	countsBefore = await tableCounts(server.db);
	const pub = await createPolicy(server, cast.kenEditor, policy('Injection target, public', { visibility: 'public' }));
	const pending = [];
	for (let i = 0; i < 3; i++) pending.push(await createPolicy(server, cast.stkEditor, policy(`Injection target, submission ${i}`)));
	const invitation = new URL(await addUser(server, { org: cast.orgs.kenya, email: 'invited@ken.injection.test', role: 'reader' })).pathname;

	// Anonymous forms: search, filters, sign-in, an invitation.
	await fuzzPage(null, '/search', 'anonymous');
	await fuzzPage(null, '/countries', 'anonymous');
	await fuzzPage(null, '/policies', 'anonymous');
	await fuzzPage(null, '/login', 'anonymous');
	await fuzzPage(null, invitation, 'anonymous');
	// A member state's editor: a new policy, an edit, the item's envelope forms (access,
	// submit; withdrawal last, it is final), our items, the account.
	await fuzzPage(cast.kenEditor, '/policies/new', 'state editor');
	await fuzzPage(cast.kenEditor, `/policies/${pub.id}/edit`, 'state editor');
	await fuzzPage(cast.kenEditor, `/policies/${pub.id}`, 'state editor', { skipActions: [/\/withdraw$/] });
	await fuzzPage(cast.kenEditor, '/mine', 'state editor');
	// The account's forms need a signed-in session (password and TOTP): a state's editor.
	const person = await newPerson(server, { org: cast.orgs.kenya, email: 'session@ken.injection.test', role: 'editor' });
	const session = { client: await signIn(server, person) };
	await fuzzPage(session, '/account', 'state editor (session)', { skipActions: [/\/revoke$/, /\/end/, /^\/logout$/] });
	await fuzzPage(session, '/policies/new', 'state editor (session)', { skipActions: [/^\/logout$/] });
	// The Secretariat: the review queue (a rejection with a payload as its reason takes the
	// item out of the queue; three are waiting), organisations, people, the audit log.
	await fuzzPage(cast.secEditor, '/review', 'Secretariat editor');
	await fuzzPage(cast.secAdmin, '/organisations', 'Secretariat admin');
	await fuzzPage(cast.secAdmin, `/organisations/${cast.orgs.france}`, 'Secretariat admin');
	await fuzzPage(cast.secAdmin, '/audit', 'Secretariat admin');
	await fuzzPage(cast.kenEditor, `/policies/${pub.id}`, 'state editor (withdrawal)');

	// What was covered, for the log.
	const forms = [...coverage.forms].sort();
	process.stdout.write(`# injection: ${forms.length} forms, ${coverage.fields} fields, ${coverage.submissions} submissions; statuses ${JSON.stringify(coverage.statuses)}\n# forms: ${forms.join(', ')}\n`);
	for (const must of ['GET /search', 'POST /login', 'POST /policies', 'POST /policies/{id}', 'POST /items/{id}/access', 'POST /review/{id}/reject', 'POST /account/password', 'POST /account/tokens']) {
		assert.ok(forms.includes(must), `the form ${must} was fuzzed (found: ${forms.join(', ')})`);
	}
	assert.ok(coverage.fields >= 40, `${coverage.fields} fields`);
	assert.ok(coverage.statuses[422] > 0, 'some payloads were refused with 422');
	assert.ok((coverage.statuses[303] ?? 0) + (coverage.statuses[200] ?? 0) > 0, 'some payloads were accepted as text');
	assert.equal(pending.length, 3);
});

test('each string stored through the API comes back exactly as sent', async () => {
	for (const payload of PAYLOADS) {
		const res = await call(server, cast.kenEditor, 'POST', '/policies', { json: policy(payload, { visibility: 'public', summary: payload }) });
		expectStatus(res, 201, `create with ${JSON.stringify(payload)}`);
		const back = await call(server, null, 'GET', `/policies/${res.data.id}`);
		expectStatus(back, 200, 'read back');
		assert.equal(back.data.item.title, payload, 'the title is the text sent');
		const found = await call(server, null, 'GET', `/policies?q=${encodeURIComponent(payload)}`);
		assert.ok(found.status < 500, `a list filtered by ${JSON.stringify(payload)}: ${found.status}`);
	}
});

test('afterwards: no table dropped or emptied, the audit chain holds, no 5xx was logged', async () => {
	const counts = await tableCounts(server.db);
	for (const [table, n] of Object.entries(countsBefore)) {
		assert.ok(table in counts, `table ${table} still exists`);
		if (!/session|throttle|job/.test(table)) assert.ok(counts[table] >= n, `${table}: ${counts[table]} rows, ${n} before`);
	}
	const verify = await cli(server, ['audit', 'verify']);
	assert.match(verify, /^audit log intact/);
	const errors = server.logs.filter((l) => l && typeof l.status === 'number' && l.status >= 500);
	assert.deepEqual(errors, []);
});
