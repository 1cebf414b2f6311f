// Login throttling (SECURITY.md A3): five failures for one account, or twenty from one
// address, within 15 minutes, and further attempts get 429 with Retry-After until the
// window passes; the answer never tells whether the account exists. Wrong TOTP codes and
// wrong current passwords count too. The window is moved in the database, not waited for.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';

import { addOrg, auditRows, Client, goodPassword, newPerson, nextTotp, signIn, totp } from './lib/accounts.mjs';
import { assertJsonError } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let stateOrg;
before(async () => {
	server = await startServer();
	org = await addOrg(server, { kind: 'stakeholder', name: 'Internet Society' });
	stateOrg = await addOrg(server, { kind: 'member_state', name: 'Cyber Directorate', country: 'BRA' });
});
after(async () => {
	await server?.stop();
});
// Every test starts with a clean window: earlier attempts are moved 16 minutes back.
afterEach(async () => {
	await server.db.sql('UPDATE login_attempts SET at = at - 16 * 60');
});

const login = (email, password) => new Client(server).post('/api/v1/login', { json: { email, password } });

function assertThrottled(res) {
	const body = assertJsonError(res, 429, 'too_many_attempts');
	const retry = Number(res.headers['retry-after']);
	assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 15 * 60, `Retry-After: ${res.headers['retry-after']}`);
	return body;
}

test('the sixth attempt for an account is 429, even with the right password', async () => {
	const person = await newPerson(server, { org });
	for (let i = 0; i < 5; i++) assertJsonError(await login(person.email, `wrong guess number ${i}`), 401, 'invalid_credentials');
	assertThrottled(await login(person.email, person.password));
	assertThrottled(await login(person.email.toUpperCase(), person.password));
	// Another account from the same address is not held back by it.
	const other = await newPerson(server, { org });
	assert.equal((await login(other.email, other.password)).status, 200);
	const throttled = (await auditRows(server)).filter((r) => r.action === 'login.throttled');
	assert.ok(throttled.length >= 2, 'login.throttled is audited');
	assert.equal(throttled.at(-1).target_id, String(person.userId));
	// When the window has passed, the right password works again.
	await server.db.sql('UPDATE login_attempts SET at = at - 15 * 60');
	assert.equal((await login(person.email, person.password)).status, 200);
});

test('a success clears the failures before it', async () => {
	const person = await newPerson(server, { org });
	for (let i = 0; i < 4; i++) await login(person.email, `wrong guess ${i}`);
	assert.equal((await login(person.email, person.password)).status, 200);
	for (let i = 0; i < 4; i++) assertJsonError(await login(person.email, `wrong again ${i}`), 401, 'invalid_credentials');
	assert.equal((await login(person.email, person.password)).status, 200);
});

test('an unknown account is throttled exactly like a known one', async () => {
	const person = await newPerson(server, { org });
	const unknown = 'nobody-at-all@example.org';
	const known401 = [];
	const unknown401 = [];
	for (let i = 0; i < 5; i++) {
		known401.push((await login(person.email, `bad ${i} password here`)).text);
		unknown401.push((await login(unknown, `bad ${i} password here`)).text);
	}
	assert.deepEqual(new Set([...known401, ...unknown401]).size, 1, 'the same 401 body');
	const a = assertThrottled(await login(person.email, person.password));
	const b = assertThrottled(await login(unknown, 'any password at all'));
	assert.deepEqual(a, b, 'the same 429 body');
});

test('the 21st attempt from one address is 429, whatever the account', async () => {
	for (let i = 0; i < 20; i++) {
		assertJsonError(await login(`stranger${i}@example.org`, 'not a real password'), 401, 'invalid_credentials');
	}
	assertThrottled(await login('stranger-21@example.org', 'not a real password'));
	const person = await newPerson(server, { org }).catch((e) => e);
	assert.ok(person instanceof Error, 'even a right password waits');
	await server.db.sql('UPDATE login_attempts SET at = at - 16 * 60');
	const fresh = await newPerson(server, { org });
	assert.equal((await login(fresh.email, fresh.password)).status, 200);
});

test('wrong TOTP codes count: the sixth attempt is 429', async () => {
	const person = await newPerson(server, { org: stateOrg });
	const client = new Client(server);
	assert.equal((await client.post('/api/v1/login', { json: { email: person.email, password: person.password } })).status, 200);
	const stale = totp(person.totpSecret, Math.floor(Date.now() / 1000) - 7200);
	for (let i = 0; i < 5; i++) {
		assertJsonError(await client.post('/api/v1/login/mfa', { json: { code: stale } }), 401, 'invalid_code');
	}
	assertThrottled(await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(person.totpSecret) } }));
	assertThrottled(await client.post('/api/v1/login/mfa', { json: { recovery_code: person.recoveryCodes[0] } }));
	const mfaThrottled = (await auditRows(server)).filter((r) => r.action === 'login.throttled' && r.detail?.step === 'mfa');
	assert.ok(mfaThrottled.length >= 1);
	await server.db.sql('UPDATE login_attempts SET at = at - 16 * 60');
	const ok = await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(person.totpSecret) } });
	assert.equal(ok.status, 200, ok.text);
});

test('wrong current passwords count too', async () => {
	const person = await newPerson(server, { org });
	const client = await signIn(server, person);
	const password = goodPassword();
	const change = (current) => client.post('/api/v1/account/password',
		{ json: { current_password: current, new_password: password, new_password_confirm: password } });
	for (let i = 0; i < 5; i++) assertJsonError(await change(`guessing ${i} again`), 422, 'invalid_field', { field: 'current_password' });
	assertThrottled(await change(person.password));
	assertThrottled(await login(person.email, person.password));
});
