// Red team: what hidden writes do to the answers of those who may not see them.
//
// DESIGN.md: something a principal may not see "never shows in counts, search results,
// feeds, exports, facets or autocomplete". The strongest form of that: every anonymous
// (and stakeholder, and observer) answer of every list, feed, export, map, profile and
// search is byte for byte the same before and after member states write restricted,
// named and draft items of every kind and a regional organisation submits one, all full of the
// words those answers are about. Feeds' validators (ETag) do not move either, so a
// poller cannot time a restricted write. Then a public item narrowed to restricted
// leaves every anonymous channel at once, its history included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { newPerson, signIn } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
let publicItem;

const CHANNELS = [
	'!/', '/search?q=strategy', '!/search?q=strategy', '/search?q=strategy&module=policies', '/search?q=zqxv',
	'/search?q=incident', '/policies', '!/policies', '/policies?country=KEN', '!/policies.csv', '!/policies.json',
	'!/policies.atom', '/countries', '/countries/KEN', '!/countries/KEN', '/contacts', '!/contacts.csv', '!/contacts.vcf',
	'/contacts?country=KEN', '/needs', '/offers', '/calendar', '!/calendar.ics', '!/calendar.atom',
	'/calendar?view=month&month=2030-03', '/capacity/map', '!/capacity/map.svg', '/needs?region=002', '/compare?country=KEN&country=FRA',
];

const CANARY = 'zqxv';

async function snapshot(who) {
	const out = {};
	for (const path of CHANNELS) {
		const res = await call(server, who, 'GET', path);
		assert.ok(res.status < 500, `${path}: ${res.status}`);
		// The Atom feeds' <updated> of an empty feed is the time of the answer.
		out[path] = { status: res.status, etag: res.headers.etag, lastModified: res.headers['last-modified'], text: res.text.replace(/<updated>[^<]*<\/updated>/g, '') };
	}
	return out;
}

const need = (title, extra = {}) => ({
	title, lang: 'en', description: `Need: ${title} strategy incident`, topics: ['incident_response'], help_kinds: ['training'],
	languages: ['en'], ...extra,
});
const offer = (title, extra = {}) => ({
	title, lang: 'en', description: `Offer: ${title} strategy incident`, topics: ['incident_response'], help_kinds: ['training'],
	languages: ['en'], modalities: ['online'], ...extra,
});
const event = (title, extra = {}) => ({
	title, lang: 'en', description: `About ${title} strategy incident.`, event_kind: 'workshop', topics: ['incident_response'],
	starts: '2030-03-10T09:00', ends: '2030-03-12T17:00', timezone: 'Africa/Nairobi', modality: 'in_person',
	place: 'Nairobi', languages: ['en'], ...extra,
});

let baseline;
const viewers = () => [['anonymous', null], ['stakeholder', cast.stkEditor], ['observer', cast.pseEditor], ['UN body', cast.unEditor]];

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	// Something public everywhere, so the answers are not all empty.
	publicItem = await createPolicy(server, cast.kenAdmin, { title: 'Kenya public strategy', kind: 'national_strategy', summary: 'A public strategy on incident response.', lang: 'en', visibility: 'public' });
	expectStatus(await call(server, cast.fraEditor, 'POST', '/needs', { json: need('Public need', { visibility: 'public' }) }), 201, 'public need');
	expectStatus(await call(server, cast.fraEditor, 'POST', '/offers', { json: offer('Public offer', { visibility: 'public' }) }), 201, 'public offer');
	expectStatus(await call(server, cast.fraEditor, 'POST', '/calendar', { json: event('Public event', { visibility: 'public' }) }), 201, 'public event');
	expectStatus(await call(server, cast.fraEditor, 'POST', '/contacts', { json: { kind: 'technical', function_title: 'Public duty', emails: ['duty@cert.example.fr'] } }), 201, 'contact');
	baseline = {};
	// Twice: a route's first answer after start-up is not kept (the server learns then
	// that the route's answers may be), the second is.
	for (const [name, who] of viewers()) await snapshot(who);
	for (const [name, who] of viewers()) baseline[name] = await snapshot(who);
});
after(async () => {
	await server?.stop();
});

test('hidden writes of every kind change no byte of what others are answered', async () => {
	const hidden = [];
	const variants = [
		['restricted', { visibility: 'restricted' }],
		['named', { visibility: 'named', shares: [cast.orgs.france] }],
		['draft', { visibility: 'public', draft: true }],
	];
	for (const [v, extra] of variants) {
		const title = `${CANARY} ${v} strategy incident`;
		hidden.push(await createPolicy(server, cast.kenAdmin, { title: `Policy ${title}`, kind: 'national_strategy', summary: `Summary ${title}`, lang: 'en', ...extra }));
		for (const [path, body] of [['/needs', need(`Need ${title}`, extra)], ['/offers', offer(`Offer ${title}`, extra)], ['/calendar', event(`Event ${title}`, extra)]]) {
			expectStatus(await call(server, cast.kenEditor, 'POST', path, { json: body }), 201, `${path} ${v}`);
		}
		expectStatus(await call(server, cast.kenEditor, 'POST', '/contacts', {
			json: { kind: 'technical', function_title: `Duty ${title}`, emails: [`${v}@cert.example.ke`], ...extra },
		}), 201, `contact ${v}`);
	}
	// A regional organisation's pending submission (waits for the Secretariat).
	await createPolicy(server, cast.regEditor, { title: `Pending ${CANARY} strategy incident`, kind: 'other', summary: `Pending ${CANARY}`, lang: 'en' });
	// An edit of a restricted item (a restricted write that a poller must not see).
	const env = (await call(server, cast.kenAdmin, 'GET', `/items/${hidden[0].id}`)).data;
	expectStatus(await call(server, cast.kenAdmin, 'POST', `/policies/${hidden[0].id}`, { json: { version: env.version, summary: `Edited ${CANARY}` } }), 200, 'edit restricted');

	// A second at least since the first answers, so a time made anew would differ.
	await new Promise((resolve) => setTimeout(resolve, 1100));
	let timed = 0;
	for (const [name, who] of viewers()) {
		const now = await snapshot(who);
		timed += CHANNELS.filter((p) => now[p].lastModified).length;
		for (const path of CHANNELS) {
			assert.ok(!now[path].text.includes(CANARY) || path.includes(CANARY), `${name} ${path}: shows the canary: ${now[path].text.slice(Math.max(0, now[path].text.indexOf(CANARY) - 600), now[path].text.indexOf(CANARY) + 200)}`);
			assert.equal(now[path].status, baseline[name][path].status, `${name} ${path}: status moved`);
			assert.equal(now[path].text, baseline[name][path].text, `${name} ${path}: the answer changed after hidden writes`);
			assert.equal(now[path].etag, baseline[name][path].etag, `${name} ${path}: the ETag moved after hidden writes`);
			assert.equal(now[path].lastModified, baseline[name][path].lastModified, `${name} ${path}: Last-Modified moved after hidden writes`);
		}
	}
	assert.ok(timed >= 1, `some answers carry Last-Modified (${timed})`);
	// A member state does see them (the writes were real).
	const seen = await call(server, cast.fraEditor, 'GET', `/search?q=${CANARY}`);
	assert.ok(seen.data.total >= 4, `a member state finds the restricted and named items: ${seen.data.total}`);
});

test('a public item narrowed to restricted leaves every anonymous channel, its history included', async () => {
	const before = await call(server, null, 'GET', `/items/${publicItem.id}/history`);
	expectStatus(before, 200, 'history while public');
	const env = (await call(server, cast.kenAdmin, 'GET', `/items/${publicItem.id}`)).data;
	expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${publicItem.id}/access`, { json: { visibility: 'restricted', version: env.version } }), 200, 'narrow');
	for (const [name, who] of viewers()) {
		for (const path of [`/policies/${publicItem.id}`, `/items/${publicItem.id}`, `/items/${publicItem.id}/history`,
			`/items/${publicItem.id}/history?version=1`, `/policies/${publicItem.id}?version=1`, `/compare?items=${publicItem.id}`]) {
			const res = await call(server, who, 'GET', path);
			assert.ok(!res.text.includes('Kenya public strategy'), `${name} ${path}: ${res.status} shows the narrowed item`);
		}
		for (const path of ['/search?q=strategy', '!/policies.atom', '!/policies.json', '!/policies.csv', '/policies', '/countries/KEN']) {
			const res = await call(server, who, 'GET', path);
			assert.ok(!res.text.includes('Kenya public strategy'), `${name} ${path}: shows the narrowed item`);
		}
	}
	// Cached anonymous copies made while it was public are not served after.
	const page = await request(server, `/policies/${publicItem.id}`, { headers: { Accept: 'text/html' } });
	assert.equal(page.status, 404);
});

test('a kept anonymous answer is never served to a signed-in caller, nor the reverse', async () => {
	const secret = await createPolicy(server, cast.kenAdmin, { title: 'Cache probe restricted', kind: 'other', summary: 'S.', lang: 'en', visibility: 'restricted' });
	const person = await newPerson(server, { org: cast.orgs.france, email: 'cache-probe@fra.test', role: 'reader' });
	const browser = await signIn(server, person);
	let kept = 0;
	for (const path of ['/policies', '/search?q=probe', '/policies.json', '/policies.atom', '/countries/KEN']) {
		for (const api of [false, true]) {
			const target = api && !path.includes('.') ? `/api/v1${path}` : path;
			const accept = api ? 'application/json' : 'text/html';
			// Warm the anonymous copy twice (the first answer of a route teaches the cache).
			for (let i = 0; i < 2; i++) await request(server, target, { headers: { Accept: accept } });
			const anon = await request(server, target, { headers: { Accept: accept } });
			assert.ok(!anon.text.includes('Cache probe restricted'), `anonymous ${target}`);
			const bearer = await request(server, target, { headers: { Accept: accept, ...cast.fraEditor.headers } });
			const cookie = await browser.get(target, { headers: { Accept: accept } });
			for (const [who, res] of [['bearer', bearer], ['cookie', cookie]]) {
				assert.equal(res.status, 200, `${who} ${target}`);
				assert.ok(res.text.includes('Cache probe restricted'), `${who} ${target}: served the anonymous copy`);
				assert.equal(res.headers['cache-control'], 'no-store', `${who} ${target}: Cache-Control`);
				assert.equal(res.headers.etag, undefined, `${who} ${target}: no ETag on a personal answer`);
			}
			// With the anonymous copy's validator, a member state still gets the full answer.
			if (anon.headers.etag) {
				kept++;
				const revalidate = await request(server, target, { headers: { Accept: accept, ...cast.fraEditor.headers, 'If-None-Match': anon.headers.etag } });
				assert.equal(revalidate.status, 200, `${target}: a signed-in revalidation`);
				const cookieRevalidate = await browser.get(target, { headers: { Accept: accept, 'If-None-Match': anon.headers.etag } });
				assert.equal(cookieRevalidate.status, 200, `${target}: a signed-in revalidation (cookie)`);
			}
			// And the anonymous copy was not replaced by a signed-in answer.
			const again = await request(server, target, { headers: { Accept: accept } });
			assert.ok(!again.text.includes('Cache probe restricted'), `anonymous again ${target}`);
			assert.equal(again.headers.etag, anon.headers.etag, `anonymous again ${target}: same copy`);
		}
	}
	assert.ok(kept >= 4, `anonymous answers kept with an ETag: ${kept}`);
	expectStatus(await call(server, null, 'GET', `/policies/${secret.id}`), 404, 'anonymous item');
});
