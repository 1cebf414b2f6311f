// The programme calendar: every field of an event, its refusals, the list and
// month views with their filters, the event page, and the iCalendar feeds read
// by two independent parsers (libical through tests/tools/ics_check.c, and
// Debian's python3-icalendar through tests/tools/ics_check.py), across a
// daylight-saving change and with a cancelled event.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { BIN, ROOT, run, startServer } from './lib/server.mjs';

let server;
let cast;
let dir;
let kenContact;
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const c = await call(server, cast.kenEditor, 'POST', '/contacts', { json: {
		kind: 'assistance', function_title: 'Assistance focal point', person_name: 'Amina Otieno',
		emails: ['amina@example.org'], languages: ['en', 'sw'], visibility: 'public',
	} });
	expectStatus(c, 201, 'contact');
	kenContact = c.data.id;
	dir = await mkdtemp(path.join(tmpdir(), 'gcscp-ics-'));
});
after(async () => {
	await server?.stop();
	if (dir) await rm(dir, { recursive: true, force: true });
});

const ICS_CHECK = path.join(path.dirname(BIN), 'tests', 'ics_check');

export function event(title, extra = {}) {
	return {
		title, lang: 'en', description: `About ${title}.`, event_kind: 'workshop', topics: ['incident_response'],
		starts: '2030-03-10T09:00', ends: '2030-03-12T17:00', timezone: 'Africa/Nairobi', modality: 'in_person',
		place: 'Nairobi', languages: ['en'], visibility: 'public', ...extra,
	};
}

async function create(who, body, status = 201) {
	const res = await call(server, who, 'POST', '/calendar', { json: body });
	expectStatus(res, status, `create ${body.title}`);
	return res.data;
}

async function readBoth(text) {
	const file = path.join(dir, `f${Math.random().toString(16).slice(2)}.ics`);
	await writeFile(file, text);
	const lib = await run(ICS_CHECK, [file]);
	assert.equal(lib.code, 0, `libical refused the feed: ${lib.stderr}\n${text}`);
	const py = await run('/usr/bin/python3', [path.join(ROOT, 'tests', 'tools', 'ics_check.py'), file]);
	assert.equal(py.code, 0, `python3-icalendar refused the feed: ${py.stderr}`);
	const libical = lib.stdout.trim().split('\n').filter(Boolean).map((l) => {
		const [uid, status, sequence, start, end] = l.split(' ');
		return { uid, status, sequence: Number(sequence), start_utc: new Date(Number(start) * 1000).toISOString().replace('.000', ''), end_utc: new Date(Number(end) * 1000).toISOString().replace('.000', '') };
	});
	return { libical, python: JSON.parse(py.stdout) };
}

describe('an event: fields', () => {
	test('every field round-trips, with labels', async () => {
		const body = event('Incident handling workshop', {
			texts: [{ lang: 'fr', title: 'Atelier de gestion des incidents', description: 'En **français**.' }],
			event_kind: 'training_course', topics: ['incident_response', 'cert_csirt_development'],
			providers: [cast.orgs.kenya, cast.orgs.unbody], partners: ['GFCE', 'AU Commission'],
			modality: 'hybrid', place: 'Nairobi and online', languages: ['en', 'fr'],
			audience: ['cert_staff', 'policy_makers'], eligibility: 'regions', eligible_regions: ['002'],
			seats: 30, cost: 'Free of charge', funding: 'Travel covered for two participants per state',
			registration_deadline: '2030-02-15', registration_url: 'https://example.org/register',
			contact: kenContact, event_status: 'open',
		});
		const e = await create(cast.kenEditor, body);
		const got = (await call(server, null, 'GET', `/calendar/${e.id}`)).data;
		assert.equal(got.event_kind, 'training_course');
		assert.equal(got.event_kind_label, 'Training course');
		assert.deepEqual(got.topics, ['incident_response', 'cert_csirt_development']);
		assert.equal(got.topics_labels[1].name, 'CERT/CSIRT establishment and development');
		assert.deepEqual(got.providers, [cast.orgs.kenya, cast.orgs.unbody]);
		assert.equal(got.providers_labels[0].name, 'Kenya, Ministry (tests)');
		assert.deepEqual(got.partners, ['GFCE', 'AU Commission']);
		assert.equal(got.starts, '2030-03-10T09:00:00');
		assert.equal(got.ends, '2030-03-12T17:00:00');
		assert.equal(got.timezone, 'Africa/Nairobi');
		assert.equal(got.starts_at, '2030-03-10T06:00:00Z', 'Nairobi is UTC+3');
		assert.equal(got.ends_at, '2030-03-12T14:00:00Z');
		assert.equal(got.modality_label, 'Hybrid');
		assert.equal(got.place, 'Nairobi and online');
		assert.deepEqual(got.languages, ['en', 'fr']);
		assert.deepEqual(got.audience, ['cert_staff', 'policy_makers']);
		assert.equal(got.eligibility, 'regions');
		assert.deepEqual(got.eligible_regions, ['002']);
		assert.equal(got.eligible_regions_labels[0].name, 'Africa');
		assert.equal(got.seats, 30);
		assert.equal(got.cost, 'Free of charge');
		assert.equal(got.funding, 'Travel covered for two participants per state');
		assert.equal(got.registration_deadline, '2030-02-15');
		assert.equal(got.registration_url, 'https://example.org/register');
		assert.equal(got.contact, kenContact);
		assert.equal(got.contact_summary.function_title, 'Assistance focal point');
		assert.equal(got.contact_summary.person_name, 'Amina Otieno');
		assert.deepEqual(got.contact_summary.emails, ['amina@example.org']);
		assert.equal(got.contact_summary.href, `/contacts/${kenContact}`);
		assert.equal(got.contact_name, undefined, 'no free-text contact any more');
		assert.equal(got.status, 'open');
		assert.equal(got.status_label, 'Open');
		assert.deepEqual(got.texts.map((t) => t.lang), ['en', 'fr']);
		assert.equal(got.item.visibility, 'public');
		assert.equal(got.sequence, 0);
		const fr = (await call(server, null, 'GET', `/calendar/${e.id}?lang=fr`)).data;
		assert.equal(fr.text.title, 'Atelier de gestion des incidents');
		assert.match(fr.text.description_html, /<strong>français<\/strong>/);
		assert.equal(fr.modality_label, 'Hybride');
		// The page renders.
		const page = await call(server, null, 'GET', `!/calendar/${e.id}`);
		expectStatus(page, 200, 'page');
		assert.match(page.text, /Incident handling workshop/);
		assert.match(page.text, /event\.ics/);
	});

	test('defaults: planned, open to all, the owner as provider', async () => {
		const e = await create(cast.fraEditor, event('Défauts', { lang: 'fr' }));
		const got = (await call(server, null, 'GET', `/calendar/${e.id}`)).data;
		assert.equal(got.status, 'planned');
		assert.equal(got.eligibility, 'all');
		assert.deepEqual(got.providers, [cast.orgs.france]);
	});

	const refusals = [
		['event_kind', { event_kind: 'party' }],
		['topics', { topics: ['no_such_topic'] }],
		['topics', { topics: [] }],
		['starts', { starts: '2030-02-30T09:00' }],
		['ends', { ends: '2030-03-09T09:00' }],
		['ends', { ends: '2031-06-01T09:00' }],
		['timezone', { timezone: 'Mars/Olympus' }],
		['timezone', { timezone: '../../etc/passwd' }],
		['modality', { modality: 'telepathy' }],
		['place', { place: undefined, modality: 'in_person' }],
		['languages', { languages: ['de'] }],
		['audience', { audience: ['astronauts'] }],
		['eligibility', { eligibility: 'some' }],
		['eligible_regions', { eligibility: 'regions' }],
		['eligible_regions', { eligibility: 'regions', eligible_regions: ['999'] }],
		['eligible_states', { eligibility: 'states', eligible_states: ['XXX'] }],
		['seats', { seats: 0 }],
		['seats', { seats: '12' }],
		['cost', { cost: 'x'.repeat(501) }],
		['registration_deadline', { registration_deadline: '2030-04-01' }],
		['registration_url', { registration_url: 'javascript:alert(1)' }],
		['contact', { contact: 'not an id' }],
		['contact', { contact: 0 }],
		['contact', { contact: 99999999 }],
		['contact_email', { contact_email: 'amina@example.org' }],
		['contact_name', { contact_name: 'Amina Otieno' }],
		['event_status', { event_status: 'postponed' }],
		['providers', { providers: [999999] }],
		['title', { title: '' }],
		['owner', { owner: 1 }],
		['status', { status: 'published' }],
	];
	for (const [field, extra] of refusals) {
		test(`refused: ${field} ${JSON.stringify(extra).slice(0, 60)}`, async () => {
			const body = event('Refused', extra);
			for (const [k, v] of Object.entries(extra)) if (v === undefined) delete body[k];
			expectInvalid(await call(server, cast.kenEditor, 'POST', '/calendar', { json: body }), field);
		});
	}

	test('an online event needs no place', async () => {
		const body = event('Online course', { modality: 'online', event_kind: 'e_learning' });
		delete body.place;
		await create(cast.kenEditor, body);
	});

	test('who may create: readers and anonymous may not', async () => {
		expectStatus(await call(server, cast.kenReader, 'POST', '/calendar', { json: event('x') }), 403, 'reader');
		expectStatus(await call(server, null, 'POST', '/calendar', { json: event('x') }), 401, 'anonymous');
	});

	test('editing raises the sequence; others cannot edit', async () => {
		const e = await create(cast.kenEditor, event('To edit'));
		const res = await call(server, cast.kenEditor, 'POST', `/calendar/${e.id}`, { json: { version: e.item.version, place: 'Mombasa' } });
		expectStatus(res, 200, 'edit');
		assert.equal(res.data.place, 'Mombasa');
		assert.equal(res.data.sequence, 1);
		assert.equal(res.data.title ?? res.data.text.title, 'To edit');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/calendar/${e.id}`, { json: { version: res.data.item.version, place: 'Paris' } }), 404, 'another state');
		expectStatus(await call(server, cast.kenEditor, 'POST', `/calendar/${e.id}`, { json: { version: 1, place: 'Old' } }), 409, 'stale version');
	});

	test('forms: create through the page, errors beside the fields', async () => {
		const bad = await call(server, cast.kenEditor, 'POST', '!/calendar', { form: { title: 'Form event', lang: 'en', event_kind: 'workshop', topics: 'cybercrime', starts: '2030-05-01T10:00', ends: '2030-05-01T12:00', timezone: 'Nowhere/Land', modality: 'online', languages: 'en' } });
		expectStatus(bad, 422, 'bad form');
		assert.match(bad.text, /id="cap-tz-error"/);
		const ok = await call(server, cast.kenEditor, 'POST', '!/calendar', { form: { title: 'Form event', lang: 'en', event_kind: 'workshop', topics: ['cybercrime', 'digital_forensics'], starts: '2030-05-01T10:00', ends: '2030-05-01T12:00', timezone: 'Europe/Paris', modality: 'online', languages: ['en', 'fr'], partners: 'One\nTwo', eligibility: 'all', visibility: 'public', event_status: 'open' } });
		expectStatus(ok, 303, 'good form');
		const id = ok.headers.location.split('/').pop();
		const got = (await call(server, null, 'GET', `/calendar/${id}`)).data;
		assert.deepEqual(got.partners, ['One', 'Two']);
		assert.deepEqual(got.topics, ['cybercrime', 'digital_forensics']);
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/calendar/new'), 200, 'new form');
		const form = await call(server, cast.kenEditor, 'GET', `!/calendar/${id}/edit`);
		expectStatus(form, 200, 'edit form');
		assert.match(form.text, /value="Europe\/Paris"/);
		// The edit form sends every field again: what it leaves empty is cleared, the text of its language replaced.
		const version = got.item.version;
		const edited = await call(server, cast.kenEditor, 'POST', `!/calendar/${id}`, { form: { version, title: 'Form event, renamed', lang: 'en', description: 'Now with a description.', event_kind: 'workshop', topics: ['cybercrime'], starts: '2030-05-01T10:00', ends: '2030-05-01T13:00', timezone: 'Europe/Paris', modality: 'online', languages: ['en'], partners: '', eligibility: 'states', eligible_states: ['KEN', 'UGA'], event_status: 'open', note: 'Longer and for two states.' } });
		expectStatus(edited, 303, 'edit through the form');
		const after = (await call(server, null, 'GET', `/calendar/${id}`)).data;
		assert.equal(after.text.title, 'Form event, renamed');
		assert.equal(after.ends, '2030-05-01T13:00:00');
		assert.deepEqual(after.eligible_states, ['KEN', 'UGA']);
		assert.equal(after.partners, null);
		assert.equal(after.sequence, 1);
		const badEdit = await call(server, cast.kenEditor, 'POST', `!/calendar/${id}`, { form: { version: after.item.version, title: 'x', lang: 'en', event_kind: 'workshop', topics: ['cybercrime'], starts: '2030-05-01T10:00', ends: '2030-05-01T13:00', timezone: 'Europe/Paris', modality: 'online', languages: ['en'], eligibility: 'states', event_status: 'open' } });
		expectStatus(badEdit, 422, 'edit without states');
		assert.match(badEdit.text, /id="cap-states-error"/);
	});
});

describe('lists and filters', () => {
	let ids;
	before(async () => {
		const a = await create(cast.kenEditor, event('Filter A', { topics: ['cybercrime'], modality: 'online', languages: ['fr'], starts: '2031-01-05T09:00', ends: '2031-01-06T09:00', eligibility: 'states', eligible_states: ['KEN'] }));
		const b = await create(cast.fraEditor, event('Filter B', { topics: ['cybercrime'], modality: 'in_person', languages: ['es'], starts: '2031-01-20T09:00', ends: '2031-01-21T09:00', eligibility: 'regions', eligible_regions: ['150'] }));
		const c = await create(cast.fraEditor, event('Filter C restricted', { topics: ['cybercrime'], visibility: 'restricted', starts: '2031-01-25T09:00', ends: '2031-01-25T12:00' }));
		ids = { a: a.id, b: b.id, c: c.id };
	});
	const titles = async (who, query, to = '2031-01-31') => {
		const res = await call(server, who, 'GET', `/calendar?topic=cybercrime&from=2031-01-01&to=${to}${query}`);
		expectStatus(res, 200, query);
		return res.data.items.map((i) => i.title).sort();
	};
	test('topic and dates; restricted only for states', async () => {
		assert.deepEqual(await titles(null, ''), ['Filter A', 'Filter B']);
		assert.deepEqual(await titles(cast.kenReader, ''), ['Filter A', 'Filter B', 'Filter C restricted']);
		assert.deepEqual(await titles(cast.stkEditor, ''), ['Filter A', 'Filter B']);
		assert.deepEqual(await titles(null, '', '2031-01-10'), ['Filter A']);
	});
	test('modality, language, region, provider, status, open to my state', async () => {
		assert.deepEqual(await titles(null, '&modality=online'), ['Filter A']);
		assert.deepEqual(await titles(null, '&language=es'), ['Filter B']);
		assert.deepEqual(await titles(null, '&region=155'), ['Filter B'], 'Western Europe is within Europe');
		assert.deepEqual(await titles(null, '&region=002'), ['Filter A'], 'Kenya is in Africa');
		assert.deepEqual(await titles(null, `&provider=${cast.orgs.france}`), ['Filter B']);
		assert.deepEqual(await titles(null, '&status=planned'), ['Filter A', 'Filter B']);
		assert.deepEqual(await titles(cast.kenReader, '&open_to_me=1'), ['Filter A', 'Filter C restricted']);
		assert.deepEqual(await titles(cast.fraEditor, '&open_to_me=1'), ['Filter B', 'Filter C restricted']);
		expectStatus(await call(server, null, 'GET', '/calendar?topic=nope'), 400, 'unknown topic');
		expectStatus(await call(server, null, 'GET', '/calendar?region=abc'), 400, 'bad region');
		expectStatus(await call(server, null, 'GET', '/calendar?view=month&month=2031-13'), 400, 'bad month');
	});
	test('the month grid is an accessible table with the events on their days', async () => {
		const res = await call(server, null, 'GET', '/calendar?view=month&month=2031-01&topic=cybercrime');
		expectStatus(res, 200, 'month');
		const days = res.data.weeks.flatMap((w) => w.days).filter((d) => d.has_events);
		assert.deepEqual(days.map((d) => d.date), ['2031-01-05', '2031-01-06', '2031-01-20', '2031-01-21']);
		assert.equal(res.data.weeks[0].days.length, 7);
		const page = await call(server, null, 'GET', '!/calendar?view=month&month=2031-01');
		expectStatus(page, 200, 'month page');
		assert.match(page.text, /<table class="capacity-month">/);
		assert.match(page.text, /<th scope="col">Monday<\/th>/);
		assert.match(page.text, /<caption>January 2031<\/caption>/);
		assert.ok(!page.text.includes('Filter C restricted'));
		const list = await call(server, null, 'GET', '!/calendar');
		expectStatus(list, 200, 'list page');
	});
});

describe('iCalendar', () => {
	test('a feed across the end of summer time in Paris, with a cancelled event, read by libical and python3-icalendar', async () => {
		// Europe/Paris leaves summer time on Sunday 25 October 2026 at 03:00 (01:00 UTC).
		const dst = await create(cast.fraEditor, event('Atelier; DST, "virgule" \\ test', {
			topics: ['cyber_diplomacy'], timezone: 'Europe/Paris', starts: '2026-10-24T10:00', ends: '2026-10-26T16:00',
			place: 'Paris, France', description: 'Line one\nLine two with a very long text '.repeat(6) + 'é'.repeat(60),
		}));
		const cancelled = await create(cast.fraEditor, event('Cancelled session', {
			topics: ['cyber_diplomacy'], timezone: 'UTC', starts: '2026-11-02T08:00', ends: '2026-11-02T10:00',
		}));
		const edited = await call(server, cast.fraEditor, 'POST', `/calendar/${cancelled.id}`, { json: { version: cancelled.item.version, event_status: 'cancelled' } });
		expectStatus(edited, 200, 'cancel');
		const res = await call(server, null, 'GET', '!/calendar.ics?topic=cyber_diplomacy');
		expectStatus(res, 200, 'feed');
		assert.match(res.headers['content-type'], /^text\/calendar/);
		for (const line of res.text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `a line over 75 octets: ${line}`);
		assert.ok(!/[^\r]\n/.test(res.text), 'every line ends in CRLF');
		assert.match(res.text, /DTSTART;TZID=Europe\/Paris:20261024T100000/);
		assert.match(res.text, /BEGIN:VTIMEZONE\r\nTZID:Europe\/Paris/);
		assert.match(res.text, /SUMMARY:Atelier\\; DST\\, "virgule" \\\\ test/);
		const { libical, python } = await readBoth(res.text);
		for (const parsed of [libical, python]) {
			const d = parsed.find((e) => e.uid === `capacity-${dst.id}@gcscp`);
			assert.equal(d.start_utc, '2026-10-24T08:00:00Z', 'summer time: UTC+2');
			assert.equal(d.end_utc, '2026-10-26T15:00:00Z', 'winter time: UTC+1');
			const c = parsed.find((e) => e.uid === `capacity-${cancelled.id}@gcscp`);
			assert.equal(c.status, 'CANCELLED');
			assert.equal(c.sequence, 1);
			assert.equal(c.start_utc, '2026-11-02T08:00:00Z');
		}
		const p = python.find((e) => e.uid === `capacity-${dst.id}@gcscp`);
		assert.equal(p.summary, 'Atelier; DST, "virgule" \\ test');
		assert.equal(p.tzid, 'Europe/Paris');
		assert.ok(p.description.startsWith('Line one\nLine two'));
		assert.ok(p.description.endsWith('é'.repeat(60)), 'folding kept the UTF-8 intact');
	});

	test('add to my calendar: one event; hidden ones are 404', async () => {
		const e = await create(cast.kenEditor, event('One event', { timezone: 'America/New_York', starts: '2030-03-09T20:00', ends: '2030-03-10T04:00' }));
		const res = await call(server, null, 'GET', `!/calendar/${e.id}/event.ics`);
		expectStatus(res, 200, 'one');
		const { libical, python } = await readBoth(res.text);
		assert.equal(libical.length, 1);
		// New York springs forward on 10 March 2030 at 02:00: EST (UTC-5) to EDT (UTC-4).
		for (const parsed of [libical, python]) {
			assert.equal(parsed[0].start_utc, '2030-03-10T01:00:00Z');
			assert.equal(parsed[0].end_utc, '2030-03-10T08:00:00Z');
		}
		const r = await create(cast.kenEditor, event('Restricted one', { visibility: 'restricted' }));
		expectStatus(await call(server, null, 'GET', `!/calendar/${r.id}/event.ics`), 404, 'anonymous');
		expectStatus(await call(server, cast.stkEditor, 'GET', `!/calendar/${r.id}/event.ics`), 404, 'stakeholder');
		expectStatus(await call(server, cast.fraEditor, 'GET', `!/calendar/${r.id}/event.ics`), 200, 'a state');
		const feed = await call(server, null, 'GET', '!/calendar.ics');
		assert.ok(!feed.text.includes('Restricted one'), 'not in the anonymous feed');
	});
});
