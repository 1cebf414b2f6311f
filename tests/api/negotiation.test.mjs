// One handler, two representations: HTML for browsers, the model as JSON for API
// clients; and the request's language from ?lang, the gcscp_lang cookie or
// Accept-Language, in that order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { get } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

const GERMANY = { en: 'Germany', fr: 'Allemagne', es: 'Alemania', ru: 'Германия', zh: '德国', ar: 'ألمانيا' };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const isJson = (res) => /^application\/json\b/i.test(res.headers['content-type'] ?? '');
const isHtml = (res) => /^text\/html\b/i.test(res.headers['content-type'] ?? '');
const htmlLang = (res) => /<html[^>]*\blang="([^"]+)"/.exec(res.text)?.[1];

/** The language a JSON response speaks, read from Germany's name. */
async function jsonLang(path, headers = {}) {
	const res = await get(server, path, { Accept: 'application/json', ...headers });
	assert.equal(res.status, 200);
	const body = res.json();
	const deu = body.country ?? body.countries?.find((c) => c.iso3 === 'DEU');
	return Object.entries(GERMANY).find(([, name]) => name === deu.name)?.[0] ?? `unknown (${deu.name})`;
}

describe('representation', () => {
	test('a page without Accept is HTML', async () => {
		const res = await get(server, '/countries');
		assert.equal(res.status, 200);
		assert.ok(isHtml(res), res.headers['content-type']);
	});

	test('a browser Accept header gets HTML', async () => {
		const res = await get(server, '/countries/DEU', { Accept: BROWSER_ACCEPT });
		assert.ok(isHtml(res), res.headers['content-type']);
	});

	test('Accept: application/json gets the model', async () => {
		const res = await get(server, '/countries/DEU', { Accept: 'application/json' });
		assert.equal(res.status, 200);
		assert.ok(isJson(res), res.headers['content-type']);
		assert.equal(res.json().country.iso3, 'DEU');
	});

	test('the page and its API twin carry the same model', async () => {
		const a = await get(server, '/countries?region=002', { Accept: 'application/json' });
		const b = await get(server, '/api/v1/countries?region=002');
		assert.deepEqual(a.json(), b.json());
	});

	test('/api/v1 is JSON whatever the Accept header says', async () => {
		for (const accept of [undefined, 'text/html', BROWSER_ACCEPT, '*/*', 'image/png']) {
			const res = await get(server, '/api/v1/countries/DEU', accept ? { Accept: accept } : {});
			assert.equal(res.status, 200, `Accept: ${accept}`);
			assert.ok(isJson(res), `Accept: ${accept} → ${res.headers['content-type']}`);
		}
	});

	test('/api/v1 errors are JSON whatever the Accept header says', async () => {
		const res = await get(server, '/api/v1/nothing-here', { Accept: 'text/html' });
		assert.equal(res.status, 404);
		assert.ok(isJson(res));
	});

	test('the home page and its model', async () => {
		const html = await get(server, '/');
		assert.equal(html.status, 200);
		assert.ok(isHtml(html));
		const model = await get(server, '/api/v1/');
		assert.equal(model.status, 200);
		assert.ok(isJson(model));
		assert.equal(typeof model.json(), 'object');
	});

	test('responses that differ by Accept say Vary: Accept', async () => {
		const res = await get(server, '/countries');
		const vary = (res.headers.vary ?? '').toLowerCase();
		assert.match(vary, /\baccept\b/, `Vary: ${res.headers.vary}`);
	});
});

describe('language', () => {
	test('English by default', async () => {
		assert.equal(htmlLang(await get(server, '/countries/DEU')), 'en');
		assert.equal(await jsonLang('/countries/DEU'), 'en');
	});

	for (const lang of Object.keys(GERMANY)) {
		test(`?lang=${lang} picks ${lang} and sets the gcscp_lang cookie`, async () => {
			const res = await get(server, `/countries/DEU?lang=${lang}`);
			assert.equal(res.status, 200);
			assert.equal(htmlLang(res), lang);
			const cookies = res.headers['set-cookie'] ?? [];
			assert.ok(cookies.some((c) => c.startsWith(`gcscp_lang=${lang}`)), `Set-Cookie: ${cookies}`);
			assert.equal(await jsonLang(`/countries/DEU?lang=${lang}`), lang);
		});
	}

	test('the gcscp_lang cookie picks the language', async () => {
		const res = await get(server, '/countries/DEU', { Cookie: 'gcscp_lang=ru' });
		assert.equal(htmlLang(res), 'ru');
		assert.equal(await jsonLang('/countries/DEU', { Cookie: 'gcscp_lang=ru' }), 'ru');
	});

	test('Accept-Language picks the language', async () => {
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'es' })), 'es');
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'fr-CH, fr;q=0.9, en;q=0.8' })), 'fr');
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'zh-CN,zh;q=0.9' })), 'zh');
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'de-DE, ar;q=0.5' })), 'ar');
		assert.equal(await jsonLang('/countries/DEU', { 'Accept-Language': 'es-ES' }), 'es');
	});

	test('Accept-Language honours q-values', async () => {
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'fr;q=0.2, ru;q=0.8' })), 'ru');
		assert.equal(htmlLang(await get(server, '/countries/DEU', { 'Accept-Language': 'es;q=0, fr' })), 'fr');
	});

	test('an Accept-Language with no supported language gives English', async () => {
		for (const value of ['de', 'de-DE, ja;q=0.5', '*', '', 'x'.repeat(2000), ';;;,,,q=', 'fr;q=abc']) {
			const res = await get(server, '/countries/DEU', { 'Accept-Language': value });
			assert.equal(res.status, 200, `Accept-Language: ${value.slice(0, 40)}`);
			if (!value.startsWith('fr')) assert.equal(htmlLang(res), 'en', `Accept-Language: ${value.slice(0, 40)}`);
		}
	});

	test('?lang wins over the cookie and Accept-Language', async () => {
		const headers = { Cookie: 'gcscp_lang=ru', 'Accept-Language': 'es' };
		assert.equal(htmlLang(await get(server, '/countries/DEU?lang=fr', headers)), 'fr');
		assert.equal(await jsonLang('/countries/DEU?lang=fr', headers), 'fr');
	});

	test('the cookie wins over Accept-Language', async () => {
		const headers = { Cookie: 'gcscp_lang=ru', 'Accept-Language': 'es' };
		assert.equal(htmlLang(await get(server, '/countries/DEU', headers)), 'ru');
		assert.equal(await jsonLang('/countries/DEU', headers), 'ru');
	});

	test('a bad cookie value is ignored', async () => {
		for (const cookie of ['gcscp_lang=xx', 'gcscp_lang=<script>', 'gcscp_lang=', 'gcscp_lang=en; gcscp_lang=fr%00']) {
			const res = await get(server, '/countries/DEU', { Cookie: cookie, 'Accept-Language': 'es' });
			assert.equal(res.status, 200, cookie);
			assert.ok(['es', 'en'].includes(htmlLang(res)), `${cookie}: ${htmlLang(res)}`);
			assert.ok(!res.text.includes('<script>'), cookie);
		}
	});

	test('Arabic is right-to-left, the others left-to-right', async () => {
		for (const lang of Object.keys(GERMANY)) {
			const res = await get(server, `/?lang=${lang}`);
			assert.equal(res.status, 200);
			const dir = /<html[^>]*\bdir="([^"]+)"/.exec(res.text)?.[1] ?? 'ltr';
			assert.equal(dir, lang === 'ar' ? 'rtl' : 'ltr', lang);
		}
	});

	test('the language of one request does not leak into another', async () => {
		const langs = Object.keys(GERMANY);
		const results = await Promise.all(Array.from({ length: 60 }, (_, i) => {
			const lang = langs[i % langs.length];
			return get(server, `/countries/DEU?lang=${lang}`).then((res) => [lang, htmlLang(res), res.text.includes(GERMANY[lang])]);
		}));
		for (const [want, got, hasName] of results) {
			assert.equal(got, want);
			assert.ok(hasName, `${want} page holds ${GERMANY[want]}`);
		}
	});
});
