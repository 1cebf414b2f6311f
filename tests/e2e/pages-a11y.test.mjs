// WCAG 2.1 AA in a real browser (axe-core) on the pages of issue 4's last part:
// the comparison of states (also shown again with its error), a country profile with
// its policies by kind, timeline and chart, the list of regional and intergovernmental
// organisations and one organisation's profile; in English and in Arabic (right to
// left), and a policy's recent changes; anonymous and as a member state (an API token, as a session would be).
// The comparison form is also used as a person would: choose states, press the button.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, makeCast, makeOrg, policy } from '../api/lib/items-fixture.mjs';
import {
	assertAccessible, assertPageBasics, closeBrowser, closeContext, launchBrowser, newContext, startServer, visit,
} from './lib/browser.mjs';

let server;
let browser;
let cast;
const ids = {};

before(async () => {
	[server, browser] = await Promise.all([startServer(), launchBrowser()]);
	cast = await makeCast(server);
	ids.au = await makeOrg(server, 'regional_org', 'African Union (AU)');
	ids.kenStrategy = (await createPolicy(server, cast.kenAdmin, policy('Kenya cybersecurity strategy', {
		visibility: 'public', adopted: '2022-05-01', topics: ['critical_infrastructure', 'capacity_building'],
		texts: [{ lang: 'ar', title: 'استراتيجية كينيا للأمن السيبراني', summary: 'ملخص' }],
	}))).id;
	await createPolicy(server, cast.kenAdmin, policy('Kenya computer misuse act', {
		kind: 'law_regulation', visibility: 'public', adopted: '2018-05-16', topics: ['cybercrime'],
	}));
	await createPolicy(server, cast.kenAdmin, policy('Kenya guideline, undated', { kind: 'policy_guideline', visibility: 'public' }));
	await createPolicy(server, cast.kenAdmin, policy('Kenya restricted plan', { visibility: 'restricted', adopted: '2024-01-01', topics: ['critical_infrastructure'] }));
	await createPolicy(server, cast.fraEditor, policy('Stratégie nationale', { lang: 'fr', visibility: 'public', adopted: '2021-02-18', topics: ['cybercrime'] }));
	const framework = await createPolicy(server, cast.secAdmin, policy('Convention on cyber security', {
		kind: 'regional_framework', acting_for_org: ids.au, country: '', adopted: '2014-06-27', topics: ['cybercrime'],
	}));
	await call(server, cast.secEditor, 'POST', `/review/${framework.id}/publish`, { json: { version: 1 } });
	await call(server, cast.kenAdmin, 'POST', `/policies/${ids.kenStrategy}`, { json: { version: 1, topics: ['critical_infrastructure', 'capacity_building', 'governance'], note: 'Topics revised' } });
});
after(async () => {
	await closeBrowser(browser);
	await server?.stop();
});

const PAGES = [
	{ kind: 'compare', path: () => '/compare?c=KEN&c=FRA&c=BRA', who: null },
	{ kind: 'compare-state', path: () => '/compare?c=KEN&c=FRA', who: () => cast.deuReader },
	{ kind: 'compare-empty', path: () => '/compare', who: null },
	{ kind: 'compare-error', path: () => '/compare?c=KEN&c=XYZ', who: null, status: 422 },
	{ kind: 'profile', path: () => '/countries/KEN', who: null },
	{ kind: 'countries', path: () => '/countries?region=002', who: null },
	{ kind: 'organisations', path: () => '/intergovernmental', who: null },
	{ kind: 'organisation', path: () => `/intergovernmental/${ids.au}`, who: null },
	{ kind: 'policy-changes', path: () => `/policies/${ids.kenStrategy}`, who: null },
];

for (const lang of ['en', 'ar']) {
	describe(`in ${lang}`, () => {
		for (const { kind, path, who, status = 200 } of PAGES) {
			test(kind, async () => {
				const person = who ? who() : null;
				const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, extraHTTPHeaders: person ? person.headers : {} });
				try {
					const page = await context.newPage();
					const url = `${server.url}${path()}${path().includes('?') ? '&' : '?'}lang=${lang}`;
					await visit(page, url, { status });
					await assertPageBasics(page, lang, `${kind} (${lang})`);
					if (lang === 'ar') {
						assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
					}
					await assertAccessible(page, `${kind} (${lang}) ${url}`);
					context.check(`${kind} (${lang})`);
				} finally {
					await closeContext(context);
				}
			});
		}
	});
}

describe('using the pages', () => {
	test('the comparison form on the countries list leads to the comparison', async () => {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		try {
			const page = await context.newPage();
			await visit(page, `${server.url}/countries?lang=en`);
			await page.selectOption('#compare-c1', 'KEN');
			await page.selectOption('#compare-c2', 'FRA');
			const [res] = await Promise.all([page.waitForNavigation(), page.click('.compare-panel button[type="submit"]')]);
			assert.equal(res.status(), 200);
			assert.match(page.url(), /\/compare\?c=KEN&c=FRA&c=$/);
			const headers = await page.locator('#compare-topics-caption ~ thead th[scope="col"]').allTextContents();
			assert.deepEqual(headers.map((h) => h.trim()).slice(1), ['Kenya', 'France']);
			const cell = await page.locator('tr:has(th:text("Critical infrastructure protection")) td').first().textContent();
			assert.match(cell, /✓\s*1/, 'the restricted plan is not counted for an anonymous visitor');
			assert.equal(await page.locator('#compare-c1').inputValue(), 'KEN', 'the form keeps the choice');
			context.check('compare form');
		} finally {
			await closeContext(context);
		}
	});

	test('the profile shows the timeline and its chart; the chart is hidden from assistive technology', async () => {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		try {
			const page = await context.newPage();
			await visit(page, `${server.url}/countries/KEN?lang=en`);
			const years = await page.locator('.profile-timeline .profile-timeline-year').allTextContents();
			assert.deepEqual(years.map((y) => y.trim()), ['2018', '2022', 'Undated']);
			assert.equal(await page.locator('svg.profile-chart[aria-hidden="true"] rect.profile-chart-bar').count(), 2);
			assert.ok(await page.locator('a[href="/compare?c=KEN"]').isVisible());
			context.check('profile');
		} finally {
			await closeContext(context);
		}
	});
});
