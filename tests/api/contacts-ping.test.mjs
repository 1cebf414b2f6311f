// End to end, against a real SMTP server (aiosmtpd): the Secretariat starts a ping round
// over N contacts, the mails arrive with personal links, some contacts confirm (the GET
// never confirms; the POST does, once), reminders fire when their time comes (moved in the
// database), the round closes at its deadline (moved too), and the statistics come out
// exactly. Wrong, used and expired links are clear refusals that change nothing. Each
// state sees its own contacts' results; others nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer, tableCounts } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let sink;
let server;
let cast;
const c = {};
let round;

async function waitFor(what, pred, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await what();
		if (pred(v)) return v;
		if (Date.now() > end) assert.fail(`timed out; last: ${JSON.stringify(v).slice(0, 500)}`);
		await sleep(100);
	}
}
const sql = (text) => server.db.sql(text);
const mailsTo = async (to) => (await sink.messages()).filter((m) => m.headers.to === `<${to}>`);
const linkIn = (mail) => {
	const m = /http:\/\/127\.0\.0\.1:\d+(\/ping\/[0-9a-f]{64})/.exec(mail.body);
	assert.ok(m, `a ping link in: ${mail.body}`);
	return m[1];
};

before(async () => {
	sink = await startSmtpSink();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	cast = await makeCast(server);
	const make = async (who, body) => {
		const res = await call(server, who, 'POST', '/contacts', { json: body });
		expectStatus(res, 201, 'create');
		return res.data;
	};
	const tag = randomBytes(3).toString('hex');
	c.kenTech = await make(cast.kenEditor, { kind: 'technical', function_title: 'KE-CIRT duty', emails: [`ken-tech-${tag}@cirt.example.ke`], languages: ['en'] });
	c.kenDiplo = await make(cast.kenEditor, { kind: 'diplomatic', function_title: 'MFA cyber desk', emails: [`ken-dip-${tag}@mfa.example.ke`], languages: ['sw', 'fr'] });
	c.fraTech = await make(cast.fraEditor, { kind: 'technical', function_title: 'CERT-FR', emails: [`fra-tech-${tag}@cert.example.fr`, `other-${tag}@cert.example.fr`] });
	c.fraAssist = await make(cast.fraEditor, { kind: 'assistance', function_title: 'Coopération', emails: [`fra-cb-${tag}@diplo.example.fr`], visibility: 'public' });
	const un = await make(cast.unEditor, { kind: 'assistance', function_title: 'UN capacity desk', emails: [`un-${tag}@un.example.org`] });
	expectStatus(await call(server, cast.secEditor, 'POST', `/review/${un.id}/publish`, { json: { version: un.item.version } }), 200, 'publish');
	c.unAssist = un;
	c.kenDraft = await make(cast.kenEditor, { kind: 'technical', function_title: 'Draft', emails: [`draft-${tag}@cirt.example.ke`], draft: true });
});
after(async () => {
	await server?.stop();
	await sink?.stop();
});

const deadlineIn = (hours) => new Date(Date.now() + hours * 3600e3).toISOString().slice(0, 16);

describe('starting a round', () => {
	test('only the Secretariat\'s editors and admins; bad input is a 422 naming the field, nothing changes', async () => {
		const body = { deadline: deadlineIn(48), reminder_hours: 24 };
		expectStatus(await call(server, null, 'POST', '/contacts/pings', { json: body }), 401, 'anonymous');
		for (const who of [cast.kenAdmin, cast.stkAdmin, cast.unEditor]) {
			expectStatus(await call(server, who, 'POST', '/contacts/pings', { json: body }), 403, who.email);
		}
		expectStatus(await call(server, cast.secReader, 'POST', '/contacts/pings', { json: body }), 403, 'sec reader');
		const before = await tableCounts(server.db);
		const bad = [
			['deadline', { deadline: '2020-01-01', reminder_hours: 24 }],
			['deadline', { deadline: deadlineIn(24 * 61), reminder_hours: 24 }],
			['deadline', { deadline: 'tomorrow', reminder_hours: 24 }],
			['reminder_hours', { deadline: deadlineIn(48), reminder_hours: 48 }],
			['reminder_hours', { deadline: deadlineIn(48), reminder_hours: 0 }],
			['reminder_hours', { deadline: deadlineIn(48) }],
			['kind', { ...body, kind: 'military' }],
			['region', { ...body, region: 'Africa' }],
			['countries', { ...body, countries: ['ke'] }],
			['kind', { ...body, countries: ['NOR'] }],
			['started_by', { ...body, started_by: 1 }],
		];
		for (const [field, b] of bad) expectInvalid(await call(server, cast.secAdmin, 'POST', '/contacts/pings', { json: b }), field, JSON.stringify(b));
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
	});

	test('the round takes every published contact and mails each a personal link', async () => {
		const res = await call(server, cast.secEditor, 'POST', '/contacts/pings', { json: { deadline: deadlineIn(48), reminder_hours: 24 } });
		expectStatus(res, 201, 'start');
		round = res.data.id;
		assert.equal(res.headers.location, `/contacts/pings/${round}`);
		assert.equal((await sql(`SELECT count(*) FROM contact_ping_targets WHERE round_id = ${round}`)).trim(), '5', 'drafts are not pinged');
		for (const key of ['kenTech', 'kenDiplo', 'fraTech', 'fraAssist', 'unAssist']) {
			const to = c[key].emails[0];
			const [mail] = await waitFor(() => mailsTo(to), (m) => m.length === 1);
			c[key].link = linkIn(mail);
		}
		assert.equal((await mailsTo(c.fraTech.emails[1])).length, 0, 'the first address only');
		const [fr] = await mailsTo(c.kenDiplo.emails[0]);
		assert.equal(fr.subject, 'Test de joignabilité : merci de confirmer que vous êtes joignable', 'the contact\'s first UN language');
		const [en] = await mailsTo(c.kenTech.emails[0]);
		assert.equal(en.subject, 'Ping test: please confirm you can be reached');
		assert.match(en.body, /KE-CIRT duty/);
		// Delivered: the outbox records when the SMTP server took each, and keeps no link.
		await waitFor(() => sql(`SELECT count(*) FROM outbox WHERE ref LIKE 'contacts.ping:${round}:%' AND state = 'sent'`), (n) => n.trim() === '5');
		assert.equal((await sql(`SELECT count(*) FROM outbox WHERE ref LIKE 'contacts.ping:${round}:%' AND body <> ''`)).trim(), '0', 'secret bodies erased');
		assert.equal((await sql(`SELECT count(*) FROM contact_ping_targets WHERE token_hash LIKE '%${c.kenTech.link.slice(6, 20)}%'`)).trim(), '0', 'only a hash of the token is stored');
	});
});

describe('answering', () => {
	test('GET shows a page and confirms nothing; POST confirms once', async () => {
		const page = expectStatus(await call(server, null, 'GET', `!${c.kenTech.link}`), 200, 'page');
		assert.match(page.text, /KE-CIRT duty/);
		assert.match(page.text, /<form method="post" action="\/ping\/[0-9a-f]{64}">/);
		assert.equal((await sql(`SELECT count(*) FROM contact_ping_targets WHERE confirmed_at IS NOT NULL`)).trim(), '0', 'the GET changed nothing');
		const api = expectStatus(await call(server, null, 'GET', c.kenTech.link), 200, 'api GET');
		assert.equal(api.data.confirmed, false);
		for (const key of ['kenTech', 'kenDiplo']) {
			const res = expectStatus(await call(server, null, 'POST', c[key].link), 200, `confirm ${key}`);
			assert.equal(res.data.confirmed, true);
		}
		const shown = expectStatus(await call(server, cast.kenReader, 'GET', `/contacts/${c.kenTech.id}`), 200, 'contact').data;
		assert.match(shown.last_confirmed, /^\d{4}-/);
		assert.equal(shown.last_confirmed_how, 'ping');
	});

	test('wrong and used links are clear refusals that change nothing', async () => {
		const before = await tableCounts(server.db);
		const used = await call(server, null, 'POST', c.kenTech.link);
		expectStatus(used, 409, 'used twice');
		assert.equal(used.data.error.code, 'ping_link_used');
		assert.match(used.data.error.message, /already been used/);
		expectStatus(await call(server, null, 'GET', c.kenTech.link), 409, 'GET of a used link');
		for (const bad of [`/ping/${'0'.repeat(64)}`, '/ping/short', `/ping/${c.fraTech.link.slice(6).toUpperCase()}`]) {
			const res = await call(server, null, 'POST', bad);
			expectStatus(res, 404, bad);
			assert.equal(res.data.error.code, 'ping_link_unknown');
			assert.match(res.data.error.message, /not valid/);
		}
		const page = await call(server, null, 'GET', `!/ping/${'0'.repeat(64)}`);
		expectStatus(page, 404, 'page');
		assert.match(page.text, /This link is not valid/);
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
	});

	test('reminders go to those who have not answered, when their time comes', async () => {
		await sleep(1500);
		assert.equal((await sql(`SELECT count(*) FROM contact_ping_targets WHERE reminded_at IS NOT NULL`)).trim(), '0', 'not before their time');
		// The reminder delay passes (moved in the database, not waited for).
		await sql(`UPDATE contact_ping_rounds SET reminder_hours = 0 WHERE id = ${round}`);
		await sql(`UPDATE jobs SET run_at = 0 WHERE kind = 'contacts.ping_remind' AND status = 'queued'`);
		await waitFor(() => sql(`SELECT count(*) FROM contact_ping_targets WHERE reminded_at IS NOT NULL`), (n) => n.trim() === '3');
		for (const key of ['fraTech', 'fraAssist', 'unAssist']) {
			const mails = await waitFor(() => mailsTo(c[key].emails[0]), (m) => m.length === 2);
			assert.match(mails[1].subject, /^(Reminder|Rappel)/);
			c[key].reminderLink = linkIn(mails[1]);
			assert.notEqual(c[key].reminderLink, c[key].link);
		}
		assert.equal((await mailsTo(c.kenTech.emails[0])).length, 1, 'no reminder to who answered');
		expectStatus(await call(server, null, 'POST', c.fraAssist.reminderLink), 200, 'confirm by the reminder');
		expectStatus(await call(server, null, 'POST', c.fraAssist.link), 409, 'the first link of the same contact is used too');
	});

	test('the round closes at its deadline; its links are then expired', async () => {
		await sql(`UPDATE contact_ping_rounds SET deadline_unix = ${Math.floor(Date.now() / 1000) - 1} WHERE id = ${round}`);
		const before = await tableCounts(server.db);
		const expired = await call(server, null, 'POST', c.fraTech.link);
		expectStatus(expired, 410, 'past the deadline');
		assert.equal(expired.data.error.code, 'ping_link_expired');
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
		await sql(`UPDATE jobs SET run_at = 0 WHERE kind = 'contacts.ping_close' AND status = 'queued'`);
		await waitFor(() => sql(`SELECT state FROM contact_ping_rounds WHERE id = ${round}`), (s) => s.trim() === 'closed');
		expectStatus(await call(server, null, 'POST', c.unAssist.reminderLink), 410, 'closed');
	});
});

describe('results', () => {
	test('the Secretariat\'s statistics, exactly', async () => {
		// Known response times: 100 s, 300 s and 7,200 s after the start.
		const started = Number((await sql(`SELECT started_unix FROM contact_ping_rounds WHERE id = ${round}`)).trim());
		const at = { kenTech: 100, kenDiplo: 300, fraAssist: 7200 };
		for (const [key, s] of Object.entries(at)) {
			await sql(`UPDATE contact_ping_targets SET confirmed_unix = ${started + s} WHERE round_id = ${round} AND contact_id = ${c[key].id}`);
		}
		const res = expectStatus(await call(server, cast.secReader, 'GET', `/contacts/pings/${round}`), 200, 'round');
		const s = res.data.stats;
		assert.deepEqual(s.overall, { targets: 5, reached: 3, not_reached: 2, response_rate: 0.6, median_s: 300, p90_s: 7200, rate_label: '60%', median_label: '5 min', p90_label: '2 h 00 min' });
		const byKind = Object.fromEntries(s.by_kind.map((k) => [k.kind, k]));
		assert.deepEqual({ ...byKind.technical, label: undefined }, { targets: 2, reached: 1, not_reached: 1, response_rate: 0.5, median_s: 100, p90_s: 100, kind: 'technical', label: undefined, rate_label: '50%', median_label: '1 min', p90_label: '1 min' });
		assert.equal(byKind.diplomatic.reached, 1);
		assert.equal(byKind.diplomatic.response_rate, 1);
		assert.equal(byKind.assistance.targets, 2);
		assert.equal(byKind.assistance.median_s, 7200);
		const byRegion = Object.fromEntries(s.by_region.map((r) => [r.region ?? 'none', r]));
		assert.deepEqual([byRegion['002'].targets, byRegion['002'].reached, byRegion['002'].median_s, byRegion['002'].p90_s], [2, 2, 200, 300]);
		assert.deepEqual([byRegion['150'].targets, byRegion['150'].reached, byRegion['150'].median_s], [2, 1, 7200]);
		assert.deepEqual([byRegion.none.targets, byRegion.none.reached, byRegion.none.median_s, byRegion.none.response_rate], [1, 0, null, 0]);
		assert.equal(byRegion.none.median_label, '–', 'no answer: no time');
		assert.equal(res.data.state_label, { open: 'open', closed: 'closed' }[res.data.state]);
		// The page shows them as people read them, in the reader's language, with the instants machine-readable.
		const fr = expectStatus(await call(server, cast.secReader, 'GET', `!/contacts/pings/${round}?lang=fr`), 200, 'round page (fr)');
		assert.match(fr.text, /<td>60%<\/td><td>5 min<\/td><td>2 h 00 min<\/td>/);
		assert.match(fr.text, res.data.state === 'open' ? /· ouverte<\/p>/ : /· close<\/p>/);
		assert.match(fr.text, /<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z">\d{1,2} [a-zéû.]+ \d{4}, \d\d:\d\d UTC<\/time>/);
		assert.equal(res.data.targets.length, 5);
		assert.ok(res.data.targets.every((t) => /^\d{4}-/.test(t.delivered_at)), 'delivery times from the outbox');
		const history = expectStatus(await call(server, cast.secAdmin, 'GET', '/contacts/pings'), 200, 'history');
		assert.equal(history.data.rounds[0].id, round);
		assert.equal(history.data.rounds[0].overall.response_rate, 0.6);
		expectStatus(await call(server, cast.secAdmin, 'GET', `!/contacts/pings/${round}`), 200, 'page');
	});

	test('a state sees its own contacts\' results only; others nothing', async () => {
		const ken = expectStatus(await call(server, cast.kenReader, 'GET', `/contacts/pings/${round}`), 200, 'kenya');
		assert.deepEqual(ken.data.targets.map((t) => t.contact_id).sort(), [c.kenTech.id, c.kenDiplo.id].sort());
		assert.equal(ken.data.stats.overall.targets, 2);
		assert.equal(ken.data.stats.overall.response_rate, 1);
		const fra = expectStatus(await call(server, cast.fraEditor, 'GET', `/contacts/pings/${round}`), 200, 'france');
		assert.equal(fra.data.stats.overall.targets, 2);
		assert.equal(fra.data.stats.overall.reached, 1);
		const kenList = expectStatus(await call(server, cast.kenReader, 'GET', '/contacts/pings'), 200, 'kenya history');
		assert.equal(kenList.data.rounds[0].overall.targets, 2);
		for (const who of [cast.unEditor, cast.stkAdmin, cast.regEditor]) {
			expectStatus(await call(server, who, 'GET', `/contacts/pings/${round}`), 404, who.email);
			expectStatus(await call(server, who, 'GET', '/contacts/pings'), 404, `${who.email} history`);
		}
		// A state none of whose contacts was pinged: the round does not exist for it, its history is empty.
		expectStatus(await call(server, cast.pseEditor, 'GET', `/contacts/pings/${round}`), 404, 'observer state');
		const pse = expectStatus(await call(server, cast.pseEditor, 'GET', '/contacts/pings'), 200, 'observer history');
		assert.deepEqual(pse.data.rounds, []);
		expectStatus(await call(server, null, 'GET', `/contacts/pings/${round}`), 401, 'anonymous');
		expectStatus(await call(server, cast.secReader, 'GET', `/contacts/pings/${round + 1000}`), 404, 'no such round');
	});
});
