// Prometheus metrics are not public unless configured (SECURITY.md H3): off by default,
// behind a bearer token on the main listener, or on a listener of their own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { get } from './lib/http.mjs';
import { freePort, startServer } from './lib/server.mjs';

/** Checks the text exposition format, line by line; returns the sample names. */
function assertPrometheusText(text) {
	const lines = text.split('\n').filter((l) => l.length > 0);
	assert.ok(lines.length > 0, 'some metrics');
	const samples = new Set();
	for (const line of lines) {
		if (line.startsWith('#')) {
			assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, `comment line: ${line}`);
			continue;
		}
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?\d+)?$/.exec(line);
		assert.ok(m, `sample line: ${line}`);
		samples.add(m[1]);
	}
	assert.ok(samples.size > 0, 'at least one sample');
	return samples;
}

describe('by default', () => {
	let server;
	before(async () => {
		server = await startServer();
	});
	after(async () => {
		await server?.stop();
	});

	test('/metrics is 404, like any unknown path', async () => {
		const reference = await get(server, '/api/v1/no-such-path');
		for (const path of ['/metrics', '/api/v1/metrics']) {
			const res = await get(server, path, { Accept: 'application/json' });
			assert.equal(res.status, 404, path);
			assert.equal(res.text, reference.text, `${path}: same body as an unknown path`);
		}
		const html = await get(server, '/metrics');
		assert.equal(html.status, 404);
	});

	test('a bearer token does not open it', async () => {
		const res = await get(server, '/metrics', { Authorization: 'Bearer anything' });
		assert.equal(res.status, 404);
	});
});

describe('with --metrics-token', () => {
	const token = randomBytes(24).toString('hex');
	let server;
	before(async () => {
		server = await startServer({ args: ['--metrics-token', token] });
	});
	after(async () => {
		await server?.stop();
		assert.ok(!server.stderr().includes(token), 'the token never appears in the log');
	});

	test('/metrics with the token is Prometheus text', async () => {
		await get(server, '/api/v1/countries');
		const res = await get(server, '/metrics', { Authorization: `Bearer ${token}` });
		assert.equal(res.status, 200, res.text.slice(0, 200));
		assert.match(res.headers['content-type'], /^text\/plain\b/);
		assertPrometheusText(res.text);
	});

	test('without the token, or with another, it is 404 like an unknown path', async () => {
		const reference = await get(server, '/no-such-path', { Accept: 'application/json' });
		const attempts = [
			{},
			{ Authorization: 'Bearer wrong' },
			{ Authorization: `Bearer ${token.slice(0, -1)}` },
			{ Authorization: `Bearer ${token}x` },
			{ Authorization: `Bearer ${token.toUpperCase()}` },
			{ Authorization: `Basic ${Buffer.from(`metrics:${token}`).toString('base64')}` },
			{ Authorization: token },
			{ Authorization: 'Bearer ' },
		];
		for (const headers of attempts) {
			const res = await get(server, '/metrics', { Accept: 'application/json', ...headers });
			assert.equal(res.status, 404, JSON.stringify(headers));
			assert.equal(res.text, reference.text, JSON.stringify(headers));
		}
	});

	test('the counters move', async () => {
		const read = async () => (await get(server, '/metrics', { Authorization: `Bearer ${token}` })).text;
		const before1 = await read();
		for (let i = 0; i < 5; i++) await get(server, '/api/v1/healthz');
		const after1 = await read();
		assert.notEqual(after1, before1, 'some value changed after five requests');
	});
});

describe('with --metrics-listen (via GCSCP_METRICS_LISTEN)', () => {
	let server;
	let metricsPort;
	before(async () => {
		metricsPort = await freePort();
		server = await startServer({ env: { GCSCP_METRICS_LISTEN: `127.0.0.1:${metricsPort}` } });
		// The main listener answered /healthz; give the metrics listener a moment too.
		for (let i = 0; i < 100; i++) {
			if (await get({ port: metricsPort }, '/metrics').then(() => true, () => false)) break;
			await new Promise((r) => setTimeout(r, 50));
		}
	});
	after(async () => {
		await server?.stop();
	});

	test('the metrics listener answers /metrics', async () => {
		const res = await get({ port: metricsPort }, '/metrics');
		assert.equal(res.status, 200, res.text.slice(0, 200));
		assert.match(res.headers['content-type'], /^text\/plain\b/);
		assertPrometheusText(res.text);
	});

	test('the metrics listener serves nothing else', async () => {
		for (const path of ['/', '/api/v1/countries', '/static/style.css']) {
			const res = await get({ port: metricsPort }, path);
			assert.equal(res.status, 404, path);
		}
	});

	test('the main listener still hides /metrics', async () => {
		const res = await get(server, '/metrics');
		assert.equal(res.status, 404);
	});
});
