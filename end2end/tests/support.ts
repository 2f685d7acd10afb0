// Shared steps for the browser tests.
import { expect, type Page } from '@playwright/test';

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
