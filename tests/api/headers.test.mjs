// The headers every response carries, whatever produced it (SECURITY.md O3).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertSecurityHeaders, etagValue, get, raw, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

const cases = [
	['the home page (HTML)', '/', {}, 200],
	['the home page model (JSON)', '/api/v1/', {}, 200],
	['a country page (HTML)', '/countries/DEU', {}, 200],
	['a country (JSON)', '/api/v1/countries/DEU', {}, 200],
	['a list with Accept: application/json', '/countries', { Accept: 'application/json' }, 200],
	['/healthz', '/healthz', { Accept: 'application/json' }, 200],
	['the OpenAPI document', '/api/v1/openapi.json', {}, 200],
	['a 404 page (HTML)', '/no/such/page', {}, 404],
	['a 404 (JSON)', '/api/v1/no/such/thing', {}, 404],
	['a 400 (JSON)', '/api/v1/countries/%zz', {}, 400],
	['a 400 page (HTML)', '/countries/%zz', {}, 400],
	['a static file', '/static/style.css', {}, 200],
	['a missing static file', '/static/no-such-file.css', {}, 404],
	['a request from a foreign Origin', '/api/v1/countries', { Origin: 'https://evil.example' }, 200],
];

for (const [name, path, headers, status] of cases) {
	test(`security headers on ${name}`, async () => {
		const res = await get(server, path, headers);
		assert.equal(res.status, status, `${path}: ${res.text.slice(0, 200)}`);
		assertSecurityHeaders(res, path);
	});
}

test('security headers on a 405', async () => {
	const res = await request(server, '/api/v1/countries', { method: 'DELETE' });
	assert.equal(res.status, 405);
	assertSecurityHeaders(res, 'DELETE /api/v1/countries');
});

test('security headers on a HEAD response', async () => {
	const res = await request(server, '/', { method: 'HEAD' });
	assert.equal(res.status, 200);
	assertSecurityHeaders(res, 'HEAD /');
});

test('security headers on a 304 of a static file', async () => {
	const first = await get(server, '/static/style.css');
	const res = await get(server, '/static/style.css', { 'If-None-Match': first.headers.etag });
	assert.equal(res.status, 304);
	assertSecurityHeaders(res, '304 /static/style.css');
});

test('security headers on a 304 of the home page', async () => {
	const first = await get(server, '/');
	etagValue(first.headers.etag);
	const res = await get(server, '/', { 'If-None-Match': first.headers.etag });
	assert.equal(res.status, 304);
	assertSecurityHeaders(res, '304 /');
});

test('security headers on a 414', async () => {
	const res = await get(server, `/api/v1/${'a'.repeat(3000)}`);
	assert.equal(res.status, 414);
	assertSecurityHeaders(res, '414');
});

test('security headers on ambiguous framing (400, raw)', async () => {
	const res = await raw(server, `POST /api/v1/countries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`);
	assert.equal(res.status, 400);
	assertSecurityHeaders(res, 'duplicate Content-Length');
});

test('every response gets a different X-Request-Id', async () => {
	const ids = new Set();
	for (let i = 0; i < 20; i++) ids.add((await get(server, '/api/v1/healthz')).headers['x-request-id']);
	assert.equal(ids.size, 20);
});

test('HTML pages declare their charset and content type', async () => {
	const res = await get(server, '/');
	assert.match(res.headers['content-type'], /^text\/html;\s*charset=utf-8$/i);
	const json = await get(server, '/api/v1/');
	assert.match(json.headers['content-type'], /^application\/json\b/i);
});
