// The contact of an event, a need and an offer: a link to an assistance
// contact of the Points of Contact directory (issue 6 with issue 5). Checked:
// the refusals (422 naming "contact") for every kind of wrong contact, the
// Secretariat acting for a state, the form's <select>, what each kind of
// reader sees of a restricted contact (exactly what GET /contacts/{id} lets
// it see: nothing more, not even the id), the iCalendar ORGANIZER, clearing
// a contact, the migration that drops the old free-text fields, and the demo
// data's links.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { createDatabase, startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (who, body) => {
		const r = await call(server, who, 'POST', '/contacts', { json: { languages: ['en'], ...body } });
		expectStatus(r, 201, body.function_title);
		return r.data;
	};
	ids.kenPublic = (await make(cast.kenEditor, { kind: 'assistance', function_title: 'Kenya assistance desk', person_name: 'Amina Otieno', emails: ['desk@ken.example.org'], languages: ['en', 'sw'], visibility: 'public' })).id;
	ids.kenRestricted = (await make(cast.kenEditor, { kind: 'assistance', function_title: 'Kenya restricted desk', emails: ['hidden@ken.example.org'], visibility: 'restricted' })).id;
	ids.kenTechnical = (await make(cast.kenEditor, { kind: 'technical', function_title: 'Kenya CSIRT duty officer', emails: ['csirt@ken.example.org'], visibility: 'public' })).id;
	ids.fraPublic = (await make(cast.fraEditor, { kind: 'assistance', function_title: 'France assistance desk', emails: ['desk@fra.example.org'], visibility: 'public' })).id;
	const gone = await make(cast.kenEditor, { kind: 'assistance', function_title: 'Kenya former desk', emails: ['former@ken.example.org'], visibility: 'public' });
	expectStatus(await call(server, cast.kenEditor, 'POST', `/items/${gone.id}/withdraw`, { json: { version: gone.item.version } }), 200, 'withdraw');
	ids.kenWithdrawn = gone.id;
});
after(async () => {
	await server?.stop();
});

const bodies = {
	'/calendar': (extra) => ({ title: 'Contact event', lang: 'en', event_kind: 'workshop', topics: ['incident_response'], starts: '2030-05-05T09:00', ends: '2030-05-05T12:00', timezone: 'Africa/Nairobi', modality: 'online', languages: ['en'], visibility: 'public', ...extra }),
	'/needs': (extra) => ({ title: 'Contact need', lang: 'en', topics: ['incident_response'], help_kinds: ['training'], languages: ['en'], visibility: 'public', ...extra }),
	'/offers': (extra) => ({ title: 'Contact offer', lang: 'en', topics: ['incident_response'], help_kinds: ['training'], languages: ['en'], modalities: ['online'], visibility: 'public', ...extra }),
};

describe('choosing a contact', () => {
	for (const path of Object.keys(bodies)) {
		test(`${path}: only an assistance contact of the posting organisation`, async () => {
			const ok = await call(server, cast.kenEditor, 'POST', path, { json: bodies[path]({ contact: ids.kenPublic }) });
			expectStatus(ok, 201, 'own assistance contact');
			assert.equal(ok.data.contact, ids.kenPublic);
			assert.equal(ok.data.contact_summary.href, `/contacts/${ids.kenPublic}`);
			for (const [what, contact] of [['technical contact', ids.kenTechnical], ["another state's contact", ids.fraPublic], ['withdrawn contact', ids.kenWithdrawn], ['no such item', 99999999], ['an item of another kind', ok.data.id], ['text', 'desk'], ['zero', 0], ['negative', -3], ['a list', [ids.kenPublic]]]) {
				expectInvalid(await call(server, cast.kenEditor, 'POST', path, { json: bodies[path]({ contact }) }), 'contact', what);
			}
			// The free-text fields are gone.
			expectInvalid(await call(server, cast.kenEditor, 'POST', path, { json: bodies[path]({ contact_email: 'desk@ken.example.org' }) }), 'contact_email');
			// A form gets the message beside the field, in the reader's language.
			const fields = bodies[path]({ contact: String(ids.fraPublic) });
			delete fields.lang;
			const form = await call(server, cast.kenEditor, 'POST', `!${path}?lang=fr`, { form: fields });
			expectStatus(form, 422, 'form');
			assert.match(form.text, /id="cap-contact-error"/);
			assert.match(form.text, /Choisissez un contact d’assistance de l’organisation/);
		});
	}

	test('the Secretariat acting for a state links that state\'s contact, not another\'s', async () => {
		const ok = await call(server, cast.secAdmin, 'POST', '/needs', { json: bodies['/needs']({ acting_for_org: cast.orgs.kenya, contact: ids.kenPublic }) });
		expectStatus(ok, 201, 'acting for Kenya');
		assert.equal(ok.data.item.owner.id, cast.orgs.kenya);
		assert.equal(ok.data.contact, ids.kenPublic);
		expectInvalid(await call(server, cast.secAdmin, 'POST', '/needs', { json: bodies['/needs']({ acting_for_org: cast.orgs.kenya, contact: ids.fraPublic }) }), 'contact');
		// Its own entry cannot take a state's contact.
		expectInvalid(await call(server, cast.secAdmin, 'POST', '/offers', { json: bodies['/offers']({ contact: ids.kenPublic }) }), 'contact');
	});

	test('the form offers the organisation\'s assistance contacts', async () => {
		const page = await call(server, cast.kenEditor, 'GET', '!/calendar/new');
		expectStatus(page, 200, 'new form');
		const select = page.text.match(/<select id="cap-contact" name="contact"[^>]*>([\s\S]*?)<\/select>/);
		assert.ok(select, 'a <select> of contacts');
		assert.match(page.text, /<label for="cap-contact">/);
		for (const id of [ids.kenPublic, ids.kenRestricted]) assert.match(select[1], new RegExp(`value="${id}"`));
		for (const id of [ids.kenTechnical, ids.fraPublic, ids.kenWithdrawn]) assert.doesNotMatch(select[1], new RegExp(`value="${id}"`));
		assert.match(select[1], /Kenya assistance desk — Amina Otieno/);
		// The edit form has the current contact selected.
		const e = await call(server, cast.kenEditor, 'POST', '/offers', { json: bodies['/offers']({ contact: ids.kenRestricted }) });
		expectStatus(e, 201, 'offer');
		const edit = await call(server, cast.kenEditor, 'GET', `!/offers/${e.data.id}/edit`);
		assert.match(edit.text, new RegExp(`<option value="${ids.kenRestricted}" dir="auto" selected>`));
		// France's form lists France's.
		const fra = (await call(server, cast.fraEditor, 'GET', '!/needs/new')).text.match(/<select id="cap-contact" name="contact"[^>]*>([\s\S]*?)<\/select>/)[1];
		assert.match(fra, new RegExp(`value="${ids.fraPublic}"`));
		assert.doesNotMatch(fra, new RegExp(`value="${ids.kenPublic}"`));
	});

	test('an edit changes or clears the contact; a wrong one is refused', async () => {
		const e = await call(server, cast.kenEditor, 'POST', '/calendar', { json: bodies['/calendar']({ title: 'Edit my contact', contact: ids.kenPublic }) });
		expectStatus(e, 201, 'event');
		const moved = await call(server, cast.kenEditor, 'POST', `/calendar/${e.data.id}`, { json: { version: e.data.item.version, contact: ids.kenRestricted } });
		expectStatus(moved, 200, 'change');
		assert.equal(moved.data.contact, ids.kenRestricted);
		expectInvalid(await call(server, cast.kenEditor, 'POST', `/calendar/${e.data.id}`, { json: { version: moved.data.item.version, contact: ids.fraPublic } }), 'contact');
		const cleared = await call(server, cast.kenEditor, 'POST', `/calendar/${e.data.id}`, { json: { version: moved.data.item.version, contact: null } });
		expectStatus(cleared, 200, 'clear');
		assert.equal(cleared.data.contact, null);
		assert.equal(cleared.data.contact_summary, undefined);
		assert.equal((await server.db.sql(`SELECT COUNT(*) FROM capacity_entries WHERE item_id = ${e.data.id} AND contact_item_id IS NULL`)).trim(), '1');
	});
});

describe('who sees the contact', () => {
	let event;
	before(async () => {
		const r = await call(server, cast.kenEditor, 'POST', '/calendar', { json: bodies['/calendar']({ title: 'Public event, restricted contact', contact: ids.kenRestricted }) });
		expectStatus(r, 201, 'event');
		event = r.data;
		assert.equal((await server.db.sql(`SELECT contact_item_id FROM capacity_entries WHERE item_id = ${event.id}`)).trim(), String(ids.kenRestricted));
	});

	const viewers = () => ({ anonymous: null, kenReader: cast.kenReader, deuReader: cast.deuReader, pseEditor: cast.pseEditor, stkEditor: cast.stkEditor, regEditor: cast.regEditor, unEditor: cast.unEditor, secReader: cast.secReader });

	test('exactly those who may see the contact in the directory', async () => {
		const seen = { yes: [], no: [] };
		for (const [name, who] of Object.entries(viewers())) {
			const direct = await call(server, who, 'GET', `/contacts/${ids.kenRestricted}`);
			const may = direct.status === 200;
			assert.ok(may || direct.status === 404, `${name}: ${direct.status}`);
			const got = await call(server, who, 'GET', `/calendar/${event.id}`);
			expectStatus(got, 200, `${name} sees the public event`);
			const page = await call(server, who, 'GET', `!/calendar/${event.id}`);
			const ics = await call(server, who, 'GET', `!/calendar/${event.id}/event.ics`);
			const list = await call(server, who, 'GET', '/calendar?per_page=100');
			const row = list.data.items.find((x) => x.id === event.id);
			if (may) {
				seen.yes.push(name);
				assert.equal(got.data.contact, ids.kenRestricted, name);
				assert.deepEqual(got.data.contact_summary.emails, ['hidden@ken.example.org'], name);
				assert.match(page.text, new RegExp(`href="/contacts/${ids.kenRestricted}"`), name);
				assert.match(page.text, /mailto:hidden@ken\.example\.org/, name);
				assert.match(ics.text, /ORGANIZER;CN="Kenya restricted desk":mailto:hidden@ken\.example\.org/, name);
				assert.equal(row.contact, ids.kenRestricted, name);
			} else {
				seen.no.push(name);
				assert.equal(got.data.contact, null, `${name}: not even the id`);
				assert.equal(got.data.contact_summary, undefined, name);
				assert.doesNotMatch(page.text, /hidden@ken\.example\.org|Kenya restricted desk/, name);
				assert.doesNotMatch(page.text, new RegExp(`/contacts/${ids.kenRestricted}\\b`), name);
				assert.doesNotMatch(ics.text, /ORGANIZER|hidden@/, name);
				assert.equal(row.contact, null, name);
			}
		}
		assert.ok(seen.yes.includes('kenReader') && seen.yes.includes('deuReader'), `states see a restricted contact: ${seen.yes}`);
		assert.ok(seen.no.includes('anonymous') && seen.no.includes('stkEditor'), `others do not: ${seen.no}`);
	});

	test('a public contact shows to everyone, with its page linked', async () => {
		const r = await call(server, cast.kenEditor, 'POST', '/needs', { json: bodies['/needs']({ title: 'Public need, public contact', contact: ids.kenPublic }) });
		expectStatus(r, 201, 'need');
		const page = await call(server, null, 'GET', `!/needs/${r.data.id}`);
		assert.match(page.text, new RegExp(`<a href="/contacts/${ids.kenPublic}" dir="auto">Kenya assistance desk</a>`));
		assert.match(page.text, /Amina Otieno/);
		assert.match(page.text, /mailto:desk@ken\.example\.org/);
		assert.match(page.text, /lang="sw"/);
	});
});

describe('migration 3 and the demo data', () => {
	test('the old free-text contact leaves the content; the column is added', async () => {
		const db = await createDatabase();
		let s = await startServer({ db });
		try {
			const c = await makeCast(s);
			const e = await call(s, c.kenEditor, 'POST', '/calendar', { json: bodies['/calendar']({ title: 'Before migration 3' }) });
			expectStatus(e, 201, 'event');
			await s.stop();
			// Back to version 2: the column gone, the old fields in the content.
			await db.sql(`UPDATE capacity_entries SET content = REPLACE(content, '"event_kind"', '"contact_name":"Old name","contact_email":"old@example.org","event_kind"'); DROP INDEX capacity_entries_contact; ALTER TABLE capacity_entries DROP COLUMN contact_item_id; DELETE FROM schema_migrations WHERE component = 'capacity' AND version = 3;`);
			assert.match(await db.sql(`SELECT content FROM capacity_entries WHERE item_id = ${e.data.id}`), /old@example\.org/);
			s = await startServer({ db });
			const content = await db.sql(`SELECT content FROM capacity_entries WHERE item_id = ${e.data.id}`);
			assert.doesNotMatch(content, /contact_name|contact_email|old@example/);
			assert.match(content, /"event_kind":"workshop"/);
			assert.equal((await db.sql(`SELECT COUNT(*) FROM capacity_entries WHERE contact_item_id IS NULL`)).trim(), '1');
			const got = await call(s, null, 'GET', `/calendar/${e.data.id}`);
			expectStatus(got, 200, 'still readable');
			assert.equal(got.data.contact_email, undefined);
		} finally {
			await s.stop().catch(() => {});
			await db.drop();
		}
	});

	test('demo programmes, needs and offers link their organisation\'s demo assistance contact', async () => {
		const s = await startServer({ demo: true });
		try {
			const list = await call(s, null, 'GET', '/calendar?per_page=100&from=2027-01-01');
			const ws = list.data.items.find((x) => /exercise planning workshop/.test(x.title));
			assert.ok(ws, 'the demo workshop');
			const got = await call(s, null, 'GET', `/calendar/${ws.id}`);
			assert.equal(got.data.contact_summary.function_title, 'Cyber capacity building coordinator (demo)');
			assert.deepEqual(got.data.contact_summary.emails, ['capacity@est.demo.invalid']);
			const owners = await s.db.sql("SELECT COUNT(*) FROM capacity_entries e JOIN items c ON c.id = e.contact_item_id JOIN items i ON i.id = e.item_id WHERE c.module = 'contacts' AND c.owner_org = i.owner_org");
			assert.equal(owners.trim(), String((await s.db.sql("SELECT COUNT(*) FROM capacity_entries")).trim()), 'every demo entry linked to its own organisation\'s contact');
			const page = await call(s, null, 'GET', `!/calendar/${ws.id}`);
			assert.ok(page.text.includes('<time datetime="2027-02-02T08:00:00Z">2 Feb 2027, 10:00</time>–<time datetime="2027-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)'), 'the demo workshop\'s dates for people');
		} finally {
			await s.stop();
		}
	});
});
