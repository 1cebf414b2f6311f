// GET /healthz: the probe load balancers and scripts/test rely on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, get, getJson, request } from './lib/http.mjs';
import { runCli, startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

test('GET /healthz answers 200 with status, database and version', async () => {
	const res = await getJson(server, '/healthz');
	assert.equal(res.status, 200);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	assert.equal(res.data.status, 'ok');
	assert.equal(res.data.database, 'ok');
	assert.equal(typeof res.data.version, 'string');
	assert.ok(res.data.version.length > 0);
});

test('the API twin /api/v1/healthz answers the same model', async () => {
	const res = await api(server, '/healthz');
	assert.equal(res.status, 200);
	assert.match(res.headers['content-type'], /^application\/json\b/);
	const body = res.json();
	assert.equal(body.status, 'ok');
	assert.equal(body.database, 'ok');
});

test('the version is the one gcscp --version prints', async () => {
	const [{ data }, cli] = await Promise.all([getJson(server, '/healthz'), runCli(['--version'])]);
	assert.equal(cli.code, 0);
	assert.ok(cli.stdout.includes(data.version), `--version prints ${JSON.stringify(cli.stdout)}, /healthz says ${data.version}`);
});

test('a plain GET /healthz (no Accept) answers 200', async () => {
	const res = await get(server, '/healthz');
	assert.equal(res.status, 200);
});

test('HEAD /healthz answers 200 without a body', async () => {
	const res = await request(server, '/healthz', { method: 'HEAD', headers: { Accept: 'application/json' } });
	assert.equal(res.status, 200);
	assert.equal(res.body.length, 0);
});
