// Needs and offers: their fields and refusals, who may post and see them, the
// provider's answer to a need, outcomes, and matching on a small hand-made set
// whose best matches and their explanations are known.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
let kenContact;
let fraContact;
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const contact = async (who, function_title, email) => {
		const c = await call(server, who, 'POST', '/contacts', { json: { kind: 'assistance', function_title, emails: [email], languages: ['en'], visibility: 'public' } });
		expectStatus(c, 201, function_title);
		return c.data.id;
	};
	kenContact = await contact(cast.kenEditor, 'Forensics focal point', 'kamau@example.go.ke');
	fraContact = await contact(cast.fraEditor, 'Bureau de la coopération', 'bureau@example.fr');
});
after(async () => {
	await server?.stop();
});

const need = (title, extra = {}) => ({
	title, lang: 'en', description: `Need: ${title}`, topics: ['incident_response'], help_kinds: ['training'],
	languages: ['en'], visibility: 'public', ...extra,
});
const offer = (title, extra = {}) => ({
	title, lang: 'en', description: `Offer: ${title}`, topics: ['incident_response'], help_kinds: ['training'],
	languages: ['en'], modalities: ['online'], visibility: 'public', ...extra,
});
async function post(who, path, body, status = 201) {
	const res = await call(server, who, 'POST', path, { json: body });
	expectStatus(res, status, `${path} ${body.title}`);
	return res.data;
}

describe('needs and offers: fields', () => {
	test('a need: every field round-trips', async () => {
		const n = await post(cast.kenEditor, '/needs', need('Forensics lab staff', {
			topics: ['digital_forensics', 'cybercrime'], help_kinds: ['training', 'technical_assistance'],
			audience: ['law_enforcement'], modalities: ['in_person', 'hybrid'], languages: ['en', 'fr'],
			from: '2030-01-01', until: '2030-06-30', urgency: 'high', contact: kenContact,
		}));
		const got = (await call(server, null, 'GET', `/needs/${n.id}`)).data;
		assert.deepEqual(got.topics, ['digital_forensics', 'cybercrime']);
		assert.deepEqual(got.help_kinds, ['training', 'technical_assistance']);
		assert.equal(got.help_kinds_labels[1].name, 'Technical assistance');
		assert.deepEqual(got.audience, ['law_enforcement']);
		assert.deepEqual(got.modalities, ['in_person', 'hybrid']);
		assert.equal(got.from, '2030-01-01');
		assert.equal(got.until, '2030-06-30');
		assert.equal(got.urgency_label, 'High');
		assert.equal(got.contact, kenContact);
		assert.deepEqual(got.contact_summary.emails, ['kamau@example.go.ke']);
		assert.equal(got.status, 'open');
		assert.equal(got.country, 'KEN');
		assert.equal(got.providers_answered, 0);
		expectStatus(await call(server, null, 'GET', `!/needs/${n.id}`), 200, 'page');
	});

	test('an offer: every field round-trips', async () => {
		const o = await post(cast.fraEditor, '/offers', offer('Train the trainers', {
			topics: ['workforce_development'], help_kinds: ['training', 'advisory'], audience: ['cert_staff'],
			eligibility: 'states', eligible_states: ['KEN', 'SEN'], languages: ['fr'], modalities: ['in_person'],
			capacity: 40, from: '2030-01-01', until: '2030-12-31', contact: fraContact,
			offer_status: 'open',
		}));
		const got = (await call(server, null, 'GET', `/offers/${o.id}`)).data;
		assert.deepEqual(got.eligible_states, ['KEN', 'SEN']);
		assert.equal(got.eligible_states_labels[0].name, 'Kenya');
		assert.equal(got.capacity, 40);
		assert.equal(got.status, 'open');
		assert.deepEqual(got.help_kinds, ['training', 'advisory']);
		expectStatus(await call(server, null, 'GET', `!/offers/${o.id}`), 200, 'page');
	});

	for (const [path, body, field] of [
		['/needs', need('x', { help_kinds: ['equipment'] }), 'help_kinds'],
		['/needs', need('x', { help_kinds: [] }), 'help_kinds'],
		['/needs', need('x', { urgency: 'yesterday' }), 'urgency'],
		['/needs', need('x', { from: '2030-05-01', until: '2030-04-01' }), 'until'],
		['/needs', need('x', { need_status: 'solved' }), 'need_status'],
		['/needs', need('x', { modalities: ['carrier_pigeon'] }), 'modalities'],
		['/needs', need('x', { event_kind: 'workshop' }), 'event_kind'],
		['/offers', offer('x', { modalities: [] }), 'modalities'],
		['/offers', offer('x', { capacity: 100001 }), 'capacity'],
		['/offers', offer('x', { offer_status: 'sold' }), 'offer_status'],
		['/offers', offer('x', { eligibility: 'states' }), 'eligible_states'],
	]) {
		test(`refused: ${path} ${field}`, async () => {
			expectInvalid(await call(server, cast.kenEditor, 'POST', path, { json: body }), field);
		});
	}

	test('only states post needs; readers and anonymous post nothing', async () => {
		expectStatus(await call(server, cast.stkEditor, 'POST', '/needs', { json: need('x') }), 403, 'stakeholder');
		expectStatus(await call(server, cast.unEditor, 'POST', '/needs', { json: need('x') }), 403, 'UN body');
		expectStatus(await call(server, cast.kenReader, 'POST', '/needs', { json: need('x') }), 403, 'reader');
		expectStatus(await call(server, null, 'POST', '/needs', { json: need('x') }), 401, 'anonymous');
		// Any kind of organisation offers (a stakeholder's waits for review).
		const o = await post(cast.stkEditor, '/offers', offer('Stakeholder offer'));
		assert.equal(o.item.status, 'pending');
	});
});

describe('matching: a hand-made set', () => {
	let n1, n2, n3, o1, o2, o4, e1;
	before(async () => {
		// Kenya needs help with four topics, in French, online, in 2030.
		n1 = await post(cast.kenEditor, '/needs', need('Build a national CSIRT', {
			topics: ['incident_response', 'cert_csirt_development', 'cybercrime', 'digital_forensics'],
			languages: ['fr'], modalities: ['online'], from: '2030-01-01', until: '2030-12-31',
		}));
		// France needs Spanish-language help on cybercrime, whenever.
		n2 = await post(cast.fraEditor, '/needs', need('Cybercrime in Spanish', { topics: ['cybercrime'], languages: ['es'] }));
		// A need shared with France only.
		n3 = await post(cast.kenEditor, '/needs', need('Named need', { topics: ['cybercrime'], languages: ['fr'], visibility: 'named', shares: [cast.orgs.france] }));
		// 3 of 4 topics, French, online, open to Africa, in 2030: 30 + 20 + 15 + 15 + 10 = 90.
		o1 = await post(cast.fraEditor, '/offers', offer('CSIRT mentoring', {
			topics: ['incident_response', 'cert_csirt_development', 'cybercrime'], languages: ['fr', 'en'],
			modalities: ['online', 'in_person'], eligibility: 'regions', eligible_regions: ['002'],
			from: '2030-03-01', until: '2030-06-30',
		}));
		// 1 of 4 topics only, Spanish, in person, for France only, in 2031: 10.
		o2 = await post(cast.secEditor, '/offers', offer('Cybercrime law clinic', {
			topics: ['cybercrime'], languages: ['es'], modalities: ['in_person'], eligibility: 'states',
			eligible_states: ['FRA'], from: '2031-01-01', until: '2031-03-31',
		}));
		// No shared topic: never suggested.
		await post(cast.fraEditor, '/offers', offer('Governance advice', { topics: ['governance'], languages: ['fr'] }));
		// Every topic, but restricted: only states see it (40 + 20 + 15 + 15 + 10 = 100).
		o4 = await post(cast.fraEditor, '/offers', offer('Restricted full package', {
			topics: ['incident_response', 'cert_csirt_development', 'cybercrime', 'digital_forensics'], languages: ['fr'],
			visibility: 'restricted',
		}));
		// A hybrid programme open to all in 2030 on one topic: 10 + 20 + 15 + 15 + 10 = 70.
		e1 = await post(cast.fraEditor, '/calendar', {
			title: 'Forensics summer school', lang: 'en', event_kind: 'training_course', topics: ['digital_forensics'],
			starts: '2030-05-04T09:00', ends: '2030-05-08T17:00', timezone: 'Europe/Paris', modality: 'hybrid',
			place: 'Lyon', languages: ['en', 'fr'], visibility: 'public',
		});
	});

	test('for a need: ranked offers and programmes, with reasons', async () => {
		const got = (await call(server, null, 'GET', `/needs/${n1.id}`)).data;
		assert.deepEqual(got.matches.map((m) => [m.title, m.score]), [
			['CSIRT mentoring', 90], ['Forensics summer school', 70], ['Cybercrime law clinic', 10],
		]);
		assert.equal(got.matches[0].explanation, '3 of 4 topics; both in French; Online as preferred; open to Africa; dates overlap');
		assert.equal(got.matches[0].href, `/offers/${o1.id}`);
		assert.equal(got.matches[1].explanation, '1 of 4 topics; both in French; Online as preferred; open to all; dates overlap');
		assert.equal(got.matches[1].href, `/calendar/${e1.id}`);
		assert.equal(got.matches[2].explanation, '1 of 4 topics; no common language; not in the preferred modality; not open to Kenya; dates do not overlap');
		assert.equal(got.matches[2].href, `/offers/${o2.id}`);
		// In the reader's language.
		const fr = (await call(server, null, 'GET', `/needs/${n1.id}?lang=fr`)).data;
		assert.equal(fr.matches[0].explanation, '3 thèmes sur 4; tous deux en français; En ligne, comme souhaité; ouvert à : Afrique; les dates se recoupent');
	});

	test('only what the caller may see is suggested', async () => {
		const ken = (await call(server, cast.kenReader, 'GET', `/needs/${n1.id}`)).data;
		assert.equal(ken.matches[0].title, 'Restricted full package');
		assert.equal(ken.matches[0].score, 100);
		assert.equal(ken.matches[0].href, `/offers/${o4.id}`);
		const stk = (await call(server, cast.stkEditor, 'GET', `/needs/${n1.id}`)).data;
		assert.ok(!stk.matches.some((m) => m.title === 'Restricted full package'));
		const page = await call(server, null, 'GET', `!/needs/${n1.id}`);
		assert.ok(!page.text.includes('Restricted full package'));
	});

	test('for a provider: the open needs an offer can serve', async () => {
		const anon = (await call(server, null, 'GET', `/offers/${o1.id}`)).data;
		// The need of the first suite (1 of 2 topics, French, in person, Africa, 2030) scores 20 + 20 + 15 + 15 + 10.
		assert.deepEqual(anon.matches.map((m) => [m.title, m.score]), [['Build a national CSIRT', 90], ['Forensics lab staff', 80], ['Cybercrime in Spanish', 65]]);
		assert.equal(anon.matches[1].explanation, '1 of 2 topics; both in English; In person as preferred; open to Africa; dates overlap');
		assert.equal(anon.matches[2].explanation, '1 of 1 topics; no common language; not open to France; dates overlap');
		const fra = (await call(server, cast.fraEditor, 'GET', `/offers/${o1.id}`)).data;
		assert.ok(fra.matches.some((m) => m.title === 'Named need'), 'France is named on it');
		const deu = (await call(server, cast.deuReader, 'GET', `/offers/${o1.id}`)).data;
		assert.ok(!deu.matches.some((m) => m.title === 'Named need'));
	});

	test('named needs: seen by the named provider only', async () => {
		expectStatus(await call(server, cast.fraEditor, 'GET', `/needs/${n3.id}`), 200, 'named');
		expectStatus(await call(server, cast.deuReader, 'GET', `/needs/${n3.id}`), 404, 'not named');
		expectStatus(await call(server, null, 'GET', `/needs/${n3.id}`), 404, 'anonymous');
		const list = (await call(server, cast.deuReader, 'GET', '/needs?topic=cybercrime')).data;
		assert.ok(!list.items.some((i) => i.id === n3.id));
		assert.ok((await call(server, cast.fraEditor, 'GET', '/needs?topic=cybercrime')).data.items.some((i) => i.id === n3.id));
	});

	test('a provider answers; the need counts the answers; outcomes are recorded', async () => {
		assert.equal((await call(server, cast.fraEditor, 'GET', `/needs/${n1.id}`)).data.can_answer, true);
		assert.equal((await call(server, cast.kenEditor, 'GET', `/needs/${n1.id}`)).data.can_answer, false, 'its own state');
		assert.equal((await call(server, cast.deuReader, 'GET', `/needs/${n1.id}`)).data.can_answer, false, 'a reader');
		assert.match((await call(server, cast.fraEditor, 'GET', `!/needs/${n1.id}`)).text, /action="\/needs\/\d+\/interest"/);
		assert.ok(!(await call(server, cast.kenEditor, 'GET', `!/needs/${n1.id}`)).text.includes('/interest"'));
		const res = await call(server, cast.fraEditor, 'POST', `/needs/${n1.id}/interest`, { json: { message: 'We can help in French.' } });
		expectStatus(res, 201, 'interest');
		assert.equal(res.data.providers_answered, 1);
		assert.equal(res.data.status, 'in_discussion');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/needs/${n1.id}/interest`, { json: {} }), 409, 'twice');
		expectStatus(await call(server, cast.kenEditor, 'POST', `/needs/${n1.id}/interest`, { json: {} }), 403, 'its own state');
		expectStatus(await call(server, cast.deuReader, 'POST', `/needs/${n1.id}/interest`, { json: {} }), 403, 'a reader');
		expectStatus(await call(server, null, 'POST', `/needs/${n1.id}/interest`, { json: {} }), 401, 'anonymous');
		expectStatus(await call(server, cast.deuEditor, 'POST', `/needs/${n3.id}/interest`, { json: {} }), 404, 'a need it cannot see');
		expectInvalid(await call(server, cast.secEditor, 'POST', `/needs/${n1.id}/interest`, { json: { message: 'x', owner: 1 } }), 'owner');
		const second = await call(server, cast.secEditor, 'POST', `/needs/${n1.id}/interest`, { json: {} });
		expectStatus(second, 201, 'a second provider');
		assert.equal(second.data.providers_answered, 2);
		// The state records the outcome.
		const v = (await call(server, cast.kenEditor, 'GET', `/needs/${n1.id}`)).data.item.version;
		const matched = await call(server, cast.kenEditor, 'POST', `/needs/${n1.id}`, { json: { version: v, need_status: 'matched' } });
		expectStatus(matched, 200, 'matched');
		assert.equal(matched.data.status, 'matched');
		const done = await call(server, cast.kenEditor, 'POST', `/needs/${n1.id}`, { json: { version: matched.data.item.version, need_status: 'fulfilled' } });
		assert.equal(done.data.status, 'fulfilled');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/needs/${n1.id}/interest`, { json: {} }), 409, 'no longer open');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/needs/${n1.id}`, { json: { version: done.data.item.version, need_status: 'open' } }), 404, 'the provider cannot edit the need');
	});

	test('lists: filters by region of the state, help, status', async () => {
		const africa = (await call(server, null, 'GET', '/needs?region=002&topic=cybercrime')).data.items.map((i) => i.title);
		assert.ok(africa.includes('Build a national CSIRT'));
		assert.ok(!africa.includes('Cybercrime in Spanish'), 'France is not in Africa');
		const europe = (await call(server, null, 'GET', '/needs?region=150')).data.items.map((i) => i.title);
		assert.deepEqual(europe, ['Cybercrime in Spanish']);
		const offersFr = (await call(server, null, 'GET', '/offers?language=fr&topic=cybercrime')).data.items.map((i) => i.title);
		assert.deepEqual(offersFr, ['CSIRT mentoring']);
		const open = (await call(server, cast.kenReader, 'GET', '/offers?open_to_me=1&topic=cybercrime')).data.items.map((i) => i.title).sort();
		assert.deepEqual(open, ['CSIRT mentoring', 'Restricted full package']);
		expectStatus(await call(server, null, 'GET', '!/needs'), 200, 'needs page');
		expectStatus(await call(server, null, 'GET', '!/offers'), 200, 'offers page');
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/needs/new'), 200, 'new need');
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/offers/new'), 200, 'new offer');
	});
});

describe('the assistance map', () => {
	before(async () => {
		await post(cast.kenEditor, '/needs', need('Threat intel for Kenya', { topics: ['threat_intelligence'] }));
		await post(cast.fraEditor, '/offers', offer('Threat intel for Europe', { topics: ['threat_intelligence'], eligibility: 'regions', eligible_regions: ['155'] }));
		await post(cast.kenEditor, '/needs', need('Restricted gender need', { topics: ['gender_inclusion'], visibility: 'restricted' }));
	});
	const cell = (model, topic, region) => model.rows.find((r) => r.topic === topic).cells.find((c) => c.region === region);
	test('needs and offers by topic and region, gaps marked, only what the caller sees', async () => {
		const anon = (await call(server, null, 'GET', '/capacity/map')).data;
		assert.deepEqual(anon.regions.map((r) => r.code), ['002', '019', '142', '150', '009']);
		assert.deepEqual(cell(anon, 'threat_intelligence', '002'), { region: '002', needs: 1, offers: 0, gap: true });
		assert.deepEqual(cell(anon, 'threat_intelligence', '150'), { region: '150', needs: 0, offers: 1, gap: false }, 'Western Europe counts in Europe');
		assert.equal(cell(anon, 'gender_inclusion', '002').needs, 0, 'restricted: not for anonymous');
		const ken = (await call(server, cast.kenReader, 'GET', '/capacity/map')).data;
		assert.equal(cell(ken, 'gender_inclusion', '002').needs, 1);
		assert.equal(cell(ken, 'gender_inclusion', '002').gap, true);
		const page = await call(server, null, 'GET', '!/capacity/map');
		expectStatus(page, 200, 'page');
		assert.match(page.text, /<table class="capacity-map-table">/);
		assert.match(page.text, /<img src="\/capacity\/map.svg\?lang=en" alt="[^"]+">/);
		const svg = await call(server, null, 'GET', '!/capacity/map.svg');
		expectStatus(svg, 200, 'svg');
		assert.match(svg.headers['content-type'], /^image\/svg\+xml/);
		assert.match(svg.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
		assert.match(svg.text, />1 \/ 0 !<\/text>/);
		assert.match(svg.text, /Confidence-building measures/);
		const fr = await call(server, null, 'GET', '!/capacity/map.svg?lang=fr');
		assert.match(fr.text, /Afrique/);
		assert.match(fr.text, /Renseignement sur les menaces/);
	});
});
