// The directory's lists and exports: filters (kind, state, region, language), the JSON
// list, CSV, vCard 4.0 (parsed back by an independent parser, Debian's python3-vobject)
// and the printable page, each holding exactly what the caller may see.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { run, startServer } from './lib/server.mjs';

let server;
let cast;
const ids = {};
before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const make = async (who, body) => {
		const res = await call(server, who, 'POST', '/contacts', { json: body });
		expectStatus(res, 201, 'create');
		return res.data.id;
	};
	ids.kenTech = await make(cast.kenEditor, {
		kind: 'technical', function_title: 'KE-CIRT duty officer', person_name: 'Wanjiru, Kamau; "Jr."',
		agency: 'KE-CIRT/CC', emails: ['duty@ke-cirt.example.ke', 'backup@ke-cirt.example.ke'],
		phones: ['+254204447000'], time_zone: 'Africa/Nairobi', languages: ['en', 'sw'],
		fingerprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
		notes: 'Line one\nLine two, with a comma; and a semicolon \\ backslash. ' + 'Долгий текст '.repeat(12),
	});
	ids.kenAssist = await make(cast.kenEditor, {
		kind: 'assistance', function_title: 'Capacity building focal point', emails: ['cb@ict.example.ke'],
		languages: ['fr'], visibility: 'public',
	});
	ids.fraDiplo = await make(cast.fraEditor, {
		kind: 'diplomatic', function_title: 'Ambassadeur pour le numérique', emails: ['numerique@diplomatie.example.fr'],
		languages: ['fr', 'en'],
	});
	ids.fraDraft = await make(cast.fraEditor, {
		kind: 'technical', function_title: 'Draft CERT-FR contact', emails: ['draft@cert.example.fr'], draft: true,
	});
	ids.unAssist = await make(cast.unEditor, {
		kind: 'assistance', function_title: 'UN capacity desk', emails: ['desk@un.example.org'],
	});
});
after(async () => {
	await server?.stop();
});

const listIds = async (who, query = '') => {
	const res = expectStatus(await call(server, who, 'GET', `/contacts${query}`), 200, `list ${query}`);
	return res.data.items.map((i) => i.id).sort((a, b) => a - b);
};
const sorted = (...a) => a.sort((x, y) => x - y);

describe('the list', () => {
	test('each caller sees what the rule allows', async () => {
		assert.deepEqual(await listIds(null), [ids.kenAssist]);
		assert.deepEqual(await listIds(cast.stkEditor), [ids.kenAssist]);
		assert.deepEqual(await listIds(cast.kenReader), sorted(ids.kenTech, ids.kenAssist, ids.fraDiplo));
		assert.deepEqual(await listIds(cast.fraEditor), sorted(ids.kenTech, ids.kenAssist, ids.fraDiplo, ids.fraDraft));
		assert.deepEqual(await listIds(cast.secReader), sorted(ids.kenTech, ids.kenAssist, ids.fraDiplo, ids.unAssist));
		assert.deepEqual(await listIds(cast.pseEditor), [ids.kenAssist], 'observers do not see restricted by default');
	});

	test('filters: kind, state, region, language, organisation', async () => {
		const who = cast.secReader;
		assert.deepEqual(await listIds(who, '?kind=assistance'), sorted(ids.kenAssist, ids.unAssist));
		assert.deepEqual(await listIds(who, '?country=KEN'), sorted(ids.kenTech, ids.kenAssist));
		assert.deepEqual(await listIds(who, '?country=KEN&country=FRA&kind=diplomatic'), [ids.fraDiplo]);
		assert.deepEqual(await listIds(who, '?region=002'), sorted(ids.kenTech, ids.kenAssist), 'Africa');
		assert.deepEqual(await listIds(who, '?region=150'), [ids.fraDiplo], 'Europe');
		assert.deepEqual(await listIds(who, '?language=fr'), sorted(ids.kenAssist, ids.fraDiplo));
		assert.deepEqual(await listIds(who, '?language=sw'), [ids.kenTech]);
		assert.deepEqual(await listIds(who, `?org=${cast.orgs.unbody}`), [ids.unAssist]);
		expectStatus(await call(server, who, 'GET', '/contacts?kind=military'), 400, 'bad kind');
		expectStatus(await call(server, who, 'GET', '/contacts?language=FR'), 400, 'bad language');
		expectStatus(await call(server, who, 'GET', '/contacts?region=abc'), 400, 'bad region');
		const page = expectStatus(await call(server, who, 'GET', '!/contacts?kind=technical'), 200, 'page');
		assert.match(page.text, /href="\/contacts\.vcf\?kind=technical"/);
		assert.match(page.text, /href="\/contacts\.csv\?kind=technical"/);
	});

	test('the printable directory lists the same contacts', async () => {
		const res = expectStatus(await call(server, cast.kenReader, 'GET', '!/contacts/print?country=KEN'), 200, 'print');
		assert.match(res.text, /class="contacts-print-table"/);
		assert.match(res.text, /KE-CIRT duty officer/);
		assert.match(res.text, /Capacity building focal point/);
		assert.doesNotMatch(res.text, /Ambassadeur/);
		const anon = expectStatus(await call(server, null, 'GET', '!/contacts/print'), 200, 'print anon');
		assert.doesNotMatch(anon.text, /KE-CIRT duty officer/);
	});
});

describe('CSV', () => {
	test('the visible contacts, one row each, with every field', async () => {
		const res = expectStatus(await call(server, cast.kenReader, 'GET', '!/contacts.csv?country=KEN'), 200, 'csv');
		assert.match(res.headers['content-type'], /^text\/csv/);
		assert.match(res.headers['content-disposition'], /contacts\.csv/);
		const lines = res.text.trim().split('\r\n');
		assert.match(lines[0], /^id,kind,country,organisation,function_title,person_name,agency,position,emails,phones/);
		assert.ok(res.text.includes('duty@ke-cirt.example.ke backup@ke-cirt.example.ke'));
		assert.ok(res.text.includes('+254204447000'));
		assert.ok(res.text.includes('"Wanjiru, Kamau; ""Jr."""'));
		const anon = expectStatus(await call(server, null, 'GET', '!/contacts.csv'), 200, 'csv anon');
		assert.ok(!anon.text.includes('ke-cirt'), 'no restricted contact in the anonymous export');
		assert.ok(anon.text.includes('cb@ict.example.ke'));
	});
});

/** Parses vCards with python3-vobject; resolves with the cards as plain objects. */
async function vobjectParse(text) {
	const script = `
import sys, json, vobject
out = []
for card in vobject.readComponents(sys.stdin.read(), validate=True):
    c = {'version': card.version.value, 'fn': card.fn.value}
    for name in ['email', 'tel', 'tz', 'lang', 'key', 'note', 'title', 'org', 'categories', 'uid', 'kind', 'x-gcscp-secure-channels']:
        c[name] = [l.value for l in card.contents.get(name, [])]
    out.append(c)
print(json.dumps(out))
`;
	const r = await run('/usr/bin/python3', ['-c', script], { input: text });
	assert.equal(r.code, 0, `vobject refused the vCards: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

describe('vCard 4.0', () => {
	test('the list export parses back with python3-vobject, every field intact', async () => {
		const res = expectStatus(await call(server, cast.kenReader, 'GET', '!/contacts.vcf?country=KEN&kind=technical'), 200, 'vcf');
		assert.match(res.headers['content-type'], /^text\/vcard/);
		for (const line of res.text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `folded: ${line}`);
		const cards = await vobjectParse(res.text);
		assert.equal(cards.length, 1);
		const c = cards[0];
		assert.equal(c.version, '4.0');
		assert.equal(c.fn, 'Wanjiru, Kamau; "Jr."');
		assert.deepEqual(c.email, ['duty@ke-cirt.example.ke', 'backup@ke-cirt.example.ke']);
		assert.deepEqual(c.tel, ['tel:+254204447000']);
		assert.deepEqual(c.tz, ['Africa/Nairobi']);
		assert.deepEqual(c.lang, ['en', 'sw']);
		assert.deepEqual(c.key, ['openpgp4fpr:ABCDEF0123456789ABCDEF0123456789ABCDEF01']);
		assert.deepEqual(c.title, ['KE-CIRT duty officer']);
		assert.ok(c.note[0].startsWith('Line one\nLine two, with a comma; and a semicolon \\ backslash. Долгий текст'), c.note[0]);
		assert.ok(c.note[0].endsWith('Долгий текст '), 'a long UTF-8 note is unfolded whole');
		assert.match(c.uid[0], new RegExp(`/contacts/${ids.kenTech}$`));
	});

	test('one contact, and only what the caller may see', async () => {
		const res = expectStatus(await call(server, null, 'GET', `!/contacts/${ids.kenAssist}/vcard`), 200, 'one vcard');
		const cards = await vobjectParse(res.text);
		assert.equal(cards.length, 1);
		assert.equal(cards[0].fn, 'Capacity building focal point');
		assert.deepEqual(cards[0].kind, ['org'], 'a function without a person is an org card');
		expectStatus(await call(server, null, 'GET', `!/contacts/${ids.kenTech}/vcard`), 404, 'restricted vcard, anonymous');
		expectStatus(await call(server, cast.kenEditor, 'GET', `!/contacts/${ids.fraDraft}/vcard`), 404, 'another state\'s draft');
		const all = await vobjectParse((await call(server, null, 'GET', '!/contacts.vcf')).text);
		assert.deepEqual(all.map((c) => c.fn), ['Capacity building focal point']);
		const sec = await vobjectParse((await call(server, cast.secReader, 'GET', '!/contacts.vcf')).text);
		assert.equal(sec.length, 4);
	});
});
