// Flow runs from the browser, with real mouse events: a Status Updates → Script → Webhook
// flow drawn in the designer and published runs when an alert starts on the Alerts page; an
// edit is a draft the running version ignores until Publish, and Roll back runs an earlier
// version again; Activity lists
// the run, shows its canvas coloured by step status, the script's output inside the
// webhook's resolved body, and re-runs it; Restart runs a failed run again from the step
// that failed, reusing what ran before it. "Test flow" in the designer pre-fills the last
// event, refuses a payload that is not JSON, and colours the canvas as drawn (unsaved edits
// included). Every webhook goes to a receiver inside this test on 127.0.0.1.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { adminKey } from '../playwright.config';
import { api, block, centre, connect, drag, dragFromPalette } from './canvas';
import { startReceiver, type Received } from './receiver';
import { openHydrated } from './support';

test.use({ viewport: { width: 1440, height: 900 } });

/** A workflow with an "Outage" form, an endpoint to the receiver, a status integration
 * (so the designer offers the Status Updates trigger) and a recipient. */
async function fixtures(request: APIRequestContext, receiverUrl: string) {
  const stamp = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Flow runs ${stamp}` });
  const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, {
    name: 'Outage',
    properties: [{ name: 'summary', type: 'text', includeInOutbound: true }],
  });
  const endpoint = await api(request, '/api/v1/endpoints', {
    workflowId: workflow.id, name: `Receiver ${stamp}`, baseUrl: receiverUrl, auth: { type: 'none' },
  });
  await api(request, '/api/v1/integrations', {
    formId: form.id, name: `Status to receiver ${stamp}`, trigger: 'status', action: { type: 'webhook', endpointId: endpoint.id, path: '/integration' },
  });
  const person = `flo${stamp}`;
  await api(request, '/api/v1/users', { targetName: person, firstName: 'Flo', lastName: `Runner ${stamp}`, roles: ['responder'] });
  return { stamp, workflowId: workflow.id as string, workflowName: workflow.name as string, formId: form.id as string, endpointId: endpoint.id as string, person };
}

const greeting = "console.log('greeting alert', payload.eventIdentifier);\noutput['greeting'] = 'Hello from alert #' + payload.eventIdentifier;";

/** Imports (so publishes) Status Updates → Script "Greet" → Webhook posting `{"text": greeting}` to `/flow`. */
async function importGreeting(request: APIRequestContext, name: string, formId: string, endpointId: string) {
  return api(request, '/api/v1/flows/import', {
    name,
    formId,
    blocks: [
      { id: 't1', kind: 'trigger', trigger: 'status', label: 'Status Updates', position: { x: 40, y: 80 } },
      { id: 'script1', kind: 'step', step: 'script', label: 'Greet', settings: { outputs: ['greeting'], script: greeting }, position: { x: 320, y: 80 } },
      {
        id: 'webhook1', kind: 'step', step: 'webhook', label: 'Post greeting',
        settings: { endpointId, method: 'POST', path: '/flow' }, inputs: { body: '{"text": "${script1.greeting}"}' }, position: { x: 600, y: 80 },
      },
    ],
    edges: [
      { from: 't1', fromPort: 'out', to: 'script1', toPort: 'in' },
      { from: 'script1', fromPort: 'out', to: 'webhook1', toPort: 'in' },
    ],
  });
}

/** What the flow's Webhook step delivered to the receiver: each body's `text`. */
const flowTexts = (received: Received[]) => received.filter((request) => request.url === '/flow').map((request) => JSON.parse(request.body).text);

async function shoot(page: Page, name: string) {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: `/tmp/${name}-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `/tmp/${name}-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a flow drawn in the designer runs when an alert starts; Activity shows the script output on the webhook', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, workflowName, formId } = await fixtures(request, receiver.url);
    const flowName = `Greet on status ${stamp}`;
    const flow = await api(request, '/api/v1/flows', { formId, name: flowName });

    // Draw Status Updates → Script → Webhook with the mouse.
    await openHydrated(page, `/flows/${flow.id}`);
    await expect(block(page, 't1')).toContainText('Status Updates');
    const t1 = await centre(block(page, 't1'));
    await dragFromPalette(page, 'script', { x: t1.x + 250, y: t1.y + 120 });
    await expect(block(page, 'script1')).toBeVisible();
    await connect(page, 't1', 'script1');
    await dragFromPalette(page, 'webhook', { x: t1.x, y: t1.y + 260 });
    await expect(block(page, 'webhook1')).toBeVisible();
    await connect(page, 'script1', 'webhook1');
    await expect(page.locator('.fd-edge')).toHaveCount(2);
    await page.getByRole('button', { name: 'Auto-layout' }).click();

    // The script sets an output.
    const inspector = page.locator('.fd-inspector');
    await block(page, 'script1').locator('.fd-head').click();
    await inspector.getByLabel('Output names').fill('greeting');
    await inspector.getByLabel('Output names').blur();
    await inspector.getByLabel(/^Script/).fill(greeting);

    // The webhook posts it: drag the script's output into the body, then wrap it in JSON.
    await block(page, 'webhook1').locator('.fd-head').click();
    await inspector.getByLabel(/^Endpoint/).selectOption({ label: `Receiver ${stamp}` });
    await inspector.getByLabel(/^Path/).fill('/flow');
    const body = inspector.locator('[data-input="body"]');
    const chip = inspector.locator('[data-placeholder="${script1.greeting}"]');
    await chip.scrollIntoViewIfNeeded();
    await drag(page, await centre(chip), await centre(body));
    await expect(body).toHaveValue('${script1.greeting}');
    await body.press('Home');
    await page.keyboard.type('{"text": "');
    await body.press('End');
    await page.keyboard.type('"}');
    await expect(body).toHaveValue('{"text": "${script1.greeting}"}');
    await expect(block(page, 'webhook1').locator('.fd-badge')).toHaveCount(0);
    // Autosaved as a draft; Publish makes it the version that runs.
    const status = page.locator('.fd-status');
    await expect(status).toHaveText(/^Draft · version \d+ · nothing runs until you publish$/);
    const draft = (await status.textContent())!.match(/version (\d+)/)![1];
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(status).toHaveText(`Published · version ${draft}`);
    await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();

    // Fire the Status Updates trigger: start an alert from the Alerts page.
    await openHydrated(page, '/alerts');
    await page.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: `${workflowName} › Outage` });
    await page.getByLabel('summary', { exact: true }).fill('Checkout is down');
    await page.getByRole('checkbox', { name: new RegExp(`Flo Runner ${stamp}`) }).check();
    await page.getByRole('button', { name: 'Start alert' }).click();
    const started = page.getByRole('status').getByRole('link', { name: /^alert #\d+$/ });
    await expect(started).toBeVisible();
    const alertId = (await started.textContent())!.replace('alert #', '');
    const expected = `Hello from alert #${alertId}`;
    await expect.poll(() => flowTexts(receiver.received), { timeout: 20_000 }).toEqual([expected]);

    // Activity lists the flow run beside integration runs; filter to this flow.
    await openHydrated(page, '/activity');
    await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Flow runs' });
    await page.getByRole('combobox', { name: /^Flow/ }).selectOption({ label: `${flowName} (Outage)` });
    const row = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: `#${alertId}` });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('succeeded', { timeout: 20_000 });
    await expect(row).toContainText('Flow');
    await expect(row).toContainText('Status Updates');
    await expect(row).toContainText('Alert trigger');
    await page.screenshot({ path: '/tmp/flow-activity.png', fullPage: true });
    await row.getByRole('link', { name: flowName }).click();

    // The run: every block coloured by its status; the webhook's resolved body holds the script's output.
    await expect(page).toHaveURL(/\/activity\/frun_/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(flowName);
    const canvas = page.getByRole('group', { name: /Flow run canvas/ });
    for (const id of ['t1', 'script1', 'webhook1']) {
      await expect(canvas.locator(`[data-id="${id}"]`)).toHaveAttribute('data-status', 'succeeded');
    }
    await expect(page.getByRole('list', { name: 'Step statuses' }).locator('[data-status="succeeded"]')).toContainText('3');
    await expect(canvas.locator('.rc-edge.taken')).toHaveCount(2);
    await canvas.locator('[data-id="webhook1"]').click();
    await expect(page).toHaveURL(/\?step=webhook1$/);
    const webhook = page.getByRole('region', { name: 'Step Webhook' });
    await expect(webhook.getByLabel('Input body')).toContainText(`"text": "${expected}"`);
    await expect(webhook.getByLabel('Outputs')).toContainText('"statusCode": 200');
    await canvas.locator('[data-id="script1"]').click();
    const script = page.getByRole('region', { name: 'Step Script' });
    await expect(script.getByLabel('Outputs')).toContainText(expected);
    await expect(script.getByRole('list', { name: 'Log' })).toContainText(`greeting alert ${alertId}`);
    await canvas.locator('[data-id="webhook1"]').click();
    await expect(page.getByLabel('Payload')).toContainText(`"eventIdentifier": ${alertId}`);
    await shoot(page, 'flow-run');

    // Re-run: the same payload again, as a new run the page opens and follows to its end.
    const firstRun = page.url();
    await page.getByRole('button', { name: 'Re-run' }).click();
    await expect(page).not.toHaveURL(firstRun);
    await expect(page.getByRole('link', { name: 'the earlier run' })).toBeVisible();
    await expect(page.locator('.rc-block[data-id="webhook1"]')).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    await expect.poll(() => flowTexts(receiver.received)).toEqual([expected, expected]);
  } finally {
    await receiver.close();
  }
});

test('Test flow in the designer: the last event pre-fills the payload, bad JSON is refused, the canvas shows each status', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, formId, endpointId, person } = await fixtures(request, receiver.url);
    const flowName = `Greet on test ${stamp}`;
    const flow = await importGreeting(request, flowName, formId, endpointId);
    // A real Status Updates event on the form: what Test pre-fills.
    const alert = await api(request, '/api/v1/alerts', { formId, properties: { summary: 'Search is slow' }, recipients: [person], priority: 'HIGH' });
    const alertId = alert.eventIdentifier;

    await openHydrated(page, `/flows/${flow.id}`);
    await expect(block(page, 'webhook1')).toBeVisible();
    await page.getByRole('button', { name: '▶ Test' }).click();
    const panel = page.getByRole('region', { name: 'Test flow' });
    await expect(panel.getByRole('combobox', { name: 'Trigger' })).toHaveValue('t1');
    const payload = panel.getByLabel('Payload (JSON)');
    await expect(payload).toHaveValue(new RegExp(`"eventIdentifier": ${alertId}`));
    await expect(payload).toHaveValue(/"summary": "Search is slow"/);
    await expect(panel).toContainText(`The last Status Updates event of this form (alert #${alertId})`);

    // Not JSON: the error shows, and Run sends nothing.
    await payload.fill('{"eventIdentifier": 7,');
    await expect(panel.getByRole('alert')).toContainText('The payload is not valid JSON');
    await panel.getByRole('button', { name: '▶ Run test' }).click();
    await expect(panel.getByRole('alert')).toContainText('Nothing was sent');
    await expect(panel).toContainText('Run the test to see');
    await expect(page.locator('.fd-block[data-status]')).toHaveCount(0);

    // The sample again, then a run: each block takes its status on the canvas.
    await panel.getByRole('button', { name: 'Reload sample' }).click();
    await expect(payload).toHaveValue(new RegExp(`"eventIdentifier": ${alertId}`));
    await expect(panel.getByRole('alert')).toHaveCount(0);
    await panel.getByRole('button', { name: '▶ Run test' }).click();
    for (const id of ['t1', 'script1', 'webhook1']) {
      await expect(block(page, id)).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    }
    const steps = panel.getByRole('list', { name: 'Steps of the test run' });
    await expect(steps.getByRole('button')).toHaveCount(3);
    await steps.getByRole('button', { name: /^Post greeting/ }).click();
    await expect(block(page, 'webhook1')).toHaveClass(/selected/);
    const expected = `Hello from alert #${alertId}`;
    await expect(panel.getByRole('region', { name: 'Step Post greeting' }).getByLabel('Input body')).toContainText(`"text": "${expected}"`);
    const inActivity = panel.getByRole('link', { name: 'Open this run in Activity →' });
    await expect(inActivity).toHaveAttribute('href', /^\/activity\/frun_/);
    await shoot(page, 'flow-test-panel');

    // As drawn, unsaved: a script that throws fails its block, and the webhook after it is skipped.
    await block(page, 'script1').locator('.fd-head').click();
    await page.locator('.fd-inspector').getByLabel(/^Script/).fill("throw new Error('no greeting today');");
    await panel.getByRole('button', { name: '▶ Run test' }).click();
    await expect(block(page, 'script1')).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
    await expect(block(page, 'webhook1')).toHaveAttribute('data-status', 'skipped');
    await expect(panel.getByRole('region', { name: 'Step Greet' })).toContainText('no greeting today');
    await expect(panel.locator('.fd-test-head .badge')).toHaveText('failed', { timeout: 20_000 });
    await expect(panel).toContainText('"Greet" failed');
    await shoot(page, 'flow-test-failed');

    // The link opens the test run in Activity (after confirming to leave the unsaved canvas).
    const href = await inActivity.getAttribute('href');
    page.once('dialog', (dialog) => dialog.accept());
    await inActivity.click();
    await expect(page).toHaveURL(href!);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(flowName);
    await expect(page.locator('.page-summary')).toContainText('Designer test');
    await expect(page.locator('.rc-block[data-id="script1"]')).toHaveAttribute('data-status', 'failed');
    await expect(page.getByRole('region', { name: 'Step Greet' })).toContainText('no greeting today');
  } finally {
    await receiver.close();
  }
});

test('the canvas of a run still going keeps its zoom while the page redraws it with newer steps', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, formId } = await fixtures(request, receiver.url);
    // Three 5 s waits, then a long one: whenever the page is ready, a step ends within 5 s.
    const waits = [5, 5, 5, 120];
    const flow = await api(request, '/api/v1/flows/import', {
      name: `Wait in steps ${stamp}`,
      formId,
      blocks: [
        { id: 't1', kind: 'trigger', trigger: 'status', label: 'Status Updates', position: { x: 40, y: 80 } },
        ...waits.map((seconds, n) => ({
          id: `wait${n}`, kind: 'step', step: 'delay', label: `Wait ${seconds} s`, settings: { seconds }, position: { x: 320 + 280 * n, y: 80 },
        })),
      ],
      edges: waits.map((_, n) => ({ from: n === 0 ? 't1' : `wait${n - 1}`, fromPort: 'out', to: `wait${n}`, toPort: 'in' })),
    });
    const started = await api(request, `/api/v1/flows/${flow.id}/runs`, { trigger: 't1', payload: {} });

    await openHydrated(page, `/activity/${started.runId}`);
    const canvas = page.locator('svg.rc-canvas');
    await expect(canvas).toBeVisible();
    const fitted = await canvas.getAttribute('viewBox');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect(canvas).not.toHaveAttribute('viewBox', fitted!);
    const zoomed = (await canvas.getAttribute('viewBox'))!;
    const waiting = await page.locator('.rc-block[data-status="waiting"]').getAttribute('data-id');

    // The next step ends and the page re-reads the run and draws its canvas again...
    await expect(page.locator(`.rc-block[data-id="${waiting}"]`)).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
    // ...and the view stays where the user left it.
    await expect(canvas).toHaveAttribute('viewBox', zoomed);
  } finally {
    await receiver.close();
  }
});

test('a draft leaves the running version alone until Publish; Roll back runs the earlier version again', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, formId, endpointId, person } = await fixtures(request, receiver.url);
    const flow = await importGreeting(request, `Greet versions ${stamp}`, formId, endpointId);
    /** Starts an alert and answers what the flow posted for it. */
    const alertGreeting = async (): Promise<string> => {
      const alert = await api(request, '/api/v1/alerts', { formId, properties: { summary: 'Disk full' }, recipients: [person] });
      const mine = () => flowTexts(receiver.received).find((text: string) => text.endsWith(`#${alert.eventIdentifier}`));
      await expect.poll(mine, { timeout: 20_000 }).toBeTruthy();
      return mine()!;
    };

    await openHydrated(page, `/flows/${flow.id}`);
    const status = page.locator('.fd-status');
    await expect(status).toHaveText('Published · version 1');

    // Edit the script: a draft, autosaved; the running version stays.
    await block(page, 'script1').locator('.fd-head').click();
    const inspector = page.locator('.fd-inspector');
    await inspector.getByLabel(/^Script/).fill(greeting.replace('Hello', 'Howdy'));
    await expect(status).toHaveText(/^Draft · version \d+ · version 1 runs$/);
    const draft = (await status.textContent())!.match(/version (\d+)/)![1];
    await page.reload();
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
    await expect(status).toHaveText(`Draft · version ${draft} · version 1 runs`);
    expect(await alertGreeting()).toMatch(/^Hello from alert #/);

    // Publish: the next run uses the draft.
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(status).toHaveText(`Published · version ${draft}`);
    await expect(page.locator('.fd-notice.info')).toContainText(`Published version ${draft}`);
    expect(await alertGreeting()).toMatch(/^Howdy from alert #/);

    // Roll back from the history: version 1 runs again; the canvas keeps the newest version.
    await page.getByRole('button', { name: 'History' }).click();
    const rows = page.getByRole('complementary', { name: 'Version history' }).locator('.fd-version');
    await expect(rows.first().locator('.badge')).toHaveText('running');
    await expect(rows.first()).toContainText('Published');
    const first = rows.filter({ hasText: 'Version 1' });
    await expect(first).toContainText('Imported and published');
    await first.locator('.fd-version-head').click();
    await first.getByRole('button', { name: 'Roll back to version 1' }).click();
    await first.getByRole('button', { name: 'Yes, roll back to version 1' }).click();
    await expect(page.locator('.fd-notice.info')).toContainText('Rolled back: version 1 runs again');
    await expect(status).toHaveText(`Draft · version ${draft} · version 1 runs`);
    await expect(first.locator('.badge')).toHaveText('running');
    await expect(first).toContainText('Rolled back to');
    await page.screenshot({ path: '/tmp/designer-publish-history.png' });
    expect(await alertGreeting()).toMatch(/^Hello from alert #/);

    // The Flows page says which version runs and that a draft waits.
    await openHydrated(page, '/flows');
    const listed = page.getByRole('row').filter({ hasText: `Greet versions ${stamp}` });
    await expect(listed).toContainText('version 1');
    await expect(listed).toContainText(`draft ${draft}`);
  } finally {
    await receiver.close();
  }
});

test('Restart on a failed run runs it again from the step that failed, and the new run succeeds', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, workflowId, formId, endpointId } = await fixtures(request, receiver.url);
    // Nothing listens on port 9: the second step fails until the endpoint is mended.
    const flaky = await api(request, '/api/v1/endpoints', { workflowId, name: `Flaky ${stamp}`, baseUrl: 'http://127.0.0.1:9/', auth: { type: 'none' } });
    const flow = await api(request, '/api/v1/flows/import', {
      name: `Restartable ${stamp}`,
      formId,
      blocks: [
        { id: 't1', kind: 'trigger', trigger: 'status', label: 'Status Updates', position: { x: 40, y: 80 } },
        { id: 'first', kind: 'step', step: 'webhook', label: 'First', settings: { endpointId, method: 'POST', path: '/first' }, inputs: { body: '{}' }, position: { x: 320, y: 80 } },
        { id: 'second', kind: 'step', step: 'webhook', label: 'Second', settings: { endpointId: flaky.id, method: 'POST', path: '/second' }, inputs: { body: '{}' }, position: { x: 600, y: 80 } },
      ],
      edges: [
        { from: 't1', fromPort: 'out', to: 'first', toPort: 'in' },
        { from: 'first', fromPort: 'out', to: 'second', toPort: 'in' },
      ],
    });
    const failed = await api(request, `/api/v1/flows/${flow.id}/runs?wait=true`, { trigger: 't1', payload: {} });
    expect(failed.status).toBe('failed');
    const mended = await request.patch(`/api/v1/endpoints/${flaky.id}`, { data: { baseUrl: receiver.url }, headers: { authorization: `Bearer ${adminKey}` } });
    expect(mended.ok()).toBeTruthy();

    await openHydrated(page, `/activity/${failed.id}`);
    await expect(page.locator('.rc-block[data-id="second"]')).toHaveAttribute('data-status', 'failed');
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await expect(page).not.toHaveURL(new RegExp(failed.id));
    await expect(page.getByRole('link', { name: 'the earlier run' })).toBeVisible();
    await expect(page.locator('.rc-block[data-id="second"]')).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    await expect(page.locator('.title-row .badge')).toHaveText('succeeded', { timeout: 20_000 });
    // The first step's record was reused: the receiver saw it once, and the page says so.
    expect(receiver.received.map((request) => request.url)).toEqual(['/first', '/second']);
    await expect(page.locator('.rc-block[data-id="first"] .rc-corner')).toHaveText('✓ reused');
    await page.locator('.rc-block[data-id="first"]').click();
    await expect(page.getByTestId('step-reused')).toBeVisible();
  } finally {
    await receiver.close();
  }
});
