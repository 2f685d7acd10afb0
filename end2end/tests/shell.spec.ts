// The app shell: navigation between sections (client-side within a group of pages, a page load
// with that group's bundle across groups), and the theme switch proving that the page is
// hydrated and interactive.
import { test, expect } from '@playwright/test';
import { openHydrated } from './support';

// Each section with the bundle its pages load (`app::bundles`).
const sections = [
  { label: 'Integrations', path: '/integrations', bundle: 'integrations' },
  { label: 'Flows', path: '/flows', bundle: 'flows' },
  { label: 'Endpoints', path: '/endpoints', bundle: 'endpoints' },
  { label: 'Activity', path: '/activity', bundle: 'activity' },
  { label: 'Alerts', path: '/alerts', bundle: 'alerts' },
  { label: 'People', path: '/people', bundle: 'people' },
  { label: 'Agents', path: '/agents', bundle: 'people' },
  { label: 'Workflows', path: '/workflows', bundle: 'workflows' },
];

test('the navigation reaches every section: client-side within a bundle, loading the other bundle across', async ({ page }) => {
  const wasm: string[] = [];
  page.on('response', (response) => { if (response.url().endsWith('.wasm')) wasm.push(new URL(response.url()).pathname); });
  await openHydrated(page, '/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Health at a glance');
  const nav = page.getByRole('navigation', { name: 'Main' });
  let bundle = 'start';
  for (const section of sections) {
    // A marker on window survives client-side navigation but not a page load.
    await page.evaluate(() => ((window as any).__samePage = true));
    await nav.getByRole('link', { name: section.label, exact: true }).click();
    await expect(page).toHaveURL(section.path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(section.label);
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
    await expect(nav.getByRole('link', { name: section.label, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle(`${section.label} · Outflow`);
    expect(await page.evaluate(() => (window as any).__samePage === true), section.label).toBe(section.bundle === bundle);
    bundle = section.bundle;
  }
  // Every bundle fetched once, when its first page was reached.
  expect(wasm).toEqual([...new Set(['start', ...sections.map((s) => s.bundle)])].map((name) => `/pkg/${name}_bg.wasm`));

  // Back across bundles and within one: each page comes back hydrated and working.
  await page.goBack();
  await expect(page).toHaveURL('/agents');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.goBack();
  await expect(page).toHaveURL('/people');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('People');
  await nav.getByRole('link', { name: 'Agents', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents');
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

test('a page fetches only its group\'s bundle, named in its head, and hydrates without errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  const wasm: string[] = [];
  page.on('response', (response) => { if (response.url().endsWith('.wasm')) wasm.push(new URL(response.url()).pathname); });

  await openHydrated(page, '/integrations');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Integrations');
  // Its group's one wasm, preloaded from the head; no other bundle is fetched.
  const preloaded = await page.locator('head link[rel="preload"][as="fetch"][href$=".wasm"]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  expect(preloaded).toEqual(['/pkg/integrations_bg.wasm']);
  expect([...new Set(wasm)]).toEqual(preloaded);
  // Hydration took over the server's page instead of drawing a second copy of it.
  await expect(page.locator('main h1')).toHaveCount(1);
  expect(errors).toEqual([]);
});
