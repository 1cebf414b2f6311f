// Who may use each route of the organisations module: every route from every kind of
// account (anonymous, a stakeholder's admin, another state's admin, the state's own reader,
// editor and admin, the Secretariat's reader and admin). Someone who may not see an
// organisation (or its people) gets 404, exactly as for one that does not exist; someone who
// sees it but may not change it gets 403; nobody signed in gets 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertJsonError } from './lib/http.mjs';
import { addPerson, call, makeWorld } from './lib/orgs-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let who;
let victim; // a person of A whom the allowed callers change
const NOBODY = 999999;

before(async () => {
	server = await startServer();
	({ org, who } = await makeWorld(server));
	victim = await addPerson(server, org.a, 'a.victim@a.example', 'editor');
});
after(async () => {
	await server?.stop();
});

const principals = ['anonymous', 'stAdmin', 'bAdmin', 'aReader', 'aEditor', 'aAdmin', 'secReader', 'secAdmin'];
const as = (name) => (name === 'anonymous' ? null : who[name]);

/** Calls the route for every principal and compares the statuses with expected. */
async function matrix(label, expected, send) {
	const got = {};
	for (const name of principals) {
		const res = await send(as(name), name);
		got[name] = res.status;
		if (res.status === 401) assertJsonError(res, 401, 'unauthorized');
		if (res.status === 403) assertJsonError(res, 403, 'forbidden');
		if (res.status === 404) assertJsonError(res, 404, 'not_found');
	}
	assert.deepEqual(got, expected, label);
}

test('GET /organisations: the Secretariat only', async () => {
	await matrix('list', {
		anonymous: 401, stAdmin: 403, bAdmin: 403, aReader: 403, aEditor: 403, aAdmin: 403, secReader: 200, secAdmin: 200,
	}, (p) => call(server, p, 'GET', '/organisations'));
});

test('POST /organisations: the Secretariat\'s admins only', async () => {
	let n = 0;
	await matrix('create', {
		anonymous: 401, stAdmin: 403, bAdmin: 403, aReader: 403, aEditor: 403, aAdmin: 403, secReader: 403, secAdmin: 201,
	}, (p, name) => call(server, p, 'POST', '/organisations', {
		kind: 'stakeholder', name: `Made by ${name} ${n++}`, admin_email: `first.${name}.${n}@new.example`,
	}));
});

test('GET /organisations/{id}: the Secretariat and the organisation\'s own people', async () => {
	await matrix('show A', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 200, aEditor: 200, aAdmin: 200, secReader: 200, secAdmin: 200,
	}, (p) => call(server, p, 'GET', `/organisations/${org.a}`));
	await matrix('show a missing organisation', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 404, aEditor: 404, aAdmin: 404, secReader: 404, secAdmin: 404,
	}, (p) => call(server, p, 'GET', `/organisations/${NOBODY}`));
	await matrix('show a malformed id', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 404, aEditor: 404, aAdmin: 404, secReader: 404, secAdmin: 404,
	}, (p) => call(server, p, 'GET', '/organisations/abc'));
});

test('an organisation one may not see answers exactly like one that does not exist', async () => {
	const hidden = await call(server, who.bAdmin, 'GET', `/organisations/${org.a}`);
	const missing = await call(server, who.bAdmin, 'GET', `/organisations/${NOBODY}`);
	assert.equal(hidden.status, 404);
	assert.equal(hidden.text, missing.text);
	const strip = (h) => Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'x-request-id'].includes(k)));
	assert.deepEqual(strip(hidden.headers), strip(missing.headers));
	// The same for a person of another organisation.
	const person = await call(server, who.bAdmin, 'POST', `/people/${who.aReader.id}/role`, { role: 'reader' });
	const nobody = await call(server, who.bAdmin, 'POST', `/people/${NOBODY}/role`, { role: 'reader' });
	assert.equal(person.status, 404);
	assert.equal(person.text, nobody.text);
});

test('POST /organisations/{id}/people: the organisation\'s admin or a Secretariat admin', async () => {
	let n = 0;
	await matrix('invite into A', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 403, aEditor: 403, aAdmin: 201, secReader: 403, secAdmin: 201,
	}, (p, name) => call(server, p, 'POST', `/organisations/${org.a}/people`, {
		email: `invitee.${name}.${n++}@a.example`, role: 'reader',
	}));
	await matrix('invite into a missing organisation', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 404, aEditor: 404, aAdmin: 404, secReader: 404, secAdmin: 404,
	}, (p, name) => call(server, p, 'POST', `/organisations/${NOBODY}/people`, { email: `x.${name}@a.example`, role: 'reader' }));
});

test('POST /people/{id}/role, /modules, /invite: the person\'s organisation\'s admin or a Secretariat admin', async () => {
	const expected = {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 403, aEditor: 403, aAdmin: 200, secReader: 403, secAdmin: 200,
	};
	await matrix('role', expected, (p) => call(server, p, 'POST', `/people/${victim.id}/role`, { role: 'editor' }));
	await matrix('modules', expected, (p) => call(server, p, 'POST', `/people/${victim.id}/modules`, { module: ['countries'] }));
	await matrix('invite again', expected, (p) => call(server, p, 'POST', `/people/${victim.id}/invite`));
	await matrix('role of a missing person', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 404, aEditor: 404, aAdmin: 404, secReader: 404, secAdmin: 404,
	}, (p) => call(server, p, 'POST', `/people/${NOBODY}/role`, { role: 'editor' }));
});

test('POST /people/{id}/disable and /enable: the person\'s organisation\'s admin or a Secretariat admin', async () => {
	// Each allowed caller disables then enables the person again; disabling revokes the
	// person's token, which does not matter here.
	const got = {};
	for (const name of principals) {
		const d = await call(server, as(name), 'POST', `/people/${victim.id}/disable`);
		const e = await call(server, as(name), 'POST', `/people/${victim.id}/enable`);
		got[name] = [d.status, e.status];
	}
	assert.deepEqual(got, {
		anonymous: [401, 401], stAdmin: [404, 404], bAdmin: [404, 404], aReader: [403, 403], aEditor: [403, 403],
		aAdmin: [200, 200], secReader: [403, 403], secAdmin: [200, 200],
	});
});

test('POST /organisations/{id}/four-eyes: the state\'s admin or a Secretariat admin', async () => {
	await matrix('four-eyes on A', {
		anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 403, aEditor: 403, aAdmin: 200, secReader: 403, secAdmin: 200,
	}, (p) => call(server, p, 'POST', `/organisations/${org.a}/four-eyes`, { on: false }));
});

test('POST /organisations/{id}/disable and /enable: the Secretariat\'s admins only', async () => {
	// Those who see A but may not switch it get 403; the others 404.
	for (const action of ['disable', 'enable']) {
		await matrix(`${action} A`, {
			anonymous: 401, stAdmin: 404, bAdmin: 404, aReader: 403, aEditor: 403, aAdmin: 403, secReader: 403,
			secAdmin: 200,
		}, (p, name) => (name === 'secAdmin'
			// The Secretariat's admin switches the UN body instead, so A's tokens live on.
			? call(server, p, 'POST', `/organisations/${org.un}/${action}`)
			: call(server, p, 'POST', `/organisations/${org.a}/${action}`)));
	}
	// The Secretariat's own organisation is never disabled, not even by its admins.
	assertJsonError(await call(server, who.secAdmin, 'POST', `/organisations/${org.sec}/disable`), 403, 'forbidden');
	assertJsonError(await call(server, who.secReader, 'POST', `/organisations/${org.sec}/disable`), 403, 'forbidden');
	assertJsonError(await call(server, who.secAdmin, 'POST', `/organisations/${NOBODY}/disable`), 404, 'not_found');
});

test('GET /audit: the Secretariat\'s admins and every organisation\'s admins', async () => {
	await matrix('audit', {
		anonymous: 401, stAdmin: 200, bAdmin: 200, aReader: 403, aEditor: 403, aAdmin: 200, secReader: 403, secAdmin: 200,
	}, (p) => call(server, p, 'GET', '/audit'));
});

test('POST /audit/verify: the Secretariat\'s admins only', async () => {
	await matrix('verify', {
		anonymous: 401, stAdmin: 403, bAdmin: 403, aReader: 403, aEditor: 403, aAdmin: 403, secReader: 403, secAdmin: 200,
	}, (p) => call(server, p, 'POST', '/audit/verify'));
});

test('a refused request changes nothing', async () => {
	const before = await server.db.sql('SELECT COUNT(*) FROM users');
	const audit = await server.db.sql('SELECT COUNT(*) FROM audit_log');
	for (const p of [who.aReader, who.aEditor, who.secReader, who.bAdmin, who.stAdmin]) {
		await call(server, p, 'POST', `/organisations/${org.a}/people`, { email: 'never@a.example', role: 'admin' });
		await call(server, p, 'POST', `/people/${who.aAdmin.id}/role`, { role: 'reader' });
		await call(server, p, 'POST', `/people/${who.aAdmin.id}/disable`);
	}
	assert.equal(await server.db.sql('SELECT COUNT(*) FROM users'), before);
	assert.equal(await server.db.sql('SELECT COUNT(*) FROM audit_log'), audit);
	const role = await server.db.sql(`SELECT role, status FROM users WHERE id = ${who.aAdmin.id}`);
	assert.equal(role.trim(), 'admin|active');
});
