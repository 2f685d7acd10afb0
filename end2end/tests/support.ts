// Shared steps for the browser tests.
import { expect, type Page } from '@playwright/test';

/** The admin's sign-in password, set through the API by `auth.setup.ts`. */
export const adminPassword = 'e2e-admin-password-0123';

/** Opens a page and waits until the wasm has hydrated it, so clicks are not lost. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
}

/** Installs the example workflow from the Workflows page unless it is there already. */
export async function installExampleIfMissing(page: Page): Promise<void> {
  await openHydrated(page, '/workflows');
  const example = page.getByRole('region', { name: 'Example: Service desk' });
  const install = page.getByRole('button', { name: 'Install example workflow' });
  await expect(example.or(install)).toBeVisible();
  if (await install.isVisible()) {
    await install.click();
  }
  await expect(example).toBeVisible();
}

/**
 * Starts a high-priority alert to Mary McBride from the Alerts page on the example form,
 * with `number` as its number property; answers its event identifier.
 */
export async function startExampleAlert(page: Page, number: string): Promise<string> {
  await page.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: 'Example: Service desk › Major incident' });
  await page.getByLabel('number', { exact: true }).fill(number);
  await page.getByRole('combobox', { name: 'severity' }).selectOption('high');
  await page.getByLabel('summary', { exact: true }).fill('Primary database is not answering');
  await page.getByLabel('customer impact').check();
  await page.getByRole('checkbox', { name: /Mary McBride/ }).check();
  await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
  await page.getByRole('button', { name: 'Start alert' }).click();
  const started = page.getByRole('status').getByRole('link', { name: /^alert #\d+$/ });
  await expect(started).toBeVisible();
  return (await started.textContent())!.replace('alert #', '');
}
