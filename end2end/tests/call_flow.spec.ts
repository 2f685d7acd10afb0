// Call Flow and a flow's limit in the designer (issue 20), with the real mouse: a Call Flow
// step dragged in and connected, its Flow chosen from the workflow's flows with the called
// flow one click away, its input typed; the flow's "Runs at once" set with nothing
// selected. A designer test run calls the other flow, which posts the input to a receiver
// on 127.0.0.1; the step links to the called run, whose page links back to the caller.
import { test, expect } from '@playwright/test';
import { api, block, centre, connect, dragFromPalette } from './canvas';
import { startReceiver } from './receiver';
import { openHydrated } from './support';
import { adminKey } from '../playwright.config';

test.use({ viewport: { width: 1440, height: 900 } });

test('a Call Flow step drawn by mouse calls the chosen flow, and the runs link both ways', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const stamp = Date.now().toString(36);
    const workflow = await api(request, '/api/v1/workflows', { name: `Calls ${stamp}` });
    const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Outage', properties: [] });
    const endpoint = await api(request, '/api/v1/endpoints', { workflowId: workflow.id, name: `Receiver ${stamp}`, baseUrl: receiver.url, auth: { type: 'none' } });
    await api(request, '/api/v1/integrations', { formId: form.id, name: `Flows ${stamp}`, trigger: 'status', action: { type: 'flowsOnly' } });
    const called = await api(request, '/api/v1/flows/import', {
      name: `Enrich ${stamp}`,
      formId: form.id,
      blocks: [
        { id: 'c1', kind: 'trigger', trigger: 'call', settings: { inputs: ['ticket'] }, position: { x: 40, y: 40 } },
        { id: 'w1', kind: 'step', step: 'webhook', settings: { endpointId: endpoint.id, method: 'POST', path: '/enrich' }, inputs: { body: '${c1.ticket}' }, position: { x: 320, y: 40 } },
      ],
      edges: [{ from: 'c1', fromPort: 'out', to: 'w1', toPort: 'in' }],
    });
    const caller = await api(request, '/api/v1/flows', { formId: form.id, name: `Caller ${stamp}` });

    await openHydrated(page, `/flows/${caller.id}`);
    await expect(block(page, 't1')).toContainText('Status Updates');
    const inspector = page.locator('.fd-inspector');
    // The flow's own settings show with nothing selected.
    await inspector.getByTestId('max-runs').fill('3');
    await inspector.getByTestId('max-runs').blur();
    const saved = async () => (await (await request.get(`/api/v1/flows/${caller.id}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()).maxConcurrentRuns;
    await expect.poll(saved, { message: 'the limit is saved with the flow' }).toBe(3);

    const t1 = await centre(block(page, 't1'));
    await dragFromPalette(page, 'callFlow', { x: t1.x + 300, y: t1.y });
    await expect(block(page, 'callFlow1').locator('.fd-out-name')).toHaveText(['out', 'error']);
    await connect(page, 't1', 'callFlow1');
    await block(page, 'callFlow1').locator('.fd-head').click();
    await inspector.getByLabel(/^Flow/).selectOption({ label: `Enrich ${stamp}` });
    await expect(inspector.getByTestId('open-called-flow')).toHaveAttribute('href', `/flows/${called.id}`);
    await inspector.getByLabel('Input names').fill('ticket');
    await inspector.getByLabel('Input names').blur();
    await block(page, 't1').locator('.fd-head').click();
    await block(page, 'callFlow1').locator('.fd-head').click();
    await inspector.locator('[data-input="ticket"]').fill('T-9');
    await expect(page.locator('.fd-badge')).toHaveCount(0);
    await page.screenshot({ path: '/tmp/call-flow-designer.png' });

    await page.getByRole('button', { name: '▶ Test' }).click();
    const panel = page.getByRole('region', { name: 'Test flow' });
    await panel.getByRole('button', { name: '▶ Run test' }).click();
    await expect(panel.locator('.fd-test-head .badge')).toHaveText('succeeded', { timeout: 20_000 });
    expect(receiver.received.filter((request) => request.url === '/enrich').map((request) => request.body)).toEqual(['T-9']);

    await panel.getByRole('list', { name: 'Steps of the test run' }).getByRole('button', { name: /^Call Flow/ }).click();
    const step = panel.getByRole('region', { name: 'Step Call Flow' });
    const calledRun = step.getByTestId('called-run');
    await expect(calledRun).toBeVisible();
    page.once('dialog', (dialog) => dialog.accept());
    await calledRun.click();
    await expect(page).toHaveURL(/\/activity\/frun_/);
    await expect(page.getByText('Call Flow step', { exact: true })).toBeVisible();
    const back = page.getByTestId('called-by');
    await expect(back).toBeVisible();
    await page.screenshot({ path: '/tmp/call-flow-called-run.png' });
    await back.click();
    await expect(page).toHaveURL(/\?step=callFlow1/);
    await expect(page.getByRole('region', { name: 'Step Call Flow' }).getByTestId('called-run')).toBeVisible();
  } finally {
    await receiver.close();
  }
});
