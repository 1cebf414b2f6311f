// The shared envelope through its routes: who publishes directly, who waits
// for review and who reviews, submitting, withdrawing, access changes,
// notices, scheduled release, history and the refusals of every other
// caller (404 for what one may not see or change, 403 for the owner's
// readers, 409 for a stale version).
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

const envelope = async (who, id) => {
	const res = await call(server, who, 'GET', `/items/${id}`);
	expectStatus(res, 200, `GET /items/${id}`);
	return res.data;
};
const sees = async (who, id) => (await call(server, who, 'GET', `/policies/${id}`)).status;
const mine = async (who, query = '') => {
	const res = await call(server, who, 'GET', `/mine${query}`);
	expectStatus(res, 200, 'GET /mine');
	return res.data;
};
const queue = async (who) => {
	const res = await call(server, who, 'GET', '/review');
	expectStatus(res, 200, 'GET /review');
	return res.data.items.map((i) => i.id);
};
const act = (who, id, action, form) => call(server, who, 'POST', `/items/${id}/${action}`, { json: form });
const review = (who, id, action, form) => call(server, who, 'POST', `/review/${id}/${action}`, { json: form });

describe('a member state publishes directly', () => {
	test('an editor creates a public policy: 201, published, everyone reads it', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya public strategy', { visibility: 'public' }));
		assert.equal(p.item.status, 'published');
		assert.equal(p.item.visibility, 'public');
		assert.equal(p.item.version, 1);
		assert.equal(p.item.owner.id, cast.orgs.kenya);
		assert.equal(p.item.created_by.name !== undefined, true);
		for (const who of [null, cast.stkEditor, cast.fraEditor, cast.pseEditor, cast.secReader]) {
			assert.equal(await sees(who, p.id), 200);
		}
		const env = await envelope(null, p.id);
		assert.equal(env.module, 'policies');
		assert.equal(env.title, 'Kenya public strategy');
		assert.deepEqual(env.languages, ['en']);
		assert.equal(env.country, 'KEN');
		// Others see the organisation behind the item, not the person.
		assert.equal(env.created_by.id, null);
		assert.equal(env.created_by.name, null);
		assert.equal(env.created_by.organisation, 'Kenya, Ministry (tests)');
		// The owner sees the person.
		const own = await envelope(cast.kenReader, p.id);
		assert.equal(typeof own.created_by.id, 'number');
		// A page for the envelope is the module's page.
		const page = await call(server, null, 'GET', `!/items/${p.id}`);
		expectStatus(page, 303, 'GET /items/{id} page');
		assert.equal(page.headers.location, `/policies/${p.id}`);
	});

	test("a state's item is restricted by default: member states and the Secretariat only", async () => {
		const p = await createPolicy(server, cast.kenAdmin, policy('Kenya restricted plan'));
		assert.equal(p.item.visibility, 'restricted');
		assert.equal(p.item.status, 'published');
		assert.equal(await sees(cast.fraEditor, p.id), 200);
		assert.equal(await sees(cast.secReader, p.id), 200);
		for (const who of [null, cast.stkEditor, cast.regEditor, cast.unEditor, cast.pseEditor]) {
			assert.equal(await sees(who, p.id), 404, `${who?.email ?? 'anonymous'}`);
			assert.equal((await call(server, who, 'GET', `/items/${p.id}`)).status, 404);
			assert.equal((await call(server, who, 'GET', `/items/${p.id}/history`)).status, 404);
		}
	});

	test("a non-state organisation's item is public by default", async () => {
		const p = await createPolicy(server, cast.stkEditor, policy('Stakeholder guide'));
		assert.equal(p.item.visibility, 'public');
		assert.equal(p.item.status, 'pending');
	});
});

describe('four eyes', () => {
	test("an editor's item waits for an admin of the same state; the editor and its readers cannot publish it", async () => {
		const p = await createPolicy(server, cast.deuEditor, policy('Germany strategy draft for review', { visibility: 'public' }));
		assert.equal(p.item.status, 'pending');
		assert.equal(p.item.approval, 'four_eyes');
		assert.equal(await sees(null, p.id), 404);
		assert.equal(await sees(cast.fraEditor, p.id), 404);
		// Not in the Secretariat's queue: it is the state's own review.
		assert.ok(!(await queue(cast.secEditor)).includes(p.id));
		assert.ok(!(await queue(cast.deuEditor)).includes(p.id));
		assert.ok((await queue(cast.deuAdmin)).includes(p.id));
		// The submitter cannot approve its own work; readers are told they may not.
		expectStatus(await review(cast.deuEditor, p.id, 'publish', { version: 1 }), 404, 'editor publishes own');
		expectStatus(await review(cast.deuReader, p.id, 'publish', { version: 1 }), 403, 'reader publishes');
		expectStatus(await review(cast.secAdmin, p.id, 'publish', { version: 1 }), 404, 'Secretariat publishes a four-eyes item');
		expectStatus(await review(cast.fraEditor, p.id, 'publish', { version: 1 }), 404, 'another state');
		expectStatus(await review(cast.deuAdmin, p.id, 'publish', { version: 7 }), 409, 'stale version');
		const res = await review(cast.deuAdmin, p.id, 'publish', { version: 1 });
		expectStatus(res, 200, 'admin publishes');
		assert.equal(res.data.status, 'published');
		assert.equal(res.data.reviewed_by.organisation, 'Germany, Ministry (tests)');
		assert.equal(await sees(null, p.id), 200);
		// A second decision on a published item is a conflict for the reviewer.
		expectStatus(await review(cast.deuAdmin, p.id, 'publish', { version: 2 }), 409, 'publish twice');
	});

	test("an admin of a four-eyes state publishes its own items directly", async () => {
		const p = await createPolicy(server, cast.deuAdmin, policy('Germany admin law', { kind: 'law_regulation' }));
		assert.equal(p.item.status, 'published');
	});
});

describe('review by the Secretariat', () => {
	test('a stakeholder submission: rejected with a reason the submitter reads in /mine, then resubmitted and published', async () => {
		const p = await createPolicy(server, cast.stkEditor, policy('Stakeholder framework', { kind: 'other' }));
		assert.equal(p.item.status, 'pending');
		assert.equal(p.item.approval, 'secretariat');
		assert.equal(await sees(null, p.id), 404);
		assert.equal(await sees(cast.secReader, p.id), 200);
		assert.ok((await queue(cast.secEditor)).includes(p.id));
		assert.ok((await queue(cast.secAdmin)).includes(p.id));
		assert.deepEqual(await queue(cast.secReader), []);
		assert.deepEqual(await queue(cast.stkAdmin), []);
		assert.deepEqual(await queue(cast.kenAdmin), []);

		expectInvalid(await review(cast.secEditor, p.id, 'reject', { version: 1 }), 'reason', 'no reason');
		expectInvalid(await review(cast.secEditor, p.id, 'reject', { version: 1, reason: '   ' }), 'reason', 'blank reason');
		expectInvalid(await review(cast.secEditor, p.id, 'reject', { version: 1, reason: 'x'.repeat(2001) }), 'reason', 'long reason');
		expectInvalid(await review(cast.secEditor, p.id, 'reject', { reason: 'why' }), 'version', 'no version');
		expectInvalid(await review(cast.secEditor, p.id, 'reject', { version: 1, reason: 'why', status: 'published' }), 'status', 'unknown member');
		expectStatus(await review(cast.secReader, p.id, 'reject', { version: 1, reason: 'why' }), 404, 'Secretariat reader');
		expectStatus(await review(cast.stkAdmin, p.id, 'publish', { version: 1 }), 404, 'the owner approving itself');
		expectStatus(await review(cast.fraEditor, p.id, 'reject', { version: 1, reason: 'why' }), 404, 'a state');

		const reason = 'Please add the official source and the date of adoption.';
		const rejected = await review(cast.secEditor, p.id, 'reject', { version: 1, reason });
		expectStatus(rejected, 200, 'reject');
		// The Secretariat no longer sees another organisation's draft.
		assert.equal(rejected.data.visible, false);
		assert.equal(await sees(cast.secEditor, p.id), 404);

		const mineNow = await mine(cast.stkEditor);
		const row = mineNow.items.find((i) => i.id === p.id);
		assert.ok(row, 'the submission is in /mine');
		assert.equal(row.status, 'draft');
		assert.equal(row.review_note, reason);
		assert.equal(row.returned, true);
		const env = await envelope(cast.stkEditor, p.id);
		assert.equal(env.review_note, reason);
		assert.equal(env.reviewed_by.organisation, 'UN Secretariat (tests)');

		// A rejected item is published only after it is submitted again.
		expectStatus(await review(cast.secEditor, p.id, 'publish', { version: 2 }), 404, 'publish a returned draft');
		expectStatus(await act(cast.stkEditor, p.id, 'submit', { version: 1 }), 409, 'submit stale');
		const submitted = await act(cast.stkEditor, p.id, 'submit', { version: 2 });
		expectStatus(submitted, 200, 'submit');
		assert.equal(submitted.data.status, 'pending');
		expectStatus(await review(cast.secAdmin, p.id, 'publish', { version: 3 }), 200, 'publish');
		assert.equal(await sees(null, p.id), 200);
		const published = await mine(cast.stkEditor, '?status=published');
		assert.ok(published.items.some((i) => i.id === p.id));
		assert.ok(published.items.every((i) => i.status === 'published'));
	});

	test("a regional organisation's framework goes through the same review", async () => {
		const p = await createPolicy(server, cast.regEditor, policy('Regional framework', { kind: 'regional_framework', country: null }));
		assert.equal(p.item.status, 'pending');
		assert.equal(p.item.country, null);
		const res = await review(cast.secAdmin, p.id, 'publish', { version: 1 });
		expectStatus(res, 200, 'publish');
		assert.equal(res.data.status, 'published');
		assert.equal(await sees(cast.stkEditor, p.id), 200);
	});

	test("an edit of a stakeholder's published item returns it to review", async () => {
		const p = await createPolicy(server, cast.unEditor, policy('UN body guideline', { kind: 'policy_guideline' }));
		expectStatus(await review(cast.secEditor, p.id, 'publish', { version: 1 }), 200, 'publish');
		const edited = await call(server, cast.unEditor, 'POST', `/policies/${p.id}`, { json: { version: 2, title: 'UN body guideline, revised' } });
		expectStatus(edited, 200, 'edit');
		assert.equal(edited.data.item.status, 'pending');
		assert.equal(await sees(null, p.id), 404, 'nothing unreviewed is public');
	});

	test('the Secretariat uploads on behalf of an organisation: uploaded_by is shown', async () => {
		const p = await createPolicy(server, cast.secAdmin, policy('Uploaded for the stakeholder', { acting_for_org: cast.orgs.stakeholder }));
		assert.equal(p.item.owner.id, cast.orgs.stakeholder);
		assert.equal(p.item.status, 'pending');
		assert.equal(p.item.uploaded_by.organisation, 'UN Secretariat (tests)');
		assert.equal(typeof p.item.uploaded_by.id, 'number', 'the uploader, for the Secretariat');
		const own = await envelope(cast.stkEditor, p.id);
		assert.equal(own.uploaded_by.organisation, 'UN Secretariat (tests)');
		assert.ok((await mine(cast.stkEditor)).items.some((i) => i.id === p.id));
		// The uploader cannot approve its own upload; another Secretariat person can.
		expectStatus(await review(cast.secAdmin, p.id, 'publish', { version: 1 }), 404, 'uploader approves');
		expectStatus(await review(cast.secEditor, p.id, 'publish', { version: 1 }), 200, 'another reviewer');
		const seen = await envelope(null, p.id);
		assert.equal(seen.uploaded_by.organisation, 'UN Secretariat (tests)');
		assert.equal(seen.uploaded_by.id, null, 'others see the organisation only');
		// For a state, uploaded items publish directly, like the state's own.
		const forState = await createPolicy(server, cast.secAdmin, policy('Uploaded for Kenya', { acting_for_org: cast.orgs.kenya }));
		assert.equal(forState.item.status, 'published');
		assert.equal(forState.item.country, 'KEN', "the owner's state by default");
	});

	test('uploading for others: Secretariat admins only, and never as a draft', async () => {
		const res1 = await call(server, cast.secEditor, 'POST', '/policies', { json: policy('x', { acting_for_org: cast.orgs.kenya }) });
		expectInvalid(res1, 'acting_for_org', 'Secretariat editor');
		const res2 = await call(server, cast.kenEditor, 'POST', '/policies', { json: policy('x', { acting_for_org: cast.orgs.france }) });
		expectInvalid(res2, 'acting_for_org', 'a state for another');
		const res3 = await call(server, cast.secAdmin, 'POST', '/policies', { json: policy('x', { acting_for_org: cast.orgs.kenya, draft: true }) });
		expectInvalid(res3, 'draft', 'on behalf as a draft');
		const res4 = await call(server, cast.secAdmin, 'POST', '/policies', { json: policy('x', { acting_for_org: 999999 }) });
		expectInvalid(res4, 'acting_for_org', 'no such organisation');
	});
});

describe('drafts, submit and withdraw', () => {
	test('a draft is seen by its organisation only, and published by submitting it', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya draft', { draft: true, visibility: 'public' }));
		assert.equal(p.item.status, 'draft');
		assert.equal(p.item.can.submit, true);
		assert.equal(await sees(cast.kenReader, p.id), 200);
		for (const who of [null, cast.secAdmin, cast.fraEditor, cast.stkEditor]) assert.equal(await sees(who, p.id), 404);
		// Others' writes answer like a missing item; the owner's reader is told it may not.
		expectStatus(await act(cast.fraEditor, p.id, 'submit', { version: 1 }), 404, 'other state submits');
		expectStatus(await act(cast.secAdmin, p.id, 'submit', { version: 1 }), 404, 'Secretariat submits a draft');
		expectStatus(await act(cast.kenReader, p.id, 'submit', { version: 1 }), 403, 'reader submits');
		expectInvalid(await act(cast.kenEditor, p.id, 'submit', {}), 'version', 'no version');
		expectInvalid(await act(cast.kenEditor, p.id, 'submit', { version: 'one' }), 'version', 'bad version');
		expectStatus(await act(cast.kenEditor, p.id, 'submit', { version: 2 }), 409, 'stale');
		const res = await act(cast.kenEditor, p.id, 'submit', { version: 1 });
		expectStatus(res, 200, 'submit');
		assert.equal(res.data.status, 'published');
		assert.equal(await sees(null, p.id), 200);
		expectStatus(await act(cast.kenEditor, p.id, 'submit', { version: 2 }), 409, 'submit a published item');
	});

	test('withdrawing keeps the item for its owner and the Secretariat; nobody edits it afterwards', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya to withdraw', { visibility: 'public' }));
		expectStatus(await act(cast.fraEditor, p.id, 'withdraw', { version: 1 }), 404, 'other state');
		// Whatever the body: another organisation learns nothing from its errors (SECURITY.md Z4).
		expectStatus(await act(cast.fraEditor, p.id, 'withdraw', {}), 404, 'other state, no version');
		expectStatus(await act(cast.fraEditor, p.id, 'submit', { version: 'x' }), 404, 'other state submits garbage');
		expectStatus(await act(cast.fraEditor, p.id, 'access', { visibility: 'bogus' }), 404, 'other state, bad access');
		expectStatus(await review(cast.fraEditor, p.id, 'reject', {}), 404, 'other state reviews garbage');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/policies/${p.id}`, { json: { title: '' } }), 404, 'other state edits garbage');
		expectStatus(await act(cast.kenEditor, p.id, 'submit', { version: 1 }), 409, 'the owner submits a published item');
		expectStatus(await act(cast.stkEditor, p.id, 'withdraw', { version: 1 }), 404, 'stakeholder');
		expectStatus(await act(null, p.id, 'withdraw', { version: 1 }), 401, 'anonymous');
		expectStatus(await act(cast.kenReader, p.id, 'withdraw', { version: 1 }), 403, 'reader');
		expectStatus(await act(cast.kenEditor, p.id, 'withdraw', { version: 5 }), 409, 'stale');
		const res = await act(cast.kenEditor, p.id, 'withdraw', { version: 1 });
		expectStatus(res, 200, 'withdraw');
		assert.equal(res.data.status, 'withdrawn');
		assert.ok(res.data.withdrawn_at);
		assert.equal(await sees(null, p.id), 404);
		assert.equal(await sees(cast.fraEditor, p.id), 404);
		assert.equal(await sees(cast.kenReader, p.id), 200);
		assert.equal(await sees(cast.secReader, p.id), 200);
		expectStatus(await act(cast.kenEditor, p.id, 'withdraw', { version: 2 }), 409, 'withdraw twice');
		const edit = await call(server, cast.kenEditor, 'POST', `/policies/${p.id}`, { json: { version: 2, title: 'Back' } });
		expectStatus(edit, 404, 'edit a withdrawn item');
		const list = await call(server, null, 'GET', '/policies?per_page=100');
		assert.ok(!list.data.items.some((i) => i.id === p.id));
		assert.ok((await mine(cast.kenEditor, '?status=withdrawn')).items.some((i) => i.id === p.id));
	});

	test('the Secretariat withdraws what it can see, but never edits a state item as an editor', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya withdrawn by the Secretariat', { visibility: 'public' }));
		expectStatus(await call(server, cast.secEditor, 'POST', `/policies/${p.id}`, { json: { version: 1, title: 'No' } }), 404, 'Secretariat editor edits');
		expectStatus(await act(cast.secEditor, p.id, 'withdraw', { version: 1 }), 200, 'Secretariat editor withdraws');
	});
});

describe('edits and history', () => {
	test('every edit of a published item is a new version; the history keeps the old ones', async () => {
		const p = await createPolicy(server, cast.kenAdmin, policy('Kenya strategy 2020', { visibility: 'public' }));
		const e1 = await call(server, cast.kenAdmin, 'POST', `/policies/${p.id}`, { json: { version: 1, title: 'Kenya strategy 2022', note: 'New edition' } });
		expectStatus(e1, 200, 'edit');
		assert.equal(e1.data.item.version, 2);
		assert.equal(e1.data.item.status, 'published');
		expectStatus(await call(server, cast.kenAdmin, 'POST', `/policies/${p.id}`, { json: { version: 1, title: 'Lost update' } }), 409, 'stale edit');
		expectStatus(await call(server, cast.fraEditor, 'POST', `/policies/${p.id}`, { json: { version: 2, title: 'Hijack' } }), 404, 'other state edits');
		expectStatus(await call(server, cast.kenReader, 'POST', `/policies/${p.id}`, { json: { version: 2, title: 'Reader' } }), 403, 'reader edits');
		expectStatus(await call(server, cast.stkEditor, 'POST', `/policies/${p.id}`, { json: { version: 2, title: 'x' } }), 404, 'stakeholder edits');
		const history = await call(server, null, 'GET', `/items/${p.id}/history`);
		expectStatus(history, 200, 'history');
		assert.deepEqual(history.data.versions.map((v) => v.version), [2, 1]);
		assert.equal(history.data.versions[0].snapshot.envelope.title, 'Kenya strategy 2022');
		assert.equal(history.data.versions[0].note, 'New edition');
		assert.equal(history.data.versions[1].snapshot.envelope.title, 'Kenya strategy 2020');
		assert.equal(history.data.versions[1].snapshot.content.texts[0].title, 'Kenya strategy 2020');
		assert.equal(history.data.versions[0].snapshot.content.kind, 'national_strategy');
		const page = await call(server, null, 'GET', `!/items/${p.id}/history`);
		expectStatus(page, 200, 'history page');
		assert.match(page.text, /Kenya strategy 2020/);
		const current = await call(server, null, 'GET', `/policies/${p.id}`);
		assert.equal(current.data.text.title, 'Kenya strategy 2022');
	});

	test('a draft keeps no history', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Secret draft text', { draft: true }));
		expectStatus(await call(server, cast.kenEditor, 'POST', `/policies/${p.id}`, { json: { version: 1, title: 'Still a draft' } }), 200, 'edit draft');
		const history = await call(server, cast.kenEditor, 'GET', `/items/${p.id}/history`);
		assert.deepEqual(history.data.versions, []);
	});
});

describe('who may read it: visibility, sharing, notices, scheduled release', () => {
	test('named: the organisations on the list, the owner and the Secretariat', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya shared with France', { visibility: 'named', shares: [cast.orgs.france] }));
		assert.equal(p.item.visibility, 'named');
		assert.deepEqual(p.item.shares.map((s) => s.id), [cast.orgs.france]);
		assert.equal(await sees(cast.fraEditor, p.id), 200);
		assert.equal(await sees(cast.secReader, p.id), 200);
		for (const who of [null, cast.deuEditor, cast.stkEditor, cast.pseEditor]) assert.equal(await sees(who, p.id), 404);
		// The sharing list is the insiders' business.
		assert.equal((await envelope(cast.fraEditor, p.id)).shares, null);
		const widened = await act(cast.kenEditor, p.id, 'access', { version: 1, visibility: 'named', shares: [cast.orgs.france, cast.orgs.stakeholder] });
		expectStatus(widened, 200, 'add an organisation');
		assert.equal(await sees(cast.stkEditor, p.id), 200);
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, visibility: 'named', shares: [] }), 'shares', 'named without shares');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, visibility: 'named', shares: [987654] }), 'shares', 'no such organisation');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, visibility: 'public', shares: [cast.orgs.france] }), 'shares', 'public with shares');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, visibility: 'everyone' }), 'visibility', 'unknown visibility');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2 }), 'visibility', 'nothing to change');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, owner: 1 }), 'owner', 'mass assignment');
		expectStatus(await act(cast.fraEditor, p.id, 'access', { version: 2, visibility: 'public' }), 404, 'a reader organisation changes access');
		expectStatus(await act(cast.kenReader, p.id, 'access', { version: 2, visibility: 'public' }), 403, "the owner's reader");
		expectStatus(await act(cast.kenEditor, p.id, 'access', { version: 1, visibility: 'public' }), 409, 'stale');
		const open = await act(cast.kenEditor, p.id, 'access', { version: 2, visibility: 'public' });
		expectStatus(open, 200, 'make public');
		assert.equal(open.data.visibility, 'public');
		assert.equal(await sees(null, p.id), 200);
	});

	test('a public notice stands in for a restricted item: in the list for anonymous, while the item is 404', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya restricted CERT arrangements canaryrestricted', {
			visibility: 'restricted',
			notice_title: 'Kenya CERT arrangements notice',
			notice_summary: 'Member states may read how the national CERT coordinates.',
		}));
		assert.equal(await sees(null, p.id), 404);
		const list = await call(server, null, 'GET', '/policies');
		expectStatus(list, 200, 'list');
		const notice = list.data.notices.find((n) => n.title === 'Kenya CERT arrangements notice');
		assert.ok(notice, 'the notice is listed');
		assert.deepEqual(Object.keys(notice).sort(), ['module', 'notice', 'summary', 'title']);
		assert.equal(notice.notice, true);
		assert.ok(!list.text.includes('canaryrestricted'));
		assert.ok(!list.data.items.some((i) => i.id === p.id));
		// Member states read the item itself, and are not shown its notice.
		const forState = await call(server, cast.fraEditor, 'GET', '/policies');
		assert.ok(forState.data.items.some((i) => i.id === p.id));
		assert.ok(!forState.data.notices.some((n) => n.title === 'Kenya CERT arrangements notice'));
		const page = await call(server, null, 'GET', '!/policies');
		assert.match(page.text, /Kenya CERT arrangements notice/);
		// Removing the notice.
		const cleared = await act(cast.kenEditor, p.id, 'access', { version: 1, clear_notice: true });
		expectStatus(cleared, 200, 'clear notice');
		assert.equal(cleared.data.notice, null);
		const after = await call(server, null, 'GET', '/policies');
		assert.ok(!after.data.notices.some((n) => n.title === 'Kenya CERT arrangements notice'));
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, notice_summary: 'Summary alone' }), 'notice_summary', 'summary without title');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, notice_title: 'x'.repeat(301) }), 'notice_title', 'long notice title');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 2, notice_title: 'a', clear_notice: true }), 'clear_notice', 'both');
	});

	test('a scheduled release makes a restricted item public when it is due', async () => {
		const p = await createPolicy(server, cast.kenEditor, policy('Kenya strategy under embargo', { visibility: 'restricted' }));
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 1, release_at: '2001-01-01' }), 'release_at', 'a past date');
		expectInvalid(await act(cast.kenEditor, p.id, 'access', { version: 1, release_at: 'tomorrow' }), 'release_at', 'not a date');
		const set = await act(cast.kenEditor, p.id, 'access', { version: 1, release_at: '2099-06-01T09:30' });
		expectStatus(set, 200, 'schedule');
		assert.equal(set.data.release_at, '2099-06-01T09:30:00Z');
		assert.equal(await sees(null, p.id), 404);
		// The time comes: move it into the past, and the job that was queued for it too.
		await server.db.sql(`UPDATE items SET release_at = '2001-01-01T00:00:00Z' WHERE id = ${p.id}`);
		await server.db.sql("UPDATE jobs SET run_at = 0 WHERE kind = 'items.release' AND status = 'queued'");
		let status = 404;
		for (let i = 0; i < 100 && status !== 200; i++) {
			await new Promise((r) => setTimeout(r, 100));
			status = await sees(null, p.id);
		}
		assert.equal(status, 200, 'public after the release job ran');
		const env = await envelope(null, p.id);
		assert.equal(env.visibility, 'public');
		assert.equal(env.release_at, null);
		// And searchable by anyone.
		const search = await call(server, null, 'GET', '/search?q=embargo');
		assert.ok(search.data.hits.some((h) => h.item_id === p.id));
	});
});

describe('our items and the review queue', () => {
	test('/mine lists the organisation\'s items of every status, with filters and pages', async () => {
		const all = await mine(cast.kenEditor, '?per_page=100');
		assert.ok(all.count >= 5);
		assert.ok(all.items.every((i) => typeof i.title === 'string' && i.module === 'policies'));
		const statuses = new Set(all.items.map((i) => i.status));
		for (const s of ['published', 'withdrawn']) assert.ok(statuses.has(s), s);
		const drafts = await mine(cast.kenEditor, '?status=draft');
		assert.ok(drafts.items.every((i) => i.status === 'draft'));
		const page1 = await mine(cast.kenEditor, '?per_page=2');
		assert.equal(page1.items.length, 2);
		assert.ok(page1.pages.next_href.includes('page=2'));
		const page2 = await mine(cast.kenEditor, '?per_page=2&page=2');
		assert.notDeepEqual(page2.items.map((i) => i.id), page1.items.map((i) => i.id));
		const none = await mine(cast.kenEditor, '?module=contacts');
		assert.equal(none.count, 0);
		// Another organisation's items never appear.
		const fra = await mine(cast.fraEditor);
		assert.ok(fra.items.every((i) => !all.items.some((k) => k.id === i.id)));
		expectStatus(await call(server, null, 'GET', '/mine'), 401, 'anonymous');
		expectStatus(await call(server, null, 'GET', '/review'), 401, 'anonymous');
		const redirect = await call(server, null, 'GET', '!/mine');
		expectStatus(redirect, 303, 'anonymous page');
		assert.match(redirect.headers.location, /^\/login\?next=/);
	});

	test('the pages render for signed-in people', async () => {
		for (const path of ['!/mine', '!/review', '!/mine?status=draft']) {
			const res = await call(server, cast.secEditor, 'GET', path);
			expectStatus(res, 200, path);
			assert.match(res.headers['content-type'], /^text\/html/);
		}
	});
});
