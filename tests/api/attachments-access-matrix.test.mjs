// Who sees and who changes a policy's files, for every kind of principal and
// every state of the item, held to the rule of tests/api/lib/access-oracle.mjs
// (written from the documents, independently of src/auth/policy.c): a file
// answers exactly as its item (200, or the 404 of a missing one), and files
// are added and removed by exactly those who may edit the item (anonymous 401,
// the owner's readers 403, everyone else 404, nothing changed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { canEdit, canSee } from './lib/access-oracle.mjs';
import { request } from './lib/http.mjs';
import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { multipart } from './lib/multipart.mjs';
import { ENGINE, startServer } from './lib/server.mjs';

let server;
let cast;
let principals;
const items = {};

const KINDS = {
	secretariat: 'secretariat', kenya: 'member_state', france: 'member_state', germany: 'member_state',
	palestine: 'observer_state', stakeholder: 'stakeholder', regional: 'regional_org', unbody: 'un_body',
};
const PEOPLE = {
	secAdmin: ['secretariat', 'admin'], secEditor: ['secretariat', 'editor'], secReader: ['secretariat', 'reader'],
	kenAdmin: ['kenya', 'admin'], kenEditor: ['kenya', 'editor'], kenReader: ['kenya', 'reader'],
	fraEditor: ['france', 'editor'], deuAdmin: ['germany', 'admin'], deuEditor: ['germany', 'editor'],
	deuReader: ['germany', 'reader'], pseEditor: ['palestine', 'editor'], stkEditor: ['stakeholder', 'editor'],
	stkAdmin: ['stakeholder', 'admin'], regEditor: ['regional', 'editor'], unEditor: ['unbody', 'editor'],
};

function textUpload(who, id, text) {
	const mp = multipart([{ name: 'lang', value: 'en' }, { name: 'file', filename: 'note.txt', type: 'text/plain', data: text }]);
	return request(server, `/api/v1/policies/${id}/attachments`, {
		method: 'POST',
		headers: { Accept: 'application/json', 'Content-Type': mp.contentType, ...(who ? who.headers : {}) },
		body: mp.body,
	});
}

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	principals = [{ key: 'anonymous', org: null, kind: null, role: null, limits: null, who: null }];
	for (const [key, [org, role]] of Object.entries(PEOPLE)) {
		principals.push({ key, org, kind: KINDS[org], role, limits: null, who: cast[key] });
	}
	const make = async (name, who, owner, body, record) => {
		const created = await createPolicy(server, who, { kind: 'other', summary: 'S.', ...body }, name);
		items[name] = { id: created.id, owner, ownerKind: KINDS[owner], shares: [], notice: false, ...record };
		const up = await textUpload(who, created.id, `matrixcanary ${name}\n`);
		expectStatus(up, 201, `file of ${name}`);
		items[name].file = JSON.parse(up.text);
	};
	await make('kenPublic', cast.kenAdmin, 'kenya', { title: 'Public', visibility: 'public' }, { visibility: 'public', status: 'published' });
	await make('kenRestricted', cast.kenAdmin, 'kenya', { title: 'Restricted', visibility: 'restricted' }, { visibility: 'restricted', status: 'published' });
	await make('kenNamed', cast.kenAdmin, 'kenya', { title: 'Named', visibility: 'named', shares: [cast.orgs.france] },
		{ visibility: 'named', shares: ['france'], status: 'published' });
	await make('kenDraft', cast.kenAdmin, 'kenya', { title: 'Draft', visibility: 'public', draft: true }, { visibility: 'public', status: 'draft' });
	await make('stkPending', cast.stkEditor, 'stakeholder', { title: 'Pending' }, { visibility: 'public', status: 'pending', approval: 'secretariat' });
	await make('kenWithdrawn', cast.kenAdmin, 'kenya', { title: 'Withdrawn', visibility: 'public' }, { visibility: 'public', status: 'published' });
	const env = (await call(server, cast.kenAdmin, 'GET', `/items/${items.kenWithdrawn.id}`)).data;
	expectStatus(await call(server, cast.kenAdmin, 'POST', `/items/${env.id}/withdraw`, { json: { version: env.version } }), 200, 'withdraw');
	items.kenWithdrawn.status = 'withdrawn';
});
after(async () => {
	await server?.stop();
});

test('every principal x every item: the file, its HEAD and the list answer as the item does', async () => {
	const missing = await request(server, '/api/v1/policies/987654/attachments/1', { headers: { Accept: 'application/json' } });
	expectStatus(missing, 404, 'missing');
	let cells = 0;
	for (const p of principals) {
		for (const [name, it] of Object.entries(items)) {
			const sees = canSee(p, it, false);
			const headers = { Accept: 'application/json', ...(p.who ? p.who.headers : {}) };
			for (const path of [it.file.href, `/api/v1${it.file.href}`, `/api/v1/policies/${it.id}/attachments`]) {
				const res = await request(server, path, { headers });
				assert.equal(res.status, sees ? 200 : 404, `${p.key} GET ${path} (${name})`);
				if (!sees) assert.equal(res.text, missing.text, `${p.key} ${path}: the body of a missing thing`);
				cells++;
			}
			const head = await request(server, it.file.href, { method: 'HEAD', headers });
			assert.equal(head.status, sees ? 200 : 404, `${p.key} HEAD (${name})`);
		}
	}
	console.log(`attachments access matrix (${ENGINE}): ${principals.length} principals x ${Object.keys(items).length} items, ${cells} reads`);
});

test('every principal x every item: upload and removal by exactly those who may edit', async () => {
	for (const p of principals) {
		for (const [name, it] of Object.entries(items)) {
			const before = (await server.db.sql(`SELECT COUNT(*) FROM attachments WHERE item_id = ${it.id}`)).trim();
			const res = await textUpload(p.who, it.id, `by ${p.key}\n`);
			const edits = canEdit({ ...p }, { ...it, module: 'policies' });
			const ownReader = p.org === it.owner && p.role === 'reader';
			const expected = edits ? 201 : p.org === null ? 401 : ownReader && canSee(p, it, false) ? 403 : 404;
			assert.equal(res.status, expected, `${p.key} uploads to ${name}: ${res.text.slice(0, 200)}`);
			const rmPath = `/api/v1/policies/${it.id}/attachments/${it.file.id}/remove`;
			if (edits) {
				const added = JSON.parse(res.text);
				const rm = await request(server, `/api/v1/policies/${it.id}/attachments/${added.id}`, {
					method: 'DELETE', headers: { Accept: 'application/json', ...p.who.headers },
				});
				assert.equal(rm.status, 200, `${p.key} removes from ${name}`);
			} else {
				const rm = await request(server, rmPath, {
					method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(p.who ? p.who.headers : {}) }, body: '{}',
				});
				assert.equal(rm.status, expected, `${p.key} removes from ${name}`);
			}
			const afterCount = (await server.db.sql(`SELECT COUNT(*) FROM attachments WHERE item_id = ${it.id}`)).trim();
			assert.equal(afterCount, before, `${p.key} on ${name}: the files are as they were`);
		}
	}
});
