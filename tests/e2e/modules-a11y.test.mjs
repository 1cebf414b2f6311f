// WCAG 2.1 AA in a real browser (axe-core) on the pages of the points-of-contact and
// capacity-building modules that their journeys (contacts-journeys, capacity-journeys)
// do not reach: the directory as an anonymous visitor sees it, the printable directory, a
// public assistance contact, the edit forms, a state's view of the ping rounds, the
// Secretariat's request statistics, the offers, the subscription page, an empty month,
// and the offer form shown again with its errors. In English and in Arabic (right to left:
// dir="rtl", the navigation and the tables' first columns on the right).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectStatus, makeCast } from '../api/lib/items-fixture.mjs';
import { closeBrowser, closeContext, launchBrowser, newContext, startServer, visit } from './lib/browser.mjs';
import { VIEWPORT, checkHere, submit } from './lib/steps.mjs';

let server;
let browser;
// Started beside the server: if the server does not start, after() still closes the
// browser (an open browser would keep the file's process, and the run, alive).
let launching;
let cast;
const ids = {};

const create = async (who, path, json) => {
	const res = await call(server, who, 'POST', path, { json });
	expectStatus(res, 201, `${path}: ${JSON.stringify(json).slice(0, 80)}`);
	return res.data.id;
};

before(async () => {
	launching = launchBrowser();
	server = await startServer();
	browser = await launching;
	cast = await makeCast(server);
	ids.assist = await create(cast.kenEditor, '/contacts', {
		kind: 'assistance', function_title: 'Capacity building focal point', person_name: 'Wanjiru Kamau', agency: 'Ministry of ICT',
		emails: ['cb@ict.example.ke'], phones: ['+254204447000'], languages: ['en', 'sw'], time_zone: 'Africa/Nairobi',
		working_hours: 'Mon–Fri 08:00–17:00', notes: 'Requests in English or Swahili.', visibility: 'public',
	});
	ids.tech = await create(cast.kenEditor, '/contacts', { kind: 'technical', function_title: 'KE-CIRT duty', emails: ['duty@cirt.example.ke'] });
	const y = new Date().getUTCFullYear() + 1;
	ids.event = await create(cast.fraEditor, '/calendar', {
		title: 'Cyber diplomacy course', lang: 'en', description: 'Five days.', event_kind: 'training_course', topics: ['capacity_building'],
		starts: `${y}-03-02T09:00`, ends: `${y}-03-06T17:00`, timezone: 'Europe/Paris', modality: 'online', languages: ['en', 'fr'],
		visibility: 'public',
	});
	ids.need = await create(cast.kenEditor, '/needs', {
		title: 'Legislative drafting support', lang: 'en', description: 'A cybercrime bill.', topics: ['cybercrime'],
		help_kinds: ['policy_legal_drafting'], languages: ['en'], visibility: 'public', contact: ids.assist,
	});
	ids.offer = await create(cast.fraEditor, '/offers', {
		title: 'Cybercrime legislation review', lang: 'en', description: 'Comparative review.', topics: ['cybercrime'],
		help_kinds: ['policy_legal_drafting'], languages: ['en', 'fr'], modalities: ['online'], eligibility: 'all', visibility: 'public',
	});
	// A ping round, so that a state sees its own contacts' results.
	const round = await call(server, cast.secEditor, 'POST', '/contacts/pings', {
		json: { deadline: new Date(Date.now() + 3 * 86400e3).toISOString().slice(0, 16), reminder_hours: 24 },
	});
	expectStatus(round, 201, 'ping round');
	ids.round = round.data.id;
	const req = await call(server, cast.kenEditor, 'POST', '/requests', {
		json: { to_org: cast.orgs.france, kind: 'assistance', urgency: 'routine', handling: 'TLP:GREEN', subject: 'Training places', description: 'How many?' },
	});
	expectStatus(req, 201, 'request');
});
after(async () => {
	try {
		await closeBrowser(browser ?? await launching?.catch(() => null));
	} finally {
		await server?.stop();
	}
});

const PAGES = [
	{ kind: 'contacts-anonymous', path: () => '/contacts', who: null, expect: (p) => p.locator('ol.contacts-list > li').count(), n: 1 },
	{ kind: 'contacts-print', path: () => '/contacts/print', who: () => cast.kenReader, expect: (p) => p.locator('table.contacts-print-table tbody tr').count(), n: 2 },
	{ kind: 'contact-public', path: () => `/contacts/${ids.assist}`, who: null },
	{ kind: 'contact-edit', path: () => `/contacts/${ids.tech}/edit`, who: () => cast.kenEditor },
	{ kind: 'pings-state', path: () => '/contacts/pings', who: () => cast.kenReader },
	{ kind: 'ping-round-state', path: () => `/contacts/pings/${ids.round}`, who: () => cast.kenReader, expect: (p) => p.locator(`a[href="/contacts/${ids.tech}"]`).count(), n: 1 },
	{ kind: 'requests-stats', path: () => '/requests/stats', who: () => cast.secEditor, expect: (p) => p.locator('table.contacts-stats tbody tr').count(), n: 1 },
	{ kind: 'requests-none', path: () => '/requests', who: () => cast.deuEditor },
	{ kind: 'offers', path: () => '/offers', who: null, expect: (p) => p.locator('ul.capacity-list > li').count(), n: 1 },
	{ kind: 'offer', path: () => `/offers/${ids.offer}`, who: null },
	{ kind: 'offer-new', path: () => '/offers/new', who: () => cast.fraEditor },
	{ kind: 'need-edit', path: () => `/needs/${ids.need}/edit`, who: () => cast.kenEditor },
	{ kind: 'event-edit', path: () => `/calendar/${ids.event}/edit`, who: () => cast.fraEditor },
	{ kind: 'subscription', path: () => '/calendar/subscription', who: () => cast.kenReader },
	{ kind: 'month-empty', path: () => '/calendar?view=month&month=2020-02', who: null },
];

for (const lang of ['en', 'ar']) {
	describe(`in ${lang}`, () => {
		for (const { kind, path, who, expect, n } of PAGES) {
			test(kind, async () => {
				const person = who ? who() : null;
				const context = await newContext(browser, { viewport: VIEWPORT, extraHTTPHeaders: person ? person.headers : {} });
				try {
					const page = await context.newPage();
					await visit(page, `${server.url}${path()}${path().includes('?') ? '&' : '?'}lang=${lang}`);
					if (expect) assert.equal(await expect(page), n, `${kind}: what the page is about is there`);
					await checkHere(page, `modules-${kind}`, lang);
				} finally {
					await closeContext(context);
				}
			});
		}

		test('an offer without topics or languages, shown again with its errors', async () => {
			const context = await newContext(browser, { viewport: VIEWPORT, extraHTTPHeaders: cast.fraEditor.headers });
			try {
				const page = await context.newPage();
				await visit(page, `${server.url}/offers/new?lang=${lang}`);
				await page.fill('#cap-title', 'An offer missing its topics');
				await submit(page, 'form.item-form button[type="submit"]', { status: 422 });
				const invalid = await page.locator('[aria-describedby*="-error"]').evaluateAll((els) => els.map((e) => e.id || e.tagName));
				assert.ok(invalid.length > 0, 'a field names its error');
				assert.equal(await page.locator('#cap-title').inputValue(), 'An offer missing its topics');
				await checkHere(page, 'modules-offer-refused', lang);
			} finally {
				await closeContext(context);
			}
		});
	});
}
