// The countries module: the 193 member states and 2 observer states, with M49 regions
// and names in the six official languages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, assertJsonError, get, request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
before(async () => {
	server = await startServer();
});
after(async () => {
	await server?.stop();
});

const list = async (query = '') => {
	const res = await api(server, `/countries${query}`);
	assert.equal(res.status, 200, `/api/v1/countries${query}: ${res.text.slice(0, 300)}`);
	return res.json();
};

const GERMANY = { en: 'Germany', fr: 'Allemagne', es: 'Alemania', ru: 'Германия', zh: '德国', ar: 'ألمانيا' };

function assertArea(value, what, { nullable = false } = {}) {
	if (nullable && value === null) return;
	assert.equal(typeof value, 'object', `${what} is an object`);
	assert.notEqual(value, null, `${what} is not null`);
	assert.match(String(value.code), /^\d{3}$/, `${what}.code is an M49 code`);
	assert.equal(typeof value.name, 'string');
	assert.ok(value.name.length > 0, `${what}.name`);
}

describe('the list', () => {
	test('has the 195 states: 193 members and 2 observers', async () => {
		const body = await list();
		assert.equal(body.count, 195);
		assert.equal(body.countries.length, 195);
		assert.equal(body.countries.filter((c) => c.status === 'member').length, 193);
		const observers = body.countries.filter((c) => c.status === 'observer').map((c) => c.iso3).sort();
		assert.deepEqual(observers, ['PSE', 'VAT']);
	});

	test('each country has the documented shape', async () => {
		const { countries } = await list();
		const iso3s = new Set();
		const iso2s = new Set();
		for (const c of countries) {
			const what = `country ${c.iso3}`;
			assert.match(c.iso3, /^[A-Z]{3}$/, what);
			assert.match(c.iso2, /^[A-Z]{2}$/, what);
			assert.match(String(c.m49), /^\d{1,3}$/, `${what} m49`);
			assert.ok(['member', 'observer'].includes(c.status), `${what} status`);
			assert.equal(typeof c.name, 'string');
			assert.ok(c.name.length > 0, `${what} name`);
			assertArea(c.region, `${what} region`);
			assertArea(c.subregion, `${what} subregion`);
			assertArea(c.intermediate, `${what} intermediate`, { nullable: true });
			iso3s.add(c.iso3);
			iso2s.add(c.iso2);
		}
		assert.equal(iso3s.size, 195, 'iso3 codes are unique');
		assert.equal(iso2s.size, 195, 'iso2 codes are unique');
	});

	test('is not padded with territories or non-members', async () => {
		const iso3s = new Set((await list()).countries.map((c) => c.iso3));
		for (const code of ['XKX', 'TWN', 'HKG', 'PRI', 'GRL', 'ESH', 'ATA']) assert.ok(!iso3s.has(code), code);
		for (const code of ['DEU', 'FRA', 'CHN', 'USA', 'RUS', 'GBR', 'BRA', 'IND', 'NGA', 'SSD', 'TUV', 'PRK', 'VAT', 'PSE']) {
			assert.ok(iso3s.has(code), code);
		}
	});

	test('Germany is in Europe (150), Western Europe (155)', async () => {
		const deu = (await list()).countries.find((c) => c.iso3 === 'DEU');
		assert.equal(deu.iso2, 'DE');
		assert.equal(Number(deu.m49), 276);
		assert.equal(deu.name, 'Germany');
		assert.equal(String(deu.region.code), '150');
		assert.equal(String(deu.subregion.code), '155');
		assert.equal(deu.intermediate, null);
	});

	test('Nigeria has an intermediate region (Western Africa, 011)', async () => {
		const nga = (await list()).countries.find((c) => c.iso3 === 'NGA');
		assert.equal(String(nga.region.code), '002');
		assert.equal(String(nga.subregion.code), '202');
		assert.equal(String(nga.intermediate?.code), '011');
	});

	test('lists the regions to filter by', async () => {
		const { regions } = await list();
		assert.ok(Array.isArray(regions));
		const codes = regions.map((r) => String(r.code));
		for (const code of ['002', '019', '142', '150', '009']) assert.ok(codes.includes(code), `region ${code} in ${codes}`);
		for (const r of regions) assertArea(r, `region ${r.code}`);
	});

	test('echoes its filters', async () => {
		const body = await list('?region=002');
		assert.equal(typeof body.filters, 'object');
		assert.notEqual(body.filters, null);
	});
});

describe('filters', () => {
	test('region=002 (Africa) gives 54 states', async () => {
		const body = await list('?region=002');
		assert.equal(body.count, 54);
		assert.equal(body.countries.length, 54);
		for (const c of body.countries) assert.equal(String(c.region.code), '002', c.iso3);
	});

	test('every listed region filters to its own countries, and the continents partition the list', async () => {
		const { regions, countries } = await list();
		const continents = new Set(countries.map((c) => String(c.region.code)));
		let total = 0;
		for (const r of regions) {
			const code = String(r.code);
			const body = await list(`?region=${code}`);
			assert.ok(body.count > 0, `region ${code} has countries`);
			for (const c of body.countries) {
				const codes = [c.region.code, c.subregion.code, c.intermediate?.code].map(String);
				assert.ok(codes.includes(code), `${c.iso3} listed under region ${code}`);
			}
			if (continents.has(code)) total += body.count;
		}
		assert.equal(total, 195, 'the continents add up to 195');
	});

	test('status=observer gives the Holy See and the State of Palestine', async () => {
		const body = await list('?status=observer');
		assert.equal(body.count, 2);
		assert.deepEqual(body.countries.map((c) => c.iso3).sort(), ['PSE', 'VAT']);
	});

	test('status=member gives 193', async () => {
		assert.equal((await list('?status=member')).count, 193);
	});

	test('filters combine: region=150&status=observer is the Holy See', async () => {
		const body = await list('?region=150&status=observer');
		assert.deepEqual(body.countries.map((c) => c.iso3), ['VAT']);
	});

	test('q finds a country by name, case-insensitively', async () => {
		for (const q of ['Germany', 'germany', 'GERM']) {
			const body = await list(`?q=${encodeURIComponent(q)}`);
			assert.ok(body.countries.some((c) => c.iso3 === 'DEU'), `q=${q}`);
			assert.ok(body.count < 195, `q=${q} filters`);
			assert.equal(body.count, body.countries.length);
		}
	});

	test('q with no match gives an empty list', async () => {
		const body = await list('?q=zzzzqqqq');
		assert.equal(body.count, 0);
		assert.deepEqual(body.countries, []);
	});

	test('q treats % and _ literally', async () => {
		assert.equal((await list('?q=%25')).count, 0);
		assert.equal((await list('?q=_')).count, 0);
	});

	test('q with SQL metacharacters is just text', async () => {
		for (const q of ["' OR 1=1 --", '"; DROP TABLE countries; --', '\\']) {
			const body = await list(`?q=${encodeURIComponent(q)}`);
			assert.equal(body.count, 0, `q=${q}`);
		}
		assert.equal((await list()).count, 195);
	});

	test('a bad status is 400 invalid_param naming it', async () => {
		assertJsonError(await api(server, '/countries?status=bogus'), 400, 'invalid_param', { field: 'status' });
	});

	test('a malformed region is refused (400 invalid_param naming it) or matches nothing', async () => {
		const res = await api(server, '/countries?region=abc');
		if (res.status === 200) assert.equal(res.json().count, 0);
		else assertJsonError(res, 400, 'invalid_param', { field: 'region' });
	});

	test('an over-long q is 400 invalid_param naming it', async () => {
		assertJsonError(await api(server, `/countries?q=${'a'.repeat(5000)}`), 400, 'invalid_param', { field: 'q' });
	});
});

describe('languages', () => {
	for (const [lang, name] of Object.entries(GERMANY)) {
		test(`?lang=${lang} names Germany ${name}`, async () => {
			const body = await list(`?lang=${lang}`);
			const deu = body.countries.find((c) => c.iso3 === 'DEU');
			assert.equal(deu.name, name);
			assert.equal(body.count, 195);
		});
	}

	test('?lang=fr gives French region names too', async () => {
		const deu = (await list('?lang=fr')).countries.find((c) => c.iso3 === 'DEU');
		assert.equal(deu.region.name, 'Europe');
		const nga = (await list('?lang=fr')).countries.find((c) => c.iso3 === 'NGA');
		assert.equal(nga.region.name, 'Afrique');
	});

	test('the same filters work in every language', async () => {
		for (const lang of Object.keys(GERMANY)) {
			assert.equal((await list(`?region=002&lang=${lang}`)).count, 54, lang);
		}
	});
});

describe('one country', () => {
	test('GET /api/v1/countries/DEU gives the country and its sections', async () => {
		const res = await api(server, '/countries/DEU');
		assert.equal(res.status, 200);
		const body = res.json();
		assert.equal(body.country.iso3, 'DEU');
		assert.equal(body.country.name, 'Germany');
		assertArea(body.country.region, 'region');
		assert.ok(Array.isArray(body.sections));
	});

	test('the observer states have pages', async () => {
		for (const code of ['VAT', 'PSE']) {
			const res = await api(server, `/countries/${code}`);
			assert.equal(res.status, 200, code);
			assert.equal(res.json().country.status, 'observer');
		}
	});

	test('every listed country has a page', async () => {
		const { countries } = await list();
		for (const c of countries) {
			const res = await api(server, `/countries/${c.iso3}`);
			assert.equal(res.status, 200, c.iso3);
		}
	});

	test('a lower-case code is accepted', async () => {
		const res = await api(server, '/countries/deu');
		if (res.status >= 300 && res.status < 400) {
			assert.match(res.headers.location ?? '', /\/countries\/DEU$/);
		} else {
			assert.equal(res.status, 200);
			assert.equal(res.json().country.iso3, 'DEU');
		}
	});

	test('a code that is not a UN member or observer state answers exactly like an unknown path', async () => {
		const reference = await api(server, '/no-such-thing/at-all');
		assert.equal(reference.status, 404);
		for (const code of ['XKX', 'ZZZ', '12', 'TWN', 'HKG', 'ATA', 'DE', 'DEUT']) {
			const res = await api(server, `/countries/${code}`);
			assert.equal(res.status, 404, code);
			assert.equal(res.text, reference.text, `${code}: same body`);
			assert.equal(res.headers['content-type'], reference.headers['content-type'], `${code}: same type`);
		}
	});

	test('the 404 headers are the same as for an unknown path, but for Date and X-Request-Id', async () => {
		const strip = (h) => {
			const { date, 'x-request-id': id, ...rest } = h;
			return rest;
		};
		const reference = await api(server, '/no-such-thing/at-all');
		const res = await api(server, '/countries/XKX');
		assert.deepEqual(strip(res.headers), strip(reference.headers));
	});

	test('the HTML 404 for XKX is the same page as for a code that never existed, and as an unknown path', async () => {
		// A page may link to itself (language switcher) and show its request id: take those out.
		const page = async (path) => {
			const res = await get(server, path);
			assert.equal(res.status, 404, path);
			return res.text.replaceAll(path, '@PATH@').replaceAll(res.headers['x-request-id'], '@ID@');
		};
		const xkx = await page('/countries/XKX');
		for (const path of ['/countries/ZZZ', '/countries/TWN', '/countries/12']) assert.equal(await page(path), xkx, path);
		// Navigation may mark the section the path is in; nothing else may differ.
		const unmark = (text) => text.replaceAll(' aria-current="page"', '');
		assert.equal(unmark(xkx), unmark(await page('/no-such-thing')));
	});
});

describe('HTML pages', () => {
	test('the list renders with the names', async () => {
		const res = await get(server, '/countries');
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/html\b/);
		assert.ok(res.text.includes('Germany'));
		assert.ok(res.text.includes('Holy See'));
		assert.match(res.text, /<html[^>]*\blang="en"/);
	});

	for (const [lang, name] of Object.entries(GERMANY)) {
		test(`/countries/DEU?lang=${lang} renders with ${name}`, async () => {
			const res = await get(server, `/countries/DEU?lang=${lang}`);
			assert.equal(res.status, 200);
			assert.match(res.headers['content-type'], /^text\/html\b/);
			assert.ok(res.text.includes(name), `the page holds ${name}`);
			assert.match(res.text, new RegExp(`<html[^>]*\\blang="${lang}"`));
		});
	}

	test('Arabic pages are right-to-left', async () => {
		const res = await get(server, '/countries/DEU?lang=ar');
		assert.match(res.text, /<html[^>]*\bdir="rtl"/);
		const en = await get(server, '/countries/DEU?lang=en');
		assert.doesNotMatch(en.text, /<html[^>]*\bdir="rtl"/);
	});

	test('the region filter works on the page', async () => {
		const res = await get(server, '/countries?region=002');
		assert.equal(res.status, 200);
		assert.ok(res.text.includes('Nigeria'));
		assert.ok(!res.text.includes('Germany'));
	});

	test('a search text is escaped when shown back', async () => {
		const res = await get(server, `/countries?q=${encodeURIComponent('<script>alert(1)</script>')}`);
		assert.equal(res.status, 200);
		assert.ok(!res.text.includes('<script>alert(1)'), 'the query is HTML-escaped');
	});

	test('HEAD /countries/DEU answers 200 without a body', async () => {
		const res = await request(server, '/countries/DEU', { method: 'HEAD' });
		assert.equal(res.status, 200);
		assert.equal(res.body.length, 0);
	});
});
