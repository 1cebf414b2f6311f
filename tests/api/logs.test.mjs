// Structured logs: one JSON object a line on stderr, an access line per request, and
// no way for a client to forge or break a line (SECURITY.md L2, L3).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { get, raw, request } from './lib/http.mjs';
import { loadRoutes, startServer } from './lib/server.mjs';

let server;
let listRoute;
before(async () => {
	server = await startServer();
	listRoute = (await loadRoutes()).find((r) => r.method === 'GET' && r.pattern === '/countries')?.name;
});
after(async () => {
	await server?.stop();
	// After the shutdown, every line the process wrote is in.
	assertAllLinesJson();
});

function assertAllLinesJson() {
	assert.ok(server.lines.length > 0, 'the server logged something');
	server.lines.forEach((line, i) => {
		let obj;
		try {
			obj = JSON.parse(line);
		} catch (e) {
			assert.fail(`stderr line ${i + 1} is not JSON (${e.message}): ${JSON.stringify(line.slice(0, 300))}`);
		}
		assert.equal(typeof obj, 'object', `line ${i + 1} is an object`);
		assert.ok(obj !== null && !Array.isArray(obj), `line ${i + 1} is an object`);
		assert.match(obj.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, `line ${i + 1}: time in UTC ISO 8601`);
		assert.ok(['debug', 'info', 'warn', 'error'].includes(obj.level), `line ${i + 1}: level ${obj.level}`);
		assert.equal(typeof obj.msg, 'string', `line ${i + 1}: msg`);
		assert.doesNotMatch(line, /[\x00-\x1f]/, `line ${i + 1} holds a raw control character`);
	});
}

const isAccess = (l) => l && typeof l.id === 'string' && 'status' in l && 'duration_ms' in l;
/** The access line of the response (by its X-Request-Id). */
const accessLine = (res) => server.waitForLog((l) => isAccess(l) && l.id === res.headers['x-request-id']);

test('every line so far is a JSON object with time, level and msg', () => {
	assertAllLinesJson();
});

test('a request gets one access line with id, method, path, route, status and duration', async () => {
	const res = await get(server, '/api/v1/countries?region=002');
	assert.equal(res.status, 200);
	const line = await accessLine(res);
	assert.equal(line.method, 'GET');
	assert.match(line.path, /^\/api\/v1\/countries/);
	assert.equal(line.status, 200);
	assert.equal(typeof line.duration_ms, 'number');
	assert.ok(line.duration_ms >= 0 && line.duration_ms < 60000, `duration_ms ${line.duration_ms}`);
	assert.equal(line.route, listRoute, 'the route is named as in the route table');
	assert.equal(line.client_ip, '127.0.0.1');
	assert.ok(!('principal' in line) || line.principal === null || typeof line.principal === 'string');
	const same = server.logs.filter((l) => isAccess(l) && l.id === res.headers['x-request-id']);
	assert.equal(same.length, 1, 'exactly one access line');
});

test('errors are logged with their status', async () => {
	const notFound = await get(server, '/api/v1/nothing/here');
	assert.equal((await accessLine(notFound)).status, 404);
	const bad = await get(server, '/api/v1/countries/%zz');
	assert.equal((await accessLine(bad)).status, 400);
	const wrong = await request(server, '/api/v1/countries', { method: 'DELETE' });
	const line = await accessLine(wrong);
	assert.equal(line.status, 405);
	assert.equal(line.method, 'DELETE');
});

test('every request of a burst is logged once', async () => {
	const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => get(server, `/api/v1/countries?q=${i}`)));
	for (const res of responses) await accessLine(res);
	const ids = responses.map((r) => r.headers['x-request-id']);
	const lines = server.logs.filter((l) => isAccess(l) && ids.includes(l.id));
	assert.equal(lines.length, 30);
});

test('X-Forwarded-For does not change client_ip', async () => {
	const res = await get(server, '/api/v1/healthz', { 'X-Forwarded-For': '203.0.113.7' });
	assert.equal((await accessLine(res)).client_ip, '127.0.0.1');
});

test('CR, LF, ESC and NUL in the path leave one JSON object per line', async () => {
	const paths = [
		'/%0d%0a%7b%22level%22%3a%22error%22%2c%22msg%22%3a%22forged%22%7d',
		'/countries/%1b%5b31mred%1b%5b0m',
		'/countries/%00nul',
		'/a%0aINFO%20forged%20line%0d%0a',
		`/countries/${'%0a'.repeat(500)}`,
	];
	for (const path of paths) {
		const res = await raw(server, `GET /api/v1${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
		assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
		const id = res.headers['x-request-id'];
		if (id) await server.waitForLog((l) => isAccess(l) && l.id === id);
	}
	assertAllLinesJson();
	assert.ok(!server.logs.some((l) => l?.msg === 'forged'), 'no forged line');
});

test('CR, LF, ESC and NUL in headers leave one JSON object per line', async () => {
	const headers = [
		'User-Agent: \x1b[2J\x1b[31mevil\x1b[0m',
		'Referer: http://x/\x1b]0;title\x07',
		'X-Evil: a\x00b',
		'Accept-Language: fr\x1b',
		'Cookie: gcscp_lang=\x1b[31m',
		`User-Agent: ${'\\u000a'.repeat(100)}`,
		`User-Agent: ${'z'.repeat(10000)}`,
	];
	for (const header of headers) {
		const res = await raw(server, `GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${header}\r\nConnection: close\r\n\r\n`);
		// 0: the server closed the connection without an answer, which is fine too.
		assert.ok([0, 200].includes(res.status) || (res.status >= 400 && res.status < 500), `${JSON.stringify(header.slice(0, 40))}: ${res.status}`);
		const id = res.headers['x-request-id'];
		if (id) await server.waitForLog((l) => isAccess(l) && l.id === id);
	}
	// A bare CR or LF inside a header line ends it for the parser: send those too.
	for (const bytes of ['X-A: a\rInjected: 1', 'X-A: a\nX-B: {"msg":"forged"}']) {
		const res = await raw(server, `GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${bytes}\r\nConnection: close\r\n\r\n`);
		assert.ok(res.status === 0 || res.status < 500, `${JSON.stringify(bytes)}: ${res.status}`);
	}
	await new Promise((r) => setTimeout(r, 200));
	assertAllLinesJson();
	assert.ok(!server.logs.some((l) => l?.msg === 'forged'), 'no forged line');
});

test('a long value is cut, not split over lines', async () => {
	const res = await get(server, `/api/v1/countries?q=${'w'.repeat(2000)}`);
	await accessLine(res);
	assertAllLinesJson();
	for (const line of server.lines) assert.ok(line.length < 64 * 1024, `a line of ${line.length} bytes`);
});

test('request ids in the log match the responses and are unique', async () => {
	const a = await get(server, '/api/v1/healthz');
	const b = await get(server, '/api/v1/healthz');
	assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
	await accessLine(a);
	await accessLine(b);
	const ids = server.logs.filter(isAccess).map((l) => l.id);
	assert.equal(new Set(ids).size, ids.length, 'no request id used twice');
});
