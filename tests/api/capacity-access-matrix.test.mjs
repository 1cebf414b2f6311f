// The visibility matrix for capacity building (SECURITY.md Z1, Z2, Z3): events,
// needs and offers that are public, restricted, named, draft and pending, each
// with a canary in its title, against every kind of principal, through every
// channel that can show them: the page and its API twin, the list, the
// iCalendar feeds (the calendar's and the event's own), the suggestions of
// matching and the assistance map's counts. What the oracle of
// lib/access-oracle.mjs says a principal may not see answers 404 like a missing
// id and appears nowhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { canSee } from './lib/access-oracle.mjs';
import { call, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { ENGINE, startServer } from './lib/server.mjs';

let server;
let cast;
const items = [];
let principals;

const base = {
	event: (title) => ({ title, lang: 'en', event_kind: 'workshop', topics: ['confidence_building'], starts: '2032-02-10T09:00',
		ends: '2032-02-10T17:00', timezone: 'Asia/Tokyo', modality: 'online', languages: ['en'] }),
	need: (title) => ({ title, lang: 'en', topics: ['confidence_building'], help_kinds: ['advisory'], languages: ['en'] }),
	offer: (title) => ({ title, lang: 'en', topics: ['confidence_building'], help_kinds: ['advisory'], languages: ['en'], modalities: ['online'] }),
};
const PATHS = { event: '/calendar', need: '/needs', offer: '/offers' };

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const o = cast.orgs;
	const kinds = { [o.secretariat]: 'secretariat', [o.kenya]: 'member_state', [o.france]: 'member_state', [o.germany]: 'member_state',
		[o.palestine]: 'observer_state', [o.stakeholder]: 'stakeholder', [o.regional]: 'regional_org', [o.unbody]: 'un_body' };
	const p = (key, who, org, role) => ({ key, who, org, kind: org === null ? null : kinds[org], role });
	principals = [
		p('anonymous', null, null, null),
		p('stakeholder', cast.stkEditor, o.stakeholder, 'editor'),
		p('regional', cast.regEditor, o.regional, 'editor'),
		p('unbody', cast.unEditor, o.unbody, 'editor'),
		p('kenReader', cast.kenReader, o.kenya, 'reader'),
		p('fraEditor', cast.fraEditor, o.france, 'editor'),
		p('observer', cast.pseEditor, o.palestine, 'editor'),
		p('secReader', cast.secReader, o.secretariat, 'reader'),
	];
	let n = 0;
	const make = async (entry, who, ownerOrg, extra, record) => {
		const title = `CANARY-${entry}-${record.label}-${ENGINE}-${++n}`;
		const res = await call(server, who, 'POST', PATHS[entry], { json: { ...base[entry](title), ...extra } });
		expectStatus(res, 201, title);
		items.push({ entry, id: res.data.id, title, owner: ownerOrg, ownerKind: kinds[ownerOrg], shares: [], ...record });
	};
	for (const entry of ['event', 'need', 'offer']) {
		await make(entry, cast.kenEditor, o.kenya, { visibility: 'public' }, { label: 'public', visibility: 'public', status: 'published' });
		await make(entry, cast.kenEditor, o.kenya, { visibility: 'restricted' }, { label: 'restricted', visibility: 'restricted', status: 'published' });
		await make(entry, cast.kenEditor, o.kenya, { visibility: 'named', shares: [o.stakeholder] }, { label: 'named', visibility: 'named', status: 'published', shares: [o.stakeholder] });
		await make(entry, cast.kenEditor, o.kenya, { visibility: 'public', draft: true }, { label: 'draft', visibility: 'public', status: 'draft' });
		if (entry !== 'need') {
			await make(entry, cast.regEditor, o.regional, { visibility: 'public' }, { label: 'pending', visibility: 'public', status: 'pending' });
		}
	}
});
after(async () => {
	await server?.stop();
});

describe('capacity: who sees what, through every channel', () => {
	test('pages, API twins and one-event .ics: 404 exactly when the oracle says no', async () => {
		let cells = 0;
		const missing = await call(server, null, 'GET', '/calendar/999999999');
		for (const p of principals) {
			for (const it of items) {
				const seen = canSee(p, it, false);
				const api = await call(server, p.who, 'GET', `${PATHS[it.entry]}/${it.id}`);
				const page = await call(server, p.who, 'GET', `!${PATHS[it.entry]}/${it.id}`);
				assert.equal(api.status, seen ? 200 : 404, `${p.key} API ${it.title}`);
				assert.equal(page.status, seen ? 200 : 404, `${p.key} page ${it.title}`);
				if (!seen) assert.deepEqual(api.data, missing.data, 'the same body as a missing id');
				if (it.entry === 'event') {
					const ics = await call(server, p.who, 'GET', `!/calendar/${it.id}/event.ics`);
					assert.equal(ics.status, seen ? 200 : 404, `${p.key} ics ${it.title}`);
				}
				// Another kind's path never shows an entry.
				const other = it.entry === 'need' ? '/offers' : '/needs';
				expectStatus(await call(server, p.who, 'GET', `${other}/${it.id}`), 404, 'wrong kind');
				cells++;
			}
		}
		console.log(`capacity access matrix (${ENGINE}): ${principals.length} principals x ${items.length} items = ${cells} cells`);
	});

	test('lists, feeds, suggestions and the map carry no canary a principal may not see', async () => {
		// A need and an offer that everything matches, to read the suggestions through.
		const probeNeed = await call(server, cast.fraEditor, 'POST', '/needs', { json: { ...base.need('Probe need'), visibility: 'public' } });
		const probeOffer = await call(server, cast.fraEditor, 'POST', '/offers', { json: { ...base.offer('Probe offer'), visibility: 'public' } });
		for (const p of principals) {
			const texts = [];
			for (const path of ['/calendar?topic=confidence_building', '/needs?topic=confidence_building', '/offers?topic=confidence_building']) {
				const res = await call(server, p.who, 'GET', path);
				expectStatus(res, 200, path);
				texts.push(res.text);
				texts.push((await call(server, p.who, 'GET', `!${path}`)).text);
			}
			texts.push((await call(server, p.who, 'GET', '!/calendar.ics')).text);
			texts.push((await call(server, p.who, 'GET', '!/calendar?view=month&month=2032-02')).text);
			const needPage = await call(server, p.who, 'GET', `/needs/${probeNeed.data.id}`);
			const offerPage = await call(server, p.who, 'GET', `/offers/${probeOffer.data.id}`);
			texts.push(JSON.stringify(needPage.data.matches), JSON.stringify(offerPage.data.matches));
			const all = texts.join('\n');
			for (const it of items) {
				const seen = canSee(p, it, false);
				const inFeedsOrSuggestions = seen && it.status === 'published';
				if (!seen) assert.ok(!all.includes(it.title), `${p.key} must not find ${it.title}`);
				if (inFeedsOrSuggestions) {
					const listed = all.includes(it.title);
					assert.ok(listed, `${p.key} should find ${it.title}`);
				}
			}
			// The map counts only what the principal sees.
			const map = (await call(server, p.who, 'GET', '/capacity/map')).data;
			const row = map.rows.find((r) => r.topic === 'confidence_building');
			const africa = row.cells.find((c) => c.region === '002');
			const needsSeen = items.filter((it) => it.entry === 'need' && it.status === 'published' && canSee(p, it, false)).length;
			assert.equal(africa.needs, needsSeen, `${p.key}: needs counted in Africa`);
		}
	});
});
