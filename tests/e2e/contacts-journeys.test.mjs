// The points-of-contact module (issue 5, docs/contacts.md) in a real browser, against a
// real `gcscp serve` that sends its mail to a real SMTP sink (aiosmtpd):
//
// (a) Kenya's editor adds a technical contact through the form: first with a malformed
//     e-mail address and phone number (the form comes back, 422, each message beside its
//     field), then with good ones; the contact's page; the directory filtered by kind and
//     country; the contact's vCard downloaded and read;
// (b) the Secretariat starts a ping round through its form; the contact's mail arrives at
//     the sink; the contact opens the link in a browser of their own (the page confirms
//     nothing), presses Confirm; the round's page then shows the contact reached;
// (c) Kenya sends France a structured request through the form; France's editor finds it,
//     acknowledges it and replies; both see the thread; Germany's editor (a third state)
//     and an anonymous visitor get a 404 for it.
//
// Every page: one <h1>, no axe violation (WCAG 2.0/2.1 A and AA), and the same page in
// Arabic: dir="rtl", the navigation and the tables' first columns on the right, no axe
// violation. Screenshots `contacts-*.png` go to the folder lib/browser.mjs prints.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { call, expectStatus, makeCast } from '../api/lib/items-fixture.mjs';
import { startSmtpSink } from '../api/lib/smtp.mjs';
import { closeBrowser, closeContext, launchBrowser, newContext, startServer, visit } from './lib/browser.mjs';
import { VIEWPORT, checkHere, checkStep, submit, withLang } from './lib/steps.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let sink;
let server;
let browser;
// Started beside the server: if the server does not start, after() still closes the
// browser (an open browser would keep the file's process, and the run, alive).
let launching;
let cast;
const ctx = {};
const made = {};

before(async () => {
	sink = await startSmtpSink();
	launching = launchBrowser();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	browser = await launching;
	cast = await makeCast(server);
	// France has a technical contact (not Kenya's: the filters must tell them apart).
	const fra = await call(server, cast.fraEditor, 'POST', '/contacts', {
		json: { kind: 'technical', function_title: 'CERT-FR duty officer', emails: ['duty@cert.example.fr'], languages: ['fr'] },
	});
	expectStatus(fra, 201, 'France\'s contact');
	made.fraContact = fra.data.id;
	// Each person browses with a session of their own (an API token, as a session would be).
	for (const who of ['kenEditor', 'fraEditor', 'deuEditor', 'secEditor']) {
		ctx[who] = await newContext(browser, { viewport: VIEWPORT, extraHTTPHeaders: cast[who].headers, acceptDownloads: true });
	}
	ctx.anonymous = await newContext(browser, { viewport: VIEWPORT });
	ctx.mailbox = await newContext(browser, { viewport: VIEWPORT }); // the contact, reading their mail
});
after(async () => {
	try {
		for (const c of Object.values(ctx)) await closeContext(c);
	} finally {
		try {
			await closeBrowser(browser ?? await launching?.catch(() => null));
		} finally {
			await server?.stop();
			await sink?.stop();
		}
	}
});

async function waitForMail(to, pred = () => true, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const found = (await sink.messages()).filter((m) => m.headers.to === `<${to}>` && pred(m));
		if (found.length) return found;
		if (Date.now() > end) assert.fail(`no mail to ${to} within ${ms} ms`);
		await sleep(100);
	}
}

const TITLE = 'KE-CIRT incident duty officer (browser)';
const EMAIL = 'duty@ke-cirt.example.ke';

describe('points of contact in the browser', () => {
	test('(a) an editor adds a contact (bad input, then good), filters the directory, downloads the vCard', async () => {
		const page = await ctx.kenEditor.newPage();
		await visit(page, `${server.url}/contacts/new?lang=en`);
		await checkStep(page, 'contacts-a01-new');

		const fillForm = async (emails, phones) => {
			await page.selectOption('#contact-kind', 'technical');
			await page.fill('#contact-function-title', TITLE);
			await page.fill('#contact-person-name', 'Wanjiru Kamau');
			await page.fill('#contact-agency', 'KE-CIRT/CC');
			await page.fill('#contact-emails', emails);
			await page.fill('#contact-phones', phones);
			await page.fill('#contact-time-zone', 'Africa/Nairobi');
			await page.fill('#contact-languages', 'en sw');
			await page.selectOption('#contact-visibility', 'restricted');
		};
		const refused = async (lang) => {
			await fillForm('duty@@ke-cirt', '0720 000 000');
			await submit(page, 'form.item-form button[type="submit"]', { status: 422 });
			// The first field in error is named beside it; the rest of the form is kept.
			const field = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((e) => e.id));
			assert.ok(field.includes('contact-emails'), `the e-mail field is marked invalid (${field})`);
			assert.match(await page.locator('#contact-emails').getAttribute('aria-describedby'), /\bcontact-emails-error\b/);
			const error = page.locator('#contact-emails-error');
			assert.ok((await error.innerText()).length > 0, 'a message beside the e-mail field');
			// Beside the field: in the same field group, right before the control.
			assert.equal(await error.evaluate((e) => e.parentElement === document.getElementById('contact-emails').parentElement), true);
			assert.equal(await page.locator('#contact-function-title').inputValue(), TITLE, 'the form keeps what was typed');
			await checkHere(page, 'contacts-a02-new-refused', lang);
			return error.innerText();
		};
		const enMessage = await refused('en');
		assert.match(enMessage, /mail/i, `an English message about the address: ${enMessage}`);
		// The same refusal in Arabic, in the reader's language.
		await visit(page, `${server.url}/contacts/new?lang=ar`);
		const arMessage = await refused('ar');
		assert.notEqual(arMessage, enMessage, 'the message is translated');
		await visit(page, `${server.url}/contacts/new?lang=en`);
		// A good address but a phone number that is not E.164.
		await fillForm(EMAIL, '0720 000 000');
		await submit(page, 'form.item-form button[type="submit"]', { status: 422 });
		assert.equal(await page.locator('#contact-phones[aria-invalid="true"]').count(), 1, 'the phone field is marked invalid');
		assert.ok((await page.locator('#contact-phones-error').innerText()).length > 0, 'a message beside the phone field');
		assert.equal(await page.locator('#contact-emails[aria-invalid="true"]').count(), 0, 'the address is accepted now');
		await checkHere(page, 'contacts-a03-new-bad-phone');
		assert.equal((await call(server, cast.kenEditor, 'GET', '/contacts?country=KEN')).data.items.length, 0, 'nothing was created');

		await page.fill('#contact-phones', '+254 (20) 444-7000');
		await submit(page, 'form.item-form button[type="submit"]');
		const m = /^\/contacts\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `the new contact's page: ${page.url()}`);
		made.kenContact = Number(m[1]);
		assert.equal(await page.locator('h1').innerText(), TITLE);
		assert.equal(await page.locator('a[href^="tel:"]').first().innerText(), '+254204447000', 'the number in E.164');
		await checkStep(page, 'contacts-a04-contact');

		// The directory, filtered through its form.
		await visit(page, `${server.url}/contacts?lang=en`);
		const titles = () => page.locator('ol.contacts-list h3 a').allInnerTexts();
		assert.deepEqual((await titles()).sort(), ['CERT-FR duty officer', TITLE].sort(), 'both contacts before filtering');
		await page.selectOption('#filter-kind', 'technical');
		await page.selectOption('#filter-country', 'KEN');
		await submit(page, 'form.filters button[type="submit"]');
		const q = new URL(page.url()).searchParams;
		assert.equal(q.get('kind'), 'technical');
		assert.equal(q.get('country'), 'KEN');
		assert.deepEqual(await titles(), [TITLE], 'Kenya\'s technical contacts only');
		await checkStep(page, 'contacts-a05-directory-filtered');
		await page.selectOption('#filter-kind', 'diplomatic');
		await submit(page, 'form.filters button[type="submit"]');
		assert.deepEqual(await titles(), [], 'no diplomatic contact in Kenya');
		assert.equal(await page.locator('p.empty').count(), 1, 'the empty list says so');

		// The vCard, downloaded from the contact's page.
		await visit(page, `${server.url}/contacts/${made.kenContact}?lang=en`);
		const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[href$="/vcard"]').click()]);
		assert.match(download.suggestedFilename(), /\.vcf$/, `a .vcf file: ${download.suggestedFilename()}`);
		const vcard = await readFile(await download.path(), 'utf8');
		assert.match(vcard, /^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
		assert.match(vcard, /\r\nEMAIL[^:\r\n]*:duty@ke-cirt\.example\.ke\r\n/);
		assert.match(vcard, /\r\nTEL[^:\r\n]*:(tel:)?\+254204447000\r\n/);
		assert.match(vcard, /\r\nFN[^:\r\n]*:Wanjiru Kamau\r\n/);
		assert.match(vcard, /\r\nEND:VCARD\r\n$/);
		ctx.kenEditor.check('vcard');
	});

	test('(b) the Secretariat starts a ping round; the contact confirms from the mail; the round shows it', async () => {
		assert.ok(made.kenContact, 'the contact of (a)');
		const sec = await ctx.secEditor.newPage();
		await visit(sec, `${server.url}/contacts/pings?lang=en`);
		await checkStep(sec, 'contacts-b01-pings');
		await visit(sec, `${server.url}/contacts/pings/new?lang=en`);
		await checkStep(sec, 'contacts-b02-ping-new');
		await sec.selectOption('#ping-kind', 'technical');
		await sec.fill('#ping-countries', 'KEN');
		await sec.fill('#ping-deadline', new Date(Date.now() + 7 * 86400e3).toISOString().slice(0, 16));
		await sec.fill('#ping-reminder', '72');
		await submit(sec, 'form.item-form button[type="submit"]');
		const round = /^\/contacts\/pings\/(\d+)$/.exec(new URL(sec.url()).pathname);
		assert.ok(round, `the round's page: ${sec.url()}`);
		const targetRow = () => sec.locator('table.contacts-stats tr', { has: sec.locator(`a[href="/contacts/${made.kenContact}"]`) });
		assert.equal(await targetRow().count(), 1, 'Kenya\'s contact is a target');
		assert.equal(await sec.locator(`a[href="/contacts/${made.fraContact}"]`).count(), 0, 'France\'s contact is not (the round is Kenya\'s)');
		assert.match(await targetRow().locator('td').last().innerText(), /Not reached/);
		await checkStep(sec, 'contacts-b03-round-started');

		// The mail reaches the contact's first address; the link is personal.
		const [mail] = await waitForMail(EMAIL, (mm) => /\/ping\/[0-9a-f]{64}/.test(mm.body));
		const link = /(http:\/\/127\.0\.0\.1:\d+\/ping\/[0-9a-f]{64})/.exec(mail.body)[1];
		assert.match(mail.body, new RegExp(TITLE.replace(/[()]/g, '\\$&')));
		const inbox = await ctx.mailbox.newPage();
		await visit(inbox, `${link}?lang=en`);
		assert.equal(await inbox.getByRole('button', { name: 'Confirm' }).count(), 1, 'a Confirm button');
		await checkStep(inbox, 'contacts-b04-ping-confirm');
		// Opening the page (twice, in two languages) confirmed nothing.
		await visit(sec, sec.url());
		assert.match(await targetRow().locator('td').last().innerText(), /Not reached/, 'the GET of the link confirms nothing');
		await submit(inbox, inbox.getByRole('button', { name: 'Confirm' }));
		assert.match(await inbox.locator('.notice[role="status"]').innerText(), /answer is recorded/);
		await checkHere(inbox, 'contacts-b05-ping-confirmed');

		await visit(sec, sec.url());
		const confirmed = await targetRow().locator('td').last().locator('time').getAttribute('datetime');
		assert.match(confirmed ?? '', /^\d{4}-\d\d-\d\dT/, 'the round shows when the contact confirmed');
		const overall = await sec.locator('table.contacts-stats').first().locator('tbody tr').first().locator('td').allInnerTexts();
		assert.deepEqual(overall.slice(0, 3), ['1', '1', '0'], `targets, reached, not reached: ${overall}`);
		await checkStep(sec, 'contacts-b06-round-reached');
		// The contact's page says when and how it was last confirmed.
		const ken = await ctx.kenEditor.newPage();
		await visit(ken, `${server.url}/contacts/${made.kenContact}?lang=en`);
		assert.match(await ken.locator('section.facts .facts-list').innerText(), /ping test/i);
		await ken.close();
	});

	test('(c) a request from Kenya to France: France acknowledges and replies; Germany gets 404, an anonymous visitor the sign-in page', async () => {
		const subject = 'Indicators for the phishing campaign against ministries (browser)';
		const ken = await ctx.kenEditor.newPage();
		await visit(ken, `${server.url}/requests/new?lang=en`);
		await checkStep(ken, 'contacts-c01-request-new');
		await ken.selectOption('#request-to', String(cast.orgs.france));
		await ken.selectOption('#request-kind', 'incident_information');
		await ken.selectOption('#request-urgency', 'high');
		await ken.selectOption('#request-handling', 'TLP:AMBER');
		await ken.fill('#request-subject', subject);
		await ken.fill('#request-description', 'We see the same sender domains as in your advisory.\nCould you share the indicators?');
		await submit(ken, 'form.item-form button[type="submit"]');
		const m = /^\/requests\/(\d+)$/.exec(new URL(ken.url()).pathname);
		assert.ok(m, `the request's page: ${ken.url()}`);
		const id = Number(m[1]);
		assert.equal(await ken.locator('h1').innerText(), subject);
		assert.equal(await ken.locator('form[action$="/acknowledge"]').count(), 0, 'the sender cannot acknowledge');
		await checkStep(ken, 'contacts-c02-request-sent');

		// France is told by mail (its technical contact), without the subject.
		const [note] = await waitForMail('duty@cert.example.fr', (mm) => mm.body.includes(`/requests/${id}`));
		assert.doesNotMatch(note.body, /phishing campaign/, 'the notification does not carry the subject');

		const fra = await ctx.fraEditor.newPage();
		await visit(fra, `${server.url}/requests?lang=en`);
		await checkStep(fra, 'contacts-c03-requests-received');
		await submit(fra, fra.getByRole('link', { name: subject }));
		assert.equal(new URL(fra.url()).pathname, `/requests/${id}`);
		await checkStep(fra, 'contacts-c04-request-received');
		await submit(fra, `form[action="/requests/${id}/acknowledge"] button[type="submit"]`);
		assert.equal(await fra.locator(`form[action="/requests/${id}/acknowledge"]`).count(), 0, 'acknowledged once');
		// Each time as people read it, with its instant machine-readable.
		const factsOf = async (p) => Object.fromEntries(await p.locator('dl.facts-list > div').evaluateAll((ds) => ds.map((d) => [d.querySelector('dt').textContent.trim(), `${d.querySelector('dd').textContent.trim()} @${d.querySelector('dd time')?.getAttribute('datetime') ?? ''}`])));
		assert.match((await factsOf(fra)).Acknowledged, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC @\d{4}-\d\d-\d\dT[\d:]+Z$/, 'the acknowledgement time is shown');
		const reply = 'Indicators attached to our advisory CERTFR-2026-ALE-012; call the duty officer for the rest.';
		await fra.fill('#request-reply', reply);
		await submit(fra, `form[action="/requests/${id}/reply"] button[type="submit"]`);
		const thread = await fra.locator('ol.contacts-thread > li .contacts-pre').allInnerTexts();
		assert.equal(thread.at(-1), reply, 'the reply ends the thread');
		assert.match((await factsOf(fra)).Answered, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC @\d{4}-/, 'the answer time is shown');
		await checkStep(fra, 'contacts-c05-request-answered');

		// Kenya reads the reply in the same thread.
		await visit(ken, `${server.url}/requests/${id}?lang=en`);
		assert.ok((await ken.locator('ol.contacts-thread').innerText()).includes(reply), 'Kenya reads the reply');

		// A third state: 404, like an id that never existed, in the page, its API twin and the list.
		const deu = await ctx.deuEditor.newPage();
		await visit(deu, `${server.url}/requests/${id}?lang=en`, { status: 404 });
		assert.doesNotMatch(await deu.content(), /phishing/, 'Germany sees nothing of it');
		await checkStep(deu, 'contacts-c06-request-404-state', { status: 404 });
		for (const path of [`/requests/${id}`, '/requests/999999']) {
			assert.equal((await ctx.deuEditor.request.get(`${server.url}/api/v1${path}`)).status(), 404, `Germany: the API twin of ${path}`);
		}
		await visit(deu, `${server.url}/requests?lang=en`);
		assert.doesNotMatch(await deu.content(), /phishing/, 'Germany: not in its list');
		// An anonymous visitor: the requests are behind sign-in (route access "signed in"), so
		// the page sends them to sign in and the API answers 401, for this request exactly as
		// for one that never existed: nothing says it is there.
		const anon = await ctx.anonymous.newPage();
		const seen = [];
		for (const path of [`/requests/${id}`, '/requests/999999']) {
			await visit(anon, `${server.url}${path}?lang=en`);
			const u = new URL(anon.url());
			seen.push(`${u.pathname}?next=${u.searchParams.get('next')?.replace(/\d+/, 'N')}`);
			assert.doesNotMatch(await anon.content(), /phishing/, 'anonymous sees nothing of it');
			const api = await ctx.anonymous.request.get(`${server.url}/api/v1${path}`);
			assert.equal(api.status(), 401, `anonymous: the API twin of ${path}`);
		}
		assert.deepEqual(seen, ['/login?next=/requests/N', '/login?next=/requests/N'], 'sent to sign in, the same way for both');
		await checkStep(anon, 'contacts-c07-request-anonymous');
	});
});
