// E-mail of capacity building, received by a real SMTP server (aiosmtpd):
// the introduction of both sides when a provider answers a need, and the
// subscribers' digests of new and changed programmes (none when nothing is
// new), with only what the subscriber may see. Times are moved in the
// database (the subscription's last digest, the digest job's run_at), never
// waited for.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let server;
let sink;
let cast;
before(async () => {
	sink = await startSmtpSink();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'], env: { GCSCP_BASE_URL: 'https://cyber.example.org' } });
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
	await sink?.stop();
});

async function waitFor(what, pred, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const value = await what();
		if (pred(value)) return value;
		if (Date.now() > end) {
			const jobs = await server.db.sql("SELECT id, kind, status, run_at, attempts, COALESCE(last_error, '') FROM jobs");
			const log = server.lines.filter((l) => /digest|error/i.test(l)).slice(-5).join('\n');
			assert.fail(`timed out; last value ${JSON.stringify(value).slice(0, 2000)}\njobs:\n${jobs}\nlog:\n${log}`);
		}
		await sleep(100);
	}
}
const sql = (text) => server.db.sql(text);
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

describe('introductions', () => {
	test('a provider answers a need: both sides receive the introduction', async () => {
		const c = await call(server, cast.kenEditor, 'POST', '/contacts', { json: { kind: 'assistance', function_title: 'CSIRT liaison', person_name: 'Wanjiru', emails: ['csirt@example.go.ke'], languages: ['en'], visibility: 'public' } });
		expectStatus(c, 201, 'contact');
		const n = await call(server, cast.kenEditor, 'POST', '/needs', { json: { title: 'Incident response playbooks', lang: 'en', topics: ['incident_response'], help_kinds: ['advisory'], languages: ['en'], visibility: 'public', contact: c.data.id } });
		expectStatus(n, 201, 'need');
		const res = await call(server, cast.fraEditor, 'POST', `/needs/${n.data.id}/interest`, { json: { message: 'Our CERT can share its playbooks.' } });
		expectStatus(res, 201, 'interest');
		const mails = await waitFor(() => sink.messages(), (m) => m.filter((x) => /Introduction/.test(x.subject)).length >= 2);
		const intro = mails.filter((x) => /Introduction/.test(x.subject));
		assert.deepEqual(intro.map((m) => m.headers.to.replace(/^<|>$/g, '')).sort(), ['csirt@example.go.ke', 'editor@fra.test']);
		for (const m of intro) {
			assert.match(m.body, /Incident response playbooks/);
			assert.match(m.body, /https:\/\/cyber\.example\.org\/needs\/\d+/);
			assert.match(m.body, /CSIRT liaison, Wanjiru <csirt@example\.go\.ke>/);
			assert.match(m.body, /France, Ministry \(tests\) <editor@fra\.test>/);
			assert.match(m.body, /Our CERT can share its playbooks\./);
		}
	});
});

describe('introductions through a restricted contact', () => {
	test('the contact\'s addresses get the introduction; a provider who may not see the contact gets no address', async () => {
		const c = await call(server, cast.kenEditor, 'POST', '/contacts', { json: { kind: 'assistance', function_title: 'Restricted liaison', emails: ['first@example.go.ke', 'second@example.go.ke'], languages: ['en'], visibility: 'restricted' } });
		expectStatus(c, 201, 'contact');
		const n = await call(server, cast.kenEditor, 'POST', '/needs', { json: { title: 'Awareness campaign', lang: 'en', topics: ['cybercrime'], help_kinds: ['advisory'], languages: ['en'], visibility: 'public', contact: c.data.id } });
		expectStatus(n, 201, 'need');
		expectStatus(await call(server, cast.stkEditor, 'GET', `/contacts/${c.data.id}`), 404, 'the provider may not see the contact');
		expectStatus(await call(server, cast.stkEditor, 'POST', `/needs/${n.data.id}/interest`, { json: { message: 'We run campaigns.' } }), 201, 'interest');
		const mails = await waitFor(() => sink.messages(), (m) => m.filter((x) => /Introduction/.test(x.subject) && /Awareness campaign/.test(x.body)).length >= 3);
		const intro = mails.filter((x) => /Introduction/.test(x.subject) && /Awareness campaign/.test(x.body));
		const to = (addr) => intro.find((m) => m.headers.to.replace(/^<|>$/g, '') === addr);
		assert.deepEqual(intro.map((m) => m.headers.to.replace(/^<|>$/g, '')).sort(), ['editor@stk.test', 'first@example.go.ke', 'second@example.go.ke']);
		assert.match(to('first@example.go.ke').body, /<editor@stk\.test>/, 'the state learns who answered');
		const provider = to('editor@stk.test').body;
		assert.doesNotMatch(provider, /first@example|second@example|Restricted liaison/, 'no restricted contact in the provider\'s copy');
		assert.match(provider, /assistance contact, who has received your details/);
	});
});

describe('subscriptions and digests', () => {
	test('refusals', async () => {
		expectStatus(await call(server, null, 'POST', '/calendar/subscription', { json: { frequency: 'weekly' } }), 401, 'anonymous');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'hourly' } }), 'frequency');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', topics: ['nope'] } }), 'topics');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', regions: ['999'] } }), 'regions');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', languages: ['de'] } }), 'languages');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', user_id: 1 } }), 'user_id');
		expectStatus(await call(server, cast.kenReader, 'GET', '!/calendar/subscription'), 200, 'page');
	});

	test('a weekly digest of what is new and visible, nothing when nothing is new, then the changes', async () => {
		const sub = await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', topics: ['cyber_diplomacy'], regions: ['002'], languages: ['en'] } });
		expectStatus(sub, 200, 'subscribe');
		assert.deepEqual(sub.data.subscription.topics, ['cyber_diplomacy']);
		assert.equal(sub.data.subscription.frequency, 'weekly');
		const ev = (title, extra = {}) => ({ title, lang: 'en', event_kind: 'conference', topics: ['cyber_diplomacy'], starts: '2031-09-01T09:00', ends: '2031-09-02T17:00', timezone: 'Africa/Nairobi', modality: 'online', languages: ['en'], visibility: 'public', ...extra });
		const make = async (body) => {
			const r = await call(server, cast.fraEditor, 'POST', '/calendar', { json: body });
			expectStatus(r, 201, body.title);
			return r.data;
		};
		const wanted = await make(ev('Digest: diplomacy dialogue'));
		await make(ev('Digest: restricted round table', { visibility: 'restricted' }));
		await make(ev('Digest: other topic', { topics: ['cybercrime'] }));
		await make(ev('Digest: Spanish only', { languages: ['es'] }));
		await make(ev('Digest: for Europe only', { eligibility: 'regions', eligible_regions: ['150'] }));
		await make(ev('Digest: named for Germany', { visibility: 'named', shares: [cast.orgs.germany] }));
		const ken = await userId('reader@ken.test');
		// Digests go to active people only: this one has accepted its invitation (the CLI made it invited).
		await sql(`UPDATE users SET status = 'active' WHERE id = ${ken}`);
		const digests = async () => (await sink.messages()).filter((m) => /New and changed/.test(m.subject) && m.headers.to.replace(/^<|>$/g, '') === 'reader@ken.test');
		const runDigest = async () => {
			await sql(`UPDATE capacity_subscriptions SET last_sent_at = '${iso(Date.now() - 8 * 86400000)}' WHERE user_id = ${ken}`);
			await sql("UPDATE jobs SET run_at = 0 WHERE kind = 'capacity.digest' AND status = 'queued'");
			await waitFor(async () => (await sql(`SELECT last_sent_at FROM capacity_subscriptions WHERE user_id = ${ken}`)).trim(),
				(v) => v > iso(Date.now() - 3600000));
		};
		await runDigest();
		const first = await waitFor(digests, (m) => m.length === 1);
		assert.match(first[0].subject, /\(2\)$/);
		assert.match(first[0].body, /Digest: diplomacy dialogue/);
		assert.match(first[0].body, /Digest: restricted round table/, 'a member state reads restricted programmes');
		assert.match(first[0].body, /1 Sept 2031, 09:00 – 2 Sept 2031, 17:00 \(Africa\/Nairobi\)/);
		assert.match(first[0].body, /https:\/\/cyber\.example\.org\/calendar\/\d+/);
		for (const t of ['other topic', 'Spanish only', 'for Europe only', 'named for Germany']) assert.ok(!first[0].body.includes(t), t);
		// Nothing new since: no digest.
		await sql("UPDATE items SET updated_at = '2001-01-01T00:00:00Z' WHERE module = 'capacity'");
		await runDigest();
		await sleep(500);
		assert.equal((await digests()).length, 1, 'no digest when nothing is new');
		// A change (a cancellation) is in the next one.
		const cur = (await call(server, cast.fraEditor, 'GET', `/calendar/${wanted.id}`)).data;
		expectStatus(await call(server, cast.fraEditor, 'POST', `/calendar/${wanted.id}`, { json: { version: cur.item.version, event_status: 'cancelled' } }), 200, 'cancel');
		await runDigest();
		const second = await waitFor(digests, (m) => m.length === 2);
		assert.match(second[1].subject, /\(1\)$/);
		assert.match(second[1].body, /Digest: diplomacy dialogue/);
		assert.match(second[1].body, /Cancelled/);
		// Unsubscribing ends it.
		expectStatus(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'off' } }), 200, 'off');
		assert.equal((await sql(`SELECT COUNT(*) FROM capacity_subscriptions WHERE user_id = ${ken}`)).trim(), '0');
	});
});

async function userId(email) {
	return Number((await sql(`SELECT id FROM users WHERE email = '${email}'`)).trim());
}
