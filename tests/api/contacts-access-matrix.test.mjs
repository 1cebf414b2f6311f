// The visibility matrix (SECURITY.md Z1-Z4) extended to points of contact: every kind of
// principal against contacts of every owner kind, visibility and status, through every
// route that shows or exports them (the item as JSON, its page, its vCard; the list, CSV,
// vCard and printable exports) and the writes (edit, confirm). The expected outcome comes
// from tests/api/lib/access-oracle.mjs (written from the documents), not from the C code.
// An unseen contact answers exactly like a missing one and leaves no trace in any export.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as O from './lib/access-oracle.mjs';
import { call, makeOrg, makePerson } from './lib/items-fixture.mjs';
import { startServer, tableCounts } from './lib/server.mjs';

const MISSING_ID = 987654321;
const ORGS = {
	SEC: { kind: 'secretariat', name: 'CM Secretariat' },
	A: { kind: 'member_state', name: 'CM Kenya', country: 'KEN' },
	B: { kind: 'member_state', name: 'CM Brazil', country: 'BRA' },
	OBS: { kind: 'observer_state', name: 'CM Palestine', country: 'PSE' },
	REG: { kind: 'regional_org', name: 'CM Regional Organisation' },
	STK: { kind: 'stakeholder', name: 'CM Stakeholder' },
	UN: { kind: 'un_body', name: 'CM UN Body' },
};
const PRINCIPALS = [
	['anonymous', null, null], ['stakeholder', 'STK', 'editor'], ['regional', 'REG', 'editor'], ['un_body', 'UN', 'editor'],
	['a_reader', 'A', 'reader'], ['a_editor', 'A', 'editor'], ['a_admin', 'A', 'admin'], ['b_editor', 'B', 'editor'],
	['observer', 'OBS', 'editor'], ['sec_reader', 'SEC', 'reader'], ['sec_editor', 'SEC', 'editor'], ['sec_admin', 'SEC', 'admin'],
].map(([key, org, role]) => ({ key, org, role, limits: null, kind: org ? ORGS[org].kind : null }));
const P = Object.fromEntries(PRINCIPALS.map((p) => [p.key, p]));

let server;
const orgIds = {};
const who = (p) => (p.org ? p.person : null);
const ITEMS = [];

async function createContact(p, body) {
	const res = await call(server, p.person, 'POST', '/contacts', { json: body });
	assert.equal(res.status, 201, `create: ${res.text}`);
	return res.data;
}

before(async () => {
	server = await startServer();
	for (const [key, o] of Object.entries(ORGS)) orgIds[key] = await makeOrg(server, o.kind, o.name, { country: o.country });
	for (const p of PRINCIPALS) if (p.org) p.person = await makePerson(server, orgIds[p.org], `${p.key}@cm.test`, p.role);
	const add = async (creator, owner, label, body, after) => {
		const canary = `CANARY-${label}-${Math.random().toString(36).slice(2, 8)}`;
		let data = await createContact(P[creator], { function_title: canary, emails: [`${label}@cm.example.org`], ...body });
		const it = {
			id: data.id, canary, owner, ownerKind: ORGS[owner].kind, visibility: data.item.visibility,
			shares: body.visibility === 'named' ? ['B'] : [], status: data.item.status, approval: data.item.approval,
			createdBy: creator, submittedBy: data.item.status === 'pending' ? creator : null, notice: false, module: 'contacts',
		};
		if (after === 'withdraw') {
			const r = await call(server, P[creator].person, 'POST', `/items/${data.id}/withdraw`, { json: { version: data.item.version } });
			assert.equal(r.status, 200, r.text);
			it.status = 'withdrawn';
		}
		if (after === 'publish') {
			const r = await call(server, P.sec_editor.person, 'POST', `/review/${data.id}/publish`, { json: { version: data.item.version } });
			assert.equal(r.status, 200, r.text);
			it.status = 'published';
			it.approval = null;
		}
		ITEMS.push(it);
	};
	await add('a_editor', 'A', 'a-tech', { kind: 'technical' });
	await add('a_editor', 'A', 'a-assist-public', { kind: 'assistance', visibility: 'public' });
	await add('a_editor', 'A', 'a-dipl-public', { kind: 'diplomatic', visibility: 'public' });
	await add('a_editor', 'A', 'a-named', { kind: 'technical', visibility: 'named', shares: [orgIds.B] });
	await add('a_editor', 'A', 'a-draft', { kind: 'technical', draft: true });
	await add('a_editor', 'A', 'a-withdrawn', { kind: 'diplomatic' }, 'withdraw');
	await add('sec_admin', 'B', 'b-by-sec', { kind: 'technical', acting_for_org: orgIds.B });
	await add('regional', 'REG', 'reg-pending', { kind: 'assistance' });
	await add('regional', 'REG', 'reg-published', { kind: 'assistance' }, 'publish');
	await add('un_body', 'UN', 'un-restricted', { kind: 'assistance', visibility: 'restricted' }, 'publish');
	for (const it of ITEMS) if (it.owner === 'B' && it.createdBy === 'sec_admin') it.createdBy = 'sec_admin';
});
after(async () => {
	await server?.stop();
});

const missing = {};
async function missingAnswer(p, path) {
	const key = `${p.key} ${path}`;
	if (!missing[key]) missing[key] = await call(server, who(p), 'GET', path.replace('{id}', MISSING_ID));
	return missing[key];
}

describe('single contacts', () => {
	for (const [label, path] of [['JSON', '/contacts/{id}'], ['page', '!/contacts/{id}'], ['vCard', '!/contacts/{id}/vcard']]) {
		test(`${label}: seen exactly when the rule says, else the 404 of a missing id`, async () => {
			for (const p of PRINCIPALS) {
				const none = await missingAnswer(p, path);
				assert.equal(none.status, 404);
				for (const it of ITEMS) {
					const res = await call(server, who(p), 'GET', path.replace('{id}', it.id));
					const see = O.canSee(p, it, false);
					if (see) {
						assert.equal(res.status, 200, `${p.key} ${it.canary} ${label}`);
						assert.ok(res.text.includes(it.canary), `${p.key} ${it.canary}`);
					} else {
						assert.equal(res.status, 404, `${p.key} must not see ${it.canary} (${label})`);
						assert.ok(!res.text.includes(it.canary), `${p.key} ${it.canary}: no trace`);
						if (label === 'JSON') {
							assert.equal(res.text, none.text, `${p.key} ${it.canary}: the same body as a missing id`);
						} else {
							// A page names its own path and request: the same error page otherwise.
							assert.ok(res.text.includes('does not exist'), `${p.key} ${it.canary}: the not-found page`);
						}
					}
				}
			}
		});
	}
});

describe('lists and exports', () => {
	const channels = [
		['list', '/contacts?per_page=100'],
		['CSV', '!/contacts.csv'],
		['vCard', '!/contacts.vcf'],
		['print', '!/contacts/print'],
		['list by region', '/contacts?region=002&per_page=100'],
	];
	for (const [label, path] of channels) {
		test(`${label}: exactly the contacts the caller may see`, async () => {
			for (const p of PRINCIPALS) {
				const res = await call(server, who(p), 'GET', path);
				assert.equal(res.status, 200, `${p.key} ${label}`);
				for (const it of ITEMS) {
					let expected = O.canSee(p, it, false);
					if (label === 'list by region') expected = expected && it.owner === 'A';
					assert.equal(res.text.includes(it.canary), expected, `${p.key} ${label} ${it.canary}`);
				}
				if (label === 'list') {
					const want = ITEMS.filter((it) => O.canSee(p, it, false)).length;
					assert.equal(res.data.count, want, `${p.key} count`);
				}
			}
		});
	}

	test('observers see restricted contacts when the setting says so', async () => {
		const r = await call(server, null, 'GET', '/healthz');
		assert.equal(r.status, 200);
		const { cli } = await import('./lib/items-fixture.mjs');
		await cli(server, ['setting', 'set', 'restricted_includes_observers', '1']);
		try {
			const res = await call(server, P.observer.person, 'GET', '/contacts?per_page=100');
			for (const it of ITEMS) assert.equal(res.text.includes(it.canary), O.canSee(P.observer, it, true), it.canary);
		} finally {
			await cli(server, ['setting', 'set', 'restricted_includes_observers', '0']);
		}
	});
});

describe('writes', () => {
	test('edit and confirm: 200 where the rule permits; else 401, 403 (the owner\'s readers) or 404, and nothing changes', async () => {
		for (const p of PRINCIPALS) {
			for (const it of ITEMS) {
				const can = O.canEdit(p, it);
				const expected = can ? 200 : !p.org ? 401 : (p.org === it.owner && p.role === 'reader') ? 403 : 404;
				if (!can) {
					const before = await tableCounts(server.db);
					const edit = await call(server, who(p), 'POST', `/contacts/${it.id}`, { json: { version: 1, notes: 'hijack' } });
					assert.equal(edit.status, expected, `${p.key} edit ${it.canary}: ${edit.text.slice(0, 200)}`);
					const confirm = await call(server, who(p), 'POST', `/contacts/${it.id}/confirm`);
					assert.equal(confirm.status, expected, `${p.key} confirm ${it.canary}`);
					assert.deepEqual(await tableCounts(server.db), before, `${p.key} ${it.canary}: nothing changed`);
				} else {
					const confirm = await call(server, who(p), 'POST', `/contacts/${it.id}/confirm`);
					assert.equal(confirm.status, 200, `${p.key} confirm ${it.canary}: ${confirm.text.slice(0, 200)}`);
				}
			}
		}
	});
});

describe('the home page and country profiles', () => {
	const seen = (p, owner) => ITEMS.filter((it) => (!owner || it.owner === owner) && O.canSee(p, it, false));

	test('the home page counts exactly the contacts the caller may see (no restricted count for anonymous visitors)', async () => {
		for (const p of PRINCIPALS) {
			const res = await call(server, who(p), 'GET', '/');
			assert.equal(res.status, 200, p.key);
			assert.equal(res.data.stats.contacts, seen(p).length, `${p.key}: stats.contacts`);
		}
		// Independently of the oracle: anonymous visitors count the public, published contacts only.
		const anon = await call(server, null, 'GET', '/');
		const publicOnes = ITEMS.filter((it) => it.visibility === 'public' && it.status === 'published').length;
		assert.equal(anon.data.stats.contacts, publicOnes);
		assert.ok(publicOnes < ITEMS.length, 'some contacts are hidden from anonymous visitors');
	});

	test('a state\'s profile lists exactly its contacts the caller may see, as JSON and as a page', async () => {
		for (const [owner, iso3] of [['A', 'KEN'], ['B', 'BRA']]) {
			for (const p of PRINCIPALS) {
				const res = await call(server, who(p), 'GET', `/countries/${iso3}`);
				assert.equal(res.status, 200, `${p.key} ${iso3}`);
				const section = res.data.sections.find((s) => s.module === 'contacts');
				assert.ok(section, `${p.key} ${iso3}: a contacts section`);
				const want = seen(p, owner).map((it) => it.id).sort((a, b) => a - b);
				assert.deepEqual(section.items.map((i) => i.id).sort((a, b) => a - b), want, `${p.key} ${iso3}: the section's contacts`);
				assert.equal(section.count, want.length, `${p.key} ${iso3}: count`);
				assert.equal(section.empty, want.length === 0);
				const page = await call(server, who(p), 'GET', `!/countries/${iso3}`);
				assert.equal(page.status, 200);
				for (const it of ITEMS) {
					assert.equal(page.text.includes(it.canary), it.owner === owner && O.canSee(p, it, false), `${p.key} ${iso3} page ${it.canary}`);
				}
			}
		}
		// Independently of the oracle: Kenya's public assistance contact is on its profile for everyone;
		// its restricted technical contact only for states and the Secretariat.
		const assist = ITEMS.find((it) => it.canary.startsWith('CANARY-a-assist-public'));
		const tech = ITEMS.find((it) => it.canary.startsWith('CANARY-a-tech'));
		const ids = async (p) => (await call(server, p ? p.person : null, 'GET', '/countries/KEN')).data.sections
			.find((s) => s.module === 'contacts').items.map((i) => i.id);
		for (const p of [null, P.stakeholder, P.b_editor, P.sec_reader, P.a_reader]) assert.ok((await ids(p)).includes(assist.id), `${p?.key ?? 'anonymous'}: public assistance`);
		for (const p of [null, P.stakeholder, P.regional, P.un_body, P.observer]) assert.ok(!(await ids(p)).includes(tech.id), `${p?.key ?? 'anonymous'}: no restricted`);
		for (const p of [P.b_editor, P.sec_reader, P.a_reader]) assert.ok((await ids(p)).includes(tech.id), `${p.key}: restricted`);
	});
});

describe('files of requests between states', () => {
	test('a file of a request from A to B: every account of A and B downloads it; everyone else the 404 of a missing file', async () => {
		const { multipart } = await import('./lib/multipart.mjs');
		const { request } = await import('./lib/http.mjs');
		const canary = `CANARY-file-${Math.random().toString(36).slice(2, 8)}`;
		const mp = multipart([
			...Object.entries({ to_org: orgIds.B, kind: 'assistance', urgency: 'routine', handling: 'TLP:GREEN', subject: 'Matrix', description: 'See the file.' })
				.map(([name, value]) => ({ name, value: String(value) })),
			{ name: 'file', filename: `${canary}.txt`, type: 'text/plain', data: `${canary}\n` },
		]);
		const sent = await request(server, '/api/v1/requests', {
			method: 'POST', headers: { ...P.a_editor.person.headers, Accept: 'application/json', 'Content-Type': mp.contentType }, body: mp.body,
		});
		assert.equal(sent.status, 201, sent.text);
		const req = JSON.parse(sent.text);
		const file = req.messages[0].files[0];
		const strip = (res, path) => res.text.replaceAll(path, '/PATH').replace(/[0-9a-f]{16}/g, 'REF');
		for (const p of PRINCIPALS) {
			for (const prefix of ['', '/api/v1']) {
				const path = `${prefix}${file.href}`;
				const missingPath = `${prefix}/requests/${req.id}/files/${MISSING_ID}`;
				const headers = who(p) ? who(p).headers : {};
				const res = await request(server, path, { headers });
				if (p.org === 'A' || p.org === 'B') {
					assert.equal(res.status, 200, `${p.key} ${path}`);
					assert.equal(res.text, `${canary}\n`);
				} else {
					const missing = await request(server, missingPath, { headers });
					assert.equal(res.status, 404, `${p.key} must not download (${path})`);
					assert.equal(missing.status, 404);
					assert.equal(strip(res, path), strip(missing, missingPath), `${p.key}: the body of a missing file`);
					assert.ok(!res.text.includes(canary), `${p.key}: no trace`);
				}
			}
			const list = await call(server, who(p), 'GET', `/requests/${req.id}`);
			if (p.org === 'A' || p.org === 'B') assert.ok(list.text.includes(canary), `${p.key} sees the file's name`);
			else assert.ok(!list.text.includes(canary), `${p.key}: no name`);
		}
	});
});
