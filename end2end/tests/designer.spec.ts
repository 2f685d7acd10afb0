// The Flow Designer with real mouse and keyboard events: drag steps from the palette,
// connect ports, drag an upstream output into an input (shown as a chip inside the field),
// badges, a refused cycle, copy/paste, deleting an edge, undo/redo, a draft autosaved within
// a second that survives a reload, publishing and rolling back, keyboard focus and nudging,
// version history, export and import. Setup goes through the REST API.
import { test, expect, type APIRequestContext, type Page, type Locator } from '@playwright/test';
import { api, block, centre, connect, drag, dragFromPalette } from './canvas';
import { openHydrated } from './support';
import { readFileSync } from 'node:fs';

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
  // Saved as a draft a moment after the last edit; nothing runs until it is published.
  await expect(page.locator('.fd-status')).toHaveText(/^Draft · version \d+ · nothing runs until you publish$/);

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
  // The draft saved a moment after the last edit (with a block warning to report) does not hide it.
  await expect(page.locator('.fd-status')).toHaveText(/^Draft · version \d+/);
  await expect(refusal).toContainText('would make a loop');
  await page.screenshot({ path: '/tmp/designer-refused.png' });

  // Drag the trigger's eventIdentifier output into the webhook's body input.
  await block(page, 'webhook1').locator('.fd-head').click();
  const body = page.locator('.fd-inspector [data-input="body"]');
  await expect(body).toBeVisible();
  // The webhook's settings push the chips below the fold.
  await page.locator('.fd-inspector [data-placeholder="${t1.eventIdentifier}"]').scrollIntoViewIfNeeded();
  await drag(page, await centre(page.locator('.fd-inspector [data-placeholder="${t1.eventIdentifier}"]')), await centre(body));
  await expect(body).toHaveValue(/\$\{t1\.eventIdentifier\}/);
  // Inside the field the placeholder shows as a chip; the value stays plain text.
  const chip = page.locator('.fd-inspector .fd-field:has([data-input="body"]) .fd-ov-chip');
  await expect(chip).toHaveText('${t1.eventIdentifier}');
  const [chipBox, bodyBox] = [(await chip.boundingBox())!, (await body.boundingBox())!];
  expect(chipBox.x >= bodyBox.x && chipBox.x + chipBox.width <= bodyBox.x + bodyBox.width).toBeTruthy();
  expect(chipBox.y >= bodyBox.y && chipBox.y + chipBox.height <= bodyBox.y + bodyBox.height).toBeTruthy();
  await body.press('End');
  await page.keyboard.type(' and ${nowhere.out}');
  await expect(body).toHaveValue('${t1.eventIdentifier} and ${nowhere.out}');
  await expect(page.locator('.fd-inspector .fd-ov-chip.bad')).toHaveText('${nowhere.out}');
  await page.screenshot({ path: '/tmp/designer-inspector.png' });
  for (let i = 0; i < ' and ${nowhere.out}'.length; i++) await page.keyboard.press('Backspace');
  await expect(body).toHaveValue('${t1.eventIdentifier}');

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

  // Reload as soon as the draft is saved: everything is still there.
  await expect(page.locator('.fd-status')).toHaveText(/^Draft · version \d+/);
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

  // Leaving through a link with unsaved edits asks first, once, and staying keeps the edits.
  await page.getByRole('textbox', { name: 'Flow name' }).fill('Page on decline v2');
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.type()); void dialog.dismiss(); });
  await page.getByRole('link', { name: '← Flows' }).click({ noWaitAfter: true });
  await expect.poll(() => dialogs).toEqual(['beforeunload']);
  await expect(page).toHaveURL(/\/flows\/fl_/);
  await expect(page.getByRole('textbox', { name: 'Flow name' })).toHaveValue('Page on decline v2');
});

test('keyboard: Tab moves across blocks, Enter opens the inspector, arrows move the selection', async ({ page, request }) => {
  const id = await newFlow(request);
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't2')).toBeVisible();
  await page.locator('.fd-viewport').click({ position: { x: 600, y: 500 } });
  const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id ?? null);
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('t1');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('t2');
  // Keyboard focus is visible: an outline around the block.
  await expect(block(page, 't2')).toHaveCSS('outline-style', 'solid');
  await page.screenshot({ path: '/tmp/designer-focus.png' });
  await page.keyboard.press('Shift+Tab');
  expect(await focused()).toBe('t1');

  await page.keyboard.press('Enter');
  await expect(block(page, 't1')).toHaveClass(/selected/);
  await expect(page.locator('.fd-inspector h2')).toHaveText('Status Updates');
  await expect(page.locator('.fd-inspector input').first()).toBeFocused();

  // Arrow keys move the selected block: 10 px, or 1 px with Shift; undo puts it back.
  const start = await block(page, 't1').evaluate((element) => element.style.transform);
  await block(page, 't1').locator('.fd-head').click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  const [x, y] = start.match(/-?[\d.]+/g)!.map(Number);
  await expect(block(page, 't1')).toHaveAttribute('style', new RegExp(`translate\\(${x + 20}px, ${y + 1}px\\)`));
  for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
  await expect(block(page, 't1')).toHaveAttribute('style', new RegExp(`translate\\(${x}px, ${y}px\\)`));
});

test('version history: list the saves, view one against the canvas, restore it as a new draft', async ({ page, request }) => {
  const id = await newFlow(request);
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't1')).toBeVisible();
  const t1 = await centre(block(page, 't1'));
  await dragFromPalette(page, 'delay', { x: t1.x + 300, y: t1.y + 40 });
  await expect(block(page, 'delay1')).toBeVisible();
  await page.keyboard.press('Control+s');
  const status = page.locator('.fd-status');
  await expect(status).toHaveText(/^Draft · version \d+ · nothing runs until you publish$/);
  const draft = Number((await status.textContent())!.match(/version (\d+)/)![1]);

  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('complementary', { name: 'Version history' });
  const rows = history.locator('.fd-version');
  // However many autosaves it took, one editor's draft is one entry.
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(`Version ${draft}`);
  await expect(rows.first().locator('.badge')).toHaveText('draft');
  await expect(rows.nth(1)).toContainText('Version 1');

  // Viewing version 1 says what the canvas has that it lacks.
  await rows.nth(1).locator('.fd-version-head').click();
  await expect(rows.nth(1)).toContainText('Only on the canvas');
  await expect(rows.nth(1)).toContainText('Delay (delay1)');
  await page.screenshot({ path: '/tmp/designer-history.png' });

  // Restoring asks first, then saves version 1 again as the newest draft.
  await rows.nth(1).getByRole('button', { name: 'Restore version 1' }).click();
  await rows.nth(1).getByRole('button', { name: 'Yes, restore version 1' }).click();
  await expect(status).toHaveText(`Draft · version ${draft + 1} · nothing runs until you publish`);
  await expect(page.locator('.fd-notice.info')).toContainText(`Restored version 1 as draft version ${draft + 1}`);
  await expect(block(page, 'delay1')).toHaveCount(0);
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('restored from 1');

  // The restore is on the server: a reload shows it.
  await page.reload();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(block(page, 't1')).toBeVisible();
  await expect(block(page, 'delay1')).toHaveCount(0);
});

test('export a flow, and import it on the Flows page; a broken import names the blocks', async ({ page, request }) => {
  const id = await newFlow(request);
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't1')).toBeVisible();
  const t1 = await centre(block(page, 't1'));
  await dragFromPalette(page, 'merge', { x: t1.x + 300, y: t1.y });
  await connect(page, 't1', 'merge1');
  await expect(page.locator('.fd-edge')).toHaveCount(1);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export' }).click();
  const file = await (await download).path();
  const exported = JSON.parse(readFileSync(file, 'utf8'));
  expect(exported.name).toBe('Close ticket');
  expect(exported.blocks.map((b: any) => b.id)).toContain('merge1');
  expect(exported.edges).toEqual([{ from: 't1', fromPort: 'out', to: 'merge1', toPort: 'in' }]);
  await expect(page.locator('.fd-status')).toHaveText(/^Draft · version \d+/);

  await openHydrated(page, '/flows');
  const card = page.getByRole('region', { name: /^Designer / }).last();
  await card.getByText('Import a flow from JSON').click();
  // A loop: refused in the page, naming the blocks, before anything is sent.
  const looped = { ...exported, name: 'Looped', edges: [...exported.edges, { from: 'merge1', fromPort: 'out', to: 'merge1', toPort: 'in' }] };
  await card.getByLabel('Flow JSON').fill(JSON.stringify(looped));
  await card.getByRole('button', { name: 'Import flow' }).click();
  await expect(card.getByRole('alert')).toContainText('Not imported');
  await expect(card.getByRole('alert')).toContainText('merge1');
  await card.getByLabel('Flow JSON').fill('{"name": "half');
  await card.getByRole('button', { name: 'Import flow' }).click();
  await expect(card.getByRole('alert')).toContainText('not readable JSON');
  await page.screenshot({ path: '/tmp/designer-import-refused.png' });

  // The exported file, uploaded: a new flow with the same graph opens in the designer.
  await card.getByLabel('Export file').setInputFiles(file);
  await expect(card.getByLabel('Flow JSON')).toHaveValue(/merge1/);
  // Same form, same name: refused, visibly; renamed in the text, it goes in.
  await card.getByRole('button', { name: 'Import flow' }).click();
  await expect(card.getByRole('alert')).toContainText('already has a flow named "Close ticket"');
  const text = await card.getByLabel('Flow JSON').inputValue();
  await card.getByLabel('Flow JSON').fill(text.replace('"name": "Close ticket"', '"name": "Close ticket (copy)"'));
  await card.getByRole('button', { name: 'Import flow' }).click();
  await expect(page).toHaveURL(/\/flows\/fl_/);
  expect(page.url()).not.toContain(id);
  await expect(page.getByRole('textbox', { name: 'Flow name' })).toHaveValue('Close ticket (copy)');
  await expect(block(page, 'merge1')).toBeVisible();
  await expect(page.locator('.fd-edge')).toHaveCount(1);
});

test('the designer page loads only its own bundle, named in its head, and its frame still works', async ({ page, request }) => {
  const id = await newFlow(request);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  const code: string[] = [];
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/pkg/')) code.push(path);
  });
  await page.emulateMedia({ colorScheme: 'light' });
  await openHydrated(page, `/flows/${id}`);
  await expect(block(page, 't1')).toContainText('Status Updates');
  await expect(page).toHaveTitle('Flow Designer · Outflow');

  // The designer's script and wasm, preloaded from the head; none of the app's.
  const preloaded = await page.locator('head link[rel="preload"], head link[rel="modulepreload"]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  expect(preloaded.sort()).toEqual(['/pkg/designer.js', '/pkg/designer_bg.wasm']);
  expect([...new Set(code)].sort()).toEqual(['/pkg/designer.js', '/pkg/designer_bg.wasm']);
  await expect(page.locator('.designer')).toHaveCount(1);

  // The page's frame: the navigation leads out, and the theme switch works here too.
  const toggle = page.getByRole('button', { name: /Light|Dark/ });
  await expect(toggle).toHaveCount(1);
  await expect(toggle).toContainText('Light');
  await toggle.click();
  await expect(toggle).toContainText('Dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Integrations');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

  // A link inside the app, or an address with a trailing slash, ends on the designer's own
  // page once, and going back leaves it.
  await openHydrated(page, '/flows');
  await page.locator(`a[href="/flows/${id}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/flows/${id}$`));
  await expect(block(page, 't1')).toContainText('Status Updates');
  await page.goBack();
  await expect(page).toHaveURL(/\/flows$/);
  await page.goto(`/flows/${id}/`);
  await expect(page).toHaveURL(new RegExp(`/flows/${id}$`));
  await expect(block(page, 't1')).toContainText('Status Updates');
  expect(errors).toEqual([]);
});
