// Two journeys of issue 7 in a real browser, entirely through the pages and their forms,
// signed in with sessions (no token): 
//
// (a) a member state's editor signs in with password and TOTP (the code computed here
//     from the enrolment secret), creates a RESTRICTED policy, finds it in the list and
//     on its page, signs out; an anonymous visitor then finds it nowhere (list, search,
//     CSV) and its URL answers 404 like an id that never existed;
// (b) a stakeholder submits a policy; a Secretariat reviewer signs in (password and
//     TOTP), finds it in /review and rejects it with a reason, which the stakeholder
//     reads in /mine; the stakeholder submits it again; the reviewer publishes it; the
//     anonymous visitor finds it in the list, in search and on its page.
//
// Every page of both journeys is checked with axe-core (WCAG 2.0/2.1 A and AA), has one
// <h1>, and is opened again in Arabic in the same session: lang="ar", dir="rtl", no axe
// violation. Screenshots of each step (and its Arabic twin) go to the folder that
// lib/browser.mjs prints at the start of the run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, newPerson, nextTotp } from '../api/lib/accounts.mjs';
import {
	assertAccessible, assertPageBasics, closeBrowser, closeContext, launchBrowser, newContext, shot, startServer, visit,
} from './lib/browser.mjs';

let server;
let browser;
const people = {};

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
	const kenya = await addOrg(server, { kind: 'member_state', name: 'Kenya, Ministry of ICT (journeys)', country: 'KEN' });
	const secretariat = await addOrg(server, { kind: 'secretariat', name: 'UN Secretariat (journeys)' });
	const stakeholder = await addOrg(server, { kind: 'stakeholder', name: 'Open Cyber Foundation (journeys)' });
	people.state = await newPerson(server, { org: kenya, email: 'editor@ken.journeys.test', role: 'editor', name: 'Amina Odhiambo' });
	people.reviewer = await newPerson(server, { org: secretariat, email: 'reviewer@sec.journeys.test', role: 'editor', name: 'Li Wei' });
	people.stakeholder = await newPerson(server, { org: stakeholder, email: 'editor@stk.journeys.test', role: 'editor', name: 'Sam Rivera' });
	assert.ok(people.state.totpSecret, 'a member state\'s person enrols TOTP');
	assert.ok(people.reviewer.totpSecret, 'a Secretariat person enrols TOTP');
	assert.equal(people.stakeholder.totpSecret, null, 'a stakeholder signs in with a password alone');
});
after(async () => {
	try {
		await closeBrowser(browser);
	} finally {
		await server?.stop();
	}
});

const VIEWPORT = { width: 1280, height: 900 };
const withLang = (url, lang) => `${url}${url.includes('?') ? '&' : '?'}lang=${lang}`;

/**
 * The page as it is now: one <h1>, lang and dir of English, no axe violation, a
 * screenshot; then the same address in Arabic in a second tab of the same session:
 * right to left, no axe violation, a screenshot. status: what both answer.
 */
async function checkStep(page, name, { status = 200 } = {}) {
	await assertPageBasics(page, 'en', name);
	await assertAccessible(page, name);
	await shot(page, `journey-${name}`);
	const rtl = await page.context().newPage();
	try {
		await visit(rtl, withLang(page.url().replace(/([?&])lang=[a-z]{2}(&|$)/, '$1'), 'ar'), { status });
		await assertPageBasics(rtl, 'ar', `${name} (ar)`);
		assert.equal(await rtl.evaluate(() => getComputedStyle(document.body).direction), 'rtl', `${name} (ar): laid out right to left`);
		await assertAccessible(rtl, `${name} (ar)`);
		await shot(rtl, `journey-${name}-ar`);
	} finally {
		// ?lang= is remembered (a cookie): the journey goes on in English.
		await visit(rtl, `${server.url}/?lang=en`);
		await rtl.close();
	}
	page.context().check(name);
}

/** Clicks and waits for the document it leads to (after any redirect); resolves with its response. */
async function follow(page, locator) {
	const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(locator).first().click()]);
	return res;
}

/** Signs person in through /login (and /login/mfa with a fresh code when asked). */
async function signIn(page, person, name) {
	await visit(page, `${server.url}/login?lang=en`);
	await checkStep(page, `${name}-01-login`);
	await page.fill('#login-email', person.email);
	await page.fill('#login-password', person.password);
	await follow(page, 'form.account-form button[type="submit"]');
	if (person.totpSecret) {
		assert.match(new URL(page.url()).pathname, /^\/login\/mfa$/, 'the TOTP step is asked for');
		await checkStep(page, `${name}-02-login-mfa`);
		await page.fill('#mfa-code', await nextTotp(person.totpSecret));
		await follow(page, 'form.account-form button[type="submit"]');
	}
	assert.doesNotMatch(new URL(page.url()).pathname, /^\/login/, `${person.email} is signed in`);
	assert.equal(await page.locator('form.sign-out').count(), 1, 'a sign-out button is shown');
}

async function signOut(page) {
	await follow(page, 'form.sign-out button[type="submit"]');
	assert.equal(await page.locator('form.sign-out').count(), 0, 'signed out');
}

/** Creates a policy through /policies/new; resolves with its id. */
async function createThroughForm(page, { title, summary, kind, visibility }, name) {
	await visit(page, `${server.url}/policies/new?lang=en`);
	await checkStep(page, `${name}-new`);
	await page.fill('#policy-title', title);
	await page.fill('#policy-summary', summary);
	await page.selectOption('#policy-kind', kind);
	if (visibility) await page.check(`#policy-vis-${visibility}`);
	const res = await follow(page, 'form.item-form button[type="submit"]');
	assert.equal(res.status(), 200, `created: ${res.status()}`);
	const m = /\/policies\/(\d+)$/.exec(new URL(page.url()).pathname);
	assert.ok(m, `the new policy's page: ${page.url()}`);
	assert.equal(await page.locator('h1').innerText(), title);
	return Number(m[1]);
}

/** The anonymous visitor's view of a title: in the list, in search, in the CSV. */
async function anonymousFinds(page, title) {
	await visit(page, `${server.url}/policies?lang=en&per_page=100`);
	const inList = await page.getByText(title, { exact: true }).count();
	await visit(page, `${server.url}/search?lang=en&q=${encodeURIComponent(title)}`);
	const inSearch = await page.locator('main').getByText(title).count();
	const csv = await page.context().request.get(`${server.url}/policies.csv`);
	assert.equal(csv.status(), 200);
	const inCsv = (await csv.text()).includes(title);
	return { inList, inSearch, inCsv };
}

describe('a member state keeps a restricted policy from anonymous visitors', () => {
	let context;
	let anonymous;
	before(async () => {
		context = await newContext(browser, { viewport: VIEWPORT });
		anonymous = await newContext(browser, { viewport: VIEWPORT });
	});
	after(async () => {
		await closeContext(context);
		await closeContext(anonymous);
	});

	test('sign in with TOTP, create restricted, see it, sign out; anonymous gets 404 everywhere', async () => {
		const page = await context.newPage();
		await signIn(page, people.state, 'a');
		await checkStep(page, 'a-03-signed-in');

		const title = 'Kenya critical infrastructure protection plan (restricted, journeys)';
		const id = await createThroughForm(page, {
			title, summary: 'Measures agreed with **operators** of essential services.', kind: 'national_strategy', visibility: 'restricted',
		}, 'a-04');
		await checkStep(page, 'a-05-restricted-page');
		assert.equal(await page.locator('.policy-summary strong').innerText(), 'operators');

		await visit(page, `${server.url}/policies?lang=en&per_page=100`);
		assert.equal(await page.getByRole('link', { name: title }).count(), 1, 'the owner finds it in the list');
		await checkStep(page, 'a-06-list-signed-in');
		await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('link', { name: title }).click()]);
		assert.equal(new URL(page.url()).pathname, `/policies/${id}`);
		assert.equal(await page.locator('h1').innerText(), title);

		await signOut(page);
		await checkStep(page, 'a-07-signed-out');
		// The same tab, now anonymous, and a fresh anonymous context.
		for (const p of [page, await anonymous.newPage()]) {
			const res = await visit(p, `${server.url}/policies/${id}?lang=en`, { status: 404 });
			const never = await p.context().request.get(`${server.url}/policies/999999999?lang=en`, { headers: { Accept: 'text/html' } });
			assert.equal(never.status(), 404);
			// The same page but for the address it echoes (alternate-language links) and the
			// request's own reference.
			const same = (text) => text.replaceAll(`/policies/${id}`, '/policies/999999999').replace(/<code>[0-9a-f]{16}<\/code>/, '<code>ref</code>');
			assert.equal(same(await res.text()), same(await never.text()), 'the restricted item answers exactly like one that never existed');
			assert.doesNotMatch(await p.content(), /critical infrastructure protection/);
			const found = await anonymousFinds(p, title);
			assert.deepEqual(found, { inList: 0, inSearch: 0, inCsv: false }, 'anonymous finds it nowhere');
		}
		const anon = anonymous.pages()[0];
		await visit(anon, `${server.url}/policies/${id}?lang=en`, { status: 404 });
		await checkStep(anon, 'a-08-anonymous-404', { status: 404 });
		await visit(anon, `${server.url}/policies?lang=en`);
		await checkStep(anon, 'a-09-anonymous-list');
		await visit(anon, `${server.url}/search?lang=en&q=${encodeURIComponent('critical infrastructure protection')}`);
		await checkStep(anon, 'a-10-anonymous-search');
		assert.equal(await anon.locator('main').getByText(title).count(), 0);
		// The API twin agrees.
		const api = await anonymous.request.get(`${server.url}/api/v1/policies/${id}`);
		assert.equal(api.status(), 404);
	});
});

describe('a stakeholder\'s submission goes through the Secretariat\'s review', () => {
	let stk;
	let sec;
	let anonymous;
	before(async () => {
		stk = await newContext(browser, { viewport: VIEWPORT });
		sec = await newContext(browser, { viewport: VIEWPORT });
		anonymous = await newContext(browser, { viewport: VIEWPORT });
	});
	after(async () => {
		await closeContext(stk);
		await closeContext(sec);
		await closeContext(anonymous);
	});

	test('submit, reject with a reason, read it in /mine, submit again, publish; anonymous then finds it', async () => {
		const title = 'Open Cyber Foundation guide to coordinated vulnerability disclosure (journeys)';
		const s = await stk.newPage();
		await signIn(s, people.stakeholder, 'b');
		const id = await createThroughForm(s, {
			title, summary: 'How researchers and vendors **work together**.', kind: 'policy_guideline',
		}, 'b-02');
		await checkStep(s, 'b-03-submitted');
		const anon = await anonymous.newPage();
		await visit(anon, `${server.url}/policies/${id}?lang=en`, { status: 404 });

		// The reviewer signs in and finds it in /review.
		const r = await sec.newPage();
		await signIn(r, people.reviewer, 'b-reviewer');
		await visit(r, `${server.url}/review?lang=en`);
		await checkStep(r, 'b-04-review-queue');
		const entry = r.locator('li.item-panel', { has: r.getByRole('link', { name: title }) });
		assert.equal(await entry.count(), 1, 'the submission is in the queue');
		// Rejecting without a reason is refused beside the field.
		await Promise.all([r.waitForNavigation({ waitUntil: 'load' }), entry.locator(`form[action="/review/${id}/reject"] button[type="submit"]`).click()]);
		assert.equal(await r.locator(`#reason-${id}[aria-invalid="true"]`).count(), 1, 'the missing reason is named');
		await assertPageBasics(r, 'en', 'b-05-reject-without-reason');
		await assertAccessible(r, 'b-05-reject-without-reason');
		await shot(r, 'journey-b-05-reject-without-reason');
		// The same refusal in Arabic (a form's answer has no address to open again).
		await visit(r, `${server.url}/review?lang=ar`);
		const rtlEntry = r.locator('li.item-panel', { has: r.locator(`a[href="/policies/${id}"]`) });
		await Promise.all([r.waitForNavigation({ waitUntil: 'load' }), rtlEntry.locator(`form[action="/review/${id}/reject"] button[type="submit"]`).click()]);
		assert.equal(await r.locator(`#reason-${id}[aria-invalid="true"]`).count(), 1, 'the missing reason is named (ar)');
		await assertPageBasics(r, 'ar', 'b-05-reject-without-reason (ar)');
		await assertAccessible(r, 'b-05-reject-without-reason (ar)');
		await shot(r, 'journey-b-05-reject-without-reason-ar');
		await visit(r, `${server.url}/?lang=en`);
		sec.check('b-05');
		const reason = 'Please cite the published version and add the date it was adopted.';
		await visit(r, `${server.url}/review?lang=en`);
		const again = r.locator('li.item-panel', { has: r.getByRole('link', { name: title }) });
		await again.locator(`#reason-${id}`).fill(reason);
		await Promise.all([r.waitForNavigation({ waitUntil: 'load' }), again.locator(`form[action="/review/${id}/reject"] button[type="submit"]`).click()]);
		assert.equal(new URL(r.url()).pathname, '/review');
		assert.equal(await r.getByRole('link', { name: title }).count(), 0, 'gone from the queue');
		await checkStep(r, 'b-06-after-reject');

		// The stakeholder reads the reason in /mine and submits again from the item's page.
		await visit(s, `${server.url}/mine?lang=en`);
		const row = s.locator('tr', { has: s.getByRole('link', { name: title }) });
		assert.match(await row.locator('.item-reason').innerText(), new RegExp(reason.replace(/[.]/g, '\\.')));
		await checkStep(s, 'b-07-mine-with-reason');
		await Promise.all([s.waitForNavigation({ waitUntil: 'load' }), row.getByRole('link', { name: title }).click()]);
		assert.match(await s.locator('.item-returned .item-reason').innerText(), /cite the published version/);
		await checkStep(s, 'b-08-returned-item');
		await follow(s, `form[action="/items/${id}/submit"] button[type="submit"]`);
		await checkStep(s, 'b-09-resubmitted');
		await visit(anon, `${server.url}/policies/${id}?lang=en`, { status: 404 });

		// The reviewer publishes it.
		await visit(r, `${server.url}/review?lang=en`);
		const pending = r.locator('li.item-panel', { has: r.getByRole('link', { name: title }) });
		assert.equal(await pending.count(), 1, 'back in the queue');
		await checkStep(r, 'b-10-review-again');
		await Promise.all([r.waitForNavigation({ waitUntil: 'load' }), pending.locator(`form[action="/review/${id}/publish"] button[type="submit"]`).click()]);
		assert.equal(await r.getByRole('link', { name: title }).count(), 0);
		await checkStep(r, 'b-11-published');
		await signOut(r);
		await signOut(s);

		// The anonymous visitor finds it.
		const found = await anonymousFinds(anon, title);
		assert.equal(found.inList, 1, 'in the list');
		assert.ok(found.inSearch > 0, 'in search');
		assert.equal(found.inCsv, true, 'in the CSV');
		await visit(anon, `${server.url}/search?lang=en&q=${encodeURIComponent('coordinated vulnerability disclosure')}`);
		await checkStep(anon, 'b-12-anonymous-search');
		await Promise.all([anon.waitForNavigation({ waitUntil: 'load' }), anon.locator('main').getByRole('link', { name: title }).first().click()]);
		assert.equal(new URL(anon.url()).pathname, `/policies/${id}`);
		assert.equal(await anon.locator('h1').innerText(), title);
		await checkStep(anon, 'b-13-anonymous-page');
	});
});
