// Red team: a structured request between two states in every secondary channel.
//
// docs/contacts.md: only the two states see a request; the Secretariat sees that an
// exchange took place and its times (GET /requests/stats), never the states, kind,
// label or text. Here a request from Kenya to France is looked for by everyone else
// (a third state, an observer, the Secretariat's admin, editor and reader, a
// stakeholder, a regional organisation, a UN body, anonymous) through its page and API,
// its writes, lists, search, the statistics and the audit log browser; and its text is
// looked for in the mail the portal queues.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { request as http } from './lib/http.mjs';
import { multipart } from './lib/multipart.mjs';

import { call, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
let request;
const SUBJECT = 'RTSUBJ-5c1e ransomware at the shared provider';
const TEXT = 'RTTEXT-9b2d indicators: 203.0.113.7';
const REPLY = 'RTREPLY-44aa thank you';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	expectStatus(await call(server, cast.fraEditor, 'POST', '/contacts', {
		json: { kind: 'technical', function_title: 'CERT duty', emails: ['duty@cert.example.fr'] },
	}), 201, 'contact');
	const res = await call(server, cast.kenEditor, 'POST', '/requests', {
		json: { to_org: cast.orgs.france, kind: 'incident_information', urgency: 'urgent', handling: 'TLP:RED', subject: SUBJECT, description: TEXT },
	});
	request = expectStatus(res, 201, 'request').data;
	expectStatus(await call(server, cast.fraEditor, 'POST', `/requests/${request.id}/reply`, { json: { body: REPLY } }), 200, 'reply');
});
after(async () => {
	await server?.stop();
});

const outsiders = () => [
	['anonymous', null], ['third state', cast.deuAdmin], ['observer', cast.pseEditor], ['Secretariat admin', cast.secAdmin],
	['Secretariat editor', cast.secEditor], ['Secretariat reader', cast.secReader], ['stakeholder', cast.stkAdmin],
	['regional organisation', cast.regEditor], ['UN body', cast.unEditor],
];

function noCanary(text, what) {
	for (const c of [SUBJECT, TEXT, REPLY, 'RTSUBJ', 'RTTEXT', 'RTREPLY']) {
		assert.ok(!text.includes(c), `${what}: shows ${c}`);
	}
}

test('outsiders find the request nowhere: page, API, writes, lists, search', async () => {
	for (const [name, who] of outsiders()) {
		for (const path of [`/requests/${request.id}`, `!/requests/${request.id}`]) {
			const res = await call(server, who, 'GET', path);
			const missing = await call(server, who, 'GET', path.replace(String(request.id), '987654'));
			assert.equal(res.status, missing.status, `${name} GET ${path}: ${res.status} vs missing ${missing.status}`);
			assert.ok([401, 404, 303].includes(res.status), `${name} GET ${path}: ${res.status}`);
			noCanary(res.text, `${name} GET ${path}`);
		}
		for (const op of ['reply', 'acknowledge']) {
			const res = await call(server, who, 'POST', `/requests/${request.id}/${op}`, { json: op === 'reply' ? { body: 'x' } : {} });
			const missing = await call(server, who, 'POST', `/requests/987654/${op}`, { json: op === 'reply' ? { body: 'x' } : {} });
			assert.equal(res.status, missing.status, `${name} ${op}: ${res.status} vs missing ${missing.status}`);
			assert.deepEqual(res.data?.error?.code, missing.data?.error?.code, `${name} ${op}: error code`);
		}
		for (const q of ['RTSUBJ', 'RTTEXT', 'RTREPLY', 'ransomware', 'indicators']) {
			const res = expectStatus(await call(server, who, 'GET', `/search?q=${q}`), 200, `${name} search ${q}`);
			assert.equal(res.data.total, 0, `${name} search ${q}: ${res.data.total} hits`);
			assert.equal(res.data.hits.length, 0);
		}
		for (const path of ['/requests', '!/requests', '/contacts', '/contacts.csv', '/contacts.vcf', '/policies.json', '/calendar.ics', '/mine', '/review']) {
			const res = await call(server, who, 'GET', path);
			noCanary(res.text, `${name} GET ${path}`);
		}
	}
	// The thread still holds both messages for the two states.
	const shown = expectStatus(await call(server, cast.kenReader, 'GET', `/requests/${request.id}`), 200, 'sender reader');
	assert.equal(shown.data.messages.length, 2);
});

test('the Secretariat sees times only: in the statistics and in the audit log browser', async () => {
	const stats = expectStatus(await call(server, cast.secAdmin, 'GET', '/requests/stats'), 200, 'stats');
	noCanary(stats.text, 'stats');
	assert.ok(!stats.text.includes('TLP:RED'), 'stats name no label');
	assert.ok(!/Kenya|France/.test(JSON.stringify(stats.data.exchanges)), 'stats name no state');
	assert.equal(stats.data.count, 1);

	// The audit log browser: every entry the Secretariat's admin may read, with every filter
	// that could single the exchange out, shows neither the states, the kind nor the label.
	const keny = (await call(server, cast.kenEditor, 'GET', '/me')).data;
	const probes = ['/audit?limit=200', '/audit?action=contact.request_send', '/audit?action=contact.',
		'/audit?target_type=contact_request', `/audit?target_type=contact_request&target_id=${request.id}`,
		`/audit?org=${cast.orgs.kenya}&limit=200`, `/audit?org=${cast.orgs.france}&limit=200`,
		`/audit?actor=${keny.user.id}&limit=200`];
	for (const path of probes) {
		for (const p of [path, `!${path}`]) {
			const res = expectStatus(await call(server, cast.secAdmin, 'GET', p), 200, p);
			noCanary(res.text, `Secretariat ${p}`);
			assert.ok(!res.text.includes('TLP:RED'), `Secretariat ${p}: shows the request's label`);
			if (res.data) {
				const hits = res.data.entries.filter((e) => e.action.startsWith('contact.request_') || e.target?.type === 'contact_request'
					|| JSON.stringify(e).includes('contact_request'));
				assert.deepEqual(hits, [], `Secretariat ${p}: shows a record of the exchange`);
			}
		}
	}
	// A third state's admin reads only its own organisation's entries anyway.
	const third = expectStatus(await call(server, cast.deuAdmin, 'GET', '/audit?limit=200'), 200, 'third state audit');
	assert.ok(!third.text.includes('contact_request'), 'third state');
	// The sender's admin still reads its own people's records of the exchange.
	const own = expectStatus(await call(server, cast.kenAdmin, 'GET', '/audit?action=contact.request_send'), 200, 'sender audit');
	assert.equal(own.data.entries.length, 1, 'the sender sees its record');
});

test('the mail the portal queues never holds the subject or the text', async () => {
	const rows = await server.db.sql("SELECT subject || ' ' || body FROM outbox WHERE ref LIKE 'contacts.request:%'");
	assert.ok(rows.trim().length > 0, 'notifications were queued');
	noCanary(rows, 'outbox');
});

test("a request's files answer outsiders exactly like missing ones, whatever the validators", async () => {
	const text = 'RTFILE-0d1e annex of the request\n';
	const mp = multipart([
		{ name: 'to_org', value: String(cast.orgs.france) }, { name: 'kind', value: 'assistance' }, { name: 'urgency', value: 'high' },
		{ name: 'handling', value: 'TLP:AMBER' }, { name: 'subject', value: 'With a file' }, { name: 'description', value: 'See the annex.' },
		{ name: 'file', filename: 'annex.txt', type: 'text/plain', data: text },
	]);
	const sent = await http(server, '/api/v1/requests', {
		method: 'POST', headers: { Accept: 'application/json', 'Content-Type': mp.contentType, ...cast.kenEditor.headers }, body: mp.body,
	});
	assert.equal(sent.status, 201, sent.text);
	const model = JSON.parse(sent.text);
	const files = model.messages[0].files;
	assert.equal(files.length, 1);
	const href = files[0].href;
	const fid = files[0].id;
	const sha = createHash('sha256').update(text).digest('hex');
	const missing = `/requests/${model.id}/files/987654`;
	const otherRequest = `/requests/${request.id}/files/${fid}`;
	for (const [name, who] of outsiders()) {
		for (const extra of [{}, { 'If-None-Match': `"${sha}"` }, { 'If-None-Match': '*' }, { Range: 'bytes=0-3' }]) {
			for (const method of ['GET', 'HEAD']) {
				for (const prefix of ['', '/api/v1']) {
					const headers = { Accept: prefix ? 'application/json' : 'text/html', ...(who ? who.headers : {}), ...extra };
					const res = await http(server, `${prefix}${href}`, { method, headers });
					const gone = await http(server, `${prefix}${missing}`, { method, headers });
					const label = `${name} ${method} ${prefix}${href} ${JSON.stringify(extra)}`;
					assert.equal(res.status, 404, label);
					assert.equal(res.status, gone.status, `${label}: unlike a missing file`);
					assert.equal(res.headers.etag, undefined, `${label}: an ETag`);
					assert.ok(!res.text.includes('RTFILE'), `${label}: the content`);
				}
			}
		}
	}
	// Under another request of the same two states, the file id is not found either.
	const cross = await http(server, otherRequest, { headers: cast.fraEditor.headers });
	assert.equal(cross.status, 404, 'a file id under another request');
	// The two states read it, with the one sandbox policy.
	for (const who of [cast.fraEditor, cast.kenReader]) {
		const res = await http(server, href, { headers: who.headers });
		assert.equal(res.status, 200, `${who.email} reads the file`);
		assert.equal(res.text, text);
		assert.match(res.headers['content-security-policy'], /^sandbox; default-src 'none'/);
		assert.ok(!res.headers['content-security-policy'].includes("'self'"), 'one policy, the sandbox');
	}
	// The Secretariat's statistics carry no file name.
	const stats = await call(server, cast.secAdmin, 'GET', '/requests/stats');
	assert.ok(!stats.text.includes('annex'), 'stats');
});
