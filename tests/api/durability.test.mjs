// Nothing acknowledged is lost: many clients write at once through the API — policies,
// points of contact, structured requests with a file, replies with a file, events, needs,
// offers, providers' interest in needs, calendar subscriptions — and the server is killed
// with SIGKILL in the middle (no graceful stop, no flush), several times. After each restart
// on the same database and data directory every write that was answered 2xx is there, whole
// and readable (a request's and a reply's file byte for byte), every file row names stored
// bytes of its hash, and the audit log's hash chain is intact. On SQLite this rests on WAL
// with synchronous=FULL; on PostgreSQL on its commit; a file's bytes are fsynced and renamed
// into the store before the row that names them is written. (Power loss is beyond a test on
// one machine: the kernel keeps what was written before the process died.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, cli, makeCast } from './lib/items-fixture.mjs';
import { assertRequestFilesStored, assertWritePresent, subscription, writes } from './lib/module-writes.mjs';
import { ENGINE, createDatabase, startServer } from './lib/server.mjs';

const CLIENTS = 8;
const KILLS = 3;
const ACKS_PER_KILL = 45; // acknowledged writes in each run before its SIGKILL
const OPS = ['policy', 'request', 'contact', 'event', 'reply', 'need', 'offer', 'interest', 'subscription'];

let db;
let server;
let cast;

before(async () => {
	db = await createDatabase();
	server = await startServer({ db });
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
	await db?.drop();
});

test('every write acknowledged before each of several SIGKILLs is there after the restart, and the audit chain holds', async (t) => {
	const acknowledged = [];                 // every write answered 2xx, over all runs
	const requests = [];                     // acknowledged requests (replies go to them)
	const needs = [];                        // acknowledged needs (interest goes to them)
	const interestTried = new Set();         // "need:org" pairs tried (an unanswered one may have committed)
	const providers = [cast.fraEditor, cast.deuEditor, cast.secEditor];
	// One subscriber per client, so that each person's settings are written one at a time.
	const subscribers = [cast.kenReader, cast.deuReader, cast.secReader, cast.kenAdmin, cast.deuAdmin, cast.stkAdmin,
		cast.regEditor, cast.unEditor];
	const subs = subscribers.map(() => ({ n: 0, acked: null, inFlight: null }));
	const totals = { acknowledged: 0, unanswered: 0, lost: 0 };

	/** One write of kind op by client c; resolves with the write (status 2xx) or null when nothing fitted. */
	async function attempt(op, c, tag) {
		switch (op) {
		case 'policy': case 'contact': case 'need':
			return writes.item(server, cast.kenEditor, op, tag);
		case 'event': case 'offer':
			return writes.item(server, cast.fraEditor, op, tag);
		case 'request':
			return c % 2 ? writes.request(server, cast.kenEditor, cast.orgs.france, tag)
				: writes.request(server, cast.fraEditor, cast.orgs.kenya, tag);
		case 'reply': {
			if (requests.length === 0) return null;
			const r = requests[(c * 7 + tag.length) % requests.length];
			return writes.reply(server, c % 2 ? cast.fraEditor : cast.kenAdmin, r.id, tag);
		}
		case 'interest': {
			for (const need of needs) {
				const who = providers.find((p) => !interestTried.has(`${need.id}:${p.org}`));
				if (!who) continue;
				interestTried.add(`${need.id}:${who.org}`);
				return writes.interest(server, who, need.id, tag);
			}
			return null;
		}
		case 'subscription': {
			const s = subs[c];
			s.inFlight = subscription(++s.n);
			const w = await writes.subscription(server, subscribers[c], s.n);
			s.inFlight = null;
			s.acked = w.setting;
			return { ...w, c };
		}
		default:
			throw new Error(op);
		}
	}

	for (let run = 1; run <= KILLS; run++) {
		let killed = false;
		let attempts = 0;
		const answered = [];
		const writer = async (c) => {
			for (let round = 0; !killed; round++) {
				const op = OPS[(c + round + run) % OPS.length];
				const tag = `r${run}-c${c}-${round}`;
				let w;
				attempts++;
				try {
					w = await attempt(op, c, tag);
				} catch {
					return; // the server is gone: this write was never answered
				}
				if (!w) {
					attempts--;
					continue;
				}
				// A killed process answers nothing: every answer that came is a success.
				assert.ok(w.status >= 200 && w.status < 300, `${op} ${tag}: ${w.status} ${w.res.text.slice(0, 300)}`);
				delete w.res;
				answered.push(w);
				if (w.kind === 'request') requests.push(w);
				if (w.kind === 'need') needs.push(w);
				// Kill in the middle of the run, with other clients' writes in flight.
				if (!killed && answered.length >= ACKS_PER_KILL) {
					killed = true;
					server.child.kill('SIGKILL');
				}
			}
		};
		await Promise.all(Array.from({ length: CLIENTS }, (_, c) => writer(c)));
		assert.ok(killed, `run ${run}: the server was killed during the run`);
		const exit = await server.exited;
		assert.equal(exit.signal, 'SIGKILL');
		acknowledged.push(...answered.filter((w) => w.kind !== 'subscription'));

		server = await startServer({ db });
		// Every acknowledged write so far, as one of its readers sees it.
		let lost = 0;
		let checked = acknowledged.length;
		const failures = [];
		for (const w of acknowledged) {
			try {
				await assertWritePresent(server, cast.kenEditor, w);
			} catch (e) {
				lost++;
				failures.push(e.message);
			}
		}
		// A person's subscription is the last acknowledged setting, or the one whose answer the kill cut off.
		for (let c = 0; c < subscribers.length; c++) {
			const s = subs[c];
			if (!s.acked && !s.inFlight) continue;
			checked++;
			const got = (await call(server, subscribers[c], 'GET', '/calendar/subscription')).data?.subscription;
			const pick = (x) => x && { frequency: x.frequency, topics: x.topics, digest_lang: x.digest_lang };
			const now = pick(got);
			const ok = [s.acked, s.inFlight].some((x) => x && JSON.stringify(pick(x)) === JSON.stringify(now));
			if (!ok && s.acked) {
				lost++;
				failures.push(`subscription of ${subscribers[c].email}: ${JSON.stringify(now)}, acknowledged ${JSON.stringify(s.acked)}`);
			}
			if (now?.frequency) s.acked = now;
			s.inFlight = null;
		}
		const byKind = {};
		for (const w of answered) byKind[w.kind] = (byKind[w.kind] ?? 0) + 1;
		totals.acknowledged += answered.length;
		totals.unanswered += attempts - answered.length;
		totals.lost += lost;
		t.diagnostic(`${ENGINE}, SIGKILL ${run}: ${answered.length} writes acknowledged (${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
			`${attempts - answered.length} cut off unanswered; after the restart ${checked} checked, ${lost} lost`);
		assert.deepEqual(failures, [], `run ${run}: acknowledged writes lost`);

		// Whatever was committed but not yet answered may be there too; nothing half-written is.
		const items = Number((await db.sql('SELECT count(*) FROM items')).trim());
		const policies = Number((await db.sql("SELECT count(*) FROM items WHERE module = 'policies'")).trim());
		const texts = Number((await db.sql('SELECT count(DISTINCT item_id) FROM policy_texts')).trim());
		assert.equal(texts, policies, 'every policy has its content: envelope and content commit together');
		const contacts = Number((await db.sql("SELECT count(*) FROM items WHERE module = 'contacts'")).trim());
		assert.equal(Number((await db.sql('SELECT count(*) FROM contacts')).trim()), contacts, 'every contact has its row');
		const capacity = Number((await db.sql("SELECT count(*) FROM items WHERE module = 'capacity'")).trim());
		assert.equal(Number((await db.sql('SELECT count(*) FROM capacity_entries')).trim()), capacity, 'every capacity item has its entry');
		const audited = Number((await db.sql("SELECT count(*) FROM audit_log WHERE action = 'item.create'")).trim());
		assert.equal(audited, items, 'every item has its audit record, and no record lacks its item');
		const sent = Number((await db.sql('SELECT count(*) FROM contact_requests')).trim());
		assert.equal(Number((await db.sql("SELECT count(*) FROM audit_log WHERE action = 'contact.request_send'")).trim()), sent,
			'every request has its audit record');
		const replies = Number((await db.sql('SELECT count(*) FROM contact_request_messages')).trim()) - sent;
		assert.equal(Number((await db.sql("SELECT count(*) FROM audit_log WHERE action = 'contact.request_reply'")).trim()), replies,
			'every reply has its audit record');
		const interests = Number((await db.sql('SELECT count(*) FROM capacity_interest')).trim());
		assert.equal(Number((await db.sql("SELECT count(*) FROM audit_log WHERE action = 'capacity.interest'")).trim()), interests,
			'every interest has its audit record');
		const files = await assertRequestFilesStored(db);
		assert.ok(files >= acknowledged.filter((w) => w.kind === 'request' || w.kind === 'reply').length, `${files} stored request files`);
		const verify = await cli(server, ['audit', 'verify']);
		assert.match(verify, /^audit log intact: \d+ records/);
	}
	t.diagnostic(`${ENGINE}, in all: ${totals.acknowledged} writes acknowledged over ${KILLS} SIGKILLs, ${totals.unanswered} unanswered, ${totals.lost} lost`);
	for (const kind of OPS) assert.ok(acknowledged.some((w) => w.kind === kind) || kind === 'subscription', `some ${kind} was acknowledged`);
	assert.ok(subs.some((s) => s.n > 1), 'subscriptions were written');
	assert.equal(totals.lost, 0);
});
