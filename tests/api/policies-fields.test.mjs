// Every field of a policy, through JSON and forms: what is kept, what is
// refused (422 naming the field), what is not the caller's to set, and the
// pages that create and edit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectInvalid, expectStatus, makeCast, policy } from './lib/items-fixture.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
});
after(async () => {
	await server?.stop();
});

const create = (who, body) => call(server, who, 'POST', '/policies', { json: body });
const createForm = (who, form) => call(server, who, 'POST', '/policies', { form });
const edit = (who, id, body) => call(server, who, 'POST', `/policies/${id}`, { json: body });
const show = async (who, id, query = '') => {
	const res = await call(server, who, 'GET', `/policies/${id}${query}`);
	expectStatus(res, 200, `GET /policies/${id}`);
	return res.data;
};

describe('creating: what is kept', () => {
	test('every field round-trips', async () => {
		const base = await createPolicy(server, cast.kenEditor, policy('Older Kenya strategy', { visibility: 'public' }));
		const body = {
			title: 'Kenya National Cybersecurity Strategy',
			summary: 'The strategy **protects** critical infrastructure.\n\n- one\n- two',
			lang: 'en',
			texts: [{ lang: 'fr', title: 'Stratégie nationale de cybersécurité du Kenya', summary: 'Résumé en français.' }],
			kind: 'national_strategy',
			country: 'KEN',
			topics: ['critical_infrastructure', 'capacity_building'],
			adopted: '2022-03-15',
			policy_status: 'in_force',
			source_url: 'https://example.org/kenya/strategy.pdf',
			supersedes: base.id,
			visibility: 'public',
		};
		const p = await createPolicy(server, cast.kenEditor, body);
		const got = await show(null, p.id);
		assert.equal(got.kind, 'national_strategy');
		assert.equal(got.kind_label, 'National strategy');
		assert.equal(got.policy_status, 'in_force');
		assert.equal(got.adopted, '2022-03-15');
		assert.equal(got.source_url, 'https://example.org/kenya/strategy.pdf');
		assert.equal(got.country, 'KEN');
		assert.equal(got.country_name, 'Kenya');
		assert.deepEqual(got.topics.map((t) => t.key), ['critical_infrastructure', 'capacity_building']);
		assert.deepEqual(got.texts.map((t) => t.lang), ['en', 'fr']);
		assert.equal(got.text.lang, 'en');
		assert.match(got.text.summary_html, /<strong>protects<\/strong>/);
		assert.equal(got.supersedes.id, base.id);
		assert.equal(got.item.title, body.title);
		assert.deepEqual(got.item.languages, ['en', 'fr']);
		// The reader's language chooses the text; ?text= asks for one.
		const fr = await call(server, null, 'GET', `/policies/${p.id}?lang=fr`);
		assert.equal(fr.data.text.lang, 'fr');
		assert.equal(fr.data.text.title, 'Stratégie nationale de cybersécurité du Kenya');
		assert.equal(fr.data.topics[0].name, 'Protection des infrastructures critiques');
		assert.equal((await show(null, p.id, '?text=fr')).text.lang, 'fr');
		assert.equal((await show(null, p.id, '?lang=ru')).text.lang, 'en', 'the first text when the language has none');
		// What it supersedes links back.
		const older = await show(null, base.id);
		assert.deepEqual(older.superseded_by.map((s) => s.id), [p.id]);
	});

	test('defaults: in force, the owner\'s state, the reader\'s language', async () => {
		const p = await createPolicy(server, cast.fraEditor, { title: 'Loi minimale', kind: 'law_regulation' });
		const got = await show(cast.fraEditor, p.id);
		assert.equal(got.policy_status, 'in_force');
		assert.equal(got.country, 'FRA');
		assert.equal(got.adopted, null);
		assert.equal(got.source_url, null);
		assert.deepEqual(got.topics, []);
		assert.equal(got.text.lang, 'en');
		assert.equal(got.text.summary, '');
		const fr = await createPolicy(server, cast.fraEditor, { title: 'Loi en français', kind: 'law_regulation' }, 'create in French');
		assert.equal((await show(cast.fraEditor, fr.id)).text.lang, 'en');
		const viaUi = await call(server, cast.fraEditor, 'POST', '/policies?lang=fr', { json: { title: 'Loi UI', kind: 'other' } });
		expectStatus(viaUi, 201, 'create with ?lang=fr');
		assert.equal(viaUi.data.texts[0].lang, 'fr');
		// A state-less framework.
		const none = await createPolicy(server, cast.regEditor, { title: 'Framework', kind: 'regional_framework' });
		assert.equal(none.country, null);
		const stateless = await createPolicy(server, cast.kenEditor, { title: 'Not about Kenya', kind: 'agreement', country: null });
		assert.equal(stateless.country, null);
		const other = await createPolicy(server, cast.kenEditor, { title: 'About Brazil', kind: 'agreement', country: 'BRA' });
		assert.equal(other.country, 'BRA');
	});

	test('a form creates the same way', async () => {
		const res = await createForm(cast.kenEditor, {
			title: 'Kenya form law',
			summary: 'From a form.',
			lang: 'en',
			kind: 'law_regulation',
			country: 'KEN',
			topics: ['cybercrime', 'data_protection'],
			adopted: '2019-11-08',
			policy_status: 'repealed',
			source_url: 'http://example.org/law',
			supersedes: '',
			visibility: 'public',
			shares: String(cast.orgs.france), // ignored: not a named item
			notice_title: '',
			release_at: '',
		});
		expectStatus(res, 201, 'form create');
		assert.equal(res.data.policy_status, 'repealed');
		assert.deepEqual(res.data.topics.map((t) => t.key), ['cybercrime', 'data_protection']);
		assert.equal(res.data.item.visibility, 'public');
		assert.equal(res.data.source_link, false, 'http is shown, not linked');
		assert.equal(res.data.supersedes, null);
		// A browser gets a 303 to the new page.
		const page = await call(server, cast.kenEditor, 'POST', '!/policies', { form: { title: 'Kenya page law', kind: 'other' } });
		expectStatus(page, 303, 'page create');
		assert.match(page.headers.location, /^\/policies\/\d+$/);
	});

	test('Markdown is rendered without raw HTML or dangerous links', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Markdown test', {
			visibility: 'public',
			summary: '<script>alert(1)</script>\n\n[click](javascript:alert(2)) ![img](https://evil.example/x.png) <img src=x onerror=alert(3)>',
		}));
		const page = await call(server, null, 'GET', `!/policies/${p.id}`);
		expectStatus(page, 200, 'page');
		assert.ok(!page.text.includes('<script>alert'), 'no script');
		assert.ok(!/href="javascript:/i.test(page.text), 'no javascript: link');
		assert.ok(!/<img[^>]*evil/i.test(page.text), 'no remote image');
		assert.ok(!page.text.includes('onerror=alert'), 'no raw HTML attribute');
		// A summary's headings sit below the page's own.
		const h = await createPolicy(server, cast.kenEditor, policy('Headings', { visibility: 'public', summary: '# Big\n\n###### Small\n\ntext' }));
		const model = await show(null, h.id);
		assert.match(model.text.summary_html, /<h3>Big<\/h3>/);
		assert.match(model.text.summary_html, /<h6>Small<\/h6>/);
		assert.doesNotMatch(model.text.summary_html, /<h1>/);
	});
});

describe('creating: what is refused', () => {
	const cases = [
		['title', { title: undefined }, 'missing'],
		['title', { title: '' }, 'empty'],
		['title', { title: '   ' }, 'blank'],
		['title', { title: 'x'.repeat(501) }, 'too long'],
		['title', { title: 'two\nlines' }, 'a line break'],
		['title', { title: 'bidi \u202e override' }, 'a bidi override'],
		['title', { title: 42 }, 'a number'],
		['summary', { summary: 'x'.repeat(65537) }, 'too long'],
		['summary', { summary: 'bell \u0007' }, 'a control character'],
		['summary', { summary: ['a'] }, 'a list'],
		['lang', { lang: 'de' }, 'not a UN language'],
		['lang', { lang: null }, 'null'],
		['lang', { lang: 7 }, 'a number'],
		['texts', { texts: 'fr' }, 'not a list'],
		['texts', { texts: [] }, 'empty'],
		['texts', { texts: [{ lang: 'fr' }] }, 'no title'],
		['texts', { texts: [{ lang: 'fr', title: 'T', extra: 1 }] }, 'an unknown member'],
		['texts', { texts: [{ lang: 'xx', title: 'T' }] }, 'an unknown language'],
		['texts', { texts: [{ lang: 'fr', title: 'T' }, { lang: 'fr', title: 'U' }] }, 'a language twice'],
		['texts', { texts: [{ lang: 'en', title: 'T' }] }, 'the language of the title'],
		['texts', { texts: ['ar', 'zh', 'fr', 'ru', 'es', 'en', 'en'].map((l) => ({ lang: l, title: 'T' })) }, 'seven'],
		['kind', { kind: undefined }, 'missing'],
		['kind', { kind: 'strategy' }, 'unknown'],
		['country', { country: 'XXX' }, 'no such state'],
		['country', { country: 'ken' }, 'lower case'],
		['country', { country: 404 }, 'a number'],
		['topics', { topics: ['unicorns'] }, 'unknown'],
		['topics', { topics: ['cybercrime', 'cybercrime'] }, 'twice'],
		['topics', { topics: 'cybercrime' }, 'not a list'],
		['topics', { topics: Array(17).fill('cybercrime') }, 'too many'],
		['adopted', { adopted: '2021-02-30' }, 'no such day'],
		['adopted', { adopted: '21-01-01' }, 'short year'],
		['adopted', { adopted: '1800-01-01' }, 'too early'],
		['adopted', { adopted: 'yesterday' }, 'words'],
		['policy_status', { policy_status: 'active' }, 'unknown'],
		['source_url', { source_url: 'javascript:alert(1)' }, 'javascript'],
		['source_url', { source_url: 'ftp://example.org/a' }, 'ftp'],
		['source_url', { source_url: 'https://' }, 'no host'],
		['source_url', { source_url: 'https://exa mple.org' }, 'a space'],
		['source_url', { source_url: 'https://example.org/"><script>' }, 'markup'],
		['source_url', { source_url: `https://example.org/${'a'.repeat(2048)}` }, 'too long'],
		['supersedes', { supersedes: 'abc' }, 'not a number'],
		['supersedes', { supersedes: -1 }, 'negative'],
		['supersedes', { supersedes: 99999999 }, 'no such policy'],
		['visibility', { visibility: 'secret' }, 'unknown'],
		['shares', { visibility: 'named', shares: [] }, 'named without organisations'],
		['shares', { visibility: 'named', shares: ['x'] }, 'not ids'],
		['shares', { visibility: 'named', shares: [123456] }, 'no such organisation'],
		['shares', { visibility: 'restricted', shares: [1] }, 'restricted with organisations'],
		['notice_title', { visibility: 'public', notice_title: 'Notice' }, 'a notice on a public item'],
		['notice_summary', { visibility: 'restricted', notice_summary: 'Alone' }, 'a summary without a title'],
		['release_at', { visibility: 'restricted', release_at: '2000-01-01' }, 'in the past'],
		['release_at', { visibility: 'restricted', release_at: 'soon' }, 'words'],
		['release_at', { visibility: 'public', release_at: '2099-01-01' }, 'on a public item'],
		['draft', { draft: 'yes' }, 'not a boolean'],
		['acting_for_org', { acting_for_org: 'abc' }, 'not an id'],
	];
	for (const [field, extra, why] of cases) {
		test(`${field}: ${why}`, async () => {
			const body = { title: 'Valid title', kind: 'law_regulation', ...extra };
			for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
			const before = await server.db.sql('SELECT count(*) FROM items');
			expectInvalid(await create(cast.kenEditor, body), field, `${field} ${why}`);
			assert.equal(await server.db.sql('SELECT count(*) FROM items'), before, 'nothing stored');
		});
	}

	test('what is not the caller\'s to set is refused, never ignored', async () => {
		for (const member of ['owner', 'owner_org', 'status', 'id', 'created_by', 'reviewed_by', 'uploaded_by', 'module', 'version', 'approval', 'published_at']) {
			expectInvalid(await create(cast.kenEditor, { title: 'T', kind: 'other', [member]: 1 }), member, member);
		}
	});

	test('a superseded policy must be one the caller can see', async () => {
		const hidden = await createPolicy(server, cast.fraEditor, policy('French draft', { draft: true }));
		expectInvalid(await create(cast.kenEditor, { title: 'T', kind: 'other', supersedes: hidden.id }), 'supersedes', 'another organisation\'s draft');
		expectInvalid(await edit(cast.fraEditor, hidden.id, { version: 1, supersedes: hidden.id }), 'supersedes', 'itself');
	});

	test('bodies that are not objects, or not JSON', async () => {
		expectInvalid(await create(cast.kenEditor, []), 'body', 'a list');
		expectInvalid(await create(cast.kenEditor, '[1]'), 'body', 'a list of numbers');
		const bare = await create(cast.kenEditor, '"title"');
		expectStatus(bare, 400, 'a bare string is not a JSON document here');
		const broken = await create(cast.kenEditor, '{"title": ');
		expectStatus(broken, 400, 'malformed JSON');
		assert.equal(broken.data.error.code, 'invalid_json');
	});

	test('forms are checked the same way', async () => {
		expectInvalid(await createForm(cast.kenEditor, { kind: 'other' }), 'title', 'form without title');
		expectInvalid(await createForm(cast.kenEditor, { title: 'T', kind: 'nope' }), 'kind', 'form bad kind');
		expectInvalid(await createForm(cast.kenEditor, { title: 'T', kind: 'other', adopted: '2021-13-01' }), 'adopted', 'form bad date');
		expectInvalid(await createForm(cast.kenEditor, { title: 'T', kind: 'other', topics: ['cybercrime', 'nope'] }), 'topics', 'form bad topic');
		expectInvalid(await createForm(cast.kenEditor, { title: 'T', kind: 'other', visibility: 'named' }), 'shares', 'form named without shares');
		expectInvalid(await createForm(cast.kenEditor, { title: 'T\nU', kind: 'other' }), 'title', 'form title with a line break');
	});

	test('a page shows the form again with the message beside the field', async () => {
		const res = await call(server, cast.kenEditor, 'POST', '!/policies', { form: { title: 'Kept title', kind: 'other', adopted: 'not a date', source_url: 'ftp://x' } });
		expectStatus(res, 422, 'page');
		assert.match(res.headers['content-type'], /^text\/html/);
		assert.match(res.text, /id="policy-adopted-error"/);
		assert.match(res.text, /id="policy-source-error"/);
		assert.match(res.text, /aria-invalid="true"/);
		assert.match(res.text, /value="Kept title"/, 'what was typed stays');
		const fr = await call(server, cast.kenEditor, 'POST', '!/policies?lang=fr', { form: { kind: 'other' } });
		expectStatus(fr, 422, 'page in French');
		assert.match(fr.text, /Un titre est requis/);
	});

	test('who may create: editors and admins; readers are told they may not', async () => {
		expectStatus(await create(cast.kenReader, policy('Reader')), 403, 'reader');
		expectStatus(await create(cast.secReader, policy('Reader')), 403, 'Secretariat reader');
		expectStatus(await create(null, policy('Anonymous')), 401, 'anonymous');
		expectStatus(await call(server, cast.kenReader, 'GET', '!/policies/new'), 403, 'reader form');
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/policies/new'), 200, 'editor form');
		expectStatus(await call(server, null, 'GET', '!/policies/new'), 303, 'anonymous form');
	});
});

describe('editing', () => {
	test('only what is given changes; a form replaces every field of the text it shows', async () => {
		const p = await createPolicy(server, cast.kenAdmin, policy('Edit me', {
			visibility: 'public', summary: 'Original summary.', topics: ['cybercrime'], adopted: '2020-01-01',
			source_url: 'https://example.org/a',
		}));
		let res = await edit(cast.kenAdmin, p.id, { version: 1, summary: 'New summary.' });
		expectStatus(res, 200, 'summary only');
		assert.equal(res.data.text.title, 'Edit me');
		assert.equal(res.data.text.summary, 'New summary.');
		assert.deepEqual(res.data.topics.map((t) => t.key), ['cybercrime']);
		assert.equal(res.data.adopted, '2020-01-01');
		res = await edit(cast.kenAdmin, p.id, { version: 2, lang: 'fr', title: 'Modifiez-moi', summary: 'Résumé.' });
		expectStatus(res, 200, 'add a French text');
		assert.deepEqual(res.data.texts.map((t) => t.lang), ['en', 'fr']);
		assert.deepEqual(res.data.item.languages, ['en', 'fr']);
		res = await edit(cast.kenAdmin, p.id, { version: 3, lang: 'ar', summary: 'only a summary' });
		expectInvalid(res, 'title', 'a new language needs its title');
		res = await edit(cast.kenAdmin, p.id, { version: 3, texts: [{ lang: 'es', title: 'Edíteme' }] });
		expectStatus(res, 200, 'replace the texts');
		assert.deepEqual(res.data.texts.map((t) => t.lang), ['es']);
		assert.equal(res.data.item.title, 'Edíteme');
		res = await edit(cast.kenAdmin, p.id, { version: 4, topics: [], adopted: null, source_url: null, kind: 'other', policy_status: 'superseded', country: 'FRA' });
		expectStatus(res, 200, 'clear and change');
		assert.deepEqual(res.data.topics, []);
		assert.equal(res.data.adopted, null);
		assert.equal(res.data.source_url, null);
		assert.equal(res.data.kind, 'other');
		assert.equal(res.data.policy_status, 'superseded');
		assert.equal(res.data.item.country, 'FRA');
		// A form gives the whole text and every field: what it leaves empty is cleared.
		res = await call(server, cast.kenAdmin, 'POST', `/policies/${p.id}`, { form: { version: 5, title: 'Form title', lang: 'es', kind: 'law_regulation', policy_status: 'in_force', country: 'KEN' } });
		expectStatus(res, 200, 'form edit');
		assert.equal(res.data.text.title, 'Form title');
		assert.equal(res.data.text.summary, '');
		assert.equal(res.data.kind, 'law_regulation');
		const page = await call(server, cast.kenAdmin, 'POST', `!/policies/${p.id}`, { form: { version: 6, title: 'Page title', lang: 'es', kind: 'other' } });
		expectStatus(page, 303, 'page edit');
		assert.equal(page.headers.location, `/policies/${p.id}`);
	});

	test('edit errors', async () => {
		const p = await createPolicy(server, cast.kenAdmin, policy('Edit errors', { visibility: 'public' }));
		expectInvalid(await edit(cast.kenAdmin, p.id, { title: 'No version' }), 'version', 'no version');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 0, title: 'T' }), 'version', 'version 0');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 1, note: 'n'.repeat(2001) }), 'note', 'long note');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 1, visibility: 'public' }), 'visibility', 'access is changed elsewhere');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 1, kind: 'x' }), 'kind', 'bad kind');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 1, title: '' }), 'title', 'empty title');
		expectInvalid(await edit(cast.kenAdmin, p.id, { version: 1, country: 'ZZZ' }), 'country', 'no such state');
		expectStatus(await edit(cast.kenAdmin, p.id, { version: 9, title: 'Stale' }), 409, 'stale');
		expectStatus(await edit(cast.kenAdmin, 99999999, { version: 1, title: 'Missing' }), 404, 'missing');
		expectStatus(await edit(cast.kenAdmin, 'abc', { version: 1, title: 'Bad id' }), 404, 'bad id');
		const page = await call(server, cast.kenAdmin, 'POST', `!/policies/${p.id}`, { form: { version: 1, title: '', kind: 'other' } });
		expectStatus(page, 422, 'page with errors');
		assert.match(page.text, /id="policy-title-error"/);
		assert.equal((await show(null, p.id)).item.version, 1, 'nothing changed');
	});

	test('the edit form is for those who may edit', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Form access', { visibility: 'public', texts: [{ lang: 'fr', title: 'Accès' }] }));
		const res = await call(server, cast.kenEditor, 'GET', `!/policies/${p.id}/edit`);
		expectStatus(res, 200, 'owner editor');
		assert.match(res.text, /value="Form access"/);
		const fr = await call(server, cast.kenEditor, 'GET', `!/policies/${p.id}/edit?text=fr`);
		assert.match(fr.text, /value="Accès"/);
		expectStatus(await call(server, cast.kenReader, 'GET', `!/policies/${p.id}/edit`), 403, 'owner reader');
		expectStatus(await call(server, cast.fraEditor, 'GET', `!/policies/${p.id}/edit`), 404, 'other state');
		expectStatus(await call(server, cast.stkEditor, 'GET', `!/policies/${p.id}/edit`), 404, 'stakeholder');
		expectStatus(await call(server, cast.kenEditor, 'GET', '!/policies/99999999/edit'), 404, 'missing');
	});

	test('the policy page renders in every language', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Every language', { visibility: 'public', topics: ['governance'] }));
		for (const lang of ['ar', 'zh', 'en', 'fr', 'ru', 'es']) {
			const res = await call(server, cast.kenEditor, 'GET', `!/policies/${p.id}?lang=${lang}`);
			expectStatus(res, 200, lang);
			assert.match(res.text, new RegExp(`<html lang="${lang}"`));
			assert.ok(!/policies\.[a-z_]+|items\.[a-z_]+/.test(res.text.replace(/href="[^"]*"|action="[^"]*"/g, '')), `no missing key in ${lang}`);
		}
	});
});
