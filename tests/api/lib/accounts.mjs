// People, credentials and a browser-like client for the API tests.
//
//   totp(base32Secret, unixSeconds = now)      the RFC 6238 code (SHA-1, 6 digits, 30 s)
//   nextTotp(base32Secret)                     a code the server has not seen yet (see below)
//   addOrg(server, {kind, name, country})      gcscp org add: the new organisation's id
//   addUser(server, {org, email, role, name})  gcscp user add: the invitation URL
//   addToken(server, email, name = 'test')     gcscp token add: a bearer token
//   new Client(server)                         a cookie jar that sends Origin and the CSRF token
//   newPerson(server, {org, email, role, password})
//                                              an account with its invitation accepted and,
//                                              when its organisation requires it, TOTP enrolled:
//                                              {email, password, totpSecret, recoveryCodes}
//   signIn(server, {email, password, totpSecret})
//                                              a Client signed in, MFA done
//
// The CLI runs against the server's own database (server.db.url, server.db.dataDir).

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { request } from './http.mjs';
import { runCli } from './server.mjs';

// --- TOTP (RFC 6238 over RFC 4226) ---------------------------------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text) {
	const clean = text.replace(/[\s=-]/g, '').toUpperCase();
	let bits = 0;
	let value = 0;
	const out = [];
	for (const ch of clean) {
		const v = BASE32.indexOf(ch);
		if (v < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
		value = (value << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/** The 6-digit code of base32Secret for the 30-second step holding unixSeconds. */
export function totp(base32Secret, unixSeconds = Math.floor(Date.now() / 1000)) {
	return hotp(base32Decode(base32Secret), Math.floor(unixSeconds / 30));
}

function hotp(key, counter) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(counter));
	const mac = createHmac('sha1', key).update(msg).digest();
	const offset = mac[mac.length - 1] & 0x0f;
	const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
	return String(bin % 1_000_000).padStart(6, '0');
}

// The server accepts a code for the current step and one either side, each step once.
// Tests that sign in several times in a row take the next step not yet used (waiting for
// the clock only when all three are used, which a test file rarely needs).
const lastStep = new Map();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A code of base32Secret for a step this library has not handed out yet; marks it used. */
export async function nextTotp(base32Secret) {
	for (;;) {
		const now = Math.floor(Date.now() / 1000);
		const current = Math.floor(now / 30);
		const last = lastStep.get(base32Secret) ?? -Infinity;
		// The server's clock may pass a step boundary before it checks the code: current and
		// current + 1 stay acceptable then, current - 1 only away from the boundary.
		const steps = now % 30 < 25 ? [current - 1, current, current + 1] : [current, current + 1];
		for (const step of steps) {
			if (step > last) {
				lastStep.set(base32Secret, step);
				return totp(base32Secret, step * 30);
			}
		}
		await sleep((30 - (now % 30)) * 1000 + 200);
	}
}

/** Records that the server has seen the step of unixSeconds for this secret. */
export function markTotpUsed(base32Secret, unixSeconds) {
	const step = Math.floor(unixSeconds / 30);
	if (step > (lastStep.get(base32Secret) ?? -Infinity)) lastStep.set(base32Secret, step);
}

// --- the command line ------------------------------------------------------------

const dbArgs = (server) => ['--db', server.db.url, '--data', server.db.dataDir];

/** Runs `gcscp ARGS... --db ... --data ...` against the server's database; resolves with
 * its trimmed stdout and fails unless it exits 0. */
export async function runCliOk(server, args) {
	return cli(server, args);
}

async function cli(server, args) {
	const r = await runCli([...args, ...dbArgs(server)]);
	assert.equal(r.code, 0, `gcscp ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
	return r.stdout.trim();
}

/** gcscp org add: resolves with the new organisation's id (a number). */
export async function addOrg(server, { kind, name, country } = {}) {
	const args = ['org', 'add', '--kind', kind, '--name', name ?? `Org ${randomBytes(4).toString('hex')}`];
	if (country) args.push('--country', country);
	const id = Number(await cli(server, args));
	assert.ok(Number.isInteger(id) && id > 0, `org add printed an id: ${id}`);
	return id;
}

/** gcscp user add: resolves with the invitation URL (on this server). */
export async function addUser(server, { org, email, role = 'reader', name } = {}) {
	const args = ['user', 'add', '--org', String(org), '--email', email, '--role', role, '--base-url', server.url];
	if (name) args.push('--name', name);
	const url = await cli(server, args);
	assert.match(url, /\/invitations\/[A-Za-z0-9_-]{43}$/, `user add printed an invitation URL: ${url}`);
	return url;
}

/** gcscp token add: resolves with the bearer token. */
export async function addToken(server, email, name = 'test') {
	const token = await cli(server, ['token', 'add', '--user', email, '--name', name]);
	assert.match(token, /^gcscp_[A-Za-z0-9_-]{43}$/, `token add printed a token: ${token}`);
	return token;
}

// --- a browser-like client ---------------------------------------------------------

/**
 * Keeps cookies like a browser (Set-Cookie in, Cookie out), sends Origin: server.url on
 * every request, and adds the session's CSRF token to every POST: in the form as
 * csrf_token, or as X-CSRF-Token for a JSON body. The token is picked up from JSON
 * answers that carry "csrf_token" (POST /login, /login/mfa, GET /api/v1/me, ...) and
 * from the hidden field of HTML forms.
 *
 * get(path, {headers}) and post(path, data, {headers}) resolve with http.mjs's response
 * ({status, headers, text, json()}). data is a plain object sent as a form, or {json: x}
 * to send x as JSON.
 */
export class Client {
	constructor(server) {
		this.server = server;
		this.cookies = new Map();
		this.csrf = null;
	}

	/** The session cookie's value (either name), or undefined. */
	get session() {
		return this.cookies.get('gcscp') ?? this.cookies.get('__Host-gcscp');
	}

	headers(extra = {}) {
		const h = { Origin: this.server.url, ...extra };
		if (this.cookies.size) h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		return h;
	}

	remember(res) {
		const setCookies = res.headers['set-cookie'] ?? [];
		for (const line of setCookies) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
			if (expired || value === '') {
				this.cookies.delete(name);
				if (name === 'gcscp' || name === '__Host-gcscp') this.csrf = null;
			} else {
				this.cookies.set(name, value);
			}
		}
		const type = res.headers['content-type'] ?? '';
		if (/^application\/json/i.test(type)) {
			try {
				const body = JSON.parse(res.text);
				if (body && typeof body.csrf_token === 'string' && body.csrf_token) this.csrf = body.csrf_token;
			} catch {
				// not JSON after all: nothing to learn
			}
		} else if (/^text\/html/i.test(type)) {
			const m = /name="csrf_token" value="([^"]+)"/.exec(res.text);
			if (m) this.csrf = m[1];
		}
		return res;
	}

	async get(path, { headers = {} } = {}) {
		return this.remember(await request(this.server, path, { headers: this.headers(headers) }));
	}

	async post(path, data = {}, { headers = {}, csrf = true } = {}) {
		let body;
		const extra = { ...headers };
		if (data && Object.prototype.hasOwnProperty.call(data, 'json')) {
			body = JSON.stringify(data.json);
			extra['Content-Type'] = 'application/json';
			if (csrf && this.csrf) extra['X-CSRF-Token'] = this.csrf;
		} else {
			const form = new URLSearchParams();
			for (const [k, v] of Object.entries(data ?? {})) form.append(k, String(v));
			if (csrf && this.csrf && !form.has('csrf_token')) form.append('csrf_token', this.csrf);
			body = form.toString();
			extra['Content-Type'] = 'application/x-www-form-urlencoded';
		}
		return this.remember(await request(this.server, path, { method: 'POST', headers: this.headers(extra), body }));
	}
}

// --- people -------------------------------------------------------------------------

/** A password the policy accepts, unique to this run. */
export function goodPassword() {
	return `velvet harbour ${randomBytes(6).toString('hex')} lantern`;
}

/** Accepts an invitation URL with password (through the API); asserts success. */
export async function acceptInvitation(server, url, password) {
	const path = new URL(url).pathname;
	const client = new Client(server);
	const res = await client.post(`/api/v1${path}`, { json: { password, password_confirm: password } });
	assert.equal(res.status, 200, `accepting ${path}: ${res.status} ${res.text}`);
	assert.equal(res.json().password_set, true);
}

/**
 * Enrols TOTP for a client whose session may enrol (pending MFA without a seed, or
 * signed in). Resolves with {totpSecret, recoveryCodes}.
 */
export async function enrol(client, { currentPassword } = {}) {
	const start = await client.get('/api/v1/account/mfa/enrol');
	assert.equal(start.status, 200, `GET enrol: ${start.status} ${start.text}`);
	const { enrolment, secret } = start.json();
	const json = { enrolment, code: await nextTotp(secret) };
	if (currentPassword) json.current_password = currentPassword;
	const done = await client.post('/api/v1/account/mfa/enrol', { json });
	assert.equal(done.status, 200, `POST enrol: ${done.status} ${done.text}`);
	const { recovery_codes: recoveryCodes } = done.json();
	assert.equal(recoveryCodes.length, 10);
	return { totpSecret: secret, recoveryCodes };
}

/**
 * A person with a usable account: invited by the CLI, invitation accepted with password
 * (a fresh good one by default), and TOTP enrolled when the organisation's kind requires
 * it (found out by signing in once). Resolves with {email, password, totpSecret,
 * recoveryCodes, userId}; totpSecret and recoveryCodes are null without enrolment.
 */
export async function newPerson(server, { org, email, role = 'reader', password, name } = {}) {
	email ??= `person-${randomBytes(5).toString('hex')}@example.org`;
	password ??= goodPassword();
	const url = await addUser(server, { org, email, role, name });
	await acceptInvitation(server, url, password);
	const client = new Client(server);
	const res = await client.post('/api/v1/login', { json: { email, password } });
	assert.equal(res.status, 200, `first sign-in of ${email}: ${res.status} ${res.text}`);
	const body = res.json();
	let totpSecret = null;
	let recoveryCodes = null;
	if (body.mfa_required) {
		assert.equal(body.mfa_enrolled, false, 'a new person has no TOTP seed');
		({ totpSecret, recoveryCodes } = await enrol(client));
	}
	const me = await client.get('/api/v1/me');
	assert.equal(me.status, 200, `GET /api/v1/me after the first sign-in: ${me.status} ${me.text}`);
	await client.post('/api/v1/logout', { json: {} });
	return { email, password, totpSecret, recoveryCodes, userId: me.json().user.id };
}

/** A Client signed in as the person (TOTP step done when it is asked for). */
export async function signIn(server, { email, password, totpSecret } = {}) {
	const client = new Client(server);
	const res = await client.post('/api/v1/login', { json: { email, password } });
	assert.equal(res.status, 200, `sign-in of ${email}: ${res.status} ${res.text}`);
	if (res.json().mfa_required) {
		assert.ok(totpSecret, `${email} needs a TOTP secret to sign in`);
		const mfa = await client.post('/api/v1/login/mfa', { json: { code: await nextTotp(totpSecret) } });
		assert.equal(mfa.status, 200, `MFA step of ${email}: ${mfa.status} ${mfa.text}`);
	}
	return client;
}

// --- the database behind the server ----------------------------------------------------

/** SQL text for a string literal (test data only: no user input reaches this). */
export const sqlText = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** The user id of an address. */
export async function userIdOf(server, email) {
	const out = (await server.db.sql(`SELECT id FROM users WHERE email = ${sqlText(email.toLowerCase())}`)).trim();
	assert.match(out, /^\d+$/, `no user ${email}`);
	return Number(out);
}

/** The audit log, oldest first: [{id, action, actor_user, target_type, target_id, detail}]. */
export async function auditRows(server) {
	const out = await server.db.sql(
		"SELECT id, action, COALESCE(actor_user, 0), COALESCE(target_type, ''), COALESCE(target_id, ''), COALESCE(detail, '') FROM audit_log ORDER BY id");
	return out.split('\n').filter(Boolean).map((line) => {
		const [id, action, actor, targetType, targetId, ...rest] = line.split('|');
		const detail = rest.join('|');
		return {
			id: Number(id),
			action,
			actor_user: Number(actor),
			target_type: targetType || null,
			target_id: targetId || null,
			detail: detail ? JSON.parse(detail) : null,
		};
	});
}
