// The browser harness checks itself: a safety net that never fires proves nothing. With
// the portal's own Content-Security-Policy (taken from a real response), a page built to
// misbehave must trip the problem collector, with and without JavaScript; axe must find
// the faults of a page built to have them; and a <script> added with content (what
// page.addScriptTag does) must be refused, which is why axe() uses page.evaluate.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, closeBrowser, launchBrowser, newContext, startServer, visit } from './lib/browser.mjs';

let server;
let browser;
let csp;

before(async () => {
	[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
	const res = await fetch(`${server.url}/`);
	csp = res.headers.get('content-security-policy');
	assert.match(csp ?? '', /script-src 'self'/, 'the portal sends a CSP');
});

after(async () => {
	await closeBrowser(browser);
	await server?.stop();
});

/** Serves html at path on the portal's origin, with the portal's CSP. */
async function fake(context, path, html) {
	await context.route(`${server.url}${path}`, (route) => route.fulfill({
		status: 200,
		headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp },
		body: `<!DOCTYPE html><html lang="en" dir="ltr"><head><title>t</title></head><body><main id="main"><h1>t</h1>${html}</main></body></html>`,
	}));
}

const BAD = '<p style="color:red">inline style</p><script>alert(1)</script><img src="/static/logo.svg" alt="" onerror="alert(2)" onload="alert(3)"><img src="https://evil.example/x.png" alt="">';

test('the collector reports CSP violations with JavaScript', async () => {
	const context = await newContext(browser);
	try {
		await fake(context, '/__selftest/bad', BAD);
		const page = await context.newPage();
		let dialog = false;
		page.on('dialog', (d) => {
			dialog = true;
			d.dismiss();
		});
		await visit(page, `${server.url}/__selftest/bad`);
		const text = context.problems.join('\n');
		assert.match(text, /CSP violation: script-src-elem blocked inline/, text);
		assert.match(text, /CSP violation: script-src-attr blocked inline/, text);
		assert.match(text, /CSP violation: style-src-attr/, text);
		assert.match(text, /CSP violation: img-src blocked https:\/\/evil\.example/, text);
		assert.match(text, /console error: .*Content Security Policy/, text);
		assert.equal(dialog, false, 'the CSP kept the script from running');
		assert.throws(() => context.check('self-test'), /browser problem/);
		assert.equal(context.problems.length, 0, 'check() forgets what it reported');
	} finally {
		await context.close();
	}
});

test('the collector reports CSP violations without JavaScript', async () => {
	const context = await newContext(browser, { javaScriptEnabled: false });
	try {
		await fake(context, '/__selftest/bad', BAD);
		const page = await context.newPage();
		await visit(page, `${server.url}/__selftest/bad`);
		const text = context.problems.join('\n');
		assert.match(text, /console error: .*Content Security Policy directive 'style-src 'self''/, text);
		assert.match(text, /console error: .*evil\.example.*img-src/, text);
		assert.throws(() => context.check('self-test'), /browser problem/);
	} finally {
		await context.close();
	}
});

test('an error document is the test\'s business; a missing resource is a problem', async () => {
	const context = await newContext(browser);
	try {
		const page = await context.newPage();
		await visit(page, `${server.url}/no-such-page`, { status: 404 });
		assert.deepEqual(context.problems, [], 'the 404 document itself is not a console problem');
		await fake(context, '/__selftest/missing', '<img src="/static/no-such-image.png" alt="x">');
		await visit(page, `${server.url}/__selftest/missing`);
		assert.match(context.problems.join('\n'), /Failed to load resource.*404.*no-such-image/);
		assert.throws(() => context.check('self-test'));
		await assert.rejects(visit(page, `${server.url}/no-such-page`), /answered 404, expected 200/);
	} finally {
		await context.close();
	}
});

test('axe finds the faults of a faulty page, under the CSP', async () => {
	const context = await newContext(browser);
	try {
		await fake(context, '/__selftest/a11y', '<img src="/static/logo.svg"><input type="text"><a href="/"></a>');
		const page = await context.newPage();
		await visit(page, `${server.url}/__selftest/a11y`);
		const ids = (await axe(page)).map((v) => v.id).sort();
		for (const id of ['image-alt', 'label', 'link-name']) assert.ok(ids.includes(id), `axe reports ${id}: ${ids}`);
		context.check('axe self-test');
	} finally {
		await context.close();
	}
});

test('page.addScriptTag is refused by the portal\'s CSP (so axe() uses page.evaluate)', async () => {
	const context = await newContext(browser);
	try {
		const page = await context.newPage();
		await visit(page, `${server.url}/`);
		context.check('home before the injection');
		const injected = await page.addScriptTag({ content: 'window.__injected = 1;' }).then(() => true, () => false);
		assert.equal(await page.evaluate(() => window.__injected), undefined, `the inline script did not run (addScriptTag ${injected ? 'resolved' : 'rejected'})`);
		assert.match(context.problems.join('\n'), /script-src/);
		assert.deepEqual(await axe(page), [], 'while axe through page.evaluate runs and finds the home page clean');
		// The injected script's violation may be reported more than once, and late (the
		// page was clean before it): only that one is forgiven.
		const injection = /CSP violation: script-src(-elem)? blocked inline|console error: Executing inline script violates the following Content Security Policy/;
		const others = context.problems.filter((p) => !injection.test(p));
		context.problems.length = 0;
		context.problems.push(...others);
		context.check('home');
	} finally {
		await context.close();
	}
});
