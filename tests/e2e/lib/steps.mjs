// Steps shared by the module journeys (contacts-journeys, capacity-journeys): every page
// a journey reaches is checked the same way, in English and again in Arabic.
//
//   checkHere(page, name, lang)   the page as it is: lang and dir on <html>, one <h1>, no
//                                 axe violation (WCAG 2.0/2.1 A and AA), in Arabic laid out
//                                 right to left (assertRtlLayout), a screenshot
//                                 `<name>[-ar].png`, nothing in the problem collector
//   checkStep(page, name)         checkHere in English, then the same address in Arabic in a
//                                 second tab of the same session (for pages a GET can reach
//                                 again; a form's answer is checked with checkHere in each
//                                 language instead)
//   submit(page, locator)         clicks a submit button (a selector or a Locator) and waits
//                                 for the page it leads to (after any 303), asserting its status
import assert from 'node:assert/strict';

import { assertAccessible, assertPageBasics, shot, visit } from './browser.mjs';

export const VIEWPORT = { width: 1280, height: 900 };

/** url with lang=<lang> (replacing any lang already there). */
export function withLang(url, lang) {
	const u = new URL(url);
	u.searchParams.set('lang', lang);
	return u.toString();
}

/**
 * Right to left in fact, not only in the attribute: the body's computed direction is rtl,
 * the main navigation starts on the right half and runs leftwards, and in every table of
 * the main content with two columns or more the first column is right of the second.
 */
export async function assertRtlLayout(page, what) {
	const facts = await page.evaluate(() => {
		const width = document.documentElement.clientWidth;
		const nav = [...document.querySelectorAll('#main-nav .nav-list > li > a')].slice(0, 2)
			.map((a) => a.getBoundingClientRect()).map((r) => ({ left: r.left, centre: r.left + r.width / 2 }));
		const tables = [...document.querySelectorAll('main table')].map((t) => {
			const row = t.querySelector('tr');
			const cells = row ? [...row.children].slice(0, 2).map((c) => c.getBoundingClientRect().left) : [];
			return { id: t.className || t.id, cells };
		}).filter((t) => t.cells.length === 2);
		return { width, direction: getComputedStyle(document.body).direction, nav, tables };
	});
	assert.equal(facts.direction, 'rtl', `${what}: the body is laid out right to left`);
	assert.equal(facts.nav.length, 2, `${what}: the main navigation has items`);
	assert.ok(facts.nav[0].centre > facts.width / 2, `${what}: the navigation starts on the right half (${JSON.stringify(facts.nav)})`);
	assert.ok(facts.nav[0].left > facts.nav[1].left, `${what}: the navigation runs right to left (${JSON.stringify(facts.nav)})`);
	for (const t of facts.tables) {
		assert.ok(t.cells[0] > t.cells[1], `${what}: table ${t.id}: the first column is right of the second (${t.cells})`);
	}
	return facts;
}

/** The page as it is now, in lang (see the file's comment). */
export async function checkHere(page, name, lang = 'en') {
	const what = lang === 'en' ? name : `${name} (${lang})`;
	await assertPageBasics(page, lang, what);
	if (lang === 'ar') await assertRtlLayout(page, what);
	await assertAccessible(page, what);
	await shot(page, lang === 'en' ? name : `${name}-${lang}`);
	page.context().check(what);
}

/**
 * checkHere in English, then the same address in Arabic in a new tab of the same session
 * (status: what both answer). The session's language is set back to English afterwards
 * (?lang= is remembered in a cookie).
 */
export async function checkStep(page, name, { status = 200 } = {}) {
	await checkHere(page, name, 'en');
	const rtl = await page.context().newPage();
	try {
		await visit(rtl, withLang(page.url(), 'ar'), { status });
		await checkHere(rtl, name, 'ar');
	} finally {
		await visit(rtl, withLang(new URL('/', page.url()).toString(), 'en'));
		await rtl.close();
	}
}

/** Clicks locator (a submit button or link) and resolves with the response of the page it leads to. */
export async function submit(page, locator, { status = 200 } = {}) {
	const target = typeof locator === 'string' ? page.locator(locator).first() : locator;
	const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
	assert.ok(res, `no document after clicking ${locator}`);
	assert.equal(res.status(), status, `${res.url()} answered ${res.status()}, expected ${status}`);
	return res;
}
