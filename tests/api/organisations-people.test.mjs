// Organisations and their people through the API: creation with the first admin,
// invitations (one live link at a time, 7 days), role changes (sessions end, tokens act with
// the new role), disabling (tokens revoked), module limits, four-eyes, disabling an
// organisation, the last-admin rule, validation, and the audit record each change writes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertJsonError, request } from './lib/http.mjs';
import {
	addOrg, addPerson, addSession, auditCount, auditRows, call, invitationHash, lit, makeWorld, rows, scalar,
} from './lib/orgs-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let org;
let who;

before(async () => {
	server = await startServer();
	({ org, who } = await makeWorld(server));
});
after(async () => {
	await server?.stop();
});

const count = async (text) => Number(await scalar(server, text));

test('the Secretariat creates an organisation, its first admin and a one-time link in one go', async () => {
	const auditBefore = await auditCount(server);
	const res = await call(server, who.secAdmin, 'POST', '/organisations', {
		kind: 'member_state', name: 'State C Cyber Agency', country: 'ESP', four_eyes: true,
		admin_email: 'First.Admin@C.example', admin_name: 'Carmen',
	});
	assert.equal(res.status, 201, res.text);
	assert.equal(res.headers['cache-control'], 'no-store');
	const body = res.json();
	const orgId = body.organisation.id;
	assert.deepEqual(
		{ kind: body.organisation.kind, name: body.organisation.name, country: body.organisation.country,
			four_eyes: body.organisation.four_eyes, status: body.organisation.status },
		{ kind: 'member_state', name: 'State C Cyber Agency', country: 'ESP', four_eyes: true, status: 'active' },
	);
	assert.equal(body.person.email, 'first.admin@c.example');
	assert.equal(body.person.role, 'admin');
	assert.match(body.invitation.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/invitations/[A-Za-z0-9_-]{43}$`));
	assert.equal(body.invitation.valid_days, 7);
	assert.equal(body.invitation.single_use, true);

	// In the database: the organisation, the invited admin, one unused invitation stored hashed, for 7 days.
	assert.equal((await rows(server, `SELECT kind, country, four_eyes, status FROM organisations WHERE id = ${orgId}`))[0].join('|'),
		'member_state|ESP|1|active');
	const [[userId, role, status]] = await rows(server,
		`SELECT id, role, status FROM users WHERE org_id = ${orgId}`);
	assert.deepEqual([role, status], ['admin', 'invited']);
	const inv = await rows(server, `SELECT token_hash, expires_at - created_at, created_by FROM invitations`
		+ ` WHERE user_id = ${userId} AND used_at IS NULL`);
	assert.equal(inv.length, 1);
	assert.equal(inv[0][0], invitationHash(body.invitation.url));
	assert.equal(Number(inv[0][1]), 7 * 86400);
	assert.equal(Number(inv[0][2]), who.secAdmin.id);
	// The token itself is nowhere in the database or the log.
	const token = body.invitation.url.split('/').pop();
	assert.equal(await count(`SELECT COUNT(*) FROM audit_log WHERE detail LIKE ${lit(`%${token}%`)}`), 0);
	assert.ok(!server.stderr().includes(token), 'the invitation token is not logged');

	// Two records, in this order, by the Secretariat's admin.
	assert.equal(await auditCount(server), auditBefore + 2);
	const [created] = await auditRows(server, 'org.create', 'org', orgId);
	assert.equal(created.actorUser, who.secAdmin.id);
	assert.equal(created.actorOrg, org.sec);
	assert.deepEqual(created.detail, { kind: 'member_state', four_eyes: true, country: 'ESP' });
	const [invited] = await auditRows(server, 'user.invite', 'user', userId);
	assert.equal(invited.id, created.id + 1);
	assert.equal(invited.actorUser, who.secAdmin.id);
	assert.equal(invited.detail.new_user, true);
	assert.equal(invited.detail.role, 'admin');
	assert.equal(invited.detail.org_id, orgId);
});

test('creation refuses bad fields with 422 naming them, duplicates with 409, and writes nothing', async () => {
	const base = { kind: 'stakeholder', name: 'Fresh Org', admin_email: 'fresh@fresh.example' };
	const cases = [
		[{ ...base, kind: 'club' }, 422, 'kind'],
		[{ ...base, kind: undefined }, 422, 'kind'],
		[{ ...base, name: '' }, 422, 'name'],
		[{ ...base, name: 'x'.repeat(201) }, 422, 'name'],
		[{ ...base, kind: 'member_state' }, 422, 'country'],
		[{ ...base, kind: 'member_state', country: 'XXX' }, 422, 'country'],
		[{ ...base, kind: 'member_state', country: 'VAT' }, 422, 'country'], // an observer, not a member
		[{ ...base, country: 'FRA' }, 422, 'country'],
		[{ ...base, four_eyes: true }, 422, 'four_eyes'],
		[{ ...base, admin_email: 'not an address' }, 422, 'admin_email'],
		[{ ...base, admin_email: undefined }, 422, 'admin_email'],
		[{ ...base, admin_name: 'a\u202ebidi' }, 422, 'admin_name'],
		[{ ...base, name: 'Acme Security Lab' }, 409, 'name'],
		[{ ...base, admin_email: 'A.Admin@a.example' }, 409, 'admin_email'],
		[{ ...base, colour: 'blue' }, 422, 'colour'],
		[{ ...base, name: 42 }, 422, 'name'],
		[{ ...base, four_eyes: 'yes' }, 422, 'four_eyes'],
	];
	const orgsBefore = await count('SELECT COUNT(*) FROM organisations');
	const usersBefore = await count('SELECT COUNT(*) FROM users');
	const auditBefore = await auditCount(server);
	for (const [body, status, field] of cases) {
		const res = await call(server, who.secAdmin, 'POST', '/organisations', body);
		assertJsonError(res, status, status === 409 ? 'conflict' : 'invalid_field', { field });
	}
	assertJsonError(await call(server, who.secAdmin, 'POST', '/organisations', '[1, 2]'), 422, 'invalid_field');
	assert.equal(await count('SELECT COUNT(*) FROM organisations'), orgsBefore);
	assert.equal(await count('SELECT COUNT(*) FROM users'), usersBefore);
	assert.equal(await auditCount(server), auditBefore);
});

test('the list counts people and filters by kind and name', async () => {
	const all = (await call(server, who.secReader, 'GET', '/organisations')).json();
	const a = all.organisations.find((o) => o.id === org.a);
	assert.equal(a.people, 3);
	assert.equal(a.active_people, 3);
	assert.equal(all.can_create, false, 'a Secretariat reader sees no creation form');
	assert.equal((await call(server, who.secAdmin, 'GET', '/organisations')).json().can_create, true);
	const states = (await call(server, who.secAdmin, 'GET', '/organisations?kind=member_state')).json();
	assert.ok(states.organisations.length >= 2);
	assert.ok(states.organisations.every((o) => o.kind === 'member_state'));
	const named = (await call(server, who.secAdmin, 'GET', '/organisations?q=acme')).json();
	assert.deepEqual(named.organisations.map((o) => o.id), [org.st]);
	assertJsonError(await call(server, who.secAdmin, 'GET', '/organisations?kind=club'), 400, 'invalid_param');
});

test('an organisation\'s page lists its people, never another\'s, and shows forms to its admins', async () => {
	const asReader = (await call(server, who.aReader, 'GET', `/organisations/${org.a}`)).json();
	assert.equal(asReader.organisation.id, org.a);
	assert.deepEqual(asReader.people.map((p) => p.email).sort(),
		['a.admin@a.example', 'a.editor@a.example', 'a.reader@a.example']);
	assert.equal(asReader.can_manage_people, false);
	assert.equal(asReader.invite, undefined);
	assert.ok(asReader.people.every((p) => p.role_options === undefined));
	for (const p of asReader.people) {
		assert.equal(p.password_hash, undefined);
		assert.equal(p.totp_secret, undefined);
	}
	const asAdmin = (await call(server, who.aAdmin, 'GET', `/organisations/${org.a}`)).json();
	assert.equal(asAdmin.can_manage_people, true);
	assert.equal(asAdmin.can_set_four_eyes, true);
	assert.equal(asAdmin.can_set_active, false);
	assert.ok(asAdmin.invite);
	const self = asAdmin.people.find((p) => p.id === who.aAdmin.id);
	assert.equal(self.is_self, true);
	assert.equal(self.can_disable, false, 'no disable button for oneself');
	const asSecretariat = (await call(server, who.secAdmin, 'GET', `/organisations/${org.a}`)).json();
	assert.equal(asSecretariat.can_set_active, true);
	assert.equal(asSecretariat.can_manage_people, true);
});

test('inviting someone new: a user, one unused invitation, a link shown once', async () => {
	const res = await call(server, who.aAdmin, 'POST', `/organisations/${org.a}/people`,
		{ email: 'new.person@a.example', name: 'New Person', role: 'editor' });
	assert.equal(res.status, 201, res.text);
	assert.equal(res.headers['cache-control'], 'no-store');
	const { person, invitation } = res.json();
	assert.equal(person.org_id, org.a);
	assert.equal(person.role, 'editor');
	assert.equal(person.status, 'invited');
	const unused = await rows(server, `SELECT token_hash, created_by FROM invitations WHERE user_id = ${person.id} AND used_at IS NULL`);
	assert.equal(unused.length, 1);
	assert.equal(unused[0][0], invitationHash(invitation.url));
	assert.equal(Number(unused[0][1]), who.aAdmin.id);
	const [record] = await auditRows(server, 'user.invite', 'user', person.id);
	assert.equal(record.actorUser, who.aAdmin.id);
	assert.equal(record.actorOrg, org.a);
	assert.deepEqual(record.detail, { org_id: org.a, role: 'editor', new_user: true, invitation_id: record.detail.invitation_id });

	// A second invitation withdraws the first: still one unused row, now for the new link.
	const again = await call(server, who.aAdmin, 'POST', `/people/${person.id}/invite`);
	assert.equal(again.status, 200, again.text);
	assert.equal(again.headers['cache-control'], 'no-store');
	const second = again.json().invitation.url;
	assert.notEqual(second, invitation.url);
	const live = await rows(server, `SELECT token_hash FROM invitations WHERE user_id = ${person.id} AND used_at IS NULL`);
	assert.deepEqual(live.map((r) => r[0]), [invitationHash(second)]);
	assert.equal(await count(`SELECT COUNT(*) FROM invitations WHERE token_hash = ${lit(invitationHash(invitation.url))}`
		+ ' AND used_at IS NULL'), 0);
	const records = await auditRows(server, 'user.invite', 'user', person.id);
	assert.equal(records.length, 2);
	assert.equal(records[1].detail.new_user, false);

	// Through the account module's page: the withdrawn link is gone, the live one works once.
	const path = (url) => `/api/v1${new URL(url).pathname}`;
	const json = { Accept: 'application/json' };
	assert.equal((await request(server, path(invitation.url), { headers: json })).status, 404);
	assert.equal((await request(server, path(second), { headers: json })).status, 200);
	const password = 'a long enough passphrase for the tests 7';
	const accept = () => request(server, path(second), {
		method: 'POST',
		headers: { ...json, 'Content-Type': 'application/json' },
		body: JSON.stringify({ password, password_confirm: password }),
	});
	const accepted = await accept();
	assert.ok(accepted.status < 300, `accepted: ${accepted.status} ${accepted.text.slice(0, 300)}`);
	assert.equal((await accept()).status, 404, 'a link works once');
	assert.equal((await request(server, path(second), { headers: json })).status, 404);
	assert.equal(await count(`SELECT COUNT(*) FROM invitations WHERE user_id = ${person.id} AND used_at IS NULL`), 0);
});

test('inviting refuses bad fields, a taken address, and a disabled organisation', async () => {
	const path = `/organisations/${org.a}/people`;
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'x@a.example', role: 'boss' }), 422, 'invalid_field', { field: 'role' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'x@a.example' }), 422, 'invalid_field', { field: 'role' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'x@', role: 'reader' }), 422, 'invalid_field', { field: 'email' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'x@a.example', role: 'reader', name: 'a\nb' }), 422, 'invalid_field', { field: 'name' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'B.ADMIN@b.example', role: 'reader' }), 409, 'conflict', { field: 'email' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: 'x@a.example', role: 'reader', org_id: org.b }), 422, 'invalid_field', { field: 'org_id' });
	assertJsonError(await call(server, who.aAdmin, 'POST', path, { email: ['x@a.example'], role: 'reader' }), 422, 'invalid_field', { field: 'email' });
	const disabledOrg = await addOrg(server, 'regional_org', 'Closed Regional Body');
	await call(server, who.secAdmin, 'POST', `/organisations/${disabledOrg}/disable`);
	assertJsonError(await call(server, who.secAdmin, 'POST', `/organisations/${disabledOrg}/people`, { email: 'y@r.example', role: 'admin' }), 409, 'conflict');
	assert.equal(await count("SELECT COUNT(*) FROM users WHERE email IN ('x@a.example', 'y@r.example')"), 0);
});

test('a role change ends the person\'s sessions, and their token acts with the new role', async () => {
	const p = await addPerson(server, org.a, 'promoted@a.example', 'reader');
	const s1 = await addSession(server, p.id);
	await addSession(server, p.id);
	const other = await addSession(server, who.aReader.id);
	assert.equal(await count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${p.id}`), 2);
	// As a reader the token may not invite.
	assertJsonError(await call(server, p, 'POST', `/organisations/${org.a}/people`, { email: 'z1@a.example', role: 'reader' }), 403, 'forbidden');

	const res = await call(server, who.aAdmin, 'POST', `/people/${p.id}/role`, { role: 'admin' });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json().person.role, 'admin');
	assert.equal(await count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${p.id}`), 0);
	assert.equal(await count(`SELECT COUNT(*) FROM sessions WHERE id = ${other.id}`), 1, 'nobody else\'s session ends');
	// The old cookie is worthless now (a page asks to sign in again).
	const page = await server.db.sql(`SELECT COUNT(*) FROM sessions WHERE id = ${s1.id}`);
	assert.equal(page.trim(), '0');
	// The token lives on, with the new role.
	const invited = await call(server, p, 'POST', `/organisations/${org.a}/people`, { email: 'z2@a.example', role: 'reader' });
	assert.equal(invited.status, 201, invited.text);
	const [record] = await auditRows(server, 'user.role', 'user', p.id);
	assert.equal(record.actorUser, who.aAdmin.id);
	assert.deepEqual(record.detail, { org_id: org.a, from: 'reader', to: 'admin' });

	// Back to reader: the token loses the right at once.
	assert.equal((await call(server, who.secAdmin, 'POST', `/people/${p.id}/role`, { role: 'reader' })).status, 200);
	assertJsonError(await call(server, p, 'POST', `/organisations/${org.a}/people`, { email: 'z3@a.example', role: 'reader' }), 403, 'forbidden');
	assertJsonError(await call(server, p, 'GET', '/audit'), 403, 'forbidden');
	// The same role again changes nothing and writes nothing.
	const before = (await auditRows(server, 'user.role', 'user', p.id)).length;
	assert.equal((await call(server, who.aAdmin, 'POST', `/people/${p.id}/role`, { role: 'reader' })).status, 200);
	assert.equal((await auditRows(server, 'user.role', 'user', p.id)).length, before);
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/role`, { role: 'owner' }), 422, 'invalid_field', { field: 'role' });
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/role`, {}), 422, 'invalid_field', { field: 'role' });
});

test('disabling revokes tokens and ends sessions at once; enabling brings back neither', async () => {
	const p = await addPerson(server, org.a, 'leaving@a.example', 'editor');
	await addSession(server, p.id);
	assert.equal((await call(server, p, 'GET', `/organisations/${org.a}`)).status, 200);
	const res = await call(server, who.aAdmin, 'POST', `/people/${p.id}/disable`);
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json().person.status, 'disabled');
	assertJsonError(await call(server, p, 'GET', `/organisations/${org.a}`), 401, 'invalid_token');
	assert.equal(await count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${p.id}`), 0);
	assert.equal(await count(`SELECT COUNT(*) FROM api_tokens WHERE user_id = ${p.id} AND revoked_at IS NULL`), 0);
	assert.equal(await count(`SELECT COUNT(*) FROM invitations WHERE user_id = ${p.id} AND used_at IS NULL`), 0);
	const [record] = await auditRows(server, 'user.disable', 'user', p.id);
	assert.equal(record.actorUser, who.aAdmin.id);
	assert.deepEqual(record.detail, { org_id: org.a });
	// A disabled person cannot be invited until enabled.
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/invite`), 409, 'conflict');

	const enabled = await call(server, who.aAdmin, 'POST', `/people/${p.id}/enable`);
	assert.equal(enabled.status, 200);
	assert.equal(enabled.json().person.status, 'active');
	assertJsonError(await call(server, p, 'GET', `/organisations/${org.a}`), 401, 'invalid_token');
	assert.equal((await auditRows(server, 'user.enable', 'user', p.id)).length, 1);
	// Enabling someone who is not disabled changes nothing and writes nothing.
	assert.equal((await call(server, who.aAdmin, 'POST', `/people/${p.id}/enable`)).status, 200);
	assert.equal((await auditRows(server, 'user.enable', 'user', p.id)).length, 1);
	// An invitation now works again: a reset for an active person.
	const reset = await call(server, who.aAdmin, 'POST', `/people/${p.id}/invite`);
	assert.equal(reset.status, 200);
	assert.equal(await count(`SELECT COUNT(*) FROM invitations WHERE user_id = ${p.id} AND used_at IS NULL`), 1);
});

test('an organisation never loses its last active admin, and no admin disables themselves', async () => {
	const d = await addOrg(server, 'member_state', 'State D Ministry', 'ITA');
	const d1 = await addPerson(server, d, 'd1@d.example', 'admin');
	const invitedAdmin = await addPerson(server, d, 'd-invited@d.example', 'admin', { invited: true });
	const last = await call(server, who.secAdmin, 'POST', `/people/${d1.id}/role`, { role: 'editor' });
	assertJsonError(last, 409, 'conflict');
	assert.match(last.json().error.message, /last active admin/);
	assertJsonError(await call(server, who.secAdmin, 'POST', `/people/${d1.id}/disable`), 409, 'conflict');
	// An invited admin does not count as active, and demoting them is no loss.
	assert.equal((await call(server, d1, 'POST', `/people/${invitedAdmin.id}/role`, { role: 'reader' })).status, 200);
	// Themselves: refused, whoever else there is.
	const self = await call(server, d1, 'POST', `/people/${d1.id}/disable`);
	assertJsonError(self, 403, 'forbidden');
	assert.match(self.json().error.message, /own account/);
	assertJsonError(await call(server, who.secAdmin, 'POST', `/people/${who.secAdmin.id}/disable`), 403, 'forbidden');
	// With a second active admin, the first may step down.
	const d2 = await addPerson(server, d, 'd2@d.example', 'admin');
	assert.equal((await call(server, d1, 'POST', `/people/${d1.id}/role`, { role: 'editor' })).status, 200);
	assertJsonError(await call(server, who.secAdmin, 'POST', `/people/${d2.id}/disable`), 409, 'conflict');
	assert.equal((await rows(server, `SELECT role, status FROM users WHERE id = ${d2.id}`))[0].join('|'), 'admin|active');
	// The Secretariat itself is held to the same rule.
	assertJsonError(await call(server, who.secAdmin, 'POST', `/people/${who.secAdmin.id}/role`, { role: 'reader' }), 409, 'conflict');
});

test('module limits: names from the registry, none means every module', async () => {
	const p = await addPerson(server, org.a, 'limited@a.example', 'editor');
	const set = await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: ['countries', 'organisations'] });
	assert.equal(set.status, 200, set.text);
	assert.deepEqual(set.json().person.module_limits, ['countries', 'organisations']);
	assert.equal(await scalar(server, `SELECT module_limits FROM users WHERE id = ${p.id}`), '["countries","organisations"]');
	const [record] = await auditRows(server, 'user.modules', 'user', p.id);
	assert.deepEqual(record.detail, { org_id: org.a, modules: ['countries', 'organisations'] });
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: ['weather'] }), 422, 'invalid_field', { field: 'module' });
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: ['countries', 'countries'] }), 422, 'invalid_field', { field: 'module' });
	assertJsonError(await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: Array(17).fill('countries') }), 422, 'invalid_field', { field: 'module' });
	const cleared = await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: [] });
	assert.equal(cleared.status, 200);
	assert.equal(cleared.json().person.module_limits, null);
	assert.equal(await scalar(server, `SELECT COUNT(*) FROM users WHERE id = ${p.id} AND module_limits IS NULL`), '1');
	const records = await auditRows(server, 'user.modules', 'user', p.id);
	assert.equal(records.length, 2);
	assert.deepEqual(records[1].detail, { org_id: org.a, modules: null });
	// A single name is accepted as a one-element list.
	assert.equal((await call(server, who.aAdmin, 'POST', `/people/${p.id}/modules`, { module: 'countries' })).json().person.module_limits[0], 'countries');
});

test('four-eyes: states only, audited with its new value', async () => {
	const on = await call(server, who.aAdmin, 'POST', `/organisations/${org.a}/four-eyes`, { on: true });
	assert.equal(on.status, 200, on.text);
	assert.equal(on.json().organisation.four_eyes, true);
	assert.equal(await scalar(server, `SELECT four_eyes FROM organisations WHERE id = ${org.a}`), '1');
	const [record] = await auditRows(server, 'org.four_eyes', 'org', org.a);
	assert.deepEqual(record.detail, { on: true });
	assert.equal(record.actorUser, who.aAdmin.id);
	const off = await call(server, who.secAdmin, 'POST', `/organisations/${org.a}/four-eyes`, { on: false });
	assert.equal(off.json().organisation.four_eyes, false);
	assert.deepEqual((await auditRows(server, 'org.four_eyes', 'org', org.a))[1].detail, { on: false });
	assertJsonError(await call(server, who.stAdmin, 'POST', `/organisations/${org.st}/four-eyes`, { on: true }), 422, 'invalid_field');
	assertJsonError(await call(server, who.secAdmin, 'POST', `/organisations/${org.un}/four-eyes`, { on: true }), 422, 'invalid_field');
	assertJsonError(await call(server, who.aAdmin, 'POST', `/organisations/${org.a}/four-eyes`, {}), 422, 'invalid_field', { field: 'on' });
	assertJsonError(await call(server, who.aAdmin, 'POST', `/organisations/${org.a}/four-eyes`, { on: 'yes' }), 422, 'invalid_field', { field: 'on' });
	assert.equal(await scalar(server, `SELECT four_eyes FROM organisations WHERE id = ${org.st}`), '0');
});

test('disabling an organisation revokes its people\'s tokens and sessions; enabling brings back neither', async () => {
	const e = await addOrg(server, 'regional_org', 'Regional Organisation E');
	const e1 = await addPerson(server, e, 'e1@e.example', 'admin');
	await addSession(server, e1.id);
	assert.equal((await call(server, e1, 'GET', `/organisations/${e}`)).status, 200);
	const res = await call(server, who.secAdmin, 'POST', `/organisations/${e}/disable`);
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json().organisation.status, 'disabled');
	assertJsonError(await call(server, e1, 'GET', `/organisations/${e}`), 401, 'invalid_token');
	assert.equal(await count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${e1.id}`), 0);
	assert.equal(await count(`SELECT COUNT(*) FROM api_tokens WHERE user_id = ${e1.id} AND revoked_at IS NULL`), 0);
	const [record] = await auditRows(server, 'org.disable', 'org', e);
	assert.equal(record.actorUser, who.secAdmin.id);
	// Its people cannot be invited while it is disabled.
	assertJsonError(await call(server, who.secAdmin, 'POST', `/people/${e1.id}/invite`), 409, 'conflict');
	const enabled = await call(server, who.secAdmin, 'POST', `/organisations/${e}/enable`);
	assert.equal(enabled.json().organisation.status, 'active');
	assert.equal((await auditRows(server, 'org.enable', 'org', e)).length, 1);
	assertJsonError(await call(server, e1, 'GET', `/organisations/${e}`), 401, 'invalid_token');
	// Disabling twice is one change and one record.
	await call(server, who.secAdmin, 'POST', `/organisations/${e}/disable`);
	await call(server, who.secAdmin, 'POST', `/organisations/${e}/disable`);
	assert.equal((await auditRows(server, 'org.disable', 'org', e)).length, 2);
});
