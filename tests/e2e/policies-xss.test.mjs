// SECURITY.md O1, O2 for what people store: every payload of data/xss-payloads.txt
// goes, through the API, into a policy's title and Markdown summary, a public notice
// and a review's reason; then the pages that show them (the list, each policy with
// its panel, its history, our items with the reason, the review queue, the edit form,
// a country profile, search) are opened in Chromium. No dialog opens, no node is
// injected, no CSP violation or console error occurs. Payloads the API refuses (bidi
// controls in a title, say) are refused with 422, never stored.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, makeCast } from '../api/lib/items-fixture.mjs';
import { closeBrowser, closeContext, launchBrowser, newContext, startServer, visit } from './lib/browser.mjs';

const PAYLOADS = readFileSync(new URL('./data/xss-payloads.txt', import.meta.url), 'utf8')
	.split('\n')
	.filter((line) => line.length > 0);

let server;
let browser;
let cast;
let allowed;
const stored = [];   // { payload, id }
const rejected = []; // ids of the stakeholder's items returned with a payload as the reason
let cleanId;

/** Runs in the page: what looks injected (the same detector as xss.test.mjs, on the portal's own element kinds). */
function findInjected(allowedKinds) {
	const found = [];
	const describeEl = (e) => e.outerHTML.slice(0, 160);
	const allowedSet = new Set(allowedKinds);
	const dangerousUrl = /^(?:javascript|vbscript|data):/i;
	const normalise = (v) => v.replace(/[\u0000-\u0020\u007f-\u00a0]/g, '');
	for (const s of document.querySelectorAll('script')) {
		const src = s.getAttribute('src');
		let ok = false;
		if (src && s.textContent.trim() === '') {
			const u = new URL(src, location.href);
			ok = u.origin === location.origin && u.pathname === '/static/app.js';
		}
		if (!ok) found.push(`script: ${describeEl(s)}`);
	}
	for (const e of document.querySelectorAll('*')) {
		const kind = `${e.namespaceURI} ${e.localName}`;
		if (!allowedSet.has(kind)) found.push(`unexpected element <${e.localName}>: ${describeEl(e)}`);
		for (const a of e.attributes) {
			const name = a.name.toLowerCase();
			if (name.startsWith('on')) found.push(`event handler attribute ${a.name}: ${describeEl(e)}`);
			if (name === 'style') found.push(`style attribute: ${describeEl(e)}`);
			if (/^(?:href|src|action|formaction|xlink:href|data|poster|background)$/.test(name) && dangerousUrl.test(normalise(a.value))) {
				found.push(`${a.name}="${a.value.slice(0, 80)}": ${describeEl(e)}`);
			}
		}
	}
	for (const e of document.querySelectorAll('iframe, frame, object, embed, base, template, style')) found.push(`<${e.localName}>`);
	for (const sel of ['html', 'head', 'body', 'main#main']) {
		const n = document.querySelectorAll(sel).length;
		if (n !== 1) found.push(`${n} × ${sel}`);
	}
	return found;
}

const kindsOf = () => [...new Set([...document.querySelectorAll('*')].map((e) => `${e.namespaceURI} ${e.localName}`))];

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
	cast = await makeCast(server);
	cleanId = (await createPolicy(server, cast.kenEditor, {
		title: 'Clean policy', kind: 'law_regulation', visibility: 'public', summary: 'A **clean** [link](https://example.org).',
		topics: ['cybercrime'], source_url: 'https://example.org/clean',
	})).id;
	for (const payload of PAYLOADS) {
		const res = await call(server, cast.kenEditor, 'POST', '/policies', {
			json: { title: payload.slice(0, 500), summary: payload, kind: 'other', visibility: 'public', adopted: '2020-01-01' },
		});
		if (res.status === 201) stored.push({ payload, id: res.data.id });
		else assert.equal(res.status, 422, `${JSON.stringify(payload)}: ${res.text.slice(0, 200)}`);
		const notice = await call(server, cast.kenEditor, 'POST', '/policies', {
			json: { title: 'Restricted', kind: 'other', visibility: 'restricted', notice_title: payload.slice(0, 300), notice_summary: payload },
		});
		assert.ok([201, 422].includes(notice.status), notice.text.slice(0, 200));
		const sub = await call(server, cast.stkEditor, 'POST', '/policies', { json: { title: 'Submission', kind: 'other' } });
		const rej = await call(server, cast.secEditor, 'POST', `/review/${sub.data.id}/reject`, { json: { version: 1, reason: payload } });
		if (rej.status === 200) rejected.push(sub.data.id);
		else assert.equal(rej.status, 422, rej.text.slice(0, 200));
	}
	assert.ok(stored.length > PAYLOADS.length / 2, `most payloads are valid titles (${stored.length} of ${PAYLOADS.length})`);
	// What the portal's own pages are made of, from clean pages.
	const kinds = new Set();
	for (const [who, path] of [[null, `/policies/${cleanId}`], [null, '/policies?kind=law_regulation'], [cast.kenEditor, `/policies/${cleanId}`],
		[cast.kenEditor, `/policies/${cleanId}/edit`], [cast.kenEditor, '/policies/new'], [null, `/items/${cleanId}/history`],
		[cast.kenEditor, '/mine'], [cast.secEditor, '/review'], [null, '/countries/KEN'], [null, '/'], [null, '/search?q=clean']]) {
		const context = await newContext(browser, { extraHTTPHeaders: who ? who.headers : {} });
		const page = await context.newPage();
		await visit(page, `${server.url}${path}`);
		for (const k of await page.evaluate(kindsOf)) kinds.add(k);
		await closeContext(context);
	}
	// Markdown in summaries makes these too (render/markdown.h: never raw HTML, never <img>).
	for (const tag of ['p', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a', 'br']) {
		kinds.add(`http://www.w3.org/1999/xhtml ${tag}`);
	}
	allowed = [...kinds];
});

after(async () => {
	await closeBrowser(browser);
	await server?.stop();
});

/** Opens each path as who and reports every finding of every page. */
async function check(who, paths) {
	const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, extraHTTPHeaders: who ? who.headers : {} });
	const dialogs = [];
	const findings = [];
	try {
		const page = await context.newPage();
		page.on('dialog', (d) => {
			dialogs.push(`${d.type()} "${d.message()}" at ${page.url()}`);
			d.dismiss().catch(() => {});
		});
		for (const path of paths) {
			await visit(page, `${server.url}${path}`);
			for (const f of await page.evaluate(findInjected, allowed)) findings.push(`${path}: ${f}`);
			try {
				context.check(path);
			} catch (e) {
				findings.push(e.message);
			}
		}
	} finally {
		await closeContext(context);
	}
	assert.deepEqual(dialogs, [], 'no dialog');
	assert.deepEqual(findings, [], 'nothing injected');
}

describe('stored payloads', () => {
	test('in the list, in every language', async () => {
		const paths = [];
		for (const lang of ['en', 'ar', 'zh']) for (let p = 1; p <= 2; p++) paths.push(`/policies?per_page=100&page=${p}&lang=${lang}`);
		await check(null, paths);
	});

	test('on each policy page, its history and the edit form', async () => {
		await check(null, stored.map(({ id }) => `/policies/${id}`));
		await check(cast.kenEditor, stored.slice(0, 20).flatMap(({ id }) => [`/policies/${id}`, `/policies/${id}/edit`, `/items/${id}/history`]));
	});

	test('in our items (with the reasons) and the review queue', async () => {
		await check(cast.stkEditor, ['/mine?per_page=100']);
		await check(cast.kenEditor, ['/mine?per_page=100', '/mine?per_page=100&page=2']);
		const pending = await call(server, cast.stkEditor, 'POST', '/policies', { json: { title: PAYLOADS[0].slice(0, 500), kind: 'other' } });
		if (pending.status === 201) await check(cast.secEditor, ['/review?per_page=100']);
	});

	test('in a country profile and in search', async () => {
		await check(null, ['/countries/KEN', '/search?q=alert', '/search?q=script', '/search?q=svg']);
	});
});
