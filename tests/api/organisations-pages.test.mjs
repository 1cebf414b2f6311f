// The organisations module's pages, as a browser with a session uses them: the same
// decisions as the API, forms that carry their CSRF token, 303 after a change, the form
// again with the message beside its field after a refusal, the invitation link shown once
// and never stored, and the strings in the user's language.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { request } from './lib/http.mjs';
import { addPerson, addSession, auditRows, getPage, makeWorld, postForm, rows, scalar } from './lib/orgs-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let who;
const sessions = {};

before(async () => {
	server = await startServer();
	({ org, who } = await makeWorld(server));
	for (const name of ['secAdmin', 'secReader', 'aAdmin', 'aReader', 'bAdmin']) sessions[name] = await addSession(server, who[name].id);
});
after(async () => {
	await server?.stop();
});

/** The page's <main>, where the module writes. */
const main = (res) => {
	const m = /<main[^>]*>([\s\S]*)<\/main>/.exec(res.text);
	assert.ok(m, `a page with <main>: ${res.text.slice(0, 200)}`);
	return m[1];
};

test('nobody signed in is sent to sign in, and brought back', async () => {
	for (const path of ['/organisations', `/organisations/${org.a}`, '/audit']) {
		const res = await getPage(server, null, path);
		assert.equal(res.status, 303, path);
		assert.equal(res.headers.location, `/login?next=${encodeURIComponent(path)}`);
	}
});

test('pages decide as the API does', async () => {
	const expect = [
		['secAdmin', '/organisations', 200], ['secReader', '/organisations', 200], ['aAdmin', '/organisations', 403],
		['aReader', `/organisations/${org.a}`, 200], ['bAdmin', `/organisations/${org.a}`, 404],
		['secReader', `/organisations/${org.a}`, 200], ['aReader', '/audit', 403], ['aAdmin', '/audit', 200],
		['secReader', '/audit', 403], ['secAdmin', '/audit', 200],
	];
	for (const [name, path, status] of expect) {
		const res = await getPage(server, sessions[name], path);
		assert.equal(res.status, status, `${name} ${path}`);
		assert.match(res.headers['content-type'], /^text\/html/);
	}
});

test('the list shows the creation form to the Secretariat\'s admins only', async () => {
	const admin = main(await getPage(server, sessions.secAdmin, '/organisations'));
	assert.match(admin, /<form class="orgs-form" method="post" action="\/organisations">/);
	assert.match(admin, new RegExp(`name="csrf_token" value="${sessions.secAdmin.csrf}"`));
	for (const id of ['create-kind', 'create-name', 'create-country', 'create-admin-email']) {
		assert.match(admin, new RegExp(`<label for="${id}">`), `label for ${id}`);
		assert.match(admin, new RegExp(`id="${id}"`));
	}
	assert.match(admin, /<option value="FRA">France \(FRA\)<\/option>/);
	assert.match(admin, /State A Ministry of Foreign Affairs/);
	const reader = main(await getPage(server, sessions.secReader, '/organisations'));
	assert.doesNotMatch(reader, /method="post"/);
	assert.match(reader, /State A Ministry of Foreign Affairs/);
});

test('an organisation\'s page: forms for its admins, none for its readers', async () => {
	const reader = main(await getPage(server, sessions.aReader, `/organisations/${org.a}`));
	assert.match(reader, /a\.admin@a\.example/);
	assert.doesNotMatch(reader, /method="post"/);
	const admin = main(await getPage(server, sessions.aAdmin, `/organisations/${org.a}`));
	for (const action of [`/people/${who.aReader.id}/role`, `/people/${who.aReader.id}/disable`,
		`/people/${who.aReader.id}/modules`, `/people/${who.aReader.id}/invite`, `/organisations/${org.a}/people`,
		`/organisations/${org.a}/four-eyes`]) {
		assert.ok(admin.includes(`action="${action}"`), action);
	}
	assert.ok(!admin.includes(`action="/people/${who.aAdmin.id}/disable"`), 'no disabling oneself');
	assert.ok(!admin.includes(`action="/organisations/${org.a}/disable"`), 'only the Secretariat disables organisations');
	const secretariat = main(await getPage(server, sessions.secAdmin, `/organisations/${org.a}`));
	assert.ok(secretariat.includes(`action="/organisations/${org.a}/disable"`));
	assert.ok(secretariat.includes(`href="/audit?org=${org.a}"`));
});

test('a form change answers 303 to the organisation\'s page; without its CSRF token it is refused', async () => {
	const p = await addPerson(server, org.a, 'form.target@a.example', 'reader');
	const refused = await postForm(server, sessions.aAdmin, `/people/${p.id}/role`, { role: 'editor' }, { csrf: false });
	assert.equal(refused.status, 403);
	assert.equal(await scalar(server, `SELECT role FROM users WHERE id = ${p.id}`), 'reader');
	const res = await postForm(server, sessions.aAdmin, `/people/${p.id}/role`, { role: 'editor' });
	assert.equal(res.status, 303, res.text.slice(0, 300));
	assert.equal(res.headers.location, `/organisations/${org.a}`);
	assert.equal(await scalar(server, `SELECT role FROM users WHERE id = ${p.id}`), 'editor');
	// Module limits from checkboxes; none checked is every module.
	assert.equal((await postForm(server, sessions.aAdmin, `/people/${p.id}/modules`, { module: ['countries'] })).status, 303);
	assert.equal(await scalar(server, `SELECT module_limits FROM users WHERE id = ${p.id}`), '["countries"]');
	assert.equal((await postForm(server, sessions.aAdmin, `/people/${p.id}/modules`, {})).status, 303);
	assert.equal(await scalar(server, `SELECT COUNT(*) FROM users WHERE id = ${p.id} AND module_limits IS NULL`), '1');
	assert.equal((await postForm(server, sessions.aAdmin, `/people/${p.id}/disable`)).status, 303);
	assert.equal((await postForm(server, sessions.aAdmin, `/people/${p.id}/enable`)).status, 303);
	assert.equal((await postForm(server, sessions.aAdmin, `/organisations/${org.a}/four-eyes`, { on: '1' })).status, 303);
	assert.equal(await scalar(server, `SELECT four_eyes FROM organisations WHERE id = ${org.a}`), '1');
	assert.equal((await postForm(server, sessions.aAdmin, `/organisations/${org.a}/four-eyes`, { on: '0' })).status, 303);
	assert.equal(await scalar(server, `SELECT four_eyes FROM organisations WHERE id = ${org.a}`), '0');
	// A JSON body from a session needs the token in its header.
	const json = await request(server, `/api/v1/people/${p.id}/role`, {
		method: 'POST', headers: { Cookie: sessions.aAdmin.cookie, 'Content-Type': 'application/json' }, body: '{"role":"admin"}',
	});
	assert.equal(json.status, 403);
	const withHeader = await request(server, `/api/v1/people/${p.id}/role`, {
		method: 'POST',
		headers: { Cookie: sessions.aAdmin.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': sessions.aAdmin.csrf },
		body: '{"role":"reader"}',
	});
	assert.equal(withHeader.status, 200);
	assert.equal(withHeader.json().person.role, 'reader');
});

test('creating an organisation in the browser shows the link once, never stored by a cache', async () => {
	const res = await postForm(server, sessions.secAdmin, '/organisations', {
		kind: 'regional_org', name: 'Regional Body <Form>', admin_email: 'regional@form.example', admin_name: 'Rana',
	});
	assert.equal(res.status, 201, res.text.slice(0, 300));
	assert.equal(res.headers['cache-control'], 'no-store');
	const page = main(res);
	const m = /id="invitation-url" class="orgs-secret-value" value="([^"]+)"/.exec(page);
	assert.ok(m, 'the link in a read-only field');
	assert.match(m[1], new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/invitations/[A-Za-z0-9_-]{43}$`));
	assert.match(page, /Valid for 7 days, single use/);
	assert.match(page, /Regional Body &lt;Form&gt;/);
	const id = Number(await scalar(server, "SELECT id FROM organisations WHERE name = 'Regional Body <Form>'"));
	assert.equal((await auditRows(server, 'org.create', 'org', id)).length, 1);
});

test('a refused form comes back with its values and the message beside the field', async () => {
	const res = await postForm(server, sessions.secAdmin, '/organisations', {
		kind: 'member_state', name: 'State A Ministry of Foreign Affairs', country: 'FRA', admin_email: 'dup@x.example',
	});
	assert.equal(res.status, 409);
	const page = main(res);
	assert.match(page, /<div class="orgs-alert" role="alert">/);
	assert.match(page, /id="create-name" name="name" value="State A Ministry of Foreign Affairs"[^>]* aria-invalid="true" aria-describedby="create-name-error"/);
	assert.match(page, /<p class="orgs-field-error" id="create-name-error">An organisation of this name already exists\.<\/p>/);
	assert.match(page, /<option value="FRA" selected>/);
	assert.match(page, /name="admin_email" value="dup@x\.example"/);

	const country = await postForm(server, sessions.secAdmin, '/organisations', {
		kind: 'member_state', name: 'No Country Given', admin_email: 'nc@x.example',
	});
	assert.equal(country.status, 422);
	assert.match(main(country), /id="create-country-error"/);

	const invite = await postForm(server, sessions.aAdmin, `/organisations/${org.a}/people`, { email: 'not-an-address', role: 'editor' });
	assert.equal(invite.status, 422);
	const invitePage = main(invite);
	assert.match(invitePage, /id="invite-email" name="email" value="not-an-address"[^>]* aria-invalid="true" aria-describedby="invite-email-error"/);
	assert.match(invitePage, /<option value="editor" selected>/);

	// The last active admin, refused on the organisation's page, beside the person.
	const last = await postForm(server, sessions.secAdmin, `/people/${who.bAdmin.id}/role`, { role: 'reader' });
	assert.equal(last.status, 409);
	const lastPage = main(last);
	assert.match(lastPage, /last active admin/);
	assert.match(lastPage, new RegExp(`id="person-${who.bAdmin.id}-error"`));
	assert.ok(lastPage.includes(`action="/people/${who.bAdmin.id}/role"`), 'B\'s page');
	assert.equal((await rows(server, `SELECT role FROM users WHERE id = ${who.bAdmin.id}`))[0][0], 'admin');
});

test('the audit log page and its verification', async () => {
	const page = main(await getPage(server, sessions.secAdmin, '/audit?action=org.'));
	assert.match(page, /<form class="orgs-inline-form" method="post" action="\/audit\/verify">/);
	assert.match(page, /<code dir="ltr">org\.create<\/code>/);
	assert.doesNotMatch(page, /<code dir="ltr">user\.invite<\/code>/);
	const orgAdmin = main(await getPage(server, sessions.aAdmin, '/audit'));
	assert.doesNotMatch(orgAdmin, /audit\/verify/);
	const verified = await postForm(server, sessions.secAdmin, '/audit/verify');
	assert.equal(verified.status, 200);
	assert.match(main(verified), /<div class="orgs-success" role="status">/);
	assert.equal((await postForm(server, sessions.secReader, '/audit/verify')).status, 403);
});

test('the pages speak the user\'s language', async () => {
	const fr = main(await getPage(server, sessions.secAdmin, '/organisations?lang=fr'));
	assert.match(fr, /<h2 id="create-heading">Nouvelle organisation<\/h2>/);
	assert.match(fr, /État Membre/);
	const ar = await getPage(server, sessions.secAdmin, `/organisations/${org.a}?lang=ar`);
	assert.match(ar.text, /<html lang="ar" dir="rtl">/);
	assert.match(main(ar), /دولة عضو/);
	for (const lang of ['zh', 'ru', 'es']) {
		const res = await getPage(server, sessions.aAdmin, `/audit?lang=${lang}`);
		assert.equal(res.status, 200);
		assert.doesNotMatch(main(res), /organisations\.|t\.organisations/, `${lang}: no key left untranslated`);
	}
});
