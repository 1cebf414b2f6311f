// The search page's facets (module, state, region, kind, topic, year,
// language) with exact counts, each value a filter, the filters combined and
// removed; pagination; the page's accessible markup (aria-current, "remove
// filter" links); the messages for an empty, unusable or too long query in
// the reader's language; and refused parameters. Same expectations on both
// engines.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
const WORD = 'facetword';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (name, who, body) => {
		ids[name] = (await createPolicy(server, who, { visibility: 'public', ...body }, name)).id;
	};
	// Five documents: KEN (Eastern Africa: 002, 202, 014) four, FRA (Western Europe: 150, 155) one.
	await make('p1', cast.kenAdmin, {
		lang: 'en', title: `Kenya strategy ${WORD}`, summary: 'Strategy.', kind: 'national_strategy', adopted: '2020-01-01',
		topics: ['critical_infrastructure', 'cybercrime'],
		texts: [{ lang: 'fr', title: `Stratégie du Kenya ${WORD}`, summary: 'Stratégie.' }],
	});
	await make('p2', cast.kenAdmin, {
		lang: 'en', title: `Kenya law ${WORD}`, summary: 'Law.', kind: 'law_regulation', adopted: '2021-06-01', topics: ['cybercrime'],
	});
	await make('p3', cast.fraEditor, {
		lang: 'fr', title: `Loi française ${WORD}`, summary: 'Loi.', kind: 'law_regulation', adopted: '2021-03-03',
		topics: ['data_protection'],
	});
	await make('p4', cast.kenAdmin, { lang: 'ru', title: `Кенийская записка ${WORD}`, summary: 'Записка.', kind: 'other' });
	// Twenty-two for the pages.
	for (let i = 0; i < 22; i++) {
		await createPolicy(server, cast.kenAdmin, { lang: 'en', kind: 'other', visibility: 'public', title: `Pager item ${i} pagerword`, summary: 'x' });
	}
});
after(async () => {
	await server?.stop();
});

async function search(query, who = null) {
	const res = await call(server, who, 'GET', `/search?${query}`);
	expectStatus(res, 200, query);
	return res.data;
}

/** {facet: {value: count}} of an answer. */
function counts(data) {
	return Object.fromEntries(data.facets.map((f) => [f.name, Object.fromEntries(f.values.map((v) => [v.value, v.count]))]));
}

describe('facets', () => {
	test('every facet with exact counts', async () => {
		const data = await search(`q=${WORD}`);
		assert.equal(data.total, 5);
		assert.deepEqual(counts(data), {
			module: { policies: 5 },
			country: { KEN: 4, FRA: 1 },
			region: { '002': 4, '014': 4, '202': 4, 150: 1, 155: 1 },
			kind: { law_regulation: 2, national_strategy: 2, other: 1 },
			topic: { cybercrime: 3, critical_infrastructure: 2, data_protection: 1 },
			year: { 2020: 2, 2021: 2 },
			language: { en: 2, fr: 2, ru: 1 },
		});
		// Values by count, highest first; labels in the reader's language.
		const facet = (d, name) => d.facets.find((f) => f.name === name);
		assert.deepEqual(facet(data, 'country').values.map((v) => v.value), ['KEN', 'FRA']);
		assert.equal(facet(data, 'country').values[0].label, 'Kenya');
		assert.equal(facet(data, 'region').values.find((v) => v.value === '014').label, 'Eastern Africa');
		assert.equal(facet(data, 'kind').values.find((v) => v.value === 'law_regulation').label, 'Law or regulation');
		assert.equal(facet(data, 'topic').values.find((v) => v.value === 'cybercrime').label, 'Cybercrime');
		assert.equal(facet(data, 'language').values.find((v) => v.value === 'fr').label, 'Français');
		const fr = await call(server, null, 'GET', `/search?q=${WORD}&lang=fr`);
		assert.equal(facet(fr.data, 'country').values[0].label, 'Kenya');
		assert.equal(facet(fr.data, 'region').values.find((v) => v.value === '014').label, 'Afrique orientale');
		assert.equal(facet(fr.data, 'topic').values.find((v) => v.value === 'cybercrime').label, 'Cybercriminalité');
		assert.equal(facet(fr.data, 'kind').label, 'Type');
	});

	test('each value is a filter, and the counts follow it', async () => {
		const cases = [
			['module=policies', 5],
			['module=contacts', 0],
			['country=KEN', 4],
			['country=FRA', 1],
			['region=002', 4],
			['region=014', 4],
			['region=155', 1],
			['region=019', 0],
			['kind=law_regulation', 2],
			['topic=cybercrime', 3],
			['topic=data_protection', 1],
			['year=2021', 2],
			['year=2020', 2],
			['year=1999', 0],
			['language=fr', 2],
			['language=ru', 1],
			['kind=law_regulation&country=FRA', 1],
			['topic=cybercrime&language=fr', 1],
		];
		for (const [filter, total] of cases) {
			const data = await search(`q=${WORD}&${filter}`);
			assert.equal(data.total, total, filter);
			assert.equal(data.hits.length, total, `${filter}: hits`);
		}
		const data = await search(`q=${WORD}&topic=cybercrime`);
		assert.deepEqual(counts(data).language, { en: 2, fr: 1 });
		assert.deepEqual(counts(data).topic, { cybercrime: 3, critical_infrastructure: 2 });
		assert.deepEqual(data.hits.map((h) => h.item_id).sort(), [ids.p1, ids.p1, ids.p2].sort());
		const href = (d, name, value) => d.facets.find((f) => f.name === name).values.find((v) => v.value === value).href;
		assert.equal(href(data, 'country', 'KEN'), `/search?q=${WORD}&country=KEN&topic=cybercrime`);
		// The current filter's value links to the search without it, and is listed with its remove link.
		const selected = data.facets.find((f) => f.name === 'topic').values.find((v) => v.value === 'cybercrime');
		assert.equal(selected.selected, true);
		assert.equal(selected.href, `/search?q=${WORD}`);
		assert.deepEqual(data.filters, [{
			name: 'topic', label: 'Topic', value: 'cybercrime', value_label: 'Cybercrime', remove_href: `/search?q=${WORD}`,
		}]);
	});

	test('the page: facet links with counts, aria-current on the current filter, remove links', async () => {
		const res = await call(server, null, 'GET', `!/search?q=${WORD}&country=KEN&kind=law_regulation`);
		expectStatus(res, 200, 'page');
		assert.match(res.text, /<h2 class="results-heading" id="search-results-heading" role="status">1 results<\/h2>/);
		assert.match(res.text, /<a href="\/search\?q=facetword&amp;kind=law_regulation" class="is-selected" aria-current="true"><span class="facet-label">Kenya<\/span> <span class="facet-count">1<\/span>/);
		assert.match(res.text, /<a class="search-filter-remove" href="\/search\?q=facetword&amp;kind=law_regulation">Remove filter/);
		assert.match(res.text, /<a class="search-filter-remove" href="\/search\?q=facetword&amp;country=KEN">Remove filter/);
		assert.match(res.text, /<input type="hidden" name="country" value="KEN">/);
		assert.match(res.text, /<a href="\/policies\/\d+">Kenya law facetword<\/a>/);
	});
});

describe('pages', () => {
	test('twenty hits a page, with links to the next and previous pages', async () => {
		const first = await search('q=pagerword');
		assert.equal(first.total, 22);
		assert.equal(first.hits.length, 20);
		assert.equal(first.page, 1);
		assert.equal(first.page_count, 2);
		assert.equal(first.pages.next_href, '/search?q=pagerword&page=2');
		assert.equal(first.pages.previous_href, undefined);
		const second = await search('q=pagerword&page=2');
		assert.equal(second.hits.length, 2);
		assert.equal(second.pages.previous_href, '/search?q=pagerword');
		const all = new Set([...first.hits, ...second.hits].map((h) => h.item_id));
		assert.equal(all.size, 22, 'no hit twice, none lost');
		const html = await call(server, null, 'GET', '!/search?q=pagerword');
		assert.match(html.text, /<a class="pagination-next" href="\/search\?q=pagerword&amp;page=2" rel="next">/);
		const one = await call(server, null, 'GET', `!/search?q=${WORD}`);
		assert.ok(!one.text.includes('class="pagination"'), 'no pagination for one page');
	});
});

describe('messages and refusals', () => {
	test('an empty query, one with no word, one with no result: a message in the reader\'s language', async () => {
		let data = await search('q=');
		assert.equal(data.empty_query, true);
		assert.equal(data.message, 'Type at least one word to search.');
		data = (await call(server, null, 'GET', '/search?q=%20&lang=fr')).data;
		assert.equal(data.message, 'Saisissez au moins un mot pour lancer la recherche.');
		data = await search('q=%22%2A%2C%3B');
		assert.equal(data.total, 0);
		assert.equal(data.message, 'Your search holds no word to look for: type letters or digits.');
		data = (await call(server, null, 'GET', '/search?q=nothinglikethis&lang=es')).data;
		assert.equal(data.total, 0);
		assert.equal(data.message, 'No hay resultados que coincidan con su búsqueda.');
		const page = await call(server, null, 'GET', '!/search?q=&lang=ru');
		assert.match(page.text, /<p class="empty" role="status">[^<]+<\/p>/);
	});

	test('too many words or too long a query: 400 naming q, in the reader\'s language', async () => {
		const words = Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ');
		let res = await call(server, null, 'GET', `/search?q=${encodeURIComponent(words)}`);
		expectStatus(res, 400, 'too many words');
		assert.equal(res.data.error.code, 'invalid_param');
		assert.equal(res.data.error.field, 'q');
		assert.equal(res.data.error.message, 'Your search has too many words: use at most 16 words.');
		res = await call(server, null, 'GET', `/search?q=${encodeURIComponent(words)}&lang=fr`);
		assert.equal(res.data.error.message, 'Votre recherche compte trop de mots : 16 mots au plus.');
		res = await call(server, null, 'GET', `!/search?q=${encodeURIComponent(words)}&lang=ar`);
		expectStatus(res, 400, 'page');
		assert.ok(res.text.includes('يتضمن بحثك عددًا كبيرًا جدًا من الكلمات'));
		res = await call(server, null, 'GET', `/search?q=${'a'.repeat(257)}`);
		expectStatus(res, 400, 'too long');
		assert.equal(res.data.error.field, 'q');
		const sixteen = Array.from({ length: 16 }, (_, i) => `w${i}`).join(' ');
		expectStatus(await call(server, null, 'GET', `/search?q=${encodeURIComponent(sixteen)}`), 200, 'sixteen words');
	});

	test('malformed filters are refused with 400 naming them, for every kind of caller', async () => {
		for (const who of [null, cast.kenReader, cast.secAdmin, cast.stkEditor]) {
			for (const [query, field] of [['year=abc', 'year'], ['year=0', 'year'], ['country=ke', 'country'],
				['region=1234', 'region'], ['language=xx', 'language'], ['page=0', 'page'], ['page=502', 'page'], ['page=1001', 'page']]) {
				const res = await call(server, who, 'GET', `/search?q=${WORD}&${query}`);
				expectStatus(res, 400, query);
				assert.equal(res.data.error.field, field, query);
			}
		}
	});
});
