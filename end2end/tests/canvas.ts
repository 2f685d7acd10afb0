// Shared steps for the Flow Designer's browser tests: REST setup as the admin, and real
// mouse gestures on the canvas (drag from the palette, connect two blocks).
import { expect, type APIRequestContext, type Page, type Locator } from '@playwright/test';
import { adminKey } from '../playwright.config';

/** POSTs `data` to the REST API as the admin; fails the test unless it succeeds. */
export async function api(request: APIRequestContext, path: string, data: unknown): Promise<any> {
  const response = await request.post(path, { data, headers: { authorization: `Bearer ${adminKey}` } });
  expect(response.ok(), `${path}: ${await response.text()}`).toBeTruthy();
  return response.json();
}

/** A block of the designer's canvas, by id. */
export const block = (page: Page, id: string) => page.locator(`.fd-block[data-id="${id}"]`);

export async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = (await locator.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Presses at `from`, moves in steps (as a hand would) and releases at `to`. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

export async function dragFromPalette(page: Page, step: string, to: { x: number; y: number }) {
  const item = page.locator(`.fd-palette-item[data-step="step:${step}"]`);
  await item.scrollIntoViewIfNeeded();
  await drag(page, await centre(item), to);
}

/** Drags from the first output port of `from` onto the block `to`. */
export async function connect(page: Page, from: string, to: string) {
  await drag(page, await centre(block(page, from).locator('.fd-port.out').first()), await centre(block(page, to).locator('.fd-head')));
}

/** Drags from the output port `port` of `from` (e.g. a For Each's `each`, a step's `error`) onto the block `to`. */
export async function connectPort(page: Page, from: string, port: string, to: string) {
  const handle = block(page, from).locator(`.fd-port.out[data-port="${port}"]`);
  await drag(page, await centre(handle), await centre(block(page, to).locator('.fd-head')));
}
