// The items and policies forms as a browser uses them: a session cookie, the CSRF
// token the pages write into every form, 303s to the page that shows the result,
// and refusals of state changes without the token or from another site.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, newPerson, signIn } from './lib/accounts.mjs';
import { startServer } from './lib/server.mjs';

let server;
let stakeholder; // a signed-in Client
let secretariat;
let kenya;

before(async () => {
	server = await startServer();
	const stk = await addOrg(server, { kind: 'stakeholder', name: 'Session Foundation' });
	const sec = await addOrg(server, { kind: 'secretariat', name: 'Session Secretariat' });
	const ken = await addOrg(server, { kind: 'member_state', name: 'Session Kenya', country: 'KEN' });
	stakeholder = await signIn(server, await newPerson(server, { org: stk, email: 'editor@session-stk.test', role: 'editor' }));
	secretariat = await signIn(server, await newPerson(server, { org: sec, email: 'editor@session-sec.test', role: 'editor' }));
	kenya = await signIn(server, await newPerson(server, { org: ken, email: 'admin@session-ken.test', role: 'admin' }));
});
after(async () => {
	await server?.stop();
});

const idFrom = (location) => Number(/^\/policies\/(\d+)$/.exec(location)?.[1]);

describe('through the pages', () => {
	test('a stakeholder submits through the form; the Secretariat returns it with a reason; the stakeholder reads it', async () => {
		const form = await stakeholder.get('/policies/new');
		assert.equal(form.status, 200);
		assert.match(form.text, /name="csrf_token" value="[^"]+"/, 'the form carries the token');
		const created = await stakeholder.post('/policies', { title: 'Session guideline', kind: 'policy_guideline', lang: 'en', summary: 'From a browser.' });
		assert.equal(created.status, 303, created.text.slice(0, 300));
		const id = idFrom(created.headers.location);
		assert.ok(id > 0, created.headers.location);
		const page = await stakeholder.get(created.headers.location);
		assert.equal(page.status, 200);
		assert.match(page.text, /Session guideline/);

		const queue = await secretariat.get('/review');
		assert.equal(queue.status, 200);
		assert.match(queue.text, new RegExp(`action="/review/${id}/reject"`));
		const version = /name="version" value="(\d+)"/.exec(queue.text.slice(queue.text.indexOf(`/review/${id}/reject`)))[1];
		const missing = await secretariat.post(`/review/${id}/reject`, { version });
		assert.equal(missing.status, 422, 'no reason: the queue again, with the message');
		assert.match(missing.text, new RegExp(`id="reason-${id}-error"`));
		const rejected = await secretariat.post(`/review/${id}/reject`, { version, reason: 'Add the date it was adopted.' });
		assert.equal(rejected.status, 303);
		assert.equal(rejected.headers.location, '/review');

		const mine = await stakeholder.get('/mine');
		assert.equal(mine.status, 200);
		assert.match(mine.text, /Add the date it was adopted\./);
		const own = await stakeholder.get(`/policies/${id}`);
		assert.match(own.text, /Add the date it was adopted\./, 'the reason on the item');
		assert.match(own.text, new RegExp(`action="/items/${id}/submit"`), 'a submit button for the returned draft');

		const edited = await stakeholder.post(`/policies/${id}`, { version: 2, title: 'Session guideline', kind: 'policy_guideline', lang: 'en', adopted: '2024-02-01' });
		assert.equal(edited.status, 303, edited.text.slice(0, 300));
		const submitted = await stakeholder.post(`/items/${id}/submit`, { version: 3 });
		assert.equal(submitted.status, 303);
		assert.equal(submitted.headers.location, `/policies/${id}`);
		const published = await secretariat.post(`/review/${id}/publish`, { version: 4 });
		assert.equal(published.status, 303);
		const anon = await fetch(`${server.url}/api/v1/policies/${id}`);
		assert.equal(anon.status, 200);
	});

	test('a member state sets who may read its item through the access form', async () => {
		const created = await kenya.post('/policies', { title: 'Session restricted', kind: 'national_strategy', lang: 'en' });
		assert.equal(created.status, 303);
		const id = idFrom(created.headers.location);
		const page = await kenya.get(`/policies/${id}`);
		assert.match(page.text, new RegExp(`action="/items/${id}/access"`));
		const bad = await kenya.post(`/items/${id}/access`, { version: 1, visibility: 'restricted', release_at: '1999-01-01T00:00' });
		assert.equal(bad.status, 422);
		assert.match(bad.text, /id="access-release-error"/);
		assert.match(bad.text, /aria-invalid="true"/);
		const ok = await kenya.post(`/items/${id}/access`, { version: 1, visibility: 'restricted', notice_title: 'A notice', release_at: '2099-01-01T00:00' });
		assert.equal(ok.status, 303);
		assert.equal(ok.headers.location, `/policies/${id}`);
		const env = await kenya.get(`/api/v1/items/${id}`);
		assert.equal(env.json().release_at, '2099-01-01T00:00:00Z');
		assert.equal(env.json().notice.title, 'A notice');
		const withdrawn = await kenya.post(`/items/${id}/withdraw`, { version: 2 });
		assert.equal(withdrawn.status, 303);
	});

	test('without the CSRF token, or from another site, nothing changes', async () => {
		const noToken = await stakeholder.post('/policies', { title: 'No token', kind: 'other' }, { csrf: false });
		assert.equal(noToken.status, 403);
		const foreign = await stakeholder.post('/policies', { title: 'Foreign', kind: 'other' }, { headers: { Origin: 'https://evil.example' } });
		assert.equal(foreign.status, 403);
		const jsonNoToken = await stakeholder.post('/api/v1/policies', { json: { title: 'JSON without token', kind: 'other' } }, { csrf: false });
		assert.equal(jsonNoToken.status, 403);
		const list = await stakeholder.get('/api/v1/mine?per_page=100');
		assert.ok(!list.json().items.some((i) => ['No token', 'Foreign', 'JSON without token'].includes(i.title)));
	});
});
