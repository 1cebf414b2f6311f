// Files on structured requests between states (docs/contacts.md "Files"): a request and each
// reply carry up to 5 files, checked by the one upload check (libmagic, the upload limit,
// active PDFs, safe names) and served by the one download (nosniff, sandbox CSP, ETag/304,
// HEAD) to the two states alone. Everyone else — a third state, an observer state, the
// Secretariat, a stakeholder, a UN body, a regional organisation, an anonymous caller —
// gets the 404 of a missing file, byte for byte; a file asked for under another request is
// a 404 too. The Secretariat's statistics never name files or sizes, and the files' text
// never reaches the search index.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { request } from './lib/http.mjs';
import { call, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { multipart } from './lib/multipart.mjs';
import { addSession } from './lib/orgs-fixture.mjs';
import { makePdf } from './lib/pdf.mjs';
import { startServer, tableCounts } from './lib/server.mjs';

const MAX_UPLOAD = 300000;
const MISSING = 987654321;
let server;
let cast;
let sent;   // the request, as its sender got it
let other;  // a second request between the same two states

const PDF = makePdf([['Indicators of compromise, first page.'], ['Second page.']]);
const TEXT = 'FILECANARY-93d1 the log excerpt\n';
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

before(async () => {
	server = await startServer({ env: { GCSCP_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
});

const fields = (extra = {}) => ({
	to_org: cast.orgs.france, kind: 'incident_information', urgency: 'high', handling: 'TLP:AMBER',
	subject: 'Phishing wave against ministries', description: 'Details attached.', ...extra,
});

/** POST a multipart body as who to the API (or, with session, to the page). */
async function post(who, path, values, files, { session, csrf = true } = {}) {
	const parts = Object.entries(values).map(([name, value]) => ({ name, value: String(value) }));
	for (const f of files) parts.push({ name: f.name ?? 'file', filename: f.filename, filenameStar: f.filenameStar, type: f.type, data: f.data });
	if (session && csrf) parts.unshift({ name: 'csrf_token', value: session.csrf });
	const mp = multipart(parts);
	const headers = { 'Content-Type': mp.contentType };
	let target = `/api/v1${path}`;
	if (session) {
		Object.assign(headers, { Cookie: session.cookie, Accept: 'text/html' });
		target = path;
	} else {
		headers.Accept = 'application/json';
		if (who) Object.assign(headers, who.headers);
	}
	const res = await request(server, target, { method: 'POST', headers, body: mp.body });
	if (/^application\/json/.test(res.headers['content-type'] ?? '')) res.data = JSON.parse(res.text);
	return res;
}

/** A 404's body with what differs between any two answers (the path asked for, the request's reference) taken out. */
const body404 = (res, path) => res.text.replaceAll(path, '/PATH').replace(/[0-9a-f]{16}/g, 'REF');

const fetchAs = (who, path, { method = 'GET', headers = {} } = {}) =>
	request(server, path, { method, headers: { ...(who ? who.headers : {}), ...headers } });

const pdfFile = { filename: 'indicators.pdf', type: 'application/pdf', data: PDF };
const textFile = { filename: 'log excerpt.txt', type: 'text/plain', data: TEXT };

async function fileRows() {
	return Number((await server.db.sql('SELECT COUNT(*) FROM contact_request_files')).trim());
}

describe('sending and replying with files', () => {
	test('a request carries files: 201, the thread lists them with links, never their hashes', async () => {
		const res = expectStatus(await post(cast.kenEditor, '/requests', fields(), [pdfFile, textFile]), 201, 'send');
		sent = res.data;
		const files = sent.messages[0].files;
		assert.equal(files.length, 2);
		assert.deepEqual(files.map((f) => [f.filename, f.media_type, f.size]), [
			['indicators.pdf', 'application/pdf', PDF.length], ['log excerpt.txt', 'text/plain', Buffer.byteLength(TEXT)],
		]);
		for (const f of files) {
			assert.equal(f.href, `/requests/${sent.id}/files/${f.id}`);
			assert.equal(f.sha256, undefined, 'the hash is not shown');
		}
		assert.equal(sent.messages[0].has_files, true);
		const rows = await server.db.sql(`SELECT sha256 FROM contact_request_files WHERE request_id = ${sent.id} ORDER BY id`);
		assert.deepEqual(rows.trim().split('\n'), [sha256(PDF), sha256(Buffer.from(TEXT))], 'stored by their hash');
		other = expectStatus(await call(server, cast.kenEditor, 'POST', '/requests', { json: fields({ subject: 'Another one' }) }), 201, 'second').data;
		assert.deepEqual(other.messages[0].files, [], 'a JSON request has no files');
	});

	test('both states download every file, with the safe headers; HEAD and If-None-Match', async () => {
		const [pdf, txt] = sent.messages[0].files;
		for (const who of [cast.kenEditor, cast.kenReader, cast.kenAdmin, cast.fraEditor]) {
			for (const path of [pdf.href, `/api/v1${pdf.href}`]) {
				const res = expectStatus(await fetchAs(who, path), 200, `${who.email} ${path}`);
				assert.ok(res.body.equals(PDF), 'the same bytes');
				assert.equal(res.headers['content-type'], 'application/pdf');
				assert.equal(Number(res.headers['content-length']), PDF.length);
				assert.equal(res.headers['content-disposition'], `attachment; filename="indicators.pdf"; filename*=UTF-8''indicators.pdf`);
				assert.equal(res.headers['x-content-type-options'], 'nosniff');
				assert.match(res.headers['content-security-policy'], /(^|, )sandbox; default-src 'none'/);
				assert.equal(res.headers.etag, `"${sha256(PDF)}"`);
				assert.match(res.headers['cache-control'], /private/);
			}
		}
		const t = expectStatus(await fetchAs(cast.fraEditor, txt.href), 200, 'text');
		assert.equal(t.text, TEXT);
		assert.equal(t.headers['content-type'], 'text/plain; charset=utf-8');
		assert.equal(t.headers['content-disposition'], `attachment; filename="log excerpt.txt"; filename*=UTF-8''log%20excerpt.txt`);
		const head = expectStatus(await fetchAs(cast.fraEditor, pdf.href, { method: 'HEAD' }), 200, 'HEAD');
		assert.equal(head.body.length, 0);
		assert.equal(Number(head.headers['content-length']), PDF.length);
		assert.equal(head.headers.etag, `"${sha256(PDF)}"`);
		const cond = await fetchAs(cast.fraEditor, pdf.href, { headers: { 'If-None-Match': `"${sha256(PDF)}"` } });
		assert.equal(cond.status, 304);
		assert.equal(cond.body.length, 0);
		const stale = await fetchAs(cast.fraEditor, pdf.href, { headers: { 'If-None-Match': `"${'0'.repeat(64)}"` } });
		assert.equal(stale.status, 200, 'another tag: the file');
	});

	test('a reply carries files; the other side downloads them', async () => {
		const res = expectStatus(await post(cast.fraEditor, `/requests/${sent.id}/reply`, { body: 'Our analysis is attached.' },
			[{ filename: 'analysis.txt', type: 'text/plain', data: 'analysis of the wave\n' }]), 200, 'reply');
		const reply = res.data.messages[1];
		assert.equal(reply.body, 'Our analysis is attached.');
		assert.deepEqual(reply.files.map((f) => f.filename), ['analysis.txt']);
		assert.equal(res.data.messages[0].files.length, 2, 'the request\'s files stay on the request\'s message');
		const got = expectStatus(await fetchAs(cast.kenReader, reply.files[0].href), 200, 'sender downloads the reply\'s file');
		assert.equal(got.text, 'analysis of the wave\n');
		assert.match(res.data.answered_at, /^\d{4}-/, 'a reply with files answers like any reply');
	});

	test('five files on one message; names are kept safe', async () => {
		const five = [1, 2, 3, 4].map((i) => ({ filename: `note-${i}.txt`, type: 'text/plain', data: `note ${i}\n` }));
		five.push({ filename: 'plain.txt', filenameStar: "UTF-8''..%2F..%2Fetc%2F%22evil%22%3Ax.txt", type: 'text/plain', data: 'x\n' });
		const res = expectStatus(await post(cast.kenEditor, `/requests/${sent.id}/reply`, { body: 'Five notes.' }, five), 200, 'five');
		const names = res.data.messages.at(-1).files.map((f) => f.filename);
		assert.equal(names.length, 5);
		assert.equal(names[4], '_evil__x.txt', 'no directory, no quote, no colon');
	});
});

describe('who may download', () => {
	const refused = () => [
		['third state admin', cast.deuAdmin], ['third state reader', cast.deuReader], ['observer state', cast.pseEditor],
		['Secretariat admin', cast.secAdmin], ['Secretariat editor', cast.secEditor], ['Secretariat reader', cast.secReader],
		['stakeholder', cast.stkAdmin], ['UN body', cast.unEditor], ['regional', cast.regEditor], ['anonymous', null],
	];

	test('everyone but the two states: the 404 of a missing file, for GET, the API and HEAD', async () => {
		const f = sent.messages[0].files[0];
		for (const [what, who] of refused()) {
			for (const prefix of ['', '/api/v1']) {
				const missing = await fetchAs(who, `${prefix}/requests/${sent.id}/files/${MISSING}`);
				expectStatus(missing, 404, `${what} missing`);
				const res = await fetchAs(who, `${prefix}${f.href}`);
				expectStatus(res, 404, `${what} ${prefix}`);
				assert.equal(body404(res, `${prefix}${f.href}`), body404(missing, `${prefix}/requests/${sent.id}/files/${MISSING}`),
					`${what}: the body of a missing file`);
				assert.equal(res.headers['content-type'], missing.headers['content-type']);
				assert.equal(res.headers.etag, undefined);
				assert.ok(!res.text.includes('indicators'), 'no name leaks');
			}
			expectStatus(await fetchAs(who, f.href, { method: 'HEAD' }), 404, `${what} HEAD`);
		}
	});

	test('a file asked for under another request, a missing request, a malformed id: 404', async () => {
		const f = sent.messages[0].files[0];
		const missing = await fetchAs(cast.kenEditor, `/requests/${sent.id}/files/${MISSING}`);
		expectStatus(missing, 404, 'missing file id');
		for (const path of [
			`/requests/${other.id}/files/${f.id}`, `/requests/${MISSING}/files/${f.id}`,
			`/requests/${sent.id}/files/0`, `/requests/${sent.id}/files/abc`, `/requests/0/files/${f.id}`,
		]) {
			const res = await fetchAs(cast.kenEditor, path);
			expectStatus(res, 404, path);
			assert.equal(body404(res, path), body404(missing, `/requests/${sent.id}/files/${MISSING}`), `${path}: the body of a missing file`);
		}
	});

	test('the Secretariat sees that the exchange took place and its times, never the files, names or sizes', async () => {
		const stats = expectStatus(await call(server, cast.secAdmin, 'GET', '/requests/stats'), 200, 'stats');
		assert.ok(stats.data.count >= 2);
		for (const e of stats.data.exchanges) assert.deepEqual(Object.keys(e).sort(), ['acknowledged_at', 'answered_at', 'delivered_at', 'sent_at']);
		for (const leak of ['indicators', 'analysis', 'log excerpt', String(PDF.length), 'files']) {
			assert.ok(!stats.text.includes(leak), `no ${leak}`);
		}
		const page = await request(server, '/requests/stats', { headers: { ...cast.secAdmin.headers, Accept: 'text/html' } });
		expectStatus(page, 200, 'stats page');
		assert.ok(!page.text.includes('indicators.pdf'));
		expectStatus(await call(server, cast.secAdmin, 'GET', `/requests/${sent.id}`), 404, 'the request itself');
	});

	test('the files\' text is never in the search index', async () => {
		const count = Number((await server.db.sql("SELECT COUNT(*) FROM jobs WHERE kind LIKE '%attachment%'")).trim());
		assert.equal(count, 0, 'no extraction job');
		for (const who of [cast.kenEditor, cast.fraEditor, cast.secAdmin]) {
			const res = expectStatus(await call(server, who, 'GET', '/search?q=FILECANARY'), 200, 'search');
			assert.deepEqual(res.data.hits, [], `${who.email}: nothing found`);
		}
	});
});

describe('refusals, nothing stored', () => {
	const gif = Buffer.concat([Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00', 'latin1'), Buffer.alloc(64)]);
	const activePdf = Buffer.from(PDF.toString('latin1').replace('/Type /Catalog', '/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>'), 'latin1');
	const html = '<!DOCTYPE html><html><body>Not a PDF</body></html>\n';
	const bad = () => [
		['oversize', [{ filename: 'big.pdf', type: 'application/pdf', data: Buffer.concat([PDF, Buffer.alloc(MAX_UPLOAD, 0x20)]) }], 413, null],
		['wrong type', [{ filename: 'picture.gif', type: 'image/gif', data: gif }], 415, 'file'],
		['disguised by name', [{ filename: 'report.pdf', type: 'application/pdf', data: html }], 422, 'file'],
		['disguised by type', [{ filename: 'report', type: 'text/plain', data: PDF }], 422, 'file'],
		['active PDF', [{ filename: 'active.pdf', type: 'application/pdf', data: activePdf }], 422, 'file'],
		['empty file', [{ filename: 'empty.txt', type: 'text/plain', data: '' }], 422, 'file'],
		['six files', [1, 2, 3, 4, 5, 6].map((i) => ({ filename: `n${i}.txt`, type: 'text/plain', data: `n${i}\n` })), 422, 'file'],
		['another field', [{ name: 'document', filename: 'x.txt', type: 'text/plain', data: 'x\n' }], 422, 'document'],
	];

	test('a request: 413, 415, 422 naming the field; no request, message or file is kept', async () => {
		const before = await tableCounts(server.db);
		for (const [what, files, status, field] of bad()) {
			const res = await post(cast.kenEditor, '/requests', fields(), files);
			expectStatus(res, status, what);
			if (field) assert.equal(res.data.error.field, field, what);
		}
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
	});

	test('a reply: the same refusals; the thread is unchanged', async () => {
		const before = await tableCounts(server.db);
		const thread = (await call(server, cast.fraEditor, 'GET', `/requests/${sent.id}`)).data.messages.length;
		for (const [what, files, status, field] of bad()) {
			const res = await post(cast.fraEditor, `/requests/${sent.id}/reply`, { body: 'With a bad file.' }, files);
			expectStatus(res, status, what);
			if (field) assert.equal(res.data.error.field, field, what);
		}
		assert.deepEqual(await tableCounts(server.db), before, 'nothing changed');
		assert.equal((await call(server, cast.fraEditor, 'GET', `/requests/${sent.id}`)).data.messages.length, thread);
	});

	test('with files, the same people are refused as without: 401, 403, 404', async () => {
		const rows = await fileRows();
		expectStatus(await post(null, '/requests', fields(), [textFile]), 401, 'anonymous');
		for (const who of [cast.kenReader, cast.secAdmin, cast.stkAdmin, cast.unEditor]) {
			expectStatus(await post(who, '/requests', fields(), [textFile]), 403, who.email);
		}
		for (const who of [cast.deuAdmin, cast.pseEditor, cast.secAdmin, cast.stkAdmin]) {
			expectStatus(await post(who, `/requests/${sent.id}/reply`, { body: 'x' }, [textFile]), 404, `${who.email} reply`);
		}
		expectStatus(await post(cast.fraEditor, `/requests/${MISSING}/reply`, { body: 'x' }, [textFile]), 404, 'missing request');
		assert.equal(await fileRows(), rows, 'no file kept');
	});
});

describe('the pages', () => {
	let session;
	before(async () => {
		const userId = Number((await server.db.sql("SELECT id FROM users WHERE email = 'editor@ken.test'")).trim());
		await server.db.sql(`UPDATE users SET status = 'active' WHERE id = ${userId}`);
		session = await addSession(server, userId);
	});

	test('the forms are multipart with a file input, described by its limits', async () => {
		const form = await request(server, '/requests/new', { headers: { Cookie: session.cookie, Accept: 'text/html' } });
		expectStatus(form, 200, 'new request form');
		assert.match(form.text, /<form class="item-form" method="post" action="\/requests" enctype="multipart\/form-data"/);
		assert.match(form.text, /<input type="file" id="request-files" name="file" multiple [^>]*aria-describedby="request-files-hint"/);
		assert.match(form.text, /<label for="request-files">/);
		assert.match(form.text, /id="request-files-hint">[^<]*293\.0 KiB[^<]*5\./);
		const page = await request(server, `/requests/${sent.id}`, { headers: { Cookie: session.cookie, Accept: 'text/html' } });
		expectStatus(page, 200, 'request page');
		assert.match(page.text, new RegExp(`action="/requests/${sent.id}/reply" enctype="multipart/form-data"`));
		for (const f of sent.messages[0].files) assert.ok(page.text.includes(`<a href="${f.href}" download dir="auto">`), f.filename);
		assert.ok(page.text.includes('log excerpt.txt'));
	});

	test('a browser sends a request with a file: the CSRF token is read from the multipart body', async () => {
		const rows = await fileRows();
		expectStatus(await post(null, '/requests', fields(), [textFile], { session, csrf: false }), 403, 'no token');
		expectStatus(await post(null, '/requests', fields(), [textFile], { session: { ...session, csrf: 'x'.repeat(32) } }), 403, 'wrong token');
		assert.equal(await fileRows(), rows);
		const good = await post(null, '/requests', fields({ subject: 'From the browser' }), [textFile], { session });
		assert.equal(good.status, 303, good.text.slice(0, 300));
		assert.match(good.headers.location, /^\/requests\/\d+$/);
		assert.equal(await fileRows(), rows + 1);
		const reply = await post(null, `${good.headers.location}/reply`, { body: 'And another.' }, [{ filename: 'more.txt', type: 'text/plain', data: 'more\n' }], { session });
		assert.equal(reply.status, 303, reply.text.slice(0, 300));
		assert.equal(await fileRows(), rows + 2);
		const refused = await post(null, '/requests', fields({ subject: 'Typed <subject>' }), [{ filename: 'x.gif', type: 'image/gif', data: gif() }], { session });
		expectStatus(refused, 415, 'page refusal');
		assert.match(refused.headers['content-type'], /^text\/html/);
		// The form again: the message beside the file input, what was typed kept (escaped), the choices kept.
		assert.match(refused.text, /<p class="field-error" id="request-files-error">This kind of file is not accepted/);
		assert.match(refused.text, /aria-describedby="request-files-hint request-files-error" aria-invalid="true"/);
		assert.match(refused.text, /value="Typed &lt;subject&gt;"/);
		assert.match(refused.text, /<option value="TLP:AMBER" selected>/);
		assert.match(refused.text, new RegExp(`<option value="${cast.orgs.france}" selected>`));
		const noSubject = await post(null, '/requests', fields({ subject: '' }), [textFile], { session });
		expectStatus(noSubject, 422, 'no subject');
		assert.match(noSubject.text, /id="request-subject-error"/);
		assert.match(noSubject.text, /Details attached\.<\/textarea>/);
		const badReply = await post(null, `${good.headers.location}/reply`, { body: 'Kept text' }, [{ filename: 'a.pdf', type: 'application/pdf', data: 'not a pdf\n' }], { session });
		expectStatus(badReply, 422, 'reply refusal');
		assert.match(badReply.text, /<p class="field-error" id="request-reply-files-error">/);
		assert.match(badReply.text, />Kept text<\/textarea>/);
		assert.match(badReply.text, /<h1 dir="auto">From the browser<\/h1>/, 'the request again');
		assert.equal(await fileRows(), rows + 2, 'nothing kept');
	});
});

function gif() {
	return Buffer.concat([Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00', 'latin1'), Buffer.alloc(64)]);
}
