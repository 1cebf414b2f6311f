// The account pages as a browser sees them: a whole journey through the HTML forms
// (invitation, sign-in, enrolment with the QR code, recovery codes, my account, sign-out),
// pages in the reader's language, refusals beside their field, and the session cookie's
// attributes with and without --insecure-cookies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { addOrg, addUser, Client, goodPassword, newPerson, nextTotp, signIn, totp } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { assertNoSanitizerReport, BIN, createDatabase, freePort, startServer } from './lib/server.mjs';

let server;
let stateOrg;
let otherOrg;
before(async () => {
	server = await startServer();
	stateOrg = await addOrg(server, { kind: 'member_state', name: 'Ministry of Communications', country: 'EGY' });
	otherOrg = await addOrg(server, { kind: 'regional_org', name: 'African Union Commission' });
});
after(async () => {
	await server?.stop();
});

const hidden = (html, name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
const decode = (s) => s.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');

describe('a journey through the forms', () => {
	test('invitation, sign-in, enrolment, recovery codes, my account, sign-out', async () => {
		const email = 'browser.user@example.org';
		const url = await addUser(server, { org: stateOrg, email, role: 'editor', name: 'Nour Browser' });
		const browser = new Client(server);
		const path = new URL(url).pathname;

		const invitation = await browser.get(path);
		assert.equal(invitation.status, 200);
		assert.match(invitation.text, /<label for="invitation-password">/);
		assert.match(invitation.text, /aria-describedby="password-rules"/);
		const password = goodPassword();
		const accepted = await browser.post(path, { password, password_confirm: password });
		assert.equal(accepted.status, 303);

		const form = await browser.get(accepted.headers.location);
		assert.match(form.text, /<form class="account-form" action="\/login" method="post">/);
		const signedIn = await browser.post('/login', { email, password });
		assert.equal(signedIn.status, 303);
		assert.equal(signedIn.headers.location, '/login/mfa');
		const step = await browser.get('/login/mfa');
		assert.equal(step.status, 303);
		assert.equal(step.headers.location, '/account/mfa/enrol');

		const enrolPage = await browser.get('/account/mfa/enrol');
		assert.equal(enrolPage.status, 200);
		assert.equal(enrolPage.headers['cache-control'], 'no-store');
		assert.match(enrolPage.text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"[^>]*aria-label="Scan this code with your authenticator app"/);
		const secret = /<code class="account-secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(enrolPage.text)?.[1]?.replaceAll(' ', '');
		assert.match(secret ?? '', /^[A-Z2-7]{32}$/, 'the secret for manual entry');
		const enrolment = hidden(enrolPage.text, 'enrolment');
		assert.ok(enrolment, 'the sealed enrolment travels in the form');
		assert.ok(!enrolment.includes(secret), 'sealed, not plain');

		const wrong = await browser.post('/account/mfa/enrol', { enrolment: decode(enrolment), code: '000000' });
		assert.equal(wrong.status, 422);
		assert.match(wrong.text, /id="enrol-code-error"/);
		assert.ok(wrong.text.includes(secret.slice(0, 4)), 'the same secret is offered again');

		const codesPage = await browser.post('/account/mfa/enrol', { enrolment: decode(enrolment), code: await nextTotp(secret) });
		assert.equal(codesPage.status, 200);
		assert.equal(codesPage.headers['cache-control'], 'no-store');
		const codes = [...codesPage.text.matchAll(/<li><code>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{2})<\/code><\/li>/g)].map((m) => m[1]);
		assert.equal(codes.length, 10);

		const account = await browser.get('/account');
		assert.equal(account.status, 200);
		assert.match(account.text, /Nour Browser/);
		assert.match(account.text, /Ministry of Communications/);
		assert.match(account.text, /Editor/);
		assert.match(account.text, /Member state/);
		assert.match(account.text, /Required for your organisation/);
		assert.match(account.text, /Unused recovery codes: <strong>10<\/strong>/);
		assert.match(account.text, /This session/);
		for (const action of ['/account/password', '/account/recovery-codes', '/account/tokens', '/account/sessions/end-others']) {
			assert.ok(account.text.includes(`action="${action}"`), `a form for ${action}`);
		}
		const csrf = hidden(account.text, 'csrf_token');
		assert.ok(csrf && csrf.length > 20, 'forms carry the CSRF token');

		const out = await browser.post('/logout', {});
		assert.equal(out.status, 303);
		const after = await browser.get('/account');
		assert.equal(after.status, 303);
		assert.match(after.headers.location, /^\/login\?next=/);
	});

	test('the sign-in form refuses an empty address beside the field', async () => {
		const res = await new Client(server).post('/login', { email: '', password: 'something long enough' });
		assert.equal(res.status, 422);
		assert.match(res.text, /<input type="email" id="login-email"[^>]*aria-invalid="true" aria-describedby="login-email-error"/);
		assert.match(res.text, /<p class="field-error" id="login-email-error">Enter your e-mail address.<\/p>/);
	});

	test('throttled sign-ins are told to wait, on the page too', async () => {
		const person = await newPerson(server, { org: otherOrg });
		for (let i = 0; i < 5; i++) await new Client(server).post('/login', { email: person.email, password: `wrong ${i} wrong wrong` });
		const res = await new Client(server).post('/login', { email: person.email, password: person.password });
		assert.equal(res.status, 429);
		assert.ok(Number(res.headers['retry-after']) >= 1);
		assert.match(res.text, /Too many attempts/);
		await server.db.sql('UPDATE login_attempts SET at = at - 16 * 60');
	});
});

describe('pages in the reader\'s language', () => {
	test('the sign-in page in French', async () => {
		const res = await new Client(server).get('/login?lang=fr');
		assert.equal(res.status, 200);
		assert.match(res.text, /<html lang="fr" dir="ltr">/);
		assert.match(res.text, /<h1>Se connecter<\/h1>/);
		assert.match(res.text, /<label for="login-email">Adresse électronique<\/label>/);
		assert.match(res.text, /<label for="login-password">Mot de passe<\/label>/);
	});

	test('my account in Arabic, right to left', async () => {
		const person = await newPerson(server, { org: otherOrg, role: 'admin' });
		const client = await signIn(server, person);
		const res = await client.get('/account?lang=ar');
		assert.equal(res.status, 200);
		assert.match(res.text, /<html lang="ar" dir="rtl">/);
		assert.match(res.text, /<h1>حسابي<\/h1>/);
		assert.match(res.text, /مسؤول/, 'the role');
		assert.match(res.text, /منظمة إقليمية/, 'the kind of organisation');
	});

	test('the TOTP step in Chinese and enrolment in Russian', async () => {
		const person = await newPerson(server, { org: stateOrg });
		const client = new Client(server);
		await client.post('/login', { email: person.email, password: person.password });
		const step = await client.get('/login/mfa?lang=zh');
		assert.equal(step.status, 200);
		assert.match(step.text, /<h1>两步验证<\/h1>/);
		const wrong = await client.post('/login/mfa?lang=zh', { code: totp(person.totpSecret, 1000) });
		assert.equal(wrong.status, 401);
		assert.match(wrong.text, /该验证码无效/);
		await client.post('/login/mfa', { code: await nextTotp(person.totpSecret) });
		const enrol = await client.get('/account/mfa/enrol?lang=ru');
		assert.equal(enrol.status, 200);
		assert.match(enrol.text, /<h1>Настройка двухэтапной проверки<\/h1>/);
		assert.match(enrol.text, /aria-label="Отсканируйте этот код приложением-аутентификатором"/);
		assert.match(enrol.text, /name="current_password"/, 'replacing asks for the password');
	});

	test('API errors speak the reader\'s language too', async () => {
		const res = await new Client(server).post('/api/v1/login?lang=es', { json: { email: 'x@example.org', password: 'y' } });
		assert.equal(res.status, 401);
		assert.match(res.json().error.message, /La dirección de correo electrónico o la contraseña no son correctas/);
	});
});

describe('the session cookie', () => {
	const attributes = (line) => line.split(';').slice(1).map((a) => a.trim().toLowerCase());

	test('with --insecure-cookies: gcscp, HttpOnly, SameSite=Strict, Path=/, not Secure', async () => {
		const person = await newPerson(server, { org: otherOrg });
		const client = new Client(server);
		const res = await client.post('/api/v1/login', { json: { email: person.email, password: person.password } });
		const cookie = res.headers['set-cookie'].find((c) => /^gcscp=/.test(c));
		assert.ok(cookie, res.headers['set-cookie'].join(' | '));
		assert.match(cookie, /^gcscp=[A-Za-z0-9_-]{43};/);
		const attrs = attributes(cookie);
		assert.ok(attrs.includes('httponly'));
		assert.ok(attrs.includes('samesite=strict'));
		assert.ok(attrs.includes('path=/'));
		assert.ok(!attrs.includes('secure'));
		assert.ok(!attrs.some((a) => a.startsWith('domain=') || a.startsWith('max-age=') || a.startsWith('expires=')),
			'a browser-session cookie for this host only');
	});

	test('without it: __Host-gcscp, Secure, HttpOnly, SameSite=Strict, Path=/', async () => {
		const secure = await startSecureServer();
		try {
			const org = await addOrg(secure, { kind: 'un_body', name: 'WHO' });
			const person = await newPerson(secure, { org });
			const res = await request(secure, '/api/v1/login', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', Origin: secure.url },
				body: JSON.stringify({ email: person.email, password: person.password }),
			});
			assert.equal(res.status, 200, res.text);
			const cookie = res.headers['set-cookie'].find((c) => /^__Host-gcscp=/.test(c));
			assert.ok(cookie, res.headers['set-cookie'].join(' | '));
			const attrs = attributes(cookie);
			for (const a of ['secure', 'httponly', 'samesite=strict', 'path=/']) assert.ok(attrs.includes(a), `${a} in ${cookie}`);
			assert.ok(!attrs.some((a) => a.startsWith('domain=')), '__Host- cookies have no Domain');
			const value = /^__Host-gcscp=([^;]+)/.exec(cookie)[1];
			const me = await request(secure, '/api/v1/me', { headers: { Cookie: `__Host-gcscp=${value}` } });
			assert.equal(me.status, 200, 'the secure name is the session');
			const plain = await request(secure, '/api/v1/me', { headers: { Cookie: `gcscp=${value}` } });
			assert.equal(plain.status, 401, 'the development name means nothing here');
		} finally {
			await secure.stop();
		}
	});
});

/**
 * A second server, WITHOUT --insecure-cookies (startServer always passes it), on a fresh
 * database. Newer lib code may offer this; until then it is started here.
 */
async function startSecureServer() {
	const db = await createDatabase();
	const port = await freePort();
	const child = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--db', db.url, '--data', db.dataDir],
		{ cwd: db.dataDir, stdio: ['ignore', 'ignore', 'pipe'] });
	const stderr = [];
	child.stderr.on('data', (d) => stderr.push(d));
	const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
	const deadline = Date.now() + 30000;
	for (;;) {
		const status = await new Promise((resolve) => {
			const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
				res.resume();
				resolve(res.statusCode);
			});
			req.on('error', () => resolve(0));
		});
		if (status === 200) break;
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`the secure server did not start: ${Buffer.concat(stderr).toString()}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		db,
		async stop() {
			child.kill('SIGTERM');
			const { code, signal } = await exited;
			try {
				assertNoSanitizerReport(Buffer.concat(stderr).toString(), 'gcscp serve (secure cookies)');
				assert.equal(signal, null);
				assert.equal(code, 0);
			} finally {
				await db.drop();
			}
		},
	};
}
