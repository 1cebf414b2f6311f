// The rule of who may see and do what to an item, written again here from the
// documents (docs/ARCHITECTURE.md "Who may see what" and "Who may act on an item",
// src/auth/policy.h, src/auth/items.h), independently of src/auth/policy.c, so that
// tests/api/access-matrix.test.mjs can hold the server to it.
//
// A principal here is { key, org, kind, role, limits } (org null: an anonymous visitor;
// limits null or the modules an editor may edit);
// an item is the test's own record of what it did to it:
//   { owner (org key), ownerKind, visibility: 'public'|'restricted'|'named',
//     shares: [org keys], status: 'draft'|'pending'|'published'|'withdrawn',
//     approval: null|'secretariat'|'four_eyes', createdBy, submittedBy (principal keys
//     or null), notice: bool }

export const STATE_KINDS = new Set(['member_state', 'observer_state']);
/** Kinds whose items the Secretariat reviews, whoever acts for them. */
export const REVIEWED_KINDS = new Set(['un_body', 'regional_org', 'stakeholder']);

const writes = (p) => p.org !== null && (p.role === 'editor' || p.role === 'admin');
const owns = (p, it) => p.org !== null && p.org === it.owner;
const isSecretariat = (p) => p.kind === 'secretariat';

/** May p see the item (envelope, content, history)? */
export function canSee(p, it, observers) {
	if (p.org === null) return it.status === 'published' && it.visibility === 'public';
	// 1. its own organisation's items, whatever their status
	if (owns(p, it)) return true;
	// 2. the Secretariat: everything but another organisation's draft
	if (isSecretariat(p) && it.status !== 'draft') return true;
	// 3. published items by visibility
	if (it.status !== 'published') return false;
	switch (it.visibility) {
	case 'public': return true;
	case 'restricted': return p.kind === 'member_state' || (observers && p.kind === 'observer_state');
	case 'named': return it.shares.includes(p.org);
	default: throw new Error(`no visibility ${it.visibility}`);
	}
}

/** Edit content or access, submit: the owner's editors and admins; Secretariat admins on what the Secretariat sees. */
export function canEdit(p, it) {
	if (!writes(p) || it.status === 'withdrawn') return false;
	// An editor's module limits name the modules it may edit (none: all); admins have none.
	if (owns(p, it)) return p.role === 'admin' || !p.limits || p.limits.includes(it.module ?? 'policies');
	return isSecretariat(p) && p.role === 'admin' && it.status !== 'draft';
}

/** Withdraw: those who may edit, and the Secretariat's editors, never twice. */
export function canWithdraw(p, it) {
	if (canEdit(p, it)) return true;
	return writes(p) && isSecretariat(p) && it.status !== 'withdrawn' && it.status !== 'draft';
}

/** Publish or reject a pending item: by its approval, never its creator or last submitter. */
export function canReview(p, it) {
	if (!writes(p) || it.status !== 'pending') return false;
	if (p.key === it.createdBy || p.key === it.submittedBy) return false;
	if (it.approval === 'secretariat') return isSecretariat(p);
	if (it.approval === 'four_eyes') return owns(p, it) && p.role === 'admin';
	throw new Error(`pending item without approval: ${JSON.stringify(it)}`);
}

/** Does p see the item's public notice in its place? */
export function showsNotice(p, it, observers) {
	return it.status === 'published' && it.notice && it.visibility !== 'public' && !canSee(p, it, observers);
}

/** The review an action by p on an item of the owner's kind needs before it is public. */
export function neededReview(p, it, ownerFourEyes = false) {
	if (REVIEWED_KINDS.has(it.ownerKind)) return 'secretariat';
	if (STATE_KINDS.has(it.ownerKind) && ownerFourEyes && owns(p, it) && p.role === 'editor') return 'four_eyes';
	return null;
}

/**
 * The write operations on one item: the status each needs (null: any status the
 * permission itself allows), who may do it, and who "could act but for the status"
 * (the same permission on the item as it would be in a status the operation applies to:
 * a withdrawn item taken as published, a non-pending one as pending under either
 * approval), to whom a wrong status is a 409 rather than a 404.
 */
const live = (it) => (it.status === 'withdrawn' ? { ...it, status: 'published' } : it);
const reviewableIfPending = (p, it) => ['secretariat', 'four_eyes']
	.some((approval) => canReview(p, { ...it, status: 'pending', approval }));

export const WRITES = {
	edit: { needs: null, allowed: canEdit, couldAct: canEdit },
	access: { needs: null, allowed: canEdit, couldAct: canEdit },
	submit: { needs: (s) => s === 'draft', allowed: canEdit, couldAct: (p, it) => canEdit(p, live(it)) },
	withdraw: { needs: (s) => s !== 'withdrawn', allowed: canWithdraw, couldAct: (p, it) => canWithdraw(p, live(it)) },
	publish: { needs: (s) => s === 'pending', allowed: canReview, couldAct: reviewableIfPending },
	reject: { needs: (s) => s === 'pending', allowed: canReview, couldAct: reviewableIfPending },
};

/**
 * The HTTP status of write op by p on the item (src/modules/items/items.h, "Refusals
 * follow one rule"; ARCHITECTURE.md "Every refusal is a 404 ... a wrong status ... is a
 * 409"). Anonymous callers are refused by the route: 401. An item p may not see: 404,
 * exactly like a missing id. One it sees but may not change: 404 too, except for a
 * reader of the owner organisation, who is told 403. One p could change but for its
 * status: 409. Edit and access have no status of their own to need: a withdrawn item is
 * final, which the permission says (404).
 */
export function expectedWrite(op, p, it, observers) {
	const w = WRITES[op];
	if (!w) throw new Error(`no write ${op}`);
	if (p.org === null) return 401;
	if (!canSee(p, it, observers)) return 404;
	if (owns(p, it) && p.role === 'reader') return 403;
	if (w.needs && !w.needs(it.status)) return w.couldAct(p, it) ? 409 : 404;
	return w.allowed(p, it) ? 200 : 404;
}

/**
 * Is the access change the matrix makes (public -> restricted, anything else -> public)
 * a widening of who may read the item?
 */
export const accessTarget = (it) => (it.visibility === 'public' ? 'restricted' : 'public');
export const accessWidens = (it) => accessTarget(it) === 'public';

/** The item's status after p's permitted write op ("nothing unreviewed is ever public"). */
export function statusAfter(op, p, it, ownerFourEyes = false) {
	const review = neededReview(p, it, ownerFourEyes);
	switch (op) {
	case 'submit': return review ? 'pending' : 'published';
	case 'edit': return it.status === 'published' && review ? 'pending' : it.status;
	case 'access': return it.status === 'published' && review && accessWidens(it) ? 'pending' : it.status;
	case 'withdraw': return 'withdrawn';
	case 'publish': return 'published';
	case 'reject': return 'draft';
	default: throw new Error(`no write ${op}`);
	}
}
