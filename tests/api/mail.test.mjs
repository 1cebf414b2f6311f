// Invitations by e-mail: with --smtp-url, the link the Secretariat or an organisation's
// admin creates also reaches the person through a real SMTP server (aiosmtpd), in the
// language of the page it was created from; without it, nothing is sent and the link is
// only shown. The link works once either way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { addOrg, addToken, addUser, acceptInvitation, goodPassword } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

let sink;
let server;
let secretariatToken;

before(async () => {
	sink = await startSmtpSink();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	const secretariat = await addOrg(server, { kind: 'secretariat', name: 'UN Secretariat (mail test)' });
	const email = `sec-${randomBytes(4).toString('hex')}@un.example.org`;
	await addUser(server, { org: secretariat, email, role: 'admin' });
	secretariatToken = await addToken(server, email);
});
after(async () => {
	await server?.stop();
	await sink?.stop();
});

const post = (path, json, lang = 'en') => request(server, `/api/v1${path}?lang=${lang}`, {
	method: 'POST',
	headers: { Authorization: `Bearer ${secretariatToken}`, 'Content-Type': 'application/json' },
	body: JSON.stringify(json),
});

async function waitForMail(to) {
	for (let i = 0; i < 100; i++) {
		const found = (await sink.messages()).filter((m) => m.headers.to === `<${to}>`);
		if (found.length) return found;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	assert.fail(`no mail to ${to}`);
}

test('a new organisation\'s first admin gets the invitation link by e-mail, and it works once', async () => {
	const adminEmail = `admin-${randomBytes(4).toString('hex')}@mfa.example.ke`;
	const res = await post('/organisations', {
		kind: 'member_state', name: `Kenya ICT Authority ${randomBytes(3).toString('hex')}`, country: 'KEN',
		admin_email: adminEmail, admin_name: 'Achieng Otieno',
	});
	assert.equal(res.status, 201, res.text);
	const { invitation } = res.json();
	assert.equal(invitation.mailed, true);
	const [mail] = await waitForMail(adminEmail);
	assert.match(mail.headers.from, /<noreply@cyber\.example\.org>/);
	assert.equal(mail.subject, 'Your invitation to the Global Cyber Security Cooperation Portal');
	assert.ok(mail.body.includes(invitation.url), 'the mail carries the same link');
	assert.match(mail.body, /Kenya ICT Authority/);
	await acceptInvitation(server, invitation.url, goodPassword());
	const again = await request(server, new URL(invitation.url).pathname);
	assert.equal(again.status, 404, 'the link worked once');
});

test('the mail is in the language of the page that sent it', async () => {
	const adminEmail = `admin-${randomBytes(4).toString('hex')}@mfa.example.fr`;
	const res = await post('/organisations', {
		kind: 'stakeholder', name: `Fondation ${randomBytes(3).toString('hex')}`,
		admin_email: adminEmail,
	}, 'fr');
	assert.equal(res.status, 201, res.text);
	const [mail] = await waitForMail(adminEmail);
	assert.equal(mail.subject, 'Votre invitation au Portail mondial de coopération en matière de cybersécurité');
	assert.match(mail.body, /choisir votre mot de passe/);
});

test('when the SMTP server is gone the organisation is still created and the link shown', async () => {
	const down = await startServer({ db: server.db, args: ['--smtp-url', 'smtp://127.0.0.1:9'] });
	try {
		const adminEmail = `admin-${randomBytes(4).toString('hex')}@example.org`;
		const res = await request(down, '/api/v1/organisations', {
			method: 'POST',
			headers: { Authorization: `Bearer ${secretariatToken}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ kind: 'un_body', name: `UN body ${randomBytes(3).toString('hex')}`, admin_email: adminEmail }),
		});
		assert.equal(res.status, 201, res.text);
		assert.equal(res.json().invitation.mailed, false);
		assert.match(res.json().invitation.url, /\/invitations\//);
		const line = await down.waitForLog((l) => l.msg === 'invitation e-mail failed');
		assert.doesNotMatch(JSON.stringify(line), /invitations\//, 'the log never holds the link');
	} finally {
		await down.stop();
	}
});
