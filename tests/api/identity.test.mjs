// The HTTP layer's side of identity (src/http/identity.c): how a caller is resolved from
// a bearer token or a session cookie, what each route's access level lets through, the
// CSRF and Origin checks every state change passes, and what the layout shows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { addOrg, addToken, addUser, Client, newPerson, nextTotp, signIn } from './lib/accounts.mjs';
import { assertJsonError, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let kenya;
let editor; // a member state's editor, TOTP enrolled
let token;  // the editor's API token

before(async () => {
	server = await startServer();
	kenya = await addOrg(server, { kind: 'member_state', name: 'Kenya MFA (identity test)', country: 'KEN' });
	editor = await newPerson(server, { org: kenya, role: 'editor', name: 'Wanjiru Kamau' });
	token = await addToken(server, editor.email, 'identity test');
});
after(async () => {
	await server?.stop();
});

const bearer = (value) => ({ Authorization: `Bearer ${value}`, Accept: 'application/json' });

describe('bearer tokens', () => {
	test('a valid token acts as its user', async () => {
		const res = await request(server, '/api/v1/me', { headers: bearer(token) });
		assert.equal(res.status, 200, res.text);
		const me = res.json();
		assert.equal(me.user.email, editor.email);
		assert.equal(me.organisation.id, kenya);
		assert.equal(me.via, 'token');
	});

	test('an unknown, malformed or non-bearer credential is 401 invalid_token with a challenge, even on a public page', async () => {
		const unknown = `gcscp_${randomBytes(32).toString('base64url').slice(0, 43)}`;
		for (const header of [`Bearer ${unknown}`, 'Bearer not-a-token', 'Basic dXNlcjpwYXNz', 'Bearer ']) {
			const res = await request(server, '/api/v1/countries', { headers: { Authorization: header } });
			assertJsonError(res, 401, 'invalid_token');
			assert.match(res.headers['www-authenticate'] ?? '', /^Bearer /, header);
		}
	});

	test('a token needs no CSRF token, but may not use the browser-only steps (403)', async () => {
		const res = await request(server, '/api/v1/logout', {
			method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: '{}',
		});
		assertJsonError(res, 403, 'forbidden');
	});

	test('answers to a token holder are never kept in the anonymous page cache', async () => {
		const signedIn = await request(server, '/countries/KEN', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(signedIn.status, 200);
		assert.match(signedIn.text, /Wanjiru Kamau/, 'the layout names who is signed in');
		const anonymous = await request(server, '/countries/KEN');
		assert.equal(anonymous.status, 200);
		assert.doesNotMatch(anonymous.text, /Wanjiru Kamau/, 'an anonymous page never shows someone else');
	});
});

describe('session cookies', () => {
	test('a cookie naming no session is cleared and the caller is anonymous', async () => {
		const res = await request(server, '/countries', { headers: { Cookie: `gcscp=${randomBytes(32).toString('base64url').slice(0, 43)}` } });
		assert.equal(res.status, 200);
		const cleared = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('gcscp='));
		assert.ok(cleared, 'a Set-Cookie clears it');
		assert.match(cleared, /Max-Age=0/);
		assert.match(res.text, /href="\/login"/, 'the page offers to sign in');
	});

	test('static files are the same for everyone: served without looking the caller up', async () => {
		const res = await request(server, '/static/style.css', { headers: { Cookie: `gcscp=${'A'.repeat(43)}` } });
		assert.equal(res.status, 200);
		assert.equal(res.headers['set-cookie'], undefined, 'no session lookup, so no cookie to clear');
	});

	test('a page that needs someone sends a browser to sign in and back; the API answers 401', async () => {
		const page = await request(server, '/account?x=1');
		assert.equal(page.status, 303);
		assert.equal(page.headers.location, '/login?next=%2Faccount');
		const api = await request(server, '/api/v1/account');
		assertJsonError(api, 401, 'unauthorized');
	});

	test('a session still at its MFA step is sent to the MFA step, not into the portal', async () => {
		const client = new Client(server);
		const login = await client.post('/api/v1/login', { json: { email: editor.email, password: editor.password } });
		assert.equal(login.status, 200, login.text);
		assert.equal(login.json().mfa_required, true);
		const page = await client.get('/account');
		assert.equal(page.status, 303);
		assert.equal(page.headers.location, '/login/mfa');
		const me = await client.get('/api/v1/me');
		assertJsonError(me, 401, 'unauthorized');
		const done = await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(editor.totpSecret) } });
		assert.equal(done.status, 200, done.text);
		assert.equal((await client.get('/api/v1/me')).status, 200);
	});

	test('the layout shows the person, their tools and a sign-out form carrying the CSRF token', async () => {
		const client = await signIn(server, editor);
		const page = await client.get('/countries');
		assert.equal(page.status, 200);
		assert.match(page.text, /Wanjiru Kamau/);
		assert.match(page.text, /href="\/account"/);
		const form = /<form class="sign-out" method="post" action="\/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)">/.exec(page.text);
		assert.ok(form, 'a sign-out form');
		assert.equal(form[1], client.csrf);
		assert.doesNotMatch(page.text, /href="\/organisations"/, 'Secretariat tools are not offered to a state');
	});
});

describe('state changes from a browser session', () => {
	let client;
	before(async () => {
		client = await signIn(server, editor);
	});

	test('without the CSRF token, or with another, the change is 403 forbidden_csrf', async () => {
		const none = await client.post('/api/v1/account/tokens', { json: { name: 'x', expires_days: 1 } }, { csrf: false });
		assertJsonError(none, 403, 'forbidden_csrf');
		const form = await client.post('/account/tokens', { name: 'x', expires_days: 1, csrf_token: 'A'.repeat(43) });
		assert.equal(form.status, 403);
		const wrongHeader = await client.post('/api/v1/account/tokens', { json: { name: 'x', expires_days: 1 } },
			{ csrf: false, headers: { 'X-CSRF-Token': 'B'.repeat(43) } });
		assertJsonError(wrongHeader, 403, 'forbidden_csrf');
	});

	test('another site\'s Origin or Sec-Fetch-Site: cross-site is refused even with the token', async () => {
		const foreign = await client.post('/api/v1/account/tokens', { json: { name: 'x', expires_days: 1 } },
			{ headers: { Origin: 'https://evil.example' } });
		assertJsonError(foreign, 403, 'forbidden_csrf');
		const crossSite = await client.post('/api/v1/account/tokens', { json: { name: 'x', expires_days: 1 } },
			{ headers: { 'Sec-Fetch-Site': 'cross-site' } });
		assertJsonError(crossSite, 403, 'forbidden_csrf');
		const anonymous = await request(server, '/api/v1/login', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' },
			body: JSON.stringify({ email: editor.email, password: editor.password }),
		});
		assertJsonError(anonymous, 403, 'forbidden_csrf');
	});

	test('with the token and this site\'s Origin the same change goes through', async () => {
		const ok = await client.post('/api/v1/account/tokens', { json: { name: 'csrf ok', expires_days: 1 } });
		assert.equal(ok.status, 200, ok.text);
	});
});

describe('route access levels', () => {
	test('a Secretariat-only route is 403 for a state and 401 for nobody', async () => {
		const { loadRoutes } = await import('./lib/server.mjs');
		const secretariatGet = (await loadRoutes()).find((r) => r.access === 'secretariat' && r.method === 'GET' && !r.pattern.includes('{'));
		assert.ok(secretariatGet, 'the route table has a Secretariat-only page (the organisations list)');
		const path = `/api/v1${secretariatGet.pattern}`;
		assertJsonError(await request(server, path, { headers: bearer(token) }), 403, 'forbidden');
		assertJsonError(await request(server, path), 401, 'unauthorized');
	});

	test('an invited person who never set a password cannot sign in, and a token of theirs works (automation)', async () => {
		const email = `robot-${randomBytes(4).toString('hex')}@example.org`;
		await addUser(server, { org: kenya, email, role: 'reader' });
		const robotToken = await addToken(server, email, 'harvester');
		const me = await request(server, '/api/v1/me', { headers: bearer(robotToken) });
		assert.equal(me.status, 200, me.text);
		const login = await new Client(server).post('/api/v1/login', { json: { email, password: 'anything at all, long enough' } });
		assertJsonError(login, 401, 'invalid_credentials');
	});
});
