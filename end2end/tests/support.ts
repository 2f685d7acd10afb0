// Shared steps for the browser tests.
import { expect, type Page } from '@playwright/test';

/** Opens a page and waits until the wasm has hydrated it, so clicks are not lost. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
}
