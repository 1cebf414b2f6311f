// WCAG 2.1 AA on the pages of the items and policies modules, in the six
// languages: the list (with a notice), a policy with its envelope panel and
// access form, the create and edit forms (also shown again with errors), the
// version history, our items and the review queue. The signed-in pages are
// visited with an API token, as the browser would with a session.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPolicy, makeCast, policy } from '../api/lib/items-fixture.mjs';
import {
	LANGS, assertAccessible, assertPageBasics, closeBrowser, closeContext, launchBrowser, newContext, startServer, visit,
} from './lib/browser.mjs';

let server;
let browser;
let cast;
const ids = {};

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
	cast = await makeCast(server);
	ids.pub = (await createPolicy(server, cast.kenEditor, policy('Kenya strategy for the browser', {
		visibility: 'public', topics: ['governance', 'cybercrime'], adopted: '2022-01-31', source_url: 'https://example.org/s.pdf',
		texts: [{ lang: 'ar', title: 'استراتيجية كينيا', summary: 'ملخص' }],
	}))).id;
	ids.edited = (await createPolicy(server, cast.kenAdmin, policy('Kenya law, first edition', { visibility: 'public' }))).id;
	await fetch(`${server.url}/api/v1/policies/${ids.edited}`, {
		method: 'POST', headers: { ...cast.kenAdmin.headers, 'Content-Type': 'application/json' },
		body: JSON.stringify({ version: 1, title: 'Kenya law, second edition', note: 'Amended' }),
	});
	ids.restricted = (await createPolicy(server, cast.kenEditor, policy('Kenya restricted', { visibility: 'restricted', notice_title: 'A notice for everyone' }))).id;
	ids.pending = (await createPolicy(server, cast.stkEditor, policy('A stakeholder submission'))).id;
});

after(async () => {
	await closeBrowser(browser);
	await server?.stop();
});

const withLang = (p, lang) => `${p}${p.includes('?') ? '&' : '?'}lang=${lang}`;

const PAGES = [
	{ kind: 'list', path: () => '/policies', who: null },
	{ kind: 'list-filtered', path: () => '/policies?kind=law_regulation&country=KEN', who: null },
	{ kind: 'policy', path: () => `/policies/${ids.pub}`, who: null },
	{ kind: 'policy-owner', path: () => `/policies/${ids.pub}`, who: () => cast.kenEditor },
	{ kind: 'new', path: () => '/policies/new', who: () => cast.secAdmin },
	{ kind: 'edit', path: () => `/policies/${ids.pub}/edit`, who: () => cast.kenEditor },
	{ kind: 'history', path: () => `/items/${ids.edited}/history`, who: null },
	{ kind: 'mine', path: () => '/mine', who: () => cast.kenEditor },
	{ kind: 'review', path: () => '/review', who: () => cast.secEditor },
];

for (const lang of LANGS) {
	describe(`in ${lang}`, () => {
		for (const { kind, path, who } of PAGES) {
			test(kind, async () => {
				const person = who ? who() : null;
				const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, extraHTTPHeaders: person ? person.headers : {} });
				try {
					const page = await context.newPage();
					const url = `${server.url}${withLang(path(), lang)}`;
					await visit(page, url);
					await assertPageBasics(page, lang, `${kind} (${lang})`);
					await assertAccessible(page, `${kind} (${lang}) ${url}`);
					context.check(`${kind} (${lang})`);
				} finally {
					await closeContext(context);
				}
			});
		}
	});
}

describe('forms shown again with their errors', () => {
	for (const lang of ['en', 'ar']) {
		test(`a new policy without a title (${lang})`, async () => {
			const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, extraHTTPHeaders: cast.kenEditor.headers });
			try {
				const page = await context.newPage();
				await visit(page, `${server.url}/policies/new?lang=${lang}`);
				await page.selectOption('#policy-kind', 'law_regulation');
				await page.fill('#policy-adopted', '2020-01-01');
				const [response] = await Promise.all([page.waitForNavigation(), page.click('form.item-form button[type="submit"]')]);
				assert.equal(response.status(), 422);
				assert.equal(await page.locator('#policy-title[aria-invalid="true"]').count(), 1);
				assert.match(await page.locator('#policy-title').getAttribute('aria-describedby'), /policy-title-error/);
				assert.equal(await page.locator('#policy-kind').inputValue(), 'law_regulation', 'the form keeps what was chosen');
				await assertPageBasics(page, lang, `errors (${lang})`);
				await assertAccessible(page, `new policy with errors (${lang})`);
				context.check(`errors (${lang})`);
			} finally {
				await closeContext(context);
			}
		});
	}

	test('a policy is created from the form and its page shown', async () => {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, extraHTTPHeaders: cast.fraEditor.headers });
		try {
			const page = await context.newPage();
			await visit(page, `${server.url}/policies/new?lang=fr`);
			await page.fill('#policy-title', 'Loi créée dans le navigateur');
			await page.fill('#policy-summary', 'Un **résumé**.');
			await page.selectOption('#policy-lang', 'fr');
			await page.selectOption('#policy-kind', 'law_regulation');
			await page.check('#policy-topic-cybercrime');
			await page.check('#policy-vis-public');
			await Promise.all([page.waitForNavigation(), page.click('form.item-form button[type="submit"]')]);
			assert.match(page.url(), /\/policies\/\d+$/);
			assert.equal(await page.locator('h1').innerText(), 'Loi créée dans le navigateur');
			assert.equal(await page.locator('.policy-summary strong').innerText(), 'résumé');
			context.check('create');
		} finally {
			await closeContext(context);
		}
	});
});
