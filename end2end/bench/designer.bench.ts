// Flow Designer performance: opens a flow of 1,000 blocks and 1,200 edges and reports the
// time to interactive, and the frame times (requestAnimationFrame intervals) while dragging
// a block and while panning, driven by real mouse events. Prints the figures; asserts only
// that the page works, so a slow machine does not fail it.
import { test, expect, type Page } from '@playwright/test';
import { adminKey } from '../playwright.config';
import { openHydrated } from '../tests/support';

const BLOCKS = 1000;
const EDGES = 1200;

function bigFlow(formId: string) {
  const blocks: any[] = [{ id: 't1', kind: 'trigger', trigger: 'status', label: 'Status Updates', position: { x: 0, y: 0 } }];
  for (let i = 1; i < BLOCKS; i++) {
    blocks.push({ id: `m${i}`, kind: 'step', step: 'merge', label: `Step ${i}`, position: { x: (i % 40) * 260, y: Math.floor(i / 40) * 110 } });
  }
  const id = (i: number) => (i === 0 ? 't1' : `m${i}`);
  const edges: any[] = [];
  for (let i = 1; i < BLOCKS; i++) edges.push({ from: id(i - 1), fromPort: 'out', to: id(i), toPort: 'in' });
  for (let i = 2; edges.length < EDGES; i++) edges.push({ from: id(i - 2), fromPort: 'out', to: id(i), toPort: 'in' });
  return { name: `Benchmark ${Date.now()}`, formId, blocks, edges };
}

/**
 * Collects the frames (requestAnimationFrame intervals) in which a pointer move was handled
 * while `work` runs; answers [median, p95, frames] in ms. Idle frames between two mouse
 * events are left out, so the figures are the cost of frames that did work.
 */
async function frameTimes(page: Page, work: () => Promise<void>): Promise<[number, number, number]> {
  await page.evaluate(() => {
    const w = window as any;
    w.__frames = [];
    w.__recording = true;
    w.__moved = false;
    w.__onMove = () => { w.__moved = true; };
    window.addEventListener('pointermove', w.__onMove, true);
    let last = performance.now();
    const tick = (now: number) => {
      if (w.__moved) w.__frames.push(now - last);
      w.__moved = false;
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
  });
  await work();
  const frames: number[] = await page.evaluate(() => {
    const w = window as any;
    w.__recording = false;
    window.removeEventListener('pointermove', w.__onMove, true);
    return w.__frames;
  });
  const sorted = [...frames].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return [at(0.5), at(0.95), frames.length];
}

test('1,000 blocks and 1,200 edges: time to interactive and frame times', async ({ page, request }) => {
  const auth = { authorization: `Bearer ${adminKey}` };
  const workflow = await (await request.post('/api/v1/workflows', { data: { name: `Bench ${Date.now()}` }, headers: auth })).json();
  const form = await (await request.post(`/api/v1/workflows/${workflow.id}/forms`, { data: { name: 'Bench' }, headers: auth })).json();
  const imported = await request.post('/api/v1/flows/import', { data: bigFlow(form.id), headers: auth });
  expect(imported.status()).toBe(201);
  const flow = await imported.json();

  await openHydrated(page, `/flows/${flow.id}`);
  await page.waitForFunction((n) => document.querySelectorAll('.fd-block').length === n && document.querySelectorAll('.fd-edge').length > 0, BLOCKS, { timeout: 120_000 });
  // Interactive: every block and edge is in the DOM and the next frame has painted.
  const interactive = await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
  await expect(page.locator('.fd-edge')).toHaveCount(EDGES);

  // Zoom to 100% around a block in the middle of the graph so there is something to drag.
  const target = page.locator('.fd-block[data-id="m500"]');
  await page.evaluate(() => (document.querySelector('.fd-viewport') as HTMLElement).focus());
  for (let i = 0; i < 12; i++) await page.keyboard.press('+');
  await page.locator('.fd-minimap').click({ position: { x: 100, y: 65 } });
  const box = (await target.boundingBox())!;
  const start = { x: box.x + 60, y: box.y + 20 };

  const drag = await frameTimes(page, async () => {
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    for (let i = 1; i <= 120; i++) await page.mouse.move(start.x + i * 2, start.y + Math.sin(i / 10) * 40);
    await page.mouse.up();
  });

  const viewport = (await page.locator('.fd-viewport').boundingBox())!;
  const empty = { x: viewport.x + 20, y: viewport.y + viewport.height - 20 };
  const pan = await frameTimes(page, async () => {
    await page.mouse.move(empty.x, empty.y);
    await page.mouse.down();
    for (let i = 1; i <= 120; i++) await page.mouse.move(empty.x + i * 3, empty.y - i * 2);
    await page.mouse.up();
  });

  const report = {
    blocks: BLOCKS,
    edges: EDGES,
    timeToInteractiveMs: Math.round(interactive),
    dragFrameMs: { median: +drag[0].toFixed(1), p95: +drag[1].toFixed(1), frames: drag[2] },
    panFrameMs: { median: +pan[0].toFixed(1), p95: +pan[1].toFixed(1), frames: pan[2] },
  };
  console.log(`DESIGNER BENCH ${JSON.stringify(report)}`);
  // The drag really moved the block and ended as one edit.
  await expect(page.locator('.fd-status')).toHaveText('● Unsaved changes');
});
