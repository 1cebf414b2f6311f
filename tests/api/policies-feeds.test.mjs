// The policies list's other forms and pages: the Atom feed (/policies.atom,
// read by an independent parser, python3-feedparser, and checked well-formed
// by xmllint), the JSON export (/policies.json), what supersedes a policy,
// country profiles, the comparison of states (/compare) and the public
// profiles of regional and intergovernmental organisations. In each of them,
// nothing the caller may not see: not in entries, not in counts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
const CANARY = 'quokkacanary';

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (name, who, body) => {
		ids[name] = (await createPolicy(server, who, body, name)).id;
	};
	await make('kenStrategy', cast.kenAdmin, {
		title: 'Kenya cybersecurity strategy <2022> & more', kind: 'national_strategy', visibility: 'public',
		adopted: '2022-05-01', topics: ['critical_infrastructure', 'capacity_building'],
		summary: 'Protects *critical* infrastructure in Kenya.',
	});
	await make('kenOld', cast.kenAdmin, {
		title: 'Kenya strategy 2014', kind: 'national_strategy', visibility: 'public', adopted: '2014-02-01',
		policy_status: 'superseded', topics: ['critical_infrastructure'], summary: 'The first one.',
	});
	await make('kenLaw', cast.kenAdmin, {
		title: 'Kenya computer misuse act', kind: 'law_regulation', visibility: 'public', adopted: '2018-05-16',
		topics: ['cybercrime'], summary: 'Offences against computer systems.',
	});
	await make('fraDoctrine', cast.fraEditor, {
		title: 'Revue stratégique de cyberdéfense', lang: 'fr', kind: 'military_doctrine', visibility: 'public',
		adopted: '2018-02-12', topics: ['military_defence'], summary: 'Revue de la cyberdéfense.',
	});
	await make('fraStrategy', cast.fraEditor, {
		title: 'French national strategy', kind: 'national_strategy', visibility: 'public', adopted: '2021-02-18',
		topics: ['cybercrime', 'critical_infrastructure'], summary: 'Strategy.',
	});
	await make('regFramework', cast.secAdmin, {
		title: 'Regional cyber convention', kind: 'regional_framework', acting_for_org: cast.orgs.regional,
		country: '', adopted: '2014-06-27', topics: ['cybercrime', 'data_protection'], summary: 'A convention.',
	});
	// A regional organisation's item waits for the Secretariat's review, even when the Secretariat uploaded it.
	expectStatus(await call(server, cast.secEditor, 'POST', `/review/${ids.regFramework}/publish`, { json: { version: 1 } }),
		200, 'publish regFramework');
	// Things most callers may not see, each with the canary in its title and summary.
	await make('kenRestricted', cast.kenAdmin, {
		title: `Kenya restricted strategy ${CANARY}`, kind: 'national_strategy', visibility: 'restricted',
		adopted: '2024-01-01', topics: ['incident_response', 'critical_infrastructure'],
		summary: `Restricted ${CANARY} text.`, supersedes: undefined,
	});
	await make('kenNamed', cast.kenAdmin, {
		title: `Kenya named agreement ${CANARY}`, kind: 'agreement', visibility: 'named', shares: [cast.orgs.france],
		adopted: '2023-03-03', topics: ['norms_international_law'], summary: `Named ${CANARY} text.`,
	});
	await make('kenDraft', cast.kenAdmin, {
		title: `Kenya draft ${CANARY}`, kind: 'other', visibility: 'public', draft: true, adopted: '2025-01-01',
		topics: ['governance'], summary: `Draft ${CANARY}.`,
	});
	await make('regPending', cast.regEditor, {
		title: `Regional pending ${CANARY}`, kind: 'regional_framework', country: '', topics: ['governance'],
		summary: `Pending ${CANARY}.`,
	});
	// What supersedes the 2014 strategy: the public 2022 one, and the restricted one.
	for (const [name, version] of [['kenStrategy', 1], ['kenRestricted', 1]]) {
		const res = await call(server, cast.kenAdmin, 'POST', `/policies/${ids[name]}`, {
			json: { version, supersedes: ids.kenOld, note: 'supersedes the 2014 strategy' },
		});
		expectStatus(res, 200, `${name} supersedes kenOld`);
	}
});
after(async () => {
	await server?.stop();
});

/** Reads an Atom document with feedparser and xmllint; resolves with what they saw. */
function parseAtom(xml) {
	const lint = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
	assert.equal(lint.status, 0, `xmllint: ${lint.stderr}`);
	const script = `
import json, sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
  "bozo": bool(d.bozo), "bozo_exception": str(d.get("bozo_exception", "")), "version": d.version,
  "feed": {"id": d.feed.get("id"), "title": d.feed.get("title"), "updated": d.feed.get("updated"),
           "links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in d.feed.get("links", [])],
           "author": d.feed.get("author")},
  "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"), "updated": e.get("updated"),
               "published": e.get("published"), "author": e.get("author"), "summary": e.get("summary"),
               "tags": [t.get("term") for t in e.get("tags", [])]} for e in d.entries],
}))`;
	const r = spawnSync('/usr/bin/python3', ['-c', script], { input: xml, encoding: 'utf8' });
	assert.equal(r.status, 0, `feedparser: ${r.stderr}`);
	const doc = JSON.parse(r.stdout);
	assert.equal(doc.bozo, false, `feedparser found the feed malformed: ${doc.bozo_exception}`);
	assert.equal(doc.version, 'atom10');
	return doc;
}

const entryId = (e) => Number(e.id.split('/').pop());
const sorted = (...names) => names.map((n) => ids[n]).sort((a, b) => a - b);
const PUBLIC = ['kenStrategy', 'kenOld', 'kenLaw', 'fraDoctrine', 'fraStrategy', 'regFramework'];

async function feed(who, query = '') {
	const res = await request(server, `/policies.atom${query}`, { headers: who ? who.headers : {} });
	expectStatus(res, 200, `/policies.atom${query}`);
	assert.match(res.headers['content-type'], /^application\/atom\+xml; charset=utf-8$/);
	return { res, doc: parseAtom(res.text) };
}

describe('the Atom feed', () => {
	test('anonymous: the public published policies, newest change first, well-formed', async () => {
		const { res, doc } = await feed(null);
		assert.deepEqual(doc.entries.map(entryId).sort((a, b) => a - b), sorted(...PUBLIC));
		assert.ok(!res.text.includes(CANARY), 'no hidden policy in the anonymous feed');
		const updated = doc.entries.map((e) => e.updated);
		assert.deepEqual([...updated].sort().reverse(), updated, 'newest change first');
		for (const e of doc.entries) {
			assert.match(e.id, /^tag:localhost,2026:policies\/\d+$/);
			assert.match(e.updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
			assert.equal(e.link, `/policies/${entryId(e)}`);
		}
		const ken = doc.entries.find((e) => entryId(e) === ids.kenStrategy);
		assert.equal(ken.title, 'Kenya cybersecurity strategy <2022> & more', 'title escaped and read back');
		assert.equal(ken.author, 'Kenya, Ministry (tests)');
		assert.ok(ken.tags.includes('national_strategy') && ken.tags.includes('KEN') &&
			ken.tags.includes('critical_infrastructure'), `categories: ${ken.tags}`);
		assert.match(ken.summary, /Protects critical infrastructure/);
		assert.equal(doc.feed.updated, updated[0], 'the feed changed when its newest entry did');
		assert.match(doc.feed.id, /^tag:localhost,2026:policies\.atom/);
		const rels = Object.fromEntries(doc.feed.links.map((l) => [l.rel, l.href]));
		assert.equal(rels.self, '/policies.atom');
		assert.equal(rels.alternate, '/policies');
	});

	test('the same filters as the list, kept in the self and alternate links', async () => {
		const q = '?country=KEN&kind=national_strategy';
		const { doc } = await feed(null, q);
		assert.deepEqual(doc.entries.map(entryId).sort((a, b) => a - b), sorted('kenStrategy', 'kenOld'));
		const rels = Object.fromEntries(doc.feed.links.map((l) => [l.rel, l.href]));
		assert.equal(rels.self, `/policies.atom${q}`);
		assert.equal(rels.alternate, `/policies${q}`);
		const list = await call(server, null, 'GET', `/policies${q}&per_page=100`);
		assert.deepEqual(list.data.items.map((i) => i.id).sort((a, b) => a - b), doc.entries.map(entryId).sort((a, b) => a - b));
		for (const [query, names] of [
			['?topic=cybercrime', ['kenLaw', 'fraStrategy', 'regFramework']],
			['?year_from=2018&year_to=2018', ['kenLaw', 'fraDoctrine']],
			['?language=fr', ['fraDoctrine']],
			[`?org=${cast.orgs.regional}`, ['regFramework']],
			['?policy_status=superseded', ['kenOld']],
			['?region=002', ['kenStrategy', 'kenOld', 'kenLaw']],
		]) {
			const { doc: d } = await feed(null, query);
			assert.deepEqual(d.entries.map(entryId).sort((a, b) => a - b), sorted(...names), query);
		}
	});

	test('a member state sees restricted policies; Kenya its draft and what it shared; others not', async () => {
		const { doc: fra } = await feed(cast.fraEditor, '?country=KEN');
		assert.deepEqual(fra.entries.map(entryId).sort((a, b) => a - b),
			sorted('kenStrategy', 'kenOld', 'kenLaw', 'kenRestricted', 'kenNamed'), 'France: restricted + named to it');
		const { doc: deu } = await feed(cast.deuReader, '?country=KEN');
		assert.deepEqual(deu.entries.map(entryId).sort((a, b) => a - b),
			sorted('kenStrategy', 'kenOld', 'kenLaw', 'kenRestricted'), 'Germany: restricted, not named to it');
		const { doc: ken } = await feed(cast.kenReader, '?country=KEN');
		assert.deepEqual(ken.entries.map(entryId).sort((a, b) => a - b),
			sorted('kenStrategy', 'kenOld', 'kenLaw', 'kenRestricted', 'kenNamed', 'kenDraft'), 'Kenya: its own, draft included');
		for (const who of [cast.stkEditor, cast.regEditor, cast.pseEditor, cast.unEditor]) {
			const { res, doc } = await feed(who, '?country=KEN');
			assert.deepEqual(doc.entries.map(entryId).sort((a, b) => a - b), sorted('kenStrategy', 'kenOld', 'kenLaw'), who.email);
			assert.ok(!res.text.includes(CANARY), `${who.email}: no canary`);
		}
		const { doc: reg } = await feed(cast.regEditor, `?org=${cast.orgs.regional}`);
		assert.deepEqual(reg.entries.map(entryId).sort((a, b) => a - b), sorted('regFramework', 'regPending'), 'its own pending item');
		const { doc: sec } = await feed(cast.secReader, `?org=${cast.orgs.regional}`);
		assert.deepEqual(sec.entries.map(entryId).sort((a, b) => a - b), sorted('regFramework', 'regPending'), 'the Secretariat sees pending');
	});

	test('caching: anonymous answers revalidate with an ETag (304); token answers are never stored', async () => {
		const { res } = await feed(null, '?kind=law_regulation');
		assert.equal(res.headers['cache-control'], 'no-cache');
		assert.match(res.headers.etag, /^"[0-9a-f]{16}"$/);
		const again = await request(server, '/policies.atom?kind=law_regulation', { headers: { 'If-None-Match': res.headers.etag } });
		assert.equal(again.status, 304);
		const { res: mine } = await feed(cast.kenReader, '?kind=law_regulation');
		assert.equal(mine.headers['cache-control'], 'no-store');
		assert.equal(mine.headers.etag, undefined);
		// A write changes the feed: the old ETag no longer matches.
		await createPolicy(server, cast.pseEditor, { title: 'Palestine data law', kind: 'law_regulation', visibility: 'public', summary: 'Data.' });
		const after = await request(server, '/policies.atom?kind=law_regulation', { headers: { 'If-None-Match': res.headers.etag } });
		assert.equal(after.status, 200);
		assert.ok(after.text.includes('Palestine data law'));
	});

	test('refusals: a bad filter is a 400 naming it; a bad token a 401', async () => {
		for (const [q, param] of [['?kind=nonsense', 'kind'], ['?year_from=1800', 'year_from'], ['?country=kenya', 'country'], ['?topic=nope', 'topic']]) {
			const res = await call(server, null, 'GET', `/policies.atom${q}`);
			expectStatus(res, 400, q);
			assert.equal(res.data.error.field, param);
		}
		const res = await request(server, '/policies.atom', { headers: { Authorization: 'Bearer gcscp_nonsense' } });
		assert.equal(res.status, 401);
	});

	test('the list page announces the feed and links the exports with its filters', async () => {
		const res = await call(server, null, 'GET', '!/policies?country=KEN&kind=law_regulation');
		expectStatus(res, 200);
		assert.match(res.text, /<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="\/policies\.atom\?country=KEN&amp;kind=law_regulation">/);
		assert.match(res.text, /href="\/policies\.json\?country=KEN&amp;kind=law_regulation"/);
		const api = await call(server, null, 'GET', '/policies?country=KEN');
		assert.equal(api.data.atom_href, '/policies.atom?country=KEN');
		assert.equal(api.data.json_href, '/policies.json?country=KEN');
	});
});

describe('the JSON export', () => {
	test('every matching policy the caller sees, the API list\'s fields, consistent with the CSV', async () => {
		const res = await request(server, '/policies.json?country=KEN');
		expectStatus(res, 200);
		assert.match(res.headers['content-type'], /^application\/json/);
		assert.match(res.headers['content-disposition'], /attachment; filename="policies.json"/);
		const body = JSON.parse(res.text);
		assert.equal(body.truncated, false);
		assert.equal(body.limit, 50000);
		assert.equal(body.count, body.items.length);
		const anonIds = body.items.map((i) => i.id).sort((a, b) => a - b);
		assert.ok(!res.text.includes(CANARY));
		const list = await call(server, null, 'GET', '/policies?country=KEN&per_page=100');
		assert.deepEqual(anonIds, list.data.items.map((i) => i.id).sort((a, b) => a - b));
		const one = list.data.items[0];
		const same = body.items.find((i) => i.id === one.id);
		for (const key of Object.keys(one)) assert.deepEqual(same[key], one[key], `field ${key}`);
		const csv = await request(server, '/policies.csv?country=KEN');
		const csvIds = csv.text.trim().split('\r\n').slice(1).map((l) => Number(l.split(',')[0])).sort((a, b) => a - b);
		assert.deepEqual(csvIds, anonIds, 'CSV and JSON list the same policies');
		const fra = await request(server, '/policies.json?country=KEN', { headers: cast.fraEditor.headers });
		const fraIds = JSON.parse(fra.text).items.map((i) => i.id);
		assert.ok(fraIds.includes(ids.kenRestricted) && fraIds.includes(ids.kenNamed) && !fraIds.includes(ids.kenDraft));
		assert.equal(fra.headers['cache-control'], 'no-store');
	});
});

describe('comparing states', () => {
	const compare = async (who, query) => {
		const res = await call(server, who, 'GET', `/compare${query}`);
		expectStatus(res, 200, `/compare${query}`);
		return res.data;
	};
	const figures = (state) => ({
		count: state.count,
		kinds: Object.fromEntries(Object.entries(state.by_kind).filter(([, v]) => v.count).map(([k, v]) => [k, v.items.map((i) => i.id).sort((a, b) => a - b)])),
		topics: Object.fromEntries(Object.entries(state.topics).filter(([, n]) => n)),
		status: Object.fromEntries(Object.entries(state.by_status).filter(([, n]) => n)),
		latest: state.latest_strategy?.id ?? null,
	});
	const publicKen = () => ({
		count: 3,
		kinds: { national_strategy: sorted('kenStrategy', 'kenOld'), law_regulation: sorted('kenLaw') },
		topics: { critical_infrastructure: 2, capacity_building: 1, cybercrime: 1 },
		status: { in_force: 2, superseded: 1 },
	});

	test('anonymous: public published policies only; states in the order asked, names, links', async () => {
		const body = await compare(null, '?c=KEN&c=FRA');
		assert.deepEqual(body.states.map((s) => s.iso3), ['KEN', 'FRA']);
		assert.equal(body.states[0].name, 'Kenya');
		assert.equal(body.states[0].href, '/countries/KEN');
		assert.deepEqual(figures(body.states[0]), { ...publicKen(), latest: ids.kenStrategy });
		assert.deepEqual(figures(body.states[1]), {
			count: 2, kinds: { military_doctrine: sorted('fraDoctrine'), national_strategy: sorted('fraStrategy') },
			topics: { military_defence: 1, cybercrime: 1, critical_infrastructure: 1 }, status: { in_force: 2 }, latest: ids.fraStrategy,
		});
		assert.equal(body.states[0].latest_strategy.year, 2022);
		const row = body.topic_rows.find((r) => r.key === 'critical_infrastructure');
		assert.deepEqual(row.cells.map((c) => [c.count, c.covered]), [[2, true], [1, true]]);
		assert.ok(!JSON.stringify(body).includes(CANARY));
	});

	test('hidden policies never change the counts, from every kind of account', async () => {
		for (const who of [cast.stkEditor, cast.stkAdmin, cast.regEditor, cast.pseEditor, cast.unEditor]) {
			const body = await compare(who, '?c=KEN');
			assert.deepEqual(figures(body.states[0]), { ...publicKen(), latest: ids.kenStrategy }, who.email);
			assert.ok(!JSON.stringify(body).includes(CANARY), who.email);
		}
		// Germany: the restricted strategy, not the agreement named to France, nor the draft.
		const deu = figures((await compare(cast.deuReader, '?c=KEN')).states[0]);
		assert.deepEqual(deu, {
			count: 4, kinds: { national_strategy: sorted('kenStrategy', 'kenOld', 'kenRestricted'), law_regulation: sorted('kenLaw') },
			topics: { critical_infrastructure: 3, capacity_building: 1, cybercrime: 1, incident_response: 1 },
			status: { in_force: 3, superseded: 1 }, latest: ids.kenRestricted,
		});
		const fra = figures((await compare(cast.fraEditor, '?c=KEN')).states[0]);
		assert.equal(fra.count, 5);
		assert.deepEqual(fra.kinds.agreement, sorted('kenNamed'));
		assert.equal(fra.topics.norms_international_law, 1);
		const ken = figures((await compare(cast.kenReader, '?c=KEN')).states[0]);
		assert.equal(ken.count, 6, 'Kenya counts its own draft');
		assert.equal(ken.topics.governance, 1);
		const sec = figures((await compare(cast.secReader, '?c=KEN')).states[0]);
		assert.equal(sec.count, 5, 'the Secretariat sees every published item, named ones too, never a draft');
	});

	test('codes in any case, repeats folded; no code: the form alone', async () => {
		const body = await compare(null, '?c=ken&c=KEN&c=fra&c=Ken');
		assert.deepEqual(body.states.map((s) => s.iso3), ['KEN', 'FRA']);
		const empty = await compare(null, '');
		assert.equal(empty.has_states, false);
		assert.deepEqual(empty.states, []);
		const blank = await compare(null, '?c=&c=IND');
		assert.deepEqual(blank.states.map((s) => s.iso3), ['IND']);
		assert.equal(blank.states[0].count, 0);
		assert.equal(blank.states[0].latest_strategy, null);
	});

	test('refusals: a fourth state, an unknown code, a malformed one: 422 naming c and the code', async () => {
		for (const [q, needle] of [['?c=KEN&c=FRA&c=BRA&c=IND', null], ['?c=KEN&c=XYZ', 'XYZ'], ['?c=KENYA', 'KENYA'], ['?c=K1N', 'K1N'], ['?c=ATA', 'ATA']]) {
			for (const who of [null, cast.kenReader]) {
				const res = await call(server, who, 'GET', `/compare${q}`);
				expectStatus(res, 422, q);
				assert.equal(res.data.error.code, 'invalid_field');
				assert.equal(res.data.error.field, 'c');
				if (needle) assert.ok(res.data.error.message.includes(needle), `${q}: ${res.data.error.message}`);
				else assert.match(res.data.error.message, /three/);
			}
		}
		const page = await call(server, null, 'GET', '!/compare?c=KEN&c=XYZ');
		expectStatus(page, 422);
		assert.match(page.text, /<p class="field-error" id="compare-error" role="alert">[^<]*XYZ<\/p>/);
		assert.match(page.text, /aria-describedby="compare-error" aria-invalid="true"/);
		const many = await call(server, null, 'GET', `/compare?${Array.from({ length: 17 }, () => 'c=KEN').join('&')}`);
		expectStatus(many, 400, 'more values than the router accepts');
	});

	test('the page: accessible tables with scoped headers, ✓ and counts', async () => {
		const res = await call(server, null, 'GET', '!/compare?c=KEN&c=FRA');
		expectStatus(res, 200);
		assert.match(res.text, /<th scope="col"><a href="\/countries\/KEN">Kenya<\/a><\/th>/);
		assert.match(res.text, /<th scope="row">[^<]+<\/th>\s*<td class="compare-cell"><a href="\/policies\?country=KEN&amp;topic=critical_infrastructure"><span aria-hidden="true">✓<\/span> 2/);
		assert.match(res.text, /<select id="compare-c1" name="c">[\s\S]*<option value="KEN" selected>/);
		assert.ok(!res.text.includes(CANARY));
		const profile = await call(server, null, 'GET', '!/countries/KEN');
		assert.match(profile.text, /href="\/compare\?c=KEN"/);
		const countries = await call(server, null, 'GET', '!/countries');
		assert.match(countries.text, /<form[^>]+action="\/compare"/);
	});
});

describe('regional and intergovernmental organisations', () => {
	test('the list: active regional organisations and UN bodies, public', async () => {
		const au = await makeOrgNamed('African Union (AU)');
		const res = await call(server, null, 'GET', '/intergovernmental');
		expectStatus(res, 200);
		const names = res.data.organisations.map((o) => o.name);
		assert.ok(names.includes('Regional Cyber Organisation (tests)') && names.includes('UN Cyber Institute (tests)'));
		assert.ok(names.includes('African Union (AU)'));
		assert.ok(!names.some((n) => /Kenya|Stakeholder|Open Security|Secretariat/.test(n)), 'no other kind');
		const row = res.data.organisations.find((o) => o.id === au);
		assert.equal(row.acronym, 'AU');
		assert.equal(row.member_count, 54);
		assert.equal(row.href, `/intergovernmental/${au}`);
		const page = await call(server, null, 'GET', '!/intergovernmental');
		expectStatus(page, 200);
		assert.match(page.text, /<th scope="row"><a href="\/intergovernmental\/\d+" dir="auto">African Union \(AU\)<\/a><\/th>/);
	});

	test('a profile: kind, members from data/regional-organisations.csv, the frameworks the caller may see', async () => {
		const id = cast.orgs.regional;
		const anon = await call(server, null, 'GET', `/intergovernmental/${id}`);
		expectStatus(anon, 200);
		assert.equal(anon.data.organisation.name, 'Regional Cyber Organisation (tests)');
		assert.equal(anon.data.organisation.kind, 'regional_org');
		assert.equal(anon.data.organisation.member_count, 0, 'not in the data file: members unknown');
		const section = anon.data.sections.find((s) => s.module === 'policies');
		assert.deepEqual(section.items.map((i) => i.id), [ids.regFramework], 'anonymous: the published framework only');
		assert.ok(!anon.text.includes(CANARY));
		for (const who of [cast.stkEditor, cast.kenReader, cast.unEditor]) {
			const r = await call(server, who, 'GET', `/intergovernmental/${id}`);
			assert.deepEqual(r.data.sections.find((s) => s.module === 'policies').items.map((i) => i.id), [ids.regFramework], who.email);
		}
		for (const who of [cast.regEditor, cast.secReader]) {
			const r = await call(server, who, 'GET', `/intergovernmental/${id}`);
			assert.deepEqual(r.data.sections.find((s) => s.module === 'policies').items.map((i) => i.id).sort((a, b) => a - b),
				sorted('regFramework', 'regPending'), `${who.email}: its own pending item too`);
		}
		const au = (await call(server, null, 'GET', '/intergovernmental')).data.organisations.find((o) => o.acronym === 'AU');
		const profile = await call(server, null, 'GET', `/intergovernmental/${au.id}`);
		assert.equal(profile.data.organisation.website, 'https://au.int');
		const members = profile.data.organisation.members.map((m) => m.iso3);
		assert.equal(members.length, 54);
		assert.ok(members.includes('KEN') && members.includes('ZAF') && !members.includes('FRA'));
		assert.equal(profile.data.organisation.members.find((m) => m.iso3 === 'KEN').href, '/countries/KEN');
		const page = await call(server, null, 'GET', `!/intergovernmental/${au.id}`);
		assert.match(page.text, /<a href="https:\/\/au.int" rel="noopener noreferrer external">/);
		assert.match(page.text, /<a href="\/countries\/KEN">Kenya<\/a>/);
	});

	test('every member code of the data file is a state the portal knows', async () => {
		const countries = new Set((await call(server, null, 'GET', '/countries')).data.countries.map((c) => c.iso3));
		const { readFileSync } = await import('node:fs');
		const { ROOT } = await import('./lib/server.mjs');
		const lines = readFileSync(`${ROOT}/data/regional-organisations.csv`, 'utf8').trim().split('\n');
		assert.equal(lines[0], 'acronym,name,website,members');
		for (const line of lines.slice(1)) {
			const [acronym, , website, members] = line.split(',');
			assert.match(website, /^https:\/\//, acronym);
			for (const code of members.split(' ')) assert.ok(countries.has(code), `${acronym}: ${code}`);
		}
	});

	test('other kinds, disabled, unknown and malformed ids: 404 like any missing page', async () => {
		const disabled = await makeOrgNamed('Disabled Regional Body');
		expectStatus(await call(server, cast.secAdmin, 'POST', `/organisations/${disabled}/disable`, { json: {} }), 200, 'disable');
		for (const id of [disabled, cast.orgs.kenya, cast.orgs.stakeholder, cast.orgs.secretariat, 999999, '0', 'abc']) {
			for (const who of [null, cast.secAdmin]) {
				const res = await call(server, who, 'GET', `/intergovernmental/${id}`);
				expectStatus(res, 404, `/intergovernmental/${id}`);
			}
		}
		const res = await call(server, cast.secAdmin, 'GET', `/organisations/${cast.orgs.regional}`);
		expectStatus(res, 200, 'the Secretariat\'s page of the organisation is unchanged');
		const anon = await call(server, null, 'GET', `/organisations/${cast.orgs.regional}`);
		expectStatus(anon, 401, 'and still not public');
	});
});

async function makeOrgNamed(name) {
	const { makeOrg } = await import('./lib/items-fixture.mjs');
	return makeOrg(server, 'regional_org', name);
}

describe('what supersedes a policy, and its history', () => {
	test('superseded by: only the successors the caller may see', async () => {
		const seen = async (who) => (await call(server, who, 'GET', `/policies/${ids.kenOld}`)).data.superseded_by.map((p) => p.id).sort((a, b) => a - b);
		for (const who of [null, cast.stkEditor, cast.regEditor, cast.pseEditor, cast.unEditor]) {
			assert.deepEqual(await seen(who), sorted('kenStrategy'), who?.email ?? 'anonymous');
		}
		for (const who of [cast.fraEditor, cast.deuReader, cast.kenReader, cast.secReader]) {
			assert.deepEqual(await seen(who), sorted('kenStrategy', 'kenRestricted'), who.email);
		}
		const page = await call(server, null, 'GET', `!/policies/${ids.kenOld}`);
		assert.match(page.text, new RegExp(`<a href="/policies/${ids.kenStrategy}" dir="auto">Kenya cybersecurity strategy &lt;2022&gt; &amp; more</a>`));
		assert.ok(!page.text.includes(CANARY));
		const successor = await call(server, null, 'GET', `/policies/${ids.kenStrategy}`);
		assert.equal(successor.data.supersedes.id, ids.kenOld);
	});

	test('the version history is linked from the policy page and says who, when and what changed', async () => {
		const page = await call(server, null, 'GET', `!/policies/${ids.kenStrategy}`);
		assert.match(page.text, new RegExp(`href="/items/${ids.kenStrategy}/history"`));
		const history = await call(server, null, 'GET', `/items/${ids.kenStrategy}/history`);
		expectStatus(history, 200);
		const versions = history.data.versions;
		assert.ok(versions.length >= 2, 'created and edited');
		assert.equal(versions[0].note, 'supersedes the 2014 strategy');
		assert.ok(versions[0].changed_at && versions[0].changed_by, 'who and when');
		const hidden = await call(server, null, 'GET', `/items/${ids.kenRestricted}/history`);
		expectStatus(hidden, 404, 'the history of a policy the caller may not see');
	});
});
