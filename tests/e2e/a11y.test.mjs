// WCAG 2.1 AA (DESIGN.md "Rendering"): axe-core's WCAG 2.0/2.1 A and AA rules on every
// kind of page the portal has today (home, countries, a filter with no result, a
// profile, search with results and its second page, search with an empty query, 404),
// in all six UN languages, with zero violations; and on every one of them exactly one
// <h1>, and lang and dir on <html>. Then the open phone menu, reflow at 320 px, and the
// language of foreign-language search results (WCAG 3.1.2).
//
// axe runs on the pages exactly as served, under their Content-Security-Policy (see
// axe() in lib/browser.mjs), so the context also fails on any CSP violation or console
// error the pages cause.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
	LANGS, assertAccessible, assertPageBasics, closeBrowser, closeContext, launchBrowser, newContext, shot, startServer,
	visit,
} from './lib/browser.mjs';
import { runCli } from '../api/lib/server.mjs';

// Every page kind: its path (the language is added as ?lang=) and its status.
const PAGES = [
	{ kind: 'home', path: '/' },
	{ kind: 'countries', path: '/countries' },
	{ kind: 'countries-no-result', path: '/countries?region=150&q=zzzzzz', check: async (page) => {
		assert.equal(await page.locator('table.countries-table tbody th[scope="row"]').count(), 0, 'no state matches');
		assert.equal(await page.locator('table.countries-table td.empty').count(), 1, 'the empty-result row shows');
	} },
	{ kind: 'profile', path: '/countries/KEN' },
	{ kind: 'search', path: '/search?q=cyber', check: async (page) => {
		if (!seeded) return;
		assert.equal(await page.locator('.results .result').count(), 20, 'a full first page of results');
		assert.equal(await page.locator('a.pagination-next').count(), 1, 'a link to the next page');
	} },
	{ kind: 'search-page-2', path: '/search?q=cyber&page=2&module=countries', check: async (page) => {
		if (!seeded) return;
		assert.ok(await page.locator('.results .result').count() > 0, 'results on page 2');
		assert.equal(await page.locator('a.pagination-previous').count(), 1, 'a link back');
		assert.equal(await page.locator('.facet a[aria-current="true"]').count(), 1, 'the module filter shows as chosen');
	} },
	{ kind: 'search-empty', path: '/search?q=', check: async (page) => {
		assert.equal(await page.locator('#search-q').inputValue(), '');
	} },
	{ kind: 'not-found', path: '/no-such-page/here', status: 404, check: async (page) => {
		assert.equal(await page.locator('.error-status').innerText(), '404');
	} },
];

/**
 * The demo data set has few items, so search would show few results. For the
 * result list, its highlights, facets and pagination to be checked too, 30 documents go
 * straight into the search table, as the modules' indexers will put them there (and the
 * change counter moves, as with every write). Nothing is seeded when the schema has no
 * search_docs table.
 */
const SEEDED = Array.from({ length: 30 }, (_, i) => {
	const [iso3, en, fr] = [['KEN', 'Kenya', 'du Kenya'], ['FRA', 'France', 'de la France'], ['BRA', 'Brazil', 'du Brésil'],
		['JPN', 'Japan', 'du Japon'], ['EGY', 'Egypt', 'de l’Égypte'], ['CHL', 'Chile', 'du Chili']][i % 6];
	const year = 2015 + (i % 10);
	return i % 3 === 0
		? { iso3, year, lang: 'fr', title: `Stratégie cyber ${fr} (${year})`, body: `La stratégie cyber ${fr} protège ses infrastructures critiques et renforce la coopération entre États.` }
		: { iso3, year, lang: 'en', title: `National cyber security strategy of ${en} (${year})`, body: `The cyber security strategy sets out how ${en} protects its critical infrastructure, cooperates with other states and builds capacity.` };
});

async function seedSearch(db) {
	const hasTable = db.engine === 'sqlite'
		? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'search_docs'"
		: "SELECT count(*) FROM information_schema.tables WHERE table_name = 'search_docs'";
	if ((await db.sql(hasTable)).trim() !== '1') return;
	const rows = [];
	for (let i = 0; i < SEEDED.length; i++) {
		const { iso3, lang, title, body, year } = SEEDED[i];
		const quote = (v) => `'${v.replaceAll("'", "''")}'`;
		rows.push(`('countries', ${800000 + i}, '${lang}', ${quote(title)}, ${quote(body)}, '/countries/${iso3}', '${iso3}', 'strategy', ${year}, 'public', 'published', 1)`);
	}
	seeded = true;
	await db.sql(`${db.engine === 'sqlite' ? 'PRAGMA busy_timeout = 10000; ' : ''}BEGIN; INSERT INTO search_docs (module, item_id, lang, title, body, url, country, kind, year, visibility, status, owner_org) VALUES ${rows.join(', ')}; UPDATE change_counter SET value = value + 1 WHERE id = 1; COMMIT;`);
	// Rows written straight into the table are not folded yet: fold them as the indexer does.
	const folded = await runCli(['search', 'reindex', '--db', db.url, '--data', db.dataDir]);
	assert.equal(folded.code, 0, `gcscp search reindex: ${folded.stderr}`);
}

const withLang = (p, lang) => `${p}${p.includes('?') ? '&' : '?'}lang=${lang}`;

let server;
let browser;
let seeded = false;
let context;
let page;

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
	await seedSearch(server.db);
	context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
	page = await context.newPage();
});

after(async () => {
	try {
		await closeContext(context);
	} finally {
		await closeBrowser(browser);
		await server?.stop();
	}
});

for (const lang of LANGS) {
	describe(`in ${lang}`, () => {
		for (const { kind, path, status = 200, check } of PAGES) {
			test(kind, async () => {
				const url = `${server.url}${withLang(path, lang)}`;
				await visit(page, url, { status });
				await assertPageBasics(page, lang, `${kind} (${lang})`);
				if (check) await check(page);
				await assertAccessible(page, `${kind} (${lang}) ${url}`);
				// The language links name each language in itself, marked with its lang.
				const links = await page.locator('nav.lang-nav a').evaluateAll((as) => as.map((a) => a.getAttribute('lang')));
				assert.deepEqual(links, LANGS, 'one link per language, each with lang');
				if (['countries', 'not-found', 'search'].includes(kind)) await shot(page, `a11y-${kind}-${lang}`);
				context.check(`${kind} (${lang})`);
			});
		}
	});
}

describe('on a 375 px phone', () => {
	for (const lang of ['en', 'ar']) {
		test(`the open menu (${lang})`, async () => {
			const phone = await newContext(browser, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
			try {
				const p = await phone.newPage();
				await visit(p, `${server.url}/countries?lang=${lang}`);
				await assertPageBasics(p, lang);
				const button = p.locator('#main-nav button.nav-toggle');
				await button.tap();
				assert.equal(await button.getAttribute('aria-expanded'), 'true');
				await assertAccessible(p, `phone countries, menu open (${lang})`);
				await shot(p, `a11y-phone-menu-${lang}`);
			} finally {
				await closeContext(phone);
			}
		});
	}
});

// WCAG 1.4.10 (reflow): at 320 CSS px nothing scrolls sideways (the countries table
// scrolls inside its own focusable region, which is allowed). Without JavaScript, so the
// main navigation is unfolded: the widest case.
test('reflow at 320 px, every page kind and language, without JavaScript', async () => {
	const narrow = await newContext(browser, { viewport: { width: 320, height: 640 }, javaScriptEnabled: false });
	try {
		const p = await narrow.newPage();
		const overflowing = [];
		for (const lang of LANGS) {
			for (const { kind, path, status = 200 } of PAGES) {
				await visit(p, `${server.url}${withLang(path, lang)}`, { status });
				const { scroll, client, culprit } = await p.evaluate(() => {
					const client = document.documentElement.clientWidth;
					const wide = [...document.querySelectorAll('body *')].find((e) => {
						const r = e.getBoundingClientRect();
						return (r.right > client + 1 || r.left < -1) && !e.closest('.table-scroll') && getComputedStyle(e).position !== 'absolute';
					});
					return { scroll: document.documentElement.scrollWidth, client, culprit: wide ? wide.outerHTML.slice(0, 120) : null };
				});
				if (scroll > client) {
					overflowing.push(`${kind} (${lang}): ${scroll} px wide in ${client} px; first wide element: ${culprit}`);
					await shot(p, `a11y-reflow-320-${kind}-${lang}`);
				}
			}
		}
		assert.deepEqual(overflowing, [], `pages that scroll sideways at 320 px:\n  ${overflowing.join('\n  ')}`);
		narrow.check('reflow');
	} finally {
		await closeContext(narrow);
	}
});

// WCAG 3.1.2 (language of parts, AA): a result written in another language than the page
// must say so (lang), or screen readers read it with the page's voice; and on a
// right-to-left page a left-to-right result needs its own direction, or its punctuation
// lands at the wrong end. Each result carries its hit's language and dir="auto".
test('search results in another language carry lang and dir (WCAG 3.1.2)', async (t) => {
	if (!seeded) {
		t.skip('no search_docs table: nothing to search');
		return;
	}
	const wrong = [];
	for (const lang of ['ar', 'zh']) {
		await visit(page, `${server.url}/search?q=cyber&lang=${lang}`);
		const results = await page.locator('.results .result').evaluateAll((lis) => lis.map((li) => {
			const title = li.querySelector('.result-title');
			return {
				title: title.textContent.trim(),
				lang: title.closest('[lang]')?.getAttribute('lang'),
				dir: getComputedStyle(title).direction,
			};
		}));
		assert.ok(results.length > 0);
		for (const r of results) {
			const doc = SEEDED.find((d) => d.title === r.title);
			if (doc && (r.lang !== doc.lang || r.dir !== 'ltr')) {
				wrong.push(`page in ${lang}: "${r.title}" is in ${doc.lang} but resolves to lang=${r.lang}, direction ${r.dir}`);
			}
		}
	}
	context.check('language of parts');
	assert.deepEqual(wrong.slice(0, 6), [], `${wrong.length} results without their own language:\n  ${wrong.slice(0, 6).join('\n  ')}`);
});
