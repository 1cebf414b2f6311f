// Writes of the content modules through the API, each with what must read back afterwards:
// for the durability test (every acknowledged write survives a SIGKILL) and the backup test
// (the restored portal answers every one of them as the source does). A write resolves with
// { kind, status, ...what identifies it }, or throws when the server is gone (no answer).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { request } from './http.mjs';
import { call, expectStatus, policy } from './items-fixture.mjs';
import { multipart } from './multipart.mjs';

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** POSTs a multipart body (values, then files in field "file") to the API as who. */
export async function postMultipart(server, who, apiPath, values, files) {
	const parts = Object.entries(values).map(([name, value]) => ({ name, value: String(value) }));
	for (const f of files) parts.push({ name: 'file', filename: f.filename, type: f.type, data: f.data });
	const mp = multipart(parts);
	const res = await request(server, `/api/v1${apiPath}`, {
		method: 'POST', headers: { 'Content-Type': mp.contentType, Accept: 'application/json', ...who.headers }, body: mp.body,
	});
	if (/^application\/json/.test(res.headers['content-type'] ?? '')) res.data = JSON.parse(res.text);
	return res;
}

/** A small text file whose bytes name the write (so each has its own SHA-256). */
export function textFile(tag) {
	return { filename: `evidence ${tag}.txt`, type: 'text/plain', data: Buffer.from(`Log excerpt for ${tag}\n${'x'.repeat(64)}\n`) };
}

export const bodies = {
	policy: (tag) => policy(`Durable plan ${tag}`, { visibility: 'public' }),
	contact: (tag) => ({
		kind: 'technical', function_title: `Duty officer ${tag}`, person_name: `Officer ${tag}`,
		emails: [`duty-${tag.replaceAll(/[^a-z0-9]/gi, '')}@ke-cirt.example.ke`], languages: ['en'], visibility: 'public',
	}),
	request: (tag, toOrg) => ({
		to_org: toOrg, kind: 'incident_information', urgency: 'high', handling: 'TLP:AMBER',
		subject: `Incident ${tag}`, description: `What we saw: ${tag}.`,
	}),
	event: (tag) => ({
		title: `Workshop ${tag}`, lang: 'en', description: `About ${tag}.`, event_kind: 'workshop', topics: ['incident_response'],
		starts: '2030-03-10T09:00', ends: '2030-03-12T17:00', timezone: 'Africa/Nairobi', modality: 'in_person',
		place: 'Nairobi', languages: ['en'], visibility: 'public',
	}),
	need: (tag) => ({
		title: `Need ${tag}`, lang: 'en', description: `Need: ${tag}`, topics: ['incident_response'], help_kinds: ['training'],
		languages: ['en'], visibility: 'public',
	}),
	offer: (tag) => ({
		title: `Offer ${tag}`, lang: 'en', description: `Offer: ${tag}`, topics: ['incident_response'], help_kinds: ['training'],
		languages: ['en'], modalities: ['online'], visibility: 'public',
	}),
};

const TOPICS = ['incident_response', 'cybercrime', 'cyber_diplomacy', 'digital_forensics'];
const LANGS = ['en', 'fr', 'es', 'ar', 'ru', 'zh'];
/** The n-th subscription setting: each differs from the one before it. */
export function subscription(n) {
	return { frequency: n % 2 ? 'daily' : 'weekly', topics: [TOPICS[n % TOPICS.length]], digest_lang: LANGS[n % LANGS.length] };
}

/** The page (API path) of an item of a module; capacity items by their entry kind. */
export const itemPath = { policy: '/policies', contact: '/contacts', event: '/calendar', need: '/needs', offer: '/offers' };

/** Each write: POST it; on a 2xx resolve with what identifies it. The caller decides what a non-2xx means. */
export const writes = {
	async item(server, who, kind, tag) {
		const res = await call(server, who, 'POST', itemPath[kind], { json: bodies[kind](tag) });
		return { kind, status: res.status, res, id: res.status === 201 ? Number(res.data.id) : null, tag };
	},
	/** A request from who's state to toOrg, with one file. */
	async request(server, who, toOrg, tag) {
		const file = textFile(tag);
		const res = await postMultipart(server, who, '/requests', bodies.request(tag, toOrg), [file]);
		const ok = res.status === 201;
		return { kind: 'request', status: res.status, res, id: ok ? Number(res.data.id) : null, tag, file,
			fileId: ok ? res.data.messages[0].files[0].id : null };
	},
	/** A reply with one file on request id. */
	async reply(server, who, id, tag) {
		const file = textFile(tag);
		const body = `Reply ${tag}`;
		const res = await postMultipart(server, who, `/requests/${id}/reply`, { body }, [file]);
		const ok = res.status === 200;
		const msg = ok ? res.data.messages.find((m) => m.body === body) : null;
		return { kind: 'reply', status: res.status, res, id, tag, body, file, messageId: msg?.id ?? null, fileId: msg?.files[0]?.id ?? null };
	},
	async interest(server, who, needId, tag) {
		const message = `We can help: ${tag}`;
		const res = await call(server, who, 'POST', `/needs/${needId}/interest`, { json: { message } });
		return { kind: 'interest', status: res.status, res, id: needId, org: who.org, tag, message };
	},
	async subscription(server, who, n) {
		const setting = subscription(n);
		const res = await call(server, who, 'POST', '/calendar/subscription', { json: setting });
		return { kind: 'subscription', status: res.status, res, n, setting };
	},
};

/** The bytes of a file of a request, as who downloads it. */
export async function requestFileBytes(server, who, requestId, fileId) {
	const res = await request(server, `/api/v1/requests/${requestId}/files/${fileId}`, { headers: who.headers });
	expectStatus(res, 200, `file ${fileId} of request ${requestId}`);
	return res.body;
}

/**
 * Checks that an acknowledged write w reads back whole on server (read as reader; for
 * requests and replies, reader is a member of one of the two states).
 */
export async function assertWritePresent(server, reader, w) {
	const what = `${w.kind} ${w.tag ?? w.n} (${w.id ?? ''})`;
	switch (w.kind) {
	case 'policy': case 'contact': case 'event': case 'need': case 'offer': {
		const res = await call(server, reader, 'GET', `${itemPath[w.kind]}/${w.id}`);
		assert.equal(res.status, 200, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
		const body = bodies[w.kind](w.tag);
		if (w.kind === 'policy') assert.equal(res.data.item.title, body.title, what);
		else if (w.kind === 'contact') {
			assert.equal(res.data.function_title, body.function_title, what);
			assert.deepEqual(res.data.emails, body.emails, what);
		} else {
			assert.equal(res.data.text.title, body.title, what);
			assert.deepEqual(res.data.topics, body.topics, what);
		}
		break;
	}
	case 'request': case 'reply': {
		const res = await call(server, reader, 'GET', `/requests/${w.id}`);
		assert.equal(res.status, 200, `${what}: ${res.status}`);
		const msg = w.kind === 'request' ? res.data.messages[0] : res.data.messages.find((m) => m.id === w.messageId);
		assert.ok(msg, `${what}: the message is in the thread`);
		if (w.kind === 'request') assert.equal(res.data.subject, `Incident ${w.tag}`, what);
		else assert.equal(msg.body, w.body, what);
		assert.equal(msg.files.length, 1, `${what}: its file`);
		assert.equal(msg.files[0].id, w.fileId, what);
		assert.equal(msg.files[0].filename, w.file.filename, what);
		assert.equal(msg.files[0].size, w.file.data.length, what);
		const bytes = await requestFileBytes(server, reader, w.id, w.fileId);
		assert.equal(sha256(bytes), sha256(w.file.data), `${what}: the file's bytes`);
		break;
	}
	case 'interest': {
		const rows = (await server.db.sql(`SELECT message FROM capacity_interest WHERE need_id = ${w.id} AND org_id = ${w.org}`)).trim();
		assert.equal(rows, w.message, `${what}: the interest is recorded`);
		break;
	}
	default:
		throw new Error(`no check for ${w.kind}`);
	}
}

/** Every row of contact_request_files names a file of the store whose bytes have that SHA-256. */
export async function assertRequestFilesStored(db) {
	const rows = (await db.sql('SELECT DISTINCT sha256 FROM contact_request_files')).split('\n').map((s) => s.trim()).filter(Boolean);
	for (const sha of rows) {
		const bytes = await readFile(path.join(db.dataDir, 'files', sha.slice(0, 2), sha));
		assert.equal(sha256(bytes), sha, `the stored file ${sha}`);
	}
	return rows.length;
}
