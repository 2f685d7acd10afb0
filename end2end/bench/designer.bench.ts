// Flow Designer performance: opens a flow of 1,000 blocks and 1,200 edges and reports the
// time to interactive, the frame times while dragging a block and while panning (driven by
// real mouse events), and the gzipped size of what the first load of every page fetches (its
// HTML, style, script and wasm, and the data it asks for). Prints the figures; asserts only
// that the page works, so a slow machine does not fail it.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { adminKey } from '../playwright.config';
import { openHydrated } from '../tests/support';
import { gzipSync } from 'node:zlib';

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

type Frames = { handler: [number, number]; interval: [number, number]; busy: Record<string, number>; frames: number };

/**
 * Measures the frames in which a pointer move was handled while `work` runs: per frame, the
 * time the pointer-move handlers took (with the reactive effects they ran) and the interval
 * since the previous frame, which cannot be shorter than the display's refresh (16.7 ms at
 * 60 Hz) and grows when frames are dropped; medians and p95s. `busy` is the main thread's
 * script, style and layout time (Chrome's performance metrics) divided by those frames.
 * Idle frames between two mouse events are left out.
 */
async function frameTimes(page: Page, work: () => Promise<void>): Promise<Frames> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m: any) => [m.name, m.value]));
  await page.evaluate(() => {
    const w = window as any;
    const state = { handlers: [] as number[], intervals: [] as number[], handler: 0, since: 0, moved: false, recording: true };
    w.__frames = state;
    // Capture on window runs before the designer's listeners, bubble after them (they were
    // added earlier); the reactive effects a handler sets off run as microtasks in between.
    w.__before = () => { state.since = performance.now(); };
    w.__after = () => { state.handler += performance.now() - state.since; state.moved = true; };
    window.addEventListener('pointermove', w.__before, true);
    window.addEventListener('pointermove', w.__after, false);
    let last = performance.now();
    const tick = (now: number) => {
      if (state.moved) {
        state.intervals.push(now - last);
        state.handlers.push(state.handler);
      }
      state.moved = false;
      state.handler = 0;
      last = now;
      if (state.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
  });
  const before = await metrics();
  await work();
  await page.waitForTimeout(100);
  const after = await metrics();
  const { handlers, intervals } = await page.evaluate(() => {
    const w = window as any;
    w.__frames.recording = false;
    window.removeEventListener('pointermove', w.__before, true);
    window.removeEventListener('pointermove', w.__after, false);
    return w.__frames;
  });
  await cdp.detach();
  const stats = (values: number[]): [number, number] => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return [+at(0.5).toFixed(1), +at(0.95).toFixed(1)];
  };
  const perFrame = (name: string) => +(((after[name] - before[name]) * 1000) / Math.max(1, intervals.length)).toFixed(1);
  const busy = {
    script: perFrame('ScriptDuration'),
    style: perFrame('RecalcStyleDuration'),
    layout: perFrame('LayoutDuration'),
  };
  return { handler: stats(handlers), interval: stats(intervals), busy, frames: intervals.length };
}

function frameReport(frames: Frames) {
  return {
    interval: { median: frames.interval[0], p95: frames.interval[1] },
    handler: { median: frames.handler[0], p95: frames.handler[1] },
    mainThreadPerFrame: frames.busy,
    frames: frames.frames,
  };
}

type FirstLoad = { gzip: number; wasmGzip: number; dataGzip: number; files: number };

/**
 * What the first load of the page at `path` fetches, in a browser with an empty cache, until it
 * is hydrated (or the designer drawn) and the network is idle, each answer's body gzipped
 * (level 9): `gzip` the page itself (HTML, style, icon, script and wasm), `wasmGzip` the wasm
 * alone, `dataGzip` the data it asked for (server functions, API), `files` every request.
 */
async function firstLoad(browser: Browser, path: string): Promise<FirstLoad> {
  const context = await browser.newContext({ storageState: `${__dirname}/../.auth/admin.json` });
  const page = await context.newPage();
  const answers: Promise<FirstLoad>[] = [];
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    const data = pathname.startsWith('/ui/') || pathname.startsWith('/api/');
    answers.push(response.body().catch(() => Buffer.alloc(0)).then((body) => {
      const gzip = gzipSync(body, { level: 9 }).length;
      return { gzip: data ? 0 : gzip, wasmGzip: pathname.endsWith('.wasm') ? gzip : 0, dataGzip: data ? gzip : 0, files: 1 };
    }));
  });
  await openHydrated(page, path);
  await page.waitForLoadState('networkidle');
  const loads = await Promise.all(answers);
  await context.close();
  return loads.reduce((sum, load) => ({
    gzip: sum.gzip + load.gzip,
    wasmGzip: sum.wasmGzip + load.wasmGzip,
    dataGzip: sum.dataGzip + load.dataGzip,
    files: sum.files + load.files,
  }));
}

test('1,000 blocks and 1,200 edges: time to interactive and frame times', async ({ page, request, browser }) => {
  const auth = { authorization: `Bearer ${adminKey}` };
  const workflow = await (await request.post('/api/v1/workflows', { data: { name: `Bench ${Date.now()}` }, headers: auth })).json();
  const form = await (await request.post(`/api/v1/workflows/${workflow.id}/forms`, { data: { name: 'Bench' }, headers: auth })).json();
  const imported = await request.post('/api/v1/flows/import', { data: bigFlow(form.id), headers: auth });
  expect(imported.status()).toBe(201);
  const flow = await imported.json();

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await openHydrated(page, `/flows/${flow.id}`);
  await page.waitForFunction((n) => document.querySelectorAll('.fd-block').length === n && document.querySelectorAll('.fd-edge').length > 0, BLOCKS, { timeout: 120_000 });
  // Interactive: every block and edge is in the DOM and the next frame has painted.
  const interactive = await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
  const loadMetrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m: any) => [m.name, m.value]));
  await cdp.detach();
  const loadWork = Object.fromEntries(
    ['ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration', 'TaskDuration'].map((name) => [name.replace('Duration', ''), Math.round(loadMetrics[name] * 1000)]),
  );
  // Where the time to interactive went: when the page, the designer's bundle and the flow arrived.
  const timeline = await page.evaluate(() => {
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const end = (test: (name: string) => boolean) => Math.round(Math.max(0, ...entries.filter((e) => test(e.name)).map((e) => e.responseEnd)));
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return {
      html: Math.round(navigation.responseEnd),
      designerWasm: end((name) => name.endsWith('/designer_bg.wasm')),
      flowData: end((name) => name.includes('/ui/load_designer')),
    };
  });
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

  // The drag really moved the block, ended as one edit and was saved as a draft (autosave).
  await expect(page.locator('.fd-status')).toHaveText(/^Draft · version 2 ·/);
  page.on('dialog', (dialog) => dialog.accept());

  // What the first load of every page fetches; the designer's is the flow just measured.
  const pages = ['/', '/workflows', '/integrations', '/integrations/new', '/flows', '/endpoints', '/activity', '/alerts', '/people', '/agents', '/audit', '/account'];
  const firstLoadGzipBytes: Record<string, FirstLoad> = {};
  for (const path of [...pages, `/flows/${flow.id}`]) firstLoadGzipBytes[path.startsWith('/flows/') ? '/flows/{id} (designer)' : path] = await firstLoad(browser, path);
  const largest = Object.entries(firstLoadGzipBytes).reduce((a, b) => (b[1].gzip > a[1].gzip ? b : a));

  const report = {
    blocks: BLOCKS,
    edges: EDGES,
    timeToInteractiveMs: Math.round(interactive),
    arrivedMs: timeline,
    loadMainThreadMs: loadWork,
    dragFrameMs: { ...frameReport(drag) },
    panFrameMs: { ...frameReport(pan) },
    firstLoadGzipBytes,
    largestFirstLoad: { page: largest[0], gzip: largest[1].gzip },
  };
  console.log(`DESIGNER BENCH ${JSON.stringify(report)}`);
});
