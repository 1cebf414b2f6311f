// Signing in: the password step and its refusals, the TOTP step (required for states and
// the Secretariat, optional for the others), codes accepted once, recovery codes used
// once, session rotation at login and at MFA, sign-out, and where browsers are sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	addOrg, addUser, Client, enrol, goodPassword, markTotpUsed, newPerson, nextTotp, signIn, totp, userIdOf,
} from './lib/accounts.mjs';
import { assertJsonError, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
const orgs = {};
before(async () => {
	server = await startServer();
	orgs.member = await addOrg(server, { kind: 'member_state', name: 'Ministry of Foreign Affairs of France', country: 'FRA' });
	orgs.observer = await addOrg(server, { kind: 'observer_state', name: 'Observer Mission', country: 'PSE' });
	orgs.secretariat = await addOrg(server, { kind: 'secretariat', name: 'UNODA Secretariat' });
	orgs.unBody = await addOrg(server, { kind: 'un_body', name: 'UNIDIR' });
	orgs.regional = await addOrg(server, { kind: 'regional_org', name: 'Regional Forum' });
	orgs.stakeholder = await addOrg(server, { kind: 'stakeholder', name: 'Civil Society Network' });
});
after(async () => {
	await server?.stop();
});

const login = (client, email, password, extra = {}) => client.post('/api/v1/login', { json: { email, password, ...extra } });

describe('the password step', () => {
	test('refusals are one generic 401 whatever the reason', async () => {
		const person = await newPerson(server, { org: orgs.stakeholder });
		const invitedEmail = 'invited-only@example.org';
		await addUser(server, { org: orgs.stakeholder, email: invitedEmail });
		const disabled = await newPerson(server, { org: orgs.stakeholder });
		await server.db.sql(`UPDATE users SET status = 'disabled' WHERE id = ${disabled.userId}`);

		const cases = [
			['unknown address', 'nobody-here@example.org', goodPassword()],
			['wrong password', person.email, `${person.password}x`],
			['invited account', invitedEmail, goodPassword()],
			['disabled account', disabled.email, disabled.password],
			['malformed address', 'not an address', goodPassword()],
		];
		const bodies = new Set();
		for (const [what, email, password] of cases) {
			const res = await login(new Client(server), email, password);
			assertJsonError(res, 401, 'invalid_credentials');
			assert.equal(res.headers['set-cookie'], undefined, `${what}: no cookie`);
			bodies.add(res.text);
		}
		assert.equal(bodies.size, 1, `one body for every refusal: ${[...bodies].join(' / ')}`);
	});

	test('missing fields are 422 naming the field', async () => {
		assertJsonError(await login(new Client(server), '', 'x'), 422, 'invalid_field', { field: 'email' });
		assertJsonError(await login(new Client(server), 'a@example.org', ''), 422, 'invalid_field', { field: 'password' });
		const extra = await new Client(server).post('/api/v1/login', { json: { email: 'a@example.org', password: 'x', admin: true } });
		assertJsonError(extra, 422, 'invalid_field', { field: 'admin' });
		const wrongType = await new Client(server).post('/api/v1/login', { json: { email: 'a@example.org', password: 42 } });
		assertJsonError(wrongType, 422, 'invalid_field', { field: 'password' });
	});

	test('the email is case-insensitive', async () => {
		const person = await newPerson(server, { org: orgs.regional });
		const res = await login(new Client(server), person.email.toUpperCase(), person.password);
		assert.equal(res.status, 200, res.text);
	});

	test('a browser gets the form again with 401 and the message', async () => {
		const client = new Client(server);
		const res = await client.post('/login', { email: 'nobody@example.org', password: 'wrong password here' });
		assert.equal(res.status, 401);
		assert.match(res.headers['content-type'], /^text\/html/);
		assert.match(res.text, /role="alert"/);
		assert.match(res.text, /value="nobody@example.org"/, 'the address is kept');
		assert.doesNotMatch(res.text, /wrong password here/, 'the password is never sent back');
	});
});

describe('TOTP is required for states and the Secretariat, optional for others', () => {
	for (const kind of ['member', 'observer', 'secretariat']) {
		test(`${kind}: the session waits for the code`, async () => {
			const person = await newPerson(server, { org: orgs[kind] });
			assert.ok(person.totpSecret, 'enrolled at the first sign-in');
			assert.equal(person.recoveryCodes.length, 10);
			const client = new Client(server);
			const res = await login(client, person.email, person.password);
			assert.equal(res.status, 200, res.text);
			assert.deepEqual({ ...res.json(), csrf_token: undefined }, { mfa_required: true, mfa_enrolled: true, csrf_token: undefined });
			// Waiting for the code is not being signed in.
			assertJsonError(await client.get('/api/v1/me'), 401, 'unauthorized');
			assertJsonError(await client.get('/api/v1/account'), 401, 'unauthorized');
			const page = await client.get('/account');
			assert.equal(page.status, 303);
			assert.equal(page.headers.location, '/login/mfa');
			const done = await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(person.totpSecret) } });
			assert.equal(done.status, 200, done.text);
			assert.equal(done.json().via, 'session');
			assert.equal((await client.get('/api/v1/me')).status, 200);
		});
	}

	for (const kind of ['unBody', 'regional', 'stakeholder']) {
		test(`${kind}: signed in at once; enrolling makes the code required`, async () => {
			const person = await newPerson(server, { org: orgs[kind] });
			assert.equal(person.totpSecret, null, 'not enrolled by default');
			const client = new Client(server);
			const res = await login(client, person.email, person.password);
			assert.equal(res.status, 200, res.text);
			assert.equal(res.json().mfa_required, false);
			assert.equal(res.json().mfa_enrolled, false);
			const me = await client.get('/api/v1/me');
			assert.equal(me.status, 200);
			const start = (await client.get('/api/v1/account/mfa/enrol')).json();
			assert.equal(start.needs_password, true);
			const withoutPassword = await client.post('/api/v1/account/mfa/enrol', { json: { enrolment: start.enrolment, code: totp(start.secret) } });
			assertJsonError(withoutPassword, 422, 'invalid_field', { field: 'current_password' });
			const { totpSecret } = await enrol(client, { currentPassword: person.password });
			assert.equal((await client.get('/api/v1/me')).json().mfa_enrolled, true);
			const again = await login(new Client(server), person.email, person.password);
			assert.equal(again.json().mfa_required, true, 'the next sign-in asks for the code');
			assert.equal(again.json().mfa_enrolled, true);
			assert.ok(totpSecret);
		});
	}

	test('a state person who has not enrolled is sent to enrolment', async () => {
		const email = 'not-enrolled@example.org';
		const url = await addUser(server, { org: orgs.member, email });
		const password = goodPassword();
		await new Client(server).post(`/api/v1${new URL(url).pathname}`, { json: { password, password_confirm: password } });
		const client = new Client(server);
		const res = await login(client, email, password);
		assert.deepEqual({ ...res.json(), csrf_token: undefined }, { mfa_required: true, mfa_enrolled: false, csrf_token: undefined });
		const form = await client.get('/login/mfa');
		assert.equal(form.status, 303);
		assert.equal(form.headers.location, '/account/mfa/enrol');
		const browser = new Client(server);
		const page = await browser.post('/login', { email, password });
		assert.equal(page.status, 303);
		assert.equal(page.headers.location, '/login/mfa');
	});
});

describe('codes', () => {
	test('a TOTP code is accepted once', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const code = await nextTotp(person.totpSecret);
		const first = new Client(server);
		await login(first, person.email, person.password);
		assert.equal((await first.post('/api/v1/login/mfa', { json: { code } })).status, 200);
		const second = new Client(server);
		await login(second, person.email, person.password);
		const replay = await second.post('/api/v1/login/mfa', { json: { code } });
		assertJsonError(replay, 401, 'invalid_code', { field: 'code' });
		const fresh = await second.post('/api/v1/login/mfa', { json: { code: await nextTotp(person.totpSecret) } });
		assert.equal(fresh.status, 200, fresh.text);
	});

	test('wrong and malformed codes are 401 invalid_code', async () => {
		const person = await newPerson(server, { org: orgs.observer });
		const client = new Client(server);
		await login(client, person.email, person.password);
		const now = Math.floor(Date.now() / 1000);
		const wrong = totp(person.totpSecret, now - 3600);
		for (const code of [wrong, '12345', 'abcdef', '1234567']) {
			assertJsonError(await client.post('/api/v1/login/mfa', { json: { code } }), 401, 'invalid_code', { field: 'code' });
		}
		assertJsonError(await client.post('/api/v1/login/mfa', { json: {} }), 422, 'invalid_field', { field: 'code' });
		markTotpUsed(person.totpSecret, now);
	});

	test('a recovery code works once, in any case and with spaces', async () => {
		const person = await newPerson(server, { org: orgs.secretariat });
		const [code, other] = person.recoveryCodes;
		const client = new Client(server);
		await login(client, person.email, person.password);
		const typed = code.toUpperCase().replaceAll('-', ' ');
		const ok = await client.post('/api/v1/login/mfa', { json: { recovery_code: typed } });
		assert.equal(ok.status, 200, ok.text);
		const account = await client.get('/api/v1/account');
		assert.equal(account.json().mfa.recovery_codes_left, 9);

		const again = new Client(server);
		await login(again, person.email, person.password);
		assertJsonError(await again.post('/api/v1/login/mfa', { json: { recovery_code: code } }), 401, 'invalid_code',
			{ field: 'recovery_code' });
		assert.equal((await again.post('/api/v1/login/mfa', { json: { recovery_code: other } })).status, 200);
	});

	test('new recovery codes replace the old ones and need a current code', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = await signIn(server, person);
		assertJsonError(await client.post('/api/v1/account/recovery-codes', { json: { code: '000000' } }), 422, 'invalid_code',
			{ field: 'code' });
		const res = await client.post('/api/v1/account/recovery-codes', { json: { code: await nextTotp(person.totpSecret) } });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.headers['cache-control'], 'no-store');
		const fresh = res.json().recovery_codes;
		assert.equal(fresh.length, 10);
		assert.equal(new Set([...fresh, ...person.recoveryCodes]).size, 20, 'all new');

		const old = new Client(server);
		await login(old, person.email, person.password);
		assertJsonError(await old.post('/api/v1/login/mfa', { json: { recovery_code: person.recoveryCodes[0] } }), 401, 'invalid_code');
		assert.equal((await old.post('/api/v1/login/mfa', { json: { recovery_code: fresh[0] } })).status, 200);
	});

	test('new recovery codes without TOTP are a conflict', async () => {
		const person = await newPerson(server, { org: orgs.stakeholder });
		const client = await signIn(server, person);
		assertJsonError(await client.post('/api/v1/account/recovery-codes', { json: { code: '123456' } }), 409, 'conflict');
	});

	test('replacing the authenticator needs the current password', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = await signIn(server, person);
		const start = (await client.get('/api/v1/account/mfa/enrol')).json();
		assert.equal(start.replacing, true);
		const code = () => totp(start.secret);
		assertJsonError(await client.post('/api/v1/account/mfa/enrol', { json: { enrolment: start.enrolment, code: code() } }),
			422, 'invalid_field', { field: 'current_password' });
		assertJsonError(await client.post('/api/v1/account/mfa/enrol',
			{ json: { enrolment: start.enrolment, code: code(), current_password: 'not the password at all' } }),
		422, 'invalid_field', { field: 'current_password' });
		assertJsonError(await client.post('/api/v1/account/mfa/enrol',
			{ json: { enrolment: `${start.enrolment.slice(0, -2)}AA`, code: code(), current_password: person.password } }),
		422, 'invalid_field', { field: 'enrolment' });
		const { totpSecret } = await enrol(client, { currentPassword: person.password });
		// The old secret no longer signs in; the new one does.
		const old = new Client(server);
		await login(old, person.email, person.password);
		assertJsonError(await old.post('/api/v1/login/mfa', { json: { code: totp(person.totpSecret) } }), 401, 'invalid_code');
		assert.equal((await old.post('/api/v1/login/mfa', { json: { code: await nextTotp(totpSecret) } })).status, 200);
	});

	test('a session waiting for a code cannot enrol a new authenticator instead', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = new Client(server);
		await login(client, person.email, person.password);
		const page = await client.get('/account/mfa/enrol');
		assert.equal(page.status, 303);
		assert.equal(page.headers.location, '/login/mfa');
		const post = await client.post('/api/v1/account/mfa/enrol', { json: { enrolment: 'x', code: '123456' } });
		assert.deepEqual(post.json(), { location: '/login/mfa' });
		assertJsonError(await client.get('/api/v1/me'), 401, 'unauthorized');
	});
});

describe('sessions rotate', () => {
	test('every login makes a new session; the browser\'s previous one ends', async () => {
		const person = await newPerson(server, { org: orgs.unBody });
		const client = new Client(server);
		await login(client, person.email, person.password);
		const first = client.session;
		assert.ok(first);
		await login(client, person.email, person.password);
		const second = client.session;
		assert.ok(second);
		assert.notEqual(second, first);
		const replay = await request(server, '/api/v1/me', { headers: { Cookie: `gcscp=${first}` } });
		assertJsonError(replay, 401, 'unauthorized');
		assert.equal((await client.get('/api/v1/me')).status, 200);
	});

	test('a cookie planted before login is not the session after it', async () => {
		const person = await newPerson(server, { org: orgs.unBody });
		const client = new Client(server);
		const planted = 'A'.repeat(43);
		client.cookies.set('gcscp', planted);
		await login(client, person.email, person.password);
		assert.notEqual(client.session, planted);
		assert.equal((await client.get('/api/v1/me')).status, 200);
	});

	test('the MFA step replaces the session token; the old one is dead', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = new Client(server);
		const res = await login(client, person.email, person.password);
		const pending = client.session;
		const pendingCsrf = res.json().csrf_token;
		const done = await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(person.totpSecret) } });
		assert.equal(done.status, 200);
		assert.notEqual(client.session, pending);
		assert.notEqual(done.json().csrf_token, pendingCsrf, 'a new CSRF token too');
		const old = await request(server, '/api/v1/login/mfa', { headers: { Cookie: `gcscp=${pending}` } });
		assertJsonError(old, 401, 'unauthorized');
		assert.equal((await client.get('/api/v1/me')).status, 200);
		// Past MFA, the step sends the browser on.
		const again = await client.get('/login/mfa');
		assert.equal(again.status, 303);
		assert.equal(again.headers.location, '/account');
	});
});

describe('where browsers go', () => {
	test('next is followed when it is a local path, ignored otherwise', async () => {
		const person = await newPerson(server, { org: orgs.regional });
		for (const [next, expected] of [['/countries/FRA', '/countries/FRA'], ['//evil.example/x', '/account'],
			['https://evil.example/', '/account'], ['/\\evil.example', '/account']]) {
			const client = new Client(server);
			const res = await client.post('/login', { email: person.email, password: person.password, next });
			assert.equal(res.status, 303, res.text);
			assert.equal(res.headers.location, expected, `next=${next}`);
		}
	});

	test('next survives the MFA step', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = new Client(server);
		const res = await client.post('/login', { email: person.email, password: person.password, next: '/search?q=x' });
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, `/login/mfa?next=${encodeURIComponent('/search?q=x')}`);
		const form = await client.get(res.headers.location);
		assert.equal(form.status, 200);
		assert.match(form.text, /name="next" value="\/search\?q=x"/);
		const done = await client.post('/login/mfa', { code: await nextTotp(person.totpSecret), next: '/search?q=x' });
		assert.equal(done.status, 303);
		assert.equal(done.headers.location, '/search?q=x');
	});

	test('a signed-in browser asking for /login is sent on', async () => {
		const person = await newPerson(server, { org: orgs.regional });
		const client = await signIn(server, person);
		const res = await client.get('/login');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/account');
	});

	test('an anonymous browser asking for /account is sent to sign in', async () => {
		const res = await new Client(server).get('/account');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/login?next=%2Faccount');
	});
});

describe('signing out', () => {
	test('logout ends the session and clears the cookie', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = await signIn(server, person);
		const cookie = client.session;
		const res = await client.post('/logout', {});
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/');
		assert.ok(res.headers['set-cookie'].some((c) => /^gcscp=;.*Max-Age=0/i.test(c)), res.headers['set-cookie'].join(' | '));
		assert.equal(client.session, undefined);
		assertJsonError(await request(server, '/api/v1/me', { headers: { Cookie: `gcscp=${cookie}` } }), 401, 'unauthorized');
	});

	test('logout everywhere ends every session of the user', async () => {
		const person = await newPerson(server, { org: orgs.stakeholder });
		const a = await signIn(server, person);
		const b = await signIn(server, person);
		const res = await a.post('/api/v1/logout', { json: { everywhere: true } });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().sessions_ended, 2);
		assertJsonError(await b.get('/api/v1/me'), 401, 'unauthorized');
	});

	test('a session waiting for MFA can sign out', async () => {
		const person = await newPerson(server, { org: orgs.member });
		const client = new Client(server);
		await login(client, person.email, person.password);
		const res = await client.post('/api/v1/logout', { json: {} });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().signed_out, true);
		assertJsonError(await client.get('/api/v1/login/mfa'), 401, 'unauthorized');
	});

	test('without a session there is nothing to sign out of', async () => {
		assertJsonError(await new Client(server).post('/api/v1/logout', { json: {} }), 401, 'unauthorized');
	});
});

test('GET /api/v1/me tells a token caller who it is, and is 401 without credentials', async () => {
	assertJsonError(await request(server, '/api/v1/me'), 401, 'unauthorized');
	assertJsonError(await request(server, '/api/v1/me', { headers: { Authorization: 'Bearer gcscp_nonsense' } }), 401,
		'invalid_token');
	assertJsonError(await request(server, '/api/v1/me', { headers: { Cookie: `gcscp=${'B'.repeat(43)}` } }), 401,
		'unauthorized');
	const person = await newPerson(server, { org: orgs.member, role: 'admin', name: 'Ada Admin' });
	const client = await signIn(server, person);
	const me = (await client.get('/api/v1/me')).json();
	assert.deepEqual(me.user, { id: await userIdOf(server, person.email), email: person.email, name: 'Ada Admin', role: 'admin', module_limits: null });
	assert.deepEqual(me.organisation, { id: orgs.member, name: 'Ministry of Foreign Affairs of France', kind: 'member_state', country: 'FRA', four_eyes: false });
	assert.equal(me.via, 'session');
	assert.equal(me.mfa_enrolled, true);
	assert.equal(typeof me.csrf_token, 'string');
});
