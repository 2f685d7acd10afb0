// What a 10,000-item For Each costs (issue 20): one run of status trigger → For Each over
// 10,000 items (parallel 50) → a Switch (pure) or a Script (a step that does IO) on each item. Prints how long the run took, the
// server's peak memory (VmHWM of the `outflow serve` this config started), how long the API
// takes to read the run, the size of that answer, and how long its page in Activity takes
// to load and hydrate in Chromium. Asserts only that the run succeeded and the page shows
// the loop's count, so a slow machine does not fail it.
import { test, expect } from '@playwright/test';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { adminKey } from '../playwright.config';
import { openHydrated } from '../tests/support';

const ITEMS = 10_000;
const auth = { authorization: `Bearer ${adminKey}` };

/** Peak resident memory of the server on `port`, in MB (Linux): the largest process whose
 *  command line serves there (the shells that started it match too). */
function serverPeakMb(port: string): number | null {
  try {
    const pids = execSync(`pgrep -f "[s]erve --addr 127.0.0.1:${port}"`).toString().trim().split('\n');
    const peaks = pids.map((pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
    return Math.round(Math.max(...peaks) / 1024);
  } catch {
    return null;
  }
}

const bodies: Record<string, any> = {
  // Pure: runs inside the state machine, no task per item.
  switch: { id: 's1', kind: 'step', step: 'switch', settings: { value: '${fe.item}', cases: ['0'] }, position: { x: 600, y: 80 } },
  // A step that does IO: one script call (and record) per item.
  script: { id: 's1', kind: 'step', step: 'script', settings: { inputs: ['n'], outputs: ['twice'], script: "output['twice'] = input['n'] * 2;" }, inputs: { n: '${fe.item}' }, position: { x: 600, y: 80 } },
};

for (const [name, body] of Object.entries(bodies)) test(`a 10,000-item For Each with a ${name} step: run time, memory, and its run page`, async ({ page, request }) => {
  const post = async (path: string, data: unknown) => {
    const response = await request.post(path, { data, headers: auth });
    expect(response.ok(), `${path}: ${await response.text()}`).toBeTruthy();
    return response.json();
  };
  const stamp = Date.now().toString(36);
  const workflow = await post('/api/v1/workflows', { name: `Loop bench ${stamp}` });
  const form = await post(`/api/v1/workflows/${workflow.id}/forms`, { name: 'Outage', properties: [] });
  const flow = await post('/api/v1/flows/import', {
    name: `Ten thousand ${stamp}`,
    formId: form.id,
    blocks: [
      { id: 't1', kind: 'trigger', trigger: 'status', position: { x: 40, y: 80 } },
      { id: 'fe', kind: 'step', step: 'forEach', settings: { parallel: 50 }, inputs: { items: '${t1.items}' }, position: { x: 320, y: 80 } },
      body,
    ],
    edges: [
      { from: 't1', fromPort: 'out', to: 'fe', toPort: 'in' },
      { from: 'fe', fromPort: 'each', to: 's1', toPort: 'in' },
    ],
  });
  const port = process.env.OUTFLOW_E2E_PORT ?? '3917';
  const before = serverPeakMb(port);
  const began = Date.now();
  const started = await post(`/api/v1/flows/${flow.id}/runs`, { trigger: 't1', payload: { items: Array.from({ length: ITEMS }, (_, index) => index % 7) } });
  let run: any;
  await expect
    .poll(async () => {
      run = await (await request.get(`/api/v1/runs/${started.runId}`, { headers: auth })).json();
      return run.status;
    }, { timeout: 240_000, intervals: [250] })
    .toBe('succeeded');
  const ranMs = Date.parse(run.flow.finishedAt) - Date.parse(run.createdAt);
  const pollMs = Date.now() - began;

  const reads: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const response = await request.get(`/api/v1/runs/${started.runId}`, { headers: auth });
    bytes = (await response.body()).length;
    reads.push(performance.now() - t0);
  }
  reads.sort((a, b) => a - b);

  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await openHydrated(page, `/activity/${started.runId}`);
    loads.push(performance.now() - t0);
  }
  loads.sort((a, b) => a - b);
  await expect(page.locator('.rc-block[data-id="s1"] .rc-corner')).toHaveText(`✓ ×${ITEMS}`);

  console.log(
    JSON.stringify(
      {
        body: name,
        items: ITEMS,
        runMs: ranMs,
        startToSeenMs: pollMs,
        serverPeakMbBefore: before,
        serverPeakMbAfter: serverPeakMb(port),
        apiReadMedianMs: Math.round(reads[2]),
        apiAnswerBytes: bytes,
        runPageLoadToHydratedMedianMs: Math.round(loads[1]),
      },
      null,
      2,
    ),
  );
});
