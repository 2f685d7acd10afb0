// The app shell: navigation between sections without reloads, and the theme switch
// proving that the page is hydrated and interactive.
import { test, expect } from '@playwright/test';
import { openHydrated } from './support';

const sections = [
  { label: 'Integrations', path: '/integrations' },
  { label: 'Flows', path: '/flows' },
  { label: 'Endpoints', path: '/endpoints' },
  { label: 'Activity', path: '/activity' },
  { label: 'Alerts', path: '/alerts' },
  { label: 'People', path: '/people' },
  { label: 'Agents', path: '/agents' },
];

test('the navigation reaches every section client-side', async ({ page }) => {
  await openHydrated(page, '/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Health at a glance');
  // A marker on window survives client-side navigation but not a reload.
  await page.evaluate(() => ((window as any).__noReload = true));
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const section of sections) {
    await nav.getByRole('link', { name: section.label, exact: true }).click();
    await expect(page).toHaveURL(section.path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(section.label);
    await expect(nav.getByRole('link', { name: section.label, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle(`${section.label} · Outflow`);
  }
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test('the theme switch changes the page without a reload and is remembered', async ({ page }, testInfo) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openHydrated(page, '/integrations');
  await page.evaluate(() => ((window as any).__noReload = true));
  const toggle = page.getByRole('button', { name: /Light|Dark/ });
  await expect(toggle).toContainText('Light');
  const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await toggle.click();
  await expect(toggle).toContainText('Dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(darkBackground).not.toBe(lightBackground);
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('integrations-dark.png'), fullPage: true });

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('an unknown address shows the not-found page with a way back', async ({ page }) => {
  await openHydrated(page, '/does-not-exist');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await page.getByRole('link', { name: 'Back to the start page' }).click();
  await expect(page).toHaveURL('/');
});

test('a page fetches the app bundle named in its head, not the designer\'s, and hydrates without errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  const wasm: string[] = [];
  page.on('response', (response) => { if (response.url().endsWith('.wasm')) wasm.push(new URL(response.url()).pathname); });

  await openHydrated(page, '/integrations');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Integrations');
  // The app's one wasm, preloaded from the head; the designer's bundle is not fetched.
  const preloaded = await page.locator('head link[rel="preload"][as="fetch"][href$=".wasm"]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  expect(preloaded).toEqual(['/pkg/outflow_bg.wasm']);
  expect([...new Set(wasm)]).toEqual(preloaded);
  // Hydration took over the server's page instead of drawing a second copy of it.
  await expect(page.locator('main h1')).toHaveCount(1);
  expect(errors).toEqual([]);
});
