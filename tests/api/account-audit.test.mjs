// Every sign-in, failure, MFA step, sign-out, password and token action lands in the
// audit log, in the same transaction, with who, whom and why, and never a secret; the
// chain verifies afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	addOrg, addUser, auditRows, Client, goodPassword, newPerson, nextTotp, runCliOk, signIn, userIdOf,
} from './lib/accounts.mjs';
import { startServer } from './lib/server.mjs';

let server;
let stateOrg;
before(async () => {
	server = await startServer();
	stateOrg = await addOrg(server, { kind: 'member_state', name: 'Foreign Ministry', country: 'JPN' });
});
after(async () => {
	await server?.stop();
});

/** The rows after index `from` (by id), as [action, actor_user, target_type, target_id, detail]. */
async function rowsSince(from) {
	return (await auditRows(server)).filter((r) => r.id > from);
}

async function lastId() {
	return (await auditRows(server)).at(-1)?.id ?? 0;
}

test('the whole life of an account is in the log, and no secret is', async () => {
	const secrets = [];
	let mark = await lastId();

	// Invitation accepted: user.password by the user.
	const email = 'audited.person@example.org';
	const url = await addUser(server, { org: stateOrg, email, role: 'editor' });
	const password = goodPassword();
	secrets.push(password, url.split('/').pop());
	const accept = await new Client(server).post(`/api/v1${new URL(url).pathname}`, { json: { password, password_confirm: password } });
	assert.equal(accept.status, 200);
	const userId = await userIdOf(server, email);
	let rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => r.action), ['user.invite', 'user.password']);
	assert.equal(rows[1].actor_user, userId);
	assert.equal(rows[1].target_id, String(userId));
	assert.equal(rows[1].detail.via, 'invitation');

	// First sign-in: login.success, then enrolment (user.mfa_enrol and login.mfa).
	mark = await lastId();
	const client = new Client(server);
	const login = await client.post('/api/v1/login', { json: { email, password } });
	secrets.push(client.session, login.json().csrf_token);
	const start = (await client.get('/api/v1/account/mfa/enrol')).json();
	secrets.push(start.secret, start.enrolment);
	const enrolled = await client.post('/api/v1/account/mfa/enrol', { json: { enrolment: start.enrolment, code: await nextTotp(start.secret) } });
	assert.equal(enrolled.status, 200);
	secrets.push(...enrolled.json().recovery_codes, client.session);
	rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => r.action), ['login.success', 'user.mfa_enrol', 'login.mfa']);
	assert.equal(rows[0].actor_user, userId);
	assert.equal(rows[0].detail.mfa_pending, true);
	assert.deepEqual(rows[2].detail, { enrolment: true, method: 'totp' });

	// Token made and revoked.
	mark = await lastId();
	const made = (await client.post('/api/v1/account/tokens', { json: { name: 'audit me' } })).json();
	secrets.push(made.token);
	await client.post(`/api/v1/account/tokens/${made.id}/revoke`, { json: {} });
	rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => [r.action, r.actor_user, r.target_type, r.target_id]), [
		['token.create', userId, 'api_token', String(made.id)],
		['token.revoke', userId, 'api_token', String(made.id)],
	]);

	// Failures: a wrong password, an unknown address, a wrong code.
	mark = await lastId();
	await new Client(server).post('/api/v1/login', { json: { email, password: 'a wrong password guess' } });
	await new Client(server).post('/api/v1/login', { json: { email: 'ghost@example.org', password: 'a wrong password guess' } });
	const pending = new Client(server);
	await pending.post('/api/v1/login', { json: { email, password } });
	await pending.post('/api/v1/login/mfa', { json: { code: '000000' } });
	await pending.post('/api/v1/login/mfa', { json: { recovery_code: enrolled.json().recovery_codes[0] } });
	rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => [r.action, r.actor_user, r.target_id, r.detail]), [
		['login.failure', 0, String(userId), { reason: 'wrong_password', step: 'password' }],
		['login.failure', 0, null, { reason: 'unknown_account', step: 'password' }],
		['login.success', userId, String(userId), { mfa_pending: true }],
		['login.failure', 0, String(userId), { method: 'totp', reason: 'wrong_code', step: 'mfa' }],
		['login.mfa', userId, String(userId), { method: 'recovery' }],
	]);

	// Password change, sign-out of the others, sign-out.
	mark = await lastId();
	const newPassword = goodPassword();
	secrets.push(newPassword);
	await client.post('/api/v1/account/password', { json: { current_password: password, new_password: newPassword, new_password_confirm: newPassword } });
	const third = await signIn(server, { email, password: newPassword, totpSecret: start.secret });
	await third.post('/api/v1/account/sessions/end-others', { json: {} });
	await third.post('/api/v1/logout', { json: {} });
	rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => r.action), ['user.password', 'login.success', 'login.mfa', 'logout', 'logout']);
	assert.deepEqual(rows[0].detail, { via: 'account' });
	assert.deepEqual(rows[3].detail, { current: false, sessions: 1 });
	assert.deepEqual(rows[4].detail, { sessions: 1 });
	for (const r of rows) assert.equal(r.actor_user, userId);

	// Nothing secret anywhere in the table.
	const dump = await server.db.sql('SELECT * FROM audit_log');
	for (const s of secrets.filter(Boolean)) assert.ok(!dump.includes(s), `a secret in the audit log: ${s.slice(0, 6)}...`);
	const addresses = await server.db.sql('SELECT DISTINCT client_ip FROM audit_log WHERE action LIKE \'login.%\'');
	assert.equal(addresses.trim(), '127.0.0.1', 'the address is recorded');

	const verify = await runCliOk(server, ['audit', 'verify']);
	assert.ok(verify !== undefined);
});

test('throttled attempts are audited', async () => {
	const person = await newPerson(server, { org: stateOrg });
	const mark = await lastId();
	for (let i = 0; i < 6; i++) await new Client(server).post('/api/v1/login', { json: { email: person.email, password: `nope ${i} nope nope` } });
	const rows = await rowsSince(mark);
	assert.deepEqual(rows.map((r) => r.action), [...Array(5).fill('login.failure'), 'login.throttled']);
	assert.deepEqual(rows[5].detail, { step: 'password' });
	await server.db.sql('UPDATE login_attempts SET at = at - 16 * 60');
});
