// Accepting an invitation: who it is for, the password rules and their refusals (the link
// stays usable after one), single use, expiry, and a reset of an active account (which
// ends its sessions and revokes its API tokens).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, addToken, addUser, Client, goodPassword, newPerson, runCliOk, signIn, sqlText } from './lib/accounts.mjs';
import { assertJsonError, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let counter = 0;
before(async () => {
	server = await startServer();
	org = await addOrg(server, { kind: 'regional_org', name: 'Pacific Islands Forum' });
});
after(async () => {
	await server?.stop();
});

/** A new invited person: {email, path} (path under /invitations). */
async function invited(opts = {}) {
	counter += 1;
	const email = opts.email ?? `invitee${counter}@example.org`;
	const url = await addUser(server, { org, email, role: 'editor', name: opts.name });
	return { email, path: new URL(url).pathname };
}

const accept = (path, password, confirm = password) => new Client(server).post(`/api/v1${path}`, { json: { password, password_confirm: confirm } });

describe('the invitation page', () => {
	test('shows whose invitation it is and the rules, and is never stored', async () => {
		const { email, path } = await invited({ name: 'Tui Invitee' });
		const res = await request(server, `/api/v1${path}`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.headers['cache-control'], 'no-store');
		const body = res.json();
		assert.equal(body.email, email);
		assert.equal(body.name, 'Tui Invitee');
		assert.equal(body.organisation, 'Pacific Islands Forum');
		assert.equal(body.reset, false);
		assert.deepEqual(body.rules, { min_chars: 15, max_chars: 1024 });
		const page = await request(server, path);
		assert.equal(page.status, 200);
		assert.equal(page.headers['cache-control'], 'no-store');
		assert.match(page.text, /Pacific Islands Forum/);
		assert.match(page.text, /type="password"[^>]*name="password"|name="password"[^>]*type="password"/);
		assert.match(page.text, /name="password_confirm"/);
		assert.match(page.text, /15/, 'the length rule');
	});

	test('unknown, malformed, used and expired links are the same 404', async () => {
		const used = await invited();
		assert.equal((await accept(used.path, goodPassword())).status, 200);
		const expired = await invited();
		await server.db.sql(`UPDATE invitations SET expires_at = expires_at - 8 * 24 * 3600 WHERE user_id = (SELECT id FROM users WHERE email = ${sqlText(expired.email)})`);
		const paths = [used.path, expired.path, `/invitations/${'C'.repeat(43)}`, '/invitations/short', `/invitations/${'D'.repeat(44)}`];
		const bodies = new Set();
		for (const path of paths) {
			const res = await request(server, `/api/v1${path}`);
			assertJsonError(res, 404, 'not_found');
			bodies.add(res.text);
			assertJsonError(await accept(path, goodPassword()), 404, 'not_found');
		}
		assert.equal(bodies.size, 1, 'nothing tells them apart');
	});

	test('an invitation that has not quite expired still works', async () => {
		const almost = await invited();
		await server.db.sql(`UPDATE invitations SET expires_at = ${Math.floor(Date.now() / 1000) + 60} WHERE user_id = (SELECT id FROM users WHERE email = ${sqlText(almost.email)})`);
		assert.equal((await accept(almost.path, goodPassword())).status, 200);
	});
});

describe('setting the password', () => {
	test('success: 200 for the API, 303 to sign in for a browser, and the link is used up', async () => {
		const api = await invited();
		const password = goodPassword();
		const res = await accept(api.path, password);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.json(), { password_set: true, email: api.email });
		assert.equal(res.headers['cache-control'], 'no-store');
		assertJsonError(await accept(api.path, goodPassword()), 404, 'not_found');
		const login = await new Client(server).post('/api/v1/login', { json: { email: api.email, password } });
		assert.equal(login.status, 200, 'the new password signs in');

		const browser = await invited();
		const form = await new Client(server).post(browser.path, { password, password_confirm: password });
		assert.equal(form.status, 303);
		assert.equal(form.headers.location, `/login?email=${encodeURIComponent(browser.email)}&notice=password_set`);
		const page = await new Client(server).get(form.headers.location);
		assert.equal(page.status, 200);
		assert.match(page.text, new RegExp(`value="${browser.email.replace('.', '\\.')}"`), 'the address is filled in');
		assert.match(page.text, /role="status"/, 'the notice is shown');
	});

	test('the two passwords must match: 422 on password_confirm', async () => {
		const { path } = await invited();
		const password = goodPassword();
		assertJsonError(await accept(path, password, `${password}!`), 422, 'invalid_field', { field: 'password_confirm' });
		assertJsonError(await accept(path, ''), 422, 'invalid_field', { field: 'password' });
		assert.equal((await accept(path, password)).status, 200, 'the link still works');
	});

	const refusals = [
		['too short', () => 'short phrase', 'password.too_short', /15/],
		['common', () => 'passwordpassword', 'password.common', /common/i],
		['a keyboard row', () => 'qwertyuiopasdfghjkl', 'password.common', /common/i],
		['the portal\'s name', () => 'my gcscp portal password is long', 'password.context', /linked to you or the portal/],
		['the organisation\'s name', () => 'i love the pacific islands ocean', 'password.context', /linked to you or the portal/],
		['the address', (email) => `${email.split('@')[0]} forever and ever`, 'password.context', /linked to you or the portal/],
		['the person\'s name', () => 'hinemoa waters and mountains', 'password.context', /linked to you or the portal/],
	];
	for (const [what, make, , message] of refusals) {
		test(`refused: ${what}; the link stays usable`, async () => {
			const { email, path } = await invited({ name: 'Hinemoa Tane' });
			const res = await accept(path, make(email));
			const body = assertJsonError(res, 422, 'invalid_field', { field: 'password' });
			assert.match(body.error.message, message);
			const again = await request(server, `/api/v1${path}`);
			assert.equal(again.status, 200, 'the invitation is still there');
			assert.equal((await accept(path, goodPassword())).status, 200);
		});
	}

	test('the refusal is in the user\'s language, beside the field', async () => {
		const { path } = await invited();
		const res = await new Client(server).post(`${path}?lang=es`, { password: 'corta', password_confirm: 'corta' });
		assert.equal(res.status, 422);
		assert.match(res.headers['content-type'], /^text\/html/);
		assert.match(res.text, /<html lang="es"/);
		assert.match(res.text, /Esta contraseña es demasiado corta/);
		assert.match(res.text, /aria-invalid="true"/);
		assert.match(res.text, /id="invitation-password-error"/);
		assert.doesNotMatch(res.text, /corta"/, 'the password is not sent back');
	});
});

describe('a reset (a new invitation for an active account)', () => {
	test('ends every session and revokes every API token; MFA is still asked', async () => {
		const stateOrg = await addOrg(server, { kind: 'member_state', name: 'Ministry of Digital Affairs', country: 'DEU' });
		const person = await newPerson(server, { org: stateOrg });
		const client = await signIn(server, person);
		const token = await addToken(server, person.email);
		assert.equal((await request(server, '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status, 200);

		const url = (await runCliOk(server, ['user', 'invite', '--email', person.email, '--base-url', server.url]));
		const path = new URL(url).pathname;
		const info = (await request(server, `/api/v1${path}`)).json();
		assert.equal(info.reset, true);
		const password = goodPassword();
		assert.equal((await accept(path, password)).status, 200);

		assertJsonError(await client.get('/api/v1/me'), 401, 'unauthorized');
		assertJsonError(await request(server, '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } }), 401, 'invalid_token');
		assertJsonError(await new Client(server).post('/api/v1/login', { json: { email: person.email, password: person.password } }),
			401, 'invalid_credentials');
		const again = await new Client(server).post('/api/v1/login', { json: { email: person.email, password } });
		assert.equal(again.json().mfa_required, true, 'a reset never skips MFA');
		assert.equal(again.json().mfa_enrolled, true);
	});
});
