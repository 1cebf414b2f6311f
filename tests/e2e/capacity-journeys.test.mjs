// The capacity-building module (issue 6, docs/capacity.md) in a real browser, against a
// real `gcscp serve` that sends its mail to a real SMTP sink (aiosmtpd):
//
// (a) France, a provider, posts an event through the form: first without a title or a
//     kind (the form comes back, 422, each message beside its field, in English and in
//     Arabic), then complete; the event's page; the anonymous calendar list and month grid
//     show it (on each of its days); "add to my calendar" downloads an .ics with it;
// (b) Kenya posts a need through the form; France opens its standing offer, finds the
//     need among the suggestions with the reasons, opens it and answers ("we can help");
//     the need then shows one provider answered, to France and to Kenya, and Kenya's
//     contact gets the introduction by mail;
// (c) the assistance map: the picture loads and the table beside it holds the numbers;
//     the picture itself keeps every text inside it and, in Arabic, puts the topics on the
//     right with the first region next to them.
//
// Every page: one <h1>, no axe violation (WCAG 2.0/2.1 A and AA), and the same page in
// Arabic: dir="rtl", the navigation and the tables' first columns on the right, no axe
// violation. Screenshots `capacity-*.png` go to the folder lib/browser.mjs prints.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { call, expectStatus, makeCast } from '../api/lib/items-fixture.mjs';
import { startSmtpSink } from '../api/lib/smtp.mjs';
import { SHOTS_DIR, closeBrowser, closeContext, launchBrowser, newContext, startServer, visit } from './lib/browser.mjs';
import { VIEWPORT, checkHere, checkStep, submit } from './lib/steps.mjs';

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

// The event: the 12th to the 14th of the month after next, in Nairobi's time.
const now = new Date();
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
const ym = `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
const EVENT = {
	title: 'Incident response workshop for national CERTs (browser)',
	starts: `${ym}-12T09:30`,
	ends: `${ym}-14T16:00`,
};
const NEED_TITLE = 'Training for our national CERT on incident handling (browser)';
const OFFER_TITLE = 'CERT-to-CERT incident handling coaching (browser)';

before(async () => {
	sink = await startSmtpSink();
	launching = launchBrowser();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'] });
	browser = await launching;
	cast = await makeCast(server);
	// Each side's assistance contact in the directory (what the forms' contact is chosen from).
	for (const [key, who, body] of [
		['fraContact', cast.fraEditor, { function_title: 'CERT-FR training desk', person_name: 'Claire Martin', emails: ['training@cert.example.fr'] }],
		['kenContact', cast.kenEditor, { function_title: 'KE-CIRT capacity desk', person_name: 'Wanjiru Kamau', emails: ['needs@ke-cirt.example.ke'] }],
	]) {
		const res = await call(server, who, 'POST', '/contacts', { json: { kind: 'assistance', visibility: 'public', languages: ['en'], ...body } });
		expectStatus(res, 201, key);
		made[key] = res.data.id;
	}
	// France's standing offer, through the API (the journey is the need's and the event's).
	const offer = await call(server, cast.fraEditor, 'POST', '/offers', {
		json: {
			title: OFFER_TITLE, lang: 'en', description: 'Remote coaching of incident handlers.', visibility: 'public',
			topics: ['incident_response', 'critical_infrastructure'], help_kinds: ['training', 'advisory'], languages: ['en', 'fr'],
			modalities: ['online'], eligibility: 'all', capacity: 4, contact: made.fraContact,
		},
	});
	expectStatus(offer, 201, 'France\'s offer');
	made.offer = offer.data.id;
	for (const who of ['kenEditor', 'fraEditor']) {
		ctx[who] = await newContext(browser, { viewport: VIEWPORT, extraHTTPHeaders: cast[who].headers, acceptDownloads: true });
	}
	ctx.anonymous = await newContext(browser, { viewport: VIEWPORT, acceptDownloads: true });
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

async function waitForMail(to, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const found = (await sink.messages()).filter((m) => m.headers.to === `<${to}>`);
		if (found.length) return found;
		if (Date.now() > end) assert.fail(`no mail to ${to} within ${ms} ms`);
		await sleep(100);
	}
}

describe('capacity building in the browser', () => {
	test('(a) a provider posts an event (refused, then complete); list, month grid, add to my calendar', async () => {
		const page = await ctx.fraEditor.newPage();
		await visit(page, `${server.url}/calendar/new?lang=en`);
		await checkStep(page, 'capacity-a01-event-new');

		// Without a title or a kind: refused, each message beside its field.
		const refused = async (lang) => {
			await page.fill('#cap-description', 'Three days of **hands-on** exercises.');
			await page.check('#cap-topic-incident_response');
			await submit(page, 'form.item-form button[type="submit"]', { status: 422 });
			const invalid = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((e) => e.id));
			assert.ok(invalid.includes('cap-title'), `the title is marked invalid (${invalid})`);
			const error = page.locator('#cap-title-error');
			assert.ok((await error.innerText()).length > 0, 'a message beside the title');
			assert.match(await page.locator('#cap-title').getAttribute('aria-describedby'), /\bcap-title-error\b/);
			assert.equal(await error.evaluate((e) => e.parentElement === document.getElementById('cap-title').parentElement), true, 'in the field\'s own group');
			assert.equal(await page.locator('#cap-description').inputValue(), 'Three days of **hands-on** exercises.', 'the form keeps what was typed');
			assert.equal(await page.locator('#cap-topic-incident_response').isChecked(), true, 'and what was ticked');
			await checkHere(page, 'capacity-a02-event-refused', lang);
			return error.innerText();
		};
		const en = await refused('en');
		await visit(page, `${server.url}/calendar/new?lang=ar`);
		assert.notEqual(await refused('ar'), en, 'the message is translated');
		assert.equal((await call(server, null, 'GET', '/calendar')).data.items.length, 0, 'nothing was created');

		await visit(page, `${server.url}/calendar/new?lang=en`);
		await page.selectOption('#cap-lang', 'en');
		await page.fill('#cap-title', EVENT.title);
		await page.fill('#cap-description', 'Three days of **hands-on** exercises.');
		for (const t of ['incident_response', 'critical_infrastructure']) await page.check(`#cap-topic-${t}`);
		for (const l of ['en', 'fr']) await page.check(`#cap-language-${l}`);
		await page.check('#cap-audience-cert_staff');
		await page.selectOption('#cap-kind', 'workshop');
		await page.fill('#cap-starts', EVENT.starts);
		await page.fill('#cap-ends', EVENT.ends);
		await page.fill('#cap-tz', 'Africa/Nairobi');
		await page.selectOption('#cap-modality', 'hybrid');
		await page.fill('#cap-place', 'Nairobi, Kenya');
		await page.check('#cap-eligibility-all');
		await page.fill('#cap-seats', '30');
		await page.selectOption('#cap-contact', String(made.fraContact));
		await page.selectOption('#cap-status', 'open');
		await page.check('#cap-vis-public');
		await submit(page, 'form.item-form button[type="submit"]');
		const m = /^\/calendar\/(\d+)$/.exec(new URL(page.url()).pathname);
		assert.ok(m, `the event's page: ${page.url()}`);
		made.event = Number(m[1]);
		assert.equal(await page.locator('h1').innerText(), EVENT.title);
		assert.equal(await page.locator('.policy-summary strong').innerText(), 'hands-on');
		assert.equal(await page.locator(`main a[href="/contacts/${made.fraContact}"]`).count(), 1, 'the event links its assistance contact');
		await checkStep(page, 'capacity-a03-event');

		// The anonymous visitor: the list, then the month grid.
		const anon = await ctx.anonymous.newPage();
		await visit(anon, `${server.url}/calendar?lang=en`);
		const listed = anon.locator('ul.capacity-list h2 a');
		assert.deepEqual(await listed.allInnerTexts(), [EVENT.title], 'the event is in the list');
		await checkStep(anon, 'capacity-a04-calendar-list');
		await visit(anon, `${server.url}/calendar?view=month&month=${ym}&lang=en`);
		const days = await anon.locator('table.capacity-month td', { has: anon.getByRole('link', { name: EVENT.title }) })
			.locator('.capacity-day time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
		assert.deepEqual(days, [`${ym}-12`, `${ym}-13`, `${ym}-14`], 'the event on each of its days in the month grid');
		await checkStep(anon, 'capacity-a05-month-grid');
		// The month grid's link leads to the event; "add to my calendar" downloads it.
		await submit(anon, anon.getByRole('link', { name: EVENT.title }).first());
		assert.equal(new URL(anon.url()).pathname, `/calendar/${made.event}`);
		const [download] = await Promise.all([anon.waitForEvent('download'), anon.getByRole('link', { name: 'Add to my calendar' }).click()]);
		assert.match(download.suggestedFilename(), /\.ics$/, `an .ics file: ${download.suggestedFilename()}`);
		const ics = (await readFile(await download.path(), 'utf8')).replace(/\r\n[ \t]/g, '');
		assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
		assert.match(ics, new RegExp(`\r\nSUMMARY[^:\r\n]*:${EVENT.title.replace(/[()]/g, '\\$&')}\r\n`));
		assert.match(ics, new RegExp(`\r\nDTSTART;TZID=Africa/Nairobi:${ym.replace('-', '')}12T093000\r\n`));
		assert.match(ics, new RegExp(`\r\nDTEND;TZID=Africa/Nairobi:${ym.replace('-', '')}14T160000\r\n`));
		assert.match(ics, /\r\nBEGIN:VTIMEZONE\r\nTZID:Africa\/Nairobi\r\n/);
		assert.match(ics, /\r\nEND:VCALENDAR\r\n$/);
		ctx.anonymous.check('add to my calendar');
	});

	test('(b) a state posts a need; a provider finds it among its offer\'s suggestions and answers', async () => {
		const ken = await ctx.kenEditor.newPage();
		await visit(ken, `${server.url}/needs/new?lang=en`);
		await checkStep(ken, 'capacity-b01-need-new');
		await ken.selectOption('#cap-lang', 'en');
		await ken.fill('#cap-title', NEED_TITLE);
		await ken.fill('#cap-description', 'Ten analysts of KE-CIRT/CC, remote sessions preferred.');
		await ken.check('#cap-topic-incident_response');
		await ken.check('#cap-language-en');
		await ken.check('#cap-help-training');
		await ken.check('#cap-modalities-online');
		await ken.selectOption('#cap-urgency', 'high');
		await ken.selectOption('#cap-contact', String(made.kenContact));
		await ken.check('#cap-vis-public');
		await submit(ken, 'form.item-form button[type="submit"]');
		const m = /^\/needs\/(\d+)$/.exec(new URL(ken.url()).pathname);
		assert.ok(m, `the need's page: ${ken.url()}`);
		made.need = Number(m[1]);
		assert.equal(await ken.locator('h1').innerText(), NEED_TITLE);
		// The need's own suggestions: France's offer and event, with their reasons.
		const suggested = await ken.locator('ol.capacity-matches > li > a').allInnerTexts();
		assert.ok(suggested.includes(OFFER_TITLE), `the offer is suggested: ${suggested}`);
		assert.ok(suggested.includes(EVENT.title), `the event is suggested: ${suggested}`);
		assert.equal(await ken.locator('form[action$="/interest"]').count(), 0, 'a state does not answer its own need');
		await checkStep(ken, 'capacity-b02-need');
		await visit(ken, `${server.url}/needs?lang=en`);
		assert.ok((await ken.locator('ul.capacity-list h2 a').allInnerTexts()).includes(NEED_TITLE), 'in the list of needs');
		await checkStep(ken, 'capacity-b03-needs-list');

		// France opens its offer and follows the suggestion to Kenya's need.
		const fra = await ctx.fraEditor.newPage();
		await visit(fra, `${server.url}/offers/${made.offer}?lang=en`);
		const match = fra.locator('ol.capacity-matches > li', { has: fra.getByRole('link', { name: NEED_TITLE }) });
		assert.equal(await match.count(), 1, 'the need is suggested for the offer');
		const why = await match.locator('.item-meta').innerText();
		assert.match(why, /1 of 1 topic/i, `the reasons name the topics: ${why}`);
		assert.match(why, /English/, `and the language: ${why}`);
		await checkStep(fra, 'capacity-b04-offer-suggestions');
		await submit(fra, match.getByRole('link', { name: NEED_TITLE }));
		assert.equal(new URL(fra.url()).pathname, `/needs/${made.need}`);
		const answered = async (p) => (await p.locator('p', { hasText: 'Providers who answered:' }).innerText()).replace(/\D+/g, '');
		assert.equal(await answered(fra), '0');
		await checkStep(fra, 'capacity-b05-need-before-answer');
		await fra.fill('#capacity-interest-message', 'We can run four remote sessions in January.');
		await submit(fra, fra.getByRole('button', { name: 'We can help' }));
		assert.equal(new URL(fra.url()).pathname, `/needs/${made.need}`);
		assert.equal(await answered(fra), '1', 'the need shows one provider answered');
		await checkStep(fra, 'capacity-b06-need-answered');
		// Answering twice is refused with a clear message, and nothing is counted twice.
		await submit(fra, fra.getByRole('button', { name: 'We can help' }), { status: 409 });
		assert.match(await fra.locator('main').innerText(), /already answered this need/);
		await checkHere(fra, 'capacity-b07-answer-twice');
		await visit(fra, `${server.url}/needs/${made.need}?lang=en`);
		assert.equal(await answered(fra), '1', 'still one provider answered');

		await visit(ken, `${server.url}/needs/${made.need}?lang=en`);
		assert.equal(await answered(ken), '1', 'Kenya sees the answer count too');
		// Both sides are introduced by mail; Kenya's contact reads France's message.
		const [intro] = await waitForMail('needs@ke-cirt.example.ke');
		assert.match(intro.body, /four remote sessions/);
	});

	test('(c) the assistance map: the picture and the table of numbers beside it', async () => {
		const anon = await ctx.anonymous.newPage();
		await visit(anon, `${server.url}/capacity/map?lang=en`);
		const img = anon.locator('.capacity-map img');
		assert.ok((await img.getAttribute('alt')).length > 0, 'the picture has a text alternative');
		assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'the SVG picture loaded');
		const table = anon.locator('table.capacity-map-table');
		const regions = (await table.locator('thead th').allInnerTexts()).map((s) => s.trim());
		const africa = regions.indexOf('Africa');
		assert.ok(africa > 0, `a column for Africa: ${regions}`);
		const row = table.locator('tbody tr', { has: anon.locator('th', { hasText: /^Incident response$/ }) });
		const cells = await row.locator('td').allInnerTexts();
		assert.match(cells[africa - 1], /^1 \/ 1\b/, `Africa: one need, one offer (${cells})`);
		const crit = await table.locator('tbody tr', { has: anon.locator('th', { hasText: /^Critical infrastructure protection$/ }) }).locator('td').allInnerTexts();
		assert.match(crit[africa - 1], /^0 \/ 1\b/, `no need for critical infrastructure (${crit})`);
		await checkStep(anon, 'capacity-c01-map');

		// The picture itself, in English and in Arabic: every text inside it, the topics
		// beside the grid on the reading side, the first region next to them.
		for (const lang of ['en', 'ar']) {
			await visit(anon, `${server.url}/capacity/map?lang=${lang}`);
			const src = new URL(await anon.locator('.capacity-map img').getAttribute('src'), server.url).toString();
			assert.match(src, new RegExp(`lang=${lang}`), 'the picture is drawn in the page\'s language');
			// Opened on its own, as a browser shows an image; Chromium then asks for a
			// /favicon.ico the portal does not have, which is no fault of the picture's.
			const picture = await ctx.anonymous.newPage();
			await picture.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
			await visit(picture, src);
			const svg = await picture.evaluate(() => {
				const root = document.documentElement;
				const width = root.viewBox.baseVal.width;
				const boxes = [...root.querySelectorAll('text')].map((t) => {
					const b = t.getBBox();
					return { text: t.textContent, left: b.x, right: b.x + b.width };
				});
				return { width, boxes };
			});
			const outside = svg.boxes.filter((b) => b.left < 0 || b.right > svg.width);
			assert.deepEqual(outside, [], `${lang}: every text inside the picture`);
			const label = svg.boxes.find((b) => b.text === (lang === 'ar' ? 'الاستجابة للحوادث' : 'Incident response'));
			const regions = svg.boxes.slice(0, 5);
			assert.ok(label, `${lang}: the topic's label is drawn`);
			if (lang === 'ar') {
				assert.ok(label.left > svg.width / 2, `ar: the topics on the right (${JSON.stringify(label)})`);
				assert.ok(regions[0].left > regions[4].left, 'ar: the first region next to the topics, on the right');
			} else {
				assert.ok(label.right < svg.width / 2, `en: the topics on the left (${JSON.stringify(label)})`);
				assert.ok(regions[0].left < regions[4].left, 'en: the regions run left to right');
			}
			// (shot() measures an HTML document; an SVG one is taken as it is.)
			await picture.screenshot({ path: path.join(SHOTS_DIR, `capacity-c02-map-picture${lang === 'ar' ? '-ar' : ''}.png`) });
			await picture.close();
		}
		ctx.anonymous.check('map picture');
	});
});
