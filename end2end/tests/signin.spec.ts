// Sign-in as a user meets it: pages need a session, a wrong password says so, signing out
// ends the session, and the admin's Audit page shows who changed what.
import { expect, test } from '@playwright/test';
import { adminPassword, openHydrated } from './support';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a page asks for sign-in, refuses a wrong password, and returns to the page after', async ({ page }) => {
    await page.goto('/people');
    await expect(page).toHaveURL(/\/login\?next=%2Fpeople$/);
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('That user name and password do not match an active user.');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/people$/);
    await expect(page.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/people');
    await expect(page).toHaveURL(/\/login\?next=%2Fpeople$/);
  });
});

test('the admin sees who changed what on the Audit page', async ({ page }) => {
  await openHydrated(page, '/workflows');
  const name = `Audited ${Date.now()}`;
  await page.getByLabel('New workflow').fill(name);
  await page.getByRole('button', { name: 'Create workflow' }).click();
  await expect(page.getByRole('form', { name: 'Form editor' })).toContainText(`New form in ${name}`);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  const row = page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: name }).first();
  await expect(row).toContainText('admin');
  await expect(row).toContainText('create');
  await expect(row).toContainText('workflow');
});

test('an API key made on the Account page works once copied, and stops when revoked', async ({ page, request }) => {
  await openHydrated(page, '/account');
  const name = `CI ${Date.now()}`;
  await page.getByLabel('New key name').fill(name);
  await page.getByRole('button', { name: 'Create API key' }).click();
  const secret = page.getByRole('textbox', { name: 'API key' });
  await expect(secret).toHaveValue(/^ofk_[0-9a-f]{64}$/);
  const key = await secret.inputValue();
  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(await me.json()).toMatchObject({ targetName: 'admin' });

  const row = page.getByRole('table', { name: 'API keys' }).getByRole('row').filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(page.getByRole('table', { name: 'API keys' })).not.toContainText(key);
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(row).toContainText('revoked');
  const refused = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
});
