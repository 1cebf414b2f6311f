// The OpenAPI 3.1 description and the route table agree: no undocumented route, no
// documented route that does not exist. (Redocly lints the document itself in scripts/test.)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { api } from './lib/http.mjs';
import { loadRoutes, ROOT, startServer } from './lib/server.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let server;
let doc;
let routes;
before(async () => {
	server = await startServer();
	routes = await loadRoutes();
	const res = await api(server, '/openapi.json');
	assert.equal(res.status, 200, `GET /api/v1/openapi.json: ${res.status}`);
	doc = res.json();
});
after(async () => {
	await server?.stop();
});

/** The path under which a route appears in the API description. */
const apiPath = (route) => (route.pattern.startsWith('/api/') ? route.pattern : `/api/v1${route.pattern}`);
const undocumented = (route) => route.pattern.startsWith('/static/') || route.pattern === '/static'
	|| route.pattern === '/metrics' || /^(static|metrics)\b/.test(route.name ?? '');
const params = (p) => [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);

test('GET /api/v1/openapi.json is OpenAPI 3.1 JSON', async () => {
	const res = await api(server, '/openapi.json');
	assert.match(res.headers['content-type'], /^application\/(json|vnd\.oai\.openapi\+json)\b/);
	assert.match(doc.openapi, /^3\.1\.\d+$/);
	assert.equal(typeof doc.info?.title, 'string');
	assert.equal(typeof doc.info?.version, 'string');
	assert.equal(typeof doc.paths, 'object');
});

test('the document served is docs/openapi.json', async () => {
	const onDisk = JSON.parse(await readFile(`${ROOT}/docs/openapi.json`, 'utf8'));
	assert.deepEqual(doc, onDisk);
});

test('the route table has the documented shape', () => {
	assert.ok(routes.length > 0);
	const names = new Set();
	for (const r of routes) {
		assert.match(r.method, /^(GET|POST|PUT|PATCH|DELETE)$/, JSON.stringify(r));
		assert.match(r.pattern, /^\//, JSON.stringify(r));
		assert.equal(typeof r.name, 'string', JSON.stringify(r));
		assert.ok(['public', 'signed_in', 'state', 'secretariat', 'session'].includes(r.access), JSON.stringify(r));
		assert.equal(typeof r.api_only, 'boolean', JSON.stringify(r));
		assert.ok(!names.has(r.name), `route name ${r.name} is unique`);
		names.add(r.name);
	}
});

test('the route table holds the core routes', () => {
	const find = (method, pattern) => routes.find((r) => r.method === method && r.pattern === pattern);
	const show = find('GET', '/countries/{iso3}');
	assert.ok(show, 'GET /countries/{iso3}');
	const { method, pattern, name, access, api_only: apiOnly } = show;
	assert.deepEqual({ method, pattern, name, access, api_only: apiOnly },
		{ method: 'GET', pattern: '/countries/{iso3}', name: 'countries.show', access: 'public', api_only: false });
	for (const pattern of ['/', '/healthz', '/countries', '/search']) assert.ok(find('GET', pattern), `GET ${pattern}`);
});

test('every route is documented with its method', () => {
	const missing = [];
	for (const r of routes.filter((x) => !undocumented(x))) {
		const item = doc.paths[apiPath(r)];
		if (!item || !item[r.method.toLowerCase()]) missing.push(`${r.method} ${apiPath(r)} (${r.name})`);
	}
	assert.deepEqual(missing, [], 'routes missing from docs/openapi.json');
});

test('every documented operation is a route', () => {
	const extra = [];
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const method of METHODS.filter((m) => item[m])) {
			if (method === 'head') continue; // GET routes answer HEAD
			const found = routes.some((r) => apiPath(r) === path && r.method.toLowerCase() === method);
			if (!found) extra.push(`${method.toUpperCase()} ${path}`);
		}
	}
	assert.deepEqual(extra, [], 'documented operations with no route');
});

test('documented path parameters match the route patterns', () => {
	for (const r of routes.filter((x) => !undocumented(x))) {
		const item = doc.paths[apiPath(r)];
		const op = item?.[r.method.toLowerCase()];
		if (!op) continue;
		const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])]
			.map((p) => (p.$ref ? resolveRef(p.$ref) : p))
			.filter((p) => p.in === 'path')
			.map((p) => p.name)
			.sort();
		assert.deepEqual(declared, params(r.pattern).sort(), `${r.method} ${apiPath(r)}`);
	}
});

test('every operation documents its errors with the error envelope', () => {
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const method of METHODS.filter((m) => item[m])) {
			const responses = item[method].responses ?? {};
			const codes = Object.keys(responses);
			assert.ok(codes.some((c) => /^2/.test(c)), `${method} ${path}: a 2xx response`);
			assert.ok(codes.some((c) => /^4/.test(c) || c === 'default'), `${method} ${path}: an error response`);
		}
	}
});

test('public GET operations without path parameters answer with a documented status', async () => {
	for (const r of routes.filter((x) => !undocumented(x) && x.method === 'GET' && !x.pattern.includes('{') && x.access === 'public')) {
		const res = await api(server, apiPath(r).slice('/api/v1'.length) || '/');
		const op = doc.paths[apiPath(r)]?.get;
		if (!op) continue;
		const documented = Object.keys(op.responses ?? {});
		assert.ok(documented.includes(String(res.status)) || documented.includes(`${String(res.status)[0]}XX`) || documented.includes('default'), `GET ${apiPath(r)} answered ${res.status}, documented: ${Object.keys(op.responses ?? {})}`);
	}
});

function resolveRef(ref) {
	assert.match(ref, /^#\//, `only local $refs: ${ref}`);
	return ref.slice(2).split('/').reduce((node, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}
