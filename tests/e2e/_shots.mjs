import { chromium } from 'playwright-core';
const base = process.argv[2], out = process.argv[3], pages = process.argv.slice(4);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
for (const p of pages) {
  await page.goto(base + p);
  const name = p.replace(/[^a-z0-9]+/gi, '_');
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
}
await browser.close();
