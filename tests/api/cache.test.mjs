// Conditional requests: ETags and 304 on the cached anonymous pages and on static files
// (DESIGN.md "Speed").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { etagValue, get, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

for (const path of ['/', '/static/style.css']) {
	test(`${path}: an ETag, stable across requests`, async () => {
		const a = await get(server, path);
		const b = await get(server, path);
		assert.equal(a.status, 200);
		etagValue(a.headers.etag);
		assert.equal(a.headers.etag, b.headers.etag);
		assert.ok(a.body.equals(b.body));
	});

	test(`${path}: If-None-Match with the ETag is 304, no body, same ETag`, async () => {
		const a = await get(server, path);
		const res = await get(server, path, { 'If-None-Match': a.headers.etag });
		assert.equal(res.status, 304);
		assert.equal(res.body.length, 0);
		assert.equal(res.headers.etag, a.headers.etag);
	});

	test(`${path}: If-None-Match with another ETag is 200 with the body`, async () => {
		const a = await get(server, path);
		const res = await get(server, path, { 'If-None-Match': '"not-the-etag"' });
		assert.equal(res.status, 200);
		assert.ok(res.body.equals(a.body));
	});

	test(`${path}: If-None-Match with a list holding the ETag is 304`, async () => {
		const a = await get(server, path);
		const res = await get(server, path, { 'If-None-Match': `"other", ${a.headers.etag}` });
		assert.equal(res.status, 304);
	});

	test(`${path}: a weak comparison matches W/ as well`, async () => {
		const a = await get(server, path);
		const value = etagValue(a.headers.etag);
		const res = await get(server, path, { 'If-None-Match': `W/"${value}"` });
		assert.equal(res.status, 304);
	});

	test(`${path}: HEAD with If-None-Match is 304`, async () => {
		const a = await get(server, path);
		const res = await request(server, path, { method: 'HEAD', headers: { 'If-None-Match': a.headers.etag } });
		assert.equal(res.status, 304);
	});

	test(`${path}: a garbage If-None-Match is ignored`, async () => {
		for (const value of ['', '"', 'x'.repeat(8000), '"a", "b", ,,,', 'W/']) {
			const res = await get(server, path, { 'If-None-Match': value });
			assert.equal(res.status, 200, `If-None-Match: ${value.slice(0, 20)}`);
		}
	});
}

test('the home page is cacheable', async () => {
	const res = await get(server, '/');
	const cc = res.headers['cache-control'] ?? '';
	assert.doesNotMatch(cc, /\bno-store\b/, `Cache-Control: ${cc}`);
});

test('the home page has one ETag per language', async () => {
	const en = await get(server, '/?lang=en');
	const fr = await get(server, '/?lang=fr');
	assert.equal(en.status, 200);
	assert.equal(fr.status, 200);
	assert.notEqual(en.headers.etag, fr.headers.etag);
	// The English ETag must not validate the French page.
	const res = await get(server, '/', { Cookie: 'gcscp_lang=fr', 'If-None-Match': en.headers.etag });
	assert.equal(res.status, 200);
	assert.match(res.text, /<html[^>]*\blang="fr"/);
});

test('the HTML page and the JSON model do not share an ETag', async () => {
	const html = await get(server, '/');
	const json = await get(server, '/', { Accept: 'application/json' });
	assert.equal(json.status, 200);
	if (json.headers.etag) assert.notEqual(json.headers.etag, html.headers.etag);
	const res = await get(server, '/', { Accept: 'application/json', 'If-None-Match': html.headers.etag });
	assert.equal(res.status, 200, 'the HTML ETag does not validate the JSON');
	assert.match(res.headers['content-type'], /^application\/json\b/);
});

test('a 304 is fast to produce repeatedly', async () => {
	const a = await get(server, '/');
	for (let i = 0; i < 50; i++) {
		const res = await get(server, '/', { 'If-None-Match': a.headers.etag });
		assert.equal(res.status, 304);
	}
});
