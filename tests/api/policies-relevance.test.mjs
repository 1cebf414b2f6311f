// The policies list sorted by relevance (GET /policies?sort=relevance&q=...)
// on a small hand-made set whose order is known: title words weigh more than
// body words, an item ranks by its best document (any of its languages), and
// the visibility rule still decides which items take part.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
const WORD = 'quokkarank';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (name, who, body) => {
		ids[name] = (await createPolicy(server, who, body, name)).id;
	};
	// Created in an order unlike the expected ranking, so that "oldest first" cannot pass for it.
	await make('bodyOnly', cast.kenAdmin, {
		title: 'Plain guideline on reporting', kind: 'policy_guideline', visibility: 'public', adopted: '2024-01-01',
		summary: `A long summary about incident reporting, coordination and ${WORD} among many other words.`,
	});
	await make('titleOnce', cast.kenAdmin, {
		title: `${WORD} act`, kind: 'law_regulation', visibility: 'public', adopted: '2019-01-01',
		summary: 'Offences against computer systems.',
	});
	await make('other', cast.kenAdmin, {
		title: 'Unrelated strategy', kind: 'national_strategy', visibility: 'public', adopted: '2023-01-01',
		summary: 'Nothing to find here.',
	});
	await make('titleTwice', cast.fraEditor, {
		title: `${WORD} ${WORD} strategy`, kind: 'national_strategy', visibility: 'public', adopted: '2015-01-01',
		summary: `The ${WORD} strategy in full.`,
	});
	// Its English text mentions the word in the body only; its French title has it twice.
	await make('secondLanguage', cast.fraEditor, {
		title: 'Cooperation framework', kind: 'agreement', visibility: 'public', adopted: '2020-01-01',
		summary: `Mentions ${WORD} in passing, at the end of a long sentence about cooperation.`,
		texts: [{ lang: 'fr', title: `${WORD} ${WORD} cadre`, summary: 'Cadre de coopération.' }],
	});
	// The best match of all, but only those who may read a restricted policy see it.
	await make('restricted', cast.kenAdmin, {
		title: `${WORD} ${WORD} ${WORD}`, kind: 'national_strategy', visibility: 'restricted', adopted: '2021-01-01',
		summary: `${WORD} ${WORD}.`, notice_title: 'A restricted plan',
	});
});
after(async () => {
	await server?.stop();
});

const ranked = async (who, extra = '') => {
	const res = await call(server, who, 'GET', `/policies?q=${WORD}&sort=relevance${extra}`);
	expectStatus(res, 200, 'relevance');
	return res.data;
};
const names = (body) => body.items.map((i) => Object.keys(ids).find((k) => ids[k] === i.id));

describe('sort=relevance on a known set', () => {
	test('anonymous: title words before body words, each item by its best text', async () => {
		const body = await ranked(null, '&per_page=100');
		assert.equal(body.count, 4);
		assert.deepEqual(names(body).slice(0, 2).sort(), ['secondLanguage', 'titleTwice']);
		assert.deepEqual(names(body).slice(2), ['titleOnce', 'bodyOnly']);
		// The same items as the list by date, in another order.
		const byDate = await call(server, null, 'GET', `/policies?q=${WORD}&per_page=100`);
		expectStatus(byDate, 200, 'by date');
		assert.deepEqual(names(byDate.data), ['bodyOnly', 'secondLanguage', 'titleOnce', 'titleTwice']);
	});

	test('pages keep the order', async () => {
		const all = names(await ranked(null, '&per_page=100'));
		const pages = [];
		for (let page = 1; page <= 4; page++) pages.push(...names(await ranked(null, `&per_page=1&page=${page}`)));
		assert.deepEqual(pages, all);
	});

	test('signed in: the restricted policy ranks first for a member state, and is absent for a stakeholder', async () => {
		const member = await ranked(cast.fraEditor, '&per_page=100');
		assert.equal(member.count, 5);
		assert.equal(names(member)[0], 'restricted');
		assert.deepEqual(names(member).slice(3), ['titleOnce', 'bodyOnly']);
		const stakeholder = await ranked(cast.stkEditor, '&per_page=100');
		assert.equal(stakeholder.count, 4);
		assert.ok(!names(stakeholder).includes('restricted'));
		assert.deepEqual(names(stakeholder).slice(2), ['titleOnce', 'bodyOnly']);
	});

	test('a word nobody wrote: an empty list; punctuation only: an empty list', async () => {
		for (const q of ['nowhereatallword', '%21%21']) {
			const res = await call(server, null, 'GET', `/policies?q=${q}&sort=relevance`);
			expectStatus(res, 200, q);
			assert.equal(res.data.count, 0, q);
			assert.deepEqual(res.data.items, [], q);
		}
	});
});
