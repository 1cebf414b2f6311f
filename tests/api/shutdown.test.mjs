// Shutting down: SIGTERM and SIGINT end the server with exit code 0 after the requests
// in flight, promptly even with idle connections open, leaving the database intact.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { get, getJson } from './lib/http.mjs';
import { createDatabase, ENGINE, startServer } from './lib/server.mjs';

test('SIGTERM: exit 0, and the SQLite database passes integrity_check', async () => {
	const db = await createDatabase();
	try {
		const server = await startServer({ db });
		for (let i = 0; i < 5; i++) assert.equal((await get(server, '/api/v1/countries')).status, 200);
		await server.stop({ signal: 'SIGTERM' });
		if (ENGINE === 'sqlite') {
			assert.equal((await db.sql('PRAGMA integrity_check')).trim(), 'ok');
			assert.equal((await db.sql('PRAGMA foreign_key_check')).trim(), '');
		}
		// And the same database serves again.
		const again = await startServer({ db });
		assert.equal((await getJson(again, '/healthz')).status, 200);
		await again.stop();
	} finally {
		await db.drop();
	}
});

test('SIGINT: exit 0', async () => {
	const server = await startServer();
	assert.equal((await getJson(server, '/healthz')).status, 200);
	await server.stop({ signal: 'SIGINT' });
});

test('requests in flight at SIGTERM are answered in full, never cut off', async () => {
	const server = await startServer();
	const inflight = Array.from({ length: 40 }, () => get(server, '/api/v1/countries').then(
		(res) => ({ res }),
		(error) => ({ error }),
	));
	// Stop as soon as the server is busy answering.
	await Promise.race(inflight);
	const stopped = server.stop({ signal: 'SIGTERM' });
	const results = await Promise.all(inflight);
	await stopped;
	let answered = 0;
	for (const { res, error } of results) {
		if (error) {
			// Refused or reset before an answer began: the request came too late. Never a cut-off answer.
			assert.match(error.code ?? '', /^(ECONNREFUSED|ECONNRESET|EPIPE)$/, String(error));
			continue;
		}
		assert.equal(res.status, 200);
		assert.equal(res.json().count, 195, 'a complete body');
		answered++;
	}
	assert.ok(answered > 0, 'at least the first request was answered');
});

test('an idle keep-alive connection does not hold up shutdown', async () => {
	const server = await startServer();
	const socket = net.connect({ host: '127.0.0.1', port: server.port });
	await new Promise((resolve, reject) => {
		socket.once('error', reject);
		socket.write(`GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
		socket.once('data', () => resolve());
	});
	socket.on('error', () => {});
	const started = Date.now();
	await server.stop({ signal: 'SIGTERM', timeoutMs: 10000 });
	assert.ok(Date.now() - started < 10000, 'exited within 10 s with an idle connection open');
	socket.destroy();
});

test('a half-sent request holds up shutdown for a bounded time only', async () => {
	const server = await startServer();
	const socket = net.connect({ host: '127.0.0.1', port: server.port });
	socket.on('error', () => {});
	await new Promise((resolve) => socket.once('connect', resolve));
	socket.write('GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
	await new Promise((r) => setTimeout(r, 100));
	// The server may give such a request a grace period, but not the 30 s connection timeout.
	await server.stop({ signal: 'SIGTERM', timeoutMs: 20000 });
	socket.destroy();
});
