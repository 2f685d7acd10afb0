// The Flow Designer with real mouse events: drag steps from the palette, connect ports,
// drag an upstream output into an input, badges, a refused cycle, copy/paste, deleting an
// edge, undo/redo, and saving that survives a reload. Setup goes through the REST API.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { api, block, centre, connect, drag, dragFromPalette } from './canvas';
import { openHydrated } from './support';

/** A form with a status integration and two response choices, and a new flow of it. */
async function newFlow(request: APIRequestContext): Promise<string> {
  const suffix = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Designer ${suffix}` });
  const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, {
    name: 'Outage',
    responses: [{ choice: 'Accept' }, { choice: 'Decline' }],
  });
  const endpoint = await api(request, '/api/v1/endpoints', {
    workflowId: workflow.id, name: 'Help desk', baseUrl: 'http://127.0.0.1:9/api', auth: { type: 'none' },
  });
  await api(request, '/api/v1/integrations', {
    formId: form.id, name: 'Status hook', trigger: 'status', action: { type: 'webhook', endpointId: endpoint.id },
  });
  const flow = await api(request, '/api/v1/flows', { formId: form.id, name: 'Close ticket' });
  return flow.id;
}

test.use({ viewport: { width: 1440, height: 900 } });

/** What the canvas shows: each block's id and place, and each edge. */
async function canvasState(page: Page): Promise<string> {
  return page.evaluate(() => {
    const blocks = [...document.querySelectorAll<HTMLElement>('.fd-block')].map((b) => `${b.dataset.id}@${b.style.transform}`).sort();
    const edges = [...document.querySelectorAll('.fd-edge-line')].map((p) => p.getAttribute('d')).sort();
    return JSON.stringify({ blocks, edges });
  });
}

test('build a flow with the mouse, undo and redo it, and save it', async ({ page, request }) => {
  const id = await newFlow(request);
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't1')).toBeVisible();
  await expect(block(page, 't2')).toContainText('Responses');
  await expect(block(page, 't2').locator('.fd-out-name')).toHaveText(['Accept', 'Decline']);

  // Drag a Webhook and a Delay from the palette onto the canvas.
  const t1 = await centre(block(page, 't1'));
  await dragFromPalette(page, 'webhook', { x: t1.x + 280, y: t1.y });
  await expect(block(page, 'webhook1')).toBeVisible();
  await dragFromPalette(page, 'delay', { x: t1.x + 280, y: t1.y + 210 });
  await expect(block(page, 'delay1')).toBeVisible();
  await expect(page.locator('.fd-status')).toHaveText('● Unsaved changes');

  // Unconnected and unconfigured: badges.
  await expect(block(page, 'webhook1').locator('.fd-badge')).toBeVisible();
  await expect(block(page, 'webhook1').locator('.fd-badge')).toHaveAttribute('title', /not connected/);

  // Connect the trigger to the webhook, the webhook to the delay.
  await connect(page, 't1', 'webhook1');
  await connect(page, 'webhook1', 'delay1');
  await expect(page.locator('.fd-edge')).toHaveCount(2);
  await expect(block(page, 'webhook1').locator('.fd-badge')).toHaveAttribute('title', /needs Endpoint/);
  await expect(block(page, 'webhook1').locator('.fd-badge')).not.toHaveAttribute('title', /not connected/);

  // A loop is refused, with a message naming the blocks.
  await connect(page, 'delay1', 'webhook1');
  const refusal = page.locator('.fd-notice.refused');
  await expect(refusal).toBeVisible();
  await expect(refusal).toContainText('would make a loop');
  await expect(refusal).toContainText('"Webhook"');
  await expect(page.locator('.fd-edge')).toHaveCount(2);
  await page.screenshot({ path: '/tmp/designer-refused.png' });

  // Drag the trigger's eventIdentifier output into the webhook's body input.
  await block(page, 'webhook1').locator('.fd-head').click();
  const body = page.locator('.fd-inspector [data-input="body"]');
  await expect(body).toBeVisible();
  // The webhook's settings push the chips below the fold.
  await page.locator('.fd-inspector [data-placeholder="${t1.eventIdentifier}"]').scrollIntoViewIfNeeded();
  await drag(page, await centre(page.locator('.fd-inspector [data-placeholder="${t1.eventIdentifier}"]')), await centre(body));
  await expect(body).toHaveValue(/\$\{t1\.eventIdentifier\}/);
  await expect(page.locator('.fd-chips-preview .fd-chip')).toHaveText('t1.eventIdentifier');
  await page.screenshot({ path: '/tmp/designer-inspector.png' });

  // Copy two blocks and paste them: two more blocks and the edge between them.
  await block(page, 'webhook1').locator('.fd-head').click();
  await block(page, 'delay1').locator('.fd-head').click({ modifiers: ['Shift'] });
  await expect(page.locator('.fd-inspector')).toContainText('2 blocks selected');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(block(page, 'webhook2')).toBeVisible();
  await expect(block(page, 'delay2')).toBeVisible();
  await expect(page.locator('.fd-edge')).toHaveCount(3);

  // Delete an edge: click it, press Delete.
  const before = await canvasState(page);
  const hit = page.locator('.fd-edge-hit').first();
  const point = await hit.evaluate((path: SVGPathElement) => {
    const middle = path.getPointAtLength(path.getTotalLength() / 2);
    const onScreen = new DOMPoint(middle.x, middle.y).matrixTransform(path.getScreenCTM()!);
    return { x: onScreen.x, y: onScreen.y };
  });
  await page.mouse.click(point.x, point.y);
  await expect(page.locator('.fd-edge.selected')).toHaveCount(1);
  await page.keyboard.press('Delete');
  await expect(page.locator('.fd-edge')).toHaveCount(2);

  // Move a block, then undo both edits and redo them: the canvas is exactly as before.
  const moved = await centre(block(page, 'delay1').locator('.fd-head'));
  await drag(page, moved, { x: moved.x + 40, y: moved.y + 90 });
  const after = await canvasState(page);
  expect(after).not.toEqual(before);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  expect(await canvasState(page)).toEqual(before);
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+Shift+z');
  expect(await canvasState(page)).toEqual(after);
  await page.screenshot({ path: '/tmp/designer-canvas.png' });

  // Save with Ctrl+S, reload: everything is still there.
  await page.keyboard.press('Control+s');
  await expect(page.locator('.fd-status')).toHaveText('Saved · version 2');
  await page.reload();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(block(page, 'webhook2')).toBeVisible();
  await expect(page.locator('.fd-edge')).toHaveCount(2);
  await block(page, 'webhook1').locator('.fd-head').click();
  await expect(page.locator('.fd-inspector [data-input="body"]')).toHaveValue(/\$\{t1\.eventIdentifier\}/);
  await expect(block(page, 'webhook1').locator('.fd-badge')).toBeVisible();
});

test('the help overlay lists the shortcuts', async ({ page, request }) => {
  const id = await newFlow(request);
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't1')).toBeVisible();
  await page.locator('.fd-viewport').click({ position: { x: 600, y: 400 } });
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Ctrl+Z · Ctrl+Shift+Z');
  await page.screenshot({ path: '/tmp/designer-help.png' });
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});

test('the Flows page lists flows per form and creates one that opens in the designer', async ({ page, request }) => {
  await newFlow(request);
  await openHydrated(page, '/flows');
  const card = page.getByRole('region', { name: /^Designer / }).last();
  await expect(card.getByRole('link', { name: 'Close ticket' })).toBeVisible();
  await card.getByLabel('New flow').fill('Page on decline');
  await page.screenshot({ path: '/tmp/designer-flows-page.png' });
  await card.getByRole('button', { name: 'Create flow' }).click();
  await expect(page).toHaveURL(/\/flows\/fl_/);
  await expect(page.getByRole('textbox', { name: 'Flow name' })).toHaveValue('Page on decline');
  await expect(block(page, 't1')).toContainText('Status Updates');

  // Leaving through an in-app link with unsaved edits asks first.
  await page.getByRole('textbox', { name: 'Flow name' }).fill('Page on decline v2');
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByRole('link', { name: '← Flows' }).click();
  await expect(page).toHaveURL(/\/flows\/fl_/);
});
