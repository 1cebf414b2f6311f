import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { call, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';
// The calendar's Atom feed (render/atom.h): well-formed (xmllint), escaped, only what the caller sees.
test('atom', async () => {
	const server = await startServer();
	const cast = await makeCast(server);
	await call(server, cast.fraEditor, 'POST', '/calendar', { json: { title: 'Atom & <event>', lang: 'en', event_kind: 'workshop', topics: ['cybercrime'], starts: '2030-05-01T10:00', ends: '2030-05-01T12:00', timezone: 'Europe/Paris', modality: 'online', languages: ['en'], visibility: 'public' } });
	await call(server, cast.fraEditor, 'POST', '/calendar', { json: { title: 'Hidden restricted', lang: 'en', event_kind: 'workshop', topics: ['cybercrime'], starts: '2030-05-01T10:00', ends: '2030-05-01T12:00', timezone: 'Europe/Paris', modality: 'online', languages: ['en'], visibility: 'restricted' } });
	const res = await call(server, null, 'GET', '!/calendar.atom?topic=cybercrime');
	assert.equal(res.status, 200);
	assert.match(res.headers['content-type'], /atom\+xml/);
	const lint = spawnSync('xmllint', ['--noout', '-'], { input: res.text, encoding: 'utf8' });
	assert.equal(lint.status, 0, lint.stderr);
	assert.match(res.text, /Atom &amp; &lt;event&gt;/);
	assert.ok(!res.text.includes('Hidden restricted'));
	await server.stop();
});
