// Red team: the files of hidden items and cross-site request forgery.
//
// A file of an item a caller may not see answers exactly like a file that never
// existed, whatever validators or ranges the caller sends (SECURITY.md Z1, F4): the
// entity tag is the file's content hash, so a 304 for a guessed hash would reveal that
// the file exists. A file id of another item is never served under this one.
// Every state-changing route refuses a cookie session without its CSRF token (or with
// a wrong one), in every body kind, and changes nothing (SECURITY.md O4).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { Client, newPerson, signIn } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { multipart } from './lib/multipart.mjs';
import { loadRoutes, startServer, tableCounts } from './lib/server.mjs';

let server;
let cast;
const files = {};

function upload(who, id, text) {
	const mp = multipart([{ name: 'lang', value: 'en' }, { name: 'file', filename: 'note.txt', type: 'text/plain', data: text }]);
	return request(server, `/api/v1/policies/${id}/attachments`, {
		method: 'POST',
		headers: { Accept: 'application/json', 'Content-Type': mp.contentType, ...(who ? who.headers : {}) },
		body: mp.body,
	});
}

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	for (const [name, visibility] of [['public', 'public'], ['restricted', 'restricted']]) {
		const item = await createPolicy(server, cast.kenAdmin, { title: `RT ${name}`, kind: 'other', summary: 'S.', lang: 'en', visibility });
		const text = `redteam file of the ${name} item\n`;
		const up = expectStatus(await upload(cast.kenAdmin, item.id, text), 201, `file of ${name}`);
		const data = JSON.parse(up.text);
		files[name] = { item: item.id, id: data.id, href: data.href, sha: createHash('sha256').update(text).digest('hex') };
	}
});
after(async () => {
	await server?.stop();
});

/** The headers that may differ between two answers to different requests. */
function comparable(res, path) {
	const h = { ...res.headers };
	for (const k of ['date', 'x-request-id', 'content-length']) delete h[k];
	const body = res.text.split(path).join('PATH')
		.replace(/"request_id":\s*"[^"]*"/g, '')
		.replace(/Reference <code>[0-9a-f]+<\/code>/g, '');
	return { status: res.status, headers: h, body };
}

test('a file answers with one Content-Security-Policy: the sandbox', async () => {
	const res = await request(server, files.public.href, {});
	expectStatus(res, 200, 'public file');
	const csp = res.headers['content-security-policy'];
	assert.equal(typeof csp, 'string', `one Content-Security-Policy header, got ${JSON.stringify(csp)}`);
	assert.ok(!csp.includes(','), `not two policies joined: ${csp}`);
	assert.match(csp, /^sandbox\b/, 'the sandbox policy');
	assert.match(csp, /default-src 'none'/);
	const head = await request(server, files.public.href, { method: 'HEAD' });
	assert.equal(head.headers['content-security-policy'], csp, 'HEAD too');
});

test('a hidden file answers like a missing one, whatever the validators and ranges', async () => {
	const hidden = files.restricted;
	const missingHref = `/policies/${hidden.item}/attachments/987654`;
	const missingItemHref = '/policies/987654/attachments/1';
	const variants = [
		{},
		{ 'If-None-Match': `"${hidden.sha}"` },
		{ 'If-None-Match': '*' },
		{ 'If-Modified-Since': 'Sat, 01 Jan 2000 00:00:00 GMT' },
		{ Range: 'bytes=0-3' },
		{ 'If-Range': `"${hidden.sha}"`, Range: 'bytes=0-3' },
	];
	for (const who of [null, cast.stkEditor, cast.pseEditor, cast.regEditor, cast.unEditor]) {
		for (const extra of variants) {
			for (const method of ['GET', 'HEAD']) {
				for (const prefix of ['', '/api/v1']) {
					const headers = { Accept: prefix ? 'application/json' : 'text/html', ...(who ? who.headers : {}), ...extra };
					const res = await request(server, `${prefix}${hidden.href}`, { method, headers });
					const missing = await request(server, `${prefix}${missingItemHref}`, { method, headers });
					const what = `${who?.email ?? 'anonymous'} ${method} ${prefix}${hidden.href} ${JSON.stringify(extra)}`;
					assert.equal(res.status, 404, what);
					assert.deepEqual(comparable(res, hidden.href), comparable(missing, missingItemHref), `${what}: answered unlike a missing item`);
					assert.ok(!res.text.includes('redteam file'), `${what}: content`);
				}
			}
		}
	}
	// A member state sees it, and revalidates it with its hash.
	const seen = await request(server, hidden.href, { headers: { ...cast.fraEditor.headers, 'If-None-Match': `"${hidden.sha}"` } });
	assert.equal(seen.status, 304, 'a member state revalidates the file');
	// A missing attachment id under a visible item: 404 too, like a missing item.
	const res = await request(server, missingHref, { headers: cast.fraEditor.headers });
	assert.equal(res.status, 404);
});

test("a file id of another item is never served under this one", async () => {
	const pairs = [
		[files.public.item, files.restricted.id],
		[files.restricted.item, files.public.id],
	];
	for (const who of [null, cast.stkEditor, cast.fraEditor, cast.kenAdmin, cast.secAdmin]) {
		for (const [item, aid] of pairs) {
			for (const method of ['GET', 'HEAD']) {
				const res = await request(server, `/policies/${item}/attachments/${aid}`, { method, headers: who ? who.headers : {} });
				assert.equal(res.status, 404, `${who?.email ?? 'anonymous'} ${method} /policies/${item}/attachments/${aid}`);
				assert.ok(!res.text.includes('redteam file'));
			}
		}
	}
	// Nor by its hash anywhere under /static or the data directory's name.
	for (const path of [`/static/${files.restricted.sha}`, `/static/../files/${files.restricted.sha}`, `/files/${files.restricted.sha}`,
		`/attachments/${files.restricted.id}`, `/api/v1/attachments/${files.restricted.id}`]) {
		const res = await request(server, path, {});
		assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
		assert.ok(!res.text.includes('redteam file'), path);
	}
	// Removing a file from one item with another item's id changes nothing.
	const wrong = await call(server, cast.kenAdmin, 'DELETE', `/policies/${files.public.item}/attachments/${files.restricted.id}`);
	expectStatus(wrong, 404, 'delete through another item');
	expectStatus(await request(server, files.restricted.href, { headers: cast.kenAdmin.headers }), 200, 'still there');
});

// --- CSRF ------------------------------------------------------------------------------

/** A concrete path for a route pattern: every parameter the given id. */
function concrete(pattern, id) {
	return pattern.replace(/\{[a-z0-9_]+\*?\}/g, (m) => (m === '{token}' ? 'x'.repeat(43) : String(id)));
}

test('every state-changing route refuses a cookie session without its CSRF token, in every body kind', async () => {
	// A stakeholder and a Secretariat admin signed in with cookies (the Secretariat
	// reaches the Secretariat's routes, so the token check, not the access level, decides).
	const stk = await newPerson(server, { org: cast.orgs.stakeholder, email: 'csrf-stk@stk.test', role: 'admin' });
	const sec = await newPerson(server, { org: cast.orgs.secretariat, email: 'csrf-sec@sec.test', role: 'admin' });
	const ken = await newPerson(server, { org: cast.orgs.kenya, email: 'csrf-ken@ken.test', role: 'admin' });
	const clients = [await signIn(server, stk), await signIn(server, sec), await signIn(server, ken)];
	for (const c of clients) {
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200);
		assert.ok(c.csrf, 'the session has a CSRF token');
	}
	const routes = (await loadRoutes()).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
	assert.ok(routes.length > 30, `the route table has the writes (${routes.length})`);
	const before = await tableCounts(server.db);
	const target = files.public.item;
	let probes = 0;
	for (const route of routes) {
		// Logging out and ending sessions would end the very session under test.
		for (const client of clients) {
			for (const prefix of ['', '/api/v1']) {
				if (route.api_only && !prefix) continue;
				const path = `${prefix}${concrete(route.pattern, target)}`;
				const accept = prefix ? 'application/json' : 'text/html';
				const base = client.headers({ Accept: accept });
				const mp = multipart([{ name: 'title', value: 'forged' }, { name: 'version', value: '1' }]);
				const mpWrong = multipart([{ name: 'csrf_token', value: 'A'.repeat(43) }, { name: 'title', value: 'forged' }]);
				const attempts = [
					['form without token', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'title=forged&version=1'],
					['form with a wrong token', { 'Content-Type': 'application/x-www-form-urlencoded' }, `csrf_token=${'A'.repeat(43)}&title=forged`],
					['form with an empty token', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'csrf_token=&title=forged'],
					['JSON without header', { 'Content-Type': 'application/json' }, '{"title":"forged","version":1}'],
					['JSON with a wrong header', { 'Content-Type': 'application/json', 'X-CSRF-Token': 'A'.repeat(43) }, '{"title":"forged"}'],
					['JSON, token in the body only', { 'Content-Type': 'application/json' }, JSON.stringify({ csrf_token: client.csrf, title: 'forged' })],
					['multipart without token', { 'Content-Type': mp.contentType }, mp.body],
					['multipart with a wrong token', { 'Content-Type': mpWrong.contentType }, mpWrong.body],
					['text/plain (a form a foreign page can send)', { 'Content-Type': 'text/plain' }, `csrf_token=${'A'.repeat(43)}`],
					['no body', {}, undefined],
				];
				for (const [what, extra, body] of attempts) {
					const res = await request(server, path, { method: route.method, headers: { ...base, ...extra }, body });
					probes++;
					const label = `${route.method} ${path} (${route.name}) ${what}`;
					assert.ok(res.status === 403 || res.status === 415 || res.status === 400,
						`${label}: refused, got ${res.status} ${res.text.slice(0, 200)}`);
					assert.notEqual(res.status, 303, label);
				}
			}
		}
	}
	assert.ok(probes > 500, `probes: ${probes}`);
	// Nothing was written but the audit records of refusals and sign-ins' sessions.
	const after = await tableCounts(server.db);
	for (const [table, n] of Object.entries(before)) {
		if (table === 'audit_log' || table === 'throttle' || table === 'login_throttle') continue;
		assert.equal(after[table], n, `table ${table}: ${n} rows before, ${after[table]} after the forged requests`);
	}
	// The sessions still work with their token: the refusals were the token's.
	for (const c of clients) {
		const ok = await c.get('/api/v1/me');
		assert.equal(ok.status, 200, 'the session survived');
	}
	const good = await clients[2].post(`/api/v1/items/${target}/access`, { json: { visibility: 'public', version: 999 } });
	assert.notEqual(good.status, 403, `with the token the write reaches the handler: ${good.status} ${good.text}`);
});

test('a foreign Origin or a cross-site fetch is refused even with the right token', async () => {
	const p = await newPerson(server, { org: cast.orgs.stakeholder, email: 'origin-stk@stk.test', role: 'editor' });
	const c = await signIn(server, p);
	await c.get('/api/v1/me');
	for (const headers of [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site', Origin: undefined }]) {
		const h = c.headers({ Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': c.csrf, ...headers });
		for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
		const res = await request(server, '/api/v1/policies', { method: 'POST', headers: h, body: JSON.stringify({ title: 'x', kind: 'other', summary: 'S', lang: 'en' }) });
		assert.equal(res.status, 403, `${JSON.stringify(headers)}: ${res.status}`);
	}
	// A bearer token with a cookie beside it is still a bearer call (the cookie is ignored),
	// and a cookie without any token is refused.
	const bare = new Client(server);
	bare.cookies = c.cookies;
	const res = await request(server, '/api/v1/policies', {
		method: 'POST',
		headers: bare.headers({ Accept: 'application/json', 'Content-Type': 'application/json' }),
		body: JSON.stringify({ title: 'x', kind: 'other', summary: 'S', lang: 'en' }),
	});
	assert.equal(res.status, 403, 'cookie and no token');
});
