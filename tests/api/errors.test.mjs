// Every kind of bad request gets its documented 4xx (never a 5xx), and the server
// keeps answering afterwards (SECURITY.md H1, I3, I4, R3).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { api, assertJsonError, assertNot5xx, get, getJson, raw, rawHeadOnly, request } from './lib/http.mjs';
import { loadRoutes, startServer } from './lib/server.mjs';

let server;
// A route that takes a request body: the first POST route without path parameters
// (preferring one with an HTML twin, which takes forms as well as JSON).
let bodyPath = '/api/v1/search';
let bodyRoute = null;

before(async () => {
	server = await startServer();
	const routes = await loadRoutes();
	// A route anyone may call: one that needs a principal answers 401 before it reads a body.
	const posts = routes.filter((r) => r.method === 'POST' && !r.pattern.includes('{') && (r.access ?? 'public') === 'public');
	bodyRoute = posts.find((r) => !r.api_only) ?? posts[0] ?? null;
	if (bodyRoute) bodyPath = bodyRoute.pattern.startsWith('/api/') ? bodyRoute.pattern : `/api/v1${bodyRoute.pattern}`;
});
after(async () => {
	await server?.stop();
});
afterEach(async () => {
	// Whatever the last test sent, the server still answers.
	const res = await getJson(server, '/healthz');
	assert.equal(res.status, 200, 'GET /healthz after the test');
	assert.equal(res.data.status, 'ok');
});

const host = () => `Host: 127.0.0.1:${server.port}\r\n`;

/** A raw request with the given request line, extra header lines and body. */
function rawRequest(line, headers = [], body = '') {
	return `${line}\r\n${host()}${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n${body}`;
}

describe('routing errors', () => {
	test('an unknown path is 404 not_found (JSON)', async () => {
		assertJsonError(await api(server, '/no/such/thing'), 404, 'not_found');
		assertJsonError(await get(server, '/no/such/thing', { Accept: 'application/json' }), 404, 'not_found');
	});

	test('an unknown path is a 404 HTML page for browsers', async () => {
		const res = await get(server, '/no/such/thing', { Accept: 'text/html' });
		assert.equal(res.status, 404);
		assert.match(res.headers['content-type'], /^text\/html\b/);
		assert.match(res.text, /<html[\s>]/i);
	});

	test('a wrong method is 405 method_not_allowed with Allow', async () => {
		for (const path of ['/api/v1/healthz', '/api/v1/countries', '/healthz']) {
			const res = await request(server, path, { method: 'DELETE', headers: { Accept: 'application/json' } });
			assertJsonError(res, 405, 'method_not_allowed');
			const allow = (res.headers.allow ?? '').split(',').map((m) => m.trim());
			assert.ok(allow.includes('GET'), `Allow: ${res.headers.allow}`);
			assert.ok(!allow.includes('DELETE'), `Allow: ${res.headers.allow}`);
		}
	});

	test('POST to a GET-only route is 405 with Allow, also with a body', async () => {
		const res = await request(server, '/api/v1/countries', {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'a=b',
		});
		assertJsonError(res, 405, 'method_not_allowed');
		assert.match(res.headers.allow ?? '', /\bGET\b/);
	});

	test('an unknown method is refused with a 4xx', async () => {
		const res = await raw(server, rawRequest('BREW /api/v1/healthz HTTP/1.1'));
		assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
	});
});

describe('limits', () => {
	test('a 20 KiB header is 431', async () => {
		const res = await raw(server, rawRequest('GET /api/v1/healthz HTTP/1.1', [`X-Big: ${'a'.repeat(20 * 1024)}`]));
		assert.equal(res.status, 431, res.text.slice(0, 200));
	});

	test('many headers adding up to over 16 KiB are 431', async () => {
		const headers = Array.from({ length: 40 }, (_, i) => `X-H${i}: ${'b'.repeat(500)}`);
		const res = await raw(server, rawRequest('GET /api/v1/healthz HTTP/1.1', headers));
		assert.equal(res.status, 431, res.text.slice(0, 200));
	});

	test('a header of a few KiB is fine', async () => {
		const res = await raw(server, rawRequest('GET /api/v1/healthz HTTP/1.1', [`X-Small: ${'c'.repeat(4 * 1024)}`]));
		assert.equal(res.status, 200, res.text.slice(0, 200));
	});

	// Without a route that takes a body, a POST is refused as 405 before its body is
	// read, which protects the server just as well.
	const tooLarge = () => (bodyRoute ? [413] : [405, 413]);

	test('a 2 MiB body is 413 payload_too_large', async () => {
		const body = Buffer.alloc(2 * 1024 * 1024, 'x');
		const head = rawRequest(`POST ${bodyPath} HTTP/1.1`, ['Content-Type: application/json', `Content-Length: ${body.length}`]);
		const res = await raw(server, Buffer.concat([Buffer.from(head, 'latin1'), body]), { timeoutMs: 10000 });
		assert.ok(tooLarge().includes(res.status), `POST ${bodyPath}: ${res.text.slice(0, 300)}`);
	});

	// A client that waits for "100 Continue" before sending a too-large body is refused at
	// once; so is one announcing more than the server would ever read (16 MiB, past the
	// 8 MiB it reads into nothing so that a client still sending sees its 413).
	for (const [what, headers] of [
		['2 MiB with Expect: 100-continue', [`Content-Length: ${2 * 1024 * 1024}`, 'Expect: 100-continue']],
		['16 MiB', [`Content-Length: ${16 * 1024 * 1024}`]],
	]) {
		test(`a Content-Length of ${what} is refused with 413 before the body is sent`, async () => {
			const head = rawRequest(`POST ${bodyPath} HTTP/1.1`, ['Content-Type: application/json', ...headers]);
			const res = await rawHeadOnly(server, head, { timeoutMs: 5000 });
			res.socket.destroy();
			assert.ok(tooLarge().includes(res.status), `POST ${bodyPath} (head only): got ${res.status || 'nothing within 5 s'} ${res.raw.toString('latin1').slice(0, 200)}`);
		});
	}

	test('a 2 MiB chunked body is 413', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		const chunk = `${(64 * 1024).toString(16)}\r\n${'z'.repeat(64 * 1024)}\r\n`;
		const head = rawRequest(`POST ${bodyPath} HTTP/1.1`, ['Content-Type: application/json', 'Transfer-Encoding: chunked']);
		const res = await raw(server, head + chunk.repeat(32) + '0\r\n\r\n', { timeoutMs: 10000 });
		assert.equal(res.status, 413, res.text.slice(0, 300));
	});

	test('a form body over 1 MiB is 413', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		const body = `q=${'y'.repeat(1024 * 1024 + 16)}`;
		const head = rawRequest(`POST ${bodyPath} HTTP/1.1`, ['Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`]);
		const res = await raw(server, head + body, { timeoutMs: 10000 });
		assert.equal(res.status, 413, `POST ${bodyPath}: ${res.text.slice(0, 300)}`);
	});

	test('64 query parameters are accepted, 65 are 400 too_many_params', async () => {
		const qs = (n) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
		const ok = await api(server, `/countries?${qs(64)}`);
		assert.equal(ok.status, 200, ok.text.slice(0, 300));
		assertJsonError(await api(server, `/countries?${qs(65)}`), 400, 'too_many_params');
	});

	// 1000 parameters are well inside the 16 KiB head. libmicrohttpd 0.9.75 would parse every
	// one of them into the connection's memory pool (which 1000 overflow, and then it neither
	// answers nor closes); the server ends the library's copy of the query before that and
	// counts the parameters itself (docs/ARCHITECTURE.md "Limits"). The worst case, a query
	// of nothing but separators up to the head's limit, gets the same prompt answer, and the
	// server keeps serving.
	test('1000 or 7500 query parameters are 400 too_many_params, promptly; 15000 separators are none', async () => {
		const qs = (n) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
		const started = Date.now();
		const many = await request(server, `/api/v1/countries?${qs(1000)}`, { timeoutMs: 5000 });
		assertJsonError(many, 400, 'too_many_params');
		const tiny = await request(server, `/api/v1/countries?${'a&'.repeat(7500)}`, { timeoutMs: 5000 });
		assertJsonError(tiny, 400, 'too_many_params');
		// Empty pieces are no parameters (the library would have made a record of each).
		const amps = await request(server, `/api/v1/countries?${'&'.repeat(15000)}`, { timeoutMs: 5000 });
		assert.equal(amps.status, 200, amps.text.slice(0, 200));
		assert.ok(Date.now() - started < 4000, `answered in ${Date.now() - started} ms`);
		const ok = await api(server, `/countries?${qs(64)}`);
		assert.equal(ok.status, 200, 'the server keeps serving');
	});

	test('a path over 2048 bytes is 414 uri_too_long', async () => {
		const long = `/api/v1/countries/${'a'.repeat(3000)}`;
		const res = await api(server, `/countries/${'a'.repeat(3000)}`);
		assert.equal(res.status, 414, `GET ${long.slice(0, 40)}...: ${res.text.slice(0, 200)}`);
		assertJsonError(res, 414, 'uri_too_long');
	});

	test('a path of exactly 2048 bytes is not 414', async () => {
		const path = `/api/v1/${'a'.repeat(2048 - '/api/v1/'.length)}`;
		assert.equal(path.length, 2048);
		const res = await get(server, path);
		assertJsonError(res, 404, 'not_found');
	});

	test('a request line of 20 KiB is refused with 414 or 431', async () => {
		const res = await raw(server, rawRequest(`GET /api/v1/${'d'.repeat(20 * 1024)} HTTP/1.1`));
		assert.ok([414, 431].includes(res.status), `status ${res.status}: ${res.text.slice(0, 200)}`);
	});
});

describe('percent-encoding and UTF-8', () => {
	const bad = ['%zz', '%C0%AF', '%00', '%E2%82', '%', '%4', '%ED%A0%80', '%F4%90%80%80'];

	for (const seq of bad) {
		test(`${seq} in the path is 400 invalid_encoding`, async () => {
			assertJsonError(await api(server, `/countries/${seq}`), 400, 'invalid_encoding');
			// The suffix is not a hex digit, so a short escape cannot become a valid one.
			assertJsonError(await get(server, `/countries/a${seq}x`, { Accept: 'application/json' }), 400, 'invalid_encoding');
			const html = await get(server, `/countries/${seq}`);
			assert.equal(html.status, 400);
			assert.match(html.headers['content-type'], /^text\/html\b/);
		});
	}

	for (const seq of bad) {
		test(`${seq} in the query is 400`, async () => {
			const res = await api(server, `/countries?q=${seq}`);
			assertJsonError(res, 400, ['invalid_encoding', 'invalid_param']);
		});
	}

	test('a bad escape in an undeclared query parameter still never yields a 5xx', async () => {
		for (const seq of bad) {
			const res = await api(server, `/countries?zz=${seq}`);
			assertNot5xx(res, `?zz=${seq}`);
			assert.ok([200, 400].includes(res.status), `?zz=${seq}: ${res.status}`);
		}
	});

	for (const seq of bad) {
		test(`${seq} in a urlencoded form body is 400`, async (t) => {
			if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
			const res = await request(server, bodyPath, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
				body: `q=${seq}&x=1`,
			});
			assertJsonError(res, 400, ['invalid_encoding', 'invalid_param']);
		});
	}

	for (const [name, bytes] of [['0xC0 0xAF', '\xc0\xaf'], ['0xFF', '\xff'], ['0xE2 0x82', '\xe2\x82'], ['0xED 0xA0 0x80', '\xed\xa0\x80']]) {
		test(`invalid UTF-8 (${name}) raw in the path is 400`, async () => {
			const res = await raw(server, rawRequest(`GET /api/v1/countries/${bytes} HTTP/1.1`));
			assert.equal(res.status, 400, res.text.slice(0, 200));
		});
	}

	test('valid UTF-8 in the path is not an encoding error', async () => {
		const res = await api(server, `/countries/${encodeURIComponent('Ü')}`);
		assertJsonError(res, 404, 'not_found');
	});

	test('double encoding decodes once: %252e%252e is not ..', async () => {
		const res = await api(server, '/countries/%252e%252e');
		assertNot5xx(res);
		assert.ok([400, 404].includes(res.status), `status ${res.status}`);
	});
});

describe('framing (refused, connection closed)', () => {
	const body = '{"a":1}';
	const cases = {
		'Content-Length with Transfer-Encoding': [`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'],
		'Transfer-Encoding with Content-Length': ['Transfer-Encoding: chunked', `Content-Length: ${body.length}`],
		'duplicate Content-Length': [`Content-Length: ${body.length}`, `Content-Length: ${body.length}`],
		'conflicting Content-Length': [`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`],
		'Content-Length list': [`Content-Length: ${body.length}, ${body.length}`],
		'negative Content-Length': ['Content-Length: -1'],
		'non-numeric Content-Length': ['Content-Length: abc'],
		'Content-Length with a sign': [`Content-Length: +${body.length}`],
		'huge Content-Length': ['Content-Length: 99999999999999999999999'],
	};
	for (const [name, headers] of Object.entries(cases)) {
		test(`${name} is 400 and the connection is closed`, async () => {
			const req = `POST ${bodyPath} HTTP/1.1\r\n${host()}Content-Type: application/json\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
			const res = await raw(server, req, { lingerMs: 2000 });
			if (name === 'huge Content-Length') {
				assert.ok([400, 413].includes(res.status), `status ${res.status}: ${res.text.slice(0, 200)}`);
			} else {
				assert.equal(res.status, 400, res.text.slice(0, 200));
			}
			assert.ok(res.closed, 'the server closed the connection');
		});
	}

	test('ambiguous framing is reported as ambiguous_framing in JSON', async () => {
		const req = `POST ${bodyPath} HTTP/1.1\r\n${host()}Accept: application/json\r\nContent-Type: application/json\r\n`
			+ `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
		const res = await raw(server, req, { lingerMs: 2000 });
		assert.equal(res.status, 400);
		assert.ok(res.closed);
		const parsed = JSON.parse(res.body.toString('utf8'));
		assert.equal(parsed.error.code, 'ambiguous_framing');
	});

	test('a request smuggled after an ambiguous one is never answered', async () => {
		const smuggled = `GET /api/v1/healthz HTTP/1.1\r\n${host()}\r\n`;
		const req = `POST ${bodyPath} HTTP/1.1\r\n${host()}Content-Type: application/json\r\n`
			+ `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`;
		const res = await raw(server, req, { lingerMs: 2000 });
		assert.equal(res.status, 400);
		const answers = res.text.match(/^HTTP\/1\.[01] \d{3}/gm) ?? [];
		assert.equal(answers.length, 1, `one answer only, got:\n${res.text.slice(0, 600)}`);
	});
});

describe('bodies', () => {
	const post = (contentType, body, extra = {}) => request(server, bodyPath, {
		method: 'POST',
		headers: { 'Content-Type': contentType, Accept: 'application/json', ...extra },
		body,
	});

	test('invalid JSON is 400 invalid_json', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		// The last one is the escape \u0000, which jansson refuses unless asked to allow NUL.
		for (const body of ['{bad', '{"a":', '[1,2', '{"a":1}}', 'nul', '{"a":"\\u0000"}']) {
			const res = await post('application/json', body);
			assertNot5xx(res, JSON.stringify(body));
			assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text.slice(0, 200)}`);
			assert.ok(['invalid_json', 'invalid_encoding'].includes(res.json().error?.code), `${JSON.stringify(body)}: ${res.text.slice(0, 200)}`);
		}
		assertJsonError(await post('application/json', '{bad'), 400, 'invalid_json');
	});

	test('JSON with duplicate keys is refused', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		const res = await post('application/json', '{"q":"a","q":"b"}');
		assertNot5xx(res);
		assert.ok([400, 422].includes(res.status), `status ${res.status}: ${res.text.slice(0, 200)}`);
		const body = res.json();
		assert.equal(typeof body.error?.code, 'string');
	});

	test('deeply nested JSON is refused without a crash', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		const res = await post('application/json', '['.repeat(100000) + ']'.repeat(100000));
		assertNot5xx(res);
		assert.ok(res.status >= 400, `status ${res.status}`);
	});

	test('an unsupported content type is 415 unsupported_media_type', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		for (const type of ['application/xml', 'text/plain', 'application/octet-stream']) {
			assertJsonError(await post(type, '<a/>'), 415, 'unsupported_media_type');
		}
	});

	test('a body without a content type is refused with a 4xx', async (t) => {
		if (!bodyRoute) return t.skip('no route takes a body (no POST route in gcscp routes)');
		const res = await request(server, bodyPath, { method: 'POST', headers: { Accept: 'application/json' }, body: 'abc' });
		assertNot5xx(res);
		assert.ok(res.status >= 400, `status ${res.status}`);
	});
});

describe('the server survives', () => {
	test('a connection closed in the middle of a request', async () => {
		const res = await rawHeadOnly(server, `POST ${bodyPath} HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`, { timeoutMs: 300 });
		res.socket.destroy();
	});

	test('garbage instead of a request line', async () => {
		for (const junk of ['\x00\x01\x02\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\r\n\r\n\r\n', 'GET /api/v1/healthz HTTP/1.1\r\n\r\n']) {
			const res = await raw(server, junk, { timeoutMs: 1000 });
			assert.ok(res.status === 0 || (res.status >= 400 && res.status < 500) || res.status === 505, `${JSON.stringify(junk)}: ${res.status}`);
		}
	});

	test('no response above was a server error', async () => {
		// Every test asserted its own status; this one checks the log as a whole.
		const errors = server.logs.filter((l) => l && typeof l.status === 'number' && l.status >= 500);
		assert.deepEqual(errors, []);
	});
});
