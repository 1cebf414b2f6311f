// Structured requests between states: a state's editor sends another state a request;
// the recipient's points of contact are told by e-mail (through the outbox, at a real
// SMTP server) without the text; sent, delivered, acknowledged and answered times; replies
// form a thread; only the two states see it; the Secretariat sees only that an exchange
// took place and its times.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer, tableCounts } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let sink;
let server;
let cast;
let request;
const SECRET = 'CANARY-7f3a: indicators of the incident';

before(async () => {
	sink = await startSmtpSink();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	cast = await makeCast(server);
	const res = await call(server, cast.fraEditor, 'POST', '/contacts', {
		json: { kind: 'technical', function_title: 'CERT-FR duty', emails: ['duty@cert.example.fr'] },
	});
	expectStatus(res, 201, 'contact');
});
after(async () => {
	await server?.stop();
	await sink?.stop();
});

const body = (extra = {}) => ({
	to_org: cast.orgs.france, kind: 'incident_information', urgency: 'urgent', handling: 'TLP:AMBER',
	subject: 'Ransomware affecting a shared provider', description: SECRET, ...extra,
});

describe('sending', () => {
	test('who may send, and what is refused (nothing changes)', async () => {
		for (const who of [cast.stkAdmin, cast.unEditor, cast.secAdmin]) {
			expectStatus(await call(server, who, 'POST', '/requests', { json: body() }), 403, who.email);
		}
		expectStatus(await call(server, null, 'POST', '/requests', { json: body() }), 401, 'anonymous');
		expectStatus(await call(server, cast.kenReader, 'POST', '/requests', { json: body() }), 403, 'reader');
		const before = await tableCounts(server.db);
		const bad = [
			['to_org', { to_org: cast.orgs.kenya }],
			['to_org', { to_org: cast.orgs.stakeholder }],
			['to_org', { to_org: 999999 }],
			['kind', { kind: 'espionage' }],
			['urgency', { urgency: 'whenever' }],
			['handling', { handling: 'TLP:WHITE' }],
			['subject', { subject: '' }],
			['subject', { subject: 'x'.repeat(301) }],
			['description', { description: ' ' }],
			['description', { description: 'x'.repeat(32 * 1024 + 1) }],
			['from_org', { from_org: cast.orgs.germany }],
		];
		for (const [field, change] of bad) expectInvalid(await call(server, cast.kenEditor, 'POST', '/requests', { json: body(change) }), field, field);
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
	});

	test('a request is sent; the recipient\'s contacts are told, without the text; delivery is recorded', async () => {
		const res = await call(server, cast.kenEditor, 'POST', '/requests', { json: body() });
		expectStatus(res, 201, 'send');
		request = res.data;
		assert.equal(res.headers.location, `/requests/${request.id}`);
		assert.match(request.sent_at, /^\d{4}-/);
		assert.equal(request.acknowledged_at, null);
		assert.equal(request.answered_at, null);
		assert.equal(request.messages.length, 1);
		assert.equal(request.messages[0].body, SECRET);
		let mail;
		for (let i = 0; i < 200 && !mail; i++) {
			mail = (await sink.messages()).find((m) => m.headers.to === '<duty@cert.example.fr>');
			if (!mail) await sleep(50);
		}
		assert.ok(mail, 'the recipient\'s contact got a mail');
		assert.equal(mail.subject, 'A state has sent your state a request');
		assert.match(mail.body, /Kenya, Ministry/);
		assert.match(mail.body, /TLP:AMBER/);
		assert.match(mail.body, new RegExp(`/requests/${request.id}`));
		assert.ok(!mail.body.includes('CANARY'), 'never the text');
		assert.ok(!mail.body.includes('Ransomware'), 'never the subject');
		for (let i = 0; i < 100; i++) {
			const r = await call(server, cast.kenEditor, 'GET', `/requests/${request.id}`);
			if (r.data.delivered_at) break;
			await sleep(100);
		}
		const shown = expectStatus(await call(server, cast.kenEditor, 'GET', `/requests/${request.id}`), 200, 'show');
		assert.match(shown.data.delivered_at, /^\d{4}-/, 'the SMTP server\'s acceptance time');
	});
});

describe('the thread', () => {
	test('only the two states see it', async () => {
		for (const who of [cast.deuAdmin, cast.pseEditor, cast.stkAdmin, cast.secAdmin, cast.unEditor]) {
			expectStatus(await call(server, who, 'GET', `/requests/${request.id}`), 404, who.email);
			expectStatus(await call(server, who, 'POST', `/requests/${request.id}/reply`, { json: { body: 'x' } }), 404, `${who.email} reply`);
			expectStatus(await call(server, who, 'POST', `/requests/${request.id}/acknowledge`), 404, `${who.email} ack`);
		}
		expectStatus(await call(server, cast.fraEditor, 'GET', `/requests/${request.id}`), 200, 'recipient');
		expectStatus(await call(server, cast.kenReader, 'GET', `/requests/${request.id}`), 200, 'sender\'s reader');
		const list = expectStatus(await call(server, cast.deuAdmin, 'GET', '/requests'), 200, 'other list');
		assert.deepEqual(list.data.requests, []);
		expectStatus(await call(server, cast.stkAdmin, 'GET', '/requests'), 404, 'stakeholder list');
	});

	test('acknowledge once (recipient only), reply, answer', async () => {
		expectStatus(await call(server, cast.kenEditor, 'POST', `/requests/${request.id}/acknowledge`), 403, 'the sender cannot acknowledge');
		const ack = expectStatus(await call(server, cast.fraEditor, 'POST', `/requests/${request.id}/acknowledge`), 200, 'ack');
		assert.match(ack.data.acknowledged_at, /^\d{4}-/);
		expectStatus(await call(server, cast.fraEditor, 'POST', `/requests/${request.id}/acknowledge`), 409, 'twice');
		expectInvalid(await call(server, cast.fraEditor, 'POST', `/requests/${request.id}/reply`, { json: { body: '' } }), 'body');
		const r1 = expectStatus(await call(server, cast.fraEditor, 'POST', `/requests/${request.id}/reply`, { json: { body: 'We see it too.' } }), 200, 'reply');
		assert.match(r1.data.answered_at, /^\d{4}-/);
		const r2 = expectStatus(await call(server, cast.kenEditor, 'POST', `/requests/${request.id}/reply`, { json: { body: 'Thank you.' } }), 200, 'reply back');
		assert.deepEqual(r2.data.messages.map((m) => m.body), [SECRET, 'We see it too.', 'Thank you.']);
		assert.equal(r2.data.answered_at, r1.data.answered_at, 'answered once');
		expectStatus(await call(server, cast.fraEditor, 'GET', `!/requests/${request.id}`), 200, 'page');
	});

	test('the Secretariat sees only that an exchange took place, and its times', async () => {
		const res = expectStatus(await call(server, cast.secReader, 'GET', '/requests/stats'), 200, 'stats');
		assert.equal(res.data.count, 1);
		assert.deepEqual(Object.keys(res.data.exchanges[0]).sort(), ['acknowledged_at', 'acknowledged_at_label', 'answered_at', 'answered_at_label', 'delivered_at', 'delivered_at_label', 'sent_at', 'sent_at_label']);
		assert.ok(!res.text.includes('CANARY') && !res.text.includes('Ransomware') && !res.text.includes('Kenya'));
		expectStatus(await call(server, cast.kenEditor, 'GET', '/requests/stats'), 403, 'a state');
		const page = expectStatus(await call(server, cast.secReader, 'GET', '!/requests/stats'), 200, 'page');
		assert.ok(!page.text.includes('CANARY'));
	});
});
