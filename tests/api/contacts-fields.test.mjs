// Every field of a point of contact, through JSON and forms: what is kept (normalised),
// what is refused (422 naming the field, nothing changed), what is not the caller's to
// set, who may create which kind, and the pages that create and edit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer, tableCounts } from './lib/server.mjs';

let server;
let cast;
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
});

const create = (who, body) => call(server, who, 'POST', '/contacts', { json: body });
const edit = (who, id, body) => call(server, who, 'POST', `/contacts/${id}`, { json: body });
const show = async (who, id) => expectStatus(await call(server, who, 'GET', `/contacts/${id}`), 200, `GET /contacts/${id}`).data;

const contact = (extra = {}) => ({
	kind: 'technical', function_title: 'National CERT duty officer', emails: ['cert@ke-cirt.example.ke'], ...extra,
});

async function created(who, body) {
	const res = await create(who, body);
	expectStatus(res, 201, 'create');
	assert.equal(res.headers.location, `/contacts/${res.data.id}`);
	return res.data;
}

describe('creating: what is kept', () => {
	test('every field round-trips, normalised', async () => {
		const c = await created(cast.kenEditor, {
			kind: 'technical',
			function_title: 'Head of incident response',
			person_name: 'Achieng Otieno',
			agency: 'KE-CIRT/CC',
			position: 'Director',
			emails: ['a.otieno@ke-cirt.example.ke', 'incidents@ke-cirt.example.ke'],
			phones: ['+254 (20) 444-7000', '+254.722.000.111'],
			working_hours: 'Mon–Fri 08:00–17:00, 24/7 hotline',
			time_zone: 'Africa/Nairobi',
			languages: ['en', 'sw'],
			fingerprint: '0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567',
			secure_channels: 'Signal: +254722000111\nThreema: ABCD1234',
			notes: 'Escalate through the duty phone outside working hours.',
		});
		const got = await show(cast.fraEditor, c.id);
		assert.equal(got.kind, 'technical');
		assert.equal(got.kind_label, 'Technical (CERT/CSIRT)');
		assert.equal(got.function_title, 'Head of incident response');
		assert.equal(got.person_name, 'Achieng Otieno');
		assert.equal(got.agency, 'KE-CIRT/CC');
		assert.equal(got.position, 'Director');
		assert.deepEqual(got.emails, ['a.otieno@ke-cirt.example.ke', 'incidents@ke-cirt.example.ke']);
		assert.deepEqual(got.phones, ['+254204447000', '+254722000111']);
		assert.equal(got.working_hours, 'Mon–Fri 08:00–17:00, 24/7 hotline');
		assert.equal(got.time_zone, 'Africa/Nairobi');
		assert.deepEqual(got.languages, ['en', 'sw']);
		assert.equal(got.fingerprint, '0123456789ABCDEF0123456789ABCDEF01234567');
		assert.equal(got.secure_channels, 'Signal: +254722000111\nThreema: ABCD1234');
		assert.equal(got.notes, 'Escalate through the duty phone outside working hours.');
		assert.equal(got.last_confirmed, null);
		assert.equal(got.country, 'KEN');
		assert.equal(got.country_name, 'Kenya');
		assert.equal(got.item.visibility, 'restricted', 'cyber contacts are restricted by default');
		assert.equal(got.item.status, 'published');
		assert.deepEqual(got.item.languages, ['en', 'sw']);
	});

	test('a function without a person, and a v6 fingerprint', async () => {
		const c = await created(cast.kenEditor, contact({ kind: 'diplomatic', function_title: 'Cyber diplomacy desk', fingerprint: 'a'.repeat(64) }));
		const got = await show(cast.kenReader, c.id);
		assert.equal(got.person_name, null);
		assert.equal(got.fingerprint, 'A'.repeat(64));
		assert.deepEqual(got.phones, []);
	});

	test('assistance contacts may be public; a state chooses', async () => {
		const c = await created(cast.kenEditor, contact({ kind: 'assistance', function_title: 'Capacity-building focal point', visibility: 'public' }));
		const got = await show(null, c.id);
		assert.equal(got.item.visibility, 'public');
	});

	test('a form creates the same way, lists split on lines and commas', async () => {
		const res = await call(server, cast.kenEditor, 'POST', '/contacts', {
			form: {
				kind: 'diplomatic', function_title: 'Ministry of Foreign Affairs cyber desk',
				emails: 'desk@mfa.example.ke\r\nbackup@mfa.example.ke', phones: '+254 20 318 888',
				languages: 'en, fr sw', time_zone: 'UTC', person_name: '',
			},
		});
		expectStatus(res, 201, 'form create through the API');
		const got = await show(cast.kenEditor, res.data.id);
		assert.deepEqual(got.emails, ['desk@mfa.example.ke', 'backup@mfa.example.ke']);
		assert.deepEqual(got.languages, ['en', 'fr', 'sw']);
		assert.equal(got.time_zone, 'UTC');
	});
});

describe('creating: what is refused, and nothing changes', () => {
	const bad = [
		['kind', { kind: 'military' }],
		['kind', { kind: undefined }],
		['function_title', { function_title: '' }],
		['function_title', { function_title: 'two\nlines' }],
		['function_title', { function_title: 'x'.repeat(301) }],
		['person_name', { person_name: 'x'.repeat(301) }],
		['emails', { emails: [] }],
		['emails', { emails: ['not-an-address'] }],
		['emails', { emails: ['a@b'] }],
		['emails', { emails: ['a@@example.org'] }],
		['emails', { emails: ['a b@example.org'] }],
		['emails', { emails: ['.a@example.org'] }],
		['emails', { emails: ['a..b@example.org'] }],
		['emails', { emails: ['a@-example.org'] }],
		['emails', { emails: ['a@example..org'] }],
		['emails', { emails: ['Name <a@example.org>'] }],
		['emails', { emails: ['a@example.org', 'A@EXAMPLE.ORG'] }],
		['emails', { emails: ['1@x.org', '2@x.org', '3@x.org', '4@x.org', '5@x.org', '6@x.org'] }],
		['emails', { emails: 'cert@example.org' }],
		['phones', { phones: ['0722 000 111'] }],
		['phones', { phones: ['+0 722 000 111'] }],
		['phones', { phones: ['+254'] }],
		['phones', { phones: ['+1234567890123456'] }],
		['phones', { phones: ['+254 722 000 111 ext 5'] }],
		['phones', { phones: ['+254722000111', '+254 722 000 111'] }],
		['phones', { phones: [254722000111] }],
		['time_zone', { time_zone: 'Mars/Olympus_Mons' }],
		['time_zone', { time_zone: '../../../etc/passwd' }],
		['time_zone', { time_zone: 'posix/Europe/Paris' }],
		['time_zone', { time_zone: 'Europe' }],
		['languages', { languages: ['EN'] }],
		['languages', { languages: ['english'] }],
		['languages', { languages: ['en', 'en'] }],
		['languages', { languages: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((x) => x + x) }],
		['fingerprint', { fingerprint: 'abc' }],
		['fingerprint', { fingerprint: 'g'.repeat(40) }],
		['fingerprint', { fingerprint: 'a'.repeat(41) }],
		['working_hours', { working_hours: 'x'.repeat(201) }],
		['secure_channels', { secure_channels: 'x'.repeat(1001) }],
		['notes', { notes: 'x'.repeat(4097) }],
		['notes', { notes: 'bidi \u202e override' }],
		['visibility', { visibility: 'secret' }],
	];
	for (const [field, change] of bad) {
		test(`${field}: ${JSON.stringify(change).slice(0, 70)}`, async () => {
			const before = await tableCounts(server.db);
			const body = contact(change);
			for (const k of Object.keys(change)) if (change[k] === undefined) delete body[k];
			expectInvalid(await create(cast.kenEditor, body), field, field);
			assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
		});
	}

	test('notes of exactly 4,096 bytes are accepted', async () => {
		await created(cast.kenEditor, contact({ notes: 'é'.repeat(2048) }));
	});

	test('fields that are not the caller\'s to set', async () => {
		for (const field of ['owner', 'status', 'id', 'created_by', 'last_confirmed', 'country', 'notice_title']) {
			const res = await create(cast.kenEditor, contact({ [field]: field === 'id' ? 1 : 'x' }));
			expectInvalid(res, field, field);
		}
	});

	test('a form with errors is shown again with the message beside the field', async () => {
		const res = await call(server, cast.kenEditor, 'POST', '!/contacts', {
			form: { kind: 'technical', function_title: 'Duty officer', emails: 'nope', phones: '12345' },
		});
		expectStatus(res, 422, 'form page');
		assert.match(res.text, /id="contact-emails-error"/);
		assert.match(res.text, /id="contact-phones-error"/);
		assert.match(res.text, /aria-invalid="true"/);
		assert.match(res.text, /value="Duty officer"/, 'what was typed is kept');
	});
});

describe('who may create which kind', () => {
	test('UN bodies and regional organisations list assistance contacts, reviewed', async () => {
		for (const who of [cast.unEditor, cast.regEditor]) {
			const c = await created(who, contact({ kind: 'assistance', function_title: 'Capacity building desk' }));
			assert.equal(c.item.status, 'pending', 'waits for the Secretariat');
			assert.equal(c.item.visibility, 'public');
			const refused = await create(who, contact({ kind: 'technical' }));
			expectInvalid(refused, 'kind');
		}
	});

	test('stakeholders and readers may not create', async () => {
		expectStatus(await create(cast.stkEditor, contact({ kind: 'assistance' })), 403, 'stakeholder');
		expectStatus(await create(cast.kenReader, contact()), 403, 'reader');
		expectStatus(await create(null, contact()), 401, 'anonymous');
	});

	test('the Secretariat\'s admin acts for a state; its editor may not', async () => {
		const c = await created(cast.secAdmin, contact({ acting_for_org: cast.orgs.france }));
		assert.equal(c.item.owner.id, cast.orgs.france);
		assert.equal(c.country, 'FRA');
		assert.equal(c.item.uploaded_by.organisation !== undefined, true);
		expectStatus(await create(cast.secEditor, contact({ acting_for_org: cast.orgs.france })), 403, 'sec editor');
		expectInvalid(await create(cast.secAdmin, contact({ acting_for_org: 999999 })), 'acting_for_org');
	});
});

describe('editing', () => {
	test('a JSON edit changes only what it gives; stale versions are 409', async () => {
		const c = await created(cast.kenEditor, contact({ phones: ['+254722000111'], notes: 'keep me' }));
		const res = await edit(cast.kenEditor, c.id, { version: c.item.version, emails: ['new@ke-cirt.example.ke'] });
		expectStatus(res, 200, 'edit');
		const got = await show(cast.kenEditor, c.id);
		assert.deepEqual(got.emails, ['new@ke-cirt.example.ke']);
		assert.deepEqual(got.phones, ['+254722000111']);
		assert.equal(got.notes, 'keep me');
		expectStatus(await edit(cast.kenEditor, c.id, { version: c.item.version, notes: 'stale' }), 409, 'stale');
		expectInvalid(await edit(cast.kenEditor, c.id, { version: got.item.version, phones: ['nope'] }), 'phones');
		expectInvalid(await edit(cast.kenEditor, c.id, { emails: ['x@example.org'] }), 'version');
	});

	test('others get 404, the owner\'s readers 403, and nothing changes', async () => {
		const c = await created(cast.kenEditor, contact());
		const before = await tableCounts(server.db);
		for (const who of [cast.fraEditor, cast.stkEditor, cast.secEditor, cast.pseEditor]) {
			expectStatus(await edit(who, c.id, { version: c.item.version, notes: 'hijack' }), 404, who.email);
			expectStatus(await call(server, who, 'POST', `/contacts/${c.id}/confirm`), 404, `${who.email} confirm`);
		}
		expectStatus(await edit(cast.kenReader, c.id, { version: c.item.version, notes: 'x' }), 403, 'reader');
		expectStatus(await edit(null, c.id, { version: c.item.version, notes: 'x' }), 401, 'anonymous');
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
		// The Secretariat's admin edits on the state's behalf.
		expectStatus(await edit(cast.secAdmin, c.id, { version: c.item.version, notes: 'from the note verbale' }), 200, 'sec admin');
	});

	test('an editor confirms the details by hand', async () => {
		const c = await created(cast.kenEditor, contact());
		const res = await call(server, cast.kenAdmin, 'POST', `/contacts/${c.id}/confirm`);
		expectStatus(res, 200, 'confirm');
		assert.match(res.data.last_confirmed, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		assert.equal(res.data.last_confirmed_how, 'editor');
	});

	test('the pages: new, edit, show', async () => {
		const c = await created(cast.kenEditor, contact({ person_name: 'Jane Doe <script>' }));
		const page = expectStatus(await call(server, cast.kenEditor, 'GET', `!/contacts/${c.id}`), 200, 'show page');
		assert.match(page.text, /Jane Doe &lt;script&gt;/);
		assert.doesNotMatch(page.text, /<script>/);
		expectStatus(await call(server, cast.kenEditor, 'GET', `!/contacts/${c.id}/edit`), 200, 'edit page');
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/contacts/new'), 200, 'new page');
		expectStatus(await call(server, cast.kenReader, 'GET', `!/contacts/${c.id}/edit`), 403, 'reader edit page');
		expectStatus(await call(server, cast.fraEditor, 'GET', `!/contacts/${c.id}/edit`), 404, 'other state edit page');
		expectStatus(await call(server, cast.stkEditor, 'GET', '!/contacts/new'), 403, 'stakeholder new page');
	});
});
