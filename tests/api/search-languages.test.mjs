// Portal-wide search in the six languages, with the same expectations on
// both engines: accents folded in Latin and Cyrillic scripts (ё/е, case; й
// kept), Arabic without vowel marks and with any alef, Chinese by substrings
// of two, three and four characters from the middle of a sentence (and one
// character), phrases and prefixes, ranking (title before body), and
// snippets that show the original text with the matches marked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
const MARK_OPEN = '\ue000';
const MARK_CLOSE = '\ue001';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (name, body) => {
		ids[name] = (await createPolicy(server, cast.kenAdmin, { kind: 'national_strategy', visibility: 'public', ...body }, name)).id;
	};
	await make('fr', {
		lang: 'fr', title: "Stratégie de l'État pour l'école numérique",
		summary: "L'État protège les écoles et les élèves. Une ÉCOLE ouverte.",
	});
	await make('es', { lang: 'es', title: 'Protección de datos en la educación', summary: 'La niña y el año de la información.' });
	await make('ru', { lang: 'ru', title: 'Ёлочная стратегия безопасности', summary: 'Объявлённый ПЛАН защиты; мой йод.' });
	await make('ar', {
		lang: 'ar', title: 'الاستراتيجية الوطنية للأَمْن السيبراني',
		summary: 'تهدف إدارة الأَمْنِ إلى حماية المعلومات والـــتعاون مع الشركاء.',
	});
	await make('zh', { lang: 'zh', title: '国家网络安全战略', summary: '本文件规定了国家在网络和信息系统安全方面的目标。' });
	await make('phrase', {
		lang: 'en', title: 'National Cyber Strategy of Kenya',
		summary: 'The strategy protects critical infrastructure and national defence; cyber drills every year.',
	});
	await make('titleQuokka', { lang: 'en', title: 'Quokka protection plan', summary: 'A plan for the islands.' });
	await make('bodyQuokka', { lang: 'en', title: 'Island wildlife plan', summary: 'It mentions the quokka once among other animals and plants of the islands.' });
});
after(async () => {
	await server?.stop();
});

/** The search's hits as "name/lang" (names of this file's items), in rank order. */
async function found(q, who = null) {
	const res = await call(server, who, 'GET', `/search?q=${encodeURIComponent(q)}`);
	expectStatus(res, 200, `search ${q}`);
	const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
	return { names: res.data.hits.map((h) => `${byId[h.item_id] ?? h.item_id}/${h.lang}`), data: res.data };
}

async function expectFound(q, names) {
	const { names: got, data } = await found(q);
	assert.deepEqual(got, names, `search ${q}`);
	assert.equal(data.total, names.length, `search ${q}: total`);
	return data;
}

describe('accents and case in Latin and Cyrillic scripts', () => {
	test('French and Spanish are found without accents, with any case', async () => {
		for (const q of ['etat', 'État', 'ETAT', 'état']) await expectFound(q, ['fr/fr']);
		for (const q of ['ecole', 'Ecole', 'ÉCOLE', 'école']) await expectFound(q, ['fr/fr']);
		await expectFound('eleves', ['fr/fr']);
		for (const q of ['proteccion', 'PROTECCIÓN', 'nina', 'niña', 'ano', 'Año', 'educacion']) await expectFound(q, ['es/es']);
	});

	test('Russian: ё is е, case is folded, й stays a letter of its own', async () => {
		for (const q of ['елочная', 'ёлочная', 'ЁЛОЧНАЯ', 'Елочная']) await expectFound(q, ['ru/ru']);
		await expectFound('объявленный', ['ru/ru']);
		await expectFound('план', ['ru/ru']);
		await expectFound('мой', ['ru/ru']);
		await expectFound('мои', []);
		await expectFound('иод', []);
	});
});

describe('Arabic without vowel marks', () => {
	test('with or without harakat, with any alef', async () => {
		for (const q of ['الامن', 'الأمن', 'الأَمْن', 'الإمن', 'الآمن']) await expectFound(q, ['ar/ar']);
		// إدارة: hamza below and teh marbuta fold (اداره); tatweel is ignored (والـــتعاون).
		for (const q of ['ادارة', 'إدارة', 'اداره']) await expectFound(q, ['ar/ar']);
		for (const q of ['والتعاون', 'والـتعاون']) await expectFound(q, ['ar/ar']);
		await expectFound('السيبرانى', ['ar/ar']); // alef maksura for yeh
	});
});

describe('Chinese by substrings', () => {
	test('two, three and four characters from the middle of a sentence', async () => {
		for (const q of ['信息', '信息系', '信息系统', '统安', '网络和信息', '方面的目标']) await expectFound(q, ['zh/zh']);
		await expectFound('网络安全', ['zh/zh']); // the title
		await expectFound('系信', []);
		await expectFound('信息安全', []); // both words are there, not side by side
	});

	test('one character is a prefix of the pairs', async () => {
		await expectFound('息', ['zh/zh']);
		await expectFound('标', ['zh/zh']); // the last character of a run
		await expectFound('猫', []);
	});
});

describe('phrases, prefixes and ranking', () => {
	test('a phrase needs its words side by side, in order', async () => {
		await expectFound('"national cyber"', ['phrase/en']);
		await expectFound('"cyber national"', []);
		await expectFound('cyber national', ['phrase/en']);
		await expectFound('"critical infrastructure" defence', ['phrase/en']);
		await expectFound('"critical defence"', []);
	});

	test('a prefix finds the words that start with it', async () => {
		await expectFound('infrastruc*', ['phrase/en']);
		await expectFound('infrastruc', []);
		await expectFound('"national def"*', ['phrase/en']);
		await expectFound('educ*', ['es/es']);
	});

	test('engine syntax typed by a user is only words', async () => {
		await expectFound('quokka OR nothingatall', []);
		// NEAR and "title" are words here, and no text has them.
		await expectFound('quokka NEAR(plan)', []);
		await expectFound('title:quokka', []);
		await expectFound('quokka:^', ['titleQuokka/en', 'bodyQuokka/en']);
		await expectFound('-quokka', ['titleQuokka/en', 'bodyQuokka/en']);
	});

	test('a match in the title ranks before a match in the body', async () => {
		await expectFound('quokka', ['titleQuokka/en', 'bodyQuokka/en']);
	});
});

describe('snippets', () => {
	test('show the original text with the matches marked, in the API and the page', async () => {
		const snippet = async (q, name) => (await found(q)).data.hits.find((h) => h.item_id === ids[name]);
		let hit = await snippet('etat eleves', 'fr');
		assert.equal(hit.snippet, `L'${MARK_OPEN}État${MARK_CLOSE} protège les écoles et les ${MARK_OPEN}élèves${MARK_CLOSE}. Une ÉCOLE ouverte.`);
		assert.equal(hit.snippet_html, 'L&#39;<mark>État</mark> protège les écoles et les <mark>élèves</mark>. Une ÉCOLE ouverte.');
		hit = await snippet('信息系统', 'zh');
		assert.equal(hit.snippet, `本文件规定了国家在网络和${MARK_OPEN}信息系统${MARK_CLOSE}安全方面的目标。`);
		hit = await snippet('الامن', 'ar');
		assert.ok(hit.snippet.includes(`${MARK_OPEN}الأَمْنِ${MARK_CLOSE}`), hit.snippet);
		hit = await snippet('"critical infrastructure"', 'phrase');
		assert.ok(hit.snippet.includes(`${MARK_OPEN}critical infrastructure${MARK_CLOSE}`), hit.snippet);
		hit = await snippet('объявленный', 'ru');
		assert.ok(hit.snippet.startsWith(`${MARK_OPEN}Объявлённый${MARK_CLOSE} ПЛАН`), hit.snippet);
		const page = await call(server, null, 'GET', `!/search?q=${encodeURIComponent('etat')}`);
		expectStatus(page, 200, 'page');
		assert.match(page.text, /<mark>État<\/mark>/);
		assert.ok(!page.text.includes(MARK_OPEN));
	});

	test('a text cannot forge the marks', async () => {
		const id = (await createPolicy(server, cast.kenAdmin, {
			kind: 'other', visibility: 'public', lang: 'en', title: 'Forgery wombat',
			summary: `Before ${MARK_OPEN}<b>bold</b>${MARK_CLOSE} wombat.`,
		})).id;
		const res = await call(server, null, 'GET', '/search?q=wombat');
		const hit = res.data.hits.find((h) => h.item_id === id);
		assert.equal(hit.snippet_html, 'Before \ufffd&lt;b&gt;bold&lt;/b&gt;\ufffd <mark>wombat</mark>.');
	});
});
