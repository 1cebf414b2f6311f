// Red team: secrets that travel in paths never reach the logs (SECURITY.md L2).
//
// An invitation link and a ping test's link carry their token in the path; the
// access log keeps such a request under its route's pattern, so whoever reads the
// logs cannot accept the invitation or answer the ping in someone's place.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { addOrg, addUser, Client, goodPassword } from './lib/accounts.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;

before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

test('invitation and ping tokens are kept out of the access log', async () => {
	const org = await addOrg(server, { kind: 'stakeholder', name: 'Log test org' });
	const url = await addUser(server, { org, email: 'logs@stk.test', role: 'editor' });
	const path = new URL(url).pathname;
	const invitation = path.split('/').pop();
	const ping = randomBytes(32).toString('hex');
	const from = server.lines.length;

	assert.equal((await request(server, path, { headers: { Accept: 'text/html' } })).status, 200, 'the invitation page');
	assert.equal((await request(server, `/api/v1${path}?x=1`, { headers: { Accept: 'application/json' } })).status, 200, 'its API twin');
	const client = new Client(server);
	const password = goodPassword();
	const accepted = await client.post(`/api/v1${path}`, { json: { password, password_confirm: password } });
	assert.equal(accepted.status, 200, `accepted: ${accepted.text}`);
	for (const [method, p] of [['GET', `/ping/${ping}`], ['POST', `/ping/${ping}`], ['GET', `/api/v1/ping/${ping}`], ['HEAD', `/ping/${ping}?lang=fr`]]) {
		const res = await request(server, p, { method, headers: { Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded' }, body: method === 'POST' ? '' : undefined });
		assert.ok(res.status === 404 || res.status === 400, `${method} ${p}: ${res.status}`);
	}
	// The log lines are written after the answer: wait for the last one.
	await server.waitForLog((l) => l.msg === 'request' && l.method === 'HEAD' && l.route === 'contacts.ping_page');
	const lines = server.lines.slice(from).join('\n');
	assert.ok(!lines.includes(invitation), 'the invitation token is in the logs');
	assert.ok(!lines.includes(ping), 'the ping token is in the logs');
	const logged = server.logs.slice(from).filter((l) => l && l.msg === 'request').map((l) => l.path);
	assert.ok(logged.includes('/invitations/{token}'), `invitation requests logged by pattern: ${logged.join(' ')}`);
	assert.ok(logged.includes('/api/v1/invitations/{token}'), 'the API twin too');
	assert.ok(logged.includes('/ping/{token}'), 'ping requests logged by pattern');
	// Other paths are logged as they were asked for.
	await request(server, '/policies?page=1', {});
	await server.waitForLog((l) => l.msg === 'request' && l.path === '/policies?page=1');
});
