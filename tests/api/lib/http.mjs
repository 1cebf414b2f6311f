// HTTP helpers for the API tests.
//
// request() is a thin wrapper over node:http that sends exactly the headers given
// (plus Host and Connection: close) — unlike fetch(), which adds Accept,
// Accept-Language, User-Agent and Sec-Fetch-* headers that would blur negotiation tests.
// raw() sends exact bytes over a socket, for framing and encoding tests that no
// well-behaved client can produce, and reports whether the server closed the connection.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

const portOf = (target) => (typeof target === 'object' ? target.port : Number(new URL(target).port));

/**
 * One request. target is a server from startServer() (or a base URL).
 * Resolves with { status, headers (lower-case names; set-cookie is an array),
 * body (Buffer), text, json() }.
 */
export function request(target, path, { method = 'GET', headers = {}, body, timeoutMs = 15000 } = {}) {
	return new Promise((resolve, reject) => {
		const hdrs = { ...headers };
		if (body !== undefined && !Object.keys(hdrs).some((h) => h.toLowerCase() === 'content-length')) {
			hdrs['Content-Length'] = Buffer.byteLength(body);
		}
		const req = http.request({ host: '127.0.0.1', port: portOf(target), path, method, headers: hdrs, agent: false }, (res) => {
			const chunks = [];
			res.on('data', (d) => chunks.push(d));
			// The connection closed before the whole response came: a cut-off answer.
			const cut = () => reject(Object.assign(new Error(`${method} ${path}: response cut off`), { code: 'ERESPONSECUT' }));
			res.on('aborted', cut);
			res.on('close', () => {
				if (!res.complete) cut();
			});
			res.on('error', reject);
			res.on('end', () => {
				const buf = Buffer.concat(chunks);
				const text = buf.toString('utf8');
				resolve({
					status: res.statusCode,
					headers: res.headers,
					body: buf,
					text,
					json() {
						try {
							return JSON.parse(text);
						} catch (e) {
							assert.fail(`${method} ${path}: body is not JSON (${e.message}): ${text.slice(0, 300)}`);
						}
					},
				});
			});
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
		req.on('error', reject);
		req.end(body);
	});
}

export const get = (target, path, headers = {}) => request(target, path, { headers });

/** GET path under /api/v1 (path starts with '/'). */
export const api = (target, path, headers = {}) => request(target, `/api/v1${path}`, { headers });

/** GET with Accept: application/json; resolves with the response, its JSON parsed as .data. */
export async function getJson(target, path, headers = {}) {
	const res = await request(target, path, { headers: { Accept: 'application/json', ...headers } });
	res.data = res.json();
	return res;
}

/**
 * Splits a raw HTTP/1.1 response. Skips interim (1xx) responses. Returns
 * { status, reason, headers (lower-case name → value; repeated names joined with ', '),
 *   headerList ([name, value] pairs), body (Buffer), complete } or null when the
 * head has not fully arrived.
 */
export function parseResponse(buf, { closed = false } = {}) {
	let offset = 0;
	for (;;) {
		const end = buf.indexOf('\r\n\r\n', offset);
		if (end < 0) return null;
		const head = buf.subarray(offset, end).toString('latin1');
		const [statusLine, ...headerLines] = head.split('\r\n');
		const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
		if (!m) return { status: 0, reason: statusLine, headers: {}, headerList: [], body: buf.subarray(offset), complete: true, malformed: true };
		const status = Number(m[1]);
		const headerList = headerLines.map((l) => {
			const i = l.indexOf(':');
			return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
		});
		const headers = {};
		for (const [k, v] of headerList) headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
		const rest = buf.subarray(end + 4);
		if (status >= 100 && status < 200) {
			offset = end + 4;
			continue;
		}
		let body = rest;
		let complete = closed;
		if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
			const decoded = decodeChunked(rest);
			if (decoded) {
				body = decoded;
				complete = true;
			}
		} else if (headers['content-length'] !== undefined) {
			const n = Number(headers['content-length']);
			if (rest.length >= n) {
				body = rest.subarray(0, n);
				complete = true;
			}
		} else if (status === 204 || status === 304) {
			body = Buffer.alloc(0);
			complete = true;
		}
		return { status, reason: m[2] ?? '', headers, headerList, body, complete };
	}
}

function decodeChunked(buf) {
	const parts = [];
	let pos = 0;
	for (;;) {
		const eol = buf.indexOf('\r\n', pos);
		if (eol < 0) return null;
		const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0], 16);
		if (Number.isNaN(size)) return null;
		pos = eol + 2;
		if (size === 0) return Buffer.concat(parts);
		if (buf.length < pos + size + 2) return null;
		parts.push(buf.subarray(pos, pos + size));
		pos += size + 2;
	}
}

/**
 * Sends bytes (a string is sent as latin1, so '\xff' is the byte 0xFF) and collects the
 * answer. Resolves when the server closes the connection, or lingerMs after a complete
 * response, or at timeoutMs, with
 *   { raw (Buffer), text, closed, complete, status, headers, body, response }
 * where closed tells whether the server closed (or reset) the connection.
 *
 * Options: timeoutMs (5000), lingerMs (how long to wait for a close after a complete
 * response; 300).
 */
export function raw(target, data, { timeoutMs = 5000, lingerMs = 300 } = {}) {
	const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port: portOf(target) });
		const chunks = [];
		let closed = false;
		let done = false;
		let linger = null;
		const finish = () => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			clearTimeout(linger);
			socket.destroy();
			const buf = Buffer.concat(chunks);
			const response = parseResponse(buf, { closed });
			resolve({
				raw: buf,
				text: buf.toString('latin1'),
				closed,
				complete: Boolean(response?.complete),
				status: response?.status ?? 0,
				headers: response?.headers ?? {},
				body: response?.body ?? Buffer.alloc(0),
				response,
			});
		};
		const timer = setTimeout(finish, timeoutMs);
		socket.on('data', (d) => {
			chunks.push(d);
			const r = parseResponse(Buffer.concat(chunks));
			if (r?.complete && !linger) linger = setTimeout(finish, lingerMs);
		});
		// A server that answers early and closes may reset the connection while we
		// are still writing: that is a close, not a test failure.
		socket.on('error', () => {
			closed = true;
			finish();
		});
		socket.on('end', () => {
			closed = true;
			finish();
		});
		socket.on('close', () => {
			closed = true;
			finish();
		});
		socket.on('connect', () => socket.write(bytes, () => {}));
	});
}

/**
 * Opens a connection, sends head, and waits for a response without sending anything
 * else. Resolves like raw(), plus a write(bytes) that sends more on the same socket
 * (ignoring errors) and the socket itself to destroy().
 */
export function rawHeadOnly(target, head, { timeoutMs = 5000 } = {}) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port: portOf(target) });
		const chunks = [];
		let closed = false;
		let settled = false;
		const settle = () => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			const buf = Buffer.concat(chunks);
			const response = parseResponse(buf, { closed });
			resolve({
				raw: buf,
				closed,
				complete: Boolean(response?.complete),
				status: response?.status ?? 0,
				headers: response?.headers ?? {},
				body: response?.body ?? Buffer.alloc(0),
				socket,
				write: (more) => new Promise((res) => {
					if (socket.destroyed) return res(false);
					socket.write(more, (err) => res(!err));
				}),
			});
		};
		const timer = setTimeout(settle, timeoutMs);
		socket.on('data', (d) => {
			chunks.push(d);
			const r = parseResponse(Buffer.concat(chunks));
			if (r?.complete) settle();
		});
		socket.on('error', () => {
			closed = true;
			settle();
		});
		socket.on('end', () => {
			closed = true;
			settle();
		});
		socket.on('connect', () => socket.write(Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1'), () => {}));
	});
}

// --- assertions shared by the test files ---------------------------------------

/** The error envelope: status, a JSON body {"error":{"code","message"[,"field"]}}. */
export function assertJsonError(res, status, code, { field } = {}) {
	assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text?.slice(0, 300)}`);
	assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i, 'error body is JSON');
	const body = res.json();
	assert.equal(typeof body.error, 'object', `no "error" object in ${res.text.slice(0, 300)}`);
	const codes = Array.isArray(code) ? code : [code];
	assert.ok(codes.includes(body.error.code), `error.code ${JSON.stringify(body.error.code)}, expected ${codes.join(' or ')}`);
	assert.equal(typeof body.error.message, 'string');
	assert.ok(body.error.message.length > 0, 'error.message is not empty');
	if (field !== undefined) assert.equal(body.error.field, field);
	return body;
}

/** Never a server error. */
export function assertNot5xx(res, what = '') {
	assert.ok(res.status < 500, `${what} answered ${res.status}: ${(res.text ?? '').slice(0, 300)}`);
}

/** The headers every response carries (SECURITY.md O3). */
export function assertSecurityHeaders(res, what = '') {
	const h = res.headers;
	const csp = h['content-security-policy'];
	assert.ok(csp, `${what}: no Content-Security-Policy`);
	const directives = new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
		const [name, ...values] = d.split(/\s+/);
		return [name.toLowerCase(), values];
	}));
	assert.ok(directives.get('default-src')?.includes("'self'"), `${what}: default-src 'self' in ${csp}`);
	assert.deepEqual(directives.get('object-src'), ["'none'"], `${what}: object-src 'none' in ${csp}`);
	assert.deepEqual(directives.get('base-uri'), ["'none'"], `${what}: base-uri 'none' in ${csp}`);
	assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], `${what}: frame-ancestors 'none' in ${csp}`);
	assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes/, `${what}: nothing unsafe in ${csp}`);
	assert.equal((h['x-content-type-options'] ?? '').toLowerCase(), 'nosniff', `${what}: X-Content-Type-Options`);
	const referrer = (h['referrer-policy'] ?? '').toLowerCase();
	assert.ok(referrer, `${what}: no Referrer-Policy`);
	assert.ok(!['unsafe-url', 'no-referrer-when-downgrade'].includes(referrer), `${what}: weak Referrer-Policy ${referrer}`);
	assert.match(h['x-request-id'] ?? '', /^[0-9a-f]{16}$/, `${what}: X-Request-Id is 16 hex digits`);
	if (h.server !== undefined) {
		assert.doesNotMatch(h.server, /\d|microhttpd/i, `${what}: Server header names a version or library: ${h.server}`);
	}
	assert.equal(h['access-control-allow-origin'], undefined, `${what}: Access-Control-Allow-Origin`);
	assert.equal(h['access-control-allow-credentials'], undefined, `${what}: Access-Control-Allow-Credentials`);
}

/** The ETag's opaque value, without W/ and quotes. */
export function etagValue(etag) {
	assert.ok(etag, 'an ETag');
	const m = /^(?:W\/)?"([^"]*)"$/.exec(etag);
	assert.ok(m, `ETag is a quoted string: ${etag}`);
	return m[1];
}
