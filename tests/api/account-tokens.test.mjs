// API tokens made from the account page (shown once, listed without their secret,
// revoked one by one, refused once revoked or expired), what a token may not do (mint
// tokens, change the password, new recovery codes), and CSRF: a cookie caller's state
// change needs its token and a same-site Origin, a bearer caller needs neither.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, addToken, Client, newPerson, signIn } from './lib/accounts.mjs';
import { assertJsonError, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
before(async () => {
	server = await startServer();
	org = await addOrg(server, { kind: 'un_body', name: 'ITU' });
});
after(async () => {
	await server?.stop();
});

const bearer = (token, path = '/api/v1/me', { method = 'GET', json } = {}) => request(server, path, {
	method,
	headers: { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
	body: json ? JSON.stringify(json) : undefined,
});

describe('tokens from the account page', () => {
	test('a new token is shown once and works as its user', async () => {
		const person = await newPerson(server, { org, role: 'editor' });
		const client = await signIn(server, person);
		const res = await client.post('/api/v1/account/tokens', { json: { name: 'harvester', expires_days: 30 } });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.headers['cache-control'], 'no-store');
		const { token, id, name, expires_days: days } = res.json();
		assert.match(token, /^gcscp_[A-Za-z0-9_-]{43}$/);
		assert.equal(name, 'harvester');
		assert.equal(days, 30);
		const me = await bearer(token);
		assert.equal(me.status, 200, me.text);
		assert.equal(me.json().via, 'token');
		assert.equal(me.json().user.email, person.email);
		assert.equal(me.json().csrf_token, undefined, 'no CSRF token for a bearer');

		const account = await client.get('/api/v1/account');
		const listed = account.json().tokens;
		assert.equal(listed.length, 1);
		assert.equal(listed[0].id, id);
		assert.equal(listed[0].state, 'active');
		assert.ok(!account.text.includes(token), 'the list never holds the token');
		const stored = await server.db.sql('SELECT token_hash FROM api_tokens');
		assert.ok(!stored.includes(token), 'only a hash is stored');
	});

	test('the browser form shows it once on a page that is not stored', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		const page = await client.get('/account');
		assert.match(page.text, /action="\/account\/tokens"/);
		const res = await client.post('/account/tokens', { name: 'from the form', expires_days: '0' });
		assert.equal(res.status, 200);
		assert.equal(res.headers['cache-control'], 'no-store');
		const token = /gcscp_[A-Za-z0-9_-]{43}/.exec(res.text)?.[0];
		assert.ok(token, 'the token is on the page');
		assert.equal((await bearer(token)).status, 200);
		const again = await client.get('/account');
		assert.ok(!again.text.includes(token));
		assert.match(again.text, /from the form/);
	});

	test('names and expiry are checked', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		assertJsonError(await client.post('/api/v1/account/tokens', { json: { name: '' } }), 422, 'invalid_field', { field: 'name' });
		assertJsonError(await client.post('/api/v1/account/tokens', { json: { name: 'x'.repeat(101) } }), 422, 'invalid_field', { field: 'name' });
		assertJsonError(await client.post('/api/v1/account/tokens', { json: { name: 'ok', expires_days: 366 } }), 422, 'invalid_field',
			{ field: 'expires_days' });
		assertJsonError(await client.post('/api/v1/account/tokens', { json: { name: 'ok', expires_days: '30' } }), 422, 'invalid_field',
			{ field: 'expires_days' });
		assertJsonError(await client.post('/api/v1/account/tokens', { name: 'ok', expires_days: '-1' }), 400, 'invalid_param',
			{ field: 'expires_days' });
		assertJsonError(await client.post('/api/v1/account/tokens', { json: { name: 'line\nbreak' } }), 422, 'invalid_field', { field: 'name' });
	});

	test('revoked tokens are refused; only one\'s own can be revoked here', async () => {
		const person = await newPerson(server, { org });
		const other = await newPerson(server, { org });
		const client = await signIn(server, person);
		const mine = (await client.post('/api/v1/account/tokens', { json: { name: 'mine' } })).json();
		const theirs = await addToken(server, other.email, 'theirs');
		const theirId = (await bearer(theirs, '/api/v1/account')).json().tokens[0].id;

		assertJsonError(await client.post(`/api/v1/account/tokens/${theirId}/revoke`, { json: {} }), 404, 'not_found');
		assert.equal((await bearer(theirs)).status, 200, 'their token still works');
		assertJsonError(await client.post('/api/v1/account/tokens/424242/revoke', { json: {} }), 404, 'not_found');

		const res = await client.post(`/account/tokens/${mine.id}/revoke`, {});
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/account?notice=token_revoked');
		assertJsonError(await bearer(mine.token), 401, 'invalid_token');
		assertJsonError(await client.post(`/api/v1/account/tokens/${mine.id}/revoke`, { json: {} }), 409, 'conflict');
		const listed = (await client.get('/api/v1/account')).json().tokens;
		assert.equal(listed[0].state, 'revoked');
	});

	test('a token may revoke itself', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		const id = (await bearer(token, '/api/v1/account')).json().tokens[0].id;
		const res = await bearer(token, `/api/v1/account/tokens/${id}/revoke`, { method: 'POST', json: {} });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.json(), { revoked: true, id });
		assertJsonError(await bearer(token), 401, 'invalid_token');
	});

	test('an expired token is refused', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		assert.equal((await bearer(token)).status, 200);
		await server.db.sql(`UPDATE api_tokens SET expires_at = ${Math.floor(Date.now() / 1000) - 1} WHERE user_id = ${person.userId}`);
		assertJsonError(await bearer(token), 401, 'invalid_token');
	});
});

describe('what a token may not do', () => {
	test('mint tokens, change the password, renew recovery codes: 403 forbidden', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		assertJsonError(await bearer(token, '/api/v1/account/tokens', { method: 'POST', json: { name: 'child' } }), 403, 'forbidden');
		assertJsonError(await bearer(token, '/api/v1/account/password', {
			method: 'POST', json: { current_password: person.password, new_password: 'x', new_password_confirm: 'x' },
		}), 403, 'forbidden');
		assertJsonError(await bearer(token, '/api/v1/account/recovery-codes', { method: 'POST', json: { code: '123456' } }), 403, 'forbidden');
		const count = (await server.db.sql(`SELECT count(*) FROM api_tokens WHERE user_id = ${person.userId}`)).trim();
		assert.equal(count, '1', 'no token was made');
	});

	test('a token caller sees its account, without the session-only forms', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		const res = await bearer(token, '/api/v1/account');
		assert.equal(res.status, 200);
		assert.equal(res.json().can_manage, false);
		assert.equal(res.json().via, 'token');
	});
});

describe('CSRF', () => {
	const endOthers = '/api/v1/account/sessions/end-others';

	test('a cookie caller\'s POST without the token, or with a wrong one, is 403 forbidden_csrf', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		assertJsonError(await client.post(endOthers, { json: {} }, { csrf: false }), 403, 'forbidden_csrf');
		assertJsonError(await client.post(endOthers, {}, { csrf: false }), 403, 'forbidden_csrf');
		assertJsonError(await client.post(endOthers, { json: {} }, { csrf: false, headers: { 'X-CSRF-Token': 'x'.repeat(43) } }),
			403, 'forbidden_csrf');
		const wrongForm = await client.post('/api/v1/account/tokens', { name: 'sneaky', csrf_token: 'y'.repeat(43) }, { csrf: false });
		assertJsonError(wrongForm, 403, 'forbidden_csrf');
		assert.equal((await client.get('/api/v1/account')).json().tokens.length, 0, 'nothing was made');
		assert.equal((await client.post(endOthers, { json: {} })).status, 200, 'with the token it works');
	});

	test('another site\'s Origin is refused even with the right token', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		assertJsonError(await client.post(endOthers, { json: {} }, { headers: { Origin: 'https://evil.example' } }), 403, 'forbidden_csrf');
		assertJsonError(await client.post(endOthers, { json: {} }, { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'forbidden_csrf');
		const anonymous = await request(server, '/api/v1/login', {
			method: 'POST',
			headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: person.email, password: person.password }),
		});
		assertJsonError(anonymous, 403, 'forbidden_csrf');
	});

	test('a bearer POST needs no CSRF token', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		const res = await bearer(token, endOthers, { method: 'POST', json: {} });
		assert.equal(res.status, 200, res.text);
	});

	test('state changes are POST only', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		for (const path of ['/logout', '/account/tokens', '/account/password', '/account/sessions/end-others']) {
			const res = await client.get(`/api/v1${path}`);
			assert.equal(res.status, 405, `GET ${path}`);
		}
		assert.equal((await client.get('/api/v1/me')).status, 200, 'still signed in');
	});
});
