// The visibility matrix (SECURITY.md Z1, Z2) through the channels of issue 4's last
// pages: the Atom feed, the JSON export, the comparison of states (its lists and every
// count), the country profile (by kind and timeline), a regional organisation's public
// profile and what supersedes a policy. Policies that are public, restricted, named,
// draft and pending, each with a canary in its title, against every kind of principal:
// what the oracle of lib/access-oracle.mjs says a principal may not see appears in none
// of them and changes no count; what it may see appears in each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { canSee } from './lib/access-oracle.mjs';
import { call, createPolicy, expectStatus, makeCast } from './lib/items-fixture.mjs';
import { request } from './lib/http.mjs';
import { ENGINE, startServer } from './lib/server.mjs';

let server;
let cast;
let principals;
let baseId;
const items = [];

before(async () => {
	server = await startServer();
	cast = await makeCast(server);
	const o = cast.orgs;
	const kinds = { [o.secretariat]: 'secretariat', [o.kenya]: 'member_state', [o.france]: 'member_state', [o.germany]: 'member_state',
		[o.palestine]: 'observer_state', [o.stakeholder]: 'stakeholder', [o.regional]: 'regional_org', [o.unbody]: 'un_body' };
	const p = (key, who, org, role) => ({ key, who, org, kind: org === null ? null : kinds[org], role });
	principals = [
		p('anonymous', null, null, null),
		p('stakeholder', cast.stkEditor, o.stakeholder, 'editor'),
		p('regional', cast.regEditor, o.regional, 'editor'),
		p('unbody', cast.unEditor, o.unbody, 'editor'),
		p('kenReader', cast.kenReader, o.kenya, 'reader'),
		p('fraEditor', cast.fraEditor, o.france, 'editor'),
		p('deuReader', cast.deuReader, o.germany, 'reader'),
		p('observer', cast.pseEditor, o.palestine, 'editor'),
		p('secReader', cast.secReader, o.secretariat, 'reader'),
	];
	baseId = (await createPolicy(server, cast.fraEditor, { title: 'French base strategy', kind: 'national_strategy', lang: 'en',
		summary: 'Base.', visibility: 'public', adopted: '2010-01-01' })).id;
	let n = 0;
	const make = async (who, ownerOrg, extra, record) => {
		const title = `CANARY-${record.label}-${ENGINE}-${++n}`;
		const body = { title, lang: 'en', kind: 'national_strategy', summary: `Summary ${title}.`, adopted: `20${10 + n}-03-04`,
			topics: ['incident_response'], supersedes: baseId, ...extra };
		const res = await createPolicy(server, who, body, title);
		items.push({ id: res.id, title, owner: ownerOrg, ownerKind: kinds[ownerOrg], shares: [], ...record });
	};
	await make(cast.kenEditor, o.kenya, { visibility: 'public' }, { label: 'public', visibility: 'public', status: 'published' });
	await make(cast.kenEditor, o.kenya, { visibility: 'restricted' }, { label: 'restricted', visibility: 'restricted', status: 'published' });
	await make(cast.kenEditor, o.kenya, { visibility: 'named', shares: [o.stakeholder] },
		{ label: 'named', visibility: 'named', status: 'published', shares: [o.stakeholder] });
	await make(cast.kenEditor, o.kenya, { visibility: 'public', draft: true }, { label: 'draft', visibility: 'public', status: 'draft' });
	await make(cast.regEditor, o.regional, { visibility: 'public', kind: 'regional_framework', country: '' },
		{ label: 'pending', visibility: 'public', status: 'pending', regional: true });
	await make(cast.regEditor, o.regional, { visibility: 'public', kind: 'regional_framework', country: '', draft: true },
		{ label: 'regdraft', visibility: 'public', status: 'draft', regional: true });
});
after(async () => {
	await server?.stop();
});

const kenItems = () => items.filter((it) => !it.regional);
const regItems = () => items.filter((it) => it.regional);

describe('pages: who sees what, through every channel', () => {
	test('feed, export, comparison, country and organisation profiles, superseded-by', async () => {
		let cells = 0;
		for (const p of principals) {
			const headers = p.who ? p.who.headers : {};
			const atom = (await request(server, '/policies.atom?country=KEN', { headers })).text;
			const orgAtom = (await request(server, `/policies.atom?org=${cast.orgs.regional}`, { headers })).text;
			const json = (await request(server, '/policies.json?topic=incident_response', { headers })).text;
			const compare = await call(server, p.who, 'GET', '/compare?c=KEN');
			expectStatus(compare, 200, `${p.key} compare`);
			const comparePage = (await call(server, p.who, 'GET', '!/compare?c=KEN')).text;
			const profile = await call(server, p.who, 'GET', '/countries/KEN');
			const profilePage = (await call(server, p.who, 'GET', '!/countries/KEN')).text;
			const org = await call(server, p.who, 'GET', `/intergovernmental/${cast.orgs.regional}`);
			expectStatus(org, 200, `${p.key} organisation`);
			const orgPage = (await call(server, p.who, 'GET', `!/intergovernmental/${cast.orgs.regional}`)).text;
			const base = await call(server, p.who, 'GET', `/policies/${baseId}`);
			const successors = base.data.superseded_by.map((s) => s.id);
			const section = profile.data.sections.find((s) => s.module === 'policies');
			const orgSection = org.data.sections.find((s) => s.module === 'policies');
			const channels = {
				atom: (it) => (it.regional ? orgAtom : atom).includes(it.title),
				json: (it) => json.includes(it.title),
				compare: (it) => it.regional || JSON.stringify(compare.data).includes(it.title),
				comparePage: (it) => it.regional || comparePage.includes(it.title),
				profile: (it) => it.regional || JSON.stringify(section).includes(it.title),
				profilePage: (it) => it.regional || profilePage.includes(it.title),
				org: (it) => !it.regional || JSON.stringify(orgSection).includes(it.title),
				orgPage: (it) => !it.regional || orgPage.includes(it.title),
				supersededBy: (it) => successors.includes(it.id),
			};
			for (const it of items) {
				const seen = canSee(p, it, false);
				for (const [name, found] of Object.entries(channels)) {
					const relevant = !((name.startsWith('compare') || name.startsWith('profile')) && it.regional) &&
						!(name.startsWith('org') && !it.regional);
					if (!relevant) continue;
					assert.equal(found(it), seen, `${p.key} ${name} ${it.title}: expected ${seen ? 'shown' : 'absent'}`);
					cells++;
				}
			}
			// Counts: exactly the Kenyan policies the principal sees, whatever else exists.
			const seenKen = kenItems().filter((it) => canSee(p, it, false)).length;
			const state = compare.data.states[0];
			assert.equal(state.count, seenKen, `${p.key}: compare count`);
			assert.equal(state.topics.incident_response, seenKen, `${p.key}: topic count`);
			assert.equal(state.by_kind.national_strategy.count, seenKen, `${p.key}: kind count`);
			assert.equal(Object.values(state.by_status).reduce((a, b) => a + b, 0), seenKen, `${p.key}: status counts`);
			assert.equal(section.count, seenKen, `${p.key}: profile count`);
			const timelineCount = section.timeline.reduce((a, y) => a + y.count, 0) + section.undated.length;
			assert.equal(timelineCount, seenKen, `${p.key}: timeline count`);
			assert.equal(orgSection.count, regItems().filter((it) => canSee(p, it, false)).length, `${p.key}: organisation count`);
			const exported = JSON.parse(json);
			assert.equal(exported.count, items.filter((it) => canSee(p, it, false)).length, `${p.key}: export count`);
		}
		console.log(`pages access matrix (${ENGINE}): ${principals.length} principals x ${items.length} items, ${cells} cells`);
	});
});
