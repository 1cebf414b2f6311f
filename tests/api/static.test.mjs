// Static files: built into the binary, fingerprinted, never a way into the file system.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { etagValue, get, raw, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

test('GET /static/style.css serves CSS with an ETag', async () => {
	const res = await get(server, '/static/style.css');
	assert.equal(res.status, 200);
	assert.match(res.headers['content-type'], /^text\/css\b/);
	assert.ok(res.body.length > 0);
	etagValue(res.headers.etag);
	assert.ok(res.headers['cache-control'], 'a Cache-Control header');
	assert.equal(Number(res.headers['content-length']), res.body.length);
});

test('the file served is the one in static/', async () => {
	const { readFile } = await import('node:fs/promises');
	const { ROOT } = await import('./lib/server.mjs');
	const onDisk = await readFile(`${ROOT}/static/style.css`);
	const res = await get(server, '/static/style.css');
	assert.ok(res.body.equals(onDisk), 'same bytes as static/style.css');
});

test('?v=<the hash from the ETag> is immutable', async () => {
	const first = await get(server, '/static/style.css');
	const hash = etagValue(first.headers.etag);
	const res = await get(server, `/static/style.css?v=${encodeURIComponent(hash)}`);
	assert.equal(res.status, 200);
	assert.match(res.headers['cache-control'] ?? '', /\bimmutable\b/);
	assert.match(res.headers['cache-control'] ?? '', /\bmax-age=\d{6,}\b/);
	assert.ok(res.body.equals(first.body));
});

test('a plain or wrong ?v= is not immutable', async () => {
	for (const path of ['/static/style.css', '/static/style.css?v=0000000000000000', '/static/style.css?v=']) {
		const res = await get(server, path);
		assert.equal(res.status, 200, path);
		assert.doesNotMatch(res.headers['cache-control'] ?? '', /\bimmutable\b/, path);
	}
});

test('pages link static files with their fingerprint', async () => {
	const first = await get(server, '/static/style.css');
	const hash = etagValue(first.headers.etag);
	const home = await get(server, '/');
	assert.ok(home.text.includes(`/static/style.css?v=${hash}`), 'the layout links style.css?v=<hash>');
});

test('If-None-Match with the ETag gives 304 without a body', async () => {
	const first = await get(server, '/static/style.css');
	const res = await get(server, '/static/style.css', { 'If-None-Match': first.headers.etag });
	assert.equal(res.status, 304);
	assert.equal(res.body.length, 0);
	assert.equal(res.headers.etag, first.headers.etag);
});

test('HEAD gives the headers without the body', async () => {
	const res = await request(server, '/static/style.css', { method: 'HEAD' });
	assert.equal(res.status, 200);
	assert.equal(res.body.length, 0);
	assert.match(res.headers['content-type'], /^text\/css\b/);
});

test('a missing file is 404', async () => {
	for (const path of ['/static/no-such.css', '/static/', '/static', '/static/style.css/', '/static/STYLE.CSS']) {
		const res = await get(server, path);
		assert.equal(res.status, 404, path);
	}
});

test('static files only answer GET and HEAD', async () => {
	const res = await request(server, '/static/style.css', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
	assert.ok([404, 405].includes(res.status), `status ${res.status}`);
});

test('no way out of static/', async () => {
	const paths = [
		'/static/../meson.build',
		'/static/%2e%2e/meson.build',
		'/static/%2E%2E%2Fmeson.build',
		'/static/..%2fmeson.build',
		'/static/..%5cmeson.build',
		'/static/%252e%252e/meson.build',
		'/static/./style.css/../../meson.build',
		'/static//etc/passwd',
		'/static/%2fetc%2fpasswd',
		'/static/....//meson.build',
		'/static/templates/layout.mustache',
		'/static/../templates/layout.mustache',
	];
	for (const path of paths) {
		const res = await raw(server, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
		assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
		const body = res.body.toString('utf8');
		assert.ok(!body.includes("project('gcscp'") && !body.includes('root:x:0:0'), `${path} leaks a file`);
	}
});

test('nothing of the source tree or the data directory is served', async () => {
	for (const path of ['/.git/config', '/.git/HEAD', '/meson.build', '/docs/openapi.json', '/templates/', '/var/gcscp.db',
		'/gcscp.db', '/static/.gitkeep', '/README.md', '/package.json', '/.env', '/static/style.css~', '/static/style.css.bak']) {
		const res = await get(server, path);
		assert.equal(res.status, 404, path);
	}
});
