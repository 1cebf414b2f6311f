// The public visitor's journey in a real browser (DESIGN.md "Rendering"), on the demo
// data: home → search → countries → filter by region → a profile → French → Arabic
// (right to left) → English. The journey runs with JavaScript and again without it, and
// both must see the same pages; then a 375 px phone-sized pass checks the menu button
// that app.js adds (and that without script the navigation is simply there).
//
// Every step is screenshotted (see lib/browser.mjs for the folder) and every context
// fails on console errors and Content-Security-Policy violations.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
	assertPageBasics, closeBrowser, closeContext, launchBrowser, navigateBy, newContext, shot, startServer, visit,
} from './lib/browser.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 740 };
const QUERY = 'national cyber strategy';

let server;
let browser;

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
});

after(async () => {
	await closeBrowser(browser);
	await server?.stop();
});

const mainNav = (page) => page.locator('nav#main-nav');
const langLink = (page, code) => page.locator(`nav.lang-nav a[hreflang="${code}"]`);
const tableRows = (page) => page.locator('table.countries-table tbody th[scope="row"] a');

/** Where the logo and the main navigation's first two items sit on the page. */
async function headerLayout(page) {
	const box = async (locator) => {
		const b = await locator.boundingBox();
		assert.ok(b, `${locator} is laid out`);
		return { left: b.x, right: b.x + b.width, centre: b.x + b.width / 2 };
	};
	const items = mainNav(page).locator('.nav-list > li > a');
	return {
		width: page.viewportSize().width,
		logo: await box(page.locator('.brand-logo')),
		brand: await box(page.locator('a.brand')),
		first: await box(items.nth(0)),
		second: await box(items.nth(1)),
	};
}

/** Logo and navigation start on the right in Arabic, on the left otherwise. */
function assertHeaderSide(layout, dir, what) {
	const { width, logo, brand, first, second } = layout;
	const detail = `${what}: ${JSON.stringify(layout)}`;
	if (dir === 'rtl') {
		assert.ok(logo.centre > width / 2, `logo on the right half in RTL; ${detail}`);
		assert.ok(first.centre > width / 2, `first navigation item on the right half in RTL; ${detail}`);
		assert.ok(first.left > second.left, `navigation runs right to left; ${detail}`);
		assert.ok(logo.left > brand.left, `logo to the right of the site name in RTL; ${detail}`);
		assert.ok(width - first.right < first.left, `first item nearer the right edge; ${detail}`);
	} else {
		assert.ok(logo.centre < width / 2, `logo on the left half in LTR; ${detail}`);
		assert.ok(first.centre < width / 2, `first navigation item on the left half in LTR; ${detail}`);
		assert.ok(first.left < second.left, `navigation runs left to right; ${detail}`);
		assert.ok(logo.left < brand.left, `logo to the left of the site name in LTR; ${detail}`);
	}
}

/** What a step shows, to compare the runs with and without JavaScript. */
async function snapshot(page, step) {
	const u = new URL(page.url());
	return {
		step,
		path: u.pathname + u.search,
		...(await page.evaluate(() => ({
			lang: document.documentElement.lang,
			dir: document.documentElement.dir,
			h1: document.querySelector('h1')?.textContent.trim(),
			title: document.title,
			nav: [...document.querySelectorAll('#main-nav .nav-list a')].map((a) => [a.textContent.trim(), a.getAttribute('aria-current')]),
			rows: document.querySelectorAll('table.countries-table tbody th[scope="row"]').length,
			caption: document.querySelector('caption .caption-count')?.textContent.trim() ?? null,
		}))),
	};
}

/**
 * The journey; label names the screenshots. Resolves with one snapshot per step.
 */
async function journey(page, label) {
	const steps = [];
	const step = async (name, lang) => {
		await assertPageBasics(page, lang, `${label} ${name}`);
		await shot(page, `public-${label}-${String(steps.length + 1).padStart(2, '0')}-${name}`);
		steps.push(await snapshot(page, name));
		page.context().check(`${label} ${name}`);
	};

	// 1. Home.
	await visit(page, `${server.url}/`);
	await step('home', 'en');
	assert.equal(await page.locator('h1').count(), 1);
	assert.equal(await mainNav(page).getAttribute('aria-label'), 'Main navigation');

	// 2. The home page's search box.
	const homeSearch = page.getByRole('search');
	await homeSearch.getByLabel('Search the portal').fill(QUERY);
	await navigateBy(page, () => homeSearch.getByRole('button', { name: 'Search' }).click());
	const searchUrl = new URL(page.url());
	assert.equal(searchUrl.pathname, '/search');
	assert.equal(searchUrl.searchParams.get('q'), QUERY);
	assert.equal(await page.locator('#search-q').inputValue(), QUERY, 'the query is shown back in the search box');
	assert.equal(await page.locator('h1').innerText(), 'Search');
	assert.match(await page.locator('#search-results-heading').innerText(), /^\d+ results?$/);
	await step('search', 'en');

	// 3. The countries list, through the main navigation.
	await navigateBy(page, () => mainNav(page).getByRole('link', { name: 'Countries' }).click());
	assert.equal(new URL(page.url()).pathname, '/countries');
	assert.equal(await mainNav(page).getByRole('link', { name: 'Countries' }).getAttribute('aria-current'), 'page');
	const all = await tableRows(page).count();
	assert.ok(all >= 190, `the list shows every state (${all} rows)`);
	assert.match(await page.locator('caption .caption-count').innerText(), new RegExp(`^${all} states$`));
	await step('countries', 'en');

	// 4. Filter by region: Africa.
	await page.getByLabel('Region').selectOption({ label: 'Africa' });
	await navigateBy(page, () => page.locator('form.filters').getByRole('button', { name: 'Filter' }).click());
	const filtered = new URL(page.url());
	assert.equal(filtered.pathname, '/countries');
	assert.equal(filtered.searchParams.get('region'), '002', 'Africa is M49 region 002');
	assert.equal(await page.locator('#filter-region option:checked').innerText(), 'Africa', 'the filter stays selected');
	const names = await tableRows(page).allInnerTexts();
	assert.ok(names.length > 40 && names.length < all, `Africa has ${names.length} of ${all} states`);
	assert.ok(names.includes('Kenya') && names.includes('Nigeria') && names.includes('Egypt'), 'African states are listed');
	assert.ok(!names.includes('France') && !names.includes('Japan'), 'others are not');
	assert.match(await page.locator('caption .caption-count').innerText(), new RegExp(`^${names.length} states$`));
	await step('countries-africa', 'en');

	// 5. A country's profile.
	await navigateBy(page, () => page.getByRole('link', { name: 'Kenya', exact: true }).click());
	assert.equal(new URL(page.url()).pathname, '/countries/KEN');
	assert.equal(await page.locator('h1').innerText(), 'Kenya');
	assert.equal(await page.locator('.facts-list a[href="/countries?region=002"]').innerText(), 'Africa');
	await step('profile', 'en');

	// 6. French, through the language links.
	await navigateBy(page, () => langLink(page, 'fr').click());
	assert.equal(await langLink(page, 'fr').getAttribute('aria-current'), 'true');
	assert.equal(await page.locator('h1').innerText(), 'Kenya');
	assert.equal(await mainNav(page).locator('a').first().innerText(), 'Pays');
	assert.equal(await page.locator('.facts-list a[href="/countries?region=002"]').innerText(), 'Afrique');
	assertHeaderSide(await headerLayout(page), 'ltr', `${label} French profile`);
	await step('profile-fr', 'fr');

	// 7. Arabic: right to left, the navigation on the right.
	await navigateBy(page, () => langLink(page, 'ar').click());
	assert.equal(await page.locator('h1').innerText(), 'كينيا');
	assert.equal(await langLink(page, 'ar').getAttribute('aria-current'), 'true');
	assertHeaderSide(await headerLayout(page), 'rtl', `${label} Arabic profile`);
	await step('profile-ar', 'ar');

	// The language sticks while browsing: the back link keeps Arabic.
	await navigateBy(page, () => page.locator('a.link-back').click());
	assert.equal(new URL(page.url()).pathname, '/countries');
	assertHeaderSide(await headerLayout(page), 'rtl', `${label} Arabic list`);
	await step('countries-ar', 'ar');
	await page.goBack({ waitUntil: 'load' });

	// 8. Back to English.
	await navigateBy(page, () => langLink(page, 'en').click());
	assert.equal(await page.locator('h1').innerText(), 'Kenya');
	assertHeaderSide(await headerLayout(page), 'ltr', `${label} English profile`);
	await step('profile-en', 'en');
	await visit(page, `${server.url}/`);
	await step('home-again', 'en');
	return steps;
}

describe('the public journey', () => {
	let withScript;

	test('with JavaScript', async () => {
		const context = await newContext(browser, { viewport: DESKTOP });
		try {
			const page = await context.newPage();
			withScript = await journey(page, 'js');
			// app.js ran (it marks <html>) and the wide layout shows no menu button.
			assert.equal(await page.evaluate(() => document.documentElement.classList.contains('has-nav-toggle')), true);
			assert.equal(await page.locator('button.nav-toggle').isVisible(), false, 'no menu button on a wide screen');
		} finally {
			await closeContext(context);
		}
	});

	test('without JavaScript: the same pages', async () => {
		const context = await newContext(browser, { viewport: DESKTOP, javaScriptEnabled: false });
		try {
			const page = await context.newPage();
			const withoutScript = await journey(page, 'nojs');
			assert.equal(await page.locator('button.nav-toggle').count(), 0, 'no menu button without script');
			assert.equal(await page.evaluate(() => document.documentElement.className), '');
			if (withScript) assert.deepEqual(withoutScript, withScript, 'with and without JavaScript the journey shows the same pages');
		} finally {
			await closeContext(context);
		}
	});
});

describe('keyboard', () => {
	for (const javaScriptEnabled of [true, false]) {
		test(`the skip link is the first stop and leads into the main content (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
			const context = await newContext(browser, { viewport: DESKTOP, javaScriptEnabled });
			try {
				const page = await context.newPage();
				await visit(page, `${server.url}/countries/KEN?lang=fr`);
				await page.keyboard.press('Tab');
				const skip = page.locator('a.skip-link');
				assert.equal(await skip.evaluate((a) => a === document.activeElement), true, 'the first Tab reaches the skip link');
				assert.equal(await skip.innerText(), 'Aller au contenu principal');
				const box = await skip.boundingBox();
				assert.ok(box && box.y >= 0 && box.y + box.height <= DESKTOP.height, `the focused skip link is on screen: ${JSON.stringify(box)}`);
				await shot(page, `public-keyboard-skip-link-${javaScriptEnabled ? 'js' : 'nojs'}`);
				await page.keyboard.press('Enter');
				assert.equal(new URL(page.url()).hash, '#main');
				await page.keyboard.press('Tab');
				const inMain = await page.evaluate(() => Boolean(document.activeElement?.closest('main#main')));
				assert.equal(inMain, true, 'the next Tab lands inside <main>');
				context.check('skip link');
			} finally {
				await closeContext(context);
			}
		});
	}
});

describe('a 375 px phone', () => {
	test('with JavaScript, a menu button opens the navigation', async () => {
		const context = await newContext(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
		try {
			const page = await context.newPage();
			await visit(page, `${server.url}/`);
			await assertPageBasics(page, 'en', 'phone home');
			const button = mainNav(page).getByRole('button', { name: 'Menu' });
			const countries = mainNav(page).getByRole('link', { name: 'Countries' });
			assert.equal(await button.isVisible(), true, 'the menu button shows');
			assert.equal(await button.getAttribute('aria-expanded'), 'false');
			assert.equal(await button.getAttribute('aria-controls'), 'main-nav-list');
			assert.equal(await countries.isVisible(), false, 'the navigation is folded');
			await assertNoHorizontalScroll(page, 'phone home');
			await shot(page, 'public-phone-01-menu-closed');

			await button.tap();
			assert.equal(await button.getAttribute('aria-expanded'), 'true');
			await countries.waitFor({ state: 'visible' });
			assert.equal(await mainNav(page).getByRole('link', { name: 'Search' }).isVisible(), true);
			await shot(page, 'public-phone-02-menu-open');

			// Escape closes it and gives focus back to the button.
			await countries.focus();
			await page.keyboard.press('Escape');
			assert.equal(await button.getAttribute('aria-expanded'), 'false');
			assert.equal(await button.evaluate((b) => b === document.activeElement), true, 'focus back on the button');
			await countries.waitFor({ state: 'hidden' });

			await button.tap();
			await navigateBy(page, () => countries.tap());
			assert.equal(new URL(page.url()).pathname, '/countries');
			await assertPageBasics(page, 'en', 'phone countries');
			await assertNoHorizontalScroll(page, 'phone countries');
			await shot(page, 'public-phone-03-countries');

			// The same in Arabic: the translated button, on a right-to-left page.
			await visit(page, `${server.url}/countries/KEN?lang=ar`);
			await assertPageBasics(page, 'ar', 'phone Arabic profile');
			const arButton = mainNav(page).locator('button.nav-toggle');
			assert.equal(await arButton.isVisible(), true);
			assert.equal(await arButton.innerText(), await mainNav(page).getAttribute('data-menu-label'));
			assert.notEqual(await arButton.innerText(), 'Menu', 'the button speaks Arabic');
			await arButton.tap();
			await mainNav(page).locator('.nav-list a').first().waitFor({ state: 'visible' });
			await assertNoHorizontalScroll(page, 'phone Arabic profile');
			await shot(page, 'public-phone-04-ar-menu-open');
			context.check('phone');
		} finally {
			await closeContext(context);
		}
	});

	test('without JavaScript, the navigation is simply shown', async () => {
		const context = await newContext(browser, { viewport: PHONE, isMobile: true, hasTouch: true, javaScriptEnabled: false });
		try {
			const page = await context.newPage();
			await visit(page, `${server.url}/`);
			assert.equal(await page.locator('button.nav-toggle').count(), 0);
			assert.equal(await mainNav(page).getByRole('link', { name: 'Countries' }).isVisible(), true);
			assert.equal(await mainNav(page).getByRole('link', { name: 'Search' }).isVisible(), true);
			await assertNoHorizontalScroll(page, 'phone home without script');
			await shot(page, 'public-phone-nojs-01-home');
			await navigateBy(page, () => mainNav(page).getByRole('link', { name: 'Countries' }).tap());
			assert.equal(new URL(page.url()).pathname, '/countries');
			await shot(page, 'public-phone-nojs-02-countries');
			context.check('phone without script');
		} finally {
			await closeContext(context);
		}
	});
});

/** WCAG 1.4.10 (reflow): at 320 CSS px and up nothing scrolls sideways but wide tables in their own region. */
async function assertNoHorizontalScroll(page, what) {
	const { scroll, client } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		client: document.documentElement.clientWidth,
	}));
	assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} px of content in ${client} px)`);
}
