// People, organisations and calls for the items and policies suites.
//
// Organisations and people are made with the CLI, as an operator would
// (`gcscp org add`, `gcscp user add`, `gcscp token add`), on the server's own
// database; every call then carries the person's API token.

import assert from 'node:assert/strict';

import { request } from './http.mjs';
import { runCli } from './server.mjs';

/** Runs `gcscp ARGS --db URL --data DIR` on the server's database; resolves with stdout, trimmed. */
export async function cli(server, args) {
	const r = await runCli([...args, '--db', server.db.url, '--data', server.db.dataDir]);
	assert.equal(r.code, 0, `gcscp ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
	return r.stdout.trim();
}

/** A new organisation; resolves with its id. */
export async function makeOrg(server, kind, name, { country, fourEyes = false } = {}) {
	const args = ['org', 'add', '--kind', kind, '--name', name];
	if (country) args.push('--country', country);
	if (fourEyes) args.push('--four-eyes');
	const out = await cli(server, args);
	const id = Number(out.split('\n').pop());
	assert.ok(Number.isInteger(id) && id > 0, `org add printed an id: ${out}`);
	return id;
}

/** A person of org with role and an API token: { email, token, org, headers }. */
export async function makePerson(server, org, email, role) {
	await cli(server, ['user', 'add', '--org', String(org), '--email', email, '--role', role]);
	const token = (await cli(server, ['token', 'add', '--user', email, '--name', 'tests'])).split('\n').pop();
	assert.match(token, /^gcscp_/, `token add printed a token: ${token}`);
	return { email, token, org, headers: { Authorization: `Bearer ${token}` } };
}

function formBody(fields) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(fields)) {
		if (v === undefined || v === null) continue;
		if (Array.isArray(v)) for (const e of v) p.append(k, String(e));
		else p.append(k, String(v));
	}
	return p.toString();
}

/**
 * A call to the API as a person (null: anonymous). path is under /api/v1
 * unless it starts with "!" (then it is sent as it is, a page).
 * Options: json (a body sent as JSON), form (an object sent urlencoded),
 * headers. Resolves with the response, its JSON (when any) as .data.
 */
export async function call(server, who, method, path, { json, form, headers = {} } = {}) {
	const page = path.startsWith('!');
	const target = page ? path.slice(1) : `/api/v1${path}`;
	const h = { Accept: page ? 'text/html' : 'application/json', ...(who ? who.headers : {}), ...headers };
	let body;
	if (json !== undefined) {
		body = typeof json === 'string' ? json : JSON.stringify(json);
		h['Content-Type'] = 'application/json';
	} else if (form !== undefined) {
		body = formBody(form);
		h['Content-Type'] = 'application/x-www-form-urlencoded';
	}
	const res = await request(server, target, { method, headers: h, body });
	if (/^application\/json/.test(res.headers['content-type'] ?? '')) res.data = JSON.parse(res.text);
	return res;
}

/** Asserts a status, with the body in the message. */
export function expectStatus(res, status, what = '') {
	assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status}: ${res.text.slice(0, 400)}`);
	return res;
}

/** Asserts a 422 naming field. */
export function expectInvalid(res, field, what = '') {
	expectStatus(res, 422, what);
	assert.equal(res.data?.error?.code, 'invalid_field', `${what}: error code`);
	assert.equal(res.data?.error?.field, field, `${what}: the field named`);
	assert.ok(res.data.error.message.length > 0);
	return res;
}

/** The usual cast: one organisation of each kind and the people the suites act as. */
export async function makeCast(server) {
	const secretariat = await makeOrg(server, 'secretariat', 'UN Secretariat (tests)');
	const kenya = await makeOrg(server, 'member_state', 'Kenya, Ministry (tests)', { country: 'KEN' });
	const france = await makeOrg(server, 'member_state', 'France, Ministry (tests)', { country: 'FRA' });
	const germany = await makeOrg(server, 'member_state', 'Germany, Ministry (tests)', { country: 'DEU', fourEyes: true });
	const palestine = await makeOrg(server, 'observer_state', 'Palestine, Ministry (tests)', { country: 'PSE' });
	const stakeholder = await makeOrg(server, 'stakeholder', 'Open Security Foundation (tests)');
	const regional = await makeOrg(server, 'regional_org', 'Regional Cyber Organisation (tests)');
	const unbody = await makeOrg(server, 'un_body', 'UN Cyber Institute (tests)');
	const orgs = { secretariat, kenya, france, germany, palestine, stakeholder, regional, unbody };
	const p = async (org, email, role) => makePerson(server, org, email, role);
	return {
		orgs,
		secAdmin: await p(secretariat, 'admin@sec.test', 'admin'),
		secEditor: await p(secretariat, 'editor@sec.test', 'editor'),
		secReader: await p(secretariat, 'reader@sec.test', 'reader'),
		kenAdmin: await p(kenya, 'admin@ken.test', 'admin'),
		kenEditor: await p(kenya, 'editor@ken.test', 'editor'),
		kenReader: await p(kenya, 'reader@ken.test', 'reader'),
		fraEditor: await p(france, 'editor@fra.test', 'editor'),
		deuAdmin: await p(germany, 'admin@deu.test', 'admin'),
		deuEditor: await p(germany, 'editor@deu.test', 'editor'),
		deuReader: await p(germany, 'reader@deu.test', 'reader'),
		pseEditor: await p(palestine, 'editor@pse.test', 'editor'),
		stkEditor: await p(stakeholder, 'editor@stk.test', 'editor'),
		stkAdmin: await p(stakeholder, 'admin@stk.test', 'admin'),
		regEditor: await p(regional, 'editor@reg.test', 'editor'),
		unEditor: await p(unbody, 'editor@un.test', 'editor'),
	};
}

/** A policy body with the required fields and whatever else is given. */
export function policy(title, extra = {}) {
	return { title, kind: 'national_strategy', summary: `Summary of ${title}.`, lang: 'en', ...extra };
}

/** Creates a policy as who; asserts 201 and resolves with the answer's model. */
export async function createPolicy(server, who, body, what = 'create') {
	const res = await call(server, who, 'POST', '/policies', { json: body });
	expectStatus(res, 201, what);
	assert.equal(res.headers.location, `/policies/${res.data.id}`, `${what}: Location`);
	return res.data;
}
