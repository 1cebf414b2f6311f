// Capacity building in the reader's language: dates as people read them
// (render/dates.c) on the event, need and offer pages, the lists, the month
// grid's page and the Atom feed, with machine-readable <time datetime>; and
// e-mail digests in the language chosen with the subscription (digest_lang),
// received in French and in Arabic by a real SMTP server (aiosmtpd). Times are
// moved in the database, never waited for.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectInvalid, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let server;
let sink;
let cast;
let oneDay;
let severalDays;
let needId;
before(async () => {
	sink = await startSmtpSink();
	server = await startServer({ args: ['--smtp-url', sink.url, '--mail-from', 'noreply@cyber.example.org'], env: { GCSCP_BASE_URL: 'https://cyber.example.org' } });
	cast = await makeCast(server);
	const ev = (title, extra) => ({ title, lang: 'en', event_kind: 'workshop', topics: ['cyber_exercises'], modality: 'online', languages: ['en', 'fr'], visibility: 'public', ...extra });
	const one = await call(server, cast.fraEditor, 'POST', '/calendar', { json: ev('Dates: one morning', { starts: '2032-02-02T10:00', ends: '2032-02-02T13:00', timezone: 'Europe/Tallinn', registration_deadline: '2032-01-20' }) });
	expectStatus(one, 201, 'one day');
	oneDay = one.data;
	const several = await call(server, cast.fraEditor, 'POST', '/calendar', { json: ev('Dates: three days', { starts: '2032-03-30T09:30', ends: '2032-04-01T17:00', timezone: 'Africa/Dakar' }) });
	expectStatus(several, 201, 'several days');
	severalDays = several.data;
	const need = await call(server, cast.kenEditor, 'POST', '/needs', { json: { title: 'Dates: a need', lang: 'en', topics: ['cybercrime'], help_kinds: ['training'], languages: ['en'], visibility: 'public', from: '2032-05-01', until: '2032-08-31' } });
	expectStatus(need, 201, 'need');
	needId = need.data.id;
});
after(async () => {
	await server?.stop();
	await sink?.stop();
});

describe('dates for people', () => {
	const expected = {
		en: '<time datetime="2032-02-02T08:00:00Z">2 Feb 2032, 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
		fr: '<time datetime="2032-02-02T08:00:00Z">2 févr. 2032, 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
		es: '<time datetime="2032-02-02T08:00:00Z">2 feb 2032, 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
		ru: '<time datetime="2032-02-02T08:00:00Z">2 февр. 2032 г., 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
		ar: '<time datetime="2032-02-02T08:00:00Z">2 فبراير 2032، 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
		zh: '<time datetime="2032-02-02T08:00:00Z">2032年2月2日 10:00</time>–<time datetime="2032-02-02T11:00:00Z">13:00</time> (Europe/Tallinn)',
	};
	for (const [lang, html] of Object.entries(expected)) {
		test(`${lang}: the event page, the list and the API`, async () => {
			const page = await call(server, null, 'GET', `!/calendar/${oneDay.id}?lang=${lang}`);
			expectStatus(page, 200, 'page');
			assert.ok(page.text.includes(html), `${lang} page: ${page.text.match(/<dd><time[^\n]*/)?.[0]}`);
			assert.doesNotMatch(page.text, />2032-02-02T10:00:00</, 'no raw ISO shown');
			assert.doesNotMatch(page.text, />\d{4}-\d\d-\d\dT[0-9:]+Z?</, 'no raw timestamp shown, the envelope\'s included');
			if (lang === 'en') assert.match(page.text, /<time datetime="\d{4}-\d\d-\d\dT[0-9:]+Z">\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC<\/time>/, 'published, for people');
			if (lang === 'zh') assert.match(page.text, /<time datetime="\d{4}-\d\d-\d\dT[0-9:]+Z">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d UTC<\/time>/);
			const list = await call(server, null, 'GET', `!/calendar?lang=${lang}&from=2032-01-01`);
			assert.ok(list.text.includes(html), `${lang} list`);
			const api = await call(server, null, 'GET', `/calendar/${oneDay.id}?lang=${lang}`);
			assert.equal(api.data.when.text, html.replace(/<[^>]+>/g, '').replace(/ \(Europe\/Tallinn\)$/, ''));
			assert.equal(api.data.starts, '2032-02-02T10:00:00', 'the machine-readable fields stay');
		});
	}

	test('several days name both; a registration deadline; a need\'s time frame', async () => {
		const en = await call(server, null, 'GET', `!/calendar/${severalDays.id}`);
		assert.ok(en.text.includes('<time datetime="2032-03-30T09:30:00Z">30 Mar 2032, 09:30</time> – <time datetime="2032-04-01T17:00:00Z">1 Apr 2032, 17:00</time> (Africa/Dakar)'));
		const zh = await call(server, null, 'GET', `/calendar/${severalDays.id}?lang=zh`);
		assert.equal(zh.data.when.text, '2032年3月30日 09:30 – 2032年4月1日 17:00');
		const fr = await call(server, null, 'GET', `!/calendar/${oneDay.id}?lang=fr`);
		assert.ok(fr.text.includes('<time datetime="2032-01-20">20 janv. 2032</time>'), 'deadline');
		const need = await call(server, null, 'GET', `!/needs/${needId}?lang=ru`);
		assert.ok(need.text.includes('<time datetime="2032-05-01">1 мая 2032 г.</time> – <time datetime="2032-08-31">31 авг. 2032 г.</time>'), 'time frame');
		const needs = await call(server, null, 'GET', '!/needs?lang=es');
		assert.ok(needs.text.includes('<time datetime="2032-05-01">1 may 2032</time> – <time datetime="2032-08-31">31 ago 2032</time>'), 'needs list');
		const month = await call(server, null, 'GET', '!/calendar?view=month&month=2032-02&lang=ar');
		expectStatus(month, 200, 'month grid');
		assert.match(month.text, /<time datetime="2032-02-02T08:00:00Z">10:00<\/time> <a href="\/calendar\/\d+" dir="auto">Dates: one morning<\/a>/);
	});

	test('the Atom feed\'s summaries', async () => {
		const fr = await call(server, null, 'GET', '!/calendar.atom?lang=fr&from=2032-01-01');
		expectStatus(fr, 200, 'atom');
		assert.match(fr.text, /2 févr\. 2032, 10:00–13:00 \(Europe\/Tallinn\)/);
		const ar = await call(server, null, 'GET', '!/calendar.atom?lang=ar&from=2032-01-01');
		assert.match(ar.text, /30 مارس 2032، 09:30 – 1 أبريل 2032، 17:00 \(Africa\/Dakar\)/);
		assert.doesNotMatch(ar.text, /2032-03-30T09:30:00 –/);
	});
});

describe('digests in the language chosen at subscription', () => {
	const sql = (text) => server.db.sql(text);
	const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
	async function waitFor(what, pred, ms = 20000) {
		const end = Date.now() + ms;
		for (;;) {
			const value = await what();
			if (pred(value)) return value;
			if (Date.now() > end) assert.fail(`timed out; last value ${JSON.stringify(value).slice(0, 1000)}`);
			await sleep(100);
		}
	}
	const userId = async (email) => Number((await sql(`SELECT id FROM users WHERE email = '${email}'`)).trim());

	test('refusals and the default', async () => {
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', digest_lang: 'de' } }), 'digest_lang');
		expectInvalid(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', digest_lang: 7 } }), 'digest_lang');
		const form = await call(server, cast.kenReader, 'POST', '!/calendar/subscription?lang=fr', { form: { frequency: 'weekly', digest_lang: 'xx' } });
		expectStatus(form, 422, 'form');
		assert.match(form.text, /id="sub-lang-error"[^>]*>Choisissez l’une des six langues\./);
		// Without a choice: the language the person uses.
		const es = await call(server, cast.kenReader, 'POST', '/calendar/subscription?lang=es', { json: { frequency: 'weekly' } });
		expectStatus(es, 200, 'default');
		assert.equal(es.data.subscription.digest_lang, 'es');
		// The form offers the six languages, the current one selected.
		const page = await call(server, cast.kenReader, 'GET', '!/calendar/subscription?lang=ru');
		assert.match(page.text, /<select id="sub-lang" name="digest_lang"/);
		assert.match(page.text, /<option value="es" lang="es" selected>Español<\/option>/);
		assert.match(page.text, /<time datetime="\d{4}-\d\d-\d\dT[0-9:]+Z">\d{1,2} [а-я]+\.? \d{4} г\.<\/time>/, 'the last digest\'s date in Russian');
		expectStatus(await call(server, cast.kenReader, 'POST', '/calendar/subscription', { json: { frequency: 'off' } }), 200, 'off');
	});

	test('a French and an Arabic digest arrive in their languages', async () => {
		// An English page, a French digest: the form's choice wins over the page's language.
		const fr = await call(server, cast.kenReader, 'POST', '!/calendar/subscription?lang=en', { form: { frequency: 'daily', topics: 'cyber_exercises', digest_lang: 'fr' } });
		expectStatus(fr, 303, 'French by form');
		assert.equal((await call(server, cast.kenReader, 'GET', '/calendar/subscription')).data.subscription.digest_lang, 'fr');
		const ar = await call(server, cast.deuReader, 'POST', '/calendar/subscription', { json: { frequency: 'weekly', topics: ['cyber_exercises'], digest_lang: 'ar' } });
		expectStatus(ar, 200, 'Arabic by API');
		assert.equal(ar.data.subscription.digest_lang, 'ar');
		assert.equal(ar.data.subscription.digest_lang_label, 'العربية');
		const ken = await userId('reader@ken.test');
		const deu = await userId('reader@deu.test');
		await sql(`UPDATE users SET status = 'active' WHERE id IN (${ken}, ${deu})`);
		await sql(`UPDATE capacity_subscriptions SET last_sent_at = '${iso(Date.now() - 8 * 86400000)}' WHERE user_id IN (${ken}, ${deu})`);
		await sql("UPDATE jobs SET run_at = 0 WHERE kind = 'capacity.digest' AND status = 'queued'");
		const mails = await waitFor(() => sink.messages(), (m) => ['reader@ken.test', 'reader@deu.test'].every((to) => m.some((x) => x.headers.to.replace(/^<|>$/g, '') === to)));
		const to = (who) => mails.find((x) => x.headers.to.replace(/^<|>$/g, '') === who);
		const french = to('reader@ken.test');
		assert.match(french.subject, /^Programmes de renforcement des capacités nouveaux et modifiés \(2\)$/);
		assert.match(french.body, /Ces programmes sont nouveaux ou ont changé depuis votre dernier résumé/);
		assert.match(french.body, /2 févr\. 2032, 10:00–13:00 \(Europe\/Tallinn\)/);
		assert.match(french.body, /30 mars 2032, 09:30 – 1 avr\. 2032, 17:00 \(Africa\/Dakar\)/);
		assert.match(french.body, /Prévu/);
		assert.doesNotMatch(french.body, /New and changed|Planned/);
		const arabic = to('reader@deu.test');
		assert.match(arabic.subject, /^برامج بناء القدرات الجديدة والمعدلة \(2\)$/);
		assert.match(arabic.body, /هذه البرامج جديدة أو تغيرت منذ آخر ملخص لك/);
		assert.match(arabic.body, /2 فبراير 2032، 10:00–13:00 \(Europe\/Tallinn\)/);
		assert.match(arabic.body, /مخطط/);
		assert.match(arabic.body, /https:\/\/cyber\.example\.org\/calendar\/\d+/);
		assert.doesNotMatch(arabic.body, /New and changed|Planned|Prévu/);
	});
});
