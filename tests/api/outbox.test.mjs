// The e-mail outbox (store/outbox.h) against a real SMTP server (aiosmtpd): a message
// queued in the database is sent by the server's job runner, marked sent with the time
// the SMTP server accepted it; while the server cannot be reached, each attempt is
// recorded with its reason and the next one is queued with back-off, and the message is
// delivered once the server is back. Times are moved in the database, never waited for.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { createDatabase, freePort, runCli, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let db;

before(async () => {
	db = await createDatabase();
});
after(async () => {
	await db?.drop();
});

async function queueTest(to) {
	const r = await runCli(['outbox', 'test', '--to', to, '--db', db.url, '--data', db.dataDir]);
	assert.equal(r.code, 0, r.stderr);
	return Number(r.stdout.trim());
}

async function row(id) {
	const line = (await db.sql(`SELECT state, attempts, COALESCE(sent_at, ''), COALESCE(last_error, ''), next_attempt_at FROM outbox WHERE id = ${Number(id)}`)).trim();
	const [state, attempts, sentAt, lastError, next] = line.split('|');
	return { state, attempts: Number(attempts), sentAt, lastError, next: Number(next) };
}

async function waitFor(what, pred, ms = 15000) {
	const end = Date.now() + ms;
	for (;;) {
		const value = await what();
		if (pred(value)) return value;
		if (Date.now() > end) assert.fail(`timed out; last value ${JSON.stringify(value)}`);
		await sleep(50);
	}
}

test('the CLI refuses what is not an address and queues nothing', async () => {
	for (const bad of ['no-at-sign', 'a@b@c.org', 'Name <a@example.org>', 'a b@example.org']) {
		const r = await runCli(['outbox', 'test', '--to', bad, '--db', db.url, '--data', db.dataDir]);
		assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
		assert.match(r.stderr, /not an e-mail address/);
	}
	assert.equal((await db.sql('SELECT count(*) FROM outbox')).trim(), '0');
	const list = await runCli(['outbox', 'list', '--db', db.url, '--data', db.dataDir]);
	assert.equal(list.code, 0, list.stderr);
	assert.match(list.stdout, /no messages/);
});

test('a queued message is sent, and its delivery time recorded', async () => {
	const sink = await startSmtpSink();
	const server = await startServer({ db, args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	try {
		const to = `poc-${randomBytes(4).toString('hex')}@cert.example.ke`;
		const queuedAt = new Date();
		const id = await queueTest(to);
		const done = await waitFor(() => row(id), (r) => r.state === 'sent');
		assert.equal(done.attempts, 1);
		assert.equal(done.lastError, '');
		const sentAt = new Date(done.sentAt);
		assert.ok(sentAt.getTime() >= Math.floor(queuedAt.getTime() / 1000) * 1000, done.sentAt);
		const mails = (await sink.messages()).filter((m) => m.headers.to === `<${to}>`);
		assert.equal(mails.length, 1, 'sent exactly once');
		assert.equal(mails[0].subject, 'GCSCP test message');
		assert.match(mails[0].headers.from, /^"GCSCP" <noreply@cyber\.example\.org>$/);
		assert.match(mails[0].body, /gcscp outbox test/);
		assert.equal((await db.sql(`SELECT ref FROM outbox WHERE id = ${id}`)).trim(), 'cli.outbox-test');
	} finally {
		await server.stop();
		await sink.stop();
	}
});

test('while the SMTP server is down, attempts are recorded and retried with back-off; it is delivered once it is back', async () => {
	const port = await freePort();
	const server = await startServer({ db, args: ['--smtp-url', `smtp://127.0.0.1:${port}`, '--mail-from', 'noreply@cyber.example.org'] });
	let sink;
	try {
		const to = `down-${randomBytes(4).toString('hex')}@cert.example.fr`;
		const id = await queueTest(to);
		const first = await waitFor(() => row(id), (r) => r.attempts === 1);
		assert.equal(first.state, 'queued');
		assert.match(first.lastError, /connect/i);
		const now = Math.floor(Date.now() / 1000);
		assert.ok(first.next >= now + 50 && first.next <= now + 60, `next attempt in about a minute: ${first.next - now}`);
		// The next attempt is queued as a job for that time, and nothing runs before.
		assert.equal((await db.sql(`SELECT run_at FROM jobs WHERE kind = 'outbox.send' AND status = 'queued'`)).trim(), String(first.next));
		await sleep(1500);
		assert.equal((await row(id)).attempts, 1);

		// A second failure doubles the delay.
		await db.sql(`UPDATE jobs SET run_at = 0 WHERE kind = 'outbox.send' AND status = 'queued'`);
		const second = await waitFor(() => row(id), (r) => r.attempts === 2);
		const now2 = Math.floor(Date.now() / 1000);
		assert.ok(second.next >= now2 + 110 && second.next <= now2 + 120, `about two minutes: ${second.next - now2}`);

		const list = await runCli(['outbox', 'list', '--db', db.url, '--data', db.dataDir]);
		assert.match(list.stdout, new RegExp(`message ${id} to ${to}, queued after 2 attempts: .*connect`, 'i'));

		// The server comes back; the next attempt delivers.
		sink = await startSmtpSink({ port });
		await db.sql(`UPDATE outbox SET next_attempt_at = 0 WHERE id = ${id}; UPDATE jobs SET run_at = 0 WHERE kind = 'outbox.send' AND status = 'queued'`);
		const done = await waitFor(() => row(id), (r) => r.state === 'sent');
		assert.equal(done.attempts, 3);
		assert.equal(done.lastError, '');
		assert.ok(done.sentAt);
		const mails = (await sink.messages()).filter((m) => m.headers.to === `<${to}>`);
		assert.equal(mails.length, 1);
	} finally {
		await server.stop();
		await sink?.stop();
	}
});
