// Photographs the dashboard and the Endpoints page of a running server in light and dark,
// and times the home page in Chromium (navigation to `load`, and to hydrated). For the
// dashboard benchmark (`bench_dashboard … --serve ADDR`):
//   node scripts/dashboard-shots.mjs http://127.0.0.1:3941 'correct horse battery' /tmp/shots
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const [base, password, out] = process.argv.slice(2);
if (!base || !password || !out) throw new Error('usage: dashboard-shots.mjs <base url> <admin password> <output folder>');
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(`${base}/login`);
await page.getByLabel('User name').fill('admin');
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('navigation', { name: 'Main' }).waitFor();

const times = [];
for (let load = 0; load < 5; load++) {
  const started = Date.now();
  await page.goto(`${base}/`, { waitUntil: 'load' });
  const loaded = Date.now() - started;
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  times.push(`load ${loaded} ms, hydrated ${Date.now() - started} ms`);
}
console.log(`home page in Chromium:\n  ${times.join('\n  ')}`);

for (const scheme of ['light', 'dark']) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(`${base}/`);
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  await page.screenshot({ path: `${out}/dashboard-${scheme}.png`, fullPage: true });
  await page.goto(`${base}/endpoints`);
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  await page.screenshot({ path: `${out}/endpoints-${scheme}.png`, fullPage: true });
}
await browser.close();
console.log(`screenshots in ${out}`);
