// Browser helpers for the end-to-end tests (DESIGN.md "Rendering": pages work without
// JavaScript, meet WCAG 2.1 AA, and are tested in a real browser).
//
// The server side comes from the API suite's harness (tests/api/lib/server.mjs:
// startServer() runs a real `gcscp serve` on a free loopback port with a temporary
// SQLite database); this file only adds the browser: Debian's Chromium driven by
// playwright-core. No browser is ever downloaded.
//
// Environment:
//   GCSCP_BIN            the binary under test (default build/gcscp; read by the harness)
//   GCSCP_CHROMIUM       the browser (default /usr/bin/chromium)
//   GCSCP_E2E_SHOTS      where shot() writes PNG screenshots (default: a folder under
//                        the temporary directory, one per `node --test` run)
//
// Every context opened with newContext() carries a problem collector: console errors,
// uncaught page errors and Content-Security-Policy violations (from the console, which
// Chromium uses even with JavaScript disabled, and from `securitypolicyviolation` events
// when JavaScript runs). check() fails the test if anything was collected; closeContext()
// checks once more. Contexts opened with bypassCSP are not checked (nothing could be
// reported there), and this suite opens none: axe is injected with page.evaluate, which
// the page's CSP does not govern (see axe() below).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export { BIN, ROOT, startServer } from '../../api/lib/server.mjs';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.GCSCP_CHROMIUM || '/usr/bin/chromium';

// We run as root (hence --no-sandbox) on a machine that refuses outside connections:
// the other flags stop Chromium from trying to reach Google's services at all.
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--no-first-run',
	'--disable-sync',
	'--disable-quic',
];

/** The six UN official languages, in the portal's order; Arabic is right-to-left. */
export const LANGS = ['ar', 'zh', 'en', 'fr', 'ru', 'es'];
export const dirOf = (lang) => (lang === 'ar' ? 'rtl' : 'ltr');

// --- browser ------------------------------------------------------------------

// Every launch, until closeBrowser() has closed it. A file that starts its server and its
// browser together (`[server, browser] = await Promise.all([startServer(), launchBrowser()])`)
// never receives the browser when the server fails to start; an open browser keeps the
// file's process, and so the whole run, alive for ever. closeBrowser() closes those too.
const launches = new Set();

export function launchBrowser() {
	const launch = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	launches.add(launch);
	launch.catch(() => launches.delete(launch));
	return launch;
}

/** Closes browser (may be undefined) and any other browser this file launched and did not close. */
export async function closeBrowser(browser) {
	try {
		if (browser) await browser.close();
	} finally {
		for (const launch of [...launches]) {
			launches.delete(launch);
			const other = await launch.catch(() => null);
			if (other?.isConnected()) await other.close();
		}
	}
}

// --- screenshots --------------------------------------------------------------

// One folder per run. `node --test` runs each file in a child process of its own
// (NODE_TEST_CONTEXT is set there), so the runner's pid, our parent's, names the run and
// every file of it writes to the same folder; a file run on its own gets its own folder.
const RUN_ID = process.env.NODE_TEST_CONTEXT ? process.ppid : process.pid;
export const SHOTS_DIR = path.resolve(process.env.GCSCP_E2E_SHOTS || path.join(tmpdir(), `gcscp-e2e-shots-${RUN_ID}`));

// Print the folder once per run: the first file to create the run's marker says it.
mkdirSync(SHOTS_DIR, { recursive: true });
try {
	writeFileSync(path.join(SHOTS_DIR, `.run-${RUN_ID}`), `${new Date().toISOString()}\n`, { flag: 'wx' });
	process.stderr.write(`e2e screenshots: ${SHOTS_DIR}\n`);
} catch (e) {
	if (e.code !== 'EEXIST') throw e;
}

/**
 * Writes a PNG of page as SHOTS_DIR/<name>.png and resolves with its path: the whole
 * page, down to maxHeight CSS pixels (the full list of 195 states is over 8,000 px tall,
 * and encoding that costs seconds for nothing a reviewer would read).
 */
export async function shot(page, name, { maxHeight = 2400 } = {}) {
	const file = path.join(SHOTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
	const { width, height } = await page.evaluate(() => ({
		width: document.documentElement.clientWidth,
		height: document.documentElement.scrollHeight,
	}));
	await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, maxHeight) } });
	return file;
}

// --- the problem collector ------------------------------------------------------

/**
 * A browser context with a problem collector. options are Playwright's context options
 * (javaScriptEnabled, viewport, ...). The context gets:
 *   context.problems      what was collected, as strings
 *   context.check(what)   fails if anything was collected (then forgets it)
 * A document that answers with an error status makes Chromium log "Failed to load
 * resource" for it; for the page's own document (a main-frame navigation) that line is
 * not a problem: the test asserts the status it expects (see visit() and navigateBy()).
 * The same line for anything else the page loads is.
 */
export async function newContext(browser, options = {}) {
	const context = await browser.newContext(options);
	const problems = [];
	const errorDocuments = new Set();
	const armed = !options.bypassCSP;
	const record = (kind, text, url) => {
		problems.push(`${kind}: ${text}${url ? ` (at ${url})` : ''}`);
	};

	if (options.javaScriptEnabled !== false) {
		// The page's own script cannot report to us, so Playwright's binding (a CDP
		// binding, outside the page's CSP) carries securitypolicyviolation events out;
		// the init script that registers the listener is injected the same way.
		await context.exposeBinding('__gcscpReportViolation', (_source, v) => {
			record('CSP violation', `${v.effectiveDirective} blocked ${v.blockedURI || '(inline)'}${v.sample ? ` sample=${JSON.stringify(v.sample)}` : ''}`, v.documentURI);
		});
		await context.addInitScript(() => {
			document.addEventListener('securitypolicyviolation', (e) => {
				window.__gcscpReportViolation({
					effectiveDirective: e.effectiveDirective,
					blockedURI: e.blockedURI,
					sample: e.sample,
					documentURI: e.documentURI,
				});
			});
		});
	}

	context.on('page', (page) => {
		page.on('response', (res) => {
			if (res.status() >= 400 && res.request().isNavigationRequest() && res.frame() === page.mainFrame()) {
				errorDocuments.add(res.url());
			}
		});
		page.on('console', (msg) => {
			if (msg.type() !== 'error') return;
			const text = msg.text();
			const url = msg.location()?.url;
			if (/^Failed to load resource: the server responded with a status of [45]\d\d\b/.test(text) && errorDocuments.has(url)) return;
			record('console error', text, url);
		});
		page.on('pageerror', (err) => record('uncaught exception', err.message, page.url()));
		page.on('crash', () => record('page crash', 'the renderer crashed', page.url()));
	});

	context.problems = problems;
	context.check = (what = '') => {
		if (!armed || problems.length === 0) return;
		const found = problems.splice(0);
		assert.fail(`${what ? `${what}: ` : ''}${found.length} browser problem(s):\n  ${found.join('\n  ')}`);
	};
	return context;
}

/** Checks the context's collector a last time, then closes it. */
export async function closeContext(context, what = 'at close') {
	if (!context) return;
	try {
		context.check(what);
	} finally {
		await context.close();
	}
}

// --- navigation -----------------------------------------------------------------

/**
 * Loads url in page and waits for the load event. Asserts the document's status
 * (status: a number or an array of numbers; 200 by default) and resolves with the
 * response.
 */
export async function visit(page, url, { status = 200 } = {}) {
	const allowed = [status].flat();
	const res = await page.goto(url, { waitUntil: 'load' });
	assert.ok(res, `no response for ${url}`);
	assert.ok(allowed.includes(res.status()), `GET ${url} answered ${res.status()}, expected ${allowed.join(' or ')}`);
	return res;
}

/**
 * Runs action (a click or a key press that submits a form or follows a link) and waits
 * until the new main-frame document has loaded. Resolves with its response.
 * Waiting for the next 'load' event, armed before the action, cannot be satisfied by
 * the document being left (its load event has already fired), so no sleep is needed.
 */
export async function navigateBy(page, action, { status = 200 } = {}) {
	const allowed = [status].flat();
	const response = page.waitForResponse((r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame());
	const loaded = page.waitForEvent('load');
	await action();
	const res = await response;
	await loaded;
	assert.ok(allowed.includes(res.status()), `${res.url()} answered ${res.status()}, expected ${allowed.join(' or ')}`);
	return res;
}

// --- page facts -------------------------------------------------------------------

/** lang and dir of <html>, the number of <h1>, and the title. */
export function pageFacts(page) {
	return page.evaluate(() => ({
		lang: document.documentElement.getAttribute('lang'),
		dir: document.documentElement.getAttribute('dir'),
		h1: document.querySelectorAll('h1').length,
		h1Text: document.querySelector('h1')?.textContent.trim() ?? null,
		title: document.title,
	}));
}

/** Asserts <html lang dir> for lang and exactly one <h1>. */
export async function assertPageBasics(page, lang, what = page.url()) {
	const f = await pageFacts(page);
	assert.equal(f.lang, lang, `${what}: <html lang>`);
	assert.equal(f.dir, dirOf(lang), `${what}: <html dir>`);
	assert.equal(f.h1, 1, `${what}: exactly one <h1>`);
	assert.ok(f.h1Text, `${what}: the <h1> has text`);
	assert.ok(f.title, `${what}: a <title>`);
	return f;
}

// --- axe ---------------------------------------------------------------------------

// The portal's CSP is script-src 'self': a <script> added with content (which is what
// page.addScriptTag({ path }) does) is an inline script and is refused. page.evaluate is
// not a script element: Playwright hands the text to the DevTools protocol, which runs it
// outside the page's CSP. So axe runs on the page exactly as served, CSP included, and no
// context needs bypassCSP (which would also hide the CSP violations we look for).
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe-core with the WCAG 2.0/2.1 A and AA rules; resolves with its violations. */
export async function axe(page) {
	if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
		await page.evaluate(AXE_SOURCE);
	}
	return page.evaluate(async (tags) => {
		const result = await window.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
		});
		return result.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			helpUrl: v.helpUrl,
			nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
		}));
	}, AXE_TAGS);
}

/** Readable text for a list of axe violations. */
export function formatViolations(violations) {
	return violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes.slice(0, 5).map((n) => `      ${n.target}  ${n.html}\n        ${(n.summary ?? '').replace(/\n/g, '\n        ')}`).join('\n')}${v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : ''}`).join('\n  ');
}

/** Fails when axe finds a violation on the page. */
export async function assertAccessible(page, what = page.url()) {
	const violations = await axe(page);
	assert.equal(violations.length, 0, `${what}: ${violations.length} axe violation(s):\n  ${formatViolations(violations)}`);
}
