// The account pages in a real browser: a state's new person goes from the invitation
// link to a signed-in account entirely through the forms (password, sign-in, TOTP
// enrolment from the page's secret, recovery codes, a token), under the portal's CSP,
// with no console error; then axe-core (WCAG 2.0/2.1 A and AA) on every account page in
// all six languages, one <h1>, lang and dir; and reflow at 320 px.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addOrg, addUser, goodPassword, nextTotp } from '../api/lib/accounts.mjs';
import {
	LANGS, assertAccessible, assertPageBasics, closeBrowser, closeContext, launchBrowser, newContext, shot, startServer,
	visit,
} from './lib/browser.mjs';

let server;
let browser;
let org;
before(async () => {
	[server, browser] = await Promise.all([startServer(), launchBrowser()]);
	org = await addOrg(server, { kind: 'member_state', name: 'Ministry of Digital Economy', country: 'KEN' });
});
after(async () => {
	try {
		await closeBrowser(browser);
	} finally {
		await server?.stop();
	}
});

/** Clicks the form's submit button and waits for the page it leads to (after redirects). */
async function submit(page, formSelector, urlPattern) {
	const committed = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
	await page.locator(`${formSelector} button[type="submit"]`).click();
	await committed;
	await page.waitForURL(urlPattern, { waitUntil: 'load' });
}

/** A person through the browser: invitation, sign-in, enrolment. Leaves page signed in. */
async function journey(page, email) {
	const url = await addUser(server, { org, email, role: 'editor', name: 'Wanjiru Browser' });
	const password = goodPassword();
	await visit(page, url);
	await page.fill('#invitation-password', password);
	await page.fill('#invitation-password-confirm', password);
	await submit(page, 'form.account-form', /\/login\?email=/);
	assert.equal(await page.inputValue('#login-email'), email);
	await page.fill('#login-password', password);
	await submit(page, 'form.account-form', /\/account\/mfa\/enrol$/);
	const secret = (await page.locator('code.account-secret').innerText()).replaceAll(/\s/g, '');
	assert.match(secret, /^[A-Z2-7]{32}$/);
	assert.equal(await page.locator('.account-qr svg[role="img"]').count(), 1, 'the QR code is drawn');
	await page.fill('#enrol-code', await nextTotp(secret));
	await submit(page, 'form.account-form', /\/account\/mfa\/enrol$/);
	return { password, secret };
}

describe('in the browser', () => {
	let context;
	let page;
	before(async () => {
		context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		page = await context.newPage();
	});
	after(async () => {
		await closeContext(context);
	});

	test('from the invitation to a signed-in account, through the forms', async () => {
		await journey(page, 'journey@example.org');
		assert.equal(await page.locator('.account-recovery-list li').count(), 10, 'ten recovery codes');
		await assertAccessible(page, 'recovery codes');
		await shot(page, 'account-recovery-codes');
		await Promise.all([page.waitForURL(/\/account$/, { waitUntil: 'load' }), page.click('a.link-forward')]);
		assert.match(await page.locator('h1').innerText(), /My account/);
		await page.fill('#token-name', 'browser script');
		await submit(page, 'form[action="/account/tokens"]', /\/account\/tokens$/);
		assert.match(await page.locator('code.account-token').innerText(), /^gcscp_/);
		await assertAccessible(page, 'token created');
		await visit(page, `${server.url}/account`);
		await shot(page, 'account-overview');
		context.check('journey');
	});

	test('a wrong current password is shown beside its field', async () => {
		await visit(page, `${server.url}/account`);
		await page.fill('#password-current', 'this is not the password');
		const fresh = goodPassword();
		await page.fill('#password-new', fresh);
		await page.fill('#password-confirm', fresh);
		await submit(page, 'form[action="/account/password"]', /\/account\/password$/);
		assert.equal(await page.getAttribute('#password-current', 'aria-invalid'), 'true');
		assert.match(await page.locator('#password-current-error').innerText(), /not correct/);
		await assertAccessible(page, 'password refusal');
		context.check('password refusal');
	});
});

describe('every account page, in every language', () => {
	let context;
	let anonymous;
	let pending;
	let page;
	let invitationPath;
	before(async () => {
		context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		page = await context.newPage();
		const { password } = await journey(page, 'languages@example.org');
		anonymous = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		pending = await newContext(browser, { viewport: { width: 1280, height: 900 } });
		const p = await pending.newPage();
		await visit(p, `${server.url}/login`);
		await p.fill('#login-email', 'languages@example.org');
		await p.fill('#login-password', password);
		await submit(p, 'form.account-form', /\/login\/mfa$/);
		invitationPath = new URL(await addUser(server, { org, email: 'still-invited@example.org' })).pathname;
	});
	after(async () => {
		await closeContext(context);
		await closeContext(anonymous);
		await closeContext(pending);
	});

	for (const lang of LANGS) {
		test(lang, async () => {
			const anon = await anonymous.newPage();
			const wait = pending.pages()[0];
			const checks = [
				[anon, '/login'],
				[anon, invitationPath],
				[wait, '/login/mfa'],
				[page, '/account'],
				[page, '/account/mfa/enrol'],
			];
			for (const [p, path] of checks) {
				await visit(p, `${server.url}${path}?lang=${lang}`);
				await assertPageBasics(p, lang, `${path} (${lang})`);
				await assertAccessible(p, `${path} (${lang})`);
			}
			// A refusal re-renders the form with the message tied to the field.
			await visit(anon, `${server.url}/login?lang=${lang}`);
			await anon.fill('#login-email', 'nobody@example.org');
			await anon.fill('#login-password', 'not the password at all');
			await submit(anon, 'form.account-form', /\/login$/);
			assert.equal(await anon.locator('.account-alert').count(), 1);
			await assertPageBasics(anon, lang, `login refusal (${lang})`);
			await assertAccessible(anon, `login refusal (${lang})`);
			await anon.close();
			if (lang === 'ar') await shot(page, 'account-enrol-ar');
			context.check(lang);
			anonymous.check(lang);
			pending.check(lang);
		});
	}

	test('reflow at 320 px', async () => {
		const narrow = await newContext(browser, { viewport: { width: 320, height: 640 }, javaScriptEnabled: false,
			storageState: await context.storageState() });
		try {
			const p = await narrow.newPage();
			const overflowing = [];
			for (const lang of LANGS) {
				for (const path of ['/account', '/account/mfa/enrol', '/login']) {
					await visit(p, `${server.url}${path}?lang=${lang}`, { status: [200] });
					const { scroll, client, culprit } = await p.evaluate(() => {
						const width = document.documentElement.clientWidth;
						const wide = [...document.querySelectorAll('body *')].find((e) => {
							const r = e.getBoundingClientRect();
							return (r.right > width + 1 || r.left < -1) && !e.closest('.table-scroll')
								&& getComputedStyle(e).position !== 'absolute';
						});
						return { scroll: document.documentElement.scrollWidth, client: width, culprit: wide ? wide.outerHTML.slice(0, 120) : null };
					});
					if (scroll > client) overflowing.push(`${path} (${lang}): ${scroll} px in ${client} px; first wide element: ${culprit}`);
				}
			}
			assert.deepEqual(overflowing, []);
			narrow.check('reflow');
		} finally {
			await closeContext(narrow);
		}
	});
});
