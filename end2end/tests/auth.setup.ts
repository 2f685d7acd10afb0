// Signs the admin in once through the real sign-in page and saves the session cookie for
// every other spec (the `chromium` project loads it as its storage state).
import { expect, test as setup } from '@playwright/test';
import { adminKey } from '../playwright.config';
import { adminPassword, openHydrated } from './support';

const sessionFile = `${__dirname}/../.auth/admin.json`;

setup('the admin signs in', async ({ page, request }) => {
  const set = await request.put('/api/v1/users/admin/password', {
    headers: { Authorization: `Bearer ${adminKey}` },
    data: { password: adminPassword },
  });
  expect(set.status()).toBe(204);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await openHydrated(page, '/');
  await page.context().storageState({ path: sessionFile });
});
