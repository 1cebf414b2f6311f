// People, organisations and credentials for the organisations module's tests, made the way
// an operator makes them: with the CLI (gcscp org add / user add / token add) against the
// server's own database. Browser sessions are rows written into the sessions table (the
// sign-in pages belong to another module), for users marked active as if they had accepted
// their invitation.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { request } from './http.mjs';
import { runCli } from './server.mjs';

/** Runs `gcscp ARGS --db --data` on the server's database; resolves with its trimmed stdout. */
export async function cli(server, args) {
	const r = await runCli([...args, '--db', server.db.url, '--data', server.db.dataDir]);
	assert.equal(r.code, 0, `gcscp ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
	return r.stdout.trim();
}

/** Rows of a query as arrays of strings ('|'-separated columns on both engines). */
export async function rows(server, text) {
	const out = await server.db.sql(text);
	return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('|'));
}

/** The first column of the first row, or undefined. */
export async function scalar(server, text) {
	const r = await rows(server, text);
	return r.length ? r[0][0] : undefined;
}

/** A quoted SQL literal for test-made text (no user input reaches it). */
export const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

export async function addOrg(server, kind, name, country) {
	const args = ['org', 'add', '--kind', kind, '--name', name];
	if (country) args.push('--country', country);
	const id = Number(await cli(server, args));
	assert.ok(Number.isInteger(id) && id > 0, `org add printed an id: ${id}`);
	return id;
}

/**
 * A person of orgId with a bearer token; active unless invited is set (as if they had
 * accepted their invitation). Resolves with { id, email, role, orgId, token, auth }.
 */
export async function addPerson(server, orgId, email, role, { invited = false } = {}) {
	await cli(server, ['user', 'add', '--org', String(orgId), '--email', email, '--role', role]);
	const id = Number(await scalar(server, `SELECT id FROM users WHERE email = ${lit(email)}`));
	// An active person has a password; the hash is a placeholder no password matches.
	if (!invited) await server.db.sql(`UPDATE users SET status = 'active', password_hash = 'unusable' WHERE id = ${id}`);
	const token = await cli(server, ['token', 'add', '--user', email, '--name', 'tests']);
	assert.match(token, /^gcscp_[A-Za-z0-9_-]{43}$/);
	return { id, email, role, orgId, token, auth: { Authorization: `Bearer ${token}` } };
}

/**
 * A browser session for an active user, written into the sessions table. Resolves with
 * { id, cookie (the Cookie header), csrf }.
 */
export async function addSession(server, userId) {
	const token = randomBytes(32).toString('base64url');
	const csrf = randomBytes(24).toString('base64url');
	const hash = createHash('sha256').update(token).digest('hex');
	const now = Math.floor(Date.now() / 1000);
	await server.db.sql(`INSERT INTO sessions (user_id, token_hash, csrf_token, mfa_passed, created_at, last_seen_at,`
		+ ` absolute_expires_at, client_ip, user_agent) VALUES (${userId}, ${lit(hash)}, ${lit(csrf)}, 1, ${now},`
		+ ` ${now}, ${now + 3600}, '127.0.0.1', 'tests')`);
	const id = Number(await scalar(server, `SELECT id FROM sessions WHERE token_hash = ${lit(hash)}`));
	return { id, cookie: `gcscp=${token}`, csrf };
}

/** A JSON API call (a bearer token needs no CSRF token). who is a person, or null for anonymous. */
export function call(server, who, method, path, body) {
	const headers = { Accept: 'application/json', ...(who ? who.auth : {}) };
	let payload;
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		payload = typeof body === 'string' ? body : JSON.stringify(body);
	}
	return request(server, `/api/v1${path}`, { method, headers, body: payload });
}

/** A browser form POST with a session (and its CSRF token unless csrf is false). */
export function postForm(server, session, path, fields = {}, { csrf = true } = {}) {
	const form = new URLSearchParams();
	if (csrf) form.append('csrf_token', session.csrf);
	for (const [k, v] of Object.entries(fields)) {
		for (const value of Array.isArray(v) ? v : [v]) form.append(k, value);
	}
	return request(server, path, {
		method: 'POST',
		headers: { Cookie: session.cookie, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
		body: form.toString(),
	});
}

/** A browser GET with a session (or none). */
export function getPage(server, session, path) {
	const headers = { Accept: 'text/html' };
	if (session) headers.Cookie = session.cookie;
	return request(server, path, { headers });
}

/** The audit records with this action (and target), oldest first, as objects. */
export async function auditRows(server, action, targetType, targetId) {
	let where = `action = ${lit(action)}`;
	if (targetType) where += ` AND target_type = ${lit(targetType)}`;
	if (targetId !== undefined) where += ` AND target_id = ${lit(String(targetId))}`;
	const r = await rows(server, `SELECT id, actor_user, actor_org, target_type, target_id, detail FROM audit_log`
		+ ` WHERE ${where} ORDER BY id`);
	return r.map(([id, actorUser, actorOrg, type, tid, ...detail]) => ({
		id: Number(id),
		actorUser: actorUser === '' ? null : Number(actorUser),
		actorOrg: actorOrg === '' ? null : Number(actorOrg),
		targetType: type,
		targetId: tid,
		detail: detail.length && detail.join('|') !== '' ? JSON.parse(detail.join('|')) : null,
	}));
}

/** The number of audit records. */
export async function auditCount(server) {
	return Number(await scalar(server, 'SELECT COUNT(*) FROM audit_log'));
}

/**
 * The principals every matrix test uses: the Secretariat's admin and reader; member state
 * A's admin, editor and reader; member state B's admin; a stakeholder's admin; and orgs.
 */
export async function makeWorld(server) {
	const org = {
		sec: await addOrg(server, 'secretariat', 'UN Office for Disarmament Affairs'),
		a: await addOrg(server, 'member_state', 'State A Ministry of Foreign Affairs', 'FRA'),
		b: await addOrg(server, 'member_state', 'State B Ministry of Foreign Affairs', 'DEU'),
		st: await addOrg(server, 'stakeholder', 'Acme Security Lab'),
		un: await addOrg(server, 'un_body', 'UN Institute for Disarmament Research'),
	};
	const who = {
		secAdmin: await addPerson(server, org.sec, 'sec.admin@un.example', 'admin'),
		secReader: await addPerson(server, org.sec, 'sec.reader@un.example', 'reader'),
		aAdmin: await addPerson(server, org.a, 'a.admin@a.example', 'admin'),
		aEditor: await addPerson(server, org.a, 'a.editor@a.example', 'editor'),
		aReader: await addPerson(server, org.a, 'a.reader@a.example', 'reader'),
		bAdmin: await addPerson(server, org.b, 'b.admin@b.example', 'admin'),
		stAdmin: await addPerson(server, org.st, 'st.admin@acme.example', 'admin'),
	};
	return { org, who };
}

/** sha256 hex of an invitation URL's token, as the invitations table stores it. */
export function invitationHash(url) {
	const m = /\/invitations\/([A-Za-z0-9_-]{43})$/.exec(url);
	assert.ok(m, `an invitation URL: ${url}`);
	return createHash('sha256').update(m[1]).digest('hex');
}
