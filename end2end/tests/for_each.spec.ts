// A For Each and an error path drawn with the real mouse (issue 20): Status Updates → For
// Each over three items → Script (fails for item 2) → Webhook, with the Script's `error`
// port connected to a second Webhook. A designer test run posts items 1 and 3 to one path
// and item 2's failure reason to the other; the run succeeds, and the Script's step shows
// its iterations with the failed one, as does the run's canvas in Activity. Every webhook
// goes to a receiver on 127.0.0.1.
import { test, expect } from '@playwright/test';
import { api, block, centre, connect, connectPort, dragFromPalette } from './canvas';
import { startReceiver } from './receiver';
import { openHydrated } from './support';

test.use({ viewport: { width: 1440, height: 900 } });

test('a For Each with an error path, drawn by mouse, runs each item and catches the failing one', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const stamp = Date.now().toString(36);
    const workflow = await api(request, '/api/v1/workflows', { name: `Loops ${stamp}` });
    const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Outage', properties: [] });
    const endpoint = `Receiver ${stamp}`;
    await api(request, '/api/v1/endpoints', { workflowId: workflow.id, name: endpoint, baseUrl: receiver.url, auth: { type: 'none' } });
    await api(request, '/api/v1/integrations', { formId: form.id, name: `Flows ${stamp}`, trigger: 'status', action: { type: 'flowsOnly' } });
    const flow = await api(request, '/api/v1/flows', { formId: form.id, name: `Each item ${stamp}` });

    await openHydrated(page, `/flows/${flow.id}`);
    await expect(block(page, 't1')).toContainText('Status Updates');
    const t1 = await centre(block(page, 't1'));
    // The trigger sits mid-canvas: the four steps go around it.
    await dragFromPalette(page, 'forEach', { x: t1.x + 260, y: t1.y - 250 });
    await expect(block(page, 'forEach1')).toBeVisible();
    await expect(block(page, 'forEach1').locator('.fd-out-name')).toHaveText(['each', 'done', 'error']);
    await connect(page, 't1', 'forEach1');
    await dragFromPalette(page, 'script', { x: t1.x - 260, y: t1.y - 250 });
    await connectPort(page, 'forEach1', 'each', 'script1');
    await dragFromPalette(page, 'webhook', { x: t1.x - 260, y: t1.y + 150 });
    await connectPort(page, 'script1', 'out', 'webhook1');
    await dragFromPalette(page, 'webhook', { x: t1.x + 260, y: t1.y + 150 });
    await connectPort(page, 'script1', 'error', 'webhook2');
    await expect(page.locator('.fd-edge')).toHaveCount(4);
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    // The loop's body (the script and both webhooks) is framed, and the frame holds them.
    const frame = page.locator('.fd-loop[data-loop="forEach1"] rect');
    await expect(frame).toBeVisible();
    const inside = async (id: string) => {
      const [outer, inner] = [(await frame.boundingBox())!, (await block(page, id).boundingBox())!];
      return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
    };
    for (const id of ['script1', 'webhook1', 'webhook2']) expect(await inside(id), `${id} is inside the loop's frame`).toBe(true);
    expect(await inside('forEach1')).toBe(false);

    const inspector = page.locator('.fd-inspector');
    await block(page, 'forEach1').locator('.fd-head').click();
    await inspector.locator('[data-input="items"]').fill('[1, 2, 3]');
    await block(page, 'script1').locator('.fd-head').click();
    await inspector.getByLabel('Input names').fill('item');
    await inspector.getByLabel('Input names').blur();
    await inspector.getByLabel('Output names').fill('n');
    await inspector.getByLabel('Output names').blur();
    // The inspector lays out a block's inputs when it opens: open the script again.
    await block(page, 't1').locator('.fd-head').click();
    await block(page, 'script1').locator('.fd-head').click();
    await inspector.locator('[data-input="item"]').fill('${forEach1.item}');
    await inspector.getByLabel(/^Script/).fill("if (input['item'] == 2) throw new Error('item two is broken');\noutput['n'] = input['item'];");
    for (const [id, path, body] of [['webhook1', '/item', '{"n": ${script1.n}}'], ['webhook2', '/error', 'failed: ${script1.error}']]) {
      await block(page, id).locator('.fd-head').click();
      await inspector.getByLabel(/^Endpoint/).selectOption({ label: endpoint });
      await inspector.getByLabel(/^Path/).fill(path);
      await inspector.locator('[data-input="body"]').fill(body);
    }
    await expect(page.locator('.fd-badge')).toHaveCount(0);

    await page.getByRole('button', { name: '▶ Test' }).click();
    const panel = page.getByRole('region', { name: 'Test flow' });
    await panel.getByRole('button', { name: '▶ Run test' }).click();
    await expect(panel.locator('.fd-test-head .badge')).toHaveText('succeeded', { timeout: 20_000 });
    await expect(block(page, 'forEach1')).toHaveAttribute('data-status', 'succeeded');
    await expect(block(page, 'script1')).toHaveAttribute('data-status', 'failed');
    await expect(block(page, 'webhook2')).toHaveAttribute('data-status', 'succeeded');

    const items = receiver.received.filter((request) => request.url === '/item').map((request) => JSON.parse(request.body).n);
    expect(items.sort()).toEqual([1, 3]);
    const errors = receiver.received.filter((request) => request.url === '/error').map((request) => request.body);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('item two is broken');

    await panel.getByRole('list', { name: 'Steps of the test run' }).getByRole('button', { name: /^Script/ }).click();
    const script = panel.getByRole('region', { name: 'Step Script' });
    await expect(script.getByTestId('step-iterations')).toContainText('Ran in 3 iterations. 1 failed: item 1.');
    await expect(script).toContainText('item two is broken');
    await page.screenshot({ path: '/tmp/for-each-designer.png' });

    // The run in Activity: the loop's blocks count their iterations, and the error edge is taken.
    const inActivity = panel.getByRole('link', { name: 'Open this run in Activity →' });
    const href = await inActivity.getAttribute('href');
    page.once('dialog', (dialog) => dialog.accept());
    await inActivity.click();
    await expect(page).toHaveURL(href!);
    await expect(page.locator('.rc-block[data-id="script1"] .rc-corner')).toHaveText('✕ 1 of 3 failed');
    await expect(page.locator('.rc-block[data-id="webhook1"] .rc-corner')).toHaveText('✓ ×2');
    await expect(page.locator('.rc-block[data-id="webhook2"] .rc-corner')).toHaveText('✓ ×1');
    await expect(page.locator('.rc-edge.taken')).toHaveCount(4);
    await page.screenshot({ path: '/tmp/for-each-run.png' });
  } finally {
    await receiver.close();
  }
});
