// Red team: write routes as an oracle of existence.
//
// SECURITY.md Z1/Z4: a write aimed at an item the caller may not see answers exactly
// like one aimed at an id that never existed (status, error code, field, message), from
// every module's write routes, whatever the body; and it changes nothing. Hidden items:
// a member state's restricted, named and draft items of every kind, and a stakeholder's
// pending submission; callers: anonymous, a stakeholder, a regional organisation, a UN
// body, an observer state, a third member state (for the named and draft ones), and
// the Secretariat (for the draft).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { loadRoutes, startServer, tableCounts } from './lib/server.mjs';

let server;
let cast;
const hidden = {}; // name -> { id, module path, seenBy: [keys of callers that see it] }

const need = (title, extra = {}) => ({
	title, lang: 'en', description: `Need: ${title}`, topics: ['incident_response'], help_kinds: ['training'], languages: ['en'], ...extra,
});
const offer = (title, extra = {}) => ({
	title, lang: 'en', description: `Offer: ${title}`, topics: ['incident_response'], help_kinds: ['training'], languages: ['en'], modalities: ['online'], ...extra,
});
const event = (title, extra = {}) => ({
	title, lang: 'en', description: `About ${title}.`, event_kind: 'workshop', topics: ['incident_response'],
	starts: '2030-03-10T09:00', ends: '2030-03-12T17:00', timezone: 'UTC', modality: 'online', languages: ['en'], ...extra,
});

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const variants = {
		restricted: { visibility: 'restricted' },
		named: { visibility: 'named', shares: [cast.orgs.france] },
		draft: { visibility: 'public', draft: true },
	};
	for (const [v, extra] of Object.entries(variants)) {
		hidden[`policy-${v}`] = (await createPolicy(server, cast.kenAdmin, { title: `P ${v}`, kind: 'other', summary: 'S', lang: 'en', ...extra })).id;
		for (const [kind, path, body] of [['need', '/needs', need], ['offer', '/offers', offer], ['event', '/calendar', event]]) {
			hidden[`${kind}-${v}`] = expectStatus(await call(server, cast.kenEditor, 'POST', path, { json: body(`${kind} ${v}`, extra) }), 201, `${kind} ${v}`).data.id;
		}
		hidden[`contact-${v}`] = expectStatus(await call(server, cast.kenEditor, 'POST', '/contacts', {
			json: { kind: 'technical', function_title: `Duty ${v}`, emails: [`${v}@cert.example.ke`], ...extra },
		}), 201, `contact ${v}`).data.id;
	}
	hidden['policy-pending'] = (await createPolicy(server, cast.stkEditor, { title: 'P pending', kind: 'other', summary: 'S', lang: 'en' })).id;
});
after(async () => {
	await server?.stop();
});

/** Who may not see an item of this variant (the oracle's rule, written out for these cases). */
function outsiders(variant) {
	const base = [['anonymous', null], ['regional', cast.regEditor], ['UN body', cast.unEditor]];
	switch (variant) {
	case 'restricted': return [...base, ['stakeholder', cast.stkEditor], ['observer', cast.pseEditor]];
	case 'named': return [...base, ['stakeholder', cast.stkEditor], ['observer', cast.pseEditor], ['third state', cast.deuAdmin]];
	case 'draft': return [...base, ['stakeholder', cast.stkEditor], ['observer', cast.pseEditor], ['third state', cast.deuAdmin], ['Secretariat admin', cast.secAdmin]];
	case 'pending': return [...base, ['observer', cast.pseEditor], ['third state', cast.deuAdmin], ['member state', cast.kenAdmin]];
	default: throw new Error(variant);
	}
}

const strip = (res) => ({
	status: res.status,
	code: res.data?.error?.code,
	field: res.data?.error?.field,
	message: res.data?.error?.message,
});

test('every write route answers a hidden item exactly like a missing id, and changes nothing', async () => {
	const routes = (await loadRoutes()).filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.pattern.includes('{id}')
		&& !/^\/(people|organisations|account|requests|ping)\b/.test(r.pattern));
	assert.ok(routes.length >= 12, `write routes on items: ${routes.map((r) => r.pattern).join(' ')}`);
	const before = await tableCounts(server.db);
	let cells = 0;
	for (const route of routes) {
		for (const [name, id] of Object.entries(hidden)) {
			const variant = name.split('-')[1];
			for (const [who, person] of outsiders(variant)) {
				for (const body of [{ version: 1 }, { version: 1, title: 'x', visibility: 'public', summary: 'x', body: 'x', message: 'x' }, {}]) {
					const at = (x) => route.pattern.replace('{id}', String(x)).replace('{aid}', '1');
					const res = await call(server, person, route.method, at(id), { json: body });
					const missing = await call(server, person, route.method, at(987654), { json: body });
					const label = `${who} ${route.method} ${at(id)} (${name}) ${JSON.stringify(body)}`;
					assert.deepEqual(strip(res), strip(missing), `${label}: answered unlike a missing id`);
					assert.ok([401, 403, 404].includes(res.status), `${label}: ${res.status}`);
					cells++;
				}
				// A browser's form to the page: the same answer as for a missing id (the
				// 404 page, or the sign-in redirect), never a form shown again with errors.
				if (!route.api_only) {
					const at = (x) => `!${route.pattern.replace('{id}', String(x)).replace('{aid}', '1')}`;
					const form = { version: '1', title: 'x', summary: 'x', visibility: 'public' };
					const res = await call(server, person, route.method, at(id), { form });
					const missing = await call(server, person, route.method, at(987654), { form });
					const label = `${who} form ${route.method} ${at(id)} (${name})`;
					assert.equal(res.status, missing.status, `${label}: ${res.status} vs missing ${missing.status}`);
					assert.ok(!res.text.includes(`P ${variant}`) && !res.text.includes(`${name.split('-')[0]} ${variant}`), `${label}: shows the item`);
				}
			}
		}
	}
	const after = await tableCounts(server.db);
	for (const [table, n] of Object.entries(before)) {
		if (table === 'audit_log') continue;
		assert.equal(after[table], n, `table ${table} changed: ${n} -> ${after[table]}`);
	}
	assert.ok(cells > 1000, `cells: ${cells}`);
});

test('an interest in a need answers a hidden need like a missing one, and sends no mail', async () => {
	const before = (await server.db.sql('SELECT COUNT(*) FROM outbox')).trim();
	for (const v of ['restricted', 'named', 'draft']) {
		for (const [who, person] of outsiders(v)) {
			const res = await call(server, person, 'POST', `/needs/${hidden[`need-${v}`]}/interest`, { json: { message: 'We can help' } });
			const missing = await call(server, person, 'POST', '/needs/987654/interest', { json: { message: 'We can help' } });
			assert.deepEqual(strip(res), strip(missing), `${who} interest in ${v} need`);
		}
	}
	assert.equal((await server.db.sql('SELECT COUNT(*) FROM outbox')).trim(), before, 'no introduction was sent');
	// France, named, may answer the named need; a third state sees nothing of it.
	expectStatus(await call(server, cast.fraEditor, 'POST', `/needs/${hidden['need-named']}/interest`, { json: { message: 'We can help' } }), 201, 'named provider');
	const page = await call(server, cast.deuAdmin, 'GET', `/needs/${hidden['need-named']}`);
	expectStatus(page, 404, 'third state reads the named need');
});

test('a wrong status and a stale version are both 409, each with its own message; edit of a withdrawn item is 404', async () => {
	const item = await createPolicy(server, cast.kenAdmin, { title: 'Codes', kind: 'other', summary: 'S', lang: 'en', visibility: 'public' });
	const env = (await call(server, cast.kenAdmin, 'GET', `/items/${item.id}`)).data;
	const stale = expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${item.id}/withdraw`, { json: { version: env.version + 5 } }), 409, 'stale');
	const notPending = expectStatus(await call(server, cast.secAdmin, 'POST', `/review/${item.id}/publish`, { json: { version: env.version } }), 409, 'publish published');
	const notPendingReject = expectStatus(await call(server, cast.secEditor, 'POST', `/review/${item.id}/reject`, { json: { version: env.version, reason: 'r' } }), 409, 'reject published');
	const notDraft = expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${item.id}/submit`, { json: { version: env.version } }), 409, 'submit published');
	expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${item.id}/withdraw`, { json: { version: env.version } }), 200, 'withdraw');
	const twice = expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${item.id}/withdraw`, { json: { version: env.version + 1 } }), 409, 'withdraw twice');
	const messages = [stale, notPending, notDraft, twice].map((r) => r.data.error.message);
	for (const r of [stale, notPending, notPendingReject, notDraft, twice]) assert.equal(r.data.error.code, 'conflict');
	assert.equal(new Set(messages).size, 4, `four different messages: ${JSON.stringify(messages)}`);
	assert.equal(notPending.data.error.message, notPendingReject.data.error.message);
	// French too (the message is translated).
	const fr = await call(server, cast.kenAdmin, 'POST', `/items/${item.id}/withdraw`, { json: { version: env.version + 1 }, headers: { 'Accept-Language': 'fr' } });
	assert.equal(fr.status, 409);
	assert.notEqual(fr.data.error.message, twice.data.error.message);
	// Edit and access of a withdrawn item: 404 for everyone, the owner included (no status
	// of their own: "never a withdrawn item" is part of the permission).
	for (const who of [cast.kenAdmin, cast.kenEditor, cast.secAdmin, cast.fraEditor]) {
		expectStatus(await call(server, who, 'POST', `/policies/${item.id}`, { json: { version: env.version + 1, summary: 'x' } }), 404, `${who.email} edit withdrawn`);
		expectStatus(await call(server, who, 'POST', `/items/${item.id}/access`, { json: { version: env.version + 1, visibility: 'restricted' } }), 404, `${who.email} access withdrawn`);
	}
	// Third parties who could never review are told 404, whatever the status.
	expectStatus(await call(server, cast.fraEditor, 'POST', `/review/${item.id}/publish`, { json: { version: env.version + 1 } }), 404, 'member state publishes');
});
