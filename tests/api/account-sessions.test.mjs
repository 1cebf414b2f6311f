// Sessions: the idle (30 min) and absolute (12 h) timeouts, moved in the database rather
// than waited for; my sessions listed and ended one by one or all but this one; and a
// password change, which ends every other session and rotates this one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, addToken, Client, goodPassword, newPerson, signIn } from './lib/accounts.mjs';
import { assertJsonError, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let stateOrg;
before(async () => {
	server = await startServer();
	org = await addOrg(server, { kind: 'stakeholder', name: 'Open Source Security Foundation' });
	stateOrg = await addOrg(server, { kind: 'member_state', name: 'National Cyber Agency', country: 'KEN' });
});
after(async () => {
	await server?.stop();
});

const mySessions = async (client) => (await client.get('/api/v1/account')).json().sessions;

describe('timeouts', () => {
	test('a session idle for 30 minutes is over; 28 minutes is not', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		await server.db.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 28 * 60 WHERE user_id = ${person.userId}`);
		assert.equal((await client.get('/api/v1/me')).status, 200, 'still alive after 28 minutes');
		await server.db.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60 WHERE user_id = ${person.userId}`);
		const res = await client.get('/api/v1/me');
		assertJsonError(res, 401, 'unauthorized');
		assert.ok((res.headers['set-cookie'] ?? []).some((c) => /^gcscp=;/.test(c)), 'the dead cookie is cleared');
		const rows = (await server.db.sql(`SELECT count(*) FROM sessions WHERE user_id = ${person.userId}`)).trim();
		assert.equal(rows, '0', 'the expired row is gone');
	});

	test('a session is over 12 hours after it began, however active', async () => {
		const person = await newPerson(server, { org });
		const client = await signIn(server, person);
		const shift = 12 * 3600 - 120;
		await server.db.sql(`UPDATE sessions SET created_at = created_at - ${shift}, absolute_expires_at = absolute_expires_at - ${shift} WHERE user_id = ${person.userId}`);
		assert.equal((await client.get('/api/v1/me')).status, 200, 'alive two minutes before the limit');
		await server.db.sql(`UPDATE sessions SET created_at = created_at - 180, absolute_expires_at = absolute_expires_at - 180 WHERE user_id = ${person.userId}`);
		assertJsonError(await client.get('/api/v1/me'), 401, 'unauthorized');
	});

	test('a session waiting for MFA times out too', async () => {
		const person = await newPerson(server, { org: stateOrg });
		const client = new Client(server);
		await client.post('/api/v1/login', { json: { email: person.email, password: person.password } });
		assert.equal((await client.get('/api/v1/login/mfa')).status, 200);
		await server.db.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60 WHERE user_id = ${person.userId}`);
		assertJsonError(await client.get('/api/v1/login/mfa'), 401, 'unauthorized');
	});
});

describe('my sessions', () => {
	test('are listed, the current one marked, never with a token', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		await signIn(server, person);
		const sessions = await mySessions(a);
		assert.equal(sessions.length, 2);
		assert.equal(sessions.filter((s) => s.current).length, 1);
		for (const s of sessions) {
			assert.deepEqual(Object.keys(s).sort(), ['client_ip', 'created_at', 'current', 'expires_at', 'id', 'last_seen_at', 'mfa_passed', 'user_agent']);
			assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		}
		const text = JSON.stringify(sessions);
		assert.ok(!text.includes(a.session), 'the cookie value is not shown');
	});

	test('one can be ended; another person\'s cannot (404)', async () => {
		const person = await newPerson(server, { org });
		const other = await newPerson(server, { org });
		const a = await signIn(server, person);
		const b = await signIn(server, person);
		const stranger = await signIn(server, other);
		const bId = (await mySessions(b)).find((s) => s.current).id;
		const strangerId = (await mySessions(stranger)).find((s) => s.current).id;

		assertJsonError(await a.post(`/api/v1/account/sessions/${strangerId}/end`, { json: {} }), 404, 'not_found');
		assertJsonError(await a.post('/api/v1/account/sessions/999999/end', { json: {} }), 404, 'not_found');
		assertJsonError(await a.post('/api/v1/account/sessions/abc/end', { json: {} }), 404, 'not_found');
		assert.equal((await stranger.get('/api/v1/me')).status, 200, 'the stranger is untouched');

		const res = await a.post(`/api/v1/account/sessions/${bId}/end`, { json: {} });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.json(), { ended: 1, current: false });
		assertJsonError(await b.get('/api/v1/me'), 401, 'unauthorized');
		assert.equal((await a.get('/api/v1/me')).status, 200);
		assertJsonError(await a.post(`/api/v1/account/sessions/${bId}/end`, { json: {} }), 404, 'not_found');
	});

	test('ending the current one signs out (a browser goes home)', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		const id = (await mySessions(a)).find((s) => s.current).id;
		const res = await a.post(`/account/sessions/${id}/end`, {});
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/');
		assert.equal(a.session, undefined, 'the cookie is cleared');
	});

	test('all but this one can be ended', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		const b = await signIn(server, person);
		const c = await signIn(server, person);
		const res = await a.post('/account/sessions/end-others', {});
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/account?notice=sessions_ended');
		for (const gone of [b, c]) assertJsonError(await gone.get('/api/v1/me'), 401, 'unauthorized');
		assert.equal((await a.get('/api/v1/me')).status, 200);
		const page = await a.get(res.headers.location);
		assert.match(page.text, /Your other sessions have been signed out/);
	});

	test('a token caller may end its user\'s sessions, all of them', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		const token = await addToken(server, person.email);
		const res = await request(server, '/api/v1/account/sessions/end-others', {
			method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}',
		});
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().ended, 1);
		assertJsonError(await a.get('/api/v1/me'), 401, 'unauthorized');
	});
});

describe('changing the password', () => {
	test('ends every other session, rotates this one, keeps API tokens', async () => {
		const person = await newPerson(server, { org: stateOrg });
		const a = await signIn(server, person);
		const b = await signIn(server, person);
		const token = await addToken(server, person.email);
		const before = a.session;
		const oldCsrf = a.csrf;
		const password = goodPassword();
		const res = await a.post('/api/v1/account/password', {
			json: { current_password: person.password, new_password: password, new_password_confirm: password },
		});
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().password_changed, true);
		assert.notEqual(a.session, before, 'a new session token');
		assert.notEqual(a.csrf, oldCsrf, 'and a new CSRF token');
		const me = await a.get('/api/v1/me');
		assert.equal(me.status, 200, 'this browser stays signed in');
		assert.equal(me.json().via, 'session');
		assertJsonError(await request(server, '/api/v1/me', { headers: { Cookie: `gcscp=${before}` } }), 401, 'unauthorized');
		assertJsonError(await b.get('/api/v1/me'), 401, 'unauthorized');
		assert.equal((await request(server, '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status, 200,
			'tokens are separate credentials');
		assertJsonError(await new Client(server).post('/api/v1/login', { json: { email: person.email, password: person.password } }),
			401, 'invalid_credentials');
		const fresh = await new Client(server).post('/api/v1/login', { json: { email: person.email, password } });
		assert.equal(fresh.status, 200);
		assert.equal(fresh.json().mfa_required, true);
	});

	test('refusals: wrong current password, mismatch, the policy; nothing changes', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		const b = await signIn(server, person);
		const password = goodPassword();
		const change = (json) => a.post('/api/v1/account/password', { json });
		assertJsonError(await change({ current_password: 'not my password at all', new_password: password, new_password_confirm: password }),
			422, 'invalid_field', { field: 'current_password' });
		assertJsonError(await change({ current_password: person.password, new_password: password, new_password_confirm: 'other' }),
			422, 'invalid_field', { field: 'new_password_confirm' });
		const short = await change({ current_password: person.password, new_password: 'tiny', new_password_confirm: 'tiny' });
		const body = assertJsonError(short, 422, 'invalid_field', { field: 'new_password' });
		assert.match(body.error.message, /too short/);
		assertJsonError(await change({ current_password: person.password, new_password: 'abcdefghijklmnopq', new_password_confirm: 'abcdefghijklmnopq' }),
			422, 'invalid_field', { field: 'new_password' });
		assertJsonError(await change({ current_password: person.password }), 422, 'invalid_field', { field: 'new_password' });
		assert.equal((await b.get('/api/v1/me')).status, 200, 'the other session lives on');
		assert.equal((await new Client(server).post('/api/v1/login', { json: { email: person.email, password: person.password } })).status, 200);
	});

	test('a browser gets the account page again with the message beside the field', async () => {
		const person = await newPerson(server, { org });
		const a = await signIn(server, person);
		await a.get('/account');
		const res = await a.post('/account/password', { current_password: 'wrong wrong wrong', new_password: 'x', new_password_confirm: 'x' });
		assert.equal(res.status, 422);
		assert.match(res.text, /id="password-current-error"/);
		assert.match(res.text, /The current password is not correct/);
	});

	test('is for browser sessions only: a token gets 403', async () => {
		const person = await newPerson(server, { org });
		const token = await addToken(server, person.email);
		const password = goodPassword();
		const res = await request(server, '/api/v1/account/password', {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ current_password: person.password, new_password: password, new_password_confirm: password }),
		});
		assertJsonError(res, 403, 'forbidden');
	});
});
